"""Readers and writers on real files: shapes, rates, sniffing, normalisation, every bad input."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile

from seqalign.audio.features import feature_names
from seqalign.errors import InputError
from seqalign.io import (
    WRITE_FORMATS,
    ReadOptions,
    Sequence,
    atomic_output,
    normalize,
    read_sequence,
    write_path,
    write_time_map,
)

SR = 22050
HOP = 512
DEFAULT_DIMS = len(feature_names(ReadOptions().features))  # the default audio feature set


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path so that files have short relative names and messages are exact."""
    monkeypatch.chdir(tmp_path)


def tones(seconds: float = 1.5, sr: int = SR) -> np.ndarray:
    """A, C, E: one tone per third of the signal."""
    t = np.arange(int(seconds * sr)) / sr
    freq = np.select([t < seconds / 3, t < 2 * seconds / 3], [440.0, 523.25], 659.26)
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def message(error: pytest.ExceptionInfo[InputError]) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


# -- audio --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["song.wav", "song.flac", "song.ogg"])
def test_audio_is_time_first_at_the_feature_rate(name: str) -> None:
    signal = tones()
    soundfile.write(name, signal, SR)
    seq = read_sequence(name, ReadOptions(features="chroma"))
    assert seq.kind == "audio"
    assert seq.data.shape == (1 + signal.size // HOP, 12)
    assert seq.data.dtype == np.float64
    assert seq.data.flags.c_contiguous
    assert seq.rate == SR / HOP
    assert seq.feature_names[9] == "A"
    assert seq.source == name
    third = seq.n_frames // 3
    assert [int(seq.data[k].argmax()) for k in (third // 2, third + third // 2)] == [9, 0]


def test_audio_is_mixed_to_mono_and_resampled() -> None:
    mono = tones(1.0, sr=44100)
    soundfile.write("mono.wav", mono, 44100)
    soundfile.write("stereo.wav", np.column_stack([mono, mono]), 44100)
    a = read_sequence("mono.wav")
    b = read_sequence("stereo.wav")
    assert a.data.shape == (1 + SR // HOP, DEFAULT_DIMS)
    np.testing.assert_allclose(a.data, b.data, atol=1e-6)


@pytest.mark.parametrize(
    ("options", "shape", "rate"),
    [
        (ReadOptions(sample_rate=16000, hop_length=160), (101, DEFAULT_DIMS), 100.0),
        (ReadOptions(features="mfcc"), (44, 20), SR / HOP),
        (ReadOptions(features="logmel", hop_length=1024), (22, 64), SR / 1024),
    ],
)
def test_audio_options(options: ReadOptions, shape: tuple[int, int], rate: float) -> None:
    soundfile.write("one.wav", tones(1.0), SR)
    seq = read_sequence("one.wav", options)
    assert (seq.data.shape, seq.rate) == (shape, rate)


def test_audio_shorter_than_a_hop_is_refused_before_its_features() -> None:
    soundfile.write("blip.wav", np.zeros(100, dtype=np.float32), SR)
    with pytest.raises(InputError) as error:
        read_sequence("blip.wav")
    assert message(error).startswith("blip.wav: 0.00454 s of audio at --hop-length 512")
    assert message(error).endswith("gives a single frame; give a smaller --hop-length")
    soundfile.write("two.wav", np.zeros(512, dtype=np.float32), SR)
    assert read_sequence("two.wav").data.shape == (2, DEFAULT_DIMS)


def test_zero_length_audio_is_an_error() -> None:
    soundfile.write("empty.wav", np.zeros(0, dtype=np.float32), SR)
    with pytest.raises(InputError) as error:
        read_sequence("empty.wav")
    assert message(error) == "empty.wav: the audio is empty (0 samples)"


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_audio_with_a_non_finite_sample_is_an_error(value: float) -> None:
    """A float file with one damaged sample (in one channel of two): refused by name and
    position, not turned into NaN features."""
    samples = np.stack([tones(1.0), tones(1.0)], axis=1).astype(np.float32)
    samples[2205, 1] = value
    soundfile.write("damaged.wav", samples, SR, subtype="FLOAT")
    with pytest.raises(InputError) as error:
        read_sequence("damaged.wav")
    assert message(error) == ("damaged.wav: sample 2205 (at 0.100 s) is NaN or infinite (1 in "
                              "all); the file is damaged: repair or re-export it")  # fmt: skip


def test_corrupt_audio_is_an_error() -> None:
    Path("song.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(InputError) as error:
        read_sequence("song.wav")
    assert message(error).startswith("song.wav: cannot read audio (corrupt or unsupported format: ")


# -- arrays -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("array", "shape"),
    [
        (np.arange(5.0), (5, 1)),
        (np.arange(12).reshape(6, 2), (6, 2)),
        (np.asfortranarray(np.ones((4, 3), dtype=np.float32)), (4, 3)),
        (np.array([True, False]), (2, 1)),
    ],
)
def test_npy_becomes_float64_frames(array: np.ndarray, shape: tuple[int, int]) -> None:
    np.save("a.npy", array)
    seq = read_sequence("a.npy")
    assert (seq.data.shape, seq.data.dtype, seq.kind, seq.rate) == (
        shape,
        np.float64,
        "array",
        None,
    )
    assert seq.data.flags.c_contiguous
    np.testing.assert_array_equal(seq.data.ravel(), np.asarray(array, dtype=float).ravel())
    np.testing.assert_array_equal(seq.times(), np.arange(shape[0]))


def test_npy_rate_gives_times() -> None:
    np.save("a.npy", np.zeros((4, 2)))
    seq = read_sequence("a.npy", ReadOptions(rate=2.0))
    assert seq.rate == 2.0
    np.testing.assert_array_equal(seq.times(), [0.0, 0.5, 1.0, 1.5])


@pytest.mark.parametrize(("key", "column"), [("feat", 0.0), ("arr_0", 1.0)])
def test_npz_key_selects_an_array(key: str, column: float) -> None:
    np.savez("take1.npz", np.ones((3, 2)), feat=np.zeros((5, 4)))
    seq = read_sequence("take1.npz", ReadOptions(key=key))
    assert np.all(seq.data == column)


def test_npz_with_one_array_needs_no_key() -> None:
    np.savez("one.npz", emb=np.ones((3, 2)))
    assert read_sequence("one.npz").data.shape == (3, 2)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("emb", "take1.npz: no array named 'emb' (--key); available: 'arr_0', 'feat'"),
        (None, "take1.npz: holds 2 arrays ('arr_0', 'feat'); choose one with --key"),
    ],
)
def test_npz_key_errors_list_the_arrays(key: str | None, expected: str) -> None:
    np.savez("take1.npz", np.ones((3, 2)), feat=np.zeros((5, 4)))
    with pytest.raises(InputError) as error:
        read_sequence("take1.npz", ReadOptions(key=key))
    assert message(error) == expected
    assert error.value.argument == "key"


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.zeros((2, 3, 4)), "a.npy: the array has shape (2, 3, 4) (3-D); expected 1-D"),
        (np.array(["a", "b"]), "a.npy: the array has non-numeric dtype <U1"),
        (np.zeros(3, dtype=complex), "a.npy: the array is complex (complex128)"),
        (np.array(1.5), "a.npy: the array is a single number, not a sequence of frames"),
        (np.zeros((0, 3)), "a.npy: no frames (the input is empty)"),
        (np.zeros((5, 0)), "a.npy: no features (shape (5, 0))"),
        (np.zeros(3, dtype=[("x", float)]), "a.npy: the array is a structured array"),
    ],
)
def test_bad_arrays(array: np.ndarray, expected: str) -> None:
    np.save("a.npy", array)
    with pytest.raises(InputError) as error:
        read_sequence("a.npy")
    assert message(error).startswith(expected)


