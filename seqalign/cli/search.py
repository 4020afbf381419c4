"""``seqalign search QUERY STREAM...``: the K best DTW matches of a query in long streams.

A thin shell over the task :func:`seqalign.tasks.search.run_search` (which calls
:class:`seqalign.subsequence.search.StreamSearch`, the API behind :func:`seqalign.search`).
numpy and numba load inside the task, not with this module.
"""

from __future__ import annotations

from typing import Any

from seqalign.cli import options as opt
from seqalign.cli.progress import progress_bar
from seqalign.cli.report import describe, print_rows
from seqalign.options import SEARCH
from seqalign.tasks.search import SearchSettings
from seqalign.units import plural
from seqalign.wording import naming


@opt.signature(
    SEARCH,
    SearchSettings,
    [
        opt.argument(
            "query",
            "QUERY",
            "The pattern: audio, an .npy/.npz array or a .csv/.tsv table (- for standard "
            "input); see --query-start and --query-end for a part of it.",
        ),
        opt.argument(
            "streams",
            "STREAM...",
            "Where to look: one or more inputs of the same features (one may be -). .npy "
            "files are memory-mapped and large tables read a block at a time.",
            kind=list[str],
        ),
    ],
)
def search(query: str, streams: list[str], quiet: bool = False, **options: Any) -> None:
    """Find the K best matches of a query in long streams under DTW, exactly (UCR Suite).

    The distance is DTW with the squared Euclidean local cost (--metric cityblock: absolute
    differences) and symmetric1 steps, not square-rooted, between the query and each window
    of its length, both z-normalised per feature (--no-znorm: raw values), in a Sakoe-Chiba
    band of --band frames. Matches
    closer than --exclusion frames to a better one are skipped. One row per match goes to
    standard output (or -o): file, start, end (exclusive), start_time, end_time, distance,
    best first. A summary with the pruning rates goes to standard error.

    Example: seqalign search beat.npy day1.npy day2.npy -k 10 --band 5%
    """
    from seqalign.tasks.search import run_search

    settings = opt.settings_of(
        SearchSettings, {**options, "query": query, "streams": tuple(streams)}
    )
    typed = opt.typed_values(SEARCH, options, ["band"])
    with (
        opt.input_warnings(quiet),
        naming({}, typed),
        progress_bar("searching", quiet=quiet) as progress,
    ):
        outcome = run_search(settings, progress=progress)
    if quiet:
        return
    result = outcome.result
    stats = result.stats
    windows = max(1, stats["windows"])
    rates = ", ".join(
        f"{name} {100 * stats[key] / windows:.1f}%"
        for name, key in (
            ("LB_Kim", "lb_kim"),
            ("LB_Keogh EQ", "lb_keogh_eq"),
            ("LB_Keogh EC", "lb_keogh_ec"),
            ("LB_Improved", "lb_improved"),
            ("DTW abandoned", "dtw_abandoned"),
            ("DTW full", "dtw_full"),
        )
    )
    a, b = outcome.query_span
    files = plural(len(outcome.streams), "file")
    found = plural(len(result), "match", "matches")
    band = plural(result.radius, "frame")
    norm = ("z-normalised" if result.znorm else "raw") + f", {result.metric}"
    seconds = outcome.work_s
    speed = f", {outcome.frames / seconds:,.0f} frames/s" if seconds > 0 else ""
    print_rows(
        [
            ("query", f"{describe(outcome.query)}, frames {a} to {b}"),
            ("streams", f"{files}, {plural(outcome.frames, 'frame', spec=',')}"),
            ("matches", f"{found} (band {band}, exclusion {result.exclusion}, {norm})"),
            ("pruned", rates),
            ("time", f"read {outcome.read_s:.2f} s, search {seconds:.2f} s{speed}"),
        ]
    )
