"""Refine a warping path with finer features: exact DTW in a band around the projected path.

An alignment found at a coarse frame rate (say 50 frames per second, where long recordings
fit) fixes the route; the timing within a frame is then read from features at a finer rate
(``ratio`` times more frames per second), aligned exactly but only near that route. Each
coarse row ``i`` covers the fine rows ``[ratio_a i, ratio_a (i + 1))`` and each coarse
column ``j`` the fine columns ``[ratio_b j, ratio_b (j + 1))``: the coarse path's cells in a
row, so projected, widened by ``radius`` fine frames in both directions, are the band
(:func:`refine_band`), and the exact DTW of the fine features in that band is the refined
path. Work and memory: about ``(n + m) (2 radius + ratio)`` cells, linear in the length,
as the levels of :mod:`seqalign.warping.multiscale`.

The refined path is the optimum of the fine problem whenever that optimum stays inside the
band; it is found on the fine features, which may differ from the coarse ones (more frames
per second, or more weight on onsets), so it is not the coarse path resampled.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from seqalign.errors import InputError
from seqalign.localcosts import bind_metric, metric_code, prepare, resolve_metric
from seqalign.validation import as_frames
from seqalign.warping.align import Alignment
from seqalign.warping.exact import full_path
from seqalign.warping.steps import StepPattern, get_step_pattern
from seqalign.warping.windows import make_band

__all__ = ["DEFAULT_RADIUS", "refine", "refine_band"]

#: Default half-width of the band, in fine frames.
DEFAULT_RADIUS = 8


def refine_band(
    path: np.ndarray, n: int, m: int, ratio_a: float, ratio_b: float, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row ranges ``[lo, hi)`` of the fine band around a coarse path.

    Fine row ``k`` lies in coarse row ``c = min(floor(k / ratio_a), n_coarse - 1)``; the
    coarse path's columns in row ``c``, ``[j0, j1]``, cover the fine columns
    ``[floor(ratio_b j0), ceil(ratio_b (j1 + 1)))``. Each row then takes the union of the
    ranges of the rows within ``radius`` of it, widened by ``radius`` columns on both sides,
    clipped to ``[0, m)``, with the corners ``(0, 0)`` and ``(n - 1, m - 1)`` inside.

    Parameters
    ----------
    path : ndarray of int, shape (L, 2)
        The coarse path, start to end, visiting every coarse row.
    n, m : int
        Fine frames of A and B.
    ratio_a, ratio_b : float
        Fine frames per coarse frame of A and of B (> 0).
    radius : int
        Half-width of the band in fine frames (>= 0).

    Returns
    -------
    lo, hi : ndarray of int64, shape (n,)
        Non-decreasing; ``lo[0] == 0``, ``hi[n - 1] == m``.

    Examples
    --------
    >>> lo, hi = refine_band(np.array([[0, 0], [1, 1]]), 4, 4, 2.0, 2.0, 0)
    >>> lo.tolist(), hi.tolist()
    ([0, 0, 2, 2], [2, 2, 4, 4])
    """
    path = np.asarray(path, dtype=np.int64)
    n_coarse = int(path[:, 0].max()) + 1
    c0 = np.full(n_coarse, np.iinfo(np.int64).max, dtype=np.int64)
    c1 = np.full(n_coarse, -1, dtype=np.int64)
    np.minimum.at(c0, path[:, 0], path[:, 1])
    np.maximum.at(c1, path[:, 0], path[:, 1])
    seen = c1 >= 0  # rows a path skips take the next row's start and the previous row's end
    c0 = np.minimum.accumulate(np.where(seen, c0, c0.max(initial=0))[::-1])[::-1]
    c1 = np.maximum.accumulate(c1)
    rows = np.minimum((np.arange(n) / ratio_a).astype(np.int64), n_coarse - 1)
    lo = np.floor(c0[rows] * ratio_b).astype(np.int64)
    hi = np.ceil((c1[rows] + 1) * ratio_b).astype(np.int64)
    k = np.arange(n)
    lo = lo[np.maximum(k - radius, 0)] - radius
    hi = hi[np.minimum(k + radius, n - 1)] + radius
    lo, hi = np.clip(lo, 0, m - 1), np.clip(hi, 1, m)
    lo[0] = 0
    hi[-1] = m
    hi = np.maximum(np.maximum.accumulate(hi), lo + 1)
    return lo, hi


