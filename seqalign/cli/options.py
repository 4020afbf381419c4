"""Option groups shared by the commands, and the helpers that turn them into library calls.

Every command takes its flags from here, so ``warp`` and the commands to come (``segment``,
``soft``, ``batch``) spell, document and validate them the same way:

* reading inputs: :data:`Features` ... :data:`Transpose`, gathered by :func:`reader_options`;
  the readers' warnings are shown by :func:`input_warnings`;
* aligning: :data:`Metric`, :data:`StepPattern`, :data:`Window`, :data:`BandOption`...,
  with :func:`parse_band` (``200`` frames or ``2.5s``) and :func:`parse_size` (``500MB``);
* writing: :data:`Output`, :data:`Format`, :data:`TimeMap`, :data:`Quiet`, checked by
  :func:`check_output` (with :func:`seqalign.cli.extensions.format_by_extension`) and
  :func:`check_targets` before anything is read or written.

Errors of the library are reworded in the terms the user typed by :mod:`seqalign.wording`.

Only the standard library and typer are imported here: ``seqalign --help`` must not load
numpy. The registries (metrics, step patterns, windows, feature sets) stay the single source
of the valid names: options are plain strings, validated by the library, and the help texts
below name the valid values literally (a test keeps them in step with the registries).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from seqalign.cli import compiling
from seqalign.errors import InputError
from seqalign.units import Band, parse_band, parse_size, plural  # noqa: F401  (re-exported)

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import ReadOptions, Sequence


INPUT_PANEL = "Reading inputs"
ALIGN_PANEL = "Alignment"
OUTPUT_PANEL = "Output"

# -- reading inputs ------------------------------------------------------------------------

Features = Annotated[
    str,
    typer.Option(
        "--features",
        metavar="NAME",
        help="Audio features: logmel, mfcc, chroma, chroma_cqt, dlnco or chroma_onset.",
        rich_help_panel=INPUT_PANEL,
    ),
]
SampleRate = Annotated[
    int,
    typer.Option(
        "--sample-rate",
        metavar="HZ",
        help="Resample audio to this rate (Hz).",
        rich_help_panel=INPUT_PANEL,
    ),
]
Hop = Annotated[
    int,
    typer.Option(
        "--hop-length",
        "--hop",
        metavar="SAMPLES",
        help="Audio hop in samples; frames per second = sample rate / hop.",
        rich_help_panel=INPUT_PANEL,
    ),
]
Rate = Annotated[
    float | None,
    typer.Option(
        "--rate",
        metavar="FPS",
        help="Frames per second of arrays and tables (both inputs unless --rate-b is given).",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
RateB = Annotated[
    float | None,
    typer.Option(
        "--rate-b",
        metavar="FPS",
        help="Frames per second of input B, when it differs from --rate.",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
#: ``--rate`` of the commands without an input B (segment, barycenter, matrix).
RateAll = Annotated[
    float | None,
    typer.Option(
        "--rate",
        metavar="FPS",
        help="Frames per second of arrays and tables.",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        metavar="NAME",
        help="Array to read from an .npz archive [default: its only array].",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
Columns = Annotated[
    list[str] | None,
    typer.Option(
        "--column",
        metavar="NAME",
        help="Table column to use as a feature; repeat for several [default: every numeric "
        "column but the time column].",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
TimeColumn = Annotated[
    str | None,
    typer.Option(
        "--time-column",
        metavar="NAME",
        help="Table column of times in seconds [default: one named time, t, timestamp or seconds].",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
Normalize = Annotated[
    str | None,
    typer.Option(
        "--normalize",
        metavar="NAME",
        help="Normalise features: none, zscore (per feature) or l2 (per frame) [default: "
        "zscore when an input is audio, else none].",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
InputFormat = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        metavar="FORMAT",
        help="Read inputs as audio, npy, npz, csv or tsv [default: from the extension, else "
        "from the content].",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]

Missing = Annotated[
    str,
    typer.Option(
        "--missing",
        metavar="POLICY",
        help="Missing values (empty cells, NaN) and infinite ones: error, interpolate "
        "(linearly in time) or drop (the frames).",
        rich_help_panel=INPUT_PANEL,
    ),
]
Transpose = Annotated[
    bool,
    typer.Option(
        "--transpose",
        help="Read 2-D arrays and tables as (features, frames): swap their axes first (a "
        "table's columns become frames; audio is read as it is).",
        rich_help_panel=INPUT_PANEL,
    ),
]

# -- aligning ------------------------------------------------------------------------------

Metric = Annotated[
    str | None,
    typer.Option(
        "--metric",
        metavar="NAME",
        help="Local cost between frames: euclidean, sqeuclidean, cityblock, cosine, or a kernel "
        "linear, polynomial or rbf [default: cosine when an input is audio, else euclidean].",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]
StepPattern = Annotated[
    str | None,
    typer.Option(
        "--step-pattern",
        metavar="NAME",
        help="Step pattern: symmetric1 (default), symmetric2, asymmetric, rigid, mori2006, "
        "symmetricP0/P05/P1/P2, asymmetricP0/P05/P1/P2, typeIa-d, typeIas-ds, typeIIa-d, "
        "typeIIIc, typeIVc, or Rabiner-Juang rj<1-7>[a-d][s] "
        "(e.g. rj3c).",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]
Window = Annotated[
    str | None,
    typer.Option(
        "--window",
        metavar="NAME",
        help="Global constraint: none, sakoechiba, slantedband or itakura [default: none, or "
        "slantedband with --band].",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]
BandOption = Annotated[
    str | None,
    typer.Option(
        "--band",
        metavar="FRAMES|SECONDS",
        help="Half-width of the window in frames of B (200) or in seconds (2.5s, 500ms; needs "
        "the frame rate of B).",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]
#: ``--band`` of the commands without an input B (barycenter, matrix).
BandAll = Annotated[
    str | None,
    typer.Option(
        "--band",
        metavar="FRAMES|SECONDS",
        help="Half-width of the window in frames (200) or in seconds (2.5s, 500ms; needs one "
        "frame rate for every input).",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]
OpenBegin = Annotated[
    bool,
    typer.Option(
        "--open-begin", help="Let the path start at any frame of B.", rich_help_panel=ALIGN_PANEL
    ),
]
OpenEnd = Annotated[
    bool,
    typer.Option(
        "--open-end", help="Let the path end at any frame of B.", rich_help_panel=ALIGN_PANEL
    ),
]
Subsequence = Annotated[
    bool,
    typer.Option(
        "--subsequence",
        help="Find A inside B: --open-begin and --open-end.",
        rich_help_panel=ALIGN_PANEL,
    ),
]
MaxMemory = Annotated[
    str | None,
    typer.Option(
        "--max-memory",
        metavar="SIZE",
        help="Memory budget, e.g. 500MB or 2GB [default: half the available memory].",
        rich_help_panel=ALIGN_PANEL,
        show_default=False,
    ),
]

# -- writing -------------------------------------------------------------------------------

Output = Annotated[
    str,
    typer.Option(
        "-o",
        "--output",
        metavar="FILE",
        help="Where to write the result; - is standard output.",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
Format = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="Format of -o: csv, tsv, json or npz [default: from the extension, else csv].",
        rich_help_panel=OUTPUT_PANEL,
        show_default=False,
    ),
]
TimeMap = Annotated[
    str | None,
    typer.Option(
        "--time-map",
        metavar="FILE",
        help="Also write, for each frame of A, the matching time in B (format from the "
        "extension, else csv; - is standard output).",
        rich_help_panel=OUTPUT_PANEL,
        show_default=False,
    ),
]
Plot = Annotated[
    str | None,
    typer.Option(
        "--plot",
        metavar="FILE",
        help="Also draw the path (over the local costs when they fit) to a .png, .pdf or "
        ".svg file; needs matplotlib (pip install 'seqalign[plot]').",
        rich_help_panel=OUTPUT_PANEL,
        show_default=False,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No summary on standard error, nor the notice that kernels compile (first run).",
        rich_help_panel=OUTPUT_PANEL,
        callback=compiling.quiet_option,
    ),
]


def reader_options(
    *,
    features: str = "chroma",
    sample_rate: int = 22050,
    hop: int = 512,
    rate: float | None = None,
    key: str | None = None,
    columns: list[str] | None = None,
    time_column: str | None = None,
    normalize: str = "none",
    input_format: str | None = None,
    missing: str = "error",
    transpose: bool = False,
    max_memory: int | None = None,
) -> ReadOptions:
    """The :class:`seqalign.io.ReadOptions` of the reader flags (validated on construction).

    Raises
    ------
    InputError
        A value out of range or a name that is not in its registry; the message names the flag.
    """
    from seqalign.io import ReadOptions

    return ReadOptions(
        rate=rate,
        key=key,
        columns=tuple(columns) if columns else None,
        time_column=time_column,
        features=features,
        sample_rate=sample_rate,
        hop_length=hop,
        normalize=normalize,
        format=input_format,
        missing=missing,
        transpose=transpose,
        max_memory=max_memory,
    )


@contextlib.contextmanager
def input_warnings(quiet: bool) -> Iterator[None]:
    """Show the readers' :class:`~seqalign.errors.InputWarning` (an array with fewer frames
    than features...) as one line each on standard error, ``seqalign: warning: ...``, once the
    block has succeeded. ``--quiet`` drops them, and so does an error: its one line says what
    went wrong. Other warnings are shown as Python shows them."""
    import warnings

    from seqalign.errors import InputWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        yield
    for warning in caught:
        if not issubclass(warning.category, InputWarning):
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        elif not quiet:
            sys.stderr.write(f"seqalign: warning: {' '.join(str(warning.message).split())}\n")


def check_rate(value: float | None, flag: str) -> None:
    """Raise :class:`InputError` unless ``value`` is None or a positive, finite frame rate."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InputError(f"{flag} must be a positive number (frames per second), got {value:g}")


