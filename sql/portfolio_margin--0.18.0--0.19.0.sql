------------------------------------------------------------------------------
-- portfolio_margin 0.18.0 -> 0.19.0: time travel.
--
-- * History: every change to accounts, balances, positions, open orders,
--   assets (index prices), symbols (mark prices apart), collateral
--   schedules, loan rates and the status ladder is kept, with the moment it
--   stopped being current, in pm.<table>_history, by statement triggers.
--   History starts at this update (pm.history_start): a moment before it
--   is an error.
-- * pm.<table>_at(at): each input table as it was at a moment;
--   pm.ledger_row_at(at).
-- * pm.account_risk_at(at), pm.account_risk_at(account_id, at),
--   pm.asset_equity_at(at), pm.asset_equity_at(account_id, at),
--   pm.position_risk_at(at): the views as they were at a moment.
-- * pm.risk_sample (day partitions) and pm.sample_risk(keep): every
--   account's risk sampled at the resolution its schedule runs; the BI
--   views pm.status_series, pm.book_series, pm.nearest_liquidation_series.
-- * portfolio_margin.as_of (library): the moment reference data is read as
--   of; the functions that keep pm.account_state put it back to empty.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.19.0'" to load this file. \quit

------------------------------------------------------------------------------
-- History: every input as it was at any moment
------------------------------------------------------------------------------

-- Every change to what risk depends on is kept with the moment it stopped
-- being current, so pm.account_risk_at() and the other as-of functions read
-- the inputs of a past moment back exactly (docs/internals.md, "History").
--
-- System time is the now() of the writing transaction, as in pm.risk_event
-- and as SQL:2016 system-versioned tables stamp it: a transaction's changes
-- all count from the moment it began.  A history table holds, per key of
-- its table, each version a write replaced or deleted, with valid_until,
-- the moment that write's transaction began; and, for a row inserted, an
-- absence (present false) up to that moment.  The version current at a
-- moment is the key's first history row after it, or, when there is none,
-- the row in the table.  Kept by statement triggers of our own (one INSERT
-- ... SELECT per statement from its transition table), not by an extension:
-- PostgreSQL has no system versioning, and Debian's periods keeps whole rows
-- with start and end columns in the table itself -- columns in ours, and a
-- whole symbol row with its brackets for every mark tick.
--
-- Within one transaction only the first change of a key is kept (the others
-- were never visible).  A transaction that began before another one that
-- changed the same key and committed first is stamped just after that one,
-- so a key's history is in commit order.
CREATE TABLE pm.history_start (
  started_at pg_catalog.timestamptz PRIMARY KEY
);
COMMENT ON TABLE pm.history_start IS
  'when pm began keeping history: the earliest row (the extension''s creation, or its update to 0.19.0); a restore adds the dumped rows, so the earliest stays';
COMMENT ON COLUMN pm.history_start.started_at IS 'a moment from which every input''s history is complete';
INSERT INTO pm.history_start (started_at) VALUES (pg_catalog.now());
SELECT pg_catalog.pg_extension_config_dump('pm.history_start', '');

-- true for a moment the history covers; an error before it; NULL for NULL
CREATE FUNCTION pm.history_covers(at pg_catalog.timestamptz) RETURNS pg_catalog.bool
  LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  since timestamptz;
BEGIN
  IF at IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT min(s.started_at) INTO since FROM pm.history_start s;
  IF since IS NULL OR at < since THEN
    RAISE EXCEPTION 'no history as of %', at
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('History starts at %s, when the extension was created or updated to version 0.19.0.',
                            coalesce(since::text, 'no moment')),
            HINT = 'Ask for a later moment.';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION pm.history_covers(at timestamptz) IS
  'true when the history covers the moment (it starts at min(pm.history_start.started_at)); an error before that; NULL for NULL';

-- The valid_until of a version being replaced, given the key's last one:
-- the transaction's now(); NULL (keep nothing) when this transaction has
-- kept the key already; just after the last when a transaction that began
-- later changed the key and committed first.
CREATE FUNCTION pm.history_until(previous pg_catalog.timestamptz) RETURNS pg_catalog.timestamptz
  AS 'MODULE_PATHNAME', 'pm_history_until' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.history_until(previous timestamptz) IS
  'valid_until of a version a write replaces, given the key''s last valid_until: now(); NULL when this transaction kept the key already; a microsecond after the last when that is later than now()';