def test_pickled_arrays_are_not_loaded() -> None:
    np.save("a.npy", np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match=r"^a\.npy: not a numeric array file: the array holds"):
        read_sequence("a.npy")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.nan, "a.npy: frame 12, feature 3 is NaN; give --missing interpolate or --missing drop"),
        (np.inf, "a.npy: frame 12, feature 3 is inf; give --missing interpolate or --missing drop"),
        (-np.inf, "a.npy: frame 12, feature 3 is -inf; give --missing interpolate or --missing"),
    ],
)
def test_non_finite_values_are_located(value: float, expected: str) -> None:
    data = np.zeros((20, 5))
    data[12, 3] = value
    data[15, 0] = value
    np.save("a.npy", data)
    with pytest.raises(InputError) as error:
        read_sequence("a.npy")
    assert message(error).startswith(expected)
    assert message(error).endswith("(2 in all)")


# -- tables -------------------------------------------------------------------------------------

LOG = "t,acc_x,acc_y\n0.5,1,2\n0.51,3,4\n0.52,5,6\n0.53,7,8\n"


def test_csv_time_column_gives_rate_and_start_time() -> None:
    Path("log.csv").write_text(LOG)
    seq = read_sequence("log.csv")
    assert seq.kind == "table"
    assert seq.feature_names == ("acc_x", "acc_y")
    assert (seq.rate, seq.start_time) == (100.0, 0.5)
    np.testing.assert_array_equal(seq.data, [[1, 2], [3, 4], [5, 6], [7, 8]])
    np.testing.assert_allclose(seq.times(), [0.5, 0.51, 0.52, 0.53])


