"""Usage errors in one line, and the one check every number a user types goes through.

click words a usage error on four lines (Usage, Try, a blank line, Error); every other error of
seqalign is one line, so :func:`usage_line` rewords click's in the same shape::

    seqalign warp: error: no such option --frobnicate (see seqalign warp --help)
    seqalign segment: error: --jump two: not a whole number (see seqalign segment --help)

:func:`check_numbers` runs after parsing and before a command starts: every integer option must
lie within what the kernels take (:data:`MAX_INT`), every real-valued option must be finite.
Standard library only (``seqalign --help`` must not load numpy).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from seqalign.errors import InputError
from seqalign.units import MAX_FRAMES

#: The largest integer any option takes (:data:`seqalign.units.MAX_FRAMES`): frame counts,
#: sizes, hops and rates index int64 arrays whose products must not overflow, and no real input
#: comes near 2**31 of anything.
MAX_INT = MAX_FRAMES

_KINDS = {"int": "not a whole number", "float": "not a number"}


def typed_flag(param: Any, argv: Sequence[str] = ()) -> str:
    """The name a user types for a parameter: the spelling found in ``argv`` (``--hop`` for
    ``--hop-length``), else its long option, else its first, else its metavar (arguments)."""
    opts = list(getattr(param, "opts", None) or ())
    typed = [opt for arg in argv for opt in opts if arg == opt or arg.startswith(opt + "=")]
    if typed:
        return typed[-1]
    for opt in opts:
        if opt.startswith("--"):
            return opt
    if opts and getattr(param, "param_type_name", "") == "option":
        return opts[0]
    return (getattr(param, "metavar", None) or getattr(param, "name", "") or "value").upper()


def check_numbers(
    params: Mapping[str, Any], declared: Sequence[Any], argv: Sequence[str] = ()
) -> None:
    """Refuse an integer beyond :data:`MAX_INT` and a real number that is NaN or infinite.

    Parameters
    ----------
    params : mapping
        Parameter name -> parsed value (click's ``ctx.params``).
    declared : sequence
        The command's click parameters, to name the flag.
    argv : sequence of str
        The command line, to name the flag as it was typed.

    Raises
    ------
    InputError
        Naming the flag and the value.
    """
    flags = {getattr(p, "name", None): typed_flag(p, argv) for p in declared}
    for name, value in params.items():
        values = value if isinstance(value, (list, tuple)) else (value,)
        for item in values:
            if isinstance(item, bool):
                continue
            flag = flags.get(name, f"--{name.replace('_', '-')}")
            if isinstance(item, int) and abs(item) > MAX_INT:
                raise InputError(f"{flag} {item}: too large (at most {MAX_INT})")
            if isinstance(item, float) and not math.isfinite(item):
                raise InputError(f"{flag} {item}: not a finite number")


def _typed(argv: Sequence[str], param: Any) -> str | None:
    """What the user typed for ``param`` (the last occurrence), if it can be found."""
    opts = list(getattr(param, "opts", None) or ()) + list(
        getattr(param, "secondary_opts", None) or ()
    )
    found = None
    for k, arg in enumerate(argv):
        for opt in opts:
            if arg == opt and k + 1 < len(argv):
                found = argv[k + 1]
            elif arg.startswith(opt + "="):
                found = arg[len(opt) + 1 :]
    return found


def _kind(param: Any) -> str | None:
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if annotation is None:
        annotation = getattr(getattr(param, "type", None), "name", None)
    text = getattr(annotation, "__name__", str(annotation))
    for kind in _KINDS:
        if re.search(rf"\b{kind}\b", text or ""):
            return kind
    return None


def usage_line(error: Any, argv: Sequence[str] | None, commands: Sequence[str] = ()) -> str:
    """click's usage error ``error`` as one line, naming the command, the option and the value.

    ``argv`` is the command line (to show the value typed), ``commands`` the subcommands'
    names (to name the command when click's error carries no context).

    Examples
    --------
    >>> class Error:  # what click raises, reduced to what is read here
    ...     ctx = param = None
    ...     def format_message(self):
    ...         return "No such command 'frob'."
    >>> usage_line(Error(), ["frob"], ["warp", "segment"])
    'seqalign: error: no such command frob (see seqalign --help)'
    """
    ctx = getattr(error, "ctx", None)
    path = getattr(ctx, "command_path", None) or "seqalign"
    if path == "seqalign" and argv and argv[0] in commands:  # click gave no context
        path = f"seqalign {argv[0]}"
    param = getattr(error, "param", None)
    message = " ".join(str(error.format_message()).split())
    kind = _kind(param) if param is not None else None
    typed = _typed(argv or (), param) if param is not None else None
    if kind is not None and typed is not None and message.startswith("Invalid value"):
        message = f"{typed_flag(param, argv or ())} {typed}: {_KINDS[kind]}"
    else:
        message = re.sub(r"^(No such (?:option|command)):? ", r"\1 ", message)
        message = message.replace("'", "").rstrip(".")
        message = re.sub(r"\(Possible options:", "(possible options:", message)
        message = message[:1].lower() + message[1:]
    return f"{path}: error: {message} (see {path} --help)"
