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

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from seqalign import config
from seqalign.threads import cpu_count
from seqalign.warping.windows import Band

#: Band cells below which one kernel call does the whole sweep (no spans, no threads).
SPAN_MIN_CELLS = 4_000_000
#: Cells per span (about): the two costs buffers of the threaded sweep take at most
#: ``2 * 2 * 8`` times this many bytes.
SPAN_CELLS = 1 << 19
#: Mean cells per anti-diagonal each thread needs for threads to pay (narrow bands: one).
PARALLEL_MIN_LENGTH = 512
#: Features per frame from which threads pay: below, the sweep is bound by memory traffic
#: (measured: no gain on 1 and 3 features at 15,000 x 15,000).
PARALLEL_MIN_FEATURES = 4
#: Threads a sweep uses at most.
MAX_THREADS = 8
#: Bands of rows per thread in a shared sweep (more bands balance the threads better).
BANDS_PER_THREAD = 4

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` (in any unit, here band cells) as work advances."""

_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=cpu_count(), thread_name_prefix="seqalign-costs")
    return _POOL


@dataclass(frozen=True)
class Problem:
    """Prepared kernel inputs of one alignment (see :func:`seqalign.localcosts.prepare`)."""

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


def _no_rows(n: int) -> tuple:
    empty = np.empty((0, 0))
    return (0, n, empty, empty)


def back_rows(problem: Problem) -> int:
    """How many rows back the pattern's steps reach (the rows a thread hands to the next)."""
    return int(problem.pattern[0][:, 0].max())


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
    than one CPU, a sweep from the first diagonal is shared by rows between threads
    (:func:`_by_rows`).
    """
    from seqalign._kernels import dtw as kernel

    n, m = problem.n, problem.m
    k_stop = n + m - 1 if k_stop is None else k_stop
    ring = new_ring(problem) if ring is None else ring
    saves = np.empty((0, 1, 1)) if saves is None else saves
    arrays = (band.dlo, band.dhi, band.doff)
    cells = int(band.doff[k_stop] - band.doff[k_start])
    group = config.cost_group(problem.n_features, n)
    src = (problem.xt, problem.yr, problem.cmat, problem.code)
    args = (src, n, m, arrays, problem.pattern, problem.open_begin, (dirs, last_row))
    cbuf = np.empty((group, n))
    if cells < SPAN_MIN_CELLS and progress is None:
        kernel.sweep(*args, (ring, cbuf, saves), (k_start, k_stop, group, save_every), _no_rows(n))
        return
    mean_len = max(1, cells // max(1, k_stop - k_start))
    costly = problem.n_features >= PARALLEL_MIN_FEATURES  # else memory-bound: no gain
    workers = min(cpu_count(), MAX_THREADS) if parallel and costly and k_start == 0 else 1
    workers = min(workers, max(1, mean_len // max(1, PARALLEL_MIN_LENGTH)))
    span = max(group, SPAN_CELLS * workers // mean_len)
    if workers > 1:
        _by_rows(kernel, problem, band, args, k_stop, span, workers, save_every, saves, group,
                 progress, cells)  # fmt: skip
        return
    done = 0
    for k0 in range(k_start, k_stop, span):
        k1 = min(k0 + span, k_stop)
        kernel.sweep(*args, (ring, cbuf, saves), (k0, k1, group, save_every), _no_rows(n))
        done += int(band.doff[k1] - band.doff[k0])
        if progress is not None:
            progress(done, cells)


def split_rows(band: Band, parts: int, minimum: int) -> np.ndarray:
    """Row boundaries ``r_0 = 0 < ... < r_parts = n`` giving each part about the same
    number of band cells, each at least ``minimum`` rows."""
    widths = np.maximum(band.hi - band.lo, 0)
    cumulative = np.cumsum(widths)
    targets = cumulative[-1] * np.arange(1, parts) / parts
    inner = np.searchsorted(cumulative, targets) + 1
    bounds = np.concatenate([[0], inner, [widths.shape[0]]]).astype(np.int64)
    return bounds if (np.diff(bounds) >= minimum).all() else np.array([0, widths.shape[0]])


def _by_rows(kernel, problem, band, args, k_stop, span, workers, save_every, saves, group,
             progress, cells):  # fmt: skip
    """The sweep shared by rows between ``workers`` threads.

    The rows are cut into ``BANDS_PER_THREAD * workers`` bands of about equal area, each
    with its own ring; a block is one band over one span of diagonals, and block ``(r, s)``
    needs only ``(r, s - 1)`` (its own ring) and ``(r - 1, s)`` (``D`` of the rows just above,
    handed over through an array per diagonal). Blocks with ``r + s = w`` form wave ``w``
    and run together; more bands than threads keep the threads busy although each band
    has cells on only part of the diagonals. Every cell gets the operations of the
    one-thread sweep, in the same order: the same numbers.
    """
    n = problem.n
    back = max(1, back_rows(problem))
    bounds = split_rows(band, BANDS_PER_THREAD * workers, minimum=max(back, 64))
    if bounds.shape[0] < 3:
        bounds = split_rows(band, workers, minimum=max(back, 64))
    n_bands = bounds.shape[0] - 1
    edges = [np.full((k_stop, back), np.inf) for _ in range(n_bands - 1)]
    empty = np.empty((0, 0))
    rows, active = [], []
    for r in range(n_bands):
        r_lo, r_hi = int(bounds[r]), int(bounds[r + 1])
        rows.append((r_lo, r_hi, edges[r - 1] if r > 0 else empty,
                     edges[r] if r < n_bands - 1 else empty))  # fmt: skip
        first = r_lo + int(band.lo[r_lo])  # the band's first and last diagonal with cells
        last = r_hi - 1 + int(band.hi[r_hi - 1]) - 1
        active.append((max(0, first // span - 1), min(last, k_stop - 1) // span))
    rings = [new_ring(problem) for _ in range(n_bands)]
    local = threading.local()

    def block(r: int, k0: int, k1: int) -> None:
        if getattr(local, "cbuf", None) is None:
            local.cbuf = np.empty((group, n))
        work = (rings[r], local.cbuf, saves)
        kernel.sweep(*args, work, (k0, k1, group, save_every), rows[r])

    pool = _pool()
    _schedule(pool, block, active, workers, span, k_stop, progress, cells)


def _schedule(pool, block, active, workers, span, k_stop, progress, cells) -> None:
    """Run every block ``(r, s)`` with ``active[r][0] <= s <= active[r][1]`` once its band's
    previous span and the band above's same span are done, ``workers`` at a time, earliest
    wave (``r + s``) first."""
    from concurrent.futures import FIRST_COMPLETED, wait

    n_bands = len(active)
    next_span = [first for first, _ in active]  # the next span to submit, per band
    completed = [first - 1 for first, _ in active]  # the last span done, per band
    total = sum(last - first + 1 for first, last in active)
    running: dict = {}
    finished = 0
    while finished < total:
        busy = {r for r, _ in running.values()}
        ready = []
        for r in range(n_bands):
            s = next_span[r]
            if r in busy or s > active[r][1]:
                continue
            if r > 0 and active[r - 1][0] <= s <= active[r - 1][1] and completed[r - 1] < s:
                continue  # the band above has not finished this span yet
            ready.append((r + s, r, s))
        for _, r, s in sorted(ready)[: max(0, workers - len(running))]:
            k0 = s * span
            running[pool.submit(block, r, k0, min(k0 + span, k_stop))] = (r, s)
            next_span[r] = s + 1
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            future.result()
            r, s = running.pop(future)
            completed[r] = s
            finished += 1
        if progress is not None:
            progress(cells * finished // total, cells)
