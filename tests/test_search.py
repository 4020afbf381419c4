"""seqalign.search: the UCR cascade against every window's DTW and the greedy exclusion of
tests/naive.py (exact starts and order, ties included), for both local costs (sqeuclidean and
cityblock), streams fed in blocks, threads, several streams, the kernels' bounds and
envelopes, and every bad argument."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seqalign
from seqalign._kernels import ucr
from seqalign.errors import InputError
from seqalign.subsequence import search as api
from seqalign.subsequence.search import StreamSearch, parse_radius, search
from tests import naive


def _walk(seed: int, n: int, d: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).cumsum(axis=0)


METRICS = ("sqeuclidean", "cityblock")


def _expected(query, streams, radius, znorm, k=None, exclusion=None, max_distance=None,
              metric="sqeuclidean"):  # fmt: skip
    m = len(query)
    r = parse_radius(radius, m)
    exclusion = m // 2 if exclusion is None else exclusion
    if k is None and max_distance is None:
        k = 1
    dists = [naive.window_distances(query, s, r, znorm, metric) for s in streams]
    return naive.greedy_matches(dists, k, exclusion, max_distance)


def _check(found, expected, m):
    assert [(int(s), int(t)) for s, t in zip(found.stream, found.start)] == [
        (s, t) for _, s, t in expected
    ]
    np.testing.assert_allclose(found.distance, [d for d, _, _ in expected], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(found.end, found.start + m)
    assert np.all(np.diff(found.distance) >= 0)


CASES = list(itertools.product(METRICS, [True, False], [0, 2, "10%", None], [1, 2], [1, 4]))


@pytest.mark.parametrize(("metric", "znorm", "radius", "d", "k"), CASES)
def test_equals_brute_force_on_random_walks(metric, znorm, radius, d, k):
    stream = _walk(1, 260, d)
    query = stream[40:60] + 0.3 * np.random.default_rng(2).standard_normal((20, d))
    found = search(query, stream, k=k, radius=radius, znorm=znorm, metric=metric)
    _check(found, _expected(query, [stream], radius, znorm, k, metric=metric), 20)
    assert found.metric == metric


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    data=st.lists(st.integers(-4, 4), min_size=12, max_size=90),
    m=st.integers(2, 9),
    k=st.integers(1, 6),
    radius=st.integers(0, 4),
    exclusion=st.integers(0, 12),
    znorm=st.booleans(),
    streams=st.integers(1, 3),
    metric=st.sampled_from(METRICS),
)
def test_property_equals_brute_force(data, m, k, radius, exclusion, znorm, streams, metric):
    """Small integer streams: many exact ties, every exclusion, thresholds reached early."""
    x = np.asarray(data, dtype=float).cumsum() if znorm else np.asarray(data, dtype=float)
    parts = [x[i::streams] for i in range(streams)]
    query = x[:m] + 0.5 if not znorm else x[3 : 3 + m][::-1].copy()
    if len(query) < 2:
        return
    found = search(query, parts, k=k, radius=radius, exclusion=exclusion, znorm=znorm,
                   metric=metric)  # fmt: skip
    _check(found, _expected(query, parts, radius, znorm, k, exclusion, metric=metric), len(query))


@pytest.mark.parametrize(
    ("exclusion", "metric"), list(itertools.product([0, 1, 3, 10, 40], METRICS))
)
def test_exclusion_zone_is_the_greedy_one(exclusion, metric):
    stream = _walk(3, 300)
    query = _walk(4, 16)
    found = search(query, stream, k=6, radius=2, exclusion=exclusion, metric=metric)
    _check(found, _expected(query, [stream], 2, True, 6, exclusion, metric=metric), 16)
    if exclusion:
        starts = np.sort(found.start)
        assert np.all(np.diff(starts) >= exclusion)


@pytest.mark.parametrize("metric", METRICS)
def test_ties_break_by_the_smaller_start(metric):
    """Integer data, raw values: exact ties, between stream positions and streams."""
    rng = np.random.default_rng(5)
    pattern = rng.integers(-3, 4, 8).astype(float)
    noise = rng.integers(-2, 3, 120).astype(float)
    stream = noise.copy()
    for at in (10, 40, 70, 100):
        stream[at : at + 8] = pattern
    other = stream[::-1].copy()
    other[20:28] = pattern
    for k, exclusion in ((3, 4), (8, 4), (5, 0), (12, 8)):
        found = search(pattern, [stream, other], k=k, radius=1, znorm=False, exclusion=exclusion,
                       metric=metric)  # fmt: skip
        _check(found, _expected(pattern, [stream, other], 1, False, k, exclusion,
                                metric=metric), 8)  # fmt: skip
    found = search(pattern, [stream, other], k=5, radius=1, znorm=False, metric=metric)
    assert found.distance[:5].tolist() == [0.0] * 5
    assert list(zip(found.stream.tolist(), found.start.tolist())) == [
        (0, 10), (0, 40), (0, 70), (0, 100), (1, 20)
    ]  # fmt: skip


@pytest.mark.parametrize(("k", "metric"), list(itertools.product([None, 3], METRICS)))
def test_max_distance_gives_every_match_under_it(k, metric):
    stream = _walk(6, 400)
    query = stream[100:124].copy()
    limit = 6.0 if metric == "sqeuclidean" else 12.0
    found = search(query, stream, radius=3, max_distance=limit, k=k, metric=metric)
    expected = _expected(query, [stream], 3, True, k, max_distance=limit, metric=metric)
    _check(found, expected, 24)
    assert np.all(found.distance <= limit)
    assert len(found) > 1


@pytest.mark.parametrize("metric", METRICS)
def test_several_streams_and_short_ones(metric):
    streams = [_walk(7, 150), _walk(8, 10), _walk(9, 200, 1)[:, 0]]
    query = _walk(10, 12)
    found = search(query, streams, k=5, radius=1, metric=metric)
    _check(found, _expected(query, streams, 1, True, 5, metric=metric), 12)
    assert 1 not in found.stream.tolist()  # 10 frames: no window of 12


@pytest.mark.parametrize("metric", METRICS)
def test_constant_windows_normalise_to_zero(metric):
    stream = np.r_[np.zeros(40), _walk(11, 60)[:, 0], np.full(30, 7.0)]
    query = np.r_[np.zeros(5), np.arange(5.0)]
    found = search(query, stream, k=4, radius=2, exclusion=2, metric=metric)
    _check(found, _expected(query, [stream], 2, True, 4, 2, metric=metric), 10)


@pytest.mark.parametrize(("metric", "d"), list(itertools.product(METRICS, [1, 3])))
def test_distance_is_seqalign_dtw_with_the_same_metric(metric, d):
    stream = _walk(12, 200, d)
    query = _walk(13, 30, d)
    found = search(query, stream, k=3, radius=3, znorm=False, exclusion=0, metric=metric)
    for t, dist in zip(found.start.tolist(), found.distance.tolist()):
        reference = seqalign.dtw(query, stream[t : t + 30], metric=metric,
                                 window="sakoechiba", radius=3, return_path=False)  # fmt: skip
        assert dist == pytest.approx(reference.distance, rel=1e-12)


def test_cityblock_is_not_sqeuclidean():
    """The two costs rank windows differently: the metric reaches the kernels."""
    stream = _walk(26, 400)
    query = _walk(27, 20)
    a = search(query, stream, k=5, radius=2, znorm=False)
    b = search(query, stream, k=5, radius=2, znorm=False, metric="cityblock")
    assert a.metric == "sqeuclidean" and b.metric == "cityblock"
    assert a.distance.tolist() != b.distance.tolist()


@pytest.mark.parametrize("metric", METRICS)
def test_pruning_counters_add_up(metric):
    stream = _walk(14, 5000)
    found = search(_walk(15, 64), stream, k=3, radius="5%", metric=metric)
    s = found.stats
    assert s["windows"] == 5000 - 64 + 1
    pruned = sum(s[key] for key in ("lb_kim", "lb_keogh_eq", "lb_keogh_ec", "lb_improved"))
    pruned += s["dtw_abandoned"]
    assert pruned + s["dtw_full"] == s["windows"]
    assert pruned > s["windows"] // 2


@pytest.mark.parametrize(("znorm", "metric"), list(itertools.product([True, False], METRICS)))
def test_wide_bands_use_lb_improved_and_stay_exact(znorm, metric):
    stream = _walk(24, 700)
    query = stream[200:260] + 0.4 * np.random.default_rng(25).standard_normal((60, 1))
    radius = ucr.IMPROVED_RADIUS + 4
    found = search(query, stream, k=3, radius=radius, znorm=znorm, metric=metric)
    _check(found, _expected(query, [stream], radius, znorm, 3, metric=metric), 60)
    assert found.stats["lb_improved"] > 0


@pytest.mark.parametrize(("seed", "metric"), list(itertools.product(range(5), METRICS)))
def test_lb_improved_is_a_lower_bound(seed, metric):
    rng = np.random.default_rng(seed)
    m, r = 40, 6
    q = rng.standard_normal(m).cumsum()
    upper, lower = np.empty((m, 1)), np.empty((m, 1))
    ucr.envelope(q[:, None], r, upper, lower)
    order = np.argsort(-np.abs(q), kind="stable")
    query = (q, upper[:, 0].copy(), lower[:, 0].copy(), order)
    scratch = (np.empty(m), np.empty(m), np.empty(m), np.empty(m, np.int64), np.empty(m, np.int64))
    l1 = metric == "cityblock"
    for _ in range(20):
        x = rng.standard_normal(m).cumsum()
        terms = np.empty(m)
        first = ucr._eq1(query, x, 0, (0.0, 0.0, 1.0), np.inf, terms, l1)
        second = ucr._improved1(query, x, r, np.inf, scratch, l1)
        dtw = naive.BANDED_DTW[metric](q[:, None], x[:, None], r)
        assert first + second <= dtw * (1 + 1e-12)


@pytest.mark.parametrize(
    ("seed", "r", "metric"), list(itertools.product(range(4), [0, 3, 10, 39], METRICS))
)
def test_cumulative_bounds_never_abandon_at_the_true_distance(seed, r, metric):
    """With the threshold at the exact distance, abandoning on the suffix bounds of both
    LB_Keogh passes must not happen: each bound stays below what the path still costs."""
    rng = np.random.default_rng(seed)
    m = 40
    q, x = rng.standard_normal((m, 1)).cumsum(0), rng.standard_normal((m, 1)).cumsum(0)
    qu, ql, xu, xl = (np.empty((m, 1)) for _ in range(4))
    ucr.envelope(q, r, qu, ql)
    ucr.envelope(x, r, xu, xl)
    order = np.arange(m)
    t_eq, t_ec = np.empty(m), np.empty(m)
    none = np.array([[0.0], [0.0], [1.0]])
    l1 = metric == "cityblock"
    ucr.keogh_eq((q, qu, ql, order), x, 0, none, np.inf, t_eq, l1)
    ucr.keogh_ec((q, qu, ql, order), (xu, xl), 0, none, np.inf, t_ec, l1)
    cb = np.empty(m + 1)
    ucr.suffix_bounds(t_eq, t_ec, r, cb)
    rows = np.empty((2, m + 1))
    exact = ucr.banded_dtw(q, x, r, np.zeros(m + 1), np.inf, rows, l1)
    assert exact == pytest.approx(naive.BANDED_DTW[metric](q, x, r), rel=1e-12)
    thr = exact * (1 + 1e-12)
    assert ucr.banded_dtw(q, x, r, cb, thr, rows, l1) == exact
    assert ucr._dtw1(q[:, 0], x[:, 0], r, cb, thr, rows, l1) == exact
    assert ucr._dtw1_pruned(q[:, 0], x[:, 0], r, cb, thr, rows, l1) == exact
    x0 = (0.0, 0.0, 1.0)  # LB_Kim, both LB_Keogh passes: at most the distance
    assert ucr._kim1(q[:, 0], x[:, 0], 0, x0, np.inf, l1) <= thr
    assert ucr.lb_kim(q, x, 0, none, np.inf, l1) <= thr
    assert max(t_eq.sum(), t_ec.sum()) <= thr


@pytest.mark.parametrize(
    ("seed", "r", "metric"), list(itertools.product(range(6), [1, 5, 20], METRICS))
)
def test_pruned_dtw_is_exact_under_the_threshold_and_inf_above(seed, r, metric):
    rng = np.random.default_rng(seed)
    m = 50
    q, x = rng.standard_normal(m).cumsum(), rng.standard_normal(m).cumsum()
    rows = np.empty((2, m + 1))
    zeros = np.zeros(m + 1)
    l1 = metric == "cityblock"
    exact = ucr.banded_dtw(q[:, None], x[:, None], r, zeros, np.inf, rows, l1)
    assert exact == pytest.approx(naive.BANDED_DTW[metric](q[:, None], x[:, None], r), rel=1e-12)
    for scale in (0.3, 0.9, 0.999, 1.0, 1.001, 1.5, 10.0):
        thr = exact * scale
        assert ucr._dtw1(q, x, r, zeros, thr, rows, l1) in (
            (exact,) if exact <= thr else (exact, np.inf)
        )
        got = ucr._dtw1_pruned(q, x, r, zeros, thr, rows, l1)
        assert got == (exact if exact <= thr else np.inf), (scale, got, exact)


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of 2 blocks, so that a few thousand frames cross every kind of boundary."""
    monkeypatch.setattr(api, "PIECE", 2 * ucr.BLOCK)