-- The setting the as-of functions read reference data under, for a moment:
-- ISO 8601 in UTC, which reads back the same under any DateStyle.
CREATE FUNCTION pm.as_of_setting(at pg_catalog.timestamptz) RETURNS pg_catalog.text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE WHEN pg_catalog.isfinite(at)
            THEN pg_catalog.to_char(pg_catalog.timezone('UTC', at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            ELSE at::pg_catalog.text
       END
$$;
COMMENT ON FUNCTION pm.as_of_setting(at timestamptz) IS
  'the value of portfolio_margin.as_of for a moment (ISO 8601, UTC)';

-- The accounts with a row replaced, deleted or inserted since a moment
-- (src/history.c): the as-of reads take the other accounts' rows straight
-- from the tables.
CREATE FUNCTION pm.changed_since(at pg_catalog.timestamptz) RETURNS pg_catalog.int8[]
  AS 'MODULE_PATHNAME', 'pm_changed_since' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.changed_since(at timestamptz) IS
  'the accounts (that the caller may see) with a row of pm.account, pm.balance, pm.position or pm.open_order replaced, deleted or inserted since the moment, ascending';

CREATE FUNCTION pm.unchanged_since_support(pg_catalog.internal) RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_unchanged_since_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.unchanged_since_support(internal) IS
  'planner support of pm.unchanged_since: nearly every account passes, at the cost of an operator';

CREATE FUNCTION pm.unchanged_since(account_id pg_catalog.int8, at pg_catalog.timestamptz) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_unchanged_since' LANGUAGE C STABLE STRICT PARALLEL SAFE
  SUPPORT pm.unchanged_since_support;
COMMENT ON FUNCTION pm.unchanged_since(account_id bigint, at timestamptz) IS
  'whether no row of the account was replaced, deleted or inserted since the moment (the set read once per query)';

-- Prices tick: compact histories, read key by key.
CREATE TABLE pm.asset_history (
  asset pg_catalog.text NOT NULL,
  index_price pg_catalog.numeric,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.asset_history IS
  'every earlier version of a row of pm.asset (index prices), each kept with the moment it stopped being current; read with pm.asset_at(at)';
COMMENT ON COLUMN pm.asset_history.asset IS 'as in pm.asset';
COMMENT ON COLUMN pm.asset_history.index_price IS 'as in pm.asset';
COMMENT ON COLUMN pm.asset_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.asset_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX asset_history_key_idx ON pm.asset_history (asset, valid_until);
SELECT pg_catalog.pg_extension_config_dump('pm.asset_history', '');

CREATE TABLE pm.symbol_history (
  symbol pg_catalog.text NOT NULL,
  market pg_catalog.text,
  base_asset pg_catalog.text,
  settle_asset pg_catalog.text,
  contract_size pg_catalog.numeric,
  mark_price pg_catalog.numeric,
  brackets pm.tiers,
  position_limit pg_catalog.numeric,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.symbol_history IS
  'every earlier version of a row of pm.symbol but those a mark price change alone replaced (pm.mark_price_history), each kept with the moment it stopped being current; read with pm.symbol_at(at)';
COMMENT ON COLUMN pm.symbol_history.symbol IS 'as in pm.symbol';
COMMENT ON COLUMN pm.symbol_history.market IS 'as in pm.symbol';
COMMENT ON COLUMN pm.symbol_history.base_asset IS 'as in pm.symbol';
COMMENT ON COLUMN pm.symbol_history.settle_asset IS 'as in pm.symbol';
COMMENT ON COLUMN pm.symbol_history.contract_size IS 'as in pm.symbol';
COMMENT ON COLUMN pm.symbol_history.mark_price IS 'as in pm.symbol';
COMMENT ON COLUMN pm.symbol_history.brackets IS 'as in pm.symbol';
COMMENT ON COLUMN pm.symbol_history.position_limit IS 'as in pm.symbol';
COMMENT ON COLUMN pm.symbol_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.symbol_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX symbol_history_key_idx ON pm.symbol_history (symbol, valid_until);
SELECT pg_catalog.pg_extension_config_dump('pm.symbol_history', '');

CREATE TABLE pm.mark_price_history (
  symbol pg_catalog.text NOT NULL,
  mark_price pg_catalog.numeric NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.mark_price_history IS
  'earlier mark prices of pm.symbol, each kept with the moment it stopped being current, when a write changed the mark alone (a tick); read with pm.symbol_at(at)';
COMMENT ON COLUMN pm.mark_price_history.symbol IS 'as in pm.symbol';
COMMENT ON COLUMN pm.mark_price_history.mark_price IS 'the mark price up to valid_until';
COMMENT ON COLUMN pm.mark_price_history.valid_until IS 'when this mark stopped being current: the now() of the transaction that replaced it';
CREATE INDEX mark_price_history_key_idx ON pm.mark_price_history (symbol, valid_until);
SELECT pg_catalog.pg_extension_config_dump('pm.mark_price_history', '');

-- pm.asset: a write that leaves a row as it was (price digits included)
-- keeps nothing.
CREATE FUNCTION pm.asset_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.asset_history (asset, present, valid_until)
    SELECT n.asset, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT max(h.valid_until) FROM pm.asset_history h
                                           WHERE h.asset = n.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pm.asset_history (asset, index_price, present, valid_until)
    SELECT o.asset, o.index_price, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT max(h.valid_until) FROM pm.asset_history h
                                           WHERE h.asset = o.asset)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM new_rows n
                        WHERE n.asset = o.asset AND n.index_price::text IS NOT DISTINCT FROM o.index_price::text);
    INSERT INTO pm.asset_history (asset, present, valid_until)
    SELECT n.asset, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT max(h.valid_until) FROM pm.asset_history h
                                           WHERE h.asset = n.asset)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.asset = n.asset);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.asset_history (asset, index_price, present, valid_until)
    SELECT o.asset, o.index_price, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT max(h.valid_until) FROM pm.asset_history h
                                           WHERE h.asset = o.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.asset_history (asset, index_price, present, valid_until)
    SELECT o.asset, o.index_price, true, u.t
      FROM pm.asset o
     CROSS JOIN LATERAL pm.history_until((SELECT max(h.valid_until) FROM pm.asset_history h
                                           WHERE h.asset = o.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.asset_history_keep() IS
  'statement triggers on pm.asset: the versions a write replaces or deletes, and the absence before a row it inserts, go to pm.asset_history';
REVOKE EXECUTE ON FUNCTION pm.asset_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm.asset
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.asset_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm.asset
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.asset_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm.asset
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.asset_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm.asset
  FOR EACH STATEMENT EXECUTE FUNCTION pm.asset_history_keep();

-- pm.symbol: a write that changes the mark alone keeps the old mark in
-- pm.mark_price_history (a tick is ~60 bytes, not a row with its brackets);
-- any other change keeps the whole row in pm.symbol_history.  A key's last
-- moment is the later of the two.
CREATE FUNCTION pm.symbol_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.symbol_history (symbol, present, valid_until)
    SELECT n.symbol, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until(greatest(
             (SELECT max(h.valid_until) FROM pm.symbol_history h WHERE h.symbol = n.symbol),
             (SELECT max(m.valid_until) FROM pm.mark_price_history m WHERE m.symbol = n.symbol))) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    -- the mark alone changed
    INSERT INTO pm.mark_price_history (symbol, mark_price, valid_until)
    SELECT o.symbol, o.mark_price, u.t
      FROM old_rows o
      JOIN new_rows n ON n.symbol = o.symbol
     CROSS JOIN LATERAL pm.history_until(greatest(
             (SELECT max(h.valid_until) FROM pm.symbol_history h WHERE h.symbol = o.symbol),
             (SELECT max(m.valid_until) FROM pm.mark_price_history m WHERE m.symbol = o.symbol))) AS u(t)
     WHERE u.t IS NOT NULL
       AND n.mark_price::text IS DISTINCT FROM o.mark_price::text
       AND (n.market, n.base_asset, n.settle_asset, n.contract_size::text, n.brackets::text, n.position_limit::text)
           IS NOT DISTINCT FROM
           (o.market, o.base_asset, o.settle_asset, o.contract_size::text, o.brackets::text, o.position_limit::text);
    -- anything else changed
    INSERT INTO pm.symbol_history (symbol, market, base_asset, settle_asset, contract_size, mark_price,
                                   brackets, position_limit, present, valid_until)
    SELECT o.symbol, o.market, o.base_asset, o.settle_asset, o.contract_size, o.mark_price,
           o.brackets, o.position_limit, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until(greatest(
             (SELECT max(h.valid_until) FROM pm.symbol_history h WHERE h.symbol = o.symbol),
             (SELECT max(m.valid_until) FROM pm.mark_price_history m WHERE m.symbol = o.symbol))) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM new_rows n
                        WHERE n.symbol = o.symbol
                          AND (n.market, n.base_asset, n.settle_asset, n.contract_size::text, n.brackets::text,
                               n.position_limit::text)
                              IS NOT DISTINCT FROM
                              (o.market, o.base_asset, o.settle_asset, o.contract_size::text, o.brackets::text,
                               o.position_limit::text));
    INSERT INTO pm.symbol_history (symbol, present, valid_until)
    SELECT n.symbol, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until(greatest(
             (SELECT max(h.valid_until) FROM pm.symbol_history h WHERE h.symbol = n.symbol),
             (SELECT max(m.valid_until) FROM pm.mark_price_history m WHERE m.symbol = n.symbol))) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.symbol = n.symbol);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.symbol_history (symbol, market, base_asset, settle_asset, contract_size, mark_price,
                                   brackets, position_limit, present, valid_until)
    SELECT o.symbol, o.market, o.base_asset, o.settle_asset, o.contract_size, o.mark_price,
           o.brackets, o.position_limit, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until(greatest(
             (SELECT max(h.valid_until) FROM pm.symbol_history h WHERE h.symbol = o.symbol),
             (SELECT max(m.valid_until) FROM pm.mark_price_history m WHERE m.symbol = o.symbol))) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.symbol_history (symbol, market, base_asset, settle_asset, contract_size, mark_price,
                                   brackets, position_limit, present, valid_until)
    SELECT o.symbol, o.market, o.base_asset, o.settle_asset, o.contract_size, o.mark_price,
           o.brackets, o.position_limit, true, u.t
      FROM pm.symbol o
     CROSS JOIN LATERAL pm.history_until(greatest(
             (SELECT max(h.valid_until) FROM pm.symbol_history h WHERE h.symbol = o.symbol),
             (SELECT max(m.valid_until) FROM pm.mark_price_history m WHERE m.symbol = o.symbol))) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.symbol_history_keep() IS
  'statement triggers on pm.symbol: an old mark a write replaced alone goes to pm.mark_price_history; other versions a write replaces or deletes, and the absence before a row it inserts, to pm.symbol_history';
REVOKE EXECUTE ON FUNCTION pm.symbol_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm.symbol
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.symbol_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm.symbol
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.symbol_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm.symbol
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.symbol_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm.symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.symbol_history_keep();

-- As of a moment.  Prices: each key's first history row after the moment,
-- found key by key (the keys by a skip scan of the history's index), so
-- the cost does not grow with the ticks since.
CREATE FUNCTION pm.asset_at(at pg_catalog.timestamptz) RETURNS SETOF pm.asset
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH RECURSIVE k(asset) AS (
  SELECT pg_catalog.min(h.asset) FROM pm.asset_history h
  UNION ALL
  SELECT (SELECT pg_catalog.min(h.asset) FROM pm.asset_history h WHERE h.asset OPERATOR(pg_catalog.>) k.asset)
    FROM k WHERE k.asset IS NOT NULL)
SELECT e.asset, e.index_price
  FROM k
 CROSS JOIN LATERAL (SELECT h.asset, h.index_price, h.present
                       FROM pm.asset_history h
                      WHERE h.asset OPERATOR(pg_catalog.=) k.asset
                        AND h.valid_until OPERATOR(pg_catalog.>) at
                      ORDER BY h.valid_until
                      LIMIT 1) e
 WHERE e.present AND pm.history_covers(at)
UNION ALL
SELECT a.asset, a.index_price
  FROM pm.asset a
 WHERE NOT EXISTS (SELECT FROM pm.asset_history h
                    WHERE h.asset OPERATOR(pg_catalog.=) a.asset
                      AND h.valid_until OPERATOR(pg_catalog.>) at)
   AND pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.asset_at(at timestamptz) IS
  'the rows pm.asset held at a moment (system time: each change counts from its transaction''s now()), from the table and pm.asset_history';

CREATE FUNCTION pm.symbol_at(at pg_catalog.timestamptz) RETURNS SETOF pm.symbol
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH s AS (
  SELECT h.symbol, h.market, h.base_asset, h.settle_asset, h.contract_size, h.mark_price, h.brackets,
         h.position_limit, h.valid_until AS until
    FROM (SELECT DISTINCT ON (h.symbol) h.*
            FROM pm.symbol_history h
           WHERE h.valid_until OPERATOR(pg_catalog.>) at
           ORDER BY h.symbol, h.valid_until) h
   WHERE h.present
  UNION ALL
  SELECT r.symbol, r.market, r.base_asset, r.settle_asset, r.contract_size, r.mark_price, r.brackets,
         r.position_limit, 'infinity'::pg_catalog.timestamptz
    FROM pm.symbol r
   WHERE NOT EXISTS (SELECT FROM pm.symbol_history h
                      WHERE h.symbol OPERATOR(pg_catalog.=) r.symbol
                        AND h.valid_until OPERATOR(pg_catalog.>) at))
SELECT s.symbol, s.market, s.base_asset, s.settle_asset, s.contract_size,
       CASE WHEN m.valid_until OPERATOR(pg_catalog.<) s.until THEN m.mark_price ELSE s.mark_price END,
       s.brackets, s.position_limit
  FROM s
  LEFT JOIN LATERAL (SELECT mh.mark_price, mh.valid_until
                       FROM pm.mark_price_history mh
                      WHERE mh.symbol OPERATOR(pg_catalog.=) s.symbol
                        AND mh.valid_until OPERATOR(pg_catalog.>) at
                      ORDER BY mh.valid_until
                      LIMIT 1) m ON true
 WHERE pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.symbol_at(at timestamptz) IS
  'the rows pm.symbol held at a moment (system time: each change counts from its transaction''s now()), from the table, pm.symbol_history and pm.mark_price_history';

CREATE TABLE pm.account_history (
  account_id pg_catalog.int8 NOT NULL,
  program pg_catalog.text,
  loan_leverage pg_catalog.int4,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.account_history IS
  'every earlier version of a row of pm.account (accounts), each kept with the moment it stopped being current; read with pm.account_at(at)';
COMMENT ON COLUMN pm.account_history.account_id IS 'as in pm.account';
COMMENT ON COLUMN pm.account_history.program IS 'as in pm.account';
COMMENT ON COLUMN pm.account_history.loan_leverage IS 'as in pm.account';
COMMENT ON COLUMN pm.account_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.account_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX account_history_key_idx ON pm.account_history (account_id, valid_until);
CREATE INDEX account_history_until_idx ON pm.account_history USING brin (valid_until);
ALTER TABLE pm.account_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.account_history FOR SELECT USING (pm.account_visible(account_id));
SELECT pg_catalog.pg_extension_config_dump('pm.account_history', '');

CREATE TABLE pm.balance_history (
  account_id pg_catalog.int8 NOT NULL,
  asset pg_catalog.text NOT NULL,
  cross_free pg_catalog.numeric,
  cross_locked pg_catalog.numeric,
  cross_borrowed pg_catalog.numeric,
  cross_interest pg_catalog.numeric,
  um_wallet pg_catalog.numeric,
  cm_wallet pg_catalog.numeric,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.balance_history IS
  'every earlier version of a row of pm.balance (balances), each kept with the moment it stopped being current; read with pm.balance_at(at)';
COMMENT ON COLUMN pm.balance_history.account_id IS 'as in pm.balance';
COMMENT ON COLUMN pm.balance_history.asset IS 'as in pm.balance';
COMMENT ON COLUMN pm.balance_history.cross_free IS 'as in pm.balance';
COMMENT ON COLUMN pm.balance_history.cross_locked IS 'as in pm.balance';
COMMENT ON COLUMN pm.balance_history.cross_borrowed IS 'as in pm.balance';
COMMENT ON COLUMN pm.balance_history.cross_interest IS 'as in pm.balance';
COMMENT ON COLUMN pm.balance_history.um_wallet IS 'as in pm.balance';
COMMENT ON COLUMN pm.balance_history.cm_wallet IS 'as in pm.balance';
COMMENT ON COLUMN pm.balance_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.balance_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX balance_history_key_idx ON pm.balance_history (account_id, asset, valid_until);
CREATE INDEX balance_history_until_idx ON pm.balance_history USING brin (valid_until);
ALTER TABLE pm.balance_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.balance_history FOR SELECT USING (pm.account_visible(account_id));
SELECT pg_catalog.pg_extension_config_dump('pm.balance_history', '');

CREATE TABLE pm.position_history (
  account_id pg_catalog.int8 NOT NULL,
  symbol pg_catalog.text NOT NULL,
  side pg_catalog.text NOT NULL,
  qty pg_catalog.numeric,
  entry_price pg_catalog.numeric,
  leverage pg_catalog.int4,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.position_history IS
  'every earlier version of a row of pm."position" (positions), each kept with the moment it stopped being current; read with pm.position_at(at)';
COMMENT ON COLUMN pm.position_history.account_id IS 'as in pm."position"';
COMMENT ON COLUMN pm.position_history.symbol IS 'as in pm."position"';
COMMENT ON COLUMN pm.position_history.side IS 'as in pm."position"';
COMMENT ON COLUMN pm.position_history.qty IS 'as in pm."position"';
COMMENT ON COLUMN pm.position_history.entry_price IS 'as in pm."position"';
COMMENT ON COLUMN pm.position_history.leverage IS 'as in pm."position"';
COMMENT ON COLUMN pm.position_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.position_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX position_history_key_idx ON pm.position_history (account_id, symbol, side, valid_until);
CREATE INDEX position_history_until_idx ON pm.position_history USING brin (valid_until);
ALTER TABLE pm.position_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.position_history FOR SELECT USING (pm.account_visible(account_id));
SELECT pg_catalog.pg_extension_config_dump('pm.position_history', '');

CREATE TABLE pm.open_order_history (
  account_id pg_catalog.int8 NOT NULL,
  order_id pg_catalog.int8 NOT NULL,
  sell_asset pg_catalog.text,
  sell_qty pg_catalog.numeric,
  buy_asset pg_catalog.text,
  buy_qty pg_catalog.numeric,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.open_order_history IS
  'every earlier version of a row of pm.open_order (open orders), each kept with the moment it stopped being current; read with pm.open_order_at(at)';
COMMENT ON COLUMN pm.open_order_history.account_id IS 'as in pm.open_order';
COMMENT ON COLUMN pm.open_order_history.order_id IS 'as in pm.open_order';
COMMENT ON COLUMN pm.open_order_history.sell_asset IS 'as in pm.open_order';
COMMENT ON COLUMN pm.open_order_history.sell_qty IS 'as in pm.open_order';
COMMENT ON COLUMN pm.open_order_history.buy_asset IS 'as in pm.open_order';
COMMENT ON COLUMN pm.open_order_history.buy_qty IS 'as in pm.open_order';
COMMENT ON COLUMN pm.open_order_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.open_order_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX open_order_history_key_idx ON pm.open_order_history (account_id, order_id, valid_until);
CREATE INDEX open_order_history_until_idx ON pm.open_order_history USING brin (valid_until);
ALTER TABLE pm.open_order_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.open_order_history FOR SELECT USING (pm.account_visible(account_id));
SELECT pg_catalog.pg_extension_config_dump('pm.open_order_history', '');

CREATE TABLE pm.collateral_history (
  program pg_catalog.text NOT NULL,
  asset pg_catalog.text NOT NULL,
  schedule pm.tiers,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.collateral_history IS
  'every earlier version of a row of pm.collateral (collateral schedules), each kept with the moment it stopped being current; read with pm.collateral_at(at)';
COMMENT ON COLUMN pm.collateral_history.program IS 'as in pm.collateral';
COMMENT ON COLUMN pm.collateral_history.asset IS 'as in pm.collateral';
COMMENT ON COLUMN pm.collateral_history.schedule IS 'as in pm.collateral';
COMMENT ON COLUMN pm.collateral_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.collateral_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX collateral_history_key_idx ON pm.collateral_history (program, asset, valid_until);
SELECT pg_catalog.pg_extension_config_dump('pm.collateral_history', '');

CREATE TABLE pm.loan_mmr_history (
  leverage pg_catalog.int4 NOT NULL,
  mmr pg_catalog.numeric,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.loan_mmr_history IS
  'every earlier version of a row of pm.loan_mmr (loan maintenance margin rates), each kept with the moment it stopped being current; read with pm.loan_mmr_at(at)';
COMMENT ON COLUMN pm.loan_mmr_history.leverage IS 'as in pm.loan_mmr';
COMMENT ON COLUMN pm.loan_mmr_history.mmr IS 'as in pm.loan_mmr';
COMMENT ON COLUMN pm.loan_mmr_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.loan_mmr_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX loan_mmr_history_key_idx ON pm.loan_mmr_history (leverage, valid_until);
SELECT pg_catalog.pg_extension_config_dump('pm.loan_mmr_history', '');

CREATE TABLE pm.status_threshold_history (
  program pg_catalog.text NOT NULL,
  status pg_catalog.text NOT NULL,
  uni_mmr_above pg_catalog.numeric,
  enabled pg_catalog.bool,
  exit_buffer pg_catalog.numeric,
  present pg_catalog.bool NOT NULL,
  valid_until pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE pm.status_threshold_history IS
  'every earlier version of a row of pm.status_threshold (status ladders), each kept with the moment it stopped being current; read with pm.status_threshold_at(at)';
COMMENT ON COLUMN pm.status_threshold_history.program IS 'as in pm.status_threshold';
COMMENT ON COLUMN pm.status_threshold_history.status IS 'as in pm.status_threshold';
COMMENT ON COLUMN pm.status_threshold_history.uni_mmr_above IS 'as in pm.status_threshold';
COMMENT ON COLUMN pm.status_threshold_history.enabled IS 'as in pm.status_threshold';
COMMENT ON COLUMN pm.status_threshold_history.exit_buffer IS 'as in pm.status_threshold';
COMMENT ON COLUMN pm.status_threshold_history.present IS 'false: up to valid_until there was no row with this key (the row was inserted then)';
COMMENT ON COLUMN pm.status_threshold_history.valid_until IS 'when this version stopped being current: the now() of the transaction that replaced or deleted it';
CREATE INDEX status_threshold_history_key_idx ON pm.status_threshold_history (program, status, valid_until);
SELECT pg_catalog.pg_extension_config_dump('pm.status_threshold_history', '');

CREATE FUNCTION pm.account_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.account_history (account_id, present, valid_until)
    SELECT n.account_id, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.account_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) n.account_id)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pm.account_history (account_id, program, loan_leverage, present, valid_until)
    SELECT o.account_id, o.program, o.loan_leverage, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.account_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id)) AS u(t)
     WHERE u.t IS NOT NULL;
    INSERT INTO pm.account_history (account_id, present, valid_until)
    SELECT n.account_id, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.account_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) n.account_id)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.account_id OPERATOR(pg_catalog.=) n.account_id);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.account_history (account_id, program, loan_leverage, present, valid_until)
    SELECT o.account_id, o.program, o.loan_leverage, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.account_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.account_history (account_id, program, loan_leverage, present, valid_until)
    SELECT o.account_id, o.program, o.loan_leverage, true, u.t
      FROM pm.account o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.account_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id)) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.account_history_keep() IS
  'statement triggers on pm.account: the versions a write replaces or deletes, and the absence before a row it inserts, go to pm.account_history';
