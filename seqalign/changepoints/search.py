"""Changepoint segmentation: :func:`segment` (its result, :class:`Segmentation`, lives in
:mod:`seqalign.changepoints.result`).

A segmentation of ``n`` frames is given by its breakpoints in ruptures' convention: sorted,
the last one equal to ``n``; a breakpoint ``b`` starts a new segment at frame ``b``.

Searches (``method``), each over any cost of :mod:`seqalign.changepoints.costs`:

``pelt``
    The exact minimiser of ``sum of segment costs + penalty * changes`` (Killick,
    Fearnhead & Eckley 2012), ``O(n)`` memory; pruning keeps it near-linear in time
    when changes are spread out.
``dynp``
    The exact minimiser of the sum of segment costs for a fixed number of changes
    (segment neighbourhood; Auger & Lawrence 1989), ``O(K n^2)`` time. With a penalty
    and ``max_bkps``, the number of changes ``K <= max_bkps`` minimising the penalised sum.
``binseg``
    Greedy binary segmentation (Scott & Knott 1974): split where the cost falls most.
``bottomup``
    Greedy bottom-up merging (Keogh et al. 2001) of a fine halving partition.
``window``
    Peaks of a sliding-window discrepancy (``width`` frames on each side... in total).

For the greedy searches (binseg, bottomup), a penalty picks, along the greedy sequence of
segmentations, the number of changes minimising ``cost + penalty * changes`` (the rule of
R changepoint's BinSeg and TCPDBench); ruptures instead stops at the first split whose gain
is below the penalty. Both agree when gains decrease along the sequence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from seqalign import memory
from seqalign._kernels import seggreedy, segsearch
from seqalign.changepoints.costs import (
    SHAPE,
    CostSpec,
    PreparedCost,
    get_cost,
    noise_scale,
    prepare_cost,
    prepared_bytes,
)
from seqalign.changepoints.penalties import DEFAULT_PENALTY, Penalty, resolve_penalty
from seqalign.changepoints.result import Segmentation
from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.validation import as_frames, check_choice, check_whole

METHODS = {
    "pelt": "exact, penalised (Killick et al. 2012)",
    "dynp": "exact, fixed number of changes (segment neighbourhood)",
    "binseg": "greedy binary segmentation",
    "bottomup": "greedy bottom-up merging",
    "window": "sliding-window discrepancy peaks",
}

#: Frames above which a fixed number of changes uses binseg rather than dynp by default.
DYNP_MAX_FRAMES = 20_000

#: Window width (frames) of the window method when none is given.
DEFAULT_WIDTH = 100


def as_signal(x: ArrayLike, name: str = "x") -> np.ndarray:
    """``x`` as a finite float64 array ``(n_frames, n_features)`` (1-D: one feature), with at
    least 2 frames (a single frame has nothing to segment)."""
    return as_frames(x, name, min_frames=2, purpose="segmentation")


def max_changes(n: int, min_size: int, jump: int) -> int:
    """Most changes a segmentation of ``n`` frames allows (segments >= min_size, breakpoints
    on multiples of ``jump``); -1 when even one segment is too short.

    Examples
    --------
    >>> max_changes(10, 3, 1), max_changes(2, 3, 1)
    (2, -1)
    """
    step = ((min_size + jump - 1) // jump) * jump  # shortest segment ending on the grid
    if n < min_size:
        return -1
    return max((n - min_size) // step, 0)


@dataclass(frozen=True)
class Problem:
    """A signal prepared for the search kernels under one cost: what :func:`segment` and
    :mod:`seqalign.changepoints.ranges` search over (built by :func:`make_problem`)."""

    spec: CostSpec
    prepared: PreparedCost
    n: int
    min_size: int
    jump: int
    scale: float

    def call(self, function, *args):
        """``function(code, data, param, work, *args)``: a search kernel on this cost."""
        p = self.prepared
        return function(p.code, p.data, p.param, p.work, *args)


def make_problem(
    x: np.ndarray,
    cost: str,
    min_size: int | None,
    jump: int,
    gamma,
    eps,
    noise,
    max_memory: int | None = None,
) -> Problem:
    """Validate the cost options of a search and prepare ``x`` (a checked signal) for it.

    ``min_size`` None means the cost's own minimum; ``noise`` None estimates the noise scale
    that scales the penalties. Raises :class:`MemoryBudgetError` when the prepared cost would
    pass ``max_memory``.
    """
    spec = get_cost(cost)
    memory.require(
        prepared_bytes(spec, x.shape[0], x.shape[1]),
        f"the {spec.name} cost of {plural(x.shape[0], 'frame')} x {plural(x.shape[1], 'feature')}",
        "reduce the features (e.g. fewer columns or a projection), use the l2 or rbf cost, "
        "or raise the budget (max_memory, --max-memory)",
        argument="max_memory",
        max_memory=max_memory,
    )
    if gamma is not None and spec.name != "rbf":
        raise InputError(
            f"kernel_gamma applies to the rbf cost, not {spec.name}", argument="kernel_gamma"
        )
    jump = check_whole(jump, "jump")
    min_size = spec.min_size if min_size is None else check_whole(min_size, "min_size")
    min_size = max(min_size, spec.min_size)
    prepared = prepare_cost(spec, x, gamma=gamma, eps=eps)
    if noise is None:
        gamma_used = prepared.param if spec.name == "rbf" else None
        scale = noise_scale(spec, x, gamma_used)
    else:
        scale = float(noise)
        if not (math.isfinite(scale) and scale > 0.0):
            raise InputError(f"noise must be a positive number, not {noise!r}", argument="noise")
    return Problem(spec, prepared, x.shape[0], min_size, jump, scale)


def to_segmentation(
    problem: Problem, bkps, cost: float, penalty: Penalty | None, method: str, **params
) -> Segmentation:
    """The :class:`Segmentation` of breakpoints ``bkps`` found on ``problem``, with its
    parameters (the rbf bandwidth, the noise scale when a penalty was used) in ``params``."""
    p = problem.prepared
    if problem.spec.name == "rbf":
        params = {"gamma": p.param, **params}
    if penalty is not None:
        params = {"noise": problem.scale, **params}
    return Segmentation(
        breakpoints=np.asarray(bkps, dtype=np.int64),
        n=problem.n,
        cost=float(cost),
        penalty=None if penalty is None else penalty.value,
        penalty_name=None if penalty is None else penalty.name,
        search=method,
        cost_name=problem.spec.name,
        min_size=problem.min_size,
        jump=problem.jump,
        params=params,
    )


def _prune_margin(problem: Problem, pen: Penalty) -> float:
    """Killick's K: 0 unless segment costs carry ``w log L``, whose sum over a split can
    exceed the whole's by up to ``w log(n / 4)``."""
    if pen.len_weight == 0.0:
        return 0.0
    return -pen.len_weight * math.log(max(problem.n / 4.0, 1.0))


