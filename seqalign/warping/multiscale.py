"""Multiscale DTW: align downsampled copies, then refine in a band around the projected path.

The coarse-to-fine scheme of FastDTW (Salvador & Chan 2007) and MrMsDTW (Prätzlich,
Driedger & Müller 2016): the inputs are averaged over blocks of ``factor`` frames, again and
again, until the coarsest pair has at most :data:`COARSE_CELLS` cells; that pair is aligned
exactly; then at each finer level the path is projected (coarse cell ``(i, j)`` covers the
fine cells ``[f i, f i + f) x [f j, f j + f)``), widened by ``radius`` frames in both
directions, and the exact DTW of that band gives the next path. The answer is exact within
the final band and equals the true optimum whenever the optimal path stays inside it;
:func:`path_agreement` measures how often that holds. Work and memory are about
``n (2 radius + 2 factor)`` cells per level: linear in the length.

Anchors (known pairs of frames the path must pass through) constrain every level.
"""

from __future__ import annotations

import math

import numpy as np

from seqalign.warping.exact import Solution, full_path
from seqalign.warping.steps import StepPattern
from seqalign.warping.sweeps import Progress
from seqalign.warping.windows import anchor_ranges, make_band

#: Cells of the coarsest level, aligned with no band.
COARSE_CELLS = 250_000
#: Default downsampling factor between levels.
DEFAULT_FACTOR = 2
#: Default half-width, in frames of each level, of the band around the projected path.
DEFAULT_RADIUS = 16


def estimate_cells(n: int, m: int, radius: int = DEFAULT_RADIUS, factor: int = DEFAULT_FACTOR):
    """About how many band cells a multiscale alignment sweeps, over all levels."""
    per_level = (n + m) * (2 * radius + 2 * factor + 1)
    return int(min(n * m, COARSE_CELLS + per_level * factor / max(1, factor - 1)))


