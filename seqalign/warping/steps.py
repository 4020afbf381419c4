"""Step patterns: the local transitions a DTW warping path may take, as plain data.

A step pattern is a list of *steps*. ``C[i, j]`` is the local cost between query frame
``i`` (``x``, length ``N``) and reference frame ``j`` (``y``, length ``M``), and ``D`` is
the accumulated cost. Each step is a pair ``(origin, cells)``:

``origin = (di0, dj0)``
    the step starts at ``D[i - di0, j - dj0]``;
``cells = ((di_1, dj_1, w_1), ..., (0, 0, w_k))``
    the local-cost cells the step passes through *after* the origin, in path order; the
    last one is always the current cell ``(0, 0)``.

The cost of reaching ``(i, j)`` through a step is
``D[i - di0, j - dj0] + sum(w_s * C[i - di_s, j - dj_s])`` and ``D[i, j]`` is the minimum
over the steps, taken in the order they are listed (the first minimum wins ties, so the
order follows dtw-python's pattern numbers). This is the same information as the rows
``(pattern, di, dj, weight)`` of dtw-python's ``stepPattern.mx``, where weight ``-1``
marks the origin (Giorgino 2009).

``normalization`` says what the accumulated cost can be divided by to compare alignments
of different lengths: ``"N+M"``, ``"N"`` (query length), ``"M"`` (reference length) or
``"NA"`` (not normalisable), as dtw-python's ``hint``.

Examples
--------
``symmetric2`` (the default of most DTW toolkits: Sakoe & Chiba 1978, P = 0) reads::

    D[i, j] = min(D[i-1, j-1] + 2 C[i, j],
                  D[i,   j-1] +   C[i, j],
                  D[i-1, j  ] +   C[i, j])

and is written

>>> STEP_PATTERNS["symmetric2"].steps
(((1, 1), ((0, 0, 2.0),)), ((0, 1), ((0, 0, 1.0),)), ((1, 0), ((0, 0, 1.0),)))
>>> STEP_PATTERNS["symmetric2"].normalization
'N+M'

A step may pass through several cells; the first step of ``symmetricP1`` goes from
``(i-1, j-2)`` diagonally to ``(i, j-1)`` (weight 2) and on to ``(i, j)`` (weight 1):

>>> STEP_PATTERNS["symmetricP1"].steps[0]
((1, 2), ((0, 1, 2.0), (0, 0, 1.0)))

Names accepted by :func:`get_step_pattern`: the keys of :data:`STEP_PATTERNS` (any case)
and Rabiner-Juang specifications ``rj<type>[<weighting>][-smoothed]`` (also ``...s``),
with ``type`` 1-7 and ``weighting`` ``a``-``d`` (default ``d``), e.g. ``"rj3c"``,
``"rj2d-smoothed"``, ``"rj5as"``.

References
----------
H. Sakoe and S. Chiba, "Dynamic programming algorithm optimization for spoken word
recognition", IEEE Trans. ASSP 26(1), 1978 (table I: the P-slope family).
L. Rabiner and B.-H. Juang, "Fundamentals of Speech Recognition", Prentice Hall, 1993
(table 4.5 and sec. 4.7.2.5: path types I-VII and slope weightings a-d).
C. Myers, L. Rabiner and A. Rosenberg, "Performance tradeoffs in dynamic time warping
algorithms for isolated word recognition", IEEE Trans. ASSP 28(6), 1980 (types I-IV).
A. Mori et al., "Early recognition and prediction of gestures", ICPR 2006.
T. Giorgino, "Computing and visualizing dynamic time warping alignments in R: the dtw
package", Journal of Statistical Software 31(7), 2009.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

from seqalign.errors import InputError

__all__ = [
    "NORMALIZATIONS",
    "STEP_PATTERNS",
    "StepPattern",
    "get_step_pattern",
    "rabiner_juang",
]

#: Normalisation hints, as dtw-python's ``hint``.
NORMALIZATIONS = ("N+M", "N", "M", "NA")

Cell = tuple[int, int, float]
Step = tuple[tuple[int, int], tuple[Cell, ...]]
Move = tuple[int, int]


@dataclass(frozen=True, repr=False)
class StepPattern:
    """A DTW step pattern; see the module docstring for the representation.

    Parameters
    ----------
    name : str
        Name of the pattern (its key in :data:`STEP_PATTERNS` for the built-in ones).
    steps : tuple
        The steps ``((di0, dj0), ((di, dj, weight), ..., (0, 0, weight)))``, in
        tie-breaking order.
    normalization : {"N+M", "N", "M", "NA"}
        What the accumulated cost may be divided by (``"NA"``: not normalisable).
    description : str
        One-line human description, stating the normalisation.
    """

    name: str
    steps: tuple[Step, ...]
    normalization: str
    description: str = ""

    def __post_init__(self) -> None:
        def bad(why: str) -> InputError:
            return InputError(f"invalid step pattern {self.name!r}: {why}", argument="step_pattern")

        if self.normalization not in NORMALIZATIONS:
            raise bad(f"normalization must be one of {NORMALIZATIONS}, not {self.normalization!r}")
        if not self.steps:
            raise bad("it has no steps")
        for (di0, dj0), cells in self.steps:
            if di0 < 0 or dj0 < 0 or di0 + dj0 == 0:
                raise bad(f"origin {(di0, dj0)} must be a non-negative offset other than (0, 0)")
            if not cells or tuple(cells[-1][:2]) != (0, 0):
                raise bad(f"the cells of the step from {(di0, dj0)} must end at (0, 0)")
            for di, dj, _ in cells:
                if not (0 <= di <= di0 and 0 <= dj <= dj0):
                    raise bad(f"cell {(di, dj)} lies outside the step from {(di0, dj0)}")

    def __repr__(self) -> str:
        return (
            f"StepPattern({self.name!r}, {len(self.steps)} steps, "
            f"normalization={self.normalization!r})"
        )

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n_steps = len(self.steps)
        width = max(len(cells) for _, cells in self.steps)
        origins = np.zeros((n_steps, 2), dtype=np.int64)
        offsets = np.zeros((n_steps, width, 2), dtype=np.int64)
        weights = np.zeros((n_steps, width), dtype=np.float64)
        ncells = np.zeros(n_steps, dtype=np.int64)
        for p, (origin, cells) in enumerate(self.steps):
            origins[p] = origin
            ncells[p] = len(cells)
            for s, (di, dj, w) in enumerate(cells):
                offsets[p, s] = (di, dj)
                weights[p, s] = w
        for a in (origins, offsets, weights, ncells):
            a.flags.writeable = False
        return origins, offsets, weights, ncells

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The pattern as arrays for the kernel (computed once, read-only).

        Returns
        -------
        origins : int64 array, shape (P, 2)
            ``(di0, dj0)`` of each step.
        offsets : int64 array, shape (P, S, 2)
            ``(di, dj)`` of each cell of each step; S is the most cells of any step and
            unused slots are zero.
        weights : float64 array, shape (P, S)
            Weight of each cell (0.0 in unused slots).
        ncells : int64 array, shape (P,)
            Number of cells of each step.
        """
        return self._arrays

    @property
    def n_steps(self) -> int:
        """Number of steps."""
        return len(self.steps)

    @property
    def max_di(self) -> int:
        """Largest query offset of any origin."""
        return max(origin[0] for origin, _ in self.steps)

    @property
    def max_dj(self) -> int:
        """Largest reference offset of any origin."""
        return max(origin[1] for origin, _ in self.steps)

    @property
    def max_reach(self) -> int:
        """Largest ``di0 + dj0`` of any origin (how many anti-diagonals a step spans)."""
        return max(origin[0] + origin[1] for origin, _ in self.steps)

    def transpose(self) -> StepPattern:
        """The same pattern with the roles of query and reference swapped."""
        swap = {"N": "M", "M": "N"}
        steps = tuple(
            ((dj0, di0), tuple((dj, di, w) for di, dj, w in cells))
            for (di0, dj0), cells in self.steps
        )
        norm = swap.get(self.normalization, self.normalization)
        return StepPattern(f"{self.name}.T", steps, norm, f"{self.name} transposed ({norm}).")


