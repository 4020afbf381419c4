"""Local cost metrics: the registry, input preparation for the kernel, and explicit matrices.

Definitions, for frames ``a = x[i]`` and ``b = y[j]`` (vectors of ``d`` features):

``euclidean``
    ``sqrt(sum_f (a_f - b_f)^2)`` (dtw-python's and librosa's default).
``sqeuclidean``
    ``sum_f (a_f - b_f)^2``; DTW with this metric and ``symmetric1`` is the square of
    dtaidistance's and tslearn's ``dtw`` value.
``cityblock``
    ``sum_f |a_f - b_f|``.
``cosine``
    ``1 - <a, b> / (|a| |b|)``, clipped at 0. A zero frame is treated as its own
    direction: two zero frames cost 0, a zero and a non-zero frame cost 1 (scipy would
    give NaN).

Kernel metrics (:data:`KERNEL_METRICS`) turn a similarity ``k`` into a cost: the squared
distance between the two frames in the kernel's feature space,
``k(a, a) + k(b, b) - 2 k(a, b)`` (>= 0, tiny negative roundings clipped to 0), so that
aligned representations compared by a kernel use the same engines:

``linear``
    ``k(a, b) = <a, b>``: the cost is ``|a - b|^2``, exactly ``sqeuclidean`` (the same
    kernel code; the name is kept in results).
``polynomial``
    ``k(a, b) = (gamma <a, b> + coef0)^degree`` (scikit-learn's ``polynomial_kernel``, and its
    defaults: ``degree=3``, ``gamma=1/d``, ``coef0=1``). ``degree`` is a whole number >= 1
    and ``coef0 >= 0``, so that ``k`` is positive semi-definite and the cost a squared
    distance.
``rbf``
    ``k(a, b) = exp(-gamma |a - b|^2)``, so the cost is ``2 - 2 exp(-gamma |a - b|^2)``
    (in ``[0, 2)``: bounded, unlike the Euclidean distances, so outlier frames weigh
    little). ``gamma`` defaults to the median heuristic ``1 / median |u - v|^2`` over the
    pairs of frames ``u, v`` pooled from both inputs (:func:`median_gamma`).

Parameters ride in the metric's name, ``"rbf:gamma=0.5"`` or
``"polynomial:degree=2,gamma=0.1,coef0=1"``, or in a :class:`MetricSpec`; every API that
takes ``metric`` accepts both. When ``gamma`` is left to the median heuristic, functions of
one pair compute it from that pair, functions of many sequences (``pairwise_dtw``,
``knn_dtw``, ``pairwise_soft_dtw``, the divergence's three terms) once from all of them, so
that every value uses the same cost. Gradients hold ``gamma`` fixed. The polynomial cost is a
difference of ``k`` values, so near 0 it keeps an absolute error of about the rounding of
``k(a, a)`` (1e-16 of it in float64, 1e-7 with soft-DTW's ``dtype="float32"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from seqalign.errors import InputError
from seqalign.validation import check_choice

METRICS: dict[str, str] = {
    "euclidean": "sqrt of the sum of squared differences",
    "sqeuclidean": "sum of squared differences",
    "cityblock": "sum of absolute differences (L1)",
    "cosine": "1 - cosine similarity (zero frames: their own direction)",
}

#: The kernel metrics (the same vocabulary as :data:`METRICS`, kept apart because they take
#: parameters): name -> summary.
KERNEL_METRICS: dict[str, str] = {
    "linear": "kernel distance of <a, b> (= sqeuclidean)",
    "polynomial": "kernel distance of (gamma <a, b> + coef0)^degree",
    "rbf": "kernel distance of exp(-gamma |a - b|^2): 2 - 2 k",
}

#: Parameters each kernel metric takes, in the order of its canonical name.
KERNEL_PARAMETERS: dict[str, tuple[str, ...]] = {
    "linear": (),
    "polynomial": ("degree", "gamma", "coef0"),
    "rbf": ("gamma",),
}

#: Kernel codes, see ``seqalign._kernels.localcost`` (tested to agree).
_CODES = {"sqeuclidean": 0, "euclidean": 1, "cityblock": 2, "cosine": 3, "precomputed": 4,
          "linear": 0, "rbf": 5, "polynomial": 6}  # fmt: skip

#: Rows the kernel layout adds after the features (see :func:`prepare`).
_EXTRA_ROWS = {"cosine": 1, "rbf": 1, "polynomial": 5}

#: Frames of each input at most used by the median heuristic (evenly spaced).
MEDIAN_FRAMES = 1000


@dataclass(frozen=True)
class MetricSpec:
    """A metric with its parameters; ``str(spec)`` is its canonical name.

    Parameters left ``None`` take their defaults (see :mod:`seqalign.localcosts`).

    Examples
    --------
    >>> str(MetricSpec("rbf", gamma=0.5))
    'rbf:gamma=0.5'
    >>> str(MetricSpec("polynomial", degree=2))
    'polynomial:degree=2'
    """

    name: str
    gamma: float | None = None
    degree: int | None = None
    coef0: float | None = None

    def __str__(self) -> str:
        given = [f"{key}={getattr(self, key)!r}" for key in KERNEL_PARAMETERS.get(self.name, ())
                 if getattr(self, key) is not None]  # fmt: skip
        return self.name + (":" + ",".join(given) if given else "")


def _number(value: object, key: str, argument: str) -> float:
    try:
        ok = not isinstance(value, bool)
        number = float(value) if ok else math.nan  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise InputError(f"{key} must be a finite number, got {value!r}", argument=argument)
    return number


def check_parameters(name: str, arguments: dict[str, str] | None = None,
                     **params: object) -> MetricSpec:  # fmt: skip
    """A validated :class:`MetricSpec` of the metric ``name`` with ``params`` (``None``:
    default).

    ``gamma`` must be > 0, ``degree`` a whole number >= 1, ``coef0`` >= 0; a parameter the
    metric does not take is an error. ``arguments`` names, for each parameter, the argument
    an error blames (default ``"metric"``).

    Examples
    --------
    >>> check_parameters("rbf", gamma=2)
    MetricSpec(name='rbf', gamma=2.0, degree=None, coef0=None)
    """
    name = resolve_name(name)
    where = arguments or {}
    spec = MetricSpec(name)
    for key, value in params.items():
        if value is None:
            continue
        argument = where.get(key, "metric")
        if key not in KERNEL_PARAMETERS.get(name, ()):
            takes = KERNEL_PARAMETERS.get(name, ())
            what = f"takes only {', '.join(takes)}" if takes else "takes no parameters"
            raise InputError(f"{key} does not apply to metric {name!r}: it {what}",
                             argument=argument)  # fmt: skip
        number = _number(value, key, argument)
        if key == "gamma" and not number > 0:
            raise InputError(f"gamma must be a positive number (the kernel's scale), got {value!r}",
                             argument=argument)  # fmt: skip
        if key == "degree":
            if number != round(number) or number < 1:
                raise InputError(f"degree must be a whole number >= 1, got {value!r}",
                                 argument=argument)  # fmt: skip
            number = int(number)
        if key == "coef0" and number < 0:
            raise InputError(f"coef0 must be >= 0 (a positive semi-definite kernel), got {value!r}",
                             argument=argument)  # fmt: skip
        spec = replace(spec, **{key: number})
    return spec


def resolve_name(metric: str) -> str:
    """A metric's name without parameters, validated (case-insensitive)."""
    return check_choice(metric, [*METRICS, *KERNEL_METRICS], "metric", key=_name_part)


