"""The follow task (``seqalign follow REFERENCE LIVE``): follow a live stream along a
reference recording or feature file, writing one CSV line per live frame, flushed.

Output columns: ``live_time,ref_time,ref_index,confidence``: the live frame's time (its
index over the frame rate, seconds), the matched time and frame of the reference, and the
follower's smoothed confidence (0 to 1; :class:`seqalign.following.follower.Follower`).

Audio is turned into features causally, the same way for both inputs
(:mod:`seqalign.following.features`), with the settings of a preset: ``music`` is
``crp_dlnco`` (warp's music features) at a hop of 441 samples at 22050 Hz (50 frames per
second), compared by ``cityblock`` (measured more accurate for following than warp's
``euclidean``; ``crp_dlnco`` was 76.8 % within 100 ms against ``chroma_dlnco``'s 71.8 % on the
tuning half's music); ``speech``
is ``logmel`` at a hop of 220, compared by ``cosine``, with runs of up to 6 steps (4
otherwise); ``auto`` picks one from the
reference (:func:`seqalign.audio.presets.detect_preset`; the live stream is not there yet);
``none`` is ``logmel`` at a hop of 512, cosine. Audio is analysed at its own sample rate, the
hop scaled by ``sr / sample_rate`` (no resampling, so frames per second agree). Feature rows
are followed as they are (``--rate`` gives their frame rate).

Latency: for each frame, the work from the arrival of the block (samples or rows) that
completes it to its line being written and flushed (features, following, writing; a block
that completes several frames counts from the previous frame's line, not from its arrival,
so that queueing is left out); the mean and maximum are in :class:`FollowOutcome`.

Every setting is checked before anything is read; a bad input later ends the run with
an :class:`InputError` (lines already written to standard output stay; ``-o FILE`` is
written atomically: all or nothing).
"""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from seqalign.errors import InputError
from seqalign.tasks.common import check_rate, check_targets

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.following.follower import FollowStats

__all__ = ["FOLLOW_PRESETS", "FollowOutcome", "FollowSettings", "run_follow"]

#: Preset -> (features, hop at 22050 Hz, metric, max_run) for following audio (chosen on
#: the tuning half of the rendered corpus: speech needs longer runs, for pauses one voice
#: makes and the other does not).
FOLLOW_PRESETS: dict[str, tuple[str, int, str, int]] = {
    "music": ("crp_dlnco", 441, "cityblock", 4),
    "speech": ("logmel", 220, "cosine", 6),
    "none": ("logmel", 512, "cosine", 4),
}
#: ``max_run`` of feature rows.
DEFAULT_MAX_RUN = 4
#: ``--live-format`` values.
LIVE_FORMATS = ("audio", "pcm", "npy", "npz", "csv", "tsv")
#: Header of the output.
HEADER = "live_time,ref_time,ref_index,confidence\n"
_TIME = re.compile(r"([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(s|ms|f)?", re.I)


@dataclass(kw_only=True)
class FollowSettings:
    """Everything one following needs. Field names are the option names of
    :mod:`seqalign.options`; None is a default that depends on the inputs."""

    reference: str = ""
    live: str = ""
    preset: str = "auto"
    features: str | None = None
    hop_length: int | None = None
    sample_rate: int = 22050
    rate: float | None = None
    key: str | None = None
    metric: str | None = None
    live_format: str | None = None
    search_window: str = "20s"
    max_run: int | None = None
    step_weights: str = "1,1,1"
    from_time: str | None = None
    reanchor: bool = True
    output: str = "-"


@dataclass
class FollowOutcome:
    """What :func:`run_follow` did."""

    frames: int
    reference_frames: int
    rate: float
    features: str | None
    metric: str
    max_run: int
    preset: str | None
    stats: FollowStats
    mean_latency: float
    max_latency: float
    jumps: list[tuple[int, int, int]]
    seconds: float


