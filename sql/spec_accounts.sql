-- Spec vectors V1 and V6 as whole accounts in the reference schema, read
-- back through pm.account_risk, pm.asset_equity and pm.position_risk.

-- Plans are shown through pg_temp.plan(query, options): EXPLAIN (COSTS OFF
-- unless other options are given), line by line, less what PostgreSQL
-- versions print differently for one and the same plan (15 and 17 checked):
-- an initplan's "(returns $0)", and its value, $0 on 15 and
-- (InitPlan 1).col1 on 17, both "$n"; the two sides of an equality in a
-- join's condition, which 17 may print the other way round, in one order;
-- the key of a GroupAggregate over a range planned away (a Result with
-- One-Time Filter: false), which 16 and later leave out.  From 16 on the
-- planner may also sort an ORDER BY aggregate's input below it; it plans
-- here as 15, which sorts in the aggregate.  Every node and what it scans,
-- filters and groups on is kept as EXPLAIN prints it.
CREATE FUNCTION pg_temp.plan(query text, options text DEFAULT 'COSTS OFF')
RETURNS TABLE ("QUERY PLAN" text) LANGUAGE plpgsql AS $$
DECLARE
  lines text[] := '{}';
  line text;
  node text := '';
  eq text[];
BEGIN
  IF current_setting('server_version_num')::int >= 160000 THEN
    PERFORM set_config('enable_presorted_aggregate', 'off', true);
  END IF;
  FOR line IN EXECUTE format('EXPLAIN (%s) %s', options, query) LOOP
    lines := lines || line;
  END LOOP;
  FOR i IN 1 .. cardinality(lines) LOOP
    line := lines[i];
    IF line !~ '^ ' OR line ~ '->' THEN
      node := regexp_replace(line, '^[ ->]*', '');
    END IF;
    CONTINUE WHEN node ~ '^GroupAggregate' AND line ~ '^ *Group Key: '
              AND lines[i + 1] ~ '->  Result$' AND lines[i + 2] ~ 'One-Time Filter: false$';
    line := regexp_replace(line, '^( *InitPlan [0-9]+) \(returns [$0-9,]+\)$', '\1');
    line := regexp_replace(line, '\$[0-9]+|\(InitPlan [0-9]+\)\.col[0-9]+', '$n', 'g');
    eq := regexp_match(line, '^( +(Join Filter|Hash Cond|Merge Cond): )\(([^=()]+) = ([^=()]+)\)$');
    IF eq IS NOT NULL THEN
      line := eq[1] || '(' || least(eq[3] COLLATE "C", eq[4] COLLATE "C") || ' = '
              || greatest(eq[3] COLLATE "C", eq[4] COLLATE "C") || ')';
    END IF;
    "QUERY PLAN" := line;
    RETURN NEXT;
  END LOOP;
END
$$;

INSERT INTO pm.asset VALUES ('USDT', 1), ('BTC', 40000), ('ETH', 3000);
INSERT INTO pm.collateral VALUES
  ('PM_PRO', 'USDT', '0:1'), ('PM_PRO', 'BTC', '0:0.95'), ('PM_PRO', 'ETH', '0:0.95');
-- V3's two positions have different marks: two BTC contracts
INSERT INTO pm.symbol VALUES
  ('BTCUSDT', 'UM', 'BTC', 'USDT', NULL, 40000, '0:0.005'),
  ('BTCUSDT_QUARTER', 'UM', 'BTC', 'USDT', NULL, 42000, '0:0.005'),
  ('BTCUSD_PERP', 'CM', 'BTC', 'BTC', 100, 40000, '0:0.005');

-- V1: 1 BTC in each of the three wallets, rate 0.95 -> 2.85 BTC worth
INSERT INTO pm.account VALUES (1, 'PM_PRO', 3);
INSERT INTO pm.balance (account_id, asset, cross_free, um_wallet, cm_wallet) VALUES (1, 'BTC', 1, 1, 1);

