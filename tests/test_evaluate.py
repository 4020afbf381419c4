"""The scores of ``seqalign.evaluate``: worked cases by hand, a literal reference of TCPDBench's
definitions, ruptures where its definitions coincide, and TCPDBench's published numbers.

TCPDBench's definitions (van den Burg & Williams 2020): change point locations are 0-based;
F1 adds the index 0 to every set, matches within ``margin`` (``<=``), each annotation to the
closest free prediction; precision uses the union of the annotators, recall their mean;
covering averages over annotators the cover of their partition by the predicted one.
ruptures' ``precision_recall`` differs (no index 0, ``|d| < margin``, first match in input
order, and an annotation matched twice uses up two predictions); its Hausdorff distance is
the same on non-empty sets.
"""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import seqalign
from seqalign.errors import InputError
from seqalign.evaluate import (
    AlignmentScores,
    SegmentationScores,
    covering,
    f_measure,
    hausdorff,
    precision_recall,
    score_alignment,
    score_segmentation,
)

TCPD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tcpd"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


# -- a literal reference: TCPDBench's definitions, written as sets and loops --------------------


def naive_true_positives(truth: set[int], predicted: set[int], margin: float) -> int:
    free = set(predicted)
    count = 0
    for tau in sorted(truth):
        close = sorted((abs(tau - x), x) for x in free if abs(tau - x) <= margin)
        if close:
            count += 1
            free.remove(close[0][1])
    return count


def naive_f1(predicted, annotators, margin=5):
    truth = [set(t) | {0} for t in annotators]
    found = set(predicted) | {0}
    union = set().union(*truth)
    p = Fraction(naive_true_positives(union, found, margin), len(found))
    r = sum(Fraction(naive_true_positives(t, found, margin), len(t)) for t in truth) / len(truth)
    return p, r, 2 * p * r / (p + r)


def naive_partition(locations, n):
    cuts = sorted({0, *locations, n})
    return [set(range(a, b)) for a, b in itertools.pairwise(cuts)]


def naive_covering(predicted, annotators, n):
    found = naive_partition(predicted, n)
    covers = []
    for t in annotators:
        total = sum(
            len(a) * max(Fraction(len(a & b), len(a | b)) for b in found)
            for a in naive_partition(t, n)
        )
        covers.append(total / n)
    return sum(covers) / len(covers)


def naive_hausdorff(a, b):
    if not a or not b:
        return 0.0 if not a and not b else math.inf
    return float(
        max(max(min(abs(x - y) for y in b) for x in a), max(min(abs(x - y) for x in a) for y in b))
    )


# -- worked cases ------------------------------------------------------------------------------


def test_worked_f1_two_annotators():
    # T1 = {0, 12}, T2 = {0, 11, 30}, X = {0, 10, 50}, T* = {0, 11, 12, 30}, margin 5:
    # T*: 0-0, 11-10 (12 finds 10 taken, 50 too far; 30 too far): P = 2/3.
    # T1: 0-0, 12-10: 1; T2: 0-0, 11-10: 2/3; R = 5/6; F1 = 2 (2/3)(5/6) / (2/3 + 5/6) = 20/27.
    p, r = precision_recall([10, 50], {"a": [12], "b": [11, 30]})
    assert (p, r) == pytest.approx((2 / 3, 5 / 6), abs=1e-15)
    assert f_measure([10, 50], {"a": [12], "b": [11, 30]}) == pytest.approx(20 / 27, abs=1e-15)


