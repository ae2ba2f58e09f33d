------------------------------------------------------------------------------
-- portfolio_margin 0.17.0 -> 0.18.0: risk over one's own tables.
--
-- * pm.ledger_entry and its constructors pm.account_entry,
--   pm.balance_entry, pm.position_entry and pm.order_entry: a ledger row
--   without its account, with arguments named for what they are.
-- * pm.account_ledger_risk(pm.ledger_entry) and
--   pm.account_ledger(pm.ledger_entry): an account's risk fields, or its
--   summary, from its entries, grouped by account; the ledger merge node
--   runs them as it runs pm.account_risk.
-- * The ledger aggregates now hold rows to what our tables' CHECKs hold
--   theirs to (library change, no SQL): a program other than PM or
--   PM_PRO, negative cross amounts, non-positive entry prices or order
--   quantities, leverage outside 1 to 125 and amounts out of range make the
--   account one that cannot be valued, instead of a number.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.18.0'" to load this file. \quit

-- Answers the planner nothing, but loads the library while a query with a
-- ledger aggregate is planned, so the ledger merge node's planner hook is
-- there for a session's first such query (src/ledger_merge_plan.c).
CREATE FUNCTION pm.ledger_sfunc_support(pg_catalog.internal) RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_sfunc_support'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.ledger_sfunc_support(internal) IS
  'planner support of the ledger aggregates'' transitions: answers no request; calling it loads the library, and with it the ledger merge node, before the grouping is planned';
ALTER FUNCTION pm.ledger_sfunc(pg_catalog.internal, pg_catalog."char", pg_catalog.text, pg_catalog.text,
                               pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                               pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                               pg_catalog.int4)
  SUPPORT pm.ledger_sfunc_support;

-- Ledger entries: a ledger row without its account, built by constructors
-- whose arguments are named for what they are, so that risk over one's own
-- tables reads as it means.  The constructors are plain SQL (no SET, no
-- STRICT) so that the planner inlines them into a row expression, which
-- the ledger merge node reads column by column without forming the entry.
CREATE TYPE pm.ledger_entry AS (
  kind pg_catalog."char",
  key pg_catalog.text,
  key2 pg_catalog.text,
  a pg_catalog.numeric,
  b pg_catalog.numeric,
  c pg_catalog.numeric,
  d pg_catalog.numeric,
  e pg_catalog.numeric,
  f pg_catalog.numeric,
  n pg_catalog.int4
);
COMMENT ON TYPE pm.ledger_entry IS
  'one ledger row without its account (the columns of pm.ledger_row but account_id), as pm.account_entry, pm.balance_entry, pm.position_entry and pm.order_entry build it; pm.account_ledger_risk and pm.account_ledger take it';
COMMENT ON COLUMN pm.ledger_entry.kind IS 'a account, b balance, p position, o open order';
COMMENT ON COLUMN pm.ledger_entry.key IS 'program (a), asset (b), symbol (p), asset sold (o)';
COMMENT ON COLUMN pm.ledger_entry.key2 IS 'asset bought (o)';
COMMENT ON COLUMN pm.ledger_entry.a IS 'cross free (b), qty (p), quantity sold (o)';
COMMENT ON COLUMN pm.ledger_entry.b IS 'cross locked (b), entry price (p), quantity bought (o)';
COMMENT ON COLUMN pm.ledger_entry.c IS 'cross borrowed (b)';
COMMENT ON COLUMN pm.ledger_entry.d IS 'cross interest (b)';
COMMENT ON COLUMN pm.ledger_entry.e IS 'UM wallet (b)';
COMMENT ON COLUMN pm.ledger_entry.f IS 'CM wallet (b)';
COMMENT ON COLUMN pm.ledger_entry.n IS 'loan leverage (a), position leverage (p)';

CREATE FUNCTION pm.account_entry(program pg_catalog.text, loan_leverage pg_catalog.int4 DEFAULT 3)
  RETURNS pm.ledger_entry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW('a'::pg_catalog."char", $1, NULL::pg_catalog.text,
             NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
             NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
             $2)::pm.ledger_entry
$$;
COMMENT ON FUNCTION pm.account_entry(program text, loan_leverage integer) IS
  'the ledger entry of an account: its program (PM or PM_PRO) and loan leverage (a row of pm.loan_mmr), as pm.account holds them';

CREATE FUNCTION pm.balance_entry(asset pg_catalog.text,
                                 cross_free pg_catalog.numeric DEFAULT 0,
                                 cross_locked pg_catalog.numeric DEFAULT 0,
                                 cross_borrowed pg_catalog.numeric DEFAULT 0,
                                 cross_interest pg_catalog.numeric DEFAULT 0,
                                 um_wallet pg_catalog.numeric DEFAULT 0,
                                 cm_wallet pg_catalog.numeric DEFAULT 0)
  RETURNS pm.ledger_entry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW('b'::pg_catalog."char", $1, NULL::pg_catalog.text, $2, $3, $4, $5, $6, $7,
             NULL::pg_catalog.int4)::pm.ledger_entry
