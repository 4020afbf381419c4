"""Time maps from warping paths: sub-frame times and a confidence per frame.

A warping path is a staircase of frame pairs; a time map gives, for each frame ``i`` of A,
one time in B. Two readings of the staircase:

``steps`` (:func:`step_index`)
    the mean column of the path's cells in row ``i`` (frames the path skips: interpolated).
    A vertical run (several frames of A on one frame of B) is flat: every frame of the run
    gets the same column, so the map moves in steps of whole frames.
``runs`` (:func:`run_index`)
    the map is piecewise linear through one knot per run of the path: a horizontal run
    (cells ``(i, j0..j1)``) gives the knot ``(i, (j0 + j1) / 2)``, a vertical run (cells
    ``(i0..i1, j)``) the knot ``((i0 + i1) / 2, j)``, a diagonal cell ``(i, j)`` itself. Where
    the tempo of A is slower than B's, the map then rises between frames of B instead of
    waiting on one and jumping, which is what a performance does (sub-frame resolution).
``pauses`` (:func:`run_index` with ``resume``)
    as ``runs``, but a horizontal run longer than ``resume`` cells (a frame of A matched with
    a pause of B) gives the knot ``(i, j1)``, its last column: B's pause is crossed before
    frame ``i``, and A's next frame goes on where B resumes. Through the middle of the run,
    a word that A starts right after frame ``i`` would be mapped half a pause early. For
    speech (``seqalign warp --preset speech``), with ``resume`` :data:`PAUSE_RUN_S` seconds
    of B.

:func:`confidence`: for each frame of A, how much cheaper the path's cells in that row are
than the other cells of the row nearby, ``1 - c_path / c_alt`` clipped to ``[0, 1]`` with
``c_alt`` the mean local cost of the cells more than ``guard`` and at most ``reach`` frames
from the path: 0 when the path's cell is no better than a typical alternative (the match is
ambiguous: silence, a held chord, a repeated figure), near 1 when it is much better than the
cells around it. (The least alternative instead of the mean was 0 on four points in five of
the music corpus, where some other cell of a held chord always matches as well; against the
mean, the lowest quarter of the confidences held the points with twice the mean error.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CONFIDENCE_GUARD",
    "CONFIDENCE_GUARD_S",
    "CONFIDENCE_REACH",
    "CONFIDENCE_REACH_S",
    "INTERPOLATIONS",
    "PAUSE_RUN",
    "PAUSE_RUN_S",
    "TimeMap",
    "confidence",
    "margin_bounds",
    "run_index",
    "step_index",
    "time_map_index",
]

#: The readings of a path as a time map (see the module docstring).
INTERPOLATIONS = ("runs", "steps", "pauses")
#: ``pauses``: a frame of A matched with more than this many seconds of B is a pause of B
#: (tuning half of the corpus: 20, 40 and 80 ms gave the same within 0.3 points).
PAUSE_RUN_S = 0.04
#: The same in frames of B, when B has no frame rate.
PAUSE_RUN = 8
#: Default guard and reach of :func:`confidence`, in frames of B.
CONFIDENCE_GUARD = 2
CONFIDENCE_REACH = 25
#: The same in seconds, for ``seqalign warp --time-map`` when B has a frame rate.
CONFIDENCE_GUARD_S = 0.04
CONFIDENCE_REACH_S = 0.5


@dataclass(frozen=True)
class TimeMap:
    """For each frame of A, its time, the matching time in B, and the confidence.

    Attributes
    ----------
    a_times, b_times : ndarray of float64, shape (n,)
        Seconds when the frame rates are known, else frames; ``b_times`` is non-decreasing.
    confidence : ndarray of float64, shape (n,), or None
        :func:`confidence` of each frame of A, in ``[0, 1]``; None when the features were not
        given.
    """

    a_times: np.ndarray
    b_times: np.ndarray
    confidence: np.ndarray | None = None


def _check_path(path: np.ndarray, n: int) -> np.ndarray:
    path = np.asarray(path, dtype=np.int64)
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 1:
        raise ValueError(f"path must have shape (L, 2), got {path.shape}")
    if path[:, 0].min() < 0 or path[:, 0].max() >= n:
        raise ValueError(f"path rows must lie in [0, {n})")
    return path


def step_index(path: np.ndarray, n: int) -> np.ndarray:
    """The ``steps`` map: for each row ``i < n``, the mean column of the path's cells in it;
    rows the path skips are interpolated linearly; a running maximum keeps it monotone.

    Examples
    --------
    >>> step_index(np.array([[0, 0], [1, 1], [1, 2], [2, 3]]), 3).tolist()
    [0.0, 1.5, 3.0]
    """
    path = _check_path(path, n)
    counts = np.bincount(path[:, 0], minlength=n)[:n]
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=n)[:n]
    seen = counts > 0
    index = np.empty(n)
    index[seen] = sums[seen] / counts[seen]
    if not seen.all():
        rows = np.arange(n)
        index[~seen] = np.interp(rows[~seen], rows[seen], index[seen])
    return np.maximum.accumulate(index)


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last position of each run of equal consecutive values."""
    starts = np.flatnonzero(np.diff(values, prepend=values[0] - 1))
    ends = np.append(starts[1:], values.shape[0]) - 1
    return starts, ends


