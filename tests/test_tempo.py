"""B stretched to A's tempo before the DTW (seqalign.audio.tempo, seqalign.warping.stretch):
the sounding span and the stretch against naive loops, and ``seqalign warp`` on two takes of
one tune at different tempos with different lead-ins."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from seqalign.audio import pauses, tempo
from seqalign.audio.tempo import sounding_span, tempo_ratio
from seqalign.warping.stretch import stretch_frames, stretched_length, unstretch_path
from tests import naive
from tests.test_cli import assert_one_line_error, cli, read_csv

SR = 22050


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("sr", [1000, 8000])
def test_sounding_span_matches_naive(seed, sr, monkeypatch):
    rng = np.random.default_rng(seed)
    n = int(sr * rng.uniform(0.5, 3.0))
    signal = 1e-4 * rng.normal(size=n)
    start, stop = sorted(rng.integers(0, n, size=2))
    signal[start:stop] += np.sin(np.arange(stop - start) * 0.3)
    monkeypatch.setattr(tempo, "_CHUNK", 997)  # several chunks, none a whole number of blocks
    ours = sounding_span(signal, sr)
    np.testing.assert_allclose(ours, naive_span(signal, sr))


def naive_span(signal: np.ndarray, sr: float) -> tuple[float, float]:
    return naive.sounding_span(signal, sr, tempo.BLOCK_S, tempo.SPAN_MARGIN_DB,
                               tempo.SPAN_DEPTH_DB, pauses.FLOOR_PERCENTILE,
                               tempo.NOISE_WINDOW_S, tempo.TONAL_DB, tempo.NOISE_RISE_DB,
                               tempo.NOISE_PERCENTILE, TONAL)  # fmt: skip


TONAL = {"frame_s": tempo.TONAL_FRAME_S, "band_hz": tempo.TONAL_BAND_HZ,
         "half_width": tempo.TONAL_MEDIAN_BINS}  # fmt: skip


def _notes(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """Decaying harmonic notes of random pitches (MIDI 55-79), one every 0.25 s."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * sr))
    t = np.arange(int(0.5 * sr)) / sr
    for start in range(0, out.size, sr // 4):
        f = 440.0 * 2 ** ((rng.integers(55, 80) - 69) / 12)
        note = sum(np.sin(2 * np.pi * f * h * t) / h for h in (1, 2, 3, 4)) * np.exp(-6 * t)
        out[start : start + t.size] += note[: out.size - start]
    return out / np.abs(out).max()


def _room_noise(seconds: float, sr: int, db: float, seed: int, color: str = "white"):
    """Noise at ``db`` dB (RMS) under a full-scale sine, white or brown (falling 6 dB an
    octave, as the rumble of a room)."""
    noise = np.random.default_rng(seed).normal(size=int(seconds * sr))
    if color == "brown":  # the amplitude spectrum divided by the frequency (from 20 Hz)
        freqs = np.fft.rfftfreq(noise.size, 1.0 / sr)
        noise = np.fft.irfft(np.fft.rfft(noise) / np.maximum(freqs, 20.0), noise.size)
    return noise / noise.std() * 10 ** (db / 20) / np.sqrt(2)


@pytest.mark.parametrize("sr", [8000, 22050])
@pytest.mark.parametrize("color", ["white", "brown"])
@pytest.mark.parametrize("db", [-30.0, -45.0])
def test_sounding_span_leaves_out_room_noise_at_the_ends(sr, color, db):
    # a take started 2 s early and left running 3 s: room noise 30 or 45 dB under the music,
    # which the level rule alone (silence 40 dB under the loud blocks) keeps at -30 dB
    music = _notes(4.0, sr)
    signal = np.r_[np.zeros(2 * sr), music, np.zeros(3 * sr)]
    signal += _room_noise(signal.size / sr, sr, db, seed=1, color=color)
    start, end = sounding_span(signal, sr)
    assert 1.9 <= start <= 2.0 and 6.0 <= end <= 6.5, (start, end)
    assert (start, end) == pytest.approx(naive_span(signal, sr), abs=1e-9)


def test_sounding_span_of_noise_alone_or_too_short_to_tell_is_the_whole():
    sr = 8000
    noise = _room_noise(3.0, sr, -30.0, seed=5, color="brown")
    assert sounding_span(noise, sr) == (0.0, 3.0)  # noise throughout: nothing to leave out
    short = np.r_[_room_noise(0.2, sr, -40.0, seed=6), _notes(0.15, sr)]  # under two windows
    assert sounding_span(short, sr) == pytest.approx(naive_span(short, sr), abs=1e-9)
    assert sounding_span(short, sr)[1] == pytest.approx(0.35)


def test_tonality_tells_notes_from_noise():
    sr = 22050
    noise = _room_noise(0.2, sr, 0.0, seed=2)
    brown = _room_noise(0.2, sr, 0.0, seed=3, color="brown")
    soft_note = _notes(0.2, sr) * 10 ** (-40 / 20) + 1e-3 * noise  # 20 dB over white noise
    for samples, tonal in [(noise, False), (brown, False), (soft_note, True)]:
        value = tempo.tonality(samples, sr)
        assert (value >= tempo.TONAL_DB) is tonal, value
        assert value == pytest.approx(naive.tonality(samples, sr, **TONAL), abs=1e-9)
    assert tempo.tonality(np.zeros(1000), sr) == 0.0
    assert tempo.tonality(np.ones(10), 100) == 0.0  # no bin in the band


def test_sounding_span_leaves_out_silence_at_the_ends_only():
    sr = 1000
    tone = np.sin(np.arange(2 * sr))
    gap = np.full(sr, 1e-5)
    assert sounding_span(np.r_[gap, tone, gap, tone, gap, gap], sr) == (1.0, 6.0)
    assert sounding_span(tone, sr) == (0.0, 2.0)  # no silence: all of it
    assert sounding_span(np.zeros(3 * sr), sr) == (0.0, 3.0)  # silence: all of it
    assert sounding_span(np.zeros(5), sr) == (0.0, 0.005)  # shorter than a block
    assert sounding_span(np.zeros(0), sr) == (0.0, 0.0)


def test_sounding_span_keeps_a_long_soft_opening():
    # a pianissimo 30 dB under the rest for 40 % of the piece, in noise 80 dB down: found by
    # the timbre corpus with --quiet-db 30, where a depth of 20 dB took it for silence
    sr = 1000
    rng = np.random.default_rng(0)
    soft = 10 ** (-30 / 20) * np.sin(np.arange(4 * sr))
    loud = np.sin(np.arange(6 * sr))
    signal = np.r_[np.zeros(sr // 4), soft, loud, np.zeros(sr // 4)]
    signal += 1e-4 * rng.normal(size=signal.size)
    assert sounding_span(signal, sr) == (0.25, 10.25)
    # the same at 22,050 Hz with notes, over room noise 60 dB under the loud part, after a
    # lead-in of that noise alone: the noise is left out, the soft notes are not
    sr = 22050
    soft, loud = 10 ** (-30 / 20) * _notes(4.0, sr, seed=1), _notes(6.0, sr, seed=2)
    signal = np.r_[np.zeros(sr), soft, loud, np.zeros(sr)]
    signal += _room_noise(signal.size / sr, sr, -60.0, seed=4, color="brown")
    start, end = sounding_span(signal, sr)
    assert 0.9 <= start <= 1.0 and 11.0 <= end <= 11.5, (start, end)


def test_tempo_ratio():
    assert tempo_ratio((0.0, 10.0), (2.0, 17.0)) == 1.5
    assert tempo_ratio((0.0, 10.0), (0.0, 100.0)) == tempo.MAX_RATIO
    assert tempo_ratio((0.0, 100.0), (0.0, 1.0)) == 1.0 / tempo.MAX_RATIO
    assert tempo_ratio((3.0, 3.0), (0.0, 1.0)) == 1.0  # an empty span: no ratio


@pytest.mark.parametrize(("n", "n_frames"), [(2, 2), (2, 7), (9, 4), (30, 31), (31, 30), (5, 12)])
def test_stretch_frames_matches_naive(n, n_frames):
    data = np.random.default_rng(n).normal(size=(n, 3))
    ours = stretch_frames(data, n_frames)
    np.testing.assert_allclose(ours, naive.stretch_frames(data, n_frames), atol=1e-12)
    np.testing.assert_allclose(ours[[0, -1]], data[[0, -1]])  # the ends meet the ends


def test_stretch_frames_of_too_few_frames():
    one = np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(stretch_frames(one, 3), np.repeat(one, 3, axis=0))
    assert stretch_frames(np.zeros((0, 2)), 3).shape == (0, 2)
    assert stretched_length(100, 1.5) == 67 and stretched_length(3, 4.0) == 2


@pytest.mark.parametrize(("n_stretched", "n"), [(10, 10), (10, 4), (4, 10), (50, 31)])
def test_unstretch_path_maps_back_to_every_frame_in_order(n_stretched, n):
    path = np.c_[np.arange(n_stretched), np.arange(n_stretched)]
    back = unstretch_path(path, n_stretched, n)
    assert back[0, 1] == 0 and back[-1, 1] == n - 1
    assert (np.diff(back[:, 1]) >= 0).all() and back[:, 1].max() < n
    np.testing.assert_array_equal(back[:, 0], path[:, 0])  # A's column untouched
    np.testing.assert_array_equal(back[:, 1], np.floor(path[:, 1] * (n - 1) / (n_stretched - 1)
                                                       + 0.5).astype(int))  # fmt: skip


def _tune(onsets: list[float], seconds: float, lead: float) -> np.ndarray:
    """Plucked notes of their own pitches (a tune) from ``lead`` seconds on, in faint noise."""
    rng = np.random.default_rng(len(onsets))
    y = 1e-4 * rng.normal(size=int(seconds * SR))
    pitches = [60, 64, 67, 72, 71, 67, 64, 62, 60, 65, 69, 72]
    for k, start in enumerate(onsets):
        t = np.arange(int(0.6 * SR)) / SR
        f = 440.0 * 2 ** ((pitches[k % len(pitches)] - 69) / 12)
        note = sum(np.sin(2 * np.pi * f * h * t) / h for h in (1, 2, 3)) * np.exp(-4 * t)
        first = int((lead + start) * SR)
        y[first : first + t.size] += 0.2 * note[: y.size - first]
    return y


@pytest.fixture
def takes(tmp_path, monkeypatch):
    import soundfile

    monkeypatch.chdir(tmp_path)
    a = [0.4 * k for k in range(12)]  # 4.8 s of music after a 0.5 s lead-in
    b = [0.6 * k for k in range(12)]  # the same at 2/3 the tempo, after a 2 s lead-in
    soundfile.write("a.wav", _tune(a, 6.0, 0.5), SR)
    soundfile.write("b.wav", _tune(b, 10.5, 2.0), SR)
    return np.array(a) + 0.5, np.array(b) + 2.0


def test_warp_stretches_b_to_a_tempo(takes):
    a, b = takes
    out = cli("warp", "a.wav", "b.wav", "--preset", "music", "-o", "p.json",
              "--time-map", "tm.csv")  # fmt: skip
    assert out.code == 0, out.stderr
    assert "B stretched to A's tempo (B sounds 1.4" in out.stderr  # the summary says so
    meta = json.loads(Path("p.json").read_text())
    # the lead-ins left out; the last note rings as long in both, so a little under 1.5
    assert meta["tempo_stretch"] == pytest.approx(1.45, abs=0.06)
    assert meta["b_rate"] == pytest.approx(meta["a_rate"] / meta["tempo_stretch"], rel=0.01)
    (a0, a1), (b0, b1) = meta["sounding"]  # the lead-ins of 0.5 and 2 s left out
    assert 0.4 <= a0 <= 0.5 and 1.9 <= b0 <= 2.0 and a1 > a0 + 4.4 and b1 > b0 + 6.6
    assert f"A from {a0:.2f} to {a1:.2f} s, B from {b0:.2f} to {b1:.2f} s" in out.stderr
    _, mapped = read_csv(Path("tm.csv").read_text())
    np.testing.assert_allclose(np.interp(a, mapped[:, 0], mapped[:, 1]), b, atol=0.03)


def test_no_match_tempo_and_other_presets_leave_b_as_read(takes):
    out = cli("warp", "a.wav", "b.wav", "--preset", "music", "--no-match-tempo", "-o", "p.json",
              "-q")  # fmt: skip
    assert out.code == 0, out.stderr
    meta = json.loads(Path("p.json").read_text())
    assert meta["tempo_stretch"] is None and meta["b_rate"] == meta["a_rate"]
    assert meta["sounding"] is None
    for preset in ("none", "speech"):
        out = cli("warp", "a.wav", "b.wav", "--preset", preset, "-o", "q.json", "-q")
        assert out.code == 0, out.stderr
        assert json.loads(Path("q.json").read_text())["tempo_stretch"] is None


def test_sounding_spans_are_read_only_when_asked(takes, monkeypatch):
    from seqalign.io import ReadOptions, read_sequence
    from seqalign.io import audio as audio_io

    plain = read_sequence("b.wav", ReadOptions(features="chroma_dlnco", hop_length=441))
    assert plain.sounding is None
    asked = read_sequence("b.wav", ReadOptions(features="chroma_dlnco", hop_length=441,
                                               sounding=True))  # fmt: skip
    assert asked.sounding == pytest.approx(sounding_span(_tune(
        [0.6 * k for k in range(12)], 10.5, 2.0), SR))  # fmt: skip
    np.testing.assert_array_equal(plain.data, asked.data)
    # warp takes the spans (the coarse read of both takes) only where B is stretched
    calls = []
    original = audio_io.sounding_span
    monkeypatch.setattr(audio_io, "sounding_span", lambda *a: calls.append(1) or original(*a))
    for extra, expected in (
        (["--preset", "music"], 2),
        (["--preset", "music", "--no-match-tempo"], 0),
        (["--preset", "speech"], 0),
    ):
        calls.clear()
        out = cli("warp", "a.wav", "b.wav", *extra, "-o", "p.csv", "-q")
        assert out.code == 0, out.stderr
        assert len(calls) == expected, extra


def test_match_tempo_without_refinement_still_gives_a_warping_path(takes):
    a, b = takes
    out = cli("warp", "a.wav", "b.wav", "--preset", "music", "--refine", "1", "-o", "p.csv",
              "--time-map", "tm.csv", "-q")  # fmt: skip
    assert out.code == 0, out.stderr
    _, path = read_csv(Path("p.csv").read_text())
    steps = np.diff(path[:, :2].astype(int), axis=0)
    assert ((steps == 0) | (steps == 1)).all() and (steps.sum(axis=1) > 0).all()
    _, mapped = read_csv(Path("tm.csv").read_text())
    np.testing.assert_allclose(np.interp(a, mapped[:, 0], mapped[:, 1]), b, atol=0.05)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--match-tempo", "--band", "sakoechiba:2s"), "--match-tempo: not with --cross-modal"),
        (("--match-tempo", "--anchor", "1:2"), "--anchor"),
        (("--match-tempo", "--skip-pauses", "0.2"), "not with --skip-pauses 0.2"),
    ],
)
def test_bad_match_tempo_settings_are_usage_errors(takes, extra, message):
    out = cli("warp", "a.wav", "b.wav", "-o", "p.csv", *extra)
    assert_one_line_error(out, message)
    assert not Path("p.csv").exists()


def test_match_tempo_needs_two_audio_files(takes):
    np.save("a.npy", np.zeros((20, 4)))
    out = cli("warp", "a.npy", "b.wav", "-o", "p.csv", "--match-tempo")
    assert_one_line_error(out, "--match-tempo: needs two audio files")


@pytest.mark.parametrize("floor", [0.0, 0.4, 1.3])
def test_with_floor_puts_a_floor_under_the_euclidean_cost(floor):
    from seqalign.warping.stretch import with_floor

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(5, 3))
    xf, yf = with_floor(x, y, floor)
    assert xf.shape == (6, 4) and yf.shape == (5, 4)
    d = np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1))
    df = np.sqrt(((xf[:, None] - yf[None]) ** 2).sum(-1))
    np.testing.assert_allclose(df, np.sqrt(d**2 + floor**2))
    np.testing.assert_array_equal(xf[:, :3], x)  # the features themselves untouched


