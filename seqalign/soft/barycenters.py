"""Barycenters (averages) of sets of sequences of any lengths under (soft-)DTW.

Given sequences ``X_1 ... X_N`` (time-first, same features) and weights ``w_k >= 0``
(default 1), a barycenter is a sequence ``Z`` of ``L`` frames that minimises

``soft`` (Cuturi & Blondel 2017)
    ``F(Z) = sum_k w_k sdtw_gamma(Z, X_k)``, soft-DTW on the chosen cost (default the
    squared Euclidean one, as tslearn's ``softdtw_barycenter``), or ``sum_k w_k D(Z, X_k)``
    with the soft-DTW divergence (``divergence=True``; Blondel, Mensch & Vert 2021), or
    their sharp variants (``sharp=True``). Minimised by scipy's L-BFGS-B on the exact
    gradient; ``tol`` is L-BFGS-B's (relative decrease of ``F`` and largest gradient entry).
``dba`` (Petitjean, Ketterlin & Gancarski 2011)
    ``F(Z) = sum_k w_k DTW(Z, X_k)`` with DTW on the squared Euclidean cost and the
    ``symmetric1`` steps (the sum of squared distances along the optimal path). Each
    iteration aligns every ``X_k`` to ``Z`` and replaces each frame of ``Z`` by the weighted
    mean of the frames matched to it, which never increases ``F``; it stops when an iteration
    lowers ``F`` by less than ``tol * F``.

Initialisation (``init``): ``"mean"``, every sequence linearly resampled to ``L`` frames and
averaged with the weights (with equal lengths, the plain weighted mean, as tslearn);
``"medoid"``, the input sequence with the lowest objective against the others (resampled to
``L`` when ``length`` is given); or an explicit ``(L, d)`` array. The default ``L`` is the
rounded mean length (``"mean"``) or the medoid's length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seqalign import config
from seqalign.errors import InputError
from seqalign.localcosts import metric_code, prepare, resolve_metric
from seqalign.soft.api import soft_dtw
from seqalign.soft.pairwise import Bands, as_series, pack, pairwise_soft_dtw
from seqalign.soft.sweep import check_gamma, inverse_norms, no_path
from seqalign.threads import resolve_jobs, run_chunks
from seqalign.units import plural
from seqalign.validation import as_frames, check_choice, check_whole
from seqalign.warping.windows import resolve_window

__all__ = ["BARYCENTER_INITS", "BARYCENTER_METHODS", "Barycenter", "barycenter"]

#: Barycenter method -> description (the valid values of ``method``).
BARYCENTER_METHODS: dict[str, str] = {
    "soft": "soft-DTW barycenter: L-BFGS-B on the exact soft-DTW gradient (Cuturi & Blondel 2017)",
    "dba": "DTW barycenter averaging (Petitjean et al. 2011), squared Euclidean cost",
}

#: Initialisation name -> description (the valid names of ``init``; an array is also valid).
BARYCENTER_INITS: dict[str, str] = {
    "mean": "every sequence resampled to the barycenter's length, then averaged",
    "medoid": "the input sequence with the lowest objective against all the others",
}

#: (tol, max_iter) by method. tslearn stops soft-DTW barycenters at tol 1e-3, where L-BFGS-B
#: still lowers the objective by about 0.2 % more in a few iterations (benchmarks/README.md):
#: 1e-4 here. DBA: tslearn's 30 iterations, with a relative tolerance.
_DEFAULTS = {"soft": (1e-4, 50), "dba": (1e-5, 30)}


@dataclass(frozen=True)
class Barycenter:
    """The result of :func:`barycenter`.

    Attributes
    ----------
    average : ndarray, shape (L, d)
        The barycenter, time-first.
    objective : float
        ``F(average)`` (see :mod:`seqalign.soft.barycenters`).
    initial_objective : float
        ``F`` at the initialisation.
    n_iter : int
        Iterations done (L-BFGS-B iterations, or DBA updates).
    converged : bool
        Whether the tolerance was met before ``max_iter``.
    averaging : str
        ``"soft"`` or ``"dba"``.
    history : ndarray
        ``F`` at the initialisation and after each iteration.
    """

    average: np.ndarray = field(repr=False)
    objective: float
    initial_objective: float
    n_iter: int
    converged: bool
    averaging: str
    gamma: float | None
    metric: str
    divergence: bool = False
    sharp: bool = False
    history: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable metadata (no arrays but the history)."""
        return {
            "averaging": self.averaging,
            "objective": self.objective,
            "initial_objective": self.initial_objective,
            "n_iter": self.n_iter,
            "converged": self.converged,
            "gamma": self.gamma,
            "metric": self.metric,
            "divergence": self.divergence,
            "sharp": self.sharp,
            "length": int(self.average.shape[0]),
            "history": self.history.tolist(),
        }


