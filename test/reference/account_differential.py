#!/usr/bin/env python3
"""Randomized differential test of pm.account_risk against pm_reference.py.

Generates a random exchange -- assets, tiered (PM_PRO) and flat (PM)
collateral, UM and CM symbols with random brackets, and accounts of both
programs with balances (negative wallets, loans), positions (one-way and
hedge), open orders, accounts with no lines at all and accounts sitting
exactly on status thresholds -- loads it into the reference schema, reads
pm.account_risk with parallel aggregation forced on and off, and checks:

  * the forced-on plan really aggregates in parallel workers;
  * with free workers and index scans, the view's two account ranges run
    side by side (Parallel Append), with the same rows as serially;
  * both plans give identical rows, and identical exact summaries;
  * every row equals the exact reference rounded to 8 decimals (half away
    from zero), and every status equals the reference status.

Only CM PnL, CM margin, initial margins and uniMMR involve a division, each
carried to >= 20 significant digits; where the exact value lies within that
rounding's reach of a half-unit of the 8th decimal (or of a status
threshold), either neighbour is accepted and counted as borderline.

Prints TAP and the seed; PM_SEED repeats a run, PM_ACCOUNTS sets the number
of accounts (default 1200).  Standard library only; psql connects with the
usual PG* variables to a database where the extension is installed and its
tables are empty.
"""

import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pm_reference as ref  # noqa: E402
from randgen import dec_str, frac_str, rand_decimal, rand_rate  # noqa: E402

FIELDS = ["uni_mmr", "account_equity", "actual_equity", "account_initial_margin",
          "account_maint_margin", "account_status", "virtual_max_withdraw_amount",
          "total_available_balance", "total_margin_open_loss"]
REF_KEY = {"account_initial_margin": "initial_margin", "account_maint_margin": "maint_margin",
           "total_margin_open_loss": "open_loss", "account_status": "status"}

# Relative reach of the divisions' rounding on a total: each division is
# within 5e-20 relative; a total sums a few dozen of them.
REACH = Fraction(1, 10 ** 16)

# Forcing parallel aggregation: free workers, and operators priced high
# enough that splitting the transitions across workers always pays; no
# Parallel Append, which would run the view's two account ranges whole in
# one process each (PARALLEL_RANGES) and, on a few hundred accounts, can
# cost less than partial states combined in the leader.
PARALLEL_ON = """
SET max_parallel_workers_per_gather = 2;
SET enable_parallel_append = off;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET cpu_operator_cost = 1;
SET min_parallel_table_scan_size = 0;
SET min_parallel_index_scan_size = 0;
SET enable_partitionwise_aggregate = on;
"""
PARALLEL_OFF = "SET max_parallel_workers_per_gather = 0;\n"
# The view's two account ranges side by side (0.14.0): free workers, and
# index scans, so each range is the ledger merge node over the primary keys.
PARALLEL_RANGES = """
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET enable_seqscan = off;
"""

ASSETS = [  # name, price, is a stablecoin
    ("USDT", "1", True), ("USDC", "1", True), ("BTC", "40123.45", False),
    ("ETH", "3012.7", False), ("BNB", "601.25", False), ("SOL", "151.337", False),
    ("XRP", "0.5234", False), ("DOGE", "0.10417", False), ("ADA", "0.4102", False),
    ("PEPE", "0.0000112", False), ("NOCOLL", "2.5", False),
]


def quantize(x, places):
    """x rounded to a number of decimals (for generated data only)."""
    return Fraction(round(x * 10 ** places), 10 ** places)


