-- pm.margin and pm.margin_summary: netting, collateral rules, accessors,
-- status, text and binary forms, pm.rollup, and every error.

-- V1 (spec): 1 BTC in each of three wallets, netted before the 0.95 haircut
-- -> 2.85 BTC worth of collateral at 40,000: 114,000 USD
SELECT pm.account_equity(s), pm.actual_equity(s), pm.uni_mmr(s)
  FROM (SELECT pm.margin(asset, equity, 0, price, '0:0.95')
          FROM (VALUES ('BTC', 1.0, 40000), ('BTC', 1.0, 40000), ('BTC', 1.0, 40000)) v(asset, equity, price)) x(s);

-- Netting matters with tiers: two lines of 60M each are one 120M holding
-- (V2's schedule), not two holdings of 60M each
SELECT pm.account_equity(pm.margin(a, e, 0, p, '0:1.00, 100000000:0.975, 120000000:0.95')) AS netted
  FROM (VALUES ('BTC', 3000, 20000), ('BTC', 3000, 20000)) v(a, e, p);

-- Debts count in full, positive non-collateral counts 0, negative
-- non-collateral counts in full (V7 and the NULL-collateral rule)
SELECT a.*
  FROM (SELECT pm.margin(asset, equity, mm, price, coll) AS s
          FROM (VALUES ('BTC', -0.01, 0, 40000, '0:0.95'::pm.tiers),
                       ('DOGE', 1000, 0, 0.1, NULL),
                       ('SHIB', -1000000, 0, 0.00001, NULL),
                       ('USDT', 1000, 50, 1, '0:1')) v(asset, equity, mm, price, coll)) x,
       LATERAL pm.assets(x.s) a;

-- The seven-argument form: initial margin (asset units) and open loss (USD)
SELECT pm.account_equity(s), pm.open_loss(s), pm.adjusted_equity(s), pm.maint_margin(s),
       pm.initial_margin(s), pm.uni_mmr(s)
  FROM (SELECT pm.margin(asset, equity, mm, im, ol, price, coll)
          FROM (VALUES ('USDT', 10000, 100, 500, 0, 1, '0:1'::pm.tiers),
                       ('BTC', 0.5, 0.01, 0.05, 250, 40000, '0:0.95')) v(asset, equity, mm, im, ol, price, coll)) x(s);

-- Without maintenance margin uniMMR is NULL and the status follows the sign
-- of adjusted equity
SELECT pm.uni_mmr(s) IS NULL AS no_ratio, pm.status(s, 'PM_PRO'), pm.status(s, 'PM')
  FROM (SELECT pm.margin('USDT', 100, 0, 1, '0:1')) x(s);
SELECT pm.status(s, 'PM_PRO'), pm.status(s, 'PM')
  FROM (SELECT pm.margin('USDT', -100, 0, 1, '0:1')) x(s);

-- Status bands: a ratio exactly on a threshold is in the riskier band
SELECT ratio,
       pm.status(pm.margin('USDT', ratio * 100, 100, 1, '0:1'), 'PM_PRO') AS pm_pro,
       pm.status(pm.margin('USDT', ratio * 100, 100, 1, '0:1'), 'PM') AS pm
  FROM unnest('{2, 1.5000001, 1.5, 1.3, 1.2, 1.1, 1.05, 1.01, 1.00, 0.5, -1}'::numeric[]) ratio
 GROUP BY ratio ORDER BY ratio DESC;

-- Lines whose amounts are all zero or NULL change nothing and need no
-- asset or price: an account with no lines has an empty summary
SELECT s, pm.uni_mmr(s) IS NULL AS no_ratio, pm.account_equity(s), pm.status(s, 'PM')
  FROM (SELECT pm.margin(NULL, NULL, NULL, NULL, NULL)) x(s);
SELECT pm.margin(asset, e, 0, p, NULL)
  FROM (VALUES ('BTC', 0, NULL), (NULL, 0, NULL), ('ETH', 1, 3000)) v(asset, e, p);
-- no rows at all: NULL, like sum()
SELECT pm.margin('BTC', 1, 0, 1, NULL) IS NULL AS null_for_no_rows FROM (SELECT 1 WHERE false) x;

-- Equal prices written differently are one price; the result keeps the
-- longer writing whatever the order of the lines
SELECT pm.margin(a, e, 0, p, '0:1') FROM (VALUES ('X', 1, 2.5), ('X', 1, 2.50)) v(a, e, p);
SELECT pm.margin(a, e, 0, p, '0:1') FROM (VALUES ('X', 1, 2.50), ('X', 1, 2.5)) v(a, e, p);

-- Errors
-- two prices for one asset
SELECT pm.margin(a, e, 0, p, NULL) FROM (VALUES ('BTC', 1, 40000), ('BTC', 1, 40001)) v(a, e, p); \echo :LAST_ERROR_SQLSTATE
-- two schedules for one asset, or collateral on one line and not another
SELECT pm.margin(a, 1, 0, 1, c) FROM (VALUES ('BTC', '0:0.95'::pm.tiers), ('BTC', '0:0.9')) v(a, c); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin(a, 1, 0, 1, c) FROM (VALUES ('BTC', '0:0.95'::pm.tiers), ('BTC', NULL)) v(a, c); \echo :LAST_ERROR_SQLSTATE
-- a missing price for a line with amounts
SELECT pm.margin('ETH', 2, 0, NULL, NULL); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin('ETH', 0, 0.5, NULL, NULL); \echo :LAST_ERROR_SQLSTATE
-- a line with amounts but no asset
SELECT pm.margin(NULL, 5, 0, 1, NULL); \echo :LAST_ERROR_SQLSTATE
-- bad numbers
SELECT pm.margin('BTC', 'NaN', 0, 1, NULL); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin('BTC', 1, -0.1, 1, NULL); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin('BTC', 1, 0, -2, 'Infinity', 1, NULL); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin('BTC', 1, 0, 0, 0, 1, NULL) IS NOT NULL AS zero_margins_are_fine;
SELECT pm.margin('BTC', 1, 0, 0, NULL); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin('BTC', 1, 0, 'NaN', NULL); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin('BTC', 1, 0, 1, '0:1.5'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin('', 1, 0, 1, NULL); \echo :LAST_ERROR_SQLSTATE
SELECT pm.margin(repeat('X', 256), 1, 0, 1, NULL); \echo :LAST_ERROR_SQLSTATE
SELECT pm.status(pm.margin('USDT', 1, 1, 1, '0:1'), 'VIP'); \echo :LAST_ERROR_SQLSTATE

-- Text form: canonical JSON, assets in name order, scale kept; reads back
-- to the identical value; derived values are recomputed, not stored
CREATE TABLE summaries (id int, s pm.margin_summary);
INSERT INTO summaries
SELECT 1, pm.margin(asset, equity, mm, im, ol, price, coll)
  FROM (VALUES ('USDT', 10000.50, 100, 500, 0, 1, '0:1'::pm.tiers),
               ('BTC', 0.5, 0.01, 0.05, 250.125, 40000.0, '0:0.95, 1000000:0.9'),
               ('"odd" name\', -3, 0, 0, 0, 2, NULL)) v(asset, equity, mm, im, ol, price, coll);
INSERT INTO summaries VALUES (2, '[]');
INSERT INTO summaries VALUES (3, '[{"asset": "ETH", "equity": "1.50", "index_price": 3000}]');
SELECT id, s FROM summaries ORDER BY id;
SELECT id, s::text::pm.margin_summary::text = s::text AS round_trip FROM summaries ORDER BY id;
SELECT id, pm.account_equity(s), pm.maint_margin(s), pm.uni_mmr(s) FROM summaries ORDER BY id;

-- Binary form: COPY out and in gives identical summaries
-- a file of this server process's own, for binary COPY
SELECT '/tmp/pm_regress_summary_' || pg_backend_pid() || '.bin' AS copyfile \gset
COPY summaries TO :'copyfile' (FORMAT binary);
CREATE TABLE summaries_back (LIKE summaries);
COPY summaries_back FROM :'copyfile' (FORMAT binary);
SELECT a.id, a.s::text = b.s::text AS identical FROM summaries a JOIN summaries_back b USING (id) ORDER BY a.id;

-- pm.rollup merges summaries as if they were one portfolio: equities net
-- across summaries before the haircut
SELECT pm.rollup(s)::text = (SELECT pm.margin(a, e, 0, p, c)::text
                               FROM (VALUES ('BTC', 1, 40000, '0:0.95'::pm.tiers),
                                            ('BTC', -0.4, 40000, '0:0.95'),
                                            ('USDT', 100, 1, '0:1')) v(a, e, p, c)) AS same_as_one_pass
  FROM (SELECT pm.margin(a, e, 0, p, c) AS s
          FROM (VALUES (1, 'BTC', 1, 40000, '0:0.95'::pm.tiers),
                       (2, 'BTC', -0.4, 40000, '0:0.95'),
                       (2, 'USDT', 100, 1, '0:1')) v(g, a, e, p, c)
         GROUP BY g) x;
SELECT pm.rollup(s) IS NULL AS null_for_no_rows FROM summaries WHERE false;
SELECT pm.rollup(s) FROM summaries WHERE id IN (2, 3);
-- summaries that disagree on a price cannot be merged
SELECT pm.rollup(s) FROM (VALUES ('[{"asset": "BTC", "equity": 1, "index_price": 40000}]'::pm.margin_summary),
                                 ('[{"asset": "BTC", "equity": 1, "index_price": 39999}]')) v(s); \echo :LAST_ERROR_SQLSTATE

-- Text input errors
SELECT '{}'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[1]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"equity": 1, "index_price": 1}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": 1}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": 1, "index_price": 1, "colour": "red"}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": 1, "index_price": 1}, {"asset": "BTC", "equity": 2, "index_price": 1}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": "NaN", "index_price": 1}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": true, "index_price": 1}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": 1, "index_price": 0}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": 1, "index_price": 1, "maint_margin": -1}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": 1, "index_price": 1, "collateral": "0:2"}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": 1, "index_price": 1, "collateral": 0.95}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "", "equity": 1, "index_price": 1}]'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE
SELECT '[{"asset": "BTC", "equity": 1, "index_price": 1'::pm.margin_summary; \echo :LAST_ERROR_SQLSTATE

DROP TABLE summaries, summaries_back;
