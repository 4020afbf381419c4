"""Chroma onset features for accurate music synchronisation (DLNCO).

The decaying locally adaptive normalised chroma onset features of Ewert, Müller & Grosche
(2009) mark where notes start, per pitch class, so that DTW can lock onto attacks instead of
drifting inside held notes; combined with chroma (which says which harmony sounds), they give the
paper's high-resolution synchronisation. Each step of :func:`dlnco` is its own function so that
it can be checked against a naive loop.

Like the compute functions registered in :mod:`seqalign.audio.features` (which transposes their
results and is the public entry point), these functions use librosa's ``(features, frames)``
layout. librosa is imported inside the functions.

References
----------
S. Ewert, M. Müller and P. Grosche, "High resolution audio synchronization using chroma onset
features", Proc. IEEE ICASSP, 2009, pp. 1869-1872.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "chroma_onset",
    "decay",
    "dlnco",
    "fold_chroma",
    "local_normalize",
    "log_onsets",
    "pitch_energy",
]

#: Lowest and highest MIDI pitch of the semitone bands: C1 (32.7 Hz) to B7 (3951 Hz), 7 octaves.
MIDI_LOW = 24
MIDI_HIGH = 107
#: Log compression ``log(1 + GAMMA * energy / max energy)``: about 40 dB of dynamic range.
GAMMA = 1e4
#: Half-width in seconds of the local normalisation window (the window spans about 1.5 s).
NORM_SECONDS = 0.75
#: Local maxima under this share of the recording's largest onset norm are raised to it.
NORM_FLOOR = 0.01
#: Length in seconds of the decay kernel (the paper: 10 frames at 50 Hz).
DECAY_SECONDS = 0.2


def pitch_energy(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    """Energy per semitone band over time: ``|CQT|^2`` for MIDI pitches 24-107.

    Parameters
    ----------
    y : ndarray, shape (n_samples,)
        Mono signal.
    sr : int
        Sample rate in Hz.
    hop_length : int
        Samples between frames (centred frames, as every feature set).

    Returns
    -------
    ndarray, shape (84, n_frames)
        Row ``p - 24`` is pitch ``p``; ``n_frames = 1 + n_samples // hop_length``.

    Notes
    -----
    ``librosa.cqt`` with 12 bins per octave from C1 (no tuning estimate), as a stand-in for the
    paper's multirate filter bank of semitone band-pass filters. librosa raises its
    ``ParameterError`` for parameters it rejects (e.g. a top band above the Nyquist frequency),
    which :func:`seqalign.audio.features.compute_features` turns into an ``InputError``.
    """
    import librosa

    spectrum = librosa.cqt(
        y,
        sr=sr,
        hop_length=hop_length,
        fmin=librosa.midi_to_hz(MIDI_LOW),
        n_bins=MIDI_HIGH - MIDI_LOW + 1,
        bins_per_octave=12,
    )
    return spectrum.real**2 + spectrum.imag**2


def log_onsets(energy: np.ndarray, gamma: float = GAMMA) -> np.ndarray:
    """Half-wave rectified first difference over time of the log-compressed energy.

    ``L[p, n] = log(1 + gamma * E[p, n] / max(E))`` and
    ``O[p, n] = max(L[p, n] - L[p, n - 1], 0)`` with ``L[p, -1] = 0`` (the signal is preceded by
    silence, as the zero-padded centred frames assume). All-zero energy gives zeros.

    Parameters
    ----------
    energy : ndarray, shape (n_pitches, n_frames)
        Non-negative energies.
    gamma : float
        Compression constant; the energies are relative to the loudest, so the result does not
        depend on the signal's level.

    Returns
    -------
    ndarray, shape (n_pitches, n_frames)
        Onset strength (>= 0).
    """
    peak = float(energy.max(initial=0.0))
    if peak <= 0.0:
        return np.zeros(energy.shape)
    compressed = energy * (gamma / peak)  # in place from here: long recordings
    np.log1p(compressed, out=compressed)
    onset = np.empty(compressed.shape)
    onset[:, :1] = compressed[:, :1]
    np.subtract(compressed[:, 1:], compressed[:, :-1], out=onset[:, 1:])
    del compressed
    return np.maximum(onset, 0.0, out=onset)


def fold_chroma(pitch_values: np.ndarray, midi_low: int = MIDI_LOW) -> np.ndarray:
    """Sum the rows of pitches of the same pitch class: ``C[c] = sum over p % 12 == c``.

    Parameters
    ----------
    pitch_values : ndarray, shape (n_pitches, n_frames)
        Row ``k`` is MIDI pitch ``midi_low + k``.
    midi_low : int
        MIDI pitch of the first row.

    Returns
    -------
    ndarray, shape (12, n_frames)
        Row 0 is C, row 9 is A.
    """
    chroma = np.zeros((12, pitch_values.shape[1]))
    np.add.at(chroma, (midi_low + np.arange(pitch_values.shape[0])) % 12, pitch_values)
    return chroma


def local_normalize(chroma: np.ndarray, radius: int, floor: float = NORM_FLOOR) -> np.ndarray:
    """Divide each frame by the largest frame norm within ``radius`` frames of it.

    ``N[:, n] = C[:, n] / max(max_{|k - n| <= radius} |C[:, k]|_2, floor * max_k |C[:, k]|_2)``;
    a zero divisor (silence) gives zeros. Every frame of the result has norm <= 1, and the
    strongest onset within ``radius`` frames has norm 1, so soft passages weigh as much as loud
    ones; the floor keeps faint noise in long quiet passages from being raised to unit size.

    Parameters
    ----------
    chroma : ndarray, shape (12, n_frames)
        Non-negative onset chroma.
    radius : int
        Half-width of the window in frames (>= 0).
    floor : float
        Share of the largest norm under which a local maximum is not trusted.

    Returns
    -------
    ndarray, shape (12, n_frames)
    """
    norms = np.sqrt((chroma**2).sum(axis=0))
    padded = np.pad(norms, radius)
    local = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1).max(axis=1)
    divisor = np.maximum(local, floor * norms.max(initial=0.0))
    out = np.zeros(chroma.shape)
    nonzero = divisor > 0.0
    out[:, nonzero] = chroma[:, nonzero] / divisor[nonzero]
    return out


def decay_kernel(length: int) -> np.ndarray:
    """``w[k] = sqrt(1 - k / length)`` for ``k = 0 .. length - 1``: 1 at the onset, falling
    towards 0 (the square root of a linear ramp, as in the paper)."""
    return np.sqrt(1.0 - np.arange(length) / length)


def decay(chroma: np.ndarray, length: int) -> np.ndarray:
    """Let each onset decay over the next frames: ``D[c, n] = sum_k w[k] N[c, n - k]``.

    A causal convolution of each band with :func:`decay_kernel` (frames before the first are
    zero), so a frame shortly after an onset still resembles it and DTW is not forced to hit
    the onset frame exactly.

    Parameters
    ----------
    chroma : ndarray, shape (12, n_frames)
    length : int
        Kernel length in frames (>= 1).

    Returns
    -------
    ndarray, shape (12, n_frames)
    """
    kernel = decay_kernel(length)
    out = np.zeros(chroma.shape)
    n_frames = chroma.shape[1]
    for k, weight in enumerate(kernel[:n_frames]):
        out[:, k:] += weight * chroma[:, : n_frames - k]
    return out


def dlnco(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    """Decaying locally adaptive normalised chroma onset features (Ewert et al. 2009).

    1. Energy per semitone band, MIDI pitches 24-107 (:func:`pitch_energy`).
    2. Onsets: positive first difference of ``log(1 + 1e4 * E / max E)`` (:func:`log_onsets`).
    3. Chroma onsets: the 84 pitches summed into 12 pitch classes (:func:`fold_chroma`).
    4. Local adaptive normalisation by the largest frame norm within +-0.75 s, floored at 1 % of
       the largest norm of the recording (:func:`local_normalize`).
    5. Decay: convolution with ``sqrt`` of a linear ramp from 1 over 0.2 s (the paper's 10
       frames at 50 Hz), ``round(0.2 * sr / hop_length)`` frames here (:func:`decay`).

    The paper computes pitch energies with a multirate filter bank and picks onset peaks; here
    the constant-Q transform and the rectified difference stand in for them, and the
    normalisation window, floor and compression constant are our choices (stated above).

    Parameters
    ----------
    y : ndarray, shape (n_samples,)
    sr : int
    hop_length : int

    Returns
    -------
    ndarray, shape (12, n_frames)
        Non-negative; compare with the Euclidean distance, as the paper does.

    Examples
    --------
    >>> sr = 22050
    >>> t = np.arange(sr) / sr
    >>> y = np.sin(2 * np.pi * 440.0 * t) * (t >= 0.5)  # A4 from 0.5 s (frame 21.5)
    >>> features = dlnco(y, sr, 512)
    >>> features.shape
    (12, 44)
    >>> int(features[9].argmax()), int(features[:, 22].argmax())  # A's onset frame; class A
    (22, 9)
    """
    onsets = fold_chroma(log_onsets(pitch_energy(y, sr, hop_length)))  # validates the hop
    rate = sr / hop_length
    normalized = local_normalize(onsets, round(NORM_SECONDS * rate))
    return decay(normalized, max(1, round(DECAY_SECONDS * rate)))


def l2_frames(values: np.ndarray) -> np.ndarray:
    """Each column divided by its Euclidean norm; zero columns stay zero."""
    norms = np.sqrt((values**2).sum(axis=0))
    out = np.zeros(values.shape)
    nonzero = norms > 0.0
    out[:, nonzero] = values[:, nonzero] / norms[nonzero]
    return out


def chroma_onset(y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    """Chroma and DLNCO stacked: rows 0-11 ``chroma_cqt`` with unit Euclidean norm per frame,
    rows 12-23 :func:`dlnco`.

    With the ``sqeuclidean`` metric (and ``--normalize none``) the local cost of two frames is
    the sum of the two parts' costs: ``|a - b|^2 = 2 (1 - cos(chroma_a, chroma_b)) +
    |dlnco_a - dlnco_b|^2``, twice the cosine distance of the chroma plus the squared distance
    of the onsets, the combination of Ewert et al. (2009) up to the square on the onset part;
    ``euclidean`` is the square root of that sum. Use ``euclidean``: on the time-stretched
    cases of ``benchmarks/FEATURES.md`` it was the more accurate (mean error 23-25 ms with any
    normalisation vs 30 ms for ``sqeuclidean``), as squared costs let a few large onset
    mismatches outweigh the chroma.

    Returns
    -------
    ndarray, shape (24, n_frames)
    """
    import librosa

    chroma = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop_length)
    return np.vstack([l2_frames(chroma), dlnco(y, sr, hop_length)])
