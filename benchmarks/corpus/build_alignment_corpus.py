"""Build the rendered alignment corpus: pairs of "performances" of one score (or one text) with a
known time map between them.

Music: scores from music21's bundled corpus (chorales, string quartet movements, piano pieces,
songs, folk and fiddle tunes) rendered twice with fluidsynth, each performance with its own
soundfont (FluidR3_GM or TimGM6mb), GM programs, tempo curve (overall 0.7-1.4x the marked tempo,
smooth rubato, ritardandi at phrase ends, held fermatas), dynamics, articulation and onset jitter
(about 20 ms), then its own room (exponential-decay reverb), EQ tilt, noise and level. Speech:
espeak-ng, the same text read by two voices at two rates with their own pauses, synthesised word
by word and concatenated, so that every word's start is known exactly.

Ground truth, per pair: ``truth.csv`` with columns ``time_a,time_b``: for music, when each
score onset is heard in A and in B (the mean over its notes of the jittered note-on plus the
attack time of the note's instrument, pitch and velocity in that soundfont,
:func:`attack_latency`), then
``note_on_a,note_on_b`` (the mean note-on alone); for speech, the start of every word.

A fixed split: within each category the pairs alternate between ``tuning`` and ``heldout`` (in
the order listed here); the long pair is held out. ``manifest.json`` lists every pair.
Everything is seeded from the pair's name: the same command builds the same corpus.

Usage (outside the package's own environment: needs music21, mido, scipy, soundfile)::

    apt-get install fluidsynth fluid-soundfont-gm timgm6mb-soundfont espeak-ng
    python3 -m venv /work/venvs/bench
    /work/venvs/bench/bin/pip install music21 mido scipy soundfile
    /work/venvs/bench/bin/python benchmarks/corpus/build_alignment_corpus.py [OUT] [--jobs 2]

``OUT`` defaults to ``~/.cache/seqalign/alignment-corpus`` (``benchmarks/corpus/out`` is
git-ignored too). About 7 minutes on two busy cores. ``--only NAME`` rebuilds some pairs,
``--truth-only`` rewrites the ground truth of a built corpus without rendering again.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

SR = 22050
SOUNDFONTS = {
    "FluidR3": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "TimGM6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
}
DEFAULT_OUT = os.path.join(os.path.expanduser("~"), ".cache", "seqalign", "alignment-corpus")
MAX_SECONDS = 300.0
#: A note is heard once its envelope reaches this share of its peak (-12 dB): the ground truth
#: is note-on plus that attack time of the instrument (8 ms for a piano, up to 0.2 s for bowed
#: strings in FluidR3), as an annotator would mark it.
HEARD_SHARE = 0.25  # a score is cut at a bar line once its performance at 1x passes this
LONG_SECONDS = 20 * 60.0


@dataclass
class Piece:
    """One pair to build: ``sources`` are music21 corpus works (``work`` or ``work#number``)
    concatenated, or a speech text."""

    name: str
    category: str  # music-poly, music-mono, speech, long
    kind: str  # chorale, quartet, piano, song, vocal, tune, speech
    sources: tuple[str, ...] = ()
    text: str = ""
    bpm: float | None = None  # quarter-note tempo when the score has none
    extra: dict = field(default_factory=dict)


# -- the pieces ------------------------------------------------------------------------------

CHORALES = ("bach/bwv66.6", "bach/bwv269", "bach/bwv253", "bach/bwv267", "bach/bwv271",
            "bach/bwv277", "bach/bwv281", "bach/bwv40.8")  # fmt: skip
QUARTETS = ("haydn/opus74no1/movement2", "mozart/k80/movement1", "mozart/k155/movement2",
            "beethoven/opus18no1/movement2", "haydn/opus1no1/movement3",
            "mozart/k156/movement2")  # fmt: skip
PIANO = ("joplin/maple_leaf_rag", "mozart/k545/movement1_exposition", "chopin/mazurka06-2",
         "cpebach/h186")  # fmt: skip
SONGS = ("schubert/Lindenbaum", "handel/rinaldo/Lascia_chio_pianga",
         "beach/prayer_of_a_tired_child", "liliuokalani/aloha_oe",
         "johnson_j_r/lift_every_voice", "monteverdi/madrigal.3.1")  # fmt: skip
TUNES = (("oneills1850/0001-0050#1", "oneills1850/0001-0050#2"),
         ("oneills1850/0051-0100#60", "oneills1850/0051-0100#61"),
         ("essenFolksong/altdeu10#1", "essenFolksong/altdeu10#2", "essenFolksong/altdeu10#3"),
         ("essenFolksong/han1#5", "essenFolksong/han1#6", "essenFolksong/han1#7"),
         ("oneills1850/0201-0300#201", "oneills1850/0201-0300#202", "oneills1850/0201-0300#203"),
         ("essenFolksong/erk5#2", "essenFolksong/erk5#3", "essenFolksong/erk5#4",
          "essenFolksong/erk5#5"),
         ("bach/bwv66.6@0", "bach/bwv269@0", "bach/bwv253@0"),  # chorale sopranos
         ("mozart/k80/movement2@0",),  # a quartet's first violin
         ("schubert/Lindenbaum@0",))  # fmt: skip
LONG = ("mozart/k458/movement1", "mozart/k458/movement2", "mozart/k458/movement3",
        "mozart/k458/movement4", "haydn/opus74no1/movement1")  # fmt: skip

TEXTS = {
    "northwind": (
        "The North Wind and the Sun were disputing which was the stronger, when a traveler "
        "came along wrapped in a warm cloak. They agreed that the one who first succeeded in "
        "making the traveler take his cloak off should be considered stronger than the other. "
        "Then the North Wind blew as hard as he could, but the more he blew the more closely "
        "did the traveler fold his cloak around him; and at last the North Wind gave up the "
        "attempt. Then the Sun shined out warmly, and immediately the traveler took off his "
        "cloak. And so the North Wind was obliged to confess that the Sun was the stronger of "
        "the two."
    ),
    "gettysburg": (
        "Four score and seven years ago our fathers brought forth on this continent, a new "
        "nation, conceived in Liberty, and dedicated to the proposition that all men are "
        "created equal. Now we are engaged in a great civil war, testing whether that nation, "
        "or any nation so conceived and so dedicated, can long endure. We are met on a great "
        "battle-field of that war. We have come to dedicate a portion of that field, as a "
        "final resting place for those who here gave their lives that that nation might live. "
        "It is altogether fitting and proper that we should do this. But, in a larger sense, "
        "we can not dedicate, we can not consecrate, we can not hallow this ground. The brave "
        "men, living and dead, who struggled here, have consecrated it, far above our poor "
        "power to add or detract. The world will little note, nor long remember what we say "
        "here, but it can never forget what they did here."
    ),
    "twocities": (
        "It was the best of times, it was the worst of times, it was the age of wisdom, it "
        "was the age of foolishness, it was the epoch of belief, it was the epoch of "
        "incredulity, it was the season of Light, it was the season of Darkness, it was the "
        "spring of hope, it was the winter of despair, we had everything before us, we had "
        "nothing before us, we were all going direct to Heaven, we were all going direct the "
        "other way."
    ),
    "alice": (
        "Alice was beginning to get very tired of sitting by her sister on the bank, and of "
        "having nothing to do: once or twice she had peeped into the book her sister was "
        "reading, but it had no pictures or conversations in it, and what is the use of a "
        "book, thought Alice, without pictures or conversations? So she was considering in "
        "her own mind, as well as she could, for the hot day made her feel very sleepy and "
        "stupid, whether the pleasure of making a daisy-chain would be worth the trouble of "
        "getting up and picking the daisies, when suddenly a White Rabbit with pink eyes ran "
        "close by her."
    ),
    "pride": (
        "It is a truth universally acknowledged, that a single man in possession of a good "
        "fortune, must be in want of a wife. However little known the feelings or views of "
        "such a man may be on his first entering a neighbourhood, this truth is so well fixed "
        "in the minds of the surrounding families, that he is considered the rightful "
        "property of some one or other of their daughters."
    ),
    "numbers": (
        "Please call Stella. Ask her to bring these things with her from the store: six "
        "spoons of fresh snow peas, five thick slabs of blue cheese, and maybe a snack for "
        "her brother Bob. We also need a small plastic snake and a big toy frog for the kids. "
        "She can scoop these things into three red bags, and we will go meet her Wednesday "
        "at the train station. The train leaves at seven forty five, and the trip takes two "
        "hours and ten minutes."
    ),
    "declaration": (
        "We hold these truths to be self-evident, that all men are created equal, that they "
        "are endowed by their Creator with certain unalienable Rights, that among these are "
        "Life, Liberty and the pursuit of Happiness. That to secure these rights, Governments "
        "are instituted among Men, deriving their just powers from the consent of the "
        "governed. That whenever any Form of Government becomes destructive of these ends, "
        "it is the Right of the People to alter or to abolish it, and to institute new "
        "Government, laying its foundation on such principles and organizing its powers in "
        "such form, as to them shall seem most likely to effect their Safety and Happiness. "
        "Prudence, indeed, will dictate that Governments long established should not be "
        "changed for light and transient causes."
    ),
    "weather": (
        "Tomorrow will start cloudy with a chance of light rain in the morning, clearing by "
        "noon. Winds from the west at ten to fifteen miles per hour. Highs near sixty two, "
        "lows around forty eight. On Saturday, expect sunshine and a gentle breeze, perfect "
        "for a walk by the river."
    ),
}


def pieces() -> list[Piece]:
    out = [Piece(f"chorale-{w.split('/')[-1]}", "music-poly", "chorale", (w,), bpm=72)
           for w in CHORALES]  # fmt: skip
    out += [Piece(f"quartet-{w.replace('/', '-')}", "music-poly", "quartet", (w,), bpm=100)
            for w in QUARTETS]  # fmt: skip
    out += [Piece(f"piano-{w.split('/')[0]}", "music-poly", "piano", (w,), bpm=96) for w in PIANO]
    out += [Piece(f"song-{w.split('/')[0]}", "music-poly", "song", (w,), bpm=84) for w in SONGS]
    out += [Piece(f"tune-{i:02d}", "music-mono", "tune", ws, bpm=110) for i, ws in enumerate(TUNES)]
    out += [Piece(f"speech-{k}", "speech", "speech", text=t) for k, t in TEXTS.items()]
    out.append(Piece("long-mozart-k458", "long", "quartet", LONG, bpm=110,
                     extra={"max_seconds": LONG_SECONDS}))  # fmt: skip
    return out


def split_of(all_pieces: list[Piece]) -> dict[str, str]:
    """Alternate tuning/heldout within each category, in the listed order; the long pair is
    held out."""
    split, count = {}, {}
    for p in all_pieces:
        k = count.get(p.category, 0)
        count[p.category] = k + 1
        split[p.name] = "heldout" if p.category == "long" or k % 2 else "tuning"
    return split


# -- tools -----------------------------------------------------------------------------------


def check_tools() -> None:
    missing = []
    for exe, package in (("fluidsynth", "fluidsynth"), ("espeak-ng", "espeak-ng")):
        if shutil.which(exe) is None:
            missing.append(f"the {exe} command: apt-get install {package}")
    for name, path in SOUNDFONTS.items():
        if not os.path.exists(path):
            package = "fluid-soundfont-gm" if name == "FluidR3" else "timgm6mb-soundfont"
            missing.append(f"the {name} soundfont ({path}): apt-get install {package}")
    for module in ("music21", "mido", "numpy", "scipy", "soundfile"):
        if importlib.util.find_spec(module) is None:
            missing.append(f"the Python module {module}: pip install {module}")
    if missing:
        sys.exit("build_alignment_corpus: missing\n  " + "\n  ".join(missing))


# -- scores ----------------------------------------------------------------------------------


@dataclass
class Note:
    onset: float  # quarter notes from the start of the score
    duration: float
    pitch: int
    part: int
    fermata: bool


def load_notes(source: str) -> tuple[list[Note], float, float | None, list[float]]:
    """Notes of a music21 corpus work (``work#number`` picks a tune of an opus, ``work@k``
    keeps part ``k`` only), its length in quarters, its marked tempo, and its bar lines."""
    from music21 import corpus, expressions, tempo

    part_only = None
    if "@" in source:
        source, k = source.split("@")
        part_only = int(k)
    number = None
    if "#" in source:
        source, n = source.split("#")
        number = int(n)
    score = corpus.parse(source, number=number) if number else corpus.parse(source)
    if hasattr(score, "scores"):  # an Opus
        score = score.scores[0]
    score = score.stripTies()
    parts = list(score.parts) or [score]
    if part_only is not None:
        parts = [parts[part_only]]
    notes = []
    for index, part in enumerate(parts):
        for element in part.flatten().notes:
            if element.duration.quarterLength <= 0:
                continue  # grace notes
            fermata = any(isinstance(e, expressions.Fermata) for e in element.expressions)
            for pitch in getattr(element, "pitches", ()):
                notes.append(Note(float(element.offset), float(element.duration.quarterLength),
                                  int(pitch.midi), index, fermata))  # fmt: skip
    marks = list(score.flatten().getElementsByClass(tempo.MetronomeMark))
    bpm = None
    if marks and marks[0].number:
        bpm = float(marks[0].getQuarterBPM() or 0) or None
    bars = sorted({float(m.offset) for m in parts[0].getElementsByClass("Measure")})
    length = max(n.onset + n.duration for n in notes)
    return notes, length, bpm, bars


def load_piece(piece: Piece):
    """All sources concatenated (a half-note rest between them)."""
    notes, bars, offset, bpm = [], [], 0.0, None
    for source in piece.sources:
        more, length, marked, more_bars = load_notes(source)
        bpm = bpm or marked
        for n in more:
            n.onset += offset
        notes += more
        bars += [b + offset for b in more_bars]
        offset += length + 2.0
    return notes, offset - 2.0, bpm or piece.bpm, bars


def cut_at_bar(notes: list[Note], length: float, bars: list[float], cut: float):
    """The notes and length of a score cut at its last bar line at or before ``cut``
    quarters (at ``cut`` itself without one); notes still sounding there are shortened."""
    if length <= cut:
        return notes, length
    bar = max([b for b in bars if b <= cut] or [cut])
    notes = [n for n in notes if n.onset < bar]
    for n in notes:
        n.duration = min(n.duration, bar - n.onset)
    return notes, bar


# -- performances ----------------------------------------------------------------------------

PROGRAMS = {  # GM programs (0-based) per part, one list per instrument set
    "chorale": [
        (52, 52, 52, 52),
        (19, 19, 19, 19),
        (40, 41, 42, 43),
        (0, 0, 0, 0),
        (56, 60, 57, 58),
        (73, 68, 71, 70),
    ],
    "quartet": [
        (40, 40, 41, 42),
        (0, 0, 0, 0),
        (73, 68, 71, 70),
        (48, 48, 48, 48),
        (6, 6, 6, 6),
        (46, 46, 24, 32),
    ],
    "piano": [(0,), (1,), (2,), (4,), (6,), (46,)],
    "song": [
        (40, 0, 0, 0, 0),
        (52, 0, 0, 0, 0),
        (73, 1, 1, 1, 1),
        (65, 46, 46, 46, 46),
        (56, 4, 4, 4, 4),
        (68, 24, 24, 24, 24),
    ],
    "tune": [(40,), (73,), (24,), (0,), (22,), (71,), (105,), (46,), (68,)],
}


def programs_for(kind: str, n_parts: int, rng) -> list[int]:
    choice = PROGRAMS[kind][rng.integers(len(PROGRAMS[kind]))]
    return [choice[min(k, len(choice) - 1)] for k in range(n_parts)]


def tempo_curve(length: float, bpm: float, phrase_ends: list[float], fermatas: list[float], rng):
    """Seconds at each score position: a grid of quarter positions and its times.

    Overall tempo 0.7-1.4x ``bpm``; smooth rubato (three slow sinusoids in log tempo, +-12 %
    together); a ritardando over the two beats before each phrase end (20-45 % slower at the
    end); a fermata holds 0.4-1.6 s more (inserted at the end of the held note)."""
    import numpy as np

    grid = np.arange(0.0, length + 1e-9, 1.0 / 16)
    if grid[-1] < length:
        grid = np.append(grid, length)
    log_tempo = np.full(grid.shape, np.log(bpm * rng.uniform(0.7, 1.4)))
    for _ in range(3):
        period = rng.uniform(4.0, 32.0)
        log_tempo += rng.uniform(0.02, 0.06) * np.sin(2 * np.pi * grid / period
                                                     + rng.uniform(0, 2 * np.pi))  # fmt: skip
    for end in phrase_ends:
        depth = rng.uniform(0.2, 0.45)
        ramp = np.clip((grid - (end - 2.0)) / 2.0, 0.0, 1.0) * (grid <= end)
        log_tempo += np.log1p(-depth * ramp**2)
    seconds_per_quarter = 60.0 / np.exp(log_tempo)
    steps = np.diff(grid) * 0.5 * (seconds_per_quarter[1:] + seconds_per_quarter[:-1])
    times = np.concatenate([[0.0], np.cumsum(steps)])
    for position in sorted(fermatas):
        times[grid >= position - 1e-9] += rng.uniform(0.4, 1.6)
    return grid, times


def perform(notes: list[Note], length: float, bpm: float, bars: list[float], kind: str, rng):
    """Performed notes ``(start s, end s, pitch, part, velocity)`` and the performed time of
    each score onset (the mean of its notes' starts)."""
    import numpy as np

    fermata_ends = sorted({n.onset + n.duration for n in notes if n.fermata})
    phrase_ends = sorted({n.onset for n in notes if n.fermata})
    if not phrase_ends:  # every 4 or 8 bars, and the end
        every = 4 if kind in ("chorale", "tune") else 8
        phrase_ends = [b for b in bars[every::every]] + [length]
    grid, times = tempo_curve(length, bpm, phrase_ends, fermata_ends, rng)
    lead = rng.uniform(0.3, 1.5)

    def at(q):
        return lead + np.interp(q, grid, times)

    onsets = sorted({n.onset for n in notes})
    group_jitter = dict(zip(onsets, rng.normal(0.0, 0.012, len(onsets))))
    legato = rng.uniform(0.75, 1.0)
    dyn_phase, dyn_period = rng.uniform(0, 2 * np.pi), rng.uniform(8, 40)
    performed, starts = [], {}
    for n in notes:
        start = at(n.onset) + group_jitter[n.onset] + rng.normal(0.0, 0.008)
        start = max(start, 0.0)
        end = start + max(0.04, legato * (at(n.onset + n.duration) - at(n.onset)))
        loud = 72 + 30 * np.sin(2 * np.pi * n.onset / dyn_period + dyn_phase)
        velocity = int(np.clip(loud + rng.normal(0, 8) + (8 if n.part == 0 else 0), 25, 120))
        performed.append((start, end, n.pitch, n.part, velocity))
        starts.setdefault(n.onset, []).append(start)
    onset_times = np.array([np.mean(starts[q]) for q in onsets])
    return performed, onsets, onset_times


def write_midi(path: str, performed, programs: list[int]) -> None:
    import mido

    ticks_per_second = 2000  # tempo 500000 us per beat, 1000 ticks per beat: 0.5 ms
    mid = mido.MidiFile(ticks_per_beat=1000)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    events = []
    channels = [c for c in range(16) if c != 9]
    for part, program in enumerate(programs):
        events.append((0, 0, mido.Message("program_change", channel=channels[part % 15],
                                          program=program)))  # fmt: skip
    last_end: dict = {}
    for start, end, pitch, part, velocity in sorted(performed):
        channel = channels[part % 15]
        if not 0 <= pitch <= 127:
            continue
        t0, t1 = round(start * ticks_per_second), round(end * ticks_per_second)
        key = (channel, pitch)
        if key in last_end and last_end[key][0] > t0:  # same key still sounding: cut it
            old_t1, message = last_end[key]
            events.remove((old_t1, 0, message))
            events.append((t0, 0, message))
        off = mido.Message("note_off", channel=channel, note=pitch, velocity=0)
        events.append((t0, 1, mido.Message("note_on", channel=channel, note=pitch,
                                           velocity=velocity)))  # fmt: skip
        events.append((max(t1, t0 + 1), 0, off))
        last_end[key] = (max(t1, t0 + 1), off)
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    mid.save(path)


def render(midi: str, soundfont: str, wav: str) -> None:
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.6", "-r", str(SR),
                    "-F", wav, soundfont, midi], check=True, capture_output=True)  # fmt: skip


