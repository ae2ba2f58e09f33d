-- portfolio_margin 0.3.0 -> 0.4.0: liquidation flags in real time.
-- pm.account_state keeps every account's risk current as its data changes,
-- statement-level triggers recompute each touched account once, every
-- status change is a row of pm.risk_event and a notification on channel
-- pm_risk (sent at commit; the JSON payload carries event_id, account_id,
-- old_status, new_status, uni_mmr, adjusted_equity and maint_margin), and
-- pm.refresh_account_state() checks it all from scratch.

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.4.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Hysteresis: a band's exit buffer
------------------------------------------------------------------------------

ALTER TABLE pm.status_threshold
  ADD COLUMN exit_buffer pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT status_threshold_exit_buffer_not_negative
    CHECK (pm.finite(exit_buffer) AND exit_buffer >= 0);
COMMENT ON COLUMN pm.status_threshold.exit_buffer IS
  'hysteresis: an account leaves this band for a safer one only when uniMMR clears the threshold by this much (default 0)';

CREATE OR REPLACE FUNCTION pm.status_threshold_replace() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE pm.status_threshold
     SET uni_mmr_above = NEW.uni_mmr_above, enabled = NEW.enabled, exit_buffer = NEW.exit_buffer
   WHERE program = NEW.program AND status = NEW.status;
  IF FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION pm.status(summary pm.margin_summary, program pg_catalog.text, previous pg_catalog.text)
  RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_summary_status_from'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.status(pm.margin_summary, pg_catalog.text, pg_catalog.text) IS
  'account status with hysteresis: leaving the previous status for a safer one needs uniMMR above the threshold '
  'by that band''s exit_buffer; NULL previous means none';

CREATE FUNCTION pm.status(uni_mmr pg_catalog.numeric, adjusted_equity pg_catalog.numeric,
                          program pg_catalog.text, previous pg_catalog.text)
  RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_value_status'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.status(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.text, pg_catalog.text) IS
  'account status from stored values (uni_mmr NULL: no maintenance margin), with hysteresis against previous';

------------------------------------------------------------------------------
-- State and events
------------------------------------------------------------------------------

CREATE TABLE pm.account_state (
  account_id pg_catalog.int8 PRIMARY KEY
    CONSTRAINT account_state_account_known REFERENCES pm.account (account_id) ON DELETE CASCADE,
  program pg_catalog.text NOT NULL,
  uni_mmr pg_catalog.numeric,
  account_equity pg_catalog.numeric NOT NULL,
  adjusted_equity pg_catalog.numeric NOT NULL,
  maint_margin pg_catalog.numeric NOT NULL,
  status pg_catalog.text NOT NULL,
  status_since pg_catalog.timestamptz NOT NULL,
  updated_at pg_catalog.timestamptz NOT NULL,
  error pg_catalog.text
);
COMMENT ON TABLE pm.account_state IS
  'every account''s current risk, kept by triggers on the tables that move it (exact values)';
COMMENT ON COLUMN pm.account_state.account_id IS 'account';
COMMENT ON COLUMN pm.account_state.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.account_state.uni_mmr IS 'uniMMR, exact to at least 20 significant digits; NULL without maintenance margin';
COMMENT ON COLUMN pm.account_state.account_equity IS 'collateral-weighted equity, USD';
COMMENT ON COLUMN pm.account_state.adjusted_equity IS 'account equity less open-order loss, USD';
COMMENT ON COLUMN pm.account_state.maint_margin IS 'maintenance margin, USD';
COMMENT ON COLUMN pm.account_state.status IS 'status, with the ladder''s hysteresis';
COMMENT ON COLUMN pm.account_state.status_since IS 'when the account entered this status';
COMMENT ON COLUMN pm.account_state.updated_at IS 'when these values last changed';
COMMENT ON COLUMN pm.account_state.error IS
  'why the account could not be valued at its last change (a missing price, say); its other values are the last good ones';
CREATE INDEX account_state_error_idx ON pm.account_state (account_id) WHERE error IS NOT NULL;

CREATE TABLE pm.risk_event (
  event_id pg_catalog.int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id pg_catalog.int8 NOT NULL,
  old_status pg_catalog.text,
  new_status pg_catalog.text NOT NULL,
  uni_mmr pg_catalog.numeric,
  adjusted_equity pg_catalog.numeric NOT NULL,
  maint_margin pg_catalog.numeric NOT NULL,
  at pg_catalog.timestamptz NOT NULL
);
CREATE INDEX risk_event_account_idx ON pm.risk_event (account_id, event_id);

