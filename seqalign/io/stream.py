"""Read frames from a text stream as they arrive: :func:`iter_frames`.

Two layouts, told apart by the first non-blank line:

* headerless numbers, one frame per line, values separated by spaces, tabs or commas (as
  ``seq``, ``awk`` and ``cut`` write them);
* a CSV/TSV table with a header row (the delimiter sniffed from it: tab, comma, semicolon,
  else whitespace): the columns named by ``columns``, else every column whose first value
  is a number, except a time column (``time``, ``t``, ``timestamp``, ``seconds``).

Every block of complete lines that one read returns is parsed at once and yielded, so a
slow pipe yields line by line and a file in large blocks.

A regular file can still be growing (a logger appending to it): with ``wait`` seconds,
reading goes on past its current end, polling for appended lines, until the file has not
grown for ``wait`` seconds (``inf``: until the process is interrupted). A file that shrinks
while it is read (truncated, or replaced by a shorter one) is an error: its lines no longer
follow the ones already read.
"""

from __future__ import annotations

import math
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from seqalign.errors import InputError
from seqalign.io.sequence import display_name
from seqalign.units import plural

__all__ = ["Rows", "iter_frames", "iter_rows"]

#: What a stream that is not text holds, by its first bytes (:func:`_not_text`).
_BINARY_KINDS = {"audio": "audio", "npy": "a NumPy array (.npy)", "npz": "a NumPy archive (.npz)"}

_TIME_NAMES = ("time", "t", "timestamp", "seconds")

#: Bytes asked of each read.
READ_BYTES = 1 << 16

#: Longest pause between two polls of a growing file, in seconds.
POLL_SECONDS = 0.1


class Rows(NamedTuple):
    """One block of rows: ``frames`` ``(m, features)``, the time column's values ``times``
    ``(m,)`` (None without a time column) and that column's name."""

    frames: np.ndarray
    times: np.ndarray | None
    time_name: str | None


