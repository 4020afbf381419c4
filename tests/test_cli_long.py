"""``seqalign warp --solver/--max-memory/--anchor/--verify``: long-recording options on files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

import seqalign
from tests.test_cli import assert_one_line_error, cli, read_csv, run_seqalign
from tests.test_long import walk, warped


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    x = walk(1500, 4, 3)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", warped(x, 1300, 1.2, 0.2, 4))
    np.save(tmp_path / "tiny.npy", walk(30, 4, 5))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _path(text: str) -> np.ndarray:
    _, rows = read_csv(text)
    return np.array([[int(r[0]), int(r[1])] for r in rows])


@pytest.mark.parametrize("method", ["full", "linear", "multiscale"])
def test_each_method_gives_the_library_path(pair, method):
    outcome = cli("warp", "x.npy", "y.npy", "--solver", method)
    assert outcome.code == 0, outcome.stderr
    expected = seqalign.dtw(np.load("x.npy"), np.load("y.npy"), solver=method)
    np.testing.assert_array_equal(_path(outcome.stdout), expected.path)
    assert re.search(rf"solver +{method}: asked for", outcome.stderr)


def test_auto_reports_its_choice_under_a_small_budget(pair):
    roomy = cli("warp", "x.npy", "y.npy", "-o", "full.csv")
    assert roomy.code == 0 and re.search("solver +full: its", roomy.stderr)
    tight = cli("warp", "x.npy", "y.npy", "-o", "auto.csv", "--max-memory", "2MB")
    assert tight.code == 0, tight.stderr
    assert "over the budget (2.0 MB)" in tight.stderr
    assert re.search("solver +(linear|multiscale)", tight.stderr)
    assert Path("auto.csv").exists()


def test_multiscale_verify_and_anchor(pair):
    outcome = cli("warp", "x.npy", "y.npy", "--solver", "multiscale", "--verify", "--anchor",
                  "700f:600f", "-o", "p.csv", "--format", "json")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert "of path points within 2 frames of the exact path" in outcome.stderr
    import json

    data = json.loads(Path("p.csv").read_text())
    assert [700, 600] in data["path"]
    assert data["solver"] == "multiscale"
    assert data["agreement"]["within"] >= 0.9


def test_anchor_in_seconds_with_a_rate(pair):
    outcome = cli("warp", "x.npy", "y.npy", "--rate", "50", "--anchor", "14:12", "-o", "p.csv")
    assert outcome.code == 0, outcome.stderr
    assert [700, 600] in _path(Path("p.csv").read_text()).tolist()


def test_subprocess_linear(pair):
    done = run_seqalign("warp", "x.npy", "y.npy", "--solver", "linear", "-q", cwd=pair)
    assert done.returncode == 0, done.stderr
    full = seqalign.dtw(np.load(pair / "x.npy"), np.load(pair / "y.npy"))
    np.testing.assert_array_equal(_path(done.stdout.decode()), full.path)


BAD = {
    "unknown method": (["--solver", "fast"], ["--solver 'fast'", "auto, full"]),
    "radius zero": (["--multiscale-radius", "0"], ["--multiscale-radius 0"]),
    "negative time limit": (["--time-limit", "-1"], ["--time-limit", ">= 0"]),
    "anchor syntax": (["--anchor", "12"], ["--anchor '12'", "TA:TB"]),
    "anchor words": (["--anchor", "a:b"], ["--anchor 'a:b'"]),
    "anchor outside": (["--anchor", "5000f:10f"], ["--anchor", "outside", "x.npy"]),
    "anchor off the band": (["--band", "20", "--anchor", "100f:600f"], ["--anchor", "window"]),
    "anchor no rate": (["--anchor", "1.5s:2s"], ["--anchor", "no frame rate"]),
    "anchor fraction": (["--anchor", "1.5:2"], ["--anchor", "whole"]),
    "anchors crossing": (
        ["--anchor", "10f:500f", "--anchor", "20f:400f"],
        ["--anchor", "increase strictly"],
    ),
    "budget too small": (["--max-memory", "10KB"], ["--max-memory 10KB", "multiscale"]),
    "full over budget": (
        ["--solver", "full", "--max-memory", "1MB"],
        ["--max-memory 1MB", "full method"],
    ),
}


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_input_exits_2_with_one_line_and_no_output(pair, case):
    args, expected = BAD[case]
    before = sorted(os.listdir(pair))
    outcome = cli("warp", "x.npy", "y.npy", *args, "-o", "p.csv", "--time-map", "m.csv")
    assert_one_line_error(outcome, *expected)
    assert sorted(os.listdir(pair)) == before


def test_time_limit_zero_sends_auto_past_the_linear_path(pair):
    # full needs 2.6 MB, linear 1.9 MB, multiscale 1.5 MB (methods.estimate)
    outcome = cli("warp", "x.npy", "y.npy", "--max-memory", "2.2MB", "--time-limit", "0", "-o",
                  "p.csv")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert re.search("solver +multiscale", outcome.stderr)


def test_help_lists_the_long_recording_options():
    outcome = cli("warp", "--help")
    for flag in ("--solver", "--multiscale-radius", "--anchor", "--verify", "--max-memory",
                 "--time-limit"):  # fmt: skip
        assert flag in outcome.stdout


def test_multiscale_is_checked_by_default_when_cheap(pair):
    checked = cli("warp", "x.npy", "y.npy", "--solver", "multiscale", "-o", "p.csv")
    assert checked.code == 0 and "agreement" in checked.stderr
    unchecked = cli(
        "warp", "x.npy", "y.npy", "--solver", "multiscale", "--no-verify", "-o", "q.csv"
    )
    assert unchecked.code == 0 and "agreement" not in unchecked.stderr
