"""Alignment accuracy of each audio feature set, normalisation and metric, against known time maps.

Cases, each a pair (A, B) with the true time in B of every time in A:

``example``
    The bundled example, ``examples/take1.flac`` vs ``examples/take2.flac`` (other timbre, rubato
    0.8x-1.25x, detuning, hum and hiss), read through :func:`seqalign.io.read_sequence`, against
    ``examples/take2_truth.csv``.
``melody``, ``wide``, ``slow``, ``sustained``, ``plucked``, ``chorale``, ``speech``
    A synthetic signal of about 8 s split into four segments, each time-stretched by
    ``librosa.effects.time_stretch`` at its own rate, then concatenated, so the true map is
    piecewise linear. Rates 0.8x-1.25x, except ``wide`` (0.7x-1.45x) and ``slow`` (0.6x-0.7x,
    a global change of tempo). The signals: ``melody`` (also for ``wide`` and ``slow``), a melody
    over broken chords rendered by the example's synthesiser; ``sustained``, the same over held
    block chords, so nothing moves between melody onsets; ``plucked``, fast short notes;
    ``chorale``, held four-voice chords; ``speech``, speech-like syllables (a pulse train with a
    wandering pitch through gliding vowel formants, fricative noise bursts, pauses).
``timbre``
    A melody rendered twice from one score, as the example is, but as a bright brass-like tone
    vs a nearly pure flute-like one, with rubato 0.8x-1.25x; the truth is the onsets.

For every combination, DTW (no window) aligns the features of A and B under each step pattern
asked for; :func:`seqalign.time_map` gives the matched time in B of each frame of A, and the error
is its distance to the true time, over the frames of A inside the true map's span. Each cell is
the mean absolute error (ms) and the shares of frames within 50 ms and 100 ms, averaged over
``--seeds`` draws of each synthetic signal.

Run from the repository root (under a minute on one core)::

    python benchmarks/feature_accuracy.py            # print the tables
    python benchmarks/feature_accuracy.py --write    # also rewrite the tables in FEATURES.md

``--hop-length``, ``--step-patterns``, ``--features``, ``--metrics`` and ``--seeds`` vary the
setting.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SR = 22050
SEED = 7
NORMALIZATIONS = ("none", "zscore", "l2")
METRICS = ("euclidean", "cosine")
#: Synthetic case -> (signal, stretch rates of its four segments; rate > 1 is faster).
CASES = {
    "melody": ("melody", (0.8, 1.2, 0.9, 1.1)),
    "wide": ("melody", (0.7, 1.45, 0.75, 1.35)),
    "slow": ("melody", (0.6, 0.65, 0.6, 0.7)),
    "sustained": ("sustained", (1.1, 0.85, 1.2, 0.8)),
    "plucked": ("plucked", (1.25, 0.85, 1.1, 0.9)),
    "chorale": ("chorale", (0.9, 1.2, 0.8, 1.15)),
    "speech": ("speech", (1.15, 0.8, 1.25, 0.9)),
}


@functools.cache
def _load_synth():
    """The example's synthesiser, ``examples/make_examples.py`` (a script, not a package)."""
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


# --- synthetic signals --------------------------------------------------------------------------


def melody_signal(rng: np.random.Generator) -> np.ndarray:
    """A 20-note melody over broken chords, the timbres of the example's take 1."""
    synth = _load_synth()
    notes = synth.melody_score(rng, 20)
    return _render_steady(synth, notes, 0.4, (synth.TIMBRE_1, synth.PAD_1))


def sustained_signal(rng: np.random.Generator) -> np.ndarray:
    """A 20-note melody over held block chords: nothing moves between melody onsets."""
    synth = _load_synth()
    notes = synth.melody_score(rng, 20, broken=False)
    return _render_steady(synth, notes, 0.4, (synth.TIMBRE_1, synth.PAD_1))


def plucked_signal(rng: np.random.Generator) -> np.ndarray:
    """Fast plucked notes (short, quickly decaying), no chords."""
    synth = _load_synth()
    notes = synth.melody_score(rng, 36, durations=(0.5, 0.5, 1.0), low=5, high=18, chord_gain=0.0)
    pluck = synth.Timbre((1.0, 0.7, 0.5, 0.3, 0.2), attack=0.004, decay=0.6, release=0.03)
    return _render_steady(synth, notes, 0.22, (pluck, pluck))


