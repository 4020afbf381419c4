"""The commands' Typer parameters, generated from the option registry, and their helpers.

Every option is declared once, in :mod:`seqalign.options` (flags, help, panel, the commands it
applies to); :func:`declare` turns one into the ``Annotated`` parameter of a command, and the
names below (:data:`Features`, :data:`Metric`, :data:`BandOption`...) are those the commands
share. What the options mean is the task layer's (:mod:`seqalign.tasks`); the checks of
outputs and inputs are re-exported from :mod:`seqalign.tasks.common`; the readers' warnings
are shown by :func:`input_warnings`. Errors of the library are reworded in the terms the user
typed by :mod:`seqalign.wording`.

Only the standard library and typer are imported here: ``seqalign --help`` must not load
numpy. The registries (metrics, step patterns, windows, feature sets) stay the single source
of the valid names: options are plain strings, validated by the library, and the help texts
name the valid values literally (a test keeps them in step with the registries).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Annotated, Any

import typer

from seqalign.cli import compiling
from seqalign.options import (
    ALIGN_PANEL,
    ALIGNMENTS_PANEL,
    BARYCENTER_PANEL,
    BATCH_PANEL,
    FOLLOW_PANEL,
    INPUT_PANEL,
    LONG_PANEL,
    MATRIX_PANEL,
    OPTIONS,
    OUTPUT_PANEL,
    SEARCH_PANEL,
    SEGMENTATIONS_PANEL,
    SOFT_PANEL,
    WARP,
    options_of,
    parse_bool,
    parse_float,
    parse_int,
    parse_names,
    parse_rate,
)
from seqalign.options import parse_size as parse_size_option
from seqalign.tasks.common import (  # noqa: F401  (re-exported for the commands)
    check_inputs,
    check_output,
    check_rate,
    check_same_features,
    check_targets,
)
from seqalign.units import Band, parse_band, parse_size, plural  # noqa: F401  (re-exported)

__all__ = ["ALIGN_PANEL", "INPUT_PANEL", "OUTPUT_PANEL", "declare", "input_warnings"]


_TYPES: dict[Any, Any] = {
    parse_int: int | None,
    parse_float: float | None,
    parse_rate: float | None,
    parse_bool: bool,
    parse_names: list[str] | None,
}


def declare(name: str, command: str = WARP, **extra: Any) -> Any:
    """The Typer parameter of registry option ``name`` for ``command``: an ``Annotated`` type
    with its flags, metavar, help and panel from :data:`seqalign.options.OPTIONS`."""
    o = OPTIONS[name]
    kind = _TYPES.get(o.parse, str | None)
    if o.flags[0].startswith("--verify/"):
        kind = bool | None
    text = o.help_for(command)
    return Annotated[
        kind,
        typer.Option(
            *o.flags,
            metavar=o.metavar,
            help=text,
            rich_help_panel=o.panel_for(command),
            show_default="[default:" not in text and kind is not bool,
            **extra,
        ),
    ]


_PANELS = (
    SOFT_PANEL,
    BARYCENTER_PANEL,
    MATRIX_PANEL,
    SEARCH_PANEL,
    ALIGN_PANEL,
    FOLLOW_PANEL,
    LONG_PANEL,
    SEGMENTATIONS_PANEL,
    ALIGNMENTS_PANEL,
    BATCH_PANEL,
    INPUT_PANEL,
    OUTPUT_PANEL,
)
_KEYWORD = inspect.Parameter.KEYWORD_ONLY
#: The default of an option that must be given (``batch -o DIR``).
REQUIRED = inspect.Parameter.empty


def signature(
    command: str, settings: type | Mapping[str, Any], arguments: list[inspect.Parameter]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the signature Typer reads: ``arguments``, then every registry option of
    ``command`` (grouped by help panel), then ``--quiet``. The defaults come from the task's
    ``settings`` dataclass, or a mapping for the commands without a task (None where it has no
    entry; :data:`REQUIRED` for an option without a default). The command itself takes
    ``**options``: see :func:`settings_of`."""
    if isinstance(settings, Mapping):
        defaults = dict(settings)
    else:
        defaults = {f.name: f.default for f in dataclasses.fields(settings)}
    chosen = sorted(options_of(command).values(), key=lambda o: _PANELS.index(o.panel_for(command)))
    parameters = [
        inspect.Parameter(
            o.name, _KEYWORD, default=defaults.get(o.name), annotation=declare(o.name, command)
        )
        for o in chosen
    ]
    quiet = inspect.Parameter("quiet", _KEYWORD, default=False, annotation=Quiet)

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        function.__signature__ = inspect.Signature([*arguments, *parameters, quiet])  # type: ignore[attr-defined]
        return function

    return decorate


def argument(
    name: str, metavar: str, help: str, kind: Any = str, default: Any = inspect.Parameter.empty
) -> inspect.Parameter:
    """A positional argument (input paths) of a command's signature."""
    info = typer.Argument(help=help, metavar=metavar, show_default=False)
    return inspect.Parameter(
        name,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=default,
        annotation=Annotated[kind, info],
    )


def settings_of(settings: type, values: dict[str, Any]) -> Any:
    """The task's settings from the parsed command line: sizes (``2GB``) in bytes, repeated
    options as tuples; the other values as Typer parsed them."""
    given: dict[str, Any] = {}
    for name, value in values.items():
        o = OPTIONS.get(name)
        if o is not None and value is not None and o.parse is parse_size_option:
            value = o.parse(value, o.flag)
        elif isinstance(value, list):
            value = tuple(value) or None
        given[name] = value
    names = {f.name for f in dataclasses.fields(settings)}
    return settings(**{k: v for k, v in given.items() if k in names})


def typed_values(command: str, values: dict[str, Any], names: Iterable[str]) -> dict[str, str]:
    """What the user typed for options ``names``, by the library argument errors name (for
    :func:`seqalign.wording.reword`): ``{"max_memory": "2GB"}``."""
    typed = {}
    for name in names:
        o, value = OPTIONS[name], values.get(name)
        text = "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
        typed[o.argument or name] = text
    return typed


Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No summary on standard error, nor the notice that kernels compile (first run).",
        rich_help_panel=OUTPUT_PANEL,
        callback=compiling.quiet_option,
    ),
]


@contextlib.contextmanager
def input_warnings(quiet: bool) -> Iterator[None]:
    """Show the readers' :class:`~seqalign.errors.InputWarning` (an array with fewer frames
    than features...) as one line each on standard error, ``seqalign: warning: ...``, once the
    block has succeeded. ``--quiet`` drops them, and so does an error: its one line says what
    went wrong. Other warnings are shown as Python shows them."""
    import warnings

    from seqalign.errors import InputWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        yield
    for warning in caught:
        if not issubclass(warning.category, InputWarning):
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        elif not quiet:
            sys.stderr.write(f"seqalign: warning: {' '.join(str(warning.message).split())}\n")
