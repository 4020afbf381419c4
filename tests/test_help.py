"""Every command's ``--help`` against what the command does.

Read from click's own objects (``typer.main.get_command(app)``), so a new command or option is
covered without a change here:

* every option that a help text names (``--rate-b``, ``-o``...) exists on that command;
* an option states at most one default, and where its parameter has a default (click's
  ``[default: X]``, or one written in the help), the stated one is that default;
* a default written in prose for an option whose parameter is None (``[default: cosine when an
  input is audio, else euclidean]``) is checked by running the command: typing the stated value
  must give the same output, metadata included, as leaving the option out (:data:`CASES`). The
  rest name the library constant they quote (:data:`CONSTANTS`) or the test that covers them
  (:data:`UNCHECKED`); a new prose default must join one of the three.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
import typer

from seqalign.cli.main import app
from tests.test_cli import cli

GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)
_FLAG = re.compile(r"(?<![\w-])(--[a-z][\w-]*|-[a-z]\b)")
_DEFAULT = re.compile(r"\[default: ([^\]]*)\]")
_INLINE = re.compile(r"(\S+) \(default\)")
_NUMBER = re.compile(r"(?<![\w.])[0-9][0-9,]*\.?[0-9]*(?:e-?[0-9]+)?(?![\w])")


def _options(command: str) -> list[Any]:
    return [p for p in GROUP.commands[command].params if p.param_type_name == "option"]


def _flags(command: str) -> set[str]:
    return {flag for p in _options(command) for flag in (*p.opts, *p.secondary_opts)}


def _help(command: str, option: Any) -> str:
    """The option's help as ``--help`` shows it (click's ``[default: X]`` included)."""
    ctx = GROUP.commands[command].make_context(command, [], resilient_parsing=True)
    record = option.get_help_record(ctx)
    return " ".join(record[1].split()) if record else ""


def _stated(text: str) -> str | None:
    """The default a help text states: ``[default: ...]``, else ``NAME (default)``."""
    found = _DEFAULT.findall(text) or _INLINE.findall(text)
    return found[0] if found else None


def _prose_defaults() -> list[tuple[str, str, str, Any]]:
    """(command, flag, stated default, parameter default) of every option that states one."""
    rows = []
    for command in COMMANDS:
        for option in _options(command):
            stated = _stated(_help(command, option))
            if stated is not None:
                rows.append((command, option.opts[0], stated, option.default))
    return rows


def _clauses(stated: str) -> list[str]:
    return [c.strip() for c in re.split(r";\s|,\s", stated) if c.strip()]


def _clause(stated: str, condition: str | None) -> str:
    """The value a stated default gives under ``condition`` (a piece of its text): the clause
    holding the condition (the last one), without it and without a leading else/or/but."""
    clauses = _clauses(stated)
    if condition is None:
        return clauses[0]
    found = [c for c in clauses if condition in c]
    assert found, f"the help no longer says {condition!r}: [default: {stated}]"
    text = found[-1].replace(condition, " ", 1).split()
    return " ".join(text[1:] if text[0] in ("else", "or", "but") else text)


def _same(stated: str, value: Any) -> bool:
    word = stated.split()[0]
    try:
        return float(word.replace(",", "")) == float(value)
    except (TypeError, ValueError):
        return word == str(value)


# -- what the help says, statically ----------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_flag_a_help_names_exists(command):
    flags = _flags(command)
    texts = [GROUP.commands[command].help or ""]
    texts += [_help(command, p) for p in _options(command)]
    texts += [getattr(p, "help", None) or "" for p in GROUP.commands[command].params]
    named = {flag for text in texts for flag in _FLAG.findall(text)}
    assert named - flags == set(), f"seqalign {command} --help names options it does not take"


@pytest.mark.parametrize("command", COMMANDS)
def test_stated_defaults_are_the_parameter_defaults(command):
    for option in _options(command):
        text = _help(command, option)
        assert len(_DEFAULT.findall(text)) <= 1, (command, option.opts, text)
        stated = _stated(text)
        if stated is None or option.default in (None, False, ()):
            continue
        assert _same(_clause(stated, None), option.default), (command, option.opts, stated)


# -- what the command does -------------------------------------------------------------------


class Case(NamedTuple):
    command: str
    option: str  # whose help states the default
    condition: str | None  # the piece of that default that applies; None: its first clause
    inputs: str  # a key of INPUTS
    extra: tuple[str, ...] = ()
    typed: Callable[[str], list[str]] | None = None  # the value typed out [option, value]
    ignore: tuple[str, ...] = ()  # JSON keys that name the setting as typed


def _repeat(flag: str) -> Callable[[str], list[str]]:
    """Every number of the clause, each after ``flag``."""
    return lambda clause: [a for n in _NUMBER.findall(clause) for a in (flag, n)]


BAND, POLY, CTW = ("--band", "3"), ("--metric", "polynomial"), ("--cross-modal", "ctw")
NO_PRESET = ("--preset", "none")
CASES = [
    *(
        Case(command, option, None, "arrays", extra, ignore=("metric",))
        for command in ("warp", "soft", "matrix")
        for option, extra in (("--degree", POLY), ("--coef0", POLY))
    ),
    *(
        Case(command, "--normalize", condition, inputs, NO_PRESET if command == "warp" else ())
        for command in ("warp", "soft", "barycenter", "matrix", "segment")
        for condition, inputs in (("when an input is audio", "audio"), ("else", "arrays"))
    ),
    *(
        Case("warp", option, f"for {preset}", "audio", ("--preset", preset))
        for option in ("--features", "--hop-length", "--normalize", "--metric")
        for preset in ("music", "speech")
    ),
    *(
        Case(command, "--window", condition, "arrays", extra)
        for command in ("warp", "soft", "barycenter", "matrix")
        for condition, extra in ((None, ()), ("with --band", BAND))
    ),
    *(
        Case(command, "--metric", condition, inputs, NO_PRESET if command == "warp" else ())
        for command in ("warp", "matrix")
        for condition, inputs in (("when an input is audio", "audio"), ("else", "arrays"))
    ),
    *(Case(command, "--metric", None, "arrays") for command in ("soft", "barycenter")),
    *(Case(command, "--step-pattern", None, "arrays") for command in ("warp", "matrix")),
    *(
        Case(command, "--format", "else", "arrays", ("-o", "out"))
        for command in ("warp", "barycenter", "matrix", "segment")
    ),
    Case("evaluate", "--format", "else", "alignment", ("-o", "out")),
    Case("warp", "--cross-modal", None, "arrays", CTW, lambda v: ["--metric", v]),
    Case("warp", "--reg", None, "arrays", CTW),
    Case("warp", "--multiscale-radius", None, "arrays", ("--solver", "multiscale")),
    Case("warp", "--time-limit", None, "arrays"),
    Case("warp", "--refine", "for music", "audio", ("--preset", "music")),
    Case("warp", "--refine", "for speech", "audio", ("--preset", "speech")),
    Case("warp", "--refine", "otherwise", "arrays"),
    Case("warp", "--skip-pauses", "for speech", "audio", ("--preset", "speech")),
    Case("warp", "--skip-pauses", "otherwise", "arrays"),
    Case(
        "warp",
        "--interpolation",
        "for speech",
        "audio",
        ("--preset", "speech", "--time-map", "tm.csv"),
    ),
    Case("warp", "--interpolation", "otherwise", "arrays", ("--time-map", "tm.csv")),
    Case("matrix", "--gamma", None, "arrays", ("--soft",)),
    Case("barycenter", "--tol", "for soft", "arrays"),
    Case("barycenter", "--tol", "for dba", "arrays", ("--averaging", "dba")),
    Case("barycenter", "--max-iter", "for soft", "arrays"),
    Case("barycenter", "--max-iter", "for dba", "arrays", ("--averaging", "dba")),
    Case(
        "barycenter",
        "--weights",
        None,
        "arrays",
        (),
        lambda v: ["--weights", f"{v.split()[0]},{v.split()[0]}"],
    ),
    Case("segment", "--search", None, "arrays"),
    Case("segment", "--search", "with --n-bkps", "arrays", ("--n-bkps", "2")),
    Case("segment", "--search", "beyond 20,000 frames", "long", ("--n-bkps", "1")),
    Case("segment", "--search", "with --n-bkps", "arrays", ("--n-bkps", "1:2")),
    Case("segment", "--penalty", None, "arrays"),
    Case("segment", "--min-size", "for normal", "arrays", ("--cost", "normal")),
    Case("segment", "--min-size", "else", "arrays"),
    Case("segment", "--width", None, "arrays", ("--search", "window")),
    Case("evaluate", "--margin", None, "segmentation"),
    Case("evaluate", "--convention", "against TCPD's annotations", "segmentation"),
    Case("evaluate", "--convention", "else", "plain lists"),
    Case("evaluate", "--tolerance", None, "alignment", (), _repeat("--tolerance")),
    Case("evaluate", "--at", None, "alignment"),
]


def _constant(module: str, name: str) -> Callable[[], Any]:
    def get() -> Any:
        import importlib

        value = getattr(importlib.import_module(module), name)
        return value if isinstance(value, tuple) else (value,)

    return get


#: (command or None for every command, flag) -> the library values its help must quote.
CONSTANTS: dict[tuple[str | None, str], Callable[[], Any]] = {
    (None, "--time-column"): _constant("seqalign.io.tables", "TIME_COLUMN_NAMES"),
    (None, "--max-memory"): lambda: (
        ("half",) if _constant("seqalign.config", "MEMORY_FRACTION")() == (0.5,) else ("?",)
    ),
    ("warp", "--time-limit"): _constant("seqalign.warping.planner", "LINEAR_TIME_LIMIT"),
    ("warp", "--verify"): _constant("seqalign.warping.planner", "VERIFY_TIME_LIMIT"),
    ("warp", "--multiscale-radius"): _constant("seqalign.warping.multiscale", "DEFAULT_RADIUS"),
    ("warp", "--components"): _constant("seqalign.crossmodal.ctw", "DEFAULT_COMPONENTS"),
    ("warp", "--reg"): _constant("seqalign.crossmodal.ctw", "DEFAULT_REG"),
    ("segment", "--search"): _constant("seqalign.changepoints.search", "DYNP_MAX_FRAMES"),
    ("segment", "--width"): _constant("seqalign.changepoints.search", "DEFAULT_WIDTH"),
    ("segment", "--penalty"): _constant("seqalign.changepoints.penalties", "DEFAULT_PENALTY"),
    ("segment", "--wait"): _constant("seqalign.tasks.online", "WAIT_SECONDS"),
    ("evaluate", "--margin"): _constant("seqalign.cli.evaluate", "DEFAULT_MARGIN"),
    ("evaluate", "--tolerance"): _constant("seqalign.cli.evaluate", "DEFAULT_TOLERANCES"),
}

#: (command or None, flag) -> why its prose default is not run here.
UNCHECKED = {
    (None, "--key"): "reader: tests/test_io.py",
    (None, "--column"): "reader: tests/test_io.py",
    (None, "--input-format"): "reader: tests/test_io.py",
    (None, "--kernel-gamma"): "data-dependent: tests/test_kernel_metrics.py",
    (None, "--jobs"): "threads or processes, not visible in the output",
    ("barycenter", "--length"): "data-dependent: tests/test_barycenter.py",
    ("matrix", "--references"): "the square matrix: tests/test_cli_matrix.py",
    ("segment", "--kernel-gamma"): "the median heuristic: tests/test_segment.py",
    ("segment", "--noise"): "estimated: tests/test_segment.py",
    ("segment", "--max-delay"): "never forced: tests/test_online.py",
    ("evaluate", "--kind"): "from the content: tests/test_cli_evaluate.py",
    ("evaluate", "--dataset"): "TCPD files: tests/test_cli_evaluate.py",
    ("evaluate", "--n"): "TCPD files: tests/test_cli_evaluate.py",
    ("evaluate", "--rate"): "from a path file: tests/test_cli_evaluate.py",
    ("follow", "--metric"): "by preset and input: tests/test_cli_follow.py",
    ("follow", "--features"): "by preset: tests/test_cli_follow.py",
    ("follow", "--hop-length"): "by preset: tests/test_cli_follow.py",
    ("follow", "--live-format"): "from the input: tests/test_cli_follow.py",
    ("follow", "--max-run"): "by preset: tests/test_cli_follow.py",
    ("warp", "--match-tempo"): "the output has the ratio, not the flag: tests/test_tempo.py",
}


def _listed(table: dict, command: str, flag: str) -> bool:
    return (command, flag) in table or (None, flag) in table


def test_every_prose_default_is_checked():
    cased = {(case.command, case.option) for case in CASES}
    loose = [
        (command, flag)
        for command, flag, _, default in _prose_defaults()
        if default in (None, ())
        and (command, flag) not in cased
        and not _listed(CONSTANTS, command, flag)
        and not _listed(UNCHECKED, command, flag)
    ]
    assert loose == [], "add a case, a constant or a reason for these defaults"


@pytest.mark.parametrize(
    ("command", "flag"), [key for key in CONSTANTS if key[0] is not None] + [
        (command, flag) for command, flag, _, _ in _prose_defaults() if (None, flag) in CONSTANTS
    ],
)  # fmt: skip
def test_stated_defaults_quote_the_library(command, flag):
    stated = next(s for c, f, s, _ in _prose_defaults() if (c, f) == (command, flag))
    numbers = {float(n.replace(",", "")) for n in _NUMBER.findall(stated)}
    get = CONSTANTS.get((command, flag)) or CONSTANTS[(None, flag)]
    for value in get():
        if isinstance(value, str):
            assert re.search(rf"\b{re.escape(value)}\b", stated), (value, stated)
        else:
            assert float(value) in numbers, (value, stated)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    import soundfile

    folder = tmp_path_factory.mktemp("help")
    rng = np.random.default_rng(3)
    steps = np.repeat([0.0, 4.0, 1.0, 6.0], 60)[:, None] + 0.3 * rng.normal(size=(240, 1))
    np.save(folder / "s.npy", steps)
    np.save(folder / "long.npy", np.r_[np.zeros(10_000), np.ones(10_001)] + 0.1 * rng.normal(
        size=20_001))  # fmt: skip
    np.save(folder / "a.npy", rng.normal(size=(12, 2)).cumsum(0))
    np.save(folder / "b.npy", rng.normal(size=(15, 2)).cumsum(0))
    t = np.arange(int(0.3 * 22050)) / 22050
    for name, f in (("a.wav", 330.0), ("b.wav", 440.0)):
        soundfile.write(folder / name, (0.5 * np.sin(2 * np.pi * f * t * (1 + t))), 22050)
    (folder / "pred.json").write_text("[63, 118, 181]")
    (folder / "truth.json").write_text(json.dumps({"1": [60, 120], "2": [60, 180]}))
    (folder / "truth.txt").write_text("60\n120\n180\n")
    rows = [f"{i},{j},{i / 10},{j / 10}" for i, j in ((0, 0), (1, 1), (2, 1), (3, 2), (4, 4))]
    (folder / "path.csv").write_text("\n".join(["a_index,b_index,a_time,b_time", *rows]) + "\n")
    (folder / "truth.csv").write_text("a_time,b_time\n0,0\n0.2,0.15\n0.4,0.4\n")
    path = {name: str(folder / name) for name in ("s.npy", "long.npy", "a.npy", "b.npy", "a.wav",
            "b.wav", "pred.json", "truth.json", "truth.txt", "path.csv", "truth.csv")}  # fmt: skip
    pairs = {"arrays": [path["a.npy"], path["b.npy"]], "audio": [path["a.wav"], path["b.wav"]]}
    return {
        **pairs,
        "segment arrays": [path["s.npy"]],
        "segment audio": [path["a.wav"]],
        "segment long": [path["long.npy"]],
        "evaluate segmentation": [path["pred.json"], path["truth.json"], "--n", "240"],
        "evaluate plain lists": [path["pred.json"], path["truth.txt"], "--n", "240"],
        "evaluate alignment": [path["path.csv"], path["truth.csv"]],
    }


def _run(folder: Path, args: list[str], ignore: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """Run ``seqalign ARGS`` in ``folder``: standard output and the files it wrote (JSON
    parsed, without the keys ``ignore``)."""
    folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        outcome = cli(*args)
    assert outcome.code == 0, (args, outcome.stderr)
    files: dict[str, Any] = {}
    for path in folder.iterdir():
        files[path.name] = path.read_bytes()
        if path.suffix == ".json":
            record = json.loads(files[path.name])
            files[path.name] = {k: v for k, v in record.items() if k not in ignore}
    return outcome.stdout, files


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.command} {c.option} {c.condition}")
def test_the_stated_default_is_what_the_command_does(case, inputs, tmp_path):
    option = next(p for p in _options(case.command) if case.option in p.opts)
    stated = _stated(_help(case.command, option))
    assert stated is not None, f"seqalign {case.command} {case.option} states no default"
    clause = _clause(stated, case.condition)
    typed = case.typed(clause) if case.typed else [case.option, clause.split()[0]]
    files = inputs.get(f"{case.command} {case.inputs}") or inputs[case.inputs]
    args = [case.command, *files, *case.extra, "-q"]
    if case.command != "soft" and "-o" not in case.extra:
        args += ["-o", "out.json"]
    left_out = _run(tmp_path / "default", args, case.ignore)
    given = _run(tmp_path / "typed", [*args, *typed], case.ignore)
    assert given == left_out, f"seqalign {case.command} {' '.join(typed)} is not its default"


# -- counts in summaries and messages --------------------------------------------------------

_ONE_MANY = re.compile(r"(?<![\w.,:-])1 (?!s\b)[a-z]+s\b")  # "1 frames", "1 changes"...


@pytest.mark.parametrize(
    ("args", "singular"),
    [
        (["warp", "u1.npy", "u2.npy", "--band", "1", "--solver", "multiscale", "--verify"],
         ["x 1 feature,", "radius 1 frame of B"]),
        (["warp", "u1.npy", "u2.npy", "--cross-modal", "ctw"], ["1 component,"]),
        (["segment", "u1.npy", "-k", "1"], ["x 1 feature"]),
        (["matrix", "u1.npy", "u2.npy", "u3.npy", "--knn", "1"], ["x 1 neighbour ("]),
        (["matrix", "u1.npy", "u3.npy", "--band", "1"], ["band 1 frame)"]),
        (["barycenter", "u1.npy", "u2.npy", "--max-iter", "1"], ["of 30 frames x 1 feature",
                                                                 "after 1 iteration"]),
        (["segment", "u1.npy", "-k", "1", "--min-size", "20"],
         ["1 change does not fit in 30 frames"]),
        (["warp", "one_field.csv", "u1.npy"], ["line 3 has 1 field but"]),
        (["barycenter", "u1.npy", "u2.npy", "--weights", "1"], ["1 value for 2 files"]),
    ],
    ids=lambda v: " ".join(v[:2]) if isinstance(v, list) and v[0] in COMMANDS else None,
)  # fmt: skip
def test_a_count_of_one_is_singular(args, singular, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(1)
    for name, n in (("u1.npy", 30), ("u2.npy", 30), ("u3.npy", 25)):
        np.save(name, rng.normal(size=(n, 1)).cumsum(0))
    Path("one_field.csv").write_text("t,x\n0,1\n1\n")
    outcome = cli(*args, "-o", "out.csv")
    lines = [" ".join(line.split()) for line in outcome.stderr.splitlines()]
    assert not [line for line in lines if _ONE_MANY.search(line)], outcome.stderr
    text = " ".join(lines)
    for phrase in singular:
        assert phrase in text, (phrase, text)


@pytest.mark.parametrize("command", [c for c in COMMANDS if "--band" in _flags(c)])
def test_an_error_names_only_flags_of_its_command(command, inputs):
    outcome = cli(command, *inputs["arrays"], "--band", "2s")
    assert outcome.code == 2 and "--band 2s" in outcome.stderr, outcome.stderr
    assert set(_FLAG.findall(outcome.stderr)) <= _flags(command), outcome.stderr
