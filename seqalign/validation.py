"""Checking inputs of the API: time-first float64 frames, names from a vocabulary, counts.

Every public function that takes sequences (``dtw``, ``soft_dtw``, ``segment``,
``barycenter``...) goes through :func:`as_frames`, every name from a vocabulary (a method, a
cost, an initialisation) through :func:`check_choice` and every count (``n_bkps``,
``max_iter``, ``jump``) through :func:`check_whole`, so that one bad input gets one wording
everywhere, naming the argument at fault (the CLI rewords it with the file or flag).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seqalign.errors import InputError
from seqalign.units import plural


def check_choice(
    value: Any,
    choices: Iterable[str],
    argument: str,
    *,
    what: str = "",
    key: Callable[[Any], str] = lambda value: str(value).lower(),
) -> str:
    """``key(value)`` (by default ``value`` lower-cased), or :class:`InputError` listing
    ``choices`` unless it is one of them.

    Parameters
    ----------
    value : str
        The name given (compared case-insensitively).
    choices : iterable of str
        The valid names, lower-case, in the order the message lists them (a registry dict).
    argument : str
        The argument's name, for the error (``"method"``).
    what : str
        What the name names, for the message (``"barycenter method"``); ``argument`` if empty.
    key : callable
        How a name given is normalised before the comparison (the message shows it as given).

    Examples
    --------
    >>> check_choice("PELT", {"pelt": "exact", "dynp": "exact, K changes"}, "method")
    'pelt'
    """
    valid = list(choices)
    name = key(value)
    if name not in valid:
        raise InputError(
            f"unknown {what or argument} {value!r}; choose one of: {', '.join(valid)}",
            argument=argument,
        )
    return name


def check_whole(value: Any, argument: str, *, minimum: int = 1, what: str = "") -> int:
    """``value`` as an int, or :class:`InputError` unless it is a whole number >= ``minimum``.

    Integers (Python or numpy) and whole floats (``3.0``) pass; booleans, strings and
    fractions do not.

    Parameters
    ----------
    value : int
        The number given.
    argument : str
        The argument's name, for the error (``"n_bkps"``).
    minimum : int
        The smallest value allowed (0 for a count that may be empty).
    what : str
        What it counts, for the message (``"iterations"``).

    Examples
    --------
    >>> check_whole(3, "jump"), check_whole(0, "n_bkps", minimum=0)
    (3, 0)
    """
    whole = (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.integer, np.floating))
        and np.isfinite(value)
        and int(value) == value
    )
    if not whole or value < minimum:
        unit = f" ({what})" if what else ""
        raise InputError(
            f"{argument} must be a whole number >= {minimum}{unit}, got {value!r}",
            argument=argument,
        )
    return int(value)


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise :class:`InputError` naming the first NaN or infinite value of ``arr``."""
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = np.argwhere(bad)[0]
        what = "NaN" if np.isnan(arr[tuple(idx)]) else "infinite"
        where = f"frame {idx[0]}" + (f", feature {idx[1]}" if arr.ndim == 2 else "")
        raise InputError(f"{name} has a {what} value at {where}", argument=name)


def as_frames(a: ArrayLike, name: str, *, min_frames: int = 1, purpose: str = "") -> np.ndarray:
    """``a`` as a finite float64 array ``(n_frames, n_features)`` (1-D: one feature).

    Parameters
    ----------
    a : array_like
        The input, time first.
    name : str
        The argument's name, for messages (``"x"``).
    min_frames : int
        Fewest frames accepted.
    purpose : str
        What needs them, for the message (``"DTW"``).

    Examples
    --------
    >>> as_frames([1.0, 2.0, 3.0], "x").shape
    (3, 1)
    """
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} is not a numeric array ({exc})", argument=name) from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(
            f"{name} must be 1-D or 2-D (frames, features), got shape {arr.shape}", argument=name
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"{name} is empty (shape {arr.shape})", argument=name)
    if arr.shape[0] < min_frames:
        single = "a single frame" if arr.shape[0] == 1 else f"{arr.shape[0]} frames"
        raise InputError(
            f"{name} has {single} (shape {arr.shape}); {purpose or 'it'} needs at least "
            f"{min_frames} (arrays are time-first: (frames, features); transpose it?)",
            argument=name,
        )
    check_finite(arr, name)
    return np.ascontiguousarray(arr)


def as_series(X: Any, name: str, *, purpose: str = "DTW") -> list[np.ndarray]:
    """Many sequences (a list, or a 2-D/3-D array of equal-length ones), each checked by
    :func:`as_frames` (at least 2 frames), all with the same number of features.

    Examples
    --------
    >>> [s.shape for s in as_series([[1.0, 2.0, 3.0], [4.0, 5.0]], "X")]
    [(3, 1), (2, 1)]
    """
    if (isinstance(X, np.ndarray) and X.ndim in (2, 3)) or isinstance(X, (list, tuple)):
        items = list(X)
    else:
        raise InputError(
            f"{name} must be a list of sequences or a 2-D/3-D array, got {type(X).__name__}",
            argument=name,
        )
    if not items:
        raise InputError(f"{name} holds no sequences", argument=name)
    series = [
        as_frames(item, f"{name}[{k}]", min_frames=2, purpose=purpose)
        for k, item in enumerate(items)
    ]
    d = series[0].shape[1]
    for k, item in enumerate(series):
        if item.shape[1] != d:
            raise InputError(
                f"{name}[{k}] has {plural(item.shape[1], 'feature')} per frame but {name}[0] "
                f"has {d}; "
                "every sequence needs the same features",
                argument=name,
            )
    return series
