"""Changepoint kernels against tests/naive.py: costs, and every search against enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqalign._kernels import segsearch
from seqalign._kernels.segcost import segment_cost
from seqalign.changepoints.costs import COSTS, get_cost, median_heuristic, prepare_cost
from seqalign.changepoints.ranges import segment_range
from seqalign.changepoints.search import segment
from seqalign.errors import InputError
from tests import naive

COST_NAMES = list(COSTS)


def _signal(n: int, d: int, seed: int, cost: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    x[n // 3 :] += 2.0
    x[2 * n // 3 :, 0] *= 3.0
    if cost == "linear":
        x[:, 1:] = rng.normal(size=(n, d - 1))
        x[:, 0] = x[:, 1:] @ rng.normal(size=d - 1) + 0.3 * rng.normal(size=n)
        x[n // 2 :, 0] += x[n // 2 :, 1:] @ np.ones(d - 1) * 2
    return x


def _kw(cost: str, x: np.ndarray) -> dict:
    if cost == "rbf":
        return {"gamma": 0.5}
    if cost == "normal":
        return {"eps": 1e-3}
    return {}


@pytest.mark.parametrize(
    ("cost", "d"),
    [(c, d) for c, d in itertools.product(COST_NAMES, (1, 3)) if c != "linear"]
    + [("linear", 2), ("linear", 4)],
)
def test_segment_cost_equals_definition(cost, d):
    x = _signal(40, d, 1, cost)
    kw = _kw(cost, x)
    prepared = prepare_cost(get_cost(cost), x, **kw)
    for s, e in [(0, 40), (3, 9), (10, 11), (12, 14), (20, 33), (39, 40)]:
        if cost == "normal" and e - s < 2:
            continue
        got = segment_cost(prepared.code, prepared.data, prepared.param, prepared.work, s, e)
        want = naive.segment_cost(x, s, e, cost, **kw)
        assert got == pytest.approx(want, rel=1e-7, abs=1e-7), (s, e)


CASES = [
    (cost, min_size, jump, lw)
    for cost, min_size, jump, lw in itertools.product(COST_NAMES, (1, 2, 3), (1, 2), (0.0, 1.0))
    if not (cost == "normal" and min_size < 2)
]


def _problem_args(x, cost):
    kw = _kw(cost, x)
    prepared = prepare_cost(get_cost(cost), x, **kw)
    return prepared, kw


@pytest.mark.parametrize(("cost", "min_size", "jump", "len_weight"), CASES)
def test_pelt_equals_exhaustive_search(cost, min_size, jump, len_weight):
    x = _signal(11, 2, 7, cost)
    prepared, kw = _problem_args(x, cost)
    margin = -len_weight * math.log(max(len(x) / 4, 1))
    for pen in (0.5, 3.0, 20.0):
        bkps, total = segsearch.pelt(
            prepared.code, prepared.data, prepared.param, prepared.work, len(x), pen,
            min_size, jump, len_weight, margin,
        )  # fmt: skip
        want, want_bkps = naive.exhaustive_penalised(x, cost, pen, min_size, jump, len_weight, **kw)
        got = naive.total_cost(x, bkps.tolist(), cost, len_weight, **kw) + pen * (bkps.size - 1)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (pen, bkps, want_bkps)
        assert total + pen * (bkps.size - 1) == pytest.approx(want, rel=1e-7, abs=1e-7)


@pytest.mark.parametrize(("cost", "min_size", "jump"), sorted({c[:3] for c in CASES}))
def test_dynp_equals_exhaustive_search(cost, min_size, jump):
    x = _signal(11, 2, 3, cost)
    prepared, kw = _problem_args(x, cost)
    costs, table = segsearch.optimal_partition(
        prepared.code, prepared.data, prepared.param, prepared.work, len(x), 4, min_size,
        jump, 0.0,
    )  # fmt: skip
    for k in range(5):
        want, _ = naive.exhaustive_fixed(x, cost, k, min_size, jump, **kw)
        if want == math.inf:
            assert costs[k] == math.inf
            continue
        bkps = table[k, : k + 1].tolist()
        assert costs[k] == pytest.approx(want, rel=1e-7, abs=1e-7)
        assert naive.total_cost(x, bkps, cost, **kw) == pytest.approx(want, rel=1e-7, abs=1e-7)


@pytest.mark.parametrize(("cost", "min_size", "jump"), sorted({c[:3] for c in CASES}))
def test_binseg_equals_naive_greedy(cost, min_size, jump):
    x = _signal(30, 2, 5, cost)
    kw = _kw(cost, x)
    api = {("kernel_gamma" if k == "gamma" else k): v for k, v in kw.items()}  # the API's name
    got = segment(x, search="binseg", cost=cost, n_bkps=3, min_size=min_size, jump=jump, **api)
    want = naive.binseg_greedy(x, cost, 3, min_size, jump, **kw)
    assert got.breakpoints.tolist() == want


@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=10),
    st.floats(0.01, 10),
    st.integers(1, 3),
)
@settings(max_examples=60, deadline=None)
def test_pelt_is_optimal_property(values, pen, min_size):
    x = np.array(values)[:, None]
    if len(values) < min_size:
        return
    got = segment(x, penalty=pen, min_size=min_size, cost="l2")
    want, _ = naive.exhaustive_penalised(x, "l2", pen, min_size)
    assert got.objective == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_mbic_exact_pruning_beats_classic_on_a_hard_case():
    # The log-length term breaks K = 0 pruning: exact pruning never does worse.
    rng = np.random.default_rng(4)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x = np.cumsum(rng.normal(size=60)) / 3
        exact = segment(x, penalty="mbic", noise=1.0)
        classic = segment(x, penalty="mbic", noise=1.0, pruning="classic")
        assert exact.objective <= classic.objective + 1e-9


def test_bottomup_greedy_merges_keep_min_size():
    x = _signal(60, 1, 2, "l2")
    for k in range(0, 6):
        s = segment(x, search="bottomup", n_bkps=k, min_size=3)
        assert s.n_bkps == k
        assert np.diff(np.r_[0, s.breakpoints]).min() >= 3


def test_segment_range_matches_single_calls():
    x = _signal(50, 2, 9, "l2")
    many = segment_range(x, [0, 2, 4])
    for s in many:
        single = segment(x, search="dynp", n_bkps=s.n_bkps)
        assert s.breakpoints.tolist() == single.breakpoints.tolist()
        assert s.cost == pytest.approx(single.cost)


def test_rbf_median_heuristic_and_linear_kernel():
    x = _signal(30, 2, 1, "l2")
    d2 = ((x[:, None] - x[None]) ** 2).sum(-1)[np.triu_indices(30, 1)]
    assert median_heuristic(x) == pytest.approx(1 / np.median(d2))


def test_results_follow_ruptures_convention():
    x = np.r_[np.zeros(20), np.full(20, 3.0)] + np.random.default_rng(0).normal(0, 0.1, 40)
    s = segment(x, penalty=1.0)
    assert s.breakpoints.tolist() == [20, 40]
    assert s.changepoints.tolist() == [20]
    assert s.segments.tolist() == [[0, 20], [20, 40]]
    d = s.to_dict(rate=10.0)
    assert d["times"] == [2.0] and d["breakpoints"] == [20, 40]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cost": "l3"}, "unknown cost 'l3'; choose one of: l2, l1"),
        ({"search": "fast"}, "unknown search"),
        ({"penalty": "xic"}, "unknown penalty"),
        ({"penalty": -1}, "penalty must be a finite number >= 0"),
        ({"n_bkps": 99}, "do not fit"),
        ({"n_bkps": -1}, "n_bkps must be a whole number >= 0"),
        ({"min_size": 0}, "min_size must be a whole number >= 1"),
        ({"jump": 0}, "jump must be a whole number >= 1"),
        ({"search": "pelt", "n_bkps": 2}, "pelt takes a penalty"),
        ({"n_bkps": 2, "penalty": 3}, "not both"),
        ({"cost": "rbf", "kernel_gamma": -1.0}, "the rbf bandwidth must be positive"),
        ({"kernel_gamma": 1.0}, "gamma applies to the rbf cost"),
        ({"search": "dynp"}, "dynp needs"),
        ({"search": "window", "width": 500, "n_bkps": 1}, "window width"),
        ({"engine": "r"}, "unknown engine"),
        ({"pruning": "none"}, "unknown pruning"),
        ({"noise": 0}, "noise must be a positive number"),
    ],
)
def test_bad_arguments(kwargs, match):
    x = _signal(30, 1, 0, "l2")
    with pytest.raises(InputError, match=match):
        segment(x, **kwargs)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.array([1.0, np.nan, 2.0]), "x has a NaN value at frame 1"),
        (np.zeros((0, 2)), "empty"),
        (np.zeros((2, 2, 2)), "must be 1-D or 2-D"),
        (["a", "b"], "not a numeric array"),
    ],
)
def test_bad_signals(x, match):
    with pytest.raises(InputError, match=match):
        segment(x)


def test_linear_cost_needs_two_columns():
    with pytest.raises(InputError, match="at least 2 features"):
        segment(np.arange(10.0), cost="linear")


def test_memory_is_estimated_before_allocating():
    from seqalign.errors import MemoryBudgetError

    x = _signal(1000, 40, 0, "l2")
    with pytest.raises(MemoryBudgetError, match="normal cost of 1000 frames x 40 features"):
        segment(x, cost="normal", max_memory=1_000_000)
    assert segment(x, cost="l2", n_bkps=1, max_memory=10_000_000).n_bkps == 1


def test_the_package_function_is_not_shadowed_by_a_module():
    # Importing the API modules must leave seqalign.segment the function.
    import importlib
    import pkgutil

    import seqalign

    for module in pkgutil.walk_packages(seqalign.__path__, "seqalign."):
        if not module.name.startswith(("seqalign.__main__", "seqalign.matrix.distributed")):
            importlib.import_module(module.name)  # every subpackage and module of the API
    for name in seqalign.__all__:
        assert not isinstance(getattr(seqalign, name), type(seqalign)), name
