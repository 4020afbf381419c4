"""``seqalign matrix FILES... | --manifest M``: pairwise DTW distances, or nearest neighbours.

A thin shell over :func:`seqalign.matrix.pairwise.pairwise_dtw`,
:func:`seqalign.matrix.pairwise.knn_dtw` and
:func:`seqalign.soft.pairwise.pairwise_soft_dtw`:

* ``seqalign matrix a.npy b.npy c.npy -o D.npy``: the square matrix of every input against
  every input (the inputs are FILES, then the paths listed in ``--manifest``);
* ``... --references R`` (a manifest of reference paths): the inputs are the queries, the
  matrix is queries x references;
* ``--knn K``: instead of the matrix, the K nearest references of each query (without
  ``--references``: the K nearest other inputs, leave-one-out), found with LB_Keogh and early
  abandoning; exactly the K smallest entries of each row of the matrix.

A manifest is a text file with one path per line (blank lines and ``#`` comments skipped), or
a CSV/TSV table whose first column holds the paths (a first line ``path`` is a header);
relative paths are relative to the manifest's folder. The matrix goes to -o as .npy, .npz
(``distances`` and JSON ``metadata``), .json or .csv (a header of reference names, one row
per query); neighbours as .npz (``indices``, ``distances``), .json or .csv (``query, rank,
reference, distance``). Everything is checked before anything is written, and outputs are
written atomically. numpy and numba load inside the command, not with this module.
"""

from __future__ import annotations

import math
import os
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from seqalign.cli import kernels as kn
from seqalign.cli import options as opt
from seqalign.cli.report import describe_many, print_rows
from seqalign.cli.soft import _dumps, _normalize_audio, _npz, _radius, _reading, _write
from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.wording import naming

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


MATRIX_PANEL = "Matrix"
#: Local cost when no input is audio: the squared Euclidean distance, whose DTW is the square
#: of dtaidistance's and tslearn's (``--sqrt`` gives theirs); audio gets cosine, as ``warp``.
DEFAULT_METRIC = "sqeuclidean"
AUDIO_METRIC = "cosine"
DEFAULT_FEATURES = "logmel"
#: Output format -> what is written (the valid values of ``--format``).
MATRIX_FORMATS: dict[str, str] = {
    "npy": "the matrix alone (queries x references); not for --knn",
    "npz": "NumPy archive: distances (or indices and distances) and metadata (JSON)",
    "csv": "comma-separated table with a header",
    "json": "one object: settings, names and the values as lists",
}
#: ``--metric``: :data:`seqalign.cli.options.Metric` with this command's default.
Metric = Annotated[
    str | None,
    typer.Option(
        "--metric",
        metavar="NAME",
        help="Local cost between frames: euclidean, sqeuclidean, cityblock, cosine, or a kernel "
        "linear, polynomial or rbf [default: cosine when an input is audio, else sqeuclidean].",
        rich_help_panel=opt.ALIGN_PANEL,
        show_default=False,
    ),
]


def _option(*flags: str, metavar: str | None = None, help: str):
    return typer.Option(
        *flags, metavar=metavar, help=help, rich_help_panel=MATRIX_PANEL, show_default=False
    )


