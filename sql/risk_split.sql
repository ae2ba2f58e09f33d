-- pm.account_risk in two account ranges (0.14.0): the split, how a query
-- for one account excludes the other range, the parallel plan that runs the
-- two side by side, and that every account is in exactly one range whatever
-- the split is; one range when the query cannot run in parallel (0.15.0,
-- pm.account_risk_range); and pm.account_risk_of, one account by id.

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

-- Forty accounts, 101 to 140 (the tests before leave none): USDT and BTC
-- balances, BTC loans on every third, a BTCUSDT position on every other.
INSERT INTO pm.asset VALUES ('USDT', 1), ('BTC', 40000);
INSERT INTO pm.collateral VALUES ('PM_PRO', 'USDT', '0:1'), ('PM_PRO', 'BTC', '0:0.95');
INSERT INTO pm.symbol VALUES ('BTCUSDT', 'UM', 'BTC', 'USDT', NULL, 41000, '0:0.005');
INSERT INTO pm.account SELECT g, 'PM_PRO', 3 FROM generate_series(101, 140) g;
INSERT INTO pm.balance (account_id, asset, cross_free, um_wallet)
  SELECT g, 'USDT', 100 * g, 10 * g FROM generate_series(101, 140) g;
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed)
  SELECT g, 'BTC', g / 1000.0, CASE WHEN g % 3 = 0 THEN g / 2000.0 ELSE 0 END
    FROM generate_series(101, 140) g;
INSERT INTO pm.position (account_id, symbol, qty, entry_price, leverage)
  SELECT g, 'BTCUSDT', (g - 120) / 100.0, 40000 + g, 10 FROM generate_series(102, 140, 2) g;
VACUUM ANALYZE pm.account, pm.balance, pm.position, pm.open_order;

-- The split is the middle of the smallest and largest account id, rounded
-- up: min + ceil((max - min) / 2).
SELECT min(account_id), max(account_id), pm.account_risk_split() AS split,
       min(account_id) + ceil((max(account_id) - min(account_id)) / 2.0) AS expected
  FROM pm.account;

-- Every account once, the same rows as one aggregate over all the ledger
-- rows (0.13.0's view).
SELECT count(*) AS accounts, count(DISTINCT account_id) AS distinct_accounts,
       (SELECT count(DISTINCT account_id) FROM pm.ledger_row) AS ledger_accounts
  FROM pm.account_risk;
SELECT count(*) AS differ
  FROM (SELECT r.account_id, r::text AS r FROM pm.account_risk r) v
  FULL JOIN (SELECT x.account_id, (x.account_id, (x.r).*)::pm.account_risk::text AS r
               FROM (SELECT l.account_id,
                            pm.account_ledger_risk(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d,
                                                   l.e, l.f, l.n) AS r
                       FROM pm.ledger_row l GROUP BY l.account_id) x) o USING (account_id)
 WHERE v.r IS DISTINCT FROM o.r;

-- Each range's qual, pm.account_risk_range(account_id, upper), becomes a
-- comparison with the split as a constant when the query is planned; a
-- query for one account leaves the other range out at plan time.  (Forty
-- accounts: at the default costs the planner picks a serial plan, but a
-- parallel one could run.)
SET parallel_setup_cost = 1000;
SET parallel_tuple_cost = 0.1;
SELECT * FROM pg_temp.plan($$SELECT account_id, account_status FROM pm.account_risk WHERE account_id = 105$$);
SELECT * FROM pg_temp.plan($$SELECT account_id, account_status FROM pm.account_risk WHERE account_id = 135$$);

-- A query that cannot run in parallel has no split: the lower range's qual
-- becomes false and the upper range's true.  Workers off:
SET max_parallel_workers_per_gather = 0;
SELECT * FROM pg_temp.plan($$SELECT account_id, account_status FROM pm.account_risk WHERE account_id = 105$$);
SELECT * FROM pg_temp.plan($$SELECT count(*) FROM pm.account_risk$$);
RESET max_parallel_workers_per_gather;
-- a statement that writes (a trigger's INSERT ... SELECT, say):
CREATE TEMP TABLE flagged (account_id int8, account_status text);
SELECT * FROM pg_temp.plan($$INSERT INTO flagged
  SELECT account_id, account_status FROM pm.account_risk WHERE account_id = 135$$);
-- and the same rows either way.
INSERT INTO flagged SELECT account_id, account_status FROM pm.account_risk;
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE f.account_status IS DISTINCT FROM r.account_status) AS differ
  FROM flagged f FULL JOIN pm.account_risk r USING (account_id);
DROP TABLE flagged;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

-- Called, not planned away (the range is not a constant), the function
-- compares with the split itself: every account in exactly one range, the
-- one the split gives.
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE pm.account_risk_range(a.account_id, r.upper)) AS in_range,
       count(*) FILTER (WHERE pm.account_risk_range(a.account_id, r.upper)
                              IS DISTINCT FROM ((a.account_id >= pm.account_risk_split()) = r.upper))
         AS not_as_split
  FROM pm.account a, (VALUES (false), (true)) r(upper);
