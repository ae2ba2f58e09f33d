-- portfolio_margin 0.1.0 -> 0.2.0: account risk as one SQL query.
-- The margin aggregate and its summary type, the reference schema that
-- mirrors Binance's portfolio-margin API, and the views analysts and BI tools
-- read.  Every reference is schema-qualified; plpgsql functions pin their
-- search_path; nothing is SECURITY DEFINER.

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.2.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Scalar helpers the views use
------------------------------------------------------------------------------

CREATE FUNCTION pm.finite(pg_catalog.numeric) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_finite'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.finite(pg_catalog.numeric) IS
  'true unless NaN or infinite; for CHECK constraints that must work on every PostgreSQL version';

CREATE FUNCTION pm.tier_of(amount pg_catalog.numeric, schedule pm.tiers)
  RETURNS pg_catalog.int4
  AS 'MODULE_PATHNAME', 'pm_tier_of'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.tier_of(pg_catalog.numeric, pm.tiers) IS
  'number (from 1) of the tier holding amount; tier k covers (floor_k, floor_k+1]';

CREATE FUNCTION pm.um_initial_margin(qty pg_catalog.numeric, mark_price pg_catalog.numeric,
                                     leverage pg_catalog.int4)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_um_initial_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.um_initial_margin(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.int4) IS
  'USD-M initial margin in the settle asset: |qty| * mark / leverage';

CREATE FUNCTION pm.cm_initial_margin(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                                     mark_price pg_catalog.numeric, leverage pg_catalog.int4)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_cm_initial_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_initial_margin(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.int4) IS
  'COIN-M initial margin in coin: |contracts| * contract_size / mark / leverage';

CREATE FUNCTION pm.cm_notional(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                               mark_price pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_cm_notional'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_notional(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric) IS
  'COIN-M notional in coin: |contracts| * contract_size / mark';

CREATE FUNCTION pm.cm_bracket(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                              mark_price pg_catalog.numeric, brackets pm.tiers)
  RETURNS pg_catalog.int4
  AS 'MODULE_PATHNAME', 'pm_cm_bracket'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_bracket(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pm.tiers) IS
  'number (from 1) of the COIN-M bracket holding the coin notional, chosen exactly';

CREATE FUNCTION pm.loan_initial_margin(borrowed pg_catalog.numeric, leverage pg_catalog.int4)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_loan_initial_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.loan_initial_margin(pg_catalog.numeric, pg_catalog.int4) IS
  'cross-margin loan initial margin in the asset''s units: borrowed / (leverage - 1)';

CREATE FUNCTION pm.order_open_loss(sell_asset pg_catalog.text, sell_qty pg_catalog.numeric,
                                   sell_price pg_catalog.numeric, sell_collateral pm.tiers,
                                   buy_asset pg_catalog.text, buy_qty pg_catalog.numeric,
                                   buy_price pg_catalog.numeric, buy_collateral pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_order_open_loss'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.order_open_loss(pg_catalog.text, pg_catalog.numeric, pg_catalog.numeric, pm.tiers,
                                       pg_catalog.text, pg_catalog.numeric, pg_catalog.numeric, pm.tiers) IS
  'open loss of a PM margin order in USD: max(0, collateral value given up - collateral value received); '
  'a NULL collateral schedule counts 0; a missing price is an error, not NULL';

------------------------------------------------------------------------------
-- pm.margin_summary: an account's risk picture
------------------------------------------------------------------------------

CREATE TYPE pm.margin_summary;

CREATE FUNCTION pm.margin_summary_in(pg_catalog.cstring) RETURNS pm.margin_summary
  AS 'MODULE_PATHNAME', 'pm_margin_summary_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_summary_out(pm.margin_summary) RETURNS pg_catalog.cstring
  AS 'MODULE_PATHNAME', 'pm_margin_summary_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_summary_recv(pg_catalog.internal) RETURNS pm.margin_summary
  AS 'MODULE_PATHNAME', 'pm_margin_summary_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_summary_send(pm.margin_summary) RETURNS pg_catalog.bytea
  AS 'MODULE_PATHNAME', 'pm_margin_summary_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE pm.margin_summary (
  INPUT = pm.margin_summary_in,
  OUTPUT = pm.margin_summary_out,
  RECEIVE = pm.margin_summary_recv,
  SEND = pm.margin_summary_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = extended
);
COMMENT ON TYPE pm.margin_summary IS
  'an account''s (or any portfolio''s) risk: per asset the netted equity, margins, open loss, index price and '
  'collateral schedule; text form is a JSON array; re-aggregate with pm.rollup';

-- Aggregate support
-- Transitions cost what exact numeric sums, a hash lookup and checks cost:
-- about a hundred times an integer addition.  Saying so lets the planner
-- see that aggregating in parallel workers pays.
CREATE FUNCTION pm.margin_sfunc(pg_catalog.internal, pg_catalog.text, pg_catalog.numeric,
                                pg_catalog.numeric, pg_catalog.numeric, pm.tiers)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_margin_sfunc'
  LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;

CREATE FUNCTION pm.margin_sfunc(pg_catalog.internal, pg_catalog.text, pg_catalog.numeric,
                                pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                pg_catalog.numeric, pm.tiers)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_margin_sfunc'
  LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;

CREATE FUNCTION pm.rollup_sfunc(pg_catalog.internal, pm.margin_summary)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_rollup_sfunc'
  LANGUAGE C IMMUTABLE PARALLEL SAFE COST 200;

