------------------------------------------------------------------------------
-- portfolio_margin 0.21.0 -> 0.22.0: a price change revalued once per
-- transaction.
--
-- * portfolio_margin.revalue_at (a setting of the library): 'statement',
--   as before, or 'commit': the symbols and assets a transaction's price
--   changes moved wait in pm.revalue_pending (new) and the accounts they
--   move are revalued once, at commit (pm.revalue_pending_now, the
--   deferred trigger revalue_at_commit), before any event is recorded.
-- * pm.accounts_moved_by(symbols, assets) (new): the accounts a change
--   moves, one query for the triggers and the commit; pm.symbol_moved(n, o)
--   (new): whether a symbol's change moves its positions, one test for the
--   statement and the replica triggers.
-- * Reference data applied by logical replication (a shard subscribed to
--   a coordinator's reference tables) keeps pm.account_state as local
--   writes do: row triggers enabled for replica sessions only
--   (pm.state_after_replicated_reference, new), and the deferred triggers
--   revalue_at_commit and state_at_commit enabled always.
-- * pm.revalue_batch leaves out of its update what the ledger totals
--   cannot serve instead of finding it afterwards by a set difference
--   (the difference is taken only when a row was not written).
-- * pm.state_after_asset_update, pm.state_after_symbol_update and
--   pm.state_at_commit: as in the install script.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.22.0'" to load this file. \quit

CREATE OR REPLACE FUNCTION pm.revalue_batch(ids pg_catalog.int8[], moved_assets pg_catalog.text[],
                                            OUT changed pg_catalog.int4, OUT rest pg_catalog.int8[])
  RETURNS record
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
  SET jit = off
AS $$
DECLARE
  done int8[];
  servable int8;
BEGIN
  -- a generic plan: the ids go to the primary key's index scan, which
  -- returns them in order to be locked, and each row is written through
  -- its tid.  Rows the totals cannot serve are locked and left in rest.
  WITH judged AS (
    SELECT c.*, c.old_values IS DISTINCT FROM
                ROW(c.uni_mmr, c.account_equity, c.adjusted_equity, c.maint_margin, scale(c.uni_mmr),
                    scale(c.account_equity), scale(c.adjusted_equity), scale(c.maint_margin))
                OR c.status IS DISTINCT FROM c.old_status AS is_changed
      FROM (SELECT r.tid, r.account_id, r.old_status, r.servable,
                   (x.v).uni_mmr, (x.v).account_equity, (x.v).adjusted_equity, (x.v).maint_margin,
                   pm.status((x.v).uni_mmr, (x.v).adjusted_equity, r.program, r.committed_status) AS status,
                   r.old_values
              FROM (SELECT l.*,
                           l.ledger_totals IS NOT NULL AND l.error IS NULL
                           -- a PM account's open orders lose value at their assets' prices
                           -- and schedules, which the totals hold as they were
                           AND NOT (moved_assets IS NOT NULL AND l.program = 'PM'
                                    AND EXISTS (SELECT FROM pm.open_order o
                                                 WHERE o.account_id = l.account_id
                                                   AND (o.sell_asset = ANY (moved_assets)
                                                        OR o.buy_asset = ANY (moved_assets)))) AS servable
                      FROM (SELECT s.ctid AS tid, s.account_id, s.program, s.ledger_totals, s.error,
                                   s.committed_status, NULLIF(s.status, '') AS old_status,
                                   (s.uni_mmr, s.account_equity, s.adjusted_equity, s.maint_margin,
                                    scale(s.uni_mmr), scale(s.account_equity), scale(s.adjusted_equity),
                                    scale(s.maint_margin)) AS old_values
                              FROM pm.account_state s
                             WHERE s.account_id = ANY (ids)
                             ORDER BY s.account_id
                            OFFSET 0
                               FOR UPDATE) l
                    OFFSET 0) r
              LEFT JOIN LATERAL (SELECT pm.ledger_totals_values(r.ledger_totals) AS v
                                  WHERE r.servable OFFSET 0) x ON true
            OFFSET 0) c
    OFFSET 0
  ), upd AS (
    UPDATE pm.account_state s
       SET uni_mmr = j.uni_mmr, account_equity = j.account_equity, adjusted_equity = j.adjusted_equity,
           maint_margin = j.maint_margin, status = j.status,
           updated_at = CASE WHEN j.is_changed THEN now() ELSE s.updated_at END
      FROM judged j
     WHERE s.ctid = j.tid AND j.servable
    RETURNING j.account_id, j.is_changed
  )
  SELECT w.changed, w.done, l.servable, l.rest INTO changed, done, servable, rest
    FROM (SELECT count(*) FILTER (WHERE u.is_changed) AS changed, array_agg(u.account_id) AS done
            FROM upd u) w,
         (SELECT count(*) FILTER (WHERE j.servable) AS servable,
                 coalesce(array_agg(j.account_id) FILTER (WHERE NOT j.servable), '{}') AS rest
            FROM judged j) l;
  IF coalesce(cardinality(done), 0) < servable OR servable + cardinality(rest) < cardinality(ids) THEN
    -- a row a concurrent writer changed while it waited for the lock (the
    -- update's snapshot does not see its new version), an account without
    -- a state row, an id given twice: what was not written is left
    rest := ARRAY(SELECT i.id FROM pg_catalog.unnest(ids) AS i(id)
                  EXCEPT SELECT d.id FROM pg_catalog.unnest(done) AS d(id)
                  ORDER BY 1);
  END IF;
END
$$;
COMMENT ON FUNCTION pm.revalue_batch(ids bigint[], moved_assets text[], OUT changed integer, OUT rest bigint[]) IS
  'lock these accounts'' state rows and revalue them from their ledger totals at the current reference data; returns rows changed and the accounts it could not revalue (no totals, an error, no state row, open orders in moved_assets)';
REVOKE EXECUTE ON FUNCTION pm.revalue_batch(ids bigint[], moved_assets text[], OUT changed integer, OUT rest bigint[]) FROM PUBLIC;

CREATE TABLE pm.revalue_pending (
  xact_id pg_catalog.xid8 PRIMARY KEY,
  symbols pg_catalog.text[] NOT NULL,
  assets pg_catalog.text[] NOT NULL
);
COMMENT ON TABLE pm.revalue_pending IS
  'per transaction in progress with portfolio_margin.revalue_at = ''commit'': the symbols and assets whose prices it moved, revalued at its commit (pm.revalue_pending_now)';
COMMENT ON COLUMN pm.revalue_pending.xact_id IS 'the transaction';
COMMENT ON COLUMN pm.revalue_pending.symbols IS 'symbols whose mark, brackets or terms it moved';
COMMENT ON COLUMN pm.revalue_pending.assets IS 'assets whose index price it moved';

-- The accounts a change of these symbols (positions in them) and of these
-- assets' prices or schedules (held, owed, settled in or traded) moves.
CREATE FUNCTION pm.accounts_moved_by(symbols pg_catalog.text[], assets pg_catalog.text[])
  RETURNS pg_catalog.int8[]
  LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- a tick of marks alone reads the positions alone
  IF coalesce(cardinality(assets), 0) = 0 THEN
    RETURN ARRAY(SELECT DISTINCT p.account_id FROM pm.position p WHERE p.symbol = ANY (symbols) ORDER BY 1);
  END IF;
  -- one scan of each table, deduplicated by hashing (a sort of every row
  -- spilled at the default work_mem)
  RETURN ARRAY(
    SELECT x.account_id
      FROM (SELECT p.account_id FROM pm.position p JOIN pm.symbol s ON s.symbol = p.symbol
             WHERE p.symbol = ANY (symbols) OR s.settle_asset = ANY (assets)
            UNION ALL
            SELECT b.account_id FROM pm.balance b WHERE b.asset = ANY (assets)
            UNION ALL
            SELECT o.account_id FROM pm.open_order o
             WHERE o.sell_asset = ANY (assets) OR o.buy_asset = ANY (assets)) x
     GROUP BY x.account_id
     ORDER BY x.account_id);
END
$$;
COMMENT ON FUNCTION pm.accounts_moved_by(symbols text[], assets text[]) IS
  'the accounts with positions in these symbols or holding, owing, settling in or trading these assets, in account order';
REVOKE EXECUTE ON FUNCTION pm.accounts_moved_by(symbols text[], assets text[]) FROM PUBLIC;

-- Keep what a statement moved for its transaction's commit.
CREATE FUNCTION pm.revalue_later(symbols pg_catalog.text[], assets pg_catalog.text[]) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO pm.revalue_pending AS p (xact_id, symbols, assets)
  VALUES (pg_current_xact_id(), coalesce(symbols, '{}'), coalesce(assets, '{}'))
  ON CONFLICT (xact_id) DO UPDATE
    SET symbols = ARRAY(SELECT DISTINCT u.s FROM unnest(p.symbols || excluded.symbols) AS u(s) ORDER BY 1),
        assets = ARRAY(SELECT DISTINCT u.a FROM unnest(p.assets || excluded.assets) AS u(a) ORDER BY 1);
END
$$;
COMMENT ON FUNCTION pm.revalue_later(symbols text[], assets text[]) IS
  'add symbols and assets whose prices moved to this transaction''s pm.revalue_pending row, revalued at its commit';
REVOKE EXECUTE ON FUNCTION pm.revalue_later(symbols text[], assets text[]) FROM PUBLIC;

-- Revalue, once, every account this transaction's pending price changes
-- moved; nothing when none are pending.  Called by the deferred trigger at
-- commit, and first thing by pm.state_at_commit, so that an event records
-- the status at commit whichever deferred trigger fires first.
CREATE FUNCTION pm.revalue_pending_now() RETURNS pg_catalog.int4
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  symbols text[];
  assets text[];
BEGIN
  DELETE FROM pm.revalue_pending p WHERE p.xact_id = pg_current_xact_id()
  RETURNING p.symbols, p.assets INTO symbols, assets;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  RETURN pm.revalue_accounts(pm.accounts_moved_by(symbols, assets),
                             CASE WHEN cardinality(assets) > 0 THEN assets END);
END
$$;
COMMENT ON FUNCTION pm.revalue_pending_now() IS
  'revalue once the accounts moved by this transaction''s pending price changes (portfolio_margin.revalue_at = ''commit''); returns rows changed';
REVOKE EXECUTE ON FUNCTION pm.revalue_pending_now() FROM PUBLIC;

CREATE FUNCTION pm.revalue_at_commit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.revalue_pending_now();
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.revalue_at_commit() IS
  'deferred trigger on pm.revalue_pending: at commit, revalue the accounts the transaction''s price changes moved';
REVOKE EXECUTE ON FUNCTION pm.revalue_at_commit() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER revalue_at_commit AFTER INSERT ON pm.revalue_pending
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION pm.revalue_at_commit();
-- also in replica sessions (pm.state_after_replicated_reference)
ALTER TABLE pm.revalue_pending ENABLE ALWAYS TRIGGER revalue_at_commit;

CREATE OR REPLACE FUNCTION pm.state_after_asset_update() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  moved text[] := ARRAY(SELECT n.asset FROM new_rows n JOIN old_rows o ON o.asset = n.asset
                         -- as text: a price rewritten in another display scale changes the
                         -- digits of the values derived from it
                         WHERE n.index_price::text IS DISTINCT FROM o.index_price::text);
BEGIN
  IF cardinality(moved) = 0 THEN
    NULL;
  ELSIF current_setting('portfolio_margin.revalue_at', true) = 'commit' THEN
    PERFORM pm.revalue_later('{}', moved);
  ELSE
    PERFORM pm.revalue_accounts(pm.accounts_moved_by('{}', moved), moved);
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_asset_update() FROM PUBLIC;

-- Whether a symbol's new row values its positions differently from its old
-- one: terms, mark or brackets, compared as text (a mark rewritten in
-- another display scale changes the digits of the values derived from it).
-- One test for the statement trigger below and the replica one.
CREATE FUNCTION pm.symbol_moved(n pm.symbol, o pm.symbol) RETURNS pg_catalog.bool
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT (n.market, n.settle_asset, n.contract_size::pg_catalog.text, n.mark_price::pg_catalog.text,
          n.brackets::pg_catalog.text)
         IS DISTINCT FROM
         (o.market, o.settle_asset, o.contract_size::pg_catalog.text, o.mark_price::pg_catalog.text,
          o.brackets::pg_catalog.text)
$$;
COMMENT ON FUNCTION pm.symbol_moved(n pm.symbol, o pm.symbol) IS
  'whether a symbol''s new row changes its terms, mark or brackets (as text): whether its positions must be valued again';

CREATE OR REPLACE FUNCTION pm.state_after_symbol_update() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  moved text[] := ARRAY(SELECT n.symbol FROM new_rows n JOIN old_rows o ON o.symbol = n.symbol
                         WHERE pm.symbol_moved(n, o));
BEGIN
  IF cardinality(moved) = 0 THEN
    NULL;
  ELSIF current_setting('portfolio_margin.revalue_at', true) = 'commit' THEN
    PERFORM pm.revalue_later(moved, '{}');
  ELSE
    PERFORM pm.revalue_accounts(pm.accounts_moved_by(moved, '{}'));
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_symbol_update() FROM PUBLIC;

CREATE OR REPLACE FUNCTION pm.state_at_commit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s pm.account_state;
  id int8;
  top int8;
BEGIN
  -- a restore loads state rows as they were, in a replica session (src/restore.c)
  IF pm.restoring() THEN
    RETURN NULL;
  END IF;
  -- price changes deferred to commit first: the event is of the status at commit
  PERFORM pm.revalue_pending_now();
  SELECT * INTO s FROM pm.account_state a WHERE a.account_id = NEW.account_id;
  IF NOT FOUND OR s.status = '' OR s.status IS NOT DISTINCT FROM s.committed_status THEN
    RETURN NULL;
  END IF;
  -- a first status that is NORMAL is no event
  IF s.committed_status IS NOT NULL OR s.status <> 'NORMAL' THEN
    -- 'pm_event' in ASCII: one committing transaction records events at a time
    PERFORM pg_advisory_xact_lock(x'706d5f6576656e74'::int8);
    -- never below an event there is: a restore refused for a database that
    -- had the extension still sets the sequence to the dump's value
    id := nextval('pm.risk_event_event_id_seq');
    SELECT e.event_id INTO top FROM pm.risk_event e ORDER BY e.event_id DESC LIMIT 1;
    IF id <= top THEN
      id := setval('pm.risk_event_event_id_seq', top + 1);
    END IF;
    INSERT INTO pm.risk_event (event_id, account_id, program, old_status, new_status, uni_mmr,
                               adjusted_equity, maint_margin, at, xact_id)
    OVERRIDING SYSTEM VALUE
    VALUES (id, s.account_id, s.program, s.committed_status, s.status, s.uni_mmr, s.adjusted_equity,
            s.maint_margin, now(), pg_current_xact_id());
    -- the same payload for every event of the transaction: one notification
    PERFORM pg_notify('pm_risk', json_build_object('xact_id', pg_current_xact_id()::text,
                                                   'at', now())::text);
  END IF;
  UPDATE pm.account_state a SET committed_status = s.status, status_since = now()
   WHERE a.account_id = s.account_id;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.state_at_commit() IS
  'deferred trigger on pm.account_state: at commit, the event of an account whose status the transaction changed';
REVOKE EXECUTE ON FUNCTION pm.state_at_commit() FROM PUBLIC;
-- also in replica sessions, where replication applied the prices
ALTER TABLE pm.account_state ENABLE ALWAYS TRIGGER state_at_commit;

-- Reference data applied by logical replication
--
-- A shard subscribes to a coordinator's reference tables
-- (docs/sharding.md).  Replication applies their rows with
-- session_replication_role = replica and fires row triggers only, so the
-- statement triggers above never see a price the coordinator moved.  These
-- row triggers are enabled for replica sessions only (ENABLE REPLICA):
-- an index price, a symbol or a collateral schedule applied this way adds
-- what moved to the transaction's pm.revalue_pending row, and its accounts
-- are revalued once when the applied transaction commits -- as
-- portfolio_margin.revalue_at = 'commit' does on one node; a loan rate
-- recomputes the accounts at its leverage and a ladder edit re-grades
-- statuses at once.  (A collateral schedule revalues every holder of the
-- asset, of either program: more than needed, the same values.)  The
-- deferred triggers that revalue at commit and record events fire in
-- replica sessions too (ENABLE ALWAYS, below and at pm.state_at_commit).
-- A restore loads rows in a replica session too (src/restore.c): there
-- these triggers and pm.state_at_commit do nothing.
CREATE FUNCTION pm.state_after_replicated_reference() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- a restore loads rows as replication does (src/restore.c): not a change
  IF pm.restoring() THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'asset' THEN
    IF NEW.index_price::text IS DISTINCT FROM OLD.index_price::text THEN
      PERFORM pm.revalue_later('{}', ARRAY[NEW.asset]);
    END IF;
  ELSIF TG_TABLE_NAME = 'symbol' THEN
    IF pm.symbol_moved(NEW, OLD) THEN
      PERFORM pm.revalue_later(ARRAY[NEW.symbol], '{}');
    END IF;
  ELSIF TG_TABLE_NAME = 'collateral' THEN
    PERFORM pm.revalue_later('{}', ARRAY(SELECT DISTINCT x.asset FROM unnest(ARRAY[NEW.asset, OLD.asset]) AS x(asset)
                                          WHERE x.asset IS NOT NULL ORDER BY 1));
  ELSIF TG_TABLE_NAME = 'loan_mmr' THEN
    PERFORM pm.recompute_accounts(ARRAY(SELECT a.account_id FROM pm.account a
                                         WHERE a.loan_leverage IN (NEW.leverage, OLD.leverage)
                                         ORDER BY 1));
  ELSIF TG_TABLE_NAME = 'status_threshold' THEN
    PERFORM pm.restatus_accounts();
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION pm.state_after_replicated_reference() IS
  'row trigger on the reference tables, for replica sessions only (logical replication''s apply): keeps pm.account_state as the statement triggers do for local writes';
REVOKE EXECUTE ON FUNCTION pm.state_after_replicated_reference() FROM PUBLIC;

CREATE TRIGGER state_asset_replicated AFTER UPDATE ON pm.asset
  FOR EACH ROW EXECUTE FUNCTION pm.state_after_replicated_reference();
ALTER TABLE pm.asset ENABLE REPLICA TRIGGER state_asset_replicated;
CREATE TRIGGER state_symbol_replicated AFTER UPDATE ON pm.symbol
  FOR EACH ROW EXECUTE FUNCTION pm.state_after_replicated_reference();
ALTER TABLE pm.symbol ENABLE REPLICA TRIGGER state_symbol_replicated;
CREATE TRIGGER state_collateral_replicated AFTER INSERT OR UPDATE OR DELETE ON pm.collateral
  FOR EACH ROW EXECUTE FUNCTION pm.state_after_replicated_reference();
ALTER TABLE pm.collateral ENABLE REPLICA TRIGGER state_collateral_replicated;
CREATE TRIGGER state_loan_mmr_replicated AFTER INSERT OR UPDATE ON pm.loan_mmr
  FOR EACH ROW EXECUTE FUNCTION pm.state_after_replicated_reference();
ALTER TABLE pm.loan_mmr ENABLE REPLICA TRIGGER state_loan_mmr_replicated;
CREATE TRIGGER state_status_threshold_replicated AFTER INSERT OR UPDATE ON pm.status_threshold
  FOR EACH ROW EXECUTE FUNCTION pm.state_after_replicated_reference();
ALTER TABLE pm.status_threshold ENABLE REPLICA TRIGGER state_status_threshold_replicated;

