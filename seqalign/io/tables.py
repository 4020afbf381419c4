"""Read CSV/TSV tables (a header row, then one row per frame) as time-first sequences.

The delimiter comes from the format (``csv``: comma, ``tsv``: tab) or is sniffed from the header
line (tab, comma, semicolon, else whitespace). Timing comes from ``--rate`` or a time column in
seconds; timestamps must be strictly increasing, and irregular ones (a step more than
:data:`REGULAR_TOLERANCE` of the median step away from it) are resampled onto a uniform grid at
the median step by linear interpolation of each column. Missing values (empty, NaN, NA...) and
infinite ones follow ``--missing``; a missing or infinite time is always an error. With
``--transpose`` the table is read as (features, frames): each numeric column is a frame.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np

from seqalign.errors import InputError
from seqalign.io.missing import resolve_missing
from seqalign.io.sequence import ReadOptions, Sequence, display_name
from seqalign.units import plural

__all__ = ["REGULAR_TOLERANCE", "TIME_COLUMN_NAMES", "read_table"]

#: Column names (case-insensitive) taken as the time column when neither --time-column nor
#: --rate is given.
TIME_COLUMN_NAMES = ("time", "t", "timestamp", "seconds")

#: Timestamps are regular when every step is within this fraction of the median step.
REGULAR_TOLERANCE = 0.01

#: Resampling irregular timestamps may not create more than this many frames per row read.
MAX_RESAMPLE_GROWTH = 100

_MISSING = frozenset({"", "nan", "na", "n/a", "null", "none"})
_DELIMITERS = {"csv": ",", "tsv": "\t"}


class _Table:
    """Header names, the data rows (lists of strings) and their line numbers in the file."""

    def __init__(self, name: str, names: list[str], rows: list[list[str]], lines: list[int]):
        self.name = name
        self.names = names
        self.rows = rows
        self.lines = lines

    def available(self) -> str:
        return ", ".join(self.names)

    def index(self, column: str, flag: str, argument: str) -> int:
        try:
            return self.names.index(column)
        except ValueError:
            raise InputError(
                f"{self.name}: column {column!r} not found ({flag}); available: {self.available()}",
                argument=argument,
            ) from None

    def strings(self, column: str) -> list[str]:
        k = self.names.index(column)
        return [row[k] for row in self.rows]

    def values(self, column: str, what: str, allow_missing: bool = False) -> np.ndarray:
        """The column as float64, with an error naming the line of the first bad cell.

        With ``allow_missing``, missing cells (empty, NaN, NA...) and infinite ones are NaN,
        not an error.
        """
        strings = self.strings(column)
        try:
            values = np.array(strings, dtype=str).astype(np.float64)
        except ValueError:
            if allow_missing:
                strings = ["nan" if t.strip().lower() in _MISSING else t for t in strings]
            values = self._parse_slowly(strings, column, what)
        if allow_missing:
            values[np.isinf(values)] = np.nan
            return values
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            line, value = self.lines[bad[0]], values[bad[0]]
            if np.isnan(value):
                raise self._missing(line, column, what)
            raise InputError(
                f"{self.name}: line {line}, {what} {column!r} is {value}; "
                + self._advice(what, "fix it"),
                argument=None if what == "time column" else "missing",
            )
        return values

    def _parse_slowly(self, strings: list[str], column: str, what: str) -> np.ndarray:
        for k, text in enumerate(strings):
            try:
                float(text)
            except ValueError:
                if text.strip().lower() in _MISSING:
                    raise self._missing(self.lines[k], column, what) from None
                raise InputError(
                    f"{self.name}: line {self.lines[k]}, {what} {column!r}: "
                    f"{text.strip()!r} is not a number"
                ) from None
        return np.array([float(text) for text in strings], dtype=np.float64)

    @staticmethod
    def _advice(what: str, fix: str = "fill it") -> str:
        if what == "time column":  # --missing is for features; every row needs its time
            return f"every row needs a finite time: {fix} or drop that row"
        return f"give --missing interpolate or --missing drop, or {fix}"

    def _missing(self, line: int, column: str, what: str) -> InputError:
        return InputError(
            f"{self.name}: missing value at line {line}, {what} {column!r}; {self._advice(what)}",
            argument=None if what == "time column" else "missing",
        )

    def looks_numeric(self, column: str) -> bool:
        """Whether the first non-missing cell of a column is a number (text columns are not)."""
        for text in self.strings(column):
            if text.strip().lower() not in _MISSING:
                try:
                    float(text)
                except ValueError:
                    return False
                return True
        return True


def _read_text(file: str | BinaryIO, name: str) -> str:
    try:
        if isinstance(file, str):
            with open(file, "rb") as stream:
                raw = stream.read()
        else:
            raw = file.read()
    except OSError as error:
        raise InputError(f"{name}: cannot read ({error.strerror or error})") from error
    if b"\x00" in raw[:8192]:
        raise InputError(
            f"{name}: looks like a binary file, not a text table; check --input-format"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{name}: is not UTF-8 text (byte {error.start}: {error.reason}); save it as UTF-8"
        ) from error


def _sniff_delimiter(text: str) -> str | None:
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in ("\t", ",", ";")}
    best = max(counts, key=counts.__getitem__)
    if counts[best]:
        return best
    return None if len(header.split()) > 1 else ","


def _rows(text: str, delimiter: str | None) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows and their 1-based line numbers (``None``: split on whitespace)."""
    if delimiter is None:
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.split()
            if fields:
                yield number, fields
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for fields in reader:
        if len(fields) > 1 or (fields and fields[0].strip()):
            yield reader.line_num, fields


