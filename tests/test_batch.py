"""seqalign.batch: manifests, per-row options, bad rows, the journal and --resume, in process."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from seqalign import dtw, segment
from seqalign.batch import Job, job_key, read_manifest, run_batch
from seqalign.batch.journal import Journal, read_journal
from seqalign.batch.options import parse_settings
from seqalign.errors import InputError


def _walk(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    return np.cumsum(rng.normal(size=(n, d)), axis=0)


def make_data(folder: Path, seed: int = 3) -> Path:
    """Inputs for batches: four 3-feature walks, one 2-feature walk, a stream with changes."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for k, n in enumerate((40, 45, 50, 36)):
        np.save(folder / f"s{k}.npy", _walk(rng, n, 3))
    np.save(folder / "two.npy", _walk(rng, 30, 2))
    steps = np.repeat([0.0, 5.0, -3.0, 4.0], 30)
    stream = steps[:, None] + rng.normal(scale=0.5, size=(120, 2))
    lines = ["x,y"] + [f"{r[0]:.6f},{r[1]:.6f}" for r in stream]
    (folder / "stream.csv").write_text("\n".join(lines) + "\n")
    return folder


MANIFEST = """id,a,b,input,metric,band,n_bkps,rate
w1,s0.npy,s1.npy,,,,,
w2,s2.npy,s3.npy,,cityblock,5,,
g1,,,stream.csv,,,3,
g2,,,stream.csv,,,,10
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = make_data(tmp_path / "data")
    (folder / "jobs.csv").write_text(MANIFEST)
    return folder


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def read_path(path: Path) -> np.ndarray:
    rows = read_rows(path)
    return np.array([[int(r["a_index"]), int(r["b_index"])] for r in rows])


def outputs(folder: Path) -> dict[str, bytes]:
    """The job outputs of a batch folder, by name."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.name.endswith((".path.csv", ".boundaries.csv", ".json", ".npz"))
    }


def test_results_equal_the_direct_api_calls(data, tmp_path):
    out = tmp_path / "out"
    report = run_batch(str(data / "jobs.csv"), str(out), jobs=1)
    assert report.ok and [r.status for r in report.results] == ["ok"] * 4
    s = [np.load(data / f"s{k}.npy") for k in range(4)]
    first = dtw(s[0], s[1])
    second = dtw(s[2], s[3], metric="cityblock", radius=5)
    np.testing.assert_array_equal(read_path(out / "w1.path.csv"), first.path)
    np.testing.assert_array_equal(read_path(out / "w2.path.csv"), second.path)
    stream = np.loadtxt(data / "stream.csv", delimiter=",", skiprows=1)
    changes = segment(stream, n_bkps=3).breakpoints[:-1]
    got = [int(r["index"]) for r in read_rows(out / "g1.boundaries.csv")]
    assert got == changes.tolist()
    timed = read_rows(out / "g2.boundaries.csv")  # rate 10: times in seconds
    default = segment(stream).breakpoints[:-1]
    assert [int(r["index"]) for r in timed] == default.tolist()
    assert [float(r["time"]) for r in timed] == pytest.approx((default / 10).tolist())
    summary = read_rows(out / "summary.csv")
    assert [r["id"] for r in summary] == ["w1", "w2", "g1", "g2"]
    assert float(summary[0]["distance"]) == pytest.approx(first.distance, rel=1e-9)
    assert float(summary[1]["distance"]) == pytest.approx(second.distance, rel=1e-9)
    assert summary[2]["n_bkps"] == "3" and summary[2]["distance"] == ""
    assert [r["output"] for r in summary] == [
        "w1.path.csv",
        "w2.path.csv",
        "g1.boundaries.csv",
        "g2.boundaries.csv",
    ]
    assert read_rows(out / "failures.csv") == []
    assert report.describe().startswith("4 jobs: 4 ok, ")


