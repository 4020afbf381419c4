"""The house layering: kernels import nothing of ours but config; cli never imports kernels;
io never imports the API or the kernels; the API never imports io, cli, tasks or batch; no
module takes another's private names; no import cycles; CPUs are counted in one place."""

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


#: The API: what validates, builds inputs, calls kernels and returns results.
API = ("warping", "soft", "matrix", "changepoints", "crossmodal", "subsequence", "localcosts.py",
       "evaluate.py")  # fmt: skip
#: What sits above the API (orchestration and the shell).
ABOVE_API = ("seqalign.cli", "seqalign.tasks", "seqalign.batch")


@pytest.mark.parametrize("path", _modules("io"), ids=lambda p: p.name)
def test_io_is_beside_the_api(path):
    """Readers may compute audio features (:mod:`seqalign.audio`), nothing of the API."""
    bad = ("seqalign._kernels", *(f"seqalign.{a.removesuffix('.py')}" for a in API), *ABOVE_API)
    assert not [n for n in _imports(path) if n.startswith(bad)]


def _api_files() -> list[Path]:
    return sorted(
        p for a in API for p in ([PACKAGE / a] if a.endswith(".py") else _modules(a))
    )  # fmt: skip


@pytest.mark.parametrize("path", _api_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_api_never_imports_io_or_what_sits_above_it(path):
    """The API takes arrays and returns results: files are the tasks' business, and a Dask
    client or a thread count comes from :mod:`seqalign.threads`, not from batch."""
    imported = _imports(path)
    assert "seqalign.io" not in imported
    assert not [n for n in imported if n.startswith(("seqalign.io.", *ABOVE_API))]


def test_cpus_are_counted_in_one_place():
    """Only :mod:`seqalign.threads` asks the OS how many CPUs there are, and it honours the
    process's affinity; elsewhere ``os.cpu_count()`` would oversubscribe a container."""
    callers = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if path.name != "threads.py" and ("os.cpu_count" in text or "sched_getaffinity" in text):
            callers.append(str(path.relative_to(PACKAGE)))
    assert not callers, f"{callers} count CPUs: use seqalign.threads.cpu_count"


#: One concern per module is the rule; a module past this many lines is an alarm that it holds
#: more than one (not a target to split at).
ALARM_LINES = 800


def test_no_module_passes_the_alarm():
    big = [p.name for p in PACKAGE.rglob("*.py") if len(p.read_text().splitlines()) > ALARM_LINES]
    assert not big, f"{big}: past {ALARM_LINES} lines; does each hold one concern?"


#: The most parameters a kernel may take: group a band, packed inputs or settings into one
#: tuple instead (numba takes tuples of arrays and scalars).
MAX_KERNEL_PARAMETERS = 10


@pytest.mark.parametrize("path", _modules("_kernels"), ids=lambda p: p.name)
def test_kernels_take_at_most_ten_parameters(path):
    """Fails when a function in ``seqalign/_kernels`` takes more than 10 parameters: pass a
    band as ``(dlo, dhi, doff)``, the local cost's inputs as ``(xt, yr, cmat, metric)``,
    packed sequences as ``(packed, offsets, lengths)`` and settings as one tuple."""
    wide = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            a = node.args
            count = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
            count += (a.vararg is not None) + (a.kwarg is not None)
            if count > MAX_KERNEL_PARAMETERS:
                wide.append(f"{node.name} ({count})")
    assert not wide, f"{path.name}: {wide} take more than {MAX_KERNEL_PARAMETERS} parameters"


# -- private names and import cycles ------------------------------------------------------------
#
# Both tests read the source with ``ast`` (nothing is imported). A module is named by its path
# (``seqalign/soft/api.py`` -> ``seqalign.soft.api``, a package by its ``__init__.py``);
# relative imports are resolved against it.

ROOT = PACKAGE.parent
#: Folders whose files may not take another module's private names (tests may: white-box tests
#: of a module reach into its privates, which is what they are for).
PUBLIC_ONLY = ("seqalign", "benchmarks")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _source(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``import from`` in ``module`` reads."""
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if not is_package:
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _type_checking_only(tree: ast.AST) -> set[ast.AST]:
    """The nodes under ``if TYPE_CHECKING:``, which never run."""
    skipped: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in node.body:
                skipped.update(ast.walk(child))
    return skipped


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(text: str, module: str, is_package: bool = False) -> list[str]:
    """Each use in the source ``text`` of ``module`` of another seqalign module's private
    name: ``from seqalign.x import _y``, and ``x._y`` where ``x`` was bound by ``import
    seqalign.x [as x]`` or ``from seqalign import x``. A private *module* (``seqalign._kernels``)
    is not a private name: the layer tests above say who may import it."""
    tree = ast.parse(text)
    bound: dict[str, str] = {}  # local name -> the seqalign module it is bound to
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "seqalign":
                    bound[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _source(module, is_package, node)
            if source.split(".")[0] != "seqalign":
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if full in MODULES:
                    bound[alias.asname or alias.name] = full
                elif _private(alias.name) and source != module:
                    found.append(f"line {node.lineno}: from {source} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain, value = [], node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in bound:
                owner = ".".join([bound[value.id], *reversed(chain)])
                if owner != module:
                    found.append(f"line {node.lineno}: {owner}.{node.attr}")
    return found


def _public_only_files() -> list[Path]:
    return sorted(p for folder in PUBLIC_ONLY for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize(
    "path", _public_only_files(), ids=lambda p: str(p.relative_to(ROOT))
)  # fmt: skip
def test_no_module_takes_another_modules_private_names(path):
    """A helper that two modules share is public in its home module, with a docstring."""
    uses = private_uses(path.read_text(), _module_name(path), path.name == "__init__.py")
    assert not uses, f"{path.relative_to(ROOT)} takes private names of other modules: {uses}"


def import_graph() -> dict[str, set[str]]:
    """Module -> the seqalign modules it imports, at module level or inside a function (a lazy
    import is still a dependency: it only runs later), but not under ``TYPE_CHECKING``.

    ``from seqalign.pkg import name`` depends on ``seqalign.pkg.name`` when that is a module,
    else on ``seqalign.pkg``. Importing ``seqalign.a.b`` also runs ``seqalign/a/__init__.py``,
    but that implicit edge to a parent package is not counted (a package that imports its own
    modules would otherwise always close a cycle); an explicit ``from seqalign.a import name``
    inside ``seqalign.a.b`` is.
    """
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        skipped = _type_checking_only(tree)
        targets = set()
        for node in ast.walk(tree):
            if node in skipped:
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                source = _source(module, path.name == "__init__.py", node)
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    targets.add(full if full in MODULES else source)
        graph[module] = {t for t in targets if t in MODULES and t != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (``[a, b, ..., a]``), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_private_name_rule_sees_what_it_looks_for():
    """The check on source written to break it, so that a pass means something."""
    text = (
        "import seqalign.warping.align as align\n"
        "from seqalign.warping import sweeps\n"
        "from seqalign.changepoints.search import _positive_int, segment\n"
        "from ..warping.windows import _NEEDS_RADIUS\n"
        "from .sweep import _LOCAL\n"
        "def f():\n"
        "    return align._as_frames, sweeps._pool, segment, align.__name__\n"
    )
    assert sorted(private_uses(text, "seqalign.soft.probe")) == [
        "line 3: from seqalign.changepoints.search import _positive_int",
        "line 4: from seqalign.warping.windows import _NEEDS_RADIUS",
        "line 5: from seqalign.soft.sweep import _LOCAL",
        "line 7: seqalign.warping.align._as_frames",
        "line 7: seqalign.warping.sweeps._pool",
    ]
    assert private_uses("from seqalign.soft.sweep import _LOCAL", "seqalign.soft.sweep") == []


def test_no_import_cycles():
    """Module-level and lazy imports alike: a cycle hidden in a function still ties two
    modules into one (neither can be understood, tested or moved alone)."""
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
