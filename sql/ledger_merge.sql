-- The ledger merge node (PmLedgerMerge): pm.account_risk's aggregates run
-- by one executor node that merges the ledger's sorted inputs by account.
-- Where the planner uses it, what it refuses, and that it gives the same
-- rows as the GroupAggregate it replaces (portfolio_margin.ledger_merge =
-- off) in every shape: whole book, projections, some columns, rescans,
-- cursors, row-level security, NULL keys, errors.  Uses risk_split's forty
-- accounts (101 to 140) and adds open orders.

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

INSERT INTO pm.open_order (account_id, order_id, sell_asset, buy_asset, sell_qty, buy_qty)
  SELECT g, 1, 'USDT', 'BTC', 10 * g, g / 4000.0 FROM generate_series(101, 140, 5) g;
VACUUM ANALYZE pm.open_order;
-- Plans below are serial unless said otherwise, and read the primary keys
-- (forty accounts would rather be read whole and sorted).
SET parallel_setup_cost = 1000;
SET parallel_tuple_cost = 0.1;
SET enable_seqscan = off;

-- The whole book: the node over the four primary keys, no Merge Append.
SELECT * FROM pg_temp.plan($$SELECT * FROM pm.account_risk$$);
-- Off: the GroupAggregate of before.
SET portfolio_margin.ledger_merge = off;
SELECT * FROM pg_temp.plan($$SELECT * FROM pm.account_risk$$);
CREATE TEMP TABLE risk_by_agg AS SELECT * FROM pm.account_risk;
RESET portfolio_margin.ledger_merge;
SHOW portfolio_margin.ledger_merge;

-- The same rows, to the last digit.
SELECT count(*) AS accounts,
       (SELECT count(*) FROM (TABLE risk_by_agg EXCEPT ALL SELECT * FROM pm.account_risk) x) AS only_agg,
       (SELECT count(*) FROM (SELECT * FROM pm.account_risk EXCEPT ALL TABLE risk_by_agg) x) AS only_merge
  FROM risk_by_agg;
SELECT * FROM pm.account_risk WHERE account_id IN (101, 102, 105, 136) ORDER BY account_id;

-- What the scan gives the rest of the plan: the key and the fields asked
-- for; sorted by account (no Sort for the ORDER BY).  Each child returns
-- its table's stored row as it is, not projected: the node reads the
-- columns there and takes pm.ledger_row's constants from the plan.
SELECT * FROM pg_temp.plan($$SELECT account_id, uni_mmr * 2 AS twice, account_status || '!' AS shout
  FROM pm.account_risk ORDER BY account_id$$, 'COSTS OFF, VERBOSE');
SELECT count(*) AS differ
  FROM (SELECT account_id, uni_mmr * 2 AS twice, account_status || '!' AS shout
          FROM pm.account_risk) m
  FULL JOIN (SELECT account_id, uni_mmr * 2 AS twice, account_status || '!' AS shout
               FROM risk_by_agg) a USING (account_id)
 WHERE (m.twice, m.shout) IS DISTINCT FROM (a.twice, a.shout);

-- One account: the node over the four primary keys at that account.
SELECT * FROM pg_temp.plan($$SELECT account_id, uni_mmr FROM pm.account_risk WHERE account_id = 136$$);

-- Rescanned once per outer row, with the account as a parameter.
SELECT * FROM pg_temp.plan($$SELECT v.id, r.account_status
  FROM (VALUES (101), (136), (999)) v(id)
  CROSS JOIN LATERAL (SELECT * FROM pm.account_risk WHERE account_id = v.id OFFSET 0) r$$);
SELECT v.id, r.uni_mmr, r.account_status
  FROM (VALUES (101), (136), (999), (136)) v(id)
  CROSS JOIN LATERAL (SELECT * FROM pm.account_risk WHERE account_id = v.id OFFSET 0) r
 ORDER BY v.id;

-- A scrollable cursor: the node does not go backwards, so a Materialize
-- does.
BEGIN;
DECLARE book SCROLL CURSOR FOR SELECT account_id, uni_mmr FROM pm.account_risk ORDER BY account_id;
FETCH 2 FROM book;
FETCH LAST FROM book;
FETCH BACKWARD 2 FROM book;
FETCH FIRST FROM book;
COMMIT;

-- Row-level security stays in the children: a role whose rule grants it
-- accounts 100 to 105 gets their risk and nothing of 106.
CREATE ROLE pm_merge_reader;
GRANT USAGE ON SCHEMA pm TO pm_merge_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA pm TO pm_merge_reader;
INSERT INTO pm.account_access VALUES ('pm_merge_reader', '[100,105]');
SET ROLE pm_merge_reader;
SELECT * FROM pg_temp.plan($$SELECT account_id, uni_mmr FROM pm.account_risk WHERE account_id = 106$$);
SELECT account_id, uni_mmr, account_maint_margin FROM pm.account_risk
 WHERE account_id IN (104, 106) ORDER BY account_id;
