-- pm.margin is parallel and partitionwise: the plans show partial
-- aggregation, and every plan gives the same summaries, digit for digit.

-- 120 accounts, 24,000 deterministic lines: several assets, both signs,
-- CM-style fractions, tiered collateral, margins and open loss
CREATE TABLE ledger (account_id int, asset text, equity numeric, mm numeric, im numeric,
                     ol numeric, price numeric, coll pm.tiers);
INSERT INTO ledger
SELECT g % 120,
       (ARRAY['BTC', 'ETH', 'USDT', 'SOL', 'DOGE'])[1 + g % 5],
       ((g * 7919) % 20001 - 8000) / 1000.0 + (g % 3) / 7.0,
       ((g * 104729) % 5000) / 100000.0,
       ((g * 31) % 700) / 1000.0,
       CASE WHEN g % 11 = 0 THEN ((g * 13) % 50) / 10.0 ELSE 0 END,
       (ARRAY[40000, 3000, 1, 150, 0.1])[1 + g % 5],
       (ARRAY['0:0.95, 1000000:0.9', '0:0.95', '0:1', '0:0.8, 200000:0.5', NULL]::pm.tiers[])[1 + g % 5]
  FROM generate_series(1::bigint, 24000) g;
ANALYZE ledger;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;

-- One portfolio over all lines: partial aggregates in the workers
EXPLAIN (COSTS OFF)
SELECT pm.margin(asset, equity, mm, im, ol, price, coll) FROM ledger;
CREATE TEMP TABLE par_all AS
SELECT pm.margin(asset, equity, mm, im, ol, price, coll)::text AS s FROM ledger;

-- Per account
EXPLAIN (COSTS OFF)
SELECT account_id, pm.margin(asset, equity, mm, im, ol, price, coll) FROM ledger GROUP BY account_id;
CREATE TEMP TABLE par_acc AS
SELECT account_id, pm.margin(asset, equity, mm, im, ol, price, coll)::text AS s
  FROM ledger GROUP BY account_id;

-- pm.rollup of per-account summaries in parallel
CREATE TABLE acc_summary AS
SELECT account_id, pm.margin(asset, equity, mm, im, ol, price, coll) AS s FROM ledger GROUP BY account_id;
ANALYZE acc_summary;
EXPLAIN (COSTS OFF) SELECT pm.rollup(s) FROM acc_summary;
CREATE TEMP TABLE par_rollup AS SELECT pm.rollup(s)::text AS s FROM acc_summary;

RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT pm.margin(asset, equity, mm, im, ol, price, coll) FROM ledger;
CREATE TEMP TABLE ser_all AS
SELECT pm.margin(asset, equity, mm, im, ol, price, coll)::text AS s FROM ledger;
CREATE TEMP TABLE ser_acc AS
SELECT account_id, pm.margin(asset, equity, mm, im, ol, price, coll)::text AS s
  FROM ledger GROUP BY account_id;
CREATE TEMP TABLE ser_rollup AS SELECT pm.rollup(s)::text AS s FROM acc_summary;

-- Identical, serial and parallel, one pass and rolled up
SELECT (SELECT s FROM par_all) = (SELECT s FROM ser_all) AS all_lines_same,
       (SELECT s FROM par_rollup) = (SELECT s FROM ser_all) AS parallel_rollup_same,
       (SELECT s FROM ser_rollup) = (SELECT s FROM ser_all) AS serial_rollup_same,
       (SELECT count(*) FROM par_acc p JOIN ser_acc s USING (account_id) WHERE p.s = s.s) AS accounts_same;
SELECT pm.uni_mmr(s::pm.margin_summary), pm.account_equity(s::pm.margin_summary),
       pm.maint_margin(s::pm.margin_summary), pm.open_loss(s::pm.margin_summary)
  FROM ser_all;

-- Partitioned by account: partitionwise aggregation with partial
-- aggregates per partition when the grouping is not the partition key
CREATE TABLE ledger_part (LIKE ledger) PARTITION BY HASH (account_id);
CREATE TABLE ledger_part_0 PARTITION OF ledger_part FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE ledger_part_1 PARTITION OF ledger_part FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE ledger_part_2 PARTITION OF ledger_part FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO ledger_part SELECT * FROM ledger;
ANALYZE ledger_part;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF)
SELECT pm.margin(asset, equity, mm, im, ol, price, coll) FROM ledger_part;
SELECT pm.margin(asset, equity, mm, im, ol, price, coll)::text = (SELECT s FROM ser_all) AS partitionwise_same
  FROM ledger_part;
-- grouping by the partition key aggregates each partition whole
EXPLAIN (COSTS OFF)
SELECT account_id, pm.margin(asset, equity, mm, im, ol, price, coll) FROM ledger_part GROUP BY account_id;
SELECT count(*) AS accounts_same
  FROM (SELECT account_id, pm.margin(asset, equity, mm, im, ol, price, coll)::text AS s
          FROM ledger_part GROUP BY account_id) p
  JOIN ser_acc s USING (account_id) WHERE p.s = s.s;
-- and partitionwise in parallel (the order Parallel Append gives the
-- partitions depends on their sizes, so count the plan's nodes instead)
SET max_parallel_workers_per_gather = 2;
CREATE FUNCTION plan_nodes(query text) RETURNS TABLE (node text, n bigint)
LANGUAGE plpgsql AS $$
DECLARE
  line text;
  lines text[] := '{}';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    lines := lines || regexp_replace(line, '^[ ->]*([A-Za-z ]+?)( on .*|  .*)?$', '\1');
  END LOOP;
  RETURN QUERY SELECT l, count(*) FROM unnest(lines) l WHERE l !~ ':' AND btrim(l) <> '' GROUP BY l ORDER BY l;
END $$;
SELECT * FROM plan_nodes('SELECT pm.margin(asset, equity, mm, im, ol, price, coll) FROM ledger_part');
SELECT pm.margin(asset, equity, mm, im, ol, price, coll)::text = (SELECT s FROM ser_all) AS parallel_partitionwise_same
  FROM ledger_part;

RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
DROP TABLE ledger, ledger_part, acc_summary;
DROP FUNCTION plan_nodes(text);
