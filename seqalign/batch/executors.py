"""Where batch jobs run: in this process, in local worker processes, or on a Dask cluster.

Each executor takes ``(job, key)`` pairs, runs them in chunks (so that the cost of sending work
to a process is paid per chunk, not per job) through :func:`seqalign.batch.jobs.run_chunk`,
and yields every :class:`~seqalign.batch.jobs.JobResult` as its chunk comes back. Workers
load the numba kernels once (:func:`~seqalign.batch.jobs.warm`), not per job, and ignore
Ctrl-C: the process that runs the batch decides what stops, so its journal stays consistent.

* :class:`LocalExecutor`: ``concurrent.futures.ProcessPoolExecutor`` with the ``forkserver``
  start method (``spawn`` where there is none), never ``fork``, which is unsafe once numba's
  threads run. A worker that dies (killed, out of memory) fails the jobs of its chunk with
  that reason; the pool is restarted for the rest.
* :class:`DaskExecutor`: ``dask.distributed.Client(address)``, or a ``LocalCluster`` of
  processes for ``"local"``. Dask reruns the chunks of a worker that dies on another worker.
  Workers must see the inputs and the output folder at the same paths (a shared filesystem).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from seqalign.batch.jobs import JobResult, run_chunk
from seqalign.batch.manifest import Job
from seqalign.errors import InputError, SeqalignError
from seqalign.threads import close_dask, cpu_count, dask_client

__all__ = ["DaskExecutor", "LocalExecutor", "chunked", "make_executor"]

Work = list[tuple[Job, str]]
#: At most this many jobs per chunk: small enough for a live progress bar and a cheap loss
#: when a worker dies, large enough that sending work costs well under a millisecond per job.
MAX_CHUNK = 32
#: Chunks in flight per worker: one running, one queued, so that no worker waits.
IN_FLIGHT = 2


def chunked(work: Work, n_workers: int) -> list[Work]:
    """Split ``work`` into chunks of at most :data:`MAX_CHUNK`, about 8 per worker."""
    size = max(1, min(MAX_CHUNK, len(work) // max(1, 8 * n_workers)))
    return [work[i : i + size] for i in range(0, len(work), size)]


def _failed(chunk: Work, reason: str) -> list[JobResult]:
    return [
        JobResult(id=job.id, task=job.task, status="failed", error=reason, key=key)
        for job, key in chunk
    ]


def _init_worker() -> None:
    """Worker start: leave Ctrl-C to the parent; load the kernels once."""
    import signal

    from seqalign.batch.jobs import warm

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm()


class LocalExecutor:
    """Run chunks in ``n_workers`` local processes (in this process when ``n_workers`` is 1).

    Parameters
    ----------
    n_workers : int
        Number of worker processes.
    """

    def __init__(self, n_workers: int) -> None:
        self.n_workers = max(1, n_workers)
        self._pool: Any = None

    def _start(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            context.set_forkserver_preload(["seqalign.batch.jobs", "seqalign.warping.align"])
        return ProcessPoolExecutor(self.n_workers, mp_context=context, initializer=_init_worker)

    def start(self) -> None:
        """Start the workers now, so that they load numba while the batch is planned."""
        if self.n_workers > 1 and self._pool is None:
            self._pool = self._start()
            self._pool.submit(os.getpid)  # the pool starts its processes on the first submit

    def run(self, work: Work, output_dir: str) -> Iterator[JobResult]:
        """Yield the result of every job of ``work`` as it finishes."""
        if self.n_workers == 1:
            for pair in work:
                yield from run_chunk([pair], output_dir)
            return
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        chunks = chunked(work, self.n_workers)
        chunks.reverse()  # pop() from the end takes them in manifest order
        running: dict[Any, Work] = {}
        finished = 0  # chunks finished by the current pool
        try:
            while chunks or running:
                if self._pool is None:
                    self._pool = self._start()
                    finished = 0
                while chunks and len(running) < IN_FLIGHT * self.n_workers:
                    chunk = chunks.pop()
                    running[self._pool.submit(run_chunk, chunk, output_dir)] = chunk
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    chunk = running.pop(future)
                    try:
                        results = future.result()
                        finished += 1
                    except BrokenProcessPool as error:
                        if finished == 0:  # not one chunk done: the workers cannot start
                            raise SeqalignError(
                                f"the worker processes died before finishing any job ({error})"
                                "; try --jobs 1"
                            ) from error
                        broken = True
                        results = _failed(chunk, "a worker process died (killed or out of memory)")
                    yield from results
                if broken:  # every chunk still running was lost with the pool
                    for future, chunk in running.items():
                        future.cancel()
                        yield from _failed(chunk, "a worker process died (killed or out of memory)")
                    running.clear()
                    self.close()
        finally:
            for future in running:
                future.cancel()

    def close(self) -> None:
        """Stop the workers once their chunks are done (pending chunks are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Stop now (Ctrl-C): cancel pending chunks and end the workers without waiting.

        A job cut short leaves no output (outputs are renamed into place when complete) and
        no journal line, so ``--resume`` runs it again.
        """
        if self._pool is not None:
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(timeout=5)
            self._pool = None


class DaskExecutor:
    """Run chunks on a Dask distributed cluster.

    Parameters
    ----------
    address : str
        A scheduler address (``tcp://host:8786``), or ``"local"`` to start a ``LocalCluster``
        of ``n_workers`` single-threaded worker processes.
    n_workers : int
        Workers of the local cluster (ignored for an address).

    Raises
    ------
    InputError
        Dask is not installed, or the scheduler cannot be reached.
    """

    def __init__(self, address: str, n_workers: int) -> None:
        self.client, self._cluster = dask_client(address, n_workers)
        self.client.run(_init_dask_worker)

    def start(self) -> None:
        """Nothing to do: the workers were warmed on connecting."""

    def run(self, work: Work, output_dir: str) -> Iterator[JobResult]:
        """Yield the result of every job of ``work`` as its chunk finishes."""
        from dask.distributed import as_completed

        n_workers = max(1, sum(self.client.nthreads().values()))
        futures = {}
        for chunk in chunked(work, n_workers):
            future = self.client.submit(run_chunk, chunk, output_dir, pure=False)
            futures[future] = chunk
        try:
            for future in as_completed(list(futures)):
                chunk = futures[future]
                try:
                    results = future.result()
                except Exception as error:  # KilledWorker after repeated deaths, lost data...
                    reason = f"{type(error).__name__}: {' '.join(str(error).split())}"
                    results = _failed(chunk, f"the Dask cluster lost the job ({reason})")
                yield from results
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                self.client.cancel(pending)

    def abort(self) -> None:
        """Stop now (Ctrl-C): the pending chunks are cancelled as the client disconnects."""
        self.close()

    def close(self) -> None:
        """Disconnect (and stop a local cluster)."""
        close_dask(getattr(self, "client", None), self._cluster)


def _init_dask_worker() -> None:
    """Load the kernels on every worker once, before any job."""
    from seqalign.batch.jobs import warm

    warm()


def make_executor(jobs: int | None, scheduler: str | None) -> LocalExecutor | DaskExecutor:
    """The executor for ``--jobs`` and ``--scheduler`` (``jobs`` None: every core)."""
    n_workers = jobs if jobs is not None else cpu_count()
    if n_workers < 1:
        raise InputError(f"--jobs {jobs}: give at least 1 worker", argument="jobs")
    if scheduler is not None:
        return DaskExecutor(scheduler, n_workers)
    return LocalExecutor(n_workers)
