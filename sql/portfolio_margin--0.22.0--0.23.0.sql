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
--   (new): make a postgres_fdw server a shard, and undo it.
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
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
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
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
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

GRANT SELECT ON pm.position_risk_local TO pm_reader;

GRANT SELECT ON pm.account_remote, pm.balance_remote, pm.position_remote, pm.open_order_remote, pm.account_state_remote, pm.risk_event_remote, pm.account_risk_remote, pm.account_margin_remote, pm.stress_result_remote, pm.position_risk_remote, pm.position_over_limit_remote, pm.margin_line_remote, pm.binance_position_risk_remote TO pm_reader;
GRANT DELETE, INSERT, UPDATE ON pm.account_remote, pm.balance_remote, pm.position_remote, pm.open_order_remote TO pm_writer;