-- V6: cross margin USDT 1,000, BTC 0.1 with loan 0.04, ETH 20 with loan 15
-- (3x); UM wallet 5,000 USDT with the V3 positions; CM wallet 0.1 BTC with
-- long 100 BTCUSD contracts of 100 USD, entry 50,000, mark 40,000
INSERT INTO pm.account VALUES (6, 'PM_PRO', 3);
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed, um_wallet, cm_wallet) VALUES
  (6, 'USDT', 1000, 0, 5000, 0),
  (6, 'BTC', 0.1, 0.04, 0, 0.1),
  (6, 'ETH', 20, 15, 0, 0);
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage) VALUES
  (6, 'BTCUSDT', 'BOTH', -0.05, 52000, 20),
  (6, 'BTCUSDT_QUARTER', 'BOTH', 0.04, 52350, 20),
  (6, 'BTCUSD_PERP', 'BOTH', 100, 50000, 20);

-- V1: account equity 2.85 x 40,000 = 114,000; no margin, so NORMAL
SELECT * FROM pm.account_risk WHERE account_id = 1;
SELECT * FROM pm.asset_equity WHERE account_id = 1;

-- V6: E_USDT 6,186; E_BTC 0.11; E_ETH 5; MM 18.4 USDT + 0.00525 BTC + 1.5 ETH;
-- accountEquity 24,616; actualEquity 25,586; accountMaintMargin 4,728.4;
-- uniMMR 5.20598934...; NORMAL
SELECT * FROM pm.account_risk WHERE account_id = 6;
SELECT * FROM pm.asset_equity WHERE account_id = 6 ORDER BY asset;
SELECT * FROM pm.position_risk WHERE account_id = 6 ORDER BY symbol;
-- the exact values behind the rounded ones
SELECT pm.uni_mmr(summary), pm.account_equity(summary), pm.maint_margin(summary)
  FROM pm.account_margin WHERE account_id = 6;
SELECT source, asset, symbol, equity, maint_margin, initial_margin, open_loss, index_price, collateral
  FROM pm.margin_line WHERE account_id = 6 ORDER BY source, asset, symbol;

-- The same account in PM: flat rates, open orders count
INSERT INTO pm.collateral VALUES ('PM', 'USDT', '0:1'), ('PM', 'BTC', '0:0.95'), ('PM', 'ETH', '0:0.9');
UPDATE pm.account SET program = 'PM' WHERE account_id = 6;
-- selling 0.05 BTC (1,900 USD of collateral) for 2,000 USDT loses nothing;
-- selling 1,000 USDT for 0.3 ETH (900 x 0.9 = 810 of collateral) loses 190
INSERT INTO pm.open_order VALUES (6, 101, 'BTC', 0.05, 'USDT', 2000), (6, 102, 'USDT', 1000, 'ETH', 0.3);
SELECT * FROM pm.account_risk WHERE account_id = 6;
SELECT asset, open_loss_usd FROM pm.asset_equity WHERE account_id = 6 ORDER BY asset;
-- a PM_PRO account's orders carry no open loss
UPDATE pm.account SET program = 'PM_PRO' WHERE account_id = 6;
SELECT account_id, uni_mmr, total_margin_open_loss FROM pm.account_risk WHERE account_id = 6;

-- A −15% BTC shock: collateral, PnL and margins move together
UPDATE pm.asset SET index_price = index_price * 0.85 WHERE asset = 'BTC';
UPDATE pm.symbol SET mark_price = mark_price * 0.85 WHERE base_asset = 'BTC';
SELECT account_id, uni_mmr, account_equity, account_maint_margin, account_status
  FROM pm.account_risk ORDER BY account_id;

-- Accounts with no lines at all are NORMAL with zero equity
INSERT INTO pm.account VALUES (7, 'PM', 10);
SELECT * FROM pm.account_risk WHERE account_id = 7;

