"""The soft task (``seqalign soft``): read two inputs, apply the defaults, compute soft-DTW
(or its divergence), and write the expected alignment on request.

:func:`run_soft` is the one path from :class:`SoftSettings` to the value and written files.
Everything is checked before anything is written.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seqalign.errors import InputError
from seqalign.tasks.common import (
    Banded,
    LocalCost,
    Reading,
    band_radius,
    check_gamma,
    check_inputs,
    check_targets,
    json_bytes,
    npz_bytes,
    read_inputs,
    write_bytes,
)
from seqalign.tasks.kernels import kernel_metric

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from seqalign.io import Sequence

__all__ = ["SOFT_METRIC", "SoftOutcome", "SoftSettings", "confidence", "run_soft"]

#: soft-DTW is defined on the squared Euclidean cost by default (Cuturi & Blondel 2017).
SOFT_METRIC = "sqeuclidean"
#: Formats of ``alignment``, by extension.
ALIGNMENT_FORMATS = {".npz": "npz", ".json": "json"}


@dataclass(kw_only=True)
class SoftSettings(Banded, LocalCost, Reading):
    """Everything one soft-DTW value needs. Field names are the option names of
    :mod:`seqalign.options`."""

    a: str
    b: str
    gamma: float = 1.0
    divergence: bool = False
    sharp: bool = False
    alignment: str | None = None


@dataclass
class SoftOutcome:
    """What :func:`run_soft` did."""

    seq_a: Sequence
    seq_b: Sequence
    result: Any
    normalize: str
    read_s: float
    work_s: float


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


def run_soft(s: SoftSettings, *, typed: dict[str, str] | None = None) -> SoftOutcome:
    """Compute the soft-DTW value (or divergence) of ``s.a`` and ``s.b``; write
    ``s.alignment`` when asked. ``typed`` gets the band as typed, for messages.

    Raises
    ------
    SeqalignError
        A bad setting or input, before anything is written.
    """
    started = time.perf_counter()
    typed = {} if typed is None else typed
    check_gamma(s.gamma)
    check_inputs(s.a, s.b)
    check_targets({"--alignment": s.alignment}, (s.a, s.b))
    if s.band is not None:
        from seqalign.units import parse_band

        parse_band(s.band)
    s.check()
    metric = kernel_metric(s.metric, s.kernel_gamma, s.degree, s.coef0)
    s.read_options()
    s.read_options(second=True)
    fmt = None if s.alignment is None else _alignment_format(s.alignment)

    from seqalign.soft.api import soft_dtw, soft_dtw_divergence

    (seq_a, seq_b), normalize = read_inputs((s.a, s.b), s, pair=True)
    radius = band_radius(s.band, [seq_a, seq_b], typed, "--rate (or --rate-b)")
    settings = {
        "gamma": s.gamma,
        "metric": metric or SOFT_METRIC,
        "window": s.window,
        "radius": radius,
        "sharp": s.sharp,
        "max_memory": s.max_memory,
    }
    read_s = time.perf_counter() - started
    expected = None
    if s.divergence:
        result = soft_dtw_divergence(seq_a.data, seq_b.data, **settings)
    else:  # E comes with the same sweep
        result = soft_dtw(seq_a.data, seq_b.data, alignment=s.alignment is not None, **settings)
        expected = result.alignment
    if s.alignment is not None:
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
        _write_alignment(s.alignment, fmt, seq_a, seq_b, expected, record, settings)
    work_s = time.perf_counter() - started - read_s
    return SoftOutcome(seq_a, seq_b, result, normalize, read_s, work_s)


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
        data = npz_bytes(**arrays, metadata=json.dumps(record))
    else:
        data = json_bytes({**record, **{k: v.tolist() for k, v in arrays.items()}})
    write_bytes(target, data, "--alignment")