def gen_exchange(rng, n_accounts):
    """A random exchange as the dicts pm_reference.account_risk takes."""
    ex = {"asset": {}, "collateral": {}, "symbol": {}, "loan_mmr": {
        3: Fraction("0.10"), 5: Fraction("0.08"), 10: Fraction("0.05")},
        "account": [], "balance": [], "position": [], "open_order": []}
    for name, price, _ in ASSETS:
        ex["asset"][name] = Fraction(price)
    for name, _, stable in ASSETS:
        if name == "NOCOLL":
            continue
        if stable:
            ex["collateral"][("PM_PRO", name)] = "0:1, 10000000:0.975"
            ex["collateral"][("PM", name)] = "0:1"
            continue
        # PM_PRO: falling tiers with floors in USD value
        n = rng.randint(1, 5)
        floors = [0] + sorted(rng.sample(range(1, 2000), n - 1))
        rates = sorted((rand_rate(rng, "0.05", "0.95") for _ in range(n)), key=Fraction, reverse=True)
        ex["collateral"][("PM_PRO", name)] = ", ".join(
            f"{f * 1000}:{r}" for f, r in zip(floors, rates))
        if name != "PEPE":          # PEPE is not collateral in PM
            ex["collateral"][("PM", name)] = "0:" + rand_rate(rng, "0.1", "0.95")
    ex["collateral_text"] = dict(ex["collateral"])
    for k, v in list(ex["collateral"].items()):
        ex["collateral"][k] = ref.parse_schedule(v)

    def brackets(unit):
        n = rng.randint(1, 6)
        floors = [0] + sorted(rng.sample(range(1, 500), n - 1))
        rates = sorted(rand_rate(rng, "0.002", "0.2") for _ in range(n))
        rates = sorted(rates, key=Fraction)
        text = ", ".join(f"{frac_str(Fraction(f) * unit)}:{r}" for f, r in zip(floors, rates))
        return text, ref.parse_schedule(text)

    def mark(asset):
        p = ex["asset"][asset] * Fraction(rng.randint(9950, 10050), 10000)
        return max(quantize(p, 8), Fraction(1, 10 ** 8))    # near the index

    for base in ["BTC", "ETH", "SOL", "XRP", "DOGE", "PEPE", "BNB"]:
        text, parsed = brackets(10000)
        ex["symbol"][base + "USDT"] = dict(market="UM", base_asset=base, settle_asset="USDT",
                                          contract_size=None, mark_price=mark(base),
                                          brackets_text=text, brackets=parsed)
    text, parsed = brackets(10000)
    ex["symbol"]["BTCUSDC"] = dict(market="UM", base_asset="BTC", settle_asset="USDC",
                                   contract_size=None, mark_price=mark("BTC"),
                                   brackets_text=text, brackets=parsed)
    for base, size in [("BTC", 100), ("ETH", 10), ("SOL", 10)]:
        text, parsed = brackets(Fraction(1, 10))
        ex["symbol"][base + "USD_PERP"] = dict(market="CM", base_asset=base, settle_asset=base,
                                              contract_size=Fraction(size), mark_price=mark(base),
                                              brackets_text=text, brackets=parsed)

    symbols = sorted(ex["symbol"])
    order_id = 0
    for aid in range(1, n_accounts + 1):
        program = "PM" if rng.random() < 0.4 else "PM_PRO"
        acct = dict(account_id=aid, program=program, loan_leverage=rng.choice([3, 5, 10]))
        ex["account"].append(acct)
        if rng.random() < 0.05:
            continue                            # no lines at all
        for asset in rng.sample([a for a, _, _ in ASSETS], rng.randint(0, 6)):
            price = ex["asset"][asset]
            scale = 1 / price if price > 1 else Fraction(1)

            def amount(p):
                if rng.random() >= p:
                    return Fraction(0)
                return Fraction(rand_decimal(rng, -3, 4, max_sig=8)) * scale
            b = dict(account_id=aid, asset=asset,
                     cross_free=amount(0.6), cross_locked=amount(0.2),
                     cross_borrowed=amount(0.25), cross_interest=Fraction(0),
                     um_wallet=amount(0.3), cm_wallet=amount(0.2))
            if b["cross_borrowed"] and rng.random() < 0.5:
                b["cross_interest"] = b["cross_borrowed"] * Fraction(rng.randint(1, 300), 100000)
            for k in ("um_wallet", "cm_wallet"):
                if rng.random() < 0.15:
                    b[k] = -b[k]
            for k in ("cross_free", "cross_locked", "cross_borrowed", "cross_interest",
                      "um_wallet", "cm_wallet"):
                b[k] = quantize(b[k], 10)
            ex["balance"].append(b)
        for sym in rng.sample(symbols, rng.randint(0, 4)):
            s = ex["symbol"][sym]
            if s["market"] == "CM":
                size = Fraction(rng.randint(1, 500))
            else:
                size = Fraction(rand_decimal(rng, -2, 3, max_sig=6)) / max(s["mark_price"] / 1000, 1)
                size = quantize(size, 6) or Fraction(1, 10 ** 6)
            entry = max(quantize(s["mark_price"] * Fraction(rng.randint(70, 130), 100), 8),
                        Fraction(1, 10 ** 8))
            lev = rng.randint(1, 50)
            if rng.random() < 0.15:             # hedge mode: both sides
                ex["position"].append(dict(account_id=aid, symbol=sym, side="LONG", qty=size,
                                           entry_price=entry, leverage=lev))
                ex["position"].append(dict(account_id=aid, symbol=sym, side="SHORT", qty=-size / 2,
                                           entry_price=entry * Fraction(101, 100), leverage=lev))
            else:
                ex["position"].append(dict(account_id=aid, symbol=sym, side="BOTH",
                                           qty=size if rng.random() < 0.5 else -size,
                                           entry_price=entry, leverage=lev))
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            sell, buy = rng.sample([a for a, _, _ in ASSETS], 2)
            qty = Fraction(rand_decimal(rng, -2, 3, max_sig=6)) / max(ex["asset"][sell], 1)
            qty = quantize(qty, 8) or Fraction(1, 10 ** 8)
            buy_qty = qty * ex["asset"][sell] / ex["asset"][buy] * Fraction(rng.randint(95, 105), 100)
            buy_qty = quantize(buy_qty, 8) or Fraction(1, 10 ** 8)
            order_id += 1
            ex["open_order"].append(dict(account_id=aid, order_id=order_id, sell_asset=sell,
                                         sell_qty=qty, buy_asset=buy, buy_qty=buy_qty))

    # Accounts exactly on each threshold: USDT only, a 3x loan of 100 USDT
    # gives MM 10, so free USDT of 100 + 10 * ratio puts uniMMR on the ratio.
    aid = n_accounts
    for program in ("PM_PRO", "PM"):
        for ratio in ("1.5", "1.2", "1.05", "1", "0.5"):
            aid += 1
            ex["account"].append(dict(account_id=aid, program=program, loan_leverage=3))
            ex["balance"].append(dict(account_id=aid, asset="USDT",
                                      cross_free=100 + 10 * Fraction(ratio), cross_locked=Fraction(0),
                                      cross_borrowed=Fraction(100), cross_interest=Fraction(0),
                                      um_wallet=Fraction(0), cm_wallet=Fraction(0)))
    return ex


