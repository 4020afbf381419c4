"""Online changepoint segmentation: :class:`OnlineSegmenter`, exact PELT over a stream.

Frames arrive in blocks (:meth:`OnlineSegmenter.update`); each breakpoint is returned the
moment it is *certain*: once the optimal backtracks from every PELT candidate still alive
(and from the current end) pass through it. Future frames can only end a segmentation at a
live candidate or later and a pruned candidate never returns, so a certain breakpoint is a
breakpoint of the offline optimum whatever follows. After :meth:`OnlineSegmenter.finish`,
everything returned equals ``segment(x, search="pelt", ...)``'s change points on the same
data and settings, boundary for boundary (see the kernel, :mod:`seqalign._kernels.online`).

Memory holds the live candidates and the frames since the last certain breakpoint (the
undecided tail), never the whole stream.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from seqalign._kernels import online as kernel
from seqalign._kernels.segcost import L2, NORMAL, RBF
from seqalign.changepoints.costs import get_cost, median_heuristic, noise_scale, unit_rows
from seqalign.changepoints.penalties import DEFAULT_PENALTY, Penalty, resolve_penalty
from seqalign.errors import InputError
from seqalign.units import plural
from seqalign.validation import check_whole

#: The costs the online search supports.
ONLINE_COSTS = ("l2", "normal", "rbf", "cosine")

#: Frames buffered to estimate the noise scale of a named penalty, the normal cost's ridge
#: and the rbf bandwidth, when they are not given.
NOISE_FRAMES = 1000


class OnlineSegmenter:
    """Exact online PELT: feed frames with :meth:`update`, end with :meth:`finish`.

    Parameters
    ----------
    cost : {"l2", "normal", "rbf", "cosine"}
        The segment cost, as :func:`seqalign.segment` defines it (``cosine``: l2 on the
        frames scaled to unit length). ``rbf`` keeps the frames
        of the undecided tail and a Gram sum per live start (``O(tail)`` work per frame).
    penalty : float or {"mbic", "bic", "aic", "hqc"}
        Penalty per change. A named penalty needs the stream's length ``n``, unknown in a
        stream: it is computed with ``n = expected_length`` (required then), and with the
        noise scale ``noise`` or, when not given, the scale
        :func:`seqalign.changepoints.costs.noise_scale` estimates on the first
        :data:`NOISE_FRAMES` frames (buffered: nothing is reported before they arrive or
        the stream ends). ``mbic``'s exact pruning margin ``-s log(n / 4)`` also uses
        ``expected_length``; a stream longer than that may then lose the guarantee.
        Default ``mbic``.
    min_size : int, optional
        Shortest segment in frames (default: the least the cost allows).
    jump : int
        Breakpoints only at multiples of ``jump``.
    expected_length : int, optional
        The ``n`` of named penalties.
    max_delay : int, optional
        Force a decision once ``max_delay`` frames passed since the last breakpoint
        without a certain one: the first breakpoint after it of the optimal segmentation
        of the frames so far is reported, and candidates that do not descend from it are
        dropped. The result is then approximate (it may differ from offline PELT), in
        exchange for a bounded delay. When the best segmentation so far has no change
        after the last breakpoint, nothing is forced (there is nothing to report).
    noise : float, optional
        Noise scale of the named penalties.
    kernel_gamma : float, optional
        Bandwidth of the rbf cost (default: the median heuristic on the first
        :data:`NOISE_FRAMES` frames; offline uses the whole signal, so pass it to compare).
    eps : float, optional
        Ridge of the normal cost (default ``1e-6`` times the mean variance of the first
        :data:`NOISE_FRAMES` frames; offline uses the whole signal, so pass ``eps`` to
        compare).

    Attributes
    ----------
    frames : int
        Frames seen so far.
    delays : list of int
        For each breakpoint returned, the frames after it that were needed to make it
        certain (the end at which it became certain minus the breakpoint).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.zeros(50), np.ones(50) * 5, np.zeros(50)]
    >>> seg = OnlineSegmenter(penalty=10)
    >>> seg.update(x[:80]), seg.update(x[80:]), seg.finish()
    ([50], [100], [])
    """

    def __init__(
        self,
        cost: str = "l2",
        penalty: str | float | None = None,
        *,
        min_size: int | None = None,
        jump: int = 1,
        expected_length: int | None = None,
        max_delay: int | None = None,
        noise: float | None = None,
        eps: float | None = None,
        kernel_gamma: float | None = None,
    ) -> None:
        spec = get_cost(cost)
        if spec.name not in ONLINE_COSTS:
            raise InputError(
                f"the online search supports the costs {', '.join(ONLINE_COSTS)}, not {spec.name}",
                argument="cost",
            )
        self.spec = spec
        self.jump = check_whole(jump, "jump")
        size = spec.min_size if min_size is None else check_whole(min_size, "min_size")
        self.min_size = max(size, spec.min_size)
        self.penalty_arg = DEFAULT_PENALTY if penalty is None else penalty
        named = isinstance(self.penalty_arg, str)
        if named:
            try:
                float(self.penalty_arg)
                named = False
            except ValueError:
                pass
        self.expected_length = None
        if expected_length is not None:
            self.expected_length = check_whole(expected_length, "expected_length", minimum=2)
        if named:  # an unknown name fails before the missing length
            resolve_penalty(self.penalty_arg, n=self.expected_length or 2, parameters=1)
        if named and self.expected_length is None:
            raise InputError(
                f"the penalty {self.penalty_arg} needs the stream's length, unknown online: "
                "give expected_length (--expected-length) or a numeric penalty",
                argument="expected_length",
            )
        if not named:  # check the number now
            resolve_penalty(self.penalty_arg, n=2, parameters=1)
        self.max_delay = 0 if max_delay is None else check_whole(max_delay, "max_delay")
        if noise is not None:
            noise = float(noise)
            if not (math.isfinite(noise) and noise > 0.0):
                raise InputError(
                    f"noise must be a positive number, not {noise!r}", argument="noise"
                )
        if eps is not None:
            eps = float(eps)
            if not (math.isfinite(eps) and eps >= 0.0):
                raise InputError(f"eps must be a number >= 0, not {eps!r}", argument="eps")
        if kernel_gamma is not None:
            if spec.name != "rbf":
                raise InputError(
                    f"kernel_gamma applies to the rbf cost, not {spec.name}",
                    argument="kernel_gamma",
                )
            kernel_gamma = float(kernel_gamma)
            if not (math.isfinite(kernel_gamma) and kernel_gamma > 0.0):
                raise InputError(
                    f"the rbf bandwidth must be positive, not {kernel_gamma}",
                    argument="kernel_gamma",
                )
        self.kernel_gamma = kernel_gamma
        self.noise = noise
        self.eps = eps
        self._named = named
        self.penalty: Penalty | None = None
        self._pending: list[np.ndarray] = []
        self._pending_frames = 0
        self._state = None
        self._settings = None
        self._finished = False
        self.dims: int | None = None
        self.frames = 0
        self.boundaries: list[int] = []
        self.delays: list[int] = []

    # -- state ---------------------------------------------------------------------------

    def _needs_buffer(self) -> bool:
        return (
            (self._named and self.noise is None)
            or (self.spec.name == "normal" and self.eps is None)
            or (self.spec.name == "rbf" and self.kernel_gamma is None)
        )

    def _start(self, head: np.ndarray) -> None:
        """Resolve the penalty on the first frames ``head`` and allocate the state."""
        d = head.shape[1]
        gamma = None
        if self.spec.name == "rbf":
            gamma = self.kernel_gamma
            if gamma is None:
                gamma = median_heuristic(head) if head.shape[0] > 1 else 1.0
        self.gamma = gamma
        scale = 1.0
        if self._named:
            scale = self.noise if self.noise is not None else noise_scale(self.spec, head, gamma)
        self.penalty = resolve_penalty(
            self.penalty_arg,
            n=self.expected_length or 2,
            parameters=self.spec.parameters(d),
            scale=scale,
        )
        self.scale = scale
        w = self.penalty.len_weight
        margin = -w * math.log(max(self.expected_length / 4.0, 1.0)) if w != 0.0 else 0.0
        if self.spec.name == "normal":
            code = NORMAL
            width = d + d * (d + 1) // 2
            eps = self.eps
            if eps is None:
                var = float(np.mean(np.var(head, axis=0)))
                eps = 1e-6 * (var if var > 0.0 else 1.0)
            param = float(eps)
        elif self.spec.name == "rbf":
            code, width, param = RBF, d, float(gamma)
        else:
            code, width, param = L2, d + 1, 0.0
        self._settings = (
            code, param, self.min_size, self.jump, float(self.penalty.value), float(w),
            float(margin), int(self.max_delay),
        )  # fmt: skip
        cap = 1024
        ints = np.zeros(kernel.N_INTS, dtype=np.int64)
        first = ((self.min_size + self.jump - 1) // self.jump) * self.jump
        ints[kernel.NEXT_END] = first
        ints[kernel.LAST_END] = -1
        f = np.full(cap + 1, math.inf)
        f[0] = 0.0
        self._state = [
            ints,
            np.zeros((cap + 1, width)),
            f,
            np.full(cap + 1, -1, dtype=np.int64),
            np.empty(cap + 1, dtype=np.int64),
            np.empty(cap + 1, dtype=np.int64),
            np.empty(cap + 1),
            np.zeros((d, d + 1)),
            np.ascontiguousarray(
                unit_rows(head[:1])[0] if self.spec.name == "cosine" else head[0],
                dtype=np.float64,
            ),
            np.zeros(2 * (cap + 1) if code == RBF else 2),
        ]

    def _room(self, m: int) -> None:
        """Make room for ``m`` more rows: drop the rows before the root, then grow."""
        ints, pre, f, last, adm, pruned = self._state[:6]
        base, n = int(ints[kernel.BASE]), int(ints[kernel.N])
        cap = pre.shape[0] - 1
        shift = int(ints[kernel.ROOT]) - base
        if n - base + m <= cap and 2 * shift <= cap:
            return
        rbf = self._settings[0] == RBF
        gram = self._state[9]
        if shift > 0:
            k = n - base - shift + 1
            if rbf:  # the frames themselves, and their Gram sums
                pre[:k] = pre[shift : shift + k]
                gram[:k] = gram[shift : shift + k]
            else:  # prefix sums: re-based on the new first row
                pre[:k] = pre[shift : shift + k] - pre[shift]
            f[:k] = f[shift : shift + k]
            last[:k] = last[shift : shift + k]
            ints[kernel.BASE] = base + shift
            base += shift
        need = n - base + m
        if need > cap:
            new = max(2 * cap, need)
            k = n - base + 1
            pre2 = np.zeros((new + 1, pre.shape[1]))
            pre2[:k] = pre[:k]
            f2 = np.full(new + 1, math.inf)
            f2[:k] = f[:k]
            last2 = np.full(new + 1, -1, dtype=np.int64)
            last2[:k] = last[:k]
            adm2 = np.empty(new + 1, dtype=np.int64)
            adm2[: adm.size] = adm
            pruned2 = np.empty(new + 1, dtype=np.int64)
            pruned2[: pruned.size] = pruned
            self._state[1:7] = [pre2, f2, last2, adm2, pruned2, np.empty(new + 1)]
            if rbf:
                gram2 = np.zeros(2 * (new + 1))
                gram2[:k] = gram[:k]
                self._state[9] = gram2

    def _feed(self, x: np.ndarray) -> list[int]:
        if self.spec.name == "cosine":
            x = unit_rows(x)
        out: list[int] = []
        step = 1 << 16
        for lo in range(0, x.shape[0], step):
            block = x[lo : lo + step]
            self._room(block.shape[0])
            size = self._state[1].shape[0]
            bounds = np.empty(size, dtype=np.int64)
            delays = np.empty(size, dtype=np.int64)
            k = kernel.feed(self._settings, tuple(self._state), block, (bounds, delays))
            out += bounds[:k].tolist()
            self.delays += delays[:k].tolist()
        self.boundaries += out
        return out

    def _frames(self, frames: ArrayLike) -> np.ndarray:
        x = np.asarray(frames, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None] if self.dims in (None, 1) else x[None, :]
        if x.ndim != 2:
            raise InputError(
                f"frames must be (n_frames, n_features), not {x.ndim}-D", argument="frames"
            )
        if self.dims is None and x.shape[0]:
            self.dims = x.shape[1]
        if x.shape[0] and x.shape[1] != self.dims:
            raise InputError(
                f"frames have {plural(x.shape[1], 'feature')}, the stream "
                f"{plural(self.dims, 'feature')}",
                argument="frames",
            )
        if not np.all(np.isfinite(x)):
            raise InputError("frames must be finite (no NaN or infinity)", argument="frames")
        return x

    # -- public --------------------------------------------------------------------------

    def update(self, frames: ArrayLike) -> list[int]:
        """Feed frames; return the breakpoints that became certain with them.

        Parameters
        ----------
        frames : array_like, shape (m, n_features) or (m,)
            The next frames of the stream (a 1-D array: ``m`` frames of one feature once
            the stream has one feature, else one frame).

        Returns
        -------
        list of int
            Breakpoints (frame indices where a segment starts), increasing, each returned
            once over the whole stream.
        """
        if self._finished:
            raise InputError("the stream is finished; start a new OnlineSegmenter")
        x = self._frames(frames)
        if x.shape[0] == 0:
            return []
        self.frames += x.shape[0]
        if self._state is None:
            if self._needs_buffer():
                self._pending.append(x)
                self._pending_frames += x.shape[0]
                if self._pending_frames < NOISE_FRAMES:
                    return []
                x = np.concatenate(self._pending)
                self._pending = []
                self._start(x[:NOISE_FRAMES])
            else:
                self._start(x)
        return self._feed(x)

    def finish(self) -> list[int]:
        """End the stream; return the breakpoints not yet returned (the last segment's end,
        the number of frames, is not a breakpoint here).

        Raises :class:`InputError` when the stream is shorter than ``min_size``.
        """
        if self._finished:
            return []
        self._finished = True
        if self._state is None and self._pending:
            x = np.concatenate(self._pending)
            self._pending = []
            self._start(x[:NOISE_FRAMES])
            head = self._feed(x)
        else:
            head = []
        if self._state is None:
            return head
        n = int(self._state[0][kernel.N])
        size = self._state[1].shape[0]
        bounds = np.empty(size, dtype=np.int64)
        delays = np.empty(size, dtype=np.int64)
        k = kernel.finish(self._settings, tuple(self._state), (bounds, delays))
        if k < 0:
            raise InputError(
                f"the stream has {plural(n, 'frame')}, fewer than the minimum segment "
                f"length {self.min_size}",
                argument="min_size",
            )
        tail = bounds[:k].tolist()
        self.boundaries += tail
        self.delays += delays[:k].tolist()
        return head + tail

    @property
    def memory_frames(self) -> int:
        """Frames of state needed now: those since the last certain breakpoint (the
        undecided tail; the arrays are compacted to it lazily, at most twice its size plus
        a block)."""
        if self._state is None:
            return self._pending_frames
        ints = self._state[0]
        return int(ints[kernel.N] - ints[kernel.ROOT]) + 1

    @property
    def live(self) -> int:
        """Admitted PELT candidates now."""
        return 0 if self._state is None else int(self._state[0][kernel.COUNT])

    @property
    def peak_live(self) -> int:
        """The most frontier points (live candidates and pending ends) seen at once."""
        return 0 if self._state is None else int(self._state[0][kernel.PEAK])

    @property
    def forced(self) -> int:
        """Breakpoints forced by ``max_delay``."""
        return 0 if self._state is None else int(self._state[0][kernel.FORCED])