-- pm.account_risk groups a UNION ALL view, whose accounts the planner cannot
-- count; the aggregate's declared state size makes it cost a hash table's
-- spill and choose the sorted plan, one account in memory at a time.  (With
-- work_mem this small, a state size of 0 -- the default -- gives HashAggregate;
-- serial, as parallel costs are the server's choice.)  Since 0.14.0 the view
-- is two account ranges, each its own GroupAggregate -- run since the ledger
-- merge node by that node (ledger_merge tests it); with workers off (0.15.0)
-- the lower range is empty (One-Time Filter: false) and the upper has every
-- account (risk_split tests the split).
ANALYZE pm.account, pm.balance, pm.position, pm.open_order;
SELECT aggfnoid, p.pronargs AS args, aggtransspace
  FROM pg_aggregate JOIN pg_proc p ON p.oid = aggfnoid
 WHERE aggfnoid::text = 'pm.account_ledger' ORDER BY 2;
SET work_mem = '64kB';
SET max_parallel_workers_per_gather = 0;
SELECT * FROM pg_temp.plan($$SELECT * FROM pm.account_risk$$);
RESET max_parallel_workers_per_gather;
RESET work_mem;

-- Choosing accounts (README): "= ANY (ARRAY(SELECT ...))" goes into the scan
-- of every table, so only those accounts are valued; "IN (SELECT ...)" is a
-- semi-join above the aggregate, which values every account first.
SET enable_seqscan = off;
SET max_parallel_workers_per_gather = 0;
SELECT * FROM pg_temp.plan($$SELECT account_id, uni_mmr FROM pm.account_risk
 WHERE account_id = ANY (ARRAY(SELECT b.account_id FROM pm.balance b WHERE b.asset = 'BTC'))$$);
SELECT * FROM pg_temp.plan($$SELECT account_id, uni_mmr FROM pm.account_risk
 WHERE account_id IN (SELECT b.account_id FROM pm.balance b WHERE b.asset = 'BTC')$$);
RESET max_parallel_workers_per_gather;
RESET enable_seqscan;

-- pm.account_risk is one aggregate per field over the ledger rows (0.13.0),
-- pm.ledger_risk_<column>, sharing one state: the same fields, to the digit
-- and display scale, as pm.risk_of over pm.account_ledger's summary, and as
-- the row of pm.account_ledger_risk (0.12.0) -- with the fast path on and
-- off.  All have pm.account_ledger's SSPACE (but the overloads over ledger
-- entries, 0.18.0: 64 MB, see the install script); the field aggregates' final
-- functions are SHAREABLE, which is what lets them share.
SELECT aggfnoid, p.pronargs AS args, aggtransspace, aggfinalmodify
  FROM pg_aggregate JOIN pg_proc p ON p.oid = aggfnoid
 WHERE aggfnoid::text ~ '^pm\.(account_ledger_risk|ledger_risk_)' ORDER BY aggfnoid::text, 2;