# -- rooms -----------------------------------------------------------------------------------


def room(y, rng):
    """EQ tilt, reverb, noise and level, each drawn for this performance."""
    import numpy as np
    from scipy.signal import fftconvolve

    y = y - y.mean()
    # EQ: a smooth random gain in dB over log frequency (+-6 dB)
    spectrum = np.fft.rfft(y)
    freqs = np.fft.rfftfreq(len(y), 1.0 / SR)
    octave = np.log2(np.maximum(freqs, 20.0) / 20.0)
    gain_db = sum(rng.uniform(-3, 3) * np.cos(np.pi * k * octave / 10.0 + rng.uniform(0, np.pi))
                  for k in (1, 2, 3))  # fmt: skip
    y = np.fft.irfft(spectrum * 10 ** (gain_db / 20.0), n=len(y))
    # reverb: exponentially decaying noise, RT60 0.2-1.2 s, 10-40 % wet
    rt60 = rng.uniform(0.2, 1.2)
    t = np.arange(int(rt60 * SR)) / SR
    ir = rng.normal(size=t.size) * np.exp(-6.9 * t / rt60)
    ir[: int(0.01 * SR)] *= np.linspace(0, 1, int(0.01 * SR))  # 10 ms pre-delay ramp
    wet = fftconvolve(y, ir)[: len(y)]
    wet *= np.sqrt((y**2).sum() / max((wet**2).sum(), 1e-20))
    mix = rng.uniform(0.1, 0.4)
    y = (1 - mix) * y + mix * wet
    # noise: pink-ish, 25-45 dB below the signal
    noise = np.fft.irfft(np.fft.rfft(rng.normal(size=len(y))) / np.sqrt(np.maximum(freqs, 20.0)),
                         n=len(y))  # fmt: skip
    snr = rng.uniform(25.0, 45.0)
    noise *= np.sqrt((y**2).mean() / max((noise**2).mean(), 1e-20)) * 10 ** (-snr / 20)
    y = y + noise
    # level: peak at -1 to -20 dBFS
    return y / max(np.abs(y).max(), 1e-12) * 10 ** (-rng.uniform(1.0, 20.0) / 20), {
        "rt60": round(rt60, 3), "wet": round(mix, 3), "snr_db": round(snr, 1)}  # fmt: skip


