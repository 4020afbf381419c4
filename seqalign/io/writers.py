"""Write alignment results: warping paths and time maps, as CSV/TSV, JSON or NPZ.

Every output goes through :func:`seqalign.io.outputs.atomic_output`: ``-`` is standard output; a
file is written to a temporary file in the same folder and renamed over the target only once it
is complete, so a failure never leaves a half-written file behind; links are followed, and
devices, FIFOs and sockets are written straight through.

Times are written in seconds rounded to the microsecond (``0.02322``, ``12.5``); CSV text for long
paths is built with vectorised numpy, not a Python loop per row.
"""

from __future__ import annotations

import functools
import io
import json
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from seqalign.errors import InputError
from seqalign.io.extensions import OUTPUT_EXTENSIONS
from seqalign.io.outputs import atomic_output, check_target

__all__ = [
    "WRITE_FORMATS",
    "Columns",
    "atomic_output",
    "check_target",
    "json_safe",
    "output_format",
    "write_columns",
    "write_path",
    "write_time_map",
]

#: Output format name -> description (the valid values of ``--format``).
WRITE_FORMATS: dict[str, str] = {
    "csv": "comma-separated values with a header row",
    "tsv": "tab-separated values with a header row",
    "json": "one JSON object: metadata, then the arrays as lists",
    "npz": "NumPy archive of arrays; metadata as a JSON string under 'metadata'",
}

_TIME_DECIMALS = 6


def output_format(target: str, fmt: str | None = None) -> str:
    """The format to write: ``fmt`` if given (checked), else from the extension, else ``"csv"``."""
    if fmt is None:
        extension = "" if target == "-" else os.path.splitext(target)[1].lower()
        return OUTPUT_EXTENSIONS.get(extension, "csv")
    if fmt not in WRITE_FORMATS:
        raise InputError(
            f"unknown output format {fmt!r} (--format); valid: {', '.join(WRITE_FORMATS)}",
            argument="format",
        )
    return fmt


# -- fast delimited text: every row at once, as a byte matrix with a mask of the kept bytes ------

_Block = tuple[np.ndarray, np.ndarray]  # (chars (n, width) uint8, keep (n, width) bool)


