"""Time maps (runs, steps, confidence) and path refinement against tests/naive.py."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seqalign
from seqalign.errors import InputError
from seqalign.warping.align import time_map
from seqalign.warping.refine import refine, refine_band
from seqalign.warping.steps import STEP_PATTERNS
from seqalign.warping.timemap import confidence, run_index, step_index, time_map_index
from tests import naive

METRICS = ("euclidean", "sqeuclidean", "cityblock", "cosine")


def _inputs(n, m, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((m, d))


def _path(n, m, seed, pattern="symmetric1"):
    x, y = _inputs(n, m, seed=seed)
    return seqalign.dtw(x, y, step_pattern=pattern).path


@pytest.mark.parametrize(("n", "m", "seed"), list(itertools.product((2, 7, 15), (2, 9, 20),
                                                                   range(3))))  # fmt: skip
def test_run_index_matches_naive(n, m, seed):
    path = _path(n, m, seed)
    np.testing.assert_allclose(run_index(path, n), naive.run_index(path, n))


@pytest.mark.parametrize(
    ("n", "m", "seed", "resume"),
    list(itertools.product((2, 7, 15), (2, 9, 40), range(3), (1, 2, 4))),
)
def test_pauses_index_matches_naive(n, m, seed, resume):
    path = _path(n, m, seed)
    np.testing.assert_allclose(run_index(path, n, resume), naive.run_index(path, n, resume))
    np.testing.assert_allclose(time_map_index(path, n, "pauses", resume),
                               naive.run_index(path, n, resume))  # fmt: skip


def test_pauses_index_goes_on_where_b_resumes():
    # row 2 holds a pause of B (columns 2-11); A's row 3 starts a word with B's column 12
    path = np.array([[0, 0], [1, 1], *[[2, j] for j in range(2, 12)], [3, 12], [4, 13]])
    runs, pauses = run_index(path, 5), run_index(path, 5, resume=4)
    assert pauses.tolist() == [0.0, 1.0, 11.0, 12.0, 13.0]
    assert runs[2] == 6.5  # the middle of the pause
    assert np.interp(2.8, np.arange(5), pauses) == pytest.approx(11.8)
    assert np.interp(2.8, np.arange(5), runs) == pytest.approx(10.9)


def test_step_index_is_the_time_map():
    path = _path(12, 17, 1)
    np.testing.assert_array_equal(step_index(path, 12), time_map(path, 12)[1])
    np.testing.assert_array_equal(time_map_index(path, 12, "steps"), step_index(path, 12))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([(1, 0), (0, 1), (1, 1)]), min_size=1, max_size=40))
def test_run_index_properties(moves):
    path = np.cumsum([(0, 0), *moves], axis=0)
    n = int(path[-1, 0]) + 1
    index = run_index(path, n)
    np.testing.assert_allclose(index, naive.run_index(path, n))
    assert (np.diff(index) >= 0).all()
    assert index[0] >= 0 and index[-1] <= path[-1, 1]


def test_run_index_moves_through_a_vertical_run():
    path = np.array([[0, 0], [1, 0], [2, 0], [3, 1], [4, 2]])
    assert run_index(path, 5).tolist() == [0.0, 0.0, 0.5, 1.0, 2.0]
    assert step_index(path, 5).tolist() == [0.0, 0.0, 0.0, 1.0, 2.0]


@pytest.mark.parametrize(("metric", "guard", "reach", "seed"),
                         list(itertools.product(METRICS, (0, 1, 3), (3, 6), range(2))))  # fmt: skip
def test_confidence_matches_naive(metric, guard, reach, seed):
    x, y = _inputs(11, 16, seed=seed)
    path = seqalign.dtw(x, y, metric=metric).path
    got = confidence(x, y, path, metric, guard=guard, reach=reach)
    want = naive.confidence(naive.cost_matrix(x, y, metric), path, guard, reach)
    np.testing.assert_allclose(got, want, atol=1e-12)
    assert ((got >= 0) & (got <= 1)).all()


def test_confidence_is_low_where_the_match_is_ambiguous():
    t = np.linspace(0, 6 * np.pi, 120)
    x = np.stack([np.sin(t), np.cos(t)], axis=1)
    x[20:100] = 0.0  # silence, longer than the reach: every column near it matches equally
    path = seqalign.dtw(x, x).path
    conf = confidence(x, x, path, guard=2, reach=25)
    assert conf[50:70].max() == 0.0
    assert conf[:15].min() > 0.5


def test_confidence_rejects_bad_guard():
    x, y = _inputs(5, 5)
    with pytest.raises(ValueError, match="guard"):
        confidence(x, y, _path(5, 5, 0), guard=4, reach=2)


@pytest.mark.parametrize(("ratio", "radius", "seed"),
                         list(itertools.product((1.0, 2.0, 3.0, 2.5), (0, 1, 3),
                                                range(2))))  # fmt: skip
def test_refine_band_matches_naive(ratio, radius, seed):
    path = _path(6, 8, seed)
    n, m = int(6 * ratio), int(8 * ratio) + 1
    lo, hi = refine_band(path, n, m, ratio, ratio, radius)
    mask = naive.refine_mask(path, n, m, ratio, ratio, radius)
    for k in range(n):
        assert mask[k].nonzero()[0].tolist() == list(range(lo[k], hi[k])), k


@pytest.mark.parametrize(("pattern", "metric", "radius"),
                         list(itertools.product(("symmetric1", "symmetric2", "mrmsdtw"),
                                                ("euclidean", "cosine"), (0, 2))))  # fmt: skip
def test_refine_matches_naive(pattern, metric, radius):
    rng = np.random.default_rng(radius)
    x, y = rng.standard_normal((18, 2)), rng.standard_normal((24, 2))
    coarse = seqalign.dtw(x[::3], y[::3], metric=metric, step_pattern=pattern).path
    got = refine(x, y, coarse, ratio_a=3, radius=radius, metric=metric, step_pattern=pattern)
    mask = naive.refine_mask(coarse, 18, 24, 3.0, 3.0, radius)
    D = naive.dtw_full(naive.cost_matrix(x, y, metric), STEP_PATTERNS[pattern].steps, mask)
    assert got.distance == pytest.approx(D[-1, -1], rel=1e-12)
    assert got.solver == "refined"
    assert mask[got.path[:, 0], got.path[:, 1]].all()


def test_refine_with_a_wide_band_is_the_exact_path():
    x, y = _inputs(30, 40, seed=4)
    coarse = seqalign.dtw(x[::2], y[::2]).path
    exact = seqalign.dtw(x, y)
    got = refine(x, y, coarse, ratio_a=2, radius=40)
    assert got.distance == pytest.approx(exact.distance)
    np.testing.assert_array_equal(got.path, exact.path)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"ratio_a": 0}, "ratio_a"), ({"ratio_a": 2, "ratio_b": float("nan")}, "ratio_b"),
    ({"ratio_a": 2, "radius": -1}, "radius"), ({"ratio_a": 2, "radius": 1.5}, "radius"),
])  # fmt: skip
def test_refine_rejects_bad_arguments(kwargs, match):
    x, y = _inputs(8, 8)
    with pytest.raises(InputError, match=match):
        refine(x, y, _path(4, 4, 0), **kwargs)
