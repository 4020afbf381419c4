"""Subsequence search: the k best DTW matches of a query in long streams.

The API is :func:`seqalign.subsequence.search.search` (exported as ``seqalign.search``) and
:class:`seqalign.subsequence.search.StreamSearch` for streams fed block by block; the names
are not re-exported here, so that the module ``search`` stays reachable by its name.
"""
