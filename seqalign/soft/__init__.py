"""Soft-DTW: values, gradients and divergences of one pair, pairwise matrices, and barycenters.

Modules are imported by their full names (``seqalign.soft.<module>``); nothing is imported
here, so that importing one of them stays cheap.
"""
