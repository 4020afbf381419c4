"""seqalign.dtw against the naive references in tests/naive.py, over every variant."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import seqalign
from seqalign.errors import InputError, MemoryBudgetError, NoPathError
from seqalign.localcosts import METRICS, cost_matrix
from seqalign.warping.steps import STEP_PATTERNS
from seqalign.warping.windows import WINDOWS
from tests import naive

PATTERNS = sorted(STEP_PATTERNS)
RADIUS = {"none": None, "itakura": None, "sakoechiba": 3, "slantedband": 2}
ENDS = list(itertools.product([False, True], repeat=2))


def _inputs(n, m, d=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((m, d))


@pytest.mark.parametrize(
    ("pattern", "window", "ends"), list(itertools.product(PATTERNS, WINDOWS, ENDS))
)
def test_matches_naive(pattern, window, ends):
    open_begin, open_end = ends
    x, y = _inputs(9, 12, seed=len(pattern))
    C = naive.cost_matrix(x, y, "euclidean")
    pat = STEP_PATTERNS[pattern]
    kwargs = dict(step_pattern=pattern, window=window, radius=RADIUS[window])
    if open_begin and pat.normalization not in ("N", "NA"):
        with pytest.raises(InputError):
            seqalign.dtw(x, y, open_begin=True, open_end=open_end, **kwargs)
        return
    dist, norm, end = naive.dtw_naive(C, pat, window, RADIUS[window], open_begin, open_end)
    if not math.isfinite(dist):
        with pytest.raises(NoPathError):
            seqalign.dtw(x, y, open_begin=open_begin, open_end=open_end, **kwargs)
        return
    a = seqalign.dtw(x, y, open_begin=open_begin, open_end=open_end, **kwargs)
    assert a.distance == pytest.approx(dist, rel=1e-12)
    assert a.end == end
    if math.isnan(norm):
        assert math.isnan(a.normalized_distance)
    else:
        assert a.normalized_distance == pytest.approx(norm, rel=1e-12)
    # the distance-only mode gives the same number
    b = seqalign.dtw(x, y, open_begin=open_begin, open_end=open_end, return_path=False, **kwargs)
    assert b.distance == a.distance and b.path is None
    # the path is monotone, ends where it should and stays in the window
    p = a.path
    assert p[-1].tolist() == [8, a.end]
    assert open_begin or p[0].tolist() == [0, 0]  # an open begin may skip row 0 (typeII)
    assert (np.diff(p, axis=0) >= 0).all() and (np.diff(p, axis=0).sum(axis=1) > 0).all()
    if all(len(cells) == 1 for _, cells in pat.steps):
        # (intermediate cells of longer steps may leave the window, as in dtw-python)
        mask = naive.window_mask(window, 9, 12, RADIUS[window])
        assert mask[p[:, 0], p[:, 1]].all()


@pytest.mark.parametrize(("metric", "d"), list(itertools.product(METRICS, [1, 3, 6])))
def test_metrics_match_naive(metric, d):
    x, y = _inputs(10, 7, d=d, seed=d)
    x[2] = 0.0  # a zero frame (cosine's special case)
    y[4] = 0.0
    C = naive.cost_matrix(x, y, metric)
    np.testing.assert_allclose(cost_matrix(x, y, metric), C, rtol=1e-12, atol=1e-12)
    dist, _, _ = naive.dtw_naive(C, STEP_PATTERNS["symmetric1"])  # the default pattern
    assert seqalign.dtw(x, y, metric=metric).distance == pytest.approx(dist, rel=1e-12)


@pytest.mark.parametrize("pattern", ["symmetric1", "symmetric2", "asymmetric"])
def test_precomputed_cost_equals_features(pattern):
    x, y = _inputs(15, 11)
    a = seqalign.dtw(x, y, step_pattern=pattern, metric="cityblock")
    b = seqalign.dtw(cost=cost_matrix(x, y, "cityblock"), step_pattern=pattern)
    assert b.distance == pytest.approx(a.distance, rel=1e-12)
    np.testing.assert_array_equal(a.path, b.path)


def test_mueller_worked_example():
    # Müller, Fundamentals of Music Processing (2015), sec. 3.2.1: X = (1, 3, 9, 2, 1),
    # Y = (2, 0, 0, 8, 7, 2), c(x, y) = |x - y|, steps (1,0), (0,1), (1,1) unweighted.
    x = np.array([1, 3, 9, 2, 1.0])
    y = np.array([2, 0, 0, 8, 7, 2.0])
    a = seqalign.dtw(x, y, metric="cityblock", step_pattern="symmetric1")
    assert a.distance == 9.0
    C = np.abs(x[:, None] - y[None, :])
    assert naive.path_cost(C, a.path, STEP_PATTERNS["symmetric1"]) == 9.0
    D = naive.dtw_full(C, STEP_PATTERNS["symmetric1"].steps, np.ones(C.shape, bool))
    assert D[-1, -1] == 9.0


frames = st.integers(2, 14).flatmap(
    lambda n: arrays(np.float64, (n, 2), elements=st.floats(-10, 10, width=32))
)


@settings(max_examples=60, deadline=None)
@given(
    x=frames,
    y=frames,
    pattern=st.sampled_from(["symmetric1", "symmetric2"]),
    radius=st.sampled_from([None, 2, 5]),
)
def test_path_cost_is_the_distance(x, y, pattern, radius):
    try:
        a = seqalign.dtw(x, y, step_pattern=pattern, metric="sqeuclidean", radius=radius)
    except NoPathError:
        return
    C = naive.cost_matrix(x, y, "sqeuclidean")
    assert naive.path_cost(C, a.path, STEP_PATTERNS[pattern]) == pytest.approx(
        a.distance, rel=1e-9, abs=1e-9
    )
    steps = np.diff(a.path, axis=0)  # continuous: every move is one of (0,1), (1,0), (1,1)
    assert set(map(tuple, steps.tolist())) <= {(0, 1), (1, 0), (1, 1)}


@settings(max_examples=40, deadline=None)
@given(x=frames, pattern=st.sampled_from(["symmetric1", "symmetric2", "asymmetric"]))
def test_self_distance_is_zero(x, pattern):
    assert seqalign.dtw(x, x, step_pattern=pattern).distance == 0.0


@settings(max_examples=40, deadline=None)
@given(x=frames, y=frames, radius=st.integers(0, 6))
def test_band_never_lowers_the_cost(x, y, radius):
    full = seqalign.dtw(x, y, return_path=False).distance
    try:
        banded = seqalign.dtw(x, y, radius=radius, return_path=False).distance
    except NoPathError:
        return
    assert banded >= full - 1e-9 * max(1.0, full)


def test_band_work_is_proportional_to_its_area():
    x, y = _inputs(2000, 1500, d=1)
    a = seqalign.dtw(x, y, radius=10)
    assert a.cells < 2000 * 21 + 100  # the window's cells only, not n * m


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        (dict(x=np.zeros((0, 2)), y=np.ones((3, 2))), InputError, "x"),
        (dict(x=np.ones((1, 2)), y=np.ones((3, 2))), InputError, "x"),
        (dict(x=np.ones((3, 2)), y=np.ones((3, 3))), InputError, "y"),
        (dict(x=np.ones((3, 2, 2)), y=np.ones((3, 2))), InputError, "x"),
        (dict(x=np.array([1.0, np.nan, 2.0]), y=np.ones(3)), InputError, "x"),
        (dict(x=np.ones(3), y=np.array([1.0, np.inf])), InputError, "y"),
        (dict(x=np.ones(3), y=np.ones(3), metric="manhattan"), InputError, "metric"),
        (dict(x=np.ones(3), y=np.ones(3), step_pattern="nope"), InputError, "step_pattern"),
        (dict(x=np.ones(3), y=np.ones(3), window="diamond"), InputError, "window"),
        (dict(x=np.ones(3), y=np.ones(3), window="sakoechiba"), InputError, "radius"),
        (dict(x=np.ones(3), y=np.ones(3), radius=-1), InputError, "radius"),
        (dict(x=np.ones(10), y=np.ones(30), window="sakoechiba", radius=2), NoPathError, "radius"),
        (dict(x=np.ones(10), y=np.ones(30), step_pattern="asymmetric"), NoPathError, None),
        (dict(x=np.ones(3000), y=np.ones(3000), max_memory=1000), MemoryBudgetError, None),
        (dict(cost=-np.ones((3, 3))), InputError, "cost"),
        (dict(x=np.ones(3), y=np.ones(3), cost=np.ones((3, 3))), InputError, "cost"),
    ],
)
def test_bad_input(kwargs, error, argument):
    with pytest.raises(error) as info:
        seqalign.dtw(**kwargs)
    assert "\n" not in str(info.value)
    if argument is not None:
        assert info.value.argument == argument


def test_distance_only_fits_where_the_path_does_not():
    x, y = _inputs(3000, 3000, d=1)
    with pytest.raises(MemoryBudgetError, match="radius"):
        seqalign.dtw(x, y, max_memory=2_000_000, solver="full")
    assert math.isfinite(seqalign.dtw(x, y, max_memory=2_000_000, return_path=False).distance)
    auto = seqalign.dtw(x, y, max_memory=2_000_000)  # auto: a method that fits
    assert auto.solver in ("linear", "multiscale") and auto.path is not None


def test_time_map_is_monotone_and_in_seconds():
    x, y = _inputs(40, 60, d=1)
    a = seqalign.dtw(x, y)
    a_t, b_t = seqalign.time_map(a.path, a.n, rate_a=10.0, rate_b=20.0, start_b=1.0)
    assert a_t.shape == b_t.shape == (40,)
    assert (np.diff(b_t) >= 0).all()
    assert a_t[-1] == pytest.approx(3.9) and b_t[-1] == pytest.approx(1.0 + 59 / 20)


def test_alignment_to_dict_is_json_safe():
    import json

    a = seqalign.dtw(np.arange(5.0), np.arange(7.0), step_pattern="symmetric1")
    meta = a.to_dict()
    assert meta["normalized_distance"] is None
    json.dumps(meta, allow_nan=False)


@pytest.mark.parametrize(
    ("pattern", "d"), list(itertools.product(["symmetric2", "symmetricP1"], [1, 8]))
)
def test_long_inputs_match_the_precomputed_matrix(pattern, d):
    # long enough for several cost groups and blocks of rows in the kernel
    x, y = _inputs(700, 650, d=d, seed=d)
    a = seqalign.dtw(x, y, step_pattern=pattern, radius=90)
    b = seqalign.dtw(cost=cost_matrix(x, y), step_pattern=pattern, radius=90)
    assert a.distance == pytest.approx(b.distance, rel=1e-12)
    np.testing.assert_array_equal(a.path, b.path)
