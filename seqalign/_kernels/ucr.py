"""The UCR Suite cascade: exact top-k subsequence DTW search of a query in a stream segment.

Notation: the query ``q`` has ``m`` frames and ``d`` features (already z-normalised per
feature, or raw); the window of the stream starting at ``t`` is ``s[t:t + m]``, z-normalised
per feature with its own mean and standard deviation (or raw). The distance is DTW with
symmetric1 steps in a Sakoe-Chiba band of radius ``r`` and one of two local costs: the
squared Euclidean one (sqeuclidean) or the cityblock one (``l1``: ``|v|`` for ``v ** 2``)::

    C[i, j] = sum_f (q[i, f] - x[j, f]) ** 2        or   sum_f |q[i, f] - x[j, f]|
    D[i, j] = C[i, j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1])   for |i - j| <= r
    D[0, 0] = C[0, 0],   D = +inf outside the band,   distance = D[m - 1, m - 1]

(not square-rooted). Every bound below holds for both, because each is a sum of per-cell
bounds of a cost that is a sum over features of a term ``cost(q - x) >= 0`` that grows with
``|q - x|``: LB_Kim takes cells of every path; a frame's cost to the box of an envelope
(per feature, the gap to ``[lower, upper]``) is at most its cost to any frame inside the box;
the cumulative bounds add such terms. LB_Improved holds for both too (Lemire proves it for
``|v| ** p``, ``p >= 1``: with ``h`` the window projected onto the query's envelope, ``|x -
q| ** p >= |x - h| ** p + |h - q| ** p`` for every ``q`` in the box, with equality for ``p =
1``). Other costs are not offered: see :mod:`seqalign.subsequence.search`.

Each window goes through the cascade of Rakthanmanon et al., "Searching and mining
trillions of time series subsequences under dynamic time warping", KDD 2012 (the UCR
Suite), against a threshold ``tau`` (see below); the first bound above ``tau`` prunes it:

1. LB_Kim, hierarchy version: the first and last cells of every path, then the cheapest cell
   of each of the next two "levels" from both ends (cells with ``max(i, j) = l``); a path
   visits one cell of each level, and the levels are disjoint for ``m >= 6``;
2. LB_Keogh of the query's envelope on the window (EQ), visiting positions by decreasing
   ``|q|`` (they contribute most, so the sum is abandoned early);
3. LB_Keogh of the window's envelope on the query (EC); the stream's envelopes come from
   the streaming maximum and minimum filter (Lemire, "Streaming maximum-minimum filter
   using no more than three comparisons per element", Nordic Journal of Computing 2006; the
   envelope computation of Lemire, "Faster retrieval with a two-pass dynamic-time-warping
   lower bound", Pattern Recognition 2009), computed once per segment on the raw values:
   z-normalisation is increasing and affine, so it maps them onto the window's;
4. for one feature and a band of at least :data:`IMPROVED_RADIUS`, LB_Improved (Lemire,
   Pattern Recognition 2009): LB_Keogh EQ plus the distance from the query to the envelope
   of the window projected onto the query's envelope (its second pass), computed only for
   the windows that reach this stage;
5. DTW row by row, abandoned once the smallest cell of row ``i`` plus a bound of what the
   path still has to cost exceeds ``tau``: the larger of the EQ terms of the columns past
   ``i + r`` and the EC terms of the rows past ``i`` (:func:`suffix_bounds`); for one
   feature and a band of at least :data:`IMPROVED_RADIUS`, every cell over that bound is
   dropped too, so that rows shrink to their live cells (the UCR-USP suite's pruning, Silva
   et al., DMKD 2018).

Exact top-k with an exclusion zone ``E`` (see :mod:`seqalign.subsequence.search`): the
threshold is the k-th best distance of a *bound set*, computed windows whose starts are
pairwise at least ``2E - 1`` apart. Each of them is either accepted by the greedy selection
or suppressed by an accepted, better window within ``E``, and no accepted window can
suppress two of them, so the final k-th distance is at most ``tau``: a window above it can
never be selected. Every computed window at or below ``tau`` is kept as a candidate.
Comparisons allow a relative slack of :data:`SLACK` so that rounding in the bounds' sums can
never prune a window that ties the threshold.

Running sums for the z-normalisation restart from scratch every :data:`BLOCK` windows of the
stream (at global positions), centred on the block's first frame: a window's mean and
deviation are then the same bits however the stream is cut into segments (segments start on
block boundaries).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config

#: Windows between two restarts of the running sums (segments start at multiples of it).
BLOCK = 1024
#: A feature whose standard deviation in a window is below this is constant there: its
#: z-normalised values are 0.
FLAT = 1e-8
#: Relative slack of every pruning comparison (``bound > tau * SLACK`` prunes).
SLACK = 1.0 + 1e-9
#: Counter slots: windows, pruned by LB_Kim, by LB_Keogh EQ, by LB_Keogh EC, by LB_Improved
#: (one feature only), DTW abandoned, DTW run to the end.
N_COUNTS = 7
#: Bands from which LB_Improved is tried and DTW cells are pruned (narrower ones: a DTW costs
#: about as little as either).
IMPROVED_RADIUS = 16


@njit(**config.NJIT)
def envelope(seg, r, upper, lower):
    """``upper[p, f]`` / ``lower[p, f]``: max / min of ``seg[p - r : p + r + 1, f]`` (clipped
    to the segment), by Lemire's streaming algorithm: two monotone deques of indices, each
    index pushed and popped at most once (O(n) whatever ``r``)."""
    n, d = seg.shape
    qmax = np.empty(n, np.int64)
    qmin = np.empty(n, np.int64)
    for f in range(d):
        h1 = t1 = h2 = t2 = 0
        for e in range(n + r):
            if e < n:
                v = seg[e, f]
                while t1 > h1 and seg[qmax[t1 - 1], f] <= v:
                    t1 -= 1
                qmax[t1] = e
                t1 += 1
                while t2 > h2 and seg[qmin[t2 - 1], f] >= v:
                    t2 -= 1
                qmin[t2] = e
                t2 += 1
            p = e - r
            if p >= 0:
                while qmax[h1] < p - r:
                    h1 += 1
                while qmin[h2] < p - r:
                    h2 += 1
                upper[p, f] = seg[qmax[h1], f]
                lower[p, f] = seg[qmin[h2], f]


@njit(**config.NJIT)
def _moments(seg, t, m, restart, sums, norm):
    """Update the running sums ``sums = (s1, s2)`` of ``seg - ref`` for the window at ``t``
    (from scratch with ``restart``, ``ref`` then the window's first frame) and its
    normalisation ``norm = (ref, centred mean, 1 / std)`` per feature."""
    d = seg.shape[1]
    for f in range(d):
        if restart:
            ref = seg[t, f]
            s1 = 0.0
            s2 = 0.0
            for i in range(m):
                v = seg[t + i, f] - ref
                s1 += v
                s2 += v * v
            norm[0, f] = ref
        else:
            ref = norm[0, f]
            out = seg[t - 1, f] - ref
            new = seg[t + m - 1, f] - ref
            s1 = sums[0, f] + new - out
            s2 = sums[1, f] + (new * new - out * out)
        sums[0, f] = s1
        sums[1, f] = s2
        mu = s1 / m
        var = s2 / m - mu * mu
        std = math.sqrt(var) if var > 0.0 else 0.0
        norm[1, f] = mu
        norm[2, f] = 1.0 / std if std >= FLAT else 0.0


@njit(inline="always", **config.NJIT)
def _cost(v, l1):
    """One feature's term of the local cost for the difference ``v``: ``|v|`` (cityblock,
    ``l1``) or ``v * v`` (squared Euclidean)."""
    if l1:
        return abs(v)
    return v * v


@njit(**config.NJIT)
def _cell(qz, i, seg, row, norm, l1):
    """``C[i, j]`` for the window frame at segment row ``row``, normalised on the fly."""
    acc = 0.0
    for f in range(qz.shape[1]):
        v = qz[i, f] - ((seg[row, f] - norm[0, f]) - norm[1, f]) * norm[2, f]
        acc += _cost(v, l1)
    return acc


@njit(**config.NJIT)
def lb_kim(qz, seg, t, norm, thr, l1):
    """LB_Kim hierarchy (UCR Suite): first and last cells, then levels 1 and 2 from both ends
    (needs ``m >= 6``; shorter queries get the first and last cells only). Stops as soon as
    the partial bound exceeds ``thr``."""
    m = qz.shape[0]
    e = t + m - 1
    lb = _cell(qz, 0, seg, t, norm, l1) + _cell(qz, m - 1, seg, e, norm, l1)
    if lb > thr or m < 6:
        return lb
    a = min(_cell(qz, 1, seg, t, norm, l1), _cell(qz, 0, seg, t + 1, norm, l1))
    lb += min(a, _cell(qz, 1, seg, t + 1, norm, l1))
    b = min(_cell(qz, m - 2, seg, e, norm, l1), _cell(qz, m - 1, seg, e - 1, norm, l1))
    lb += min(b, _cell(qz, m - 2, seg, e - 1, norm, l1))
    if lb > thr:
        return lb
    a = min(_cell(qz, 2, seg, t, norm, l1), _cell(qz, 2, seg, t + 1, norm, l1))
    a = min(a, min(_cell(qz, 2, seg, t + 2, norm, l1), _cell(qz, 1, seg, t + 2, norm, l1)))
    lb += min(a, _cell(qz, 0, seg, t + 2, norm, l1))
    b = min(_cell(qz, m - 3, seg, e, norm, l1), _cell(qz, m - 3, seg, e - 1, norm, l1))
    b = min(b, min(_cell(qz, m - 3, seg, e - 2, norm, l1), _cell(qz, m - 2, seg, e - 2, norm, l1)))
    return lb + min(b, _cell(qz, m - 1, seg, e - 2, norm, l1))


@njit(**config.NJIT)
def keogh_eq(query, seg, t, norm, thr, terms, l1):
    """LB_Keogh of the query's envelope ``(qz, upper, lower, order)`` on the window:
    ``terms[j]`` is the cost from window frame ``j`` to the box of the envelope at ``j``
    (squared Euclidean, or cityblock with ``l1``). Visits ``order``; returns early (terms
    incomplete) above ``thr``."""
    qz, qu, ql, order = query
    m, d = qz.shape
    lb = 0.0
    for k in range(m):
        j = order[k]
        acc = 0.0
        for f in range(d):
            x = ((seg[t + j, f] - norm[0, f]) - norm[1, f]) * norm[2, f]
            g = max(x - qu[j, f], 0.0) + min(x - ql[j, f], 0.0)  # one of them is 0
            acc += _cost(g, l1)
        terms[j] = acc
        lb += acc
        if lb > thr:
            return lb
    return lb


@njit(**config.NJIT)
def keogh_ec(query, env, t, norm, thr, terms, l1):
    """LB_Keogh of the window's envelope ``env = (upper, lower)`` (the segment's, raw) on the
    query: ``terms[i]`` is the cost from ``q[i]`` to the normalised box at ``i``."""
    qz, _, _, order = query
    su, sl = env
    m, d = qz.shape
    lb = 0.0
    for k in range(m):
        i = order[k]
        acc = 0.0
        for f in range(d):
            q = qz[i, f]
            u = ((su[t + i, f] - norm[0, f]) - norm[1, f]) * norm[2, f]
            lo = ((sl[t + i, f] - norm[0, f]) - norm[1, f]) * norm[2, f]
            g = max(q - u, 0.0) + min(q - lo, 0.0)
            acc += _cost(g, l1)
        terms[i] = acc
        lb += acc
        if lb > thr:
            return lb
    return lb


@njit(**config.NJIT)
def banded_dtw(qz, xz, r, cb, thr, rows, l1):
    """DTW of ``qz`` and ``xz`` (both ``(m, d)``) in the band ``|i - j| <= r``, or ``inf``
    once the smallest cell of a row ``i`` plus ``cb[i]`` (a lower bound of the cost of the
    path after row ``i``: :func:`suffix_bounds`, or zeros) exceeds ``thr``. ``rows``: ``(2,
    m + 1)`` scratch; entry ``j + 1`` holds column ``j``, entry 0 is a sentinel."""
    m, d = qz.shape
    prev = rows[0]
    cur = rows[1]
    for j in range(m + 1):
        prev[j] = np.inf
        cur[j] = np.inf
    left = 0.0
    for j in range(min(m - 1, r) + 1):  # row 0: from the left only
        c = 0.0
        for f in range(d):
            c += _cost(qz[0, f] - xz[j, f], l1)
        left = left + c
        prev[j + 1] = left
    if min(m - 1, r) + 2 <= m:
        prev[min(m - 1, r) + 2] = np.inf
    if m > 1 and prev[1] + cb[0] > thr:
        return np.inf
    for i in range(1, m):
        lo = max(0, i - r)
        hi = min(m - 1, i + r)
        cur[lo] = np.inf
        best = np.inf
        for j in range(lo, hi + 1):
            c = 0.0
            for f in range(d):
                c += _cost(qz[i, f] - xz[j, f], l1)
            v = min(min(prev[j], prev[j + 1]), cur[j]) + c
            cur[j + 1] = v
            if v < best:
                best = v
        if hi + 2 <= m:
            cur[hi + 2] = np.inf
        if best + cb[i] > thr:
            return np.inf
        prev, cur = cur, prev
    return prev[m]


@njit(**config.NJIT)
def suffix_bounds(t_eq, t_ec, r, cb):
    """``cb[i] = max(sum(t_eq[i + r + 1:]), sum(t_ec[i + 1:]))``: a lower bound of the cost
    of a path after its last cell in row ``i``. That cell is in a column ``<= i + r``, so the
    path still visits every column past ``i + r`` (each costs at least its EQ term) and
    every row past ``i`` (at least its EC term); the maximum of two bounds is one. (The UCR
    Suite uses the larger LB_Keogh's terms past ``i + r`` for both.)"""
    m = t_eq.shape[0]
    a = 0.0
    b = 0.0
    for i in range(m - 1, -1, -1):
        cb[i] = max(a, b)  # b = sum(t_ec[i + 1:]) here
        b += t_ec[i]
    for i in range(m - 1, -1, -1):
        if i + r + 1 < m:
            a += t_eq[i + r + 1]
        cb[i] = max(cb[i], a)


@njit(**config.NJIT)
def _bound_insert(bound, t, dist, gap, k):
    """Add window ``t`` at ``dist`` to the bound set ``bound = (starts, dists, size)`` (a
    window conflicts with a member less than ``gap`` away). Keeps the members pairwise at
    least ``gap`` apart: a window with no conflict joins (replacing the worst when full); a
    window with one conflict replaces it when better. Returns the k-th best distance when
    the set is full, else inf."""
    starts, dists, size = bound
    n = size[0]
    hit = -1
    hits = 0
    for a in range(n):
        if abs(t - starts[a]) < gap:
            hits += 1
            hit = a
    if hits == 0:
        if n < k:
            starts[n] = t
            dists[n] = dist
            n += 1
            size[0] = n
        else:
            worst = 0
            for a in range(1, n):
                if dists[a] > dists[worst]:
                    worst = a
            if dist < dists[worst]:
                starts[worst] = t
                dists[worst] = dist
    elif hits == 1 and dist < dists[hit]:
        starts[hit] = t
        dists[hit] = dist
    if n < k:
        return np.inf
    top = dists[0]
    for a in range(1, n):
        top = max(top, dists[a])
    return top


@njit(**config.NJIT)
def _keep(cands, n, t, dist, thr):
    """Append candidate ``(t, dist)`` to ``cands = (starts, dists)`` holding ``n``; when full,
    drop those above ``thr`` first, and grow if still more than half full. Returns the
    (possibly new) arrays and the new count."""
    c_t, c_d = cands
    cap = c_t.shape[0]
    if n == cap:
        kept = 0
        for a in range(n):
            if c_d[a] <= thr:
                c_t[kept] = c_t[a]
                c_d[kept] = c_d[a]
                kept += 1
        n = kept
        if n > cap // 2:
            grown_t = np.empty(2 * cap, np.int64)
            grown_d = np.empty(2 * cap)
            grown_t[:n] = c_t[:n]
            grown_d[:n] = c_d[:n]
            c_t, c_d = grown_t, grown_d
    c_t[n] = t
    c_d[n] = dist
    return (c_t, c_d), n + 1


# -- one feature: the same cascade on 1-D arrays (scalar normalisation, no feature loop) ---


@njit(**config.NJIT)
def _kim1(q, x, t, nz, thr, l1):
    """:func:`lb_kim` for one feature; ``nz = (ref, mean - ref, 1 / std)``."""
    ref, mu, inv = nz
    m = q.shape[0]
    e = t + m - 1
    x0 = ((x[t] - ref) - mu) * inv
    xl = ((x[e] - ref) - mu) * inv
    lb = _cost(q[0] - x0, l1) + _cost(q[m - 1] - xl, l1)
    if lb > thr or m < 6:
        return lb
    x1 = ((x[t + 1] - ref) - mu) * inv
    lb += min(min(_cost(q[1] - x0, l1), _cost(q[0] - x1, l1)), _cost(q[1] - x1, l1))
    y1 = ((x[e - 1] - ref) - mu) * inv
    lb += min(min(_cost(q[m - 2] - xl, l1), _cost(q[m - 1] - y1, l1)), _cost(q[m - 2] - y1, l1))
    if lb > thr:
        return lb
    x2 = ((x[t + 2] - ref) - mu) * inv
    a = min(min(_cost(q[2] - x0, l1), _cost(q[2] - x1, l1)), _cost(q[2] - x2, l1))
    lb += min(a, min(_cost(q[1] - x2, l1), _cost(q[0] - x2, l1)))
    y2 = ((x[e - 2] - ref) - mu) * inv
    b = min(min(_cost(q[m - 3] - xl, l1), _cost(q[m - 3] - y1, l1)), _cost(q[m - 3] - y2, l1))
    return lb + min(b, min(_cost(q[m - 2] - y2, l1), _cost(q[m - 1] - y2, l1)))


@njit(**config.NJIT)
def _eq1(query, x, t, nz, thr, terms, l1):
    """:func:`keogh_eq` for one feature."""
    _, qu, ql, order = query
    ref, mu, inv = nz
    lb = 0.0
    for k in range(order.shape[0]):
        j = order[k]
        v = ((x[t + j] - ref) - mu) * inv
        g = max(v - qu[j], 0.0) + min(v - ql[j], 0.0)  # branch-free: one is 0 (lower <= upper)
        a = _cost(g, l1)
        terms[j] = a
        lb += a
        if lb > thr:
            return lb
    return lb


@njit(**config.NJIT)
def _ec1(query, env, t, nz, thr, terms, l1):
    """:func:`keogh_ec` for one feature."""
    q, _, _, order = query
    su, sl = env
    ref, mu, inv = nz
    lb = 0.0
    for k in range(order.shape[0]):
        i = order[k]
        u = ((su[t + i] - ref) - mu) * inv
        lo = ((sl[t + i] - ref) - mu) * inv
        g = max(q[i] - u, 0.0) + min(q[i] - lo, 0.0)
        a = _cost(g, l1)
        terms[i] = a
        lb += a
        if lb > thr:
            return lb
    return lb


@njit(**config.NJIT)
def _improved1(query, xz, r, thr, scratch, l1):
    """The second pass of LB_Improved (Lemire, Pattern Recognition 2009): the window ``xz``
    projected onto the query's envelope, ``h = clip(xz, lower, upper)``; then the distance
    from the query to the envelope of ``h`` (radius ``r``, within the window). Added to
    LB_Keogh EQ (the first pass) it still bounds the DTW from below, for the squared
    Euclidean cost and for the cityblock one (``l1``; see the module's docstring). ``scratch
    = (h, upper, lower, deque, deque)``, each of ``m``. Stops above ``thr``."""
    q, qu, ql, order = query
    h, hu, hl, qmax, qmin = scratch
    m = q.shape[0]
    for j in range(m):
        h[j] = min(max(xz[j], ql[j]), qu[j])
    h1 = t1 = h2 = t2 = 0  # the streaming envelope of h, as envelope() (no allocation)
    for e in range(m + r):
        if e < m:
            v = h[e]
            while t1 > h1 and h[qmax[t1 - 1]] <= v:
                t1 -= 1
            qmax[t1] = e
            t1 += 1
            while t2 > h2 and h[qmin[t2 - 1]] >= v:
                t2 -= 1
            qmin[t2] = e
            t2 += 1
        p = e - r
        if p >= 0:
            while qmax[h1] < p - r:
                h1 += 1
            while qmin[h2] < p - r:
                h2 += 1
            hu[p] = h[qmax[h1]]
            hl[p] = h[qmin[h2]]
    lb = 0.0
    for k in range(m):
        i = order[k]
        g = max(q[i] - hu[i], 0.0) + min(q[i] - hl[i], 0.0)
        lb += _cost(g, l1)
        if lb > thr:
            return lb
    return lb


@njit(**config.NJIT)
def _dtw1(q, x, r, cb, thr, rows, l1):
    """:func:`banded_dtw` for one feature (1-D ``q`` and ``x``)."""
    m = q.shape[0]
    prev = rows[0]
    cur = rows[1]
    for j in range(m + 1):
        prev[j] = np.inf
        cur[j] = np.inf
    left = 0.0
    for j in range(min(m - 1, r) + 1):
        left += _cost(q[0] - x[j], l1)
        prev[j + 1] = left
    if m > 1 and prev[1] + cb[0] > thr:
        return np.inf
    for i in range(1, m):
        lo = max(0, i - r)
        hi = min(m - 1, i + r)
        cur[lo] = np.inf
        best = np.inf
        qi = q[i]
        left = np.inf
        for j in range(lo, hi + 1):
            v = min(min(prev[j], prev[j + 1]), left) + _cost(qi - x[j], l1)
            cur[j + 1] = v
            left = v
            best = min(best, v)
        if hi + 2 <= m:
            cur[hi + 2] = np.inf
        if best + cb[i] > thr:
            return np.inf
        prev, cur = cur, prev
    return prev[m]


@njit(**config.NJIT)
def _dtw1_pruned(q, x, r, cb, thr, rows, l1):
    """:func:`_dtw1`, also pruning cells (as the
    UCR-USP suite: Silva, Giusti, Keogh & Batista, "Speeding up similarity search under
    dynamic time warping by pruning unpromising alignments", DMKD 2018): a cell whose cost
    plus ``cb[i]`` exceeds ``thr`` is on no path under ``thr``, so it is dropped (inf), and a
    row is computed only from the first live cell of the row above to past its last one.
    The cells of every path under ``thr`` stay live: its distance is the same bits."""
    m = q.shape[0]
    prev = rows[0]
    cur = rows[1]
    for j in range(m + 1):
        prev[j] = np.inf
        cur[j] = np.inf
    left = 0.0
    pa = 0
    pb = -1  # live columns of the row above: pa..pb
    for j in range(min(m - 1, r) + 1):
        left += _cost(q[0] - x[j], l1)
        if left + cb[0] > thr:  # the row only grows from here
            break
        prev[j + 1] = left
        pb = j
    if pb < 0:
        return np.inf
    for i in range(1, m):
        first = max(max(0, i - r), pa)
        hi = min(m - 1, i + r)
        if first > pb + 1:  # the band left every live cell behind
            return np.inf
        cur[first] = np.inf  # column first - 1
        qi = q[i]
        bound = thr - cb[i]
        left = np.inf
        na = -1
        nb = -1
        end = min(hi, pb + 1)  # entries up to pb + 2 (column pb + 1) of the row above: set
        for j in range(first, end + 1):
            v = min(min(prev[j], prev[j + 1]), left) + _cost(qi - x[j], l1)
            if v > bound:
                v = np.inf
            else:
                if na < 0:
                    na = j
                nb = j
            cur[j + 1] = v
            left = v
        for j in range(end + 1, hi + 1):  # past the row above's live cells: from the left only
            v = left + _cost(qi - x[j], l1)
            if v > bound:
                break
            cur[j + 1] = v
            left = v
            nb = j
        if na < 0 and nb < 0:
            return np.inf
        if na < 0:
            na = end + 1
        if nb + 2 <= m:
            cur[nb + 2] = np.inf  # column nb + 1, which the next row reads
        pa = na
        pb = nb
        prev, cur = cur, prev
    return prev[m] if pb == m - 1 else np.inf


@njit(**config.NJIT)
def _scan1(x, w0, query, settings, tau0):
    """:func:`search_segment` for one feature: ``x`` is 1-D, ``query`` 1-D arrays."""
    r, exclusion, k, znorm, max_distance, l1 = settings
    q = query[0]
    m = q.shape[0]
    n = x.shape[0]
    counts = np.zeros(N_COUNTS, np.int64)
    upper = np.empty((n, 1))
    lower = np.empty((n, 1))
    envelope(x.reshape(n, 1), r, upper, lower)
    env = (upper[:, 0].copy(), lower[:, 0].copy())
    xz = np.empty(m)
    scratch = (np.empty(m), np.empty(m), np.empty(m), np.empty(m, np.int64),
               np.empty(m, np.int64))  # fmt: skip
    improve = r >= IMPROVED_RADIUS
    lb1 = 0.0
    t_eq = np.empty(m)
    t_ec = np.empty(m)
    cb = np.zeros(m + 1)
    rows = np.empty((2, m + 1))
    bound = (np.empty(max(k, 1), np.int64), np.empty(max(k, 1)), np.zeros(1, np.int64))
    cands = (np.empty(1024, np.int64), np.empty(1024))
    nc = 0
    tau = min(tau0, max_distance)
    ref = 0.0
    s1 = 0.0
    s2 = 0.0
    nz = (0.0, 0.0, 1.0)
    for t in range(max(n - m + 1, 0)):
        counts[0] += 1
        if znorm:
            if t == 0 or (w0 + t) % BLOCK == 0:
                ref = x[t]
                s1 = 0.0
                s2 = 0.0
                for i in range(m):
                    v = x[t + i] - ref
                    s1 += v
                    s2 += v * v
            else:
                out = x[t - 1] - ref
                new = x[t + m - 1] - ref
                s1 = s1 + new - out
                s2 = s2 + (new * new - out * out)
            mu = s1 / m
            var = s2 / m - mu * mu
            std = math.sqrt(var) if var > 0.0 else 0.0
            nz = (ref, mu, 1.0 / std if std >= FLAT else 0.0)
        thr = tau * SLACK
        if thr < np.inf:
            if _kim1(q, x, t, nz, thr, l1) > thr:
                counts[1] += 1
                continue
            lb1 = _eq1(query, x, t, nz, thr, t_eq, l1)
            if lb1 > thr:
                counts[2] += 1
                continue
            lb2 = _ec1(query, env, t, nz, thr, t_ec, l1)
            if lb2 > thr:
                counts[3] += 1
                continue
            suffix_bounds(t_eq, t_ec, r, cb)
        for j in range(m):
            xz[j] = ((x[t + j] - nz[0]) - nz[1]) * nz[2]
        if (
            improve
            and thr < np.inf
            and lb1 + _improved1(query, xz, r, thr - lb1, scratch, l1) > thr
        ):
            counts[4] += 1
            continue
        if improve:  # not a function chosen by value: that is experimental in numba
            dist = _dtw1_pruned(q, xz, r, cb, thr, rows, l1)
        else:  # narrow bands: pruning cells costs about 25 % more than it saves
            dist = _dtw1(q, xz, r, cb, thr, rows, l1)
        if dist == np.inf or dist > thr:
            counts[5] += 1
            continue
        counts[6] += 1
        cands, nc = _keep(cands, nc, w0 + t, dist, thr)
        if k > 0:
            tau = min(tau, _bound_insert(bound, w0 + t, dist, 2 * exclusion - 1, k))
    keep = cands[1][:nc] <= tau * SLACK
    return cands[0][:nc][keep], cands[1][:nc][keep], tau, counts


@njit(**config.NJIT)
def search_segment(seg, w0, query, settings, tau0):
    """Scan every window of ``seg`` (``(n, d)`` raw frames; the windows start at rows ``0 ..
    n - m``, global starts ``w0 + row``; ``w0`` a multiple of :data:`BLOCK`).

    ``query = (qz, upper, lower, order)``: the prepared query, its envelope of radius ``r``
    and the positions by decreasing magnitude; ``settings = (r, exclusion, k, znorm,
    max_distance, l1)`` (``k = 0``: no limit; ``l1``: the cityblock local cost instead of
    the squared Euclidean one); ``tau0``: a threshold known from elsewhere
    (other segments), or inf.

    Returns ``(starts, distances, tau, counts)``: every window computed to the end at or
    under the final threshold ``tau`` (global starts), and the counters (:data:`N_COUNTS`).
    """
    r, exclusion, k, znorm, max_distance, l1 = settings
    qz = query[0]
    m, d = qz.shape
    n = seg.shape[0]
    if d == 1:
        one = (qz[:, 0].copy(), query[1][:, 0].copy(), query[2][:, 0].copy(), query[3])
        return _scan1(seg[:, 0].copy(), w0, one, settings, tau0)
    nw = n - m + 1
    counts = np.zeros(N_COUNTS, np.int64)
    upper = np.empty((n, d))
    lower = np.empty((n, d))
    envelope(seg, r, upper, lower)
    env = (upper, lower)
    sums = np.zeros((2, d))
    norm = np.zeros((3, d))
    norm[2, :] = 1.0
    xz = np.empty((m, d))
    t_eq = np.empty(m)
    t_ec = np.empty(m)
    cb = np.zeros(m + 1)
    rows = np.empty((2, m + 1))
    gap = 2 * exclusion - 1
    bound = (np.empty(max(k, 1), np.int64), np.empty(max(k, 1)), np.zeros(1, np.int64))
    cands = (np.empty(1024, np.int64), np.empty(1024))
    nc = 0
    tau = min(tau0, max_distance)
    for t in range(max(nw, 0)):
        counts[0] += 1
        if znorm:
            _moments(seg, t, m, (w0 + t) % BLOCK == 0 or t == 0, sums, norm)
        thr = tau * SLACK
        bounded = thr < np.inf
        if bounded:
            if lb_kim(qz, seg, t, norm, thr, l1) > thr:
                counts[1] += 1
                continue
            lb1 = keogh_eq(query, seg, t, norm, thr, t_eq, l1)
            if lb1 > thr:
                counts[2] += 1
                continue
            lb2 = keogh_ec(query, env, t, norm, thr, t_ec, l1)
            if lb2 > thr:
                counts[3] += 1
                continue
            suffix_bounds(t_eq, t_ec, r, cb)
        for j in range(m):
            for f in range(d):
                xz[j, f] = ((seg[t + j, f] - norm[0, f]) - norm[1, f]) * norm[2, f]
        dist = banded_dtw(qz, xz, r, cb, thr, rows, l1)
        if dist == np.inf or dist > thr:
            counts[5] += 1
            continue
        counts[6] += 1
        cands, nc = _keep(cands, nc, w0 + t, dist, thr)
        if k > 0:
            tau = min(tau, _bound_insert(bound, w0 + t, dist, gap, k))
    keep = cands[1][:nc] <= tau * SLACK
    return cands[0][:nc][keep], cands[1][:nc][keep], tau, counts
