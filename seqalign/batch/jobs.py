"""Run one batch job: read, align or segment, write the output; never raise for the job's errors.

:func:`run_job` runs the task of ``seqalign warp A B -o OUT`` or ``seqalign segment INPUT
-o OUT`` (:mod:`seqalign.tasks`: the same function, so every option means the same) and
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


def _warp(job: Job, target: str) -> float:
    from seqalign.tasks import AlignSettings, run_align, settings_from

    a, b = job.inputs
    settings = settings_from(AlignSettings, job.options, a=a, b=b, output=target, format=job.fmt)
    return float(run_align(settings).alignment.distance)


def _segment(job: Job, target: str) -> float:
    from seqalign.tasks import SegmentSettings, run_segment, settings_from

    settings = settings_from(
        SegmentSettings, job.options, input=job.inputs[0], output=target, format=job.fmt
    )
    outcome = run_segment(settings)
    if outcome.result is None:  # a range of K or crops: one row per segmentation
        assert outcome.many is not None
        return float(len(outcome.many))
    return float(outcome.result.n_bkps)


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
