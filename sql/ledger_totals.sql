-- Ledger totals: what pm.account_state keeps so that a mark-price tick
-- revalues accounts without reading their rows; equal to a from-scratch
-- pass in every digit; bytes checked on read.

\i sql/ledger_accounts.psql
SELECT * FROM state_vs_rows ORDER BY account_id;
SELECT account_id, uni_mmr, account_equity, adjusted_equity, maint_margin, status,
       octet_length(ledger_totals) AS totals_bytes
  FROM pm.account_state WHERE account_id BETWEEN 20001 AND 20004 ORDER BY account_id;

-- The summary of the totals is the summary of the rows, asset by asset
SELECT m.account_id, pm.ledger_totals_summary(s.ledger_totals)::text = m.summary::text AS same_summary
  FROM pm.account_margin m JOIN pm.account_state s USING (account_id)
 WHERE m.account_id BETWEEN 20001 AND 20004 ORDER BY 1;
SELECT (pm.ledger_totals_values(ledger_totals)).* FROM pm.account_state WHERE account_id = 20002;

-- Ticks: marks, brackets, a COIN-M mark; each revalues the holders from their
-- totals and leaves them equal to a from-scratch pass
UPDATE pm.symbol SET mark_price = 11.375 WHERE symbol = 'LTAUSDT';
SELECT * FROM state_vs_rows ORDER BY account_id;
UPDATE pm.symbol SET brackets = '0:0.015, 500:0.03' WHERE symbol = 'LTAUSDT';
UPDATE pm.symbol SET mark_price = 8.2 WHERE symbol IN ('LTAUSD_PERP', 'LTBUSDT');
SELECT * FROM state_vs_rows ORDER BY account_id;
SELECT account_id, uni_mmr, status FROM pm.account_state WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;

-- A tick reads the totals, not the rows: a position changed behind the
-- triggers' back stays unseen by ticks until a from-scratch recompute
ALTER TABLE pm.position DISABLE TRIGGER USER;
UPDATE pm.position SET qty = 140 WHERE account_id = 20001 AND side = 'LONG';
ALTER TABLE pm.position ENABLE TRIGGER USER;
UPDATE pm.symbol SET mark_price = 11.5 WHERE symbol = 'LTAUSDT';
SELECT * FROM state_vs_rows ORDER BY account_id;
SELECT pm.refresh_account_state() AS corrected;
SELECT * FROM state_vs_rows ORDER BY account_id;

-- Accounts without totals (last recomputed before 0.10.0) or with totals
-- that cannot be read are recomputed from scratch by the tick
UPDATE pm.account_state SET ledger_totals = NULL WHERE account_id = 20002;
UPDATE pm.account_state SET ledger_totals = '\x09' WHERE account_id = 20001;
UPDATE pm.symbol SET mark_price = 11.25 WHERE symbol = 'LTAUSDT';
SELECT * FROM state_vs_rows ORDER BY account_id;
SELECT account_id, error FROM pm.account_state WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;

-- An account no tick can value keeps its error, and the others are revalued
UPDATE pm.asset SET index_price = NULL WHERE asset = 'LTB';
SELECT account_id, error FROM pm.account_state WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;
UPDATE pm.symbol SET mark_price = 11.125 WHERE symbol = 'LTAUSDT';
SELECT account_id, error FROM pm.account_state WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;
UPDATE pm.asset SET index_price = 2.75 WHERE asset = 'LTB';
SELECT * FROM state_vs_rows ORDER BY account_id;

-- Index prices and collateral schedules revalue too, but for PM accounts
-- with open orders in the asset (their open loss is kept at the old price):
-- balances changed behind the triggers' back show which path each took
ALTER TABLE pm.balance DISABLE TRIGGER USER;
UPDATE pm.balance SET cross_free = cross_free + 7 WHERE account_id IN (20001, 20002) AND asset = 'USDT';
ALTER TABLE pm.balance ENABLE TRIGGER USER;
UPDATE pm.asset SET index_price = 10.5 WHERE asset = 'LTA';
SELECT * FROM state_vs_rows ORDER BY account_id;  -- 20001 revalued, 20002 (buys LTA) recomputed
SELECT pm.refresh_account_state() AS corrected;
UPDATE pm.collateral SET schedule = '0:0.85, 200:0.6' WHERE program = 'PM_PRO' AND asset = 'LTA';
UPDATE pm.collateral SET schedule = '0:0.75' WHERE program = 'PM' AND asset = 'LTA';
UPDATE pm.collateral SET schedule = '0:0.9' WHERE program = 'PM' AND asset = 'LTB';
UPDATE pm.asset SET index_price = 2.6 WHERE asset = 'LTB';
SELECT * FROM state_vs_rows ORDER BY account_id;
SELECT account_id, uni_mmr, account_equity, status FROM pm.account_state
 WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;

