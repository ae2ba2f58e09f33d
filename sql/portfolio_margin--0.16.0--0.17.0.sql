------------------------------------------------------------------------------
-- portfolio_margin 0.16.0 -> 0.17.0: Binance's answers in.
--
-- * pm.import_binance(endpoint, answer, account_id): Binance's answers,
--   exactly as the API returns them, into the tables.  Reference answers
--   (asset index prices, flat and tiered collateral rates, the futures
--   exchangeInfo, UM and CM leverage brackets, mark prices) upsert what they
--   name, in any order; an account's answer (balances, UM and CM positions)
--   replaces what the previous import of that endpoint wrote for it.
-- * Open orders (/papi/v1/margin/openOrders) take their two assets from the
--   spot symbols of /api/v3/exchangeInfo, kept in pm.binance_spot_symbol.
-- * pm.binance_symbol keeps what the answers said of each futures symbol
--   until its terms, brackets and mark are all known; then it is in
--   pm.symbol, and follows every later answer.
-- * Position limits: pm.symbol.position_limit (the last bracket's cap, set
--   by the bracket import), the view pm.position_over_limit, and a warning
--   from pm.whatif when a change would put a position over its limit.
-- * pm.reconcile_binance(account_id, answer): Binance's own figures for an
--   account beside ours, field by field, judged at the precision Binance
--   printed.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.17.0'" to load this file. \quit

ALTER TABLE pm.symbol ADD COLUMN position_limit pg_catalog.numeric
  CONSTRAINT symbol_position_limit_positive_finite
  CHECK (position_limit IS NULL OR (pm.finite(position_limit) AND position_limit > 0));
COMMENT ON COLUMN pm.symbol.position_limit IS 'the largest notional a position may hold (UM: quote units, CM: coin), Binance''s last bracket cap; NULL for none (pm.position_over_limit)';

------------------------------------------------------------------------------
-- Binance answers in
------------------------------------------------------------------------------

-- What Binance's reference answers say of each futures symbol, as they
-- arrive: its terms (exchangeInfo), its brackets (leverageBracket) and its
-- mark (premiumIndex) come from three endpoints, in any order.  A symbol
-- enters pm.symbol once it has all three, and follows every later answer.
CREATE TABLE pm.binance_symbol (
  symbol pg_catalog.text PRIMARY KEY
    CONSTRAINT binance_symbol_name_1_to_255_bytes CHECK (pg_catalog.octet_length(symbol) BETWEEN 1 AND 255),
  market pg_catalog.text
    CONSTRAINT binance_symbol_market_um_or_cm CHECK (market IN ('UM', 'CM')),
  base_asset pg_catalog.text,
  settle_asset pg_catalog.text,
  contract_size pg_catalog.numeric,
  status pg_catalog.text,
  brackets pm.tiers,
  brackets_market pg_catalog.text
    CONSTRAINT binance_symbol_brackets_market_um_or_cm CHECK (brackets_market IN ('UM', 'CM')),
  mark_price pg_catalog.numeric
    CONSTRAINT binance_symbol_mark_price_positive_finite CHECK (pm.finite(mark_price) AND mark_price > 0),
  position_limit pg_catalog.numeric
    CONSTRAINT binance_symbol_position_limit_positive_finite
    CHECK (position_limit IS NULL OR (pm.finite(position_limit) AND position_limit > 0)),
  CONSTRAINT binance_symbol_terms_whole
    CHECK ((market IS NULL) = (base_asset IS NULL) AND (market IS NULL) = (settle_asset IS NULL)),
  CONSTRAINT binance_symbol_brackets_with_market CHECK ((brackets IS NULL) = (brackets_market IS NULL))
);
COMMENT ON TABLE pm.binance_symbol IS
  'what Binance''s reference answers said of each futures symbol (pm.import_binance): terms, brackets and mark as they arrive; a symbol with all three is in pm.symbol';