def _digits(magnitude: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits of non-negative integers, zero-padded to ``width``, as ASCII bytes."""
    dtype = np.uint32 if magnitude.size == 0 or magnitude.max() < 2**32 else np.uint64
    rest = magnitude.astype(dtype)
    chars = np.empty((magnitude.size, width), dtype=np.uint8)
    for k in range(width - 1, -1, -1):
        quotient = rest // 10
        chars[:, k] = rest - quotient * 10
        rest = quotient
    chars += ord("0")
    return chars


def _integer_block(magnitude: np.ndarray) -> _Block:
    """Digits without leading zeros (0 is written "0")."""
    width = len(str(int(magnitude.max()))) if magnitude.size else 1
    keep = magnitude[:, None] >= 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    keep[:, -1] = True
    return _digits(magnitude, width), keep


def _constant(n: int, char: str, keep: np.ndarray | bool = True) -> _Block:
    keep_block = np.empty((n, 1), dtype=bool)
    keep_block[:, 0] = keep
    return np.full((n, 1), ord(char), dtype=np.uint8), keep_block


def _int_blocks(values: np.ndarray) -> list[_Block]:
    values = np.asarray(values, dtype=np.int64)
    return [_constant(values.size, "-", values < 0), _integer_block(np.abs(values))]


def _time_blocks(values: np.ndarray) -> list[_Block]:
    """Seconds rounded to the microsecond, without trailing zeros: 12.5, 0.02322, 3.0."""
    scale = 10**_TIME_DECIMALS
    micro = np.rint(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)
    magnitude = np.abs(micro)
    fraction = _digits(magnitude % scale, _TIME_DECIMALS)
    significant = fraction[:, ::-1] != ord("0")
    n_digits = np.where(significant.any(axis=1), _TIME_DECIMALS - significant.argmax(axis=1), 1)
    return [
        _constant(micro.size, "-", micro < 0),
        _integer_block(magnitude // scale),
        _constant(micro.size, "."),
        (fraction, np.arange(_TIME_DECIMALS) < n_digits[:, None]),
    ]


#: Seconds beyond which microseconds overflow int64: such times take the plain, slow path.
_FAST_TIME_LIMIT = 9e12


def _time_text(value: float) -> str:
    """One time as :func:`_time_blocks` writes it, for any float (``1e+300`` stays readable)."""
    if not np.isfinite(value) or abs(value) >= 1e15:
        return repr(float(value))
    text = f"{value:.{_TIME_DECIMALS}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _delimited_rows(columns: dict[str, tuple[str, np.ndarray]], delimiter: str) -> str:
    """Rows formatted one value at a time (times too large for the vectorised path)."""
    cells = [
        [str(int(v)) for v in values] if kind == "int" else [_time_text(v) for v in values]
        for kind, values in columns.values()
    ]
    return "".join(delimiter.join(row) + "\n" for row in zip(*cells))


def _delimited(columns: dict[str, tuple[str, np.ndarray]], delimiter: str) -> str:
    """Header and rows of ``name -> (kind, values)`` columns, kind ``"int"`` or ``"time"``."""
    header = delimiter.join(columns) + "\n"
    n = len(next(iter(columns.values()))[1])
    if n == 0:
        return header
    if not all(
        kind == "int" or np.all(np.abs(v) < _FAST_TIME_LIMIT) for kind, v in columns.values()
    ):
        return header + _delimited_rows(columns, delimiter)
    blocks: list[_Block] = []
    for k, (kind, values) in enumerate(columns.values()):
        if k:
            blocks.append(_constant(n, delimiter))
        blocks.extend(_int_blocks(values) if kind == "int" else _time_blocks(values))
    blocks.append(_constant(n, "\n"))
    chars = np.hstack([chars for chars, _ in blocks])
    keep = np.hstack([keep for _, keep in blocks])
    return header + chars[keep].tobytes().decode("ascii")


# -- formats: each writes ``name -> (kind, values)`` columns and optional metadata --------------

Columns = dict[str, tuple[str, np.ndarray]]
"""Output columns in order: name -> (``"int"`` or ``"time"``, values)."""


def json_safe(value: Any) -> Any:
    """Metadata made JSON-safe: numpy scalars and arrays to Python, non-finite floats to None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _arrays(columns: Columns) -> dict[str, np.ndarray]:
    """The columns as arrays, ``a_index`` and ``b_index`` joined into an (L, 2) ``path``."""
    arrays = {name: values for name, (_, values) in columns.items()}
    if "a_index" in arrays:
        arrays = {"path": np.column_stack([arrays.pop("a_index"), arrays.pop("b_index")]), **arrays}
    return arrays


def _delimited_bytes(delimiter: str, columns: Columns, metadata: dict[str, Any] | None) -> bytes:
    return _delimited(columns, delimiter).encode()


def _json_bytes(columns: Columns, metadata: dict[str, Any] | None) -> bytes:
    record = json_safe(dict(metadata or {}))
    for name, values in _arrays(columns).items():
        integer = name == "path" or np.issubdtype(values.dtype, np.integer)
        record[name] = (
            values.tolist() if integer else json_safe(np.round(values, _TIME_DECIMALS) + 0.0)
        )
    return (json.dumps(record, allow_nan=False) + "\n").encode()


def _npz_bytes(columns: Columns, metadata: dict[str, Any] | None) -> bytes:
    arrays = _arrays(columns)
    if metadata is not None:
        arrays["metadata"] = np.array(json.dumps(json_safe(metadata), allow_nan=False))
    buffer = io.BytesIO()  # the zip writer seeks; standard output cannot
    np.savez(buffer, **arrays)
    return buffer.getvalue()


#: Format -> function formatting the columns (and metadata) as the file's bytes.
_WRITERS: dict[str, Callable[[Columns, dict[str, Any] | None], bytes]] = {
    "csv": functools.partial(_delimited_bytes, ","),
    "tsv": functools.partial(_delimited_bytes, "\t"),
    "json": _json_bytes,
    "npz": _npz_bytes,
}


def write_columns(
    target: str, fmt: str, columns: Columns, metadata: dict[str, Any] | None, flag: str
) -> None:
    """Write ``columns`` (and ``metadata``, where the format holds it) to ``target`` in the
    format ``fmt`` of :data:`WRITE_FORMATS`, atomically (:func:`atomic_output`; ``flag``
    names the option for errors)."""
    data = _WRITERS[fmt](columns, metadata)
    with atomic_output(target, binary=True, flag=flag) as stream:
        stream.write(data)


assert set(_WRITERS) == set(WRITE_FORMATS)


def _path_times(times: np.ndarray | None, indices: np.ndarray, which: str) -> np.ndarray | None:
    if times is None:
        return None
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or (indices.size and times.size <= indices.max()):
        raise InputError(
            f"{which}_times must hold one time per frame of {which.upper()} "
            f"(at least {int(indices.max()) + 1}), got shape {times.shape}",
            argument=f"{which}_times",
        )
    return times[indices]


def write_path(
    target: str,
    path: np.ndarray,
    *,
    fmt: str | None = None,
    a_times: np.ndarray | None = None,
    b_times: np.ndarray | None = None,
    metadata: dict[str, Any] | None = None,
    flag: str = "-o",
) -> None:
    """Write a warping path.

    Parameters
    ----------
    target : str
        Output path, or ``-`` for standard output.
    path : ndarray, shape (L, 2), int
        Frame indices into A and B, start to end.
    fmt : str, optional
        A key of :data:`WRITE_FORMATS`; default from the extension of ``target``, else csv.
    a_times, b_times : ndarray, shape (n_a,) and (n_b,), optional
        Time of every frame of A (of B), e.g. ``Sequence.times()``; the path's times are
        ``a_times[path[:, 0]]`` and ``b_times[path[:, 1]]``. Left out when not given.
    metadata : dict, optional
        Fields such as distance, normalized_distance, metric, step_pattern, lengths; written in
        JSON (before ``path``) and NPZ (a JSON string under ``metadata``), not in CSV/TSV.
    flag : str
        The option that named ``target``, for error messages.

    Notes
    -----
    CSV/TSV: header ``a_index,b_index[,a_time][,b_time]``, one row per step. JSON: one object,
    ``{...metadata, "path": [[i, j], ...], "a_time": [...], "b_time": [...]}``. NPZ: arrays
    ``path`` (L, 2) int64, ``a_time`` and ``b_time`` (L,) float64, ``metadata`` (0-d str).
    """
    fmt = output_format(target, fmt)
    path = np.asarray(path)
    if path.ndim != 2 or path.shape[1] != 2 or not np.issubdtype(path.dtype, np.integer):
        raise InputError(
            f"path must be an (L, 2) integer array, got shape {path.shape} and dtype {path.dtype}",
            argument="path",
        )
    path = path.astype(np.int64, copy=False)
    columns: Columns = {"a_index": ("int", path[:, 0]), "b_index": ("int", path[:, 1])}
    for which, times, k in (("a", a_times, 0), ("b", b_times, 1)):
        selected = _path_times(times, path[:, k], which)
        if selected is not None:
            columns[f"{which}_time"] = ("time", selected)
    write_columns(target, fmt, columns, metadata or {}, flag)


def write_time_map(
    target: str,
    a_times: np.ndarray,
    b_times: np.ndarray,
    *,
    confidence: np.ndarray | None = None,
    fmt: str | None = None,
    flag: str = "--time-map",
) -> None:
    """Write a time map: pairs of corresponding times in A and B, in seconds.

    Parameters
    ----------
    target : str
        Output path, or ``-`` for standard output.
    a_times, b_times : ndarray, shape (n,)
        Corresponding times.
    confidence : ndarray, shape (n,), optional
        A third column: the confidence of each point, in ``[0, 1]``
        (:func:`seqalign.warping.timemap.confidence`).
    fmt : str, optional
        A key of :data:`WRITE_FORMATS`; default from the extension of ``target``, else csv.
    flag : str
        The option that named ``target``, for error messages.

    Notes
    -----
    CSV/TSV: header ``a_time,b_time`` (``a_time,b_time,confidence`` with ``confidence``).
    JSON: ``{"a_time": [...], "b_time": [...]}`` (and ``"confidence"``). NPZ: arrays
    ``a_time`` and ``b_time`` (and ``confidence``).
    """
    fmt = output_format(target, fmt)
    a = np.asarray(a_times, dtype=np.float64)
    b = np.asarray(b_times, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise InputError(
            f"a_times and b_times must be 1-D of equal length, got {a.shape} and {b.shape}",
            argument="a_times",
        )
    columns: Columns = {"a_time": ("time", a), "b_time": ("time", b)}
    if confidence is not None:
        c = np.asarray(confidence, dtype=np.float64)
        if c.shape != a.shape:
            raise InputError(f"confidence must match a_times, got {c.shape} and {a.shape}",
                             argument="confidence")  # fmt: skip
        columns["confidence"] = ("time", c)
    write_columns(target, fmt, columns, None, flag)
