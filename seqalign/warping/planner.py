"""How to compute a warping path: the methods, what each costs, and the automatic choice.

``full``
    exact; one byte per band cell for the backtrack (fastest while it fits).
``linear``
    exact, the same path; checkpoints instead of the direction matrix, so memory grows
    like ``n^(4/3)`` (tens of MB for hours of frames); one sweep plus a few per cent.
``multiscale``
    approximate; coarse-to-fine (Salvador & Chan 2007; Prätzlich, Driedger & Müller 2016):
    align downsampled copies, then refine in a band around the projected path. Memory and
    time grow linearly with the length.
``auto``
    ``full`` when it fits the memory budget, else ``linear`` when it fits and its estimated
    time is under ``time_limit`` seconds (default 300), else ``multiscale``; the choice and
    its reason are reported (:attr:`Choice.reason`). The distance alone needs ``O(n + m)``
    memory and is always exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seqalign import config, memory
from seqalign.errors import InputError, MemoryBudgetError
from seqalign.threads import cpu_count
from seqalign.validation import check_choice
from seqalign.warping.sweeps import SPAN_CELLS, SPAN_MIN_CELLS, Problem
from seqalign.warping.windows import Band

METHODS: dict[str, str] = {
    "auto": "full if it fits the memory budget, else linear if fast enough, else multiscale",
    "full": "exact; one byte per cell of the band for the backtrack",
    "linear": "exact, the same path, in about n^(4/3) memory (checkpoints); a little slower",
    "multiscale": "approximate coarse-to-fine: linear time and memory, for hours of frames",
}

#: Seconds of estimated work up to which ``auto`` takes the exact linear-memory path
#: rather than multiscale (a one-hour pair of 12-feature streams at 50 frames per second
#: takes about 2.5 minutes on 2 cores).
LINEAR_TIME_LIMIT = 300.0


#: Seconds of estimated work up to which a multiscale path is checked against the exact one
#: by default (``verify=None``).
VERIFY_TIME_LIMIT = 5.0


@dataclass(frozen=True)
class Choice:
    """The solver a computation uses and why."""

    solver: str
    reason: str
    bytes: int
    seconds: float


def check_time(seconds: float) -> float:
    """Validate a time limit in seconds (a non-negative number)."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(seconds, bool) or not value >= 0 or math.isinf(value):
        raise InputError(
            f"time_limit must be a number of seconds >= 0, got {seconds!r}", argument="time_limit"
        )
    return value


def resolve_method(method: str) -> str:
    """Validate a solver name (case-insensitive)."""
    return check_choice(method, METHODS, "solver")


def buffer_bytes(problem: Problem, cells: int, store: bool = True) -> int:
    """Bytes of the buffers of a sweep over ``cells`` cells (inputs, ring, costs, last row);
    ``store``: whether it keeps directions (no fused one-feature loop)."""
    n, m, d = problem.n, problem.m, max(1, problem.n_features)
    group = config.cost_group(d, n)
    need = 8 * (4 * n + m) + 8 * d * (n + m) + 32 * (n + m) + 8 * n * group
    if cells >= SPAN_MIN_CELLS and not problem.inline(store):
        need += 2 * 8 * max(2 * SPAN_CELLS, group * n)  # the threaded sweep's cost buffers
    return need


def sweep_seconds(cells: int, n_features: int) -> float:
    """Rough time of one sweep over ``cells`` cells on this machine's cores.

    Measured on a 2-core AMD EPYC (benchmarks/README.md, Long recordings): about
    ``1 + 0.48 d`` ns per cell on one core for long inputs, and 1.6 times faster on two
    (the sweep shared by rows); one feature runs a fused loop at about 1 ns per cell.
    """
    d = max(1, n_features)
    if d == 1:
        return cells * 1e-9
    speedup = 1.0 + 0.6 * (min(cpu_count(), 4) - 1)
    return cells * (1.0 + 0.48 * d) / speedup * 1e-9


