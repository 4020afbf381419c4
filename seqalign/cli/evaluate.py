"""``seqalign evaluate PREDICTED REFERENCE``: score a segmentation or an alignment.

A thin shell: flags -> :mod:`seqalign.io.annotations` / :mod:`seqalign.io.timemaps` ->
:func:`seqalign.evaluate.score_segmentation` or :func:`~seqalign.evaluate.score_alignment`
-> JSON or CSV through :func:`seqalign.io.atomic_output`. Everything is read and checked
before anything is written. numpy loads inside :func:`evaluate`, not with this module.

Change points are compared in one convention, ``--convention``: ``tcpd`` (TCPDBench's
locations, what TCPD's annotations hold) or ``index`` (seqalign's and ruptures' breakpoints,
the first frame of a segment). A file whose own convention is known is converted to it
(seqalign's boundaries are shifted by -1 under ``tcpd``, TCPD's annotations by +1 under
``index``); plain lists are taken as they are. The default is the reference's convention,
else the prediction's, else ``index``; so ``seqalign evaluate boundaries.csv
annotations.json`` gives TCPDBench's own numbers without a flag, and a flag is needed only
to compare plain lists written in the other convention, or to override.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import TYPE_CHECKING, Any

from seqalign.cli import options as opt
from seqalign.errors import InputError
from seqalign.options import EVALUATE

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io.annotations import Loaded

KINDS = ("segmentation", "alignment")
CONVENTIONS = ("tcpd", "index")
PLACES = ("reference", "frames")
FORMATS = ("json", "csv")
DEFAULT_MARGIN = 5
DEFAULT_TOLERANCES = (0.05, 0.1)
_SECONDS = re.compile(r"(?P<number>[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(?P<unit>s|ms)?", re.I)


def _parse_tolerance(text: str) -> float:
    """Seconds in ``0.05``, ``0.05s`` or ``50ms``."""
    match = _SECONDS.fullmatch(text.strip())
    value = math.nan if match is None else float(match["number"])
    if match is not None and (match["unit"] or "s").lower() == "ms":
        value /= 1000
    if not (math.isfinite(value) and value > 0):
        raise InputError(
            f"--tolerance {text!r}: give a positive duration in seconds (0.05, 0.05s or 50ms)"
        )
    return value


def _choice(value: str | None, valid: tuple[str, ...], flag: str) -> None:
    if value is not None and value not in valid:
        raise InputError(f"{flag} {value!r}: unknown; valid: {', '.join(valid)}")


def _output_format(target: str, fmt: str | None) -> str:
    _choice(fmt, FORMATS, "--format")
    if fmt is None:
        from seqalign.io.extensions import format_by_extension

        extensions = {f".{name}": name for name in FORMATS}
        fmt = format_by_extension(target, "-o", extensions) or "json"
    return fmt


def _refuse(kind: str, name: str, given: dict[str, bool]) -> None:
    """Options that do not apply to ``kind`` are an error, not silently ignored."""
    wrong = [flag for flag, used in given.items() if used]
    if wrong:
        other = next(k for k in KINDS if k != kind)
        article = "an" if kind == "alignment" else "a"
        raise InputError(
            f"{', '.join(wrong)}: only for {other}s, and {name} holds {article} {kind} (--kind)"
        )


@opt.signature(
    EVALUATE,
    {"output": "-"},
    [
        opt.argument(
            "predicted",
            "PREDICTED",
            "The prediction: seqalign's boundaries (CSV index,time or JSON), a list of change "
            "point locations, or a path or time map from seqalign warp; - for standard input.",
        ),
        opt.argument(
            "reference",
            "REFERENCE",
            "The truth: annotations (TCPD's annotations.json, {annotator: [locations]}, a "
            "list, one location per line) or a reference path or time map (CSV with two time "
            "columns, e.g. examples/take2_truth.csv).",
        ),
    ],
)
def evaluate(predicted: str, reference: str, quiet: bool = False, **options: Any) -> None:
    """Score a segmentation against annotations, or an alignment against a reference.

    Segmentations: F1 with a margin, precision, recall and covering exactly as TCPDBench
    computes them (van den Burg & Williams 2020), and the Hausdorff distance. Alignments: mean,
    median and largest error of the predicted time in B, and the share within each tolerance.
    The scores go to standard output as JSON (or -o FILE, JSON or CSV); a table goes to
    standard error.

    Example: seqalign evaluate boundaries.csv annotations.json --dataset nile --n nile.json
    """
    kind, margin, dataset, n = (options[k] for k in ("kind", "margin", "dataset", "n"))
    convention, tolerance, at = options["convention"], options["tolerance"], options["at"]
    rate, output, fmt = options["rate"], options["output"], options["format"]
    opt.check_inputs(predicted, reference)
    opt.check_targets({"-o": output}, (predicted, reference))
    out_format = _output_format(output, fmt)
    opt.check_output(output, "-o", "json")
    _choice(kind, KINDS, "--kind")
    _choice(convention, CONVENTIONS, "--convention")
    _choice(at, PLACES, "--at")
    if margin is not None and not (math.isfinite(margin) and margin >= 0):
        raise InputError(f"--margin {margin:g}: must be a number of frames >= 0")
    tolerances = tuple(_parse_tolerance(t) for t in tolerance) if tolerance else None
    opt.check_rate(rate, "--rate")
    from seqalign.io.annotations import evaluation_kind, load, read_length

    length = None if n is None else read_length(n)
    pred_file, ref_file = load(predicted), load(reference)
    kind = kind or evaluation_kind(pred_file)
    if kind == "segmentation":
        used = {"--tolerance": tolerance is not None, "--at": at is not None, "--rate": bool(rate)}
        _refuse(kind, pred_file.name, used)
        record = _segmentation(pred_file, ref_file, margin, dataset, length, convention)
    else:
        used = {"--margin": margin is not None, "--dataset": dataset is not None}
        used.update({"--n": n is not None, "--convention": convention is not None})
        _refuse(kind, pred_file.name, used)
        record = _alignment(pred_file, ref_file, tolerances or DEFAULT_TOLERANCES, at, rate)
    record = {"kind": kind, "predicted": predicted, "reference": reference, **record}
    _write(output, out_format, record)
    if not quiet:
        _summary(record)


def _segmentation(
    pred_file: Loaded,
    ref_file: Loaded,
    margin: float | None,
    dataset: str | None,
    length: tuple[int, str | None] | None,
    convention: str | None,
) -> dict[str, Any]:
    from seqalign.evaluate import score_segmentation
    from seqalign.io.annotations import read_locations

    found = read_locations(pred_file, single=True)
    hints = [found.dataset, length[1] if length else None, pred_file.source]
    truth = read_locations(ref_file, dataset=dataset, hints=hints)
    if dataset is not None and truth.dataset is None:
        raise InputError(f"--dataset {dataset}: {ref_file.name} holds {truth.form}, no datasets")
    n = length[0] if length else None
    if n is not None and found.n is not None and found.n != n:
        raise InputError(f"--n {n} differs from the n = {found.n} of {pred_file.name}")
    n = n or found.n or truth.n
    if n is None:
        raise InputError(
            f"{pred_file.name}: covering needs the length of the series, which neither file "
            "gives; add --n N (or --n DATASET.json, a TCPD dataset file)"
        )
    convention = convention or truth.convention or found.convention or "index"
    scores = score_segmentation(
        found.resolve(convention, n)["1"],
        truth.resolve(convention, n),
        n,
        DEFAULT_MARGIN if margin is None else int(margin) if margin.is_integer() else margin,
    )
    return {"dataset": truth.dataset, "convention": convention, **scores.to_dict()}


def _alignment(
    pred_file: Loaded,
    ref_file: Loaded,
    tolerances: tuple[float, ...],
    at: str | None,
    rate: float | None,
) -> dict[str, Any]:
    from seqalign.evaluate import score_alignment
    from seqalign.io.timemaps import read_time_map

    found, truth = read_time_map(pred_file), read_time_map(ref_file)
    names = {"predicted": pred_file.name, "reference": ref_file.name}
    try:
        scores = score_alignment(found, truth, tolerances, at=at or "reference", rate=rate)
    except InputError as error:  # name the file, not the Python argument
        message = error.message
        for word, name in names.items():
            if message.startswith(word):
                message = f"{name}:{message[len(word) :].lstrip(':')}"
        raise InputError(message, argument=error.argument) from None
    return scores.to_dict()


def _write(target: str, fmt: str, record: dict[str, Any]) -> None:
    from seqalign.io import atomic_output

    if fmt == "json":
        text = json.dumps(record, indent=2, allow_nan=False) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(record)
        writer.writerow(["" if value is None else value for value in record.values()])
        text = buffer.getvalue()
    with atomic_output(target) as stream:
        stream.write(text)


def _summary(record: dict[str, Any]) -> None:
    """The scores as a small table on standard error."""
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in record.items():
        if isinstance(value, float):
            value = f"{value:.4f}" if math.isfinite(value) else str(value)
        table.add_row(name, "-" if value is None else str(value))
    Console(stderr=True, highlight=False, soft_wrap=True).print(table)
