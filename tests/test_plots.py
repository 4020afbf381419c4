"""Alignment plots: ``seqalign warp --plot`` and seqalign.plots."""

from __future__ import annotations

import numpy as np
import pytest

from seqalign.cli.main import main
from seqalign.errors import InputError

pytest.importorskip("matplotlib")


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((60, 3)).cumsum(0)
    b = np.repeat(a, 2, axis=0)[::3]
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    return tmp_path


MAGIC = {".png": b"\x89PNG", ".pdf": b"%PDF", ".svg": b"<?xml"}


@pytest.mark.parametrize("suffix", sorted(MAGIC))
def test_warp_plot_writes_a_picture(pair, suffix, capsys):
    target = pair / f"align{suffix}"
    args = ["warp", str(pair / "a.npy"), str(pair / "b.npy"), "--rate", "10", "-q"]
    code = main([*args, "-o", str(pair / "p.csv"), "--plot", str(target)])
    assert code == 0, capsys.readouterr().err
    assert target.read_bytes().startswith(MAGIC[suffix])


@pytest.mark.parametrize("target", ["align.jpg", "-", "missing/align.png"])
def test_bad_plot_target_is_refused_before_any_work(pair, target, capsys):
    out = pair / "p.csv"
    code = main(["warp", str(pair / "a.npy"), str(pair / "b.npy"), "-o", str(out), "--plot",
                 target if target == "-" else str(pair / target)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "--plot" in err
    assert not out.exists()


def test_missing_matplotlib_is_a_clear_error(pair, monkeypatch):
    import seqalign.plots as plots

    monkeypatch.setattr(plots.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"pip install 'seqalign\[plot\]'"):
        plots.check_plot_target(str(pair / "a.png"))


def test_plot_alignment_draws_path_and_costs():
    from seqalign import dtw
    from seqalign.localcosts import cost_matrix
    from seqalign.plots import plot_alignment

    x = np.sin(np.linspace(0, 6, 40))
    y = np.sin(np.linspace(0, 6, 55))
    a = dtw(x, y)
    fig = plot_alignment(a.path, cost=cost_matrix(x, y), a_label="x", b_label="y")
    ax = fig.axes[0]
    line = ax.lines[-1]
    np.testing.assert_array_equal(line.get_xdata(), a.path[:, 0])
    np.testing.assert_array_equal(line.get_ydata(), a.path[:, 1])
    assert ax.get_xlabel() == "x (frames)" and len(ax.images) == 1