def estimate(method: str, problem: Problem, band: Band, return_path: bool) -> tuple[int, float]:
    """``(bytes, seconds)`` a method needs for this problem (inputs not counted)."""
    from seqalign.warping import exact, multiscale

    seconds = sweep_seconds(band.area, problem.n_features)
    if not return_path:
        return buffer_bytes(problem, band.area, store=False), seconds
    base = buffer_bytes(problem, band.area)
    if method == "full":
        return base + band.area * config.DIRECTION_BYTES_PER_CELL, seconds
    if method == "linear":
        forward = buffer_bytes(problem, band.area, store=False)
        return forward + exact.linear_bytes(problem), seconds * 1.1
    cells = multiscale.estimate_cells(problem.n, problem.m)
    need = buffer_bytes(problem, cells // 2) + 2 * cells
    return need, sweep_seconds(cells, problem.n_features) + 0.1


def choose(
    method: str,
    problem: Problem,
    band: Band,
    return_path: bool,
    max_memory: int | None = None,
    time_limit: float = LINEAR_TIME_LIMIT,
) -> Choice:
    """The method to run: ``method`` itself when it fits the budget, or ``auto``'s pick.

    Raises
    ------
    MemoryBudgetError
        When the chosen method (or, for ``auto``, every method) needs more than the budget.
    """
    budget = memory.memory_budget(max_memory)
    fits = {}
    for name in ("full", "linear", "multiscale"):
        need, seconds = estimate(name, problem, band, return_path)
        fits[name] = (need, seconds, budget is None or need <= budget)
    shown = "no limit" if budget is None else memory.format_bytes(budget)
    if not return_path:
        need, seconds, ok = fits["full"]
        if not ok:
            _too_big("the distance", need, budget, "raise max_memory")
        return Choice("full", "the distance alone needs linear memory", need, seconds)
    if method != "auto":
        need, seconds, ok = fits[method]
        if not ok:
            _too_big(f"the {method} method", need, budget)
        return Choice(method, "asked for", need, seconds)
    need, seconds, ok = fits["full"]
    if ok:
        return Choice("full", f"its {memory.format_bytes(need)} fit the budget ({shown})",
                      need, seconds)  # fmt: skip
    why = f"the full path needs {memory.format_bytes(need)}, over the budget ({shown})"
    need, seconds, ok = fits["linear"]
    if ok and seconds <= time_limit:
        why += f"; the exact linear-memory path needs {memory.format_bytes(need)}"
        return Choice("linear", f"{why} and about {seconds:.0f} s", need, seconds)
    if ok:
        why += f"; the exact linear-memory path would take about {seconds:.0f} s"
    else:
        why += f"; the exact linear-memory path needs {memory.format_bytes(need)}"
    need, seconds, ok = fits["multiscale"]
    if not ok:
        raise MemoryBudgetError(
            f"{why}; even the multiscale method needs {memory.format_bytes(need)}: raise "
            "max_memory or narrow the window (radius)",
            argument="max_memory",
        )
    return Choice("multiscale", f"{why}: approximate multiscale instead "
                  "(ask for the linear method to force the exact path)", need, seconds)  # fmt: skip


def affordable(method: str, problem: Problem, band: Band, max_memory: int | None = None,
               time_limit: float = VERIFY_TIME_LIMIT) -> bool:  # fmt: skip
    """Whether ``method``'s path fits the budget and is estimated under ``time_limit`` s."""
    budget = memory.memory_budget(max_memory)
    need, seconds = estimate(method, problem, band, True)
    return (budget is None or need <= budget) and seconds <= time_limit


def _too_big(what: str, need: int, budget: int | None, hint: str = "") -> None:
    hint = hint or (
        "use the linear or multiscale method, narrow the window (radius), or raise max_memory"
    )
    raise MemoryBudgetError(
        f"{what} needs {memory.format_bytes(need)} but the memory budget is "
        f"{memory.format_bytes(budget or 0)}; {hint}",
        argument="max_memory",
    )
