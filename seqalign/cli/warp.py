"""``seqalign warp A B``: align two sequences with DTW; write the path (and a time map).

A thin shell over the library: flags -> :func:`seqalign.io.read_sequence` ->
:func:`seqalign.warping.align.dtw` -> :func:`seqalign.io.write_path`. Everything is checked before
anything is written, and outputs are written atomically, so a bad input leaves no file.
numpy, numba and librosa are imported inside :func:`warp`, not with this module.
"""

from __future__ import annotations

import math
import os
import time
from typing import TYPE_CHECKING, Annotated

import typer

from seqalign.cli import crossmodal as cm
from seqalign.cli import kernels as kn
from seqalign.cli import methods as lm
from seqalign.cli import options as opt
from seqalign.cli.report import describe, print_rows
from seqalign.units import plural
from seqalign.wording import naming

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import Sequence
    from seqalign.warping.align import Alignment

#: Defaults that depend on the inputs. For audio, benchmarks/FEATURES.md measured log-mel
#: features z-scored per feature and compared by cosine as the most accurate; other inputs
#: are taken as they are. symmetric1 (every step weighs 1) beats symmetric2 for every
#: setting there, and, unlike symmetric2, allows --open-begin.
AUDIO_DEFAULTS = {"normalize": "zscore", "metric": "cosine"}
OTHER_DEFAULTS = {"normalize": "none", "metric": "euclidean"}
DEFAULT_STEP_PATTERN = "symmetric1"
DEFAULT_FEATURES = "logmel"


