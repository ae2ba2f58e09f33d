#!/usr/bin/env python3
"""Randomized differential test: the extension against pm_reference.py.

Generates random schedules and amounts (1e-8 to 1e12, 1 to 15 tiers, many
points exactly on tier floors), evaluates them in PostgreSQL through psql
in one round trip, and compares every result with exact rational arithmetic:

  * results without division must be identical (equal as rationals, and
    the text form of schedules identical byte for byte);
  * results with one division (CM PnL, CM maintenance margin) must be within
    1e-15 relative and carry at least 20 significant digits, i.e. lie within
    half a unit of the 20th significant digit of the exact value.

Prints TAP ("ok N - ..." per property) and the seed; PM_SEED repeats a run,
PM_CASES sets the number of cases (default 12000).  Standard library only;
psql connects with the usual PG* environment variables.
"""

import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pm_reference as ref  # noqa: E402
from randgen import frac_str, rand_decimal, rand_rate, rand_schedule  # noqa: E402

KINDS = ["tiered", "collateral", "um_pnl", "cm_pnl", "um_mm", "cm_mm",
         "loan_mm", "cum", "text"]
DIVIDING = {"cm_pnl", "cm_mm"}


def rand_amount(rng, schedule, signed=False):
    """An amount in [1e-8, 1e12], or exactly a tier floor a quarter of the time."""
    if rng.random() < 0.25:
        a = frac_str(rng.choice(schedule)[0])
    elif rng.random() < 0.02:
        a = "0"
    else:
        a = rand_decimal(rng, -8, 11)
    if signed and a != "0" and rng.random() < 0.5:
        a = "-" + a
    return a


def make_case(rng, kind):
    """(args a, b, c, d, schedule text) for one case of the given kind."""
    shape = {"collateral": "collateral", "tiered": "any"}.get(kind, "bracket")
    sched_text, sched = rand_schedule(rng, shape)
    price = lambda: rand_decimal(rng, -4, 6)   # noqa: E731
    if kind in ("tiered", "cum", "text"):
        return (rand_amount(rng, sched), None, None, None, sched_text)
    if kind == "collateral":
        return (rand_amount(rng, sched, signed=True), None, None, None, sched_text)
    if kind == "um_pnl":
        return (rand_amount(rng, sched, signed=True), price(), price(), None, None)
    if kind == "cm_pnl":
        return (rand_amount(rng, sched, signed=True), rng.choice(["1", "10", "100"]),
                price(), price(), None)
    if kind == "um_mm":
        # sometimes put the notional exactly on a floor: qty = floor / mark
        mark = price()
        qty = rand_amount(rng, sched, signed=True)
        if rng.random() < 0.3:
            f = rng.choice(sched)[0]
            q = f / Fraction(mark)
            d = q.denominator
            while d % 2 == 0:
                d //= 2
            while d % 5 == 0:
                d //= 5
            if d == 1:                          # terminating decimal
                qty = frac_str(q)
        return (qty, mark, None, None, sched_text)
    if kind == "cm_mm":
        # sometimes put the coin notional exactly on a floor:
        # contracts * size / mark = floor  =>  contracts = floor * mark / size
        size = rng.choice(["1", "10", "100"])
        mark = price()
        contracts = rand_amount(rng, sched, signed=True)
        if rng.random() < 0.4:
            f = rng.choice(sched)[0]
            contracts = frac_str(f * Fraction(mark) / Fraction(size))
        return (contracts, size, mark, None, sched_text)
    if kind == "loan_mm":
        return (rand_decimal(rng, -8, 9), rand_decimal(rng, -8, 3) if rng.random() < 0.7 else "0",
                rand_rate(rng, "0", "1"), None, None)
    raise AssertionError(kind)


SQL_EXPR = {
    "tiered": "pm.tiered(a, s)::text",
    "collateral": "pm.collateral_value(a, s)::text",
    "um_pnl": "pm.um_unrealized_pnl(a, b, c)::text",
    "cm_pnl": "pm.cm_unrealized_pnl(a, b, c, d)::text",
    "um_mm": "pm.um_maint_margin(a, b, s)::text",
    "cm_mm": "pm.cm_maint_margin(a, b, c, s)::text",
    "loan_mm": "pm.loan_maint_margin(a, b, c)::text",
    "cum": "array_to_string(pm.cum(s), ' ')",
    "text": "s::text",
}


