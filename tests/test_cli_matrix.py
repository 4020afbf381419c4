"""``seqalign matrix``: in process and as a real subprocess, on files the tests write; every
bad input exits 2 with one line naming the file, option or value, and leaves no file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from seqalign.matrix.pairwise import knn_dtw, pairwise_dtw
from seqalign.soft.pairwise import pairwise_soft_dtw
from tests.test_cli import assert_one_line_error, cli

COUNT, N, D = 6, 24, 2


@pytest.fixture
def series() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    return [rng.standard_normal((N, D)).cumsum(axis=0) for _ in range(COUNT)]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, series) -> Path:
    """s0.npy ... s5.npy, a manifest of s2-s5 (header, comment, blank line), a reference list
    in a subfolder (paths relative to it), a file with other features and a shorter one."""
    for k, s in enumerate(series):
        np.save(tmp_path / f"s{k}.npy", s)
    (tmp_path / "list.csv").write_text(
        "path,label\n# takes\ns2.npy,x\n\ns3.npy,y\ns4.npy\ns5.npy\n"
    )
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "refs.txt").write_text("../s2.npy\n../s3.npy\n../s4.npy\n")
    np.save(tmp_path / "three.npy", np.zeros((N, 3)))
    np.save(tmp_path / "short.npy", series[0][:10])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _files() -> list[str]:
    return [f"s{k}.npy" for k in range(COUNT)]


def test_matrix_npy_equals_the_api(folder, series):
    outcome = cli("matrix", "s0.npy", "s1.npy", "--manifest", "list.csv", "--band", "3",
                  "-o", "d.npy")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == ""
    assert "6 x 6 matrix" in outcome.stderr
    np.testing.assert_allclose(np.load("d.npy"), pairwise_dtw(series, radius=3), rtol=1e-12)


@pytest.mark.parametrize("fmt", ["csv", "json", "npz"])
def test_matrix_formats_and_sqrt(folder, series, fmt):
    outcome = cli("matrix", *_files(), "--sqrt", "--window", "sakoechiba", "--band", "2",
                  "-o", f"d.{fmt}", "-q")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    want = pairwise_dtw(series, window="sakoechiba", radius=2, sqrt=True)
    if fmt == "csv":
        header, *rows = Path("d.csv").read_text().splitlines()
        assert header == "query," + ",".join(_files())
        assert [r.split(",")[0] for r in rows] == _files()
        got = np.array([[float(v) for v in r.split(",")[1:]] for r in rows])
    elif fmt == "json":
        record = json.loads(Path("d.json").read_text())
        assert record["queries"] == _files() and record["sqrt"] is True
        got = np.array(record["distances"])
    else:
        with np.load("d.npz") as archive:
            got = archive["distances"]
            assert json.loads(str(archive["metadata"]))["radius"] == 2
    np.testing.assert_array_equal(got, want)


def test_references_give_a_rectangle_on_stdout(folder, series):
    outcome = cli("matrix", "s0.npy", "s1.npy", "--references", "refs/refs.txt", "--metric",
                  "cityblock")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    header, *rows = outcome.stdout.splitlines()
    assert header == "query,refs/../s2.npy,refs/../s3.npy,refs/../s4.npy"
    got = np.array([[float(v) for v in r.split(",")[1:]] for r in rows])
    np.testing.assert_allclose(got, pairwise_dtw(series[:2], series[2:5], metric="cityblock"))


def test_knn_leave_one_out_csv(folder, series):
    outcome = cli("matrix", *_files(), "--knn", "2", "--band", "4", "-o", "nn.csv")
    assert outcome.code == 0, outcome.stderr
    header, *rows = Path("nn.csv").read_text().splitlines()
    assert header == "query,rank,reference,distance"
    full = pairwise_dtw(series, radius=4)
    np.fill_diagonal(full, np.inf)
    order = np.argsort(full, axis=1, kind="stable")[:, :2]
    want = [f"s{q}.npy,{rank + 1},s{order[q, rank]}.npy,{float(full[q, order[q, rank]])!r}"
            for q in range(COUNT) for rank in range(2)]  # fmt: skip
    assert rows == want
    assert "DTWs run to the end" in outcome.stderr


def test_knn_with_references_npz(folder, series):
    outcome = cli("matrix", "s0.npy", "s1.npy", "--references", "refs/refs.txt", "--knn", "3",
                  "--sqrt", "-o", "nn.npz")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    idx, dist = knn_dtw(series[:2], series[2:5], 3, sqrt=True)
    with np.load("nn.npz") as archive:
        np.testing.assert_array_equal(archive["indices"], idx)
        np.testing.assert_array_equal(archive["distances"], dist)


def test_soft_matrix(folder, series):
    outcome = cli("matrix", *_files()[:3], "--soft", "--gamma", "0.5", "-o", "s.npy")
    assert outcome.code == 0, outcome.stderr
    want = pairwise_soft_dtw(series[:3], gamma=0.5, metric="sqeuclidean")
    np.testing.assert_allclose(np.load("s.npy"), want, rtol=1e-12)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["s0.npy"], ["at least 2 inputs", "got 1"]),
        (["s0.npy", "missing.npy"], ["missing.npy"]),
        (["s0.npy", "--manifest", "nope.txt"], ["--manifest nope.txt", "no such file"]),
        (["s0.npy", "three.npy"], ["three.npy", "s0.npy", "features"]),
        (["s0.npy", "s1.npy", "--knn", "0"], ["--knn 0", "(1)"]),
        (["s0.npy", "s1.npy", "s2.npy", "--knn", "3"], ["--knn 3", "other inputs (2)"]),
        (["s0.npy", "--references", "refs/refs.txt", "--knn", "4"], ["--knn 4", "references"]),
        (["s0.npy", "s1.npy", "--band", "x"], ["--band", "'x'"]),
        (["s0.npy", "short.npy", "--window", "sakoechiba", "--band", "2"], ["--band 2"]),
        (["s0.npy", "s1.npy", "-o", "no/such/folder/d.npy"], ["-o", "does not exist"]),
        (["s0.npy", "s1.npy", "--knn", "1", "-o", "d.npy"], ["-o d.npy", ".npz"]),
        (["s0.npy", "s1.npy", "--soft", "--knn", "1"], ["--knn", "--soft"]),
        (["s0.npy", "s1.npy", "--step-pattern", "asymmetric"], ["--step-pattern", "asymmetric"]),
        (["s0.npy", "s1.npy", "--metric", "l3"], ["--metric", "l3"]),
        (["s0.npy", "s1.npy", "--format", "xls", "-o", "d.npy"], ["--format", "xls"]),
        (["s0.npy", "s1.npy", "--soft", "--gamma", "0"], ["--gamma 0", "positive"]),
        (["s0.npy", "s1.npy", "--gamma", "0.5"], ["--gamma", "--soft"]),
        (["s0.npy", "s1.npy", "--jobs", "0"], ["--jobs 0", "positive"]),
        (["s0.npy", "s1.npy", "--references", "none.txt"], ["--references none.txt"]),
    ],
)
def test_bad_inputs(folder, args, expected):
    before = sorted(p.name for p in folder.rglob("*"))
    outcome = cli("matrix", *args, *([] if "-o" in args else ["-o", "d.npy"]))
    assert_one_line_error(outcome, *expected)
    assert sorted(p.name for p in folder.rglob("*")) == before


def test_unwritable_output_folder(folder, monkeypatch):
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    real_access = os.access
    # root may write anywhere: make the folder read-only for the check too
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == locked else real_access(p, mode)
    )
    try:
        outcome = cli("matrix", "s0.npy", "s1.npy", "-o", "locked/d.npy")
        assert_one_line_error(outcome, "-o locked/d.npy", "cannot write")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_real_subprocess_and_a_light_import(folder, series):
    done = subprocess.run(
        [sys.executable, "-m", "seqalign", "matrix", "s0.npy", "s1.npy", "s2.npy", "-o", "d.npy"],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(np.load("d.npy"), pairwise_dtw(series[:3]), rtol=1e-12)
    code = "import sys, seqalign.cli.matrix; print('numpy' in sys.modules)"
    light = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert light.stdout.strip() == "False", light.stderr