def refine(
    x: ArrayLike,
    y: ArrayLike,
    path: ArrayLike,
    *,
    ratio_a: float,
    ratio_b: float | None = None,
    radius: int = DEFAULT_RADIUS,
    metric: str = "euclidean",
    step_pattern: str | StepPattern = "symmetric1",
) -> Alignment:
    """Exact DTW of the fine features ``x`` and ``y`` in a band around a coarse ``path``.

    Parameters
    ----------
    x : array_like, shape (n, d)
    y : array_like, shape (m, d)
        Fine features, time-first.
    path : array_like of int, shape (L, 2)
        A closed coarse path (from ``(0, 0)`` to the last frames), e.g.
        :attr:`seqalign.Alignment.path`.
    ratio_a : float
        Fine frames per coarse frame of ``x`` (the ratio of the frame rates), > 0.
    ratio_b : float, optional
        The same for ``y`` (default ``ratio_a``).
    radius : int
        Half-width of the band around the projected path, in fine frames (>= 0).
    metric, step_pattern : str
        As :func:`seqalign.dtw`.

    Returns
    -------
    Alignment
        On the fine grid; ``solver`` is ``"refined"``, ``window`` ``"path band"`` and
        ``radius`` the band's.

    Examples
    --------
    >>> x = np.repeat(np.arange(4.0), 2)[:, None]
    >>> from seqalign import dtw
    >>> coarse = dtw(x[::2], x[::2]).path
    >>> refine(x, x, coarse, ratio_a=2).path[:, 1].tolist()
    [0, 1, 2, 3, 4, 5, 6, 7]
    """
    xa = as_frames(x, "x", min_frames=2, purpose="DTW")
    ya = as_frames(y, "y", min_frames=2, purpose="DTW")
    if xa.shape[1] != ya.shape[1]:
        raise InputError("x and y need the same features", argument="y")
    ratio_b = ratio_a if ratio_b is None else ratio_b
    for name, ratio in (("ratio_a", ratio_a), ("ratio_b", ratio_b)):
        if not (math.isfinite(ratio) and ratio > 0):
            raise InputError(f"{name} {ratio!r}: must be a number > 0", argument=name)
    if isinstance(radius, bool) or int(radius) != radius or radius < 0:
        raise InputError(f"radius {radius!r}: give a whole number of frames >= 0",
                         argument="radius")  # fmt: skip
    coarse = np.asarray(path, dtype=np.int64)
    if coarse.ndim != 2 or coarse.shape[1] != 2 or coarse.shape[0] < 1 or coarse.min() < 0:
        raise InputError(f"path must be (L, 2) frame pairs >= 0, got {coarse.shape}",
                         argument="path")  # fmt: skip
    pattern = get_step_pattern(step_pattern)
    metric_name = bind_metric(resolve_metric(metric), xa, ya)
    n, m = xa.shape[0], ya.shape[0]
    lo, hi = refine_band(coarse, n, m, float(ratio_a), float(ratio_b), int(radius))
    band = make_band(lo, hi, m)
    from seqalign.warping.sweeps import Problem

    xt, yr = prepare(xa, ya, metric_name)
    problem = Problem(xt, yr, np.empty((0, 0)), metric_code(metric_name), n, m,
                      pattern.arrays(), False)  # fmt: skip
    solution = full_path(problem, band, pattern, False, True)
    if not math.isfinite(solution.distance):
        raise InputError("no path in the band around the coarse path; widen radius",
                         argument="radius")  # fmt: skip
    assert solution.path is not None
    return Alignment(
        distance=solution.distance,
        normalized_distance=solution.normalized,
        path=solution.path,
        n=n,
        m=m,
        start=0,
        end=solution.end,
        metric=metric_name,
        step_pattern=pattern.name,
        window="path band",
        radius=int(radius),
        open_begin=False,
        open_end=False,
        cells=band.area,
        solver="refined",
        solver_reason="refined in a band around the coarse path",
    )
