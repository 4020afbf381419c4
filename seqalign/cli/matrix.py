"""``seqalign matrix FILES... | --manifest M``: pairwise DTW distances, or nearest neighbours.

A thin shell over the task :func:`seqalign.tasks.matrix.run_matrix` (which calls
:func:`seqalign.matrix.pairwise.pairwise_dtw`, :func:`seqalign.matrix.pairwise.knn_dtw` or
:func:`seqalign.soft.pairwise.pairwise_soft_dtw`):

* ``seqalign matrix a.npy b.npy c.npy -o D.npy``: the square matrix of every input against
  every input (the inputs are FILES, then the paths listed in ``--manifest``);
* ``... --references R`` (a list of reference paths): the inputs are the queries, the matrix
  is queries x references;
* ``--knn K``: instead of the matrix, the K nearest references of each query (without
  ``--references``: the K nearest other inputs, leave-one-out), found with LB_Keogh and early
  abandoning; exactly the K smallest entries of each row of the matrix;
* ``--soft`` (smoothing ``--gamma``): the soft-DTW matrix instead.

The formats and lists of paths are described in :mod:`seqalign.tasks.matrix`. numpy and
numba load inside the task, not with this module.
"""

from __future__ import annotations

from typing import Any

from seqalign.cli import options as opt
from seqalign.cli.report import describe_many, print_rows
from seqalign.options import MATRIX
from seqalign.tasks.matrix import MatrixSettings
from seqalign.units import plural
from seqalign.wording import naming


@opt.signature(
    MATRIX,
    MatrixSettings,
    [
        opt.argument(
            "files",
            "FILE",
            "The inputs: audio, .npy/.npz arrays, .csv/.tsv tables (one may be - for standard "
            "input); any lengths, the same features.",
            kind=list[str] | None,
            default=None,
        )
    ],
)
def matrix(files: list[str] | None = None, quiet: bool = False, **options: Any) -> None:
    """Pairwise DTW distances between many sequences, or each one's nearest neighbours.

    The distance is the accumulated cost of the step pattern (not normalised), with
    --metric sqeuclidean by default (audio: cosine): the square of dtaidistance's and
    tslearn's DTW, which --sqrt gives. --band R with equal lengths is their Sakoe-Chiba
    radius R (dtaidistance's window=R+1). --soft gives the soft-DTW matrix (smoothing
    --gamma). A summary goes to standard error.

    Example: seqalign matrix --manifest takes.txt --band 50 -o distances.npy
    """
    from seqalign.tasks.matrix import run_matrix

    settings = opt.settings_of(MatrixSettings, {**options, "files": tuple(files or ())})
    typed = opt.typed_values(MATRIX, options, ["knn", "gamma"])
    with opt.input_warnings(quiet), naming({}, typed):
        outcome = run_matrix(settings, typed=typed)
    if quiet:
        return
    gamma = 1.0 if settings.gamma is None else settings.gamma
    what = f"soft-DTW (gamma {gamma:g})" if settings.soft else "DTW"
    what += f", {outcome.metric}" + (", sqrt" if settings.sqrt else "")
    if outcome.radius is not None:
        what += f", band {plural(outcome.radius, 'frame')}"
    print_rows(
        [
            ("inputs", describe_many(outcome.sequences)),
            ("result", f"{outcome.shape} ({what}){outcome.work}"),
            ("time", f"read {outcome.read_s:.2f} s, compute {outcome.work_s:.2f} s"),
        ]
    )
