-- The liquidation prices of the whole book: pm.liquidation_prices reads
-- each account's rows once (pm.ledger_partial) and runs pm.liquidation_price's
-- algorithm over them in C (pm.liquidation_price_of).  Every price must be
-- the one pm.liquidation_price gives, digit for digit, for every asset
-- asked, on both sides; an account that cannot be valued has its error, and
-- the others their prices.
\set ECHO none
\o /dev/null
\set accounts 300
\set seed 13
\i test/gen/exchange.sql
\o
\set ECHO all

-- An asset nobody holds, one without a price, and an account that cannot
-- be valued (a balance without an index price); open orders on BTC and ETH
-- in PM accounts, so that the orders' kinks are walked.
INSERT INTO pm.asset (asset, index_price) VALUES ('NOBODY', 5), ('NOPRICE', NULL);
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (7, 'NOPRICE', 1);
INSERT INTO pm.open_order (account_id, order_id, sell_asset, sell_qty, buy_asset, buy_qty)
SELECT a.account_id, 900000 + a.account_id, 'USDT', 20000, 'BTC', 0.25
  FROM pm.account a WHERE a.program = 'PM' AND a.account_id % 3 = 0
UNION ALL
SELECT a.account_id, 910000 + a.account_id, 'ETH', 3, 'USDT', 9000
  FROM pm.account a WHERE a.program = 'PM' AND a.account_id % 5 = 0
ON CONFLICT DO NOTHING;
SELECT count(*) > 20 AS orders_on_btc FROM pm.open_order WHERE 'BTC' IN (sell_asset, buy_asset);

-- pm.liquidation_price for one account, or the error it raises.
CREATE FUNCTION pg_temp.one(id bigint, x text, OUT below numeric, OUT above numeric, OUT error text)
LANGUAGE plpgsql AS $$
BEGIN
  SELECT l.below, l.above INTO below, above FROM pm.liquidation_price(id, x) l;
EXCEPTION WHEN OTHERS THEN
  error := SQLERRM;
END
$$;

-- Every account, every asset: the same prices, to the digit (compared as
-- text), the same accounts in error, and the figures pm.account_risk shows.
CREATE TEMP TABLE whole AS
SELECT x.asset, p.* FROM unnest(ARRAY['BTC', 'ETH', 'USDT', 'BNB', 'DOGE', 'NOBODY']) x(asset)
 CROSS JOIN LATERAL pm.liquidation_prices(x.asset) p;
SELECT w.asset, count(*) AS accounts,
       count(w.below) AS below, count(w.above) AS above,
       count(*) FILTER (WHERE w.error IS NOT NULL) AS cannot_be_valued,
       count(*) FILTER (WHERE w.below::text IS DISTINCT FROM o.below::text
                           OR w.above::text IS DISTINCT FROM o.above::text
                           OR (w.error IS NULL) <> (o.error IS NULL)) AS differ,
       count(*) FILTER (WHERE (w.program, w.uni_mmr, w.account_equity, w.account_maint_margin, w.error)
                              IS DISTINCT FROM
                              (r.program, r.uni_mmr, r.account_equity, r.account_maint_margin, r.error)) AS figures_differ
  FROM whole w
 CROSS JOIN LATERAL pg_temp.one(w.account_id, w.asset) o
  JOIN pm.account_risk r USING (account_id)
 GROUP BY w.asset ORDER BY w.asset COLLATE "C";
SELECT (SELECT count(*) FROM pm.account) AS accounts,
       count(DISTINCT account_id) FILTER (WHERE asset = 'BTC') AS btc_rows FROM whole;
SELECT DISTINCT account_id, error FROM whole WHERE error IS NOT NULL ORDER BY 1;

-- A few prices as printed.
SELECT account_id, program, below, above FROM whole
 WHERE asset = 'BTC' AND (below IS NOT NULL OR above IS NOT NULL)
 ORDER BY account_id LIMIT 6;

-- A parallel plan (two account ranges, each in a process of its own) gives
-- the serial rows.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (p.below, p.above, p.error) IS DISTINCT FROM (w.below, w.above, w.error)
                           OR p.below::text <> w.below::text OR p.above::text <> w.above::text) AS differ
  FROM pm.liquidation_prices('BTC') p JOIN whole w ON w.asset = 'BTC' AND w.account_id = p.account_id;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- pm.liquidation_prices is inlined: one account, or LIMIT, values only
-- what it returns (no Function Scan on it, which would value the book first).
\set ECHO none
\i test/pgtap/plan_of.psql
\set ECHO all
SELECT pg_temp.plan_of($q$SELECT * FROM pm.liquidation_prices('BTC') WHERE account_id = 11$q$) !~ 'Function Scan on liquidation_prices'
       AS one_account_inlined,
       pg_temp.plan_of($q$SELECT * FROM pm.liquidation_prices('BTC') LIMIT 10$q$) !~ 'Function Scan on liquidation_prices'
       AS limit_inlined;
SELECT count(*) AS null_asset_rows FROM pm.liquidation_prices(NULL);

-- The ladder: each account once on each side it has a price on, in its
-- step, with running totals walking away from the current price.
SELECT * FROM pm.liquidation_ladder('BTC', 10000) WHERE side = 'below' LIMIT 5;
SELECT l.side, sum(l.accounts) AS accounts, max(l.accounts_total) AS accounts_total,
       sum(l.account_equity) = max(l.account_equity_total) AS totals_add_up,
       (SELECT count(*) FROM whole w WHERE w.asset = 'BTC' AND
               CASE l.side WHEN 'below' THEN w.below ELSE w.above END IS NOT NULL) AS with_price
  FROM pm.liquidation_ladder('BTC', 10000) l GROUP BY l.side ORDER BY l.side DESC;
SELECT count(*) AS steps FROM pm.liquidation_ladder('NOBODY', 1);

-- Errors: an asset not in pm.asset or without a price, a step that is no
-- width, bytes that are not a ledger.
SELECT count(*) FROM pm.liquidation_prices('NOPE');
SELECT count(*) FROM pm.liquidation_prices('NOPRICE');
SELECT count(*) FROM pm.liquidation_ladder('BTC', 0);
SELECT count(*) FROM pm.liquidation_ladder('BTC', 'NaN');
SELECT * FROM pm.liquidation_price_of('\x0102'::bytea, 'BTC');
SELECT * FROM pm.liquidation_price_of(NULL, 'BTC');
-- an account's bytes cut short, or with a byte changed, are refused by the
-- checked reader, never read past their end
SELECT * FROM pm.liquidation_price_of(
  (SELECT substring(pm.ledger_partial(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) FROM 1 FOR 40)
     FROM pm.ledger_row l WHERE l.account_id = 11), 'BTC');
SELECT * FROM pm.liquidation_price_of(
  (SELECT set_byte(pm.ledger_partial(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n), 1, 7)
     FROM pm.ledger_row l WHERE l.account_id = 11), 'BTC');
-- the bytes of one account, as the aggregate gives them
SELECT (x.below, x.above) IS NOT DISTINCT FROM (o.below, o.above) AS same, x.below IS NOT NULL AS has_below
  FROM (SELECT l.account_id,
               pm.ledger_partial(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS ledger
          FROM pm.ledger_row l WHERE l.account_id = 11 GROUP BY l.account_id) g
 CROSS JOIN LATERAL pm.liquidation_price_of(g.ledger, 'BTC') x
 CROSS JOIN LATERAL pm.liquidation_price(g.account_id, 'BTC') o;
