"""``seqalign warmup``: compile every kernel ahead, for container images and CI caches.

A thin shell over :func:`seqalign.warmup.warm_up`; one summary line on standard error.
"""

from __future__ import annotations

from typing import Annotated

import typer


def warmup(
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No summary on standard error.")
    ] = False,
) -> None:
    """Compile seqalign's numba kernels now, so that every later run starts at once.

    The first run of each command compiles the kernels it needs (about 10 s) and numba keeps
    them in its cache; this compiles all of them, for every command and option, in one go
    (a minute or two). Run it when building a container image, or before saving a CI
    cache. The summary names the cache folder: NUMBA_CACHE_DIR if set, else the package's
    _kernels/__pycache__ (~/.cache/seqalign/numba when the package folder is read-only).
    With a warm cache it compiles nothing.

    Example: RUN pip install seqalign && seqalign warmup
    """
    from seqalign.warmup import warm_up

    done = warm_up()
    if not quiet:
        typer.echo(
            f"seqalign: warmup: {done.compiled} kernel signatures compiled, {done.loaded} "
            f"loaded from the cache, in {done.seconds:.1f} s (cache: {done.cache_dir})",
            err=True,
        )
