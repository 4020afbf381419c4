"""Soft-DTW and its divergences: the Python API (matrices over many sequences are in
:mod:`seqalign.soft.pairwise`, barycenters in :mod:`seqalign.soft.barycenters`).

Definitions, for ``x`` (``n`` frames) and ``y`` (``m`` frames) and the local cost
``C[i, j] = metric(x[i], y[j])`` (default ``sqeuclidean``, the *squared* Euclidean distance
``sum_f (x[i, f] - y[j, f])^2``, as Cuturi & Blondel 2017 and tslearn):

soft-DTW (Cuturi & Blondel 2017)
    ``sdtw(x, y) = softmin_gamma over every warping path p of sum_{(i, j) in p} C[i, j]``,
    with ``softmin_gamma(a_1, ..., a_K) = -gamma log sum_k exp(-a_k / gamma)``, computed by
    ``R[i, j] = C[i, j] + softmin_gamma(R[i-1, j-1], R[i-1, j], R[i, j-1])``; the paths are
    those of DTW's ``symmetric1`` step pattern (steps (1, 1), (1, 0), (0, 1), weight 1).
    ``gamma > 0`` is the smoothing: as ``gamma -> 0`` soft-DTW tends to the DTW distance
    ``seqalign.dtw(x, y, metric=..., step_pattern="symmetric1").distance``; larger values
    average over more paths. soft-DTW can be negative and ``sdtw(x, x) != 0``.
expected alignment ``E``
    the gradient of ``sdtw`` with respect to the cost matrix: ``E[i, j]`` is the probability
    that a path drawn from the Gibbs distribution ``p(path) ~ exp(-cost(path) / gamma)``
    passes through ``(i, j)``.
sharp soft-DTW (Blondel, Mensch & Vert 2021)
    ``sharp(x, y) = <E, C> = sum_ij E[i, j] C[i, j]``: the expected cost of a path, without
    soft-DTW's entropic term (``sdtw = sharp - gamma * entropy``).
soft-DTW divergence (Blondel, Mensch & Vert 2021)
    ``D(x, y) = sdtw(x, y) - (sdtw(x, x) + sdtw(y, y)) / 2`` (and the same with ``sharp``):
    symmetric, exactly 0 at ``x == y``, and non-negative under the paper's conditions on the
    cost (rounding can leave values of the order of ``1e-16`` times the terms below 0).

Work and memory: the value needs ``O(n + m)`` memory; gradients store 24 bytes per window
cell (40 for the sharp variant); a window (``radius``) makes both proportional to the band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seqalign.errors import InputError
from seqalign.localcosts import bind_metric, resolve_metric
from seqalign.soft.sweep import (
    DTYPES,
    check_gamma,
    check_memory,
    cost_pair,
    dense,
    frames,
    no_path,
    pair,
    resolve_dtype,
    same_features,
    sweep,
)
from seqalign.warping.windows import resolve_window, window_band

__all__ = [
    "DTYPES",
    "SoftAlignment",
    "check_gamma",
    "resolve_dtype",
    "soft_dtw",
    "soft_dtw_divergence",
]


@dataclass(frozen=True)
class SoftAlignment:
    """The result of :func:`soft_dtw` and :func:`soft_dtw_divergence`.

    Attributes
    ----------
    value : float
        soft-DTW (or, with ``sharp``, the sharp value ``<E, C>``; for a divergence, ``D(x, y)``).
    gamma : float
        The smoothing.
    n, m : int
        Lengths of ``x`` and ``y`` (or the cost matrix's shape).
    metric : str
        Local cost (``"precomputed"`` for a cost matrix).
    window : str
        Window name; ``radius`` its half-width (None without one).
    sharp, divergence : bool
        Which quantity ``value`` is.
    gradient_x : ndarray, shape of ``x``, or None
        ``d value / d x`` (asked with ``gradient=True``).
    gradient_y : ndarray, shape of ``y``, or None
        ``d value / d y``.
    gradient_cost : ndarray, shape (n, m), or None
        ``d value / d C`` when a cost matrix was given (``E``, or ``E + Edot`` when sharp).
    alignment : ndarray, shape (n, m), or None
        The expected alignment ``E`` of ``x`` and ``y`` (asked with ``alignment=True``);
        0 outside the window.
    dtype : str
        ``"float64"``, or ``"float32"`` (values only).
    self_values : tuple of float, or None
        For a divergence: ``(sdtw(x, x), sdtw(y, y))`` (sharp values when ``sharp``);
        ``value = raw - (self_values[0] + self_values[1]) / 2`` with ``raw = sdtw(x, y)``.
    """

    value: float
    gamma: float
    n: int
    m: int
    metric: str
    window: str
    radius: int | None
    sharp: bool = False
    divergence: bool = False
    gradient_x: np.ndarray | None = field(default=None, repr=False)
    gradient_y: np.ndarray | None = field(default=None, repr=False)
    gradient_cost: np.ndarray | None = field(default=None, repr=False)
    alignment: np.ndarray | None = field(default=None, repr=False)
    self_values: tuple[float, float] | None = None
    dtype: str = "float64"
    cells: int = field(default=0, repr=False)

    @property
    def kind(self) -> str:
        """``"soft-DTW"``, ``"sharp soft-DTW"``, or the same followed by ``" divergence"``."""
        name = "sharp soft-DTW" if self.sharp else "soft-DTW"
        return name + (" divergence" if self.divergence else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable metadata (no arrays)."""
        return {
            "value": self.value,
            "kind": self.kind,
            "gamma": self.gamma,
            "n": self.n,
            "m": self.m,
            "metric": self.metric,
            "window": self.window,
            "radius": self.radius,
            "dtype": self.dtype,
            "self_values": None if self.self_values is None else list(self.self_values),
        }


def _shaped(g: np.ndarray | None, flat: bool) -> np.ndarray | None:
    return None if g is None or not flat else g[:, 0]


def soft_dtw(
    x: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    cost: ArrayLike | None = None,
    gamma: float = 1.0,
    metric: str = "sqeuclidean",
    window: str | None = None,
    radius: int | None = None,
    sharp: bool = False,
    gradient: bool = False,
    alignment: bool = False,
    max_memory: int | None = None,
    dtype: str = "float64",
) -> SoftAlignment:
    """Soft-DTW of ``x`` and ``y`` (Cuturi & Blondel 2017), its gradients and expected alignment.

    ``R[i, j] = C[i, j] + softmin_gamma(R[i-1, j-1], R[i-1, j], R[i, j-1])``,
    ``R[-1, -1] = 0``, value ``R[n - 1, m - 1]``, where ``C`` is the local cost (by default the
    *squared* Euclidean distance between frames, as tslearn's ``soft_dtw``) and
    ``softmin_gamma(a, b, c) = -gamma log(exp(-a/gamma) + exp(-b/gamma) + exp(-c/gamma))``.
    See :mod:`seqalign.soft.api` for the sharp variant and the expected alignment.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        Time-first.
    y : array_like, shape (m,) or (m, d)
        Time-first, with the same ``d``.
    cost : array_like, shape (n, m), optional
        A precomputed local cost matrix instead of ``x`` and ``y``.
    gamma : float
        Smoothing, > 0; soft-DTW tends to DTW as ``gamma -> 0``.
    metric : str or MetricSpec
        Local cost, a name from :data:`seqalign.localcosts.METRICS` or
        :data:`~seqalign.localcosts.KERNEL_METRICS` (``"rbf:gamma=0.5"``; default sqeuclidean).
        An rbf ``gamma`` left to the median heuristic is computed from ``x`` and ``y`` (for
        the divergence, once for its three terms) and held fixed in the gradients.
    window, radius
        A window of :mod:`seqalign.warping.windows` (``sakoechiba``, ``slantedband``, ``itakura``);
        paths outside it are excluded and the work is proportional to its area.
    sharp : bool
        Compute the sharp value ``<E, C>`` instead (Blondel, Mensch & Vert 2021).
    gradient : bool
        Also the gradients with respect to ``x`` and ``y`` (or to ``cost``).
    alignment : bool
        Also the expected alignment matrix ``E`` (dense ``(n, m)``).
    max_memory : int, optional
        Byte budget for the gradients and alignment; default half the available memory.
    dtype : str
        ``"float64"``, or ``"float32"`` for values only (:data:`DTYPES`).

    Returns
    -------
    SoftAlignment

    Raises
    ------
    InputError
        Bad input or option (``gamma <= 0`` included); :class:`NoPathError` when the window
        connects no path, :class:`MemoryBudgetError` when the gradients would not fit.

    Examples
    --------
    >>> s = soft_dtw([0.0, 1.0, 2.0], [0.0, 2.0, 2.0], gamma=1.0, gradient=True)
    >>> round(s.value, 4), s.gradient_x.round(4).tolist()  # negative: the entropy of the paths
    (-0.4631, [-0.0577, -0.8897, 0.017])
    >>> round(soft_dtw([0.0, 1.0, 2.0], [0.0, 2.0], gamma=1e-9).value, 6)  # -> DTW
    1.0
    """
    gamma = check_gamma(gamma)
    dtype = resolve_dtype(dtype, sharp=sharp, gradients=gradient or alignment)
    window_name, radius = resolve_window(window, radius)
    flat_x = flat_y = False
    if cost is not None:
        if x is not None or y is not None:
            raise InputError("give either x and y, or cost, not both", argument="cost")
        metric_name = "precomputed"
        p = cost_pair(cost)
    else:
        if x is None or y is None:
            missing = "x" if x is None else "y"
            raise InputError("soft_dtw needs x and y (or a cost matrix)", argument=missing)
        metric_name = resolve_metric(metric)
        xa, flat_x = frames(x, "x")
        ya, flat_y = frames(y, "y")
        same_features(xa, ya)
        metric_name = bind_metric(metric_name, xa, ya)
        p = pair(xa, ya, metric_name)
    band = window_band(window_name, p.n, p.m, radius)
    want_x = want_y = gradient and cost is None
    want_cells = alignment or (gradient and cost is not None)
    if want_x or want_cells:
        extra = 8 * p.n * p.m * (int(alignment) + int(gradient and cost is not None))
        check_memory(band.area, 40 if sharp else 24, extra, max_memory)
    run = sweep(p, band, gamma, sharp, want_x, want_y, want_cells, dtype)
    no_path(run.value, window_name, radius, p.n, p.m)
    grad_cost = None
    if gradient and cost is not None:
        assert run.weights is not None
        grad_cost = dense(band, run.weights, p.n, p.m)
    expected = None
    if alignment:
        assert run.expected is not None
        expected = dense(band, run.expected, p.n, p.m)
    return SoftAlignment(
        value=run.value,
        gamma=gamma,
        n=p.n,
        m=p.m,
        metric=metric_name,
        window=window_name,
        radius=radius,
        sharp=sharp,
        gradient_x=run.gx if not flat_x else _shaped(run.gx, True),
        gradient_y=run.gy if not flat_y else _shaped(run.gy, True),
        gradient_cost=grad_cost,
        alignment=expected,
        dtype=dtype,
        cells=band.area,
    )


def soft_dtw_divergence(
    x: ArrayLike,
    y: ArrayLike,
    *,
    gamma: float = 1.0,
    metric: str = "sqeuclidean",
    window: str | None = None,
    radius: int | None = None,
    sharp: bool = False,
    gradient: bool = False,
    max_memory: int | None = None,
    dtype: str = "float64",
) -> SoftAlignment:
    """The soft-DTW divergence ``D(x, y) = sdtw(x, y) - (sdtw(x, x) + sdtw(y, y)) / 2``.

    Blondel, Mensch & Vert (2021): unlike soft-DTW it is exactly 0 at ``x == y``, symmetric,
    and non-negative (under their conditions on the cost). With ``sharp=True`` every term
    is the sharp value ``<E, C>`` instead (the sharp divergence). The window and metric
    apply to all three terms. Parameters as :func:`soft_dtw`.

    Returns
    -------
    SoftAlignment
        ``value`` is ``D(x, y)``; ``self_values`` holds ``(sdtw(x, x), sdtw(y, y))``;
        ``gradient_x``/``gradient_y`` are ``dD/dx`` and ``dD/dy`` when ``gradient=True``.

    Examples
    --------
    >>> x, y = [0.0, 1.0, 2.0], [0.0, 0.5, 2.0, 2.0]
    >>> soft_dtw_divergence(x, x).value
    0.0
    >>> d = soft_dtw_divergence(x, y, gamma=0.5)
    >>> d.value > 0, d.value == soft_dtw_divergence(y, x, gamma=0.5).value
    (True, True)
    """
    gamma = check_gamma(gamma)
    dtype = resolve_dtype(dtype, sharp=sharp, gradients=gradient)
    window_name, radius = resolve_window(window, radius)
    metric_name = resolve_metric(metric)
    xa, flat_x = frames(x, "x")
    ya, flat_y = frames(y, "y")
    same_features(xa, ya)
    metric_name = bind_metric(metric_name, xa, ya)  # one cost for the three terms
    n, m = xa.shape[0], ya.shape[0]
    bands = [window_band(window_name, a, b, radius) for a, b in ((n, m), (n, n), (m, m))]
    if gradient:
        check_memory(max(b.area for b in bands), 40 if sharp else 24, 0, max_memory)
    flags = (gamma, sharp, gradient, gradient, False, dtype)
    xy = sweep(pair(xa, ya, metric_name), bands[0], *flags)
    no_path(xy.value, window_name, radius, n, m)
    xx = sweep(pair(xa, xa, metric_name), bands[1], *flags)
    yy = sweep(pair(ya, ya, metric_name), bands[2], *flags)
    value = xy.value - (xx.value + yy.value) / 2
    gx = gy = None
    if gradient:
        assert xy.gx is not None and xx.gx is not None and xx.gy is not None
        assert xy.gy is not None and yy.gx is not None and yy.gy is not None
        # d/dx of sdtw(x, x) / 2: the mean of the gradients through each argument
        gx = xy.gx - (xx.gx + xx.gy) / 2
        gy = xy.gy - (yy.gx + yy.gy) / 2
    return SoftAlignment(
        value=float(value),
        gamma=gamma,
        n=n,
        m=m,
        metric=metric_name,
        window=window_name,
        radius=radius,
        sharp=sharp,
        divergence=True,
        gradient_x=_shaped(gx, True) if flat_x else gx,
        gradient_y=_shaped(gy, True) if flat_y else gy,
        self_values=(xx.value, yy.value),
        dtype=dtype,
        cells=bands[0].area,
    )
