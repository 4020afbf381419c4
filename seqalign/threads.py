"""Parallel work: how many CPUs this process may use, worker threads, and Dask clients.

Every count of CPUs in seqalign comes from :func:`cpu_count`, which honours the process's CPU
affinity (``taskset``, a container's cpuset, a batch scheduler's allocation): in a container
``os.cpu_count()`` reports the host's CPUs, and as many threads would oversubscribe the few
the process may run on. The API's thread pools (:func:`resolve_jobs`, :func:`run_chunks`), the
DTW sweeps and the batch runner's worker processes all size themselves from it; Dask clients
for the distributed matrix and batch come from :func:`dask_client`. Dask is imported only when
a client is asked for.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from seqalign.errors import InputError
from seqalign.validation import check_whole

__all__ = ["close_dask", "cpu_count", "dask_client", "resolve_jobs", "run_chunks"]


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one), at least 1.

    Examples
    --------
    >>> cpu_count() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(n_jobs: int | None) -> int:
    """Worker threads for ``n_jobs``: itself, or every CPU this process may use for None or
    ``-1`` (see :func:`cpu_count`).

    Examples
    --------
    >>> resolve_jobs(2)
    2
    """
    if n_jobs is None or (not isinstance(n_jobs, bool) and n_jobs == -1):
        return cpu_count()
    return check_whole(n_jobs, "n_jobs", what="or None for every CPU")


def run_chunks(work: Callable[[int, int], Any], n_items: int, jobs: int) -> None:
    """Call ``work(start, stop)`` over ``[0, n_items)`` in chunks, on ``jobs`` threads.

    The chunks (about ``8 * jobs`` of them, for balance) run on a thread pool; ``work`` should
    spend its time in numba kernels that release the GIL. An exception in a chunk is raised
    here.

    Examples
    --------
    >>> done = []
    >>> run_chunks(lambda a, b: done.append((a, b)), 4, 1)
    >>> done
    [(0, 4)]
    """
    if jobs == 1 or n_items < 2:
        work(0, n_items)
        return
    from concurrent.futures import ThreadPoolExecutor

    chunks = min(n_items, 8 * jobs)
    edges = np.linspace(0, n_items, chunks + 1).astype(int)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(work, a, b) for a, b in itertools.pairwise(edges) if b > a]:
            future.result()


def dask_client(address: str, n_workers: int) -> tuple[Any, Any]:
    """A connected ``dask.distributed.Client`` and the local cluster it owns.

    Parameters
    ----------
    address : str
        A scheduler address (``tcp://host:8786``), or ``"local"`` to start a ``LocalCluster``
        of ``n_workers`` single-threaded worker processes.
    n_workers : int
        Workers of the local cluster (ignored for an address).

    Returns
    -------
    client : dask.distributed.Client
    cluster : dask.distributed.LocalCluster or None
        The cluster started for ``"local"``; close both with :func:`close_dask`.

    Raises
    ------
    InputError
        Dask is not installed, or the scheduler cannot be reached.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            f"--scheduler {address}: Dask is not installed; install seqalign[dask]",
            argument="scheduler",
        ) from None
    cluster: Any = None
    try:
        if address == "local":
            cluster = LocalCluster(
                n_workers=max(1, n_workers),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            )
            client = Client(cluster)
        else:
            client = Client(address)
    except (OSError, TimeoutError, ValueError) as error:  # unreachable, or not an address
        close_dask(None, cluster)
        raise InputError(
            f"--scheduler {address}: cannot connect ({' '.join(str(error).split())})",
            argument="scheduler",
        ) from None
    return client, cluster


def close_dask(client: Any, cluster: Any) -> None:
    """Disconnect ``client`` and stop ``cluster`` (either may be None)."""
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()
