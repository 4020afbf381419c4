"""Regularised canonical correlation analysis on aligned frame pairs (for CTW).

Given two sequences ``x`` (n, d_x) and ``y`` (m, d_y) and matched pairs ``(i_l, j_l)``,
``l = 0 .. L - 1`` (a warping path), the pairs are the samples. With ``c_x[i]`` the number of
pairs that use frame ``i`` of ``x`` (likewise ``c_y``)::

    mu_x = sum_i c_x[i] x[i] / L
    C_xx = sum_i c_x[i] (x[i] - mu_x)(x[i] - mu_x)^T / L + lam_x I,  lam_x = reg trace(S_xx) / d_x
    C_xy = sum_l (x[i_l] - mu_x)(y[j_l] - mu_y)^T / L

``S_xx`` is ``C_xx`` before regularisation, so ``reg`` is unit-free: a fraction of the mean
variance per feature (``reg = 0.01`` adds 1 % of it to every variance). ``C_yy`` likewise.

Whitening: with ``reg > 0``, ``W_x = L^-T`` from the Cholesky factor ``C_xx = L L^T`` (positive
definite, condition number at most ``1 + d_x / reg``); with ``reg = 0``, the symmetric
eigendecomposition ``C_xx = V diag(w) V^T``, whose directions with an eigenvalue below
``max(w) * d_x * eps`` (numerically zero: constant channels, fewer frames than features) are
dropped rather than inverted, so ``W_x = V_r diag(w_r^-1/2)`` is finite. Either way
``W_x^T C_xx W_x = I``. The canonical directions are then the singular vectors of the
whitened cross-covariance ``W_x^T C_xy W_y = U diag(rho) Q^T``: ``A = W_x U[:, :K]``,
``B = W_y Q[:, :K]``, canonical correlations ``rho`` (largest first). Components beyond the
rank of either side are zero columns with correlation 0.

Reference: Hotelling (1936); Zhou & De la Torre (2009), eq. 2-4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqalign.errors import InputError


@dataclass(frozen=True)
class Projections:
    """The learned linear maps into the shared space: ``x -> (x - x_mean) @ x_weights``.

    Attributes
    ----------
    x_weights : ndarray, shape (d_x, K)
    y_weights : ndarray, shape (d_y, K)
    x_mean : ndarray, shape (d_x,)
    y_mean : ndarray, shape (d_y,)
    correlations : ndarray, shape (K,)
        Canonical correlations on the pairs the projections were fitted on (largest first;
        with ``reg > 0`` they are the regularised ones, slightly below the plain ones).
    reg : float
        The relative regularisation used.
    """

    x_weights: np.ndarray
    y_weights: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray
    correlations: np.ndarray
    reg: float

    @property
    def n_components(self) -> int:
        """Number of canonical components ``K``."""
        return int(self.x_weights.shape[1])

    def transform_x(self, x: np.ndarray) -> np.ndarray:
        """``x`` (n, d_x) in the shared space, shape (n, K)."""
        return (np.asarray(x, dtype=np.float64) - self.x_mean) @ self.x_weights

    def transform_y(self, y: np.ndarray) -> np.ndarray:
        """``y`` (m, d_y) in the shared space, shape (m, K)."""
        return (np.asarray(y, dtype=np.float64) - self.y_mean) @ self.y_weights

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by name, as written to ``--projections FILE.npz``."""
        return {
            "x_weights": self.x_weights,
            "y_weights": self.y_weights,
            "x_mean": self.x_mean,
            "y_mean": self.y_mean,
            "correlations": self.correlations,
        }


def check_reg(reg: float) -> float:
    """``reg`` as a float, or :class:`InputError` unless it is finite and ``>= 0``."""
    try:
        value = float(reg)
    except (TypeError, ValueError):
        raise InputError(f"reg must be a number >= 0, got {reg!r}", argument="reg") from None
    if not np.isfinite(value) or value < 0:
        raise InputError(f"reg must be a finite number >= 0, got {reg!r}", argument="reg")
    return value