def check_inputs(*paths: str) -> None:
    """Refuse more than one ``-``: standard input can be read only once."""
    if sum(path == "-" for path in paths) > 1:
        raise InputError("only one input can be - (standard input); give the others as files")


def check_same_features(sequences: list[Sequence], argument: str = "files") -> None:
    """Every input has at least 2 frames and the features of the first (one line naming both
    files otherwise)."""
    first = sequences[0]
    for seq in sequences:
        if seq.n_frames < 2:
            raise InputError(
                f"{seq.label}: a single frame (shape {seq.data.shape}); every input needs at "
                "least 2 (arrays are time-first (frames, features): transposed? give "
                "--transpose)",
                argument=argument,
            )
        if seq.n_features != first.n_features:
            raise InputError(
                f"{seq.label}: {plural(seq.n_features, 'feature')} per frame but {first.label} has "
                f"{first.n_features}; every input needs the same features",
                argument=argument,
            )


# -- outputs ----------------------------------------------------------------------------------


def check_output(
    target: str, flag: str, fmt: str | None = None, format_flag: str | None = "--format"
) -> str:
    """Check that ``target`` can be written and return its format (before any work is done).

    ``-`` (standard output) always can; a file needs an existing, writable folder and must not
    be a folder itself. The format is ``fmt`` if given, else from the extension (one of
    :data:`seqalign.cli.extensions.OUTPUT_EXTENSIONS`: another is an error naming ``flag`` and
    ``format_flag``), else csv.
    """
    from seqalign.cli.extensions import OUTPUT_EXTENSIONS, format_by_extension
    from seqalign.io.writers import check_target, output_format

    if fmt is None:
        format_by_extension(target, flag, OUTPUT_EXTENSIONS, format_flag)
    fmt = output_format(target, fmt)
    check_target(target, flag)
    return fmt


def check_targets(targets: Mapping[str, str | None], inputs: Iterable[str]) -> None:
    """Refuse two outputs to one place (standard output included), and an output over an input.

    ``targets`` maps each output flag to its value (None: not asked for).
    """
    from seqalign.io.outputs import output_place

    seen: dict[str, str] = {}
    for flag, target in targets.items():
        if target is None:
            continue
        place = output_place(target, flag)
        if place.key in seen and place.path != os.devnull:
            where = "standard output" if place.kind == "stdout" else target
            raise InputError(f"{seen[place.key]} and {flag} both write to {where}; give two files")
        seen[place.key] = flag
        if place.kind == "stdout" or not os.path.exists(target):
            continue
        for path in inputs:
            if path != "-" and os.path.exists(path) and os.path.samefile(path, target):
                raise InputError(f"{flag} {target} would overwrite the input {path}")