-- Every event is announced on channel pm_risk; NOTIFY delivers at commit, so
-- a rolled-back change notifies nobody.
CREATE FUNCTION pm.risk_event_notify() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pg_notify('pm_risk', json_build_object(
            'event_id', e.event_id, 'account_id', e.account_id, 'old_status', e.old_status,
            'new_status', e.new_status, 'uni_mmr', e.uni_mmr, 'adjusted_equity', e.adjusted_equity,
            'maint_margin', e.maint_margin)::text)
     FROM new_rows e
    ORDER BY e.event_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER risk_event_notify AFTER INSERT ON pm.risk_event
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.risk_event_notify();
COMMENT ON TABLE pm.risk_event IS
  'one row per change of an account''s status, in commit order of the changes; also sent on channel pm_risk';
COMMENT ON COLUMN pm.risk_event.event_id IS 'event, increasing';
COMMENT ON COLUMN pm.risk_event.account_id IS 'account';
COMMENT ON COLUMN pm.risk_event.old_status IS 'status before; NULL when the account was first seen (only risky first statuses are events)';
COMMENT ON COLUMN pm.risk_event.new_status IS 'status after';
COMMENT ON COLUMN pm.risk_event.uni_mmr IS 'uniMMR that caused the change';
COMMENT ON COLUMN pm.risk_event.adjusted_equity IS 'adjusted equity then, USD';
COMMENT ON COLUMN pm.risk_event.maint_margin IS 'maintenance margin then, USD';
COMMENT ON COLUMN pm.risk_event.at IS 'time of the transaction that changed it';

SELECT pg_catalog.pg_extension_config_dump('pm.account_state', '');
SELECT pg_catalog.pg_extension_config_dump('pm.risk_event', '');
SELECT pg_catalog.pg_extension_config_dump('pm.risk_event_event_id_seq', '');

-- Who holds what, for price changes
CREATE INDEX balance_asset_idx ON pm.balance (asset);
CREATE INDEX open_order_buy_asset_idx ON pm.open_order (buy_asset);

------------------------------------------------------------------------------
-- Recomputation
------------------------------------------------------------------------------

