"""OnlineSegmenter: the breakpoints it reports as frames arrive equal offline PELT's."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from seqalign.changepoints.online import NOISE_FRAMES, OnlineSegmenter
from seqalign.changepoints.search import segment
from seqalign.errors import InputError

TCPD = Path(__file__).resolve().parents[2] / "shared" / "data" / "tcpd"


def _series(seed: int, n: int, changes: int, d: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    for c in rng.integers(0, n, changes):
        x[c:] += rng.normal(size=d) * 3
        if d > 1:
            x[c:] *= rng.uniform(0.3, 3.0)
    return x


def _online(x, chunk, **kw):
    seg = OnlineSegmenter(**kw)
    got = []
    for lo in range(0, x.shape[0], chunk):
        new = seg.update(x[lo : lo + chunk])
        assert new == sorted(new)
        assert not got or not new or new[0] > got[-1]
        got += new
    got += seg.finish()
    assert len(seg.delays) == len(got)
    assert all(d >= 0 for d in seg.delays)
    return got, seg


def _offline(x, **kw):
    return segment(x, search="pelt", **kw).changepoints.tolist()


@pytest.mark.parametrize(
    ("seed", "n", "changes", "min_size", "jump", "chunk"),
    [
        (seed, n, changes, min_size, jump, chunk)
        for seed, n, changes, min_size, jump, chunk in itertools.product(
            range(3), (2, 37, 400), (0, 4), (1, 2, 5), (1, 3), (1, 7, 1000, 10**9)
        )
        if n >= min_size
    ],
)
def test_l2_equals_offline(seed, n, changes, min_size, jump, chunk):
    x = _series(seed, n, changes)
    pen = float(np.random.default_rng(seed + 100).uniform(1.0, 20.0))
    kw = {"penalty": pen, "min_size": min_size, "jump": jump}
    got, _ = _online(x, chunk, cost="l2", **kw)
    assert got == _offline(x, cost="l2", **kw)


@pytest.mark.parametrize(
    ("seed", "d", "min_size", "chunk"),
    list(itertools.product(range(4), (1, 2), (2, 4), (1, 13, 10**9))),
)
def test_normal_equals_offline(seed, d, min_size, chunk):
    x = _series(seed, 300, 3, d)
    kw = {"penalty": 15.0, "min_size": min_size, "eps": 1e-6}
    got, _ = _online(x, chunk, cost="normal", **kw)
    assert got == _offline(x, cost="normal", **kw)


@pytest.mark.parametrize(
    ("seed", "d", "min_size", "jump", "chunk"),
    list(itertools.product(range(3), (1, 2), (1, 3), (1, 2), (1, 13, 10**9))),
)
def test_rbf_equals_offline(seed, d, min_size, jump, chunk):
    x = _series(seed, 250, 3, d)
    kw = {"penalty": 3.0, "min_size": min_size, "jump": jump, "kernel_gamma": 0.4}
    got, _ = _online(x, chunk, cost="rbf", **kw)
    assert got == _offline(x, cost="rbf", **kw)


@pytest.mark.parametrize(("seed", "chunk"), list(itertools.product(range(4), (1, 13, 10**9))))
def test_cosine_equals_offline(seed, chunk):
    x = _series(seed, 300, 4, 3)
    kw = {"penalty": 3.0, "min_size": 2}
    got, _ = _online(x, chunk, cost="cosine", **kw)
    assert got == _offline(x, cost="cosine", **kw)


@pytest.mark.parametrize("cost", ["l2", "normal", "rbf"])
def test_long_stream_compacts_its_state(cost):
    rng = np.random.default_rng(5)
    x = np.repeat(rng.normal(size=40) * 3, 100)[:, None] + rng.normal(size=(4000, 1))
    kw = {"kernel_gamma": 0.5} if cost == "rbf" else {"eps": 1e-6} if cost == "normal" else {}
    pen = 3.0 if cost == "rbf" else 20.0
    got, seg = _online(x, 50, cost=cost, penalty=pen, **kw)
    assert got == _offline(x, cost=cost, penalty=pen, **kw)
    assert seg.memory_frames < 1000


def test_rbf_bandwidth_from_the_first_frames():
    x = _series(3, 2500, 4)
    seg = OnlineSegmenter("rbf", penalty=3.0)
    got = seg.update(x) + seg.finish()
    assert seg.gamma > 0
    assert got == _offline(x, cost="rbf", penalty=3.0, kernel_gamma=seg.gamma)


@pytest.mark.parametrize(("seed", "penalty"), list(itertools.product(range(5), ("mbic", "bic"))))
def test_named_penalty_with_expected_length_equals_offline(seed, penalty):
    x = _series(seed, 500, 5, 2)
    got, seg = _online(x, 50, penalty=penalty, expected_length=x.shape[0], noise=0.8, min_size=3)
    assert got == _offline(x, penalty=penalty, noise=0.8, min_size=3)
    assert seg.penalty.name == penalty


@pytest.mark.parametrize(
    ("seed", "cost", "min_size", "jump"),
    list(itertools.product(range(3), ("l2", "rbf"), (1, 3), (1, 2))),
)
def test_a_boundary_is_certain_when_reported(seed, cost, min_size, jump):
    """The rule itself, on every prefix: a boundary reported once m frames were seen
    belongs to the offline optimum of every prefix x[:m] from there on (the stream could
    stop anywhere)."""
    rng = np.random.default_rng(seed)
    x = np.r_[np.zeros(30), np.full(30, 4.0), np.zeros(30)] + rng.normal(size=90)
    kw = {"penalty": 3.0 if cost == "rbf" else 8.0, "min_size": min_size, "jump": jump}
    if cost == "rbf":
        kw["kernel_gamma"] = 0.4
    seg = OnlineSegmenter(cost, **kw)
    reported = []
    for t in range(x.shape[0]):
        for b in seg.update(x[t : t + 1]):
            reported.append((b, t + 1))  # known once frames < t + 1 were seen
    assert [b for b, _ in reported] == seg.boundaries
    assert reported  # the series has changes: some are certain before the end
    for b, seen in reported:
        for m in range(seen, x.shape[0] + 1):
            if m >= min_size:
                assert b in _offline(x[:m], cost=cost, **kw), (b, seen, m)


def test_named_penalty_estimates_noise_on_the_first_frames():
    x = _series(7, 3000, 6)
    seg = OnlineSegmenter(penalty="bic", expected_length=3000)
    assert seg.update(x[: NOISE_FRAMES - 1]) == []  # buffered until the noise is known
    got = seg.update(x[NOISE_FRAMES - 1 :]) + seg.finish()
    assert seg.scale > 0
    assert got == _offline(x, penalty=seg.penalty.value)


def test_boundaries_come_before_the_end_and_memory_stays_small():
    x = np.repeat(np.random.default_rng(0).normal(size=200) * 5, 100)
    x = x + np.random.default_rng(1).normal(size=x.size)
    seg = OnlineSegmenter(penalty=30.0)
    early = []
    for lo in range(0, x.size, 100):
        early += seg.update(x[lo : lo + 100])
        assert seg.memory_frames < 2000
    rest = seg.finish()
    assert len(early) > 0.9 * len(early + rest)
    assert early + rest == _offline(x, penalty=30.0)
    assert max(seg.delays) < 1000
    assert seg.peak_live > 0


def _tcpd_names():
    if not TCPD.exists():
        return []
    names = []
    for path in sorted(TCPD.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and isinstance(data.get("series"), list):
            names.append(path.stem)
    return names


def _tcpd_series(name):
    """The series z-scored as TCPDBench does; missing values interpolated as ``--missing
    interpolate`` does, so that the three TCPD series with gaps are tested too."""
    from seqalign.io.missing import resolve_missing

    data = json.loads((TCPD / f"{name}.json").read_text())
    x = np.array([s["raw"] for s in data["series"]], dtype=float).T
    x, _ = resolve_missing(x, "interpolate", name)
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)


@pytest.mark.skipif(not TCPD.exists(), reason="../shared/data/tcpd is absent")
@pytest.mark.parametrize("name", _tcpd_names())
@pytest.mark.parametrize("cost", ["l2", "normal", "rbf"])
def test_tcpd_equals_offline(name, cost):
    x = _tcpd_series(name)
    kw = {"penalty": "mbic", "noise": 1.0, "min_size": 2}
    if cost == "normal":
        kw["eps"] = 1e-3
    if cost == "rbf":
        kw["kernel_gamma"] = 0.5
    got, _ = _online(x, 5, cost=cost, expected_length=x.shape[0], **kw)
    assert got == _offline(x, cost=cost, **kw)


def test_max_delay_bounds_the_delay():
    x = np.r_[np.zeros(300), np.full(300, 4.0), np.zeros(300)]
    x = x + np.random.default_rng(3).normal(size=x.size)
    exact, seg = _online(x, 1, penalty=1e4)  # nothing is worth a change
    assert exact == []
    forced, seg = _online(x, 1, penalty=20.0, max_delay=50)
    assert max(seg.delays) <= 50
    assert forced == sorted(set(forced))
    free, _ = _online(x, 1, penalty=20.0)
    assert free == _offline(x, penalty=20.0)
    # With a max_delay above every natural delay, nothing is forced: exact.
    _, loose = _online(x, 1, penalty=20.0, max_delay=10**6)
    assert loose.forced == 0


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"penalty": "mbic"}, "expected_length"),
        ({"penalty": "nope", "expected_length": 10}, "penalty"),
        ({"penalty": -1.0}, "penalty"),
        ({"penalty": 1.0, "cost": "l1"}, "cost"),
        ({"penalty": 1.0, "kernel_gamma": 0.5}, "kernel_gamma"),
        ({"penalty": 1.0, "cost": "rbf", "kernel_gamma": -1.0}, "kernel_gamma"),
        ({"penalty": 1.0, "jump": 0}, "jump"),
        ({"penalty": 1.0, "min_size": 0}, "min_size"),
        ({"penalty": 1.0, "max_delay": 0}, "max_delay"),
        ({"penalty": "bic", "expected_length": 1}, "expected_length"),
        ({"penalty": 1.0, "noise": -2.0}, "noise"),
    ],
)
def test_bad_arguments(kwargs, argument):
    with pytest.raises(InputError) as info:
        OnlineSegmenter(**kwargs)
    assert info.value.argument == argument


def test_bad_frames():
    seg = OnlineSegmenter(penalty=1.0)
    seg.update(np.zeros((3, 2)))
    with pytest.raises(InputError, match="features"):
        seg.update(np.zeros((3, 3)))
    with pytest.raises(InputError, match="finite"):
        seg.update(np.array([[np.nan, 0.0]]))
    short = OnlineSegmenter(penalty=1.0, min_size=5)
    short.update(np.zeros(3))
    with pytest.raises(InputError, match="minimum segment"):
        short.finish()
    done = OnlineSegmenter(penalty=1.0)
    done.finish()
    with pytest.raises(InputError, match="finished"):
        done.update(np.zeros(2))
