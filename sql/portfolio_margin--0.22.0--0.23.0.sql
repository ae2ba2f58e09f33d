------------------------------------------------------------------------------
-- portfolio_margin 0.22.0 -> 0.23.0: one database to ask for a book on
-- shards.
--
-- * pm.account_remote, pm.balance_remote, pm.position_remote,
--   pm.open_order_remote, pm.account_state_remote, pm.risk_event_remote,
--   pm.account_risk_remote, pm.account_margin_remote,
--   pm.stress_result_remote, pm.position_risk_remote,
--   pm.position_over_limit_remote, pm.margin_line_remote,
--   pm.binance_position_risk_remote (new): on a
--   coordinator, the shards' rows, partitioned by hash of account_id, one
--   postgres_fdw foreign partition per shard; empty elsewhere.
-- * pm.attach_shard(server, modulus, remainder), pm.detach_shard(server)
--   (new): make a postgres_fdw server a shard, and undo it; pm.shard_of
--   (new): the shard of an account.
-- * pm.stress, pm.whatif, pm.liquidation_price and pm.max_withdraw run on
--   the account's shard on a coordinator, through dblink (pm.on_a_shard,
--   pm.on_shard: new), and so do their as-of forms (pm.stress_at,
--   pm.liquidation_price_at, pm.account_risk_at and pm.asset_equity_at for
--   one account); pm.account_risk_of reads its shard's row.
-- * pm.sample_risk samples a coordinator's shards too, so its series views
--   are the whole book's.
-- * pm.account_risk, pm.account_margin, pm.stress_result, pm.position_risk,
--   pm.position_over_limit, pm.margin_line and pm.binance_position_risk
--   add the shards' rows to the node's own (and so pm.asset_equity);
--   pm.position_risk_local (new): the node's own positions, which
--   pm.binance_position_risk values here.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.23.0'" to load this file. \quit

-- On a coordinator (docs/sharding.md) the accounts live on shards.  Each
-- table below holds, for one relation of the extension, the shards' rows:
-- partitioned by hash of account_id, one postgres_fdw foreign partition per
-- shard (pm.attach_shard), so that a condition on account_id reaches only
-- the shard that holds the account and a write is routed to it.  The views
-- pm.account_risk, pm.account_margin, pm.stress_result, pm.position_risk,
-- pm.position_over_limit, pm.margin_line and pm.binance_position_risk add
-- the shards' rows to the node's own (and pm.asset_equity, over
-- pm.account_margin, follows).  On a node that is not a
-- coordinator they have no partitions: they are empty, and the planner
-- drops them from every plan.  The access rules apply to them as to the
-- node's own tables, on the coordinator, whatever role a shard is reached as.

