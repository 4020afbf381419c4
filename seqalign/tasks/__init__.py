"""The task layer: one function per job kind, shared by the command line and the batch runner.

Each task takes a settings dataclass (its fields are the option names of
:mod:`seqalign.options`, which are also the batch columns), reads the inputs, applies the
defaults that depend on them (:mod:`seqalign.tasks.common`, defined once), calls the API and
writes the outputs with their metadata:

* :func:`run_align` (:class:`AlignSettings`): ``seqalign warp``, batch ``warp`` jobs;
* :func:`run_segment` (:class:`SegmentSettings`): ``seqalign segment``, batch ``segment`` jobs;
* :func:`run_soft` (:class:`SoftSettings`): ``seqalign soft``;
* :func:`run_barycenter` (:class:`BarycenterSettings`): ``seqalign barycenter``;
* :func:`run_matrix` (:class:`MatrixSettings`): ``seqalign matrix``.

The command line adds the summary; the batch runner adds the journal. Nothing heavy is
imported with this package.
"""

from __future__ import annotations

from seqalign.tasks.align import AlignOutcome, AlignSettings, run_align
from seqalign.tasks.barycenter import BarycenterOutcome, BarycenterSettings, run_barycenter
from seqalign.tasks.common import Reading, settings_from
from seqalign.tasks.matrix import MatrixOutcome, MatrixSettings, run_matrix
from seqalign.tasks.segment import SegmentOutcome, SegmentSettings, run_segment
from seqalign.tasks.soft import SoftOutcome, SoftSettings, run_soft

__all__ = [
    "AlignOutcome",
    "AlignSettings",
    "BarycenterOutcome",
    "BarycenterSettings",
    "MatrixOutcome",
    "MatrixSettings",
    "Reading",
    "SegmentOutcome",
    "SegmentSettings",
    "SoftOutcome",
    "SoftSettings",
    "run_align",
    "run_barycenter",
    "run_matrix",
    "run_segment",
    "run_soft",
    "settings_from",
]