def run_index(path: np.ndarray, n: int, resume: int | None = None) -> np.ndarray:
    """The ``runs`` map: piecewise linear through one knot per run of the path (module
    docstring), constant before the first knot and after the last; knots on one row are
    averaged; a running maximum keeps it monotone. With ``resume``, the ``pauses`` map: a
    horizontal run of more than ``resume`` cells gives the knot at its last column.

    Parameters
    ----------
    path : ndarray of int, shape (L, 2)
        A warping path, start to end, each step moving by at most one row and one column.
    n : int
        Rows of the map (frames of A).
    resume : int, optional
        Horizontal runs longer than this (cells) are pauses of B; None: none is.

    Returns
    -------
    ndarray of float64, shape (n,)
        The column (fractional frame of B) matched to each row.

    Examples
    --------
    A vertical run (rows 0-2 on column 0) then a diagonal: the map rises through it.

    >>> run_index(np.array([[0, 0], [1, 0], [2, 0], [3, 1], [4, 2]]), 5).tolist()
    [0.0, 0.0, 0.5, 1.0, 2.0]

    Row 1 matched with columns 1-5, a pause of B: A's row 2 goes on at column 6.

    >>> pause = np.array([[0, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [2, 6]])
    >>> run_index(pause, 3).tolist(), run_index(pause, 3, resume=3).tolist()
    ([0.0, 3.0, 6.0], [0.0, 5.0, 6.0])
    """
    path = _check_path(path, n)
    rows, cols = path[:, 0].astype(np.float64), path[:, 1].astype(np.float64)
    knot_i, knot_j = [], []
    in_run = np.zeros(path.shape[0], dtype=bool)
    for horizontal, key, other in ((True, path[:, 0], cols), (False, path[:, 1], rows)):
        starts, ends = _runs(key)
        long = ends > starts
        starts, ends = starts[long], ends[long]
        for s, e in zip(starts, ends):
            in_run[s : e + 1] = True
        centre = 0.5 * (other[starts] + other[ends])
        if horizontal and resume is not None:  # a pause of B: where B resumes
            centre = np.where(ends - starts + 1 > resume, other[ends], centre)
        if horizontal:  # row fixed, columns averaged
            knot_i.append(rows[starts])
            knot_j.append(centre)
        else:  # vertical: column fixed, rows averaged
            knot_i.append(centre)
            knot_j.append(cols[starts])
    knot_i.append(rows[~in_run])
    knot_j.append(cols[~in_run])
    ki, kj = np.concatenate(knot_i), np.concatenate(knot_j)
    order = np.argsort(ki, kind="stable")
    ki, kj = ki[order], kj[order]
    unique, inverse = np.unique(ki, return_inverse=True)
    mean_j = np.bincount(inverse, weights=kj) / np.bincount(inverse)
    index = np.interp(np.arange(n, dtype=np.float64), unique, mean_j)
    return np.maximum.accumulate(index)


