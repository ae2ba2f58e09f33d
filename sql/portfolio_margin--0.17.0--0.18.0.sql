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

-- SSPACE as pm.account_ledger's, for the same reason: the sorted plan.
CREATE AGGREGATE pm.account_ledger_risk(entry pm.ledger_entry) (
  SFUNC = pm.ledger_entry_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger_risk(entry pm.ledger_entry) IS
  'an account''s program and pm.account_risk fields from its ledger entries (group by account; a NULL entry is no row); what pm.account_ledger_risk gives over the same rows of pm.ledger_row';

CREATE AGGREGATE pm.account_ledger(entry pm.ledger_entry) (
  SFUNC = pm.ledger_entry_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger(entry pm.ledger_entry) IS
  'an account''s summary from its ledger entries (group by account; a NULL entry is no row); what pm.account_ledger gives over the same rows of pm.ledger_row';