def test_json_lines_manifest_gives_the_same_outputs(data, tmp_path):
    lines = [
        {"id": "w1", "a": "s0.npy", "b": "s1.npy"},
        {"id": "w2", "a": "s2.npy", "b": "s3.npy", "metric": "cityblock", "band": 5},
        {"id": "g1", "input": "stream.csv", "n_bkps": 3, "task": "segment"},
        {"id": "g2", "input": "stream.csv", "rate": 10, "n_bkps": None},
    ]
    (data / "jobs.jsonl").write_text("# a comment\n" + "\n".join(map(json.dumps, lines)) + "\n")
    run_batch(str(data / "jobs.csv"), str(tmp_path / "csv"), jobs=1)
    run_batch(str(data / "jobs.jsonl"), str(tmp_path / "jsonl"), jobs=1)
    assert outputs(tmp_path / "csv") == outputs(tmp_path / "jsonl")
    assert len(outputs(tmp_path / "csv")) == 4


def test_defaults_apply_where_they_fit_and_rows_override_them(data):
    (data / "m.csv").write_text(
        "a,b,input,metric\ns0.npy,s1.npy,,\ns0.npy,s1.npy,,euclidean\n,,stream.csv,\n"
    )
    defaults = parse_settings(["metric=cityblock", "band=7", "penalty=bic", "hop=256"])
    jobs = read_manifest(str(data / "m.csv"), defaults)
    assert [j.id for j in jobs] == ["1", "2", "3"]
    assert jobs[0].options == {"band": "7", "hop_length": 256, "metric": "cityblock"}
    assert jobs[1].options["metric"] == "euclidean"
    assert jobs[2].options == {"hop_length": 256, "penalty": "bic"}
    assert jobs[0].inputs == (str(data / "s0.npy"), str(data / "s1.npy"))
    assert jobs[2].task == "segment" and jobs[2].output == "3.boundaries.csv"


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["metrc=cosine"], "--set metrc: unknown option; valid:"),
        (["metric"], "expected KEY=VALUE"),
        (["band=wide"], "--band 'wide': not a band"),
        (["jump=two"], "--jump 'two': expected a whole number"),
        (["rate=-1"], "--rate must be a positive number"),
        (["metric=bogus"], "--metric bogus: unknown metric 'bogus'; choose one of"),
        (["step-pattern=nope"], "--step-pattern nope: unknown step pattern"),
        (["window=x"], "--window x: unknown window; choose one of"),
        (["features=zz"], "--features zz: unknown feature set"),
    ],
)
def test_bad_defaults_raise(pairs, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_settings(pairs)


BAD_ROWS = """id,a,b,input,band,n_bkps,open_end
good,s0.npy,s1.npy,,,,
missing,s0.npy,nowhere.npy,,,,
badvalue,s0.npy,s1.npy,,wide,,
features,s0.npy,two.npy,,,,
flag,s0.npy,s1.npy,,,,maybe
misplaced,s0.npy,s1.npy,,,2,
noinput,,,,,,
badtask,s0.npy,s1.npy,,,,
seg,,,stream.csv,,2,
"""


def test_bad_rows_are_recorded_and_the_batch_goes_on(data, tmp_path):
    text = BAD_ROWS.replace("badtask,s0.npy,s1.npy,", "badtask,s0.npy,,")
    text = text.replace(
        "id,a,b,input,band,n_bkps,open_end", "id,a,b,input,band,n_bkps,open_end,metric"
    )
    text += "metric,s0.npy,s1.npy,,,,,manhattan\n"
    (data / "bad.csv").write_text(text)
    out = tmp_path / "out"
    report = run_batch(str(data / "bad.csv"), str(out), jobs=1)
    assert not report.ok
    status = {r.id: r.status for r in report.results}
    assert status == {
        "good": "ok",
        "missing": "failed",
        "badvalue": "failed",
        "features": "failed",
        "flag": "failed",
        "misplaced": "failed",
        "noinput": "failed",
        "badtask": "failed",
        "seg": "ok",
        "metric": "failed",
    }
    reasons = {r["id"]: r["reason"] for r in read_rows(out / "failures.csv")}
    assert "nowhere.npy: no such file" in reasons["missing"]
    assert "--band 'wide': not a band" in reasons["badvalue"]
    assert reasons["features"].startswith(
        f"{data / 'two.npy'}: b has 2 features per frame but a has 3"
    )
    assert "--open-end 'maybe': expected true or false" in reasons["flag"]
    assert reasons["misplaced"] == "--n-bkps does not apply to warp jobs"
    assert "give a and b (warp) or input (segment)" in reasons["noinput"]
    assert reasons["badtask"] == "warp jobs need column b"
    assert reasons["metric"].startswith("--metric manhattan: unknown metric 'manhattan'")
    assert all("\n" not in reason for reason in reasons.values())
    assert sorted(outputs(out)) == ["good.path.csv", "seg.boundaries.csv"]
    assert report.describe().startswith(f"10 jobs: 2 ok, 8 failed (see {out}/failures.csv)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,colour\ns0.npy,s1.npy,red\n", "line 1: unknown column 'colour'"),
        ("a,b\n", "no jobs"),
        ("# nothing\n\n", "no jobs"),
        ("id,a,b\nx,s0.npy,s1.npy\nx,s1.npy,s2.npy\n", "id 'x' repeats line 2"),
        ("id,a,b\n../x,s0.npy,s1.npy\n", "id '../x' must be letters"),
        ("a,b\ns0.npy,s1.npy,extra\n", "3 cells but 2 columns"),
        ('{"a": "s0.npy", "b": "s1.npy"}\n{"a": \n', "line 2: not JSON"),
        ('{"a": "s0.npy", "b": "s1.npy"}\n[1, 2]\n', "line 2: expected a JSON object"),
        ('{"a": "s0.npy", "b": "s1.npy", "shape": 3}\n', "unknown column 'shape'"),
        ("a,a\ns0.npy,s1.npy\n", "empty or repeated names"),
    ],
)
def test_bad_manifests_raise_and_write_nothing(data, tmp_path, text, message):
    (data / "m.csv").write_text(text)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        run_batch(str(data / "m.csv"), str(tmp_path / "out"), jobs=1)
    assert not (tmp_path / "out").exists()


