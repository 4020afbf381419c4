"""Tests of seqalign.warping.steps: the step-pattern vocabulary, checked against dtw-python."""

from __future__ import annotations

import doctest
import itertools
import math

import numpy as np
import pytest

import seqalign.warping.steps as steps_module
from seqalign.errors import InputError
from seqalign.warping.steps import (
    NORMALIZATIONS,
    STEP_PATTERNS,
    StepPattern,
    get_step_pattern,
    rabiner_juang,
)

NAMES = list(STEP_PATTERNS)
#: Patterns dtw-python does not name, as its rows (pattern, di, dj, weight; -1: the origin).
CUSTOM = {"mrmsdtw": [(1, 1, 1, -1), (1, 0, 0, 2.0), (2, 0, 1, -1), (2, 0, 0, 1.5),
                      (3, 1, 0, -1), (3, 0, 0, 1.5)]}  # fmt: skip
RJ_ARGS = list(itertools.product(range(1, 8), "abcd", (False, True)))


def dtw_python_pattern(dtw, name: str):
    """dtw-python's step pattern ``name``; for the ones it does not name (:data:`CUSTOM`),
    built from their (pattern, di, dj, weight) rows with our normalisation."""
    if name in CUSTOM:
        rows = np.array(CUSTOM[name], dtype=float)
        return dtw.stepPattern.StepPattern(rows, hint=STEP_PATTERNS[name].normalization)
    return getattr(dtw.stepPattern, name)


def rj_id(args: tuple[int, str, bool]) -> str:
    t, w, s = args
    return f"rj{t}{w}" + ("-smoothed" if s else "")


def from_mx(mx: np.ndarray) -> list:
    """dtw-python's (pattern, di, dj, weight) rows as [(origin, [(di, dj, w), ...]), ...]."""
    out: list = []
    for row in mx:
        pattern, di, dj, w = int(row[0]), int(row[1]), int(row[2]), float(row[3])
        if w == -1:
            assert pattern == len(out) + 1
            out.append(((di, dj), []))
        else:
            assert pattern == len(out)
            out[-1][1].append((di, dj, w))
    return out


def assert_same_steps(ours: StepPattern, theirs) -> None:
    expected = from_mx(theirs.mx)
    assert [origin for origin, _ in ours.steps] == [origin for origin, _ in expected]
    for (_, cells), (_, ref_cells) in zip(ours.steps, expected, strict=True):
        assert [c[:2] for c in cells] == [c[:2] for c in ref_cells]
        assert [c[2] for c in cells] == pytest.approx([c[2] for c in ref_cells], abs=1e-12)
    assert ours.normalization == theirs.hint


def reference_dtw(cost: np.ndarray, pattern: StepPattern) -> float:
    """Plain-Python DTW from arrays() (start cell costs C[0, 0], as dtw-python)."""
    origins, offsets, weights, ncells = pattern.arrays()
    n, m = cost.shape
    acc = np.full((n, m), math.inf)
    acc[0, 0] = cost[0, 0]
    for i in range(n):
        for j in range(m):
            if i == 0 and j == 0:
                continue
            for p in range(origins.shape[0]):
                oi, oj = i - origins[p, 0], j - origins[p, 1]
                if oi < 0 or oj < 0:
                    continue
                v = acc[oi, oj]
                for s in range(ncells[p]):
                    v += weights[p, s] * cost[i - offsets[p, s, 0], j - offsets[p, s, 1]]
                acc[i, j] = min(acc[i, j], v)
    return float(acc[-1, -1])


# --- against dtw-python -----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_registry_matches_dtw_python(name):
    dtw = pytest.importorskip("dtw")
    assert_same_steps(STEP_PATTERNS[name], dtw_python_pattern(dtw, name))


@pytest.mark.parametrize("args", RJ_ARGS, ids=rj_id)
def test_rabiner_juang_matches_dtw_python(args):
    dtw = pytest.importorskip("dtw")
    assert_same_steps(rabiner_juang(*args), dtw.stepPattern.rabinerJuangStepPattern(*args))


@pytest.mark.parametrize("name", ["asymmetric", "asymmetricP05", "typeIIc", "mori2006"])
def test_transpose_matches_dtw_python(name):
    dtw = pytest.importorskip("dtw")
    assert_same_steps(STEP_PATTERNS[name].transpose(), getattr(dtw.stepPattern, name).T())


