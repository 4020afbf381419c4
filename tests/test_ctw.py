"""Canonical time warping (seqalign.ctw) and the CCA under it (seqalign.crossmodal.cca).

The accuracy tests observe one latent trajectory through two random linear maps of different
dimensions, each with noise and its own time warp, so the true alignment is known; agreement
is the fraction of frames of x whose matched frame of y (``time_map``) is within 3 frames of
the truth.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import seqalign
from seqalign.crossmodal.cca import fit_cca
from seqalign.crossmodal.ctw import CTWAlignment, ctw, diagonal_path
from seqalign.errors import InputError
from seqalign.warping.align import time_map

SEEDS = range(5)


def _warp(rng: np.random.Generator):
    """A smooth, increasing map of [0, 1] onto itself."""
    c = rng.uniform(-0.8, 0.8)
    a = rng.uniform(-0.04, 0.04)

    def warp(u: np.ndarray) -> np.ndarray:
        base = u if abs(c) < 1e-9 else np.expm1(c * u) / np.expm1(c)
        return base + a * np.sin(2 * np.pi * u)

    return warp


def observed(n: int, m: int, dx: int, dy: int, *, k: int = 3, noise: float = 0.3, seed: int = 0):
    """x (n, dx) and y (m, dy): a k-dimensional latent trajectory, each time-warped, through
    its own random linear map plus Gaussian noise; and, for each frame of x, its true
    (fractional) frame of y."""
    rng = np.random.default_rng(seed)
    freqs = rng.uniform(0.5, 2.5, size=(k, 3))
    phases = rng.uniform(0, 2 * np.pi, size=(k, 3))

    def latent(t: np.ndarray) -> np.ndarray:
        return np.sin(2 * np.pi * freqs[None] * t[:, None, None] + phases[None]).sum(axis=2)

    warp_x, warp_y = _warp(rng), _warp(rng)
    tx, ty = warp_x(np.linspace(0, 1, n)), warp_y(np.linspace(0, 1, m))
    x = latent(tx) @ rng.standard_normal((k, dx)) + noise * rng.standard_normal((n, dx))
    y = latent(ty) @ rng.standard_normal((k, dy)) + noise * rng.standard_normal((m, dy))
    grid = np.linspace(0, 1, 20001)
    truth = np.interp(tx, warp_y(grid), grid) * (m - 1)
    return x, y, truth


def agreement(path, truth: np.ndarray, frames: float = 3.0) -> float:
    _, mapped = time_map(np.asarray(path), truth.shape[0])
    return float((np.abs(mapped - truth) <= frames).mean())


def _pca(a: np.ndarray, k: int) -> np.ndarray:
    a = a - a.mean(axis=0)
    return a @ np.linalg.svd(a, full_matrices=False)[2][:k].T


def assert_path(path: np.ndarray, n: int, m: int) -> None:
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (n - 1, m - 1)
    steps = np.diff(path, axis=0)
    assert (steps >= 0).all() and (steps <= 1).all() and (steps.sum(axis=1) > 0).all()


# -- accuracy -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcomes():
    """Per seed: agreement of CTW, of DTW on each input's own PCA, and of tslearn's ctw_path."""
    from tslearn.metrics import ctw_path

    rows = []
    for seed in SEEDS:
        x, y, truth = observed(150, 120, 5, 8, seed=seed)
        ours = ctw(x, y, n_components=3)
        naive = seqalign.dtw(_pca(x, 3), _pca(y, 3))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer, _, _ = ctw_path(x, y, n_components=3)
        rows.append(
            (agreement(ours.path, truth), agreement(naive.path, truth), agreement(peer, truth))
        )
    return np.array(rows)


def test_ctw_recovers_the_true_alignment(outcomes):
    assert outcomes[:, 0].mean() >= 0.8
    assert outcomes[:, 0].min() >= 0.7


def test_dtw_on_naive_projections_fails(outcomes):
    assert outcomes[:, 1].mean() <= 0.6
    assert outcomes[:, 0].mean() >= outcomes[:, 1].mean() + 0.25


def test_at_least_as_good_as_tslearn(outcomes):
    """tslearn.metrics.ctw_path on the same inputs and components (not bit-equal: sklearn's
    CCA is iterative and unregularised, and its loop starts from another path)."""
    assert (outcomes[:, 0] >= outcomes[:, 2]).all()


def test_same_space_rotated_is_aligned_exactly():
    rng = np.random.default_rng(3)
    x, _, _ = observed(60, 60, 4, 4, noise=0.0, seed=3)
    rotation = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    a = ctw(x, x @ rotation + 5.0, n_components=3, reg=0.0)
    np.testing.assert_array_equal(a.path, np.column_stack([np.arange(60)] * 2))
    assert a.converged and a.distance == pytest.approx(0.0, abs=1e-8)


# -- the result ---------------------------------------------------------------------------------


def test_result_fields_and_objective():
    x, y, _ = observed(80, 70, 4, 6, seed=1)
    a = ctw(x, y)
    assert isinstance(a, CTWAlignment) and isinstance(a, seqalign.Alignment)
    assert_path(a.path, 80, 70)
    assert a.metric == "sqeuclidean" and a.n == 80 and a.m == 70
    p = a.projections
    assert p.x_weights.shape == (4, 4) and p.y_weights.shape == (6, 4)  # min(4, 6, 10)
    assert p.x_mean.shape == (4,) and p.correlations.shape == (4,)
    assert (np.diff(p.correlations) <= 1e-12).all() and (p.correlations <= 1).all()
    # the objective of the returned step is the squared distance along its path
    px, py = p.transform_x(x), p.transform_y(y)
    along = ((px[a.path[:, 0]] - py[a.path[:, 1]]) ** 2).sum()
    assert a.objectives[a.iteration] == pytest.approx(along, rel=1e-12)
    assert a.distance == pytest.approx(along, rel=1e-9)
    assert a.objectives[a.iteration] == a.objectives.min()
    assert 1 <= a.objectives.shape[0] <= 20
    meta = json.loads(json.dumps(a.to_dict()))
    assert meta["cross_modal"] == "ctw" and meta["components"] == 4 and meta["reg"] == 0.1
    assert len(meta["objectives"]) == a.objectives.shape[0]


def test_path_is_optimal_for_its_projections():
    x, y, _ = observed(50, 40, 3, 5, seed=2)
    a = ctw(x, y, n_components=2)
    p = a.projections
    again = seqalign.dtw(p.transform_x(x), p.transform_y(y), metric="sqeuclidean")
    np.testing.assert_array_equal(again.path, a.path)


def test_max_iter_limits_the_steps():
    x, y, _ = observed(60, 50, 3, 5, seed=4)
    assert ctw(x, y, max_iter=1).objectives.shape == (1,)


def test_init_path_is_used():
    x, y, truth = observed(100, 80, 4, 6, seed=0)
    true_path = np.column_stack([np.arange(100), np.round(truth).astype(int)])
    one = ctw(x, y, n_components=3, init=true_path, max_iter=1)
    assert agreement(one.path, truth) >= 0.9


def test_window_and_euclidean_metric_pass_through():
    x, y, _ = observed(60, 60, 3, 5, seed=1)
    a = ctw(x, y, window="sakoechiba", radius=10, metric="euclidean")
    assert a.window == "sakoechiba" and a.radius == 10 and a.metric == "euclidean"
    assert (np.abs(a.path[:, 0] - a.path[:, 1]) <= 10).all()


_values = st.floats(-100, 100, allow_nan=False, width=64)


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(1, 6)), elements=_values),
    arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(1, 6)), elements=_values),
    st.sampled_from([0.0, 0.1]),
)
def test_any_input_gives_a_valid_path_or_a_clear_error(x, y, reg):
    """Random small inputs (constant ones included): a finite answer, or InputError."""
    try:
        a = ctw(x, y, reg=reg)
    except InputError as error:
        assert "constant" in str(error)
        return
    assert_path(a.path, x.shape[0], y.shape[0])
    assert np.isfinite(a.distance) and np.isfinite(a.objectives).all()
    assert np.isfinite(a.projections.x_weights).all() and np.isfinite(a.projections.y_weights).all()


def test_diagonal_path_is_a_valid_path():
    for n, m in [(2, 2), (3, 9), (10, 4), (7, 7)]:
        assert_path(diagonal_path(n, m), n, m)


def test_lazy_export():
    assert seqalign.ctw is ctw


# -- CCA ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_cca_matches_the_definition_on_explicit_pairs(reg):
    """Whitened, uncorrelated components; correlations those of the regularised problem."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 3)), rng.standard_normal((30, 4))
    y[:, 0] += np.interp(np.linspace(0, 39, 30), np.arange(40), x[:, 1])
    pairs = np.column_stack([np.arange(40), np.round(np.linspace(0, 29, 40)).astype(int)])
    p = fit_cca(x, y, pairs, 3, reg)
    xs, ys = x[pairs[:, 0]], y[pairs[:, 1]]
    cxx, cyy = np.cov(xs.T, bias=True), np.cov(ys.T, bias=True)
    cxx += reg * np.trace(cxx) / 3 * np.eye(3)
    cyy += reg * np.trace(cyy) / 4 * np.eye(4)
    np.testing.assert_allclose(p.x_weights.T @ cxx @ p.x_weights, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(p.y_weights.T @ cyy @ p.y_weights, np.eye(3), atol=1e-10)
    cross = p.x_weights.T @ np.cov(xs.T, ys.T, bias=True)[:3, 3:] @ p.y_weights
    np.testing.assert_allclose(cross, np.diag(p.correlations), atol=1e-10)
    np.testing.assert_allclose(p.x_mean, xs.mean(axis=0), atol=1e-12)


def test_cca_first_correlation_matches_sklearn():
    from sklearn.cross_decomposition import CCA

    rng = np.random.default_rng(1)
    z = rng.standard_normal((200, 1))
    x = z @ rng.standard_normal((1, 3)) + 0.5 * rng.standard_normal((200, 3))
    y = z @ rng.standard_normal((1, 5)) + 0.5 * rng.standard_normal((200, 5))
    pairs = np.column_stack([np.arange(200)] * 2)
    ours = fit_cca(x, y, pairs, 1, 0.0).correlations[0]
    u, v = CCA(n_components=1, scale=False, max_iter=5000, tol=1e-12).fit_transform(x, y)
    assert ours == pytest.approx(abs(np.corrcoef(u[:, 0], v[:, 0])[0, 1]), abs=1e-6)


# -- degenerate inputs: clear errors or a regularised answer, never NaN --------------------------


@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_constant_channels_give_a_finite_answer(reg):
    x, y, _ = observed(60, 50, 4, 6, seed=2)
    x[:, 1] = 3.0
    y[:, [0, 4]] = -1.0
    a = ctw(x, y, reg=reg)
    assert np.isfinite(a.distance) and np.isfinite(a.objectives).all()
    assert np.isfinite(a.projections.x_weights).all() and np.isfinite(a.projections.y_weights).all()
    assert_path(a.path, 60, 50)


@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_fewer_frames_than_features_gives_a_finite_answer(reg):
    x, y, _ = observed(12, 10, 30, 25, seed=5)
    a = ctw(x, y, reg=reg)
    assert np.isfinite(a.distance) and np.isfinite(a.objectives).all()
    assert np.isfinite(a.projections.x_weights).all()
    assert_path(a.path, 12, 10)


def test_an_input_constant_in_every_feature_is_an_error():
    x, y, _ = observed(30, 20, 3, 4)
    with pytest.raises(InputError, match="constant") as caught:
        ctw(np.ones_like(x), y)
    assert caught.value.argument == "x"


@pytest.mark.parametrize(
    ("kwargs", "argument", "text"),
    [
        ({"n_components": 0}, "n_components", "between 1 and"),
        ({"n_components": 4}, "n_components", "min(d_x, d_y) = 3"),
        ({"n_components": 1.5}, "n_components", "whole number"),
        ({"n_components": True}, "n_components", "whole number"),
        ({"reg": -0.1}, "reg", ">= 0"),
        ({"reg": float("nan")}, "reg", ">= 0"),
        ({"reg": "lots"}, "reg", ">= 0"),
        ({"max_iter": 0}, "max_iter", ">= 1"),
        ({"metric": "cosine"}, "metric", "sqeuclidean"),
        ({"init": [[0, 0]]}, "init", "shape"),
        ({"init": [[0, 0], [30, 5]]}, "init", "outside"),
        ({"init": [[2, 2], [1, 3]]}, "init", "monotone"),
        ({"init": [[0, 0], [0.5, 1]]}, "init", "whole"),
    ],
)
def test_bad_options_are_input_errors(kwargs, argument, text):
    x, y, _ = observed(30, 20, 3, 4)
    with pytest.raises(InputError) as caught:
        ctw(x, y, **kwargs)
    assert caught.value.argument == argument
    assert text in str(caught.value)


def test_bad_inputs_are_the_foundations_errors():
    x, y, _ = observed(30, 20, 3, 4)
    bad = x.copy()
    bad[4, 1] = np.nan
    with pytest.raises(InputError, match="NaN value at frame 4"):
        ctw(bad, y)
    with pytest.raises(InputError, match="single frame"):
        ctw(x[:1], y)
