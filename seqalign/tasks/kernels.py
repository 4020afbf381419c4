"""The kernel metrics' parameters as settings: ``kernel_gamma``, ``degree``, ``coef0``.

``metric="rbf"`` or ``"polynomial"`` (:data:`seqalign.localcosts.KERNEL_METRICS`) take their
parameters from separate settings (``--kernel-gamma``, ``--degree``, ``--coef0`` on the command
line; ``gamma`` is soft-DTW's smoothing); :func:`kernel_metric` folds them into the metric's
name (``rbf:gamma=0.5``) that the library parses and validates. Standard library at import.
"""

from __future__ import annotations

from seqalign.errors import InputError

__all__ = ["kernel_metric"]

#: Parameter of :class:`seqalign.localcosts.MetricSpec` -> its flag.
FLAGS = {"gamma": "--kernel-gamma", "degree": "--degree", "coef0": "--coef0"}
#: The library's argument names for errors about each flag (none of them is ``gamma``, which
#: :mod:`seqalign.wording` would call ``--gamma``).
_ARGUMENTS = {"gamma": "kernel_gamma", "degree": "degree", "coef0": "coef0"}


def kernel_metric(
    metric: str | None,
    kernel_gamma: float | None = None,
    degree: float | None = None,
    coef0: float | None = None,
) -> str | None:
    """``metric`` with the kernel flags folded in (``"rbf:gamma=0.5"``); ``metric`` itself
    when no flag is given.

    Raises
    ------
    InputError
        A flag without ``--metric``, a flag the metric does not take, a bad value, or a
        parameter given both in ``--metric`` and by its flag; the message names the flag.

    Examples
    --------
    >>> kernel_metric("rbf", kernel_gamma=0.5)
    'rbf:gamma=0.5'
    >>> kernel_metric(None) is None
    True
    """
    given = {key: value for key, value in (("gamma", kernel_gamma), ("degree", degree),
             ("coef0", coef0)) if value is not None}  # fmt: skip
    if not given:
        return metric
    key = next(iter(given))
    if metric is None:
        raise InputError(f"{FLAGS[key]} needs --metric rbf or polynomial", argument=_ARGUMENTS[key])
    from seqalign.localcosts import check_parameters, parse_metric

    base = parse_metric(metric)  # a bad --metric is named as such
    for key, value in given.items():
        if getattr(base, key) is not None:
            raise InputError(
                f"{FLAGS[key]} {value:g}: --metric {metric} gives {key} already",
                argument=_ARGUMENTS[key],
            )
    params = {k: getattr(base, k) for k in FLAGS if getattr(base, k) is not None}
    try:
        return str(check_parameters(base.name, _ARGUMENTS, **params, **given))
    except InputError as error:
        flag = next(k for k, a in _ARGUMENTS.items() if a == error.argument)
        raise InputError(
            f"{FLAGS[flag]} {given[flag]:g}: {error.message}", argument=error.argument
        ) from error