-- Recompute the given accounts from scratch (their state rows are locked):
-- write what changed, and record and announce every status change.
-- Returns the number of rows changed.
-- For a few accounts a generic plan (index scans by account) is right and
-- planning would cost more than running; for many, a plan made for the
-- actual list is.  The function's SET restores the caller's setting.
CREATE FUNCTION pm.recompute_batch(ids pg_catalog.int8[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  changed int4;
BEGIN
  IF cardinality(ids) > 64 THEN
    PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
  END IF;
  WITH fresh AS (
    SELECT m.account_id, m.program, m.summary
      FROM pm.account_margin m
     WHERE m.account_id = ANY (ids)
  ), calc AS (
    SELECT f.account_id, f.program,
           pm.uni_mmr(f.summary) AS uni_mmr,
           pm.account_equity(f.summary) AS account_equity,
           pm.adjusted_equity(f.summary) AS adjusted_equity,
           pm.maint_margin(f.summary) AS maint_margin,
           pm.status(f.summary, f.program, NULLIF(s.status, '')) AS status,
           NULLIF(s.status, '') AS old_status
      FROM fresh f
      JOIN pm.account_state s ON s.account_id = f.account_id AND s.account_id = ANY (ids)
  ), upd AS (
    UPDATE pm.account_state s
       SET program = c.program, uni_mmr = c.uni_mmr, account_equity = c.account_equity,
           adjusted_equity = c.adjusted_equity, maint_margin = c.maint_margin, status = c.status,
           status_since = CASE WHEN c.status IS DISTINCT FROM c.old_status THEN now() ELSE s.status_since END,
           updated_at = now(), error = NULL
      FROM calc c
     WHERE s.account_id = c.account_id AND s.account_id = ANY (ids)
       AND (s.program, s.uni_mmr, s.account_equity, s.adjusted_equity, s.maint_margin, s.status, s.error)
           IS DISTINCT FROM (c.program, c.uni_mmr, c.account_equity, c.adjusted_equity, c.maint_margin, c.status, NULL)
    RETURNING c.account_id, c.old_status, c.status, c.uni_mmr, c.adjusted_equity, c.maint_margin
  ), ev AS (
    -- a change of status, or a first status that is not NORMAL
    INSERT INTO pm.risk_event (account_id, old_status, new_status, uni_mmr, adjusted_equity, maint_margin, at)
    SELECT u.account_id, u.old_status, u.status, u.uni_mmr, u.adjusted_equity, u.maint_margin, now()
      FROM upd u
     WHERE u.status IS DISTINCT FROM u.old_status AND (u.old_status IS NOT NULL OR u.status <> 'NORMAL')
  )
  SELECT count(*) INTO changed FROM upd;
  RETURN changed;
END
$$;
COMMENT ON FUNCTION pm.recompute_batch(pg_catalog.int8[]) IS
  'recompute these already locked accounts; used by pm.recompute_accounts';

-- Recompute the given accounts: lock their state rows in account order (so
-- concurrent recomputations queue instead of deadlocking), then -- with a
-- snapshot taken after the locks, so it sees everything committed by whoever
-- held them -- recompute them.  An account that cannot be valued (a missing
-- price, say) must not block the write that touched it: it keeps its last
-- values with the reason in error, and the others are still recomputed.
-- Returns the number of rows changed.
CREATE FUNCTION pm.recompute_accounts(ids pg_catalog.int8[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  changed int4 := 0;
  locked int4;
  id int8;
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN 0;
  END IF;
  IF cardinality(ids) > 64 THEN
    PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
  END IF;

  SELECT count(*) INTO locked
    FROM (SELECT 1 FROM pm.account_state s WHERE s.account_id = ANY (ids)
           ORDER BY s.account_id FOR UPDATE) l;
  IF locked < cardinality(ids) THEN
    -- accounts seen for the first time get a row to lock; accounts deleted
    -- in the meantime lose theirs
    INSERT INTO pm.account_state AS s (account_id, program, uni_mmr, account_equity, adjusted_equity,
                                       maint_margin, status, status_since, updated_at)
    SELECT a.account_id, a.program, NULL, 0, 0, 0, '', now(), now()
      FROM pm.account a
     WHERE a.account_id = ANY (ids)
    ON CONFLICT (account_id) DO NOTHING;
    PERFORM 1 FROM pm.account_state s WHERE s.account_id = ANY (ids) ORDER BY s.account_id FOR UPDATE;
    DELETE FROM pm.account_state s
     WHERE s.account_id = ANY (ids) AND NOT EXISTS (SELECT 1 FROM pm.account a WHERE a.account_id = s.account_id);
  END IF;

  BEGIN
    changed := pm.recompute_batch(ids);
  EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
    -- one account at a time, keeping the reason for those that fail
    changed := 0;
    FOREACH id IN ARRAY ids LOOP
      BEGIN
        changed := changed + pm.recompute_batch(ARRAY[id]);
      EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
        UPDATE pm.account_state s SET error = SQLERRM, updated_at = now()
         WHERE s.account_id = id AND s.error IS DISTINCT FROM SQLERRM;
        changed := changed + 1;
      END;
    END LOOP;
  END;
  RETURN changed;
END
$$;
COMMENT ON FUNCTION pm.recompute_accounts(pg_catalog.int8[]) IS
  'recompute these accounts'' pm.account_state, recording and announcing status changes; returns rows changed';

-- Re-grade statuses after a ladder edit, from stored values (no re-aggregation).
CREATE FUNCTION pm.restatus_accounts() RETURNS pg_catalog.int4
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  changed int4;
BEGIN
  PERFORM 1 FROM pm.account_state s ORDER BY s.account_id FOR UPDATE;
  WITH calc AS (
    SELECT s.account_id, s.status AS old_status,
           pm.status(s.uni_mmr, s.adjusted_equity, s.program, s.status) AS status
      FROM pm.account_state s
  ), upd AS (
    UPDATE pm.account_state s
       SET status = c.status, status_since = now(), updated_at = now()
      FROM calc c
     WHERE s.account_id = c.account_id AND s.status IS DISTINCT FROM c.status
    RETURNING s.account_id, c.old_status, c.status, s.uni_mmr, s.adjusted_equity, s.maint_margin
  ), ev AS (
    INSERT INTO pm.risk_event (account_id, old_status, new_status, uni_mmr, adjusted_equity, maint_margin, at)
    SELECT u.account_id, u.old_status, u.status, u.uni_mmr, u.adjusted_equity, u.maint_margin, now()
      FROM upd u
  )
  SELECT count(*) INTO changed FROM upd;
  RETURN changed;
END
$$;
COMMENT ON FUNCTION pm.restatus_accounts() IS
  're-grade every account''s status against the current ladder from stored values; returns rows changed';

-- Recompute every account from scratch, in batches, and report how many
-- rows of pm.account_state were wrong (0 when the triggers kept it right).
CREATE FUNCTION pm.refresh_account_state() RETURNS pg_catalog.int8
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ids int8[];
  last_id int8 := NULL;
  corrected int8 := 0;
BEGIN
  LOOP
    ids := ARRAY(SELECT a.account_id FROM pm.account a
                  WHERE last_id IS NULL OR a.account_id > last_id
                  ORDER BY a.account_id LIMIT 10000);
    EXIT WHEN cardinality(ids) = 0;
    corrected := corrected + pm.recompute_accounts(ids);
    last_id := ids[cardinality(ids)];
  END LOOP;
  RETURN corrected;
END
$$;
COMMENT ON FUNCTION pm.refresh_account_state() IS
  'recompute pm.account_state for every account from scratch; returns how many rows it corrected (0 when triggers were right)';

------------------------------------------------------------------------------
-- Triggers: one statement recomputes each touched account once
------------------------------------------------------------------------------

-- Rows with an account_id (balances, positions, orders, accounts)
CREATE FUNCTION pm.state_after_insert() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(SELECT DISTINCT n.account_id FROM new_rows n));
  RETURN NULL;
END
$$;

CREATE FUNCTION pm.state_after_update() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(SELECT n.account_id FROM new_rows n
                                      UNION SELECT o.account_id FROM old_rows o));
  RETURN NULL;
END
$$;

CREATE FUNCTION pm.state_after_delete() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(SELECT DISTINCT o.account_id FROM old_rows o));
  RETURN NULL;
END
$$;

CREATE FUNCTION pm.state_after_truncate() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.refresh_account_state();
  RETURN NULL;
END
$$;

CREATE TRIGGER state_balance_insert AFTER INSERT ON pm.balance
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_insert();
CREATE TRIGGER state_balance_update AFTER UPDATE ON pm.balance
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_update();
CREATE TRIGGER state_balance_delete AFTER DELETE ON pm.balance
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_delete();
CREATE TRIGGER state_balance_truncate AFTER TRUNCATE ON pm.balance
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_truncate();

CREATE TRIGGER state_position_insert AFTER INSERT ON pm.position
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_insert();
CREATE TRIGGER state_position_update AFTER UPDATE ON pm.position
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_update();
CREATE TRIGGER state_position_delete AFTER DELETE ON pm.position
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_delete();
CREATE TRIGGER state_position_truncate AFTER TRUNCATE ON pm.position
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_truncate();

CREATE TRIGGER state_open_order_insert AFTER INSERT ON pm.open_order
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_insert();
CREATE TRIGGER state_open_order_update AFTER UPDATE ON pm.open_order
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_update();
CREATE TRIGGER state_open_order_delete AFTER DELETE ON pm.open_order
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_delete();
CREATE TRIGGER state_open_order_truncate AFTER TRUNCATE ON pm.open_order
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_truncate();

-- Accounts: new accounts get their state; a program or leverage change
-- recomputes; a deleted account's state goes by cascade.
CREATE TRIGGER state_account_insert AFTER INSERT ON pm.account
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_insert();
CREATE TRIGGER state_account_update AFTER UPDATE ON pm.account
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_update();

-- An index price moves the accounts that hold, owe, settle in or trade the asset.
CREATE FUNCTION pm.state_after_asset_update() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  moved text[] := ARRAY(SELECT n.asset FROM new_rows n JOIN old_rows o ON o.asset = n.asset
                         WHERE n.index_price IS DISTINCT FROM o.index_price);
BEGIN
  IF cardinality(moved) > 0 THEN
    PERFORM pm.recompute_accounts(ARRAY(
      SELECT b.account_id FROM pm.balance b WHERE b.asset = ANY (moved)
      UNION SELECT p.account_id FROM pm.position p JOIN pm.symbol s ON s.symbol = p.symbol
             WHERE s.settle_asset = ANY (moved)
      UNION SELECT o.account_id FROM pm.open_order o WHERE o.sell_asset = ANY (moved)
      UNION SELECT o.account_id FROM pm.open_order o WHERE o.buy_asset = ANY (moved)));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER state_asset_update AFTER UPDATE ON pm.asset
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION pm.state_after_asset_update();

-- A mark price or bracket change moves the accounts with positions in the symbol.
CREATE FUNCTION pm.state_after_symbol_update() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  moved text[] := ARRAY(SELECT n.symbol FROM new_rows n JOIN old_rows o ON o.symbol = n.symbol
                         WHERE (n.market, n.settle_asset, n.contract_size, n.mark_price, n.brackets::text)
                               IS DISTINCT FROM
                               (o.market, o.settle_asset, o.contract_size, o.mark_price, o.brackets::text));
BEGIN
  IF cardinality(moved) > 0 THEN
    PERFORM pm.recompute_accounts(ARRAY(SELECT DISTINCT p.account_id FROM pm.position p
                                         WHERE p.symbol = ANY (moved)));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER state_symbol_update AFTER UPDATE ON pm.symbol
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION pm.state_after_symbol_update();

-- A collateral schedule moves the accounts of its program that hold the asset.
CREATE FUNCTION pm.state_collateral_changed(programs pg_catalog.text[], assets pg_catalog.text[])
  RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(
    SELECT a.account_id
      FROM pm.account a
      JOIN (SELECT b.account_id, b.asset FROM pm.balance b
            UNION ALL SELECT p.account_id, s.settle_asset FROM pm.position p JOIN pm.symbol s ON s.symbol = p.symbol
            UNION ALL SELECT o.account_id, o.sell_asset FROM pm.open_order o
            UNION ALL SELECT o.account_id, o.buy_asset FROM pm.open_order o) h ON h.account_id = a.account_id
     WHERE (a.program, h.asset) IN (SELECT * FROM unnest(programs, assets))
     GROUP BY a.account_id));
