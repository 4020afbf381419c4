"""The options a batch job accepts: one registry, shared by manifest columns and ``--set``.

A manifest column or a ``--set KEY=VALUE`` default is named like the option of
``seqalign warp`` or ``seqalign segment`` it stands for, without the dashes: ``metric``,
``step_pattern`` (or ``step-pattern``), ``band``, ``n_bkps``, ``column``... Values are text
(a CSV cell) or, in JSON lines, JSON values; they are parsed to typed values here, so a bad
value fails its job with a message naming the option, and so that the content hash of a job
(:mod:`seqalign.batch.jobs`) sees ``"200"`` and ``200`` as the same band.

Names (metric, step pattern, window, features, normalisation...) are checked against their
registries when parsed, so that ``--set metric=bogus`` is a usage error before any job runs;
the registries load (with numpy) only then. Other names (cost, method, penalty...) are
checked by the library when the job runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from seqalign.errors import InputError

__all__ = ["OPTIONS", "TASKS", "canonical_name", "parse_option", "parse_settings"]

#: Task name -> what it does (the valid values of the ``task`` column).
TASKS: dict[str, str] = {
    "warp": "align input a to input b with DTW; writes the warping path",
    "segment": "find the changes of one input; writes the boundaries",
}

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


def _text(value: Any, flag: str) -> str:
    if isinstance(value, (dict, list, bool)) or value is None:
        raise InputError(f"{flag} {value!r}: expected a name or a number")
    return str(value).strip()


def _int(value: Any, flag: str) -> int:
    if isinstance(value, bool):
        raise InputError(f"{flag} {value!r}: expected a whole number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise InputError(f"{flag} {value!r}: expected a whole number") from None


def _float(value: Any, flag: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{flag} {value!r}: expected a number")
    try:
        return float(value if isinstance(value, (int, float)) else str(value).strip())
    except ValueError:
        raise InputError(f"{flag} {value!r}: expected a number") from None


def _bool(value: Any, flag: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{flag} {value!r}: expected true or false")


def _names(value: Any, flag: str) -> tuple[str, ...]:
    """``--column``: a JSON list, or names separated by ``;`` in a CSV cell."""
    if isinstance(value, (list, tuple)):
        names = [str(v).strip() for v in value]
    else:
        names = [part.strip() for part in _text(value, flag).split(";")]
    if not names or not all(names):
        raise InputError(f"{flag} {value!r}: expected column names separated by ;")
    return tuple(names)


def _named(check: Callable[[str], Any]) -> Callable[[Any, str], str]:
    """A name option checked against its registry by ``check`` (which raises on a bad name)."""

    def parse(value: Any, flag: str) -> str:
        text = _text(value, flag)
        try:
            check(text)
        except InputError as error:
            raise InputError(f"{flag} {text}: {error.message}", argument=error.argument) from None
        return text

    return parse


def _metric(name: str) -> None:
    from seqalign.localcosts import parse_metric

    parse_metric(name)


def _step_pattern(name: str) -> None:
    from seqalign.warping.steps import get_step_pattern

    get_step_pattern(name)


def _window(name: str) -> None:
    from seqalign.warping.windows import WINDOWS

    if name.lower().replace("-", "").replace("_", "") not in WINDOWS:
        raise InputError(f"unknown window; choose one of: {', '.join(WINDOWS)}")


def _reading(field: str) -> Callable[[str], None]:
    def check(name: str) -> None:
        from seqalign.io import ReadOptions

        ReadOptions(**{field: name})

    return check


def _band(value: Any, flag: str) -> str:
    from seqalign.units import parse_band

    text = _text(value, flag)
    parse_band(text)  # checked now; turned into frames once B's frame rate is known
    return text


def _size(value: Any, flag: str) -> int:
    from seqalign.units import parse_size

    if isinstance(value, int) and not isinstance(value, bool):
        return parse_size(str(value), flag)
    return parse_size(_text(value, flag), flag)


def _rate(value: Any, flag: str) -> float:
    import math

    rate = _float(value, flag)
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(f"{flag} must be a positive number (frames per second), got {value!r}")
    return rate


@dataclass(frozen=True)
class Option:
    """One option of a batch job.

    Attributes
    ----------
    name : str
        The key in manifests, ``--set`` and :attr:`seqalign.batch.Job.options`.
    flag : str
        The option of ``seqalign warp`` / ``seqalign segment`` it mirrors (for messages).
    parse : callable
        ``(value, flag) -> typed value``; raises :class:`InputError` on a bad value.
    tasks : tuple of str
        The tasks it applies to.
    """

    name: str
    flag: str
    parse: Callable[[Any, str], Any]
    tasks: tuple[str, ...]


_BOTH = ("warp", "segment")
_WARP = ("warp",)
_SEGMENT = ("segment",)

#: Option name -> :class:`Option`: every per-job option a manifest or ``--set`` may give.
OPTIONS: dict[str, Option] = {
    o.name: o
    for o in (
        # reading inputs (both tasks)
        Option("features", "--features", _named(_reading("features")), _BOTH),
        Option("sample_rate", "--sample-rate", _int, _BOTH),
        Option("hop_length", "--hop-length", _int, _BOTH),
        Option("rate", "--rate", _rate, _BOTH),
        Option("key", "--key", _text, _BOTH),
        Option("column", "--column", _names, _BOTH),
        Option("time_column", "--time-column", _text, _BOTH),
        Option("normalize", "--normalize", _named(_reading("normalize")), _BOTH),
        Option("input_format", "--input-format", _named(_reading("format")), _BOTH),
        Option("missing", "--missing", _named(_reading("missing")), _BOTH),
        Option("transpose", "--transpose", _bool, _BOTH),
        Option("max_memory", "--max-memory", _size, _BOTH),
        # warp
        Option("rate_b", "--rate-b", _rate, _WARP),
        Option("metric", "--metric", _named(_metric), _WARP),
        Option("step_pattern", "--step-pattern", _named(_step_pattern), _WARP),
        Option("window", "--window", _named(_window), _WARP),
        Option("band", "--band", _band, _WARP),
        Option("open_begin", "--open-begin", _bool, _WARP),
        Option("open_end", "--open-end", _bool, _WARP),
        Option("subsequence", "--subsequence", _bool, _WARP),
        # segment
        Option("cost", "--cost", _text, _SEGMENT),
        Option("method", "--method", _text, _SEGMENT),
        Option("penalty", "--penalty", _text, _SEGMENT),
        Option("n_bkps", "--n-bkps", _int, _SEGMENT),
        Option("max_bkps", "--max-bkps", _int, _SEGMENT),
        Option("min_size", "--min-size", _int, _SEGMENT),
        Option("jump", "--jump", _int, _SEGMENT),
        Option("width", "--width", _int, _SEGMENT),
        Option("gamma", "--gamma", _float, _SEGMENT),
        Option("noise", "--noise", _float, _SEGMENT),
        Option("engine", "--engine", _text, _SEGMENT),
        Option("pruning", "--pruning", _text, _SEGMENT),
    )
}

_ALIASES = {"hop": "hop_length", "columns": "column", "k": "n_bkps"}


def canonical_name(key: str) -> str | None:
    """The :data:`OPTIONS` name of a column or ``--set`` key (``--step-pattern`` ->
    ``step_pattern``), or None when it names no option."""
    name = key.strip().lstrip("-").replace("-", "_").lower()
    name = _ALIASES.get(name, name)
    return name if name in OPTIONS else None


def parse_option(name: str, value: Any, task: str) -> Any:
    """The typed value of option ``name`` for a job of ``task``.

    Raises
    ------
    InputError
        The value is not valid for the option, or the option does not apply to ``task``.
    """
    option = OPTIONS[name]
    if task not in option.tasks:
        raise InputError(f"{option.flag} does not apply to {task} jobs")
    return option.parse(value, option.flag)


def parse_settings(pairs: Mapping[str, Any] | list[str] | None) -> dict[str, Any]:
    """Command-line defaults: ``["metric=cosine", "band=20"]`` (or a mapping) -> options.

    Values are checked against every task the option applies to; the result maps option
    names to typed values.

    Raises
    ------
    InputError
        A pair without ``=``, an unknown option (the message lists the valid ones) or a bad
        value.
    """
    if pairs is None:
        return {}
    items: list[tuple[str, Any]] = []
    if isinstance(pairs, Mapping):
        items = list(pairs.items())
    else:
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise InputError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set metric=cosine")
            items.append((key, value))
    settings: dict[str, Any] = {}
    for key, value in items:
        name = canonical_name(key)
        if name is None:
            raise InputError(
                f"--set {key}: unknown option; valid: {', '.join(sorted(OPTIONS))}",
                argument="set",
            )
        option = OPTIONS[name]
        settings[name] = parse_option(name, value, option.tasks[0])
    return settings
