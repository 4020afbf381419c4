"""Read a batch manifest (CSV or JSON lines) into :class:`Job` values.

A manifest lists one job per row:

* an alignment: columns ``a`` and ``b`` (paths);
* a segmentation: column ``input`` (a path);
* optional ``id`` (default: the row number; letters, digits, ``.``, ``_`` and ``-``, unique),
  ``task`` (``warp`` or ``segment``; default from the columns given) and options named as in
  :data:`seqalign.batch.options.OPTIONS` (``metric``, ``band``, ``n_bkps``...), which override
  the command-line defaults for that row. An empty cell (or a JSON ``null``) leaves the default.

CSV has a header row; JSON lines hold one object per line. Blank lines and lines starting
with ``#`` are skipped in both. Relative paths are relative to the manifest's folder (the
current folder for standard input).

Problems with the manifest as a whole (unreadable, an unknown column, a duplicate id, no jobs)
raise :class:`~seqalign.errors.InputError`; a problem with one row's values (a bad option
value, a missing input column) becomes that job's :attr:`Job.error`, and the job fails
without stopping the others.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from seqalign.batch.options import OPTIONS, TASKS, canonical_name, parse_option
from seqalign.errors import InputError, SeqalignError
from seqalign.units import plural

__all__ = ["Job", "plan_jobs", "read_manifest"]

_PATH_COLUMNS = ("a", "b", "input")
_OTHER_COLUMNS = ("id", "task")
_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
#: What each task writes, as the middle part of the output name ``<id>.<kind>.<format>``.
OUTPUT_KINDS = {"warp": "path", "segment": "boundaries"}


@dataclass
class Job:
    """One row of a manifest, ready to run.

    Attributes
    ----------
    id : str
        Unique within the batch; names the output file ``<id>.path.<fmt>`` (warp) or
        ``<id>.boundaries.<fmt>`` (segment).
    task : str
        ``"warp"`` or ``"segment"``.
    inputs : tuple of str
        Absolute paths: ``(a, b)`` for warp, ``(input,)`` for segment.
    options : dict
        The effective options: command-line defaults overridden by the row, typed.
    fmt : str
        Output format: csv, tsv, json or npz.
    output : str
        Output file name, relative to the output folder.
    row : int
        Line of the manifest (1-based), for messages.
    error : str or None
        Why the row cannot run (a bad option value...); the job then fails with this reason.
    """

    id: str
    task: str
    inputs: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    fmt: str = "csv"
    output: str = ""
    row: int = 0
    error: str | None = None


def _read_text(path: str) -> tuple[str, str]:
    """The manifest's text and the folder its relative paths are relative to."""
    if path == "-":
        return sys.stdin.read(), os.getcwd()
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return fh.read(), os.path.dirname(os.path.abspath(path))
    except FileNotFoundError:
        raise InputError(f"manifest {path}: no such file", argument="manifest") from None
    except IsADirectoryError:
        raise InputError(f"manifest {path}: is a folder", argument="manifest") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"manifest {path}: cannot read it ({error})", argument="manifest"
        ) from None


