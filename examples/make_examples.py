"""Synthesise the bundled example: two takes of one short piece and the true time map between them.

Both takes are rendered from one score (a 40-note melody over a soft broken chord per bar), so the
time of every note onset is known in both, and the true map from take 1 to take 2 is exactly
piecewise linear between onsets:

``take1.flac``
    The score at a steady tempo, about 20 s at 22050 Hz, mono, 16-bit FLAC.
``take2.flac``
    The same score with a smoothly varying tempo (local tempo 0.8x to 1.25x of take 1, held
    constant between consecutive onsets; each note's decay follows the score time, so the
    whole performance, envelopes included, is a time warp of take 1), a different timbre
    (other harmonic weights and attacks), tuned 8 cents sharp, small per-note loudness
    changes, a different lead-in, mains hum and a hiss floor, and a level 2 dB lower.
``take2_truth.csv``
    ``take1_time,take2_time`` in seconds: one row per distinct note onset, then the end of
    the files (where the last note ends in each take).

Run from the repository root (about a second; the output is the same on every run)::

    python examples/make_examples.py

The synthesis helpers (:func:`melody_score`, :func:`render`, :class:`Timbre`) are also used by
``benchmarks/feature_accuracy.py``.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SR = 22050
SEED = 20240611
SCORE_SECONDS = 20.0  # from the first onset to the end of the last note, in take 1
C_MAJOR = (0, 2, 4, 5, 7, 9, 11)
PROGRESSION = ((0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14))  # C, Am, F, G above MIDI 48
BEATS_PER_BAR = 4


@dataclass(frozen=True)
class Note:
    """One note of a score: onset and duration in beats, MIDI pitch, linear gain, voice
    (0 melody, 1 accompaniment)."""

    onset: float
    duration: float
    pitch: int
    gain: float
    voice: int = 0


@dataclass(frozen=True)
class Timbre:
    """A harmonic tone: weights of harmonics 1, 2, ...; its loudness envelope.

    The envelope rises linearly over ``attack`` seconds, then decays as ``exp(-b / decay)``
    where ``b`` is the score time in beats since the onset (so a note that a player holds
    longer also decays more slowly), and after the note ends falls as
    ``exp(-t / release)`` (``t`` in seconds) for ``5 * release``.
    """

    harmonics: tuple[float, ...]
    attack: float
    decay: float
    release: float


# Five harmonics at most: every extra partial costs FLAC about 20 KiB per take.
#: Take 1: a bright tone (weights 1/k).
TIMBRE_1 = Timbre(tuple(1.0 / k for k in range(1, 6)), attack=0.012, decay=2.0, release=0.06)
#: Take 2: odd harmonics stronger (clarinet-like) and a softer attack.
TIMBRE_2 = Timbre((1.0, 0.15, 0.5, 0.1, 0.3), attack=0.025, decay=2.0, release=0.08)
#: The soft accompaniment: few harmonics, a gentle attack.
PAD_1 = Timbre((1.0, 0.3, 0.1), attack=0.03, decay=4.0, release=0.12)
PAD_2 = Timbre((1.0, 0.4, 0.2), attack=0.04, decay=4.0, release=0.15)
#: Broken-chord pattern: chord tone (0 root, 1 third, 2 fifth) of each eighth note of a bar.
ALBERTI = (0, 2, 1, 2, 0, 2, 1, 2)
#: Take 2 is tuned this many cents sharp.
DETUNE_CENTS = 8.0


def samples(seconds: float, sr: int = SR) -> int:
    """The sample nearest to ``seconds``."""
    return int(np.rint(seconds * sr))


def midi_to_hz(pitch: float) -> float:
    """Frequency in Hz of a MIDI pitch (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)