def test_bad_calls_raise_and_write_nothing(data, tmp_path):
    out = str(tmp_path / "out")
    manifest = str(data / "jobs.csv")
    with pytest.raises(InputError, match=r"manifest .*nope\.csv: no such file"):
        run_batch(str(data / "nope.csv"), out)
    with pytest.raises(InputError, match="unknown output format 'xml'"):
        run_batch(manifest, out, fmt="xml")
    with pytest.raises(InputError, match="--jobs 0: give at least 1 worker"):
        run_batch(manifest, out, jobs=0)
    with pytest.raises(InputError, match="not both"):
        run_batch(manifest, out, resume=True, overwrite=True)
    with pytest.raises(InputError, match="does not exist"):
        run_batch(manifest, str(tmp_path / "no" / "out"))
    assert not (tmp_path / "out").exists()
    run_batch(manifest, out, jobs=1)
    with pytest.raises(InputError, match=r"holds an earlier batch .*--resume.*--overwrite"):
        run_batch(manifest, out, jobs=1)


def _truncate_last_line(journal: Path) -> None:
    data = journal.read_bytes()
    last = data.rstrip(b"\n").rfind(b"\n")
    journal.write_bytes(data[: last + 1 + (len(data) - last) // 2])  # a torn half line


def test_resume_redoes_only_what_is_missing_or_changed(data, tmp_path):
    out = tmp_path / "out"
    manifest = str(data / "jobs.csv")
    run_batch(manifest, str(out), jobs=1)
    first = outputs(out)
    (out / "w1.path.csv").unlink()  # lost output
    _truncate_last_line(out / "journal.jsonl")  # g2 died while its line was written
    np.save(data / "s3.npy", np.load(data / "s3.npy")[:-2])  # w2's input changed
    report = run_batch(manifest, str(out), jobs=1, resume=True)
    status = {r.id: r.status for r in report.results}
    assert status == {"w1": "ok", "w2": "ok", "g1": "skipped", "g2": "ok"}
    again = outputs(out)
    assert again["w1.path.csv"] == first["w1.path.csv"]
    assert again["g2.boundaries.csv"] == first["g2.boundaries.csv"]
    assert again["w2.path.csv"] != first["w2.path.csv"]
    s2, s3 = np.load(data / "s2.npy"), np.load(data / "s3.npy")
    np.testing.assert_array_equal(
        read_path(out / "w2.path.csv"), dtw(s2, s3, metric="cityblock", radius=5).path
    )
    records = [json.loads(line) for line in (out / "journal.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == ["w1", "w2", "g1", "w1", "w2", "g2"]
    skipped = read_rows(out / "summary.csv")[2]
    assert skipped["status"] == "skipped" and skipped["n_bkps"] == "3"
    # a third run has nothing left to do
    report = run_batch(manifest, str(out), jobs=1, resume=True)
    assert {r.status for r in report.results} == {"skipped"} and report.ok
    assert outputs(out) == again


def test_overwrite_starts_again_and_reruns_are_identical(data, tmp_path):
    out = tmp_path / "out"
    manifest = str(data / "jobs.csv")
    run_batch(manifest, str(out), jobs=1)
    first = outputs(out)
    report = run_batch(manifest, str(out), jobs=1, overwrite=True)
    assert {r.status for r in report.results} == {"ok"}
    assert outputs(out) == first
    assert len((out / "journal.jsonl").read_text().splitlines()) == 4


@pytest.mark.parametrize("fmt", ["json", "npz", "tsv"])
def test_output_formats(data, tmp_path, fmt):
    out = tmp_path / fmt
    run_batch(str(data / "jobs.csv"), str(out), jobs=1, fmt=fmt)
    assert (out / f"w1.path.{fmt}").is_file() and (out / f"g1.boundaries.{fmt}").is_file()
    if fmt == "json":
        record = json.loads((out / "w1.path.json").read_text())
        expected = dtw(np.load(data / "s0.npy"), np.load(data / "s1.npy"))
        assert record["path"] == expected.path.tolist()
        assert record["distance"] == pytest.approx(expected.distance)


def test_two_workers_give_the_same_outputs(data, tmp_path):
    rows = ["id,a,b"] + [f"p{k},s{k % 4}.npy,s{(k + 1) % 4}.npy" for k in range(12)]
    (data / "many.csv").write_text("\n".join(rows) + "\n")
    one = run_batch(str(data / "many.csv"), str(tmp_path / "one"), jobs=1)
    two = run_batch(str(data / "many.csv"), str(tmp_path / "two"), jobs=2)
    assert [r.id for r in two.results] == [f"p{k}" for k in range(12)]
    assert [r.value for r in two.results] == [r.value for r in one.results]
    assert outputs(tmp_path / "one") == outputs(tmp_path / "two")


def test_progress_is_called_for_every_job(data, tmp_path):
    calls = []
    run_batch(
        str(data / "jobs.csv"), str(tmp_path / "out"), jobs=1, progress=lambda *a: calls.append(a)
    )
    assert calls[0] == (None, 0, 4)
    assert [(done, total) for _, done, total in calls[1:]] == [(k, 4) for k in range(1, 5)]


def test_job_key_follows_content_and_options(data):
    job = Job(id="x", task="warp", inputs=(str(data / "s0.npy"), str(data / "s1.npy")))
    key = job_key(job)
    assert key == job_key(Job(id="x", task="warp", inputs=job.inputs)) and len(key) == 64
    assert job_key(Job(id="x", task="warp", inputs=job.inputs, options={"band": "3"})) != key
    assert job_key(Job(id="x", task="warp", inputs=job.inputs, fmt="json")) != key
    np.save(data / "s1.npy", np.load(data / "s1.npy") + 1)
    assert job_key(job) != key


def test_journal_ignores_a_torn_line_and_appends_after_it(tmp_path):
    path = tmp_path / "journal.jsonl"
    with Journal(str(path), fresh=True) as journal:
        journal.append({"key": "a", "status": "ok"})
        journal.append({"key": "b", "status": "failed"})
    with open(path, "ab") as fh:
        fh.write(b'{"key": "c", "sta')
    assert set(read_journal(str(path))) == {"a", "b"}
    with Journal(str(path)) as journal:
        journal.append({"key": "b", "status": "ok"})
    assert read_journal(str(path))["b"]["status"] == "ok"
    assert all(json.loads(line) for line in path.read_text().splitlines())
    assert read_journal(str(tmp_path / "none.jsonl")) == {}


def test_relative_paths_resolve_against_the_manifest_folder(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = run_batch(os.path.relpath(data / "jobs.csv"), "out", jobs=1)
    assert report.ok and (tmp_path / "out" / "w1.path.csv").is_file()
