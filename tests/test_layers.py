"""The house layering: kernels import nothing of ours but config; cli never imports kernels;
io never imports the API or the kernels."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "seqalign"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("seqalign.<relative>")
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("_kernels"), ids=lambda p: p.name)
def test_kernels_import_only_numpy_numba_and_config(path):
    for name in _imports(path):
        root = name.split(".")[0]
        assert root in {"numpy", "numba", "math", "__future__", "seqalign"}, name
        if root == "seqalign":
            assert name in {"seqalign", "seqalign.config"} or name.startswith(
                ("seqalign._kernels", "seqalign.config")
            ), name


@pytest.mark.parametrize("path", _modules("cli"), ids=lambda p: p.name)
def test_cli_never_imports_kernels(path):
    assert not [n for n in _imports(path) if n.startswith("seqalign._kernels")]


@pytest.mark.parametrize("path", _modules("io"), ids=lambda p: p.name)
def test_io_is_beside_the_api(path):
    bad = ("seqalign._kernels", "seqalign.warping.align", "seqalign.cli")
    assert not [n for n in _imports(path) if n.startswith(bad)]


#: One concern per module is the rule; a module past this many lines is an alarm that it holds
#: more than one (not a target to split at).
ALARM_LINES = 800


def test_no_module_passes_the_alarm():
    big = [p.name for p in PACKAGE.rglob("*.py") if len(p.read_text().splitlines()) > ALARM_LINES]
    assert not big, f"{big}: past {ALARM_LINES} lines; does each hold one concern?"
