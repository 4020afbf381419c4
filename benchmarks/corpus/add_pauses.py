"""Add long pauses of one reader to the speech pairs of a built corpus: a stress test of
``seqalign warp`` on speech (``--skip-pauses``), made from the tuning pairs only.

For each pair, 7 word starts are drawn (two of them adjacent); before each, alternately in A
and in B, a pause of 1.5-3 s is inserted, filled with the first 0.25 s of that recording (its
room noise before the first word). The truth's later times on that side move by the pause.

    python benchmarks/corpus/add_pauses.py CORPUS OUT [--split tuning]

OUT gets ``<pair>/{a,b}.wav``, ``<pair>/truth.csv`` and a ``manifest.json`` that
``benchmarks/alignment_accuracy.py OUT`` reads.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np


def add_pauses(ys: dict, truth: np.ndarray, sr: int, rng) -> tuple[dict, np.ndarray, dict]:
    n = len(truth)
    picks = rng.choice(np.arange(3, n - 2), size=5, replace=False)
    k = rng.integers(3, n - 3)
    picks = np.unique(np.r_[picks, k, k + 1])
    truth = truth.copy()
    added = {}
    for order, word in enumerate(picks):
        side = "a" if order % 2 == 0 else "b"
        col = 0 if side == "a" else 1
        y = ys[side]
        seconds = rng.uniform(1.5, 3.0)
        noise = y[: int(0.25 * sr)]
        pause = np.tile(noise, int(np.ceil(seconds * sr / len(noise))))[: int(seconds * sr)]
        cut = int((truth[word, col] - 0.01) * sr)
        ys[side] = np.concatenate([y[:cut], pause, y[cut:]])
        truth[word:, col] += len(pause) / sr
        added[int(word)] = (side, round(len(pause) / sr, 2))
    return ys, truth, added


def main(argv: list[str] | None = None) -> None:
    import soundfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--split", default="tuning", choices=("tuning", "heldout", "all"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with open(os.path.join(args.corpus, "manifest.json")) as stream:
        manifest = json.load(stream)
    rng = np.random.default_rng(args.seed)
    pairs = []
    for pair in manifest["pairs"]:
        if pair["category"] != "speech" or args.split not in ("all", pair["split"]):
            continue
        ys, sr = {}, manifest["sample_rate"]
        for side in "ab":
            ys[side], sr = soundfile.read(os.path.join(args.corpus, pair[side]))
        truth = np.loadtxt(os.path.join(args.corpus, pair["truth"]), delimiter=",", skiprows=1)
        ys, truth, added = add_pauses(ys, truth, sr, rng)
        folder = os.path.join(args.out, pair["id"])
        os.makedirs(folder, exist_ok=True)
        for side in "ab":
            soundfile.write(os.path.join(folder, f"{side}.wav"), ys[side], sr)
        np.savetxt(os.path.join(folder, "truth.csv"), truth, delimiter=",", fmt="%.4f",
                   header="time_a,time_b", comments="")  # fmt: skip
        pairs.append({**pair, "added_pauses": added})
        print(pair["id"], added)
    with open(os.path.join(args.out, "manifest.json"), "w") as stream:
        json.dump({**manifest, "pairs": pairs}, stream, indent=1)


if __name__ == "__main__":
    main()
