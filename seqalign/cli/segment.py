"""``seqalign segment INPUT``: find where a stream changes behaviour; write the boundaries.

A thin shell over the task :func:`seqalign.tasks.segment.run_segment` (which batch
``segment`` jobs run too): flags -> :class:`~seqalign.tasks.segment.SegmentSettings` -> task ->
a summary on standard error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from seqalign.cli import options as opt
from seqalign.cli.report import describe, print_rows
from seqalign.options import SEGMENT
from seqalign.tasks.segment import SegmentSettings
from seqalign.wording import naming

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.changepoints.result import Segmentation
    from seqalign.io import Sequence


@opt.signature(
    SEGMENT,
    SegmentSettings,
    [
        opt.argument(
            "input",
            "INPUT",
            "The stream: audio (wav, flac...), .npy/.npz array (frames x features), .csv/.tsv "
            "table, or - for standard input.",
        )
    ],
)
def segment(input: str, quiet: bool = False, **options: Any) -> None:
    """Find where INPUT changes behaviour and write the boundaries.

    Boundaries go to standard output as CSV (index,time: the first frame of each new segment
    and its time in seconds when the frame rate is known), or to -o FILE as CSV, TSV, JSON
    (with the settings and breakpoints) or NPZ; a summary goes to standard error.

    Example: cat log.csv | seqalign segment - --column acc_x -o -
    """
    from seqalign.tasks.segment import run_segment

    settings = opt.settings_of(SegmentSettings, {**options, "input": input})
    named = ["cost", "search", "penalty", "n_bkps", "max_bkps", "min_size", "jump", "width",
             "kernel_gamma", "noise", "engine", "pruning", "max_memory", "expected_length",
             "max_delay", "wait"]  # fmt: skip
    typed = opt.typed_values(SEGMENT, options, named)
    if settings.online:
        from seqalign.tasks.online import run_online

        with opt.input_warnings(quiet), naming({"x": ("INPUT", input)}, typed):
            online = run_online(settings)
        if not quiet:
            _summary_online(online)
        return
    from seqalign.cli.progress import progress_bar

    with opt.input_warnings(quiet), naming({"x": ("INPUT", input)}, typed):
        outcome = run_segment(settings, progress=lambda: progress_bar("shape search", quiet=quiet))
    if quiet:
        return
    if outcome.many is not None:
        _summary_many(outcome.seq, outcome.many, outcome.read_s, outcome.search_s)
    else:
        assert outcome.result is not None
        _summary(outcome.seq, outcome.result, outcome.read_s, outcome.search_s)


def _summary(seq: Sequence, result: Segmentation, read_s: float, search_s: float) -> None:
    settings = f"{result.search}, cost {result.cost_name}, min size {result.min_size}"
    if result.jump > 1:
        settings += f", jump {result.jump}"
    if result.penalty is not None:
        settings += f", penalty {result.penalty_name} = {result.penalty:.6g}"
    if result.engine != "native":
        settings += f", engine {result.engine}"
    print_rows(
        [
            ("input", describe(seq)),
            ("settings", settings),
            ("changes", _changes(result)),
            ("time", f"read {read_s:.2f} s, search {search_s:.2f} s"),
        ]
    )


def _summary_online(o) -> None:
    delays = (
        f"mean {sum(o.delays) / len(o.delays):.1f}, max {max(o.delays)} frames"
        if o.delays
        else "none"
    )
    forced = f", {o.forced} forced (--max-delay)" if o.forced else ""
    print_rows(
        [
            ("input", f"{o.frames} frames read, online"),
            ("settings", f"pelt online, penalty {o.penalty}"),
            ("changes", f"{len(o.boundaries)}{forced}"),
            ("delay", delays),
            ("memory", f"peak {o.peak_live} live candidates"),
            ("time", f"{o.seconds:.2f} s"),
        ]
    )


def _changes(result: Segmentation) -> str:
    if result.cost_name != "shape":
        return f"{result.n_bkps}, cost {result.cost:.6g}"
    scores = ", ".join(f"{v:.3f}" for v in result.params["scores"])
    text = f"{result.n_bkps}, width {result.params['width']}"
    return text + (f", scores (macro F1) {scores}" if scores else "")


def _summary_many(seq: Sequence, path: list[Segmentation], read_s: float, run_s: float) -> None:
    counts = ", ".join(str(s.n_bkps) for s in path)
    print_rows(
        [
            ("input", describe(seq)),
            ("segmentations", f"{len(path)}; changes: {counts}"),
            ("time", f"read {read_s:.2f} s, search {run_s:.2f} s"),
        ]
    )
