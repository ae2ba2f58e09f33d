------------------------------------------------------------------------------
-- portfolio_margin 0.15.0 -> 0.16.0: trust.
--
-- * Events describe commits.  A status change is recorded when the
--   transaction commits, once per account, from its status before the
--   transaction to its status at commit (none when they are equal), with
--   the committing transaction's id and time and the account's program.
--   Event ids increase in commit order.  Hysteresis works on the committed
--   status (pm.account_state.committed_status).
-- * The notification channel pm_risk says where to look, never what
--   happened: one notification per committing transaction that recorded
--   events, naming only the transaction.  Listeners read pm.risk_event
--   under their own row-level security; a forged notification points at
--   nothing.
-- * Who may see which accounts is data: rows of pm.account_access, which
--   pg_dump carries, read by the extension's own policies.
-- * A stock pg_dump / pg_restore (any format, --jobs) or pg_dump | psql
--   restores everything with no options; restoring into a database that
--   already has the extension is an error on every table.
-- * Built-in scenarios are the owner's; pm_writer adds and edits its own.
-- * An account that cannot be valued is a row with a reason (the error
--   columns), never an error for every reader of the book.
-- * Unknown or invisible accounts are one error (42704) in every function
--   that takes an account id; pm.whatif holds its rows to the tables' own
--   constraints; no message shows more than a short excerpt of a value.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.16.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Restores (src/restore.c)
------------------------------------------------------------------------------

CREATE FUNCTION pm.restoring() RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_restoring' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.restoring() IS
  'whether this session is loading a dump (check_function_bodies and row_security both off, as pg_dump''s '
  'scripts and pg_restore set them), outside CREATE or ALTER EXTENSION';

