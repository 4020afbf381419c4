"""Read NumPy ``.npy`` arrays and ``.npz`` archives as time-first sequences.

A 1-D array of ``n`` values becomes ``(n, 1)``; a 2-D array is ``(frames, features)`` as is, or
``(features, frames)`` with ``ReadOptions.transpose``. Pickled objects are never loaded: a file
that is not a NumPy array (no ``NUMPY`` header), a truncated one, an object array or an archive
member that is not an array is refused with one line saying so.
"""

from __future__ import annotations

import contextlib
import math
import os
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np

from seqalign.errors import InputError
from seqalign.io.sequence import ReadOptions, Sequence, display_name

__all__ = ["read_npy", "read_npz"]

_LOAD_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, UnicodeDecodeError)
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if "pickle" in text:  # numpy would suggest allow_pickle=True: never what we want
        return "not an array numpy can read without pickle"
    return text or type(error).__name__


def _object_array(error: BaseException) -> bool:
    return isinstance(error, ValueError) and "Object arrays" in str(error)


@contextlib.contextmanager
def _opened(file: str | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(file, str):
        with open(file, "rb") as stream:
            yield stream
    else:
        yield file


def _head(stream: BinaryIO, size: int = 8) -> bytes:
    head = stream.read(size)
    stream.seek(0)
    return head


def _as_frames(array: np.ndarray, where: str, transpose: bool = False) -> np.ndarray:
    """Check an array's dtype and shape and return it as (frames, features) float64."""
    dtype = array.dtype
    if dtype.names is not None:
        raise InputError(
            f"{where} is a structured array (fields {', '.join(dtype.names)}); "
            "save a plain numeric (frames, features) array"
        )
    if np.issubdtype(dtype, np.complexfloating):
        raise InputError(f"{where} is complex ({dtype}); save its real features (e.g. abs)")
    if not (np.issubdtype(dtype, np.number) or dtype == np.bool_):
        raise InputError(
            f"{where} has non-numeric dtype {dtype}; save a numeric (frames, features) array"
        )
    if array.ndim == 0:
        raise InputError(f"{where} is a single number, not a sequence of frames")
    if array.ndim == 1:
        array = array[:, None]
    elif array.ndim > 2:
        raise InputError(
            f"{where} has shape {array.shape} ({array.ndim}-D); expected 1-D (frames) "
            "or 2-D (frames, features): reshape it to (frames, features) first"
        )
    elif transpose:
        array = array.T
    return np.ascontiguousarray(array, dtype=np.float64)


def _check_size(stream: BinaryIO, invalid: str) -> None:
    """Refuse a header whose shape needs more bytes than the file holds (before numpy would
    allocate them: a corrupt header can claim terabytes). Leaves ``stream`` at the start."""
    start = stream.tell()
    version = np.lib.format.read_magic(stream)
    read_header = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }.get(version)
    if read_header is None:  # a newer format: numpy checks it
        stream.seek(start)
        return
    shape, _, dtype = read_header(stream, max_header_size=100_000)
    if dtype.hasobject:  # numpy's own message says "pickled"
        stream.seek(start)
        return
    needed = dtype.itemsize * math.prod(shape)
    data_start = stream.tell()
    held = stream.seek(0, os.SEEK_END) - data_start
    stream.seek(start)
    if needed > held:
        raise InputError(
            f"{invalid} (truncated: its header says shape {tuple(shape)} of {dtype}, "
            f"{needed:,} bytes, but it holds {held:,})"
        )


def _check_member_size(archive: np.lib.npyio.NpzFile, key: str, invalid: str) -> None:
    """:func:`_check_size` for the member ``key`` of an .npz archive."""
    names = archive.zip.namelist()
    stored = key if key in names else f"{key}.npy"
    with archive.zip.open(stored) as raw:
        if raw.read(len(_NPY_MAGIC)) == _NPY_MAGIC:
            raw.seek(0)
            _check_size(raw, invalid)


