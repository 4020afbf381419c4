"""DTW that leaves frames out (pauses) and crosses them on a straight line.

A pause that only one recording makes (a speaker's hesitation) has to be matched, frame by
frame, with something in the other recording. When both recordings pause, a few words apart,
the cheapest path can match the two pauses with each other (silence against silence costs
almost nothing) and pay for the words between them instead: the path is then seconds off for
a stretch. Silence tells nothing about where the two recordings are, so :func:`dtw_skipping`
aligns the frames that are kept (every frame but the inside of the pauses) and puts the
frames left out back on the path afterwards (:func:`expand_path`): a pause of one recording
becomes a vertical or horizontal run at the place where the other one pauses briefly or
not at all, and the path cannot be drawn towards the other's pauses.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seqalign.errors import InputError
from seqalign.warping.align import Alignment, dtw

__all__ = ["dtw_skipping", "expand_path"]


def _kept(skip: ArrayLike, n: int, name: str) -> np.ndarray:
    mask = np.asarray(skip)
    if mask.dtype != np.bool_ or mask.shape != (n,):
        raise InputError(f"{name} must be {n} booleans (one per frame), got "
                         f"{mask.dtype} of shape {mask.shape}", argument=name)  # fmt: skip
    kept = np.flatnonzero(~mask).astype(np.int64)
    if kept.size < 2 or kept[0] != 0 or kept[-1] != n - 1:
        raise InputError(f"{name}: the first and last frames must be kept, and 2 frames at "
                         "least", argument=name)  # fmt: skip
    return kept


def expand_path(path: ArrayLike, kept_a: ArrayLike, kept_b: ArrayLike) -> np.ndarray:
    """A warping path over kept frames, on all frames: the frames left out crossed on the
    straight line between the kept frames around them.

    Cell ``(p, q)`` becomes ``(kept_a[p], kept_b[q])``; between two consecutive cells
    ``(i0, j0)`` and ``(i1, j1)``, with ``di = i1 - i0``, ``dj = j1 - j0`` and ``s =
    max(di, dj)``, come the cells ``(i0 + round(di k / s), j0 + round(dj k / s))`` for ``k =
    1..s`` (halves rounded up, in integers: ``(di k + s // 2) // s``). Each step moves by at
    most one frame of each sequence, so the result is a warping path again.

    Parameters
    ----------
    path : array_like of int, shape (L, 2)
        Start to end, over ``len(kept_a)`` by ``len(kept_b)`` frames.
    kept_a, kept_b : array_like of int
        The frames kept, increasing.

    Returns
    -------
    ndarray of int64, shape (L', 2)

    Examples
    --------
    Frames 1-3 of A were left out: the path crosses them on the line from ``(0, 0)`` to
    ``(4, 1)``.

    >>> expand_path(np.array([[0, 0], [1, 1], [2, 2]]), np.array([0, 4, 5]),
    ...             np.array([0, 1, 2])).tolist()
    [[0, 0], [1, 0], [2, 1], [3, 1], [4, 1], [5, 2]]
    """
    from seqalign._kernels.skipping import expand_path as kernel

    p = np.ascontiguousarray(path, dtype=np.int64)
    ka = np.ascontiguousarray(kept_a, dtype=np.int64)
    kb = np.ascontiguousarray(kept_b, dtype=np.int64)
    if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] < 1:
        raise InputError(f"path must be (L, 2) frame pairs, got shape {p.shape}", argument="path")
    if p.min() < 0 or p[:, 0].max() >= ka.size or p[:, 1].max() >= kb.size:
        raise InputError("path indexes frames beyond kept_a or kept_b", argument="path")
    for name, kept in (("kept_a", ka), ("kept_b", kb)):
        if kept.ndim != 1 or (np.diff(kept) <= 0).any():
            raise InputError(f"{name} must be increasing frame indices", argument=name)
    return kernel(p, ka, kb)


def dtw_skipping(x: ArrayLike, y: ArrayLike, skip_a: ArrayLike, skip_b: ArrayLike,
                 **options: Any) -> Alignment:  # fmt: skip
    """:func:`seqalign.dtw` of the frames of ``x`` and ``y`` that are not skipped, the path
    put back on all frames by :func:`expand_path`.

    Parameters
    ----------
    x : array_like, shape (n, d)
    y : array_like, shape (m, d)
        Time-first features.
    skip_a : array_like of bool, shape (n,)
    skip_b : array_like of bool, shape (m,)
        Frames to leave out (e.g. :func:`seqalign.audio.pauses.pause_frames`); the first and
        the last frame of each must be kept.
    **options
        Passed to :func:`seqalign.dtw` (not ``cost``, ``window``, ``radius``, ``anchors``,
        ``open_begin`` or ``open_end``: they would be read on the kept frames).

    Returns
    -------
    Alignment
        ``path``, ``n`` and ``m`` on all frames; ``distance`` and ``cells`` are those of the
        kept frames' alignment, and ``solver_reason`` says how many frames were left out.

    Examples
    --------
    Frames 2-4 of ``x`` are left out: the path crosses them on the line from ``(1, 1)`` to
    ``(5, 2)`` (matched, they would all go with frame 2 of ``y``).

    >>> x = np.array([[0.0], [1.0], [9.0], [9.0], [9.0], [2.0]])
    >>> y = np.array([[0.0], [1.0], [2.0]])
    >>> skip = np.array([False, False, True, True, True, False])
    >>> dtw_skipping(x, y, skip, np.zeros(3, dtype=bool)).path.tolist()
    [[0, 0], [1, 1], [2, 1], [3, 2], [4, 2], [5, 2]]
    >>> dtw(x, y).path.tolist()
    [[0, 0], [1, 1], [2, 2], [3, 2], [4, 2], [5, 2]]
    """
    for name in ("cost", "window", "radius", "anchors", "open_begin", "open_end"):
        if options.get(name) not in (None, False):
            raise InputError(f"{name} is not available when frames are skipped", argument=name)
    xa, ya = np.asarray(x), np.asarray(y)
    kept_a = _kept(skip_a, xa.shape[0], "skip_a")
    kept_b = _kept(skip_b, ya.shape[0], "skip_b")
    alignment = dtw(xa[kept_a], ya[kept_b], **options)
    path = None if alignment.path is None else expand_path(alignment.path, kept_a, kept_b)
    left = (xa.shape[0] - kept_a.size, ya.shape[0] - kept_b.size)
    reason = f"{alignment.solver_reason}; {left[0]} frames of A and {left[1]} of B skipped"
    return dataclasses.replace(alignment, path=path, n=xa.shape[0], m=ya.shape[0],
                               start=int(kept_b[alignment.start]),
                               end=int(kept_b[alignment.end]),
                               solver_reason=reason.lstrip("; "))  # fmt: skip
