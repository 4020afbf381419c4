"""Exact top-k subsequence search under DTW: :func:`search` and :class:`StreamSearch`.

The distance between the query ``q`` (``m`` frames, ``d`` features) and the window
``s[t:t + m]`` of a stream is DTW with a local cost summed over the features (dependent DTW)
and symmetric1 steps in a Sakoe-Chiba band of ``radius`` frames::

    D[i, j] = C[i, j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1])
    C[i, j] = sum_f (q[i, f] - x[j, f]) ** 2     (metric="sqeuclidean", the default)
    C[i, j] = sum_f |q[i, f] - x[j, f]|          (metric="cityblock")

for ``|i - j| <= radius``, ``D[0, 0] = C[0, 0]``, distance ``D[m - 1, m - 1]``, not
square-rooted (for sqeuclidean, the square of dtaidistance's ``distance`` with ``window =
radius + 1``); ``seqalign.dtw(q, x, metric=metric, window="sakoechiba", radius=radius)``.
With ``znorm`` (the default), ``q`` and every window are z-normalised per feature first,
each with its own mean and population standard deviation; a feature whose standard
deviation is below ``1e-8`` is constant there and normalises to zeros.

Local costs (:data:`METRICS`): the cascade's bounds (:mod:`seqalign._kernels.ucr`) need a
cost that is a sum over features of a term that grows with ``|q - x|``, so that a frame's
cost to any frame inside an envelope's box is at least its cost to the box; LB_Kim,
LB_Keogh both ways, LB_Improved and the cumulative bound of early abandoning then all hold,
and they are implemented for the two such costs above. ``warp``'s other costs are refused:
cosine and the polynomial kernel depend on the frames' directions and magnitudes, not on
each feature's difference, so the nearest point of an envelope is not the cheapest one and
LB_Keogh would prune true matches; euclidean (the square root of the sum) and the rbf
kernel grow with the differences and would admit the bounds, but are not implemented (with
one feature, euclidean is cityblock); linear is sqeuclidean.

Matches: the windows sorted by ``(distance, stream, start)`` are taken greedily; a window is
accepted unless its start is less than ``exclusion`` frames from the start of an accepted
window of the same stream (a better one, by the order). The first ``k`` accepted are
returned; with ``max_distance``, every accepted window whose distance is at most
``max_distance`` (at most ``k`` when ``k`` is given too). ``exclusion = 0`` accepts every
window. This is exactly what the naive loop over every window would return (ties included);
the search reaches it with the UCR Suite's cascade of lower bounds and early abandoning
(Rakthanmanon et al., KDD 2012), whose pruning is made safe for the exclusion zone as the
kernel module explains.

Streams larger than memory are fed frame blocks by frame blocks to a :class:`StreamSearch`
(any block sizes give the same bits as one array); :func:`search` does so for arrays,
memory-mapped ones included, one stream after the other.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seqalign.errors import InputError
from seqalign.threads import resolve_jobs, run_chunks
from seqalign.validation import as_frames, check_whole

__all__ = ["COUNTERS", "METRICS", "SearchResult", "StreamSearch", "parse_metric", "parse_radius",
           "search"]  # fmt: skip

#: Names of the pruning counters of :attr:`SearchResult.stats`, in the kernel's order.
COUNTERS = ("windows", "lb_kim", "lb_keogh_eq", "lb_keogh_ec", "lb_improved", "dtw_abandoned",
            "dtw_full")  # fmt: skip
#: The local costs the search offers (those its lower bounds are implemented for): name ->
#: the cost between frames ``a`` and ``b``.
METRICS = {"sqeuclidean": "(a - b) ** 2 summed over features",
           "cityblock": "|a - b| summed over features"}  # fmt: skip
#: Windows per piece of work (a multiple of the kernel's block): the unit of threading.
PIECE = 64 * 1024
#: Frames fed at once by :func:`search` (bounded memory for memory-mapped streams).
FEED = 1 << 22
#: Candidates kept before they are filtered against the current threshold.
MAX_PENDING = 1 << 20


@dataclass(frozen=True)
class SearchResult:
    """The matches of a query, best first.

    Attributes
    ----------
    start : ndarray of int64, shape (n,)
        First frame of each match in its stream.
    end : ndarray of int64, shape (n,)
        One past its last frame (``start + query_length``: exclusive, as Python slices).
    distance : ndarray of float64, shape (n,)
        DTW distance (with the local cost :attr:`metric`, not square-rooted), ascending.
    stream : ndarray of int64, shape (n,)
        Index of the stream of each match.
    query_length, radius, exclusion : int
        The query's frames, the band's half-width and the exclusion zone, in frames.
    znorm : bool
        Whether windows and query were z-normalised.
    stats : dict
        Pruning counters (:data:`COUNTERS`): windows seen, pruned by each bound, DTWs
        abandoned and run to the end.
    metric : str
        The local cost: ``"sqeuclidean"`` or ``"cityblock"`` (:data:`METRICS`).
    """

    start: np.ndarray
    end: np.ndarray
    distance: np.ndarray
    stream: np.ndarray
    query_length: int
    radius: int
    exclusion: int
    znorm: bool
    stats: dict[str, int] = field(default_factory=dict)
    metric: str = "sqeuclidean"

    def __len__(self) -> int:
        return int(self.start.shape[0])


def parse_radius(radius: int | str | None, m: int) -> int:
    """The band's half-width in frames: ``None`` (no band: ``m - 1``), whole frames, or a
    percentage of the query length ``"5%"`` (rounded down, as the UCR Suite's ``R * m``).

    Examples
    --------
    >>> parse_radius("5%", 128), parse_radius(3, 128), parse_radius(None, 10)
    (6, 3, 9)
    """
    if radius is None:
        return m - 1
    if isinstance(radius, str):
        text = radius.strip()
        try:
            percent = float(text.removesuffix("%")) if text.endswith("%") else math.nan
        except ValueError:
            percent = math.nan
        if not (0.0 <= percent <= 100.0):
            raise InputError(
                f"radius {radius!r}: give frames (a whole number >= 0) or a percentage of the "
                "query length from 0% to 100%",
                argument="radius",
            )
        return min(m - 1, math.floor(percent * m / 100.0 + 1e-9))
    return min(m - 1, check_whole(radius, "radius", minimum=0))


def parse_metric(metric: Any) -> str:
    """The local cost's name, lower-cased, or :class:`InputError` naming ``metric`` unless it
    is one of :data:`METRICS`.

    Examples
    --------
    >>> parse_metric("CityBlock")
    'cityblock'
    """
    name = metric.strip().lower() if isinstance(metric, str) else None
    if name not in METRICS:
        raise InputError(
            f"metric {metric!r}: search takes {' or '.join(METRICS)} only, the local costs "
            "its lower bounds are implemented for",
            argument="metric",
        )
    return name


def _znormalise(x: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    flat = std < 1e-8
    return np.where(flat, 0.0, (x - mean) / np.where(flat, 1.0, std))


class StreamSearch:
    """An exact top-k DTW search fed with consecutive blocks of frames of one or more streams.

    Parameters are those of :func:`search`. Call :meth:`feed` with the frames of the first
    stream in order (blocks of any sizes), :meth:`next_stream` between streams, and
    :meth:`result` at the end. Only ``query length - 1`` frames are kept between blocks.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.linspace(0, 20, 400))
    >>> s = StreamSearch(x[50:80], k=1, radius=2, exclusion=10)
    >>> for block in np.array_split(x, 7):
    ...     s.feed(block)
    >>> int(s.result().start[0]) in (50, 50 + 157, 50 + 314)
    True
    """

    def __init__(
        self,
        query: ArrayLike,
        *,
        k: int | None = None,
        radius: int | str | None = None,
        znorm: bool = True,
        exclusion: int | None = None,
        max_distance: float | None = None,
        n_jobs: int | None = None,
        metric: str = "sqeuclidean",
    ) -> None:
        from seqalign._kernels.ucr import envelope

        q = as_frames(query, "query", min_frames=2, purpose="a search")
        m, d = q.shape
        self.m, self.d = m, d
        self.radius = parse_radius(radius, m)
        self.exclusion = (
            m // 2 if exclusion is None else check_whole(exclusion, "exclusion", minimum=0)
        )
        number = isinstance(max_distance, (int, float, np.integer, np.floating))
        if max_distance is not None and (
            isinstance(max_distance, bool)
            or not (number and math.isfinite(max_distance) and max_distance >= 0)
        ):
            raise InputError(
                f"max_distance must be a finite number >= 0, got {max_distance!r}",
                argument="max_distance",
            )
        self.max_distance = None if max_distance is None else float(max_distance)
        if k is None:
            self.k = 1 if max_distance is None else 0  # 0: every match under max_distance
        else:
            self.k = check_whole(k, "k", minimum=1)
        self.znorm = bool(znorm)
        self.metric = parse_metric(metric)
        self.jobs = resolve_jobs(n_jobs)
        qz = _znormalise(q) if self.znorm else q
        upper, lower = np.empty_like(qz), np.empty_like(qz)
        envelope(qz, self.radius, upper, lower)
        l1 = self.metric == "cityblock"
        size = np.abs(qz).sum(axis=1) if l1 else (qz * qz).sum(axis=1)
        order = np.argsort(-size, kind="stable").astype(np.int64)
        self._query = (np.ascontiguousarray(qz), upper, lower, order)
        limit = np.inf if self.max_distance is None else self.max_distance
        self._settings = (self.radius, self.exclusion, self.k, self.znorm, limit, l1)
        self._tau = np.inf
        self._lock = threading.Lock()
        self._found: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._pending = 0
        self._counts = np.zeros(len(COUNTERS), np.int64)
        self._stream = 0
        self._buffer = np.empty((0, d))
        self._base = 0  # global frame of self._buffer[0]
        self.frames = 0  # frames fed, every stream

    # -- feeding ---------------------------------------------------------------------------

    def feed(self, frames: ArrayLike) -> None:
        """Append ``frames`` (``(n, d)``, or 1-D for one feature) to the current stream and
        search every window that is complete (up to a block boundary)."""
        block = np.asarray(frames, dtype=np.float64)
        if block.ndim == 1 and self.d == 1:
            block = block[:, None]
        if block.ndim != 2 or block.shape[1] != self.d:
            raise InputError(
                f"stream {self._stream} has shape {block.shape}; the query has {self.d} "
                "feature(s) per frame",
                argument="stream",
            )
        if block.shape[0] == 0:
            return
        bad = ~np.isfinite(block)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            what = "a NaN" if np.isnan(block[row, col]) else "an infinite"
            at = self._base + self._buffer.shape[0] + int(row)
            raise InputError(
                f"stream {self._stream} has {what} value at frame {at}, feature {col}",
                argument="stream",
            )
        self.frames += block.shape[0]
        self._buffer = np.concatenate([self._buffer, block]) if self._buffer.size else block
        from seqalign._kernels.ucr import BLOCK

        windows = self._buffer.shape[0] - self.m + 1
        ready = (windows // BLOCK) * BLOCK
        if ready >= PIECE:
            self._scan(ready)

    def next_stream(self) -> None:
        """Finish the current stream; the next :meth:`feed` starts stream ``index + 1``."""
        self._scan(max(0, self._buffer.shape[0] - self.m + 1))
        self._stream += 1
        self._buffer = np.empty((0, self.d))
        self._base = 0

    def _scan(self, windows: int) -> None:
        """Search the first ``windows`` windows of the buffer and drop their frames."""
        if windows <= 0:
            return
        from seqalign._kernels.ucr import search_segment

        buffer, base, stream = self._buffer, self._base, self._stream
        pieces = [(a, min(windows, a + PIECE)) for a in range(0, windows, PIECE)]

        def work(first: int, stop: int) -> None:
            for a, b in pieces[first:stop]:
                seg = buffer[a : b + self.m - 1]
                starts, dists, tau, counts = search_segment(
                    seg, base + a, self._query, self._settings, self._tau
                )
                with self._lock:
                    self._tau = min(self._tau, tau)
                    self._counts += counts
                    if starts.size:
                        self._found.append((stream, starts, dists))
                        self._pending += starts.size

        run_chunks(work, len(pieces), min(self.jobs, len(pieces)))
        self._buffer = self._buffer[windows:]
        self._base += windows
        if self._pending > MAX_PENDING:
            self._found = list(self._candidates())
            self._pending = sum(s.size for _, s, _ in self._found)

    # -- the result ------------------------------------------------------------------------

    def _candidates(self):
        from seqalign._kernels.ucr import SLACK

        thr = self._tau * SLACK
        for stream, starts, dists in self._found:
            keep = dists <= thr
            if keep.any():
                yield stream, starts[keep], dists[keep]

    def result(self) -> SearchResult:
        """The matches (finishing the current stream)."""
        if self._buffer.shape[0]:
            self.next_stream()
        found = list(self._candidates())
        found.append((0, np.empty(0, np.int64), np.empty(0)))
        starts = np.concatenate([s for _, s, _ in found])
        dists = np.concatenate([d for _, _, d in found])
        streams = np.concatenate([np.full(s.size, i, np.int64) for i, s, _ in found])
        if self.max_distance is not None:
            keep = dists <= self.max_distance
            starts, dists, streams = starts[keep], dists[keep], streams[keep]
        order = np.lexsort((starts, streams, dists))
        chosen: list[int] = []
        taken: dict[int, list[int]] = {}
        for idx in order.tolist():
            t, s = int(starts[idx]), int(streams[idx])
            accepted = taken.setdefault(s, [])
            p = bisect.bisect_left(accepted, t)
            near = (p < len(accepted) and accepted[p] - t < self.exclusion) or (
                p > 0 and t - accepted[p - 1] < self.exclusion
            )
            if near:
                continue
            accepted.insert(p, t)
            chosen.append(idx)
            if self.k and len(chosen) == self.k:
                break
        pick = np.asarray(chosen, dtype=np.int64)
        start = starts[pick].astype(np.int64)
        return SearchResult(
            start=start,
            end=start + self.m,
            distance=dists[pick].astype(np.float64),
            stream=streams[pick].astype(np.int64),
            query_length=self.m,
            radius=self.radius,
            exclusion=self.exclusion,
            znorm=self.znorm,
            stats=dict(zip(COUNTERS, map(int, self._counts))),
            metric=self.metric,
        )


def search(
    query: ArrayLike,
    stream: ArrayLike | Sequence[ArrayLike],
    *,
    k: int | None = None,
    radius: int | str | None = None,
    znorm: bool = True,
    exclusion: int | None = None,
    max_distance: float | None = None,
    n_jobs: int | None = None,
    metric: str = "sqeuclidean",
) -> SearchResult:
    """The ``k`` best non-overlapping DTW matches of ``query`` in ``stream`` (exact).

    Parameters
    ----------
    query : array_like, shape (m,) or (m, d)
        The pattern, time first (at least 2 frames).
    stream : array_like, shape (n,) or (n, d), or a list of them
        Where to look: one array (memory-mapped ones are read a block at a time), or a list
        or tuple of streams (:attr:`SearchResult.stream` says which). A stream shorter than
        the query has no window.
    k : int, optional
        Matches to return [default: 1; with ``max_distance``, every match under it].
    radius : int or str, optional
        Sakoe-Chiba half-width in frames, or a percentage of the query length (``"5%"``,
        rounded down) [default: none, unconstrained DTW].
    znorm : bool
        z-normalise the query and every window per feature (default), or compare raw values.
    exclusion : int, optional
        A window whose start is less than this many frames from a better match's is not a
        match [default: ``m // 2``]; 0 allows overlapping matches.
    max_distance : float, optional
        Return every match whose distance is at most this instead of the ``k`` best.
    n_jobs : int, optional
        Threads [default: every CPU, :func:`seqalign.threads.cpu_count`].
    metric : {"sqeuclidean", "cityblock"}
        The local cost between frames: ``(a - b) ** 2`` or ``|a - b|``, summed over
        features. Only these two: the lower bounds need a cost that grows with each
        feature's ``|a - b|`` (cosine and the polynomial kernel do not; euclidean and rbf
        do but are not implemented; linear is sqeuclidean), see
        :mod:`seqalign.subsequence.search`.

    Returns
    -------
    SearchResult
        ``start``, ``end`` (exclusive), ``distance`` (ascending; DTW with the local cost
        ``metric``, not square-rooted), ``stream`` and the pruning counters.

    Notes
    -----
    The definitions (distance, normalisation, greedy exclusion) are in
    :mod:`seqalign.subsequence.search`. The cascade is the UCR Suite's (Rakthanmanon et al.,
    "Searching and mining trillions of time series subsequences under dynamic time warping",
    KDD 2012), with envelopes by Lemire's streaming maximum-minimum filter (Nordic Journal
    of Computing 2006; as in Lemire, Pattern Recognition 2009).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.zeros(20), np.sin(np.linspace(0, 3, 12)), np.zeros(20)]
    >>> found = search(x[20:32] + 0.1, x, k=2, radius=1, znorm=False)
    >>> found.start.tolist(), found.end.tolist()
    ([20, 14], [32, 26])
    """
    streams = list(stream) if isinstance(stream, (list, tuple)) else [stream]
    if not streams:
        raise InputError("stream is an empty list: give at least one stream", argument="stream")
    searcher = StreamSearch(query, k=k, radius=radius, znorm=znorm, exclusion=exclusion,
                            max_distance=max_distance, n_jobs=n_jobs, metric=metric)  # fmt: skip
    for index, s in enumerate(streams):
        if index:
            searcher.next_stream()
        arr: Any = s if isinstance(s, np.ndarray) else np.asarray(s, dtype=np.float64)
        for a in range(0, arr.shape[0], FEED):
            searcher.feed(arr[a : a + FEED])
    return searcher.result()
