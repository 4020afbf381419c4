"""seqalign's DTW against the peer libraries, side by side in one run, on the same data.

Run from the repository root (peers from the ``bench`` extra)::

    python benchmarks/bench_dtw.py            # every case, prints a table
    python benchmarks/bench_dtw.py --quick    # smaller sizes, for a smoke test
    python benchmarks/bench_dtw.py --case path --markdown results.md

Each case reports the best of ``--repeat`` wall times after one warm-up call (numba and
the peers' JIT compile outside the timing), the peak memory of one call measured in a
fresh child process (growth of ``VmHWM``; path case), and the ratio
``peer time / seqalign time``.
Every peer computes the same quantity; the definitions are stated per case.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    case: str
    tool: str
    seconds: float
    peak_bytes: float | None
    value: float | None
    note: str = ""


def _walks(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.ascontiguousarray(rng.standard_normal((n, d)).cumsum(axis=0))


def _timed(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up: JIT compilation and caches
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _high_water() -> int:
    """Peak resident memory of this process in bytes (``VmHWM``; unlike ``ru_maxrss`` it
    starts afresh at ``exec``, so a spawned child does not inherit its parent's peak)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # pragma: no cover


def _peak_child(make, queue) -> None:
    fn, warm = make()
    warm()  # compile on a small input first, so compilation is not counted
    before = _high_water()
    fn()
    queue.put(_high_water() - before)


def _peak(make) -> float | None:
    """Peak memory growth (``VmHWM``) of one call, in a fresh interpreter.

    ``make`` is a picklable callable returning ``(fn, warm_up)``."""
    if not Path("/proc/self/status").exists() or make is None:
        return None
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_child, args=(make, queue))
    proc.start()
    proc.join()
    return queue.get() if proc.exitcode == 0 else None


def _measure(case, tool, fn, repeat, value_of=lambda v: v, note="", make=None) -> Result:
    seconds, value = _timed(fn, repeat)
    return Result(case, tool, seconds, _peak(make), value_of(value), note)


@dataclass(frozen=True)
class PathJob:
    """A picklable path computation for the memory measurement."""

    tool: str
    n: int
    d: int

    def __call__(self):
        x, y = _walks(self.n, self.d, 3), _walks(self.n, self.d, 4)
        return (lambda: _run_path(self.tool, x, y)), (lambda: _run_path(self.tool, x[:50], y[:50]))


def _run_path(tool: str, x: np.ndarray, y: np.ndarray):
    if tool == "seqalign":
        import seqalign

        return seqalign.dtw(x, y, step_pattern="symmetric1")
    if tool == "tslearn.dtw_path":
        from tslearn.metrics import dtw_path

        return dtw_path(x, y)
    if tool == "dtaidistance.dtw_ndim.warping_path":
        from dtaidistance import dtw_ndim

        return dtw_ndim.warping_path(x, y, use_c=True)
    if tool == "librosa.sequence.dtw":
        import librosa

        return librosa.sequence.dtw(X=x.T, Y=y.T, backtrack=True)
    raise ValueError(tool)


# --- cases -----------------------------------------------------------------------------


def case_distance(n: int, repeat: int) -> list[Result]:
    """Distance only, univariate random walks, N = M = n, squared-Euclidean symmetric1.

    dtaidistance and tslearn report sqrt of that sum; we compare the square root."""
    import seqalign

    x, y = _walks(n, 1, 1)[:, 0].copy(), _walks(n, 1, 2)[:, 0].copy()
    case = f"distance {n}x{n} d=1"
    out = [
        _measure(
            case,
            "seqalign",
            lambda: (
                seqalign.dtw(
                    x, y, metric="sqeuclidean", step_pattern="symmetric1", return_path=False
                ).distance
            ),
            repeat,
            np.sqrt,
        ),
    ]
    try:
        from dtaidistance import dtw as ddtw

        out.append(_measure(case, "dtaidistance.distance_fast", lambda: ddtw.distance_fast(x, y),
                            repeat))  # fmt: skip
    except ImportError:
        pass
    try:
        from tslearn.metrics import dtw as tdtw

        out.append(_measure(case, "tslearn.dtw", lambda: tdtw(x, y), repeat))
    except ImportError:
        pass
    return out


def case_path(n: int, repeat: int, d: int = 12) -> list[Result]:
    """Optimal path, d = 12, N = M = n. seqalign: euclidean symmetric1. tslearn and
    dtaidistance use squared Euclidean (same work per cell); librosa: euclidean symmetric1."""

    x, y = _walks(n, d, 3), _walks(n, d, 4)
    case = f"path {n}x{n} d={d}"
    tools = {
        "seqalign": (lambda a: a.distance, ""),
        "tslearn.dtw_path": (lambda r: r[1] ** 2, "sqeuclidean"),
        "dtaidistance.dtw_ndim.warping_path": (lambda r: None, "sqeuclidean"),
        "librosa.sequence.dtw": (lambda r: r[0][-1, -1], ""),
    }
    out = []
    for tool, (value_of, note) in tools.items():
        try:
            out.append(_measure(case, tool, lambda t=tool: _run_path(t, x, y), repeat, value_of,
                                note, PathJob(tool, n, d)))  # fmt: skip
        except ImportError:
            pass
    return out


