"""Segmentation by changes of shape and rhythm: ``segment(x, cost="shape")``.

Where a stream keeps its mean and variance but changes the shape of its waves (walking,
then running; one heartbeat morphology, then another), the segment costs of
:mod:`seqalign.changepoints.costs` see nothing. This search follows ClaSP (Schäfer,
Ermshaus & Leser, CIKM 2021; Ermshaus, Schäfer & Leser, *ClaSP: parameter-free time series
segmentation*, Data Mining and Knowledge Discovery 2023):

1. **Width.** Subsequences of ``width`` frames, estimated from the data with SuSS
   (Ermshaus, Schäfer & Leser, *Window size selection in unsupervised time series
   analytics*, AALTD 2022): the smallest width whose windows' mean, standard deviation and
   range are, on average, within ``1 - 0.89`` (relative) of the whole series' (the
   narrowest window that sees the series' whole behaviour); the smallest over channels.
2. **Neighbours.** The ``k = 3`` nearest neighbours of every subsequence under the
   z-normalised Euclidean distance (summed over channels), excluding trivial matches that
   start within ``width / 2`` frames.
3. **Profile.** For each split ``s``, the subsequences left of it are one class and those
   right of it another; each is predicted the majority class of its neighbours. The
   split's score is the macro F1 of those predictions (subsequences straddling the split
   are not scored). A true change makes neighbours stay on their side: the score peaks.
4. **Search.** Binary segmentation: split a range at its profile's maximum, then each part
   again (a fresh profile over each part), best score first, segments at least
   ``min_size`` frames (default ``5 * width``, as ClaSP).
5. **How many.** With no number of changes given, a split is kept when its two sides'
   predictions differ significantly and it classifies clearly better than chance: a
   two-sided Wilcoxon rank-sum test (normal approximation, ties corrected) on one
   prediction every half width (:data:`THIN`: neighbouring subsequences overlap and their
   predictions are not independent) at level :data:`SIGNIFICANCE` (``1e-4``), and a score
   of at least :data:`MIN_SCORE` (0.6; chance is about 0.5). ClaSP tests every prediction
   at level ``1e-15`` instead, which accepts more on long series and less on short ones;
   on TSSB the thinned test found more of the true changes (benchmarks/README.md).
6. **Hidden changes.** When no split of a range passes, the halves of the range (three,
   a quarter of the range apart) are searched too, and the best of their splits that passes
   the test at a level :data:`LOCAL_STRICTNESS` times smaller is kept: a class that comes
   back (A B A B) leaves no good split of the whole, but a clean one in a half. (ClaSP's
   implementation, claspy, runs an ensemble over random sub-ranges for the same reason.)

The heavy parts are numba kernels (:mod:`seqalign._kernels.shape`): the neighbours cost
``O(n^2 d)`` per range (about ``2 n^2 d`` over the whole search), the profile ``O(n k)``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from seqalign import memory
from seqalign._kernels import shape as kernels
from seqalign.changepoints.result import Segmentation
from seqalign.errors import InputError
from seqalign.threads import resolve_jobs, run_chunks
from seqalign.units import plural
from seqalign.validation import as_frames, check_whole

__all__ = [
    "NEIGHBOURS",
    "SIGNIFICANCE",
    "estimate_width",
    "segment_shape",
    "split_profile",
    "subsequence_neighbours",
]

#: Neighbours per subsequence (ClaSP's k).
NEIGHBOURS = 3

#: Subsequences from which the neighbour search reports progress: it then runs in
#: :data:`ROUNDS` rounds of interleaved diagonals (same result, a callback between rounds).
PROGRESS_FROM = 20_000
ROUNDS = 32

#: Level of the test that keeps a split when the number of changes is not given.
SIGNIFICANCE = 1e-4

#: The test takes one prediction every ``THIN * width`` subsequences.
THIN = 0.5

#: Least score (macro F1) of a split kept when the number of changes is not given.
MIN_SCORE = 0.6

#: When no split of a range passes, the best split of its halves (three, overlapping by a
#: quarter of the range) is tested at the level divided by this: several ranges are tried
#: and the best is kept, so it needs stronger evidence.
LOCAL_STRICTNESS = 1000.0

#: Shortest segment in widths, when ``min_size`` is not given (ClaSP's exclusion radius).
MIN_WIDTHS = 5

#: SuSS: the similarity to the whole series' statistics a width must pass, and the
#: smallest width it returns (Ermshaus et al. 2022).
SUSS_THRESHOLD = 0.89
SUSS_LOWER = 10


def estimate_width(
    x: ArrayLike, *, lower: int = SUSS_LOWER, threshold: float = SUSS_THRESHOLD
) -> int:
    """The subsequence width of a series, by SuSS (summary statistics subsequence).

    Each channel is scaled to ``[0, 1]``; the SuSS score of a width ``w`` is the mean over
    its windows of the distance between (mean, standard deviation, range) of the window and
    of the whole channel, divided by ``sqrt(w)``; the similarity is ``1 - (score(w) -
    score(n - 1)) / (score(1) - score(n - 1))``. The width is the smallest ``w >= lower``
    whose similarity exceeds ``threshold`` (exponential, then binary search), the smallest
    over the channels that are not constant, and at least 3 (``lower`` when every channel
    is constant or the series is not longer than ``lower``).

    Examples
    --------
    >>> t = np.arange(2000)
    >>> 10 <= estimate_width(np.sin(2 * np.pi * t / 50)) <= 60
    True
    """
    x = as_frames(x, "x", min_frames=2, purpose="a width estimate")
    n = x.shape[0]
    widths = []
    for c in range(x.shape[1]):
        v = x[:, c]
        lo, hi = float(v.min()), float(v.max())
        if hi - lo <= 0.0 or n <= lower:  # a constant channel has no width of its own
            continue
        v = np.ascontiguousarray((v - lo) / (hi - lo))
        top = kernels.summary_mismatch(v, 1)
        bottom = kernels.summary_mismatch(v, n - 1)
        if top <= bottom:
            widths.append(lower)
            continue

        def similar(w: int, v=v, top=top, bottom=bottom) -> bool:
            return 1.0 - (kernels.summary_mismatch(v, w) - bottom) / (top - bottom) > threshold

        w = lower
        while w < n // 2 and not similar(w):
            w *= 2
        w = min(w, max(n // 2, lower))
        a = max(lower, w // 2)
        while a < w:
            mid = (a + w) // 2
            if similar(mid):
                w = mid
            else:
                a = mid + 1
        widths.append(w)
    return max(3, min(widths)) if widths else max(3, min(lower, n))


def _z_scored(x: np.ndarray) -> np.ndarray:
    std = x.std(axis=0)
    return np.ascontiguousarray((x - x.mean(axis=0)) / np.where(std > 0.0, std, 1.0))


def neighbour_bytes(n: int, d: int, width: int, jobs: int, k: int = NEIGHBOURS) -> int:
    """Bytes :func:`subsequence_neighbours` allocates for ``n`` frames of ``d`` channels."""
    m = max(n - width + 1, 1)
    return 8 * n * d + 16 * d * m + (jobs + 1) * m * k * 16 + 32 * m


def subsequence_neighbours(
    x: ArrayLike,
    width: int,
    *,
    k: int = NEIGHBOURS,
    exclusion: int | None = None,
    n_jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest neighbours of every subsequence of ``width`` frames.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_features) or (n_frames,)
    width : int
        Subsequence length, ``>= 2``.
    k : int
        Neighbours per subsequence.
    exclusion : int, optional
        Subsequences starting fewer than this many frames apart are never neighbours
        (trivial matches); default ``max(width // 2, 1)``.
    n_jobs : int, optional
        Threads (default: every CPU).
    progress : callable, optional
        Called as ``progress(done, total)`` with pairs of subsequences compared, from
        :data:`PROGRESS_FROM` subsequences on (the diagonals are then walked in
        :data:`ROUNDS` interleaved rounds; the result is the same).

    Returns
    -------
    neighbours : ndarray of int, shape (n_frames - width + 1, k)
        Start of each neighbour, nearest first (ties: the earlier); -1 where there are
        fewer than ``k`` candidates.
    correlation : ndarray, shape (n_frames - width + 1, k)
        The neighbour's correlation with the subsequence, summed over channels:
        ``sum_c (1 - D_c^2 / (2 width))`` with ``D_c`` the z-normalised Euclidean distance
        of channel ``c`` (population standard deviation; a subsequence with no spread
        correlates 0 with every other).
    """
    x = as_frames(x, "x", min_frames=2, purpose="subsequence neighbours")
    n, d = x.shape
    width = check_whole(width, "width", minimum=2)
    if width > n:
        raise InputError(f"width {width} is longer than the input ({plural(n, 'frame')})",
                         argument="width")  # fmt: skip
    k = check_whole(k, "k")
    exclusion = max(width // 2, 1) if exclusion is None else check_whole(exclusion, "exclusion")
    jobs = resolve_jobs(n_jobs)
    z = np.ascontiguousarray(_z_scored(x).T)
    m = n - width + 1
    shifted = np.empty((d, m))
    scaled = np.empty((d, m))
    for c in range(d):
        mu, sd = kernels.window_stats(z[c], width)
        inverse = np.where(sd > 1e-8, 1.0 / np.where(sd > 1e-8, sd, 1.0), 0.0)
        shifted[c] = mu * inverse
        scaled[c] = inverse / math.sqrt(width)
    parts = max(1, min(jobs, m - exclusion))
    best = np.full((parts, m, k), -np.inf)
    index = np.full((parts, m, k), -1, dtype=np.int64)
    rounds = ROUNDS if progress is not None and m >= PROGRESS_FROM else 1
    stride = parts * rounds
    total = pair_count(m, exclusion)

    def work(a: int, b: int, round_: int) -> None:
        for part in range(a, b):
            geometry = (width, exclusion, part + round_ * parts, stride)
            kernels.knn_part(z, shifted, scaled, geometry, best[part], index[part])

    for round_ in range(rounds):
        run_chunks(lambda a, b, r=round_: work(a, b, r), parts, parts)
        if progress is not None:
            progress(_pairs_on(m, exclusion, stride, round_, parts), total)
    return kernels.merge_neighbours(best, index)


def pair_count(m: int, exclusion: int) -> int:
    """Pairs of ``m`` subsequences at least ``exclusion`` starts apart: the work of one
    neighbour search."""
    far = max(m - exclusion, 0)
    return far * (far + 1) // 2


def _pairs_on(m: int, exclusion: int, stride: int, round_: int, parts: int) -> int:
    """Pairs on the diagonals walked by rounds ``0..round_`` (diagonal ``t`` holds ``m - t``)."""
    done = 0
    for r in range(round_ + 1):
        for part in range(parts):
            first = exclusion + part + r * parts
            if first < m:
                count = (m - 1 - first) // stride + 1
                last = first + (count - 1) * stride
                done += count * (2 * m - first - last) // 2
    return done


def split_profile(neighbours: np.ndarray, width: int, min_size: int | None = None) -> np.ndarray:
    """The classification score (macro F1) of every split of the subsequences whose
    ``neighbours`` are given (see :func:`seqalign._kernels.shape.split_scores`).

    Entry ``s`` scores a change at frame ``s``; splits closer than ``min_size`` frames
    (default ``5 * width``) to either end are ``-inf``.
    """
    m = neighbours.shape[0]
    n = m + width - 1
    min_size = MIN_WIDTHS * width if min_size is None else min_size
    out = np.full(m, -np.inf)
    lo, hi = min_size, min(n - min_size + 1, m)
    if hi > lo:
        out[lo:hi] = kernels.split_scores(np.ascontiguousarray(neighbours), width, lo, hi)
    return out


def rank_sum_p(left: np.ndarray, right: np.ndarray) -> float:
    """Two-sided p-value of the Wilcoxon rank-sum test of two samples of 0/1 values (normal
    approximation with the tie correction); 1 when every value is the same.

    Examples
    --------
    >>> rank_sum_p(np.zeros(30), np.ones(30)) < 1e-10
    True
    """
    n1, n2 = left.size, right.size
    n = n1 + n2
    if n1 == 0 or n2 == 0:
        return 1.0
    ones = float(left.sum() + right.sum())
    zeros = n - ones
    if ones == 0 or zeros == 0:
        return 1.0
    rank0, rank1 = (zeros + 1.0) / 2.0, zeros + (ones + 1.0) / 2.0  # mid-ranks of the ties
    r_left = (n1 - left.sum()) * rank0 + left.sum() * rank1
    ties = zeros**3 - zeros + ones**3 - ones
    var = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0.0:
        return 1.0
    z = (r_left - n1 * (n + 1) / 2.0) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2.0))


