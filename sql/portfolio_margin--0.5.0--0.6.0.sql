-- portfolio_margin 0.5.0 -> 0.6.0: beyond the exchange.
--
-- Stress scenarios (pm.scenario, pm.stress, pm.stress_result), what-if
-- (pm.whatif), withdrawal limits (pm.max_withdraw), account-level
-- liquidation prices (pm.liquidation_price) and what each position costs
-- (pm.position_impact).  All of them value an account through the same
-- aggregate as pm.account_risk, at moved prices or with changed rows:
-- brackets and collateral tiers are re-evaluated, never linearised.

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.6.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

CREATE FUNCTION pm.div(pg_catalog.numeric, pg_catalog.numeric) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_div_sql'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.div(pg_catalog.numeric, pg_catalog.numeric) IS
  'a / b rounded half away from zero to at least 20 significant digits: the extension''s one division rule';

-- An account's raw rows as pm.account_ledger reads them (what
-- pm.account_margin aggregates; what stress and what-if add rows to).
CREATE VIEW pm.ledger_row AS
SELECT a.account_id, 'a'::pg_catalog."char" AS kind, a.program AS key, NULL::pg_catalog.text AS key2,
       NULL::pg_catalog.numeric AS a, NULL::pg_catalog.numeric AS b, NULL::pg_catalog.numeric AS c,
       NULL::pg_catalog.numeric AS d, NULL::pg_catalog.numeric AS e, NULL::pg_catalog.numeric AS f,
       a.loan_leverage AS n
  FROM pm.account a
UNION ALL
SELECT b.account_id, 'b', b.asset, NULL, b.cross_free, b.cross_locked, b.cross_borrowed,
       b.cross_interest, b.um_wallet, b.cm_wallet, NULL
  FROM pm.balance b
UNION ALL
SELECT p.account_id, 'p', p.symbol, p.side, p.qty, p.entry_price, NULL, NULL, NULL, NULL, p.leverage
  FROM pm.position p
UNION ALL
SELECT o.account_id, 'o', o.sell_asset, o.buy_asset, o.sell_qty, o.buy_qty, NULL, NULL, NULL, NULL, NULL
  FROM pm.open_order o;
COMMENT ON VIEW pm.ledger_row IS
  'every account''s raw rows in the form pm.account_ledger reads: a account, b balance, p position, o open order';
COMMENT ON COLUMN pm.ledger_row.account_id IS 'account';
COMMENT ON COLUMN pm.ledger_row.kind IS 'a account, b balance, p position, o open order';
COMMENT ON COLUMN pm.ledger_row.key IS 'program (a), asset (b), symbol (p), asset sold (o)';
COMMENT ON COLUMN pm.ledger_row.key2 IS 'side (p), asset bought (o)';
COMMENT ON COLUMN pm.ledger_row.a IS 'cross free (b), qty (p), quantity sold (o)';
COMMENT ON COLUMN pm.ledger_row.b IS 'cross locked (b), entry price (p), quantity bought (o)';
COMMENT ON COLUMN pm.ledger_row.c IS 'cross borrowed (b)';
COMMENT ON COLUMN pm.ledger_row.d IS 'cross interest (b)';
COMMENT ON COLUMN pm.ledger_row.e IS 'UM wallet (b)';
COMMENT ON COLUMN pm.ledger_row.f IS 'CM wallet (b)';
COMMENT ON COLUMN pm.ledger_row.n IS 'loan leverage (a), position leverage (p)';

CREATE OR REPLACE VIEW pm.account_margin AS
SELECT l.account_id,
       min(l.key) FILTER (WHERE l.kind = 'a') AS program,
       pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS summary
  FROM pm.ledger_row l
 GROUP BY l.account_id;

-- The fields of pm.account_risk from a summary: one definition for the view,
-- stress, what-if.  (A plain SQL set-returning function, inlined where used.)
CREATE FUNCTION pm.risk_of(program pg_catalog.text, summary pm.margin_summary)
  RETURNS TABLE (uni_mmr pg_catalog.numeric, account_equity pg_catalog.numeric,
                 actual_equity pg_catalog.numeric, account_initial_margin pg_catalog.numeric,
                 account_maint_margin pg_catalog.numeric, account_status pg_catalog.text,
                 virtual_max_withdraw_amount pg_catalog.numeric,
                 total_available_balance pg_catalog.numeric, total_margin_open_loss pg_catalog.numeric)
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT pg_catalog.round(pm.uni_mmr($2), 8),
         pg_catalog.round(pm.account_equity($2), 8),
         pg_catalog.round(pm.actual_equity($2), 8),
         pg_catalog.round(pm.initial_margin($2), 8),
         pg_catalog.round(pm.maint_margin($2), 8),
         pm.status($2, $1),
         pg_catalog.round(GREATEST(pm.account_equity($2) OPERATOR(pg_catalog.-)
                                   (1.2 OPERATOR(pg_catalog.*) pm.maint_margin($2)), 0), 8),
         pg_catalog.round(pm.account_equity($2) OPERATOR(pg_catalog.-) pm.initial_margin($2), 8),
         pg_catalog.round(pm.open_loss($2), 8)
$$;
COMMENT ON FUNCTION pm.risk_of(pg_catalog.text, pm.margin_summary) IS
  'the fields of pm.account_risk (rounded to 8 decimals) from a program and a summary';

