------------------------------------------------------------------------------
-- portfolio_margin 0.10.0 -> 0.11.0: a liquidation price is where the account
-- enters (or leaves) liquidation, also when it has no maintenance margin.
--
-- pm.liquidation_price walked g = adjusted equity - threshold x maintenance
-- margin away from the current price to its first change of sign (negative,
-- zero, positive).  An account without maintenance margin whose g is 0 (no
-- collateral, nothing owed; uniMMR NULL, NORMAL) was reported at the
-- threshold at its current price, though it enters liquidation only where
-- its adjusted equity turns negative (an open-order loss growing with the
-- price, for one).  g = 0 now counts as in liquidation only with
-- maintenance margin, as pm.status has it.
--
-- And a change of pm.position no longer reads the account's rows again.
-- The ledger totals keep positions as they are, so the totals after a
-- position is inserted, updated or deleted are the stored ones with that
-- position taken out or put in (pm.ledger_totals_with_positions) -- the
-- bytes a from-scratch recompute would write.  The position triggers (now
-- in C, state_trigger.c) lock each touched account's state row, swap the
-- positions in its totals and value them, one prepared statement per
-- account.  Accounts without totals, with an error, or whose totals do not
-- hold the position changed are recomputed from scratch, as are statements
-- touching more than 64 accounts.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.11.0'" to load this file. \quit

-- g(m) of pm.liquidation_gap and which side of the liquidation threshold the
-- account is on there: -1 in liquidation (g < 0, or g = 0 with maintenance
-- margin: uniMMR at the threshold), 1 outside it (g > 0, or g = 0 without
-- maintenance margin: uniMMR NULL and adjusted equity 0, which is NORMAL)
CREATE FUNCTION pm.liquidation_side(account_id pg_catalog.int8, asset pg_catalog.text,
                                    m pg_catalog.numeric, threshold pg_catalog.numeric,
                                    OUT gap pg_catalog.numeric, OUT side pg_catalog.int4)
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT g.gap,
         CASE WHEN g.gap OPERATOR(pg_catalog.<) 0 THEN -1
              WHEN g.gap OPERATOR(pg_catalog.>) 0 THEN 1
              WHEN g.mm OPERATOR(pg_catalog.>) 0 THEN -1
              ELSE 1 END
    FROM (SELECT pm.adjusted_equity(u.summary) OPERATOR(pg_catalog.-)
                 ($4 OPERATOR(pg_catalog.*) pm.maint_margin(u.summary)) AS gap,
                 pm.maint_margin(u.summary) AS mm
            FROM pm.summary_under($1, ARRAY[$2], ARRAY[$3 OPERATOR(pg_catalog.-) 1],
                                  ARRAY[NULL::pg_catalog.text]) u) g
$$;
COMMENT ON FUNCTION pm.liquidation_side(pg_catalog.int8, pg_catalog.text, pg_catalog.numeric, pg_catalog.numeric) IS
  'pm.liquidation_gap with asset''s prices multiplied by m, and -1 when the account is in liquidation there '
  '(gap < 0, or gap = 0 with maintenance margin), 1 when it is not';

-- The price of asset (its index and the marks of symbols on it moving
-- together, everything else fixed) at which the account reaches its
-- program's liquidation threshold: the nearest below the current price and
-- the nearest above, NULL where no positive price does.  g(m) above is
-- piecewise linear in m; its kinks (collateral tiers and zero of each
-- asset's value, each position's brackets, open-order loss) are enumerated,
-- so each crossing is found on a piece where g is linear and solved there.
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
  SELECT a.index_price INTO p0 FROM pm.asset a WHERE a.asset = x;
  IF p0 IS NULL THEN
    RAISE EXCEPTION 'asset % has no index price in pm.asset', x USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT u.program, u.summary INTO prog, s1 FROM pm.summary_under(acct, '{}', '{}', '{}') u;
  IF NOT FOUND THEN
    RETURN;
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
COMMENT ON FUNCTION pm.liquidation_price(pg_catalog.int8, pg_catalog.text) IS
  'the nearest prices of asset, below and above the current one (its index and the marks on it moving together), '
  'at which the account enters or leaves liquidation at its program''s threshold; NULL where no positive price does';

------------------------------------------------------------------------------
-- Position changes: swap the positions in the totals
------------------------------------------------------------------------------

CREATE FUNCTION pm.ledger_totals_with_positions(totals pg_catalog.bytea, account_id pg_catalog.int8,
                                                removed pm.position[], added pm.position[])
  RETURNS pg_catalog.bytea
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pm_ledger_totals_with_positions';
COMMENT ON FUNCTION pm.ledger_totals_with_positions(pg_catalog.bytea, pg_catalog.int8, pm.position[], pm.position[]) IS
  'an account''s ledger totals with its removed positions taken out and its added ones put in (what a from-scratch '
  'recompute writes after that change of pm.position; rows of other accounts are passed over); NULL when a removed '
  'position is not in the totals';

-- After rows of pm.position were inserted, updated or deleted: each account
-- touched is locked, its totals get the change and it is valued from them,
-- one statement per account (state_trigger.c, where the statements are).
-- What that cannot serve is recomputed from scratch by pm.recompute_accounts.
CREATE FUNCTION pm.state_after_position_change() RETURNS trigger
  LANGUAGE C SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
  AS 'MODULE_PATHNAME', 'pm_state_after_position_change';
-- the engine's, not an API (as the other state triggers)
REVOKE EXECUTE ON FUNCTION pm.state_after_position_change() FROM PUBLIC;
COMMENT ON FUNCTION pm.state_after_position_change() IS
  'statement trigger on pm.position: swaps the changed positions in the touched accounts'' ledger totals and '
  'revalues them (from scratch where the totals cannot serve), recording and announcing status changes';

DROP TRIGGER state_position_insert ON pm.position;
DROP TRIGGER state_position_update ON pm.position;
DROP TRIGGER state_position_delete ON pm.position;
CREATE TRIGGER state_position_insert AFTER INSERT ON pm.position
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_position_change();
CREATE TRIGGER state_position_update AFTER UPDATE ON pm.position
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_position_change();
CREATE TRIGGER state_position_delete AFTER DELETE ON pm.position
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_position_change();
