"""Soft-DTW over many pairs in one call: pairwise values, and a barycenter's objective and
gradient. Each call works on its own share of the pairs (the API runs one call per thread;
the kernels release the GIL).

Sequences are packed: sequence ``s`` of ``len[s]`` frames and ``d`` features occupies
``packed[off[s] : off[s] + d * len[s]]``, features-first (``reshape(d, len[s])``); the
``y`` side is packed reversed in time, as :mod:`seqalign._kernels.dtw` expects. Windows are
packed the same way: window ``b`` has ``dlo``/``dhi`` at ``band_off[b]`` (length
``n + m - 1``) and ``doff`` at ``doff_off[b]`` (length ``n + m``).

Arguments travel in tuples: a packed side ``(packed, off, len)``; the pairs ``(pi, pj,
band_of)``; the packed windows ``(dlo_all, dhi_all, band_off)`` (values) or ``(dlo_all,
dhi_all, doff_all, band_off, doff_off)`` (gradients); the settings ``(metric, gamma, sharp,
group)``: the metric code, the smoothing, the sharp value or not, and the diagonals of local
costs computed at a time.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from seqalign import config
from seqalign._kernels.soft import (
    backward,
    backward_sharp,
    forward,
    forward_sharp,
    forward_store,
)
from seqalign._kernels.soft_grad import weighted_gradient

_NJIT = config.NJIT_FMA


def _value(src, n, m, band, gamma, group, sharp):
    """Soft-DTW (or with ``sharp`` the sharp value) of one pair; float32 inputs: the value
    only (:func:`forward` in float32)."""
    if sharp:
        return forward_sharp(src, n, m, band, gamma, group)
    return forward(src, n, m, band, gamma, group)


@overload(_value, jit_options=_NJIT)
def _value_typed(src, n, m, band, gamma, group, sharp):
    if src.types[0].dtype == types.float32:
        return lambda src, n, m, band, gamma, group, sharp: forward(src, n, m, band, gamma, group)
    return _value


@njit(**_NJIT)
def pair_values(xpack, ypack, d, pairs, bands, settings, out):
    """``out[p]`` = soft-DTW (or the sharp value) of ``x[pi[p]]`` and ``y[pj[p]]`` in the
    window ``band_of[p]``; float32 ``xs`` and ``ys`` give float32 values (not sharp).

    ``xpack = (xs, x_off, x_len)``, ``ypack = (ys, y_off, y_len)``, ``pairs = (pi, pj,
    band_of)``, ``bands = (dlo_all, dhi_all, band_off)`` and ``settings = (metric, gamma,
    sharp, group)``.
    """
    xs, x_off, x_len = xpack
    ys, y_off, y_len = ypack
    pi, pj, band_of = pairs
    dlo_all, dhi_all, band_off = bands
    metric, gamma, sharp, group = settings
    empty = np.empty((0, 0), dtype=xs.dtype)
    for p in range(pi.shape[0]):
        i = pi[p]
        j = pj[p]
        n = x_len[i]
        m = y_len[j]
        xt = xs[x_off[i] : x_off[i] + d * n].reshape((d, n))
        yr = ys[y_off[j] : y_off[j] + d * m].reshape((d, m))
        b = band_off[band_of[p]]
        dlo = dlo_all[b : b + n + m - 1]
        dhi = dhi_all[b : b + n + m - 1]
        out[p] = _value((xt, yr, empty, metric), n, m, (dlo, dhi), gamma, group, sharp)


@njit(**_NJIT)
def objective_terms(z, ypack, d, chosen, bands, settings, grad, values):
    """For each ``s`` in ``series``: ``values[s]`` = soft-DTW (or the sharp value) of ``z``
    and ``y[s]``, and ``grad += weights[s] * d values[s] / dz`` (``grad`` features-first),
    ``y[s]`` in the window ``band_of[s]``.

    ``z = (zt, zinv)``, ``ypack = (ys, y_off, y_len, yinv_all)``, ``chosen = (series,
    weights, band_of)``, ``bands = (dlo_all, dhi_all, doff_all, band_off, doff_off)`` and
    ``settings = (metric, gamma, sharp, group)``. ``zinv`` and ``yinv_all`` are inverse frame
    norms for the cosine gradient (``yinv_all`` packed like ``ys``, one value per frame at
    ``y_off[s] // d``).
    """
    zt, zinv = z
    ys, y_off, y_len, yinv_all = ypack
    series, weights, band_of = chosen
    dlo_all, dhi_all, doff_all, band_off, doff_off = bands
    metric, gamma, sharp, group = settings
    L = zt.shape[1]
    empty = np.empty((0, 0))
    largest = 0
    for t in range(series.shape[0]):
        s = series[t]
        b = band_of[s]
        largest = max(largest, doff_all[doff_off[b] + L + y_len[s] - 1])
    wd = np.empty(largest)
    wu = np.empty(largest)
    wl = np.empty(largest)
    rdst = np.empty(largest if sharp else 0)
    sdst = np.empty(largest if sharp else 0)
    g = np.zeros((grad.shape[0], L))
    none = np.empty((0, 0))
    for t in range(series.shape[0]):
        s = series[t]
        m = y_len[s]
        yr = ys[y_off[s] : y_off[s] + d * m].reshape((d, m))
        yinv = yinv_all[y_off[s] // d : y_off[s] // d + m]
        b = band_of[s]
        dlo = dlo_all[band_off[b] : band_off[b] + L + m - 1]
        dhi = dhi_all[band_off[b] : band_off[b] + L + m - 1]
        doff = doff_all[doff_off[b] : doff_off[b] + L + m]
        area = doff[L + m - 1]
        rd = rdst[:area] if sharp else rdst
        sd = sdst[:area] if sharp else sdst
        src = (zt, yr, empty, metric)
        band = (dlo, dhi, doff)
        cells = (wd[:area], wu[:area], wl[:area])
        soft, sharp_value = forward_store(src, L, m, band, gamma, group, cells, (rd, sd))
        values[s] = sharp_value if sharp else soft
        if not np.isfinite(soft):
            continue
        g[:] = 0.0
        grads = (zinv, yinv, g, none)
        if sharp:
            backward_sharp(cells, (rd, sd), L, m, band, gamma)
            weighted_gradient(src, band, rd, grads)
        else:
            backward(cells, L, m, band, src, grads)
        w = weights[s]
        for f in range(grad.shape[0]):
            for i in range(L):
                grad[f, i] += w * g[f, i]
