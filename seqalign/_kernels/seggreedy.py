"""Greedy changepoint searches over any segment cost of :mod:`seqalign._kernels.segcost`.

Conventions as in :mod:`seqalign._kernels.segsearch` (ruptures' breakpoints, ``min_size``,
``jump``, the optional ``len_weight * log(e - s)`` term, ties to the earliest breakpoint).

* :func:`binseg`: greedy binary segmentation (Scott & Knott 1974), splits in order;
* :func:`bottomup`: greedy merging of a fine partition (Keogh et al. 2001), merges in order;
* :func:`window_scores`: the sliding-window discrepancy ``C(t - w, t + w) - C(t - w, t) -
  C(t, t + w)``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config
from seqalign._kernels.segcost import advance, fill_column, log_table, segment_cost


@njit(**config.NJIT)
def _best_split(
    cost: tuple,
    gram: np.ndarray,
    scratch: tuple,
    a: int,
    b: int,
    min_size: int,
    jump: int,
    len_weight: float,
    logs: np.ndarray,
) -> tuple[int, float]:
    """The split ``a < t < b`` that lowers ``C(a, b)`` most: ``(t, gain)``, ``(-1, 0)``.

    ``cost = (kind, data, param, work)`` as in :func:`fill_column`; ``scratch = (starts,
    left, right)``, three arrays of ``n + 1``."""
    kind, data, param, work = cost
    starts, left, right = scratch
    count = 0
    t = ((a + min_size + jump - 1) // jump) * jump
    while t <= b - min_size:
        starts[count] = t
        count += 1
        t += jump
    if count == 0:
        return -1, 0.0
    whole = segment_cost(kind, data, param, work, a, b)
    if len_weight != 0.0:
        whole += len_weight * math.log(b - a)
    # right[i] = C(t_i, b) in one column; left[i] = C(a, t_i) one end at a time.
    if kind == 4:
        gram[a:b] = 0.0
        advance(kind, data, param, gram, a, a, b)
    fill_column(cost, gram, starts, count, b, len_weight, logs, right)
    one = np.empty(1, dtype=np.int64)
    one[0] = a
    value = np.empty(1)
    if kind == 4:
        gram[a:b] = 0.0
    prev = a
    for i in range(count):
        advance(kind, data, param, gram, a, prev, starts[i])
        prev = starts[i]
        fill_column(cost, gram, one, 1, starts[i], len_weight, logs, value)
        left[i] = value[0]
    best = -math.inf
    best_t = -1
    for i in range(count):
        gain = whole - left[i] - right[i]
        if gain > best:
            best = gain
            best_t = starts[i]
    return best_t, best


@njit(**config.NJIT)
def binseg(
    kind: int,
    data: np.ndarray,
    param: float,
    work: np.ndarray,
    n: int,
    max_bkps: int,
    min_size: int,
    jump: int,
    len_weight: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy binary segmentation: ``(breakpoints in the order found, their gains)``.

    Each step splits, among the current segments, the one whose best split lowers the sum
    of costs most; it stops after ``max_bkps`` splits or when no split is allowed.
    """
    seg_start = np.empty(max_bkps + 1, dtype=np.int64)
    seg_end = np.empty(max_bkps + 1, dtype=np.int64)
    seg_bkp = np.empty(max_bkps + 1, dtype=np.int64)
    seg_gain = np.empty(max_bkps + 1)
    starts = np.empty(n + 1, dtype=np.int64)
    left = np.empty(n + 1)
    right = np.empty(n + 1)
    gram = np.zeros(2 * (n + 1) if kind == 4 else 2)
    order = np.empty(max_bkps, dtype=np.int64)
    gains = np.empty(max_bkps)
    logs = log_table(n, len_weight)
    seg_start[0] = 0
    seg_end[0] = n
    cost = (kind, data, param, work)
    scratch = (starts, left, right)
    t, g = _best_split(cost, gram, scratch, 0, n, min_size, jump, len_weight, logs)
    seg_bkp[0] = t
    seg_gain[0] = g
    segments = 1
    found = 0
    while found < max_bkps:
        pick = -1
        best = -math.inf
        for i in range(segments):
            if seg_bkp[i] >= 0 and seg_gain[i] > best:
                best = seg_gain[i]
                pick = i
        if pick < 0:
            break
        t = seg_bkp[pick]
        order[found] = t
        gains[found] = best
        found += 1
        b = seg_end[pick]
        seg_end[pick] = t
        seg_start[segments] = t
        seg_end[segments] = b
        for i in (pick, segments):
            s_t, s_g = _best_split(
                cost, gram, scratch, seg_start[i], seg_end[i], min_size, jump, len_weight, logs
            )
            seg_bkp[i] = s_t
            seg_gain[i] = s_g
        segments += 1
    return order[:found].copy(), gains[:found].copy()


