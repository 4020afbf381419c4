"""Library errors in the user's terms: the file A or B, the flag, the value typed.

The library names what is at fault in Python terms (``SeqalignError.argument`` is ``"x"``,
``"radius"``, ``"step_pattern"``...). :data:`seqalign.options.FLAGS`, from the option
registry, is the one table from those names to the command-line flags, and :func:`naming`
rewords an error raised inside its block; the exit code
is left to :func:`seqalign.cli.main.main`, the one place that maps exceptions to codes.

It lives beside the API rather than in ``seqalign/cli`` because batch manifests
(:mod:`seqalign.batch`) name their options with the same flags and word a failed job's
reason the way the command would. Standard library only.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping

from seqalign.errors import SeqalignError
from seqalign.options import FLAGS, flag_of

_FLAG_IN_TEXT = re.compile(r"(?<![\w-])(--[a-z]|-o\b)")
_IDENTIFIERS = re.compile(r"\b(" + "|".join(k for k in FLAGS if "_" in k) + r")\b")


def _display(path: str) -> str:
    return "standard input" if path == "-" else path


def reword(
    error: SeqalignError,
    inputs: Mapping[str, tuple[str, str]],
    typed: Mapping[str, str] | None = None,
) -> SeqalignError:
    """``error`` with its message in command-line terms (the same class, so the same exit code).

    Parameters
    ----------
    error : SeqalignError
        Raised by the library; ``error.argument`` names the Python argument at fault.
    inputs : mapping
        Python argument -> (letter, path) of each input, e.g. ``{"x": ("A", "a.wav")}``. An
        error about ``x`` is prefixed with ``a.wav:`` (unless it names the file already) and
        says ``A`` where it said ``x``.
    typed : mapping, optional
        Python argument -> what the user typed (``{"radius": "2.5s (108 frames)"}``), shown
        after the flag.

    Messages that already name a flag (readers and writers word theirs for the command line)
    are left as they are, and so are errors whose argument is unknown here.

    Examples
    --------
    >>> from seqalign.errors import InputError
    >>> reword(InputError("unknown metric 'l3'", argument="metric"), {}).message
    "--metric: unknown metric 'l3'"
    >>> reword(InputError("y is empty", argument="y"), {"y": ("B", "b.npy")}).message
    'b.npy: B is empty'
    """
    message, argument = error.message, error.argument
    if argument in inputs:
        letters = {arg: letter for arg, (letter, _) in inputs.items()}
        message = re.sub(
            r"\b(" + "|".join(map(re.escape, letters)) + r")\b",
            lambda m: letters[m[1]],
            message,
        )
        name = _display(inputs[argument][1])
        if name not in message:
            message = f"{name}: {message}"
    elif argument in FLAGS and not _FLAG_IN_TEXT.search(message):
        message = _IDENTIFIERS.sub(lambda m: flag_of(m[1]) or m[1], message)
        flag = shown = FLAGS[argument]
        if typed and typed.get(argument):
            shown = f"{shown} {typed[argument]}"
        if message.startswith(flag + " "):  # "--n-bkps must be..." reads as it is
            message = message[len(flag) + 1 :]
            message = f"{shown}: {message}" if shown != flag else f"{flag} {message}"
        else:
            message = f"{shown}: {message}"
    if message == error.message:
        return error
    return type(error)(message, argument=argument)


@contextlib.contextmanager
def naming(
    inputs: Mapping[str, tuple[str, str]],
    typed: Mapping[str, str] | None = None,
) -> Iterator[None]:
    """Re-raise a :class:`SeqalignError` from the block reworded by :func:`reword`."""
    try:
        yield
    except SeqalignError as error:
        better = reword(error, inputs, typed)
        if better is error:
            raise
        raise better from error