def warp(
    a: Annotated[
        str,
        typer.Argument(
            help="Sequence A (the query): audio (wav, flac, mp3...), .npy/.npz array, .csv/.tsv "
            "table, or - for standard input.",
            metavar="A",
            show_default=False,
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(
            help="Sequence B (the reference), in any of the same forms.",
            metavar="B",
            show_default=False,
        ),
    ],
    metric: opt.Metric = None,
    kernel_gamma: kn.KernelGamma = None,
    degree: kn.Degree = None,
    coef0: kn.Coef0 = None,
    step_pattern: opt.StepPattern = None,
    window: opt.Window = None,
    band: opt.BandOption = None,
    open_begin: opt.OpenBegin = False,
    open_end: opt.OpenEnd = False,
    subsequence: opt.Subsequence = False,
    max_memory: opt.MaxMemory = None,
    method: lm.Method = "auto",
    time_limit: lm.TimeLimit = None,
    multiscale_radius: lm.MultiscaleRadius = None,
    anchor: lm.Anchor = None,
    verify: lm.Verify = None,
    cross_modal: cm.CrossModal = None,
    components: cm.Components = None,
    reg: cm.Reg = None,
    features: opt.Features = DEFAULT_FEATURES,
    sample_rate: opt.SampleRate = 22050,
    hop: opt.Hop = 512,
    rate: opt.Rate = None,
    rate_b: opt.RateB = None,
    key: opt.Key = None,
    column: opt.Columns = None,
    time_column: opt.TimeColumn = None,
    normalize: opt.Normalize = None,
    input_format: opt.InputFormat = None,
    missing: opt.Missing = "error",
    transpose: opt.Transpose = False,
    output: opt.Output = "-",
    fmt: opt.Format = None,
    time_map: opt.TimeMap = None,
    plot: opt.Plot = None,
    projections: cm.ProjectionsFile = None,
    quiet: opt.Quiet = False,
) -> None:
    """Align A to B with exact dynamic time warping and write the warping path.

    The path goes to standard output as CSV (a_index,b_index,a_time,b_time; times in seconds
    when the frame rate is known, else frame indices), or to -o FILE as CSV, TSV, JSON or NPZ;
    a summary goes to standard error.

    Example: seqalign warp take1.flac take2.flac -o path.csv --time-map map.csv

    Inputs with different features (audio against video embeddings): add --cross-modal ctw.
    """
    started = time.perf_counter()
    opt.check_inputs(a, b)
    targets = {"-o": output, "--time-map": time_map, "--plot": plot, "--projections": projections}
    opt.check_targets(targets, (a, b))
    cm.check_flags(cross_modal, components, reg, projections)
    spec = None if band is None else opt.parse_band(band)
    budget = None if max_memory is None else opt.parse_size(max_memory, "--max-memory")
    method = lm.check_method(method, multiscale_radius)
    for text in anchor or ():
        lm.parse_anchor(text)
    opt.check_rate(rate, "--rate")
    opt.check_rate(rate_b, "--rate-b")
    inputs = {"x": ("A", a), "y": ("B", b)}
    typed = {"max_memory": max_memory or ""}  # "radius" is added once the band is in frames
    with opt.input_warnings(quiet), naming(inputs, typed):
        metric = kn.kernel_metric(metric, kernel_gamma, degree, coef0)
        reading = {
            "features": features,
            "sample_rate": sample_rate,
            "hop": hop,
            "key": key,
            "columns": column,
            "time_column": time_column,
            "input_format": input_format,
            "normalize": normalize or "none",
            "missing": missing,
            "transpose": transpose,
            "max_memory": budget,
        }
        options_a = opt.reader_options(rate=rate, **reading)
        options_b = opt.reader_options(rate=rate if rate_b is None else rate_b, **reading)
        path_format = opt.check_output(output, "-o", fmt)
        if time_map is not None:
            opt.check_output(time_map, "--time-map", format_flag=None)
        if plot is not None:
            from seqalign.plots import check_plot_target

            check_plot_target(plot)

        from seqalign.cli.progress import progress_bar
        from seqalign.io import normalize as normalized
        from seqalign.io import read_sequence, write_path, write_time_map
        from seqalign.warping.align import dtw
        from seqalign.warping.align import time_map as map_times

        seq_a = read_sequence(a, options_a)
        seq_b = read_sequence(b, options_b)
        audio = "audio" in (seq_a.kind, seq_b.kind)
        defaults = AUDIO_DEFAULTS if audio else OTHER_DEFAULTS
        if normalize is None and defaults["normalize"] != "none":
            seq_a.data = normalized(seq_a.data, defaults["normalize"])
            seq_b.data = normalized(seq_b.data, defaults["normalize"])
        normalize = normalize or defaults["normalize"]
        radius = None if spec is None else spec.radius(seq_b.rate, seq_b.label)
        if spec is not None:
            typed["radius"] = spec.describe(radius)
        read_s = time.perf_counter() - started

        align = dtw
        extra = {}
        if cross_modal is not None:
            align = cm.aligner(cross_modal, seq_a, seq_b, components, reg)
            defaults = {**defaults, "metric": cm.DEFAULT_METRIC}
        else:
            anchors = lm.anchor_frames(anchor, seq_a, seq_b)
            extra = {"method": method, "anchors": anchors, "multiscale_radius": multiscale_radius,
                     "verify": verify, "time_limit": time_limit}  # fmt: skip
        with progress_bar("aligning", quiet=quiet) as progress:
            if cross_modal is None:
                extra["progress"] = progress
            alignment = align(
                seq_a.data,
                seq_b.data,
                metric=metric or defaults["metric"],
                step_pattern=step_pattern or DEFAULT_STEP_PATTERN,
                window=window,
                radius=radius,
                open_begin=open_begin or subsequence,
                open_end=open_end or subsequence,
                max_memory=budget,
                **extra,
            )
        align_s = time.perf_counter() - started - read_s

        assert alignment.path is not None
        metadata = {
            **alignment.to_dict(),
            "a": seq_a.source,
            "b": seq_b.source,
            "a_rate": seq_a.rate,
            "b_rate": seq_b.rate,
            "features": features if audio else None,
            "normalize": normalize,
        }
        write_path(
            output,
            alignment.path,
            fmt=path_format,
            a_times=seq_a.times(),
            b_times=seq_b.times(),
            metadata=metadata,
        )
        if time_map is not None:
            a_times, b_times = map_times(
                alignment.path,
                alignment.n,
                rate_a=seq_a.rate,
                rate_b=seq_b.rate,
                start_a=seq_a.start_time if seq_a.rate else 0.0,
                start_b=seq_b.start_time if seq_b.rate else 0.0,
            )
            write_time_map(time_map, a_times, b_times)
        if projections is not None:
            cm.write_projections(projections, alignment)
        if plot is not None:
            _plot(plot, alignment, seq_a, seq_b)
    if not quiet:
        shown_features = features if audio else None
        _summary(seq_a, seq_b, alignment, normalize, shown_features, read_s, align_s)


def _plot(target: str, alignment: Alignment, seq_a: Sequence, seq_b: Sequence) -> None:
    """Draw the path, over the local costs when the matrix is small enough to show."""
    from seqalign.localcosts import cost_matrix
    from seqalign.plots import MAX_BACKGROUND_CELLS, plot_alignment, save_figure

    cost = None
    if alignment.n * alignment.m <= MAX_BACKGROUND_CELLS:
        learned = getattr(alignment, "projections", None)  # CTW: costs in the shared space
        data_a = seq_a.data if learned is None else learned.transform_x(seq_a.data)
        data_b = seq_b.data if learned is None else learned.transform_y(seq_b.data)
        cost = cost_matrix(data_a, data_b, alignment.metric)
    timed = seq_a.rate is not None and seq_b.rate is not None
    figure = plot_alignment(
        alignment.path,
        a_times=seq_a.times() if timed else None,
        b_times=seq_b.times() if timed else None,
        cost=cost,
        a_label=os.path.basename(seq_a.label),
        b_label=os.path.basename(seq_b.label),
        title=f"{alignment.step_pattern}, {alignment.metric}: distance {alignment.distance:.4g}",
    )
    save_figure(figure, target)


def _method_rows(alignment: Alignment) -> list[tuple[str, str]]:
    """The method used and why (when not the plain full path), and any measured agreement."""
    rows = []
    if alignment.method_reason:
        rows.append(("method", f"{alignment.method}: {alignment.method_reason}"))
    if alignment.agreement is not None:
        agreement = alignment.agreement
        rows.append(
            (
                "agreement",
                f"{agreement['within']:.2%} of path points within "
                f"{plural(agreement['tolerance'], 'frame')} of the exact path (mean "
                f"{agreement['mean']:.2f}, max {plural(agreement['max'], 'frame')}); exact "
                f"distance {agreement['exact_distance']:.6g}",
            )
        )
    return rows


def _describe(seq: Sequence) -> str:
    text = describe(seq)
    if not seq.rate:
        text += ", no frame rate (times are frame indices)"
    return text


def _summary(
    seq_a: Sequence,
    seq_b: Sequence,
    alignment: Alignment,
    normalize: str,
    features: str | None,
    read_s: float,
    align_s: float,
) -> None:
    """A short table on standard error: inputs, distances, settings, path and times."""
    norm = alignment.normalized_distance
    window = alignment.window
    if alignment.radius is not None:
        window += f" (radius {plural(alignment.radius, 'frame')} of B)"
    settings = f"{alignment.step_pattern}, {alignment.metric}, window {window}"
    settings += f", normalize {normalize}" + (f", features {features}" if features else "")
    ends = (("begin", alignment.open_begin), ("end", alignment.open_end))
    opened = [name for name, is_open in ends if is_open]
    if opened:
        settings += f", open {' and '.join(opened)}: B matched at frames {alignment.start}"
        settings += f"-{alignment.end}"
    assert alignment.path is not None
    rows = [
        ("A", _describe(seq_a)),
        ("B", _describe(seq_b)),
        (
            "distance",
            f"{alignment.distance:.6g}, normalized "
            + (
                f"{norm:.6g}" if math.isfinite(norm) else f"n/a ({alignment.step_pattern} has none)"
            ),
        ),
        ("settings", settings),
        *cm.summary_rows(alignment),
        ("path", plural(alignment.path.shape[0], "step")),
        *_method_rows(alignment),
        ("time", f"read {read_s:.2f} s, align {align_s:.2f} s"),
    ]
    print_rows(rows)