def test_warp_reports_the_distance_without_the_floor(takes):
    import soundfile

    from seqalign.audio.features import compute_features

    out = cli("warp", "a.wav", "b.wav", "--preset", "music", "-o", "p.json", "-q")
    assert out.code == 0, out.stderr
    meta = json.loads(Path("p.json").read_text())
    path = np.array(meta["path"])
    assert meta["refine_features"] == "crp_dlnco_fine"  # the distance of the fine pass
    features = [
        compute_features(soundfile.read(name)[0], SR, "crp_dlnco_fine", round(SR / meta[rate]))
        for name, rate in (("a.wav", "a_rate"), ("b.wav", "b_rate"))
    ]
    cost = np.linalg.norm(features[0][path[:, 0]] - features[1][path[:, 1]], axis=1)
    assert meta["distance"] == pytest.approx(cost.sum(), rel=1e-9)


@pytest.mark.parametrize(("rows", "cols", "n", "m"),
                         [((0, 5), (0, 5), 5, 5), ((3, 6), (1, 10), 12, 10),
                          ((0, 10), (5, 7), 10, 30), ((7, 9), (0, 30), 9, 30)])  # fmt: skip
def test_join_ends_gives_a_warping_path_of_the_whole(rows, cols, n, m):
    from seqalign import dtw
    from seqalign.warping.stretch import join_ends
    from tests.test_cli import assert_warping_path

    rng = np.random.default_rng(n + m)
    part = dtw(rng.normal(size=(rows[1] - rows[0], 2)), rng.normal(size=(cols[1] - cols[0], 2)))
    middle = part.path + np.array([rows[0], cols[0]])
    whole = join_ends(middle, n, m)
    assert_warping_path(whole, n, m)
    start = int(np.flatnonzero((whole == middle[0]).all(axis=1))[0])
    np.testing.assert_array_equal(whole[start : start + len(middle)], middle)  # kept as it is


def test_sounding_frames():
    from seqalign.warping.stretch import sounding_frames

    assert sounding_frames((2.0, 5.0), 10.0, 80) == (15, 56)  # 0.5 s margins
    assert sounding_frames((0.0, 5.0), 10.0, 40) == (0, 40)  # clipped to the frames
    assert sounding_frames((3.0, 3.1), 10.0, 40, margin=0.0) == (30, 32)
    assert sounding_frames((3.0, 3.0), 10.0, 40, margin=0.0) == (0, 40)  # under 2: all
    assert sounding_frames((9.0, 9.5), 10.0, 40, margin=0.0) == (0, 40)  # beyond: all of them
