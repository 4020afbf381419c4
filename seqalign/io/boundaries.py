"""Write segmentations: boundaries, segments and Audacity label tracks.

Every writer goes through :func:`seqalign.io.writers.atomic_output` (all or nothing).
Frame ``b`` of a boundary is the first frame of a new segment (ruptures' breakpoint); its
time is ``start_time + b / rate`` in seconds when the frame rate is known.

========== =====================================================================
boundaries CSV/TSV ``index[,time]``, one row per change; JSON: the segmentation's
           settings and ``breakpoints`` (ending with n), ``index``, ``time``; NPZ: arrays
segments   CSV/TSV/JSON/NPZ ``start,end[,start_time,end_time],duration``; ``end`` is
           exclusive; the duration is in seconds with a rate, else in frames
labels     Audacity label track: ``start<TAB>end<TAB>label`` per segment, in seconds
========== =====================================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seqalign.errors import InputError
from seqalign.io.writers import Columns, atomic_output, output_format, write_columns

__all__ = ["write_boundaries", "write_labels", "write_segments"]


def _times(frames: np.ndarray, rate: float | None, start_time: float) -> np.ndarray | None:
    if rate is None:
        return None
    return start_time + frames.astype(np.float64) / rate


def write_boundaries(
    target: str,
    breakpoints: np.ndarray,
    *,
    rate: float | None = None,
    start_time: float = 0.0,
    fmt: str | None = None,
    metadata: dict[str, Any] | None = None,
    flag: str = "-o",
) -> None:
    """Write the changes of a segmentation (``breakpoints`` without its final ``n``).

    ``metadata`` (settings, cost...) goes into JSON and NPZ only.
    """
    fmt = output_format(target, fmt)
    bkps = np.asarray(breakpoints, dtype=np.int64)
    changes = bkps[:-1]
    columns: Columns = {"index": ("int", changes)}
    times = _times(changes, rate, start_time)
    if times is not None:
        columns["time"] = ("time", times)
    record = dict(metadata or {})
    record.setdefault("breakpoints", bkps.tolist())
    record.setdefault("n", int(bkps[-1]) if bkps.size else 0)
    write_columns(target, fmt, columns, record, flag)


def write_segments(
    target: str,
    breakpoints: np.ndarray,
    *,
    rate: float | None = None,
    start_time: float = 0.0,
    fmt: str | None = None,
    metadata: dict[str, Any] | None = None,
    flag: str = "--segments",
) -> None:
    """Write one row per segment: ``start``, ``end`` (exclusive), times and duration."""
    fmt = output_format(target, fmt)
    bkps = np.asarray(breakpoints, dtype=np.int64)
    starts = np.concatenate([[0], bkps[:-1]]).astype(np.int64)
    columns: Columns = {"start": ("int", starts), "end": ("int", bkps)}
    t0, t1 = _times(starts, rate, start_time), _times(bkps, rate, start_time)
    if t0 is not None and t1 is not None:
        columns["start_time"] = ("time", t0)
        columns["end_time"] = ("time", t1)
        columns["duration"] = ("time", t1 - t0)
    else:
        columns["duration"] = ("int", bkps - starts)
    write_columns(target, fmt, columns, metadata, flag)


def write_labels(
    target: str,
    breakpoints: np.ndarray,
    *,
    rate: float | None,
    start_time: float = 0.0,
    flag: str = "--labels",
) -> None:
    """Write an Audacity label track (File > Import > Labels): one region per segment.

    Raises
    ------
    InputError
        Without a frame rate: labels are in seconds.
    """
    if rate is None:
        raise InputError(
            f"{flag} {target}: label tracks are in seconds and the input has no frame rate; "
            "give --rate",
            argument="output",
        )
    bkps = np.asarray(breakpoints, dtype=np.int64)
    starts = np.concatenate([[0], bkps[:-1]])
    t0 = start_time + starts / rate
    t1 = start_time + bkps / rate
    text = "".join(f"{a:.6f}\t{b:.6f}\tsegment {k + 1}\n" for k, (a, b) in enumerate(zip(t0, t1)))
    with atomic_output(target, flag=flag) as stream:
        stream.write(text)