def text(x):
    """A Fraction with a terminating expansion, as SQL text."""
    return frac_str(x) if x is not None else "\\N"


def load_sql(ex):
    """COPY blocks that load the exchange into the reference schema."""
    out = ["\\set ON_ERROR_STOP 1", "BEGIN;"]

    def copy(table, cols, rows):
        out.append(f"COPY pm.{table} ({', '.join(cols)}) FROM STDIN;")
        out.extend("\t".join(r) for r in rows)
        out.append("\\.")
    copy("asset", ["asset", "index_price"], [[a, text(p)] for a, p in ex["asset"].items()])
    copy("collateral", ["program", "asset", "schedule"],
         [[p, a, s] for (p, a), s in ex["collateral_text"].items()])
    copy("symbol", ["symbol", "market", "base_asset", "settle_asset", "contract_size",
                    "mark_price", "brackets"],
         [[k, s["market"], s["base_asset"], s["settle_asset"], text(s["contract_size"]),
           text(s["mark_price"]), s["brackets_text"]] for k, s in ex["symbol"].items()])
    copy("account", ["account_id", "program", "loan_leverage"],
         [[str(a["account_id"]), a["program"], str(a["loan_leverage"])] for a in ex["account"]])
    bcols = ["account_id", "asset", "cross_free", "cross_locked", "cross_borrowed",
             "cross_interest", "um_wallet", "cm_wallet"]
    copy("balance", bcols, [[str(b["account_id"]), b["asset"]] + [text(b[c]) for c in bcols[2:]]
                            for b in ex["balance"]])
    copy("position", ["account_id", "symbol", "side", "qty", "entry_price", "leverage"],
         [[str(p["account_id"]), p["symbol"], p["side"], text(p["qty"]), text(p["entry_price"]),
           str(p["leverage"])] for p in ex["position"]])
    copy("open_order", ["account_id", "order_id", "sell_asset", "sell_qty", "buy_asset", "buy_qty"],
         [[str(o["account_id"]), str(o["order_id"]), o["sell_asset"], text(o["sell_qty"]),
           o["buy_asset"], text(o["buy_qty"])] for o in ex["open_order"]])
    out.append("COMMIT;")
    out.append("ANALYZE;")
    return "\n".join(out) + "\n"