def melody_score(
    rng: np.random.Generator,
    n_notes: int = 40,
    *,
    durations: tuple[float, ...] = (0.5, 0.5, 1.0, 1.0, 1.0, 1.5, 2.0),
    low: int = 9,
    high: int = 20,
    chord_gain: float = 0.3,
    broken: bool = True,
) -> list[Note]:
    """A melody (a random walk on the C major scale) over one triad per bar, sorted by onset.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    n_notes : int
        Melody notes; the last one is lengthened to fill its bar.
    durations : tuple of float
        Note durations in beats, drawn uniformly (repeat a value to make it likelier).
    low, high : int
        Range of the walk in scale steps above C3 (9 = E4, 20 = B5).
    chord_gain : float
        Gain of each chord tone relative to a melody note; 0 leaves the chords out.
    broken : bool
        Play each chord as eighth notes (:data:`ALBERTI`), else as one held block chord.

    Returns
    -------
    list of Note
    """
    degree = (low + high) // 2
    beat = 0.0
    melody = []
    for k in range(n_notes):
        step = 0
        while step == 0 or not low <= degree + step <= high:
            step = int(rng.choice((-3, -2, -1, -1, 1, 1, 2, 3)))
        degree += step
        pitch = 48 + 12 * (degree // 7) + C_MAJOR[degree % 7]
        duration = float(rng.choice(durations))
        if k == n_notes - 1:
            duration += -(beat + duration) % BEATS_PER_BAR
        melody.append(Note(beat, duration, pitch, float(rng.uniform(0.8, 1.0))))
        beat += duration
    bars = round(beat / BEATS_PER_BAR) if chord_gain > 0 else 0
    chords = []
    for bar in range(bars):
        triad = PROGRESSION[bar % len(PROGRESSION)]
        start = bar * BEATS_PER_BAR
        if broken:
            chords += [
                Note(start + 0.5 * k, 0.5, 48 + triad[tone], chord_gain, voice=1)
                for k, tone in enumerate(ALBERTI)
            ]
        else:
            chords += [Note(start, BEATS_PER_BAR, 48 + p, chord_gain, voice=1) for p in triad]
    return sorted(melody + chords, key=lambda note: (note.onset, note.voice, note.pitch))


def tone(
    freq: float, elapsed: np.ndarray, held: int, gain: float, timbre: Timbre, sr: int = SR
) -> np.ndarray:
    """One harmonic note with its release tail.

    Parameters
    ----------
    freq : float
        Fundamental in Hz; harmonics above 0.45 ``sr`` are left out.
    elapsed : ndarray, shape (held,)
        Score time in beats since the onset at each sample while the note is held.
    held : int
        Samples from the onset to the end of the note; the release follows.
    gain : float
        Peak amplitude (before the harmonic weights are normalised to sum 1).
    timbre : Timbre
    sr : int
        Sample rate.

    Returns
    -------
    ndarray, shape (held + 5 * release * sr,)
        The same arguments give the same samples (sine phase for every harmonic).
    """
    tail = samples(5.0 * timbre.release, sr)
    t = np.arange(held + tail) / sr
    envelope = np.empty(t.size)
    envelope[:held] = np.exp(-elapsed / timbre.decay)
    envelope[held:] = (envelope[held - 1] if held else 1.0) * np.exp(
        -(t[held:] - t[held]) / timbre.release
    )
    envelope *= np.minimum(t / timbre.attack, 1.0)
    wave = np.zeros(t.size)
    for k, weight in enumerate(timbre.harmonics, start=1):
        if k * freq < 0.45 * sr:
            wave += weight * np.sin(2.0 * np.pi * k * freq * t)
    return gain * envelope * wave / sum(timbre.harmonics)


def render(
    notes: list[Note],
    beat_times: tuple[np.ndarray, np.ndarray],
    timbres: tuple[Timbre, Timbre],
    total_seconds: float,
    *,
    gains: np.ndarray | None = None,
    transpose: float = 0.0,
    sr: int = SR,
) -> np.ndarray:
    """Render a score; note times come from a piecewise-linear beat -> seconds map.

    Parameters
    ----------
    notes : list of Note
    beat_times : (ndarray, ndarray)
        Knots of the map: beats (increasing) and their times in seconds (increasing).
    timbres : (Timbre, Timbre)
        Timbre of the melody (voice 0) and of the accompaniment (voice 1).
    total_seconds : float
        Length of the output; the last 50 ms fade out.
    gains : ndarray, optional
        Extra gain per note.
    transpose : float
        Added to every pitch, in semitones (0.08 is 8 cents sharp).
    sr : int
        Sample rate.

    Returns
    -------
    ndarray, shape (round(total_seconds * sr),)
    """
    beats, seconds = beat_times
    out = np.zeros(samples(total_seconds, sr))
    for k, note in enumerate(notes):
        start, stop = np.interp([note.onset, note.onset + note.duration], beats, seconds)
        first, last = samples(start, sr), samples(stop, sr)
        elapsed = np.interp(np.arange(first, last) / sr, seconds, beats) - note.onset
        timbre = timbres[note.voice]
        gain = note.gain * (1.0 if gains is None else gains[k])
        wave = tone(midi_to_hz(note.pitch + transpose), elapsed, last - first, gain, timbre, sr)
        wave = wave[: max(0, out.size - first)]
        out[first : first + wave.size] += wave
    fade = int(0.05 * sr)
    out[-fade:] *= np.linspace(1.0, 0.0, fade)
    return out


def onset_beats(notes: list[Note]) -> np.ndarray:
    """Distinct onsets in beats, then the end of the score."""
    end = max(note.onset + note.duration for note in notes)
    return np.append(np.unique([note.onset for note in notes]), end)


def rubato(beats: np.ndarray, rng: np.random.Generator, low: float = 0.8, high: float = 1.25):
    """Local tempo (relative speed) for each interval between consecutive ``beats``.

    A smooth random curve (two slow sinusoids through ``tanh``) inside ``[low, high]``, taken at
    the middle of each interval and held constant across it.
    """
    phase = rng.uniform(0.0, 2.0 * np.pi, size=2)
    mid = 0.5 * (beats[1:] + beats[:-1])
    curve = 0.7 * np.sin(2 * np.pi * mid / 13.0 + phase[0]) + 0.3 * np.sin(
        2 * np.pi * mid / 5.3 + phase[1]
    )
    centre, half = 0.5 * (np.log(high) + np.log(low)), 0.5 * (np.log(high) - np.log(low))
    return np.exp(centre + half * np.tanh(1.6 * curve))


def make_takes(seed: int = SEED, sr: int = SR):
    """The two takes and the truth table.

    Returns
    -------
    take1, take2 : ndarray
        float64 mono signals at ``sr``.
    truth : ndarray, shape (n_onsets + 1, 2)
        Seconds in take 1 and take 2 of each distinct onset and of the end.
    """
    rng = np.random.default_rng(seed)
    notes = melody_score(rng)
    beats = onset_beats(notes)
    beat_seconds = SCORE_SECONDS / beats[-1]
    lead_in_1, lead_in_2 = 0.25, 0.4
    times_1 = lead_in_1 + beat_seconds * beats
    speed = rubato(beats, rng)
    times_2 = lead_in_2 + np.concatenate(([0.0], np.cumsum(beat_seconds * np.diff(beats) / speed)))

    take1 = render(notes, (beats, times_1), (TIMBRE_1, PAD_1), times_1[-1], sr=sr)
    loudness = 10.0 ** (rng.normal(0.0, 1.0, size=len(notes)) / 20.0)  # about +-1 dB per note
    take2 = render(
        notes,
        (beats, times_2),
        (TIMBRE_2, PAD_2),
        times_2[-1],
        gains=loudness,
        transpose=DETUNE_CENTS / 100.0,
        sr=sr,
    )

    take1 *= 0.8 / np.abs(take1).max()
    take2 *= 0.8 * 10.0 ** (-2.0 / 20.0) / np.abs(take2).max()
    # Mains hum at -50 dBFS and a hiss floor at -84 dBFS (white noise is what makes FLAC big).
    t = np.arange(take2.size) / sr
    hum = 0.8 * np.sin(2 * np.pi * 60.0 * t) + 0.2 * np.sin(2 * np.pi * 120.0 * t + 1.0)
    take2 += 10.0 ** (-50.0 / 20.0) * np.sqrt(2.0) * hum
    take2 += rng.normal(0.0, 10.0 ** (-84.0 / 20.0), size=take2.size)
    return take1, take2, np.column_stack((times_1, times_2))


def stretch_piecewise(signal: np.ndarray, rates: tuple[float, ...], sr: int = SR):
    """Split ``signal`` into ``len(rates)`` equal segments and time-stretch each at its rate
    (``librosa.effects.time_stretch``; rate > 1 is faster).

    Returns
    -------
    stretched : ndarray
    knots : ndarray, shape (len(rates) + 1, 2)
        Segment boundaries in seconds in the original and in the stretched signal; the true map
        is linear between them.
    """
    import librosa

    bounds = np.linspace(0, signal.size, len(rates) + 1).astype(int)
    pieces = [
        librosa.effects.time_stretch(signal[a:b], rate=rate)
        for a, b, rate in zip(bounds[:-1], bounds[1:], rates)
    ]
    lengths = np.concatenate(([0], np.cumsum([piece.size for piece in pieces])))
    return np.concatenate(pieces), np.column_stack((bounds, lengths)) / sr


def write_truth(path: Path, truth: np.ndarray) -> None:
    """Write the truth table as ``take1_time,take2_time`` with millisecond-exact decimals."""
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(("take1_time", "take2_time"))
        writer.writerows((f"{a:.6f}", f"{b:.6f}") for a, b in truth)


def main(argv: list[str] | None = None) -> None:
    import soundfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="output folder"
    )
    args = parser.parse_args(argv)
    take1, take2, truth = make_takes()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, signal in (("take1.flac", take1), ("take2.flac", take2)):
        soundfile.write(
            args.out / name, signal, SR, format="FLAC", subtype="PCM_16", compression_level=1.0
        )
    write_truth(args.out / "take2_truth.csv", truth)
    for name in ("take1.flac", "take2.flac", "take2_truth.csv"):
        path = args.out / name
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    print(
        f"take 1: {take1.size / SR:.2f} s, take 2: {take2.size / SR:.2f} s, "
        f"{truth.shape[0] - 1} onsets"
    )


if __name__ == "__main__":
    main()