def write_wav(path: str, y) -> None:
    import soundfile

    soundfile.write(path, y.astype("float32"), SR, subtype="PCM_16")


def rng_for(name: str, salt: str):
    import numpy as np

    return np.random.default_rng(zlib.crc32(f"{name}/{salt}".encode()))


# -- music pairs -----------------------------------------------------------------------------


#: Velocities at which :func:`latency_table` measures every pitch (linear in between).
LATENCY_VELOCITIES = (30, 60, 90, 120)
#: Seconds between the notes of a latency measurement (each held 1 s): the previous note's
#: release is 40 dB down or more before the next starts.
LATENCY_SPACING = 2.5
#: Where :func:`latency_table` keeps its tables (one small .npy per soundfont and program).
LATENCY_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "seqalign", "attack-latency")


@functools.cache
def latency_table(font: str, program: int):
    """Attack time in seconds of ``program`` in ``font`` for each MIDI pitch (rows, 0-127) at
    each of :data:`LATENCY_VELOCITIES` (columns): from note-on until the note's RMS envelope
    (2 ms) first reaches :data:`HEARD_SHARE` of its peak; NaN where the program is silent.

    Slow attacks depend on the sample a soundfont plays: FluidR3's choir reaches -12 dB 34 ms
    after note-on at E4 and 152 ms after it at D3, so one value per program (a lone C4, as
    before 2026-12-06) put the truth of low sung notes up to 0.1 s early. One render per
    program measures every pitch of MIDI 21-108; the table is cached in :data:`LATENCY_CACHE`.
    """
    import mido
    import numpy as np
    import soundfile

    cache = os.path.join(LATENCY_CACHE, f"{font}-{program}-{HEARD_SHARE}.npy")
    if os.path.exists(cache):
        return np.load(cache)
    pitches = range(21, 109)
    cells = [(p, v) for p in pitches for v in LATENCY_VELOCITIES]
    with tempfile.TemporaryDirectory() as tmp:
        midi, wav = os.path.join(tmp, "n.mid"), os.path.join(tmp, "n.wav")
        mid = mido.MidiFile(ticks_per_beat=1000)  # 2000 ticks per second
        track = mido.MidiTrack()
        mid.tracks.append(track)
        track.append(mido.Message("program_change", program=program, time=0))
        gap = round(LATENCY_SPACING * 2000)
        for k, (pitch, velocity) in enumerate(cells):
            track.append(mido.Message("note_on", note=pitch, velocity=velocity,
                                      time=gap - 2000 if k else 1000))  # fmt: skip
            track.append(mido.Message("note_off", note=pitch, velocity=0, time=2000))
        mid.save(midi)
        render(midi, SOUNDFONTS[font], wav)
        y, _ = soundfile.read(wav, always_2d=True)
    y = y.mean(axis=1)
    table = np.full((128, len(LATENCY_VELOCITIES)), np.nan)
    for k, (pitch, velocity) in enumerate(cells):
        start = round((0.5 + k * LATENCY_SPACING) * SR)
        segment = y[start : start + SR]
        envelope = np.sqrt(np.convolve(segment**2, np.ones(44) / 44, "same"))
        if envelope.size and envelope.max() > 1e-6:
            table[pitch, LATENCY_VELOCITIES.index(velocity)] = float(
                np.argmax(envelope >= HEARD_SHARE * envelope.max()) / SR
            )
    os.makedirs(LATENCY_CACHE, exist_ok=True)
    np.save(cache, table)
    return table