@pytest.mark.parametrize(
    "predicted, truth, margin, expected",
    [
        ([3, 7], [5, 8], 2, (1.0, 1.0)),  # 5 ties 3 and 7: takes 3, so 8 still finds 7
        ([5, 9], [2, 6], 3, (1.0, 1.0)),  # increasing order: 2 takes 5, then 6 takes 9
        ([10, 11], [10], 5, (2 / 3, 1.0)),  # one annotation uses up one prediction
        ([10], [10, 11], 5, (1.0, 2 / 3)),  # and one prediction one annotation
        ([11], [10], 0, (1 / 2, 1 / 2)),  # margin 0: exact matches only (the index 0 matches)
        ([15], [10], 5, (1.0, 1.0)),  # the margin is inclusive
        ([16], [10], 5, (1 / 2, 1 / 2)),
        ([], [], 5, (1.0, 1.0)),  # no change, none predicted
        ([20], [], 5, (1 / 2, 1.0)),
        ([3], [], 5, (1 / 2, 1.0)),  # 0 takes 0 (its closest); 3 is a false positive
        ([0, 0, 20], [20, 20], 5, (1.0, 1.0)),  # the index 0 and repeats count once
    ],
)
def test_worked_precision_recall(predicted, truth, margin, expected):
    assert precision_recall(predicted, truth, margin) == pytest.approx(expected, abs=1e-15)
    assert precision_recall(predicted, truth, margin) == pytest.approx(
        tuple(float(v) for v in naive_f1(predicted, [truth], margin)[:2]), abs=1e-15
    )


@pytest.mark.parametrize(
    "predicted, annotators, n, expected",
    [
        ([5], [[4]], 10, Fraction(82, 100)),  # (4 * 4/5 + 6 * 5/6) / 10
        ([5], [[5]], 10, Fraction(1)),
        ([], [[]], 10, Fraction(1)),
        ([], [[5]], 10, Fraction(5, 10)),  # (5 * 5/10 + 5 * 5/10) / 10
        ([0, 5, 5], [[5]], 10, Fraction(1)),  # 0 and repeats make no empty segment
        ([9], [[]], 10, Fraction(9, 10)),  # a last segment of one frame
        # nile, annotators 1 and 3 at 28, annotator 2 none, predicted 27:
        (
            [27],
            [[28], [], [28]],
            100,
            (2 * (27 + Fraction(72 * 72, 73)) / 100 + Fraction(73, 100)) / 3,
        ),
    ],
)
def test_worked_covering(predicted, annotators, n, expected):
    assert covering(predicted, annotators, n) == pytest.approx(float(expected), abs=1e-15)
    assert naive_covering(predicted, annotators, n) == expected


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ([10, 50], [12, 30], 20.0),
        ([12, 30], [10, 50], 20.0),
        ([5], [5], 0.0),
        ([1, 2, 3], [100], 99.0),
        ([], [], 0.0),
        ([], [3], math.inf),
        ([3], [], math.inf),
    ],
)
def test_worked_hausdorff(a, b, expected):
    assert hausdorff(a, b) == expected


def test_score_segmentation_gathers_every_score():
    scores = score_segmentation(np.array([27]), {"1": [28], "2": [], "3": [28]}, n=100)
    assert isinstance(scores, SegmentationScores)
    assert (scores.f1, scores.precision, scores.recall) == (1.0, 1.0, 1.0)
    assert scores.covering == covering([27], [[28], [], [28]], 100)
    assert scores.hausdorff == 1.0  # to the union of the annotators
    assert (scores.margin, scores.n, scores.n_predicted, scores.n_annotators) == (5, 100, 1, 3)
    assert json.loads(json.dumps(scores.to_dict(), allow_nan=False))["f1"] == 1.0


def test_an_infinite_hausdorff_distance_is_null_in_the_dict():
    scores = score_segmentation([], [[40]], n=100)
    assert scores.hausdorff == math.inf
    assert scores.to_dict()["hausdorff"] is None


