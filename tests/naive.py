"""Naive references: slow, obviously correct loops over full matrices.

Every kernel is compared with these. They follow the definitions in the docstrings of
seqalign.align, seqalign.steps, seqalign.windows and seqalign.metrics, written as
directly as possible (dtw-python's reading of a step pattern: for each step, the origin's
accumulated cost plus the weighted local costs of the cells it passes through).
"""

from __future__ import annotations

import itertools
import math

import numpy as np


def local_cost(a: np.ndarray, b: np.ndarray, metric: str) -> float:
    """Cost between two frames (1-D vectors)."""
    if metric == "sqeuclidean":
        return float(sum((p - q) ** 2 for p, q in zip(a, b)))
    if metric == "euclidean":
        return math.sqrt(sum((p - q) ** 2 for p, q in zip(a, b)))
    if metric == "cityblock":
        return float(sum(abs(p - q) for p, q in zip(a, b)))
    if metric == "cosine":
        na = math.sqrt(sum(p * p for p in a))
        nb = math.sqrt(sum(q * q for q in b))
        if na == 0 and nb == 0:
            return 0.0
        if na == 0 or nb == 0:
            return 1.0
        return max(0.0, 1.0 - sum(p * q for p, q in zip(a, b)) / (na * nb))
    raise ValueError(metric)


def cost_matrix(x: np.ndarray, y: np.ndarray, metric: str) -> np.ndarray:
    x = np.asarray(x, float).reshape(len(x), -1)
    y = np.asarray(y, float).reshape(len(y), -1)
    return np.array([[local_cost(a, b, metric) for b in y] for a in x])


def window_mask(window: str, n: int, m: int, radius: int | None) -> np.ndarray:
    """Boolean (n, m) mask, cell by cell from the definitions (as dtw-python's)."""
    mask = np.zeros((n, m), bool)
    for i in range(n):
        for j in range(m):
            if window == "none":
                ok = True
            elif window == "sakoechiba":
                ok = abs(j - i) <= radius
            elif window == "slantedband":
                diag = i * (m - 1) / (n - 1) if n > 1 else 0.0
                ok = abs(j - diag) <= radius + 1e-9
            elif window == "itakura":
                ok = (
                    j <= 2 * i
                    and i <= 2 * j + 1
                    and i >= n - 2 * m + 2 * j
                    and j > m - 2 * n + 2 * i
                )
            else:
                raise ValueError(window)
            mask[i, j] = ok
    return mask


def dtw_full(C: np.ndarray, steps, mask: np.ndarray, open_begin: bool = False) -> np.ndarray:
    """Accumulated cost matrix D (inf where unreachable) for a step pattern's steps.

    ``steps`` is ``StepPattern.steps``: ``((di0, dj0), ((di, dj, w), ...))``. Open begin
    adds a virtual row -1 with D = 0 and C = 0.
    """
    n, m = C.shape
    D = np.full((n, m), np.inf)

    def acc(i, j):
        if i == -1 and open_begin and 0 <= j < m:
            return 0.0
        if i < 0 or j < 0:
            return np.inf
        return D[i, j]

    for i in range(n):
        for j in range(m):
            if not mask[i, j]:
                continue
            if i == 0 and j == 0 and not open_begin:
                D[0, 0] = C[0, 0]
                continue
            best = np.inf
            for (di0, dj0), cells in steps:
                v = acc(i - di0, j - dj0)
                if v == np.inf:
                    continue
                for di, dj, w in cells:
                    if i - di >= 0:
                        v += w * C[i - di, j - dj]
                best = min(best, v)
            D[i, j] = best
    return D


def dtw_naive(C, pattern, window="none", radius=None, open_begin=False, open_end=False):
    """(distance, normalized distance, end column) from the full matrices."""
    n, m = C.shape
    D = dtw_full(C, pattern.steps, window_mask(window, n, m, radius), open_begin)
    last = D[-1]
    norm = pattern.normalization
    cols = np.arange(1, m + 1)
    den = {"N+M": n + cols, "N": np.full(m, n), "M": cols}.get(norm)
    end = m - 1
    if open_end:
        end = int(np.argmin(last if den is None else last / den))
    dist = last[end]
    return dist, (math.nan if den is None else dist / den[end]), end


