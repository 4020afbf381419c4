"""Build a second alignment corpus of a different kind: one instrument (or one voice) on both
sides, the second performance in *tempo pieces*: stretches of the score (or of the speech), each
played at its own constant tempo, with a room, EQ, noise and level of its own.

It is the kind of pair the issue's own held-out table describes ("plucked melody, 5 tempo
pieces", "10-minute melody, 12 tempo pieces", "speech, 6 tempo pieces, reverb + noise"), and it
is never used to choose defaults: `build_alignment_corpus.py`'s tuning half is. It checks that
defaults chosen there are not tuned to that corpus's own way of making pairs (two soundfonts,
two instrument sets, smooth rubato).

Music: scores from music21's corpus that the main corpus does not use (O'Neill's and Ryan's
tunes, Essen folk songs, Bach chorales), one GM program for both sides (plucked: guitars, harp,
pizzicato strings, banjo, koto; or piano for the chorales), soundfonts drawn per side. Side A is
played at one tempo (0.8-1.2x the marked one), side B in ``K`` tempo pieces of equal score
length, each at 0.7-1.4x; onsets jittered by 5 ms. Ground truth: every score onset's time in A
and in B (heard: note-on plus the instrument's attack, as in the main corpus; then note-on).

Stretched music (``stretched-*``): side B is side A's dry rendering cut into 5 pieces, each
stretched by sox's ``tempo`` (WSOLA) by 0.7-1.4x, then its own room: the ground truth is A's
onsets mapped through the stretch.

Speech: one espeak-ng voice reads a text word by word (so every word's start is known); side B
is side A cut into 6 pieces, each stretched by sox's ``tempo`` (WSOLA: the pitch is kept) by
0.7-1.4x, then both get their own room and noise. Ground truth: the word starts, mapped through
the stretch of their piece.

Usage (the same tools and venv as ``build_alignment_corpus.py``, plus sox)::

    apt-get install fluidsynth fluid-soundfont-gm timgm6mb-soundfont espeak-ng sox
    /work/venvs/bench/bin/python benchmarks/corpus/build_tempo_corpus.py /tmp/tempo_corpus
    .venv/bin/python benchmarks/alignment_accuracy.py /tmp/tempo_corpus --split all

Every pair is in the split ``heldout`` (``--split all`` or ``heldout`` reads them all).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_alignment_corpus as main_corpus

SR = main_corpus.SR
PLUCKED = (24, 25, 46, 45, 105, 107)  # nylon and steel guitar, harp, pizzicato, banjo, koto


@dataclass
class Pair:
    name: str
    category: str
    sources: tuple[str, ...] = ()
    bpm: float = 110.0
    pieces: int = 5
    program: int | None = None  # None: drawn from PLUCKED
    text: str = ""
    extra: dict = field(default_factory=dict)


MELODIES = (
    ("oneills1850/0101-0200#101", "oneills1850/0101-0200#102"),
    ("oneills1850/0301-0350#301", "oneills1850/0301-0350#302", "oneills1850/0301-0350#303"),
    ("essenFolksong/altdeu20#1", "essenFolksong/altdeu20#2", "essenFolksong/altdeu20#3"),
    ("oneills1850/0401-0486#401", "oneills1850/0401-0486#402"),
    ("essenFolksong/han2#1", "essenFolksong/han2#2", "essenFolksong/han2#3"),
    ("oneills1850/0501-0550#501", "oneills1850/0501-0550#502", "oneills1850/0501-0550#503"),
)  # fmt: skip
CHORALES = ("bach/bwv26.6", "bach/bwv248.12-2", "bach/bwv70.11", "bach/bwv10.7")
LONG = tuple(f"oneills1850/0811-0899#{k}" for k in range(811, 871))
TEXTS = ("northwind", "alice", "twocities", "numbers")
STRETCHED = (
    ("oneills1850/0101-0200#110", "oneills1850/0101-0200#111"),
    ("essenFolksong/altdeu20#4", "essenFolksong/altdeu20#5", "essenFolksong/altdeu20#6"),
    ("ryansMammoth/AcrobatsHornpipe", "ryansMammoth/AdmiralsHornpipe"),
    ("oneills1850/0301-0350#310", "oneills1850/0301-0350#311"),
)  # fmt: skip


def pairs() -> list[Pair]:
    out = [Pair(f"plucked-{i}", "music-mono", s) for i, s in enumerate(MELODIES)]
    out += [Pair(f"piano-chorale-{w.split('/')[-1]}", "music-poly", (w,), bpm=76, program=0)
            for w in CHORALES]  # fmt: skip
    out += [Pair(f"speech-{t}", "speech", text=main_corpus.TEXTS[t], pieces=6) for t in TEXTS]
    out += [Pair(f"stretched-{i}", "music-mono", s, extra={"stretch": True})
            for i, s in enumerate(STRETCHED)]  # fmt: skip
    out.append(Pair("long-melody", "long", LONG, pieces=12, extra={"max_seconds": 600.0}))
    return out


def tempo_pieces(length: float, bpm: float, k: int, rng, low: float, high: float):
    """Score positions (quarters) and their times: ``k`` equal stretches, each at its own
    constant tempo drawn in ``[low, high]`` times ``bpm``."""
    import numpy as np

    edges = np.linspace(0.0, length, k + 1)
    factors = rng.uniform(low, high, size=k)
    seconds = np.diff(edges) * 60.0 / (bpm * factors)
    return edges, np.concatenate([[0.0], np.cumsum(seconds)]), factors


def build_music(pair: Pair, folder: str) -> dict:
    import numpy as np
    import soundfile

    piece = main_corpus.Piece(pair.name, pair.category, "tune", pair.sources, bpm=pair.bpm,
                              extra=pair.extra)  # fmt: skip
    notes, length, bpm, bars = main_corpus.load_piece(piece)
    cut = pair.extra.get("max_seconds", 180.0) * bpm / 60.0
    notes, length = main_corpus.cut_at_bar(notes, length, bars, cut)
    rng = main_corpus.rng_for(pair.name, "pair")
    program = pair.program if pair.program is not None else int(rng.choice(PLUCKED))
    fonts = [str(rng.choice(list(main_corpus.SOUNDFONTS))) for _ in "ab"]
    onsets = sorted({n.onset for n in notes})
    truth, info = {}, {}
    stretched = pair.extra.get("stretch", False)
    for side, font in zip("ab", fonts):
        if stretched and side == "b":
            return _stretched_b(pair, folder, truth["a"], info)
        rng = main_corpus.rng_for(pair.name, side)
        if side == "a":
            edges, times, factors = tempo_pieces(length, bpm, 1, rng, 0.8, 1.2)
        else:
            edges, times, factors = tempo_pieces(length, bpm, pair.pieces, rng, 0.7, 1.4)
        lead = rng.uniform(0.3, 1.0)
        jitter = dict(zip(onsets, rng.normal(0.0, 0.005, len(onsets))))
        performed, starts, heard = [], {}, {}
        for n in notes:
            start = max(lead + np.interp(n.onset, edges, times) + jitter[n.onset], 0.0)
            end = lead + np.interp(n.onset + n.duration, edges, times)
            velocity = int(np.clip(80 + rng.normal(0, 8), 30, 120))
            performed.append((start, max(end, start + 0.04), n.pitch, 0, velocity))
            starts.setdefault(n.onset, []).append(start)
            latency = main_corpus.attack_latency(font, program, n.pitch, velocity)
            heard.setdefault(n.onset, []).append(start + latency)
        note_on = np.array([np.mean(starts[q]) for q in onsets])
        truth[side] = (np.array([np.mean(heard[q]) for q in onsets]), note_on)
        with tempfile.TemporaryDirectory() as tmp:
            midi, raw = os.path.join(tmp, "p.mid"), os.path.join(tmp, "p.wav")
            main_corpus.write_midi(midi, performed, [program])
            main_corpus.render(midi, main_corpus.SOUNDFONTS[font], raw)
            y, sr = soundfile.read(raw, always_2d=True)
        assert sr == SR, sr
        if stretched:  # the dry rendering, stretched into B later
            dry = y.mean(axis=1)
            np.save(os.path.join(folder, "dry_a.npy"), dry.astype("float32"))
        y, effects = main_corpus.room(y.mean(axis=1), rng)
        y = np.concatenate([y, np.zeros(int(rng.uniform(0.3, 1.0) * SR))])
        main_corpus.write_wav(os.path.join(folder, f"{side}.wav"), y)
        tempos = [round(float(f), 3) for f in factors]
        info[side] = {"soundfont": font, "programs": [program], "seconds": round(len(y) / SR, 2),
                      "tempo_factors": tempos, **effects}  # fmt: skip
    table = np.column_stack([truth["a"][0], truth["b"][0], truth["a"][1], truth["b"][1]])
    return {"truth": table, "n_notes": len(notes), "n_parts": 1, **info}


def _stretched_b(pair: Pair, folder: str, truth_a: tuple, info: dict) -> dict:
    """Side B of a stretched pair: A's dry rendering cut into ``pair.pieces`` at equal times
    and each piece stretched by sox's ``tempo`` (WSOLA, pitch kept: attacks are smeared or
    doubled as a phase vocoder or time-stretching player would), then its own room."""
    import numpy as np

    dry_path = os.path.join(folder, "dry_a.npy")
    dry = np.load(dry_path)
    os.remove(dry_path)
    rng = main_corpus.rng_for(pair.name, "b")
    cuts = np.linspace(0.0, len(dry) / SR, pair.pieces + 1)
    factors = rng.uniform(0.7, 1.4, size=pair.pieces)
    stretched, b_edges = stretch_pieces(dry, cuts, factors)
    y, effects = main_corpus.room(stretched, rng)
    main_corpus.write_wav(os.path.join(folder, "b.wav"), y)
    heard_a, note_on_a = truth_a
    edges = np.array(b_edges)
    table = np.column_stack([heard_a, np.interp(heard_a, cuts, edges), note_on_a,
                             np.interp(note_on_a, cuts, edges)])  # fmt: skip
    info["b"] = {**{k: info["a"][k] for k in ("soundfont", "programs")},
                 "seconds": round(len(y) / SR, 2), "stretched_from_a": True,
                 "tempo_factors": [round(float(f), 3) for f in factors], **effects}  # fmt: skip
    return {"truth": table, "n_notes": len(truth_a[0]), "n_parts": 1, **info}


def stretch_pieces(y, cuts, factors):
    """``y`` cut at the times ``cuts`` (seconds, from 0 to its end), each piece stretched by its
    factor (:func:`stretch`): the stretched signal and the times of the cuts in it."""
    import numpy as np

    parts, edges = [], [0.0]
    with tempfile.TemporaryDirectory() as tmp:
        for (lo, hi), f in zip(itertools.pairwise(cuts), factors):
            piece = stretch(y[round(lo * SR) : round(hi * SR)], float(f), tmp)
            parts.append(piece)
            edges.append(edges[-1] + len(piece) / SR)
    return np.concatenate(parts), edges


def stretch(y, factor: float, tmp: str):
    """``y`` played ``factor`` times as fast (sox ``tempo``, pitch kept)."""
    import soundfile

    src, dst = os.path.join(tmp, "in.wav"), os.path.join(tmp, "out.wav")
    soundfile.write(src, y.astype("float32"), SR, subtype="FLOAT")
    subprocess.run(["sox", src, dst, "tempo", "-s", f"{factor:.4f}"], check=True,
                   capture_output=True)  # fmt: skip
    out, _ = soundfile.read(dst)
    return out


def build_speech(pair: Pair, folder: str) -> dict:
    import numpy as np

    rng = main_corpus.rng_for(pair.name, "pair")
    voice = main_corpus.VOICES[int(rng.integers(len(main_corpus.VOICES)))]
    rate, pitch = int(rng.uniform(140, 200)), int(rng.uniform(30, 70))
    y, spans = main_corpus.read_text(pair.text, voice, rate, pitch, rng)
    starts = np.array([s for s, _ in spans])
    # cut A into pieces at pauses between words (never inside one), stretch each
    gaps = np.array([(spans[k][1] + spans[k + 1][0]) / 2 for k in range(len(spans) - 1)])
    wanted = np.linspace(0, len(y) / SR, pair.pieces + 1)[1:-1]
    cuts = [0.0, *sorted({float(gaps[np.argmin(np.abs(gaps - w))]) for w in wanted}), len(y) / SR]
    factors = rng.uniform(0.7, 1.4, size=len(cuts) - 1)
    b, b_edges = stretch_pieces(y, cuts, factors)
    a_edges = np.array(cuts)
    truth = np.column_stack([starts, np.interp(starts, a_edges, np.array(b_edges))])
    info = {}
    for side, signal in (("a", y), ("b", b)):
        room_rng = main_corpus.rng_for(pair.name, side)
        out, effects = main_corpus.room(signal, room_rng)
        main_corpus.write_wav(os.path.join(folder, f"{side}.wav"), out)
        info[side] = {"voice": voice, "rate_wpm": rate, "pitch": pitch,
                      "seconds": round(len(out) / SR, 2), **effects}  # fmt: skip
    info["b"]["tempo_factors"] = [round(float(f), 3) for f in factors]
    return {"truth": truth, "n_words": len(spans), **info}


def build(pair: Pair, out: str) -> dict:
    import numpy as np

    folder = os.path.join(out, pair.name)
    os.makedirs(folder, exist_ok=True)
    started = time.perf_counter()
    made = build_speech(pair, folder) if pair.category == "speech" else build_music(pair, folder)
    truth = made.pop("truth")
    header = "time_a,time_b" + (",note_on_a,note_on_b" if truth.shape[1] == 4 else "")
    np.savetxt(os.path.join(folder, "truth.csv"), truth, delimiter=",", fmt="%.4f",
               header=header, comments="")  # fmt: skip
    sides = {"performance_a": made.pop("a"), "performance_b": made.pop("b")}
    entry = {"id": pair.name, "category": pair.category, "kind": "tempo-pieces",
             "split": "heldout", "a": f"{pair.name}/a.wav", "b": f"{pair.name}/b.wav",
             "truth": f"{pair.name}/truth.csv", "n_points": len(truth),
             "seconds_a": sides["performance_a"]["seconds"],
             "seconds_b": sides["performance_b"]["seconds"],
             "sources": list(pair.sources), **made, **sides}  # fmt: skip
    print(
        f"{pair.name:32s} {entry['seconds_a']:7.1f} s / {entry['seconds_b']:7.1f} s  "
        f"{len(truth):5d} points  ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    return entry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="folder to write")
    parser.add_argument("--jobs", type=int, default=2, help="pairs built at once (2)")
    parser.add_argument("--only", default=None, help="build the pairs whose name contains this")
    args = parser.parse_args(argv)
    main_corpus.check_tools()
    if shutil.which("sox") is None:
        sys.exit("build_tempo_corpus: sox is missing: apt-get install sox")
    os.makedirs(args.out, exist_ok=True)
    todo = [p for p in pairs() if args.only is None or args.only in p.name]
    todo.sort(key=lambda p: p.category != "long")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        entries = {e["id"]: e for e in pool.map(build, todo, [args.out] * len(todo))}
    path = os.path.join(args.out, "manifest.json")
    old = {}
    if args.only and os.path.exists(path):
        with open(path) as stream:
            old = {e["id"]: e for e in json.load(stream)["pairs"]}
    merged = {**old, **entries}
    manifest = {"sample_rate": SR, "pairs": [merged[p.name] for p in pairs() if p.name in merged]}
    with open(path, "w") as stream:
        json.dump(manifest, stream, indent=1)
    print(f"{len(entries)} pairs in {time.perf_counter() - started:.0f} s; {path}")


if __name__ == "__main__":
    main()
