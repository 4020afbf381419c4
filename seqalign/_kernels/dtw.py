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
storage for directions starts at ``doff[k]``; ``band = (dlo, dhi, doff)``. ``y`` is passed
reversed in time and features-first (``yr[f, m - 1 - j] = y[j, f]``) so that ``y[k - i]``
is read at the increasing index ``i + m - 1 - k``. The local cost's inputs travel as one
tuple, ``src = (xt, yr, cmat, metric)`` (metric codes and cost terms in
:mod:`seqalign._kernels.localcost`; ``cmat`` is the cost matrix of ``PRECOMPUTED``, else
empty).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from seqalign import config
from seqalign._kernels.localcost import (
    CITYBLOCK,
    COSINE,
    EUCLIDEAN,
    POLYNOMIAL,
    PRECOMPUTED,
    RBF,
    SQEUCLIDEAN,
    finish,
    parameter_rows,
    polynomial_cost,
    rbf_cost,
    term,
)

#: Direction code of the seed cell (closed begin).
START = 254
#: Direction code of a cell no step reaches.
UNREACHED = 255

_CHUNK = 512


@njit(**config.NJIT)
def cell_cost(src, i, j):
    """Local cost ``C[i, j]`` of one cell (used off the vectorised path)."""
    xt, yr, cmat, metric = src
    if metric == PRECOMPUTED:
        return cmat[i, j]
    jj = yr.shape[1] - 1 - j
    d = xt.shape[0] - parameter_rows(metric)
    acc = 0.0
    for f in range(d):
        acc += term(xt[f, i], yr[f, jj], metric)
    if metric == RBF:
        return rbf_cost(acc, xt[d, i])
    if metric == POLYNOMIAL:
        return polynomial_cost(acc, xt[d, i], yr[d, jj], xt[d + 2, i], xt[d + 3, i], xt[d + 4, i])
    return finish(acc, metric)


@njit(**config.NJIT)
def diagonal_cost(src, k, lo, hi, out):
    """Fill ``out[i] = C[i, k - i]`` for ``lo <= i < hi`` (vectorised over ``i``).

    Features are summed in order, as :func:`cell_cost` does, so both give the same bits;
    two features per pass halve the accumulator's loads and stores. Indices are unsigned so
    that numba emits no negative-index checks (which would stop LLVM from vectorising) and
    no slice objects (whose set-up dominates short runs).
    """
    xt, yr, cmat, metric = src
    if metric == PRECOMPUTED:
        for i in range(lo, hi):
            out[i] = cmat[i, k - i]
        return
    count = np.uint64(hi - lo)
    i0 = np.uint64(lo)
    y0 = np.uint64(yr.shape[1] - 1 - k + lo)
    n_features = xt.shape[0] - parameter_rows(metric)
    xa = xt[0]
    ya = yr[0]
    for t in range(count):
        out[i0 + t] = term(xa[i0 + t], ya[y0 + t], metric)
    f = 1
    while f + 1 < n_features:
        xa = xt[f]
        ya = yr[f]
        xb = xt[f + 1]
        yb = yr[f + 1]
        for t in range(count):
            acc = out[i0 + t] + term(xa[i0 + t], ya[y0 + t], metric)
            out[i0 + t] = acc + term(xb[i0 + t], yb[y0 + t], metric)
        f += 2
    if f < n_features:
        xa = xt[f]
        ya = yr[f]
        for t in range(count):
            out[i0 + t] += term(xa[i0 + t], ya[y0 + t], metric)
    # one loop per metric: these vectorise
    if metric == EUCLIDEAN:
        for t in range(count):
            out[i0 + t] = finish(out[i0 + t], EUCLIDEAN)
    elif metric == COSINE:
        for t in range(count):
            out[i0 + t] = finish(out[i0 + t], COSINE)
    elif metric == RBF:
        g = xt[n_features]
        for t in range(count):
            out[i0 + t] = rbf_cost(out[i0 + t], g[i0 + t])
    elif metric == POLYNOMIAL:
        kx = xt[n_features]
        ky = yr[n_features]
        g = xt[n_features + 2]
        c = xt[n_features + 3]
        p = xt[n_features + 4]
        for t in range(count):
            out[i0 + t] = polynomial_cost(out[i0 + t], kx[i0 + t], ky[y0 + t], g[i0 + t],
                                          c[i0 + t], p[i0 + t])  # fmt: skip