REVOKE EXECUTE ON FUNCTION pm.account_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm.account
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.account_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm.account
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.account_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm.account
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.account_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm.account
  FOR EACH STATEMENT EXECUTE FUNCTION pm.account_history_keep();

CREATE FUNCTION pm.balance_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.balance_history (account_id, asset, present, valid_until)
    SELECT n.account_id, n.asset, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.balance_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) n.account_id AND h.asset OPERATOR(pg_catalog.=) n.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pm.balance_history (account_id, asset, cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet, present, valid_until)
    SELECT o.account_id, o.asset, o.cross_free, o.cross_locked, o.cross_borrowed, o.cross_interest, o.um_wallet, o.cm_wallet, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.balance_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.asset OPERATOR(pg_catalog.=) o.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
    INSERT INTO pm.balance_history (account_id, asset, present, valid_until)
    SELECT n.account_id, n.asset, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.balance_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) n.account_id AND h.asset OPERATOR(pg_catalog.=) n.asset)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.account_id OPERATOR(pg_catalog.=) n.account_id AND o.asset OPERATOR(pg_catalog.=) n.asset);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.balance_history (account_id, asset, cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet, present, valid_until)
    SELECT o.account_id, o.asset, o.cross_free, o.cross_locked, o.cross_borrowed, o.cross_interest, o.um_wallet, o.cm_wallet, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.balance_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.asset OPERATOR(pg_catalog.=) o.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.balance_history (account_id, asset, cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet, present, valid_until)
    SELECT o.account_id, o.asset, o.cross_free, o.cross_locked, o.cross_borrowed, o.cross_interest, o.um_wallet, o.cm_wallet, true, u.t
      FROM pm.balance o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.balance_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.asset OPERATOR(pg_catalog.=) o.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.balance_history_keep() IS
  'statement triggers on pm.balance: the versions a write replaces or deletes, and the absence before a row it inserts, go to pm.balance_history';
