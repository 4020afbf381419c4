"""Stretch one sequence in time before DTW, and bring the path back to its frames.

DTW with the symmetric1 step pattern (each step adds its cell's cost, whatever its
direction) favours the diagonal only through a square matrix: through an ``n x m`` one,
``|n - m|`` steps off the diagonal are free and land wherever the cost is lowest. Stretching
B to ``m'`` frames (:func:`stretch_frames`) so that the expected path is the diagonal makes
every step off the overall tempo cost a cell; :func:`unstretch_path` maps the path found back
to B's frames, for a refinement (:func:`seqalign.warping.refine.refine`) to make exact.
:func:`with_floor` gives every cell a floor, which makes a step off the diagonal cost that
much where the features cannot tell one path from the other. With that floor, a lead-in of
silence in one take and not the other would be crossed on the diagonal too, so the DTW runs
over the sounding spans only (:func:`sounding_frames`) and :func:`join_ends` maps the
silence before and after them on straight lines.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "TEMPO_FLOOR",
    "TRIM_MARGIN_S",
    "join_ends",
    "sounding_frames",
    "stretch_frames",
    "stretched_length",
    "unstretch_path",
    "with_floor",
]

#: With B stretched, every cell costs at least about this much (:func:`with_floor`), so that
#: a step off the overall tempo costs as much even where the features match everywhere. On
#: the tuning half of the rendered corpus, music within 50 ms: 94.6 % without, 95.4 / 95.8 /
#: 95.8 / 95.4 % at 0.5 / 0.7 / 1 / 1.5; the timbre corpus 89.9 % without, 90.3 / 90.2 /
#: 89.5 % at 0.5 / 0.7 / 1 (``benchmarks/README.md``).
TEMPO_FLOOR = 0.7
#: Seconds kept on each side of a take's sounding span (:func:`sounding_frames`).
TRIM_MARGIN_S = 0.5


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


def with_floor(x: np.ndarray, y: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` with one more feature, ``floor`` in every frame of ``x`` and 0 in
    every frame of ``y``: their Euclidean distance becomes ``sqrt(d^2 + floor^2)`` (at least
    ``floor``, about ``d`` where ``d`` is much larger), their squared Euclidean distance
    ``d^2 + floor^2``. Meant for those two metrics only.

    Examples
    --------
    >>> x, y = with_floor(np.zeros((2, 1)), np.full((3, 1), 0.3), 0.4)
    >>> float(np.linalg.norm(x[0] - y[0]))
    0.5
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return (np.hstack([x, np.full((x.shape[0], 1), float(floor))]),
            np.hstack([y, np.zeros((y.shape[0], 1))]))  # fmt: skip


def sounding_frames(span: tuple[float, float], rate: float, n_frames: int,
                    margin: float = TRIM_MARGIN_S) -> tuple[int, int]:  # fmt: skip
    """``(first, stop)``: the frames (at ``rate`` per second, ``n_frames`` in all) from
    ``margin`` seconds before ``span`` starts to ``margin`` seconds after it ends; all of
    them when that leaves fewer than 2.

    Examples
    --------
    >>> sounding_frames((2.0, 5.0), 10.0, 80)
    (15, 56)
    """
    first = max(0, math.floor((span[0] - margin) * rate))
    stop = min(n_frames, math.ceil((span[1] + margin) * rate) + 1)
    return (first, stop) if stop - first >= 2 else (0, n_frames)


def join_ends(path: np.ndarray, n: int, m: int) -> np.ndarray:
    """``path`` (of a part of an ``n x m`` matrix) with straight lines from ``(0, 0)`` to its
    first cell and from its last cell to ``(n - 1, m - 1)`` (and over any step of the path
    longer than one frame): a warping path of the whole, by
    :func:`seqalign.warping.skipping.expand_path`.

    Examples
    --------
    >>> join_ends(np.array([[2, 1], [3, 2]]), 5, 3).tolist()
    [[0, 0], [1, 1], [2, 1], [3, 2], [4, 2]]
    """
    from seqalign.warping.skipping import expand_path

    path = np.asarray(path, dtype=np.int64)
    (i0, j0), (i1, j1) = path[0], path[-1]
    # the frames of the part, and the two corners, as kept frames: expand_path crosses the
    # frames between them on the straight line
    kept_a = np.unique(np.r_[0, np.arange(i0, i1 + 1), n - 1])
    kept_b = np.unique(np.r_[0, np.arange(j0, j1 + 1), m - 1])
    inner = path - path[0] + [int(i0 > 0), int(j0 > 0)]
    corners = np.array([[0, 0], [kept_a.size - 1, kept_b.size - 1]])
    return expand_path(np.vstack([corners[:1], inner, corners[1:]]), kept_a, kept_b)
