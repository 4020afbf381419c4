"""Give one recording of every music pair of a built corpus a long lead-in and tail of room
noise: a check that ``seqalign warp`` needs no trimming of the ends when two takes start and
stop at different distances from the music (a take started early, a tail left running).

Side A of each pair gets ``--lead`` seconds (default 4) before the music and ``--tail`` (6)
after it, filled with Gaussian noise at the level of the recording's quietest frames (the
5th percentile of its 10 ms RMS levels: its own room noise). B is copied; A's truth times
move by the lead.

    python benchmarks/corpus/add_silence.py CORPUS OUT
    python benchmarks/alignment_accuracy.py OUT --split tuning --method "base="

OUT gets ``<pair>/{a,b}.wav``, ``<pair>/truth.csv`` and a ``manifest.json`` that
``benchmarks/alignment_accuracy.py OUT`` reads (both halves; choose one with ``--split``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil

import numpy as np


def padded(y: np.ndarray, sr: int, lead: float, tail: float, rng) -> np.ndarray:
    """``y`` (samples first, any channels) between ``lead`` and ``tail`` seconds of noise at
    its quietest frames' level."""
    mono = y if y.ndim == 1 else y.mean(axis=1)
    hop = max(1, sr // 100)
    frames = mono[: len(mono) // hop * hop].reshape(-1, hop)
    level = float(np.percentile(np.sqrt((frames**2).mean(axis=1)), 5)) if len(frames) else 0.0
    before = rng.normal(0.0, level, (int(lead * sr), *y.shape[1:]))
    after = rng.normal(0.0, level, (int(tail * sr), *y.shape[1:]))
    return np.concatenate([before, y, after])


def main(argv: list[str] | None = None) -> None:
    import soundfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--lead", type=float, default=4.0, help="seconds before A's music")
    parser.add_argument("--tail", type=float, default=6.0, help="seconds after A's music")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with open(os.path.join(args.corpus, "manifest.json")) as stream:
        manifest = json.load(stream)
    rng = np.random.default_rng(args.seed)
    pairs = []
    for pair in manifest["pairs"]:
        if not pair["category"].startswith("music"):
            continue
        folder = os.path.join(args.out, pair["id"])
        os.makedirs(folder, exist_ok=True)
        y, sr = soundfile.read(os.path.join(args.corpus, pair["a"]))
        soundfile.write(os.path.join(folder, "a.wav"), padded(y, sr, args.lead, args.tail, rng),
                        sr)  # fmt: skip
        shutil.copy(os.path.join(args.corpus, pair["b"]), os.path.join(folder, "b.wav"))
        truth_path = os.path.join(args.corpus, pair["truth"])
        with open(truth_path) as stream:
            header = stream.readline().strip()
        truth = np.loadtxt(truth_path, delimiter=",", skiprows=1, ndmin=2)
        lead = int(args.lead * sr) / sr
        truth[:, 0] += lead
        if truth.shape[1] > 2:  # note-on times: A's too
            truth[:, 2] += lead
        np.savetxt(os.path.join(folder, "truth.csv"), truth, delimiter=",", header=header,
                   comments="", fmt="%.4f")  # fmt: skip
        pairs.append({**pair, "a": f"{pair['id']}/a.wav", "b": f"{pair['id']}/b.wav",
                      "truth": f"{pair['id']}/truth.csv", "lead_s": lead})  # fmt: skip
    with open(os.path.join(args.out, "manifest.json"), "w") as stream:
        json.dump({**manifest, "pairs": pairs}, stream, indent=1)
    print(f"{len(pairs)} pairs with a {args.lead:g} s lead-in and a {args.tail:g} s tail in "
          f"{args.out}")  # fmt: skip


if __name__ == "__main__":
    main()
