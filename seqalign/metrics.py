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
"""

from __future__ import annotations

import numpy as np

from seqalign.errors import InputError

METRICS: dict[str, str] = {
    "euclidean": "sqrt of the sum of squared differences",
    "sqeuclidean": "sum of squared differences",
    "cityblock": "sum of absolute differences (L1)",
    "cosine": "1 - cosine similarity (zero frames: their own direction)",
}

#: Kernel codes, see ``seqalign._kernels.dtw``.
_CODES = {"sqeuclidean": 0, "euclidean": 1, "cityblock": 2, "cosine": 3, "precomputed": 4}


def resolve_metric(metric: str) -> str:
    """Validate a metric name (case-insensitive); unknown names list the valid ones."""
    name = str(metric).lower()
    if name not in METRICS:
        raise InputError(
            f"unknown metric {metric!r}; choose one of: {', '.join(METRICS)}", argument="metric"
        )
    return name


def metric_code(metric: str) -> int:
    """Integer code of a metric for the numba kernels."""
    return _CODES[metric]


def _unit_rows(a: np.ndarray) -> np.ndarray:
    """Rows scaled to unit norm, with one extra feature so zero rows become their own unit
    vector: <zero, zero> = 1 and <zero, other> = 0."""
    norms = np.sqrt(np.einsum("ij,ij->i", a, a))
    zero = norms == 0.0
    out = np.zeros((a.shape[0], a.shape[1] + 1))
    out[~zero, :-1] = a[~zero] / norms[~zero, None]
    out[zero, -1] = 1.0
    return out


def prepare(x: np.ndarray, y: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Kernel layout of two validated inputs: ``x`` features-first, ``y`` features-first
    and reversed in time."""
    if metric == "cosine":
        x, y = _unit_rows(x), _unit_rows(y)
    xt = np.ascontiguousarray(x.T, dtype=np.float64)
    yr = np.ascontiguousarray(y[::-1].T, dtype=np.float64)
    return xt, yr


def cost_matrix(x: np.ndarray, y: np.ndarray, metric: str = "euclidean") -> np.ndarray:
    """The full ``(n, m)`` local cost matrix ``C[i, j] = metric(x[i], y[j])``.

    Only for when you want the matrix itself (plots, other tools): :func:`seqalign.dtw`
    never builds it. Memory: ``8 n m`` bytes.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n, d)
    y : ndarray, shape (m,) or (m, d)
    metric : str
        A name from :data:`METRICS`.

    Returns
    -------
    ndarray, shape (n, m)

    Examples
    --------
    >>> cost_matrix([0.0, 1.0], [1.0, 3.0], "sqeuclidean")
    array([[1., 9.],
           [0., 4.]])
    """
    metric = resolve_metric(metric)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    y = y[:, None] if y.ndim == 1 else y
    if metric == "cosine":
        x, y = _unit_rows(x), _unit_rows(y)
        return np.maximum(0.0, 1.0 - x @ y.T)
    out = np.empty((x.shape[0], y.shape[0]))
    rows = max(1, 2**22 // max(1, y.size))  # bound the temporary to ~32 MB
    for start in range(0, x.shape[0], rows):
        diff = x[start : start + rows, None, :] - y[None, :, :]
        if metric == "cityblock":
            out[start : start + rows] = np.abs(diff).sum(axis=2)
        else:
            out[start : start + rows] = np.einsum("ijf,ijf->ij", diff, diff)
    return np.sqrt(out) if metric == "euclidean" else out
