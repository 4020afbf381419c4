"""Pauses in speech: the frames a long silence fills, which an alignment can leave out.

A frame is *silent* when its level (:func:`frame_levels`: the power of a short window centred
on it, in dB) is under the recording's quiet floor plus :data:`PAUSE_MARGIN_DB`, and
:data:`MIN_DEPTH_DB` or more under its loud frames; the floor is the
:data:`FLOOR_PERCENTILE`-th percentile of the levels (the noise between words: speech pauses
between phrases, and a recording has silence at its ends), the loud frames the
:data:`LOUD_PERCENTILE`-th (a recording without silence has no pause). A *pause* is a run of
silent frames lasting at least ``min_pause`` seconds. :func:`pause_frames` marks the inside
of each pause, all but ``edge`` seconds at each end: the ends keep the fall into the pause
and the rise out of it (the word's start), which the alignment needs.

On the tuning half of the rendered corpus (``benchmarks/corpus/build_alignment_corpus.py``,
espeak-ng voices with pauses of one reader only) the results did not change between margins
of 6 and 10 dB or shortest pauses of 0.2 and 0.3 s; with pauses of 1.5-3 s added to one side
of those pairs at 7 places each (``benchmarks/corpus/add_pauses.py``), skipping them took the
share of word starts within 50 ms from 90.1 to 97.2 % (mean error from 141 to 10.4 ms; 98.2 %
and 6.3 ms with the time map of ``--interpolation pauses``), and left the pairs as rendered
as they were (:func:`seqalign.warping.skipping.dtw_skipping` says why).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FLOOR_PERCENTILE",
    "LOUD_PERCENTILE",
    "MIN_DEPTH_DB",
    "MIN_PAUSE_S",
    "PAUSE_EDGE_S",
    "PAUSE_MARGIN_DB",
    "frame_levels",
    "pause_frames",
    "silence_threshold",
]

#: A frame is silent under the floor plus this many dB.
PAUSE_MARGIN_DB = 10.0
#: The floor: this percentile of a recording's frame levels.
FLOOR_PERCENTILE = 5.0
#: The loud frames: this percentile of a recording's frame levels.
LOUD_PERCENTILE = 95.0
#: A silent frame is at least this many dB under the loud frames (the corpus's recordings
#: span 32-47 dB between the two percentiles).
MIN_DEPTH_DB = 20.0
#: Shortest pause (seconds) whose inside is left out (``seqalign warp --skip-pauses``).
MIN_PAUSE_S = 0.2
#: Seconds kept at each end of a pause.
PAUSE_EDGE_S = 0.05


def frame_levels(signal: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    """The level of each frame in dB: ``10 log10`` of the power of a Hann window of
    :func:`seqalign.audio.features.speech_window` samples centred on sample ``k hop_length``
    (the frames of the feature sets, ``1 + n_samples // hop_length`` of them), plus 1e-12.

    Examples
    --------
    >>> sr = 22050
    >>> y = np.r_[np.zeros(sr), 0.1 * np.ones(sr)]
    >>> levels = frame_levels(y, sr, 220)
    >>> levels.shape, bool(levels[50] < -100 < levels[150])
    ((201,), True)
    """
    from seqalign.audio.features import speech_window

    n_fft = speech_window(sr)
    y = np.pad(np.asarray(signal, dtype=np.float64), n_fft // 2)
    n_frames = 1 + (len(y) - n_fft) // hop_length
    if n_frames < 1:
        y = np.pad(y, (0, n_fft - len(y)))
        n_frames = 1
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)) ** 2
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop_length][:n_frames]
    power = np.empty(n_frames)
    block = 4096  # frames per product: bounds the temporary
    for start in range(0, n_frames, block):
        chunk = frames[start : start + block]
        power[start : start + block] = (chunk * chunk) @ window / n_fft
    return 10.0 * np.log10(power + 1e-12)


def silence_threshold(levels: np.ndarray, margin_db: float, depth_db: float) -> float:
    """The level (dB) under which a frame is silent: the recording's quiet floor (the
    :data:`FLOOR_PERCENTILE`-th percentile of ``levels``) plus ``margin_db``, or ``depth_db``
    under its loud frames (the :data:`LOUD_PERCENTILE`-th), whichever is lower (a recording
    without silence has none). Shared by :func:`pause_frames` and
    :func:`seqalign.audio.tempo.sounding_span`.

    Examples
    --------
    >>> silence_threshold(np.r_[np.full(10, -80.0), np.zeros(90)], 10.0, 20.0)
    -70.0
    """
    floor, loud = np.percentile(levels, [FLOOR_PERCENTILE, LOUD_PERCENTILE])
    return float(min(floor + margin_db, loud - depth_db))


def pause_frames(
    levels: np.ndarray,
    rate: float,
    *,
    min_pause: float = MIN_PAUSE_S,
    edge: float = PAUSE_EDGE_S,
    margin_db: float = PAUSE_MARGIN_DB,
) -> np.ndarray:
    """The frames inside pauses (see the module docstring): True to leave out.

    Parameters
    ----------
    levels : ndarray, shape (n,)
        Frame levels in dB (:func:`frame_levels`).
    rate : float
        Frames per second.
    min_pause : float
        Shortest pause, seconds (> 0).
    edge : float
        Seconds kept at each end of a pause (the frames of a pause within ``round(edge *
        rate)`` frames of its ends, at least 1, are kept).
    margin_db : float
        A frame is silent under the :data:`FLOOR_PERCENTILE`-th percentile of ``levels`` plus
        this, and :data:`MIN_DEPTH_DB` under the :data:`LOUD_PERCENTILE`-th.

    Returns
    -------
    ndarray of bool, shape (n,)
        Never the first or the last frame.

    Examples
    --------
    >>> levels = np.r_[np.zeros(20), np.full(40, -60.0), np.zeros(40)]
    >>> skip = pause_frames(levels, 100.0)
    >>> int(skip.sum()), int(np.flatnonzero(skip)[0]), int(np.flatnonzero(skip)[-1])
    (30, 25, 54)
    """
    levels = np.asarray(levels, dtype=np.float64)
    n = levels.shape[0]
    skip = np.zeros(n, dtype=bool)
    if n < 3:
        return skip
    silent = levels < silence_threshold(levels, margin_db, MIN_DEPTH_DB)
    change = np.diff(np.r_[0, silent.astype(np.int8), 0])
    starts, ends = np.flatnonzero(change == 1), np.flatnonzero(change == -1)
    keep = max(1, round(edge * rate))
    shortest = max(1, round(min_pause * rate))
    for start, end in zip(starts, ends):
        if end - start >= shortest and end - start > 2 * keep:
            skip[start + keep : end - keep] = True
    skip[0] = skip[-1] = False
    return skip
