"""``seqalign warp`` options for long recordings: the method, its band and the anchors.

Imported by the command modules; nothing heavy at import time.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Annotated

import typer

from seqalign.errors import InputError
from seqalign.units import MAX_FRAMES, plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import Sequence

LONG_PANEL = "Long recordings"

Method = Annotated[
    str,
    typer.Option(
        "--method",
        metavar="METHOD",
        help="auto (full when it fits --max-memory, else the exact linear-memory path when it "
        "is estimated under --time-limit, else multiscale), full, linear (exact, the same "
        "path, in tens of MB) or multiscale (approximate, seconds for hours of frames).",
        rich_help_panel=LONG_PANEL,
    ),
]
TimeLimit = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        metavar="SECONDS",
        help="--method auto: the longest estimated time for the exact linear-memory path "
        "before multiscale is used instead [default: 300].",
        rich_help_panel=LONG_PANEL,
        show_default=False,
    ),
]
MultiscaleRadius = Annotated[
    int | None,
    typer.Option(
        "--multiscale-radius",
        metavar="FRAMES",
        help="Multiscale: half-width of the band around the projected path at each level "
        "[default: 16].",
        rich_help_panel=LONG_PANEL,
        show_default=False,
    ),
]
Anchor = Annotated[
    list[str] | None,
    typer.Option(
        "--anchor",
        metavar="TA:TB",
        help="A pair of times the path must pass through, e.g. 12.5:14.2 (seconds, or frames "
        "with f: 300f:340f, or frames when there is no frame rate); repeatable.",
        rich_help_panel=LONG_PANEL,
        show_default=False,
    ),
]
Verify = Annotated[
    bool | None,
    typer.Option(
        "--verify/--no-verify",
        help="Multiscale: also compute the exact path (linear memory) and report the share of "
        "points within 2 frames of it [default: when that takes under 5 s].",
        rich_help_panel=LONG_PANEL,
        show_default=False,
    ),
]

_TIME = re.compile(r"\s*(?P<number>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?P<unit>s|ms|f)?\s*")


def check_method(method: str, multiscale_radius: int | None) -> str:
    """Validate ``--method`` and ``--multiscale-radius`` before reading anything."""
    from seqalign.warping.planner import METHODS

    name = method.lower()
    if name not in METHODS:
        raise InputError(
            f"--method {method!r}: choose one of {', '.join(METHODS)}", argument="method"
        )
    if multiscale_radius is not None and multiscale_radius < 1:
        raise InputError(
            f"--multiscale-radius {multiscale_radius}: give a whole number of frames >= 1",
            argument="multiscale_radius",
        )
    return name


def parse_anchor(text: str) -> tuple[tuple[float, str], tuple[float, str]]:
    """Parse one ``--anchor TA:TB`` into ``((value, unit), (value, unit))``."""
    parts = text.split(":")
    matches = [_TIME.fullmatch(part) for part in parts]
    if len(parts) != 2 or None in matches:
        raise InputError(
            f"--anchor {text!r}: give two times TA:TB, e.g. 12.5:14.2 or 300f:340f",
            argument="anchors",
        )
    ends = tuple((float(m["number"]), (m["unit"] or "").lower()) for m in matches)  # type: ignore[union-attr]
    if not all(math.isfinite(value) and abs(value) <= MAX_FRAMES for value, _ in ends):
        raise InputError(f"--anchor {text!r}: a time out of range", argument="anchors")
    return ends  # type: ignore[return-value]


def anchor_frames(texts: list[str] | None, seq_a: Sequence, seq_b: Sequence):
    """Anchors as frame pairs of A and B, or None."""
    if not texts:
        return None
    pairs = []
    for text in texts:
        ends = parse_anchor(text)
        frames = []
        for (value, unit), seq in zip(ends, (seq_a, seq_b)):
            if unit == "f" or (unit == "" and not seq.rate):
                if not float(value).is_integer():
                    raise InputError(f"--anchor {text!r}: frames must be whole numbers",
                                     argument="anchors")  # fmt: skip
                frame = int(value)
            elif not seq.rate:
                raise InputError(
                    f"--anchor {text!r}: {seq.label} has no frame rate; give frames (300f) "
                    "or set --rate",
                    argument="anchors",
                )
            else:
                seconds = value / 1000 if unit == "ms" else value
                frame = round((seconds - seq.start_time) * seq.rate)
            if not 0 <= frame < seq.n_frames:
                raise InputError(
                    f"--anchor {text!r}: frame {frame} is outside {seq.label} "
                    f"({plural(seq.n_frames, 'frame')})",
                    argument="anchors",
                )
            frames.append(frame)
        pairs.append(frames)
    return pairs
