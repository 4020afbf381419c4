"""``seqalign soft A B``: soft-DTW from the shell.

A thin shell over the task :func:`seqalign.tasks.soft.run_soft`: flags ->
:class:`~seqalign.tasks.soft.SoftSettings` -> task -> the value on standard output and a
summary on standard error. numpy and numba are imported inside the task, not with this module.
"""

from __future__ import annotations

from typing import Any

import typer

from seqalign.cli import options as opt
from seqalign.cli.report import describe, print_rows
from seqalign.options import SOFT
from seqalign.tasks.soft import SoftSettings
from seqalign.wording import naming


@opt.signature(
    SOFT,
    SoftSettings,
    [
        opt.argument(
            "a",
            "A",
            "Sequence A: audio (wav, flac, mp3...), .npy/.npz array, .csv/.tsv table, or - for "
            "standard input.",
        ),
        opt.argument("b", "B", "Sequence B, in any of the same forms."),
    ],
)
def soft(a: str, b: str, quiet: bool = False, **options: Any) -> None:
    """Soft-DTW of A and B (Cuturi & Blondel 2017): the value to standard output.

    soft-DTW replaces the minimum over warping paths by a soft minimum of smoothing G
    (--gamma): R[i,j] = C[i,j] - G log(exp(-R[i-1,j-1]/G) + exp(-R[i-1,j]/G) +
    exp(-R[i,j-1]/G)), on the squared Euclidean cost by default. --divergence prints the
    soft-DTW divergence instead, --sharp the sharp variant. A summary goes to standard error.

    Example: seqalign soft a.npy b.npy --gamma 0.1 --divergence
    """
    from seqalign.tasks.soft import run_soft

    settings = opt.settings_of(SoftSettings, {**options, "a": a, "b": b})
    typed = opt.typed_values(SOFT, options, ["max_memory", "gamma"])
    with opt.input_warnings(quiet), naming({"x": ("A", a), "y": ("B", b)}, typed):
        outcome = run_soft(settings, typed=typed)
    result = outcome.result
    typer.echo(repr(result.value))
    if not quiet:
        window_text = result.window + (f" (radius {result.radius})" if result.radius else "")
        print_rows(
            [
                ("A", describe(outcome.seq_a)),
                ("B", describe(outcome.seq_b)),
                (result.kind, repr(result.value)),
                (
                    "settings",
                    f"gamma {settings.gamma:g}, {result.metric}, window {window_text}, "
                    f"normalize {outcome.normalize}",
                ),
                ("time", f"read {outcome.read_s:.2f} s, soft-DTW {outcome.work_s:.2f} s"),
            ]
        )
