"""Soft-DTW between many sequences: pairwise matrices, and the packing that
:mod:`seqalign.soft.barycenters` shares. Definitions in :mod:`seqalign.soft.api`.

The pairs are split in chunks run on a pool of threads (:func:`seqalign.threads.run_chunks`);
each chunk is one call of a numba kernel that releases the GIL, so the threads run in parallel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from seqalign import config, validation
from seqalign.errors import InputError
from seqalign.localcosts import bind_metric, metric_code, prepare, resolve_metric
from seqalign.soft.sweep import check_gamma, inverse_norms, no_path, resolve_dtype
from seqalign.threads import resolve_jobs, run_chunks
from seqalign.units import plural
from seqalign.warping.windows import Band, resolve_window, window_band

__all__ = [
    "Bands",
    "Packed",
    "as_series",
    "pack",
    "pairwise_soft_dtw",
]


def as_series(X: Any, name: str) -> list[np.ndarray]:
    """Validated sequences for soft-DTW (see :func:`seqalign.validation.as_series`)."""
    return validation.as_series(X, name, purpose="soft-DTW")


@dataclass
class Packed:
    """Sequences in the kernels' packed layout (see :mod:`seqalign._kernels.soft_batch`)."""

    forward: np.ndarray  # features-first, concatenated
    reversed: np.ndarray  # features-first and reversed in time, concatenated
    offsets: np.ndarray  # start of each sequence in the packed arrays
    lengths: np.ndarray
    inverse_norms: np.ndarray  # per frame, reversed like ``reversed`` (cosine), else empty
    d: int  # rows of the kernel layout (features, +1 for cosine)


