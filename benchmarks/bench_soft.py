"""seqalign's soft-DTW against tslearn, side by side in one run, on the same data.

Run from the repository root (tslearn from the ``bench`` extra)::

    python benchmarks/bench_soft.py                 # every case, prints a table
    python benchmarks/bench_soft.py --quick         # smaller sizes, for a smoke test
    python benchmarks/bench_soft.py --case gradient --markdown results.md

Each case reports the best of ``--repeat`` wall times after one warm-up call (numba compiles
outside the timing) and the ratio ``tslearn time / seqalign time``. Both compute the same
quantity: soft-DTW on the squared Euclidean cost (tslearn's only cost), gamma = 1:

``value``
    ``seqalign.soft_dtw(x, y)`` / ``tslearn.metrics.soft_dtw(x, y)``; also seqalign in float32
    (``dtype="float32"``, values only, about 1e-6 relative error).
``value + gradient``
    ``seqalign.soft_dtw(x, y, gradient=True)`` (gradients with respect to x *and* y) /
    ``tslearn.metrics.soft_dtw_alignment(x, y)`` (value and expected alignment) followed by
    tslearn's Jacobian product for the gradient with respect to x, as its barycenter does.
``pairwise``
    ``seqalign.pairwise_soft_dtw(X, n_jobs=J)`` (and in float32) /
    ``tslearn.metrics.cdist_soft_dtw(X, n_jobs=J)``.
``barycenter``
    ``seqalign.barycenter(X, max_iter=50, n_jobs=J)`` at its default tolerance (1e-4) and at
    tslearn's (1e-3) / ``tslearn.barycenters.softdtw_barycenter(X, tol=1e-3, max_iter=50,
    n_jobs=J)`` (its defaults): L-BFGS-B from the mean on the same objective, whose value
    ``sum_k sdtw(Z, X_k)`` is reported for each result. The ratio is against seqalign's
    default.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore", category=DeprecationWarning)


@dataclass
class Result:
    case: str
    tool: str
    seconds: float
    value: float | None = None
    note: str = ""


def _walks(count: int, n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.ascontiguousarray(rng.standard_normal((count, n, d)).cumsum(axis=1))


def _timed(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up: JIT compilation and caches
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _tslearn_value_and_gradient(x: np.ndarray, y: np.ndarray):
    from tslearn.metrics import soft_dtw_alignment
    from tslearn.metrics.softdtw_variants import SquaredEuclidean

    E, value = soft_dtw_alignment(x, y, gamma=1.0)
    return value, SquaredEuclidean(x, y).jacobian_product(E)


def case_gradient(n: int, d: int, repeat: int) -> list[Result]:
    """Value, and value with gradient, of two random walks of ``n`` frames, ``d`` features."""
    import seqalign

    x, y = _walks(2, n, d, seed=d)
    out = []
    for what, ours, theirs in (
        ("value", lambda: seqalign.soft_dtw(x, y).value, "soft_dtw"),
        (
            "value + gradient",
            lambda: seqalign.soft_dtw(x, y, gradient=True).value,
            "soft_dtw_alignment + jacobian_product",
        ),
    ):
        case = f"{what} {n}x{n} d={d}"
        seconds, value = _timed(ours, repeat)
        out.append(Result(case, "seqalign", seconds, value, f"{seconds / n / n * 1e9:.1f} ns/cell"))
        if what == "value":
            seconds, value = _timed(lambda: seqalign.soft_dtw(x, y, dtype="float32").value, repeat)
            note = f"{seconds / n / n * 1e9:.1f} ns/cell"
            out.append(Result(case, "seqalign float32", seconds, value, note))
        try:
            from tslearn.metrics import soft_dtw
        except ImportError:
            continue
        if theirs == "soft_dtw":
            seconds, value = _timed(lambda: soft_dtw(x, y, gamma=1.0), repeat)
        else:
            seconds, result = _timed(lambda: _tslearn_value_and_gradient(x, y), repeat)
            value = result[0]  # type: ignore[index]
        out.append(Result(case, f"tslearn {theirs}", seconds, float(value)))
    return out


def case_pairwise(count: int, n: int, jobs: int, repeat: int) -> list[Result]:
    """Soft-DTW between every two of ``count`` univariate random walks of ``n`` frames."""
    import seqalign

    X = _walks(count, n, 1, seed=7)
    case = f"pairwise {count} x {n} frames, {jobs} threads"
    seconds, M = _timed(lambda: seqalign.pairwise_soft_dtw(X, n_jobs=jobs), repeat)
    out = [Result(case, "seqalign", seconds, float(M.sum()))]  # type: ignore[union-attr]
    seconds, M = _timed(lambda: seqalign.pairwise_soft_dtw(X, n_jobs=jobs, dtype="float32"), repeat)
    out.append(Result(case, "seqalign float32", seconds, float(M.sum())))  # type: ignore[union-attr]
    try:
        from tslearn.metrics import cdist_soft_dtw
    except ImportError:
        return out
    seconds, R = _timed(lambda: cdist_soft_dtw(X, gamma=1.0, n_jobs=jobs), 1)
    out.append(Result(case, "tslearn cdist_soft_dtw", seconds, float(R.sum())))  # type: ignore[union-attr]
    return out


def case_barycenter(count: int, n: int, jobs: int, repeat: int, tol: float) -> list[Result]:
    """Soft-DTW barycenter of ``count`` univariate random walks of ``n`` frames."""
    import seqalign

    X = _walks(count, n, 1, seed=11)

    def objective(z: np.ndarray) -> float:
        return float(sum(seqalign.soft_dtw(z, x).value for x in X))

    case = f"barycenter {count} x {n} frames, {jobs} threads"
    out = []
    for tolerance in sorted({tol, 1e-3}):
        seconds, b = _timed(lambda t=tolerance: seqalign.barycenter(
            X, gamma=1.0, tol=t, max_iter=50, n_jobs=jobs), repeat)  # fmt: skip
        note = f"tol {tolerance:g}, {b.n_iter} iterations"  # type: ignore[union-attr]
        out.append(Result(case, f"seqalign (tol {tolerance:g})", seconds,
                          objective(b.average), note))  # type: ignore[union-attr]  # fmt: skip
    try:
        from tslearn.barycenters import softdtw_barycenter
    except ImportError:
        return out
    seconds, z = _timed(lambda: softdtw_barycenter(X, gamma=1.0, tol=1e-3, max_iter=50,
                                                   n_jobs=jobs), 1)  # fmt: skip
    out.append(Result(case, "tslearn softdtw_barycenter (tol 0.001)", seconds,
                      objective(z), "tol 0.001"))  # type: ignore[arg-type]  # fmt: skip
    return out


def report(results: list[Result]) -> str:
    lines = [
        "| case | tool | time (s) | value / objective | tslearn time / seqalign time | note |",
        "|---|---|---:|---:|---:|---|",
    ]
    ours = {}
    for r in results:
        if r.tool.startswith("seqalign"):
            ours.setdefault(r.case, r.seconds)
    for r in results:
        ratio = ""
        if r.tool.startswith("tslearn") and r.case in ours:
            ratio = f"{r.seconds / ours[r.case]:.1f}x"
        value = "" if r.value is None else f"{r.value:.10g}"
        lines.append(f"| {r.case} | {r.tool} | {r.seconds:.4f} | {value} | {ratio} | {r.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["gradient", "pairwise", "barycenter", "all"],
                        default="all")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="threads for pairwise/barycenter")
    parser.add_argument("--tol", type=float, default=1e-4,
                        help="seqalign's tolerance (also run at tslearn's 1e-3)")  # fmt: skip
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    quick = args.quick
    cases = {
        "gradient": lambda: [
            *case_gradient(300 if quick else 1000, 1, args.repeat),
            *case_gradient(300 if quick else 1000, 12, args.repeat),
        ],
        "pairwise": lambda: case_pairwise(20 if quick else 100, 200, args.jobs, args.repeat),
        "barycenter": lambda: case_barycenter(
            10 if quick else 50, 100 if quick else 200, args.jobs, args.repeat, args.tol
        ),
    }
    results: list[Result] = []
    for name, run in cases.items():
        if args.case in (name, "all"):
            results.extend(run())
            print(f"done: {name}", file=sys.stderr)
    table = report(results)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    import numba

    print(f"\ncores: {os.cpu_count()}, python {sys.version.split()[0]}, numba {numba.__version__}, "
          f"SVML {numba.config.USING_SVML}", file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    main()
