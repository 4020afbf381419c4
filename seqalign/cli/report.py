"""The short summaries the commands print on standard error (rich, no colour codes when
standard error is not a terminal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import Sequence


def describe(seq: Sequence) -> str:
    """``name: N frames x D features, T s at R frames/s``."""
    text = f"{seq.label}: {seq.n_frames} frames x {seq.n_features} features"
    if seq.rate:
        text += f", {seq.n_frames / seq.rate:.2f} s at {seq.rate:.4g} frames/s"
    return text


def print_rows(rows: list[tuple[str, str]]) -> None:
    """One ``name  value`` line per row on standard error, names in bold and aligned."""
    from rich.console import Console
    from rich.text import Text

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        console.print(Text.assemble((name.ljust(width), "bold"), value))
