"""Memory estimates and the budget a computation must fit in."""

from __future__ import annotations

import os

from seqalign import config
from seqalign.errors import InputError, MemoryBudgetError


def available_memory() -> int | None:
    """Bytes of physical memory available now (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_budget(max_memory: int | None = None) -> int | None:
    """The byte budget: ``max_memory`` if given, else a safe fraction of available memory."""
    if max_memory is not None:
        if isinstance(max_memory, bool) or int(max_memory) != max_memory or max_memory <= 0:
            raise InputError(
                f"max_memory must be a positive number of bytes, got {max_memory!r}",
                argument="max_memory",
            )
        return int(max_memory)
    available = available_memory()
    return None if available is None else int(available * config.MEMORY_FRACTION)


def require(
    need: float, what: str, advice: str, *, argument: str, max_memory: int | None = None
) -> None:
    """Raise :class:`MemoryBudgetError` unless ``need`` bytes fit in the budget
    (:func:`memory_budget`): "``what`` needs X, over the budget of Y; ``advice``".

    Examples
    --------
    >>> require(10, "a table", "use less", argument="n", max_memory=100)
    """
    budget = memory_budget(max_memory)
    if budget is not None and need > budget:
        raise MemoryBudgetError(
            f"{what} needs {format_bytes(need)}, over the budget of {format_bytes(budget)}; "
            f"{advice}",
            argument=argument,
        )


def format_bytes(n: float) -> str:
    """Human-readable size, e.g. ``1.5 GB``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover
