"""Decimal helpers that are total: any finite Decimal, of any size, gives an answer.

Decimal's own ``quantize`` raises InvalidOperation once the result needs more digits than the
context's precision (28): a 31-digit amount in a report would stop its review. :func:`quantize`
takes the precision the result needs instead. :func:`is_absurd` says whether a number is beyond
any amount, score or rate a report can hold (the JX908 parser notice names such numbers).
"""

from __future__ import annotations

from decimal import Context, Decimal, getcontext

ABSURD = Decimal(10) ** 15  # 万元, 分 or a fraction: no report holds a number this large (10^15 万元 = 10^19 元)
ABSURD_ADJUSTED = ABSURD.adjusted()  # |x| >= 10^15 exactly when x's adjusted exponent is >= 15


def quantize(x: Decimal, exp: Decimal, rounding: str | None = None) -> Decimal:
    """``x.quantize(exp, rounding)`` at the precision the result needs (the current context's
    rounding when ``rounding`` is None); NaN and infinities are returned as they are."""
    if not x.is_finite():
        return x
    ctx = getcontext()
    digits = x.adjusted() - exp.as_tuple().exponent + 2  # digits of the result, with room for a carry
    if digits <= ctx.prec:
        return x.quantize(exp, rounding=rounding)
    return x.quantize(exp, rounding=rounding, context=Context(prec=digits, rounding=ctx.rounding))


def is_absurd(x: object) -> bool:
    """Whether ``x`` is a Decimal (or int/float) that is not finite or whose magnitude is at
    least ABSURD."""
    if type(x) is Decimal:  # the common case, first
        return not x.is_finite() or x.adjusted() >= ABSURD_ADJUSTED
    if isinstance(x, bool) or not isinstance(x, (Decimal, int, float)):
        return False
    d = x if isinstance(x, Decimal) else Decimal(str(x)) if isinstance(x, float) else Decimal(x)  # (a Decimal subclass)
    return not d.is_finite() or abs(d) >= ABSURD
