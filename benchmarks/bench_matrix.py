"""Pairwise DTW matrices and k-NN search: seqalign against dtaidistance and tslearn, side by
side in one run, on the same data.

Run from the repository root (peers from the ``bench`` extra)::

    python benchmarks/bench_matrix.py                # 300 series of 500 frames, radius 50
    python benchmarks/bench_matrix.py --quick        # 60 series of 200 frames, radius 20
    python benchmarks/bench_matrix.py --jobs 2 --markdown results.md

Definitions (all the same quantity): seqalign's ``pairwise_dtw(X, window="sakoechiba",
radius=r, sqrt=True)`` (symmetric1, squared Euclidean local cost, then the square root);
dtaidistance's ``dtw.distance_matrix_fast(X, window=r + 1, parallel=True)`` (its window
keeps ``|i - j| < window``); tslearn's ``cdist_dtw(X,
sakoe_chiba_radius=r, n_jobs=jobs)``. ``seqalign matrix`` is timed as a whole command too (a
fresh process reading one .npy file per series from a manifest, then writing a .npy).
Each time is the best of ``--repeat`` calls after one warm-up (numba compiles outside the
timing; the command line is timed cold but with numba's on-disk cache warm). The k-NN case
times ``knn_dtw`` (LB_Keogh and early abandoning) against the brute-force matrix and checks
that both find the same neighbours.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _walks(count: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.ascontiguousarray(rng.standard_normal((count, n)).cumsum(axis=1))


def _best(fn, repeat: int, warm=None) -> tuple[float, object]:
    (warm or fn)()
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _cli_seconds(X: np.ndarray, radius: int, jobs: int) -> tuple[float, np.ndarray]:
    with tempfile.TemporaryDirectory() as folder:
        names = []
        for k, s in enumerate(X):
            np.save(os.path.join(folder, f"s{k:04d}.npy"), s)
            names.append(f"s{k:04d}.npy")
        Path(folder, "list.txt").write_text("\n".join(names) + "\n")
        command = [sys.executable, "-m", "seqalign", "matrix", "--manifest", "list.txt",
                   "--window", "sakoechiba", "--band", str(radius), "--sqrt", "--jobs",
                   str(jobs), "-o", "d.npy", "-q"]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(command, cwd=folder, check=True, env=env)  # warm numba's cache
        start = time.perf_counter()
        subprocess.run(command, cwd=folder, check=True, env=env)
        seconds = time.perf_counter() - start
        return seconds, np.load(os.path.join(folder, "d.npy"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--radius", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-tslearn", action="store_true", help="skip the slowest peer")
    parser.add_argument("--markdown", metavar="FILE")
    args = parser.parse_args()
    if args.quick:
        args.count, args.length, args.radius = 60, 200, 20

    from seqalign.matrix.pairwise import knn_dtw, pairwise_dtw

    X = _walks(args.count, args.length, seed=0)
    r, jobs = args.radius, args.jobs
    rows: list[tuple[str, str, float, str]] = []
    case = f"{args.count} x {args.length}, radius {r}"

    ours_s, ours = _best(
        lambda: pairwise_dtw(X, window="sakoechiba", radius=r, sqrt=True, n_jobs=jobs),
        args.repeat,
        warm=lambda: pairwise_dtw(X[:4, :50], window="sakoechiba", radius=5, n_jobs=jobs),
    )
    rows.append((case, "seqalign pairwise_dtw", ours_s, ""))
    cli_s, cli_d = _cli_seconds(X, r, jobs)
    rows.append(
        (case, "seqalign matrix (command)", cli_s, f"max diff {np.abs(cli_d - ours).max():.1e}")
    )
    upper = np.triu_indices(len(X), 1)
    try:
        from dtaidistance import dtw as ddtw

        peer_s, peer = _best(
            lambda: ddtw.distance_matrix_fast(X, window=r + 1, parallel=True), args.repeat
        )
        diff = np.abs(peer[upper] - ours[upper]).max()
        rows.append((case, "dtaidistance distance_matrix_fast", peer_s, f"max diff {diff:.1e}"))
    except ImportError:  # pragma: no cover
        pass
    if not args.no_tslearn:
        try:
            from tslearn.metrics import cdist_dtw

            peer_s, peer = _best(
                lambda: cdist_dtw(X, sakoe_chiba_radius=r, n_jobs=jobs), args.repeat,
                warm=lambda: cdist_dtw(X[:3, :50], sakoe_chiba_radius=5, n_jobs=jobs),
            )  # fmt: skip
            rows.append(
                (case, "tslearn cdist_dtw", peer_s, f"max diff {np.abs(peer - ours).max():.1e}")
            )
        except ImportError:  # pragma: no cover
            pass

    # k-NN: a sixth of the series as queries against the rest
    n_q = max(1, args.count // 6)
    Q, R = X[:n_q] + 0.0, X[n_q:]
    knn_case = f"k-NN: {n_q} queries, {len(R)} references, k=5"
    knn_s, found = _best(lambda: knn_dtw(Q, R, 5, window="sakoechiba", radius=r, n_jobs=jobs),
                         args.repeat)  # fmt: skip
    brute_s, full = _best(lambda: pairwise_dtw(Q, R, window="sakoechiba", radius=r, n_jobs=jobs),
                          args.repeat)  # fmt: skip
    same = bool((np.argsort(full, axis=1, kind="stable")[:, :5] == found.indices).all())
    share = found.computed / found.candidates
    rows.append((knn_case, "seqalign knn_dtw (pruned)", knn_s,
                 f"{share:.0%} of DTWs run to the end; same neighbours: {same}"))  # fmt: skip
    rows.append((knn_case, "seqalign pairwise_dtw + sort", brute_s, ""))

    lines = [f"cores used: {jobs} (os.cpu_count() = {os.cpu_count()})", "",
             "| case | tool | seconds | note |", "|---|---|---:|---|"]  # fmt: skip
    lines += [f"| {c} | {tool} | {s:.3f} | {note} |" for c, tool, s, note in rows]
    lines.append("")
    for c, tool, s, _ in rows:
        if c == case and not tool.startswith("seqalign"):
            lines.append(f"{tool}: {s / ours_s:.1f}x the time of pairwise_dtw, "
                         f"{s / cli_s:.1f}x that of the whole command")  # fmt: skip
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")


if __name__ == "__main__":
    main()
