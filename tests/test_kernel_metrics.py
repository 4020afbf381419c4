"""Kernel metrics (linear, polynomial, rbf) as local costs of DTW, soft-DTW and the matrices.

Definition (seqalign.localcosts): the cost of frames ``a``, ``b`` is the squared distance in the
kernel's feature space, ``k(a, a) + k(b, b) - 2 k(a, b)``; scikit-learn's ``rbf_kernel`` and
``polynomial_kernel`` (same parameters, same defaults) are the peers; the naive references
are in ``tests/naive.py`` (section "kernel metrics").
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import seqalign
from seqalign.errors import InputError
from seqalign.localcosts import (
    KERNEL_METRICS,
    MEDIAN_FRAMES,
    MetricSpec,
    bind_metric,
    cost_matrix,
    median_gamma,
    resolve_metric,
)
from seqalign.matrix.pairwise import knn_dtw, pairwise_dtw
from seqalign.soft.pairwise import pairwise_soft_dtw
from seqalign.warping.steps import STEP_PATTERNS
from tests import naive

#: (metric as given, its parameters for the naive reference: None = the median heuristic)
CASES = [
    ("linear", {}),
    ("rbf", None),
    ("rbf:gamma=0.3", {"gamma": 0.3}),
    ("polynomial", {}),
    ("polynomial:degree=2,gamma=0.2,coef0=0", {"degree": 2, "gamma": 0.2, "coef0": 0.0}),
    ("polynomial:degree=1,coef0=0.5", {"degree": 1, "coef0": 0.5}),
]
IDS = [c[0] for c in CASES]
WINDOWS = [("none", None), ("sakoechiba", 3), ("slantedband", 2), ("itakura", None)]


def _gamma(metric: str) -> float:
    """The gamma written in a bound metric's name (``rbf:gamma=...``)."""
    assert metric.startswith("rbf:gamma=")
    return float(metric.split("=")[1])


def _ids(value: object) -> str:
    """Test ids: a case or window by its name."""
    return str(value[0]) if isinstance(value, tuple) else str(value)


