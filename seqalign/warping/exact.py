"""Exact DTW solvers over a band: the full direction matrix, or linear memory.

Both run the same kernel sweep and give the same distance bit for bit; they differ in
what they keep for the backtrack.

``full``
    one byte per band cell (the winning step), then one backtrack: memory ``area`` bytes.
``linear``
    checkpoints (Hirschberg-free): the forward sweep keeps ``D`` only on the ring of the
    last ``R`` anti-diagonals and copies that ring every ``K`` diagonals. The backtrack
    then walks the blocks from the last to the first: from the cell ``(i, j)`` where the
    path leaves a block, it re-sweeps only the cells of the block that can reach
    ``(i, j)`` (rows ``<= i``, columns ``<= j``: a triangle of about ``K^2 / 2`` cells),
    starting from the block's checkpoint, with directions stored, and follows them into
    the previous block. The recomputed values are the forward pass's own (same operations,
    same order), so the path is the one the full solver returns. Memory:
    ``(n + m) R n 8 / K`` bytes of checkpoints plus ``K^2 / 2`` bytes of directions, least at
    ``K = (8 R n (n + m))^(1/3)`` (about 40 MB for 50,000 x 50,000 frames, 200 MB for
    180,000 x 180,000); time: one sweep of the band plus ``(n + m) K / 2`` cells, a few
    per cent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from seqalign.warping.steps import StepPattern
from seqalign.warping.sweeps import Problem, Progress, new_ring, sweep
from seqalign.warping.windows import Band


@dataclass(frozen=True)
class Solution:
    """What a solver found: the end column, ``D`` at the end, and the path (or None)."""

    distance: float
    normalized: float
    end: int
    path: np.ndarray | None


def normalizer(pattern: StepPattern, n: int, m_matched: np.ndarray | int):
    """The pattern's normalisation denominators for ends ``m_matched`` (None for "NA")."""
    norm = pattern.normalization
    if norm == "N+M":
        return n + m_matched
    if norm == "N":
        return n + 0 * np.asarray(m_matched)
    if norm == "M":
        return m_matched
    return None


def choose_end(last_row: np.ndarray, pattern: StepPattern, n: int, open_end: bool):
    """``(end, distance, normalized)`` from ``D[n - 1, :]``: the last column, or with an
    open end the column minimising the normalised distance (the raw one for "NA")."""
    m = last_row.shape[0]
    denominators = normalizer(pattern, n, np.arange(1, m + 1))
    if open_end:
        score = last_row if denominators is None else last_row / denominators
        end = int(np.argmin(score))
    else:
        end = m - 1
    distance = float(last_row[end])
    normalized = math.nan if denominators is None else distance / float(denominators[end])
    return end, distance, normalized


def full_path(
    problem: Problem,
    band: Band,
    pattern: StepPattern,
    open_end: bool,
    return_path: bool,
    progress: Progress | None = None,
) -> Solution:
    """Sweep storing one direction byte per band cell, then backtrack."""
    from seqalign._kernels import dtw as kernel

    dirs = np.empty(band.area if return_path else 0, dtype=np.uint8)
    last_row = np.full(problem.m, np.inf)
    sweep(problem, band, dirs=dirs, last_row=last_row, progress=progress)
    end, distance, normalized = choose_end(last_row, pattern, problem.n, open_end)
    path = None
    if return_path and math.isfinite(distance):
        out = np.empty((problem.n + problem.m + 2, 2), dtype=np.int64)
        arrays = (band.dlo, band.dhi, band.doff)
        length, *_ = kernel.backtrack(dirs, arrays, problem.pattern, problem.n - 1, end, 0, out, 0)
        path = out[:length][::-1].copy()
    return Solution(distance, normalized, end, path)


def block_size(problem: Problem) -> int:
    """Anti-diagonals per checkpoint block ``K`` that minimises the linear solver's memory."""
    n_diagonals = problem.n + problem.m - 1
    k = (8.0 * problem.ring_size * problem.n * n_diagonals) ** (1.0 / 3.0)
    return int(min(n_diagonals, max(64, round(k))))


def linear_bytes(problem: Problem) -> int:
    """Bytes the linear solver allocates beyond the inputs (checkpoints + one block)."""
    k = block_size(problem)
    n_saves = (problem.n + problem.m - 1) // k
    ring = problem.ring_size * problem.n * 8
    block = (k + problem.ring_size) ** 2 // 2 + 3 * 8 * (problem.n + problem.m)
    return n_saves * ring + block + 2 * ring + 8 * 64 * problem.n


def linear_path(
    problem: Problem,
    band: Band,
    pattern: StepPattern,
    open_end: bool,
    progress: Progress | None = None,
) -> Solution:
    """The optimal path in checkpointed linear memory (see the module docstring)."""
    from seqalign._kernels import dtw as kernel

    n, m = problem.n, problem.m
    n_diagonals = n + m - 1
    k_block = block_size(problem)
    saves = np.empty(((n_diagonals - 1) // k_block, problem.ring_size, n))
    last_row = np.full(m, np.inf)
    empty = np.empty(0, dtype=np.uint8)
    sweep(problem, band, dirs=empty, last_row=last_row, saves=saves, save_every=k_block,
          progress=progress)  # fmt: skip
    end, distance, normalized = choose_end(last_row, pattern, n, open_end)
    if not math.isfinite(distance):
        return Solution(distance, normalized, end, None)

    out = np.empty((n + m + 2, 2), dtype=np.int64)
    scratch = np.empty(m)
    length, i, j, done = 0, n - 1, end, False
    while not done:
        k = i + j
        k0 = (k // k_block) * k_block
        ring = new_ring(problem) if k0 == 0 else saves[k0 // k_block - 1].copy()
        cone = _cone(band, k0, i, j)
        dirs = np.empty(int(cone.doff[k + 1]), dtype=np.uint8)
        sweep(problem, cone, dirs=dirs, last_row=scratch, ring=ring, k_start=k0, k_stop=k + 1,
              parallel=False)  # fmt: skip
        arrays = (cone.dlo, cone.dhi, cone.doff)
        length, i, j, done = kernel.backtrack(dirs, arrays, problem.pattern, i, j, k0, out, length)
    path = out[:length][::-1].copy()
    return Solution(distance, normalized, end, path)


def _cone(band: Band, k0: int, i: int, j: int) -> Band:
    """``band`` restricted, on diagonals ``k0 .. i + j``, to the cells that can reach
    ``(i, j)`` (rows ``<= i``, columns ``<= j``); direction offsets count from ``k0``.
    Diagonals before ``k0`` keep their bounds: the kernel reads the checkpoint there."""
    k1 = i + j + 1
    dlo = band.dlo.copy()
    dhi = band.dhi.copy()
    ks = np.arange(k0, k1, dtype=np.int64)
    dlo[k0:k1] = np.maximum(band.dlo[k0:k1], ks - j)
    dhi[k0:k1] = np.maximum(np.minimum(band.dhi[k0:k1], i + 1), dlo[k0:k1])
    doff = np.zeros(band.doff.shape[0], dtype=np.int64)
    np.cumsum(dhi[k0:k1] - dlo[k0:k1], out=doff[k0 + 1 : k1 + 1])
    doff[k1 + 1 :] = doff[k1]
    return Band(lo=band.lo, hi=band.hi, dlo=dlo, dhi=dhi, doff=doff)
