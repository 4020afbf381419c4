"""Changepoint segmentation: the search (PELT, binary segmentation, dynp...), its result, segment
costs, penalties, ranges of segmentations and the ruptures engine.

Modules are imported by their full names (``seqalign.changepoints.<module>``); nothing is imported
here, so that importing one of them stays cheap.
"""
