"""Read audio (anything soundfile reads) as a sequence of feature frames.

The signal is mixed to mono, resampled to ``options.sample_rate`` and turned into the feature set
``options.features`` by :func:`seqalign.features.compute_features`; the frame rate is
``sample_rate / hop_length``. soundfile and librosa are imported on first use.
"""

from __future__ import annotations

import importlib.util
from typing import BinaryIO

import numpy as np

from seqalign.errors import InputError
from seqalign.features import compute_features, feature_names, feature_rate
from seqalign.io.sequence import ReadOptions, Sequence, display_name

__all__ = ["read_audio", "read_signal"]


def _one_line(error: BaseException) -> str:
    text = getattr(error, "error_string", None) or str(error)
    return " ".join(text.split()) or type(error).__name__


def read_signal(file: str | BinaryIO, source: str) -> tuple[np.ndarray, int]:
    """Read audio samples, mixed to mono.

    Parameters
    ----------
    file : str or binary file
        Path, or an open binary stream.
    source : str
        The path as given, or ``"-"``, used in messages.

    Returns
    -------
    signal : ndarray, shape (n_samples,)
        float32 mono samples (the mean of the channels).
    sr : int
        The file's sample rate in Hz.
    """
    import soundfile

    name = display_name(source)
    try:
        samples, sr = soundfile.read(file, dtype="float32", always_2d=True)
    except (RuntimeError, TypeError, ValueError, OSError, EOFError) as error:
        # soundfile.LibsndfileError is a RuntimeError; a truncated header can raise the others.
        raise InputError(
            f"{name}: cannot read audio (corrupt or unsupported format: {_one_line(error)})"
        ) from error
    if samples.shape[0] == 0:
        raise InputError(f"{name}: the audio is empty (0 samples)")
    signal = samples[:, 0] if samples.shape[1] == 1 else samples.mean(axis=1)
    return np.ascontiguousarray(signal), int(sr)


def _resample(signal: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    if sr == target_sr:
        return signal
    if importlib.util.find_spec("soxr") is not None:  # librosa's default resampler, direct
        import soxr

        return np.ascontiguousarray(soxr.resample(signal, sr, target_sr, quality="HQ"))
    import librosa

    return librosa.resample(signal, orig_sr=sr, target_sr=target_sr, res_type="polyphase")


def read_audio(file: str | BinaryIO, source: str, options: ReadOptions) -> Sequence:
    """Read audio and compute its features.

    Parameters
    ----------
    file : str or binary file
        Path, or an open binary stream.
    source : str
        The path as given, or ``"-"``.
    options : ReadOptions
        ``features``, ``sample_rate`` and ``hop_length`` are used; ``rate`` is ignored (the
        frame rate is ``sample_rate / hop_length``).

    Returns
    -------
    Sequence
        ``kind="audio"``, ``data`` of shape ``(1 + n_samples // hop_length, n_features)`` where
        ``n_samples`` counts samples after resampling. Silence and audio shorter than one hop are
        returned as read; deciding whether they can be aligned is the caller's business.
    """
    signal, sr = read_signal(file, source)
    signal = _resample(signal, sr, int(options.sample_rate))
    try:
        data = compute_features(
            signal, int(options.sample_rate), options.features, int(options.hop_length)
        )
    except InputError as error:
        raise InputError(
            f"{display_name(source)}: {error.message}", argument=error.argument
        ) from error
    return Sequence(
        data=data,
        rate=feature_rate(options.sample_rate, options.hop_length),
        source=source,
        kind="audio",
        feature_names=feature_names(options.features),
    )
