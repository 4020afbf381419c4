"""Read the reference (or the prediction) of an alignment: a warping path or a time map.

:func:`read_time_map` reads what ``seqalign warp`` writes (:mod:`seqalign.io.writers`): a path
``a_index,b_index,a_time,b_time`` or a time map ``a_time,b_time``, as CSV, TSV, JSON or NPZ;
or any table of two time columns in seconds, the times in A then in B, such as
``examples/take2_truth.csv`` (``take1_time,take2_time``).
"""

from __future__ import annotations

import io
import json
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from seqalign.errors import InputError
from seqalign.io.annotations import (
    Loaded,
    header_row,
    is_json,
    is_number,
    load,
    parse_json,
    text_rows,
)
from seqalign.units import plural

__all__ = ["TimeMapFile", "read_time_map"]


@dataclass
class TimeMapFile:
    """A path or a time map read from a file, for :func:`seqalign.evaluate.score_alignment`.

    Attributes
    ----------
    source : str
    a_time, b_time : ndarray, shape (L,)
        Corresponding times (frame indices when the file has none).
    path : ndarray of int64, shape (L, 2), or None
        The frame indices of a warping path; None for a time map.
    rate_b : float or None
        Frames per second of B, when the file gives it (or its path's times imply it).
    """

    source: str
    a_time: np.ndarray
    b_time: np.ndarray
    path: np.ndarray | None = None
    rate_b: float | None = None


def _columns(file: Loaded) -> dict[str, np.ndarray]:
    """The numeric columns of a table with a header."""
    rows = text_rows(file)
    header = header_row(rows)
    if header is None:
        raise InputError(f"{file.name}: no header row; name the columns (e.g. a_time,b_time)")
    columns: dict[str, list[float]] = {name: [] for name in header}
    for line, fields in rows[1:]:
        if len(fields) != len(header):
            raise InputError(
                f"{file.name}: line {line} has {plural(len(fields), 'field')} but the header has "
                f"{len(header)} ({', '.join(header)})"
            )
        for name, text in zip(header, fields):
            if not is_number(text) or not math.isfinite(float(text)):
                raise InputError(
                    f"{file.name}: line {line}, column {name!r}: {text!r} is not a number"
                )
            columns[name].append(float(text))
    return {name: np.array(values) for name, values in columns.items()}


def _arrays(file: Loaded) -> dict[str, Any]:
    """Columns and metadata of a JSON, NPZ or delimited path or time map."""
    if file.data[:2] == b"PK":
        try:
            with np.load(io.BytesIO(file.data), allow_pickle=False) as archive:
                arrays: dict[str, Any] = {key: archive[key] for key in archive.files}
        except (OSError, ValueError) as error:
            raise InputError(f"{file.name}: not a readable NPZ archive") from error
        if "metadata" in arrays:
            arrays.update(json.loads(str(arrays.pop("metadata"))))
        return arrays
    if is_json(file):
        value = parse_json(file)
        if not isinstance(value, dict):
            raise InputError(f"{file.name}: expected a JSON object with a_time and b_time")
        return value
    return _columns(file)


def _rate(index: np.ndarray, times: np.ndarray) -> float | None:
    span = float(times.max() - times.min())
    if span <= 0:
        return None
    return float(f"{float(index.max() - index.min()) / span:.10g}")


def read_time_map(file: str | os.PathLike[str] | Loaded) -> TimeMapFile:
    """Read a warping path or a time map (see the module's notes for the forms).

    Columns ``a_index,b_index`` make a path (times from ``a_time,b_time`` when present, else
    the indices, divided by ``a_rate``/``b_rate`` when a JSON or NPZ file gives them);
    ``a_time,b_time`` alone make a time map; otherwise a table must have exactly two columns,
    the times in A then in B.

    Examples
    --------
    >>> tm = read_time_map(Loaded("-", b"take1_time,take2_time\\n0.25,0.4\\n0.5,0.6\\n"))
    >>> tm.a_time.tolist(), tm.b_time.tolist(), tm.path is None
    ([0.25, 0.5], [0.4, 0.6], True)
    """
    file = load(file)
    arrays = _arrays(file)
    try:
        path = None
        if "path" in arrays:
            path = np.asarray(arrays["path"], dtype=np.float64)
        elif "a_index" in arrays and "b_index" in arrays:
            path = np.column_stack([arrays["a_index"], arrays["b_index"]]).astype(np.float64)
        rate_b = arrays.get("b_rate")
        if path is not None:
            if path.ndim != 2 or path.shape[1:] != (2,) or not (path == np.rint(path)).all():
                raise ValueError("the path must be pairs of whole numbers")
            path = path.astype(np.int64)
            rate_a = arrays.get("a_rate")
            a_time = arrays.get("a_time", path[:, 0] / (rate_a or 1.0))
            b_time = arrays.get("b_time", path[:, 1] / (rate_b or 1.0))
        elif "a_time" in arrays and "b_time" in arrays:
            a_time, b_time = arrays["a_time"], arrays["b_time"]
        elif len(arrays) == 2 and not is_json(file):
            a_time, b_time = arrays.values()
        else:
            raise ValueError(f"found {', '.join(arrays) or 'nothing'}")
        a_time = np.asarray(a_time, dtype=np.float64)
        b_time = np.asarray(b_time, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(
            f"{file.name}: not a path or time map ({error}); expected a_index,b_index[,a_time,"
            "b_time], a_time,b_time, or two time columns"
        ) from None
    n = len(path) if path is not None else a_time.size
    if a_time.shape != (n,) or b_time.shape != (n,) or n == 0:
        raise InputError(
            f"{file.name}: {plural(a_time.size, 'time')} in A but {b_time.size} in B"
            if a_time.size != b_time.size
            else f"{file.name}: no rows"
        )
    if not (np.isfinite(a_time).all() and np.isfinite(b_time).all()):
        raise InputError(f"{file.name}: a time is not a finite number")
    if path is not None and not isinstance(rate_b, (int, float)):
        rate_b = _rate(path[:, 1], b_time)
    return TimeMapFile(file.source, a_time, b_time, path, rate_b)
