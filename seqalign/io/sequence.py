"""What the readers return (:class:`Sequence`) and how they are told to read (:class:`ReadOptions`).

Also the small naming helpers every reader uses to word its errors: :func:`display_name` and
:data:`OPTION_FLAGS` (the command-line flag of each :class:`ReadOptions` field).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from seqalign.audio.features import FEATURE_SETS
from seqalign.errors import InputError
from seqalign.io.missing import MISSING_POLICIES

__all__ = [
    "INPUT_FORMATS",
    "NORMALIZATIONS",
    "OPTION_FLAGS",
    "ReadOptions",
    "Sequence",
    "display_name",
]

#: Normalisation name -> description (the valid values of ``--normalize``).
NORMALIZATIONS: dict[str, str] = {
    "none": "keep the values as read",
    "zscore": "per feature: subtract the mean, divide by the standard deviation (ddof=0); "
    "constant features become 0",
    "l2": "per frame: divide by the Euclidean norm; all-zero frames stay zero",
}

#: Input format name -> description (the valid values of ``ReadOptions.format``).
INPUT_FORMATS: dict[str, str] = {
    "audio": "anything soundfile reads (wav, flac, ogg, mp3, aiff...)",
    "npy": "a NumPy .npy array",
    "npz": "a NumPy .npz archive (choose the array with --key)",
    "csv": "comma-separated table with a header row",
    "tsv": "tab-separated table with a header row",
}

#: ReadOptions field -> the command-line flag that sets it, used to word error messages.
OPTION_FLAGS: dict[str, str] = {
    "rate": "--rate",
    "key": "--key",
    "columns": "--column",
    "time_column": "--time-column",
    "features": "--features",
    "sample_rate": "--sample-rate",
    "hop_length": "--hop-length",
    "normalize": "--normalize",
    "format": "--input-format",
    "missing": "--missing",
    "transpose": "--transpose",
}


def display_name(source: str) -> str:
    """How messages name an input: the path as given, or ``"standard input"`` for ``-``."""
    return "standard input" if source == "-" else source


@dataclass
class Sequence:
    """A sequence of feature frames read from a file or standard input.

    Attributes
    ----------
    data : ndarray, shape (n_frames, n_features)
        float64, C-contiguous, time-first, finite.
    rate : float or None
        Frames per second; None when unknown (then times are frame indices).
    source : str
        The path as given, or ``"-"`` for standard input.
    kind : str
        ``"audio"``, ``"array"`` or ``"table"``.
    feature_names : tuple of str or None
        One name per feature (table columns, pitch classes...), when known.
    start_time : float
        Time in seconds of frame 0 (tables with a time column); used only when ``rate`` is known.
    sounding : tuple of float or None
        Audio: ``(start, end)`` in seconds of the part that sounds, leading and trailing
        silence and room noise left out (:func:`seqalign.audio.tempo.sounding_span`), when
        read with ``ReadOptions(sounding=True)``; None otherwise.
    """

    data: np.ndarray
    rate: float | None
    source: str
    kind: str
    feature_names: tuple[str, ...] | None = None
    start_time: float = 0.0
    sounding: tuple[float, float] | None = None

    @property
    def n_frames(self) -> int:
        """Number of frames (rows of :attr:`data`)."""
        return int(self.data.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features (columns of :attr:`data`)."""
        return int(self.data.shape[1])

    @property
    def label(self) -> str:
        """The name messages use for this input (see :func:`display_name`)."""
        return display_name(self.source)

    def times(self) -> np.ndarray:
        """Time of each frame, shape (n_frames,).

        ``start_time + k / rate`` in seconds, or the frame index ``k`` when ``rate`` is None.

        Examples
        --------
        >>> Sequence(np.zeros((3, 1)), 2.0, "-", "array", start_time=1.0).times()
        array([1. , 1.5, 2. ])
        """
        frames = np.arange(self.n_frames, dtype=np.float64)
        if self.rate is None:
            return frames
        return self.start_time + frames / self.rate


