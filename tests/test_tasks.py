"""One task per job kind: a batch job writes what the command writes for the same options.

``seqalign warp`` / ``seqalign segment`` and a batch job of the same kind both run the task of
:mod:`seqalign.tasks`; these tests run both for a set of option combinations (the batch
options named as the registry names them, the flags taken from the registry) and compare the
outputs byte for byte, as CSV and as JSON (metadata included). The registry is checked too:
every option of warp and segment but the outputs is a batch column, and the defaults the
commands show are the task's.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from seqalign.batch import run_batch
from seqalign.batch.options import OPTIONS as BATCH_OPTIONS
from seqalign.options import FLAGS, OPTIONS, options_of
from tests.test_cli import cli

RNG = np.random.default_rng(13)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tasks")
    a = np.cumsum(RNG.normal(size=(30, 3)), axis=0)
    b = np.cumsum(RNG.normal(size=(40, 3)), axis=0)
    np.save(folder / "a.npy", a)
    np.save(folder / "b.npy", b)
    np.save(folder / "a_t.npy", a.T)  # (features, frames)
    np.save(folder / "b_t.npy", b.T)
    np.save(folder / "wide.npy", np.cumsum(RNG.normal(size=(36, 5)), axis=0))
    gappy = a.copy()
    gappy[4, 1] = np.nan
    np.save(folder / "gappy.npy", gappy)
    steps = np.repeat([[0.0, 0.0], [3.0, -2.0], [0.5, 1.0], [4.0, 4.0]], 20, axis=0)
    np.save(folder / "steps.npy", steps + RNG.normal(scale=0.3, size=steps.shape))
    np.save(folder / "steps_t.npy", (steps + RNG.normal(scale=0.3, size=steps.shape)).T)
    return folder


WARP_CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "defaults": ("a.npy", "b.npy", {}),
    "band, step pattern, metric": (
        "a.npy", "b.npy", {"band": "6", "step_pattern": "symmetric2", "metric": "cityblock"}
    ),
    "kernel metric": ("a.npy", "b.npy", {"metric": "rbf", "kernel_gamma": 0.5}),
    "polynomial": ("a.npy", "b.npy", {"metric": "polynomial", "degree": 2.0, "coef0": 0.5}),
    "linear solver": ("a.npy", "b.npy", {"solver": "linear"}),
    "multiscale, verify, anchors": (
        "a.npy", "b.npy",
        {"solver": "multiscale", "verify": True, "anchor": ["10f:12f", "20f:27f"],
         "multiscale_radius": 4},
    ),
    "time limit": ("a.npy", "b.npy", {"time_limit": 1.0}),
    "subsequence": ("a.npy", "b.npy", {"subsequence": True}),
    "open end, window": ("a.npy", "b.npy", {"open_end": True, "window": "sakoechiba",
                                            "band": "12"}),
    "rates and a band in seconds": ("a.npy", "b.npy", {"rate": 10.0, "rate_b": 20.0,
                                                       "band": "1s"}),
    "cross-modal": ("a.npy", "wide.npy", {"cross_modal": "ctw", "components": 2, "reg": 0.2}),
    "missing": ("gappy.npy", "b.npy", {"missing": "interpolate", "normalize": "zscore"}),
    "transpose": ("a_t.npy", "b_t.npy", {"transpose": True}),
}  # fmt: skip

SEGMENT_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "defaults": ("steps.npy", {}),
    "dynp": ("steps.npy", {"n_bkps": "3", "search": "dynp"}),
    "rbf": ("steps.npy", {"cost": "rbf", "kernel_gamma": 0.5, "penalty": "bic"}),
    "binseg": ("steps.npy", {"search": "binseg", "max_bkps": 3, "min_size": 3, "jump": 2}),
    "window": ("steps.npy", {"search": "window", "n_bkps": "3", "width": 10}),
    "a range of K": ("steps.npy", {"n_bkps": "1:3"}),
    "shape": ("steps.npy", {"cost": "shape", "width": 4, "n_bkps": "1"}),
    "shape, learnt": ("steps.npy", {"cost": "shape", "width": 4}),
    "crops": ("steps.npy", {"crops": "1:200"}),
    "transpose and rate": ("steps_t.npy", {"transpose": True, "rate": 10.0, "noise": 0.1}),
}


def _flags(options: dict[str, Any]) -> list[str]:
    """The command-line flags of registry options."""
    argv: list[str] = []
    for name, value in options.items():
        flag = OPTIONS[name].flag
        if value is True:
            argv.append(flag)
        elif isinstance(value, list):
            argv += [a for v in value for a in (flag, str(v))]
        else:
            argv += [flag, str(value)]
    return argv


def _batch(folder: Path, out: Path, row: dict[str, Any], fmt: str) -> Path:
    manifest = out.with_suffix(".jsonl")
    manifest.write_text(json.dumps({"id": "job", **row}) + "\n")
    report = run_batch(str(manifest), str(out), fmt=fmt, jobs=1)
    assert report.count("failed") == 0, (out / "failures.csv").read_text()
    (written,) = [p for p in out.iterdir() if p.name.startswith("job.")]
    return written


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("case", list(WARP_CASES))
def test_a_warp_job_writes_what_warp_writes(data, tmp_path, case, fmt):
    a, b, options = WARP_CASES[case]
    a, b = str(data / a), str(data / b)
    target = tmp_path / f"cli.{fmt}"
    outcome = cli("warp", a, b, *_flags(options), "-o", str(target), "-q")
    assert outcome.code == 0, outcome.stderr
    written = _batch(data, tmp_path / "out", {"a": a, "b": b, **options}, fmt)
    assert written.read_bytes() == target.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("case", list(SEGMENT_CASES))
def test_a_segment_job_writes_what_segment_writes(data, tmp_path, case, fmt):
    path, options = SEGMENT_CASES[case]
    path = str(data / path)
    target = tmp_path / f"cli.{fmt}"
    outcome = cli("segment", path, *_flags(options), "-o", str(target), "-q")
    assert outcome.code == 0, outcome.stderr
    written = _batch(data, tmp_path / "out", {"input": path, **options}, fmt)
    assert written.read_bytes() == target.read_bytes()


def test_a_failed_job_says_what_the_command_says(data, tmp_path):
    a, b = str(data / "a.npy"), str(data / "b.npy")
    outcome = cli("warp", a, b, "--solver", "multiscale", "--anchor", "99f:0f", "-q")
    assert outcome.code == 2
    row = {"a": a, "b": b, "solver": "multiscale", "anchor": "99f:0f"}
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"id": "job", **row}) + "\n")
    report = run_batch(str(manifest), str(tmp_path / "out"), jobs=1)
    assert report.count("failed") == 1
    (result,) = [r for r in report.results if r.status == "failed"]
    assert result.error in outcome.stderr


@pytest.mark.parametrize("command", ["warp", "segment"])
def test_every_option_of_the_command_is_a_batch_column(command):
    columns = {name for name, o in BATCH_OPTIONS.items() if command in o.tasks}
    expected = set(options_of(command, batch=True))
    assert columns == expected


@pytest.mark.parametrize("command", ["warp", "segment", "soft", "barycenter", "matrix"])
def test_the_command_is_built_from_the_registry_with_the_tasks_defaults(command):
    from seqalign.cli import main as cli_main
    from seqalign.tasks import align, barycenter, matrix, segment, soft

    settings = {
        "warp": align.AlignSettings,
        "segment": segment.SegmentSettings,
        "soft": soft.SoftSettings,
        "barycenter": barycenter.BarycenterSettings,
        "matrix": matrix.MatrixSettings,
    }[command]
    function = getattr(cli_main, command)
    parameters = inspect.signature(function).parameters
    registered = set(options_of(command))
    assert registered <= set(parameters)
    defaults = {f.name: f.default for f in dataclasses.fields(settings)}
    for name in registered:
        assert parameters[name].default == defaults.get(name), name


@pytest.mark.parametrize("command", ["evaluate", "batch"])
def test_the_commands_without_a_task_take_their_options_from_the_registry(command):
    from seqalign.cli import main as cli_main

    parameters = inspect.signature(getattr(cli_main, command)).parameters
    assert set(options_of(command)) <= set(parameters)


def test_the_layers_of_tasks_and_options():
    """tasks sit below the command line and the batch runner; the registry imports nothing
    heavy (``seqalign --help`` builds every command from it)."""
    import ast

    package = Path(__file__).resolve().parents[1] / "seqalign"
    for path in sorted((package / "tasks").glob("*.py")):
        tree = ast.parse(path.read_text())
        names = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not [n for n in names if n.startswith(("seqalign.cli", "seqalign.batch"))], path
    tree = ast.parse((package / "options.py").read_text())
    top = {n.module for n in tree.body if isinstance(n, ast.ImportFrom)}
    top |= {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    assert top <= {"__future__", "math", "collections.abc", "dataclasses", "typing",
                   "seqalign.errors"}, top  # fmt: skip


def test_one_table_of_flags_and_one_vocabulary():
    import seqalign.wording

    assert seqalign.wording.FLAGS is FLAGS
    assert FLAGS["gamma"] == "--gamma" and FLAGS["kernel_gamma"] == "--kernel-gamma"
    assert OPTIONS["solver"].flag == "--solver" and OPTIONS["search"].flag == "--search"
    # gamma is soft-DTW's smoothing only: the commands that take it all compute soft-DTW
    assert set(OPTIONS["gamma"].commands) == {"soft", "barycenter", "matrix"}
