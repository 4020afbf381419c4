"""The result of a changepoint segmentation: :class:`Segmentation`.

A segmentation of ``n`` frames is given by its breakpoints in ruptures' convention: sorted,
the last one equal to ``n``; a breakpoint ``b`` starts a new segment at frame ``b``. Every
search returns one, the native ones (:mod:`seqalign.changepoints.search`,
:mod:`seqalign.changepoints.ranges`) and the ruptures engine
(:mod:`seqalign.changepoints.engines`) alike, so this module imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Segmentation"]


@dataclass
class Segmentation:
    """The result of :func:`seqalign.segment` (and of each run of :func:`seqalign.crops` and
    :func:`seqalign.segment_range`).

    Attributes
    ----------
    breakpoints : ndarray of int, shape (n_segments,)
        Sorted; the last equals ``n`` (ruptures' convention).
    n : int
        Frames segmented.
    cost : float
        Sum of the segment costs (with the ``mbic`` log-length terms when that penalty is
        used): what the search minimised, apart from the penalty.
    penalty : float or None
        Penalty per change, or None when the number of changes was fixed.
    search : str
        The search that found it (``pelt``, ``binseg``, ``dynp``...).
    profile : ndarray or None
        For searches that score a change at every frame (``cost="shape"``: the
        classification score over the whole series, NaN where none), that score; not in
        :meth:`to_dict`.

    Examples
    --------
    >>> s = Segmentation(np.array([40, 100]), n=100, cost=3.5, penalty=2.0, search="pelt",
    ...                  cost_name="l2")
    >>> s.n_bkps, s.changepoints.tolist(), s.objective
    (1, [40], 5.5)
    """

    breakpoints: np.ndarray
    n: int
    cost: float
    penalty: float | None
    search: str
    cost_name: str
    penalty_name: str | None = None
    min_size: int = 1
    jump: int = 1
    engine: str = "native"
    params: dict[str, Any] = field(default_factory=dict)
    profile: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def n_bkps(self) -> int:
        """Number of changes (breakpoints other than ``n``)."""
        return int(self.breakpoints.size - 1)

    @property
    def changepoints(self) -> np.ndarray:
        """The breakpoints without the final ``n``: first frames of segments 2, 3, ..."""
        return self.breakpoints[:-1]

    @property
    def segments(self) -> np.ndarray:
        """``(n_segments, 2)`` array of ``[start, end)`` frame ranges."""
        starts = np.concatenate([[0], self.breakpoints[:-1]])
        return np.stack([starts, self.breakpoints], axis=1).astype(np.int64)

    @property
    def objective(self) -> float:
        """``cost + penalty * n_bkps`` (``cost`` when the number of changes was fixed)."""
        return self.cost + (self.penalty or 0.0) * self.n_bkps

    def to_dict(self, rate: float | None = None) -> dict[str, Any]:
        """JSON-ready summary; with ``rate`` (frames per second) the boundary times too."""
        out: dict[str, Any] = {
            "breakpoints": [int(b) for b in self.breakpoints],
            "n": self.n,
            "n_bkps": self.n_bkps,
            "cost": self.cost,
            "penalty": self.penalty,
            "penalty_name": self.penalty_name,
            "search": self.search,
            "cost_name": self.cost_name,
            "min_size": self.min_size,
            "jump": self.jump,
            "engine": self.engine,
            **self.params,
        }
        if rate is not None:
            out["rate"] = rate
            out["times"] = [float(b) / rate for b in self.changepoints]
        return out