def _weights(weights: ArrayLike | None, count: int) -> np.ndarray:
    if weights is None:
        return np.ones(count)
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape[0] != count:
        raise InputError(
            f"weights has {plural(w.shape[0], 'value')} for {plural(count, 'sequence')}; give "
            "one per sequence",
            argument="weights",
        )
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise InputError("weights must be finite, non-negative and not all 0", argument="weights")
    return w


def resample(a: np.ndarray, length: int) -> np.ndarray:
    """``a`` linearly interpolated to ``length`` frames (first and last frames kept).

    Examples
    --------
    >>> resample(np.array([[0.0], [2.0]]), 3).ravel().tolist()
    [0.0, 1.0, 2.0]
    """
    if a.shape[0] == length:
        return a.copy()
    old = np.linspace(0.0, 1.0, a.shape[0])
    new = np.linspace(0.0, 1.0, length)
    return np.column_stack([np.interp(new, old, a[:, f]) for f in range(a.shape[1])])


class _SoftObjective:
    """``F(Z)`` and its gradient for the soft method, over threads."""

    def __init__(self, series, w, gamma, metric, window, radius, divergence, sharp, jobs, length):
        self.series, self.w, self.gamma, self.metric = series, w, gamma, metric
        self.window, self.radius = window, radius
        self.divergence, self.sharp, self.jobs, self.length = divergence, sharp, jobs, length
        self.packed = pack(series, metric)
        bands = Bands(window, radius)
        self.band_of = np.array([bands.index(length, int(n)) for n in self.packed.lengths],
                                dtype=np.int64)  # fmt: skip
        self.dlo, self.dhi, self.doff, self.band_off, self.doff_off = bands.packed()
        self.group = config.cost_group(self.packed.d, length)
        self.constant = 0.0
        if divergence:  # sum_k w_k sdtw(X_k, X_k) / 2 does not depend on Z
            options = {"gamma": gamma, "metric": metric, "window": window, "radius": radius}
            selves = np.array([soft_dtw(s, s, sharp=sharp, **options).value for s in series])
            self.constant = float(w @ selves) / 2

    def __call__(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        from seqalign._kernels import soft_batch

        d = self.series[0].shape[1]
        zt = prepare(z, z, self.metric)[0]
        zinv = inverse_norms(z, self.metric)
        values = np.empty(len(self.series))
        grads: dict[int, np.ndarray] = {}  # by chunk, summed in order: the same bits every run

        def work(start: int, stop: int) -> None:
            g = np.zeros((d, self.length))
            soft_batch.objective_terms(
                (zt, zinv),
                (self.packed.reversed, self.packed.offsets, self.packed.lengths,
                 self.packed.inverse_norms),
                self.packed.d,
                (np.arange(start, stop), self.w, self.band_of),
                (self.dlo, self.dhi, self.doff, self.band_off, self.doff_off),
                (metric_code(self.metric), self.gamma, self.sharp, self.group),
                g,
                values,
            )  # fmt: skip
            grads[start] = g

        run_chunks(work, len(self.series), self.jobs)
        if not np.isfinite(values).all():
            k = int(np.argmax(~np.isfinite(values)))
            no_path(math.inf, self.window, self.radius, self.length, int(self.packed.lengths[k]))
        value = float(self.w @ values)
        grad = np.sum([grads[k] for k in sorted(grads)], axis=0).T
        if self.divergence:
            own = soft_dtw(z, z, gamma=self.gamma, metric=self.metric, window=self.window,
                           radius=self.radius, sharp=self.sharp, gradient=True)  # fmt: skip
            assert own.gradient_x is not None and own.gradient_y is not None
            total = float(self.w.sum())
            value -= total * own.value / 2 + self.constant
            grad = grad - total * (own.gradient_x + own.gradient_y) / 2
        return value, grad


def _dba_objective(series, w, z, window, radius, jobs) -> tuple[float, np.ndarray, np.ndarray]:
    """``F(z)``, and the weighted sums and counts of the frames each frame of ``z`` matches."""
    from seqalign.warping.align import dtw

    sums = np.zeros_like(z)
    counts = np.zeros(z.shape[0])
    costs = np.zeros(len(series))
    paths: list[np.ndarray | None] = [None] * len(series)

    def work(start: int, stop: int) -> None:
        for k in range(start, stop):
            a = dtw(z, series[k], metric="sqeuclidean", step_pattern="symmetric1",
                    window=window, radius=radius)  # fmt: skip
            costs[k] = a.distance
            paths[k] = a.path

    run_chunks(work, len(series), jobs)
    for k, path in enumerate(paths):
        assert path is not None
        np.add.at(sums, path[:, 0], w[k] * series[k][path[:, 1]])
        np.add.at(counts, path[:, 0], w[k])
    return float(w @ costs), sums, counts


def _initial(init, series, w, length, method, objective_matrix) -> np.ndarray:
    d = series[0].shape[1]
    if not isinstance(init, str):
        z = as_frames(init, "init", min_frames=2, purpose="a barycenter")
        if z.shape[1] != d:
            raise InputError(
                f"init has {plural(z.shape[1], 'feature')} per frame but the sequences have {d}",
                argument="init",
            )
        return z.copy()
    name = check_choice(init, BARYCENTER_INITS, "init", what="initialisation")
    if name == "mean":
        if length is None:
            length = max(2, round(float(np.mean([s.shape[0] for s in series]))))
        resampled = np.stack([resample(s, length) for s in series])
        return np.tensordot(w / w.sum(), resampled, axes=1)
    costs = objective_matrix() @ w
    best = series[int(np.argmin(costs))]
    return best.copy() if length is None else resample(best, length)


def _check_memory(length: int, xs: list[np.ndarray], jobs: int) -> None:
    """Refuse a barycenter ``length`` whose arrays would not fit the memory budget: the
    resampled inputs and the optimiser's copies (``L x d`` each) and, per thread, the
    accumulated-cost matrices of one alignment (``L x n``)."""
    from seqalign.errors import MemoryBudgetError
    from seqalign.memory import format_bytes, memory_budget

    budget = memory_budget(None)
    d = xs[0].shape[1]
    longest = max(x.shape[0] for x in xs)
    need = 8.0 * length * d * (len(xs) + 30)
    need += 8.0 * 3 * (length + 2) * (longest + 2) * min(jobs, len(xs))
    if budget is not None and need > budget:
        raise MemoryBudgetError(
            f"a barycenter of {plural(length, 'frame')} would need about {format_bytes(need)}, "
            f"over the memory budget of {format_bytes(budget)}; give a smaller length",
            argument="length",
        )


def barycenter(
    series: Any,
    *,
    averaging: str = "soft",
    gamma: float = 1.0,
    weights: ArrayLike | None = None,
    length: int | None = None,
    init: str | ArrayLike = "mean",
    tol: float | None = None,
    max_iter: int | None = None,
    metric: str = "sqeuclidean",
    divergence: bool = False,
    sharp: bool = False,
    window: str | None = None,
    radius: int | None = None,
    n_jobs: int | None = None,
) -> Barycenter:
    """A barycenter of sequences of any lengths: soft-DTW (L-BFGS-B) or DBA.

    Definitions of the objectives and initialisations in :mod:`seqalign.soft.barycenters`.

    Parameters
    ----------
    series : list of array_like, or ndarray
        The sequences (see :func:`seqalign.soft.pairwise.as_series`).
    averaging : str
        ``"soft"`` or ``"dba"`` (:data:`BARYCENTER_METHODS`).
    gamma : float
        soft-DTW smoothing, > 0 (``soft`` only).
    weights : array_like, optional
        One non-negative weight per sequence (default 1).
    length : int, optional
        Frames of the barycenter (default: see :mod:`seqalign.soft.barycenters`).
    init : str or array_like
        ``"mean"``, ``"medoid"`` or an initial ``(L, d)`` barycenter.
    tol : float, optional
        Stopping tolerance (default 1e-4 for ``soft``, 1e-5 for ``dba``).
    max_iter : int, optional
        Most iterations (default 50 for ``soft``, 30 for ``dba``).
    metric : str
        Local cost of ``soft`` (``dba`` is defined for sqeuclidean only).
    divergence, sharp : bool
        ``soft`` only: minimise the soft-DTW divergence, or the sharp variants.
    window, radius
        A window for every alignment (see :func:`seqalign.dtw`).
    n_jobs : int, optional
        Threads; default every CPU.

    Returns
    -------
    Barycenter

    Examples
    --------
    >>> b = barycenter([[0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 2.0]], averaging="dba", length=3,
    ...                n_jobs=1)
    >>> b.average.ravel().tolist(), b.objective <= b.initial_objective
    ([0.0, 1.0, 2.0], True)
    """
    method = check_choice(averaging, BARYCENTER_METHODS, "averaging", what="averaging")
    xs = as_series(series, "series")
    w = _weights(weights, len(xs))
    window_name, radius = resolve_window(window, radius)
    jobs = resolve_jobs(n_jobs)
    default_tol, default_iter = _DEFAULTS[method]
    tol = default_tol if tol is None else tol
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise InputError(f"tol must be a number >= 0, got {tol!r}", argument="tol")
    max_iter = default_iter if max_iter is None else check_whole(max_iter, "max_iter",
                                                                   what="iterations")  # fmt: skip
    if length is not None:
        length = check_whole(length, "length", what="frames of the barycenter")
        if length < 2:
            raise InputError("length must be at least 2 frames", argument="length")
        _check_memory(length, xs, jobs)
    if method == "dba":
        if resolve_metric(metric) != "sqeuclidean":
            raise InputError(
                f"DBA averages under the squared Euclidean cost; metric {metric!r} needs "
                "averaging 'soft'",
                argument="metric",
            )
        if divergence or sharp:
            raise InputError("divergence and sharp apply to averaging 'soft'", argument="averaging")

        def dtw_matrix() -> np.ndarray:
            return np.array([[_dba_objective([b], np.ones(1), a, window_name, radius, 1)[0]
                              for b in xs] for a in xs])  # fmt: skip

        z = _initial(init, xs, w, length, method, dtw_matrix)
        return _dba(xs, w, z, window_name, radius, tol, max_iter, jobs)
    gamma = check_gamma(gamma)
    metric_name = resolve_metric(metric)

    def soft_matrix() -> np.ndarray:
        return pairwise_soft_dtw(xs, gamma=gamma, metric=metric_name, divergence=divergence,
                                 sharp=sharp, window=window_name, radius=radius,
                                 n_jobs=jobs)  # fmt: skip

    z = _initial(init, xs, w, length, method, soft_matrix)
    objective = _SoftObjective(xs, w, gamma, metric_name, window_name, radius, divergence, sharp,
                               jobs, z.shape[0])  # fmt: skip
    return _soft(objective, z, tol, max_iter, gamma, metric_name, divergence, sharp)


def _soft(objective: _SoftObjective, z0, tol, max_iter, gamma, metric, divergence, sharp):
    from scipy.optimize import minimize

    shape = z0.shape
    history: list[float] = []
    last: dict[str, float] = {}

    def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = objective(flat.reshape(shape))
        last["value"] = value
        if not history:
            history.append(value)
        return value, grad.ravel()

    def callback(flat: np.ndarray) -> None:
        history.append(last["value"])

    result = minimize(fun, z0.ravel(), jac=True, method="L-BFGS-B", tol=tol,
                      options={"maxiter": max_iter}, callback=callback)  # fmt: skip
    return Barycenter(
        average=result.x.reshape(shape),
        objective=float(result.fun),
        initial_objective=history[0],
        n_iter=int(result.nit),
        converged=bool(result.success),
        averaging="soft",
        gamma=gamma,
        metric=metric,
        divergence=divergence,
        sharp=sharp,
        history=np.array(history),
    )


def _dba(series, w, z, window, radius, tol, max_iter, jobs) -> Barycenter:
    history: list[float] = []
    converged = False
    n_iter = 0
    while True:
        value, sums, counts = _dba_objective(series, w, z, window, radius, jobs)
        if history and history[-1] - value <= tol * value:
            converged = True
        history.append(value)
        if converged or n_iter == max_iter:
            break
        keep = counts > 0  # a frame no weighted path reaches keeps its value
        z = z.copy()
        z[keep] = sums[keep] / counts[keep, None]
        n_iter += 1
    return Barycenter(
        average=z,
        objective=history[-1],
        initial_objective=history[0],
        n_iter=n_iter,
        converged=converged,
        averaging="dba",
        gamma=None,
        metric="sqeuclidean",
        history=np.array(history),
    )
