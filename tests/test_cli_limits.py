"""Numbers at the edges of what the commands take: refused in one line before any work, or
handled exactly (times too large for the fast writer)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from seqalign.io.writers import _time_text
from tests.test_cli import assert_one_line_error, cli


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rng = np.random.default_rng(5)
    np.save(tmp_path / "a.npy", rng.standard_normal((30, 3)).cumsum(0))
    np.save(tmp_path / "b.npy", rng.standard_normal((40, 3)).cumsum(0))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["warp", "a.npy", "b.npy", "--anchor", "1e400:1", "--rate", "10"], "out of range"),
        (["warp", "a.npy", "b.npy", "--anchor", "5:inf", "--rate", "10"], "give two times"),
        (["segment", "a.npy", "--n-bkps", "1:99999999999999999999"], "too large"),
        (["segment", "a.npy", "--n-bkps", "1:2147483647"], "do not fit in 30 frames"),
        (["segment", "a.npy", "--jump", "100000000000000000000"], "too large"),
        (["barycenter", "a.npy", "b.npy", "--length", "2147483647"], "over the memory budget"),
        (["warp", "a.npy", "b.npy", "--band", "1e300s", "--rate", "10"], "too large"),
        (["matrix", "a.npy", "b.npy", "--band", "99999999999999999999"], "too large"),
    ],
)
def test_out_of_range_numbers_are_one_line(files, args, expected):
    before = sorted(os.listdir(files))
    outcome = cli(*args, "-o", "out.csv")
    assert_one_line_error(outcome, expected)
    assert sorted(os.listdir(files)) == before


def test_huge_times_are_written_exactly(files):
    outcome = cli("warp", "a.npy", "b.npy", "--rate", "1e-300", "-q")
    assert outcome.code == 0, outcome.stderr
    rows = [line.split(",") for line in outcome.stdout.splitlines()[1:]]
    for a_index, _, a_time, _ in rows:
        assert float(a_time) == pytest.approx(int(a_index) * 1e300, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.5, "12.5"),
        (3.0, "3.0"),
        (0.02322, "0.02322"),
        (1e13, "10000000000000.0"),
        (1e300, "1e+300"),
    ],
)
def test_time_text(value, text):
    assert _time_text(value) == text