def _is_json_lines(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith("{")
    return False


def _rows(text: str, name: str) -> list[tuple[int, dict[str, Any]]]:
    """``(line, row)`` pairs; keys as written, empty cells and nulls dropped."""
    rows: list[tuple[int, dict[str, Any]]] = []
    if _is_json_lines(text):
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                row = json.loads(stripped)
            except json.JSONDecodeError as error:
                raise InputError(
                    f"manifest {name}, line {number}: not JSON ({error.msg})", argument="manifest"
                ) from None
            if not isinstance(row, dict):
                raise InputError(
                    f"manifest {name}, line {number}: expected a JSON object", argument="manifest"
                )
            rows.append((number, {k: v for k, v in row.items() if v is not None and v != ""}))
        return rows
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    numbers = [
        i
        for i, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]
    if not lines:
        return rows
    dialect = "excel-tab" if "\t" in lines[0] and "," not in lines[0] else "excel"
    reader = csv.reader(io.StringIO("\n".join(lines)), dialect=dialect)
    try:
        table = list(reader)
    except csv.Error as error:
        raise InputError(f"manifest {name}: not CSV ({error})", argument="manifest") from None
    header = [h.strip() for h in table[0]]
    if len(set(header)) != len(header) or not all(header):
        raise InputError(
            f"manifest {name}: the header {','.join(header)} has empty or repeated names",
            argument="manifest",
        )
    _check_columns([(numbers[0], dict.fromkeys(header))], name)
    for number, cells in zip(numbers[1:], table[1:]):
        if len(cells) > len(header):
            raise InputError(
                f"manifest {name}, line {number}: {plural(len(cells), 'cell')} but "
                f"{plural(len(header), 'column')}",
                argument="manifest",
            )
        row = {h: c.strip() for h, c in zip(header, cells) if c.strip() != ""}
        rows.append((number, row))
    return rows


def _check_columns(rows: list[tuple[int, dict[str, Any]]], name: str) -> None:
    for number, row in rows:
        for key in row:
            if key in _PATH_COLUMNS or key in _OTHER_COLUMNS or canonical_name(key) is not None:
                continue
            valid = [*_PATH_COLUMNS, *_OTHER_COLUMNS, *sorted(OPTIONS)]
            raise InputError(
                f"manifest {name}, line {number}: unknown column {key!r}; valid: "
                f"{', '.join(valid)}",
                argument="manifest",
            )


def _task(row: dict[str, Any]) -> str:
    task = row.get("task")
    if task is not None:
        task = str(task).strip().lower()
        if task not in TASKS:
            raise InputError(f"task {row['task']!r}: unknown; valid: {', '.join(TASKS)}")
        return task
    if "input" in row and not ("a" in row or "b" in row):
        return "segment"
    if "a" in row or "b" in row:
        return "warp"
    raise InputError("no input: give a and b (warp) or input (segment)")


def _inputs(row: dict[str, Any], task: str, folder: str) -> tuple[str, ...]:
    names = ("a", "b") if task == "warp" else ("input",)
    missing = [n for n in names if n not in row]
    if missing:
        raise InputError(f"{task} jobs need column {' and '.join(missing)}")
    extra = [n for n in _PATH_COLUMNS if n in row and n not in names]
    if extra:
        raise InputError(f"{task} jobs take {' and '.join(names)}, not {', '.join(extra)}")
    paths = []
    for n in names:
        value = row[n]
        if not isinstance(value, str):
            raise InputError(f"{n} {value!r}: expected a path")
        paths.append(os.path.normpath(os.path.join(folder, os.path.expanduser(value))))
    return tuple(paths)


def plan_jobs(
    rows: list[tuple[int, dict[str, Any]]],
    folder: str,
    defaults: dict[str, Any],
    fmt: str,
    name: str = "manifest",
) -> list[Job]:
    """Turn manifest rows into jobs (see :func:`read_manifest`); ``defaults`` are typed options
    (from :func:`seqalign.batch.options.parse_settings`) that rows override."""
    _check_columns(rows, name)
    if not rows:
        raise InputError(f"manifest {name}: no jobs", argument="manifest")
    jobs: list[Job] = []
    seen: dict[str, int] = {}
    width = len(str(len(rows)))
    for index, (number, row) in enumerate(rows, start=1):
        job_id = str(row.get("id", f"{index:0{width}d}")).strip()
        if not _ID.fullmatch(job_id):
            raise InputError(
                f"manifest {name}, line {number}: id {job_id!r} must be letters, digits, "
                "'.', '_' or '-' (it names the output file)",
                argument="manifest",
            )
        if job_id in seen:
            raise InputError(
                f"manifest {name}, line {number}: id {job_id!r} repeats line {seen[job_id]}",
                argument="manifest",
            )
        seen[job_id] = number
        job = Job(id=job_id, task="warp", inputs=(), fmt=fmt, row=number)
        try:
            job.task = _task(row)
            job.inputs = _inputs(row, job.task, folder)
            options = {k: v for k, v in defaults.items() if job.task in _tasks_of(k)}
            for key, value in row.items():
                option = canonical_name(key)
                if option is not None:
                    options[option] = parse_option(option, value, job.task)
            job.options = dict(sorted(options.items()))
        except SeqalignError as error:
            job.error = error.message
        job.output = f"{job_id}.{OUTPUT_KINDS[job.task]}.{fmt}"
        jobs.append(job)
    return jobs


def _tasks_of(name: str) -> tuple[str, ...]:
    return OPTIONS[name].tasks


def read_manifest(path: str, defaults: dict[str, Any] | None = None, fmt: str = "csv") -> list[Job]:
    """Read the jobs of a manifest.

    Parameters
    ----------
    path : str
        A CSV or JSON-lines file, or ``-`` for standard input.
    defaults : dict, optional
        Typed options applied to every job they fit (rows override them).
    fmt : str
        Output format of every job: csv, tsv, json or npz.

    Returns
    -------
    list of Job
        In manifest order. Rows with a bad value carry the reason in :attr:`Job.error`.

    Raises
    ------
    InputError
        The manifest cannot be read, is neither CSV nor JSON lines, has an unknown column, a
        bad or repeated id, or no jobs.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "m.csv"), "w") as fh:
    ...     _ = fh.write("id,a,b,band\\nx,a.npy,b.npy,5\\n")
    >>> [(j.id, j.task, j.options, j.output) for j in read_manifest(os.path.join(folder, "m.csv"))]
    [('x', 'warp', {'band': '5'}, 'x.path.csv')]
    """
    text, folder = _read_text(path)
    name = "-" if path == "-" else path
    return plan_jobs(_rows(text, name), folder, dict(defaults or {}), fmt, name)