def _whitener(cov: np.ndarray, reg: float, name: str) -> np.ndarray:
    """``W`` (d, r) with ``W^T (cov + lam I) W = I_r`` over the numerically non-zero directions.

    With ``reg > 0`` the regularised matrix is positive definite with condition number at most
    ``1 + d / reg``, and ``W = L^-T`` from its Cholesky factor ``L`` (an order of magnitude
    faster than an eigendecomposition for hundreds of features); otherwise, or should the
    factorisation fail, ``W = V_r diag(w_r^-1/2)`` from ``eigh`` with tiny eigenvalues dropped.
    """
    d = cov.shape[0]
    scale = float(np.trace(cov)) / d
    if not scale > 0.0:
        raise InputError(
            f"{name} is constant along the alignment (every feature); there is nothing to "
            "correlate",
            argument=name,
        )
    regularised = cov + reg * scale * np.eye(d)
    if reg > 0:
        from scipy.linalg import solve_triangular

        try:
            lower = np.linalg.cholesky(regularised)
        except np.linalg.LinAlgError:
            pass
        else:
            return solve_triangular(lower, np.eye(d), lower=True).T
    w, v = np.linalg.eigh(regularised)
    keep = w > max(w[-1], 0.0) * d * np.finfo(np.float64).eps
    return v[:, keep] / np.sqrt(w[keep])


def _pair_stats(a: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and covariance of ``a[index]`` (without building it), and ``a`` centred."""
    counts = np.bincount(index, minlength=a.shape[0]).astype(np.float64)
    total = float(index.shape[0])
    mean = counts @ a / total
    centred = a - mean
    used = counts > 0
    rows = centred if used.all() else centred[used]
    weights = counts if used.all() else counts[used]
    cov = (rows * weights[:, None]).T @ rows / total
    return mean, (cov + cov.T) / 2, centred


def _group_sums(values: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``values`` over runs of equal ``keys`` (non-decreasing), and each run's key."""
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return np.add.reduceat(values, starts, axis=0), keys[starts]


def _cross_covariance(xc: np.ndarray, yc: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """``sum_l xc[i_l] yc[j_l]^T / L``, summing the narrower side over the runs of a monotone
    path first (``(L, min d)`` gathered instead of ``(L, d_x + d_y)``)."""
    i, j = pairs[:, 0], pairs[:, 1]
    if xc.shape[1] <= yc.shape[1]:
        sums, keys = _group_sums(xc[i], j)
        return sums.T @ yc[keys] / pairs.shape[0]
    sums, keys = _group_sums(yc[j], i)
    return xc[keys].T @ sums / pairs.shape[0]


def fit_cca(
    x: np.ndarray, y: np.ndarray, pairs: np.ndarray, n_components: int, reg: float
) -> Projections:
    """Regularised CCA of ``x[pairs[:, 0]]`` against ``y[pairs[:, 1]]`` (see the module).

    Parameters
    ----------
    x : ndarray, shape (n, d_x)
    y : ndarray, shape (m, d_y)
    pairs : ndarray of int, shape (L, 2)
        Matched frames, non-decreasing in both columns (a warping path).
    n_components : int
        ``K``, at most ``min(d_x, d_y)`` (validated by the caller).
    reg : float
        Relative ridge, ``>= 0``.

    Returns
    -------
    Projections

    Examples
    --------
    >>> t = np.linspace(0, 6, 50)[:, None]
    >>> x, y = np.hstack([t, np.sin(t)]), np.hstack([np.sin(t), 3 * t, t**2])
    >>> p = fit_cca(x, y, np.column_stack([np.arange(50)] * 2), 2, 0.0)
    >>> np.round(p.correlations, 6).tolist()
    [1.0, 1.0]
    """
    mean_x, cxx, xc = _pair_stats(x, pairs[:, 0])
    mean_y, cyy, yc = _pair_stats(y, pairs[:, 1])
    cxy = _cross_covariance(xc, yc, pairs)
    wx = _whitener(cxx, reg, "x")
    wy = _whitener(cyy, reg, "y")
    u, rho, qt = np.linalg.svd(wx.T @ cxy @ wy, full_matrices=False)
    k = min(n_components, rho.shape[0])
    a = np.zeros((x.shape[1], n_components))
    b = np.zeros((y.shape[1], n_components))
    a[:, :k] = wx @ u[:, :k]
    b[:, :k] = wy @ qt[:k].T
    correlations = np.zeros(n_components)
    correlations[:k] = np.clip(rho[:k], 0.0, 1.0)
    return Projections(a, b, mean_x, mean_y, correlations, reg)
