"""Distance matrices and nearest neighbours (seqalign.matrix.pairwise) against naive pairwise loops,
against dtaidistance, and pruned k-NN against the brute-force matrix.

Definitions: ``pairwise_dtw`` gives seqalign's ``dtw(...).distance`` for each pair (symmetric1
or symmetric2, not normalised); dtaidistance's and tslearn's DTW is its square root with
``metric="sqeuclidean"``; dtaidistance's ``window=w`` is ``sakoechiba`` radius ``w - 1``
(``|i - j| < w``), tslearn's ``sakoe_chiba_radius=r`` is radius ``r`` (the benchmark checks
tslearn's ``cdist_dtw``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqalign import NoPathError
from seqalign.errors import InputError
from seqalign.matrix.pairwise import knn_dtw, pairwise_dtw
from seqalign.warping.steps import get_step_pattern
from tests import naive

METRICS = ["sqeuclidean", "euclidean", "cityblock", "cosine"]
WINDOWS = [("none", None), ("sakoechiba", 2), ("slantedband", 1), ("itakura", None)]


def _walks(count: int, n: int, d: int, seed: int, vary: bool = False) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(n - 2, n + 3, size=count) if vary else [n] * count
    return [rng.standard_normal((int(k), d)).cumsum(axis=0) for k in lengths]


def _naive_matrix(xs, ys, metric, pattern, window, radius) -> np.ndarray:
    steps = get_step_pattern(pattern)
    out = np.empty((len(xs), len(ys)))
    for a, b in itertools.product(range(len(xs)), range(len(ys))):
        C = naive.cost_matrix(xs[a], ys[b], metric)
        out[a, b] = naive.dtw_naive(C, steps, window, radius)[0]
    return out


@pytest.mark.parametrize(
    ("metric", "window", "pattern", "d"),
    list(itertools.product(METRICS, WINDOWS, ["symmetric1", "symmetric2"], [1, 3])),
)
def test_matrix_equals_naive_loops(metric, window, pattern, d):
    name, radius = window
    xs = _walks(5, 8, d, seed=d)
    got = pairwise_dtw(xs, metric=metric, step_pattern=pattern, window=name, radius=radius)
    want = _naive_matrix(xs, xs, metric, pattern, name, radius)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("window", "jobs"), list(itertools.product(WINDOWS[:2], [1, 2])))
def test_rectangular_matrix_of_varied_lengths(window, jobs):
    name, radius = window
    radius = None if radius is None else radius + 2  # lengths differ by up to 4
    xs, ys = _walks(37, 9, 2, seed=1, vary=True), _walks(4, 9, 2, seed=2, vary=True)
    got = pairwise_dtw(xs, ys, window=name, radius=radius, n_jobs=jobs)
    want = _naive_matrix(xs, ys, "sqeuclidean", "symmetric1", name, radius)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("window", ["slantedband", "itakura"])
def test_square_matrix_of_varied_lengths(window):
    xs = _walks(7, 9, 1, seed=12, vary=True)
    radius = 2 if window == "slantedband" else None
    got = pairwise_dtw(xs, window=window, radius=radius, n_jobs=2)
    want = _naive_matrix(xs, xs, "sqeuclidean", "symmetric1", window, radius)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_sqrt_matches_dtaidistance():
    dtai = pytest.importorskip("dtaidistance.dtw")
    X = np.stack([w[:, 0] for w in _walks(40, 30, 1, seed=3)])  # 40 > 32 pairs per kernel call
    got = pairwise_dtw(X, window="sakoechiba", radius=4, sqrt=True)
    theirs = dtai.distance_matrix_fast(X, window=5)  # |i - j| < 5
    np.testing.assert_allclose(got, theirs, rtol=1e-12)


def test_multivariate_matches_dtaidistance_ndim():
    # tslearn's cdist_dtw gives the same numbers too (benchmarks/bench_matrix.py checks it);
    # its first call compiles for 10+ s, too slow for a unit test
    dtai = pytest.importorskip("dtaidistance.dtw_ndim")
    X = np.stack(_walks(9, 12, 3, seed=4))
    got = pairwise_dtw(X, window="sakoechiba", radius=3, sqrt=True)
    theirs = dtai.distance_matrix_fast(X, window=4)
    np.testing.assert_allclose(got, theirs, rtol=1e-12)


@pytest.mark.parametrize(
    ("k", "d", "metric", "references"),
    list(itertools.product([1, 3], [1, 2], [*METRICS], [True, False])),
)
def test_pruned_knn_equals_brute_force(k, d, metric, references):
    queries = _walks(7, 20, d, seed=6)
    refs = _walks(45, 20, d, seed=7) if references else None
    # near-duplicates make the lower bounds and abandoning bite
    if refs is not None:
        refs[10] = queries[0] + 0.01
    full = pairwise_dtw(queries, refs, metric=metric, radius=3)
    if refs is None:
        np.fill_diagonal(full, np.inf)
    order = np.argsort(full, axis=1, kind="stable")[:, :k]
    result = knn_dtw(queries, refs, k, metric=metric, radius=3)
    np.testing.assert_array_equal(result.indices, order)
    np.testing.assert_allclose(result.distances, np.take_along_axis(full, order, 1), rtol=1e-12)
    if metric == "sqeuclidean":
        assert result.computed < result.candidates  # work was skipped


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 4),
    radius=st.integers(0, 5),
    d=st.integers(1, 3),
    rounded=st.booleans(),
)
def test_pruned_knn_property(seed, k, radius, d, rounded):
    """Any data (rounded values give ties): pruning never changes the neighbours; a band
    never lowers a distance."""
    rng = np.random.default_rng(seed)
    queries = rng.standard_normal((3, 12, d)).cumsum(axis=1)
    refs = rng.standard_normal((9, 12, d)).cumsum(axis=1)
    if rounded:
        queries, refs = np.round(queries), np.round(refs)
    full = pairwise_dtw(queries, refs, window="sakoechiba", radius=radius)
    found = knn_dtw(queries, refs, k, window="sakoechiba", radius=radius)
    np.testing.assert_array_equal(found.indices, np.argsort(full, axis=1, kind="stable")[:, :k])
    assert (full >= pairwise_dtw(queries, refs) - 1e-9).all()


def test_knn_unpacks_takes_sqrt_and_falls_back_for_varied_lengths():
    queries, refs = _walks(3, 10, 1, seed=8, vary=True), _walks(9, 10, 1, seed=9, vary=True)
    idx, dist = knn_dtw(queries, refs, 2, radius=4, sqrt=True)
    full = pairwise_dtw(queries, refs, radius=4, sqrt=True)
    np.testing.assert_array_equal(idx, np.argsort(full, axis=1, kind="stable")[:, :2])
    np.testing.assert_allclose(dist, np.sort(full, axis=1)[:, :2])


def test_knn_without_pruning_is_the_same():
    queries, refs = _walks(4, 15, 2, seed=10), _walks(20, 15, 2, seed=11)
    a = knn_dtw(queries, refs, 3, radius=2, step_pattern="symmetric2")
    b = knn_dtw(queries, refs, 3, radius=2, step_pattern="symmetric2", prune=False)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.distances, b.distances)
    assert b.computed == b.candidates == 80


@pytest.mark.parametrize("k", [0, 6, -1, 1.5, True])
def test_bad_k(k):
    with pytest.raises(InputError, match="k must be") as info:
        knn_dtw(_walks(2, 5, 1, seed=0), _walks(5, 5, 1, seed=1), k)
    assert info.value.argument == "k"


def test_bad_inputs():
    with pytest.raises(InputError, match="features"):
        pairwise_dtw([np.zeros((4, 2)), np.zeros((4, 3))])
    with pytest.raises(InputError, match="step pattern"):
        pairwise_dtw(_walks(2, 5, 1, seed=0), step_pattern="asymmetric")
    with pytest.raises(InputError, match="metric"):
        pairwise_dtw(_walks(2, 5, 1, seed=0), metric="l3")
    with pytest.raises(NoPathError):
        pairwise_dtw([np.zeros(5), np.zeros(9)], window="sakoechiba", radius=2)
    with pytest.raises(InputError, match="no sequences"):
        pairwise_dtw([])
    with pytest.raises(InputError, match=r"X\[1\] has a NaN"):
        pairwise_dtw([np.zeros(4), np.array([0.0, np.nan, 1.0])])