@pytest.mark.parametrize(
    "annotations",
    [[28, 60], np.array([28, 60]), [[28, 60]], {"x": [60, 28]}, {"x": np.array([28, 60])}],
    ids=["list", "array", "list of lists", "mapping", "mapping of arrays"],
)
def test_annotations_in_every_form(annotations):
    assert f_measure([28, 61], annotations) == 1.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: f_measure([1], [2], margin=-1), "margin"),
        (lambda: f_measure([1], [2], margin=math.nan), "margin"),
        (lambda: f_measure([-1], [2]), "-1"),
        (lambda: f_measure([1.5], [2]), "1.5"),
        (lambda: f_measure(["3"], [2]), "'3'"),
        (lambda: f_measure([1], {}), "no annotator"),
        (lambda: f_measure([1], {"a": 3}), "annotator a"),
        (lambda: covering([1], [2], 0), "n must be"),
        (lambda: covering([10], [2], 10), "location 10 is outside 0..9"),
        (lambda: covering([1], [[2], [12]], 10), "location 12"),
        (lambda: score_segmentation([1], [2], n=10, margin=-2), "margin"),
    ],
)
def test_bad_segmentation_input_is_an_input_error(call, message):
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        call()


# -- properties against the literal reference ---------------------------------------------------

_locs = st.lists(st.integers(0, 60), max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    predicted=_locs, annotators=st.lists(_locs, min_size=1, max_size=4), margin=st.integers(0, 6)
)
def test_f1_equals_the_literal_definition(predicted, annotators, margin):
    p, r, f = naive_f1(predicted, annotators, margin)
    got = precision_recall(predicted, annotators, margin)
    assert got == pytest.approx((float(p), float(r)), abs=1e-12)
    assert f_measure(predicted, annotators, margin) == pytest.approx(float(f), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(predicted=_locs, annotators=st.lists(_locs, min_size=1, max_size=4))
def test_covering_equals_the_literal_definition(predicted, annotators):
    n = 61
    assert covering(predicted, annotators, n) == pytest.approx(
        float(naive_covering(predicted, annotators, n)), abs=1e-12
    )


@settings(max_examples=200, deadline=None)
@given(a=_locs, b=_locs)
def test_hausdorff_equals_the_literal_definition(a, b):
    assert hausdorff(a, b) == naive_hausdorff(a, b)


@given(locations=st.lists(_locs, min_size=1, max_size=3))
def test_a_perfect_prediction_scores_one(locations):
    union = sorted(set().union(*locations))
    if len(locations) == 1:
        assert score_segmentation(union, locations, n=61).f1 == 1.0
        assert covering(union, locations, 61) == 1.0
    assert precision_recall(union, locations)[0] == 1.0


# -- ruptures, where its definitions coincide ---------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    a=st.lists(st.integers(1, 199), min_size=1, max_size=8, unique=True),
    b=st.lists(st.integers(0, 198), min_size=1, max_size=8),
)
def test_hausdorff_equals_ruptures_on_breakpoints(a, b):
    from ruptures.metrics import hausdorff as rpt_hausdorff

    b = sorted({x + 1 for x in b})
    n = 200
    expected = rpt_hausdorff(sorted(a) + [n], b + [n])
    assert hausdorff(a, b) == expected


@settings(max_examples=300, deadline=None)
@given(
    truth=st.lists(st.integers(10, 190), min_size=1, max_size=6, unique=True),
    predicted=st.lists(st.integers(10, 190), min_size=1, max_size=6, unique=True),
    margin=st.integers(1, 5),
)
def test_true_positives_equal_ruptures_when_matches_are_unambiguous(truth, predicted, margin):
    """ruptures counts ``|d| < margin + 1`` with no index 0; where every location has at most
    one partner within the margin, the matches are the same, so removing the index 0 from our
    counts gives ruptures' precision and recall."""
    from ruptures.metrics import precision_recall as rpt_precision_recall

    for x in truth:
        assume(sum(abs(x - y) <= margin for y in predicted) <= 1)
    for y in predicted:
        assume(sum(abs(x - y) <= margin for x in truth) <= 1)
    n = 200
    rpt_p, rpt_r = rpt_precision_recall(
        sorted(truth) + [n], sorted(predicted) + [n], margin=margin + 1
    )
    p, r = precision_recall(predicted, truth, margin)
    hits = round(p * (len(predicted) + 1)) - 1  # without the index 0
    assert hits / len(predicted) == pytest.approx(rpt_p)
    assert hits / len(truth) == pytest.approx(rpt_r)
    assert round(r * (len(truth) + 1)) - 1 == hits


