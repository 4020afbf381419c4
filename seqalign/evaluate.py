"""Score a segmentation against annotations, or an alignment against a reference time map.

Segmentations are scored as TCPDBench does (van den Burg & Williams 2020, *An evaluation of
change point detection algorithms*, arXiv:2003.06222). Locations are 0-based indices, each
starting a new segment. With ``T_k`` annotator ``k``'s locations plus 0, ``X`` the predicted
ones plus 0, and ``T*`` the union of the ``T_k``:

* ``TP(T, X)``: each ``tau`` of ``T``, in increasing order, takes the closest ``x`` of ``X``
  not taken yet with ``|tau - x| <= margin`` (the smaller on a tie). TCPDBench walks a Python
  set, in increasing order for small values only; the order matters only when a prediction
  lies within the margin of two annotations, and not for any published score we checked.
* precision ``|TP(T*, X)| / |X|``; recall: the mean over ``k`` of ``|TP(T_k, X)| / |T_k|``;
  F1 ``= 2 P R / (P + R)`` (0 when both are 0, which the index 0 rules out).
* covering (Arbelaez et al. 2011): locations cut ``[0, n)`` into segments (0 and repeats add
  none); ``cover(S', S) = (1/n) Σ_{A ∈ S} |A| max_{A' ∈ S'} |A ∩ A'| / |A ∪ A'|``, averaged
  over the annotators' partitions ``S``, with ``S'`` the prediction's.
* Hausdorff: between the predicted locations and the union of the annotators' (no 0 added,
  as in ruptures); 0 when both are empty, infinite when only one is.

ruptures' breakpoints (where a segment starts, ending with ``n``) minus one, without ``n``,
are TCPDBench's locations; :mod:`seqalign.io.annotations` says how the command line converts.
Unlike TCPDBench and ruptures, every function here takes the prediction first.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.validation import check_whole

__all__ = [
    "AlignmentScores",
    "SegmentationScores",
    "covering",
    "f_measure",
    "hausdorff",
    "precision_recall",
    "score_alignment",
    "score_segmentation",
]

#: One list of locations, a list of lists (one per annotator), or annotator -> list.
Annotations = Mapping[Any, Iterable[int]] | Iterable[Iterable[int]] | Iterable[int]

_AT = ("reference", "frames")
_SLACK = 1e-9  # errors up to a tolerance plus this count as within it: files round times


# -- segmentations ----------------------------------------------------------------------------


def _locations(values: Iterable[Any], name: str) -> list[int]:
    """Distinct locations, sorted; whole non-negative numbers only."""
    out = set()
    for value in values:
        number = value.item() if isinstance(value, np.generic) else value
        if not _scalar(number) or not float(number).is_integer() or number < 0:
            raise InputError(
                f"{name}: {value!r} is not a location (a whole number >= 0)", argument=name
            )
        out.add(int(number))
    return sorted(out)


def _scalar(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _annotators(annotations: Annotations) -> list[list[int]]:
    """Each annotator's distinct locations, sorted."""
    if isinstance(annotations, Mapping):
        groups = [(f"annotator {key}", value) for key, value in annotations.items()]
    else:
        items = list(annotations)
        flat = isinstance(annotations, np.ndarray) and annotations.ndim == 1
        if flat or all(_scalar(item) for item in items):
            groups = [("annotations", items)]
        else:
            groups = [(f"annotator {k}", item) for k, item in enumerate(items)]
    if not groups:
        raise InputError("annotations: no annotator", argument="annotations")
    for name, values in groups:
        if _scalar(values) or isinstance(values, (str, bytes)):
            raise InputError(f"{name}: {values!r} is not a list of locations", argument=name)
    return [_locations(values, name) for name, values in groups]


def _check_margin(margin: float) -> None:
    if not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin >= 0):
        raise InputError(f"margin must be a number >= 0, got {margin!r}", argument="margin")


def _true_positives(truth: Sequence[int], predicted: Sequence[int], margin: float) -> int:
    """How many of ``truth`` match a free prediction (both sorted)."""
    free = list(predicted)
    count = 0
    for tau in truth:
        k = bisect.bisect_left(free, tau)
        best, distance = -1, math.inf
        if k > 0:
            best, distance = k - 1, tau - free[k - 1]
        if k < len(free) and free[k] - tau < distance:  # a tie keeps the smaller x
            best, distance = k, free[k] - tau
        if distance <= margin:
            count += 1
            del free[best]
    return count


def _with_zero(locations: list[int]) -> list[int]:
    return locations if locations[:1] == [0] else [0, *locations]


