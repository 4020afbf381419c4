"""The cross-modal flags of ``seqalign warp``: ``--cross-modal ctw``, ``--components``, ``--reg``,
``--projections FILE``.

With ``--cross-modal ctw`` the inputs may have different numbers of features (a .wav against a
.npy of video embeddings); ``warp`` calls :func:`seqalign.crossmodal.ctw.ctw` instead of
:func:`seqalign.dtw` and writes the same outputs, plus the learned projections on request.
Only the standard library and typer are imported here (``seqalign warp --help`` stays fast);
the method names are validated by the library's registry,
:data:`seqalign.crossmodal.ctw.CROSS_MODAL`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from seqalign.cli.options import ALIGN_PANEL, OUTPUT_PANEL
from seqalign.errors import InputError
from seqalign.units import plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import Sequence
    from seqalign.warping.align import Alignment

#: Local cost in the shared space when --metric is not given (the CTW objective's).
DEFAULT_METRIC = "sqeuclidean"

CrossModal = Annotated[
    str | None,
    typer.Option(
        "--cross-modal",
        metavar="METHOD",
        help="Align inputs whose features differ (in number or meaning) in a learned shared "
        "space: ctw (canonical time warping: alternate CCA and DTW). The metric is then "
        "sqeuclidean (default) or euclidean on the projections.",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]
Components = Annotated[
    int | None,
    typer.Option(
        "--components",
        metavar="K",
        help="With --cross-modal: canonical components kept [default: the smaller of 10 and "
        "the features of A and of B].",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]
Reg = Annotated[
    float | None,
    typer.Option(
        "--reg",
        metavar="R",
        help="With --cross-modal: ridge added to each covariance, as a fraction of its mean "
        "variance per feature [default: 0.1].",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]
ProjectionsFile = Annotated[
    str | None,
    typer.Option(
        "--projections",
        metavar="FILE",
        help="With --cross-modal: also write the learned projections as .npz (x_weights, "
        "y_weights, x_mean, y_mean, correlations, objectives; A maps to (A - x_mean) @ "
        "x_weights).",
        rich_help_panel=OUTPUT_PANEL,
        show_default=False,
    ),
]


def check_flags(
    cross_modal: str | None, components: int | None, reg: float | None, projections: str | None
) -> None:
    """Refuse the cross-modal flags without ``--cross-modal``, and bad values, before any work."""
    if cross_modal is None:
        given = {"--components": components, "--reg": reg, "--projections": projections}
        for flag, value in given.items():
            if value is not None:
                raise InputError(f"{flag} needs --cross-modal (e.g. --cross-modal ctw)")
        return
    if components is not None and components < 1:
        raise InputError(f"--components {components}: must be a whole number >= 1")
    if reg is not None and not (math.isfinite(reg) and reg >= 0):
        raise InputError(f"--reg {reg:g}: must be a finite number >= 0")
    if projections is not None:
        from seqalign.cli.extensions import PROJECTION_EXTENSIONS, format_by_extension
        from seqalign.io.writers import check_target

        if projections == "-":
            raise InputError("--projections -: give a file (.npz); standard output is for -o")
        format_by_extension(projections, "--projections", PROJECTION_EXTENSIONS, None)
        check_target(projections, "--projections")


def aligner(
    cross_modal: str, seq_a: Sequence, seq_b: Sequence, components: int | None, reg: float | None
) -> Callable[..., Alignment]:
    """The library call for ``--cross-modal METHOD``: ``dtw``'s signature, CTW's options bound."""
    import functools

    from seqalign.crossmodal.ctw import CROSS_MODAL, DEFAULT_REG, ctw

    if cross_modal.lower() not in CROSS_MODAL:
        raise InputError(
            f"--cross-modal {cross_modal}: unknown method; choose one of: {', '.join(CROSS_MODAL)}"
        )
    most = min(seq_a.n_features, seq_b.n_features)
    if components is not None and components > most:
        raise InputError(
            f"--components {components}: at most {most}, the smaller number of features (A has "
            f"{seq_a.n_features} per frame, B has {seq_b.n_features})"
        )
    return functools.partial(ctw, n_components=components, reg=DEFAULT_REG if reg is None else reg)


def write_projections(target: str, alignment: Any) -> None:
    """Write the projections of a CTW alignment to ``target`` as .npz, atomically."""
    import io

    import numpy as np

    from seqalign.io import atomic_output

    arrays = {**alignment.projections.arrays(), "objectives": alignment.objectives}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with atomic_output(target, binary=True, flag="--projections") as stream:
        stream.write(buffer.getvalue())


def summary_rows(alignment: Any) -> list[tuple[str, str]]:
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
