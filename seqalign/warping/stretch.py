"""Stretch one sequence in time before DTW, and bring the path back to its frames.

DTW with the symmetric1 step pattern (each step adds its cell's cost, whatever its
direction) favours the diagonal only through a square matrix: through an ``n x m`` one,
``|n - m|`` steps off the diagonal are free and land wherever the cost is lowest. Stretching
B to ``m'`` frames (:func:`stretch_frames`) so that the expected path is the diagonal makes
every step off the overall tempo cost a cell; :func:`unstretch_path` maps the path found back
to B's frames, for a refinement (:func:`seqalign.warping.refine.refine`) to make exact.
"""

from __future__ import annotations

import numpy as np

__all__ = ["stretch_frames", "stretched_length", "unstretch_path"]


def stretched_length(n_frames: int, ratio: float) -> int:
    """Frames of a sequence of ``n_frames`` played ``ratio`` times as long as the other
    (``ratio`` > 1: it is slower, and is shrunk): ``round(n_frames / ratio)``, at least 2."""
    return max(2, round(n_frames / ratio))


def stretch_frames(data: np.ndarray, n_frames: int) -> np.ndarray:
    """``data`` (time-first) resampled to ``n_frames`` frames by linear interpolation: frame
    ``k`` of the result lies at ``k (n - 1) / (n_frames - 1)`` of the input (the ends meet
    the ends).

    Examples
    --------
    >>> stretch_frames(np.array([[0.0], [1.0], [2.0]]), 5).ravel().tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    data = np.asarray(data, dtype=np.float64)
    n = data.shape[0]
    if n < 2 or n_frames < 2:
        return np.repeat(data[:1], max(1, n_frames), axis=0) if n else data
    at = np.linspace(0.0, n - 1.0, n_frames)
    below = np.minimum(at.astype(np.int64), n - 2)
    share = (at - below)[:, None]
    return (1.0 - share) * data[below] + share * data[below + 1]


def unstretch_path(path: np.ndarray, n_stretched: int, n_frames: int) -> np.ndarray:
    """A path whose second column indexes a stretched sequence of ``n_stretched`` frames, its
    second column mapped to the nearest of the ``n_frames`` frames of the original (the
    inverse of :func:`stretch_frames`' positions). Not a DTW path in general (columns may
    repeat or skip): a band for :func:`seqalign.warping.refine.refine`.

    Examples
    --------
    >>> unstretch_path(np.array([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]), 5, 3)[:, 1].tolist()
    [0, 1, 1, 2, 2]
    """
    path = np.array(path, dtype=np.int64, copy=True)
    scale = (n_frames - 1) / max(1, n_stretched - 1)
    path[:, 1] = np.clip(np.floor(path[:, 1] * scale + 0.5), 0, n_frames - 1)
    return path
