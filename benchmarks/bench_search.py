"""Subsequence search (issue 17): ``seqalign.search`` against brute force, dtaidistance's
subsequence search and stumpy's MASS, on a random walk and on ECG-like data.

For each stream (a 10-million-point random walk, and synthetic ECG: beats of P, QRS and T
waves with a varying heart rate, baseline wander and noise, 250 Hz), each query length (128,
1,024: a stretch of another random walk, or of another recording of the ECG, plus noise) and
each window (5 % and 10 % of the query, rounded down as the UCR Suite does), it prints:

* seqalign's top-1 (z-normalised DTW, squared Euclidean, one thread): time, points per
  second per core, and the pruning rate of each bound;
* brute force (seqalign's banded DTW kernel on every window, no bound, no early abandoning)
  and dtaidistance 2.x's ``subsequence_search`` (LB_Keogh + its C DTW per window, windows
  z-normalised beforehand, outside the timer: a favour), each timed on the first
  :data:`PEER_POINTS` points (both are checked against seqalign's answer there): the ratio
  to seqalign on that prefix, and their time extrapolated linearly to the whole stream
  (brute force costs the same per window; dtaidistance nearly, its Python loop per window
  dominating) against seqalign's whole run;
* stumpy's ``mass`` (z-normalised Euclidean distance profile by FFT), against seqalign with a
  zero window (the same definition, squared), on the whole stream.

Times are the process's CPU time (one thread everywhere), as the machine may be shared.
``--quick`` uses 1,000,000 points. Nothing is asserted: the ratios are printed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from seqalign import search
from seqalign._kernels.ucr import banded_dtw

#: Points of the prefix on which brute force and dtaidistance are timed (then extrapolated).
PEER_POINTS = {128: 30_000, 1024: 8_000}
RATE = 250.0


def random_walk(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n).cumsum()


def ecg(n: int, seed: int) -> np.ndarray:
    """Synthetic ECG at 250 Hz: Gaussian P, Q, R, S, T waves per beat, 60-100 bpm drifting,
    baseline wander (0.3 Hz) and white noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    out = 0.15 * np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 6)) + 0.02 * rng.standard_normal(n)
    waves = ((-0.2, 0.025, 0.12), (-0.03, 0.01, -0.15), (0.0, 0.012, 1.0), (0.03, 0.01, -0.25),
             (0.25, 0.04, 0.3))  # (offset s, width s, amplitude mV)  # fmt: skip
    beat_t = 0.5
    while beat_t < t[-1]:
        period = 60.0 / (80 + 20 * np.sin(beat_t / 60) + rng.normal(0, 2))
        lo, hi = int((beat_t - 0.4) * RATE), int((beat_t + 0.5) * RATE)
        lo, hi = max(lo, 0), min(hi, n)
        local = t[lo:hi]
        for offset, width, amp in waves:
            scale = amp * (1 + rng.normal(0, 0.05))
            out[lo:hi] += scale * np.exp(-0.5 * ((local - beat_t - offset) / width) ** 2)
        beat_t += period
    return out


def _znorm_windows(x: np.ndarray, m: int) -> np.ndarray:
    w = np.lib.stride_tricks.sliding_window_view(x, m)
    mean = w.mean(axis=1, keepdims=True)
    std = w.std(axis=1, keepdims=True)
    return (w - mean) / np.where(std < 1e-8, 1.0, std)


def brute_force(query: np.ndarray, x: np.ndarray, r: int) -> tuple[float, int, float]:
    """Every window's DTW by seqalign's kernel (no bounds): (seconds, best start, best)."""
    m = len(query)
    q = ((query - query.mean()) / query.std())[:, None].copy()
    windows = _znorm_windows(x, m)
    cb = np.zeros(m + 1)
    rows = np.empty((2, m + 1))
    banded_dtw(q, windows[0][:, None].copy(), r, cb, np.inf, rows)  # compiled
    started = time.process_time()
    best, where = np.inf, -1
    for t in range(windows.shape[0]):
        d = banded_dtw(q, windows[t][:, None], r, cb, np.inf, rows)
        if d < best:
            best, where = d, t
    return time.process_time() - started, where, best


def dtaidistance_search(query: np.ndarray, x: np.ndarray, r: int):
    """dtaidistance's subsequence search (LB_Keogh, C DTW): (seconds, start, distance ** 2)."""
    from dtaidistance.subsequence.dtw import subsequence_search

    m = len(query)
    q = (query - query.mean()) / query.std()
    windows = _znorm_windows(x, m)
    series = [np.ascontiguousarray(w) for w in windows]
    started = time.process_time()
    found = subsequence_search(q, series, dists_options={"window": r + 1}, use_lb=True,
                               use_c=True)  # fmt: skip
    match = found.best_match()
    return time.process_time() - started, int(match.idx), float(match.distance) ** 2


def _rates(stats: dict[str, int]) -> str:
    n = max(1, stats["windows"])
    return ", ".join(
        f"{label} {100 * stats[key] / n:.1f}%"
        for label, key in (
            ("Kim", "lb_kim"),
            ("KeoghEQ", "lb_keogh_eq"),
            ("KeoghEC", "lb_keogh_ec"),
            ("Improved", "lb_improved"),
            ("abandoned", "dtw_abandoned"),
            ("full", "dtw_full"),
        )
    )