# -- TCPDBench's published numbers ----------------------------------------------------------------


def _published():
    path = TCPD / "expected_default_pelt_binseg.json"
    if not path.exists():
        return []
    datasets = json.loads(path.read_text())["datasets"]
    return [
        pytest.param(name, method, id=f"{name}-{method}")
        for name, method in itertools.product(sorted(datasets), ("default_pelt", "default_binseg"))
    ]


@pytest.fixture(scope="module")
def tcpd():
    if not (TCPD / "annotations.json").exists():
        pytest.skip(f"TCPD data absent ({TCPD})")
    annotations = json.loads((TCPD / "annotations.json").read_text())
    expected = json.loads((TCPD / "expected_default_pelt_binseg.json").read_text())["datasets"]
    return annotations, expected


@pytest.mark.skipif(not TCPD.is_dir(), reason=f"TCPD data absent ({TCPD})")
@pytest.mark.parametrize("name, method", _published())
def test_tcpdbench_published_f1_and_cover(tcpd, name, method):
    annotations, expected = tcpd
    result = expected[name][method]
    n = expected[name]["n_obs"]
    scores = score_segmentation(result["cplocations"], annotations[name], n=n, margin=5)
    assert scores.f1 == pytest.approx(result["f1"], abs=1e-12)
    assert scores.covering == pytest.approx(result["cover"], abs=1e-12)
    assert f_measure(result["cplocations"], annotations[name]) == scores.f1


@pytest.mark.skipif(not TCPD.is_dir(), reason=f"TCPD data absent ({TCPD})")
def test_tcpd_lengths_match_the_dataset_files(tcpd):
    from seqalign.io import read_length

    _, expected = tcpd
    for name, entry in expected.items():
        assert read_length(str(TCPD / f"{name}.json")) == (entry["n_obs"], name)


# -- alignments ------------------------------------------------------------------------------


TRUTH = ([0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 3.0, 5.0])


def test_worked_alignment_at_the_reference_points():
    # predicted times in B at the reference times 0, 1, 2, 3: 0.0, 2.03, 3.2, 4.95
    predicted = ([0.0, 1.0, 2.0, 3.0], [0.0, 2.03, 3.2, 4.95])
    scores = score_alignment(predicted, TRUTH, tolerances=(0.05, 0.1), rate=10)
    assert isinstance(scores, AlignmentScores)
    assert scores.mae == pytest.approx((0 + 0.03 + 0.2 + 0.05) / 4)
    assert scores.median == pytest.approx(0.04)
    assert scores.max == pytest.approx(0.2)
    assert scores.mae_frames == pytest.approx(scores.mae * 10)
    assert scores.within == {0.05: 75.0, 0.1: 75.0}
    assert (scores.points, scores.at, scores.rate) == (4, "reference", 10)
    record = scores.to_dict()
    assert record["within_0.05s"] == 75.0 and record["within_0.1s"] == 75.0


def test_worked_alignment_at_the_predicted_frames():
    # frames every 0.5 s of A, 1 s late in B after t = 2; the truth is linear between its rows
    a = np.arange(0.0, 4.01, 0.5)
    truth_b = np.interp(a, *TRUTH)
    predicted_b = truth_b + np.where(a > 2, 1.0, 0.0)
    scores = score_alignment((a, predicted_b), TRUTH, at="frames")
    inside = a <= 3.0  # the frame at 3.5 and 4.0 lie beyond the reference
    assert scores.points == int(inside.sum()) == 7
    assert scores.mae == pytest.approx(2 / 7)
    assert scores.within == {0.05: pytest.approx(500 / 7), 0.1: pytest.approx(500 / 7)}


