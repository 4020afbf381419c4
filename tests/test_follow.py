"""The follower (:class:`seqalign.Follower`, online time warping) and its causal features."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from seqalign import Follower, InputError
from seqalign.following.features import StreamingFeatures, reference_features
from tests.naive import oltw_naive

RATE = 50.0


def _music(n: int, d: int = 12, seed: int = 0) -> np.ndarray:
    """A reference that never repeats itself: smoothed noise, about 4 events a second."""
    rng = np.random.default_rng(seed)
    steps = rng.random((n // 12 + 2, d)) ** 4
    x = np.repeat(steps, 12, axis=0)[:n]
    return x + 0.02 * rng.standard_normal((n, d))


def _warp(ref: np.ndarray, tempo: np.ndarray, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The live stream played at ``tempo`` (reference frames per live frame, per live frame)
    and the true reference position of each live frame."""
    where = np.cumsum(tempo) - tempo[0]
    where = where[where <= len(ref) - 1]
    live = ref[np.round(where).astype(int)]
    noise = 0.02 * np.random.default_rng(seed).standard_normal(live.shape)
    return live + noise, where


CASES = [
    (*case, *variant)
    for case in itertools.product(
        ["euclidean", "cityblock", "sqeuclidean", "cosine"],
        [(1.0, 1.0, 1.0), (2.0, 1.0, 3.0)],
        [1, 4],
        [8, 100],
        [0, 5],
    )
    for variant in (("cells", None), ("weights", None), ("cells", 3))
]