@pytest.mark.parametrize("name", [*NAMES, "rj4a", "rj5c-smoothed", "rj6d", "rj7b"])
def test_arrays_give_dtw_python_distance(name):
    dtw = pytest.importorskip("dtw")
    pattern = get_step_pattern(name)
    shape = (8, 8) if name == "rigid" else (9, 12)
    cost = np.random.default_rng(len(name)).random(shape)
    if name.startswith("rj"):
        theirs_pattern = dtw.stepPattern.rabinerJuangStepPattern(
            int(name[2]), name[3], name.endswith("smoothed")
        )
    else:
        theirs_pattern = dtw_python_pattern(dtw, name)
    ours = reference_dtw(cost, pattern)
    try:
        theirs = dtw.dtw(cost, step_pattern=theirs_pattern).distance
    except ValueError:  # dtw-python: no warping path
        theirs = math.inf
    assert ours == pytest.approx(theirs, rel=1e-12)


# --- registry content -------------------------------------------------------------------


def test_registry_holds_the_expected_names():
    expected = {
        "symmetric1", "symmetric2", "asymmetric",
        "symmetricP0", "symmetricP05", "symmetricP1", "symmetricP2",
        "asymmetricP0", "asymmetricP05", "asymmetricP1", "asymmetricP2",
        "typeIa", "typeIb", "typeIc", "typeId", "typeIas", "typeIbs", "typeIcs", "typeIds",
        "typeIIa", "typeIIb", "typeIIc", "typeIId", "typeIIIc", "typeIVc",
        "mori2006",
    }  # fmt: skip
    assert expected <= set(STEP_PATTERNS)


@pytest.mark.parametrize("name", NAMES)
def test_registry_entry_is_well_formed(name):
    pattern = STEP_PATTERNS[name]
    assert pattern.name == name
    assert pattern.normalization in NORMALIZATIONS
    assert f"Normalisation: {pattern.normalization}." in pattern.description
    for (di0, dj0), cells in pattern.steps:
        assert cells[-1][:2] == (0, 0)
        assert all(0 <= di <= di0 and 0 <= dj <= dj0 for di, dj, _ in cells)


@pytest.mark.parametrize(
    ("name", "normalization"),
    [("symmetric2", "N+M"), ("symmetric1", "NA"), ("asymmetric", "N"), ("mori2006", "M")],
)
def test_known_normalizations(name, normalization):
    assert STEP_PATTERNS[name].normalization == normalization


def test_mrmsdtw_weighs_as_synctoolbox_and_librosa():
    """synctoolbox's step weights (1.5, 1.5, 2) for steps (1, 0), (0, 1), (1, 1): librosa's
    ``dtw(weights_mul=...)`` gives the same accumulated cost."""
    librosa = pytest.importorskip("librosa")
    cost = np.random.default_rng(7).random((11, 14))
    D, _ = librosa.sequence.dtw(C=cost, step_sizes_sigma=np.array([[1, 1], [0, 1], [1, 0]]),
                                weights_mul=np.array([2.0, 1.5, 1.5]))  # fmt: skip
    assert reference_dtw(cost, STEP_PATTERNS["mrmsdtw"]) == pytest.approx(D[-1, -1])


def test_symmetric2_steps():
    assert STEP_PATTERNS["symmetric2"].steps == (
        ((1, 1), ((0, 0, 2.0),)),
        ((0, 1), ((0, 0, 1.0),)),
        ((1, 0), ((0, 0, 1.0),)),
    )


@pytest.mark.parametrize(
    ("rule", "normalization"), [("a", "NA"), ("b", "NA"), ("c", "N"), ("d", "N+M")]
)
def test_rabiner_juang_normalization_follows_weighting(rule, normalization):
    assert rabiner_juang(3, rule).normalization == normalization


def test_module_doctests():
    failed, _ = doctest.testmod(steps_module)
    assert failed == 0


