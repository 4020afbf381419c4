"""``seqalign batch MANIFEST -o DIR``: run every alignment and segmentation of a dataset.

A thin shell over :func:`seqalign.batch.run_batch`: flags -> run -> one summary line. The
manifest (CSV or JSON lines, ``-`` for standard input) lists one job per row: ``a`` and ``b``
to align (``warp``), or ``input`` to segment (``segment``), with optional ``id``, ``task``
and per-row options named like the flags of ``seqalign warp`` / ``seqalign segment``
(``metric``, ``band``, ``n_bkps``, ``column``...). ``--set KEY=VALUE`` gives defaults that
rows override.

Exit codes: 0 when every job succeeded (or was done before, with ``--resume``), 1 when a job
failed (see DIR/failures.csv), 2 for a bad manifest or command line (nothing is written),
130 on Ctrl-C (the journal keeps every finished job; rerun with ``--resume``).
Nothing heavy is imported with this module.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from seqalign.cli import options as opt
from seqalign.options import BATCH
from seqalign.units import plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.batch import BatchReport, JobResult


class _Bar:
    """The progress bar on standard error: jobs done / total, failures, rate, ETA."""

    def __init__(self) -> None:
        self.progress: Any = None
        self.task: Any = None
        self.failed = 0
        self.done = 0
        self.total = 0

    def __call__(self, result: JobResult | None, done: int, total: int) -> None:
        self.done, self.total = done, total
        if result is not None and result.status == "failed":
            self.failed += 1
        if self.progress is None:
            self._start(done, total)
        self.progress.update(self.task, completed=done, failed=self.failed)
        speed = self.progress.tasks[0].speed
        self.progress.update(self.task, rate="" if speed is None else f"{speed:.1f} jobs/s")

    def _start(self, done: int, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("batch", total=total, completed=done, failed=0, rate="")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


class _Counter:
    """Counts finished jobs when no bar is shown (for the message after Ctrl-C)."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0

    def __call__(self, result: JobResult | None, done: int, total: int) -> None:
        self.done, self.total = done, total

    def stop(self) -> None:
        pass


@opt.signature(
    BATCH,
    {"output_dir": opt.REQUIRED, "format": "csv", "resume": False, "overwrite": False},
    [
        opt.argument(
            "manifest",
            "MANIFEST",
            "The jobs: a CSV (with a header) or JSON-lines file, or - for standard input. "
            "Columns: a and b (align) or input (segment), optional id and task, and options "
            "named like the flags of warp and segment (metric, step_pattern, band, solver, "
            "features, rate, column, cost, search, penalty, n_bkps...). Relative paths are "
            "relative to the manifest's folder.",
        )
    ],
)
def batch(manifest: str, quiet: bool = False, **options: Any) -> None:
    """Run every job of MANIFEST (alignments and segmentations) into the folder DIR.

    A failed job (a missing file, a bad value) is recorded in DIR/failures.csv and the batch
    goes on; the exit code is 1 if any job failed. A progress bar shows on standard error
    when it is a terminal, then one summary line.

    Example: seqalign batch pairs.csv -o out --set band=2s --set rate=100 --jobs 8
    """
    from seqalign.batch import run_batch

    output_dir = options["output_dir"]
    bar: _Bar | _Counter = _Bar() if (not quiet and sys.stderr.isatty()) else _Counter()
    try:
        report: BatchReport = run_batch(
            manifest,
            output_dir,
            defaults=options["set"] or [],
            fmt=options["format"],
            jobs=options["jobs"],
            scheduler=options["scheduler"],
            resume=options["resume"],
            overwrite=options["overwrite"],
            progress=bar,
        )
    except KeyboardInterrupt:
        bar.stop()
        sys.stderr.write(
            f"seqalign: {bar.done} of {plural(bar.total, 'job')} finished before Ctrl-C; they "
            f"are in {output_dir}/journal.jsonl: rerun with --resume to finish\n"
        )
        raise
    finally:
        bar.stop()
    if not quiet:
        sys.stderr.write(f"{report.describe()}\n")
    if not report.ok:
        raise typer.Exit(1)