def read_npy(file: str | BinaryIO, source: str, options: ReadOptions) -> Sequence:
    """Read a ``.npy`` array.

    Parameters
    ----------
    file : str or binary file
        Path, or an open binary stream (standard input's bytes).
    source : str
        The path as given, or ``"-"``, used in messages and kept in :attr:`Sequence.source`.
    options : ReadOptions
        ``rate`` gives the frame rate (None: unknown); ``transpose`` swaps a 2-D array's axes.

    Raises
    ------
    InputError
        Not a valid numeric .npy array file: no ``NUMPY`` header, truncated or corrupt, or
        an array of Python objects (which would need pickle, never used).
    """
    name = display_name(source)
    invalid = f"{name}: not a valid .npy array file"
    try:
        with _opened(file) as stream:
            head = _head(stream)
            if head.startswith(_ZIP_MAGIC):
                raise InputError(f"{invalid} (a zip: an .npz archive? use --input-format npz)")
            if not head.startswith(_NPY_MAGIC):
                raise InputError(f"{invalid} (no NUMPY header)")
            _check_size(stream, invalid)
            array = np.lib.format.read_array(stream, allow_pickle=False)
    except InputError:
        raise
    except _LOAD_ERRORS as error:
        if _object_array(error):
            raise InputError(
                f"{name}: not a numeric array file: the array holds Python objects (pickled), "
                "which are never loaded; save a numeric array"
            ) from error
        raise InputError(f"{invalid} (truncated or corrupt: {_one_line(error)})") from error
    data = _as_frames(array, f"{name}: the array", options.transpose)
    return Sequence(data=data, rate=options.rate, source=source, kind="array")


def read_npz(file: str | BinaryIO, source: str, options: ReadOptions) -> Sequence:
    """Read one array of a ``.npz`` archive: ``options.key``, or the only one it holds.

    Parameters
    ----------
    file : str or binary file
        Path, or an open binary stream.
    source : str
        The path as given, or ``"-"``.
    options : ReadOptions
        ``key`` names the array; ``rate`` gives the frame rate (None: unknown); ``transpose``
        swaps a 2-D array's axes.

    Raises
    ------
    InputError
        Not a valid .npz archive (no zip header, corrupt), or the chosen member is not a valid
        numeric .npy array (not an array, truncated, Python objects).
    """
    name = display_name(source)
    invalid = f"{name}: not a valid .npz archive"
    with contextlib.ExitStack() as stack:
        try:
            stream = stack.enter_context(_opened(file))
            head = _head(stream)
            if head.startswith(_NPY_MAGIC):
                raise InputError(f"{invalid} (a .npy array? use --input-format npy)")
            if not head.startswith(_ZIP_MAGIC):
                raise InputError(f"{invalid} (no zip header)")
            archive = stack.enter_context(np.load(stream, allow_pickle=False))
        except InputError:
            raise
        except _LOAD_ERRORS as error:
            raise InputError(f"{invalid} ({_one_line(error)})") from error
        keys = list(archive.files)
        available = ", ".join(repr(k) for k in sorted(keys))
        if not keys:
            raise InputError(f"{name}: the .npz archive holds no arrays")
        if options.key is not None:
            if options.key not in keys:
                raise InputError(
                    f"{name}: no array named {options.key!r} (--key); available: {available}",
                    argument="key",
                )
            key = options.key
        elif len(keys) == 1:
            key = keys[0]
        else:
            raise InputError(
                f"{name}: holds {len(keys)} arrays ({available}); choose one with --key",
                argument="key",
            )
        member = f"{name}: array {key!r}" + ("" if options.key is None else " (--key)")
        try:
            _check_member_size(archive, key, f"{member} is not a valid .npy array")
            array = archive[key]
        except InputError:
            raise
        except _LOAD_ERRORS as error:
            if _object_array(error):
                raise InputError(
                    f"{member} is not a numeric array: it holds Python objects (pickled), "
                    "which are never loaded; save a numeric array",
                    argument="key",
                ) from error
            raise InputError(
                f"{member} is not a valid .npy array (truncated or corrupt: {_one_line(error)})",
                argument="key",
            ) from error
    if not isinstance(array, np.ndarray):  # numpy hands back the bytes of a non-.npy member
        raise InputError(f"{member} is not a valid .npy array (no NUMPY header)", argument="key")
    data = _as_frames(array, member, options.transpose)
    return Sequence(data=data, rate=options.rate, source=source, kind="array")
