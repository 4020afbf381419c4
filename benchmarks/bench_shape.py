"""Shape-change segmentation on TSSB: seqalign ``--cost shape`` against claspy and ruptures.

Reads the TSSB series in ``../shared/data/tssb`` (or ``--data``): each ``series/NAME.txt`` with
its change points in ``desc.txt``, and the published covering of every method (number of
changes unknown) in ``published_covering_unknown_cps.csv``. Runs, in one process each and on the
same series:

* seqalign ``segment(x, cost="shape")``, no parameter given;
* seqalign ``segment(x)``, the default (l2, pelt, mbic), what users got before;
* ruptures ``KernelCPD(kernel="rbf")`` (its C PELT on the rbf cost, median-heuristic
  bandwidth) with the penalty ``2 log n`` per change, the series z-scored first;
* claspy's ``BinaryClaSPSegmentation()`` with its defaults (``pip install claspy``; run with the
  Python given by ``--claspy-python``, a venv of its own since its pins may clash with ours).

Prints one row per series (covering and seconds) and the means, the published figures beside
them, and the time ratios claspy / seqalign (wall clock, and CPU time of all threads, which
a busy machine disturbs less). Covering as TCPDBench and TSSB compute it
(:func:`seqalign.covering`). Times exclude compilation (a warm-up run first).

Run::

    python benchmarks/bench_shape.py --claspy-python /work/venvs/clasp/bin/python \
        --claspy-results /tmp/claspy-tssb.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from seqalign import covering, segment

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "tssb"

CLASPY_SCRIPT = r"""
import json, sys, time
import numpy as np
from claspy.segmentation import BinaryClaSPSegmentation
paths = json.loads(sys.argv[1])
warm = np.sin(np.arange(2000) / 7.0) + 0.1 * np.random.default_rng(0).standard_normal(2000)
BinaryClaSPSegmentation().fit_predict(warm)
for path in paths:
    x = np.loadtxt(path)
    t, c = time.perf_counter(), time.process_time()
    found = BinaryClaSPSegmentation().fit_predict(x)
    print(json.dumps({"path": path, "cps": [int(c) for c in found],
                      "seconds": time.perf_counter() - t, "cpu": time.process_time() - c}),
          flush=True)
"""


def load(data: Path, only: set[str] | None):
    series = []
    for line in (data / "desc.txt").read_text().splitlines():
        name, _width, *cps = line.split(",")
        if only and name not in only:
            continue
        series.append((name, data / "series" / f"{name}.txt", [int(c) for c in cps]))
    published = {}
    table = (data / "published_covering_unknown_cps.csv").read_text().splitlines()
    header = table[0].split(",")
    for row in table[1:]:
        cells = row.split(",")
        published[cells[0]] = dict(zip(header[1:], map(float, cells[1:]), strict=True))
    return series, published


def timed(function, *args, **kwargs):
    """``(result, wall seconds, CPU seconds of every thread)``."""
    t, c = time.perf_counter(), time.process_time()
    out = function(*args, **kwargs)
    return out, time.perf_counter() - t, time.process_time() - c


def run_ruptures(x: np.ndarray) -> list[int]:
    import ruptures as rpt

    z = (x - x.mean()) / (x.std() or 1.0)
    algo = rpt.KernelCPD(kernel="rbf", min_size=2).fit(z.reshape(-1, 1))
    return [int(b) for b in algo.predict(pen=2 * math.log(len(z)))[:-1]]


def run_claspy(
    python: str, paths: list[Path], saved: Path | None
) -> dict[str, tuple[list[int], float, float]]:
    if saved is not None and saved.exists():
        lines = saved.read_text().splitlines()
    else:
        proc = subprocess.run(
            [python, "-c", CLASPY_SCRIPT, json.dumps([str(p) for p in paths])],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        lines = proc.stdout.splitlines()
        if saved is not None:
            saved.write_text(proc.stdout)
    out = {}
    for line in lines:
        row = json.loads(line)
        out[row["path"]] = (row["cps"], row["seconds"], row["cpu"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--claspy-python", help="a Python with claspy installed")
    parser.add_argument(
        "--claspy-results", type=Path, help="claspy's results: read if present, else written"
    )
    parser.add_argument("--no-ruptures", action="store_true")
    parser.add_argument("--only", nargs="*", help="series names")
    args = parser.parse_args()
    if not (args.data / "desc.txt").exists():
        sys.exit(f"no TSSB data in {args.data} (give --data)")
    series, published = load(args.data, set(args.only) if args.only else None)

    warm = np.sin(np.arange(2000) / 7.0)
    segment(warm, cost="shape")
    segment(warm)
    rows = []
    claspy = {}
    if args.claspy_python or (args.claspy_results and args.claspy_results.exists()):
        print("running claspy...", file=sys.stderr)
        claspy = run_claspy(args.claspy_python, [p for _, p, _ in series], args.claspy_results)
    for name, path, cps in series:
        x = np.loadtxt(path)
        n = len(x)
        row = {"name": name, "n": n, "changes": len(cps)}
        found, row["shape_s"], row["shape_cpu"] = timed(segment, x, cost="shape")
        row["shape"] = covering(found.changepoints, [cps], n)
        row["shape_found"] = found.n_bkps
        found, row["l2_s"], row["l2_cpu"] = timed(segment, x)
        row["l2"] = covering(found.changepoints, [cps], n)
        if not args.no_ruptures:
            found, row["ruptures_s"], row["ruptures_cpu"] = timed(run_ruptures, x)
            row["ruptures"] = covering([c for c in found if 0 < c < n], [cps], n)
        if str(path) in claspy:
            found, row["claspy_s"], row["claspy_cpu"] = claspy[str(path)]
            row["claspy"] = covering([c for c in found if 0 < c < n], [cps], n)
        row["published"] = published.get(name, {})
        rows.append(row)
        print(name, f"{row['shape']:.3f}", f"{row['shape_s']:.2f}s", file=sys.stderr)

    methods = [("shape", "seqalign shape"), ("l2", "seqalign l2 (default)")]
    if not args.no_ruptures:
        methods.append(("ruptures", "ruptures KernelCPD rbf"))
    if claspy:
        methods.append(("claspy", "claspy BinaryClaSP"))
    pub = ["ClaSP", "FLOSS", "BinSeg", "PELT"]
    head = ["series", "n", "changes"] + [f"{label} cover / s" for _, label in methods]
    head += [f"{p} (published)" for p in pub]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        cells = [row["name"], str(row["n"]), str(row["changes"])]
        cells += [f"{row[key]:.3f} / {row[key + '_s']:.2f}" for key, _ in methods]
        cells += [f"{row['published'].get(p, float('nan')):.3f}" for p in pub]
        print("| " + " | ".join(cells) + " |")
    means = ["**mean**", "", ""]
    for key, _ in methods:
        means.append(
            f"**{np.mean([r[key] for r in rows]):.4f}** / {sum(r[key + '_s'] for r in rows):.1f}"
        )
    means += [f"{np.mean([r['published'].get(p, np.nan) for r in rows]):.4f}" for p in pub]
    print("| " + " | ".join(means) + " |")
    if claspy:
        for unit, label in (("_s", "wall"), ("_cpu", "CPU")):
            total = sum(r["claspy" + unit] for r in rows) / sum(r["shape" + unit] for r in rows)
            each = np.median([r["claspy" + unit] / r["shape" + unit] for r in rows])
            print(
                f"\nclaspy / seqalign {label} time: {total:.1f}x in total, {each:.1f}x median "
                "per series"
            )


if __name__ == "__main__":
    main()