class _Work:
    """Progress of a whole shape search, in pairs of subsequences compared: each neighbour
    search reports its own pairs; the total is an estimate (twice the first search's pairs,
    as balanced binary splits cost; it grows when the search does more)."""

    def __init__(self, callback: Callable[[int, int], None] | None, first: int) -> None:
        self.callback = callback
        self.base = 0
        self.total = 2 * first

    def search(self) -> Callable[[int, int], None] | None:
        """The ``progress`` of one neighbour search."""
        if self.callback is None:
            return None

        def report(done: int, total: int) -> None:
            assert self.callback is not None
            self.total = max(self.total, self.base + total)
            self.callback(self.base + done, self.total)
            if done == total:
                self.base += total

        return report

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.base, self.base)


def _local_splits(z: np.ndarray, lo: int, hi: int, width: int, min_size: int, jobs: int,
                  work: _Work):  # fmt: skip
    """The best split of each half of ``[lo, hi)`` (three halves, starting a quarter of the
    range apart): where the whole range hides a change, as when a class comes back later
    (A B A B: no split of the whole leaves one class on each side)."""
    span = (hi - lo) // 2
    if span < 2 * min_size:
        return []
    found = (
        _best_split(z, a, a + span, width, min_size, jobs, [], work)
        for a in range(lo, hi - span + 1, max(span // 2, 1))
    )
    return [replace(s, lo=lo, hi=hi) for s in found if s is not None]


@dataclass(frozen=True)
class _Split:
    score: float
    at: int
    p_value: float
    lo: int
    hi: int


def _best_split(z: np.ndarray, lo: int, hi: int, width: int, min_size: int, jobs: int,
                top_profile: list, work: _Work):  # fmt: skip
    """The best split of frames ``[lo, hi)`` and its test, or None when none fits; the
    profile of the whole series is appended to ``top_profile``."""
    if hi - lo < 2 * min_size or hi - lo < width + 1:
        return None
    neighbours, _ = subsequence_neighbours(z[lo:hi], width, n_jobs=jobs, progress=work.search())
    profile = split_profile(neighbours, width, min_size)
    at = int(np.argmax(profile))
    if lo == 0 and hi == z.shape[0]:
        whole = np.full(hi, np.nan)
        whole[: profile.size] = np.where(np.isfinite(profile), profile, np.nan)
        top_profile.append(whole)
    if not np.isfinite(profile[at]):
        return None
    predicted = (neighbours >= at).sum(axis=1) > NEIGHBOURS / 2
    step = max(int(THIN * width), 1)
    left = predicted[:at][::-1][::step].astype(float)
    right = predicted[at:][::step].astype(float)
    return _Split(float(profile[at]), lo + at, rank_sum_p(left, right), lo, hi)


def segment_shape(
    x: ArrayLike,
    *,
    width: int | None = None,
    n_bkps: int | None = None,
    max_bkps: int | None = None,
    min_size: int | None = None,
    significance: float = SIGNIFICANCE,
    n_jobs: int | None = None,
    max_memory: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Segmentation:
    """Find where ``x`` changes shape or rhythm (see the module's notes for the method).

    Parameters
    ----------
    x : array_like, shape (n_frames, n_features) or (n_frames,)
    width : int, optional
        Subsequence width in frames, ``>= 2`` (default: estimated, :func:`estimate_width`).
    n_bkps : int, optional
        Exactly this many changes (the best-scoring splits), no test.
    max_bkps : int, optional
        At most this many changes.
    min_size : int, optional
        Shortest segment in frames (default ``5 * width``).
    significance : float
        Level of the rank-sum test that keeps a split when ``n_bkps`` is not given.
    n_jobs : int, optional
        Threads (default: every CPU).
    max_memory : int, optional
        Bytes the search may use (default: half the available memory).
    progress : callable, optional
        Called as ``progress(done, total)`` with pairs of subsequences compared, ``total``
        an estimate that may grow (the number of passes is found as the search goes).

    Returns
    -------
    Segmentation
        ``search`` is ``"clasp"`` and ``cost_name`` ``"shape"``; ``cost`` is 0 (no segment
        cost is minimised); ``params`` holds the ``width``, per change (in time order) its
        ``scores`` (macro F1) and ``p_values``, and the changes in the ``order`` they were
        found (best first: the first ``K`` are the segmentation with ``K`` changes);
        ``profile`` the classification score of a change at each frame of the whole series
        (NaN where no split is scored), which the plots draw.

    Examples
    --------
    >>> t = np.arange(3000)
    >>> x = np.where(t < 1500, np.sin(2 * np.pi * t / 40), np.sign(np.sin(2 * np.pi * t / 40)))
    >>> s = segment_shape(x + 0.05 * np.random.default_rng(0).standard_normal(3000))
    >>> s.n_bkps, abs(int(s.changepoints[0]) - 1500) < 60
    (1, True)
    """
    x = as_frames(x, "x", min_frames=2, purpose="segmentation")
    n, d = x.shape
    if width is None:  # a short series leaves no room for a change: none is found
        width = max(min(estimate_width(x), n // 2), 2)
    elif check_whole(width, "width", minimum=2) > n // 2:
        raise InputError(
            f"width {width} leaves no room for a change in {plural(n, 'frame')} (at most {n // 2})",
            argument="width",
        )
    min_size = MIN_WIDTHS * width if min_size is None else check_whole(min_size, "min_size")
    min_size = max(min_size, width)
    if not (isinstance(significance, float | int) and 0.0 < significance < 1.0):
        raise InputError(f"significance must be between 0 and 1, not {significance!r}",
                         argument="significance")  # fmt: skip
    jobs = resolve_jobs(n_jobs)
    memory.require(
        neighbour_bytes(n, d, width, jobs),
        f"the shape search over {plural(n, 'frame')} x {plural(d, 'feature')}",
        "use fewer frames or features, or a larger --max-memory",
        argument="max_memory",
        max_memory=max_memory,
    )
    limit = max(n // min_size - 1, 0)
    if n_bkps is not None:
        n_bkps = check_whole(n_bkps, "n_bkps", minimum=0)
        if n_bkps > limit:
            raise InputError(
                f"{plural(n_bkps, 'change')} {'does' if n_bkps == 1 else 'do'} not fit in "
                f"{plural(n, 'frame')} with segments of at least {min_size} frames "
                f"(at most {limit})",
                argument="n_bkps",
            )
    top = n_bkps if n_bkps is not None else limit
    if max_bkps is not None:
        top = min(top, check_whole(max_bkps, "max_bkps", minimum=0))
    z = _z_scored(x)
    work = _Work(progress, pair_count(n - width + 1, max(width // 2, 1)))
    queue: list[tuple[float, int, _Split]] = []
    top_profile: list[np.ndarray] = []

    def kept(split: _Split | None, level: float) -> bool:
        return split is not None and (
            n_bkps is not None or (split.p_value <= level and split.score >= MIN_SCORE)
        )

    def consider(lo: int, hi: int) -> None:
        split = _best_split(z, lo, hi, width, min_size, jobs, top_profile, work)
        if not kept(split, significance):
            if n_bkps is not None:
                return
            level = significance / LOCAL_STRICTNESS
            splits = _local_splits(z, lo, hi, width, min_size, jobs, work)
            local = [s for s in splits if kept(s, level)]
            if not local:
                return
            split = max(local, key=lambda s: s.score)
        heapq.heappush(queue, (-split.score, split.at, split))

    accepted: list[_Split] = []
    if top > 0:
        consider(0, n)
    while queue and len(accepted) < top:
        split = heapq.heappop(queue)[2]
        accepted.append(split)
        consider(split.lo, split.at)
        consider(split.at, split.hi)
    work.finish()
    order = [s.at for s in accepted]
    accepted.sort(key=lambda s: s.at)
    return Segmentation(
        breakpoints=np.array([*(s.at for s in accepted), n], dtype=np.int64),
        n=n,
        cost=0.0,
        penalty=None,
        search="clasp",
        cost_name="shape",
        min_size=min_size,
        jump=1,
        params={
            "width": width,
            "scores": [s.score for s in accepted],
            "p_values": [s.p_value for s in accepted],
            "order": order,
        },
        profile=top_profile[0] if top_profile else None,
    )
