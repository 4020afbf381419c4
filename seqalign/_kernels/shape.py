"""Kernels of shape-change segmentation (:mod:`seqalign.changepoints.shape`).

* :func:`window_stats`: mean and standard deviation of every window of ``w`` frames;
* :func:`summary_mismatch`: how far the windows' mean, spread and range are from the whole
  series' (the SuSS width score, Ermshaus, Schäfer & Leser 2022);
* :func:`knn_part` and :func:`merge_neighbours`: the ``k`` nearest neighbours of every
  subsequence under the z-normalised Euclidean distance (a self-join walked along the
  diagonals of the distance matrix, as STOMP does; Zhu et al. 2016);
* :func:`split_scores`: the classification score profile (ClaSP; Schäfer, Ermshaus & Leser
  2021), every split in ``O(n k)`` overall.

Distances: for windows ``a`` and ``b`` of ``w`` frames of one channel, z-normalised
(population standard deviation), ``||a' - b'||^2 = 2 w (1 - r(a, b))`` with ``r`` Pearson's
correlation; over several channels the squared distances add, so the nearest neighbours are
those with the largest sum of correlations. A window with no spread (standard deviation
below ``1e-8`` times the series') correlates 0 with every other. Ties go to the earlier
window.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config

#: Steps along a diagonal after which its dot products are recomputed from scratch, so that
#: the rounding of the running update cannot drift.
REFRESH = 512


@njit(**config.NJIT)
def window_stats(x: np.ndarray, w: int) -> tuple:
    """Mean and population standard deviation of the windows ``x[i:i + w]`` of a 1-D array,
    ``i = 0 .. n - w`` (running sums, recomputed every :data:`REFRESH` windows)."""
    n = x.shape[0]
    m = n - w + 1
    mean = np.empty(m)
    std = np.empty(m)
    total = 0.0
    squares = 0.0
    for i in range(m):
        if i % REFRESH == 0:
            total = 0.0
            squares = 0.0
            for t in range(i, i + w):
                total += x[t]
                squares += x[t] * x[t]
        else:
            a = x[i - 1]
            b = x[i + w - 1]
            total += b - a
            squares += b * b - a * a
        mu = total / w
        var = squares / w - mu * mu
        mean[i] = mu
        std[i] = math.sqrt(var) if var > 0.0 else 0.0
    return mean, std


@njit(**config.NJIT)
def summary_mismatch(x: np.ndarray, w: int) -> float:
    """SuSS score of width ``w`` on a series scaled to ``[0, 1]``: the mean over windows of
    ``sqrt((mean - M)^2 + (std - S)^2 + (range - R)^2) / sqrt(w)``, with ``M``, ``S``, ``R``
    the whole series' mean, standard deviation and range (sliding minimum and maximum by
    monotone queues, Lemire 2006)."""
    n = x.shape[0]
    m = n - w + 1
    total_mean = 0.0
    for i in range(n):
        total_mean += x[i]
    total_mean /= n
    total_var = 0.0
    lo_all = x[0]
    hi_all = x[0]
    for i in range(n):
        total_var += (x[i] - total_mean) ** 2
        lo_all = min(lo_all, x[i])
        hi_all = max(hi_all, x[i])
    total_std = math.sqrt(total_var / n)
    total_range = hi_all - lo_all
    mean, std = window_stats(x, w)
    lows = np.empty(n, dtype=np.int64)
    highs = np.empty(n, dtype=np.int64)
    lo_head = lo_tail = hi_head = hi_tail = 0
    out = 0.0
    for t in range(n):
        while lo_tail > lo_head and x[lows[lo_tail - 1]] >= x[t]:
            lo_tail -= 1
        lows[lo_tail] = t
        lo_tail += 1
        while hi_tail > hi_head and x[highs[hi_tail - 1]] <= x[t]:
            hi_tail -= 1
        highs[hi_tail] = t
        hi_tail += 1
        i = t - w + 1
        if i < 0:
            continue
        while lows[lo_head] < i:
            lo_head += 1
        while highs[hi_head] < i:
            hi_head += 1
        spread = x[highs[hi_head]] - x[lows[lo_head]]
        out += math.sqrt(
            (mean[i] - total_mean) ** 2 + (std[i] - total_std) ** 2 + (spread - total_range) ** 2
        )
    return out / m / math.sqrt(w)


@njit(inline="always", **config.NJIT)
def _offer(best: np.ndarray, index: np.ndarray, row: int, r: float, j: int) -> None:
    """Insert neighbour ``j`` of correlation ``r`` into ``row``'s sorted top list (larger
    correlation first, then smaller index; ``best`` starts at ``-inf``, ``index`` at -1)."""
    last = best.shape[1] - 1
    worst = best[row, last]
    if r < worst:
        return
    if r == worst and index[row, last] <= j:
        return
    p = last
    while p > 0:
        above = best[row, p - 1]
        if above > r or (above == r and index[row, p - 1] < j):
            break
        best[row, p] = above
        index[row, p] = index[row, p - 1]
        p -= 1
    best[row, p] = r
    index[row, p] = j


@njit(**config.NJIT)
def knn_part(
    x: np.ndarray,
    shifted: np.ndarray,
    scaled: np.ndarray,
    geometry: tuple,
    best: np.ndarray,
    index: np.ndarray,
) -> None:
    """Offer every pair of windows on the diagonals ``t = exclusion + phase + u * stride``
    (``j = i + t``) to both windows' top lists.

    ``x`` is ``(d, n)`` (channels first, each contiguous); ``shifted`` and ``scaled`` are
    ``(d, m)``: each window's mean times the inverse of its standard deviation, and that
    inverse over ``sqrt(w)`` (both 0 for a window with no spread), so that the correlation
    of windows ``i`` and ``j`` of a channel is ``dot(i, j) * scaled[i] * scaled[j] -
    shifted[i] * shifted[j]``; ``geometry`` is ``(w, exclusion, phase, stride)``; ``best``
    ``(m, k)`` (filled with ``-inf``) and ``index`` ``(m, k)`` (filled with -1) receive the
    sums of correlations and the neighbours. Windows closer than ``exclusion`` starts are
    never neighbours. Each diagonal goes in blocks of :data:`REFRESH` windows: the dot
    products of a block's first pair are computed afresh, the others by the running update,
    the correlations of the whole block before any list is touched (so that they vectorise).
    """
    w, exclusion, phase, stride = geometry
    d, n = x.shape
    m = n - w + 1
    last = best.shape[1] - 1
    block = np.empty(REFRESH)
    for t in range(exclusion + phase, m, stride):
        length = m - t
        for start in range(0, length, REFRESH):
            stop = min(start + REFRESH, length)
            block[: stop - start] = 0.0
            for c in range(d):
                row = x[c]
                acc = 0.0
                for u in range(w):
                    acc += row[start + u] * row[start + t + u]
                sc = scaled[c]
                sh = shifted[c]
                block[0] += acc * sc[start] * sc[start + t] - sh[start] * sh[start + t]
                for i in range(start + 1, stop):
                    j = i + t
                    acc += row[i + w - 1] * row[j + w - 1] - row[i - 1] * row[j - 1]
                    block[i - start] += acc * sc[i] * sc[j] - sh[i] * sh[j]
            for i in range(start, stop):
                r = block[i - start]
                j = i + t
                if r >= best[i, last]:  # the common case, neither list changes: two loads
                    _offer(best, index, i, r, j)
                if r >= best[j, last]:
                    _offer(best, index, j, r, i)


@njit(**config.NJIT)
def merge_neighbours(best: np.ndarray, index: np.ndarray) -> tuple:
    """The ``k`` nearest neighbours of each window from several partial top lists:
    ``best`` and ``index`` are ``(parts, m, k)``; returns ``(m, k)`` neighbours (-1 where a
    window has fewer than ``k``) and their sums of correlations, best first."""
    parts, m, k = best.shape
    out_best = np.full((m, k), -np.inf)
    out_index = np.full((m, k), -1, dtype=np.int64)
    for i in range(m):
        for part in range(parts):
            for q in range(k):
                j = index[part, i, q]
                if j >= 0:
                    _offer(out_best, out_index, i, best[part, i, q], j)
    return out_index, out_best


@njit(**config.NJIT)
def _reverse(neighbours: np.ndarray) -> tuple:
    """For each window ``j``, the windows that have ``j`` among their neighbours, as a CSR
    pair ``(starts, rows)``: ``rows[starts[j]:starts[j + 1]]``."""
    m, k = neighbours.shape
    starts = np.zeros(m + 1, dtype=np.int64)
    for i in range(m):
        for q in range(k):
            if neighbours[i, q] >= 0:
                starts[neighbours[i, q] + 1] += 1
    for j in range(m):
        starts[j + 1] += starts[j]
    rows = np.empty(starts[m], dtype=np.int64)
    fill = starts[:m].copy()
    for i in range(m):
        for q in range(k):
            j = neighbours[i, q]
            if j >= 0:
                rows[fill[j]] = i
                fill[j] += 1
    return starts, rows


@njit(inline="always", **config.NJIT)
def _f1_pair(a: int, b: int, c: int) -> float:
    """F1 of one class with ``a`` true positives, ``b`` false positives, ``c`` false
    negatives (0 when the class is never predicted or never right)."""
    if a == 0:
        return 0.0
    return 2.0 * a / (2.0 * a + b + c)


@njit(**config.NJIT)
def split_scores(neighbours: np.ndarray, w: int, lo: int, hi: int) -> np.ndarray:
    """The classification score of each split ``s`` in ``[lo, hi)`` of ``m`` windows.

    At split ``s`` the windows ending before it (``i <= s - w``) are class 0 and those
    starting at or after it (``i >= s``) class 1; the ``w - 1`` windows that straddle it are
    not scored. A neighbour ``j`` votes for class ``j >= s``; a window is predicted the
    majority class of its ``k`` votes (class 1 needs more than half). The score is the
    macro F1 of the predictions (the mean of both classes' F1; -inf where a class is empty).
    Moving the split by one changes the votes of the windows that have the window ``s`` as a
    neighbour only, so the whole profile costs ``O(m k + hi - lo)``.
    """
    m, k = neighbours.shape
    starts, rows = _reverse(neighbours)
    votes = np.zeros(m, dtype=np.int64)
    for i in range(m):
        for q in range(k):
            if neighbours[i, q] >= lo:
                votes[i] += 1
    half = k / 2.0
    # confusion counts: n_ab = true class a, predicted b
    n00 = n01 = n10 = n11 = 0
    for i in range(max(lo - w + 1, 0)):
        if votes[i] > half:
            n01 += 1
        else:
            n00 += 1
    for i in range(lo, m):
        if votes[i] > half:
            n11 += 1
        else:
            n10 += 1
    out = np.full(hi - lo, -np.inf)
    for s in range(lo, hi):
        if s > lo:
            v = s - 1  # leaves class 1 (it straddles s) and now votes 0 where it is a neighbour
            if votes[v] > half:
                n11 -= 1
            else:
                n10 -= 1
            for r in range(starts[v], starts[v + 1]):
                i = rows[r]
                before = votes[i] > half
                votes[i] -= 1
                if before and votes[i] <= half:
                    if i >= s:
                        n11 -= 1
                        n10 += 1
                    elif i < s - w:  # already class 0
                        n01 -= 1
                        n00 += 1
            e = s - w  # now ends before the split: joins class 0
            if e >= 0:
                if votes[e] > half:
                    n01 += 1
                else:
                    n00 += 1
        if n00 + n01 == 0 or n10 + n11 == 0:
            continue
        out[s - lo] = 0.5 * (_f1_pair(n00, n10, n01) + _f1_pair(n11, n01, n10))
    return out