def time_map_index(
    path: np.ndarray, n: int, interpolation: str = "runs", resume: int = PAUSE_RUN
) -> np.ndarray:
    """:func:`run_index` (``runs``; ``pauses``, with ``resume``) or :func:`step_index`
    (``steps``), by name (:data:`INTERPOLATIONS`)."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation {interpolation!r}: choose one of {INTERPOLATIONS}")
    if interpolation == "steps":
        return step_index(path, n)
    return run_index(path, n, resume if interpolation == "pauses" else None)


def margin_bounds(path: np.ndarray, n: int, m: int, guard: int, reach: int) -> np.ndarray:
    """Per row ``i``: ``(lo, g0, p0, p1, g1, hi)``, the path's columns ``[p0, p1)`` and the
    alternatives ``[lo, g0)`` and ``[g1, hi)``: the columns within ``reach`` of the path's
    but more than ``guard`` away from them, inside ``[0, m)``. Rows the path skips take the
    nearest earlier row's columns (a path from :func:`seqalign.dtw` visits every row)."""
    path = _check_path(path, n)
    p0 = np.full(n, m, dtype=np.int64)
    p1 = np.full(n, -1, dtype=np.int64)
    np.minimum.at(p0, path[:, 0], path[:, 1])
    np.maximum.at(p1, path[:, 0], path[:, 1])
    seen = p1 >= 0
    last = np.maximum.accumulate(np.where(seen, np.arange(n), 0))
    p0, p1 = p0[last], p1[last] + 1
    lo = np.maximum(p0 - reach, 0)
    g0 = np.maximum(p0 - guard, lo)
    hi = np.minimum(p1 + reach, m)
    g1 = np.minimum(p1 + guard, hi)
    return np.ascontiguousarray(np.stack([lo, g0, p0, p1, g1, hi], axis=1))


def confidence(
    x: np.ndarray,
    y: np.ndarray,
    path: np.ndarray,
    metric: str = "euclidean",
    *,
    guard: int = CONFIDENCE_GUARD,
    reach: int = CONFIDENCE_REACH,
) -> np.ndarray:
    """Confidence of each frame of ``x`` in the path: the local cost margin of its row.

    With ``c_path`` the least local cost ``C[i, j]`` over the path's cells in row ``i`` and
    ``c_alt`` the mean over the columns more than ``guard`` and at most ``reach`` frames
    from them (:func:`margin_bounds`)::

        confidence[i] = clip(1 - c_path / c_alt, 0, 1)

    1 where there is no alternative (the row's columns are all within ``guard``), 0 where
    ``c_alt`` is 0.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    y : ndarray, shape (m, d)
        The aligned sequences (time-first, the features the path was found on).
    path : ndarray of int, shape (L, 2)
    metric : str
        The local cost (:data:`seqalign.localcosts.METRICS`).
    guard, reach : int
        In frames of ``y``; ``0 <= guard <= reach``.

    Returns
    -------
    ndarray of float64, shape (n,)

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [2.0]])
    >>> confidence(x, x, np.array([[0, 0], [1, 1], [2, 2]]), guard=0, reach=1).tolist()
    [1.0, 1.0, 1.0]
    """
    from seqalign._kernels.timemap import margin_costs
    from seqalign.localcosts import metric_code, prepare

    if not 0 <= guard <= reach:
        raise ValueError(f"need 0 <= guard <= reach, got guard {guard} and reach {reach}")
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    n, m = x.shape[0], y.shape[0]
    bounds = margin_bounds(path, n, m, guard, reach)
    xt, yr = prepare(x, y, metric)
    out = np.empty((n, 2))
    margin_costs((xt, yr, np.empty((0, 0)), metric_code(metric)), bounds, out)
    best, other = out[:, 0], out[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(other > 0, best / other, 1.0)
    return np.where(np.isinf(other), 1.0, np.clip(1.0 - ratio, 0.0, 1.0))
