"""Exact reference for portfolio_margin's scalar math (spec section 2).

Written from the spec, not from the C code: every function uses
fractions.Fraction, so results are exact rationals.  The marginal sum is
computed literally as a sum over tiers (not through cum), so that the
extension's x * rate_j - cum_j shortcut is checked against the definition.

Standard library only.
"""

from fractions import Fraction

__all__ = [
    "parse_schedule", "cum", "tiered", "collateral_value", "um_unrealized_pnl",
    "cm_unrealized_pnl", "um_maint_margin", "cm_maint_margin",
    "loan_maint_margin", "decimal_exponent",
]


def parse_schedule(text):
    """'0:0.004, 300000:0.005' -> [(Fraction floor, Fraction rate), ...]"""
    tiers = []
    for part in text.split(","):
        floor, rate = part.split(":")
        tiers.append((Fraction(floor.strip()), Fraction(rate.strip())))
    return tiers


def cum(schedule):
    """cum_1 = 0, cum_j = cum_{j-1} + floor_j * (rate_j - rate_{j-1})."""
    out = [Fraction(0)]
    for j in range(1, len(schedule)):
        out.append(out[-1] + schedule[j][0] * (schedule[j][1] - schedule[j - 1][1]))
    return out


def tiered(x, schedule):
    """Sum over tiers of rate_k * (min(x, floor_{k+1}) - floor_k)+ for x >= 0."""
    if x < 0:
        raise ValueError("negative amount")
    total = Fraction(0)
    for k, (floor, rate) in enumerate(schedule):
        cap = schedule[k + 1][0] if k + 1 < len(schedule) else None
        top = x if cap is None else min(x, cap)
        if top > floor:
            total += rate * (top - floor)
    return total


def collateral_value(value_usd, schedule):
    """A liability counts in full, an asset by its tiered collateral rates."""
    if value_usd <= 0:
        return value_usd
    return tiered(value_usd, schedule)


def um_unrealized_pnl(qty, entry, mark):
    return qty * (mark - entry)


def cm_unrealized_pnl(contracts, size, entry, mark):
    return contracts * size * (1 / entry - 1 / mark)


def um_maint_margin(qty, mark, brackets):
    return tiered(abs(qty) * mark, brackets)


def cm_maint_margin(contracts, size, mark, brackets):
    return tiered(abs(contracts) * size / mark, brackets)


def loan_maint_margin(borrowed, interest, mmr):
    return (borrowed + interest) * mmr


def decimal_exponent(x):
    """e with 10**e <= |x| < 10**(e+1), for a non-zero Fraction."""
    x = abs(Fraction(x))
    if x == 0:
        raise ValueError("zero has no exponent")
    e = len(str(x.numerator)) - len(str(x.denominator))
    while Fraction(10) ** e > x:
        e -= 1
    while Fraction(10) ** (e + 1) <= x:
        e += 1
    return e