CREATE FUNCTION pm.margin_combine(pg_catalog.internal, pg_catalog.internal)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_margin_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION pm.margin_serialize(pg_catalog.internal) RETURNS pg_catalog.bytea
  AS 'MODULE_PATHNAME', 'pm_margin_serialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_deserialize(pg_catalog.bytea, pg_catalog.internal)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_margin_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_final(pg_catalog.internal) RETURNS pm.margin_summary
  AS 'MODULE_PATHNAME', 'pm_margin_final'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.margin(asset pg_catalog.text, equity pg_catalog.numeric,
                           maint_margin pg_catalog.numeric, index_price pg_catalog.numeric,
                           collateral pm.tiers) (
  SFUNC = pm.margin_sfunc,
  STYPE = pg_catalog.internal,
  FINALFUNC = pm.margin_final,
  COMBINEFUNC = pm.margin_combine,
  SERIALFUNC = pm.margin_serialize,
  DESERIALFUNC = pm.margin_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.margin(pg_catalog.text, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pm.tiers) IS
  'risk of a set of ledger lines (one account): equity and maintenance margin in units of asset, netted per asset '
  'before the haircut; collateral NULL = not collateral';

CREATE AGGREGATE pm.margin(asset pg_catalog.text, equity pg_catalog.numeric,
                           maint_margin pg_catalog.numeric, initial_margin pg_catalog.numeric,
                           open_loss pg_catalog.numeric, index_price pg_catalog.numeric,
                           collateral pm.tiers) (
  SFUNC = pm.margin_sfunc,
  STYPE = pg_catalog.internal,
  FINALFUNC = pm.margin_final,
  COMBINEFUNC = pm.margin_combine,
  SERIALFUNC = pm.margin_serialize,
  DESERIALFUNC = pm.margin_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.margin(pg_catalog.text, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                               pg_catalog.numeric, pg_catalog.numeric, pm.tiers) IS
  'risk of a set of ledger lines (one account): equity and margins in units of asset, open loss in USD, '
  'netted per asset before the haircut; collateral NULL = not collateral';

CREATE AGGREGATE pm.rollup(pm.margin_summary) (
  SFUNC = pm.rollup_sfunc,
  STYPE = pg_catalog.internal,
  FINALFUNC = pm.margin_final,
  COMBINEFUNC = pm.margin_combine,
  SERIALFUNC = pm.margin_serialize,
  DESERIALFUNC = pm.margin_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.rollup(pm.margin_summary) IS
  'merge summaries as if their lines were one portfolio (assets netted before the haircut)';

-- Accessors
CREATE FUNCTION pm.uni_mmr(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_uni_mmr'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.uni_mmr(pm.margin_summary) IS
  'unified maintenance margin ratio: adjusted equity / maintenance margin, at least 20 significant digits; '
  'NULL when there is no maintenance margin';

CREATE FUNCTION pm.account_equity(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_account_equity'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.account_equity(pm.margin_summary) IS
  'collateral-weighted equity in USD (Binance accountEquity): debts in full, assets after their tiered haircut';

CREATE FUNCTION pm.actual_equity(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_actual_equity'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.actual_equity(pm.margin_summary) IS
  'equity in USD without haircuts (Binance actualEquity)';

CREATE FUNCTION pm.adjusted_equity(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_adjusted_equity'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.adjusted_equity(pm.margin_summary) IS
  'account equity less open-order loss, USD: the numerator of uniMMR';

CREATE FUNCTION pm.maint_margin(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_maint_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.maint_margin(pm.margin_summary) IS
  'maintenance margin in USD (Binance accountMaintMargin)';

CREATE FUNCTION pm.initial_margin(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_initial_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.initial_margin(pm.margin_summary) IS
  'initial margin in USD (Binance accountInitialMargin), reported, never enforced';

CREATE FUNCTION pm.open_loss(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_open_loss'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.open_loss(pm.margin_summary) IS
  'open-order loss in USD (Binance totalMarginOpenLoss)';

CREATE FUNCTION pm.status(summary pm.margin_summary, program pg_catalog.text) RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_summary_status'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.status(pm.margin_summary, pg_catalog.text) IS
  'account status by the program''s ladder in pm.status_threshold (a ratio on a threshold is in the riskier band); '
  'without maintenance margin NORMAL, or ACTIVE_LIQUIDATION when adjusted equity is negative';

CREATE FUNCTION pm.assets(summary pm.margin_summary,
    OUT asset pg_catalog.text, OUT equity pg_catalog.numeric, OUT index_price pg_catalog.numeric,
    OUT value_usd pg_catalog.numeric, OUT collateral_value_usd pg_catalog.numeric,
    OUT maint_margin pg_catalog.numeric, OUT maint_margin_usd pg_catalog.numeric,
    OUT initial_margin_usd pg_catalog.numeric, OUT open_loss_usd pg_catalog.numeric)
  RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'pm_summary_assets'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION pm.assets(pm.margin_summary) IS
  'one row per asset, in name order, explaining a summary''s totals';

------------------------------------------------------------------------------
-- Reference schema: what Binance's portfolio-margin API exposes
------------------------------------------------------------------------------

CREATE TABLE pm.loan_mmr (
  leverage pg_catalog.int4 PRIMARY KEY
    CONSTRAINT loan_leverage_at_least_2 CHECK (leverage >= 2),
  mmr pg_catalog.numeric NOT NULL
    CONSTRAINT loan_mmr_between_0_and_1 CHECK (pm.finite(mmr) AND mmr >= 0 AND mmr <= 1)
);
COMMENT ON TABLE pm.loan_mmr IS
  'maintenance margin rate of cross-margin loans by the account''s chosen leverage (classic table: 3x 0.10, 5x 0.08, 10x 0.05); '
  'inserting an existing leverage replaces its rate';
COMMENT ON COLUMN pm.loan_mmr.leverage IS 'cross-margin leverage an account can choose';
COMMENT ON COLUMN pm.loan_mmr.mmr IS 'maintenance margin rate on (borrowed + interest) at that leverage';
INSERT INTO pm.loan_mmr (leverage, mmr) VALUES (3, 0.10), (5, 0.08), (10, 0.05);

CREATE TABLE pm.account (
  account_id pg_catalog.int8 PRIMARY KEY,
  program pg_catalog.text NOT NULL
    CONSTRAINT account_program_pm_or_pm_pro CHECK (program IN ('PM', 'PM_PRO')),
  loan_leverage pg_catalog.int4 NOT NULL DEFAULT 3
    CONSTRAINT account_loan_leverage_in_loan_mmr REFERENCES pm.loan_mmr (leverage)
);
COMMENT ON TABLE pm.account IS 'portfolio-margin accounts';
COMMENT ON COLUMN pm.account.account_id IS 'account identifier';
COMMENT ON COLUMN pm.account.program IS 'PM (portfolio margin, API PM_2) or PM_PRO (classic portfolio margin, API PM_1)';
COMMENT ON COLUMN pm.account.loan_leverage IS 'chosen cross-margin leverage; selects the loan MMR in pm.loan_mmr';

CREATE TABLE pm.asset (
  asset pg_catalog.text PRIMARY KEY
    CONSTRAINT asset_name_1_to_255_bytes CHECK (pg_catalog.octet_length(asset) BETWEEN 1 AND 255),
  index_price pg_catalog.numeric
    CONSTRAINT asset_index_price_positive_finite CHECK (pm.finite(index_price) AND index_price > 0)
);
COMMENT ON TABLE pm.asset IS 'assets and their index prices in USD';
COMMENT ON COLUMN pm.asset.asset IS 'asset code, e.g. BTC, USDT';
COMMENT ON COLUMN pm.asset.index_price IS 'index price in USD; NULL while unknown (an account holding the asset then cannot be valued)';

CREATE TABLE pm.collateral (
  program pg_catalog.text NOT NULL
    CONSTRAINT collateral_program_pm_or_pm_pro CHECK (program IN ('PM', 'PM_PRO')),
  asset pg_catalog.text NOT NULL
    CONSTRAINT collateral_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE ON DELETE CASCADE,
  schedule pm.tiers NOT NULL
    CONSTRAINT collateral_rates_at_most_1 CHECK (pm.collateral_value(0, schedule) = 0),
  PRIMARY KEY (program, asset),
  CONSTRAINT collateral_pm_rate_is_flat
    CHECK (program = 'PM_PRO' OR pg_catalog.array_length(pm.floors(schedule), 1) = 1)
);
COMMENT ON TABLE pm.collateral IS
  'collateral schedules by program: PM_PRO tiered by USD value, PM one flat rate; an asset without a row is not collateral';
COMMENT ON COLUMN pm.collateral.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.collateral.asset IS 'asset the schedule weighs';
COMMENT ON COLUMN pm.collateral.schedule IS 'marginal collateral rates by USD value (floor:rate, rates at most 1)';

CREATE TABLE pm.symbol (
  symbol pg_catalog.text PRIMARY KEY,
  market pg_catalog.text NOT NULL
    CONSTRAINT symbol_market_um_or_cm CHECK (market IN ('UM', 'CM')),
  base_asset pg_catalog.text NOT NULL
    CONSTRAINT symbol_base_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  settle_asset pg_catalog.text NOT NULL
    CONSTRAINT symbol_settle_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  contract_size pg_catalog.numeric,
  mark_price pg_catalog.numeric NOT NULL
    CONSTRAINT symbol_mark_price_positive_finite CHECK (pm.finite(mark_price) AND mark_price > 0),
  brackets pm.tiers NOT NULL,
  CONSTRAINT symbol_contract_size_only_for_cm
    CHECK ((market = 'UM' AND contract_size IS NULL)
           OR (market = 'CM' AND contract_size IS NOT NULL AND pm.finite(contract_size)
               AND contract_size > 0)),
  CONSTRAINT symbol_cm_settles_in_base_asset
    CHECK (market = 'UM' OR settle_asset = base_asset)
);
COMMENT ON TABLE pm.symbol IS 'futures contracts: USD-M (UM, linear) and COIN-M (CM, inverse)';
COMMENT ON COLUMN pm.symbol.symbol IS 'contract symbol, e.g. BTCUSDT or BTCUSD_PERP';
COMMENT ON COLUMN pm.symbol.market IS 'UM (USD-M, linear, settled in the quote asset) or CM (COIN-M, inverse, settled in the base coin)';
COMMENT ON COLUMN pm.symbol.base_asset IS 'underlying asset; a price move of this asset moves the mark price';
COMMENT ON COLUMN pm.symbol.settle_asset IS 'asset PnL and margin are paid in (USDT for UM, the base coin for CM)';
COMMENT ON COLUMN pm.symbol.contract_size IS 'CM only: USD face value of one contract (100 for BTC, usually 10 for others)';
COMMENT ON COLUMN pm.symbol.mark_price IS 'mark price in the quote currency';
COMMENT ON COLUMN pm.symbol.brackets IS 'maintenance-margin brackets: floors in notional (UM: quote units, CM: coin) and MMRs';

CREATE TABLE pm.balance (
  account_id pg_catalog.int8 NOT NULL
    CONSTRAINT balance_account_known REFERENCES pm.account (account_id) ON DELETE CASCADE,
  asset pg_catalog.text NOT NULL
    CONSTRAINT balance_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  cross_free pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cross_free_not_negative CHECK (pm.finite(cross_free) AND cross_free >= 0),
  cross_locked pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cross_locked_not_negative CHECK (pm.finite(cross_locked) AND cross_locked >= 0),
  cross_borrowed pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cross_borrowed_not_negative CHECK (pm.finite(cross_borrowed) AND cross_borrowed >= 0),
  cross_interest pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cross_interest_not_negative CHECK (pm.finite(cross_interest) AND cross_interest >= 0),
  um_wallet pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_um_wallet_finite CHECK (pm.finite(um_wallet)),
  cm_wallet pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cm_wallet_finite CHECK (pm.finite(cm_wallet)),
  PRIMARY KEY (account_id, asset)
);
COMMENT ON TABLE pm.balance IS 'balances per account and asset, the fields of GET /papi/v1/balance, in units of the asset';
COMMENT ON COLUMN pm.balance.account_id IS 'account';
COMMENT ON COLUMN pm.balance.asset IS 'asset';
COMMENT ON COLUMN pm.balance.cross_free IS 'cross margin: free balance (crossMarginFree)';
COMMENT ON COLUMN pm.balance.cross_locked IS 'cross margin: balance locked in orders (crossMarginLocked)';
COMMENT ON COLUMN pm.balance.cross_borrowed IS 'cross margin: loan principal (crossMarginBorrowed)';
COMMENT ON COLUMN pm.balance.cross_interest IS 'cross margin: accrued loan interest (crossMarginInterest)';
COMMENT ON COLUMN pm.balance.um_wallet IS 'USD-M futures wallet balance (umWalletBalance), may be negative';
COMMENT ON COLUMN pm.balance.cm_wallet IS 'COIN-M futures wallet balance (cmWalletBalance), may be negative';

CREATE TABLE pm.position (
  account_id pg_catalog.int8 NOT NULL
    CONSTRAINT position_account_known REFERENCES pm.account (account_id) ON DELETE CASCADE,
  symbol pg_catalog.text NOT NULL
    CONSTRAINT position_symbol_known REFERENCES pm.symbol (symbol) ON UPDATE CASCADE,
  side pg_catalog.text NOT NULL DEFAULT 'BOTH'
    CONSTRAINT position_side_both_long_short CHECK (side IN ('BOTH', 'LONG', 'SHORT')),
  qty pg_catalog.numeric NOT NULL
    CONSTRAINT position_qty_finite CHECK (pm.finite(qty)),
  entry_price pg_catalog.numeric NOT NULL
    CONSTRAINT position_entry_price_positive_finite CHECK (pm.finite(entry_price) AND entry_price > 0),
  leverage pg_catalog.int4 NOT NULL DEFAULT 20
    CONSTRAINT position_leverage_1_to_125 CHECK (leverage BETWEEN 1 AND 125),
  PRIMARY KEY (account_id, symbol, side),
  CONSTRAINT position_qty_sign_matches_side
    CHECK (side = 'BOTH' OR (side = 'LONG' AND qty >= 0) OR (side = 'SHORT' AND qty <= 0))
);
COMMENT ON TABLE pm.position IS 'futures positions (GET /papi/v1/um/positionRisk and /cm/positionRisk)';
COMMENT ON COLUMN pm.position.account_id IS 'account';
COMMENT ON COLUMN pm.position.symbol IS 'contract';
COMMENT ON COLUMN pm.position.side IS 'BOTH in one-way mode; LONG or SHORT in hedge mode';
COMMENT ON COLUMN pm.position.qty IS 'signed size, long > 0: base units for UM, contracts for CM';
COMMENT ON COLUMN pm.position.entry_price IS 'average entry price';
COMMENT ON COLUMN pm.position.leverage IS 'position leverage, for the reported initial margin';

CREATE TABLE pm.open_order (
  account_id pg_catalog.int8 NOT NULL
    CONSTRAINT open_order_account_known REFERENCES pm.account (account_id) ON DELETE CASCADE,
  order_id pg_catalog.int8 NOT NULL,
  sell_asset pg_catalog.text NOT NULL
    CONSTRAINT open_order_sell_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  sell_qty pg_catalog.numeric NOT NULL
    CONSTRAINT open_order_sell_qty_positive_finite CHECK (pm.finite(sell_qty) AND sell_qty > 0),
  buy_asset pg_catalog.text NOT NULL
    CONSTRAINT open_order_buy_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  buy_qty pg_catalog.numeric NOT NULL
    CONSTRAINT open_order_buy_qty_positive_finite CHECK (pm.finite(buy_qty) AND buy_qty > 0),
  PRIMARY KEY (account_id, order_id),
  CONSTRAINT open_order_two_different_assets CHECK (sell_asset <> buy_asset)
);
COMMENT ON TABLE pm.open_order IS
  'open cross-margin orders; their open loss counts for PM accounts only (PM_PRO has none)';
COMMENT ON COLUMN pm.open_order.account_id IS 'account';
COMMENT ON COLUMN pm.open_order.order_id IS 'order identifier, unique per account';
COMMENT ON COLUMN pm.open_order.sell_asset IS 'asset the order gives up';
COMMENT ON COLUMN pm.open_order.sell_qty IS 'quantity given up';
COMMENT ON COLUMN pm.open_order.buy_asset IS 'asset the order receives';
COMMENT ON COLUMN pm.open_order.buy_qty IS 'quantity received at the limit price';

CREATE TABLE pm.status_threshold (
  program pg_catalog.text NOT NULL
    CONSTRAINT status_threshold_program_pm_or_pm_pro CHECK (program IN ('PM', 'PM_PRO')),
  status pg_catalog.text NOT NULL
    CONSTRAINT status_threshold_known_status
    CHECK (status IN ('NORMAL', 'MARGIN_CALL', 'SUPPLY_MARGIN', 'REDUCE_ONLY',
                      'ACTIVE_LIQUIDATION', 'FORCE_LIQUIDATION')),
  uni_mmr_above pg_catalog.numeric
    CONSTRAINT status_threshold_positive_finite CHECK (pm.finite(uni_mmr_above) AND uni_mmr_above > 0),
  enabled pg_catalog.bool NOT NULL DEFAULT true,
  PRIMARY KEY (program, status)
);
COMMENT ON TABLE pm.status_threshold IS
  'account status ladder per program (spec section 3), editable: a band holds uniMMR > uni_mmr_above, the riskiest '
  'band has no threshold; switch a band off with enabled = false (rows cannot be deleted, so pg_dump keeps every edit)';
COMMENT ON COLUMN pm.status_threshold.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.status_threshold.status IS 'status reported for the band (Binance accountStatus)';
COMMENT ON COLUMN pm.status_threshold.uni_mmr_above IS
  'the band holds uniMMR strictly above this; NULL for the riskiest (bottom) band';
COMMENT ON COLUMN pm.status_threshold.enabled IS 'whether the band is part of the ladder';
INSERT INTO pm.status_threshold (program, status, uni_mmr_above, enabled) VALUES
  ('PM_PRO', 'NORMAL', 1.50, true),
  ('PM_PRO', 'MARGIN_CALL', 1.20, true),
  ('PM_PRO', 'SUPPLY_MARGIN', NULL, false),
  ('PM_PRO', 'REDUCE_ONLY', 1.05, true),
  ('PM_PRO', 'ACTIVE_LIQUIDATION', 1.00, true),
  ('PM_PRO', 'FORCE_LIQUIDATION', NULL, true),
  ('PM', 'NORMAL', 1.20, true),
  ('PM', 'MARGIN_CALL', NULL, false),
  ('PM', 'SUPPLY_MARGIN', NULL, false),
  ('PM', 'REDUCE_ONLY', 1.05, true),
  ('PM', 'ACTIVE_LIQUIDATION', NULL, true),
  ('PM', 'FORCE_LIQUIDATION', NULL, false);

-- Shipped rows and pg_dump.  The dump holds every row of these tables and a
-- restore first runs this script, which inserts the shipped rows again; so
-- inserting a row whose key exists replaces it, and ladder rows are never
-- deleted.  That way a restore reproduces every edit exactly.
CREATE FUNCTION pm.loan_mmr_replace() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE pm.loan_mmr SET mmr = NEW.mmr WHERE leverage = NEW.leverage;
  IF FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER loan_mmr_replace BEFORE INSERT ON pm.loan_mmr
  FOR EACH ROW EXECUTE FUNCTION pm.loan_mmr_replace();

CREATE FUNCTION pm.status_threshold_replace() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE pm.status_threshold
     SET uni_mmr_above = NEW.uni_mmr_above, enabled = NEW.enabled
   WHERE program = NEW.program AND status = NEW.status;
  IF FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER status_threshold_replace BEFORE INSERT ON pm.status_threshold
  FOR EACH ROW EXECUTE FUNCTION pm.status_threshold_replace();

CREATE FUNCTION pm.status_threshold_keep() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'bands of the status ladder cannot be deleted'
    USING ERRCODE = 'restrict_violation',
          HINT = 'Set enabled = false to take a band out of the ladder.';
END
$$;
CREATE TRIGGER status_threshold_keep BEFORE DELETE ON pm.status_threshold
  FOR EACH ROW EXECUTE FUNCTION pm.status_threshold_keep();
CREATE TRIGGER status_threshold_keep_truncate BEFORE TRUNCATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.status_threshold_keep();

-- After any change, each program's ladder must still be a ladder.
CREATE FUNCTION pm.status_threshold_check() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p text;
  bottoms int;
  dup numeric;
  top text;
BEGIN
  FOR p IN SELECT DISTINCT t.program FROM pm.status_threshold t LOOP
    SELECT count(*) INTO bottoms FROM pm.status_threshold t
     WHERE t.program = p AND t.enabled AND t.uni_mmr_above IS NULL;
    IF bottoms <> 1 THEN
      RAISE EXCEPTION 'the status ladder of % needs exactly one enabled band without a threshold', p
        USING ERRCODE = 'check_violation',
              DETAIL = format('It has %s.', bottoms),
              HINT = 'The riskiest band has uni_mmr_above NULL; every other enabled band needs a threshold.';
    END IF;
    SELECT t.uni_mmr_above INTO dup FROM pm.status_threshold t
     WHERE t.program = p AND t.enabled AND t.uni_mmr_above IS NOT NULL
     GROUP BY t.uni_mmr_above HAVING count(*) > 1 LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'the status ladder of % has two bands above %', p, dup
        USING ERRCODE = 'check_violation';
    END IF;
    SELECT t.status INTO top FROM pm.status_threshold t
     WHERE t.program = p AND t.enabled
     ORDER BY t.uni_mmr_above DESC NULLS LAST LIMIT 1;
    IF top IS DISTINCT FROM 'NORMAL' THEN
      RAISE EXCEPTION 'the top band of the status ladder of % must be NORMAL', p
        USING ERRCODE = 'check_violation',
              DETAIL = format('It is %s.', coalesce(top, 'missing'));
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER status_threshold_check AFTER INSERT OR UPDATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.status_threshold_check();

-- pg_dump keeps the rows of every table (see above for the shipped ones).
SELECT pg_catalog.pg_extension_config_dump('pm.loan_mmr', '');
SELECT pg_catalog.pg_extension_config_dump('pm.account', '');
SELECT pg_catalog.pg_extension_config_dump('pm.asset', '');
SELECT pg_catalog.pg_extension_config_dump('pm.collateral', '');
SELECT pg_catalog.pg_extension_config_dump('pm.symbol', '');
SELECT pg_catalog.pg_extension_config_dump('pm.balance', '');
SELECT pg_catalog.pg_extension_config_dump('pm.position', '');
SELECT pg_catalog.pg_extension_config_dump('pm.open_order', '');
SELECT pg_catalog.pg_extension_config_dump('pm.status_threshold', '');

-- Lookups the views make by something other than a primary key.
CREATE INDEX position_symbol_idx ON pm.position (symbol);
CREATE INDEX open_order_sell_asset_idx ON pm.open_order (sell_asset);

------------------------------------------------------------------------------
-- Views
------------------------------------------------------------------------------

-- Every ledger line of every account, as pm.margin takes it.  Each branch
-- joins its own price and collateral schedule, so the view is one flat
-- UNION ALL of joins that the planner can run in parallel workers.
CREATE VIEW pm.margin_line AS
SELECT b.account_id, a.program, 'balance'::pg_catalog.text AS source, b.asset,
       NULL::pg_catalog.text AS symbol,
       b.cross_free + b.cross_locked - b.cross_borrowed - b.cross_interest
         + b.um_wallet + b.cm_wallet AS equity,
       pm.loan_maint_margin(b.cross_borrowed, b.cross_interest, r.mmr) AS maint_margin,
       pm.loan_initial_margin(b.cross_borrowed, a.loan_leverage) AS initial_margin,
       0::pg_catalog.numeric AS open_loss,
       x.index_price, c.schedule AS collateral
  FROM pm.balance b
  JOIN pm.account a ON a.account_id = b.account_id
  JOIN pm.loan_mmr r ON r.leverage = a.loan_leverage
  JOIN pm.asset x ON x.asset = b.asset
  LEFT JOIN pm.collateral c ON c.program = a.program AND c.asset = b.asset
UNION ALL
SELECT p.account_id, a.program, 'position'::pg_catalog.text, s.settle_asset, p.symbol,
       CASE s.market
         WHEN 'UM' THEN pm.um_unrealized_pnl(p.qty, p.entry_price, s.mark_price)
         ELSE pm.cm_unrealized_pnl(p.qty, s.contract_size, p.entry_price, s.mark_price)
       END,
       CASE s.market
         WHEN 'UM' THEN pm.um_maint_margin(p.qty, s.mark_price, s.brackets)
         ELSE pm.cm_maint_margin(p.qty, s.contract_size, s.mark_price, s.brackets)
       END,
       CASE s.market
         WHEN 'UM' THEN pm.um_initial_margin(p.qty, s.mark_price, p.leverage)
         ELSE pm.cm_initial_margin(p.qty, s.contract_size, s.mark_price, p.leverage)
       END,
       0::pg_catalog.numeric,
       x.index_price, c.schedule
  FROM pm.position p
  JOIN pm.account a ON a.account_id = p.account_id
  JOIN pm.symbol s ON s.symbol = p.symbol
  JOIN pm.asset x ON x.asset = s.settle_asset
  LEFT JOIN pm.collateral c ON c.program = a.program AND c.asset = s.settle_asset
UNION ALL
SELECT o.account_id, a.program, 'open_order'::pg_catalog.text, o.sell_asset, NULL::pg_catalog.text,
       0::pg_catalog.numeric, 0::pg_catalog.numeric, 0::pg_catalog.numeric,
       pm.order_open_loss(o.sell_asset, o.sell_qty, xs.index_price, cs.schedule,
                          o.buy_asset, o.buy_qty, xb.index_price, cb.schedule),
       xs.index_price, cs.schedule
  FROM pm.open_order o
  JOIN pm.account a ON a.account_id = o.account_id AND a.program = 'PM'
  JOIN pm.asset xs ON xs.asset = o.sell_asset
  JOIN pm.asset xb ON xb.asset = o.buy_asset
  LEFT JOIN pm.collateral cs ON cs.program = a.program AND cs.asset = o.sell_asset
  LEFT JOIN pm.collateral cb ON cb.program = a.program AND cb.asset = o.buy_asset;
COMMENT ON VIEW pm.margin_line IS
  'every ledger line of every account as pm.margin takes it: balances, positions and (PM) open orders';
COMMENT ON COLUMN pm.margin_line.account_id IS 'account';
COMMENT ON COLUMN pm.margin_line.program IS 'account''s program, PM or PM_PRO';
COMMENT ON COLUMN pm.margin_line.source IS 'balance, position or open_order';
COMMENT ON COLUMN pm.margin_line.asset IS 'asset the line is in: the balance''s asset, the position''s settle asset, the order''s sell asset';
COMMENT ON COLUMN pm.margin_line.symbol IS 'contract of a position line';
COMMENT ON COLUMN pm.margin_line.equity IS 'equity in units of asset: wallet balances less loans, or unrealized PnL';
COMMENT ON COLUMN pm.margin_line.maint_margin IS 'maintenance margin in units of asset';
COMMENT ON COLUMN pm.margin_line.initial_margin IS 'initial margin in units of asset';
COMMENT ON COLUMN pm.margin_line.open_loss IS 'open-order loss in USD';
COMMENT ON COLUMN pm.margin_line.index_price IS 'index price of asset in USD';
COMMENT ON COLUMN pm.margin_line.collateral IS 'collateral schedule of asset in the account''s program; NULL if not collateral';

-- Each account's summary, one pass of pm.margin over its lines.  Every
-- account contributes one empty line, so accounts without lines get a
-- summary too; a UNION ALL rather than an outer join keeps the whole input
-- parallel, so the aggregate can run partially in workers.
CREATE VIEW pm.account_margin AS
SELECT l.account_id, l.program,
       pm.margin(l.asset, l.equity, l.maint_margin, l.initial_margin, l.open_loss,
                 l.index_price, l.collateral) AS summary
  FROM (SELECT m.account_id, m.program, m.asset, m.equity, m.maint_margin, m.initial_margin,
               m.open_loss, m.index_price, m.collateral
          FROM pm.margin_line m
        UNION ALL
        SELECT a.account_id, a.program, NULL::pg_catalog.text, NULL::pg_catalog.numeric,
               NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
               NULL::pg_catalog.numeric, NULL::pm.tiers
          FROM pm.account a) l
 GROUP BY l.account_id, l.program;
COMMENT ON VIEW pm.account_margin IS
  'each account''s exact risk summary (pm.margin over its lines); read it with pm.uni_mmr(summary), pm.assets(summary), ...';
COMMENT ON COLUMN pm.account_margin.account_id IS 'account';
COMMENT ON COLUMN pm.account_margin.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.account_margin.summary IS 'exact risk summary (pm.margin_summary)';

CREATE VIEW pm.account_risk AS
SELECT m.account_id, m.program,
       pg_catalog.round(pm.uni_mmr(m.summary), 8) AS uni_mmr,
       pg_catalog.round(pm.account_equity(m.summary), 8) AS account_equity,
       pg_catalog.round(pm.actual_equity(m.summary), 8) AS actual_equity,
       pg_catalog.round(pm.initial_margin(m.summary), 8) AS account_initial_margin,
       pg_catalog.round(pm.maint_margin(m.summary), 8) AS account_maint_margin,
       pm.status(m.summary, m.program) AS account_status,
       pg_catalog.round(GREATEST(pm.account_equity(m.summary) - 1.2 * pm.maint_margin(m.summary), 0), 8)
         AS virtual_max_withdraw_amount,
       pg_catalog.round(pm.account_equity(m.summary) - pm.initial_margin(m.summary), 8)
         AS total_available_balance,
       pg_catalog.round(pm.open_loss(m.summary), 8) AS total_margin_open_loss
  FROM pm.account_margin m;
COMMENT ON VIEW pm.account_risk IS
  'per account, the fields of GET /papi/v1/account, rounded to 8 decimals as Binance prints them; '
  'exact values: pm.account_margin.summary';
COMMENT ON COLUMN pm.account_risk.account_id IS 'account';
COMMENT ON COLUMN pm.account_risk.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.account_risk.uni_mmr IS 'unified maintenance margin ratio (uniMMR); NULL without maintenance margin';
COMMENT ON COLUMN pm.account_risk.account_equity IS 'collateral-weighted equity, USD (accountEquity)';
COMMENT ON COLUMN pm.account_risk.actual_equity IS 'equity without haircuts, USD (actualEquity)';
COMMENT ON COLUMN pm.account_risk.account_initial_margin IS 'initial margin, USD (accountInitialMargin)';
COMMENT ON COLUMN pm.account_risk.account_maint_margin IS 'maintenance margin, USD (accountMaintMargin)';
COMMENT ON COLUMN pm.account_risk.account_status IS 'NORMAL, MARGIN_CALL, REDUCE_ONLY, ACTIVE_LIQUIDATION or FORCE_LIQUIDATION (accountStatus)';
COMMENT ON COLUMN pm.account_risk.virtual_max_withdraw_amount IS
  'max(account equity - 1.2 x maintenance margin, 0), USD (virtualMaxWithdrawAmount)';
COMMENT ON COLUMN pm.account_risk.total_available_balance IS 'account equity - initial margin, USD (totalAvailableBalance)';
COMMENT ON COLUMN pm.account_risk.total_margin_open_loss IS 'open-order loss, USD (totalMarginOpenLoss); 0 for PM_PRO';

CREATE VIEW pm.asset_equity AS
SELECT m.account_id, a.asset, a.equity, a.index_price, a.value_usd, a.collateral_value_usd,
       a.maint_margin, a.maint_margin_usd, a.initial_margin_usd, a.open_loss_usd
  FROM pm.account_margin m
 CROSS JOIN LATERAL pm.assets(m.summary) a;
COMMENT ON VIEW pm.asset_equity IS
  'per account and asset, how the account''s totals arise: equity netted across wallets, its USD value, '
  'collateral value and margins (exact)';
COMMENT ON COLUMN pm.asset_equity.account_id IS 'account';
COMMENT ON COLUMN pm.asset_equity.asset IS 'asset';
COMMENT ON COLUMN pm.asset_equity.equity IS 'equity in units of asset, netted across cross margin, USD-M and COIN-M wallets and PnL';
COMMENT ON COLUMN pm.asset_equity.index_price IS 'index price, USD';
COMMENT ON COLUMN pm.asset_equity.value_usd IS 'equity x index price, USD';
COMMENT ON COLUMN pm.asset_equity.collateral_value_usd IS 'what the value counts for as collateral, USD (a debt in full)';
COMMENT ON COLUMN pm.asset_equity.maint_margin IS 'maintenance margin in units of asset';
COMMENT ON COLUMN pm.asset_equity.maint_margin_usd IS 'maintenance margin, USD';
COMMENT ON COLUMN pm.asset_equity.initial_margin_usd IS 'initial margin, USD';
COMMENT ON COLUMN pm.asset_equity.open_loss_usd IS 'open-order loss of orders selling this asset, USD';

CREATE VIEW pm.position_risk AS
SELECT p.account_id, p.symbol, s.market, p.side, p.qty, p.entry_price, s.mark_price, p.leverage,
       s.settle_asset,
       CASE s.market
         WHEN 'UM' THEN pg_catalog.abs(p.qty) * s.mark_price
         ELSE pm.cm_notional(p.qty, s.contract_size, s.mark_price)
       END AS notional,
       CASE s.market
         WHEN 'UM' THEN pm.um_unrealized_pnl(p.qty, p.entry_price, s.mark_price)
         ELSE pm.cm_unrealized_pnl(p.qty, s.contract_size, p.entry_price, s.mark_price)
       END AS unrealized_pnl,
       CASE s.market
         WHEN 'UM' THEN pm.um_maint_margin(p.qty, s.mark_price, s.brackets)
         ELSE pm.cm_maint_margin(p.qty, s.contract_size, s.mark_price, s.brackets)
       END AS maint_margin,
       b.bracket,
       (pm.rates(s.brackets))[b.bracket] AS bracket_rate,
       CASE s.market
         WHEN 'UM' THEN pm.um_initial_margin(p.qty, s.mark_price, p.leverage)
         ELSE pm.cm_initial_margin(p.qty, s.contract_size, s.mark_price, p.leverage)
       END AS initial_margin
  FROM pm.position p
  JOIN pm.symbol s ON s.symbol = p.symbol
 CROSS JOIN LATERAL (
       SELECT CASE s.market
                WHEN 'UM' THEN pm.tier_of(pg_catalog.abs(p.qty) * s.mark_price, s.brackets)
                ELSE pm.cm_bracket(p.qty, s.contract_size, s.mark_price, s.brackets)
              END AS bracket) b;
COMMENT ON VIEW pm.position_risk IS
  'per position: notional, unrealized PnL, maintenance margin with the bracket it fell in, and initial margin, '
  'all in the settle asset (exact)';
COMMENT ON COLUMN pm.position_risk.account_id IS 'account';
COMMENT ON COLUMN pm.position_risk.symbol IS 'contract';
COMMENT ON COLUMN pm.position_risk.market IS 'UM or CM';
COMMENT ON COLUMN pm.position_risk.side IS 'BOTH, LONG or SHORT';
COMMENT ON COLUMN pm.position_risk.qty IS 'signed size: base units (UM) or contracts (CM)';
COMMENT ON COLUMN pm.position_risk.entry_price IS 'average entry price';
COMMENT ON COLUMN pm.position_risk.mark_price IS 'mark price';
COMMENT ON COLUMN pm.position_risk.leverage IS 'position leverage';
COMMENT ON COLUMN pm.position_risk.settle_asset IS 'asset of notional, PnL and margins';
COMMENT ON COLUMN pm.position_risk.notional IS 'position notional in the settle asset: |qty| x mark (UM), |contracts| x size / mark (CM)';
COMMENT ON COLUMN pm.position_risk.unrealized_pnl IS 'unrealized PnL in the settle asset';
COMMENT ON COLUMN pm.position_risk.maint_margin IS 'maintenance margin in the settle asset';
COMMENT ON COLUMN pm.position_risk.bracket IS 'maintenance-margin bracket (from 1) the notional fell in';
COMMENT ON COLUMN pm.position_risk.bracket_rate IS 'maintenance margin rate of that bracket (marginal)';
COMMENT ON COLUMN pm.position_risk.initial_margin IS 'initial margin in the settle asset: notional / leverage';

-- Views check the caller's privileges and row-level security, not the
-- owner's (PostgreSQL 15 and later; earlier versions lack the option).
DO $$
DECLARE
  v text;
BEGIN
  IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
    FOREACH v IN ARRAY ARRAY['margin_line', 'account_margin', 'account_risk', 'asset_equity', 'position_risk'] LOOP
      EXECUTE pg_catalog.format('ALTER VIEW pm.%I SET (security_invoker = true)', v);
    END LOOP;
  END IF;
END
$$;
