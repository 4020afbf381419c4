"""The command line, in process (``seqalign.cli.main.main`` inside typer's CliRunner isolation)
and as a real subprocess (``python -m seqalign``), on real files the tests write.

Every bad input a user can give must exit with code 2, print ONE line on standard error that
names the file, option or value at fault, print no traceback and leave no output file behind.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from seqalign.cli import main as cli_main
from seqalign.cli.options import parse_band, parse_size
from seqalign.errors import InputError, MemoryBudgetError, NoPathError, SeqalignError
from seqalign.wording import reword

N, M, D = 20, 25, 3
PATH_HEADER = "a_index,b_index,a_time,b_time"


# -- running the command line -----------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode()

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.splitlines()


def cli(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> Outcome:
    """Run ``seqalign ARGS`` in process, through the one function that maps errors to codes."""
    with CliRunner().isolation(input=input, env=env) as (stdout, stderr, _):
        code = cli_main.main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(code, stdout.getvalue(), stderr.getvalue().decode())


def run_seqalign(*args: str, input: bytes | None = None, cwd: Path | None = None):
    """Run ``python -m seqalign ARGS`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "seqalign", *args],
        input=input,
        capture_output=True,
        cwd=cwd,
        timeout=120,
    )


def read_csv(text: str) -> tuple[str, np.ndarray]:
    header, *rows = text.strip().splitlines()
    return header, np.array([[float(v) for v in row.split(",")] for row in rows])


def read_until(proc, done, seconds: float = 120.0) -> bytes:
    """What ``proc`` writes to standard output until ``done(seen)`` holds, its output ends
    or ``seconds`` pass (the process is not waited for: a test checks it is still alive)."""
    import os
    import select
    import time

    seen = b""
    deadline = time.monotonic() + seconds
    while not done(seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    return seen


def assert_warping_path(path: np.ndarray, n: int, m: int, start: int = 0, end: int | None = None):
    """Monotone, continuous, from (0, start) to (n - 1, end)."""
    end = m - 1 if end is None else end
    assert path.shape[1] == 2
    assert tuple(path[0]) == (0, start)
    assert tuple(path[-1]) == (n - 1, end)
    steps = np.diff(path, axis=0)
    assert (steps >= 0).all() and (steps.sum(axis=1) > 0).all() and (steps <= 1).all()


def assert_one_line_error(outcome: Outcome, *expected: str) -> None:
    assert outcome.code == 2, outcome.stderr
    assert outcome.stdout == ""
    assert len(outcome.error_lines) == 1, outcome.stderr
    line = outcome.error_lines[0]
    assert line.startswith("seqalign: error: "), line
    assert "Traceback" not in outcome.stderr
    for text in expected:
        assert text in line, line


# -- files ------------------------------------------------------------------------------------


def _walk(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    return np.cumsum(rng.normal(size=(n, d)), axis=0)


def _chirp(seconds: float, f0: float, f1: float, sr: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * (f0 + (f1 - f0) * t / (2 * seconds)) * t)).astype(np.float32)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with small inputs of every kind, good and bad; the tests run in it."""
    import soundfile

    rng = np.random.default_rng(7)
    a, b = _walk(rng, N, D), _walk(rng, M, D)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    np.save(tmp_path / "sub.npy", b[5:15])
    np.save(tmp_path / "b2.npy", _walk(rng, M, 2))
    np.save(tmp_path / "one.npy", np.zeros((1, D)))
    np.save(tmp_path / "empty.npy", np.zeros((0, D)))
    nan = a.copy()
    nan[3, 1] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    for name, data, step in (("a.csv", a, 0.1), ("b.csv", b, 0.05)):
        lines = ["t,x,y,z"] + [f"{k * step:.2f},{r[0]},{r[1]},{r[2]}" for k, r in enumerate(data)]
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    soundfile.write(tmp_path / "a.wav", _chirp(0.5, 220, 660), 22050)
    soundfile.write(tmp_path / "b.wav", _chirp(0.7, 220, 660), 22050)
    (tmp_path / "x.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    damaged = _chirp(0.7, 220, 660).astype(np.float32)
    damaged[[500, 900]] = (np.inf, np.nan)  # a float file with damaged samples
    soundfile.write(tmp_path / "inf.wav", damaged, 22050, subtype="FLOAT")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- success ----------------------------------------------------------------------------------


def test_csv_path_to_stdout(files):
    outcome = cli("warp", "a.npy", "b.npy")
    assert outcome.code == 0, outcome.stderr
    header, rows = read_csv(outcome.stdout)
    assert header == PATH_HEADER
    path = rows[:, :2].astype(int)
    assert_warping_path(path, N, M)
    np.testing.assert_array_equal(rows[:, 2:], rows[:, :2])  # no rate: times are frame indices
    assert "distance" in outcome.stderr and "a.npy" in outcome.stderr
    assert "symmetric1" in outcome.stderr  # the command's default step pattern


def test_the_path_is_the_library_path(files):
    import seqalign

    outcome = cli("warp", "a.npy", "b.npy", "--step-pattern", "symmetric2", "-q")
    _, rows = read_csv(outcome.stdout)
    expected = seqalign.dtw(np.load("a.npy"), np.load("b.npy"), step_pattern="symmetric2")
    np.testing.assert_array_equal(rows[:, :2].astype(int), expected.path)


def test_quiet_writes_nothing_on_stderr(files):
    outcome = cli("warp", "a.npy", "b.npy", "--quiet")
    assert outcome.code == 0
    assert outcome.stderr == ""
    assert outcome.stdout.startswith(PATH_HEADER + "\n")


def test_rates_turn_frames_into_seconds(files):
    outcome = cli("warp", "a.npy", "b.npy", "--rate", "10", "--rate-b", "20", "-q")
    _, rows = read_csv(outcome.stdout)
    np.testing.assert_allclose(rows[:, 2], rows[:, 0] / 10)
    np.testing.assert_allclose(rows[:, 3], rows[:, 1] / 20)


def test_json_output_has_the_fields(files):
    outcome = cli("warp", "a.npy", "b.npy", "-o", "path.json", "-q")
    assert outcome.code == 0 and outcome.stdout == ""
    record = json.loads(Path("path.json").read_text())
    for field in ("distance", "normalized_distance", "n", "m", "metric", "step_pattern", "window"):
        assert field in record
    assert (record["n"], record["m"], record["metric"]) == (N, M, "euclidean")
    assert (record["a"], record["b"]) == ("a.npy", "b.npy")
    assert_warping_path(np.array(record["path"]), N, M)
    assert len(record["a_time"]) == len(record["path"])


def test_npz_output_by_format_flag(files):
    outcome = cli("warp", "a.npy", "b.npy", "-o", "path.bin", "--format", "npz", "-q")
    assert outcome.code == 0
    with np.load("path.bin") as archive:
        assert {"path", "a_time", "b_time", "metadata"} <= set(archive.files)
        assert_warping_path(archive["path"], N, M)
        metadata = json.loads(str(archive["metadata"]))
    assert metadata["step_pattern"] == "symmetric1" and metadata["n"] == N


def test_json_to_stdout(files):
    outcome = cli("warp", "a.npy", "b.npy", "--format", "json", "-q")
    assert json.loads(outcome.stdout)["m"] == M


def test_time_map(files):
    outcome = cli("warp", "a.npy", "b.npy", "--rate", "10", "-o", "p.csv", "--time-map", "tm.csv")
    assert outcome.code == 0 and outcome.stdout == ""
    header, rows = read_csv(Path("tm.csv").read_text())
    assert header == "a_time,b_time,confidence"
    assert rows.shape == (N, 3)
    np.testing.assert_allclose(rows[:, 0], np.arange(N) / 10)
    assert (np.diff(rows[:, 1]) >= 0).all()
    assert rows[0, 1] == 0.0 and rows[-1, 1] == pytest.approx((M - 1) / 10)
    assert ((rows[:, 2] >= 0) & (rows[:, 2] <= 1)).all()
    assert read_csv(Path("p.csv").read_text())[0] == PATH_HEADER


@pytest.mark.parametrize("interpolation", ["runs", "steps"])
def test_time_map_is_the_api_time_map(files, interpolation):
    """The written time map is Alignment.time_map of the features read (rate 10: a guard of
    1 frame, a reach of 5)."""
    import seqalign

    outcome = cli("warp", "a.npy", "b.npy", "--rate", "10", "-o", "p.csv", "--time-map",
                  "tm.npz", "--interpolation", interpolation, "--normalize", "none")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    a, b = np.load("a.npy"), np.load("b.npy")
    want = seqalign.dtw(a, b).time_map(a, b, rate_a=10, rate_b=10, interpolation=interpolation,
                                       guard=1, reach=5)  # fmt: skip
    with np.load("tm.npz") as got:
        np.testing.assert_allclose(got["a_time"], want.a_times)
        np.testing.assert_allclose(got["b_time"], want.b_times)
        np.testing.assert_allclose(got["confidence"], want.confidence)


def test_time_map_to_stdout_as_json(files):
    outcome = cli("warp", "a.npy", "b.npy", "-o", "p.csv", "--time-map", "-", "-q")
    assert outcome.stdout.startswith("a_time,b_time,confidence\n")
    outcome = cli("warp", "a.npy", "b.npy", "-o", "p.csv", "--time-map", "tm.json", "-q")
    record = json.loads(Path("tm.json").read_text())
    assert len(record["a_time"]) == N and (np.diff(record["b_time"]) >= 0).all()


def test_tables_with_a_time_column(files):
    outcome = cli("warp", "a.csv", "b.csv", "-q")
    assert outcome.code == 0, outcome.stderr
    _, rows = read_csv(outcome.stdout)
    np.testing.assert_allclose(rows[:, 2], rows[:, 0] * 0.1, atol=1e-6)
    np.testing.assert_allclose(rows[:, 3], rows[:, 1] * 0.05, atol=1e-6)


def test_column_selects_features(files):
    one = cli("warp", "a.csv", "b.csv", "--column", "x", "--column", "z", "--format", "json")
    assert one.code == 0, one.stderr
    expected = cli("warp", "a.npy", "b.npy", "--format", "json", "-q")
    assert json.loads(one.stdout)["distance"] != json.loads(expected.stdout)["distance"]
    assert "2 features" in one.stderr


def test_band_in_seconds_equals_band_in_frames(files):
    seconds = cli("warp", "a.npy", "b.npy", "--rate", "10", "--band", "0.3s")
    frames = cli("warp", "a.npy", "b.npy", "--rate", "10", "--band", "3", "-q")
    assert seconds.code == frames.code == 0
    assert seconds.stdout == frames.stdout
    assert "slantedband (radius 3 frames of B)" in seconds.stderr
    _, rows = read_csv(frames.stdout)
    i, j = rows[:, 0], rows[:, 1]
    assert (np.abs(j - i * (M - 1) / (N - 1)) <= 3 + 1e-9).all()


def test_subsequence_finds_a_inside_b(files):
    outcome = cli("warp", "sub.npy", "b.npy", "--subsequence", "--format", "json")
    assert outcome.code == 0, outcome.stderr
    record = json.loads(outcome.stdout)
    assert record["distance"] == pytest.approx(0.0, abs=1e-9)
    assert (record["start"], record["end"]) == (5, 14)
    assert_warping_path(np.array(record["path"]), 10, M, start=5, end=14)
    assert "B matched at frames 5-14" in outcome.stderr


def test_stdin_in_process(files):
    outcome = cli("warp", "-", "b.npy", input=Path("a.npy").read_bytes())
    assert outcome.code == 0, outcome.stderr
    assert_warping_path(read_csv(outcome.stdout)[1][:, :2].astype(int), N, M)
    assert "standard input" in outcome.stderr


def test_stdin_pipe_subprocess(files):
    """``cat a.npy | seqalign warp - b.npy``, as a shell would run it."""
    command = f"cat a.npy | {sys.executable} -m seqalign warp - b.npy"
    done = subprocess.run(command, shell=True, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    header, rows = read_csv(done.stdout.decode())
    assert header == PATH_HEADER
    assert_warping_path(rows[:, :2].astype(int), N, M)
    assert b"standard input" in done.stderr


def test_audio_end_to_end_subprocess(files):
    done = run_seqalign("warp", "a.wav", "b.wav", "--time-map", "tm.csv", "--preset", "none",
                        cwd=files)  # fmt: skip
    assert done.returncode == 0, done.stderr
    header, rows = read_csv(done.stdout.decode())
    assert header == PATH_HEADER
    rate = 22050 / 512
    n, m = 1 + int(0.5 * 22050) // 512, 1 + int(0.7 * 22050) // 512
    assert_warping_path(rows[:, :2].astype(int), n, m)
    np.testing.assert_allclose(rows[:, 2], rows[:, 0] / rate, atol=1e-6)
    summary = done.stderr.decode()
    assert "logmel" in summary and "cosine" in summary and "zscore" in summary
    header, mapped = read_csv((files / "tm.csv").read_text())
    assert header == "a_time,b_time,confidence"
    assert mapped.shape == (n, 3) and (np.diff(mapped[:, 1]) >= 0).all()
    assert ((mapped[:, 2] >= 0) & (mapped[:, 2] <= 1)).all()


def test_broken_pipe_stops_quietly(files):
    """The reader of standard output is gone before the path is written (``| head``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "seqalign", "warp", "-", "b.npy"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    assert process.stderr is not None
    process.stdout.close()
    process.stdin.write(Path("a.npy").read_bytes())
    process.stdin.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert stderr == b""


# -- bad input: exit 2, one line naming the culprit, no output left behind -------------------

BAD_INPUTS = {
    "missing file": (["missing.npy", "b.npy"], ["missing.npy", "no such file"]),
    "empty array": (["empty.npy", "b.npy"], ["empty.npy", "empty"]),
    "one frame": (["one.npy", "b.npy"], ["one.npy", "single frame"]),
    "nan": (["a.npy", "nan.npy"], ["nan.npy", "NaN"]),
    "dimensions": (["a.npy", "b2.npy"], ["b2.npy", "B has 2 features per frame but A has 3"]),
    "corrupt audio": (["x.wav", "b.npy"], ["x.wav", "cannot read audio"]),
    "audio with NaN or infinite samples": (
        ["a.wav", "inf.wav"],
        ["inf.wav: sample 500 (at 0.023 s) is NaN or infinite (2 in all)", "damaged"],
    ),
    "metric": (["a.npy", "b.npy", "--metric", "l3"], ["--metric", "'l3'", "cosine"]),
    "step pattern": (["a.npy", "b.npy", "--step-pattern", "nope"], ["--step-pattern", "'nope'"]),
    "window": (["a.npy", "b.npy", "--window", "square", "--band", "3"], ["--window", "'square'"]),
    "window needs band": (["a.npy", "b.npy", "--window", "sakoechiba"], ["--band", "radius"]),
    "format": (["a.npy", "b.npy", "--format", "xml"], ["--format", "'xml'", "json"]),
    "features": (["a.wav", "b.wav", "--features", "pitch"], ["--features", "'pitch'", "logmel"]),
    "normalize": (["a.npy", "b.npy", "--normalize", "max"], ["--normalize", "'max'", "zscore"]),
    "input format": (["a.npy", "b.npy", "--input-format", "mp4"], ["--input-format", "'mp4'"]),
    "band too narrow": (
        ["a.npy", "b.npy", "--window", "sakoechiba", "--band", "1"],
        ["--band 1", "widen"],
    ),
    "band too narrow in seconds": (
        ["a.npy", "b.npy", "--window", "sakoechiba", "--band", "0.1s", "--rate", "10"],
        ["--band 0.1s (1 frame)", "widen"],
    ),
    "band not a band": (["a.npy", "b.npy", "--band", "wide"], ["--band", "'wide'"]),
    "band fraction of a frame": (["a.npy", "b.npy", "--band", "2.5"], ["--band 2.5", "2.5s"]),
    "band in seconds without rate": (["a.npy", "b.npy", "--band", "2s"], ["--band 2s", "b.npy"]),
    "memory budget": (["a.npy", "b.npy", "--max-memory", "1KB"], ["--max-memory 1KB", "budget"]),
    "memory not a size": (["a.npy", "b.npy", "--max-memory", "lots"], ["--max-memory", "'lots'"]),
    "open begin with symmetric2": (
        ["a.npy", "b.npy", "--open-begin", "--step-pattern", "symmetric2"],
        ["--step-pattern", "--open-begin"],
    ),
    "rate": (["a.npy", "b.npy", "--rate", "0"], ["--rate", "positive"]),
    "rate of b": (["a.npy", "b.npy", "--rate-b", "-3"], ["--rate-b", "positive"]),
    "sample rate": (["a.wav", "b.wav", "--sample-rate", "0"], ["--sample-rate", "positive"]),
    "both inputs stdin": (["-", "-"], ["only one input can be -"]),
    "missing column": (["a.csv", "b.csv", "--column", "w"], ["a.csv", "'w'", "--column"]),
    "output folder": (["a.npy", "b.npy", "-o", "nowhere/p.csv"], ["-o nowhere/p.csv", "folder"]),
    "time map folder": (
        ["a.npy", "b.npy", "--time-map", "nowhere/tm.csv"],
        ["--time-map nowhere/tm.csv", "folder"],
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=str)
def test_bad_input_exits_2_with_one_line_and_no_output(files, case):
    args, expected = BAD_INPUTS[case]
    before = sorted(os.listdir(files))
    outputs = [] if "-o" in args or "--time-map" in args else ["-o", "p.csv", "--time-map", "m.csv"]
    outcome = cli("warp", *args, *outputs, input=b"")
    assert_one_line_error(outcome, *expected)
    assert sorted(os.listdir(files)) == before  # no output, no temporary file


def test_a_failed_run_leaves_an_existing_output_untouched(files):
    Path("p.csv").write_text("precious\n")
    outcome = cli("warp", "a.npy", "b.npy", "--max-memory", "1KB", "-o", "p.csv")
    assert outcome.code == 2
    assert Path("p.csv").read_text() == "precious\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--time-map", "-"],  # -o defaults to - too
        ["-o", "same.csv", "--time-map", "./same.csv"],
        ["-o", "b.npy"],
        ["-o", "p.csv", "--time-map", "a.npy"],
    ],
    ids=["both stdout", "same file", "over input B", "time map over input A"],
)
def test_outputs_must_differ_from_each_other_and_the_inputs(files, args):
    before = {name: Path(name).read_bytes() for name in os.listdir(files)}
    outcome = cli("warp", "a.npy", "b.npy", *args)
    assert_one_line_error(outcome, args[-2], args[-1] if args[-1] != "-" else "standard output")
    assert {name: Path(name).read_bytes() for name in os.listdir(files)} == before


def test_bad_input_subprocess(files):
    done = run_seqalign("warp", "one.npy", "b.npy", "-o", "p.csv", cwd=files)
    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("seqalign: error: one.npy: ")
    assert not (files / "p.csv").exists()


@pytest.mark.parametrize(
    "args, line",
    [
        (
            ["warp", "a.npy", "b.npy", "--frobnicate"],
            "seqalign warp: error: no such option --frobnicate (possible options: --format, "
            "--rate, --rate-b) (see seqalign warp --help)",
        ),
        (["warp", "a.npy"], "seqalign warp: error: missing argument B (see seqalign warp --help)"),
        (
            ["warp", "a.npy", "b.npy", "--rate", "fast"],
            "seqalign warp: error: --rate fast: not a number (see seqalign warp --help)",
        ),
        (
            ["warp", "a.npy", "b.npy", "--band"],
            "seqalign warp: error: option --band requires an argument (see seqalign warp --help)",
        ),
        (
            ["align", "a.npy", "b.npy"],
            "seqalign: error: no such command align (see seqalign --help)",
        ),
        (
            ["warp", "a.npy", "b.npy", "--hop", "99999999999999999999"],
            "seqalign: error: --hop 99999999999999999999: too large (at most 2147483647)",
        ),
        (
            ["warp", "a.npy", "b.npy", "--rate", "nan"],
            "seqalign: error: --rate nan: not a finite number",
        ),
        (
            ["soft", "a.npy", "b.npy", "--gamma", "-inf"],
            "seqalign: error: --gamma -inf: not a finite number",
        ),
    ],
    ids=[
        "unknown option",
        "missing argument",
        "not a number",
        "no value",
        "unknown command",
        "huge integer",
        "nan",
        "infinite",
    ],
)
def test_usage_errors_exit_2_in_one_line(files, args, line):
    outcome = cli(*args)
    assert outcome.code == 2
    assert outcome.stdout == ""
    assert outcome.stderr == line + "\n"


# -- the mapping from exceptions to exit codes -----------------------------------------------


def _raise(error: BaseException):
    def dtw(*args, **kwargs):
        raise error

    return dtw


def test_internal_error_is_one_line_and_exit_1(files, monkeypatch):
    monkeypatch.setattr("seqalign.warping.align.dtw", _raise(ZeroDivisionError("boom")))
    monkeypatch.delenv("SEQALIGN_DEBUG", raising=False)
    outcome = cli("warp", "a.npy", "b.npy", "-o", "p.csv")
    assert outcome.code == 1
    assert outcome.error_lines == [
        "seqalign: internal error: ZeroDivisionError: boom; set SEQALIGN_DEBUG=1 for the traceback"
    ]
    assert not Path("p.csv").exists()


def test_debug_shows_the_traceback(files, monkeypatch):
    monkeypatch.setattr("seqalign.warping.align.dtw", _raise(ZeroDivisionError("boom")))
    outcome = cli("warp", "a.npy", "b.npy", env={"SEQALIGN_DEBUG": "1"})
    assert outcome.code == 1
    assert "Traceback" in outcome.stderr
    assert outcome.error_lines[-1] == "seqalign: internal error: ZeroDivisionError: boom"


def test_a_failure_while_working_exits_1(files, monkeypatch):
    monkeypatch.setattr("seqalign.warping.align.dtw", _raise(SeqalignError("the kernel gave up")))
    outcome = cli("warp", "a.npy", "b.npy")
    assert outcome.code == 1
    assert outcome.error_lines == ["seqalign: error: the kernel gave up"]


def test_ctrl_c_exits_130(files, monkeypatch):
    monkeypatch.setattr("seqalign.warping.align.dtw", _raise(KeyboardInterrupt()))
    outcome = cli("warp", "a.npy", "b.npy", "-o", "p.csv")
    assert outcome.code == 130
    assert outcome.error_lines == ["seqalign: interrupted"]
    assert not Path("p.csv").exists()


def test_run_exits_with_the_code(files, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["seqalign", "warp", "one.npy", "b.npy"])
    with CliRunner().isolation(), pytest.raises(SystemExit) as exit_:
        cli_main.run()
    assert exit_.value.code == 2


# -- reword: the one table from library arguments to what the user typed ---------------------

INPUTS = {"x": ("A", "a.wav"), "y": ("B", "-")}


@pytest.mark.parametrize(
    "error, expected",
    [
        (InputError("x has a single frame", argument="x"), "a.wav: A has a single frame"),
        (
            InputError("y has 2 features but x has 3", argument="y"),
            "standard input: B has 2 features but A has 3",
        ),
        (InputError("a.wav: x is odd", argument="x"), "a.wav: A is odd"),
        (NoPathError("radius 3: too narrow", argument="radius"), "--band 3s: radius 3: too narrow"),
        (InputError("unknown metric 'l3'", argument="metric"), "--metric: unknown metric 'l3'"),
        (InputError("bad", argument="step_pattern"), "--step-pattern: bad"),
        (InputError("bad", argument="window"), "--window: bad"),
        (
            MemoryBudgetError("too big; raise max_memory", argument="max_memory"),
            "--max-memory: too big; raise --max-memory",
        ),
        (
            InputError("open_begin needs N", argument="step_pattern"),
            "--step-pattern: --open-begin needs N",
        ),
        (InputError("no set 'p' (--features)", argument="features"), "no set 'p' (--features)"),
        (InputError("b.npy: no such file"), "b.npy: no such file"),
        (InputError("odd", argument="beta"), "odd"),
    ],
)
def test_reword(error, expected):
    better = reword(error, INPUTS, {"radius": "3s"})
    assert better.message == expected
    assert type(better) is type(error) and better.argument == error.argument


BANDS = {
    "200": (200, None),
    "0": (0, None),
    "3f": (3, None),
    "1e1": (10, None),
    "2.5s": (None, 2.5),
    "2.5 s": (None, 2.5),
    "250ms": (None, 0.25),
}


@pytest.mark.parametrize("text", BANDS)
def test_parse_band(text):
    band = parse_band(text)
    assert (band.frames, band.seconds) == BANDS[text]


@pytest.mark.parametrize("text", ["", "wide", "-3", "2.5", "3 frames", "1.5.2s"])
def test_parse_band_rejects(text):
    with pytest.raises(InputError, match="--band") as error:
        parse_band(text)
    assert error.value.argument == "radius"


def test_band_seconds_round_up_to_cover_the_time():
    assert parse_band("1s").radius(100.0, "b") == 100
    assert parse_band("0.25s").radius(43.06640625, "b") == 11
    with pytest.raises(InputError, match=r"b\.npy has no frame rate"):
        parse_band("1s").radius(None, "b.npy")


SIZES = {
    "2GB": 2 * 10**9,
    "500MB": 5 * 10**8,
    "500 mb": 5 * 10**8,
    "1g": 10**9,
    "1KB": 1000,
    "1KiB": 1024,
    "1.5GiB": 3 * 2**29,
    "4096": 4096,
}


@pytest.mark.parametrize("text", SIZES)
def test_parse_size(text):
    assert parse_size(text) == SIZES[text]


@pytest.mark.parametrize("text", ["", "lots", "2XB", "-1GB", "0", "GB"])
def test_parse_size_rejects(text):
    with pytest.raises(InputError, match="--max-memory"):
        parse_size(text)


# -- help, version, start-up -----------------------------------------------------------------


def test_help_and_version():
    top = cli("--help")
    assert top.code == 0 and "warp" in top.stdout and "--version" in top.stdout
    version = cli("--version")
    assert version.code == 0 and version.stdout.strip() == "seqalign 0.1.0"


def test_warp_help_names_every_valid_value():
    from seqalign.audio.features import FEATURE_SETS
    from seqalign.io import INPUT_FORMATS, NORMALIZATIONS, WRITE_FORMATS
    from seqalign.localcosts import METRICS
    from seqalign.warping.windows import WINDOWS

    outcome = cli("warp", "--help")
    assert outcome.code == 0
    text = " ".join(outcome.stdout.split())
    for registry in (METRICS, WINDOWS, FEATURE_SETS, NORMALIZATIONS, INPUT_FORMATS, WRITE_FORMATS):
        for name in registry:
            assert name in text, name
    for name in ("symmetric1", "symmetric2", "asymmetric", "rigid", "mori2006", "typeIIIc"):
        assert name in text
    for flag in ("--band", "--time-map", "--subsequence", "--max-memory", "--quiet", "--rate-b"):
        assert flag in text


def test_help_and_version_subprocess():
    for args in (["--help"], ["warp", "--help"], ["--version"]):
        done = run_seqalign(*args)
        assert done.returncode == 0, done.stderr
        assert done.stderr == b""
    assert run_seqalign("--version").stdout == b"seqalign 0.1.0\n"


def _imported(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


HEAVY = {"numpy", "numba", "librosa", "scipy", "soundfile"}


@pytest.mark.parametrize(
    "code",
    [
        "import seqalign.cli.main",
        "from seqalign.cli.main import main; main(['--help'])",
        "from seqalign.cli.main import main; main(['warp', '--help'])",
    ],
    ids=["import", "help", "warp help"],
)
def test_the_command_line_starts_without_heavy_imports(code):
    names = _imported(code)
    assert "seqalign.cli.main" in names
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert not heavy
    assert not {"seqalign.io", "seqalign.warping.align"} & names


def test_python_dash_m_runs_the_same_main(files):
    done = run_seqalign("warp", "a.npy", "b.npy", "-q", "--format", "json", cwd=files)
    assert done.returncode == 0
    assert json.load(io.BytesIO(done.stdout))["n"] == N
