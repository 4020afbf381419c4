"""Tuned pitch features from the STFT, in numpy: semitone energies, chroma and chroma onsets.

A music synchronisation front end after Müller (2015, ch. 3) and Ewert, Müller & Grosche
(2009), without librosa (its constant-Q stack costs seconds to import) and in blocks of frames,
so that memory grows with the number of frames times 88 semitones, not times the FFT bins:

1. :func:`estimate_tuning`: the deviation of the recording's pitches from A440 equal
   temperament, in semitones (-0.5 to 0.5), as the circular mean of the deviations of the
   spectral peaks, weighted by their magnitude.
2. :func:`semitone_matrix`: each STFT bin shared between the two nearest semitones of the tuned
   scale (linearly in log frequency); :func:`pitch_energy` applies it to ``|STFT|^2`` block by
   block: the energy of MIDI pitches 21-108 (A0 to C8) per frame. :func:`level_gain` raises
   soft passages to the recording's loud level (as far as its noise allows), so that the
   log compressions below, relative to the loudest frame, do not squash them.
3. :func:`chroma_tuned`: the pitch energies folded into 12 pitch classes, log-compressed and
   scaled to unit Euclidean norm per frame (compare with the cosine).
4. :func:`dlnco_tuned`: decaying locally adaptive normalised chroma onsets from the same
   pitch energies (the steps of :mod:`seqalign.audio.onsets`, with peak picking).
   :func:`attack_events` marks where each semitone's energy comes within 12 dB of the level
   it reaches next (where a swelling note is heard), :func:`attack_onsets` turns them into
   onset chroma the same way.
5. :func:`chroma_dlnco`: chroma over both kinds of onsets, from one STFT: the
   ``chroma_dlnco`` feature set.
6. :func:`crp_from_energy`: chroma DCT-reduced log pitch (CRP, Müller & Ewert 2010), a chroma
   that drops the timbre (the smooth shape of the log pitch energies over the pitch axis);
   :func:`crp_dlnco`, CRP with both kinds of onsets, is the music preset's
   (:mod:`seqalign.audio.presets`).

Shapes follow librosa's ``(features, frames)``, as the other compute functions;
:func:`seqalign.audio.features.compute_features` transposes them. Frames are centred: frame
``k`` is centred on sample ``k * hop_length``.

References
----------
M. Müller, *Fundamentals of Music Processing*, Springer, 2015, sec. 3.1 (chroma, log
compression, tuning).
S. Ewert, M. Müller and P. Grosche, "High resolution audio synchronization using chroma onset
features", Proc. IEEE ICASSP, 2009.
M. Müller and S. Ewert, "Towards timbre-invariant audio features for harmony-based music",
IEEE Trans. Audio, Speech, and Language Processing 18(3), 2010.
"""

from __future__ import annotations

import numpy as np

from seqalign.audio import onsets

__all__ = [
    "FINE_DECAY_S",
    "MIDI_HIGH",
    "MIDI_LOW",
    "attack_events",
    "attack_onsets",
    "attack_weight",
    "chroma_dlnco",
    "chroma_from_energy",
    "chroma_tuned",
    "crp_dlnco",
    "crp_from_energy",
    "dct_matrix",
    "dlnco_from_energy",
    "dlnco_from_rises",
    "dlnco_tuned",
    "estimate_tuning",
    "fft_length",
    "level_gain",
    "onset_clarity",
    "onset_weight",
    "pick_peaks",
    "pitch_energy",
    "power_blocks",
    "semitone_matrix",
]

