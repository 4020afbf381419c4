"""Settings shared by the kernels and the API: numba flags, thresholds and the cache folder.

Importing this module (which every kernel does first) points numba's on-disk cache to a
user cache folder when the package folder is not writable, so ``cache=True`` keeps working
from a read-only install. numba checks a cached function against its own file only, not
against the kernels it calls from other files, so a cache we own is emptied whenever any
kernel source changes (:func:`_drop_stale_cache`): an upgrade never runs stale machine code.
"""

from __future__ import annotations

import os
from pathlib import Path


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


def _fingerprint() -> str:
    """A hash of every kernel source (and this file), which cached machine code depends on."""
    import hashlib

    digest = hashlib.sha256()
    package_dir = Path(__file__).resolve().parent
    for path in sorted((package_dir / "_kernels").glob("*.py")) + [Path(__file__).resolve()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _drop_stale_cache(root: Path) -> None:
    """Delete numba's cache files under ``root`` (ours only) when the kernels have changed."""
    stamp = root / "seqalign-kernels.sha256"
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
