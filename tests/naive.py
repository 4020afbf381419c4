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
