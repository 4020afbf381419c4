"""``seqalign segment INPUT``: find where a stream changes behaviour; write the boundaries.

A thin shell over :func:`seqalign.changepoints.search.segment` (and
:func:`seqalign.changepoints.ranges.crops`):
flags -> :func:`seqalign.io.read_sequence` -> search -> :mod:`seqalign.io.boundaries`.
Everything is checked before anything is written; outputs are written atomically.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Annotated

import typer

from seqalign.cli import options as opt
from seqalign.cli.report import describe, print_rows
from seqalign.errors import InputError
from seqalign.units import MAX_FRAMES, plural
from seqalign.wording import naming

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.changepoints.search import Segmentation
    from seqalign.io import Sequence

SEARCH_PANEL = "Segmentation"

#: Audio is z-scored per feature (log-mel energies differ in scale by band); other inputs
#: are taken as they are.
AUDIO_NORMALIZE = "zscore"


def _option(*flags: str, metavar: str | None = None, help: str, panel: str = SEARCH_PANEL):
    return typer.Option(
        *flags, metavar=metavar, help=help, rich_help_panel=panel, show_default=False
    )


def segment(
    input: Annotated[
        str,
        typer.Argument(
            help="The stream: audio (wav, flac...), .npy/.npz array (frames x features), "
            ".csv/.tsv table, or - for standard input.",
            metavar="INPUT",
            show_default=False,
        ),
    ],
    cost: Annotated[
        str,
        _option(
            "--cost",
            metavar="NAME",
            help="Segment cost: l2 (mean), l1 (median), normal (mean and covariance), linear "
            "(regression of the first column on the others), rbf (distribution, kernel), "
            "cosine (direction) [default: l2].",
        ),
    ] = "l2",
    method: Annotated[
        str | None,
        _option(
            "--method",
            metavar="NAME",
            help="Search: pelt (exact, penalised), dynp (exact, --n-bkps), binseg, bottomup or "
            "window [default: pelt; dynp with --n-bkps, binseg beyond 20,000 frames for a "
            "single K].",
        ),
    ] = None,
    penalty: Annotated[
        str | None,
        _option(
            "--penalty",
            metavar="VALUE|NAME",
            help="Penalty per change: a number, or mbic, bic, aic, hqc (scaled by the "
            "estimated noise; see --noise) [default: mbic].",
        ),
    ] = None,
    n_bkps_text: Annotated[
        str | None,
        _option(
            "--n-bkps",
            "-k",
            metavar="K|K1:K2",
            help="Find exactly K changes (no penalty); K1:K2 writes one optimal segmentation "
            "per number of changes from K1 to K2 (dynp: one pass for all).",
        ),
    ] = None,
    max_bkps: Annotated[
        int | None,
        _option(
            "--max-bkps",
            metavar="K",
            help="At most K changes (binseg, bottomup; dynp with a penalty).",
        ),
    ] = None,
    min_size: Annotated[
        int | None,
        _option(
            "--min-size", metavar="FRAMES", help="Shortest segment [default: 2 for normal, else 1]."
        ),
    ] = None,
    jump: Annotated[
        int,
        _option("--jump", metavar="FRAMES", help="Changes only at multiples of this [default: 1]."),
    ] = 1,
    width: Annotated[
        int | None,
        _option("--width", metavar="FRAMES", help="Window of --method window [default: 100]."),
    ] = None,
    gamma: Annotated[
        float | None,
        _option("--gamma", metavar="G", help="rbf bandwidth [default: median heuristic]."),
    ] = None,
    noise: Annotated[
        float | None,
        _option(
            "--noise",
            metavar="VARIANCE",
            help="Scale of named penalties: the noise variance for l2 (1 for z-scored data as "
            "TCPDBench) [default: estimated from first differences].",
        ),
    ] = None,
    crops_range: Annotated[
        str | None,
        _option(
            "--crops",
            metavar="MIN:MAX",
            help="List every optimal segmentation for penalties in MIN:MAX (CROPS) instead; "
            "writes one row per number of changes.",
        ),
    ] = None,
    engine: Annotated[
        str,
        _option(
            "--engine",
            metavar="NAME",
            help="native, or ruptures (also its costs ar, rank, mahalanobis, clinear).",
        ),
    ] = "native",
    pruning: Annotated[
        str,
        _option(
            "--pruning",
            metavar="NAME",
            help="PELT pruning: exact, or classic (R changepoint's and ruptures', which can "
            "miss the optimum with mbic).",
        ),
    ] = "exact",
    max_memory: opt.MaxMemory = None,
    features: opt.Features = "logmel",
    sample_rate: opt.SampleRate = 22050,
    hop: opt.Hop = 512,
    rate: opt.RateAll = None,
    key: opt.Key = None,
    column: opt.Columns = None,
    time_column: opt.TimeColumn = None,
    normalize: opt.Normalize = None,
    input_format: opt.InputFormat = None,
    missing: opt.Missing = "error",
    transpose: opt.Transpose = False,
    output: opt.Output = "-",
    fmt: opt.Format = None,
    segments: Annotated[
        str | None,
        _option(
            "--segments",
            metavar="FILE",
            help="Also write one row per segment: start, end, times, duration.",
            panel=opt.OUTPUT_PANEL,
        ),
    ] = None,
    labels: Annotated[
        str | None,
        _option(
            "--labels",
            metavar="FILE",
            help="Also write an Audacity label track (one region per segment; needs a frame rate).",
            panel=opt.OUTPUT_PANEL,
        ),
    ] = None,
    plot: Annotated[
        str | None,
        _option(
            "--plot",
            metavar="FILE",
            help="Also draw the stream and its boundaries to a .png, .pdf or .svg file; needs "
            "matplotlib (pip install 'seqalign[plot]').",
            panel=opt.OUTPUT_PANEL,
        ),
    ] = None,
    quiet: opt.Quiet = False,
) -> None:
    """Find where INPUT changes behaviour and write the boundaries.

    Boundaries go to standard output as CSV (index,time: the first frame of each new segment
    and its time in seconds when the frame rate is known), or to -o FILE as CSV, TSV, JSON
    (with the settings and breakpoints) or NPZ; a summary goes to standard error.

    Example: cat log.csv | seqalign segment - --column acc_x -o -
    """
    started = time.perf_counter()
    opt.check_rate(rate, "--rate")
    targets = {"-o": output, "--segments": segments, "--labels": labels, "--plot": plot}
    opt.check_targets(targets, (input,))
    budget = None if max_memory is None else opt.parse_size(max_memory, "--max-memory")
    bounds = None if crops_range is None else _parse_range(crops_range)
    n_bkps, k_range = _parse_n_bkps(n_bkps_text)
    if crops_range is not None and (n_bkps is not None or penalty is not None):
        raise InputError("--crops lists penalties itself; leave out --penalty and --n-bkps")
    typed = {
        "cost": cost,
        "method": method or "",
        "penalty": penalty or "",
        "n_bkps": n_bkps_text or "",
        "max_bkps": "" if max_bkps is None else str(max_bkps),
        "min_size": "" if min_size is None else str(min_size),
        "jump": str(jump),
        "width": "" if width is None else str(width),
        "gamma": "" if gamma is None else f"{gamma:g}",
        "noise": "" if noise is None else f"{noise:g}",
        "engine": engine,
        "pruning": pruning,
        "max_memory": max_memory or "",
    }
    with opt.input_warnings(quiet), naming({"x": ("INPUT", input)}, typed):
        reading = opt.reader_options(
            features=features,
            sample_rate=sample_rate,
            hop=hop,
            rate=rate,
            key=key,
            columns=column,
            time_column=time_column,
            normalize=normalize or "none",
            input_format=input_format,
            missing=missing,
            transpose=transpose,
            max_memory=budget,
        )
        out_format = opt.check_output(output, "-o", fmt)
        if (bounds is not None or k_range is not None) and out_format == "npz":
            raise InputError(f"-o {output}: several segmentations are written as csv, tsv or json")
        if segments is not None:
            opt.check_output(segments, "--segments", format_flag=None)
        if labels is not None:
            from seqalign.cli.extensions import LABEL_EXTENSIONS, format_by_extension
            from seqalign.io.writers import check_target

            format_by_extension(labels, "--labels", LABEL_EXTENSIONS, None)
            check_target(labels, "--labels")
        if plot is not None:
            from seqalign.plots import check_plot_target

            check_plot_target(plot)

        from seqalign.io import normalize as normalized
        from seqalign.io import read_sequence

        seq = read_sequence(input, reading)
        if normalize is None and seq.kind == "audio":
            seq.data = normalized(seq.data, AUDIO_NORMALIZE)
        if labels is not None and seq.rate is None:
            raise InputError(
                f"--labels {labels}: label tracks are in seconds and {seq.label} has no frame "
                "rate; give --rate"
            )
        read_s = time.perf_counter() - started
        settings = {
            "cost": cost,
            "min_size": min_size,
            "jump": jump,
            "gamma": gamma,
        }
        if bounds is not None or k_range is not None:
            from seqalign.changepoints.ranges import crops, segment_range

            if bounds is not None:
                path = crops(seq.data, bounds[0], bounds[1], **settings)
            else:
                path = segment_range(
                    seq.data, k_range, method=method or "dynp", max_memory=budget, **settings
                )
            _write_table(output, out_format, path, seq)
            if not quiet:
                _summary_many(seq, path, read_s, time.perf_counter() - started - read_s)
            return

        from seqalign.changepoints.search import segment as run_segment

        result = run_segment(
            seq.data,
            method=method,
            penalty=penalty,
            n_bkps=n_bkps,
            max_bkps=max_bkps,
            width=width,
            noise=noise,
            engine=engine,
            pruning=pruning,
            max_memory=budget,
            **settings,
        )
        search_s = time.perf_counter() - started - read_s
        _write(result, seq, output, out_format, segments, labels, plot)
    if not quiet:
        _summary(seq, result, read_s, search_s)


def _parse_n_bkps(text: str | None) -> tuple[int | None, range | None]:
    """``--n-bkps``: one number of changes, or an inclusive range ``K1:K2``."""
    if text is None:
        return None, None
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


def _parse_range(text: str) -> tuple[float, float]:
    parts = text.split(":")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"--crops {text!r}: give two penalties as MIN:MAX, e.g. 1:100") from None
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low < high):
        raise InputError(f"--crops {text}: needs 0 <= MIN < MAX")
    return low, high


def _write(
    result: Segmentation,
    seq: Sequence,
    output: str,
    out_format: str,
    segments: str | None,
    labels: str | None,
    plot: str | None,
) -> None:
    from seqalign.io.boundaries import write_boundaries, write_labels, write_segments

    timing = {"rate": seq.rate, "start_time": seq.start_time if seq.rate else 0.0}
    metadata = {
        **result.to_dict(rate=seq.rate),
        "input": seq.source,
        "n_features": seq.n_features,
        "start_time": timing["start_time"],
    }
    metadata.pop("times", None)  # the "time" column holds them
    write_boundaries(output, result.breakpoints, fmt=out_format, metadata=metadata, **timing)
    if segments is not None:
        write_segments(segments, result.breakpoints, metadata=metadata, **timing)
    if labels is not None:
        write_labels(labels, result.breakpoints, **timing)
    if plot is not None:
        from seqalign.plots import plot_segmentation, save_figure

        title = f"{result.method}, {result.cost_name}: {plural(result.n_bkps, 'change')}"
        figure = plot_segmentation(
            seq.data,
            result.breakpoints,
            times=seq.times() if seq.rate else None,
            names=seq.feature_names,
            title=title,
        )
        save_figure(figure, plot)


def _write_table(output: str, out_format: str, path: list[Segmentation], seq: Sequence) -> None:
    """One row per segmentation (from --crops or a --n-bkps range), as CSV/TSV or JSON."""
    import json

    from seqalign.io.writers import atomic_output

    crops = bool(path) and "penalty_range" in path[0].params
    rows = []
    for s in path:
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


def _summary(seq: Sequence, result: Segmentation, read_s: float, search_s: float) -> None:
    settings = f"{result.method}, cost {result.cost_name}, min size {result.min_size}"
    if result.jump > 1:
        settings += f", jump {result.jump}"
    if result.penalty is not None:
        settings += f", penalty {result.penalty_name} = {result.penalty:.6g}"
    if result.engine != "native":
        settings += f", engine {result.engine}"
    print_rows(
        [
            ("input", describe(seq)),
            ("settings", settings),
            ("changes", f"{result.n_bkps}, cost {result.cost:.6g}"),
            ("time", f"read {read_s:.2f} s, search {search_s:.2f} s"),
        ]
    )


def _summary_many(seq: Sequence, path: list[Segmentation], read_s: float, run_s: float) -> None:
    counts = ", ".join(str(s.n_bkps) for s in path)
    print_rows(
        [
            ("input", describe(seq)),
            ("segmentations", f"{len(path)}; changes: {counts}"),
            ("time", f"read {read_s:.2f} s, search {run_s:.2f} s"),
        ]
    )
