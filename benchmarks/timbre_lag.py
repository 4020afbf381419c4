"""How far seqalign's music alignment lags or leads when the two recordings use different
instruments: every instrument-set pairing of the timbre corpus
(``benchmarks/corpus/build_timbre_corpus.py``), in process, for the music preset's features and
variants of them.

For each pair the signed error ``map(t_a) - t_b`` at each score onset (seconds heard) is taken;
the table gives, per variant, the share of points within 25 and 50 ms, the MAE, and the mean
over pairs of the absolute median signed error (the steady lag of a pairing of timbres, which
no better path can remove); ``--matrix`` prints the median signed error per pairing of A's
set (rows, FluidR3) and B's set (columns, TimGM6mb).

    python benchmarks/timbre_lag.py /tmp/timbre_corpus
    python benchmarks/timbre_lag.py /tmp/timbre_corpus --variant default,uniform-onsets --matrix

``--quiet-db DB`` plays the first 40 % of every recording DB dB softer (rising to full level
by 60 %, then noise ``--noise-db`` dB, default 70, under the loud part's peak, white or
``--noise-color pink``), both sides alike, as a piece with a pianissimo opening; the table
then also gives the share within 50 ms of the points in the soft part:

    python benchmarks/timbre_lag.py /tmp/timbre_corpus --quiet-db 30 --variant default,no-attacks

``--reverb RT60`` puts every recording in a second room on top of its own (the corpus's
renderings have rooms of 0.2-1.2 s already): exponentially decaying noise of that
reverberation time, mixed ``--wet`` (default 0.3).

The pipeline is ``seqalign warp``'s with the music preset: features at hop 441 (50 frames per
second), DTW (symmetric1, Euclidean) with B stretched to A's tempo (the ratio of the two
sounding spans, the DTW over those spans) and every cell's cost floored (``TEMPO_FLOOR``),
refinement at hop 147 (B: 147 times that ratio) within 8 frames of the path, and the time
map through the middle of each run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: Variants: name -> {attribute path: value}, patched while the features are computed.
VARIANTS: dict[str, dict[str, object]] = {
    "default": {},
    # B not stretched to A's tempo before the DTW (the music preset before 2026-12-06, late)
    "no-stretch": {"stretch": False},
    # B stretched, other cost floors (seqalign.warping.stretch.TEMPO_FLOOR)
    "floor-0": {"floor": 0.0},
    "floor-0.5": {"floor": 0.5},
    "floor-1": {"floor": 1.0},
    # without the attack onsets: the music preset of 2026-12-06
    "no-attacks": {"seqalign.audio.pitch.ATTACK_WEIGHT": 0.0},
    # the attack onsets alone, at the clear recordings' weight
    "attacks-only": {
        "seqalign.audio.pitch.ATTACK_WEIGHT": 1.5,
        "seqalign.audio.pitch.onset_weight": lambda clarity: 0.0,
    },
    "attack-weight-0.5": {"seqalign.audio.pitch.ATTACK_WEIGHT": 0.5},
    "attack-weight-0.75": {"seqalign.audio.pitch.ATTACK_WEIGHT": 0.75},
    "attack-weight-1": {"seqalign.audio.pitch.ATTACK_WEIGHT": 1.0},
    "attack-drop-9": {"seqalign.audio.pitch.ATTACK_DROP_DB": 9.0},
    "attack-drop-15": {"seqalign.audio.pitch.ATTACK_DROP_DB": 15.0},
    "attack-decay-0.2": {"seqalign.audio.pitch.ATTACK_DECAY_S": 0.2},
    "attack-ahead-0.2": {"seqalign.audio.pitch.ATTACK_AHEAD_S": 0.2},
    "attack-ahead-0.4": {"seqalign.audio.pitch.ATTACK_AHEAD_S": 0.4},
    "attack-ahead-0.5": {"seqalign.audio.pitch.ATTACK_AHEAD_S": 0.5},
    # every recording's DLNCO at weight 1 (the music preset before 2026-12-06, with attacks)
    "uniform-onsets": {"seqalign.audio.pitch.onset_weight": lambda clarity: 1.0},
    "no-onsets": {"seqalign.audio.pitch.onset_weight": lambda clarity: 0.0},
    "clear-weight-1": {"seqalign.audio.pitch.ONSET_WEIGHT": 1.0},
    "clear-weight-2": {"seqalign.audio.pitch.ONSET_WEIGHT": 2.0},
    "crp-eta-1e3": {"seqalign.audio.pitch.crp_from_energy.__defaults__": (40, 1e3)},
    "decay-0.1": {"seqalign.audio.onsets.DECAY_SECONDS": 0.1},
    "decay-0.4": {"seqalign.audio.onsets.DECAY_SECONDS": 0.4},
    "peaks-0.03": {"seqalign.audio.pitch.PEAK_SECONDS": 0.03},
    "peaks-0.1": {"seqalign.audio.pitch.PEAK_SECONDS": 0.1},
    "norm-1.5": {"seqalign.audio.onsets.NORM_SECONDS": 1.5},
    "band-16": {"seqalign.warping.refine.DEFAULT_RADIUS": 16},
    "window-46ms": {"seqalign.audio.pitch.WINDOW_S": 0.046},
    # the level gain (soft passages raised): off, other windows, other noise margins
    "no-level-gain": {"seqalign.audio.pitch.LEVEL_LIFT_DB": 0.0},
    "level-window-1.5": {"seqalign.audio.pitch.LEVEL_WINDOW_S": 1.5},
    "level-window-5": {"seqalign.audio.pitch.LEVEL_WINDOW_S": 5.0},
    "noise-margin-30": {"seqalign.audio.pitch.LEVEL_NOISE_DB": 30.0},
    "noise-margin-40": {"seqalign.audio.pitch.LEVEL_NOISE_DB": 40.0},
    "noise-margin-45": {"seqalign.audio.pitch.LEVEL_NOISE_DB": 45.0},
    "noise-margin-50": {"seqalign.audio.pitch.LEVEL_NOISE_DB": 50.0},
    "noise-margin-55": {"seqalign.audio.pitch.LEVEL_NOISE_DB": 55.0},
    "noise-margin-60": {"seqalign.audio.pitch.LEVEL_NOISE_DB": 60.0},
    # one weight per pair: the smaller or the geometric mean of the two recordings' weights
    "pair-min": {"pair": min},
    "pair-mean": {"pair": lambda wa, wb: (wa + wb) / 2},
    "pair-geomean": {"pair": lambda wa, wb: (wa * wb) ** 0.5},
}
HOP, FACTOR = 441, 3


@contextlib.contextmanager
def patched(changes: dict[str, object]):
    import importlib

    saved = []
    for target, value in changes.items():
        parts = target.split(".")
        for cut in range(len(parts) - 1, 0, -1):  # the longest importable module prefix
            with contextlib.suppress(ImportError):
                owner = importlib.import_module(".".join(parts[:cut]))
                break
        for part in parts[cut:-1]:
            owner = getattr(owner, part)
        attr = parts[-1]
        saved.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, value)
    try:
        yield
    finally:
        for owner, attr, value in reversed(saved):
            setattr(owner, attr, value)


def softened(y: np.ndarray, quiet_db: float, seed: int, noise_db: float = 70.0,
             color: str = "white") -> np.ndarray:  # fmt: skip
    """``y`` at -quiet_db dB until 40 % of its length, rising (in dB) to full level by 60 %,
    peak 0.5, plus noise ``noise_db`` dB under that peak (RMS): white, or pink (the same
    energy per octave, as room noise and the corpus's own, so that every semitone band gets
    the same)."""
    t = np.linspace(0.0, 1.0, y.size)
    gain_db = np.interp(t, [0.0, 0.4, 0.6, 1.0], [-quiet_db, -quiet_db, 0.0, 0.0])
    y = 0.5 * y / max(float(np.abs(y).max()), 1e-12) * 10 ** (gain_db / 20)
    noise = np.random.default_rng(seed).standard_normal(y.size)
    if color == "pink":
        freqs = np.fft.rfftfreq(y.size)
        noise = np.fft.irfft(np.fft.rfft(noise) / np.sqrt(np.maximum(freqs, freqs[1])), y.size)
        noise /= noise.std()
    return y + 0.5 * 10 ** (-noise_db / 20) * noise


def reverberated(y: np.ndarray, sr: int, rt60: float, wet: float, seed: int) -> np.ndarray:
    """``y`` in a room: mixed ``wet`` (0-1) with its convolution by exponentially decaying
    noise of reverberation time ``rt60`` seconds (60 dB of decay), scaled to ``y``'s energy
    (the room of ``benchmarks/corpus/build_alignment_corpus.py``, with a fixed time and mix)."""
    from scipy.signal import fftconvolve

    t = np.arange(int(rt60 * sr)) / sr
    ir = np.random.default_rng(seed).standard_normal(t.size) * np.exp(-6.9 * t / rt60)
    tail = fftconvolve(y, ir)[: y.size]
    tail *= np.sqrt((y**2).sum() / max(float((tail**2).sum()), 1e-20))
    return (1.0 - wet) * y + wet * tail


def features(path: Path, hop: int, changes: dict, name: str, quiet_db: float = 0.0,
             noise_db: float = 70.0, color: str = "white", room: tuple = ()):  # fmt: skip
    """The features, the sample rate and the recording's own onset weight; with a ``pair``
    rule in ``changes`` the onset rows come unweighted (the rule weighs them per pair)."""
    import soundfile

    from seqalign.audio import pitch
    from seqalign.audio.features import compute_features
    from seqalign.audio.tempo import sounding_span

    y, sr = soundfile.read(str(path), always_2d=True)
    y = y.mean(axis=1)
    if room:  # (rt60, wet)
        y = reverberated(y, sr, *room, zlib.crc32(str(path).encode()) + 1)
    if quiet_db:
        y = softened(y, quiet_db, zlib.crc32(str(path).encode()), noise_db, color)
    weights = []

    def recorded(clarity: float) -> float:
        weights.append(own(clarity))
        return 1.0 if "pair" in changes else weights[-1]

    own = pitch.onset_weight
    patches = {k: v for k, v in changes.items() if k not in ("pair", "stretch", "floor")}
    with patched({**patches, "seqalign.audio.pitch.onset_weight": recorded}):
        if "seqalign.audio.pitch.onset_weight" in patches:  # the variant's own weight
            own = patches["seqalign.audio.pitch.onset_weight"]
        values = compute_features(y, sr, name, hop)
    return values, sr, (weights[-1] if weights else 1.0), sounding_span(y, sr)


def align(fa, fb, fa_fine, fb_fine, sr, hop_b_fine: int = HOP // FACTOR,
          stretch: float | None = None, floor: float | None = None,
          spans: tuple = ()):  # fmt: skip
    """``seqalign warp``'s music pipeline on features: with ``stretch`` (B sounds that many
    times as long as A) the coarse DTW sees B stretched to A's tempo over the two sounding
    ``spans`` (seconds), ``fb_fine`` is B at the fine hop ``hop_b_fine`` (the fine hop times
    ``stretch``), and both DTWs have the cost floor ``floor`` (default
    :data:`seqalign.warping.stretch.TEMPO_FLOOR`)."""
    from seqalign import dtw
    from seqalign.warping.refine import DEFAULT_RADIUS, refine
    from seqalign.warping.stretch import (
        TEMPO_FLOOR,
        join_ends,
        sounding_frames,
        stretch_frames,
        stretched_length,
        unstretch_path,
        with_floor,
    )

    floor = TEMPO_FLOOR if floor is None else floor
    if stretch is None:
        path = dtw(fa, fb, metric="euclidean", step_pattern="symmetric1").path
    else:
        stretched = stretch_frames(fb, stretched_length(len(fb), stretch))
        rate = sr / HOP
        ia = sounding_frames(spans[0], rate, len(fa))
        ib = sounding_frames(spans[1], rate * len(stretched) / len(fb), len(stretched))
        x, y = with_floor(fa[slice(*ia)], stretched[slice(*ib)], floor)
        path = dtw(x, y, metric="euclidean", step_pattern="symmetric1").path
        path = join_ends(path + np.array([ia[0], ib[0]]), len(fa), len(stretched))
        path = unstretch_path(path, len(stretched), len(fb))
        fa_fine, fb_fine = with_floor(fa_fine, fb_fine, floor)
    fine = refine(fa_fine, fb_fine, path, ratio_a=FACTOR, ratio_b=HOP / hop_b_fine,
                  radius=DEFAULT_RADIUS, metric="euclidean", step_pattern="symmetric1")  # fmt: skip
    tm = fine.time_map(rate_a=sr / (HOP // FACTOR), rate_b=sr / hop_b_fine, interpolation="runs")
    return tm.a_times, tm.b_times


def run(
    corpus: Path,
    variant: str,
    changes: dict,
    feature_name: str,
    pieces: list[str],
    quiet_db: float = 0.0,
    noise_db: float = 70.0,
    color: str = "white",
    room: tuple = (),
):
    from seqalign.audio.features import fine_features
    from seqalign.audio.tempo import tempo_ratio

    fine_name = fine_features(feature_name)  # as --refine reads them
    manifest = json.loads((corpus / "manifest.json").read_text())
    out = []
    for piece in pieces:
        info = manifest["pieces"][piece]
        folder = corpus / piece
        feats, heard, weight, soft_until, span, fine_at = {}, {}, {}, {}, {}, {}
        soft = (quiet_db, noise_db, color, room)
        for salt in info["sides"]:
            path = folder / f"{salt}.wav"
            coarse, sr, weight[salt], span[salt] = features(path, HOP, changes, feature_name,
                                                            *soft)  # fmt: skip
            fine, _, _, _ = features(path, HOP // FACTOR, changes, fine_name, *soft)
            soft_until[salt] = 0.4 * len(coarse) * HOP / sr
            feats[salt] = (coarse, fine)
            heard[salt] = np.loadtxt(folder / f"{salt}.heard.csv", ndmin=1)
        for a in [s for s in info["sides"] if s[0] == "a"]:
            for b in [s for s in info["sides"] if s[0] == "b"]:
                fa, fa_fine, fb, fb_fine = (*feats[a], *feats[b])
                stretch = tempo_ratio(span[a], span[b]) if changes.get("stretch", True) else 1.0
                stretch = None if abs(stretch - 1.0) < 0.01 else stretch
                hop_b = HOP // FACTOR if stretch is None else round(HOP // FACTOR * stretch)
                if stretch is not None:  # B's fine features at its stretched hop
                    if (b, hop_b) not in fine_at:
                        fine_at[b, hop_b] = features(folder / f"{b}.wav", hop_b, changes,
                                                     fine_name, *soft)[0]  # fmt: skip
                    fb_fine = fine_at[b, hop_b]
                if "pair" in changes:  # one weight for both sides' onset rows
                    w = changes["pair"](weight[a], weight[b])
                    fa, fa_fine, fb, fb_fine = (np.hstack([f[:, :12], w * f[:, 12:]])
                                                for f in (fa, fa_fine, fb, fb_fine))  # fmt: skip
                a_t, b_t = align(fa, fb, fa_fine, fb_fine, sr, hop_b, stretch,
                                 changes.get("floor"), (span[a], span[b]))  # fmt: skip
                err = np.interp(heard[a], a_t, b_t) - heard[b]
                out.append({"variant": variant, "piece": piece, "a": a, "b": b,
                            "errors": err.tolist(),
                            "soft": (heard[a] < soft_until[a]).tolist()})  # fmt: skip
    return out


def summary(records: list[dict]) -> dict:
    errs = np.concatenate([np.asarray(r["errors"]) for r in records])
    bias = [abs(float(np.median(r["errors"]))) for r in records]
    soft = np.concatenate([np.asarray(r["soft"], dtype=bool) for r in records])
    return {"pairs": len(records), "points": errs.size,
            "within25": 100 * float(np.mean(np.abs(errs) <= 0.025)),
            "within50": 100 * float(np.mean(np.abs(errs) <= 0.05)),
            "mae_ms": 1000 * float(np.mean(np.abs(errs))),
            "bias_ms": 1000 * float(np.mean(bias)),
            "worst_bias_ms": 1000 * float(np.max(bias)),
            "soft_within50": 100 * float(np.mean(np.abs(errs[soft]) <= 0.05)) if soft.any()
            else float("nan")}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--variant", default="default", help="comma-separated, or 'all'")
    parser.add_argument("--features", default="crp_dlnco")
    parser.add_argument("--pieces", default="", help="pieces whose name contains this")
    parser.add_argument("--matrix", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quiet-db", type=float, default=0.0,
                        help="the first 40 %% of every recording this many dB softer")  # fmt: skip
    parser.add_argument("--noise-db", type=float, default=70.0,
                        help="with --quiet-db: noise this many dB under the peak")  # fmt: skip
    parser.add_argument("--noise-color", choices=("white", "pink"), default="white")
    parser.add_argument("--reverb", type=float, default=0.0,
                        help="every recording in a room of this RT60 (seconds)")  # fmt: skip
    parser.add_argument("--wet", type=float, default=0.3, help="with --reverb: the mix, 0-1")
    args = parser.parse_args(argv)
    names = list(VARIANTS) if args.variant == "all" else args.variant.split(",")
    manifest = json.loads((args.corpus / "manifest.json").read_text())
    pieces = [p for p in manifest["pieces"] if args.pieces in p]
    rows, everything = [], []
    for name in names:
        started = time.perf_counter()
        room = (args.reverb, args.wet) if args.reverb > 0 else ()
        records = run(args.corpus, name, VARIANTS[name], args.features, pieces, args.quiet_db,
                      args.noise_db, args.noise_color, room)  # fmt: skip
        everything += records
        s = summary(records)
        rows.append((name, s))
        print(f"{name}: {s} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        if args.matrix:
            sides_a = sorted({r["a"] for r in records})
            sides_b = sorted({r["b"] for r in records})
            print(f"\nmedian signed error (ms), {name}: rows A (FluidR3), columns B (TimGM6mb)")
            print("| A \\ B | " + " | ".join(sides_b) + " |")
            for a in sides_a:
                cells = []
                for b in sides_b:
                    med = [np.median(r["errors"]) for r in records if r["a"] == a and r["b"] == b]
                    cells.append(f"{1000 * np.mean(med):+.0f}")
                print(f"| {a} | " + " | ".join(cells) + " |")
    soft = " <=50 ms, soft part |" if args.quiet_db else ""
    head = "| variant | pairs | <=25 ms | <=50 ms | MAE ms | mean abs lag ms | worst lag ms |"
    print(f"\n{head}{soft}\n|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if soft else ""))
    for name, s in rows:
        cell = f" {s['soft_within50']:.1f} |" if soft else ""
        print(f"| {name} | {s['pairs']} | {s['within25']:.1f} | {s['within50']:.1f} | "
              f"{s['mae_ms']:.1f} | {s['bias_ms']:.1f} | {s['worst_bias_ms']:.1f} |"
              + cell)  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(everything))


if __name__ == "__main__":
    main()
