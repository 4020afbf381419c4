"""Global constraints (windows): which cells ``(i, j)`` a warping path may visit.

Every window is a pair of per-row column ranges ``lo[i] <= j < hi[i]`` with ``lo`` and
``hi`` non-decreasing, so the kernel's work and memory are proportional to the window's
area ``sum(hi - lo)``, never to ``n * m``. Definitions (0-based, as dtw-python):

``none``
    every cell.
``sakoechiba`` (Sakoe & Chiba 1978)
    ``|j - i| <= radius``; for unequal lengths it cannot reach the far corner when
    ``radius < |n - m|``: use ``slantedband``.
``slantedband``
    ``|j - i (m - 1) / (n - 1)| <= radius``: a band of half-width ``radius`` columns
    around the diagonal from ``(0, 0)`` to ``(n - 1, m - 1)``.
``itakura`` (Itakura 1975)
    the parallelogram of slopes 1/2 and 2 through both corners, exactly as R's and
    dtw-python's ``itakuraWindow``: ``j <= 2 i``, ``i <= 2 j + 1``,
    ``i >= n - 2 m + 2 j`` and ``j > m - 2 n + 2 i``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqalign.errors import InputError, NoPathError
from seqalign.validation import check_choice, check_whole

WINDOWS: dict[str, str] = {
    "none": "no constraint: every cell",
    "sakoechiba": "|j - i| <= radius (Sakoe & Chiba 1978)",
    "slantedband": "|j - i (m-1)/(n-1)| <= radius: a band along the diagonal, for unequal lengths",
    "itakura": "Itakura parallelogram: local slopes between 1/2 and 2 (no radius)",
}

_NEEDS_RADIUS = {"sakoechiba", "slantedband"}


@dataclass(frozen=True)
class Band:
    """Per-row and per-anti-diagonal extents of a window over an ``n x m`` grid."""

    lo: np.ndarray  # (n,) first column of each row
    hi: np.ndarray  # (n,) one past the last column of each row
    dlo: np.ndarray  # (n + m - 1,) first row of each anti-diagonal
    dhi: np.ndarray  # (n + m - 1,) one past the last row of each anti-diagonal
    doff: np.ndarray  # (n + m,) offset of each anti-diagonal in diagonal-major storage

    @property
    def area(self) -> int:
        """Number of cells in the window."""
        return int(self.doff[-1])


def _window_key(window: str) -> str:
    return str(window).lower().replace("-", "").replace("_", "")


def resolve_window(window: str | None, radius: int | None) -> tuple[str, int | None]:
    """Validate a window name and radius; ``radius`` alone means ``slantedband``."""
    if window is None:
        window = "none" if radius is None else "slantedband"
    name = check_choice(window, WINDOWS, "window", key=_window_key)
    if name in _NEEDS_RADIUS:
        if radius is None:
            raise InputError(f"window {name!r} needs a radius", argument="radius")
        return name, check_whole(radius, "radius", minimum=0, what="frames")
    if radius is not None and name == "itakura":
        raise InputError("the itakura window takes no radius", argument="radius")
    return name, None


def row_ranges(window: str, n: int, m: int, radius: int | None = None) -> tuple[np.ndarray, ...]:
    """Column range ``[lo[i], hi[i])`` of each row ``i`` for a resolved window."""
    i = np.arange(n, dtype=np.int64)
    if window == "none":
        lo = np.zeros(n, dtype=np.int64)
        hi = np.full(n, m, dtype=np.int64)
    elif window == "sakoechiba":
        lo = i - radius
        hi = i + radius + 1
    elif window == "slantedband":
        if n > 1:
            # (m-1) i / (n-1) - r <= j <= (m-1) i / (n-1) + r, in exact integer arithmetic
            num = (m - 1) * i
            den = n - 1
            lo = -((-(num - radius * den)) // den)
            hi = (num + radius * den) // den + 1
        else:
            lo = np.full(n, -radius, dtype=np.int64)
            hi = np.full(n, radius + 1, dtype=np.int64)
    elif window == "itakura":
        lo = np.maximum(-((-(i - 1)) // 2), m - 2 * n + 2 * i + 1)
        hi = np.minimum(2 * i, (i - n + 2 * m) // 2) + 1
    else:  # pragma: no cover - resolve_window guards this
        raise InputError(f"unknown window {window!r}", argument="window")
    lo = np.clip(lo, 0, m)
    hi = np.clip(hi, 0, m)
    return lo, hi


def make_band(lo: np.ndarray, hi: np.ndarray, m: int) -> Band:
    """Anti-diagonal extents of the window given by row ranges (``lo``, ``hi`` monotone).

    Row ``i`` meets diagonal ``k`` iff ``i + lo[i] <= k < i + hi[i]``; both bounds grow
    strictly with ``i``, so each diagonal is one contiguous run of rows.
    """
    n = lo.shape[0]
    rows = np.arange(n, dtype=np.int64)
    hi = np.maximum(hi, lo)  # empty rows stay empty
    k = np.arange(n + m - 1, dtype=np.int64)
    dlo = np.searchsorted(rows + hi, k, side="right").astype(np.int64)
    dhi = np.searchsorted(rows + lo, k, side="right").astype(np.int64)
    dhi = np.maximum(dhi, dlo)
    doff = np.zeros(n + m, dtype=np.int64)
    np.cumsum(dhi - dlo, out=doff[1:])
    return Band(lo=lo, hi=hi, dlo=dlo, dhi=dhi, doff=doff)


def path_ranges(
    window: str,
    n: int,
    m: int,
    radius: int | None = None,
    *,
    open_begin: bool = False,
    open_end: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The row ranges of a resolved window, checked to admit a warping path.

    Parameters
    ----------
    window : str
        A window name resolved by :func:`resolve_window`.
    n, m : int
        The lengths of the two sequences.
    radius : int, optional
        The window's radius (``sakoechiba``, ``slantedband``).
    open_begin, open_end : bool
        Whether the path may start after ``(0, 0)`` / end before ``(n - 1, m - 1)``, so that
        the window need not hold that corner.

    Returns
    -------
    lo, hi : ndarray of int64, shape (n,)
        As :func:`row_ranges`.

    Raises
    ------
    NoPathError
        A row is empty, or a corner the path must visit lies outside the window; the message
        says how to widen it.

    Examples
    --------
    >>> lo, hi = path_ranges("sakoechiba", 4, 4, 1)
    >>> lo.tolist(), hi.tolist()
    ([0, 0, 1, 2], [2, 3, 4, 4])
    """
    lo, hi = row_ranges(window, n, m, radius)
    where = f"the {window} window" + (f" of radius {radius}" if radius is not None else "")
    fault = "radius" if radius is not None else "window"
    hint = " or use the slantedband window" if window == "sakoechiba" and n != m else ""
    if (hi <= lo).any():
        row = int(np.argmax(hi <= lo))
        raise NoPathError(
            f"{where} leaves row {row} empty for lengths {n} x {m}; widen it{hint}",
            argument=fault,
        )
    if not open_begin and lo[0] > 0:
        raise NoPathError(f"{where} excludes the start cell (0, 0); widen it", argument=fault)
    if not open_end and hi[-1] < m:
        raise NoPathError(
            f"{where} cannot reach the end cell ({n - 1}, {m - 1}) for lengths {n} x {m}; "
            f"widen it to at least |n - m| = {abs(n - m)} or use slantedband",
            argument=fault,
        )
    return lo, hi


