"""Skipped pauses (seqalign.audio.pauses, seqalign.warping.skipping): the path expansion
against its naive loop, the pause frames, a one-sided pause on synthetic frames and on
rendered tone bursts through ``seqalign warp``."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from seqalign import dtw
from seqalign.audio.pauses import frame_levels, pause_frames
from seqalign.errors import InputError
from seqalign.warping.skipping import dtw_skipping, expand_path
from tests import naive
from tests.test_cli import assert_warping_path, cli, read_csv

SR = 22050


def _kept(rng, n: int) -> np.ndarray:
    inner = np.flatnonzero(rng.random(n - 2) < 0.6) + 1
    return np.r_[0, inner, n - 1].astype(np.int64)


@pytest.mark.parametrize(("seed", "n", "m"), list(itertools.product(range(4), (2, 9, 30), (2, 14))))
def test_expand_path_matches_naive(seed, n, m):
    rng = np.random.default_rng(seed)
    kept_a, kept_b = _kept(rng, n), _kept(rng, m)
    x = rng.normal(size=(kept_a.size, 2))
    y = rng.normal(size=(kept_b.size, 2))
    path = dtw(x, y).path
    ours = expand_path(path, kept_a, kept_b)
    np.testing.assert_array_equal(ours, naive.expand_path(path, kept_a, kept_b))
    assert_warping_path(ours, n, m)
    assert {tuple(c) for c in np.c_[kept_a[path[:, 0]], kept_b[path[:, 1]]]} <= set(
        map(tuple, ours)
    )


def test_expand_path_refuses_bad_inputs():
    with pytest.raises(InputError, match="increasing"):
        expand_path(np.array([[0, 0], [1, 1]]), np.array([0, 0]), np.array([0, 1]))
    with pytest.raises(InputError, match="beyond"):
        expand_path(np.array([[0, 0], [2, 1]]), np.array([0, 1]), np.array([0, 1]))


def test_pause_frames_mark_the_inside_of_long_silences_only():
    rate = 100.0
    levels = np.r_[np.zeros(30), np.full(10, -60.0), np.zeros(30), np.full(50, -60.0),
                   np.zeros(30)]  # fmt: skip
    skip = pause_frames(levels, rate, min_pause=0.2, edge=0.05)
    assert not skip[:75].any()  # the 0.1 s silence is too short
    np.testing.assert_array_equal(np.flatnonzero(skip), np.arange(75, 115))
    assert not pause_frames(levels, rate, min_pause=0.6).any()
    assert not pause_frames(np.zeros(50), rate).any()  # no silence: the floor is the level


def test_frame_levels_follow_the_signal():
    y = np.r_[np.zeros(SR // 2), 0.5 * np.sin(2 * np.pi * 300 * np.arange(SR) / SR)]
    levels = frame_levels(y, SR, 220)
    assert levels.shape == (1 + y.size // 220,)
    assert levels[10] < -100 and abs(levels[100] - 10 * np.log10(0.125 * 0.375)) < 0.5


# --- a one-sided pause ----------------------------------------------------------------------


def _reading(words: list[np.ndarray], pauses: dict[int, int], rng) -> tuple[np.ndarray, list]:
    """Words back to back (no gap: as in a reverberant room), a pause of ``pauses[k]`` silent
    frames before word ``k``; the frames and each word's first frame."""
    frames, starts = [], []
    for k, word in enumerate(words):
        frames.append(np.full((pauses.get(k, 0), word.shape[1]), -1.0))
        starts.append(sum(len(f) for f in frames))
        frames.append(word)
    data = np.vstack(frames)
    return data + 0.01 * rng.normal(size=data.shape), starts


