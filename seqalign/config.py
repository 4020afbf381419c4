"""Settings shared by the kernels and the API: numba flags, thresholds and the cache folder.

Importing this module (which every kernel does first) points numba's on-disk cache to a
user cache folder when the package folder is not writable, so ``cache=True`` keeps working
from a read-only install. numba checks a cached function against its own file only, not
against the kernels it calls from other files, so a cache we own is emptied whenever any
kernel source changes (:func:`_drop_stale_cache`): an upgrade never runs stale machine code.
The check compares a stamp of the sources' sizes and modification times, a few ``stat``
calls per start.

:func:`start_numba` (run by ``seqalign._kernels`` before the first kernel is defined) makes
numba's first call cheaper and lets :data:`compile_notice` say when kernels compile.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

#: File in the cache folder that records the kernel sources its machine code was built from.
STAMP = "seqalign-kernels.stamp"

#: Called once, just before numba compiles the first of seqalign's kernels it has no valid
#: cache for (a first run, or the first after an upgrade), then reset to None. The command
#: line sets it to print a notice; None (the default) says nothing.
compile_notice: Callable[[], None] | None = None

_started = False


def _choose_cache_dir() -> None:
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    package_dir = Path(__file__).resolve().parent
    if os.access(package_dir / "_kernels", os.W_OK):
        _drop_stale_cache(package_dir / "_kernels" / "__pycache__")
        return
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    os.environ["NUMBA_CACHE_DIR"] = str(Path(base) / "seqalign" / "numba")
    _drop_stale_cache(Path(os.environ["NUMBA_CACHE_DIR"]))


def cache_dir() -> Path:
    """The folder where numba keeps the kernels' machine code (``NUMBA_CACHE_DIR``, else
    the package's ``_kernels/__pycache__``)."""
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(__file__).resolve().parent / "_kernels" / "__pycache__"


def _fingerprint() -> str:
    """Name, size and modification time of every kernel source (and of this file), which
    cached machine code depends on: any edit or reinstall changes it."""
    package_dir = Path(__file__).resolve().parent
    lines = []
    for path in sorted((package_dir / "_kernels").glob("*.py")) + [Path(__file__).resolve()]:
        status = path.stat()
        lines.append(f"{path.name} {status.st_size} {status.st_mtime_ns}\n")
    return "".join(lines)


def _drop_stale_cache(root: Path) -> None:
    """Delete numba's cache files under ``root`` (ours only) when the kernels have changed."""
    stamp = root / STAMP
    try:
        current = _fingerprint()
        if stamp.is_file() and stamp.read_text() == current:
            return
        if root.is_dir():
            for pattern in ("*.nbi", "*.nbc"):
                for path in root.rglob(pattern):
                    path.unlink(missing_ok=True)
        root.mkdir(parents=True, exist_ok=True)
        stamp.write_text(current)
    except OSError:  # pragma: no cover - an unwritable cache: numba copes on its own
        pass


def _preload_blas() -> None:
    """Load ``scipy.linalg.cython_blas`` on its own, before numba looks for it.

    At its first compilation or cache load numba checks that BLAS is there with ``import
    scipy.linalg.cython_blas``, which imports all of ``scipy.linalg`` first: a quarter of a
    second, more than the rest of a small job. The kernels use no BLAS; loading the one
    extension module (a few milliseconds) answers the check. A later ``import scipy.linalg``
    works as usual, reusing the module (:class:`_BlasAttribute`). Where scipy is laid out
    otherwise, nothing is done.
    """
    name = "scipy.linalg.cython_blas"
    if name in sys.modules or "scipy.linalg" in sys.modules:
        return
    import importlib.machinery
    import importlib.util

    try:
        scipy = importlib.util.find_spec("scipy")
        if scipy is None or not scipy.submodule_search_locations:
            return
        folder = Path(next(iter(scipy.submodule_search_locations))) / "linalg"
        paths = [
            folder / f"cython_blas{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES
        ]
        found = [path for path in paths if path.is_file()]
        spec = importlib.util.spec_from_file_location(name, found[0]) if found else None
        if spec is None or spec.loader is None:
            return
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        sys.meta_path.insert(0, _BlasAttribute)  # type: ignore[arg-type]
    except Exception:  # pragma: no cover - numba imports scipy.linalg itself, as usual
        return


class _BlasAttribute:
    """Import hook that gives ``scipy.linalg`` its ``cython_blas`` attribute once imported
    (the import system sets it only when it loads the submodule itself), then leaves."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> object:
        if name != "scipy.linalg":
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)  # type: ignore[arg-type]
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: object) -> None:
            run(module)
            if _BlasAttribute in sys.meta_path:
                sys.meta_path.remove(_BlasAttribute)  # type: ignore[arg-type]
            module.cython_blas = sys.modules.get("scipy.linalg.cython_blas")  # type: ignore[attr-defined]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _on_compile(data: dict) -> None:
    """numba is about to compile ``data["dispatcher"]`` (no valid cache for it)."""
    global compile_notice
    module = getattr(getattr(data.get("dispatcher"), "py_func", None), "__module__", "")
    if compile_notice is not None and module.startswith("seqalign."):
        notice, compile_notice = compile_notice, None
        notice()


def start_numba() -> None:
    """Prepare numba for seqalign's kernels: preload BLAS (:func:`_preload_blas`) and call
    :data:`compile_notice` before the first kernel compiles. Idempotent."""
    global _started
    if _started:
        return
    _started = True
    _preload_blas()
    from numba.core import event

    class _Compiling(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            _on_compile(ev.data or {})

        def on_end(self, ev: event.Event) -> None:
            pass

    event.register("numba:compile", _Compiling())


_choose_cache_dir()

#: Keyword arguments of every ``numba.njit`` in seqalign.
NJIT = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}

#: ``NJIT`` plus fused multiply-add contraction (``a * b + c`` in one rounding), for
#: kernels whose tests allow it (soft-DTW: it halves the forward pass; results stay within
#: float64 rounding of the naive loops). No other fast-math flag is ever used.
NJIT_FMA = {**NJIT, "fastmath": {"contract"}}

#: Fraction of the available physical memory a single computation may use by default.
MEMORY_FRACTION = 0.5

#: Bytes per cell of the direction matrix kept for backtracking.
DIRECTION_BYTES_PER_CELL = 1


def cost_group(n_features: int, n_rows: int) -> int:
    """Anti-diagonals whose local costs the DTW kernel computes together, block by block
    of rows, so that the rows of ``x`` and ``y`` stay in cache (1: one at a time).

    Worth it when each cost reads many features; the buffer is ``group * n_rows`` floats.
    """
    if n_features < 4:
        return 1
    return max(1, min(32, 2**22 // max(1, n_rows)))
