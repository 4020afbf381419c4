"""The overall tempo ratio of two recordings of one piece: how long each one sounds.

:func:`sounding_span` finds where a recording sounds: from its first to its last 10 ms block
whose level reaches the recording's quiet floor (its 5th-percentile block) plus
:data:`SPAN_MARGIN_DB`, or :data:`SPAN_DEPTH_DB` under its loud blocks where that is lower
(a recording without silence sounds throughout): the rule of :mod:`seqalign.audio.pauses`,
with a deeper silence. A take started early or left running after the last
note then measures the music, not the file. :func:`tempo_ratio` divides the two spans.

``seqalign warp``'s music preset stretches B to A's overall tempo before the DTW
(:mod:`seqalign.warping.stretch`): with the symmetric1 step pattern a path through an
``n x n`` matrix pays one cell more for every step off the diagonal, so where the features
cannot tell (a held chord, an inner voice moving under it), the path keeps the overall
tempo. Through an ``n x m`` matrix, ``n - m`` steps off the diagonal are free and the path
spends them wherever the cost is cheapest. On the tuning half of the rendered corpus
(``benchmarks/alignment_accuracy.py``) this took music from 92.9 to 94.6 % of points within
50 ms, and the timbre corpus (``benchmarks/timbre_lag.py``) from 88.5 to 89.9 %; with a floor
under every cell's cost (:data:`seqalign.warping.stretch.TEMPO_FLOOR`), which makes each
step off the tempo cost at least that much, and the DTW run over the sounding spans only,
to 96.0 and 89.7 %.
"""

from __future__ import annotations

import numpy as np

from seqalign.audio.pauses import silence_threshold

__all__ = [
    "BLOCK_S",
    "MAX_RATIO",
    "SPAN_DEPTH_DB",
    "SPAN_MARGIN_DB",
    "sounding_span",
    "tempo_ratio",
]

#: Seconds per block whose level is measured.
BLOCK_S = 0.01
#: A block sounds from the recording's quiet floor (its 5th-percentile block) plus this ...
SPAN_MARGIN_DB = 10.0
#: ... or from this many dB under its loud blocks (95th percentile), if that is lower
#: (:func:`seqalign.audio.pauses.silence_threshold`, the pause detector's rule): only
#: deep silence is left out. At 20 dB (the pause detector's) a pianissimo opening 30 dB under
#: the rest, 40 % of the piece, was taken for silence and crossed on a straight line (the
#: timbre corpus with ``--quiet-db 30``: 84.8 % within 50 ms against 88.9 % at 40 dB). The
#: price: a lead-in of room noise less than 40 dB under the music is kept, and the cost
#: floor then drags the path across it for a few notes (``benchmarks/README.md``).
SPAN_DEPTH_DB = 40.0
#: :func:`tempo_ratio` stays within ``[1 / MAX_RATIO, MAX_RATIO]``.
MAX_RATIO = 4.0
#: Samples per chunk when the block levels are taken (bounds the temporary).
_CHUNK = 1 << 20


def sounding_span(signal: np.ndarray, sr: float) -> tuple[float, float]:
    """``(start, end)`` in seconds: the first and last sounding block of ``signal`` (see the
    module docstring); ``(0, duration)`` when nothing stands out or the signal is shorter
    than a block.

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        Mono samples.
    sr : float
        Sample rate (Hz).

    Examples
    --------
    >>> sr = 1000
    >>> quiet = np.full(2 * sr, 1e-4)
    >>> tone = np.sin(np.arange(3 * sr))
    >>> sounding_span(np.r_[quiet, tone, quiet[:sr]], sr)
    (2.0, 5.0)
    """
    signal = np.asarray(signal)
    block = max(1, round(BLOCK_S * sr))
    n_blocks = signal.shape[0] // block
    duration = signal.shape[0] / sr
    if n_blocks == 0:
        return 0.0, duration
    power = np.empty(n_blocks)
    step = max(1, _CHUNK // block)
    for first in range(0, n_blocks, step):
        last = min(n_blocks, first + step)
        chunk = np.asarray(signal[first * block : last * block], dtype=np.float64)
        power[first:last] = (chunk * chunk).reshape(last - first, block).mean(axis=1)
    level = 10.0 * np.log10(power + 1e-20)
    sounding = np.flatnonzero(level >= silence_threshold(level, SPAN_MARGIN_DB, SPAN_DEPTH_DB))
    if sounding.size == 0:
        return 0.0, duration
    return float(sounding[0] * block / sr), float((sounding[-1] + 1) * block / sr)


def tempo_ratio(span_a: tuple[float, float], span_b: tuple[float, float]) -> float:
    """How much longer B sounds than A: ``(end_b - start_b) / (end_a - start_a)``, within
    ``[1 / MAX_RATIO, MAX_RATIO]``; 1.0 when a span is empty.

    Examples
    --------
    >>> tempo_ratio((1.0, 61.0), (0.5, 45.5))
    0.75
    """
    length_a = span_a[1] - span_a[0]
    length_b = span_b[1] - span_b[0]
    if not (length_a > 0.0 and length_b > 0.0):
        return 1.0
    return float(np.clip(length_b / length_a, 1.0 / MAX_RATIO, MAX_RATIO))