# --- construction from unit moves ------------------------------------------------------
#
# A "path" lists the moves (di, dj) that lead from the origin to the current cell; a move
# may jump (e.g. (1, 2)). Rabiner & Juang (1993, sec. 4.7.2.5) weigh each move by
# a: min(di, dj), b: max(di, dj), c: di, d: di + dj; smoothing gives every move of a path
# the mean weight of that path.

_I, _J, _D = (1, 0), (0, 1), (1, 1)  # advance the query, the reference, both

_RULES = {
    "a": lambda di, dj: min(di, dj),
    "b": lambda di, dj: max(di, dj),
    "c": lambda di, dj: di,
    "d": lambda di, dj: di + dj,
}
_RULE_NORMALIZATION = {"a": "NA", "b": "NA", "c": "N", "d": "N+M"}


def _step(moves: tuple[Move, ...], weights: tuple[float, ...]) -> Step:
    i = sum(m[0] for m in moves)
    j = sum(m[1] for m in moves)
    origin = (i, j)
    cells = []
    for (di, dj), w in zip(moves, weights, strict=True):
        i, j = i - di, j - dj
        cells.append((i, j, float(w)))
    return origin, tuple(cells)


def _weighted(paths: tuple[tuple[Move, ...], ...], rule: str, smoothed: bool) -> tuple:
    steps = []
    for moves in paths:
        weights = [float(_RULES[rule](di, dj)) for di, dj in moves]
        if smoothed:
            weights = [sum(weights) / len(weights)] * len(weights)
        steps.append(_step(moves, tuple(weights)))
    return tuple(steps)