#: MIDI pitches of the semitone bands: A0 (27.5 Hz) to C8 (4186 Hz), the piano's range.
MIDI_LOW = 21
MIDI_HIGH = 108
#: Window length in seconds of the STFT (rounded to a power of two in samples: 2048 at
#: 22050 Hz). One STFT serves chroma and onsets; a 186 ms window for the chroma (finer
#: semitones in the bass) was no more accurate on the tuning half of the corpus, and slower.
WINDOW_S = 0.093
#: Log compression ``log(1 + ETA * chroma / max chroma)`` of the chroma (about 40 dB).
ETA = 100.0
#: Frames (at most) whose spectra the tuning estimate looks at.
TUNING_FRAMES = 500
#: Onset peaks: local maxima within +-PEAK_SECONDS, above PEAK_SHARE of the largest onset.
PEAK_SECONDS = 0.05
PEAK_SHARE = 0.05
#: Weight of the onset rows against the unit-norm chroma rows in :func:`chroma_dlnco` and
#: :func:`crp_dlnco`, for a recording whose onsets are clear (:func:`onset_weight`).
ONSET_WEIGHT = 1.5
#: :func:`onset_clarity`: the share of the frames taken as the strongest.
CLARITY_SHARE = 0.05
#: :func:`onset_weight` rises from 0 at this :func:`onset_clarity` to :data:`ONSET_WEIGHT` at
#: CLARITY_HIGH. On the timbre corpus (``benchmarks/corpus/build_timbre_corpus.py``, both
#: soundfonts), choirs measured 0.11-0.14, string ensembles 0.16, bowed strings 0.11-0.17
#: (FluidR3) and 0.23-0.41 (TimGM6mb), organs 0.13-0.31, brass and woodwinds 0.17-0.37,
#: pianos, harpsichords and plucked strings 0.42-0.73; FluidR3's choir, at 0.11, puts no more
#: of its onset curve near the notes than chance (11 % of it within 50 ms of a note, on 8 % of
#: the frames).
CLARITY_LOW = 0.12
CLARITY_HIGH = 0.30
#: :func:`attack_events`: a semitone's attack is where its level comes within ATTACK_DROP_DB
#: of the largest level of the next ATTACK_AHEAD_S seconds, having risen from the lowest of
#: the last ATTACK_BACK_S seconds. 12 dB is the "heard" point of a note in the alignment
#: corpus (``benchmarks/corpus``); on the timbre corpus 9 and 15 dB were worse (85.7 % and
#: 83.5 % within 50 ms, against 86.2 %), and so was looking 0.2 s ahead (84.9 %).
ATTACK_DROP_DB = 12.0
ATTACK_AHEAD_S = 0.3
ATTACK_BACK_S = 0.3
#: Decay in seconds of the attack onsets (:func:`attack_onsets`): shorter than the DLNCO's
#: 0.2 s, as their times are the sharper.
ATTACK_DECAY_S = 0.1
#: Decay in seconds of both kinds of onsets (the attack onsets and the DLNCO) in the features
#: of the fine pass of a coarse-to-fine alignment (``fine=True``: ``crp_dlnco_fine``,
#: ``chroma_dlnco_fine``, which ``--refine`` reads). The coarse DTW needs the long decays
#: (:data:`ATTACK_DECAY_S`, :data:`seqalign.audio.onsets.DECAY_SECONDS`) to find the path; in
#: a band of a few frames around it, shorter ones mark where each onset falls. With the music
#: preset, fine decays of 0.07 s took the share within 50 ms from 96.4 to 97.6 % on the tuning
#: half of the alignment corpus, and from 90.5 / 89.5 / 91.9 % to 91.6 / 91.9 / 93.5 % on the
#: three timbre corpora (``benchmarks/corpus/build_timbre_corpus.py``, plain, ``--second``,
#: ``--third``); 0.05 s for the attacks and 0.07 s for the DLNCO scored 97.6 / 91.0 / 91.9 /
#: 93.0 %, 0.05 s for both 97.3 / 90.5 / 91.7 %, and coarse decays other than 0.1 and 0.2 s
#: (0.07 / 0.14, 0.15 / 0.3) were worse on the tuning half.
FINE_DECAY_S = 0.07
#: Weight of the attack onsets, added to the clarity-weighted DLNCO in :func:`chroma_dlnco`
#: and :func:`crp_dlnco` for every recording (struck or sung: :func:`attack_onsets`). Before
#: :func:`level_gain`, 0.75 (tuning half 92.6 % within 50 ms, against 92.2 % at 1); with it,
#: 0.75 and 1 tie on the tuning half (92.9 %, MAE 22.9 and 22.6 ms) and 1 leads on the
#: timbre corpus (88.5 % against 87.6 %; 0.5: 86.2 %).
ATTACK_WEIGHT = 1.0
#: :func:`attack_weight`: the attack onsets of a recording whose DLNCO is left out (unclear
#: rises, :func:`onset_weight`) weigh this much more.
ATTACK_BOOST = 0.5
#: Semitone bands per block of :func:`attack_events` (memory: a few blocks of frames).
ATTACK_BLOCK = 8
#: CRP: the lowest DCT coefficients (of 88 pitches) set to zero, and the log compression
#: ``log(1 + CRP_ETA * E / max E)``. Müller & Ewert drop 55 of 120 pitches' coefficients
#: (periods over the pitch axis longer than about 4.4 semitones): 40 of 88 is the same cut.
#: On the tuning half of the corpus (with the music preset's refinement), cuts of 20, 30 and
#: 40 gave 89.0, 89.0 and 89.3 % within 50 ms at CRP_ETA 10,000, and 88.7 % at 1,000 (30).
CRP_CUT = 40
CRP_ETA = 10_000.0
#: Frames per block of :func:`crp_from_energy` (memory: a few blocks of 88 pitches).
CRP_BLOCK = 8192
#: :func:`level_gain`: the level reference of a frame is the loudest semitone energy within
#: +-LEVEL_WINDOW_S seconds (in dB, averaged over +-LEVEL_WINDOW_S again so that it moves
#: smoothly), at least LEVEL_FLOOR_DB under the recording's loudest; frames are raised by
#: the difference to the loudest, at most LEVEL_LIFT_DB. On the timbre corpus windows of
#: 1.5 and 5 s scored 87.7 and 87.3 % within 50 ms, against 87.6 % for 3 s.
LEVEL_WINDOW_S = 3.0
LEVEL_FLOOR_DB = 50.0
LEVEL_LIFT_DB = 40.0
#: :func:`level_gain` raises a recording by at most its room over the noise: the loudest
#: level minus the noise level minus LEVEL_NOISE_DB, the range of the log compressions
#: (``10 log10(GAMMA)``), so that the noise stays under their floor. The noise of a band is
#: the NOISE_PERCENTILE-th percentile of its energy over time (the times no note sounds in
#: it), the noise level the NOISE_BANDS-th percentile of those over the bands. Margins of
#: 40, 45 and 50 dB gave 92.9, 92.5 and 92.1 % within 50 ms on the tuning half of the
#: alignment corpus (93.2 % without the cap), 87.6, 87.7 and 87.5 % on the timbre corpus,
#: and 79.3, 80.9 and 80.2 % on it with a soft opening over pink noise (``--quiet-db 30
#: --noise-db 60 --noise-color pink``); 30 dB let the noise in there (errors of 2.4 s).
LEVEL_NOISE_DB = 40.0
NOISE_PERCENTILE = 10.0
NOISE_BANDS = 90.0
#: Frames (at most, evenly spread) that the noise estimate looks at.
NOISE_FRAMES = 20_000


