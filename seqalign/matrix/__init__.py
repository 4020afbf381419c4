"""DTW between many sequences: distance matrices and k-nearest neighbours, on one machine or a
Dask cluster.

Modules are imported by their full names (``seqalign.matrix.<module>``); nothing is imported
here, so that importing one of them stays cheap.
"""
