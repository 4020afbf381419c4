"""Readers and writers: files (or ``-``) in, :class:`Sequence` out; paths and time maps out.

Readers: :func:`read_sequence` dispatches on the format (audio, npy, npz, csv/tsv) and returns a
checked, time-first :class:`Sequence`. Writers: :func:`write_path`, :func:`write_time_map`, both
through :func:`atomic_output`. Heavy libraries (soundfile, librosa) load only when audio is read.
"""

from __future__ import annotations

from seqalign.io.sequence import (
    INPUT_FORMATS,
    NORMALIZATIONS,
    OPTION_FLAGS,
    ReadOptions,
    Sequence,
    display_name,
)
from seqalign.io.source import normalize, read_sequence
from seqalign.io.writers import (
    WRITE_FORMATS,
    atomic_output,
    output_format,
    write_path,
    write_time_map,
)

__all__ = [
    "INPUT_FORMATS",
    "NORMALIZATIONS",
    "OPTION_FLAGS",
    "WRITE_FORMATS",
    "ReadOptions",
    "Sequence",
    "atomic_output",
    "display_name",
    "normalize",
    "output_format",
    "read_sequence",
    "write_path",
    "write_time_map",
]
