"""``seqalign evaluate``, in process and as a real subprocess, on real files the tests write.

Every bad input must exit with code 2, print ONE line on standard error that names the file,
option or value at fault, print no traceback and leave no output file behind.
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

from seqalign.cli import main as cli_main
from seqalign.evaluate import score_alignment, score_segmentation
from seqalign.io import read_length, read_locations, read_time_map, write_path
from seqalign.io import write_time_map as write_map
from seqalign.io.annotations import Loaded, evaluation_kind
from seqalign.warping.align import time_map

TCPD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tcpd"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NILE = {"1": [28], "2": [], "3": [28], "4": [27, 60]}
RATE = 10.0


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


def cli(*args: str, input: bytes | None = None) -> Outcome:
    """Run ``seqalign ARGS`` in process, through the one function that maps errors to codes."""
    with CliRunner().isolation(input=input) as (stdout, stderr, _):
        code = cli_main.main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(code, stdout.getvalue().decode(), stderr.getvalue().decode())


def run_seqalign(*args: str, cwd: Path, input: bytes | None = None):
    return subprocess.run(
        [sys.executable, "-m", "seqalign", *args],
        input=input,
        capture_output=True,
        cwd=cwd,
        timeout=120,
    )


def assert_one_line_error(outcome: Outcome, *expected: str) -> None:
    assert outcome.code == 2, outcome.stderr
    assert outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("seqalign: error: "), lines[0]
    assert "Traceback" not in outcome.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def _path() -> np.ndarray:
    """A monotone, continuous path from (0, 0) to (39, 49)."""
    rng = np.random.default_rng(11)
    steps = [(1, 1)] * 39 + [(0, 1)] * 10
    rng.shuffle(steps)
    return np.vstack([[0, 0], np.cumsum(steps, axis=0)])


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with inputs of every kind, good and bad; the tests run in it."""
    monkeypatch.chdir(tmp_path)
    w = lambda name, text: (tmp_path / name).write_text(text)  # noqa: E731
    w("annotations.json", json.dumps({"nile": NILE, "toy": {"1": [5], "2": [6]}}))
    w("nile.json", json.dumps({"name": "nile", "n_obs": 100, "n_dim": 1, "series": []}))
    w("nile_pelt.csv", "index,time\n28,1899.0\n61,1932.0\n")  # boundaries: 27 and 60 in TCPD's
    w("bk.json", json.dumps({"breakpoints": [28, 61, 100], "n": 100, "times": [28, 61]}))
    w("list.json", "[27, 60]")
    w("lines.txt", "27\n60\n")
    w("nile_annotations.json", json.dumps(NILE))
    w("result.json", json.dumps({"dataset": "nile", "result": {"cplocations": [27, 60]}}))
    w("none.csv", "index,time\n")
    # bad change point files
    w("malformed.json", '{"nile": [1, 2')
    w("empty.csv", "")
    w("words.txt", "27\nsixty\n")
    w("half.txt", "27\n3.5\n")
    w("negative.json", "[27, -4]")
    w("two.csv", "a,b\n1,2\n")
    w("fields.txt", "27 28\n")
    w("far.csv", "index,time\n150,15.0\n")
    w("zero.csv", "index,time\n0,0.0\n")
    w("string.json", '["27"]')
    w("object.json", '{"what": 3}')
    w("no_n.json", json.dumps({"name": "x", "n_dim": 1}))
    # alignments: written by seqalign's own writers
    path = _path()
    a_times, b_times = path[:, 0] / RATE, path[:, 1] / RATE
    all_a, all_b = time_map(path, 40, rate_a=RATE, rate_b=RATE)
    write_path("path.csv", path, a_times=np.arange(40) / RATE, b_times=np.arange(50) / RATE)
    metadata = {"a_rate": RATE, "b_rate": RATE}
    write_path("path.json", path, a_times=all_a, b_times=np.arange(50) / RATE, metadata=metadata)
    write_path("path.npz", path, a_times=all_a, b_times=np.arange(50) / RATE, metadata=metadata)
    write_map("map.csv", all_a, all_b)
    late = np.column_stack([a_times, b_times + 0.07])
    w("truth.csv", "take1_time,take2_time\n" + "".join(f"{a},{b}\n" for a, b in late))
    w("decreasing.csv", "a_time,b_time\n0.0,0.0\n1.0,1.0\n0.5,2.0\n")
    w("gap.csv", "a_time,b_time\n0.0,0.0\n1.0,\n")
    w("three.csv", "x,y,z\n0,0,0\n")
    w("nan.json", '{"a_time": [0.0, 1.0], "b_time": [0.0]}')
    w("broken.npz", "PK not a zip")
    return tmp_path