def expected(kind, a, b, c, d, s):
    """The exact reference answer for one case."""
    F = lambda v: Fraction(v)                   # noqa: E731
    sched = ref.parse_schedule(s) if s else None
    if kind == "tiered":
        return ref.tiered(F(a), sched)
    if kind == "collateral":
        return ref.collateral_value(F(a), sched)
    if kind == "um_pnl":
        return ref.um_unrealized_pnl(F(a), F(b), F(c))
    if kind == "cm_pnl":
        return ref.cm_unrealized_pnl(F(a), F(b), F(c), F(d))
    if kind == "um_mm":
        return ref.um_maint_margin(F(a), F(b), sched)
    if kind == "cm_mm":
        return ref.cm_maint_margin(F(a), F(b), F(c), sched)
    if kind == "loan_mm":
        return ref.loan_maint_margin(F(a), F(b), F(c))
    if kind == "cum":
        return ref.cum(sched)
    if kind == "text":
        return s
    raise AssertionError(kind)


def agrees(kind, got, want):
    """None when got (text from SQL) agrees with want, else a reason."""
    if kind == "text":
        return None if got == want else "text differs"
    if kind == "cum":
        values = [Fraction(v) for v in got.split(" ")]
        return None if values == want else "cum differs"
    value = Fraction(got)
    if kind not in DIVIDING:
        return None if value == want else "not identical"
    if want == 0:
        return None if value == 0 else "should be exactly 0"
    err = abs(value - want)
    if err > abs(want) * Fraction(1, 10 ** 15):
        return "relative error above 1e-15"
    half_unit = Fraction(1, 2) * Fraction(10) ** (ref.decimal_exponent(want) - 19)
    if err > half_unit:
        return "fewer than 20 correct significant digits"
    return None


def run_psql(cases, settings=""):
    """Evaluate all cases in one psql session; {id: text result}."""
    def cell(v):
        return "\\N" if v is None else v
    lines = [
        "\\set ON_ERROR_STOP 1",
        settings,
        "CREATE TEMP TABLE c (id int, kind text, a numeric, b numeric, c numeric,"
        " d numeric, s pm.tiers);",
        "COPY c FROM STDIN;",
    ]
    for i, (kind, args) in enumerate(cases):
        lines.append("\t".join([str(i), kind] + [cell(v) for v in args]))
    lines.append("\\.")
    cases_sql = " ".join(f"WHEN '{k}' THEN {e}" for k, e in SQL_EXPR.items())
    lines.append(f"SELECT id, CASE kind {cases_sql} END FROM c ORDER BY id;")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        path = f.name
    try:
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-f", path],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    results = {}
    for line in out.splitlines():
        if line:
            i, value = line.split("\t", 1)
            results[int(i)] = value
    return results


def main():
    seed = int(os.environ.get("PM_SEED") or random.SystemRandom().randrange(2 ** 32))
    count = int(os.environ.get("PM_CASES", "12000"))
    print(f"# differential test: seed {seed} (rerun with PM_SEED={seed}), {count} cases")
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        cases.append((kind, make_case(rng, kind)))
    results = run_psql(cases)
    numeric_only = run_psql(cases, "SET portfolio_margin.fast_path = off;")

    n = 0
    failed = 0
    for kind in KINDS:
        mine = [(i, args) for i, (k, args) in enumerate(cases) if k == kind]
        bad = []
        on_floor = 0
        for i, args in mine:
            want = expected(kind, *args)
            reason = agrees(kind, results.get(i, "<missing>"), want) \
                if i in results else "no result"
            if reason:
                bad.append((i, args, results.get(i), want, reason))
            if args[4] and kind in ("tiered", "collateral", "um_mm", "cm_mm") and args[0]:
                sched = ref.parse_schedule(args[4])
                amount = abs(Fraction(args[0]))
                if kind == "um_mm":
                    amount *= Fraction(args[1])
                elif kind == "cm_mm":
                    amount = amount * Fraction(args[1]) / Fraction(args[2])
                on_floor += any(amount == f for f, _ in sched[1:])
        n += 1
        how = "within 20 significant digits of" if kind in DIVIDING else "identical to"
        extra = f", {on_floor} exactly on a tier floor" if on_floor else ""
        if bad:
            failed += 1
            print(f"not ok {n} - {kind}: {len(bad)} of {len(mine)} cases not {how} the exact reference")
            for i, args, got, want, reason in bad[:5]:
                print(f"#   case {i}: args {args}: got {got}, exact {want} ({float(want) if isinstance(want, Fraction) else want}): {reason}")
        else:
            print(f"ok {n} - {kind}: {len(mine)} cases {how} the exact reference{extra}")
    n += 1
    differ = [i for i in results if results[i] != numeric_only.get(i)]
    if differ:
        failed += 1
        print(f"not ok {n} - the int128 fast path and numeric differ on {len(differ)} cases")
        for i in differ[:5]:
            print(f"#   case {i} {cases[i]}: fast {results[i]}, numeric {numeric_only.get(i)}")
    else:
        print(f"ok {n} - the int128 fast path and numeric give identical text on all {len(results)} cases")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
