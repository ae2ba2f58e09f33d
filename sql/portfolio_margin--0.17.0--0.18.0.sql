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

-- One import of an account's answers at a time (the account's row lock);
-- the rest of the function is 0.17.0's.
CREATE OR REPLACE FUNCTION pm.import_binance(endpoint pg_catalog.text, answer pg_catalog.jsonb,
                                  account_id pg_catalog.int8 DEFAULT NULL)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ep pg_catalog.text := rtrim(endpoint, '/');
  el pg_catalog.jsonb;
  mkt pg_catalog.text;
  balances pm.balance[];
  positions pm."position"[];
  orders pm.open_order[];
  n pg_catalog.int4;
  written pg_catalog.int4 := 0;
  names pg_catalog.text[];
  bad record;
BEGIN
  IF ep IN ('/papi/v1/balance', '/papi/v1/um/positionRisk', '/papi/v1/cm/positionRisk',
            '/papi/v1/margin/openOrders') THEN
    IF account_id IS NULL THEN
      RAISE EXCEPTION 'the answer of % needs an account_id', ep
        USING ERRCODE = 'null_value_not_allowed',
              HINT = 'Create the account in pm.account (program, loan leverage), then pass its id.';
    END IF;
    PERFORM pm.check_account(account_id);
    -- One import of an account's answers at a time: a second waits here
    -- for the first to commit, and its statements then see what the first
    -- wrote.  Without it, its DELETE ran beside the first's uncommitted
    -- inserts, missed them, and both answers' rows survived (the isolation
    -- spec import_concurrency).  Under REPEATABLE READ and SERIALIZABLE the
    -- second fails to serialize instead.
    PERFORM 1 FROM pm.account a WHERE a.account_id = import_binance.account_id FOR NO KEY UPDATE;
  END IF;

  -- reference data ---------------------------------------------------------
  IF ep = '/sapi/v1/portfolio/asset-index-price' THEN
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{asset,assetIndexPrice}', '{text,number}');
    INSERT INTO pm.asset AS t (asset, index_price)
    SELECT e ->> 'asset', (e ->> 'assetIndexPrice')::numeric
      FROM jsonb_array_elements(el) AS e
     ORDER BY 1
    ON CONFLICT (asset) DO UPDATE SET index_price = EXCLUDED.index_price
      WHERE t.index_price IS DISTINCT FROM EXCLUDED.index_price;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;

  ELSIF ep IN ('/sapi/v1/portfolio/collateralRate', '/sapi/v2/portfolio/collateralRate') THEN
    el := pm.binance_elements(ep, answer);
    IF ep LIKE '/sapi/v1/%' THEN
      PERFORM pm.binance_check(ep, el, '{asset,collateralRate}', '{text,number}');
    ELSE
      PERFORM pm.binance_check(ep, el, '{asset}', '{text}');
      SELECT e.ord INTO bad
        FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
       WHERE jsonb_typeof(e.x -> 'collateralInfo') IS DISTINCT FROM 'array'
       ORDER BY e.ord LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'element % of the answer of % has no collateralInfo array', bad.ord, ep
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Pass the answer exactly as Binance returned it.';
      END IF;
    END IF;
    INSERT INTO pm.asset (asset)
    SELECT DISTINCT e ->> 'asset' FROM jsonb_array_elements(el) AS e ORDER BY 1
    ON CONFLICT (asset) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    written := n;
    INSERT INTO pm.collateral AS t (program, asset, schedule)
    SELECT CASE WHEN ep LIKE '/sapi/v1/%' THEN 'PM' ELSE 'PM_PRO' END, e ->> 'asset',
           CASE WHEN ep LIKE '/sapi/v1/%'
                THEN pm.tiers(ARRAY[0], ARRAY[(e ->> 'collateralRate')::numeric])
                ELSE pm.tiers_from_binance(e) END
      FROM jsonb_array_elements(el) AS e
     ORDER BY 2
    ON CONFLICT (program, asset) DO UPDATE SET schedule = EXCLUDED.schedule
      WHERE NOT (t.schedule OPERATOR(pm.=) EXCLUDED.schedule);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN written + n;

  ELSIF ep IN ('/fapi/v1/exchangeInfo', '/dapi/v1/exchangeInfo') THEN
    mkt := CASE WHEN ep LIKE '/fapi/%' THEN 'UM' ELSE 'CM' END;
    IF jsonb_typeof(answer) IS DISTINCT FROM 'object' OR jsonb_typeof(answer -> 'symbols') IS DISTINCT FROM 'array' THEN
      RAISE EXCEPTION 'the answer of % has no symbols array', ep
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass the answer exactly as Binance returned it: an object with "symbols".';
    END IF;
    el := pm.binance_elements(ep, answer -> 'symbols');
    IF mkt = 'UM' THEN
      PERFORM pm.binance_check(ep, el, '{symbol,baseAsset,marginAsset,status?}', '{text,text,text,text?}');
    ELSE
      PERFORM pm.binance_check(ep, el, '{symbol,baseAsset,marginAsset,contractSize,contractStatus?}',
                               '{text,text,text,number,text?}');
      SELECT e.ord, e.x ->> 'symbol' AS symbol INTO bad
        FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
       WHERE e.x ->> 'marginAsset' <> e.x ->> 'baseAsset' OR (e.x ->> 'contractSize')::numeric <= 0
       ORDER BY e.ord LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'symbol % (element % of the answer of %) is not an inverse contract on its base asset',
                        pm.excerpt(bad.symbol), bad.ord, ep
          USING ERRCODE = 'invalid_parameter_value',
                DETAIL = 'A COIN-M symbol settles in its base asset and has a positive contract size.';
      END IF;
    END IF;
    INSERT INTO pm.binance_symbol AS t (symbol, market, base_asset, settle_asset, contract_size, status)
    SELECT e ->> 'symbol', mkt, e ->> 'baseAsset', e ->> 'marginAsset',
           CASE WHEN mkt = 'CM' THEN (e ->> 'contractSize')::numeric END,
           nullif(coalesce(e ->> 'status', e ->> 'contractStatus'), '')
      FROM jsonb_array_elements(el) AS e
     ORDER BY 1
    ON CONFLICT (symbol) DO UPDATE
      SET market = EXCLUDED.market, base_asset = EXCLUDED.base_asset, settle_asset = EXCLUDED.settle_asset,
          contract_size = EXCLUDED.contract_size, status = EXCLUDED.status
      WHERE (t.market, t.base_asset, t.settle_asset, t.contract_size, t.status)
            IS DISTINCT FROM
            (EXCLUDED.market, EXCLUDED.base_asset, EXCLUDED.settle_asset, EXCLUDED.contract_size,
             EXCLUDED.status);
    GET DIAGNOSTICS written = ROW_COUNT;

  ELSIF ep IN ('/papi/v1/um/leverageBracket', '/papi/v1/cm/leverageBracket') THEN
    mkt := CASE WHEN ep LIKE '%/um/%' THEN 'UM' ELSE 'CM' END;
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{symbol,notionalCoef?}', '{text,number?}');
    SELECT e.ord, e.x ->> 'symbol' AS symbol, e.x -> 'notionalCoef' AS coef INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE nullif(e.x ->> 'notionalCoef', '')::numeric <> 1
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'symbol % (element % of the answer of %) has brackets adjusted for its user', pm.excerpt(bad.symbol), bad.ord, ep
        USING ERRCODE = 'feature_not_supported',
              DETAIL = format('Its notionalCoef is %s; brackets are kept per symbol, for every account alike.', pm.excerpt(bad.coef::text)),
              HINT = 'Import the brackets of a user whose brackets are not adjusted (no notionalCoef, or 1).';
    END IF;
    -- the limit: the last bracket's cap
    INSERT INTO pm.binance_symbol AS t (symbol, brackets, brackets_market, position_limit)
    SELECT e.x ->> 'symbol', pm.tiers_from_binance(e.x), mkt,
           (SELECT max(pm.json_numeric(b.y -> CASE mkt WHEN 'UM' THEN 'notionalCap' ELSE 'qtyCap' END,
                                       format('the %s of bracket %s of element %s of the answer of %s',
                                              CASE mkt WHEN 'UM' THEN 'notionalCap' ELSE 'qtyCap' END, b.k, e.ord, ep)))
              FROM jsonb_array_elements(e.x -> 'brackets') WITH ORDINALITY AS b(y, k))
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     ORDER BY 1
    ON CONFLICT (symbol) DO UPDATE
      SET brackets = EXCLUDED.brackets, brackets_market = EXCLUDED.brackets_market,
          position_limit = EXCLUDED.position_limit
      WHERE t.brackets IS NULL OR NOT (t.brackets OPERATOR(pm.=) EXCLUDED.brackets)
         OR (t.brackets_market, t.position_limit) IS DISTINCT FROM (EXCLUDED.brackets_market, EXCLUDED.position_limit);
    GET DIAGNOSTICS written = ROW_COUNT;

  ELSIF ep IN ('/fapi/v1/premiumIndex', '/dapi/v1/premiumIndex') THEN
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{symbol,markPrice}', '{text,number}');
    SELECT e.ord, e.x ->> 'symbol' AS symbol INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE (e.x ->> 'markPrice')::numeric <= 0
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'the mark price of symbol % (element % of the answer of %) is not positive',
                      pm.excerpt(bad.symbol), bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO pm.binance_symbol AS t (symbol, mark_price)
    SELECT e ->> 'symbol', (e ->> 'markPrice')::numeric
      FROM jsonb_array_elements(el) AS e
     ORDER BY 1
    ON CONFLICT (symbol) DO UPDATE SET mark_price = EXCLUDED.mark_price
      WHERE t.mark_price IS DISTINCT FROM EXCLUDED.mark_price;
    GET DIAGNOSTICS written = ROW_COUNT;

  ELSIF ep = '/api/v3/exchangeInfo' THEN
    IF jsonb_typeof(answer) IS DISTINCT FROM 'object' OR jsonb_typeof(answer -> 'symbols') IS DISTINCT FROM 'array' THEN
      RAISE EXCEPTION 'the answer of % has no symbols array', ep
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass the answer exactly as Binance returned it: an object with "symbols".';
    END IF;
    el := pm.binance_elements(ep, answer -> 'symbols');
    PERFORM pm.binance_check(ep, el, '{symbol,baseAsset,quoteAsset,status?}', '{text,text,text,text?}');
    INSERT INTO pm.binance_spot_symbol AS t (symbol, base_asset, quote_asset, status)
    SELECT e ->> 'symbol', e ->> 'baseAsset', e ->> 'quoteAsset', nullif(e ->> 'status', '')
      FROM jsonb_array_elements(el) AS e
     ORDER BY 1
    ON CONFLICT (symbol) DO UPDATE
      SET base_asset = EXCLUDED.base_asset, quote_asset = EXCLUDED.quote_asset, status = EXCLUDED.status
      WHERE (t.base_asset, t.quote_asset, t.status) IS DISTINCT FROM
            (EXCLUDED.base_asset, EXCLUDED.quote_asset, EXCLUDED.status);
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;

  -- an account's own answers ------------------------------------------------
  ELSIF ep = '/papi/v1/balance' THEN
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el,
      '{asset,crossMarginFree,crossMarginLocked,crossMarginBorrowed,crossMarginInterest,umWalletBalance,cmWalletBalance}',
      '{text,number,number,number,number,number,number}');
    SELECT d.ord, d.asset INTO bad
      FROM (SELECT e.ord, e.x ->> 'asset' AS asset,
                   row_number() OVER (PARTITION BY e.x ->> 'asset' ORDER BY e.ord) AS r
              FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)) d
     WHERE d.r = 2
     ORDER BY d.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'asset % appears twice in the answer of % (element %)', pm.excerpt(bad.asset), ep, bad.ord
        USING ERRCODE = 'unique_violation';
    END IF;
    -- an asset with nothing in any wallet is no balance
    balances := ARRAY(
      SELECT ROW(account_id, b.asset, b.f, b.l, b.bo, b.i, b.u, b.c)::pm.balance
        FROM jsonb_array_elements(el) AS e
       CROSS JOIN LATERAL (SELECT e ->> 'asset', (e ->> 'crossMarginFree')::numeric,
                                  (e ->> 'crossMarginLocked')::numeric, (e ->> 'crossMarginBorrowed')::numeric,
                                  (e ->> 'crossMarginInterest')::numeric, (e ->> 'umWalletBalance')::numeric,
                                  (e ->> 'cmWalletBalance')::numeric) AS b(asset, f, l, bo, i, u, c)
       WHERE (b.f, b.l, b.bo, b.i, b.u, b.c) IS DISTINCT FROM (0, 0, 0, 0, 0, 0)
       ORDER BY b.asset);
    INSERT INTO pm.asset (asset)
    SELECT b.asset FROM unnest(balances) AS b ORDER BY 1
    ON CONFLICT (asset) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    written := n;
    DELETE FROM pm.balance t
     WHERE t.account_id = import_binance.account_id
       AND NOT EXISTS (SELECT FROM unnest(balances) AS b WHERE b.asset = t.asset);
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
    INSERT INTO pm.balance AS t
    SELECT b.* FROM unnest(balances) AS b
    ON CONFLICT ON CONSTRAINT balance_pkey DO UPDATE
      SET cross_free = EXCLUDED.cross_free, cross_locked = EXCLUDED.cross_locked,
          cross_borrowed = EXCLUDED.cross_borrowed, cross_interest = EXCLUDED.cross_interest,
          um_wallet = EXCLUDED.um_wallet, cm_wallet = EXCLUDED.cm_wallet
      WHERE (t.cross_free, t.cross_locked, t.cross_borrowed, t.cross_interest, t.um_wallet, t.cm_wallet)
            IS DISTINCT FROM
            (EXCLUDED.cross_free, EXCLUDED.cross_locked, EXCLUDED.cross_borrowed,
             EXCLUDED.cross_interest, EXCLUDED.um_wallet, EXCLUDED.cm_wallet);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN written + n;

  ELSIF ep IN ('/papi/v1/um/positionRisk', '/papi/v1/cm/positionRisk') THEN
    mkt := CASE WHEN ep LIKE '%/um/%' THEN 'UM' ELSE 'CM' END;
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{symbol,positionAmt,entryPrice,leverage,positionSide}',
                             '{text,number,number,int,text}');
    SELECT e.ord, e.x ->> 'positionSide' AS side INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE e.x ->> 'positionSide' NOT IN ('BOTH', 'LONG', 'SHORT')
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'field positionSide of element % of the answer of % is not BOTH, LONG or SHORT', bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', pm.excerpt(bad.side));
    END IF;
    -- the positions the answer holds (not the zero ones), in answer order
    SELECT e.ord, e.x ->> 'symbol' AS symbol, s.market INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
      LEFT JOIN pm.symbol s ON s.symbol = e.x ->> 'symbol'
     WHERE (e.x ->> 'positionAmt')::numeric <> 0 AND s.market IS DISTINCT FROM mkt
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      IF bad.market IS NULL THEN
        RAISE EXCEPTION 'symbol % of element % of the answer of % is not in pm.symbol', pm.excerpt(bad.symbol), bad.ord, ep
          USING ERRCODE = 'foreign_key_violation',
                HINT = format('Import its terms (%s), brackets (%s) and mark (%s) first.',
                              CASE mkt WHEN 'UM' THEN '/fapi/v1/exchangeInfo' ELSE '/dapi/v1/exchangeInfo' END,
                              CASE mkt WHEN 'UM' THEN '/papi/v1/um/leverageBracket' ELSE '/papi/v1/cm/leverageBracket' END,
                              CASE mkt WHEN 'UM' THEN '/fapi/v1/premiumIndex' ELSE '/dapi/v1/premiumIndex' END);
      END IF;
      RAISE EXCEPTION 'symbol % of element % of the answer of % is a % symbol', pm.excerpt(bad.symbol), bad.ord, ep, bad.market
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT e.ord, e.x ->> 'symbol' AS symbol INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE (e.x ->> 'positionAmt')::numeric <> 0 AND (e.x ->> 'entryPrice')::numeric <= 0
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'field entryPrice of element % of the answer of % is not positive', bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('The position in %s is open, so it has an entry price.', pm.excerpt(bad.symbol));
    END IF;
    SELECT d.ord, d.symbol, d.side INTO bad
      FROM (SELECT e.ord, e.x ->> 'symbol' AS symbol, e.x ->> 'positionSide' AS side,
                   row_number() OVER (PARTITION BY e.x ->> 'symbol', e.x ->> 'positionSide' ORDER BY e.ord) AS r
              FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
             WHERE (e.x ->> 'positionAmt')::numeric <> 0) d
     WHERE d.r = 2
     ORDER BY d.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'position % % appears twice in the answer of % (element %)', pm.excerpt(bad.symbol), bad.side, ep, bad.ord
        USING ERRCODE = 'unique_violation';
    END IF;
    -- a hedge-mode leg takes its side's sign
    positions := ARRAY(
      SELECT ROW(account_id, e ->> 'symbol', e ->> 'positionSide',
                 CASE e ->> 'positionSide' WHEN 'LONG' THEN abs((e ->> 'positionAmt')::numeric)
                                           WHEN 'SHORT' THEN -abs((e ->> 'positionAmt')::numeric)
                                           ELSE (e ->> 'positionAmt')::numeric END,
                 (e ->> 'entryPrice')::numeric, (e ->> 'leverage')::numeric::int4)::pm.position
        FROM jsonb_array_elements(el) AS e
       WHERE (e ->> 'positionAmt')::numeric <> 0
       ORDER BY e ->> 'symbol', e ->> 'positionSide');
    DELETE FROM pm.position t
     USING pm.symbol s
     WHERE t.account_id = import_binance.account_id AND s.symbol = t.symbol AND s.market = mkt
       AND NOT EXISTS (SELECT FROM unnest(positions) AS p WHERE p.symbol = t.symbol AND p.side = t.side);
    GET DIAGNOSTICS written = ROW_COUNT;
    INSERT INTO pm.position AS t
    SELECT p.* FROM unnest(positions) AS p
    ON CONFLICT ON CONSTRAINT position_pkey DO UPDATE
      SET qty = EXCLUDED.qty, entry_price = EXCLUDED.entry_price, leverage = EXCLUDED.leverage
      WHERE (t.qty, t.entry_price, t.leverage) IS DISTINCT FROM
            (EXCLUDED.qty, EXCLUDED.entry_price, EXCLUDED.leverage);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN written + n;

  ELSIF ep = '/papi/v1/margin/openOrders' THEN
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{orderId,symbol,side,origQty,executedQty?,price,stopPrice?}',
                             '{id,text,text,number,number?,number,number?}');
    SELECT e.ord, e.x ->> 'side' AS side INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE e.x ->> 'side' NOT IN ('BUY', 'SELL')
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'field side of element % of the answer of % is not BUY or SELL', bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', pm.excerpt(bad.side));
    END IF;
    SELECT e.ord, e.x ->> 'symbol' AS symbol INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
      LEFT JOIN pm.binance_spot_symbol s ON s.symbol = e.x ->> 'symbol'
     WHERE s.symbol IS NULL
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'symbol % of element % of the answer of % is not in pm.binance_spot_symbol',
                      pm.excerpt(bad.symbol), bad.ord, ep
        USING ERRCODE = 'foreign_key_violation',
              HINT = 'Import /api/v3/exchangeInfo first: an order''s two assets are its symbol''s base and quote assets.';
    END IF;
    -- what is left of the order, at its limit price (a stop order's own
    -- price when it has none)
    SELECT e.ord INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE (e.x ->> 'origQty')::numeric - coalesce(nullif(e.x ->> 'executedQty', '')::numeric, 0) > 0
       AND coalesce(nullif((e.x ->> 'price')::numeric, 0), nullif(e.x ->> 'stopPrice', '')::numeric, 0) <= 0
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'element % of the answer of % has no price to value the order at', bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = 'Its price and stopPrice are both zero.';
    END IF;
    SELECT d.ord, d.id INTO bad
      FROM (SELECT e.ord, e.x ->> 'orderId' AS id,
                   row_number() OVER (PARTITION BY (e.x ->> 'orderId')::numeric ORDER BY e.ord) AS r
              FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)) d
     WHERE d.r = 2
     ORDER BY d.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'order % appears twice in the answer of % (element %)', pm.excerpt(bad.id), ep, bad.ord
        USING ERRCODE = 'unique_violation';
    END IF;
    orders := ARRAY(
      SELECT ROW(account_id, o.id,
                 CASE WHEN o.side = 'BUY' THEN s.quote_asset ELSE s.base_asset END,
                 CASE WHEN o.side = 'BUY' THEN o.qty * o.price ELSE o.qty END,
                 CASE WHEN o.side = 'BUY' THEN s.base_asset ELSE s.quote_asset END,
                 CASE WHEN o.side = 'BUY' THEN o.qty ELSE o.qty * o.price END)::pm.open_order
        FROM jsonb_array_elements(el) AS e
        JOIN pm.binance_spot_symbol s ON s.symbol = e ->> 'symbol'
       CROSS JOIN LATERAL (SELECT (e ->> 'orderId')::numeric::int8, e ->> 'side',
                                  (e ->> 'origQty')::numeric - coalesce(nullif(e ->> 'executedQty', '')::numeric, 0),
                                  coalesce(nullif((e ->> 'price')::numeric, 0), nullif(e ->> 'stopPrice', '')::numeric))
                          AS o(id, side, qty, price)
       WHERE o.qty > 0
       ORDER BY o.id);
    INSERT INTO pm.asset (asset)
    SELECT a.asset FROM unnest(orders) AS o CROSS JOIN LATERAL (VALUES (o.sell_asset), (o.buy_asset)) AS a(asset)
     GROUP BY a.asset ORDER BY 1
    ON CONFLICT (asset) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    written := n;
    DELETE FROM pm.open_order t
     WHERE t.account_id = import_binance.account_id
       AND NOT EXISTS (SELECT FROM unnest(orders) AS o WHERE o.order_id = t.order_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
    INSERT INTO pm.open_order AS t
    SELECT o.* FROM unnest(orders) AS o
    ON CONFLICT ON CONSTRAINT open_order_pkey DO UPDATE
      SET sell_asset = EXCLUDED.sell_asset, sell_qty = EXCLUDED.sell_qty,
          buy_asset = EXCLUDED.buy_asset, buy_qty = EXCLUDED.buy_qty
      WHERE (t.sell_asset, t.sell_qty, t.buy_asset, t.buy_qty) IS DISTINCT FROM
            (EXCLUDED.sell_asset, EXCLUDED.sell_qty, EXCLUDED.buy_asset, EXCLUDED.buy_qty);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN written + n;

  ELSE
    RAISE EXCEPTION 'pm.import_binance does not know the endpoint %', coalesce(pm.excerpt(endpoint), 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Known: /sapi/v1/portfolio/asset-index-price, /sapi/v1/portfolio/collateralRate, '
                   '/sapi/v2/portfolio/collateralRate, /fapi/v1/exchangeInfo, /dapi/v1/exchangeInfo, '
                   '/papi/v1/um/leverageBracket, /papi/v1/cm/leverageBracket, /fapi/v1/premiumIndex, '
                   '/dapi/v1/premiumIndex, /api/v3/exchangeInfo, /papi/v1/balance, /papi/v1/um/positionRisk, '
                   '/papi/v1/cm/positionRisk, /papi/v1/margin/openOrders.';
  END IF;

  -- a reference answer about symbols: publish those it made whole
  SELECT array_agg(e ->> 'symbol') INTO names FROM jsonb_array_elements(el) AS e;
  RETURN written + pm.binance_symbols_publish(names);
END
$$;