# -- segmentations ---------------------------------------------------------------------------


def _expected(predicted, annotations, n=100, margin=5) -> dict:
    return score_segmentation(predicted, annotations, n, margin).to_dict()


def _scores(record: dict) -> dict:
    keys = ("f1", "precision", "recall", "covering", "hausdorff", "margin", "n")
    return {key: record[key] for key in keys}


def test_boundaries_against_tcpd_annotations_give_tcpdbench_numbers(files):
    outcome = cli("evaluate", "nile_pelt.csv", "annotations.json")
    assert outcome.code == 0, outcome.stderr
    record = outcome.json
    assert record["dataset"] == "nile"  # from the name of the prediction
    assert record["convention"] == "tcpd"  # boundaries 28, 61 are TCPD's 27, 60
    assert record["n"] == 100  # from nile.json beside annotations.json
    assert _scores(record) == _scores(_expected([27, 60], NILE))
    assert record["f1"] == 1.0 and record["kind"] == "segmentation"
    assert "f1" in outcome.stderr and "covering" in outcome.stderr  # the table


@pytest.mark.parametrize(
    "predicted",
    ["nile_pelt.csv", "bk.json", "list.json", "lines.txt", "result.json"],
)
def test_every_prediction_form_gives_the_same_scores(files, predicted):
    outcome = cli("evaluate", predicted, "annotations.json", "--dataset", "nile", "-q")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    assert _scores(outcome.json) == _scores(_expected([27, 60], NILE))


@pytest.mark.parametrize("reference", ["annotations.json", "nile_annotations.json"])
def test_convention_index_shifts_the_annotations_instead(files, reference):
    args = ["evaluate", "nile_pelt.csv", reference, "--convention", "index", "--n", "100"]
    outcome = cli(*args, "--dataset", "nile") if reference == "annotations.json" else cli(*args)
    assert outcome.code == 0, outcome.stderr
    shifted = {k: [v + 1 for v in values] for k, values in NILE.items()}
    assert outcome.json["convention"] == "index"
    assert _scores(outcome.json) == _scores(_expected([28, 61], shifted))


def test_plain_lists_are_taken_as_they_are(files):
    outcome = cli("evaluate", "list.json", "lines.txt", "--n", "100", "--margin", "0")
    assert outcome.code == 0, outcome.stderr
    assert outcome.json["convention"] == "index"
    assert _scores(outcome.json) == _scores(_expected([27, 60], [[27, 60]], margin=0))
    assert outcome.json["margin"] == 0


def test_n_from_the_boundaries_json_or_a_dataset_file(files):
    by_json = cli("evaluate", "bk.json", "nile_annotations.json", "-q")
    by_file = cli("evaluate", "list.json", "nile_annotations.json", "--n", "nile.json", "-q")
    assert by_json.json["n"] == by_file.json["n"] == 100
    assert _scores(by_json.json) == _scores(by_file.json)


def test_the_dataset_from_a_dataset_file(files):
    outcome = cli("evaluate", "list.json", "annotations.json", "--n", "nile.json", "-q")
    assert outcome.json["dataset"] == "nile"


def test_no_change_points_predicted(files):
    outcome = cli("evaluate", "none.csv", "annotations.json", "--dataset", "nile", "-q")
    assert outcome.code == 0
    assert outcome.json["hausdorff"] is None  # infinite: nothing predicted, something annotated
    assert outcome.json["n_predicted"] == 0


def test_csv_output_to_a_file(files):
    outcome = cli("evaluate", "nile_pelt.csv", "annotations.json", "-o", "scores.csv", "-q")
    assert outcome.code == 0 and outcome.stdout == ""
    header, row = Path("scores.csv").read_text().splitlines()
    record = dict(zip(header.split(","), row.split(",")))
    assert float(record["f1"]) == 1.0 and record["dataset"] == "nile"
    assert not [name for name in os.listdir(files) if name.endswith(".tmp")]


