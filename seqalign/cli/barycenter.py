"""``seqalign barycenter FILES...``: average sequences into one template under (soft-)DTW.

A thin shell over the task :func:`seqalign.tasks.barycenter.run_barycenter`: flags ->
:class:`~seqalign.tasks.barycenter.BarycenterSettings` -> task (which writes the template) ->
a summary on standard error. numpy, numba and scipy are imported inside the task.
"""

from __future__ import annotations

from typing import Any

from seqalign.cli import options as opt
from seqalign.cli.report import describe_many, print_rows
from seqalign.options import BARYCENTER
from seqalign.tasks.barycenter import BarycenterSettings
from seqalign.units import plural
from seqalign.wording import naming


@opt.signature(
    BARYCENTER,
    BarycenterSettings,
    [
        opt.argument(
            "files",
            "FILE",
            "The sequences to average: audio, .npy/.npz arrays, .csv/.tsv tables (one of them "
            "may be - for standard input); any lengths, the same features.",
            kind=list[str],
        )
    ],
)
def barycenter(files: list[str], quiet: bool = False, **options: Any) -> None:
    """Average sequences of any lengths into one template under (soft-)DTW.

    --averaging soft minimises the sum of soft-DTW values to the inputs (or of divergences)
    with L-BFGS-B; --averaging dba is DTW barycenter averaging on the squared Euclidean cost.
    The barycenter goes to -o FILE (time-first: frames x features); a summary to standard
    error.

    Example: seqalign barycenter take*.npy -o template.npy --averaging soft --gamma 0.5
    """
    from seqalign.tasks.barycenter import run_barycenter

    settings = opt.settings_of(BarycenterSettings, {**options, "files": tuple(files)})
    names = ["gamma", "averaging", "init", "tol", "max_iter", "length", "weights"]
    typed = opt.typed_values(BARYCENTER, options, names)
    with opt.input_warnings(quiet), naming({}, typed):
        outcome = run_barycenter(settings, typed=typed)
    if quiet:
        return
    result = outcome.result
    what = "soft-DTW" if result.averaging == "soft" else "DBA"
    if result.averaging == "soft":
        what += f", gamma {settings.gamma:g}, {result.metric}"
        what += ", divergence" * settings.divergence + ", sharp" * settings.sharp
    print_rows(
        [
            ("inputs", describe_many(outcome.sequences)),
            ("barycenter", f"{plural(result.average.shape[0], 'frame')} ({what})"),
            (
                "objective",
                f"{result.initial_objective:.6g} at the start, "
                f"{result.objective:.6g} after {plural(result.n_iter, 'iteration')}"
                + ("" if result.converged else " (not converged)"),
            ),
            ("time", f"read {outcome.read_s:.2f} s, average {outcome.work_s:.2f} s"),
        ]
    )