@pytest.mark.parametrize("name", ["time", "t", "Timestamp", "SECONDS"])
def test_time_column_is_detected_by_name(name: str) -> None:
    Path("log.csv").write_text(f"x,{name}\n1,0\n2,0.25\n3,0.5\n")
    seq = read_sequence("log.csv")
    assert (seq.feature_names, seq.rate) == (("x",), 4.0)


@pytest.mark.parametrize(
    ("options", "names", "rate"),
    [
        (ReadOptions(columns=("acc_y",)), ("acc_y",), 100.0),
        (ReadOptions(columns=("acc_y", "acc_x")), ("acc_y", "acc_x"), 100.0),
        (ReadOptions(rate=10.0), ("acc_x", "acc_y"), 10.0),
        (ReadOptions(time_column="acc_x"), ("t", "acc_y"), 0.5),
    ],
)
def test_table_columns_and_timing(
    options: ReadOptions, names: tuple[str, ...], rate: float
) -> None:
    Path("log.csv").write_text(LOG)
    seq = read_sequence("log.csv", options)
    assert (seq.feature_names, seq.rate, seq.data.shape) == (names, rate, (4, len(names)))


def test_text_columns_are_skipped_by_default() -> None:
    Path("log.csv").write_text("time,label,x\n0,walk,1\n1,run,2\n")
    assert read_sequence("log.csv").feature_names == ("x",)


def test_table_without_time_column_has_frame_times() -> None:
    Path("log.csv").write_text("x,y\n1,2\n3,4\n")
    seq = read_sequence("log.csv")
    assert (seq.rate, seq.start_time) == (None, 0.0)
    np.testing.assert_array_equal(seq.times(), [0, 1])


def test_irregular_timestamps_are_resampled_by_linear_interpolation() -> None:
    rng = np.random.default_rng(1)
    times = 2.0 + np.cumsum(rng.uniform(0.05, 0.15, size=40))
    values = np.column_stack([np.sin(times), times**2])
    rows = "".join(f"{t!r},{x!r},{y!r}\n" for t, (x, y) in zip(times.tolist(), values.tolist()))
    Path("log.csv").write_text("time,x,y\n" + rows)
    seq = read_sequence("log.csv")
    step = np.median(np.diff(times))
    assert seq.rate == pytest.approx(1 / step, rel=1e-9)
    assert seq.start_time == times[0]
    grid = seq.times()
    assert grid[-1] <= times[-1] < grid[-1] + 1 / seq.rate
    expected = np.column_stack([np.interp(grid, times, values[:, j]) for j in range(2)])
    np.testing.assert_allclose(seq.data, expected, rtol=1e-12)


