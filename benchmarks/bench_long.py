"""Long recordings: exact linear-memory paths and multiscale DTW against the peers, one run.

Data: a smoothly warped pair of random walks with ``d`` features (``y`` is ``x`` resampled
along a monotone warp, plus noise), ``n`` frames each. Every method runs in its own fresh
process, after loading the data and warming its library up on a small pair, so that the
time is the alignment's alone and the memory is its own peak: the growth of the resident
set (``VmHWM`` after resetting it through ``/proc/self/clear_refs``).

Exact linear-memory paths (euclidean local cost, symmetric1; the same path cost):
seqalign ``dtw(solver="linear")``, dtaidistance ``dtw.warping_path_fast(use_lowmem=True)``
(C, squared euclidean inside: the same path), linmdtw ``linmdtw(do_gpu=False)`` (Tralie &
Dempsey 2020, CPU). Approximate: seqalign ``solver="multiscale"``, synctoolbox's MrMsDTW
``sync_via_mrmsdtw`` (music defaults: cosine of l2-normalised features at 50 Hz), fastdtw
``fastdtw(radius=10)``. For each path: the share of points within 2 frames of the exact path
(:func:`seqalign.path_agreement`) and the mean distance, in frames, from the true warp.

Run from the repository root::

    python benchmarks/bench_long.py                       # 50,000 x 50,000, d = 12
    python benchmarks/bench_long.py --n 180000 --only seqalign-multiscale seqalign-linear

Peers that are not installed are skipped (``pip install -e '.[bench]'`` brings dtaidistance
and fastdtw; ``pip install synctoolbox`` pins numba below 0.66; linmdtw needs Cython and
``pip install --no-build-isolation linmdtw``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXACT = ("seqalign-linear", "dtaidistance-lowmem", "linmdtw")
APPROX = ("seqalign-multiscale", "synctoolbox-mrmsdtw", "fastdtw-r10")


def make_pair(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x``, ``y`` and the true position in ``x`` of every frame of ``y``."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.standard_normal((n, d)), axis=0)
    u = np.linspace(0.0, 1.0, n)
    warp = u + 0.08 * np.sin(2 * np.pi * 3 * u) / (2 * np.pi * 3)  # smooth, monotone
    warp = (warp - warp[0]) / (warp[-1] - warp[0]) * (n - 1)
    grid = np.arange(n)
    y = np.stack([np.interp(warp, grid, x[:, f]) for f in range(d)], axis=1)
    y += 0.1 * rng.standard_normal(y.shape)
    return x, y, warp


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _runner(method: str):
    """(warm-up callable, run callable) of one method; each returns a path (L, 2)."""
    if method == "seqalign-linear":
        import seqalign

        def run(x, y):
            return seqalign.dtw(x, y, solver="linear").path

        return run
    if method == "seqalign-multiscale":
        import seqalign

        def run(x, y):
            return seqalign.dtw(x, y, solver="multiscale").path

        return run
    if method == "dtaidistance-lowmem":
        from dtaidistance import dtw

        def run(x, y):
            return np.asarray(dtw.warping_path_fast(x, y, use_lowmem=True), dtype=np.int64)

        return run
    if method == "linmdtw":
        import warnings

        import linmdtw

        warnings.filterwarnings("ignore")

        def run(x, y):
            _, path = linmdtw.linmdtw(x.astype(np.float32), y.astype(np.float32), do_gpu=False)
            return np.asarray(path, dtype=np.int64)

        return run
    if method == "synctoolbox-mrmsdtw":
        from synctoolbox.dtw.mrmsdtw import sync_via_mrmsdtw

        def run(x, y):
            path = sync_via_mrmsdtw(np.ascontiguousarray(x.T), np.ascontiguousarray(y.T),
                                    input_feature_rate=50, verbose=False)  # fmt: skip
            return np.asarray(path, dtype=np.int64).T

        return run
    if method == "fastdtw-r10":
        from fastdtw import fastdtw
        from scipy.spatial.distance import euclidean

        def run(x, y):
            return np.asarray(fastdtw(x, y, radius=10, dist=euclidean)[1], dtype=np.int64)

        return run
    raise ValueError(method)


def worker(method: str, data: str, out: str) -> None:
    """Child process: warm up, reset the peak, align, report time and memory."""
    arrays = np.load(data)
    x, y = arrays["x"], arrays["y"]
    run = _runner(method)
    run(x[:300], y[:300])  # imports, numba compilation, caches
    base = _rss_kb("VmRSS")
    _reset_peak()
    started = time.perf_counter()
    path = run(x, y)
    seconds = time.perf_counter() - started
    peak = _rss_kb("VmHWM")
    np.save(out, path)
    print(json.dumps({"seconds": seconds, "peak_mb": max(0, peak - base) / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--d", type=int, default=12)
    parser.add_argument("--only", nargs="+", default=list(EXACT + APPROX))
    parser.add_argument("--timeout", type=float, default=1200.0)
    parser.add_argument(
        "--worker", nargs=3, metavar=("METHOD", "DATA", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return

    import seqalign

    x, y, warp = make_pair(args.n, args.d)
    truth = np.stack([np.round(warp).astype(np.int64), np.arange(args.n)], axis=1)  # (i, j)
    print(f"{args.n:,} x {args.n:,} frames, d = {args.d}, smoothly warped random walks; "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "pair.npz")
        np.savez(data, x=x, y=y)
        for method in args.only:
            out = os.path.join(tmp, f"{method}.npy")
            command = [sys.executable, __file__, "--worker", method, data, out]
            try:
                done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                                      timeout=args.timeout)  # fmt: skip
            except subprocess.TimeoutExpired:
                print(f"  {method:22s} stopped after {args.timeout:.0f} s")
                results[method] = {"seconds": float("inf"), "peak_mb": float("nan")}
                continue
            if done.returncode != 0:
                reason = (done.stderr.strip().splitlines() or ["?"])[-1]
                print(f"  {method:22s} skipped: {reason}")
                continue
            results[method] = json.loads(done.stdout.strip().splitlines()[-1])
            results[method]["path"] = np.load(out)
            print(f"  {method:22s} {results[method]['seconds']:8.2f} s "
                  f"{results[method]['peak_mb']:8.1f} MB", flush=True)  # fmt: skip

    exact = results.get("seqalign-linear", {}).get("path")
    print("\nmethod                   time (s)  peak (MB)  within 2 of exact  mean from truth")
    for method, r in results.items():
        if "path" not in r:
            continue
        path = r["path"]
        within = "-" if exact is None else f"{seqalign.path_agreement(path, exact)['within']:.2%}"
        truth_dev = seqalign.path_agreement(path, truth)["mean"]
        print(f"{method:24s} {r['seconds']:9.2f} {r['peak_mb']:10.1f} {within:>18s} "
              f"{truth_dev:12.2f} frames")  # fmt: skip

    def ratio(ours: str, peers: tuple[str, ...]) -> None:
        timed = {p: results[p]["seconds"] for p in peers if p in results}
        if ours in results and timed:
            best = min(timed, key=timed.get)
            print(
                f"{ours}: {timed[best] / results[ours]['seconds']:.1f}x faster than the "
                f"fastest peer ({best}, {timed[best]:.2f} s)"
            )

    print()
    ratio("seqalign-linear", tuple(p for p in EXACT if p != "seqalign-linear"))
    ratio("seqalign-multiscale", tuple(p for p in APPROX if p != "seqalign-multiscale"))


if __name__ == "__main__":
    main()