def window_band(
    window: str,
    n: int,
    m: int,
    radius: int | None = None,
    *,
    open_begin: bool = False,
    open_end: bool = False,
) -> Band:
    """The :class:`Band` of a resolved window over an ``n x m`` grid, checked to admit a
    warping path (see :func:`path_ranges`, which takes the same arguments).

    Examples
    --------
    >>> window_band("sakoechiba", 4, 4, 1).area
    10
    """
    lo, hi = path_ranges(window, n, m, radius, open_begin=open_begin, open_end=open_end)
    return make_band(lo, hi, m)


def anchor_ranges(lo: np.ndarray, hi: np.ndarray, anchors: np.ndarray | None):
    """Row ranges that force a path through each anchor ``(i, j)``.

    Row ``i`` keeps only column ``j``; rows above keep columns ``<= j`` and rows below
    columns ``>= j``. A row the cut would empty keeps its cell nearest the anchor, so every
    row stays non-empty and the ranges monotone. Anchors must increase strictly in both
    coordinates (see :func:`check_anchors`).
    """
    if anchors is None or len(anchors) == 0:
        return lo, hi
    lo = lo.copy()
    hi = hi.copy()
    for ai, aj in np.asarray(anchors, dtype=np.int64):
        above = slice(0, ai)
        hi[above] = np.minimum(hi[above], aj + 1)
        lo[above] = np.minimum(lo[above], hi[above] - 1)
        below = slice(ai + 1, None)
        lo[below] = np.maximum(lo[below], aj)
        hi[below] = np.maximum(hi[below], lo[below] + 1)
        lo[ai] = aj
        hi[ai] = aj + 1
    return lo, hi


def check_anchors(anchors, n: int, m: int) -> np.ndarray | None:
    """Validate anchors: ``(k, 2)`` frame pairs inside the grid, strictly increasing."""
    if anchors is None:
        return None
    a = np.asarray(anchors)
    if a.size == 0:
        return None
    if a.ndim != 2 or a.shape[1] != 2 or not np.issubdtype(a.dtype, np.number):
        raise InputError(f"anchors must be (k, 2) pairs of frames, got shape {a.shape}",
                         argument="anchors")  # fmt: skip
    if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
        raise InputError("anchors must be whole frame indices", argument="anchors")
    a = a.astype(np.int64)
    bad = (a[:, 0] < 0) | (a[:, 0] >= n) | (a[:, 1] < 0) | (a[:, 1] >= m)
    if bad.any():
        i, j = a[int(np.argmax(bad))]
        raise InputError(f"anchor ({i}, {j}) is outside the {n} x {m} frames",
                         argument="anchors")  # fmt: skip
    order = np.argsort(a[:, 0], kind="stable")
    a = a[order]
    if len(a) > 1 and not (np.all(np.diff(a[:, 0]) > 0) and np.all(np.diff(a[:, 1]) > 0)):
        raise InputError("anchors must increase strictly in both sequences (one pair per "
                         "frame, in order)", argument="anchors")  # fmt: skip
    return a