def test_jitter_within_tolerance_is_not_resampled() -> None:
    times = np.arange(50) * 0.01 + np.tile([0.0, 0.00004], 25)
    rows = "".join(f"{t!r},{k}\n" for k, t in enumerate(times.tolist()))
    Path("log.csv").write_text("t,x\n" + rows)
    seq = read_sequence("log.csv")
    np.testing.assert_array_equal(seq.data[:, 0], np.arange(50))
    assert seq.rate == pytest.approx(100.0, rel=1e-3)


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("log.tsv", "t\tx\ty\n0\t1\t2\n0.5\t3\t4\n", None),
        ("log.tab", "t\tx\ty\n0\t1\t2\n0.5\t3\t4\n", None),
        ("log.txt", "t\tx\ty\n0\t1\t2\n0.5\t3\t4\n", None),
        ("log.txt", "t;x;y\n0;1;2\n0.5;3;4\n", None),
        ("log.txt", "t  x y\n 0  1 2\n0.5 3   4\n", None),
        ("log.dat", '"t","x","y"\n0,1,2\n\n0.5,3,4\n', None),
        ("log.dat", "# t,x,y\n0,1,2\n0.5,3,4\n", "csv"),
        ("log.csv", "\ufefft,x,y\r\n0,1,2\r\n0.5,3,4\r\n", None),
    ],
)
def test_delimiters_and_dialects(name: str, text: str, fmt: str | None) -> None:
    Path(name).write_text(text, encoding="utf-8")
    seq = read_sequence(name, ReadOptions(format=fmt))
    assert (seq.feature_names, seq.rate) == (("x", "y"), 2.0)
    np.testing.assert_array_equal(seq.data, [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        (
            LOG,
            ReadOptions(columns=("acc_q",)),
            "log.csv: column 'acc_q' not found (--column); available: t, acc_x, acc_y",
        ),
        (
            LOG,
            ReadOptions(time_column="when"),
            "log.csv: column 'when' not found (--time-column); available: t, acc_x, acc_y",
        ),
        (
            "t,x\n0,1\n0.1,\n",
            ReadOptions(),
            "log.csv: missing value at line 3, column 'x'; give --missing interpolate or "
            "--missing drop",
        ),
        (
            "t,x\n0,1\n0.1,nan\n",
            ReadOptions(),
            "log.csv: missing value at line 3, column 'x'; give --missing interpolate or "
            "--missing drop",
        ),
        (
            "t,x\n0,1\n0.1,NA\n",
            ReadOptions(),
            "log.csv: missing value at line 3, column 'x'; give --missing interpolate or "
            "--missing drop",
        ),
        ("t,x\n0,1\n0.1,inf\n", ReadOptions(), "log.csv: line 3, column 'x' is inf"),
        ("t,x\n0,1\n0.1,1.2.3\n", ReadOptions(), "log.csv: line 3, column 'x': '1.2.3' is not"),
        (
            "t,x\n0,1\n\n0.2,2\n0.1,3\n",
            ReadOptions(),
            "log.csv: line 5: time 0.1 is not after the previous 0.2 (time column 't', "
            "--time-column); timestamps must be strictly increasing",
        ),
        ("t,x\n0,1\n0,2\n", ReadOptions(), "log.csv: line 3: time 0.0 is not after"),
        (
            "t,x\n0,1\n,2\n",
            ReadOptions(),
            "log.csv: missing value at line 3, time column 't'",
        ),
        (
            "time,label\n0,walk\n1,run\n",
            ReadOptions(columns=("label",)),
            "log.csv: column 'label' (--column) is not numeric (e.g. 'walk')",
        ),
        (
            "time,label\n0,walk\n1,run\n",
            ReadOptions(),
            "log.csv: no numeric columns besides the time column 'time' (--column); "
            "available: time, label",
        ),
        ("1,2\n3,4,5\n", ReadOptions(), "log.csv: line 2 has 3 fields but the header has 2"),
        ("t,x\n", ReadOptions(), "log.csv: the table has a header but no rows (empty)"),
        ("", ReadOptions(), "log.csv: the table is empty (no header, no rows)"),
        ("t,x\n0,1\n1,2,3\n", ReadOptions(), "log.csv: line 3 has 3 fields but the header has 2"),
        ("t,x,x\n0,1,2\n", ReadOptions(), "log.csv: column name 'x' appears twice in the header"),
        ("t,x\n0,1\n", ReadOptions(normalize="zscore"), None),
    ],
)
def test_bad_tables(text: str, options: ReadOptions, expected: str | None) -> None:
    Path("log.csv").write_text(text)
    if expected is None:  # a single timed row has no rate, but is valid
        seq = read_sequence("log.csv", options)
        assert (seq.rate, seq.data.tolist()) == (None, [[0.0]])
        return
    with pytest.raises(InputError) as error:
        read_sequence("log.csv", options)
    assert message(error).startswith(expected)


