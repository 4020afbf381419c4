"""Exact changepoint searches over any segment cost of :mod:`seqalign._kernels.segcost`.

Conventions (ruptures'): a segmentation of ``n`` frames is the sorted breakpoints
``b_1 < ... < b_K < b_{K+1} = n``; segment ``k`` holds the frames ``b_{k-1} <= t < b_k``
(``b_0 = 0``). Every segment has at least ``min_size`` frames and every breakpoint but
``n`` is a multiple of ``jump``. ``C(s, e)`` includes the optional ``len_weight * log(e -
s)`` term. Ties go to the earliest breakpoint.

* :func:`pelt`: minimises ``sum_k C(b_{k-1}, b_k) + pen * K`` exactly (Killick, Fearnhead &
  Eckley 2012, with the pruning made exact for ``min_size > 1``: a start pruned at ``t`` is
  dropped only from ``t + min_size`` on, where a split at ``t`` is allowed);
* :func:`optimal_partition`: the exact optimum for every number of segments up to a
  maximum (segment neighbourhood, Auger & Lawrence 1989), ``O(K n^2)`` time, ``O(K n)``
  memory;
* :func:`sum_of_costs`: the cost of a given segmentation.

The greedy searches are in :mod:`seqalign._kernels.seggreedy`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config
from seqalign._kernels.segcost import L2, RBF, advance, fill_column, log_table, segment_cost


@njit(**config.NJIT)
def _backtrack(last: np.ndarray, n: int) -> np.ndarray:
    count = 0
    t = n
    while t > 0:
        count += 1
        t = last[t]
    out = np.empty(count, dtype=np.int64)
    t = n
    while t > 0:
        count -= 1
        out[count] = t
        t = last[t]
    return out


@njit(inline="always", **config.NJIT)
def drop_stale(adm: np.ndarray, pruned_at: np.ndarray, count: int, min_size: int, e: int) -> int:
    """Drop the admissible starts pruned at least ``min_size`` frames before ``e`` (until
    then a start pruned at ``t`` may still end a segment of the PELT recursion); returns the
    new count, the kept starts packed at the front in order."""
    kept = 0
    for i in range(count):
        if pruned_at[i] + min_size <= e:
            continue
        adm[kept] = adm[i]
        pruned_at[kept] = pruned_at[i]
        kept += 1
    return kept


@njit(**config.NJIT)
def pelt(
    kind: int,
    data: np.ndarray,
    param: float,
    work: np.ndarray,
    n: int,
    pen: float,
    min_size: int,
    jump: int,
    len_weight: float,
    prune_margin: float,
) -> tuple[np.ndarray, float]:
    """Optimal penalised segmentation: ``(breakpoints, sum of segment costs)``.

    ``F(0) = 0``; ``F(e) = min_s F(s) + C(s, e) + pen`` over admissible starts ``s``.
    A start with ``F(s) + C(s, e) + prune_margin > F(e)`` is pruned (``prune_margin`` is
    Killick's ``K``: ``0`` when ``C(s, t) + C(t, e) <= C(s, e)``, negative otherwise).
    Returns an empty breakpoint array when no segmentation satisfies ``min_size``.
    """
    f = np.full(n + 1, math.inf)
    f[0] = 0.0
    last = np.zeros(n + 1, dtype=np.int64)
    adm = np.empty(n + 1, dtype=np.int64)
    pruned_at = np.empty(n + 1, dtype=np.int64)
    values = np.empty(n + 1)
    gram = np.zeros(2 * (n + 1) if kind == RBF else 2)
    logs = log_table(n, len_weight)
    never = n + min_size + 1
    count = 0
    next_start = 0  # the next start to admit: 0, then multiples of jump
    prev_end = 0
    e = min_size
    if jump > 1:
        e = ((min_size + jump - 1) // jump) * jump
    if e >= n:
        e = n
    while True:
        while next_start <= e - min_size:
            if f[next_start] < math.inf:
                adm[count] = next_start
                pruned_at[count] = never
                count += 1
            next_start = jump if next_start == 0 else next_start + jump
            if next_start < min_size:
                next_start = ((min_size + jump - 1) // jump) * jump
        count = drop_stale(adm, pruned_at, count, min_size, e)
        lo = adm[0] if count > 0 else min(next_start, e)
        advance(kind, data, param, gram, lo, prev_end, e)
        prev_end = e
        if count > 0:
            best = math.inf
            arg = 0
            if kind == L2:  # the common case, fused in one pass
                width = data.shape[1]
                a_e = data[e, 0]
                b_e = data[e, 1] if width == 2 else 0.0
                for i in range(count):
                    s = adm[i]
                    if width == 2:
                        gap = b_e - data[s, 1]
                        sq = gap * gap
                    else:
                        sq = 0.0
                        for col in range(1, width):
                            gap = data[e, col] - data[s, col]
                            sq += gap * gap
                    c = max(a_e - data[s, 0] - sq / (e - s), 0.0)
                    if len_weight != 0.0:
                        c += len_weight * logs[e - s]
                    v = f[s] + c
                    values[i] = v
                    if v < best:
                        best = v
                        arg = s
            else:
                fill_column(
                    (kind, data, param, work), gram, adm, count, e, len_weight, logs, values
                )
                for i in range(count):
                    v = f[adm[i]] + values[i]
                    values[i] = v
                    if v < best:
                        best = v
                        arg = adm[i]
            f[e] = best + pen
            last[e] = arg
            for i in range(count):
                if pruned_at[i] == never and values[i] + prune_margin > best + pen:
                    pruned_at[i] = e
        if e == n:
            break
        e += jump
        if e > n or (jump > 1 and e % jump != 0):
            e = n
    if f[n] == math.inf:
        return np.empty(0, dtype=np.int64), math.inf
    bkps = _backtrack(last, n)
    return bkps, f[n] - pen * bkps.size


@njit(**config.NJIT)
def optimal_partition(
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
    """Exact optima for 0..max_bkps breakpoints: ``(costs, breakpoints)``.

    ``F_1(e) = C(0, e)``, ``F_k(e) = min_s F_{k-1}(s) + C(s, e)``. ``costs[k]`` is the least
    sum of segment costs with ``k`` changes (``inf`` when impossible) and
    ``breakpoints[k, :k + 1]`` its breakpoints (``-1`` padded).
    """
    segs = max_bkps + 1
    f = np.full((segs, n + 1), math.inf)
    arg = np.zeros((segs, n + 1), dtype=np.int32)
    starts = np.empty(n + 1, dtype=np.int64)
    column = np.empty(n + 1)
    gram = np.zeros(2 * (n + 1) if kind == RBF else 2)
    logs = log_table(n, len_weight)
    count = 0
    prev_end = 0
    for e in range(1, n + 1):
        if e != n and e % jump != 0:
            continue
        if e < min_size:
            continue
        # Admissible starts: 0 and the multiples of jump in [min_size, e - min_size].
        count = 0
        s = 0
        while s <= e - min_size:
            if s == 0 or s >= min_size:
                starts[count] = s
                count += 1
            s += jump
        advance(kind, data, param, gram, 0, prev_end, e)
        prev_end = e
        fill_column((kind, data, param, work), gram, starts, count, e, len_weight, logs, column)
        f[0, e] = column[0]
        for k in range(1, segs):
            best = math.inf
            best_s = 0
            for i in range(1, count):
                v = f[k - 1, starts[i]] + column[i]
                if v < best:
                    best = v
                    best_s = starts[i]
            f[k, e] = best
            arg[k, e] = best_s
    costs = np.empty(segs)
    bkps = np.full((segs, segs), -1, dtype=np.int64)
    for k in range(segs):
        costs[k] = f[k, n]
        if costs[k] == math.inf:
            continue
        e = n
        for j in range(k, -1, -1):
            bkps[k, j] = e
            e = arg[j, e]
    return costs, bkps


@njit(**config.NJIT)
def sum_of_costs(
    kind: int,
    data: np.ndarray,
    param: float,
    work: np.ndarray,
    bkps: np.ndarray,
    len_weight: float,
) -> float:
    """``sum_k C(b_{k-1}, b_k)`` over the breakpoints ``bkps`` (last = n)."""
    total = 0.0
    s = 0
    for e in bkps:
        total += segment_cost(kind, data, param, work, s, e)
        if len_weight != 0.0:
            total += len_weight * math.log(e - s)
        s = e
    return total