# --- arrays() ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_arrays_shapes_dtypes_and_content(name):
    pattern = STEP_PATTERNS[name]
    origins, offsets, weights, ncells = pattern.arrays()
    n_steps = len(pattern.steps)
    width = max(len(cells) for _, cells in pattern.steps)
    assert origins.shape == (n_steps, 2) and origins.dtype == np.int64
    assert offsets.shape == (n_steps, width, 2) and offsets.dtype == np.int64
    assert weights.shape == (n_steps, width) and weights.dtype == np.float64
    assert ncells.shape == (n_steps,) and ncells.dtype == np.int64
    for p, (origin, cells) in enumerate(pattern.steps):
        assert tuple(origins[p]) == origin
        assert ncells[p] == len(cells)
        for s, (di, dj, w) in enumerate(cells):
            assert (offsets[p, s, 0], offsets[p, s, 1], weights[p, s]) == (di, dj, w)
        assert not offsets[p, len(cells) :].any()
        assert not weights[p, len(cells) :].any()


def test_arrays_are_cached_and_read_only():
    pattern = STEP_PATTERNS["symmetricP2"]
    first, second = pattern.arrays(), pattern.arrays()
    assert all(a is b for a, b in zip(first, second, strict=True))
    for a in first:
        assert not a.flags.writeable


@pytest.mark.parametrize(
    ("name", "max_di", "max_dj", "max_reach"),
    [
        ("symmetric2", 1, 1, 2),
        ("asymmetric", 1, 2, 3),
        ("symmetricP2", 3, 3, 5),
        ("typeIVc", 3, 3, 6),
    ],
)
def test_reach_properties(name, max_di, max_dj, max_reach):
    pattern = STEP_PATTERNS[name]
    assert (pattern.max_di, pattern.max_dj, pattern.max_reach) == (max_di, max_dj, max_reach)


# --- get_step_pattern -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_get_step_pattern_is_case_insensitive(name):
    assert get_step_pattern(name) is STEP_PATTERNS[name]
    assert get_step_pattern(name.upper()) is STEP_PATTERNS[name]
    assert get_step_pattern(name.lower()) is STEP_PATTERNS[name]


def test_get_step_pattern_returns_instances_unchanged():
    custom = StepPattern("custom", (((1, 1), ((0, 0, 1.0),)),), "N")
    assert get_step_pattern(custom) is custom


@pytest.mark.parametrize(
    ("spec", "args"),
    [
        ("rj3c", (3, "c", False)),
        ("RJ3C", (3, "c", False)),
        ("rj3c-smoothed", (3, "c", True)),
        ("rj3cs", (3, "c", True)),
        ("rj5", (5, "d", False)),
        ("rj5s", (5, "d", True)),
        ("rj7a-Smoothed", (7, "a", True)),
    ],
)
def test_get_step_pattern_reads_rabiner_juang_specs(spec, args):
    pattern = get_step_pattern(spec)
    assert pattern is rabiner_juang(*args)
    assert get_step_pattern(pattern.name) == pattern


@pytest.mark.parametrize("name", ["nope", "", "rj8c", "rj0", "rj3e", "rj3c-smooth", "symmetric3"])
def test_get_step_pattern_rejects_unknown_names(name):
    with pytest.raises(InputError, match="unknown step pattern") as info:
        get_step_pattern(name)
    assert info.value.argument == "step_pattern"
    assert repr(name) in str(info.value)
    for valid in ("symmetric2", "asymmetricP05", "typeIVc", "rj"):
        assert valid in str(info.value)


def test_get_step_pattern_rejects_other_types():
    with pytest.raises(InputError, match="unknown step pattern"):
        get_step_pattern(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "match"), [((8,), "type"), ((0,), "type"), ((3, "e"), "weighting")]
)
def test_rabiner_juang_rejects_bad_arguments(args, match):
    with pytest.raises(InputError, match=match) as info:
        rabiner_juang(*args)
    assert info.value.argument == "step_pattern"


# --- StepPattern validation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "normalization", "match"),
    [
        ((((1, 1), ((0, 0, 1.0),)),), "X", "normalization"),
        ((), "N", "no steps"),
        ((((0, 0), ((0, 0, 1.0),)),), "N", "origin"),
        ((((1, -1), ((0, 0, 1.0),)),), "N", "origin"),
        ((((1, 1), ((1, 0, 1.0),)),), "N", "must end at"),
        ((((1, 1), ()),), "N", "must end at"),
        ((((1, 1), ((2, 0, 1.0), (0, 0, 1.0))),), "N", "outside"),
    ],
)
def test_step_pattern_validates(steps, normalization, match):
    with pytest.raises(InputError, match=match):
        StepPattern("bad", steps, normalization)
