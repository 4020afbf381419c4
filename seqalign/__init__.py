"""seqalign: continuous sequence alignment (DTW, soft-DTW, changepoints) from Python and the shell.

The public API is imported lazily so that ``import seqalign`` (and ``seqalign --help``)
stays fast; numba and librosa load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "dtw": "seqalign.warping.align",
    "Alignment": "seqalign.warping.align",
    "time_map": "seqalign.warping.align",
    "path_agreement": "seqalign.warping.multiscale",
    "cost_matrix": "seqalign.localcosts",
    "ctw": "seqalign.crossmodal.ctw",
    "CTWAlignment": "seqalign.crossmodal.ctw",
    "SeqalignError": "seqalign.errors",
    "InputError": "seqalign.errors",
    "MemoryBudgetError": "seqalign.errors",
    "NoPathError": "seqalign.errors",
    "soft_dtw": "seqalign.soft.api",
    "soft_dtw_divergence": "seqalign.soft.api",
    "SoftAlignment": "seqalign.soft.api",
    "pairwise_soft_dtw": "seqalign.soft.pairwise",
    "pairwise_dtw": "seqalign.matrix.pairwise",
    "knn_dtw": "seqalign.matrix.pairwise",
    "Neighbors": "seqalign.matrix.pairwise",
    "barycenter": "seqalign.soft.barycenters",
    "Barycenter": "seqalign.soft.barycenters",
    "AlignmentScores": "seqalign.evaluate",
    "SegmentationScores": "seqalign.evaluate",
    "covering": "seqalign.evaluate",
    "f_measure": "seqalign.evaluate",
    "hausdorff": "seqalign.evaluate",
    "precision_recall": "seqalign.evaluate",
    "score_alignment": "seqalign.evaluate",
    "score_segmentation": "seqalign.evaluate",
    "segment": "seqalign.changepoints.search",
    "Segmentation": "seqalign.changepoints.result",
    "segment_range": "seqalign.changepoints.ranges",
    "crops": "seqalign.changepoints.ranges",
    "search": "seqalign.subsequence.search",
    "SearchResult": "seqalign.subsequence.search",
    "OnlineSegmenter": "seqalign.changepoints.online",
    "Follower": "seqalign.following.follower",
    "FollowStats": "seqalign.following.follower",
    "run_batch": "seqalign.batch",
    "BatchReport": "seqalign.batch",
}

__all__ = [
    "Alignment",
    "AlignmentScores",
    "Barycenter",
    "BatchReport",
    "CTWAlignment",
    "FollowStats",
    "Follower",
    "InputError",
    "MemoryBudgetError",
    "Neighbors",
    "NoPathError",
    "OnlineSegmenter",
    "SearchResult",
    "Segmentation",
    "SegmentationScores",
    "SeqalignError",
    "SoftAlignment",
    "__version__",
    "barycenter",
    "cost_matrix",
    "covering",
    "crops",
    "ctw",
    "dtw",
    "f_measure",
    "hausdorff",
    "knn_dtw",
    "pairwise_dtw",
    "pairwise_soft_dtw",
    "path_agreement",
    "precision_recall",
    "run_batch",
    "score_alignment",
    "score_segmentation",
    "search",
    "segment",
    "segment_range",
    "soft_dtw",
    "soft_dtw_divergence",
    "time_map",
]

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.batch import BatchReport, run_batch
    from seqalign.changepoints.online import OnlineSegmenter
    from seqalign.changepoints.ranges import crops, segment_range
    from seqalign.changepoints.result import Segmentation
    from seqalign.changepoints.search import segment
    from seqalign.crossmodal.ctw import CTWAlignment, ctw
    from seqalign.errors import InputError, MemoryBudgetError, NoPathError, SeqalignError
    from seqalign.evaluate import (
        AlignmentScores,
        SegmentationScores,
        covering,
        f_measure,
        hausdorff,
        precision_recall,
        score_alignment,
        score_segmentation,
    )
    from seqalign.following.follower import Follower, FollowStats
    from seqalign.localcosts import cost_matrix
    from seqalign.matrix.pairwise import Neighbors, knn_dtw, pairwise_dtw
    from seqalign.soft.api import SoftAlignment, soft_dtw, soft_dtw_divergence
    from seqalign.soft.barycenters import Barycenter, barycenter
    from seqalign.soft.pairwise import pairwise_soft_dtw
    from seqalign.subsequence.search import SearchResult, search
    from seqalign.warping.align import Alignment, dtw, time_map
    from seqalign.warping.multiscale import path_agreement


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'seqalign' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
