"""The online segment task (``seqalign segment INPUT --online``): read frames as they arrive,
feed :class:`seqalign.changepoints.online.OnlineSegmenter`, write each boundary line
``index,time`` the moment it is certain, and flush it.

Times: ``index / --rate`` in seconds with ``--rate``; else the value of the time column at the
boundary's row (``--time-column``, or a column named ``time``, ``t``, ``timestamp`` or
``seconds``), which must increase strictly; else empty. Unlike the offline reader, rows are
never resampled onto a uniform grid: each row is a frame.

A file can still be growing: ``--wait S`` keeps reading what is appended until the file has not
grown for ``S`` seconds (default :data:`WAIT_SECONDS`; ``0`` stops at its end, ``inf`` waits until
interrupted).

Every setting is checked before the first frame is read; a bad line later ends the run with
an :class:`InputError` (the boundaries already written stay written: they are certain).
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from seqalign.errors import InputError
from seqalign.tasks.segment import SegmentSettings

__all__ = ["WAIT_SECONDS", "OnlineOutcome", "run_online", "wait_seconds"]

#: Default of ``--wait``: seconds a file may stay the same size before its end is its end.
WAIT_SECONDS = 1.0


def wait_seconds(text: str | None) -> float:
    """Seconds of ``--wait`` (``inf`` allowed), :data:`WAIT_SECONDS` when not given."""
    from seqalign.options import parse_wait

    return WAIT_SECONDS if text is None else float(parse_wait(text, "--wait"))


class _Times:
    """The time column's values for the rows not yet behind a reported boundary."""

    def __init__(self, name: str, column: str) -> None:
        self.name, self.column = name, column
        self.base = 0  # frame index of values[0]
        self.values = np.empty(1024)
        self.size = 0
        self.last = -math.inf

    def add(self, times: np.ndarray) -> None:
        previous = np.r_[self.last, times[:-1]]
        bad = np.flatnonzero(~(times > previous))
        if bad.size:
            k = int(bad[0])
            row = self.base + self.size + k
            raise InputError(
                f"{self.name}: frame {row}: time {float(times[k])!r} is not after the previous "
                f"{float(previous[k])!r} (time column {self.column!r}, --time-column); "
                "timestamps must increase strictly",
                argument="time_column",
            )
        need = self.size + times.size
        if need > self.values.size:
            grown = np.empty(max(need, 2 * self.values.size))
            grown[: self.size] = self.values[: self.size]
            self.values = grown
        self.values[self.size : need] = times
        self.size = need
        self.last = float(times[-1])

    def at(self, frame: int) -> float:
        return float(self.values[frame - self.base])

    def drop_before(self, frame: int) -> None:
        cut = frame - self.base
        if cut <= 0:
            return
        keep = self.size - cut
        self.values[:keep] = self.values[cut : self.size]
        self.base, self.size = frame, keep


@dataclass
class OnlineOutcome:
    """What :func:`run_online` did."""

    frames: int
    boundaries: list[int]
    delays: list[int]
    peak_live: int
    forced: int
    memory_frames: int
    penalty: str
    seconds: float


def _binary_kind(source: str) -> str | None:
    """``audio``, ``.npy`` or ``.npz`` when ``source``'s extension names that format (read
    whole by ``segment``, never as a stream); None otherwise."""
    from seqalign.io.source import EXTENSIONS

    if source == "-":
        return None
    fmt = EXTENSIONS.get(os.path.splitext(source)[1].lower())
    return {"audio": "audio", "npy": "a .npy array", "npz": "a .npz archive"}.get(fmt or "")