END
$$;
COMMENT ON FUNCTION pm.state_collateral_changed(pg_catalog.text[], pg_catalog.text[]) IS
  'recompute the accounts that hold an asset whose collateral schedule changed in their program';
CREATE FUNCTION pm.state_after_collateral_insert() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.state_collateral_changed(ARRAY(SELECT n.program FROM new_rows n ORDER BY n.program, n.asset),
                                      ARRAY(SELECT n.asset FROM new_rows n ORDER BY n.program, n.asset));
  RETURN NULL;
END
$$;
CREATE FUNCTION pm.state_after_collateral_update() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.state_collateral_changed(
    ARRAY(SELECT x.program FROM (SELECT n.program, n.asset FROM new_rows n
                                 UNION SELECT o.program, o.asset FROM old_rows o) x ORDER BY x.program, x.asset),
    ARRAY(SELECT x.asset FROM (SELECT n.program, n.asset FROM new_rows n
                               UNION SELECT o.program, o.asset FROM old_rows o) x ORDER BY x.program, x.asset));
  RETURN NULL;
END
$$;
CREATE FUNCTION pm.state_after_collateral_delete() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.state_collateral_changed(ARRAY(SELECT o.program FROM old_rows o ORDER BY o.program, o.asset),
                                      ARRAY(SELECT o.asset FROM old_rows o ORDER BY o.program, o.asset));
  RETURN NULL;