REVOKE EXECUTE ON FUNCTION pm.balance_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm.balance
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.balance_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm.balance
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.balance_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm.balance
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.balance_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm.balance
  FOR EACH STATEMENT EXECUTE FUNCTION pm.balance_history_keep();

CREATE FUNCTION pm.position_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.position_history (account_id, symbol, side, present, valid_until)
    SELECT n.account_id, n.symbol, n.side, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.position_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) n.account_id AND h.symbol OPERATOR(pg_catalog.=) n.symbol AND h.side OPERATOR(pg_catalog.=) n.side)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pm.position_history (account_id, symbol, side, qty, entry_price, leverage, present, valid_until)
    SELECT o.account_id, o.symbol, o.side, o.qty, o.entry_price, o.leverage, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.position_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.symbol OPERATOR(pg_catalog.=) o.symbol AND h.side OPERATOR(pg_catalog.=) o.side)) AS u(t)
     WHERE u.t IS NOT NULL;
    INSERT INTO pm.position_history (account_id, symbol, side, present, valid_until)
    SELECT n.account_id, n.symbol, n.side, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.position_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) n.account_id AND h.symbol OPERATOR(pg_catalog.=) n.symbol AND h.side OPERATOR(pg_catalog.=) n.side)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.account_id OPERATOR(pg_catalog.=) n.account_id AND o.symbol OPERATOR(pg_catalog.=) n.symbol AND o.side OPERATOR(pg_catalog.=) n.side);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.position_history (account_id, symbol, side, qty, entry_price, leverage, present, valid_until)
    SELECT o.account_id, o.symbol, o.side, o.qty, o.entry_price, o.leverage, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.position_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.symbol OPERATOR(pg_catalog.=) o.symbol AND h.side OPERATOR(pg_catalog.=) o.side)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.position_history (account_id, symbol, side, qty, entry_price, leverage, present, valid_until)
    SELECT o.account_id, o.symbol, o.side, o.qty, o.entry_price, o.leverage, true, u.t
      FROM pm."position" o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.position_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.symbol OPERATOR(pg_catalog.=) o.symbol AND h.side OPERATOR(pg_catalog.=) o.side)) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.position_history_keep() IS
  'statement triggers on pm."position": the versions a write replaces or deletes, and the absence before a row it inserts, go to pm.position_history';
REVOKE EXECUTE ON FUNCTION pm.position_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm."position"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.position_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm."position"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.position_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm."position"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.position_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm."position"
  FOR EACH STATEMENT EXECUTE FUNCTION pm.position_history_keep();

CREATE FUNCTION pm.open_order_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.open_order_history (account_id, order_id, present, valid_until)
    SELECT n.account_id, n.order_id, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.open_order_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) n.account_id AND h.order_id OPERATOR(pg_catalog.=) n.order_id)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pm.open_order_history (account_id, order_id, sell_asset, sell_qty, buy_asset, buy_qty, present, valid_until)
    SELECT o.account_id, o.order_id, o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.open_order_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.order_id OPERATOR(pg_catalog.=) o.order_id)) AS u(t)
     WHERE u.t IS NOT NULL;
    INSERT INTO pm.open_order_history (account_id, order_id, present, valid_until)
    SELECT n.account_id, n.order_id, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.open_order_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) n.account_id AND h.order_id OPERATOR(pg_catalog.=) n.order_id)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.account_id OPERATOR(pg_catalog.=) n.account_id AND o.order_id OPERATOR(pg_catalog.=) n.order_id);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.open_order_history (account_id, order_id, sell_asset, sell_qty, buy_asset, buy_qty, present, valid_until)
    SELECT o.account_id, o.order_id, o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.open_order_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.order_id OPERATOR(pg_catalog.=) o.order_id)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.open_order_history (account_id, order_id, sell_asset, sell_qty, buy_asset, buy_qty, present, valid_until)
    SELECT o.account_id, o.order_id, o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, true, u.t
      FROM pm.open_order o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.open_order_history h
                                       WHERE h.account_id OPERATOR(pg_catalog.=) o.account_id AND h.order_id OPERATOR(pg_catalog.=) o.order_id)) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.open_order_history_keep() IS
  'statement triggers on pm.open_order: the versions a write replaces or deletes, and the absence before a row it inserts, go to pm.open_order_history';
REVOKE EXECUTE ON FUNCTION pm.open_order_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm.open_order
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.open_order_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm.open_order
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.open_order_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm.open_order
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.open_order_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm.open_order
  FOR EACH STATEMENT EXECUTE FUNCTION pm.open_order_history_keep();

