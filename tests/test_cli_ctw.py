"""``seqalign warp A B --cross-modal ctw``: inputs with different features, on real files.

A generated example: ``a.wav`` and ``b.wav`` are the same chirp at two speeds (B 1.4 times
longer, so B's time is 1.4 times A's); ``video.npy`` is B's log-mel features seen through a
random linear map to 16 "video" features plus noise, at B's frame rate.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import seqalign
from tests.test_cli import (
    assert_one_line_error,
    assert_warping_path,
    cli,
    files,  # noqa: F401  (the fixture)
    read_csv,
    run_seqalign,
)

RATE = 22050 / 512
STRETCH = 0.7 / 0.5


@pytest.fixture
def video(files: Path) -> Path:  # noqa: F811
    from seqalign.io import ReadOptions, read_sequence

    features = read_sequence(str(files / "b.wav"), ReadOptions(features="logmel")).data
    rng = np.random.default_rng(11)
    embedded = features @ rng.standard_normal((features.shape[1], 16))
    np.save(files / "video.npy", embedded + 0.1 * rng.standard_normal(embedded.shape))
    np.save(files / "c.npy", np.random.default_rng(5).standard_normal((25, 5)).cumsum(axis=0))
    return files


def test_audio_against_video_embeddings(video):
    outcome = cli(
        "warp", "a.wav", "video.npy", "--cross-modal", "ctw", "--rate-b", str(RATE),
        "-o", "path.csv", "--time-map", "map.csv", "--projections", "proj.npz",
    )  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == ""
    header, rows = read_csv((video / "path.csv").read_text())
    assert header == "a_index,b_index,a_time,b_time"
    n, m = 1 + int(0.5 * 22050) // 512, 1 + int(0.7 * 22050) // 512
    assert_warping_path(rows[:, :2].astype(int), n, m)
    _, mapped = read_csv((video / "map.csv").read_text())
    error = np.abs(mapped[:, 1] - STRETCH * mapped[:, 0])
    assert np.mean(error <= 3 / RATE) >= 0.9  # within 3 frames of the truth
    with np.load(video / "proj.npz") as saved:
        assert saved["x_weights"].shape == (64, 10) and saved["y_weights"].shape == (16, 10)
        assert saved["x_mean"].shape == (64,) and saved["y_mean"].shape == (16,)
        assert saved["correlations"].shape == (10,) and saved["objectives"].ndim == 1
    summary = outcome.stderr
    assert "ctw" in summary and "10 components, reg 0.1" in summary and "sqeuclidean" in summary


def test_arrays_give_the_library_result_and_json_metadata(video):
    outcome = cli(
        "warp", "a.npy", "c.npy", "--cross-modal", "ctw", "--components", "2", "--reg", "0.5",
        "--format", "json", "-q",
    )  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    record = json.loads(outcome.stdout)
    expected = seqalign.ctw(np.load("a.npy"), np.load("c.npy"), n_components=2, reg=0.5)
    assert record["cross_modal"] == "ctw" and record["components"] == 2 and record["reg"] == 0.5
    assert record["distance"] == pytest.approx(expected.distance, rel=1e-12)
    assert record["objectives"] == pytest.approx(expected.objectives.tolist(), rel=1e-12)
    np.testing.assert_array_equal(np.array(record["path"]), expected.path)


def test_same_features_work_too(video):
    outcome = cli("warp", "a.npy", "b.npy", "--cross-modal", "ctw", "--metric", "euclidean", "-q")
    assert outcome.code == 0, outcome.stderr
    _, rows = read_csv(outcome.stdout)
    assert_warping_path(rows[:, :2].astype(int), 20, 25)


def test_plot_in_the_shared_space(video):
    pytest.importorskip("matplotlib")
    outcome = cli("warp", "a.npy", "c.npy", "--cross-modal", "ctw", "-q", "--plot", "p.png")
    assert outcome.code == 0, outcome.stderr
    assert (video / "p.png").stat().st_size > 0


def test_subprocess_end_to_end(video):
    done = run_seqalign("warp", "a.wav", "video.npy", "--cross-modal", "ctw", "-q", cwd=video)
    assert done.returncode == 0, done.stderr
    _, rows = read_csv(done.stdout.decode())
    assert rows.shape[1] == 4 and done.stderr == b""


def test_help_names_the_flags():
    outcome = cli("warp", "--help")
    text = " ".join(outcome.stdout.split())
    for word in ("--cross-modal", "ctw", "--components", "--reg", "--projections"):
        assert word in text, word


BAD = {
    "dimensions without --cross-modal": (
        ["a.npy", "b2.npy"],
        ["b2.npy", "B has 2 features per frame but A has 3"],
    ),
    "unknown method": (["a.npy", "c.npy", "--cross-modal", "cca"], ["--cross-modal cca", "ctw"]),
    "components zero": (
        ["a.npy", "c.npy", "--cross-modal", "ctw", "--components", "0"],
        ["--components 0", ">= 1"],
    ),
    "components above the features": (
        ["a.npy", "c.npy", "--cross-modal", "ctw", "--components", "4"],
        ["--components 4", "at most 3", "A has 3", "B has 5"],
    ),
    "negative reg": (["a.npy", "c.npy", "--cross-modal", "ctw", "--reg", "-1"], ["--reg -1"]),
    "reg not finite": (["a.npy", "c.npy", "--cross-modal", "ctw", "--reg", "nan"], ["--reg nan"]),
    "components without --cross-modal": (
        ["a.npy", "b.npy", "--components", "2"],
        ["--components needs --cross-modal"],
    ),
    "reg without --cross-modal": (["a.npy", "b.npy", "--reg", "0.1"], ["--reg needs"]),
    "projections without --cross-modal": (
        ["a.npy", "b.npy", "--projections", "p.npz"],
        ["--projections needs"],
    ),
    "projections folder": (
        ["a.npy", "c.npy", "--cross-modal", "ctw", "--projections", "nowhere/p.npz"],
        ["--projections nowhere/p.npz", "folder"],
    ),
    "projections to stdout": (
        ["a.npy", "c.npy", "--cross-modal", "ctw", "--projections", "-"],
        ["--projections -"],
    ),
    "projections is a folder": (
        ["a.npy", "c.npy", "--cross-modal", "ctw", "--projections", "."],
        ["--projections .", "folder"],
    ),
    "projections over -o": (
        ["a.npy", "c.npy", "--cross-modal", "ctw", "--projections", "p.csv"],
        ["-o", "--projections", "both write"],
    ),
    "metric not for ctw": (
        ["a.npy", "c.npy", "--cross-modal", "ctw", "--metric", "cosine"],
        ["--metric", "sqeuclidean"],
    ),
    "constant input": (["zero.npy", "c.npy", "--cross-modal", "ctw"], ["zero.npy", "constant"]),
}


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_input_exits_2_with_one_line_and_no_output(video, case):
    args, expected = BAD[case]
    np.save(video / "zero.npy", np.zeros((20, 3)))
    before = sorted(os.listdir(video))
    outputs = ["-o", "p.csv", "--time-map", "m.csv"]
    if "--cross-modal" in args and "--projections" not in args:
        outputs += ["--projections", "proj.npz"]
    outcome = cli("warp", *args, *outputs, input=b"")
    assert_one_line_error(outcome, *expected)
    assert sorted(os.listdir(video)) == before  # no output, no temporary file
