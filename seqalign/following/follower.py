"""Following a live stream along a reference: :class:`Follower`, online time warping.

Each live frame fed to :meth:`Follower.update` gets one position in the reference, at
once and never revised: the end of the best forward path of Dixon's on-line time warping
(OLTW, Dixon 2005), computed one column per live frame over a window of the reference that
moves with the path (the kernel, :mod:`seqalign._kernels.follow`, states the recurrence),
with the refinements of Arzt, Widmer & Dixon (2008): a search window, a limit on runs of
one kind of step, step weights, and re-anchoring when the match goes bad.

Re-anchoring (``reanchor=True``). The follower watches its confidence (how much better the
matched reference frame fits the live frame than the average frame of the window,
smoothed over ``smoothing`` seconds). When it stays under ``threshold`` for ``hold``
seconds, the last ``history`` seconds of live frames (resampled by the tempo followed
since the last anchor, 0.5 to 2) are searched in the *whole* reference with the exact
DTW subsequence search (:func:`seqalign.search`, raw squared Euclidean frames averaged by
blocks to about :data:`COARSE_RATE` frames per second, a band of a fifth of the query).
The follower jumps to the end of the best match when it ends more than ``jump`` seconds
from the current position and its distance is under ``ratio`` times the best distance of a
window ending within ``jump`` seconds of the current position (or when no such window
exists), and under ``unique`` times the distance of the best match elsewhere (a passage
the reference repeats is no reason to jump), and (``confirm``) when the next check, made
within three times ``hold + cooldown``, finds the same place again (moved on by the tempo,
within ``jump`` seconds or a quarter of the time between the checks). Either way the next
check waits ``cooldown``
seconds. This
is what recovers from a skipped or a repeated passage; positions already given are not
changed.

Memory per frame is constant: the window's columns (``window`` cells), the last
``history`` seconds of live frames, and counters; the latency of each :meth:`update` is
measured (per frame: its time divided by its frames), and summed up in :attr:`stats`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from seqalign._kernels import follow as kernel
from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.validation import as_frames, check_whole

__all__ = ["FOLLOW_METRICS", "FollowStats", "Follower"]

#: The local costs the follower takes (the kernel metrics would need parameter rows).
FOLLOW_METRICS = ("euclidean", "sqeuclidean", "cityblock", "cosine")
#: Frames per second the re-anchoring search works at (frames are averaged in blocks).
COARSE_RATE = 12.5
#: The wait between checks doubles after each that finds nothing, up to this many times
#: ``cooldown``.
MAX_BACKOFF = 2
#: Default step weights (horizontal, diagonal, vertical): Dixon's, the diagonal twice.
DEFAULT_WEIGHTS = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class FollowStats:
    """What a :class:`Follower` did so far."""

    frames: int  #: live frames followed
    mean_latency: float  #: seconds of work per frame, on average (update time / frames)
    max_latency: float  #: the largest per-frame latency of one update (seconds)
    reanchors: int  #: jumps made by re-anchoring
    checks: int  #: searches run to decide on a re-anchoring
    memory_cells: int  #: the window's cells plus the history's frames (constant)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.sqrt((x * x).sum(axis=1))
    out = np.zeros_like(x)
    nonzero = norms > 0.0
    out[nonzero] = x[nonzero] / norms[nonzero, None]
    return out


def _pool(x: np.ndarray, f: int) -> np.ndarray:
    """Means of consecutive blocks of ``f`` frames (a last partial block dropped)."""
    k = x.shape[0] // f
    return x[: k * f].reshape(k, f, x.shape[1]).mean(axis=1)


def _positive(value: float, name: str, *, zero: bool = False) -> float:
    number = float(value)
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
        raise InputError(
            f"{name} must be a {'non-negative' if zero else 'positive'} number, not {value!r}",
            argument=name,
        )
    return number


class Follower:
    """Online time warping of a live stream against a reference (Dixon 2005; Arzt et al. 2008).

    Parameters
    ----------
    reference : array_like, shape (n_frames, n_features)
        The reference's frames (at least 2), time first.
    metric : {"euclidean", "sqeuclidean", "cityblock", "cosine"}
        Local cost between a reference frame and a live frame (cosine: both scaled to unit
        length first; an all-zero frame costs 1 against anything). Default euclidean, the
        music preset's.
    rate : float
        Frames per second of both streams: turns the times below into frames. Default 50
        (the music preset's hop of 441 samples at 22050 Hz).
    window : float
        Seconds of reference in the search window (``c``; clipped to the reference), a
        quarter of it behind the last position (``back``). Default 20 (Dixon's 500 frames
        at 50 fps is 10 s; 20 s did as well on music and better on slow speech).
    max_run : int
        Most horizontal (or vertical) steps in a row (Dixon's MaxRunCount, 3 in his paper);
        the position moves at most ``max_step`` reference frames per live frame, by default
        ``1 + max_run``. Default 4 (measured on the tuning half of the rendered corpus, as
        the rest below: 2 lost 2 points within 100 ms, more on songs sung faster).
    max_step : int, optional
        The step-size clamp of the position (Arzt & Widmer).
    weights : tuple of 3 floats
        Step weights (horizontal, diagonal, vertical). Default ``(1, 1, 1)`` (Dixon weighs
        the diagonal 2; with ``normalise="cells"`` that lost 17 points within 100 ms).
    normalise : {"cells", "weights"}
        How the cells of a column are compared: cumulative cost over the cells between the
        path's first cell and this one, ``(t - t0) + (i - start) + 1`` (as Dixon and Arzt;
        default), or over the sum of the weights of its own path.
    back : float
        Share of the window behind the position (default a quarter).
    start : int, optional
        Reference frame where the live stream starts (default 0).
    from_time : float, optional
        The same in seconds (``start = round(from_time * rate)``); give one of the two.
    reanchor : bool
        Re-anchor by subsequence search when the confidence stays low (module docstring).
    threshold, hold, cooldown, history, smoothing, jump, ratio, unique : float
        The re-anchoring rule: confidence under ``threshold`` (default 0.2) for ``hold``
        seconds (1) triggers a search, at most once per ``cooldown`` seconds (1), of the
        last ``history`` seconds of live (4); the confidence is smoothed over
        ``smoothing`` seconds (0.5); a match more than ``jump`` seconds (1) away wins when
        its distance is under ``ratio`` (0.7) times the local one and under ``unique``
        (0.8) times the second-best match elsewhere.

    Attributes
    ----------
    position : int
        The last position (reference frame).
    confidence : float
        The last smoothed confidence, 0 to 1.
    confidences : ndarray
        The smoothed confidence of each frame of the last :meth:`update`.

    Examples
    --------
    >>> import numpy as np
    >>> ref = np.sin(np.linspace(0, 12, 300))[:, None] * np.arange(1, 4)
    >>> live = ref[::2]  # played twice as fast
    >>> f = Follower(ref, rate=50, window=2)
    >>> positions = np.concatenate([f.update(live[k : k + 10]) for k in range(0, 150, 10)])
    >>> bool(np.abs(positions - 2 * np.arange(150)).max() <= 3)  # within 3 frames
    True
    """

    def __init__(
        self,
        reference: ArrayLike,
        *,
        metric: str = "euclidean",
        rate: float = 50.0,
        window: float = 20.0,
        max_run: int = 4,
        weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
        start: int | None = None,
        from_time: float | None = None,
        reanchor: bool = True,
        threshold: float = 0.2,
        hold: float = 1.0,
        cooldown: float = 1.0,
        history: float = 4.0,
        smoothing: float = 0.5,
        jump: float = 1.0,
        ratio: float = 0.7,
        unique: float = 0.8,
        normalise: str = "cells",
        confirm: bool = True,
        max_step: int | None = None,
        back: float = 0.25,
    ) -> None:
        from seqalign.localcosts import metric_code

        ref = as_frames(reference, "reference", min_frames=2, purpose="following")
        name = str(metric).strip().lower()
        if name not in FOLLOW_METRICS:
            raise InputError(
                f"the follower takes the metrics {', '.join(FOLLOW_METRICS)}, not {metric!r}",
                argument="metric",
            )
        self.metric = name
        self.rate = _positive(rate, "rate")
        self.cosine = name == "cosine"
        self.reference = np.ascontiguousarray(_unit_rows(ref) if self.cosine else ref)
        n = self.reference.shape[0]
        self.n_features = self.reference.shape[1]
        cells = round(_positive(window, "window") * self.rate)
        self.window = max(2, min(n, cells))
        self.max_run = check_whole(max_run, "max_run", minimum=1)
        self.max_step = self.max_run + 1 if max_step is None else check_whole(max_step, "max_step")
        if len(weights) != 3:
            raise InputError("weights: give three step weights (h, d, v)", argument="weights")
        self.weights = tuple(_positive(w, "weights") for w in weights)
        if start is not None and from_time is not None:
            raise InputError("give start or from_time, not both", argument="from_time")
        if from_time is not None:
            start = round(_positive(from_time, "from_time", zero=True) * self.rate)
        start = 0 if start is None else check_whole(start, "start", minimum=0)
        if start >= n:
            raise InputError(
                f"the start, frame {start}, is past the reference's end ({plural(n, 'frame')})",
                argument="from_time",
            )
        self.start = start
        self.reanchor = bool(reanchor)
        threshold = _positive(threshold, "threshold", zero=True)
        self.history = max(2, round(_positive(history, "history") * self.rate))
        self.jump = round(_positive(jump, "jump", zero=True) * self.rate)
        self.ratio = _positive(ratio, "ratio")
        if normalise not in ("cells", "weights"):
            raise InputError(
                f"normalise is cells or weights, not {normalise!r}", argument="normalise"
            )
        back = _positive(back, "back", zero=True)
        if back >= 1:
            raise InputError(f"back is a share of the window, under 1, not {back}", argument="back")
        self.unique = _positive(unique, "unique")
        self.confirm = bool(confirm)
        alpha = min(1.0, 1.0 / max(1.0, _positive(smoothing, "smoothing") * self.rate))
        hold_frames = max(1, round(_positive(hold, "hold") * self.rate))
        cooldown_frames = round(_positive(cooldown, "cooldown", zero=True) * self.rate)
        self._settings = (
            metric_code(name), self.weights, (self.max_run, self.max_step),
            max(0, min(self.window - 1, round(back * self.window))), float(alpha),
            float(threshold), hold_frames if self.reanchor else 0, cooldown_frames,
            kernel.BY_CELLS if normalise == "cells" else kernel.BY_WEIGHT,
        )  # fmt: skip
        self._state = kernel.new_state(self.window)
        self._state[0][kernel.START] = start
        self._state[0][kernel.POS] = start
        self._hist = np.zeros((self.history, self.n_features))
        #: Frames pooled into one by the re-anchoring search (about 12.5 per second).
        self.coarse = max(1, round(self.rate / COARSE_RATE))
        self._coarse = _pool(self.reference, self.coarse) if self.reanchor else self.reference[:0]
        self._filled = 0  # frames written to the history ring, in all
        self._anchor = (0, start)  # (live frame, reference frame) of the last anchor
        self._candidate: tuple[int, int] | None = None  # a jump seen once: (live, ref)
        self._load()
        self.confidences = np.empty(0)
        self.frames = 0
        self.reanchors = 0
        self.checks = 0
        self.jumps: list[tuple[int, int, int]] = []  # (live frame, from, to)
        self._latency_sum = 0.0
        self._latency_max = 0.0

    # -- public --------------------------------------------------------------------------

    @property
    def position(self) -> int:
        return int(self._state[0][kernel.POS])

    @property
    def confidence(self) -> float:
        return float(self._state[1][kernel.CONF])

    def update(self, frames: ArrayLike) -> np.ndarray:
        """Follow the next live frames; return their positions in the reference.

        Parameters
        ----------
        frames : array_like, shape (m, n_features) or (n_features,)
            The next live frames (a 1-D array is one frame, or ``m`` frames of a reference
            with one feature).

        Returns
        -------
        ndarray of int64, shape (m,)
            The reference frame matched to each live frame; times are ``position / rate``.
            The same whatever the blocks the stream is cut into.
        """
        began = time.perf_counter()
        x = self._frames(frames)
        m = x.shape[0]
        positions = np.empty(m, dtype=np.int64)
        confidences = np.empty(m)
        done = 0
        while done < m:
            block = x[done:]
            k = kernel.follow(
                self._settings,
                self.reference,
                self._state,
                block,
                (positions[done:], confidences[done:]),
            )
            self._remember(block[:k])
            done += k
            if done < m or (k and self._due()):
                self._check()
        self.frames += m
        self.confidences = confidences
        if m:
            per_frame = (time.perf_counter() - began) / m
            self._latency_sum += per_frame * m
            self._latency_max = max(self._latency_max, per_frame)
        return positions

    def finish(self) -> FollowStats:
        """End of the stream: the :attr:`stats` (the follower keeps its state)."""
        return self.stats

    @property
    def stats(self) -> FollowStats:
        return FollowStats(
            frames=self.frames,
            mean_latency=self._latency_sum / self.frames if self.frames else 0.0,
            max_latency=self._latency_max,
            reanchors=self.reanchors,
            checks=self.checks,
            memory_cells=self.state_size,
        )

    @property
    def state_size(self) -> int:
        """Numbers held for the stream (window columns, runs, history ring): constant."""
        return int(sum(a.size for a in self._state) + self._hist.size)

    # -- internals -----------------------------------------------------------------------

    def _load(self) -> None:
        """Run the kernels once on throwaway state, so that numba loads (or compiles) them
        now and not on the stream's first frame or first check (hundreds of ms)."""
        state = kernel.new_state(self.window)
        frame = np.ascontiguousarray(self.reference[:1])
        kernel.follow(self._settings, self.reference, state, frame, (np.empty(1, np.int64),
                      np.empty(1)))  # fmt: skip
        if self.reanchor and self._coarse.shape[0] >= 4:
            from seqalign.subsequence.search import search

            coarse = np.ascontiguousarray(self._coarse[:4])
            search(coarse[:2], coarse, k=2, radius=1, znorm=False, n_jobs=1, exclusion=2)

    def _frames(self, frames: ArrayLike) -> np.ndarray:
        x = np.asarray(frames, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None] if self.n_features == 1 else x[None, :]
        if x.ndim != 2 or (x.shape[0] and x.shape[1] != self.n_features):
            raise InputError(
                f"live frames have shape {x.shape}; the reference has "
                f"{plural(self.n_features, 'feature')} per frame",
                argument="frames",
            )
        if not np.all(np.isfinite(x)):
            raise InputError("live frames must be finite (no NaN or infinity)", argument="frames")
        return np.ascontiguousarray(_unit_rows(x) if self.cosine else x)

    def _remember(self, x: np.ndarray) -> None:
        """Write ``x`` into the history ring (the last :attr:`history` frames)."""
        h = self.history
        if x.shape[0] >= h:
            x = x[-h:]
        at = self._filled % h
        first = min(h - at, x.shape[0])
        self._hist[at : at + first] = x[:first]
        self._hist[: x.shape[0] - first] = x[first:]
        self._filled += x.shape[0]

    def _due(self) -> bool:
        """The kernel stopped on the block's last frame for a check."""
        ints = self._state[0]
        hold = self._settings[6]
        wait = max(self._settings[7], ints[kernel.WAIT])
        return hold > 0 and ints[kernel.LOW] >= hold and ints[kernel.SINCE] >= wait

    def _recent(self) -> np.ndarray:
        """The history, oldest first."""
        h = self.history
        if self._filled < h:
            return self._hist[: self._filled].copy()
        at = self._filled % h
        return np.concatenate([self._hist[at:], self._hist[:at]])

    def _check(self) -> None:
        """:meth:`_search`, then the wait before the next check: ``cooldown`` after a jump
        or a first sighting, else twice the last wait, up to :data:`MAX_BACKOFF` times
        ``cooldown``, back to ``cooldown`` once the confidence is over the threshold again
        (a follower lost in a hard passage does not search every second)."""
        jumps, seen = self.reanchors, self._candidate
        self._search()
        ints = self._state[0]
        base = self._settings[7]
        if self.reanchors > jumps or (self._candidate is not None and self._candidate != seen):
            ints[kernel.WAIT] = base
        else:
            ints[kernel.WAIT] = min(max(1, 2 * max(base, ints[kernel.WAIT])),
                                    MAX_BACKOFF * max(1, base))  # fmt: skip

    def _search(self) -> None:
        """Search the recent live frames in the whole reference; re-anchor on a clear win."""
        from seqalign.subsequence.search import search

        ints = self._state[0]
        ints[kernel.SINCE] = 0
        ints[kernel.LOW] = 0
        query = self._recent()
        t = int(ints[kernel.T])
        pos = int(ints[kernel.POS])
        n = self.reference.shape[0]
        live0, ref0 = self._anchor
        tempo = (pos - ref0) / (t - live0) if t - live0 >= query.shape[0] else 1.0
        tempo = min(max(tempo, 0.5), 2.0)
        m = max(2, round(query.shape[0] * tempo))
        if query.shape[0] < 2 or m > n:
            return
        self.checks += 1
        grid = np.linspace(0.0, query.shape[0] - 1.0, m)
        lower = np.floor(grid).astype(np.int64)
        upper = np.minimum(lower + 1, query.shape[0] - 1)
        frac = (grid - lower)[:, None]
        q = query[lower] * (1.0 - frac) + query[upper] * frac
        f = self.coarse
        q = _pool(q, f)
        ref = self._coarse
        if q.shape[0] < 2 or q.shape[0] > ref.shape[0]:
            return
        radius = max(1, q.shape[0] // 5)
        found = search(q, ref, k=2, radius=radius, znorm=False, n_jobs=1,
                       exclusion=q.shape[0])  # fmt: skip
        end = min(n - 1, int(found.end[0]) * f - 1)
        best = float(found.distance[0])
        if len(found) > 1 and best >= self.unique * float(found.distance[1]):
            return  # two places fit as well (a repeat in the reference): stay
        if abs(end - pos) <= self.jump:
            return
        lo = max(0, (pos - self.jump) // f - q.shape[0] + 1)
        hi = min(ref.shape[0], (pos + self.jump) // f + 1)
        local = math.inf
        if hi - lo >= q.shape[0]:
            near = search(q, ref[lo:hi], k=1, radius=radius, znorm=False, n_jobs=1)
            local = float(near.distance[0])
        if not best < self.ratio * local:
            return
        candidate, self._candidate = self._candidate, (t, end)
        if self.confirm:
            if candidate is None:
                return  # a first sighting: jump only when the next check agrees
            then, there = candidate
            expected = there + (t - then) * tempo
            late = t - then > 3 * (self._settings[7] + self._settings[6])
            if late or abs(end - expected) > max(self.jump, 0.25 * (t - then)):
                return  # the next check did not agree: this one is the new candidate
        self._candidate = None
        ints[kernel.FRESH] = 1
        ints[kernel.START] = end
        self._anchor = (t, end)
        self.reanchors += 1
        self.jumps.append((t, pos, end))