def test_one_sided_pauses_are_crossed_where_the_other_reader_goes_on():
    rng = np.random.default_rng(3)
    words = [rng.normal(size=(int(rng.integers(15, 30)), 8)) for _ in range(8)]
    slow = [np.repeat(w, 2, axis=0) for w in words]  # B speaks at half the rate
    x, starts_a = _reading(words, {2: 150, 6: 40}, rng)
    y, starts_b = _reading(slow, {4: 200}, rng)
    levels_a = np.where(np.abs(x + 1).max(axis=1) < 0.1, -60.0, 0.0)
    levels_b = np.where(np.abs(y + 1).max(axis=1) < 0.1, -60.0, 0.0)
    skip_a, skip_b = pause_frames(levels_a, 100.0), pause_frames(levels_b, 100.0)
    assert skip_a.sum() == (150 - 10) + (40 - 10)  # 5 frames kept at each end
    assert skip_b.sum() == 200 - 10
    path = dtw_skipping(x, y, skip_a, skip_b, metric="cosine").path
    assert_warping_path(path, len(x), len(y))
    # the last frame of B on the row of each word's start: where B resumes after a pause
    mapped = np.array([path[path[:, 0] == s, 1].max() for s in starts_a])
    np.testing.assert_array_less(np.abs(mapped - starts_b), 2)
    # aligned frame by frame, the pauses of A and B are matched with each other instead
    plain = dtw(x, y, metric="cosine").path
    off = np.array([plain[plain[:, 0] == s, 1].max() for s in starts_a]) - starts_b
    assert np.abs(off).max() > 50


def test_dtw_skipping_refuses_what_the_kept_frames_would_misread():
    x = np.zeros((5, 1))
    keep = np.zeros(5, dtype=bool)
    with pytest.raises(InputError, match="window"):
        dtw_skipping(x, x, keep, keep, window="sakoechiba", radius=2)
    with pytest.raises(InputError, match="skip_a must be 5 booleans"):
        dtw_skipping(x, x, np.zeros(4, dtype=bool), keep)
    with pytest.raises(InputError, match="first and last"):
        dtw_skipping(x, x, np.r_[True, keep[1:]], keep)


# --- through seqalign warp ------------------------------------------------------------------


def _bursts(starts: list[float], seconds: float) -> np.ndarray:
    """Tone bursts of 0.25 s with their own pitches (words), in faint noise (a room)."""
    rng = np.random.default_rng(0)
    y = 1e-4 * rng.normal(size=int(seconds * SR))
    t = np.arange(int(0.25 * SR)) / SR
    for k, start in enumerate(starts):
        burst = 0.3 * np.sin(2 * np.pi * (200 + 90 * k) * t) * np.hanning(t.size) ** 0.2
        y[int(start * SR) : int(start * SR) + t.size] += burst
    return y


@pytest.fixture
def paused(tmp_path, monkeypatch):
    import soundfile

    monkeypatch.chdir(tmp_path)
    a = [0.3 + 0.3 * k for k in range(3)] + [3.2 + 0.3 * k for k in range(5)]  # A pauses 2 s
    b = [0.3 + 0.3 * k for k in range(6)] + [4.6 + 0.3 * k for k in range(2)]  # B pauses 2.5 s
    soundfile.write("a.wav", _bursts(a, 5.0), SR)
    soundfile.write("b.wav", _bursts(b, 5.5), SR)
    return a, b


def test_warp_skips_the_pauses_of_speech(paused):
    a, b = paused
    outcome = cli("warp", "a.wav", "b.wav", "--preset", "speech", "-o", "p.json",
                  "--time-map", "tm.csv", "-q")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    import json

    meta = json.loads(Path("p.json").read_text())
    assert meta["skip_pauses"] == 0.2
    _, mapped = read_csv(Path("tm.csv").read_text())
    np.testing.assert_allclose(np.interp(a, mapped[:, 0], mapped[:, 1]), b, atol=0.03)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--skip-pauses", "-1"), "--skip-pauses -1: give seconds >= 0"),
        (("--skip-pauses", "0.2", "--subsequence"), "not with --cross-modal"),
        (("--skip-pauses", "0.2", "--anchor", "1:1"), "--anchor"),
    ],
)
def test_bad_pause_settings_are_usage_errors(paused, extra, message):
    outcome = cli("warp", "a.wav", "b.wav", "-o", "p.csv", *extra)
    assert outcome.code == 2
    assert message in outcome.stderr
    assert not Path("p.csv").exists()


def test_skip_pauses_needs_two_audio_files(paused):
    np.save("a.npy", np.zeros((20, 4)))
    outcome = cli("warp", "a.npy", "b.wav", "-o", "p.csv", "--skip-pauses", "0.2")
    assert outcome.code == 2 and "needs two audio files" in outcome.stderr
