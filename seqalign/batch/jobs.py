"""Run one batch job: read, align or segment, write the output; never raise for the job's errors.

:func:`run_job` does what ``seqalign warp A B -o OUT`` or ``seqalign segment INPUT -o OUT``
does with the job's options (same readers, same defaults, same writers, atomic output) and
returns a :class:`JobResult` whose ``status`` is ``"ok"`` or ``"failed"`` with a one-line
reason. :func:`run_chunk` runs several in a worker process, after :func:`warm` has loaded the
numba kernels once for that process. :func:`job_key` is the content hash that the journal
uses to tell done work from changed work.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any

from seqalign.batch.manifest import Job
from seqalign.errors import InputError, InputWarning, SeqalignError

__all__ = ["JobResult", "job_key", "run_chunk", "run_job", "warm"]

#: As ``seqalign warp``: audio is z-scored and compared by cosine, other inputs taken as they are.
_AUDIO_DEFAULTS = {"normalize": "zscore", "metric": "cosine"}
_OTHER_DEFAULTS = {"normalize": "none", "metric": "euclidean"}
_READER_KEYS = (
    "features",
    "sample_rate",
    "hop_length",
    "key",
    "time_column",
    "input_format",
    "transpose",
)
_SEGMENT_KEYS = (
    "cost",
    "method",
    "penalty",
    "n_bkps",
    "max_bkps",
    "min_size",
    "jump",
    "width",
    "gamma",
    "noise",
    "engine",
    "pruning",
)


@dataclass
class JobResult:
    """What one job did.

    Attributes
    ----------
    id, task : str
        As in the :class:`~seqalign.batch.Job`.
    status : str
        ``"ok"``, ``"failed"`` or ``"skipped"`` (done by an earlier run, see ``--resume``).
    value : float or None
        The DTW distance (warp) or the number of changes (segment); None when failed.
    seconds : float
        Time spent on the job (reading, computing, writing).
    output : str
        The output file name in the output folder ("" when failed).
    error : str
        The one-line reason of a failure ("" otherwise).
    key : str
        The job's content hash (see :func:`job_key`).
    """

    id: str
    task: str
    status: str
    value: float | None = None
    seconds: float = 0.0
    output: str = ""
    error: str = ""
    key: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (a journal line)."""
        return asdict(self)


def _file_digest(path: str, cache: dict[str, str] | None) -> str:
    if cache is not None and path in cache:
        return cache[path]
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        text = digest.hexdigest()
    except OSError as error:  # the job will fail with the reader's message; hash the absence
        text = f"unreadable:{type(error).__name__}"
    if cache is not None:
        cache[path] = text
    return text