@pytest.mark.parametrize("text", ["1,2\n3,4\n", "1 2\n3 4\n", "1\t2\n3\t4\n", "1, 2\n3, 4\n"])
def test_headerless_numbers_are_frames(text: str) -> None:
    Path("log.csv").write_text(text)
    seq = read_sequence("log.csv")
    assert seq.data.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert seq.feature_names == ("column_1", "column_2")


def test_binary_and_non_utf8_tables_are_errors() -> None:
    Path("bin.csv").write_bytes(b"t,x\n\x00\x01")
    Path("latin.csv").write_bytes("t,café\n0,1\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"^bin\.csv: looks like a binary file"):
        read_sequence("bin.csv")
    with pytest.raises(InputError, match=r"^latin\.csv: is not UTF-8 text"):
        read_sequence("latin.csv")


def test_huge_gaps_are_not_resampled_into_huge_arrays() -> None:
    times = [*(np.arange(10) * 0.01).tolist(), 1e6]
    Path("log.csv").write_text("t,x\n" + "".join(f"{t!r},1\n" for t in times))
    with pytest.raises(InputError, match=r"largest gap before line 12"):
        read_sequence("log.csv")


# -- standard input -----------------------------------------------------------------------------


def _wav_bytes() -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, tones(1.0), SR, format="WAV")
    return buffer.getvalue()


def _npz_bytes() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, feat=np.ones((7, 3)))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "kind", "shape"),
    [
        (lambda: npy_bytes(np.ones((6, 2))), "array", (6, 2)),
        (_npz_bytes, "array", (7, 3)),
        (lambda: b"time,x\n0,1\n0.5,2\n1.0,3\n", "table", (3, 1)),
        (lambda: b"time\tx\ty\n0\t1\t2\n", "table", (1, 2)),
        (_wav_bytes, "audio", (1 + SR // HOP, DEFAULT_DIMS)),
    ],
)
def test_standard_input_is_sniffed(monkeypatch, make, kind: str, shape) -> None:
    feed_stdin(monkeypatch, make())
    seq = read_sequence("-")
    assert (seq.source, seq.label, seq.kind, seq.data.shape) == ("-", "standard input", kind, shape)


def test_standard_input_format_can_be_forced(monkeypatch) -> None:
    feed_stdin(monkeypatch, b"a,b,c\tz\n1\t2\n")
    assert read_sequence("-", ReadOptions(format="tsv")).feature_names == ("a,b,c", "z")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "standard input: no data (the input is empty)"),
        (b"\x01\x02\x00\x00", "standard input: unrecognised binary content; give --input-format"),
        (npy_bytes(np.zeros((2, 2, 2))), "standard input: the array has shape (2, 2, 2)"),
        (b"t,x\n0,1\n0,2\n", "standard input: line 3: time 0.0 is not after"),
    ],
)
def test_standard_input_errors_say_standard_input(monkeypatch, data: bytes, expected: str) -> None:
    feed_stdin(monkeypatch, data)
    with pytest.raises(InputError) as error:
        read_sequence("-")
    assert message(error).startswith(expected)


# -- files, options, normalisation --------------------------------------------------------------


def test_missing_file_and_directory() -> None:
    os.mkdir("folder.npy")
    with pytest.raises(InputError) as missing:
        read_sequence("missing.wav")
    with pytest.raises(InputError) as folder:
        read_sequence("folder.npy")
    with pytest.raises(InputError) as deep:
        read_sequence(Path("no") / "such.csv")
    assert message(missing) == "missing.wav: no such file"
    assert message(folder) == "folder.npy: is a directory, not a file"
    assert message(deep) == f"{Path('no') / 'such.csv'}: no such file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file() -> None:
    np.save("secret.npy", np.zeros(3))
    os.chmod("secret.npy", 0)
    with pytest.raises(InputError, match=r"^secret\.npy: permission denied$"):
        read_sequence("secret.npy")


