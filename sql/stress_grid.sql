-- The stress grid in one pass: pm.stress_result reads each account's rows
-- once and values them under every scenario (pm.ledger_stress).  Every row
-- must be the row pm.stress gives for that account and scenario, digit for
-- digit -- for the scenarios the account's assets meet and for those it
-- takes its row without a scenario, and for accounts that cannot be valued.
\set ECHO none
\o /dev/null
\set accounts 300
\set seed 11
\i test/gen/exchange.sql
\o
\set ECHO all

-- Scenarios of one's own: a schedule replaced, a default move with
-- exceptions, an asset no account holds, a name that sorts apart in "C".
INSERT INTO pm.asset (asset, index_price) VALUES ('NOBODY', 5), ('NOPRICE', NULL);
INSERT INTO pm.scenario (scenario, asset, price_shock, collateral) VALUES
  ('eth haircut', 'ETH', 0, pm.tiers('{0}', '{0.5}')),
  ('Z all but BTC', '*', -0.15, NULL), ('Z all but BTC', 'BTC', 0, NULL),
  ('nobody -90%', 'NOBODY', -0.9, NULL);
-- Two accounts that cannot be valued: a balance without an index price
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (5, 'NOPRICE', 1), (6, 'NOPRICE', 2);

SELECT pg_catalog.array_length(pm.stress_scenarios(), 1) = (SELECT count(DISTINCT scenario) FROM pm.scenario) AS every_scenario,
       pm.stress_scenarios() = ARRAY(SELECT d.s FROM (SELECT DISTINCT scenario AS s FROM pm.scenario) d ORDER BY d.s COLLATE "C") AS in_c_order;

-- Every pair once, and each as pm.stress gives it.
SELECT count(*) AS rows,
       count(DISTINCT (g.account_id, g.scenario)) AS pairs,
       (SELECT count(*) FROM pm.account) * (SELECT count(DISTINCT scenario) FROM pm.scenario) AS accounts_x_scenarios,
       count(*) FILTER (WHERE g.error IS NOT NULL) AS cannot_be_valued,
       count(*) FILTER (WHERE (g.program, g.uni_mmr, g.account_equity, g.actual_equity, g.account_initial_margin,
                               g.account_maint_margin, g.account_status, g.virtual_max_withdraw_amount,
                               g.total_available_balance, g.total_margin_open_loss, g.error)
                              IS DISTINCT FROM
                              (s.program, s.uni_mmr, s.account_equity, s.actual_equity, s.account_initial_margin,
                               s.account_maint_margin, s.account_status, s.virtual_max_withdraw_amount,
                               s.total_available_balance, s.total_margin_open_loss, s.error)) AS differ
  FROM pm.stress_result g
 CROSS JOIN LATERAL pm.stress(g.account_id, g.scenario) s;
-- the scenarios did move something: rows unlike the account's own
SELECT g.scenario, count(*) FILTER (WHERE g.uni_mmr IS DISTINCT FROM r.uni_mmr) AS moved
  FROM pm.stress_result g JOIN pm.account_risk r USING (account_id)
 WHERE g.scenario IN ('BTC -20%', 'crypto -30%', 'eth haircut', 'Z all but BTC', 'nobody -90%', 'USDT de-peg -10%')
 GROUP BY 1 ORDER BY g.scenario COLLATE "C";
SELECT DISTINCT account_id, error FROM pm.stress_result WHERE error IS NOT NULL ORDER BY 1;

-- Browsing reads only what it shows: no sort of the grid, and one account
-- through the primary keys.
\set ECHO none
\i test/pgtap/plan_of.psql
\set ECHO all
SELECT pg_temp.plan_of('SELECT * FROM pm.stress_result LIMIT 100') !~ '(?n)(^|->  )(Incremental )?Sort\M' AS limit_sorts_nothing,
       pg_temp.plan_of('SELECT * FROM pm.stress_result WHERE account_id = 42') ~ 'Index Cond: .*account_id = 42\M' AS one_account_by_key;
SELECT count(*) FROM (SELECT * FROM pm.stress_result LIMIT 100) x;
SELECT scenario, uni_mmr, account_status FROM pm.stress_result WHERE account_id = 42 AND scenario IN ('BTC -20%', 'ETH +50%') ORDER BY 1;

-- pm.ledger_stress called in a plan of one's own that aggregates in
-- parallel (partial states combined and passed between processes as bytes,
-- as pm.ledger_totals' are): the same rows as serially.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT pg_temp.plan_of('CREATE TEMP TABLE grid_parallel AS
                        SELECT l.account_id, pm.ledger_stress(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS risks
                          FROM pm.ledger_row l GROUP BY l.account_id') ~ 'Partial GroupAggregate' AS partial;
CREATE TEMP TABLE grid_parallel AS
SELECT l.account_id, pm.ledger_stress(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS risks
  FROM pm.ledger_row l GROUP BY l.account_id;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET enable_indexscan;
RESET enable_bitmapscan;
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS accounts, count(*) FILTER (WHERE p.risks::text IS DISTINCT FROM s.risks::text) AS differ
  FROM grid_parallel p
  FULL JOIN (SELECT l.account_id, pm.ledger_stress(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS risks
               FROM pm.ledger_row l GROUP BY l.account_id) s USING (account_id);
RESET max_parallel_workers_per_gather;