CREATE OR REPLACE VIEW pm.account_risk AS
SELECT m.account_id, m.program, r.uni_mmr, r.account_equity, r.actual_equity,
       r.account_initial_margin, r.account_maint_margin, r.account_status,
       r.virtual_max_withdraw_amount, r.total_available_balance, r.total_margin_open_loss
  FROM pm.account_margin m
 CROSS JOIN LATERAL pm.risk_of(m.program, m.summary) r;

------------------------------------------------------------------------------
-- Scenarios
------------------------------------------------------------------------------

CREATE TABLE pm.scenario (
  scenario pg_catalog.text NOT NULL
    CONSTRAINT scenario_name_1_to_255_bytes CHECK (pg_catalog.octet_length(scenario) BETWEEN 1 AND 255),
  asset pg_catalog.text NOT NULL
    CONSTRAINT scenario_asset_1_to_255_bytes CHECK (pg_catalog.octet_length(asset) BETWEEN 1 AND 255),
  price_shock pg_catalog.numeric NOT NULL
    CONSTRAINT scenario_price_shock_above_minus_1 CHECK (pm.finite(price_shock) AND price_shock > -1),
  collateral pm.tiers
    CONSTRAINT scenario_collateral_rates_at_most_1 CHECK (pm.collateral_value(0, collateral) = 0),
  builtin pg_catalog.bool NOT NULL DEFAULT false,
  PRIMARY KEY (scenario, asset)
);
COMMENT ON TABLE pm.scenario IS
  'stress scenarios: each row moves one asset''s index price and the marks of symbols based on it by price_shock '
  '(relative: -0.2 is a 20% fall), optionally with another collateral schedule; asset * moves every asset the '
  'scenario does not list';
COMMENT ON COLUMN pm.scenario.scenario IS 'scenario name';
COMMENT ON COLUMN pm.scenario.asset IS 'asset moved, or * for every asset the scenario does not list';
COMMENT ON COLUMN pm.scenario.price_shock IS 'relative move of the index price and of the marks based on the asset, above -1';
COMMENT ON COLUMN pm.scenario.collateral IS 'collateral schedule replacing the asset''s in the scenario; NULL keeps it';
COMMENT ON COLUMN pm.scenario.builtin IS 'shipped with the extension (not dumped: a restore recreates it)';
SELECT pg_catalog.pg_extension_config_dump('pm.scenario', 'WHERE NOT builtin');

-- Built in: +-5/10/20/30/50% on each major asset; all crypto down 30% with
-- stablecoins flat; a USDT de-peg.
INSERT INTO pm.scenario (scenario, asset, price_shock, builtin)
SELECT a.asset || ' ' || CASE WHEN s.shock > 0 THEN '+' ELSE '' END
       || (s.shock * 100)::pg_catalog.int4 || '%', a.asset, s.shock, true
  FROM (VALUES ('BTC'), ('ETH'), ('BNB'), ('SOL'), ('XRP')) a(asset),
       (VALUES (-0.5), (-0.3), (-0.2), (-0.1), (-0.05), (0.05), (0.1), (0.2), (0.3), (0.5)) s(shock);
INSERT INTO pm.scenario (scenario, asset, price_shock, builtin)
SELECT 'crypto -30%', a.asset, CASE WHEN a.asset = '*' THEN -0.3 ELSE 0 END, true
  FROM (VALUES ('*'), ('USDT'), ('USDC'), ('FDUSD'), ('TUSD'), ('DAI'), ('USDP')) a(asset);
INSERT INTO pm.scenario (scenario, asset, price_shock, builtin)
VALUES ('USDT de-peg -10%', 'USDT', -0.1, true);

-- An account's summary with extra moves: the account's rows after one
-- scenario row per asset (assets[i] moves by shocks[i]; schedules[i], when
-- not NULL, replaces its collateral schedule).  No row when the account does
-- not exist.
CREATE FUNCTION pm.summary_under(account_id pg_catalog.int8, assets pg_catalog.text[],
                                 shocks pg_catalog.numeric[], schedules pg_catalog.text[],
                                 OUT program pg_catalog.text, OUT summary pm.margin_summary)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT pg_catalog.min(r.key) FILTER (WHERE r.kind OPERATOR(pg_catalog.=) 'a'),
         pm.account_ledger(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n
                           ORDER BY r.kind OPERATOR(pg_catalog.<>) 's')
    FROM (SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
            FROM pm.ledger_row l WHERE l.account_id OPERATOR(pg_catalog.=) $1
          UNION ALL
          SELECT 's', m.asset, m.schedule, m.shock, NULL, NULL, NULL, NULL, NULL, NULL
            FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))
                 AS m(asset, shock, schedule)
           WHERE EXISTS (SELECT FROM pm.account a WHERE a.account_id OPERATOR(pg_catalog.=) $1)) r
  HAVING pg_catalog.count(*) FILTER (WHERE r.kind OPERATOR(pg_catalog.=) 'a') OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION pm.summary_under(pg_catalog.int8, pg_catalog.text[], pg_catalog.numeric[], pg_catalog.text[]) IS
  'an account''s program and summary with the given assets moved by the given relative price shocks '
  '(and collateral schedules replaced where given); no row for an unknown account';

