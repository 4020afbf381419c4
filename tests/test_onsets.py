"""Chroma onset features (DLNCO, Ewert, Müller & Grosche 2009) and chroma + DLNCO: every step
against a naive loop, onsets of synthetic notes at known times, and ``seqalign warp`` on wavs."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from seqalign.audio import onsets
from seqalign.audio.features import PITCH_CLASSES, compute_features, feature_names, feature_rate
from seqalign.errors import InputError
from tests.test_cli import PATH_HEADER, assert_warping_path, cli, read_csv

SR = 22050
HOP = 512

# --- signals and naive references ---------------------------------------------------------------


def notes(events, seconds: float, sr: int = SR) -> np.ndarray:
    """Pure tones ``(start s, MIDI pitch, amplitude)`` decaying over about 1 s, 5 ms attack."""
    t = np.arange(int(seconds * sr)) / sr
    y = np.zeros(t.size)
    for start, pitch, amplitude in events:
        local = t[t >= start] - start
        envelope = np.minimum(local / 0.005, 1.0) * np.exp(-3.0 * local)
        freq = 440.0 * 2.0 ** ((pitch - 69) / 12)
        y[t >= start] += amplitude * envelope * np.sin(2 * np.pi * freq * local)
    return y * np.minimum(1.0, (t[-1] - t) / 0.1)  # fade out: no click at the end


#: A4, C5, E5, G4: onsets at known times, one pitch class each.
MELODY = ((0.5, 69, 0.3), (1.2, 72, 0.3), (2.0, 76, 0.3), (2.6, 67, 0.3))


def naive_log_onsets(energy, gamma):
    peak = energy.max()
    out = np.zeros(energy.shape)
    for p in range(energy.shape[0]):
        previous = 0.0
        for n in range(energy.shape[1]):
            value = np.log(1.0 + gamma * energy[p, n] / peak) if peak > 0 else 0.0
            out[p, n] = max(value - previous, 0.0)
            previous = value
    return out


def naive_fold(values, midi_low):
    out = np.zeros((12, values.shape[1]))
    for k in range(values.shape[0]):
        for n in range(values.shape[1]):
            out[(midi_low + k) % 12, n] += values[k, n]
    return out


def naive_local_normalize(chroma, radius, floor):
    n_frames = chroma.shape[1]
    norms = [np.sqrt(sum(v * v for v in chroma[:, n])) for n in range(n_frames)]
    out = np.zeros(chroma.shape)
    for n in range(n_frames):
        window = norms[max(0, n - radius) : n + radius + 1]
        divisor = max(max(window), floor * max(norms))
        if divisor > 0:
            out[:, n] = chroma[:, n] / divisor
    return out


def naive_decay(chroma, length):
    out = np.zeros(chroma.shape)
    for c in range(chroma.shape[0]):
        for n in range(chroma.shape[1]):
            for k in range(length):
                if n - k >= 0:
                    out[c, n] += np.sqrt(1.0 - k / length) * chroma[c, n - k]
    return out


def sparse_onsets(rng, shape):
    """Non-negative values, mostly zero, with some all-zero frames."""
    values = rng.random(shape) * (rng.random(shape) < 0.3)
    values[:, ::7] = 0.0
    return values


# --- shapes and registry ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "dims"), [("dlnco", 12), ("chroma_onset", 24)])
def test_time_first_finite_and_named(name, dims):
    y = notes(MELODY, 3.0)
    features = compute_features(y, SR, name, HOP)
    assert features.shape == (1 + y.size // HOP, dims)
    assert features.dtype == np.float64 and features.flags.c_contiguous
    assert np.isfinite(features).all() and (features >= 0).all()
    assert len(feature_names(name)) == dims
    assert feature_names("dlnco") == PITCH_CLASSES
    assert feature_names("chroma_onset")[0] == "chroma_C"
    assert feature_names("chroma_onset")[21] == "onset_A"


@pytest.mark.parametrize(
    ("name", "other", "sr", "hop", "seconds"),
    [
        (name, other, sr, hop, seconds)
        for name, other in itertools.product(("dlnco", "chroma_onset"), ("logmel", "chroma_cqt"))
        for sr, hop, seconds in ((22050, 512, 1.3), (16000, 160, 0.71))
    ],
)
def test_frame_count_equals_the_other_feature_sets(name, other, sr, hop, seconds):
    y = notes(MELODY[:1], seconds, sr) + 1e-3
    assert len(compute_features(y, sr, name, hop)) == len(compute_features(y, sr, other, hop))


# --- onsets of synthetic notes ------------------------------------------------------------------


def test_onsets_peak_at_the_note_starts_in_their_pitch_class():
    features = compute_features(notes(MELODY, 3.2), SR, "dlnco", HOP)
    rate = feature_rate(SR, HOP)
    for start, pitch, _ in MELODY:
        expected = start * rate
        near = slice(int(expected) - 6, int(expected) + 7)
        row = features[near, pitch % 12]
        peak = near.start + int(row.argmax())
        # the CQT window spreads an attack over two frames, and the decay sums them: the
        # maximum lies on the later one, so up to 1.5 frames (35 ms) after the start
        assert -1.0 <= peak - expected <= 1.5, (start, peak, expected)
        assert PITCH_CLASSES[int(features[peak].argmax())] == PITCH_CLASSES[pitch % 12]
        before = int(expected) - 3  # nothing new starts just before a note
        assert features[before, pitch % 12] < 0.05 * features[peak, pitch % 12]


def test_local_normalisation_lifts_a_soft_note_after_a_loud_one():
    # a note 40 dB softer, 2 s after a loud one (beyond the +-0.75 s window): both onsets reach
    # unit norm before the decay; the bound <= 1 holds everywhere
    y = notes(((0.4, 69, 0.5), (2.4, 72, 0.005)), 3.4)
    onset = onsets.fold_chroma(onsets.log_onsets(onsets.pitch_energy(y, SR, HOP)))
    radius = round(onsets.NORM_SECONDS * feature_rate(SR, HOP))
    normalized = onsets.local_normalize(onset, radius)
    norms = np.sqrt((normalized**2).sum(axis=0))
    assert norms.max() <= 1.0 + 1e-12
    rate = feature_rate(SR, HOP)
    for start in (0.4, 2.4):
        assert norms[int(start * rate) - 2 : int(start * rate) + 3].max() == pytest.approx(1.0)
    raw = np.sqrt((onset**2).sum(axis=0))
    soft, loud = (raw[int(s * rate) - 2 : int(s * rate) + 3].max() for s in (2.4, 0.4))
    assert soft < 0.8 * loud  # it was weaker before


def test_decay_of_one_onset_is_the_square_root_ramp():
    impulse = np.zeros((12, 30))
    impulse[9, 5] = 1.0
    out = onsets.decay(impulse, 9)
    expected = np.sqrt(1.0 - np.arange(9) / 9)
    np.testing.assert_allclose(out[9, 5:14], expected)
    assert (out[9, :5] == 0).all() and (out[9, 14:] == 0).all()
    assert (np.delete(out, 9, axis=0) == 0).all()  # the other pitch classes stay silent
    assert (np.diff(expected) < 0).all() and expected[0] == 1.0


def test_silence_gives_zeros_not_nan():
    for name in ("dlnco", "chroma_onset"):
        features = compute_features(np.zeros(SR // 2), SR, name, HOP)
        assert features.shape == (1 + (SR // 2) // HOP, feature_names(name).__len__())
        assert (features == 0).all()


# --- each step against a naive loop -------------------------------------------------------------


@pytest.mark.parametrize("gamma", [1.0, 1e4])
def test_log_onsets_equals_naive(gamma):
    rng = np.random.default_rng(0)
    energy = rng.random((7, 20)) ** 3
    np.testing.assert_allclose(
        onsets.log_onsets(energy, gamma), naive_log_onsets(energy, gamma), rtol=1e-12, atol=1e-14
    )  # atol: log1p vs log(1 + x) for tiny x
    assert (onsets.log_onsets(np.zeros((3, 4)), gamma) == 0).all()


@pytest.mark.parametrize("midi_low", [24, 21, 0])
def test_fold_chroma_equals_naive(midi_low):
    values = np.random.default_rng(1).random((30, 6))
    np.testing.assert_allclose(
        onsets.fold_chroma(values, midi_low), naive_fold(values, midi_low), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("radius", "floor"), list(itertools.product((0, 1, 4, 40), (0.0, 0.01, 0.5)))
)
def test_local_normalize_equals_naive(radius, floor):
    chroma = sparse_onsets(np.random.default_rng(radius), (12, 25))
    out = onsets.local_normalize(chroma, radius, floor)
    np.testing.assert_allclose(out, naive_local_normalize(chroma, radius, floor), rtol=1e-12)
    assert np.sqrt((out**2).sum(axis=0)).max() <= 1.0 + 1e-12


@pytest.mark.parametrize(("length", "n_frames"), [(1, 10), (9, 25), (17, 25), (9, 4)])
def test_decay_equals_naive(length, n_frames):
    chroma = sparse_onsets(np.random.default_rng(length), (12, n_frames))
    np.testing.assert_allclose(
        onsets.decay(chroma, length), naive_decay(chroma, length), rtol=1e-12
    )


def test_pitch_energy_is_the_semitone_cqt_power():
    librosa = pytest.importorskip("librosa")
    y = notes(MELODY[:2], 1.5)
    energy = onsets.pitch_energy(y, SR, HOP)
    reference = (
        np.abs(librosa.cqt(y, sr=SR, hop_length=HOP, fmin=32.703195662574829, n_bins=84)) ** 2
    )
    assert energy.shape == (84, 1 + y.size // HOP)
    np.testing.assert_allclose(energy, reference, rtol=1e-6, atol=1e-12 * reference.max())
    assert int(energy[:, int(0.9 * SR / HOP)].argmax()) + onsets.MIDI_LOW == 69  # A4 sounds


@pytest.mark.parametrize(("sr", "hop", "decay_frames"), [(22050, 512, 9), (22050, 256, 17)])
def test_dlnco_is_the_steps_in_order(sr, hop, decay_frames):
    y = notes(MELODY, 3.2, sr)
    energy = onsets.pitch_energy(y, sr, hop)
    radius = {512: 32, 256: 65}[hop]  # round(0.75 s * sr / hop)
    expected = naive_decay(
        naive_local_normalize(
            naive_fold(naive_log_onsets(energy, onsets.GAMMA), 24), radius, onsets.NORM_FLOOR
        ),
        decay_frames,
    )
    np.testing.assert_allclose(compute_features(y, sr, "dlnco", hop), expected.T, atol=1e-10)


def test_chroma_onset_is_unit_chroma_then_dlnco_and_sqeuclidean_adds_the_costs():
    librosa = pytest.importorskip("librosa")
    y = notes(MELODY, 3.2)
    both = compute_features(y, SR, "chroma_onset", HOP)
    chroma = librosa.feature.chroma_cqt(y=y, sr=SR, hop_length=HOP).T
    chroma /= np.linalg.norm(chroma, axis=1, keepdims=True)
    np.testing.assert_allclose(both[:, :12], chroma, atol=1e-12)
    np.testing.assert_allclose(both[:, 12:], compute_features(y, SR, "dlnco", HOP), atol=1e-12)
    a, b = both[30], both[60]
    cosine = 1.0 - a[:12] @ b[:12]
    np.testing.assert_allclose(
        ((a - b) ** 2).sum(), 2.0 * cosine + ((a[12:] - b[12:]) ** 2).sum(), rtol=1e-12
    )


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dlnco", "chroma_onset"])
@pytest.mark.parametrize(
    ("sr", "hop", "message"),
    [(SR, 0, "--hop-length 0: hop_length=0 must be a positive"), (8000, 512, "Nyquist")],
)
def test_bad_hop_or_rate_is_an_input_error(name, sr, hop, message):
    with pytest.raises(InputError, match=message) as info:
        compute_features(notes(MELODY[:1], 1.0, sr), sr, name, hop)
    assert info.value.argument == "features" and "\n" not in str(info.value)
    assert f"--features {name} at --sample-rate {sr}" in str(info.value)


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def wavs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """B is A's melody starting 0.3 s later."""
    import soundfile

    soundfile.write(tmp_path / "a.wav", notes(MELODY, 3.2).astype(np.float32), SR)
    late = tuple((start + 0.3, pitch, gain) for start, pitch, gain in MELODY)
    soundfile.write(tmp_path / "b.wav", notes(late, 3.5).astype(np.float32), SR)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("--features", "dlnco"),
        ("--features", "dlnco", "--normalize", "none", "--metric", "euclidean"),
        ("--features", "chroma_onset", "--normalize", "none", "--metric", "sqeuclidean"),
    ],
)
def test_warp_aligns_the_note_onsets(wavs, args):
    outcome = cli("warp", "a.wav", "b.wav", *args, "--preset", "none")  # hop 512
    assert outcome.code == 0, outcome.stderr
    header, rows = read_csv(outcome.stdout)
    assert header == PATH_HEADER
    n, m = (1 + int(s * SR) // HOP for s in (3.2, 3.5))
    assert_warping_path(rows[:, :2].astype(int), n, m)
    for start, _, _ in MELODY:
        matched = rows[np.abs(rows[:, 2] - start) < 0.5 * HOP / SR, 3]
        assert np.abs(matched - (start + 0.3)).min() <= 2 * HOP / SR, (start, matched)