def _name_part(metric: str) -> str:
    return str(metric).split(":")[0].strip().lower()


def parse_metric(metric: str | MetricSpec) -> MetricSpec:
    """The :class:`MetricSpec` of a name such as ``"rbf:gamma=0.5"`` (validated).

    Examples
    --------
    >>> parse_metric("Polynomial: degree=2, coef0=0")
    MetricSpec(name='polynomial', gamma=None, degree=2, coef0=0.0)
    """
    if isinstance(metric, MetricSpec):
        return check_parameters(metric.name, gamma=metric.gamma, degree=metric.degree,
                                coef0=metric.coef0)  # fmt: skip
    text = str(metric)
    name = resolve_name(text)
    params: dict[str, object] = {}
    if ":" in text:
        for item in text.split(":", 1)[1].split(","):
            key, sep, value = (part.strip() for part in item.partition("="))
            if not sep or key not in ("gamma", "degree", "coef0") or key in params:
                raise InputError(
                    f"metric {metric!r}: expected name:key=value,... with keys gamma, degree "
                    "or coef0 (once each)",
                    argument="metric",
                )
            params[key] = value
    return check_parameters(name, **params)


def resolve_metric(metric: str | MetricSpec) -> str:
    """Validate a metric (a name, ``"name:key=value,..."`` or a :class:`MetricSpec`) and
    return its canonical name; unknown names list the valid ones.

    Examples
    --------
    >>> resolve_metric("RBF: gamma=2")
    'rbf:gamma=2.0'
    """
    return str(parse_metric(metric))


