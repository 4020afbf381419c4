"""Feature extraction is estimated against the memory budget before it runs."""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest

from seqalign.audio.features import compute_features, feature_memory
from seqalign.cli.main import main


@pytest.mark.parametrize(
    ("name", "seconds", "hop", "sr"),
    [
        ("logmel", 10, 512, 22050),
        ("mfcc", 10, 512, 22050),
        ("chroma", 10, 512, 22050),
        ("chroma_cqt", 10, 512, 22050),
        ("chroma_dlnco", 10, 441, 22050),
        ("chroma_tuned", 10, 512, 44100),
        ("chroma_dlnco", 2, 20000, 22050),
        ("logmel", 2, 40000, 22050),
        ("chroma", 2, 20000, 22050),
        ("logmel", 2, 512, 200000),
        ("logmel", 10, 16, 22050),
    ],
)
def test_the_estimate_is_near_the_measured_peak(name, seconds, hop, sr) -> None:
    y = np.random.default_rng(0).standard_normal(seconds * sr).astype(np.float32)
    compute_features(y[: sr // 2], sr, name, hop)  # imports and caches outside the measure
    tracemalloc.start()
    try:
        compute_features(y, sr, name, hop)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = sum(feature_memory(len(y), sr, name, hop).values())
    assert 0.7 * peak <= estimate <= 3.0 * peak + 20e6


@pytest.fixture()
def wav(tmp_path, monkeypatch):
    soundfile = pytest.importorskip("soundfile")
    monkeypatch.chdir(tmp_path)
    sr = 22050
    t = np.arange(3 * sr) / sr
    soundfile.write("a.wav", 0.3 * np.sin(2 * np.pi * 440 * t), sr)
    return tmp_path


@pytest.mark.parametrize(
    ("command", "options", "expected"),
    [
        ("warp", ["--hop", "1000000"], "gives a single frame; give a smaller --hop-length"),
        ("segment", ["--hop", "1000000"], "gives a single frame"),
        ("warp", ["--hop", "40000", "--max-memory", "50MB"], "the cause is --hop-length 40000"),
        ("soft", ["--sample-rate", "1000000000"], "the cause is --sample-rate 1000000000"),
        ("segment", ["--sample-rate", "2000000000"], "the cause is --sample-rate 2000000000"),
        ("warp", ["--max-memory", "2MB"], "give a shorter input or a larger --max-memory"),
        ("warp", ["--hop", "2", "--max-memory", "100MB"], "the cause is --hop-length 2"),
    ],
)
def test_features_over_the_budget_are_refused_before_they_run(
    wav, capsys, command, options, expected
) -> None:
    inputs = ["a.wav"] if command == "segment" else ["a.wav", "a.wav"]
    output = ["--alignment", "out.npz"] if command == "soft" else ["-o", "out.csv"]
    if command == "warp":  # log-mel, whose FFT grows with the hop (a tone is music otherwise)
        options = [*options, "--preset", "none"]
    assert main([command, *inputs, *options, "-q", *output]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err
    assert "a.wav" in err
    assert os.listdir() == ["a.wav"]


def test_features_within_the_budget_run(wav) -> None:
    assert main(["warp", "a.wav", "a.wav", "--max-memory", "500MB", "-q", "-o", "out.csv"]) == 0
    assert os.path.getsize("out.csv") > 0
