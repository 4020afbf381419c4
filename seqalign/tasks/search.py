"""The search task (``seqalign search``): read a query (or a slice of it) and many streams, find
the K best DTW matches (:func:`seqalign.search`), write one row per match.

Output columns: ``file, start, end, start_time, end_time, distance`` (``end`` exclusive, as
``seqalign segment --segments``; times in seconds, ``start / rate`` plus the stream's start
time, empty without a frame rate), best first; as CSV/TSV, JSON (the columns as lists and
the settings) or NPZ (``start``, ``end``, ``distance``, ``stream`` and JSON ``metadata``
with the file names). Streams are read a block at a time (:mod:`seqalign.io.chunks`), so
they may be larger than memory. With ``scheduler``, each stream is searched by one Dask task
and the per-file results are merged: exclusion zones never cross files, so this is the same
answer.

:func:`run_search` is the one path from :class:`SearchSettings` to the written output;
everything is checked before anything is read or written.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seqalign.errors import InputError, InputWarning
from seqalign.tasks.common import (
    Reading,
    Written,
    check_inputs,
    check_targets,
    default_for,
    json_bytes,
    npz_bytes,
    write_bytes,
)
from seqalign.units import plural

if TYPE_CHECKING:  # pragma: no cover
    from seqalign.io import Sequence
    from seqalign.subsequence.search import SearchResult

__all__ = ["SEARCH_FORMATS", "SearchOutcome", "SearchSettings", "frame_at", "run_search"]

#: Output format -> what is written (the valid values of ``--format``).
SEARCH_FORMATS: dict[str, str] = {
    "csv": "comma-separated: file, start, end, start_time, end_time, distance",
    "tsv": "the same, tab-separated",
    "json": "one object: settings, then the columns as lists",
    "npz": "NumPy archive: start, end, distance, stream and metadata (JSON)",
}
#: Frames per block read from a stream.
BLOCK_FRAMES = 1 << 20
#: The local cost of each ``--metric``, as the output's ``definition`` states it.
_COSTS = {"sqeuclidean": "squared euclidean", "cityblock": "cityblock"}
_TIME = re.compile(r"([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(s|ms|f)?", re.I)


@dataclass(kw_only=True)
class SearchSettings(Written, Reading):
    """Everything one search needs. Field names are the option names of
    :mod:`seqalign.options`."""

    query: str = ""
    streams: tuple[str, ...] = ()
    k: int | None = None
    band: str | None = None
    znorm: bool = True
    metric: str = "sqeuclidean"
    exclusion: int | None = None
    max_distance: float | None = None
    query_start: str | None = None
    query_end: str | None = None
    jobs: int | None = None
    scheduler: str | None = None


@dataclass
class SearchOutcome:
    """What :func:`run_search` did: the query, the streams' names and frames, the result."""

    query: Sequence
    query_span: tuple[int, int]
    streams: list[str]
    frames: int
    result: SearchResult
    read_s: float
    work_s: float


