"""Bad input across every command that reads frames: one-frame and empty inputs, transposed
arrays (a warning, and ``--transpose``), missing and infinite values (``--missing``), files
that are not numeric arrays (never unpickled), and output extensions no writer handles.

Each bad input ends with exit code 2, one line on standard error naming the file, option and
value, and no output file; each good one is compared with the same command on a file fixed by
hand."""

from __future__ import annotations

import importlib.util
import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import assert_one_line_error, cli, run_seqalign

COMMANDS = ("warp", "soft", "barycenter", "matrix", "segment")


def _args(command: str, first: str, other: str = "b.npy", out: str = "out.csv") -> list[str]:
    """``command`` reading ``first`` (and ``other``), its result in ``out`` (soft: stdout)."""
    if command == "segment":
        return ["segment", first, "-o", out]
    if command == "soft":
        return ["soft", first, other]
    if command == "barycenter":
        return ["barycenter", first, other, "-o", out, "--max-iter", "3"]
    if command == "matrix":
        return ["matrix", first, other, "-o", out.replace(".csv", ".npy")]
    return ["warp", first, other, "-o", out]


def _result(command: str, outcome, out: str = "out.csv") -> bytes:
    """What a successful run produced: its output file's bytes (soft: the value printed)."""
    assert outcome.code == 0, outcome.stderr
    if command == "soft":
        return outcome.stdout_bytes
    return Path(out.replace(".csv", ".npy") if command == "matrix" else out).read_bytes()


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Integer-valued inputs (so that interpolating one frame is exact), good and bad."""
    rng = np.random.default_rng(3)
    a = rng.integers(-5, 6, (20, 3)).astype(float)
    a[10:] += 8.0
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", rng.integers(-5, 6, (25, 3)).astype(float))
    np.save(tmp_path / "one.npy", np.zeros((1, 3)))
    np.save(tmp_path / "empty.npy", np.zeros((0, 3)))
    (tmp_path / "one.csv").write_text("x,y,z\n1,2,3\n")
    (tmp_path / "empty.csv").write_text("x,y,z\n")
    for name, value in (("nan", np.nan), ("inf", np.inf)):
        bad = a.copy()
        bad[3, 1] = value
        np.save(tmp_path / f"{name}.npy", bad)
    filled = a.copy()
    filled[3, 1] = (a[2, 1] + a[4, 1]) / 2
    np.save(tmp_path / "interpolate.npy", filled)
    np.save(tmp_path / "drop.npy", np.delete(a, 3, axis=0))
    wide = rng.normal(size=(3, 50))
    np.save(tmp_path / "t1.npy", wide)
    np.save(tmp_path / "t2.npy", wide[:, ::-1] + 0.5)
    np.save(tmp_path / "t1T.npy", wide.T)
    np.save(tmp_path / "t2T.npy", (wide[:, ::-1] + 0.5).T)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# -- one frame, no frames ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["one.npy", "one.csv", "empty.npy", "empty.csv"])
@pytest.mark.parametrize("command", COMMANDS)
def test_one_or_no_frame_is_refused_by_every_command(files, command, name):
    before = _listing(files)
    outcome = cli(*_args(command, name, "a.npy"))
    expected = "single frame" if name.startswith("one") else "empty"
    assert_one_line_error(outcome, name, expected)
    assert _listing(files) == before


def test_segment_of_one_frame_subprocess(files):
    done = run_seqalign("segment", "one.npy", "-o", "out.csv", cwd=files)
    assert done.returncode == 2
    assert done.stdout == b""
    (line,) = done.stderr.decode().splitlines()
    assert line.startswith("seqalign: error: one.npy: ") and "single frame" in line
    assert not (files / "out.csv").exists()


def test_the_library_refuses_to_segment_one_frame():
    from seqalign import segment
    from seqalign.errors import InputError

    with pytest.raises(InputError, match="single frame") as error:
        segment(np.zeros((1, 3)))
    assert error.value.argument == "x"


# -- zero is not "the default" ------------------------------------------------------------


ENGINES = ["native"] + (["ruptures"] if importlib.util.find_spec("ruptures") else [])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("width", ["0", "1", "-3"])
def test_window_width_0_is_refused_like_1(files, width, engine):
    outcome = cli("segment", "a.npy", "--search", "window", "--width", width, "--engine", engine)
    assert_one_line_error(outcome, f"--width {width}", ">= 2")


def test_the_library_refuses_width_0_and_multiscale_radius_0():
    from seqalign import dtw, segment
    from seqalign.errors import InputError

    x = np.arange(40.0)
    with pytest.raises(InputError) as width:
        segment(x, search="window", width=0)
    assert width.value.argument == "width"
    with pytest.raises(InputError) as radius:
        dtw(x, x, solver="multiscale", multiscale_radius=0)
    assert radius.value.argument == "multiscale_radius"


# -- transposed arrays ----------------------------------------------------------------------

WARNING = (
    "seqalign: warning: {}: 3 frames x 50 features; arrays are time-first (frames, "
    "features): transposed? give --transpose"
)


@pytest.mark.parametrize("command", COMMANDS)
def test_fewer_frames_than_features_warns_once_per_file(files, command):
    args = _args(command, "t1.npy", "t2.npy")
    loud = cli(*args)
    assert loud.code == 0, loud.stderr
    warnings = [line for line in loud.error_lines if "warning" in line]
    files_read = ["t1.npy"] if command == "segment" else ["t1.npy", "t2.npy"]
    assert warnings == [WARNING.format(name) for name in files_read]
    quiet = cli(*args, "-q")
    assert quiet.code == 0 and quiet.stderr == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_transpose_reads_features_by_frames(files, command):
    transposed = cli(*_args(command, "t1.npy", "t2.npy"), "--transpose")
    assert "warning" not in transposed.stderr
    got = _result(command, transposed)
    want = _result(command, cli(*_args(command, "t1T.npy", "t2T.npy", out="want.csv")), "want.csv")
    if command == "matrix":
        np.testing.assert_array_equal(np.load("out.npy"), np.load("want.npy"))
    else:
        assert got == want


def test_transpose_of_archives_and_tables(files):
    from seqalign.io import ReadOptions, read_sequence

    wide = np.load("t1.npy")
    np.savez("t.npz", emb=wide)
    seq = read_sequence("t.npz", ReadOptions(transpose=True))
    np.testing.assert_array_equal(seq.data, wide.T)
    Path("wide.csv").write_text("label,f0,f1,f2,f3\nx,1,2,3,4\ny,5,6,7,8\n")
    seq = read_sequence("wide.csv", ReadOptions(transpose=True, rate=10.0))
    np.testing.assert_array_equal(seq.data, [[1, 5], [2, 6], [3, 7], [4, 8]])
    assert (seq.rate, seq.feature_names) == (10.0, None)
    np.save("column.npy", np.arange(5.0))  # 1-D: frames, whatever the flag
    assert read_sequence("column.npy", ReadOptions(transpose=True)).data.shape == (5, 1)


def test_transpose_with_a_time_column_is_refused(files):
    outcome = cli("segment", "one.csv", "--transpose", "--time-column", "x")
    assert_one_line_error(outcome, "--time-column 'x'", "--transpose")


def test_no_warning_beside_an_error(files):
    outcome = cli("warp", "t1.npy", "b.npy", "-o", "out.csv")  # 50 features against 3
    assert_one_line_error(outcome, "features")
    assert not Path("out.csv").exists()


def test_warning_subprocess(files):
    done = run_seqalign("warp", "t1.npy", "t2.npy", "-o", "p.csv", cwd=files)
    assert done.returncode == 0
    lines = done.stderr.decode().splitlines()
    assert lines[:2] == [WARNING.format("t1.npy"), WARNING.format("t2.npy")]
    assert "Traceback" not in done.stderr.decode() and "InputWarning" not in lines[2]
    quiet = run_seqalign("warp", "t1.npy", "t2.npy", "-o", "p.csv", "-q", cwd=files)
    assert quiet.returncode == 0 and quiet.stderr == b""


# -- missing and infinite values ------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf"])
@pytest.mark.parametrize("command", COMMANDS)
def test_missing_and_infinite_values_are_refused_by_default(files, command, value):
    before = _listing(files)
    for policy in ([], ["--missing", "error"]):
        outcome = cli(*_args(command, f"{value}.npy"), *policy)
        shown = "NaN" if value == "nan" else "inf"
        assert_one_line_error(
            outcome, f"{value}.npy: frame 3, feature 1 is {shown}", "--missing interpolate"
        )
        assert _listing(files) == before


@pytest.mark.parametrize("policy", ["interpolate", "drop"])
@pytest.mark.parametrize("value", ["nan", "inf"])
@pytest.mark.parametrize("command", COMMANDS)
def test_missing_policies_of_every_command(files, command, value, policy):
    outcome = cli(*_args(command, f"{value}.npy"), "--missing", policy, "-q")
    assert outcome.stderr == ""
    got = _result(command, outcome)
    want = _result(command, cli(*_args(command, f"{policy}.npy", out="want.csv"), "-q"), "want.csv")
    assert got == want


@pytest.mark.parametrize("policy", ["interpolate", "drop"])
def test_infinite_cells_of_tables_follow_the_policy(files, policy):
    Path("log.csv").write_text("x\n1\n2\ninf\n4\n1\n")  # no time column: dropped rows stay out
    refused = cli("segment", "log.csv")
    assert_one_line_error(refused, "log.csv: line 4, column 'x' is inf", "--missing interpolate")
    outcome = cli("segment", "log.csv", "--missing", policy, "-q", "-o", "out.json")
    assert outcome.code == 0, outcome.stderr
    from seqalign.io import ReadOptions, read_sequence

    seq = read_sequence("log.csv", ReadOptions(missing=policy))
    want = [1, 2, 3, 4, 1] if policy == "interpolate" else [1, 2, 4, 1]
    assert seq.data.ravel().tolist() == want


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_missing_and_transpose_as_batch_columns(files, value):
    Path("jobs.csv").write_text(
        "id,a,b,input,missing,transpose\n"
        f"w,{value}.npy,b.npy,,interpolate,\n"
        "wi,interpolate.npy,b.npy,,,\n"
        f"s,,,{value}.npy,drop,\n"
        "si,,,drop.npy,,\n"
        f"e,,,{value}.npy,,\n"
        "t,t1.npy,t2.npy,,,true\n"
        "ti,t1T.npy,t2T.npy,,,\n"
    )
    outcome = cli("batch", "jobs.csv", "-o", "out", "-j", "1")
    assert outcome.code == 1  # job e: the default policy refuses
    assert len(outcome.error_lines) == 1 and "warning" not in outcome.stderr
    out = Path("out")
    assert (out / "w.path.csv").read_bytes() == (out / "wi.path.csv").read_bytes()
    assert (out / "s.boundaries.csv").read_bytes() == (out / "si.boundaries.csv").read_bytes()
    assert (out / "t.path.csv").read_bytes() == (out / "ti.path.csv").read_bytes()
    assert "--missing interpolate" in (out / "failures.csv").read_text()


# -- files that are not numeric arrays ------------------------------------------------------


def _member(name: str, data: bytes, archive: str) -> None:
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(name, data)


def _bad_arrays() -> dict[str, str]:
    """File name -> what the message says; written into the current folder."""
    good = io.BytesIO()
    np.save(good, np.arange(60.0).reshape(20, 3))
    objects = io.BytesIO()
    np.save(objects, np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    Path("random.npy").write_bytes(b"\x80\x04" + np.random.default_rng(0).bytes(298))
    Path("truncated.npy").write_bytes(good.getvalue()[:200])
    Path("header.npy").write_bytes(good.getvalue()[:40])
    Path("objects.npy").write_bytes(objects.getvalue())
    _member("x.npy", b"garbage, not an array", "member.npz")
    _member("x.npy", good.getvalue()[:200], "short.npz")
    _member("x.npy", objects.getvalue(), "objects.npz")
    Path("random.npz").write_bytes(np.random.default_rng(1).bytes(300))
    Path("zip.npy").write_bytes(Path("member.npz").read_bytes())
    return {
        "random.npy": "not a valid .npy array file",
        "truncated.npy": "not a valid .npy array file",
        "header.npy": "not a valid .npy array file",
        "objects.npy": "not a numeric array file",
        "member.npz": "array 'x' is not a valid .npy array",
        "short.npz": "array 'x' is not a valid .npy array",
        "objects.npz": "array 'x' is not a numeric array",
        "random.npz": "not a valid .npz archive",
        "zip.npy": "not a valid .npy array file",
    }


@pytest.mark.parametrize("command", ["segment", "warp"])
def test_files_that_are_not_numeric_arrays(files, command):
    for name, expected in _bad_arrays().items():
        before = _listing(files)
        outcome = cli(*_args(command, name))
        assert_one_line_error(outcome, f"{name}: ", expected)
        assert "allow_pickle" not in outcome.stderr
        assert _listing(files) == before


def test_random_bytes_on_standard_input(files):
    _bad_arrays()
    outcome = cli("segment", "-", "--input-format", "npy", input=Path("random.npy").read_bytes())
    assert_one_line_error(outcome, "standard input: not a valid .npy array file")


def test_random_npy_subprocess(files):
    Path("r.npy").write_bytes(os.urandom(300))
    done = run_seqalign("segment", "r.npy", "-o", "out.csv", cwd=files)
    assert done.returncode == 2
    (line,) = done.stderr.decode().splitlines()
    assert line.startswith("seqalign: error: r.npy: not a valid") and "pickle=" not in line
    assert not (files / "out.csv").exists()


# -- output extensions ----------------------------------------------------------------------

BAD_OUTPUTS = {
    "barycenter -o": (
        ["barycenter", "nope.npy", "b.npy", "-o", "t.wav"],
        ["-o t.wav", ".npy, .npz, .csv, .tsv or .json", "--format"],
    ),
    "warp -o": (["warp", "nope.npy", "b.npy", "-o", "p.wav"], ["-o p.wav", ".csv", "--format"]),
    "warp --time-map": (
        ["warp", "nope.npy", "b.npy", "--time-map", "m.mp3"],
        ["--time-map m.mp3", ".tab, .json or .npz"],
    ),
    "warp --projections": (
        ["warp", "nope.npy", "b.npy", "--cross-modal", "ctw", "--projections", "p.json"],
        ["--projections p.json", ".npz"],
    ),
    "segment -o": (["segment", "nope.npy", "-o", "b.txt"], ["-o b.txt", ".json", "--format"]),
    "segment --segments": (
        ["segment", "nope.npy", "--segments", "s.xlsx"],
        ["--segments s.xlsx", ".npz"],
    ),
    "segment --labels": (["segment", "nope.npy", "--labels", "l.csv"], ["--labels l.csv", ".txt"]),
    "segment --crops -o npz": (["segment", "nope.npy", "--crops", "1:9", "-o", "c.npz"], ["c.npz"]),
    "matrix -o": (["matrix", "a.npy", "b.npy", "-o", "D.tsv"], ["-o D.tsv", ".npy", "--format"]),
    "soft --alignment": (["soft", "nope.npy", "b.npy", "--alignment", "e.wav"], [".npz"]),
    "evaluate -o": (
        ["evaluate", "nope.csv", "b.npy", "-o", "s.wav"],
        ["-o s.wav", ".json or .csv"],
    ),
}


@pytest.mark.parametrize("case", BAD_OUTPUTS, ids=str)
def test_an_extension_no_writer_handles_is_refused_before_any_work(files, case):
    args, expected = BAD_OUTPUTS[case]
    before = _listing(files)
    outcome = cli(*args)  # nope.npy does not exist: the output is checked before reading
    assert_one_line_error(outcome, *expected)
    assert "nope" not in outcome.stderr
    assert _listing(files) == before


@pytest.mark.parametrize(
    "args, out",
    [
        (["barycenter", "a.npy", "b.npy", "-o", "t.wav", "--format", "npy"], "t.wav"),
        (["warp", "a.npy", "b.npy", "-o", "p.wav", "--format", "json"], "p.wav"),
        (["matrix", "a.npy", "b.npy", "-o", "D.dat", "--format", "npy"], "D.dat"),
        (["warp", "a.npy", "b.npy", "-o", "path"], "path"),
        (["segment", "a.npy", "-o", "bounds"], "bounds"),
        (["barycenter", "a.npy", "b.npy", "-o", "template"], "template"),
        (["matrix", "a.npy", "b.npy", "-o", "D"], "D"),
        (["warp", "a.npy", "b.npy", "-o", "P.CSV", "--time-map", "M.TAB"], "M.TAB"),
    ],
    ids=[
        "bary --format",
        "warp --format",
        "matrix --format",
        "warp",
        "segment",
        "bary",
        "matrix",
        "upper case",
    ],
)
def test_explicit_formats_and_names_without_an_extension_are_written(files, args, out):
    outcome = cli(*args, "-q")
    assert outcome.code == 0, outcome.stderr
    assert Path(out).stat().st_size > 0


def test_the_extension_table_follows_the_writers():
    from seqalign.io import WRITE_FORMATS, output_format
    from seqalign.io.extensions import OUTPUT_EXTENSIONS

    for extension, fmt in OUTPUT_EXTENSIONS.items():
        assert output_format(f"x{extension}") == fmt
    assert set(OUTPUT_EXTENSIONS.values()) == set(WRITE_FORMATS)


def test_bad_output_extension_subprocess(files):
    done = run_seqalign("barycenter", "a.npy", "b.npy", "-o", "t.wav", cwd=files)
    assert done.returncode == 2 and done.stdout == b""
    (line,) = done.stderr.decode().splitlines()
    assert line.startswith("seqalign: error: -o t.wav: ")
    assert not (files / "t.wav").exists()


# -- inputs that are pipes, and headers that lie ---------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_input_is_read_like_standard_input(files):
    import threading

    os.mkfifo("a.fifo.npy")
    data = (files / "a.npy").read_bytes()

    def feed() -> None:
        with open("a.fifo.npy", "wb") as fifo:
            fifo.write(data)

    threading.Thread(target=feed, daemon=True).start()
    piped = cli("warp", "a.fifo.npy", "b.npy", "-q")
    direct = cli("warp", "a.npy", "b.npy", "-q")
    assert piped.code == 0 and piped.stdout == direct.stdout


@pytest.mark.skipif(not os.path.exists("/bin/bash"), reason="process substitution needs bash")
def test_process_substitution_inputs(files):
    import shlex
    import subprocess
    import sys

    command = f"{shlex.quote(sys.executable)} -m seqalign warp <(cat a.npy) <(cat b.npy) -q"
    piped = subprocess.run(["/bin/bash", "-c", command], capture_output=True, timeout=120)
    direct = run_seqalign("warp", "a.npy", "b.npy", "-q")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == direct.stdout


def _lying_header(shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + bytes(800)


@pytest.mark.parametrize("kind", ["npy", "npz", "stdin"])
def test_a_header_claiming_more_than_the_file_holds_is_refused(files, kind):
    blob = _lying_header((10**12, 3))
    if kind == "npz":
        with zipfile.ZipFile("huge.npz", "w") as archive:
            archive.writestr("x.npy", blob)
    else:
        (files / "huge.npy").write_bytes(blob)
    name = {"npy": "huge.npy", "npz": "huge.npz", "stdin": "-"}[kind]
    outcome = cli("segment", name, "-o", "out.csv", input=blob if kind == "stdin" else None)
    assert_one_line_error(outcome, "truncated: its header says shape (1000000000000, 3)")
    assert not (files / "out.csv").exists()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("how", ["path", "stdin"])
def test_an_endless_stream_is_refused_at_the_budget(files, how):
    if how == "path":
        outcome = cli("segment", "/dev/zero", "--max-memory", "20MB", "-o", "out.csv")
    else:
        with open("/dev/zero", "rb") as zero:
            import subprocess
            import sys

            done = subprocess.run(
                [sys.executable, "-m", "seqalign", "segment", "-", "--max-memory", "20MB"],
                stdin=zero,
                capture_output=True,
                timeout=120,
            )
        assert done.returncode == 2
        assert done.stderr.decode().splitlines() == [
            "seqalign: error: standard input: more than 20.0 MB of input, over the memory "
            "budget; give a file instead of a stream"
        ]
        return
    assert_one_line_error(outcome, "/dev/zero: more than 20.0 MB of input")
    assert not (files / "out.csv").exists()