CREATE TABLE pm.account_remote (
  account_id pg_catalog.int8 NOT NULL,
  program pg_catalog.text NOT NULL,
  loan_leverage pg_catalog.int4 NOT NULL
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.account_remote IS
  'on a coordinator, the shards'' rows of pm.account, one foreign partition per shard: read and write accounts here';

CREATE TABLE pm.balance_remote (
  account_id pg_catalog.int8 NOT NULL,
  asset pg_catalog.text NOT NULL,
  cross_free pg_catalog.numeric NOT NULL,
  cross_locked pg_catalog.numeric NOT NULL,
  cross_borrowed pg_catalog.numeric NOT NULL,
  cross_interest pg_catalog.numeric NOT NULL,
  um_wallet pg_catalog.numeric NOT NULL,
  cm_wallet pg_catalog.numeric NOT NULL
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.balance_remote IS
  'on a coordinator, the shards'' rows of pm.balance, one foreign partition per shard: read and write balances here';

CREATE TABLE pm.position_remote (
  account_id pg_catalog.int8 NOT NULL,
  symbol pg_catalog.text NOT NULL,
  side pg_catalog.text NOT NULL,
  qty pg_catalog.numeric NOT NULL,
  entry_price pg_catalog.numeric NOT NULL,
  leverage pg_catalog.int4 NOT NULL
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.position_remote IS
  'on a coordinator, the shards'' rows of pm.position, one foreign partition per shard: read and write positions here';

CREATE TABLE pm.open_order_remote (
  account_id pg_catalog.int8 NOT NULL,
  order_id pg_catalog.int8 NOT NULL,
  sell_asset pg_catalog.text NOT NULL,
  sell_qty pg_catalog.numeric NOT NULL,
  buy_asset pg_catalog.text NOT NULL,
  buy_qty pg_catalog.numeric NOT NULL
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.open_order_remote IS
  'on a coordinator, the shards'' rows of pm.open_order, one foreign partition per shard: read and write open orders here';

CREATE TABLE pm.account_state_remote (
  account_id pg_catalog.int8 NOT NULL,
  program pg_catalog.text NOT NULL,
  uni_mmr pg_catalog.numeric,
  account_equity pg_catalog.numeric NOT NULL,
  adjusted_equity pg_catalog.numeric NOT NULL,
  maint_margin pg_catalog.numeric NOT NULL,
  status pg_catalog.text NOT NULL,
  status_since pg_catalog.timestamptz NOT NULL,
  updated_at pg_catalog.timestamptz NOT NULL,
  error pg_catalog.text,
  ledger_totals pg_catalog.bytea,
  committed_status pg_catalog.text
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.account_state_remote IS
  'on a coordinator, the shards'' rows of pm.account_state (read only: each shard keeps its own)';

CREATE TABLE pm.risk_event_remote (
  event_id pg_catalog.int8 NOT NULL,
  account_id pg_catalog.int8 NOT NULL,
  old_status pg_catalog.text,
  new_status pg_catalog.text NOT NULL,
  uni_mmr pg_catalog.numeric,
  adjusted_equity pg_catalog.numeric NOT NULL,
  maint_margin pg_catalog.numeric NOT NULL,
  at pg_catalog.timestamptz NOT NULL,
  program pg_catalog.text,
  xact_id pg_catalog.xid8
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.risk_event_remote IS
  'on a coordinator, the shards'' rows of pm.risk_event (read only; event ids and transaction ids are each shard''s own, at orders them across shards)';

CREATE TABLE pm.account_risk_remote (
  account_id pg_catalog.int8,
  program pg_catalog.text,
  uni_mmr pg_catalog.numeric,
  account_equity pg_catalog.numeric,
  actual_equity pg_catalog.numeric,
  account_initial_margin pg_catalog.numeric,
  account_maint_margin pg_catalog.numeric,
  account_status pg_catalog.text,
  virtual_max_withdraw_amount pg_catalog.numeric,
  total_available_balance pg_catalog.numeric,
  total_margin_open_loss pg_catalog.numeric,
  error pg_catalog.text
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.account_risk_remote IS
  'on a coordinator, pm.account_risk of each shard, computed there; part of pm.account_risk';

CREATE TABLE pm.account_margin_remote (
  account_id pg_catalog.int8,
  program pg_catalog.text,
  summary pm.margin_summary,
  error pg_catalog.text
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.account_margin_remote IS
  'on a coordinator, pm.account_margin of each shard, computed there; part of pm.account_margin';

CREATE TABLE pm.stress_result_remote (
  account_id pg_catalog.int8,
  scenario pg_catalog.text,
  program pg_catalog.text,
  uni_mmr pg_catalog.numeric,
  account_equity pg_catalog.numeric,
  actual_equity pg_catalog.numeric,
  account_initial_margin pg_catalog.numeric,
  account_maint_margin pg_catalog.numeric,
  account_status pg_catalog.text,
  virtual_max_withdraw_amount pg_catalog.numeric,
  total_available_balance pg_catalog.numeric,
  total_margin_open_loss pg_catalog.numeric,
  error pg_catalog.text
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.stress_result_remote IS
  'on a coordinator, pm.stress_result of each shard, computed there under the scenarios replicated to it; part of pm.stress_result';

CREATE TABLE pm.position_risk_remote (
  account_id pg_catalog.int8,
  symbol pg_catalog.text,
  market pg_catalog.text,
  side pg_catalog.text,
  qty pg_catalog.numeric,
  entry_price pg_catalog.numeric,
  mark_price pg_catalog.numeric,
  leverage pg_catalog.int4,
  settle_asset pg_catalog.text,
  notional pg_catalog.numeric,
  unrealized_pnl pg_catalog.numeric,
  maint_margin pg_catalog.numeric,
  bracket pg_catalog.int4,
  bracket_rate pg_catalog.numeric,
  initial_margin pg_catalog.numeric
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.position_risk_remote IS
  'on a coordinator, pm.position_risk of each shard, computed there; part of pm.position_risk';

CREATE TABLE pm.position_over_limit_remote (
  account_id pg_catalog.int8,
  symbol pg_catalog.text,
  side pg_catalog.text,
  market pg_catalog.text,
  qty pg_catalog.numeric,
  notional pg_catalog.numeric,
  position_limit pg_catalog.numeric,
  over_by pg_catalog.numeric
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.position_over_limit_remote IS
  'on a coordinator, pm.position_over_limit of each shard, computed there; part of pm.position_over_limit';

CREATE TABLE pm.margin_line_remote (
  account_id pg_catalog.int8,
  program pg_catalog.text,
  source pg_catalog.text,
  asset pg_catalog.text,
  symbol pg_catalog.text,
  equity pg_catalog.numeric,
  maint_margin pg_catalog.numeric,
  initial_margin pg_catalog.numeric,
  open_loss pg_catalog.numeric,
  index_price pg_catalog.numeric,
  collateral pm.tiers
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.margin_line_remote IS
  'on a coordinator, pm.margin_line of each shard, computed there; part of pm.margin_line';

CREATE TABLE pm.binance_position_risk_remote (
  account_id pg_catalog.int8,
  market pg_catalog.text,
  symbol pg_catalog.text,
  "positionAmt" pg_catalog.numeric,
  "entryPrice" pg_catalog.numeric,
  "markPrice" pg_catalog.numeric,
  "unRealizedProfit" pg_catalog.numeric,
  "liquidationPrice" pg_catalog.numeric,
  leverage pg_catalog.int4,
  "positionSide" pg_catalog.text,
  notional pg_catalog.numeric,
  liquidation_below pg_catalog.numeric,
  liquidation_above pg_catalog.numeric,
  error pg_catalog.text
) PARTITION BY HASH (account_id);
COMMENT ON TABLE pm.binance_position_risk_remote IS
  'on a coordinator, pm.binance_position_risk of each shard, computed there (liquidation prices included); part of pm.binance_position_risk';

ALTER TABLE pm.account_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.account_remote USING (pm.account_visible(account_id));
ALTER TABLE pm.balance_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.balance_remote USING (pm.account_visible(account_id));
ALTER TABLE pm.position_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.position_remote USING (pm.account_visible(account_id));
ALTER TABLE pm.open_order_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.open_order_remote USING (pm.account_visible(account_id));
ALTER TABLE pm.account_state_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.account_state_remote FOR SELECT USING (pm.account_visible(account_id));
ALTER TABLE pm.risk_event_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.risk_event_remote FOR SELECT USING (pm.account_visible(account_id));
ALTER TABLE pm.account_risk_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.account_risk_remote FOR SELECT USING (pm.account_visible(account_id));
ALTER TABLE pm.account_margin_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.account_margin_remote FOR SELECT USING (pm.account_visible(account_id));
ALTER TABLE pm.stress_result_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.stress_result_remote FOR SELECT USING (pm.account_visible(account_id));
ALTER TABLE pm.position_risk_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.position_risk_remote FOR SELECT USING (pm.account_visible(account_id));
ALTER TABLE pm.position_over_limit_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.position_over_limit_remote FOR SELECT USING (pm.account_visible(account_id));
ALTER TABLE pm.margin_line_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.margin_line_remote FOR SELECT USING (pm.account_visible(account_id));
ALTER TABLE pm.binance_position_risk_remote ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_access ON pm.binance_position_risk_remote FOR SELECT USING (pm.account_visible(account_id));

-- Make a postgres_fdw server a shard of this coordinator: for each table
-- above, a foreign partition over the relation of the same name on the
-- shard, holding the accounts whose hash falls in (modulus, remainder).
-- Run by the extension's owner, after CREATE SERVER and the user mappings.
CREATE FUNCTION pm.attach_shard(server pg_catalog.name, modulus pg_catalog.int4, remainder pg_catalog.int4)
  RETURNS SETOF pg_catalog.regclass
  LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel pg_catalog.text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server s
                   JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
                  WHERE s.srvname = attach_shard.server AND w.fdwname = 'postgres_fdw') THEN
    RAISE EXCEPTION 'server "%" is not a postgres_fdw server', pg_catalog.left(attach_shard.server, 63)
      USING ERRCODE = 'undefined_object',
            DETAIL = 'A shard is reached through a foreign server of postgres_fdw.',
            HINT = 'CREATE EXTENSION postgres_fdw; CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host ..., dbname ..., async_capable ''true'', extensions ''portfolio_margin''), and a user mapping per role.';
  END IF;
  FOREACH rel IN ARRAY ARRAY['account', 'balance', 'position', 'open_order', 'account_state',
                             'risk_event', 'account_risk', 'account_margin', 'stress_result',
                             'position_risk', 'position_over_limit', 'margin_line',
                             'binance_position_risk'] LOOP
    EXECUTE pg_catalog.format(
      'CREATE FOREIGN TABLE pm.%I PARTITION OF pm.%I FOR VALUES WITH (MODULUS %s, REMAINDER %s) '
      'SERVER %I OPTIONS (schema_name ''pm'', table_name %L)',
      rel || '@' || attach_shard.server, rel || '_remote', attach_shard.modulus,
      attach_shard.remainder, attach_shard.server, rel);
    RETURN NEXT pg_catalog.format('pm.%I', rel || '@' || attach_shard.server)::pg_catalog.regclass;
  END LOOP;
END
$$;
COMMENT ON FUNCTION pm.attach_shard(server name, modulus integer, remainder integer) IS
  'on a coordinator: make a postgres_fdw server the shard of the accounts whose hash of account_id is remainder modulo modulus -- a foreign partition of each of pm.*_remote; returns them';
REVOKE EXECUTE ON FUNCTION pm.attach_shard(server name, modulus integer, remainder integer) FROM PUBLIC;

-- Undo pm.attach_shard: drop the server's foreign partitions.
CREATE FUNCTION pm.detach_shard(server pg_catalog.name) RETURNS SETOF pg_catalog.text
  LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  part pg_catalog.regclass;
BEGIN
  FOR part IN SELECT f.ftrelid::pg_catalog.regclass
                FROM pg_catalog.pg_foreign_table f
                JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
                JOIN pg_catalog.pg_inherits i ON i.inhrelid = f.ftrelid
                JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
               WHERE s.srvname = detach_shard.server
                 AND p.relnamespace = 'pm'::pg_catalog.regnamespace
                 AND p.relname LIKE '%\_remote'
               ORDER BY 1 LOOP
    RETURN NEXT part::pg_catalog.text;
    EXECUTE pg_catalog.format('DROP FOREIGN TABLE %s', part);
  END LOOP;
END
$$;
COMMENT ON FUNCTION pm.detach_shard(server name) IS
  'on a coordinator: drop the foreign partitions pm.attach_shard made for a server; returns their names';
REVOKE EXECUTE ON FUNCTION pm.detach_shard(server name) FROM PUBLIC;

-- The shard of an account on a coordinator: the server of the partition of
-- pm.account_remote its hash falls in.  NULL on a node without shards.
CREATE FUNCTION pm.shard_of(account_id pg_catalog.int8) RETURNS pg_catalog.name
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT s.srvname
    FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    JOIN pg_catalog.pg_foreign_table f ON f.ftrelid = i.inhrelid
    JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
   CROSS JOIN LATERAL pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                                              'modulus (\d+), remainder (\d+)') b
   WHERE i.inhparent = 'pm.account_remote'::pg_catalog.regclass
     AND pg_catalog.satisfies_hash_partition('pm.account_remote'::pg_catalog.regclass,
                                             b[1]::pg_catalog.int4, b[2]::pg_catalog.int4,
                                             shard_of.account_id)
$$;
COMMENT ON FUNCTION pm.shard_of(account_id bigint) IS
  'on a coordinator, the foreign server of the shard that holds the account (by hash of account_id); NULL on a node without shards';

-- Whether a function for one account must run on its shard: on a
-- coordinator, for an account it does not hold itself that the caller may
-- see there.  A local probe first, so a node holding the account pays one
-- index lookup.
CREATE FUNCTION pm.on_a_shard(account_id pg_catalog.int8) RETURNS pg_catalog.bool
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT NOT EXISTS (SELECT FROM pm.account a WHERE a.account_id = on_a_shard.account_id)
     AND pm.account_visible(on_a_shard.account_id)
     AND pm.shard_of(on_a_shard.account_id) IS NOT NULL
$$;
COMMENT ON FUNCTION pm.on_a_shard(account_id bigint) IS
  'whether the account is one a coordinator''s shard holds (not this node) and the caller''s rules let it see: then a function for one account runs there (pm.on_shard)';

-- Run one of the functions for one account on the account's shard, with
-- the arguments after the account id (quoted here, each a literal), through
-- dblink over the shard's foreign server and the caller's user mapping; its
-- value comes back as jsonb, exact.
CREATE FUNCTION pm.on_shard(account_id pg_catalog.int8, fn pg_catalog.text, args pg_catalog.text[])
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  server pg_catalog.name := pm.shard_of(on_shard.account_id);
  dblink_schema pg_catalog.name;
  call pg_catalog.text;
  answer pg_catalog.text;
BEGIN
  IF on_shard.fn NOT IN ('stress', 'whatif', 'liquidation_price', 'max_withdraw', 'stress_at',
                         'liquidation_price_at', 'account_risk_at', 'asset_equity_at') THEN
    RAISE EXCEPTION 'pm.on_shard runs pm.stress, pm.whatif, pm.liquidation_price, pm.max_withdraw or their as-of forms, not "%"',
                    pg_catalog.left(on_shard.fn, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF server IS NULL THEN
    RAISE EXCEPTION 'account % is on no shard of this node', on_shard.account_id
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A coordinator''s shards are the servers of pm.account_remote''s partitions (pm.attach_shard).';
  END IF;
  SELECT n.nspname INTO dblink_schema
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'dblink';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'account % is on shard "%", and calling a function there needs dblink',
                    on_shard.account_id, server
      USING ERRCODE = 'feature_not_supported',
            DETAIL = 'A function for one account runs on the shard that holds the account.',
            HINT = 'CREATE EXTENSION dblink on the coordinator: it reaches the shard through its foreign server and your user mapping.';
  END IF;
  -- the set-returning ones as one array of their rows (a moment comes as
  -- pm.as_of_setting writes it, which reads back the same under any DateStyle)
  SELECT pg_catalog.format(CASE WHEN on_shard.fn IN ('account_risk_at', 'asset_equity_at')
                                THEN 'SELECT COALESCE(pg_catalog.jsonb_agg(r), ''[]'')::pg_catalog.text FROM pm.%s(%s%s) r'
                                ELSE 'SELECT pg_catalog.to_jsonb(pm.%s(%s%s))::pg_catalog.text' END,
                           on_shard.fn, on_shard.account_id,
                           pg_catalog.string_agg(', ' || pg_catalog.quote_nullable(a.arg), '' ORDER BY a.i))
    INTO call
    FROM pg_catalog.unnest(on_shard.args) WITH ORDINALITY AS a(arg, i);
  EXECUTE pg_catalog.format('SELECT t.a FROM %I.dblink($1, $2) AS t(a pg_catalog.text)', dblink_schema)
     INTO answer
    USING server, call;
  RETURN answer::pg_catalog.jsonb;
END
$$;
COMMENT ON FUNCTION pm.on_shard(account_id bigint, fn text, args text[]) IS
  'on a coordinator, the value (as jsonb; an array of rows for the set-returning ones) of pm.stress, pm.whatif, pm.liquidation_price, pm.max_withdraw or their as-of forms for an account, run on its shard through dblink with the caller''s user mapping; args are the arguments after the account id';


-- A node's own positions (pm.position_risk adds a coordinator's shards'),
-- for the views that compute more from them here.
CREATE VIEW pm.position_risk_local AS
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
COMMENT ON VIEW pm.position_risk_local IS
  'pm.position_risk of this node''s own positions (on a coordinator, without the shards'')';
COMMENT ON COLUMN pm.position_risk_local.account_id IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.symbol IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.market IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.side IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.qty IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.entry_price IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.mark_price IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.leverage IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.settle_asset IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.notional IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.unrealized_pnl IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.maint_margin IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.bracket IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.bracket_rate IS 'as in pm.position_risk';
COMMENT ON COLUMN pm.position_risk_local.initial_margin IS 'as in pm.position_risk';


CREATE OR REPLACE VIEW pm.margin_line AS
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
  LEFT JOIN pm.collateral cb ON cb.program = a.program AND cb.asset = o.buy_asset
UNION ALL
SELECT r.account_id, r.program, r.source, r.asset, r.symbol, r.equity, r.maint_margin,
       r.initial_margin, r.open_loss, r.index_price, r.collateral
  FROM pm.margin_line_remote r;

CREATE OR REPLACE VIEW pm.position_risk AS
SELECT l.account_id, l.symbol, l.market, l.side, l.qty, l.entry_price, l.mark_price, l.leverage,
       l.settle_asset, l.notional, l.unrealized_pnl, l.maint_margin, l.bracket, l.bracket_rate,
       l.initial_margin
  FROM pm.position_risk_local l
UNION ALL
SELECT r.account_id, r.symbol, r.market, r.side, r.qty, r.entry_price, r.mark_price, r.leverage,
       r.settle_asset, r.notional, r.unrealized_pnl, r.maint_margin, r.bracket, r.bracket_rate,
       r.initial_margin
  FROM pm.position_risk_remote r;

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
 GROUP BY l.account_id
UNION ALL
SELECT r.account_id, r.program, r.uni_mmr, r.account_equity, r.actual_equity, r.account_initial_margin,
       r.account_maint_margin, r.account_status, r.virtual_max_withdraw_amount,
       r.total_available_balance, r.total_margin_open_loss, r.error
  FROM pm.account_risk_remote r;

CREATE OR REPLACE VIEW pm.account_margin AS
SELECT l.account_id,
       min(l.key) FILTER (WHERE l.kind = 'a') AS program,
       pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS summary,
       CASE WHEN pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) IS NULL
            THEN (SELECT pm.ledger_risk_error(e.kind, e.key, e.key2, e.a, e.b, e.c, e.d, e.e, e.f, e.n)
                    FROM pm.ledger_row e WHERE e.account_id = l.account_id)
       END AS error
  FROM pm.ledger_row l
 GROUP BY l.account_id
UNION ALL
SELECT r.account_id, r.program, r.summary, r.error
  FROM pm.account_margin_remote r;

CREATE OR REPLACE VIEW pm.stress_result AS
SELECT g.account_id, x.scenario, x.program, x.uni_mmr, x.account_equity, x.actual_equity,
       x.account_initial_margin, x.account_maint_margin, x.account_status,
       x.virtual_max_withdraw_amount, x.total_available_balance, x.total_margin_open_loss, x.error
  FROM (SELECT l.account_id,
               pm.ledger_stress(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS risks
          FROM pm.ledger_row l
         WHERE pm.account_risk_range(l.account_id, false)
         GROUP BY l.account_id
        UNION ALL
        SELECT l.account_id,
               pm.ledger_stress(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS risks
          FROM pm.ledger_row l
         WHERE pm.account_risk_range(l.account_id, true)
         GROUP BY l.account_id) g
 CROSS JOIN (SELECT pm.stress_scenarios() AS names) n
 CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(n.names), pg_catalog.unnest(g.risks))
       AS x(scenario, program, uni_mmr, account_equity, actual_equity, account_initial_margin,
            account_maint_margin, account_status, virtual_max_withdraw_amount,
            total_available_balance, total_margin_open_loss, error)
UNION ALL
SELECT r.account_id, r.scenario, r.program, r.uni_mmr, r.account_equity, r.actual_equity,
       r.account_initial_margin, r.account_maint_margin, r.account_status,
       r.virtual_max_withdraw_amount, r.total_available_balance, r.total_margin_open_loss, r.error
  FROM pm.stress_result_remote r;

CREATE OR REPLACE VIEW pm.position_over_limit AS
SELECT p.account_id, p.symbol, p.side, s.market, p.qty,
       n.notional, s.position_limit, n.notional - s.position_limit AS over_by
  FROM pm."position" p
  JOIN pm.symbol s ON s.symbol = p.symbol
 CROSS JOIN LATERAL (SELECT CASE WHEN s.market = 'UM' THEN abs(p.qty) * s.mark_price
                                 ELSE pm.cm_notional(p.qty, s.contract_size, s.mark_price) END) AS n(notional)
 WHERE s.position_limit IS NOT NULL
   AND CASE WHEN s.market = 'UM' THEN abs(p.qty) * s.mark_price > s.position_limit
            ELSE abs(p.qty) * s.contract_size > s.position_limit * s.mark_price END
UNION ALL
SELECT r.account_id, r.symbol, r.side, r.market, r.qty, r.notional, r.position_limit, r.over_by
  FROM pm.position_over_limit_remote r;

CREATE OR REPLACE VIEW pm.binance_position_risk AS
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
  FROM pm.position_risk_local r
  JOIN pm.symbol s ON s.symbol OPERATOR(pg_catalog.=) r.symbol
 CROSS JOIN LATERAL pm.liquidation_price_or_error(r.account_id, s.base_asset) l
UNION ALL
SELECT r.account_id, r.market, r.symbol, r."positionAmt", r."entryPrice", r."markPrice",
       r."unRealizedProfit", r."liquidationPrice", r.leverage, r."positionSide", r.notional,
       r.liquidation_below, r.liquidation_above, r.error
  FROM pm.binance_position_risk_remote r;

-- CREATE OR REPLACE VIEW resets a view's options; security_invoker exists
-- from PostgreSQL 15 on.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.margin_line SET (security_invoker = true);
    ALTER VIEW pm.position_risk_local SET (security_invoker = true);
    ALTER VIEW pm.position_risk SET (security_invoker = true);
    ALTER VIEW pm.account_risk SET (security_invoker = true);
    ALTER VIEW pm.account_margin SET (security_invoker = true);
    ALTER VIEW pm.stress_result SET (security_invoker = true);
    ALTER VIEW pm.position_over_limit SET (security_invoker = true);
    ALTER VIEW pm.binance_position_risk SET (security_invoker = true);
  END IF;
END
$$;

-- The functions for one account run on the account's shard on a
-- coordinator (pm.on_a_shard, pm.on_shard).
CREATE OR REPLACE FUNCTION pm.account_risk_at(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS SETOF pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED ROWS 1
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
BEGIN
  IF pm.on_a_shard(account_risk_at.account_id) THEN
    RETURN QUERY
    SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::pm.account_risk,
             pm.on_shard(account_risk_at.account_id, 'account_risk_at', ARRAY[pm.as_of_setting(at)]));
    RETURN;
  END IF;
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
    FROM pm.ledger_row_at(account_risk_at.account_id, at) l
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

CREATE OR REPLACE FUNCTION pm.asset_equity_at(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS SETOF pm.asset_equity
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED ROWS 8
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
BEGIN
  IF pm.on_a_shard(asset_equity_at.account_id) THEN
    RETURN QUERY
    SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::pm.asset_equity,
             pm.on_shard(asset_equity_at.account_id, 'asset_equity_at', ARRAY[pm.as_of_setting(at)]));
    RETURN;
  END IF;
  PERFORM pm.history_covers(at);
  PERFORM set_config('portfolio_margin.as_of', pm.as_of_setting(at), true);
  RETURN QUERY
  SELECT m.account_id, a.asset, a.equity, a.index_price, a.value_usd, a.collateral_value_usd,
         a.maint_margin, a.maint_margin_usd, a.initial_margin_usd, a.open_loss_usd, m.error
    FROM (SELECT l.account_id,
                 pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS summary,
                 pm.ledger_risk_error(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS error
            FROM pm.ledger_row_at(asset_equity_at.account_id, at) l
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

CREATE OR REPLACE FUNCTION pm.stress_at(account_id pg_catalog.int8, scenario pg_catalog.text, at pg_catalog.timestamptz)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
BEGIN
  IF pm.on_a_shard(stress_at.account_id) THEN
    RETURN pg_catalog.jsonb_populate_record(NULL::pm.account_risk,
             pm.on_shard(stress_at.account_id, 'stress_at', ARRAY[stress_at.scenario, pm.as_of_setting(at)]));
  END IF;
  PERFORM pm.history_covers(at);
  PERFORM set_config('portfolio_margin.as_of', pm.as_of_setting(at), true);
  RETURN pm.stress_at_or_now(stress_at.account_id, stress_at.scenario, at);
END
$$;
COMMENT ON FUNCTION pm.stress_at(account_id bigint, scenario text, at timestamptz) IS
  'pm.stress as it was at a moment: the account''s rows and the reference data then, moved by the scenario as pm.scenario defines it now';

CREATE OR REPLACE FUNCTION pm.liquidation_price_at(account_id pg_catalog.int8, asset pg_catalog.text, at pg_catalog.timestamptz,
                                        OUT below pg_catalog.numeric, OUT above pg_catalog.numeric)
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
DECLARE
  there pg_catalog.jsonb;
BEGIN
  IF pm.on_a_shard(liquidation_price_at.account_id) THEN
    there := pm.on_shard(liquidation_price_at.account_id, 'liquidation_price_at',
                         ARRAY[liquidation_price_at.asset, pm.as_of_setting(at)]);
    below := (there OPERATOR(pg_catalog.->>) 'below')::pg_catalog.numeric;
    above := (there OPERATOR(pg_catalog.->>) 'above')::pg_catalog.numeric;
    RETURN;
  END IF;
  PERFORM pm.history_covers(at);
  PERFORM set_config('portfolio_margin.as_of', pm.as_of_setting(at), true);
  SELECT l.below, l.above INTO below, above
    FROM pm.liquidation_price_at_or_now(liquidation_price_at.account_id, liquidation_price_at.asset, at) l;
END
$$;
COMMENT ON FUNCTION pm.liquidation_price_at(account_id bigint, asset text, at timestamptz, OUT below numeric, OUT above numeric) IS
  'pm.liquidation_price as it was at a moment: the nearest prices of asset, below and above the price of then, at which the account as it was then entered or left liquidation';

CREATE OR REPLACE FUNCTION pm.sample_risk(keep pg_catalog.interval DEFAULT '30 days'::pg_catalog.interval)
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
  -- the node's accounts and, on a coordinator, its shards' (each shard's
  -- state as of the moment this transaction first reads it)
  INSERT INTO pm.risk_sample (sampled_at, account_id, program, uni_mmr, account_equity, adjusted_equity,
                              maint_margin, status, error)
  SELECT now(), s.account_id, s.program, s.uni_mmr, s.account_equity, s.adjusted_equity, s.maint_margin,
         s.status, s.error
    FROM pm.account_state s
   WHERE s.status <> ''
  UNION ALL
  SELECT now(), r.account_id, r.program, r.uni_mmr, r.account_equity, r.adjusted_equity, r.maint_margin,
         r.status, r.error
    FROM pm.account_state_remote r
   WHERE r.status <> '';
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
  'samples every account''s pm.account_state (on a coordinator, its shards'' too) into pm.risk_sample now (a partition per day, UTC, made when first needed) and drops the days entirely older than keep; returns the rows sampled';

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
  -- not this node's: on a coordinator, its shard's row
  IF NOT FOUND THEN
    RETURN QUERY
    SELECT r.account_id, r.program, r.uni_mmr, r.account_equity, r.actual_equity,
           r.account_initial_margin, r.account_maint_margin, r.account_status,
           r.virtual_max_withdraw_amount, r.total_available_balance, r.total_margin_open_loss, r.error
      FROM pm.account_risk_remote r
     WHERE r.account_id OPERATOR(pg_catalog.=) account_risk_of.account_id;
  END IF;
  -- no row: an account that does not exist, or that the caller may not see
  IF NOT FOUND THEN
    PERFORM pm.check_account(account_risk_of.account_id);
  END IF;
END
$$;
COMMENT ON FUNCTION pm.account_risk_of(account_id bigint) IS
  'one account''s row of pm.account_risk, read with a plan the session keeps: for reading single accounts often';

CREATE OR REPLACE FUNCTION pm.stress(account_id pg_catalog.int8, scenario pg_catalog.text)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF pm.on_a_shard(stress.account_id) THEN
    RETURN pg_catalog.jsonb_populate_record(NULL::pm.account_risk,
             pm.on_shard(stress.account_id, 'stress', ARRAY[stress.scenario]));
  END IF;
  RETURN pm.stress_at_or_now(stress.account_id, stress.scenario, NULL);
END
$$;
COMMENT ON FUNCTION pm.stress(account_id bigint, scenario text) IS
  'the account''s pm.account_risk row under a scenario of pm.scenario: prices moved, PnL, brackets and tiers re-evaluated';

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
  IF pm.on_a_shard(whatif.account_id) THEN
    RETURN pg_catalog.jsonb_populate_record(NULL::pm.account_risk,
             pm.on_shard(whatif.account_id, 'whatif', ARRAY[whatif.changes::pg_catalog.text]));
  END IF;
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
COMMENT ON FUNCTION pm.whatif(account_id bigint, changes jsonb) IS
  'the account''s pm.account_risk row as it would be after hypothetical positions, orders, transfers and loans (jsonb: positions, orders, transfers, loans), each held to its table''s rules; writes nothing';

CREATE OR REPLACE FUNCTION pm.liquidation_price(account_id pg_catalog.int8, asset pg_catalog.text,
                                     OUT below pg_catalog.numeric, OUT above pg_catalog.numeric)
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  there pg_catalog.jsonb;
BEGIN
  IF pm.on_a_shard(liquidation_price.account_id) THEN
    there := pm.on_shard(liquidation_price.account_id, 'liquidation_price',
                         ARRAY[liquidation_price.asset]);
    below := (there OPERATOR(pg_catalog.->>) 'below')::pg_catalog.numeric;
    above := (there OPERATOR(pg_catalog.->>) 'above')::pg_catalog.numeric;
    RETURN;
  END IF;
  SELECT l.below, l.above INTO below, above
    FROM pm.liquidation_price_at_or_now(liquidation_price.account_id, liquidation_price.asset, NULL) l;
END
$$;
COMMENT ON FUNCTION pm.liquidation_price(account_id bigint, asset text, OUT below numeric, OUT above numeric) IS
  'the nearest prices of asset, below and above the current one (its index and the marks on it moving together), at which the account enters or leaves liquidation at its program''s threshold; NULL where no positive price does';

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
  IF pm.on_a_shard(max_withdraw.account_id) THEN
    RETURN (pm.on_shard(max_withdraw.account_id, 'max_withdraw',
                        ARRAY[max_withdraw.asset, max_withdraw.target::pg_catalog.text])
            OPERATOR(pg_catalog.#>>) '{}')::pg_catalog.numeric;
  END IF;
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
COMMENT ON FUNCTION pm.max_withdraw(account_id bigint, asset text, target numeric) IS
  'the most of asset that can leave the account (at most its free cross-margin and wallet balance) while uniMMR stays at or above target (default: the margin-call threshold); exact closed form';

GRANT SELECT ON pm.position_risk_local TO pm_reader;

GRANT SELECT ON pm.account_remote, pm.balance_remote, pm.position_remote, pm.open_order_remote, pm.account_state_remote, pm.risk_event_remote, pm.account_risk_remote, pm.account_margin_remote, pm.stress_result_remote, pm.position_risk_remote, pm.position_over_limit_remote, pm.margin_line_remote, pm.binance_position_risk_remote TO pm_reader;
GRANT DELETE, INSERT, UPDATE ON pm.account_remote, pm.balance_remote, pm.position_remote, pm.open_order_remote TO pm_writer;