def _pattern(name: str, steps: tuple, norm: str, text: str) -> StepPattern:
    return StepPattern(name, steps, norm, f"{text} Normalisation: {norm}.")


# Rabiner & Juang (1993), table 4.5: the paths of types I-VII, in dtw-python's order.
_RJ_PATHS: dict[int, tuple[tuple[Move, ...], ...]] = {
    1: ((_I,), (_D,), (_J,)),
    2: ((_D, _I), (_D,), (_D, _J)),
    3: (((2, 1),), (_D,), ((1, 2),)),
    4: ((_D, _I), ((1, 2), _I), (_D,), ((1, 2),)),
    5: ((_D, _I, _I), (_D, _I), (_D,), (_D, _J), (_D, _J, _J)),
    6: ((_D, _D, _I), (_D,), (_D, _D, _J)),
    7: tuple(((1, k), *(_I,) * r) for r in (2, 1, 0) for k in (1, 2, 3)),
}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII"}


@cache
def rabiner_juang(type: int, slope_weighting: str = "d", smoothed: bool = False) -> StepPattern:
    """Rabiner-Juang step pattern of path ``type`` 1-7 and slope weighting ``a``-``d``.

    The paths are those of Rabiner & Juang (1993), table 4.5; each move ``(di, dj)`` of a
    path weighs ``min(di, dj)`` (a), ``max(di, dj)`` (b), ``di`` (c) or ``di + dj`` (d),
    and ``smoothed`` replaces the weights of a path by their mean. Weighting c normalises
    by ``"N"``, d by ``"N+M"``; a and b are not normalisable (``"NA"``). The result is
    named ``rj<type><weighting>`` (plus ``-smoothed``), as :func:`get_step_pattern` reads;
    results are cached, so equal arguments give the same object.
    """
    if type not in _RJ_PATHS:
        raise InputError(
            f"Rabiner-Juang type must be an integer 1-7, not {type!r}", argument="step_pattern"
        )
    rule = str(slope_weighting).lower()
    if rule not in _RULES:
        raise InputError(
            f"Rabiner-Juang slope weighting must be one of 'a', 'b', 'c', 'd', not "
            f"{slope_weighting!r}",
            argument="step_pattern",
        )
    type = int(type)
    name = f"rj{type}{rule}" + ("-smoothed" if smoothed else "")
    text = f"Rabiner-Juang type {_ROMAN[type]}, slope weighting ({rule})"
    text += ", smoothed." if smoothed else "."
    return _pattern(
        name, _weighted(_RJ_PATHS[type], rule, smoothed), _RULE_NORMALIZATION[rule], text
    )


# --- Sakoe & Chiba (1978), table I: slope constraint P = m / n ----------------------------
# After n moves along one axis a path must take at least m diagonal moves; a step is m
# diagonal moves followed by k = 1..n moves along an axis, or one diagonal move.
# Symmetric forms weigh moves by di + dj, asymmetric forms by di, smoothed.

_SAKOE_P = {"0": (0, 1), "05": (1, 2), "1": (1, 1), "2": (2, 1)}


def _sakoe_chiba_paths(m: int, n: int) -> tuple[tuple[Move, ...], ...]:
    diag = (_D,) * m
    along_j = [(*diag, *(_J,) * k) for k in range(n, 0, -1)]
    along_i = [(*diag, *(_I,) * k) for k in range(1, n + 1)]
    return (*along_j, (_D,), *along_i)


def _sakoe_chiba(symmetric: bool, p: str) -> StepPattern:
    kind = "symmetric" if symmetric else "asymmetric"
    rule, smoothed = ("d", False) if symmetric else ("c", True)
    m, n = _SAKOE_P[p]
    text = f"Sakoe-Chiba {kind} form, slope constraint P = {m}/{n}"
    steps = _weighted(_sakoe_chiba_paths(m, n), rule, smoothed)
    return _pattern(f"{kind}P{p}", steps, _RULE_NORMALIZATION[rule], text + ".")


# --- the registry -----------------------------------------------------------------------


