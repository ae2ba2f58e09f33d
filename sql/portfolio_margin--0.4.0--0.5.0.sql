-- portfolio_margin 0.4.0 -> 0.5.0: privileges granted on purpose.
--
-- Two roles: pm_reader reads the views (and the tables they are built on,
-- since the views run with the caller's rights); pm_writer also writes
-- accounts, balances, positions, open orders and prices.  Nobody but the
-- extension's owner writes pm.account_state and pm.risk_event: the triggers
-- that maintain them run as the owner (SECURITY DEFINER, search_path pinned
-- to pg_catalog, pg_temp), so a writer cannot forge a risk event and the
-- stored state always reflects every row, whatever the writer may see.
--
-- Row-level security: an administrator restricts pm.balance and pm.position
-- with policies of their own.  The tables that describe an account beyond
-- those -- pm.account, pm.open_order, pm.account_state, pm.risk_event --
-- follow them: a role that is not their owner sees an account's rows there
-- only when it can see one of the account's balances or positions.  So two
-- analysts whose policies split the balances see disjoint accounts in every
-- view and in the event log.

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.5.0'" to load this file. \quit

------------------------------------------------------------------------------
-- The roles (cluster-wide: created once, kept when the extension is dropped)
------------------------------------------------------------------------------

DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pm_reader') THEN
    CREATE ROLE pm_reader NOLOGIN;
    COMMENT ON ROLE pm_reader IS 'portfolio_margin: reads the risk views and the tables under them';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pm_writer') THEN
    CREATE ROLE pm_writer NOLOGIN;
    COMMENT ON ROLE pm_writer IS 'portfolio_margin: pm_reader, and writes accounts, balances, positions, orders and prices';
  END IF;
END
$roles$;
GRANT pm_reader TO pm_writer;

------------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------------

GRANT USAGE ON SCHEMA pm TO pm_reader;
GRANT SELECT ON pm.account, pm.asset, pm.symbol, pm.collateral, pm.loan_mmr,
                pm.status_threshold, pm.balance, pm.position, pm.open_order,
                pm.account_state, pm.risk_event,
                pm.margin_line, pm.asset_equity, pm.position_risk,
                pm.account_margin, pm.account_risk
  TO pm_reader;

------------------------------------------------------------------------------
-- Writing: the data that moves; schedules, brackets and ladders stay with
-- the owner
------------------------------------------------------------------------------

GRANT INSERT, UPDATE, DELETE ON pm.account, pm.balance, pm.position, pm.open_order TO pm_writer;
GRANT INSERT, UPDATE ON pm.asset, pm.symbol TO pm_writer;

------------------------------------------------------------------------------
-- The state triggers run as the owner
------------------------------------------------------------------------------

ALTER FUNCTION pm.state_after_insert() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_update() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_delete() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_truncate() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_asset_update() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_symbol_update() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_collateral_insert() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_collateral_update() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_collateral_delete() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_loan_mmr_change() SECURITY DEFINER;
ALTER FUNCTION pm.state_after_ladder_change() SECURITY DEFINER;

-- Triggers need no EXECUTE right to fire; these functions are the engine's,
-- not an API: nobody else may call them or attach them to a table.
REVOKE EXECUTE ON FUNCTION
  pm.state_after_insert(), pm.state_after_update(), pm.state_after_delete(),
  pm.state_after_truncate(), pm.state_after_asset_update(), pm.state_after_symbol_update(),
  pm.state_after_collateral_insert(), pm.state_after_collateral_update(),
  pm.state_after_collateral_delete(), pm.state_after_loan_mmr_change(),
  pm.state_after_ladder_change(), pm.state_collateral_changed(pg_catalog.text[], pg_catalog.text[]),
  pm.risk_event_notify(), pm.status_threshold_replace(), pm.status_threshold_keep(),
  pm.status_threshold_check(), pm.loan_mmr_replace(),
  pm.recompute_batch(pg_catalog.int8[]), pm.recompute_accounts(pg_catalog.int8[]),
  pm.restatus_accounts(), pm.refresh_account_state()
  FROM PUBLIC;

------------------------------------------------------------------------------
-- Row-level security that follows balances and positions
------------------------------------------------------------------------------

-- Can the caller see a balance or a position of this account?  (Plain SQL,
-- every name qualified, so it is inlined into the policies below.)
CREATE FUNCTION pm.account_visible(account_id pg_catalog.int8) RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT EXISTS (SELECT FROM pm.balance b WHERE b.account_id OPERATOR(pg_catalog.=) $1)
      OR EXISTS (SELECT FROM pm.position p WHERE p.account_id OPERATOR(pg_catalog.=) $1)
$$;
COMMENT ON FUNCTION pm.account_visible(pg_catalog.int8) IS
  'true when the caller can see a balance or a position of the account (under their row-level security)';

ALTER TABLE pm.account ENABLE ROW LEVEL SECURITY;
CREATE POLICY follows_account_data ON pm.account
  USING (pm.account_visible(account_id));
CREATE POLICY writer_adds_accounts ON pm.account FOR INSERT TO pm_writer
  WITH CHECK (true);

ALTER TABLE pm.open_order ENABLE ROW LEVEL SECURITY;
CREATE POLICY follows_account_data ON pm.open_order
  USING (pm.account_visible(account_id));

ALTER TABLE pm.account_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY follows_account_data ON pm.account_state FOR SELECT
  USING (pm.account_visible(account_id));

ALTER TABLE pm.risk_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY follows_account_data ON pm.risk_event FOR SELECT
  USING (pm.account_visible(account_id));

------------------------------------------------------------------------------
-- Restores: pg_restore loads rows with session_replication_role = replica,
-- so that the state triggers stay quiet while tables fill in any order.
-- The triggers that keep the seeded tables whole must still run then: an
-- inserted rate or threshold replaces the seeded one, and the seeded
-- ladder cannot be deleted or broken.
------------------------------------------------------------------------------

ALTER TABLE pm.loan_mmr ENABLE ALWAYS TRIGGER loan_mmr_replace;
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER status_threshold_replace;
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER status_threshold_keep;
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER status_threshold_keep_truncate;
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER status_threshold_check;
