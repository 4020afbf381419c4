"""The online segment task (``seqalign segment INPUT --online``): read frames as they arrive,
feed :class:`seqalign.changepoints.online.OnlineSegmenter`, write each boundary line
``index,time`` the moment it is certain, and flush it.

Every setting is checked before the first frame is read; a bad line later ends the run with
an :class:`InputError` (the boundaries already written stay written: they are certain).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

from seqalign.errors import InputError
from seqalign.tasks.segment import SegmentSettings

__all__ = ["OnlineOutcome", "run_online"]


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
              "--time-column": s.time_column, "--normalize": s.normalize}  # fmt: skip
    for flag, value in others.items():
        if value is not None:
            raise InputError(f"{flag} does not apply to --online")
    if s.transpose:
        raise InputError("--transpose does not apply to --online")
    if s.input_format not in (None, "csv", "tsv"):
        raise InputError(
            f"--online reads text (csv, tsv or numbers per line), not {s.input_format}"
        )
    if s.output not in (None, "-"):
        raise InputError("--online writes its boundaries to standard output; leave out -o")


def run_online(s: SegmentSettings, out: TextIO | None = None) -> OnlineOutcome:
    """Segment ``s.input`` online, writing ``index,time`` lines to ``out`` (default standard
    output) as the boundaries become certain.

    ``time`` is ``index / rate`` in seconds with ``--rate``, else empty.
    """
    from seqalign.changepoints.online import OnlineSegmenter
    from seqalign.io.stream import iter_frames

    started = time.perf_counter()
    s.check()
    _refuse(s)
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

    def write(bounds: list[int]) -> None:
        if not bounds:
            return
        if rate is None:
            stream.write("".join(f"{b},\n" for b in bounds))
        else:
            stream.write("".join(f"{b},{b / rate:.10g}\n" for b in bounds))
        stream.flush()

    columns = tuple(s.column) if s.column else None
    for block in iter_frames(s.input, columns):
        if segmenter.frames == 0:  # the header once the input reads
            stream.write("index,time\n")
            stream.flush()
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
