"""Soft-DTW gradients through the local cost: ``dC[i, j] / dx_i`` and ``dC[i, j] / dy_j``
weighted by a matrix over the window (the expected alignment ``E``, or ``E + Edot`` for the
sharp variant), one anti-diagonal at a time. Layouts as in :mod:`seqalign._kernels.soft`:
``src = (xt, yr, cmat, metric)`` and ``band = (dlo, dhi, doff)`` as in
:mod:`seqalign._kernels.dtw`; ``grads = (xinv, yinv, gx, gy)``, the inverse norms of the
original frames (cosine) and the gradients to add to (features-first, ``gy`` reversed like
``yr``; empty when not wanted). The local costs' sums come from
:mod:`seqalign._kernels.localcost`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config
from seqalign._kernels.localcost import (
    CITYBLOCK,
    COSINE,
    EUCLIDEAN,
    POLYNOMIAL,
    POLYNOMIAL_ROWS,
    PRECOMPUTED,
    RBF,
    SQEUCLIDEAN,
    parameter_rows,
    term,
)

_NJIT = config.NJIT_FMA


@njit(**_NJIT)
def grad_diag(src, k, lo, hi, w, grads, tmp):
    """Add ``sum_j w[i, j] dC[i, j]/dx[i]`` to ``gx`` (and the same for ``y`` to ``gy``)
    for the cells ``(i, k - i)``, ``lo <= i < hi``, of one diagonal; ``w[i - lo]`` weighs
    each cell.

    ``d/dx_i`` of the local cost: ``2 (x_i - y_j)`` (sqeuclidean); ``(x_i - y_j) / C``
    (euclidean; 0 where ``C = 0``); ``sign(x_i - y_j)`` (cityblock; 0 at 0);
    ``-(v_j - <u_i, v_j> u_i) / |x_i|`` with ``u``, ``v`` the unit frames (cosine; 0 for a
    zero frame and where the cost is clipped at 0); ``4 gamma exp(-gamma |x_i - y_j|^2)
    (x_i - y_j)`` (rbf); ``h_i x_i - 2 degree gamma (gamma <x_i, y_j> + coef0)^(degree - 1)
    y_j`` (polynomial, with ``h_i = 2 degree gamma (gamma |x_i|^2 + coef0)^(degree - 1)``
    from the layout's rows; the clip at 0, which only removes rounding, is ignored). The
    kernel metrics' ``gamma``, ``coef0`` and ``degree`` are read from ``xt``'s rows.
    """
    xt, yr, _, metric = src
    xinv, yinv, gx, gy = grads
    if metric == PRECOMPUTED:
        return
    want_x = gx.shape[0] > 0
    want_y = gy.shape[0] > 0
    size = hi - lo
    y0 = yr.shape[1] - 1 - k + lo
    n_features = gx.shape[0] if want_x else gy.shape[0]
    scale = tmp[:size]
    if metric == SQEUCLIDEAN:
        for t in range(size):
            scale[t] = 2.0 * w[t]
    elif metric == EUCLIDEAN:
        scale[:] = 0.0
        for f in range(xt.shape[0]):
            xa = xt[f][lo:hi]
            ya = yr[f][y0 : y0 + size]
            for t in range(size):
                scale[t] += term(xa[t], ya[t], EUCLIDEAN)
        for t in range(size):
            dist = math.sqrt(scale[t])
            scale[t] = w[t] / dist if dist > 0.0 else 0.0
    elif metric == COSINE:
        scale[:] = 0.0
        for f in range(xt.shape[0]):
            xa = xt[f][lo:hi]
            ya = yr[f][y0 : y0 + size]
            for t in range(size):
                scale[t] += term(xa[t], ya[t], COSINE)
        for t in range(size):  # scale = <u, v> where the cost is not clipped, else NaN
            scale[t] = scale[t] if scale[t] <= 1.0 else np.nan
    elif metric in (RBF, POLYNOMIAL):
        d = xt.shape[0] - parameter_rows(metric)
        scale[:] = 0.0
        for f in range(d):
            xa = xt[f][lo:hi]
            ya = yr[f][y0 : y0 + size]
            for t in range(size):
                scale[t] += term(xa[t], ya[t], metric)
        if metric == RBF:
            g = xt[d][lo:hi]
            for t in range(size):  # d C / d x_i = scale (x_i - y_j)
                scale[t] = 4.0 * g[t] * w[t] * math.exp(-g[t] * scale[t])
        else:
            g = xt[d + 2][lo:hi]
            c = xt[d + 3][lo:hi]
            p = xt[d + 4][lo:hi]
            for t in range(size):  # the cross term's factor
                scale[t] = 2.0 * p[t] * g[t] * w[t] * (g[t] * scale[t] + c[t]) ** (p[t] - 1.0)
    for f in range(n_features):
        xa = xt[f][lo:hi]
        ya = yr[f][y0 : y0 + size]
        if metric == COSINE:
            if want_x:
                _cosine_terms(gx[f][lo:hi], w, ya, xa, scale, xinv[lo:hi])
            if want_y:
                _cosine_terms(gy[f][y0 : y0 + size], w, xa, ya, scale, yinv[y0 : y0 + size])
        elif metric == POLYNOMIAL:
            rows = xt.shape[0] - POLYNOMIAL_ROWS + 1  # the row of h
            if want_x:
                _polynomial_terms(gx[f][lo:hi], w, xt[rows][lo:hi], xa, ya, scale)
            if want_y:
                _polynomial_terms(gy[f][y0 : y0 + size], w, yr[rows][y0 : y0 + size], ya, xa,
                                  scale)  # fmt: skip
        elif metric == CITYBLOCK:
            if want_x:
                _sign_terms(gx[f][lo:hi], w, xa, ya)
            if want_y:
                _sign_terms(gy[f][y0 : y0 + size], w, ya, xa)
        elif want_x and want_y:  # one pass: the two terms are opposite
            _diff_terms_both(gx[f][lo:hi], gy[f][y0 : y0 + size], scale, xa, ya)
        elif want_x:
            _diff_terms(gx[f][lo:hi], scale, xa, ya)
        else:
            _diff_terms(gy[f][y0 : y0 + size], scale, ya, xa)


@njit(inline="always", **_NJIT)
def _diff_terms(g, scale, a, b):
    """``g += scale (a - b)``."""
    for t in range(g.shape[0]):
        g[t] += scale[t] * (a[t] - b[t])


@njit(inline="always", **_NJIT)
def _diff_terms_both(gx, gy, scale, a, b):
    """``gx += scale (a - b)`` and ``gy -= scale (a - b)``."""
    for t in range(gx.shape[0]):
        v = scale[t] * (a[t] - b[t])
        gx[t] += v
        gy[t] -= v


@njit(inline="always", **_NJIT)
def _polynomial_terms(g, w, h, own, other, scale):
    """``g += w h own - scale other``."""
    for t in range(g.shape[0]):
        g[t] += w[t] * h[t] * own[t] - scale[t] * other[t]


@njit(inline="always", **_NJIT)
def _sign_terms(g, w, a, b):
    """``g += w sign(a - b)``."""
    for t in range(g.shape[0]):
        e = a[t] - b[t]
        g[t] += w[t] * ((e > 0.0) - (e < 0.0))


@njit(inline="always", **_NJIT)
def _cosine_terms(g, w, other, own, dot, inv_norm):
    """``g -= w (other - dot own) inv_norm`` where ``dot`` is not NaN (the clipped cells)."""
    for t in range(g.shape[0]):
        d = dot[t]
        if d == d:
            g[t] -= w[t] * (other[t] - d * own[t]) * inv_norm[t]


@njit(**_NJIT)
def weighted_gradient(src, band, wst, grads):
    """Gradients through the local cost for cell weights ``wst`` (diagonal-major), e.g. the
    sharp value's ``E + Edot``: see :func:`grad_diag`."""
    dlo, dhi, doff = band
    tmp = np.zeros(src[0].shape[1])
    for k in range(dlo.shape[0]):
        lo = dlo[k]
        hi = dhi[k]
        if hi > lo:
            grad_diag(src, k, lo, hi, wst[doff[k] : doff[k + 1]], grads, tmp)
