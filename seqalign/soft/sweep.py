"""Running the soft-DTW kernels on one pair of sequences: input preparation, the window,
the memory check, a reusable scratch buffer, and the sweeps that :mod:`seqalign.soft.api`,
:mod:`seqalign.soft.pairwise` and :mod:`seqalign.soft.barycenters` share. Definitions in
:mod:`seqalign.soft.api`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seqalign import config, memory
from seqalign.errors import InputError, MemoryBudgetError, NoPathError
from seqalign.localcosts import extra_rows, metric_code, prepare
from seqalign.units import plural
from seqalign.validation import as_frames, check_choice, check_finite
from seqalign.warping.windows import Band

__all__ = [
    "DTYPES",
    "Pair",
    "Sweep",
    "check_gamma",
    "check_memory",
    "cost_pair",
    "dense",
    "frames",
    "inverse_norms",
    "no_path",
    "pair",
    "resolve_dtype",
    "same_features",
    "sweep",
    "workspace",
]


#: Floating-point type of the computation -> description (the valid values of ``dtype``).
DTYPES: dict[str, str] = {
    "float64": "double precision: values, gradients and alignments, exact to its rounding",
    "float32": "single precision, values only: 2-2.5x faster, about 1e-6 relative error",
}


def _dtype_name(dtype: Any) -> str:
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype)


def resolve_dtype(dtype: Any, *, sharp: bool = False, gradients: bool = False) -> str:
    """Validate ``dtype`` (``"float64"``, ``"float32"`` or the numpy types); float32 computes
    soft-DTW values only.

    Examples
    --------
    >>> resolve_dtype(np.float32)
    'float32'
    """
    name = check_choice(dtype, DTYPES, "dtype", key=_dtype_name)
    if name == "float32" and (sharp or gradients):
        raise InputError(
            "dtype float32 computes soft-DTW values only; gradients, alignments and the sharp "
            "variant need float64 (they depend on differences of accumulated costs that "
            "float32 holds to about 1e-7 of their size)",
            argument="dtype",
        )
    return name


def check_gamma(gamma: float) -> float:
    """``gamma`` as a float, or :class:`InputError` unless it is a finite number > 0.

    Examples
    --------
    >>> check_gamma(0.5)
    0.5
    """
    ok = isinstance(gamma, (int, float, np.integer, np.floating)) and not isinstance(gamma, bool)
    if not ok or not math.isfinite(gamma) or gamma <= 0:
        raise InputError(
            f"gamma must be a positive number (the smoothing of the soft minimum), got {gamma!r}",
            argument="gamma",
        )
    return float(gamma)


@dataclass
class Pair:
    """Kernel inputs of one pair of sequences."""

    xt: np.ndarray
    yr: np.ndarray
    cmat: np.ndarray
    code: int
    n: int
    m: int
    xinv: np.ndarray
    yinv: np.ndarray


def inverse_norms(a: np.ndarray, metric: str) -> np.ndarray:
    """``1 / |a[i]|`` (0 for zero frames) for the cosine gradient; empty otherwise."""
    if metric != "cosine":
        return np.empty(0)
    norms = np.sqrt(np.einsum("ij,ij->i", a, a))
    out = np.zeros_like(norms)
    np.divide(1.0, norms, out=out, where=norms > 0)
    return out


def pair(xa: np.ndarray, ya: np.ndarray, metric: str) -> Pair:
    xt, yr = prepare(xa, ya, metric)
    return Pair(xt, yr, np.empty((0, 0)), metric_code(metric), xa.shape[0], ya.shape[0],
                 inverse_norms(xa, metric), inverse_norms(ya[::-1], metric))  # fmt: skip


def cost_pair(cost: ArrayLike) -> Pair:
    c = np.asarray(cost, dtype=np.float64)
    if c.ndim != 2 or min(c.shape) < 1:
        raise InputError(f"cost must be an (n, m) matrix, got shape {c.shape}", argument="cost")
    check_finite(c, "cost")
    empty = np.empty((0, 0))
    return Pair(empty, empty, np.ascontiguousarray(c), metric_code("precomputed"), c.shape[0],
                 c.shape[1], np.empty(0), np.empty(0))  # fmt: skip


def frames(a: ArrayLike, name: str) -> tuple[np.ndarray, bool]:
    """Validated time-first frames and whether the input was 1-D."""
    flat = np.ndim(a) == 1
    return as_frames(a, name, min_frames=2, purpose="soft-DTW"), flat


def same_features(xa: np.ndarray, ya: np.ndarray) -> None:
    if xa.shape[1] != ya.shape[1]:
        raise InputError(
            f"y has {plural(ya.shape[1], 'feature')} per frame but x has {xa.shape[1]}; "
            "both inputs need the same features",
            argument="y",
        )


def check_memory(cells: int, per_cell: int, extra: int, max_memory: int | None) -> None:
    budget = memory.memory_budget(max_memory)
    need = per_cell * cells + extra
    if budget is not None and need > budget:
        raise MemoryBudgetError(
            f"soft-DTW with gradients needs {memory.format_bytes(need)} ({cells:,} window cells "
            f"at {per_cell} bytes) but the memory budget is {memory.format_bytes(budget)}; "
            "narrow the window (radius), ask for the value only, or raise max_memory",
            argument="max_memory",
        )


def no_path(value: float, window: str, radius: int | None, n: int, m: int) -> None:
    if not math.isfinite(value):
        raise NoPathError(
            f"no warping path for lengths {n} x {m} in the {window} window"
            + (f" of radius {radius}" if radius is not None else "")
            + "; widen the window",
            argument="radius" if radius is not None else "window",
        )


def dense(band: Band, values: np.ndarray, n: int, m: int) -> np.ndarray:
    """A diagonal-major band of values as a dense ``(n, m)`` matrix (0 outside)."""
    sizes = band.dhi - band.dlo
    k = np.repeat(np.arange(sizes.shape[0]), sizes)
    i = band.dlo[k] + np.arange(values.shape[0]) - band.doff[k]
    out = np.zeros((n, m))
    out[i, k - i] = values
    return out


_LOCAL = threading.local()
#: Largest scratch buffer kept between calls, per thread (bytes).
_KEEP_BYTES = 64 * 2**20


def workspace(size: int) -> np.ndarray:
    """A float64 scratch array of ``size`` elements, kept for the next call in this thread
    when it is at most :data:`_KEEP_BYTES`: fresh memory costs a page fault per 4 KiB, which
    here is as much as a third of a gradient's time."""
    buffer = getattr(_LOCAL, "buffer", None)
    if buffer is not None and buffer.shape[0] >= size:
        return buffer[:size]
    buffer = np.empty(size)
    if 8 * size <= _KEEP_BYTES:
        _LOCAL.buffer = buffer
    return buffer


