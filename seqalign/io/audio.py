"""Read audio (anything soundfile reads) as a sequence of feature frames.

The signal is mixed to mono, resampled to ``options.sample_rate`` and turned into the feature set
``options.features`` by :func:`seqalign.audio.features.compute_features`; the frame rate is
``sample_rate / hop_length``. soundfile and librosa are imported on first use.
"""

from __future__ import annotations

import importlib.util
import math
from typing import BinaryIO

import numpy as np

from seqalign.audio.features import compute_features, feature_names, feature_rate
from seqalign.audio.tempo import sounding_span
from seqalign.errors import InputError, MemoryBudgetError
from seqalign.io.sequence import ReadOptions, Sequence, display_name

__all__ = ["check_feature_memory", "read_audio", "read_levels", "read_signal"]


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
        float32 mono samples (the mean of the channels), all finite.
    sr : int
        The file's sample rate in Hz.

    Raises
    ------
    InputError
        Unreadable or empty audio, or a NaN or infinite sample (float files).
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
    finite = np.isfinite(signal)
    if not finite.all():  # float files only: a NaN or infinite sample poisons every feature
        first, bad = int(np.argmin(finite)), int(finite.size - np.count_nonzero(finite))
        raise InputError(
            f"{name}: sample {first} (at {first / sr:.3f} s) is NaN or infinite ({bad} in all); "
            "the file is damaged: repair or re-export it"
        )
    return np.ascontiguousarray(signal), int(sr)


def _resample(signal: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    if sr == target_sr:
        return signal
    if importlib.util.find_spec("soxr") is not None:  # librosa's default resampler, direct
        import soxr

        return np.ascontiguousarray(soxr.resample(signal, sr, target_sr, quality="HQ"))
    import librosa

    return librosa.resample(signal, orig_sr=sr, target_sr=target_sr, res_type="polyphase")


def check_feature_memory(
    n_samples: int, sr: int, source: str, options: ReadOptions, channels: int = 1
) -> None:
    """Refuse, before it starts, a feature extraction whose memory is over the budget.

    Parameters
    ----------
    n_samples, sr : int
        Length and sample rate of the audio as stored.
    source : str
        The path as given, or ``"-"``, for messages.
    options : ReadOptions
        ``features``, ``sample_rate``, ``hop_length`` and ``max_memory`` are used.
    channels : int
        Channels of the stored audio (read before they are mixed).

    Raises
    ------
    MemoryBudgetError
        Naming the file, the estimate, the budget and the setting to change.
    InputError
        A hop longer than the audio (a single frame).
    """
    from seqalign.audio.features import feature_memory
    from seqalign.memory import format_bytes, memory_budget

    target = int(options.sample_rate)
    resampled = math.ceil(n_samples * (target / sr))
    seconds = n_samples / sr
    if resampled < options.hop_length:  # one frame: nothing to align or segment
        raise InputError(
            f"{display_name(source)}: {seconds:.3g} s of audio at --hop-length "
            f"{options.hop_length} ({options.hop_length / target:.3g} s) gives a single frame; "
            "give a smaller --hop-length",
            argument="hop_length",
        )
    budget = memory_budget(options.max_memory)
    if budget is None:
        return
    parts = feature_memory(resampled, target, options.features, int(options.hop_length))
    parts["signal"] += 4.0 * n_samples * (channels + 2) + 4.0 * resampled
    total = sum(parts.values())
    if total <= budget:
        return
    part = max(parts, key=parts.__getitem__)
    hop, rate = int(options.hop_length), int(options.sample_rate)
    if part == "signal" and rate > 22050:
        flag, advice = "--sample-rate", f"the cause is --sample-rate {rate}: give a lower one"
    elif part == "transform" and hop > 512:
        flag, advice = "--hop-length", f"the cause is --hop-length {hop} (an FFT of 4 hops): "
        advice += "give a smaller one"
    elif part == "frames" and hop < 512:
        flag, advice = "--hop-length", f"the cause is --hop-length {hop}: give a larger one"
    else:
        flag, advice = "--max-memory", "give a shorter input"
    if options.max_memory is not None:
        advice += " or a larger --max-memory"
    raise MemoryBudgetError(
        f"{display_name(source)}: --features {options.features} of {seconds:.3g} s at "
        f"--sample-rate {rate} and --hop-length {hop} needs about {format_bytes(total)}, over "
        f"the memory budget of {format_bytes(budget)}; {advice}",
        argument=flag.lstrip("-").replace("-", "_"),
    )


def _stored_size(file: str | BinaryIO) -> tuple[int, int, int] | None:
    """(samples, sample rate, channels) of an audio file from its header, or None."""
    if not isinstance(file, str):
        return None
    import soundfile

    try:
        info = soundfile.info(file)
    except Exception:  # unreadable here: read_signal says why
        return None
    return int(info.frames), int(info.samplerate), int(info.channels)


def read_audio(file: str | BinaryIO, source: str, options: ReadOptions) -> Sequence:
    """Read audio and compute its features.

    Parameters
    ----------
    file : str or binary file
        Path, or an open binary stream.
    source : str
        The path as given, or ``"-"``.
    options : ReadOptions
        ``features``, ``sample_rate``, ``hop_length`` and ``sounding`` are used; ``rate`` is
        ignored (the frame rate is ``sample_rate / hop_length``).

    Returns
    -------
    Sequence
        ``kind="audio"``, ``data`` of shape ``(1 + n_samples // hop_length, n_features)`` where
        ``n_samples`` counts samples after resampling. Silence and audio shorter than one hop are
        returned as read; deciding whether they can be aligned is the caller's business.
    """
    stored = _stored_size(file)
    if stored is not None and stored[0] > 0 and stored[1] > 0:
        check_feature_memory(stored[0], stored[1], source, options, channels=stored[2])
    signal, sr = read_signal(file, source)
    if stored is None:
        check_feature_memory(len(signal), sr, source, options)
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
        sounding=sounding_span(signal, int(options.sample_rate)) if options.sounding else None,
    )


def read_levels(path: str, options: ReadOptions) -> np.ndarray:
    """The level in dB of each frame of the audio file ``path`` as :func:`read_audio` frames
    it (:func:`seqalign.audio.pauses.frame_levels` of the signal resampled to
    ``options.sample_rate``, hop ``options.hop_length``)."""
    from seqalign.audio.pauses import frame_levels

    signal, sr = read_signal(path, path)
    signal = _resample(signal, sr, int(options.sample_rate))
    return frame_levels(signal, int(options.sample_rate), int(options.hop_length))