def case_band(n: int, radius: int, peer_n: int, repeat: int) -> list[Result]:
    """Banded path, univariate, Sakoe-Chiba radius ``radius``, euclidean symmetric2.

    The peers fill the whole matrix, so they run at ``peer_n`` (their time then grows
    as n^2: the table also gives the ratio at n scaled by (n / peer_n)^2)."""
    import seqalign

    x, y = _walks(n, 1, 5), _walks(n, 1, 6)
    case = f"band {n}x{n} r={radius}"
    out = [
        _measure(
            case,
            "seqalign",
            lambda: seqalign.dtw(x, y, window="sakoechiba", radius=radius),
            repeat,
            lambda a: a.distance,
        ),
    ]
    xp, yp = x[:peer_n], y[:peer_n]
    scale = (n / peer_n) ** 2
    note = f"measured at {peer_n}x{peer_n}; time x{scale:g} for {n}x{n}"
    try:
        import librosa

        rad = radius / peer_n
        res = _measure(case, "librosa.sequence.dtw", lambda: librosa.sequence.dtw(
            X=xp.T, Y=yp.T, global_constraints=True, band_rad=rad, backtrack=True),
            1, lambda r: None, note)  # fmt: skip
        res.seconds *= scale
        out.append(res)
    except ImportError:
        pass
    try:
        import dtw as dtwpy

        res = _measure(case, "dtw-python", lambda: dtwpy.dtw(xp, yp, window_type="sakoechiba",
                       window_args={"window_size": radius}), 1, lambda r: None, note)  # fmt: skip
        res.seconds *= scale
        out.append(res)
    except ImportError:
        pass
    return out


def _seqalign_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("seqalign")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "seqalign"]


def case_startup(repeat: int, seconds: float = 30.0) -> list[Result]:
    """``seqalign --help`` wall time, and a second ``seqalign warp`` of two clips of
    ``seconds`` s (features included; the first run fills numba's cache)."""
    import soundfile as sf

    out = []
    best = min(_wall([*_seqalign_cmd(), "--help"]) for _ in range(max(3, repeat)))
    out.append(Result("start-up", "seqalign --help", best, None, None))
    with tempfile.TemporaryDirectory() as tmp:
        sr = 22050
        t = np.arange(int(seconds * sr)) / sr
        rng = np.random.default_rng(0)
        notes = 220.0 * 2 ** (rng.integers(0, 12, size=int(seconds * 2)) / 12)
        f = np.repeat(notes, len(t) // len(notes) + 1)[: len(t)]
        a = 0.3 * np.sin(2 * np.pi * np.cumsum(f) / sr)
        b = np.interp(np.linspace(0, len(a) - 1, int(len(a) * 0.9)), np.arange(len(a)), a)
        sf.write(Path(tmp, "a.wav"), a, sr)
        sf.write(Path(tmp, "b.wav"), b, sr)
        cmd = _seqalign_cmd() + ["warp", str(Path(tmp, "a.wav")), str(Path(tmp, "b.wav")),
                                 "-o", str(Path(tmp, "p.csv")), "--quiet"]  # fmt: skip
        _wall(cmd)  # first run: compiles (or loads) the kernels
        best = min(_wall(cmd) for _ in range(repeat))
        out.append(Result("start-up", f"second seqalign warp, 2 x {seconds:g} s audio", best,
                          None, None))  # fmt: skip
    return out


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


# --- report ----------------------------------------------------------------------------


def _fmt_bytes(b: float | None) -> str:
    return "" if b is None else f"{b / 1e6:.0f} MB"


def report(results: list[Result]) -> str:
    lines = [
        "| case | tool | time (s) | peak memory | peer time / seqalign time | note |",
        "|---|---|---:|---:|---:|---|",
    ]
    ours = {r.case: r.seconds for r in results if r.tool == "seqalign"}
    for r in results:
        ratio = ""
        if r.case in ours and r.tool != "seqalign":
            ratio = f"{r.seconds / ours[r.case]:.1f}x"
        lines.append(f"| {r.case} | {r.tool} | {r.seconds:.4f} | {_fmt_bytes(r.peak_bytes)} | "
                     f"{ratio} | {r.note} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["distance", "path", "band", "startup", "all"],
                        default="all")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    quick = args.quick
    cases = {
        "distance": lambda: case_distance(2000 if quick else 10_000, args.repeat),
        "path": lambda: case_path(800 if quick else 4000, args.repeat),
        "band": lambda: case_band(
            4000 if quick else 20_000, 40 if quick else 200, 1000 if quick else 8000, args.repeat
        ),
        "startup": lambda: case_startup(args.repeat, 5.0 if quick else 30.0),
    }
    results: list[Result] = []
    for name, run in cases.items():
        if args.case in (name, "all"):
            results.extend(run())
            print(f"done: {name}", file=sys.stderr)
    table = report(results)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    print(f"\ncores: {os.cpu_count()}, python {sys.version.split()[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