COMMENT ON COLUMN pm.binance_symbol.symbol IS 'contract symbol, as Binance names it';
COMMENT ON COLUMN pm.binance_symbol.market IS 'UM (from /fapi/v1/exchangeInfo) or CM (from /dapi/v1/exchangeInfo); NULL until one of them named the symbol';
COMMENT ON COLUMN pm.binance_symbol.base_asset IS 'baseAsset';
COMMENT ON COLUMN pm.binance_symbol.settle_asset IS 'marginAsset: the asset PnL and margin are paid in';
COMMENT ON COLUMN pm.binance_symbol.contract_size IS 'contractSize (COIN-M only)';
COMMENT ON COLUMN pm.binance_symbol.status IS 'status (USD-M) or contractStatus (COIN-M), e.g. TRADING';
COMMENT ON COLUMN pm.binance_symbol.brackets IS 'maintenance-margin brackets from /papi/v1/um/leverageBracket or /papi/v1/cm/leverageBracket';
COMMENT ON COLUMN pm.binance_symbol.brackets_market IS 'UM or CM: which bracket endpoint gave them';
COMMENT ON COLUMN pm.binance_symbol.mark_price IS 'markPrice from /fapi/v1/premiumIndex or /dapi/v1/premiumIndex';
COMMENT ON COLUMN pm.binance_symbol.position_limit IS 'the last bracket''s cap (notionalCap, or qtyCap for COIN-M): the largest notional a position may hold';
SELECT pg_catalog.pg_extension_config_dump('pm.binance_symbol', '');

-- Spot symbols as /api/v3/exchangeInfo names them: an open order's two legs
-- are its symbol's base and quote assets.
CREATE TABLE pm.binance_spot_symbol (
  symbol pg_catalog.text PRIMARY KEY
    CONSTRAINT binance_spot_symbol_name_1_to_255_bytes CHECK (pg_catalog.octet_length(symbol) BETWEEN 1 AND 255),
  base_asset pg_catalog.text NOT NULL,
  quote_asset pg_catalog.text NOT NULL,
  status pg_catalog.text,
  CONSTRAINT binance_spot_symbol_two_assets CHECK (base_asset <> quote_asset)
);
COMMENT ON TABLE pm.binance_spot_symbol IS
  'spot symbols as Binance''s /api/v3/exchangeInfo names them (pm.import_binance): the two assets an open order of /papi/v1/margin/openOrders trades';
COMMENT ON COLUMN pm.binance_spot_symbol.symbol IS 'spot symbol, e.g. BNBBTC';
COMMENT ON COLUMN pm.binance_spot_symbol.base_asset IS 'baseAsset: what the symbol''s quantities count';
COMMENT ON COLUMN pm.binance_spot_symbol.quote_asset IS 'quoteAsset: what its prices are in';
COMMENT ON COLUMN pm.binance_spot_symbol.status IS 'status, e.g. TRADING';
SELECT pg_catalog.pg_extension_config_dump('pm.binance_spot_symbol', '');

-- The answer as an array of elements: an object is an array of one (Binance
-- answers some endpoints with an object when asked for one item).
CREATE FUNCTION pm.binance_elements(endpoint pg_catalog.text, answer pg_catalog.jsonb)
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad pg_catalog.int8;
BEGIN
  IF answer IS NULL OR jsonb_typeof(answer) NOT IN ('array', 'object') THEN
    RAISE EXCEPTION 'the answer of % is not a JSON array or object', endpoint
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', coalesce(pm.excerpt(answer::text), 'NULL')),
            HINT = 'Pass the answer exactly as Binance returned it.';
  END IF;
  IF jsonb_typeof(answer) = 'object' THEN
    answer := jsonb_build_array(answer);
  END IF;
  SELECT e.ord INTO bad
    FROM jsonb_array_elements(answer) WITH ORDINALITY AS e(el, ord)
   WHERE jsonb_typeof(e.el) <> 'object'
   ORDER BY e.ord LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'element % of the answer of % is not a JSON object', bad, endpoint
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', pm.excerpt((answer -> (bad - 1)::int)::text));
  END IF;
  RETURN answer;
END
$$;
COMMENT ON FUNCTION pm.binance_elements(endpoint text, answer jsonb) IS
  'a Binance answer as an array of JSON objects (an object is an array of one); an error naming the element otherwise';

