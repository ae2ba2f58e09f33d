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


# ---------------------------------------------------------------------------
# Whole accounts (spec sections 2 and 3), from the reference schema's rows
# ---------------------------------------------------------------------------

# Spec section 3's default ladders: (status, uniMMR strictly above), the
# bottom band last with no bound.
DEFAULT_LADDERS = {
    "PM_PRO": [("NORMAL", Fraction("1.5")), ("MARGIN_CALL", Fraction("1.2")),
               ("REDUCE_ONLY", Fraction("1.05")), ("ACTIVE_LIQUIDATION", Fraction(1)),
               ("FORCE_LIQUIDATION", None)],
    "PM": [("NORMAL", Fraction("1.2")), ("REDUCE_ONLY", Fraction("1.05")),
           ("ACTIVE_LIQUIDATION", None)],
}


def status(uni_mmr, adjusted_equity, program, ladders=DEFAULT_LADDERS):
    """A ratio exactly on a threshold is in the riskier band; without
    maintenance margin NORMAL unless adjusted equity is negative."""
    if uni_mmr is None:
        return "ACTIVE_LIQUIDATION" if adjusted_equity < 0 else "NORMAL"
    for name, above in ladders[program]:
        if above is None or uni_mmr > above:
            return name
    raise AssertionError("ladder without a bottom band")


def account_lines(account, ex):
    """Every margin line of an account: (asset, equity, mm, im, open_loss_usd).

    ex is the exchange: dicts 'asset' (asset -> index price or None),
    'collateral' ((program, asset) -> schedule), 'symbol' (symbol -> dict),
    'loan_mmr' (leverage -> mmr) and lists 'balance', 'position',
    'open_order' of dicts keyed like the tables' columns.
    """
    aid, program, lev = account["account_id"], account["program"], account["loan_leverage"]
    lines = []
    for b in ex["balance"]:
        if b["account_id"] != aid:
            continue
        equity = (b["cross_free"] + b["cross_locked"] - b["cross_borrowed"]
                  - b["cross_interest"] + b["um_wallet"] + b["cm_wallet"])
        mm = loan_maint_margin(b["cross_borrowed"], b["cross_interest"], ex["loan_mmr"][lev])
        im = b["cross_borrowed"] / (lev - 1)
        lines.append((b["asset"], equity, mm, im, Fraction(0)))
    for p in ex["position"]:
        if p["account_id"] != aid:
            continue
        s = ex["symbol"][p["symbol"]]
        if s["market"] == "UM":
            pnl = um_unrealized_pnl(p["qty"], p["entry_price"], s["mark_price"])
            mm = um_maint_margin(p["qty"], s["mark_price"], s["brackets"])
            im = abs(p["qty"]) * s["mark_price"] / p["leverage"]
        else:
            pnl = cm_unrealized_pnl(p["qty"], s["contract_size"], p["entry_price"], s["mark_price"])
            mm = cm_maint_margin(p["qty"], s["contract_size"], s["mark_price"], s["brackets"])
            im = abs(p["qty"]) * s["contract_size"] / s["mark_price"] / p["leverage"]
        lines.append((s["settle_asset"], pnl, mm, im, Fraction(0)))
    if program == "PM":
        for o in ex["open_order"]:
            if o["account_id"] != aid:
                continue

            def cv(asset, qty):
                sched = ex["collateral"].get((program, asset))
                return tiered(qty * ex["asset"][asset], sched) if sched else Fraction(0)
            loss = cv(o["sell_asset"], o["sell_qty"]) - cv(o["buy_asset"], o["buy_qty"])
            lines.append((o["sell_asset"], Fraction(0), Fraction(0), Fraction(0), max(loss, Fraction(0))))
    return lines


def account_risk(account, ex):
    """The exact values behind one row of pm.account_risk."""
    program = account["program"]
    per_asset = {}
    for asset, e, mm, im, ol in account_lines(account, ex):
        t = per_asset.setdefault(asset, [Fraction(0)] * 4)
        t[0] += e
        t[1] += mm
        t[2] += im
        t[3] += ol
    r = dict(account_equity=Fraction(0), actual_equity=Fraction(0), maint_margin=Fraction(0),
             initial_margin=Fraction(0), open_loss=Fraction(0))
    for asset, (e, mm, im, ol) in per_asset.items():
        price = ex["asset"][asset]
        value = e * price
        sched = ex["collateral"].get((program, asset))
        r["actual_equity"] += value
        r["account_equity"] += value if value <= 0 else (tiered(value, sched) if sched else 0)
        r["maint_margin"] += mm * price
        r["initial_margin"] += im * price
        r["open_loss"] += ol
    adjusted = r["account_equity"] - r["open_loss"]
    r["adjusted_equity"] = adjusted
    r["uni_mmr"] = adjusted / r["maint_margin"] if r["maint_margin"] > 0 else None
    r["status"] = status(r["uni_mmr"], adjusted, program)
    r["virtual_max_withdraw_amount"] = max(r["account_equity"] - Fraction(6, 5) * r["maint_margin"], 0)
    r["total_available_balance"] = r["account_equity"] - r["initial_margin"]
    return r


def round_half_away(x, places):
    """x rounded to places decimals, half away from zero (numeric's round)."""
    scaled = x * 10 ** places
    n = abs(scaled.numerator) * 2 + scaled.denominator
    q = n // (2 * scaled.denominator)
    return Fraction(q if scaled >= 0 else -q, 10 ** places)