-- pm.account_risk's row of an account under a scenario.
CREATE FUNCTION pm.stress(account_id pg_catalog.int8, scenario pg_catalog.text)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  result pm.account_risk;
BEGIN
  IF NOT EXISTS (SELECT FROM pm.scenario s WHERE s.scenario = stress.scenario) THEN
    RAISE EXCEPTION 'scenario "%" does not exist', stress.scenario
      USING ERRCODE = 'undefined_object', HINT = 'The scenarios are the rows of pm.scenario.';
  END IF;
  SELECT stress.account_id, u.program, r.*
    INTO result
    FROM (SELECT array_agg(s.asset) AS assets, array_agg(s.price_shock) AS shocks,
                 array_agg(s.collateral::text) AS schedules
            FROM pm.scenario s WHERE s.scenario = stress.scenario) sc
   CROSS JOIN LATERAL pm.summary_under(stress.account_id, sc.assets, sc.shocks, sc.schedules) u
   CROSS JOIN LATERAL pm.risk_of(u.program, u.summary) r;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  RETURN result;
END
$$;
COMMENT ON FUNCTION pm.stress(pg_catalog.int8, pg_catalog.text) IS
  'the account''s pm.account_risk row under a scenario of pm.scenario: prices moved, PnL, brackets and tiers '
  're-evaluated; NULL for an unknown account';

-- Every account under every scenario, in one pass over the rows per scenario.
CREATE VIEW pm.stress_result AS
SELECT q.account_id, q.scenario, q.program, r.uni_mmr, r.account_equity, r.actual_equity,
       r.account_initial_margin, r.account_maint_margin, r.account_status,
       r.virtual_max_withdraw_amount, r.total_available_balance, r.total_margin_open_loss
  FROM (SELECT x.account_id, x.scenario,
               min(x.key) FILTER (WHERE x.kind = 'a') AS program,
               pm.account_ledger(x.kind, x.key, x.key2, x.a, x.b, x.c, x.d, x.e, x.f, x.n
                                 ORDER BY x.kind <> 's') AS summary
          FROM (SELECT l.account_id, n.scenario, l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
                  FROM pm.ledger_row l
                 CROSS JOIN (SELECT DISTINCT s.scenario FROM pm.scenario s) n
                UNION ALL
                SELECT a.account_id, s.scenario, 's', s.asset, s.collateral::pg_catalog.text,
                       s.price_shock, NULL, NULL, NULL, NULL, NULL, NULL
                  FROM pm.account a CROSS JOIN pm.scenario s) x
         GROUP BY x.account_id, x.scenario) q
 CROSS JOIN LATERAL pm.risk_of(q.program, q.summary) r;
COMMENT ON VIEW pm.stress_result IS
  'pm.account_risk of every account under every scenario of pm.scenario';
COMMENT ON COLUMN pm.stress_result.account_id IS 'account';
COMMENT ON COLUMN pm.stress_result.scenario IS 'scenario of pm.scenario';
COMMENT ON COLUMN pm.stress_result.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.stress_result.uni_mmr IS 'uniMMR under the scenario';
COMMENT ON COLUMN pm.stress_result.account_equity IS 'collateral-weighted equity under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.actual_equity IS 'equity without haircuts under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.account_initial_margin IS 'initial margin under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.account_maint_margin IS 'maintenance margin under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.account_status IS 'status under the scenario';
COMMENT ON COLUMN pm.stress_result.virtual_max_withdraw_amount IS 'virtualMaxWithdrawAmount under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.total_available_balance IS 'totalAvailableBalance under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.total_margin_open_loss IS 'open-order loss under the scenario (PM), USD';

------------------------------------------------------------------------------
-- What-if
------------------------------------------------------------------------------

-- pm.account_risk's row as it would be after changes (jsonb), writing
-- nothing.  Keys, each a list of objects:
--   positions  {symbol, qty, entry_price (default: the mark), leverage
--               (default 20), side (default BOTH)}: the account's position
--               on that symbol becomes this one (qty 0 closes it)
--   orders     {sell_asset, sell_qty, buy_asset, buy_qty}: a new open order
--   transfers  {asset, amount, wallet (cross, um or cm; default cross)}:
--               amount in (> 0) or out (< 0)
--   loans      {asset, amount}: borrow (> 0: the asset arrives in cross
--               margin) or repay (< 0)
CREATE FUNCTION pm.whatif(account_id pg_catalog.int8, changes pg_catalog.jsonb)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  allowed CONSTANT jsonb := '{"positions": ["symbol", "qty", "entry_price", "leverage", "side"],
                              "orders": ["sell_asset", "sell_qty", "buy_asset", "buy_qty"],
                              "transfers": ["asset", "amount", "wallet"],
                              "loans": ["asset", "amount"]}';
  required CONSTANT jsonb := '{"positions": ["symbol", "qty"],
                               "orders": ["sell_asset", "sell_qty", "buy_asset", "buy_qty"],
                               "transfers": ["asset", "amount"],
                               "loans": ["asset", "amount"]}';
  k text;
  elem jsonb;
  f text;
  bad text;
  balances jsonb;
  result pm.account_risk;