CREATE FUNCTION pm.collateral_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.collateral_history (program, asset, present, valid_until)
    SELECT n.program, n.asset, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.collateral_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) n.program AND h.asset OPERATOR(pg_catalog.=) n.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pm.collateral_history (program, asset, schedule, present, valid_until)
    SELECT o.program, o.asset, o.schedule, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.collateral_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) o.program AND h.asset OPERATOR(pg_catalog.=) o.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
    INSERT INTO pm.collateral_history (program, asset, present, valid_until)
    SELECT n.program, n.asset, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.collateral_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) n.program AND h.asset OPERATOR(pg_catalog.=) n.asset)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.program OPERATOR(pg_catalog.=) n.program AND o.asset OPERATOR(pg_catalog.=) n.asset);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.collateral_history (program, asset, schedule, present, valid_until)
    SELECT o.program, o.asset, o.schedule, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.collateral_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) o.program AND h.asset OPERATOR(pg_catalog.=) o.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.collateral_history (program, asset, schedule, present, valid_until)
    SELECT o.program, o.asset, o.schedule, true, u.t
      FROM pm.collateral o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.collateral_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) o.program AND h.asset OPERATOR(pg_catalog.=) o.asset)) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.collateral_history_keep() IS
  'statement triggers on pm.collateral: the versions a write replaces or deletes, and the absence before a row it inserts, go to pm.collateral_history';
REVOKE EXECUTE ON FUNCTION pm.collateral_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm.collateral
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.collateral_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm.collateral
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.collateral_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm.collateral
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.collateral_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm.collateral
  FOR EACH STATEMENT EXECUTE FUNCTION pm.collateral_history_keep();

CREATE FUNCTION pm.loan_mmr_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.loan_mmr_history (leverage, present, valid_until)
    SELECT n.leverage, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.loan_mmr_history h
                                       WHERE h.leverage OPERATOR(pg_catalog.=) n.leverage)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pm.loan_mmr_history (leverage, mmr, present, valid_until)
    SELECT o.leverage, o.mmr, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.loan_mmr_history h
                                       WHERE h.leverage OPERATOR(pg_catalog.=) o.leverage)) AS u(t)
     WHERE u.t IS NOT NULL;
    INSERT INTO pm.loan_mmr_history (leverage, present, valid_until)
    SELECT n.leverage, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.loan_mmr_history h
                                       WHERE h.leverage OPERATOR(pg_catalog.=) n.leverage)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.leverage OPERATOR(pg_catalog.=) n.leverage);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.loan_mmr_history (leverage, mmr, present, valid_until)
    SELECT o.leverage, o.mmr, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.loan_mmr_history h
                                       WHERE h.leverage OPERATOR(pg_catalog.=) o.leverage)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.loan_mmr_history (leverage, mmr, present, valid_until)
    SELECT o.leverage, o.mmr, true, u.t
      FROM pm.loan_mmr o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.loan_mmr_history h
                                       WHERE h.leverage OPERATOR(pg_catalog.=) o.leverage)) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.loan_mmr_history_keep() IS
  'statement triggers on pm.loan_mmr: the versions a write replaces or deletes, and the absence before a row it inserts, go to pm.loan_mmr_history';
REVOKE EXECUTE ON FUNCTION pm.loan_mmr_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm.loan_mmr
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.loan_mmr_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm.loan_mmr
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.loan_mmr_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm.loan_mmr
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.loan_mmr_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm.loan_mmr
  FOR EACH STATEMENT EXECUTE FUNCTION pm.loan_mmr_history_keep();

CREATE FUNCTION pm.status_threshold_history_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pm.status_threshold_history (program, status, present, valid_until)
    SELECT n.program, n.status, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.status_threshold_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) n.program AND h.status OPERATOR(pg_catalog.=) n.status)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pm.status_threshold_history (program, status, uni_mmr_above, enabled, exit_buffer, present, valid_until)
    SELECT o.program, o.status, o.uni_mmr_above, o.enabled, o.exit_buffer, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.status_threshold_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) o.program AND h.status OPERATOR(pg_catalog.=) o.status)) AS u(t)
     WHERE u.t IS NOT NULL;
    INSERT INTO pm.status_threshold_history (program, status, present, valid_until)
    SELECT n.program, n.status, false, u.t
      FROM new_rows n
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.status_threshold_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) n.program AND h.status OPERATOR(pg_catalog.=) n.status)) AS u(t)
     WHERE u.t IS NOT NULL
       AND NOT EXISTS (SELECT FROM old_rows o WHERE o.program OPERATOR(pg_catalog.=) n.program AND o.status OPERATOR(pg_catalog.=) n.status);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pm.status_threshold_history (program, status, uni_mmr_above, enabled, exit_buffer, present, valid_until)
    SELECT o.program, o.status, o.uni_mmr_above, o.enabled, o.exit_buffer, true, u.t
      FROM old_rows o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.status_threshold_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) o.program AND h.status OPERATOR(pg_catalog.=) o.status)) AS u(t)
     WHERE u.t IS NOT NULL;
  ELSE
    INSERT INTO pm.status_threshold_history (program, status, uni_mmr_above, enabled, exit_buffer, present, valid_until)
    SELECT o.program, o.status, o.uni_mmr_above, o.enabled, o.exit_buffer, true, u.t
      FROM pm.status_threshold o
     CROSS JOIN LATERAL pm.history_until((SELECT pg_catalog.max(h.valid_until) FROM pm.status_threshold_history h
                                       WHERE h.program OPERATOR(pg_catalog.=) o.program AND h.status OPERATOR(pg_catalog.=) o.status)) AS u(t)
     WHERE u.t IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.status_threshold_history_keep() IS
  'statement triggers on pm.status_threshold: the versions a write replaces or deletes, and the absence before a row it inserts, go to pm.status_threshold_history';
REVOKE EXECUTE ON FUNCTION pm.status_threshold_history_keep() FROM PUBLIC;

CREATE TRIGGER history_insert AFTER INSERT ON pm.status_threshold
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.status_threshold_history_keep();
CREATE TRIGGER history_update AFTER UPDATE ON pm.status_threshold
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.status_threshold_history_keep();
CREATE TRIGGER history_delete AFTER DELETE ON pm.status_threshold
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.status_threshold_history_keep();
CREATE TRIGGER history_truncate BEFORE TRUNCATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.status_threshold_history_keep();

CREATE FUNCTION pm.account_at(at pg_catalog.timestamptz) RETURNS SETOF pm.account
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.account_id, r.program, r.loan_leverage
  FROM pm.account r
 WHERE pm.unchanged_since(r.account_id, at) AND pm.history_covers(at)
UNION ALL
SELECT r.account_id, r.program, r.loan_leverage
  FROM pm.account r
 WHERE NOT pm.unchanged_since(r.account_id, at)
   AND NOT EXISTS (SELECT FROM pm.account_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id
                      AND h.valid_until OPERATOR(pg_catalog.>) at)
   AND pm.history_covers(at)
UNION ALL
SELECT h.account_id, h.program, h.loan_leverage
  FROM (SELECT DISTINCT ON (h.account_id) h.*
          FROM pm.account_history h
         WHERE h.valid_until OPERATOR(pg_catalog.>) at
         ORDER BY h.account_id, h.valid_until) h
 WHERE h.present AND pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.account_at(at timestamptz) IS
  'the rows pm.account held at a moment (system time: each change counts from its transaction''s now()): the rows of accounts unchanged since, from the table; the others from the table and pm.account_history';

CREATE FUNCTION pm.balance_at(at pg_catalog.timestamptz) RETURNS SETOF pm.balance
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.account_id, r.asset, r.cross_free, r.cross_locked, r.cross_borrowed, r.cross_interest, r.um_wallet, r.cm_wallet
  FROM pm.balance r
 WHERE pm.unchanged_since(r.account_id, at) AND pm.history_covers(at)
UNION ALL
SELECT r.account_id, r.asset, r.cross_free, r.cross_locked, r.cross_borrowed, r.cross_interest, r.um_wallet, r.cm_wallet
  FROM pm.balance r
 WHERE NOT pm.unchanged_since(r.account_id, at)
   AND NOT EXISTS (SELECT FROM pm.balance_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.asset OPERATOR(pg_catalog.=) r.asset
                      AND h.valid_until OPERATOR(pg_catalog.>) at)
   AND pm.history_covers(at)
UNION ALL
SELECT h.account_id, h.asset, h.cross_free, h.cross_locked, h.cross_borrowed, h.cross_interest, h.um_wallet, h.cm_wallet
  FROM (SELECT DISTINCT ON (h.account_id, h.asset) h.*
          FROM pm.balance_history h
         WHERE h.valid_until OPERATOR(pg_catalog.>) at
         ORDER BY h.account_id, h.asset, h.valid_until) h
 WHERE h.present AND pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.balance_at(at timestamptz) IS
  'the rows pm.balance held at a moment (system time: each change counts from its transaction''s now()): the rows of accounts unchanged since, from the table; the others from the table and pm.balance_history';

