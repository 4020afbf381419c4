"""``seqalign segment INPUT --online``: in process and as a subprocess fed line by line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from seqalign.changepoints.search import segment
from tests.test_cli import assert_one_line_error, cli, read_until


def _steps(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 2))
    x[100:200, 0] += 5.0
    return x


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = _steps()
    lines = ["t,acc_x,acc_y"] + [f"{k / 50:.2f},{a:.5f},{b:.5f}" for k, (a, b) in enumerate(x)]
    Path("log.csv").write_text("\n".join(lines) + "\n")
    Path("plain.txt").write_text("\n".join(f"{a:.5f} {b:.5f}" for a, b in x) + "\n")
    Path("bad.txt").write_text("1\n2\nthree\n")
    sf.write("take.wav", np.zeros(2205), 22050)
    Path("take.dat").write_bytes(Path("take.wav").read_bytes())  # audio under another name
    np.save("x.npy", x)
    Path("x.bin").write_bytes(Path("x.npy").read_bytes())
    return tmp_path


def _rows(stdout):
    header, *rows = stdout.strip().splitlines()
    assert header == "index,time"
    return rows


def test_online_equals_offline_on_a_table(files):
    x = np.loadtxt("log.csv", delimiter=",", skiprows=1)[:, 1:2]
    want = segment(x, penalty=20.0).changepoints.tolist()
    out = cli("segment", "log.csv", "--online", "--column", "acc_x", "--penalty", "20", "-q")
    assert out.code == 0, out.stderr
    assert [int(r.split(",")[0]) for r in _rows(out.stdout)] == want == [100, 200]
    assert _rows(out.stdout) == ["100,2", "200,4"]  # times from the column t


def test_time_column_rate_and_neither(files):
    table = Path("log.csv").read_text().replace("t,acc_x", "stamp,acc_x")
    Path("stamped.csv").write_text(table)
    args = ["--online", "--column", "acc_x", "--penalty", "20", "-q", "--wait", "0"]
    out = cli("segment", "stamped.csv", *args, "--time-column", "stamp")
    assert out.code == 0, out.stderr
    assert _rows(out.stdout) == ["100,2", "200,4"]
    out = cli("segment", "stamped.csv", *args)  # "stamp" is not a time name: no times
    assert _rows(out.stdout) == ["100,", "200,"]
    out = cli("segment", "log.csv", *args, "--rate", "10")  # --rate wins over a named column
    assert _rows(out.stdout) == ["100,10", "200,20"]


def test_a_time_that_is_not_a_number_names_the_time_column(files):
    Path("iso.csv").write_text("time,v\n2026-01-01T00:00:00,1\n2026-01-01T00:00:01,2\n")
    out = cli("segment", "iso.csv", "--online", "--penalty", "1", "--wait", "0")
    assert_one_line_error(out, "line 2, time column 'time' (--time-column; seconds)")


def test_time_column_must_increase(files):
    lines = Path("log.csv").read_text().splitlines()
    lines[151] = "0.5," + lines[151].split(",", 1)[1]  # frame 150 goes back in time
    Path("back.csv").write_text("\n".join(lines) + "\n")
    out = cli("segment", "back.csv", "--online", "--column", "acc_x", "--penalty", "20")
    assert out.code == 2
    assert out.stderr.strip().count("\n") == 0
    assert "frame 150: time 0.5 is not after the previous 2.98" in out.stderr


def test_headerless_numbers_from_stdin_with_rate(files):
    x = np.loadtxt("plain.txt")
    want = segment(x, penalty=30.0).changepoints.tolist()
    out = cli("segment", "-", "--online", "--penalty", "30", "--rate", "50",
              input=Path("plain.txt").read_bytes())  # fmt: skip
    assert out.code == 0, out.stderr
    assert _rows(out.stdout) == [f"{b},{b / 50:.10g}" for b in want]
    for word in ("300 frames read", "changes", "delay", "live candidates"):
        assert word in out.stderr


def test_rbf_online_equals_offline(files):
    x = np.loadtxt("plain.txt")
    want = segment(x, cost="rbf", kernel_gamma=0.3, penalty=3.0).changepoints.tolist()
    out = cli("segment", "plain.txt", "--online", "--cost", "rbf", "--kernel-gamma", "0.3",
              "--penalty", "3", "-q")  # fmt: skip
    assert out.code == 0, out.stderr
    assert [int(r.split(",")[0]) for r in _rows(out.stdout)] == want


def test_headerless_numbers_offline(files):
    out = cli("segment", "plain.txt", "--input-format", "csv", "--penalty", "30", "-q")
    assert out.code == 0, out.stderr
    assert out.stdout.splitlines()[1:] == ["100", "200"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["bad.txt", "--online", "--penalty", "1"], "line 3: 'three' is not a number"),
        (["plain.txt", "--online"], "expected-length"),
        (["plain.txt", "--online", "--penalty", "1", "--cost", "l1"], "cost"),
        (["plain.txt", "--online", "--penalty", "1", "--search", "binseg"], "--search"),
        (["plain.txt", "--online", "--penalty", "1", "-o", "out.csv"], "-o"),
        (["plain.txt", "--penalty", "1", "--max-delay", "5"], "--max-delay"),
        (["plain.txt", "--online", "--penalty", "1", "--max-delay", "0"], "max-delay"),
        (["missing.txt", "--online", "--penalty", "1"], "missing.txt"),
        (["take.wav", "--online", "--penalty", "1"], "take.wav: --online reads text"),
        (["take.wav", "--online", "--penalty", "1"], "not audio: leave out --online"),
        (["x.npy", "--online", "--penalty", "1"], "not a .npy array"),
        (["take.dat", "--online", "--penalty", "1"], "take.dat: is audio, not text"),
        (["x.bin", "--online", "--penalty", "1"], "x.bin: is a NumPy array (.npy), not text"),
        (["plain.txt", "--online", "--penalty", "1", "--wait", "-1"], "--wait"),
        (["plain.txt", "--online", "--penalty", "1", "--wait", "soon"], "--wait"),
        (["plain.txt", "--penalty", "1", "--wait", "2"], "--wait"),
        (["plain.txt", "--online", "--penalty", "1", "--time-column", "t"], "no header row"),
        (["log.csv", "--online", "--penalty", "1", "--time-column", "when"], "'when'"),
        (
            ["log.csv", "--online", "--penalty", "1", "--time-column", "t", "--rate", "5"],
            "--time-column",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(files, args, words):
    out = cli("segment", *args)
    assert_one_line_error(out, words)


def test_audio_on_standard_input_is_named(files):
    out = cli("segment", "-", "--online", "--penalty", "1", input=Path("take.wav").read_bytes())
    assert_one_line_error(out, "standard input: is audio, not text")


def test_a_boundary_arrives_before_stdin_closes(files):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "seqalign", "segment", "-", "--online", "--penalty", "20"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        rng = np.random.default_rng(1)
        values = np.r_[rng.normal(size=100), 8.0 + rng.normal(size=100)]
        for v in values:
            proc.stdin.write(f"{v:.5f}\n".encode())
            proc.stdin.flush()
        seen = read_until(proc, lambda seen: b"\n100," in seen)
        alive = proc.poll() is None
    finally:
        proc.stdin.close()
        rest = proc.stdout.read()
        err = proc.stderr.read()
        proc.wait(timeout=120)
    assert b"\n100," in seen, (seen, err)  # ... while stdin was still open
    assert alive
    assert proc.returncode == 0, err
    assert (seen + rest).decode().splitlines() == ["index,time", "100,"]


def _spawn(*args):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.Popen(
        [sys.executable, "-m", "seqalign", "segment", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def test_a_growing_file_is_followed_until_it_stops_growing(files):
    rng = np.random.default_rng(2)
    values = np.r_[rng.normal(size=100), 8.0 + rng.normal(size=100)]
    path = Path("growing.txt")
    path.write_text("".join(f"{v:.5f}\n" for v in values[:50]))
    proc = _spawn("growing.txt", "--online", "--penalty", "20", "--wait", "30")
    try:
        with path.open("a") as log:  # a logger appending lines, then a half-written one
            for v in values[50:]:
                log.write(f"{v:.5f}\n")
                log.flush()
            log.write("8.1")
            log.flush()
        seen = read_until(proc, lambda seen: b"\n100," in seen)
        alive = proc.poll() is None
        with path.open("a") as log:
            log.write("2\n")  # completes the line "8.12"
    finally:
        proc.wait(timeout=120)
    rest, err = proc.stdout.read(), proc.stderr.read()
    assert b"\n100," in seen, (seen, err)  # ... while the file could still grow
    assert alive
    assert proc.returncode == 0, err
    assert (seen + rest).decode().splitlines() == ["index,time", "100,"]
    assert b"201 frames read" in err


def test_a_file_that_shrinks_is_an_error(files):
    path = Path("shrinks.txt")
    path.write_text("".join(f"{v}\n" for v in range(200)))
    proc = _spawn("shrinks.txt", "--online", "--penalty", "20", "--wait", "30")
    try:
        read_until(proc, lambda seen: b"index,time\n" in seen)
        path.write_text("1\n")
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read().decode()
    assert proc.returncode == 2
    assert err.count("\n") == 1 and "shrank" in err, err


def test_wait_zero_stops_at_the_end(files):
    started = time.monotonic()
    out = cli("segment", "plain.txt", "--online", "--penalty", "30", "--wait", "0", "-q")
    assert out.code == 0, out.stderr
    assert time.monotonic() - started < 30
