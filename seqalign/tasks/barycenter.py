"""The barycenter task (``seqalign barycenter``): read the inputs, apply the defaults,
average them under soft-DTW or DBA, write the template (``.npy``, ``.npz``, ``.csv``, ``.tsv``
or ``.json``).

:func:`run_barycenter` is the one path from :class:`BarycenterSettings` to the written
template. Everything is checked before anything is written.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seqalign.errors import InputError
from seqalign.tasks.common import (
    Banded,
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
from seqalign.tasks.soft import SOFT_METRIC
from seqalign.units import plural

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from seqalign.io import Sequence

__all__ = ["TEMPLATE_FORMATS", "BarycenterOutcome", "BarycenterSettings", "run_barycenter"]

#: Output format -> description (the valid values of ``--format``).
TEMPLATE_FORMATS: dict[str, str] = {
    "npy": "NumPy array (frames, features)",
    "npz": "NumPy archive: 'barycenter' and 'metadata' (JSON)",
    "csv": "comma-separated table, one column per feature, with a header",
    "tsv": "tab-separated table",
    "json": "one object: metadata and 'barycenter' (a list of frames)",
}


@dataclass(kw_only=True)
class BarycenterSettings(Written, Banded, Reading):
    """Everything one barycenter needs. Field names are the option names of
    :mod:`seqalign.options`."""

    files: tuple[str, ...]
    averaging: str = "soft"
    gamma: float = 1.0
    divergence: bool = False
    sharp: bool = False
    length: int | None = None
    init: str = "mean"
    weights: str | None = None
    tol: float | None = None
    max_iter: int | None = None
    metric: str | None = None


@dataclass
class BarycenterOutcome:
    """What :func:`run_barycenter` did."""

    sequences: list[Sequence]
    result: Any
    read_s: float
    work_s: float


def _template_format(target: str, fmt: str | None) -> str:
    from seqalign.io.extensions import format_by_extension
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


def parse_weights(text: str | None, count: int) -> list[float] | None:
    """``weights``: one number per file, separated by commas."""
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
        return npz_bytes(barycenter=z, metadata=json.dumps(record))
    if fmt == "json":
        return json_bytes({**record, "features": names, "barycenter": z.tolist()})
    delimiter = "," if fmt == "csv" else "\t"
    buffer = io.BytesIO()
    np.savetxt(
        buffer, z, fmt="%.17g", delimiter=delimiter, header=delimiter.join(names), comments=""
    )
    return buffer.getvalue()


def run_barycenter(
    s: BarycenterSettings, *, typed: dict[str, str] | None = None
) -> BarycenterOutcome:
    """Average ``s.files`` into one template and write it to ``s.output``. ``typed`` gets the
    band as typed, for messages.

    Raises
    ------
    SeqalignError
        A bad setting or input, before anything is written.
    """
    started = time.perf_counter()
    typed = {} if typed is None else typed
    files = list(s.files)
    check_gamma(s.gamma)
    check_inputs(*files)
    check_targets({"-o": s.output}, files)
    if s.band is not None:
        from seqalign.units import parse_band

        parse_band(s.band)
    s.check()
    weights = parse_weights(s.weights, len(files))
    s.read_options()
    out_format = _template_format(s.output, s.format)

    from seqalign.soft.barycenters import barycenter

    sequences, normalize = read_inputs(
        files, s, check=lambda seqs: check_same_features(seqs, "series")
    )
    first = sequences[0]
    radius = band_radius(s.band, sequences, typed)
    read_s = time.perf_counter() - started
    result = barycenter(
        [seq.data for seq in sequences],
        averaging=s.averaging,
        gamma=s.gamma,
        weights=weights,
        length=s.length,
        init=s.init,
        tol=s.tol,
        max_iter=s.max_iter,
        metric=s.metric or SOFT_METRIC,
        divergence=s.divergence,
        sharp=s.sharp,
        window=s.window,
        radius=radius,
    )
    names = list(first.feature_names or [])
    if len(names) != first.n_features or any(
        seq.feature_names != first.feature_names for seq in sequences
    ):
        names = [f"f{k}" for k in range(first.n_features)]
    rates = {seq.rate for seq in sequences}
    record = {
        **result.to_dict(),
        "inputs": files,
        "normalize": normalize,
        "rate": rates.pop() if len(rates) == 1 else None,
    }
    write_bytes(s.output, _template_bytes(out_format, result.average, names, record), "-o")
    return BarycenterOutcome(sequences, result, read_s, time.perf_counter() - started - read_s)