SELECT pm.account_risk_range(NULL, true) AS null_id, pm.account_risk_range(1, NULL) AS null_range;

-- A whole-book query with workers: Gather over a Parallel Append whose two
-- children are the ranges, each the ledger merge node over the primary keys.
-- The same rows as serial.
SET enable_seqscan = off;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET max_parallel_workers_per_gather = 2;
SELECT * FROM pg_temp.plan($$SELECT md5(string_agg(r::text, ';' ORDER BY r.account_id)) FROM pm.account_risk r$$);
SELECT count(*) AS accounts, md5(string_agg(r::text, ';' ORDER BY r.account_id)) AS parallel_book
  FROM pm.account_risk r \gset
SET max_parallel_workers_per_gather = 0;
SELECT :accounts AS accounts,
       md5(string_agg(r::text, ';' ORDER BY r.account_id)) = :'parallel_book' AS serial_is_parallel
  FROM pm.account_risk r;
RESET max_parallel_workers_per_gather;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
RESET enable_seqscan;

-- A cached plan keeps its split; accounts added later below the smallest
-- id and above the largest are still each read once.
SET plan_cache_mode = force_generic_plan;
SET parallel_setup_cost = 1000;
SET parallel_tuple_cost = 0.1;
PREPARE book AS SELECT count(*) AS accounts, sum(account_equity) FROM pm.account_risk;
EXECUTE book;
SELECT * FROM pg_temp.plan($$EXECUTE book$$);
INSERT INTO pm.account VALUES (-5, 'PM_PRO', 3), (5000, 'PM_PRO', 3);
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (-5, 'USDT', 1), (5000, 'USDT', 1);
SELECT pm.account_risk_split() AS split_now;
EXECUTE book;
SELECT count(*) AS accounts, sum(account_equity) FROM pm.account_risk;
DEALLOCATE book;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
RESET plan_cache_mode;

-- Without SELECT on pm.account the split is the smallest int8 (the lower
-- range is empty); SELECT on the account_id column alone is enough.
CREATE ROLE split_nobody;
CREATE ROLE split_column;
GRANT USAGE ON SCHEMA pm TO split_nobody, split_column;
GRANT SELECT (account_id) ON pm.account TO split_column;
SET ROLE split_nobody;
SELECT pm.account_risk_split() AS split_without_select;
RESET ROLE;
SET ROLE split_column;
SELECT pm.account_risk_split() AS split_with_column_select;
RESET ROLE;
REVOKE SELECT (account_id) ON pm.account FROM split_column;
REVOKE USAGE ON SCHEMA pm FROM split_nobody, split_column;
DROP ROLE split_nobody;
DROP ROLE split_column;

-- Under SERIALIZABLE the smallest int8 too: reading the key's ends would
-- take predicate locks where new accounts are added.
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pm.account_risk_split() AS split_serializable;
SET LOCAL parallel_setup_cost = 1000;
SET LOCAL parallel_tuple_cost = 0.1;
SELECT * FROM pg_temp.plan($$SELECT account_id, account_status FROM pm.account_risk WHERE account_id = 135$$);
COMMIT;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pm.account_risk_split() AS split_repeatable_read;
COMMIT;

-- No accounts: the smallest int8, every account (none) in the upper range.
BEGIN;
DELETE FROM pm.balance;
DELETE FROM pm.position;
DELETE FROM pm.open_order;
DELETE FROM pm.account;
SELECT pm.account_risk_split() AS split_of_none;
ROLLBACK;

-- pm.account_risk_of: one account's row, as the view gives it; an error for
-- an account that does not exist, none for a NULL id.
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE r::text IS DISTINCT FROM
                        (SELECT o::text FROM pm.account_risk_of(r.account_id) o)) AS differ
  FROM pm.account_risk r;
\set SHOW_CONTEXT never
SELECT count(*) AS unknown FROM pm.account_risk_of(99999);
\set SHOW_CONTEXT errors
SELECT count(*) AS null_id FROM pm.account_risk_of(NULL);
