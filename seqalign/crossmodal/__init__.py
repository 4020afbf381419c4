"""Cross-modal alignment: canonical time warping and the CCA it alternates with DTW.

Modules are imported by their full names (``seqalign.crossmodal.<module>``); nothing is imported
here, so that importing one of them stays cheap.
"""
