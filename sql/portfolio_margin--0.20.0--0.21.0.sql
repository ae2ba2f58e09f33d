------------------------------------------------------------------------------
-- portfolio_margin 0.20.0 -> 0.21.0: the liquidation prices of the whole
-- book, and its ladder.
--
-- * pm.liquidation_prices(asset): every account's liquidation prices of an
--   asset, below and above, as pm.liquidation_price gives them, from one
--   read of each account's rows: the aggregate pm.ledger_partial keeps the
--   account's ledger and gives it as bytes (its partial state), and
--   pm.liquidation_price_of(ledger, asset) (src/ledger_liquidation.c) runs
--   pm.liquidation_price's algorithm over it, one valuation per point tried.
-- * pm.liquidation_ladder(asset, step): per price step on each side, the
--   accounts that enter liquidation there, their equity and maintenance
--   margin, and running totals.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.21.0'" to load this file. \quit

-- The liquidation prices of the whole book for one asset (src/ledger_liquidation.c):
-- pm.ledger_partial keeps each account's ledger as pm.ledger_stress does and
-- gives it as bytes, and pm.liquidation_price_of runs pm.liquidation_price's
-- algorithm over them, one valuation per point tried instead of a query.
CREATE AGGREGATE pm.ledger_partial(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                   a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                   d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                   n pg_catalog.int4) (
  SFUNC = pm.ledger_totals_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_serialize,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_totals_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_partial(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s ledger as the ledger aggregates keep it (account row, balances, orders, positions as they are), as the bytes of their partial state, for pm.liquidation_price_of';

-- Reads the reference tables and the thresholds (STABLE).
CREATE FUNCTION pm.liquidation_price_of(ledger pg_catalog.bytea, asset pg_catalog.text,
                                        OUT program pg_catalog.text, OUT uni_mmr pg_catalog.numeric,
                                        OUT account_equity pg_catalog.numeric,
                                        OUT account_maint_margin pg_catalog.numeric,
                                        OUT below pg_catalog.numeric, OUT above pg_catalog.numeric,
                                        OUT error pg_catalog.text)
  AS 'MODULE_PATHNAME', 'pm_liquidation_price_of'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.liquidation_price_of(ledger bytea, asset text, OUT program text, OUT uni_mmr numeric, OUT account_equity numeric, OUT account_maint_margin numeric, OUT below numeric, OUT above numeric, OUT error text) IS
  'from an account''s pm.ledger_partial: its program, uni_mmr, account_equity and account_maint_margin as pm.account_risk gives them and its liquidation prices of asset as pm.liquidation_price gives them; an account that cannot be valued has its program and error only';

-- Every account's liquidation prices for one asset, from one read of each
-- account's rows, in pm.account_risk's two account ranges (so that a
-- parallel plan values each in a process of its own).  Not STRICT, so that
-- the planner inlines it: LIMIT and a filter on account_id then read only
-- what they need (a NULL asset gives no rows).
CREATE FUNCTION pm.liquidation_prices(asset pg_catalog.text)
  RETURNS TABLE (account_id pg_catalog.int8, program pg_catalog.text, uni_mmr pg_catalog.numeric,
                 account_equity pg_catalog.numeric, account_maint_margin pg_catalog.numeric,
                 below pg_catalog.numeric, above pg_catalog.numeric, error pg_catalog.text)
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 10000
AS $$
  SELECT g.account_id, x.program, x.uni_mmr, x.account_equity, x.account_maint_margin,
         x.below, x.above, x.error
    FROM (SELECT l.account_id,
                 pm.ledger_partial(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS ledger
            FROM pm.ledger_row l
           WHERE pm.account_risk_range(l.account_id, false)
           GROUP BY l.account_id
          UNION ALL
          SELECT l.account_id,
                 pm.ledger_partial(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS ledger
            FROM pm.ledger_row l
           WHERE pm.account_risk_range(l.account_id, true)
           GROUP BY l.account_id) g
   CROSS JOIN LATERAL pm.liquidation_price_of(g.ledger, $1) x
   WHERE $1 IS NOT NULL
$$;
COMMENT ON FUNCTION pm.liquidation_prices(asset text) IS
  'every account''s pm.account_risk figures and its liquidation prices of asset below and above the current one, as pm.liquidation_price gives them, from one read of each account''s rows; an account that cannot be valued has NULL prices and error says why';

-- The ladder: how many accounts, how much equity and maintenance margin
-- liquidate in each price step of the asset, walking away from its index
-- price on each side.
CREATE FUNCTION pm.liquidation_ladder(asset pg_catalog.text, step pg_catalog.numeric)
  RETURNS TABLE (side pg_catalog.text, price_from pg_catalog.numeric, price_to pg_catalog.numeric,
                 accounts pg_catalog.int8, account_equity pg_catalog.numeric,
                 account_maint_margin pg_catalog.numeric, accounts_total pg_catalog.int8,
                 account_equity_total pg_catalog.numeric)
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT pm.finite(step) OR step <= 0 THEN
    RAISE EXCEPTION 'step must be a positive price'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The ladder groups liquidation prices in steps of this width.';
  END IF;
  RETURN QUERY
  WITH p AS (
    -- each account once on each side it has a price on
    SELECT l.account_equity, l.account_maint_margin, s.side,
           floor(s.price / step) * step AS price_from
      FROM pm.liquidation_prices(asset) l
     CROSS JOIN LATERAL (VALUES ('below', l.below), ('above', l.above)) s(side, price)
     WHERE s.price IS NOT NULL
  ), b AS (
    SELECT p.side, p.price_from, count(*) AS accounts, sum(p.account_equity) AS account_equity,
           sum(p.account_maint_margin) AS account_maint_margin
      FROM p GROUP BY p.side, p.price_from
  )
  SELECT b.side, b.price_from, b.price_from + step, b.accounts, b.account_equity,
         b.account_maint_margin,
         (sum(b.accounts) OVER w)::int8,
         sum(b.account_equity) OVER w
    FROM b
  WINDOW w AS (PARTITION BY b.side
               ORDER BY CASE WHEN b.side = 'below' THEN -b.price_from ELSE b.price_from END)
   ORDER BY b.side DESC, CASE WHEN b.side = 'below' THEN -b.price_from ELSE b.price_from END;
END
$$;
COMMENT ON FUNCTION pm.liquidation_ladder(asset text, step numeric) IS
  'where the book breaks: per step of asset''s price, below and above the current one, the accounts that enter liquidation there, their account equity and maintenance margin now, and the running totals walking away from the current price';
