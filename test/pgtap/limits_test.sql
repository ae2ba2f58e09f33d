-- Long work stays interruptible and memory stays bounded: statement_timeout
-- cancels the aggregates over millions of rows within moments of the
-- deadline, serial and parallel; one account of 100,000 lines over 5,000
-- assets is valued exactly with a bounded amount of memory, by the
-- aggregates and by the ledger merge node.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION portfolio_margin;
SELECT plan(10);

-- Seconds from the start of q to its cancellation, NULL if it finished.
-- (PL/pgSQL's OTHERS does not catch a cancel; query_canceled does.)
CREATE FUNCTION pg_temp.time_to_cancel(q text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE q;
  RETURN NULL;
EXCEPTION WHEN query_canceled THEN
  RETURN round(extract(epoch FROM clock_timestamp() - t0)::numeric, 2);
END $$;

\ir plan_of.psql

-- Peak resident memory of this backend so far, in kB (Linux).
CREATE FUNCTION pg_temp.peak_kb() RETURNS int8 LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                       'VmHWM:\s+(\d+) kB'))[1]::int8
$$;

------------------------------------------------------------------------------
-- Memory (first, while the peak is still low): one account of 100,000
-- lines over 5,000 assets
------------------------------------------------------------------------------
INSERT INTO pm.asset SELECT 'A' || i, 1 + i % 97 FROM generate_series(1, 5000) i;
INSERT INTO pm.collateral SELECT 'PM_PRO', 'A' || i, '0:0.9, 1000:0.8' FROM generate_series(1, 5000) i;
INSERT INTO pm.account VALUES (1, 'PM_PRO', 3);
CREATE TEMP TABLE peak_before AS SELECT pg_temp.peak_kb() AS kb;
CREATE TEMP TABLE big AS
  SELECT pm.margin('A' || (i % 5000 + 1), (i % 11 - 3)::numeric, (i % 3)::numeric,
                   (1 + (i % 5000 + 1) % 97)::numeric, '0:0.9, 1000:0.8') AS s
    FROM generate_series(0, 99999) i;
CREATE TEMP TABLE big_ledger AS
  SELECT pm.account_ledger(k, key, NULL, a, 0, c, 0, e, 0, n) AS s
    FROM (SELECT 'a'::"char" AS k, 'PM_PRO' AS key, NULL::numeric AS a, NULL::numeric AS c,
                 NULL::numeric AS e, 3 AS n
          UNION ALL
          SELECT 'b', 'A' || (i % 5000 + 1), (i % 11)::numeric, (i % 4)::numeric, (i % 5 - 2)::numeric, NULL
            FROM generate_series(0, 99999) i) rows;
