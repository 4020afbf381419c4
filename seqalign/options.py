"""The option registry: every option of every command and batch job, declared once.

Each :class:`Option` gives the name (the field of the task's settings, the batch manifest
column and ``--set`` key, and the library's argument where the API has one), the flags, the
value parser (with units where they apply: ``2s``, ``500MB``), the default, the help, the
commands it applies to, and the library argument that errors name. From it come:

* the Typer parameters of the commands (:func:`seqalign.cli.options.declare`);
* the batch manifest columns and ``--set`` keys (:mod:`seqalign.batch.options`): every
  option of ``warp`` and ``segment`` that is not an output;
* the error wording (:data:`FLAGS`, used by :mod:`seqalign.wording`).

The vocabulary is settled here: ``gamma`` is soft-DTW's smoothing and nothing else,
``kernel_gamma`` the bandwidth of a kernel (local cost or segment cost), ``solver`` the DTW
solver (auto, full, linear, multiscale), ``search`` the segment search (pelt, binseg...).

Standard library only: ``seqalign --help`` must not load numpy. Names (metric, step pattern,
window...) are checked against their registries when a batch value is parsed; those load
then.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seqalign.errors import InputError

__all__ = ["FLAGS", "OPTIONS", "Option", "flag_of", "options_of"]

INPUT_PANEL = "Reading inputs"
ALIGN_PANEL = "Alignment"
LONG_PANEL = "Long recordings"
SEARCH_PANEL = "Segmentation"
SOFT_PANEL = "Soft-DTW"
BARYCENTER_PANEL = "Barycenter"
MATRIX_PANEL = "Matrix"
SEGMENTATIONS_PANEL = "Segmentations"
FOLLOW_PANEL = "Following"
ALIGNMENTS_PANEL = "Alignments"
BATCH_PANEL = "Batch"
OUTPUT_PANEL = "Output"

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}

# -- parsers: (value, flag) -> typed value; a value is text (a CSV cell or a flag) or JSON ----


def parse_text(value: Any, flag: str) -> str:
    if isinstance(value, (dict, list, bool)) or value is None:
        raise InputError(f"{flag} {value!r}: expected a name or a number")
    return str(value).strip()


def parse_int(value: Any, flag: str) -> int:
    if isinstance(value, bool):
        raise InputError(f"{flag} {value!r}: expected a whole number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise InputError(f"{flag} {value!r}: expected a whole number") from None


def parse_float(value: Any, flag: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{flag} {value!r}: expected a number")
    try:
        return float(value if isinstance(value, (int, float)) else str(value).strip())
    except ValueError:
        raise InputError(f"{flag} {value!r}: expected a number") from None


def parse_bool(value: Any, flag: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{flag} {value!r}: expected true or false")


def parse_names(value: Any, flag: str) -> tuple[str, ...]:
    """A repeatable option: a JSON list, or values separated by ``;`` in a CSV cell."""
    if isinstance(value, (list, tuple)):
        names = [str(v).strip() for v in value]
    else:
        names = [part.strip() for part in parse_text(value, flag).split(";")]
    if not names or not all(names):
        raise InputError(f"{flag} {value!r}: expected values separated by ;")
    return tuple(names)


def parse_wait(value: Any, flag: str) -> str:
    """Seconds ``>= 0`` or ``inf``: checked now, kept as text (a number check would refuse
    ``inf``)."""
    text = parse_text(value, flag)
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not seconds >= 0:
        raise InputError(f"{flag} {text!r}: give seconds >= 0, or inf")
    return text


def parse_band(value: Any, flag: str) -> str:
    """``200`` frames or ``2.5s``: checked now, turned into frames once the rate is known."""
    from seqalign.units import parse_band as band

    text = parse_text(value, flag)
    band(text)
    return text


def parse_size(value: Any, flag: str) -> int:
    """``500MB``, ``2GB`` or bytes."""
    from seqalign.units import parse_size as size

    if isinstance(value, int) and not isinstance(value, bool):
        return size(str(value), flag)
    return size(parse_text(value, flag), flag)


def parse_rate(value: Any, flag: str) -> float:
    rate = parse_float(value, flag)
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(f"{flag} must be a positive number (frames per second), got {value!r}")
    return rate


def parse_position(value: Any, flag: str) -> str:
    """A frame (``120``) or a time (``2.5s``, ``500ms``): checked now, turned into a frame
    once the frame rate is known (:func:`seqalign.tasks.search.frame_at`)."""
    import re

    text = parse_text(value, flag)
    match = re.fullmatch(r"([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(s|ms|f)?", text, re.I)
    if match is None or (match[2] in (None, "f", "F") and not float(match[1]).is_integer()):
        raise InputError(f"{flag} {text!r}: give a frame (e.g. 120) or a time (e.g. 2.5s)")
    return text


def _named(check: Callable[[str], Any]) -> Callable[[Any, str], str]:
    """A name checked against its registry by ``check`` (which raises on a bad name)."""

    def parse(value: Any, flag: str) -> str:
        text = parse_text(value, flag)
        try:
            check(text)
        except InputError as error:
            raise InputError(f"{flag} {text}: {error.message}", argument=error.argument) from None
        return text

    return parse


def _metric(name: str) -> None:
    from seqalign.localcosts import parse_metric

    parse_metric(name)


def _step_pattern(name: str) -> None:
    from seqalign.warping.steps import get_step_pattern

    get_step_pattern(name)


def _window(name: str) -> None:
    from seqalign.warping.windows import WINDOWS

    if name.lower().replace("-", "").replace("_", "") not in WINDOWS:
        raise InputError(f"unknown window; choose one of: {', '.join(WINDOWS)}")


def _solver(name: str) -> None:
    from seqalign.warping.planner import METHODS

    if name.lower() not in METHODS:
        raise InputError(f"choose one of {', '.join(METHODS)}")


def _preset(name: str) -> None:
    from seqalign.audio.presets import PRESET_NAMES

    if name.lower() not in PRESET_NAMES:
        raise InputError(f"choose one of {', '.join(PRESET_NAMES)}")


def _interpolation(name: str) -> None:
    from seqalign.warping.timemap import INTERPOLATIONS

    if name.lower() not in INTERPOLATIONS:
        raise InputError(f"choose one of {', '.join(INTERPOLATIONS)}")


def _reading(field: str) -> Callable[[str], None]:
    def check(name: str) -> None:
        from seqalign.io import ReadOptions

        ReadOptions(**{field: name})

    return check


# -- the registry -----------------------------------------------------------------------------

WARP = "warp"
SEGMENT = "segment"
SOFT = "soft"
BARYCENTER = "barycenter"
MATRIX = "matrix"
SEARCH = "search"
FOLLOW = "follow"
EVALUATE = "evaluate"
BATCH = "batch"
#: Commands whose options are batch columns (the batch job kinds).
BATCH_COMMANDS = (WARP, SEGMENT)
READERS = (WARP, SEGMENT, SOFT, BARYCENTER, MATRIX, SEARCH)


@dataclass(frozen=True)
class Option:
    """One option, as every command and batch job sees it.

    Attributes
    ----------
    name : str
        The settings field (:mod:`seqalign.tasks`), the batch column and ``--set`` key.
    flags : tuple of str
        The command-line flags, the first one named in messages.
    parse : callable
        ``(value, flag) -> typed value`` for batch values; raises :class:`InputError`.
    commands : tuple of str
        The commands it applies to (a batch job kind takes those of its command).
    help : str or dict
        The help text, or command -> text where it differs (``"*"``: the others).
    metavar : str or None
        The value's name in the help.
    panel : str or dict
        The help panel (command -> panel where it differs, ``"*"``: the others).
    argument : str or None
        The library argument that errors name for it (``radius`` for ``band``), when it is
        not ``name``.
    output : bool
        An output file (not a batch column: a batch names its outputs itself).
    """

    name: str
    flags: tuple[str, ...]
    parse: Callable[[Any, str], Any]
    commands: tuple[str, ...]
    help: str | dict[str, str]
    metavar: str | None = None
    panel: str | dict[str, str] = INPUT_PANEL
    argument: str | None = None
    output: bool = False

    @property
    def flag(self) -> str:
        """The flag named in messages (``--verify`` of ``--verify/--no-verify``)."""
        return self.flags[0].split("/")[0]

    def panel_for(self, command: str) -> str:
        if isinstance(self.panel, str):
            return self.panel
        return self.panel.get(command, self.panel["*"])

    def help_for(self, command: str) -> str:
        if isinstance(self.help, str):
            return self.help
        return self.help.get(command, self.help["*"])


_PAIRS = (WARP, SOFT)
_ALIGNERS = (WARP, SOFT, BARYCENTER, MATRIX)
_METRIC_HELP = (
    "Local cost between frames: euclidean, sqeuclidean, cityblock, cosine, or a kernel linear, "
    "polynomial or rbf"
)

_SOFT_METRIC_HELP = (
    "Local cost: sqeuclidean (the squared Euclidean distance, as tslearn and Cuturi & Blondel), "
    "euclidean, cityblock, cosine, or a kernel linear, polynomial or rbf [default: sqeuclidean]."
)
_SOFT_PANELS = {"*": SOFT_PANEL, BARYCENTER: BARYCENTER_PANEL, MATRIX: MATRIX_PANEL}

_DECLARED = (
    # reading inputs
    Option("features", ("--features",), _named(_reading("features")), (*READERS, FOLLOW),
           {FOLLOW: "Audio features, computed causally (the same way for REFERENCE and LIVE): "
            "crp_dlnco, chroma_dlnco, chroma_tuned or logmel [default: crp_dlnco for music; "
            "logmel for speech (--preset)].",
            "*": "Audio features: logmel, logmel_rise, mfcc, chroma, chroma_cqt, chroma_tuned, "
            "dlnco, chroma_onset, chroma_dlnco or crp_dlnco (or chroma_dlnco_fine, "
            "crp_dlnco_fine: onsets that decay sooner).",
            WARP: "Audio features: logmel, logmel_rise, mfcc, chroma, chroma_cqt, chroma_tuned, "
            "dlnco, chroma_onset, chroma_dlnco or crp_dlnco (or chroma_dlnco_fine, "
            "crp_dlnco_fine: onsets that decay sooner, what --refine reads for the two) "
            "[default: crp_dlnco for music; logmel_rise for speech (--preset); logmel "
            "otherwise]."}, "NAME"),
    Option("preset", ("--preset",), _named(_preset), (WARP, FOLLOW),
           {"*": "Settings for two audio files: auto (music or speech, told apart from the "
            "signals), music (--features crp_dlnco --hop 441 --normalize none --metric "
            "euclidean --refine 3), speech (--features logmel_rise --hop 220 --normalize zscore "
            "--metric cosine --refine 2) or none; a preset sets only what is not given.",
            FOLLOW: "Settings for audio: auto (music or speech, told apart from REFERENCE), "
            "music (--features crp_dlnco --hop 441 --metric cityblock), speech (--features "
            "logmel --hop 220 --metric cosine) or none (logmel, hop 512, cosine); a preset sets "
            "only what is not given."}, "NAME"),
    Option("sample_rate", ("--sample-rate",), parse_int, (*READERS, FOLLOW),
           {"*": "Resample audio to this rate (Hz).",
            FOLLOW: "The rate of raw PCM on standard input (--live-format pcm), and with "
            "--hop-length the frame rate of audio (analysed at its own rate, the hop scaled: "
            "no resampling) (Hz)."}, "HZ"),
    Option("hop_length", ("--hop-length", "--hop"), parse_int, (*READERS, FOLLOW),
           {FOLLOW: "Audio hop in samples at --sample-rate; frames per second = sample rate / "
            "hop [default: 441 for music; 220 for speech (--preset)].",
            "*": "Audio hop in samples; frames per second = sample rate / hop.",
            WARP: "Audio hop in samples; frames per second = sample rate / hop [default: 441 "
            "for music; 220 for speech (--preset); 512 otherwise]."}, "SAMPLES"),
    Option("rate", ("--rate",), parse_rate, (*READERS, EVALUATE, FOLLOW),
           {FOLLOW: "Frames per second of feature rows (arrays, tables, text); needed for them.",
            "*": "Frames per second of arrays and tables.",
            EVALUATE: "Frames per second of B, to state the error in frames too [default: from "
            "a path file].",
            WARP: "Frames per second of arrays and tables (both inputs unless --rate-b is "
            "given).", SOFT: "Frames per second of arrays and tables (both inputs unless "
            "--rate-b is given)."}, "FPS"),
    Option("rate_b", ("--rate-b",), parse_rate, _PAIRS,
           "Frames per second of input B, when it differs from --rate.", "FPS"),
    Option("key", ("--key",), parse_text, (*READERS, FOLLOW),
           "Array to read from an .npz archive [default: its only array].", "NAME"),
    Option("column", ("--column",), parse_names, READERS,
           "Table column to use as a feature; repeat for several [default: every numeric "
           "column but the time column].", "NAME", argument="columns"),
    Option("time_column", ("--time-column",), parse_text, READERS,
           "Table column of times in seconds [default: one named time, t, timestamp or "
           "seconds].", "NAME"),
    Option("normalize", ("--normalize",), _named(_reading("normalize")), READERS,
           {"*": "Normalise features: none, zscore (per feature) or l2 (per frame) [default: "
            "zscore when an input is audio, else none].",
            WARP: "Normalise features: none, zscore (per feature) or l2 (per frame) [default: "
            "none for music; zscore for speech (--preset), zscore when an input is audio, else "
            "none].",
            SEARCH: "Normalise features: none, zscore (per feature, over the whole input: "
            "streams are then read whole) or l2 (per frame); zscore when an input is audio, "
            "else none, when not given."}, "NAME"),
    Option("input_format", ("--input-format",), _named(_reading("format")), READERS,
           "Read inputs as audio, npy, npz, csv or tsv [default: from the extension, else from "
           "the content].", "FORMAT"),
    Option("missing", ("--missing",), _named(_reading("missing")), READERS,
           "Missing values (empty cells, NaN) and infinite ones: error, interpolate (linearly "
           "in time) or drop (the frames).", "POLICY"),
    Option("transpose", ("--transpose",), parse_bool, READERS,
           "Read 2-D arrays and tables as (features, frames): swap their axes first (a table's "
           "columns become frames; audio is read as it is)."),
    # aligning
    Option("metric", ("--metric",), _named(_metric), (*_ALIGNERS, SEARCH, FOLLOW),
           {FOLLOW: "Local cost between frames: cityblock, euclidean, sqeuclidean or cosine "
            "[default: cityblock for music; cosine for speech (--preset), cosine when the "
            "inputs are audio, else euclidean].",
            "*": f"{_METRIC_HELP} [default: cosine when an input is audio, else euclidean].",
            WARP: f"{_METRIC_HELP} [default: euclidean for music; cosine for speech (--preset), "
            "cosine when an input is audio, else euclidean].",
            SOFT: _SOFT_METRIC_HELP, BARYCENTER: _SOFT_METRIC_HELP,
            MATRIX: f"{_METRIC_HELP} [default: cosine when an input is audio, else "
            "sqeuclidean].",
            SEARCH: "Local cost, summed over features: sqeuclidean ((a - b)^2) or cityblock "
            "(|a - b|), the only two search takes. Its lower bounds (LB_Kim, LB_Keogh both "
            "ways, LB_Improved, early abandoning) need a cost that grows with each feature's "
            "|a - b|: cosine and the polynomial kernel do not (they would prune true matches); "
            "euclidean and rbf do but are not implemented (one feature: euclidean is "
            "cityblock); linear is sqeuclidean."}, "NAME", {"*": ALIGN_PANEL, SOFT: SOFT_PANEL,
                                       BARYCENTER: SOFT_PANEL}),
    Option("kernel_gamma", ("--kernel-gamma",), parse_float, (WARP, SOFT, MATRIX, SEGMENT),
           {"*": "Kernel scale for --metric rbf or polynomial, > 0 [default: rbf: the median "
            "heuristic, 1 / the median squared distance between frames; polynomial: 1 / "
            "features].",
            SEGMENT: "Bandwidth of --cost rbf, > 0 [default: the median heuristic]."},
           "G", {"*": ALIGN_PANEL, SEGMENT: SEARCH_PANEL}),
    Option("degree", ("--degree",), parse_float, (WARP, SOFT, MATRIX),
           "Degree of --metric polynomial, a whole number >= 1 [default: 3].", "P", ALIGN_PANEL),
    Option("coef0", ("--coef0",), parse_float, (WARP, SOFT, MATRIX),
           "Constant of --metric polynomial, >= 0 [default: 1].", "C", ALIGN_PANEL),
    Option("step_pattern", ("--step-pattern",), _named(_step_pattern), (WARP, MATRIX),
           {"*": "Step pattern: symmetric1 (default), symmetric2, asymmetric, rigid, mori2006, "
            "mrmsdtw (synctoolbox's weights: diagonal 2, others 1.5), "
            "symmetricP0/P05/P1/P2, asymmetricP0/P05/P1/P2, typeIa-d, typeIas-ds, typeIIa-d, "
            "typeIIIc, typeIVc, or Rabiner-Juang rj<1-7>[a-d][s] (e.g. rj3c).",
            MATRIX: "symmetric1 (default) or symmetric2 (diagonal weighs 2)."}, "NAME",
           {"*": ALIGN_PANEL, MATRIX: MATRIX_PANEL}),
    Option("window", ("--window",), _named(_window), _ALIGNERS,
           "Global constraint: none, sakoechiba, slantedband or itakura [default: none, or "
           "slantedband with --band].", "NAME", ALIGN_PANEL),
    Option("band", ("--band",), parse_band, (*_ALIGNERS, SEARCH),
           {"*": "Half-width of the window in frames (200) or in seconds (2.5s, 500ms; needs "
            "one frame rate for every input).",
            WARP: "Half-width of the window in frames of B (200) or in seconds (2.5s, 500ms; "
            "needs the frame rate of B).",
            SOFT: "Half-width of the window in frames of B (200) or in seconds (2.5s, 500ms; "
            "needs the frame rate of B).",
            SEARCH: "Half-width of the Sakoe-Chiba band: frames (6), seconds (0.1s; needs the "
            "streams' frame rate) or a percentage of the query length (5%, rounded down); "
            "unconstrained DTW when not given."}, "FRAMES|SECONDS|%", ALIGN_PANEL,
           argument="radius"),
    Option("open_begin", ("--open-begin",), parse_bool, (WARP,),
           "Let the path start at any frame of B.", panel=ALIGN_PANEL),
    Option("open_end", ("--open-end",), parse_bool, (WARP,),
           "Let the path end at any frame of B.", panel=ALIGN_PANEL),
    Option("subsequence", ("--subsequence",), parse_bool, (WARP,),
           "Find A inside B: --open-begin and --open-end.", panel=ALIGN_PANEL),
    Option("max_memory", ("--max-memory",), parse_size, (WARP, SEGMENT, SOFT),
           "Memory budget, e.g. 500MB or 2GB [default: half the available memory].", "SIZE",
           ALIGN_PANEL),
    Option("cross_modal", ("--cross-modal",), parse_text, (WARP,),
           "Align inputs whose features differ (in number or meaning) in a learned shared "
           "space: ctw (canonical time warping: alternate CCA and DTW). The metric is then "
           "sqeuclidean (default) or euclidean on the projections.", "METHOD", ALIGN_PANEL),
    Option("components", ("--components",), parse_int, (WARP,),
           "With --cross-modal: canonical components kept [default: the smaller of 10 and the "
           "features of A and of B].", "K", ALIGN_PANEL, argument="n_components"),
    Option("reg", ("--reg",), parse_float, (WARP,),
           "With --cross-modal: ridge added to each covariance, as a fraction of its mean "
           "variance per feature [default: 0.1].", "R", ALIGN_PANEL),
    # long recordings
    Option("solver", ("--solver",), _named(_solver), (WARP,),
           "auto (full when it fits --max-memory, else the exact linear-memory path when it is "
           "estimated under --time-limit, else multiscale), full, linear (exact, the same path, "
           "in tens of MB) or multiscale (approximate, seconds for hours of frames).",
           "SOLVER", LONG_PANEL),
    Option("time_limit", ("--time-limit",), parse_float, (WARP,),
           "--solver auto: the longest estimated time for the exact linear-memory path before "
           "multiscale is used instead [default: 300].", "SECONDS", LONG_PANEL),
    Option("multiscale_radius", ("--multiscale-radius",), parse_int, (WARP,),
           "Multiscale: half-width of the band around the projected path at each level "
           "[default: 16].", "FRAMES", LONG_PANEL),
    Option("refine", ("--refine",), parse_int, (WARP,),
           "Two audio files: refine the path with the same features at FACTOR times the frame "
           "rate (hop / FACTOR), by exact DTW in a band around it (crp_dlnco and chroma_dlnco "
           "as their _fine sets: onsets that decay sooner); 1: no refinement [default: "
           "3 for music; 2 for speech (--preset); 1 otherwise].", "FACTOR", ALIGN_PANEL),
    Option("skip_pauses", ("--skip-pauses",), parse_float, (WARP,),
           "Two audio files: leave the inside of every pause of at least SECONDS (frames "
           "within 10 dB of the recording's quietest, 50 ms kept at each end) out of the "
           "alignment, the path crossing it on a straight line; 0: align every frame "
           "[default: 0.2 for speech (--preset); 0 otherwise].", "SECONDS", ALIGN_PANEL),
    Option("match_tempo", ("--match-tempo/--no-match-tempo",), parse_bool, (WARP,),
           "Two audio files: stretch B to A's overall tempo (how long each sounds, silence at "
           "the ends left out) and put a floor under every cell's cost, so that where the "
           "features cannot tell the path keeps that tempo; the DTW runs over the sounding "
           "parts, the silence around them mapped on straight lines, and the refinement reads "
           "B at its hop times the ratio [default: on for music (--preset); off otherwise].",
           panel=ALIGN_PANEL),
    Option("anchor", ("--anchor",), parse_names, (WARP,),
           "A pair of times the path must pass through, e.g. 12.5:14.2 (seconds, or frames with "
           "f: 300f:340f, or frames when there is no frame rate); repeatable.", "TA:TB",
           LONG_PANEL, argument="anchors"),
    Option("verify", ("--verify/--no-verify",), parse_bool, (WARP,),
           "Multiscale: also compute the exact path (linear memory) and report the share of "
           "points within 2 frames of it [default: when that takes under 5 s].",
           panel=LONG_PANEL),
    # segmentation
    Option("cost", ("--cost",), parse_text, (SEGMENT,),
           "Segment cost: l2 (mean), l1 (median), normal (mean and covariance), linear "
           "(regression of the first column on the others), rbf (distribution, kernel), cosine "
           "(direction), or shape (shape and rhythm: subsequence classification, ClaSP, with a "
           "search and a test of its own) [default: l2].", "NAME", SEARCH_PANEL),
    Option("search", ("--search",), parse_text, (SEGMENT,),
           "Search: pelt (exact, penalised), dynp (exact, --n-bkps), binseg, bottomup or window "
           "(--cost shape has its own, clasp) "
           "[default: pelt; dynp with --n-bkps, binseg beyond 20,000 frames for a single K].",
           "NAME", SEARCH_PANEL),
    Option("penalty", ("--penalty",), parse_text, (SEGMENT,),
           "Penalty per change: a number, or mbic, bic, aic, hqc (scaled by the estimated "
           "noise; see --noise) [default: mbic].", "VALUE|NAME", SEARCH_PANEL),
    Option("n_bkps", ("--n-bkps", "-k"), parse_text, (SEGMENT,),
           "Find exactly K changes (no penalty); K1:K2 writes one optimal segmentation per "
           "number of changes from K1 to K2 (dynp: one pass for all).", "K|K1:K2",
           SEARCH_PANEL),
    Option("max_bkps", ("--max-bkps",), parse_int, (SEGMENT,),
           "At most K changes (binseg, bottomup, --cost shape; dynp with a penalty).", "K",
           SEARCH_PANEL),
    Option("min_size", ("--min-size",), parse_int, (SEGMENT,),
           "Shortest segment [default: 2 for normal, 5 widths for shape, else 1].", "FRAMES",
           SEARCH_PANEL),
    Option("jump", ("--jump",), parse_int, (SEGMENT,),
           "Changes only at multiples of this [default: 1].", "FRAMES", SEARCH_PANEL),
    Option("width", ("--width",), parse_int, (SEGMENT,),
           "Window of --search window, or subsequence width of --cost shape [default: 100 for "
           "window; estimated from the data (SuSS) for shape].", "FRAMES", SEARCH_PANEL),
    Option("noise", ("--noise",), parse_float, (SEGMENT,),
           "Scale of named penalties: the noise variance for l2 (1 for z-scored data as "
           "TCPDBench) [default: estimated from first differences].", "VARIANCE",
           SEARCH_PANEL),
    Option("crops", ("--crops",), parse_text, (SEGMENT,),
           "List every optimal segmentation for penalties in MIN:MAX (CROPS) instead; writes "
           "one row per number of changes.", "MIN:MAX", SEARCH_PANEL),
    Option("engine", ("--engine",), parse_text, (SEGMENT,),
           "native, or ruptures (also its costs ar, rank, mahalanobis, clinear).", "NAME",
           SEARCH_PANEL),
    Option("pruning", ("--pruning",), parse_text, (SEGMENT,),
           "PELT pruning: exact, or classic (R changepoint's and ruptures', which can miss the "
           "optimum with mbic).", "NAME", SEARCH_PANEL),
    Option("online", ("--online",), parse_bool, (SEGMENT,),
           "Read INPUT (a file or - for a pipe) as it arrives and write each boundary the moment "
           "it is certain (exact PELT: l2, normal, rbf, cosine; CSV index,time to standard output, "
           "flushed).", panel=SEARCH_PANEL),
    Option("expected_length", ("--expected-length",), parse_int, (SEGMENT,),
           "--online: the n of named penalties (bic, mbic...), unknown in a stream.", "FRAMES",
           SEARCH_PANEL),
    Option("wait", ("--wait",), parse_wait, (SEGMENT,),
           "--online with a file: keep reading what is appended to it until it has not grown "
           "for this long (inf: until interrupted; 0: stop at its end) [default: 1].", "SECONDS",
           SEARCH_PANEL),
    Option("max_delay", ("--max-delay",), parse_int, (SEGMENT,),
           "--online: force a boundary after this many frames without a certain one "
           "(approximate then) [default: never].", "FRAMES", SEARCH_PANEL),
    # following
    Option("live_format", ("--live-format",), parse_text, (FOLLOW,),
           "Read LIVE as audio (a file, or a WAV stream on standard input), pcm (raw 16-bit "
           "signed little-endian mono at --sample-rate), npy, npz, csv or tsv [default: from "
           "the extension, else WAV when standard input starts with RIFF, else text rows].",
           "FORMAT", FOLLOW_PANEL),
    Option("search_window", ("--search-window",), parse_band, (FOLLOW,),
           "Reference in the search window, seconds (20s) or frames (1000), a quarter behind "
           "the position.", "SECONDS|FRAMES", FOLLOW_PANEL),
    Option("max_run", ("--max-run",), parse_int, (FOLLOW,),
           "Most horizontal or vertical steps in a row (Dixon's MaxRunCount); the position "
           "moves at most 1 + this many reference frames per live frame [default: 6 for "
           "speech (--preset), else 4].", "N", FOLLOW_PANEL),
    Option("step_weights", ("--step-weights",), parse_text, (FOLLOW,),
           "Weights of the horizontal, diagonal and vertical steps.", "H,D,V", FOLLOW_PANEL),
    Option("from_time", ("--from",), parse_text, (FOLLOW,),
           "Start following at this time of REFERENCE: seconds (12.5, 12.5s, 500ms) or a frame "
           "(300f).", "TIME", FOLLOW_PANEL),
    Option("reanchor", ("--reanchor/--no-reanchor",), parse_bool, (FOLLOW,),
           "When the match stays poor, search the last seconds of LIVE in the whole "
           "REFERENCE and jump to a clearly better place (recovers from skips and repeats).",
           panel=FOLLOW_PANEL),
    # soft-DTW
    Option("gamma", ("--gamma", "-g"), parse_float, (SOFT, BARYCENTER, MATRIX),
           {"*": "Smoothing of the soft minimum, > 0: soft-DTW tends to DTW as G -> 0 "
            "[default: 1].",
            MATRIX: "Smoothing of --soft, > 0: soft-DTW tends to DTW as G -> 0 [default: 1]."},
           "G", _SOFT_PANELS),
    Option("divergence", ("--divergence",), parse_bool, (SOFT, BARYCENTER),
           {"*": "The soft-DTW divergence D(A, B) = sdtw(A, B) - (sdtw(A, A) + sdtw(B, B)) / 2: "
            ">= 0 and 0 when A == B (Blondel, Mensch & Vert 2021).",
            BARYCENTER: "soft: minimise the soft-DTW divergence instead."}, panel=_SOFT_PANELS),
    Option("sharp", ("--sharp",), parse_bool, (SOFT, BARYCENTER),
           {"*": "The sharp variant: the expected cost of a path, <E, C>, without entropy.",
            BARYCENTER: "soft: the sharp variant."}, panel=_SOFT_PANELS),
    # barycenters
    Option("averaging", ("--averaging",), parse_text, (BARYCENTER,),
           "soft (soft-DTW, L-BFGS-B; Cuturi & Blondel 2017) or dba (DTW barycenter averaging; "
           "Petitjean et al. 2011) [default: soft].", "NAME", BARYCENTER_PANEL),
    Option("length", ("--length",), parse_int, (BARYCENTER,),
           "Frames of the barycenter [default: the mean length, or the medoid's].", "FRAMES",
           BARYCENTER_PANEL),
    Option("init", ("--init",), parse_text, (BARYCENTER,),
           "Start from mean (the inputs resampled and averaged) or medoid (the most central "
           "input) [default: mean].", "NAME", BARYCENTER_PANEL),
    Option("weights", ("--weights",), parse_text, (BARYCENTER,),
           "One weight per file [default: 1 each].", "W1,W2,...", BARYCENTER_PANEL),
    Option("tol", ("--tol",), parse_float, (BARYCENTER,),
           "Stopping tolerance [default: 1e-4 for soft, 1e-5 (relative decrease) for dba].",
           "TOL", BARYCENTER_PANEL),
    Option("max_iter", ("--max-iter",), parse_int, (BARYCENTER,),
           "Most iterations [default: 50 for soft, 30 for dba].", "N", BARYCENTER_PANEL),
    # matrices
    Option("manifest", ("--manifest",), parse_text, (MATRIX,),
           "More inputs: a list of paths, one a line.", "FILE", MATRIX_PANEL),
    Option("references", ("--references",), parse_text, (MATRIX,),
           "A list of reference paths: the matrix is inputs x references, and --knn searches "
           "them [default: the inputs against themselves].", "FILE", MATRIX_PANEL),
    Option("knn", ("--knn",), parse_int, (MATRIX,),
           "Write the K nearest references of each input instead of the matrix (LB_Keogh and "
           "early abandoning; without --references, leave-one-out).", "K", MATRIX_PANEL,
           argument="k"),
    Option("sqrt", ("--sqrt",), parse_bool, (MATRIX,),
           "Report the square root of each DTW: with sqeuclidean, the DTW of dtaidistance and "
           "tslearn.", panel=MATRIX_PANEL),
    Option("soft", ("--soft",), parse_bool, (MATRIX,),
           "The soft-DTW matrix instead of DTW's (smoothing: --gamma).", panel=MATRIX_PANEL),
    Option("jobs", ("--jobs", "-j"), parse_int, (MATRIX, SEARCH, BATCH),
           {"*": "Threads [default: every CPU].",
            BATCH: "Local worker processes [default: every core]; with --scheduler local, the "
            "Dask workers."}, "N", {"*": MATRIX_PANEL, SEARCH: LONG_PANEL, BATCH: BATCH_PANEL},
           argument="n_jobs"),
    Option("scheduler", ("--scheduler",), parse_text, (MATRIX, SEARCH, BATCH),
           {"*": "Compute the DTW matrix by blocks on a Dask cluster (tcp://host:8786), or "
            "'local' for a local one of --jobs processes (needs seqalign[dask]).",
            SEARCH: "Search the streams on a Dask cluster (tcp://host:8786), one task per file, "
            "or 'local' for a local one of --jobs processes (needs seqalign[dask]); workers "
            "must see the files at the same paths.",
            BATCH: "Run on a Dask cluster: its scheduler address (tcp://host:8786), or local to "
            "start one here; needs pip install 'seqalign[dask]'. Workers must see the inputs "
            "and DIR at the same paths."}, "ADDRESS",
           {"*": MATRIX_PANEL, SEARCH: LONG_PANEL, BATCH: BATCH_PANEL}),
    # subsequence search
    Option("k", ("-k", "--top"), parse_int, (SEARCH,),
           "Report the K best matches (1 when not given; with --max-distance, every match "
           "under it unless -k is given too).", "K", ALIGN_PANEL),
    Option("exclusion", ("--exclusion",), parse_int, (SEARCH,),
           "A window starting less than this many frames from a better match is not a match "
           "(half the query length when not given; 0 allows overlapping matches).", "FRAMES",
           ALIGN_PANEL),
    Option("max_distance", ("--max-distance",), parse_float, (SEARCH,),
           "Report every match whose distance is at most this, instead of the K best.", "D",
           ALIGN_PANEL),
    Option("znorm", ("--znorm/--no-znorm",), parse_bool, (SEARCH,),
           "z-normalise the query and every window of the streams (each feature with the "
           "window's own mean and deviation), or compare raw values.", panel=ALIGN_PANEL),
    Option("query_start", ("--query-start",), parse_position, (SEARCH,),
           "The query is the part of QUERY from this frame (120) or time (2.5s).",
           "FRAME|TIME"),
    Option("query_end", ("--query-end",), parse_position, (SEARCH,),
           "The query ends before this frame or time of QUERY (its end when not given).",
           "FRAME|TIME"),
    # evaluate
    Option("kind", ("--kind",), parse_text, (EVALUATE,),
           "segmentation or alignment [default: from the content of PREDICTED].", "KIND",
           INPUT_PANEL),
    Option("margin", ("--margin",), parse_float, (EVALUATE,),
           "A predicted change point within this many frames of an annotated one is a hit (F1, "
           "precision, recall) [default: 5, as TCPDBench].", "FRAMES", SEGMENTATIONS_PANEL),
    Option("dataset", ("--dataset",), parse_text, (EVALUATE,),
           "The dataset of TCPD's annotations.json [default: its only one, else the one "
           "PREDICTED (or --n FILE) is named after].", "NAME", SEGMENTATIONS_PANEL),
    Option("n", ("--n",), parse_text, (EVALUATE,),
           "Length of the series (for covering), or a TCPD dataset file that gives it "
           "[default: from a boundaries JSON, or DATASET.json beside annotations.json].",
           "N|FILE", SEGMENTATIONS_PANEL),
    Option("convention", ("--convention",), parse_text, (EVALUATE,),
           "Compare change points as tcpd locations (= seqalign boundary - 1) or as index "
           "(first frame of a segment) [default: tcpd against TCPD's annotations, else what the "
           "files say, else index].", "NAME", SEGMENTATIONS_PANEL),
    Option("tolerance", ("--tolerance",), parse_names, (EVALUATE,),
           "Report the share of errors within this (0.05, 50ms); repeat for several [default: "
           "0.05 and 0.1].", "SECONDS", ALIGNMENTS_PANEL),
    Option("at", ("--at",), parse_text, (EVALUATE,),
           "Measure the error at each time of A in the reference, or at each frame of the "
           "prediction within the reference's span: reference or frames [default: "
           "reference].", "WHERE", ALIGNMENTS_PANEL),
    # batch
    Option("set", ("--set",), parse_names, (BATCH,),
           "Default option for every job it applies to, e.g. --set metric=cosine --set band=20 "
           "--set penalty=bic; a manifest column of the same name overrides it. Repeat for "
           "several.", "KEY=VALUE", BATCH_PANEL),
    Option("resume", ("--resume",), parse_bool, (BATCH,),
           "Finish an earlier batch in DIR: skip the jobs it did (same input bytes, options and "
           "version, output still there), redo the rest.", panel=BATCH_PANEL),
    Option("overwrite", ("--overwrite",), parse_bool, (BATCH,),
           "Start again in a DIR that holds an earlier batch.", panel=BATCH_PANEL),
    Option("output_dir", ("--output-dir", "-o"), parse_text, (BATCH,),
           "Folder of the outputs (created): <id>.path.<format> per alignment, "
           "<id>.boundaries.<format> per segmentation, summary.csv, failures.csv and "
           "journal.jsonl.", "DIR", OUTPUT_PANEL, output=True),
    # outputs (named by a batch itself: not columns)
    Option("output", ("-o", "--output"), parse_text,
           (WARP, SEGMENT, BARYCENTER, MATRIX, SEARCH, EVALUATE, FOLLOW),
           {"*": "Where to write the result; - is standard output.",
            BARYCENTER: "Where to write the barycenter: .npy, .npz, .csv, .tsv or .json (from "
            "the extension, else csv; - is standard output)."}, "FILE", OUTPUT_PANEL,
           output=True),
    Option("format", ("--format",), parse_text, (WARP, SEGMENT, BARYCENTER, MATRIX, SEARCH,
                                                 EVALUATE, BATCH),
           {"*": "Format of -o: csv, tsv, json or npz [default: from the extension, else csv].",
            EVALUATE: "Format of the scores: json or csv [default: from the extension, else "
            "json].",
            BATCH: "Format of the job outputs: csv, tsv, json or npz [default: csv].",
            BARYCENTER: "npy, npz, csv, tsv or json [default: from the extension, else csv].",
            MATRIX: "npy, npz, csv or json [default: from the extension, else csv].",
            SEARCH: "csv, tsv, json or npz (from the extension when not given, else csv)."},
           "FORMAT", OUTPUT_PANEL, output=True),
    Option("alignment", ("--alignment",), parse_text, (SOFT,),
           "Also write the expected alignment matrix E of A and B (.npz or .json), with the DTW "
           "path and, for each frame of A, the confidence of the path: the largest E on its "
           "cells in that row.", "FILE", OUTPUT_PANEL, output=True),
    Option("time_map", ("--time-map",), parse_text, (WARP,),
           "Also write, for each frame of A, the matching time in B and the confidence of the "
           "match, 0-1 (columns a_time,b_time,confidence; format from the extension, else csv; "
           "- is standard output).", "FILE", OUTPUT_PANEL, output=True),
    Option("interpolation", ("--interpolation",), _named(_interpolation), (WARP,),
           "Time map between path cells: runs (piecewise linear through the middle of each "
           "run of the path: sub-frame times), steps (the mean matched frame of B per frame "
           "of A) or pauses (runs, but a frame of A matched with over 40 ms of B, a pause, "
           "maps to where B resumes) [default: pauses for speech (--preset); runs "
           "otherwise].", "NAME", OUTPUT_PANEL),
    Option("plot", ("--plot",), parse_text, (WARP, SEGMENT),
           {"*": "Also draw the path (over the local costs when they fit) to a .png, .pdf or "
            ".svg file; needs matplotlib (pip install 'seqalign[plot]').",
            SEGMENT: "Also draw the stream and its boundaries to a .png, .pdf or .svg file; "
            "needs matplotlib (pip install 'seqalign[plot]')."}, "FILE", OUTPUT_PANEL,
           output=True),
    Option("projections", ("--projections",), parse_text, (WARP,),
           "With --cross-modal: also write the learned projections as .npz (x_weights, "
           "y_weights, x_mean, y_mean, correlations, objectives; A maps to (A - x_mean) @ "
           "x_weights).", "FILE", OUTPUT_PANEL, output=True),
    Option("segments", ("--segments",), parse_text, (SEGMENT,),
           "Also write one row per segment: start, end, times, duration.", "FILE",
           OUTPUT_PANEL, output=True),
    Option("labels", ("--labels",), parse_text, (SEGMENT,),
           "Also write an Audacity label track (one region per segment; needs a frame rate).",
           "FILE", OUTPUT_PANEL, output=True),
)  # fmt: skip

#: Name -> :class:`Option`, every option of every command.
OPTIONS: dict[str, Option] = {o.name: o for o in _DECLARED}

#: Library argument named by an error (``SeqalignError.argument``) -> the flag a user types.
FLAGS: dict[str, str] = {
    **{o.name: o.flag for o in _DECLARED if o.flag.startswith("--")},
    **{o.argument: o.flag for o in _DECLARED if o.argument is not None},
    "output": "-o",
    "format": "--format",
}


def flag_of(name: str) -> str | None:
    """The flag of library argument ``name`` (the same in every command), or None."""
    return FLAGS.get(name)


def options_of(command: str, batch: bool = False) -> dict[str, Option]:
    """The options of ``command``; with ``batch``, only its batch columns (no outputs)."""
    return {
        name: o for name, o in OPTIONS.items() if command in o.commands and not (batch and o.output)
    }
