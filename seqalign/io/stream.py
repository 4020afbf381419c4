"""Read frames from a text stream as they arrive: :func:`iter_frames`.

Two layouts, told apart by the first non-blank line:

* headerless numbers, one frame per line, values separated by spaces, tabs or commas (as
  ``seq``, ``awk`` and ``cut`` write them);
* a CSV/TSV table with a header row (the delimiter sniffed from it: tab, comma, semicolon,
  else whitespace): the columns named by ``columns``, else every column whose first value
  is a number, except a time column (``time``, ``t``, ``timestamp``, ``seconds``).

Every block of complete lines that one read returns is parsed at once and yielded, so a
slow pipe yields line by line and a file in large blocks.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import numpy as np

from seqalign.errors import InputError
from seqalign.io.sequence import display_name
from seqalign.units import plural

__all__ = ["iter_frames"]

_TIME_NAMES = ("time", "t", "timestamp", "seconds")

#: Bytes asked of each read.
READ_BYTES = 1 << 16


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

    def __init__(self, first: str, name: str, columns: tuple[str, ...] | None) -> None:
        self.name = name
        cells = first.replace(",", " ").split()
        self.header = not all(_number(c) for c in cells)
        self.width = len(cells)
        self.delimiter: str | None = None
        self.picks: list[int] | None = None
        self.columns = columns
        self.names: list[str] = []
        if not self.header:
            if columns:
                raise InputError(
                    f"{name}: the input has no header row, so --column cannot pick columns",
                    argument="columns",
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

    def choose(self, cells: list[str]) -> None:
        """Pick the numeric non-time columns from the first data row."""
        self.picks = [
            k
            for k, (n, c) in enumerate(zip(self.names, cells, strict=False))
            if n.lower() not in _TIME_NAMES and _number(c)
        ]
        if not self.picks:
            raise InputError(
                f"{self.name}: no numeric columns (--column); available: {', '.join(self.names)}",
                argument="columns",
            )

    def parse(self, lines: list[str], numbers: list[int]) -> np.ndarray:
        """The frames of ``lines`` (non-blank), ``(len(lines), features)``."""
        if not self.header:
            text = " ".join(lines).replace(",", " ").replace("\t", " ")
            try:
                values = np.array(text.split(), dtype=np.float64)
            except ValueError:
                values = None
            if values is not None and values.size == len(lines) * self.width:
                return values.reshape(len(lines), self.width)
        rows = []
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
            try:
                rows.append([float(c) for c in picked])
            except ValueError:
                bad = next(c for c in picked if not _number(c))
                raise InputError(
                    f"{self.name}: line {numbers[k]}: {bad!r} is not a number"
                ) from None
        return np.array(rows, dtype=np.float64).reshape(len(lines), -1)

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

        def read(size: int) -> bytes:
            return os.read(fd, size)

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
                raise InputError(f"{name}: not UTF-8 text (a table or numbers)") from None
            lines: list[str] = []
            numbers: list[int] = []
            for raw in text.split("\n"):
                number += 1
                line = raw.strip()
                if not line:
                    continue
                if layout is None:
                    layout = _Layout(line, name, columns)
                    if layout.header:
                        continue
                lines.append(line)
                numbers.append(number)
            if lines:
                assert layout is not None
                yield layout.parse(lines, numbers)
            if not chunk:
                break
    finally:
        if close is not None:
            os.close(close)