-- the same rows in a table of one's own, read by the ledger merge node
-- (hashing off: one group of 100,000 rows is a hash table's best case)
CREATE TEMP TABLE big_rows AS
  SELECT 1::int8 AS account_id, 'a'::"char" AS kind, 'PM_PRO' AS key, NULL::text AS key2,
         NULL::numeric AS a, NULL::numeric AS b, NULL::numeric AS c, NULL::numeric AS d,
         NULL::numeric AS e, NULL::numeric AS f, 3 AS n
  UNION ALL
  SELECT 1, 'b', 'A' || (i % 5000 + 1), NULL, (i % 11)::numeric, 0, (i % 4)::numeric, 0,
         (i % 5 - 2)::numeric, 0, NULL
    FROM generate_series(0, 99999) i;
CREATE INDEX ON big_rows (account_id);
ANALYZE big_rows;
SET LOCAL enable_hashagg = off;
CREATE TEMP TABLE big_plan AS
  SELECT pg_temp.plan_of($$SELECT account_id, pm.ledger_risk_account_equity(kind, key, key2, a, b, c, d, e, f, n)
                             FROM big_rows GROUP BY account_id$$) AS plan;
CREATE TEMP TABLE big_merged AS
  SELECT account_id, pm.ledger_risk_account_equity(kind, key, key2, a, b, c, d, e, f, n) AS equity
    FROM big_rows GROUP BY account_id;
SET LOCAL enable_hashagg = on;
CREATE TEMP TABLE peak_after AS SELECT pg_temp.peak_kb() AS kb;

SELECT is((SELECT count(*)::int FROM pm.assets(s)), 5000, 'pm.margin: 100,000 lines net to 5,000 assets') FROM big;
SELECT is(pm.account_equity(s),
          (SELECT sum(pm.collateral_value(e * p, '0:0.9, 1000:0.8'))
             FROM (SELECT sum((i % 11 - 3)::numeric) AS e, 1 + (a % 97) AS p
                     FROM generate_series(0, 99999) i, LATERAL (SELECT i % 5000 + 1 AS a) x
                    GROUP BY a) per_asset),
          'and its collateral-weighted equity is exact')
  FROM big;
SELECT is((SELECT count(*)::int FROM pm.assets(s)), 5000, 'pm.account_ledger: 100,000 rows over 5,000 assets') FROM big_ledger;
SELECT ok(plan LIKE '%Custom Scan (PmLedgerMerge)%', 'the same rows by pm.ledger_risk_account_equity run in the ledger merge node')
  FROM big_plan;
SELECT is((SELECT equity FROM big_merged), round(pm.account_equity(s), 8),
          'which gives pm.account_ledger''s equity, rounded to 8 decimals')
  FROM big_ledger;
SELECT cmp_ok(a.kb - b.kb, '<', 131072::int8,
              'the three together raise the backend''s peak memory by less than 128 MB (by '
              || round((a.kb - b.kb) / 1024.0) || ' MB)')
  FROM peak_after a, peak_before b;

------------------------------------------------------------------------------
-- Cancellation: each query would run for many seconds; the timeout is 1 s
------------------------------------------------------------------------------
CREATE TEMP TABLE cancel (what text, seconds numeric);
SET LOCAL statement_timeout = '1s';
INSERT INTO cancel SELECT 'pm.margin, 50M lines in one group', pg_temp.time_to_cancel($$
  SELECT pm.margin('A' || (i % 1000), i % 7, i % 3, 1 + i % 5, '0:0.9')::text
    FROM generate_series(1, 50000000) i$$);
INSERT INTO cancel SELECT 'pm.margin, 50M lines in 1,000,000 groups', pg_temp.time_to_cancel($$
  SELECT count(pm.uni_mmr(s)) FROM (
    SELECT pm.margin('A' || (i % 100), i % 7, i % 3, 1 + i % 5, '0:0.9') s
      FROM generate_series(1, 50000000) i GROUP BY i % 1000000) q$$);
INSERT INTO cancel SELECT 'pm.margin, 20M lines over 1,000,000 assets in one group',
  pg_temp.time_to_cancel($$
  SELECT (SELECT count(*) FROM pm.assets(s)) FROM (
    SELECT pm.margin('X' || (i % 1000000), 1, 1, 1, '0:0.9') s
      FROM generate_series(1, 20000000) i) q$$);
SET LOCAL statement_timeout = 0;

SELECT ok(seconds IS NOT NULL AND seconds < 2.5,
          what || ': canceled ' || coalesce(seconds || ' s', 'never') || ' after the start (timeout 1 s)')
  FROM cancel ORDER BY what;

-- The same in parallel: the workers stop too
CREATE TABLE lines AS
  SELECT 'A' || (i % 200) AS asset, (i % 7)::numeric AS equity, (i % 3)::numeric AS mm,
         (1 + i % 5)::numeric AS price, i % 20000 AS account
    FROM generate_series(1, 1000000) i;
ANALYZE lines;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL statement_timeout = '300ms';
CREATE TEMP TABLE cancel_parallel AS SELECT pg_temp.time_to_cancel($$
  SELECT count(pm.uni_mmr(s)) FROM (
    SELECT pm.margin(asset, equity, mm, price, '0:0.9') s FROM lines a
      CROSS JOIN generate_series(1, 50) g GROUP BY account, g) q$$) AS seconds;
SET LOCAL statement_timeout = 0;
SELECT ok(seconds IS NOT NULL AND seconds < 2,
          'parallel pm.margin: canceled ' || coalesce(seconds || ' s', 'never') || ' after the start (timeout 0.3 s)')
  FROM cancel_parallel;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

SELECT * FROM finish();
ROLLBACK;
