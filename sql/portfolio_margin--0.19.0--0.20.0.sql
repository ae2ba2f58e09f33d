------------------------------------------------------------------------------
-- portfolio_margin 0.19.0 -> 0.20.0: stress and liquidation prices as of a
-- moment; the stress grid in one pass.
--
-- * pm.stress_at(account_id, scenario, at) and
--   pm.liquidation_price_at(account_id, asset, at): pm.stress and
--   pm.liquidation_price as they were at a moment.  Both call one body
--   with pm.stress and pm.liquidation_price (pm.stress_at_or_now,
--   pm.liquidation_price_at_or_now), which reads the account's rows through
--   pm.ledger_row_of(account_id, at).
-- * The SQL functions that read reference data themselves
--   (pm.liquidation_threshold, pm.order_side_gap, the kinks of
--   pm.liquidation_price) read it as of portfolio_margin.as_of, through
--   pm.asset_as_of(), pm.collateral_as_of(), pm.symbol_as_of(),
--   pm.status_threshold_as_of(), as the ledger aggregates do.
-- * pm.check_account and pm.check_valued gain an overload taking the moment
--   (NULL: now); pm.summary_under and pm.liquidation_side one taking the
--   account's rows, which pm.liquidation_price now reads once per call
--   (the forms taking an account id read its rows and call them).
-- * pm.stress_result reads each account's rows once and values them under
--   every scenario (the aggregate pm.ledger_stress, src/ledger_stress.c;
--   pm.stress_scenarios()), instead of grouping every account's rows once
--   per scenario: the same rows, no sort of the grid.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.20.0'" to load this file. \quit

