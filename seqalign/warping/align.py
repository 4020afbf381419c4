"""Dynamic time warping: the Python API (validate, prepare, call the kernel, wrap the result).

``seqalign.dtw`` computes the exact DTW distance between two sequences and, unless asked
not to, the optimal warping path, with any step pattern of :mod:`seqalign.warping.steps`, any
window of :mod:`seqalign.warping.windows`, and open begin/end for subsequence search. Memory is
``O(n + m)`` for the distance and one byte per window cell for the path; no ``n x m``
float matrix is ever built (pass ``cost=`` to use a matrix of your own).

References: Sakoe & Chiba (1978); Rabiner & Juang (1993); Giorgino (2009), whose
dtw-python numbers ``distance`` and ``normalized_distance`` equal; Müller (2015),
*Fundamentals of Music Processing*, ch. 3.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seqalign.errors import InputError, NoPathError
from seqalign.localcosts import bind_metric, metric_code, prepare, resolve_metric
from seqalign.units import plural
from seqalign.validation import as_frames, check_finite, check_whole
from seqalign.warping.steps import StepPattern, get_step_pattern
from seqalign.warping.windows import (
    anchor_ranges,
    check_anchors,
    make_band,
    path_ranges,
    resolve_window,
)


@dataclass(frozen=True)
class Alignment:
    """The result of :func:`dtw`.

    Attributes
    ----------
    distance : float
        Accumulated cost ``D[n - 1, end]`` of the optimal path (not normalised).
    normalized_distance : float
        ``distance`` divided by the step pattern's normalisation: ``n + m`` ("N+M"),
        ``n`` ("N"), ``m`` ("M"), NaN for patterns without one ("NA"). With an open end
        the denominator uses the matched length of ``y`` (``end + 1`` for ``m``), as
        dtw-python does.
    path : ndarray of int64, shape (L, 2), or None
        Matched index pairs ``(i, j)`` from start to end; None when ``return_path=False``.
    n, m : int
        Lengths of ``x`` and ``y`` (or the cost matrix's shape).
    start, end : int
        First and last matched frame of ``y`` (0 and ``m - 1`` unless open begin/end).
    solver : str
        The solver that found the path (``full``, ``linear`` or ``multiscale``);
        ``solver_reason`` says why it was chosen.
    agreement : dict or None
        For a verified multiscale path: its agreement with the exact path
        (:func:`seqalign.warping.multiscale.path_agreement`) and the exact distance.
    """

    distance: float
    normalized_distance: float
    path: np.ndarray | None
    n: int
    m: int
    start: int
    end: int
    metric: str
    step_pattern: str
    window: str
    radius: int | None
    open_begin: bool
    open_end: bool
    cells: int = field(default=0, repr=False)
    solver: str = "full"
    solver_reason: str = field(default="", repr=False)
    agreement: dict | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable metadata (everything but the path; NaN becomes None)."""
        norm = self.normalized_distance
        return {
            "distance": self.distance,
            "normalized_distance": None if math.isnan(norm) else norm,
            "n": self.n,
            "m": self.m,
            "start": self.start,
            "end": self.end,
            "metric": self.metric,
            "step_pattern": self.step_pattern,
            "window": self.window,
            "radius": self.radius,
            "open_begin": self.open_begin,
            "open_end": self.open_end,
            "path_length": None if self.path is None else int(self.path.shape[0]),
            "solver": self.solver,
            "agreement": self.agreement,
        }

    def time_map(
        self,
        x: ArrayLike | None = None,
        y: ArrayLike | None = None,
        *,
        rate_a: float | None = None,
        rate_b: float | None = None,
        start_a: float = 0.0,
        start_b: float = 0.0,
        interpolation: str = "runs",
        guard: int | None = None,
        reach: int | None = None,
    ):
        """For each frame of A, the matching time in B and, given the features, the
        confidence of the match (:mod:`seqalign.warping.timemap`).

        Parameters
        ----------
        x, y : array_like, shape (n, d) and (m, d), optional
            The features the path was found on; with them, :attr:`TimeMap.confidence
            <seqalign.warping.timemap.TimeMap>` is computed with :attr:`metric`.
        rate_a, rate_b : float, optional
            Frame rates; None gives times in frames.
        start_a, start_b : float
            Time of frame 0 of each sequence.
        interpolation : str
            ``runs`` (piecewise linear through the middle of each run of the path:
            sub-frame times), ``steps`` (the mean column of each row, as :func:`time_map`) or
            ``pauses`` (``runs``, but a row matched with more than
            :data:`~seqalign.warping.timemap.PAUSE_RUN_S` seconds of B, else
            :data:`~seqalign.warping.timemap.PAUSE_RUN` frames, maps to the last of them).
        guard, reach : int, optional
            Of the confidence, in frames of B (default
            :data:`~seqalign.warping.timemap.CONFIDENCE_GUARD` and ``CONFIDENCE_REACH``).

        Returns
        -------
        TimeMap

        Examples
        --------
        >>> a = dtw([0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0])
        >>> a.time_map().b_times.tolist()
        [0.5, 2.0, 3.0]
        """
        from seqalign.warping import timemap as tm

        if self.path is None:
            raise InputError("this alignment has no path (return_path=False)", argument="path")
        resume = tm.PAUSE_RUN if rate_b is None else max(1, round(tm.PAUSE_RUN_S * rate_b))
        index = tm.time_map_index(self.path, self.n, interpolation, resume)
        frames = np.arange(self.n, dtype=np.float64)
        a_times = start_a + (frames if rate_a is None else frames / rate_a)
        b_times = start_b + (index if rate_b is None else index / rate_b)
        conf = None
        if x is not None and y is not None:
            xa, ya = _as_frames(x, "x"), _as_frames(y, "y")
            guard = tm.CONFIDENCE_GUARD if guard is None else guard
            reach = tm.CONFIDENCE_REACH if reach is None else reach
            conf = tm.confidence(xa, ya, self.path, self.metric, guard=guard, reach=reach)
        return tm.TimeMap(a_times, b_times, conf)


def _as_frames(a: ArrayLike, name: str) -> np.ndarray:
    """A validated, time-first float64 array ``(frames, features)`` of at least 2 frames."""
    return as_frames(a, name, min_frames=2, purpose="DTW")


def _prepare_inputs(x, y, cost, metric):
    if cost is not None:
        if x is not None or y is not None:
            raise InputError("give either x and y, or cost, not both", argument="cost")
        c = np.asarray(cost, dtype=np.float64)
        if c.ndim != 2 or min(c.shape) < 1 or max(c.shape) < 2:
            raise InputError(f"cost must be an (n, m) matrix, got shape {c.shape}", argument="cost")
        check_finite(c, "cost")
        if (c < 0).any():
            raise InputError("cost has negative entries; local costs must be >= 0", argument="cost")
        empty = np.empty((0, 0))
        return None, None, (empty, empty, np.ascontiguousarray(c), metric_code("precomputed"))
    if x is None or y is None:
        raise InputError("dtw needs x and y (or a cost matrix)", argument="x" if x is None else "y")
    xa = _as_frames(x, "x")
    ya = _as_frames(y, "y")
    if xa.shape[1] != ya.shape[1]:
        raise InputError(
            f"y has {plural(ya.shape[1], 'feature')} per frame but x has {xa.shape[1]}; "
            "both inputs need the same features",
            argument="y",
        )
    xt, yr = prepare(xa, ya, metric)
    return xa, ya, (xt, yr, np.empty((0, 0)), metric_code(metric))


def _bound_metric(x, y, cost, metric: str) -> str:
    """The metric with its data-dependent defaults (rbf's gamma) fixed from both inputs, so
    that every level of a multiscale alignment uses the same local cost."""
    if cost is not None or x is None or y is None:
        return metric
    xa, ya = _as_frames(x, "x"), _as_frames(y, "y")
    if xa.shape[1] != ya.shape[1]:
        return metric  # _prepare_inputs says so
    return bind_metric(metric, xa, ya)


def dtw(
    x: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    cost: ArrayLike | None = None,
    metric: str = "euclidean",
    step_pattern: str | StepPattern = "symmetric1",
    window: str | None = None,
    radius: int | None = None,
    open_begin: bool = False,
    open_end: bool = False,
    return_path: bool = True,
    solver: str = "auto",
    max_memory: int | None = None,
    anchors: ArrayLike | None = None,
    multiscale_radius: int | None = None,
    time_limit: float | None = None,
    verify: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Alignment:
    """Exact dynamic time warping of ``x`` against ``y``.

    The accumulated cost follows the step pattern's recurrence (see
    :mod:`seqalign.warping.steps`); for the default ``symmetric1``::

        D[i, j] = C[i, j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1]),   D[0, 0] = C[0, 0]

    which is librosa's, tslearn's and dtaidistance's DTW (with ``metric="sqeuclidean"``
    the last two report the square root of ``distance``). It has no normalisation
    (``normalized_distance`` is NaN); it also aligns recordings best in our measurements
    (benchmarks/FEATURES.md). dtw-python's default is ``symmetric2`` (diagonal weight 2,
    ``normalized_distance = distance / (n + m)``); every dtw-python pattern gives the same
    numbers here.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        Query, time-first.
    y : array_like, shape (m,) or (m, d)
        Reference, time-first, with the same ``d``.
    cost : array_like, shape (n, m), optional
        A precomputed local cost matrix (non-negative), instead of ``x`` and ``y``.
    metric : str
        Local cost, a name from :data:`seqalign.localcosts.METRICS` (default euclidean).
    step_pattern : str or StepPattern
        A name from :data:`seqalign.warping.steps.STEP_PATTERNS` (default symmetric1).
    window : str, optional
        ``none``, ``sakoechiba``, ``slantedband`` or ``itakura`` (see
        :mod:`seqalign.warping.windows`); a ``radius`` alone means ``slantedband``.
    radius : int, optional
        Half-width of the band, in frames of ``y``.
    open_begin, open_end : bool
        Let the path start (end) at any frame of ``y``: subsequence alignment, ``x``
        matched entirely inside ``y``. With an open end the end frame minimises the
        normalised distance (the raw distance for patterns without normalisation).
    return_path : bool
        False computes the distance only, in ``O(n + m)`` memory.
    solver : str
        How to find the path (:data:`seqalign.warping.planner.METHODS`): ``full`` (exact, one byte
        per band cell), ``linear`` (exact, the same path, checkpointed memory of about
        ``8 R n (n + m) / K + K^2 / 2`` bytes, ``K = (8 R n (n + m))^(1/3)``), ``multiscale``
        (approximate coarse-to-fine, linear time and memory), or ``auto`` (default): full
        when it fits ``max_memory``, else linear when it fits and is estimated under
        ``time_limit``, else multiscale. :attr:`Alignment.solver_reason` says why.
    max_memory : int, optional
        Byte budget; default half of the available physical memory.
    anchors : array_like of int, shape (k, 2), optional
        Pairs of frames ``(i, j)`` the path must pass through (any method), increasing
        strictly in both coordinates.
    time_limit : float, optional
        With ``solver="auto"``: the longest estimated time, in seconds, for which the exact
        linear-memory path is taken when the full one does not fit (default
        :data:`seqalign.warping.planner.LINEAR_TIME_LIMIT`, 300 s); beyond it, multiscale.
    multiscale_radius : int, optional
        Half-width in frames of the band around the projected path at each level of the
        multiscale method (default :data:`seqalign.warping.multiscale.DEFAULT_RADIUS`).
    verify : bool, optional
        With the multiscale method, also compute the exact path (linear memory) and report
        in :attr:`Alignment.agreement` the fraction of points within 2 frames of it. By
        default (None) this is done whenever the exact path is affordable: it fits the
        budget and is estimated to take under
        :data:`seqalign.warping.planner.VERIFY_TIME_LIMIT` seconds.
    progress : callable, optional
        Called as ``progress(done, total)`` while large alignments run.

    Returns
    -------
    Alignment

    Raises
    ------
    InputError
        Bad input or option; :class:`NoPathError` when the window and step pattern admit
        no path, :class:`MemoryBudgetError` when the path would not fit the budget.

    Examples
    --------
    >>> a = dtw([0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0], metric="sqeuclidean")
    >>> a.distance, a.path.tolist()
    (0.0, [[0, 0], [0, 1], [1, 2], [2, 3]])
    """
    from seqalign.warping import planner as methods
    from seqalign.warping.exact import full_path, linear_path
    from seqalign.warping.sweeps import Problem

    metric_name = "precomputed" if cost is not None else resolve_metric(metric)
    pattern = get_step_pattern(step_pattern)
    window_name, radius = resolve_window(window, radius)
    method = methods.resolve_method(solver)
    if multiscale_radius is not None:
        multiscale_radius = check_whole(multiscale_radius, "multiscale_radius", what="frames")
    if open_begin and pattern.normalization not in ("N", "NA"):
        raise InputError(
            f"open_begin needs a step pattern normalised by n (e.g. asymmetric or symmetric1); "
            f"{pattern.name} is normalised by {pattern.normalization}",
            argument="step_pattern",
        )
    metric_name = _bound_metric(x, y, cost, metric_name)
    xa, ya, prepared = _prepare_inputs(x, y, cost, metric_name)
    n, m = (xa.shape[0], ya.shape[0]) if xa is not None else prepared[2].shape
    anchors = check_anchors(anchors, n, m)
    lo, hi = path_ranges(window_name, n, m, radius, open_begin=open_begin, open_end=open_end)
    for ai, aj in anchors if anchors is not None else ():
        if not lo[ai] <= aj < hi[ai]:
            raise InputError(
                f"anchor ({ai}, {aj}) lies outside the {window_name} window"
                + (f" of radius {radius}" if radius is not None else "")
                + f" (row {ai} spans columns {lo[ai]}-{hi[ai] - 1}); widen it or move the anchor",
                argument="anchors",
            )
    lo, hi = anchor_ranges(lo, hi, anchors)
    band = make_band(lo, hi, m)
    problem = Problem(*prepared, n, m, pattern.arrays(), open_begin)
    limit = methods.LINEAR_TIME_LIMIT if time_limit is None else methods.check_time(time_limit)
    choice = methods.choose(method, problem, band, return_path, max_memory, limit)
    if choice.solver == "multiscale" and xa is None:
        raise InputError(
            "the multiscale solver needs x and y, not a cost matrix", argument="solver"
        )

    def make_problem(a: np.ndarray, b: np.ndarray) -> Problem:
        xt, yr = prepare(a, b, metric_name)
        return Problem(xt, yr, np.empty((0, 0)), metric_code(metric_name), a.shape[0],
                       b.shape[0], pattern.arrays(), open_begin)  # fmt: skip

    agreement = None
    if choice.solver == "full":
        solution = full_path(problem, band, pattern, open_end, return_path, progress)
    elif choice.solver == "linear":
        solution = linear_path(problem, band, pattern, open_end, progress)
    else:
        from seqalign.warping.multiscale import DEFAULT_RADIUS, multiscale_path, path_agreement

        solution = multiscale_path(xa, ya, make_problem, pattern, (lo, hi), open_end=open_end,
                                   anchors=anchors, radius=multiscale_radius or DEFAULT_RADIUS,
                                   progress=progress)  # fmt: skip
        if verify is None:
            verify = methods.affordable("linear", problem, band, max_memory)
        if verify and solution.path is not None:
            exact = linear_path(problem, band, pattern, open_end)
            agreement = path_agreement(solution.path, exact.path)
            agreement["exact_distance"] = exact.distance
    distance = solution.distance
    if not math.isfinite(distance):
        fault = "radius" if radius is not None else "step_pattern"
        raise NoPathError(
            f"no warping path for lengths {n} x {m} under step pattern {pattern.name} "
            f"and the {window_name} window"
            + (f" of radius {radius}" if radius else "")
            + (" through the anchors" if anchors is not None else "")
            + "; widen the window or use another step pattern",
            argument=fault,
        )
    path = solution.path if return_path else None
    return Alignment(
        distance=distance,
        normalized_distance=solution.normalized,
        path=path,
        n=n,
        m=m,
        start=0 if path is None else int(path[0, 1]),
        end=solution.end,
        metric=metric_name,
        step_pattern=pattern.name,
        window=window_name,
        radius=radius,
        open_begin=open_begin,
        open_end=open_end,
        cells=band.area,
        solver=choice.solver,
        solver_reason=choice.reason,
        agreement=agreement,
    )


def time_map(
    path: np.ndarray,
    n: int,
    *,
    rate_a: float | None = None,
    rate_b: float | None = None,
    start_a: float = 0.0,
    start_b: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """For each frame of A, the matching time in B (monotone non-decreasing).

    Frames of A matched to several frames of B take the mean of those frames; frames the
    path skips are interpolated; the result is made monotone with a running maximum.

    Parameters
    ----------
    path : ndarray of int, shape (L, 2)
        A warping path from :func:`dtw`.
    n : int
        Number of frames of A.
    rate_a, rate_b : float, optional
        Frame rates in frames per second; None gives times in frames.
    start_a, start_b : float
        Time of frame 0 of each sequence.

    Returns
    -------
    a_times, b_times : ndarray, shape (n,)

    Examples
    --------
    >>> time_map(np.array([[0, 0], [1, 1], [1, 2], [2, 3]]), 3)[1].tolist()
    [0.0, 1.5, 3.0]
    """
    from seqalign.warping.timemap import step_index

    b_index = step_index(path, n)
    a_index = np.arange(n, dtype=np.float64)
    a_times = start_a + (a_index if rate_a is None else a_index / rate_a)
    b_times = start_b + (b_index if rate_b is None else b_index / rate_b)
    return a_times, b_times
