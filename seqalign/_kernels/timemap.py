"""The time map's kernel: local costs near the path, for its per-frame confidence.

For each row ``i`` of the path (a frame of ``x``), the path's cells in that row are the
contiguous columns ``[p0, p1)``; the alternatives are the columns ``[lo, g0)`` and
``[g1, hi)`` on either side of them, beyond a guard. :func:`margin_costs` gives the least
local cost on the path and the mean of the alternatives: ``out[i, 0] = min_{p0 <= j < p1}
C[i, j]`` and ``out[i, 1] = mean_{j in [lo, g0) U [g1, hi)} C[i, j]`` (``+inf`` when there is
no alternative). The local
cost's inputs travel as the DTW kernel's ``src = (xt, yr, cmat, metric)``
(:mod:`seqalign._kernels.dtw`).
"""

from __future__ import annotations

import math

from numba import njit

from seqalign import config
from seqalign._kernels.dtw import cell_cost


@njit(**config.NJIT)
def margin_costs(src, bounds, out):
    """Fill ``out[i] = (least cost on the path, mean cost of the alternatives)`` of row ``i``.

    ``bounds[i] = (lo, g0, p0, p1, g1, hi)``: the alternatives are ``[lo, g0)`` and
    ``[g1, hi)``, the path's cells ``[p0, p1)`` (see the module docstring).
    """
    for i in range(bounds.shape[0]):
        lo, g0, p0, p1, g1, hi = bounds[i]
        best = math.inf
        for j in range(p0, p1):
            best = min(best, cell_cost(src, i, j))
        total = 0.0
        for j in range(lo, g0):
            total += cell_cost(src, i, j)
        for j in range(g1, hi):
            total += cell_cost(src, i, j)
        count = (g0 - lo) + (hi - g1)
        out[i, 0] = best
        out[i, 1] = total / count if count > 0 else math.inf