def parse_weights(text: str) -> tuple[float, float, float]:
    """``"1,2,1"`` -> ``(1.0, 2.0, 1.0)``: three positive, finite numbers."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 3 or not all(math.isfinite(v) and v > 0 for v in values):
        raise InputError(
            f"--step-weights {text!r}: give three positive numbers H,D,V (e.g. 1,2,1)",
            argument="step_weights",
        )
    return values  # type: ignore[return-value]


def parse_start(text: str) -> tuple[float, str]:
    """``--from``: ``(seconds, "s")`` or ``(frame, "f")``."""
    match = _TIME.fullmatch(str(text).strip())
    if match is None:
        raise InputError(f"--from {text!r}: give a time (12.5, 12.5s, 500ms) or a frame (300f)")
    value, unit = float(match[1]), (match[2] or "s").lower()
    if unit == "f":
        if not value.is_integer():
            raise InputError(f"--from {text}: frames are whole numbers")
        return value, "f"
    return (value / 1000.0 if unit == "ms" else value), "s"


def _window_seconds(text: str, rate: float) -> float:
    from seqalign.units import parse_band

    spec = parse_band(text)
    if spec.seconds is not None:
        seconds = float(spec.seconds)
    else:
        seconds = spec.radius(rate, "REFERENCE") / rate
    if not (seconds > 0 and math.isfinite(seconds)):
        raise InputError(f"--search-window {text}: give a positive width", argument="window")
    return seconds


def _check(s: FollowSettings) -> None:
    """Every setting, before anything is read."""
    from seqalign.audio.presets import PRESET_NAMES
    from seqalign.following.features import STREAMING_FEATURES
    from seqalign.following.follower import FOLLOW_METRICS
    from seqalign.units import parse_band

    if s.reference == "-":
        raise InputError("REFERENCE must be a file (LIVE may be -, standard input)")
    if not os.path.exists(s.reference):
        raise InputError(f"{s.reference}: no such file")
    if os.path.isdir(s.reference):
        raise InputError(f"{s.reference}: a folder, not a file")
    if s.live != "-" and not os.path.exists(s.live):
        raise InputError(f"{s.live}: no such file")
    if s.preset.strip().lower() not in PRESET_NAMES:
        raise InputError(f"--preset {s.preset!r}: choose one of {', '.join(PRESET_NAMES)}")
    if s.features is not None and s.features.strip().lower() not in STREAMING_FEATURES:
        raise InputError(
            f"--features {s.features}: follow computes {', '.join(STREAMING_FEATURES)} "
            "(causal variants); give feature rows for others"
        )
    if s.hop_length is not None and s.hop_length < 1:
        raise InputError(f"--hop-length {s.hop_length}: give a positive number of samples")
    if s.sample_rate < 1:
        raise InputError(f"--sample-rate {s.sample_rate}: give a positive rate in Hz")
    check_rate(s.rate, "--rate")
    if s.metric is not None and s.metric.strip().lower() not in FOLLOW_METRICS:
        raise InputError(f"--metric {s.metric}: follow takes {', '.join(FOLLOW_METRICS)}")
    if s.live_format is not None and s.live_format.strip().lower() not in LIVE_FORMATS:
        raise InputError(f"--live-format {s.live_format}: choose one of {', '.join(LIVE_FORMATS)}")
    if s.max_run is not None and s.max_run < 1:
        raise InputError(f"--max-run {s.max_run}: give a whole number >= 1")
    parse_weights(s.step_weights)
    spec = parse_band(s.search_window)
    if (spec.seconds is not None and spec.seconds <= 0) or (spec.frames == 0):
        raise InputError(f"--search-window {s.search_window}: give a positive width")
    if s.from_time is not None:
        parse_start(s.from_time)
    check_targets({"-o": s.output}, [s.reference, s.live])
    if s.output != "-":
        from seqalign.io.writers import check_target

        extension = os.path.splitext(s.output)[1].lower()
        device = os.path.exists(s.output) and not os.path.isfile(s.output)
        if extension not in ("", ".csv", ".txt") and not device:
            raise InputError(
                f"-o {s.output}: follow writes CSV lines (a .csv or .txt file, or - for standard "
                f"output), not {extension[1:]}"
            )

        check_target(s.output, "-o")


def _is_audio(path: str) -> bool:
    from seqalign.io.source import EXTENSIONS, sniff_format

    fmt = EXTENSIONS.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        try:
            with open(path, "rb") as handle:
                fmt = sniff_format(handle.read(4096))
        except (InputError, OSError):
            return False
    return fmt == "audio"


def _scaled_hop(hop: int, sr: int, sample_rate: int) -> int:
    return max(1, round(hop * sr / sample_rate))


def run_follow(s: FollowSettings, out: TextIO | None = None) -> FollowOutcome:
    """Follow ``s.live`` along ``s.reference``; write one line per live frame to ``out``
    (default: ``s.output``, ``-`` being standard output)."""
    started = time.perf_counter()
    _check(s)

    from seqalign.following.features import (
        StreamingFeatures,
        reference_features,
        reference_onset_weight,
        reference_tuning,
    )
    from seqalign.following.follower import Follower
    from seqalign.io.live import open_live

    preset = None
    features = metric = None
    tuning = onset_weight = 0.0  # an audio reference sets both (feature rows use neither)
    hop = None
    if _is_audio(s.reference):
        from seqalign.io.audio import read_signal

        signal, ref_sr = read_signal(s.reference, s.reference)
        name = s.preset.strip().lower()
        if name == "auto":
            from seqalign.audio.presets import detect_preset

            name, _ = detect_preset([(signal, ref_sr)])
        preset = name if name != "none" else None
        features, hop, metric, max_run = FOLLOW_PRESETS[name]
        features = (s.features or features).strip().lower()
        hop = s.hop_length or hop
        ref_hop = _scaled_hop(hop, ref_sr, s.sample_rate)
        rate = ref_sr / ref_hop
        tuning = reference_tuning(signal, ref_sr, features, ref_hop)
        onset_weight = reference_onset_weight(signal, ref_sr, features, ref_hop, tuning)
        reference, _ = reference_features(signal, ref_sr, features, ref_hop, onset_weight,
                                          tuning)  # fmt: skip
        if reference.shape[0] < 2:
            raise InputError(f"{s.reference}: {len(signal) / ref_sr:.3g} s of audio at "
                             f"--hop-length {ref_hop} gives {reference.shape[0]} frame; "
                             "following needs at least 2 (give a longer reference or a "
                             "smaller --hop-length)", argument="hop_length")  # fmt: skip
    else:
        from seqalign.io import ReadOptions, read_sequence

        seq = read_sequence(s.reference, ReadOptions(rate=s.rate, key=s.key))
        reference = seq.data
        rate = s.rate or seq.rate
        if rate is None:
            raise InputError(
                f"{s.reference}: feature rows have no frame rate; give --rate", argument="rate"
            )
        metric = "euclidean"
        max_run = DEFAULT_MAX_RUN
    metric = (s.metric or metric).strip().lower()
    weights = parse_weights(s.step_weights)
    start = None
    if s.from_time is not None:
        value, unit = parse_start(s.from_time)
        start = int(value) if unit == "f" else round(value * rate)
    follower = Follower(
        reference,
        metric=metric,
        rate=rate,
        window=_window_seconds(s.search_window, rate),
        max_run=s.max_run or max_run,
        weights=weights,
        start=start,
        reanchor=s.reanchor,
    )
    fmt = s.live_format.strip().lower() if s.live_format else None
    from seqalign.io import ReadOptions

    live = open_live(
        s.live,
        input_format=fmt,
        sample_rate=s.sample_rate,
        block=hop or 512,
        read_options=ReadOptions(
            rate=s.rate, key=s.key, format=fmt if fmt in ("npy", "npz") else None
        ),
    )
    stream = None
    if live.kind == "audio":
        if hop is None:
            raise InputError(
                f"{s.live}: LIVE is audio but REFERENCE {s.reference} is feature rows; give "
                "both as audio, or both as features"
            )
        assert live.sr is not None and features is not None
        live_hop = _scaled_hop(hop, live.sr, s.sample_rate)
        if abs(live.sr / live_hop - rate) > 0.005 * rate:
            raise InputError(
                f"{s.live}: at {live.sr} Hz no hop gives the reference's {rate:.4g} frames per "
                "second; give audio at the reference's sample rate"
            )
        stream = StreamingFeatures(features, live.sr, live_hop, tuning, onset_weight)
    elif live.kind == "rows" and s.rate is not None and hop is not None:
        raise InputError("--rate applies to feature rows; REFERENCE is audio (its rate is set "
                         "by --sample-rate and --hop-length)")  # fmt: skip

    latencies = _Latency()
    frames = 0

    def emit(sink: TextIO, rows: Any, began: float) -> None:
        nonlocal frames
        if frames == 0:
            sink.write(HEADER)
        lines: list[str] = []
        for k in range(rows.shape[0]):
            pos = int(follower.update(rows[k : k + 1])[0])
            t = (frames + k) / rate
            lines.append(f"{t:.3f},{pos / rate:.3f},{pos},{follower.confidence:.3f}\n")
            sink.write(lines[-1])
            sink.flush()
            now = time.perf_counter()
            latencies.add(now - began)
            began = now
        frames += rows.shape[0]

    def follow(sink: TextIO) -> None:
        for block in live.blocks:
            began = time.perf_counter()
            rows = stream.push(block) if stream is not None else block
            if rows.shape[0]:
                emit(sink, rows, began)
        if stream is not None:
            began = time.perf_counter()
            rows = stream.flush()
            if rows.shape[0]:
                emit(sink, rows, began)
        if frames == 0:
            raise InputError(f"{s.live if s.live != '-' else 'standard input'}: no frames")

    if out is not None:
        follow(out)
    else:
        from seqalign.io.writers import atomic_output

        with atomic_output(s.output, flag="-o") as sink:
            follow(sink)
    stats = follower.finish()
    return FollowOutcome(
        frames=frames,
        reference_frames=int(reference.shape[0]),
        rate=float(rate),
        features=features,
        metric=metric,
        max_run=follower.max_run,
        preset=preset,
        stats=stats,
        mean_latency=latencies.mean,
        max_latency=latencies.largest,
        jumps=list(follower.jumps),
        seconds=time.perf_counter() - started,
    )


class _Latency:
    """Running mean and maximum (constant memory)."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.largest = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.largest = max(self.largest, value)

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0
