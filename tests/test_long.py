"""Long recordings: the exact linear-memory path, multiscale DTW, anchors and the method choice."""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest

import seqalign
from seqalign.errors import InputError, MemoryBudgetError
from seqalign.warping import exact, multiscale, sweeps
from seqalign.warping import planner as methods
from seqalign.warping.steps import STEP_PATTERNS
from seqalign.warping.windows import make_band, window_band
from tests import naive

PATTERNS = ["symmetric1", "symmetric2", "asymmetric", "symmetricP05", "typeIIIc", "mori2006"]
WINDOWS = [("none", None), ("sakoechiba", 6), ("slantedband", 5), ("itakura", None)]
ENDS = [(False, False), (False, True), (True, True)]


def walk(n: int, d: int, seed: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).standard_normal((n, d)), axis=0)


def warped(x: np.ndarray, m: int, power: float, noise: float, seed: int) -> np.ndarray:
    """``x`` resampled to ``m`` frames along a smooth monotone warp, plus noise."""
    t = np.linspace(0.0, 1.0, m) ** power * (x.shape[0] - 1)
    grid = np.arange(x.shape[0])
    y = np.stack([np.interp(t, grid, x[:, f]) for f in range(x.shape[1])], axis=1)
    return y + noise * np.random.default_rng(seed).standard_normal(y.shape)


@pytest.fixture
def small_blocks(monkeypatch):
    """Checkpoint blocks of 7 anti-diagonals: many blocks even on small inputs."""
    monkeypatch.setattr(exact, "block_size", lambda problem: 7)


CASES = [
    (pattern, window, ends)
    for pattern, window, ends in itertools.product(PATTERNS, WINDOWS, ENDS)
    if not ends[0] or STEP_PATTERNS[pattern].normalization in ("N", "NA")
]


@pytest.mark.parametrize(("pattern", "window", "ends"), CASES)
def test_linear_equals_full_and_naive(small_blocks, pattern, window, ends):
    name, radius = window
    open_begin, open_end = ends
    spec = STEP_PATTERNS[pattern]
    x, y = walk(31, 2, 1), walk(27, 2, 2)
    options = dict(step_pattern=pattern, window=name, radius=radius, open_begin=open_begin,
                   open_end=open_end)  # fmt: skip
    try:
        full = seqalign.dtw(x, y, solver="full", **options)
    except seqalign.NoPathError:
        with pytest.raises(seqalign.NoPathError):
            seqalign.dtw(x, y, solver="linear", **options)
        return
    linear = seqalign.dtw(x, y, solver="linear", **options)
    assert linear.solver == "linear"
    assert linear.distance == full.distance  # bit for bit
    assert linear.end == full.end
    np.testing.assert_array_equal(linear.path, full.path)
    C = naive.cost_matrix(x, y, "euclidean")
    dist, _, _ = naive.dtw_naive(C, spec, name, radius, open_begin, open_end)
    assert linear.distance == pytest.approx(dist, rel=1e-12)


@pytest.mark.parametrize(("n", "m", "d", "metric"), [(400, 350, 12, "euclidean"),
                         (300, 380, 1, "sqeuclidean"), (250, 260, 5, "cosine")])  # fmt: skip
def test_linear_default_blocks_and_path_cost(n, m, d, metric):
    x, y = walk(n, d, 3), walk(m, d, 4)
    full = seqalign.dtw(x, y, metric=metric, solver="full")
    linear = seqalign.dtw(x, y, metric=metric, solver="linear")
    assert linear.distance == full.distance
    np.testing.assert_array_equal(linear.path, full.path)
    C = naive.cost_matrix(x, y, metric)
    cost = naive.path_cost(C, linear.path, STEP_PATTERNS["symmetric1"])
    assert cost == pytest.approx(linear.distance, rel=1e-9)


THREADED = [
    (method, pattern, window, open_end)
    for method, pattern, window, open_end in itertools.product(
        ["distance", "full", "linear"],
        ["symmetric1", "symmetric2", "asymmetric", "symmetricP05", "typeIIIc"],
        [("none", None), ("sakoechiba", 60)],
        [False, True],
    )
]