-- The configuration tables a restore still has to load; filled by the
-- install script only when it runs in a restoring session on an empty
-- book (the restore's own CREATE EXTENSION).  Not dumped.
CREATE TABLE pm.restore_progress (
  tab pg_catalog.regclass PRIMARY KEY,
  loaded_at pg_catalog.timestamptz,
  loaded_by_pid pg_catalog.int4,
  loaded_by_start pg_catalog.timestamptz
);
COMMENT ON TABLE pm.restore_progress IS
  'the extension''s tables a restore in progress loads, and which session loaded each (src/restore.c); '
  'empty unless the extension was created by a restore';
COMMENT ON COLUMN pm.restore_progress.tab IS 'a configuration table of the extension';
COMMENT ON COLUMN pm.restore_progress.loaded_at IS 'when the restore began loading it; NULL while it waits';
COMMENT ON COLUMN pm.restore_progress.loaded_by_pid IS 'the restoring session (process id) that loads it';
COMMENT ON COLUMN pm.restore_progress.loaded_by_start IS 'that session''s start, to tell it from a later one with the same pid';

CREATE FUNCTION pm.restore_guard() RETURNS trigger
  AS 'MODULE_PATHNAME', 'pm_restore_guard' LANGUAGE C;
COMMENT ON FUNCTION pm.restore_guard() IS
  'statement triggers before and after every write to the extension''s tables: in a restoring session, a '
  'table may be loaded only by the restore that created the extension, with its triggers quiet';
REVOKE EXECUTE ON FUNCTION pm.restore_guard() FROM PUBLIC;

------------------------------------------------------------------------------
-- Events describe commits
------------------------------------------------------------------------------

ALTER TABLE pm.account_state ADD COLUMN committed_status pg_catalog.text;
UPDATE pm.account_state SET committed_status = NULLIF(status, '');
COMMENT ON COLUMN pm.account_state.committed_status IS
  'status at the last commit, the event log''s last word on the account (NULL before its first); '
  'status differs from it only inside a transaction that changed it; hysteresis starts from it';
COMMENT ON COLUMN pm.account_state.status IS
  'status, with the ladder''s hysteresis from committed_status; inside a writing transaction, as of its last statement';
COMMENT ON COLUMN pm.account_state.status_since IS
  'when the account entered its committed status (the time of that transaction)';

ALTER TABLE pm.risk_event ADD COLUMN program pg_catalog.text;
ALTER TABLE pm.risk_event ADD COLUMN xact_id pg_catalog.xid8;
UPDATE pm.risk_event e SET program = s.program
  FROM pm.account_state s WHERE s.account_id = e.account_id;
CREATE INDEX risk_event_xact_idx ON pm.risk_event (xact_id);
COMMENT ON TABLE pm.risk_event IS
  'one row per account whose status a committed transaction changed, from its status before to its status at '
  'commit; event ids increase in commit order; channel pm_risk announces each such transaction';
COMMENT ON COLUMN pm.risk_event.event_id IS 'event, increasing in commit order';
COMMENT ON COLUMN pm.risk_event.old_status IS
  'status before the transaction; NULL when the account was first seen (only risky first statuses are events)';
COMMENT ON COLUMN pm.risk_event.new_status IS 'status at commit';
COMMENT ON COLUMN pm.risk_event.uni_mmr IS 'uniMMR at commit';
COMMENT ON COLUMN pm.risk_event.adjusted_equity IS 'adjusted equity at commit, USD';
COMMENT ON COLUMN pm.risk_event.maint_margin IS 'maintenance margin at commit, USD';
COMMENT ON COLUMN pm.risk_event.at IS 'time of the committing transaction (its now())';
COMMENT ON COLUMN pm.risk_event.program IS 'the account''s program (PM or PM_PRO) then';
COMMENT ON COLUMN pm.risk_event.xact_id IS
  'the committing transaction (pg_current_xact_id()), as channel pm_risk names it; NULL before 0.16.0';

-- The notification named the account and its numbers: any role may LISTEN.
DROP TRIGGER risk_event_notify ON pm.risk_event;
DROP FUNCTION pm.risk_event_notify();

-- At commit, for each account whose status the transaction changed: the
-- event from the committed status to the status now, and one notification
-- per transaction naming only the transaction.  Committing transactions
-- record events one at a time (an advisory lock held to the end of the
-- commit), so event ids increase in commit order and a reader that keeps
-- the last id it read misses nothing.
CREATE FUNCTION pm.state_at_commit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s pm.account_state;
  id int8;
  top int8;
BEGIN
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

CREATE CONSTRAINT TRIGGER state_at_commit AFTER INSERT OR UPDATE ON pm.account_state
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
  WHEN (NEW.status IS DISTINCT FROM NEW.committed_status AND NEW.status <> '')
  EXECUTE FUNCTION pm.state_at_commit();

-- Statement by statement the state moves as before, with hysteresis from
-- the committed status; the events wait for the commit.
CREATE OR REPLACE FUNCTION pm.recompute_batch(ids pg_catalog.int8[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
  SET jit = off
AS $$
DECLARE
  changed int4;
BEGIN
  IF cardinality(ids) > 64 THEN
    PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    PERFORM set_config('enable_nestloop', 'off', true);
  END IF;
  WITH fresh AS (
    SELECT l.account_id, min(l.key) FILTER (WHERE l.kind = 'a') AS program,
           pm.ledger_totals(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS totals
      FROM pm.ledger_row l
     WHERE l.account_id = ANY (ids)
     GROUP BY l.account_id
  ), calc AS MATERIALIZED (
    -- changed: a value, its display scale (0.00 is not written as 0.000),
    -- the status, the program or the error
    SELECT n.*,
           (n.old_program, n.old_uni_mmr, n.old_account_equity, n.old_adjusted_equity, n.old_maint_margin,
            n.old_raw_status, n.old_error, scale(n.old_uni_mmr), scale(n.old_account_equity),
            scale(n.old_adjusted_equity), scale(n.old_maint_margin))
           IS DISTINCT FROM
           (n.program, n.uni_mmr, n.account_equity, n.adjusted_equity, n.maint_margin,
            n.status, NULL::text, scale(n.uni_mmr), scale(n.account_equity),
            scale(n.adjusted_equity), scale(n.maint_margin)) AS values_changed,
           n.old_totals IS DISTINCT FROM n.totals AS totals_changed
      FROM (SELECT f.account_id, f.program, f.totals,
                   (x.v).uni_mmr, (x.v).account_equity, (x.v).adjusted_equity, (x.v).maint_margin,
                   pm.status((x.v).uni_mmr, (x.v).adjusted_equity, f.program, s.committed_status) AS status,
                   s.status AS old_raw_status, s.program AS old_program,
                   s.uni_mmr AS old_uni_mmr, s.account_equity AS old_account_equity,
                   s.adjusted_equity AS old_adjusted_equity, s.maint_margin AS old_maint_margin,
                   s.error AS old_error, s.ledger_totals AS old_totals
              FROM fresh f
              CROSS JOIN LATERAL (SELECT pm.ledger_totals_values(f.totals) AS v OFFSET 0) x
              JOIN pm.account_state s ON s.account_id = f.account_id AND s.account_id = ANY (ids)
            OFFSET 0) n
  ), upd AS (
    UPDATE pm.account_state s
       SET program = c.program, uni_mmr = c.uni_mmr, account_equity = c.account_equity,
           adjusted_equity = c.adjusted_equity, maint_margin = c.maint_margin, status = c.status,
           updated_at = now(), error = NULL, ledger_totals = c.totals
      FROM calc c
     WHERE s.account_id = c.account_id AND s.account_id = ANY (ids) AND (c.values_changed OR c.totals_changed)
    RETURNING c.values_changed AS counted
  )
  SELECT count(*) FILTER (WHERE u.counted) INTO changed FROM upd u;
  RETURN changed;
END
$$;

-- An account that cannot be valued keeps the reason; it counts as changed
-- only when the reason is new.
CREATE OR REPLACE FUNCTION pm.recompute_accounts(ids pg_catalog.int8[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  changed int4 := 0;
  locked int4;
  written int4;
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
        GET DIAGNOSTICS written = ROW_COUNT;
        changed := changed + written;
      END;
    END LOOP;
  END;
  RETURN changed;
END
$$;

CREATE OR REPLACE FUNCTION pm.restatus_accounts() RETURNS pg_catalog.int4
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  changed int4;
BEGIN
  PERFORM 1 FROM pm.account_state s ORDER BY s.account_id FOR UPDATE;
  WITH calc AS (
    SELECT s.account_id,
           pm.status(s.uni_mmr, s.adjusted_equity, s.program, s.committed_status) AS status
      FROM pm.account_state s
     WHERE s.status <> ''
  ), upd AS (
    UPDATE pm.account_state s
       SET status = c.status, updated_at = now()
      FROM calc c
     WHERE s.account_id = c.account_id AND s.status IS DISTINCT FROM c.status
    RETURNING 1
  )
  SELECT count(*) INTO changed FROM upd;
  RETURN changed;
END
$$;

CREATE OR REPLACE FUNCTION pm.revalue_batch(ids pg_catalog.int8[], moved_assets pg_catalog.text[],
                                            OUT changed pg_catalog.int4, OUT rest pg_catalog.int8[])
  RETURNS record
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
  SET jit = off
AS $$
DECLARE
  done int8[];
BEGIN
  -- a generic plan: the ids go to the primary key's index scan, which
  -- returns them in order to be locked, and each row is written through
  -- its tid
  WITH judged AS (
    SELECT c.*, c.old_values IS DISTINCT FROM
                ROW(c.uni_mmr, c.account_equity, c.adjusted_equity, c.maint_margin, scale(c.uni_mmr),
                    scale(c.account_equity), scale(c.adjusted_equity), scale(c.maint_margin))
                OR c.status IS DISTINCT FROM c.old_status AS is_changed
      FROM (SELECT r.tid, r.account_id, r.old_status,
                   (x.v).uni_mmr, (x.v).account_equity, (x.v).adjusted_equity, (x.v).maint_margin,
                   pm.status((x.v).uni_mmr, (x.v).adjusted_equity, r.program, r.committed_status) AS status,
                   r.old_values
              FROM (SELECT s.ctid AS tid, s.account_id, s.program, s.ledger_totals, s.error,
                           s.committed_status, NULLIF(s.status, '') AS old_status,
                           (s.uni_mmr, s.account_equity, s.adjusted_equity, s.maint_margin,
                            scale(s.uni_mmr), scale(s.account_equity), scale(s.adjusted_equity),
                            scale(s.maint_margin)) AS old_values
                      FROM pm.account_state s
                     WHERE s.account_id = ANY (ids)
                     ORDER BY s.account_id
                    OFFSET 0
                       FOR UPDATE) r
              CROSS JOIN LATERAL (SELECT pm.ledger_totals_values(r.ledger_totals) AS v OFFSET 0) x
             WHERE r.ledger_totals IS NOT NULL AND r.error IS NULL
               -- a PM account's open orders lose value at their assets' prices
               -- and schedules, which the totals hold as they were
               AND NOT (moved_assets IS NOT NULL AND r.program = 'PM'
                        AND EXISTS (SELECT FROM pm.open_order o
                                     WHERE o.account_id = r.account_id
                                       AND (o.sell_asset = ANY (moved_assets)
                                            OR o.buy_asset = ANY (moved_assets))))
            OFFSET 0) c
    OFFSET 0
  ), upd AS (
    UPDATE pm.account_state s
       SET uni_mmr = j.uni_mmr, account_equity = j.account_equity, adjusted_equity = j.adjusted_equity,
           maint_margin = j.maint_margin, status = j.status,
           updated_at = CASE WHEN j.is_changed THEN now() ELSE s.updated_at END
      FROM judged j
     WHERE s.ctid = j.tid
    RETURNING j.account_id, j.is_changed
  )
  SELECT count(*) FILTER (WHERE u.is_changed), array_agg(u.account_id) INTO changed, done FROM upd u;
  IF coalesce(cardinality(done), 0) < cardinality(ids) THEN
    rest := ARRAY(SELECT i.id FROM pg_catalog.unnest(ids) AS i(id)
                  EXCEPT SELECT d.id FROM pg_catalog.unnest(done) AS d(id)
                  ORDER BY 1);
  ELSE
    rest := '{}';
  END IF;
END
$$;

------------------------------------------------------------------------------
-- Who may see which accounts: rules as rows (src/access_rules.c)
------------------------------------------------------------------------------

-- Policies of one's own on the extension's tables are not dumped, so a
-- restore would silently lift them: the update stops rather than keep them
-- beside the rules.  Move them to pm.account_access in one transaction:
--   BEGIN; DROP POLICY ... ON pm.balance; ...;
--          ALTER EXTENSION portfolio_margin UPDATE;
--          INSERT INTO pm.account_access ...; COMMIT;
DO $check$
DECLARE
  own text := (SELECT pg_catalog.string_agg(p.polname || ' on ' || p.polrelid::pg_catalog.regclass::pg_catalog.text,
                                            ', ' ORDER BY 1)
                 FROM pg_catalog.pg_policy p
                WHERE p.polrelid IN ('pm.balance'::pg_catalog.regclass, 'pm.position'::pg_catalog.regclass));
BEGIN
  IF own IS NOT NULL THEN
    RAISE EXCEPTION 'pm.balance and pm.position have row-level security policies of your own: %', own
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'pg_dump does not carry policies on an extension''s tables; from 0.16.0 on, who sees which '
                     'accounts is kept as rows of pm.account_access, which it does carry.',
            HINT = 'In one transaction: drop these policies, ALTER EXTENSION portfolio_margin UPDATE, and insert '
                   'the rules into pm.account_access (README: Privileges, row-level security, backups).';
  END IF;
END
$check$;

CREATE TABLE pm.account_access (
  grantee pg_catalog.regrole NOT NULL,
  accounts pg_catalog.int8range NOT NULL DEFAULT '(,)',
  CONSTRAINT account_access_pkey PRIMARY KEY (grantee, accounts)
);
COMMENT ON TABLE pm.account_access IS
  'who may see which accounts: a role that has the rights of a grantee sees only the accounts its rules grant '
  '(the union); a role no rule names sees every account.  Read by the extension''s policies, kept by pg_dump';
COMMENT ON COLUMN pm.account_access.grantee IS
  'a role; it and every role that inherits its rights are restricted to the accounts of its rules';
COMMENT ON COLUMN pm.account_access.accounts IS
  'the account ids granted, e.g. ''[1,100]''; ''(,)'' for every account, ''empty'' for none';
SELECT pg_catalog.pg_extension_config_dump('pm.account_access', '');

CREATE FUNCTION pm.account_access_changed() RETURNS trigger
  AS 'MODULE_PATHNAME', 'pm_account_access_changed' LANGUAGE C;
COMMENT ON FUNCTION pm.account_access_changed() IS
  'statement trigger on pm.account_access: every session reads the rules again';
REVOKE EXECUTE ON FUNCTION pm.account_access_changed() FROM PUBLIC;
CREATE TRIGGER account_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_access
  FOR EACH STATEMENT EXECUTE FUNCTION pm.account_access_changed();

-- A desk reads its own rules.
ALTER TABLE pm.account_access ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rules ON pm.account_access FOR SELECT
  USING (pg_catalog.pg_has_role(grantee, 'USAGE'));
GRANT SELECT ON pm.account_access TO pm_reader;

-- The visibility test, per row of every policy below: from a per-session
-- cache of the current role's rules, not a query.
CREATE OR REPLACE FUNCTION pm.account_visible(account_id pg_catalog.int8) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_account_visible' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.account_visible(pg_catalog.int8) IS
  'whether the current role may see the account, by the rules of pm.account_access';

DROP POLICY follows_account_data ON pm.account;
DROP POLICY writer_adds_accounts ON pm.account;
DROP POLICY follows_account_data ON pm.open_order;
DROP POLICY follows_account_data ON pm.account_state;
DROP POLICY follows_account_data ON pm.risk_event;

ALTER TABLE pm.balance ENABLE ROW LEVEL SECURITY;
ALTER TABLE pm.position ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.account USING (pm.account_visible(account_id));
CREATE POLICY account_access ON pm.balance USING (pm.account_visible(account_id));
CREATE POLICY account_access ON pm.position USING (pm.account_visible(account_id));
CREATE POLICY account_access ON pm.open_order USING (pm.account_visible(account_id));
CREATE POLICY account_access ON pm.account_state FOR SELECT USING (pm.account_visible(account_id));
CREATE POLICY account_access ON pm.risk_event FOR SELECT USING (pm.account_visible(account_id));

-- Policies of one's own on the extension's tables would be lost by the
-- next restore: refused, with the way that lasts.
CREATE FUNCTION pm.refuse_own_policies() RETURNS event_trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t text;
BEGIN
  SELECT c.oid::regclass::text INTO t
    FROM pg_event_trigger_ddl_commands() cmd
    JOIN pg_policy p ON cmd.classid = 'pg_policy'::regclass AND p.oid = cmd.objid
    JOIN pg_class c ON c.oid = p.polrelid
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'portfolio_margin'
   WHERE NOT cmd.in_extension
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'policies on % are not kept by pg_dump', t
      USING ERRCODE = 'feature_not_supported',
            DETAIL = 'Policies on an extension''s tables are not dumped, so a restore would lift this one silently.',
            HINT = 'Restrict roles with rows of pm.account_access, which the extension''s own policies read.';
  END IF;
END
$$;
COMMENT ON FUNCTION pm.refuse_own_policies() IS
  'event trigger: CREATE or ALTER POLICY on the extension''s tables is refused (pg_dump would not keep it)';
REVOKE EXECUTE ON FUNCTION pm.refuse_own_policies() FROM PUBLIC;
CREATE EVENT TRIGGER pm_refuse_own_policies ON ddl_command_end
  WHEN TAG IN ('CREATE POLICY', 'ALTER POLICY')
  EXECUTE FUNCTION pm.refuse_own_policies();

------------------------------------------------------------------------------
-- Built-in scenarios are the extension's
------------------------------------------------------------------------------

-- Everyone reads every scenario; pm_writer adds, edits and deletes its own
-- (builtin false); the built-in ones change only by the owner, whose edits
-- and additions a dump keeps: every row is dumped, and a restored built-in
-- row replaces the one CREATE EXTENSION made.
ALTER TABLE pm.scenario ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_scenario ON pm.scenario FOR SELECT USING (true);
CREATE POLICY writer_own_scenarios ON pm.scenario TO pm_writer
  USING (NOT builtin) WITH CHECK (NOT builtin);
SELECT pg_catalog.pg_extension_config_dump('pm.scenario', '');
COMMENT ON COLUMN pm.scenario.builtin IS
  'shipped with the extension: readable by all, changed only by its owner (pg_dump keeps the owner''s edits)';

CREATE FUNCTION pm.scenario_restore_replace() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE pm.scenario s
     SET price_shock = NEW.price_shock, collateral = NEW.collateral, builtin = NEW.builtin
   WHERE s.scenario = NEW.scenario AND s.asset = NEW.asset;
  IF FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION pm.scenario_restore_replace() IS
  'while a dump is restored, a restored scenario row replaces the built-in one CREATE EXTENSION made';
REVOKE EXECUTE ON FUNCTION pm.scenario_restore_replace() FROM PUBLIC;
CREATE TRIGGER scenario_restore_replace BEFORE INSERT ON pm.scenario
  FOR EACH ROW WHEN (pm.restoring()) EXECUTE FUNCTION pm.scenario_restore_replace();
-- it must fire while the restore guard has the other triggers quiet
ALTER TABLE pm.scenario ENABLE ALWAYS TRIGGER scenario_restore_replace;

------------------------------------------------------------------------------
-- An account that does not exist, or that the caller may not see, is an
-- error naming it -- the same error either way -- in every function that
-- takes an account id
------------------------------------------------------------------------------

CREATE FUNCTION pm.check_account(account_id pg_catalog.int8) RETURNS pg_catalog.text
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prog text;
BEGIN
  -- under the caller's row-level security: an account it may not see is not found
  SELECT a.program INTO prog FROM pm.account a WHERE a.account_id = check_account.account_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'account % does not exist', check_account.account_id
      USING ERRCODE = 'undefined_object', HINT = 'The accounts are the rows of pm.account that you may see.';
  END IF;
  RETURN prog;
END
$$;
COMMENT ON FUNCTION pm.check_account(pg_catalog.int8) IS
  'the account''s program; an error (SQLSTATE 42704) when the account does not exist or the caller may not see it';

-- The same for the summary of an account under moved prices: its account
-- row is there, or the account is not (checked only then, in the HAVING).
CREATE OR REPLACE FUNCTION pm.summary_under(account_id pg_catalog.int8, assets pg_catalog.text[],
                                            shocks pg_catalog.numeric[], schedules pg_catalog.text[],
                                            OUT program pg_catalog.text, OUT summary pm.margin_summary)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT pg_catalog.min(r.key) FILTER (WHERE r.kind OPERATOR(pg_catalog.=) 'a'),
         pm.account_ledger(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n
                           ORDER BY r.kind OPERATOR(pg_catalog.<>) 's')
    FROM (SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
            FROM pm.ledger_row l WHERE l.account_id OPERATOR(pg_catalog.=) $1
          UNION ALL
          SELECT 's', m.asset, m.schedule, m.shock, NULL, NULL, NULL, NULL, NULL, NULL
            FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))
                 AS m(asset, shock, schedule)
           WHERE EXISTS (SELECT FROM pm.account a WHERE a.account_id OPERATOR(pg_catalog.=) $1)) r
  HAVING pg_catalog.count(*) FILTER (WHERE r.kind OPERATOR(pg_catalog.=) 'a') OPERATOR(pg_catalog.>) 0
      OR pm.check_account($1) IS NULL
$$;
COMMENT ON FUNCTION pm.summary_under(pg_catalog.int8, pg_catalog.text[], pg_catalog.numeric[], pg_catalog.text[]) IS
  'an account''s program and summary with the given assets moved by the given relative price shocks '
  '(and collateral schedules replaced where given); SQLSTATE 42704 for an account that does not exist';

CREATE OR REPLACE FUNCTION pm.max_withdraw(account_id pg_catalog.int8, asset pg_catalog.text,
                                target pg_catalog.numeric DEFAULT NULL)
  RETURNS pg_catalog.numeric
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prog text;
  summ pm.margin_summary;
  sched pm.tiers;
  price numeric;
  held numeric;
  v numeric;			-- the asset's value now, USD
  cv numeric;			-- its collateral value now
  need numeric;		-- collateral value the asset must keep
  v_min numeric;		-- the least value that keeps it
  w numeric;
  step numeric;
BEGIN
  PERFORM pm.check_account(max_withdraw.account_id);
  SELECT m.program, m.summary INTO prog, summ
    FROM pm.account_margin m WHERE m.account_id = max_withdraw.account_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF summ IS NULL THEN
    PERFORM pm.check_valued(max_withdraw.account_id);
  END IF;
  SELECT a.index_price INTO price FROM pm.asset a WHERE a.asset = max_withdraw.asset;
  IF price IS NULL THEN
    RAISE EXCEPTION 'asset % has no index price in pm.asset', max_withdraw.asset
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF target IS NULL THEN
    target := pm.margin_call_threshold(prog);
  ELSIF NOT pm.finite(target) OR target < 0 THEN
    RAISE EXCEPTION 'target must be a finite uniMMR of at least 0'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('The target given is %s.', target);
  END IF;
  SELECT greatest(b.cross_free, 0) + greatest(b.um_wallet, 0) + greatest(b.cm_wallet, 0) INTO held
    FROM pm.balance b WHERE b.account_id = max_withdraw.account_id AND b.asset = max_withdraw.asset;
  IF coalesce(held, 0) = 0 THEN
    RETURN 0;
  END IF;
  SELECT c.schedule INTO sched FROM pm.collateral c WHERE c.program = prog AND c.asset = max_withdraw.asset;
  SELECT x.value_usd, x.collateral_value_usd INTO v, cv
    FROM pm.assets(summ) x WHERE x.asset = max_withdraw.asset;
  v := coalesce(v, 0);
  cv := coalesce(cv, 0);

  -- adjusted equity must stay >= target * MM; the asset's collateral value
  -- is the only part that moves
  need := CASE WHEN pm.maint_margin(summ) > 0 THEN target * pm.maint_margin(summ) ELSE 0 END
          - (pm.adjusted_equity(summ) - cv);
  IF need <= 0 THEN
    v_min := need;                  -- a liability counts in full
  ELSIF sched IS NULL THEN
    RETURN 0;                       -- not collateral: positive value is worth nothing
  ELSE
    v_min := pm.tiered_inverse(need, sched);
    IF v_min IS NULL THEN
      RETURN 0;
    END IF;
  END IF;
  IF v_min >= v THEN
    RETURN 0;
  END IF;
  w := pm.div(v - v_min, price);
  IF w >= held THEN
    RETURN held;
  END IF;
  -- rounding may have gone a hair too far: step down at the 20th digit
  -- (at most a few steps: the quotients carry 20 digits)
  step := pm.div(1, 10 ^ (19 - floor(log(w))));
  FOR i IN 1 .. 10 LOOP
    IF (CASE WHEN v - w * price <= 0 OR sched IS NULL THEN least(v - w * price, 0)
             ELSE pm.tiered(v - w * price, sched) END) >= need THEN
      RETURN greatest(w, 0);
    END IF;
    w := w - step;
  END LOOP;
  RAISE EXCEPTION 'pm.max_withdraw could not settle on a withdrawal for account % and %', account_id, asset
    USING ERRCODE = 'internal_error';
END
$$;

CREATE OR REPLACE FUNCTION pm.liquidation_price(account_id pg_catalog.int8, asset pg_catalog.text,
                                     OUT below pg_catalog.numeric, OUT above pg_catalog.numeric)
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  acct CONSTANT int8 := liquidation_price.account_id;
  x CONSTANT text := liquidation_price.asset;
  prog text;
  p0 numeric;
  thr numeric;
  s1 pm.margin_summary;
  s2 pm.margin_summary;
  kinks numeric[];
  pts numeric[];
  m0 numeric;
  m1 numeric;
  g0 numeric;
  g1 numeric;
  root numeric;
  dir int;
  side0 int;
  side1 int;
  sidea int;
  ma numeric;
  mb numeric;
  ga numeric;
  gb numeric;
BEGIN
  PERFORM pm.check_account(acct);
  SELECT a.index_price INTO p0 FROM pm.asset a WHERE a.asset = x;
  IF p0 IS NULL THEN
    RAISE EXCEPTION 'asset % has no index price in pm.asset', x USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT u.program, u.summary INTO prog, s1 FROM pm.summary_under(acct, '{}', '{}', '{}') u;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF s1 IS NULL THEN
    PERFORM pm.check_valued(acct);
  END IF;
  thr := pm.liquidation_threshold(prog);
  SELECT u.summary INTO s2 FROM pm.summary_under(acct, ARRAY[x], ARRAY[1::numeric], ARRAY[NULL::text]) u;

  -- the kinks of g, as multipliers m > 0
  SELECT array_agg(DISTINCT k.m ORDER BY k.m) INTO kinks
    FROM (
      -- each asset's value is linear in m: V(m) = alpha + beta m; its
      -- collateral value bends where V crosses 0 and each tier floor
      SELECT pm.div(fl.floor - (a1.value_usd - (a2.value_usd - a1.value_usd)), a2.value_usd - a1.value_usd) AS m
        FROM pm.assets(s1) a1
        JOIN pm.assets(s2) a2 ON a2.asset = a1.asset
        LEFT JOIN pm.collateral c ON c.program = prog AND c.asset = a1.asset
       CROSS JOIN LATERAL (SELECT 0::numeric AS floor
                           UNION SELECT t.floor FROM pm.tiers_table(c.schedule) t) fl
       WHERE a2.value_usd <> a1.value_usd
      UNION ALL
      -- each position on a symbol based on the asset bends at its brackets
      SELECT CASE WHEN s.market = 'UM' THEN pm.div(t.floor, abs(p.qty) * s.mark_price)
                  ELSE pm.div(abs(p.qty) * s.contract_size, s.mark_price * t.floor) END
        FROM pm.position p
        JOIN pm.symbol s ON s.symbol = p.symbol
       CROSS JOIN LATERAL pm.tiers_table(s.brackets) t
       WHERE p.account_id = acct AND s.base_asset = x AND p.qty <> 0 AND t.floor > 0
      UNION ALL
      -- open orders (PM) selling or buying the asset bend at their tiers
      SELECT pm.div(t.floor, CASE WHEN o.sell_asset = x THEN o.sell_qty ELSE o.buy_qty END * p0)
        FROM pm.open_order o
        JOIN pm.collateral c ON c.program = 'PM' AND c.asset = x
       CROSS JOIN LATERAL pm.tiers_table(c.schedule) t
       WHERE prog = 'PM' AND o.account_id = acct AND x IN (o.sell_asset, o.buy_asset) AND t.floor > 0
    ) k
   WHERE k.m > 0;

  -- open-order loss bends where an order's two sides are worth the same:
  -- between consecutive kinks (and past the last one) each side is linear,
  -- so each such zero is found on its piece
  IF prog = 'PM' AND EXISTS (SELECT FROM pm.open_order o WHERE o.account_id = acct
                                                            AND x IN (o.sell_asset, o.buy_asset)) THEN
    pts := array_prepend(0::numeric, coalesce(kinks, '{}'));
    pts := array_append(pts, greatest(2 * pts[array_length(pts, 1)], 1));
    SELECT array_agg(DISTINCT z.m ORDER BY z.m) INTO kinks
      FROM (SELECT unnest(kinks) AS m
            UNION ALL
            SELECT d.m0 + pm.div((d.m1 - d.m0) * d.d0, d.d0 - d.d1)
              FROM (SELECT seg.m0, seg.m1, seg.last,
                           pm.order_side_gap(o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, x, seg.m0) AS d0,
                           pm.order_side_gap(o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, x, seg.m1) AS d1
                      FROM pm.open_order o,
                           LATERAL (SELECT pts[j] AS m0, pts[j + 1] AS m1,
                                           j = array_length(pts, 1) - 1 AS last
                                      FROM generate_series(1, array_length(pts, 1) - 1) j) seg
                     WHERE o.account_id = acct AND x IN (o.sell_asset, o.buy_asset)) d
             WHERE sign(d.d0) * sign(d.d1) < 0
                OR (d.last AND d.d0 <> d.d1 AND sign(d.d0) = sign(d.d0 - d.d1))) z
     WHERE z.m > 0;
  END IF;

  -- walk from the current price (m = 1) down, then up, to the first crossing
  FOR dir IN SELECT unnest(ARRAY[-1, 1]) LOOP
    IF dir < 0 THEN
      SELECT array_agg(k ORDER BY k DESC) INTO pts FROM unnest(kinks) k WHERE k < 1;
    ELSE
      SELECT array_agg(k ORDER BY k) INTO pts FROM unnest(kinks) k WHERE k > 1;
    END IF;
    pts := array_prepend(1::numeric, coalesce(pts, '{}'));
    -- one more point past the last kink: g is linear from there on
    IF dir < 0 THEN
      pts := array_append(pts, pm.div(pts[array_length(pts, 1)], 2));
    ELSE
      pts := array_append(pts, 2 * pts[array_length(pts, 1)]);
    END IF;
    -- the first change of side along the points (pm.liquidation_side: in
    -- liquidation or not; g = 0 without maintenance margin is not).  g is
    -- linear between two points, so the crossing is exact
    root := NULL;
    m0 := pts[1];
    SELECT l.gap, l.side INTO g0, side0 FROM pm.liquidation_side(acct, x, m0, thr) l;
    FOR i IN 2 .. array_length(pts, 1) LOOP
      m1 := pts[i];
      SELECT l.gap, l.side INTO g1, side1 FROM pm.liquidation_side(acct, x, m1, thr) l;
      IF side1 <> side0 THEN
        -- g is linear between two kinks, but a kink computed to 20 digits
        -- can land a hair past the true one, where g has already turned
        -- (from 0 to negative, say): the line through two points inside
        -- the piece is the true one
        ma := m0 + pm.div(m1 - m0, 3);
        mb := m1 - pm.div(m1 - m0, 3);
        SELECT l.gap, l.side INTO ga, sidea FROM pm.liquidation_side(acct, x, ma, thr) l;
        SELECT l.gap INTO gb FROM pm.liquidation_side(acct, x, mb, thr) l;
        IF ga = gb THEN
          -- constant inside: the side changes at the end that differs
          root := CASE WHEN sidea = side0 THEN m1 ELSE m0 END;
        ELSE
          root := ma + pm.div((mb - ma) * ga, ga - gb);
          root := greatest(least(root, greatest(m0, m1)), least(m0, m1));
        END IF;
        EXIT;
      END IF;
      IF i = array_length(pts, 1) AND g1 <> g0 THEN
        -- past the last kink g stays linear: extend the line
        root := m1 + pm.div((m1 - m0) * g1, g0 - g1);
        IF root <= 0 OR (dir < 0 AND root >= m1) OR (dir > 0 AND root <= m1) THEN
          root := NULL;
        END IF;
      END IF;
      m0 := m1;
      g0 := g1;
      side0 := side1;
    END LOOP;
    IF dir < 0 THEN
      below := trim_scale(p0 * root);
    ELSE
      above := trim_scale(p0 * root);
    END IF;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION pm.position_impact(account_id pg_catalog.int8)
  RETURNS TABLE (symbol pg_catalog.text, side pg_catalog.text, qty pg_catalog.numeric,
                 maint_margin_usd pg_catalog.numeric, equity_usd pg_catalog.numeric,
                 uni_mmr_without pg_catalog.numeric, uni_mmr pg_catalog.numeric)
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  WITH whole AS (
    SELECT m.summary FROM pm.account_margin m WHERE m.account_id OPERATOR(pg_catalog.=) $1
  ), without AS (
    SELECT p.key AS symbol, p.key2 AS side, p.a AS qty,
           (SELECT pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
              FROM pm.ledger_row l
             WHERE l.account_id OPERATOR(pg_catalog.=) $1
               AND NOT (l.kind OPERATOR(pg_catalog.=) 'p' AND l.key OPERATOR(pg_catalog.=) p.key
                        AND l.key2 OPERATOR(pg_catalog.=) p.key2)) AS summary
      FROM pm.ledger_row p
     WHERE p.account_id OPERATOR(pg_catalog.=) $1 AND p.kind OPERATOR(pg_catalog.=) 'p'
  )
  SELECT w.symbol, w.side, w.qty,
         pg_catalog.round(pm.maint_margin(h.summary) OPERATOR(pg_catalog.-) pm.maint_margin(w.summary), 8),
         pg_catalog.round(pm.account_equity(h.summary) OPERATOR(pg_catalog.-) pm.account_equity(w.summary), 8),
         pg_catalog.round(pm.uni_mmr(w.summary), 8),
         pg_catalog.round(pm.uni_mmr(h.summary), 8)
    FROM without w CROSS JOIN whole h
   WHERE pm.check_account($1) IS NOT NULL AND pm.check_valued($1)
   ORDER BY 4 DESC, 1, 2
$$;



------------------------------------------------------------------------------
-- Amounts the engine can value exactly, line by line: a table takes no value
-- (1e-15000, say) that would make a view of its rows fail for every reader
------------------------------------------------------------------------------

CREATE FUNCTION pm.in_range(VARIADIC amounts pg_catalog.numeric[]) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_in_range' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.in_range(pg_catalog.numeric[]) IS
  'true when every amount (NULLs aside) is finite, below 1e40 in magnitude and has at most 40 digits after the '
  'point (trailing zeros aside); for CHECK constraints';

ALTER TABLE pm.balance ADD CONSTRAINT balance_amounts_in_range
  CHECK (pm.in_range(cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet));
ALTER TABLE pm.position ADD CONSTRAINT position_amounts_in_range CHECK (pm.in_range(qty, entry_price));
ALTER TABLE pm.open_order ADD CONSTRAINT open_order_amounts_in_range CHECK (pm.in_range(sell_qty, buy_qty));
ALTER TABLE pm.asset ADD CONSTRAINT asset_index_price_in_range CHECK (pm.in_range(index_price));
ALTER TABLE pm.symbol ADD CONSTRAINT symbol_prices_in_range CHECK (pm.in_range(mark_price, contract_size));
ALTER TABLE pm.scenario ADD CONSTRAINT scenario_price_shock_in_range CHECK (pm.in_range(price_shock));

------------------------------------------------------------------------------
-- One account that cannot be valued never breaks a read of the others
-- (src/ledger_agg.c): its fields are NULL and error says why
------------------------------------------------------------------------------

ALTER TYPE pm.ledger_risk ADD ATTRIBUTE error pg_catalog.text;
COMMENT ON TYPE pm.ledger_risk IS
  'an account''s program and the risk fields of pm.account_risk, as pm.account_ledger_risk returns them, '
  'and why it cannot be valued (then the fields are NULL)';

CREATE FUNCTION pm.ledger_risk_error_final(pg_catalog.internal) RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_error_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE pm.ledger_risk_error(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                      a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                      d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                      n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_error_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_error(pg_catalog."char", pg_catalog.text, pg_catalog.text,
                                          pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                          pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                          pg_catalog.int4) IS
  'why an account cannot be valued (a missing price, say), from its raw rows, or NULL: the error field of '
  'pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE OR REPLACE VIEW pm.account_risk AS
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
 WHERE pm.account_risk_range(l.account_id, false)
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
  FROM pm.ledger_row l
 WHERE pm.account_risk_range(l.account_id, true)
 GROUP BY l.account_id;
COMMENT ON COLUMN pm.account_risk.error IS
  'why the account cannot be valued (a missing price, a value out of range), or NULL; when set, every other '
  'column but account_id and program is NULL';

CREATE OR REPLACE FUNCTION pm.account_risk_of(account_id pg_catalog.int8) RETURNS SETOF pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 1
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
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
   WHERE l.account_id OPERATOR(pg_catalog.=) account_risk_of.account_id
   GROUP BY l.account_id;
  -- no row: an account that does not exist, or that the caller may not see
  IF NOT FOUND THEN
    PERFORM pm.check_account(account_risk_of.account_id);
  END IF;
END
$$;

COMMENT ON FUNCTION pm.account_risk_of(pg_catalog.int8) IS
  'one account''s row of pm.account_risk, read with a plan the session keeps: for reading single accounts often';

-- The summary of an account that cannot be valued is NULL; error says why
-- (read again for that account only).
CREATE OR REPLACE VIEW pm.account_margin AS
SELECT l.account_id,
       min(l.key) FILTER (WHERE l.kind = 'a') AS program,
       pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS summary,
       CASE WHEN pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) IS NULL
            THEN (SELECT pm.ledger_risk_error(e.kind, e.key, e.key2, e.a, e.b, e.c, e.d, e.e, e.f, e.n)
                    FROM pm.ledger_row e WHERE e.account_id = l.account_id)
       END AS error
  FROM pm.ledger_row l
 GROUP BY l.account_id;
COMMENT ON COLUMN pm.account_margin.error IS
  'why the account cannot be valued, or NULL; when set, summary is NULL';

-- An account that cannot be valued: one row, asset NULL, and why.
CREATE OR REPLACE VIEW pm.asset_equity AS
SELECT m.account_id, a.asset, a.equity, a.index_price, a.value_usd, a.collateral_value_usd,
       a.maint_margin, a.maint_margin_usd, a.initial_margin_usd, a.open_loss_usd, m.error
  FROM pm.account_margin m
  LEFT JOIN LATERAL pm.assets(m.summary)
         AS a(asset, equity, index_price, value_usd, collateral_value_usd, maint_margin,
              maint_margin_usd, initial_margin_usd, open_loss_usd) ON true;
COMMENT ON COLUMN pm.asset_equity.error IS
  'why the account cannot be valued, or NULL; an account that cannot be valued has one row, its asset NULL';

-- pm.account_risk's fields from a summary: NULL, not 0, for an account
-- that cannot be valued (whose summary is NULL).
CREATE OR REPLACE FUNCTION pm.risk_of(program pg_catalog.text, summary pm.margin_summary)
  RETURNS TABLE (uni_mmr pg_catalog.numeric, account_equity pg_catalog.numeric,
                 actual_equity pg_catalog.numeric, account_initial_margin pg_catalog.numeric,
                 account_maint_margin pg_catalog.numeric, account_status pg_catalog.text,
                 virtual_max_withdraw_amount pg_catalog.numeric,
                 total_available_balance pg_catalog.numeric, total_margin_open_loss pg_catalog.numeric)
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT pg_catalog.round(pm.uni_mmr($2), 8),
         pg_catalog.round(pm.account_equity($2), 8),
         pg_catalog.round(pm.actual_equity($2), 8),
         pg_catalog.round(pm.initial_margin($2), 8),
         pg_catalog.round(pm.maint_margin($2), 8),
         pm.status($2, $1),
         pg_catalog.round(GREATEST(pm.account_equity($2) OPERATOR(pg_catalog.-)
                                   (1.2 OPERATOR(pg_catalog.*) pm.maint_margin($2)),
                                   CASE WHEN $2 IS NOT NULL THEN 0 END), 8),
         pg_catalog.round(pm.account_equity($2) OPERATOR(pg_catalog.-) pm.initial_margin($2), 8),
         pg_catalog.round(pm.open_loss($2), 8)
$$;

-- pm.account_risk's row of an account under a scenario, from the same
-- aggregates as the view (scenario rows first), its error included.
CREATE OR REPLACE FUNCTION pm.stress(account_id pg_catalog.int8, scenario pg_catalog.text)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  result pm.account_risk;
BEGIN
  IF NOT EXISTS (SELECT FROM pm.scenario s WHERE s.scenario = stress.scenario) THEN
    RAISE EXCEPTION 'scenario "%" does not exist', pm.excerpt(stress.scenario)
      USING ERRCODE = 'undefined_object', HINT = 'The scenarios are the rows of pm.scenario.';
  END IF;
  SELECT stress.account_id,
         pm.ledger_risk_program(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_uni_mmr(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_account_equity(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_actual_equity(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_account_initial_margin(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_account_maint_margin(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_account_status(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_virtual_max_withdraw_amount(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_total_available_balance(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_total_margin_open_loss(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's'),
         pm.ledger_risk_error(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n ORDER BY r.kind OPERATOR(pg_catalog.<>) 's')
    INTO result
    FROM (SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
            FROM pm.ledger_row l WHERE l.account_id = stress.account_id
          UNION ALL
          SELECT 's', s.asset, s.collateral::text, s.price_shock, NULL, NULL, NULL, NULL, NULL, NULL
            FROM pm.scenario s WHERE s.scenario = stress.scenario) r;
  -- no account row: an account that does not exist, or that the caller may not see
  IF result.program IS NULL THEN
    PERFORM pm.check_account(stress.account_id);
  END IF;
  RETURN result;
END
$$;

COMMENT ON FUNCTION pm.stress(pg_catalog.int8, pg_catalog.text) IS
  'the account''s pm.account_risk row under a scenario of pm.scenario: prices moved, PnL, brackets and tiers '
  're-evaluated';

-- Every account under every scenario; an account that cannot be valued
-- under a scenario has NULL fields and error says why (read again for it
-- only).
CREATE OR REPLACE VIEW pm.stress_result AS
SELECT q.account_id, q.scenario, q.program, r.uni_mmr, r.account_equity, r.actual_equity,
       r.account_initial_margin, r.account_maint_margin, r.account_status,
       r.virtual_max_withdraw_amount, r.total_available_balance, r.total_margin_open_loss,
       CASE WHEN q.summary IS NULL THEN (pm.stress(q.account_id, q.scenario)).error END AS error
  FROM (SELECT x.account_id, x.scenario,
               min(x.key) FILTER (WHERE x.kind = 'a') AS program,
               pm.account_ledger(x.kind, x.key, x.key2, x.a, x.b, x.c, x.d, x.e, x.f, x.n
                                 ORDER BY x.kind <> 's') AS summary
          FROM (SELECT l.account_id, n.scenario, l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
                  FROM pm.ledger_row l
                 CROSS JOIN (SELECT DISTINCT s.scenario FROM pm.scenario s) n
                UNION ALL
                SELECT a.account_id, s.scenario, 's', s.asset, s.collateral::pg_catalog.text,
                       s.price_shock, NULL, NULL, NULL, NULL, NULL, NULL
                  FROM pm.account a CROSS JOIN pm.scenario s) x
         GROUP BY x.account_id, x.scenario) q
 CROSS JOIN LATERAL pm.risk_of(q.program, q.summary) r;
COMMENT ON COLUMN pm.stress_result.error IS
  'why the account cannot be valued under the scenario, or NULL; when set, the other fields are NULL';

-- Functions about one account that cannot be valued say why, as an error.
CREATE FUNCTION pm.check_valued(account_id pg_catalog.int8) RETURNS pg_catalog.bool
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  why text;
BEGIN
  SELECT r.error INTO why FROM pm.account_risk_of(check_valued.account_id) r;
  IF why IS NOT NULL THEN
    RAISE EXCEPTION 'account % cannot be valued', check_valued.account_id
      USING ERRCODE = 'data_exception', DETAIL = 'Its error: ' || why || '.',
            HINT = 'pm.account_risk''s error column names every account that cannot be valued.';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION pm.check_valued(pg_catalog.int8) IS
  'true, or an error (SQLSTATE 22000) saying why the account cannot be valued';

-- CREATE OR REPLACE VIEW resets a view's options; security_invoker exists
-- from PostgreSQL 15 on.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.account_risk SET (security_invoker = true);
    ALTER VIEW pm.account_margin SET (security_invoker = true);
    ALTER VIEW pm.asset_equity SET (security_invoker = true);
    ALTER VIEW pm.stress_result SET (security_invoker = true);
  END IF;
END
$$;

------------------------------------------------------------------------------
-- The restore guard on every table of the extension (src/restore.c), a C
-- function that returns at once outside a restoring session (cheaper than a
-- WHEN clause, whose expression is read again for every statement): in a
-- restoring session, each statement on one of them runs with
-- session_replication_role = replica -- PostgreSQL's switch for loading
-- rows without firing their triggers, foreign-key checks included, which
-- pg_restore --disable-triggers sets too -- and only on a table that the
-- restore that created the extension has yet to load.
------------------------------------------------------------------------------

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.account ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_access
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_access
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account_access ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.account_access ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_state
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_state
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account_state ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.account_state ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.asset
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.asset
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.asset ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.asset ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.balance
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.balance
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.balance ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.balance ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.collateral
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.collateral
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.collateral ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.collateral ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.loan_mmr
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.loan_mmr
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.loan_mmr ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.loan_mmr ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.open_order
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.open_order
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.open_order ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.open_order ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.position
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.position
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.position ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.position ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.risk_event
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.risk_event
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.risk_event ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.risk_event ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.scenario
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.scenario
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.scenario ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.scenario ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.symbol ENABLE ALWAYS TRIGGER restore_guard_begin;
ALTER TABLE pm.symbol ENABLE ALWAYS TRIGGER restore_guard_end;

-- Created by a restore (pg_dump's scripts and pg_restore set row_security
-- off before CREATE EXTENSION; the script cannot see check_function_bodies,
-- which CREATE EXTENSION turns off for itself) on an empty book: every
-- configuration table waits for its rows.  Last in the script, when every
-- table exists.
INSERT INTO pm.restore_progress (tab)
SELECT c.oid::pg_catalog.regclass
  FROM pg_catalog.pg_extension e
 CROSS JOIN LATERAL pg_catalog.unnest(e.extconfig) AS x(oid)
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) x.oid AND c.relkind OPERATOR(pg_catalog.=) 'r'
 WHERE e.extname OPERATOR(pg_catalog.=) 'portfolio_margin'
   AND pg_catalog.current_setting('row_security') OPERATOR(pg_catalog.=) 'off'
   AND NOT EXISTS (SELECT FROM pm.account) AND NOT EXISTS (SELECT FROM pm.risk_event)
ON CONFLICT DO NOTHING;

------------------------------------------------------------------------------
-- What-if rows are held to their tables' own rules (src/row_check.c), and
-- no message repeats more than a short excerpt of a value
------------------------------------------------------------------------------

-- A value as an error message may show it: at most 32 characters.
CREATE FUNCTION pm.excerpt(value pg_catalog.text) RETURNS pg_catalog.text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE WHEN pg_catalog.length($1) OPERATOR(pg_catalog.<=) 64 THEN $1
              ELSE pg_catalog.left($1, 64) OPERATOR(pg_catalog.||) '...' END
$$;
COMMENT ON FUNCTION pm.excerpt(pg_catalog.text) IS
  'the value as error messages show it: its first 64 characters, and ... when there are more';

CREATE FUNCTION pm.check_row(tab pg_catalog.regclass, row_value anyelement, what pg_catalog.text)
  RETURNS pg_catalog.void
  AS 'MODULE_PATHNAME', 'pm_check_row' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.check_row(pg_catalog.regclass, anyelement, pg_catalog.text) IS
  'an error naming what and the constraint unless the row, of the table''s row type, satisfies the table''s '
  'NOT NULL and CHECK constraints, as an INSERT would';

-- A JSON value as numeric: a JSON number, or a string holding one (as
-- Binance sends them); NULL for null or absent.
CREATE FUNCTION pm.json_numeric(value pg_catalog.jsonb, what pg_catalog.text) RETURNS pg_catalog.numeric
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
    RETURN NULL;
  ELSIF jsonb_typeof(value) = 'number' THEN
    RETURN value::numeric;
  ELSIF jsonb_typeof(value) = 'string' THEN
    BEGIN
      RETURN (value #>> '{}')::numeric;
    EXCEPTION WHEN invalid_text_representation THEN
      NULL;
    END;
  END IF;
  RAISE EXCEPTION '% is not a number', what
    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', pm.excerpt(value::text));
END
$$;
COMMENT ON FUNCTION pm.json_numeric(pg_catalog.jsonb, pg_catalog.text) IS
  'a JSON number, or a string holding one, as numeric (NULL for null); an error naming what otherwise';

-- A JSON value as text: a JSON string; NULL for null or absent.
CREATE FUNCTION pm.json_text(value pg_catalog.jsonb, what pg_catalog.text) RETURNS pg_catalog.text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
    RETURN NULL;
  ELSIF jsonb_typeof(value) = 'string' THEN
    RETURN value #>> '{}';
  END IF;
  RAISE EXCEPTION '% is not a string', what
    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', pm.excerpt(value::text));
END
$$;
COMMENT ON FUNCTION pm.json_text(pg_catalog.jsonb, pg_catalog.text) IS
  'a JSON string as text (NULL for null); an error naming what otherwise';

-- pm.account_risk's row as it would be after changes (jsonb), writing
-- nothing.  Keys, each a list of objects:
--   positions  {symbol, qty, entry_price (default: the mark), leverage
--               (default 20), side (default BOTH)}: the account's position
--               on that symbol and side becomes this one (qty 0 closes it)
--   orders     {sell_asset, sell_qty, buy_asset, buy_qty}: a new open order
--   transfers  {asset, amount, wallet (cross, um or cm; default cross)}:
--               amount in (> 0) or out (< 0)
--   loans      {asset, amount}: borrow (> 0: the asset arrives in cross
--               margin) or repay (< 0)
-- Every hypothetical row -- each position and order, and each balance the
-- transfers and loans leave -- must be one its table would take
-- (pm.check_row: its NOT NULL and CHECK constraints; its symbol or assets
-- known; one position per symbol and side).
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
COMMENT ON FUNCTION pm.whatif(pg_catalog.int8, pg_catalog.jsonb) IS
  'the account''s pm.account_risk row as it would be after hypothetical positions, orders, transfers and loans '
  '(jsonb: positions, orders, transfers, loans), each held to its table''s rules; writes nothing';
