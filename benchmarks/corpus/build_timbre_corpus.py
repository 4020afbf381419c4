"""A timbre study corpus: the same scores rendered with every instrument set of the alignment
corpus in both soundfonts, to measure how far an aligner's answer lags or leads the time a
note is heard when the two recordings use different instruments.

The alignment corpus (``build_alignment_corpus.py``) draws one instrument set per side, so a
bias that belongs to one pairing of attacks (a slow choir against a plucked harpsichord) shows
as a few bad pairs. Here every pairing occurs: for each piece, side A is each of the six sets
in FluidR3 with one performance, side B each of the six sets in TimGM6mb with another (its
own tempo curve, jitter, dynamics and room), 36 pairs per piece. The truth is the alignment
corpus's: the mean over a score onset's notes of note-on plus the instrument's attack time
(``attack_latency``). The pieces are not in the alignment corpus, so choosing features on this
set leaves both halves of that corpus untouched.

    python benchmarks/corpus/build_timbre_corpus.py /tmp/timbre_corpus
    python benchmarks/corpus/build_timbre_corpus.py /tmp/timbre2 --second  # 5 other pieces
    python benchmarks/corpus/build_timbre_corpus.py /tmp/timbre3 --third   # 5 slow ones

Needs what the alignment corpus needs (music21, mido, fluidsynth and the two soundfonts).
``benchmarks/timbre_lag.py`` measures seqalign's features on it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import build_alignment_corpus as corpus

#: Pieces (music21 corpus), none of them in the alignment corpus, cut to SECONDS at 1x.
PIECES = {
    "chorale-bwv10.7": ("chorale", ("bach/bwv10.7",)),
    "chorale-bwv101.7": ("chorale", ("bach/bwv101.7",)),
    "chorale-bwv104.6": ("chorale", ("bach/bwv104.6",)),
    "quartet-haydn-opus74no1-movement3": ("quartet", ("haydn/opus74no1/movement3",)),
}
#: ``--second``: a second set of pieces, in neither corpus, to check a choice made on the first.
SECOND_PIECES = {
    "chorale-bwv11.6": ("chorale", ("bach/bwv11.6",)),
    "chorale-bwv113.8": ("chorale", ("bach/bwv113.8",)),
    "quartet-mozart-k156-movement1": ("quartet", ("mozart/k156/movement1",)),
    "quartet-beethoven-opus59no1-movement2": ("quartet", ("beethoven/opus59no1/movement2",)),
    "quartet-haydn-opus1no1-movement1": ("quartet", ("haydn/opus1no1/movement1",)),
}
#: ``--third``: slow movements and chorales, where the held-out half of the alignment corpus is
#: weakest (bowed and sung attacks), none of them in the other sets or the alignment corpus.
THIRD_PIECES = {
    "chorale-bwv14.5": ("chorale", ("bach/bwv14.5",)),
    "chorale-bwv26.6": ("chorale", ("bach/bwv26.6",)),
    "quartet-beethoven-opus59no2-movement2": ("quartet", ("beethoven/opus59no2/movement2",)),
    "quartet-beethoven-opus59no3-movement2": ("quartet", ("beethoven/opus59no3/movement2",)),
    "quartet-mozart-k80-movement2": ("quartet", ("mozart/k80/movement2",)),
}
SECONDS = 45.0
FONTS = ("FluidR3", "TimGM6mb")


def render_side(name, kind, notes, length, bpm, bars, font, programs, salt, folder):
    import numpy as np
    import soundfile

    rng = corpus.rng_for(name, salt)
    performed, onsets, _ = corpus.perform(notes, length, bpm, bars, kind, rng)
    heard: dict[float, list[float]] = {}
    for note, (start, _, pitch, part, velocity) in zip(notes, performed):
        latency = corpus.attack_latency(font, programs[part], pitch, velocity)
        heard.setdefault(note.onset, []).append(start + latency)
    times = np.array([np.mean(heard[q]) for q in onsets])
    with tempfile.TemporaryDirectory() as tmp:
        midi, raw = os.path.join(tmp, "p.mid"), os.path.join(tmp, "p.wav")
        corpus.write_midi(midi, performed, programs)
        corpus.render(midi, corpus.SOUNDFONTS[font], raw)
        y, _ = soundfile.read(raw, always_2d=True)
    y, effects = corpus.room(y.mean(axis=1), rng)
    y = np.concatenate([y, np.zeros(int(0.5 * corpus.SR))])
    corpus.write_wav(os.path.join(folder, f"{salt}.wav"), y)
    np.savetxt(os.path.join(folder, f"{salt}.heard.csv"), times, fmt="%.4f")
    return {"file": f"{salt}.wav", "font": font, "programs": programs, **effects}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--second", action="store_true",
                        help="render the second set of pieces (SECOND_PIECES)")  # fmt: skip
    parser.add_argument("--third", action="store_true",
                        help="render the third set of pieces (THIRD_PIECES)")  # fmt: skip
    args = parser.parse_args(argv)
    corpus.check_tools()
    manifest = {"sample_rate": corpus.SR, "pieces": {}}
    pieces = SECOND_PIECES if args.second else THIRD_PIECES if args.third else PIECES
    for name, (kind, sources) in pieces.items():
        piece = corpus.Piece(name, "music-poly", kind, sources)
        notes, length, bpm, bars = corpus.load_piece(piece)
        bpm = bpm or 90.0
        notes, length = corpus.cut_at_bar(notes, length, bars, SECONDS * bpm / 60.0)
        n_parts = max(n.part for n in notes) + 1
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        sides = {}
        for side, font in zip("ab", FONTS):
            for k, choice in enumerate(corpus.PROGRAMS[kind]):
                programs = [choice[min(p, len(choice) - 1)] for p in range(n_parts)]
                salt = f"{side}{k}"
                sides[salt] = render_side(name, kind, notes, length, bpm, bars, font, programs,
                                          salt, folder)  # fmt: skip
                print(name, salt, font, programs, file=sys.stderr)
        manifest["pieces"][name] = {"kind": kind, "sources": list(sources), "sides": sides}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