@pytest.mark.parametrize(("method", "pattern", "window", "open_end"), THREADED)
def test_threads_by_rows_change_no_number(monkeypatch, method, pattern, window, open_end):
    x, y = walk(230, 12, 5), walk(210, 12, 6)
    options = {
        "step_pattern": pattern,
        "window": window[0],
        "radius": window[1],
        "open_end": open_end,
        "return_path": method != "distance",
        "solver": "full" if method == "distance" else method,
    }
    reference = seqalign.dtw(x, y, **options)
    monkeypatch.setattr(sweeps, "SPAN_MIN_CELLS", 0)
    monkeypatch.setattr(sweeps, "SPAN_CELLS", 700)  # spans of a few diagonals
    monkeypatch.setattr(sweeps, "PARALLEL_MIN_LENGTH", 1)  # threads even on a small band
    monkeypatch.setattr(sweeps, "cpu_count", lambda: 3)
    monkeypatch.setattr(exact, "block_size", lambda problem: 37)
    used = []
    original = sweeps._by_rows
    monkeypatch.setattr(sweeps, "_by_rows", lambda *a: used.append(a[6]) or original(*a))
    calls = []
    threaded = seqalign.dtw(
        x, y, **options, progress=lambda done, total: calls.append((done, total))
    )
    assert used == [3]  # three threads shared the rows
    assert threaded.distance == reference.distance  # bit for bit
    if reference.path is not None:
        np.testing.assert_array_equal(threaded.path, reference.path)
    assert len(calls) > 10
    assert calls[-1][0] == calls[-1][1] == threaded.cells
    assert all(a[0] < b[0] for a, b in itertools.pairwise(calls))


def test_split_rows_balances_cells():
    band = window_band("none", 1000, 1000)
    bounds = sweeps.split_rows(band, 2, 64)
    assert bounds[0] == 0 and bounds[-1] == 1000 and abs(bounds[1] - 500) <= 1
    skewed = make_band(np.zeros(1000, dtype=np.int64),
                                        np.arange(1, 1001, dtype=np.int64), 1000)  # fmt: skip
    (upper,) = sweeps.split_rows(skewed, 2, 64)[1:-1]
    assert 690 <= upper <= 720  # half the cells of a triangle lie below row 1000 / sqrt(2)
    np.testing.assert_array_equal(sweeps.split_rows(band, 40, 64), [0, 1000])


def test_linear_memory_is_small():
    """Checkpoints + one block: within the estimate, far below the direction matrix."""
    x, y = walk(6000, 1, 7), walk(6000, 1, 8)
    problem, band = _estimates(x, y)
    estimate, _ = methods.estimate("linear", problem, band, True)
    tracemalloc.start()
    seqalign.dtw(x, y, solver="linear")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak <= estimate
    assert peak < band.area / 3  # the full method's direction matrix: one byte per cell


# -- multiscale ------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "m", "d", "power", "seed"), [(3000, 2600, 12, 1.3, 0),
                         (2500, 3100, 4, 0.8, 1), (4000, 4000, 1, 1.1, 2)])  # fmt: skip
def test_multiscale_agrees_with_exact(n, m, d, power, seed):
    x = walk(n, d, seed)
    y = warped(x, m, power, 0.3, seed + 10)
    ms = seqalign.dtw(x, y, solver="multiscale", verify=True)
    assert ms.solver == "multiscale"
    assert ms.agreement["within"] >= 0.99
    assert ms.distance >= ms.agreement["exact_distance"] - 1e-9
    assert ms.distance <= 1.01 * ms.agreement["exact_distance"]
    path = ms.path
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (n - 1, m - 1)
    steps = np.diff(path, axis=0)
    assert (steps >= 0).all() and (steps <= 1).all() and (steps.sum(axis=1) > 0).all()


def test_multiscale_small_input_is_exact():
    x, y = walk(200, 3, 1), walk(180, 3, 2)  # below the coarsest size: one exact level
    ms = seqalign.dtw(x, y, solver="multiscale")
    full = seqalign.dtw(x, y, solver="full")
    assert ms.distance == full.distance
    np.testing.assert_array_equal(ms.path, full.path)


def test_multiscale_radius_and_open_end():
    x = walk(3000, 2, 4)
    y = np.concatenate([walk(500, 2, 9) + x[0], warped(x, 2800, 1.0, 0.1, 5)])
    wide = seqalign.dtw(x, y, solver="multiscale", multiscale_radius=32, open_begin=True,
                        open_end=True, verify=True)  # fmt: skip
    assert wide.agreement["within"] >= 0.99
    assert abs(wide.start - 500) <= 3