def chorale_signal(rng: np.random.Generator) -> np.ndarray:
    """Four-voice sustained chords, one per one or two beats: little to align but harmony."""
    synth = _load_synth()
    roots = (0, 5, 7, 9, 2, 4)
    notes, beat = [], 0.0
    for _ in range(10):
        root = int(rng.choice(roots))
        duration = float(rng.choice((1.0, 2.0)))
        triad = [root, root + (3 if root in (2, 4, 9) else 4), root + 7]
        for pitch in (36 + root, *(60 + p for p in triad)):
            notes.append(synth.Note(beat, duration, pitch, 0.5))
        beat += duration
    organ = synth.Timbre((1.0, 0.5, 0.25), attack=0.06, decay=8.0, release=0.1)
    return _render_steady(synth, notes, 0.55, (organ, organ))


def timbre_pair(rng: np.random.Generator):
    """A 24-note melody played twice with rubato: a bright tone vs a nearly pure, flute-like one.

    Returns the two signals and the true map's knots (every onset and the end), like the
    bundled example but with a much larger change of timbre and no chords.
    """
    synth = _load_synth()
    notes = synth.melody_score(rng, 24, chord_gain=0.0)
    beats = synth.onset_beats(notes)
    times_a = 0.1 + 0.4 * beats
    speed = synth.rubato(beats, rng)
    times_b = 0.2 + np.concatenate(([0.0], np.cumsum(0.4 * np.diff(beats) / speed)))
    brass = synth.Timbre((1.0, 0.9, 0.8, 0.6, 0.4), attack=0.03, decay=3.0, release=0.05)
    flute = synth.Timbre((1.0, 0.08, 0.03), attack=0.06, decay=3.0, release=0.08)
    a = synth.render(notes, (beats, times_a), (brass, brass), times_a[-1])
    b = synth.render(notes, (beats, times_b), (flute, flute), times_b[-1])
    b += rng.normal(0.0, 1e-4, b.size)  # a faint hiss: B has no digital silence
    return a / np.abs(a).max(), 0.5 * b / np.abs(b).max(), np.column_stack((times_a, times_b))


def _render_steady(synth, notes, beat_seconds: float, timbres) -> np.ndarray:
    end = max(note.onset + note.duration for note in notes)
    beats = np.array([0.0, end])
    signal = synth.render(
        notes, (beats, 0.1 + beat_seconds * beats), timbres, 0.1 + beat_seconds * end
    )
    return 0.8 * signal / np.abs(signal).max()


#: (F1, F2, F3) in Hz of five vowels (adult male, rounded textbook values).
VOWELS = (
    (730, 1090, 2440),
    (530, 1840, 2480),
    (270, 2290, 3010),
    (570, 840, 2410),
    (300, 870, 2240),
)
BANDWIDTHS = (80.0, 100.0, 140.0)


def speech_signal(rng: np.random.Generator, seconds: float = 8.0) -> np.ndarray:
    """Speech-like sound: syllables of fricative noise and voiced vowels, with pauses.

    Voiced parts are a pulse train whose pitch wanders between about 90 and 170 Hz and falls
    over each phrase, shaped by three formant resonators whose frequencies glide from vowel to
    vowel (updated every 5 ms); consonants are high-passed noise bursts.
    """
    from scipy import signal as sps

    n = int(seconds * SR)
    voiced = np.zeros(n)
    formants = np.empty((n, 3))
    noise_gain = np.zeros(n)
    pos, vowel = int(0.1 * SR), VOWELS[0]
    formants[:pos] = vowel
    while pos < n - int(0.4 * SR):
        pause = rng.choice((0.03, 0.05, 0.08, 0.3), p=(0.4, 0.3, 0.2, 0.1))
        fric = rng.uniform(0.04, 0.09)
        vow = rng.uniform(0.09, 0.22)
        a = pos + int(pause * SR)
        b = a + int(fric * SR)
        c = min(b + int(vow * SR), n)
        noise_gain[a:b] = np.hanning(b - a) * rng.uniform(0.2, 0.5)
        nxt = VOWELS[int(rng.integers(len(VOWELS)))]
        glide = min(int(0.04 * SR), c - b)
        formants[pos:b] = vowel
        formants[b : b + glide] = np.linspace(vowel, nxt, glide)
        formants[b + glide : c] = nxt
        ramp = np.minimum(1.0, np.minimum(np.arange(c - b), np.arange(c - b)[::-1]) / (0.015 * SR))
        voiced[b:c] = ramp
        pos, vowel = c, nxt
    formants[pos:] = vowel

    t = np.arange(n) / SR
    f0 = 130.0 + 25.0 * np.sin(2 * np.pi * 0.35 * t + rng.uniform(0, 6)) - 12.0 * (t % 2.5)
    phase = np.cumsum(f0 / SR)
    pulses = np.diff(np.floor(phase), prepend=0.0) * voiced
    source = sps.lfilter([1.0], [1.0, -0.97], pulses)  # glottal roll-off
    hiss = sps.lfilter(*sps.butter(2, 2500.0, "highpass", fs=SR), rng.normal(size=n)) * noise_gain

    out = np.zeros(n)
    block = int(0.005 * SR)
    states = [np.zeros(2) for _ in range(3)]
    for start in range(0, n, block):
        chunk = source[start : start + block] + 0.1 * hiss[start : start + block]
        for k in range(3):
            radius = np.exp(-np.pi * BANDWIDTHS[k] / SR)
            theta = 2 * np.pi * formants[start, k] / SR
            den = [1.0, -2 * radius * np.cos(theta), radius**2]
            chunk, states[k] = sps.lfilter([1.0 - radius], den, chunk, zi=states[k])
        out[start : start + block] = chunk + hiss[start : start + block] * 0.02
    return 0.8 * out / np.abs(out).max()


