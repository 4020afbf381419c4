"""Following a live stream along a reference recording: online time warping
(:class:`~seqalign.following.follower.Follower`) and the causal audio features it follows
with (:mod:`seqalign.following.features`)."""
