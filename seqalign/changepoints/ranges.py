"""Many segmentations from one call: over a range of penalties (CROPS), or of numbers of changes.

:func:`segment_range` gives one segmentation per number of changes (exact for dynp, from
one ``O(K n^2)`` pass). :func:`crops` gives every distinct optimal segmentation over a
range of penalties.

CROPS, Changepoints for a Range Of PenaltieS (Haynes, Eckley & Fearnhead 2017). The optimal
penalised cost ``min_K Q_K + beta * K`` is piecewise linear and concave in ``beta``, so a
few exact PELT runs, each at the penalty where two known solutions tie, find every
segmentation that is optimal somewhere in ``[penalty_min, penalty_max]`` (at most
``K_max - K_min + 2`` runs beyond the two ends). A user picks the number of changes by
looking at the cost against ``K`` (an elbow) instead of guessing one penalty.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from seqalign._kernels import segsearch
from seqalign.changepoints.costs import SHAPE
from seqalign.changepoints.result import Segmentation
from seqalign.changepoints.search import (
    as_signal,
    check_dynp_memory,
    make_problem,
    max_changes,
    segment,
    to_segmentation,
)
from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.validation import check_whole


def crops(
    x: ArrayLike,
    penalty_min: float,
    penalty_max: float,
    *,
    cost: str = "l2",
    min_size: int | None = None,
    jump: int = 1,
    kernel_gamma: float | None = None,
    eps: float | None = None,
    max_runs: int = 200,
) -> list[Segmentation]:
    """The optimal segmentations over penalties ``[penalty_min, penalty_max]``.

    Each is exact (PELT); ``params["penalty_range"]`` holds the penalties ``[lo, hi]`` over
    which it is optimal. Sorted by number of changes, fewest first.

    >>> import numpy as np
    >>> x = np.r_[np.zeros(30), np.full(30, 5.0), np.zeros(30)]
    >>> x = x + np.random.default_rng(0).normal(0, 1, 90)
    >>> [s.n_bkps for s in crops(x, 5, 500)]
    [0, 2]
    """
    signal = as_signal(x)
    if isinstance(cost, str) and cost.strip().lower() == SHAPE:
        raise InputError(
            "crops runs pelt over a range of penalties, and the shape cost takes no penalty; "
            "give a range of numbers of changes instead (n_bkps K1:K2)",
            argument="cost",
        )
    lo, hi = float(penalty_min), float(penalty_max)
    if not (math.isfinite(lo) and math.isfinite(hi) and 0.0 <= lo < hi):
        raise InputError(
            f"the penalty range needs 0 <= min < max, not {penalty_min}:{penalty_max}",
            argument="penalty",
        )

    def run(beta: float) -> Segmentation:
        return segment(
            signal, search="pelt", cost=cost, penalty=beta, min_size=min_size, jump=jump,
            kernel_gamma=kernel_gamma, eps=eps,
        )  # fmt: skip

    found = {lo: run(lo), hi: run(hi)}
    stack = [(lo, hi)]
    runs = 2
    while stack and runs < max_runs:
        b0, b1 = stack.pop()
        s0, s1 = found[b0], found[b1]
        if s0.n_bkps <= s1.n_bkps + 1:
            continue
        beta = (s1.cost - s0.cost) / (s0.n_bkps - s1.n_bkps)
        if not (b0 < beta < b1):
            continue
        found[beta] = run(beta)
        runs += 1
        if found[beta].n_bkps != s1.n_bkps:
            stack.extend([(b0, beta), (beta, b1)])
    by_k: dict[int, Segmentation] = {}
    for seg in found.values():
        by_k.setdefault(seg.n_bkps, seg)
    ordered = sorted(by_k.values(), key=lambda s: s.n_bkps)  # fewest changes first
    out = []
    for i, seg in enumerate(ordered):
        # Optimal from the tie with the next larger K up to the tie with the next smaller.
        upper = hi
        if i > 0:
            prev = ordered[i - 1]
            upper = min(hi, (prev.cost - seg.cost) / (seg.n_bkps - prev.n_bkps))
        lower = lo
        if i + 1 < len(ordered):
            nxt = ordered[i + 1]
            lower = max(lo, (seg.cost - nxt.cost) / (nxt.n_bkps - seg.n_bkps))
        out.append(
            replace(
                seg,
                penalty=lower,
                penalty_name="crops",
                params={**seg.params, "penalty_range": [lower, upper]},
                breakpoints=np.asarray(seg.breakpoints),
            )
        )
    return out


def segment_range(
    x: ArrayLike,
    n_bkps: Iterable[int],
    *,
    search: str | None = None,
    cost: str = "l2",
    min_size: int | None = None,
    jump: int = 1,
    kernel_gamma: float | None = None,
    eps: float | None = None,
    max_memory: int | None = None,
    width: int | None = None,
) -> list[Segmentation]:
    """One segmentation per number of changes in ``n_bkps``, from a single search.

    ``dynp`` (the default) gives the exact optimum for each (one ``O(K n^2)`` pass for all
    of them); ``binseg`` and ``bottomup`` the greedy sequence. With ``cost="shape"`` (its
    own search; ``width`` its subsequence width), the first ``K`` changes it finds.

    >>> import numpy as np
    >>> x = np.r_[np.zeros(30), np.ones(30) * 4, np.zeros(30) - 4]
    >>> [s.breakpoints.tolist() for s in segment_range(x, [0, 1, 2])]
    [[90], [60, 90], [30, 60, 90]]
    """
    signal = as_signal(x)
    if isinstance(n_bkps, range) and len(n_bkps) > signal.shape[0]:  # K1:K2 with a huge K2
        n_bkps = [n_bkps[0], n_bkps[-1]] if n_bkps.step > 0 else [n_bkps[-1], n_bkps[0]]
    wanted = sorted({check_whole(k, "n_bkps", minimum=0) for k in n_bkps})
    if not wanted:
        raise InputError("give at least one number of changes", argument="n_bkps")
    if isinstance(cost, str) and cost.strip().lower() == SHAPE:
        return _shape_range(signal, wanted, search=search, min_size=min_size, jump=jump,
                            kernel_gamma=kernel_gamma, eps=eps, max_memory=max_memory,
                            width=width)  # fmt: skip
    if width is not None:
        raise InputError("width applies to the shape cost here, not to " + str(cost),
                         argument="width")  # fmt: skip
    method = "dynp" if search is None else str(search).lower()
    if method not in ("dynp", "binseg", "bottomup"):
        raise InputError(
            f"segment_range takes search dynp, binseg or bottomup, not {method!r}",
            argument="search",
        )
    problem = make_problem(signal, cost, min_size, jump, kernel_gamma, eps, 1.0, max_memory)
    n = signal.shape[0]
    limit = max_changes(n, problem.min_size, problem.jump)
    if wanted[-1] > limit:
        raise InputError(
            f"{plural(wanted[-1], 'change')} {'does' if wanted[-1] == 1 else 'do'} not fit in "
            f"{plural(n, 'frame')} with min_size "
            f"{problem.min_size} and jump {problem.jump} (at most {limit})",
            argument="n_bkps",
        )
    if method != "dynp":
        return [
            segment(signal, search=method, cost=cost, n_bkps=k, min_size=min_size, jump=jump,
                    kernel_gamma=kernel_gamma, eps=eps)
            for k in wanted
        ]  # fmt: skip
    check_dynp_memory(n, wanted[-1], max_memory)
    costs, table = problem.call(
        segsearch.optimal_partition, n, wanted[-1], problem.min_size, problem.jump, 0.0
    )
    return [to_segmentation(problem, table[k, : k + 1], costs[k], None, "dynp") for k in wanted]


def _shape_range(signal: np.ndarray, wanted: list[int], **options) -> list[Segmentation]:
    """The shape search's first ``K`` changes for each ``K`` wanted (one search)."""
    full = segment(signal, cost=SHAPE, n_bkps=wanted[-1], **options)
    n = signal.shape[0]
    order = full.params["order"]
    if len(order) < wanted[-1]:
        raise InputError(
            f"the shape search found room for {plural(len(order), 'change')} only, not "
            f"{wanted[-1]}",
            argument="n_bkps",
        )
    score = dict(zip(full.changepoints.tolist(), full.params["scores"], strict=True))
    p_value = dict(zip(full.changepoints.tolist(), full.params["p_values"], strict=True))
    out = []
    for k in wanted:
        chosen = sorted(order[:k])
        params = {**full.params, "scores": [score[c] for c in chosen],
                  "p_values": [p_value[c] for c in chosen], "order": order[:k]}  # fmt: skip
        out.append(replace(full, breakpoints=np.array([*chosen, n], dtype=np.int64),
                           params=params))  # fmt: skip
    return out