def job_key(job: Job, cache: dict[str, str] | None = None) -> str:
    """The content hash of a job: sha256 of its inputs' bytes, options, task, output format
    and the seqalign version.

    Parameters
    ----------
    job : Job
        The job.
    cache : dict, optional
        Digests of files already hashed, by path (a reference shared by many jobs is read once).

    Returns
    -------
    str
        64 hex digits.
    """
    from seqalign import __version__

    record = {
        "version": __version__,
        "task": job.task,
        "inputs": [_file_digest(p, cache) for p in job.inputs],
        "options": job.options,
        "format": job.fmt,
        "output": job.output,
        "error": job.error,
    }
    text = json.dumps(record, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


_WARM = False


def warm() -> None:
    """Load the DTW kernels (numba's cache) in this process, once: later jobs start at once.

    A failure here is left for the jobs to report, each with its own message.
    """
    global _WARM
    if _WARM:
        return
    _WARM = True
    try:
        import numpy as np

        from seqalign.warping.align import dtw

        x = np.zeros((3, 1))
        dtw(x, x)
    except Exception:
        pass


def _reader(options: dict[str, Any], rate: float | None):
    from seqalign.io import ReadOptions

    kwargs = {k: options[k] for k in _READER_KEYS if k in options}
    if "column" in options:
        kwargs["columns"] = options["column"]
    if "input_format" in kwargs:
        kwargs["format"] = kwargs.pop("input_format")
    return ReadOptions(
        rate=rate,
        normalize=options.get("normalize", "none"),
        missing=options.get("missing", "error"),
        **kwargs,
    )


def _warp(job: Job, target: str) -> float:
    from seqalign.io import normalize, read_sequence, write_path
    from seqalign.warping.align import dtw

    o = job.options
    seq_a = read_sequence(job.inputs[0], _reader(o, o.get("rate")))
    seq_b = read_sequence(job.inputs[1], _reader(o, o.get("rate_b", o.get("rate"))))
    audio = "audio" in (seq_a.kind, seq_b.kind)
    defaults = _AUDIO_DEFAULTS if audio else _OTHER_DEFAULTS
    norm = o.get("normalize", defaults["normalize"])
    if "normalize" not in o and norm != "none":
        seq_a.data = normalize(seq_a.data, norm)
        seq_b.data = normalize(seq_b.data, norm)
    radius = None
    if "band" in o:
        from seqalign.units import parse_band

        radius = parse_band(o["band"]).radius(seq_b.rate, seq_b.label)
    subsequence = o.get("subsequence", False)
    alignment = dtw(
        seq_a.data,
        seq_b.data,
        metric=o.get("metric", defaults["metric"]),
        step_pattern=o.get("step_pattern", "symmetric1"),
        window=o.get("window"),
        radius=radius,
        open_begin=o.get("open_begin", False) or subsequence,
        open_end=o.get("open_end", False) or subsequence,
        max_memory=o.get("max_memory"),
    )
    metadata = {
        **alignment.to_dict(),
        "a": seq_a.source,
        "b": seq_b.source,
        "a_rate": seq_a.rate,
        "b_rate": seq_b.rate,
        "features": o.get("features", "logmel") if audio else None,
        "normalize": norm,
    }
    write_path(
        target,
        alignment.path,
        fmt=job.fmt,
        a_times=seq_a.times(),
        b_times=seq_b.times(),
        metadata=metadata,
    )
    return float(alignment.distance)


def _segment(job: Job, target: str) -> float:
    from seqalign.changepoints.search import segment
    from seqalign.io import normalize, read_sequence
    from seqalign.io.boundaries import write_boundaries

    o = job.options
    seq = read_sequence(job.inputs[0], _reader(o, o.get("rate")))
    if "normalize" not in o and seq.kind == "audio":
        seq.data = normalize(seq.data, "zscore")
    kwargs = {k: o[k] for k in _SEGMENT_KEYS if k in o}
    result = segment(seq.data, max_memory=o.get("max_memory"), **kwargs)
    timing = {"rate": seq.rate, "start_time": seq.start_time if seq.rate else 0.0}
    metadata = {
        **result.to_dict(rate=seq.rate),
        "input": seq.source,
        "n_features": seq.n_features,
        "start_time": timing["start_time"],
    }
    metadata.pop("times", None)
    write_boundaries(target, result.breakpoints, fmt=job.fmt, metadata=metadata, **timing)
    return float(result.n_bkps)


_TASKS = {"warp": _warp, "segment": _segment}


def _reason(error: BaseException, job: Job) -> str:
    """One line saying why a job failed, in the terms of the manifest (as ``seqalign warp``
    words it: the file and column ``a``/``b``/``input`` rather than ``x``/``y``)."""
    if isinstance(error, SeqalignError):
        from seqalign.wording import reword

        letters = ("a", "b") if job.task == "warp" else ("input",)
        inputs = {arg: (letter, path) for arg, letter, path in zip("xy", letters, job.inputs)}
        typed = {"radius": str(job.options.get("band", ""))}
        text = reword(error, inputs, typed).message
    elif isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        text = f"{error.strerror or error}{where}"
    elif isinstance(error, MemoryError):
        text = "out of memory; narrow the window (band) or use shorter inputs"
    else:
        text = f"internal error: {type(error).__name__}: {error}"
    return " ".join(text.split())


def run_job(job: Job, output_dir: str, key: str = "") -> JobResult:
    """Run one job and write its output into ``output_dir``; never raises for the job's errors.

    Parameters
    ----------
    job : Job
        The job (its options already parsed).
    output_dir : str
        Folder of the output file :attr:`Job.output`, written atomically.
    key : str
        The job's content hash, copied into the result.

    Returns
    -------
    JobResult
        ``status`` ``"ok"`` with the distance or number of changes, or ``"failed"`` with the
        reason.
    """
    started = time.perf_counter()
    result = JobResult(id=job.id, task=job.task, status="failed", key=key)
    try:
        if job.error is not None:
            raise InputError(job.error)
        target = os.path.join(output_dir, job.output)
        with warnings.catch_warnings():  # a worker has nowhere to show one; the job runs as asked
            warnings.simplefilter("ignore", InputWarning)
            result.value = _TASKS[job.task](job, target)
        result.status, result.output = "ok", job.output
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        result.error = _reason(error, job)
    result.seconds = time.perf_counter() - started
    return result


def run_chunk(jobs: list[tuple[Job, str]], output_dir: str) -> list[JobResult]:
    """Run ``(job, key)`` pairs one after the other in this process (a worker's unit of work)."""
    warm()
    return [run_job(job, output_dir, key) for job, key in jobs]
