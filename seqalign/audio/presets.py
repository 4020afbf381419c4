"""Audio presets: the reading and alignment settings that suit music or speech, and a detector
that tells the two apart from the signal.

``benchmarks/alignment_accuracy.py`` chose them on the tuning half of the rendered corpus
(``benchmarks/corpus/build_alignment_corpus.py``) and measured them on the held-out half
(``benchmarks/README.md``): on music, a timbre-invariant chroma (CRP) with chroma onsets at 50
frames per second (B stretched to A's overall tempo for the DTW, :mod:`seqalign.audio.tempo`),
the path then refined with the same features at 150 frames per second in a band around it,
beats log-mel by tens of points within 50 ms (and tuned chroma by 2 points on
the tuning half: the two renderings of a piece use different instruments); on speech, where
pitch classes mean little and voices differ, log-mel z-scored per band and compared by cosine
stays the most accurate, at a 10 ms hop (100 frames per second, as speech recognisers use)
rather than 23 ms, refined at 200 frames per second (88.4 to 89.1 % within 50 ms on the
tuning half; 3 and 7 times the rate for music gave 89.3 and 88.6 %). The log-mel of speech
is taken from 25 ms windows (``logmel_rise``, :func:`seqalign.audio.features.logmel_rise`)
rather than ``logmel``'s 93 ms, which smear a loud onset over the frames before it, with
each band's rise over 20 ms appended (marks a word's start where one voice begins it softly
or in the reverberation of the word before): 89.1 to 98.0 % within 50 ms on the tuning half,
mean error 19.5 to 7.1 ms (the short window alone: 95.7 %, 11.6 ms). Pauses of 0.2 s or
more are left out of the alignment (``--skip-pauses``, :mod:`seqalign.audio.pauses`): a
pause that one reader makes is then crossed where the other pauses briefly, instead of being
matched with a pause of the other reader a few words away; the time map goes on where the
other resumes (``--interpolation pauses``). With pauses of 1.5-3 s added to one side of the
tuning pairs at 7 places each, the two took the share within 50 ms from 90.1 to 98.2 %.

:func:`music_likeness` is the mean peakiness of the chroma of the sounding frames (the largest
of the 12 pitch-class energies over their sum): notes put their energy in a few pitch classes,
speech (gliding pitch, noise-like consonants) spreads it. A pair is music when both signals
reach :data:`MUSIC_THRESHOLD`: on the tuning half of the corpus the lower score of a pair was
0.21-0.24 for speech and 0.35-0.75 for music (0.19-0.25 and 0.38-0.74 on the held-out half).
Between :data:`MUSIC_THRESHOLD` and :data:`SURE_MUSIC` the pair is music only when one of its
signals is not noisy (:func:`noisiness`): on the second corpus
(``benchmarks/corpus/build_tempo_corpus.py``) two steady espeak-ng voices scored 0.32 and 0.36,
and the music preset aligned them worse than the speech preset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "MUSIC_THRESHOLD",
    "NOISE_THRESHOLD",
    "PRESETS",
    "PRESET_NAMES",
    "SURE_MUSIC",
    "Preset",
    "detect_preset",
    "music_likeness",
    "noisiness",
]


@dataclass(frozen=True)
class Preset:
    """Settings of ``seqalign warp`` for one kind of audio."""

    features: str
    hop_length: int
    normalize: str
    metric: str
    step_pattern: str
    description: str
    #: Above this many cells (frames of A times frames of B), ``solver="auto"`` becomes the
    #: coarse-to-fine ``multiscale`` solver; None: the planner decides.
    multiscale_cells: int | None = None
    #: ``--refine``: the path is refined with the same features at this many times the frame
    #: rate, in a band around it (:func:`seqalign.warping.refine.refine`); 1: not refined.
    refine: int = 1
    #: ``--skip-pauses``: the inside of every pause of at least this many seconds is left out
    #: of the alignment (:func:`seqalign.audio.pauses.pause_frames`); 0: every frame aligned.
    skip_pauses: float = 0.0
    #: ``--interpolation``: how the time map reads the path (:mod:`seqalign.warping.timemap`).
    interpolation: str = "runs"
    #: ``--match-tempo``: B is stretched to A's overall tempo (the ratio of the two sounding
    #: spans, :mod:`seqalign.audio.tempo`) for the DTW, with a cost floor, over the sounding
    #: spans (:mod:`seqalign.warping.stretch`), and refined at its own rate times it.
    match_tempo: bool = False


#: The presets by name. ``music`` aligns pairs over 2.5e8 cells (two 5-minute takes at 50
#: frames per second) coarse to fine: on the 20-minute pair of the corpus the path was the
#: full DTW's, in a tenth of the memory and time.
PRESETS: dict[str, Preset] = {
    "music": Preset("crp_dlnco", 441, "none", "euclidean", "symmetric1",
                    "CRP (timbre-invariant chroma) + chroma onsets at 50 frames per second, "
                    "Euclidean, B stretched to A's tempo, refined at 150",
                    multiscale_cells=250_000_000, refine=3, match_tempo=True),
    "speech": Preset("logmel_rise", 220, "zscore", "cosine", "symmetric1",
                     "log-mel of 25 ms windows and its rises, z-scored per band at 100 frames "
                     "per second, cosine, refined at 200, pauses skipped", refine=2,
                     skip_pauses=0.2, interpolation="pauses"),
}  # fmt: skip
#: Valid values of ``--preset``: ``auto`` detects music or speech, ``none`` applies neither.
PRESET_NAMES = ("auto", "music", "speech", "none")
#: :func:`music_likeness` at or above this: music if the signal is not noisy
#: (:data:`NOISE_THRESHOLD`).
MUSIC_THRESHOLD = 0.3
#: :func:`music_likeness` at or above this: music, however noisy (speech reached 0.36 at most
#: on the rendered corpora; music as noisy as speech, 0.64 at least).
SURE_MUSIC = 0.45
#: :func:`noisiness` of every signal at or above this: speech, unless the chroma is clearly
#: peaked (:data:`SURE_MUSIC`). The less noisy side of a pair measured 0.069 and over on
#: speech, 0.040 at most on music whose chroma is under :data:`SURE_MUSIC`.
NOISE_THRESHOLD = 0.06
#: Frames (at most, evenly spread) that :func:`music_likeness` looks at.
DETECT_FRAMES = 1000


def _spread_power(signal: np.ndarray, sr: int, window: float, per_second: int):
    """``(n_fft, power)``: ``|STFT|^2`` of at most :data:`DETECT_FRAMES` frames spread evenly
    over the signal (Hann windows of about ``window`` seconds, a power of two, on a grid of
    ``per_second`` frames per second)."""
    from seqalign.audio.pitch import fft_length, power_blocks

    n_fft = fft_length(sr, window)
    hop = max(1, sr // per_second)
    n = 1 + len(signal) // hop
    frames = np.unique(np.linspace(0, n - 1, min(n, DETECT_FRAMES)).astype(np.int64))
    _, power = next(power_blocks(signal, n_fft, hop, frames))
    return n_fft, power


def music_likeness(signal: np.ndarray, sr: int) -> float:
    """Mean chroma peakiness of the sounding frames: 1/12 (flat) to 1 (one pitch class).

    The energies of the semitones of MIDI 21-108 (:func:`seqalign.audio.pitch.pitch_energy`'s
    filter bank on 186 ms frames, A440) of at most :data:`DETECT_FRAMES` frames spread over the
    signal, folded into 12 pitch classes; frames whose log-compressed energy is under a tenth of
    the 95th percentile are silence and skipped. 0.0 for silence.

    Examples
    --------
    >>> sr = 22050
    >>> t = np.arange(2 * sr) / sr
    >>> tone = np.sin(2 * np.pi * 440.0 * t)
    >>> music_likeness(tone, sr) > 0.8
    True
    >>> noise = np.random.default_rng(0).normal(size=2 * sr)
    >>> music_likeness(noise, sr) < 0.2
    True
    """
    from seqalign.audio.onsets import fold_chroma
    from seqalign.audio.pitch import MIDI_LOW, semitone_matrix

    n_fft, power = _spread_power(signal, sr, 0.186, 50)
    energy = semitone_matrix(sr, n_fft) @ power.T
    level = np.log1p(100.0 * energy / max(float(energy.max(initial=0.0)), 1e-30)).sum(axis=0)
    sounding = level > 0.1 * np.percentile(level, 95)
    if not sounding.any() or energy.max(initial=0.0) <= 0.0:
        return 0.0
    chroma = fold_chroma(energy[:, sounding], MIDI_LOW)
    return float((chroma.max(axis=0) / np.maximum(chroma.sum(axis=0), 1e-30)).mean())


def noisiness(signal: np.ndarray, sr: int) -> float:
    """Mean spectral flatness between 1 and 5 kHz of the loud frames: 0 (lines) to 1 (white).

    The flatness of a frame is the geometric mean of its power spectrum over the arithmetic
    mean, over the bins from 1 to 5 kHz (93 ms Hann frames, at most :data:`DETECT_FRAMES`,
    evenly spread); a frame is loud within 20 dB of the 95th percentile of the frames' power.
    Speech is full of noise there (fricatives, breath, consonant bursts: 0.07-0.15 on the
    rendered corpora), notes are harmonic lines (under 0.05 on every music pair whose chroma
    is not clearly peaked). 0.0 for silence.

    Examples
    --------
    >>> sr = 22050
    >>> t = np.arange(sr) / sr
    >>> tone = sum(np.sin(2 * np.pi * 220.0 * k * t) / k for k in range(1, 23))  # to 4.8 kHz
    >>> noisiness(tone, sr) < 0.01
    True
    >>> noisiness(np.random.default_rng(0).normal(size=sr), sr) > 0.4
    True
    """
    n_fft, power = _spread_power(signal, sr, 0.093, 100)
    freqs = np.arange(power.shape[1]) * sr / n_fft
    band = power[:, (freqs >= 1000.0) & (freqs <= min(5000.0, sr / 2))]
    total = power.sum(axis=1)
    if band.shape[1] == 0 or total.max(initial=0.0) <= 0.0:
        return 0.0
    level = 10.0 * np.log10(total + 1e-30)
    loud = band[level >= np.percentile(level, 95) - 20.0] + 1e-30
    flatness = np.exp(np.log(loud).mean(axis=1)) / loud.mean(axis=1)
    return float(flatness.mean())


def detect_preset(signals: list[tuple[np.ndarray, int]]) -> tuple[str, float]:
    """``("music", score)`` when the signals sound like music, else ``("speech", score)``;
    ``score`` is the smallest :func:`music_likeness`.

    Music: the smallest :func:`music_likeness` reaches :data:`SURE_MUSIC`, or it reaches
    :data:`MUSIC_THRESHOLD` and some signal's :func:`noisiness` is under
    :data:`NOISE_THRESHOLD`. A steady synthetic voice can put its energy in a few pitch
    classes too (0.32 and 0.36 on two speech pairs of the tempo corpus,
    ``benchmarks/corpus/build_tempo_corpus.py``), but its consonants are noise on both sides;
    bowed strings can be as noisy on one side only.

    Parameters
    ----------
    signals : list of (ndarray, int)
        Mono signals and their sample rates.
    """
    score = min(music_likeness(y, sr) for y, sr in signals)
    if score >= SURE_MUSIC:
        return "music", score
    if score < MUSIC_THRESHOLD:
        return "speech", score
    quiet = min(noisiness(y, sr) for y, sr in signals) < NOISE_THRESHOLD
    return ("music" if quiet else "speech"), score
