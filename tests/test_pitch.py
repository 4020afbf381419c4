"""Tuned pitch features (seqalign.audio.pitch) and the audio presets (seqalign.audio.presets):
each step against a naive loop, tones and chords of known pitch, onsets at known times, and
``seqalign warp --preset`` on wavs."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from seqalign.audio import pitch
from seqalign.audio.features import compute_features, feature_names, fine_features
from seqalign.audio.presets import (
    MUSIC_THRESHOLD,
    NOISE_THRESHOLD,
    PRESETS,
    SURE_MUSIC,
    detect_preset,
    music_likeness,
    noisiness,
)
from tests import naive
from tests.test_cli import cli, read_csv
from tests.test_onsets import MELODY, notes

SR = 22050
HOP = 441


def tones(freqs, seconds: float = 1.0, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return sum(0.3 * np.sin(2 * np.pi * f * t) for f in freqs)


def speechlike(seconds: float = 2.0, sr: int = SR) -> np.ndarray:
    """Noise bursts and pitch glides: what speech looks like to a chroma."""
    rng = np.random.default_rng(5)
    t = np.arange(int(seconds * sr)) / sr
    glide = np.sin(2 * np.pi * np.cumsum(120 + 80 * np.sin(2 * np.pi * 3 * t)) / sr)
    voiced = sum(glide**k for k in (1, 3, 5)) * (np.sin(2 * np.pi * 2 * t) > 0)
    return 0.2 * voiced + 0.2 * rng.normal(size=t.size) * (np.sin(2 * np.pi * 2 * t) <= 0)


# --- the filter bank --------------------------------------------------------------------------


@pytest.mark.parametrize(("sr", "n_fft", "tuning"), [(22050, 4096, 0.0), (16000, 2048, 0.3),
                                                     (44100, 8192, -0.2)])  # fmt: skip
def test_semitone_matrix_equals_the_naive_loop(sr, n_fft, tuning):
    np.testing.assert_allclose(
        pitch.semitone_matrix(sr, n_fft, tuning), naive.semitone_weights(sr, n_fft, tuning),
        atol=1e-12)  # fmt: skip


@pytest.mark.parametrize(("hop", "n_fft", "tuning"), [(441, 4096, 0.0), (512, 2048, 0.25),
                                                      (100, 1024, -0.4)])  # fmt: skip
def test_pitch_energy_equals_the_naive_loop(hop, n_fft, tuning):
    y = np.random.default_rng(1).normal(size=int(0.3 * SR))
    expected = naive.pitch_energy(y, SR, hop, n_fft, tuning)
    got = pitch.pitch_energy(y, SR, hop, n_fft, tuning)
    assert got.shape == expected.shape == (88, 1 + len(y) // hop)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * expected.max())


def test_a_tone_lands_in_its_semitone():
    energy = pitch.pitch_energy(tones([440.0]), SR, HOP, 4096)
    assert int(energy.sum(axis=1).argmax()) + pitch.MIDI_LOW == 69


@pytest.mark.parametrize("a4", [430.0, 440.0, 446.0, 452.0])
def test_tuning_is_estimated_within_3_cents(a4):
    # a major triad on A at concert pitch a4, with two overtones each
    freqs = [a4 * r * k for r in (1.0, 2 ** (4 / 12), 2 ** (7 / 12)) for k in (1, 2)]
    expected = 12 * np.log2(a4 / 440.0)
    assert abs(pitch.estimate_tuning(tones(freqs, 2.0), SR, HOP) - expected) < 0.03


def test_tuning_of_silence_is_zero():
    assert pitch.estimate_tuning(np.zeros(SR), SR, HOP) == 0.0


def test_chroma_follows_the_tuning():
    # an A tuned a third of a semitone sharp is still A, where A440 bins would split it
    y = tones([440.0 * 2 ** (0.35 / 12)])
    chroma = pitch.chroma_tuned(y, SR, HOP)
    assert int(chroma.mean(axis=1).argmax()) == 9
    untuned = pitch.chroma_tuned(y, SR, HOP, tuning=0.0)
    margin = (chroma[9] - chroma[10]).mean()  # A over A#
    assert margin > (untuned[9] - untuned[10]).mean() + 0.2


def test_chroma_of_a_chord_names_its_pitch_classes():
    chroma = pitch.chroma_tuned(tones([261.63, 329.63, 392.0]), SR, HOP)  # C major
    assert set(np.argsort(chroma.mean(axis=1))[-3:]) == {0, 4, 7}
    norms = np.linalg.norm(chroma, axis=0)
    np.testing.assert_allclose(norms[norms > 0], 1.0)


def test_chroma_of_silence_is_zero():
    assert not pitch.chroma_tuned(np.zeros(SR), SR, HOP).any()


# --- onsets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("radius", "share"), list(itertools.product((1, 2, 4), (0.0, 0.05, 0.5))))
def test_pick_peaks_equals_the_naive_loop(radius, share):
    onset = np.random.default_rng(radius).random((6, 30)) ** 2
    np.testing.assert_array_equal(
        pitch.pick_peaks(onset, radius, share), naive.pick_peaks(onset, radius, share)
    )


def test_peak_picking_keeps_a_held_tone_from_adding_up_to_onsets():
    t = np.arange(3 * SR) / SR
    held = np.sin(2 * np.pi * 440 * t) * (1 + 0.02 * np.sin(2 * np.pi * 6 * t))  # tremolo
    energy = pitch.pitch_energy(held, SR, HOP, 2048)
    rises = pitch.onsets.log_onsets(energy)
    picked = pitch.pick_peaks(rises, 2)
    assert np.count_nonzero(picked[:, 10:]) < 0.01 * np.count_nonzero(rises[:, 10:])


def test_dlnco_marks_the_notes_onsets():
    features = pitch.dlnco_tuned(notes(MELODY, 3.2), SR, HOP)
    rate = SR / HOP
    for start, midi, _ in MELODY:
        frame = round(start * rate)
        near = features[:, frame - 2 : frame + 4]
        assert int(near.max(axis=1).argmax()) == midi % 12
        assert features[midi % 12, frame - 4] < 0.1 * near.max()


def test_chroma_dlnco_is_a_feature_set():
    y = notes(MELODY, 3.2)
    features = compute_features(y, SR, "chroma_dlnco", HOP)
    assert features.shape == (1 + len(y) // HOP, 24)
    assert features.dtype == np.float64 and features.flags.c_contiguous
    assert feature_names("chroma_dlnco")[0] == "chroma_C"
    assert compute_features(y, SR, "chroma_tuned", HOP).shape == (1 + len(y) // HOP, 12)


@pytest.mark.parametrize(("cut", "eta", "seed"),
                         list(itertools.product((0, 5, 40), (10.0, 1e4), range(2))))  # fmt: skip
def test_crp_equals_the_naive_sums(cut, eta, seed):
    energy = np.random.default_rng(seed).random((88, 5)) ** 4
    energy[:, 2] = 0.0  # a silent frame
    np.testing.assert_allclose(
        pitch.crp_from_energy(energy, cut, eta), naive.crp(energy, cut, eta), atol=1e-12
    )


def test_crp_ignores_the_timbre_of_a_chord():
    """Two spectral envelopes (bright, dull) of one chord: far apart as chroma, close as CRP."""
    energy = np.zeros((88, 2))
    for midi in (48, 52, 55, 60, 64, 67, 72, 76, 79):  # C major over three octaves
        energy[midi - 21, 0] = 1.0
        energy[midi - 21, 1] = 1e-3 ** ((midi - 48) / 31)  # falls 60 dB over the range
    crp = pitch.crp_from_energy(energy)
    chroma = pitch.chroma_from_energy(energy)
    crp_apart = np.linalg.norm(crp[:, 0] - crp[:, 1])
    assert crp_apart < 0.6 * np.linalg.norm(chroma[:, 0] - chroma[:, 1])
    assert set(np.argsort(crp[:, 0])[-3:]) == {0, 4, 7}


def test_crp_dlnco_is_a_feature_set():
    y = notes(MELODY, 3.2)
    features = compute_features(y, SR, "crp_dlnco", HOP)
    assert features.shape == (1 + len(y) // HOP, 24)
    assert feature_names("crp_dlnco")[0] == "crp_C"
    np.testing.assert_array_equal(
        features[:, 12:], compute_features(y, SR, "chroma_dlnco", HOP)[:, 12:]
    )


@pytest.mark.parametrize(("share", "seed"), list(itertools.product((0.01, 0.05, 0.3), range(3))))
def test_onset_clarity_equals_the_naive_sum(share, seed):
    rises = np.random.default_rng(seed).random((7, 53)) ** 6
    assert pitch.onset_clarity(rises, share) == pytest.approx(naive.onset_clarity(rises, share))
    assert pitch.onset_clarity(np.zeros((3, 10)), share) == 0.0


def test_attack_weight_makes_up_for_the_dlnco_left_out():
    low, high = pitch.CLARITY_LOW, pitch.CLARITY_HIGH
    most = pitch.ATTACK_WEIGHT + pitch.ATTACK_BOOST
    assert pitch.attack_weight(low) == most == pitch.attack_weight(0.0)
    assert pitch.attack_weight(high) == pitch.ATTACK_WEIGHT == pitch.attack_weight(1.0)
    halfway = pitch.ATTACK_WEIGHT + pitch.ATTACK_BOOST / 2
    assert pitch.attack_weight((low + high) / 2) == pytest.approx(halfway)


def test_onset_weight_ramps_from_unclear_to_clear_onsets():
    low, high = pitch.CLARITY_LOW, pitch.CLARITY_HIGH
    assert pitch.onset_weight(low) == 0.0 == pitch.onset_weight(0.0)
    assert pitch.onset_weight(high) == pitch.ONSET_WEIGHT == pitch.onset_weight(1.0)
    assert pitch.onset_weight((low + high) / 2) == pytest.approx(pitch.ONSET_WEIGHT / 2)


def legato_line(attack: float, tremolo: float, seed: int = 0) -> np.ndarray:
    """24 notes of 0.5 s, each swelling in over ``attack`` seconds, with a 5.5-6.5 Hz
    tremolo of depth ``tremolo``, released over 0.1 s into the next, over noise 40 dB down."""
    rng = np.random.default_rng(seed)
    starts, midis = np.arange(24) * 0.5, rng.integers(55, 75, 24)
    t = np.arange(int((starts[-1] + 1.5) * SR)) / SR
    y = 10 ** (-40 / 20) * rng.normal(size=t.size)
    for start, midi in zip(starts, midis):
        tau = t - start
        envelope = np.where(tau < 0.5, np.minimum(tau / attack, 1.0),
                            np.exp(-(tau - 0.5) / 0.08)) * (tau >= 0)  # fmt: skip
        rate, phase = 5.5 + rng.random(), 6.0 * rng.random()
        envelope *= 1.0 + tremolo * np.sin(2 * np.pi * rate * tau + phase)
        y += envelope * np.sin(2 * np.pi * 440.0 * 2 ** ((midi - 69) / 12) * tau)
    return y


def test_struck_notes_keep_their_onsets_and_swelling_ones_lose_most_of_them():
    """The same line struck (10 ms attack) measures clear onsets and keeps the full onset
    weight; sung-like (0.25 s swell, deep tremolo), under half of it: clarity falls as the
    attack slows and the tremolo deepens."""

    def clarity(attack, tremolo):
        energy = pitch.pitch_energy(legato_line(attack, tremolo), SR, HOP, 2048)
        return pitch.onset_clarity(pitch.onsets.log_onsets(energy))

    struck, swelling = clarity(0.01, 0.0), clarity(0.25, 0.6)
    assert struck > pitch.CLARITY_HIGH and pitch.onset_weight(struck) == pitch.ONSET_WEIGHT
    assert pitch.onset_weight(swelling) < 0.5 * pitch.ONSET_WEIGHT
    assert struck > clarity(0.1, 0.0) > clarity(0.1, 0.6) > swelling


@pytest.mark.parametrize(("seed", "rate", "drop_db"), [(0, 50.0, 12.0), (1, 20.0, 6.0),
                                                     (2, 50.0, 3.0), (3, 7.0, 12.0)])  # fmt: skip
def test_attack_events_equal_the_naive_loop(seed, rate, drop_db):
    rng = np.random.default_rng(seed)
    energy = rng.random((9, 60)) ** 6 * (rng.random((9, 60)) < 0.7)  # gaps: rises from 0
    got = pitch.attack_events(energy, rate, drop_db, 0.3, 0.2)
    np.testing.assert_allclose(got, naive.attack_events(energy, rate, drop_db, 0.3, 0.2))
    assert got.any()
    assert not pitch.attack_events(np.zeros((3, 20)), rate).any()
    assert pitch.attack_events(np.zeros((3, 0)), rate).shape == (3, 0)


def test_forward_extreme_equals_a_window_reduction():
    values = np.random.default_rng(7).random((3, 37))
    for width in (1, 2, 3, 5, 8, 13, 37, 50):
        for ufunc in (np.maximum, np.minimum):
            expected = [[ufunc.reduce(r[i : i + width]) for i in range(r.size)] for r in values]
            np.testing.assert_array_equal(pitch._forward_extreme(values, width, ufunc), expected)


def test_attacks_of_swelling_notes_are_where_they_are_heard():
    """On a line of 0.25 s swells with tremolo, each note's strongest attack event in its band
    lies within 40 ms of where its envelope reaches -12 dB of its level (a quarter of the
    amplitude, 62 ms into the swell). Notes a semitone from the one before are left out: the
    93 ms window leaks the previous note into their band, within 12 dB (the rises find them)."""
    rng = np.random.default_rng(0)
    starts, midis = np.arange(24) * 0.5, rng.integers(55, 75, 24)
    rate = SR / HOP
    events = pitch.attack_events(pitch.pitch_energy(legato_line(0.25, 0.2), SR, HOP, 2048), rate)
    checked = 0
    for k, (start, midi) in enumerate(zip(starts, midis)):
        if k and abs(int(midi) - int(midis[k - 1])) == 1:
            continue
        band = events[midi - pitch.MIDI_LOW]
        first = max(0, round(start * rate) - 2)
        found = np.flatnonzero(band[first : round((start + 0.45) * rate)]) + first
        strongest = found[np.argmax(band[found])] / rate
        assert abs(strongest - (start + 0.25 / 4)) <= 0.04, (start, midi, found / rate)
        checked += 1
    assert checked >= 18


def test_a_held_tone_with_tremolo_has_one_attack():
    t = np.arange(3 * SR) / SR
    held = np.sin(2 * np.pi * 440 * t) * (1 + 0.3 * np.sin(2 * np.pi * 6 * t))  # +-2.6 dB
    energy = pitch.pitch_energy(held, SR, HOP, 2048)
    events = pitch.attack_events(energy, SR / HOP)
    assert np.flatnonzero(events[69 - pitch.MIDI_LOW]).tolist() == [0]
    assert not events[:, 3:-3].any()  # (the abrupt end splatters into faint bands)
    assert np.count_nonzero(pitch.onsets.log_onsets(energy)[:, 3:]) > 100  # the rises: many


def test_onset_rows_add_the_attack_onsets_to_the_clarity_weighted_dlnco():
    sung = legato_line(0.25, 0.6)
    energy = pitch.pitch_energy(sung, SR, HOP, 2048, pitch.estimate_tuning(sung, SR, HOP))
    energy *= pitch.level_gain(energy, SR / HOP)
    clarity = pitch.onset_clarity(pitch.onsets.log_onsets(energy))
    rate = SR / HOP
    expected = pitch.onset_weight(clarity) * pitch.dlnco_from_energy(energy, rate)
    expected += pitch.attack_weight(clarity) * pitch.attack_onsets(energy, rate)
    for features in (pitch.crp_dlnco(sung, SR, HOP), pitch.chroma_dlnco(sung, SR, HOP)):
        np.testing.assert_allclose(features[12:], expected, atol=1e-12)
    assert pitch.attack_onsets(energy, rate).any()
    # the fine sets: the same onsets, both decaying over FINE_DECAY_S
    fine = pitch.FINE_DECAY_S
    rises = pitch.onsets.log_onsets(energy)
    expected = pitch.onset_weight(clarity) * pitch.dlnco_from_rises(rises, rate, fine)
    expected += pitch.attack_weight(clarity) * pitch.attack_onsets(energy, rate, fine)
    for name in ("crp_dlnco", "chroma_dlnco"):
        features = compute_features(sung, SR, f"{name}_fine", HOP).T
        np.testing.assert_allclose(features[12:], expected, atol=1e-12)
        np.testing.assert_allclose(features[:12], compute_features(sung, SR, name, HOP).T[:12])


def test_onsets_decay_sooner_in_the_fine_sets():
    assert fine_features("crp_dlnco") == "crp_dlnco_fine"
    assert fine_features("chroma_dlnco") == "chroma_dlnco_fine"
    assert fine_features("logmel") == "logmel"
    assert fine_features("crp_dlnco_fine") == "crp_dlnco_fine"
    y = notes(MELODY, 3.2)
    coarse, fine = (compute_features(y, SR, name, HOP)[:, 12:].sum(axis=1)
                    for name in ("crp_dlnco", "crp_dlnco_fine"))  # fmt: skip
    first = int(np.argmax(coarse > 0))
    assert int(np.argmax(fine > 0)) == first  # the onsets start in the same frame
    assert fine[first] == pytest.approx(coarse[first])
    assert fine.sum() < 0.75 * coarse.sum()  # and fade sooner


LEVEL_CASES = [(0, 10.0, 0.5, 50.0, 40.0, 50.0), (1, 20.0, 0.3, 20.0, 40.0, 10.0),
               (2, 5.0, 2.0, 60.0, 10.0, 0.0), (3, 10.0, 0.05, 50.0, 40.0, 30.0)]  # fmt: skip


@pytest.mark.parametrize(("seed", "rate", "window", "floor_db", "lift_db", "noise_db"),
                         LEVEL_CASES)  # fmt: skip
def test_level_gain_equals_the_naive_loop(seed, rate, window, floor_db, lift_db, noise_db,
                                          monkeypatch):  # fmt: skip
    monkeypatch.setattr(pitch, "LEVEL_NOISE_DB", noise_db)
    rng = np.random.default_rng(seed)
    energy = rng.random((5, 70)) ** 4 * 10 ** rng.uniform(-5, 0, 70)  # levels over 50 dB
    energy[:, 30:33] = 0.0  # silent frames: at the floor
    energy[:, 40:50] *= 1e-4  # a soft passage
    got = pitch.level_gain(energy, rate, window, floor_db, lift_db)
    expected = naive.level_gain(energy, rate, window, floor_db, lift_db, noise_db,
                                pitch.NOISE_PERCENTILE, pitch.NOISE_BANDS)  # fmt: skip
    np.testing.assert_allclose(got, expected)
    assert got.min() >= 1.0 and got.max() > 1.0
    np.testing.assert_array_equal(pitch.level_gain(np.zeros((3, 9)), rate), np.ones(9))
    assert pitch.level_gain(np.zeros((3, 0)), rate).shape == (0,)


def test_level_gain_keeps_the_noise_under_the_compression():
    """Over noise in every band, a held note 30 dB softer for its first half is raised only
    as far as keeps the noise (its 10th percentile per band) LEVEL_NOISE_DB under the loudest
    band; with the noise far down it is raised by the full 30 dB."""
    rng = np.random.default_rng(4)
    for noise_db, expected in ((60.0, 60.0 - pitch.LEVEL_NOISE_DB), (100.0, 30.0)):
        energy = 10 ** (-noise_db / 10) * rng.exponential(size=(88, 3000)) / 0.10536  # 10th pct.
        energy[40, :] += 1.0
        energy[40, :1500] *= 1e-3
        gain_db = 10 * np.log10(pitch.level_gain(energy, 100.0))
        assert abs(gain_db[:800].min() - expected) < 0.5, noise_db
        assert abs(gain_db[:800].max() - expected) < 0.5, noise_db
        assert gain_db[-800:].max() < 0.5


def soft_opening(y: np.ndarray, soft_db: float, until: float) -> np.ndarray:
    """``y`` ``soft_db`` dB softer before ``until`` seconds (a 0.5 s ramp to full level),
    with white noise 70 dB under its peak."""
    t = np.arange(y.size) / SR
    gain_db = np.interp(t, [0.0, until, until + 0.5, t[-1] + 1.0], [-soft_db, -soft_db, 0.0, 0.0])
    noise = 10 ** (-70 / 20) * np.abs(y).max() * np.random.default_rng(1).normal(size=y.size)
    return y * 10 ** (gain_db / 20) + noise


def struck_line(seconds: float, seed: int = 0) -> np.ndarray:
    """Piano-like notes (5 ms attack, decaying over about 1 s), two at a time, every 0.4 s."""
    rng = np.random.default_rng(seed)
    starts = np.arange(0.2, seconds - 1.0, 0.4)
    events = [(s, int(m), 0.3) for s in starts for m in rng.integers(55, 80, 2)]
    return notes(events, seconds)


def test_level_gain_follows_the_dynamics_not_the_notes():
    """A 30 dB softer opening of 12 s is raised, until 6 s before its end, to the level of
    the loud part (its loudest frame within 3 dB of theirs); the loud part, with its decaying
    notes, keeps a gain under 1.5 dB from 6.5 s after the crescendo (the reference looks 3 s
    around and averages over 3 s more); the gain moves by under 0.3 dB a frame (its changes
    make no onsets)."""
    energy = pitch.pitch_energy(soft_opening(struck_line(24.0), 30.0, 12.0), SR, HOP, 2048)
    gain = pitch.level_gain(energy, SR / HOP)
    rate = SR / HOP
    soft, loud = slice(round(1 * rate), round(6 * rate)), slice(round(19 * rate), None)
    level = 10 * np.log10((energy * gain).max(axis=0))
    assert abs(level[soft].max() - level[loud].max()) < 3.0
    assert np.all(10 * np.log10(gain[loud]) < 1.5)
    assert 10 * np.log10(gain[soft]).min() > 25.0
    assert np.abs(np.diff(10 * np.log10(gain))).max() < 0.3


def test_a_soft_opening_has_the_features_of_a_loud_one():
    """The music preset's features of a line whose first 12 s are 30 dB softer match those of
    the same line at full level there (cosine of the chroma rows over the passage, and of the
    onset rows, over 0.95); without the level gain both fall under 0.6."""
    y = struck_line(24.0, seed=3)
    loud = pitch.crp_dlnco(y, SR, HOP)
    soft = pitch.crp_dlnco(soft_opening(y, 30.0, 12.0), SR, HOP)
    part = slice(round(1 * SR / HOP), round(10 * SR / HOP))

    def cosine(a, b):  # of the rows over the whole passage
        return float((a * b).sum() / (np.linalg.norm(a) * np.linalg.norm(b)))

    assert cosine(loud[:12, part], soft[:12, part]) > 0.95
    assert cosine(loud[12:, part], soft[12:, part]) > 0.95
    original = pitch.LEVEL_LIFT_DB
    try:
        pitch.LEVEL_LIFT_DB = 0.0
        unlifted = pitch.crp_dlnco(soft_opening(y, 30.0, 12.0), SR, HOP)
    finally:
        pitch.LEVEL_LIFT_DB = original
    assert cosine(loud[:12, part], unlifted[:12, part]) < 0.6
    assert cosine(loud[12:, part], unlifted[12:, part]) < 0.6


# --- presets ----------------------------------------------------------------------------------


def test_music_likeness_tells_tones_from_speechlike_sound():
    assert music_likeness(notes(MELODY, 3.2), SR) > MUSIC_THRESHOLD + 0.2
    assert music_likeness(tones([261.63, 392.0]), SR) > MUSIC_THRESHOLD  # a fifth
    assert music_likeness(speechlike(), SR) < MUSIC_THRESHOLD
    assert music_likeness(np.zeros(SR), SR) == 0.0
    assert detect_preset([(notes(MELODY, 3.2), SR), (speechlike(), SR)])[0] == "speech"


def steady_voice(seconds: float = 3.0, sr: int = SR) -> np.ndarray:
    """A monotone synthetic voice: a steady 150 Hz buzz (five harmonics) for syllables,
    hiss for the consonants between them: peaked chroma, noisy highs."""
    rng = np.random.default_rng(9)
    t = np.arange(int(seconds * sr)) / sr
    buzz = sum(np.sin(2 * np.pi * 150.0 * k * t) / k for k in range(1, 6))
    syllable = np.sin(2 * np.pi * 4 * t) > -0.7
    hiss = np.diff(rng.normal(size=t.size + 1))  # fricatives: bright noise
    return 0.1 * buzz * syllable + 0.15 * hiss * ~syllable


def test_noisiness_equals_the_flatness_of_the_loud_frames():
    y = steady_voice()
    n_fft, hop = 2048, SR // 100
    padded = np.pad(y, n_fft // 2)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    n = 1 + len(y) // hop
    starts = np.unique(np.linspace(0, n - 1, min(n, 1000)).astype(int)) * hop
    power = np.array([np.abs(np.fft.rfft(padded[s : s + n_fft] * window)) ** 2 for s in starts])
    freqs = np.fft.rfftfreq(n_fft, 1 / SR)
    level = 10 * np.log10(power.sum(axis=1) + 1e-30)
    flat = []
    for row, db in zip(power, level, strict=True):
        if db >= np.percentile(level, 95) - 20:
            band = row[(freqs >= 1000) & (freqs <= 5000)] + 1e-30
            flat.append(np.exp(np.mean(np.log(band))) / np.mean(band))
    assert noisiness(y, SR) == pytest.approx(np.mean(flat), rel=1e-9)
    assert noisiness(np.zeros(SR), SR) == 0.0


def test_a_steady_voice_is_speech_though_its_chroma_is_peaked():
    voice = steady_voice()
    assert MUSIC_THRESHOLD <= music_likeness(voice, SR) < SURE_MUSIC
    assert noisiness(voice, SR) >= NOISE_THRESHOLD
    assert detect_preset([(voice, SR), (voice, SR)])[0] == "speech"
    melody = notes(MELODY, 3.2)
    assert noisiness(melody, SR) < NOISE_THRESHOLD
    assert detect_preset([(melody, SR), (melody, SR)])[0] == "music"


@pytest.fixture()
def wavs(tmp_path, monkeypatch):
    import soundfile

    monkeypatch.chdir(tmp_path)
    soundfile.write("m1.wav", notes(MELODY, 3.2), SR)
    soundfile.write("m2.wav", notes([(1.2 * s, p, a) for s, p, a in MELODY], 3.8), SR)
    soundfile.write("s1.wav", speechlike(2.0), SR)
    soundfile.write("s2.wav", speechlike(2.5), SR)
    return tmp_path


def _meta(path: str) -> dict:
    import json

    return json.loads(Path(path).read_text())


@pytest.mark.parametrize(
    ("files", "extra", "preset", "features", "rate"),
    [
        (("m1.wav", "m2.wav"), (), "music", "crp_dlnco", SR / 147),
        (("s1.wav", "s2.wav"), (), "speech", "logmel_rise", SR / 110),
        (("m1.wav", "m2.wav"), ("--preset", "speech"), "speech", "logmel_rise", SR / 110),
        (("m1.wav", "m2.wav"), ("--preset", "none"), None, "logmel", SR / 512),
        (("m1.wav", "m2.wav"), ("--features", "mfcc"), "music", "mfcc", SR / 147),
        (("m1.wav", "m2.wav"), ("--hop", "512"), "music", "crp_dlnco", SR / 170),
        (("m1.wav", "m2.wav"), ("--refine", "1"), "music", "crp_dlnco", SR / 441),
        (
            ("m1.wav", "m2.wav"),
            ("--preset", "none", "--features", "chroma_dlnco", "--hop", "441", "--refine", "3"),
            None,
            "chroma_dlnco",
            SR / 147,
        ),
        (
            ("m1.wav", "m2.wav"),
            ("--features", "crp_dlnco_fine"),
            "music",
            "crp_dlnco_fine",
            SR / 147,
        ),
    ],
)
def test_warp_applies_the_preset_where_nothing_is_given(wavs, files, extra, preset, features,
                                                        rate):  # fmt: skip
    outcome = cli("warp", *files, "-o", "p.json", *extra)
    assert outcome.code == 0, outcome.stderr
    meta = _meta("p.json")
    assert meta["preset"] == preset
    assert meta["features"] == features
    # the fine pass reads the onset sets with their sooner decays, the others as they are
    fine = {"crp_dlnco": "crp_dlnco_fine", "chroma_dlnco": "chroma_dlnco_fine"}.get(
        features, features
    )
    assert meta["refine_features"] == (fine if meta["refine"] > 1 else None)
    assert meta["a_rate"] == pytest.approx(rate)
    if preset is not None:
        assert f"(preset {preset})" in outcome.stderr
        if "--features" not in extra:
            assert meta["metric"] == PRESETS[preset].metric


def test_the_music_preset_aligns_a_slower_take(wavs):
    outcome = cli("warp", "m1.wav", "m2.wav", "--time-map", "tm.csv", "-q")
    assert outcome.code == 0, outcome.stderr
    _, mapped = read_csv(Path("tm.csv").read_text())
    for start, _, _ in MELODY:
        assert np.interp(start, mapped[:, 0], mapped[:, 1]) == pytest.approx(1.2 * start, abs=0.05)


def test_an_unknown_preset_is_a_usage_error(wavs):
    outcome = cli("warp", "m1.wav", "m2.wav", "--preset", "jazz")
    assert outcome.code == 2
    assert "--preset" in outcome.stderr and "auto" in outcome.stderr
    assert not outcome.stdout


@pytest.mark.parametrize(
    ("files", "extra", "message"),
    [
        (("m1.wav", "m2.wav"), ("--refine", "0"), "--refine 0"),
        (("m1.wav", "m2.wav"), ("--refine", "1000"), "at most the hop"),
        (("m1.wav", "m2.wav"), ("--refine", "2", "--subsequence"), "--subsequence"),
        (("m1.wav", "m2.wav"), ("--refine", "2", "--cross-modal", "ctw"), "--cross-modal"),
        (("m1.wav", "a.npy"), ("--refine", "2"), "two audio files"),
        (("m1.wav", "m2.wav"), ("--interpolation", "cubic"), "runs, steps"),
    ],
)
def test_bad_refinements_are_usage_errors(wavs, files, extra, message):
    np.save("a.npy", np.zeros((20, 24)))
    outcome = cli("warp", *files, "-o", "p.csv", "--time-map", "tm.csv", *extra)
    assert outcome.code == 2, outcome.stderr
    assert message in outcome.stderr and len(outcome.stderr.strip().splitlines()) == 1
    assert not Path("p.csv").exists() and not Path("tm.csv").exists()


def test_the_refined_path_is_at_the_finer_rate_and_its_time_map_has_confidence(wavs):
    outcome = cli("warp", "m1.wav", "m2.wav", "-o", "p.json", "--time-map", "tm.csv", "-q")
    assert outcome.code == 0, outcome.stderr
    meta = _meta("p.json")
    assert meta["refine"] == 3 and meta["a_rate"] == pytest.approx(SR / 147)
    assert meta["solver"] == "full"
    header, mapped = read_csv(Path("tm.csv").read_text())
    assert header == "a_time,b_time,confidence"
    assert mapped.shape[0] == meta["n"]
    assert ((mapped[:, 2] >= 0) & (mapped[:, 2] <= 1)).all() and mapped[:, 2].max() > 0


def test_the_music_preset_goes_coarse_to_fine_on_long_pairs(wavs, monkeypatch):
    import dataclasses

    from seqalign.audio import presets

    music = dataclasses.replace(presets.PRESETS["music"], multiscale_cells=1000)
    monkeypatch.setitem(presets.PRESETS, "music", music)
    for extra, solver in (((), "multiscale"), (("--solver", "full"), "full")):
        outcome = cli("warp", "m1.wav", "m2.wav", "-o", "p.json", *extra)
        assert outcome.code == 0, outcome.stderr
        assert _meta("p.json")["solver"] == solver
