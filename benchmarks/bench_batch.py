"""``seqalign batch``: the per-job overhead of running many small alignments, locally and on a
local Dask cluster.

Run from the repository root (the Dask rows need the ``dask`` extra)::

    python benchmarks/bench_batch.py                  # 1,000 jobs of 100 x 100 frames, d = 4
    python benchmarks/bench_batch.py --jobs 2 --count 1000 --markdown results.md
    python benchmarks/bench_batch.py --quick          # 200 jobs, no Dask

The jobs align 1,000 distinct pairs of .npy files (random walks of ``--frames`` frames and
``--dims`` features) written into a temporary folder and listed in a CSV manifest. The
alignments' own time is the sum of ``seqalign.dtw`` over the same pairs, called in a loop in
this process (arrays already in memory, kernels warm). Each batch mode is timed as a whole:

* ``seqalign batch --jobs N`` as a subprocess (Python start-up, workers' start-up and numba
  loading, reading, aligning, writing the path CSVs, the journal and the summary);
* ``run_batch(jobs=N)`` in this process (no interpreter start-up);
* ``seqalign batch --scheduler local --jobs N`` (a fresh local Dask cluster of N processes).

Per-job overhead = (wall time of the batch - the alignments' own time) / jobs: what running a
job through ``batch`` costs beyond the alignment itself. The target of issue 7 is under 10 ms
for ``--jobs 2``. Each mode runs ``--repeat`` times into a fresh folder; the best is shown.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _make_pairs(folder: Path, count: int, frames: int, dims: int) -> Path:
    rng = np.random.default_rng(0)
    rows = ["id,a,b"]
    for k in range(count):
        for side in "ab":
            walk = np.cumsum(rng.standard_normal((frames, dims)), axis=0)
            np.save(folder / f"{side}{k:04d}.npy", walk)
        rows.append(f"p{k:04d},a{k:04d}.npy,b{k:04d}.npy")
    manifest = folder / "jobs.csv"
    manifest.write_text("\n".join(rows) + "\n")
    return manifest


def _align_seconds(folder: Path, count: int, repeat: int) -> float:
    from seqalign import dtw

    pairs = [
        (np.load(folder / f"a{k:04d}.npy"), np.load(folder / f"b{k:04d}.npy")) for k in range(count)
    ]
    dtw(*pairs[0])  # numba loads outside the timing
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for a, b in pairs:
            dtw(a, b)
        best = min(best, time.perf_counter() - start)
    return best


def _timed_command(args: list[str], out: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "seqalign", "batch", *args, "-o", str(out), "--quiet"],
            capture_output=True,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"seqalign batch failed: {done.stderr.decode().strip()}")
        best = min(best, seconds)
    return best


def _timed_in_process(manifest: Path, out: Path, jobs: int, repeat: int) -> float:
    from seqalign.batch import run_batch

    best = float("inf")
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        report = run_batch(str(manifest), str(out), jobs=jobs)
        best = min(best, time.perf_counter() - start)
        assert report.ok
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="jobs [1000]")
    parser.add_argument("--frames", type=int, default=100, help="frames per input [100]")
    parser.add_argument("--dims", type=int, default=4, help="features per frame [4]")
    parser.add_argument("--jobs", type=int, default=2, help="workers [2]")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode; best shown [3]")
    parser.add_argument("--quick", action="store_true", help="200 jobs, one run, no Dask")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    if args.quick:
        args.count, args.repeat = 200, 1
    has_dask = importlib.util.find_spec("distributed") is not None and not args.quick

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        manifest = _make_pairs(folder, args.count, args.frames, args.dims)
        align = _align_seconds(folder, args.count, args.repeat)
        jobs = str(args.jobs)
        modes = [
            (f"seqalign batch --jobs {jobs}", lambda: _timed_command(
                [str(manifest), "--jobs", jobs], folder / "cli", args.repeat)),
            ("seqalign batch --jobs 1", lambda: _timed_command(
                [str(manifest), "--jobs", "1"], folder / "cli1", args.repeat)),
            (f"run_batch(jobs={jobs}), in process", lambda: _timed_in_process(
                manifest, folder / "api", args.jobs, args.repeat)),
        ]  # fmt: skip
        if has_dask:
            modes.append(
                (
                    f"seqalign batch --scheduler local --jobs {jobs}",
                    lambda: _timed_command(
                        [str(manifest), "--scheduler", "local", "--jobs", jobs],
                        folder / "dask",
                        args.repeat,
                    ),
                )
            )
        rows = [(name, run()) for name, run in modes]

    reference = (rows[0][1] - align) / args.count
    lines = [
        f"{args.count} warp jobs, {args.frames} x {args.frames} frames, d = {args.dims}; "
        f"alignments' own time (seqalign.dtw in a loop): {align:.3f} s "
        f"({align / args.count * 1e3:.3f} ms/job); {os.cpu_count()} cores",
        "",
        "| mode | wall time (s) | per-job overhead (ms) | overhead / --jobs "
        f"{jobs} overhead | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, seconds in rows:
        overhead = (seconds - align) / args.count
        target = "< 10 ms" if name == rows[0][0] else ""
        met = (" (met)" if overhead < 0.010 else " (**not met**)") if target else ""
        lines.append(
            f"| {name} | {seconds:.2f} | {overhead * 1e3:.2f} | {overhead / reference:.2f}x "
            f"| {target}{met} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")


if __name__ == "__main__":
    main()
