"""Naive references: slow, obviously correct loops over full matrices.

Every kernel is compared with these. They follow the definitions in the docstrings of
seqalign.warping.align, seqalign.warping.steps, seqalign.warping.windows and
seqalign.localcosts, written as
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
    """C(s, e) straight from the definitions in seqalign.changepoints.costs (x is (n, d))."""
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


# --- soft-DTW ---
# Definitions of seqalign.soft.api written as directly as possible: the recursion on full
# matrices with math.exp/math.log, its backward pass by the chain rule, and, for tiny inputs,
# the soft minimum over every warping path enumerated one by one.


def soft_min(values, gamma: float) -> float:
    """``-gamma log(sum(exp(-v / gamma)))``, shifted by the minimum; inf when all are inf."""
    finite = [v for v in values if v != math.inf]
    if not finite:
        return math.inf
    low = min(finite)
    return low - gamma * math.log(sum(math.exp(-(v - low) / gamma) for v in finite))


def soft_dtw_table(C: np.ndarray, gamma: float, mask: np.ndarray | None = None) -> np.ndarray:
    """``R`` with a border: ``R[0, 0] = 0``, ``R[i + 1, j + 1]`` for cell ``(i, j)``, inf
    outside the mask."""
    n, m = C.shape
    R = np.full((n + 1, m + 1), math.inf)
    R[0, 0] = 0.0
    for i in range(n):
        for j in range(m):
            if mask is None or mask[i, j]:
                preds = (R[i, j], R[i, j + 1], R[i + 1, j])
                R[i + 1, j + 1] = C[i, j] + soft_min(preds, gamma)
    return R


def soft_dtw_value(C: np.ndarray, gamma: float, mask: np.ndarray | None = None) -> float:
    return float(soft_dtw_table(C, gamma, mask)[-1, -1])


def soft_alignment(C: np.ndarray, gamma: float, mask: np.ndarray | None = None) -> np.ndarray:
    """``E = d value / d C``: ``E[c] = sum_s E[s] exp((R[s] - C[s] - R[c]) / gamma)`` over the
    successors ``s`` of ``c``, ``E[n - 1, m - 1] = 1``."""
    n, m = C.shape
    R = soft_dtw_table(C, gamma, mask)
    E = np.zeros((n, m))
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if i == n - 1 and j == m - 1:
                E[i, j] = 1.0
                continue
            if R[i + 1, j + 1] == math.inf:
                continue
            total = 0.0
            for si, sj in ((i + 1, j), (i, j + 1), (i + 1, j + 1)):
                if si < n and sj < m and R[si + 1, sj + 1] != math.inf:
                    weight = math.exp((R[si + 1, sj + 1] - C[si, sj] - R[i + 1, j + 1]) / gamma)
                    total += E[si, sj] * weight
            E[i, j] = total
    return E


def warping_paths(n: int, m: int):
    """Every monotone, continuous path from (0, 0) to (n - 1, m - 1) (tiny sizes only)."""
    if n == 1 and m == 1:
        yield [(0, 0)]
        return
    for di, dj in ((1, 0), (0, 1), (1, 1)):
        if n - di >= 1 and m - dj >= 1:
            for path in warping_paths(n - di, m - dj):
                yield [*path, (n - 1, m - 1)]


def soft_dtw_by_paths(C: np.ndarray, gamma: float) -> tuple[float, np.ndarray]:
    """The definition itself: the soft minimum of every path's cost, and the expected
    alignment (each path's cells weighted by ``exp(-cost / gamma)``, normalised)."""
    n, m = C.shape
    costs, matrices = [], []
    for path in warping_paths(n, m):
        A = np.zeros((n, m))
        for i, j in path:
            A[i, j] = 1.0
        costs.append(float((A * C).sum()))
        matrices.append(A)
    value = soft_min(costs, gamma)
    low = min(costs)
    weights = np.array([math.exp(-(c - low) / gamma) for c in costs])
    weights /= weights.sum()
    return value, sum(w * A for w, A in zip(weights, matrices))


def cost_gradients(x, y, W: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """``sum_j W[i, j] dC[i, j]/dx_i`` and ``sum_i W[i, j] dC[i, j]/dy_j``, frame by frame.

    Derivatives of the local cost: ``2 (a - b)`` (sqeuclidean), ``(a - b) / |a - b|``
    (euclidean, 0 at 0), ``sign(a - b)`` (cityblock), ``-(v - <u, v> u) / |a|`` with unit
    frames ``u``, ``v`` (cosine, 0 for zero frames).
    """
    x = np.asarray(x, float).reshape(len(x), -1)
    y = np.asarray(y, float).reshape(len(y), -1)
    gx, gy = np.zeros_like(x), np.zeros_like(y)
    for i, a in enumerate(x):
        for j, b in enumerate(y):
            if metric == "sqeuclidean":
                da, db = 2 * (a - b), -2 * (a - b)
            elif metric == "euclidean":
                dist = math.sqrt(sum((a - b) ** 2))
                da = (a - b) / dist if dist > 0 else 0 * a
                db = -da
            elif metric == "cityblock":
                da, db = np.sign(a - b), -np.sign(a - b)
            elif metric == "cosine":
                na, nb = math.sqrt(sum(a * a)), math.sqrt(sum(b * b))
                if na == 0 or nb == 0:
                    da, db = 0 * a, 0 * b
                else:
                    u, v = a / na, b / nb
                    dot = float(u @ v)
                    da, db = -(v - dot * u) / na, -(u - dot * v) / nb
            else:
                raise ValueError(metric)
            gx[i] += W[i, j] * da
            gy[j] += W[i, j] * db
    return gx, gy


def soft_dtw_divergence_value(x, y, gamma: float, metric: str = "sqeuclidean") -> float:
    """``sdtw(x, y) - (sdtw(x, x) + sdtw(y, y)) / 2``."""
    xy = soft_dtw_value(cost_matrix(x, y, metric), gamma)
    xx = soft_dtw_value(cost_matrix(x, x, metric), gamma)
    yy = soft_dtw_value(cost_matrix(y, y, metric), gamma)
    return xy - (xx + yy) / 2


def sharp_value(C: np.ndarray, gamma: float, mask: np.ndarray | None = None) -> float:
    """Sharp soft-DTW: the cost of the expected alignment, ``<E, C>``."""
    return float((soft_alignment(C, gamma, mask) * C).sum())


def dba_naive(series, average: np.ndarray, weights=None) -> np.ndarray:
    """One DBA update (Petitjean et al. 2011): each frame of the average becomes the weighted
    mean of the frames that the optimal sqeuclidean symmetric1 paths match to it."""
    from seqalign.warping.steps import STEP_PATTERNS

    weights = np.ones(len(series)) if weights is None else np.asarray(weights, float)
    sums = np.zeros_like(average)
    counts = np.zeros(len(average))
    for w, s in zip(weights, series):
        s = np.asarray(s, float).reshape(len(s), -1)
        C = cost_matrix(average, s, "sqeuclidean")
        D = dtw_full(C, STEP_PATTERNS["symmetric1"].steps, np.ones(C.shape, bool))
        i, j = len(average) - 1, len(s) - 1
        while True:
            sums[i] += w * s[j]
            counts[i] += w
            if i == 0 and j == 0:
                break
            moves = [(i - 1, j - 1), (i - 1, j), (i, j - 1)]
            i, j = min((p for p in moves if p[0] >= 0 and p[1] >= 0), key=lambda p: D[p])
    return sums / counts[:, None]


# --- kernel metrics ---
# seqalign.localcosts' kernel metrics written out one pair of frames at a time: the cost is the
# squared distance in the kernel's feature space, k(a, a) + k(b, b) - 2 k(a, b) (clipped at
# 0), its gradient by the chain rule, and the median heuristic over every pair of frames.


def kernel_value(a, b, name: str, gamma=None, degree=3, coef0=1.0) -> float:
    """``k(a, b)``: linear ``<a, b>``, polynomial ``(gamma <a, b> + coef0)^degree`` (gamma
    default ``1/d``), rbf ``exp(-gamma |a - b|^2)``."""
    dot = sum(float(p) * float(q) for p, q in zip(a, b))
    if name == "linear":
        return dot
    if name == "polynomial":
        g = 1.0 / len(a) if gamma is None else gamma
        return (g * dot + coef0) ** degree
    if name == "rbf":
        return math.exp(-gamma * sum((float(p) - float(q)) ** 2 for p, q in zip(a, b)))
    raise ValueError(name)


def kernel_cost_matrix(x, y, name: str, **params) -> np.ndarray:
    """``C[i, j] = max(0, k(x_i, x_i) + k(y_j, y_j) - 2 k(x_i, y_j))``."""
    k = lambda a, b: kernel_value(a, b, name, **params)  # noqa: E731
    return np.array([[max(0.0, k(a, a) + k(b, b) - 2.0 * k(a, b)) for b in y] for a in x])


def median_gamma_all_pairs(*arrays) -> float:
    """``1 / median |u - v|^2`` over every pair of frames pooled from ``arrays``."""
    frames = [f for a in arrays for f in np.asarray(a, float).reshape(len(a), -1)]
    d2 = [float(((u - v) ** 2).sum()) for u, v in itertools.combinations(frames, 2)]
    med = float(np.median(d2))
    return 1.0 / med if med > 0 else 1.0


def kernel_cost_gradients(x, y, W, name: str, gamma=None, degree=3, coef0=1.0):
    """``sum_j W[i, j] dC[i, j]/dx_i`` and ``sum_i W[i, j] dC[i, j]/dy_j``."""
    gx, gy = np.zeros(x.shape), np.zeros(y.shape)
    g = 1.0 / x.shape[1] if (gamma is None and name == "polynomial") else gamma
    for i, j in itertools.product(range(len(x)), range(len(y))):
        a, b = x[i], y[j]
        if name == "rbf":
            da = 4.0 * g * math.exp(-g * float(((a - b) ** 2).sum())) * (a - b)
            db = -da
        elif name == "polynomial":
            cross = 2.0 * degree * g * (g * float(a @ b) + coef0) ** (degree - 1)
            da = 2.0 * degree * g * (g * float(a @ a) + coef0) ** (degree - 1) * a - cross * b
            db = 2.0 * degree * g * (g * float(b @ b) + coef0) ** (degree - 1) * b - cross * a
        else:  # linear: |a - b|^2
            da, db = 2.0 * (a - b), -2.0 * (a - b)
        gx[i] += W[i, j] * da
        gy[j] += W[i, j] * db
    return gx, gy


# -- subsequence search (seqalign.search): every window, then the greedy exclusion ----------


def znormalise(x: np.ndarray) -> np.ndarray:
    """Per feature: (x - mean) / std (population), 0 where std < 1e-8."""
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    mean, std = x.mean(axis=0), x.std(axis=0)
    return np.where(std < 1e-8, 0.0, (x - mean) / np.where(std < 1e-8, 1.0, std))


def banded_dtw_sq(q: np.ndarray, x: np.ndarray, radius: int) -> float:
    """DTW, squared Euclidean local cost, symmetric1, |i - j| <= radius: a full table."""
    return _banded_dtw(((q[:, None, :] - x[None, :, :]) ** 2).sum(axis=2), radius)


def banded_dtw_cityblock(q: np.ndarray, x: np.ndarray, radius: int) -> float:
    """DTW, cityblock local cost (|q - x| summed over features), symmetric1, |i - j| <=
    radius: a full table."""
    return _banded_dtw(np.abs(q[:, None, :] - x[None, :, :]).sum(axis=2), radius)


#: The search's local cost -> its brute-force banded DTW.
BANDED_DTW = {"sqeuclidean": banded_dtw_sq, "cityblock": banded_dtw_cityblock}


def _banded_dtw(C: np.ndarray, radius: int) -> float:
    """Symmetric1 DTW of the square cost matrix ``C`` in the band |i - j| <= radius."""
    m = len(C)
    D = np.full((m, m), np.inf)
    for i in range(m):
        for j in range(max(0, i - radius), min(m, i + radius + 1)):
            if i == 0 and j == 0:
                D[i, j] = C[0, 0]
                continue
            best = min(
                D[i - 1, j - 1] if i and j else np.inf,
                D[i - 1, j] if i else np.inf,
                D[i, j - 1] if j else np.inf,
            )
            D[i, j] = C[i, j] + best
    return float(D[m - 1, m - 1])


def window_distances(
    query, stream, radius: int, znorm: bool = True, metric: str = "sqeuclidean"
) -> np.ndarray:
    """The distance of every window of ``stream`` to ``query`` (O(n m^2)), with the local
    cost ``metric`` (sqeuclidean or cityblock)."""
    dtw = BANDED_DTW[metric]
    q = np.asarray(query, dtype=float).reshape(len(query), -1)
    s = np.asarray(stream, dtype=float).reshape(len(stream), -1)
    m = len(q)
    q = znormalise(q) if znorm else q
    out = np.empty(max(0, len(s) - m + 1))
    for t in range(len(out)):
        w = s[t : t + m]
        out[t] = dtw(q, znormalise(w) if znorm else w, radius)
    return out


def greedy_matches(distances, k=None, exclusion=0, max_distance=None):
    """``[(distance, stream, start)]``: windows by (distance, stream, start), each accepted
    unless it starts less than ``exclusion`` from an accepted one of its stream; the first
    ``k`` (or every one at most ``max_distance``). ``distances``: one array per stream."""
    rows = sorted((d, s, t) for s, ds in enumerate(distances) for t, d in enumerate(ds))
    accepted: list[tuple[float, int, int]] = []
    for d, s, t in rows:
        if max_distance is not None and d > max_distance:
            break
        if any(s == s2 and abs(t - t2) < exclusion for _, s2, t2 in accepted):
            continue
        accepted.append((d, s, t))
        if k is not None and len(accepted) == k:
            break
    return accepted


def semitone_weights(sr: int, n_fft: int, tuning: float = 0.0) -> np.ndarray:
    """Bin by bin: each STFT bin's share of MIDI pitches 21-108 (linear in tuned pitch)."""
    weights = np.zeros((88, n_fft // 2 + 1))
    for k in range(1, n_fft // 2 + 1):
        pitch = 69.0 + 12.0 * math.log2(k * sr / n_fft / 440.0) - tuning
        low = math.floor(pitch)
        for band, weight in ((low, 1.0 - (pitch - low)), (low + 1, pitch - low)):
            if 21 <= band <= 108:
                weights[band - 21, k] = weight
    return weights


def pitch_energy(y: np.ndarray, sr: int, hop: int, n_fft: int, tuning: float = 0.0):
    """Frame by frame: centred, zero-padded Hann frames, ``|rfft|^2``, the semitone weights."""
    padded = np.pad(np.asarray(y, dtype=float), n_fft // 2)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    weights = semitone_weights(sr, n_fft, tuning)
    out = np.zeros((88, 1 + len(y) // hop))
    for n in range(out.shape[1]):
        frame = padded[n * hop : n * hop + n_fft]
        frame = np.pad(frame, (0, n_fft - len(frame)))
        out[:, n] = weights @ (np.abs(np.fft.rfft(frame * window)) ** 2)
    return out


def pick_peaks(onset: np.ndarray, radius: int, share: float) -> np.ndarray:
    """Keep a value where it is the largest within ``radius`` frames in its row and above
    ``share`` of the largest value."""
    out = np.zeros(onset.shape)
    top = onset.max()
    for p in range(onset.shape[0]):
        for t in range(onset.shape[1]):
            near = onset[p, max(t - radius, 0) : t + radius + 1]
            if onset[p, t] >= near.max() and onset[p, t] > share * top:
                out[p, t] = onset[p, t]
    return out


def attack_events(energy: np.ndarray, rate: float, drop_db: float, ahead: float, back: float):
    """Frame by frame, band by band: the log level ``log1p(1e4 E / max E)`` (0 before the
    first frame); the largest level of this frame and the next ``max(1, round(ahead * rate))``,
    the smallest of the ``max(1, round(back * rate))`` frames before it; an attack where the
    previous level is under ``largest - drop`` and this one is not (``drop``: ``drop_db`` in
    natural-log units of energy), valued ``largest - smallest``."""
    out = np.zeros(energy.shape)
    top = energy.max()
    if top <= 0:
        return out
    n_ahead, n_back = max(1, round(ahead * rate)), max(1, round(back * rate))
    drop = drop_db * math.log(10.0) / 10.0
    for p in range(energy.shape[0]):
        level = [math.log1p(1e4 * e / top) for e in energy[p]]
        for t in range(energy.shape[1]):
            largest = max(level[t : t + n_ahead + 1])
            before = [level[k] if k >= 0 else 0.0 for k in range(t - n_back, t)]
            previous = level[t - 1] if t > 0 else 0.0
            if previous < largest - drop <= level[t]:
                out[p, t] = largest - min(before)
    return out


def onset_clarity(rises: np.ndarray, share: float) -> float:
    """Sum each frame's rises; sort the sums, largest first; the first ``max(1,
    floor(n_frames * share))`` of them over the total (0 when the total is 0)."""
    sums = sorted((sum(float(v) for v in rises[:, t]) for t in range(rises.shape[1])),
                  reverse=True)  # fmt: skip
    total = sum(sums)
    if total <= 0.0:
        return 0.0
    return sum(sums[: max(1, int(len(sums) * share))]) / total


def crp(energy: np.ndarray, cut: int, eta: float) -> np.ndarray:
    """CRP frame by frame, pitch by pitch: log(1 + eta E / max E); the DCT-II sums written
    out; the first ``cut`` coefficients zeroed; the inverse sums; the pitch classes summed;
    each frame divided by its norm (zero frames stay zero)."""
    P, n = energy.shape
    top = energy.max()
    out = np.zeros((12, n))
    for t in range(n):
        v = [math.log1p(eta * energy[p, t] / top) if top > 0 else 0.0 for p in range(P)]
        scale = [math.sqrt((1.0 if k == 0 else 2.0) / P) for k in range(P)]
        c = [scale[k] * sum(v[p] * math.cos(math.pi * (p + 0.5) * k / P) for p in range(P))
             for k in range(P)]  # fmt: skip
        c = [0.0 if k < cut else c[k] for k in range(P)]
        w = [sum(scale[k] * c[k] * math.cos(math.pi * (p + 0.5) * k / P) for k in range(P))
             for p in range(P)]  # fmt: skip
        for p in range(P):
            out[(21 + p) % 12, t] += w[p]
        norm = math.sqrt(sum(out[c_, t] ** 2 for c_ in range(12)))
        if norm > 0:
            out[:, t] /= norm
    return out


# -- shape segmentation (seqalign.changepoints.shape) -------------------------------------


def znormed_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Squared z-normalised Euclidean distance of two windows ``(w, d)``, summed over
    channels (population standard deviation; a flat window is all zeros once normalised)."""
    total = 0.0
    for c in range(a.shape[1]):
        u, v = a[:, c], b[:, c]
        su, sv = u.std(), v.std()
        u = (u - u.mean()) / su if su > 1e-8 else np.zeros_like(u)
        v = (v - v.mean()) / sv if sv > 1e-8 else np.zeros_like(v)
        total += float(((u - v) ** 2).sum()) if su > 1e-8 and sv > 1e-8 else 2.0 * len(u)
    return total


def subsequence_knn(x: np.ndarray, w: int, k: int, exclusion: int):
    """The k nearest windows of each window by :func:`znormed_distance` (ties: the earlier),
    never closer than ``exclusion`` starts; returns (indices, distances), -1/inf padded."""
    x = x.reshape(len(x), -1)
    m = len(x) - w + 1
    index = np.full((m, k), -1)
    dist = np.full((m, k), np.inf)
    for i in range(m):
        cands = sorted(
            (znormed_distance(x[i : i + w], x[j : j + w]), j)
            for j in range(m)
            if abs(i - j) >= exclusion
        )[:k]
        for q, (dd, j) in enumerate(cands):
            index[i, q], dist[i, q] = j, dd
    return index, dist


def split_scores(neighbours: np.ndarray, w: int, lo: int, hi: int) -> np.ndarray:
    """Macro F1 of the majority-vote predictions at each split ``s`` in ``[lo, hi)``: windows
    ``i <= s - w`` are class 0, ``i >= s`` class 1, the others not scored; a neighbour ``j``
    votes ``j >= s``; -inf where a class is empty."""
    m, k = neighbours.shape
    out = np.full(hi - lo, -np.inf)
    for s in range(lo, hi):
        truth, guess = [], []
        for i in range(m):
            if s - w < i < s:
                continue
            votes = sum(1 for j in neighbours[i] if j >= 0 and j >= s)
            truth.append(int(i >= s))
            guess.append(int(votes > k / 2))
        truth, guess = np.array(truth), np.array(guess)
        if truth.min() == truth.max():
            continue
        f1 = []
        for c in (0, 1):
            tp = np.sum((truth == c) & (guess == c))
            fp = np.sum((truth != c) & (guess == c))
            fn = np.sum((truth == c) & (guess != c))
            f1.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
        out[s - lo] = np.mean(f1)
    return out


def summary_mismatch(x: np.ndarray, w: int) -> float:
    """SuSS score: mean over windows of the distance of (mean, std, range) to the whole
    series', divided by sqrt(w)."""
    stats = np.array([x.mean(), x.std(), x.max() - x.min()])
    rows = [
        np.linalg.norm(np.array([v.mean(), v.std(), v.max() - v.min()]) - stats)
        for v in (x[i : i + w] for i in range(len(x) - w + 1))
    ]
    return float(np.mean(rows) / math.sqrt(w))


# --- time maps and refinement (seqalign.warping.timemap, seqalign.warping.refine) -------


def run_index(path, n: int, resume: int | None = None) -> np.ndarray:
    """The ``runs`` time map by walking the path: a knot per maximal horizontal run (row,
    mean column; its last column when it has more than ``resume`` cells), per maximal
    vertical run (mean row, column) and per cell in neither; knots on one row averaged;
    linear between knots, constant outside; running maximum."""
    cells = [(int(i), int(j)) for i, j in path]
    knots = []
    used = [False] * len(cells)
    for axis in (0, 1):
        start = 0
        while start < len(cells):
            end = start
            while end + 1 < len(cells) and cells[end + 1][axis] == cells[start][axis]:
                end += 1
            if end > start:
                for t in range(start, end + 1):
                    used[t] = True
                other = 1 - axis
                centre = (cells[start][other] + cells[end][other]) / 2
                if axis == 0 and resume is not None and end - start + 1 > resume:
                    centre = cells[end][other]
                knots.append((cells[start][0], centre) if axis == 0 else (centre, cells[start][1]))
            start = end + 1
    knots += [cell for cell, u in zip(cells, used) if not u]
    rows = sorted({k[0] for k in knots})
    means = [float(np.mean([k[1] for k in knots if k[0] == r])) for r in rows]
    out = []
    for i in range(n):
        if i <= rows[0]:
            v = means[0]
        elif i >= rows[-1]:
            v = means[-1]
        else:
            r = max(t for t in range(len(rows)) if rows[t] <= i)
            v = means[r] + (means[r + 1] - means[r]) * (i - rows[r]) / (rows[r + 1] - rows[r])
        out.append(v if not out else max(v, out[-1]))
    return np.array(out)


def confidence(C: np.ndarray, path, guard: int, reach: int) -> np.ndarray:
    """``1 - c_path / c_alt`` per row from the full cost matrix, ``c_alt`` the mean of the
    alternatives (1 without alternatives, 0 when ``c_alt`` is 0), cell by cell."""
    n, m = C.shape
    out = []
    for i in range(n):
        cols = [int(j) for r, j in path if r == i]
        p0, p1 = min(cols), max(cols)
        best = min(C[i, j] for j in cols)
        alts = [C[i, j] for j in range(m) if p0 - reach <= j < p0 - guard
                or p1 + guard < j <= p1 + reach]  # fmt: skip
        if not alts:
            out.append(1.0)
            continue
        other = sum(alts) / len(alts)
        out.append(0.0 if other == 0 else min(1.0, max(0.0, 1.0 - best / other)))
    return np.array(out)


def refine_mask(path, n: int, m: int, ratio_a: float, ratio_b: float, radius: int):
    """The band of :func:`seqalign.warping.refine.refine_band` as an (n, m) mask, from its
    definition: fine row k's own range from coarse row floor(k / ratio_a), the union over
    rows within radius, widened by radius, corners included, upper ends non-decreasing."""
    rows_c = {}
    for i, j in path:
        rows_c.setdefault(int(i), []).append(int(j))
    n_c = max(rows_c) + 1
    own = []
    for k in range(n):
        c = min(int(k / ratio_a), n_c - 1)
        cols = rows_c[c]
        own.append((math.floor(min(cols) * ratio_b), math.ceil((max(cols) + 1) * ratio_b)))
    mask = np.zeros((n, m), bool)
    top = 0
    for k in range(n):
        lo = own[max(k - radius, 0)][0] - radius
        hi = own[min(k + radius, n - 1)][1] + radius
        lo, hi = min(max(lo, 0), m - 1), min(max(hi, 1), m)
        lo = 0 if k == 0 else lo
        hi = m if k == n - 1 else hi
        top = max(top, hi, lo + 1)
        mask[k, lo:top] = True
    return mask


def oltw_naive(reference, live, metric="euclidean", weights=(1.0, 1.0, 1.0), max_run=2,
               window=None, start=0, normalise="cells", max_step=None):  # fmt: skip
    """Online time warping as :mod:`seqalign._kernels.follow` defines it, cell by cell with
    dictionaries: the reported position of every live frame (no re-anchoring).

    Column ``t`` covers the reference frames ``[lo, lo + c)``, ``lo`` the last position
    minus ``c // 4`` clipped to ``[0, n - c]``; ``D`` and ``W`` (cost and weight of the best
    path into a cell) and the runs of horizontal and vertical steps that end in it are kept
    per cell; the best cell has the smallest ``D / W`` (``normalise="weights"``) or ``D /
    ((t - t0) + (i - origin) + 1)`` (``"cells"``: ``(t0, origin)`` the path's first cell);
    the position moves towards it by at most ``1 + max_run``, never back. A new path starts
    at ``origin`` (``start``, or the position when no path reaches a column).
    """
    wh, wd, wv = weights
    ref = np.asarray(reference, float)
    n = len(ref)
    c = n if window is None else min(window, n)
    D, W, H = {}, {}, {}  # (i, t) -> cost, weight, horizontal run
    pos, origin, fresh, t0 = start, start, True, 0
    positions = []
    for t, frame in enumerate(np.asarray(live, float)):
        lo = min(max((origin if fresh else pos) - c // 4, 0), n - c)
        if fresh:
            t0 = t
        V = {}
        best_i, best_score = None, math.inf
        for i in range(lo, lo + c):
            d = local_cost(ref[i], frame, metric)
            options = []  # (cost, weight, horizontal run, vertical run), in the tie order
            if fresh:
                if i == origin:
                    options.append((wd * d, wd, 0, 0))
            else:
                if (i - 1, t - 1) in D:
                    options.append((D[i - 1, t - 1] + wd * d, W[i - 1, t - 1] + wd, 0, 0))
                if (i, t - 1) in D and H[i, t - 1] < max_run:
                    options.append((D[i, t - 1] + wh * d, W[i, t - 1] + wh, H[i, t - 1] + 1, 0))
            if (i - 1, t) in D and V[i - 1] < max_run and not (fresh and i <= origin):
                options.append((D[i - 1, t] + wv * d, W[i - 1, t] + wv, 0, V[i - 1] + 1))
            if not options:
                continue
            cost, weight, h, v = options[0]
            for option in options[1:]:
                if option[0] < cost:
                    cost, weight, h, v = option
            D[i, t], W[i, t], H[i, t], V[i] = cost, weight, h, v
            score = cost / weight if normalise == "weights" else cost / (t - t0 + i - origin + 1)
            if score < best_score:
                best_i, best_score = i, score
        if best_i is None:  # no path reaches this column: a new one starts where we are
            origin = origin if fresh else pos
            pos, fresh = origin, True
        elif fresh:
            pos, fresh = origin, False
        else:
            pos = pos + min(max(best_i - pos, 0), 1 + max_run if max_step is None else max_step)
        positions.append(pos)
    return np.array(positions)


# --- skipped frames (seqalign.warping.skipping) ---------------------------------------------


def expand_path(path, kept_a, kept_b) -> np.ndarray:
    """A path over kept frames on all frames: each cell mapped to its frames, and between two
    consecutive cells the straight line through the frames left out, a cell per step of the
    longer side, each coordinate rounded to the nearest frame (halves up)."""
    cells = [(int(kept_a[p]), int(kept_b[q])) for p, q in path]
    out = [cells[0]]
    for (i0, j0), (i1, j1) in itertools.pairwise(cells):
        steps = max(i1 - i0, j1 - j0)
        for k in range(1, steps + 1):
            out.append((i0 + math.floor((i1 - i0) * k / steps + 0.5),
                        j0 + math.floor((j1 - j0) * k / steps + 0.5)))  # fmt: skip
    return np.array(out, dtype=np.int64)


def percentile(values, q: float) -> float:
    """The ``q``-th percentile, interpolated linearly between the sorted values (numpy's
    default)."""
    ordered = sorted(float(v) for v in values)
    position = q / 100 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def level_gain(energy: np.ndarray, rate: float, window: float, floor_db: float, lift_db: float,
               noise_db: float, noise_percentile: float, noise_bands: float):  # fmt: skip
    """Frame by frame: the loudest band in dB (at least ``floor_db`` under the largest); the
    largest of those within ``r = max(1, round(window * rate))`` frames (the ends repeated
    beyond the edges); the mean of that within ``r`` frames (likewise); the gain
    ``10 ** (min(max(top - mean, 0), lift) / 10)``, ``lift`` the smaller of ``lift_db`` and
    the room over the noise: ``top`` minus the ``noise_bands``-th percentile over the bands
    of each band's ``noise_percentile``-th percentile over the frames, minus ``noise_db``;
    ones when everything is zero."""
    n = energy.shape[1]
    top = float(energy.max()) if energy.size else 0.0
    if top <= 0.0:
        return np.ones(n)
    least = top * 10 ** (-floor_db / 10)
    level = [10 * math.log10(max(float(energy[:, t].max()), least)) for t in range(n)]
    r = max(1, round(window * rate))

    def at(values, k):
        return values[min(max(k, 0), n - 1)]

    largest = [max(at(level, k) for k in range(t - r, t + r + 1)) for t in range(n)]
    mean = [sum(at(largest, k) for k in range(t - r, t + r + 1)) / (2 * r + 1) for t in range(n)]
    top_db = 10 * math.log10(top)
    noise = percentile([percentile(band, noise_percentile) for band in energy], noise_bands)
    room = top_db - 10 * math.log10(max(noise, top * 1e-30)) - noise_db
    lift = min(max(room, 0.0), lift_db)
    return np.array([10 ** (min(max(top_db - m, 0.0), lift) / 10) for m in mean])


def tonality(samples, sr: float, frame_s: float, band_hz: tuple[float, float],
             half_width: int) -> float:  # fmt: skip
    """10 log10 of the mean over the bins within ``band_hz`` (those whose median is not zero)
    of the power over its running median: the power spectrum averaged over Hann frames of
    ``2 ** round(log2(max(frame_s * sr, 64)))`` samples every quarter frame (the samples
    zero-padded to one frame), the median over the bins within ``half_width`` of each (the
    end bins repeated); 0 when no bin is left."""
    n_fft = int(2 ** round(math.log2(max(frame_s * sr, 64.0))))
    samples = [float(v) for v in samples] + [0.0] * max(0, n_fft - len(samples))
    window = [0.5 - 0.5 * math.cos(2 * math.pi * k / n_fft) for k in range(n_fft)]
    starts = range(0, len(samples) - n_fft + 1, max(1, n_fft // 4))
    power = [0.0] * (n_fft // 2 + 1)
    for start in starts:
        spectrum = np.fft.rfft([samples[start + k] * window[k] for k in range(n_fft)])
        for k, value in enumerate(spectrum):
            power[k] += abs(value) ** 2 / len(starts)
    ratios = []
    for k in range(len(power)):
        if band_hz[0] <= k * sr / n_fft <= band_hz[1]:
            near = [power[min(max(j, 0), len(power) - 1)]
                    for j in range(k - half_width, k + half_width + 1)]  # fmt: skip
            median = sorted(near)[half_width]
            if median > 0:
                ratios.append(power[k] / median)
    return 10 * math.log10(sum(ratios) / len(ratios)) if ratios else 0.0


def sounding_span(signal, sr: float, block_s: float, margin_db: float, depth_db: float,
                  floor_percentile: float, window_s: float, tonal_db: float, rise_db: float,
                  rise_percentile: float, tonal: dict):  # fmt: skip
    """The first and last block (``block_s`` seconds) whose mean power, in dB, reaches the
    ``floor_percentile``-th percentile block plus ``margin_db`` or the 95th minus
    ``depth_db``, whichever is lower; ``(0, duration)`` when none does or there is no whole
    block. Then room noise off each end: windows of ``window_s`` (in whole blocks), from
    each end inward, whose mean power is within ``margin_db`` of the ``floor_percentile``-th
    percentile of the mean powers of the windows from the first block, and whose
    :func:`tonality` (``tonal``: its other arguments) is under ``tonal_db``, unless every
    window from the start is; the span then begins at the first block, from the last noise
    window on, at least ``rise_db`` over the ``rise_percentile``-th percentile of the noise's
    blocks (else after that window), and ends likewise."""
    block = max(1, round(block_s * sr))
    n_blocks = len(signal) // block
    if n_blocks == 0:
        return 0.0, len(signal) / sr
    levels = []
    for k in range(n_blocks):
        power = sum(float(v) * float(v) for v in signal[k * block : (k + 1) * block]) / block
        levels.append(10.0 * math.log10(power + 1e-20))
    floor = percentile(levels, floor_percentile)
    threshold = min(floor + margin_db, percentile(levels, 95.0) - depth_db)
    sounding = [k for k, level in enumerate(levels) if level >= threshold]
    if not sounding:
        return 0.0, len(signal) / sr
    first, stop = sounding[0], sounding[-1] + 1
    width = max(1, round(window_s / block_s))
    windows = [sum(10 ** (level / 10) for level in levels[k : k + width]) / width
               for k in range(0, max(1, n_blocks // width) * width, width)]  # fmt: skip
    floor = 10 * math.log10(percentile(windows, floor_percentile) + 1e-20)

    def is_noise(k):
        power = sum(10 ** (level / 10) for level in levels[k : k + width]) / width
        if 10 * math.log10(max(power, 1e-20)) > floor + margin_db:
            return False
        return tonality(signal[k * block : (k + width) * block], sr, **tonal) < tonal_db

    windows = list(range(first, stop - width + 1, width))
    lead = list(itertools.takewhile(is_noise, windows))
    if len(lead) == len(windows):
        return first * block / sr, stop * block / sr
    if lead:
        start = lead[-1]
        rise = percentile(levels[first : start + width], rise_percentile) + rise_db
        loud = [k for k in range(start, min(start + 2 * width, n_blocks)) if levels[k] >= rise]
        first = loud[0] if loud else start + width
    ends = list(range(stop - width, first - 1, -width))
    tail = list(itertools.takewhile(is_noise, ends))
    if tail and len(tail) < len(ends):
        end = tail[-1]
        low = max(first, end - width)
        rise = percentile(levels[end:stop], rise_percentile) + rise_db
        loud = [k for k in range(low, min(end + width, n_blocks)) if levels[k] >= rise]
        stop = loud[-1] + 1 if loud else end
    return first * block / sr, stop * block / sr


def stretch_frames(data, n_frames: int) -> np.ndarray:
    """Frame ``k`` of the result: the input read at ``k (n - 1) / (n_frames - 1)``, between its
    two neighbouring frames by linear interpolation."""
    n = len(data)
    out = []
    for k in range(n_frames):
        at = k * (n - 1) / (n_frames - 1)
        below = min(int(at), n - 2)
        share = at - below
        out.append([(1 - share) * data[below][f] + share * data[below + 1][f]
                    for f in range(len(data[0]))])  # fmt: skip
    return np.array(out, dtype=np.float64)
