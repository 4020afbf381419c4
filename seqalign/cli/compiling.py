"""The notice a command prints before seqalign's kernels compile (a cold numba cache).

The first run of a command compiles its numba kernels, seconds with nothing else to show;
later runs load them from numba's cache. :func:`quiet_option`, the callback of every
command's ``--quiet``, arms :data:`seqalign.config.compile_notice` for the command that runs
(unless quiet) and disarms it when the command ends. numba's compile event fires it (see
:func:`seqalign.config.start_numba`), at most once, just before the first compilation: with
a warm cache nothing compiles, so nothing is said and nothing is checked at start.

Standard library only: ``seqalign --help`` must not load numpy.
"""

from __future__ import annotations

import os
import sys
from typing import Any

#: Environment variable: ``0`` silences the notice (as the test suite does, so that a cold
#: cache does not change what the tests read on standard error).
SWITCH = "SEQALIGN_COMPILE_NOTICE"

#: The notice, after ``seqalign: ``.
MESSAGE = "compiling seqalign's kernels: first run only, about 10 s"


def say() -> None:
    """Print the notice on standard error (a broken standard error is ignored)."""
    try:
        sys.stderr.write(f"seqalign: {MESSAGE}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # pragma: no cover - nowhere to say it
        pass


def _disarm() -> None:
    from seqalign import config

    config.compile_notice = None


def quiet_option(ctx: Any, quiet: bool) -> bool:
    """Callback of ``--quiet``: unless quiet, say :data:`MESSAGE` if this command compiles."""
    if not quiet and not ctx.resilient_parsing and os.environ.get(SWITCH, "1") != "0":
        from seqalign import config

        config.compile_notice = say
        ctx.call_on_close(_disarm)
    return quiet