def test_pool_and_project():
    a = np.arange(10.0)[:, None]
    np.testing.assert_allclose(multiscale.pool(a, 3)[:, 0], [1.0, 4.0, 7.0, 9.0])
    lo, hi = multiscale.project(np.array([[0, 0], [1, 1], [2, 1]]), 2, 6, 4, 0)
    np.testing.assert_array_equal(lo, [0, 0, 2, 2, 2, 2])
    np.testing.assert_array_equal(hi, [2, 2, 4, 4, 4, 4])


def test_path_agreement():
    ref = np.array([[0, 0], [1, 1], [2, 2], [3, 3]])
    same = seqalign.path_agreement(ref, ref)
    assert same == {"within": 1.0, "tolerance": 2, "mean": 0.0, "max": 0}
    off = np.array([[0, 0], [1, 3], [2, 3], [3, 3]])
    result = seqalign.path_agreement(off, ref, tolerance=1)
    assert result["max"] == 2 and result["within"] == 0.75


# -- anchors ---------------------------------------------------------------------------------


def _anchored_mask(n, m, anchors):
    mask = np.ones((n, m), dtype=bool)
    for ai, aj in anchors:
        mask[:ai, aj + 1 :] = False
        mask[ai + 1 :, :aj] = False
        mask[ai, :] = False
        mask[ai, aj] = True
    return mask


@pytest.mark.parametrize("method", ["full", "linear"])
@pytest.mark.parametrize("pattern", ["symmetric1", "symmetric2", "asymmetric"])
def test_anchors_exact(method, pattern):
    x, y = walk(40, 2, 1), walk(35, 2, 2)
    anchors = [(10, 20), (30, 25)]
    a = seqalign.dtw(x, y, step_pattern=pattern, solver=method, anchors=anchors)
    cells = {tuple(p) for p in a.path.tolist()}
    assert all(anchor in cells for anchor in anchors)
    C = naive.cost_matrix(x, y, "euclidean")
    D = naive.dtw_full(C, STEP_PATTERNS[pattern].steps, _anchored_mask(40, 35, anchors))
    assert a.distance == pytest.approx(D[-1, -1], rel=1e-12)
    assert a.distance >= seqalign.dtw(x, y, step_pattern=pattern).distance


def test_anchors_multiscale():
    x = walk(3000, 3, 2)
    y = warped(x, 2700, 1.2, 0.2, 3)
    anchors = [(1000, 1200), (2000, 2000)]
    a = seqalign.dtw(x, y, solver="multiscale", anchors=anchors)
    cells = {tuple(p) for p in a.path.tolist()}
    assert all(anchor in cells for anchor in anchors)


@pytest.mark.parametrize(
    ("anchors", "text"),
    [([(5, 50)], "outside"), ([(5, 5), (5, 8)], "increase strictly"), ([(1, 2, 3)], "pairs"),
     ([(1.5, 2)], "whole")],
)  # fmt: skip
def test_bad_anchors(anchors, text):
    with pytest.raises(InputError, match=text):
        seqalign.dtw(walk(20, 1, 1), walk(20, 1, 2), anchors=anchors)


# -- the method choice -----------------------------------------------------------------------


def _problem(n, m, d=3):
    x, y = walk(n, d, 1), walk(m, d, 2)
    return x, y


def test_auto_choice_under_budgets():
    x, y = _problem(3000, 2500)
    roomy = seqalign.dtw(x, y)
    assert roomy.solver == "full" and "fit the budget" in roomy.solver_reason
    choices = {}
    for budget in (2**k for k in range(18, 28)):
        try:
            a = seqalign.dtw(x, y, max_memory=budget)
        except MemoryBudgetError as error:
            assert "raise max_memory" in str(error)
            choices[budget] = None
            continue
        choices[budget] = a.solver
        assert a.distance >= roomy.distance
        if a.solver != "multiscale":
            assert a.distance == roomy.distance
    seen = [c for c in choices.values() if c]
    assert "full" in seen and "multiscale" in seen
    assert None in choices.values()  # the smallest budgets fit nothing: a clear error