$$;
COMMENT ON FUNCTION pm.balance_entry(asset text, cross_free numeric, cross_locked numeric, cross_borrowed numeric, cross_interest numeric, um_wallet numeric, cm_wallet numeric) IS
  'the ledger entry of a balance: one asset''s six amounts, as pm.balance holds them (the four cross amounts zero or more; amounts left out are 0)';

CREATE FUNCTION pm.position_entry(symbol pg_catalog.text, qty pg_catalog.numeric,
                                  entry_price pg_catalog.numeric, leverage pg_catalog.int4 DEFAULT 20)
  RETURNS pm.ledger_entry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW('p'::pg_catalog."char", $1, NULL::pg_catalog.text, $2, $3,
             NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
             NULL::pg_catalog.numeric, $4)::pm.ledger_entry
$$;
COMMENT ON FUNCTION pm.position_entry(symbol text, qty numeric, entry_price numeric, leverage integer) IS
  'the ledger entry of a futures position: a symbol of pm.symbol, the signed quantity in contracts (negative short), the entry price (positive) and the leverage (1 to 125), as pm.position holds them';

CREATE FUNCTION pm.order_entry(sell_asset pg_catalog.text, sell_qty pg_catalog.numeric,
                               buy_asset pg_catalog.text, buy_qty pg_catalog.numeric)
  RETURNS pm.ledger_entry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW('o'::pg_catalog."char", $1, $3, $2, $4,
             NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
             NULL::pg_catalog.numeric, NULL::pg_catalog.int4)::pm.ledger_entry
$$;
COMMENT ON FUNCTION pm.order_entry(sell_asset text, sell_qty numeric, buy_asset text, buy_qty numeric) IS
  'the ledger entry of an open margin order: what it sells and what it buys, both quantities positive, as pm.open_order holds them (PM counts its open loss)';

-- Reads the reference tables, as pm.ledger_sfunc does.
CREATE FUNCTION pm.ledger_entry_sfunc(pg_catalog.internal, pm.ledger_entry)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_entry_sfunc'
  LANGUAGE C STABLE PARALLEL SAFE COST 10
  SUPPORT pm.ledger_sfunc_support;

