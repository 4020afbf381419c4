"""The segment costs of changepoint detection: one registry, and their inputs for the kernels.

A cost ``C(s, e)`` measures how badly one model fits the frames ``s <= t < e`` of
``x`` (shape ``(n_frames, n_features)``); a segmentation minimises the sum of its
segments' costs (plus a penalty per change). The definitions (``L = e - s``):

``l2``
    ``sum_t ||x_t - mean||^2``: the squared Euclidean distance to the segment mean,
    summed over features, not normalised (ruptures ``CostL2``). A change in the mean.
``l1``
    ``sum_t ||x_t - median||_1`` with the coordinate-wise median (ruptures ``CostL1``).
    A change in the median, robust to outliers.
``normal``
    ``L * log det(Sigma + eps * I)`` with ``Sigma`` the maximum-likelihood (ddof 0)
    covariance of the segment: twice the negative Gaussian log-likelihood up to a
    constant. A change in mean and (co)variance. ruptures ``CostNormal`` is the same with
    ``eps = 1e-6``, except that it takes ddof 1 for several features.
``linear``
    The residual sum of squares of the least-squares fit ``x[:, 0] ~ x[:, 1:] @ b`` within
    the segment (no intercept unless a column of ones is given; ruptures ``CostLinear``).
    A change in a linear relation.
``rbf``
    The kernel cost ``sum_t k(x_t, x_t) - (1/L) sum_{t,u} k(x_t, x_u)`` with
    ``k(x, y) = exp(-gamma ||x - y||^2)`` (Arlot, Celisse & Harchaoui 2019; ruptures
    ``CostRbf`` clips ``gamma ||x - y||^2`` to [0.01, 100], ``KernelCPD`` does not, nor do
    we). ``gamma`` defaults to the median heuristic, ``1 / median ||x_t - x_u||^2`` over
    pairs (of at most 2,000 evenly spaced frames). Any change in distribution; memory
    ``O(n)``.
``cosine``
    The kernel cost with the cosine kernel ``k(x, y) = x.y / (||x|| ||y||)``: ``l2`` on
    rows scaled to unit length (ruptures ``CostCosine``). A change in direction, not size.

The linear kernel ``k(x, y) = x.y`` gives exactly ``l2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqalign._kernels.segcost import L1, L2, LINEAR, NORMAL, RBF
from seqalign.errors import InputError
from seqalign.validation import check_choice

#: Pairs of frames at most used by the median heuristic of the rbf bandwidth.
MEDIAN_HEURISTIC_FRAMES = 2000


@dataclass(frozen=True)
class CostSpec:
    """One segment cost: its kernel code, the shortest segment it is defined on, and how
    many parameters one segment fits (used by the information-criterion penalties)."""

    name: str
    code: int
    min_size: int
    summary: str

    def parameters(self, n_features: int) -> int:
        """Free parameters of one segment's model (``p`` in BIC's ``p log n``)."""
        d = n_features
        if self.name == "normal":
            return d + d * (d + 1) // 2
        if self.name == "linear":
            return max(d - 1, 1)
        return d


COSTS: dict[str, CostSpec] = {
    spec.name: spec
    for spec in (
        CostSpec("l2", L2, 1, "change in mean (squared error)"),
        CostSpec("l1", L1, 1, "change in median (absolute error)"),
        CostSpec("normal", NORMAL, 2, "change in mean and covariance (Gaussian likelihood)"),
        CostSpec("linear", LINEAR, 1, "change in a linear regression of column 0 on the others"),
        CostSpec("rbf", RBF, 1, "change in distribution (Gaussian kernel)"),
        CostSpec("cosine", L2, 1, "change in direction (cosine kernel)"),
    )
}


#: The cost that is a search of its own (:mod:`seqalign.changepoints.shape`), not a segment
#: cost: only :func:`seqalign.segment` takes it.
SHAPE = "shape"


def get_cost(name: str) -> CostSpec:
    """The :class:`CostSpec` called ``name``; an unknown name lists the valid ones."""
    name = check_choice(name, [*COSTS, SHAPE], "cost")
    if name == SHAPE:
        raise InputError(
            "the shape cost has a search of its own: it takes no penalty range (crops) and "
            "no pelt, dynp, binseg, bottomup or window search",
            argument="cost",
        )
    return COSTS[name]


@dataclass(frozen=True)
class PreparedCost:
    """What the kernels need: the code, the data (prefix sums or frames), the cost's
    parameter (eps or gamma) and a scratch matrix."""

    spec: CostSpec
    code: int
    data: np.ndarray
    param: float
    work: np.ndarray


def _pairs_lower(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Columns ``a[:, i] * b[:, j]`` for ``j <= i``, in the kernels' order."""
    d = a.shape[1]
    cols = [a[:, i] * b[:, j] for i in range(d) for j in range(i + 1)]
    return np.stack(cols, axis=1) if cols else np.empty((a.shape[0], 0))