def fft_length(sr: float, seconds: float) -> int:
    """The FFT size for a window of about ``seconds`` at ``sr`` Hz: the nearest power of two
    in samples, at least 64.

    Examples
    --------
    >>> fft_length(22050, 0.093), fft_length(22050, 0.025), fft_length(100, 0.01)
    (2048, 512, 64)
    """
    return int(2 ** round(np.log2(max(seconds * sr, 64.0))))


def power_blocks(y: np.ndarray, n_fft: int, hop_length: int, frames: np.ndarray | None = None,
                 n_bins: int | None = None):  # fmt: skip
    """Yield ``(start, power)``: ``|STFT|^2`` of blocks of centred, Hann-windowed frames,
    ``power`` of shape ``(block, 1 + n_fft // 2)`` (or its first ``n_bins`` bins); with
    ``frames``, only those frames (in one block). Zero padding at both ends, as librosa's
    ``stft(center=True, pad_mode="constant")``."""
    # padded in the signal's own type (float32 audio stays float32: half the memory of a
    # float64 copy); each block is multiplied by the float64 window, so numpy's (faster)
    # float64 FFT runs on the same values
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.floating):
        y = y.astype(np.float64)
    y = np.pad(y, n_fft // 2)
    if len(y) < n_fft:
        y = np.pad(y, (0, n_fft - len(y)))
    n_frames = 1 + (len(y) - n_fft) // hop_length
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    view = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop_length][:n_frames]
    if frames is not None:
        spectrum = np.fft.rfft(view[frames] * window, axis=1)[:, :n_bins]
        yield 0, spectrum.real**2 + spectrum.imag**2
        return
    block = 512
    for start in range(0, n_frames, block):
        spectrum = np.fft.rfft(view[start : start + block] * window, axis=1)[:, :n_bins]
        yield start, spectrum.real**2 + spectrum.imag**2


def _n_frames(n_samples: int, hop_length: int) -> int:
    return 1 + n_samples // hop_length


def estimate_tuning(y: np.ndarray, sr: int, hop_length: int = 512) -> float:
    """Deviation of the signal's pitches from A440 equal temperament, in semitones.

    The circular mean (period one semitone) of ``p(f) = 12 log2(f / 440)`` over the local
    maxima of the magnitude spectra between 80 Hz and 2 kHz, weighted by their magnitude, with
    each peak's frequency refined by parabolic interpolation of the log magnitude. At most
    :data:`TUNING_FRAMES` frames, evenly spread, are looked at.

    Returns
    -------
    float
        In ``[-0.5, 0.5)``; 0.0 for silence. A recording tuned to A = 446 Hz gives about 0.23.

    Examples
    --------
    >>> sr = 22050
    >>> t = np.arange(2 * sr) / sr
    >>> y = np.sin(2 * np.pi * 446.0 * t) + np.sin(2 * np.pi * 446.0 * 1.5 * t)
    >>> round(estimate_tuning(y, sr), 2)
    0.24
    """
    n_fft = fft_length(sr, 2 * WINDOW_S)
    n = _n_frames(len(y), hop_length)
    frames = np.unique(np.linspace(0, n - 1, min(n, TUNING_FRAMES)).astype(np.int64))
    _, power = next(power_blocks(y, n_fft, hop_length, frames))
    magnitude = np.sqrt(power)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    lo, hi = np.searchsorted(freqs, 80.0), min(np.searchsorted(freqs, 2000.0), len(freqs) - 1)
    mid = magnitude[:, lo:hi]
    left, right = magnitude[:, lo - 1 : hi - 1], magnitude[:, lo + 1 : hi + 1]
    floor = 1e-3 * magnitude.max(initial=0.0)
    peaks = (mid > left) & (mid >= right) & (mid > floor)
    if not peaks.any():
        return 0.0
    rows, cols = np.nonzero(peaks)
    la, lb, lc = (np.log(np.maximum(m[rows, cols], 1e-30)) for m in (left, mid, right))
    denominator = la - 2 * lb + lc
    shift = np.where(denominator < 0, 0.5 * (la - lc) / np.where(denominator < 0, denominator,
                                                                  -1.0), 0.0)  # fmt: skip
    freq = (lo + cols + np.clip(shift, -0.5, 0.5)) * sr / n_fft
    deviation = 12.0 * np.log2(freq / 440.0)
    angle = 2.0 * np.pi * deviation
    weights = mid[rows, cols]
    mean = np.arctan2((weights * np.sin(angle)).sum(), (weights * np.cos(angle)).sum())
    tuning = float(mean / (2.0 * np.pi))
    return tuning - 1.0 if tuning >= 0.5 else tuning


