"""Online PELT: the exact penalised search of :func:`seqalign._kernels.segsearch.pelt`, fed
a block of frames at a time, reporting each breakpoint the moment it is certain.

The recurrence is PELT's (Killick, Fearnhead & Eckley 2012, pruning made exact for
``min_size > 1`` as in :func:`seqalign._kernels.segsearch.pelt`): ``F(0) = 0``, ``F(e) =
min_s F(s) + C(s, e) + pen`` over the admitted starts, ``last[e]`` the earliest argmin, the
ends ``e`` on the grid (multiples of ``jump`` from ``ceil(min_size / jump) * jump``), and at
the end of the stream a last end ``n``, on the grid or not.

Certainty. After the end ``e`` has been processed, every later end backtracks (through
``last``) to a *frontier* point: an admitted start that is not certain to be dropped before
the next end, or a processed grid end in ``(e - min_size, e]`` with a finite ``F`` (not yet
admitted). A pruned start never comes back, so every future optimal segmentation passes
through the lowest common ancestor of the frontier in the ``last`` tree, and through all of
that ancestor's own ancestors: those are certain breakpoints (the ancestor itself only once
a later frame shows it is not the end of the stream).

State (all absolute frame indices; rows are stored from ``base``, the oldest row still
needed, so that memory holds only the undecided tail):

``ints``   ``[BASE, N, NEXT_END, NEXT_START, COUNT, ROOT, PEAK, FORCED, LAST_END, HOLD]``:
           the
           first stored row, frames seen, the next grid end, the next start to admit,
           admitted starts, the last reported breakpoint (0 at first), the most frontier
           points seen, the number of forced breakpoints, the last end processed (-1), and 1
           when the last search found the current end certain (``HOLD``); then, from
           the last end, the admitted starts still in the frontier (``SIZE``) and 1 when
           one left it (``LOST``); the end the RBF Gram sums are at (``PREV_END``);
``pre``    prefix sums of the cost's columns (l2: ``||z||^2, z``; normal: ``z, z_i z_j``
           for ``j <= i``; ``z = x - center``), ``pre[t - base]`` over frames ``< t``;
           for RBF the frames themselves, ``pre[t - base] = x_t``;
``f``      ``F(t)`` (``inf`` where not computed), ``last`` the argmin start;
``adm``    admitted starts and ``pruned`` when each was pruned (``NEVER`` if not);
``vals``   scratch; ``work`` the cost's scratch matrix, ``center`` the centring frame;
``gram``   RBF: the Gram sums ``W[s - base]`` then as much scratch
           (:func:`seqalign._kernels.segcost.advance`); a dummy otherwise.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config
from seqalign._kernels.segcost import L2, RBF, advance, segment_cost
from seqalign._kernels.segsearch import drop_stale

BASE = 0
N = 1
NEXT_END = 2
NEXT_START = 3
COUNT = 4
ROOT = 5
PEAK = 6
FORCED = 7
LAST_END = 8
HOLD = 9
SIZE = 10
LOST = 11
PREV_END = 12
N_INTS = 13

#: ``pruned`` of a start that has not been pruned.
NEVER = 1 << 62


@njit(**config.NJIT)
def _append(kind: int, center: np.ndarray, pre: np.ndarray, row: int, x: np.ndarray) -> None:
    """``pre[row + 1] = pre[row] + columns(x - center)`` (RBF: ``pre[row] = x``)."""
    d = center.size
    if kind == RBF:
        for j in range(d):
            pre[row, j] = x[j]
    elif kind == L2:
        sq = 0.0
        for j in range(d):
            z = x[j] - center[j]
            sq += z * z
            pre[row + 1, 1 + j] = pre[row, 1 + j] + z
        pre[row + 1, 0] = pre[row, 0] + sq
    else:  # NORMAL
        col = d
        for i in range(d):
            zi = x[i] - center[i]
            pre[row + 1, i] = pre[row, i] + zi
            for j in range(i + 1):
                pre[row + 1, col] = pre[row, col] + zi * (x[j] - center[j])
                col += 1


@njit(**config.NJIT)
def _lca(last: np.ndarray, base: int, a: int, b: int) -> int:
    while a != b:
        if a > b:
            a = last[a - base]
        else:
            b = last[b - base]
    return a


@njit(**config.NJIT)
def _next_start(s: int, min_size: int, jump: int) -> int:
    s = jump if s == 0 else s + jump
    if s < min_size:
        s = ((min_size + jump - 1) // jump) * jump
    return s


@njit(**config.NJIT)
def _end(settings: tuple, state: tuple, e: int) -> None:
    """Process the end ``e``: admit, drop, ``F(e)``, ``last[e]`` and the pruning."""
    kind, param, min_size, jump, pen, len_weight, margin = settings[:7]
    ints, pre, f, last, adm, pruned, vals, work = state[:8]
    base = ints[BASE]
    count = ints[COUNT]
    s = ints[NEXT_START]
    while s <= e - min_size:
        if s >= base and f[s - base] < math.inf:
            adm[count] = s
            pruned[count] = NEVER
            count += 1
        s = _next_start(s, min_size, jump)
    ints[NEXT_START] = s
    count = drop_stale(adm, pruned, count, min_size, e)
    ints[COUNT] = count
    if kind == RBF:  # the Gram sums up to the end e, as segsearch.pelt moves them
        lo = adm[0] if count > 0 else min(s, e)
        lo = max(lo, base)
        advance(kind, pre, param, state[9], lo - base, ints[PREV_END] - base, e - base)
        ints[PREV_END] = e
    f[e - base] = math.inf
    last[e - base] = -1
    if count == 0:
        ints[SIZE] = 0
        ints[LOST] = 1
        return
    best = math.inf
    arg = 0
    eb = e - base
    if kind == L2 and pre.shape[1] == 2:
        a_e = pre[eb, 0]
        b_e = pre[eb, 1]
        for i in range(count):
            st = adm[i]
            sb = st - base
            gap = b_e - pre[sb, 1]
            c = max(a_e - pre[sb, 0] - gap * gap / (e - st), 0.0)
            if len_weight != 0.0:
                c += len_weight * math.log(e - st)
            v = f[sb] + c
            vals[i] = v
            if v < best:
                best = v
                arg = st
    elif kind == RBF:
        gram = state[9]
        for i in range(count):
            st = adm[i]
            length = e - st
            c = length - gram[st - base] / length
            if len_weight != 0.0:
                c += len_weight * math.log(e - st)
            v = f[st - base] + c
            vals[i] = v
            if v < best:
                best = v
                arg = st
    else:
        for i in range(count):
            st = adm[i]
            c = segment_cost(kind, pre, param, work, st - base, eb)
            if len_weight != 0.0:
                c += len_weight * math.log(e - st)
            v = f[st - base] + c
            vals[i] = v
            if v < best:
                best = v
                arg = st
    f[eb] = best + pen
    last[eb] = arg
    # Prune, and count the admitted starts still in the frontier after e (those not
    # dropped before any later end); note whether one left it since the previous end.
    prev = ints[LAST_END]
    size = 0
    lost = False
    for i in range(count):
        if pruned[i] == NEVER and vals[i] + margin > best + pen:
            pruned[i] = e
        gone = pruned[i] + min_size
        if gone > e + 1:
            size += 1
        elif gone > prev + 1:
            lost = True
    ints[SIZE] = size
    ints[LOST] = 1 if lost else 0


@njit(**config.NJIT)
def _emit(state: tuple, top: int, e: int, out: tuple, k: int) -> int:
    """Report the chain of ``top`` down to the last reported breakpoint (exclusive), in
    increasing order, each with its delay ``e - b``; move the root to ``top``."""
    ints, last = state[0], state[3]
    base = ints[BASE]
    root = ints[ROOT]
    bounds, delays = out
    depth = 0
    t = top
    while t > root:
        depth += 1
        t = last[t - base]
    t = top
    for j in range(depth - 1, -1, -1):
        bounds[k + j] = t
        delays[k + j] = e - t
        t = last[t - base]
    ints[ROOT] = top
    return k + depth


@njit(**config.NJIT)
def _certain(settings: tuple, state: tuple, e: int, prev: int, out: tuple, k: int) -> int:
    """After the end ``e`` (the previous one ``prev``): report what became certain (and
    force a breakpoint when ``max_delay`` frames passed without one). Returns the new
    output count.

    The common ancestor only moves when a point leaves the frontier (a new end's argmin is
    already in it), so it is sought only then, or when the last search found the current
    end itself (``HOLD``: reportable once a later frame arrives)."""
    min_size, jump, max_delay = settings[2], settings[3], settings[7]
    ints, f, last, adm, pruned = state[0], state[2], state[3], state[4], state[5]
    base = ints[BASE]
    root = ints[ROOT]
    count = ints[COUNT]
    size = ints[SIZE]  # the admitted part of the frontier, counted by _end
    lost = ints[HOLD] != 0 or ints[LOST] != 0 or prev < 0
    p = ints[NEXT_START]
    while p <= e:
        if p >= base and f[p - base] < math.inf:
            size += 1
        p = _next_start(p, min_size, jump)
    if size > ints[PEAK]:
        ints[PEAK] = size
    # The common ancestor of the frontier, stopping as soon as it is the root.
    acc = -1
    ints[HOLD] = 0
    if not lost:
        count = 0
    for i in range(count):
        if pruned[i] + min_size <= e + 1:
            continue
        acc = adm[i] if acc < 0 else _lca(last, base, acc, adm[i])
        if acc == root:
            break
    p = ints[NEXT_START] if lost else e + 1
    while p <= e and acc != root:
        if p >= base and f[p - base] < math.inf:
            acc = p if acc < 0 else _lca(last, base, acc, p)
        p = _next_start(p, min_size, jump)
    if acc > root:
        top = acc if acc < ints[N] else last[acc - base]
        if acc == ints[N]:
            ints[HOLD] = 1
        if top > root:
            k = _emit(state, top, e, out, k)
    root = ints[ROOT]
    count = ints[COUNT]
    if max_delay > 0 and e - root >= max_delay and f[e - base] < math.inf:
        # Force the first breakpoint after the root of the best segmentation so far.
        b = -1
        t = last[e - base]
        while t > root:
            b = t
            t = last[t - base]
        if b > 0:
            k = _emit(state, b, e, out, k)
            ints[FORCED] += 1
            ints[HOLD] = 1  # the frontier shrinks: search its ancestor again
            kept = 0
            for i in range(count):
                s = adm[i]
                if _lca(last, base, s, b) != b:
                    continue
                adm[kept] = s
                pruned[kept] = pruned[i]
                kept += 1
            ints[COUNT] = kept
            p = ints[NEXT_START]
            while p <= e:
                if p >= base and f[p - base] < math.inf and _lca(last, base, p, b) != b:
                    f[p - base] = math.inf
                p = _next_start(p, min_size, jump)
    return k


@njit(**config.NJIT)
def feed(settings: tuple, state: tuple, frames: np.ndarray, out: tuple) -> int:
    """Append ``frames`` (``(m, d)``), process every grid end they complete, and write the
    breakpoints that became certain to ``out = (bounds, delays)``; returns how many.

    ``settings = (kind, param, min_size, jump, pen, len_weight, margin, max_delay)``
    (``max_delay`` 0: never force); ``state`` as in the module docstring. The caller
    ensures room for ``m`` more rows.
    """
    kind = settings[0]
    jump = settings[3]
    ints, pre, f, last, center = state[0], state[1], state[2], state[3], state[8]
    base = ints[BASE]
    n = ints[N]
    for i in range(frames.shape[0]):
        _append(kind, center, pre, n - base, frames[i])
        f[n + 1 - base] = math.inf
        last[n + 1 - base] = -1
        n += 1
    ints[N] = n
    k = 0
    e = ints[NEXT_END]
    while e <= n:
        _end(settings, state, e)
        prev = ints[LAST_END]
        ints[LAST_END] = e
        k = _certain(settings, state, e, prev, out, k)
        e += jump
    ints[NEXT_END] = e
    return k


@njit(**config.NJIT)
def finish(settings: tuple, state: tuple, out: tuple) -> int:
    """End of the stream: process the last end ``n`` when it is not a grid end already
    processed, then report its backtrack above the root. Returns how many breakpoints were
    written, or -1 when no segmentation satisfies ``min_size``."""
    ints, f, last = state[0], state[2], state[3]
    n = ints[N]
    base = ints[BASE]
    if n == 0:
        return 0
    if ints[LAST_END] != n:
        _end(settings, state, n)
    if f[n - base] == math.inf:
        return -1
    return _emit(state, last[n - base], n, out, 0)
