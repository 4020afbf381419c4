"""Output formats chosen by extension: an extension no writer handles is an error, not CSV.

Each output whose format follows its file name (``-o``, ``--time-map``, ``--segments``...)
names the extensions it handles; :func:`format_by_extension` refuses any other before any work
is done, with the option, the value and the valid extensions. ``-`` and names without an
extension (``out``) keep the command's default format, and an explicit ``--format`` is not
second-guessed. Standard library only (``seqalign --help`` must not load numpy).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from seqalign.errors import InputError

__all__ = [
    "LABEL_EXTENSIONS",
    "OUTPUT_EXTENSIONS",
    "PROJECTION_EXTENSIONS",
    "format_by_extension",
]

#: Extension -> format of the outputs written by :mod:`seqalign.io.writers` (paths, time maps,
#: boundaries, segments); the writers choose a format from this table too.
OUTPUT_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".npz": "npz",
}


#: ``--labels``: an Audacity label track is tab-separated text (Audacity opens .txt).
LABEL_EXTENSIONS: dict[str, str] = {".txt": "labels"}
#: ``--projections``: always a NumPy archive.
PROJECTION_EXTENSIONS: dict[str, str] = {".npz": "npz"}


def format_by_extension(
    target: str, flag: str, extensions: Mapping[str, str], format_flag: str | None = "--format"
) -> str | None:
    """The format that ``target``'s extension names; None for ``-`` and names without one.

    Parameters
    ----------
    target : str
        The output as typed.
    flag : str
        The option that named it (``-o``, ``--time-map``...), for messages.
    extensions : mapping
        Extension (lower case, with the dot) -> format, every extension this output handles.
    format_flag : str or None
        The option that chooses the format instead (``--format``), named in the message.

    Raises
    ------
    InputError
        An extension not in ``extensions`` (``t.wav``): the message names the flag, the value
        and the valid extensions, before any work is done.

    Examples
    --------
    >>> format_by_extension("path.tab", "-o", OUTPUT_EXTENSIONS)
    'tsv'
    >>> format_by_extension("out", "-o", OUTPUT_EXTENSIONS) is None
    True
    """
    extension = "" if target == "-" else os.path.splitext(target)[1].lower()
    if not extension:
        return None
    if extension not in extensions:
        *others, last = extensions
        valid = f"{', '.join(others)} or {last}" if others else last
        instead = f" (or choose the format with {format_flag})" if format_flag else ""
        raise InputError(
            f"{flag} {target}: no writer for {extension} files; give a name ending in "
            f"{valid}{instead}",
            argument="output",
        )
    return extensions[extension]
