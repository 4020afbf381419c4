"""``seqalign follow REFERENCE LIVE``: in process and as a subprocess fed line by line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from seqalign import Follower
from tests.test_cli import assert_one_line_error, cli, read_until

soundfile = pytest.importorskip("soundfile")

HEADER = "live_time,ref_time,ref_index,confidence"


def _music(n: int, d: int = 4, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    steps = rng.random((n // 10 + 2, d)) ** 3
    return np.repeat(steps, 10, axis=0)[:n] + 0.01 * rng.standard_normal((n, d))


def _tones(sr: int, seconds: float, speed: float = 1.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    notes = 220.0 * 2 ** (np.floor(t * 4 * speed) % 7 * 2 / 12)
    return 0.3 * np.sin(2 * np.pi * np.cumsum(notes) / sr)


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ref = _music(300)
    live = ref[np.round(np.arange(0, 299, 0.8)).astype(int)]
    np.save("ref.npy", ref)
    np.save("live.npy", live)
    Path("live.txt").write_text("\n".join(" ".join(f"{v:.6f}" for v in row) for row in live) + "\n")
    Path("bad.txt").write_text("1 2 3 4\n1 2 3\n")
    Path("narrow.txt").write_text("1 2\n3 4\n")
    sr = 22050
    soundfile.write("a.wav", _tones(sr, 4.0), sr)
    soundfile.write("b.wav", _tones(sr, 3.5, speed=4.0 / 3.5), sr, subtype="PCM_16")
    soundfile.write("b44.wav", _tones(44100, 3.5, speed=4.0 / 3.5), 44100)
    soundfile.write("blip.wav", _tones(sr, 4.0)[:300], sr)  # 14 ms: one frame
    damaged = _tones(sr, 3.5, speed=4.0 / 3.5).astype(np.float32)
    damaged[30000] = np.nan  # a float file with a NaN sample, 1.36 s in
    soundfile.write("nan.wav", damaged, sr, subtype="FLOAT")
    return tmp_path


def _rows(stdout: str) -> np.ndarray:
    header, *rows = stdout.strip().splitlines()
    assert header == HEADER
    return np.array([[float(v) for v in row.split(",")] for row in rows])


def test_feature_rows_one_line_per_frame(files):
    out = cli("follow", "ref.npy", "live.npy", "--rate", "50")
    assert out.code == 0, out.stderr
    rows = _rows(out.stdout)
    live = np.load("live.npy")
    assert rows.shape == (len(live), 4)
    np.testing.assert_allclose(rows[:, 0], np.arange(len(live)) / 50, atol=5e-4)
    want = Follower(np.load("ref.npy"), rate=50.0).update(live)
    assert rows[:, 2].astype(int).tolist() == want.tolist()
    np.testing.assert_allclose(rows[:, 1], want / 50, atol=5e-4)
    assert np.all((rows[:, 3] >= 0) & (rows[:, 3] <= 1))
    for word in ("live frames", "latency", "mean", "max", "ms per frame", "re-anchoring"):
        assert word in out.stderr


def test_text_rows_on_stdin_equal_the_file(files):
    a = cli("follow", "ref.npy", "live.npy", "--rate", "50", "-q")
    b = cli("follow", "ref.npy", "-", "--rate", "50", "-q", input=Path("live.txt").read_bytes())
    assert a.code == b.code == 0, b.stderr
    assert a.stdout == b.stdout


def test_audio_files_wav_stream_and_raw_pcm_agree(files):
    a = cli("follow", "a.wav", "b.wav", "--preset", "music", "-q")
    assert a.code == 0, a.stderr
    rows = _rows(a.stdout)
    n = soundfile.info("b.wav").frames
    assert len(rows) == 1 + n // 441
    b = cli("follow", "a.wav", "-", "--preset", "music", "-q", input=Path("b.wav").read_bytes())
    assert b.stdout == a.stdout, b.stderr
    pcm, _ = soundfile.read("b.wav", dtype="int16")
    c = cli("follow", "a.wav", "-", "--preset", "music", "--live-format", "pcm", "-q",
            input=pcm.astype("<i2").tobytes())  # fmt: skip
    assert c.stdout == a.stdout, c.stderr
    # the preset's settings are named in the summary
    d = cli("follow", "a.wav", "b.wav", "--preset", "music")
    assert "preset music: crp_dlnco, cityblock, max run 4, 50 frames per second" in d.stderr


def test_audio_at_another_sample_rate_keeps_the_frame_rate(files):
    out = cli("follow", "a.wav", "b44.wav", "--preset", "music", "-q")
    assert out.code == 0, out.stderr
    rows = _rows(out.stdout)
    assert len(rows) == 1 + soundfile.info("b44.wav").frames // 882
    assert rows[-1, 1] > 2.0  # it moved along the reference


def test_speech_preset_and_from(files):
    out = cli("follow", "a.wav", "b.wav", "--preset", "speech")
    assert out.code == 0, out.stderr
    assert "preset speech: logmel, cosine, max run 6, 100.2 frames per second" in out.stderr
    late = cli("follow", "ref.npy", "live.npy", "--rate", "50", "--from", "2s", "-q")
    assert _rows(late.stdout)[0, 2] == 100
    frame = cli("follow", "ref.npy", "live.npy", "--rate", "50", "--from", "100f", "-q")
    assert frame.stdout == late.stdout


def test_output_file_is_written_whole(files):
    out = cli("follow", "ref.npy", "live.npy", "--rate", "50", "-o", "pos.csv", "-q")
    assert out.code == 0 and out.stdout == ""
    std = cli("follow", "ref.npy", "live.npy", "--rate", "50", "-q")
    assert Path("pos.csv").read_text() == std.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["missing.npy", "live.npy", "--rate", "50"], "missing.npy"),
        (["-", "live.npy"], "REFERENCE must be a file"),
        (["ref.npy", "live.npy"], "--rate"),
        (["ref.npy", "bad.txt", "--rate", "50"], "line 2"),
        (["ref.npy", "narrow.txt", "--rate", "50"], "4 features"),
        (["ref.npy", "live.npy", "--rate", "50", "--step-weights", "1,0,1"], "--step-weights"),
        (["ref.npy", "live.npy", "--rate", "50", "--from", "soon"], "--from"),
        (["ref.npy", "live.npy", "--rate", "50", "--from", "99s"], "past the reference"),
        (["ref.npy", "live.npy", "--rate", "50", "--metric", "rbf"], "--metric"),
        (["ref.npy", "live.npy", "--rate", "50", "--max-run", "0"], "--max-run"),
        (["ref.npy", "live.npy", "--rate", "50", "--search-window", "0"], "--search-window"),
        (["ref.npy", "live.npy", "--rate", "50", "-o", "out.json"], "CSV"),
        (["a.wav", "b.wav", "--features", "mfcc"], "--features"),
        (["ref.npy", "b.wav", "--rate", "50"], "both as audio"),
        (["a.wav", "live.npy", "--rate", "50"], "--rate"),
        (["ref.npy", "live.npy", "--rate", "50", "--live-format", "json"], "--live-format"),
        (["ref.npy", "-", "--rate", "50"], "no frames"),
        (["blip.wav", "b.wav", "--preset", "music"], "blip.wav: 0.0136 s of audio"),
        (["a.wav", "nan.wav"], "nan.wav: sample 30000 (at 1.361 s) is NaN or infinite"),
        (["nan.wav", "a.wav"], "nan.wav: sample 30000 (at 1.361 s) is NaN or infinite (1 in"),
    ],
)
def test_bad_input_exits_2_with_one_line(files, args, words):
    out = cli("follow", *args, "-o", "out.csv") if "-o" not in args else cli("follow", *args)
    assert_one_line_error(out, words)
    assert not Path("out.csv").exists()


@pytest.mark.parametrize("magic", [b"fLaC\x00\x00\x00\x22", b"OggS\x00\x02", b"ID3\x04\x00"])
def test_compressed_audio_on_stdin_is_refused_with_the_way_out(files, magic):
    out = cli("follow", "a.wav", "-", "-o", "out.csv", input=magic + bytes(200))
    assert_one_line_error(out, "pipe WAV")
    assert "--live-format pcm" in out.stderr
    assert not Path("out.csv").exists()


def test_lines_arrive_before_stdin_closes(files):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "seqalign", "follow", "ref.npy", "-", "--rate", "50", "-q"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        live = np.load("live.npy")
        for row in live[:20]:
            proc.stdin.write((" ".join(f"{v:.6f}" for v in row) + "\n").encode())
            proc.stdin.flush()
        seen = read_until(proc, lambda seen: seen.count(b"\n") >= 21)
        alive = proc.poll() is None
    finally:
        proc.stdin.close()
        rest = proc.stdout.read()
        err = proc.stderr.read()
        proc.wait(timeout=120)
    assert seen.count(b"\n") == 21, (seen, err)  # header and 20 lines while stdin was open
    assert alive
    assert proc.returncode == 0, err
    assert (seen + rest).decode().splitlines()[0] == HEADER
