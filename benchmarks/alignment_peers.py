"""The peers of ``benchmarks/alignment_accuracy.py``: each pipeline as its authors show it, run in
its own process so that its time and memory are its own.

    python benchmarks/alignment_peers.py METHOD A.wav B.wav TIME_MAP.csv

Methods: ``librosa-mfcc`` (20 MFCCs, hop 512, ``librosa.sequence.dtw`` with its defaults),
``librosa-chroma`` (``chroma_cqt``, hop 512, ``librosa.sequence.dtw(metric="cosine")``, as
librosa's music synchronisation example), ``sync-chroma`` and ``sync-dlnco`` (synctoolbox's
audio-audio tutorial pipeline: tuning estimate, pitch features at 50 Hz, quantised chroma, with
or without DLNCO onset features, ``sync_via_mrmsdtw`` with step weights 1.5/1.5/2 and
``threshold_rec=10**6``). synctoolbox pins its own numba and numpy: run the sync methods with an
interpreter that has it (``/work/venvs/bench/bin/python``).

The output is a time map, CSV ``a_time,b_time``: each frame of A and the mean time of the
frames of B the path matches it to.
"""

from __future__ import annotations

import sys

import numpy as np

SR = 22050


def write_map(target: str, path: np.ndarray, rate_a: float, rate_b: float) -> None:
    """Path ``(L, 2)`` of frame pairs -> time map CSV (mean B frame per A frame)."""
    n = int(path[:, 0].max()) + 1
    counts = np.bincount(path[:, 0], minlength=n)
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=n)
    seen = counts > 0
    idx = np.arange(n)
    b = np.interp(idx, idx[seen], sums[seen] / counts[seen])
    np.savetxt(target, np.column_stack([idx / rate_a, np.maximum.accumulate(b) / rate_b]),
               delimiter=",", header="a_time,b_time", comments="", fmt="%.5f")  # fmt: skip


def librosa_dtw(a: str, b: str, target: str, chroma: bool) -> None:
    import librosa

    hop = 512
    ya, _ = librosa.load(a, sr=SR)
    yb, _ = librosa.load(b, sr=SR)
    if chroma:
        fa = librosa.feature.chroma_cqt(y=ya, sr=SR, hop_length=hop)
        fb = librosa.feature.chroma_cqt(y=yb, sr=SR, hop_length=hop)
        _, wp = librosa.sequence.dtw(X=fa, Y=fb, metric="cosine")
    else:
        fa = librosa.feature.mfcc(y=ya, sr=SR, hop_length=hop, n_mfcc=20)
        fb = librosa.feature.mfcc(y=yb, sr=SR, hop_length=hop, n_mfcc=20)
        _, wp = librosa.sequence.dtw(X=fa, Y=fb)
    write_map(target, wp[::-1], SR / hop, SR / hop)


def synctoolbox(a: str, b: str, target: str, onsets: bool) -> None:
    import librosa
    from synctoolbox.dtw.mrmsdtw import sync_via_mrmsdtw
    from synctoolbox.dtw.utils import make_path_strictly_monotonic
    from synctoolbox.feature.chroma import pitch_to_chroma, quantize_chroma
    from synctoolbox.feature.dlnco import pitch_onset_features_to_DLNCO
    from synctoolbox.feature.pitch import audio_to_pitch_features
    from synctoolbox.feature.pitch_onset import audio_to_pitch_onset_features
    from synctoolbox.feature.utils import estimate_tuning

    rate = 50
    features = []
    for path in (a, b):
        y, _ = librosa.load(path, sr=SR)
        tuning = estimate_tuning(y, SR)
        pitch = audio_to_pitch_features(f_audio=y, Fs=SR, tuning_offset=tuning, feature_rate=rate)
        chroma = quantize_chroma(f_chroma=pitch_to_chroma(f_pitch=pitch))
        dlnco = None
        if onsets:
            peaks = audio_to_pitch_onset_features(f_audio=y, Fs=SR, tuning_offset=tuning)
            dlnco = pitch_onset_features_to_DLNCO(f_peaks=peaks, feature_rate=rate,
                                                  feature_sequence_length=chroma.shape[1],
                                                  visualize=False)  # fmt: skip
        features.append((chroma, dlnco))
    (ca, oa), (cb, ob) = features
    wp = sync_via_mrmsdtw(f_chroma1=ca, f_onset1=oa, f_chroma2=cb, f_onset2=ob,
                          input_feature_rate=rate, step_weights=np.array([1.5, 1.5, 2.0]),
                          threshold_rec=10**6, verbose=False)  # fmt: skip
    wp = make_path_strictly_monotonic(wp)
    write_map(target, wp.T.astype(np.int64), rate, rate)


METHODS = {
    "librosa-mfcc": lambda a, b, t: librosa_dtw(a, b, t, chroma=False),
    "librosa-chroma": lambda a, b, t: librosa_dtw(a, b, t, chroma=True),
    "sync-chroma": lambda a, b, t: synctoolbox(a, b, t, onsets=False),
    "sync-dlnco": lambda a, b, t: synctoolbox(a, b, t, onsets=True),
}

if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in METHODS:
        sys.exit(f"usage: alignment_peers.py {{{','.join(METHODS)}}} A.wav B.wav TIME_MAP.csv")
    METHODS[sys.argv[1]](*sys.argv[2:])
