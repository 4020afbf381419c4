"""DTW between many sequences: distance matrices and k-nearest-neighbour search.

Definitions. For sequences ``x`` (``n`` frames) and ``y`` (``m`` frames) and a local cost
``C[i, j] = metric(x[i], y[j])`` (:mod:`seqalign.localcosts`), the value computed here is the
accumulated cost of :func:`seqalign.dtw` with ``step_pattern="symmetric1"`` (or
``"symmetric2"``)::

    D[i, j] = min(D[i-1, j-1] + w C[i, j], D[i-1, j] + C[i, j], D[i, j-1] + C[i, j])
    D[0, 0] = C[0, 0],   distance = D[n - 1, m - 1]      (w = 1, or 2 for symmetric2)

not normalised. With ``metric="sqeuclidean"`` (the default here) that is the *square* of
the DTW of dtaidistance and tslearn; ``sqrt=True`` reports its square root, so that::

    pairwise_dtw(X, window="sakoechiba", radius=r, sqrt=True)
      == dtaidistance.dtw.distance_matrix_fast(X, window=r + 1)   # its window: |i - j| < window
      == tslearn.metrics.cdist_dtw(X, sakoe_chiba_radius=r)       # |i - j| <= r

(checked in tests/test_matrix.py and benchmarks/bench_matrix.py: the same numbers to the
last bit on random walks). The matrix is always full, with the DTW of each sequence with
itself on the diagonal.

Speed: the pairs of one pair of lengths run 32 at a time through one kernel whose inner loop
is over the pairs (SIMD across pairs; :mod:`seqalign._kernels.pairwise`), on a pool of
threads (the kernel releases the GIL), as :mod:`seqalign.soft.pairwise` does: threads at
every size, since processes would only add the copying of the inputs. Memory per thread is
``O(32 (n + m) d)``, plus the output matrix and index arrays for a million pairs at a time.

The search for nearest neighbours visits references in order of their LB_Keogh lower bound
(Keogh & Ratanamahatana 2005) and abandons each DTW early once it must exceed the current
k-th best (Rakthanmanon et al. 2012); it returns exactly the neighbours of the full matrix
(ties: the lower index first).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np

from seqalign.errors import InputError
from seqalign.localcosts import bind_metric, extra_rows, metric_code, prepare, resolve_metric
from seqalign.threads import resolve_jobs, run_chunks
from seqalign.units import plural
from seqalign.validation import as_series
from seqalign.warping.windows import path_ranges, resolve_window

__all__ = ["STEP_WEIGHTS", "Neighbors", "knn_dtw", "pairwise_dtw"]

#: Step patterns of the many-pair kernels -> weight of the diagonal step (see
#: :mod:`seqalign.warping.steps` for their definitions).
STEP_WEIGHTS: dict[str, float] = {"symmetric1": 1.0, "symmetric2": 2.0}

#: Pairs per call of the kernel's thread pool (index arrays of 16 MB).
_PAIRS_PER_BLOCK = 2**20

#: Windows whose DTW is symmetric: ``dtw(x, y) == dtw(y, x)``.
_MIRRORED = ("none", "sakoechiba")


def _series(X: Any, name: str) -> list[np.ndarray]:
    """Validated sequences, all with the same features (see
    :func:`seqalign.validation.as_series`)."""
    return as_series(X, name, purpose="DTW")


def _weight(step_pattern: str) -> float:
    name = str(step_pattern).lower()
    if name not in STEP_WEIGHTS:
        raise InputError(
            f"step pattern {step_pattern!r} is not available for many pairs; choose one of: "
            f"{', '.join(STEP_WEIGHTS)}",
            argument="step_pattern",
        )
    return STEP_WEIGHTS[name]


def _prepared(series: list[np.ndarray], metric: str) -> list[np.ndarray]:
    """Time-first arrays as the kernels read them (unit rows, one more feature, for cosine;
    the parameter columns of the kernel metrics): ``metric`` is bound (one cost for all)."""
    if not extra_rows(metric):
        return series
    return [np.ascontiguousarray(prepare(s, s, metric)[0].T) for s in series]


class _Windows:
    """Row ranges ``(lo, hi)`` of the window for each pair of lengths (checked once)."""

    def __init__(self, window: str, radius: int | None) -> None:
        self.window, self.radius = window, radius
        self._cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
        if (n, m) not in self._cache:
            lo, hi = path_ranges(self.window, n, m, self.radius)
            self._cache[n, m] = (lo.astype(np.int64), hi.astype(np.int64))
        return self._cache[n, m]


@dataclass(frozen=True)
class _Setup:
    metric: str
    weight: float
    windows: _Windows
    jobs: int


def _setup(metric, step_pattern, window, radius, n_jobs) -> _Setup:
    window_name, radius = resolve_window(window, radius)
    return _Setup(resolve_metric(metric), _weight(step_pattern), _Windows(window_name, radius),
                  resolve_jobs(n_jobs))  # fmt: skip


def _pairs_values(xs, ys, pi, pj, setup: _Setup) -> np.ndarray:
    """DTW of the pairs ``(xs[pi[p]], ys[pj[p]])``, equal lengths within ``xs`` and ``ys``."""
    from seqalign._kernels.pairwise import LANES, lane_distances

    lo, hi = setup.windows(xs.shape[1], ys.shape[1])
    values = np.empty(pi.shape[0])
    code = metric_code(setup.metric)

    def work(first: int, stop: int) -> None:
        a, b = first * LANES, min(stop * LANES, pi.shape[0])
        lane_distances(xs, ys, pi[a:b], pj[a:b], lo, hi, code, setup.weight, LANES, values[a:b])

    run_chunks(work, -(-pi.shape[0] // LANES), setup.jobs)
    return values


def _by_length(series: list[np.ndarray]) -> dict[int, np.ndarray]:
    lengths = np.array([s.shape[0] for s in series])
    return {int(n): np.flatnonzero(lengths == n) for n in np.unique(lengths)}


def _matrix(xs: list[np.ndarray], ys: list[np.ndarray] | None, setup: _Setup) -> np.ndarray:
    symmetric = ys is None
    ys_ = xs if ys is None else ys
    out = np.empty((len(xs), len(ys_)))
    groups_y = _by_length(ys_)
    for n, ia in _by_length(xs).items():
        xstack = np.stack([xs[a] for a in ia])
        for m, ib in groups_y.items():
            ystack = xstack if (symmetric and m == n) else np.stack([ys_[b] for b in ib])
            # dtw(x, y) == dtw(y, x): compute one triangle (slantedband is sakoechiba for n == m)
            window = setup.windows.window
            mirror = symmetric and (window in _MIRRORED or (window == "slantedband" and n == m))
            rows = max(1, _PAIRS_PER_BLOCK // ib.size)  # bounds the index arrays' memory
            for first in range(0, ia.size, rows):
                block = np.arange(first, min(first + rows, ia.size))
                li = np.repeat(block, ib.size)
                lj = np.tile(np.arange(ib.size), block.size)
                if mirror:
                    keep = ia[li] <= ib[lj]
                    li, lj = li[keep], lj[keep]
                if li.size == 0:
                    continue
                values = _pairs_values(xstack, ystack, li, lj, setup)
                out[ia[li], ib[lj]] = values
                if mirror:
                    out[ib[lj], ia[li]] = values
    return out


def pairwise_dtw(
    X: Any,
    Y: Any = None,
    *,
    metric: str = "sqeuclidean",
    step_pattern: str = "symmetric1",
    window: str | None = None,
    radius: int | None = None,
    sqrt: bool = False,
    n_jobs: int | None = None,
    scheduler: str | None = None,
) -> np.ndarray:
    """The matrix of DTW distances between sequences, in parallel.

    ``out[a, b] = dtw(X[a], Y[b]).distance`` (``Y = X`` when not given), with the definitions
    of the module docstring: the accumulated cost, not normalised, squared for the default
    ``metric="sqeuclidean"``; ``sqrt=True`` gives dtaidistance's and tslearn's value.

    Parameters
    ----------
    X, Y : list of array_like, or ndarray
        Sequences of any lengths: ``(frames,)`` or ``(frames, features)`` arrays, or a 3-D
        ``(n_series, frames, features)`` / 2-D ``(n_series, frames)`` (univariate) array.
    metric : str or MetricSpec
        Local cost, a name of :data:`seqalign.localcosts.METRICS` or
        :data:`~seqalign.localcosts.KERNEL_METRICS` (``"rbf:gamma=0.5"``); an rbf ``gamma`` left
        to the median heuristic is computed once from every sequence of ``X`` and ``Y``.
    step_pattern : str
        ``"symmetric1"`` or ``"symmetric2"`` (:data:`STEP_WEIGHTS`).
    window, radius
        As :func:`seqalign.dtw`: ``window="sakoechiba", radius=r`` keeps ``|i - j| <= r``;
        a radius alone means ``slantedband`` (the same for equal lengths).
    sqrt : bool
        Return the square root of each value.
    n_jobs : int, optional
        Threads; default every CPU (with ``scheduler="local"``: worker processes).
    scheduler : str, optional
        Compute the matrix by blocks on a Dask distributed cluster: a scheduler address
        (``tcp://host:8786``) or ``"local"`` (needs the ``dask`` extra; see
        :mod:`seqalign.matrix.distributed`). The result equals the local one.

    Returns
    -------
    ndarray, shape (len(X), len(Y))

    Raises
    ------
    InputError
        A bad sequence or option; :class:`~seqalign.errors.NoPathError` when the window cannot
        connect the corners for two lengths.

    Examples
    --------
    >>> X = [[0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]
    >>> pairwise_dtw(X, n_jobs=1)
    array([[0., 0., 8.],
           [0., 0., 9.],
           [8., 9., 0.]])
    """
    setup = _setup(metric, step_pattern, window, radius, n_jobs)
    xs = _series(X, "X")
    ys = None if Y is None else _series(Y, "Y")
    if ys is not None and ys[0].shape[1] != xs[0].shape[1]:
        raise InputError(
            f"Y has {plural(ys[0].shape[1], 'feature')} per frame but X has {xs[0].shape[1]}",
            argument="Y",
        )
    setup = replace(setup, metric=bind_metric(setup.metric, *xs, *(ys or [])))
    if scheduler is not None:
        from seqalign.matrix.distributed import dask_pairwise

        block = partial(pairwise_dtw, metric=setup.metric, step_pattern=step_pattern,
                        window=window, radius=radius, n_jobs=1)  # fmt: skip
        out = dask_pairwise(xs, ys, block, scheduler, setup.jobs)
    else:
        out = _matrix(_prepared(xs, setup.metric),
                      None if ys is None else _prepared(ys, setup.metric), setup)  # fmt: skip
    return np.sqrt(out) if sqrt else out


@dataclass(frozen=True)
class Neighbors:
    """The result of :func:`knn_dtw`; unpacks as ``indices, distances = knn_dtw(...)``.

    Attributes
    ----------
    indices : ndarray of int64, shape (n_queries, k)
        The references nearest to each query, nearest first (ties: the lower index first).
    distances : ndarray, shape (n_queries, k)
        Their DTW distances (definitions of :func:`pairwise_dtw`, ``sqrt`` applied).
    computed : int
        DTWs run to the end; the others were skipped by the lower bound or abandoned.
    candidates : int
        Query-reference pairs considered (``n_queries x n_references``, less the queries
        themselves in leave-one-out).
    """

    indices: np.ndarray
    distances: np.ndarray
    computed: int
    candidates: int

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.indices
        yield self.distances


def _top_k(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(matrix, axis=1, kind="stable")[:, :k]
    return order.astype(np.int64), np.take_along_axis(matrix, order, axis=1)


def knn_dtw(
    queries: Any,
    references: Any = None,
    k: int = 1,
    *,
    metric: str = "sqeuclidean",
    step_pattern: str = "symmetric1",
    window: str | None = None,
    radius: int | None = None,
    sqrt: bool = False,
    prune: bool = True,
    n_jobs: int | None = None,
) -> Neighbors:
    """The ``k`` nearest references of each query by DTW, with lower bounds and early
    abandoning.

    Exactly the ``k`` smallest entries of each row of :func:`pairwise_dtw` (``queries``,
    ``references``), ties broken by the lower reference index. Without ``references`` the
    queries are searched among themselves, each query excluded from its own neighbours
    (leave-one-out).

    When every query has the same length and every reference has the same length, each
    query visits the references by increasing LB_Keogh (the envelope of the reference over
    the window of each row of the query; a sum over features for several features, then
    ``2 - 2 exp(-gamma s)`` of that sum ``s`` for rbf; 0 for cosine and polynomial), stops
    when the bound exceeds the k-th best distance so far, and abandons a DTW once the
    smallest value of a row plus the bounds of the rows left exceed it. Otherwise
    (or with ``prune=False``) the full matrix is computed.

    Parameters
    ----------
    queries, references
        As ``X`` and ``Y`` of :func:`pairwise_dtw`.
    k : int
        Neighbours per query, ``1 <= k <=`` the number of references (less one in
        leave-one-out).
    metric, step_pattern, window, radius, sqrt, n_jobs
        As :func:`pairwise_dtw`.
    prune : bool
        Use the lower bound and early abandoning (same result, less work).

    Returns
    -------
    Neighbors

    Examples
    --------
    >>> refs = [[0.0, 1.0, 2.0], [5.0, 5.0, 5.0], [0.0, 1.0, 3.0]]
    >>> idx, dist = knn_dtw([[0.0, 1.0, 2.5]], refs, k=2, n_jobs=1)
    >>> idx, dist
    (array([[0, 2]]), array([[0.25, 0.25]]))
    """
    setup = _setup(metric, step_pattern, window, radius, n_jobs)
    qs = _series(queries, "queries")
    rs = qs if references is None else _series(references, "references")
    if rs[0].shape[1] != qs[0].shape[1]:
        raise InputError(
            f"references have {plural(rs[0].shape[1], 'feature')} per frame but queries have "
            f"{qs[0].shape[1]}",
            argument="references",
        )
    leave_one_out = references is None
    setup = replace(setup, metric=bind_metric(setup.metric, *qs, *([] if leave_one_out else rs)))
    available = len(rs) - (1 if leave_one_out else 0)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= available:
        what = "other queries" if leave_one_out else "references"
        raise InputError(
            f"k must be a whole number from 1 to the number of {what} ({available}), got {k!r}",
            argument="k",
        )
    k = int(k)
    candidates = len(qs) * available
    q_prep = _prepared(qs, setup.metric)
    r_prep = q_prep if leave_one_out else _prepared(rs, setup.metric)
    equal = len({s.shape[0] for s in q_prep}) == 1 and len({s.shape[0] for s in r_prep}) == 1
    if not (prune and equal):
        matrix = _matrix(q_prep, None if leave_one_out else r_prep, setup)
        if leave_one_out:
            np.fill_diagonal(matrix, np.inf)
        indices, distances = _top_k(matrix, k)
        computed = candidates
    else:
        indices, distances, computed = _search(np.stack(q_prep), np.stack(r_prep), k,
                                               leave_one_out, setup)  # fmt: skip
    return Neighbors(indices, np.sqrt(distances) if sqrt else distances, computed, candidates)


def _search(qs: np.ndarray, rs: np.ndarray, k: int, leave_one_out: bool, setup: _Setup):
    from seqalign._kernels.pairwise import envelope, knn_search

    n, m, d = qs.shape[1], rs.shape[1], qs.shape[2]
    lo, hi = setup.windows(n, m)
    lowers = np.empty((rs.shape[0], n, d))
    uppers = np.empty((rs.shape[0], n, d))
    for r in range(rs.shape[0]):
        lowers[r], uppers[r] = envelope(rs[r], lo, hi)
    indices = np.empty((qs.shape[0], k), dtype=np.int64)
    distances = np.empty((qs.shape[0], k))
    counts = np.zeros(qs.shape[0], dtype=np.int64)
    code = metric_code(setup.metric)

    def work(a: int, b: int) -> None:
        knn_search(qs[a:b], a, rs, (lowers, uppers), (lo, hi), code, setup.weight, k,
                   (True, leave_one_out), (indices[a:b], distances[a:b], counts[a:b]))  # fmt: skip

    run_chunks(work, qs.shape[0], setup.jobs)
    return indices, distances, int(counts.sum())
