"""``seqalign soft`` and ``seqalign barycenter``, in process (``seqalign.cli.main.main`` inside
typer's CliRunner isolation) and as real subprocesses, on real files the tests write.

Every bad input a user can give exits with code 2, prints ONE line on standard error that
names the file, option or value at fault, no traceback, and leaves no output file behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import seqalign
from seqalign.cli import main as cli_main

N, M, D = 20, 25, 3


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.splitlines()


def cli(*args: str, input: bytes | None = None) -> Outcome:
    with CliRunner().isolation(input=input) as (stdout, stderr, _):
        code = cli_main.main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(code, stdout.getvalue().decode(), stderr.getvalue().decode())


def run_seqalign(*args: str, cwd: Path, input: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "seqalign", *args], input=input,
                          capture_output=True, cwd=cwd, timeout=120)  # fmt: skip


def assert_one_line_error(outcome: Outcome, *expected: str) -> None:
    assert outcome.code == 2, outcome.stderr
    assert outcome.stdout == ""
    assert len(outcome.error_lines) == 1, outcome.stderr
    line = outcome.error_lines[0]
    assert line.startswith("seqalign: error: "), line
    assert "Traceback" not in outcome.stderr
    for text in expected:
        assert text in line, line


def _walk(rng, n, d):
    return np.cumsum(rng.normal(size=(n, d)), axis=0)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Small inputs of every kind, good and bad, in a working folder the tests run in."""
    import soundfile

    rng = np.random.default_rng(3)
    a, b = _walk(rng, N, D), _walk(rng, M, D)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    np.save(tmp_path / "c.npy", _walk(rng, 22, D))
    np.save(tmp_path / "b2.npy", _walk(rng, M, 2))
    np.save(tmp_path / "one.npy", np.zeros((1, D)))
    nan = a.copy()
    nan[3, 1] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    for name, data in (("a.csv", a), ("b.csv", b)):
        rows = ["t,x,y,z"] + [f"{k * 0.1:.1f},{r[0]},{r[1]},{r[2]}" for k, r in enumerate(data)]
        (tmp_path / name).write_text("\n".join(rows) + "\n")
    t = np.arange(int(0.5 * 22050)) / 22050
    soundfile.write(tmp_path / "a.wav", (0.5 * np.sin(2 * np.pi * 330 * t)).astype(np.float32),
                    22050)  # fmt: skip
    soundfile.write(tmp_path / "b.wav", (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
                    22050)  # fmt: skip
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- seqalign soft ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "function", "kwargs"),
    [
        ([], "soft_dtw", {}),
        (["--gamma", "0.1"], "soft_dtw", {"gamma": 0.1}),
        (["-g", "2", "--divergence"], "soft_dtw_divergence", {"gamma": 2.0}),
        (["--sharp"], "soft_dtw", {"sharp": True}),
        (["--divergence", "--sharp", "--metric", "cosine"], "soft_dtw_divergence",
         {"sharp": True, "metric": "cosine"}),
        (["--band", "4", "--window", "sakoechiba"], "soft_dtw",
         {"window": "sakoechiba", "radius": 4}),
    ],
    ids=["default", "gamma", "divergence", "sharp", "sharp divergence cosine", "band"],
)  # fmt: skip
def test_the_value_is_the_librarys(files, flags, function, kwargs):
    outcome = cli("soft", "a.npy", "c.npy", *flags)
    assert outcome.code == 0, outcome.stderr
    expected = getattr(seqalign, function)(np.load("a.npy"), np.load("c.npy"), **kwargs).value
    assert outcome.stdout == f"{expected!r}\n"
    assert "a.npy" in outcome.stderr and "gamma" in outcome.stderr


def test_quiet(files):
    outcome = cli("soft", "a.npy", "b.npy", "-q")
    assert outcome.code == 0 and outcome.stderr == ""
    assert float(outcome.stdout) == seqalign.soft_dtw(np.load("a.npy"), np.load("b.npy")).value


