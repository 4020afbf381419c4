"""``seqalign batch --scheduler``: a real Dask scheduler and workers, as separate processes on
loopback; one worker killed in the middle of a batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

from seqalign.batch import run_batch  # noqa: E402
from tests.test_batch import MANIFEST, make_data, outputs, read_rows  # noqa: E402
from tests.test_cli import cli  # noqa: E402

N_WORKERS = 2


def _spawn(module: str, *args: str, log: Path) -> subprocess.Popen:
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", f"distributed.cli.{module}", *args],
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of the test run is not theirs
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list]]:
    """A scheduler and two single-threaded workers (no nanny: killing one kills the worker)."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    log = folder / "cluster.log"
    common = ("--no-dashboard",)
    processes = [
        _spawn(
            "dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--scheduler-file",
            str(file),
            *common,
            log=log,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert file.exists(), log.read_text()
        time.sleep(0.1)  # the file is written whole before the scheduler serves, but be sure
        address = json.loads(file.read_text())["address"]
        workers = [
            _spawn(
                "dask_worker",
                "--scheduler-file",
                str(file),
                "--nthreads",
                "1",
                "--no-nanny",
                "--host",
                "127.0.0.1",
                "--name",
                f"w{k}",
                *common,
                log=log,
            )
            for k in range(N_WORKERS)
        ]
        processes += workers
        with distributed.Client(address, timeout=30) as client:
            client.wait_for_workers(N_WORKERS, timeout=60)
        yield address, workers
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = make_data(tmp_path / "data")
    (folder / "jobs.csv").write_text(MANIFEST)
    return folder


def test_a_batch_on_a_dask_cluster_equals_a_local_run(cluster, data, tmp_path):
    address, _ = cluster
    (data / "m.csv").write_text(MANIFEST + "gone,s0.npy,gone.npy,,,,,\n")
    outcome = cli(
        "batch", str(data / "m.csv"), "-o", str(tmp_path / "dask"), "--scheduler", address
    )
    assert outcome.code == 1, outcome.stderr
    assert "5 jobs: 4 ok, 1 failed" in outcome.stderr
    run_batch(str(data / "m.csv"), str(tmp_path / "local"), jobs=1)
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    assert len(outputs(tmp_path / "dask")) == 4
    (failure,) = read_rows(tmp_path / "dask" / "failures.csv")
    assert failure["id"] == "gone" and "no such file" in failure["reason"]
    resumed = cli(
        "batch", str(data / "m.csv"), "-o", str(tmp_path / "dask"), "--scheduler", address,
        "--resume",
    )  # fmt: skip
    assert "5 jobs: 0 ok, 4 skipped (done before), 1 failed" in resumed.stderr


def test_a_worker_killed_mid_batch_loses_nothing(cluster, data, tmp_path):
    address, workers = cluster
    rng = np.random.default_rng(5)
    for k in range(3):
        np.save(data / f"long{k}.npy", np.cumsum(rng.normal(size=(200, 3)), axis=0))
    rows = ["id,a,b"] + [f"j{k:03d},long{k % 3}.npy,long{(k + 1) % 3}.npy" for k in range(160)]
    (data / "long.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "dask"
    batch = subprocess.Popen(
        [sys.executable, "-m", "seqalign", "batch", str(data / "long.csv"), "-o", str(out)]
        + ["--scheduler", address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    journal = out / "journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and batch.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 10:
            break
        time.sleep(0.01)
    assert batch.poll() is None, "the batch ended before a worker could be killed"
    os.kill(workers[0].pid, signal.SIGKILL)
    _, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 0, stderr
    assert b"160 jobs: 160 ok" in stderr
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    run_batch(str(data / "long.csv"), str(tmp_path / "local"), jobs=1)
    assert outputs(out) == outputs(tmp_path / "local")
    assert len(outputs(out)) == 160
    ids = {json.loads(line)["id"] for line in journal.read_text().splitlines()}
    assert len(ids) == 160


def test_a_local_dask_cluster(data, tmp_path):
    report = run_batch(str(data / "jobs.csv"), str(tmp_path / "dask"), scheduler="local", jobs=1)
    assert report.ok and len(report.results) == 4
    run_batch(str(data / "jobs.csv"), str(tmp_path / "local"), jobs=1)
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")


def test_an_unreachable_scheduler_is_a_usage_error(data, tmp_path):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        outcome = cli(
            "batch", str(data / "jobs.csv"), "-o", str(tmp_path / "out"),
            "--scheduler", "tcp://127.0.0.1:9",
        )  # fmt: skip
    assert outcome.code == 2 and "cannot connect" in outcome.stderr
    assert not (tmp_path / "out").exists()
