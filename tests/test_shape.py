"""Shape-change segmentation (``segment(x, cost="shape")``): kernels against tests/naive.py,
detection on generated series with known changes of shape, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from seqalign import segment
from seqalign._kernels import shape as kernels
from seqalign.changepoints.shape import (
    estimate_width,
    rank_sum_p,
    segment_shape,
    split_profile,
    subsequence_neighbours,
)
from seqalign.cli.main import app
from seqalign.errors import InputError
from tests import naive

RNG = np.random.default_rng(7)


# -- kernels against the naive references --------------------------------------------------


@pytest.mark.parametrize("w", [2, 7, 30])
def test_window_stats(w):
    x = RNG.standard_normal(1300).cumsum()
    mean, std = kernels.window_stats(x, w)
    windows = np.lib.stride_tricks.sliding_window_view(x, w)
    np.testing.assert_allclose(mean, windows.mean(1), atol=1e-9)
    np.testing.assert_allclose(std, windows.std(1), atol=1e-6)


@pytest.mark.parametrize("w", [1, 5, 40])
def test_summary_mismatch(w):
    x = RNG.random(400)
    assert kernels.summary_mismatch(x, w) == pytest.approx(naive.summary_mismatch(x, w))


@pytest.mark.parametrize(("n", "d", "w", "k", "exclusion", "jobs"),
                         [(120, 1, 8, 3, 4, 1), (150, 2, 10, 3, 5, 2), (90, 3, 6, 5, 1, 3),
                          (60, 1, 20, 3, 10, 2)])  # fmt: skip
def test_neighbours_match_naive(n, d, w, k, exclusion, jobs):
    x = RNG.standard_normal((n, d)).cumsum(axis=0)
    z = (x - x.mean(0)) / x.std(0)
    index, corr = subsequence_neighbours(x, w, k=k, exclusion=exclusion, n_jobs=jobs)
    ref_index, ref_dist = naive.subsequence_knn(z, w, k, exclusion)
    np.testing.assert_allclose(2 * w * (d - corr), ref_dist, rtol=1e-7, atol=1e-7)
    assert (index == ref_index).mean() > 0.99  # only near-ties may swap
    assert all(abs(i - j) >= exclusion for i, row in enumerate(index) for j in row)


def test_neighbours_are_the_same_on_any_number_of_threads():
    x = RNG.standard_normal(3000).cumsum()
    one = subsequence_neighbours(x, 25, n_jobs=1)
    three = subsequence_neighbours(x, 25, n_jobs=3)
    np.testing.assert_array_equal(one[0], three[0])
    np.testing.assert_array_equal(one[1], three[1])


def test_progress_rounds_give_the_same_neighbours(monkeypatch):
    from seqalign.changepoints import shape

    x = RNG.standard_normal(2000).cumsum()
    plain = subsequence_neighbours(x, 25, n_jobs=2)
    monkeypatch.setattr(shape, "PROGRESS_FROM", 100)  # rounds on a short series too
    calls = []
    rounds = subsequence_neighbours(x, 25, n_jobs=2, progress=lambda d, t: calls.append((d, t)))
    np.testing.assert_array_equal(plain[0], rounds[0])
    np.testing.assert_array_equal(plain[1], rounds[1])
    done = [d for d, _ in calls]
    assert len(calls) == shape.ROUNDS and done == sorted(done)
    assert calls[-1] == (shape.pair_count(2000 - 25 + 1, 12),) * 2


def test_shape_search_reports_progress_to_the_end():
    x, _ = _sine_frequency()
    calls = []
    found = segment(x, cost="shape", progress=lambda d, t: calls.append((d, t)))
    assert found.changepoints.tolist() == segment(x, cost="shape").changepoints.tolist()
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert all(d <= t for d, t in calls)
    assert calls[-1][0] == calls[-1][1] > 0


def test_flat_windows_correlate_zero():
    x = np.r_[np.zeros(50), RNG.standard_normal(100)]
    _, corr = subsequence_neighbours(x, 10, k=2)
    assert np.all(corr[:41] <= 1.0 + 1e-12) and np.all(np.isfinite(corr))
    assert np.all(corr[0] == 0.0)


def test_long_diagonals_do_not_drift():
    """The running dot products are refreshed (REFRESH): equal to a direct computation."""
    x = 1e3 + RNG.standard_normal(6000)
    index, corr = subsequence_neighbours(x, 12, k=1)
    z = (x - x.mean()) / x.std()
    for i in (0, 777, 4321, 5988):
        j = index[i, 0]
        assert corr[i, 0] == pytest.approx(np.corrcoef(z[i : i + 12], z[j : j + 12])[0, 1],
                                           abs=1e-9)  # fmt: skip


@pytest.mark.parametrize(("m", "w", "k"), [(80, 5, 3), (120, 9, 3), (70, 4, 5)])
def test_split_scores_match_naive(m, w, k):
    neighbours = RNG.integers(0, m, size=(m, k))
    neighbours[RNG.random((m, k)) < 0.05] = -1
    lo, hi = w, m - 2
    np.testing.assert_allclose(
        kernels.split_scores(neighbours, w, lo, hi), naive.split_scores(neighbours, w, lo, hi)
    )


def test_split_scores_on_a_clean_change():
    m, w = 200, 10
    neighbours = np.array([[(i + 20) % 100 + (100 if i >= 100 else 0)] * 3 for i in range(m)])
    profile = kernels.split_scores(neighbours, w, 20, 180)
    assert int(np.argmax(profile)) + 20 == 100
    assert profile.max() == pytest.approx(1.0)


def test_rank_sum_p():
    assert rank_sum_p(np.zeros(40), np.ones(40)) < 1e-12
    assert rank_sum_p(np.r_[np.zeros(20), np.ones(20)], np.r_[np.ones(20), np.zeros(20)]) == 1.0
    assert rank_sum_p(np.ones(5), np.ones(9)) == 1.0
    scipy_stats = pytest.importorskip("scipy.stats")
    a = (RNG.random(60) < 0.3).astype(float)
    b = (RNG.random(80) < 0.6).astype(float)
    expected = scipy_stats.mannwhitneyu(a, b, use_continuity=False, method="asymptotic").pvalue
    assert rank_sum_p(a, b) == pytest.approx(expected, rel=1e-9)


# -- the width --------------------------------------------------------------------------------


@pytest.mark.parametrize("period", [20, 60, 150])
def test_width_follows_the_period(period):
    t = np.arange(6000)
    x = np.sin(2 * np.pi * t / period) + 0.05 * RNG.standard_normal(t.size)
    w = estimate_width(x)
    assert period / 6 <= w <= 2 * period  # SuSS sees a wave within about a quarter period


def test_width_of_a_constant_or_short_series():
    assert estimate_width(np.ones(500)) == 10
    assert estimate_width(RNG.standard_normal(8)) >= 3
    assert estimate_width(np.c_[np.sin(np.arange(3000) / 5), np.sin(np.arange(3000) / 50)]) < 60


# -- detection on generated series -------------------------------------------------------


def _noisy(x, scale=0.05, seed=0):
    return x + scale * np.random.default_rng(seed).standard_normal(x.shape)


def _sine_frequency():
    t = np.arange(5000)
    return _noisy(np.r_[np.sin(2 * np.pi * t[:2500] / 50), np.sin(2 * np.pi * t[2500:] / 23)]), [
        2500
    ]


def _duty_cycle():
    t = np.arange(6000)
    phase = (t % 40) / 40
    duty = np.where(t < 2000, 0.5, np.where(t < 4000, 0.2, 0.8))
    return _noisy((phase < duty).astype(float)), [2000, 4000]


def _beat(length, kind):
    u = np.linspace(0, 1, length)
    if kind == 0:  # narrow QRS, upright T
        return np.exp(-(((u - 0.3) / 0.03) ** 2)) + 0.3 * np.exp(-(((u - 0.65) / 0.08) ** 2))
    return -0.6 * np.exp(-(((u - 0.3) / 0.08) ** 2)) - 0.4 * np.exp(-(((u - 0.7) / 0.05) ** 2))


def _ecg_morphology():
    lengths = np.random.default_rng(3).integers(70, 80, size=80)
    beats = [_beat(int(n), 0 if i < 40 else 1) for i, n in enumerate(lengths)]
    x = np.concatenate(beats)
    return _noisy(x, 0.02), [sum(len(b) for b in beats[:40])]


def _multivariate():
    t = np.arange(4000)
    a = np.sin(2 * np.pi * t / 40)
    b = np.where(t < 2000, np.cos(2 * np.pi * t / 40), np.sign(np.cos(2 * np.pi * t / 40)))
    return _noisy(np.c_[a, b]), [2000]


@pytest.mark.parametrize("make", [_sine_frequency, _duty_cycle, _ecg_morphology, _multivariate])
def test_finds_known_changes_of_shape(make):
    x, truth = make()
    found = segment(x, cost="shape")
    assert found.n_bkps == len(truth), (found.changepoints, truth)
    tolerance = 2 * found.params["width"]
    assert np.all(np.abs(found.changepoints - np.array(truth)) <= tolerance)
    assert found.search == "clasp" and found.cost_name == "shape"
    assert found.min_size == 5 * found.params["width"]


def test_mean_and_variance_barely_move():
    """The l2 default sees nothing; shape finds the change."""
    x, _ = _sine_frequency()
    assert segment(x).n_bkps != 1 or abs(segment(x).changepoints[0] - 2500) > 100
    assert abs(int(segment(x, cost="shape").changepoints[0]) - 2500) <= 100


@pytest.mark.parametrize("period", [17, 40, 90])
def test_no_change_in_a_stationary_periodic_series(period):
    t = np.arange(5000)
    x = np.sin(2 * np.pi * t / period) + 0.5 * np.sin(2 * np.pi * t / (period / 3))
    for seed in range(3):
        assert segment(_noisy(x, 0.1, seed), cost="shape").n_bkps == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_change_in_noise(seed):
    noise = np.random.default_rng(seed).standard_normal(3000)
    assert segment(noise, cost="shape").n_bkps == 0


def test_fixed_number_and_range():
    x, _ = _duty_cycle()
    one = segment(x, cost="shape", n_bkps=1)
    assert one.n_bkps == 1 and one.params["order"] == one.changepoints.tolist()
    from seqalign import segment_range

    many = segment_range(x, [1, 2, 3], cost="shape")
    assert [s.n_bkps for s in many] == [1, 2, 3]
    assert set(many[0].changepoints) <= set(many[1].changepoints) <= set(many[2].changepoints)
    assert segment(x, cost="shape", max_bkps=1).n_bkps == 1
    assert segment(x, cost="shape", n_bkps=0).n_bkps == 0


def test_given_width_and_min_size():
    x, truth = _sine_frequency()
    s = segment(x, cost="shape", width=40, min_size=300)
    assert s.params["width"] == 40 and s.min_size == 300
    assert abs(int(s.changepoints[0]) - truth[0]) <= 80


def test_short_series_has_no_room_for_a_change():
    assert segment(np.sin(np.arange(60) / 3), cost="shape", width=8).n_bkps == 0


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"penalty": 3}, "penalty"),
        ({"search": "pelt"}, "search"),
        ({"jump": 5}, "jump"),
        ({"kernel_gamma": 1.0}, "kernel_gamma"),
        ({"noise": 1.0}, "noise"),
        ({"engine": "ruptures"}, "engine"),
        ({"width": 1}, "width"),
        ({"width": 3000}, "width"),
        ({"n_bkps": 500}, "n_bkps"),
        ({"n_bkps": -1}, "n_bkps"),
    ],
)
def test_bad_options(options, argument):
    x, _ = _sine_frequency()
    with pytest.raises(InputError) as error:
        segment(x, cost="shape", **options)
    assert error.value.argument == argument


def test_bad_significance_and_memory():
    x, _ = _sine_frequency()
    with pytest.raises(InputError):
        segment_shape(x, significance=0.0)
    with pytest.raises(InputError, match="budget"):
        segment_shape(x, max_memory=1000)


def test_crops_refuses_shape():
    from seqalign import crops

    with pytest.raises(InputError, match="n_bkps K1:K2"):
        crops(_sine_frequency()[0], 1, 10, cost="shape")


def test_split_profile_edges():
    x, _ = _sine_frequency()
    neighbours, _ = subsequence_neighbours(x, 30)
    profile = split_profile(neighbours, 30)
    assert np.all(np.isneginf(profile[:150])) and np.all(np.isneginf(profile[-120:]))
    assert abs(int(np.argmax(profile)) - 2500) < 60


# -- the command line ----------------------------------------------------------------------


@pytest.fixture
def series(tmp_path):
    x, _ = _duty_cycle()
    path = tmp_path / "duty.npy"
    np.save(path, x)
    return path


def test_cli(series, tmp_path):
    out = tmp_path / "b.json"
    result = CliRunner().invoke(app, ["segment", str(series), "--cost", "shape", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["search"] == "clasp" and data["cost_name"] == "shape" and data["n_bkps"] == 2
    assert len(data["scores"]) == 2 and data["width"] >= 3


def test_cli_range_and_stdout(series):
    result = CliRunner().invoke(app, ["segment", str(series), "--cost", "shape", "-k", "1:2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "n_bkps,cost,breakpoints"


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--penalty", "3"], "--penalty 3"),
        (["--search", "binseg"], "--search binseg"),
        (["--crops", "1:10"], "--cost shape"),
        (["--width", "1"], "--width 1"),
        (["--engine", "ruptures"], "--engine ruptures"),
    ],
)
def test_cli_bad_input(series, tmp_path, flags, named):
    out = tmp_path / "o.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "seqalign", "segment", str(series), "--cost", "shape",
         "-o", str(out), *flags],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], proc.stderr
    assert not out.exists()


def test_profile_and_plot(series, tmp_path):
    x = np.load(series)
    result = segment(x, cost="shape")
    assert result.profile.shape == (x.size,)
    assert np.nanargmax(result.profile) == result.params["order"][0]
    assert "profile" not in result.to_dict()
    pytest.importorskip("matplotlib")
    png = tmp_path / "s.png"
    run = CliRunner().invoke(
        app, ["segment", str(series), "--cost", "shape", "--plot", str(png), "-q"]
    )
    assert run.exit_code == 0, run.output
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("n", [2, 3, 15, 40])
def test_short_series_with_an_estimated_width(n):
    assert segment(np.sin(np.arange(n) / 2.0), cost="shape").n_bkps == 0


def test_a_constant_channel_does_not_set_the_width():
    t = np.arange(4000)
    wave = np.sin(2 * np.pi * t / 80)
    assert estimate_width(np.c_[wave, np.ones(t.size)]) == estimate_width(wave)
