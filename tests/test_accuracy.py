"""Accuracy against known time maps: DTW must put 90 % of the frames within 50 ms of the truth.

Two recordings with an exact truth:

* a synthesised piece that the test splits into four segments and time-stretches piecewise
  (``librosa.effects.time_stretch`` at 0.8x, 1.2x, 0.9x, 1.1x), so the true map is piecewise
  linear;
* the bundled example (``examples/take1.flac`` vs ``examples/take2.flac``: another timbre,
  rubato, detuning, noise) against ``examples/take2_truth.csv``, read through
  :func:`seqalign.io.read_sequence`.

The setting is the one ``benchmarks/feature_accuracy.py`` recommends for audio (see
``benchmarks/FEATURES.md``): log-mel features z-scored per feature, cosine local cost, and the
step pattern symmetric1. The criterion is NOT met with ``dtw``'s default step pattern,
symmetric2, by any feature set in general: while a note is held the features barely move, and
symmetric2 (diagonal step weighted 2) charges every monotone path through such a stretch the
same, so its path bends there; symmetric1 prefers the diagonal. On the stretched piece below,
symmetric2 reaches about 85 % within 50 ms with these features (chroma: about 59 %), symmetric1
about 98 % (chroma: about 93 %).
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import seqalign
from seqalign.audio.features import compute_features, feature_rate
from seqalign.io import ReadOptions, normalize, read_sequence

SR = 22050
HOP = 512  # 23 ms frames: the 50 ms tolerance is about two frames
FEATURES = "logmel"
NORMALIZE = "zscore"
METRIC = "cosine"
STEP_PATTERN = "symmetric1"
TOLERANCE = 0.050  # seconds
REQUIRED = 0.90  # share of frames within TOLERANCE
RATES = (0.8, 1.2, 0.9, 1.1)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def note(freq: float, seconds: float, gain: float) -> np.ndarray:
    """A harmonic tone (five partials, weights 1/k) with a 5 ms attack, exponential decay and a
    20 ms release at the end."""
    t = np.arange(int(seconds * SR)) / SR
    envelope = np.minimum(t / 0.005, 1.0) * np.exp(-t / 0.5)
    envelope *= np.clip((seconds - t) / 0.02, 0.0, 1.0)
    wave = sum(np.sin(2 * np.pi * k * freq * t) / k for k in range(1, 6))
    return gain * envelope * wave


def synthesise_piece(seed: int = 0, seconds: float = 8.0) -> np.ndarray:
    """A melody on the pentatonic scale (notes of one to four eighths) over a bass line that
    alternates root and fifth on every quarter note; 0.15 s eighths."""
    rng = np.random.default_rng(seed)
    eighth = 0.15
    out = np.zeros(int(seconds * SR) + SR)
    scale = np.array([0, 2, 4, 7, 9])
    degree, start = 7, 0.0
    while start < seconds:
        degree = int(np.clip(degree + rng.choice([-2, -1, 1, 2]), 0, 12))
        pitch = 60 + 12 * (degree // 5) + scale[degree % 5]
        length = eighth * rng.choice([1, 2, 2, 3, 4])
        first = int(start * SR)
        tone = note(440.0 * 2 ** ((pitch - 69) / 12), length, 0.3)
        out[first : first + tone.size] += tone
        start += length
    roots = (48, 45, 41, 43)  # C, A, F, G
    for beat in range(int(seconds / (2 * eighth))):
        root = roots[(beat // 8) % len(roots)]
        pitch = root + (7 if beat % 2 else 0)
        first = int(beat * 2 * eighth * SR)
        tone = note(440.0 * 2 ** ((pitch - 69) / 12), 2 * eighth, 0.2)
        out[first : first + tone.size] += tone
    out = out[: int(seconds * SR)]
    return 0.8 * out / np.abs(out).max()


@functools.cache
def _synth():
    """``examples/make_examples.py``, the examples' synthesiser (a script, not a package)."""
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def stretch_piecewise(signal: np.ndarray, rates=RATES):
    """Time-stretch equal segments of ``signal``; the result and the true map's knots."""
    return _synth().stretch_piecewise(signal, rates, SR)


def share_within(a: np.ndarray, b: np.ndarray, rate: float, knots: np.ndarray) -> float:
    """Share of the frames of ``a`` (inside the truth's span) whose matched time in ``b`` is
    within TOLERANCE of the true time."""
    alignment = seqalign.dtw(a, b, metric=METRIC, step_pattern=STEP_PATTERN)
    a_times, b_times = seqalign.time_map(alignment.path, alignment.n, rate_a=rate, rate_b=rate)
    inside = (a_times >= knots[0, 0]) & (a_times <= knots[-1, 0])
    truth = np.interp(a_times[inside], knots[:, 0], knots[:, 1])
    return float(np.mean(np.abs(b_times[inside] - truth) <= TOLERANCE))


@pytest.fixture(scope="module")
def stretched_piece():
    original = synthesise_piece()
    stretched, knots = stretch_piecewise(original)
    a = normalize(compute_features(original, SR, FEATURES, HOP), NORMALIZE)
    b = normalize(compute_features(stretched, SR, FEATURES, HOP), NORMALIZE)
    return a, b, knots


def test_stretch_knots_are_the_segment_lengths() -> None:
    signal = np.zeros(4 * SR)
    stretched, knots = stretch_piecewise(signal)
    assert knots[-1, 1] == pytest.approx(stretched.size / SR)
    expected = np.cumsum([0.0, *(1.0 / r for r in RATES)])
    np.testing.assert_allclose(knots[:, 1], expected, atol=1.0 / SR)


def test_piecewise_stretch_is_recovered_within_50_ms(stretched_piece) -> None:
    a, b, knots = stretched_piece
    share = share_within(a, b, feature_rate(SR, HOP), knots)
    assert share >= REQUIRED, f"{share:.1%} of frames within {TOLERANCE * 1000:.0f} ms"


def test_bundled_example_is_aligned_within_50_ms() -> None:
    paths = [EXAMPLES / name for name in ("take1.flac", "take2.flac", "take2_truth.csv")]
    missing = [path.name for path in paths if not path.exists()]
    if missing:
        pytest.skip(f"bundled example absent ({', '.join(missing)})")
    options = ReadOptions(features=FEATURES, normalize=NORMALIZE, sample_rate=SR, hop_length=HOP)
    a = read_sequence(paths[0], options)
    b = read_sequence(paths[1], options)
    assert a.rate == b.rate == feature_rate(SR, HOP)
    knots = np.loadtxt(paths[2], delimiter=",", skiprows=1, ndmin=2)
    share = share_within(a.data, b.data, a.rate, knots)  # symmetric2: about 85 %
    assert share >= REQUIRED, f"{share:.1%} of frames within {TOLERANCE * 1000:.0f} ms"