def test_json_output_to_a_file_and_csv_to_stdout(files):
    assert cli("evaluate", "bk.json", "nile_annotations.json", "-o", "s.json", "-q").code == 0
    assert json.loads(Path("s.json").read_text())["f1"] == 1.0
    outcome = cli("evaluate", "bk.json", "nile_annotations.json", "--format", "csv", "-q")
    assert outcome.stdout.startswith("kind,predicted,reference,dataset,convention,f1,")


def test_stdin(files):
    data = Path("nile_pelt.csv").read_bytes()
    outcome = cli("evaluate", "-", "annotations.json", "--dataset", "nile", "-q", input=data)
    assert outcome.code == 0, outcome.stderr
    assert outcome.json["predicted"] == "-"
    assert _scores(outcome.json) == _scores(_expected([27, 60], NILE))
    reference = Path("nile_annotations.json").read_bytes()
    outcome = cli("evaluate", "bk.json", "-", "-q", input=reference)
    assert outcome.code == 0 and outcome.json["f1"] == 1.0


@pytest.mark.skipif(not TCPD.is_dir(), reason=f"TCPD data absent ({TCPD})")
def test_tcpdbench_numbers_through_the_command_line(tmp_path, monkeypatch):
    """seqalign boundaries (TCPD location + 1) against TCPD's own files give the published
    f1 and cover, without a flag: the dataset from the file name, n from DATASET.json."""
    monkeypatch.chdir(tmp_path)
    expected = json.loads((TCPD / "expected_default_pelt_binseg.json").read_text())["datasets"]
    for name, entry in expected.items():
        for method in ("default_pelt", "default_binseg"):
            result = entry[method]
            rows = "".join(f"{cp + 1},{cp + 1}\n" for cp in result["cplocations"])
            Path(f"{name}.csv").write_text("index,time\n" + rows)
            outcome = cli("evaluate", f"{name}.csv", str(TCPD / "annotations.json"), "-q")
            assert outcome.code == 0, outcome.stderr
            record = outcome.json
            assert (record["dataset"], record["n"]) == (name, entry["n_obs"])
            assert record["f1"] == pytest.approx(result["f1"], abs=1e-12), (name, method)
            assert record["covering"] == pytest.approx(result["cover"], abs=1e-12), (name, method)


# -- alignments ------------------------------------------------------------------------------


def _truth():
    path = _path()
    return path[:, 0] / RATE, path[:, 1] / RATE + 0.07


@pytest.mark.parametrize("predicted", ["path.csv", "path.json", "path.npz", "map.csv"])
def test_alignments_in_every_form(files, predicted):
    outcome = cli("evaluate", predicted, "truth.csv", "-q")
    assert outcome.code == 0, outcome.stderr
    record = outcome.json
    assert record["kind"] == "alignment"
    expected = score_alignment(read_time_map(predicted), _truth()).to_dict()
    assert record["mae"] == pytest.approx(expected["mae"])
    assert record["mae"] == pytest.approx(0.07, abs=0.011)  # 70 ms late, within a frame
    if predicted != "map.csv":
        assert record["rate"] == pytest.approx(RATE)
        assert record["mae_frames"] == pytest.approx(record["mae"] * RATE)
    assert (record["within_0.05s"], record["within_0.1s"]) == (
        expected["within_0.05s"],
        expected["within_0.1s"],
    )


def test_alignment_options(files):
    args = ["evaluate", "map.csv", "truth.csv", "-q", "--at", "frames", "--rate", "10"]
    outcome = cli(*args, "--tolerance", "80ms", "--tolerance", "0.2s")
    assert outcome.code == 0, outcome.stderr
    record = outcome.json
    assert record["at"] == "frames" and record["rate"] == 10.0
    assert set(record) >= {"within_0.08s", "within_0.2s"} and record["within_0.2s"] == 100.0


def test_a_path_is_scored_as_its_time_map(files):
    by_path = cli("evaluate", "path.csv", "truth.csv", "-q").json
    by_map = cli("evaluate", "map.csv", "truth.csv", "-q").json
    assert by_path["mae"] == pytest.approx(by_map["mae"], abs=1e-6)


