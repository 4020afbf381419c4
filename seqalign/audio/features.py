"""Audio feature sets: a mono signal in, a time-first ``(n_frames, n_features)`` array out.

This is the one place where librosa's ``(features, frames)`` layout is transposed. librosa is
imported inside the functions, so importing this module (to read :data:`FEATURE_SETS`) is cheap.

Every feature set uses centred frames: frame ``k`` is centred on sample ``k * hop_length``, so
its time is ``k / feature_rate(sr, hop_length)`` seconds.

Examples
--------
>>> import numpy as np
>>> sr = 22050
>>> tone = np.sin(2 * np.pi * 440.0 * np.arange(sr) / sr)
>>> chroma = compute_features(tone, sr, "chroma", 512)
>>> chroma.shape
(44, 12)
>>> int(chroma.mean(axis=0).argmax())  # pitch class A
9
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from seqalign.errors import InputError

__all__ = [
    "FEATURE_SETS",
    "compute_features",
    "feature_memory",
    "feature_names",
    "feature_rate",
    "fine_features",
    "logmel_rise",
    "speech_window",
]

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
N_MFCC = 20
N_MELS = 64


@dataclass(frozen=True)
class _FeatureSet:
    description: str
    compute: Callable[[np.ndarray, int, int], np.ndarray]  # (signal, sr, hop) -> (dims, frames)
    names: tuple[str, ...]
    #: The feature set the fine pass of ``--refine`` reads (:func:`fine_features`).
    fine: str | None = None


_REGISTRY: dict[str, _FeatureSet] = {}

#: Feature set name -> one-line description (the valid values of ``--features``).
FEATURE_SETS: dict[str, str] = {}


def _feature_set(name: str, description: str, names: tuple[str, ...], fine: str | None = None):
    def register(compute: Callable[[np.ndarray, int, int], np.ndarray]):
        _REGISTRY[name] = _FeatureSet(description, compute, names, fine)
        FEATURE_SETS[name] = description
        return compute

    return register


def _n_fft(hop_length: int) -> int:
    return max(2048, 4 * hop_length)


@_feature_set(
    "chroma", "12 pitch-class energies from the STFT (librosa chroma_stft)", PITCH_CLASSES
)
def _chroma(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    import librosa

    return librosa.feature.chroma_stft(y=y, sr=sr, hop_length=hop_length, n_fft=_n_fft(hop_length))


@_feature_set(
    "chroma_cqt",
    "12 pitch-class energies from the constant-Q transform (librosa chroma_cqt)",
    PITCH_CLASSES,
)
def _chroma_cqt(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    import librosa

    return librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop_length)


@_feature_set(
    "dlnco",
    "12 decaying locally normalised chroma onsets (Ewert et al. 2009); use --metric euclidean",
    PITCH_CLASSES,
)
def _dlnco(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    from seqalign.audio.onsets import dlnco

    return dlnco(y, sr, hop_length)


@_feature_set(
    "chroma_onset",
    "chroma_cqt (unit norm per frame) + dlnco, 24 dims; use --metric euclidean",
    tuple(f"chroma_{c}" for c in PITCH_CLASSES) + tuple(f"onset_{c}" for c in PITCH_CLASSES),
)
def _chroma_onset(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    from seqalign.audio.onsets import chroma_onset

    return chroma_onset(y, sr, hop_length)


@_feature_set(
    "chroma_tuned",
    "12 log-compressed pitch-class energies of a tuned semitone filter bank (numpy STFT)",
    PITCH_CLASSES,
)
def _chroma_tuned(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    from seqalign.audio.pitch import chroma_tuned

    return chroma_tuned(y, sr, hop_length)


_CHROMA_ONSET_NAMES = tuple(f"chroma_{c}" for c in PITCH_CLASSES) + tuple(
    f"onset_{c}" for c in PITCH_CLASSES
)
_CRP_ONSET_NAMES = tuple(f"crp_{c}" for c in PITCH_CLASSES) + tuple(
    f"onset_{c}" for c in PITCH_CLASSES
)


def _onset_sets(kind: str, description: str, names: tuple[str, ...]) -> None:
    """Register the pitch onset set ``kind`` (the function of that name in
    :mod:`seqalign.audio.pitch`) and its fine version ``kind + "_fine"`` (both kinds of onsets
    decaying over :data:`seqalign.audio.pitch.FINE_DECAY_S`), which ``--refine`` reads."""
    for fine in (False, True):

        def compute(y: np.ndarray, sr: int, hop_length: int, fine: bool = fine) -> np.ndarray:
            from seqalign.audio import pitch

            return getattr(pitch, kind)(y, sr, hop_length, fine=fine)

        if fine:
            text = f"{kind} with onsets that decay sooner (0.07 s): what --refine reads for {kind}"
            _feature_set(f"{kind}_fine", text, names)(compute)
        else:
            _feature_set(kind, description, names, fine=f"{kind}_fine")(compute)


_onset_sets(
    "chroma_dlnco",
    "chroma_tuned + onsets (dlnco and attacks) of the tuned filter bank, 24 dims (numpy); use "
    "--metric euclidean",
    _CHROMA_ONSET_NAMES,
)
_onset_sets(
    "crp_dlnco",
    "CRP (timbre-invariant chroma) + onsets (dlnco and attacks) of the tuned filter bank, "
    "24 dims (numpy); use --metric euclidean",
    _CRP_ONSET_NAMES,
)


@_feature_set(
    "mfcc",
    f"{N_MFCC} mel-frequency cepstral coefficients (timbre; as librosa mfcc)",
    tuple(f"mfcc_{k}" for k in range(N_MFCC)),
)
def _mfcc(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    # numpy only, like log-mel; equal to librosa.feature.mfcc(n_mfcc=20) (tested): the
    # orthonormal DCT-II of the 128-band mel power in dB (ref 1, 80 dB floor)
    n_fft = _n_fft(hop_length)
    mel = _mel_filterbank(sr, n_fft, 128) @ _power_spectrogram(y, n_fft, hop_length)
    db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    db = np.maximum(db, db.max(initial=-np.inf) - 80.0)
    return _dct_matrix(N_MFCC, 128) @ db


def _dct_matrix(n_out: int, n_in: int) -> np.ndarray:
    """The first ``n_out`` rows of the orthonormal DCT-II of length ``n_in``."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    basis[0] /= np.sqrt(2.0)
    return basis


