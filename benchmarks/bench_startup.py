"""Start-up time of tiny jobs: the wall time of whole ``seqalign`` processes, warm cache.

Run from the repository root::

    python benchmarks/bench_startup.py                  # 15 runs of each command
    python benchmarks/bench_startup.py --repeat 30
    python benchmarks/bench_startup.py --tree /tmp/old  # another checkout, for before/after

A shell loop over many small files pays this per file: importing the command line, numpy and
numba, numba loading the kernels from its cache, reading, computing (microseconds here) and
writing. The inputs are written to a temporary folder: two 10 x 2 arrays for ``warp`` and a
six-row, two-column CSV for ``segment``. Each command runs once untimed first (so the kernels
are compiled and cached, and the files are in the page cache), then ``--repeat`` times
round-robin, each in a fresh process; the median, lowest and highest wall times are printed.
``--tree DIR`` puts ``DIR`` first on ``PYTHONPATH``, so that the ``seqalign`` package of
another checkout (``git archive HEAD | tar -x -C DIR``) runs, with its own kernel cache.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per command")
    parser.add_argument("--tree", type=Path, help="run the seqalign package found in this folder")
    options = parser.parse_args()
    env = dict(os.environ)
    if options.tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(options.tree.resolve()), *filter(None, [env.get("PYTHONPATH")])]
        )
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        write_inputs(cwd)
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for args in COMMANDS.values():
            run_once(args, cwd, env)
        for _ in range(options.repeat):
            for name, args in COMMANDS.items():
                times[name].append(run_once(args, cwd, env))
    where = options.tree or Path(__file__).resolve().parents[1]
    print(f"seqalign from {where}, {options.repeat} runs each (python -m seqalign), warm cache")
    print("| command | median (s) | min (s) | max (s) |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        row = (statistics.median(values), min(values), max(values))
        print(f"| `{name}` | {row[0]:.3f} | {row[1]:.3f} | {row[2]:.3f} |")


if __name__ == "__main__":
    main()
