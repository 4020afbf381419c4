"""The matrix task (``seqalign matrix``): read many inputs, apply the defaults, compute
the pairwise DTW (or soft-DTW) matrix or each input's nearest references, write them.

The inputs are ``files`` then the paths listed in ``manifest``; with ``references`` (another
list of paths) the matrix is inputs x references. A list of paths is a text file with one path
per line (blank lines and ``#`` comments skipped), or a CSV/TSV table whose first column holds
the paths (a first line ``path`` is a header); relative paths are relative to its folder. The
matrix goes to the output as .npy, .npz (``distances`` and JSON ``metadata``), .json or .csv (a
header of reference names, one row per query); neighbours as .npz (``indices``,
``distances``), .json or .csv (``query, rank, reference, distance``).

:func:`run_matrix` is the one path from :class:`MatrixSettings` to the written output.
Everything is checked before anything is written.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seqalign.errors import InputError
from seqalign.tasks.common import (
    AUDIO_DEFAULTS,
    Banded,
    LocalCost,
    Reading,
    Written,
    band_radius,
    check_gamma,
    check_inputs,
    check_same_features,
    check_targets,
    json_bytes,
    npz_bytes,
    read_inputs,
    write_bytes,
)
from seqalign.tasks.kernels import kernel_metric
from seqalign.units import plural

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from seqalign.io import Sequence

__all__ = ["MATRIX_FORMATS", "MatrixOutcome", "MatrixSettings", "read_paths", "run_matrix"]

#: Local cost when no input is audio: the squared Euclidean distance, whose DTW is the square
#: of dtaidistance's and tslearn's (``sqrt`` gives theirs); audio gets cosine, as ``warp``.
MATRIX_METRIC = "sqeuclidean"
#: Output format -> what is written (the valid values of ``--format``).
MATRIX_FORMATS: dict[str, str] = {
    "npy": "the matrix alone (queries x references); not for --knn",
    "npz": "NumPy archive: distances (or indices and distances) and metadata (JSON)",
    "csv": "comma-separated table with a header",
    "json": "one object: settings, names and the values as lists",
}


@dataclass(kw_only=True)
class MatrixSettings(Written, Banded, LocalCost, Reading):
    """Everything one matrix (or nearest-neighbour search) needs. Field names are the option
    names of :mod:`seqalign.options`. ``gamma`` is the smoothing of ``soft`` (default 1)."""

    files: tuple[str, ...] = ()
    manifest: str | None = None
    references: str | None = None
    knn: int | None = None
    sqrt: bool = False
    soft: bool = False
    gamma: float | None = None
    jobs: int | None = None
    scheduler: str | None = None
    step_pattern: str | None = None


@dataclass
class MatrixOutcome:
    """What :func:`run_matrix` did: the inputs, a description of the result, the settings."""

    sequences: list[Sequence]
    shape: str
    work: str
    metric: str
    radius: int | None
    read_s: float
    work_s: float


def read_paths(path: str, flag: str) -> list[str]:
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
    from seqalign.io.extensions import format_by_extension
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
        return npz_bytes(distances=values, metadata=json.dumps(record))
    if fmt == "json":
        return json_bytes({**record, "distances": values.tolist()})
    rows: list[list[Any]] = [["query", *names[1]]]
    rows += [[name, *map(_value, row)] for name, row in zip(names[0], values)]
    return _csv(rows)


def _knn_bytes(fmt: str, indices, distances, names: tuple[list[str], list[str]], record):
    import json

    if fmt == "npz":
        return npz_bytes(indices=indices, distances=distances, metadata=json.dumps(record))
    if fmt == "json":
        return json_bytes({**record, "indices": indices.tolist(), "distances": distances.tolist()})
    rows: list[list[Any]] = [["query", "rank", "reference", "distance"]]
    for q, (row_i, row_d) in enumerate(zip(indices, distances)):
        for rank, (r, v) in enumerate(zip(row_i, row_d), start=1):
            rows.append([names[0][q], rank, names[1][r], _value(v)])
    return _csv(rows)


def run_matrix(s: MatrixSettings, *, typed: dict[str, str] | None = None) -> MatrixOutcome:
    """Compute the matrix (or the nearest neighbours) of ``s`` and write ``s.output``.
    ``typed`` gets the band as typed, for messages.

    Raises
    ------
    SeqalignError
        A bad setting or input, before anything is written.
    """
    started = time.perf_counter()
    typed = {} if typed is None else typed
    queries = list(s.files) + ([] if s.manifest is None else read_paths(s.manifest, "--manifest"))
    refs = None if s.references is None else read_paths(s.references, "--references")
    _check_counts(queries, refs, s.knn)
    every = queries + (refs or [])
    check_inputs(*every)
    for path in every:  # before reading thousands of files
        if path != "-" and not os.path.exists(path):
            raise InputError(f"{path}: no such file", argument="files")
    check_targets({"-o": s.output}, every)
    if s.gamma is not None and not s.soft:
        raise InputError("--gamma is the smoothing of --soft; add --soft", argument="gamma")
    gamma = 1.0 if s.gamma is None else s.gamma
    if s.soft and (s.knn is not None or s.sqrt or s.step_pattern is not None):
        flag = "--knn" if s.knn is not None else "--sqrt" if s.sqrt else "--step-pattern"
        raise InputError(f"{flag} works with DTW only; drop it or --soft", argument="soft")
    if s.soft:
        check_gamma(gamma)
    if s.jobs is not None and s.jobs < 1:
        raise InputError(f"--jobs {s.jobs}: give a positive number of threads", argument="n_jobs")
    if s.scheduler is not None and (s.knn is not None or s.soft):
        flag = "--knn" if s.knn is not None else "--soft"
        raise InputError(f"--scheduler computes the DTW matrix; it does not combine with {flag}",
                         argument="scheduler")  # fmt: skip
    if s.band is not None:
        from seqalign.units import parse_band

        parse_band(s.band)
    s.check()
    metric = kernel_metric(s.metric, s.kernel_gamma, s.degree, s.coef0)
    s.read_options()
    out_format = _format(s.output, s.format, s.knn is not None)

    from seqalign.warping.windows import resolve_window

    sequences, normalize = read_inputs(every, s, check=check_same_features)
    radius = band_radius(s.band, sequences, typed)
    window_name = resolve_window(s.window, radius)[0]  # the one used: none, or slantedband
    audio = any(seq.kind == "audio" for seq in sequences)
    metric = metric or (AUDIO_DEFAULTS["metric"] if audio else MATRIX_METRIC)
    step_pattern = s.step_pattern or "symmetric1"
    xs = [seq.data for seq in sequences[: len(queries)]]
    ys = None if refs is None else [seq.data for seq in sequences[len(queries) :]]
    names = (queries, queries if refs is None else refs)
    read_s = time.perf_counter() - started
    record: dict[str, Any] = {
        "queries": names[0],
        "references": names[1],
        "metric": metric,
        "step_pattern": step_pattern,
        "window": window_name,
        "radius": radius,
        "sqrt": s.sqrt,
        "soft_gamma": gamma if s.soft else None,
        "normalize": normalize,
    }
    if s.knn is not None:
        from seqalign.matrix.pairwise import knn_dtw

        found = knn_dtw(xs, ys, s.knn, metric=metric, step_pattern=step_pattern,
                        window=s.window, radius=radius, sqrt=s.sqrt, n_jobs=s.jobs)  # fmt: skip
        record["k"] = s.knn
        data = _knn_bytes(out_format, found.indices, found.distances, names, record)
        shape = f"{plural(len(xs), 'query', 'queries')} x {plural(s.knn, 'neighbour')}"
        dtws = plural(found.candidates, "DTW", spec=",")
        work = f", {found.computed:,} of {dtws} run to the end"
    else:
        if s.soft:
            from seqalign.soft.pairwise import pairwise_soft_dtw

            values = pairwise_soft_dtw(xs, ys, gamma=gamma, metric=metric, window=s.window,
                                       radius=radius, n_jobs=s.jobs)  # fmt: skip
        else:
            from seqalign.matrix.pairwise import pairwise_dtw

            values = pairwise_dtw(xs, ys, metric=metric, window=s.window, radius=radius,
                                  step_pattern=step_pattern, sqrt=s.sqrt, n_jobs=s.jobs,
                                  scheduler=s.scheduler)  # fmt: skip
        data = _matrix_bytes(out_format, values, names, record)
        shape = f"{values.shape[0]} x {values.shape[1]} matrix"
        work = ""
    work_s = time.perf_counter() - started - read_s
    write_bytes(s.output, data, "-o")
    return MatrixOutcome(sequences, shape, work, metric, radius, read_s, work_s)
