#!/usr/bin/env python3
"""Randomized tests of stress scenarios, liquidation prices, withdrawal
limits and what-if against brute force on exact arithmetic.

A random exchange (account_differential.gen_exchange) plus accounts built so
that their liquidation crossing lies exactly on a futures bracket floor or a
collateral tier floor is loaded into the reference schema; then:

  * pm.stress_result for random scenarios (a default move '*', stablecoins
    held flat, collateral overrides, an asset nobody prices) and two
    built-in ones equals pm_reference.account_risk on the moved exchange,
    for every account; pm.stress agrees with the view;
  * pm.liquidation_price equals, within 1e-8 relative, the crossing found by
    a dense scan of the exact gap adjusted equity - 1.05 x maintenance
    margin over the price multiplier, refined by bisection on Fractions;
  * pm.max_withdraw keeps the account at its margin-call threshold -- in
    exact arithmetic to the spec's 1e-12 USD (CM PnL and notional are
    divisions, rounded at 20 digits), and exactly as the extension itself
    values the account after the withdrawal -- and is within 1e-8 of the
    supremum found by bisection;
  * pm.whatif equals the reference on the changed rows.

Prints TAP and the seed (PM_SEED); PM_ACCOUNTS (default 300) and PM_PAIRS
(account-asset pairs for liquidation and withdrawal, default 80) scale it.
Standard library only; psql connects with the usual PG* variables to a
database where the extension is installed and its tables are empty.
"""

import json
import math
import os
import random
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pm_reference as ref  # noqa: E402
from account_differential import compare, gen_exchange, load_sql, psql  # noqa: E402
from randgen import frac_str  # noqa: E402

LIQ = Fraction("1.05")                         # liquidation threshold, both programs
MARGIN_CALL = {"PM_PRO": Fraction("1.5"), "PM": Fraction("1.2")}
TOL = Fraction(1, 10 ** 8)
# Spec section 4: divisions (CM PnL and notional) round at 20 significant
# digits, so USD amounts agree with exact arithmetic to 1e-12.
USD_EXACT = Fraction(1, 10 ** 12)


def moved(ex, moves):
    """ex with prices moved: moves maps an asset (or '*') to (shock, schedule text or None)."""
    default = moves.get("*")

    def move(asset):
        return moves.get(asset, default)

    def factor(asset):
        m = move(asset)
        return 1 + m[0] if m else 1
    out = dict(ex)
    out["asset"] = {a: p * factor(a) if p is not None else None for a, p in ex["asset"].items()}
    out["symbol"] = {k: dict(s, mark_price=s["mark_price"] * factor(s["base_asset"]))
                     for k, s in ex["symbol"].items()}
    coll = dict(ex["collateral"])
    for asset in ex["asset"]:
        m = move(asset)
        if m and m[1] is not None:
            for program in ("PM", "PM_PRO"):
                coll[(program, asset)] = ref.parse_schedule(m[1])
    out["collateral"] = coll
    return out


def only(ex, aid):
    """ex restricted to one account's rows (the reference scans its lists)."""
    out = dict(ex)
    for k in ("balance", "position", "open_order"):
        out[k] = [r for r in ex[k] if r["account_id"] == aid]
    return out


def gap(account, ex1, asset, m):
    """(g, side): g = adjusted equity - threshold x maintenance margin with
    asset's prices multiplied by m; side -1 where the account is in
    liquidation there (g < 0, or g = 0 with maintenance margin), else 1 (g = 0
    without maintenance margin is NORMAL)."""
    r = ref.account_risk(account, moved(ex1, {asset: (m - 1, None)}))
    g = r["adjusted_equity"] - LIQ * r["maint_margin"]
    return g, -1 if g < 0 or (g == 0 and r["maint_margin"] > 0) else 1