def psql(sql):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(sql)
        path = f.name
    try:
        done = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                               "-f", path], capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise RuntimeError(f"psql failed: {done.stderr.strip()[:500]}")
        return done.stdout
    finally:
        os.unlink(path)


def read_risk(settings):
    """(plan text, risk rows by account, exact summaries by account) under settings."""
    query = "SELECT * FROM pm.account_risk ORDER BY account_id"
    plan = psql(settings + "EXPLAIN (COSTS OFF) " + query + ";\n")
    rows = {}
    for line in psql(settings + query + ";\n").splitlines():
        cells = line.split("\t")
        rows[int(cells[0])] = cells[2:]
    summaries = psql(settings + "SELECT account_id, summary FROM pm.account_margin ORDER BY account_id;\n")
    return plan, rows, summaries


def state_vs_scratch():
    """[rows, rows whose values differ from a from-scratch pass as text, rows
    whose totals differ] of pm.account_state."""
    return psql("""
SELECT count(*),
       count(*) FILTER (WHERE s.uni_mmr::text IS DISTINCT FROM pm.uni_mmr(m.summary)::text
                           OR s.account_equity::text <> pm.account_equity(m.summary)::text
                           OR s.adjusted_equity::text <> pm.adjusted_equity(m.summary)::text
                           OR s.maint_margin::text <> pm.maint_margin(m.summary)::text
                           OR s.status <> pm.status(m.summary, m.program)),
       count(*) FILTER (WHERE s.ledger_totals IS DISTINCT FROM t.totals)
  FROM pm.account_state s
  JOIN pm.account_margin m USING (account_id)
  JOIN (SELECT l.account_id, pm.ledger_totals(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS totals
          FROM pm.ledger_row l GROUP BY l.account_id) t USING (account_id);
""").split()


def position_writes(ex, rng, n=40):
    """Random statements on pm.position: updates of quantity (to zero and
    across zero), entry price and leverage, inserts, deletes, statements over
    a few accounts, a position moved to another account."""
    pos = list(ex["position"])
    key = lambda p: f"account_id = {p['account_id']} AND symbol = '{p['symbol']}' AND side = '{p['side']}'"
    held = {(p["account_id"], p["symbol"]) for p in pos}
    accounts = [a["account_id"] for a in ex["account"]]
    symbols = sorted(ex["symbol"])
    out = []
    for _ in range(n):
        what = rng.random()
        p = rng.choice(pos)
        if what < 0.35:
            out.append(f"UPDATE pm.position SET qty = round(qty * {rng.choice(['1.37', '0.5', '-1', '0', '2.000'])}, 8) "
                       f"WHERE {key(p)} AND side = 'BOTH';")
            out.append(f"UPDATE pm.position SET qty = round(qty * 1.25, 8) WHERE {key(p)} AND side <> 'BOTH';")
        elif what < 0.5:
            out.append(f"UPDATE pm.position SET entry_price = entry_price * {rng.randint(90, 110)} / 100 "
                       f"WHERE {key(p)};")
        elif what < 0.6:
            out.append(f"UPDATE pm.position SET leverage = {rng.randint(1, 125)} WHERE {key(p)};")
        elif what < 0.75:
            for _ in range(20):
                a, k = rng.choice(accounts), rng.choice(symbols)
                if (a, k) not in held:
                    held.add((a, k))
                    out.append(f"INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage) "
                               f"SELECT {a}, '{k}', 'BOTH', {rng.choice(['-', ''])}{rng.randint(1, 5000)} / 1000.0, "
                               f"mark_price * {rng.randint(80, 120)} / 100, {rng.randint(1, 50)} "
                               f"FROM pm.symbol WHERE symbol = '{k}';")
                    break
        elif what < 0.85:
            out.append(f"DELETE FROM pm.position WHERE {key(p)};")
        elif what < 0.95:
            few = ", ".join(str(a) for a in rng.sample(accounts, min(5, len(accounts))))
            out.append(f"UPDATE pm.position SET qty = round(qty * 1.1, 8) WHERE account_id IN ({few});")
        else:
            to = rng.choice(accounts)
            if (to, p["symbol"]) not in held:
                held.add((to, p["symbol"]))
                out.append(f"UPDATE pm.position SET account_id = {to} WHERE {key(p)};")
    return out


