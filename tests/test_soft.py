"""seqalign.soft.api: soft-DTW, its gradients, the sharp variant and the divergences, against the
naive references in tests/naive.py, finite differences, tslearn, and their properties.

Definitions shared with tslearn: ``tslearn.metrics.soft_dtw`` is soft-DTW on the *squared*
Euclidean cost with the symmetric1 steps (our default ``metric="sqeuclidean"``), and
``soft_dtw_alignment`` returns the expected alignment ``E`` (its gradient with respect to the
cost matrix); ``sakoe_chiba_radius=r`` is our ``window="sakoechiba", radius=r``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import seqalign
from seqalign._kernels import softmath
from seqalign.errors import InputError, MemoryBudgetError, NoPathError
from seqalign.localcosts import METRICS
from seqalign.warping.windows import WINDOWS
from tests import naive

GAMMAS = [0.01, 0.3, 1.0, 10.0]
RADIUS = {"none": None, "itakura": None, "sakoechiba": 3, "slantedband": 2}


def _walks(n, m, d=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).cumsum(0), rng.standard_normal((m, d)).cumsum(0)


def _close(a, b, rtol=1e-10, atol=1e-10):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# -- the vectorisable exp and log -----------------------------------------------------------


def test_exp_is_within_one_ulp_and_flushes_to_zero():
    rng = np.random.default_rng(1)
    x = np.concatenate([-rng.exponential(5.0, 200_000), -rng.uniform(0, 708, 50_000), [0.0]])
    out = np.empty_like(x)
    softmath.exp_array(x, out)
    ref = np.exp(x)
    assert (np.abs(out - ref) <= np.spacing(ref)).all()
    edge = np.array([-708.5, -1e4, -np.inf, np.nan])
    softmath.exp_array(edge, out[:4])
    assert (out[:4] == 0.0).all()


def test_log1p_is_within_two_ulp_on_its_range():
    rng = np.random.default_rng(2)
    s = np.concatenate([rng.uniform(0, 2, 200_000), rng.exponential(1e-6, 10_000), [0, 0.5, 2]])
    out = np.empty_like(s)
    softmath.log1p_array(s, out)
    ref = np.log1p(s)
    assert (np.abs(out - ref) <= 2 * np.spacing(np.maximum(ref, 1e-300))).all()
    assert out[-3] == 0.0


# -- values, alignments and gradients against the naive recursion ----------------------------


@pytest.mark.parametrize(("metric", "gamma"), list(itertools.product(METRICS, GAMMAS)))
def test_matches_naive(metric, gamma):
    x, y = _walks(9, 7, seed=len(metric))
    x[3] = 0.0  # a zero frame: cosine's special case
    C = naive.cost_matrix(x, y, metric)
    r = seqalign.soft_dtw(x, y, gamma=gamma, metric=metric, gradient=True, alignment=True)
    E = naive.soft_alignment(C, gamma)
    assert r.value == pytest.approx(naive.soft_dtw_value(C, gamma), rel=1e-12, abs=1e-12)
    _close(r.alignment, E, rtol=1e-9, atol=1e-12)
    gx, gy = naive.cost_gradients(x, y, E, metric)
    _close(r.gradient_x, gx, atol=1e-9)
    _close(r.gradient_y, gy, atol=1e-9)
    # the value alone (O(n) memory) is the same
    assert seqalign.soft_dtw(x, y, gamma=gamma, metric=metric).value == pytest.approx(r.value)


@pytest.mark.parametrize("gamma", [0.1, 1.0])
def test_the_recursion_is_the_soft_minimum_over_every_path(gamma):
    x, y = _walks(5, 4, seed=3)
    C = naive.cost_matrix(x, y, "sqeuclidean")
    value, E = naive.soft_dtw_by_paths(C, gamma)
    r = seqalign.soft_dtw(cost=C, gamma=gamma, gradient=True, alignment=True)
    assert r.value == pytest.approx(value, rel=1e-12)
    _close(r.alignment, E, atol=1e-12)
    _close(r.gradient_cost, E, atol=1e-12)


@pytest.mark.parametrize(("window", "gamma"), list(itertools.product(WINDOWS, [0.2, 2.0])))
def test_windows_match_the_naive_mask(window, gamma):
    x, y = _walks(12, 14, seed=5)
    C = naive.cost_matrix(x, y, "sqeuclidean")
    mask = naive.window_mask(window, 12, 14, RADIUS[window])
    r = seqalign.soft_dtw(x, y, gamma=gamma, window=window, radius=RADIUS[window],
                          gradient=True, alignment=True)  # fmt: skip
    assert r.value == pytest.approx(naive.soft_dtw_value(C, gamma, mask), rel=1e-12)
    E = naive.soft_alignment(C, gamma, mask)
    _close(r.alignment, E, atol=1e-12)
    assert (r.alignment[~mask] == 0).all()
    _close(r.gradient_x, naive.cost_gradients(x, y, E, "sqeuclidean")[0], atol=1e-9)


def test_work_is_proportional_to_the_band():
    x, y = _walks(400, 400, seed=6)
    full = seqalign.soft_dtw(x, y)
    band = seqalign.soft_dtw(x, y, window="sakoechiba", radius=10)
    assert band.cells == sum(min(i + 11, 400) - max(i - 10, 0) for i in range(400))
    assert band.cells < full.cells / 15
    assert band.value >= full.value  # fewer paths: a larger soft minimum


def _finite_differences(f, a, h=1e-6):
    grad = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[index] += h
        down[index] -= h
        grad[index] = (f(up) - f(down)) / (2 * h)
    return grad


@pytest.mark.parametrize(
    ("metric", "sharp"), list(itertools.product(["sqeuclidean", "euclidean", "cosine"], [0, 1]))
)
def test_gradients_match_finite_differences(metric, sharp):
    x, y = _walks(6, 5, d=3, seed=7)
    options = {"gamma": 0.7, "metric": metric, "sharp": bool(sharp)}
    r = seqalign.soft_dtw(x, y, gradient=True, **options)
    fx = _finite_differences(lambda a: seqalign.soft_dtw(a, y, **options).value, x)
    fy = _finite_differences(lambda b: seqalign.soft_dtw(x, b, **options).value, y)
    _close(r.gradient_x, fx, rtol=1e-6, atol=1e-6)
    _close(r.gradient_y, fy, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("sharp", [False, True])
def test_cost_gradient_matches_finite_differences(sharp):
    x, y = _walks(5, 6, seed=8)
    C = naive.cost_matrix(x, y, "euclidean")
    r = seqalign.soft_dtw(cost=C, gamma=0.5, sharp=sharp, gradient=True)
    fd = _finite_differences(lambda c: seqalign.soft_dtw(cost=c, gamma=0.5, sharp=sharp).value, C)
    _close(r.gradient_cost, fd, rtol=1e-6, atol=1e-7)
    assert r.gradient_x is None


@pytest.mark.parametrize("gamma", [0.1, 1.0, 5.0])
def test_sharp_value_is_the_cost_of_the_expected_alignment(gamma):
    x, y = _walks(8, 6, seed=9)
    C = naive.cost_matrix(x, y, "sqeuclidean")
    r = seqalign.soft_dtw(x, y, gamma=gamma, sharp=True, alignment=True)
    assert r.value == pytest.approx(naive.sharp_value(C, gamma), rel=1e-11)
    _close(r.alignment, naive.soft_alignment(C, gamma), atol=1e-12)
    # soft-DTW = sharp - gamma * entropy <= sharp
    assert seqalign.soft_dtw(x, y, gamma=gamma).value <= r.value


@pytest.mark.parametrize("metric", METRICS)
def test_tends_to_dtw_as_gamma_goes_to_zero(metric):
    x, y = _walks(30, 40, seed=10)
    exact = seqalign.dtw(x, y, metric=metric, step_pattern="symmetric1").distance
    gaps = [abs(seqalign.soft_dtw(x, y, gamma=g, metric=metric).value - exact)
            for g in (1.0, 0.1, 0.01, 1e-4)]  # fmt: skip
    assert gaps == sorted(gaps, reverse=True)
    # the soft minimum is within gamma * log(number of paths) below the minimum
    assert gaps[-1] <= 1e-4 * (70 * math.log(3)) + 1e-9 * exact
    # sharp soft-DTW is the expected cost of a path: the DTW cost once gamma is far below the
    # cost differences between paths
    sharp = seqalign.soft_dtw(x, y, gamma=1e-7 * exact, metric=metric, sharp=True).value
    assert sharp == pytest.approx(exact, rel=1e-9)


def test_long_inputs_stay_finite_and_accurate():
    x, y = _walks(3000, 2000, d=1, seed=11)
    r = seqalign.soft_dtw(x, y, gamma=0.01, window="slantedband", radius=100, gradient=True)
    assert math.isfinite(r.value) and np.isfinite(r.gradient_x).all()
    exact = seqalign.dtw(x, y, metric="sqeuclidean", window="slantedband", radius=100)
    assert r.value == pytest.approx(exact.distance, rel=1e-3)


# -- peers: tslearn on shared definitions -----------------------------------------------------


@pytest.mark.parametrize(("gamma", "radius"), list(itertools.product([0.1, 1.0], [None, 4])))
def test_tslearn_alignments_and_gradients(gamma, radius):
    tsm = pytest.importorskip("tslearn.metrics")
    x, y = _walks(20, 20, d=3, seed=12)
    window = None if radius is None else "sakoechiba"
    kwargs = {} if radius is None else {"global_constraint": "sakoe_chiba",
                                        "sakoe_chiba_radius": radius}  # fmt: skip
    ours = seqalign.soft_dtw(x, y, gamma=gamma, window=window, radius=radius, gradient=True,
                             alignment=True)  # fmt: skip
    E, value = tsm.soft_dtw_alignment(x, y, gamma=gamma, **kwargs)
    assert ours.value == pytest.approx(value, rel=1e-12)
    _close(ours.alignment, E, atol=1e-12)
    gx = 2 * (E.sum(1)[:, None] * x - E @ y)  # the squared Euclidean cost's chain rule
    _close(ours.gradient_x, gx, atol=1e-8)


def test_tslearn_soft_dtw_value():
    """One call: tslearn compiles its generic soft_dtw for about 10 s."""
    tsm = pytest.importorskip("tslearn.metrics")
    x, y = _walks(30, 25, d=2, seed=18)
    for gamma in (0.01, 1.0, 100.0):
        ours = seqalign.soft_dtw(x, y, gamma=gamma).value
        assert ours == pytest.approx(tsm.soft_dtw(x, y, gamma=gamma), rel=1e-12)


def test_tslearn_pairwise():
    tsm = pytest.importorskip("tslearn.metrics")
    rng = np.random.default_rng(13)
    X = rng.standard_normal((6, 15, 2)).cumsum(1)
    Y = rng.standard_normal((4, 15, 2)).cumsum(1)
    _close(seqalign.pairwise_soft_dtw(X, Y, gamma=0.5), tsm.cdist_soft_dtw(X, Y, gamma=0.5),
           rtol=1e-12)  # fmt: skip


# -- the divergence ---------------------------------------------------------------------------

sequences = arrays(
    np.float64,
    st.tuples(st.integers(2, 8), st.just(2)),
    elements=st.floats(-5, 5, allow_nan=False, width=64),
)


@settings(max_examples=40, deadline=None)
@given(x=sequences, y=sequences, gamma=st.sampled_from([0.1, 1.0, 3.0]), sharp=st.booleans())
def test_divergence_properties(x, y, gamma, sharp):
    d = seqalign.soft_dtw_divergence(x, y, gamma=gamma, sharp=sharp)
    scale = 1e-12 * (abs(d.self_values[0]) + abs(d.self_values[1]) + 1)
    assert d.value >= -scale
    assert seqalign.soft_dtw_divergence(x, x, gamma=gamma, sharp=sharp).value == 0.0
    assert d.value == pytest.approx(
        seqalign.soft_dtw_divergence(y, x, gamma=gamma, sharp=sharp).value, abs=scale
    )


@pytest.mark.parametrize(("metric", "sharp"), list(itertools.product(METRICS, [False, True])))
def test_divergence_value_and_gradient(metric, sharp):
    x, y = _walks(6, 5, d=2, seed=14)
    d = seqalign.soft_dtw_divergence(x, y, gamma=0.5, metric=metric, sharp=sharp, gradient=True)
    if not sharp:
        assert d.value == pytest.approx(naive.soft_dtw_divergence_value(x, y, 0.5, metric))
    assert d.kind == ("sharp soft-DTW divergence" if sharp else "soft-DTW divergence")
    if metric == "cityblock":
        return  # not differentiable where two features are equal; value only
    options = {"gamma": 0.5, "metric": metric, "sharp": sharp}
    fx = _finite_differences(lambda a: seqalign.soft_dtw_divergence(a, y, **options).value, x)
    fy = _finite_differences(lambda b: seqalign.soft_dtw_divergence(x, b, **options).value, y)
    _close(d.gradient_x, fx, rtol=1e-6, atol=1e-6)
    _close(d.gradient_y, fy, rtol=1e-6, atol=1e-6)


def test_divergence_gradient_vanishes_at_equality():
    x, _ = _walks(10, 2, seed=15)
    d = seqalign.soft_dtw_divergence(x, x.copy(), gradient=True)
    assert d.value == 0.0
    _close(d.gradient_x, 0.0, atol=1e-9)


# -- pairwise --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("divergence", "sharp", "window"),
    list(itertools.product([False, True], [False, True], ["none", "slantedband"])),
)
def test_pairwise_matches_one_pair_at_a_time(divergence, sharp, window):
    rng = np.random.default_rng(16)
    X = [rng.standard_normal((int(rng.integers(6, 12)), 2)).cumsum(0) for _ in range(5)]
    radius = RADIUS[window]
    one = seqalign.soft_dtw_divergence if divergence else seqalign.soft_dtw
    expected = np.array([[one(a, b, gamma=0.5, sharp=sharp, window=window, radius=radius).value
                          for b in X] for a in X])  # fmt: skip
    got = seqalign.pairwise_soft_dtw(X, gamma=0.5, divergence=divergence, sharp=sharp,
                                     window=window, radius=radius, n_jobs=2)  # fmt: skip
    _close(got, expected, rtol=1e-12, atol=1e-12)
    cross = seqalign.pairwise_soft_dtw(X[:2], X[2:], gamma=0.5, divergence=divergence,
                                       sharp=sharp, window=window, radius=radius)  # fmt: skip
    _close(cross, expected[:2, 2:], rtol=1e-12, atol=1e-12)


def test_pairwise_accepts_arrays_and_univariate_lists():
    X = np.random.default_rng(17).standard_normal((4, 9))  # (n_series, frames): univariate
    M = seqalign.pairwise_soft_dtw(X, n_jobs=1)
    assert M.shape == (4, 4)
    assert M[1, 2] == seqalign.soft_dtw(X[1], X[2]).value
    _close(seqalign.pairwise_soft_dtw(list(X)), M, rtol=1e-15)


# -- float32: values only ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "d", "window"), list(itertools.product(METRICS, [1, 5], ["none", "sakoechiba"]))
)
def test_float32_values_are_within_1e_5(metric, d, window):
    x, y = _walks(300, 280, d=d, seed=19)
    options = {"metric": metric, "window": window, "radius": RADIUS[window] and 30}
    single = seqalign.soft_dtw(x, y, dtype="float32", **options)
    double = seqalign.soft_dtw(x, y, **options)
    assert single.dtype == "float32"
    assert single.value == pytest.approx(double.value, rel=1e-5)
    div = seqalign.soft_dtw_divergence(x, y, dtype=np.float32, **options).value
    div64 = seqalign.soft_dtw_divergence(x, y, **options)
    terms = abs(div64.value) + sum(abs(v) for v in div64.self_values)
    assert div == pytest.approx(div64.value, abs=1e-5 * terms)


def test_float32_pairwise():
    rng = np.random.default_rng(20)
    X = [rng.standard_normal((int(rng.integers(40, 60)), 3)).cumsum(0) for _ in range(6)]
    single = seqalign.pairwise_soft_dtw(X, dtype="float32", n_jobs=2)
    _close(single, seqalign.pairwise_soft_dtw(X, n_jobs=2), rtol=1e-5, atol=0)


@pytest.mark.parametrize(
    "kwargs", [{"gradient": True}, {"alignment": True}, {"sharp": True}], ids=str
)
def test_float32_is_for_values_only(kwargs):
    x, y = _walks(5, 5)
    with pytest.raises(InputError, match="float32 computes soft-DTW values only"):
        seqalign.soft_dtw(x, y, dtype="float32", **kwargs)
    with pytest.raises(InputError, match="unknown dtype 'float16'"):
        seqalign.soft_dtw(x, y, dtype="float16")


# -- errors -----------------------------------------------------------------------------------

BAD = {
    "gamma 0": ({"gamma": 0}, "gamma must be a positive number"),
    "gamma negative": ({"gamma": -1.0}, "gamma"),
    "gamma nan": ({"gamma": math.nan}, "gamma"),
    "gamma text": ({"gamma": "1"}, "gamma"),
    "metric": ({"metric": "l3"}, "unknown metric"),
    "window": ({"window": "square"}, "unknown window"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_options(case):
    kwargs, message = BAD[case]
    x, y = _walks(5, 5)
    for f in (seqalign.soft_dtw, seqalign.soft_dtw_divergence):
        with pytest.raises(InputError, match=message):
            f(x, y, **kwargs)
    with pytest.raises(InputError, match=message):
        seqalign.pairwise_soft_dtw([x, y], **kwargs)


def test_bad_inputs():
    x, y = _walks(5, 5)
    with pytest.raises(InputError, match="y has 3 features per frame but x has 2"):
        seqalign.soft_dtw(x, np.zeros((4, 3)))
    with pytest.raises(InputError, match="NaN"):
        seqalign.soft_dtw(x, np.full((4, 2), np.nan))
    with pytest.raises(InputError, match="either x and y, or cost"):
        seqalign.soft_dtw(x, y, cost=np.ones((5, 5)))
    with pytest.raises(InputError, match="needs x and y"):
        seqalign.soft_dtw(x)
    with pytest.raises(NoPathError, match="widen"):
        seqalign.soft_dtw(x[:3], np.zeros((9, 2)), window="sakoechiba", radius=1)
    with pytest.raises(MemoryBudgetError, match="max_memory"):
        seqalign.soft_dtw(x, y, gradient=True, max_memory=100)
    with pytest.raises(InputError, match=r"X\[1\] has 3 features"):
        seqalign.pairwise_soft_dtw([x, np.zeros((4, 3))])
    with pytest.raises(InputError, match="n_jobs"):
        seqalign.pairwise_soft_dtw([x, y], n_jobs=0)
