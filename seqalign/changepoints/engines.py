"""ruptures as a second segmentation engine, with seqalign's conventions and results.

``segment(x, engine="ruptures")`` runs the same search through ruptures (Truong, Oudre &
Vayatis 2020): for comparison, and for the costs seqalign does not have natively
(:data:`RUPTURES_ONLY_COSTS`). Penalties are resolved exactly as for the native engine
(the ``mbic`` log-length term becomes a wrapped ruptures cost). Differences that remain
are ruptures' own: its ``normal`` cost takes ddof 1 for several features, its ``rbf``
cost clips ``gamma ||x - y||^2`` to [0.01, 100] (pelt and dynp run through ``KernelCPD``,
which does not), its PELT prunes with ``K = 0``, and its greedy searches stop at the first
gain below the penalty.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from seqalign.changepoints.costs import COSTS, get_cost, median_heuristic, noise_scale
from seqalign.changepoints.penalties import DEFAULT_PENALTY, resolve_penalty
from seqalign.changepoints.result import Segmentation
from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.validation import check_choice

#: ruptures costs without a native counterpart (model name -> what changes).
RUPTURES_ONLY_COSTS = {
    "ar": "autoregressive coefficients",
    "rank": "rank-based (non-parametric)",
    "mahalanobis": "mean under a learned metric",
    "clinear": "continuous piecewise linear trend",
}

_MIN_SIZE = {"ar": 5, "clinear": 3, "rank": 2, "mahalanobis": 2}


def _wrapped_cost(base: Any, len_weight: float) -> Any:
    """A ruptures cost that adds ``len_weight * log(end - start)`` to ``base``'s."""
    from ruptures.base import BaseCost

    class _LengthPenalised(BaseCost):
        model = "seqalign-mbic"

        def __init__(self) -> None:
            self.base = base
            self.min_size = base.min_size

        def fit(self, signal):
            self.base.fit(signal)
            self.signal = self.base.signal
            return self

        def error(self, start, end):
            return self.base.error(start, end) + len_weight * math.log(end - start)

    return _LengthPenalised()


def segment_ruptures(
    x: np.ndarray,
    *,
    method: str,
    cost: str,
    penalty: str | float | None,
    n_bkps: int | None,
    min_size: int | None,
    jump: int,
    width: int,
    gamma: float | None,
    noise: float | None,
):
    """:func:`seqalign.segment` through ruptures; ``x`` is already a checked signal and
    ``width`` (the window method's) already resolved."""
    import ruptures as rpt

    name = check_choice(cost, [*COSTS, *RUPTURES_ONLY_COSTS], "cost", what="ruptures cost")
    n, d = x.shape
    native = get_cost(name) if name in COSTS else None
    params: dict[str, Any] = {}
    if name == "rbf":
        params["gamma"] = median_heuristic(x) if gamma is None else float(gamma)
    floor = native.min_size if native else _MIN_SIZE[name]
    min_size = max(floor, 1 if min_size is None else int(min_size))
    pen = None
    if n_bkps is None:
        if noise is not None:
            scale = float(noise)
        elif native is not None:
            scale = noise_scale(native, x, params.get("gamma"))
        else:
            scale = 1.0
        parameters = native.parameters(d) if native else d
        pen = resolve_penalty(
            DEFAULT_PENALTY if penalty is None else penalty, n=n, parameters=parameters,
            scale=scale,
        )  # fmt: skip
    len_weight = 0.0 if pen is None else pen.len_weight
    kernel = name in ("rbf", "cosine") and method in ("pelt", "dynp") and len_weight == 0.0
    signal = x[:, 0] if d == 1 and name in ("l1", "l2") else x
    if kernel:
        algo = rpt.KernelCPD(kernel=name, min_size=min_size, params=params or None)
    else:
        base = rpt.costs.cost_factory(model=name, **params)
        custom = _wrapped_cost(base, len_weight) if len_weight else base
        if method == "window":
            algo = rpt.Window(width=width, custom_cost=custom, min_size=min_size, jump=jump)
        else:
            classes = {
                "pelt": rpt.Pelt,
                "dynp": rpt.Dynp,
                "binseg": rpt.Binseg,
                "bottomup": rpt.BottomUp,
            }
            algo = classes[method](custom_cost=custom, min_size=min_size, jump=jump)
    if method == "dynp" and n_bkps is None:
        raise InputError(
            "ruptures' dynp takes a number of changes (n_bkps), not a penalty",
            argument="n_bkps",
        )
    algo.fit(signal)
    try:
        bkps = algo.predict(n_bkps=n_bkps) if pen is None else algo.predict(pen=pen.value)
    except rpt.exceptions.BadSegmentationParameters:
        raise InputError(
            f"{plural(n_bkps, 'change')} {'does' if n_bkps == 1 else 'do'} not fit in "
            f"{plural(n, 'frame')} with min_size {min_size} and jump {jump}",
            argument="n_bkps",
        ) from None
    bkps = np.asarray(bkps, dtype=np.int64)
    if native is not None:  # the cost by seqalign's definition (ruptures' may differ)
        from seqalign._kernels.segsearch import sum_of_costs
        from seqalign.changepoints.costs import prepare_cost

        p = prepare_cost(native, x, gamma=params.get("gamma"))
        total = float(sum_of_costs(p.code, p.data, p.param, p.work, bkps, len_weight))
    else:
        total = float(np.sum(algo.cost.sum_of_costs(bkps.tolist())))
    extra = {"gamma": params["gamma"]} if "gamma" in params else {}
    if pen is not None:
        extra["noise"] = scale
    return Segmentation(
        breakpoints=bkps,
        n=n,
        cost=total,
        penalty=None if pen is None else pen.value,
        penalty_name=None if pen is None else pen.name,
        search=method,
        cost_name=name,
        min_size=min_size,
        jump=1 if kernel else jump,
        engine="ruptures",
        params=extra,
    )
