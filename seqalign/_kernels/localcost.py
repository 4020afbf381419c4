"""The local costs every kernel computes: metric codes and the inline terms of each cost.

For frames ``a = x[i]`` and ``b = y[j]`` of ``d`` features (definitions in
:mod:`seqalign.localcosts`), a kernel sums one :func:`term` per feature, in feature order,
into ``acc`` and then finishes the cost:

==============  =========================  =============================================
metric          ``term(a_f, b_f)``          cost from ``acc``
==============  =========================  =============================================
sqeuclidean     ``(a_f - b_f)^2``          ``acc``
euclidean       ``(a_f - b_f)^2``          ``sqrt(acc)`` (:func:`finish`)
cityblock       ``|a_f - b_f|``            ``acc``
cosine          ``a_f b_f`` (unit frames)  ``max(0, 1 - acc)`` (:func:`finish`)
rbf             ``(a_f - b_f)^2``          ``2 - 2 exp(-gamma acc)`` (:func:`rbf_cost`)
polynomial      ``a_f b_f``                ``max(0, k(a, a) + k(b, b) - 2 (gamma acc +
                                           coef0)^degree)`` (:func:`polynomial_cost`)
==============  =========================  =============================================

``precomputed`` reads ``C[i, j]`` from a matrix. The kernel metrics carry their parameters
in rows (features-first layouts) or columns (time-first layouts) after the features
(:func:`parameter_rows` of them, see :func:`seqalign.localcosts.prepare`): rbf ``gamma``;
polynomial ``k(a, a)``, the gradient's factor, ``gamma``, ``coef0`` and ``degree``. Each
kernel reads them from its own layout and passes plain numbers here.

The functions are ``inline="always"``: numba pastes them into the calling kernel before
compiling it, so the loops that call them vectorise as the written-out formulas did, and
they take the caller's floating-point flags (fused multiply-add in the soft-DTW kernels,
none in the others), which keeps every result bit for bit what it was.
"""

from __future__ import annotations

import math

from numba import njit

from seqalign import config

#: Metric codes (:func:`seqalign.localcosts.metric_code` maps the names to them; ``linear``
#: is ``SQEUCLIDEAN``).
SQEUCLIDEAN = 0
EUCLIDEAN = 1
CITYBLOCK = 2
COSINE = 3
PRECOMPUTED = 4
RBF = 5
POLYNOMIAL = 6

#: Parameter rows after the features: rbf ``gamma``; polynomial ``k(a, a)``, the gradient's
#: factor ``h``, ``gamma``, ``coef0`` and ``degree`` (in that order).
RBF_ROWS = 1
POLYNOMIAL_ROWS = 5


@njit(inline="always", **config.NJIT)
def parameter_rows(metric):
    """Rows (or columns) after the features that hold parameters, not features."""
    if metric == RBF:
        return RBF_ROWS
    if metric == POLYNOMIAL:
        return POLYNOMIAL_ROWS
    return 0


@njit(inline="always", **config.NJIT)
def term(a, b, metric):
    """One feature's term of the sum: ``a * b`` (cosine, polynomial), ``|a - b|``
    (cityblock) or ``(a - b)^2`` (the others)."""
    if metric in (COSINE, POLYNOMIAL):
        return a * b
    if metric == CITYBLOCK:
        return abs(a - b)
    e = a - b
    return e * e


@njit(inline="always", **config.NJIT)
def finish(acc, metric):
    """The cost from the sum of the terms, for the metrics without parameters:
    ``sqrt(acc)`` (euclidean), ``max(0, 1 - acc)`` (cosine), else ``acc``."""
    if metric == EUCLIDEAN:
        return math.sqrt(acc)
    if metric == COSINE:
        return max(0.0, 1.0 - acc)
    return acc


@njit(inline="always", **config.NJIT)
def rbf_cost(squared, gamma):
    """``2 - 2 exp(-gamma |a - b|^2)`` from the squared distance."""
    return 2.0 - 2.0 * math.exp(-gamma * squared)


@njit(inline="always", **config.NJIT)
def polynomial_cost(dot, kaa, kbb, gamma, coef0, degree):
    """``max(0, k(a, a) + k(b, b) - 2 (gamma <a, b> + coef0)^degree)`` from ``<a, b>``."""
    k = gamma * dot + coef0
    return max(0.0, kaa + kbb - 2.0 * k**degree)