def scan_root(account, ex1, asset):
    """(below, above) multipliers: the first change of side (in liquidation
    or not) walking away from m = 1 over a dense grid in [1/100, 100], refined
    by bisection; None where the side never changes."""
    steps = 1500
    out = []
    g1, s1 = gap(account, ex1, asset, Fraction(1))
    for direction in (-1, 1):
        m0, g0, s0, root = Fraction(1), g1, s1, None
        for i in range(1, steps + 1):
            m1 = Fraction(round(10 ** (direction * 2 * i / steps) * 10 ** 12), 10 ** 12)
            g, s = gap(account, ex1, asset, m1)
            if s != s0:
                if g0 == 0 and s0 < 0:
                    root = m0          # exactly at the threshold at m0
                elif g == 0 and s < 0:
                    root = m1
                else:
                    lo, hi, slo = m0, m1, s0
                    for _ in range(80):
                        mid = (lo + hi) / 2
                        gm, sm = gap(account, ex1, asset, mid)
                        if gm == 0 and sm < 0:
                            lo = hi = mid
                            break
                        if sm == slo:
                            lo = mid
                        else:
                            hi = mid
                    root = (lo + hi) / 2
                break
            m0, g0, s0 = m1, g, s
        out.append(root)
    return out


def withdraw_ok(account, ex1, asset, w, slack=Fraction(0)):
    """Whether taking w of asset out keeps uniMMR at the margin-call
    threshold: adjusted equity - threshold x maintenance margin >= -slack
    (USD) in exact arithmetic."""
    ex2 = dict(ex1)
    ex2["balance"] = [dict(b, cross_free=b["cross_free"] - w) if b["asset"] == asset else b
                      for b in ex1["balance"]]
    r = ref.account_risk(account, ex2)
    if r["maint_margin"] > 0:
        return r["adjusted_equity"] - MARGIN_CALL[account["program"]] * r["maint_margin"] >= -slack
    return r["adjusted_equity"] >= -slack


def add_floor_accounts(ex, rng):
    """Accounts whose liquidation crossing lies exactly on a floor: a UM
    bracket floor of a symbol FLOORUSDT, or a PM_PRO collateral tier floor of
    an asset FLOOR (both added here, so every run has them)."""
    ex["asset"]["FLOOR"] = Fraction(100)
    text = "0:0.9, 5000:0.7, 20000:0.5"
    ex["collateral"][("PM_PRO", "FLOOR")] = ref.parse_schedule(text)
    ex["collateral_text"][("PM_PRO", "FLOOR")] = text
    text = "0:0.004, 50000:0.005, 250000:0.01"
    ex["symbol"]["FLOORUSDT"] = dict(market="UM", base_asset="FLOOR", settle_asset="USDT",
                                     contract_size=None, mark_price=Fraction("100.5"),
                                     brackets_text=text, brackets=ref.parse_schedule(text))
    made = []
    aid = max(a["account_id"] for a in ex["account"])
    sym = ex["symbol"]["FLOORUSDT"]
    mark = sym["mark_price"]
    for f in (Fraction(50000), Fraction(250000)):
        aid += 1
        acct = dict(account_id=aid, program="PM_PRO", loan_leverage=3)
        m_f = Fraction(rng.randint(55, 90), 100)
        qty = Fraction(round(f / (mark * m_f) * 10 ** 6), 10 ** 6)
        pos = dict(account_id=aid, symbol="FLOORUSDT", side="BOTH", qty=qty,
                   entry_price=mark, leverage=10)
        bal = dict(account_id=aid, asset="USDT", cross_free=Fraction(0), cross_locked=Fraction(0),
                   cross_borrowed=Fraction(0), cross_interest=Fraction(0), um_wallet=Fraction(0),
                   cm_wallet=Fraction(0))
        trial = dict(ex, account=[acct], balance=[bal], position=[pos], open_order=[])
        m_exact = f / (qty * mark)            # the notional is exactly the floor here
        bal["um_wallet"] = -gap(acct, trial, "FLOOR", m_exact)[0]
        ex["account"].append(acct)
        ex["balance"].append(bal)
        ex["position"].append(pos)
        made.append((aid, "FLOOR", m_exact, "bracket floor", 0))
    for floor in (Fraction(5000), Fraction(20000)):
        aid += 1
        acct = dict(account_id=aid, program="PM_PRO", loan_leverage=3)
        m_f = Fraction(rng.randint(55, 90), 100)
        units = Fraction(round(floor / (ex["asset"]["FLOOR"] * m_f) * 10 ** 8), 10 ** 8)
        loan = Fraction(100000)
        coin = dict(account_id=aid, asset="FLOOR", cross_free=units, cross_locked=Fraction(0),
                    cross_borrowed=Fraction(0), cross_interest=Fraction(0), um_wallet=Fraction(0),
                    cm_wallet=Fraction(0))
        usdt = dict(account_id=aid, asset="USDT", cross_free=loan, cross_locked=Fraction(0),
                    cross_borrowed=loan, cross_interest=Fraction(0), um_wallet=Fraction(0),
                    cm_wallet=Fraction(0))
        trial = dict(ex, account=[acct], balance=[coin, usdt], position=[], open_order=[])
        m_exact = floor / (units * ex["asset"]["FLOOR"])
        usdt["cross_free"] = loan - gap(acct, trial, "FLOOR", m_exact)[0]
        ex["account"].append(acct)
        ex["balance"].extend([coin, usdt])
        made.append((aid, "FLOOR", m_exact, "collateral tier floor", 0))
    # PM: an open order selling ETH for USDT starts to lose collateral value
    # above m = 3 and the account crosses later still, past every other kink
    aid += 1
    acct = dict(account_id=aid, program="PM", loan_leverage=3)
    rate = ex["collateral"][("PM", "ETH")][0][1]
    q = Fraction(2)
    usdt_in = Fraction(round(q * ex["asset"]["ETH"] * rate * 3 * 10 ** 8), 10 ** 8)
    loan = Fraction(10000)
    cushion = loan * Fraction(105, 1000) + 500
    ex["account"].append(acct)
    ex["balance"].append(dict(account_id=aid, asset="USDT", cross_free=loan + cushion,
                              cross_locked=Fraction(0), cross_borrowed=loan, cross_interest=Fraction(0),
                              um_wallet=Fraction(0), cm_wallet=Fraction(0)))
    ex["open_order"].append(dict(account_id=aid, order_id=10 ** 6 + aid, sell_asset="ETH", sell_qty=q,
                                 buy_asset="USDT", buy_qty=usdt_in))
    made.append((aid, "ETH", (500 + usdt_in) / (q * ex["asset"]["ETH"] * rate), "open-order loss kink", 1))
    return made