@pytest.mark.parametrize(
    ("content", "kind"),
    [(npy_bytes(np.ones((3, 1))), "array"), (b"x,y\n1,2\n", "table")],
)
def test_unknown_extensions_are_sniffed(content: bytes, kind: str) -> None:
    Path("data.bin").write_bytes(content)
    assert read_sequence("data.bin").kind == kind


def test_unrecognised_binary_file() -> None:
    Path("data.bin").write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputError, match=r"^data\.bin: unrecognised binary content"):
        read_sequence("data.bin")


@pytest.mark.parametrize(
    ("kwargs", "argument", "expected"),
    [
        ({"rate": -1.0}, "rate", "--rate must be a positive number (frames per second), got -1.0"),
        ({"rate": float("nan")}, "rate", "--rate must be a positive number"),
        ({"hop_length": 0}, "hop_length", "--hop-length must be a positive integer"),
        ({"sample_rate": 22050.5}, "sample_rate", "--sample-rate must be a positive integer"),
        ({"features": "chromagram"}, "features", "unknown feature set 'chromagram' (--features)"),
        ({"normalize": "max"}, "normalize", "unknown normalisation 'max' (--normalize); valid:"),
        ({"format": "xls"}, "format", "unknown input format 'xls' (--input-format); valid:"),
        ({"rate": 10, "time_column": "t"}, "rate", "--rate 10 and --time-column 't' both"),
    ],
)
def test_bad_options(kwargs: dict, argument: str, expected: str) -> None:
    with pytest.raises(InputError) as error:
        ReadOptions(**kwargs)
    assert message(error).startswith(expected)
    assert error.value.argument == argument


def test_columns_given_as_a_string_become_a_tuple() -> None:
    assert ReadOptions(columns="x").columns == ("x",)


def test_zscore_normalisation() -> None:
    data = np.column_stack([np.arange(10.0), np.full(10, 0.1), np.arange(10.0) ** 2])
    np.save("a.npy", data)
    seq = read_sequence("a.npy", ReadOptions(normalize="zscore"))
    np.testing.assert_allclose(seq.data.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(seq.data.std(axis=0), [1.0, 0.0, 1.0])
    assert np.all(seq.data[:, 1] == 0.0)


def test_l2_normalisation_keeps_zero_frames() -> None:
    np.save("a.npy", np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]]))
    seq = read_sequence("a.npy", ReadOptions(normalize="l2"))
    np.testing.assert_allclose(seq.data, [[0.6, 0.8], [0.0, 0.0], [2**-0.5, 2**-0.5]])


def test_normalize_none_is_the_identity() -> None:
    data = np.arange(6.0).reshape(3, 2)
    assert normalize(data, "none") is data


def test_sequence_times() -> None:
    seq = Sequence(np.zeros((3, 1)), 4.0, "x.csv", "table", start_time=10.0)
    np.testing.assert_array_equal(seq.times(), [10.0, 10.25, 10.5])
    assert (seq.n_frames, seq.n_features, seq.label) == (3, 1, "x.csv")


# -- writers ------------------------------------------------------------------------------------

PATH = np.array([[0, 0], [1, 0], [2, 1], [3, 2], [3, 3]])
A_TIMES = np.array([0.0, 0.5, 1.0, 1.0 / 3.0])
B_TIMES = np.array([10.0, 10.25, 10.5, 12345.6789014])


def test_atomic_output_replaces_on_success_only() -> None:
    Path("out.csv").write_text("old\n")
    with pytest.raises(RuntimeError), atomic_output("out.csv") as stream:
        stream.write("partial")
        raise RuntimeError("boom")
    assert Path("out.csv").read_text() == "old\n"
    assert os.listdir(".") == ["out.csv"]
    with atomic_output("out.csv") as stream:
        stream.write("new\n")
    assert Path("out.csv").read_text() == "new\n"
    assert os.listdir(".") == ["out.csv"]