CREATE FUNCTION pm.position_at(at pg_catalog.timestamptz) RETURNS SETOF pm."position"
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.account_id, r.symbol, r.side, r.qty, r.entry_price, r.leverage
  FROM pm."position" r
 WHERE pm.unchanged_since(r.account_id, at) AND pm.history_covers(at)
UNION ALL
SELECT r.account_id, r.symbol, r.side, r.qty, r.entry_price, r.leverage
  FROM pm."position" r
 WHERE NOT pm.unchanged_since(r.account_id, at)
   AND NOT EXISTS (SELECT FROM pm.position_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.symbol OPERATOR(pg_catalog.=) r.symbol AND h.side OPERATOR(pg_catalog.=) r.side
                      AND h.valid_until OPERATOR(pg_catalog.>) at)
   AND pm.history_covers(at)
UNION ALL
SELECT h.account_id, h.symbol, h.side, h.qty, h.entry_price, h.leverage
  FROM (SELECT DISTINCT ON (h.account_id, h.symbol, h.side) h.*
          FROM pm.position_history h
         WHERE h.valid_until OPERATOR(pg_catalog.>) at
         ORDER BY h.account_id, h.symbol, h.side, h.valid_until) h
 WHERE h.present AND pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.position_at(at timestamptz) IS
  'the rows pm."position" held at a moment (system time: each change counts from its transaction''s now()): the rows of accounts unchanged since, from the table; the others from the table and pm.position_history';

CREATE FUNCTION pm.open_order_at(at pg_catalog.timestamptz) RETURNS SETOF pm.open_order
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.account_id, r.order_id, r.sell_asset, r.sell_qty, r.buy_asset, r.buy_qty
  FROM pm.open_order r
 WHERE pm.unchanged_since(r.account_id, at) AND pm.history_covers(at)
UNION ALL
SELECT r.account_id, r.order_id, r.sell_asset, r.sell_qty, r.buy_asset, r.buy_qty
  FROM pm.open_order r
 WHERE NOT pm.unchanged_since(r.account_id, at)
   AND NOT EXISTS (SELECT FROM pm.open_order_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.order_id OPERATOR(pg_catalog.=) r.order_id
                      AND h.valid_until OPERATOR(pg_catalog.>) at)
   AND pm.history_covers(at)
UNION ALL
SELECT h.account_id, h.order_id, h.sell_asset, h.sell_qty, h.buy_asset, h.buy_qty
  FROM (SELECT DISTINCT ON (h.account_id, h.order_id) h.*
          FROM pm.open_order_history h
         WHERE h.valid_until OPERATOR(pg_catalog.>) at
         ORDER BY h.account_id, h.order_id, h.valid_until) h
 WHERE h.present AND pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.open_order_at(at timestamptz) IS
  'the rows pm.open_order held at a moment (system time: each change counts from its transaction''s now()): the rows of accounts unchanged since, from the table; the others from the table and pm.open_order_history';

CREATE FUNCTION pm.collateral_at(at pg_catalog.timestamptz) RETURNS SETOF pm.collateral
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT h.program, h.asset, h.schedule
  FROM (SELECT DISTINCT ON (h.program, h.asset) h.*
          FROM pm.collateral_history h
         WHERE h.valid_until OPERATOR(pg_catalog.>) at
         ORDER BY h.program, h.asset, h.valid_until) h
 WHERE h.present AND pm.history_covers(at)
UNION ALL
SELECT r.program, r.asset, r.schedule
  FROM pm.collateral r
 WHERE NOT EXISTS (SELECT FROM pm.collateral_history h
                    WHERE h.program OPERATOR(pg_catalog.=) r.program AND h.asset OPERATOR(pg_catalog.=) r.asset
                      AND h.valid_until OPERATOR(pg_catalog.>) at)
   AND pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.collateral_at(at timestamptz) IS
  'the rows pm.collateral held at a moment (system time: each change counts from its transaction''s now()): from the table and pm.collateral_history';

CREATE FUNCTION pm.loan_mmr_at(at pg_catalog.timestamptz) RETURNS SETOF pm.loan_mmr
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT h.leverage, h.mmr
  FROM (SELECT DISTINCT ON (h.leverage) h.*
          FROM pm.loan_mmr_history h
         WHERE h.valid_until OPERATOR(pg_catalog.>) at
         ORDER BY h.leverage, h.valid_until) h
 WHERE h.present AND pm.history_covers(at)
UNION ALL
SELECT r.leverage, r.mmr
  FROM pm.loan_mmr r
 WHERE NOT EXISTS (SELECT FROM pm.loan_mmr_history h
                    WHERE h.leverage OPERATOR(pg_catalog.=) r.leverage
                      AND h.valid_until OPERATOR(pg_catalog.>) at)
   AND pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.loan_mmr_at(at timestamptz) IS
  'the rows pm.loan_mmr held at a moment (system time: each change counts from its transaction''s now()): from the table and pm.loan_mmr_history';

CREATE FUNCTION pm.status_threshold_at(at pg_catalog.timestamptz) RETURNS SETOF pm.status_threshold
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT h.program, h.status, h.uni_mmr_above, h.enabled, h.exit_buffer
  FROM (SELECT DISTINCT ON (h.program, h.status) h.*
          FROM pm.status_threshold_history h
         WHERE h.valid_until OPERATOR(pg_catalog.>) at
         ORDER BY h.program, h.status, h.valid_until) h
 WHERE h.present AND pm.history_covers(at)
UNION ALL
SELECT r.program, r.status, r.uni_mmr_above, r.enabled, r.exit_buffer
  FROM pm.status_threshold r
 WHERE NOT EXISTS (SELECT FROM pm.status_threshold_history h
                    WHERE h.program OPERATOR(pg_catalog.=) r.program AND h.status OPERATOR(pg_catalog.=) r.status
                      AND h.valid_until OPERATOR(pg_catalog.>) at)
   AND pm.history_covers(at)
$$;
COMMENT ON FUNCTION pm.status_threshold_at(at timestamptz) IS
  'the rows pm.status_threshold held at a moment (system time: each change counts from its transaction''s now()): from the table and pm.status_threshold_history';
-- Every account's raw rows at a moment, as pm.ledger_row shows them now:
-- the accounts unchanged since, from pm.ledger_row itself; the others
-- from the tables as of the moment.
CREATE FUNCTION pm.ledger_row_at(at pg_catalog.timestamptz) RETURNS SETOF pm.ledger_row
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT l.account_id, l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
  FROM pm.ledger_row l
 WHERE pm.unchanged_since(l.account_id, at) AND pm.history_covers(at)
UNION ALL
SELECT c.account_id, c.kind, c.key, c.key2, c.a, c.b, c.c, c.d, c.e, c.f, c.n
  FROM (SELECT a.account_id, 'a'::pg_catalog."char" AS kind, a.program AS key, NULL::pg_catalog.text AS key2,
               NULL::pg_catalog.numeric AS a, NULL::pg_catalog.numeric AS b, NULL::pg_catalog.numeric AS c,
               NULL::pg_catalog.numeric AS d, NULL::pg_catalog.numeric AS e, NULL::pg_catalog.numeric AS f,
               a.loan_leverage AS n
          FROM pm.account_at(at) a
        UNION ALL
        SELECT b.account_id, 'b', b.asset, NULL, b.cross_free, b.cross_locked, b.cross_borrowed,
               b.cross_interest, b.um_wallet, b.cm_wallet, NULL
          FROM pm.balance_at(at) b
        UNION ALL
        SELECT p.account_id, 'p', p.symbol, p.side, p.qty, p.entry_price, NULL, NULL, NULL, NULL, p.leverage
          FROM pm.position_at(at) p
        UNION ALL
        SELECT o.account_id, 'o', o.sell_asset, o.buy_asset, o.sell_qty, o.buy_qty, NULL, NULL, NULL, NULL, NULL
          FROM pm.open_order_at(at) o) c
 WHERE NOT pm.unchanged_since(c.account_id, at)
$$;
COMMENT ON FUNCTION pm.ledger_row_at(at timestamptz) IS
  'every account''s raw rows at a moment, in the form of pm.ledger_row';

-- Risk as of a moment: the rows read back as they were, valued with the
-- reference data of that moment (portfolio_margin.as_of, set for the call
-- only: the SET clause puts it back when the function returns).
CREATE FUNCTION pm.account_risk_at(at pg_catalog.timestamptz) RETURNS SETOF pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
BEGIN
  PERFORM pm.history_covers(at);
  PERFORM set_config('portfolio_margin.as_of', pm.as_of_setting(at), true);
  -- the accounts unchanged since, grouped as pm.account_risk groups them
  -- (the ledger merge node over the primary keys); the others as of then
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
    FROM pm.ledger_row l
   WHERE pm.unchanged_since(l.account_id, at)
   GROUP BY l.account_id
  UNION ALL
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
    FROM pm.ledger_row_at(at) l
   WHERE NOT pm.unchanged_since(l.account_id, at)
   GROUP BY l.account_id;
