"""Online segmentation (``OnlineSegmenter``, ``segment --online``): throughput and delay.

Run from the repository root::

    python benchmarks/bench_online.py                  # 10 M frames, blocks of 65 536
    python benchmarks/bench_online.py --frames 1000000 --block 1000

Data: univariate unit Gaussian noise whose mean jumps (by a normal with standard deviation
5) every 50 to 150 frames (uniform; ``--segments MIN:MAX``), seed fixed. Penalty ``2 log
n`` (bic with unit noise, numeric), l2 cost, min_size 1, jump 1. Throughput is frames per second of
``update`` calls on one core (after a warm-up call that compiles the kernels), then
``finish``; the offline PELT on the same data gives the reference breakpoints (checked
equal) and its own throughput. Delay: frames between a breakpoint and the end at which it
became certain.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seqalign.changepoints.online import OnlineSegmenter
from seqalign.changepoints.search import segment


def signal(n: int, shortest: int, longest: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(shortest, longest + 1, size=n // shortest + 1)
    levels = rng.normal(0.0, 5.0, size=lengths.size)
    mean = np.repeat(levels, lengths)[:n]
    return mean + rng.standard_normal(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10_000_000)
    parser.add_argument("--block", type=int, default=65_536)
    parser.add_argument("--segments", default="50:150", help="segment lengths MIN:MAX")
    parser.add_argument("--no-offline", action="store_true", help="skip the offline check")
    args = parser.parse_args()
    shortest, longest = (int(v) for v in args.segments.split(":"))
    x = signal(args.frames, shortest, longest)
    pen = 2.0 * math.log(args.frames)
    warm = OnlineSegmenter(penalty=pen)
    warm.update(x[:1000])
    warm.finish()
    seg = OnlineSegmenter(penalty=pen)
    got: list[int] = []
    start = time.perf_counter()
    for lo in range(0, x.size, args.block):
        got += seg.update(x[lo : lo + args.block])
    got += seg.finish()
    online_s = time.perf_counter() - start
    delays = np.asarray(seg.delays)
    print(f"frames          {x.size:,}  (block {args.block:,}, segments {args.segments})")
    print(f"online          {online_s:.2f} s, {x.size / online_s / 1e6:.2f} M frames/s")
    print(f"breakpoints     {len(got):,}")
    print(
        f"delay (frames)  mean {delays.mean():.1f}, median {np.median(delays):.0f}, "
        f"p99 {np.percentile(delays, 99):.0f}, max {delays.max()}"
    )
    print(f"peak frontier   {seg.peak_live} live candidates; state at the end "
          f"{seg.memory_frames} frames")  # fmt: skip
    if not args.no_offline:
        segment(x[:1000], penalty=pen)
        start = time.perf_counter()
        want = segment(x, search="pelt", penalty=pen).changepoints.tolist()
        offline_s = time.perf_counter() - start
        print(f"offline pelt    {offline_s:.2f} s, {x.size / offline_s / 1e6:.2f} M frames/s")
        print(f"same as offline {got == want}")


if __name__ == "__main__":
    main()