def test_atomic_output_leaves_nothing_on_failure() -> None:
    with pytest.raises(KeyboardInterrupt), atomic_output("new.npz", binary=True) as stream:
        stream.write(b"partial")
        raise KeyboardInterrupt
    assert os.listdir(".") == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_atomic_output_keeps_the_mode_of_an_existing_file() -> None:
    Path("out.csv").write_text("old\n")
    os.chmod("out.csv", 0o640)
    with atomic_output("out.csv") as stream:
        stream.write("new\n")
    assert os.stat("out.csv").st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("nowhere/out.csv", "-o nowhere/out.csv: folder nowhere does not exist"),
        (".", "-o .: is a folder; give a file name"),
    ],
)
def test_atomic_output_bad_targets(target: str, expected: str) -> None:
    with pytest.raises(InputError) as error, atomic_output(target):
        pass
    assert message(error) == expected
    assert error.value.argument == "output"


def test_atomic_output_dash_is_standard_output(capsys) -> None:
    with atomic_output("-") as stream:
        stream.write("hello\n")
    assert capsys.readouterr().out == "hello\n"


def test_csv_path_text_is_exact() -> None:
    write_path("p.csv", PATH, a_times=A_TIMES, b_times=B_TIMES)
    assert Path("p.csv").read_text() == (
        "a_index,b_index,a_time,b_time\n"
        "0,0,0.0,10.0\n"
        "1,0,0.5,10.0\n"
        "2,1,1.0,10.25\n"
        "3,2,0.333333,10.5\n"
        "3,3,0.333333,12345.678901\n"
    )


@pytest.mark.parametrize(
    ("a_times", "b_times", "header"),
    [
        (None, None, ["a_index", "b_index"]),
        (A_TIMES, None, ["a_index", "b_index", "a_time"]),
        (None, B_TIMES, ["a_index", "b_index", "b_time"]),
        (A_TIMES, B_TIMES, ["a_index", "b_index", "a_time", "b_time"]),
    ],
)
@pytest.mark.parametrize(("name", "delimiter"), [("p.csv", ","), ("p.tsv", "\t")])
def test_delimited_path_round_trip(a_times, b_times, header, name: str, delimiter: str) -> None:
    write_path(name, PATH, a_times=a_times, b_times=b_times)
    with open(name) as stream:
        assert stream.readline().rstrip("\n").split(delimiter) == header
    table = np.loadtxt(name, delimiter=delimiter, skiprows=1, ndmin=2)
    np.testing.assert_array_equal(table[:, :2], PATH)
    expected = [t[PATH[:, k]] for k, t in enumerate((a_times, b_times)) if t is not None]
    if expected:
        np.testing.assert_allclose(table[:, 2:], np.column_stack(expected), atol=5e-7)


