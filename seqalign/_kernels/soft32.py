"""The soft minimum in float32, for soft-DTW values in float32: eight lanes per AVX2 vector
instead of four, and shorter polynomials. :func:`seqalign._kernels.soft.forward` takes it
for float32 inputs (its ``softmin`` picks the precision of its arguments).

Same soft minimum (two exps and one log per cell); the exp and log follow
:mod:`seqalign._kernels.softmath` with float32 constants:

* ``exp_neg32``: ``2^k`` built in the 8 exponent bits (magic ``1.5 * 2^23``), ``ln 2`` split
  in a 12-bit head and a tail, Taylor degree 7 (truncation below ``5e-9`` relative), flushed
  to 0 below ``-87`` (``exp(-87) = 1.6e-38``, the smallest normal float32);
* ``log1p32``: the same reduction as ``log1p_02``, five terms of the atanh series
  (truncation below ``1e-8`` relative).

Only values: the backward pass needs differences of accumulated costs, which float32 holds
to about ``1e-7`` of their size, far too coarse for the soft-min weights once the costs
exceed a few thousand ``gamma``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

from seqalign import config

_NJIT = config.NJIT_FMA
_F = np.float32


@intrinsic
def _float32_bits(typingctx, x):
    """The bits of a float32 as an int32."""
    if x != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int32))

    return types.int32(types.float32), codegen


@intrinsic
def _bits_float32(typingctx, b):
    """The float32 whose bits are the int32 ``b``."""
    if b != types.int32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float32))

    return types.float32(types.int32), codegen


@njit(inline="always", **_NJIT)
def exp_neg32(x):
    """float32 ``exp(x)`` for ``x <= 88``; 0 below ``-87`` and for NaN."""
    floor = _F(-87.0)
    shift = _F(12582912.0)  # 1.5 * 2^23
    xc = x if x > floor else floor
    t = xc * _F(1.4426950408889634) + shift
    kf = t - shift
    r = (xc - kf * _F(0.693145751953125)) - kf * _F(1.428606765330187e-06)
    p = _F(1.0 / 5040.0)
    p = p * r + _F(1.0 / 720.0)
    p = p * r + _F(1.0 / 120.0)
    p = p * r + _F(1.0 / 24.0)
    p = p * r + _F(1.0 / 6.0)
    p = p * r + _F(0.5)
    p = p * r + _F(1.0)
    p = p * r + _F(1.0)
    bits = np.int32((_float32_bits(t) << np.int32(23)) + np.int32(127 << 23))
    return p * _bits_float32(bits) if x >= floor else _F(0.0)


@njit(inline="always", **_NJIT)
def log1p32(s):
    """float32 ``log(1 + s)`` for ``0 <= s <= 2``."""
    big = s > _F(0.5)
    f = (s - _F(1.0)) * _F(0.5) if big else s
    z = f / (_F(2.0) + f)
    w = z * z
    q = _F(1.0 / 11.0)
    q = q * w + _F(1.0 / 9.0)
    q = q * w + _F(1.0 / 7.0)
    q = q * w + _F(1.0 / 5.0)
    q = q * w + _F(1.0 / 3.0)
    z2 = z + z
    result = z2 + z2 * (w * q)
    return result + _F(0.6931471805599453) if big else result


@njit(inline="always", **_NJIT)
def softmin3_32(a, b, c, gamma, inv):
    """float32 soft minimum of three values (see ``softmin3``)."""
    lo2 = min(a, b)
    hi2 = max(a, b)
    mn = min(lo2, c)
    mx = max(hi2, c)
    md = max(lo2, min(hi2, c))
    return mn - gamma * log1p32(exp_neg32((mn - md) * inv) + exp_neg32((mn - mx) * inv))