@pytest.mark.parametrize("name", ["al.npz", "al.json"])
def test_alignment_file(files, name):
    outcome = cli("soft", "a.npy", "b.npy", "--gamma", "0.5", "--alignment", name, "-q")
    assert outcome.code == 0, outcome.stderr
    if name.endswith(".npz"):
        with np.load(name) as archive:
            arrays = {key: archive[key] for key in archive.files}
        metadata = json.loads(str(arrays.pop("metadata")))
    else:
        record = json.loads(Path(name).read_text())
        arrays = {k: np.array(record.pop(k)) for k in ("alignment", "path", "confidence")}
        metadata = record
    a, b = np.load("a.npy"), np.load("b.npy")
    soft = seqalign.soft_dtw(a, b, gamma=0.5, alignment=True)
    np.testing.assert_allclose(arrays["alignment"], soft.alignment, rtol=1e-12)
    path = seqalign.dtw(a, b, metric="sqeuclidean").path
    np.testing.assert_array_equal(arrays["path"], path)
    confidence = arrays["confidence"]
    assert confidence.shape == (N,) and ((confidence > 0) & (confidence <= 1 + 1e-12)).all()
    for i in range(N):
        cells = path[path[:, 0] == i]
        assert confidence[i] == pytest.approx(soft.alignment[cells[:, 0], cells[:, 1]].max())
    assert metadata["value"] == float(outcome.stdout) and metadata["gamma"] == 0.5


def test_alignment_of_a_divergence_is_that_of_a_and_b(files):
    outcome = cli("soft", "a.npy", "b.npy", "--divergence", "--sharp", "--alignment", "al.npz")
    assert outcome.code == 0, outcome.stderr
    with np.load("al.npz") as archive:
        metadata = json.loads(str(archive["metadata"]))
        expected = seqalign.soft_dtw(np.load("a.npy"), np.load("b.npy"), alignment=True)
        np.testing.assert_allclose(archive["alignment"], expected.alignment, rtol=1e-12)
    assert metadata["kind"] == "sharp soft-DTW divergence"
    assert metadata["value"] == float(outcome.stdout)


def test_tables_audio_and_stdin(files):
    tables = cli("soft", "a.csv", "b.csv", "-q")
    assert tables.code == 0, tables.stderr
    arrays = cli("soft", "a.npy", "b.npy", "-q")
    assert float(tables.stdout) == pytest.approx(float(arrays.stdout), rel=1e-9)
    audio = cli("soft", "a.wav", "b.wav", "--features", "mfcc")
    assert audio.code == 0, audio.stderr
    assert "zscore" in audio.stderr and float(audio.stdout) > 0
    piped = cli("soft", "-", "b.npy", "-q", input=Path("a.npy").read_bytes())
    assert piped.stdout == arrays.stdout


def test_soft_subprocess_with_stdin(files):
    done = run_seqalign("soft", "-", "b.npy", "--divergence", cwd=files,
                        input=Path("a.npy").read_bytes())  # fmt: skip
    assert done.returncode == 0, done.stderr
    expected = seqalign.soft_dtw_divergence(np.load("a.npy"), np.load("b.npy")).value
    assert done.stdout.decode() == f"{expected!r}\n"
    assert b"standard input" in done.stderr


# -- seqalign barycenter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "kwargs"),
    [
        ([], {}),
        (["--averaging", "dba"], {"averaging": "dba"}),
        (["--gamma", "0.5", "--divergence", "--length", "18"],
         {"gamma": 0.5, "divergence": True, "length": 18}),
        (["--averaging", "dba", "--init", "medoid", "--weights", "1,2,0.5", "--tol", "0"],
         {"averaging": "dba", "init": "medoid", "weights": [1, 2, 0.5], "tol": 0.0}),
        (["--max-iter", "3", "--band", "6"], {"max_iter": 3, "radius": 6}),
    ],
    ids=["soft", "dba", "divergence and length", "weights and medoid", "band"],
)  # fmt: skip
def test_barycenter_is_the_librarys(files, flags, kwargs):
    outcome = cli("barycenter", "a.npy", "b.npy", "c.npy", "-o", "t.npy", *flags)
    assert outcome.code == 0, outcome.stderr
    series = [np.load(name) for name in ("a.npy", "b.npy", "c.npy")]
    expected = seqalign.barycenter(series, **kwargs).average
    np.testing.assert_allclose(np.load("t.npy"), expected, rtol=1e-9, atol=1e-12)
    assert "objective" in outcome.stderr and "3 sequences" in outcome.stderr


