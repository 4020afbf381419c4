"""Readers and writers: files (or ``-``) in, :class:`Sequence` out; paths and time maps out.

Readers: :func:`read_sequence` dispatches on the format (audio, npy, npz, csv/tsv) and returns a
checked, time-first :class:`Sequence`; :func:`read_locations`, :func:`read_length` and
:func:`read_time_map` read what ``seqalign evaluate`` compares. Writers: :func:`write_path`,
:func:`write_time_map`, both through :func:`atomic_output`. Heavy libraries (soundfile,
librosa) load only when audio is read.
"""

from __future__ import annotations

from seqalign.io.annotations import CONVENTIONS, Locations, read_length, read_locations
from seqalign.io.sequence import (
    INPUT_FORMATS,
    NORMALIZATIONS,
    OPTION_FLAGS,
    ReadOptions,
    Sequence,
    display_name,
)
from seqalign.io.source import normalize, read_sequence
from seqalign.io.timemaps import TimeMapFile, read_time_map
from seqalign.io.writers import (
    WRITE_FORMATS,
    atomic_output,
    output_format,
    write_path,
    write_time_map,
)

__all__ = [
    "CONVENTIONS",
    "INPUT_FORMATS",
    "NORMALIZATIONS",
    "OPTION_FLAGS",
    "WRITE_FORMATS",
    "Locations",
    "ReadOptions",
    "Sequence",
    "TimeMapFile",
    "atomic_output",
    "display_name",
    "normalize",
    "output_format",
    "read_length",
    "read_locations",
    "read_sequence",
    "read_time_map",
    "write_path",
    "write_time_map",
]
