"""Quantities users type: a band in frames or seconds (``200``, ``2.5s``) and a size in
bytes (``500MB``, ``2GiB``). Used by the command line and by batch manifests alike; and
:func:`plural`, how every message and summary counts things (``1 frame``, ``2 frames``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from seqalign.errors import InputError

#: The largest count of frames a quantity may give (as the largest integer option).
MAX_FRAMES = 2**31 - 1

# -- the band: frames or seconds ---------------------------------------------------------------

_BAND = re.compile(r"(?P<number>[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(?P<unit>s|ms|sec|f)?", re.I)


@dataclass(frozen=True)
class Band:
    """A ``--band`` value: a whole number of frames, or a duration in seconds."""

    text: str
    frames: int | None = None
    seconds: float | None = None

    def radius(
        self, rate: float | None, name: str, rate_flags: str = "--rate (or --rate-b)"
    ) -> int:
        """The band in frames of the input ``name`` whose frame rate is ``rate``.

        Seconds become ``ceil(seconds * rate)`` frames, so the band is at least as wide as
        asked. ``rate_flags``: the options that give a frame rate, named when none is known.

        Examples
        --------
        >>> parse_band("2.5s").radius(10.0, "b.csv"), parse_band("7").radius(None, "b.npy")
        (25, 7)
        """
        if self.frames is not None:
            return self.frames
        assert self.seconds is not None
        if rate is None:
            raise InputError(
                f"--band {self.text}: {name} has no frame rate, so seconds cannot become "
                f"frames; give {rate_flags}, or the band in frames",
                argument="radius",
            )
        frames = self.seconds * rate
        if not frames <= MAX_FRAMES:
            raise InputError(
                f"--band {self.text}: {frames:.3g} frames of {name}, too large (at most "
                f"{MAX_FRAMES})",
                argument="radius",
            )
        return math.ceil(frames - 1e-9)

    def describe(self, radius: int | None) -> str:
        """How messages show the band: ``2.5s (108 frames)``, or ``200``."""
        if self.seconds is not None and radius is not None:
            return f"{self.text} ({plural(radius, 'frame')})"
        return self.text


def parse_band(text: str) -> Band:
    """Parse ``--band``: ``200`` (frames of B), ``2.5s`` or ``500ms`` (seconds).

    Examples
    --------
    >>> parse_band("200").frames, parse_band("2.5 s").seconds, parse_band("500ms").seconds
    (200, 2.5, 0.5)
    """
    shown = text.strip()
    match = _BAND.fullmatch(shown)
    if match is None:
        raise InputError(
            f"--band {text!r}: not a band; give frames of B (e.g. 200) or seconds (e.g. 2.5s)",
            argument="radius",
        )
    number, unit = float(match["number"]), (match["unit"] or "f").lower()
    if unit == "f":
        if not number.is_integer():
            raise InputError(
                f"--band {shown}: frames must be a whole number; add s for seconds (e.g. {shown}s)",
                argument="radius",
            )
        if number > MAX_FRAMES:
            raise InputError(
                f"--band {shown}: too large (at most {MAX_FRAMES} frames)", argument="radius"
            )
        return Band(shown, frames=int(number))
    return Band(shown, seconds=number / 1000 if unit == "ms" else number)


# -- sizes ------------------------------------------------------------------------------------

_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_SIZE = re.compile(r"(?P<number>[0-9]*\.?[0-9]+)\s*(?P<unit>[a-z]*)", re.I)


def parse_size(text: str, flag: str = "--max-memory") -> int:
    """Bytes in a size such as ``500MB``, ``2GB``, ``1.5GiB`` or ``4096`` (KB = 1000 bytes).

    Examples
    --------
    >>> parse_size("2GB"), parse_size("500 MB"), parse_size("1KiB"), parse_size("64")
    (2000000000, 500000000, 1024, 64)
    """
    match = _SIZE.fullmatch(text.strip())
    unit = match["unit"].lower() if match else None
    if match is None or unit not in _UNITS:
        raise InputError(
            f"{flag} {text!r}: not a size; give e.g. 500MB, 2GB or 1.5GiB",
            argument="max_memory",
        )
    size = int(float(match["number"]) * _UNITS[unit])
    if size <= 0:
        raise InputError(f"{flag} {text}: the size must be positive", argument="max_memory")
    return size


# -- counts -----------------------------------------------------------------------------------


def plural(count: int, noun: str, many: str | None = None, spec: str = "") -> str:
    """``count`` and ``noun``, in the plural (``many``, else ``noun + "s"``) unless it is 1.

    ``spec`` formats the number (``","``: thousands separated).

    Examples
    --------
    >>> plural(1, "frame"), plural(0, "change"), plural(2, "query", "queries")
    ('1 frame', '0 changes', '2 queries')
    >>> plural(12000, "DTW", spec=",")
    '12,000 DTWs'
    """
    word = noun if count == 1 else (many or noun + "s")
    return f"{count:{spec}} {word}"
