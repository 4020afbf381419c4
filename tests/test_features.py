"""Feature sets: time-first shapes, the frame rate, and the errors for bad names and parameters."""

from __future__ import annotations

import numpy as np
import pytest

from seqalign.audio.features import FEATURE_SETS, compute_features, feature_names, feature_rate
from seqalign.errors import InputError

SR = 22050
HOP = 512


def tone(freq: float, seconds: float = 1.0, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return 0.5 * np.sin(2 * np.pi * freq * t)


@pytest.mark.parametrize(
    ("name", "dims"), [("chroma", 12), ("chroma_cqt", 12), ("mfcc", 20), ("logmel", 64)]
)
def test_feature_sets_are_time_first_float64(name: str, dims: int) -> None:
    signal = tone(440.0)
    features = compute_features(signal, SR, name, HOP)
    assert features.shape == (1 + signal.size // HOP, dims)
    assert features.dtype == np.float64
    assert features.flags.c_contiguous
    assert np.isfinite(features).all()
    assert len(feature_names(name)) == dims


def test_registry_lists_every_required_set() -> None:
    assert {"chroma", "chroma_cqt", "mfcc", "logmel"} <= set(FEATURE_SETS)
    assert all(isinstance(text, str) and text for text in FEATURE_SETS.values())


@pytest.mark.parametrize(("freq", "pitch_class"), [(440.0, "A"), (261.63, "C"), (329.63, "E")])
def test_chroma_peaks_at_the_pitch_class_of_a_tone(freq: float, pitch_class: str) -> None:
    chroma = compute_features(tone(freq), SR, "chroma", HOP)
    assert feature_names("chroma")[int(chroma.mean(axis=0).argmax())] == pitch_class


def test_silence_and_very_short_signals_give_finite_frames() -> None:
    assert np.isfinite(compute_features(np.zeros(SR // 2), SR, "chroma", HOP)).all()
    assert compute_features(tone(440.0, seconds=0.005), SR, "mfcc", HOP).shape == (1, 20)


@pytest.mark.parametrize(("sr", "hop", "rate"), [(22050, 512, 43.06640625), (16000, 160, 100.0)])
def test_feature_rate(sr: int, hop: int, rate: float) -> None:
    assert feature_rate(sr, hop) == rate


def test_unknown_feature_set_lists_the_valid_ones() -> None:
    with pytest.raises(
        InputError, match=r"unknown feature set 'chromagram' \(--features\)"
    ) as info:
        compute_features(tone(440.0), SR, "chromagram", HOP)
    assert info.value.argument == "features"
    assert all(name in str(info.value) for name in FEATURE_SETS)


def test_stereo_signal_is_rejected() -> None:
    with pytest.raises(InputError, match="mono 1-D signal"):
        compute_features(np.zeros((2, SR)), SR, "chroma", HOP)


def test_parameters_librosa_rejects_become_input_errors() -> None:
    # The constant-Q filters reach 4 kHz, above the Nyquist frequency of 2 kHz audio.
    with pytest.raises(InputError, match="--features chroma_cqt at --sample-rate 2000") as info:
        compute_features(tone(440.0, sr=2000), 2000, "chroma_cqt", HOP)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("sr", "hop", "seconds"), [(22050, 512, 1.3), (16000, 160, 0.7), (22050, 512, 0.05)]
)
def test_logmel_equals_librosa(sr, hop, seconds):
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(0)
    t = np.arange(int(sr * seconds)) / sr
    y = np.sin(2 * np.pi * 330 * t) * np.exp(-t) + 0.01 * rng.standard_normal(t.size)
    n_fft = max(2048, 4 * hop)
    ref = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=sr, n_mels=64, hop_length=hop, n_fft=n_fft),
        ref=np.max,
    ).T
    ours = compute_features(y, sr, "logmel", hop)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-6)


@pytest.mark.parametrize(("sr", "hop", "seconds"), [(22050, 512, 1.3), (16000, 160, 0.7)])
def test_mfcc_equals_librosa(sr, hop, seconds):
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(1)
    t = np.arange(int(sr * seconds)) / sr
    y = np.sin(2 * np.pi * 220 * t) * (1 + t) + 0.01 * rng.standard_normal(t.size)
    n_fft = max(2048, 4 * hop)
    ref = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, hop_length=hop, n_fft=n_fft).T
    ours = compute_features(y, sr, "mfcc", hop)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-6, rtol=1e-9)


@pytest.mark.parametrize(("sr", "hop", "seconds"), [(22050, 220, 1.3), (16000, 160, 0.7)])
def test_logmel_rise_is_short_window_logmel_and_its_rectified_rise(sr, hop, seconds):
    librosa = pytest.importorskip("librosa")
    from seqalign.audio.features import RISE_LAG_S, speech_window

    rng = np.random.default_rng(2)
    t = np.arange(int(sr * seconds)) / sr
    y = np.sin(2 * np.pi * 330 * t) * (t > 0.3) + 0.01 * rng.standard_normal(t.size)
    db = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=sr, n_mels=64, hop_length=hop,
                                       n_fft=speech_window(sr)),
        ref=np.max,
    ).T  # fmt: skip
    lag = max(1, round(RISE_LAG_S * sr / hop))
    rise = np.zeros_like(db)
    for k in range(lag, db.shape[0]):  # the definition, frame by frame
        for band in range(db.shape[1]):
            rise[k, band] = max(0.0, db[k, band] - db[k - lag, band])
    ours = compute_features(y, sr, "logmel_rise", hop)
    assert ours.shape == (db.shape[0], 128)
    assert feature_names("logmel_rise")[64] == "rise_0"
    np.testing.assert_allclose(ours[:, :64], db, atol=1e-6)
    np.testing.assert_allclose(ours[:, 64:], rise, atol=1e-6)
    onset = round(0.3 * sr / hop)
    assert abs(int(ours[:, 64:].sum(axis=1).argmax()) - onset) <= lag