END
$$;
COMMENT ON FUNCTION pm.account_risk_at(at timestamptz) IS
  'pm.account_risk as it was at a moment: every account then, its rows and the reference data as they were (system time: each change counts from its transaction''s now())';

CREATE FUNCTION pm.account_risk_at(account_id pg_catalog.int8, at pg_catalog.timestamptz)
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
    FROM pm.ledger_row_at(at) l
   WHERE l.account_id OPERATOR(pg_catalog.=) account_risk_at.account_id
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

CREATE FUNCTION pm.position_risk_at(at pg_catalog.timestamptz) RETURNS SETOF pm.position_risk
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT p.account_id, p.symbol, s.market, p.side, p.qty, p.entry_price, s.mark_price, p.leverage,
       s.settle_asset,
       CASE s.market
         WHEN 'UM' THEN pg_catalog.abs(p.qty) OPERATOR(pg_catalog.*) s.mark_price
         ELSE pm.cm_notional(p.qty, s.contract_size, s.mark_price)
       END,
       CASE s.market
         WHEN 'UM' THEN pm.um_unrealized_pnl(p.qty, p.entry_price, s.mark_price)
         ELSE pm.cm_unrealized_pnl(p.qty, s.contract_size, p.entry_price, s.mark_price)
       END,
       CASE s.market
         WHEN 'UM' THEN pm.um_maint_margin(p.qty, s.mark_price, s.brackets)
         ELSE pm.cm_maint_margin(p.qty, s.contract_size, s.mark_price, s.brackets)
       END,
       b.bracket,
       (pm.rates(s.brackets))[b.bracket],
       CASE s.market
         WHEN 'UM' THEN pm.um_initial_margin(p.qty, s.mark_price, p.leverage)
         ELSE pm.cm_initial_margin(p.qty, s.contract_size, s.mark_price, p.leverage)
       END
  FROM pm.position_at(at) p
  JOIN pm.symbol_at(at) s ON s.symbol OPERATOR(pg_catalog.=) p.symbol
 CROSS JOIN LATERAL (
       SELECT CASE s.market
                WHEN 'UM' THEN pm.tier_of(pg_catalog.abs(p.qty) OPERATOR(pg_catalog.*) s.mark_price, s.brackets)
                ELSE pm.cm_bracket(p.qty, s.contract_size, s.mark_price, s.brackets)
              END AS bracket) b
$$;
COMMENT ON FUNCTION pm.position_risk_at(at timestamptz) IS
  'pm.position_risk as it was at a moment: every position then, at the mark and brackets of that moment';

-- pm.asset_equity as of a moment; the summary and the error in one pass.
CREATE FUNCTION pm.asset_equity_at(at pg_catalog.timestamptz) RETURNS SETOF pm.asset_equity
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
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
            FROM pm.ledger_row l
           WHERE pm.unchanged_since(l.account_id, at)
           GROUP BY l.account_id
          UNION ALL
          SELECT l.account_id,
                 pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n),
                 pm.ledger_risk_error(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
            FROM pm.ledger_row_at(at) l
           WHERE NOT pm.unchanged_since(l.account_id, at)
           GROUP BY l.account_id) m
    LEFT JOIN LATERAL pm.assets(m.summary)
           AS a(asset, equity, index_price, value_usd, collateral_value_usd, maint_margin,
                maint_margin_usd, initial_margin_usd, open_loss_usd) ON true;
END
$$;
COMMENT ON FUNCTION pm.asset_equity_at(at timestamptz) IS
  'pm.asset_equity as it was at a moment: how each account''s totals arose then, asset by asset';

CREATE FUNCTION pm.asset_equity_at(account_id pg_catalog.int8, at pg_catalog.timestamptz)
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
            FROM pm.ledger_row_at(at) l
           WHERE l.account_id OPERATOR(pg_catalog.=) asset_equity_at.account_id
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

-- The state is always valued with the reference data of now.
ALTER FUNCTION pm.recompute_accounts(pg_catalog.int8[]) SET portfolio_margin.as_of = '';
ALTER FUNCTION pm.revalue_accounts(pg_catalog.int8[], pg_catalog.text[]) SET portfolio_margin.as_of = '';
ALTER FUNCTION pm.restatus_accounts() SET portfolio_margin.as_of = '';
ALTER FUNCTION pm.refresh_account_state() SET portfolio_margin.as_of = '';

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.asset_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.asset_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.asset_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.asset_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.balance_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.balance_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.balance_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.balance_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.collateral_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.collateral_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.collateral_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.collateral_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.history_start
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.history_start ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.history_start
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.history_start ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.loan_mmr_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.loan_mmr_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.loan_mmr_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.loan_mmr_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.mark_price_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.mark_price_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.mark_price_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.mark_price_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.open_order_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.open_order_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.open_order_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.open_order_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.position_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.position_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.position_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.position_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.status_threshold_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.status_threshold_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.status_threshold_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.status_threshold_history ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.symbol_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.symbol_history ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.symbol_history
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.symbol_history ENABLE ALWAYS TRIGGER restore_guard_end;

GRANT SELECT ON pm.account_history, pm.asset_history, pm.balance_history, pm.collateral_history, pm.history_start, pm.loan_mmr_history, pm.mark_price_history, pm.open_order_history, pm.position_history, pm.status_threshold_history, pm.symbol_history TO pm_reader;

------------------------------------------------------------------------------
-- How risk moved: samples of every account's risk
------------------------------------------------------------------------------

-- pm.sample_risk() copies every account's state, exact, into a partition
-- of its day (UTC); run it at the resolution wanted (pg_cron:
-- SELECT cron.schedule('pm-sample', '* * * * *', 'SELECT pm.sample_risk()')).
-- Status changes between samples are pm.risk_event's.  The partitions are
-- made by pm.sample_risk(), not by the install script, so pg_dump carries
-- them as tables of their own, rows and index included; the parent holds
-- no rows and no index.
CREATE TABLE pm.risk_sample (
  sampled_at pg_catalog.timestamptz NOT NULL,
  account_id pg_catalog.int8 NOT NULL,
  program pg_catalog.text NOT NULL,
  uni_mmr pg_catalog.numeric,
  account_equity pg_catalog.numeric NOT NULL,
  adjusted_equity pg_catalog.numeric NOT NULL,
  maint_margin pg_catalog.numeric NOT NULL,
  status pg_catalog.text NOT NULL,
  error pg_catalog.text
) PARTITION BY RANGE (sampled_at);
COMMENT ON TABLE pm.risk_sample IS
  'every account''s risk as pm.account_state held it at each pm.sample_risk() (exact values), in one partition per day (UTC); read through the BI views pm.status_series, pm.book_series and pm.nearest_liquidation_series';
COMMENT ON COLUMN pm.risk_sample.sampled_at IS 'when the sample was taken (the sampling transaction''s now())';
COMMENT ON COLUMN pm.risk_sample.account_id IS 'account';
COMMENT ON COLUMN pm.risk_sample.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.risk_sample.uni_mmr IS 'uniMMR, exact; NULL without maintenance margin';
COMMENT ON COLUMN pm.risk_sample.account_equity IS 'collateral-weighted equity, USD';
COMMENT ON COLUMN pm.risk_sample.adjusted_equity IS 'account equity less open-order loss, USD';
COMMENT ON COLUMN pm.risk_sample.maint_margin IS 'maintenance margin, USD';
COMMENT ON COLUMN pm.risk_sample.status IS 'status then';
COMMENT ON COLUMN pm.risk_sample.error IS 'why the account could not be valued at its last change, or NULL';
ALTER TABLE pm.risk_sample ENABLE ROW LEVEL SECURITY;

CREATE POLICY account_access ON pm.risk_sample FOR SELECT USING (pm.account_visible(account_id));

-- Every account, sampled now; partitions of days entirely older than keep
-- dropped.  Returns the rows sampled.  One sampler at a time.
CREATE FUNCTION pm.sample_risk(keep pg_catalog.interval DEFAULT '30 days'::pg_catalog.interval)
  RETURNS pg_catalog.int8
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  day timestamptz := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  part text := 'risk_sample_' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD');
  old record;
  sampled int8;