BEGIN
  IF jsonb_typeof(changes) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'changes must be a JSON object'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Its keys are positions, orders, transfers and loans, each a list of objects.';
  END IF;
  FOR k IN SELECT jsonb_object_keys(changes) LOOP
    IF NOT allowed ? k THEN
      RAISE EXCEPTION 'unknown key "%" in changes', k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Its keys are positions, orders, transfers and loans, each a list of objects.';
    END IF;
    IF jsonb_typeof(changes -> k) <> 'array' THEN
      RAISE EXCEPTION '"%" of changes must be a JSON array of objects', k
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR elem IN SELECT jsonb_array_elements(changes -> k) LOOP
      IF jsonb_typeof(elem) <> 'object' THEN
        RAISE EXCEPTION 'an element of "%" is not a JSON object', k
          USING ERRCODE = 'invalid_parameter_value', DETAIL = format('The element is %s.', elem);
      END IF;
      FOR f IN SELECT jsonb_object_keys(elem) LOOP
        IF NOT (allowed -> k) ? f THEN
          RAISE EXCEPTION 'unknown field "%" in an element of "%"', f, k
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('The fields of %s are %s.', k, allowed -> k);
        END IF;
      END LOOP;
      FOR f IN SELECT jsonb_array_elements_text(required -> k) LOOP
        IF elem -> f IS NULL OR jsonb_typeof(elem -> f) = 'null' THEN
          RAISE EXCEPTION 'an element of "%" has no "%"', k, f
            USING ERRCODE = 'null_value_not_allowed', DETAIL = format('The element is %s.', elem);
        END IF;
      END LOOP;
    END LOOP;
  END LOOP;

  SELECT p.symbol INTO bad
    FROM jsonb_to_recordset(coalesce(changes -> 'positions', '[]')) AS p(symbol text)
   WHERE NOT EXISTS (SELECT FROM pm.symbol s WHERE s.symbol = p.symbol)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'symbol % is not in pm.symbol', bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT t.wallet INTO bad
    FROM jsonb_to_recordset(coalesce(changes -> 'transfers', '[]')) AS t(wallet text)
   WHERE t.wallet IS NOT NULL AND t.wallet NOT IN ('cross', 'um', 'cm')
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'unknown wallet "%" in a transfer', bad
      USING ERRCODE = 'invalid_parameter_value', HINT = 'The wallets are cross, um and cm.';
  END IF;

  -- the account's balances with transfers and loans netted in, one per asset
  SELECT coalesce(jsonb_agg(jsonb_build_object('asset', x.asset, 'free', sum_free, 'locked', sum_locked,
                                               'borrowed', sum_borrowed, 'interest', sum_interest,
                                               'um', sum_um, 'cm', sum_cm)), '[]')
    INTO balances
    FROM (SELECT x.asset, sum(x.free) AS sum_free, sum(x.locked) AS sum_locked,
                 sum(x.borrowed) AS sum_borrowed, sum(x.interest) AS sum_interest,
                 sum(x.um) AS sum_um, sum(x.cm) AS sum_cm
            FROM (SELECT l.key AS asset, l.a AS free, l.b AS locked, l.c AS borrowed, l.d AS interest,
                         l.e AS um, l.f AS cm
                    FROM pm.ledger_row l WHERE l.account_id = whatif.account_id AND l.kind = 'b'
                  UNION ALL
                  SELECT t.asset, CASE WHEN coalesce(t.wallet, 'cross') = 'cross' THEN t.amount ELSE 0 END,
                         0, 0, 0,
                         CASE WHEN t.wallet = 'um' THEN t.amount ELSE 0 END,
                         CASE WHEN t.wallet = 'cm' THEN t.amount ELSE 0 END
                    FROM jsonb_to_recordset(coalesce(changes -> 'transfers', '[]'))
                         AS t(asset text, amount numeric, wallet text)
                  UNION ALL
                  SELECT o.asset, o.amount, 0, o.amount, 0, 0, 0
                    FROM jsonb_to_recordset(coalesce(changes -> 'loans', '[]')) AS o(asset text, amount numeric)) x
           GROUP BY x.asset) x;
  SELECT b.asset INTO bad
    FROM jsonb_to_recordset(balances) AS b(asset text, free numeric, borrowed numeric)
   WHERE b.free < 0 OR b.borrowed < 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'the changes take more % out than the account holds or owes', bad
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A transfer out or a repayment would leave a negative cross-margin balance or loan.';
  END IF;

  WITH balances AS (
    SELECT * FROM jsonb_to_recordset(balances)
      AS b(asset text, free numeric, locked numeric, borrowed numeric, interest numeric, um numeric, cm numeric)
  ), new_positions AS (
    SELECT p.symbol, coalesce(p.side, 'BOTH') AS side, p.qty,
           coalesce(p.entry_price, s.mark_price) AS entry_price, coalesce(p.leverage, 20) AS leverage
      FROM jsonb_to_recordset(coalesce(changes -> 'positions', '[]'))
           AS p(symbol text, side text, qty numeric, entry_price numeric, leverage int4)
      JOIN pm.symbol s ON s.symbol = p.symbol
  ), rows AS (
    SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
      FROM pm.ledger_row l
     WHERE l.account_id = whatif.account_id AND l.kind IN ('a', 'o')
    UNION ALL
    SELECT 'b', b.asset, NULL, b.free, b.locked, b.borrowed, b.interest, b.um, b.cm, NULL FROM balances b
    UNION ALL
    SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
      FROM pm.ledger_row l
     WHERE l.account_id = whatif.account_id AND l.kind = 'p'
       AND NOT EXISTS (SELECT FROM new_positions np WHERE np.symbol = l.key AND np.side = l.key2)
    UNION ALL
    SELECT 'p', np.symbol, np.side, np.qty, np.entry_price, NULL, NULL, NULL, NULL, np.leverage
      FROM new_positions np WHERE np.qty <> 0
    UNION ALL
    SELECT 'o', o.sell_asset, o.buy_asset, o.sell_qty, o.buy_qty, NULL, NULL, NULL, NULL, NULL
      FROM jsonb_to_recordset(coalesce(changes -> 'orders', '[]'))
           AS o(sell_asset text, sell_qty numeric, buy_asset text, buy_qty numeric)
  ), summary AS (
    SELECT min(r.key) FILTER (WHERE r.kind = 'a') AS program,
           pm.account_ledger(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n) AS summary
      FROM rows r
    HAVING count(*) FILTER (WHERE r.kind = 'a') > 0
  )
  SELECT whatif.account_id, s.program, r.*
    INTO result
    FROM summary s CROSS JOIN LATERAL pm.risk_of(s.program, s.summary) r;
  RETURN result;
