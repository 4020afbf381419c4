"""The overall tempo ratio of two recordings of one piece: how long each one sounds.

:func:`sounding_span` finds where a recording sounds: from its first to its last 10 ms block
whose level reaches the recording's quiet floor (its 5th-percentile block) plus
:data:`SPAN_MARGIN_DB`, or :data:`SPAN_DEPTH_DB` under its loud blocks where that is lower
(a recording without silence sounds throughout): the rule of :mod:`seqalign.audio.pauses`,
with a deeper silence. Room noise left at either end is then taken off too, whatever its
level: the windows of :data:`NOISE_WINDOW_S` from each end inward that are quiet (within
:data:`SPAN_MARGIN_DB` of the quietest windows) and whose spectrum has no partials standing
out (:func:`tonality`). A take started early or left running after the last note then
measures the music, not the file, and a pianissimo opening, whose notes stand out of the
noise, is kept. :func:`tempo_ratio` divides the two spans. On the 33 music pairs of the
rendered corpus the ratio of the spans is 0.5 % (median) and 2.4 % (at most) off the ratio of
the first-to-last note times, against 2.2 % and 14.8 % (a 13 s lead-in of noise, 30 dB down)
with the level rule alone.

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
to 96.0 and 89.7 %; with room noise left out of the spans too, 96.3 and 90.2 %.
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
    "tonality",
]

#: Seconds per block whose level is measured.
BLOCK_S = 0.01
#: A block sounds from the recording's quiet floor (its 5th-percentile block) plus this ...
SPAN_MARGIN_DB = 10.0
#: ... or from this many dB under its loud blocks (95th percentile), if that is lower
#: (:func:`seqalign.audio.pauses.silence_threshold`, the pause detector's rule): only
#: deep silence is left out. At 20 dB (the pause detector's) a pianissimo opening 30 dB under
#: the rest, 40 % of the piece, was taken for silence and crossed on a straight line (the
#: timbre corpus with ``--quiet-db 30``: 84.8 % within 50 ms against 88.9 % at 40 dB). Room
#: noise less than 40 dB under the music is left out by its spectrum (:data:`TONAL_DB`).
SPAN_DEPTH_DB = 40.0
#: The ends of a recording are looked at in windows of this many seconds: a window of room
#: noise (quiet, :data:`SPAN_MARGIN_DB`, and not tonal, :data:`TONAL_DB`) is left out.
NOISE_WINDOW_S = 0.2
#: :func:`tonality` under this many dB: no partials stand out, the window is noise. Windows
#: of noise measured 0.45 dB at most (1,221 windows of the lead-ins and tails that
#: ``benchmarks/corpus/add_silence.py`` adds; 200 each of white and brown noise at 8, 22.05
#: and 44.1 kHz: 0.57 dB at most, at 8 kHz), the 0.2 s windows of the first 4 s of a
#: pianissimo opening 30 dB under the rest 0.65 dB at least, 1.2 dB at the 1st percentile,
#: 8.2 dB at the median (``benchmarks/timbre_lag.py --quiet-db 30``; over pink noise 60 dB
#: down, 0.8 dB at the 5th percentile).
TONAL_DB = 0.75
#: :func:`tonality`'s frames (seconds, a power of two in samples), its band (Hz) and the
#: half-width of its running median (bins: +-170 Hz at 22,050 Hz).
TONAL_FRAME_S = 0.046
TONAL_BAND_HZ = (200.0, 5000.0)
TONAL_MEDIAN_BINS = 8
#: Where the music begins after room noise: the first block this many dB over the
#: NOISE_PERCENTILE-th percentile of the noise's blocks (the rumble of a room swings the
#: level of 10 ms blocks by several dB).
NOISE_RISE_DB = 3.0
NOISE_PERCENTILE = 95.0
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
    first, stop = _without_noise_ends(signal, sr, block, level, int(sounding[0]),
                                      int(sounding[-1]) + 1)  # fmt: skip
    return float(first * block / sr), float(stop * block / sr)


def tonality(samples: np.ndarray, sr: float) -> float:
    """How peaked the spectrum of ``samples`` is, in dB: ``10 log10`` of the mean, over the
    bins within :data:`TONAL_BAND_HZ`, of the power over its running median across frequency
    (+-:data:`TONAL_MEDIAN_BINS` bins), from the mean power spectrum of Hann frames of about
    :data:`TONAL_FRAME_S` (:func:`seqalign.audio.pitch.fft_length`) at a quarter-frame hop.

    Notes put their energy in partials that stand far above the spectrum around them; noise,
    white or coloured, averaged over a few frames, has no such peaks (its power is about its
    running median's: 0.2-0.6 dB, :data:`TONAL_DB`). Each bin counts alike, so the slope of a
    room's rumble (most of its power in the lowest bins) does not weigh. 0.0 for silence or
    when the band holds no bin.

    Examples
    --------
    >>> sr = 22050
    >>> t = np.arange(sr // 5) / sr
    >>> round(tonality(np.random.default_rng(0).normal(size=t.size), sr), 1) < 0.5
    True
    >>> tonality(np.sin(2 * np.pi * 440.0 * t), sr) > 3.0
    True
    """
    from seqalign.audio.pitch import fft_length

    n_fft = fft_length(sr, TONAL_FRAME_S)
    samples = np.asarray(samples, dtype=np.float64)
    if samples.size < n_fft:
        samples = np.pad(samples, (0, n_fft - samples.size))
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.lib.stride_tricks.sliding_window_view(samples, n_fft)[:: max(1, n_fft // 4)]
    spectrum = np.fft.rfft(frames * window, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).mean(axis=0)
    freqs = np.arange(power.size) * sr / n_fft
    band = (freqs >= TONAL_BAND_HZ[0]) & (freqs <= TONAL_BAND_HZ[1])
    padded = np.pad(power, TONAL_MEDIAN_BINS, mode="edge")
    width = 2 * TONAL_MEDIAN_BINS + 1
    median = np.median(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)
    power, median = power[band], median[band]
    kept = median > 0.0
    if not kept.any():
        return 0.0
    return 10.0 * float(np.log10((power[kept] / median[kept]).sum() / kept.sum()))


def _without_noise_ends(signal: np.ndarray, sr: float, block: int, level: np.ndarray,
                        first: int, stop: int) -> tuple[int, int]:  # fmt: skip
    """Blocks ``first .. stop - 1`` less the room noise at either end: the windows of
    :data:`NOISE_WINDOW_S` from each end inward that are quiet (their mean power within
    :data:`SPAN_MARGIN_DB` of the 5th-percentile window of the recording) and not tonal
    (:func:`tonality` under :data:`TONAL_DB`), unless every window is; then, from the last
    window of noise on, the blocks under :data:`NOISE_RISE_DB` over the noise's
    :data:`NOISE_PERCENTILE`-th percentile block."""
    from seqalign.audio.pauses import FLOOR_PERCENTILE

    width = max(1, round(NOISE_WINDOW_S / BLOCK_S))
    # the quiet floor of windows, not of blocks: the rumble of a room swings the level of
    # 10 ms blocks by 10 dB
    n_windows = max(1, level.size // width)
    power = (10.0 ** (level[: n_windows * width] / 10.0)).reshape(n_windows, -1).mean(axis=1)
    quiet = 10.0 * np.log10(np.percentile(power, FLOOR_PERCENTILE) + 1e-20) + SPAN_MARGIN_DB

    def noise(k: int) -> bool:  # whether window k is room noise
        window_power = float(np.mean(10.0 ** (level[k : k + width] / 10.0)))
        if 10.0 * np.log10(max(window_power, 1e-20)) > quiet:
            return False
        return tonality(signal[k * block : (k + width) * block], sr) < TONAL_DB

    def rise(blocks: slice) -> float:  # the level of the music, over the noise's blocks
        return float(np.percentile(level[blocks], NOISE_PERCENTILE)) + NOISE_RISE_DB

    n_lead = 0
    while first + (n_lead + 1) * width <= stop and noise(first + n_lead * width):
        n_lead += 1
    if first + (n_lead + 1) * width > stop:  # noise throughout (or too short to tell)
        return first, stop
    if n_lead:  # the music may begin in the last window of noise: look from there
        start = first + (n_lead - 1) * width
        ahead = np.flatnonzero(level[start : start + 2 * width]
                               >= rise(slice(first, start + width)))  # fmt: skip
        first = start + (int(ahead[0]) if ahead.size else width)
    n_tail = 0
    while stop - (n_tail + 1) * width >= first and noise(stop - (n_tail + 1) * width):
        n_tail += 1
    if n_tail and stop - (n_tail + 1) * width >= first:  # the music ends before the noise
        end = stop - n_tail * width  # the last window of noise starts here
        low = max(first, end - width)
        behind = np.flatnonzero(level[low : end + width] >= rise(slice(end, stop)))
        stop = low + int(behind[-1]) + 1 if behind.size else end
    return first, stop


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