@pytest.mark.skipif(not (EXAMPLES / "take2_truth.csv").exists(), reason="example absent")
def test_the_bundled_truth_against_itself(files):
    truth = str(EXAMPLES / "take2_truth.csv")
    outcome = cli("evaluate", truth, truth, "-q", "--kind", "alignment")
    assert outcome.code == 0, outcome.stderr
    assert outcome.json["mae"] == 0.0 and outcome.json["points"] == 89


# -- readers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"a_index,b_index,a_time,b_time\n0,0,0,0\n", "alignment"),
        (b"a_time,b_time\n0,0\n", "alignment"),
        (b"take1_time,take2_time\n0,0\n", "alignment"),
        (b'{"path": [[0, 0]], "a_time": [0], "b_time": [0]}', "alignment"),
        (b"PK\x03\x04", "alignment"),
        (b"index,time\n3,0.3\n", "segmentation"),
        (b"3\n", "segmentation"),
        (b'{"breakpoints": [3, 10], "n": 10}', "segmentation"),
        (b"[3]", "segmentation"),
    ],
)
def test_evaluation_kind(data, kind):
    assert evaluation_kind(Loaded("x", data)) == kind


def test_read_locations_forms(files):
    bk = read_locations("bk.json")
    assert (bk.annotators, bk.convention, bk.n) == ({"1": [28, 61]}, "index", 100)
    assert bk.resolve("tcpd", 100) == {"1": [27, 60]}
    tcpd = read_locations("annotations.json", hints=["nile_pelt.csv"])
    assert (tcpd.dataset, tcpd.convention, tcpd.n) == ("nile", "tcpd", 100)
    assert tcpd.resolve("index")["4"] == [28, 61]
    assert read_locations(Loaded("-", b"[[1, 2], [3]]")).annotators == {"1": [1, 2], "2": [3]}
    ruptures_like = read_locations(Loaded("-", b'{"breakpoints": [5, 9]}'))
    assert (ruptures_like.annotators, ruptures_like.n) == ({"1": [5]}, 9)
    assert read_locations(Loaded("-", b"location\n4\n")).annotators == {"1": [4]}
    assert read_length("nile.json") == (100, "nile")


def test_read_time_map_forms(files):
    path = read_time_map("path.json")
    assert path.path is not None and path.rate_b == RATE and path.a_time.size == len(_path())
    npz = read_time_map("path.npz")
    np.testing.assert_array_equal(npz.path, path.path)
    csv_map = read_time_map("map.csv")
    assert csv_map.path is None and csv_map.rate_b is None and csv_map.a_time.size == 40


# -- bad input: exit 2, one line, no output ------------------------------------------------

SEGMENT = ["nile_pelt.csv", "annotations.json"]
ALIGN = ["path.csv", "truth.csv"]

