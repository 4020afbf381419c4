"""Start-up time of tiny jobs: the wall time of whole ``seqalign`` processes, warm cache.

Run from the repository root::

    python benchmarks/bench_startup.py                  # 15 runs of each command
    python benchmarks/bench_startup.py --repeat 30
    git archive HEAD seqalign | tar -x -C /tmp/old      # before/after: another checkout
    python benchmarks/bench_startup.py --tree /tmp/old --tree .

A shell loop over many small files pays this per file: importing the command line, numpy and
numba, numba loading the kernels from its cache, reading, computing (microseconds here) and
writing. The inputs are written to a temporary folder: two 10 x 2 arrays for ``warp`` and a
six-row, two-column CSV for ``segment``. Each command runs once untimed first (so the kernels
are compiled and cached, and the files are in the page cache), then ``--repeat`` times
round-robin, each in a fresh process; the median, lowest and highest wall times are printed.
``--tree DIR`` puts ``DIR`` first on ``PYTHONPATH``, so that the ``seqalign`` package found
there runs (with its own kernel cache); repeated, the trees alternate run by run, so that a
change of load on the machine hits each alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

COMMANDS = {
    "seqalign --help": ["--help"],
    "seqalign warp a.npy b.npy": ["warp", "a.npy", "b.npy"],
    "seqalign segment six_rows.csv": ["segment", "six_rows.csv"],
}


def write_inputs(folder: Path) -> None:
    rng = np.random.default_rng(0)
    np.save(folder / "a.npy", rng.standard_normal((10, 2)))
    np.save(folder / "b.npy", rng.standard_normal((10, 2)))
    rows = ["x,y", "1.0,2.0", "1.1,2.1", "0.9,1.9", "5.0,6.0", "5.1,6.2", "4.9,5.8"]
    (folder / "six_rows.csv").write_text("\n".join(rows) + "\n")


def run_once(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "seqalign", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"seqalign {' '.join(args)} failed: {done.stderr.decode().strip()}")
    return elapsed


def environment(tree: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if tree is not None:
        paths = [str(tree.resolve()), *filter(None, [env.get("PYTHONPATH")])]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per command")
    parser.add_argument(
        "--tree",
        type=Path,
        action="append",
        help="run the seqalign package found in this folder (repeat to compare; default: "
        "the installed one)",
    )
    options = parser.parse_args()
    trees: list[Path | None] = options.tree or [None]
    envs = [environment(tree) for tree in trees]
    names = [str(tree) if tree else "installed" for tree in trees]
    times = {(c, t): [] for c in COMMANDS for t in range(len(trees))}
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        write_inputs(cwd)
        for env in envs:  # compile and cache the kernels, warm the page cache
            for args in COMMANDS.values():
                run_once(args, cwd, env)
        for _ in range(options.repeat):  # round-robin: load changes hit every column alike
            for command, args in COMMANDS.items():
                for t, env in enumerate(envs):
                    times[command, t].append(run_once(args, cwd, env))
    print(f"wall time of python -m seqalign, median (min-max) of {options.repeat} runs, warm cache")
    print("| command | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for command in COMMANDS:
        cells = []
        for t in range(len(trees)):
            values = times[command, t]
            low, mid, high = min(values), statistics.median(values), max(values)
            cells.append(f"{mid:.3f} s ({low:.3f}-{high:.3f})")
        print(f"| `{command}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