def attack_latency(font: str, program: int, pitch: int = 60, velocity: int = 90) -> float:
    """Seconds from note-on until a note of ``program`` in ``font`` is heard (reaches
    :data:`HEARD_SHARE` of its peak): :func:`latency_table` at ``pitch``, linear in
    ``velocity``; a pitch the program does not sound takes the nearest pitch that it does."""
    import numpy as np

    table = latency_table(font, program)
    rows = np.flatnonzero(np.isfinite(table).all(axis=1))
    if rows.size == 0:
        return 0.0
    row = table[rows[np.argmin(np.abs(rows - pitch))]]
    return float(np.interp(velocity, LATENCY_VELOCITIES, row))


def build_music(piece: Piece, folder: str, truth_only: bool = False) -> dict:
    import numpy as np
    import soundfile

    notes, length, bpm, bars = load_piece(piece)
    max_seconds = piece.extra.get("max_seconds", MAX_SECONDS)
    notes, length = cut_at_bar(notes, length, bars, max_seconds * bpm / 60.0)
    n_parts = max(n.part for n in notes) + 1
    fonts = list(SOUNDFONTS)
    rng = rng_for(piece.name, "pair")
    if rng.random() < 0.5:
        fonts.reverse()
    info, onset_times, heard_times = {}, {}, {}
    programs_a = None
    for side, font in zip("ab", fonts):
        rng = rng_for(piece.name, side)
        performed, onsets, times = perform(notes, length, bpm, bars, piece.kind, rng)
        programs = programs_for(piece.kind, n_parts, rng)
        while programs == programs_a:
            programs = programs_for(piece.kind, n_parts, rng)
        programs_a = programs
        heard: dict[float, list[float]] = {}
        for note, (start, _, pitch, part, velocity) in zip(notes, performed):
            latency = attack_latency(font, programs[part], pitch, velocity)
            heard.setdefault(note.onset, []).append(start + latency)
        heard_times[side] = np.array([np.mean(heard[q]) for q in onsets])
        onset_times[side] = times
        if truth_only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            midi, raw = os.path.join(tmp, "p.mid"), os.path.join(tmp, "p.wav")
            write_midi(midi, performed, programs)
            render(midi, SOUNDFONTS[font], raw)
            y, sr = soundfile.read(raw, always_2d=True)
        assert sr == SR, sr
        y, effects = room(y.mean(axis=1), rng)
        tail = int(rng.uniform(0.3, 1.5) * SR)
        y = np.concatenate([y, np.zeros(tail)])
        write_wav(os.path.join(folder, f"{side}.wav"), y)
        info[side] = {"soundfont": font, "programs": programs, "seconds": round(len(y) / SR, 2),
                      **effects}  # fmt: skip
    truth = np.column_stack([heard_times["a"], heard_times["b"], onset_times["a"],
                             onset_times["b"]])  # fmt: skip
    return {"truth": truth, "n_notes": len(notes), "n_parts": n_parts, **info}


