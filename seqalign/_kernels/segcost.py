"""Segment costs for changepoint search: ``C(s, e)`` for the frames ``s <= t < e``.

Every cost is a code (an integer) and one ``data`` array; the searches call
:func:`segment_cost` or :func:`fill_column` and never know which cost they use.

=======  =========================================================  =====================
code     ``C(s, e)``, ``L = e - s``                                  ``data``
=======  =========================================================  =====================
L2       ``sum_t ||x_t - mean||^2`` (squared, not normalised)        prefix sums
NORMAL   ``L * log det(Sigma + eps * I)``, Sigma the maximum-        prefix sums
         likelihood (ddof 0) covariance of the segment
LINEAR   residual sum of squares of ``y ~ X b`` by least squares,    prefix sums
         ``y`` the first column, ``X`` the others (no intercept)
L1       ``sum_t ||x_t - median||_1`` (coordinate-wise median)       the frames
RBF      ``L - (1/L) sum_{t,u} exp(-gamma ||x_t - x_u||^2)``          the frames
=======  =========================================================  =====================

Prefix-sum costs take ``O(1)`` (``O(d^3)`` for NORMAL and LINEAR) per segment. L1 takes
``O(L log L)``. RBF evaluated alone takes ``O(L^2)``; the searches instead sweep the segment
end ``e`` forward and keep, for every start ``s``, the Gram sum ``W[s] = sum_{t,u in [s, e)}
k(x_t, x_u)`` up to date (:func:`advance`), which gives a whole column ``C(., e)`` in
``O(e - lo)`` time and ``O(n)`` memory, never the ``n x n`` Gram matrix.

A searched cost may add ``w * log(L)`` per segment (the MBIC segment term): the searches
take ``w`` as ``len_weight``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config

L2 = 0
NORMAL = 1
LINEAR = 2
L1 = 3
RBF = 4


@njit(**config.NJIT)
def _cholesky_logdet(a: np.ndarray, d: int) -> float:
    """log det of the symmetric positive definite ``a[:d, :d]``, overwritten by its factor.

    Returns ``-inf`` when the matrix is not positive definite.
    """
    logdet = 0.0
    for j in range(d):
        s = a[j, j]
        for k in range(j):
            s -= a[j, k] * a[j, k]
        if s <= 0.0:
            return -math.inf
        r = math.sqrt(s)
        a[j, j] = r
        logdet += 2.0 * math.log(r)
        for i in range(j + 1, d):
            s = a[i, j]
            for k in range(j):
                s -= a[i, k] * a[j, k]
            a[i, j] = s / r
    return logdet


@njit(**config.NJIT)
def _normal(data: np.ndarray, eps: float, work: np.ndarray, s: int, e: int) -> float:
    d = work.shape[0]
    length = e - s
    inv = 1.0 / length
    col = d
    for i in range(d):
        mi = (data[e, i] - data[s, i]) * inv
        for j in range(i + 1):
            mj = (data[e, j] - data[s, j]) * inv
            v = (data[e, col] - data[s, col]) * inv - mi * mj
            work[i, j] = v
            col += 1
        work[i, i] += eps
    logdet = _cholesky_logdet(work, d)
    if logdet == -math.inf:  # rounding made a singular covariance slightly indefinite
        return length * (d * math.log(eps) if eps > 0.0 else -1e300)
    return length * logdet


@njit(**config.NJIT)
def _linear(data: np.ndarray, work: np.ndarray, s: int, e: int) -> float:
    p = work.shape[0]
    yy = data[e, 0] - data[s, 0]
    col = 1 + p
    trace = 0.0
    for i in range(p):
        for j in range(i + 1):
            work[i, j] = data[e, col] - data[s, col]
            col += 1
        trace += work[i, i]
    # A ridge far below rounding keeps rank-deficient segments (fewer frames than
    # regressors) solvable; their least-squares residual is then ~0, as lstsq gives.
    ridge = 1e-12 * trace / p if trace > 0.0 else 1e-300
    for i in range(p):
        work[i, i] += ridge
    if _cholesky_logdet(work, p) == -math.inf:
        return 0.0
    # With X'X = R R' (R lower), solve R z = X'y: then RSS = y'y - ||z||^2.
    explained = 0.0
    for i in range(p):
        z = data[e, 1 + i] - data[s, 1 + i]
        for k in range(i):
            z -= work[i, k] * work[k, p]
        z /= work[i, i]
        work[i, p] = z
        explained += z * z
    return max(yy - explained, 0.0)


@njit(**config.NJIT)
def _l1(x: np.ndarray, s: int, e: int) -> float:
    total = 0.0
    for j in range(x.shape[1]):
        column = np.sort(x[s:e, j])
        length = e - s
        half = length // 2
        median = column[half] if length % 2 == 1 else 0.5 * (column[half - 1] + column[half])
        for t in range(length):
            total += abs(column[t] - median)
    return total


@njit(**config.NJIT)
def _rbf_pair(x: np.ndarray, gamma: float, t: int, u: int) -> float:
    d2 = 0.0
    for f in range(x.shape[1]):
        diff = x[t, f] - x[u, f]
        d2 += diff * diff
    return math.exp(-gamma * d2)


@njit(**config.NJIT)
def _rbf(x: np.ndarray, gamma: float, s: int, e: int) -> float:
    total = 0.0
    for t in range(s, e):
        for u in range(s, t):
            total += _rbf_pair(x, gamma, t, u)
    length = e - s
    return length - (2.0 * total + length) / length


@njit(**config.NJIT)
def log_table(n: int, len_weight: float) -> np.ndarray:
    """``log(k)`` for ``k <= n`` when ``len_weight`` is used (else a dummy)."""
    if len_weight == 0.0:
        return np.zeros(1)
    out = np.empty(n + 1)
    out[0] = -math.inf
    for k in range(1, n + 1):
        out[k] = math.log(k)
    return out


@njit(**config.NJIT)
def segment_cost(
    kind: int, data: np.ndarray, param: float, work: np.ndarray, s: int, e: int
) -> float:
    """``C(s, e)`` of the cost ``kind`` (``param``: eps of NORMAL, gamma of RBF)."""
    if kind == L2:
        length = e - s
        acc = data[e, 0] - data[s, 0]
        sq = 0.0
        for f in range(1, data.shape[1]):
            v = data[e, f] - data[s, f]
            sq += v * v
        return max(acc - sq / length, 0.0)
    if kind == NORMAL:
        return _normal(data, param, work, s, e)
    if kind == LINEAR:
        return _linear(data, work, s, e)
    if kind == L1:
        return _l1(data, s, e)
    return _rbf(data, param, s, e)


@njit(**config.NJIT)
def advance(
    kind: int, data: np.ndarray, param: float, gram: np.ndarray, lo: int, old: int, new: int
) -> None:
    """Move the RBF Gram sums ``gram[s]`` (``lo <= s``) from segment end ``old`` to ``new``.

    ``gram[s] = sum_{t, u in [s, e)} k(x_t, x_u)``; going from ``e`` to ``e + 1`` adds
    ``1 + 2 * sum_{t=s}^{e-1} k(x_t, x_e)``, a suffix sum over ``t``. ``gram`` has room for
    ``2 (n + 1)`` values: the sums, then scratch. Other costs keep no state.
    """
    if kind != RBF:
        return
    half = gram.size // 2  # gram holds the sums, then as much scratch space
    d = data.shape[1]
    for e in range(old, new):
        # k(x_s, x_e) for every start first (no loop-carried dependency), then the scan.
        if d == 1:  # one feature: a plain loop that LLVM vectorises
            xe = data[e, 0]
            for s in range(lo, e):
                diff = data[s, 0] - xe
                gram[half + s] = math.exp(-param * (diff * diff))
        else:
            for s in range(lo, e):
                d2 = 0.0
                for f in range(d):
                    diff = data[s, f] - data[e, f]
                    d2 += diff * diff
                gram[half + s] = math.exp(-param * d2)
        suffix = 0.0
        gram[e] = 1.0
        for s in range(e - 1, lo - 1, -1):
            suffix += gram[half + s]
            gram[s] += 1.0 + 2.0 * suffix


@njit(**config.NJIT)
def fill_column(
    cost: tuple,
    gram: np.ndarray,
    starts: np.ndarray,
    count: int,
    e: int,
    len_weight: float,
    logs: np.ndarray,
    out: np.ndarray,
) -> None:
    """``out[i] = C(starts[i], e) + len_weight * log(e - starts[i])`` for ``i < count``.

    ``cost = (kind, data, param, work)``, the arguments of :func:`segment_cost` before the
    segment. ``logs[k] = log(k)`` (a table: a scalar log costs more than the rest of an l2
    cost). For RBF, ``gram`` must hold the Gram sums for the end ``e`` (see :func:`advance`).
    """
    kind, data, param, work = cost
    if kind == RBF:
        for i in range(count):
            length = e - starts[i]
            out[i] = length - gram[starts[i]] / length
    elif kind == L2 and data.shape[1] == 2:
        a_e = data[e, 0]
        b_e = data[e, 1]
        for i in range(count):
            s = starts[i]
            length = e - s
            v = b_e - data[s, 1]
            out[i] = max(a_e - data[s, 0] - v * v / length, 0.0)
    else:
        for i in range(count):
            out[i] = segment_cost(kind, data, param, work, starts[i], e)
    if len_weight != 0.0:
        for i in range(count):
            out[i] += len_weight * logs[e - starts[i]]
