"""The kernel metrics from the shell: ``--metric rbf|polynomial|linear`` with
``--kernel-gamma``, ``--degree`` and ``--coef0`` on ``warp``, ``soft`` and ``matrix``, on .npy
files the tests write; every bad value exits 2 with one line naming the flag and value, and
leaves no output file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import seqalign
from seqalign.matrix.pairwise import knn_dtw, pairwise_dtw
from seqalign.soft.pairwise import pairwise_soft_dtw
from tests.test_cli import assert_one_line_error, cli, read_csv

N, M, D = 18, 15, 2


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rng = np.random.default_rng(21)
    for k, n in enumerate((N, M, N, M)):
        np.save(tmp_path / f"s{k}.npy", 0.5 * rng.standard_normal((n, D)).cumsum(0))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _load(*names: str) -> list[np.ndarray]:
    return [np.load(name) for name in names]


@pytest.mark.parametrize(
    ("flags", "metric"),
    [
        (["--metric", "rbf"], "rbf"),
        (["--metric", "rbf", "--kernel-gamma", "0.5"], "rbf:gamma=0.5"),
        (["--metric", "rbf:gamma=0.5"], "rbf:gamma=0.5"),
        (
            ["--metric", "polynomial", "--degree", "2", "--coef0", "0"],
            "polynomial:degree=2,coef0=0",
        ),
        (["--metric", "polynomial", "--kernel-gamma", "0.1"], "polynomial:gamma=0.1"),
        (["--metric", "linear"], "linear"),
    ],
)
def test_warp_path_is_the_library_path(files, flags, metric):
    outcome = cli("warp", "s0.npy", "s1.npy", *flags, "-o", "path.json")
    assert outcome.code == 0, outcome.stderr
    x, y = _load("s0.npy", "s1.npy")
    expected = seqalign.dtw(x, y, metric=metric)
    record = json.loads(Path("path.json").read_text())
    np.testing.assert_array_equal(np.array(record["path"])[:, :2], expected.path)
    assert record["distance"] == pytest.approx(expected.distance, rel=1e-12)
    assert record["metric"] == seqalign.dtw(x, y, metric=metric).metric
    assert metric.split(":")[0] in outcome.stderr


def test_warp_csv_to_stdout_with_rbf(files):
    outcome = cli("warp", "s0.npy", "s1.npy", "--metric", "rbf", "--kernel-gamma", "2", "-q")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    _, rows = read_csv(outcome.stdout)
    x, y = _load("s0.npy", "s1.npy")
    np.testing.assert_array_equal(rows[:, :2], seqalign.dtw(x, y, metric="rbf:gamma=2").path)


@pytest.mark.parametrize(
    ("flags", "metric", "divergence"),
    [
        (["--metric", "rbf"], "rbf", False),
        (["--metric", "rbf", "--kernel-gamma", "0.3", "--divergence"], "rbf:gamma=0.3", True),
        (["--metric", "polynomial", "--degree", "2"], "polynomial:degree=2", False),
        (["--metric", "polynomial", "--divergence"], "polynomial", True),
    ],
)
def test_soft_value_is_the_library_value(files, flags, metric, divergence):
    outcome = cli("soft", "s0.npy", "s1.npy", "--gamma", "0.5", *flags)
    assert outcome.code == 0, outcome.stderr
    x, y = _load("s0.npy", "s1.npy")
    f = seqalign.soft_dtw_divergence if divergence else seqalign.soft_dtw
    expected = f(x, y, gamma=0.5, metric=metric)
    assert float(outcome.stdout) == expected.value
    assert expected.metric in outcome.stderr  # the bandwidth used, median heuristic included


def test_matrix_and_knn_are_the_library_values(files):
    names = [f"s{k}.npy" for k in range(4)]
    xs = _load(*names)
    outcome = cli("matrix", *names, "--metric", "rbf", "-o", "d.npy", "-q")
    assert outcome.code == 0, outcome.stderr
    np.testing.assert_allclose(np.load("d.npy"), pairwise_dtw(xs, metric="rbf"), rtol=1e-12)
    outcome = cli("matrix", *names, "--metric", "polynomial", "--degree", "2", "--soft",
                  "--gamma", "0.5", "-o", "s.npy", "-q")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    expected = pairwise_soft_dtw(xs, gamma=0.5, metric="polynomial:degree=2")
    np.testing.assert_allclose(np.load("s.npy"), expected, rtol=1e-12)
    outcome = cli("matrix", *names, "--knn", "1", "--metric", "rbf", "--kernel-gamma", "0.4",
                  "-o", "n.json")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    found = knn_dtw(xs, None, 1, metric="rbf:gamma=0.4")
    record = json.loads(Path("n.json").read_text())
    assert record["metric"] == "rbf:gamma=0.4"
    assert record["indices"] == found.indices.tolist()
    np.testing.assert_allclose(record["distances"], found.distances, rtol=1e-12)


BAD = [
    (["--metric", "rbf", "--kernel-gamma", "0"], ["--kernel-gamma 0", "gamma must be a positive"]),
    (["--metric", "rbf", "--kernel-gamma", "-2"], ["--kernel-gamma -2", "positive"]),
    (["--metric", "rbf", "--kernel-gamma", "nan"], ["--kernel-gamma nan", "finite"]),
    (["--metric", "polynomial", "--degree", "1.5"], ["--degree 1.5", "whole number >= 1"]),
    (["--metric", "polynomial", "--degree", "0"], ["--degree 0", "whole number >= 1"]),
    (["--metric", "polynomial", "--coef0", "-1"], ["--coef0 -1", "coef0 must be >= 0"]),
    (["--metric", "cosine", "--kernel-gamma", "1"], ["--kernel-gamma 1", "metric 'cosine'"]),
    (["--metric", "rbf", "--degree", "2"], ["--degree 2", "takes only gamma"]),
    (["--metric", "linear", "--coef0", "1"], ["--coef0 1", "takes no parameters"]),
    (["--kernel-gamma", "1"], ["--kernel-gamma needs --metric rbf or polynomial"]),
    (["--metric", "rbf:gamma=1", "--kernel-gamma", "2"], ["--kernel-gamma 2", "gives gamma"]),
    (["--metric", "rbf:gamma=0"], ["--metric", "gamma must be a positive number"]),
    (["--metric", "rbf:width=2"], ["--metric", "expected name:key=value"]),
    (["--metric", "gaussian"], ["--metric", "unknown metric 'gaussian'", "rbf"]),
]


@pytest.mark.parametrize("command", ["warp", "soft", "matrix"])
@pytest.mark.parametrize(("flags", "expected"), BAD, ids=lambda v: " ".join(v))
def test_bad_kernel_options_exit_2_with_one_line(files, command, flags, expected):
    target = ["--alignment" if command == "soft" else "-o", "out.json"]
    outcome = cli(command, "s0.npy", "s1.npy", *flags, *target)
    assert_one_line_error(outcome, *expected)
    assert not Path("out.json").exists()


def test_help_names_the_kernel_metrics_and_flags():
    for command in ("warp", "soft", "matrix"):
        outcome = cli(command, "--help")
        assert outcome.code == 0
        text = " ".join(outcome.stdout.split())
        for name in ("linear", "polynomial", "rbf", "--kernel-gamma", "--degree", "--coef0"):
            assert name in text, (command, name)


def test_subprocess_bad_gamma_and_good_run(files):
    bad = subprocess.run(
        [sys.executable, "-m", "seqalign", "soft", "s0.npy", "s1.npy", "--metric", "rbf",
         "--kernel-gamma", "-1"],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stdout == b""
    lines = bad.stderr.decode().splitlines()
    assert len(lines) == 1 and "--kernel-gamma -1" in lines[0]
    good = subprocess.run(
        [sys.executable, "-m", "seqalign", "warp", "s0.npy", "s1.npy", "--metric", "rbf", "-q"],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert good.stdout.decode().startswith("a_index,b_index")
