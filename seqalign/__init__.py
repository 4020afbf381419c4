"""seqalign: continuous sequence alignment (DTW, soft-DTW, changepoints) from Python and the shell.

The public API is imported lazily so that ``import seqalign`` (and ``seqalign --help``)
stays fast; numba and librosa load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "dtw": "seqalign.align",
    "Alignment": "seqalign.align",
    "time_map": "seqalign.align",
    "path_agreement": "seqalign.multiscale",
    "cost_matrix": "seqalign.metrics",
    "ctw": "seqalign.crossmodal",
    "CTWAlignment": "seqalign.crossmodal",
    "SeqalignError": "seqalign.errors",
    "InputError": "seqalign.errors",
    "MemoryBudgetError": "seqalign.errors",
    "NoPathError": "seqalign.errors",
    "soft_dtw": "seqalign.soft",
    "soft_dtw_divergence": "seqalign.soft",
    "SoftAlignment": "seqalign.soft",
    "pairwise_soft_dtw": "seqalign.soft_pairwise",
    "pairwise_dtw": "seqalign.matrix",
    "knn_dtw": "seqalign.matrix",
    "Neighbors": "seqalign.matrix",
    "barycenter": "seqalign.barycenters",
    "Barycenter": "seqalign.barycenters",
    "AlignmentScores": "seqalign.evaluate",
    "SegmentationScores": "seqalign.evaluate",
    "covering": "seqalign.evaluate",
    "f_measure": "seqalign.evaluate",
    "hausdorff": "seqalign.evaluate",
    "precision_recall": "seqalign.evaluate",
    "score_alignment": "seqalign.evaluate",
    "score_segmentation": "seqalign.evaluate",
    "segment": "seqalign.changepoints",
    "Segmentation": "seqalign.changepoints",
    "segment_range": "seqalign.segmentations",
    "crops": "seqalign.segmentations",
    "run_batch": "seqalign.batch",
    "BatchReport": "seqalign.batch",
}

__all__ = [
    "Alignment",
    "AlignmentScores",
    "Barycenter",
    "BatchReport",
    "CTWAlignment",
    "InputError",
    "MemoryBudgetError",
    "Neighbors",
    "NoPathError",
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
    "segment",
    "segment_range",
    "soft_dtw",
    "soft_dtw_divergence",
    "time_map",
]

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.align import Alignment, dtw, time_map
    from seqalign.barycenters import Barycenter, barycenter
    from seqalign.batch import BatchReport, run_batch
    from seqalign.changepoints import Segmentation, segment
    from seqalign.crossmodal import CTWAlignment, ctw
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
    from seqalign.matrix import Neighbors, knn_dtw, pairwise_dtw
    from seqalign.metrics import cost_matrix
    from seqalign.multiscale import path_agreement
    from seqalign.segmentations import crops, segment_range
    from seqalign.soft import SoftAlignment, soft_dtw, soft_dtw_divergence
    from seqalign.soft_pairwise import pairwise_soft_dtw


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