def check_dynp_memory(n: int, max_bkps: int, max_memory: int | None) -> None:
    """Raise :class:`MemoryBudgetError` unless dynp's tables for up to ``max_bkps`` changes
    over ``n`` frames fit in the memory budget."""
    memory.require(
        (max_bkps + 1) * (n + 1) * 12 + 16 * (n + 1),
        f"dynp with {plural(max_bkps, 'change')} over {plural(n, 'frame')}",
        "use search binseg or pelt, fewer changes, or a larger --max-memory",
        argument="n_bkps",
        max_memory=max_memory,
    )


def _select(gains: np.ndarray, pen: float) -> int:
    """Number of greedy steps minimising ``sum_{i<k} (pen - gains[i])`` (fewest on ties)."""
    if gains.size == 0:
        return 0
    objective = np.concatenate([[0.0], np.cumsum(pen - gains)])
    return int(np.argmin(objective))


def _window(problem: Problem, width: int, n_bkps: int | None, pen: Penalty | None):
    half = width // 2
    if half < 1 or 2 * half > problem.n:
        raise InputError(
            f"the window width must be between 2 and the number of frames ({problem.n}), "
            f"not {width}",
            argument="width",
        )
    centers = np.arange(0, problem.n, problem.jump, dtype=np.int64)
    centers = centers[(centers >= half) & (centers < problem.n - half)]
    centers = centers[(centers >= problem.min_size) & (centers <= problem.n - problem.min_size)]
    w = 0.0 if pen is None else pen.len_weight
    scores = problem.call(seggreedy.window_scores, centers, half, w)
    order = max(max(2 * half, 2 * problem.min_size) // (2 * problem.jump), 1)
    peaks = _peaks(scores, order)
    ranked = centers[peaks[np.argsort(-scores[peaks], kind="stable")]]
    chosen: list[int] = []
    total = problem.call(segsearch.sum_of_costs, np.array([problem.n], dtype=np.int64), w)
    for bkp in ranked:
        if n_bkps is not None and len(chosen) >= n_bkps:
            break
        trial = np.array(sorted([*chosen, int(bkp), problem.n]), dtype=np.int64)
        if np.diff(np.concatenate([[0], trial])).min() < problem.min_size:
            continue
        value = problem.call(segsearch.sum_of_costs, trial, w)
        if pen is not None and total - value <= pen.value:
            break
        chosen.append(int(bkp))
        total = value
    return np.array([*sorted(chosen), problem.n], dtype=np.int64), total


def _peaks(scores: np.ndarray, order: int) -> np.ndarray:
    """Indices strictly greater than their ``order`` neighbours on each side (wrapping)."""
    if scores.size == 0:
        return np.empty(0, dtype=np.int64)
    keep = np.ones(scores.size, dtype=bool)
    for shift in range(1, min(order, scores.size - 1) + 1):
        keep &= scores > np.roll(scores, shift)
        keep &= scores > np.roll(scores, -shift)
    return np.flatnonzero(keep)


def _shape(signal, search, penalty, n_bkps, max_bkps, min_size, jump, width, **others):
    """``segment(cost="shape")``: :func:`seqalign.changepoints.shape.segment_shape`, after
    refusing the options that do not apply to it."""
    from seqalign.changepoints.shape import segment_shape

    if search is not None and str(search).lower() != "clasp":
        raise InputError(
            f"the shape cost has a search of its own (clasp), not {search}; leave search out",
            argument="search",
        )
    if penalty is not None:
        raise InputError(
            "the shape cost decides the number of changes by a significance test, not a "
            "penalty; give n_bkps for a fixed number",
            argument="penalty",
        )
    if others.pop("engine") != "native":
        raise InputError("ruptures has no shape cost; use engine native", argument="engine")
    if jump != 1:
        raise InputError("jump applies to the segment costs, not to shape", argument="jump")
    for name, value in others.items():
        if value is not None and name not in ("max_memory", "progress"):
            raise InputError(f"{name} does not apply to the shape cost", argument=name)
    return segment_shape(signal, width=width, n_bkps=n_bkps, max_bkps=max_bkps,
                         min_size=min_size, max_memory=others["max_memory"],
                         progress=others["progress"])  # fmt: skip


def segment(
    x: ArrayLike,
    *,
    search: str | None = None,
    cost: str = "l2",
    penalty: str | float | None = None,
    n_bkps: int | None = None,
    max_bkps: int | None = None,
    min_size: int | None = None,
    jump: int = 1,
    width: int | None = None,
    kernel_gamma: float | None = None,
    noise: float | None = None,
    eps: float | None = None,
    engine: str = "native",
    max_memory: int | None = None,
    pruning: str = "exact",
    progress: Callable[[int, int], None] | None = None,
) -> Segmentation:
    """Find where ``x`` changes behaviour.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_features) or (n_frames,)
        The signal, time first. Missing values are an error.
    search : {"pelt", "dynp", "binseg", "bottomup", "window"}, optional
        The search. Default: ``pelt`` with a penalty; with ``n_bkps``, ``dynp`` up to
        :data:`DYNP_MAX_FRAMES` frames and ``binseg`` beyond.
    cost : {"l2", "l1", "normal", "linear", "rbf", "cosine", "shape"}
        The segment cost (see :mod:`seqalign.changepoints.costs` for each definition), or
        ``shape``: changes of shape and rhythm, found by subsequence classification (ClaSP,
        :mod:`seqalign.changepoints.shape`; its own search, the number of changes by a
        significance test; ``width`` is its subsequence width, estimated when not given,
        ``min_size`` defaults to 5 widths; penalties, ``jump`` and the engine do not
        apply).
    penalty : float or {"mbic", "bic", "aic", "hqc"}, optional
        Penalty per change (see :mod:`seqalign.changepoints.penalties`); default ``mbic`` unless
        ``n_bkps`` is given.
    n_bkps : int, optional
        A fixed number of changes instead of a penalty.
    max_bkps : int, optional
        Most changes the greedy searches and penalised ``dynp`` consider.
    min_size : int, optional
        Shortest segment in frames (default: the least the cost allows).
    jump : int
        Breakpoints only at multiples of ``jump`` (1: anywhere, the exact optimum).
    width : int, optional
        Window width of ``window`` (frames, both sides together, >= 2; default 100); the
        subsequence width of ``shape`` (default: estimated).
    kernel_gamma : float, optional
        Bandwidth of the rbf kernel (default: the median heuristic).
    noise : float, optional
        Scale of the named penalties (default: estimated, see
        :func:`seqalign.changepoints.costs.noise_scale`).
    eps : float, optional
        Ridge of the normal cost (default ``1e-6`` times the mean variance).
    engine : {"native", "ruptures"}
        ``ruptures`` runs the same search through ruptures (slower; for comparison and for
        its costs ``ar``, ``rank``, ``mahalanobis``, ``clinear``).
    max_memory : int, optional
        Bytes the search may use (default: half the available memory); checked before
        anything is allocated (the prefix sums of ``normal`` grow as ``d^2``, ``dynp``'s
        tables as ``K n``).
    pruning : {"exact", "classic"}
        PELT's pruning. ``exact`` keeps the optimum whatever the cost; ``classic`` prunes
        as R changepoint and ruptures do (Killick's ``K = 0``), which can miss the optimum
        when segment costs carry the ``mbic`` log-length term (on 3 of TCPD's 30
        univariate series it does); use it to reproduce their results.
    progress : callable, optional
        Called as ``progress(done, total)`` while the shape search runs (its time grows
        with the square of the length; the other searches are not reported).

    Returns
    -------
    Segmentation

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.zeros(50), np.ones(50) * 5, np.zeros(50)]
    >>> segment(x, penalty=10).breakpoints.tolist()
    [50, 100, 150]
    >>> segment(x[:120], n_bkps=1, search="dynp").breakpoints.tolist()
    [50, 120]
    """
    method, gamma = (
        search,
        kernel_gamma,
    )  # the search and the rbf bandwidth, as the kernels name them
    pruning = check_choice(pruning, ("exact", "classic"), "pruning")
    engine = check_choice(engine, ("native", "ruptures"), "engine")
    signal = as_signal(x)
    n = signal.shape[0]
    if n_bkps is not None:
        n_bkps = check_whole(n_bkps, "n_bkps", minimum=0)
    if max_bkps is not None:
        max_bkps = check_whole(max_bkps, "max_bkps", minimum=0)
    if isinstance(cost, str) and cost.strip().lower() == SHAPE:
        return _shape(signal, search, penalty, n_bkps, max_bkps, min_size, jump, width,
                      kernel_gamma=kernel_gamma, noise=noise, eps=eps, engine=engine,
                      max_memory=max_memory, progress=progress)  # fmt: skip
    width = DEFAULT_WIDTH if width is None else check_whole(width, "width", minimum=2)
    if method is None:
        method = "pelt" if n_bkps is None else "dynp" if n <= DYNP_MAX_FRAMES else "binseg"
    method = check_choice(method, METHODS, "search")
    if n_bkps is not None and penalty is not None:
        raise InputError("give a penalty or a number of changes, not both", argument="penalty")
    if method == "pelt" and n_bkps is not None:
        raise InputError(
            "pelt takes a penalty, not a number of changes; use search dynp or binseg",
            argument="n_bkps",
        )
    if engine == "ruptures":
        from seqalign.changepoints.engines import segment_ruptures

        return segment_ruptures(
            signal,
            method=method,
            cost=cost,
            penalty=penalty,
            n_bkps=n_bkps,
            min_size=min_size,
            jump=jump,
            width=width,
            gamma=gamma,
            noise=noise,
        )
    problem = make_problem(signal, cost, min_size, jump, gamma, eps, noise, max_memory)
    pen = None
    if n_bkps is None:
        pen = resolve_penalty(
            DEFAULT_PENALTY if penalty is None else penalty,
            n=n,
            parameters=problem.spec.parameters(signal.shape[1]),
            scale=problem.scale,
        )
    limit = max_changes(n, problem.min_size, problem.jump)
    if limit < 0:
        raise InputError(
            f"the input has {plural(n, 'frame')}, fewer than the minimum segment length "
            f"{problem.min_size}",
            argument="min_size",
        )
    if n_bkps is not None and n_bkps > limit:
        raise InputError(
            f"{plural(n_bkps, 'change')} {'does' if n_bkps == 1 else 'do'} not fit in "
            f"{plural(n, 'frame')} with min_size {problem.min_size} and jump {problem.jump} "
            f"(at most {limit})",
            argument="n_bkps",
        )
    w = 0.0 if pen is None else pen.len_weight
    if method == "pelt":
        bkps, total = problem.call(
            segsearch.pelt, n, pen.value, problem.min_size, problem.jump, w,
            _prune_margin(problem, pen) if pruning == "exact" else 0.0,
        )  # fmt: skip
        return to_segmentation(problem, bkps, total, pen, method)
    if method == "dynp":
        top = n_bkps if n_bkps is not None else max_bkps
        if top is None:
            raise InputError(
                "dynp needs a number of changes (n_bkps) or, with a penalty, max_bkps",
                argument="n_bkps",
            )
        top = min(top, limit)
        check_dynp_memory(n, top, max_memory)
        costs, table = problem.call(
            segsearch.optimal_partition, n, top, problem.min_size, problem.jump, w
        )
        k = top if n_bkps is not None else int(np.argmin(costs + pen.value * np.arange(top + 1)))
        return to_segmentation(problem, table[k, : k + 1], costs[k], pen, method)
    if method == "window":
        bkps, total = _window(problem, width, n_bkps, pen)
        return to_segmentation(problem, bkps, total, pen, method, width=width)
    top = n_bkps if n_bkps is not None else (limit if max_bkps is None else min(max_bkps, limit))
    if method == "binseg":
        order, gains = problem.call(seggreedy.binseg, n, top, problem.min_size, problem.jump, w)
        k = order.size if n_bkps is not None else _select(gains, pen.value)
        bkps = np.array([*sorted(order[:k].tolist()), n], dtype=np.int64)
    else:  # bottomup
        leaves, removed, gains = problem.call(
            seggreedy.bottomup, n, problem.min_size, problem.jump, w
        )
        internal = leaves.size - 1
        if n_bkps is not None:
            merges = internal - n_bkps
        else:
            floor = max(internal - top, 0)
            tail = np.cumsum(gains[floor:] - pen.value) if gains.size > floor else np.empty(0)
            merges = floor + int(np.argmin(np.concatenate([[0.0], tail])))
        gone = set(removed[:merges].tolist())
        bkps = np.array([b for b in leaves.tolist() if b not in gone], dtype=np.int64)
    total = problem.call(segsearch.sum_of_costs, bkps, w)
    return to_segmentation(problem, bkps, total, pen, method)