CREATE TEMP VIEW risk_both AS
SELECT v.account_id, v.r::text AS by_view, s.r::text AS by_summary, w.r::text AS by_row
  FROM (SELECT r.account_id, r FROM pm.account_risk r) v
  FULL JOIN (SELECT m.account_id, (m.account_id, m.program, o.*, m.error)::pm.account_risk AS r
               FROM pm.account_margin m CROSS JOIN LATERAL pm.risk_of(m.program, m.summary) o) s
    USING (account_id)
  FULL JOIN (SELECT m.account_id, (m.account_id, (m.r).*)::pm.account_risk AS r
               FROM (SELECT l.account_id,
                            pm.account_ledger_risk(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS r
                       FROM pm.ledger_row l GROUP BY l.account_id) m) w
    USING (account_id);
SELECT count(*) AS accounts, count(*) FILTER (WHERE by_view IS DISTINCT FROM by_summary) AS differ,
       count(*) FILTER (WHERE by_view IS DISTINCT FROM by_row) AS differ_from_row
  FROM risk_both;
SET portfolio_margin.fast_path = off;
SELECT count(*) AS accounts, count(*) FILTER (WHERE by_view IS DISTINCT FROM by_summary) AS differ,
       count(*) FILTER (WHERE by_view IS DISTINCT FROM by_row) AS differ_from_row
  FROM risk_both;
RESET portfolio_margin.fast_path;
SELECT by_view FROM risk_both ORDER BY account_id;
-- Any one column alone is the same as with all the others beside it.
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE s.v IS DISTINCT FROM r.account_status
                           OR o.v::text IS DISTINCT FROM r.total_margin_open_loss::text
                           OR u.v::text IS DISTINCT FROM r.uni_mmr::text) AS differ
  FROM pm.account_risk r
  JOIN (SELECT l.account_id,
               pm.ledger_risk_account_status(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS v
          FROM pm.ledger_row l GROUP BY l.account_id) s USING (account_id)
  JOIN (SELECT l.account_id,
               pm.ledger_risk_total_margin_open_loss(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS v
          FROM pm.ledger_row l GROUP BY l.account_id) o USING (account_id)
  JOIN (SELECT l.account_id,
               pm.ledger_risk_uni_mmr(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS v
          FROM pm.ledger_row l GROUP BY l.account_id) u USING (account_id);

-- pm.account_ledger's final function (READ_WRITE, a summary with every line
-- in the state) never shares the field aggregates' state, which keeps some
-- balances outside it: beside them, over the same rows, it gives the
-- summary it gives alone.  (Every column is read: one that is not would not
-- be computed.)
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE x.s::text IS DISTINCT FROM m.summary::text
                           OR x.e IS DISTINCT FROM round(pm.account_equity(m.summary), 8)
                           OR x.u IS DISTINCT FROM round(pm.uni_mmr(m.summary), 8)) AS differ
  FROM (SELECT l.account_id,
               pm.ledger_risk_account_equity(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS e,
               pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS s,
               pm.ledger_risk_uni_mmr(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS u
          FROM pm.ledger_row l GROUP BY l.account_id) x
  JOIN pm.account_margin m USING (account_id);

-- The row's final function checks the row type it fills: a changed
-- pm.ledger_risk is an error, not a misread row.
BEGIN;
ALTER TYPE pm.ledger_risk ADD ATTRIBUTE extra int4;
SELECT pm.account_ledger_risk(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
  FROM pm.ledger_row l WHERE l.account_id = 1;
ROLLBACK;

-- A balance that is its asset's only line is valued without the state; two
-- lines of one asset (only possible when rows are fed to the aggregate by
-- hand) are summed before the tiers: 2 BTC at 34,000 (the price set above)
-- under 0:1, 50000:0.5 are worth 59,000, not 68,000 -- as pm.account_ledger's
-- summary has it.
BEGIN;
UPDATE pm.collateral SET schedule = '0:1, 50000:0.5' WHERE program = 'PM_PRO' AND asset = 'BTC';
-- Account 1: two BTC rows; account 2: one BTC row, with USDT beside it.
SELECT acct, (pm.account_ledger_risk(k, key, NULL, a, b, c, d, e, f, n)).account_equity AS by_risk,
       pm.account_equity(pm.account_ledger(k, key, NULL, a, b, c, d, e, f, n)) AS by_summary
  FROM (VALUES (1, 'a'::"char", 'PM_PRO', NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric,
                NULL::numeric, NULL::numeric, 3),
               (1, 'b', 'BTC', 1, 0, 0, 0, 0, 0, NULL),
               (1, 'b', 'BTC', 1, 0, 0, 0, 0, 0, NULL),
               (2, 'a', 'PM_PRO', NULL, NULL, NULL, NULL, NULL, NULL, 3),
               (2, 'b', 'BTC', 2, 0, 0, 0, 0, 0, NULL),
               (2, 'b', 'USDT', 10, 0, 0, 0, 0, 0, NULL)) v(acct, k, key, a, b, c, d, e, f, n)
 GROUP BY acct ORDER BY acct;
ROLLBACK;
