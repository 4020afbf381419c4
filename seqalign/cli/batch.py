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
from typing import TYPE_CHECKING, Annotated, Any

import typer

from seqalign.cli import options as opt
from seqalign.units import plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.batch import BatchReport, JobResult

BATCH_PANEL = "Batch"


def _option(*flags: str, metavar: str | None = None, help: str, panel: str = BATCH_PANEL):
    return typer.Option(
        *flags, metavar=metavar, help=help, rich_help_panel=panel, show_default=False
    )


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


def batch(
    manifest: Annotated[
        str,
        typer.Argument(
            help="The jobs: a CSV (with a header) or JSON-lines file, or - for standard input. "
            "Columns: a and b (align) or input (segment), optional id and task, and options "
            "named like the flags of warp and segment (metric, step_pattern, band, features, "
            "rate, column, cost, penalty, n_bkps...). Relative paths are relative to the "
            "manifest's folder.",
            metavar="MANIFEST",
            show_default=False,
        ),
    ],
    output_dir: Annotated[
        str,
        _option(
            "--output-dir",
            "-o",
            metavar="DIR",
            help="Folder of the outputs (created): <id>.path.<format> per alignment, "
            "<id>.boundaries.<format> per segmentation, summary.csv, failures.csv and "
            "journal.jsonl.",
            panel=opt.OUTPUT_PANEL,
        ),
    ],
    settings: Annotated[
        list[str] | None,
        _option(
            "--set",
            metavar="KEY=VALUE",
            help="Default option for every job it applies to, e.g. --set metric=cosine "
            "--set band=20 --set penalty=bic; a manifest column of the same name overrides "
            "it. Repeat for several.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        _option(
            "--format",
            metavar="FORMAT",
            help="Format of the job outputs: csv, tsv, json or npz [default: csv].",
            panel=opt.OUTPUT_PANEL,
        ),
    ] = "csv",
    jobs: Annotated[
        int | None,
        _option(
            "--jobs",
            "-j",
            metavar="N",
            help="Local worker processes [default: every core]; with --scheduler local, the "
            "Dask workers.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        _option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run on a Dask cluster: its scheduler address (tcp://host:8786), or local to "
            "start one here; needs pip install 'seqalign[dask]'. Workers must see the inputs "
            "and DIR at the same paths.",
        ),
    ] = None,
    resume: Annotated[
        bool,
        _option(
            "--resume",
            help="Finish an earlier batch in DIR: skip the jobs it did (same input bytes, "
            "options and version, output still there), redo the rest.",
        ),
    ] = False,
    overwrite: Annotated[
        bool,
        _option("--overwrite", help="Start again in a DIR that holds an earlier batch."),
    ] = False,
    quiet: opt.Quiet = False,
) -> None:
    """Run every job of MANIFEST (alignments and segmentations) into the folder DIR.

    A failed job (a missing file, a bad value) is recorded in DIR/failures.csv and the batch
    goes on; the exit code is 1 if any job failed. A progress bar shows on standard error
    when it is a terminal, then one summary line.

    Example: seqalign batch pairs.csv -o out --set band=2s --set rate=100 --jobs 8
    """
    from seqalign.batch import run_batch

    bar: _Bar | _Counter = _Bar() if (not quiet and sys.stderr.isatty()) else _Counter()
    try:
        report: BatchReport = run_batch(
            manifest,
            output_dir,
            defaults=settings or [],
            fmt=fmt,
            jobs=jobs,
            scheduler=scheduler,
            resume=resume,
            overwrite=overwrite,
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
