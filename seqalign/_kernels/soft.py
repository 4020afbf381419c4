"""Soft-DTW kernels: the forward sweep (value), the backward sweep (expected alignment and
gradients) and their tangent versions for the sharp variant.

Notation as in :mod:`seqalign._kernels.dtw`: ``x`` has ``n`` frames (rows ``i``), ``y`` has
``m`` frames (columns ``j``), ``C[i, j]`` is the local cost. With ``gamma > 0``
(Cuturi & Blondel 2017)::

    R[i, j] = C[i, j] + S[i, j]
    S[i, j] = softmin(R[i-1, j-1], R[i-1, j], R[i, j-1])
    softmin(a, b, c) = -gamma log(exp(-a/gamma) + exp(-b/gamma) + exp(-c/gamma))
                     = mn - gamma log(1 + exp((mn - md)/gamma) + exp((mn - mx)/gamma))

with ``R[-1, -1] = 0``, ``R = +inf`` on the other borders and outside the window, and
``mn <= md <= mx`` the sorted arguments (the minimum's term is exactly 1: two exps and one
log per cell, each argument <= 0, so nothing overflows). The value is ``R[n - 1, m - 1]``.

Backward (the gradient of the value with respect to ``C``, the expected alignment ``E``)::

    E[n-1, m-1] = 1
    E[i, j] = sum over the successors s of (i, j) of  E[s] P(s <- (i, j))
    P(s <- c) = exp((S[s] - R[c]) / gamma)

where ``P(s <- c)`` is the soft-min weight that cell ``s`` gives its predecessor ``c``; the
successors are ``(i+1, j)``, ``(i, j+1)`` and ``(i+1, j+1)``.

Tangent (sharp) version, in the direction ``Z = C``: ``Rdot[c] = C[c] + Sdot[c]`` with
``Sdot[c] = sum_p P(c <- p) Rdot[p]``; ``Rdot[n-1, m-1] = <E, C>`` is the sharp soft-DTW
value (Blondel, Mensch & Vert 2021), and its gradient with respect to ``C`` is ``E + Edot``::

    Edot[c] = sum_s P(s <- c) (Edot[s] + E[s] (Sdot[s] - Rdot[c]) / gamma),  Edot[end] = 0

Every sweep visits anti-diagonals ``k = i + j`` (forward increasing, backward decreasing):
the cells of one diagonal are independent, so the loops over ``i`` vectorise, exp and log
included (:mod:`seqalign._kernels.softmath`). Working diagonals live in padded rings of
three rows indexed ``i + 1`` (index 0 is row -1). The sweeps that feed a backward pass store
``R`` and ``S`` (and ``Rdot``, ``Sdot``) of every window cell in diagonal-major order (cell
``(i, k - i)`` at ``doff[k] + i - dlo[k]``); the backward pass overwrites ``R`` with ``E``.

Arguments travel in tuples: ``src = (xt, yr, cmat, metric)`` and ``band = (dlo, dhi,
doff)`` as in :mod:`seqalign._kernels.dtw` (the value-only sweeps read ``band[0]`` and
``band[1]`` alone, so ``(dlo, dhi)`` does); the stored soft-min weights ``weights = (wd, wu,
wl)``; the stored tangent ``tangent = (rdst, sdst)``; the gradients ``grads = (xinv, yinv,
gx, gy)`` as in :mod:`seqalign._kernels.soft_grad`. In the diagonal loops, ``prev = (p2, pu,
pl)`` are the three predecessors' values (diagonal, up, left) and messages come in and go
out as ``(diagonal, up, left)`` triples.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from seqalign import config
from seqalign._kernels.dtw import diagonal_cost, span_costs
from seqalign._kernels.localcost import SQEUCLIDEAN, term
from seqalign._kernels.soft32 import softmin3_32
from seqalign._kernels.soft_grad import grad_diag
from seqalign._kernels.softmath import exp_neg, log1p_02

_INF = np.inf
_NJIT = config.NJIT_FMA


@njit(inline="always", **_NJIT)
def softmin3(a, b, c, gamma, inv):
    """``-gamma log(exp(-a/gamma) + exp(-b/gamma) + exp(-c/gamma))`` with two exps."""
    lo2 = min(a, b)
    hi2 = max(a, b)
    mn = min(lo2, c)
    mx = max(hi2, c)
    md = max(lo2, min(hi2, c))
    return mn - gamma * log1p_02(exp_neg((mn - md) * inv) + exp_neg((mn - mx) * inv))


def softmin(a, b, c, gamma, inv):
    """:func:`softmin3` in the precision of ``a``: float32 values take
    :func:`seqalign._kernels.soft32.softmin3_32` (eight lanes per vector, shorter
    polynomials), float64 values :func:`softmin3` (numba picks one when it compiles)."""
    return softmin3(a, b, c, gamma, inv)


@overload(softmin, inline="always", jit_options=_NJIT)
def _softmin(a, b, c, gamma, inv):
    if a == types.float32:
        return lambda a, b, c, gamma, inv: softmin3_32(a, b, c, gamma, inv)
    return lambda a, b, c, gamma, inv: softmin3(a, b, c, gamma, inv)


@njit(inline="always", **_NJIT)
def softmin3_weights(a, b, c, gamma, inv):
    """The soft minimum of ``(a, b, c)`` and the weight of each argument,
    ``exp((softmin - v) / gamma)`` (they sum to 1; all 0 when every argument is inf).

    The minimum's weight is ``1 / (1 + e1 + e2)`` and the others ``e / (1 + e1 + e2)``, with
    the same two exps as :func:`softmin3`; equal arguments get equal weights."""
    lo2 = min(a, b)
    hi2 = max(a, b)
    mn = min(lo2, c)
    mx = max(hi2, c)
    md = max(lo2, min(hi2, c))
    e1 = exp_neg((mn - md) * inv)
    e2 = exp_neg((mn - mx) * inv)
    s = e1 + e2
    z = 1.0 / (1.0 + s) if mn < _INF else 0.0
    w_mid = e1 * z
    w_max = e2 * z
    wa = z if a == mn else (w_max if a == mx else w_mid)
    wb = z if b == mn else (w_max if b == mx else w_mid)
    wc = z if c == mn else (w_max if c == mx else w_mid)
    return mn - gamma * log1p_02(s), wa, wb, wc


@njit(**_NJIT)
def _costs(src, k, band, cbuf):
    """Local costs of diagonal ``k`` at ``c[dlo[k]:dhi[k]]`` for the returned row ``c`` of
    ``cbuf`` (the DTW kernel's, bit for bit). With ``g = cbuf.shape[0] > 1`` rows, the costs
    of ``g`` diagonals are computed at once, block by block of rows, when ``k % g == 0``, so
    that the frames stay in cache (pays for many features; see ``config.cost_group``)."""
    dlo = band[0]
    dhi = band[1]
    group = cbuf.shape[0]
    if group == 1:
        diagonal_cost(src, k, dlo[k], dhi[k], cbuf[0])
        return cbuf[0]
    if k % group == 0:
        k1 = min(k + group, dlo.shape[0])
        span_costs(src, k, k1, band, dlo[k], dhi[k1 - 1], cbuf)
    return cbuf[k % group]


@njit(**_NJIT)
def _diag_inline(p2, pu, pl, out, xs, ys, gamma, inv):
    """One diagonal, one feature, squared Euclidean: the local cost computed in the loop."""
    for t in range(out.shape[0]):
        out[t] = term(xs[t], ys[t], SQEUCLIDEAN) + softmin(p2[t], pu[t], pl[t], gamma, inv)


@njit(**_NJIT)
def _diag(p2, pu, pl, out, cc, gamma, inv):
    """One diagonal from precomputed local costs ``cc``."""
    for t in range(out.shape[0]):
        out[t] = cc[t] + softmin(p2[t], pu[t], pl[t], gamma, inv)


@njit(**_NJIT)
def forward(src, n, m, band, gamma, group):
    """Soft-DTW value ``R[n - 1, m - 1]`` over the window ``band``, in ``O(n)`` memory.

    ``src = (xt, yr, cmat, metric)``: ``xt`` is ``x`` features-first, ``yr`` is ``y``
    features-first and reversed in time (see :mod:`seqalign._kernels.dtw`), ``cmat`` a
    precomputed cost matrix when ``metric == PRECOMPUTED``; ``group`` diagonals of local
    costs are computed at a time.
    The arithmetic is in the precision of ``xt`` (float64, or float32 for values only: eight
    lanes per vector, see :mod:`seqalign._kernels.soft32`).
    """
    xt, yr, _, metric = src
    dlo = band[0]
    dhi = band[1]
    scalars = np.empty(2, dtype=xt.dtype)  # gamma and 1 / gamma in that precision
    scalars[0] = gamma
    scalars[1] = 1.0 / gamma
    gamma = scalars[0]
    inv = scalars[1]
    ring = np.full((3, n + 2), _INF, dtype=xt.dtype)
    cbuf = np.zeros((group, n), dtype=xt.dtype)
    inline = xt.shape[0] == 1 and metric == SQEUCLIDEAN
    for k in range(n + m - 1):
        lo = dlo[k]
        hi = dhi[k]
        cur = ring[k % 3]
        if k == 0:
            cur[1] = _costs(src, 0, band, cbuf)[0]
        else:
            p2 = ring[(k - 2) % 3][lo:hi]
            pu = ring[(k - 1) % 3][lo:hi]
            pl = ring[(k - 1) % 3][lo + 1 : hi + 1]
            out = cur[lo + 1 : hi + 1]
            if inline:
                off = m - 1 - k
                _diag_inline(p2, pu, pl, out, xt[0][lo:hi], yr[0][lo + off : hi + off], gamma,
                             inv)  # fmt: skip
            else:
                c = _costs(src, k, band, cbuf)
                _diag(p2, pu, pl, out, c[lo:hi], gamma, inv)
        cur[lo] = _INF
        cur[hi + 1] = _INF
    return ring[(n + m - 2) % 3][n]


@njit(**_NJIT)
def _diag_weights(prev, out, cc, weights, gamma, inv):
    """One diagonal, storing the weights of the three predecessors of each cell."""
    p2, pu, pl = prev
    wd, wu, wl = weights
    for t in range(out.shape[0]):
        s, a, b, c = softmin3_weights(p2[t], pu[t], pl[t], gamma, inv)
        out[t] = cc[t] + s
        wd[t] = a
        wu[t] = b
        wl[t] = c


@njit(**_NJIT)
def _diag_tangent(prev, dprev, out, dout, cc, weights, stored, gamma, inv):
    """:func:`_diag_weights` with the tangent in the direction ``C``:
    ``Sdot = sum of weight * Rdot`` over the predecessors (``dprev``), ``Rdot = C + Sdot``,
    stored in ``stored = (rd, sd)`` as well as ``dout``."""
    p2, pu, pl = prev
    d2, du, dl = dprev
    wd, wu, wl = weights
    rd, sd = stored
    for t in range(out.shape[0]):
        s, a, b, c = softmin3_weights(p2[t], pu[t], pl[t], gamma, inv)
        sdot = a * d2[t] + b * du[t] + c * dl[t]
        out[t] = cc[t] + s
        dout[t] = cc[t] + sdot
        wd[t] = a
        wu[t] = b
        wl[t] = c
        rd[t] = cc[t] + sdot
        sd[t] = sdot


@njit(**_NJIT)
def forward_store(src, n, m, band, gamma, group, weights, tangent):
    """``(R[n-1, m-1], Rdot[n-1, m-1])``, storing what the backward pass needs.

    Stores, for every window cell (diagonal-major, offsets ``doff``), the weights its soft
    minimum gives its three predecessors, ``weights = (wd, wu, wl)``: ``wd`` (diagonal), ``wu``
    (``(i - 1, j)``) and ``wl`` (``(i, j - 1)``). When ``rdst`` of ``tangent = (rdst, sdst)``
    is not empty, also runs the tangent in the direction ``C`` and stores ``Rdot`` and
    ``Sdot`` (the sharp variant); ``Rdot[n-1, m-1] = <E, C>`` is the sharp value (0 without
    the tangent).
    """
    dlo, dhi, doff = band
    wd, wu, wl = weights
    rdst, sdst = tangent
    inv = 1.0 / gamma
    with_tangent = rdst.shape[0] > 0
    ring = np.full((3, n + 2), _INF)
    dring = np.zeros((3, n + 2))
    cbuf = np.zeros((group, n))
    for k in range(n + m - 1):
        lo = dlo[k]
        hi = dhi[k]
        base = doff[k]
        top = base + hi - lo
        cur = ring[k % 3]
        dcur = dring[k % 3]
        c = _costs(src, k, band, cbuf)
        if k == 0:  # R[-1, -1] = 0 is the only predecessor
            cur[1] = c[0]
            dcur[1] = c[0]
            wd[0] = 1.0
            wu[0] = 0.0
            wl[0] = 0.0
            if with_tangent:
                rdst[0] = c[0]
                sdst[0] = 0.0
        else:
            prev = (ring[(k - 2) % 3][lo:hi], ring[(k - 1) % 3][lo:hi],
                    ring[(k - 1) % 3][lo + 1 : hi + 1])  # fmt: skip
            out = cur[lo + 1 : hi + 1]
            cells = (wd[base:top], wu[base:top], wl[base:top])
            if with_tangent:
                dprev = (dring[(k - 2) % 3][lo:hi], dring[(k - 1) % 3][lo:hi],
                         dring[(k - 1) % 3][lo + 1 : hi + 1])  # fmt: skip
                _diag_tangent(prev, dprev, out, dcur[lo + 1 : hi + 1], c[lo:hi], cells,
                              (rdst[base:top], sdst[base:top]), gamma, inv)  # fmt: skip
            else:
                _diag_weights(prev, out, c[lo:hi], cells, gamma, inv)
        cur[lo] = _INF
        cur[hi + 1] = _INF
        dcur[lo] = 0.0
        dcur[hi + 1] = 0.0
    last = (n + m - 2) % 3
    return ring[last][n], dring[last][n]


@njit(**_NJIT)
def forward_sharp(src, n, m, band, gamma, group):
    """The sharp value ``<E, C> = Rdot[n-1, m-1]`` alone, in ``O(n)`` memory (arguments as
    :func:`forward`)."""
    dlo = band[0]
    dhi = band[1]
    inv = 1.0 / gamma
    ring = np.full((3, n + 2), _INF)
    dring = np.zeros((3, n + 2))
    cbuf = np.zeros((group, n))
    scratch = np.zeros((5, n))
    for k in range(n + m - 1):
        lo = dlo[k]
        hi = dhi[k]
        cur = ring[k % 3]
        dcur = dring[k % 3]
        c = _costs(src, k, band, cbuf)
        if k == 0:
            cur[1] = c[0]
            dcur[1] = c[0]
        else:
            size = hi - lo
            prev = (ring[(k - 2) % 3][lo:hi], ring[(k - 1) % 3][lo:hi],
                    ring[(k - 1) % 3][lo + 1 : hi + 1])  # fmt: skip
            dprev = (dring[(k - 2) % 3][lo:hi], dring[(k - 1) % 3][lo:hi],
                     dring[(k - 1) % 3][lo + 1 : hi + 1])  # fmt: skip
            _diag_tangent(prev, dprev, cur[lo + 1 : hi + 1], dcur[lo + 1 : hi + 1], c[lo:hi],
                          (scratch[0][:size], scratch[1][:size], scratch[2][:size]),
                          (scratch[3][:size], scratch[4][:size]), gamma, inv)  # fmt: skip
        cur[lo] = _INF
        cur[hi + 1] = _INF
        dcur[lo] = 0.0
        dcur[hi + 1] = 0.0
    return dring[(n + m - 2) % 3][n]


@njit(**_NJIT)
def _back_diag(e, received, weights, sent):
    """``E`` of one diagonal from the messages of its successors (``received``), and its own
    messages ``E * weight`` to its three predecessors (``sent``); ``E`` is written over
    ``wd``."""
    md, mr, mg = received
    wd, wu, wl = weights
    ad, au, al = sent
    for t in range(e.shape[0]):
        ev = md[t] + mr[t] + mg[t]
        ad[t] = ev * wd[t]
        au[t] = ev * wu[t]
        al[t] = ev * wl[t]
        e[t] = ev


@njit(inline="always", **_NJIT)
def _pad(ring, lo, hi, value):
    ring[lo] = value
    ring[hi + 1] = value


@njit(**_NJIT)
def backward(weights, n, m, band, src, grads):
    """Expected alignment ``E`` (written over ``wd``) from the weights ``(wd, wu, wl)`` that
    :func:`forward_store` stored and, when ``gx`` (``gy``) of ``grads`` has rows, the
    gradient with respect to ``x`` (``y``; features-first, ``gy`` reversed like ``yr``),
    added to them.

    A cell sends each predecessor ``E * weight`` (its *message*); ``E`` of a cell is the sum
    of the messages it receives: from ``(i+1, j)`` (diagonal ``k + 1``, row ``i + 1``),
    ``(i, j+1)`` (``k + 1``, row ``i``) and ``(i+1, j+1)`` (``k + 2``, row ``i + 1``).
    ``xinv`` and ``yinv`` are the inverse norms of the original frames (cosine only).
    """
    wd, wu, wl = weights
    dlo, dhi, doff = band
    gx = grads[2]
    gy = grads[3]
    up = np.zeros((3, n + 2))  # messages to (i - 1, j), by diagonal, index row + 1
    left = np.zeros((3, n + 2))  # to (i, j - 1)
    diag = np.zeros((3, n + 2))  # to (i - 1, j - 1)
    one = np.ones(1)
    zero = np.zeros(1)
    last = n + m - 2
    tmp = np.zeros(n)
    want_grads = gx.shape[0] > 0 or gy.shape[0] > 0
    for k in range(last, -1, -1):
        lo = dlo[k]
        hi = dhi[k]
        base = doff[k]
        top = base + hi - lo
        s = k % 3
        cells = (wd[base:top], wu[base:top], wl[base:top])
        sent = (diag[s][lo + 1 : hi + 1], up[s][lo + 1 : hi + 1], left[s][lo + 1 : hi + 1])
        if k == last:
            _back_diag(wd[base:top], (one, zero, zero), cells, sent)
        else:
            a = (k + 1) % 3
            b = (k + 2) % 3
            received = (up[a][lo + 2 : hi + 2], left[a][lo + 1 : hi + 1],
                        diag[b][lo + 2 : hi + 2])  # fmt: skip
            _back_diag(wd[base:top], received, cells, sent)
        _pad(up[s], lo, hi, 0.0)
        _pad(left[s], lo, hi, 0.0)
        _pad(diag[s], lo, hi, 0.0)
        if want_grads:
            grad_diag(src, k, lo, hi, wd[base:top], grads, tmp)


@njit(**_NJIT)
def _back_diag_sharp(e, w, a_in, b_in, weights, stored, a_out, b_out, inv):
    """:func:`_back_diag` with the tangent: messages ``A = E * weight`` and
    ``B = (Edot + E Sdot / gamma) * weight``; ``Edot = sum B - Rdot E / gamma``. Writes ``E``
    over ``wd`` (``e``) and ``E + Edot``, the sharp gradient, over ``Rdot`` (``w``);
    ``stored = (Rdot, Sdot)``."""
    md, mr, mg = a_in
    nd, nr, ng = b_in
    wd, wu, wl = weights
    rd, sd = stored
    ad, au, al = a_out
    bd, bu, bl = b_out
    for t in range(e.shape[0]):
        ev = md[t] + mr[t] + mg[t]
        edot = nd[t] + nr[t] + ng[t] - rd[t] * ev * inv
        a = wd[t]
        b = wu[t]
        c = wl[t]
        q = edot + ev * sd[t] * inv
        ad[t] = ev * a
        au[t] = ev * b
        al[t] = ev * c
        bd[t] = q * a
        bu[t] = q * b
        bl[t] = q * c
        e[t] = ev
        w[t] = ev + edot


@njit(**_NJIT)
def backward_sharp(weights, tangent, n, m, band, gamma):
    """``E`` (over ``wd``) and the gradient of the sharp value with respect to ``C``,
    ``E + Edot`` (over ``rdst``), from what :func:`forward_store` stored with the tangent,
    ``weights = (wd, wu, wl)`` and ``tangent = (rdst, sdst)``:

    ``Edot[c] = sum_s w(s <- c) (Edot[s] + E[s] (Sdot[s] - Rdot[c]) / gamma)``.
    """
    wd, wu, wl = weights
    rdst, sdst = tangent
    dlo, dhi, doff = band
    inv = 1.0 / gamma
    a_msg = np.zeros((3, 3, n + 2))  # E messages: [to diagonal, up, left][ring slot]
    b_msg = np.zeros((3, 3, n + 2))  # tangent messages
    last = n + m - 2
    for k in range(last, -1, -1):
        lo = dlo[k]
        hi = dhi[k]
        base = doff[k]
        top = base + hi - lo
        s = k % 3
        if k == last:  # E = 1 and Edot = 0 at the end cell
            for q, w in enumerate((wd[base], wu[base], wl[base])):
                a_msg[q][s][hi] = w
                b_msg[q][s][hi] = sdst[base] * inv * w
            wd[base] = 1.0
            rdst[base] = 1.0
        else:
            a = (k + 1) % 3
            b = (k + 2) % 3
            a_in = (a_msg[1][a][lo + 2 : hi + 2], a_msg[2][a][lo + 1 : hi + 1],
                    a_msg[0][b][lo + 2 : hi + 2])  # fmt: skip
            b_in = (b_msg[1][a][lo + 2 : hi + 2], b_msg[2][a][lo + 1 : hi + 1],
                    b_msg[0][b][lo + 2 : hi + 2])  # fmt: skip
            a_out = (a_msg[0][s][lo + 1 : hi + 1], a_msg[1][s][lo + 1 : hi + 1],
                     a_msg[2][s][lo + 1 : hi + 1])  # fmt: skip
            b_out = (b_msg[0][s][lo + 1 : hi + 1], b_msg[1][s][lo + 1 : hi + 1],
                     b_msg[2][s][lo + 1 : hi + 1])  # fmt: skip
            _back_diag_sharp(wd[base:top], rdst[base:top], a_in, b_in,
                             (wd[base:top], wu[base:top], wl[base:top]),
                             (rdst[base:top], sdst[base:top]), a_out, b_out, inv)  # fmt: skip
        for q in range(3):
            _pad(a_msg[q][s], lo, hi, 0.0)
            _pad(b_msg[q][s], lo, hi, 0.0)