def semitone_matrix(sr: int, n_fft: int, tuning: float = 0.0) -> np.ndarray:
    """Weights of the STFT bins in the semitone bands of MIDI pitches 21-108.

    A bin of frequency ``f`` sits at the tuned pitch ``p = 69 + 12 log2(f / 440) - tuning``;
    it gives weight ``1 - (p - floor(p))`` to semitone ``floor(p)`` and the rest to the next
    one (bins outside the range: none).

    Returns
    -------
    ndarray, shape (88, 1 + n_fft // 2)
        Row ``k`` is MIDI pitch ``21 + k``; every bin's weights sum to at most 1.
    """
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    pitch = np.full(freqs.shape, -np.inf)
    pitch[1:] = 69.0 + 12.0 * np.log2(freqs[1:] / 440.0) - tuning
    weights = np.zeros((MIDI_HIGH - MIDI_LOW + 1, freqs.size))
    below = np.floor(pitch[1:]).astype(np.int64)
    frac = pitch[1:] - below
    bins = np.arange(1, freqs.size)
    for band, weight in ((below, 1.0 - frac), (below + 1, frac)):
        inside = (band >= MIDI_LOW) & (band <= MIDI_HIGH)
        weights[band[inside] - MIDI_LOW, bins[inside]] = weight[inside]
    return weights


def pitch_energy(y: np.ndarray, sr: int, hop_length: int, n_fft: int, tuning: float = 0.0):
    """Energy of MIDI pitches 21-108 per frame: :func:`semitone_matrix` times ``|STFT|^2``.

    Returns
    -------
    ndarray, shape (88, 1 + len(y) // hop_length)
    """
    # The matrix has at most two weights per bin, in runs of bins per semitone: sum the runs
    # (np.add.reduceat) instead of multiplying by the mostly-zero matrix.
    matrix = semitone_matrix(sr, n_fft, tuning)
    runs = []
    lowest = np.argmax(matrix > 0, axis=0)  # each bin's lower semitone (its first weight)
    for offset in (0, 1):  # the lower, then the upper semitone of each bin
        band = lowest + offset
        cols = np.flatnonzero(matrix.any(axis=0) & (band < matrix.shape[0]))
        band = band[cols]
        weight = matrix[band, cols]
        starts = np.flatnonzero(np.diff(band, prepend=-1))
        runs.append((cols, weight, starts, band[starts]))
    out = np.zeros((matrix.shape[0], _n_frames(len(y), hop_length)))
    top = max(int(cols.max()) for cols, _, _, _ in runs) + 1
    for start, power in power_blocks(y, n_fft, hop_length, n_bins=top):
        block = np.zeros((power.shape[0], matrix.shape[0]))
        for cols, weight, starts, bands in runs:
            block[:, bands] += np.add.reduceat(power[:, cols] * weight, starts, axis=1)
        out[:, start : start + power.shape[0]] = block.T
    return out


def chroma_from_energy(energy: np.ndarray) -> np.ndarray:
    """Fold semitone energies (MIDI 21-108) into 12 pitch classes, log-compress them
    (``log(1 + ETA * C / max C)``) and scale each frame to unit Euclidean norm (silent frames
    stay zero)."""
    chroma = onsets.fold_chroma(energy, MIDI_LOW)
    peak = float(chroma.max(initial=0.0))
    if peak > 0.0:
        chroma = np.log1p(chroma * (ETA / peak))
    return onsets.l2_frames(chroma)


def _forward_extreme(values: np.ndarray, width: int, ufunc) -> np.ndarray:
    """``out[:, i] = ufunc.reduce(values[:, i : i + width], axis=1)`` (the window clipped at
    the end) for ``np.maximum`` or ``np.minimum``, by doubling spans: ``O(n log width)``."""
    out = values.copy()
    span = 1
    while 2 * span <= width:
        ufunc(out[:, :-span], out[:, span:], out=out[:, :-span])
        span *= 2
    rest = width - span  # two windows of ``span`` that overlap by ``span - rest`` cover it
    if 0 < rest < out.shape[1]:
        ufunc(out[:, :-rest], out[:, rest:], out=out[:, :-rest])
    return out