END
$$;
COMMENT ON FUNCTION pm.whatif(pg_catalog.int8, pg_catalog.jsonb) IS
  'the account''s pm.account_risk row as it would be after hypothetical positions, orders, transfers and loans '
  '(jsonb: positions, orders, transfers, loans); writes nothing; NULL for an unknown account';

------------------------------------------------------------------------------
-- Thresholds of a program's ladder
------------------------------------------------------------------------------

-- uniMMR at or below which an account of the program is in liquidation: the
-- lowest threshold of a band that is not a liquidation band (1.05 by default).
CREATE FUNCTION pm.liquidation_threshold(program pg_catalog.text) RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT pg_catalog.min(t.uni_mmr_above) FROM pm.status_threshold t
   WHERE t.program OPERATOR(pg_catalog.=) $1 AND t.enabled
     AND t.status OPERATOR(pg_catalog.<>) ALL (ARRAY['ACTIVE_LIQUIDATION', 'FORCE_LIQUIDATION', 'BANKRUPTED'])
$$;
COMMENT ON FUNCTION pm.liquidation_threshold(pg_catalog.text) IS
  'uniMMR at or below which an account of the program is in liquidation (from pm.status_threshold)';

-- uniMMR at or below which an account of the program leaves NORMAL (the
-- margin-call threshold: 1.5 in PM_PRO, 1.2 in PM by default).
CREATE FUNCTION pm.margin_call_threshold(program pg_catalog.text) RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT t.uni_mmr_above FROM pm.status_threshold t
   WHERE t.program OPERATOR(pg_catalog.=) $1 AND t.status OPERATOR(pg_catalog.=) 'NORMAL'
$$;
COMMENT ON FUNCTION pm.margin_call_threshold(pg_catalog.text) IS
  'uniMMR at or below which an account of the program is no longer NORMAL (from pm.status_threshold)';

------------------------------------------------------------------------------
-- Withdrawal limits
------------------------------------------------------------------------------

-- The smallest x >= 0 with tiered(x, schedule) >= target (target > 0), or
-- NULL when no x reaches it: the inverse of a nondecreasing schedule.
CREATE FUNCTION pm.tiered_inverse(target pg_catalog.numeric, schedule pm.tiers)
  RETURNS pg_catalog.numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT pm.div($1 OPERATOR(pg_catalog.+) t.cum, t.rate)
    FROM pm.tiers_table($2) t
   WHERE t.rate OPERATOR(pg_catalog.>) 0
     AND (t.cap IS NULL OR pm.tiered(t.cap, $2) OPERATOR(pg_catalog.>=) $1)
   ORDER BY t.tier
   LIMIT 1
$$;
COMMENT ON FUNCTION pm.tiered_inverse(pg_catalog.numeric, pm.tiers) IS
  'smallest amount whose tiered value reaches target (> 0); NULL if none does';

-- The most of asset that can leave the account (its free cross-margin and
-- futures-wallet balance at most) while uniMMR stays at or above target
-- (default: the program's margin-call threshold; without maintenance margin,
-- while adjusted equity stays at or above 0).  Closed form: the asset's
-- collateral schedule is inverted exactly; the answer is rounded down at the
-- 20th significant digit so that taking it out keeps the condition.
CREATE FUNCTION pm.max_withdraw(account_id pg_catalog.int8, asset pg_catalog.text,
                                target pg_catalog.numeric DEFAULT NULL)
  RETURNS pg_catalog.numeric
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prog text;
  summ pm.margin_summary;
  sched pm.tiers;
  price numeric;
  held numeric;
  v numeric;			-- the asset's value now, USD
  cv numeric;			-- its collateral value now
  need numeric;		-- collateral value the asset must keep
  v_min numeric;		-- the least value that keeps it
  w numeric;
  step numeric;
