"""``seqalign barycenter FILES...``: average sequences into one template under (soft-)DTW.

A thin shell over :func:`seqalign.soft.barycenters.barycenter`: flags ->
:func:`seqalign.io.read_sequence` for each file -> API -> an atomic write of the template
(``.npy``, ``.npz``, ``.csv``, ``.tsv`` or ``.json``). Everything is checked before anything is
written, so a bad input leaves no file. numpy, numba and scipy are imported inside the command.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from seqalign.cli import options as opt
from seqalign.cli.report import describe_many, print_rows
from seqalign.cli.soft import (
    DEFAULT_FEATURES,
    DEFAULT_METRIC,
    Gamma,
    SoftMetric,
    _check_gamma,
    _dumps,
    _flags,
    _normalize_audio,
    _npz,
    _option,
    _radius,
    _reading,
    _write,
)
from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.wording import naming

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

BARYCENTER_PANEL = "Barycenter"
#: Output format -> description (the valid values of ``--format``).
TEMPLATE_FORMATS: dict[str, str] = {
    "npy": "NumPy array (frames, features)",
    "npz": "NumPy archive: 'barycenter' and 'metadata' (JSON)",
    "csv": "comma-separated table, one column per feature, with a header",
    "tsv": "tab-separated table",
    "json": "one object: metadata and 'barycenter' (a list of frames)",
}


def _template_format(target: str, fmt: str | None) -> str:
    from seqalign.cli.extensions import format_by_extension
    from seqalign.io.writers import check_target

    if fmt is not None:
        if fmt not in TEMPLATE_FORMATS:
            raise InputError(
                f"--format {fmt!r}: unknown format; valid: {', '.join(TEMPLATE_FORMATS)}",
                argument="format",
            )
    else:
        extensions = {f".{name}": name for name in TEMPLATE_FORMATS}
        fmt = format_by_extension(target, "-o", extensions) or "csv"
    check_target(target, "-o")
    return fmt


def _parse_weights(text: str | None, count: int) -> list[float] | None:
    if text is None:
        return None
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise InputError(
            f"--weights {text!r}: not a list of numbers; give one per file, e.g. 1,2,1",
            argument="weights",
        ) from None
    if len(values) != count:
        raise InputError(
            f"--weights {text}: {plural(len(values), 'value')} for {plural(count, 'file')}; "
            "give one per file",
            argument="weights",
        )
    if not all(math.isfinite(v) and v >= 0 for v in values) or sum(values) <= 0:
        raise InputError(
            f"--weights {text}: weights must be finite, >= 0 and not all 0", argument="weights"
        )
    return values


def _template_bytes(fmt: str, z: np.ndarray, names: list[str], record: dict[str, Any]) -> bytes:
    import io
    import json

    import numpy as np

    if fmt == "npy":
        buffer = io.BytesIO()
        np.save(buffer, z)
        return buffer.getvalue()
    if fmt == "npz":
        return _npz(barycenter=z, metadata=json.dumps(record))
    if fmt == "json":
        return _dumps({**record, "features": names, "barycenter": z.tolist()})
    delimiter = "," if fmt == "csv" else "\t"
    buffer = io.BytesIO()
    np.savetxt(
        buffer, z, fmt="%.17g", delimiter=delimiter, header=delimiter.join(names), comments=""
    )
    return buffer.getvalue()


def barycenter(
    files: Annotated[
        list[str],
        typer.Argument(
            help="The sequences to average: audio, .npy/.npz arrays, .csv/.tsv tables (one of "
            "them may be - for standard input); any lengths, the same features.",
            metavar="FILE",
            show_default=False,
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="Where to write the barycenter: .npy, .npz, .csv, .tsv or .json (from the "
            "extension, else csv; - is standard output).",
            rich_help_panel=opt.OUTPUT_PANEL,
        ),
    ] = "-",
    fmt: Annotated[
        str | None,
        _option(
            "--format",
            metavar="FORMAT",
            help="npy, npz, csv, tsv or json [default: from the extension, else csv].",
            panel=opt.OUTPUT_PANEL,
        ),
    ] = None,
    method: Annotated[
        str,
        _option(
            "--method",
            metavar="NAME",
            help="soft (soft-DTW, L-BFGS-B; Cuturi & Blondel "
            "2017) or dba (DTW barycenter averaging; Petitjean et al. 2011) [default: soft].",
            panel=BARYCENTER_PANEL,
        ),
    ] = "soft",
    gamma: Gamma = 1.0,
    divergence: Annotated[
        bool,
        _option(
            "--divergence",
            help="soft: minimise the soft-DTW divergence instead.",
            panel=BARYCENTER_PANEL,
        ),
    ] = False,
    sharp: Annotated[
        bool,
        _option("--sharp", help="soft: the sharp variant.", panel=BARYCENTER_PANEL),
    ] = False,
    length: Annotated[
        int | None,
        _option(
            "--length",
            metavar="FRAMES",
            help="Frames of the barycenter [default: the mean length, or the medoid's].",
            panel=BARYCENTER_PANEL,
        ),
    ] = None,
    init: Annotated[
        str,
        _option(
            "--init",
            metavar="NAME",
            help="Start from mean (the inputs resampled and "
            "averaged) or medoid (the most central input) [default: mean].",
            panel=BARYCENTER_PANEL,
        ),
    ] = "mean",
    weights: Annotated[
        str | None,
        _option(
            "--weights",
            metavar="W1,W2,...",
            help="One weight per file [default: 1 each].",
            panel=BARYCENTER_PANEL,
        ),
    ] = None,
    tol: Annotated[
        float | None,
        _option(
            "--tol",
            metavar="TOL",
            help="Stopping tolerance [default: 1e-4 for soft, 1e-5 (relative decrease) for dba].",
            panel=BARYCENTER_PANEL,
        ),
    ] = None,
    max_iter: Annotated[
        int | None,
        _option(
            "--max-iter",
            metavar="N",
            help="Most iterations [default: 50 for soft, 30 for dba].",
            panel=BARYCENTER_PANEL,
        ),
    ] = None,
    metric: SoftMetric = None,
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
    quiet: opt.Quiet = False,
) -> None:
    """Average sequences of any lengths into one template under (soft-)DTW.

    --method soft minimises the sum of soft-DTW values to the inputs (or of divergences) with
    L-BFGS-B; --method dba is DTW barycenter averaging on the squared Euclidean cost. The
    barycenter goes to -o FILE (time-first: frames x features); a summary to standard error.

    Example: seqalign barycenter take*.npy -o template.npy --method soft --gamma 0.5
    """
    started = time.perf_counter()
    _check_gamma(gamma)
    opt.check_inputs(*files)
    opt.check_targets({"-o": output}, files)
    spec = None if band is None else opt.parse_band(band)
    opt.check_rate(rate, "--rate")
    typed = {
        "gamma": f"{gamma:g}",
        "method": method,
        "init": init,
        "tol": f"{tol}",
        "max_iter": f"{max_iter}",
        "length": f"{length}",
        "weights": weights or "",
    }
    with opt.input_warnings(quiet), naming({}, typed), _flags(typed):
        weight_values = _parse_weights(weights, len(files))
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
        out_format = _template_format(output, fmt)

        from seqalign.io import read_sequence
        from seqalign.soft.barycenters import barycenter as average

        sequences = [read_sequence(path, options) for path in files]
        opt.check_same_features(sequences, "series")
        first = sequences[0]
        normalize = _normalize_audio(sequences, normalize)
        radius = _radius(spec, sequences, typed)
        read_s = time.perf_counter() - started
        result = average(
            [seq.data for seq in sequences],
            method=method,
            gamma=gamma,
            weights=weight_values,
            length=length,
            init=init,
            tol=tol,
            max_iter=max_iter,
            metric=metric or DEFAULT_METRIC,
            divergence=divergence,
            sharp=sharp,
            window=window,
            radius=radius,
        )
        names = list(first.feature_names or [])
        if len(names) != first.n_features or any(
            s.feature_names != first.feature_names for s in sequences
        ):
            names = [f"f{k}" for k in range(first.n_features)]
        rates = {seq.rate for seq in sequences}
        record = {
            **result.to_dict(),
            "inputs": files,
            "normalize": normalize,
            "rate": rates.pop() if len(rates) == 1 else None,
        }
        _write(output, _template_bytes(out_format, result.average, names, record), "-o")
        work_s = time.perf_counter() - started - read_s
    if not quiet:
        what = "soft-DTW" if result.method == "soft" else "DBA"
        if result.method == "soft":
            what += f", gamma {gamma:g}, {result.metric}"
            what += ", divergence" * divergence + ", sharp" * sharp
        print_rows(
            [
                ("inputs", describe_many(sequences)),
                ("barycenter", f"{plural(result.average.shape[0], 'frame')} ({what})"),
                (
                    "objective",
                    f"{result.initial_objective:.6g} at the start, "
                    f"{result.objective:.6g} after {plural(result.n_iter, 'iteration')}"
                    + ("" if result.converged else " (not converged)"),
                ),
                ("time", f"read {read_s:.2f} s, average {work_s:.2f} s"),
            ]
        )
