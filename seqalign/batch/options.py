"""The options a batch job accepts: the manifest columns and ``--set`` keys.

They come from the one option registry, :mod:`seqalign.options`: every option of
``seqalign warp`` and ``seqalign segment`` but their outputs, named like the flag without the
dashes: ``metric``, ``step_pattern`` (or ``step-pattern``), ``band``, ``solver``, ``anchor``,
``n_bkps``, ``search``, ``column``... Values are text (a CSV cell; repeatable options such as
``column`` and ``anchor`` separated by ``;``) or, in JSON lines, JSON values; they are parsed to
typed values here, so a bad value fails its job with a message naming the option, and so that
the content hash of a job (:mod:`seqalign.batch.jobs`) sees ``"200"`` and ``200`` as the same
band. A job runs the task of its command (:mod:`seqalign.tasks`) with these options.

Names (metric, step pattern, window, solver, features, normalisation...) are checked against
their registries when parsed, so that ``--set metric=bogus`` is a usage error before any job
runs; the registries load (with numpy) only then. Other names (cost, search, penalty...) are
checked by the library when the job runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from seqalign.errors import InputError
from seqalign.options import OPTIONS as REGISTRY

__all__ = ["OPTIONS", "TASKS", "canonical_name", "parse_option", "parse_settings"]

#: Task name -> what it does (the valid values of the ``task`` column).
TASKS: dict[str, str] = {
    "warp": "align input a to input b with DTW; writes the warping path",
    "segment": "find the changes of one input; writes the boundaries",
}


@dataclass(frozen=True)
class Option:
    """One option of a batch job (a view of :class:`seqalign.options.Option`).

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


#: Option name -> :class:`Option`: every per-job option a manifest or ``--set`` may give: the
#: options of ``seqalign warp`` and ``seqalign segment`` but their outputs, from the registry.
OPTIONS: dict[str, Option] = {
    name: Option(name, o.flag, o.parse, tuple(t for t in TASKS if t in o.commands))
    for name, o in REGISTRY.items()
    if not o.output and any(t in o.commands for t in TASKS)
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