@pytest.mark.parametrize(
    ("metric", "weights", "max_run", "window", "start", "normalise", "max_step"), CASES
)
def test_kernel_equals_the_naive_loop(metric, weights, max_run, window, start, normalise,
                                      max_step):  # fmt: skip
    rng = np.random.default_rng(max_run * 7 + window + start)
    ref = rng.normal(size=(40, 3)).cumsum(0)
    live = ref[np.minimum(np.arange(50) * 3 // 4, 39)] + 0.5 * rng.normal(size=(50, 3)).cumsum(0)
    follower = Follower(ref, metric=metric, weights=weights, max_run=max_run, window=window,
                        rate=1.0, start=start, reanchor=False, normalise=normalise,
                        max_step=max_step)  # fmt: skip
    got = follower.update(live)
    want = oltw_naive(ref, live, metric, weights, max_run, window, start, normalise, max_step)
    assert got.tolist() == want.tolist()


def test_tracks_a_time_warped_performance():
    ref = _music(3000)
    tempo = 1.0 + 0.3 * np.sin(np.linspace(0, 6, 4000))  # 0.7x to 1.3x
    live, truth = _warp(ref, tempo)
    positions = Follower(ref).update(live)
    error = np.abs(positions - truth)
    assert np.mean(error <= 3) > 0.95  # within 60 ms at 50 frames per second
    assert np.max(error[50:]) <= 10


def test_agrees_with_the_offline_path_on_an_easy_pair():
    from seqalign import dtw

    ref = _music(1500, seed=3)
    live, _ = _warp(ref, np.full(2000, 0.8), seed=4)
    path = dtw(ref, live, metric="cityblock").path
    offline = np.interp(np.arange(len(live)), path[:, 1], path[:, 0])
    positions = Follower(ref, metric="cityblock").update(live)
    assert np.mean(np.abs(positions - offline) <= 2) > 0.9


def test_the_same_positions_whatever_the_blocks():
    ref = _music(2000, seed=5)
    live, _ = _warp(ref, np.full(3000, 1.1), seed=6)
    live = np.r_[live[:500], live[1000:]]  # a skip: re-anchoring happens inside blocks too
    one = Follower(ref)
    single = np.concatenate([one.update(live[k]) for k in range(len(live))])
    confidences = []
    blocks = Follower(ref)
    rng = np.random.default_rng(0)
    cuts = np.unique(np.r_[0, rng.integers(1, len(live), 40), len(live)])
    parts = []
    for a, b in itertools.pairwise(cuts):
        parts.append(blocks.update(live[a:b]))
        confidences.append(blocks.confidences)
    assert np.concatenate(parts).tolist() == single.tolist()
    assert blocks.jumps == one.jumps and one.reanchors >= 1
    assert np.concatenate(confidences).shape == (len(live),)


def test_from_time_starts_mid_reference():
    ref = _music(3000, seed=7)
    live, truth = _warp(ref[1000:], np.full(1000, 1.0), seed=8)
    follower = Follower(ref, from_time=20.0)  # frame 1000
    positions = follower.update(live)
    assert positions[0] == 1000
    assert np.mean(np.abs(positions - (truth + 1000)) <= 2) > 0.95
    same = Follower(ref, start=1000).update(live)
    assert same.tolist() == positions.tolist()


@pytest.mark.parametrize("kind", ["skip", "repeat"])
def test_recovers_from_a_skipped_or_repeated_passage(kind):
    """The rule of the docstring: followed again (within 3 frames) less than 8 s after
    the cut, and stays so."""
    ref = _music(4000, seed=9)
    live, truth = _warp(ref, np.full(5000, 1.0), seed=10)
    cut, gap = 1200, 500  # 10 s
    if kind == "skip":
        live = np.r_[live[:cut], live[cut + gap :]]
        truth = np.r_[truth[:cut], truth[cut + gap :]]
    else:
        live = np.r_[live[: cut + gap], live[cut:]]
        truth = np.r_[truth[: cut + gap], truth[cut:]]
        cut += gap
    follower = Follower(ref)
    positions = follower.update(live)
    error = np.abs(positions - truth)
    assert np.mean(error[:cut] <= 3) > 0.97
    back = cut + int(8 * RATE)
    assert np.all(error[back:] <= 3), np.flatnonzero(error[back:] > 3)[:5]
    assert follower.reanchors >= 1


def test_no_jump_without_a_clear_winner():
    ref = _music(2000, seed=11)
    live, _ = _warp(ref, np.full(2000, 0.9), seed=12)
    follower = Follower(ref)
    follower.update(live)
    assert follower.reanchors == 0


def test_memory_does_not_grow_with_the_stream():
    ref = _music(1000, seed=13)
    follower = Follower(ref, window=4.0)
    arrays = [id(a) for a in follower._state]
    follower.update(ref[:100])
    size = follower.state_size
    rng = np.random.default_rng(0)
    for _ in range(20):
        follower.update(ref[rng.integers(0, 1000, 500)])
    assert follower.state_size == size == 6 * 200 + 3 * 200 + 9 + 1 + 200 * 12
    assert [id(a) for a in follower._state] == arrays
    assert follower.stats.frames == 10_100
    assert follower.stats.memory_cells == size


def test_stats_measure_latency():
    ref = _music(500, seed=14)
    follower = Follower(ref)
    for k in range(100):
        follower.update(ref[k])
    stats = follower.finish()
    assert stats.frames == 100
    assert 0 < stats.mean_latency <= stats.max_latency < 1.0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"metric": "rbf"}, "metrics"),
        ({"start": 5000}, "past the reference"),
        ({"start": 1, "from_time": 1.0}, "not both"),
        ({"window": 0}, "window"),
        ({"max_run": 0}, "max_run"),
        ({"weights": (1.0, 0.0, 1.0)}, "weights"),
        ({"rate": float("nan")}, "rate"),
    ],
)
def test_bad_settings(kwargs, words):
    with pytest.raises(InputError, match=words):
        Follower(_music(100), **kwargs)


def test_bad_frames():
    follower = Follower(_music(100))
    with pytest.raises(InputError, match="12 features"):
        follower.update(np.zeros((3, 5)))
    with pytest.raises(InputError, match="finite"):
        follower.update(np.full((1, 12), np.nan))
    assert follower.update(np.zeros((0, 12))).shape == (0,)


# -- causal features --------------------------------------------------------------------------


