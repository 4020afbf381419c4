"""Feature variants on the rendered corpus that no ``seqalign warp`` option reaches, scored
as ``alignment_accuracy.py`` scores (share within 25/50/100 ms, MAE, median) on one split.

    python benchmarks/alignment_variants.py CORPUS tuning music-mono,music-poly \\
        "crp:f=crp40e10000:rf=147:tm=runs,tuned:f=chroma_dlnco"

Each variant is ``NAME:key=value:...``: ``f`` the features (a seqalign feature set, or
``crp<cut>e<eta>[g<gamma>]``: CRP with that cut and compression beside DLNCO with onset
compression ``gamma``, at weight 1 and without the attack onsets: the music preset's
features as of 2026-12-05), ``hop`` (default 441), ``norm`` (none), ``metric`` (euclidean),
``sp`` (step pattern, symmetric1), ``ow`` (weight of the onset rows 12-23), ``rf`` (refine at
this hop, with ``r`` its radius in frames), ``tm`` (``runs`` or ``steps``). Features are cached
as .npy under ``CORPUS/variants/`` (by name: clear it after a change to a feature set). The
library is called directly (one process), so times
are not comparable with ``alignment_accuracy.py``'s.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this tree's seqalign

from seqalign import dtw
from seqalign.audio import onsets, pitch
from seqalign.io import ReadOptions, read_sequence
from seqalign.io.audio import read_signal
from seqalign.warping.refine import refine
from seqalign.warping.timemap import time_map_index

SR = 22050


def _crp_dlnco(path: Path, hop: int, spec: str) -> np.ndarray:
    gamma = onsets.GAMMA
    if "g" in spec:
        spec, g = spec.split("g")
        gamma = float(g)
    cut, eta = (int(spec.split("e")[0]), float(spec.split("e")[1])) if "e" in spec else (
        int(spec), pitch.CRP_ETA)  # fmt: skip
    y, sr = read_signal(str(path), str(path))
    n_fft = pitch.fft_length(sr, pitch.WINDOW_S)
    energy = pitch.pitch_energy(y, sr, hop, n_fft, pitch.estimate_tuning(y, sr, hop))
    rate = sr / hop
    peaks = pitch.pick_peaks(onsets.log_onsets(energy, gamma),
                             max(1, round(pitch.PEAK_SECONDS * rate)))  # fmt: skip
    chroma = onsets.fold_chroma(peaks, pitch.MIDI_LOW)
    normalized = onsets.local_normalize(chroma, round(onsets.NORM_SECONDS * rate))
    dlnco = onsets.decay(normalized, max(1, round(onsets.DECAY_SECONDS * rate)))
    return np.vstack([pitch.crp_from_energy(energy, cut, eta), dlnco]).T


def features(corpus: Path, pair: dict, side: str, name: str, hop: int, norm: str):
    cache = corpus / "variants" / f"{pair['id']}-{side}-{name}-{hop}-{norm}.npy"
    if cache.exists():
        return np.load(cache)
    cache.parent.mkdir(exist_ok=True)
    if name.startswith("crp") and name != "crp_dlnco":
        data = _crp_dlnco(corpus / pair[side], hop, name[3:])
    else:
        options = ReadOptions(features=name, hop_length=hop, normalize=norm)
        data = read_sequence(str(corpus / pair[side]), options).data
    np.save(cache, data)
    return data


def run(corpus: Path, pair: dict, variant: str) -> np.ndarray:
    """Absolute errors (s) at the ground-truth points of ``pair`` for one variant."""
    parts = dict(kv.split("=") for kv in variant.split(":")[1:])
    name, hop = parts.get("f", "crp_dlnco"), int(parts.get("hop", 441))
    norm, metric = parts.get("norm", "none"), parts.get("metric", "euclidean")
    pattern, weight = parts.get("sp", "symmetric1"), float(parts.get("ow", 1))

    def load(h: int) -> tuple[np.ndarray, np.ndarray]:
        x, y = (features(corpus, pair, s, name, h, norm).copy() for s in ("a", "b"))
        if weight != 1 and x.shape[1] == 24:
            x[:, 12:] *= weight
            y[:, 12:] *= weight
        return x, y

    x, y = load(hop)
    solver = "full" if x.shape[0] * y.shape[0] < 2.5e8 else "multiscale"
    path = dtw(x, y, metric=metric, step_pattern=pattern, solver=solver).path
    rate, n = SR / hop, x.shape[0]
    if "rf" in parts:
        fine = int(parts["rf"])
        xf, yf = load(fine)
        path = refine(xf, yf, path, ratio_a=hop / fine, radius=int(parts.get("r", 8)),
                      metric=metric, step_pattern=pattern).path  # fmt: skip
        rate, n = SR / fine, xf.shape[0]
    index = time_map_index(path, n, parts.get("tm", "steps"))
    truth = np.loadtxt(corpus / pair["truth"], delimiter=",", skiprows=1, ndmin=2)
    return np.abs(np.interp(truth[:, 0], np.arange(n) / rate, index / rate) - truth[:, 1])


def main(argv: list[str]) -> None:
    corpus, split, categories, variants = Path(argv[0]), argv[1], argv[2].split(","), argv[3]
    manifest = json.loads((corpus / "manifest.json").read_text())
    pairs = [p for p in manifest["pairs"] if p["split"] == split and p["category"] in categories]
    for variant in variants.split(","):
        found = {p["id"]: run(corpus, p, variant) for p in pairs}
        for category in [*categories, "all"]:
            chosen = [e for p in pairs for e in [found[p["id"]]]
                      if category in ("all", p["category"])]  # fmt: skip
            if not chosen:
                continue
            e = np.concatenate(chosen) * 1000
            print(f"{variant.split(':')[0]:12s} {category:11s} pairs {len(chosen):2d}  "
                  f"<=25 {100 * (e <= 25).mean():5.1f}  <=50 {100 * (e <= 50).mean():5.1f}  "
                  f"<=100 {100 * (e <= 100).mean():5.1f}  MAE {e.mean():6.1f}  "
                  f"median {np.median(e):5.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
