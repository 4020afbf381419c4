"""``seqalign follow REFERENCE LIVE``: follow a live stream along a reference, one line per
live frame.

A thin shell over the task :func:`seqalign.tasks.follow.run_follow`: flags ->
:class:`~seqalign.tasks.follow.FollowSettings` -> task -> a summary on standard error.
"""

from __future__ import annotations

from typing import Any

from seqalign.cli import options as opt
from seqalign.cli.report import print_rows
from seqalign.options import FOLLOW
from seqalign.tasks.follow import FollowSettings
from seqalign.units import plural
from seqalign.wording import naming


@opt.signature(
    FOLLOW,
    FollowSettings,
    [
        opt.argument(
            "reference",
            "REFERENCE",
            "The reference: audio (wav, flac...) or feature rows (.npy/.npz array, frames x "
            "features, or a .csv/.tsv table).",
        ),
        opt.argument(
            "live",
            "LIVE",
            "The live stream: a file read as if live, or - for standard input (a WAV stream, "
            "raw PCM with --live-format pcm, or feature rows as text, one frame a line).",
        ),
    ],
)
def follow(reference: str, live: str, quiet: bool = False, **options: Any) -> None:
    """Follow LIVE along REFERENCE as it arrives (online time warping).

    One CSV line per live frame goes to standard output (or -o FILE), flushed at once:
    live_time,ref_time,ref_index,confidence (seconds, seconds, the reference frame, 0 to 1).
    Positions are never revised. When the match stays poor the last seconds of LIVE are
    searched in the whole REFERENCE, so a skipped or repeated passage is followed again. A
    summary (frames, latency per frame, jumps) goes to standard error.

    Example: seqalign follow score.wav - --preset music < take.wav
    """
    from seqalign.tasks.follow import run_follow

    settings = opt.settings_of(FollowSettings, {**options, "reference": reference, "live": live})
    with opt.input_warnings(quiet), naming({}, {}):
        outcome = run_follow(settings)
    if quiet:
        return
    o = outcome
    stats = o.stats
    how = f"{o.features}, " if o.features else ""
    how += f"{o.metric}, max run {o.max_run}, {o.rate:.4g} frames per second"
    if o.preset:
        how = f"preset {o.preset}: {how}"
    jumps = plural(stats.reanchors, "jump")
    print_rows(
        [
            ("frames", f"{plural(o.frames, 'live frame')}, reference {o.reference_frames}"),
            ("settings", how),
            (
                "latency",
                f"mean {o.mean_latency * 1e3:.3f} ms, max {o.max_latency * 1e3:.3f} ms per frame",
            ),
            ("re-anchoring", f"{jumps} after {plural(stats.checks, 'search', 'searches')}"),
            ("time", f"{o.seconds:.2f} s"),
        ]
    )