def attack_events(energy: np.ndarray, rate: float, drop_db: float | None = None,
                  ahead: float | None = None, back: float | None = None) -> np.ndarray:  # fmt: skip
    """Where each semitone's note is heard: the frame its level comes within ``drop_db`` of the
    level it reaches next, weighted by how far it rose.

    With the log level ``L[p, n] = log(1 + GAMMA E[p, n] / max E)`` (as
    :func:`seqalign.audio.onsets.log_onsets`, ``L[p, -1] = 0``), the level ahead
    ``U[p, n] = max L[p, n .. n + A]`` and the level behind ``F[p, n] = min L[p, n - B ..
    n - 1]`` (A, B: ``ahead`` and ``back`` seconds in frames, at least 1), frame ``n`` is an
    attack of pitch ``p`` when ``L[p, n - 1] < U[p, n] - d <= L[p, n]`` (``d``: ``drop_db`` in
    natural-log units of energy); its value is ``U[p, n] - F[p, n]``, zero elsewhere.

    The rise of the log level (:func:`seqalign.audio.onsets.log_onsets`) marks a struck note
    in the frame it starts, but spreads a swelling one (a choir, bowed strings) over its whole
    attack and finds as many rises in its vibrato. A note is heard when it comes within about
    12 dB of its full level, whatever its attack: this finds that frame, and finds nothing in
    a held note whose level wavers by less than ``drop_db``. It misses a note repeated with
    less than ``drop_db`` of decay in between, which the rises find: :func:`chroma_dlnco` and
    :func:`crp_dlnco` use both.

    Parameters
    ----------
    energy : ndarray, shape (n_pitches, n_frames)
        Non-negative energies (:func:`pitch_energy`).
    rate : float
        Frames per second.
    drop_db, ahead, back : float, optional
        Default :data:`ATTACK_DROP_DB`, :data:`ATTACK_AHEAD_S`, :data:`ATTACK_BACK_S`.

    Returns
    -------
    ndarray, shape (n_pitches, n_frames)
        Non-negative; all zero for silence.

    Examples
    --------
    >>> energy = np.full((1, 40), 1e-6)
    >>> energy[0, 10:] = np.minimum(np.arange(30) / 10, 1.0) ** 2  # a 0.2 s swell at 50 Hz
    >>> np.flatnonzero(attack_events(energy, 50.0))  # amplitude 1/4 (-12 dB): frame 13
    array([13])
    """
    drop_db = ATTACK_DROP_DB if drop_db is None else drop_db
    n_ahead = max(1, round((ATTACK_AHEAD_S if ahead is None else ahead) * rate))
    n_back = max(1, round((ATTACK_BACK_S if back is None else back) * rate))
    drop = drop_db * np.log(10.0) / 10.0
    out = np.zeros(energy.shape)
    peak = float(energy.max(initial=0.0))
    if peak <= 0.0:  # silence, or no frames
        return out
    for start in range(0, energy.shape[0], ATTACK_BLOCK):
        level = np.log1p(energy[start : start + ATTACK_BLOCK] * (onsets.GAMMA / peak))
        before = np.zeros(level.shape)
        before[:, 1:] = level[:, :-1]
        top = _forward_extreme(level, n_ahead + 1, np.maximum)
        floor = _forward_extreme(before[:, ::-1], n_back, np.minimum)[:, ::-1]
        heard = (level >= top - drop) & (before < top - drop)
        out[start : start + ATTACK_BLOCK][heard] = (top - floor)[heard]
    return out


def attack_onsets(energy: np.ndarray, rate: float, decay: float | None = None) -> np.ndarray:
    """Onset chroma of :func:`attack_events`: folded into pitch classes, locally normalised over
    +-0.75 s and decayed over ``decay`` seconds (default :data:`ATTACK_DECAY_S`; the steps of
    :func:`seqalign.audio.onsets.dlnco`).

    Returns
    -------
    ndarray, shape (12, n_frames)
    """
    decay = ATTACK_DECAY_S if decay is None else decay
    chroma = onsets.fold_chroma(attack_events(energy, rate), MIDI_LOW)
    normalized = onsets.local_normalize(chroma, round(onsets.NORM_SECONDS * rate))
    return onsets.decay(normalized, max(1, round(decay * rate)))


def dlnco_from_energy(energy: np.ndarray, rate: float) -> np.ndarray:
    """DLNCO of semitone energies at ``rate`` frames per second: the rectified rise of the
    log energy per semitone (:func:`seqalign.audio.onsets.log_onsets`), its peaks
    (:func:`pick_peaks`), folded into pitch classes, locally normalised over +-0.75 s and decayed
    over 0.2 s (the steps of :func:`seqalign.audio.onsets.dlnco`)."""
    return dlnco_from_rises(onsets.log_onsets(energy), rate)


def dlnco_from_rises(rises: np.ndarray, rate: float, decay: float | None = None) -> np.ndarray:
    """:func:`dlnco_from_energy` from the rises (:func:`seqalign.audio.onsets.log_onsets`),
    decayed over ``decay`` seconds (default :data:`seqalign.audio.onsets.DECAY_SECONDS`); the
    rises are let go once their peaks are picked (freed there when the caller holds no other
    reference, as :func:`dlnco_from_energy`: long recordings)."""
    decay = onsets.DECAY_SECONDS if decay is None else decay
    peaks = pick_peaks(rises, max(1, round(PEAK_SECONDS * rate)))
    del rises
    chroma = onsets.fold_chroma(peaks, MIDI_LOW)
    normalized = onsets.local_normalize(chroma, round(onsets.NORM_SECONDS * rate))
    return onsets.decay(normalized, max(1, round(decay * rate)))


