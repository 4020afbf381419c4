"""Distance-only banded DTW kernels for many pairs: lanes of pairs, LB_Keogh, early abandoning.

Notation: a pair is a query ``x`` (``n`` frames, rows ``i``) and a reference ``y`` (``m``
frames, columns ``j``), both time-first ``(frames, features)``. The window is given by row
ranges ``lo[i] <= j < hi[i]``, both non-decreasing (every window of
:mod:`seqalign.warping.windows`). The recurrence, with ``w = 1`` (symmetric1) or ``w = 2``
(symmetric2) on the diagonal step::

    D[i, j] = min(D[i-1, j-1] + w C[i, j], D[i-1, j] + C[i, j], D[i, j-1] + C[i, j])
    D[0, 0] = C[0, 0],   D = +inf outside the window

and the result is ``D[n - 1, m - 1]`` (Sakoe & Chiba 1978). Rows are swept one after the
other with two row buffers, ``O(m)`` memory per pair.

:func:`lane_distances` runs ``lanes`` pairs of equal shapes at once, stored lane-major
(``value[(t * d + f) * lanes + l]``): every cell is computed for all lanes in one loop over
the lanes, which LLVM turns into SIMD instructions, so the loop-carried dependency
``D[i, j-1] -> D[i, j]`` of one pair is hidden by the other lanes. Indices in the hot loops
are unsigned: with signed ones numba emits negative-index checks and LLVM vectorises
nothing (2-2.7 ns per cell; 0.5 ns with them, on one core of the benchmark machine). One
feature (not cosine) computes the local cost inside the DP loop (27 % faster); otherwise a
row of costs is computed first.

:func:`abandoning_distance` is the one-pair version for the nearest-neighbour search (the
dependency along a row stays, so it is scalar): it stops as soon as every cell of a row,
plus a lower bound of the rows still to come, exceeds a threshold (early abandoning,
Rakthanmanon et al. 2012). :func:`keogh_rows` gives the per-row LB_Keogh terms (Keogh &
Ratanamahatana 2005) against an envelope from :func:`envelope`.

Metric codes and cost terms from :mod:`seqalign._kernels.localcost` (cosine expects unit
rows, rbf and polynomial their parameter columns after the features, see
:func:`seqalign.localcosts.prepare`: the arrays here are that layout, time-first).
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
    RBF,
    SQEUCLIDEAN,
    finish,
    parameter_rows,
    polynomial_cost,
    rbf_cost,
    term,
)

#: Pairs computed together by :func:`lane_distances`: 8 took 4.4 s, 16 2.7 s, 32 2.3 s and
#: 64 2.1 s for the benchmark's 44,850 pairs on one core; 32 keeps the buffers in L2.
LANES = 32


@njit(inline="always", **config.NJIT)
def _kernel_cost(acc, metric, xp, yp, xo, yo, step):
    """The kernel metrics' cost from ``acc`` (rbf: the squared distance; polynomial: the dot
    product) and the parameter columns at ``xp[xo + r * step]``, ``yp[yo + r * step]``."""
    if metric == RBF:
        return rbf_cost(acc, xp[xo])
    return polynomial_cost(acc, xp[xo], yp[yo], xp[xo + 2 * step], xp[xo + 3 * step],
                           xp[xo + 4 * step])  # fmt: skip


@njit(**config.NJIT)
def lane_distances(xs, ys, pi, pj, lo, hi, metric, w, lanes, out):
    """``out[p] = D[n - 1, m - 1]`` of the pair ``(xs[pi[p]], ys[pj[p]])`` for every ``p``.

    Pairs go ``lanes`` at a time; a short last group repeats its last pair.

    Parameters
    ----------
    xs : ndarray, shape (n_x, n, d)
    ys : ndarray, shape (n_y, m, d)
    pi, pj : ndarray of int64, shape (P,)
    lo, hi : ndarray of int64, shape (n,)
        The window's column range of each row.
    metric : int
    w : float
        Weight of the diagonal step (1 or 2).
    lanes : int
        Pairs per group.
    out : ndarray, shape (P,)
    """
    n = xs.shape[1]
    m = ys.shape[1]
    d = xs.shape[2]
    n_pairs = pi.shape[0]
    L = np.uint64(lanes)
    # lane-major layouts: lane l of frame t, feature f is at (t * d + f) * L + l
    xl = np.empty(n * d * lanes)
    yl = np.empty(m * d * lanes)
    prev = np.empty((m + 1) * lanes)  # column j at (j + 1) * L + l; column -1 is inf
    cur = np.empty((m + 1) * lanes)
    cost = np.empty(m * lanes)
    for start in range(0, n_pairs, lanes):
        for lane in range(lanes):
            p = min(start + lane, n_pairs - 1)
            xf = xs[pi[p]].ravel()
            yf = ys[pj[p]].ravel()
            for t in range(n * d):
                xl[t * lanes + lane] = xf[t]
            for t in range(m * d):
                yl[t * lanes + lane] = yf[t]
        prev[:] = np.inf
        cur[:] = np.inf
        for i in range(n):
            a0 = np.uint64(lo[i])
            a1 = np.uint64(hi[i])
            fused = d == 1 and metric != COSINE  # one feature: costs computed in the DP loop
            if fused:
                _row_costs(xl, yl, np.uint64(i), a0, a0 + np.uint64(1), np.uint64(d), L, metric,
                           cost)  # fmt: skip
            else:
                _row_costs(xl, yl, np.uint64(i), a0, a1, np.uint64(d), L, metric, cost)
            for lane in range(L):
                cur[a0 * L + lane] = np.inf  # left of the window (may hold a stale value)
            j0 = a0
            if i == 0:
                for lane in range(L):
                    cur[L + lane] = cost[lane]  # D[0, 0] = C[0, 0]
                j0 = np.uint64(1)
            if fused:
                _row_dp1(prev, cur, xl, yl, np.uint64(i), j0, a1, L, w, metric == SQEUCLIDEAN)
            else:
                _row_dp(prev, cur, cost, j0, a1, L, w)
            prev, cur = cur, prev
        for lane in range(min(lanes, n_pairs - start)):
            out[start + lane] = prev[m * lanes + lane]


@njit(**config.NJIT)
def _row_dp(prev, cur, cost, j0, a1, L, w):
    """One row of the recurrence for every lane, columns ``j0 <= j < a1``. Indices are
    unsigned: numba then emits no negative-index checks, and LLVM vectorises the loop over
    lanes (the dependency ``D[i, j - 1] -> D[i, j]`` is across iterations of ``j``)."""
    for j in range(j0, a1):
        b = j * L
        for lane in range(L):
            ct = cost[b + lane]
            v = prev[b + lane] + w * ct  # from (i - 1, j - 1)
            u = prev[b + L + lane] + ct  # from (i - 1, j)
            v = v if v < u else u
            u = cur[b + lane] + ct  # from (i, j - 1)
            cur[b + L + lane] = v if v < u else u


@njit(**config.NJIT)
def _row_dp1(prev, cur, xl, yl, i, j0, a1, L, w, squared):
    """:func:`_row_dp` for one feature, with the local cost ``(x - y)^2`` (``squared``) or
    ``|x - y|`` (euclidean and cityblock) computed in the same loop."""
    xo = i * L
    for j in range(j0, a1):
        b = j * L
        if squared:
            for lane in range(L):
                ct = term(xl[xo + lane], yl[b + lane], SQEUCLIDEAN)
                v = prev[b + lane] + w * ct
                u = prev[b + L + lane] + ct
                v = v if v < u else u
                u = cur[b + lane] + ct
                cur[b + L + lane] = v if v < u else u
        else:
            for lane in range(L):
                ct = term(xl[xo + lane], yl[b + lane], CITYBLOCK)
                v = prev[b + lane] + w * ct
                u = prev[b + L + lane] + ct
                v = v if v < u else u
                u = cur[b + lane] + ct
                cur[b + L + lane] = v if v < u else u


@njit(**config.NJIT)
def _row_costs(xl, yl, i, a0, a1, d, L, metric, cost):
    """``cost[j * L + lane] = C[i, j]`` of every lane for ``a0 <= j < a1`` (layouts as in
    :func:`lane_distances`; unsigned indices)."""
    nf = d - np.uint64(parameter_rows(metric))
    for f in range(nf):
        xo = (i * d + f) * L
        first = f == 0  # the first feature assigns, the others add
        for j in range(a0, a1):
            yo = (j * d + f) * L
            b = j * L
            # one loop per kind of term: these vectorise
            if metric == CITYBLOCK:
                for lane in range(L):
                    t = term(xl[xo + lane], yl[yo + lane], CITYBLOCK)
                    cost[b + lane] = t if first else cost[b + lane] + t
            elif metric in (COSINE, POLYNOMIAL):
                for lane in range(L):
                    t = term(xl[xo + lane], yl[yo + lane], COSINE)
                    cost[b + lane] = t if first else cost[b + lane] + t
            else:
                for lane in range(L):
                    t = term(xl[xo + lane], yl[yo + lane], SQEUCLIDEAN)
                    cost[b + lane] = t if first else cost[b + lane] + t
    if metric == EUCLIDEAN:
        for t in range(a0 * L, a1 * L):
            cost[t] = finish(cost[t], EUCLIDEAN)
    elif metric == COSINE:
        for t in range(a0 * L, a1 * L):
            cost[t] = finish(cost[t], COSINE)
    elif metric in (RBF, POLYNOMIAL):
        xo = (i * d + nf) * L
        for j in range(a0, a1):
            yo = (j * d + nf) * L
            for lane in range(L):
                b = j * L + lane
                cost[b] = _kernel_cost(cost[b], metric, xl, yl, xo + lane, yo + lane, L)


@njit(**config.NJIT)
def envelope(y, lo, hi):
    """``(lower, upper)``, each ``(n, d)``: the min and max of ``y[lo[i]:hi[i], f]``."""
    n = lo.shape[0]
    d = y.shape[1]
    lower = np.full((n, d), np.inf)
    upper = np.full((n, d), -np.inf)
    for i in range(n):
        for j in range(lo[i], hi[i]):
            for f in range(d):
                v = y[j, f]
                lower[i, f] = min(lower[i, f], v)
                upper[i, f] = max(upper[i, f], v)
    return lower, upper


@njit(**config.NJIT)
def keogh_rows(x, lower, upper, metric, out):
    """LB_Keogh per row: ``out[i] = g(x[i] outside [lower[i], upper[i]])``, where ``g`` is
    the metric of the distance from ``x[i]`` to the box (0 inside); cosine and polynomial
    get 0. For rbf, ``2 - 2 exp(-gamma s)`` grows with the squared distance ``s``, so the
    squared distance to the box gives its bound.

    Every path visits each row ``i`` at a cell of the window, whose cost is at least
    ``out[i]`` (each step pattern here weighs every cell at least 1), so ``sum(out)`` bounds
    the DTW distance from below, and so does any suffix sum added to a row minimum.
    """
    n = x.shape[0]
    d = x.shape[1] - parameter_rows(metric)
    for i in range(n):
        acc = 0.0
        if metric != COSINE and metric != POLYNOMIAL:
            for f in range(d):
                v = x[i, f]
                if v > upper[i, f]:
                    acc += term(v, upper[i, f], metric)
                elif v < lower[i, f]:
                    acc += term(v, lower[i, f], metric)
            acc = rbf_cost(acc, x[i, d]) if metric == RBF else finish(acc, metric)
        out[i] = acc


@njit(**config.NJIT)
def abandoning_distance(x, y, lo, hi, metric, w, tail, threshold, prev, cur):
    """``D[n - 1, m - 1]`` of one pair, or ``inf`` once it must exceed ``threshold``.

    After row ``i`` the distance is at least ``min_j D[i, j] + tail[i + 1]``, where
    ``tail[i] = sum of the lower bounds of rows i..n-1`` (``tail[n] = 0``); the sweep stops
    when that exceeds ``threshold``. ``prev`` and ``cur`` are scratch rows of ``m + 1``.
    """
    n = x.shape[0]
    d = x.shape[1]
    xf = x.ravel()
    yf = y.ravel()
    du = np.uint64(d)
    nf = du - np.uint64(parameter_rows(metric))
    one = np.uint64(1)
    simple = d == 1 and metric != COSINE  # one feature: |x - y| or its square
    prev[:] = np.inf
    cur[:] = np.inf
    for i in range(n):
        iu = np.uint64(i)
        a0 = np.uint64(lo[i])
        a1 = np.uint64(hi[i])
        best = np.inf
        left = np.inf  # D[i, j - 1]
        for j in range(a0, a1):
            if simple:  # |x - y| for euclidean as for cityblock
                ct = term(xf[iu], yf[j], SQEUCLIDEAN if metric == SQEUCLIDEAN else CITYBLOCK)
            else:
                acc = 0.0
                for f in range(nf):
                    acc += term(xf[iu * du + f], yf[j * du + f], metric)
                if metric in (RBF, POLYNOMIAL):
                    ct = _kernel_cost(acc, metric, xf, yf, iu * du + nf, j * du + nf, one)
                else:
                    ct = finish(acc, metric)
            v = prev[j] + w * ct
            u = prev[j + one] + ct
            v = v if v < u else u
            u = left + ct
            v = v if v < u else u
            if i == 0 and j == 0:
                v = ct
            cur[j + one] = v
            left = v
            best = v if v < best else best
        if best + tail[i + 1] > threshold:
            return np.inf
        cur[a0] = np.inf  # the next row reads column a0 - 1 of this one
        prev, cur = cur, prev
    return prev[y.shape[0]]


@njit(**config.NJIT)
def knn_search(queries, q_first, refs, envelopes, window, metric, w, k, flags, out):
    """The ``k`` nearest references of each query (ties: the lower index first).

    ``queries`` is ``(n_q, n, d)``, ``refs`` ``(n_r, m, d)``, ``envelopes = (lowers,
    uppers)`` the references' envelopes ``(n_r, n, d)``, ``window = (lo, hi)`` the window's
    column range of each row, ``flags = (use_bounds, skip_self)`` and ``out = (out_idx,
    out_dist, counts)``. References are visited by increasing LB_Keogh (with
    ``use_bounds``); the search stops when the bound exceeds the k-th best distance so far,
    and each DTW is abandoned early against it. ``counts[q]`` is the number of DTWs run to
    the end. With ``skip_self``, query ``q`` is reference ``q_first + q`` and is not its own
    neighbour.
    """
    lowers, uppers = envelopes
    lo, hi = window
    use_bounds, skip_self = flags
    out_idx, out_dist, counts = out
    n_q = queries.shape[0]
    n_r = refs.shape[0]
    n = queries.shape[1]
    m = refs.shape[1]
    rows_lb = np.empty((n_r, n))
    bounds = np.zeros(n_r)
    tail = np.zeros(n + 1)
    prev = np.empty(m + 1)
    cur = np.empty(m + 1)
    for q in range(n_q):
        x = queries[q]
        if use_bounds:
            for r in range(n_r):
                keogh_rows(x, lowers[r], uppers[r], metric, rows_lb[r])
                bounds[r] = rows_lb[r].sum()
        order = np.argsort(bounds, kind="mergesort")
        best_d = np.full(k, np.inf)
        best_i = np.full(k, n_r, dtype=np.int64)
        done = 0
        for t in range(n_r):
            r = order[t]
            if skip_self and r == q_first + q:
                continue
            kth = best_d[k - 1]
            if bounds[r] > kth:
                break
            tail[n] = 0.0
            for i in range(n - 1, -1, -1):
                tail[i] = tail[i + 1] + (rows_lb[r, i] if use_bounds else 0.0)
            v = abandoning_distance(x, refs[r], lo, hi, metric, w, tail, kth, prev, cur)
            if v == np.inf:
                continue
            done += 1
            # insert (v, r), ordered by distance then index
            pos = k
            while pos > 0 and (
                best_d[pos - 1] > v or (best_d[pos - 1] == v and best_i[pos - 1] > r)
            ):
                pos -= 1
            if pos < k:
                for s in range(k - 1, pos, -1):
                    best_d[s] = best_d[s - 1]
                    best_i[s] = best_i[s - 1]
                best_d[pos] = v
                best_i[pos] = r
        out_idx[q] = best_i
        out_dist[q] = best_d
        counts[q] = done
