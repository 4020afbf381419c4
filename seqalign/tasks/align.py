"""The align task (``seqalign warp``, a batch ``warp`` job): read two inputs, apply the
defaults, align them (DTW, or CTW with ``cross_modal``), write the path and what goes with it.

:func:`run_align` is the one path from :class:`AlignSettings` to written files; the command
line and the batch runner both call it. Everything is checked before anything is written,
and outputs are written atomically, so a bad input leaves no file. numpy, numba and librosa
are imported inside the functions.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seqalign.errors import InputError
from seqalign.tasks.common import (
    DEFAULT_FEATURES,
    DEFAULT_HOP_LENGTH,
    DEFAULT_STEP_PATTERN,
    Banded,
    LocalCost,
    Reading,
    Written,
    check_inputs,
    check_output,
    check_targets,
    default_for,
    read_inputs,
)
from seqalign.tasks.kernels import kernel_metric
from seqalign.units import MAX_FRAMES, parse_band, plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import Sequence
    from seqalign.warping.align import Alignment

__all__ = [
    "AlignOutcome",
    "AlignSettings",
    "anchor_frames",
    "apply_preset",
    "check_refine",
    "map_times",
    "parse_anchor",
    "refine_factor",
    "run_align",
]

#: Local cost in the shared space of ``cross_modal`` when ``metric`` is not given (the CTW
#: objective's).
CROSS_MODAL_METRIC = "sqeuclidean"


@dataclass(kw_only=True)
class AlignSettings(Written, Banded, LocalCost, Reading):
    """Everything one alignment needs: inputs, reading, aligning, outputs.

    Field names are the option names of :mod:`seqalign.options` (the batch columns); None is
    the default that depends on the inputs (:mod:`seqalign.tasks.common`).
    """

    a: str
    b: str
    preset: str = "auto"
    features: str | None = None  # type: ignore[assignment]  # None: the preset's, else logmel
    hop_length: int | None = None  # type: ignore[assignment]  # None: the preset's, else 512
    step_pattern: str | None = None
    open_begin: bool = False
    open_end: bool = False
    subsequence: bool = False
    solver: str = "auto"
    time_limit: float | None = None
    multiscale_radius: int | None = None
    anchor: tuple[str, ...] | None = None
    verify: bool | None = None
    cross_modal: str | None = None
    components: int | None = None
    reg: float | None = None
    refine: int | None = None  # None: the preset's, else 1
    skip_pauses: float | None = None  # None: the preset's, else 0
    match_tempo: bool | None = None  # None: the preset's, else off
    interpolation: str | None = None  # None: the preset's, else runs
    time_map: str | None = None
    plot: str | None = None
    projections: str | None = None


@dataclass
class AlignOutcome:
    """What :func:`run_align` did: the inputs as read, the alignment, the settings used."""

    seq_a: Sequence
    seq_b: Sequence
    alignment: Alignment
    normalize: str
    features: str | None
    read_s: float
    align_s: float
    typed: dict[str, str] = field(default_factory=dict)
    preset: str | None = None


def check_solver(solver: str, multiscale_radius: int | None) -> str:
    """Validate ``solver`` and ``multiscale_radius`` before reading anything."""
    from seqalign.warping.planner import METHODS

    name = solver.lower()
    if name not in METHODS:
        raise InputError(
            f"--solver {solver!r}: choose one of {', '.join(METHODS)}", argument="solver"
        )
    if multiscale_radius is not None and multiscale_radius < 1:
        raise InputError(
            f"--multiscale-radius {multiscale_radius}: give a whole number of frames >= 1",
            argument="multiscale_radius",
        )
    return name


_TIME = re.compile(r"\s*(?P<number>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?P<unit>s|ms|f)?\s*")


def parse_anchor(text: str) -> tuple[tuple[float, str], tuple[float, str]]:
    """Parse one anchor ``TA:TB`` into ``((value, unit), (value, unit))``.

    Examples
    --------
    >>> parse_anchor("12.5:300f")
    ((12.5, ''), (300.0, 'f'))
    """
    parts = text.split(":")
    matches = [_TIME.fullmatch(part) for part in parts]
    if len(parts) != 2 or None in matches:
        raise InputError(
            f"--anchor {text!r}: give two times TA:TB, e.g. 12.5:14.2 or 300f:340f",
            argument="anchors",
        )
    ends = tuple((float(m["number"]), (m["unit"] or "").lower()) for m in matches)  # type: ignore[index]
    if not all(math.isfinite(value) and abs(value) <= MAX_FRAMES for value, _ in ends):
        raise InputError(f"--anchor {text!r}: a time out of range", argument="anchors")
    return ends  # type: ignore[return-value]


def anchor_frames(texts: tuple[str, ...] | list[str] | None, seq_a: Sequence, seq_b: Sequence):
    """Anchors as frame pairs of A and B, or None."""
    if not texts:
        return None
    pairs = []
    for text in texts:
        frames = []
        for (value, unit), seq in zip(parse_anchor(text), (seq_a, seq_b)):
            if unit == "f" or (unit == "" and not seq.rate):
                if not float(value).is_integer():
                    raise InputError(f"--anchor {text!r}: frames must be whole numbers",
                                     argument="anchors")  # fmt: skip
                frame = int(value)
            elif not seq.rate:
                raise InputError(
                    f"--anchor {text!r}: {seq.label} has no frame rate; give frames (300f) "
                    "or set --rate",
                    argument="anchors",
                )
            else:
                seconds = value / 1000 if unit == "ms" else value
                frame = round((seconds - seq.start_time) * seq.rate)
            if not 0 <= frame < seq.n_frames:
                raise InputError(
                    f"--anchor {text!r}: frame {frame} is outside {seq.label} "
                    f"({plural(seq.n_frames, 'frame')})",
                    argument="anchors",
                )
            frames.append(frame)
        pairs.append(frames)
    return pairs


def check_refine(s: AlignSettings) -> None:
    """Refuse a bad ``refine`` or ``interpolation`` before reading anything."""
    from seqalign.warping.timemap import INTERPOLATIONS

    if s.interpolation is not None and s.interpolation.strip().lower() not in INTERPOLATIONS:
        raise InputError(f"--interpolation {s.interpolation!r}: choose one of "
                         f"{', '.join(INTERPOLATIONS)}", argument="interpolation")  # fmt: skip
    if s.refine is None:
        return
    if s.refine < 1:
        raise InputError(f"--refine {s.refine}: give a whole number >= 1 (1: no refinement)",
                         argument="refine")  # fmt: skip
    if s.refine == 1:
        return
    if not all(_audio_file(path, s.input_format) for path in (s.a, s.b)):
        raise InputError(f"--refine {s.refine}: needs two audio files (it computes their "
                         "features at a finer hop)", argument="refine")  # fmt: skip
    if s.cross_modal is not None or s.open_begin or s.open_end or s.subsequence:
        raise InputError(f"--refine {s.refine}: not with --cross-modal, --open-begin, "
                         "--open-end or --subsequence (give --refine 1)",
                         argument="refine")  # fmt: skip


def _whole_frames(s: AlignSettings) -> bool:
    """A closed DTW without anchors, window or cross-modal projection: nothing that names
    frames of the inputs, which skipping frames would move."""
    named = (s.cross_modal is not None, s.open_begin, s.open_end, s.subsequence, s.anchor,
             s.window not in (None, "none"), s.band is not None)  # fmt: skip
    return not any(named)


def check_skip_pauses(s: AlignSettings) -> None:
    """Refuse ``--skip-pauses`` below 0, or above 0 where it cannot apply, before any work."""
    if s.skip_pauses is None:
        return
    if not (math.isfinite(s.skip_pauses) and s.skip_pauses >= 0):
        raise InputError(f"--skip-pauses {s.skip_pauses:g}: give seconds >= 0 (0: align every "
                         "frame)", argument="skip_pauses")  # fmt: skip
    if s.skip_pauses == 0:
        return
    if not all(_audio_file(path, s.input_format) for path in (s.a, s.b)):
        raise InputError(f"--skip-pauses {s.skip_pauses:g}: needs two audio files (it reads "
                         "their levels)", argument="skip_pauses")  # fmt: skip
    if not _whole_frames(s):
        raise InputError(f"--skip-pauses {s.skip_pauses:g}: not with --cross-modal, "
                         "--open-begin, --open-end, --subsequence, --anchor, --window or "
                         "--band (give --skip-pauses 0)", argument="skip_pauses")  # fmt: skip


def pause_seconds(s: AlignSettings, preset: str | None) -> float:
    """``s.skip_pauses``, else the preset's where it applies (a closed DTW of two audio files
    without anchors or a window), else 0. Call after :func:`apply_preset` and
    :func:`check_skip_pauses`."""
    from seqalign.audio.presets import PRESETS

    if s.skip_pauses is not None:
        return s.skip_pauses
    if preset is None or not _whole_frames(s):
        return 0.0
    return PRESETS[preset].skip_pauses


def check_match_tempo(s: AlignSettings) -> None:
    """Refuse ``--match-tempo`` where it cannot apply, before any work."""
    if not s.match_tempo:
        return
    if not all(_audio_file(path, s.input_format) for path in (s.a, s.b)):
        raise InputError("--match-tempo: needs two audio files (it measures how long each "
                         "sounds)", argument="match_tempo")  # fmt: skip
    if not _whole_frames(s):
        raise InputError("--match-tempo: not with --cross-modal, --open-begin, --open-end, "
                         "--subsequence, --anchor, --window or --band (give --no-match-tempo)",
                         argument="match_tempo")  # fmt: skip
    if s.skip_pauses:
        raise InputError(f"--match-tempo: not with --skip-pauses {s.skip_pauses:g} (give "
                         "--no-match-tempo or --skip-pauses 0)",
                         argument="match_tempo")  # fmt: skip


def wants_tempo_stretch(s: AlignSettings, preset: str | None) -> bool:
    """Whether B is to be stretched to A's tempo: ``s.match_tempo``, else the preset's where
    it applies (a closed DTW of two audio files without anchors or a window). Call after
    :func:`apply_preset` and :func:`check_match_tempo`."""
    from seqalign.audio.presets import PRESETS

    if s.match_tempo is not None:
        return s.match_tempo
    return preset is not None and _whole_frames(s) and PRESETS[preset].match_tempo


def tempo_stretch(seq_a: Sequence, seq_b: Sequence) -> float | None:
    """How much longer B sounds than A (:func:`seqalign.audio.tempo.tempo_ratio`), from the
    sounding spans the two were read with (where :func:`wants_tempo_stretch`); None without
    them, or when the two tempos are within 1 %."""
    from seqalign.audio.tempo import tempo_ratio

    if seq_a.sounding is None or seq_b.sounding is None:
        return None
    ratio = tempo_ratio(seq_a.sounding, seq_b.sounding)
    return None if abs(ratio - 1.0) < 0.01 else ratio


def _has_floor(metric: str | None) -> bool:
    """Whether B stretched to A's tempo gets the cost floor
    (:func:`seqalign.warping.stretch.with_floor`): with the Euclidean metrics only, where one
    more feature is a floor; with cosine and the others it would be a different cost."""
    return (metric or "").strip().lower() in ("euclidean", "sqeuclidean")


def _skipped(s: AlignSettings, seq_a: Sequence, seq_b: Sequence, seconds: float):
    """The frames of A and of B inside pauses of at least ``seconds``
    (:func:`seqalign.audio.pauses.pause_frames`)."""
    from seqalign.audio.pauses import pause_frames
    from seqalign.io.audio import read_levels

    sides = ((s.a, seq_a, False), (s.b, seq_b, True))
    return tuple(
        pause_frames(read_levels(path, s.read_options(second)), seq.rate or 1.0, min_pause=seconds)
        for path, seq, second in sides
    )


def refine_factor(s: AlignSettings, preset: str | None) -> int:
    """``s.refine``, else the preset's where it applies (a closed DTW of two audio files),
    else 1. Call after :func:`apply_preset` and :func:`check_refine`."""
    from seqalign.audio.presets import PRESETS

    if s.refine is not None:
        if s.refine > (s.hop_length or 1):
            raise InputError(f"--refine {s.refine}: at most the hop ({s.hop_length} samples)",
                             argument="refine")  # fmt: skip
        return s.refine
    if preset is None or s.cross_modal is not None or s.open_begin or s.open_end:
        return 1
    if s.subsequence:
        return 1
    return min(PRESETS[preset].refine, s.hop_length or 1)


def refine_features(s: AlignSettings, factor: int) -> str | None:
    """The feature set the fine pass reads (:func:`seqalign.audio.features.fine_features`:
    the onset sets' fine versions) when the path is refined (``factor`` > 1), else
    ``s.features``."""
    from seqalign.audio.features import fine_features

    return fine_features(s.features) if s.features and factor > 1 else s.features


def _refined(s: AlignSettings, factor: int, alignment: Alignment, seq_a: Sequence,
             seq_b: Sequence, stretch: float | None = None):  # fmt: skip
    """The alignment refined with the features at ``factor`` times the frame rate, and the
    sequences it is on (:func:`seqalign.warping.refine.refine`). With ``stretch`` (the path
    was found with B stretched to A's tempo, :func:`tempo_stretch`), B is read at its fine
    hop times ``stretch``, so that the fine path's expected slope is 1 as well."""
    import dataclasses

    import numpy as np

    from seqalign.warping.refine import DEFAULT_RADIUS, refine
    from seqalign.warping.stretch import TEMPO_FLOOR, with_floor

    hop = max(1, (s.hop_length or 1) // factor)
    fine = dataclasses.replace(s, hop_length=hop, features=refine_features(s, factor))
    if stretch is None:
        (fine_a, fine_b), _ = read_inputs((s.a, s.b), fine, pair=True)
    else:
        (fine_a,), _ = read_inputs((s.a,), fine) if factor > 1 else ((seq_a,), None)
        fine_hop_b = dataclasses.replace(fine, hop_length=max(1, round(hop * stretch)))
        (fine_b,), _ = read_inputs((s.b,), fine_hop_b)
    assert alignment.path is not None and seq_a.rate and seq_b.rate
    assert fine_a.rate and fine_b.rate
    x, y = fine_a.data, fine_b.data
    floored = stretch is not None and _has_floor(s.metric)
    if floored:
        x, y = with_floor(x, y, TEMPO_FLOOR)
    refined = refine(x, y, alignment.path, ratio_a=fine_a.rate / seq_a.rate,
                     ratio_b=fine_b.rate / seq_b.rate, radius=DEFAULT_RADIUS,
                     metric=alignment.metric, step_pattern=alignment.step_pattern)  # fmt: skip
    if floored and refined.step_pattern == "symmetric1" and refined.path is not None:
        # the distance without the floor: symmetric1 sums the local costs along the path
        p = refined.path
        cost = np.linalg.norm(fine_a.data[p[:, 0]] - fine_b.data[p[:, 1]], axis=1)
        distance = float((cost**2).sum() if refined.metric == "sqeuclidean" else cost.sum())
        refined = dataclasses.replace(refined, distance=distance)
    reason = alignment.solver_reason
    if stretch is not None:
        reason += f"; B stretched to A's tempo (B sounds {stretch:.3g} times as long"
        if seq_a.sounding and seq_b.sounding:
            (a0, a1), (b0, b1) = seq_a.sounding, seq_b.sounding
            reason += f": A from {a0:.2f} to {a1:.2f} s, B from {b0:.2f} to {b1:.2f} s"
        reason += ")"
    reason += (f"; then refined at {factor} times the frame rate within {DEFAULT_RADIUS} "
               "frames of the path")  # fmt: skip
    refined = dataclasses.replace(refined, solver=alignment.solver, solver_reason=reason,
                                  agreement=alignment.agreement)  # fmt: skip
    return refined, fine_a, fine_b


def _audio_file(path: str, input_format: str | None) -> bool:
    """A regular file that will be read as audio (by ``--input-format`` or its extension)."""
    import os

    from seqalign.io.source import EXTENSIONS

    if path == "-" or not os.path.isfile(path):
        return False
    return (input_format or EXTENSIONS.get(os.path.splitext(path)[1].lower())) == "audio"


def apply_preset(s: AlignSettings) -> tuple[AlignSettings, str | None]:
    """The settings with the preset's values where ``s`` leaves them to the default, and the
    preset applied (None: none).

    A preset applies when both inputs are audio files and ``cross_modal`` is not asked for;
    ``auto`` reads both signals and picks music or speech
    (:func:`seqalign.audio.presets.detect_preset`). Features and hop left unset after that
    get the plain defaults (:data:`seqalign.tasks.common.DEFAULT_FEATURES`, 512 samples).
    """
    import dataclasses

    from seqalign.audio.presets import PRESET_NAMES, PRESETS

    name = s.preset.strip().lower()
    if name not in PRESET_NAMES:
        raise InputError(
            f"--preset {s.preset!r}: choose one of {', '.join(PRESET_NAMES)}", argument="preset"
        )
    chosen = None
    changes: dict[str, Any] = {}
    audio = all(_audio_file(path, s.input_format) for path in (s.a, s.b))
    if name != "none" and audio and s.cross_modal is None:
        if name == "auto":
            from seqalign.audio.presets import detect_preset
            from seqalign.io.audio import read_signal

            name, _ = detect_preset([read_signal(path, path) for path in (s.a, s.b)])
        chosen = name
        preset = PRESETS[name]
        for field_name in ("features", "hop_length", "normalize", "metric", "step_pattern",
                           "interpolation"):  # fmt: skip
            if getattr(s, field_name) is None:
                changes[field_name] = getattr(preset, field_name)
    if changes.get("features", s.features) is None:
        changes["features"] = DEFAULT_FEATURES
    if changes.get("hop_length", s.hop_length) is None:
        changes["hop_length"] = DEFAULT_HOP_LENGTH
    if changes.get("interpolation", s.interpolation) is None:
        changes["interpolation"] = "runs"
    return dataclasses.replace(s, **changes), chosen


def check_cross_modal(s: AlignSettings) -> None:
    """Refuse the cross-modal settings without ``cross_modal``, and bad values, before any work."""
    if s.cross_modal is None:
        given = {"--components": s.components, "--reg": s.reg, "--projections": s.projections}
        for flag, value in given.items():
            if value is not None:
                raise InputError(f"{flag} needs --cross-modal (e.g. --cross-modal ctw)")
        return
    if s.components is not None and s.components < 1:
        raise InputError(f"--components {s.components}: must be a whole number >= 1")
    if s.reg is not None and not (math.isfinite(s.reg) and s.reg >= 0):
        raise InputError(f"--reg {s.reg:g}: must be a finite number >= 0")
    if s.projections is not None:
        from seqalign.io.extensions import PROJECTION_EXTENSIONS, format_by_extension
        from seqalign.io.writers import check_target

        if s.projections == "-":
            raise InputError("--projections -: give a file (.npz); standard output is for -o")
        format_by_extension(s.projections, "--projections", PROJECTION_EXTENSIONS, None)
        check_target(s.projections, "--projections")


def _ctw(s: AlignSettings, seq_a: Sequence, seq_b: Sequence) -> Callable[..., Alignment]:
    """The library call for ``cross_modal``: ``dtw``'s signature, CTW's options bound."""
    from seqalign.crossmodal.ctw import CROSS_MODAL, DEFAULT_REG, ctw

    assert s.cross_modal is not None
    if s.cross_modal.lower() not in CROSS_MODAL:
        raise InputError(
            f"--cross-modal {s.cross_modal}: unknown method; choose one of: "
            f"{', '.join(CROSS_MODAL)}"
        )
    most = min(seq_a.n_features, seq_b.n_features)
    if s.components is not None and s.components > most:
        raise InputError(
            f"--components {s.components}: at most {most}, the smaller number of features (A "
            f"has {seq_a.n_features} per frame, B has {seq_b.n_features})"
        )
    reg = DEFAULT_REG if s.reg is None else s.reg
    return functools.partial(ctw, n_components=s.components, reg=reg)


def write_projections(target: str, alignment: Any) -> None:
    """Write the projections of a CTW alignment to ``target`` as .npz, atomically."""
    import io

    import numpy as np

    from seqalign.io import atomic_output

    arrays = {**alignment.projections.arrays(), "objectives": alignment.objectives}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with atomic_output(target, binary=True, flag="--projections") as stream:
        stream.write(buffer.getvalue())


def run_align(
    s: AlignSettings,
    *,
    typed: dict[str, str] | None = None,
    progress: Callable[[], AbstractContextManager] | None = None,
) -> AlignOutcome:
    """Align ``s.a`` to ``s.b`` and write ``s.output`` (and the time map, projections, plot).

    Parameters
    ----------
    s : AlignSettings
        The settings.
    typed : dict, optional
        Filled with what the user typed for settings named in errors (``radius``: the band
        and its width in frames), for :func:`seqalign.wording.reword`.
    progress : callable, optional
        Returns a context manager yielding a ``progress(done, total)`` callback (or None),
        entered around the alignment.

    Raises
    ------
    SeqalignError
        A bad setting or input, before anything is written.
    """
    started = time.perf_counter()
    typed = {} if typed is None else typed
    check_inputs(s.a, s.b)
    targets = {"-o": s.output, "--time-map": s.time_map, "--plot": s.plot,
               "--projections": s.projections}  # fmt: skip
    check_targets(targets, (s.a, s.b))
    check_cross_modal(s)
    check_refine(s)
    check_skip_pauses(s)
    check_match_tempo(s)
    spec = None if s.band is None else parse_band(s.band)
    solver = check_solver(s.solver, s.multiscale_radius)
    for text in s.anchor or ():
        parse_anchor(text)
    s, preset = apply_preset(s)
    factor = refine_factor(s, preset)
    pauses = pause_seconds(s, preset)
    s.check()
    metric = kernel_metric(s.metric, s.kernel_gamma, s.degree, s.coef0)
    s.read_options()
    s.read_options(second=True)
    path_format = check_output(s.output, "-o", s.format)
    if s.time_map is not None:
        check_output(s.time_map, "--time-map", format_flag=None)
    if s.plot is not None:
        from seqalign.plots import check_plot_target

        check_plot_target(s.plot)

    from seqalign.io import write_path, write_time_map
    from seqalign.warping.align import dtw

    spans = pauses == 0 and wants_tempo_stretch(s, preset)  # only the stretch needs them
    (seq_a, seq_b), normalize = read_inputs((s.a, s.b), s, pair=True, sounding=spans)
    audio = "audio" in (seq_a.kind, seq_b.kind)
    stretch = tempo_stretch(seq_a, seq_b)
    sounding = None if stretch is None else [seq_a.sounding, seq_b.sounding]  # as read
    data_a, data_b = seq_a.data, seq_b.data
    trim_a, trim_b = (0, seq_a.n_frames), (0, seq_b.n_frames)
    if stretch is not None:  # B at A's tempo, floored, over the two sounding spans
        from seqalign.warping.stretch import (
            TEMPO_FLOOR,
            sounding_frames,
            stretch_frames,
            stretched_length,
            with_floor,
        )

        stretched = stretched_length(seq_b.n_frames, stretch)
        data_b = stretch_frames(data_b, stretched)
        assert seq_a.rate and seq_b.rate and seq_a.sounding and seq_b.sounding
        trim_a = sounding_frames(seq_a.sounding, seq_a.rate, seq_a.n_frames)
        trim_b = sounding_frames(seq_b.sounding, seq_b.rate * len(data_b) / seq_b.n_frames,
                                 len(data_b))  # fmt: skip
        data_a, data_b = data_a[slice(*trim_a)], data_b[slice(*trim_b)]
        if _has_floor(s.metric):
            data_a, data_b = with_floor(data_a, data_b, TEMPO_FLOOR)
    radius = None if spec is None else spec.radius(seq_b.rate, seq_b.label)
    if spec is not None:
        typed["radius"] = spec.describe(radius)
    read_s = time.perf_counter() - started

    align: Callable[..., Alignment] = dtw
    extra: dict[str, Any] = {}
    default_metric = default_for("metric", (seq_a, seq_b))
    if s.cross_modal is not None:
        align = _ctw(s, seq_a, seq_b)
        default_metric = CROSS_MODAL_METRIC
    else:
        if preset is not None and solver == "auto":
            from seqalign.audio.presets import PRESETS

            above = PRESETS[preset].multiscale_cells
            if above is not None and len(data_a) * len(data_b) > above:
                solver = "multiscale"
        extra = {"solver": solver, "anchors": anchor_frames(s.anchor, seq_a, seq_b),
                 "multiscale_radius": s.multiscale_radius, "verify": s.verify,
                 "time_limit": s.time_limit}  # fmt: skip
        if pauses > 0:
            from seqalign.warping.skipping import dtw_skipping

            skip_a, skip_b = _skipped(s, seq_a, seq_b, pauses)
            align = functools.partial(dtw_skipping, skip_a=skip_a, skip_b=skip_b)
    with progress() if progress is not None else nullcontext() as callback:
        if s.cross_modal is None:
            extra["progress"] = callback
        alignment = align(
            data_a,
            data_b,
            metric=metric or default_metric,
            step_pattern=s.step_pattern or DEFAULT_STEP_PATTERN,
            window=s.window,
            radius=radius,
            open_begin=s.open_begin or s.subsequence,
            open_end=s.open_end or s.subsequence,
            max_memory=s.max_memory,
            **extra,
        )
    if stretch is not None:  # the path back on B's frames, then exact in a band around it
        import dataclasses

        import numpy as np

        from seqalign.warping.stretch import join_ends, unstretch_path

        assert alignment.path is not None
        whole = join_ends(alignment.path + np.array([trim_a[0], trim_b[0]]), seq_a.n_frames,
                          stretched)  # fmt: skip
        unstretched = unstretch_path(whole, stretched, seq_b.n_frames)
        alignment = dataclasses.replace(alignment, path=unstretched, n=seq_a.n_frames,
                                        m=seq_b.n_frames)  # fmt: skip
        alignment, seq_a, seq_b = _refined(s, factor, alignment, seq_a, seq_b, stretch)
    elif factor > 1:
        alignment, seq_a, seq_b = _refined(s, factor, alignment, seq_a, seq_b)
    align_s = time.perf_counter() - started - read_s

    assert alignment.path is not None
    features = s.features if audio else None
    metadata = {
        **alignment.to_dict(),
        "a": seq_a.source,
        "b": seq_b.source,
        "a_rate": seq_a.rate,
        "b_rate": seq_b.rate,
        "features": features,
        "refine_features": refine_features(s, factor) if features and factor > 1 else None,
        "normalize": normalize,
        "preset": preset,
        "refine": factor,
        "skip_pauses": pauses,
        "tempo_stretch": stretch,
        "sounding": sounding,
    }
    write_path(s.output, alignment.path, fmt=path_format, a_times=seq_a.times(),
               b_times=seq_b.times(), metadata=metadata)  # fmt: skip
    if s.time_map is not None:
        mapped = map_times(alignment, seq_a, seq_b, (s.interpolation or "runs").strip().lower())
        write_time_map(s.time_map, mapped.a_times, mapped.b_times, confidence=mapped.confidence)
    if s.projections is not None:
        write_projections(s.projections, alignment)
    if s.plot is not None:
        plot_alignment(s.plot, alignment, seq_a, seq_b)
    return AlignOutcome(seq_a, seq_b, alignment, normalize, features, read_s, align_s, typed,
                        preset)  # fmt: skip


def map_times(alignment: Alignment, seq_a: Sequence, seq_b: Sequence, interpolation: str):
    """The time map of ``alignment`` (:meth:`seqalign.Alignment.time_map`) with the
    confidence from the sequences' features (CTW: their projections), its guard and reach
    :data:`~seqalign.warping.timemap.CONFIDENCE_GUARD_S` and ``CONFIDENCE_REACH_S`` seconds of
    B when B has a frame rate."""
    from seqalign.warping import timemap as tm

    learned = getattr(alignment, "projections", None)
    data_a = seq_a.data if learned is None else learned.transform_x(seq_a.data)
    data_b = seq_b.data if learned is None else learned.transform_y(seq_b.data)
    guard, reach = tm.CONFIDENCE_GUARD, tm.CONFIDENCE_REACH
    if seq_b.rate:
        guard = max(1, round(tm.CONFIDENCE_GUARD_S * seq_b.rate))
        reach = max(guard, round(tm.CONFIDENCE_REACH_S * seq_b.rate))
    return alignment.time_map(
        data_a,
        data_b,
        rate_a=seq_a.rate,
        rate_b=seq_b.rate,
        start_a=seq_a.start_time if seq_a.rate else 0.0,
        start_b=seq_b.start_time if seq_b.rate else 0.0,
        interpolation=interpolation,
        guard=guard,
        reach=reach,
    )


def plot_alignment(target: str, alignment: Alignment, seq_a: Sequence, seq_b: Sequence) -> None:
    """Draw the path, over the local costs when the matrix is small enough to show."""
    import os

    from seqalign.localcosts import cost_matrix
    from seqalign.plots import MAX_BACKGROUND_CELLS, plot_alignment, save_figure

    cost = None
    if alignment.n * alignment.m <= MAX_BACKGROUND_CELLS:
        learned = getattr(alignment, "projections", None)  # CTW: costs in the shared space
        data_a = seq_a.data if learned is None else learned.transform_x(seq_a.data)
        data_b = seq_b.data if learned is None else learned.transform_y(seq_b.data)
        cost = cost_matrix(data_a, data_b, alignment.metric)
    timed = seq_a.rate is not None and seq_b.rate is not None
    figure = plot_alignment(
        alignment.path,
        a_times=seq_a.times() if timed else None,
        b_times=seq_b.times() if timed else None,
        cost=cost,
        a_label=os.path.basename(seq_a.label),
        b_label=os.path.basename(seq_b.label),
        title=f"{alignment.step_pattern}, {alignment.metric}: distance {alignment.distance:.4g}",
    )
    save_figure(figure, target)