def run(
    name: str, x: np.ndarray, queries: dict[int, np.ndarray], peers: bool, percents=(5, 10)
) -> None:
    print(f"\n## {name}: {len(x):,} points")
    search(queries[128], x[:20_000], radius=6, n_jobs=1)  # compile outside the timers
    for m, query in queries.items():
        for percent in percents:
            r = m * percent // 100
            started = time.process_time()
            found = search(query, x, k=1, radius=f"{percent}%", n_jobs=1)
            seconds = time.process_time() - started
            rate = len(x) / seconds
            print(f"m={m:5d} window {percent:2d}% (r={r:3d}): seqalign {seconds:7.2f} s = "
                  f"{rate / 1e6:5.2f} M points/s/core; best {int(found.start[0])} "
                  f"d={found.distance[0]:.4f}; pruned: {_rates(found.stats)}")  # fmt: skip
            if not peers:
                continue
            n = PEER_POINTS[m]
            prefix = x[:n]
            ours = search(query, prefix, k=1, radius=r, n_jobs=1)
            s_ours = min(_timed(search, query, prefix, k=1, radius=r, n_jobs=1) for _ in range(3))
            s_brute, at, best = brute_force(query, prefix, r)
            assert at == ours.start[0] and np.isclose(best, ours.distance[0]), (at, best, ours)
            whole = len(x) / n  # the peers' time per window does not fall with the stream
            line = (f"    on the first {n:,} points: seqalign {s_ours * 1e3:.1f} ms; brute force "
                    f"{s_brute:.2f} s (x{s_brute / s_ours:.0f}; extrapolated to the whole stream "
                    f"{s_brute * whole:.0f} s, x{s_brute * whole / seconds:.0f} seqalign's "
                    "whole run)")  # fmt: skip
            try:
                s_dtai, at, value = dtaidistance_search(query, prefix, r)
            except ImportError:
                print(line + "; dtaidistance not installed")
                continue
            same = at == ours.start[0] and np.isclose(value, ours.distance[0])
            print(line + f"; dtaidistance {s_dtai:.2f} s (x{s_dtai / s_ours:.0f}; extrapolated "
                  f"{s_dtai * whole:.0f} s, x{s_dtai * whole / seconds:.0f} seqalign's whole run"
                  f"{'' if same else '; DIFFERENT ANSWER'})")  # fmt: skip


def _timed(call, *args, **kwargs) -> float:
    started = time.process_time()
    call(*args, **kwargs)
    return time.process_time() - started


def threads(x: np.ndarray, query: np.ndarray) -> None:
    """Wall time with one thread per CPU against one thread (the same answer)."""
    from seqalign.threads import cpu_count

    walls = {}
    for jobs in (1, cpu_count()):
        started = time.perf_counter()
        found = search(query, x, k=1, radius="5%", n_jobs=jobs)
        walls[jobs] = (time.perf_counter() - started, int(found.start[0]))
    (one, a), (many, b) = walls[1], walls[cpu_count()]
    print(f"m=128 window 5%, wall time: 1 thread {one:.2f} s, {cpu_count()} threads {many:.2f} s "
          f"(x{one / many:.2f}; same best: {a == b})")  # fmt: skip


def mass_case(x: np.ndarray, query: np.ndarray) -> None:
    try:
        import stumpy
    except ImportError:
        print("stumpy not installed: no MASS comparison")
        return
    stumpy.mass(query, x[:10_000])  # compile
    started = time.process_time()
    profile = stumpy.mass(query, x)
    s_mass = time.process_time() - started
    started = time.process_time()
    found = search(query, x, k=1, radius=0, exclusion=0, n_jobs=1)
    s_ours = time.process_time() - started
    at = int(np.argmin(profile))
    same = at == found.start[0] and np.isclose(profile[at] ** 2, found.distance[0])
    print(f"zero window, m={len(query)}: seqalign {s_ours:.2f} s ({len(x) / s_ours / 1e6:.2f} M "
          f"points/s/core), stumpy.mass {s_mass:.2f} s (x{s_mass / s_ours:.1f}; same best: "
          f"{same}); pruned: {_rates(found.stats)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000,000 points")
    parser.add_argument("--points", type=int, default=None)
    parser.add_argument("--no-peers", action="store_true", help="seqalign alone")
    parser.add_argument(
        "--target", type=int, default=0, metavar="N",
        help="only the issue's target case (random walk, m=128, 5%%), N times",
    )  # fmt: skip
    args = parser.parse_args()
    n = args.points or (1_000_000 if args.quick else 10_000_000)
    noise = np.random.default_rng(9)
    walk = random_walk(n, 1)
    other = random_walk(4096, 2)
    queries = {m: other[:m] + 0.1 * noise.standard_normal(m) for m in (128, 1024)}
    if args.target:
        for _ in range(args.target):
            run("random walk", walk, {128: queries[128]}, not args.no_peers, (5,))
        return
    run("random walk", walk, queries, not args.no_peers)
    threads(walk, queries[128])
    mass_case(walk, queries[128])
    heart = ecg(n, 3)
    beats = ecg(20_000, 4)
    queries = {m: beats[5000 : 5000 + m] + 0.02 * noise.standard_normal(m) for m in (128, 1024)}
    run("ECG-like, 250 Hz", heart, queries, not args.no_peers)
    mass_case(heart, queries[128])


if __name__ == "__main__":
    main()
