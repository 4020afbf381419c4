"""seqalign.soft.barycenters: soft-DTW barycenters (L-BFGS-B on our gradient) and DBA, against the
naive DBA update, tslearn's softdtw_barycenter / dtw_barycenter_averaging (same objective: the
sum of soft-DTW values on the squared Euclidean cost; DBA on squared Euclidean DTW), and their
properties (the objective goes down, weights act as repetitions, the divergence's barycenter of
copies is the copy)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import seqalign
from seqalign.errors import InputError
from seqalign.soft.barycenters import BARYCENTER_INITS, resample
from tests import naive


def _walks(count, length, d=2, seed=0, vary=0):
    rng = np.random.default_rng(seed)
    lengths = length + rng.integers(0, vary + 1, size=count)
    return [rng.standard_normal((int(n), d)).cumsum(0) for n in lengths]


def _soft_objective(z, series, gamma=1.0, weights=None, divergence=False):
    weights = np.ones(len(series)) if weights is None else weights
    f = seqalign.soft_dtw_divergence if divergence else seqalign.soft_dtw
    return sum(w * f(z, s, gamma=gamma).value for w, s in zip(weights, series))


@pytest.mark.parametrize(
    ("method", "init", "vary"), list(itertools.product(["soft", "dba"], BARYCENTER_INITS, [0, 5]))
)
def test_the_objective_goes_down_from_the_initialisation(method, init, vary):
    series = _walks(6, 15, seed=1, vary=vary)
    weights = np.array([1.0, 2.0, 0.5, 1.0, 1.0, 3.0])
    b = seqalign.barycenter(series, averaging=method, init=init, weights=weights, gamma=0.5,
                            max_iter=15, n_jobs=2)  # fmt: skip
    assert b.objective < b.initial_objective
    assert b.history[0] == b.initial_objective and b.history.min() >= b.objective - 1e-9
    if method == "soft":
        assert b.objective == pytest.approx(_soft_objective(b.average, series, 0.5, weights))
    else:
        dtw = [seqalign.dtw(b.average, s, metric="sqeuclidean").distance for s in series]
        assert b.objective == pytest.approx(weights @ np.array(dtw))
        assert (np.diff(b.history) <= 1e-9).all()  # DBA never goes up


def test_dba_update_is_petitjeans():
    series = _walks(5, 12, seed=2, vary=4)
    start = resample(series[0], 12)
    b = seqalign.barycenter(series, averaging="dba", init=start, max_iter=1, n_jobs=1)
    np.testing.assert_allclose(b.average, naive.dba_naive(series, start), rtol=1e-12)


def test_dba_matches_tslearn():
    barycenters = pytest.importorskip("tslearn.barycenters")
    series = np.stack(_walks(8, 25, seed=3))
    ours = seqalign.barycenter(series, averaging="dba", tol=0.0, max_iter=100, n_jobs=2)
    theirs = barycenters.dtw_barycenter_averaging(series, max_iter=100, tol=0.0)
    assert ours.converged
    np.testing.assert_allclose(ours.average, theirs, rtol=1e-10, atol=1e-10)


def test_soft_barycenter_matches_tslearn():
    barycenters = pytest.importorskip("tslearn.barycenters")
    series = np.stack(_walks(5, 10, d=1, seed=4))
    options = {"gamma": 1.0, "tol": 1e-10, "max_iter": 500}
    ours = seqalign.barycenter(series, n_jobs=1, **options)
    theirs = barycenters.softdtw_barycenter(series, **options)
    np.testing.assert_allclose(ours.average, theirs, rtol=1e-5, atol=1e-5)
    assert ours.objective <= _soft_objective(theirs, list(series)) + 1e-8 * abs(ours.objective)


def test_integer_weights_are_repetitions():
    series = _walks(3, 10, seed=5)
    for method in ("soft", "dba"):
        weighted = seqalign.barycenter(series, averaging=method, weights=[2, 1, 1], n_jobs=1)
        repeated = seqalign.barycenter([series[0], *series], averaging=method, n_jobs=1)
        np.testing.assert_allclose(weighted.average, repeated.average, rtol=1e-6, atol=1e-8)


def test_the_divergence_barycenter_of_copies_is_the_copy():
    (x,) = _walks(1, 12, seed=6)
    b = seqalign.barycenter([x, x, x], divergence=True, gamma=0.5, n_jobs=1)
    assert b.objective == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(b.average, x, atol=1e-6)
    sharp = seqalign.barycenter([x, x], divergence=True, sharp=True, gamma=0.5, n_jobs=1)
    np.testing.assert_allclose(sharp.average, x, atol=1e-6)


def test_divergence_objective_is_the_sum_of_divergences():
    series = _walks(4, 10, seed=7, vary=3)
    b = seqalign.barycenter(series, divergence=True, gamma=0.5, max_iter=10, n_jobs=2)
    assert b.objective == pytest.approx(
        _soft_objective(b.average, series, 0.5, divergence=True), rel=1e-9
    )
    assert b.objective < b.initial_objective


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_other_metrics_and_a_band(metric):
    series = _walks(4, 14, seed=8, vary=2)
    b = seqalign.barycenter(series, metric=metric, window="sakoechiba", radius=4, length=14,
                            max_iter=10, n_jobs=1)  # fmt: skip
    assert b.average.shape == (14, 2) and b.objective < b.initial_objective
    expected = sum(seqalign.soft_dtw(b.average, s, metric=metric, window="sakoechiba",
                                     radius=4).value for s in series)  # fmt: skip
    assert b.objective == pytest.approx(expected, rel=1e-9)


def test_lengths_and_initialisations():
    series = _walks(5, 10, seed=9, vary=6)
    mean_length = round(np.mean([len(s) for s in series]))
    assert seqalign.barycenter(series, max_iter=1).average.shape[0] == mean_length
    medoid = seqalign.barycenter(series, init="medoid", averaging="dba", max_iter=1)
    assert medoid.average.shape[0] in {len(s) for s in series}
    assert seqalign.barycenter(series, length=7, max_iter=1).average.shape == (7, 2)
    start = np.zeros((9, 2))
    b = seqalign.barycenter(series, init=start, max_iter=0 + 1)
    assert b.average.shape == (9, 2) and b.initial_objective == pytest.approx(
        _soft_objective(start, series)
    )


BAD = {
    "averaging": ({"averaging": "kmeans"}, "unknown averaging 'kmeans'"),
    "init": ({"init": "random"}, "unknown initialisation 'random'; choose one of: mean, medoid"),
    "weights count": ({"weights": [1, 2]}, "weights has 2 values for 3 sequences"),
    "weights negative": ({"weights": [1, -1, 1]}, "non-negative"),
    "gamma": ({"gamma": 0.0}, "gamma must be a positive number"),
    "tol": ({"tol": -1.0}, "tol must be a number >= 0"),
    "max_iter": ({"max_iter": 0}, "max_iter must be a whole number >= 1"),
    "length": ({"length": 1}, "length must be at least 2"),
    "dba metric": ({"averaging": "dba", "metric": "cosine"}, "DBA averages under the squared"),
    "dba divergence": ({"averaging": "dba", "divergence": True}, "apply to averaging 'soft'"),
    "init features": ({"init": np.zeros((5, 3))}, "init has 3 features"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_options(case):
    kwargs, message = BAD[case]
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        seqalign.barycenter(_walks(3, 6), **kwargs)


def test_bad_series():
    with pytest.raises(InputError, match="holds no sequences"):
        seqalign.barycenter([])
    with pytest.raises(InputError, match=r"series\[1\] has 3 features"):
        seqalign.barycenter([np.zeros((4, 2)), np.zeros((4, 3))])