SIGNALS = {
    "melody": melody_signal,
    "sustained": sustained_signal,
    "plucked": plucked_signal,
    "chorale": chorale_signal,
    "speech": speech_signal,
}


# --- evaluation ---------------------------------------------------------------------------------


@dataclass
class Case:
    """Features of A and B for one feature set, the frame rate, and the true map's knots."""

    a: np.ndarray
    b: np.ndarray
    rate: float
    knots: np.ndarray


def errors(case: Case, metric: str, step_pattern: str = "symmetric2") -> np.ndarray:
    """Absolute error in seconds of the DTW time map at each frame of A inside the true span."""
    import seqalign

    alignment = seqalign.dtw(case.a, case.b, metric=metric, step_pattern=step_pattern)
    a_times, b_times = seqalign.time_map(
        alignment.path, alignment.n, rate_a=case.rate, rate_b=case.rate
    )
    inside = (a_times >= case.knots[0, 0]) & (a_times <= case.knots[-1, 0])
    truth = np.interp(a_times[inside], case.knots[:, 0], case.knots[:, 1])
    return np.abs(b_times[inside] - truth)


def summary(err: np.ndarray) -> tuple[float, float, float]:
    """Mean absolute error in ms, % of frames within 50 ms and within 100 ms."""
    return 1000.0 * err.mean(), 100.0 * (err <= 0.05).mean(), 100.0 * (err <= 0.1).mean()


def example_cases(features: str, hop: int) -> dict[str, list[Case]]:
    """The bundled example, read through seqalign.io (normalisation is applied later)."""
    from seqalign.io import ReadOptions, read_sequence

    paths = [EXAMPLES / name for name in ("take1.flac", "take2.flac", "take2_truth.csv")]
    if not all(path.exists() for path in paths):
        print("examples/ is incomplete; run examples/make_examples.py", file=sys.stderr)
        return {}
    options = ReadOptions(features=features, sample_rate=SR, hop_length=hop)
    a, b = (read_sequence(path, options) for path in paths[:2])
    knots = np.loadtxt(paths[2], delimiter=",", skiprows=1, ndmin=2)
    return {"example": [Case(a.data, b.data, a.rate, knots)]}