@pytest.mark.parametrize(
    ("znorm", "d", "metric"),
    [(True, 1, "sqeuclidean"), (False, 1, "sqeuclidean"), (True, 3, "sqeuclidean"),
     (True, 1, "cityblock"), (False, 3, "cityblock")],
)  # fmt: skip
def test_blocks_of_any_size_give_the_same_bits(small_pieces, znorm, d, metric):
    stream = _walk(16, 9000, d) * 50 + 1e4  # an offset: running sums must stay careful
    query = stream[3000:3100] + 5 * np.random.default_rng(17).standard_normal((100, d))
    whole = search(query, stream, k=5, radius="5%", znorm=znorm, metric=metric)
    searcher = StreamSearch(query, k=5, radius="5%", znorm=znorm, metric=metric)
    cuts = np.sort(np.random.default_rng(18).choice(9000, 12, replace=False))
    for block in np.split(stream, cuts):
        searcher.feed(block)
    fed = searcher.result()
    for name in ("start", "end", "distance", "stream"):
        np.testing.assert_array_equal(getattr(fed, name), getattr(whole, name))
    threaded = search(query, stream, k=5, radius="5%", znorm=znorm, n_jobs=2, metric=metric)
    np.testing.assert_array_equal(threaded.distance, whole.distance)
    np.testing.assert_array_equal(threaded.start, whole.start)