def _not_text(name: str, head: bytes) -> str:
    """The message for a stream that is not UTF-8 text; ``head``: its first bytes (empty when
    the bad bytes come later). Audio and NumPy content is named as such, so that the user
    learns what was given rather than that some byte is not UTF-8."""
    from seqalign.io.source import sniff_format

    try:
        kind = _BINARY_KINDS.get(sniff_format(head[:16]) or "")
    except InputError:  # other binary content
        kind = None
    if kind is None:
        return f"{name}: not UTF-8 text (a table or numbers)"
    return (f"{name}: is {kind}, not text; frames are read as they arrive from text only (a "
            "CSV/TSV table, or numbers per line)")  # fmt: skip


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fields(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.replace(",", " ").split()
    return [cell.strip() for cell in line.split(delimiter)]


class _Layout:
    """How the lines of one stream turn into frames."""

    def __init__(
        self, first: str, name: str, columns: tuple[str, ...] | None, time_column: str | None
    ) -> None:
        self.name = name
        self.time: int | None = None  # the column that times the rows
        cells = first.replace(",", " ").split()
        self.header = not all(_number(c) for c in cells)
        self.width = len(cells)
        self.delimiter: str | None = None
        self.picks: list[int] | None = None
        self.columns = columns
        self.names: list[str] = []
        if not self.header:
            picks = [(columns, "--column", "columns")]
            picks.append((time_column, "--time-column", "time_column"))
            for given, flag, argument in picks:
                if given:
                    raise InputError(
                        f"{name}: the input has no header row, so {flag} cannot pick columns",
                        argument=argument,
                    )
            return
        counts = {d: first.count(d) for d in ("\t", ",", ";")}
        best = max(counts, key=counts.__getitem__)
        self.delimiter = best if counts[best] else None
        self.names = [c.lstrip("#").strip() for c in _fields(first, self.delimiter)]
        self.width = len(self.names)
        if columns:
            missing = [c for c in columns if c not in self.names]
            if missing:
                raise InputError(
                    f"{name}: no column {missing[0]!r} (--column); available: "
                    f"{', '.join(self.names)}",
                    argument="columns",
                )
            self.picks = [self.names.index(c) for c in columns]
        if time_column is not None:
            if time_column not in self.names:
                raise InputError(
                    f"{name}: no column {time_column!r} (--time-column); available: "
                    f"{', '.join(self.names)}",
                    argument="time_column",
                )
            self.time = self.names.index(time_column)

    def use_named_time(self) -> None:
        """Time the rows by the first column with a time name (``time``, ``t``...), if any."""
        if self.header and self.time is None:
            self.time = next(
                (k for k, n in enumerate(self.names) if n.lower() in _TIME_NAMES), None
            )

    def choose(self, cells: list[str]) -> None:
        """Pick the numeric non-time columns from the first data row."""
        self.picks = [
            k
            for k, (n, c) in enumerate(zip(self.names, cells, strict=False))
            if n.lower() not in _TIME_NAMES and k != self.time and _number(c)
        ]
        if not self.picks:
            raise InputError(
                f"{self.name}: no numeric columns (--column); available: {', '.join(self.names)}",
                argument="columns",
            )

    def parse(self, lines: list[str], numbers: list[int]) -> tuple[np.ndarray, np.ndarray | None]:
        """The frames of ``lines`` (non-blank), ``(len(lines), features)``, and the values of
        the time column (None without one)."""
        if not self.header:
            text = " ".join(lines).replace(",", " ").replace("\t", " ")
            try:
                values = np.array(text.split(), dtype=np.float64)
            except ValueError:
                values = None
            if values is not None and values.size == len(lines) * self.width:
                return values.reshape(len(lines), self.width), None
        rows = []
        times: list[float] = []
        for k, line in enumerate(lines):
            cells = _fields(line, self.delimiter)
            if len(cells) != self.width:
                raise InputError(
                    f"{self.name}: line {numbers[k]} has {plural(len(cells), 'field')}, "
                    f"the first {self.width}"
                )
            if self.header and self.picks is None:
                self.choose(cells)
            picked = cells if self.picks is None else [cells[j] for j in self.picks]
            if self.time is not None:
                picked = [*picked, cells[self.time]]
            try:
                values = [float(c) for c in picked]
            except ValueError:
                at = next(j for j, c in enumerate(picked) if not _number(c))
                where = (
                    f", time column {self.time_name!r} (--time-column; seconds)"
                    if self.time is not None and at == len(picked) - 1
                    else ""
                )
                raise InputError(
                    f"{self.name}: line {numbers[k]}{where}: {picked[at]!r} is not a number"
                ) from None
            if self.time is not None:
                times.append(values.pop())
            rows.append(values)
        frames = np.array(rows, dtype=np.float64).reshape(len(lines), -1)
        return frames, (np.array(times) if self.time is not None else None)

    @property
    def time_name(self) -> str | None:
        return None if self.time is None else self.names[self.time]

    @property
    def feature_names(self) -> list[str] | None:
        if not self.header or self.picks is None:
            return None
        return [self.names[j] for j in self.picks]


def iter_frames(
    source: str, columns: tuple[str, ...] | None = None, prefix: bytes = b""
) -> Iterator[np.ndarray]:
    """Yield blocks of frames ``(m, features)`` from ``source`` (a path, or ``-`` for
    standard input) as their lines arrive, until the end of the input. ``prefix``: bytes
    already read from the input (by a caller that looked at its start).

    Raises :class:`InputError` for an unreadable file, a ragged line or a value that is not
    a number (naming the line).
    """
    for rows in iter_rows(source, columns, prefix=prefix):
        yield rows.frames


def _file_reader(fd: int, name: str, wait: float) -> Callable[[int], bytes]:
    """``read(size)`` on a file descriptor that, at the end of a regular file, polls for
    appended bytes until none came for ``wait`` seconds."""
    growing = wait > 0 and stat.S_ISREG(os.fstat(fd).st_mode)

    def read(size: int) -> bytes:
        data = os.read(fd, size)
        if data or not growing:
            return data
        idle_since = time.monotonic()
        pause = 0.005
        while True:
            time.sleep(pause)
            pause = min(2 * pause, POLL_SECONDS)
            if os.fstat(fd).st_size < os.lseek(fd, 0, os.SEEK_CUR):
                raise InputError(
                    f"{name}: the file shrank while it was read (truncated or replaced); "
                    "its new lines do not follow the ones read"
                )
            data = os.read(fd, size)
            if data:
                return data
            if not math.isinf(wait) and time.monotonic() - idle_since >= wait:
                return b""

    return read


def iter_rows(
    source: str,
    columns: tuple[str, ...] | None = None,
    *,
    time_column: str | None = None,
    named_time: bool = False,
    wait: float = 0.0,
    prefix: bytes = b"",
) -> Iterator[Rows]:
    """Yield blocks of :class:`Rows` from ``source`` (a path, or ``-`` for standard input)
    as their lines arrive, until the end of the input.

    Parameters
    ----------
    source : str
        A path, or ``-`` for standard input.
    columns : tuple of str, optional
        The feature columns of a table (``--column``); default every numeric column that is
        not the time column.
    time_column : str, optional
        The column whose values time the rows (``--time-column``); ``times`` holds its values
        for the rows of each block (not checked for order here).
    named_time : bool
        Without ``time_column``, time the rows by a column named ``time``, ``t``,
        ``timestamp`` or ``seconds`` when the table has one.
    wait : float
        Seconds to keep polling the end of a regular file for appended lines (``inf``: until
        interrupted); 0 stops at the end. Standard input and pipes end when their writer
        closes them.
    prefix : bytes
        Bytes already read from the input (by a caller that looked at its start).

    Raises
    ------
    InputError
        An unreadable file, a ragged line, a value that is not a number (naming the line), a
        column that does not exist, or a file that shrinks while it is read.
    """
    name = display_name(source)
    close = None
    if source == "-":
        buffer = sys.stdin.buffer
        try:
            fd = buffer.fileno()
        except (AttributeError, OSError, ValueError):  # a stream in memory (tests)
            read = getattr(buffer, "read1", buffer.read)
        else:

            def read(size: int) -> bytes:
                return os.read(fd, size)
    else:
        try:
            fd = os.open(source, os.O_RDONLY)
        except OSError as error:
            raise InputError(f"{name}: cannot read ({error.strerror})") from None
        close = fd
        read = _file_reader(fd, name, wait)

    try:
        layout: _Layout | None = None
        rest = prefix
        number = 0  # lines consumed
        while True:
            chunk = read(READ_BYTES)
            data = rest + chunk
            if chunk:
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                rest = data[cut + 1 :]
                data = data[:cut]
            else:
                rest = b""
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(_not_text(name, data if number == 0 else b"")) from None
            lines: list[str] = []
            numbers: list[int] = []
            for raw in text.split("\n"):
                number += 1
                line = raw.strip()
                if not line:
                    continue
                if layout is None:
                    layout = _Layout(line, name, columns, time_column)
                    if named_time:
                        layout.use_named_time()
                    if layout.header:
                        continue
                lines.append(line)
                numbers.append(number)
            if lines:
                assert layout is not None
                frames, times = layout.parse(lines, numbers)
                yield Rows(frames, times, layout.time_name)
            if not chunk:
                break
    finally:
        if close is not None:
            os.close(close)