-- The first missing or malformed field of the elements, as an error that
-- names element and field; nothing is written before every element passed.
-- kinds: 'text' a non-empty JSON string, 'number' a JSON number or a string
-- holding a finite one, 'int' the same holding an integer, 'id' one of up to
-- 18 digits (Binance's order ids); a kind ending in
-- '?' may be absent, null or "".
CREATE FUNCTION pm.binance_check(endpoint pg_catalog.text, elements pg_catalog.jsonb,
                                 fields pg_catalog.text[], kinds pg_catalog.text[])
  RETURNS pg_catalog.void
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad record;
BEGIN
  SELECT e.ord, f.field, f.kind, e.el -> f.field AS value INTO bad
    FROM jsonb_array_elements(elements) WITH ORDINALITY AS e(el, ord)
   CROSS JOIN unnest(fields, kinds) WITH ORDINALITY AS f(field, kind, pos)
   WHERE NOT CASE
           WHEN (e.el -> f.field) IS NULL OR jsonb_typeof(e.el -> f.field) = 'null'
                OR (e.el -> f.field) = '""'::jsonb
             THEN f.kind LIKE '%?'
           WHEN rtrim(f.kind, '?') = 'text'
             THEN jsonb_typeof(e.el -> f.field) = 'string'
           WHEN rtrim(f.kind, '?') = 'number'
             THEN jsonb_typeof(e.el -> f.field) IN ('number', 'string')
                  AND (e.el ->> f.field) ~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,4})?$'
           WHEN rtrim(f.kind, '?') = 'id'
             THEN jsonb_typeof(e.el -> f.field) IN ('number', 'string')
                  AND (e.el ->> f.field) ~ '^[0-9]{1,18}$'
           ELSE jsonb_typeof(e.el -> f.field) IN ('number', 'string')
                AND (e.el ->> f.field) ~ '^[-+]?[0-9]{1,9}(\.0*)?$'
         END
   ORDER BY e.ord, f.pos
   LIMIT 1;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF bad.value IS NULL OR jsonb_typeof(bad.value) = 'null' THEN
    RAISE EXCEPTION 'element % of the answer of % has no field %', bad.ord, endpoint, bad.field
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the answer exactly as Binance returned it.';
  ELSIF bad.value = '""'::jsonb THEN
    RAISE EXCEPTION 'field % of element % of the answer of % is empty', bad.field, bad.ord, endpoint
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RAISE EXCEPTION 'field % of element % of the answer of % is not %', bad.field, bad.ord, endpoint,
                  CASE rtrim(bad.kind, '?') WHEN 'text' THEN 'a string'
                                            WHEN 'number' THEN 'a number'
                                            WHEN 'id' THEN 'an identifier' ELSE 'an integer' END
    USING ERRCODE = CASE WHEN rtrim(bad.kind, '?') = 'text' THEN 'invalid_parameter_value'
                         ELSE 'invalid_text_representation' END,
          DETAIL = format('It is %s.', pm.excerpt(bad.value::text));
END
$$;
COMMENT ON FUNCTION pm.binance_check(endpoint text, elements jsonb, fields text[], kinds text[]) IS
  'an error naming the first element and field of a Binance answer that is missing or not of its kind (text, number, int, id; ? when optional)';