def _headerless(text: str) -> bool:
    """Whether the first non-blank line is numbers only (split on commas and blanks)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    cells = first.replace(",", " ").split()
    return bool(cells) and all(_is_number(cell) for cell in cells)


def _parse(text: str, delimiter: str | None, name: str) -> _Table:
    rows: list[list[str]] = []
    lines: list[int] = []
    if _headerless(text):  # numbers as seq, awk and cut write them: any of , tab space
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.replace(",", " ").split()
            if fields:
                rows.append(fields)
                lines.append(number)
        names = [f"column_{k + 1}" for k in range(len(rows[0]))]
        return _check_width(_Table(name, names, rows, lines))
    for number, fields in _rows(text, delimiter):
        rows.append(fields)
        lines.append(number)
    if not rows:
        raise InputError(f"{name}: the table is empty (no header, no rows)")
    header = [cell.strip() for cell in rows[0]]
    header[0] = header[0].lstrip("#").strip()  # a header written by numpy.savetxt: "# t,x"
    names = [cell or f"column_{k + 1}" for k, cell in enumerate(header)]
    duplicate = next((n for k, n in enumerate(names) if n in names[:k]), None)
    if duplicate is not None:
        raise InputError(f"{name}: column name {duplicate!r} appears twice in the header")
    rows, lines = rows[1:], lines[1:]
    if not rows:
        raise InputError(f"{name}: the table has a header but no rows (empty)")
    return _check_width(_Table(name, names, rows, lines))


def _check_width(table: _Table) -> _Table:
    """``table``, unless a row has another number of fields than the names."""
    name, names, rows, lines = table.name, table.names, table.rows, table.lines
    width = len(names)
    ragged = next((k for k, row in enumerate(rows) if len(row) != width), None)
    if ragged is not None:
        raise InputError(
            f"{name}: line {lines[ragged]} has {plural(len(rows[ragged]), 'field')} but the "
            "header has "
            f"{width} ({', '.join(names)})"
        )
    return table


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _time_column(table: _Table, options: ReadOptions) -> tuple[str | None, str | None]:
    """(the column that gives the timing or None, a time-named column to leave out of features)."""
    if options.transpose:  # the columns are frames: none of them is a time
        return None, None
    if options.time_column is not None:
        table.index(options.time_column, "--time-column", "time_column")
        return options.time_column, options.time_column
    named = next((n for n in table.names if n.lower() in TIME_COLUMN_NAMES), None)
    return (None if options.rate is not None else named), named


def _feature_columns(table: _Table, options: ReadOptions, time_name: str | None) -> list[str]:
    if options.columns:
        for column in options.columns:
            table.index(column, "--column", "columns")
        text = next((c for c in options.columns if not table.looks_numeric(c)), None)
        if text is not None:
            example = next(s for s in table.strings(text) if s.strip().lower() not in _MISSING)
            raise InputError(
                f"{table.name}: column {text!r} (--column) is not numeric "
                f"(e.g. {example.strip()!r})",
                argument="columns",
            )
        return list(options.columns)
    columns = [n for n in table.names if n != time_name and table.looks_numeric(n)]
    if not columns:
        besides = f" besides the time column {time_name!r}" if time_name else ""
        raise InputError(
            f"{table.name}: no numeric columns{besides} (--column); available: {table.available()}",
            argument="columns",
        )
    return columns


def _round_rate(rate: float) -> float:
    # Timestamps in text carry limited precision: 1/0.01 should read 100.0, not 99.99999999999999.
    return float(f"{rate:.10g}")


def _uniform(
    table: _Table, times: np.ndarray, data: np.ndarray, time_name: str
) -> tuple[np.ndarray, float | None, float]:
    """Check timestamps and put the data on a uniform grid: (data, rate, start_time)."""
    steps = np.diff(times)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        k = bad[0] + 1
        raise InputError(
            f"{table.name}: line {table.lines[k]}: time {float(times[k])!r} is not after the "
            f"previous {float(times[k - 1])!r} (time column {time_name!r}, --time-column); "
            "timestamps must be strictly increasing",
            argument="time_column",
        )
    start = float(times[0])
    if steps.size == 0:
        return data, None, start
    step = float(np.median(steps))
    if np.all(np.abs(steps - step) <= REGULAR_TOLERANCE * step):
        return data, _round_rate(steps.size / (times[-1] - times[0])), start
    rate = _round_rate(1.0 / step)
    n_out = int(np.floor((times[-1] - start) * rate + 1e-9)) + 1
    if n_out > MAX_RESAMPLE_GROWTH * times.size:
        k = int(np.argmax(steps)) + 1
        raise InputError(
            f"{table.name}: resampling the irregular time column {time_name!r} at its median "
            f"step {step:g} s would make {n_out} frames from {times.size} rows (largest gap "
            f"before line {table.lines[k]}); fix the timestamps or give --rate",
            argument="time_column",
        )
    grid = start + np.arange(n_out) / rate
    resampled = np.empty((n_out, data.shape[1]), dtype=np.float64)
    for j in range(data.shape[1]):
        resampled[:, j] = np.interp(grid, times, data[:, j])
    return resampled, rate, start


def read_table(
    file: str | BinaryIO, source: str, options: ReadOptions, fmt: str | None = None
) -> Sequence:
    """Read a CSV/TSV table with a header row, or headerless numbers (one frame per line,
    columns ``column_1``, ``column_2``...: a first line of numbers only is data).

    Parameters
    ----------
    file : str or binary file
        Path, or an open binary stream (UTF-8 text).
    source : str
        The path as given, or ``"-"``.
    options : ReadOptions
        ``columns``, ``time_column``, ``rate``, ``missing`` and ``transpose`` are used.
    fmt : {"csv", "tsv"} or None
        Fixes the delimiter; None sniffs it from the header line.

    Returns
    -------
    Sequence
        ``kind="table"``, one feature per selected column (``feature_names``), ``rate`` and
        ``start_time`` from the time column (or ``options.rate``, or None). With
        ``options.transpose``: one frame per selected column, one feature per row, no time
        column and no feature names.
    """
    name = display_name(source)
    text = _read_text(file, name)
    delimiter = _DELIMITERS[fmt] if fmt in _DELIMITERS else _sniff_delimiter(text)
    table = _parse(text, delimiter, name)
    time_name, time_named = _time_column(table, options)
    columns = _feature_columns(table, options, time_named)
    lenient = options.missing != "error"
    data = np.empty((len(table.rows), len(columns)), dtype=np.float64)
    for j, column in enumerate(columns):
        data[:, j] = table.values(column, "column", allow_missing=lenient)
    rate, start = options.rate, 0.0
    if time_name is not None:
        times = table.values(time_name, "time column")
        if lenient:  # before resampling, which would spread the gaps
            data, kept = resolve_missing(data, options.missing, name, times)
            if kept is not None and kept.size != times.size:
                table.lines = [line for line, k in zip(table.lines, np.isin(times, kept)) if k]
                times = kept
        data, rate, start = _uniform(table, times, data, time_name)
    if options.transpose:
        data = data.T
    return Sequence(
        data=np.ascontiguousarray(data),
        rate=rate,
        source=source,
        kind="table",
        feature_names=None if options.transpose else tuple(columns),
        start_time=start,
    )