def test_barycenter_formats(files):
    cli("barycenter", "a.npy", "b.npy", "-o", "t.npy", "-q")
    reference = np.load("t.npy")
    for name in ("t.csv", "t.tsv", "t.json", "t.npz"):
        assert cli("barycenter", "a.npy", "b.npy", "-o", name, "-q").code == 0
    csv = np.loadtxt("t.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(csv, reference)  # 17 significant digits: exact
    assert Path("t.csv").read_text().startswith("f0,f1,f2\n")
    np.testing.assert_array_equal(np.loadtxt("t.tsv", delimiter="\t", skiprows=1), reference)
    record = json.loads(Path("t.json").read_text())
    np.testing.assert_array_equal(np.array(record["barycenter"]), reference)
    assert record["averaging"] == "soft" and record["inputs"] == ["a.npy", "b.npy"]
    with np.load("t.npz") as archive:
        np.testing.assert_array_equal(archive["barycenter"], reference)
        assert json.loads(str(archive["metadata"]))["length"] == reference.shape[0]
    stdout = cli("barycenter", "a.npy", "b.npy", "-q")
    assert stdout.stdout.startswith("f0,f1,f2\n")
    tables = cli("barycenter", "a.csv", "b.csv", "-o", "-", "--format", "csv", "-q")
    assert tables.stdout.startswith("x,y,z\n")  # the tables' column names


def test_barycenter_subprocess(files):
    done = run_seqalign("barycenter", "a.npy", "b.npy", "c.npy", "-o", "t.npy", "--averaging",
                        "dba", cwd=files)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert np.load(files / "t.npy").shape == (round((N + M + 22) / 3), D)


# -- bad input: exit 2, one line naming the culprit, no output left behind -------------------

SOFT_BAD = {
    "gamma 0": (["a.npy", "b.npy", "--gamma", "0"], ["--gamma 0", "positive"]),
    "gamma negative": (["a.npy", "b.npy", "-g", "-1"], ["--gamma -1", "positive"]),
    "gamma nan": (["a.npy", "b.npy", "--gamma", "nan"], ["--gamma nan"]),
    "missing file": (["missing.npy", "b.npy"], ["missing.npy", "no such file"]),
    "features": (["a.npy", "b2.npy"], ["b2.npy", "B has 2 features per frame but A has 3"]),
    "one frame": (["one.npy", "b.npy"], ["one.npy", "single frame"]),
    "nan": (["a.npy", "nan.npy"], ["nan.npy", "NaN"]),
    "both stdin": (["-", "-"], ["only one input can be -"]),
    "metric": (["a.npy", "b.npy", "--metric", "l3"], ["--metric", "'l3'", "sqeuclidean"]),
    "window": (["a.npy", "b.npy", "--window", "square", "--band", "2"], ["--window"]),
    "band too narrow": (
        ["a.npy", "b.npy", "--window", "sakoechiba", "--band", "1"],
        ["--band 1", "widen"],
    ),
    "alignment folder": (
        ["a.npy", "b.npy", "--alignment", "nowhere/al.npz"],
        ["--alignment nowhere/al.npz", "folder"],
    ),
    "alignment extension": (["a.npy", "b.npy", "--alignment", "al.csv"], ["--alignment al.csv"]),
    "alignment stdout": (["a.npy", "b.npy", "--alignment", "-"], ["--alignment -", "standard"]),
    "alignment over input": (["a.npy", "b.npy", "--alignment", "a.npy"], ["overwrite"]),
    "memory": (
        ["a.npy", "b.npy", "--alignment", "al.npz", "--max-memory", "1KB"],
        ["--max-memory 1KB", "budget"],
    ),
}


@pytest.mark.parametrize("case", SOFT_BAD, ids=str)
def test_soft_bad_input(files, case):
    args, expected = SOFT_BAD[case]
    before = sorted(os.listdir(files))
    outcome = cli("soft", *args, input=b"")
    assert_one_line_error(outcome, *expected)
    assert sorted(os.listdir(files)) == before  # no output, no temporary file


BARYCENTER_BAD = {
    "gamma": (["a.npy", "b.npy", "--gamma", "0"], ["--gamma 0"]),
    "averaging": (["a.npy", "b.npy", "--averaging", "kmeans"], ["--averaging kmeans", "soft, dba"]),
    "init": (["a.npy", "b.npy", "--init", "random"], ["--init random", "mean, medoid"]),
    "weights count": (["a.npy", "b.npy", "--weights", "1,2,3"], ["--weights 1,2,3", "3 values"]),
    "weights text": (["a.npy", "b.npy", "--weights", "one,two"], ["--weights 'one,two'"]),
    "weights zero": (["a.npy", "b.npy", "--weights", "0,0"], ["--weights 0,0"]),
    "length": (["a.npy", "b.npy", "--length", "1"], ["--length 1", "at least 2"]),
    "max iter": (["a.npy", "b.npy", "--max-iter", "0"], ["--max-iter 0"]),
    "tol": (["a.npy", "b.npy", "--tol", "-1"], ["--tol -1"]),
    "dba metric": (["a.npy", "b.npy", "--averaging", "dba", "--metric", "cosine"], ["squared"]),
    "missing file": (["a.npy", "missing.npy"], ["missing.npy", "no such file"]),
    "features": (["a.npy", "b2.npy"], ["b2.npy", "2 features per frame but a.npy has 3"]),
    "one frame": (["a.npy", "one.npy"], ["one.npy", "single frame"]),
    "nan": (["nan.npy", "b.npy"], ["nan.npy", "NaN"]),
    "output folder": (["a.npy", "b.npy", "-o", "nowhere/t.npy"], ["-o nowhere/t.npy", "folder"]),
    "output over input": (["a.npy", "b.npy", "-o", "b.npy"], ["-o b.npy", "overwrite"]),
    "format": (["a.npy", "b.npy", "--format", "xml"], ["--format 'xml'", "npy"]),
    "band in seconds without rate": (["a.npy", "b.npy", "--band", "2s"], ["--band 2s"]),
    "two stdin": (["-", "-"], ["only one input can be -"]),
}


@pytest.mark.parametrize("case", BARYCENTER_BAD, ids=str)
def test_barycenter_bad_input(files, case):
    args, expected = BARYCENTER_BAD[case]
    before = sorted(os.listdir(files))
    outputs = [] if "-o" in args else ["-o", "t.npy"]
    outcome = cli("barycenter", *args, *outputs, input=b"")
    assert_one_line_error(outcome, *expected)
    assert sorted(os.listdir(files)) == before


def test_a_failed_barycenter_leaves_an_existing_output_untouched(files):
    Path("t.npy").write_bytes(b"precious")
    outcome = cli("barycenter", "a.npy", "b2.npy", "-o", "t.npy")
    assert outcome.code == 2
    assert Path("t.npy").read_bytes() == b"precious"


def test_bad_input_subprocess(files):
    done = run_seqalign("soft", "a.npy", "b.npy", "--gamma", "0", cwd=files)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "seqalign: error: --gamma 0: gamma must be a positive number (the smoothing of the soft "
        "minimum), got 0.0"
    ]


# -- help and start-up ------------------------------------------------------------------------


def test_help_names_the_options():
    soft = " ".join(cli("soft", "--help").stdout.split())
    for text in ("--gamma", "--divergence", "--sharp", "--alignment", "--band", "sqeuclidean"):
        assert text in soft, text
    bary = " ".join(cli("barycenter", "--help").stdout.split())
    for text in ("--averaging", "soft", "dba", "--init", "medoid", "--weights", "--tol", "npy"):
        assert text in bary, text
    assert "soft" in cli("--help").stdout and "barycenter" in cli("--help").stdout


@pytest.mark.parametrize("command", ["soft", "barycenter"])
def test_help_starts_without_heavy_imports(command):
    code = f"from seqalign.cli.main import main; main(['{command}', '--help'])"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}  # fmt: skip
    heavy = {n for n in names if n.split(".")[0] in {"numpy", "numba", "scipy", "librosa"}}
    assert not heavy
