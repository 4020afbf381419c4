"""Drive the DTW kernel over a band: in one call, or span by span with progress reports,
checkpoints and the local costs computed by other threads.

The kernel (:func:`seqalign._kernels.dtw.sweep`) accumulates ``D`` over a range of
anti-diagonals and keeps the last few in a ring, so a long sweep can be cut into spans:
between spans this module reports progress, and while the kernel runs the dynamic
programme of one span, worker threads compute the local costs of the next (the costs are
most of the work when frames have many features; every kernel releases the GIL). The cut
changes no number: every cell gets the same operations in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from seqalign import config
from seqalign.windows import Band

#: Band cells below which one kernel call does the whole sweep (no spans, no threads).
SPAN_MIN_CELLS = 4_000_000
#: Cells per span (about): the two costs buffers of the threaded sweep take at most
#: ``2 * 2 * 8`` times this many bytes.
SPAN_CELLS = 1 << 19
#: Mean cells per anti-diagonal below which threads do not pay (narrow bands).
PARALLEL_MIN_LENGTH = 2048

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` (in any unit, here band cells) as work advances."""

_POOL: ThreadPoolExecutor | None = None


def threads() -> int:
    """Threads a sweep may use: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=threads(), thread_name_prefix="seqalign-costs")
    return _POOL


@dataclass(frozen=True)
class Problem:
    """Prepared kernel inputs of one alignment (see :func:`seqalign.metrics.prepare`)."""

    xt: np.ndarray  # (d, n) features-first x, or empty with a cost matrix
    yr: np.ndarray  # (d, m) features-first y reversed in time, or empty
    cmat: np.ndarray  # (n, m) precomputed costs, or empty
    code: int  # metric code of the kernel
    n: int
    m: int
    pattern: tuple  # (origins, offsets, weights, ncells) of the step pattern
    open_begin: bool

    @property
    def n_features(self) -> int:
        return self.xt.shape[0]

    @property
    def ring_size(self) -> int:
        from seqalign._kernels import dtw as kernel

        return int(kernel.reach(self.pattern[0])) + 1

    def inline(self, store: bool) -> bool:
        """Whether the kernel's fused loop computes the costs itself (one feature)."""
        origins, _, _, ncells = self.pattern
        simple = origins.shape[0] <= 3 and bool((ncells == 1).all())
        return simple and not store and self.n_features == 1 and self.code <= 2


def new_ring(problem: Problem) -> np.ndarray:
    """The kernel's ring of accumulated costs before the first diagonal."""
    return np.full((problem.ring_size, problem.n), np.inf)


def sweep(
    problem: Problem,
    band: Band,
    *,
    dirs: np.ndarray,
    last_row: np.ndarray,
    ring: np.ndarray | None = None,
    k_start: int = 0,
    k_stop: int | None = None,
    saves: np.ndarray | None = None,
    save_every: int = 0,
    progress: Progress | None = None,
    parallel: bool = True,
) -> None:
    """Accumulate ``D`` over anti-diagonals ``[k_start, k_stop)`` of ``band``.

    Fills ``last_row`` (``D[n - 1, :]``; the caller sets it to ``inf`` first) and ``dirs``
    (unless empty), and checkpoints into ``saves`` every ``save_every`` diagonals. Large
    bands run span by span, calling ``progress`` after each; with ``parallel`` and more
    than one CPU the local costs of the next span are computed by worker threads meanwhile.
    """
    from seqalign._kernels import dtw as kernel

    n, m = problem.n, problem.m
    k_stop = n + m - 1 if k_stop is None else k_stop
    ring = new_ring(problem) if ring is None else ring
    saves = np.empty((0, 1, 1)) if saves is None else saves
    arrays = (band.dlo, band.dhi, band.doff)
    cells = int(band.doff[k_stop] - band.doff[k_start])
    group = config.cost_group(problem.n_features, n)
    args = (problem.xt, problem.yr, problem.cmat, problem.code, n, m, arrays, problem.pattern,
            problem.open_begin, dirs, last_row, ring)  # fmt: skip
    if cells < SPAN_MIN_CELLS and progress is None:
        cbuf = np.empty((group, n))
        kernel.sweep(*args, cbuf, (k_start, k_stop, group, save_every), saves)
        return
    store = dirs.shape[0] > 0
    mean_len = max(1, cells // max(1, k_stop - k_start))
    # the threaded costs buffer holds whole diagonals of n rows: worth it for wide bands
    wide = mean_len >= max(PARALLEL_MIN_LENGTH, n // 8)
    workers = threads() if parallel and wide and not problem.inline(store) else 1
    span = max(group, min(SPAN_CELLS // mean_len, 2 * SPAN_CELLS // n))
    done = 0
    if workers == 1:
        cbuf = np.empty((group, n))
        for k0 in range(k_start, k_stop, span):
            k1 = min(k0 + span, k_stop)
            kernel.sweep(*args, cbuf, (k0, k1, group, save_every), saves)
            done += int(band.doff[k1] - band.doff[k0])
            if progress is not None:
                progress(done, cells)
        return
    _threaded(kernel, problem, band, args, k_start, k_stop, span, workers, save_every, saves,
              progress, cells)  # fmt: skip


def _threaded(kernel, problem, band, args, k_start, k_stop, span, workers, save_every, saves,
              progress, cells):  # fmt: skip
    """Spans whose costs ``workers`` threads compute (by rows) while the kernel runs the
    previous span's recurrence."""
    n = problem.n
    buffers = [np.empty((span, n)), np.empty((span, n))]
    pool = _pool()
    bounds = np.linspace(0, n, workers + 1).astype(np.int64)

    def submit(k0: int, buf: np.ndarray) -> list:
        k1 = min(k0 + span, k_stop)
        return [
            pool.submit(kernel.span_costs, problem.xt, problem.yr, problem.cmat, problem.code,
                        k0, k1, band.dlo, band.dhi, int(bounds[w]), int(bounds[w + 1]), buf)
            for w in range(workers)
        ]  # fmt: skip

    starts = list(range(k_start, k_stop, span))
    pending = submit(starts[0], buffers[0])
    done = 0
    for index, k0 in enumerate(starts):
        for future in pending:
            future.result()
        buf = buffers[index % 2]
        if index + 1 < len(starts):
            pending = submit(starts[index + 1], buffers[(index + 1) % 2])
        k1 = min(k0 + span, k_stop)
        kernel.sweep(*args, buf, (k0, k1, 0, save_every), saves)
        done += int(band.doff[k1] - band.doff[k0])
        if progress is not None:
            progress(done, cells)