BAD_INPUTS = {
    "missing prediction": (["nope.csv", "annotations.json"], ["nope.csv", "no such file"]),
    "missing reference": (["nile_pelt.csv", "nope.json"], ["nope.json", "no such file"]),
    "folder": (["nile_pelt.csv", "."], [".", "directory"]),
    "malformed json": (["nile_pelt.csv", "malformed.json"], ["malformed.json", "not valid JSON"]),
    "empty file": (["empty.csv", "annotations.json"], ["empty.csv", "empty"]),
    "empty stdin": (["-", "annotations.json"], ["standard input", "no data"]),
    "unknown dataset": ([*SEGMENT, "--dataset", "nope"], ["annotations.json", "'nope'", "nile"]),
    "dataset not chosen": (["list.json", "annotations.json"], ["2 datasets", "--dataset"]),
    "dataset without datasets": (
        ["bk.json", "nile_annotations.json", "--dataset", "nile"],
        ["--dataset nile", "nile_annotations.json", "no datasets"],
    ),
    "margin below 0": ([*SEGMENT, "--margin", "-1"], ["--margin -1"]),
    "margin not finite": ([*SEGMENT, "--margin", "inf"], ["--margin inf"]),
    "tolerance zero": ([*ALIGN, "--tolerance", "0"], ["--tolerance '0'"]),
    "tolerance words": ([*ALIGN, "--tolerance", "fast"], ["--tolerance 'fast'"]),
    "tolerance negative": ([*ALIGN, "--tolerance", "-5ms"], ["--tolerance '-5ms'"]),
    "n missing": (["list.json", "nile_annotations.json"], ["list.json", "--n"]),
    "n zero": ([*SEGMENT, "--n", "0"], ["--n 0"]),
    "n words": ([*SEGMENT, "--n", "many"], ["--n many"]),
    "n file missing": ([*SEGMENT, "--n", "gone.json"], ["--n gone.json", "no such file"]),
    "n file without n_obs": ([*SEGMENT, "--n", "no_n.json"], ["--n no_n.json", "n_obs"]),
    "n disagrees": (["bk.json", "nile_annotations.json", "--n", "90"], ["--n 90", "bk.json"]),
    "location beyond n": (
        ["far.csv", "annotations.json", "--dataset", "nile"],
        ["far.csv", "149", "0..99"],
    ),
    "index 0 under tcpd": (
        ["zero.csv", "annotations.json", "--dataset", "nile"],
        ["zero.csv", "-1", "--convention"],
    ),
    "not a number": (["words.txt", "nile_annotations.json"], ["words.txt", "line 2", "'sixty'"]),
    "not whole": (["half.txt", "nile_annotations.json"], ["half.txt", "line 2", "'3.5'"]),
    "negative": (["negative.json", "nile_annotations.json"], ["negative.json", "-4"]),
    "no index column": (["two.csv", "nile_annotations.json"], ["two.csv", "'index'"]),
    "several fields": (["fields.txt", "nile_annotations.json"], ["fields.txt", "line 1"]),
    "a string": (["string.json", "nile_annotations.json"], ["string.json", "'27'"]),
    "unknown object": (["list.json", "object.json", "--n", "9"], ["object.json", "not change"]),
    "several annotators predicted": (
        ["nile_annotations.json", "annotations.json"],
        ["nile_annotations.json", "4 annotators"],
    ),
    "a series as reference": (["list.json", "nile.json"], ["nile.json", "--n"]),
    "kind": ([*SEGMENT, "--kind", "music"], ["--kind 'music'", "segmentation"]),
    "convention": ([*SEGMENT, "--convention", "tcp"], ["--convention 'tcp'", "index"]),
    "at": ([*ALIGN, "--at", "end"], ["--at 'end'", "frames"]),
    "format": ([*SEGMENT, "--format", "xml"], ["--format 'xml'", "csv"]),
    "rate": ([*ALIGN, "--rate", "0"], ["--rate", "positive"]),
    "tolerance on a segmentation": ([*SEGMENT, "--tolerance", "0.1"], ["--tolerance", "alignment"]),
    "dataset on an alignment": ([*ALIGN, "--dataset", "nile"], ["--dataset", "segmentation"]),
    "decreasing times": (["decreasing.csv", "truth.csv"], ["decreasing.csv", "row 3"]),
    "missing time": (["gap.csv", "truth.csv"], ["gap.csv", "line 3", "'b_time'"]),
    "three columns": (["path.csv", "three.csv", "--kind", "alignment"], ["three.csv", "x, y, z"]),
    "lengths differ": (["nan.json", "truth.csv"], ["nan.json", "2 times in A but 1 in B"]),
    "broken npz": (["broken.npz", "truth.csv"], ["broken.npz", "NPZ"]),
    "both stdin": (["-", "-"], ["only one input can be -"]),
    "output folder": ([*SEGMENT, "-o", "nowhere/s.json"], ["-o nowhere/s.json", "folder"]),
    "output over input": ([*SEGMENT, "-o", "annotations.json"], ["-o annotations.json"]),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=str)
def test_bad_input_exits_2_with_one_line_and_no_output(files, case):
    args, expected = BAD_INPUTS[case]
    before = {name: Path(name).read_bytes() for name in os.listdir(files) if Path(name).is_file()}
    output = [] if "-o" in args else ["-o", "scores.json"]
    outcome = cli("evaluate", *args, *output, input=b"")
    assert_one_line_error(outcome, *expected)
    after = {name: Path(name).read_bytes() for name in os.listdir(files) if Path(name).is_file()}
    assert after == before  # no output, no temporary file, inputs untouched


