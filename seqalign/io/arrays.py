"""Read NumPy ``.npy`` arrays and ``.npz`` archives as time-first sequences.

A 1-D array of ``n`` values becomes ``(n, 1)``; a 2-D array is ``(frames, features)`` as is.
Pickled objects are never loaded.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

import numpy as np

from seqalign.errors import InputError
from seqalign.io.sequence import ReadOptions, Sequence, display_name

__all__ = ["read_npy", "read_npz"]

_LOAD_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _as_frames(array: np.ndarray, where: str) -> np.ndarray:
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
    return np.ascontiguousarray(array, dtype=np.float64)


def read_npy(file: str | BinaryIO, source: str, options: ReadOptions) -> Sequence:
    """Read a ``.npy`` array.

    Parameters
    ----------
    file : str or binary file
        Path, or an open binary stream (standard input's bytes).
    source : str
        The path as given, or ``"-"``, used in messages and kept in :attr:`Sequence.source`.
    options : ReadOptions
        ``rate`` gives the frame rate (None: unknown).
    """
    name = display_name(source)
    try:
        array = np.load(file, allow_pickle=False)
    except ValueError as error:
        if "Object arrays" in str(error):
            raise InputError(
                f"{name}: the array holds Python objects (pickled), which are not loaded; "
                "save a numeric array"
            ) from error
        if "pickled data" in str(error):
            raise InputError(f"{name}: not a NumPy .npy file (no NUMPY header)") from error
        raise InputError(f"{name}: cannot read .npy array ({_one_line(error)})") from error
    except _LOAD_ERRORS as error:
        raise InputError(f"{name}: cannot read .npy array ({_one_line(error)})") from error
    if not isinstance(array, np.ndarray):
        raise InputError(f"{name}: is not a .npy array (an .npz archive? use --input-format npz)")
    data = _as_frames(array, f"{name}: the array")
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
        ``key`` names the array; ``rate`` gives the frame rate (None: unknown).
    """
    name = display_name(source)
    try:
        archive = np.load(file, allow_pickle=False)
    except ValueError as error:
        if "pickled data" in str(error):
            raise InputError(f"{name}: not a NumPy .npz archive (no zip header)") from error
        raise InputError(f"{name}: cannot read .npz archive ({_one_line(error)})") from error
    except _LOAD_ERRORS as error:
        raise InputError(f"{name}: cannot read .npz archive ({_one_line(error)})") from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InputError(f"{name}: is not an .npz archive (a .npy array? use --input-format npy)")
    with archive:
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
        try:
            array = archive[key]
        except ValueError as error:
            if "Object arrays" in str(error):
                raise InputError(
                    f"{name}: array {key!r} (--key) holds Python objects (pickled), which are "
                    "not loaded; save a numeric array",
                    argument="key",
                ) from error
            raise InputError(f"{name}: cannot read array {key!r} ({_one_line(error)})") from error
        except _LOAD_ERRORS as error:
            raise InputError(f"{name}: cannot read array {key!r} ({_one_line(error)})") from error
    data = _as_frames(array, f"{name}: array {key!r}")
    return Sequence(data=data, rate=options.rate, source=source, kind="array")
