"""The DTW kernel: one anti-diagonal sweep for every step pattern, window and open end.

Notation: ``x`` has ``n`` frames (rows ``i``), ``y`` has ``m`` frames (columns ``j``),
``C[i, j]`` is the local cost and ``D[i, j]`` the accumulated cost. A step pattern is a
list of steps ``p``; step ``p`` comes from the origin ``(i - di0, j - dj0)`` and passes
through the cells ``(i - di_s, j - dj_s)`` with weights ``w_s`` (the last cell is
``(i, j)`` itself)::

    D[i, j] = min_p ( D[i - di0_p, j - dj0_p] + sum_s w_ps * C[i - di_ps, j - dj_ps] )

with ``D[0, 0] = C[0, 0]`` (closed begin; weight 1 whatever the pattern, as in
dtw-python), or, for an open begin, a virtual row ``i = -1`` with ``D = 0`` and ``C = 0``
for every column (Tormene et al. 2009). Cells outside the window are ``+inf``.

The sweep visits anti-diagonals ``k = i + j``: cells on one diagonal depend only on
earlier diagonals, so each inner loop runs over contiguous ``i`` with no loop-carried
dependency and the compiler vectorises it. A ring of ``R = max(di0 + dj0) + 1``
diagonals holds ``D`` (``O(R * n)`` memory). The path mode stores one byte per window
cell: the index of the winning step (``START`` at the seed cell).

Diagonal ``k`` covers rows ``dlo[k] <= i < dhi[k]`` (column ``j = k - i``); diagonal
storage for directions starts at ``doff[k]``. ``y`` is passed reversed in time and
features-first (``yr[f, m - 1 - j] = y[j, f]``) so that ``y[k - i]`` is read at the
increasing index ``i + m - 1 - k``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config

SQEUCLIDEAN = 0
EUCLIDEAN = 1
CITYBLOCK = 2
COSINE = 3
PRECOMPUTED = 4

#: Direction code of the seed cell (closed begin).
START = 254
#: Direction code of a cell no step reaches.
UNREACHED = 255


@njit(**config.NJIT)
def cell_cost(xt, yr, cmat, metric, i, j):
    """Local cost ``C[i, j]`` of one cell (used off the vectorised path)."""
    if metric == PRECOMPUTED:
        return cmat[i, j]
    jj = yr.shape[1] - 1 - j
    acc = 0.0
    for f in range(xt.shape[0]):
        a = xt[f, i]
        b = yr[f, jj]
        if metric == COSINE:
            acc += a * b
        elif metric == CITYBLOCK:
            acc += abs(a - b)
        else:
            acc += (a - b) * (a - b)
    if metric == EUCLIDEAN:
        return math.sqrt(acc)
    if metric == COSINE:
        return max(0.0, 1.0 - acc)
    return acc


@njit(**config.NJIT)
def diagonal_cost(xt, yr, cmat, metric, k, lo, hi, out):
    """Fill ``out[i] = C[i, k - i]`` for ``lo <= i < hi`` (vectorised over ``i``)."""
    if metric == PRECOMPUTED:
        for i in range(lo, hi):
            out[i] = cmat[i, k - i]
        return
    off = yr.shape[1] - 1 - k
    for f in range(xt.shape[0]):
        xf = xt[f]
        yf = yr[f]
        if metric == COSINE:
            if f == 0:
                for i in range(lo, hi):
                    out[i] = xf[i] * yf[i + off]
            else:
                for i in range(lo, hi):
                    out[i] += xf[i] * yf[i + off]
        elif metric == CITYBLOCK:
            if f == 0:
                for i in range(lo, hi):
                    out[i] = abs(xf[i] - yf[i + off])
            else:
                for i in range(lo, hi):
                    out[i] += abs(xf[i] - yf[i + off])
        elif f == 0:
            for i in range(lo, hi):
                d = xf[i] - yf[i + off]
                out[i] = d * d
        else:
            for i in range(lo, hi):
                d = xf[i] - yf[i + off]
                out[i] += d * d
    if metric == EUCLIDEAN:
        for i in range(lo, hi):
            out[i] = math.sqrt(out[i])
    elif metric == COSINE:
        for i in range(lo, hi):
            out[i] = max(0.0, 1.0 - out[i])


@njit(**config.NJIT)
def sweep(xt, yr, cmat, metric, n, m, dlo, dhi, origins, offsets, weights, ncells,
          open_begin, dirs, doff, last_row):  # fmt: skip
    """Accumulate ``D`` over all anti-diagonals.

    Writes ``D[n - 1, j]`` into ``last_row[j]`` (``inf`` outside the window) and, when
    ``dirs`` is not empty, the winning step of every window cell into ``dirs``.
    """
    n_steps = origins.shape[0]
    reach = 0
    for p in range(n_steps):
        reach = max(reach, origins[p, 0] + origins[p, 1])
    ring_size = reach + 1
    ring = np.full((ring_size, n), np.inf)
    c = np.zeros(n)
    arg = np.full(n, UNREACHED, dtype=np.uint8)
    store = dirs.shape[0] > 0
    last_row[:] = np.inf
    for k in range(n + m - 1):
        lo = dlo[k]
        hi = dhi[k]
        if lo >= hi:
            continue
        diagonal_cost(xt, yr, cmat, metric, k, lo, hi, c)
        cur = ring[k % ring_size]
        for i in range(lo, hi):
            cur[i] = np.inf
        if store:
            for i in range(lo, hi):
                arg[i] = UNREACHED
        for p in range(n_steps):
            di0 = origins[p, 0]
            dj0 = origins[p, 1]
            nc = ncells[p]
            w = weights[p, nc - 1]
            ks = k - di0 - dj0
            if ks >= 0 and dlo[ks] < dhi[ks]:
                slo = max(lo, dlo[ks] + di0)
                shi = min(hi, dhi[ks] + di0)
                src = ring[ks % ring_size]
                if nc == 1 and not store:
                    for i in range(slo, shi):
                        cur[i] = min(cur[i], src[i - di0] + w * c[i])
                elif nc == 1:
                    code = np.uint8(p)
                    for i in range(slo, shi):
                        v = src[i - di0] + w * c[i]
                        better = v < cur[i]
                        cur[i] = v if better else cur[i]
                        arg[i] = code if better else arg[i]
                else:
                    for i in range(slo, shi):
                        v = src[i - di0]
                        if v == np.inf:
                            continue
                        j = k - i
                        for s in range(nc - 1):
                            v += weights[p, s] * cell_cost(
                                xt, yr, cmat, metric, i - offsets[p, s, 0], j - offsets[p, s, 1]
                            )
                        v += w * c[i]
                        if v < cur[i]:
                            cur[i] = v
                            arg[i] = p
            if open_begin and di0 >= 1:
                # the origin lies in the virtual row -1 (D = 0, C = 0) for one cell only
                i = di0 - 1
                j = k - i
                if lo <= i < hi and j - dj0 >= 0:
                    v = 0.0
                    for s in range(nc - 1):
                        ci = i - offsets[p, s, 0]
                        if ci >= 0:
                            v += weights[p, s] * cell_cost(
                                xt, yr, cmat, metric, ci, j - offsets[p, s, 1]
                            )
                    v += w * c[i]
                    if v < cur[i]:
                        cur[i] = v
                        arg[i] = p
        if k == 0 and not open_begin:
            cur[0] = c[0]
            arg[0] = START
        if store:
            base = doff[k] - lo
            for i in range(lo, hi):
                dirs[base + i] = arg[i]
        if lo <= n - 1 < hi:
            last_row[k - n + 1] = cur[n - 1]


@njit(**config.NJIT)
def backtrack(dirs, doff, dlo, origins, offsets, ncells, i, j):
    """Follow the stored steps from ``(i, j)`` back to the start; path from start to end."""
    out = np.empty((i + j + 2, 2), dtype=np.int64)
    length = 0
    while True:
        out[length, 0] = i
        out[length, 1] = j
        length += 1
        k = i + j
        code = dirs[doff[k] + i - dlo[k]]
        if code == START or code == UNREACHED:
            break
        p = np.int64(code)
        for s in range(ncells[p] - 2, -1, -1):
            ci = i - offsets[p, s, 0]
            if ci < 0:
                break
            out[length, 0] = ci
            out[length, 1] = j - offsets[p, s, 1]
            length += 1
        i -= origins[p, 0]
        j -= origins[p, 1]
        if i < 0:
            break
    return out[:length][::-1].copy()
