"""The batch journal: ``journal.jsonl`` in the output folder, one JSON line per finished job.

Only the process that runs the batch writes it, one complete line at a time in one
``write``, flushed to the operating system at once (so a killed process or Ctrl-C leaves
whole lines behind) and fsynced at least every :data:`SYNC_SECONDS` and on closing (so a
power cut loses at most the last fraction of a second: those jobs are redone by ``--resume``;
one fsync per job would cost about a millisecond each). A torn last line (a crash inside
``write``) is ignored on reading and cut off before the next append. Each line is a
:class:`~seqalign.batch.jobs.JobResult` as a dict; its ``key`` (the content hash of the
job's inputs and options) is what ``--resume`` matches: a job is done when the last line
with its key says ``ok`` and its output file still exists.
"""

from __future__ import annotations

import json
import os
import time
from typing import IO, Any

__all__ = ["JOURNAL_NAME", "Journal", "read_journal"]

JOURNAL_NAME = "journal.jsonl"
#: Longest time between two fsyncs of the journal while a batch runs.
SYNC_SECONDS = 0.25


def read_journal(path: str) -> dict[str, dict[str, Any]]:
    """The last record of each key in the journal at ``path`` (empty when there is none).

    Lines that are not complete JSON objects (a torn last line) are skipped.
    """
    records: dict[str, dict[str, Any]] = {}
    try:
        with open(path, "rb") as fh:
            lines = fh.read().split(b"\n")
    except FileNotFoundError:
        return records
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("key"), str):
            records[record["key"]] = record
    return records


class Journal:
    """An append-only journal file: every :meth:`append` reaches the operating system when it
    returns, and the disk within :data:`SYNC_SECONDS` (at once on :meth:`close`).

    Parameters
    ----------
    path : str
        The journal file; created if missing.
    fresh : bool
        Start it empty (``--overwrite``) instead of appending to it (``--resume``).
    """

    def __init__(self, path: str, fresh: bool = False) -> None:
        self.path = path
        if not fresh:
            _cut_torn_line(path)
        self._fh: IO[bytes] = open(path, "wb" if fresh else "ab", buffering=0)  # noqa: SIM115
        self._synced = time.monotonic()

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line (one unbuffered ``write``); fsync when due."""
        line = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str) + "\n"
        self._fh.write(line.encode())
        if time.monotonic() - self._synced >= SYNC_SECONDS:
            self.sync()

    def sync(self) -> None:
        """Force the lines written so far to the disk."""
        os.fsync(self._fh.fileno())
        self._synced = time.monotonic()

    def close(self) -> None:
        """Sync and close the file."""
        if not self._fh.closed:
            self.sync()
            self._fh.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cut_torn_line(path: str) -> None:
    """Drop a last line without its newline, so the next record starts on a line of its own."""
    try:
        with open(path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)
    except FileNotFoundError:
        pass