-- A price or mark rewritten in another display scale is a change: the
-- values' digits follow it
UPDATE pm.asset SET index_price = 2.600000 WHERE asset = 'LTB';
UPDATE pm.symbol SET mark_price = 11.12500 WHERE symbol = 'LTAUSDT';
SELECT * FROM state_vs_rows ORDER BY account_id;
SELECT account_id, account_equity, maint_margin FROM pm.account_state
 WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;

-- Partial aggregation: workers' states carry the kept positions (vacuumed
-- and analyzed first, so that the plan does not depend on when autovacuum
-- ran: under valgrind, with ANALYZE alone, the Parallel Append's children
-- came in another order; sorted, as hashing and sorting cost about the same
-- on tables this small and the choice flipped with the pages autovacuum left)
VACUUM ANALYZE pm.account, pm.balance, pm.position, pm.open_order;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT l.account_id, pm.ledger_totals(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
  FROM pm.ledger_row l GROUP BY l.account_id;
CREATE TEMP TABLE parallel_totals AS
SELECT l.account_id, pm.ledger_totals(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS totals
  FROM pm.ledger_row l GROUP BY l.account_id;
RESET ALL;
SELECT count(*) > 0 AS accounts, count(*) FILTER (WHERE p.totals IS DISTINCT FROM s.ledger_totals) AS differ
  FROM parallel_totals p JOIN pm.account_state s USING (account_id);

-- The same for the fields, through the workers' bytes (ledger_codec.c),
-- with an account that cannot be valued among them (its error arises when
-- the leader completes the states, after the bytes crossed)
INSERT INTO pm.asset VALUES ('NOPRICE', NULL);
INSERT INTO pm.account VALUES (20099, 'PM', 3);
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (20099, 'NOPRICE', 1), (20099, 'USDT', 5);
VACUUM ANALYZE pm.account, pm.balance, pm.position, pm.open_order;
SET portfolio_margin.ledger_merge = off;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET enable_hashagg = off;
SET seq_page_cost = 0;  -- earlier tests leave empty pages, which workers do not share
-- The plan is made once with the leader taking part (else the planner
-- would not choose it) and then run without it: every partial state comes
-- from a worker, through serialize and deserialize
PREPARE parallel_fields AS
SELECT g.account_id, (g.r).*
  FROM (SELECT l.account_id, pm.account_ledger_risk(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS r
          FROM pm.ledger_row l GROUP BY l.account_id OFFSET 0) g;
EXPLAIN (COSTS OFF) EXECUTE parallel_fields;
SET parallel_leader_participation = off;
CREATE TEMP TABLE parallel_risk AS EXECUTE parallel_fields;
DEALLOCATE parallel_fields;
RESET ALL;
SELECT count(*) > 0 AS accounts, count(*) FILTER (WHERE p.error IS NOT NULL) AS cannot_be_valued,
       count(*) FILTER (WHERE row(p.*) IS DISTINCT FROM row(r.*)) AS differ
  FROM parallel_risk p JOIN pm.account_risk r USING (account_id);
DELETE FROM pm.account WHERE account_id = 20099;
DELETE FROM pm.asset WHERE asset = 'NOPRICE';

-- A hashed aggregate on the inner side of a nested loop is finalized again
-- for every outer row, from the same states: the same answers each time
-- (balances and orders are settled into the state once).  The outer side
-- is four rows spread over hundreds of pages, which the planner will not
-- scan once per group, so the plan holds whatever the other tables hold
CREATE TEMP TABLE four AS SELECT g::int8 AS account_id FROM generate_series(1, 100000) g;
DELETE FROM four WHERE account_id NOT BETWEEN 20001 AND 20004;
VACUUM (TRUNCATE false) four;
ANALYZE four;
SET max_parallel_workers_per_gather = 0;
SET enable_material = off;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_sort = off;
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;
PREPARE rescanned AS
SELECT f.account_id, s.ledger_totals = t.totals AS same_totals,
       s.maint_margin::text = pm.maint_margin(t.summary)::text
       AND s.account_equity::text = pm.account_equity(t.summary)::text AS same_summary,
       pm.account_equity(t.lines)::text
       = (SELECT pm.account_equity(pm.margin(b.key, b.a, 0, 1, '0:1')) FROM pm.ledger_row b
           WHERE b.account_id = f.account_id AND b.kind = 'b')::text AS same_margin
  FROM four f
  JOIN (SELECT l.account_id, pm.ledger_totals(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS totals,
               pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS summary,
               pm.margin(l.key, l.a, 0, 1, '0:1') FILTER (WHERE l.kind = 'b') AS lines
          FROM pm.ledger_row l GROUP BY l.account_id) t ON t.account_id = f.account_id
  LEFT JOIN LATERAL (SELECT * FROM pm.account_state s WHERE s.account_id = f.account_id OFFSET 0) s ON true
 ORDER BY 1;
EXPLAIN (COSTS OFF) EXECUTE rescanned;
EXECUTE rescanned;
-- The same for pm.account_ledger_risk, which also keeps in the state what
-- it valued outside it (a balance that is its asset's only line).  A query
-- of its own: with it beside the others above, the hash table is built
-- again for every outer row and nothing is finalized twice.
PREPARE rescanned_risk AS
SELECT f.account_id, (t.r).account_equity = round(s.account_equity, 8)
       AND (t.r).uni_mmr IS NOT DISTINCT FROM round(s.uni_mmr, 8) AS same_risk
  FROM four f
  JOIN (SELECT l.account_id, pm.account_ledger_risk(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS r
          FROM pm.ledger_row l GROUP BY l.account_id) t ON t.account_id = f.account_id
  LEFT JOIN LATERAL (SELECT * FROM pm.account_state s WHERE s.account_id = f.account_id OFFSET 0) s ON true
 ORDER BY 1;
EXPLAIN (COSTS OFF) EXECUTE rescanned_risk;
EXECUTE rescanned_risk;
-- And for the one-field aggregates (0.13.0), whose shared state keeps the
-- account's totals from the first final function of the first scan.
PREPARE rescanned_fields AS
SELECT f.account_id, t.equity = round(s.account_equity, 8)
       AND t.uni_mmr IS NOT DISTINCT FROM round(s.uni_mmr, 8) AS same_risk
  FROM four f
  JOIN (SELECT l.account_id,
               pm.ledger_risk_account_equity(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS equity,
               pm.ledger_risk_uni_mmr(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS uni_mmr
          FROM pm.ledger_row l GROUP BY l.account_id) t ON t.account_id = f.account_id
  LEFT JOIN LATERAL (SELECT * FROM pm.account_state s WHERE s.account_id = f.account_id OFFSET 0) s ON true
 ORDER BY 1;
EXPLAIN (COSTS OFF) EXECUTE rescanned_fields;
EXECUTE rescanned_fields;
RESET ALL;

-- The aggregate keeps no scenario and checks what it keeps
SELECT pm.ledger_totals(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n)
  FROM (VALUES ('a'::"char", 'PM', NULL::numeric, NULL::numeric, 3),
               ('s', 'LTA', 0.1, NULL, NULL)) v(k, key, a, b, n);
SELECT pm.ledger_totals(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n)
  FROM (VALUES ('a'::"char", 'PM', NULL::numeric, NULL::numeric, 3),
               ('p', 'LTAUSDT', 1, 0, 10)) v(k, key, a, b, n);
SELECT pm.ledger_totals(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n)
  FROM (VALUES ('a'::"char", 'PM', NULL::numeric, NULL::numeric, 3),
               ('p', 'LTAUSDT', 1, 10, 126)) v(k, key, a, b, n);
SELECT pm.ledger_totals(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n)
  FROM (VALUES ('a'::"char", 'PM', NULL::numeric, NULL::numeric, 3),
               ('p', 'LTAUSDT', 'NaN', 10, 10)) v(k, key, a, b, n);
-- rows in any order give the same bytes
SELECT count(DISTINCT t) AS distinct_totals, min(octet_length(t)) AS bytes FROM (
  SELECT pm.ledger_totals(k, key, NULL, a, b, 0, 0, 0, 0, n ORDER BY o * dir) AS t
    FROM (VALUES (1, 'a'::"char", 'PM', NULL::numeric, NULL::numeric, 3),
                 (2, 'p', 'LTAUSDT', 1.50, 10, 10), (3, 'p', 'LTAUSDT', -2, 9, 5),
                 (4, 'p', 'LTBUSDT', 3, 2, 10), (5, 'b', 'USDT', 10, 0, NULL),
                 (6, 'p', 'LTAUSDT', 1.5, 10, 10)) v(o, k, key, a, b, n),
         (VALUES (1), (-1)) d(dir)
   GROUP BY dir) x;

-- Bytes are checked on read
SELECT pm.ledger_totals_values('\x0101000000000000');  -- no assets, no positions
SELECT pm.ledger_totals_values('\x');
SELECT pm.ledger_totals_values('\x010100010141010005010203');  -- cut short
SELECT pm.ledger_totals_values('\x0201000000000000');
SELECT pm.ledger_totals_values('\x0103000000000000');
SELECT pm.ledger_totals_values('\x010100000000000000');
SELECT pm.ledger_totals_values('\x0101000100');
SELECT pm.ledger_totals_values('\x010100010200410000000000000000');
SELECT pm.ledger_totals_values('\x01010002014200000000014100000000' || '\x00000000'::bytea);
SELECT pm.ledger_totals_values('\x0101000101410700000000000000');
SELECT pm.ledger_totals_values('\x010100010141000100 01ff 0000 00000000'::bytea);
SELECT pm.ledger_totals_values('\x010100010141012700000000 00000000'::bytea);
SELECT pm.ledger_totals_values('\x010100010141010011000000 00000000'::bytea);
-- a position of 1 X at entry 1, leverage 10, as the reference
SELECT pm.ledger_totals_values('\x0101000000000001 074c544155534454 01000101 01000101 0a'::bytea);
SELECT pm.ledger_totals_values('\x0101000000000001 0158 01000101 010000 0a'::bytea);
SELECT pm.ledger_totals_values('\x0101000000000001 0158 01000101 01000101 00'::bytea);
SELECT pm.ledger_totals_values('\x0101000000000001 0158 00 01000101 0a'::bytea);
SELECT pm.ledger_totals_values('\x0101000000000002 0159 01000101 01000101 0a 0158 01000101 01000101 0a'::bytea);
SELECT pm.ledger_totals_values('\x0101000000000001 015a 01000101 01000101 0a'::bytea);
SELECT pm.ledger_totals_values('\x01010001035a5a5a0000000000000000'::bytea);

-- Every byte flipped and every cut of real totals: a value or a clean
-- error, never a crash (each refusal is one of the errors above)
SELECT setseed(0.25);
DO $$
DECLARE
  t bytea;
  outcome text;
  tally jsonb := '{}';
BEGIN
  FOR i IN 1..3000 LOOP
    SELECT s.ledger_totals INTO t FROM pm.account_state s WHERE s.account_id = 20001 + i % 3;
    IF i % 2 = 0 THEN
      t := set_byte(t, (random() * (length(t) - 1))::int, (random() * 255)::int);
    ELSE
      t := substr(t, 1, i % length(t));
    END IF;
    BEGIN
      PERFORM pm.ledger_totals_values(t);
      outcome := 'valued';
    EXCEPTION WHEN invalid_binary_representation OR protocol_violation OR foreign_key_violation
                   OR data_exception OR program_limit_exceeded THEN
      outcome := 'refused';
    END;
    tally := jsonb_set(tally, ARRAY[outcome], to_jsonb(coalesce((tally ->> outcome)::int, 0) + 1));
  END LOOP;
  RAISE NOTICE 'valued or refused: %', (SELECT sum(v::int) FROM jsonb_each_text(tally) AS e(k, v));
END
$$;

DELETE FROM pm.account WHERE account_id BETWEEN 20001 AND 20004;
DELETE FROM pm.symbol WHERE symbol IN ('LTAUSDT', 'LTAUSD_PERP', 'LTBUSDT');
