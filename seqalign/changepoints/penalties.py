"""Penalties per change for penalised changepoint search: a number, or a named criterion.

A penalised search minimises ``sum_k C(segment_k) + beta * K`` over segmentations with
``K`` changes. Named criteria set ``beta`` from ``n`` (frames), ``p`` (parameters one
segment fits, :meth:`seqalign.changepoints.costs.CostSpec.parameters`) and ``s``, the
unit in which the cost counts twice a negative log-likelihood
(:func:`seqalign.changepoints.costs.noise_scale`; give ``noise`` to fix it, e.g. ``1`` for
data already scaled to unit noise as TCPDBench does):

========  =================================================================================
``bic``   ``beta = s * p * log(n)`` (Schwarz 1978; R changepoint's ``BIC``/``SIC``)
``mbic``  ``beta = s * (p + 2) * log(n)``, and each segment's cost gains ``s * log(L)``
          (Zhang & Siegmund 2007, as R changepoint implements it: ``3 log n`` per change
          plus the log of segment lengths for a change in mean). The default: it needs no
          tuning and is R changepoint's default.
``aic``   ``beta = s * 2 * p`` (Akaike 1974); over-segments long inputs.
``hqc``   ``beta = s * 2 * p * log(log(n))`` (Hannan & Quinn 1979).
========  =================================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seqalign.errors import InputError

PENALTIES = {
    "bic": "s * p * log(n)",
    "mbic": "s * (p + 2) * log(n), plus s * log(segment length) per segment",
    "aic": "s * 2 * p",
    "hqc": "s * 2 * p * log(log(n))",
}

#: The penalty when none is given.
DEFAULT_PENALTY = "mbic"


@dataclass(frozen=True)
class Penalty:
    """A resolved penalty: ``value`` per change and ``len_weight`` per segment's ``log L``."""

    name: str
    value: float
    len_weight: float = 0.0


def resolve_penalty(
    penalty: str | float, *, n: int, parameters: int, scale: float = 1.0
) -> Penalty:
    """Turn a number or a criterion name into a :class:`Penalty`.

    >>> resolve_penalty("bic", n=100, parameters=1).value  # doctest: +ELLIPSIS
    4.605...
    >>> resolve_penalty(3, n=100, parameters=1)
    Penalty(name='3.0', value=3.0, len_weight=0.0)
    """
    if isinstance(penalty, str):
        name = penalty.strip().lower()
        try:
            value = float(name)
        except ValueError:
            value = None
        if value is None:
            log_n = math.log(max(n, 2))
            if name == "bic":
                return Penalty(name, scale * parameters * log_n)
            if name == "mbic":
                return Penalty(name, scale * (parameters + 2) * log_n, scale)
            if name == "aic":
                return Penalty(name, scale * 2.0 * parameters)
            if name == "hqc":
                return Penalty(name, scale * 2.0 * parameters * math.log(max(log_n, 1.0)))
            raise InputError(
                f"unknown penalty {penalty!r}; give a number or one of {', '.join(PENALTIES)}",
                argument="penalty",
            )
        penalty = value
    value = float(penalty)
    if not math.isfinite(value) or value < 0.0:
        raise InputError(
            f"the penalty must be a finite number >= 0, not {penalty}", argument="penalty"
        )
    return Penalty(repr(value), value)
