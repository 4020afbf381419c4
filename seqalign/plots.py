"""Pictures of alignments, for when a picture says more than a table.

matplotlib is optional (``pip install 'seqalign[plot]'``) and imported only here, inside
the functions, with the non-interactive Agg backend.
"""

from __future__ import annotations

import importlib.util
import io
import os
from typing import TYPE_CHECKING

import numpy as np

from seqalign.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: File extension -> matplotlib format name (the valid values of ``--plot``'s extension).
PLOT_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}

#: Largest ``n * m`` for which the local cost matrix is drawn behind the path.
MAX_BACKGROUND_CELLS = 4_000_000


def check_plot_target(target: str, flag: str = "--plot") -> str:
    """The format of a plot file, checked before any work (extension, folder, matplotlib)."""
    from seqalign.io.writers import check_target

    fmt = PLOT_FORMATS.get(os.path.splitext(target)[1].lower())
    if target == "-" or fmt is None:
        raise InputError(
            f"{flag} {target}: give a file ending in {', '.join(PLOT_FORMATS)}", argument="plot"
        )
    check_target(target, flag)
    if importlib.util.find_spec("matplotlib") is None:
        raise InputError(
            f"{flag} needs matplotlib: pip install 'seqalign[plot]' (or pip install matplotlib)",
            argument="plot",
        )
    return fmt


def plot_alignment(
    path: np.ndarray,
    *,
    a_times: np.ndarray | None = None,
    b_times: np.ndarray | None = None,
    cost: np.ndarray | None = None,
    a_label: str = "A",
    b_label: str = "B",
    title: str | None = None,
) -> Figure:
    """Draw a warping path, over the local cost matrix when it is given.

    Parameters
    ----------
    path : ndarray of int, shape (L, 2)
        Matched frames of A and B, start to end.
    a_times, b_times : ndarray, optional
        Time of every frame of A and of B (seconds); frame indices when not given.
    cost : ndarray, shape (n, m), optional
        Local cost matrix drawn behind the path (darker is closer).
    a_label, b_label, title : str
        Axis labels (file names) and title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    path = np.asarray(path)
    n = int(path[:, 0].max()) + 1 if a_times is None else len(a_times)
    m = int(path[:, 1].max()) + 1 if b_times is None else len(b_times)
    a_axis = np.arange(n, dtype=float) if a_times is None else np.asarray(a_times, dtype=float)
    b_axis = np.arange(m, dtype=float) if b_times is None else np.asarray(b_times, dtype=float)
    unit = "frames" if a_times is None else "s"

    fig = Figure(figsize=(6.4, 6.0), layout="constrained")
    ax = fig.add_subplot()
    if cost is not None:
        image = ax.imshow(
            np.asarray(cost).T,
            origin="lower",
            aspect="auto",
            cmap="magma",
            interpolation="nearest",
            extent=(a_axis[0], a_axis[-1], b_axis[0], b_axis[-1]),
        )
        fig.colorbar(image, ax=ax, label="local cost", shrink=0.8)
    ax.plot(
        [a_axis[0], a_axis[-1]], [b_axis[0], b_axis[-1]], ls="--", lw=0.8, color="0.6",
        label="diagonal",
    )  # fmt: skip
    ax.plot(a_axis[path[:, 0]], b_axis[path[:, 1]], color="tab:cyan", lw=1.5, label="path")
    ax.set_xlabel(f"{a_label} ({unit})")
    ax.set_ylabel(f"{b_label} ({unit})")
    ax.set_xlim(a_axis[0], a_axis[-1])
    ax.set_ylim(b_axis[0], b_axis[-1])
    ax.legend(loc="upper left", framealpha=0.8)
    if title:
        ax.set_title(title)
    return fig


#: Most features drawn by :func:`plot_segmentation` (a heat map beyond).
MAX_LINES = 8


def plot_segmentation(
    data: np.ndarray,
    breakpoints: np.ndarray,
    *,
    times: np.ndarray | None = None,
    names: tuple[str, ...] | None = None,
    title: str | None = None,
    profile: np.ndarray | None = None,
    profile_label: str = "score",
) -> Figure:
    """Draw a stream (lines, or a heat map of many features) with its segment boundaries.

    Segments are shaded in alternating tones and each boundary is a vertical line. With a
    ``profile`` (one value per frame, NaN where none: the shape search's classification
    score), a second panel below draws it with the same boundaries.
    """
    from matplotlib.figure import Figure

    n, d = data.shape
    axis = np.arange(n, dtype=np.float64) if times is None else np.asarray(times, float)
    step = (axis[-1] - axis[0]) / max(n - 1, 1) if n > 1 else 1.0
    edges = np.concatenate([[0], np.asarray(breakpoints)])
    edge_x = np.where(edges < n, axis[np.minimum(edges, n - 1)], axis[-1] + step)
    if profile is not None:
        fig = Figure(figsize=(9, 5.0), layout="constrained")
        ax, below = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.4))
        below.plot(axis, np.asarray(profile, float)[:n], color="0.2", lw=0.9)
        for x in edge_x[1:-1]:
            below.axvline(x, color="crimson", lw=1.2)
        below.set_ylabel(profile_label)
        below.set_xlabel("time (s)" if times is not None else "frame")
    else:
        fig = Figure(figsize=(9, 3.6), layout="constrained")
        ax = fig.add_subplot()
    if d <= MAX_LINES:
        for j in range(d):
            label = names[j] if names is not None and j < len(names) else f"feature {j}"
            ax.plot(axis, data[:, j], lw=0.9, label=label)
        if d > 1:
            ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    else:
        ax.imshow(
            data.T, aspect="auto", origin="lower", cmap="magma", interpolation="nearest",
            extent=(axis[0], axis[-1] + step, -0.5, d - 0.5),
        )  # fmt: skip
        ax.set_ylabel("feature")
    for k in range(edges.size - 1):
        if k % 2:
            ax.axvspan(edge_x[k], edge_x[k + 1], color="0.85", alpha=0.5, lw=0)
    for x in edge_x[1:-1]:
        ax.axvline(x, color="crimson", lw=1.2)
    if profile is None:
        ax.set_xlabel("time (s)" if times is not None else "frame")
    ax.set_xlim(axis[0], axis[-1] + (step if d > MAX_LINES else 0))
    if title:
        ax.set_title(title)
    return fig


def save_figure(fig: Figure, target: str, *, flag: str = "--plot") -> None:
    """Write a figure atomically (format from the extension): complete or not at all."""
    from seqalign.io.writers import atomic_output

    fmt = check_plot_target(target, flag)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=120)
    with atomic_output(target, binary=True, flag=flag) as stream:
        stream.write(buffer.getvalue())