def add_withdraw_accounts(ex, rng):
    """Accounts whose withdrawal limit lies strictly inside what they hold:
    a USDT loan against BTC (flat rate) or FLOOR (tiered), so the limit of
    the collateral asset is set by the margin-call threshold.  The loan is
    30-60% of the holding's collateral value (not of its price: a random
    schedule may count BTC at 5%), so uniMMR starts at (1 - 0.6) / (0.6 x
    loan rate) or more, above the threshold, and taking everything out
    leaves the loan uncovered."""
    made = []
    aid = max(a["account_id"] for a in ex["account"])
    for asset, units in (("BTC", Fraction(1)), ("BTC", Fraction("2.5")), ("FLOOR", Fraction(300)),
                         ("FLOOR", Fraction(150))):
        aid += 1
        value = ref.collateral_value(units * ex["asset"][asset], ex["collateral"][("PM_PRO", asset)])
        loan = quantize_down(value * Fraction(rng.randint(30, 60), 100))
        ex["account"].append(dict(account_id=aid, program="PM_PRO", loan_leverage=3))
        ex["balance"].append(dict(account_id=aid, asset=asset, cross_free=units, cross_locked=Fraction(0),
                                  cross_borrowed=Fraction(0), cross_interest=Fraction(0),
                                  um_wallet=Fraction(0), cm_wallet=Fraction(0)))
        ex["balance"].append(dict(account_id=aid, asset="USDT", cross_free=Fraction(0),
                                  cross_locked=Fraction(0), cross_borrowed=loan,
                                  cross_interest=Fraction(0), um_wallet=Fraction(0),
                                  cm_wallet=Fraction(0)))
        made.append((aid, asset))
    return made


def quantize_down(x):
    return Fraction(int(x * 100), 100)


SCENARIOS = {
    "rnd flat stables": {"*": (Fraction("-0.25"), None), "USDT": (Fraction(0), None),
                         "USDC": (Fraction(0), None)},
    "rnd two moves": {"BTC": (Fraction("0.37"), None), "ETH": (Fraction("-0.61"), "0:0.5")},
    "rnd haircut all": {"*": (Fraction("0.1"), "0:0.8, 1000000:0.5"), "SOL": (Fraction("-0.9"), None)},
    "rnd unknown asset": {"NOTLISTED": (Fraction("-0.5"), None), "XRP": (Fraction("0.000001"), None)},
}
BUILTIN = {"BTC -20%": {"BTC": (Fraction("-0.2"), None)},
           "crypto -30%": dict({"*": (Fraction("-0.3"), None)},
                               **{a: (Fraction(0), None)
                                  for a in ("USDT", "USDC", "FDUSD", "TUSD", "DAI", "USDP")})}


