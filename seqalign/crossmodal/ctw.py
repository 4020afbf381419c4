"""Cross-modal alignment by canonical time warping: frames in different feature spaces.

``seqalign.ctw(x, y)`` aligns ``x`` (n, d_x) with ``y`` (m, d_y), ``d_x != d_y`` allowed
(video embeddings against audio features, an accelerometer against a recording), by
alternating the two halves of the problem (Zhou & De la Torre 2009):

1. **CCA** (:func:`seqalign.crossmodal.cca.fit_cca`) on the frame pairs of the current path gives
   projections ``A`` (d_x, K) and ``B`` (d_y, K) into a shared K-dimensional space;
2. **DTW** (:func:`seqalign.dtw`, the exact engine, symmetric1 by default) of the projected
   sequences ``X' = (x - mu_x) A`` and ``Y' = (y - mu_y) B`` gives a new path.

The objective of a step is ``J = sum_{(i, j) in path} |X'_i - Y'_j|^2``, the squared
Euclidean distance in the shared space summed along the path that DTW returned for that
step's projections (with the default ``metric="sqeuclidean"`` it is the DTW distance). The
loop stops when the path no longer changes (converged), when ``J`` stops decreasing, or
after ``max_iter`` steps; the step with the lowest ``J`` is returned, with its path and the
projections that produced it.

The first CCA is fitted on a uniform (diagonal) path, or on a path you give (``init``).
Each input is divided by its largest deviation from its mean before the loop (CCA does not
depend on units; this keeps the covariances finite from 1e-300 to 1e300, and an input that
varies by less than 1e-300 counts as constant); the projections returned act on the
original units.

Defaults, and how they were chosen (synthetic data of tests/test_ctw.py: a 3-dimensional
latent trajectory seen through random maps to 5 and 8 features, noise, two time warps):

* ``n_components = min(d_x, d_y, 10)``. Every component is whitened to unit variance, so
  components beyond the shared signal add noise to the DTW cost: when the dimension of what
  the two inputs share is known (or guessable), pass it. With 3 shared dimensions, K = 3
  matched 86 % of frames within 3 frames of the truth, K = 5 fewer.
* ``reg = 0.1`` (a tenth of the mean variance per feature added to each variance): mean
  agreement over 10 seeds at the default K was 56 % with ``reg = 0.001``, 67 % with 0.01 and
  84 % with 0.1; with many features and few frames CCA otherwise fits noise.

CTW is a local search: warps far from the initial path (more than about a quarter of a
period of the shared signal) can trap it; give a rough path as ``init`` then.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seqalign.crossmodal.cca import Projections, check_reg, fit_cca
from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.validation import as_frames, check_whole
from seqalign.warping.align import Alignment, dtw

#: Default number of canonical components: ``min(d_x, d_y, DEFAULT_COMPONENTS)``.
DEFAULT_COMPONENTS = 10
#: Default relative ridge of the covariances (a fraction of the mean variance per feature).
DEFAULT_REG = 0.1
#: Default step limit.
DEFAULT_MAX_ITER = 20
#: Local costs allowed in the shared space.
CTW_METRICS = ("sqeuclidean", "euclidean")
#: Methods of ``seqalign warp --cross-modal`` (one registry for the vocabulary).
CROSS_MODAL: dict[str, str] = {
    "ctw": "canonical time warping: alternate CCA and DTW (Zhou & De la Torre 2009)",
}


@dataclass(frozen=True)
class CTWAlignment(Alignment):
    """An :class:`~seqalign.warping.align.Alignment` in the learned shared space, with its
    projections.

    ``distance`` is the DTW distance of the projected sequences (``metric`` on
    ``projections.transform_x(x)`` and ``projections.transform_y(y)``).

    Attributes
    ----------
    projections : Projections
        The CCA maps that produced ``path`` (fitted on the previous step's path).
    objectives : ndarray, shape (steps,)
        ``J`` of every step run, in order (see the module); ``iteration`` indexes the best.
    iteration : int
        Step (0-based) whose path and projections are returned.
    converged : bool
        True when the loop stopped because the path stopped changing.
    """

    projections: Projections | None = None
    objectives: np.ndarray = field(default_factory=lambda: np.empty(0))
    iteration: int = 0
    converged: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable metadata: :meth:`Alignment.to_dict` plus the CTW fields."""
        out = super().to_dict()
        assert self.projections is not None
        out.update(
            cross_modal="ctw",
            components=self.projections.n_components,
            reg=self.projections.reg,
            correlations=self.projections.correlations.tolist(),
            objectives=self.objectives.tolist(),
            iteration=self.iteration,
            converged=self.converged,
        )
        return out


def diagonal_path(n: int, m: int) -> np.ndarray:
    """The uniform alignment: ``max(n, m)`` pairs along the diagonal, a valid symmetric1 path.

    Examples
    --------
    >>> diagonal_path(3, 5).tolist()
    [[0, 0], [1, 1], [1, 2], [2, 3], [2, 4]]
    """
    steps = max(n, m)
    k = np.arange(steps, dtype=np.float64) / max(steps - 1, 1)
    i = np.floor(k * (n - 1) + 0.5).astype(np.int64)
    j = np.floor(k * (m - 1) + 0.5).astype(np.int64)
    return np.column_stack([i, j])


def _check_init(init: ArrayLike, n: int, m: int) -> np.ndarray:
    try:
        path = np.asarray(init)
    except (TypeError, ValueError):
        path = np.empty(0)
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 2:
        raise InputError(
            f"init must be a path of (i, j) pairs, shape (L, 2) with L >= 2; got shape "
            f"{path.shape}",
            argument="init",
        )
    whole = np.issubdtype(path.dtype, np.integer) or (
        np.isfinite(path).all() and (path == np.round(path)).all()
    )
    if not whole:
        raise InputError("init must hold whole frame indices", argument="init")
    path = path.astype(np.int64)
    if (path < 0).any() or (path[:, 0] >= n).any() or (path[:, 1] >= m).any():
        raise InputError(
            f"init has frame indices outside 0..{n - 1} (x) or 0..{m - 1} (y)", argument="init"
        )
    if (np.diff(path, axis=0) < 0).any():
        raise InputError("init must be monotone (non-decreasing in both columns)", argument="init")
    return path


def _components(n_components: int | None, dx: int, dy: int) -> int:
    if n_components is None:
        return min(dx, dy, DEFAULT_COMPONENTS)
    if isinstance(n_components, bool) or int(n_components) != n_components:
        raise InputError(
            f"n_components must be a whole number, got {n_components!r}", argument="n_components"
        )
    k = int(n_components)
    if not 1 <= k <= min(dx, dy):
        raise InputError(
            f"n_components must be between 1 and min(d_x, d_y) = {min(dx, dy)} (x has "
            f"{plural(dx, 'feature')} per frame, y has {dy}); got {k}",
            argument="n_components",
        )
    return k


def _spread(a: np.ndarray, name: str) -> float:
    """Largest deviation from the mean: CCA is scale-free, so inputs are divided by it first
    (no overflow or underflow in the covariances, whatever the units)."""
    spread = float(np.abs(a - a.mean(axis=0)).max())
    if not spread > 1e-300:  # below, the projection weights (about 1 / spread) overflow
        raise InputError(
            f"{name} is constant (every feature varies by at most 1e-300); there is nothing "
            "to correlate",
            argument=name,
        )
    return spread


def _objective(px: np.ndarray, py: np.ndarray, path: np.ndarray) -> float:
    diff = px[path[:, 0]] - py[path[:, 1]]
    return float(np.einsum("ij,ij->", diff, diff))


def ctw(
    x: ArrayLike,
    y: ArrayLike,
    *,
    n_components: int | None = None,
    reg: float = DEFAULT_REG,
    max_iter: int = DEFAULT_MAX_ITER,
    init: ArrayLike | None = None,
    metric: str = "sqeuclidean",
    step_pattern: str = "symmetric1",
    window: str | None = None,
    radius: int | None = None,
    open_begin: bool = False,
    open_end: bool = False,
    max_memory: int | None = None,
) -> CTWAlignment:
    """Canonical time warping of ``x`` against ``y`` (features may differ in number).

    Each step fits regularised CCA on the current path's frame pairs (see
    :mod:`seqalign.crossmodal.cca`), projects both sequences to ``K`` shared dimensions and runs
    exact DTW there; the objective ``J = sum_{(i, j) in path} |X'_i - Y'_j|^2`` is recorded per
    step.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d_x)
        Query, time-first.
    y : array_like, shape (m,) or (m, d_y)
        Reference, time-first; ``d_y`` may differ from ``d_x``.
    n_components : int, optional
        ``K``, between 1 and ``min(d_x, d_y)``; default ``min(d_x, d_y, 10)``.
    reg : float
        Ridge added to each covariance, relative to its mean variance per feature
        (``lam = reg * trace(C) / d``); default 0.1. Keeps whitening finite for constant
        channels or fewer frames than features.
    max_iter : int
        Step limit (each step: one CCA and one DTW); default 20.
    init : array_like of int, shape (L, 2), optional
        Frame pairs for the first CCA (monotone); default the diagonal path.
    metric : str
        DTW local cost in the shared space: ``sqeuclidean`` (default) or ``euclidean``.
    step_pattern, window, radius, open_begin, open_end, max_memory
        As for :func:`seqalign.dtw`.

    Returns
    -------
    CTWAlignment
        The path, the projections that produced it and the objective per step.

    Raises
    ------
    InputError
        Bad input or option (e.g. ``n_components`` out of range, negative ``reg``, an input
        constant in every feature).

    Examples
    --------
    >>> t = np.linspace(0, 1, 40)
    >>> x = np.column_stack([np.sin(6 * t), t])
    >>> y = np.column_stack([t**1.5, 2 * np.sin(6 * t**1.5), -(t**1.5)])
    >>> a = ctw(x, y, n_components=2)
    >>> a.path.shape[1], a.projections.x_weights.shape, a.projections.y_weights.shape
    (2, (2, 2), (3, 2))
    """
    xa = as_frames(x, "x", min_frames=2, purpose="canonical time warping")
    ya = as_frames(y, "y", min_frames=2, purpose="canonical time warping")
    n, m = xa.shape[0], ya.shape[0]
    k = _components(n_components, xa.shape[1], ya.shape[1])
    reg = check_reg(reg)
    max_iter = check_whole(max_iter, "max_iter")
    if str(metric).lower() not in CTW_METRICS:
        raise InputError(
            f"metric {metric!r} cannot be used with canonical time warping; choose one of: "
            f"{', '.join(CTW_METRICS)}",
            argument="metric",
        )
    path = diagonal_path(n, m) if init is None else _check_init(init, n, m)
    spread_x, spread_y = _spread(xa, "x"), _spread(ya, "y")
    xa, ya = xa / spread_x, ya / spread_y
    objectives: list[float] = []
    best: tuple[float, int, Alignment, Projections] | None = None
    converged = False
    for step in range(int(max_iter)):
        model = fit_cca(xa, ya, path, k, reg)
        px, py = model.transform_x(xa), model.transform_y(ya)
        found = dtw(px, py, metric=metric, step_pattern=step_pattern, window=window,
                    radius=radius, open_begin=open_begin, open_end=open_end,
                    max_memory=max_memory)  # fmt: skip
        assert found.path is not None
        objective = _objective(px, py, found.path)
        objectives.append(objective)
        if best is not None and not objective < best[0]:
            break  # stopped decreasing: keep the best step
        best = (objective, step, found, model)
        if np.array_equal(found.path, path):
            converged = True
            break
        path = found.path
    assert best is not None
    _, step, found, model = best
    model = replace(
        model,
        x_weights=model.x_weights / spread_x,
        y_weights=model.y_weights / spread_y,
        x_mean=model.x_mean * spread_x,
        y_mean=model.y_mean * spread_y,
    )
    fields = {name: getattr(found, name) for name in Alignment.__dataclass_fields__}
    return CTWAlignment(
        **fields,
        projections=model,
        objectives=np.array(objectives),
        iteration=step,
        converged=converged,
    )