@njit(**config.NJIT)
def span_costs(src, k0, k1, band, rows_lo, rows_hi, cbuf):
    """Costs of diagonals ``k0 <= k < k1`` into ``cbuf[k - k0]``, for the rows
    ``rows_lo <= i < rows_hi`` only, in blocks of rows so that the rows of ``x`` and ``y``
    they read stay in cache across the diagonals (pays for ``d >> 1``). Disjoint row ranges
    may be filled by concurrent threads. ``band = (dlo, dhi, ...)``."""
    dlo = band[0]
    dhi = band[1]
    first = max(dlo[k0], rows_lo)
    last = min(dhi[k1 - 1], rows_hi)
    for a in range(first, last, _CHUNK):
        b = min(a + _CHUNK, last)
        for k in range(k0, k1):
            lo = max(a, dlo[k])
            hi = min(b, dhi[k])
            if lo < hi:
                diagonal_cost(src, k, lo, hi, cbuf[k - k0])


@njit(**config.NJIT)
def eval_cell(src, i, k, ci, ring, band, pattern, open_begin):
    """``(D[i, k - i], winning step)`` of one cell by the full recurrence (any pattern);
    ``ci = C[i, k - i]``, ``pattern = (origins, offsets, weights, ncells)``."""
    dlo = band[0]
    dhi = band[1]
    origins, offsets, weights, ncells = pattern
    ring_size = ring.shape[0]
    j = k - i
    best = np.inf
    arg = UNREACHED
    for p in range(origins.shape[0]):
        di0 = origins[p, 0]
        dj0 = origins[p, 1]
        io = i - di0
        if j - dj0 < 0:
            continue
        if io >= 0:
            ks = k - di0 - dj0
            if ks < 0 or io < dlo[ks] or io >= dhi[ks]:
                continue
            v = ring[ks % ring_size, io]
            if v == np.inf:
                continue
        elif io == -1 and open_begin:
            v = 0.0  # the virtual row of an open begin
        else:
            continue
        nc = ncells[p]
        for s in range(nc - 1):
            row = i - offsets[p, s, 0]
            if row >= 0:
                v += weights[p, s] * cell_cost(src, row, j - offsets[p, s, 1])
        v += weights[p, nc - 1] * ci
        if v < best:
            best = v
            arg = p
    return best, arg


@njit(**config.NJIT)
def reach(origins):
    """``R - 1``: how many anti-diagonals back the pattern's farthest origin lies."""
    r = 0
    for p in range(origins.shape[0]):
        r = max(r, origins[p, 0] + origins[p, 1])
    return r


