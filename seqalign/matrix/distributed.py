"""Distance matrices on a Dask distributed cluster: blocks of the matrix as tasks.

The rows and columns are cut into blocks; each task computes one block with
:func:`seqalign.matrix.pairwise.pairwise_dtw` on a worker (one thread each), and a symmetric matrix
computes only the blocks on and above the diagonal. Data-dependent metric parameters (rbf's
median-heuristic gamma) are fixed once from every sequence before the work is sent, so each
block uses the same local cost: the result equals the local computation.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np


def _blocks(count: int, parts: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, count, max(1, min(parts, count)) + 1).astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def _block(xs: list[np.ndarray], ys: list[np.ndarray] | None, options: dict) -> np.ndarray:
    """One block, on a worker (``ys`` None: the symmetric block of ``xs`` with itself)."""
    from seqalign.matrix.pairwise import pairwise_dtw

    return pairwise_dtw(xs, ys, n_jobs=1, **options)


def dask_pairwise(
    xs: list[np.ndarray],
    ys: list[np.ndarray] | None,
    options: dict[str, Any],
    scheduler: str,
    n_workers: int,
) -> np.ndarray:
    """The matrix of :func:`~seqalign.matrix.pairwise.pairwise_dtw` (``options`` its keyword
    arguments, metric already bound) computed by blocks on ``scheduler`` (an address, or
    ``"local"`` for a local cluster of ``n_workers`` processes)."""
    from dask.distributed import as_completed

    from seqalign.batch.executors import DaskExecutor

    executor = DaskExecutor(scheduler, n_workers)
    try:
        client = executor.client
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
                future = client.submit(_block, row_data[r], partner, options, pure=False)
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
        executor.close()