def precision_recall(
    predicted: Iterable[int], annotations: Annotations, margin: float = 5
) -> tuple[float, float]:
    """Precision and recall of change point locations, as TCPDBench computes them.

    Parameters
    ----------
    predicted : iterable of int
        Predicted locations (0-based; repeats are ignored).
    annotations : list of int, list of lists, or mapping annotator -> list
        One or several annotators' locations.
    margin : float
        A prediction matches an annotation at most ``margin`` indices away.

    Returns
    -------
    precision, recall : float
        ``|TP(T*, X)| / |X|`` and ``mean_k |TP(T_k, X)| / |T_k|`` (see the module's notes).

    Examples
    --------
    >>> precision_recall([10, 50], {"1": [12], "2": [11, 30]})
    (0.6666666666666666, 0.8333333333333333)
    """
    _check_margin(margin)
    truth = [_with_zero(locations) for locations in _annotators(annotations)]
    found = _with_zero(_locations(predicted, "predicted"))
    union = sorted(set().union(*truth))
    precision = _true_positives(union, found, margin) / len(found)
    # 1 / K * sum, as TCPDBench writes it: its published scores come out bit for bit
    recall = 1 / len(truth) * sum(_true_positives(t, found, margin) / len(t) for t in truth)
    return precision, recall


def _f1(precision: float, recall: float) -> float:
    both = 0.5 * recall + 0.5 * precision
    return 0.0 if both == 0 else precision * recall / both


def f_measure(predicted: Iterable[int], annotations: Annotations, margin: float = 5) -> float:
    """F1 score of change point locations with a margin, as TCPDBench computes it.

    ``2 P R / (P + R)`` with ``P, R`` from :func:`precision_recall`.

    Examples
    --------
    >>> f_measure([10, 50], {"1": [12], "2": [11, 30]})
    0.7407407407407406
    >>> f_measure([], [])  # no change points, none predicted: the index 0 matches
    1.0
    """
    return _f1(*precision_recall(predicted, annotations, margin))


def _starts(locations: list[int], n: int, name: str) -> np.ndarray:
    """Starts of the segments that ``locations`` cut ``[0, n)`` into, then ``n``."""
    if locations and locations[-1] >= n:
        raise InputError(
            f"{name}: location {locations[-1]} is outside 0..{n - 1} (n = {n})", argument=name
        )
    return np.array([0, *(cp for cp in locations if cp > 0), n], dtype=np.int64)


def _cover(predicted: np.ndarray, truth: np.ndarray, n: int) -> float:
    """``cover(S', S)``: S from the segment starts ``truth``, S' from ``predicted``."""
    total = 0.0
    for start, end in zip(truth[:-1].tolist(), truth[1:].tolist()):
        first = int(np.searchsorted(predicted, start, side="right")) - 1
        last = int(np.searchsorted(predicted, end, side="left"))
        best = 0.0
        for p_start, p_end in zip(
            predicted[first:last].tolist(), predicted[first + 1 : last + 1].tolist()
        ):
            inter = min(end, p_end) - max(start, p_start)
            best = max(best, inter / (end - start + p_end - p_start - inter))
        total += (end - start) * best
    return total / n


def covering(predicted: Iterable[int], annotations: Annotations, n: int) -> float:
    """Covering of the annotators' partitions by the predicted one, as TCPDBench computes it.

    The mean over annotators of ``cover(prediction, annotator)``, in ``(0, 1]`` (see the
    module's notes); every location must lie in ``0 .. n - 1``.

    Examples
    --------
    >>> covering([5], [4], 10)  # [0, 5) [5, 10) against [0, 4) [4, 10): (4 * 4/5 + 6 * 5/6) / 10
    0.82
    """
    n = check_whole(n, "n")
    found = _starts(_locations(predicted, "predicted"), n, "predicted")
    truth = _annotators(annotations)
    scores = [_cover(found, _starts(t, n, "annotations"), n) for t in truth]
    return sum(scores) / len(scores)


def hausdorff(a: Iterable[int], b: Iterable[int]) -> float:
    """Hausdorff distance between two sets of locations.

    The larger of ``max_{x in a} min_{y in b} |x - y|`` and the same from ``b`` to ``a``; 0
    when both are empty, ``inf`` when only one is.

    Examples
    --------
    >>> hausdorff([10, 50], [12, 30])
    20.0
    >>> hausdorff([], [3])
    inf
    """
    x = np.asarray(_locations(a, "a"), dtype=np.float64)
    y = np.asarray(_locations(b, "b"), dtype=np.float64)
    if x.size == 0 or y.size == 0:
        return 0.0 if x.size == y.size else math.inf

    def directed(p: np.ndarray, q: np.ndarray) -> float:
        k = np.searchsorted(q, p)
        left, right = q[np.maximum(k - 1, 0)], q[np.minimum(k, q.size - 1)]
        return float(np.minimum(np.abs(p - left), np.abs(p - right)).max())

    return max(directed(x, y), directed(y, x))


