"""seqalign's changepoint searches against ruptures, side by side in one run, on the same data.

Run from the repository root::

    python benchmarks/bench_segment.py                 # every case (about 15 minutes)
    python benchmarks/bench_segment.py --quick         # small sizes, a smoke test
    python benchmarks/bench_segment.py --case pelt --cap 240 --markdown results.md

Data: ``n`` frames of unit Gaussian noise with 20 changes of mean (each feature shifts by
1 to 3 at evenly spaced breakpoints), seed fixed. Every run of a tool happens in a fresh
child process that reports its wall time (after a warm-up call on a small input, so numba
compilation and imports are not counted), its peak memory (growth of ``VmHWM``) and its
breakpoints. A peer run longer than ``--cap`` seconds is stopped and reported as ``> cap``;
its ratio is then a lower bound. "same" says whether the breakpoints are identical.

Definitions shared by both tools: the l2 cost (squared error to the segment mean, summed
over features), a numeric penalty per change (``2 d log n``), ``min_size=2``, ``jump=1``;
the rbf kernel ``exp(-gamma ||x - y||^2)`` with ``gamma = 1 / (2 d)`` through ruptures'
KernelCPD (C, no clipping), penalty 5.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def signal(n: int, d: int, changes: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    for b in np.linspace(0, n, changes + 2).astype(int)[1:-1]:
        x[b:] += rng.choice([-1.0, 1.0], size=d) * rng.uniform(1.0, 3.0, size=d)
    return x


@dataclass(frozen=True)
class Job:
    """One timed run, picklable for a spawned child."""

    tool: str
    method: str
    cost: str
    n: int
    d: int

    def data(self) -> np.ndarray:
        return signal(self.n, self.d)

    def penalty(self) -> float:
        return 5.0 if self.cost == "rbf" else 2.0 * self.d * math.log(self.n)

    def run(self, x: np.ndarray) -> list[int]:
        gamma = 1.0 / (2 * self.d)
        if self.tool == "seqalign":
            from seqalign import segment

            kw: dict = {"gamma": gamma} if self.cost == "rbf" else {}
            if self.method in ("binseg", "bottomup"):
                kw["n_bkps"] = 20
            else:
                kw["penalty"] = self.penalty()
            s = segment(x, search=self.method, cost=self.cost, min_size=2, **kw)
            return s.breakpoints.tolist()
        import ruptures as rpt

        if self.cost == "rbf":
            algo = rpt.KernelCPD(kernel="rbf", min_size=2, params={"gamma": gamma})
            return [int(b) for b in algo.fit(x).predict(pen=self.penalty())]
        cls = {"pelt": rpt.Pelt, "binseg": rpt.Binseg, "bottomup": rpt.BottomUp}[self.method]
        algo = cls(model=self.cost, min_size=2, jump=1).fit(x)
        if self.method == "pelt":
            return algo.predict(pen=self.penalty())
        return algo.predict(n_bkps=20)


def _high_water() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(job: Job, queue) -> None:
    import warnings

    warnings.simplefilter("ignore")
    x = job.data()
    job.run(x[: min(400, job.n)])  # warm-up: imports and numba's cache
    before = _high_water()
    start = time.perf_counter()
    bkps = job.run(x)
    seconds = time.perf_counter() - start
    queue.put((seconds, _high_water() - before, bkps))


@dataclass
class Result:
    job: Job
    seconds: float | None  # None: stopped at the cap
    peak: float | None
    bkps: list[int] | None


def measure(job: Job, cap: float) -> Result:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(job, queue))
    proc.start()
    proc.join(cap + 60)  # the warm-up and imports are not in the cap
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return Result(job, None, None, None)
    if queue.empty():
        return Result(job, None, None, None)
    seconds, peak, bkps = queue.get()
    if seconds > cap:
        return Result(job, None, peak, bkps)
    return Result(job, seconds, peak, bkps)


def run_case(jobs: list[tuple[Job, Job]], cap: float) -> list[tuple[Result, Result]]:
    out = []
    for ours, peer in jobs:
        a = measure(ours, cap)
        b = measure(peer, cap)
        out.append((a, b))
        print(f"done: {ours.method} {ours.cost} n={ours.n} d={ours.d}", file=sys.stderr)
    return out


def report(pairs: list[tuple[Result, Result]], cap: float) -> str:
    lines = [
        "| search | cost | n | d | seqalign (s) | peak | peer | peer (s) | peer peak | "
        "peer / seqalign | same |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for a, b in pairs:
        j = a.job
        peer = "KernelCPD" if j.cost == "rbf" else f"ruptures {j.method}"
        mine = f"{a.seconds:.3f}" if a.seconds is not None else "failed"
        theirs = f"{b.seconds:.3f}" if b.seconds is not None else f"> {cap:.0f} (stopped)"
        if a.seconds and b.seconds:
            ratio = f"{b.seconds / a.seconds:.{1 if b.seconds < 10 * a.seconds else 0}f}x"
        elif a.seconds:
            ratio = f"> {cap / a.seconds:.0f}x"
        else:
            ratio = ""
        same = "" if b.bkps is None or a.bkps is None else ("yes" if a.bkps == b.bkps else "NO")

        def mb(r: Result) -> str:
            return "" if r.peak is None else f"{r.peak / 1e6:.0f} MB"

        lines.append(
            f"| {j.method} | {j.cost} | {j.n:,} | {j.d} | {mine} | {mb(a)} | {peer} | "
            f"{theirs} | {mb(b)} | {ratio} | {same} |"
        )
    return "\n".join(lines)


def cases(quick: bool) -> dict[str, list[tuple[Job, Job]]]:
    def pair(method: str, cost: str, n: int, d: int) -> tuple[Job, Job]:
        return Job("seqalign", method, cost, n, d), Job("ruptures", method, cost, n, d)

    big = 5_000 if quick else 100_000
    small = 2_000 if quick else 10_000
    return {
        "pelt": [
            pair("pelt", "l2", small, 1),
            pair("pelt", "l2", small, 12),
            pair("pelt", "l2", big, 1),
            pair("pelt", "l2", big, 12),
        ],
        "kernel": [
            pair("pelt", "rbf", n, 1)
            for n in ((1_000, 2_000) if quick else (5_000, 10_000, 20_000, 100_000))
        ],
        "greedy": [
            pair(method, "l2", n, 1)
            for method in ("binseg", "bottomup")
            for n in ((small,) if quick else (small, big))
        ],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["pelt", "kernel", "greedy", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--cap", type=float, default=240.0, help="seconds per peer run")
    parser.add_argument("--n", type=int, help="only the runs of this many frames")
    parser.add_argument("--d", type=int, help="only the runs of this many features")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    pairs = []
    for name, jobs in cases(args.quick).items():
        if args.case in (name, "all"):
            jobs = [j for j in jobs if args.n in (None, j[0].n) and args.d in (None, j[0].d)]
            pairs.extend(run_case(jobs, args.cap))
    table = report(pairs, args.cap)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    print(f"\ncores: {os.cpu_count()}, python {sys.version.split()[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