-- SSPACE, a planner hint as pm.account_ledger's, is larger here: over
-- one's own tables (a UNION ALL without statistics, estimated at 200
-- accounts) the planner with workers allowed picked a partial hash
-- aggregate per worker, which spilled 321 batches and took 2,762 ms where
-- the serial plan took 1,873 ms at 200,000 accounts.  Declared at 64 MB,
-- the hash table it expects is far beyond memory, and it plans the sorted
-- paths: the ledger merge node, or a partial aggregate over sorted input.
CREATE AGGREGATE pm.account_ledger_risk(entry pm.ledger_entry) (
  SFUNC = pm.ledger_entry_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 67108864,
  FINALFUNC = pm.ledger_risk_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger_risk(entry pm.ledger_entry) IS
  'an account''s program and pm.account_risk fields from its ledger entries (group by account; a NULL entry is no row); what pm.account_ledger_risk gives over the same rows of pm.ledger_row';

-- SSPACE as pm.account_ledger_risk's over entries.
CREATE AGGREGATE pm.account_ledger(entry pm.ledger_entry) (
  SFUNC = pm.ledger_entry_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 67108864,
  FINALFUNC = pm.ledger_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger(entry pm.ledger_entry) IS
  'an account''s summary from its ledger entries (group by account; a NULL entry is no row); what pm.account_ledger gives over the same rows of pm.ledger_row';


-- pm.liquidation_price for a view over many accounts: an account that
-- cannot be valued gives its error instead of stopping the read.
CREATE FUNCTION pm.liquidation_price_or_error(account_id pg_catalog.int8, asset pg_catalog.text,
                                              OUT below pg_catalog.numeric, OUT above pg_catalog.numeric,
                                              OUT error pg_catalog.text)
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  why text;
BEGIN
  SELECT l.below, l.above INTO below, above
    FROM pm.liquidation_price(liquidation_price_or_error.account_id, liquidation_price_or_error.asset) l;
EXCEPTION WHEN data_exception THEN
  -- pm.check_valued's detail carries the account's error, as pm.account_risk shows it
  GET STACKED DIAGNOSTICS why = PG_EXCEPTION_DETAIL;
  error := coalesce(substring(why FROM '^Its error: (.*)\.$'), SQLERRM);
END
$$;
COMMENT ON FUNCTION pm.liquidation_price_or_error(account_id bigint, asset text, OUT below numeric, OUT above numeric, OUT error text) IS
  'pm.liquidation_price, or, for an account that cannot be valued, NULL prices and why (for views over many accounts, where one account must not stop the read)';

-- Positions as /papi/v1/um/positionRisk and /papi/v1/cm/positionRisk show
-- them, under Binance's field names, but with the liquidation price that
-- portfolio margin gives: the account's, for the symbol's base asset
-- (pm.liquidation_price), in the direction that hurts the position.
-- Binance's maxNotionalValue and maxQty depend on leverage limits per
-- bracket, which pm.tiers does not keep; they are left out rather than
-- shown wrong.  One pm.liquidation_price per row: ask for an account.
CREATE VIEW pm.binance_position_risk AS
SELECT r.account_id, r.market, r.symbol,
       r.qty AS "positionAmt",
       r.entry_price AS "entryPrice",
       r.mark_price AS "markPrice",
       r.unrealized_pnl AS "unRealizedProfit",
       CASE WHEN r.qty OPERATOR(pg_catalog.>) 0 THEN l.below
            WHEN r.qty OPERATOR(pg_catalog.<) 0 THEN l.above END AS "liquidationPrice",
       r.leverage,
       r.side AS "positionSide",
       r.notional,
       l.below AS liquidation_below,
       l.above AS liquidation_above,
       l.error
  FROM pm.position_risk r
  JOIN pm.symbol s ON s.symbol OPERATOR(pg_catalog.=) r.symbol
 CROSS JOIN LATERAL pm.liquidation_price_or_error(r.account_id, s.base_asset) l;
COMMENT ON VIEW pm.binance_position_risk IS
  'each position as Binance''s positionRisk answers show it (UM and CM), with the portfolio-margin liquidation price of its account (pm.liquidation_price) in place of Binance''s; maxNotionalValue and maxQty left out (pm.tiers keeps no leverage limits)';
COMMENT ON COLUMN pm.binance_position_risk.account_id IS 'account';
COMMENT ON COLUMN pm.binance_position_risk.market IS 'UM (/papi/v1/um/positionRisk) or CM (/papi/v1/cm/positionRisk)';
COMMENT ON COLUMN pm.binance_position_risk.symbol IS 'contract';
COMMENT ON COLUMN pm.binance_position_risk."positionAmt" IS 'signed size: base units (UM) or contracts (CM)';
COMMENT ON COLUMN pm.binance_position_risk."entryPrice" IS 'average entry price';
COMMENT ON COLUMN pm.binance_position_risk."markPrice" IS 'mark price (pm.symbol)';
COMMENT ON COLUMN pm.binance_position_risk."unRealizedProfit" IS 'unrealized PnL in the settle asset, exact';
COMMENT ON COLUMN pm.binance_position_risk."liquidationPrice" IS 'the base asset''s price at which the account enters liquidation, below the current one for a long, above for a short (liquidation_below or liquidation_above); NULL for none, where Binance prints 0';
COMMENT ON COLUMN pm.binance_position_risk.leverage IS 'position leverage (a string in Binance''s answer)';
COMMENT ON COLUMN pm.binance_position_risk."positionSide" IS 'BOTH, LONG or SHORT';
COMMENT ON COLUMN pm.binance_position_risk.notional IS 'notional at the mark in the settle asset: UM notional, CM notionalValue';
COMMENT ON COLUMN pm.binance_position_risk.liquidation_below IS 'the account''s liquidation price of the base asset below the current one (pm.liquidation_price), or NULL';
COMMENT ON COLUMN pm.binance_position_risk.liquidation_above IS 'the account''s liquidation price of the base asset above the current one (pm.liquidation_price), or NULL';
COMMENT ON COLUMN pm.binance_position_risk.error IS 'why the account cannot be valued (then the liquidation prices are NULL), or NULL';

DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.binance_position_risk SET (security_invoker = true);
  END IF;
END
$$;
GRANT SELECT ON pm.binance_position_risk TO pm_reader;

-- The words users read: a margin line (the glossary's word), not a ledger line.
COMMENT ON AGGREGATE pm.margin(asset text, equity numeric, maint_margin numeric, index_price numeric, collateral pm.tiers) IS
  'risk of a set of margin lines (one account): equity and maintenance margin in units of asset, netted per asset before the haircut; collateral NULL = not collateral';
COMMENT ON AGGREGATE pm.margin(asset text, equity numeric, maint_margin numeric, initial_margin numeric, open_loss numeric, index_price numeric, collateral pm.tiers) IS
  'risk of a set of margin lines (one account): equity and margins in units of asset, open loss in USD, netted per asset before the haircut; collateral NULL = not collateral';
COMMENT ON VIEW pm.margin_line IS
  'every margin line of every account as pm.margin takes it: balances, positions and (PM) open orders';
