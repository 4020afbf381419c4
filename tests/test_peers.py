"""The peer libraries as oracles, on the definitions each shares with seqalign.

- dtw-python: same step patterns, windows, open ends and normalisations (Giorgino 2009):
  ``distance``, ``normalizedDistance`` and (ties broken alike) the path.
- librosa.sequence.dtw: default steps (1,1), (0,1), (1,0) unweighted = ``symmetric1``,
  euclidean cost, ``subseq=True`` = open begin and end (raw distance decides the end).
- tslearn.metrics.dtw / dtw_path and dtaidistance: ``sqrt`` of ``symmetric1`` with
  ``sqeuclidean``; tslearn's ``sakoe_chiba_radius=r`` = ``sakoechiba`` radius r (equal
  lengths), dtaidistance's ``window=w`` = ``sakoechiba`` radius ``w - 1``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import seqalign
from seqalign.warping.steps import STEP_PATTERNS
from tests.test_steps import dtw_python_pattern

dtwpy = pytest.importorskip("dtw")


def _walks(n, m, d, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).cumsum(0), rng.standard_normal((m, d)).cumsum(0)


DTWPY_WINDOWS = {
    "none": ({}, {}),
    "sakoechiba": ({"window_type": "sakoechiba", "window_args": {"window_size": 6}}, {"radius": 6}),
    "slantedband": (
        {"window_type": "slantedband", "window_args": {"window_size": 4}},
        {"radius": 4},
    ),
    "itakura": ({"window_type": "itakura"}, {}),
}


def _dtwpy_pattern(name):
    return dtw_python_pattern(dtwpy, name)


@pytest.mark.parametrize(
    ("pattern", "window"),
    list(itertools.product([p for p in sorted(STEP_PATTERNS) if p != "rigid"], DTWPY_WINDOWS)),
)
def test_dtw_python_distance_and_path(pattern, window):
    x, y = _walks(25, 31, 3, seed=7)
    theirs_kw, ours_kw = DTWPY_WINDOWS[window]
    try:
        ref = dtwpy.dtw(x, y, step_pattern=_dtwpy_pattern(pattern), **theirs_kw)
    except ValueError:  # dtw-python found no path
        with pytest.raises(seqalign.NoPathError):
            seqalign.dtw(x, y, step_pattern=pattern, window=window, **ours_kw)
        return
    a = seqalign.dtw(x, y, step_pattern=pattern, window=window, **ours_kw)
    assert a.distance == pytest.approx(ref.distance, rel=1e-12)
    if np.isnan(ref.normalizedDistance):
        assert np.isnan(a.normalized_distance)
    else:
        assert a.normalized_distance == pytest.approx(ref.normalizedDistance, rel=1e-12)
    np.testing.assert_array_equal(a.path, np.c_[ref.index1, ref.index2])


@pytest.mark.parametrize(
    ("pattern", "open_begin"),
    list(itertools.product(["asymmetric", "typeIc", "asymmetricP05", "symmetric2"], [False, True])),
)
def test_dtw_python_open_ends(pattern, open_begin):
    x, y = _walks(20, 60, 2, seed=3)
    y[20:40] = x + 0.05  # x sits inside y
    if open_begin and STEP_PATTERNS[pattern].normalization != "N":
        # both refuse an open begin for patterns not normalised by n
        with pytest.raises(ValueError):
            dtwpy.dtw(x, y, step_pattern=_dtwpy_pattern(pattern), open_begin=True, open_end=True)
        with pytest.raises(seqalign.InputError):
            seqalign.dtw(x, y, step_pattern=pattern, open_end=True, open_begin=True)
        return
    ref = dtwpy.dtw(
        x, y, step_pattern=_dtwpy_pattern(pattern), open_end=True, open_begin=open_begin
    )
    a = seqalign.dtw(x, y, step_pattern=pattern, open_end=True, open_begin=open_begin)
    assert a.distance == pytest.approx(ref.distance, rel=1e-12)
    assert a.normalized_distance == pytest.approx(ref.normalizedDistance, rel=1e-12)
    assert a.end == ref.jmin
    np.testing.assert_array_equal(a.path, np.c_[ref.index1, ref.index2])


@pytest.mark.parametrize(("d", "subseq"), list(itertools.product([1, 4], [False, True])))
def test_librosa(d, subseq):
    librosa = pytest.importorskip("librosa")
    x, y = _walks(40, 90 if subseq else 55, d, seed=d)
    D, wp = librosa.sequence.dtw(X=x.T, Y=y.T, subseq=subseq, backtrack=True)
    a = seqalign.dtw(x, y, step_pattern="symmetric1", open_begin=subseq, open_end=subseq)
    assert a.distance == pytest.approx(D[-1].min() if subseq else D[-1, -1], rel=1e-12)
    if subseq:
        assert a.end == int(np.argmin(D[-1]))
    # librosa's path runs end to start; it may break ties differently, so compare costs
    C = seqalign.cost_matrix(x, y)
    assert C[wp[:, 0], wp[:, 1]].sum() == pytest.approx(C[a.path[:, 0], a.path[:, 1]].sum())


@pytest.mark.parametrize(("d", "radius"), list(itertools.product([1, 3], [None, 5])))
def test_tslearn(d, radius):
    metrics = pytest.importorskip("tslearn.metrics")
    x, y = _walks(50, 50, d, seed=11)
    kw = (
        {} if radius is None else {"global_constraint": "sakoe_chiba", "sakoe_chiba_radius": radius}
    )
    path, value = metrics.dtw_path(x, y, **kw)
    window = None if radius is None else "sakoechiba"
    a = seqalign.dtw(x, y, metric="sqeuclidean", step_pattern="symmetric1", window=window,
                     radius=radius)  # fmt: skip
    assert np.sqrt(a.distance) == pytest.approx(value, rel=1e-12)
    assert np.sqrt(a.distance) == pytest.approx(metrics.dtw(x, y, **kw), rel=1e-12)
    C = seqalign.cost_matrix(x, y, "sqeuclidean")
    p = np.array(path)
    assert C[p[:, 0], p[:, 1]].sum() == pytest.approx(a.distance, rel=1e-12)


@pytest.mark.parametrize("window", [None, 1, 4, 10])
def test_dtaidistance(window):
    dtai = pytest.importorskip("dtaidistance")
    from dtaidistance import dtw as ddtw
    from dtaidistance import dtw_ndim

    x, y = _walks(60, 60, 1, seed=5)
    kw = {} if window is None else {"window": window}
    ours = seqalign.dtw(x, y, metric="sqeuclidean", step_pattern="symmetric1",
                        window=None if window is None else "sakoechiba",
                        radius=None if window is None else window - 1)  # fmt: skip
    assert np.sqrt(ours.distance) == pytest.approx(ddtw.distance(x[:, 0], y[:, 0], **kw), rel=1e-12)
    assert np.sqrt(ours.distance) == pytest.approx(
        ddtw.distance_fast(x[:, 0].copy(), y[:, 0].copy(), **kw), rel=1e-12
    )
    x3, y3 = _walks(40, 45, 3, seed=6)
    ours3 = seqalign.dtw(x3, y3, metric="sqeuclidean", step_pattern="symmetric1")
    assert np.sqrt(ours3.distance) == pytest.approx(dtw_ndim.distance(x3, y3), rel=1e-12)
    path = np.array(dtw_ndim.warping_path(x3, y3))
    C = seqalign.cost_matrix(x3, y3, "sqeuclidean")
    assert C[path[:, 0], path[:, 1]].sum() == pytest.approx(ours3.distance, rel=1e-12)
    assert dtai is not None