@_feature_set(
    "logmel",
    f"{N_MELS}-band log-power mel spectrogram in dB below the loudest bin",
    tuple(f"mel_{k}" for k in range(N_MELS)),
)
def _logmel(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    # numpy only: importing librosa's spectral stack (scipy.signal) costs seconds per run;
    # the numbers equal librosa.power_to_db(melspectrogram(...), ref=np.max) (tested)
    return _log_mel(y, sr, _n_fft(hop_length), hop_length)


def _log_mel(y: np.ndarray, sr: int, n_fft: int, hop_length: int) -> np.ndarray:
    """:data:`N_MELS` log-mel bands of ``n_fft``-sample windows, in dB below the loudest bin,
    floored 80 dB down (``logmel``'s definition; ``logmel_rise`` takes shorter windows)."""
    power = _power_spectrogram(y, n_fft, hop_length)
    mel = _mel_filterbank(sr, n_fft, N_MELS) @ power
    db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    db -= 10.0 * np.log10(max(float(mel.max(initial=0.0)), 1e-10))
    return np.maximum(db, db.max(initial=0.0) - 80.0)


#: ``logmel_rise``: the analysis window, about this many seconds (a power of two in samples:
#: 512 at 22050 Hz), as speech recognisers use (25 ms); the 93 ms of ``logmel`` smear a word's
#: onset over the frames before it.
SPEECH_WINDOW_S = 0.025
#: ``logmel_rise``: the rise of each band is measured over this many seconds (about one
#: window, so that the two frames compared barely overlap).
RISE_LAG_S = 0.02


def speech_window(sr: int) -> int:
    """The FFT size of ``logmel_rise``: :data:`SPEECH_WINDOW_S` seconds rounded to a power of
    two (at least 64 samples).

    Examples
    --------
    >>> speech_window(22050), speech_window(16000), speech_window(44100)
    (512, 512, 1024)
    """
    from seqalign.audio.pitch import fft_length

    return fft_length(sr, SPEECH_WINDOW_S)


def logmel_rise(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    """Log-mel bands of short windows and their rises: ``(2 * N_MELS, n_frames)``.

    The first :data:`N_MELS` rows are the log-mel spectrogram of ``logmel`` (dB below the
    loudest bin, floored 80 dB down) from :func:`speech_window` samples instead of ``max(2048,
    4 hop)``; the next :data:`N_MELS` are its half-wave rectified rise over ``lag =
    max(1, round(RISE_LAG_S * sr / hop_length))`` frames, ``max(0, L[k, t] - L[k, t - lag])``
    (0 for the first ``lag`` frames). Where one voice starts a word softly (a weak /ð/, /w/,
    /h/) or in the reverberation of the word before, the spectra of the two voices are far
    apart for a few frames while both rise: the rise marks the onset on both sides.

    Examples
    --------
    >>> sr = 22050
    >>> t = np.arange(sr) / sr
    >>> y = np.sin(2 * np.pi * 440.0 * t) * (t > 0.5)
    >>> feats = logmel_rise(y, sr, 220)
    >>> feats.shape
    (128, 101)
    >>> int(feats[64:].sum(axis=0).argmax()) in range(49, 53)  # the onset at 0.5 s
    True
    """
    db = _log_mel(y, sr, speech_window(sr), hop_length)
    lag = max(1, round(RISE_LAG_S * sr / hop_length))
    rise = np.zeros_like(db)
    rise[:, lag:] = np.maximum(db[:, lag:] - db[:, :-lag], 0.0)
    return np.vstack([db, rise])


@_feature_set(
    "logmel_rise",
    f"{N_MELS}-band log-mel from 25 ms windows + each band's rise over 20 ms (speech)",
    tuple(f"mel_{k}" for k in range(N_MELS)) + tuple(f"rise_{k}" for k in range(N_MELS)),
)
def _logmel_rise(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    return logmel_rise(y, sr, hop_length)


def _power_spectrogram(y: np.ndarray, n_fft: int, hop_length: int) -> np.ndarray:
    """``|STFT|^2`` with a periodic Hann window and centred, zero-padded frames, as librosa's
    ``stft(center=True, pad_mode="constant")``; shape ``(1 + n_fft // 2, 1 + len(y) // hop)``."""
    y = np.pad(np.asarray(y, dtype=np.float64), n_fft // 2)
    n_frames = 1 + (len(y) - n_fft) // hop_length
    if n_frames < 1:
        y = np.pad(y, (0, n_fft - len(y)))
        n_frames = 1
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop_length][:n_frames]
    power = np.empty((1 + n_fft // 2, n_frames))
    block = 1024  # frames per FFT call: bounds the temporary
    for start in range(0, n_frames, block):
        spectrum = np.fft.rfft(frames[start : start + block] * window, axis=1)
        power[:, start : start + block] = (spectrum.real**2 + spectrum.imag**2).T
    return power


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3.0)
    log_region = hz >= 1000.0
    mel[log_region] = 15.0 + np.log(hz[log_region] / 1000.0) / (np.log(6.4) / 27.0)
    return mel


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    hz = mel * (200.0 / 3.0)
    log_region = mel >= 15.0
    hz[log_region] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel[log_region] - 15.0))
    return hz


def _mel_filterbank(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Triangular, area-normalised ("slaney") mel filters from 0 Hz to ``sr / 2``, as
    ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)``.

    Shape ``(n_mels, 1 + n_fft // 2)``."""
    bins = np.fft.rfftfreq(n_fft, 1.0 / sr)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0],
                                   _hz_to_mel(np.array([sr / 2.0]))[0], n_mels + 2))  # fmt: skip
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def _check_name(name: str) -> _FeatureSet:
    feature_set = _REGISTRY.get(name)
    if feature_set is None:
        raise InputError(
            f"unknown feature set {name!r} (--features); valid: {', '.join(FEATURE_SETS)}",
            argument="features",
        )
    return feature_set


