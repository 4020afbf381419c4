"""A progress bar on standard error for long computations.

Shown only when standard error is a terminal, ``--quiet`` is off, and the work has already
taken :data:`DELAY` seconds (short runs stay silent); it disappears when done.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

#: Seconds of work before the bar appears.
DELAY = 1.0


@contextlib.contextmanager
def progress_bar(description: str, *, quiet: bool = False) -> Iterator[Callable | None]:
    """Yield a ``progress(done, total)`` callback drawing a bar, or None when not shown."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    started = time.perf_counter()
    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            if time.perf_counter() - started < DELAY:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task(description, total=total)
        state["bar"].update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()
