"""Compile every kernel ahead of use (``seqalign warmup``), for container images and CI caches.

numba compiles a kernel the first time it runs and keeps the machine code in its on-disk
cache (``cache=True``), one entry per kernel and argument types. :func:`warm_up` runs each
part of the API on tiny inputs, over the variants that reach different kernels or argument
types: DTW with every metric, step pattern, window, open end, method and a precomputed cost
matrix, at one, two and five features; soft-DTW values (float64 and float32), gradients,
alignments, the sharp variant and divergences; pairwise matrices and nearest neighbours;
both barycenters; CTW; every segment cost with every search, CROPS and ranges of changes;
the shape search; subsequence search (z-normalised and raw, narrow and wide bands, both
local costs);
the online search (``segment --online``) on each of its costs; the follower (``seqalign
follow``) with each of its metrics, and its re-anchoring search.
Afterwards a command on any input loads its kernels from the cache instead of compiling.

Where the cache lives: :func:`seqalign.config.cache_dir`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from seqalign import config


@dataclass(frozen=True)
class WarmUp:
    """What :func:`warm_up` did."""

    compiled: int  #: kernel signatures (a kernel and its argument types) compiled
    loaded: int  #: kernel signatures loaded from numba's cache instead
    seconds: float  #: wall time
    cache_dir: str  #: where numba keeps them


def _signal(n: int, d: int, seed: int = 0) -> np.ndarray:
    """``n`` frames of noise with a change of mean every third of the way."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    x[n // 3 :] += 2.0
    x[2 * n // 3 :] -= 4.0
    return x


def _alignments() -> Iterator[Callable[[], object]]:
    from seqalign.crossmodal.ctw import ctw
    from seqalign.localcosts import KERNEL_METRICS, METRICS, cost_matrix
    from seqalign.warping.align import dtw
    from seqalign.warping.steps import STEP_PATTERNS
    from seqalign.warping.windows import WINDOWS

    x, y = _signal(12, 2), _signal(10, 2, seed=1)
    for d, metric in itertools.product((1, 2, 5), [*METRICS, *KERNEL_METRICS]):
        a, b = _signal(12, d), _signal(10, d, seed=1)
        yield lambda a=a, b=b, metric=metric: dtw(a, b, metric=metric)
        yield lambda a=a, b=b, metric=metric: dtw(a, b, metric=metric, return_path=False)
    for d, pattern in itertools.product((1, 2), STEP_PATTERNS):
        a, b = _signal(12, d), _signal(12, d, seed=1)  # equal lengths: every pattern has a path
        yield lambda a=a, b=b, pattern=pattern: dtw(a, b, step_pattern=pattern)
    for window, begin, end in itertools.product(WINDOWS, (False, True), (False, True)):
        radius = 3 if window in ("sakoechiba", "slantedband") else None
        if window == "itakura" and (begin or end):
            continue
        yield lambda w=window, r=radius, b=begin, e=end: dtw(
            x, y, window=w, radius=r, open_begin=b, open_end=e
        )
    for method in ("full", "linear", "multiscale"):
        yield lambda method=method: dtw(x, y, solver=method)
    yield lambda: dtw(x, y, solver="linear", anchors=[[4, 3]])
    yield lambda: dtw(cost=cost_matrix(x, y, "euclidean"))
    yield lambda: dtw(cost=cost_matrix(x, y, "euclidean"), return_path=False)
    yield lambda: ctw(x, _signal(10, 3, seed=2))
    for metric in (*METRICS, *KERNEL_METRICS):  # the time map's confidence, the refinement
        yield lambda metric=metric: dtw(x, y, metric=metric).time_map(x, y)
    yield lambda: _refined(x, y)


def _refined(x: np.ndarray, y: np.ndarray) -> object:
    from seqalign.warping.align import dtw
    from seqalign.warping.refine import refine

    return refine(x, y, dtw(x[::2], y[::2]).path, ratio_a=2)


def _soft() -> Iterator[Callable[[], object]]:
    from seqalign.matrix.pairwise import knn_dtw, pairwise_dtw
    from seqalign.soft.api import soft_dtw, soft_dtw_divergence
    from seqalign.soft.barycenters import BARYCENTER_METHODS, barycenter
    from seqalign.soft.pairwise import pairwise_soft_dtw

    x, y = _signal(12, 2), _signal(10, 2, seed=1)
    series = [_signal(12, 2, seed=s) for s in range(3)] + [_signal(9, 2, seed=3)]
    for d, sharp in itertools.product((1, 2), (False, True)):
        a, b = _signal(12, d), _signal(10, d, seed=1)
        yield lambda a=a, b=b, s=sharp: soft_dtw(a, b, sharp=s, gradient=True, alignment=True)
        yield lambda a=a, b=b, s=sharp: soft_dtw_divergence(a, b, sharp=s, gradient=True)
    for dtype, window in itertools.product(("float64", "float32"), (None, "sakoechiba")):
        radius = None if window is None else 3
        yield lambda t=dtype, w=window, r=radius: soft_dtw(x, y, dtype=t, window=w, radius=r)
        yield lambda t=dtype: soft_dtw_divergence(x, y, dtype=t)
        for divergence in (False, True):
            yield lambda t=dtype, v=divergence: pairwise_soft_dtw(series, divergence=v, dtype=t)
    yield lambda: soft_dtw(x, y, metric="euclidean", gradient=True)
    yield lambda: soft_dtw(cost=np.abs(x[:, :1] - y[:, 0]), gradient=True)
    yield lambda: pairwise_soft_dtw(series[:2], series[2:])
    for pattern, window in itertools.product(("symmetric1", "symmetric2"), (None, "sakoechiba")):
        radius = None if window is None else 3
        for metric in ("sqeuclidean", "euclidean", "cityblock", "cosine"):
            yield lambda p=pattern, w=window, r=radius, m=metric: pairwise_dtw(
                series, step_pattern=p, window=w, radius=r, metric=m
            )
        yield lambda p=pattern, w=window, r=radius: pairwise_dtw(
            series[:2], series[2:], step_pattern=p, window=w, radius=r
        )
        yield lambda p=pattern, w=window, r=radius: knn_dtw(
            series, k=2, step_pattern=p, window=w, radius=r
        )
        yield lambda p=pattern: knn_dtw(series[:2], series[2:], step_pattern=p, prune=False)
    for method, init in itertools.product(BARYCENTER_METHODS, ("mean", "medoid")):
        yield lambda m=method, i=init: barycenter(series, averaging=m, init=i, max_iter=2)
    yield lambda: barycenter(series, averaging="soft", divergence=True, max_iter=2)
    yield lambda: barycenter(series, averaging="soft", sharp=True, max_iter=2)


def _segmentations() -> Iterator[Callable[[], object]]:
    from seqalign.changepoints.costs import COSTS
    from seqalign.changepoints.online import ONLINE_COSTS
    from seqalign.changepoints.ranges import crops, segment_range
    from seqalign.changepoints.search import METHODS, segment

    for d, cost in itertools.product((1, 3), COSTS):
        if cost == "linear" and d == 1:
            continue  # a regression needs a column to explain and one to explain it
        x = _signal(30, d)
        for method in METHODS:
            width = 8 if method == "window" else None
            if method != "dynp":  # dynp's penalised form is below
                yield lambda x=x, c=cost, m=method, w=width: segment(x, cost=c, search=m, width=w)
            if method != "pelt":  # pelt takes a penalty only
                yield lambda x=x, c=cost, m=method, w=width: segment(
                    x, cost=c, search=m, width=w, n_bkps=2
                )
        yield lambda x=x, c=cost: segment(x, cost=c, search="dynp", penalty=5.0, max_bkps=3)
        yield lambda x=x, c=cost: segment(x, cost=c, pruning="classic", jump=2)
        yield lambda x=x, c=cost: crops(x, 1.0, 50.0, cost=c)
        yield lambda x=x, c=cost: segment_range(x, range(1, 3), cost=c)
        yield lambda x=x, c=cost: segment_range(x, range(1, 3), cost=c, search="binseg")
    for d, cost in itertools.product((1, 3), ONLINE_COSTS):
        yield lambda x=_signal(30, d), c=cost: _online(x, c)
    for d in (1, 3):
        x = np.sin(np.arange(80.0)[:, None] / (2.0 + np.arange(d))) + 0.1 * _signal(80, d)
        yield lambda x=x: segment(x, cost="shape", width=4)
        yield lambda x=x: segment(x, cost="shape", width=4, n_bkps=1)
    yield lambda: segment(_signal(200, 1), cost="shape")


def _searches() -> Iterator[Callable[[], object]]:
    from seqalign.subsequence.search import search

    for d, znorm, radius, mapped, metric in itertools.product(
        (1, 2), (True, False), (2, 16), (0, 1), ("sqeuclidean", "cityblock")
    ):
        stream = _signal(300, d)
        query = stream[100:140] + 0.1 * _signal(40, d, seed=1)
        stream.setflags(write=not mapped)  # memory-mapped .npy streams are read-only
        yield lambda q=query, s=stream, z=znorm, r=radius, c=metric: search(
            q, s, k=2, radius=r, znorm=z, metric=c
        )


def _following() -> Iterator[Callable[[], object]]:
    from seqalign.following.follower import FOLLOW_METRICS, Follower

    for metric in FOLLOW_METRICS:
        ref, live = _signal(200, 3), _signal(150, 3, seed=1)

        def follow(ref=ref, live=live, metric=metric) -> object:
            follower = Follower(ref, metric=metric, rate=10.0, window=5.0, history=2.0,
                                hold=0.5, cooldown=0.5, threshold=1.0)  # fmt: skip
            follower.update(live[:1])
            return follower.update(live[1:])

        yield follow


def _online(x: np.ndarray, cost: str) -> list[int]:
    from seqalign.changepoints.online import OnlineSegmenter

    segmenter = OnlineSegmenter(cost, penalty=5.0, max_delay=10)
    return segmenter.update(x) + segmenter.finish()


def kernel_stats() -> tuple[int, int]:
    """``(compiled, loaded)``: how many kernel signatures this process has compiled, and how
    many it has loaded from numba's cache (a kernel loaded with the kernel that calls it is
    not counted on its own)."""
    import sys

    from numba.core.dispatcher import Dispatcher

    compiled = loaded = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("seqalign._kernels.") or module is None:
            continue
        for value in vars(module).values():
            if isinstance(value, Dispatcher) and value.py_func.__module__ == name:
                compiled += sum(value.stats.cache_misses.values())
                loaded += sum(value.stats.cache_hits.values())
    return compiled, loaded


def warm_up() -> WarmUp:
    """Compile (or load from the cache) every kernel, for every argument type the API uses.

    Returns
    -------
    WarmUp
        How many kernel signatures this process compiled and loaded from the cache (counted
        since it started), how long the call took and where the cache is. A process with a
        warm cache compiles nothing.
    """
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        for task in itertools.chain(
            _alignments(), _soft(), _segmentations(), _searches(), _following()
        ):
            task()
    compiled, loaded = kernel_stats()
    seconds = time.perf_counter() - started
    return WarmUp(compiled, loaded, seconds, str(config.cache_dir()))