-- Symbols whose terms, brackets and mark are all known enter pm.symbol, or
-- follow the answers; their assets are created (without an index price)
-- when missing.  Returns the rows of pm.asset and pm.symbol it wrote.
CREATE FUNCTION pm.binance_symbols_publish(symbols pg_catalog.text[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql STRICT
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n pg_catalog.int4;
  written pg_catalog.int4 := 0;
  bad record;
BEGIN
  SELECT s.symbol, s.market, s.brackets_market INTO bad
    FROM pm.binance_symbol s
   WHERE s.symbol = ANY (symbols) AND s.market IS NOT NULL AND s.brackets_market IS NOT NULL
     AND s.market <> s.brackets_market
   ORDER BY s.symbol LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'symbol % is % by its exchangeInfo but has % brackets', pm.excerpt(bad.symbol),
                    bad.market, bad.brackets_market
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'USD-M symbols take /papi/v1/um/leverageBracket, COIN-M symbols /papi/v1/cm/leverageBracket.';
  END IF;
  INSERT INTO pm.asset (asset)
  SELECT DISTINCT a.asset
    FROM pm.binance_symbol s
   CROSS JOIN LATERAL (VALUES (s.base_asset), (s.settle_asset)) AS a(asset)
   WHERE s.symbol = ANY (symbols) AND s.market IS NOT NULL AND s.brackets IS NOT NULL
     AND s.mark_price IS NOT NULL
  ON CONFLICT (asset) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  written := written + n;
  INSERT INTO pm.symbol AS t (symbol, market, base_asset, settle_asset, contract_size, mark_price, brackets,
                              position_limit)
  SELECT s.symbol, s.market, s.base_asset, s.settle_asset,
         CASE WHEN s.market = 'CM' THEN s.contract_size END, s.mark_price, s.brackets, s.position_limit
    FROM pm.binance_symbol s
   WHERE s.symbol = ANY (symbols) AND s.market IS NOT NULL AND s.brackets IS NOT NULL
     AND s.mark_price IS NOT NULL
   ORDER BY s.symbol
  ON CONFLICT (symbol) DO UPDATE
    SET market = EXCLUDED.market, base_asset = EXCLUDED.base_asset,
        settle_asset = EXCLUDED.settle_asset, contract_size = EXCLUDED.contract_size,
        mark_price = EXCLUDED.mark_price, brackets = EXCLUDED.brackets,
        position_limit = EXCLUDED.position_limit
    WHERE (t.market, t.base_asset, t.settle_asset, t.contract_size, t.mark_price, t.position_limit)
            IS DISTINCT FROM
          (EXCLUDED.market, EXCLUDED.base_asset, EXCLUDED.settle_asset, EXCLUDED.contract_size,
           EXCLUDED.mark_price, EXCLUDED.position_limit)
       OR NOT (t.brackets OPERATOR(pm.=) EXCLUDED.brackets);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN written + n;
END
$$;
COMMENT ON FUNCTION pm.binance_symbols_publish(symbols text[]) IS
  'the symbols among these whose terms, brackets and mark pm.binance_symbol holds, into pm.symbol (and their assets into pm.asset); rows written';
REVOKE EXECUTE ON FUNCTION pm.binance_symbols_publish(symbols text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pm.binance_symbols_publish(symbols text[]) TO pm_writer;

-- Binance's answers, as the API returns them, into the tables.  Reference
-- answers (any order) upsert what they name; an account answer replaces
-- what the previous import of that endpoint wrote for the account.  Every
-- element is checked before anything is written; runs with the caller's
-- privileges and row-level security.
CREATE FUNCTION pm.import_binance(endpoint pg_catalog.text, answer pg_catalog.jsonb,
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
COMMENT ON FUNCTION pm.import_binance(endpoint text, answer jsonb, account_id bigint) IS
  'Binance''s answer of an endpoint, exactly as the API returns it, into the tables: reference data upserted, an account''s answer replacing what the previous import of that endpoint wrote for it; rows written';
REVOKE EXECUTE ON FUNCTION pm.import_binance(endpoint text, answer jsonb, account_id bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pm.import_binance(endpoint text, answer jsonb, account_id bigint) TO pm_writer;

-- The independent check a firm runs against the exchange: Binance's own
-- figures for an account (/papi/v1/account, or the classic
-- /sapi/v1/portfolio/account) beside ours, field by field, each judged at
-- the precision Binance printed it.
CREATE FUNCTION pm.reconcile_binance(account_id pg_catalog.int8, answer pg_catalog.jsonb,
  OUT field pg_catalog.text, OUT binance pg_catalog.text, OUT computed pg_catalog.text,
  OUT difference pg_catalog.numeric, OUT agrees pg_catalog.bool)
  RETURNS SETOF record
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 9
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r pm.account_risk;
  bad record;
BEGIN
  PERFORM pm.check_account(reconcile_binance.account_id);
  IF jsonb_typeof(answer) <> 'object' THEN
    RAISE EXCEPTION 'the account answer is not a JSON object'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', pm.excerpt(answer::text)),
            HINT = 'Pass the answer of /papi/v1/account (or /sapi/v1/portfolio/account) exactly as Binance returned it.';
  END IF;
  -- a number may come with thousands separators (Binance's own sample of
  -- /sapi/v1/portfolio/account does); "" or absent is a field Binance left out
  SELECT f.name, answer -> f.name AS value INTO bad
    FROM unnest(ARRAY['uniMMR', 'accountEquity', 'actualEquity', 'accountMaintMargin', 'accountInitialMargin',
                      'totalAvailableBalance', 'virtualMaxWithdrawAmount', 'totalMarginOpenLoss']) AS f(name)
   WHERE answer -> f.name IS NOT NULL AND answer -> f.name NOT IN ('null', '""')
     AND (jsonb_typeof(answer -> f.name) NOT IN ('string', 'number')
          OR replace(answer ->> f.name, ',', '') !~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,4})?$')
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'field % of the account answer is not a number', bad.name
      USING ERRCODE = 'invalid_text_representation', DETAIL = format('It is %s.', pm.excerpt(bad.value::text));
  END IF;
  IF answer -> 'accountStatus' IS NOT NULL AND jsonb_typeof(answer -> 'accountStatus') NOT IN ('string', 'null') THEN
    RAISE EXCEPTION 'field accountStatus of the account answer is not a string'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', pm.excerpt((answer -> 'accountStatus')::text));
  END IF;
  SELECT * INTO r FROM pm.account_risk_of(reconcile_binance.account_id);
  RETURN QUERY
  SELECT f.name, b.printed, f.value,
         CASE WHEN f.is_number THEN f.value::numeric - b.printed::numeric END,
         CASE WHEN b.printed IS NULL OR f.value IS NULL THEN NULL
              WHEN NOT f.is_number THEN b.printed = f.value
              ELSE round(f.value::numeric, scale(b.printed::numeric)) = b.printed::numeric END
    FROM (VALUES (1, 'uniMMR', true, r.uni_mmr::text),
                 (2, 'accountEquity', true, r.account_equity::text),
                 (3, 'actualEquity', true, r.actual_equity::text),
                 (4, 'accountMaintMargin', true, r.account_maint_margin::text),
                 (5, 'accountInitialMargin', true, r.account_initial_margin::text),
                 (6, 'totalAvailableBalance', true, r.total_available_balance::text),
                 (7, 'virtualMaxWithdrawAmount', true, r.virtual_max_withdraw_amount::text),
                 (8, 'totalMarginOpenLoss', true, r.total_margin_open_loss::text),
                 (9, 'accountStatus', false, r.account_status)) AS f(pos, name, is_number, value)
   CROSS JOIN LATERAL (SELECT nullif(CASE WHEN f.is_number THEN replace(answer ->> f.name, ',', '')
                                          ELSE answer ->> f.name END, '')) AS b(printed)
   ORDER BY f.pos;
END
$$;
COMMENT ON FUNCTION pm.reconcile_binance(account_id bigint, answer jsonb, OUT field text, OUT binance text, OUT computed text, OUT difference numeric, OUT agrees boolean) IS
  'Binance''s own figures for the account (the answer of /papi/v1/account or /sapi/v1/portfolio/account) beside ours, one row per field; agrees judged at the precision Binance printed (NULL where either side has no value)';

GRANT SELECT ON pm.binance_spot_symbol, pm.binance_symbol TO pm_reader;
GRANT DELETE, INSERT, UPDATE ON pm.binance_spot_symbol, pm.binance_symbol TO pm_writer;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.binance_spot_symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.binance_spot_symbol ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.binance_spot_symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.binance_spot_symbol ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.binance_symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.binance_symbol ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.binance_symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.binance_symbol ENABLE ALWAYS TRIGGER restore_guard_end;

-- Positions over their symbol's limit: Binance caps a position's notional
-- at its last bracket's cap (UM in the quote asset, CM in the coin).  Exact:
-- a CM notional is compared as contracts x size against limit x mark, and
-- shown as pm.position_risk shows it (pm.cm_notional).
CREATE VIEW pm.position_over_limit AS
SELECT p.account_id, p.symbol, p.side, s.market, p.qty,
       n.notional, s.position_limit, n.notional - s.position_limit AS over_by
  FROM pm."position" p
  JOIN pm.symbol s ON s.symbol = p.symbol
 CROSS JOIN LATERAL (SELECT CASE WHEN s.market = 'UM' THEN abs(p.qty) * s.mark_price
                                 ELSE pm.cm_notional(p.qty, s.contract_size, s.mark_price) END) AS n(notional)
 WHERE s.position_limit IS NOT NULL
   AND CASE WHEN s.market = 'UM' THEN abs(p.qty) * s.mark_price > s.position_limit
            ELSE abs(p.qty) * s.contract_size > s.position_limit * s.mark_price END;
COMMENT ON VIEW pm.position_over_limit IS
  'positions whose notional is over their symbol''s limit (pm.symbol.position_limit), and by how much';
COMMENT ON COLUMN pm.position_over_limit.account_id IS 'account';
COMMENT ON COLUMN pm.position_over_limit.symbol IS 'contract';
COMMENT ON COLUMN pm.position_over_limit.side IS 'BOTH, LONG or SHORT: each leg is held to the limit on its own';
COMMENT ON COLUMN pm.position_over_limit.market IS 'UM or CM';
COMMENT ON COLUMN pm.position_over_limit.qty IS 'signed size: base units for UM, contracts for CM';
COMMENT ON COLUMN pm.position_over_limit.notional IS 'the position''s notional at the mark: UM in the quote asset, CM in the coin';
COMMENT ON COLUMN pm.position_over_limit.position_limit IS 'the symbol''s limit, in the same unit';
COMMENT ON COLUMN pm.position_over_limit.over_by IS 'notional less the limit';

DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.position_over_limit SET (security_invoker = true);
  END IF;
END
$$;
GRANT SELECT ON pm.position_over_limit TO pm_reader;

-- pm.whatif reports a change that would put a position over its limit.
CREATE OR REPLACE FUNCTION pm.whatif(account_id pg_catalog.int8, changes pg_catalog.jsonb)
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
  singular CONSTANT jsonb := '{"positions": "position", "orders": "order", "transfers": "transfer",
                               "loans": "loan"}';
  k text;
  elem jsonb;
  i int8;
  f text;
  what text;
  mark numeric;
  lev numeric;
  pos pm.position;
  ord pm.open_order;
  bal pm.balance;
  positions pm.position[] := '{}';
  orders pm.open_order[] := '{}';
  balances pm.balance[] := '{}';
  move_asset text[] := '{}';
  move_amount numeric[] := '{}';
  move_wallet text[] := '{}';
  move_what text[] := '{}';
  result pm.account_risk;
BEGIN
  PERFORM pm.check_account(whatif.account_id);
  IF jsonb_typeof(changes) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'changes must be a JSON object'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Its keys are positions, orders, transfers and loans, each a list of objects.';
  END IF;
  FOR k IN SELECT jsonb_object_keys(changes) LOOP
    IF NOT allowed ? k THEN
      RAISE EXCEPTION 'unknown key "%" in changes', pm.excerpt(k)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Its keys are positions, orders, transfers and loans, each a list of objects.';
    END IF;
    IF jsonb_typeof(changes -> k) <> 'array' THEN
      RAISE EXCEPTION '"%" of changes must be a JSON array of objects', k
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR elem, i IN SELECT e, n FROM jsonb_array_elements(changes -> k) WITH ORDINALITY AS x(e, n) LOOP
      what := format('%s %s of changes', singular ->> k, i);
      IF jsonb_typeof(elem) <> 'object' THEN
        RAISE EXCEPTION '% is not a JSON object', what
          USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', pm.excerpt(elem::text));
      END IF;
      FOR f IN SELECT jsonb_object_keys(elem) LOOP
        IF NOT (allowed -> k) ? f THEN
          RAISE EXCEPTION 'unknown field "%" in %', pm.excerpt(f), what
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('The fields of %s are %s.', k, allowed -> k);
        END IF;
      END LOOP;
      FOR f IN SELECT jsonb_array_elements_text(required -> k) LOOP
        IF elem -> f IS NULL OR jsonb_typeof(elem -> f) = 'null' THEN
          RAISE EXCEPTION '% has no "%"', what, f USING ERRCODE = 'null_value_not_allowed';
        END IF;
      END LOOP;
    END LOOP;
  END LOOP;

  -- positions: each a row pm.position would take
  FOR elem, i IN SELECT e, n FROM jsonb_array_elements(coalesce(changes -> 'positions', '[]'))
                         WITH ORDINALITY AS x(e, n) LOOP
    what := format('position %s of changes', i);
    pos.account_id := whatif.account_id;
    pos.symbol := pm.json_text(elem -> 'symbol', 'symbol of ' || what);
    SELECT s.mark_price INTO mark FROM pm.symbol s WHERE s.symbol = pos.symbol;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'symbol "%" of % is not in pm.symbol', pm.excerpt(pos.symbol), what
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    pos.side := coalesce(pm.json_text(elem -> 'side', 'side of ' || what), 'BOTH');
    pos.qty := pm.json_numeric(elem -> 'qty', 'qty of ' || what);
    pos.entry_price := coalesce(pm.json_numeric(elem -> 'entry_price', 'entry_price of ' || what), mark);
    lev := coalesce(pm.json_numeric(elem -> 'leverage', 'leverage of ' || what), 20);
    IF lev <> trunc(lev) OR abs(lev) > 2147483647 THEN
      RAISE EXCEPTION 'leverage of % is not a whole number', what
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', pm.excerpt(lev::text));
    END IF;
    pos.leverage := lev::int4;
    PERFORM pm.check_row('pm.position'::regclass, pos, what);
    IF EXISTS (SELECT FROM unnest(positions) p WHERE p.symbol = pos.symbol AND p.side = pos.side) THEN
      RAISE EXCEPTION '% is a second position on % %', what, pm.excerpt(pos.symbol), pos.side
        USING ERRCODE = 'unique_violation',
              DETAIL = 'An account holds one position per symbol and side (pm.position''s primary key).';
    END IF;
    positions := positions || pos;
  END LOOP;
  -- a position over its symbol's limit is reported, not refused: the
  -- question is what the account would be, and the exchange would say no
  FOR f, what, mark, lev IN
    SELECT p.symbol, p.side, n.notional, s.position_limit
      FROM unnest(positions) AS p
      JOIN pm.symbol s ON s.symbol = p.symbol
     CROSS JOIN LATERAL (SELECT CASE WHEN s.market = 'UM' THEN abs(p.qty) * s.mark_price
                                     ELSE pm.cm_notional(p.qty, s.contract_size, s.mark_price) END) AS n(notional)
     WHERE s.position_limit IS NOT NULL
       AND CASE WHEN s.market = 'UM' THEN abs(p.qty) * s.mark_price > s.position_limit
                ELSE abs(p.qty) * s.contract_size > s.position_limit * s.mark_price END
  LOOP
    RAISE WARNING 'the changes put the % % position over its limit', pm.excerpt(f), what
      USING DETAIL = format('Its notional would be %s; the limit is %s (pm.symbol.position_limit).', mark, lev);
  END LOOP;

  -- orders: each a row pm.open_order would take
  FOR elem, i IN SELECT e, n FROM jsonb_array_elements(coalesce(changes -> 'orders', '[]'))
                         WITH ORDINALITY AS x(e, n) LOOP
    what := format('order %s of changes', i);
    ord.account_id := whatif.account_id;
    ord.order_id := -i;
    ord.sell_asset := pm.json_text(elem -> 'sell_asset', 'sell_asset of ' || what);
    ord.sell_qty := pm.json_numeric(elem -> 'sell_qty', 'sell_qty of ' || what);
    ord.buy_asset := pm.json_text(elem -> 'buy_asset', 'buy_asset of ' || what);
    ord.buy_qty := pm.json_numeric(elem -> 'buy_qty', 'buy_qty of ' || what);
    FOREACH f IN ARRAY ARRAY[ord.sell_asset, ord.buy_asset] LOOP
      IF NOT EXISTS (SELECT FROM pm.asset a WHERE a.asset = f) THEN
        RAISE EXCEPTION 'asset "%" of % is not in pm.asset', pm.excerpt(f), what
          USING ERRCODE = 'foreign_key_violation';
      END IF;
    END LOOP;
    PERFORM pm.check_row('pm.open_order'::regclass, ord, what);
    orders := orders || ord;
  END LOOP;

  -- transfers and loans: moves of balances, netted per asset below
  FOR elem, i IN SELECT e, n FROM jsonb_array_elements(coalesce(changes -> 'transfers', '[]'))
                         WITH ORDINALITY AS x(e, n) LOOP
    what := format('transfer %s of changes', i);
    f := coalesce(pm.json_text(elem -> 'wallet', 'wallet of ' || what), 'cross');
    IF f NOT IN ('cross', 'um', 'cm') THEN
      RAISE EXCEPTION 'unknown wallet "%" in %', pm.excerpt(f), what
        USING ERRCODE = 'invalid_parameter_value', HINT = 'The wallets are cross, um and cm.';
    END IF;
    move_asset := move_asset || pm.json_text(elem -> 'asset', 'asset of ' || what);
    move_amount := move_amount || pm.json_numeric(elem -> 'amount', 'amount of ' || what);
    move_wallet := move_wallet || f;
    move_what := move_what || what;
  END LOOP;
  FOR elem, i IN SELECT e, n FROM jsonb_array_elements(coalesce(changes -> 'loans', '[]'))
                         WITH ORDINALITY AS x(e, n) LOOP
    what := format('loan %s of changes', i);
    move_asset := move_asset || pm.json_text(elem -> 'asset', 'asset of ' || what);
    move_amount := move_amount || pm.json_numeric(elem -> 'amount', 'amount of ' || what);
    move_wallet := move_wallet || 'loan'::text;
    move_what := move_what || what;
  END LOOP;
  SELECT m.what, m.asset INTO what, f
    FROM unnest(move_asset, move_what) AS m(asset, what)
   WHERE NOT EXISTS (SELECT FROM pm.asset a WHERE a.asset = m.asset)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'asset "%" of % is not in pm.asset', pm.excerpt(f), what
      USING ERRCODE = 'foreign_key_violation';
  END IF;

  -- the balances the moves leave, one per asset moved: each a row
  -- pm.balance would take (a transfer out of more than is there leaves a
  -- negative free balance, which it refuses)
  FOR bal IN
    SELECT whatif.account_id, x.asset, sum(x.free), sum(x.locked), sum(x.borrowed), sum(x.interest),
           sum(x.um), sum(x.cm)
      FROM (SELECT b.asset, b.cross_free AS free, b.cross_locked AS locked, b.cross_borrowed AS borrowed,
                   b.cross_interest AS interest, b.um_wallet AS um, b.cm_wallet AS cm
              FROM pm.balance b
             WHERE b.account_id = whatif.account_id AND b.asset = ANY (move_asset)
            UNION ALL
            SELECT m.asset,
                   CASE WHEN m.wallet IN ('cross', 'loan') THEN m.amount ELSE 0 END, 0,
                   CASE WHEN m.wallet = 'loan' THEN m.amount ELSE 0 END, 0,
                   CASE WHEN m.wallet = 'um' THEN m.amount ELSE 0 END,
                   CASE WHEN m.wallet = 'cm' THEN m.amount ELSE 0 END
              FROM unnest(move_asset, move_amount, move_wallet) AS m(asset, amount, wallet)) x
     GROUP BY x.asset ORDER BY x.asset
  LOOP
    PERFORM pm.check_row('pm.balance'::regclass, bal,
                         format('the %s balance after the changes', pm.excerpt(bal.asset)));
    balances := balances || bal;
  END LOOP;

  WITH rows AS (
    SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
      FROM pm.ledger_row l
     WHERE l.account_id = whatif.account_id
       AND (l.kind IN ('a', 'o')
            OR (l.kind = 'b' AND l.key <> ALL (move_asset))
            OR (l.kind = 'p' AND NOT EXISTS (SELECT FROM unnest(positions) np
                                              WHERE np.symbol = l.key AND np.side = l.key2)))
    UNION ALL
    SELECT 'b', b.asset, NULL, b.cross_free, b.cross_locked, b.cross_borrowed, b.cross_interest,
           b.um_wallet, b.cm_wallet, NULL
      FROM unnest(balances) b
    UNION ALL
    SELECT 'p', p.symbol, p.side, p.qty, p.entry_price, NULL, NULL, NULL, NULL, p.leverage
      FROM unnest(positions) p WHERE p.qty <> 0
    UNION ALL
    SELECT 'o', o.sell_asset, o.buy_asset, o.sell_qty, o.buy_qty, NULL, NULL, NULL, NULL, NULL
      FROM unnest(orders) o
  )
  -- the same fields as pm.account_risk, from the same aggregates
  SELECT whatif.account_id,
         pm.ledger_risk_program(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_uni_mmr(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_account_equity(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_actual_equity(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_account_initial_margin(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_account_maint_margin(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_account_status(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_virtual_max_withdraw_amount(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_total_available_balance(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_total_margin_open_loss(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n),
         pm.ledger_risk_error(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n)
    INTO result
    FROM rows r;
  RETURN result;
END
$$;