def pool(a: np.ndarray, factor: int) -> np.ndarray:
    """Means of consecutive blocks of ``factor`` frames (the last block may be shorter)."""
    n = a.shape[0]
    full = n // factor
    out = np.empty((-(-n // factor), a.shape[1]))
    out[:full] = a[: full * factor].reshape(full, factor, a.shape[1]).mean(axis=1)
    if full * factor < n:
        out[full] = a[full * factor :].mean(axis=0)
    return out


def project(path: np.ndarray, factor: int, n: int, m: int, radius: int):
    """Row ranges ``[lo, hi)`` of the fine band around a coarse path."""
    lo = np.full(n, m, dtype=np.int64)
    hi = np.zeros(n, dtype=np.int64)
    for offset in range(factor):
        rows = path[:, 0] * factor + offset
        keep = rows < n
        np.minimum.at(lo, rows[keep], path[keep, 1] * factor)
        np.maximum.at(hi, rows[keep], np.minimum(path[keep, 1] * factor + factor, m))
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # rows no step visited: fill monotonically
    hi = np.maximum.accumulate(hi)
    rows = np.arange(n)
    lo = lo[np.maximum(rows - radius, 0)] - radius
    hi = hi[np.minimum(rows + radius, n - 1)] + radius
    return np.clip(lo, 0, m), np.clip(hi, 0, m)


def coarsen(lo: np.ndarray, hi: np.ndarray, scale: int, n: int, m: int):
    """Row ranges of a window on the grid ``scale`` times coarser (a superset)."""
    rows = np.arange(lo.shape[0]) // scale
    clo = np.full(n, m, dtype=np.int64)
    chi = np.zeros(n, dtype=np.int64)
    np.minimum.at(clo, rows, lo // scale)
    np.maximum.at(chi, rows, -(-hi // scale))
    return np.clip(clo, 0, m), np.clip(chi, 0, m)


def _fit(plo, phi, wlo, whi):
    """The projected band kept inside the window, never leaving a row empty."""
    lo = np.minimum(np.maximum(plo, wlo), whi - 1)
    hi = np.minimum(np.maximum(phi, lo + 1), whi)
    return lo, hi


def _scaled(anchors: np.ndarray | None, scale: int) -> np.ndarray | None:
    """Anchors on a coarser grid, dropping those that collide with the previous one."""
    if anchors is None or len(anchors) == 0:
        return None
    coarse = anchors // scale
    keep = [0]
    for a in range(1, len(coarse)):
        if (coarse[a] > coarse[keep[-1]]).all():
            keep.append(a)
    return coarse[keep]


def multiscale_path(
    x: np.ndarray,
    y: np.ndarray,
    make_problem,
    pattern: StepPattern,
    window: tuple[np.ndarray, np.ndarray],
    *,
    open_end: bool,
    anchors: np.ndarray | None = None,
    radius: int = DEFAULT_RADIUS,
    factor: int = DEFAULT_FACTOR,
    progress: Progress | None = None,
) -> Solution:
    """Coarse-to-fine DTW of time-first ``x`` and ``y`` (see the module docstring).

    ``make_problem(x, y)`` prepares a :class:`~seqalign.warping.sweeps.Problem`; ``window`` is the
    row ranges of the user's window on the full grid.
    """
    levels = [(x, y)]
    while levels[-1][0].shape[0] * levels[-1][1].shape[0] > COARSE_CELLS:
        a, b = levels[-1]
        if min(a.shape[0], b.shape[0]) < 2 * factor:
            break
        levels.append((pool(a, factor), pool(b, factor)))
    total = sum(a.shape[0] + b.shape[0] for a, b in levels)
    done = 0
    path = None
    solution = None
    for depth in range(len(levels) - 1, -1, -1):
        a, b = levels[depth]
        n, m = a.shape[0], b.shape[0]
        scale = factor**depth
        wlo, whi = window if depth == 0 else coarsen(*window, scale, n, m)
        if path is None:
            lo, hi = wlo, whi
        else:
            lo, hi = _fit(*project(path, factor, n, m, radius), wlo, whi)
        lo, hi = anchor_ranges(lo, hi, _scaled(anchors, scale))
        solution = full_path(make_problem(a, b), make_band(lo, hi, m), pattern, open_end, True)
        if not math.isfinite(solution.distance):
            return solution
        path = solution.path
        done += n + m
        if progress is not None:
            progress(done, total)
    assert solution is not None
    return solution


def path_agreement(path: np.ndarray, reference: np.ndarray, tolerance: int = 2) -> dict:
    """How closely ``path`` follows ``reference`` (e.g. an approximate vs the exact path).

    The deviation of a point ``(i, j)`` is the smaller of its distances to ``reference``
    along its row (``|j - j'|`` over the reference's cells in row ``i``) and along its
    column: an upper bound of the distance to the nearest reference cell.

    Returns
    -------
    dict
        ``within`` (fraction of points with deviation <= ``tolerance``), ``tolerance``,
        ``mean`` and ``max`` deviation, in frames.
    """
    path = np.asarray(path, dtype=np.int64)
    reference = np.asarray(reference, dtype=np.int64)
    n = int(max(path[:, 0].max(), reference[:, 0].max())) + 1
    m = int(max(path[:, 1].max(), reference[:, 1].max())) + 1
    dev_row = _axis_deviation(path[:, 0], path[:, 1], reference[:, 0], reference[:, 1], n)
    dev_col = _axis_deviation(path[:, 1], path[:, 0], reference[:, 1], reference[:, 0], m)
    dev = np.minimum(dev_row, dev_col)
    return {
        "within": float(np.mean(dev <= tolerance)),
        "tolerance": tolerance,
        "mean": float(dev.mean()),
        "max": int(dev.max()),
    }


def _axis_deviation(rows, cols, ref_rows, ref_cols, size):
    """Distance from ``cols`` to the reference's column range in the same row."""
    lo = np.full(size, np.iinfo(np.int64).max // 4, dtype=np.int64)
    hi = np.full(size, -(np.iinfo(np.int64).max // 4), dtype=np.int64)
    np.minimum.at(lo, ref_rows, ref_cols)
    np.maximum.at(hi, ref_rows, ref_cols)
    return np.maximum(np.maximum(lo[rows] - cols, cols - hi[rows]), 0)
