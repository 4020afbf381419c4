"""Read any supported input into a checked :class:`Sequence`: :func:`read_sequence`.

The format comes from ``options.format``, else the file extension, else the first bytes (always
for ``-``, standard input, which is read into memory). The reader's frames are then checked
(non-empty), their missing and infinite values handled as ``options.missing`` says, and
normalised. An array with fewer frames than features is read, with an
:class:`~seqalign.errors.InputWarning` (transposed?).
"""

from __future__ import annotations

import io
import os
import stat
import sys
import warnings
from collections.abc import Callable
from typing import BinaryIO

import numpy as np

from seqalign.errors import InputError, InputWarning, MemoryBudgetError
from seqalign.io.arrays import read_npy, read_npz
from seqalign.io.audio import read_audio
from seqalign.io.missing import resolve_missing
from seqalign.io.sequence import INPUT_FORMATS, ReadOptions, Sequence, display_name
from seqalign.io.tables import read_table
from seqalign.units import plural

__all__ = ["EXTENSIONS", "normalize", "read_sequence", "sniff_format"]

#: File extension (lower case) -> input format; other extensions are sniffed from the content.
EXTENSIONS: dict[str, str] = {
    **dict.fromkeys(
        (".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".aifc"),
        "audio",
    ),
    **dict.fromkeys((".au", ".snd", ".caf", ".w64", ".rf64"), "audio"),
    ".npy": "npy",
    ".npz": "npz",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x93NUMPY", "npy"),
    (b"PK", "npz"),
    (b"RIFF", "audio"),
    (b"RIFX", "audio"),
    (b"RF64", "audio"),
    (b"fLaC", "audio"),
    (b"OggS", "audio"),
    (b"FORM", "audio"),
    (b"ID3", "audio"),
    (b".snd", "audio"),
    (b"caff", "audio"),
)

_Reader = Callable[[str | BinaryIO, str, ReadOptions], Sequence]


def _table_reader(fmt: str | None) -> _Reader:
    return lambda file, source, options: read_table(file, source, options, fmt)


_READERS: dict[str | None, _Reader] = {
    "audio": read_audio,
    "npy": read_npy,
    "npz": read_npz,
    "csv": _table_reader("csv"),
    "tsv": _table_reader("tsv"),
    None: _table_reader(None),  # a text table whose delimiter is sniffed
}
assert set(_READERS) - {None} == set(INPUT_FORMATS)


def sniff_format(head: bytes) -> str | None:
    """Guess an input format from the first bytes of the content.

    Returns ``"npy"``, ``"npz"`` or ``"audio"`` for their magic numbers, None for text (a table
    whose delimiter is sniffed later), and raises :class:`InputError` for other binary content.

    Examples
    --------
    >>> sniff_format(b"RIFF....WAVEfmt ")
    'audio'
    >>> sniff_format(b"time,x\\n0,1\\n") is None
    True
    """
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
        return "audio"
    if b"\x00" in head:
        raise InputError(
            f"unrecognised binary content; give --input-format ({', '.join(INPUT_FORMATS)})",
            argument="format",
        )
    return None


def _check_path(path: str, name: str) -> bool:
    """Refuse a path that cannot be read; return whether it is something to read once rather
    than a file to seek in (a FIFO, a character device, a socket, ``<(...)``'s ``/dev/fd/N``)."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as error:
        raise InputError(f"{name}: cannot open ({error.strerror or error})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a directory, not a file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{name}: permission denied")
    return not stat.S_ISREG(info.st_mode)


def _read_all(stream: BinaryIO, name: str, limit: int | None) -> bytes:
    """Every byte of a stream read once (standard input, a pipe), refusing more than ``limit``
    (``/dev/zero`` never ends)."""
    chunks, size = [], 0
    while block := stream.read(1 << 20):
        chunks.append(block)
        size += len(block)
        if limit is not None and size > limit:
            from seqalign.memory import format_bytes

            raise MemoryBudgetError(
                f"{name}: more than {format_bytes(limit)} of input, over the memory budget; "
                "give a file instead of a stream"
            )
    return b"".join(chunks)


def _read_stream(path: str, name: str, limit: int | None) -> bytes:
    try:
        with open(path, "rb") as stream:
            return _read_all(stream, name, limit)
    except OSError as error:
        raise InputError(f"{name}: cannot read ({error.strerror or error})") from error


def _sniff_file(path: str, name: str) -> str | None:
    try:
        with open(path, "rb") as stream:
            head = stream.read(4096)
    except OSError as error:
        raise InputError(f"{name}: cannot read ({error.strerror or error})") from error
    try:
        return sniff_format(head)
    except InputError as error:
        raise InputError(f"{name}: {error.message}", argument=error.argument) from None


def normalize(data: np.ndarray, method: str) -> np.ndarray:
    """Normalise ``(n_frames, n_features)`` frames.

    ``"none"`` returns ``data``; ``"zscore"`` standardises each feature (ddof=0; a constant
    feature becomes 0); ``"l2"`` scales each frame to unit Euclidean norm (all-zero frames stay
    zero).

    Examples
    --------
    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]), "l2")
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if method == "none":
        return data
    if method == "zscore":
        centred = data - data.mean(axis=0)
        std = data.std(axis=0)
        constant = np.ptp(data, axis=0) == 0
        return np.ascontiguousarray(np.where(constant, 0.0, centred / np.where(constant, 1.0, std)))
    if method == "l2":
        norms = np.sqrt(np.einsum("ij,ij->i", data, data))[:, None]
        return np.ascontiguousarray(data / np.where(norms > 0, norms, 1.0))
    raise InputError(f"unknown normalisation {method!r} (--normalize)", argument="normalize")