-- One account's raw rows at a moment (the as-of reads of one account): per
-- table, its current rows with no history row after the moment, and each
-- key's first history row after it.  Without the whole book's split on
-- pm.unchanged_since, which reads the set of changed accounts at each of
-- its call sites: for one account that cost 20-25 ms a call.
CREATE FUNCTION pm.ledger_row_at(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS SETOF pm.ledger_row
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 10
AS $$
SELECT r.account_id, 'a'::pg_catalog."char", r.program, NULL::pg_catalog.text,
       NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
       NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, r.loan_leverage
  FROM pm.account r
 WHERE r.account_id OPERATOR(pg_catalog.=) $1
   AND NOT EXISTS (SELECT FROM pm.account_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id
                      AND h.valid_until OPERATOR(pg_catalog.>) $2)
   AND pm.history_covers($2)
UNION ALL
SELECT h.account_id, 'a', h.program, NULL, NULL, NULL, NULL, NULL, NULL, NULL, h.loan_leverage
  FROM (SELECT DISTINCT ON (h.account_id) h.*
          FROM pm.account_history h
         WHERE h.account_id OPERATOR(pg_catalog.=) $1 AND h.valid_until OPERATOR(pg_catalog.>) $2
         ORDER BY h.account_id, h.valid_until) h
 WHERE h.present AND pm.history_covers($2)
UNION ALL
SELECT r.account_id, 'b', r.asset, NULL, r.cross_free, r.cross_locked, r.cross_borrowed, r.cross_interest,
       r.um_wallet, r.cm_wallet, NULL
  FROM pm.balance r
 WHERE r.account_id OPERATOR(pg_catalog.=) $1
   AND NOT EXISTS (SELECT FROM pm.balance_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.asset OPERATOR(pg_catalog.=) r.asset
                      AND h.valid_until OPERATOR(pg_catalog.>) $2)
   AND pm.history_covers($2)
UNION ALL
SELECT h.account_id, 'b', h.asset, NULL, h.cross_free, h.cross_locked, h.cross_borrowed, h.cross_interest,
       h.um_wallet, h.cm_wallet, NULL
  FROM (SELECT DISTINCT ON (h.asset) h.*
          FROM pm.balance_history h
         WHERE h.account_id OPERATOR(pg_catalog.=) $1 AND h.valid_until OPERATOR(pg_catalog.>) $2
         ORDER BY h.asset, h.valid_until) h
 WHERE h.present AND pm.history_covers($2)
UNION ALL
SELECT r.account_id, 'p', r.symbol, r.side, r.qty, r.entry_price, NULL, NULL, NULL, NULL, r.leverage
  FROM pm."position" r
 WHERE r.account_id OPERATOR(pg_catalog.=) $1
   AND NOT EXISTS (SELECT FROM pm.position_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.symbol OPERATOR(pg_catalog.=) r.symbol
                      AND h.side OPERATOR(pg_catalog.=) r.side AND h.valid_until OPERATOR(pg_catalog.>) $2)
   AND pm.history_covers($2)
UNION ALL
SELECT h.account_id, 'p', h.symbol, h.side, h.qty, h.entry_price, NULL, NULL, NULL, NULL, h.leverage
  FROM (SELECT DISTINCT ON (h.symbol, h.side) h.*
          FROM pm.position_history h
         WHERE h.account_id OPERATOR(pg_catalog.=) $1 AND h.valid_until OPERATOR(pg_catalog.>) $2
         ORDER BY h.symbol, h.side, h.valid_until) h
 WHERE h.present AND pm.history_covers($2)
UNION ALL
SELECT r.account_id, 'o', r.sell_asset, r.buy_asset, r.sell_qty, r.buy_qty, NULL, NULL, NULL, NULL, NULL
  FROM pm.open_order r
 WHERE r.account_id OPERATOR(pg_catalog.=) $1
   AND NOT EXISTS (SELECT FROM pm.open_order_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.order_id OPERATOR(pg_catalog.=) r.order_id
                      AND h.valid_until OPERATOR(pg_catalog.>) $2)
   AND pm.history_covers($2)
UNION ALL
SELECT h.account_id, 'o', h.sell_asset, h.buy_asset, h.sell_qty, h.buy_qty, NULL, NULL, NULL, NULL, NULL
  FROM (SELECT DISTINCT ON (h.order_id) h.*
          FROM pm.open_order_history h
         WHERE h.account_id OPERATOR(pg_catalog.=) $1 AND h.valid_until OPERATOR(pg_catalog.>) $2
         ORDER BY h.order_id, h.valid_until) h
 WHERE h.present AND pm.history_covers($2)
$$;
COMMENT ON FUNCTION pm.ledger_row_at(account_id bigint, at timestamptz) IS
  'one account''s raw rows at a moment, in the form of pm.ledger_row';

-- One account's raw rows now (at NULL) or at a moment: what the functions
-- about one account read, so that each has an as-of twin.  The as-of
-- branch is a function scan (WITH ORDINALITY keeps the planner from
-- inlining it), gated by at: a caller reading now plans and runs only the
-- view, as before.  The same in the four functions after pm.as_of().
CREATE FUNCTION pm.ledger_row_of(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS SETOF pm.ledger_row
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT l.account_id, l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
  FROM pm.ledger_row l
 WHERE l.account_id OPERATOR(pg_catalog.=) $1 AND $2 IS NULL
UNION ALL
SELECT l.account_id, l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
  FROM ROWS FROM (pm.ledger_row_at($1, $2)) WITH ORDINALITY l
 WHERE $2 IS NOT NULL
$$;
COMMENT ON FUNCTION pm.ledger_row_of(account_id bigint, at timestamptz) IS
  'one account''s rows of pm.ledger_row now (at NULL) or as they were at a moment';

-- The moment portfolio_margin.as_of names, NULL when it is empty.  The SQL
-- functions that read reference data themselves (pm.liquidation_price's
-- kinks, the liquidation threshold) read it through the four functions
-- below, and so see what the ledger aggregates see.
CREATE FUNCTION pm.as_of() RETURNS pg_catalog.timestamptz
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT NULLIF(pg_catalog.current_setting('portfolio_margin.as_of', true), '')::pg_catalog.timestamptz
$$;
COMMENT ON FUNCTION pm.as_of() IS
  'the moment portfolio_margin.as_of names, or NULL when it is empty (reference data read as it is now)';

CREATE FUNCTION pm.asset_as_of() RETURNS SETOF pm.asset
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.asset, r.index_price FROM pm.asset r WHERE pm.as_of() IS NULL
UNION ALL
SELECT r.asset, r.index_price FROM ROWS FROM (pm.asset_at(pm.as_of())) WITH ORDINALITY r WHERE pm.as_of() IS NOT NULL
$$;
COMMENT ON FUNCTION pm.asset_as_of() IS
  'the rows of pm.asset as of portfolio_margin.as_of (the table when it is empty)';

CREATE FUNCTION pm.collateral_as_of() RETURNS SETOF pm.collateral
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.program, r.asset, r.schedule FROM pm.collateral r WHERE pm.as_of() IS NULL
UNION ALL
SELECT r.program, r.asset, r.schedule FROM ROWS FROM (pm.collateral_at(pm.as_of())) WITH ORDINALITY r WHERE pm.as_of() IS NOT NULL
$$;
COMMENT ON FUNCTION pm.collateral_as_of() IS
  'the rows of pm.collateral as of portfolio_margin.as_of (the table when it is empty)';

CREATE FUNCTION pm.symbol_as_of() RETURNS SETOF pm.symbol
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.symbol, r.market, r.base_asset, r.settle_asset, r.contract_size, r.mark_price, r.brackets,
       r.position_limit
  FROM pm.symbol r WHERE pm.as_of() IS NULL
UNION ALL
SELECT r.symbol, r.market, r.base_asset, r.settle_asset, r.contract_size, r.mark_price, r.brackets,
       r.position_limit
  FROM ROWS FROM (pm.symbol_at(pm.as_of())) WITH ORDINALITY r WHERE pm.as_of() IS NOT NULL
$$;
COMMENT ON FUNCTION pm.symbol_as_of() IS
  'the rows of pm.symbol as of portfolio_margin.as_of (the table when it is empty)';

CREATE FUNCTION pm.status_threshold_as_of() RETURNS SETOF pm.status_threshold
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.program, r.status, r.uni_mmr_above, r.enabled, r.exit_buffer
  FROM pm.status_threshold r WHERE pm.as_of() IS NULL
UNION ALL
SELECT r.program, r.status, r.uni_mmr_above, r.enabled, r.exit_buffer
  FROM ROWS FROM (pm.status_threshold_at(pm.as_of())) WITH ORDINALITY r WHERE pm.as_of() IS NOT NULL
$$;
COMMENT ON FUNCTION pm.status_threshold_as_of() IS
  'the rows of pm.status_threshold as of portfolio_margin.as_of (the table when it is empty)';

-- pm.check_account for a moment (now when at is NULL): an account the
-- caller may see that did not exist then is an error naming the moment.
CREATE FUNCTION pm.check_account(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prog text;
BEGIN
  IF at IS NULL THEN
    RETURN pm.check_account(check_account.account_id);
  END IF;
  -- under the caller's row-level security, as pm.check_account
  SELECT a.program INTO prog FROM pm.account_at(at) a WHERE a.account_id = check_account.account_id;
  IF NOT FOUND THEN
    IF NOT EXISTS (SELECT FROM pm.account_history h WHERE h.account_id = check_account.account_id) THEN
      PERFORM pm.check_account(check_account.account_id);
    END IF;
    RAISE EXCEPTION 'account % did not exist at %', check_account.account_id, at
      USING ERRCODE = 'undefined_object',
            HINT = 'pm.account_history keeps the moments each account was opened and closed.';
  END IF;
  RETURN prog;
END
$$;
COMMENT ON FUNCTION pm.check_account(account_id bigint, at timestamptz) IS
  'the account''s program at a moment (now when at is NULL); an error (SQLSTATE 42704) when it did not exist then or the caller may not see it';

-- Functions about one account that cannot be valued say why, as an error;
-- for a moment, why it could not be valued then.
CREATE FUNCTION pm.check_valued(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS pg_catalog.bool
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  why text;
BEGIN
  IF at IS NULL THEN
    SELECT r.error INTO why FROM pm.account_risk_of(check_valued.account_id) r;
  ELSE
    SELECT r.error INTO why FROM pm.account_risk_at(check_valued.account_id, at) r;
  END IF;
  IF why IS NOT NULL THEN
    RAISE EXCEPTION 'account % cannot be valued', check_valued.account_id
      USING ERRCODE = 'data_exception', DETAIL = 'Its error: ' || why || '.',
            HINT = 'pm.account_risk''s error column names every account that cannot be valued.';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION pm.check_valued(account_id bigint, at timestamptz) IS
  'true, or an error (SQLSTATE 22000) saying why the account cannot be valued (at a moment, or now when at is NULL)';

-- Functions about one account that cannot be valued say why, as an error
-- (pm.check_valued(account_id, at) with at NULL, in the history section).
CREATE OR REPLACE FUNCTION pm.check_valued(account_id pg_catalog.int8) RETURNS pg_catalog.bool
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN pm.check_valued(check_valued.account_id, NULL);
END
$$;
COMMENT ON FUNCTION pm.check_valued(account_id bigint) IS
  'true, or an error (SQLSTATE 22000) saying why the account cannot be valued';

-- An account's summary under moved prices, from its rows as the caller read
-- them (pm.ledger_row_of): pm.liquidation_price reads an account's rows
-- once, for every price it tries.
CREATE FUNCTION pm.summary_under(rows pm.ledger_row[], assets pg_catalog.text[],
                                 shocks pg_catalog.numeric[], schedules pg_catalog.text[],
                                 OUT program pg_catalog.text, OUT summary pm.margin_summary)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT pg_catalog.min(r.key) FILTER (WHERE r.kind OPERATOR(pg_catalog.=) 'a'),
         pm.account_ledger(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n
                           ORDER BY r.kind OPERATOR(pg_catalog.<>) 's')
    FROM (SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
            FROM pg_catalog.unnest($1) l
          UNION ALL
          SELECT 's', m.asset, m.schedule, m.shock, NULL, NULL, NULL, NULL, NULL, NULL
            FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))
                 AS m(asset, shock, schedule)) r
$$;
COMMENT ON FUNCTION pm.summary_under(rows pm.ledger_row[], assets text[], shocks numeric[], schedules text[], OUT program text, OUT summary pm.margin_summary) IS
  'an account''s program and summary from its ledger rows (as pm.ledger_row_of gives them), with the given assets moved by the given relative price shocks (and collateral schedules replaced where given)';

-- The summary of an account under moved prices, from its rows (the form
-- taking rows, above); an account that does not exist, or that the
-- caller may not see, is pm.check_account's error.
CREATE OR REPLACE FUNCTION pm.summary_under(account_id pg_catalog.int8, assets pg_catalog.text[],
                                            shocks pg_catalog.numeric[], schedules pg_catalog.text[],
                                            OUT program pg_catalog.text, OUT summary pm.margin_summary)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT u.program, u.summary
    FROM pm.summary_under(ARRAY(SELECT l FROM pm.ledger_row l WHERE l.account_id OPERATOR(pg_catalog.=) $1),
                          $2, $3, $4) u
   WHERE pm.check_account($1) IS NOT NULL
$$;
COMMENT ON FUNCTION pm.summary_under(account_id bigint, assets text[], shocks numeric[], schedules text[], OUT program text, OUT summary pm.margin_summary) IS
  'an account''s program and summary with the given assets moved by the given relative price shocks (and collateral schedules replaced where given); SQLSTATE 42704 for an account that does not exist';

-- uniMMR at or below which an account of the program is in liquidation: the
-- lowest threshold of a band that is not a liquidation band (1.05 by
-- default), read as of portfolio_margin.as_of.
CREATE OR REPLACE FUNCTION pm.liquidation_threshold(program pg_catalog.text) RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT pg_catalog.min(t.uni_mmr_above) FROM pm.status_threshold_as_of() t
   WHERE t.program OPERATOR(pg_catalog.=) $1 AND t.enabled
     AND t.status OPERATOR(pg_catalog.<>) ALL (ARRAY['ACTIVE_LIQUIDATION', 'FORCE_LIQUIDATION', 'BANKRUPTED'])
$$;
COMMENT ON FUNCTION pm.liquidation_threshold(program text) IS
  'uniMMR at or below which an account of the program is in liquidation (from pm.status_threshold, as of portfolio_margin.as_of)';

-- What an open order gives up minus what it gets, in PM collateral value,
-- with moved's index price multiplied by m: the open-order loss is this
-- when positive (the kinks of pm.liquidation_price).  Prices and schedules
-- as of portfolio_margin.as_of.
CREATE OR REPLACE FUNCTION pm.order_side_gap(sell_asset pg_catalog.text, sell_qty pg_catalog.numeric,
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
            FROM pm.asset_as_of() sa, pm.asset_as_of() ba
           WHERE sa.asset OPERATOR(pg_catalog.=) $1 AND ba.asset OPERATOR(pg_catalog.=) $3) v
    LEFT JOIN pm.collateral_as_of() cs ON cs.program OPERATOR(pg_catalog.=) 'PM' AND cs.asset OPERATOR(pg_catalog.=) $1
    LEFT JOIN pm.collateral_as_of() cb ON cb.program OPERATOR(pg_catalog.=) 'PM' AND cb.asset OPERATOR(pg_catalog.=) $3
$$;
COMMENT ON FUNCTION pm.order_side_gap(sell_asset text, sell_qty numeric, buy_asset text, buy_qty numeric, moved text, m numeric) IS
  'PM collateral value an open order gives up minus what it gets, USD, with one asset''s price multiplied by m (prices and schedules as of portfolio_margin.as_of)';

-- g(m) of pm.liquidation_gap and which side of the liquidation threshold the
-- account is on there: -1 in liquidation (g < 0, or g = 0 with maintenance
-- margin: uniMMR at the threshold), 1 outside it (g > 0, or g = 0 without
-- maintenance margin: uniMMR NULL and adjusted equity 0, which is NORMAL);
-- from the account's rows as the caller read them.  A set of one row, so
-- that pm.liquidation_price's statements inline it and keep their plans.
CREATE FUNCTION pm.liquidation_side(rows pm.ledger_row[], asset pg_catalog.text,
                                    m pg_catalog.numeric, threshold pg_catalog.numeric,
                                    OUT gap pg_catalog.numeric, OUT side pg_catalog.int4)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT g.gap,
         CASE WHEN g.gap OPERATOR(pg_catalog.<) 0 THEN -1
              WHEN g.gap OPERATOR(pg_catalog.>) 0 THEN 1
              WHEN g.mm OPERATOR(pg_catalog.>) 0 THEN -1
              ELSE 1 END
    FROM (SELECT pm.adjusted_equity(u.summary) OPERATOR(pg_catalog.-)
                 ($4 OPERATOR(pg_catalog.*) pm.maint_margin(u.summary)) AS gap,
                 pm.maint_margin(u.summary) AS mm
            FROM pm.summary_under($1, ARRAY[$2], ARRAY[$3 OPERATOR(pg_catalog.-) 1],
                                  ARRAY[NULL::pg_catalog.text]) u) g
$$;
COMMENT ON FUNCTION pm.liquidation_side(rows pm.ledger_row[], asset text, m numeric, threshold numeric, OUT gap numeric, OUT side integer) IS
  'pm.liquidation_side from an account''s ledger rows (as pm.ledger_row_of gives them)';

-- The same for an account, from its rows now; an account that does not
-- exist, or that the caller may not see, is pm.check_account's error.
CREATE OR REPLACE FUNCTION pm.liquidation_side(account_id pg_catalog.int8, asset pg_catalog.text,
                                    m pg_catalog.numeric, threshold pg_catalog.numeric,
                                    OUT gap pg_catalog.numeric, OUT side pg_catalog.int4)
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT l.gap, l.side
    FROM pm.liquidation_side(ARRAY(SELECT r FROM pm.ledger_row r WHERE r.account_id OPERATOR(pg_catalog.=) $1),
                             $2, $3, $4) l
   WHERE pm.check_account($1) IS NOT NULL
$$;
COMMENT ON FUNCTION pm.liquidation_side(account_id bigint, asset text, m numeric, threshold numeric, OUT gap numeric, OUT side integer) IS
  'pm.liquidation_gap with asset''s prices multiplied by m, and -1 when the account is in liquidation there (gap < 0, or gap = 0 with maintenance margin), 1 when it is not';

-- pm.account_risk's row of an account under a scenario, from the same
-- aggregates as the view (scenario rows first), its error included: from
-- its rows at a moment (now when at is NULL), with the reference data as
-- of portfolio_margin.as_of.  pm.stress and pm.stress_at call it.
CREATE FUNCTION pm.stress_at_or_now(account_id pg_catalog.int8, scenario pg_catalog.text,
                                    at pg_catalog.timestamptz)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  result pm.account_risk;
BEGIN
  IF NOT EXISTS (SELECT FROM pm.scenario s WHERE s.scenario = stress_at_or_now.scenario) THEN
    RAISE EXCEPTION 'scenario "%" does not exist', pm.excerpt(stress_at_or_now.scenario)
      USING ERRCODE = 'undefined_object', HINT = 'The scenarios are the rows of pm.scenario.';
  END IF;
  SELECT stress_at_or_now.account_id,
         pm.ledger_risk_program(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_uni_mmr(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_account_equity(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_actual_equity(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_account_initial_margin(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_account_maint_margin(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_account_status(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_virtual_max_withdraw_amount(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_total_available_balance(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_total_margin_open_loss(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_error(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's')
    INTO result
    FROM (SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
            FROM pm.ledger_row_of(stress_at_or_now.account_id, at) l
          UNION ALL
          SELECT 's', s.asset, s.collateral::text, s.price_shock, NULL, NULL, NULL, NULL, NULL, NULL
            FROM pm.scenario s WHERE s.scenario = stress_at_or_now.scenario) r;
  -- no account row: an account that does not exist (then), or that the
  -- caller may not see
  IF result.program IS NULL THEN
    PERFORM pm.check_account(stress_at_or_now.account_id, at);
  END IF;
  RETURN result;
END
$$;
COMMENT ON FUNCTION pm.stress_at_or_now(account_id bigint, scenario text, at timestamptz) IS
  'pm.stress from the account''s rows at a moment (now when at is NULL) and the reference data as of portfolio_margin.as_of (pm.stress and pm.stress_at call it)';

CREATE OR REPLACE FUNCTION pm.stress(account_id pg_catalog.int8, scenario pg_catalog.text)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN pm.stress_at_or_now(stress.account_id, stress.scenario, NULL);
END
$$;
COMMENT ON FUNCTION pm.stress(account_id bigint, scenario text) IS
  'the account''s pm.account_risk row under a scenario of pm.scenario: prices moved, PnL, brackets and tiers re-evaluated';

-- pm.liquidation_price from the account's rows at a moment (now when at is
-- NULL), with the prices, brackets, schedules and thresholds as of
-- portfolio_margin.as_of (pm.liquidation_price and pm.liquidation_price_at
-- call it).
CREATE FUNCTION pm.liquidation_price_at_or_now(account_id pg_catalog.int8, asset pg_catalog.text,
                                               at pg_catalog.timestamptz,
                                               OUT below pg_catalog.numeric, OUT above pg_catalog.numeric)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  acct CONSTANT int8 := liquidation_price_at_or_now.account_id;
  x CONSTANT text := liquidation_price_at_or_now.asset;
  prog text;
  p0 numeric;
  thr numeric;
  s1 pm.margin_summary;
  s2 pm.margin_summary;
  orders pm.open_order[];
  rows pm.ledger_row[];
  kinks numeric[];
  pts numeric[];
  m0 numeric;
  m1 numeric;
  g0 numeric;
  g1 numeric;
  root numeric;
  dir int;
  side0 int;
  side1 int;
  sidea int;
  ma numeric;
  mb numeric;
  ga numeric;
  gb numeric;
BEGIN
  PERFORM pm.check_account(acct, at);
  SELECT a.index_price INTO p0 FROM pm.asset_as_of() a WHERE a.asset = x;
  IF p0 IS NULL THEN
    RAISE EXCEPTION 'asset % has no index price in pm.asset', x USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- the account's rows, read once for every price tried
  rows := ARRAY(SELECT l FROM pm.ledger_row_of(acct, at) l);
  SELECT u.program, u.summary INTO prog, s1 FROM pm.summary_under(rows, '{}', '{}', '{}') u;
  IF s1 IS NULL THEN
    PERFORM pm.check_valued(acct, at);
  END IF;
  thr := pm.liquidation_threshold(prog);
  -- the account's open orders selling or buying the asset
  SELECT coalesce(array_agg(ROW(acct, NULL, l.key, l.a, l.key2, l.b)::pm.open_order), '{}') INTO orders
    FROM unnest(rows) l
   WHERE l.kind = 'o' AND x IN (l.key, l.key2);
  SELECT u.summary INTO s2 FROM pm.summary_under(rows, ARRAY[x], ARRAY[1::numeric], ARRAY[NULL::text]) u;

  -- the kinks of g, as multipliers m > 0
  SELECT array_agg(DISTINCT k.m ORDER BY k.m) INTO kinks
    FROM (
      -- each asset's value is linear in m: V(m) = alpha + beta m; its
      -- collateral value bends where V crosses 0 and each tier floor
      SELECT pm.div(fl.floor - (a1.value_usd - (a2.value_usd - a1.value_usd)), a2.value_usd - a1.value_usd) AS m
        FROM pm.assets(s1) a1
        JOIN pm.assets(s2) a2 ON a2.asset = a1.asset
        LEFT JOIN pm.collateral_as_of() c ON c.program = prog AND c.asset = a1.asset
       CROSS JOIN LATERAL (SELECT 0::numeric AS floor
                           UNION SELECT t.floor FROM pm.tiers_table(c.schedule) t) fl
       WHERE a2.value_usd <> a1.value_usd
      UNION ALL
      -- each position on a symbol based on the asset bends at its brackets
      SELECT CASE WHEN s.market = 'UM' THEN pm.div(t.floor, abs(p.qty) * s.mark_price)
                  ELSE pm.div(abs(p.qty) * s.contract_size, s.mark_price * t.floor) END
        FROM (SELECT l.key AS symbol, l.a AS qty FROM unnest(rows) l WHERE l.kind = 'p') p
        JOIN pm.symbol_as_of() s ON s.symbol = p.symbol
       CROSS JOIN LATERAL pm.tiers_table(s.brackets) t
       WHERE s.base_asset = x AND p.qty <> 0 AND t.floor > 0
      UNION ALL
      -- open orders (PM) selling or buying the asset bend at their tiers
      SELECT pm.div(t.floor, CASE WHEN o.sell_asset = x THEN o.sell_qty ELSE o.buy_qty END * p0)
        FROM unnest(orders) o
        JOIN pm.collateral_as_of() c ON c.program = 'PM' AND c.asset = x
       CROSS JOIN LATERAL pm.tiers_table(c.schedule) t
       WHERE prog = 'PM' AND t.floor > 0
    ) k
   WHERE k.m > 0;

  -- open-order loss bends where an order's two sides are worth the same:
  -- between consecutive kinks (and past the last one) each side is linear,
  -- so each such zero is found on its piece
  IF prog = 'PM' AND orders <> '{}' THEN
    pts := array_prepend(0::numeric, coalesce(kinks, '{}'));
    pts := array_append(pts, greatest(2 * pts[array_length(pts, 1)], 1));
    SELECT array_agg(DISTINCT z.m ORDER BY z.m) INTO kinks
      FROM (SELECT unnest(kinks) AS m
            UNION ALL
            SELECT d.m0 + pm.div((d.m1 - d.m0) * d.d0, d.d0 - d.d1)
              FROM (SELECT seg.m0, seg.m1, seg.last,
                           pm.order_side_gap(o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, x, seg.m0) AS d0,
                           pm.order_side_gap(o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, x, seg.m1) AS d1
                      FROM unnest(orders) o,
                           LATERAL (SELECT pts[j] AS m0, pts[j + 1] AS m1,
                                           j = array_length(pts, 1) - 1 AS last
                                      FROM generate_series(1, array_length(pts, 1) - 1) j) seg) d
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
    -- the first change of side along the points (pm.liquidation_side: in
    -- liquidation or not; g = 0 without maintenance margin is not).  g is
    -- linear between two points, so the crossing is exact
    root := NULL;
    m0 := pts[1];
    SELECT l.gap, l.side INTO g0, side0 FROM pm.liquidation_side(rows, x, m0, thr) l;
    FOR i IN 2 .. array_length(pts, 1) LOOP
      m1 := pts[i];
      SELECT l.gap, l.side INTO g1, side1 FROM pm.liquidation_side(rows, x, m1, thr) l;
      IF side1 <> side0 THEN
        -- g is linear between two kinks, but a kink computed to 20 digits
        -- can land a hair past the true one, where g has already turned
        -- (from 0 to negative, say): the line through two points inside
        -- the piece is the true one
        ma := m0 + pm.div(m1 - m0, 3);
        mb := m1 - pm.div(m1 - m0, 3);
        SELECT l.gap, l.side INTO ga, sidea FROM pm.liquidation_side(rows, x, ma, thr) l;
        SELECT l.gap INTO gb FROM pm.liquidation_side(rows, x, mb, thr) l;
        IF ga = gb THEN
          -- constant inside: the side changes at the end that differs
          root := CASE WHEN sidea = side0 THEN m1 ELSE m0 END;
        ELSE
          root := ma + pm.div((mb - ma) * ga, ga - gb);
          root := greatest(least(root, greatest(m0, m1)), least(m0, m1));
        END IF;
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
      side0 := side1;
    END LOOP;
    IF dir < 0 THEN
      below := trim_scale(p0 * root);
    ELSE
      above := trim_scale(p0 * root);
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION pm.liquidation_price_at_or_now(account_id bigint, asset text, at timestamp with time zone, OUT below numeric, OUT above numeric) IS
  'pm.liquidation_price from the account''s rows at a moment (now when at is NULL) and the reference data as of portfolio_margin.as_of (pm.liquidation_price and pm.liquidation_price_at call it)';

CREATE OR REPLACE FUNCTION pm.liquidation_price(account_id pg_catalog.int8, asset pg_catalog.text,
                                     OUT below pg_catalog.numeric, OUT above pg_catalog.numeric)
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  SELECT l.below, l.above INTO below, above
    FROM pm.liquidation_price_at_or_now(liquidation_price.account_id, liquidation_price.asset, NULL) l;
END
$$;
COMMENT ON FUNCTION pm.liquidation_price(account_id bigint, asset text, OUT below numeric, OUT above numeric) IS
  'the nearest prices of asset, below and above the current one (its index and the marks on it moving together), at which the account enters or leaves liquidation at its program''s threshold; NULL where no positive price does';

CREATE OR REPLACE FUNCTION pm.account_risk_at(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS SETOF pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED ROWS 1
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
BEGIN
  PERFORM pm.history_covers(at);
  PERFORM set_config('portfolio_margin.as_of', pm.as_of_setting(at), true);
  RETURN QUERY
  SELECT l.account_id,
         pm.ledger_risk_program(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS program,
         pm.ledger_risk_uni_mmr(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS uni_mmr,
         pm.ledger_risk_account_equity(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS account_equity,
         pm.ledger_risk_actual_equity(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS actual_equity,
         pm.ledger_risk_account_initial_margin(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS account_initial_margin,
         pm.ledger_risk_account_maint_margin(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS account_maint_margin,
         pm.ledger_risk_account_status(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS account_status,
         pm.ledger_risk_virtual_max_withdraw_amount(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS virtual_max_withdraw_amount,
         pm.ledger_risk_total_available_balance(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS total_available_balance,
         pm.ledger_risk_total_margin_open_loss(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS total_margin_open_loss,
         pm.ledger_risk_error(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS error
    FROM pm.ledger_row_at(account_risk_at.account_id, at) l
   GROUP BY l.account_id;
  -- no row: an account that did not exist then, or one the caller may not see
  IF NOT FOUND AND NOT EXISTS (SELECT FROM pm.account_history h
                                WHERE h.account_id OPERATOR(pg_catalog.=) account_risk_at.account_id) THEN
    PERFORM pm.check_account(account_risk_at.account_id);
  END IF;
END
$$;
COMMENT ON FUNCTION pm.account_risk_at(account_id bigint, at timestamptz) IS
  'one account''s row of pm.account_risk as it was at a moment; no row if the account did not exist then';

CREATE OR REPLACE FUNCTION pm.asset_equity_at(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS SETOF pm.asset_equity
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED ROWS 8
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
BEGIN
  PERFORM pm.history_covers(at);
  PERFORM set_config('portfolio_margin.as_of', pm.as_of_setting(at), true);
  RETURN QUERY
  SELECT m.account_id, a.asset, a.equity, a.index_price, a.value_usd, a.collateral_value_usd,
         a.maint_margin, a.maint_margin_usd, a.initial_margin_usd, a.open_loss_usd, m.error
    FROM (SELECT l.account_id,
                 pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS summary,
                 pm.ledger_risk_error(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS error
            FROM pm.ledger_row_at(asset_equity_at.account_id, at) l
           GROUP BY l.account_id) m
    LEFT JOIN LATERAL pm.assets(m.summary)
           AS a(asset, equity, index_price, value_usd, collateral_value_usd, maint_margin,
                maint_margin_usd, initial_margin_usd, open_loss_usd) ON true;
  IF NOT FOUND AND NOT EXISTS (SELECT FROM pm.account_history h
                                WHERE h.account_id OPERATOR(pg_catalog.=) asset_equity_at.account_id) THEN
    PERFORM pm.check_account(asset_equity_at.account_id);
  END IF;
END
$$;
COMMENT ON FUNCTION pm.asset_equity_at(account_id bigint, at timestamptz) IS
  'one account''s rows of pm.asset_equity as they were at a moment, to replay a liquidation asset by asset';

-- A scenario's valuation of an account as it was at a moment: its rows and
-- the reference data then, moved by the scenario as pm.scenario defines it
-- now (scenarios are questions asked of the book, not inputs of its risk,
-- and keep no history).
CREATE FUNCTION pm.stress_at(account_id pg_catalog.int8, scenario pg_catalog.text, at pg_catalog.timestamptz)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
BEGIN
  PERFORM pm.history_covers(at);
  PERFORM set_config('portfolio_margin.as_of', pm.as_of_setting(at), true);
  RETURN pm.stress_at_or_now(stress_at.account_id, stress_at.scenario, at);
END
$$;
COMMENT ON FUNCTION pm.stress_at(account_id bigint, scenario text, at timestamptz) IS
  'pm.stress as it was at a moment: the account''s rows and the reference data then, moved by the scenario as pm.scenario defines it now';

-- The liquidation prices an account had at a moment: from its rows and the
-- prices, brackets, schedules and thresholds of then, the prices of then
-- moved.
CREATE FUNCTION pm.liquidation_price_at(account_id pg_catalog.int8, asset pg_catalog.text, at pg_catalog.timestamptz,
                                        OUT below pg_catalog.numeric, OUT above pg_catalog.numeric)
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
BEGIN
  PERFORM pm.history_covers(at);
  PERFORM set_config('portfolio_margin.as_of', pm.as_of_setting(at), true);
  SELECT l.below, l.above INTO below, above
    FROM pm.liquidation_price_at_or_now(liquidation_price_at.account_id, liquidation_price_at.asset, at) l;
END
$$;
COMMENT ON FUNCTION pm.liquidation_price_at(account_id bigint, asset text, at timestamptz, OUT below numeric, OUT above numeric) IS
  'pm.liquidation_price as it was at a moment: the nearest prices of asset, below and above the price of then, at which the account as it was then entered or left liquidation';

------------------------------------------------------------------------------
-- The stress grid in one pass
------------------------------------------------------------------------------

-- The whole grid from one read of each account's rows (src/ledger_stress.c):
-- pm.ledger_stress keeps an account's ledger as pm.ledger_totals does and
-- values it once per scenario, each time as pm.stress does, giving the
-- rows in the order of pm.stress_scenarios(); a scenario that moves none of
-- the account's assets gives its row without a scenario, valued once.
CREATE FUNCTION pm.stress_scenarios() RETURNS pg_catalog.text[]
  AS 'MODULE_PATHNAME', 'pm_stress_scenarios'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.stress_scenarios() IS
  'the names of the scenarios of pm.scenario in the order of pm.ledger_stress''s elements (by name, in the "C" collation)';

-- Reads pm.scenario and the reference tables (STABLE).
CREATE FUNCTION pm.ledger_stress_final(pg_catalog.internal) RETURNS pm.ledger_risk[]
  AS 'MODULE_PATHNAME', 'pm_ledger_stress_final'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.ledger_stress_final(internal) IS
  'final of pm.ledger_stress: the account''s pm.ledger_risk under each scenario, in the order of pm.stress_scenarios()';

-- The state, transition, combine and serialization are pm.ledger_totals':
-- balances and orders as parsed, positions kept as they are.  SSPACE as in
-- pm.account_ledger: a hint that keeps the grouping sorted.
CREATE AGGREGATE pm.ledger_stress(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                  n pg_catalog.int4) (
  SFUNC = pm.ledger_totals_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_stress_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_totals_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_stress(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s pm.ledger_risk under every scenario of pm.scenario, from one read of its ledger rows, in the order of pm.stress_scenarios()';

-- Every account under every scenario; an account that cannot be valued
-- under a scenario has NULL fields and error says why.  In the two ranges
-- of pm.account_risk, so that a parallel plan values each in a process of
-- its own.
CREATE OR REPLACE VIEW pm.stress_result AS
SELECT g.account_id, x.scenario, x.program, x.uni_mmr, x.account_equity, x.actual_equity,
       x.account_initial_margin, x.account_maint_margin, x.account_status,
       x.virtual_max_withdraw_amount, x.total_available_balance, x.total_margin_open_loss, x.error
  FROM (SELECT l.account_id,
               pm.ledger_stress(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS risks
          FROM pm.ledger_row l
         WHERE pm.account_risk_range(l.account_id, false)
         GROUP BY l.account_id
        UNION ALL
        SELECT l.account_id,
               pm.ledger_stress(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS risks
          FROM pm.ledger_row l
         WHERE pm.account_risk_range(l.account_id, true)
         GROUP BY l.account_id) g
 CROSS JOIN (SELECT pm.stress_scenarios() AS names) n
 CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(n.names), pg_catalog.unnest(g.risks))
       AS x(scenario, program, uni_mmr, account_equity, actual_equity, account_initial_margin,
            account_maint_margin, account_status, virtual_max_withdraw_amount,
            total_available_balance, total_margin_open_loss, error);
COMMENT ON VIEW pm.stress_result IS
  'pm.account_risk of every account under every scenario of pm.scenario';

-- the view runs with the reader's rights, as the install script sets it
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.stress_result SET (security_invoker = true);
  END IF;
END
$$;