BEGIN
  SELECT m.program, m.summary INTO prog, summ
    FROM pm.account_margin m WHERE m.account_id = max_withdraw.account_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT a.index_price INTO price FROM pm.asset a WHERE a.asset = max_withdraw.asset;
  IF price IS NULL THEN
    RAISE EXCEPTION 'asset % has no index price in pm.asset', max_withdraw.asset
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF target IS NULL THEN
    target := pm.margin_call_threshold(prog);
  ELSIF NOT pm.finite(target) OR target < 0 THEN
    RAISE EXCEPTION 'target must be a finite uniMMR of at least 0'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('The target given is %s.', target);
  END IF;
  SELECT greatest(b.cross_free, 0) + greatest(b.um_wallet, 0) + greatest(b.cm_wallet, 0) INTO held
    FROM pm.balance b WHERE b.account_id = max_withdraw.account_id AND b.asset = max_withdraw.asset;
  IF coalesce(held, 0) = 0 THEN
    RETURN 0;
  END IF;
  SELECT c.schedule INTO sched FROM pm.collateral c WHERE c.program = prog AND c.asset = max_withdraw.asset;
  SELECT x.value_usd, x.collateral_value_usd INTO v, cv
    FROM pm.assets(summ) x WHERE x.asset = max_withdraw.asset;
  v := coalesce(v, 0);
  cv := coalesce(cv, 0);

  -- adjusted equity must stay >= target * MM; the asset's collateral value
  -- is the only part that moves
  need := CASE WHEN pm.maint_margin(summ) > 0 THEN target * pm.maint_margin(summ) ELSE 0 END
          - (pm.adjusted_equity(summ) - cv);
  IF need <= 0 THEN
    v_min := need;                  -- a liability counts in full
  ELSIF sched IS NULL THEN
    RETURN 0;                       -- not collateral: positive value is worth nothing
  ELSE
    v_min := pm.tiered_inverse(need, sched);
    IF v_min IS NULL THEN
      RETURN 0;
    END IF;
  END IF;
  IF v_min >= v THEN
    RETURN 0;
  END IF;
  w := pm.div(v - v_min, price);
  IF w >= held THEN
    RETURN held;
  END IF;
  -- rounding may have gone a hair too far: step down at the 20th digit
  -- (at most a few steps: the quotients carry 20 digits)
  step := pm.div(1, 10 ^ (19 - floor(log(w))));
  FOR i IN 1 .. 10 LOOP
    IF (CASE WHEN v - w * price <= 0 OR sched IS NULL THEN least(v - w * price, 0)
             ELSE pm.tiered(v - w * price, sched) END) >= need THEN
      RETURN greatest(w, 0);
    END IF;
    w := w - step;
  END LOOP;
  RAISE EXCEPTION 'pm.max_withdraw could not settle on a withdrawal for account % and %', account_id, asset
    USING ERRCODE = 'internal_error';
END
$$;
COMMENT ON FUNCTION pm.max_withdraw(pg_catalog.int8, pg_catalog.text, pg_catalog.numeric) IS
  'the most of asset that can leave the account (at most its free cross-margin and wallet balance) while uniMMR '
  'stays at or above target (default: the margin-call threshold); exact closed form';

------------------------------------------------------------------------------
-- Account-level liquidation prices
------------------------------------------------------------------------------