BEGIN
  IF keep IS NULL OR keep <= interval '0' THEN
    RAISE EXCEPTION 'samples must be kept for a positive interval'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass keep => interval ''30 days'', say.';
  END IF;
  -- 'pmsample' in ASCII
  PERFORM pg_advisory_xact_lock(x'706d73616d706c65'::int8);
  IF to_regclass(format('pm.%I', part)) IS NULL THEN
    EXECUTE format('CREATE TABLE pm.%I PARTITION OF pm.risk_sample FOR VALUES FROM (%L) TO (%L)',
                   part, day, day + interval '1 day');
    -- the partition's own index, not the parent's: pg_dump carries the
    -- partitions as user tables, and an index they inherited from the
    -- extension's table it would dump as a second one
    EXECUTE format('CREATE INDEX ON pm.%I (account_id, sampled_at)', part);
  END IF;
  INSERT INTO pm.risk_sample (sampled_at, account_id, program, uni_mmr, account_equity, adjusted_equity,
                              maint_margin, status, error)
  SELECT now(), s.account_id, s.program, s.uni_mmr, s.account_equity, s.adjusted_equity, s.maint_margin,
         s.status, s.error
    FROM pm.account_state s
   WHERE s.status <> '';
  GET DIAGNOSTICS sampled = ROW_COUNT;
  -- retention: whole days before now() - keep
  FOR old IN
    SELECT c.relname
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'pm.risk_sample'::regclass
       AND c.relname ~ '^risk_sample_[0-9]{8}$'
       AND (to_timestamp(substr(c.relname, 13), 'YYYYMMDD') AT TIME ZONE 'UTC')::timestamptz
           + interval '1 day' <= now() - keep
  LOOP
    EXECUTE format('DROP TABLE pm.%I', old.relname);
  END LOOP;
  RETURN sampled;
END
$$;
COMMENT ON FUNCTION pm.sample_risk(keep interval) IS
  'samples every account''s pm.account_state into pm.risk_sample now (a partition per day, UTC, made when first needed) and drops the days entirely older than keep; returns the rows sampled';
REVOKE EXECUTE ON FUNCTION pm.sample_risk(keep interval) FROM PUBLIC;

-- Views for BI time-series panels (Grafana: docs/grafana/portfolio_margin.json).
CREATE VIEW pm.status_series AS
SELECT r.sampled_at, r.status, pg_catalog.count(*) AS accounts, pg_catalog.sum(r.maint_margin) AS maint_margin,
       pg_catalog.sum(r.account_equity) AS account_equity
  FROM pm.risk_sample r
 GROUP BY r.sampled_at, r.status;
COMMENT ON VIEW pm.status_series IS
  'per sample and status: how many accounts, their maintenance margin and equity (accounts by status over time)';
COMMENT ON COLUMN pm.status_series.sampled_at IS 'when the sample was taken';
COMMENT ON COLUMN pm.status_series.status IS 'status';
COMMENT ON COLUMN pm.status_series.accounts IS 'accounts in the status';
COMMENT ON COLUMN pm.status_series.maint_margin IS 'their maintenance margin, USD';
COMMENT ON COLUMN pm.status_series.account_equity IS 'their account equity, USD';

CREATE VIEW pm.book_series AS
SELECT r.sampled_at, pg_catalog.count(*) AS accounts,
       pg_catalog.sum(r.account_equity) AS account_equity,
       pg_catalog.sum(r.adjusted_equity) AS adjusted_equity,
       pg_catalog.sum(r.maint_margin) AS maint_margin,
       pg_catalog.min(r.uni_mmr) AS uni_mmr_min,
       pg_catalog.percentile_disc(0.01) WITHIN GROUP (ORDER BY r.uni_mmr) AS uni_mmr_p01,
       pg_catalog.percentile_disc(0.05) WITHIN GROUP (ORDER BY r.uni_mmr) AS uni_mmr_p05,
       pg_catalog.percentile_disc(0.25) WITHIN GROUP (ORDER BY r.uni_mmr) AS uni_mmr_p25,
       pg_catalog.percentile_disc(0.5) WITHIN GROUP (ORDER BY r.uni_mmr) AS uni_mmr_p50,
       pg_catalog.count(*) FILTER (WHERE r.status NOT IN ('NORMAL', 'MARGIN_CALL')) AS at_risk,
       pg_catalog.count(*) FILTER (WHERE r.error IS NOT NULL) AS not_valued
  FROM pm.risk_sample r
 GROUP BY r.sampled_at;
COMMENT ON VIEW pm.book_series IS
  'per sample, the book: total equity and maintenance margin, uniMMR percentiles (of accounts with maintenance margin), accounts at risk';
COMMENT ON COLUMN pm.book_series.sampled_at IS 'when the sample was taken';
COMMENT ON COLUMN pm.book_series.accounts IS 'accounts sampled';
COMMENT ON COLUMN pm.book_series.account_equity IS 'total account equity, USD';
COMMENT ON COLUMN pm.book_series.adjusted_equity IS 'total adjusted equity, USD';
COMMENT ON COLUMN pm.book_series.maint_margin IS 'total maintenance margin, USD';
COMMENT ON COLUMN pm.book_series.uni_mmr_min IS 'the lowest uniMMR';
COMMENT ON COLUMN pm.book_series.uni_mmr_p01 IS 'uniMMR that 1% of accounts are at or below (exact: a sampled value)';
COMMENT ON COLUMN pm.book_series.uni_mmr_p05 IS 'uniMMR that 5% of accounts are at or below';
COMMENT ON COLUMN pm.book_series.uni_mmr_p25 IS 'uniMMR that 25% of accounts are at or below';
COMMENT ON COLUMN pm.book_series.uni_mmr_p50 IS 'the median uniMMR';
COMMENT ON COLUMN pm.book_series.at_risk IS 'accounts in REDUCE_ONLY or a liquidation status (riskier than MARGIN_CALL)';
COMMENT ON COLUMN pm.book_series.not_valued IS 'accounts that could not be valued at their last change';

CREATE VIEW pm.nearest_liquidation_series AS
SELECT n.sampled_at, n.rank, n.account_id, n.program, n.uni_mmr, n.status, n.adjusted_equity, n.maint_margin
  FROM (SELECT r.sampled_at, pg_catalog.row_number() OVER (PARTITION BY r.sampled_at ORDER BY r.uni_mmr, r.account_id) AS rank,
               r.account_id, r.program, r.uni_mmr, r.status, r.adjusted_equity, r.maint_margin
          FROM pm.risk_sample r
         WHERE r.uni_mmr IS NOT NULL) n
 WHERE n.rank OPERATOR(pg_catalog.<=) 10;
COMMENT ON VIEW pm.nearest_liquidation_series IS
  'per sample, the ten accounts with the lowest uniMMR: those nearest liquidation at each moment';
COMMENT ON COLUMN pm.nearest_liquidation_series.sampled_at IS 'when the sample was taken';
COMMENT ON COLUMN pm.nearest_liquidation_series.rank IS '1 for the lowest uniMMR';
COMMENT ON COLUMN pm.nearest_liquidation_series.account_id IS 'account';
COMMENT ON COLUMN pm.nearest_liquidation_series.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.nearest_liquidation_series.uni_mmr IS 'uniMMR';
COMMENT ON COLUMN pm.nearest_liquidation_series.status IS 'status';
COMMENT ON COLUMN pm.nearest_liquidation_series.adjusted_equity IS 'adjusted equity, USD';
COMMENT ON COLUMN pm.nearest_liquidation_series.maint_margin IS 'maintenance margin, USD';

-- Views run with the reader's rights (PostgreSQL 15 on), as the others.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.status_series SET (security_invoker = true);
    ALTER VIEW pm.book_series SET (security_invoker = true);
    ALTER VIEW pm.nearest_liquidation_series SET (security_invoker = true);
  END IF;
END
$$;

GRANT SELECT ON pm.risk_sample, pm.status_series, pm.book_series, pm.nearest_liquidation_series TO pm_reader;

-- A restore loads each day's partition as a table of its own: its rows
-- reach no statement trigger of the extension's, but this row trigger of
-- the parent, which every partition gets.  Restored next to a live book
-- (the extension there before the restore: pm.restore_progress empty)
-- they are refused, as the extension's tables' rows are (src/restore.c).
CREATE FUNCTION pm.sample_restore_check() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM pm.restore_progress) THEN
    RAISE EXCEPTION 'cannot restore samples into %: this database already had portfolio_margin''s data', TG_TABLE_NAME
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'The extension''s rows restore only together with the extension, into a database where the restore itself creates it.',
            HINT = 'Restore into a new, empty database (createdb, then pg_restore -d, or pg_dump | psql).';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION pm.sample_restore_check() IS
  'row trigger on pm.risk_sample''s partitions, in a restoring session only: refuses samples restored into a database that had the extension before the restore';
REVOKE EXECUTE ON FUNCTION pm.sample_restore_check() FROM PUBLIC;

CREATE TRIGGER sample_restore_check BEFORE INSERT ON pm.risk_sample
  FOR EACH ROW WHEN (pm.restoring()) EXECUTE FUNCTION pm.sample_restore_check();
ALTER TABLE pm.risk_sample ENABLE ALWAYS TRIGGER sample_restore_check;
