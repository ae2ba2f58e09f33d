-- portfolio_margin 0.2.0 -> 0.3.0: account risk at the speed of a scan.
-- pm.account_margin (and so pm.account_risk and pm.asset_equity) now reads
-- the raw rows of each account once, with no joins, through the
-- pm.account_ledger aggregate; prices, symbols and schedules come from a
-- per-query cache.  The summaries are identical, digit for digit, to
-- pm.margin over pm.margin_line, which stays as the explanation of the lines.

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.3.0'" to load this file. \quit

-- Transition, deserialize and final read the reference tables (STABLE).
CREATE FUNCTION pm.ledger_sfunc(pg_catalog.internal, pg_catalog."char", pg_catalog.text, pg_catalog.text,
                                pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                pg_catalog.int4)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_sfunc'
  LANGUAGE C STABLE PARALLEL SAFE COST 100;

CREATE FUNCTION pm.ledger_combine(pg_catalog.internal, pg_catalog.internal)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION pm.ledger_serialize(pg_catalog.internal) RETURNS pg_catalog.bytea
  AS 'MODULE_PATHNAME', 'pm_ledger_serialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.ledger_deserialize(pg_catalog.bytea, pg_catalog.internal)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_deserialize'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.ledger_final(pg_catalog.internal) RETURNS pm.margin_summary
  AS 'MODULE_PATHNAME', 'pm_ledger_final'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.account_ledger(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                   a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                   d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                   n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  FINALFUNC = pm.ledger_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger(pg_catalog."char", pg_catalog.text, pg_catalog.text,
                                       pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                       pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                       pg_catalog.int4) IS
  'an account''s summary from its raw rows, by kind: ''a'' account (key program, n loan leverage), '
  '''b'' balance (key asset, a..f the six balance fields), ''p'' position (key symbol, a qty, b entry, n leverage), '
  '''o'' order (key sell asset, key2 buy asset, a sell qty, b buy qty); equal to pm.margin over pm.margin_line';

-- Each account's raw rows once, no joins; the account row carries program
-- and leverage, settled in the final function.
CREATE OR REPLACE VIEW pm.account_margin AS
SELECT l.account_id,
       min(l.key) FILTER (WHERE l.kind OPERATOR(pg_catalog.=) 'a') AS program,
       pm.account_ledger(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS summary
  FROM (SELECT a.account_id, 'a'::pg_catalog."char" AS kind, a.program AS key,
               NULL::pg_catalog.text AS key2,
               NULL::pg_catalog.numeric AS a, NULL::pg_catalog.numeric AS b,
               NULL::pg_catalog.numeric AS c, NULL::pg_catalog.numeric AS d,
               NULL::pg_catalog.numeric AS e, NULL::pg_catalog.numeric AS f,
               a.loan_leverage AS n
          FROM pm.account a
        UNION ALL
        SELECT b.account_id, 'b'::pg_catalog."char", b.asset, NULL::pg_catalog.text,
               b.cross_free, b.cross_locked, b.cross_borrowed, b.cross_interest,
               b.um_wallet, b.cm_wallet, NULL::pg_catalog.int4
          FROM pm.balance b
        UNION ALL
        SELECT p.account_id, 'p'::pg_catalog."char", p.symbol, NULL::pg_catalog.text,
               p.qty, p.entry_price, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
               NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, p.leverage
          FROM pm.position p
        UNION ALL
        SELECT o.account_id, 'o'::pg_catalog."char", o.sell_asset, o.buy_asset,
               o.sell_qty, o.buy_qty, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
               NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.int4
          FROM pm.open_order o) l
 GROUP BY l.account_id;
COMMENT ON VIEW pm.account_margin IS
  'each account''s exact risk summary, from its rows in one pass (pm.account_ledger; equal to pm.margin over '
  'pm.margin_line); read it with pm.uni_mmr(summary), pm.assets(summary), ...';

-- CREATE OR REPLACE VIEW resets the view's options: check the caller again.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
    EXECUTE 'ALTER VIEW pm.account_margin SET (security_invoker = true)';
  END IF;
END
$$;