def frame_at(text: str, rate: float | None, flag: str, name: str) -> int:
    """``120`` (frame), ``120f``, ``2.5s`` or ``500ms`` as a frame of an input at ``rate``
    (a time rounds to the nearest frame)."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise InputError(f"{flag} {text!r}: give a frame (e.g. 120) or a time (e.g. 2.5s)")
    number, unit = float(match[1]), (match[2] or "f").lower()
    if unit == "f":
        if not number.is_integer():
            raise InputError(f"{flag} {text}: frames are whole numbers; add s for seconds")
        return int(number)
    if rate is None:
        raise InputError(
            f"{flag} {text}: {name} has no frame rate, so a time cannot become a frame; give "
            "--rate, or frames"
        )
    return round(number / (1000.0 if unit == "ms" else 1.0) * rate)


def _radius(band: str | None, rates: set[float | None], name: str) -> int | str | None:
    """``--band``: a percentage stays text (the API rounds it), frames and seconds become
    frames of the streams."""
    if band is None or band.strip().endswith("%"):
        return None if band is None else band.strip()
    from seqalign.units import parse_band

    spec = parse_band(band)
    if spec.seconds is not None and len(rates) > 1:
        raise InputError(
            f"--band {spec.text}: the streams have different frame rates; give the band in "
            "frames or as a percentage",
            argument="radius",
        )
    return spec.radius(next(iter(rates)), name, "--rate")


def _check(s: SearchSettings) -> str:
    """Every setting, before anything is read; returns the output format."""
    if not s.streams:
        raise InputError("search needs a QUERY and at least one STREAM", argument="streams")
    check_inputs(s.query, *s.streams)
    for path in (s.query, *s.streams):
        if path != "-" and not os.path.exists(path):
            raise InputError(f"{path}: no such file", argument="streams")
    check_targets({"-o": s.output}, [s.query, *s.streams])
    if s.k is not None and s.k < 1:
        raise InputError(f"-k {s.k}: give a positive number of matches")
    if s.exclusion is not None and s.exclusion < 0:
        raise InputError(f"--exclusion {s.exclusion}: give a number of frames >= 0")
    if s.max_distance is not None and not (math.isfinite(s.max_distance) and s.max_distance >= 0):
        raise InputError(f"--max-distance {s.max_distance:g}: give a finite number >= 0")
    if s.jobs is not None and s.jobs < 1:
        raise InputError(f"--jobs {s.jobs}: give a positive number of threads")
    from seqalign.subsequence.search import METRICS, parse_metric

    try:
        s.metric = parse_metric(s.metric)
    except InputError:
        raise InputError(
            f"--metric {s.metric!r}: search takes {' or '.join(METRICS)} only, the local costs "
            "its lower bounds are implemented for (see seqalign search --help)",
            argument="metric",
        ) from None
    if s.band is not None:
        text = s.band.strip()
        if text.endswith("%"):
            from seqalign.subsequence.search import parse_radius

            try:
                parse_radius(text, 100)
            except InputError:
                raise InputError(
                    f"--band {text}: give a percentage from 0% to 100% of the query length",
                    argument="radius",
                ) from None
        else:
            from seqalign.units import parse_band

            try:
                parse_band(text)
            except InputError:
                raise InputError(
                    f"--band {text!r}: give frames (6), seconds (0.1s) or a percentage of the "
                    "query length (5%)",
                    argument="radius",
                ) from None
    for flag, value in (("--query-start", s.query_start), ("--query-end", s.query_end)):
        if value is not None:
            frame_at(value, 1.0, flag, "QUERY")
    s.check()
    s.read_options()
    from seqalign.io.extensions import format_by_extension
    from seqalign.io.writers import check_target

    fmt = s.format
    if fmt is None:
        extensions = {f".{name}": name for name in SEARCH_FORMATS}
        fmt = format_by_extension(s.output, "-o", extensions) or "csv"
    elif fmt not in SEARCH_FORMATS:
        raise InputError(
            f"--format {fmt!r}: unknown format; valid: {', '.join(SEARCH_FORMATS)}",
            argument="format",
        )
    check_target(s.output, "-o")
    return fmt


def _query(s: SearchSettings) -> tuple[Sequence, tuple[int, int]]:
    from seqalign.tasks.common import read_inputs

    (query,), _ = read_inputs([s.query], s)
    n = query.n_frames
    a = 0 if s.query_start is None else frame_at(s.query_start, query.rate, "--query-start",
                                                  query.label)  # fmt: skip
    b = n if s.query_end is None else frame_at(s.query_end, query.rate, "--query-end",
                                                query.label)  # fmt: skip
    if not 0 <= a < b <= n or b - a < 2:
        raise InputError(
            f"{query.label}: --query-start {s.query_start or 0} and --query-end "
            f"{s.query_end or n} give frames {a} to {b} of {plural(n, 'frame')}; the query "
            "needs at least 2 frames inside it",
            argument="query",
        )
    return query, (a, b)


def _api_args(s: SearchSettings, radius: int | str | None) -> dict[str, Any]:
    return {"k": s.k, "radius": radius, "znorm": s.znorm, "exclusion": s.exclusion,
            "max_distance": s.max_distance, "metric": s.metric}  # fmt: skip


def search_file(query: Any, path: str, s: SearchSettings, radius: Any, normalization: str):
    """Search one stream file (a Dask task): the result and the frames read."""
    from seqalign.io.chunks import open_stream
    from seqalign.subsequence.search import StreamSearch

    stream = open_stream(path, s.read_options(), normalization)
    searcher = StreamSearch(query, **_api_args(s, radius), n_jobs=1)
    for block in stream.blocks(BLOCK_FRAMES):
        searcher.feed(block)
    return searcher.result(), searcher.frames


def _merged(results: list[SearchResult], k: int | None) -> SearchResult:
    """Per-file results as one: by (distance, stream, start), the first ``k``."""
    import dataclasses

    import numpy as np

    first = results[0]
    cat = {n: np.concatenate([getattr(r, n) for r in results]) for n in ("start", "distance")}
    stream = np.concatenate([np.full(len(r), i, np.int64) for i, r in enumerate(results)])
    order = np.lexsort((cat["start"], stream, cat["distance"]))[:k]
    stats = {name: sum(r.stats[name] for r in results) for name in first.stats}
    return dataclasses.replace(first, start=cat["start"][order], distance=cat["distance"][order],
                               end=cat["start"][order] + first.query_length,
                               stream=stream[order], stats=stats)  # fmt: skip


def _distributed(s: SearchSettings, query: Any, radius: Any, normalization: str):
    from seqalign.threads import close_dask, dask_client, resolve_jobs

    assert s.scheduler is not None
    client, cluster = dask_client(s.scheduler, resolve_jobs(s.jobs))
    try:
        futures = [client.submit(search_file, query, path, s, radius, normalization, pure=False)
                   for path in s.streams]  # fmt: skip
        found = client.gather(futures)
    finally:
        close_dask(client, cluster)
    k = s.k if s.k is not None else (1 if s.max_distance is None else None)
    return _merged([r for r, _ in found], k), sum(n for _, n in found)


def _seconds(value: float | None) -> str:
    """A time to the microsecond without trailing zeros (12.5, 3.0); empty for None."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _bytes(fmt: str, result: SearchResult, names: list[str], rates: list, starts: list,
           record: dict[str, Any]) -> bytes:  # fmt: skip
    import csv
    import io
    import json

    times = []
    for which in (result.start, result.end):
        times.append([None if rates[s] is None else starts[s] + int(f) / rates[s]
                      for s, f in zip(result.stream.tolist(), which.tolist())])  # fmt: skip
    files = [names[s] for s in result.stream.tolist()]
    if fmt == "npz":
        metadata = json.dumps({**record, "files": names})
        return npz_bytes(start=result.start, end=result.end, distance=result.distance,
                         stream=result.stream, metadata=metadata)  # fmt: skip
    if fmt == "json":
        return json_bytes({**record, "file": files, "start": result.start.tolist(),
                           "end": result.end.tolist(), "start_time": times[0],
                           "end_time": times[1], "distance": result.distance.tolist()})  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    writer.writerow(["file", "start", "end", "start_time", "end_time", "distance"])
    for row in zip(files, result.start.tolist(), result.end.tolist(), *times,
                   result.distance.tolist()):  # fmt: skip
        writer.writerow([*row[:3], _seconds(row[3]), _seconds(row[4]), repr(float(row[5]))])
    return buffer.getvalue().encode()