def _refuse(s: SegmentSettings) -> None:
    """Options that the online search does not take."""
    fixed = {
        "--search": (s.search, ("pelt",)),
        "--engine": (s.engine, ("native",)),
        "--pruning": (s.pruning, ("exact",)),
    }
    for flag, (value, allowed) in fixed.items():
        if value is not None and str(value).strip().lower() not in allowed:
            raise InputError(f"--online runs exact PELT: {flag} {value} does not apply")
    others = {"--n-bkps": s.n_bkps, "--max-bkps": s.max_bkps, "--width": s.width,
              "--crops": s.crops, "--segments": s.segments,
              "--labels": s.labels, "--plot": s.plot, "--key": s.key,
              "--normalize": s.normalize}  # fmt: skip
    for flag, value in others.items():
        if value is not None:
            raise InputError(f"{flag} does not apply to --online")
    if s.transpose:
        raise InputError("--transpose does not apply to --online")
    if s.input_format not in (None, "csv", "tsv"):
        raise InputError(
            f"--online reads text (csv, tsv or numbers per line), not {s.input_format}"
        )
    kind = _binary_kind(s.input)
    if kind is not None:
        raise InputError(
            f"{s.input}: --online reads text as it arrives (a CSV/TSV table, or numbers per "
            f"line), not {kind}: leave out --online to segment the whole file",
            argument="input",
        )
    if s.output not in (None, "-"):
        raise InputError("--online writes its boundaries to standard output; leave out -o")
    if s.rate is not None and s.time_column is not None:
        raise InputError(
            f"--rate {s.rate:g} and --time-column {s.time_column!r} both set the times; give one",
            argument="time_column",
        )


def run_online(s: SegmentSettings, out: TextIO | None = None) -> OnlineOutcome:
    """Segment ``s.input`` online, writing ``index,time`` lines to ``out`` (default standard
    output) as the boundaries become certain.

    ``time`` is ``index / rate`` in seconds with ``--rate``, else the time column's value at
    the boundary's row, else empty (see the module docstring).
    """
    from seqalign.changepoints.online import OnlineSegmenter
    from seqalign.io.sequence import display_name
    from seqalign.io.stream import iter_rows

    started = time.perf_counter()
    s.check()
    _refuse(s)
    wait = wait_seconds(s.wait)
    stream = sys.stdout if out is None else out
    penalty = s.penalty
    segmenter = OnlineSegmenter(
        s.cost,
        penalty,
        min_size=s.min_size,
        jump=s.jump,
        expected_length=s.expected_length,
        max_delay=s.max_delay,
        noise=s.noise,
        kernel_gamma=s.kernel_gamma,
    )
    rate = s.rate
    clock: _Times | None = None

    def write(bounds: list[int]) -> None:
        if not bounds:
            return
        if rate is not None:
            stream.write("".join(f"{b},{b / rate:.10g}\n" for b in bounds))
        elif clock is not None:
            stream.write("".join(f"{b},{clock.at(b):.10g}\n" for b in bounds))
            clock.drop_before(bounds[-1])
        else:
            stream.write("".join(f"{b},\n" for b in bounds))
        stream.flush()

    columns = tuple(s.column) if s.column else None
    rows = iter_rows(
        s.input, columns, time_column=s.time_column, named_time=rate is None, wait=wait
    )
    for block, times, time_name in rows:
        if segmenter.frames == 0:  # the header once the input reads
            stream.write("index,time\n")
            stream.flush()
        if times is not None:
            if clock is None:
                clock = _Times(display_name(s.input), str(time_name))
            clock.add(times)
        write(segmenter.update(block))
    if segmenter.frames == 0:
        raise InputError(f"{s.input if s.input != '-' else 'standard input'}: no frames")
    write(segmenter.finish())
    pen = segmenter.penalty
    return OnlineOutcome(
        frames=segmenter.frames,
        boundaries=segmenter.boundaries,
        delays=segmenter.delays,
        peak_live=segmenter.peak_live,
        forced=segmenter.forced,
        memory_frames=segmenter.memory_frames,
        penalty="" if pen is None else f"{pen.name} = {pen.value:.6g}",
        seconds=time.perf_counter() - started,
    )