def _build_registry() -> dict[str, StepPattern]:
    sym2 = _weighted(((_D,), (_J,), (_I,)), "d", False)
    unit = tuple(_step(moves, (1.0,)) for moves in ((_D,), (_J,), (_I,)))
    reg = [
        _pattern("symmetric1", unit, "NA", "White-Neely: every step weighs 1 (favours diagonals)."),
        _pattern("symmetric2", sym2, "N+M", "Symmetric, no slope constraint, diagonal weighs 2."),
        _pattern(
            "asymmetric",
            _weighted(((_I,), (_D,), ((1, 2),)), "c", False),
            "N",
            "Asymmetric, slope 0 to 2; every query frame is matched exactly once.",
        ),
        # Sakoe & Chiba's symmetric P = 0 form is symmetric2 (same step order too).
        _pattern("symmetricP0", sym2, "N+M", "Sakoe-Chiba symmetric form, P = 0 (= symmetric2)."),
        *(_sakoe_chiba(True, p) for p in ("05", "1", "2")),
        *(_sakoe_chiba(False, p) for p in ("0", "05", "1", "2")),
    ]
    # Myers, Rabiner & Rosenberg (1980): types I (= Rabiner-Juang II), II (= RJ III),
    # III (= RJ IV) and IV (= RJ VII), with their own step order.
    myers = {
        "I": _RJ_PATHS[2],
        "II": ((_D,), ((1, 2),), ((2, 1),)),
        "III": (((1, 2),), (_D,), (_D, _I), ((1, 2), _I)),
        "IV": tuple(((1, k), *(_I,) * r) for r in (0, 1, 2) for k in (1, 2, 3)),
    }
    kinds = [("I", w, sm) for sm in (False, True) for w in "abcd"]
    kinds += [("II", w, False) for w in "abcd"] + [("III", "c", False), ("IV", "c", False)]
    for roman, w, smoothed in kinds:
        name = f"type{roman}{w}" + ("s" if smoothed else "")
        steps = _weighted(myers[roman], w, smoothed)
        reg.append(_pattern(name, steps, _RULE_NORMALIZATION[w], f"Rabiner-Myers {name}."))
    # synctoolbox's audio-audio pipeline (Müller et al. 2021): diagonal 2, the others 1.5,
    # between symmetric1 (1, 1, 1: diagonals cheapest) and symmetric2 (1, 1, 2: no preference)
    sync = (_step((_D,), (2.0,)), _step((_J,), (1.5,)), _step((_I,), (1.5,)))
    reg.append(_pattern("mrmsdtw", sync, "NA", "Diagonal weighs 2, horizontal and vertical "
                        "1.5 (synctoolbox's MrMsDTW step weights)."))  # fmt: skip
    mori = (_step((_D, _I), (2.0, 1.0)), _step((_D,), (3.0,)), _step((_D, _J), (3.0, 3.0)))
    reg.append(_pattern("mori2006", mori, "M", "Mori et al. (2006), asymmetric."))
    rigid = (_step((_D,), (1.0,)),)
    reg.append(_pattern("rigid", rigid, "N", "Diagonal only; meant for open begin and end."))
    return {p.name: p for p in reg}


#: The named step patterns, by name.
STEP_PATTERNS: dict[str, StepPattern] = _build_registry()

_BY_LOWER = {name.lower(): p for name, p in STEP_PATTERNS.items()}
assert len(_BY_LOWER) == len(STEP_PATTERNS), "step pattern names differ only by case"

_RJ_SPEC = re.compile(r"rj([1-7])([a-d]?)(-smoothed|s)?", re.IGNORECASE)


def get_step_pattern(name: str | StepPattern) -> StepPattern:
    """Look up a step pattern.

    Parameters
    ----------
    name : str or StepPattern
        A :class:`StepPattern` (returned unchanged), a key of :data:`STEP_PATTERNS` (any
        case), or a Rabiner-Juang specification ``rj<type>[<weighting>][-smoothed]``
        (``-smoothed`` may be shortened to ``s``): ``type`` 1-7, ``weighting`` ``a``-``d``
        (default ``d``); e.g. ``"rj3c"``, ``"rj2d-smoothed"``, ``"rj5as"``.

    Raises
    ------
    InputError
        If the name is not known (``argument="step_pattern"``).
    """
    if isinstance(name, StepPattern):
        return name
    if isinstance(name, str):
        key = name.strip()
        found = _BY_LOWER.get(key.lower())
        if found is not None:
            return found
        spec = _RJ_SPEC.fullmatch(key)
        if spec is not None:
            return rabiner_juang(int(spec[1]), spec[2].lower() or "d", spec[3] is not None)
    raise InputError(
        f"unknown step pattern {name!r}; choose one of: {', '.join(STEP_PATTERNS)}, "
        "or rj<type 1-7>[<weighting a-d>][-smoothed] (e.g. rj3c)",
        argument="step_pattern",
    )
