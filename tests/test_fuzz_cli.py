"""A fuzzed command line: hypothesis drives every command in process with random subsets of its
options, values from boundary sets, and fixture files that are good, corrupt, truncated, empty,
one-frame, transposed or not UTF-8.

Properties, for every command line:

* the exit code is 0 or 2 (never 1: an internal error; never a crash), or 1 for a batch
  whose jobs failed (documented: the failures are in its folder);
* nothing prints a traceback;
* exit 2 prints exactly one line on standard error and leaves no new file anywhere;
* exit 0 leaves every output it was asked for complete (it parses in its format).

The options are read from the commands themselves (click's parameters), so a new command or
option is fuzzed without a change here. Bounded: 40 examples per command in the suite; more
with ``SEQALIGN_FUZZ_EXAMPLES=400 pytest tests/test_fuzz_cli.py`` (about 10 minutes).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from seqalign.cli import main as cli_main

soundfile = pytest.importorskip("soundfile")

COMMAND = typer.main.get_command(cli_main.app)
COMMANDS = sorted(COMMAND.commands)

#: Values every option is tried with: boundaries of numbers, odd text, missing paths.
BOUNDARY_VALUES = [
    "-1",
    "0",
    "1",
    "2",
    "3",
    "0.5",
    "-0.5",
    "99999999999999999999",
    "2147483648",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "",
    " ",
    "é",
    "x",
    "1:2",
    "2s",
    "5%",
    "0s",
    "1e-300",
    "nosuch/out.csv",
    "nosuch.npy",
]

#: Valid words for options whose values are names, so the fuzz reaches past the first check.
NAMES = {
    "--metric": ["euclidean", "sqeuclidean", "cosine", "cityblock", "rbf", "polynomial", "l3"],
    "--step-pattern": ["symmetric1", "symmetric2", "asymmetric", "rj3c", "typeIIIc", "nope"],
    "--window": ["none", "sakoechiba", "itakura", "slantedband", "square"],
    "--features": ["logmel", "mfcc", "chroma", "dlnco", "chroma_dlnco", "chroma_tuned", "nope"],
    "--live-format": ["audio", "pcm", "npy", "npz", "csv", "tsv", "json"],
    "--step-weights": ["1,2,1", "1,1,1", "0,1,1", "1,2", "x,1,1"],
    "--from": ["0", "0.1s", "3f", "100ms", "2.5f", "x"],
    "--search-window": ["10s", "5", "0.2s", "0"],
    "--normalize": ["none", "zscore", "l2", "max"],
    "--cost": ["l2", "l1", "normal", "rbf", "linear", "cosine", "ar", "shape"],
    "--averaging": ["soft", "dba"],
    "--solver": ["auto", "full", "linear", "multiscale"],
    "--search": ["pelt", "binseg", "dynp"],
    "--penalty": ["mbic", "bic", "aic", "10", "-3", "0"],
    "--missing": ["error", "interpolate", "drop", "zero"],
    "--format": ["csv", "tsv", "json", "npz", "xml"],
    "--input-format": ["npy", "npz", "csv", "tsv", "audio", "mp4"],
    "--engine": ["seqalign", "ruptures", "R"],
    "--kind": ["segmentation", "alignment", "both"],
    "--convention": ["tcpd", "index", "time"],
    "--cross-modal": ["ctw", "dtw"],
    "--init": ["mean", "medoid", "random", "first"],
}

#: Output options and the extensions they are tried with.
OUTPUTS = {
    "-o": [".csv", ".json", ".npz", ".tsv", ".npy", ".wav", ""],
    "--time-map": [".csv", ".json"],
    "--segments": [".csv", ".json"],
    "--labels": [".txt"],
    "--alignment": [".npz", ".npy"],
    "--projections": [".npz"],
    "--journal": [".jsonl"],
}
#: The inputs each command mostly gets (the others take every fixture too, less often).
PREFERRED = {
    "evaluate": ["boundaries.csv", "annotations.json", "path.csv", "a.csv"],
    "batch": ["manifest.csv"],
}
SKIPPED = {"--help", "--version", "--plot", "--scheduler", "--jobs", "--crops", "--online"}


def _write_fixtures(folder: Path) -> dict[str, list[str]]:
    """Input files of every kind a user may give, good and bad; returns name lists by role."""
    rng = np.random.default_rng(0)
    np.save(folder / "a.npy", rng.standard_normal((24, 3)).cumsum(0))
    np.save(folder / "b.npy", rng.standard_normal((30, 3)).cumsum(0))
    np.save(folder / "one.npy", rng.standard_normal((1, 3)))
    np.save(folder / "empty.npy", np.zeros((0, 3)))
    np.save(folder / "transposed.npy", rng.standard_normal((3, 40)))
    np.save(folder / "objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(folder / "text.npy", np.array(["a", "b"]))
    nan = rng.standard_normal((20, 3))
    nan[4, 1] = np.nan
    nan[9, 0] = np.inf
    np.save(folder / "nan.npy", nan)
    np.savez(folder / "two.npz", x=rng.standard_normal((20, 3)), y=rng.standard_normal((5, 3)))
    good = (folder / "a.npy").read_bytes()
    (folder / "truncated.npy").write_bytes(good[: len(good) // 2])
    (folder / "corrupt.npy").write_bytes(bytes(rng.integers(0, 256, 300, dtype=np.uint8)))
    (folder / "zero.csv").write_bytes(b"")
    (folder / "header.csv").write_text("t,x\n")
    (folder / "one.csv").write_text("t,x\n0,1\n")
    rows = "\n".join(f"{k / 10},{v:.4f},{w:.4f}" for k, (v, w) in enumerate(rng.random((25, 2))))
    (folder / "a.csv").write_text("time,x,y\n" + rows + "\n")
    (folder / "latin1.csv").write_bytes("t,caf\xe9\n0,1\n1,2\n2,3\n".encode("latin-1"))
    (folder / "ragged.csv").write_text("t,x\n0,1\n1\n2,3,4\n")
    sr = 8000
    t = np.arange(sr) / sr
    soundfile.write(folder / "a.wav", 0.3 * np.sin(2 * np.pi * 440 * t), sr)
    (folder / "truncated.wav").write_bytes((folder / "a.wav").read_bytes()[:60])
    (folder / "boundaries.csv").write_text("index,time\n5,0.5\n12,1.2\n")
    (folder / "annotations.json").write_text(json.dumps({"a": {"1": [0, 5, 12]}}))
    (folder / "path.csv").write_text("a_index,b_index\n0,0\n1,1\n2,1\n3,2\n")
    (folder / "manifest.csv").write_text("id,a,b\nj1,a.npy,b.npy\n")
    (folder / "bad_manifest.csv").write_text("id,a,b,band\nj1,a.npy,nosuch.npy,x\n")
    (folder / "sub").mkdir()
    names = sorted(p.name for p in folder.iterdir())
    return {"any": [*names, "nosuch.npy", "-"]}


@pytest.fixture(scope="module")
def fixtures():
    folder = Path(tempfile.mkdtemp(prefix="seqalign-fuzz-"))
    _write_fixtures(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _parameters(name: str):
    command = COMMAND.commands[name]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    options = [
        p for p in command.params if p.param_type_name == "option" and not set(p.opts) & SKIPPED
    ]
    return arguments, options


def _is_flag(param) -> bool:
    descriptor = getattr(param, "type_descriptor", None)
    return bool(getattr(param, "is_flag", False)) or (
        descriptor is not None and descriptor.annotation is bool
    )


#: Values that usually pass the first checks, so that the fuzz reaches the work behind them.
PLAUSIBLE_VALUES = ["1", "2", "3", "5", "10", "0.5", "0.1"]


@st.composite
def command_lines(draw, name: str, inputs: list[str]):
    """A command line: the arguments, a few options with plausible values and, in most lines,
    one or two with boundary values."""
    arguments, options = _parameters(name)
    args: list[str] = [name]
    for argument in arguments:
        count = draw(st.integers(1, 3)) if argument.nargs == -1 else 1
        args += [draw(st.sampled_from(inputs)) for _ in range(count)]
    required = [p for p in options if p.required]
    optional = [p for p in options if not p.required]
    chosen = required + draw(st.lists(st.sampled_from(optional), max_size=5, unique_by=id))
    n_bad = draw(st.sampled_from([0, 1, 1, 2]))
    bad = set(
        draw(st.lists(st.sampled_from(chosen), max_size=n_bad, unique_by=id)) if chosen else ()
    )
    if name == "batch":  # in process, one worker: the pool is tested in test_cli_batch.py
        args += ["--jobs", "1"]
    for option in chosen:
        flag = option.opts[0]
        if _is_flag(option):
            args.append(flag)
            continue
        long = next((o for o in option.opts if o.startswith("--")), flag)
        if long in OUTPUTS or flag in OUTPUTS:
            extensions = OUTPUTS.get(long, OUTPUTS.get(flag))
            value = "out" + draw(st.sampled_from(extensions))
            if option in bad:
                value = draw(st.sampled_from(["-", "sub", "nosuch/out.csv", "", "a.npy"]))
        elif option in bad:
            value = draw(st.sampled_from(BOUNDARY_VALUES + inputs[-6:]))
        else:
            value = draw(st.sampled_from(NAMES.get(long) or PLAUSIBLE_VALUES))
        args += [flag, value]
    return args


def _complete(path: Path, fmt: str | None = None) -> bool:
    """An output file that parses in its format: ``fmt`` (--format), else the one its name
    says (every file of a folder)."""
    if path.is_dir():
        return all(_complete(p) for p in path.rglob("*") if p.is_file())
    data = path.read_bytes()
    suffix = f".{fmt}" if fmt else path.suffix
    if suffix == ".json":
        json.loads(data)
    elif suffix in (".npz", ".npy"):
        np.load(io.BytesIO(data), allow_pickle=False)
    elif suffix in (".csv", ".tsv", ".jsonl", ".txt", ""):
        assert data.endswith(b"\n"), data[-50:]
        data.decode("utf-8")
    return True


def _run(fixtures: Path, args: list[str]) -> tuple[int, str]:
    before = {str(p): p.stat().st_mtime_ns for p in fixtures.rglob("*")}
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        for entry in fixtures.iterdir():  # inputs by relative name, outputs land in workdir
            os.symlink(entry, workdir / entry.name)
        start = os.getcwd()
        os.chdir(workdir)
        try:
            with CliRunner().isolation(input=b"") as (_stdout, stderr, _):
                code = cli_main.main(list(args))
                sys.stdout.flush()
                sys.stderr.flush()
                err = stderr.getvalue().decode("utf-8", "replace")
        finally:
            os.chdir(start)
        new = sorted(
            p.name for p in workdir.iterdir() if not p.is_symlink() and p.name != ".hypothesis"
        )
        shown = " ".join(args)
        assert "Traceback" not in err, f"seqalign {shown}\n{err}"
        failed_jobs = code == 1 and any(  # documented: a batch whose jobs failed says so there
            len(p.read_text().splitlines()) > 1 for p in workdir.glob("*/failures.csv")
        )
        assert code in (0, 2) or failed_jobs, f"seqalign {shown} -> exit {code}\n{err}"
        if code == 2:
            assert err.count("\n") == 1 and err.endswith("\n"), f"seqalign {shown}\n{err}"
            assert new == [], f"seqalign {shown} -> exit 2 but wrote {new}"
        else:
            fmt = args[args.index("--format") + 1] if "--format" in args else None
            main = Path(args[args.index("-o") + 1]).name if "-o" in args[:-1] else None
            for name in new:  # --format is the format of -o only (not of --time-map...)
                given = fmt if name == main else None
                assert _complete(workdir / name, given), f"seqalign {shown}: {name} incomplete"
    after = {str(p): p.stat().st_mtime_ns for p in fixtures.rglob("*")}
    assert after == before, f"seqalign {' '.join(args)} changed or added an input"
    return code, err


@pytest.mark.parametrize("name", COMMANDS)
def test_fuzzed_command_lines(fixtures, name) -> None:
    inputs = sorted(p.name for p in fixtures.iterdir()) + ["nosuch.npy", "-"]
    preferred = PREFERRED.get(name, ["a.npy", "b.npy", "a.csv", "a.wav"]) * 3

    @settings(
        max_examples=int(os.environ.get("SEQALIGN_FUZZ_EXAMPLES", "40")),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(command_lines(name, preferred + inputs))
    def check(args: list[str]) -> None:
        _run(fixtures, args)

    check()
