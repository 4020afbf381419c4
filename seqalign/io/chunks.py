"""Streams read a block at a time: :func:`open_stream` for inputs larger than memory.

* ``.npy`` files are memory-mapped: a block is a slice, paged in when it is searched;
* CSV/TSV tables of more than :data:`STREAM_BYTES` bytes, and tables on standard input, are
  parsed :data:`HEAD_LINES` lines at a time: the first block by the table reader itself
  (header, ``--column``, ``--time-column``, the frame rate from the times), the next ones
  with the same columns (their times are not read again: the rate is the first block's);
* anything else (audio, ``.npz``, small tables, options that need the whole input:
  ``--transpose`` of a table, ``--missing`` other than error, a normalisation) is read whole
  by :func:`seqalign.io.read_sequence` and handed out in blocks.

Every block is float64 ``(frames, features)``; a NaN or infinite value is an error naming the
file and the frame. Nothing here searches: the blocks go to
:class:`seqalign.subsequence.search.StreamSearch` (by the task).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seqalign.errors import InputError
from seqalign.io.sequence import ReadOptions, Sequence, display_name
from seqalign.io.source import EXTENSIONS, normalize, read_sequence

__all__ = ["HEAD_LINES", "STREAM_BYTES", "BlockStream", "open_stream", "read_sequence_bytes"]

#: Tables larger than this (bytes) are parsed block by block.
STREAM_BYTES = 64 * 2**20
#: Lines of a table per block.
HEAD_LINES = 200_000


@dataclass
class BlockStream:
    """An input read a block at a time.

    Attributes
    ----------
    source, kind, rate, start_time, feature_names
        As :class:`seqalign.io.Sequence`'s.
    n_features : int
    n_frames : int or None
        Known for arrays and whole reads; None for a streamed table.
    how : str
        ``"mapped"``, ``"streamed"`` or ``"whole"``.
    data : ndarray or None
        The frames of a whole read (which the caller may replace, e.g. normalised).
    """

    source: str
    kind: str
    rate: float | None
    n_features: int
    n_frames: int | None
    how: str
    start_time: float = 0.0
    feature_names: tuple[str, ...] | None = None
    _blocks: Any = field(default=None, repr=False)
    data: np.ndarray | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return display_name(self.source)

    def blocks(self, frames: int = 1 << 20) -> Iterator[np.ndarray]:
        """The frames in order, ``frames`` at most per block (a streamed table: its own)."""
        done = 0
        for block in self._blocks(frames):
            _check_finite(block, self.label, done)
            done += block.shape[0]
            yield block


def _check_finite(block: np.ndarray, name: str, first: int) -> None:
    bad = ~np.isfinite(block)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        what = "a NaN" if np.isnan(block[row, col]) else "an infinite"
        raise InputError(
            f"{name}: {what} value at frame {first + row}, feature {col} (give --missing "
            "interpolate or drop: the stream is then read whole)"
        )


def _whole(sequence: Sequence) -> BlockStream:
    stream = BlockStream(sequence.source, sequence.kind, sequence.rate, sequence.n_features,
                         sequence.n_frames, "whole", sequence.start_time, sequence.feature_names,
                         data=sequence.data)  # fmt: skip

    def blocks(frames: int) -> Iterator[np.ndarray]:
        data = stream.data
        assert data is not None
        for a in range(0, data.shape[0], frames):
            yield data[a : a + frames]

    stream._blocks = blocks
    return stream


def _plain(options: ReadOptions) -> bool:
    return options.missing == "error" and options.normalize == "none" and not options.transpose


def _mapped(path: str, options: ReadOptions) -> BlockStream | None:
    """A memory-mapped ``.npy`` (None where it cannot be: the whole reader says why)."""
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception:  # corrupt, pickled, not an array: the whole reader words the error
        return None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
        return None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] == 0:
        return None
    if array.shape[0] < array.shape[1]:  # transposed? the whole reader warns
        return None

    def blocks(frames: int) -> Iterator[np.ndarray]:
        for a in range(0, array.shape[0], frames):
            yield np.ascontiguousarray(array[a : a + frames], dtype=np.float64)

    return BlockStream(path, "array", options.rate, int(array.shape[1]), int(array.shape[0]),
                       "mapped", _blocks=blocks)  # fmt: skip


def _lines(stream: Any, count: int) -> list[bytes]:
    out = []
    for line in stream:
        out.append(line)
        if len(out) == count:
            break
    return out


def _streamed(source: str, stream: Any, options: ReadOptions, fmt: str | None) -> BlockStream:
    """A table parsed a block of lines at a time (see the module docstring); ``stream`` (a
    file opened here, not standard input) is closed once read."""
    try:
        return _streamed_open(source, stream, options, fmt)
    except BaseException:
        if stream is not sys.stdin.buffer:
            stream.close()
        raise


def _streamed_open(source: str, stream: Any, options: ReadOptions, fmt: str | None):
    name = display_name(source)
    head = _lines(stream, HEAD_LINES)
    first = read_sequence_bytes(b"".join(head), source, options, fmt)
    text = head[0].decode("utf-8-sig", "replace")
    delimiter = {"csv": ",", "tsv": "\t"}.get(fmt or "") or ("\t" if "\t" in text else ",")
    cells = [c.strip().strip('"') for c in text.rstrip("\r\n").split(delimiter)]
    header = any(not _is_number(c) for c in cells)
    names = first.feature_names
    if header and names is not None and all(n in cells for n in names):
        columns = [cells.index(n) for n in names]
    elif not header and first.n_features == len(cells):
        columns = list(range(len(cells)))
    else:  # a layout the block parser cannot follow: read it whole
        rest = b"".join(head) + stream.read()
        if stream is not sys.stdin.buffer:
            stream.close()
        return _whole(read_sequence_bytes(rest, source, options, fmt))
    line0 = len(head) + 1

    def blocks(frames: int) -> Iterator[np.ndarray]:
        nonlocal line0
        yield first.data
        while True:
            lines = _lines(stream, HEAD_LINES)
            if not lines:
                if stream is not sys.stdin.buffer:
                    stream.close()
                return
            try:
                block = np.loadtxt(io.BytesIO(b"".join(lines)), delimiter=delimiter,
                                   usecols=columns, ndmin=2, dtype=np.float64)  # fmt: skip
            except (ValueError, IndexError) as error:
                raise InputError(
                    f"{name}: lines {line0}-{line0 + len(lines) - 1}: not a table of numbers "
                    f"({' '.join(str(error).split())[:120]})"
                ) from None
            line0 += len(lines)
            yield block

    return BlockStream(source, "table", first.rate, first.n_features, None, "streamed",
                       first.start_time, names, blocks)  # fmt: skip


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_sequence_bytes(data: bytes, source: str, options: ReadOptions, fmt: str | None):
    """A table held in memory (``data``), read as :func:`seqalign.io.read_sequence` would."""
    from seqalign.io.tables import read_table

    if not data:
        raise InputError(f"{display_name(source)}: no data (the input is empty)")
    sequence = read_table(io.BytesIO(data), source, options, fmt)
    if sequence.n_frames == 0:
        raise InputError(f"{display_name(source)}: no frames")
    return sequence


def open_stream(path: str, options: ReadOptions, normalization: str = "none") -> BlockStream:
    """Open ``path`` (``-``: standard input) to be read a block at a time (see the module
    docstring); ``normalization`` (:func:`seqalign.io.normalize`'s) forces a whole read
    unless it is ``"none"``."""
    fmt = options.format
    extension = "" if path == "-" else os.path.splitext(path)[1].lower()
    fmt = fmt or EXTENSIONS.get(extension)
    plain = _plain(options) and normalization == "none"
    if plain and path != "-" and fmt == "npy" and os.path.isfile(path):
        mapped = _mapped(path, options)
        if mapped is not None:
            return mapped
    table = fmt in ("csv", "tsv") or (fmt is None and path == "-")
    if plain and table and path == "-":
        stdin = sys.stdin.buffer
        peek = getattr(stdin, "peek", None)
        head = peek(8)[:8] if peek is not None else b""
        if head and not head.startswith((b"\x93NUMPY", b"PK", b"RIFF", b"fLaC", b"OggS")):
            return _streamed(path, stdin, options, fmt)
    big = path != "-" and os.path.isfile(path) and os.path.getsize(path) > STREAM_BYTES
    if plain and fmt in ("csv", "tsv") and big:
        return _streamed(path, open(path, "rb"), options, fmt)
    sequence = read_sequence(path, options)
    if normalization != "none":
        sequence.data = normalize(sequence.data, normalization)
    return _whole(sequence)