def test_predicted_map_is_linear_between_points_and_flat_beyond():
    scores = score_alignment(([0.5, 1.5], [1.0, 3.0]), ([0.0, 1.0, 2.0], [1.0, 2.0, 3.0]))
    # at 0: 1.0 (flat before 0.5) vs 1.0; at 1: 2.0 vs 2.0; at 2: 3.0 (flat) vs 3.0
    assert scores.max == 0.0


def test_repeated_times_in_a_take_the_mean():
    scores = score_alignment(([0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 3.0, 4.0]), TRUTH)
    assert scores.max == pytest.approx(1.0)  # at 3.0, the flat end 4.0 against 5.0
    assert score_alignment(([0, 1, 1, 2], [0, 1, 3, 3]), TRUTH).within[0.05] == 75.0


def test_a_path_becomes_seqalign_time_map():
    rng = np.random.default_rng(3)
    steps = rng.choice([(1, 0), (0, 1), (1, 1)], size=120)
    path = np.vstack([[0, 0], np.cumsum(steps, axis=0)])
    n = int(path[-1, 0]) + 1
    a_times, b_times = seqalign.time_map(path, n, rate_a=20.0, rate_b=25.0)
    scores = score_alignment(path, (a_times * 20.0, b_times * 25.0))  # both in frames
    assert scores.max == pytest.approx(0.0, abs=1e-12)
    from seqalign.io.timemaps import TimeMapFile

    read = TimeMapFile("p.csv", path[:, 0] / 20.0, path[:, 1] / 25.0, path, 25.0)
    scores = score_alignment(read, (a_times, b_times), rate=None)
    assert scores.max == pytest.approx(0.0, abs=1e-12)
    assert scores.rate == 25.0 and scores.mae_frames == pytest.approx(0.0, abs=1e-10)


def test_the_bundled_truth_against_itself():
    path = EXAMPLES / "take2_truth.csv"  # tracked in the repository: never skipped
    from seqalign.io import read_time_map

    truth = read_time_map(str(path))
    assert truth.a_time.size == truth.b_time.size == 89 and truth.path is None
    scores = score_alignment(truth, truth)
    assert (scores.mae, scores.within[0.05], scores.points) == (0.0, 100.0, 89)
    late = score_alignment((truth.a_time, truth.b_time + 0.07), truth, tolerances=[0.05, 0.1])
    assert late.mae == pytest.approx(0.07) and late.within == {0.05: 0.0, 0.1: 100.0}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"tolerances": (0.05, 0.0)}, "tolerance must be positive"),
        ({"tolerances": (-1,)}, "tolerance"),
        ({"at": "middle"}, "'middle'"),
        ({"rate": -4.0}, "rate"),
    ],
)
def test_bad_alignment_options(kwargs, message):
    with pytest.raises(InputError, match=message):
        score_alignment(TRUTH, TRUTH, **kwargs)


@pytest.mark.parametrize(
    "predicted, message",
    [
        (([0.0, 1.0], [0.0]), "2 times in A but 1 in B"),
        (([1.0, 0.0], [0.0, 1.0]), "must not decrease"),
        (([0.0, math.nan], [0.0, 1.0]), "finite"),
        (([], []), "one or more"),
        ((1, 2, 3), "give"),
    ],
)
def test_bad_maps(predicted, message):
    with pytest.raises(InputError, match=f"predicted.*{message}"):
        score_alignment(predicted, TRUTH)


def test_no_predicted_frame_within_the_reference():
    with pytest.raises(InputError, match="span"):
        score_alignment(([10.0, 11.0], [0.0, 1.0]), TRUTH, at="frames")


def test_lazy_exports():
    for name in ("score_segmentation", "score_alignment", "f_measure", "SegmentationScores"):
        assert getattr(seqalign, name) is getattr(__import__("seqalign.evaluate").evaluate, name)
        assert name in dir(seqalign)
