"""Starting fast and saying why when not: the compile notice on a cold numba cache,
``seqalign warmup``, numba started without ``scipy.linalg``, option values without pydantic.

The cold-cache tests run real processes with ``NUMBA_CACHE_DIR`` pointed at an empty folder;
they compile for real (about 10 s for a command, a minute or two for ``warmup``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from seqalign import config
from seqalign.cli import compiling, options
from seqalign.cli import main as cli_main
from seqalign.cli.coercion import _DECLINE, PlainValues, plain

NOTICE = "seqalign: compiling seqalign's kernels: first run only, about 10 s"


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Two 10 x 2 arrays and a six-row table in a fresh folder, the current directory."""
    rng = np.random.default_rng(0)
    np.save(tmp_path / "a.npy", rng.standard_normal((10, 2)))
    np.save(tmp_path / "b.npy", rng.standard_normal((10, 2)))
    rows = ["x,y", "1.0,2.0", "1.1,2.1", "0.9,1.9", "5.0,6.0", "5.1,6.2", "4.9,5.8"]
    (tmp_path / "six.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def seqalign(*args: str, cache: Path) -> subprocess.CompletedProcess:
    """``python -m seqalign ARGS`` with numba's cache in ``cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    env.pop("SEQALIGN_DEBUG", None)
    env.pop("SEQALIGN_COMPILE_NOTICE", None)  # the suite silences the notice; not here
    return subprocess.run(
        [sys.executable, "-m", "seqalign", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


# -- the notice ----------------------------------------------------------------------------


def test_a_cold_cache_says_once_that_kernels_compile(files):
    cache = files / "numba"
    first = seqalign("warp", "a.npy", "b.npy", cache=cache)
    assert first.returncode == 0, first.stderr
    lines = first.stderr.splitlines()
    assert lines[0] == NOTICE and lines.count(NOTICE) == 1
    assert first.stdout.startswith("a_index,b_index")
    again = seqalign("warp", "a.npy", "b.npy", cache=cache)
    assert again.returncode == 0 and NOTICE not in again.stderr
    assert again.stdout == first.stdout
    quiet = seqalign("segment", "six.csv", "-q", cache=cache)  # its kernels are still cold
    assert quiet.returncode == 0 and quiet.stderr == ""
    warm = seqalign("segment", "six.csv", cache=cache)
    assert warm.returncode == 0 and NOTICE not in warm.stderr


def test_the_notice_fires_once_and_only_for_seqalign_kernels(monkeypatch):
    said = []
    monkeypatch.setattr(config, "compile_notice", lambda: said.append(1))

    def compiling_in(module: str) -> dict:
        return {"dispatcher": SimpleNamespace(py_func=SimpleNamespace(__module__=module))}

    config._on_compile(compiling_in("librosa.util"))
    assert said == [] and config.compile_notice is not None
    config._on_compile(compiling_in("seqalign._kernels.dtw"))
    config._on_compile(compiling_in("seqalign._kernels.soft"))
    assert said == [1] and config.compile_notice is None


def test_quiet_arms_the_notice_for_its_command_only(monkeypatch):
    monkeypatch.delenv(compiling.SWITCH, raising=False)
    seen = []
    app = typer.Typer()

    @app.command()
    def job(quiet: options.Quiet = False) -> None:
        seen.append(config.compile_notice)

    assert CliRunner().invoke(app, []).exit_code == 0
    assert CliRunner().invoke(app, ["--quiet"]).exit_code == 0
    assert seen == [compiling.say, None]
    assert config.compile_notice is None
    monkeypatch.setenv(compiling.SWITCH, "0")
    assert CliRunner().invoke(app, []).exit_code == 0
    assert seen[-1] is None


# -- seqalign warmup -----------------------------------------------------------------------


def test_warmup_compiles_what_the_commands_use(files):
    cache = files / "numba"
    done = seqalign("warmup", cache=cache)
    assert done.returncode == 0 and done.stdout == ""
    summary = re.fullmatch(
        r"seqalign: warmup: (\d+) kernel signatures compiled, 0 loaded from the cache, "
        r"in \d+\.\d s \(cache: (.+)\)\n",
        done.stderr,
    )
    assert summary and int(summary[1]) > 0 and summary[2] == str(cache)
    for args in (
        ("warp", "a.npy", "b.npy"),
        ("warp", "a.npy", "b.npy", "--time-map", "map.csv"),
        ("warp", "a.npy", "b.npy", "--step-pattern", "symmetric2", "--band", "2"),
        ("soft", "a.npy", "b.npy", "--divergence"),
        ("segment", "six.csv"),
        ("segment", "six.csv", "--cost", "rbf", "--search", "binseg", "-k", "1"),
        ("matrix", "a.npy", "b.npy", "six.csv"),
        ("barycenter", "a.npy", "b.npy", "-o", "mean.npy"),
        ("segment", "a.npy", "--cost", "shape", "--width", "2", "--min-size", "4", "-k", "1"),
        ("search", "a.npy", "b.npy", "--query-end", "4", "-k", "2", "--band", "1"),
    ):
        run = seqalign(*args, cache=cache)
        assert run.returncode == 0, (args, run.stderr)
        assert NOTICE not in run.stderr, args
    again = seqalign("warmup", cache=cache)
    assert again.returncode == 0
    assert again.stderr.startswith("seqalign: warmup: 0 kernel signatures compiled, ")
    assert seqalign("warmup", "-q", cache=cache).stderr == ""


def test_warmup_summary(monkeypatch, capfd):
    import seqalign.warmup

    done = seqalign.warmup.WarmUp(compiled=3, loaded=4, seconds=1.26, cache_dir="/c")
    monkeypatch.setattr(seqalign.warmup, "warm_up", lambda: done)
    assert cli_main.main(["warmup"]) == 0
    assert capfd.readouterr() == (
        "",
        "seqalign: warmup: 3 kernel signatures compiled, 4 loaded from the cache, in 1.3 s "
        "(cache: /c)\n",
    )
    assert cli_main.main(["warmup", "--quiet"]) == 0
    assert capfd.readouterr() == ("", "")


def test_warmup_help_says_what_it_is_for(capfd):
    assert cli_main.main(["warmup", "--help"]) == 0
    out = " ".join(capfd.readouterr().out.split())
    assert "container image" in out and "NUMBA_CACHE_DIR" in out


# -- what starting costs -------------------------------------------------------------------


def test_numba_starts_without_scipy_linalg():
    """numba's BLAS check is answered by scipy.linalg.cython_blas alone; scipy.linalg still
    imports and works afterwards (soft barycenters minimise with scipy.optimize)."""
    code = (
        "import sys, numpy as np, seqalign\n"
        "seqalign.dtw(np.arange(4.0), np.arange(5.0))\n"
        "assert 'scipy.linalg' not in sys.modules\n"
        "import scipy.linalg\n"
        "from scipy.linalg import cython_blas\n"
        "assert cython_blas is scipy.linalg.cython_blas is sys.modules[cython_blas.__name__]\n"
        "assert scipy.linalg.solve(np.eye(2), np.ones(2)).tolist() == [1.0, 1.0]\n"
        "seqalign.barycenter([np.zeros((4, 1)), np.ones((5, 1))], max_iter=2)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"


INT_TEXTS = ["0", "7", "-3", "512", "007", "+5", " 5", "5 ", "1e3", "1.0", "0x10", "1_000",
             "99999999999999999999", "abc", "", "-0"]  # fmt: skip
FLOAT_TEXTS = ["0", "2.5", "-0.5", "1e-3", "1E5", "10", "inf", "nan", "1e400", ".5", "5.",
               "1_0.0", " 1", "0.1", "123456789.123456789e-12", "-"]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "text"), [(int, t) for t in INT_TEXTS] + [(float, t) for t in FLOAT_TEXTS]
)
def test_plain_values_agree_with_typer(kind, text):
    from typer._adapters import build_adapter
    from typer.models import OptionInfo

    value = plain(kind, text)
    if value is not _DECLINE:  # else typer's own converter decides
        expected = build_adapter(kind, OptionInfo()).validate_python(text)
        assert type(value) is type(expected) and value == expected


def test_plain_values_keep_typer_results_and_errors():
    def app(cls: type) -> typer.Typer:
        app = typer.Typer()

        @app.command(cls=cls)
        def job(
            name: str,
            count: int = typer.Option(3),
            scale: float = typer.Option(1.5),
            tag: list[str] | None = typer.Option(None),
            flag: bool = False,
        ) -> None:
            typer.echo(repr((name, count, scale, tag, flag)))

        return app

    class Plain(PlainValues, typer.core.TyperCommand):
        pass

    cases = [
        ["x"],
        ["x", "--count", "12", "--scale", "2e-3", "--tag", "a", "--tag", "b", "--flag"],
        ["x", "--count", "1.5"],
        ["x", "--scale", "two"],
        ["x", "--help"],
    ]
    for args in cases:
        ours = CliRunner().invoke(app(Plain), args)
        theirs = CliRunner().invoke(app(typer.core.TyperCommand), args)
        assert (ours.exit_code, ours.output) == (theirs.exit_code, theirs.output), args
