"""The segment task (``seqalign segment``, a batch ``segment`` job): read one input, apply the
defaults, find its changes, write the boundaries (and segments, labels, a plot).

:func:`run_segment` is the one path from :class:`SegmentSettings` to written files; the
command line and the batch runner both call it. ``n_bkps`` ``K1:K2`` and ``crops`` write one
row per segmentation instead. Everything is checked before anything is written.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seqalign.errors import InputError
from seqalign.tasks.common import Reading, Written, check_output, check_targets, read_inputs
from seqalign.units import MAX_FRAMES, plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.changepoints.result import Segmentation
    from seqalign.io import Sequence

__all__ = ["SegmentOutcome", "SegmentSettings", "parse_n_bkps", "parse_range", "run_segment"]


@dataclass(kw_only=True)
class SegmentSettings(Written, Reading):
    """Everything one segmentation needs. Field names are the option names of
    :mod:`seqalign.options` (the batch columns)."""

    input: str
    cost: str = "l2"
    search: str | None = None
    penalty: str | None = None
    n_bkps: str | None = None
    max_bkps: int | None = None
    min_size: int | None = None
    jump: int = 1
    width: int | None = None
    kernel_gamma: float | None = None
    noise: float | None = None
    crops: str | None = None
    engine: str = "native"
    pruning: str = "exact"
    online: bool = False
    expected_length: int | None = None
    max_delay: int | None = None
    wait: str | None = None
    segments: str | None = None
    labels: str | None = None
    plot: str | None = None


@dataclass
class SegmentOutcome:
    """What :func:`run_segment` did: the input as read and one segmentation, or several
    (``n_bkps`` ``K1:K2`` or ``crops``)."""

    seq: Sequence
    result: Segmentation | None
    many: list[Segmentation] | None
    read_s: float
    search_s: float


def parse_n_bkps(text: str | int | None) -> tuple[int | None, range | None]:
    """``n_bkps``: one number of changes, or an inclusive range ``K1:K2``.

    Examples
    --------
    >>> parse_n_bkps("2:4")
    (None, range(2, 5))
    """
    if text is None:
        return None, None
    text = str(text).strip()
    parts = text.split(":")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if any(abs(v) > MAX_FRAMES for v in values):
        raise InputError(f"--n-bkps {text}: too large (at most {MAX_FRAMES})", argument="n_bkps")
    if len(parts) == 1 and values:
        return values[0], None
    if len(values) == 2 and 0 <= values[0] <= values[1]:
        return None, range(values[0], values[1] + 1)
    raise InputError(
        f"--n-bkps {text}: give a number of changes K or a range K1:K2 with 0 <= K1 <= K2",
        argument="n_bkps",
    )


def parse_range(text: str) -> tuple[float, float]:
    """``crops``: two penalties ``MIN:MAX``."""
    parts = text.split(":")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"--crops {text!r}: give two penalties as MIN:MAX, e.g. 1:100") from None
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low < high):
        raise InputError(f"--crops {text}: needs 0 <= MIN < MAX")
    return low, high


def run_segment(
    s: SegmentSettings, *, progress: Callable[[], AbstractContextManager] | None = None
) -> SegmentOutcome:
    """Segment ``s.input`` and write ``s.output`` (and the segments, labels, plot).

    ``progress``, when given, returns a context manager yielding a ``progress(done, total)``
    callback (or None), entered around a shape search (the one search long enough to need it).

    Raises
    ------
    SeqalignError
        A bad setting or input, before anything is written.
    """
    started = time.perf_counter()
    s.check()
    if s.online:
        raise InputError(
            "--online streams its boundaries: run it with seqalign.tasks.online.run_online",
            argument="online",
        )
    for name in ("expected_length", "max_delay", "wait"):
        if getattr(s, name) is not None:
            flag = "--" + name.replace("_", "-")
            raise InputError(f"{flag} applies to --online only", argument=name)
    targets = {"-o": s.output, "--segments": s.segments, "--labels": s.labels, "--plot": s.plot}
    check_targets(targets, (s.input,))
    bounds = None if s.crops is None else parse_range(s.crops)
    n_bkps, k_range = parse_n_bkps(s.n_bkps)
    if s.crops is not None and (n_bkps is not None or s.penalty is not None):
        raise InputError("--crops lists penalties itself; leave out --penalty and --n-bkps")
    s.read_options()
    out_format = check_output(s.output, "-o", s.format)
    if (bounds is not None or k_range is not None) and out_format == "npz":
        raise InputError(f"-o {s.output}: several segmentations are written as csv, tsv or json")
    if s.segments is not None:
        check_output(s.segments, "--segments", format_flag=None)
    if s.labels is not None:
        from seqalign.io.extensions import LABEL_EXTENSIONS, format_by_extension
        from seqalign.io.writers import check_target

        format_by_extension(s.labels, "--labels", LABEL_EXTENSIONS, None)
        check_target(s.labels, "--labels")
    if s.plot is not None:
        from seqalign.plots import check_plot_target

        check_plot_target(s.plot)

    (seq,), _ = read_inputs((s.input,), s)
    if s.labels is not None and seq.rate is None:
        raise InputError(
            f"--labels {s.labels}: label tracks are in seconds and {seq.label} has no frame "
            "rate; give --rate"
        )
    read_s = time.perf_counter() - started
    settings = {"cost": s.cost, "min_size": s.min_size, "jump": s.jump,
                "kernel_gamma": s.kernel_gamma}  # fmt: skip
    if bounds is not None or k_range is not None:
        from seqalign.changepoints.ranges import crops, segment_range

        if bounds is not None:
            many = crops(seq.data, bounds[0], bounds[1], **settings)
        else:
            many = segment_range(
                seq.data,
                k_range,
                search=s.search,
                max_memory=s.max_memory,
                width=s.width,
                **settings,
            )
        write_table(s.output, out_format, many, seq)
        return SegmentOutcome(seq, None, many, read_s, time.perf_counter() - started - read_s)

    from seqalign.changepoints.search import segment

    shape = str(s.cost).strip().lower() == "shape" and progress is not None
    with progress() if shape and progress is not None else nullcontext() as callback:
        result = segment(
            seq.data,
            search=s.search,
            penalty=s.penalty,
            n_bkps=n_bkps,
            max_bkps=s.max_bkps,
            width=s.width,
            noise=s.noise,
            engine=s.engine,
            pruning=s.pruning,
            max_memory=s.max_memory,
            progress=callback,
            **settings,
        )
    search_s = time.perf_counter() - started - read_s
    _write(result, seq, s, out_format)
    return SegmentOutcome(seq, result, None, read_s, search_s)


def _write(result: Segmentation, seq: Sequence, s: SegmentSettings, out_format: str) -> None:
    from seqalign.io.boundaries import write_boundaries, write_labels, write_segments

    timing = {"rate": seq.rate, "start_time": seq.start_time if seq.rate else 0.0}
    metadata = {
        **result.to_dict(rate=seq.rate),
        "input": seq.source,
        "n_features": seq.n_features,
        "start_time": timing["start_time"],
    }
    metadata.pop("times", None)  # the "time" column holds them
    write_boundaries(s.output, result.breakpoints, fmt=out_format, metadata=metadata, **timing)
    if s.segments is not None:
        write_segments(s.segments, result.breakpoints, metadata=metadata, **timing)
    if s.labels is not None:
        write_labels(s.labels, result.breakpoints, **timing)
    if s.plot is not None:
        from seqalign.plots import plot_segmentation, save_figure

        title = f"{result.search}, {result.cost_name}: {plural(result.n_bkps, 'change')}"
        figure = plot_segmentation(
            seq.data,
            result.breakpoints,
            times=seq.times() if seq.rate else None,
            names=seq.feature_names,
            title=title,
            profile=result.profile,
            profile_label="split score (macro F1)",
        )
        save_figure(figure, s.plot)


def write_table(output: str, out_format: str, many: list[Segmentation], seq: Sequence) -> None:
    """One row per segmentation (from ``crops`` or an ``n_bkps`` range), as CSV/TSV or JSON."""
    import json

    from seqalign.io.writers import atomic_output

    crops = bool(many) and "penalty_range" in many[0].params
    rows = []
    for s in many:
        row: dict = {"n_bkps": s.n_bkps}
        if crops:
            row["penalty_min"], row["penalty_max"] = s.params["penalty_range"]
        row["cost"] = s.cost
        row["breakpoints"] = [int(b) for b in s.breakpoints]
        rows.append(row)
    if out_format == "json":
        text = json.dumps({"input": seq.source, "n": seq.n_frames, "segmentations": rows}) + "\n"
    elif out_format in ("csv", "tsv"):
        sep = "," if out_format == "csv" else "\t"
        names = list(rows[0]) if rows else ["n_bkps", "cost", "breakpoints"]
        lines = [sep.join(names)]
        for r in rows:
            cells = [
                " ".join(map(str, v)) if k == "breakpoints" else (
                    str(v) if k == "n_bkps" else f"{v:.10g}"
                )
                for k, v in r.items()
            ]  # fmt: skip
            lines.append(sep.join(cells))
        text = "\n".join(lines) + "\n"
    else:
        raise InputError(f"-o {output}: several segmentations are written as csv, tsv or json")
    with atomic_output(output) as stream:
        stream.write(text)