def _prefix(columns: np.ndarray) -> np.ndarray:
    out = np.zeros((columns.shape[0] + 1, columns.shape[1]))
    np.cumsum(columns, axis=0, out=out[1:])
    return out


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit Euclidean length (zero rows stay zero)."""
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    norms[norms == 0.0] = 1.0
    return x / norms[:, None]


def median_heuristic(x: np.ndarray) -> float:
    """``1 / median ||x_t - x_u||^2`` over pairs ``t < u`` (of at most
    :data:`MEDIAN_HEURISTIC_FRAMES` evenly spaced frames); ``1`` when the median is 0."""
    n = x.shape[0]
    if n > MEDIAN_HEURISTIC_FRAMES:
        x = x[np.linspace(0, n - 1, MEDIAN_HEURISTIC_FRAMES).round().astype(np.int64)]
    sq = np.einsum("ij,ij->i", x, x)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    iu = np.triu_indices(x.shape[0], k=1)
    values = np.maximum(d2[iu], 0.0)
    if values.size == 0:
        return 1.0
    med = float(np.median(values))
    return 1.0 / med if med > 0.0 else 1.0


def prepared_bytes(spec: CostSpec, n: int, d: int) -> int:
    """Peak bytes :func:`prepare_cost` and a search need for ``n`` frames of ``d`` features.

    The prefix sums hold ``n + 1`` rows of ``1 + d`` (l2, cosine), ``d + d (d + 1) / 2``
    (normal) or ``1 + (d - 1) + d (d - 1) / 2`` (linear) columns, built from columns of the
    same size (twice that at the peak); l1 and rbf keep the frames. The searches add about
    ten arrays of ``n + 1`` numbers.
    """
    if spec.name in ("l2", "cosine"):
        columns = 2 * (1 + d)
    elif spec.name == "normal":
        columns = 2 * (d + d * (d + 1) // 2)
    elif spec.name == "linear":
        p = max(d - 1, 1)
        columns = 2 * (1 + p + p * (p + 1) // 2)
    else:
        columns = d
    return 8 * (n + 1) * (columns + 10)


def prepare_cost(
    spec: CostSpec, x: np.ndarray, *, gamma: float | None = None, eps: float | None = None
) -> PreparedCost:
    """Build the kernel inputs of ``spec`` for ``x`` (float64, ``(n_frames, n_features)``).

    Prefix sums are taken of the data centred on its global mean (for l2, cosine and
    normal), which keeps ``S2 - S1^2 / L`` accurate over long inputs.
    """
    n, d = x.shape
    work = np.zeros((max(d, 1), max(d, 1) + 1))
    if spec.name in ("l2", "cosine"):
        z = unit_rows(x) if spec.name == "cosine" else x
        z = z - z.mean(axis=0)
        cols = np.empty((n, d + 1))
        cols[:, 0] = np.einsum("ij,ij->i", z, z)
        cols[:, 1:] = z
        return PreparedCost(spec, L2, _prefix(cols), 0.0, work)
    if spec.name == "normal":
        z = x - x.mean(axis=0)
        if eps is None:
            scale = float(np.mean(np.var(z, axis=0)))
            eps = 1e-6 * (scale if scale > 0.0 else 1.0)
        cols = np.concatenate([z, _pairs_lower(z, z)], axis=1)
        return PreparedCost(spec, NORMAL, _prefix(cols), float(eps), work)
    if spec.name == "linear":
        if d < 2:
            raise InputError(
                "the linear cost regresses column 0 on the other columns: it needs at least 2 "
                "features",
                argument="cost",
            )
        y = x[:, :1]
        covariates = x[:, 1:]
        cols = np.concatenate([y * y, covariates * y, _pairs_lower(covariates, covariates)], axis=1)
        p = d - 1
        return PreparedCost(spec, LINEAR, _prefix(cols), 0.0, np.zeros((p, p + 1)))
    if spec.name == "l1":
        return PreparedCost(spec, L1, np.ascontiguousarray(x), 0.0, work)
    if gamma is None:
        gamma = median_heuristic(x)
    elif not gamma > 0.0:
        raise InputError(
            f"the rbf bandwidth must be positive, not {gamma}", argument="kernel_gamma"
        )
    return PreparedCost(spec, RBF, np.ascontiguousarray(x), float(gamma), work)


def _long_run_variance(x: np.ndarray) -> np.ndarray:
    """Per-feature noise variance, robust to mean shifts and to serial correlation.

    With ``b = ceil(n^(1/3))`` and ``m_t`` the mean of the ``b`` frames from ``t``, the
    difference ``m_t - m_{t+b}`` of adjacent block means has variance ``2 s^2 / b``,
    where ``s^2`` is the long-run variance (the plain variance for independent noise;
    larger for the correlated frames of overlapping analysis windows). Its MAD (times
    1.4826) ignores the few differences that straddle a change. ``b = 1`` gives the
    usual first-difference estimate.
    """
    n = x.shape[0]
    b = max(1, min(int(np.ceil(n ** (1.0 / 3.0))), n // 4))
    csum = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    means = (csum[b:] - csum[:-b]) / b
    diffs = means[:-b] - means[b:]
    mad = np.median(np.abs(diffs - np.median(diffs, axis=0)), axis=0)
    sigma2 = b * (1.4826 * mad) ** 2 / 2.0
    fallback = b * np.var(diffs, axis=0) / 2.0
    return np.where(sigma2 > 0.0, sigma2, fallback)


def noise_scale(spec: CostSpec, x: np.ndarray, gamma: float | None = None) -> float:
    """The unit in which a cost counts one unit of twice the negative log-likelihood.

    Information-criterion penalties (``p log n`` and so on) assume costs in that unit.
    For ``l2`` (and ``cosine``, ``linear``) it is the noise variance, averaged over
    features and estimated robustly from differences of adjacent block means
    (:func:`_long_run_variance`), which changes of mean barely touch and which accounts
    for serially correlated frames (audio features); for ``l1`` the matching Laplace
    scale over 2; for ``rbf`` the same idea in the kernel's feature space,
    ``median_t (1 - k(x_t, x_t+1))``; ``normal`` is already a likelihood (1).
    """
    if spec.name == "normal" or x.shape[0] < 8:
        return 1.0
    if spec.name == "cosine":
        x = unit_rows(x)
    if spec.name == "linear":
        coef, *_ = np.linalg.lstsq(x[:, 1:], x[:, 0], rcond=None)
        x = (x[:, 0] - x[:, 1:] @ coef)[:, None]
    if spec.name == "rbf":
        diffs = np.diff(x, axis=0)
        g = median_heuristic(x) if gamma is None else gamma
        value = float(np.median(1.0 - np.exp(-g * np.einsum("ij,ij->i", diffs, diffs))))
        return value if value > 0.0 else 1.0
    value = float(np.mean(_long_run_variance(x)))
    if spec.name == "l1":
        value = float(np.sqrt(value / 2.0)) / 2.0
    return value if value > 0.0 else 1.0