@pytest.mark.parametrize("metric", METRICS)
def test_long_stream_equals_brute_force_distances(small_pieces, metric):
    """Past several blocks and pieces (so thresholds travel between segments)."""
    stream = _walk(19, 4600)
    query = stream[2500:2532] + 0.5 * np.random.default_rng(20).standard_normal((32, 1))
    found = search(query, stream, k=4, radius=3, n_jobs=2, metric=metric)
    _check(found, _expected(query, [stream], 3, True, 4, metric=metric), 32)


def test_memory_mapped_stream(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "FEED", 700)
    stream = _walk(21, 3000)
    np.save(tmp_path / "s.npy", stream)
    mapped = np.load(tmp_path / "s.npy", mmap_mode="r")
    query = _walk(22, 40)
    a = search(query, mapped, k=3, radius=4)
    b = search(query, stream, k=3, radius=4)
    np.testing.assert_array_equal(a.start, b.start)
    np.testing.assert_array_equal(a.distance, b.distance)


@pytest.mark.parametrize("r", [0, 1, 3, 20])
def test_streaming_envelope_is_the_window_min_and_max(r):
    x = _walk(23, 50, 2)
    upper, lower = np.empty_like(x), np.empty_like(x)
    ucr.envelope(x, r, upper, lower)
    for p in range(50):
        part = x[max(0, p - r) : p + r + 1]
        np.testing.assert_array_equal(upper[p], part.max(axis=0))
        np.testing.assert_array_equal(lower[p], part.min(axis=0))


