"""Vectorisable ``exp`` and ``log`` for the soft-minimum, accurate to float64 rounding.

numba leaves ``math.exp`` and ``math.log`` as scalar calls into the C library unless Intel's
SVML is present, so a loop that calls them does not vectorise and costs 10-20 ns per call.
The two functions here are plain arithmetic (a polynomial and bit operations), which LLVM
vectorises across an anti-diagonal of the soft-DTW sweep.

:func:`exp_neg` is ``exp(x)`` for ``x <= 709``, flushed to 0 below ``-708`` (where the result
would be below ``3.3e-308``, far under the rounding of the sums it enters) and for NaN:

    ``x = k ln2 + r`` with ``k = round(x / ln2)`` and ``|r| <= ln2 / 2`` (Cody & Waite 1980:
    ``ln2`` split in a 20-bit head, so ``k * head`` is exact, and a tail); ``exp(r)`` by its
    Taylor polynomial of degree 13 (truncation below ``5e-18`` relative); ``2^k`` built in the
    exponent bits. ``k`` is found without a float-to-integer conversion: adding ``1.5 * 2^52``
    rounds ``x / ln2`` to an integer held in the low bits of the sum.

:func:`log1p_02` is ``log(1 + s)`` for ``0 <= s <= 2`` (the soft-minimum's ``1 + e1 + e2``):

    ``1 + s = 2^e (1 + f)`` with ``e = 1`` when ``s > 0.5`` (then ``f = (s - 1) / 2`` is exact),
    else ``e = 0`` and ``f = s``, so ``-0.25 < f <= 0.5``; then
    ``log(1 + f) = 2 atanh(z) = 2 (z + z^3/3 + z^5/5 + ...)`` with ``z = f / (2 + f)``,
    ``|z| <= 0.2``; ten terms leave a truncation below ``2e-17`` relative.

Both are within about one unit in the last place of the correctly rounded result (tested in
``tests/test_soft.py`` against the C library).
"""

from __future__ import annotations

from numba import njit, types
from numba.extending import intrinsic

from seqalign import config

# The soft-DTW kernels compile with ``config.NJIT_FMA`` (fused multiply-add): it halves the
# time of the polynomials below and of the sweeps; results stay within float64 rounding.
_NJIT = config.NJIT_FMA

#: ``1 / ln 2``.
_LOG2E = 1.4426950408889634
#: ``1.5 * 2^52``: adding it rounds a float of magnitude < 2^51 to an integer.
_SHIFT = 6755399441055744.0
#: ``ln 2`` in two parts: the head has 20 significant bits, so ``k * head`` is exact.
_LN2_HI = 0.6931467056274414
_LN2_LO = 4.7493250390316726e-07
_LN2 = 0.6931471805599453
#: ``exp(x)`` is flushed to 0 below this (``exp(-708) = 3.3e-308``).
_EXP_FLOOR = -708.0
_EXPONENT_BIAS = 1023 << 52

# Taylor coefficients 1/n! of exp, highest degree first (n = 13 ... 2).
_E13 = 1.0 / 6227020800.0
_E12 = 1.0 / 479001600.0
_E11 = 1.0 / 39916800.0
_E10 = 1.0 / 3628800.0
_E9 = 1.0 / 362880.0
_E8 = 1.0 / 40320.0
_E7 = 1.0 / 5040.0
_E6 = 1.0 / 720.0
_E5 = 1.0 / 120.0
_E4 = 1.0 / 24.0
_E3 = 1.0 / 6.0
_E2 = 0.5

# atanh series coefficients 1/(2n+1), n = 10 ... 1.
_L10 = 1.0 / 21.0
_L9 = 1.0 / 19.0
_L8 = 1.0 / 17.0
_L7 = 1.0 / 15.0
_L6 = 1.0 / 13.0
_L5 = 1.0 / 11.0
_L4 = 1.0 / 9.0
_L3 = 1.0 / 7.0
_L2 = 1.0 / 5.0
_L1 = 1.0 / 3.0


@intrinsic
def _float_bits(typingctx, x):
    """The bits of a float64 as an int64 (a bit cast, not a conversion)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, b):
    """The float64 whose bits are the int64 ``b``."""
    if b != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


@njit(inline="always", **_NJIT)
def exp_neg(x):
    """``exp(x)`` for ``x <= 709``; 0 for ``x < -708`` and for NaN (see the module notes)."""
    xc = x if x > _EXP_FLOOR else _EXP_FLOOR
    t = xc * _LOG2E + _SHIFT
    kf = t - _SHIFT
    r = (xc - kf * _LN2_HI) - kf * _LN2_LO
    p = _E13
    p = p * r + _E12
    p = p * r + _E11
    p = p * r + _E10
    p = p * r + _E9
    p = p * r + _E8
    p = p * r + _E7
    p = p * r + _E6
    p = p * r + _E5
    p = p * r + _E4
    p = p * r + _E3
    p = p * r + _E2
    p = p * r + 1.0
    p = p * r + 1.0
    scale = _bits_float((_float_bits(t) << 52) + _EXPONENT_BIAS)
    return p * scale if x >= _EXP_FLOOR else 0.0


@njit(inline="always", **_NJIT)
def log1p_02(s):
    """``log(1 + s)`` for ``0 <= s <= 2`` (see the module notes)."""
    big = s > 0.5  # then s - 1 is exact (Sterbenz)
    f = (s - 1.0) * 0.5 if big else s
    z = f / (2.0 + f)
    w = z * z
    q = _L10
    q = q * w + _L9
    q = q * w + _L8
    q = q * w + _L7
    q = q * w + _L6
    q = q * w + _L5
    q = q * w + _L4
    q = q * w + _L3
    q = q * w + _L2
    q = q * w + _L1
    z2 = z + z
    result = z2 + z2 * (w * q)
    return result + _LN2 if big else result


@njit(**_NJIT)
def exp_array(x, out):
    """``out[t] = exp_neg(x[t])`` (for tests and timing)."""
    for t in range(x.shape[0]):
        out[t] = exp_neg(x[t])


@njit(**_NJIT)
def log1p_array(s, out):
    """``out[t] = log1p_02(s[t])`` (for tests and timing)."""
    for t in range(s.shape[0]):
        out[t] = log1p_02(s[t])