def test_an_unwritable_output_folder(files, monkeypatch):
    Path("locked").mkdir()
    real_access = os.access
    locked = os.path.abspath("locked")
    monkeypatch.setattr(  # chmod does not stop root, who may run the tests
        os, "access", lambda path, mode: path != locked and real_access(path, mode)
    )
    outcome = cli("evaluate", *SEGMENT, "-o", "locked/s.json")
    assert_one_line_error(outcome, "-o locked/s.json", "cannot write")
    assert os.listdir("locked") == []


def test_a_failed_run_leaves_an_existing_output_untouched(files):
    Path("s.json").write_text("precious\n")
    outcome = cli("evaluate", "far.csv", "nile_annotations.json", "--n", "100", "-o", "s.json")
    assert outcome.code == 2
    assert Path("s.json").read_text() == "precious\n"


# -- subprocesses, help ----------------------------------------------------------------------------


def test_pipeline_subprocess(files):
    """``cat boundaries | seqalign evaluate - annotations.json`` in a real shell."""
    command = (
        f"cat nile_pelt.csv | {sys.executable} -m seqalign evaluate - annotations.json "
        "--dataset nile --format csv"
    )
    done = subprocess.run(command, shell=True, capture_output=True, cwd=files, timeout=120)
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.decode().splitlines()
    assert dict(zip(header.split(","), row.split(",")))["f1"] == "1.0"
    assert b"covering" in done.stderr


def test_warp_into_evaluate_subprocess(files):
    """``seqalign warp A B | seqalign evaluate - truth.csv``: B repeats every frame of A twice,
    so frame i of A matches frames 2i and 2i + 1 of B, whose mean time is (2i + 0.5) / rate."""
    a = np.cumsum(np.random.default_rng(5).normal(size=(30, 2)), axis=0)
    np.save(files / "a.npy", a)
    np.save(files / "b.npy", np.repeat(a, 2, axis=0))
    rows = "".join(f"{i / RATE},{(2 * i + 0.5) / RATE}\n" for i in range(30))
    (files / "true_map.csv").write_text("a_time,b_time\n" + rows)
    command = (
        f"{sys.executable} -m seqalign warp a.npy b.npy --rate {RATE} -q | "
        f"{sys.executable} -m seqalign evaluate - true_map.csv -q"
    )
    done = subprocess.run(command, shell=True, capture_output=True, cwd=files, timeout=300)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["kind"] == "alignment" and record["points"] == 30
    assert record["mae"] == pytest.approx(0.0, abs=1e-6)
    assert record["within_0.05s"] == 100.0 and record["rate"] == pytest.approx(RATE)


def test_alignment_subprocess_to_a_file(files):
    done = run_seqalign("evaluate", "path.csv", "truth.csv", "-o", "s.json", "-q", cwd=files)
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""
    assert json.loads((files / "s.json").read_text())["kind"] == "alignment"


def test_bad_input_subprocess(files):
    done = run_seqalign("evaluate", *SEGMENT, "--margin", "-3", "-o", "s.json", cwd=files)
    assert done.returncode == 2 and done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert lines == ["seqalign: error: --margin -3: must be a number of frames >= 0"]
    assert not (files / "s.json").exists()


def test_help():
    top = cli("--help")
    assert top.code == 0 and "evaluate" in top.stdout
    outcome = cli("evaluate", "--help")
    assert outcome.code == 0
    text = " ".join(outcome.stdout.split())
    for flag in ("--margin", "--dataset", "--n", "--convention", "--tolerance", "--at", "--kind"):
        assert flag in text
    for name in ("tcpd", "index", "segmentation", "alignment", "json", "csv", "frames"):
        assert name in text


def test_evaluate_help_starts_without_heavy_imports():
    code = "from seqalign.cli.main import main; main(['evaluate', '--help'])"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "seqalign.cli.evaluate" in names
    assert not {n for n in names if n.split(".")[0] in {"numpy", "numba", "librosa", "scipy"}}
    assert not {"seqalign.io", "seqalign.evaluate"} & names