def test_exported():
    assert seqalign.search is search
    assert seqalign.SearchResult is api.SearchResult


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"k": 0}, "k"),
        ({"k": 1.5}, "k"),
        ({"radius": -1}, "radius"),
        ({"radius": "5"}, "radius"),
        ({"radius": "150%"}, "radius"),
        ({"exclusion": -2}, "exclusion"),
        ({"max_distance": float("nan")}, "max_distance"),
        ({"max_distance": -1.0}, "max_distance"),
        ({"metric": "euclidean"}, "metric"),
        ({"metric": "cosine"}, "metric"),
        ({"metric": "rbf"}, "metric"),
        ({"metric": None}, "metric"),
    ],
)
def test_bad_arguments(kwargs, argument):
    with pytest.raises(InputError) as caught:
        search(np.arange(10.0), np.arange(100.0), **kwargs)
    assert caught.value.argument == argument
    if argument == "metric":
        assert "sqeuclidean or cityblock" in caught.value.message


def test_metric_names_are_case_insensitive():
    x = _walk(28, 200)
    a = search(x[50:70], x, k=2, radius=2, metric=" CityBlock")
    b = search(x[50:70], x, k=2, radius=2, metric="cityblock")
    assert a.metric == "cityblock"
    np.testing.assert_array_equal(a.distance, b.distance)


def test_bad_inputs():
    with pytest.raises(InputError, match="query"):
        search([1.0], np.arange(100.0))
    with pytest.raises(InputError, match="feature"):
        search(np.zeros((10, 2)), np.zeros((100, 3)))
    bad = np.arange(100.0)
    bad[57] = np.nan
    with pytest.raises(InputError, match=r"stream 0.*NaN.*frame 57"):
        search(np.arange(10.0), bad)
    with pytest.raises(InputError, match="stream"):
        search(np.arange(10.0), [])


def test_radius_in_percent():
    assert parse_radius("5%", 128) == 6
    assert parse_radius("10%", 1024) == 102
    assert parse_radius("100%", 10) == 9
    assert parse_radius(500, 10) == 9
