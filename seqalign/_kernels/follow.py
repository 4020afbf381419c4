"""Online time warping (OLTW): one column of cumulative costs per live frame, in a window of
the reference that follows the path.

After Dixon (2005), "Live tracking of musical performances using on-line time warping"
(DAFx), in the form score followers use (Arzt, Widmer & Dixon 2008): every live frame ``t``
adds one column, over the reference frames ``[lo, lo + c)`` of a window of ``c`` frames
placed ``back`` frames behind the last position (clipped to the reference). With the local
cost ``d(i, t)`` and step weights ``(wh, wd, wv)``::

    D(i, t) = min( D(i, t-1)   + wh d(i, t)    horizontal: the live advances, the reference
                                               stays (at most ``max_run`` in a row)
                   D(i-1, t-1) + wd d(i, t)    diagonal: both advance
                   D(i-1, t)   + wv d(i, t) )  vertical: the reference advances within one
                                               live frame (at most ``max_run`` in a row)

Cells outside the previous column's window are ``inf``; the minimum takes the first of
diagonal, horizontal, vertical on ties. The *best cell* of column ``t`` is the one with the
smallest normalised cost (the first on ties): ``D / ((t - t0) + (i - START) + 1)`` with
``(START, t0)`` the path's first cell (``norm = BY_CELLS``, as Dixon's and Arzt's
followers), or ``D / W`` with ``W(i, t)`` the sum of the step weights along the cell's own
path (``BY_WEIGHT``). The position reported
moves towards it, never back and at most ``max_step`` frames per live frame (Arzt &
Widmer's step-size clamp): ``pos(t) = pos(t-1) + min(max(best - pos(t-1), 0),
max_step)``. A new path (the first frame, a start mid-reference, a re-anchoring) starts at
``START``: ``D(START, t) = wd d``, ``W = wd``, then vertical steps only within that column;
its first position is ``START``.

The run limits are a slope constraint in the spirit of Dixon's MaxRunCount: a path moves
at most ``1 + max_run`` reference frames per live frame, and stays on one reference frame at
most ``max_run + 1`` live frames.

Confidence of frame ``t``: ``1 - d(pos, t) / mean_i d(i, t)`` over the window (0 when the
matched frame is no better than an average one, clipped to ``[0, 1]``), smoothed by an
exponential moving average ``conf += alpha (c_t - conf)``. A run of ``hold`` frames with the
smoothed confidence under ``threshold`` at least ``cooldown`` frames after the last check
stops the block (the caller may re-anchor, :mod:`seqalign.following.follower`); the
caller may lengthen the wait (``WAIT``), which falls back to ``cooldown`` as soon as the
confidence is back over the threshold.

State, every array of the window's size (constant memory per frame):

``ints``    ``[T, LO, POS, FRESH, START, LOW, SINCE, ORIGIN]``: live frames done, the
            window start of the stored column, the last position, 1 when the next frame
            starts a new path at ``START``, frames in a row under the threshold, frames
            since the last check, the live frame ``t0`` where the path started, the
            frames to wait after a check (at least ``cooldown``);
``floats``  ``[CONF]``: the smoothed confidence;
``cols``    ``(6, c)``: ``D`` and ``W`` of the stored column, then of the new one, the
            local costs, scratch;
``runs``    ``(3, c)`` int64: horizontal runs of the stored column, of the new one, and the
            vertical runs of the new one.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from seqalign import config
from seqalign._kernels.localcost import finish, term

T = 0
LO = 1
POS = 2
FRESH = 3
START = 4
LOW = 5
SINCE = 6
ORIGIN = 7
WAIT = 8
N_INTS = 9

#: What divides ``D`` to compare the cells of a column: the path's weight ``W``, or the
#: cells' distance from the path's origin ``(t - t0) + (i - START) + 1`` (Arzt & Widmer).
BY_WEIGHT = 0
BY_CELLS = 1

CONF = 0
N_FLOATS = 1


@njit(**config.NJIT)
def local_costs(reference, lo, frame, metric, out):
    """``out[k] = d(reference[lo + k], frame)`` for every ``k`` of ``out``; returns their sum."""
    d = reference.shape[1]
    total = 0.0
    for k in range(out.size):
        acc = 0.0
        row = reference[lo + k]
        for f in range(d):
            acc += term(row[f], frame[f], metric)
        out[k] = finish(acc, metric)
        total += out[k]
    return total


@njit(**config.NJIT)
def follow(settings, reference, state, frames, out):
    """Feed ``frames`` (m, d) to the follower; write the position and smoothed confidence
    of each into ``out = (positions, confidences)``; return the frames done (``m``, or fewer
    when a run of low confidence asks for a check after the last one done).

    ``settings = (metric, weights, (max_run, max_step), back, alpha, threshold, hold,
    cooldown, norm)`` with ``weights = (wh, wd, wv)``; ``state = (ints, floats, cols,
    runs)`` (module docstring).
    """
    metric, weights, runs_, back, alpha, threshold, hold, cooldown, norm = settings
    max_run, max_step = runs_
    wh, wd, wv = weights
    ints, floats, cols, runs = state
    positions, confidences = out
    n = reference.shape[0]
    c = cols.shape[1]
    inf = math.inf
    m = frames.shape[0]
    for t in range(m):
        fresh = ints[FRESH] == 1
        anchor = ints[START] if fresh else ints[POS]
        lo = min(max(anchor - back, 0), n - c)
        plo = ints[LO]
        local = cols[4]
        total = local_costs(reference, lo, frames[t], metric, local)
        dprev, wprev, dcur, wcur = cols[0], cols[1], cols[2], cols[3]
        hprev, hcur, vcur = runs[0], runs[1], runs[2]
        if fresh:
            ints[ORIGIN] = ints[T]
        base = ints[T] - ints[ORIGIN] - ints[START] + 1
        best_k = -1
        best = inf
        for k in range(c):
            i = lo + k
            cost = local[k]
            dv = inf
            wv_ = 0.0
            h = 0
            v = 0
            if fresh:
                if i == ints[START]:
                    dv = wd * cost
                    wv_ = wd
            else:
                j = i - 1 - plo  # diagonal from (i - 1, t - 1)
                if 0 <= j < c and dprev[j] < inf:
                    dv = dprev[j] + wd * cost
                    wv_ = wprev[j] + wd
                j = i - plo  # horizontal from (i, t - 1)
                if 0 <= j < c and dprev[j] < inf and hprev[j] < max_run:
                    cand = dprev[j] + wh * cost
                    if cand < dv:
                        dv = cand
                        wv_ = wprev[j] + wh
                        h = hprev[j] + 1
            if k > 0 and dcur[k - 1] < inf and vcur[k - 1] < max_run:  # vertical
                if fresh and i <= ints[START]:
                    pass
                else:
                    cand = dcur[k - 1] + wv * cost
                    if cand < dv:
                        dv = cand
                        wv_ = wcur[k - 1] + wv
                        h = 0
                        v = vcur[k - 1] + 1
            dcur[k] = dv
            wcur[k] = wv_
            hcur[k] = h
            vcur[k] = v
            if dv < inf:
                score = dv / wv_ if norm == BY_WEIGHT else dv / (base + i)
                if score < best:
                    best = score
                    best_k = k
        if best_k < 0:  # no path reaches the window: start again where we were
            ints[FRESH] = 1
            ints[START] = anchor
            positions[t] = anchor
            confidences[t] = floats[CONF]
            ints[T] += 1
            continue
        target = lo + best_k
        step = min(max(target - ints[POS], 0), max_step)
        pos = ints[START] if fresh else ints[POS] + step
        mean = total / c
        frame_conf = 1.0 - local[pos - lo] / mean if mean > 0.0 else 1.0
        frame_conf = min(max(frame_conf, 0.0), 1.0)
        if fresh:
            floats[CONF] = 1.0
        floats[CONF] += alpha * (frame_conf - floats[CONF])
        for k in range(c):
            dprev[k] = dcur[k]
            wprev[k] = wcur[k]
            hprev[k] = hcur[k]
        ints[LO] = lo
        ints[POS] = pos
        ints[FRESH] = 0
        ints[T] += 1
        ints[SINCE] += 1
        if floats[CONF] < threshold:
            ints[LOW] += 1
        else:
            ints[LOW] = 0
            ints[WAIT] = cooldown
        positions[t] = pos
        confidences[t] = floats[CONF]
        if hold > 0 and ints[LOW] >= hold and ints[SINCE] >= max(cooldown, ints[WAIT]):
            return t + 1
    return m


def new_state(window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A fresh state for a window of ``window`` frames, starting at reference frame 0."""
    ints = np.zeros(N_INTS, dtype=np.int64)
    ints[FRESH] = 1
    floats = np.ones(N_FLOATS)
    cols = np.full((6, window), math.inf)
    runs = np.zeros((3, window), dtype=np.int64)
    return ints, floats, cols, runs