@njit(**config.NJIT)
def _leaves(n: int, min_size: int, jump: int) -> np.ndarray:
    """The finest partition by halving: each segment split at its allowed breakpoint
    nearest the middle (the earlier one on a tie) until no split is allowed."""
    stack_s = np.empty(n + 1, dtype=np.int64)
    stack_e = np.empty(n + 1, dtype=np.int64)
    out = np.empty(n + 1, dtype=np.int64)
    stack_s[0] = 0
    stack_e[0] = n
    depth = 1
    count = 0
    while depth > 0:
        depth -= 1
        s = stack_s[depth]
        e = stack_e[depth]
        lo = ((s + min_size + jump - 1) // jump) * jump
        hi = ((e - min_size) // jump) * jump
        if lo > hi:
            out[count] = e
            count += 1
            continue
        # The allowed breakpoint nearest (s + e) / 2, the earlier on a tie.
        twice_mid = s + e
        t = ((twice_mid // 2) // jump) * jump
        best = -1
        for cand in (t, t + jump):
            if lo <= cand <= hi and (
                best < 0 or abs(2 * cand - twice_mid) < abs(2 * best - twice_mid)
            ):
                best = cand
        if best < 0:
            best = lo if abs(2 * lo - twice_mid) <= abs(2 * hi - twice_mid) else hi
        # Right half first on the stack so that the left half is finished first.
        stack_s[depth] = best
        stack_e[depth] = e
        stack_s[depth + 1] = s
        stack_e[depth + 1] = best
        depth += 2
    return np.sort(out[:count])


@njit(**config.NJIT)
def _heap_push(keys, ids, size, key, ident):
    i = size
    keys[i] = key
    ids[i] = ident
    while i > 0:
        parent = (i - 1) // 2
        if keys[parent] < keys[i] or (keys[parent] == keys[i] and ids[parent] <= ids[i]):
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        ids[parent], ids[i] = ids[i], ids[parent]
        i = parent
    return size + 1


@njit(**config.NJIT)
def _heap_pop(keys, ids, size):
    key = keys[0]
    ident = ids[0]
    size -= 1
    keys[0] = keys[size]
    ids[0] = ids[size]
    i = 0
    while True:
        small = i
        for child in (2 * i + 1, 2 * i + 2):
            if child < size and (
                keys[child] < keys[small]
                or (keys[child] == keys[small] and ids[child] < ids[small])
            ):
                small = child
        if small == i:
            break
        keys[small], keys[i] = keys[i], keys[small]
        ids[small], ids[i] = ids[i], ids[small]
        i = small
    return key, ident, size


@njit(**config.NJIT)
def bottomup(
    kind: int,
    data: np.ndarray,
    param: float,
    work: np.ndarray,
    n: int,
    min_size: int,
    jump: int,
    len_weight: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy bottom-up merging: ``(initial breakpoints, removed in merge order, gains)``.

    Starts from :func:`_leaves` and repeatedly merges the two adjacent segments whose union
    raises the sum of costs least, until one segment is left.
    """
    ends = _leaves(n, min_size, jump)
    count = ends.size
    start = np.empty(count, dtype=np.int64)
    end = ends.copy()
    cost = np.empty(count)
    nxt = np.empty(count, dtype=np.int64)
    prv = np.empty(count, dtype=np.int64)
    alive = np.ones(count, dtype=np.bool_)
    version = np.zeros(count, dtype=np.int64)
    for i in range(count):
        start[i] = 0 if i == 0 else ends[i - 1]
        cost[i] = segment_cost(kind, data, param, work, start[i], end[i])
        if len_weight != 0.0:
            cost[i] += len_weight * math.log(end[i] - start[i])
        nxt[i] = i + 1 if i + 1 < count else -1
        prv[i] = i - 1
    capacity = 3 * count + 1
    keys = np.empty(capacity)
    ids = np.empty(capacity, dtype=np.int64)  # entry numbers: equal gains pop first-in
    stamp_left = np.empty(capacity, dtype=np.int64)
    stamp_right = np.empty(capacity, dtype=np.int64)
    merged_cost = np.empty(capacity)
    entries = 0
    size = 0

    removed = np.empty(max(count - 1, 0), dtype=np.int64)
    gains = np.empty(max(count - 1, 0))
    for i in range(count - 1):
        j = i + 1
        c = segment_cost(kind, data, param, work, start[i], end[j])
        if len_weight != 0.0:
            c += len_weight * math.log(end[j] - start[i])
        stamp_left[entries] = version[i]
        stamp_right[entries] = version[j]
        merged_cost[entries] = c
        size = _heap_push(keys, ids, size, c - cost[i] - cost[j], entries)
        entries += 1
    owner = np.empty(capacity, dtype=np.int64)
    for i in range(count - 1):
        owner[i] = i
    done = 0
    while size > 0 and done < count - 1:
        gain, entry, size = _heap_pop(keys, ids, size)
        i = owner[entry]
        if not alive[i]:
            continue
        j = nxt[i]
        if j < 0 or version[i] != stamp_left[entry] or version[j] != stamp_right[entry]:
            continue
        removed[done] = end[i]
        gains[done] = gain
        done += 1
        end[i] = end[j]
        cost[i] = merged_cost[entry]
        version[i] += 1
        alive[j] = False
        nxt[i] = nxt[j]
        if nxt[j] >= 0:
            prv[nxt[j]] = i
        for left in (prv[i], i):
            if left < 0:
                continue
            right = nxt[left]
            if right < 0:
                continue
            c = segment_cost(kind, data, param, work, start[left], end[right])
            if len_weight != 0.0:
                c += len_weight * math.log(end[right] - start[left])
            stamp_left[entries] = version[left]
            stamp_right[entries] = version[right]
            merged_cost[entries] = c
            owner[entries] = left
            size = _heap_push(keys, ids, size, c - cost[left] - cost[right], entries)
            entries += 1
    return ends, removed[:done].copy(), gains[:done].copy()


@njit(**config.NJIT)
def window_scores(
    kind: int,
    data: np.ndarray,
    param: float,
    work: np.ndarray,
    centers: np.ndarray,
    half: int,
    len_weight: float,
) -> np.ndarray:
    """``C(t - half, t + half) - C(t - half, t) - C(t, t + half)`` at every centre ``t``."""
    out = np.empty(centers.size)
    for i in range(centers.size):
        t = centers[i]
        whole = segment_cost(kind, data, param, work, t - half, t + half)
        parts = segment_cost(kind, data, param, work, t - half, t) + segment_cost(
            kind, data, param, work, t, t + half
        )
        if len_weight != 0.0:
            whole += len_weight * math.log(2 * half)
            parts += 2.0 * len_weight * math.log(half)
        out[i] = whole - parts
    return out