def metric_code(metric: str) -> int:
    """Integer code of a (resolved) metric for the numba kernels."""
    return _CODES[str(metric).split(":")[0]]


def extra_rows(metric: str | int) -> int:
    """Rows the kernel layout of a (resolved) metric, or of its kernel code, adds after the
    features."""
    if isinstance(metric, (int, np.integer)):
        return max((_EXTRA_ROWS[name] for name in _EXTRA_ROWS if _CODES[name] == metric), default=0)
    return _EXTRA_ROWS.get(str(metric).split(":")[0], 0)


def median_gamma(*arrays: np.ndarray) -> float:
    """The median heuristic: ``1 / median |u - v|^2`` over the pairs of frames pooled from
    ``arrays`` (at most :data:`MEDIAN_FRAMES` evenly spaced frames of each; 1 when the median
    is 0). Deterministic.

    Examples
    --------
    >>> median_gamma(np.array([[0.0], [1.0]]), np.array([[3.0]]))
    0.25
    """
    from seqalign.changepoints.costs import MEDIAN_HEURISTIC_FRAMES, median_heuristic

    share = max(2, MEDIAN_HEURISTIC_FRAMES // max(1, len(arrays)))
    parts = []
    for a in arrays:
        keep = min(a.shape[0], MEDIAN_FRAMES, share)
        parts.append(a[np.linspace(0, a.shape[0] - 1, keep).round().astype(np.int64)])
    return median_heuristic(np.concatenate(parts).astype(np.float64))


def bind_metric(metric: str | MetricSpec, *arrays: np.ndarray) -> str:
    """The resolved metric with every default that depends on the data fixed from
    ``arrays`` (time-first): the rbf ``gamma`` by :func:`median_gamma`. Other metrics are
    returned resolved and unchanged."""
    spec = parse_metric(metric)
    if spec.name == "rbf" and spec.gamma is None:
        spec = replace(spec, gamma=median_gamma(*arrays))
    return str(spec)


def _polynomial_parameters(spec: MetricSpec, d: int) -> tuple[float, float, float]:
    gamma = 1.0 / d if spec.gamma is None else spec.gamma
    degree = 3.0 if spec.degree is None else float(spec.degree)
    coef0 = 1.0 if spec.coef0 is None else spec.coef0
    return gamma, coef0, degree


def _unit_rows(a: np.ndarray) -> np.ndarray:
    """Rows scaled to unit norm, with one extra feature so zero rows become their own unit
    vector: <zero, zero> = 1 and <zero, other> = 0."""
    norms = np.sqrt(np.einsum("ij,ij->i", a, a))
    zero = norms == 0.0
    out = np.zeros((a.shape[0], a.shape[1] + 1))
    out[~zero, :-1] = a[~zero] / norms[~zero, None]
    out[zero, -1] = 1.0
    return out


def _with_rows(a: np.ndarray, spec: MetricSpec) -> np.ndarray:
    """Time-first frames with the kernel metric's per-frame rows appended (as columns)."""
    n, d = a.shape
    if spec.name == "rbf":
        assert spec.gamma is not None
        return np.hstack([a, np.full((n, 1), spec.gamma)])
    gamma, coef0, degree = _polynomial_parameters(spec, d)
    base = gamma * np.einsum("ij,ij->i", a, a) + coef0  # gamma |a|^2 + coef0
    columns = [base**degree, 2.0 * degree * gamma * base ** (degree - 1.0)]
    columns += [np.full(n, v) for v in (gamma, coef0, degree)]
    return np.hstack([a, np.stack(columns, axis=1)])


def prepare(x: np.ndarray, y: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Kernel layout of two validated inputs: ``x`` features-first, ``y`` features-first
    and reversed in time.

    Rows are the ``d`` features, then (cosine) one row of the zero-frame direction, (rbf) one
    row holding ``gamma``, or (polynomial) five rows: ``k(a, a)``, ``2 degree gamma
    (gamma |a|^2 + coef0)^(degree - 1)`` (the gradient's factor), ``gamma``, ``coef0`` and
    ``degree``. An rbf ``gamma`` left to the median heuristic is computed from ``x`` and
    ``y`` (see :func:`bind_metric`).
    """
    spec = parse_metric(bind_metric(metric, x, y))
    if spec.name == "cosine":
        x, y = _unit_rows(x), _unit_rows(y)
    elif spec.name in ("rbf", "polynomial"):
        x, y = _with_rows(x, spec), _with_rows(y, spec)
    xt = np.ascontiguousarray(x.T, dtype=np.float64)
    yr = np.ascontiguousarray(y[::-1].T, dtype=np.float64)
    return xt, yr


def cost_matrix(x: np.ndarray, y: np.ndarray, metric: str | MetricSpec = "euclidean") -> np.ndarray:
    """The full ``(n, m)`` local cost matrix ``C[i, j] = metric(x[i], y[j])``.

    Only for when you want the matrix itself (plots, other tools): :func:`seqalign.dtw`
    never builds it. Memory: ``8 n m`` bytes.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n, d)
    y : ndarray, shape (m,) or (m, d)
    metric : str or MetricSpec
        A name from :data:`METRICS` or :data:`KERNEL_METRICS`, with parameters as
        ``"rbf:gamma=0.5"`` (an rbf ``gamma`` not given: the median heuristic over ``x`` and
        ``y``).

    Returns
    -------
    ndarray, shape (n, m)

    Examples
    --------
    >>> cost_matrix([0.0, 1.0], [1.0, 3.0], "sqeuclidean")
    array([[1., 9.],
           [0., 4.]])
    >>> cost_matrix([0.0], [0.0, 1.0], "rbf:gamma=1").round(4)
    array([[0.    , 1.2642]])
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    y = y[:, None] if y.ndim == 1 else y
    spec = parse_metric(bind_metric(metric, x, y))
    name = spec.name
    if name == "cosine":
        x, y = _unit_rows(x), _unit_rows(y)
        return np.maximum(0.0, 1.0 - x @ y.T)
    if name == "polynomial":
        gamma, coef0, degree = _polynomial_parameters(spec, x.shape[1])
        kx = (gamma * np.einsum("ij,ij->i", x, x) + coef0) ** degree
        ky = (gamma * np.einsum("ij,ij->i", y, y) + coef0) ** degree
        return np.maximum(
            0.0, kx[:, None] + ky[None, :] - 2.0 * (gamma * (x @ y.T) + coef0) ** degree
        )
    out = np.empty((x.shape[0], y.shape[0]))
    rows = max(1, 2**22 // max(1, y.size))  # bound the temporary to ~32 MB
    for start in range(0, x.shape[0], rows):
        diff = x[start : start + rows, None, :] - y[None, :, :]
        if name == "cityblock":
            out[start : start + rows] = np.abs(diff).sum(axis=2)
        else:
            out[start : start + rows] = np.einsum("ijf,ijf->ij", diff, diff)
    if name == "rbf":
        assert spec.gamma is not None
        return 2.0 - 2.0 * np.exp(-spec.gamma * out)
    return np.sqrt(out) if name == "euclidean" else out
