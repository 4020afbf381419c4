"""``seqalign segment`` in process and as a subprocess, on files the tests write: outputs,
pipelines, and every bad input (exit 2, one line, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from seqalign.changepoints.search import segment
from tests.test_cli import assert_one_line_error, cli

RATE = 50.0


def _steps(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 2))
    x[100:200, 0] += 5.0
    return x


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = _steps()
    np.save("x.npy", x)
    np.savez("x.npz", feats=x, other=x[:10])
    lines = ["t,acc_x,acc_y"] + [f"{k / RATE:.2f},{a:.5f},{b:.5f}" for k, (a, b) in enumerate(x)]
    Path("log.csv").write_text("\n".join(lines) + "\n")
    gaps = lines.copy()
    gaps[5] = f"{4 / RATE:.2f},,{x[4, 1]:.5f}"
    Path("gaps.csv").write_text("\n".join(gaps) + "\n")
    sr = 8000
    t = np.arange(sr * 3) / sr
    rng = np.random.default_rng(0)
    noise_then_tone = np.where(t < 1.5, rng.normal(size=t.size), np.sin(2 * np.pi * 440 * t))
    soundfile.write("tone.wav", 0.3 * noise_then_tone + 0.01 * rng.normal(size=t.size), sr)
    nan = x.copy()
    nan[7, 1] = np.nan
    np.save("nan.npy", nan)
    np.save("empty.npy", np.zeros((0, 2)))
    Path("x.txt").write_text("not a table at all \x00\x01")
    return tmp_path


def test_boundaries_to_stdout_equal_the_library(files):
    out = cli("segment", "x.npy", "-q")
    assert out.code == 0, out.stderr
    assert out.stderr == ""
    header, *rows = out.stdout.strip().splitlines()
    assert header == "index"
    want = segment(_steps()).changepoints.tolist()
    assert [int(r) for r in rows] == want == [100, 200]


def test_csv_with_time_column_gives_times(files):
    out = cli("segment", "log.csv", "--column", "acc_x", "-q")
    assert out.stdout.splitlines() == ["index,time", "100,2.0", "200,4.0"]


def test_pipeline_from_stdin(files):
    out = cli(
        "segment", "-", "--column", "acc_x", "-o", "-", "-q", input=Path("log.csv").read_bytes()
    )
    assert out.code == 0 and out.stdout.splitlines()[1:] == ["100,2.0", "200,4.0"]


def test_pipeline_subprocess(files):
    command = f"cat log.csv | {sys.executable} -m seqalign segment - --column acc_x -o -"
    done = subprocess.run(command, shell=True, capture_output=True, timeout=120, cwd=files)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == ["index,time", "100,2.0", "200,4.0"]
    assert b"changes" in done.stderr  # the summary goes to standard error


def test_json_segments_labels_and_plot(files):
    pytest.importorskip("matplotlib")
    out = cli(
        "segment", "log.csv", "-o", "b.json", "--segments", "s.csv", "--labels", "l.txt",
        "--plot", "p.png", "-q",
    )  # fmt: skip
    assert out.code == 0, out.stderr
    record = json.loads(Path("b.json").read_text())
    assert record["breakpoints"] == [100, 200, 300] and record["index"] == [100, 200]
    assert record["time"] == [2.0, 4.0] and record["search"] == "pelt"
    assert record["penalty_name"] == "mbic" and record["n"] == 300
    assert Path("s.csv").read_text().splitlines() == [
        "start,end,start_time,end_time,duration",
        "0,100,0.0,2.0,2.0",
        "100,200,2.0,4.0,2.0",
        "200,300,4.0,6.0,2.0",
    ]
    assert Path("l.txt").read_text().splitlines()[1] == "2.000000\t4.000000\tsegment 2"
    assert Path("p.png").read_bytes()[:4] == b"\x89PNG"


def test_npz_key_n_bkps_and_methods(files):
    for method in ("dynp", "binseg", "bottomup", "window"):
        out = cli("segment", "x.npz", "--key", "feats", "-k", "2", "--search", method,
                  "--width", "40", "-q")  # fmt: skip
        assert out.code == 0, out.stderr
        assert out.stdout.splitlines()[1:] == ["100", "200"], method


def test_every_cost(files):
    for cost in ("l2", "l1", "normal", "linear", "rbf", "cosine"):
        out = cli("segment", "x.npy", "--cost", cost, "-k", "2", "-q")
        assert out.code == 0, (cost, out.stderr)
        assert len(out.stdout.splitlines()) == 3


def test_ruptures_engine(files):
    out = cli("segment", "x.npy", "--engine", "ruptures", "--penalty", "20", "-q")
    assert out.code == 0, out.stderr
    assert out.stdout.splitlines()[1:] == ["100", "200"]


def test_missing_values_interpolated_or_dropped(files):
    refused = cli("segment", "gaps.csv")
    assert_one_line_error(refused, "gaps.csv", "line 6", "--missing interpolate")
    for policy in ("interpolate", "drop"):
        out = cli("segment", "gaps.csv", "--missing", policy, "--column", "acc_x", "-q")
        assert out.code == 0, out.stderr
        assert out.stdout.splitlines()[1:] == ["100,2.0", "200,4.0"]


def test_audio_input(files):
    out = cli("segment", "tone.wav", "-k", "1", "--sample-rate", "8000", "--hop", "200", "-q")
    assert out.code == 0, out.stderr
    (row,) = out.stdout.splitlines()[1:]
    assert abs(float(row.split(",")[1]) - 1.5) < 0.1


def test_crops_lists_segmentations(files):
    out = cli("segment", "x.npy", "--crops", "5:2000", "-q")
    assert out.code == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header == "n_bkps,penalty_min,penalty_max,cost,breakpoints"
    assert rows[0].startswith("0,") and rows[0].endswith(",300")
    assert rows[1].startswith("2,") and rows[1].endswith("100 200 300")
    out = cli("segment", "x.npy", "--crops", "5:2000", "--format", "json", "-q")
    assert [s["n_bkps"] for s in json.loads(out.stdout)["segmentations"]][:2] == [0, 2]


BAD = {
    "missing file": (["nope.npy"], ["nope.npy", "no such file"]),
    "empty": (["empty.npy"], ["empty.npy", "empty"]),
    "nan": (["nan.npy"], ["nan.npy", "NaN", "--missing"]),
    "not a table": (["x.txt"], ["x.txt"]),
    "cost": (["x.npy", "--cost", "l3"], ["--cost l3", "unknown cost 'l3'", "rbf"]),
    "search": (["x.npy", "--search", "fast"], ["--search fast", "pelt"]),
    "penalty name": (["x.npy", "--penalty", "xic"], ["--penalty xic", "mbic"]),
    "penalty negative": (["x.npy", "--penalty", "-3"], ["--penalty -3", ">= 0"]),
    "n_bkps too many": (["x.npy", "-k", "400"], ["--n-bkps 400", "do not fit"]),
    "n_bkps negative": (["x.npy", "-k", "-1"], ["--n-bkps -1", ">= 0"]),
    "n_bkps not a number": (["x.npy", "-k", "two"], ["--n-bkps two", "K1:K2"]),
    "n_bkps range reversed": (["x.npy", "-k", "3:1"], ["--n-bkps 3:1", "K1 <= K2"]),
    "n_bkps range too far": (["x.npy", "-k", "1:400"], ["--n-bkps 1:400", "do not fit"]),
    "n_bkps range search": (["x.npy", "-k", "1:2", "--search", "pelt"], ["--search", "dynp"]),
    "pelt with k": (["x.npy", "--search", "pelt", "-k", "2"], ["--n-bkps 2", "pelt takes a"]),
    "k and penalty": (["x.npy", "-k", "2", "--penalty", "3"], ["--penalty", "not both"]),
    "min size": (["x.npy", "--min-size", "0"], ["--min-size 0", ">= 1"]),
    "jump": (["x.npy", "--jump", "0"], ["--jump 0", ">= 1"]),
    "width": (["x.npy", "--search", "window", "-k", "1", "--width", "1000"], ["--width", "window"]),
    "kernel gamma": (
        ["x.npy", "--cost", "rbf", "--kernel-gamma", "-1"],
        ["--kernel-gamma -1", "positive"],
    ),
    "kernel gamma on l2": (["x.npy", "--kernel-gamma", "1"], ["--kernel-gamma 1", "rbf"]),
    "noise": (["x.npy", "--noise", "0"], ["--noise 0", "positive"]),
    "engine": (["x.npy", "--engine", "r"], ["--engine r", "ruptures"]),
    "pruning": (["x.npy", "--pruning", "none"], ["--pruning none", "classic"]),
    "linear one column": (
        ["log.csv", "--column", "acc_x", "--cost", "linear"],
        ["--cost linear", "2 features"],
    ),
    "missing policy": (["x.npy", "--missing", "guess"], ["--missing", "'guess'"]),
    "column": (["log.csv", "--column", "acc_z"], ["log.csv", "'acc_z'", "--column"]),
    "key": (["x.npz", "--key", "nope"], ["x.npz", "nope"]),
    "rate": (["x.npy", "--rate", "0"], ["--rate", "positive"]),
    "format": (["x.npy", "--format", "xml"], ["--format", "'xml'"]),
    "output folder": (["x.npy", "-o", "nowhere/b.csv"], ["-o nowhere/b.csv", "folder"]),
    "segments folder": (["x.npy", "--segments", "nowhere/s.csv"], ["--segments nowhere/s.csv"]),
    "labels without rate": (["x.npy", "--labels", "l.txt"], ["--labels l.txt", "--rate"]),
    "plot extension": (["x.npy", "--plot", "p.gif"], ["--plot p.gif", ".png"]),
    "same output twice": (["x.npy", "-o", "a.csv", "--segments", "a.csv"], ["both write"]),
    "overwrite input": (["x.npy", "-o", "x.npy"], ["would overwrite the input"]),
    "crops range": (["x.npy", "--crops", "5"], ["--crops", "MIN:MAX"]),
    "crops order": (["x.npy", "--crops", "9:5"], ["--crops 9:5", "MIN < MAX"]),
    "crops with k": (["x.npy", "--crops", "1:5", "-k", "2"], ["--crops", "--n-bkps"]),
    "cost memory": (["x.npy", "--cost", "normal", "--max-memory", "1KB"], ["budget", "normal"]),
    "dynp memory": (["x.npy", "-k", "2", "--search", "dynp", "--max-memory", "1KB"], ["budget"]),
    "ruptures cost": (["x.npy", "--engine", "ruptures", "--cost", "zz"], ["--cost zz", "rank"]),
    "rank natively": (["x.npy", "--cost", "rank"], ["--cost rank", "unknown cost"]),
}


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_input_exits_2_with_one_line_and_no_output(files, case):
    args, expected = BAD[case]
    before = sorted(os.listdir(files))
    outputs = [] if any(a in args for a in ("-o", "--segments")) else ["-o", "b.csv"]
    outcome = cli("segment", *args, *outputs, input=b"")
    assert_one_line_error(outcome, *expected)
    assert sorted(os.listdir(files)) == before


def test_usage_errors(files):
    out = cli("segment", "x.npy", "--jump", "two")
    assert out.code == 2
    assert (
        out.stderr
        == "seqalign segment: error: --jump two: not a whole number (see seqalign segment --help)\n"
    )


def test_a_range_of_change_counts(files):
    out = cli("segment", "x.npy", "-k", "1:3", "-q")
    assert out.code == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header == "n_bkps,cost,breakpoints"
    assert [r.split(",")[0] for r in rows] == ["1", "2", "3"]
    assert rows[1].endswith(",100 200 300")
    out = cli("segment", "x.npy", "-k", "0:2", "--search", "binseg", "--format", "json", "-q")
    assert [s["n_bkps"] for s in json.loads(out.stdout)["segmentations"]] == [0, 1, 2]


def test_help_lists_costs_methods_penalties():
    from seqalign.changepoints.costs import COSTS
    from seqalign.changepoints.penalties import PENALTIES
    from seqalign.changepoints.search import METHODS
    from seqalign.io.missing import MISSING_POLICIES

    out = cli("segment", "--help")
    text = " ".join(out.stdout.split())
    for registry in (COSTS, METHODS, PENALTIES, MISSING_POLICIES):
        for name in registry:
            assert name in text, name
