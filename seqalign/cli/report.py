"""The short summaries the commands print on standard error (names in bold on a terminal,
plain text otherwise)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from seqalign.units import plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import Sequence


def describe(seq: Sequence) -> str:
    """``name: N frames x D features, T s at R frames/s``."""
    text = f"{seq.label}: {plural(seq.n_frames, 'frame')} x {plural(seq.n_features, 'feature')}"
    if seq.rate:
        text += f", {seq.n_frames / seq.rate:.2f} s at {seq.rate:.4g} frames/s"
    return text


def describe_many(sequences: list[Sequence]) -> str:
    """``N sequences of L1-L2 frames x D features`` (``of L frames`` when they are equal)."""
    low, high = min(s.n_frames for s in sequences), max(s.n_frames for s in sequences)
    frames = plural(low, "frame") if low == high else f"{low}-{high} frames"
    count = plural(len(sequences), "sequence")
    return f"{count} of {frames} x {plural(sequences[0].n_features, 'feature')}"


def print_rows(rows: list[tuple[str, str]]) -> None:
    """One ``name  value`` line per row on standard error, names aligned, and in bold when
    standard error is a terminal (plain text, not rich: importing rich costs a tenth of a
    small job's time)."""
    stream = sys.stderr
    bold = _is_terminal(stream)
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        label = name.ljust(width)
        stream.write(f"\x1b[1m{label}\x1b[0m{value}\n" if bold else f"{label}{value}\n")
    stream.flush()


def _is_terminal(stream: object) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False
