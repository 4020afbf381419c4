"""Dynamic time warping: the API (:func:`seqalign.dtw`), the method planner, the exact,
linear-memory and multiscale solvers, the sweeps that drive the kernel, step patterns and
windows.

Modules are imported by their full names (``seqalign.warping.<module>``); nothing is imported
here, so that importing one of them stays cheap.
"""