#: Feature sets computed from a constant-Q transform (librosa), the others from the STFT.
_CQT_SETS = frozenset({"chroma_cqt", "dlnco", "chroma_onset"})
#: Feature sets of the tuned semitone filter bank (:mod:`seqalign.audio.pitch`).
_PITCH_SETS = frozenset(
    name
    for base in ("chroma_tuned", "chroma_dlnco", "crp_dlnco")
    for name in (base, _REGISTRY[base].fine or base)
)
_CQT_BINS = 84  # 7 octaves of 12 semitones from C1, as librosa's chroma_cqt and our dlnco
_TOP_OCTAVE_HZ = 32.70 * 2**6  # lowest pitch of the top octave, where filters run at full rate


def feature_memory(n_samples: int, sr: int, name: str, hop_length: int) -> dict[str, float]:
    """Estimated peak bytes of :func:`compute_features` on ``n_samples`` samples at ``sr``, in
    three parts, so that a message can say which setting is at fault.

    Returns
    -------
    dict
        ``"signal"``: copies of the signal (grows with the sample rate and the duration);
        ``"transform"``: one FFT or filter and the filter banks (grows with the FFT size,
        ``max(2048, 4 * hop_length)`` for the STFT sets); ``"frames"``: the spectrogram (grows
        with the number of frames, ``1 + n_samples // hop_length``, times the bins). Estimates
        from the array shapes of each step, rounded up, not measurements.

    Examples
    --------
    >>> parts = feature_memory(22050 * 60, 22050, "logmel", 512)
    >>> round(sum(parts.values()) / 1e6)  # a minute at the defaults: about 100 MB
    98
    """
    n = float(max(int(n_samples), 1))
    frames = 1.0 + n // max(int(hop_length), 1)
    if name in _CQT_SETS:
        longest_filter = 2.0 ** math.ceil(math.log2(max(17.0 * sr / _TOP_OCTAVE_HZ, 2.0)))
        return {
            "signal": 8.0 * n * 6,  # float64 copies and the early-downsampled octaves
            "transform": 16.0 * 12 * longest_filter * 4,  # one octave's filters, in frequency
            "frames": 16.0 * _CQT_BINS * frames * 4,  # complex CQT, magnitudes, chroma
        }
    if name in _PITCH_SETS:  # FFTs of 186 ms at most (the tuning estimate's), 512 frames a block
        longest = 2.0 ** round(math.log2(max(0.186 * sr, 64.0)))
        return {
            "signal": 8.0 * (n + longest) * 3,
            "transform": 20.0 * min(512.0, frames) * longest + 16.0 * 88 * longest,
            "frames": 8.0 * 88 * frames * 3 + 8.0 * 24 * frames * 4,
        }
    n_fft = float(speech_window(sr) if name == "logmel_rise" else _n_fft(hop_length))
    n_bins = 1.0 + n_fft // 2
    block = min(1024.0, frames)
    bands = {"mfcc": 128, "logmel": N_MELS, "logmel_rise": 2 * N_MELS}.get(name, 12)
    spectra = 3 if name == "chroma" else 1  # librosa's chroma_stft keeps a complex STFT
    copies = 10 if name == "chroma" else 5  # temporaries while a filter bank is built
    return {
        "signal": 8.0 * (n + n_fft) * 2,
        "transform": 8.0 * block * (n_fft + 4 * n_bins) + 8.0 * (bands + 2) * n_bins * copies,
        "frames": 8.0 * n_bins * frames * spectra + 8.0 * bands * frames * 2,
    }


