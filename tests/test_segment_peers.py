"""Segmentation against ruptures (same cost, penalty, min_size, jump) and TCPDBench.

Definitions shared with ruptures: l2, l1, rbf through KernelCPD (no clipping), cosine
through KernelCPD, normal for one feature with ruptures' absolute ridge eps = 1e-6.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from seqalign.changepoints.ranges import crops
from seqalign.changepoints.search import segment

rpt = pytest.importorskip("ruptures")

TCPD = Path(__file__).resolve().parents[2] / "shared" / "data" / "tcpd"


def _signal(n=240, d=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    for k, start in enumerate(range(0, n, n // 6)):
        x[start:] += (-1) ** k * 1.5
    return x


@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("cost", ["l2", "l1"])
@pytest.mark.parametrize("pen", [2.0, 10.0, 40.0])
def test_pelt_equals_ruptures_pelt(cost, d, pen):
    x = _signal(d=d, seed=d)
    want = rpt.Pelt(model=cost, min_size=2, jump=1).fit(x).predict(pen=pen)
    got = segment(x, search="pelt", cost=cost, penalty=pen, min_size=2)
    assert got.breakpoints.tolist() == want


@pytest.mark.parametrize("pen", [5.0, 30.0])
def test_pelt_normal_equals_ruptures_for_one_feature(pen):
    x = _signal(n=150, seed=3) * np.r_[np.ones(75), np.full(75, 3.0)][:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = rpt.Pelt(model="normal", min_size=2, jump=1).fit(x).predict(pen=pen)
    got = segment(x, cost="normal", penalty=pen, min_size=2, eps=1e-6)
    assert got.breakpoints.tolist() == want


@pytest.mark.parametrize("kernel", ["rbf", "cosine"])
@pytest.mark.parametrize("pen", [1.0, 5.0])
def test_pelt_kernel_equals_kernelcpd(kernel, pen):
    x = _signal(n=200, d=2, seed=5)
    params = {"gamma": 0.3} if kernel == "rbf" else None
    want = rpt.KernelCPD(kernel=kernel, min_size=1, params=params).fit(x).predict(pen=pen)
    got = segment(x, cost=kernel, penalty=pen, min_size=1, kernel_gamma=(params or {}).get("gamma"))
    assert got.breakpoints.tolist() == [int(b) for b in want]


def test_pelt_with_min_size_is_never_worse_than_kernelcpd():
    # ruptures prunes at once even when min_size > 1, which can lose the optimum (here it
    # does); seqalign delays the pruning until a split there is allowed.
    x = _signal(n=200, d=2, seed=5)
    want = rpt.KernelCPD(kernel="cosine", min_size=2).fit(x).predict(pen=1.0)
    got = segment(x, cost="cosine", penalty=1.0, min_size=2)
    theirs = segment(x, cost="cosine", n_bkps=len(want) - 1, search="dynp", min_size=2)
    assert got.objective < theirs.cost + 1.0 * (len(want) - 1) + 1e-9


@pytest.mark.parametrize("cost", ["l2", "rbf"])
def test_dynp_equals_ruptures(cost):
    x = _signal(n=120, d=2, seed=8)
    if cost == "rbf":
        algo = rpt.KernelCPD(kernel="rbf", min_size=3, params={"gamma": 0.5})
        got = segment(x, search="dynp", cost="rbf", n_bkps=4, min_size=3, kernel_gamma=0.5)
    else:
        algo = rpt.Dynp(model="l2", min_size=3, jump=1)
        got = segment(x, search="dynp", n_bkps=4, min_size=3)
    assert got.breakpoints.tolist() == [int(b) for b in algo.fit(x).predict(n_bkps=4)]


@pytest.mark.parametrize("method", ["binseg", "bottomup", "window"])
@pytest.mark.parametrize(("min_size", "jump"), [(2, 1), (3, 5)])
@pytest.mark.parametrize("cost", ["l2", "l1"])
def test_greedy_searches_equal_ruptures(method, cost, min_size, jump):
    x = _signal(n=300, d=2, seed=11)
    classes = {"binseg": rpt.Binseg, "bottomup": rpt.BottomUp}
    if method == "window":
        algo = rpt.Window(width=40, model=cost, min_size=min_size, jump=jump)
    else:
        algo = classes[method](model=cost, min_size=min_size, jump=jump)
    want = algo.fit(x).predict(n_bkps=5)
    got = segment(x, search=method, cost=cost, n_bkps=5, min_size=min_size, jump=jump, width=40)
    assert got.breakpoints.tolist() == want


@pytest.mark.parametrize("method", ["binseg", "bottomup", "window"])
def test_greedy_searches_with_a_penalty_equal_ruptures(method):
    x = _signal(n=300, d=1, seed=2)
    classes = {"binseg": rpt.Binseg, "bottomup": rpt.BottomUp}
    if method == "window":
        algo = rpt.Window(width=40, model="l2", min_size=2, jump=1)
    else:
        algo = classes[method](model="l2", min_size=2, jump=1)
    want = algo.fit(x).predict(pen=20.0)
    got = segment(x, search=method, penalty=20.0, min_size=2, width=40)
    assert got.breakpoints.tolist() == want


@pytest.mark.parametrize("method", ["pelt", "binseg", "bottomup", "dynp", "window"])
def test_ruptures_engine_gives_the_same_segmentation(method):
    x = _signal(n=200, d=1, seed=4)
    kw = {"penalty": 15.0} if method == "pelt" else {"n_bkps": 3}
    native = segment(x, search=method, min_size=2, width=40, **kw)
    other = segment(x, search=method, min_size=2, width=40, engine="ruptures", **kw)
    assert other.engine == "ruptures"
    assert other.breakpoints.tolist() == native.breakpoints.tolist()
    assert other.cost == pytest.approx(native.cost)


def test_ruptures_engine_runs_costs_seqalign_lacks():
    x = _signal(n=200, d=1, seed=4)
    got = segment(x, search="binseg", cost="rank", n_bkps=3, engine="ruptures")
    assert got.n_bkps == 3 and got.cost_name == "rank"


def test_crops_lists_what_pelt_finds_inside_each_range():
    x = _signal(n=200, d=1, seed=6)
    path = crops(x, 1.0, 100.0)
    ks = [s.n_bkps for s in path]
    assert ks == sorted(set(ks))
    for s in path:
        lo, hi = s.params["penalty_range"]
        assert lo <= hi
        mid = segment(x, penalty=(lo + hi) / 2)
        assert mid.breakpoints.tolist() == s.breakpoints.tolist()


def _tcpd_series(name):
    data = json.loads((TCPD / f"{name}.json").read_text())
    x = np.array([s["raw"] for s in data["series"]], dtype=float).T
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)  # TCPDBench z-scores, ddof 1


def _expected():
    path = TCPD / "expected_default_pelt_binseg.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text())["datasets"]


needs_tcpd = pytest.mark.skipif(not TCPD.exists(), reason="../shared/data/tcpd is absent")


@needs_tcpd
@pytest.mark.parametrize("name", sorted(_expected()))
@pytest.mark.parametrize("method", ["pelt", "binseg"])
def test_tcpdbench_defaults_are_reproduced(name, method):
    """R changepoint's defaults as TCPDBench ran them: l2 + log(length), 3 log n per change,
    unit noise (z-scored), min_size 1; BinSeg keeps the best k <= Q = 5; PELT's pruning as
    R's (classic). Locations are breakpoints - 1."""
    expected = _expected()[name][f"default_{method}"]
    x = _tcpd_series(name)
    kw = {"max_bkps": 5} if method == "binseg" else {"pruning": "classic"}
    got = segment(x, search=method, penalty="mbic", noise=1.0, min_size=1, **kw)
    assert (got.changepoints - 1).tolist() == expected["cplocations"]


@needs_tcpd
def test_exact_pelt_never_loses_to_tcpdbench_and_wins_on_three():
    better = []
    for name, entry in _expected().items():
        x = _tcpd_series(name)
        exact = segment(x, penalty="mbic", noise=1.0, min_size=1)
        classic = segment(x, penalty="mbic", noise=1.0, min_size=1, pruning="classic")
        assert exact.objective <= classic.objective + 1e-9
        if exact.objective < classic.objective - 1e-9:
            better.append(name)
        assert (classic.changepoints - 1).tolist() == entry["default_pelt"]["cplocations"]
    assert sorted(better) == ["co2_canada", "lga_passengers", "us_population"]