@njit(**config.NJIT)
def sweep(src, n, m, band, pattern, open_begin, out, work, span, rows):
    """Accumulate ``D`` over the anti-diagonals ``k_start <= k < k_stop``.

    ``src = (xt, yr, cmat, metric)``, ``band = (dlo, dhi, doff)``, ``pattern = (origins,
    offsets, weights, ncells)``, ``out = (dirs, last_row)``, ``work = (ring, cbuf, saves)``
    and ``span = (k_start, k_stop, group, save_every)``. ``ring`` (``R x n``) carries ``D`` of
    the last ``R`` diagonals from one call to the next (all ``inf`` before ``k = 0``), so a
    sweep may run in several calls, or resume from a saved ring. Writes ``D[n - 1, j]`` into
    ``last_row[j]`` for the diagonals swept (the caller fills it with ``inf`` first) and,
    when ``dirs`` is not empty, the winning step of every band cell into
    ``dirs[doff[k] + i - dlo[k]]``.

    Local costs are computed ``group`` diagonals at a time into ``cbuf`` (``group x n``).
    With ``save_every > 0``, the ring after each diagonal ``k`` with ``(k + 1) %
    save_every == 0`` is copied to ``saves[(k + 1) // save_every - 1]`` (checkpoints).

    ``rows = (r_lo, r_hi, above, below)`` limits the sweep to the rows ``r_lo <= i < r_hi``,
    so that threads can share the band by rows, each with its own ring, the lower one a
    span of diagonals behind: ``D`` of the ``b`` rows just above ``r_lo`` on diagonal ``k``
    is read from ``above[k, t]`` (row ``r_lo - 1 - t``), and ``D`` of the last ``b`` rows
    of the range is written to ``below[k, t]`` (row ``r_hi - 1 - t``; ``inf`` outside the
    band), ``b`` being the pattern's farthest row step. Empty arrays: no neighbour.

    Patterns whose steps each touch one cell (symmetric1/2, asymmetric, ...; at most
    three steps) take a fused, vectorised loop over the cells where every origin lies in
    the window; other cells and other patterns go through :func:`eval_cell`.
    """
    xt, yr, _, metric = src
    dlo, dhi, doff = band
    origins, _, weights, ncells = pattern
    dirs, last_row = out
    ring, cbuf, saves = work
    k_start, k_stop, group, save_every = span
    r_lo, r_hi, above, below = rows
    n_steps = origins.shape[0]
    simple = n_steps <= 3
    for p in range(n_steps):
        simple = simple and ncells[p] == 1
    ring_size = ring.shape[0]
    arg = np.full(n, UNREACHED, dtype=np.uint8)
    store = dirs.shape[0] > 0
    # one feature: the fused loop computes the local cost itself (one pass, not two)
    inline = simple and not store and xt.shape[0] == 1 and metric <= CITYBLOCK  # not cosine
    # the fused loop always takes three steps: repeat the first one (min is idempotent,
    # and a repeat placed last never wins a tie)
    sel = np.zeros(3, dtype=np.int64)
    for q in range(3):
        sel[q] = q if q < n_steps else 0
    steps = (origins, weights, sel)
    cost_k0 = k_start  # cbuf holds the costs of diagonals [cost_k0, cost_k1)
    cost_k1 = k_start
    for k in range(k_start, k_stop):
        if above.shape[0] > 0 and k > 0:  # the rows just above come from the thread above
            prev = ring[(k - 1) % ring_size]
            for t in range(above.shape[1]):
                if r_lo - 1 - t >= 0:
                    prev[r_lo - 1 - t] = above[k - 1, t]
        lo = max(dlo[k], r_lo)
        hi = min(dhi[k], r_hi)
        if lo >= hi:
            _edge(ring[k % ring_size], below, k, dlo[k], dhi[k], r_lo, r_hi)
            _save(ring, saves, save_every, k, r_lo, r_hi)
            continue
        clo = hi  # the fused loop's cells [clo, chi); none unless the pattern is simple
        chi = hi
        if simple:
            clo = lo
            for q in range(3):
                p = sel[q]
                ks = k - origins[p, 0] - origins[p, 1]
                if ks < 0 or dlo[ks] >= dhi[ks]:
                    chi = clo
                    break
                clo = max(clo, dlo[ks] + origins[p, 0])
                chi = min(chi, dhi[ks] + origins[p, 0])
            if chi <= clo:
                clo = hi
                chi = hi
        if inline:  # the fused loop computes its own costs: only the other cells here
            c = cbuf[0]
            if clo > lo:
                diagonal_cost(src, k, lo, clo, c)
            if hi > chi:
                diagonal_cost(src, k, chi, hi, c)
        elif group == 1:
            c = cbuf[0]
            diagonal_cost(src, k, lo, hi, c)
        else:
            if k >= cost_k1:  # the next group of diagonals, from the first one with cells
                cost_k0 = k
                cost_k1 = min(k + group, k_stop)
                span_costs(src, cost_k0, cost_k1, band, r_lo, r_hi, cbuf)
            c = cbuf[k - cost_k0]
        cur = ring[k % ring_size]
        # winning steps go straight to the direction storage (or to scratch), index i - lo
        first_cell = doff[k] + lo - dlo[k]
        a_diag = dirs[first_cell : first_cell + hi - lo] if store else arg[: hi - lo]
        if chi > clo:
            codes = a_diag[clo - lo : chi - lo]
            if inline:
                _fused1(ring, xt[0], yr[0], m - 1 - k, metric, cur, k, clo, chi, steps)
            else:
                _fused(ring, c, codes, cur, k, clo, chi, steps, store)
        for part in range(2):  # the cells the fused loop did not do: [lo, clo) and [chi, hi)
            first = lo if part == 0 else chi
            stop = clo if part == 0 else hi
            for i in range(first, stop):
                best, code = eval_cell(src, i, k, c[i], ring, band, pattern, open_begin)
                cur[i] = best
                a_diag[i - lo] = code
        if k == 0 and not open_begin:
            cur[0] = c[0]
            a_diag[0] = START
        if lo <= n - 1 < hi:
            last_row[k - n + 1] = cur[n - 1]
        _edge(cur, below, k, dlo[k], dhi[k], r_lo, r_hi)
        _save(ring, saves, save_every, k, r_lo, r_hi)


@njit(**config.NJIT)
def _edge(cur, below, k, lo, hi, r_lo, r_hi):
    """Hand ``D`` of the last rows of this thread's range on diagonal ``k`` to the next."""
    for t in range(below.shape[1] if below.shape[0] > 0 else 0):
        row = r_hi - 1 - t
        below[k, t] = cur[row] if lo <= row < hi and row >= r_lo else np.inf


@njit(**config.NJIT)
def _save(ring, saves, save_every, k, r_lo, r_hi):
    """Checkpoint this thread's rows of the ring after diagonal ``k`` when it ends a block
    of ``save_every``."""
    if save_every > 0 and (k + 1) % save_every == 0:
        slot = (k + 1) // save_every - 1
        if slot < saves.shape[0]:
            saves[slot, :, r_lo:r_hi] = ring[:, r_lo:r_hi]