-- g(m) = adjusted equity - L * maintenance margin when asset's index and the
-- marks based on it are multiplied by m (the account is in liquidation when
-- uniMMR <= L, i.e. g <= 0).
CREATE FUNCTION pm.liquidation_gap(account_id pg_catalog.int8, asset pg_catalog.text,
                                   m pg_catalog.numeric, threshold pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT pm.adjusted_equity(u.summary) OPERATOR(pg_catalog.-)
         ($4 OPERATOR(pg_catalog.*) pm.maint_margin(u.summary))
    FROM pm.summary_under($1, ARRAY[$2], ARRAY[$3 OPERATOR(pg_catalog.-) 1], ARRAY[NULL::pg_catalog.text]) u
$$;
COMMENT ON FUNCTION pm.liquidation_gap(pg_catalog.int8, pg_catalog.text, pg_catalog.numeric, pg_catalog.numeric) IS
  'adjusted equity minus threshold times maintenance margin, USD, with asset''s prices multiplied by m';

-- What an open order gives up minus what it gets, in PM collateral value,
-- with moved's index price multiplied by m: the open-order loss is this
-- when positive (the kinks of pm.liquidation_price).
CREATE FUNCTION pm.order_side_gap(sell_asset pg_catalog.text, sell_qty pg_catalog.numeric,
                                  buy_asset pg_catalog.text, buy_qty pg_catalog.numeric,
                                  moved pg_catalog.text, m pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT COALESCE(pm.collateral_value(v.sell_usd, cs.schedule), 0)
         OPERATOR(pg_catalog.-) COALESCE(pm.collateral_value(v.buy_usd, cb.schedule), 0)
    FROM (SELECT $2 OPERATOR(pg_catalog.*) sa.index_price OPERATOR(pg_catalog.*)
                 CASE WHEN $1 OPERATOR(pg_catalog.=) $5 THEN $6 ELSE 1 END AS sell_usd,
                 $4 OPERATOR(pg_catalog.*) ba.index_price OPERATOR(pg_catalog.*)
                 CASE WHEN $3 OPERATOR(pg_catalog.=) $5 THEN $6 ELSE 1 END AS buy_usd
            FROM pm.asset sa, pm.asset ba
           WHERE sa.asset OPERATOR(pg_catalog.=) $1 AND ba.asset OPERATOR(pg_catalog.=) $3) v
    LEFT JOIN pm.collateral cs ON cs.program OPERATOR(pg_catalog.=) 'PM' AND cs.asset OPERATOR(pg_catalog.=) $1
    LEFT JOIN pm.collateral cb ON cb.program OPERATOR(pg_catalog.=) 'PM' AND cb.asset OPERATOR(pg_catalog.=) $3
$$;
COMMENT ON FUNCTION pm.order_side_gap(pg_catalog.text, pg_catalog.numeric, pg_catalog.text, pg_catalog.numeric,
                                      pg_catalog.text, pg_catalog.numeric) IS
  'PM collateral value an open order gives up minus what it gets, USD, with one asset''s price multiplied by m';

-- The price of asset (its index and the marks of symbols on it moving
-- together, everything else fixed) at which the account reaches its
-- program's liquidation threshold: the nearest below the current price and
-- the nearest above, NULL where no positive price does.  g(m) above is
-- piecewise linear in m; its kinks (collateral tiers and zero of each
-- asset's value, each position's brackets, open-order loss) are enumerated,
-- so each crossing is found on a piece where g is linear and solved there.
CREATE FUNCTION pm.liquidation_price(account_id pg_catalog.int8, asset pg_catalog.text,
                                     OUT below pg_catalog.numeric, OUT above pg_catalog.numeric)
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  acct CONSTANT int8 := liquidation_price.account_id;
  x CONSTANT text := liquidation_price.asset;
  prog text;
  p0 numeric;
  thr numeric;
  s1 pm.margin_summary;
  s2 pm.margin_summary;
  kinks numeric[];
  pts numeric[];
  m0 numeric;
  m1 numeric;
  g0 numeric;
  g1 numeric;
  root numeric;
  dir int;
BEGIN
  SELECT a.index_price INTO p0 FROM pm.asset a WHERE a.asset = x;
  IF p0 IS NULL THEN
    RAISE EXCEPTION 'asset % has no index price in pm.asset', x USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT u.program, u.summary INTO prog, s1 FROM pm.summary_under(acct, '{}', '{}', '{}') u;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  thr := pm.liquidation_threshold(prog);
  SELECT u.summary INTO s2 FROM pm.summary_under(acct, ARRAY[x], ARRAY[1::numeric], ARRAY[NULL::text]) u;

  -- the kinks of g, as multipliers m > 0
  SELECT array_agg(DISTINCT k.m ORDER BY k.m) INTO kinks
    FROM (
      -- each asset's value is linear in m: V(m) = alpha + beta m; its
      -- collateral value bends where V crosses 0 and each tier floor
      SELECT pm.div(fl.floor - (a1.value_usd - (a2.value_usd - a1.value_usd)), a2.value_usd - a1.value_usd) AS m
        FROM pm.assets(s1) a1
        JOIN pm.assets(s2) a2 ON a2.asset = a1.asset
        LEFT JOIN pm.collateral c ON c.program = prog AND c.asset = a1.asset
       CROSS JOIN LATERAL (SELECT 0::numeric AS floor
                           UNION SELECT t.floor FROM pm.tiers_table(c.schedule) t) fl
       WHERE a2.value_usd <> a1.value_usd
      UNION ALL
      -- each position on a symbol based on the asset bends at its brackets
      SELECT CASE WHEN s.market = 'UM' THEN pm.div(t.floor, abs(p.qty) * s.mark_price)
                  ELSE pm.div(abs(p.qty) * s.contract_size, s.mark_price * t.floor) END
        FROM pm.position p
        JOIN pm.symbol s ON s.symbol = p.symbol
       CROSS JOIN LATERAL pm.tiers_table(s.brackets) t
       WHERE p.account_id = acct AND s.base_asset = x AND p.qty <> 0 AND t.floor > 0
      UNION ALL
      -- open orders (PM) selling or buying the asset bend at their tiers
      SELECT pm.div(t.floor, CASE WHEN o.sell_asset = x THEN o.sell_qty ELSE o.buy_qty END * p0)
        FROM pm.open_order o
        JOIN pm.collateral c ON c.program = 'PM' AND c.asset = x
       CROSS JOIN LATERAL pm.tiers_table(c.schedule) t
       WHERE prog = 'PM' AND o.account_id = acct AND x IN (o.sell_asset, o.buy_asset) AND t.floor > 0
    ) k
   WHERE k.m > 0;

  -- open-order loss bends where an order's two sides are worth the same:
  -- between consecutive kinks (and past the last one) each side is linear,
  -- so each such zero is found on its piece
  IF prog = 'PM' AND EXISTS (SELECT FROM pm.open_order o WHERE o.account_id = acct
                                                            AND x IN (o.sell_asset, o.buy_asset)) THEN
    pts := array_prepend(0::numeric, coalesce(kinks, '{}'));
    pts := array_append(pts, greatest(2 * pts[array_length(pts, 1)], 1));
    SELECT array_agg(DISTINCT z.m ORDER BY z.m) INTO kinks
      FROM (SELECT unnest(kinks) AS m
            UNION ALL
            SELECT d.m0 + pm.div((d.m1 - d.m0) * d.d0, d.d0 - d.d1)
              FROM (SELECT seg.m0, seg.m1, seg.last,
                           pm.order_side_gap(o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, x, seg.m0) AS d0,
                           pm.order_side_gap(o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, x, seg.m1) AS d1
                      FROM pm.open_order o,
                           LATERAL (SELECT pts[j] AS m0, pts[j + 1] AS m1,
                                           j = array_length(pts, 1) - 1 AS last
                                      FROM generate_series(1, array_length(pts, 1) - 1) j) seg
                     WHERE o.account_id = acct AND x IN (o.sell_asset, o.buy_asset)) d
             WHERE sign(d.d0) * sign(d.d1) < 0
                OR (d.last AND d.d0 <> d.d1 AND sign(d.d0) = sign(d.d0 - d.d1))) z
     WHERE z.m > 0;
  END IF;

  -- walk from the current price (m = 1) down, then up, to the first crossing
  FOR dir IN SELECT unnest(ARRAY[-1, 1]) LOOP
    IF dir < 0 THEN
      SELECT array_agg(k ORDER BY k DESC) INTO pts FROM unnest(kinks) k WHERE k < 1;
    ELSE
      SELECT array_agg(k ORDER BY k) INTO pts FROM unnest(kinks) k WHERE k > 1;
    END IF;
    pts := array_prepend(1::numeric, coalesce(pts, '{}'));
    -- one more point past the last kink: g is linear from there on
    IF dir < 0 THEN
      pts := array_append(pts, pm.div(pts[array_length(pts, 1)], 2));
    ELSE
      pts := array_append(pts, 2 * pts[array_length(pts, 1)]);
    END IF;
    -- the first change of sign of g (negative, zero, positive) along the
    -- points; g is linear between two points, so the crossing is exact
    root := NULL;
    m0 := pts[1];
    g0 := pm.liquidation_gap(acct, x, m0, thr);
    FOR i IN 2 .. array_length(pts, 1) LOOP
      m1 := pts[i];
      g1 := pm.liquidation_gap(acct, x, m1, thr);
      IF sign(g1) <> sign(g0) THEN
        root := m0 + pm.div((m1 - m0) * g0, g0 - g1);
        EXIT;
      END IF;
      IF i = array_length(pts, 1) AND g1 <> g0 THEN
        -- past the last kink g stays linear: extend the line
        root := m1 + pm.div((m1 - m0) * g1, g0 - g1);
        IF root <= 0 OR (dir < 0 AND root >= m1) OR (dir > 0 AND root <= m1) THEN
          root := NULL;
        END IF;
      END IF;
      m0 := m1;
      g0 := g1;
    END LOOP;
    IF dir < 0 THEN
      below := trim_scale(p0 * root);
    ELSE
      above := trim_scale(p0 * root);
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION pm.liquidation_price(pg_catalog.int8, pg_catalog.text) IS
  'the nearest prices of asset, below and above the current one (its index and the marks on it moving together), '
  'at which the account reaches its program''s liquidation threshold; NULL where no positive price does';

------------------------------------------------------------------------------
-- What each position costs
------------------------------------------------------------------------------

-- Per position: what it adds to maintenance margin and to collateral-
-- weighted equity (its PnL after haircuts; negative when it takes equity
-- away), and the account's uniMMR without it -- what to reduce first.
CREATE FUNCTION pm.position_impact(account_id pg_catalog.int8)
  RETURNS TABLE (symbol pg_catalog.text, side pg_catalog.text, qty pg_catalog.numeric,
                 maint_margin_usd pg_catalog.numeric, equity_usd pg_catalog.numeric,
                 uni_mmr_without pg_catalog.numeric, uni_mmr pg_catalog.numeric)
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  WITH whole AS (
    SELECT m.summary FROM pm.account_margin m WHERE m.account_id OPERATOR(pg_catalog.=) $1
  ), without AS (
    SELECT p.key AS symbol, p.key2 AS side, p.a AS qty,
           (SELECT pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
              FROM pm.ledger_row l
             WHERE l.account_id OPERATOR(pg_catalog.=) $1
               AND NOT (l.kind OPERATOR(pg_catalog.=) 'p' AND l.key OPERATOR(pg_catalog.=) p.key
                        AND l.key2 OPERATOR(pg_catalog.=) p.key2)) AS summary
      FROM pm.ledger_row p
     WHERE p.account_id OPERATOR(pg_catalog.=) $1 AND p.kind OPERATOR(pg_catalog.=) 'p'
  )
  SELECT w.symbol, w.side, w.qty,
         pg_catalog.round(pm.maint_margin(h.summary) OPERATOR(pg_catalog.-) pm.maint_margin(w.summary), 8),
         pg_catalog.round(pm.account_equity(h.summary) OPERATOR(pg_catalog.-) pm.account_equity(w.summary), 8),
         pg_catalog.round(pm.uni_mmr(w.summary), 8),
         pg_catalog.round(pm.uni_mmr(h.summary), 8)
    FROM without w CROSS JOIN whole h
   ORDER BY 4 DESC, 1, 2
$$;
COMMENT ON FUNCTION pm.position_impact(pg_catalog.int8) IS
  'per position of the account: maintenance margin it adds and collateral-weighted equity it adds (USD), '
  'the account''s uniMMR without it and with it; largest margin first';

-- CREATE OR REPLACE VIEW resets a view's options: set security_invoker on
-- the replaced views and the new ones.
DO $$
DECLARE
  v pg_catalog.text;
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    FOREACH v IN ARRAY ARRAY['ledger_row', 'account_margin', 'account_risk', 'stress_result'] LOOP
      EXECUTE pg_catalog.format('ALTER VIEW pm.%I SET (security_invoker = true)', v);
    END LOOP;
  END IF;
END
$$;

GRANT SELECT ON pm.ledger_row, pm.scenario, pm.stress_result TO pm_reader;
GRANT INSERT, UPDATE, DELETE ON pm.scenario TO pm_writer;