@dataclass(frozen=True)
class SegmentationScores:
    """The result of :func:`score_segmentation`.

    Attributes
    ----------
    f1, precision, recall, covering : float
        TCPDBench's scores (F1 with a ``margin`` in indices).
    hausdorff : float
        Between the predicted locations and the union of the annotators' (``inf``: one empty).
    margin : float
    n, n_predicted, n_annotators : int
        Length of the series; distinct predicted locations (without the 0); annotators.
    """

    f1: float
    precision: float
    recall: float
    covering: float
    hausdorff: float
    margin: float
    n: int
    n_predicted: int
    n_annotators: int

    def to_dict(self) -> dict[str, Any]:
        """The scores as a JSON-safe dict (an infinite Hausdorff distance becomes None)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if not math.isfinite(self.hausdorff):
            out["hausdorff"] = None
        return out


def score_segmentation(
    predicted: Iterable[int], annotations: Annotations, n: int, margin: float = 5
) -> SegmentationScores:
    """Every segmentation score of ``predicted`` against ``annotations``.

    Parameters
    ----------
    predicted : iterable of int
        Predicted change point locations, 0-based, in TCPDBench's convention (or, alike on both
        sides, ruptures' breakpoints without the final ``n``).
    annotations : list of int, list of lists, or mapping annotator -> list
        One or several annotators' locations, in the same convention.
    n : int
        Length of the series; every location must be below it.
    margin : float
        Margin of the F1 score (TCPDBench: 5).

    Returns
    -------
    SegmentationScores

    Examples
    --------
    >>> s = score_segmentation([27], {"1": [28], "2": [], "3": [28]}, n=100)
    >>> s.f1, round(s.covering, 4), s.hausdorff
    (1.0, 0.8968, 1.0)
    """
    _check_margin(margin)
    n = check_whole(n, "n")
    truth = _annotators(annotations)
    found = _locations(predicted, "predicted")
    precision, recall = precision_recall(found, truth, margin)
    return SegmentationScores(
        f1=_f1(precision, recall),
        precision=precision,
        recall=recall,
        covering=covering(found, truth, n),
        hausdorff=hausdorff(found, sorted(set().union(*truth))),
        margin=margin,
        n=n,
        n_predicted=len(found),
        n_annotators=len(truth),
    )


# -- alignments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlignmentScores:
    """The result of :func:`score_alignment`; errors in the unit of the times (seconds).

    Attributes
    ----------
    mae, median, max : float
        Mean, median and largest absolute error of the predicted time in B.
    mae_frames : float or None
        ``mae * rate``, in frames of B; None when the frame rate is unknown.
    within : dict of float to float
        Tolerance -> percentage of the points whose error is at most the tolerance.
    points : int
        Number of points scored, ``at`` the ``"reference"`` or the predicted ``"frames"``.
    at : str
    rate : float or None
        Frames per second of B.
    """

    mae: float
    median: float
    max: float
    mae_frames: float | None
    within: dict[float, float] = field(default_factory=dict)
    points: int = 0
    at: str = "reference"
    rate: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Flat and JSON-safe: ``within`` becomes ``within_0.05s``, ``within_0.1s``..."""
        out: dict[str, Any] = {"mae": self.mae, "median": self.median, "max": self.max}
        out["mae_frames"] = self.mae_frames
        out.update({f"within_{tol:g}s": share for tol, share in self.within.items()})
        out.update(points=self.points, at=self.at, rate=self.rate)
        return out


def _times(values: Any, name: str) -> np.ndarray:
    out = np.asarray(values, dtype=np.float64)
    if out.ndim != 1 or out.size == 0 or not np.isfinite(out).all():
        raise InputError(f"{name}: need one or more finite times, got {out!r}", argument=name)
    return out


def _path_map(path: np.ndarray, a_time: np.ndarray, b_time: np.ndarray):
    """:func:`seqalign.warping.align.time_map` of a path, in the times of its (index, time)
    pairs."""
    from seqalign.warping.align import time_map

    a0, b0 = (int(v) for v in path.min(axis=0))
    n = int(path[:, 0].max()) - a0 + 1
    _, b_index = time_map(path - np.array([a0, b0]), n)
    a_index = a0 + np.arange(n)
    b_index = b0 + b_index
    a_order, b_order = np.argsort(path[:, 0], kind="stable"), np.argsort(path[:, 1], kind="stable")
    a_times = np.interp(a_index, path[a_order, 0], a_time[a_order])
    b_times = np.interp(b_index, path[b_order, 1], b_time[b_order])
    return a_times, b_times


