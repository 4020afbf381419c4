"""Alignment accuracy on the rendered corpus (benchmarks/corpus/build_alignment_corpus.py):
seqalign's defaults and options against librosa and synctoolbox, side by side.

Every method runs in its own process on each pair and writes a time map; the error at each
ground-truth time of A is ``|map(t_a) - t_b|``, with the estimated map linear between its
points. Per pair and per category (music-mono, music-poly, speech, long; "music" pools the two
music categories) the table gives the mean absolute error (MAE), the median, the share of
points within 25, 50 and 100 ms (pooled over points), the total time and the largest peak
memory (the process's maximum resident size, from ``wait4``).

    python benchmarks/alignment_accuracy.py [CORPUS] --split heldout
    python benchmarks/alignment_accuracy.py --only seqalign,sync-dlnco --pairs chorale
    python benchmarks/alignment_accuracy.py --method "hop441=--hop 441" --only hop441

Runs are cached under ``CORPUS/runs/<method>/`` with the command that made them; ``--fresh``
runs again. The sync methods need synctoolbox (``--bench-python``, default
``/work/venvs/bench/bin/python``); librosa's DTW builds the full cost matrix and is skipped
when it would need more than ``--librosa-max-gb``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = Path.home() / ".cache" / "seqalign" / "alignment-corpus"
CATEGORIES = ("music-mono", "music-poly", "music", "speech", "long")
TOLERANCES = (0.025, 0.05, 0.1)

#: seqalign methods: name -> extra flags of ``seqalign warp``.
SEQALIGN = {
    "seqalign": [],
    # the music default of 2026-12-05: tuned chroma + DLNCO, no refinement, step time map
    "seqalign-chroma_dlnco": ["--features", "chroma_dlnco", "--refine", "1",
                              "--interpolation", "steps"],
    # the new default without the refinement and the sub-frame time map (on speech: the
    # default of 2026-12-05)
    "seqalign-norefine": ["--refine", "1", "--interpolation", "steps"],
    "seqalign-steps": ["--interpolation", "steps"],  # the default with the step time map
    "seqalign-old-defaults": ["--features", "logmel", "--normalize", "zscore", "--metric",
                              "cosine", "--step-pattern", "symmetric1", "--hop", "512"],
    "seqalign-mfcc": ["--features", "mfcc", "--normalize", "zscore", "--metric", "cosine",
                      "--step-pattern", "symmetric1", "--hop", "512"],
    "seqalign-chroma_onset": ["--features", "chroma_onset", "--metric", "euclidean",
                              "--normalize", "none", "--step-pattern", "symmetric1",
                              "--hop", "512"],
}  # fmt: skip
PEERS = ("librosa-mfcc", "librosa-chroma", "sync-chroma", "sync-dlnco")
#: Methods run on some categories only (the others are reported as skipped).
ONLY_ON = {"seqalign-chroma_dlnco": ("music-mono", "music-poly", "long")}


def command(method: str, a: str, b: str, out: str, args, extra: dict) -> list[str] | None:
    if method in SEQALIGN or method in extra:
        flags = SEQALIGN[method] if method in SEQALIGN else shlex.split(extra[method])
        return [sys.executable, "-m", "seqalign", "warp", a, b, "-o", os.devnull,
                "--time-map", out, "-q", *flags]  # fmt: skip
    python = args.bench_python if method.startswith("sync") else sys.executable
    return [python, str(HERE / "alignment_peers.py"), method, a, b, out]


def run_measured(cmd: list[str], timeout: float) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB (this process alone: ``os.wait4``) and the last
    line of standard error when it failed."""
    import tempfile

    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return time.perf_counter() - started, float("nan"), "timeout"
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        lines = log.read().decode(errors="replace").strip().splitlines()
    message = (lines[-1] if lines else f"exit {proc.returncode}") if proc.returncode else ""
    return elapsed, usage.ru_maxrss / 1024, message


def errors(truth: np.ndarray, time_map: np.ndarray, note_on: bool = False) -> np.ndarray:
    """Absolute error at each ground-truth time of A, in seconds. ``truth``: columns
    ``time_a,time_b`` (when each note is heard, or each word starts), and for music
    ``note_on_a,note_on_b`` (the MIDI note-on times), used with ``note_on``."""
    a, b = (2, 3) if note_on and truth.shape[1] >= 4 else (0, 1)
    return np.abs(np.interp(truth[:, a], time_map[:, 0], time_map[:, 1]) - truth[:, b])


def frames(seconds: float, hop: int = 512, sr: int = 22050) -> int:
    return int(seconds * sr / hop) + 1


def evaluate(pair: dict, method: str, corpus: Path, args, extra: dict) -> dict:
    folder = corpus / "runs" / method
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{pair['id']}.csv"
    record_path = folder / f"{pair['id']}.json"
    a, b = str(corpus / pair["a"]), str(corpus / pair["b"])
    cmd = command(method, a, b, str(out), args, extra)
    truth = np.loadtxt(corpus / pair["truth"], delimiter=",", skiprows=1, ndmin=2)
    if record_path.exists() and not args.fresh:
        record = json.loads(record_path.read_text())
        if record.get("command") == cmd:
            if "errors" in record:  # scored again: the ground truth may have been rebuilt
                time_map = np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)
                record["errors"] = errors(truth, time_map, args.note_on).round(5).tolist()
            return record
    record = {"command": cmd, "pair": pair["id"], "method": method}
    if method in ONLY_ON and pair["category"] not in ONLY_ON[method]:
        record["skipped"] = f"run on {', '.join(ONLY_ON[method])} only"
        return record
    if method.startswith("librosa"):
        cells = frames(pair_seconds(pair, "a")) * frames(pair_seconds(pair, "b"))
        if cells * 8 * 3 > args.librosa_max_gb * 1e9:
            record["skipped"] = f"needs about {cells * 24 / 1e9:.0f} GB (full cost matrices)"
            return record
    if out.exists():
        out.unlink()
    seconds, peak_mb, message = run_measured(cmd, args.timeout)
    record.update({"seconds": seconds, "peak_mb": peak_mb})
    if message or not out.exists():
        record["failed"] = message or "no time map written"
    else:
        time_map = np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)
        record["errors"] = errors(truth, time_map, args.note_on).round(5).tolist()
    record_path.write_text(json.dumps(record))
    return record


