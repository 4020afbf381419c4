"""Following accuracy and latency (``seqalign follow``) on the rendered corpus, against
pymatchmaker's Dixon and Arzt followers and against seqalign's own offline ``warp``.

For each pair of the corpus (``benchmarks/corpus/build_alignment_corpus.py``: folders with
``a.wav``, ``b.wav`` and ``truth.csv``), B is streamed against A, the reference: B plays
"live", and each of its frames gets a position in A at once. The error at each ground-truth
point ``(t_a, t_b)`` is ``|map(t_b) - t_a|``, ``map`` linear between the live frames'
positions (for warp: between the points of its path). Per category (music-mono, music-poly,
"music" pooling both, speech, long) the table gives the mean absolute error (MAE), the
median, the share of points within 50, 100, 300 and 500 ms (pooled over points), and the
mean and largest latency per frame.

Methods:

* ``seqalign``: ``python -m seqalign follow a.wav b.wav`` as a process (its defaults:
  ``--preset auto``); latency from its summary (features, following and writing, per frame).
* ``seqalign-no-reanchor``: the same with ``--no-reanchor``.
* ``warp``: seqalign's offline alignment of the whole pair (the task behind ``seqalign
  warp``, preset auto), for reference: it sees the future.
* ``pm-arzt``, ``pm-dixon``: pymatchmaker's ``OnlineTimeWarpingArztFrame`` and
  ``OnlineTimeWarpingDixonFrame`` on seqalign's causal features (the ones the seqalign
  follower gets), at their default settings (``benchmarks/follow_peers.py``, run with
  ``--pymatchmaker-python``); latency per frame is the follower's step alone.
* ``pm-arzt-own``, ``pm-dixon-own``: the same on pymatchmaker's own default features (chroma
  at 30 frames per second, from ``compute_features_from_audio``).

A latency case (``--latency``) times the API alone: :class:`seqalign.Follower` on a
5-minute reference of 12 features at 50 frames per second, fed one frame per call.

    python benchmarks/bench_follow.py /tmp/h14_corpus --split heldout \\
        --pymatchmaker-python /work/venvs/follow/bin/python
    python benchmarks/bench_follow.py --latency

Runs are cached under ``--cache`` (per method and pair, with the command); ``--fresh``
runs again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CATEGORIES = ("music-mono", "music-poly", "music", "speech", "long")
TOLERANCES = (0.05, 0.1, 0.3, 0.5)
METHODS = (
    "seqalign",
    "seqalign-no-reanchor",
    "warp",
    "pm-arzt",
    "pm-dixon",
    "pm-arzt-own",
    "pm-dixon-own",
)


def _interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    order = np.argsort(xp, kind="stable")
    return np.interp(x, xp[order], fp[order])


def _seqalign(pair: dict, corpus: Path, work: Path, extra: tuple[str, ...] = ()) -> dict:
    out = work / f"{pair['id']}.seqalign.csv"
    cmd = [sys.executable, "-m", "seqalign", "follow", str(corpus / pair["a"]),
           str(corpus / pair["b"]), "-o", str(out), *extra]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        return {"failed": done.stderr.strip().splitlines()[-1:]}
    rows = np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)
    latency = re.search(r"mean ([0-9.]+) ms, max ([0-9.]+) ms", done.stderr)
    jumps = re.search(r"re-anchoring\s+(\d+) jump", done.stderr)
    return {"live": rows[:, 0].tolist(), "ref": rows[:, 1].tolist(),
            "mean_latency": float(latency[1]) / 1e3, "max_latency": float(latency[2]) / 1e3,
            "jumps": int(jumps[1]) if jumps else None, "seconds": time.perf_counter() - began,
            "summary": done.stderr}  # fmt: skip


def _warp(pair: dict, corpus: Path, work: Path) -> dict:
    from seqalign.tasks.align import AlignSettings, run_align

    began = time.perf_counter()
    out = work / f"{pair['id']}.warp.csv"
    outcome = run_align(AlignSettings(a=str(corpus / pair["a"]), b=str(corpus / pair["b"]),
                                      output=str(out)))  # fmt: skip
    path = outcome.alignment.path
    return {"live": (path[:, 1] / outcome.seq_b.rate).tolist(),
            "ref": (path[:, 0] / outcome.seq_a.rate).tolist(),
            "seconds": time.perf_counter() - began, "preset": outcome.preset}  # fmt: skip


def _causal_features(pair: dict, corpus: Path, work: Path) -> tuple[Path, Path, float]:
    """seqalign's causal features of A and B (the follower's), as .npy files."""
    from seqalign.audio.presets import detect_preset
    from seqalign.following.features import StreamingFeatures, reference_features
    from seqalign.io.audio import read_signal
    from seqalign.tasks.follow import FOLLOW_PRESETS

    ref_path, live_path = work / f"{pair['id']}.a.npy", work / f"{pair['id']}.b.npy"
    rate_path = work / f"{pair['id']}.rate.json"
    if not (ref_path.exists() and live_path.exists() and rate_path.exists()):
        a, sr = read_signal(str(corpus / pair["a"]), "a")
        b, sr_b = read_signal(str(corpus / pair["b"]), "b")
        preset, _ = detect_preset([(a, sr)])
        name, hop, _, _ = FOLLOW_PRESETS[preset]
        ref, tuning = reference_features(a, sr, name, hop)
        stream = StreamingFeatures(name, sr_b, hop, tuning)
        live = np.concatenate([stream.push(b), stream.flush()])
        np.save(ref_path, ref.astype(np.float32))
        np.save(live_path, live.astype(np.float32))
        rate_path.write_text(json.dumps({"rate": sr / hop}))
    return ref_path, live_path, json.loads(rate_path.read_text())["rate"]


def _peer(method: str, pair: dict, corpus: Path, work: Path, args) -> dict:
    kind = "arzt" if "arzt" in method else "dixon"
    out = work / f"{pair['id']}.{method}.json"
    if method.endswith("-own"):
        ref, live, rate = corpus / pair["a"], corpus / pair["b"], 30.0
    else:
        ref, live, rate = _causal_features(pair, corpus, work)
    cmd = [args.pymatchmaker_python, str(HERE / "follow_peers.py"), kind, str(ref), str(live),
           str(out), "--rate", str(rate)]  # fmt: skip
    began = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"failed": f"over {args.timeout:g} s"}
    if done.returncode:
        return {"failed": (done.stderr.strip().splitlines() or ["?"])[-1]}
    record = json.loads(out.read_text())
    positions = np.asarray(record["positions"])
    seconds = time.perf_counter() - began
    return {"live": (np.arange(len(positions)) / record["rate"]).tolist(),
            "ref": positions.tolist(), "mean_latency": record["mean_latency"],
            "max_latency": record["max_latency"], "seconds": seconds}  # fmt: skip


def run(method: str, pair: dict, corpus: Path, args) -> dict:
    cache = Path(args.cache) / method
    cache.mkdir(parents=True, exist_ok=True)
    record_path = cache / f"{pair['id']}.json"
    if record_path.exists() and not args.fresh:
        return json.loads(record_path.read_text())
    work = Path(args.cache) / "work"
    work.mkdir(parents=True, exist_ok=True)
    if method == "seqalign":
        record = _seqalign(pair, corpus, work)
    elif method == "seqalign-no-reanchor":
        record = _seqalign(pair, corpus, work, ("--no-reanchor",))
    elif method == "warp":
        record = _warp(pair, corpus, work)
    else:
        record = _peer(method, pair, corpus, work, args)
    record_path.write_text(json.dumps(record))
    return record


def errors(record: dict, truth: np.ndarray) -> np.ndarray:
    live, ref = np.asarray(record["live"]), np.asarray(record["ref"])
    return np.abs(_interp(truth[:, 1], live, ref) - truth[:, 0])


def row(errs: list[np.ndarray], records: list[dict]) -> list[str]:
    e = np.concatenate(errs) if errs else np.zeros(0)
    means = [r["mean_latency"] for r in records if "mean_latency" in r]
    frames = [len(r["live"]) for r in records if "mean_latency" in r]
    lat = "" if not means else f"{np.average(means, weights=frames) * 1e3:.3f}"
    top = "" if not means else f"{max(r['max_latency'] for r in records) * 1e3:.1f}"
    return [f"{e.mean() * 1e3:.1f}", f"{np.median(e) * 1e3:.1f}",
            *(f"{np.mean(e <= t) * 100:.1f}" for t in TOLERANCES), lat, top]  # fmt: skip


def latency_case(args) -> None:
    """The API alone: 12 features at 50 frames per second, one frame per call."""
    from seqalign import Follower

    rng = np.random.default_rng(0)
    n = 15_000  # 5 minutes
    steps = rng.random((n // 12 + 2, 12)) ** 4
    ref = np.repeat(steps, 12, axis=0)[:n] + 0.02 * rng.standard_normal((n, 12))
    where = np.cumsum(1.0 + 0.2 * np.sin(np.linspace(0, 20, n)))
    live = ref[np.round(where[where < n - 1]).astype(int)]
    live = live + 0.02 * rng.standard_normal(live.shape)
    Follower(ref).update(live[:10])  # compile or load the kernels first
    follower = Follower(ref)
    spent = []
    for k in range(len(live)):
        began = time.perf_counter()
        follower.update(live[k])
        spent.append(time.perf_counter() - began)
    spent = np.asarray(spent)
    print(f"seqalign Follower, 12 features, 50 fps, {len(live)} frames: mean "
          f"{spent.mean() * 1e3:.4f} ms, median {np.median(spent) * 1e3:.4f} ms, 99th "
          f"percentile {np.percentile(spent, 99) * 1e3:.4f} ms, max {spent.max() * 1e3:.3f} ms "
          f"per frame; re-anchoring searches {follower.checks}")  # fmt: skip
    if args.pymatchmaker_python:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            np.save(f"{folder}/r.npy", ref.astype(np.float32))
            np.save(f"{folder}/l.npy", live.astype(np.float32))
            for kind in ("arzt", "dixon"):
                cmd = [args.pymatchmaker_python, str(HERE / "follow_peers.py"), kind,
                       f"{folder}/r.npy", f"{folder}/l.npy", f"{folder}/o.json"]  # fmt: skip
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                if done.returncode:
                    print(f"pymatchmaker {kind}: failed")
                    continue
                record = json.loads(Path(f"{folder}/o.json").read_text())
                print(f"pymatchmaker {kind}: mean {record['mean_latency'] * 1e3:.4f} ms, max "
                      f"{record['max_latency'] * 1e3:.3f} ms per frame")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="/tmp/h14_corpus")
    parser.add_argument("--split", default="heldout", help="tuning, heldout or all")
    parser.add_argument("--pairs", default=None, help="pair ids containing one of these (a,b)")
    parser.add_argument("--only", default=",".join(METHODS), help="methods, comma-separated")
    parser.add_argument("--pymatchmaker-python", default=None)
    parser.add_argument("--cache", default="/tmp/follow_runs")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per peer run")
    parser.add_argument("--per-pair", action="store_true")
    parser.add_argument("--latency", action="store_true", help="the latency case only")
    args = parser.parse_args()
    if args.latency:
        latency_case(args)
        return
    corpus = Path(args.corpus)
    manifest = json.loads((corpus / "manifest.json").read_text())
    pairs = [p for p in manifest["pairs"] if args.split in ("all", p["split"])]
    if args.pairs:
        pairs = [p for p in pairs if any(k in p["id"] for k in args.pairs.split(","))]
    methods = [m for m in args.only.split(",") if m]
    if not args.pymatchmaker_python:
        methods = [m for m in methods if not m.startswith("pm-")]
    results: dict[str, dict[str, dict]] = {m: {} for m in methods}
    for pair in pairs:
        truth = np.loadtxt(corpus / pair["truth"], delimiter=",", skiprows=1, ndmin=2)
        line = [pair["id"]]
        for method in methods:
            if method.startswith("pm-dixon") and pair["category"] == "long":
                record = {"failed": "skipped: pure Python, hours on the 20-minute pair"}
            else:
                record = run(method, pair, corpus, args)
            results[method][pair["id"]] = record
            if "failed" in record:
                line.append(f"{method} failed")
                continue
            e = errors(record, truth)
            line.append(f"{method} {np.mean(e <= 0.1) * 100:.0f}%")
        print("  ".join(line), file=sys.stderr, flush=True)
    print(f"\n{args.split} split, {len(pairs)} pairs; B streamed against A\n")
    print("| category | method | MAE ms | median ms | <=50 ms | <=100 ms | <=300 ms | <=500 ms "
          "| latency mean ms/frame | latency max ms |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for category in CATEGORIES:
        chosen = [p for p in pairs if p["category"] == category
                  or (category == "music" and p["category"].startswith("music"))]  # fmt: skip
        if not chosen:
            continue
        for method in methods:
            records = [results[method][p["id"]] for p in chosen]
            failed = [p["id"] for p, r in zip(chosen, records, strict=True) if "failed" in r]
            good = [(p, r) for p, r in zip(chosen, records, strict=True) if "failed" not in r]
            errs = [errors(r, np.loadtxt(corpus / p["truth"], delimiter=",", skiprows=1,
                                         ndmin=2)) for p, r in good]  # fmt: skip
            if not good:
                reason = records[0].get("failed", "")
                print(f"| {category} | {method} | {reason} | | | | | | | |")
                continue
            note = f" ({len(failed)} pair(s) failed)" if failed else ""
            print(f"| {category} | {method}{note} | " + " | ".join(row(errs, [r for _, r in good]))
                  + " |")  # fmt: skip
    if args.per_pair:
        print("\n| pair | " + " | ".join(f"{m} <=100 ms" for m in methods) + " |")
        print("|---|" + "---:|" * len(methods))
        for pair in pairs:
            truth = np.loadtxt(corpus / pair["truth"], delimiter=",", skiprows=1, ndmin=2)
            cells = []
            for method in methods:
                record = results[method][pair["id"]]
                cells.append("failed" if "failed" in record else
                             f"{np.mean(errors(record, truth) <= 0.1) * 100:.1f}")  # fmt: skip
            print(f"| {pair['id']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.path.insert(0, str(ROOT))  # this checkout's seqalign, as the subprocesses get
    main()