def near_half_unit(exact):
    """Whether the exact value lies within the divisions' reach of a
    rounding midpoint of the 8th decimal."""
    reach = REACH * max(abs(exact), 1)
    scaled = exact * 10 ** 8
    frac = scaled - (scaled.numerator // scaled.denominator)
    return abs(frac - Fraction(1, 2)) * Fraction(1, 10 ** 8) <= reach


def compare(account, got, want):
    """(mismatches, borderlines) for one account's row."""
    bad, border = [], 0
    uni = want["uni_mmr"]
    for name, cell in zip(FIELDS, got):
        exact = want[REF_KEY.get(name, name)]
        if name == "account_status":
            if cell == exact:
                continue
            thresholds = [t for _, t in ref.DEFAULT_LADDERS[account["program"]] if t is not None]
            if uni is not None and any(abs(uni - t) <= REACH * abs(t) for t in thresholds):
                border += 1
                continue
            bad.append((name, cell, exact))
            continue
        if exact is None or cell == "":
            if not (exact is None and cell == ""):
                bad.append((name, cell, exact))
            continue
        value = Fraction(cell)
        if value == ref.round_half_away(exact, 8) and cell == dec_str(value.numerator * 10 ** 8 // value.denominator, 8):
            continue
        if near_half_unit(exact) and abs(value - exact) <= Fraction(1, 2 * 10 ** 8) + REACH * max(abs(exact), 1):
            border += 1
            continue
        bad.append((name, cell, frac_str(ref.round_half_away(exact, 8), 8)))
    return bad, border


def main():
    seed = int(os.environ.get("PM_SEED") or random.SystemRandom().randrange(2 ** 32))
    n_accounts = int(os.environ.get("PM_ACCOUNTS", "1200"))
    rng = random.Random(seed)
    ex = gen_exchange(rng, n_accounts)
    print(f"# account differential test: seed {seed} (rerun with PM_SEED={seed}), "
          f"{len(ex['account'])} accounts, {len(ex['balance'])} balances, "
          f"{len(ex['position'])} positions, {len(ex['open_order'])} open orders")
    psql(load_sql(ex))

    n = 0
    failed = 0

    def check(ok, what, detail=()):
        nonlocal n, failed
        n += 1
        if not ok:
            failed += 1
        print(f"{'ok' if ok else 'not ok'} {n} - {what}")
        if not ok:
            for d in list(detail)[:8]:
                print(f"#   {d}")

    plan_on, rows_on, sums_on = read_risk(PARALLEL_ON)
    plan_off, rows_off, sums_off = read_risk(PARALLEL_OFF)
    check("Partial" in plan_on and "Gather" in plan_on,
          "forced-on plan aggregates in parallel workers (Partial Aggregate under Gather)",
          plan_on.splitlines())
    check("Gather" not in plan_off and "One-Time Filter: false" in plan_off
          and plan_off.count("Index Cond") == 0 and plan_off.count("Filter: (account_id") == 0
          and plan_off.count("PmLedgerMerge") == 1,
          "forced-off plan is serial, one range with no key test (the lower range is empty),"
          " in the ledger merge node", plan_off.splitlines())
    plan_ranges, rows_ranges, _ = read_risk(PARALLEL_RANGES)
    check("Parallel Append" in plan_ranges and plan_ranges.count("PmLedgerMerge") == 2,
          "with free workers, the two account ranges run side by side (Parallel Append)",
          plan_ranges.splitlines())
    check(rows_ranges == rows_off, "pm.account_risk is identical with the ranges in parallel and serial")
    merge_off = "SET portfolio_margin.ledger_merge = off;\n"
    plan_agg, rows_agg, _ = read_risk(PARALLEL_OFF + merge_off)
    plan_agg_ranges, rows_agg_ranges, _ = read_risk(PARALLEL_RANGES + merge_off)
    check("PmLedgerMerge" not in plan_agg + plan_agg_ranges
          and plan_agg_ranges.count("GroupAggregate") == 2
          and rows_agg == rows_off and rows_agg_ranges == rows_off,
          "the ledger merge node and GroupAggregate give identical rows, serial and in parallel",
          [f"account {a}: {rows_agg.get(a)} vs {rows_off.get(a)}"
           for a in sorted(set(rows_agg) | set(rows_off)) if rows_agg.get(a) != rows_off.get(a)]
          + plan_agg_ranges.splitlines())
    check(rows_on == rows_off, "pm.account_risk is identical with parallelism on and off",
          [f"account {a}: {rows_on.get(a)} vs {rows_off.get(a)}"
           for a in sorted(set(rows_on) | set(rows_off)) if rows_on.get(a) != rows_off.get(a)])
    check(sums_on == sums_off, "exact summaries are identical with parallelism on and off")
    _, rows_num, sums_num = read_risk(PARALLEL_OFF + "SET portfolio_margin.fast_path = off;\n")
    check(sums_num == sums_off and rows_num == rows_off,
          "the int128 fast path and numeric give identical summaries and rows")
    check(len(rows_off) == len(ex["account"]), f"one row per account ({len(ex['account'])})")
    generic = psql(PARALLEL_OFF + """
SELECT l.account_id, pm.margin(l.asset, l.equity, l.maint_margin, l.initial_margin, l.open_loss,
                               l.index_price, l.collateral)
  FROM (SELECT m.account_id, m.asset, m.equity, m.maint_margin, m.initial_margin, m.open_loss,
               m.index_price, m.collateral FROM pm.margin_line m
        UNION ALL SELECT a.account_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM pm.account a) l
 GROUP BY l.account_id ORDER BY l.account_id;
""")
    check(generic == sums_off,
          "pm.account_margin (raw rows, pm.account_ledger) equals pm.margin over pm.margin_line")

    # Risk over one's own tables: ledger entries over the same rows, as the
    # README writes them, give the view's rows, serial and in parallel.
    entries_query = """
SELECT account_id, (pm.account_ledger_risk(entry)).*
  FROM (SELECT account_id, pm.account_entry(program, loan_leverage) AS entry FROM pm.account
        UNION ALL
        SELECT account_id, pm.balance_entry(asset, cross_free, cross_locked, cross_borrowed, cross_interest,
                                            um_wallet, cm_wallet) FROM pm.balance
        UNION ALL
        SELECT account_id, pm.position_entry(symbol, qty, entry_price, leverage) FROM pm.position
        UNION ALL
        SELECT account_id, pm.order_entry(sell_asset, sell_qty, buy_asset, buy_qty) FROM pm.open_order) l
 GROUP BY account_id ORDER BY account_id;
"""
    for settings, how in ((PARALLEL_OFF, "serially"), (PARALLEL_ON, "in parallel")):
        entry_rows = {}
        for line in psql(settings + entries_query).splitlines():
            cells = line.split("\t")
            entry_rows[int(cells[0])] = cells[2:]
        check(entry_rows == rows_off,
              f"pm.account_ledger_risk over ledger entries equals pm.account_risk, {how}",
              [f"account {a}: {entry_rows.get(a)} vs {rows_off.get(a)}"
               for a in sorted(set(entry_rows) | set(rows_off)) if entry_rows.get(a) != rows_off.get(a)])

    bad_accounts, borderline = [], 0
    counts = {}
    for account in ex["account"]:
        want = ref.account_risk(account, ex)
        counts[want["status"]] = counts.get(want["status"], 0) + 1
        got = rows_off.get(account["account_id"])
        if got is None:
            bad_accounts.append(f"account {account['account_id']}: missing")
            continue
        bad, border = compare(account, got, want)
        borderline += border
        for name, cell, exact in bad:
            bad_accounts.append(f"account {account['account_id']} {name}: got {cell}, exact {exact}")
    print(f"# reference statuses: {dict(sorted(counts.items()))}; borderline values accepted: {borderline}")
    check(not bad_accounts,
          f"every field of {len(ex['account'])} accounts equals the exact reference at 8 decimals",
          bad_accounts)
    check(len(counts) >= 4, f"the accounts span {len(counts)} statuses (at least 4)")

    # Ticks: marks (one symbol, then several in one statement), brackets,
    # index prices and a collateral schedule move; pm.account_state, revalued
    # from the ledger totals it keeps, must equal a from-scratch pass digit
    # for digit, totals and all.
    symbols = sorted(ex["symbol"])
    ticks = [f"UPDATE pm.symbol SET mark_price = round(mark_price * {rng.randint(70, 130)} / 100, 8) "
             f"WHERE symbol = '{k}';" for k in rng.sample(symbols, min(4, len(symbols)))]
    several = ", ".join(f"'{k}'" for k in rng.sample(symbols, min(3, len(symbols))))
    ticks.append(f"UPDATE pm.symbol SET mark_price = round(mark_price * 1.0375, 6) WHERE symbol IN ({several});")
    a, b = rng.sample(symbols, 2)
    ticks.append(f"UPDATE pm.symbol SET brackets = (SELECT o.brackets FROM pm.symbol o WHERE o.symbol = '{a}') "
                 f"WHERE symbol = '{b}';")
    # index prices and a collateral schedule: revalued, but for PM accounts
    # with open orders in the asset
    for asset in rng.sample(sorted(ex["asset"]), min(2, len(ex["asset"]))):
        ticks.append(f"UPDATE pm.asset SET index_price = round(index_price * {rng.randint(80, 120)} / 100, 8) "
                     f"WHERE asset = '{asset}' AND index_price IS NOT NULL;")
    program = rng.choice(["PM", "PM_PRO"])
    schedules = sorted(k[1] for k in ex["collateral_text"] if k[0] == program)
    if len(schedules) >= 2:
        a, b = rng.sample(schedules, 2)
        ticks.append(f"UPDATE pm.collateral SET schedule = (SELECT c.schedule FROM pm.collateral c "
                     f"WHERE c.program = '{program}' AND c.asset = '{a}') "
                     f"WHERE program = '{program}' AND asset = '{b}';")
    psql("\n".join(ticks) + "\n")
    state = state_vs_scratch()
    expected = [str(len(ex["account"])), "0", "0"]
    check(state == expected,
          f"after {len(ticks)} ticks every pm.account_state row equals a from-scratch pass, as text",
          [] if state == expected else
          ["rows, rows with other values, rows with other totals: " + " ".join(state)] + ticks)

    # Position writes: the triggers swap the changed rows in the totals;
    # single rows, a few accounts at once, a position moved between accounts
    writes = position_writes(ex, rng)
    psql("\n".join(writes) + "\n")
    state = state_vs_scratch()
    check(state == expected,
          f"after {len(writes)} position writes every pm.account_state row equals a from-scratch pass, as text",
          [] if state == expected else
          ["rows, rows with other values, rows with other totals: " + " ".join(state)] + writes)
    corrected = psql("SELECT pm.refresh_account_state();\n").strip()
    check(corrected == "0", f"and pm.refresh_account_state() corrects nothing ({corrected})")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
