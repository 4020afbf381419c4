"""``seqalign batch`` from the shell: exit codes, messages, stdin, and Ctrl-C / kill + --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.test_batch import MANIFEST, make_data, outputs, read_rows
from tests.test_cli import assert_one_line_error, cli


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = make_data(tmp_path / "data")
    (folder / "jobs.csv").write_text(MANIFEST)
    monkeypatch.chdir(tmp_path)
    return folder


def test_a_batch_runs_and_says_so_in_one_line(data):
    outcome = cli("batch", "data/jobs.csv", "-o", "out", "--jobs", "1")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == ""
    (line,) = outcome.error_lines
    assert line.startswith("4 jobs: 4 ok, ") and line.endswith(" s")
    assert len(outputs(Path("out"))) == 4
    assert cli("batch", "data/jobs.csv", "-o", "out2", "-j", "1", "--quiet").stderr == ""


def test_a_failed_job_gives_exit_code_1_and_a_failures_file(data):
    (data / "m.csv").write_text("id,a,b\nok,s0.npy,s1.npy\ngone,s0.npy,gone.npy\n")
    outcome = cli("batch", "data/m.csv", "-o", "out", "-j", "1")
    assert outcome.code == 1
    assert outcome.error_lines == [outcome.error_lines[0]]
    assert "2 jobs: 1 ok, 1 failed (see out/failures.csv)" in outcome.stderr
    (failure,) = read_rows(Path("out/failures.csv"))
    assert failure["id"] == "gone" and "gone.npy: no such file" in failure["reason"]


def test_set_gives_defaults_that_rows_override(data):
    (data / "m.csv").write_text("id,a,b,metric\nd,s0.npy,s1.npy,\nr,s0.npy,s1.npy,euclidean\n")
    outcome = cli("batch", "data/m.csv", "-o", "out", "-j", "1", "--set", "metric=cityblock")
    assert outcome.code == 0, outcome.stderr
    rows = {r["id"]: float(r["distance"]) for r in read_rows(Path("out/summary.csv"))}
    from seqalign import dtw

    a, b = np.load(data / "s0.npy"), np.load(data / "s1.npy")
    assert rows["d"] == pytest.approx(dtw(a, b, metric="cityblock").distance)
    assert rows["r"] == pytest.approx(dtw(a, b).distance)


def test_manifest_from_standard_input(data):
    lines = '{"id": "w", "a": "data/s0.npy", "b": "data/s1.npy"}\n{"input": "data/stream.csv"}\n'
    outcome = cli("batch", "-", "-o", "out", "-j", "1", "--format", "json", input=lines.encode())
    assert outcome.code == 0, outcome.stderr
    assert sorted(outputs(Path("out"))) == ["2.boundaries.json", "w.path.json"]


@pytest.mark.parametrize(
    ("args", "manifest", "expected"),
    [
        (("data/nope.csv",), None, "manifest data/nope.csv: no such file"),
        (("data/m.csv",), "a,b,hue\ns0.npy,s1.npy,1\n", "unknown column 'hue'"),
        (("data/m.csv",), "a,b\n", "no jobs"),
        (("data/jobs.csv", "--set", "colour=red"), None, "--set colour: unknown option"),
        (("data/jobs.csv", "--set", "band=x"), None, "--band 'x': not a band"),
        (("data/jobs.csv", "--set", "metric=bogus"), None, "--metric bogus: unknown metric"),
        (("data/jobs.csv", "--format", "xml"), None, "unknown output format 'xml'"),
        (("data/jobs.csv", "--jobs", "0"), None, "--jobs 0"),
        (("data/jobs.csv", "--resume", "--overwrite"), None, "not both"),
    ],
)
def test_bad_command_lines_exit_2_with_one_line_and_write_nothing(data, args, manifest, expected):
    if manifest is not None:
        (data / "m.csv").write_text(manifest)
    outcome = cli("batch", *args, "-o", "out")
    assert_one_line_error(outcome, expected)
    assert not Path("out").exists()


def test_an_earlier_batch_needs_resume_or_overwrite(data):
    assert cli("batch", "data/jobs.csv", "-o", "out", "-j", "1").code == 0
    outcome = cli("batch", "data/jobs.csv", "-o", "out", "-j", "1")
    assert_one_line_error(outcome, "holds an earlier batch", "--resume", "--overwrite")
    outcome = cli("batch", "data/jobs.csv", "-o", "out", "-j", "1", "--resume")
    assert outcome.code == 0 and "4 jobs: 0 ok, 4 skipped (done before)" in outcome.stderr
    assert cli("batch", "data/jobs.csv", "-o", "out", "-j", "1", "--overwrite").code == 0


def test_without_dask_the_scheduler_option_says_what_to_install(data, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    outcome = cli("batch", "data/jobs.csv", "-o", "out", "--scheduler", "local")
    assert_one_line_error(outcome, "install seqalign[dask]")
    assert not Path("out").exists()


# -- interrupted runs, as real processes ---------------------------------------------------------


def _long_batch(data: Path, n_jobs: int) -> Path:
    """Jobs slow enough to interrupt: 200 x 200 frame pairs."""
    rng = np.random.default_rng(11)
    for k in range(3):
        np.save(data / f"long{k}.npy", np.cumsum(rng.normal(size=(200, 3)), axis=0))
    rows = ["id,a,b"] + [f"j{k:03d},long{k % 3}.npy,long{(k + 1) % 3}.npy" for k in range(n_jobs)]
    (data / "long.csv").write_text("\n".join(rows) + "\n")
    return data / "long.csv"


def _start(manifest: Path, out: Path, *extra: str) -> subprocess.Popen:
    """The batch as its own process, with SIGINT at its default: a shell starts a job it puts
    in the background (``pytest &``) with SIGINT ignored, which the child would inherit, and
    Python then never raises KeyboardInterrupt (the ctrl-c case ran to the end there)."""
    return subprocess.Popen(
        [sys.executable, "-m", "seqalign", "batch", str(manifest), "-o", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_lines(journal: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.01)
    pytest.fail("the batch ended (or stalled) before it could be interrupted")


def _journal_records(journal: Path) -> list[dict]:
    """Every complete line; only the last one may be torn (a kill inside write)."""
    *complete, last = journal.read_bytes().split(b"\n")
    records = [json.loads(line) for line in complete]
    if last:
        with pytest.raises(ValueError):
            json.loads(last)
    return records


@pytest.mark.parametrize(
    ("how", "workers"), [(signal.SIGINT, "2"), (signal.SIGKILL, "1")], ids=["ctrl-c", "kill"]
)
def test_an_interrupted_batch_resumes_where_it_stopped(data, tmp_path, how, workers):
    manifest = _long_batch(data, 150)
    out = tmp_path / "out"
    process = _start(manifest, out, "--jobs", workers)
    _wait_for_lines(out / "journal.jsonl", 5, process)
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    if how == signal.SIGINT:
        assert process.returncode == 130, stderr
        assert b"rerun with --resume" in stderr and b"Traceback" not in stderr
    else:
        assert process.returncode == -signal.SIGKILL
    done = _journal_records(out / "journal.jsonl")  # every line whole
    assert 5 <= len(done) < 150 and {r["status"] for r in done} == {"ok"}
    assert not (out / "summary.csv").exists()
    (out / done[0]["output"]).unlink()  # and one output lost since
    resumed = cli("batch", str(manifest), "-o", str(out), "--jobs", "1", "--resume")
    assert resumed.code == 0, resumed.stderr
    summary = read_rows(out / "summary.csv")
    skipped = {r["id"] for r in summary if r["status"] == "skipped"}
    assert skipped == {r["id"] for r in done[1:]}
    assert sum(r["status"] == "ok" for r in summary) == 150 - len(skipped)
    assert not [name for name in os.listdir(out) if name.endswith(".tmp")]
    assert cli("batch", str(manifest), "-o", str(tmp_path / "clean"), "-j", "1").code == 0
    assert outputs(out) == outputs(tmp_path / "clean")


def test_the_progress_bar_counts_jobs_and_failures():
    from seqalign.batch import JobResult
    from seqalign.cli.batch import _Bar

    bar = _Bar()
    bar(None, 1, 4)  # one job done before (--resume)
    bar(JobResult(id="a", task="warp", status="ok"), 2, 4)
    bar(JobResult(id="b", task="warp", status="failed", error="bad"), 3, 4)
    task = bar.progress.tasks[0]
    assert (task.completed, task.total, task.fields["failed"]) == (3, 4, 1)
    assert task.fields["rate"].endswith("jobs/s") or task.fields["rate"] == ""
    bar.stop()
    assert not bar.progress.live.is_started