def pack(series: list[np.ndarray], metric: str) -> Packed:
    """Pack validated sequences for the batch kernels; ``metric`` must be bound (see
    :func:`seqalign.localcosts.bind_metric`) so that every pair has the same cost."""
    if metric == "rbf":
        raise InputError(
            "metric 'rbf' needs its gamma here, for every sequence alike: give it "
            "(e.g. 'rbf:gamma=0.5')",
            argument="metric",
        )
    fwd, rev, inv = [], [], []
    for s in series:
        xt, xr = prepare(s, s, metric)
        fwd.append(xt.ravel())
        rev.append(xr.ravel())
        inv.append(inverse_norms(s[::-1], metric))
    d = int(fwd[0].shape[0] // series[0].shape[0])
    lengths = np.array([s.shape[0] for s in series], dtype=np.int64)
    offsets = np.zeros(len(series), dtype=np.int64)
    np.cumsum(d * lengths[:-1], out=offsets[1:])
    return Packed(np.concatenate(fwd), np.concatenate(rev), offsets, lengths,
                  np.concatenate(inv), d)  # fmt: skip


class Bands:
    """The windows of many pairs of lengths, packed for the batch kernels (one per distinct
    pair of lengths)."""

    def __init__(self, window: str, radius: int | None) -> None:
        self.window, self.radius = window, radius
        self._index: dict[tuple[int, int], int] = {}
        self._bands: list[Band] = []

    def index(self, n: int, m: int) -> int:
        """Index of the window for lengths ``n x m`` (checked to connect the corners)."""
        key = (n, m)
        if key not in self._index:
            self._index[key] = len(self._bands)
            self._bands.append(window_band(self.window, n, m, self.radius))
        return self._index[key]

    def packed(self) -> tuple[np.ndarray, ...]:
        """``(dlo, dhi, doff, band_off, doff_off)``, concatenated."""
        dlo = np.concatenate([b.dlo for b in self._bands])
        dhi = np.concatenate([b.dhi for b in self._bands])
        doff = np.concatenate([b.doff for b in self._bands])
        sizes = np.array([b.dlo.shape[0] for b in self._bands], dtype=np.int64)
        band_off = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        doff_off = band_off + np.arange(len(self._bands), dtype=np.int64)
        return dlo, dhi, doff, band_off, doff_off


def pairwise_soft_dtw(
    X: Any,
    Y: Any = None,
    *,
    gamma: float = 1.0,
    metric: str = "sqeuclidean",
    divergence: bool = False,
    sharp: bool = False,
    window: str | None = None,
    radius: int | None = None,
    n_jobs: int | None = None,
    dtype: str = "float64",
) -> np.ndarray:
    """The matrix of soft-DTW values (or divergences) between sequences, in parallel.

    ``out[a, b] = sdtw(X[a], Y[b])`` (``Y = X`` when not given: then, unless the window
    differs from its transpose (slantedband, itakura), only the upper triangle is computed
    and mirrored), or ``D(X[a], Y[b])`` with ``divergence=True``
    (``sdtw(x, y) - (sdtw(x, x) + sdtw(y, y)) / 2``; the diagonal of ``D(X, X)`` is 0), or
    the sharp variants with ``sharp=True``. Definitions in :mod:`seqalign.soft.api`.

    Parameters
    ----------
    X, Y : list of array_like, or ndarray
        Sequences of any lengths: a list of ``(frames,)`` or ``(frames, features)`` arrays,
        or a 3-D ``(n_series, frames, features)`` / 2-D ``(n_series, frames)`` array.
    gamma, metric, window, radius
        As :func:`soft_dtw`; the window applies to every pair.
    divergence, sharp : bool
        Which quantity (see above).
    n_jobs : int, optional
        Threads; default every CPU.
    dtype : str
        ``"float64"``, or ``"float32"``: 2-2.5x faster, about 1e-6 relative error (no
        ``sharp``); see :data:`seqalign.soft.api.DTYPES`.

    Returns
    -------
    ndarray, shape (len(X), len(Y))

    Examples
    --------
    >>> X = [[0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0], [2.0, 1.0]]
    >>> D = pairwise_soft_dtw(X, gamma=0.1, divergence=True, n_jobs=1)
    >>> D.shape, bool((np.diag(D) == 0).all()), bool(np.allclose(D, D.T))
    ((3, 3), True, True)
    """
    from seqalign._kernels import soft_batch

    gamma = check_gamma(gamma)
    dtype = resolve_dtype(dtype, sharp=sharp)
    window_name, radius = resolve_window(window, radius)
    metric_name = resolve_metric(metric)
    jobs = resolve_jobs(n_jobs)
    xs = as_series(X, "X")
    symmetric = Y is None
    ys = xs if symmetric else as_series(Y, "Y")
    if ys[0].shape[1] != xs[0].shape[1]:
        raise InputError(
            f"Y has {plural(ys[0].shape[1], 'feature')} per frame but X has {xs[0].shape[1]}",
            argument="Y",
        )
    every = xs if symmetric else xs + ys
    na, nb = len(xs), len(ys)
    shift = 0 if symmetric else na  # index of Y[b] in ``every``
    # sdtw(a, b) = sdtw(b, a) when the window is symmetric under transposition
    mirror = symmetric and window_name in ("none", "sakoechiba")
    if mirror:
        a_idx, b_idx = np.triu_indices(na)
    else:
        a_idx, b_idx = (g.ravel() for g in np.meshgrid(np.arange(na), np.arange(nb), indexing="ij"))
    pi, pj = a_idx.astype(np.int64), (b_idx + shift).astype(np.int64)
    if divergence and not symmetric:  # the self terms
        selves = np.arange(len(every), dtype=np.int64)
        pi, pj = np.concatenate([pi, selves]), np.concatenate([pj, selves])
    metric_name = bind_metric(metric_name, *every)  # one cost for every pair
    packed = pack(every, metric_name)
    bands = Bands(window_name, radius)
    band_of = np.array([bands.index(int(packed.lengths[i]), int(packed.lengths[j]))
                        for i, j in zip(pi, pj)], dtype=np.int64)  # fmt: skip
    dlo, dhi, _, band_off, _ = bands.packed()
    group = config.cost_group(packed.d, int(packed.lengths.max()))
    values = np.empty(pi.shape[0])

    forward, reverse = packed.forward, packed.reversed
    if dtype == "float32":  # values only (resolve_dtype checked)
        forward, reverse = forward.astype(np.float32), reverse.astype(np.float32)

    def work(start: int, stop: int) -> None:
        settings = (metric_code(metric_name), gamma, sharp, group)
        soft_batch.pair_values((forward, packed.offsets, packed.lengths),
                               (reverse, packed.offsets, packed.lengths), packed.d,
                               (pi[start:stop], pj[start:stop], band_of[start:stop]),
                               (dlo, dhi, band_off), settings, values[start:stop])  # fmt: skip

    run_chunks(work, pi.shape[0], jobs)
    if not np.isfinite(values).all():
        bad = int(np.argmax(~np.isfinite(values)))
        n, m = int(packed.lengths[pi[bad]]), int(packed.lengths[pj[bad]])
        no_path(math.inf, window_name, radius, n, m)
    out = np.empty((na, nb))
    count = a_idx.shape[0]
    out[a_idx, b_idx] = values[:count]
    if mirror:
        out[b_idx, a_idx] = values[:count]
    if divergence:
        self_x = np.diag(out).copy() if symmetric else values[count : count + na]
        self_y = self_x if symmetric else values[count + na :]
        out -= (self_x[:, None] + self_y[None, :]) / 2
        if symmetric:
            np.fill_diagonal(out, 0.0)
    return out