def _positive(value: float | None, field: str, what: str, *, integer: bool = False) -> None:
    if value is None:
        return
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and value > 0
    if integer:
        ok = ok and float(value).is_integer()
    if not ok:
        kind = "positive integer" if integer else "positive number"
        raise InputError(
            f"{OPTION_FLAGS[field]} must be a {kind} ({what}), got {value!r}", argument=field
        )


def _one_of(value: str, field: str, what: str, valid: dict[str, str]) -> None:
    if value not in valid:
        raise InputError(
            f"unknown {what} {value!r} ({OPTION_FLAGS[field]}); valid: {', '.join(valid)}",
            argument=field,
        )


@dataclass(frozen=True)
class ReadOptions:
    """How to read an input; the defaults suit most files.

    Attributes
    ----------
    rate : float or None
        Frames per second of arrays, and of tables without a time column.
    key : str or None
        Array name inside an .npz (default: its only array).
    columns : tuple of str or None
        Table columns to use (default: every numeric column except the time column).
    time_column : str or None
        Table time column in seconds (default: a column named time, t, timestamp or seconds,
        unless ``rate`` is given).
    features : str
        Audio feature set, a key of :data:`seqalign.audio.features.FEATURE_SETS`.
    sample_rate : int
        Audio is resampled to this rate (Hz) before computing features.
    hop_length : int
        Audio hop in samples; the audio frame rate is ``sample_rate / hop_length``.
    normalize : str
        A key of :data:`NORMALIZATIONS`.
    format : str or None
        Force a key of :data:`INPUT_FORMATS`; default from the extension, or sniffed.
    missing : str
        A key of :data:`seqalign.io.missing.MISSING_POLICIES`: refuse missing values (NaN,
        empty cells) and infinite ones (``error``), ``interpolate`` them or ``drop`` their
        frames.
    transpose : bool
        Read 2-D arrays and tables as (features, frames): their axes are swapped before
        anything else (a table's columns become frames, so it has no time column). 1-D arrays
        and audio are read as they are.
    max_memory : int or None
        Bytes that computing audio features may take (estimated before resampling,
        :func:`seqalign.audio.features.feature_memory`); default half the available memory, as
        :func:`seqalign.memory.memory_budget`.
    sounding : bool
        Also find where audio sounds (:attr:`Sequence.sounding`,
        :func:`seqalign.audio.tempo.sounding_span`), for ``warp``'s tempo stretch; off by
        default, as only that needs it (on 20 minutes of room noise it takes about 2 s).

    Raises
    ------
    InputError
        On construction, for a value out of range or a name that is not in its registry.
    """

    rate: float | None = None
    key: str | None = None
    columns: tuple[str, ...] | None = None
    time_column: str | None = None
    features: str = "logmel"
    sample_rate: int = 22050
    hop_length: int = 512
    normalize: str = "none"
    format: str | None = None
    missing: str = "error"
    transpose: bool = False
    max_memory: int | None = None
    sounding: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.columns, str):
            object.__setattr__(self, "columns", (self.columns,))
        elif self.columns is not None:
            object.__setattr__(self, "columns", tuple(self.columns))
        _positive(self.rate, "rate", "frames per second")
        _positive(self.sample_rate, "sample_rate", "Hz", integer=True)
        _positive(self.hop_length, "hop_length", "samples", integer=True)
        _one_of(self.features, "features", "feature set", FEATURE_SETS)
        _one_of(self.normalize, "normalize", "normalisation", NORMALIZATIONS)
        _one_of(self.missing, "missing", "missing-value policy", MISSING_POLICIES)
        if self.format is not None:
            _one_of(self.format, "format", "input format", INPUT_FORMATS)
        if self.transpose and self.time_column is not None:
            raise InputError(
                f"--time-column {self.time_column!r} and --transpose: a transposed table's "
                "columns are frames, so it has no time column; give --rate",
                argument="time_column",
            )
        if self.rate is not None and self.time_column is not None:
            raise InputError(
                f"--rate {self.rate:g} and --time-column {self.time_column!r} both set the "
                "timing; give one",
                argument="rate",
            )