def _check_lengths(query: str, m: int, opened: list) -> None:
    """Refuse a search where every stream is shorter than the query (nothing to compare: the
    arguments may be swapped); warn about each shorter stream when others can match."""
    import warnings

    known = [st for st in opened if st.n_frames is not None]
    short = [st for st in known if st.n_frames < m]
    if short and len(short) == len(opened):
        longest = max(short, key=lambda st: st.n_frames)
        where = "the stream" if len(opened) == 1 else "every stream (longest"
        tail = "" if len(opened) == 1 else ")"
        raise InputError(
            f"{query}: the query ({plural(m, 'frame')}) is longer than {where} "
            f"{longest.label}, {plural(longest.n_frames, 'frame')}{tail}: no window to compare "
            "(QUERY comes first, then STREAM...; or shorten it with --query-start/--query-end)",
            argument="query",
        )
    for st in short:
        warnings.warn(
            f"{st.label} ({plural(st.n_frames, 'frame')}) is shorter than the query "
            f"({plural(m, 'frame')}): no window in it",
            InputWarning,
            stacklevel=2,
        )


def run_search(
    s: SearchSettings, *, progress: Callable[[int, int], None] | None = None
) -> SearchOutcome:
    """Search ``s.streams`` for ``s.query`` and write ``s.output``.

    ``progress(done, total)`` is called with frames read, when the total is known.

    Raises
    ------
    SeqalignError
        A bad setting or input, before anything is written.
    """
    started = time.perf_counter()
    fmt = _check(s)
    query, span = _query(s)
    from seqalign.io.chunks import open_stream

    options = s.read_options()
    opened = [open_stream(p, options, "none") for p in s.streams]
    normalization = s.normalize or default_for("normalize", [query, *opened])
    if s.normalize is None and normalization != "none":  # audio somewhere: z-scores, whole
        from seqalign.io import normalize

        for i, stream in enumerate(opened):
            if stream.data is None:
                opened[i] = open_stream(s.streams[i], options, normalization)
            else:  # read whole already (audio): normalise it in place of the original
                stream.data = normalize(stream.data, normalization)
        if default_for("normalize", [query]) == "none":
            query.data = normalize(query.data, normalization)
    data = query.data[span[0] : span[1]]
    for stream in opened:
        if stream.n_features != query.n_features:
            raise InputError(
                f"{stream.label}: {plural(stream.n_features, 'feature')} per frame but the "
                f"query {query.label} has {query.n_features}; they need the same features",
                argument="streams",
            )
    _check_lengths(query.label, len(data), opened)
    rates = {st.rate for st in opened}
    radius = _radius(s.band, rates, opened[0].label)
    read_s = time.perf_counter() - started
    names = list(s.streams)
    stream_rates = [st.rate for st in opened]
    stream_starts = [st.start_time for st in opened]
    if s.scheduler:
        result, frames = _distributed(s, data, radius, normalization)
    else:
        from seqalign.subsequence.search import StreamSearch

        searcher = StreamSearch(data, **_api_args(s, radius), n_jobs=s.jobs)
        known = [st.n_frames for st in opened]
        total = sum(known) if None not in known else 0
        for index, stream in enumerate(opened):
            if index:
                searcher.next_stream()
            for block in stream.blocks(BLOCK_FRAMES):
                searcher.feed(block)
                if progress is not None and total:
                    progress(searcher.frames, total)
        result, frames = searcher.result(), searcher.frames
    record = {"query": s.query, "query_start": span[0], "query_end": span[1],
              "radius": result.radius, "exclusion": result.exclusion, "znorm": result.znorm,
              "k": s.k, "max_distance": s.max_distance, "normalize": normalization,
              "metric": result.metric, "definition": f"dtw, {_COSTS[result.metric]} local cost, "
              "symmetric1, not square-rooted", "stats": result.stats}  # fmt: skip
    out = _bytes(fmt, result, names, stream_rates, stream_starts, record)
    work_s = time.perf_counter() - started - read_s
    write_bytes(s.output, out, "-o")
    return SearchOutcome(query, span, names, frames, result, read_s, work_s)
