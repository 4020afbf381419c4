"""Causal audio features for following: :class:`StreamingFeatures`, fed samples as they
arrive, giving each frame once its samples are in.

``warp``'s feature sets look ahead: a centred STFT frame needs half a window of samples
after its centre, and ``chroma_dlnco`` (the music preset's) also scales by the recording's
largest value, picks onset peaks within +-50 ms and normalises the onsets by the largest
norm within +-0.75 s (:mod:`seqalign.audio.pitch`, :mod:`seqalign.audio.onsets`). A
follower cannot wait for the end, so these are computed causally here, the *same way* for
the reference (offline, in one call) and for the live stream (block by block), so that the
two match:

``chroma_dlnco`` (24 features), ``chroma_tuned`` (its first 12)
    The tuned semitone energies of :func:`seqalign.audio.pitch.semitone_matrix` on the same
    Hann-windowed STFT (window :data:`seqalign.audio.pitch.WINDOW_S`), with the tuning
    estimated on the *reference* and used for both. Then, with every "largest value of the
    recording" replaced by the largest value *so far*:

    * chroma: folded, ``log(1 + ETA C / max so far)``, unit length per frame;
    * onsets: the rise of ``log(1 + GAMMA E / max so far)`` per semitone (both frames
      compressed with the current maximum), kept where it is the largest within +-50 ms and
      above 5 % of the largest onset so far (a delay of :attr:`StreamingFeatures.lag`
      frames: 2 at 50 frames per second), folded, divided by the largest onset norm of the
      *previous* 1.5 s (the window ``warp`` centres, here trailing; floor 1 % of the largest
      norm so far), and decayed over 0.2 s (already causal).
    * not the attack onsets that ``warp`` adds (:func:`seqalign.audio.pitch.attack_events`):
      they compare each level with the largest of the next 0.3 s, a delay a follower would
      add to every position;
    * nor the level gain of ``warp`` (:func:`seqalign.audio.pitch.level_gain`), which looks
      6 s around each frame: a soft passage is compressed against the loudest level so far.

``crp_dlnco`` (24 features, ``warp``'s music preset's)
    As ``chroma_dlnco`` with CRP (:func:`seqalign.audio.pitch.crp_from_energy`) in place of the
    chroma: ``log(1 + CRP_ETA E / max so far)`` over the 88 semitones, its lowest
    ``CRP_CUT`` DCT coefficients removed, folded, unit length per frame.

``logmel`` (64 features, the speech preset's)
    The log-mel power in dB of ``warp`` (the same STFT size, ``max(2048, 4 hop)``, and
    librosa's Slaney mel filters), floored 80 dB under the loudest so far, and z-scored per
    band with the mean and deviation of the frames *so far* (``warp`` z-scores with the whole
    recording's); compare by cosine.

Latency: frame ``k`` (centred on sample ``k hop``) is given once sample ``k hop + n_fft / 2
+ lag hop`` has arrived: 46 + 40 = 86 ms for ``chroma_dlnco`` at 22050 Hz and a hop of 441,
46 ms for ``logmel`` at a hop of 220.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from seqalign.errors import InputError

__all__ = [
    "FOLLOW_ONSET_WEIGHT",
    "STREAMING_FEATURES",
    "StreamingFeatures",
    "reference_features",
    "reference_onset_weight",
    "reference_tuning",
]

#: Feature sets computed causally, and their number of features.
STREAMING_FEATURES = {"chroma_dlnco": 24, "chroma_tuned": 12, "crp_dlnco": 24, "logmel": 64}
#: Largest weight of the onset rows against the chroma rows (``benchmarks/bench_follow.py``).
#: ``warp`` weighs each recording's onsets by how clearly they stand out
#: (:func:`seqalign.audio.pitch.onset_weight`, measured on the whole recording); a stream's
#: clarity is not known when its first frames are due, so following measures the reference's
#: (:func:`reference_onset_weight`) and uses it for both.
FOLLOW_ONSET_WEIGHT = 1.0


def _check(name: str) -> str:
    key = str(name).strip().lower()
    if key not in STREAMING_FEATURES:
        raise InputError(
            f"--features {name}: following computes {', '.join(STREAMING_FEATURES)} from audio "
            "(causal variants); give feature rows for others",
            argument="features",
        )
    return key


class StreamingFeatures:
    """Causal features of one mono signal, fed in blocks (module docstring).

    Parameters
    ----------
    name : {"chroma_dlnco", "chroma_tuned", "crp_dlnco", "logmel"}
    sr : int
        Sample rate in Hz.
    hop_length : int
        Samples per frame.
    tuning : float
        Deviation from A440 in semitones of the pitch features (estimate it on the
        reference: :func:`seqalign.audio.pitch.estimate_tuning`).
    onset_weight : float
        Weight of the onset rows of ``chroma_dlnco`` and ``crp_dlnco`` (measure it on the
        reference: :func:`reference_onset_weight`).

    Examples
    --------
    >>> sr = 22050
    >>> tone = np.sin(2 * np.pi * 440.0 * np.arange(sr) / sr)
    >>> f = StreamingFeatures("chroma_tuned", sr, 441)
    >>> rows = np.concatenate([f.push(tone[:10000]), f.push(tone[10000:]), f.flush()])
    >>> rows.shape, int(rows[25].argmax())  # 1 + 22050 // 441 frames; pitch class A
    ((51, 12), 9)
    """

    def __init__(
        self,
        name: str,
        sr: int,
        hop_length: int,
        tuning: float = 0.0,
        onset_weight: float = FOLLOW_ONSET_WEIGHT,
    ) -> None:
        from seqalign.audio import pitch

        self.name = _check(name)
        self.onset_weight = float(onset_weight)
        self.sr = int(sr)
        self.hop = int(hop_length)
        if self.hop < 1 or self.sr < 1:
            raise InputError(f"hop {hop_length} and sample rate {sr} must be positive")
        self.rate = self.sr / self.hop
        self.n_features = STREAMING_FEATURES[self.name]
        if self.name == "logmel":
            import librosa

            self.n_fft = max(2048, 4 * self.hop)
            self.bank = librosa.filters.mel(sr=self.sr, n_fft=self.n_fft, n_mels=64)
            self.top = None
            self.count = 0
            self.sums = np.zeros(64)
            self.squares = np.zeros(64)
            self.lag = 0
        else:
            from seqalign.audio import onsets

            self.n_fft = pitch.fft_length(self.sr, pitch.WINDOW_S)
            matrix = pitch.semitone_matrix(self.sr, self.n_fft, tuning)
            cols = np.flatnonzero(matrix.any(axis=0))
            self.cols = slice(int(cols.min()), int(cols.max()) + 1)
            self.bank = np.ascontiguousarray(matrix[:, self.cols])
            fold = np.zeros((matrix.shape[0], 12))
            fold[np.arange(matrix.shape[0]), (pitch.MIDI_LOW + np.arange(matrix.shape[0])) % 12] = 1
            self.fold = fold
            kept = pitch.dct_matrix(matrix.shape[0])[pitch.CRP_CUT :]
            self.crp = kept.T @ kept  # log pitch -> log pitch without the slow shape
            self.lag = max(1, round(pitch.PEAK_SECONDS * self.rate))
            self.norm_width = 2 * round(onsets.NORM_SECONDS * self.rate) + 1
            self.decay = onsets.decay_kernel(max(1, round(onsets.DECAY_SECONDS * self.rate)))
            self.chroma_top = 0.0
            self.energy_top = 0.0
            self.onset_top = 0.0
            self.norm_top = 0.0
            self.prev_energy = np.zeros(matrix.shape[0])
            self.onsets = np.zeros((self.lag, matrix.shape[0]))  # the left padding
            self.tops = np.zeros(self.lag)  # the largest onset so far at those frames
            self.chromas = np.zeros((0, 12))  # chroma rows waiting for their onsets
            self.norms = np.zeros(0)  # recent onset norms (normalisation window)
            self.normalized = np.zeros((0, 12))  # recent normalised onsets (decay)
        self.window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(self.n_fft) / self.n_fft)
        self.buffer = np.zeros(self.n_fft // 2)  # the centring's zero padding
        self.frames = 0  # STFT frames computed
        self.given = 0  # rows given
        self.samples = 0
        self.flushed = False

    # -- public --------------------------------------------------------------------------

    def push(self, samples: ArrayLike) -> np.ndarray:
        """Feed the next samples; return the rows ``(k, n_features)`` completed by them."""
        if self.flushed:
            raise InputError("the stream was flushed; start new StreamingFeatures")
        y = np.asarray(samples, dtype=np.float64).reshape(-1)
        self.samples += y.size
        self.buffer = np.concatenate([self.buffer, y])
        return self._frames()

    def flush(self) -> np.ndarray:
        """End of the signal: the last rows (``1 + samples // hop`` rows in all, as ``warp``)."""
        if self.flushed:
            return np.zeros((0, self.n_features))
        self.flushed = True
        total = 1 + self.samples // self.hop
        self.buffer = np.concatenate([self.buffer, np.zeros(self.n_fft // 2 + self.hop)])
        rows = [self._frames(limit=total)]
        if self.name != "logmel" and self.given < total:
            pad = np.zeros((self.lag, self.prev_energy.size))
            rows.append(self._onset_rows(pad, np.zeros((0, 12)), total - self.given))
        out = np.concatenate(rows)
        return out[: max(0, total - (self.given - out.shape[0]))]

    # -- internals -----------------------------------------------------------------------

    def _power(self, limit: int | None) -> np.ndarray:
        """``|STFT|^2`` of every frame whose samples are in (at most ``limit`` frames)."""
        n = 1 + (self.buffer.size - self.n_fft) // self.hop if self.buffer.size >= self.n_fft else 0
        if limit is not None:
            n = min(n, limit - self.frames)
        if n <= 0:
            return np.zeros((0, 1 + self.n_fft // 2))
        view = np.lib.stride_tricks.sliding_window_view(self.buffer, self.n_fft)[:: self.hop][:n]
        spectrum = np.fft.rfft(view * self.window, axis=1)
        self.buffer = self.buffer[n * self.hop :]
        self.frames += n
        return spectrum.real**2 + spectrum.imag**2

    def _frames(self, limit: int | None = None) -> np.ndarray:
        power = self._power(limit)
        if self.name == "logmel":
            return self._logmel(power)
        energy = power[:, self.cols] @ self.bank.T
        chroma = self._chroma(energy)
        onset = self._onsets(energy)
        return self._onset_rows(onset, chroma, None)

    def _logmel(self, power: np.ndarray) -> np.ndarray:
        if power.shape[0] == 0:
            return np.zeros((0, 64))
        db = 10.0 * np.log10(np.maximum(power @ self.bank.T, 1e-10))
        loudest = np.maximum.accumulate(db.max(axis=1))
        if self.top is not None:
            loudest = np.maximum(loudest, self.top)
        self.top = float(loudest[-1])
        db = np.maximum(db, (loudest - 80.0)[:, None])
        count = self.count + np.arange(1, db.shape[0] + 1)[:, None]
        sums = self.sums + np.cumsum(db, axis=0)
        squares = self.squares + np.cumsum(db * db, axis=0)
        self.count, self.sums, self.squares = int(count[-1, 0]), sums[-1], squares[-1]
        mean = sums / count
        std = np.sqrt(np.maximum(squares / count - mean * mean, 0.0))
        self.given += db.shape[0]
        return (db - mean) / np.maximum(std, 1e-3)

    def _chroma(self, energy: np.ndarray) -> np.ndarray:
        from seqalign.audio.pitch import CRP_ETA, ETA

        if self.name == "crp_dlnco":
            top = np.maximum.accumulate(np.r_[self.chroma_top, energy.max(axis=1, initial=0.0)])
            top = top[1:]
            if top.size:
                self.chroma_top = float(top[-1])
            scale = np.where(top > 0.0, CRP_ETA / np.where(top > 0.0, top, 1.0), 0.0)
            chroma = (np.log1p(energy * scale[:, None]) @ self.crp) @ self.fold
        else:
            chroma = energy @ self.fold
            top = np.maximum.accumulate(np.r_[self.chroma_top, chroma.max(axis=1, initial=0.0)])
            top = top[1:]
            if top.size:
                self.chroma_top = float(top[-1])
            scale = np.where(top > 0.0, ETA / np.where(top > 0.0, top, 1.0), 0.0)
            chroma = np.log1p(chroma * scale[:, None])
        norms = np.sqrt((chroma * chroma).sum(axis=1))
        return np.where(norms[:, None] > 0.0, chroma / np.where(norms > 0.0, norms, 1.0)[:, None],
                        0.0)  # fmt: skip

    def _onsets(self, energy: np.ndarray) -> np.ndarray:
        from seqalign.audio.onsets import GAMMA

        if energy.shape[0] == 0:
            return energy
        top = np.maximum.accumulate(np.r_[self.energy_top, energy.max(axis=1)])[1:]
        self.energy_top = float(top[-1])
        scale = np.where(top > 0.0, GAMMA / np.where(top > 0.0, top, 1.0), 0.0)[:, None]
        before = np.vstack([self.prev_energy, energy[:-1]])
        self.prev_energy = energy[-1].copy()
        return np.maximum(np.log1p(energy * scale) - np.log1p(before * scale), 0.0)

    def _onset_rows(self, onset: np.ndarray, chroma: np.ndarray, count: int | None) -> np.ndarray:
        """Peak-pick (``lag`` frames late), fold, normalise, decay; rows with their chroma."""
        from seqalign.audio.onsets import NORM_FLOOR
        from seqalign.audio.pitch import PEAK_SHARE

        r = self.lag
        tops = np.maximum.accumulate(np.r_[self.onset_top, onset.max(axis=1, initial=0.0)])[1:]
        if tops.size:
            self.onset_top = float(tops[-1])
        self.chromas = np.vstack([self.chromas, chroma])
        frames = np.vstack([self.onsets, onset])
        seen = np.r_[self.tops, tops]
        ready = frames.shape[0] - 2 * r  # frames with r on each side
        if count is not None:
            ready = min(ready, count)
        if ready <= 0:
            self.onsets, self.tops = frames, seen
            return np.zeros((0, self.n_features))
        window = np.lib.stride_tricks.sliding_window_view(frames[: ready + 2 * r], 2 * r + 1,
                                                          axis=0)  # fmt: skip
        local = window.max(axis=2)
        middle = frames[r : r + ready]
        keep = (middle >= local) & (middle > PEAK_SHARE * seen[2 * r : 2 * r + ready, None])
        folded = np.where(keep, middle, 0.0) @ self.fold
        self.onsets, self.tops = frames[ready:], seen[ready:]
        norms = np.sqrt((folded * folded).sum(axis=1))
        top = np.maximum.accumulate(np.r_[self.norm_top, norms])[1:]
        self.norm_top = float(top[-1])
        w = self.norm_width
        past = np.r_[self.norms, norms]
        padded = np.r_[np.zeros(w - 1), past]
        local_top = np.lib.stride_tricks.sliding_window_view(padded, w)[-ready:].max(axis=1)
        divisor = np.maximum(local_top, NORM_FLOOR * top)
        safe = np.where(divisor > 0.0, divisor, 1.0)[:, None]
        normalized = np.where(divisor[:, None] > 0.0, folded / safe, 0.0)
        self.norms = past[-(w - 1) :] if w > 1 else past[:0]
        length = self.decay.size
        history = np.vstack([self.normalized, normalized])
        decayed = np.zeros((ready, 12))
        offset = history.shape[0] - ready
        for k, weight in enumerate(self.decay):
            lo = offset - k
            if lo >= 0:
                decayed += weight * history[lo : lo + ready]
            elif lo + ready > 0:
                decayed[-lo:] += weight * history[: lo + ready]
        self.normalized = history[-(length - 1) :] if length > 1 else history[:0]
        chromas, self.chromas = self.chromas[:ready], self.chromas[ready:]
        if chromas.shape[0] < ready:  # the flush: chroma of frames past the signal are zero
            chromas = np.vstack([chromas, np.zeros((ready - chromas.shape[0], 12))])
        self.given += ready
        if self.name == "chroma_tuned":
            return chromas
        return np.hstack([chromas, self.onset_weight * decayed])


def reference_tuning(signal: np.ndarray, sr: int, name: str, hop_length: int) -> float:
    """The tuning that following ``signal`` (the reference) uses for both sides: its deviation
    from A440 in semitones (:func:`seqalign.audio.pitch.estimate_tuning`); 0 for ``logmel``."""
    from seqalign.audio.pitch import estimate_tuning

    if _check(name) == "logmel":
        return 0.0
    return estimate_tuning(signal, sr, hop_length)


def reference_onset_weight(
    signal: np.ndarray, sr: int, name: str, hop_length: int, tuning: float = 0.0
) -> float:
    """Weight of the onset rows for following ``signal`` (the reference, known whole):
    :data:`FOLLOW_ONSET_WEIGHT` times :func:`seqalign.audio.pitch.onset_weight` of its
    :func:`~seqalign.audio.pitch.onset_clarity` over ``ONSET_WEIGHT`` (0 to 1 times
    FOLLOW_ONSET_WEIGHT): a reference sung or bowed, whose onsets mark the notes little better
    than chance, is followed by its chroma. :data:`FOLLOW_ONSET_WEIGHT` for feature sets
    without onset rows."""
    from seqalign.audio import onsets, pitch

    if _check(name) not in ("chroma_dlnco", "crp_dlnco"):
        return FOLLOW_ONSET_WEIGHT
    energy = pitch.pitch_energy(np.asarray(signal, dtype=np.float64), sr, hop_length,
                                pitch.fft_length(sr, pitch.WINDOW_S), tuning)  # fmt: skip
    clarity = pitch.onset_clarity(onsets.log_onsets(energy))
    return FOLLOW_ONSET_WEIGHT * pitch.onset_weight(clarity) / pitch.ONSET_WEIGHT


def reference_features(
    signal: np.ndarray,
    sr: int,
    name: str,
    hop_length: int,
    onset_weight: float | None = None,
    tuning: float | None = None,
) -> tuple[np.ndarray, float]:
    """The causal features of a whole reference signal, and the tuning estimated on it (0
    for ``logmel``; ``tuning`` if given): what :class:`StreamingFeatures` gives the same
    signal fed in blocks (with ``onset_weight``; None: :data:`FOLLOW_ONSET_WEIGHT`)."""
    key = _check(name)
    if tuning is None:
        tuning = reference_tuning(signal, sr, key, hop_length)
    weight = FOLLOW_ONSET_WEIGHT if onset_weight is None else onset_weight
    features = StreamingFeatures(key, sr, hop_length, tuning, weight)
    rows = [features.push(signal), features.flush()]
    return np.concatenate(rows), tuning