def _check_shape(sequence: Sequence, options: ReadOptions) -> None:
    """Refuse an empty input; warn about an array with fewer frames than features."""
    name = sequence.label
    n_frames, n_features = sequence.data.shape
    if n_frames == 0:
        raise InputError(f"{name}: no frames (the input is empty)")
    if n_features == 0:
        raise InputError(f"{name}: no features (shape {sequence.data.shape})")
    if sequence.kind == "array" and n_frames < n_features:
        shape = f"{plural(n_frames, 'frame')} x {plural(n_features, 'feature')}"
        if options.transpose:
            shape += " after --transpose"
            hint = "leave out --transpose?"
        else:
            hint = "transposed? give --transpose"
        message = f"{name}: {shape}; arrays are time-first (frames, features): {hint}"
        warnings.warn(message, InputWarning, stacklevel=3)


def read_sequence(path: str | os.PathLike[str], options: ReadOptions | None = None) -> Sequence:
    """Read a file (or ``-``, standard input) as a sequence of frames.

    Parameters
    ----------
    path : str or path-like
        The input; ``-`` reads all of standard input.
    options : ReadOptions, optional
        How to read it (defaults: ``ReadOptions()``).

    Returns
    -------
    Sequence
        ``data`` of shape (n_frames, n_features), float64, C-contiguous, finite (missing and
        infinite values handled as ``options.missing`` says), non-empty, normalised as
        ``options.normalize`` asks.

    Raises
    ------
    InputError
        A missing or unreadable file, an unrecognised or corrupt format, an option that does
        not fit the file (``--key``, ``--column``...), empty input, or missing or infinite
        values under ``missing="error"``. The message is one line that starts with the file
        name (``standard input`` for ``-``).

    Warns
    -----
    InputWarning
        An array with fewer frames than features (probably (features, frames): see
        ``options.transpose``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "log.csv").write_text("t,x,y\\n0.0,1,2\\n0.5,3,4\\n1.0,5,6\\n")
    >>> seq = read_sequence(folder / "log.csv")
    >>> seq.data.shape, seq.rate, seq.feature_names
    ((3, 2), 2.0, ('x', 'y'))
    """
    options = ReadOptions() if options is None else options
    source = os.fsdecode(path)
    name = display_name(source)
    file: str | BinaryIO
    special = source != "-" and _check_path(source, name)
    if source == "-" or special:  # a pipe (<(...), a FIFO, /dev/stdin) is read once, whole
        from seqalign.memory import memory_budget

        limit = memory_budget(options.max_memory)
        if source == "-":
            raw = _read_all(sys.stdin.buffer, name, limit)
        else:
            raw = _read_stream(source, name, limit)
        if not raw:
            raise InputError(f"{name}: no data (the input is empty)")
        file = io.BytesIO(raw)
        extension = "" if source == "-" else os.path.splitext(source)[1].lower()
        fmt: str | None = options.format or EXTENSIONS.get(extension)
        if fmt is None:
            try:
                fmt = sniff_format(raw[:4096])
            except InputError as error:
                raise InputError(f"{name}: {error.message}", argument=error.argument) from None
    else:
        file = source
        fmt = options.format
        if fmt is None:
            fmt = EXTENSIONS.get(os.path.splitext(source)[1].lower())
        if fmt is None:
            fmt = _sniff_file(source, name)
    sequence = _READERS[fmt](file, source, options)
    _check_shape(sequence, options)
    sequence.data, _ = resolve_missing(
        sequence.data, options.missing, name, features=sequence.feature_names
    )
    sequence.data = normalize(sequence.data, options.normalize)
    return sequence