# -- speech pairs ----------------------------------------------------------------------------

VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us+f3", "en-gb+f2",
          "en-us+m3", "en-gb-x-gbclan+f4")  # fmt: skip


def speak_word(word: str, voice: str, rate: int, pitch: int, tmp: str):
    import numpy as np
    import soundfile

    path = os.path.join(tmp, "w.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", path,
                    word], check=True, capture_output=True)  # fmt: skip
    y, sr = soundfile.read(path)
    if y.ndim > 1:
        y = y.mean(axis=1)
    assert sr == SR, sr
    loud = np.flatnonzero(np.abs(y) > 10 ** (-45 / 20) * max(np.abs(y).max(), 1e-9))
    if loud.size == 0:
        return np.zeros(int(0.05 * SR))
    margin = int(0.005 * SR)
    return y[max(loud[0] - margin, 0) : loud[-1] + margin]


def read_text(text: str, voice: str, rate: int, pitch: int, rng):
    """The text read word by word with gaps and pauses: the signal and each word's start and
    end in seconds."""
    import numpy as np

    words = text.split()
    pieces, spans, now = [], [], rng.uniform(0.3, 1.2)
    pieces.append(np.zeros(int(now * SR)))
    cache: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for word in words:
            clean = word.strip(",.;:?!")
            if clean not in cache:
                cache[clean] = speak_word(clean, voice, rate, pitch, tmp)
            audio = cache[clean]
            spans.append((now, now + len(audio) / SR))
            pieces.append(audio)
            now += len(audio) / SR
            gap = rng.uniform(0.01, 0.08)
            if word[-1] in ",;:":
                gap += rng.uniform(0.12, 0.4)
            elif word[-1] in ".?!":
                gap += rng.uniform(0.3, 0.9)
            if rng.random() < 0.05:  # a hesitation of this reader only
                gap += rng.uniform(0.3, 1.0)
            pieces.append(np.zeros(int(gap * SR)))
            now += int(gap * SR) / SR
    pieces.append(np.zeros(int(rng.uniform(0.3, 1.0) * SR)))
    return np.concatenate(pieces), spans