def synthetic_pairs(seeds: int) -> dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Case name -> one (A, B, knots) per seed; each signal has its own random stream."""
    pairs: dict[str, list] = {name: [] for name in [*CASES, "timbre"]}
    for seed in range(seeds):
        originals = {
            name: make(np.random.default_rng([SEED, seed, k]))
            for k, (name, make) in enumerate(SIGNALS.items())
        }
        for name, (signal, rates) in CASES.items():
            stretched = _load_synth().stretch_piecewise(originals[signal], rates)
            pairs[name].append((originals[signal], *stretched))
        pairs["timbre"].append(timbre_pair(np.random.default_rng([SEED, seed, len(SIGNALS)])))
    return pairs


def synthetic_cases(pairs, features: str, hop: int) -> dict[str, list[Case]]:
    from seqalign.audio.features import compute_features, feature_rate

    return {
        name: [
            Case(
                compute_features(a, SR, features, hop),
                compute_features(b, SR, features, hop),
                feature_rate(SR, hop),
                knots,
            )
            for a, b, knots in versions
        ]
        for name, versions in pairs.items()
    }


def combinations(feature_sets, metrics=METRICS):
    """(features, normalisation, metric) to measure; l2 + cosine equals none + cosine, so it is
    left out."""
    for features, norm, metric in itertools.product(feature_sets, NORMALIZATIONS, metrics):
        if not (norm == "l2" and metric == "cosine"):
            yield features, norm, metric


def run(feature_sets, hop: int, step_patterns, seeds: int, metrics=METRICS):
    """Measure every combination under every step pattern.

    Returns
    -------
    names : list of str
        The cases.
    rows : dict
        ``step_pattern -> [((features, norm, metric), stats), ...]`` where ``stats[k]`` is
        :func:`summary` of case ``k`` averaged over its seeds.
    """
    from seqalign.io import normalize

    pairs = synthetic_pairs(seeds)
    rows: dict[str, list] = {pattern: [] for pattern in step_patterns}
    names: list[str] = []
    for features in feature_sets:
        cases = {**example_cases(features, hop), **synthetic_cases(pairs, features, hop)}
        names = list(cases)
        for _, norm, metric in combinations([features], metrics):
            normalised = {
                name: [
                    Case(normalize(c.a, norm), normalize(c.b, norm), c.rate, c.knots)
                    for c in versions
                ]
                for name, versions in cases.items()
            }
            for pattern in step_patterns:
                stats = [
                    tuple(np.mean([summary(errors(c, metric, pattern)) for c in versions], axis=0))
                    for versions in normalised.values()
                ]
                rows[pattern].append(((features, norm, metric), stats))
    return names, rows


def table(names, rows) -> str:
    """A Markdown table: per case MAE / %<=50 ms / %<=100 ms, then the mean over cases."""
    head = ["features", "normalize", "metric", *names, "mean"]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] * 3 + ["---:"] * (len(names) + 1)) + "|",
    ]
    for (features, norm, metric), stats in rows:
        mean = np.mean(stats, axis=0)
        cells = [f"{mae:.0f} / {p50:.0f} / {p100:.0f}" for mae, p50, p100 in [*stats, mean]]
        lines.append(f"| {features} | {norm} | {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from seqalign.audio.features import FEATURE_SETS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hop-length", type=int, default=512)
    parser.add_argument("--step-patterns", nargs="+", default=["symmetric2", "symmetric1"])
    parser.add_argument("--features", nargs="+", default=list(FEATURE_SETS))
    parser.add_argument("--seeds", type=int, default=3, help="draws of each synthetic case")
    parser.add_argument("--metrics", nargs="+", default=list(METRICS), help="local costs")
    parser.add_argument("--write", action="store_true", help="rewrite benchmarks/FEATURES.md")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    names, rows = run(args.features, args.hop_length, args.step_patterns, args.seeds, args.metrics)
    sections = []
    for pattern, pattern_rows in rows.items():
        sections.append(f"Step pattern **{pattern}**:\n\n{table(names, pattern_rows)}")
    text = "\n\n".join(sections)
    print(text)
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if args.write:
        write_report(text, args)


def write_report(text: str, args) -> None:
    """Replace the tables in FEATURES.md (between the markers; the prose around is kept)."""
    path = Path(__file__).with_name("FEATURES.md")
    command = "python benchmarks/feature_accuracy.py --write"
    if args.hop_length != 512:
        command += f" --hop-length {args.hop_length}"
    if args.step_patterns != ["symmetric2", "symmetric1"]:
        command += " --step-patterns " + " ".join(args.step_patterns)
    if args.seeds != 3:
        command += f" --seeds {args.seeds}"
    if args.metrics != list(METRICS):
        command += " --metrics " + " ".join(args.metrics)
    block = (
        f"<!-- tables: {command} -->\n"
        f"Command: `{command}`. Hop {args.hop_length} at {SR} Hz "
        f"({1000 * args.hop_length / SR:.1f} ms frames), synthetic cases averaged over "
        f"{args.seeds} draws. Each cell: mean absolute error (ms) / % of frames within 50 ms / "
        "% within 100 ms.\n\n"
        f"{text}\n<!-- end tables -->"
    )
    old = path.read_text() if path.exists() else "<!-- tables -->\n<!-- end tables -->\n"
    before, _, rest = old.partition("<!-- tables")
    _, _, after = rest.partition("<!-- end tables -->")
    path.write_text(before + block + after)
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
