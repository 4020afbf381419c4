"""pymatchmaker's followers on one pair, for ``bench_follow.py`` (run with a Python that has
``pymatchmaker``: ``python3 -m venv /work/venvs/follow && /work/venvs/follow/bin/pip install
pymatchmaker``).

    python follow_peers.py dixon|arzt REF LIVE OUT.json [--rate 50] [--distance NAME]

``REF`` and ``LIVE`` are ``.npy`` feature rows (frames x features: seqalign's causal
features, the same the seqalign follower gets), or ``.wav`` files: then pymatchmaker
computes its own default features (``compute_features_from_audio``: chroma at 30 frames per
second) for both. The live frames are fed one at a time to ``OnlineTimeWarpingDixonFrame``
or ``OnlineTimeWarpingArztFrame`` (their public ``step``) with a reference frame per "beat"
(``ref_frame_to_beat = arange``), so the position read after each frame
(``get_current_position``) is a reference frame. OUT gets the positions in seconds, the
frame rate and the per-frame latency (mean and maximum of the wall time of each ``step``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def features(path: str, rate: float) -> tuple[np.ndarray, float]:
    if path.endswith(".npy"):
        return np.load(path).astype(np.float32), rate
    from matchmaker.features.audio import FRAME_RATE, compute_features_from_audio

    return compute_features_from_audio(path).astype(np.float32), float(FRAME_RATE)


def main() -> None:
    # partitura (imported by matchmaker) downloads a soundfont at import when fluidsynth is
    # there; nothing here synthesises, and the machine may be offline
    sys.modules.setdefault("fluidsynth", None)  # type: ignore[arg-type]
    parser = argparse.ArgumentParser()
    parser.add_argument("method", choices=("dixon", "arzt"))
    parser.add_argument("ref")
    parser.add_argument("live")
    parser.add_argument("out")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--distance", default=None)
    args = parser.parse_args()
    ref, rate = features(args.ref, args.rate)
    live, _ = features(args.live, args.rate)
    beats = np.arange(len(ref), dtype=np.float32)
    if args.method == "dixon":
        from matchmaker.dp.oltw_dixon import OnlineTimeWarpingDixonFrame

        extra = {} if args.distance is None else {"distance_func": args.distance}
        follower = OnlineTimeWarpingDixonFrame(
            ref, beats, frame_rate=rate, ref_frame_to_beat=beats, **extra
        )
    else:
        from matchmaker.dp.oltw_arzt import OnlineTimeWarpingArztFrame

        extra = {} if args.distance is None else {"distance_func": args.distance}
        follower = OnlineTimeWarpingArztFrame(
            ref, beats, frame_rate=rate, ref_frame_to_beat=beats, **extra
        )
    positions = np.empty(len(live))
    total, largest = 0.0, 0.0
    for k in range(len(live)):
        began = time.perf_counter()
        follower.step(live[k : k + 1])
        position = follower.get_current_position()
        spent = time.perf_counter() - began
        total += spent
        largest = max(largest, spent)
        positions[k] = position
    with open(args.out, "w") as handle:
        record = {"rate": rate, "positions": (positions / rate).round(5).tolist(),
                  "mean_latency": total / max(1, len(live)), "max_latency": largest}  # fmt: skip
        json.dump(record, handle)


if __name__ == "__main__":
    main()
