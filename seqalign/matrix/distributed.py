"""Distance matrices on a Dask distributed cluster: blocks of the matrix as tasks.

The rows and columns are cut into blocks; each task computes one block on a worker (one
thread each) with the function it is given, :func:`seqalign.matrix.pairwise.pairwise_dtw`
bound to its options, and a symmetric matrix computes only the blocks on and above the
diagonal. The caller fixes data-dependent metric parameters (rbf's median-heuristic gamma)
once from every sequence before the work is sent, so each block uses the same local cost:
the result equals the local computation. This module imports none of the matrix code, which
calls it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np


def _blocks(count: int, parts: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, count, max(1, min(parts, count)) + 1).astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


Block = Callable[[list[np.ndarray], list[np.ndarray] | None], np.ndarray]
"""``block(xs, ys)``: the matrix of ``xs`` against ``ys`` (``ys`` None: ``xs`` with itself)."""


def dask_pairwise(
    xs: list[np.ndarray],
    ys: list[np.ndarray] | None,
    block: Block,
    scheduler: str,
    n_workers: int,
) -> np.ndarray:
    """The matrix of ``xs`` against ``ys`` (None: ``xs`` with itself) computed by blocks on
    ``scheduler`` (an address, or ``"local"`` for a local cluster of ``n_workers``
    processes), each by ``block`` (picklable: a module-level function, or a
    ``functools.partial`` of one)."""
    from dask.distributed import as_completed

    from seqalign.threads import close_dask, dask_client

    client, cluster = dask_client(scheduler, n_workers)
    try:
        workers = max(1, sum(client.nthreads().values()))
        others = xs if ys is None else ys
        rows = _blocks(len(xs), 2 * workers)
        cols = rows if ys is None else _blocks(len(others), 2 * workers)
        row_data = [client.scatter(xs[a:b]) for a, b in rows]
        col_data = row_data if ys is None else [client.scatter(others[a:b]) for a, b in cols]
        futures = {}
        for r, (a, b) in enumerate(rows):
            for c, (lo, hi) in enumerate(cols):
                if ys is None and c < r:
                    continue
                partner = None if ys is None and c == r else col_data[c]
                future = client.submit(block, row_data[r], partner, pure=False)
                futures[future] = (a, b, lo, hi)
        out = np.empty((len(xs), len(others)))
        for future in as_completed(list(futures)):
            a, b, lo, hi = futures[future]
            block = future.result()
            out[a:b, lo:hi] = block
            if ys is None:
                out[lo:hi, a:b] = block.T
        return out
    finally:
        close_dask(client, cluster)