RESET ROLE;
DELETE FROM pm.account_access WHERE grantee = 'pm_merge_reader'::regrole;
REVOKE ALL ON ALL TABLES IN SCHEMA pm FROM pm_merge_reader;
REVOKE USAGE ON SCHEMA pm FROM pm_merge_reader;
DROP ROLE pm_merge_reader;
-- (the owner's view: both)
SELECT account_id, uni_mmr, account_maint_margin FROM pm.account_risk
 WHERE account_id IN (104, 106) ORDER BY account_id;

-- The aggregates over a table of one's own, through its index on the
-- account; NULL accounts are one group, last, as GROUP BY has them.
CREATE TEMP TABLE my_ledger AS SELECT * FROM pm.ledger_row WHERE account_id IN (101, 102, 103);
INSERT INTO my_ledger SELECT NULL, kind, key, key2, a, b, c, d, e, f, n
  FROM pm.ledger_row WHERE account_id = 104;
CREATE INDEX ON my_ledger (account_id);
ANALYZE my_ledger;
SELECT * FROM pg_temp.plan($$SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id$$);
SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n),
       pm.ledger_risk_account_status(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id;
SET portfolio_margin.ledger_merge = off;
SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n),
       pm.ledger_risk_account_status(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id ORDER BY account_id;
RESET portfolio_margin.ledger_merge;
-- Expressions over the fields, and a field asked twice, computed by the
-- node's own projection.
SELECT * FROM pg_temp.plan($$SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n) * 2 AS twice,
       pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n) AS once
  FROM my_ledger GROUP BY account_id$$, 'COSTS OFF, VERBOSE');
SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n) * 2 AS twice,
       pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n) AS once
  FROM my_ledger GROUP BY account_id;
-- Without an index the node sorts its input (when hashing is off).
CREATE TEMP TABLE my_heap AS TABLE my_ledger;
ANALYZE my_heap;
SET enable_hashagg = off;
RESET enable_seqscan;
SELECT * FROM pg_temp.plan($$SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_heap GROUP BY account_id$$);
SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_heap GROUP BY account_id;
RESET enable_hashagg;
SET enable_seqscan = off;

-- Shapes the node does not take, left to the GroupAggregate: another
-- aggregate beside ours, FILTER, aggregate ORDER BY, HAVING on an
-- aggregate, different columns for two of ours, a key that is not int8.
SELECT * FROM pg_temp.plan($$SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n), count(*)
  FROM my_ledger GROUP BY account_id$$);
SELECT * FROM pg_temp.plan($$SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n) FILTER (WHERE kind <> 'o')
  FROM my_ledger GROUP BY account_id$$);
SELECT * FROM pg_temp.plan($$SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n ORDER BY kind)
  FROM my_ledger GROUP BY account_id$$);
SELECT * FROM pg_temp.plan($$SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id
HAVING pm.ledger_risk_account_status(kind, key, key2, a, b, c, d, e, f, n) <> 'NORMAL'$$);
SELECT * FROM pg_temp.plan($$SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n),
       pm.ledger_risk_uni_mmr(kind, key, key2, b, a, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id$$);
SELECT * FROM pg_temp.plan($$SELECT account_id::int4, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id::int4$$);

-- A row that cannot be valued makes its account's fields NULL, and its
-- error field says why, as the aggregate gives them; the other accounts are
-- valued.
INSERT INTO my_ledger VALUES (102, 'b', 'NOPE', NULL, 1, 0, 0, 0, 0, 0, NULL);
SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n),
       pm.ledger_risk_error(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id;
INSERT INTO my_ledger VALUES (103, 'x', 'USDT', NULL, 1, 0, 0, 0, 0, 0, NULL);
DELETE FROM my_ledger WHERE key = 'NOPE';
SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n),
       pm.ledger_risk_error(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id;
SET portfolio_margin.ledger_merge = off;
SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n),
       pm.ledger_risk_error(kind, key, key2, a, b, c, d, e, f, n)
  FROM my_ledger GROUP BY account_id;
RESET portfolio_margin.ledger_merge;

-- EXPLAIN ANALYZE counts each child's rows and the accounts.
SELECT * FROM pg_temp.plan($$SELECT account_id, uni_mmr FROM pm.account_risk$$, 'ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF');

-- With workers: each range is a merge node under the Parallel Append, and
-- the rows are the same.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_seqscan = off;
SELECT * FROM pg_temp.plan($$SELECT * FROM pm.account_risk$$);
SELECT count(*) AS differ
  FROM (SELECT * FROM pm.account_risk EXCEPT ALL TABLE risk_by_agg) x;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET enable_seqscan;
DELETE FROM pm.open_order;