@njit(**config.NJIT)
def _sources(ring, k, lo, hi, steps):
    """For cells ``lo <= i < hi`` of diagonal ``k``: the origins' accumulated costs of the
    three selected steps, aligned with ``i`` (``s_q[i - lo] = D_q[i - di0_q]``), and their
    weights. ``steps = (origins, weights, sel)``, ``sel`` the three steps' indices."""
    origins, weights, sel = steps
    ring_size = ring.shape[0]
    p0, p1, p2 = sel[0], sel[1], sel[2]
    d0, d1, d2 = origins[p0, 0], origins[p1, 0], origins[p2, 0]
    s0 = ring[(k - d0 - origins[p0, 1]) % ring_size, lo - d0 : hi - d0]
    s1 = ring[(k - d1 - origins[p1, 1]) % ring_size, lo - d1 : hi - d1]
    s2 = ring[(k - d2 - origins[p2, 1]) % ring_size, lo - d2 : hi - d2]
    return s0, s1, s2, weights[p0, 0], weights[p1, 0], weights[p2, 0]


@njit(**config.NJIT)
def _fused(ring, c, a, cur, k, lo, hi, steps, store):
    """``cur[i] = min_q(D_q[i - di0_q] + w_q c[i])`` over three single-cell steps."""
    s0, s1, s2, w0, w1, w2 = _sources(ring, k, lo, hi, steps)
    sel = steps[2]
    cc = c[lo:hi]
    out = cur[lo:hi]
    if not store:
        for t in range(hi - lo):
            ct = cc[t]
            out[t] = min(min(s0[t] + w0 * ct, s1[t] + w1 * ct), s2[t] + w2 * ct)
        return
    c0, c1, c2 = np.uint8(sel[0]), np.uint8(sel[1]), np.uint8(sel[2])
    for t in range(hi - lo):
        ct = cc[t]
        best = s0[t] + w0 * ct
        code = c0
        v = s1[t] + w1 * ct
        if v < best:
            best = v
            code = c1
        v = s2[t] + w2 * ct
        if v < best:
            best = v
            code = c2
        out[t] = best
        a[t] = code


@njit(**config.NJIT)
def _fused1(ring, xf, yf, off, metric, cur, k, lo, hi, steps):
    """:func:`_fused` for one feature and the distance only, with the local cost computed
    in the same loop."""
    s0, s1, s2, w0, w1, w2 = _sources(ring, k, lo, hi, steps)
    xs = xf[lo:hi]
    ys = yf[lo + off : hi + off]
    out = cur[lo:hi]
    # one explicit loop per metric: these vectorise
    if metric == SQEUCLIDEAN:
        for t in range(hi - lo):
            ct = term(xs[t], ys[t], SQEUCLIDEAN)
            out[t] = min(min(s0[t] + w0 * ct, s1[t] + w1 * ct), s2[t] + w2 * ct)
    elif metric == EUCLIDEAN:
        for t in range(hi - lo):
            ct = finish(term(xs[t], ys[t], EUCLIDEAN), EUCLIDEAN)
            out[t] = min(min(s0[t] + w0 * ct, s1[t] + w1 * ct), s2[t] + w2 * ct)
    else:
        for t in range(hi - lo):
            ct = term(xs[t], ys[t], CITYBLOCK)
            out[t] = min(min(s0[t] + w0 * ct, s1[t] + w1 * ct), s2[t] + w2 * ct)


@njit(**config.NJIT)
def backtrack(dirs, band, pattern, i, j, k_min, out, length):
    """Follow the stored steps back from ``(i, j)``, appending the cells to ``out`` (end to
    start) from ``out[length]`` on, until the start of the path or until a step's origin
    lies before anti-diagonal ``k_min`` (a block's first diagonal). ``band = (dlo, dhi,
    doff)`` and ``pattern = (origins, offsets, weights, ncells)`` as in :func:`sweep`.

    Returns ``(length, i, j, done)``: with ``done`` False, ``(i, j)`` is that origin, not
    yet appended; ``out`` must hold ``i + j + 2`` more rows.
    """
    dlo = band[0]
    doff = band[2]
    origins, offsets, _, ncells = pattern
    while True:
        out[length, 0] = i
        out[length, 1] = j
        length += 1
        k = i + j
        code = dirs[doff[k] + i - dlo[k]]
        if code in (START, UNREACHED):
            return length, i, j, True
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
            return length, i, j, True
        if i + j < k_min:
            return length, i, j, False
