"""Exceptions and warnings raised by seqalign.

Every error a user can cause is a :class:`SeqalignError`. The command line maps
:class:`InputError` (bad input or option) to exit code 2 and any other
:class:`SeqalignError` (a failure while working) to exit code 1.

``argument`` names what is at fault in Python terms (``"x"``, ``"y"``, ``"radius"``...);
the command line uses it to name the file or the option the user typed.

:class:`InputWarning` flags input that reads but is probably not what the user meant (an array
with fewer frames than features: transposed?); the command line prints each as one line,
``seqalign: warning: ...``, unless ``--quiet``.
"""

from __future__ import annotations


class SeqalignError(Exception):
    """Base class for every error seqalign raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.argument = argument

    def __str__(self) -> str:
        return self.message


class InputError(SeqalignError, ValueError):
    """Bad input data, a bad option value, or an unreadable file (exit code 2)."""

    exit_code = 2


class MemoryBudgetError(InputError, MemoryError):
    """A request whose memory would exceed what the machine (or the budget) allows."""


class NoPathError(InputError):
    """The window and step pattern admit no warping path between the two ends."""


class InputWarning(UserWarning):
    """Input that reads but looks wrong, e.g. an array with fewer frames than features."""