@dataclass
class Sweep:
    value: float
    gx: np.ndarray | None = None  # (n, d), time-first
    gy: np.ndarray | None = None
    weights: np.ndarray | None = None  # d value / d C over the band (diagonal-major)
    expected: np.ndarray | None = None  # E over the band


def sweep(p: Pair, band: Band, gamma: float, sharp: bool, want_x: bool, want_y: bool,
           want_cells: bool, dtype: str = "float64") -> Sweep:  # fmt: skip
    """Run the kernels for one pair: the value, and what the flags ask for."""
    from seqalign._kernels import soft as kernel
    from seqalign._kernels.soft_grad import weighted_gradient

    d = p.xt.shape[0] - extra_rows(p.code)  # the features (cosine and kernels add rows)
    group = config.cost_group(p.xt.shape[0], p.n)
    src = (p.xt, p.yr, p.cmat, p.code)
    if dtype == "float32":  # values only (resolve_dtype checked)
        single = tuple(a.astype(np.float32) for a in (p.xt, p.yr, p.cmat))
        value = kernel.forward((*single, p.code), p.n, p.m, (band.dlo, band.dhi), gamma, group)
        return Sweep(float(value))
    if not (want_x or want_y or want_cells):
        value_args = (src, p.n, p.m, (band.dlo, band.dhi), gamma, group)
        value = kernel.forward_sharp(*value_args) if sharp else kernel.forward(*value_args)
        return Sweep(value=float(value))
    area = band.area
    space = workspace((5 if sharp else 3) * area)
    wd, wu, wl = space[:area], space[area : 2 * area], space[2 * area : 3 * area]
    rdst = space[3 * area : 4 * area] if sharp else space[:0]
    sdst = space[4 * area : 5 * area] if sharp else space[:0]
    arrays = (band.dlo, band.dhi, band.doff)
    soft_value, sharp_value = kernel.forward_store(src, p.n, p.m, arrays, gamma, group,
                                                   (wd, wu, wl), (rdst, sdst))  # fmt: skip
    value = sharp_value if sharp else soft_value
    gx = np.zeros((d, p.n)) if want_x else np.empty((0, 0))
    gy = np.zeros((d, p.m)) if want_y else np.empty((0, 0))
    if not math.isfinite(soft_value):
        return Sweep(value=float(soft_value))
    if not sharp:
        kernel.backward((wd, wu, wl), p.n, p.m, arrays, src, (p.xinv, p.yinv, gx, gy))
        weights = wd
    else:
        kernel.backward_sharp((wd, wu, wl), (rdst, sdst), p.n, p.m, arrays, gamma)
        if want_x or want_y:
            weighted_gradient(src, arrays, rdst, (p.xinv, p.yinv, gx, gy))
        weights = rdst
    return Sweep(
        value=float(value),
        gx=gx.T.copy() if want_x else None,
        gy=gy[:, ::-1].T.copy() if want_y else None,
        weights=weights,
        expected=wd,
    )