def feature_rate(sr: int | float, hop_length: int) -> float:
    """Frames per second of features computed at sample rate ``sr`` with hop ``hop_length``.

    Examples
    --------
    >>> feature_rate(22050, 512)
    43.06640625
    """
    return float(sr) / float(hop_length)


def fine_features(name: str) -> str:
    """The feature set that the fine pass of a coarse-to-fine alignment (``--refine``) reads
    for the feature set ``name``: the same, except the onset sets, whose fine versions decay
    sooner (``crp_dlnco`` -> ``crp_dlnco_fine``, :data:`seqalign.audio.pitch.FINE_DECAY_S`).

    Examples
    --------
    >>> fine_features("crp_dlnco"), fine_features("logmel")
    ('crp_dlnco_fine', 'logmel')
    """
    return _check_name(name).fine or name


def feature_names(name: str) -> tuple[str, ...]:
    """Names of the feature dimensions of the feature set ``name`` (e.g. pitch classes)."""
    return _check_name(name).names


def compute_features(signal: np.ndarray, sr: int, name: str, hop_length: int) -> np.ndarray:
    """Compute the feature set ``name`` of a mono signal.

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        Mono audio samples (float), at sample rate ``sr``.
    sr : int
        Sample rate of ``signal`` in Hz.
    name : str
        A key of :data:`FEATURE_SETS`.
    hop_length : int
        Samples between successive frames; the frame rate is ``sr / hop_length``.

    Returns
    -------
    ndarray, shape (n_frames, n_features)
        float64, C-contiguous, time-first; ``n_frames = 1 + n_samples // hop_length``.

    Raises
    ------
    InputError
        Unknown ``name`` (argument ``"features"``), a signal that is not 1-D, or parameters
        librosa rejects (e.g. a CQT hop that is not a multiple of 64).
    """
    feature_set = _check_name(name)
    y = np.asarray(signal)
    if y.ndim != 1:
        raise InputError(
            f"compute_features needs a mono 1-D signal, got shape {y.shape}", argument="signal"
        )
    if not np.issubdtype(y.dtype, np.floating):
        y = y.astype(np.float64)
    import warnings

    with warnings.catch_warnings():
        # Short or silent signals are legitimate input; librosa's advice about them is noise here.
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large", category=UserWarning)
        warnings.filterwarnings("ignore", message="Trying to estimate tuning", category=UserWarning)
        try:
            values = feature_set.compute(y, int(sr), int(hop_length))
        except Exception as error:
            if type(error).__name__ != "ParameterError":  # librosa's, without importing it
                raise
            reason = " ".join(str(error).split())
            raise InputError(
                f"cannot compute --features {name} at --sample-rate {sr} with --hop-length "
                f"{hop_length}: {reason}",
                argument="features",
            ) from error
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64).T)
