"""Random decimal values and tier schedules for the differential tests.

Every value is generated as a decimal string written exactly as PostgreSQL's
numeric_out would print it, so text round trips can be checked byte for byte.
Standard library only.
"""

from fractions import Fraction

import pm_reference as ref


def dec_str(mantissa, scale):
    """The decimal mantissa * 10**-scale, written as PostgreSQL prints it."""
    sign = "-" if mantissa < 0 else ""
    digits = str(abs(mantissa))
    if scale <= 0:
        return sign + digits + "0" * (-scale)
    digits = digits.rjust(scale + 1, "0")
    return sign + digits[:-scale] + "." + digits[-scale:]


def frac_str(x, scale=None):
    """An exact Fraction with a terminating expansion, at the given scale or
    at the smallest scale that holds it exactly."""
    if scale is None:
        scale = 0
        while (x * 10 ** scale).denominator != 1:
            scale += 1
            assert scale < 200, x
    m = x * 10 ** scale
    assert m.denominator == 1, (x, scale)
    return dec_str(m.numerator, scale)


def rand_decimal(rng, lo_exp, hi_exp, max_sig=12, trailing_zeros=True):
    """A random positive decimal string between 10**lo_exp and 10**(hi_exp+1)."""
    sig = rng.randint(1, max_sig)
    mantissa = rng.randint(10 ** (sig - 1), 10 ** sig - 1)
    exp = rng.randint(lo_exp, hi_exp)          # exponent of the leading digit
    scale = sig - 1 - exp
    if trailing_zeros and rng.random() < 0.15:
        extra = rng.randint(1, 3)               # keep some trailing zeros
        mantissa *= 10 ** extra
        scale += extra
    return dec_str(mantissa, scale)


def rand_rate(rng, lo, hi):
    """A rate in [lo, hi] with 1 to 6 decimals, sometimes padded with zeros."""
    places = rng.randint(1, 6)
    lo_i = int(Fraction(lo) * 10 ** places)
    hi_i = int(Fraction(hi) * 10 ** places)
    value = dec_str(rng.randint(lo_i, hi_i), places)
    if rng.random() < 0.1:
        value += "00"
    return value


def rand_schedule(rng, shape):
    """(text, parsed) of a random schedule: 'bracket' rising, 'collateral' falling."""
    n = rng.randint(1, 15)
    floors = ["0"]
    current = Fraction(0)
    for _ in range(n - 1):
        step = rand_decimal(rng, -2, 9, max_sig=8, trailing_zeros=False)
        current += Fraction(step)
        floors.append(frac_str(current))
    if shape == "bracket":
        rates = sorted(rand_rate(rng, "0.001", "0.5") for _ in range(n))
    elif shape == "collateral":
        rates = sorted((rand_rate(rng, "0", "1") for _ in range(n)),
                       key=Fraction, reverse=True)
    else:
        rates = [rand_rate(rng, "0", "2") for _ in range(n)]
    text = ", ".join(f"{f}:{r}" for f, r in zip(floors, rates))
    return text, ref.parse_schedule(text)
