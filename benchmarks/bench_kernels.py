"""seqalign's kernels alone, timed through the public API: one line per kernel path.

No peers: this compares two versions of seqalign (before and after a kernel change) with
less noise than the peer benchmarks. Each case is the best of several calls after a warm-up
call, on one thread where the API takes ``n_jobs``. Run it alternately on both checkouts, a
few times each, and compare the medians::

    git worktree add /tmp/before HEAD
    for i in 1 2 3 4; do
        python benchmarks/bench_kernels.py --tree /tmp/before --json before_$i.json
        python benchmarks/bench_kernels.py --json after_$i.json
    done
    python benchmarks/bench_kernels.py --compare 'before_*.json' 'after_*.json'
"""

from __future__ import annotations

import argparse
import glob
import inspect
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _best(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure() -> dict[str, float]:
    import seqalign as sa

    rng = np.random.default_rng(0)

    def walk(n: int, d: int) -> np.ndarray:
        return np.ascontiguousarray(rng.standard_normal((n, d)).cumsum(axis=0))

    x1, y1 = walk(1000, 1), walk(1000, 1)
    x12, y12 = walk(1000, 12), walk(1000, 12)
    long_a, long_b = walk(10_000, 1), walk(10_000, 1)
    path_a, path_b = walk(4000, 12), walk(4000, 12)
    many = [walk(500, 1) for _ in range(120)]
    short = [walk(200, 1) for _ in range(40)]
    steps = np.concatenate([rng.standard_normal((2500, 2)) + k for k in range(4)])
    search = "search" if "search" in inspect.signature(sa.segment).parameters else "method"
    band = {"window": "sakoechiba", "radius": 50, "n_jobs": 1}
    cases: dict[str, tuple[Callable[[], object], int]] = {
        "soft-DTW value 1000 x 1000, d=1": (lambda: sa.soft_dtw(x1, y1), 30),
        "soft-DTW value 1000 x 1000, d=1, float32": (
            lambda: sa.soft_dtw(x1, y1, dtype="float32"),
            30,
        ),
        "soft-DTW value + gradient 1000 x 1000, d=1": (
            lambda: sa.soft_dtw(x1, y1, gradient=True),
            20,
        ),
        "soft-DTW value 1000 x 1000, d=12": (lambda: sa.soft_dtw(x12, y12), 30),
        "soft-DTW value + gradient 1000 x 1000, d=12": (
            lambda: sa.soft_dtw(x12, y12, gradient=True),
            20,
        ),
        "sharp soft-DTW + gradient 1000 x 1000, d=12": (
            lambda: sa.soft_dtw(x12, y12, gradient=True, sharp=True),
            10,
        ),
        "pairwise_soft_dtw 40 x 200, 1 thread": (
            lambda: sa.pairwise_soft_dtw(short, n_jobs=1),
            5,
        ),
        "barycenter 40 x 200, 10 iterations, 1 thread": (
            lambda: sa.barycenter(short, max_iter=10, n_jobs=1),
            3,
        ),
        "pairwise_dtw 120 x 500, radius 50, 1 thread": (
            lambda: sa.pairwise_dtw(many, **band),
            5,
        ),
        "pairwise_dtw 60 x 500, euclidean, 1 thread": (
            lambda: sa.pairwise_dtw(many[:60], metric="euclidean", n_jobs=1),
            3,
        ),
        "knn_dtw 30 x 120 x 500, k=5, radius 50, 1 thread": (
            lambda: sa.knn_dtw(many[:30], many, k=5, **band),
            5,
        ),
        "dtw distance 10000 x 10000, d=1": (
            lambda: sa.dtw(long_a, long_b, metric="sqeuclidean", return_path=False),
            7,
        ),
        "dtw path 4000 x 4000, d=12": (lambda: sa.dtw(path_a, path_b), 7),
        "dtw path 2000 x 2000, d=12, symmetricP1": (
            lambda: sa.dtw(path_a[:2000], path_b[:2000], step_pattern="symmetricP1"),
            3,
        ),
        "segment binseg l2 10000 x 2": (
            lambda: sa.segment(steps, n_bkps=3, **{search: "binseg"}),
            20,
        ),
    }
    return {name: _best(fn, repeat) for name, (fn, repeat) in cases.items()}


def compare(before: str, after: str) -> None:
    """Print the medians of the runs matching each glob and their ratio."""
    runs_b = [json.loads(Path(p).read_text()) for p in sorted(glob.glob(before))]
    runs_a = [json.loads(Path(p).read_text()) for p in sorted(glob.glob(after))]
    print(f"{len(runs_b)} runs before, {len(runs_a)} after; medians of each run's best")
    print("| case | before (s) | after (s) | after / before | range before | range after |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in runs_b[0]:
        b = [r[name] for r in runs_b]
        a = [r[name] for r in runs_a]
        mb, ma = statistics.median(b), statistics.median(a)
        print(f"| {name} | {mb:.4f} | {ma:.4f} | {ma / mb:.2f} | "
              f"{min(b):.4f}-{max(b):.4f} | {min(a):.4f}-{max(a):.4f} |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout of seqalign to time")
    parser.add_argument("--json", metavar="FILE", help="write the timings to this file")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="globs of --json files: print medians and ratios")  # fmt: skip
    args = parser.parse_args(argv)
    if args.compare:
        compare(*args.compare)
        return
    sys.path.insert(0, str(args.tree.resolve()))
    timings = measure()
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.4f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(timings, indent=1))


if __name__ == "__main__":
    main()
