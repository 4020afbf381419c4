"""Read a live input as it arrives: :func:`open_live` (``seqalign follow``'s LIVE).

A live input is audio or feature rows, from a file (read a block at a time, as if live) or
from standard input:

* a WAV stream (it starts with ``RIFF``): the header is read, then the samples as they come
  (8-bit unsigned, 16-, 24- or 32-bit integer or 32/64-bit float PCM; channels are averaged);
  the data size in the header is not trusted (a stream may not know it);
* raw PCM (``input_format="pcm"``): 16-bit signed little-endian mono samples at
  ``sample_rate``, as ``arecord -f S16_LE`` or ``sox -t raw -e signed -b 16`` write them;
* anything else: feature rows as text, one frame per line (:func:`seqalign.io.stream.iter_frames`).

Audio files (by extension or content) are read with soundfile a block at a time; ``.npy``
and ``.npz`` files whole, then given a row at a time; tables as text.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from seqalign.errors import InputError
from seqalign.io.sequence import display_name

__all__ = ["LiveInput", "open_live"]

#: Bytes asked of each read of a stream.
READ_BYTES = 1 << 14


@dataclass
class LiveInput:
    """An opened live input: ``kind`` ``"audio"`` (blocks of mono float samples at ``sr``)
    or ``"rows"`` (blocks of frames ``(m, features)``)."""

    kind: str
    blocks: Iterator[np.ndarray]
    sr: int | None = None


def _stdin_reader() -> Callable[[int], bytes]:
    buffer = sys.stdin.buffer
    try:
        fd = buffer.fileno()
    except (AttributeError, OSError, ValueError):  # a stream in memory (tests)
        return getattr(buffer, "read1", buffer.read)
    return lambda size: os.read(fd, size)


def _exact(read: Callable[[int], bytes], size: int, name: str) -> bytes:
    data = b""
    while len(data) < size:
        chunk = read(size - len(data))
        if not chunk:
            raise InputError(f"{name}: the WAV header ends early")
        data += chunk
    return data


def _wav_header(read: Callable[[int], bytes], head: bytes, name: str) -> tuple[int, int, str]:
    """Parse a WAV header (``head`` holds its first bytes); return the sample rate, the
    channels and the numpy dtype of the samples, leaving ``read`` at the first sample."""
    head += _exact(read, 12 - len(head), name) if len(head) < 12 else b""
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise InputError(f"{name}: not a WAV stream (RIFF/WAVE header)")
    fmt = None
    while True:
        chunk = _exact(read, 8, name)
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"data":
            break
        body = _exact(read, size + (size & 1), name)
        if kind == b"fmt ":
            if size < 16:
                raise InputError(f"{name}: a WAV fmt chunk of {size} bytes")
            tag, channels, sr, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == 0xFFFE and size >= 26:  # WAVE_FORMAT_EXTENSIBLE: the sub-format
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, sr, bits)
    if fmt is None:
        raise InputError(f"{name}: a WAV stream without a fmt chunk")
    tag, channels, sr, bits = fmt
    kinds = {(1, 8): "u1", (1, 16): "<i2", (1, 24): "i3", (1, 32): "<i4", (3, 32): "<f4",
             (3, 64): "<f8"}  # fmt: skip
    if (tag, bits) not in kinds or channels < 1 or sr < 1:
        raise InputError(
            f"{name}: WAV format {tag} with {bits} bits is not supported (PCM 8/16/24/32 bits "
            "or float 32/64)"
        )
    return sr, channels, kinds[(tag, bits)]


def _decode(data: bytes, dtype: str, channels: int) -> np.ndarray:
    """Mono float64 samples in [-1, 1] from whole frames of little-endian PCM."""
    if dtype == "i3":
        raw = np.frombuffer(data, np.uint8).reshape(-1, 3).astype(np.int32)
        values = (raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)).astype(np.int64)
        values = np.where(values >= 1 << 23, values - (1 << 24), values) / float(1 << 23)
    else:
        values = np.frombuffer(data, dtype).astype(np.float64)
        if dtype == "u1":
            values = (values - 128.0) / 128.0
        elif dtype[1] == "i":
            values /= float(1 << (8 * int(dtype[2]) - 1))
    if channels > 1:
        values = values.reshape(-1, channels).mean(axis=1)
    return values


def _pcm_blocks(
    read: Callable[[int], bytes], rest: bytes, dtype: str, channels: int
) -> Iterator[np.ndarray]:
    width = (3 if dtype == "i3" else np.dtype(dtype).itemsize) * channels
    while True:
        chunk = read(READ_BYTES)
        data = rest + chunk
        whole = len(data) - len(data) % width
        if whole:
            yield _decode(data[:whole], dtype, channels)
        rest = data[whole:]
        if not chunk:
            return


def _file_audio(path: str, name: str, block: int) -> LiveInput:
    import soundfile

    try:
        handle = soundfile.SoundFile(path)
    except (RuntimeError, TypeError, ValueError, OSError, EOFError) as error:
        raise InputError(f"{name}: cannot read audio ({' '.join(str(error).split())})") from None

    def blocks() -> Iterator[np.ndarray]:
        offset = 0
        with handle:
            for samples in handle.blocks(blocksize=block, dtype="float64", always_2d=True):
                mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
                finite = np.isfinite(mono)
                if not finite.all():  # float files only, as read_signal refuses them
                    first = offset + int(np.argmin(finite))
                    raise InputError(
                        f"{name}: sample {first} (at {first / handle.samplerate:.3f} s) is NaN "
                        "or infinite; the file is damaged: repair or re-export it"
                    )
                offset += mono.size
                yield mono

    return LiveInput("audio", blocks(), int(handle.samplerate))


def _rows(data: np.ndarray) -> Iterator[np.ndarray]:
    for k in range(data.shape[0]):
        yield data[k : k + 1]


def _compressed(head: bytes) -> bool:
    """The first bytes of a FLAC, Ogg, MP3 (ID3 tag or frame sync) or AIFF stream."""
    return (
        head[:4] in (b"fLaC", b"OggS", b"FORM")
        or head[:3] == b"ID3"
        or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    )


def open_live(
    source: str,
    *,
    input_format: str | None = None,
    sample_rate: int = 22050,
    block: int = 512,
    read_options: object = None,
) -> LiveInput:
    """Open ``source`` (a path or ``-``) for reading as it arrives (module docstring).

    ``input_format`` forces the kind: ``audio``, ``pcm`` (raw 16-bit PCM on standard input
    or in a file), ``npy``, ``npz``, ``csv`` or ``tsv``; ``block`` is the samples per block
    of an audio file; ``read_options`` (a :class:`seqalign.io.ReadOptions`) reads ``.npy``
    and ``.npz`` files.
    """
    from seqalign.io.source import EXTENSIONS, sniff_format
    from seqalign.io.stream import iter_frames

    name = display_name(source)
    fmt = input_format
    if source == "-":
        read = _stdin_reader()
        if fmt in (None, "audio"):
            head = b""
            while len(head) < 4:
                chunk = read(4 - len(head))
                if not chunk:
                    break
                head += chunk
            if head[:4] == b"RIFF":
                sr, channels, dtype = _wav_header(read, head, name)
                return LiveInput("audio", _pcm_blocks(read, b"", dtype, channels), sr)
            if fmt == "audio" or _compressed(head):
                raise InputError(
                    f"{name}: not a WAV stream (compressed audio cannot be followed from a "
                    "pipe); pipe WAV (sox FILE -t wav -, ffmpeg -i FILE -f wav -), raw 16-bit "
                    "samples with --live-format pcm, or give the file's path"
                )
            return LiveInput("rows", iter_frames(source, prefix=head))
        if fmt == "pcm":
            return LiveInput("audio", _pcm_blocks(read, b"", "<i2", 1), int(sample_rate))
        if fmt in ("csv", "tsv"):
            return LiveInput("rows", iter_frames(source))
        raise InputError(f"{name}: standard input is read as WAV, raw PCM or text rows, not {fmt}")
    if not os.path.exists(source):
        raise InputError(f"{name}: no such file")
    if os.path.isdir(source):
        raise InputError(f"{name}: a folder, not a file")
    if fmt is None:
        fmt = EXTENSIONS.get(os.path.splitext(source)[1].lower())
    if fmt is None:
        try:
            with open(source, "rb") as handle:
                fmt = sniff_format(handle.read(4096))
        except InputError:
            fmt = "csv"
        except OSError as error:
            raise InputError(f"{name}: cannot read ({error.strerror})") from None
    if fmt == "audio":
        return _file_audio(source, name, block)
    if fmt == "pcm":
        try:
            fd = os.open(source, os.O_RDONLY)
        except OSError as error:
            raise InputError(f"{name}: cannot read ({error.strerror})") from None

        def blocks() -> Iterator[np.ndarray]:
            try:
                yield from _pcm_blocks(lambda size: os.read(fd, size), b"", "<i2", 1)
            finally:
                os.close(fd)

        return LiveInput("audio", blocks(), int(sample_rate))
    if fmt in ("npy", "npz"):
        from seqalign.io import ReadOptions, read_sequence

        options = read_options if read_options is not None else ReadOptions(format=fmt)
        seq = read_sequence(source, options)  # type: ignore[arg-type]
        return LiveInput("rows", _rows(seq.data))
    return LiveInput("rows", iter_frames(source))
