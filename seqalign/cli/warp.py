"""``seqalign warp A B``: align two sequences with DTW; write the path (and a time map).

A thin shell over the task :func:`seqalign.tasks.align.run_align` (which batch ``warp`` jobs
run too): flags -> :class:`~seqalign.tasks.align.AlignSettings` -> task -> a summary on
standard error. numpy, numba and librosa are imported inside the task, not with this module.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from seqalign.cli import options as opt
from seqalign.cli.report import describe, print_rows
from seqalign.options import WARP
from seqalign.tasks.align import AlignSettings
from seqalign.units import plural
from seqalign.wording import naming

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import Sequence
    from seqalign.tasks.align import AlignOutcome
    from seqalign.warping.align import Alignment


@opt.signature(
    WARP,
    AlignSettings,
    [
        opt.argument(
            "a",
            "A",
            "Sequence A (the query): audio (wav, flac, mp3...), .npy/.npz array, .csv/.tsv "
            "table, or - for standard input.",
        ),
        opt.argument("b", "B", "Sequence B (the reference), in any of the same forms."),
    ],
)
def warp(a: str, b: str, quiet: bool = False, **options: Any) -> None:
    """Align A to B with exact dynamic time warping and write the warping path.

    The path goes to standard output as CSV (a_index,b_index,a_time,b_time; times in seconds
    when the frame rate is known, else frame indices), or to -o FILE as CSV, TSV, JSON or NPZ;
    a summary goes to standard error.

    Example: seqalign warp take1.flac take2.flac -o path.csv --time-map map.csv

    Inputs with different features (audio against video embeddings): add --cross-modal ctw.
    """
    from seqalign.cli.progress import progress_bar
    from seqalign.tasks.align import run_align

    settings = opt.settings_of(AlignSettings, {**options, "a": a, "b": b})
    inputs = {"x": ("A", a), "y": ("B", b)}
    typed = opt.typed_values(WARP, options, ["max_memory"])  # "radius": once in frames
    with opt.input_warnings(quiet), naming(inputs, typed):
        outcome = run_align(
            settings, typed=typed, progress=lambda: progress_bar("aligning", quiet=quiet)
        )
    if not quiet:
        _summary(outcome)


def _method_rows(alignment: Alignment) -> list[tuple[str, str]]:
    """The method used and why (when not the plain full path), and any measured agreement."""
    rows = []
    if alignment.solver_reason:
        rows.append(("solver", f"{alignment.solver}: {alignment.solver_reason}"))
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


def _summary(outcome: AlignOutcome) -> None:
    """A short table on standard error: inputs, distances, settings, path and times."""
    seq_a, seq_b, alignment = outcome.seq_a, outcome.seq_b, outcome.alignment
    normalize, features = outcome.normalize, outcome.features
    read_s, align_s = outcome.read_s, outcome.align_s
    norm = alignment.normalized_distance
    window = alignment.window
    if alignment.radius is not None:
        window += f" (radius {plural(alignment.radius, 'frame')} of B)"
    settings = f"{alignment.step_pattern}, {alignment.metric}, window {window}"
    settings += f", normalize {normalize}" + (f", features {features}" if features else "")
    if outcome.preset:
        settings += f" (preset {outcome.preset})"
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
        *_ctw_rows(alignment),
        ("path", plural(alignment.path.shape[0], "step")),
        *_method_rows(alignment),
        ("time", f"read {read_s:.2f} s, align {align_s:.2f} s"),
    ]
    print_rows(rows)


def _ctw_rows(alignment: Any) -> list[tuple[str, str]]:
    """The summary's line about CTW (none for plain DTW)."""
    projections = getattr(alignment, "projections", None)
    if projections is None:
        return []
    steps = alignment.objectives.shape[0]
    state = "converged" if alignment.converged else "stopped"
    shown = ", ".join(f"{r:.3f}" for r in projections.correlations[:5])
    more = ", ..." if projections.n_components > 5 else ""
    text = (
        f"{plural(projections.n_components, 'component')}, reg {projections.reg:g}; {state} "
        f"after {plural(steps, 'step')} (best: step {alignment.iteration + 1}); "
        f"correlations {shown}{more}"
    )
    return [("ctw", text)]
