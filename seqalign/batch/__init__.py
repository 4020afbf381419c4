"""Run a dataset: many alignments and segmentations from a manifest, locally or on Dask.

:func:`run_batch` reads a manifest (CSV or JSON lines, one job per row: ``a`` and ``b`` to
align, or ``input`` to segment, with per-row options), runs the jobs in worker processes or on
a Dask cluster, writes one output per job, ``summary.csv``, ``failures.csv`` and a journal
that lets a later run resume. A bad job is recorded and the batch goes on.

Modules: :mod:`~seqalign.batch.options` (the option registry), :mod:`~seqalign.batch.manifest`
(rows -> :class:`Job`), :mod:`~seqalign.batch.jobs` (run one job -> :class:`JobResult`),
:mod:`~seqalign.batch.journal`, :mod:`~seqalign.batch.executors` (local processes, Dask) and
:mod:`~seqalign.batch.runner`. Only the standard library is imported with this package.
"""

from __future__ import annotations

from seqalign.batch.jobs import JobResult, job_key, run_job
from seqalign.batch.manifest import Job, read_manifest
from seqalign.batch.options import OPTIONS, TASKS
from seqalign.batch.runner import BatchReport, run_batch

__all__ = [
    "OPTIONS",
    "TASKS",
    "BatchReport",
    "Job",
    "JobResult",
    "job_key",
    "read_manifest",
    "run_batch",
    "run_job",
]