def _estimates(x, y):
    from seqalign.localcosts import prepare
    from seqalign.warping.sweeps import Problem

    n, m = x.shape[0], y.shape[0]
    xt, yr = prepare(x, y, "euclidean")
    problem = Problem(xt, yr, np.empty((0, 0)), 1, n, m, STEP_PATTERNS["symmetric1"].arrays(),
                      False)  # fmt: skip
    return problem, window_band("none", n, m)


def test_auto_takes_linear_when_full_does_not_fit():
    x, y = _problem(3000, 2500)
    full = seqalign.dtw(x, y, solver="full")
    problem, band = _estimates(x, y)
    linear_bytes, _ = methods.estimate("linear", problem, band, True)
    full_bytes, _ = methods.estimate("full", problem, band, True)
    assert linear_bytes < full_bytes
    a = seqalign.dtw(x, y, max_memory=(linear_bytes + full_bytes) // 2)
    assert a.solver == "linear" and "over the budget" in a.solver_reason
    assert a.distance == full.distance
    np.testing.assert_array_equal(a.path, full.path)


def test_no_hard_failure_where_a_method_fits():
    """Whenever the estimate of some method fits, auto runs and stays within the budget."""
    x, y = _problem(2000, 1800)
    for budget in np.geomspace(2**20, 2**26, 9).astype(int):
        try:
            a = seqalign.dtw(x, y, max_memory=int(budget))
        except MemoryBudgetError:
            continue
        tracemalloc.start()
        seqalign.dtw(x, y, max_memory=int(budget), solver=a.solver)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak <= budget, (a.solver, peak, budget)


def test_time_limit_sends_auto_to_multiscale():
    x, y = _problem(3000, 2500)
    problem, band = _estimates(x, y)
    budget = sum(methods.estimate(name, problem, band, True)[0] for name in ("full", "linear"))
    choice = methods.choose("auto", problem, band, True, max_memory=budget // 2, time_limit=0.0)
    assert choice.solver == "multiscale" and "would take" in choice.reason


def test_distance_only_is_always_exact():
    x, y = _problem(500, 400)
    a = seqalign.dtw(x, y, return_path=False, solver="multiscale", max_memory=2**20)
    assert a.solver == "full" and a.path is None
    assert a.distance == seqalign.dtw(x, y).distance


def test_unknown_solver_and_multiscale_with_cost():
    with pytest.raises(InputError, match="unknown solver"):
        seqalign.dtw([0.0, 1.0], [0.0, 1.0], solver="fast")
    with pytest.raises(InputError, match="cost matrix"):
        seqalign.dtw(cost=np.ones((5, 5)), solver="multiscale")


def test_multiscale_reports_agreement_whenever_the_exact_path_is_affordable():
    x = walk(2000, 3, 8)
    y = warped(x, 1800, 1.1, 0.2, 9)
    checked = seqalign.dtw(x, y, solver="multiscale")  # small: the exact path is cheap
    assert checked.agreement is not None and checked.agreement["within"] >= 0.99
    assert seqalign.dtw(x, y, solver="multiscale", verify=False).agreement is None
    problem, band = _estimates(x, y)
    assert not methods.affordable("linear", problem, band, time_limit=0.0)


def test_narrow_bands_stay_in_one_thread_with_small_buffers(monkeypatch):
    """A band a few cells wide on long inputs: no whole-diagonal cost buffers."""
    x, y = walk(20000, 4, 1), walk(20000, 4, 2)
    monkeypatch.setattr(sweeps, "_by_rows", lambda *a: pytest.fail("threads on a narrow band"))
    tracemalloc.start()
    a = seqalign.dtw(x, y, window="sakoechiba", radius=20, progress=lambda done, total: None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 60 * 2**20 and a.cells < 20000 * 41


@pytest.mark.parametrize("limit", [-1.0, float("nan"), "soon", True])
def test_bad_time_limit(limit):
    with pytest.raises(InputError, match="time_limit"):
        seqalign.dtw(walk(20, 1, 1), walk(20, 1, 2), time_limit=limit)


def test_an_anchor_outside_the_window_is_named():
    x, y = walk(300, 2, 1), walk(250, 2, 2)
    with pytest.raises(InputError, match=r"anchor \(100, 200\) lies outside the slantedband"):
        seqalign.dtw(x, y, window="slantedband", radius=10, anchors=[(100, 200)])
