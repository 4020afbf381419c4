"""What every task shares: the defaults that depend on the inputs, reading, output checks.

The defaults that depend on what the inputs are (audio or not) are defined here and nowhere
else. For audio, benchmarks/FEATURES.md measured log-mel features z-scored per feature and
compared by cosine as the most accurate; other inputs are taken as they are. symmetric1 (every
step weighs 1) beats symmetric2 for every setting there, and, unlike symmetric2, allows an open
begin.

Only the standard library is imported at module level (the command line imports the task
modules to build its help).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from seqalign.errors import InputError
from seqalign.units import plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import ReadOptions, Sequence

__all__ = [
    "AUDIO_DEFAULTS",
    "DEFAULT_FEATURES",
    "DEFAULT_HOP_LENGTH",
    "DEFAULT_STEP_PATTERN",
    "OTHER_DEFAULTS",
    "Reading",
    "band_radius",
    "check_gamma",
    "check_inputs",
    "check_output",
    "check_rate",
    "check_same_features",
    "check_targets",
    "default_for",
    "json_bytes",
    "npz_bytes",
    "read_inputs",
    "settings_from",
    "write_bytes",
]

#: Audio feature set when none is given (``warp``: when no preset applies).
DEFAULT_FEATURES = "logmel"
#: Audio hop in samples when none is given (``warp``: when no preset applies).
DEFAULT_HOP_LENGTH = 512
#: Step pattern of DTW when none is given.
DEFAULT_STEP_PATTERN = "symmetric1"
#: Defaults when an input is audio, by setting (``metric`` of ``warp`` and ``matrix``).
AUDIO_DEFAULTS: dict[str, str] = {"normalize": "zscore", "metric": "cosine"}
#: Defaults otherwise.
OTHER_DEFAULTS: dict[str, str] = {"normalize": "none", "metric": "euclidean"}


def default_for(name: str, sequences: Iterable[Sequence]) -> str:
    """The default of setting ``name`` for these inputs (audio or not)."""
    audio = any(seq.kind == "audio" for seq in sequences)
    return (AUDIO_DEFAULTS if audio else OTHER_DEFAULTS)[name]


@dataclass(kw_only=True)
class LocalCost:
    """The local cost between frames: ``metric`` (None: chosen by the inputs, see
    :func:`default_for`) and the parameters of a kernel metric."""

    metric: str | None = None
    kernel_gamma: float | None = None
    degree: float | None = None
    coef0: float | None = None


@dataclass(kw_only=True)
class Banded:
    """A global constraint: the ``window``'s name and its half-width ``band`` (frames, or
    seconds such as ``2s``)."""

    window: str | None = None
    band: str | None = None


@dataclass(kw_only=True)
class Written:
    """The main output (``-``: standard output) and its format (None: from the extension)."""

    output: str = "-"
    format: str | None = None


@dataclass(kw_only=True)
class Reading:
    """How every task reads its inputs (the reader options of every command).

    ``rate_b`` is the frame rate of the second input of a pair (``warp``, ``soft``), when it
    differs from ``rate``; ``normalize`` None is the default that depends on the inputs
    (:data:`AUDIO_DEFAULTS`); ``max_memory`` is in bytes.
    """

    features: str = DEFAULT_FEATURES
    sample_rate: int = 22050
    hop_length: int = DEFAULT_HOP_LENGTH
    rate: float | None = None
    rate_b: float | None = None
    key: str | None = None
    column: tuple[str, ...] | None = None
    time_column: str | None = None
    normalize: str | None = None
    input_format: str | None = None
    missing: str = "error"
    transpose: bool = False
    max_memory: int | None = None

    def read_options(self, second: bool = False) -> ReadOptions:
        """The :class:`seqalign.io.ReadOptions` of the first input (or of the second of a
        pair: ``rate_b`` when given); validated on construction."""
        from seqalign.io import ReadOptions

        rate = self.rate_b if second and self.rate_b is not None else self.rate
        return ReadOptions(
            rate=rate,
            key=self.key,
            columns=tuple(self.column) if self.column else None,
            time_column=self.time_column,
            features=self.features,
            sample_rate=self.sample_rate,
            hop_length=self.hop_length,
            normalize=self.normalize or "none",
            format=self.input_format,
            missing=self.missing,
            transpose=self.transpose,
            max_memory=self.max_memory,
        )

    def check(self) -> None:
        """Refuse a bad frame rate before anything is read."""
        check_rate(self.rate, "--rate")
        check_rate(self.rate_b, "--rate-b")


def settings_from(cls: type, options: Mapping[str, Any], **given: Any) -> Any:
    """An instance of the settings dataclass ``cls`` from named options (a batch job's, or the
    command line's): the options it has a field for, then ``given``."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in options.items() if k in names}, **given)


def read_inputs(
    paths: Iterable[str],
    reading: Reading,
    pair: bool = False,
    check: Callable[[list[Sequence]], None] | None = None,
    sounding: bool = False,
) -> tuple[list, str]:
    """Read each path and apply the default normalisation of the inputs.

    Returns the sequences and the normalisation used (``reading.normalize``, else
    :func:`default_for`: z-scores when an input is audio). With ``pair``, the second input is
    read at ``rate_b``. ``check`` sees the sequences as read, before normalisation. With
    ``sounding``, audio inputs get their sounding spans (:attr:`Sequence.sounding`).
    """
    from seqalign.io import normalize, read_sequence

    sequences = []
    for i, path in enumerate(paths):
        options = reading.read_options(second=pair and i == 1)
        sequences.append(read_sequence(path, replace(options, sounding=sounding)))
    if check is not None:
        check(sequences)
    if reading.normalize is not None:
        return sequences, reading.normalize
    name = default_for("normalize", sequences)
    if name != "none":
        for seq in sequences:
            seq.data = normalize(seq.data, name)
    return sequences, name


def check_rate(value: float | None, flag: str) -> None:
    """Raise :class:`InputError` unless ``value`` is None or a positive, finite frame rate."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InputError(f"{flag} must be a positive number (frames per second), got {value:g}")


def check_inputs(*paths: str) -> None:
    """Refuse more than one ``-``: standard input can be read only once."""
    if sum(path == "-" for path in paths) > 1:
        raise InputError("only one input can be - (standard input); give the others as files")


def check_same_features(sequences: list[Sequence], argument: str = "files") -> None:
    """Every input has at least 2 frames and the features of the first (one line naming both
    files otherwise)."""
    first = sequences[0]
    for seq in sequences:
        if seq.n_frames < 2:
            raise InputError(
                f"{seq.label}: a single frame (shape {seq.data.shape}); every input needs at "
                "least 2 (arrays are time-first (frames, features): transposed? give "
                "--transpose)",
                argument=argument,
            )
        if seq.n_features != first.n_features:
            raise InputError(
                f"{seq.label}: {plural(seq.n_features, 'feature')} per frame but {first.label} has "
                f"{first.n_features}; every input needs the same features",
                argument=argument,
            )


def check_output(
    target: str, flag: str, fmt: str | None = None, format_flag: str | None = "--format"
) -> str:
    """Check that ``target`` can be written and return its format (before any work is done).

    ``-`` (standard output) always can; a file needs an existing, writable folder and must not
    be a folder itself. The format is ``fmt`` if given, else from the extension (one of
    :data:`seqalign.io.extensions.OUTPUT_EXTENSIONS`: another is an error naming ``flag`` and
    ``format_flag``), else csv.
    """
    from seqalign.io.extensions import OUTPUT_EXTENSIONS, format_by_extension
    from seqalign.io.writers import check_target, output_format

    if fmt is None:
        format_by_extension(target, flag, OUTPUT_EXTENSIONS, format_flag)
    fmt = output_format(target, fmt)
    check_target(target, flag)
    return fmt


def check_targets(targets: Mapping[str, str | None], inputs: Iterable[str]) -> None:
    """Refuse two outputs to one place (standard output included), and an output over an input.

    ``targets`` maps each output flag to its value (None: not asked for).
    """
    from seqalign.io.outputs import output_place

    seen: dict[str, str] = {}
    inputs = list(inputs)
    for flag, target in targets.items():
        if target is None:
            continue
        place = output_place(target, flag)
        if place.key in seen and place.path != os.devnull:
            where = "standard output" if place.kind == "stdout" else target
            raise InputError(f"{seen[place.key]} and {flag} both write to {where}; give two files")
        seen[place.key] = flag
        if place.kind == "stdout" or not os.path.exists(target):
            continue
        for path in inputs:
            if path != "-" and os.path.exists(path) and os.path.samefile(path, target):
                raise InputError(f"{flag} {target} would overwrite the input {path}")


def band_radius(
    band: str | None,
    sequences: list[Sequence],
    typed: dict[str, str],
    rate_flags: str = "--rate",
) -> int | None:
    """The band (``200`` frames or ``2.5s``) in frames of the reference(s), the last input;
    seconds need one common frame rate (given by ``rate_flags`` when the inputs have none).
    ``typed["radius"]`` gets the band as typed and in frames, for messages."""
    if band is None:
        return None
    from seqalign.units import parse_band

    spec = parse_band(band)
    rates = {seq.rate for seq in sequences}
    reference = sequences[-1]
    if spec.seconds is not None and len(rates) > 1:
        raise InputError(
            f"--band {spec.text}: the inputs have different frame rates, so seconds do not "
            "give one width in frames; give the band in frames",
            argument="radius",
        )
    radius = spec.radius(reference.rate, reference.label, rate_flags)
    typed["radius"] = spec.describe(radius)
    return radius


def check_gamma(gamma: float) -> None:
    """Refuse a soft-DTW ``gamma`` before any input is read: the API's own check
    (:func:`seqalign.soft.sweep.check_gamma`), run early."""
    from seqalign.soft.sweep import check_gamma as check

    check(gamma)


def json_bytes(record: dict[str, Any]) -> bytes:
    """``record`` as one line of JSON (numpy values as Python, non-finite floats as null)."""
    import json

    from seqalign.io.writers import json_safe

    return (json.dumps(json_safe(record), allow_nan=False) + "\n").encode()


def npz_bytes(**arrays: Any) -> bytes:
    """``arrays`` as the bytes of an ``.npz`` archive."""
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_bytes(target: str, data: bytes, flag: str) -> None:
    """Write ``data`` to ``target`` (``-``: standard output) atomically; ``flag`` names the
    option in errors."""
    from seqalign.io.writers import atomic_output

    with atomic_output(target, binary=True, flag=flag) as stream:
        stream.write(data)