END
$$;
CREATE TRIGGER state_collateral_insert AFTER INSERT ON pm.collateral
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_collateral_insert();
CREATE TRIGGER state_collateral_update AFTER UPDATE ON pm.collateral
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION pm.state_after_collateral_update();
CREATE TRIGGER state_collateral_delete AFTER DELETE ON pm.collateral
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_collateral_delete();

-- A loan MMR moves the accounts at that leverage.
CREATE FUNCTION pm.state_after_loan_mmr_change() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(
    SELECT a.account_id FROM pm.account a
     WHERE a.loan_leverage IN (SELECT n.leverage FROM new_rows n UNION SELECT o.leverage FROM old_rows o)));
  RETURN NULL;
END
$$;
CREATE TRIGGER state_loan_mmr_update AFTER UPDATE ON pm.loan_mmr
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION pm.state_after_loan_mmr_change();

-- A ladder edit re-grades statuses from stored values.
CREATE FUNCTION pm.state_after_ladder_change() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.restatus_accounts();
  RETURN NULL;
END
$$;
-- named to fire after status_threshold_check (same-event triggers fire by name)
CREATE TRIGGER status_threshold_regrade AFTER INSERT OR UPDATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_ladder_change();

-- Accounts that exist already get their state now.
SELECT pm.refresh_account_state();