def _walks(n: int, m: int, d: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scale = 0.5
    return (scale * rng.standard_normal((n, d)).cumsum(0),
            scale * rng.standard_normal((m, d)).cumsum(0))  # fmt: skip


def _naive_costs(x, y, metric, params) -> np.ndarray:
    name = metric.split(":")[0]
    if params is None:
        params = {"gamma": naive.median_gamma_all_pairs(x, y)}
    return naive.kernel_cost_matrix(x, y, name, **params)


def _finite_differences(f, a: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[idx] += h
        down[idx] -= h
        out[idx] = (f(up) - f(down)) / (2 * h)
    return out


# -- the registry and the parameters -----------------------------------------------------------


def test_names_and_canonical_forms():
    assert set(KERNEL_METRICS) == {"linear", "polynomial", "rbf"}
    assert resolve_metric("RBF") == "rbf"
    assert resolve_metric(" rbf : gamma = 2 ") == "rbf:gamma=2.0"
    assert resolve_metric(MetricSpec("polynomial", degree=2, coef0=0)) == (
        "polynomial:degree=2,coef0=0.0"
    )
    assert resolve_metric("polynomial:coef0=1,degree=2.0") == "polynomial:degree=2,coef0=1.0"
    assert str(MetricSpec("rbf", gamma=0.5)) == "rbf:gamma=0.5"


@pytest.mark.parametrize(
    ("metric", "text"),
    [
        ("rbf:gamma=0", "gamma must be a positive number"),
        ("rbf:gamma=-1", "gamma must be a positive number"),
        ("rbf:gamma=nan", "gamma must be a finite number"),
        ("rbf:gamma=abc", "gamma must be a finite number"),
        ("polynomial:degree=0", "degree must be a whole number >= 1"),
        ("polynomial:degree=1.5", "degree must be a whole number >= 1"),
        ("polynomial:coef0=-0.1", "coef0 must be >= 0"),
        ("rbf:degree=2", "degree does not apply to metric 'rbf': it takes only gamma"),
        ("linear:gamma=1", "gamma does not apply to metric 'linear': it takes no parameters"),
        ("cosine:gamma=1", "gamma does not apply to metric 'cosine'"),
        ("rbf:gamma", "expected name:key=value"),
        ("rbf:gamma=1,gamma=2", "expected name:key=value"),
        ("rbf:width=1", "expected name:key=value"),
        ("gaussian", "unknown metric 'gaussian'; choose one of: euclidean, sqeuclidean, "
                     "cityblock, cosine, linear, polynomial, rbf"),
    ],
)  # fmt: skip
def test_bad_metrics_are_input_errors_naming_metric(metric, text):
    x, y = _walks(5, 4)
    for call in (
        lambda: resolve_metric(metric),
        lambda: seqalign.dtw(x, y, metric=metric),
        lambda: seqalign.soft_dtw(x, y, metric=metric),
        lambda: pairwise_dtw([x, y], metric=metric),
    ):
        with pytest.raises(InputError, match=None) as caught:
            call()
        assert text in caught.value.message
        assert caught.value.argument == "metric"


def test_spec_objects_are_checked_too():
    with pytest.raises(InputError, match="gamma must be a positive number"):
        resolve_metric(MetricSpec("rbf", gamma=0.0))
    with pytest.raises(InputError, match="degree must be a finite number, got True"):
        resolve_metric(MetricSpec("polynomial", degree=True))  # type: ignore[arg-type]


# -- the cost matrix against the formulas, scikit-learn and the median heuristic ----------------


@pytest.mark.parametrize(("case", "d"), list(itertools.product(CASES, [1, 3])), ids=_ids)
def test_cost_matrix_matches_the_formula(case, d):
    metric, params = case
    x, y = _walks(7, 6, d=d, seed=d)
    x[2] = 0.0
    expected = _naive_costs(x, y, metric, params)
    np.testing.assert_allclose(cost_matrix(x, y, metric), expected, rtol=1e-10, atol=1e-10)
    assert (cost_matrix(x, x, metric) >= 0).all()
    np.testing.assert_allclose(np.diag(cost_matrix(x, x, metric)), 0.0, atol=1e-9)


def test_cost_matrix_matches_scikit_learn():
    pairwise = pytest.importorskip("sklearn.metrics.pairwise")
    x, y = _walks(9, 8, d=4, seed=3)

    def kernel_distance(k) -> np.ndarray:
        return np.diag(k(x, x))[:, None] + np.diag(k(y, y))[None, :] - 2.0 * k(x, y)

    rbf = kernel_distance(lambda a, b: pairwise.rbf_kernel(a, b, gamma=0.7))
    np.testing.assert_allclose(cost_matrix(x, y, "rbf:gamma=0.7"), rbf, rtol=1e-10, atol=1e-12)
    poly = kernel_distance(pairwise.polynomial_kernel)  # sklearn's defaults are ours
    np.testing.assert_allclose(cost_matrix(x, y, "polynomial"), poly, rtol=1e-10)
    poly2 = kernel_distance(lambda a, b: pairwise.polynomial_kernel(a, b, 2, 0.1, 0.5))
    np.testing.assert_allclose(cost_matrix(x, y, "polynomial:degree=2,gamma=0.1,coef0=0.5"),
                               poly2, rtol=1e-10)  # fmt: skip
    lin = kernel_distance(pairwise.linear_kernel)
    np.testing.assert_allclose(cost_matrix(x, y, "linear"), lin, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(cost_matrix(x, y, "linear"), cost_matrix(x, y, "sqeuclidean"))


def test_median_heuristic_small_and_subsampled():
    x, y = _walks(30, 20, d=2, seed=4)
    assert median_gamma(x, y) == pytest.approx(naive.median_gamma_all_pairs(x, y), rel=1e-12)
    assert _gamma(bind_metric("rbf", x, y)) == pytest.approx(median_gamma(x, y), rel=0)
    assert bind_metric("rbf:gamma=2", x, y) == "rbf:gamma=2.0"
    assert median_gamma(np.zeros((4, 2))) == 1.0  # the median is 0: gamma 1
    # long inputs: at most MEDIAN_FRAMES evenly spaced frames of each
    rng = np.random.default_rng(5)
    big, small = rng.standard_normal((3 * MEDIAN_FRAMES, 2)), rng.standard_normal((50, 2)) + 3
    keep = np.linspace(0, big.shape[0] - 1, MEDIAN_FRAMES).round().astype(int)
    pooled = np.concatenate([big[keep], small])
    sq = (pooled**2).sum(1)
    d2 = sq[:, None] + sq[None, :] - 2 * pooled @ pooled.T
    direct = 1.0 / np.median(np.maximum(d2[np.triu_indices(len(pooled), 1)], 0))
    assert median_gamma(big, small) == pytest.approx(direct, rel=1e-9)


# -- DTW: the kernel equals naive DTW on the explicit cost matrix ------------------------------


@pytest.mark.parametrize(
    ("case", "pattern", "window"),
    list(itertools.product(CASES, ["symmetric1", "symmetric2", "asymmetric"], WINDOWS)),
    ids=_ids,
)
def test_dtw_matches_naive(case, pattern, window):
    metric, params = case
    x, y = _walks(11, 9, seed=6)
    C = _naive_costs(x, y, metric, params)
    name, radius = window
    a = seqalign.dtw(x, y, metric=metric, step_pattern=pattern, window=name, radius=radius)
    dist, _, _ = naive.dtw_naive(C, STEP_PATTERNS[pattern], name, radius)
    assert a.distance == pytest.approx(dist, rel=1e-10)
    b = seqalign.dtw(cost=cost_matrix(x, y, metric), step_pattern=pattern, window=name,
                     radius=radius)  # fmt: skip
    assert b.distance == pytest.approx(a.distance, rel=1e-12)
    np.testing.assert_array_equal(a.path, b.path)


@pytest.mark.parametrize("metric", ["rbf", "polynomial:degree=2"])
def test_dtw_one_feature_open_ends_and_spec(metric):
    x, y = _walks(20, 30, d=1, seed=7)
    a = seqalign.dtw(x[:, 0], y[:, 0], metric=metric, open_begin=True, open_end=True,
                     step_pattern="asymmetric")  # fmt: skip
    dist, _, end = naive.dtw_naive(cost_matrix(x, y, metric), STEP_PATTERNS["asymmetric"],
                                   open_begin=True, open_end=True)  # fmt: skip
    assert a.distance == pytest.approx(dist, rel=1e-10)
    assert a.end == end
    spec = MetricSpec("rbf", gamma=0.25)
    assert seqalign.dtw(x, y, metric=spec).distance == pytest.approx(
        seqalign.dtw(x, y, metric="rbf:gamma=0.25").distance, rel=0
    )


def test_rbf_costs_are_bounded_so_an_outlier_weighs_little():
    x, y = _walks(40, 40, d=2, seed=8)
    far = y.copy()
    far[20] += 1e6
    assert seqalign.dtw(x, far, metric="rbf:gamma=0.5").distance <= (
        seqalign.dtw(x, y, metric="rbf:gamma=0.5").distance + 2.0
    )


# -- soft-DTW: values and gradients ------------------------------------------------------------


@pytest.mark.parametrize(("case", "gamma"), list(itertools.product(CASES, [0.1, 1.0])), ids=_ids)
def test_soft_matches_naive(case, gamma):
    metric, params = case
    x, y = _walks(8, 6, d=2, seed=9)
    C = _naive_costs(x, y, metric, params)
    r = seqalign.soft_dtw(x, y, gamma=gamma, metric=metric, gradient=True, alignment=True)
    assert r.value == pytest.approx(naive.soft_dtw_value(C, gamma), rel=1e-11)
    E = naive.soft_alignment(C, gamma)
    np.testing.assert_allclose(r.alignment, E, atol=1e-11)
    name = metric.split(":")[0]
    fixed = {"gamma": naive.median_gamma_all_pairs(x, y)} if params is None else params
    gx, gy = naive.kernel_cost_gradients(x, y, E, name, **fixed)
    np.testing.assert_allclose(r.gradient_x, gx, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(r.gradient_y, gy, rtol=1e-8, atol=1e-10)
    if params is None:
        assert _gamma(r.metric) == pytest.approx(fixed["gamma"], rel=1e-12)  # the one it used


@pytest.mark.parametrize(
    ("metric", "sharp", "divergence"),
    list(itertools.product(["rbf:gamma=0.4", "polynomial:degree=3,gamma=0.3,coef0=0.5"],
                           [False, True], [False, True])),
)  # fmt: skip
def test_soft_gradients_match_finite_differences(metric, sharp, divergence):
    x, y = _walks(6, 5, d=2, seed=10)
    f = seqalign.soft_dtw_divergence if divergence else seqalign.soft_dtw
    options = {"gamma": 0.5, "metric": metric, "sharp": sharp}
    r = f(x, y, gradient=True, **options)
    fx = _finite_differences(lambda a: f(a, y, **options).value, x)
    fy = _finite_differences(lambda b: f(x, b, **options).value, y)
    np.testing.assert_allclose(r.gradient_x, fx, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(r.gradient_y, fy, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("metric", ["rbf:gamma=0.7", "polynomial:degree=2,gamma=0.5"])
def test_soft_gradients_of_one_feature_keep_its_shape(metric):
    x, y = _walks(7, 6, d=1, seed=18)
    r = seqalign.soft_dtw(x[:, 0], y[:, 0], gamma=0.3, metric=metric, gradient=True)
    assert r.gradient_x.shape == (7,) and r.gradient_y.shape == (6,)
    f = lambda a: seqalign.soft_dtw(a, y[:, 0], gamma=0.3, metric=metric).value  # noqa: E731
    np.testing.assert_allclose(r.gradient_x, _finite_differences(f, x[:, 0]), rtol=1e-6,
                               atol=1e-7)  # fmt: skip


@pytest.mark.parametrize("metric", ["rbf", "polynomial"])
def test_soft_divergence_uses_one_cost_for_its_three_terms(metric):
    x, y = _walks(9, 7, d=2, seed=11)
    d = seqalign.soft_dtw_divergence(x, y, gamma=0.5, metric=metric)
    bound = bind_metric(metric, x, y)
    assert d.metric == bound
    C = [cost_matrix(a, b, bound) for a, b in ((x, y), (x, x), (y, y))]
    value = (
        naive.soft_dtw_value(C[0], 0.5)
        - (naive.soft_dtw_value(C[1], 0.5) + naive.soft_dtw_value(C[2], 0.5)) / 2
    )
    assert d.value == pytest.approx(value, rel=1e-10)
    assert seqalign.soft_dtw_divergence(x, x.copy(), metric=metric).value == 0.0


@pytest.mark.parametrize("metric", ["rbf", "polynomial:degree=2"])
def test_soft_float32_and_tends_to_dtw(metric):
    x, y = _walks(120, 100, d=3, seed=12)
    double = seqalign.soft_dtw(x, y, metric=metric).value
    assert seqalign.soft_dtw(x, y, metric=metric, dtype="float32").value == pytest.approx(
        double, rel=1e-5, abs=1e-5
    )
    X = [x[:60], x[60:], y[:50], y[50:]]
    single = pairwise_soft_dtw(X, metric=metric, dtype="float32", n_jobs=1)
    # polynomial costs are differences of the k(a, a) terms: float32 keeps them to ~1e-7 of those
    kx = [(np.einsum("ij,ij->i", a, a) / a.shape[1] + 1.0) ** 2 for a in X]  # k(a, a)
    own = max(float(k.sum()) for k in kx) if metric.startswith("polynomial") else 0.0
    pairs64 = pairwise_soft_dtw(X, metric=metric, n_jobs=1)
    np.testing.assert_allclose(single, pairs64, rtol=1e-5, atol=1e-6 * own)
    exact = seqalign.dtw(x, y, metric=metric, step_pattern="symmetric1").distance
    near = seqalign.soft_dtw(x, y, metric=metric, gamma=1e-4).value
    assert abs(near - exact) <= 1e-4 * 220 * math.log(3) + 1e-9 * exact


@pytest.mark.parametrize(
    ("metric", "divergence"), list(itertools.product(["rbf", "polynomial:degree=2"], [False, True]))
)
def test_pairwise_soft_binds_one_bandwidth_for_every_pair(metric, divergence):
    rng = np.random.default_rng(13)
    X = [0.5 * rng.standard_normal((int(rng.integers(6, 10)), 2)).cumsum(0) for _ in range(4)]
    bound = bind_metric(metric, *X)
    one = seqalign.soft_dtw_divergence if divergence else seqalign.soft_dtw
    expected = np.array([[one(a, b, gamma=0.5, metric=bound).value for b in X] for a in X])
    got = pairwise_soft_dtw(X, gamma=0.5, metric=metric, divergence=divergence, n_jobs=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    cross = pairwise_soft_dtw(X[:2], X[2:], gamma=0.5, metric=bound, divergence=divergence)
    np.testing.assert_allclose(cross, expected[:2, 2:], rtol=1e-12, atol=1e-12)


def test_soft_barycenter_with_a_kernel_metric():
    rng = np.random.default_rng(14)
    X = [0.5 * rng.standard_normal((8, 2)).cumsum(0) for _ in range(3)]
    result = seqalign.barycenter(X, averaging="soft", metric="rbf:gamma=0.5", max_iter=5)
    assert np.isfinite(result.average).all() and result.objective <= result.initial_objective
    with pytest.raises(InputError, match="needs its gamma here") as caught:
        seqalign.barycenter(X, averaging="soft", metric="rbf", max_iter=5)
    assert caught.value.argument == "metric"


# -- matrices and nearest neighbours -----------------------------------------------------------


def _naive_matrix(xs, ys, bound, pattern, window, radius) -> np.ndarray:
    steps = STEP_PATTERNS[pattern]
    return np.array([[naive.dtw_naive(cost_matrix(a, b, bound), steps, window, radius)[0]
                      for b in ys] for a in xs])  # fmt: skip


@pytest.mark.parametrize(
    ("case", "pattern", "window", "d"),
    list(itertools.product(CASES, ["symmetric1", "symmetric2"], WINDOWS[:3], [1, 3])),
    ids=_ids,
)
def test_pairwise_dtw_matches_naive(case, pattern, window, d):
    metric = case[0]
    rng = np.random.default_rng(15)
    X = [0.5 * rng.standard_normal((int(k), d)).cumsum(0) for k in rng.integers(7, 10, 5)]
    name, radius = window
    bound = bind_metric(metric, *X)
    got = pairwise_dtw(X, metric=metric, step_pattern=pattern, window=name, radius=radius,
                       n_jobs=1)  # fmt: skip
    np.testing.assert_allclose(got, _naive_matrix(X, X, bound, pattern, name, radius),
                               rtol=1e-10, atol=1e-12)  # fmt: skip
    if case[1] is None:  # the median heuristic comes from every sequence at once
        assert _gamma(bound) == pytest.approx(naive.median_gamma_all_pairs(*X), rel=1e-12)


@pytest.mark.parametrize(
    ("metric", "k", "prune", "window"),
    list(itertools.product(["rbf", "rbf:gamma=2", "polynomial:degree=2", "linear"], [1, 3],
                           [True, False], WINDOWS[:2])),
)  # fmt: skip
def test_knn_equals_brute_force(metric, k, prune, window):
    rng = np.random.default_rng(16)
    Q = [0.5 * rng.standard_normal((10, 2)).cumsum(0) for _ in range(4)]
    R = [0.5 * rng.standard_normal((12, 2)).cumsum(0) for _ in range(15)]
    name, radius = window
    found = knn_dtw(Q, R, k, metric=metric, prune=prune, window=name, radius=radius, n_jobs=1)
    full = _naive_matrix(Q, R, bind_metric(metric, *Q, *R), "symmetric1", name, radius)
    order = np.argsort(full, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(found.indices, order)
    np.testing.assert_allclose(found.distances, np.take_along_axis(full, order, 1), rtol=1e-10)
    loo = knn_dtw(R, None, k, metric=metric, prune=prune, n_jobs=1)
    own = _naive_matrix(R, R, bind_metric(metric, *R), "symmetric1", "none", None)
    np.fill_diagonal(own, np.inf)
    np.testing.assert_array_equal(loo.indices, np.argsort(own, axis=1, kind="stable")[:, :k])


def test_rbf_lower_bound_prunes_without_changing_the_answer():
    rng = np.random.default_rng(17)
    Q = [rng.standard_normal((30, 2)).cumsum(0) for _ in range(3)]
    R = [rng.standard_normal((30, 2)).cumsum(0) + rng.normal(0, 20) for _ in range(40)]
    options = {"metric": "rbf:gamma=0.05", "window": "sakoechiba", "radius": 3, "n_jobs": 1}
    found = knn_dtw(Q, R, 2, **options)
    assert found.computed < found.candidates
    brute = knn_dtw(Q, R, 2, prune=False, **options)
    np.testing.assert_array_equal(found.indices, brute.indices)
    np.testing.assert_array_equal(found.distances, brute.distances)


@pytest.mark.parametrize("name", ["sqeuclidean", "euclidean", "cityblock", "cosine",
                                  "precomputed", "linear", "rbf", "polynomial"])  # fmt: skip
def test_metric_codes_are_the_kernels(name):
    """The API's metric codes and parameter rows are those of the one kernel module that
    computes local costs."""
    from seqalign._kernels import localcost
    from seqalign.localcosts import extra_rows, metric_code

    kernel_name = "SQEUCLIDEAN" if name == "linear" else name.upper()
    assert metric_code(name) == getattr(localcost, kernel_name)
    if name in ("rbf", "polynomial"):
        assert extra_rows(name) == getattr(localcost, f"{kernel_name}_ROWS")