def main():
    seed = int(os.environ.get("PM_SEED") or random.SystemRandom().randrange(2 ** 32))
    n_accounts = int(os.environ.get("PM_ACCOUNTS", "300"))
    n_pairs = int(os.environ.get("PM_PAIRS", "80"))
    rng = random.Random(seed)
    ex = gen_exchange(rng, n_accounts)
    floor_cases = add_floor_accounts(ex, rng)
    withdraw_cases = add_withdraw_accounts(ex, rng)
    print(f"# beyond-the-exchange test: seed {seed} (rerun with PM_SEED={seed}), "
          f"{len(ex['account'])} accounts, {len(floor_cases)} with a crossing on a floor or past a kink")
    psql(load_sql(ex))
    rows = []
    for name, moves in SCENARIOS.items():
        for asset, (shock, sched) in moves.items():
            rows.append(f"('{name}', '{asset}', {frac_str(shock)}, "
                        f"{'NULL' if sched is None else repr(sched)})")
    psql("INSERT INTO pm.scenario (scenario, asset, price_shock, collateral) VALUES "
         + ", ".join(rows) + ";\n")

    n = failed = 0

    def check(ok, what, detail=()):
        nonlocal n, failed
        n += 1
        failed += 0 if ok else 1
        print(f"{'ok' if ok else 'not ok'} {n} - {what}")
        for d in list(detail)[:8]:
            print(f"#   {d}")

    accounts = {a["account_id"]: a for a in ex["account"]}
    per_account = {aid: only(ex, aid) for aid in accounts}

    # -- stress ---------------------------------------------------------------
    names = list(SCENARIOS) + list(BUILTIN)
    got = {}
    for line in psql("SELECT scenario, account_id, uni_mmr, account_equity, actual_equity, "
                     "account_initial_margin, account_maint_margin, account_status, "
                     "virtual_max_withdraw_amount, total_available_balance, total_margin_open_loss "
                     "FROM pm.stress_result WHERE scenario IN ("
                     + ", ".join(f"'{s}'" for s in names) + ") ORDER BY 1, 2;\n").splitlines():
        cells = line.split("\t")
        got[(cells[0], int(cells[1]))] = cells[2:]
    bad, border = [], 0
    for name in names:
        moves = SCENARIOS.get(name) or BUILTIN[name]
        for aid, account in accounts.items():
            cells = got.get((name, aid))
            if cells is None:
                bad.append(f"{name}, account {aid}: missing")
                continue
            want = ref.account_risk(account, moved(per_account[aid], moves))
            b, bo = compare(account, cells, want)
            border += bo
            bad += [f"{name}, account {aid} {f}: got {c}, exact {e}" for f, c, e in b]
    print(f"# stress: {len(got)} rows, borderline values accepted: {border}")
    check(not bad and len(got) == len(names) * len(accounts),
          f"pm.stress_result equals the reference on the moved exchange "
          f"({len(names)} scenarios x {len(accounts)} accounts)", bad)
    sample = rng.sample(sorted(accounts), 20)
    single = psql("".join(f"SELECT '{s}', (pm.stress({a}, '{s}')).*;\n" for s in names for a in sample))
    view = psql(f"SELECT scenario, account_id, program, uni_mmr, account_equity, actual_equity, "
                f"account_initial_margin, account_maint_margin, account_status, "
                f"virtual_max_withdraw_amount, total_available_balance, total_margin_open_loss, error "
                f"FROM pm.stress_result WHERE account_id IN "
                f"({', '.join(map(str, sample))}) AND scenario IN ({', '.join(repr(s) for s in names)});\n")
    check(sorted(single.splitlines()) == sorted(view.splitlines()),
          "pm.stress gives the rows of pm.stress_result")

    # -- liquidation prices ---------------------------------------------------
    pairs = [(aid, asset) for aid in sorted(accounts) for asset in ("BTC", "ETH", "SOL")]
    pairs = rng.sample(pairs, min(n_pairs, len(pairs)))
    pairs += [(aid, asset) for aid, asset, _, _, _ in floor_cases]
    out = psql("".join(f"SELECT {a}, '{x}', below, above FROM pm.liquidation_price({a}, '{x}');\n"
                       for a, x in pairs))
    ours = {}
    for line in out.splitlines():
        a, x, below, above = line.split("\t")
        ours[(int(a), x)] = [Fraction(v) if v else None for v in (below, above)]
    bad = []
    found = 0
    for aid, asset in pairs:
        p0 = ex["asset"][asset]
        want = scan_root(accounts[aid], per_account[aid], asset)
        for side, w, g in zip(("below", "above"), want, ours[(aid, asset)]):
            if w is None and g is None:
                continue
            if w is None:
                m = g / p0
                if Fraction(1, 100) < m < 100:
                    bad.append(f"account {aid} {asset} {side}: got {float(g)}, the scan finds none")
                continue
            found += 1
            if g is None or abs(g / p0 - w) > TOL * w:
                bad.append(f"account {aid} {asset} {side}: got {g and float(g)}, brute force {float(w * p0)}")
    check(not bad, f"pm.liquidation_price equals brute force within 1e-8 relative "
          f"({len(pairs)} account-asset pairs, {found} crossings)", bad)
    floor_bad = [f"account {a} ({what}): got {ours[(a, x)][side] and float(ours[(a, x)][side])}, "
                 f"exact {float(m * ex['asset'][x])}"
                 for a, x, m, what, side in floor_cases
                 if ours[(a, x)][side] is None
                 or abs(ours[(a, x)][side] - m * ex["asset"][x]) > TOL * m * ex["asset"][x]]
    check(not floor_bad and len(floor_cases) == 5,
          f"crossings exactly on a bracket or tier floor, and past an open-order loss kink, are found "
          f"({len(floor_cases)} accounts)", floor_bad)

    # -- withdrawal limits ----------------------------------------------------
    wpairs = [(b["account_id"], b["asset"]) for b in ex["balance"]
              if b["account_id"] in accounts and b["cross_free"] + max(b["um_wallet"], 0)
              + max(b["cm_wallet"], 0) > 0 and b["cross_free"] > 0]
    wpairs = rng.sample(wpairs, min(n_pairs, len(wpairs))) + withdraw_cases
    out = psql("".join(f"SELECT {a}, '{x}', pm.max_withdraw({a}, '{x}');\n" for a, x in wpairs))
    bad, interior, limited = [], 0, []
    for line in out.splitlines():
        a, x, w_text = line.split("\t")
        aid, w = int(a), Fraction(w_text)
        account, ex1 = accounts[aid], per_account[aid]
        b = next(b for b in ex1["balance"] if b["asset"] == x)
        held = max(b["cross_free"], 0) + max(b["um_wallet"], 0) + max(b["cm_wallet"], 0)
        if not withdraw_ok(account, ex1, x, Fraction(0)):
            if w != 0:
                bad.append(f"account {aid} {x}: got {float(w)}, but nothing can leave")
            continue
        if withdraw_ok(account, ex1, x, held):
            if w != held:
                bad.append(f"account {aid} {x}: got {float(w)}, everything ({float(held)}) can leave")
            continue
        interior += 1
        lo, hi = Fraction(0), held
        for _ in range(90):
            mid = (lo + hi) / 2
            if withdraw_ok(account, ex1, x, mid):
                lo = mid
            else:
                hi = mid
        limited.append((aid, x, w_text))
        if not withdraw_ok(account, ex1, x, w, USD_EXACT) or abs(w - lo) > TOL * lo:
            bad.append(f"account {aid} {x}: got {float(w)}, bisection {float(lo)}; "
                       f"keeps the threshold: {withdraw_ok(account, ex1, x, w, USD_EXACT)}")
    check(not bad and interior >= len(withdraw_cases),
          f"pm.max_withdraw keeps the threshold (exact arithmetic, to 1e-12 USD) and is within 1e-8 "
          f"of the supremum ({len(wpairs)} pairs, {interior} limited by the threshold)",
          bad + ([] if interior >= len(withdraw_cases) else
                 [f"only {interior} pairs are limited by the threshold; these {len(withdraw_cases)} "
                  f"were built to be: {withdraw_cases}"]))
    # and as the extension itself values the account once it is taken out
    # (from free cross margin first, then the UM and CM wallets; each rolled
    # back): exactly at or above the threshold
    out = psql("".join(
        f"BEGIN;\nUPDATE pm.balance SET cross_free = cross_free - f.c, um_wallet = um_wallet - f.u, "
        f"cm_wallet = cm_wallet - ({w} - f.c - f.u) FROM (SELECT least({w}, greatest(b.cross_free, 0)) AS c, "
        f"least({w} - least({w}, greatest(b.cross_free, 0)), greatest(b.um_wallet, 0)) AS u "
        f"FROM pm.balance b WHERE b.account_id = {a} AND b.asset = '{x}') f "
        f"WHERE account_id = {a} AND asset = '{x}';\n"
        f"SELECT m.account_id, '{x}', CASE WHEN pm.maint_margin(m.summary) > 0 "
        f"THEN pm.adjusted_equity(m.summary) >= pm.margin_call_threshold(m.program) * pm.maint_margin(m.summary) "
        f"ELSE pm.adjusted_equity(m.summary) >= 0 END FROM pm.account_margin m WHERE m.account_id = {a};\n"
        f"ROLLBACK;\n" for a, x, w in limited))
    db_bad = [f"account {a} {x}: after taking out pm.max_withdraw the extension's uniMMR is below the threshold"
              for a, x, ok in (line.split("\t") for line in out.splitlines()) if ok != "t"]
    check(not db_bad and len(out.splitlines()) == len(limited),
          f"taking pm.max_withdraw out keeps the extension's own uniMMR at the threshold "
          f"({len(limited)} withdrawals)", db_bad)

    # -- what-if --------------------------------------------------------------
    bad = []
    for aid in rng.sample(sorted(accounts), 40):
        account = accounts[aid]
        ex1 = per_account[aid]
        sym = rng.choice(sorted(ex["symbol"]))
        s = ex["symbol"][sym]
        qty = Fraction(rng.randint(-300, 300), 100) * (100 if s["market"] == "CM" else 1)
        asset = rng.choice(["USDT", "BTC", "ETH"])
        amount = Fraction(rng.randint(1, 5000), 100) / (ex["asset"][asset] / 100)
        amount = Fraction(round(amount * 10 ** 8), 10 ** 8)
        changes = {"positions": [{"symbol": sym, "qty": frac_str(qty)}],
                   "transfers": [{"asset": asset, "amount": frac_str(amount)}],
                   "loans": [{"asset": "USDC", "amount": "250"}],
                   "orders": [{"sell_asset": "USDT", "sell_qty": "100", "buy_asset": "ETH",
                               "buy_qty": "0.03"}]}
        ex2 = dict(ex1)
        positions = [p for p in ex1["position"] if not (p["symbol"] == sym and p["side"] == "BOTH")]
        if qty != 0:
            positions.append(dict(account_id=aid, symbol=sym, side="BOTH", qty=qty,
                                  entry_price=s["mark_price"], leverage=20))
        ex2["position"] = positions
        balances = {b["asset"]: dict(b) for b in ex1["balance"]}
        zero = dict(account_id=aid, cross_free=Fraction(0), cross_locked=Fraction(0),
                    cross_borrowed=Fraction(0), cross_interest=Fraction(0), um_wallet=Fraction(0),
                    cm_wallet=Fraction(0))
        balances.setdefault(asset, dict(zero, asset=asset))["cross_free"] += amount
        usdc = balances.setdefault("USDC", dict(zero, asset="USDC"))
        usdc["cross_free"] += 250
        usdc["cross_borrowed"] += 250
        ex2["balance"] = list(balances.values())
        ex2["open_order"] = ex1["open_order"] + [dict(account_id=aid, order_id=0, sell_asset="USDT",
                                                      sell_qty=Fraction(100), buy_asset="ETH",
                                                      buy_qty=Fraction("0.03"))]
        want = ref.account_risk(account, ex2)
        cells = psql(f"SELECT * FROM pm.whatif({aid}, '{json.dumps(changes)}');\n").strip().split("\t")
        b, _ = compare(account, cells[2:], want)
        bad += [f"account {aid} {f}: got {c}, exact {e}" for f, c, e in b]
    check(not bad, "pm.whatif equals the reference on the changed rows (40 accounts)", bad)
    nothing = psql("SELECT count(*) FROM pm.balance; SELECT count(*) FROM pm.position;\n")
    check(nothing.split() == [str(len(ex["balance"])), str(len(ex["position"]))],
          "and wrote nothing")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