def test_large_path_times_are_rounded_to_the_microsecond() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    path = np.column_stack([np.arange(n), np.arange(n)])
    times = np.concatenate([[0.0, 1e-7, 5e-7], rng.uniform(-1e5, 1e5, size=n - 3)])
    write_path("p.csv", path, a_times=times)
    table = np.loadtxt("p.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(table[:, 2], np.round(times, 6))


def test_json_path_round_trip() -> None:
    metadata = {
        "distance": np.float64(1.5),
        "normalized_distance": 0.25,
        "metric": "euclidean",
        "step_pattern": "symmetric2",
        "lengths": (4, np.int64(4)),
        "band": float("inf"),
    }
    write_path("p.json", PATH, a_times=A_TIMES, b_times=B_TIMES, metadata=metadata)
    record = json.loads(Path("p.json").read_text())
    assert record["distance"] == 1.5
    assert record["metric"] == "euclidean"
    assert record["lengths"] == [4, 4]
    assert record["band"] is None
    assert record["path"] == PATH.tolist()
    assert record["a_time"] == [0.0, 0.5, 1.0, 0.333333, 0.333333]
    np.testing.assert_allclose(record["b_time"], B_TIMES[PATH[:, 1]], atol=5e-7)
    assert list(record)[:2] == ["distance", "normalized_distance"]


def test_npz_path_round_trip() -> None:
    write_path("p.npz", PATH, a_times=A_TIMES, metadata={"distance": 2.0})
    with np.load("p.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == ["a_time", "metadata", "path"]
        np.testing.assert_array_equal(archive["path"], PATH)
        np.testing.assert_array_equal(archive["a_time"], A_TIMES[PATH[:, 0]])
        assert json.loads(archive["metadata"].item()) == {"distance": 2.0}


@pytest.mark.parametrize(("fmt", "start"), [("csv", b"a_index"), ("json", b"{"), ("npz", b"PK")])
def test_path_to_standard_output(monkeypatch, fmt: str, start: bytes) -> None:
    buffer = io.BytesIO()
    stdout = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    monkeypatch.setattr(sys, "stdout", stdout)
    write_path("-", PATH, fmt=fmt)
    stdout.flush()
    assert buffer.getvalue().startswith(start)


@pytest.mark.parametrize(("fmt", "reader"), [("json", json.loads), ("csv", str.splitlines)])
def test_output_format_overrides_the_extension(fmt: str, reader) -> None:
    write_path("p.out", PATH, fmt=fmt)
    assert reader(Path("p.out").read_text())


def test_unknown_extension_defaults_to_csv() -> None:
    write_path("p.out", PATH)
    assert Path("p.out").read_text().startswith("a_index,b_index\n0,0\n")


def test_unknown_output_format_lists_the_valid_ones() -> None:
    with pytest.raises(InputError) as error:
        write_path("p.csv", PATH, fmt="xml")
    assert message(error) == "unknown output format 'xml' (--format); valid: " + ", ".join(
        WRITE_FORMATS
    )
    assert error.value.argument == "format"
    assert not os.path.exists("p.csv")


@pytest.mark.parametrize(
    ("path", "kwargs", "expected"),
    [
        (np.zeros((3, 3), dtype=int), {}, "path must be an (L, 2) integer array"),
        (PATH.astype(float), {}, "path must be an (L, 2) integer array"),
        (PATH, {"a_times": np.zeros(2)}, "a_times must hold one time per frame of A"),
        (PATH, {"b_times": np.zeros((4, 1))}, "b_times must hold one time per frame of B"),
    ],
)
def test_bad_paths(path: np.ndarray, kwargs: dict, expected: str) -> None:
    with pytest.raises(InputError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        write_path("p.csv", path, **kwargs)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "npz"])
def test_time_map_round_trip(fmt: str) -> None:
    a = np.array([0.0, 0.5, 1.25])
    b = np.array([0.1, 0.7, 2.0])
    write_time_map(f"map.{fmt}", a, b)
    if fmt == "json":
        record = json.loads(Path("map.json").read_text())
        got = np.array([record["a_time"], record["b_time"]]).T
    elif fmt == "npz":
        with np.load("map.npz") as archive:
            assert sorted(archive.files) == ["a_time", "b_time"]
            got = np.column_stack([archive["a_time"], archive["b_time"]])
    else:
        delimiter = "," if fmt == "csv" else "\t"
        assert Path(f"map.{fmt}").read_text().startswith(f"a_time{delimiter}b_time\n0.0")
        got = np.loadtxt(f"map.{fmt}", delimiter=delimiter, skiprows=1)
    np.testing.assert_array_equal(got, np.column_stack([a, b]))


def test_time_map_lengths_must_match() -> None:
    with pytest.raises(InputError, match="equal length"):
        write_time_map("map.csv", np.zeros(3), np.zeros(4))


@pytest.mark.parametrize(
    ("policy", "want"),
    [("interpolate", [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 30.0]]),
     ("drop", [[1.0, 10.0], [3.0, 30.0]])],
)  # fmt: skip
def test_missing_values_in_tables_are_interpolated_or_dropped(tmp_path, policy, want):
    path = tmp_path / "log.csv"
    path.write_text("t,x,y\n0,1,10\n1,,20\n2,3,30\n3,4,NA\n")
    seq = read_sequence(path, ReadOptions(missing=policy))
    assert seq.data.tolist() == want
    if policy == "drop":
        assert seq.rate == 0.5  # rows at t = 0 and 2: the times stay right


def test_missing_values_in_arrays_are_interpolated(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.array([[np.nan, 1.0], [2.0, np.nan], [4.0, 3.0]]))
    seq = read_sequence(path, ReadOptions(missing="interpolate"))
    assert seq.data.tolist() == [[2.0, 1.0], [2.0, 2.0], [4.0, 3.0]]


def test_missing_policy_is_validated():
    with pytest.raises(InputError, match="missing-value policy"):
        ReadOptions(missing="guess")
