"""Run a whole batch: plan, skip what is done, execute, journal, and write the summary.

The output folder holds, besides one output per job:

============== ==========================================================================
summary.csv    ``id, task, status, distance, n_bkps, seconds, output``: one row per job in
               manifest order; status ``ok``, ``failed`` or ``skipped`` (done before,
               ``resume``); ``distance`` for warp jobs, ``n_bkps`` (changes) for segment jobs
failures.csv   ``id, reason``: the one-line error of each failed job (a header alone if none)
journal.jsonl  one JSON line per finished job (see :mod:`seqalign.batch.journal`)
============== ==========================================================================
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from seqalign.batch.executors import make_executor
from seqalign.batch.jobs import JobResult, job_key
from seqalign.batch.journal import JOURNAL_NAME, Journal, read_journal
from seqalign.batch.manifest import Job, read_manifest
from seqalign.batch.options import parse_settings
from seqalign.errors import InputError

__all__ = ["BatchReport", "run_batch"]

SUMMARY_NAME = "summary.csv"
FAILURES_NAME = "failures.csv"
#: Output formats of the jobs (a subset of :data:`seqalign.io.WRITE_FORMATS`).
BATCH_FORMATS = ("csv", "tsv", "json", "npz")

Progress = Callable[[JobResult | None, int, int], None]


@dataclass
class BatchReport:
    """What a batch did.

    Attributes
    ----------
    results : list of JobResult
        One per job, in manifest order (jobs not run because of Ctrl-C are left out).
    output_dir : str
        The output folder.
    seconds : float
        Wall time of the whole batch.
    interrupted : bool
        The batch was stopped by Ctrl-C before every job ran.
    total : int
        Number of jobs in the manifest.
    """

    results: list[JobResult] = field(default_factory=list)
    output_dir: str = ""
    seconds: float = 0.0
    interrupted: bool = False
    total: int = 0

    def count(self, status: str) -> int:
        """Number of jobs with this status."""
        return sum(r.status == status for r in self.results)

    @property
    def ok(self) -> bool:
        """True when no job failed (skipped jobs were done before)."""
        return self.count("failed") == 0 and not self.interrupted

    def describe(self) -> str:
        """One line: ``1000 jobs: 998 ok, 2 failed (see out/failures.csv), 12.3 s``."""
        parts = [f"{self.count('ok')} ok"]
        if self.count("skipped"):
            parts.append(f"{self.count('skipped')} skipped (done before)")
        failed = self.count("failed")
        if failed:
            where = os.path.join(self.output_dir, FAILURES_NAME)
            parts.append(f"{failed} failed (see {where})")
        if self.interrupted:
            parts.append(f"{self.total - len(self.results)} not run (interrupted; use --resume)")
        noun = "job" if self.total == 1 else "jobs"
        return f"{self.total} {noun}: {', '.join(parts)}, {self.seconds:.1f} s"


def _check_output_dir(output_dir: str, resume: bool, overwrite: bool) -> bool:
    """Refuse a folder holding an earlier batch unless resuming or overwriting; return whether
    it holds a journal."""
    if resume and overwrite:
        raise InputError("give --resume or --overwrite, not both", argument="resume")
    if not output_dir.strip():
        raise InputError("--output-dir is empty; give a folder", argument="output")
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise InputError(f"--output-dir {output_dir}: is a file, not a folder", argument="output")
    journal = os.path.join(output_dir, JOURNAL_NAME)
    has_journal = os.path.exists(journal)
    if has_journal and not (resume or overwrite):
        raise InputError(
            f"--output-dir {output_dir} holds an earlier batch ({JOURNAL_NAME}); use --resume to "
            "finish it or --overwrite to start again",
            argument="output",
        )
    parent = os.path.dirname(output_dir.rstrip(os.sep)) or os.curdir  # as the system sees it
    if not os.path.isdir(parent):
        raise InputError(
            f"--output-dir {output_dir}: folder {parent} does not exist", argument="output"
        )
    return has_journal


def _remove_stale_temporaries(output_dir: str) -> None:
    """Temporary files left by a worker killed while writing (``.<name>.<random>.tmp``)."""
    for name in os.listdir(output_dir):
        if name.startswith(".") and name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(output_dir, name))
            except OSError:
                pass


def _write_table(path: str, header: list[str], rows: list[list[Any]]) -> None:
    from seqalign.io.writers import atomic_output

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with atomic_output(path, flag="--output-dir") as stream:
        stream.write(buffer.getvalue())


def _value(result: JobResult, task: str) -> str:
    if result.value is None or result.task != task:
        return ""
    return f"{int(result.value)}" if task == "segment" else f"{result.value:.10g}"


def write_summary(report: BatchReport) -> None:
    """Write ``summary.csv`` and ``failures.csv`` of ``report`` into its output folder."""
    rows = [
        [
            r.id,
            r.task,
            r.status,
            _value(r, "warp"),
            _value(r, "segment"),
            f"{r.seconds:.4f}",
            r.output,
        ]
        for r in report.results
    ]
    header = ["id", "task", "status", "distance", "n_bkps", "seconds", "output"]
    _write_table(os.path.join(report.output_dir, SUMMARY_NAME), header, rows)
    failures = [[r.id, r.error] for r in report.results if r.status == "failed"]
    _write_table(os.path.join(report.output_dir, FAILURES_NAME), ["id", "reason"], failures)


def _done_before(job: Job, key: str, journal: dict[str, dict[str, Any]], output_dir: str):
    record = journal.get(key)
    if record is None or record.get("status") != "ok":
        return None
    if not os.path.isfile(os.path.join(output_dir, job.output)):
        return None
    return JobResult(
        id=job.id,
        task=job.task,
        status="skipped",
        value=record.get("value"),
        seconds=0.0,
        output=job.output,
        key=key,
    )


def run_batch(
    manifest: str | list[Job],
    output_dir: str,
    *,
    defaults: Mapping[str, Any] | list[str] | None = None,
    fmt: str = "csv",
    jobs: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> BatchReport:
    """Run every job of a manifest; write one output per job, a summary and a journal.

    Parameters
    ----------
    manifest : str or list of Job
        A CSV or JSON-lines manifest (``-``: standard input; see
        :mod:`seqalign.batch.manifest`), or jobs from :func:`~seqalign.batch.read_manifest`.
    output_dir : str
        Folder of the outputs (created if missing; its parent must exist).
    defaults : mapping or list of str, optional
        Options for every job they apply to, overridden by the manifest's columns:
        ``{"metric": "cosine"}`` or ``["metric=cosine"]`` (``--set``).
    fmt : {"csv", "tsv", "json", "npz"}
        Format of the job outputs.
    jobs : int, optional
        Local worker processes (default: every core); with ``scheduler``, the workers of a
        local Dask cluster.
    scheduler : str, optional
        Run on a Dask cluster: a scheduler address, or ``"local"`` for a local cluster.
    resume : bool
        Skip the jobs that an earlier run in ``output_dir`` finished (same inputs, options and
        version; output still there); redo the others.
    overwrite : bool
        Start again in a folder that holds an earlier batch (its journal is emptied).
    progress : callable, optional
        ``progress(result, done, total)``, called once with ``result`` None before any job,
        then after each job.

    Returns
    -------
    BatchReport
        The result of every job; :attr:`BatchReport.ok` is False when one failed.

    Raises
    ------
    InputError
        Bad manifest, options or output folder, or an unreachable scheduler; nothing is
        written then.
    KeyboardInterrupt
        Ctrl-C: the workers are stopped; the journal holds every job finished before.
    """
    started = time.perf_counter()
    if fmt not in BATCH_FORMATS:
        raise InputError(
            f"unknown output format {fmt!r} (--format); valid: {', '.join(BATCH_FORMATS)}",
            argument="format",
        )
    settings = parse_settings(defaults)
    plan = read_manifest(manifest, settings, fmt) if isinstance(manifest, str) else manifest
    if not plan:
        raise InputError("no jobs", argument="manifest")
    has_journal = _check_output_dir(output_dir, resume, overwrite)
    executor = make_executor(jobs, scheduler)
    report = BatchReport(output_dir=output_dir, total=len(plan))
    try:
        executor.start()
        os.makedirs(output_dir, exist_ok=True)
        _remove_stale_temporaries(output_dir)
        digests: dict[str, str] = {}
        keys = [job_key(job, digests) for job in plan]
        earlier = read_journal(os.path.join(output_dir, JOURNAL_NAME)) if resume else {}
        results: dict[str, JobResult] = {}
        work = []
        for job, key in zip(plan, keys):
            skipped = _done_before(job, key, earlier, output_dir)
            if skipped is None:
                work.append((job, key))
            else:
                results[job.id] = skipped
        if progress is not None:
            progress(None, len(results), len(plan))
        journal = Journal(
            os.path.join(output_dir, JOURNAL_NAME), fresh=not has_journal or overwrite
        )
        try:
            for result in executor.run(work, output_dir):
                journal.append(result.to_dict())
                results[result.id] = result
                if progress is not None:
                    progress(result, len(results), len(plan))
        except KeyboardInterrupt:
            report.interrupted = True
            executor.abort()
            raise
        finally:
            journal.close()
            report.results = [results[job.id] for job in plan if job.id in results]
            report.seconds = time.perf_counter() - started
        write_summary(report)
    finally:
        executor.close()
    return report