def _tones(sr: int, seconds: float) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    notes = 220.0 * 2 ** (np.floor(t * 4) % 12 / 12)
    return 0.3 * np.sin(2 * np.pi * np.cumsum(notes) / sr) * (0.6 + 0.4 * np.cos(8 * np.pi * t))


@pytest.mark.parametrize(("name", "hop"), [("chroma_dlnco", 441), ("chroma_tuned", 441),
                                           ("crp_dlnco", 441), ("logmel", 220)])  # fmt: skip
def test_streaming_features_do_not_depend_on_the_blocks(name, hop):
    sr = 22050
    y = _tones(sr, 3.0)
    whole, tuning = reference_features(y, sr, name, hop)
    assert whole.shape == (1 + len(y) // hop, {"chroma_dlnco": 24, "chroma_tuned": 12,
                                               "crp_dlnco": 24, "logmel": 64}[name])  # fmt: skip
    stream = StreamingFeatures(name, sr, hop, tuning)
    rng = np.random.default_rng(0)
    cuts = np.unique(np.r_[0, rng.integers(1, len(y), 60), len(y)])
    rows = [stream.push(y[a:b]) for a, b in itertools.pairwise(cuts)] + [stream.flush()]
    np.testing.assert_allclose(np.concatenate(rows), whole, atol=1e-9)


def test_streaming_chroma_is_close_to_warps():
    from seqalign.audio.features import compute_features

    sr = 22050
    y = _tones(sr, 4.0)
    causal, _ = reference_features(y, sr, "chroma_dlnco", 441)
    offline = compute_features(y, sr, "chroma_dlnco", 441)
    # the chroma rows differ only by the log compression's running maximum
    assert np.corrcoef(causal[:, :12].ravel(), offline[:, :12].ravel())[0, 1] > 0.95


def test_streaming_crp_is_close_to_warps():
    from seqalign.audio.features import compute_features

    sr = 22050
    y = _tones(sr, 4.0)
    causal, _ = reference_features(y, sr, "crp_dlnco", 441)
    offline = compute_features(y, sr, "crp_dlnco", 441)
    # CRP's log compression uses the largest energy so far instead of the recording's
    assert np.corrcoef(causal[:, :12].ravel(), offline[:, :12].ravel())[0, 1] > 0.99
    assert np.allclose(np.linalg.norm(causal[5:, :12], axis=1), 1.0)


def test_streaming_features_refuse_other_sets():
    with pytest.raises(InputError, match="chroma_dlnco"):
        StreamingFeatures("mfcc", 22050, 512)


def test_the_onset_weight_comes_from_the_reference_and_scales_the_onset_rows():
    """A struck reference keeps the full onset weight; a swelling, trembling one (sung or
    bowed) under half of it; the weight scales the onset rows of the causal features and
    nothing else."""
    from seqalign.following.features import FOLLOW_ONSET_WEIGHT, reference_onset_weight
    from tests.test_pitch import legato_line

    sr = 22050
    struck, sung = legato_line(0.01, 0.0), legato_line(0.25, 0.6)
    assert reference_onset_weight(struck, sr, "crp_dlnco", 441) == FOLLOW_ONSET_WEIGHT
    weight = reference_onset_weight(sung, sr, "crp_dlnco", 441)
    assert 0.0 <= weight < 0.5 * FOLLOW_ONSET_WEIGHT
    assert reference_onset_weight(sung, sr, "logmel", 220) == FOLLOW_ONSET_WEIGHT
    full, tuning = reference_features(struck, sr, "crp_dlnco", 441)
    half, same = reference_features(struck, sr, "crp_dlnco", 441, onset_weight=0.5,
                                    tuning=tuning)  # fmt: skip
    assert same == tuning
    np.testing.assert_allclose(half[:, :12], full[:, :12])
    np.testing.assert_allclose(half[:, 12:], 0.5 * full[:, 12:] / FOLLOW_ONSET_WEIGHT)