def _as_map(source: Any, name: str) -> tuple[np.ndarray, np.ndarray, float | None]:
    """(times in A, increasing; times in B; rate of B or None) of a time map or a path."""
    rate = getattr(source, "rate_b", None)
    if isinstance(source, np.ndarray) and source.ndim == 2 and source.shape[1:] == (2,):
        a, b, path = source[:, 0], source[:, 1], source  # a path of frame indices
    elif hasattr(source, "a_time"):
        a, b, path = source.a_time, source.b_time, getattr(source, "path", None)
    elif isinstance(source, (tuple, list)) and len(source) == 2:
        (a, b), path = source, None
    else:
        raise InputError(f"{name}: give (a_times, b_times), an (L, 2) path or a read file")
    a, b = _times(a, f"{name} times in A"), _times(b, f"{name} times in B")
    if a.size != b.size:
        raise InputError(f"{name}: {plural(a.size, 'time')} in A but {b.size} in B", argument=name)
    if path is not None:
        a, b = _path_map(np.asarray(path, dtype=np.int64), a, b)
        return a, b, rate
    if (np.diff(a) < 0).any():
        k = int(np.flatnonzero(np.diff(a) < 0)[0]) + 1
        raise InputError(
            f"{name}: times in A must not decrease ({a[k]:g} after {a[k - 1]:g}, row {k + 1})",
            argument=name,
        )
    unique, first, counts = np.unique(a, return_index=True, return_counts=True)
    if unique.size < a.size:  # a frame of A matched to several times in B: their mean
        b = np.add.reduceat(b, first) / counts
    return unique, b, rate


def _check_tolerances(tolerances: Iterable[float]) -> tuple[float, ...]:
    out = tuple(float(t) for t in tolerances)
    bad = next((t for t in out if not (math.isfinite(t) and t > 0)), None)
    if bad is not None:
        raise InputError(f"a tolerance must be positive, got {bad:g}", argument="tolerance")
    return tuple(sorted(set(out)))


def score_alignment(
    predicted: Any,
    reference: Any,
    tolerances: Iterable[float] = (0.05, 0.1),
    *,
    at: str = "reference",
    rate: float | None = None,
) -> AlignmentScores:
    """Errors of a predicted alignment against a reference time map or path.

    The error at a time ``t`` of A is ``|p(t) - r(t)|``, with ``p`` and ``r`` the predicted
    and the reference time maps, linear between their points and constant beyond their ends,
    measured at every time of A in the reference (``at="reference"``: each annotated point,
    or each frame of a reference path), or in the prediction within the reference's span
    (``at="frames"``, what ``tests/test_accuracy.py`` counts).

    Parameters
    ----------
    predicted, reference
        Each one of: ``(a_times, b_times)``, corresponding times; an (L, 2) integer path
        (then times are frame indices); or what :func:`seqalign.io.read_time_map` returns. A
        path becomes a time map by :func:`seqalign.warping.align.time_map` (a frame of A matched to
        several frames of B takes their mean time), and so do repeated times of A.
    tolerances : iterable of float
        Report the percentage of points whose error is at most each of these.
    at : {"reference", "frames"}
    rate : float, optional
        Frames per second of B, for ``mae_frames`` (default: a read file's, else none).

    Returns
    -------
    AlignmentScores

    Examples
    --------
    >>> truth = ([0.0, 1.0, 2.0], [0.0, 2.0, 4.0])
    >>> s = score_alignment(([0.0, 1.0, 2.0], [0.0, 2.06, 4.0]), truth, rate=100)
    >>> round(s.mae, 3), round(s.mae_frames, 1), s.within
    (0.02, 2.0, {0.05: 66.66666666666666, 0.1: 100.0})
    """
    if at not in _AT:
        raise InputError(f"unknown place {at!r} (at); valid: {', '.join(_AT)}", argument="at")
    tolerances = _check_tolerances(tolerances)
    if rate is not None and not (math.isfinite(rate) and rate > 0):
        raise InputError(f"rate must be a positive number, got {rate:g}", argument="rate")
    pred_a, pred_b, pred_rate = _as_map(predicted, "predicted")
    ref_a, ref_b, ref_rate = _as_map(reference, "reference")
    if at == "reference":
        points, truth = ref_a, ref_b
        guess = np.interp(points, pred_a, pred_b)
    else:
        inside = (pred_a >= ref_a[0]) & (pred_a <= ref_a[-1])
        if not inside.any():
            raise InputError(
                f"no predicted time of A lies within the reference's span "
                f"({ref_a[0]:g} to {ref_a[-1]:g}); check the files",
                argument="at",
            )
        points, guess = pred_a[inside], pred_b[inside]
        truth = np.interp(points, ref_a, ref_b)
    error = np.abs(guess - truth)
    rate = rate or pred_rate or ref_rate
    mae = float(error.mean())
    return AlignmentScores(
        mae=mae,
        median=float(np.median(error)),
        max=float(error.max()),
        mae_frames=None if rate is None else mae * rate,
        within={tol: 100.0 * float(np.mean(error <= tol + _SLACK)) for tol in tolerances},
        points=int(error.size),
        at=at,
        rate=rate,
    )
