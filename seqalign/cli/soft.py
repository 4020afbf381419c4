"""``seqalign soft A B``: soft-DTW from the shell, and the helpers ``barycenter`` shares.

A thin shell over :func:`seqalign.soft.api.soft_dtw` and
:func:`seqalign.soft.api.soft_dtw_divergence`:
flags -> :func:`seqalign.io.read_sequence` -> API -> the value on standard output (and an
atomic write of ``--alignment``). Everything is checked before anything is written, so a bad
input leaves no file. numpy and numba are imported inside the command, not with this module.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from seqalign.cli import kernels as kn
from seqalign.cli import options as opt
from seqalign.cli.report import describe, print_rows
from seqalign.errors import InputError, SeqalignError
from seqalign.wording import naming

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from seqalign.io import Sequence

SOFT_PANEL = "Soft-DTW"
#: soft-DTW is defined on the squared Euclidean cost by default (Cuturi & Blondel 2017).
DEFAULT_METRIC = "sqeuclidean"
#: Audio is z-scored per feature, as ``warp`` does; other inputs are taken as they are.
AUDIO_NORMALIZE = "zscore"
DEFAULT_FEATURES = "logmel"
#: Formats of ``--alignment``, by extension.
ALIGNMENT_FORMATS = {".npz": "npz", ".json": "json"}
#: Python argument of an API error -> the flag of these commands.
_FLAGS = {
    "gamma": "--gamma",
    "method": "--method",
    "init": "--init",
    "tol": "--tol",
    "max_iter": "--max-iter",
    "length": "--length",
    "weights": "--weights",
}


def _option(*flags: str, metavar: str | None = None, help: str, panel: str = SOFT_PANEL):
    return typer.Option(
        *flags, metavar=metavar, help=help, rich_help_panel=panel, show_default=False
    )


Gamma = Annotated[
    float,
    _option(
        "--gamma",
        "-g",
        metavar="G",
        help="Smoothing of the soft minimum, > 0: soft-DTW tends to DTW as G -> 0 [default: 1].",
    ),
]
SoftMetric = Annotated[
    str | None,
    _option(
        "--metric",
        metavar="NAME",
        help="Local cost: sqeuclidean (the squared Euclidean distance, as tslearn and Cuturi & "
        "Blondel), euclidean, cityblock, cosine, or a kernel linear, polynomial or rbf "
        "[default: sqeuclidean].",
    ),
]
Divergence = Annotated[
    bool,
    _option(
        "--divergence",
        help="The soft-DTW divergence D(A, B) = sdtw(A, B) - (sdtw(A, A) + sdtw(B, B)) / 2: "
        ">= 0 and 0 when A == B (Blondel, Mensch & Vert 2021).",
    ),
]
Sharp = Annotated[
    bool,
    _option(
        "--sharp", help="The sharp variant: the expected cost of a path, <E, C>, without entropy."
    ),
]


def _check_gamma(gamma: float) -> None:
    if not (math.isfinite(gamma) and gamma > 0):
        raise InputError(
            f"--gamma {gamma:g}: gamma must be a positive number (the smoothing of the soft "
            "minimum)",
            argument="gamma",
        )


@contextlib.contextmanager
def _flags(typed: dict[str, str]) -> Iterator[None]:
    """Name this module's flags in the API's errors (``--gamma 0: ...``)."""
    try:
        yield
    except SeqalignError as error:
        flag = _FLAGS.get(error.argument or "")
        if flag is None or "--" in error.message:
            raise
        shown = f"{flag} {typed[error.argument]}" if typed.get(error.argument or "") else flag
        raise type(error)(f"{shown}: {error.message}", argument=error.argument) from error


def _reading(**options: Any) -> dict[str, Any]:
    return {**options, "normalize": options["normalize"] or "none"}


def _normalize_audio(sequences: list[Sequence], normalize: str | None) -> str:
    """z-score audio features unless ``--normalize`` was given (as ``warp``)."""
    from seqalign.io import normalize as normalized

    if normalize is not None:
        return normalize
    if any(seq.kind == "audio" for seq in sequences):
        for seq in sequences:
            seq.data = normalized(seq.data, AUDIO_NORMALIZE)
        return AUDIO_NORMALIZE
    return "none"


def _radius(
    spec: opt.Band | None,
    sequences: list[Sequence],
    typed: dict[str, str],
    rate_flags: str = "--rate",
) -> int | None:
    """The band in frames of the reference(s); seconds need one common frame rate (given by
    ``rate_flags`` when the inputs have none)."""
    if spec is None:
        return None
    rates = {seq.rate for seq in sequences}
    reference = sequences[-1]
    if spec.seconds is not None and len(rates) > 1:
        raise InputError(
            f"--band {spec.text}: the inputs have different frame rates, so seconds do not "
            "give one width in frames; give the band in frames",
            argument="radius",
        )
    radius = spec.radius(reference.rate, reference.label, rate_flags)
    typed["radius"] = spec.describe(radius)
    return radius


def _dumps(record: dict[str, Any]) -> bytes:
    import json

    from seqalign.io.writers import _plain

    return (json.dumps(_plain(record), allow_nan=False) + "\n").encode()


def _npz(**arrays: Any) -> bytes:
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _write(target: str, data: bytes, flag: str) -> None:
    from seqalign.io.writers import atomic_output

    with atomic_output(target, binary=True, flag=flag) as stream:
        stream.write(data)


# -- seqalign soft ------------------------------------------------------------------------


def _alignment_format(target: str) -> str:
    if target == "-":
        raise InputError(
            "--alignment -: standard output carries the value; give a file (.npz or .json)",
            argument="output",
        )
    fmt = ALIGNMENT_FORMATS.get(os.path.splitext(target)[1].lower())
    if fmt is None:
        raise InputError(
            f"--alignment {target}: write the matrix as .npz or .json (the extension decides)",
            argument="output",
        )
    from seqalign.io.writers import check_target

    check_target(target, "--alignment")
    return fmt


def confidence(expected: np.ndarray, path: np.ndarray) -> np.ndarray:
    """For each frame ``i`` of A, the largest ``E[i, j]`` over the hard path's cells in row
    ``i``: the probability that a path drawn from soft-DTW's Gibbs distribution passes through
    the DTW path's (likeliest) cell for that frame.

    Examples
    --------
    >>> import numpy as np
    >>> E = np.array([[1.0, 0.2], [0.3, 1.0]])
    >>> confidence(E, np.array([[0, 0], [1, 1]])).tolist()
    [1.0, 1.0]
    """
    import numpy as np

    out = np.zeros(expected.shape[0])
    np.maximum.at(out, path[:, 0], expected[path[:, 0], path[:, 1]])
    return out


def soft(
    a: Annotated[
        str,
        typer.Argument(
            help="Sequence A: audio (wav, flac, mp3...), .npy/.npz array, .csv/.tsv table, or - "
            "for standard input.",
            metavar="A",
            show_default=False,
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(
            help="Sequence B, in any of the same forms.", metavar="B", show_default=False
        ),
    ],
    gamma: Gamma = 1.0,
    divergence: Divergence = False,
    sharp: Sharp = False,
    metric: SoftMetric = None,
    kernel_gamma: kn.KernelGamma = None,
    degree: kn.Degree = None,
    coef0: kn.Coef0 = None,
    window: opt.Window = None,
    band: opt.BandOption = None,
    max_memory: opt.MaxMemory = None,
    features: opt.Features = DEFAULT_FEATURES,
    sample_rate: opt.SampleRate = 22050,
    hop: opt.Hop = 512,
    rate: opt.Rate = None,
    rate_b: opt.RateB = None,
    key: opt.Key = None,
    column: opt.Columns = None,
    time_column: opt.TimeColumn = None,
    normalize: opt.Normalize = None,
    input_format: opt.InputFormat = None,
    missing: opt.Missing = "error",
    transpose: opt.Transpose = False,
    alignment: Annotated[
        str | None,
        _option(
            "--alignment",
            metavar="FILE",
            help="Also write the expected alignment matrix E of A and B (.npz or .json), with "
            "the DTW path and, for each frame of A, the confidence of the path: the largest E "
            "on its cells in that row.",
            panel=opt.OUTPUT_PANEL,
        ),
    ] = None,
    quiet: opt.Quiet = False,
) -> None:
    """Soft-DTW of A and B (Cuturi & Blondel 2017): the value to standard output.

    soft-DTW replaces the minimum over warping paths by a soft minimum of smoothing G
    (--gamma): R[i,j] = C[i,j] - G log(exp(-R[i-1,j-1]/G) + exp(-R[i-1,j]/G) +
    exp(-R[i,j-1]/G)), on the squared Euclidean cost by default. --divergence prints the
    soft-DTW divergence instead, --sharp the sharp variant. A summary goes to standard error.

    Example: seqalign soft a.npy b.npy --gamma 0.1 --divergence
    """
    started = time.perf_counter()
    _check_gamma(gamma)
    opt.check_inputs(a, b)
    opt.check_targets({"--alignment": alignment}, (a, b))
    spec = None if band is None else opt.parse_band(band)
    budget = None if max_memory is None else opt.parse_size(max_memory, "--max-memory")
    opt.check_rate(rate, "--rate")
    opt.check_rate(rate_b, "--rate-b")
    typed = {"max_memory": max_memory or "", "gamma": f"{gamma:g}"}
    inputs = {"x": ("A", a), "y": ("B", b)}
    with opt.input_warnings(quiet), naming(inputs, typed), _flags(typed):
        metric = kn.kernel_metric(metric, kernel_gamma, degree, coef0)
        reading = _reading(
            features=features,
            sample_rate=sample_rate,
            hop=hop,
            key=key,
            columns=column,
            time_column=time_column,
            input_format=input_format,
            normalize=normalize,
            missing=missing,
            transpose=transpose,
        )
        options_a = opt.reader_options(rate=rate, max_memory=budget, **reading)
        options_b = opt.reader_options(
            rate=rate if rate_b is None else rate_b, max_memory=budget, **reading
        )
        fmt = None if alignment is None else _alignment_format(alignment)

        from seqalign.io import read_sequence
        from seqalign.soft.api import soft_dtw, soft_dtw_divergence

        seq_a = read_sequence(a, options_a)
        seq_b = read_sequence(b, options_b)
        normalize = _normalize_audio([seq_a, seq_b], normalize)
        radius = _radius(spec, [seq_a, seq_b], typed, "--rate (or --rate-b)")
        settings = {
            "gamma": gamma,
            "metric": metric or DEFAULT_METRIC,
            "window": window,
            "radius": radius,
            "sharp": sharp,
            "max_memory": budget,
        }
        read_s = time.perf_counter() - started
        expected = None
        if divergence:
            result = soft_dtw_divergence(seq_a.data, seq_b.data, **settings)
        else:  # E comes with the same sweep
            result = soft_dtw(seq_a.data, seq_b.data, alignment=alignment is not None, **settings)
            expected = result.alignment
        if alignment is not None:
            assert fmt is not None
            if expected is None:  # the divergence's: E of A and B
                plain = {k: v for k, v in settings.items() if k != "sharp"}
                expected = soft_dtw(seq_a.data, seq_b.data, alignment=True, **plain).alignment
            record = {
                **result.to_dict(),
                "a": seq_a.source,
                "b": seq_b.source,
                "normalize": normalize,
                "a_rate": seq_a.rate,
                "b_rate": seq_b.rate,
            }
            _write_alignment(alignment, fmt, seq_a, seq_b, expected, record, settings)
        work_s = time.perf_counter() - started - read_s
    typer.echo(repr(result.value))
    if not quiet:
        window_text = result.window + (f" (radius {result.radius})" if result.radius else "")
        print_rows(
            [
                ("A", describe(seq_a)),
                ("B", describe(seq_b)),
                (result.kind, repr(result.value)),
                (
                    "settings",
                    f"gamma {gamma:g}, {result.metric}, window {window_text}, "
                    f"normalize {normalize}",
                ),
                ("time", f"read {read_s:.2f} s, soft-DTW {work_s:.2f} s"),
            ]
        )


def _write_alignment(target, fmt, seq_a, seq_b, expected, record, settings) -> None:
    """The expected alignment, the DTW path and the confidence, as .npz or .json."""
    import json

    from seqalign.warping.align import dtw

    assert expected is not None
    path = dtw(
        seq_a.data,
        seq_b.data,
        metric=settings["metric"],
        step_pattern="symmetric1",
        window=settings["window"],
        radius=settings["radius"],
    ).path
    assert path is not None
    arrays = {
        "alignment": expected,
        "path": path,
        "confidence": confidence(expected, path),
        "a_time": seq_a.times(),
        "b_time": seq_b.times(),
    }
    if fmt == "npz":
        data = _npz(**arrays, metadata=json.dumps(record))
    else:
        data = _dumps({**record, **{k: v.tolist() for k, v in arrays.items()}})
    _write(target, data, "--alignment")
