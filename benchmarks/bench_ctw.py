"""Canonical time warping: seqalign.ctw against tslearn.metrics.ctw_path, in one run, on the
same data (issue 6).

Run from the repository root (peers from the ``bench`` extra)::

    python benchmarks/bench_ctw.py            # 5,000 x 4,000 frames, 40 and 512 features
    python benchmarks/bench_ctw.py --quick    # 500 x 400, a smoke test

The data (as in tests/test_ctw.py): a 3-dimensional latent trajectory (sums of sinusoids of
0.5 to 2.5 cycles) observed twice, each time through its own smooth time warp, its own
random linear map (to 40 and to 512 features) and Gaussian noise (0.3), so the true
alignment is known. Agreement is the fraction of frames of x whose matched frame of y
(``seqalign.time_map`` of the path) lies within 3 frames, and within 1 % of the length of y,
of the truth; the mean error is in frames of y.

Each tool is warmed up on a small pair first (numba compiles outside the timing), then timed
on the large pair: best of ``--repeat`` wall times. Both run with the same number of
components (``--components``, default 3, the latent dimension, and 10, our default);
``--peer-default`` adds tslearn's own default (``min(d_x, d_y)`` = 40). ``max_iter=1`` rows
stop ours after one CCA step: tslearn's loop stops there too (its convergence test compares
the new path with itself), so that row is the like-for-like amount of work.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np

import seqalign


def _warp(rng: np.random.Generator):
    c = rng.uniform(-0.8, 0.8)
    a = rng.uniform(-0.04, 0.04)

    def warp(u: np.ndarray) -> np.ndarray:
        base = u if abs(c) < 1e-9 else np.expm1(c * u) / np.expm1(c)
        return base + a * np.sin(2 * np.pi * u)

    return warp


def observed(n: int, m: int, dx: int, dy: int, *, k: int, cycles: float, seed: int):
    """x (n, dx), y (m, dy) and, per frame of x, its true (fractional) frame of y."""
    rng = np.random.default_rng(seed)
    freqs = rng.uniform(0.2 * cycles, cycles, size=(k, 3))
    phases = rng.uniform(0, 2 * np.pi, size=(k, 3))

    def latent(t: np.ndarray) -> np.ndarray:
        return np.sin(2 * np.pi * freqs[None] * t[:, None, None] + phases[None]).sum(axis=2)

    warp_x, warp_y = _warp(rng), _warp(rng)
    tx, ty = warp_x(np.linspace(0, 1, n)), warp_y(np.linspace(0, 1, m))
    x = latent(tx) @ rng.standard_normal((k, dx)) + 0.3 * rng.standard_normal((n, dx))
    y = latent(ty) @ rng.standard_normal((k, dy)) + 0.3 * rng.standard_normal((m, dy))
    grid = np.linspace(0, 1, 200001)
    truth = np.interp(tx, warp_y(grid), grid) * (m - 1)
    return x, y, truth


def score(path, truth: np.ndarray, m: int) -> tuple[float, float, float]:
    """Fractions of frames of x within 3 frames and within 1 % of ``m`` frames of the truth;
    mean absolute error in frames of y."""
    _, mapped = seqalign.time_map(np.asarray(path), truth.shape[0])
    error = np.abs(mapped - truth)
    return float((error <= 3).mean()), float((error <= 0.01 * m).mean()), float(error.mean())


def _best(fn, repeat: int):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _tslearn(x, y, k: int, repeat: int):
    from tslearn.metrics import ctw_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, (path, _, _) = _best(lambda: ctw_path(x, y, n_components=k), repeat)
    return seconds, np.asarray(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 x 400 frames")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--components", type=int, nargs="+", default=[3, 10], help="K for both tools"
    )
    parser.add_argument(
        "--peer-default", action="store_true", help="also tslearn with its default K (40; slow)"
    )
    args = parser.parse_args()

    n, m = (500, 400) if args.quick else (5000, 4000)
    dx, dy = 40, 512
    x, y, truth = observed(n, m, dx, dy, k=3, cycles=2.5, seed=args.seed)
    small = observed(60, 50, dx, dy, k=3, cycles=2.5, seed=1)
    seqalign.ctw(small[0], small[1])
    _tslearn(small[0], small[1], 3, 1)

    rows = []
    for k in args.components:
        seconds, ours = _best(lambda k=k: seqalign.ctw(x, y, n_components=k), args.repeat)
        steps = f"{ours.objectives.shape[0]} steps, best {ours.iteration + 1}"
        rows.append(
            (f"seqalign.ctw (K={k}, reg 0.1)", seconds, "", *score(ours.path, truth, m), steps)
        )
        first, one = _best(lambda k=k: seqalign.ctw(x, y, n_components=k, max_iter=1), args.repeat)
        rows.append(
            (f"seqalign.ctw (K={k}, max_iter=1)", first, "", *score(one.path, truth, m), "")
        )
        peer_seconds, path = _tslearn(x, y, k, args.repeat)
        ratio = f"{peer_seconds / seconds:.1f}x; {peer_seconds / first:.1f}x vs max_iter=1"
        rows.append((f"tslearn ctw_path (K={k})", peer_seconds, ratio, *score(path, truth, m), ""))
    if args.peer_default:
        peer_seconds, path = _tslearn(x, y, min(dx, dy), args.repeat)
        ratio = f"{peer_seconds / rows[-3][1]:.1f}x vs K={args.components[-1]}"
        rows.append(("tslearn ctw_path (K=40)", peer_seconds, ratio, *score(path, truth, m), ""))
    naive = seqalign.dtw(x[:, :dx], y[:, :dx])
    rows.append(("(DTW on the first 40 features)", math.nan, "", *score(naive.path, truth, m), ""))

    print(f"CTW {n} x {m} frames, {dx} and {dy} features, seed {args.seed}")
    header = "| tool | time (s) | peer / seqalign | within 3 frames | within 1 % | mean error |"
    print(header + " note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for tool, seconds, ratio, within, within_1pc, mean_error, note in rows:
        shown = "" if math.isnan(seconds) else f"{seconds:.3f}"
        scores = f"{within:.3f} | {within_1pc:.3f} | {mean_error:.2f}"
        print(f"| {tool} | {shown} | {ratio} | {scores} | {note} |")


if __name__ == "__main__":
    main()
