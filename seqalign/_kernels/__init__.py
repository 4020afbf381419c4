"""numba kernels: arrays in, arrays out (see the house style). Importing the package first
prepares numba (:func:`seqalign.config.start_numba`)."""

from seqalign import config

config.start_numba()
