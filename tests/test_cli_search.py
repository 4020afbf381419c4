"""``seqalign search``: in process and as a real subprocess, on files the tests write; the rows
equal the API's, streamed tables and memory-mapped arrays equal whole reads, and every bad
input exits 2 with one line naming the file, option or value, and leaves no file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from seqalign.io import chunks
from seqalign.subsequence.search import search
from tests.test_cli import assert_one_line_error, cli, run_seqalign

HEADER = "file,start,end,start_time,end_time,distance"


def _walk(seed: int, n: int, d: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).cumsum(axis=0)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """q.npy (a noisy copy of s1's frames 300-340), s1.npy, s2.npy, s2.csv (s2 with a time
    column at 50 frames per second), m.npy (3 features)."""
    s1, s2 = _walk(1, 3000), _walk(2, 2500)
    query = s1[300:340] + 0.2 * np.random.default_rng(3).standard_normal((40, 1))
    np.save(tmp_path / "q.npy", query)
    np.save(tmp_path / "s1.npy", s1)
    np.save(tmp_path / "s2.npy", s2)
    rows = "\n".join(f"{k / 50:.2f},{float(v)!r}" for k, v in enumerate(s2[:, 0]))
    (tmp_path / "s2.csv").write_text("time,value\n" + rows + "\n")
    np.save(tmp_path / "m.npy", _walk(4, 500, 3))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    assert lines[0] == HEADER
    return [line.split(",") for line in lines[1:]]


def test_rows_equal_the_api(folder):
    outcome = cli("search", "q.npy", "s1.npy", "s2.npy", "-k", "4", "--band", "10%")
    assert outcome.code == 0, outcome.stderr
    expected = search(np.load("q.npy"), [np.load("s1.npy"), np.load("s2.npy")], k=4,
                      radius="10%")  # fmt: skip
    rows = _rows(outcome.stdout)
    assert [(r[0], int(r[1]), int(r[2])) for r in rows] == [
        (f"s{s + 1}.npy", t, t + 40) for s, t in zip(expected.stream, expected.start)
    ]
    assert [float(r[5]) for r in rows] == expected.distance.tolist()
    assert rows[0][:3] == ["s1.npy", "300", "340"]
    assert all(r[3] == r[4] == "" for r in rows)  # no frame rate: no times
    assert "4 matches (band 4 frames, exclusion 20, z-normalised, sqeuclidean)" in outcome.stderr
    assert "LB_Kim" in outcome.stderr


@pytest.mark.parametrize("znorm", ["--znorm", "--no-znorm"])
def test_cityblock_rows_equal_the_api(folder, znorm):
    args = ("search", "q.npy", "s1.npy", "s2.npy", "-k", "3", "--band", "10%", znorm)
    outcome = cli(*args, "--metric", "cityblock")
    assert outcome.code == 0, outcome.stderr
    expected = search(np.load("q.npy"), [np.load("s1.npy"), np.load("s2.npy")], k=3,
                      radius="10%", znorm=znorm == "--znorm", metric="cityblock")  # fmt: skip
    rows = _rows(outcome.stdout)
    assert [(r[0], int(r[1])) for r in rows] == [
        (f"s{s + 1}.npy", t) for s, t in zip(expected.stream, expected.start)
    ]
    assert [float(r[5]) for r in rows] == expected.distance.tolist()
    assert "cityblock)" in outcome.stderr
    assert cli(*args).stdout != outcome.stdout  # sqeuclidean, the default, differs
    cli(*args, "--metric", "cityblock", "-o", "out.json")
    record = json.loads(Path("out.json").read_text())
    assert record["metric"] == "cityblock" and "cityblock local cost" in record["definition"]


def test_times_from_a_table_and_formats(folder):
    args = ("search", "q.npy", "s2.csv", "-k", "2", "--band", "3", "--no-znorm")
    text = cli(*args).stdout
    rows = _rows(text)
    expected = search(np.load("q.npy"), np.load("s2.npy"), k=2, radius=3, znorm=False)
    assert [int(r[1]) for r in rows] == expected.start.tolist()
    assert [float(r[3]) for r in rows] == pytest.approx(expected.start / 50)
    assert [float(r[4]) for r in rows] == pytest.approx(expected.end / 50)
    for fmt in ("json", "npz", "tsv"):
        outcome = cli(*args, "-o", f"out.{fmt}")
        assert outcome.code == 0 and outcome.stdout == "", outcome.stderr
    record = json.loads(Path("out.json").read_text())
    assert record["start"] == expected.start.tolist()
    assert record["start_time"] == pytest.approx((expected.start / 50).tolist())
    assert record["radius"] == 3 and record["znorm"] is False
    archive = np.load("out.npz")
    np.testing.assert_array_equal(archive["distance"], expected.distance)
    assert json.loads(str(archive["metadata"]))["files"] == ["s2.csv"]
    assert Path("out.tsv").read_text() == text.replace(",", "\t")


def test_query_slice_in_frames_and_seconds(folder):
    a = cli("search", "s1.npy", "s2.npy", "--query-start", "300", "--query-end", "340",
            "--band", "2")  # fmt: skip
    b = cli("search", "s1.npy", "s2.npy", "--rate", "100", "--query-start", "3s",
            "--query-end", "3.4s", "--band", "20ms")  # fmt: skip
    assert a.code == 0 and b.code == 0, a.stderr + b.stderr
    expected = search(np.load("s1.npy")[300:340], np.load("s2.npy"), radius=2)
    assert _rows(a.stdout)[0][1] == str(expected.start[0])
    assert _rows(b.stdout)[0][1] == str(expected.start[0])
    assert "frames 300 to 340" in a.stderr


def test_max_distance_and_exclusion(folder):
    outcome = cli("search", "q.npy", "s1.npy", "--max-distance", "30", "--exclusion", "0",
                  "--band", "4")  # fmt: skip
    expected = search(np.load("q.npy"), np.load("s1.npy"), max_distance=30, exclusion=0,
                      radius=4)  # fmt: skip
    assert [int(r[1]) for r in _rows(outcome.stdout)] == expected.start.tolist()
    assert len(expected) > 1


def test_multivariate(folder):
    np.save("mq.npy", np.load("m.npy")[100:130])
    outcome = cli("search", "mq.npy", "m.npy", "-k", "2", "--band", "2")
    assert _rows(outcome.stdout)[0][1:3] == ["100", "130"]
    assert float(_rows(outcome.stdout)[0][5]) == pytest.approx(0.0, abs=1e-12)


def test_streamed_table_equals_whole_read(folder, monkeypatch):
    whole = cli("search", "q.npy", "s2.csv", "-k", "3", "--band", "5%")
    monkeypatch.setattr(chunks, "STREAM_BYTES", 1000)
    monkeypatch.setattr(chunks, "HEAD_LINES", 333)
    opened = chunks.open_stream("s2.csv", __import__("seqalign.io", fromlist=["x"]).ReadOptions())
    assert opened.how == "streamed" and opened.rate == 50.0
    assert np.concatenate(list(opened.blocks())).tobytes() == np.load("s2.npy").tobytes()
    streamed = cli("search", "q.npy", "s2.csv", "-k", "3", "--band", "5%")
    assert streamed.code == 0, streamed.stderr
    assert streamed.stdout == whole.stdout


def test_memory_mapped_npy_is_read_by_blocks(folder):
    from seqalign.io import ReadOptions

    opened = chunks.open_stream("s1.npy", ReadOptions())
    assert opened.how == "mapped" and opened.n_frames == 3000
    blocks = list(opened.blocks(700))
    assert [len(b) for b in blocks] == [700] * 4 + [200]


def test_standard_input_stream(folder):
    text = Path("s2.csv").read_bytes()
    piped = cli("search", "q.npy", "-", "-k", "2", input=text)
    from_file = cli("search", "q.npy", "s2.csv", "-k", "2")
    assert piped.code == 0, piped.stderr
    assert piped.stdout == from_file.stdout.replace("s2.csv", "-")


def test_subprocess_streams_standard_input(folder):
    done = run_seqalign("search", "q.npy", "s1.npy", "-", "-k", "3", "--band", "4", "-q",
                        input=Path("s2.csv").read_bytes(), cwd=folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    inside = cli("search", "q.npy", "s1.npy", "s2.csv", "-k", "3", "--band", "4", "-q")
    assert done.stdout.decode() == inside.stdout.replace("s2.csv", "-")
    bad = run_seqalign("search", "q.npy", "nosuch.npy", cwd=folder)
    assert bad.returncode == 2
    assert bad.stderr.decode().splitlines() == ["seqalign: error: nosuch.npy: no such file"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["q.npy", "nosuch.npy"], "nosuch.npy: no such file"),
        (["q.npy", "s1.npy", "-k", "0"], "-k 0"),
        (["q.npy", "s1.npy", "--band", "5x"], "--band '5x'"),
        (["q.npy", "s1.npy", "--band", "120%"], "--band 120%"),
        (["q.npy", "s1.npy", "--band", "1s"], "no frame rate"),
        (["q.npy", "s1.npy", "--exclusion", "-1"], "--exclusion -1"),
        (["q.npy", "s1.npy", "--max-distance", "-2"], "--max-distance -2"),
        (["q.npy", "s1.npy", "--max-distance", "nan"], "--max-distance"),
        (["q.npy", "s1.npy", "--query-start", "50"], "frames 50 to 40"),
        (["q.npy", "s1.npy", "--query-end", "2s"], "no frame rate"),
        (["q.npy", "s1.npy", "--query-start", "x"], "--query-start 'x'"),
        (["q.npy", "m.npy"], "m.npy: 3 features per frame"),
        (["q.npy", "s1.npy", "--format", "xml", "-o", "out.xml"], "--format 'xml'"),
        (["q.npy", "s1.npy", "-o", "nosuch/out.csv"], "nosuch"),
        (["q.npy", "s1.npy", "-o", "s1.npy"], "overwrite"),
        (["q.npy", "-", "-"], "only one input can be -"),
        (["q.npy", "s1.npy", "--jobs", "0"], "--jobs 0"),
        (["q.npy", "s1.npy", "--metric", "euclidean"], "--metric 'euclidean'"),
        (["q.npy", "s1.npy", "--metric", "cosine"], "sqeuclidean or cityblock only"),
        (["q.npy", "s1.npy", "--metric", "l3"], "--metric 'l3'"),
        (["q.npy", "nan.npy"], "nan.npy: a NaN value at frame 7"),
        (["q.npy", "bad.csv"], "bad.csv"),
        (["s1.npy", "q.npy"], "longer than the stream q.npy, 40 frames"),
        (["s1.npy", "q.npy", "q.npy"], "longer than every stream (longest q.npy, 40 frames)"),
    ],
)
def test_bad_input_exits_2_with_one_line(folder, args, expected):
    bad = _walk(5, 60)
    bad[7] = np.nan
    np.save("nan.npy", bad)
    Path("bad.csv").write_text("value\n1\n2\nx\n")
    before = sorted(p.name for p in folder.iterdir())
    outcome = cli("search", *args, "-o", "result.csv") if "-o" not in args else cli("search", *args)
    assert_one_line_error(outcome, expected)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_normalize_default_is_none_for_arrays(folder):
    default = cli("search", "q.npy", "s1.npy", "-k", "2", "-o", "a.json")
    typed = cli("search", "q.npy", "s1.npy", "-k", "2", "--normalize", "none", "-o", "b.json")
    assert default.code == typed.code == 0
    assert Path("a.json").read_text() == Path("b.json").read_text()


def test_dask_scheduler_gives_the_same_rows(folder):
    pytest.importorskip("dask.distributed")
    local = cli("search", "q.npy", "s1.npy", "s2.npy", "-k", "3", "--band", "4")
    dask = cli("search", "q.npy", "s1.npy", "s2.npy", "-k", "3", "--band", "4",
               "--scheduler", "local", "--jobs", "2")  # fmt: skip
    assert dask.code == 0, dask.stderr
    assert dask.stdout == local.stdout
    rows = list(csv.reader(io.StringIO(local.stdout)))
    assert len(rows) == 4


def test_audio_query_is_a_slice_of_the_stream(folder):
    soundfile = pytest.importorskip("soundfile")
    sr = 22050
    t = np.arange(3 * sr) / sr
    rng = np.random.default_rng(6)
    tone = np.sin(2 * np.pi * (220 + 200 * np.sin(2 * np.pi * 0.7 * t)) * t)
    soundfile.write("take.wav", 0.3 * tone + 0.01 * rng.standard_normal(t.size), sr)
    outcome = cli("search", "take.wav", "take.wav", "--query-start", "1s", "--query-end",
                  "1.5s", "--band", "5%", "-k", "1", "--exclusion", "0")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    row = _rows(outcome.stdout)[0]
    assert row[1] == str(round(1.0 * sr / 512))
    assert float(row[3]) == pytest.approx(1.0, abs=512 / sr)
    assert float(row[5]) == pytest.approx(0.0, abs=1e-9)


def test_a_stream_shorter_than_the_query_is_named_in_a_warning(folder):
    np.save("tiny.npy", _walk(6, 10))
    outcome = cli("search", "q.npy", "tiny.npy", "s1.npy")
    assert outcome.code == 0, outcome.stderr
    assert _rows(outcome.stdout)[0][:3] == ["s1.npy", "300", "340"]
    warning = "seqalign: warning: tiny.npy (10 frames) is shorter than the query (40 frames)"
    assert warning in outcome.stderr
    assert warning not in cli("search", "q.npy", "tiny.npy", "s1.npy", "-q").stderr