def build_speech(piece: Piece, folder: str) -> dict:
    import numpy as np

    rng = rng_for(piece.name, "pair")
    voices = rng.choice(len(VOICES), size=2, replace=False)
    info, spans = {}, {}
    for side, v in zip("ab", voices):
        rng = rng_for(piece.name, side)
        rate, pitch = int(rng.uniform(120, 220)), int(rng.uniform(25, 75))
        y, spans[side] = read_text(piece.text, VOICES[v], rate, pitch, rng)
        y, effects = room(y, rng)
        write_wav(os.path.join(folder, f"{side}.wav"), y)
        info[side] = {"voice": VOICES[v], "rate_wpm": rate, "pitch": pitch,
                      "seconds": round(len(y) / SR, 2), **effects}  # fmt: skip
    # word starts only: where a word ends under reverb and noise depends on the voice and the
    # threshold more than on the alignment
    truth = np.array([(a[0], b[0]) for a, b in zip(spans["a"], spans["b"])])
    return {"truth": truth, "n_words": len(spans["a"]), **info}


# -- driver ----------------------------------------------------------------------------------


def build(piece: Piece, out: str, split: str, old: dict | None = None) -> dict:
    """Build one pair; with ``old`` (its manifest entry), only its ground truth again."""
    import numpy as np

    folder = os.path.join(out, piece.name)
    os.makedirs(folder, exist_ok=True)
    started = time.perf_counter()
    if old is not None and piece.kind == "speech":
        return old
    if piece.kind == "speech":
        made = build_speech(piece, folder)
    else:
        made = build_music(piece, folder, truth_only=old is not None)
    truth = made.pop("truth")
    header = "time_a,time_b" + (",note_on_a,note_on_b" if truth.shape[1] == 4 else "")
    np.savetxt(os.path.join(folder, "truth.csv"), truth, delimiter=",", fmt="%.4f",
               header=header, comments="")  # fmt: skip
    if old is not None:
        return {**old, "n_points": len(truth)}
    sides = {"performance_a": made.pop("a"), "performance_b": made.pop("b")}
    entry = {"id": piece.name, "category": piece.category, "kind": piece.kind, "split": split,
             "a": f"{piece.name}/a.wav", "b": f"{piece.name}/b.wav",
             "truth": f"{piece.name}/truth.csv", "n_points": len(truth),
             "seconds_a": sides["performance_a"]["seconds"],
             "seconds_b": sides["performance_b"]["seconds"],
             "sources": list(piece.sources), **made, **sides}  # fmt: skip
    print(f"{piece.name:40s} {split:8s} {entry['seconds_a']:7.1f} s / "
          f"{entry['seconds_b']:7.1f} s  {len(truth):5d} points  "
          f"({time.perf_counter() - started:.1f} s)", flush=True)  # fmt: skip
    return entry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default=DEFAULT_OUT, help=f"folder ({DEFAULT_OUT})")
    parser.add_argument("--jobs", type=int, default=2, help="pairs built at once (2)")
    parser.add_argument("--only", default=None, help="build the pairs whose name contains this")
    parser.add_argument(
        "--truth-only",
        action="store_true",
        help="write the ground truth of the pairs in OUT/manifest.json again",
    )
    args = parser.parse_args(argv)
    check_tools()
    os.makedirs(args.out, exist_ok=True)
    todo = pieces()
    split = split_of(todo)
    if args.only:
        todo = [p for p in todo if args.only in p.name]
    todo.sort(key=lambda p: p.category != "long")  # the longest first
    manifest_path = os.path.join(args.out, "manifest.json")
    old = {}
    if (args.only or args.truth_only) and os.path.exists(manifest_path):
        with open(manifest_path) as stream:
            old = {e["id"]: e for e in json.load(stream)["pairs"]}
    if args.truth_only:
        todo = [p for p in todo if p.name in old]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(build, p, args.out, split[p.name],
                               old.get(p.name) if args.truth_only else None)
                   for p in todo]  # fmt: skip
        entries = {f.result()["id"]: f.result() for f in futures}
    order = [p.name for p in pieces()]
    merged = {**old, **entries}
    manifest = {"sample_rate": SR, "pairs": [merged[n] for n in order if n in merged]}
    with open(manifest_path, "w") as stream:
        json.dump(manifest, stream, indent=1)
    print(f"{len(entries)} pairs in {time.perf_counter() - started:.0f} s; {manifest_path}")


if __name__ == "__main__":
    main()