def path_cost(C: np.ndarray, path: np.ndarray, pattern) -> float:
    """Cost of a path under a pattern whose steps each touch one cell (symmetric1/2,
    asymmetric): C at the first cell, then each move's weight times C at its end."""
    weight = {}
    for (di0, dj0), cells in pattern.steps:
        assert len(cells) == 1, "single-cell steps only"
        weight[(di0, dj0)] = cells[0][2]
    total = C[path[0][0], path[0][1]]
    for (i0, j0), (i1, j1) in itertools.pairwise(path):
        total += weight[(int(i1 - i0), int(j1 - j0))] * C[i1, j1]
    return float(total)


# --- changepoint segmentation ---------------------------------------------------------


def segment_cost(x: np.ndarray, s: int, e: int, cost: str, *, gamma=1.0, eps=1e-6) -> float:
    """C(s, e) straight from the definitions in seqalign.costs (x is (n, d))."""
    seg = x[s:e]
    length = e - s
    if cost == "l2":
        return float(((seg - seg.mean(axis=0)) ** 2).sum())
    if cost == "cosine":
        norms = np.linalg.norm(seg, axis=1, keepdims=True)
        unit = seg / np.where(norms == 0, 1, norms)
        return float(((unit - unit.mean(axis=0)) ** 2).sum())
    if cost == "l1":
        return float(np.abs(seg - np.median(seg, axis=0)).sum())
    if cost == "normal":
        centred = seg - seg.mean(axis=0)
        cov = centred.T @ centred / length + eps * np.eye(x.shape[1])
        return float(length * np.linalg.slogdet(cov)[1])
    if cost == "linear":
        y, covariates = seg[:, 0], seg[:, 1:]
        coef = np.linalg.lstsq(covariates, y, rcond=None)[0]
        return float(((y - covariates @ coef) ** 2).sum())
    if cost == "rbf":
        total = sum(
            math.exp(-gamma * float(((seg[t] - seg[u]) ** 2).sum()))
            for t in range(length)
            for u in range(length)
        )
        return float(length - total / length)
    raise ValueError(cost)


def _allowed(bkps, n, min_size, jump) -> bool:
    edges = [0, *bkps, n]
    return all(b % jump == 0 for b in bkps) and all(
        edges[i + 1] - edges[i] >= min_size for i in range(len(edges) - 1)
    )


def all_segmentations(n: int, min_size: int = 1, jump: int = 1):
    """Every breakpoint list (last = n) allowed by min_size and jump."""
    inner = range(1, n)
    for k in range(n):
        for combo in itertools.combinations(inner, k):
            if _allowed(combo, n, min_size, jump):
                yield [*combo, n]


def total_cost(x, bkps, cost, len_weight=0.0, **kw) -> float:
    edges = [0, *bkps]
    return sum(
        segment_cost(x, edges[i], edges[i + 1], cost, **kw)
        + len_weight * math.log(edges[i + 1] - edges[i])
        for i in range(len(bkps))
    )


def exhaustive_penalised(x, cost, pen, min_size=1, jump=1, len_weight=0.0, **kw):
    """(least objective, its breakpoints) of sum C + pen * changes, by enumeration."""
    best = (math.inf, None)
    for bkps in all_segmentations(len(x), min_size, jump):
        value = total_cost(x, bkps, cost, len_weight, **kw) + pen * (len(bkps) - 1)
        if value < best[0] - 1e-9:
            best = (value, bkps)
    return best


def exhaustive_fixed(x, cost, n_bkps, min_size=1, jump=1, **kw):
    """(least sum of costs with n_bkps changes, its breakpoints), by enumeration."""
    best = (math.inf, None)
    for bkps in all_segmentations(len(x), min_size, jump):
        if len(bkps) - 1 != n_bkps:
            continue
        value = total_cost(x, bkps, cost, **kw)
        if value < best[0] - 1e-9:
            best = (value, bkps)
    return best


def binseg_greedy(x, cost, n_bkps, min_size=1, jump=1, **kw):
    """Greedy binary segmentation: each step the split that lowers the total most."""
    bkps = [len(x)]
    for _ in range(n_bkps):
        best = (-math.inf, None)
        edges = [0, *bkps]
        for a, b in itertools.pairwise(edges):
            whole = segment_cost(x, a, b, cost, **kw)
            for t in range(a + 1, b):
                if t % jump or t - a < min_size or b - t < min_size:
                    continue
                gain = whole - segment_cost(x, a, t, cost, **kw) - segment_cost(x, t, b, cost, **kw)
                if gain > best[0]:
                    best = (gain, t)
        if best[1] is None:
            break
        bkps = sorted([*bkps, best[1]])
    return bkps
