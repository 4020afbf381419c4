"""Audio features: a mono signal in, time-first feature frames out (log-mel, MFCC, chroma,
onsets).

Modules are imported by their full names (``seqalign.audio.<module>``); nothing is imported
here, so that importing one of them stays cheap.
"""
