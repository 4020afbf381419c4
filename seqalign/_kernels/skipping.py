"""The kernel of :mod:`seqalign.warping.skipping`: a path on kept frames back on all frames.

``path`` is a warping path over the kept frames (``kept_a[p]`` is the ``p``-th kept frame of
A, ``kept_b[q]`` of B, both increasing). Each cell ``(p, q)`` becomes ``(kept_a[p],
kept_b[q])``; between two consecutive cells ``(i0, j0)`` and ``(i1, j1)`` (``di = i1 - i0``,
``dj = j1 - j0``, ``s = max(di, dj)``) the frames left out are crossed on the straight line,
by the cells ``(i0 + (di k + s // 2) // s, j0 + (dj k + s // 2) // s)`` for ``k = 1..s``:
each moves by at most one row and one column, and the last is ``(i1, j1)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from seqalign import config


@njit(**config.NJIT)
def expand_path(path, kept_a, kept_b):
    """The path on all frames, ``(L', 2)`` int64 (see the module docstring)."""
    total = 1
    for t in range(1, path.shape[0]):
        di = kept_a[path[t, 0]] - kept_a[path[t - 1, 0]]
        dj = kept_b[path[t, 1]] - kept_b[path[t - 1, 1]]
        total += max(di, dj)
    out = np.empty((total, 2), dtype=np.int64)
    out[0, 0] = kept_a[path[0, 0]]
    out[0, 1] = kept_b[path[0, 1]]
    row = 1
    for t in range(1, path.shape[0]):
        i0 = kept_a[path[t - 1, 0]]
        j0 = kept_b[path[t - 1, 1]]
        di = kept_a[path[t, 0]] - i0
        dj = kept_b[path[t, 1]] - j0
        s = max(di, dj)
        for k in range(1, s + 1):
            out[row, 0] = i0 + (di * k + s // 2) // s
            out[row, 1] = j0 + (dj * k + s // 2) // s
            row += 1
    return out