def pair_seconds(pair: dict, side: str) -> float:
    return float(pair[f"seconds_{side}"])


def summary(records: list[dict]) -> dict:
    done = [r for r in records if "errors" in r]
    if not done:
        reasons = {r.get("skipped") or r.get("failed") for r in records}
        return {"note": "; ".join(sorted(x for x in reasons if x))}
    e = np.concatenate([r["errors"] for r in done]) * 1000
    row = {"n": len(done), "mae": e.mean(), "median": float(np.median(e))}
    row.update({f"w{round(t * 1000)}": 100 * float((e <= t * 1000).mean()) for t in TOLERANCES})
    row["seconds"] = sum(r["seconds"] for r in done)
    row["peak_mb"] = max(r["peak_mb"] for r in done)
    if len(done) < len(records):
        row["note"] = f"{len(records) - len(done)} of {len(records)} not run"
    return row


def table(rows: list[tuple[str, str, dict]], first: str) -> str:
    head = (f"| {first} | method | MAE ms | median ms | <=25 ms | <=50 ms | <=100 ms | time s "
            "| peak MB |")  # fmt: skip
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, method, s in rows:
        if "mae" not in s:
            lines.append(f"| {name} | {method} | {s.get('note', '')} | | | | | | |")
            continue
        note = f" ({s['note']})" if "note" in s else ""
        lines.append(
            f"| {name} | {method}{note} | {s['mae']:.1f} | {s['median']:.1f} | {s['w25']:.1f} | "
            f"{s['w50']:.1f} | {s['w100']:.1f} | {s['seconds']:.1f} | {s['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--split", choices=("tuning", "heldout", "all"), default="all")
    parser.add_argument("--only", default=None, help="methods, comma-separated")
    parser.add_argument("--pairs", default=None, help="pairs whose name contains this")
    parser.add_argument("--category", default=None, help="one category")
    parser.add_argument("--method", action="append", default=[],
                        help='an extra seqalign method: "NAME=FLAGS OF seqalign warp"')  # fmt: skip
    parser.add_argument("--per-pair", action="store_true", help="a row per pair as well")
    parser.add_argument("--fresh", action="store_true", help="ignore cached runs")
    parser.add_argument("--bench-python", default="/work/venvs/bench/bin/python")
    parser.add_argument("--librosa-max-gb", type=float, default=6.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--json", default=None, help="write every record here")
    parser.add_argument(
        "--note-on",
        action="store_true",
        help="score against the note-on times instead of when notes are heard",
    )
    args = parser.parse_args(argv)

    corpus = Path(args.corpus)
    manifest = json.loads((corpus / "manifest.json").read_text())
    pairs = [p for p in manifest["pairs"] if args.split in ("all", p["split"])]
    if args.pairs:
        pairs = [p for p in pairs if args.pairs in p["id"]]
    if args.category:
        pairs = [p for p in pairs if p["category"] == args.category]
    extra = dict(m.split("=", 1) for m in args.method)
    methods = [*SEQALIGN, *PEERS, *extra]
    if args.only:
        wanted = args.only.split(",")
        methods = [m for m in wanted if m in SEQALIGN or m in PEERS or m in extra]
        unknown = set(wanted) - set(methods)
        if unknown:
            sys.exit(f"unknown methods {sorted(unknown)}; known: {', '.join(methods)}")

    records: dict[str, list[dict]] = {m: [] for m in methods}
    for pair in pairs:
        for method in methods:
            record = evaluate(pair, method, corpus, args, extra)
            record["category"] = pair["category"]
            records[method].append(record)
            if "errors" in record:
                e = np.asarray(record["errors"]) * 1000
                status = f"{(e <= 50).mean() * 100:5.1f} % <=50 ms, MAE {e.mean():6.1f} ms"
            else:
                status = record.get("skipped") or record.get("failed")
            print(f"{pair['id']:34s} {method:26s} {status}", file=sys.stderr, flush=True)

    rows = []
    for category in CATEGORIES:
        for method in methods:
            chosen = [r for r in records[method] if category == r["category"]
                      or (category == "music" and r["category"].startswith("music"))]  # fmt: skip
            if chosen:
                rows.append((category, method, summary(chosen)))
    truth = "note-on times" if args.note_on else "times heard (music), word starts (speech)"
    print(f"\n{args.split} split, {len(pairs)} pairs, ground truth: {truth}\n")
    print(table(rows, "category"))
    if args.per_pair:
        per_pair = [(p["id"], m, summary([r for r in records[m] if r["pair"] == p["id"]]))
                    for p in pairs for m in methods]  # fmt: skip
        print()
        print(table(per_pair, "pair"))
    if args.json:
        Path(args.json).write_text(json.dumps(records))


if __name__ == "__main__":
    main()