def read_manifest(path: str, flag: str) -> list[str]:
    """The paths listed in a manifest (see the module docstring), relative to its folder."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        raise InputError(f"{flag} {path}: no such file", argument="manifest") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{flag} {path}: cannot read it ({error})", argument="manifest") from None
    folder = os.path.dirname(path)
    paths = []
    for number, line in enumerate(lines):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        first = text.split("\t")[0].split(",")[0].strip().strip('"')
        if number == 0 and first.lower() in ("path", "file", "filename"):
            continue
        paths.append(first if os.path.isabs(first) else os.path.join(folder, first))
    if not paths:
        raise InputError(f"{flag} {path}: lists no files", argument="manifest")
    return paths


def _format(target: str, fmt: str | None, knn: bool) -> str:
    from seqalign.cli.extensions import format_by_extension
    from seqalign.io.writers import check_target

    if fmt is None:
        extensions = {f".{name}": name for name in MATRIX_FORMATS}
        fmt = format_by_extension(target, "-o", extensions) or "csv"
    elif fmt not in MATRIX_FORMATS:
        raise InputError(
            f"--format {fmt!r}: unknown format; valid: {', '.join(MATRIX_FORMATS)}",
            argument="format",
        )
    if knn and fmt == "npy":
        raise InputError(
            f"-o {target}: --knn writes indices and distances; use .npz, .csv or .json",
            argument="output",
        )
    check_target(target, "-o")
    return fmt


def _check_counts(queries: list[str], references: list[str] | None, knn: int | None) -> None:
    if references is None and len(queries) < 2:
        raise InputError(
            f"matrix needs at least 2 inputs (FILES or --manifest), got {len(queries)}",
            argument="files",
        )
    if not queries:
        raise InputError("matrix needs at least 1 query (FILES or --manifest)", argument="files")
    if knn is None:
        return
    available = len(queries) - 1 if references is None else len(references)
    what = "other inputs" if references is None else "references"
    if not 1 <= knn <= available:
        raise InputError(
            f"--knn {knn}: give a number from 1 to the number of {what} ({available})",
            argument="k",
        )


def _csv(rows: list[list[Any]]) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def _value(v: float) -> str:
    return repr(float(v))


def _matrix_bytes(fmt: str, values: np.ndarray, names: tuple[list[str], list[str]], record):
    import io
    import json

    import numpy as np

    if fmt == "npy":
        buffer = io.BytesIO()
        np.save(buffer, values)
        return buffer.getvalue()
    if fmt == "npz":
        return _npz(distances=values, metadata=json.dumps(record))
    if fmt == "json":
        return _dumps({**record, "distances": values.tolist()})
    rows: list[list[Any]] = [["query", *names[1]]]
    rows += [[name, *map(_value, row)] for name, row in zip(names[0], values)]
    return _csv(rows)


def _knn_bytes(fmt: str, indices, distances, names: tuple[list[str], list[str]], record):
    import json

    if fmt == "npz":
        return _npz(indices=indices, distances=distances, metadata=json.dumps(record))
    if fmt == "json":
        return _dumps({**record, "indices": indices.tolist(), "distances": distances.tolist()})
    rows: list[list[Any]] = [["query", "rank", "reference", "distance"]]
    for q, (row_i, row_d) in enumerate(zip(indices, distances)):
        for rank, (r, v) in enumerate(zip(row_i, row_d), start=1):
            rows.append([names[0][q], rank, names[1][r], _value(v)])
    return _csv(rows)


def matrix(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="The inputs: audio, .npy/.npz arrays, .csv/.tsv tables (one may be - for "
            "standard input); any lengths, the same features.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    manifest: Annotated[
        str | None,
        _option("--manifest", metavar="FILE", help="More inputs: a list of paths, one a line."),
    ] = None,
    references: Annotated[
        str | None,
        _option(
            "--references",
            metavar="FILE",
            help="A list of reference paths: the matrix is inputs x references, and --knn "
            "searches them [default: the inputs against themselves].",
        ),
    ] = None,
    knn: Annotated[
        int | None,
        _option(
            "--knn",
            metavar="K",
            help="Write the K nearest references of each input instead of the matrix "
            "(LB_Keogh and early abandoning; without --references, leave-one-out).",
        ),
    ] = None,
    sqrt: Annotated[
        bool,
        _option(
            "--sqrt",
            help="Report the square root of each DTW: with sqeuclidean, the DTW of "
            "dtaidistance and tslearn.",
        ),
    ] = False,
    soft: Annotated[
        float | None,
        _option("--soft", metavar="GAMMA", help="The soft-DTW matrix with this gamma instead."),
    ] = None,
    jobs: Annotated[
        int | None,
        _option("--jobs", "-j", metavar="N", help="Threads [default: every CPU]."),
    ] = None,
    scheduler: Annotated[
        str | None,
        _option(
            "--scheduler",
            metavar="ADDRESS",
            help="Compute the DTW matrix by blocks on a Dask cluster (tcp://host:8786), or "
            "'local' for a local one of --jobs processes (needs seqalign[dask]).",
        ),
    ] = None,
    metric: Metric = None,
    kernel_gamma: kn.KernelGamma = None,
    degree: kn.Degree = None,
    coef0: kn.Coef0 = None,
    step_pattern: Annotated[
        str | None,
        _option(
            "--step-pattern",
            metavar="NAME",
            help="symmetric1 (default) or symmetric2 (diagonal weighs 2).",
        ),
    ] = None,
    window: opt.Window = None,
    band: opt.BandAll = None,
    features: opt.Features = DEFAULT_FEATURES,
    sample_rate: opt.SampleRate = 22050,
    hop: opt.Hop = 512,
    rate: opt.RateAll = None,
    key: opt.Key = None,
    column: opt.Columns = None,
    time_column: opt.TimeColumn = None,
    normalize: opt.Normalize = None,
    input_format: opt.InputFormat = None,
    missing: opt.Missing = "error",
    transpose: opt.Transpose = False,
    output: opt.Output = "-",
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="npy, npz, csv or json [default: from the extension, else csv].",
            rich_help_panel=opt.OUTPUT_PANEL,
            show_default=False,
        ),
    ] = None,
    quiet: opt.Quiet = False,
) -> None:
    """Pairwise DTW distances between many sequences, or each one's nearest neighbours.

    The distance is the accumulated cost of the step pattern (not normalised), with
    --metric sqeuclidean by default (audio: cosine): the square of dtaidistance's and
    tslearn's DTW, which --sqrt gives. --band R with equal lengths is their Sakoe-Chiba
    radius R (dtaidistance's window=R+1). A summary goes to standard error.

    Example: seqalign matrix --manifest takes.txt --band 50 -o distances.npy
    """
    started = time.perf_counter()
    queries = list(files or []) + (
        [] if manifest is None else read_manifest(manifest, "--manifest")
    )
    refs = None if references is None else read_manifest(references, "--references")
    _check_counts(queries, refs, knn)
    every = queries + (refs or [])
    opt.check_inputs(*every)
    for path in every:  # before reading thousands of files
        if path != "-" and not os.path.exists(path):
            raise InputError(f"{path}: no such file", argument="files")
    opt.check_targets({"-o": output}, every)
    if soft is not None and (knn is not None or sqrt or step_pattern is not None):
        flag = "--knn" if knn is not None else "--sqrt" if sqrt else "--step-pattern"
        raise InputError(f"{flag} works with DTW only; drop it or --soft", argument="soft")
    if soft is not None and not (math.isfinite(soft) and soft > 0):
        raise InputError(f"--soft {soft:g}: gamma must be a positive number", argument="soft")
    if jobs is not None and jobs < 1:
        raise InputError(f"--jobs {jobs}: give a positive number of threads", argument="n_jobs")
    if scheduler is not None and (knn is not None or soft is not None):
        flag = "--knn" if knn is not None else "--soft"
        raise InputError(f"--scheduler computes the DTW matrix; it does not combine with {flag}",
                         argument="scheduler")  # fmt: skip
    spec = None if band is None else opt.parse_band(band)
    opt.check_rate(rate, "--rate")
    typed = {"k": str(knn)}
    with opt.input_warnings(quiet), naming({}, typed):
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
        options = opt.reader_options(rate=rate, **reading)
        out_format = _format(output, fmt, knn is not None)

        from seqalign.io import read_sequence
        from seqalign.warping.windows import resolve_window

        sequences = [read_sequence(path, options) for path in every]
        opt.check_same_features(sequences)
        normalize = _normalize_audio(sequences, normalize)
        radius = _radius(spec, sequences, typed)
        window_name = resolve_window(window, radius)[0]  # the one used: none, or slantedband
        audio = any(seq.kind == "audio" for seq in sequences)
        metric = metric or (AUDIO_METRIC if audio else DEFAULT_METRIC)
        xs = [seq.data for seq in sequences[: len(queries)]]
        ys = None if refs is None else [seq.data for seq in sequences[len(queries) :]]
        names = (queries, queries if refs is None else refs)
        read_s = time.perf_counter() - started
        record: dict[str, Any] = {
            "queries": names[0],
            "references": names[1],
            "metric": metric,
            "step_pattern": step_pattern or "symmetric1",
            "window": window_name,
            "radius": radius,
            "sqrt": sqrt,
            "soft_gamma": soft,
            "normalize": normalize,
        }
        if knn is not None:
            from seqalign.matrix.pairwise import knn_dtw

            found = knn_dtw(xs, ys, knn, metric=metric, step_pattern=step_pattern or "symmetric1",
                            window=window, radius=radius, sqrt=sqrt, n_jobs=jobs)  # fmt: skip
            record["k"] = knn
            data = _knn_bytes(out_format, found.indices, found.distances, names, record)
            shape = f"{plural(len(xs), 'query', 'queries')} x {plural(knn, 'neighbour')}"
            dtws = plural(found.candidates, "DTW", spec=",")
            work = f", {found.computed:,} of {dtws} run to the end"
        else:
            if soft is not None:
                from seqalign.soft.pairwise import pairwise_soft_dtw

                values = pairwise_soft_dtw(xs, ys, gamma=soft, metric=metric, window=window,
                                           radius=radius, n_jobs=jobs)  # fmt: skip
            else:
                from seqalign.matrix.pairwise import pairwise_dtw

                values = pairwise_dtw(xs, ys, metric=metric, window=window, radius=radius,
                                      step_pattern=step_pattern or "symmetric1", sqrt=sqrt,
                                      n_jobs=jobs, scheduler=scheduler)  # fmt: skip
            data = _matrix_bytes(out_format, values, names, record)
            shape = f"{values.shape[0]} x {values.shape[1]} matrix"
            work = ""
        work_s = time.perf_counter() - started - read_s
        _write(output, data, "-o")
    if not quiet:
        what = f"soft-DTW (gamma {soft:g})" if soft is not None else "DTW"
        what += f", {metric}" + (", sqrt" if sqrt else "")
        if radius is not None:
            what += f", band {plural(radius, 'frame')}"
        print_rows(
            [
                ("inputs", describe_many(sequences)),
                ("result", f"{shape} ({what}){work}"),
                ("time", f"read {read_s:.2f} s, compute {work_s:.2f} s"),
            ]
        )