def _centred_mean(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean of ``values[i - radius .. i + radius]``, the ends repeated beyond the edges."""
    padded = np.concatenate([[0.0], np.pad(values, radius, mode="edge")])
    sums = np.cumsum(padded)
    return (sums[2 * radius + 1 :] - sums[: -2 * radius - 1]) / (2 * radius + 1)


def level_gain(
    energy: np.ndarray,
    rate: float,
    window: float | None = None,
    floor_db: float | None = None,
    lift_db: float | None = None,
) -> np.ndarray:
    """Gain per frame that brings a soft passage up to the recording's loudest level.

    With the frame level ``f[n] = 10 log10 max_p E[p, n]`` (dB, at least ``floor_db`` under
    its largest value ``top``), the reference ``R`` is the largest ``f`` within ``+-window``
    seconds, averaged over ``+-window`` seconds; the gain is ``10 ** (min(top - R, lift) /
    10)`` (power, 1 where the music is at its loudest), where ``lift`` is the smaller of
    ``lift_db`` and the recording's room over its noise (``top`` minus the noise level minus
    :data:`LEVEL_NOISE_DB`; the noise level: :data:`NOISE_PERCENTILE`, :data:`NOISE_BANDS`,
    from at most :data:`NOISE_FRAMES` frames), not below 0.

    The pitch features compress each semitone's energy against the recording's loudest
    (``log(1 + eta E / max E)``: :func:`crp_from_energy`, :func:`attack_events`,
    :func:`seqalign.audio.onsets.log_onsets`), which squashes a pianissimo passage 30 dB
    under the fortissimo into the compression's floor. The largest level of the surrounding
    seconds follows the dynamics of the music, not the decay of its notes or its short rests,
    so a piano note still decays and a rest stays quiet; the average makes it move smoothly,
    so that its changes do not read as onsets. Raising the noise into the compression's range
    would make onsets of its own: the room over the noise caps the gain.

    On the timbre corpus with its first 40 % played 30 dB softer (``benchmarks/timbre_lag.py
    --quiet-db 30``), the share of the soft part's onsets aligned within 50 ms went from
    54.8 % to 85.6 % (over pink noise 60 dB under the peak: 53.5 % to 71.5 %); on the corpus
    as built, from 86.2 % to 87.6 %; on the tuning half of the alignment corpus, music, from
    92.6 % to 92.9 %.

    Parameters
    ----------
    energy : ndarray, shape (n_pitches, n_frames)
        Non-negative semitone energies (:func:`pitch_energy`).
    rate : float
        Frames per second.
    window, floor_db, lift_db : float, optional
        Default :data:`LEVEL_WINDOW_S`, :data:`LEVEL_FLOOR_DB`, :data:`LEVEL_LIFT_DB`.

    Returns
    -------
    ndarray, shape (n_frames,)
        At least 1; all ones for silence.

    Examples
    --------
    >>> energy = np.zeros((12, 2000))  # one band sounds, the others are silent (no noise)
    >>> energy[0] = 1.0
    >>> energy[0, :1000] = 1e-3  # 30 dB softer for 10 s, at 100 frames per second
    >>> gain = level_gain(energy, 100.0)
    >>> round(float(10 * np.log10(gain[0])), 1), float(gain[-1])
    (30.0, 1.0)
    """
    window = LEVEL_WINDOW_S if window is None else window
    floor_db = LEVEL_FLOOR_DB if floor_db is None else floor_db
    lift_db = LEVEL_LIFT_DB if lift_db is None else lift_db
    n_frames = energy.shape[1]
    gain = np.ones(n_frames)
    loudest = energy.max(axis=0, initial=0.0)
    top = float(loudest.max(initial=0.0))
    if top <= 0.0:
        return gain
    level = 10.0 * np.log10(np.maximum(loudest, top * 10 ** (-floor_db / 10)))
    step = max(1, -(-n_frames // NOISE_FRAMES))
    noise = np.percentile(np.percentile(energy[:, ::step], NOISE_PERCENTILE, axis=1), NOISE_BANDS)
    room = 10.0 * np.log10(top / max(noise, top * 1e-30)) - LEVEL_NOISE_DB
    lift_db = float(np.clip(room, 0.0, lift_db))
    radius = max(1, round(window * rate))
    padded = np.pad(level, radius, mode="edge")[None, :]
    reference = _forward_extreme(padded, 2 * radius + 1, np.maximum)[0, :n_frames]
    reference = _centred_mean(reference, radius)
    lift = np.clip(10.0 * np.log10(top) - reference, 0.0, lift_db)
    return 10 ** (lift / 10)


def _energy(y: np.ndarray, sr: int, hop_length: int, tuning: float | None) -> np.ndarray:
    """Tuned semitone energies, soft passages raised (:func:`level_gain`)."""
    if tuning is None:
        tuning = estimate_tuning(y, sr, hop_length)
    energy = pitch_energy(y, sr, hop_length, fft_length(sr, WINDOW_S), tuning)
    energy *= level_gain(energy, sr / hop_length)[None, :]
    return energy


def chroma_tuned(y: np.ndarray, sr: int, hop_length: int, tuning: float | None = None):
    """Log-compressed chroma of the tuned pitch energies, unit Euclidean norm per frame.

    :func:`chroma_from_energy` of :func:`pitch_energy` (window :data:`WINDOW_S`); ``tuning``
    None: :func:`estimate_tuning`.

    Returns
    -------
    ndarray, shape (12, n_frames)
        Row 0 is C.

    Examples
    --------
    >>> sr = 22050
    >>> tone = np.sin(2 * np.pi * 440.0 * np.arange(sr) / sr)
    >>> int(chroma_tuned(tone, sr, 441).mean(axis=1).argmax())  # pitch class A
    9
    """
    return chroma_from_energy(_energy(y, sr, hop_length, tuning))


def dlnco_tuned(y: np.ndarray, sr: int, hop_length: int, tuning: float | None = None):
    """DLNCO features (Ewert et al. 2009) from the tuned STFT pitch energies
    (:func:`dlnco_from_energy`), instead of :mod:`seqalign.audio.onsets`' constant-Q ones.

    Returns
    -------
    ndarray, shape (12, n_frames)
    """
    return dlnco_from_energy(_energy(y, sr, hop_length, tuning), sr / hop_length)


def pick_peaks(onset: np.ndarray, radius: int, share: float | None = None) -> np.ndarray:
    """Keep each band's local maxima in time: ``O[p, n]`` where it is the largest within
    ``radius`` frames of ``n`` in band ``p`` and above ``share`` of the largest value of the
    recording; zero elsewhere (Ewert et al. pick the peaks of their onset curves too). Without
    it, the small rises of a held tone add up, after the local normalisation, to an onset
    signal as strong as the notes'.

    Parameters
    ----------
    onset : ndarray, shape (n_pitches, n_frames)
        Non-negative onset strengths.
    radius : int
        Half-width in frames (>= 1).
    share : float, optional
        Default :data:`PEAK_SHARE`.

    Returns
    -------
    ndarray, shape (n_pitches, n_frames)
    """
    share = PEAK_SHARE if share is None else share
    local = onset.copy()  # the largest within +-radius (onsets are >= 0: zeros outside)
    for shift in range(1, min(radius, onset.shape[1] - 1) + 1):
        np.maximum(local[:, shift:], onset[:, :-shift], out=local[:, shift:])
        np.maximum(local[:, :-shift], onset[:, shift:], out=local[:, :-shift])
    keep = onset >= local
    del local
    keep &= onset > share * onset.max(initial=0.0)
    return np.where(keep, onset, 0.0)


def onset_clarity(rises: np.ndarray, share: float | None = None) -> float:
    """How clearly a recording's onsets stand out: the share of its onset strength (the
    rises :func:`seqalign.audio.onsets.log_onsets`, summed over the pitches of each frame) that
    lies in its strongest ``share`` of frames (at least one frame); 0.0 when nothing rises.

    Struck and plucked notes put their rise in a frame or two: a piano measures 0.5-0.7 at
    ``share`` 0.05. Sung and bowed notes swell, and their vibrato makes rises all along the
    note: FluidR3's choir measures 0.11, little more than the 0.05 of a flat curve, and its
    onset rows then mislead DTW more than they help (:func:`onset_weight`).

    Parameters
    ----------
    rises : ndarray, shape (n_pitches, n_frames)
    share : float, optional
        Default :data:`CLARITY_SHARE`.

    Returns
    -------
    float
        In ``[share, 1]`` (up to rounding) when anything rises.

    Examples
    --------
    >>> rises = np.zeros((2, 100))
    >>> rises[0, 10] = 1.0  # one sharp onset
    >>> onset_clarity(rises)
    1.0
    >>> onset_clarity(np.ones((2, 100)))  # rises everywhere
    0.05
    """
    share = CLARITY_SHARE if share is None else share
    strength = rises.sum(axis=0)
    total = float(strength.sum())
    if strength.size == 0 or total <= 0.0:
        return 0.0
    top = max(1, int(strength.size * share))
    return float(np.partition(strength, strength.size - top)[-top:].sum() / total)


def onset_weight(clarity: float) -> float:
    """Weight of a recording's onset rows in :func:`chroma_dlnco` and :func:`crp_dlnco`:
    ``ONSET_WEIGHT * clip((clarity - CLARITY_LOW) / (CLARITY_HIGH - CLARITY_LOW), 0, 1)``.

    A recording whose onsets are no clearer than its vibrato (:func:`onset_clarity` at or
    under :data:`CLARITY_LOW`) is aligned by its chroma alone. On the timbre corpus
    (``benchmarks/timbre_lag.py``, 144 pairs of different instruments), this weight took the
    share within 50 ms from 70.8 % (weight 1 for every recording) to 79.1 %, and the worst
    steady lag of a pairing of timbres from 0.42 s to 0.07 s.
    """
    ramp = (clarity - CLARITY_LOW) / (CLARITY_HIGH - CLARITY_LOW)
    return ONSET_WEIGHT * float(np.clip(ramp, 0.0, 1.0))


def attack_weight(clarity: float) -> float:
    """Weight of a recording's attack onsets (:func:`attack_onsets`) in :func:`chroma_dlnco`
    and :func:`crp_dlnco`: :data:`ATTACK_WEIGHT` plus :data:`ATTACK_BOOST` times the share of
    :data:`ONSET_WEIGHT` that :func:`onset_weight` leaves out, ``ATTACK_WEIGHT + ATTACK_BOOST
    * (1 - onset_weight(clarity) / ONSET_WEIGHT)``: 1.5 for a choir or bowed strings whose
    rises are no clearer than their vibrato, 1 for a piano.

    Where the DLNCO rows are dropped, the attack onsets are the recording's only onset cue,
    and they weigh more against its chroma. On the timbre corpus 90.2 % to 90.5 % within 50
    ms (its first 40 % 30 dB softer: 88.7 to 89.0 %; over pink noise 60 dB down: 84.0 to
    85.1 %); on the tuning half of the alignment corpus, music, 96.3 to 96.4 % (with the
    lead-ins of ``benchmarks/corpus/add_silence.py``: 95.6 to 95.7 %). A boost of 1
    gained as much on the timbre corpus and lost 0.2 points on the tuning half; 2, 1 point.

    Examples
    --------
    >>> attack_weight(0.05), attack_weight(0.6)
    (1.5, 1.0)
    """
    return ATTACK_WEIGHT + ATTACK_BOOST * (1.0 - onset_weight(clarity) / ONSET_WEIGHT)


def _with_onsets(chroma: np.ndarray, energy: np.ndarray, rate: float,
                 fine: bool = False) -> np.ndarray:  # fmt: skip
    """``chroma`` (rows 0-11) over the onset rows (12-23): the DLNCO of ``energy`` times
    :func:`onset_weight` of its :func:`onset_clarity`, from one pass of rises, plus
    :func:`attack_weight` times :func:`attack_onsets`; with ``fine``, both decay over
    :data:`FINE_DECAY_S`.

    On the timbre corpus (``benchmarks/timbre_lag.py``: 144 pairs of different instruments)
    the attack onsets took the share within 50 ms from 79.1 % to 86.2 % (pairs with FluidR3's
    choir: 57.5 to 67.2 %; every set of side A gained); on the tuning half of the alignment
    corpus, music, from 91.6 to 92.6 % (at weight 0.75, before :func:`level_gain`). Alone,
    without the DLNCO, they scored 83.6 % and 87.9 %: they miss repeated notes that do not
    decay by 12 dB in between (:func:`attack_events`).
    """
    decay = FINE_DECAY_S if fine else None
    rows = attack_onsets(energy, rate, decay)  # first: its 88-row events are freed
    rises = onsets.log_onsets(energy)  # before the rises (88 rows) are made
    clarity = onset_clarity(rises)
    rows *= attack_weight(clarity)
    rows += onset_weight(clarity) * dlnco_from_rises(rises, rate, decay)
    return np.vstack([chroma, rows])


def chroma_dlnco(y: np.ndarray, sr: int, hop_length: int, fine: bool = False) -> np.ndarray:
    """:func:`chroma_tuned` (rows 0-11) over onset rows (12-23): :func:`dlnco_tuned` times the
    recording's :func:`onset_weight`, plus :func:`attack_weight` times :func:`attack_onsets`,
    from one tuning estimate and one STFT. With the Euclidean metric the cost of two frames is
    ``sqrt(2 (1 - cos(chroma)) + |onsets_a - onsets_b|^2)``, Ewert et al.'s sum of a chroma
    and an onset cost under one square root. ``fine``: both kinds of onsets decay over
    :data:`FINE_DECAY_S` (the features of a refinement's fine pass).

    Returns
    -------
    ndarray, shape (24, n_frames)
    """
    energy = _energy(y, sr, hop_length, None)
    return _with_onsets(chroma_from_energy(energy), energy, sr / hop_length, fine)


def dct_matrix(size: int) -> np.ndarray:
    """The orthonormal DCT-II matrix: ``M[k, p] = s_k cos(pi (p + 1/2) k / size)`` with
    ``s_0 = sqrt(1 / size)`` and ``s_k = sqrt(2 / size)`` otherwise (``M @ M.T`` is the
    identity; scipy's ``dct(type=2, norm="ortho")``)."""
    k = np.arange(size)[:, None]
    p = np.arange(size)[None, :]
    matrix = np.sqrt(2.0 / size) * np.cos(np.pi * (p + 0.5) * k / size)
    matrix[0] /= np.sqrt(2.0)
    return matrix


def crp_from_energy(energy: np.ndarray, cut: int = CRP_CUT, eta: float = CRP_ETA) -> np.ndarray:
    """Chroma DCT-reduced log pitch (CRP) of semitone energies (Müller & Ewert 2010).

    The log pitch energies ``v = log(1 + eta E / max E)`` (per frame, over the 88 pitches)
    go through the orthonormal DCT-II (:func:`dct_matrix`); coefficients ``0 .. cut - 1``
    (the slow shape over the pitch axis: the timbre, the loudness) are set to zero; the
    inverse DCT, folded into 12 pitch classes, scaled to unit Euclidean norm per frame, is the
    CRP. Values may be negative; frames whose result is zero stay zero.

    Parameters
    ----------
    energy : ndarray, shape (88, n_frames)
        Semitone energies of MIDI 21-108 (:func:`pitch_energy`).
    cut, eta : int, float
        Default :data:`CRP_CUT`, :data:`CRP_ETA`.

    Returns
    -------
    ndarray, shape (12, n_frames)
        Row 0 is C.

    Examples
    --------
    >>> energy = np.zeros((88, 2))
    >>> energy[48, :] = 1.0  # A4 (MIDI 69)
    >>> int(np.argmax(crp_from_energy(energy)[:, 0]))
    9
    """
    peak = float(energy.max(initial=0.0))
    matrix = dct_matrix(energy.shape[0])
    kept = matrix[cut:]  # the coefficients kept: reduced = kept.T @ (kept @ logged)
    out = np.zeros((12, energy.shape[1]))
    if peak <= 0.0:
        return out
    for start in range(0, energy.shape[1], CRP_BLOCK):  # frame by frame: in blocks
        logged = np.log1p(energy[:, start : start + CRP_BLOCK] * (eta / peak))
        reduced = kept.T @ (kept @ logged)
        out[:, start : start + CRP_BLOCK] = onsets.fold_chroma(reduced, MIDI_LOW)
    return onsets.l2_frames(out)


def crp_dlnco(y: np.ndarray, sr: int, hop_length: int, fine: bool = False) -> np.ndarray:
    """:func:`crp_from_energy` (rows 0-11) over the onset rows of :func:`chroma_dlnco` (12-23:
    :func:`dlnco_from_energy` times the recording's :func:`onset_weight`, plus
    :func:`attack_weight` times :func:`attack_onsets`), from one tuning estimate and one STFT.
    ``fine``: both kinds of onsets decay over :data:`FINE_DECAY_S` (the features of a
    refinement's fine pass).

    Returns
    -------
    ndarray, shape (24, n_frames)
    """
    energy = _energy(y, sr, hop_length, None)
    return _with_onsets(crp_from_energy(energy), energy, sr / hop_length, fine)
