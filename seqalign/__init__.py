"""seqalign: continuous sequence alignment (DTW, soft-DTW, changepoints) from Python and the shell.

The public API is imported lazily so that ``import seqalign`` (and ``seqalign --help``)
stays fast; numba and librosa load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "dtw": "seqalign.align",
    "Alignment": "seqalign.align",
    "time_map": "seqalign.align",
    "cost_matrix": "seqalign.metrics",
    "SeqalignError": "seqalign.errors",
    "InputError": "seqalign.errors",
    "MemoryBudgetError": "seqalign.errors",
    "NoPathError": "seqalign.errors",
}

__all__ = [
    "Alignment",
    "InputError",
    "MemoryBudgetError",
    "NoPathError",
    "SeqalignError",
    "__version__",
    "cost_matrix",
    "dtw",
    "time_map",
]

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.align import Alignment, dtw, time_map
    from seqalign.errors import InputError, MemoryBudgetError, NoPathError, SeqalignError
    from seqalign.metrics import cost_matrix


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'seqalign' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
