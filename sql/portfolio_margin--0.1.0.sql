-- portfolio_margin 0.1.0: the schedule type pm.tiers and the scalar margin math
-- (spec sections 2 and 4).  Every reference is schema-qualified so that no
-- object in a caller's search_path can change what these definitions mean.

\echo Use "CREATE EXTENSION portfolio_margin" to load this file. \quit

-- The extension owns its schema: DROP EXTENSION removes it, and an existing
-- schema of that name (possibly holding someone else's objects) is an error.
CREATE SCHEMA pm;
COMMENT ON SCHEMA pm IS
  'portfolio_margin: Binance-style portfolio-margin risk computed exactly in numeric';

------------------------------------------------------------------------------
-- pm.tiers: a marginal rate schedule
------------------------------------------------------------------------------

CREATE TYPE pm.tiers;

CREATE FUNCTION pm.tiers_in(pg_catalog.cstring) RETURNS pm.tiers
  AS 'MODULE_PATHNAME', 'pm_tiers_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_out(pm.tiers) RETURNS pg_catalog.cstring
  AS 'MODULE_PATHNAME', 'pm_tiers_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_recv(pg_catalog.internal) RETURNS pm.tiers
  AS 'MODULE_PATHNAME', 'pm_tiers_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_send(pm.tiers) RETURNS pg_catalog.bytea
  AS 'MODULE_PATHNAME', 'pm_tiers_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE pm.tiers (
  INPUT = pm.tiers_in,
  OUTPUT = pm.tiers_out,
  RECEIVE = pm.tiers_recv,
  SEND = pm.tiers_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = extended
);

COMMENT ON TYPE pm.tiers IS
  'marginal rate schedule: floor:rate pairs, first floor 0, floors strictly increasing, last tier unbounded; '
  'tier k covers (floor_k, floor_k+1]; used for collateral tiers and futures maintenance-margin brackets';

CREATE FUNCTION pm.tiers(floors pg_catalog.numeric[], rates pg_catalog.numeric[])
  RETURNS pm.tiers
  AS 'MODULE_PATHNAME', 'pm_tiers_make'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.tiers(pg_catalog.numeric[], pg_catalog.numeric[]) IS
  'schedule from parallel arrays of floors and rates';

CREATE FUNCTION pm.tiers_from_binance(answer pg_catalog.jsonb) RETURNS pm.tiers
  AS 'MODULE_PATHNAME', 'pm_tiers_from_binance'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.tiers_from_binance(pg_catalog.jsonb) IS
  'schedule from Binance''s answer for one symbol or asset: USD-M (notionalFloor) or COIN-M (qtyFloor) '
  'leverage brackets, or PM Pro tiered collateral (collateralInfo/tierFloor); checks Binance''s cum';

CREATE FUNCTION pm.floors(schedule pm.tiers) RETURNS pg_catalog.numeric[]
  AS 'MODULE_PATHNAME', 'pm_tiers_floors'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.floors(pm.tiers) IS 'floor of each tier, in order';

CREATE FUNCTION pm.rates(schedule pm.tiers) RETURNS pg_catalog.numeric[]
  AS 'MODULE_PATHNAME', 'pm_tiers_rates'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.rates(pm.tiers) IS 'rate of each tier, in order';

CREATE FUNCTION pm.cum(schedule pm.tiers) RETURNS pg_catalog.numeric[]
  AS 'MODULE_PATHNAME', 'pm_tiers_cum'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cum(pm.tiers) IS
  'cum of each tier, so that tiered(x) = x * rate_j - cum_j: Binance''s cum for brackets, '
  'the negative of Binance''s cum for collateral tiers';

CREATE FUNCTION pm.tiers_table(schedule pm.tiers,
    OUT tier pg_catalog.int4, OUT floor pg_catalog.numeric, OUT cap pg_catalog.numeric,
    OUT rate pg_catalog.numeric, OUT cum pg_catalog.numeric)
  RETURNS SETOF record
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT t.tier::pg_catalog.int4, t.floor,
         pg_catalog.lead(t.floor) OVER (ORDER BY t.tier),
         t.rate, t.cum
    FROM ROWS FROM (pg_catalog.unnest(pm.floors($1)),
                    pg_catalog.unnest(pm.rates($1)),
                    pg_catalog.unnest(pm.cum($1)))
         WITH ORDINALITY AS t(floor, rate, cum, tier)
   ORDER BY t.tier
$$;
COMMENT ON FUNCTION pm.tiers_table(pm.tiers) IS
  'one row per tier: number, floor, cap (NULL for the last, unbounded tier), rate and cum';

-- Equality by value (0.95 = 0.950), a total order consistent with it (tier
-- by tier, floor then rate; it means nothing financially) and a matching
-- hash, so schedules can be compared, sorted, indexed, grouped and used in
-- DISTINCT.  The operators live in pm: outside it, write OPERATOR(pm.=).
CREATE FUNCTION pm.tiers_cmp(pm.tiers, pm.tiers) RETURNS pg_catalog.int4
  AS 'MODULE_PATHNAME', 'pm_tiers_cmp'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_eq(pm.tiers, pm.tiers) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_tiers_eq'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_ne(pm.tiers, pm.tiers) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_tiers_ne'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_lt(pm.tiers, pm.tiers) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_tiers_lt'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_le(pm.tiers, pm.tiers) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_tiers_le'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_gt(pm.tiers, pm.tiers) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_tiers_gt'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_ge(pm.tiers, pm.tiers) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_tiers_ge'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.tiers_hash(pm.tiers) RETURNS pg_catalog.int4
  AS 'MODULE_PATHNAME', 'pm_tiers_hash'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR pm.= (
  LEFTARG = pm.tiers, RIGHTARG = pm.tiers, FUNCTION = pm.tiers_eq,
  COMMUTATOR = OPERATOR(pm.=), NEGATOR = OPERATOR(pm.<>),
  RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES
);

CREATE OPERATOR pm.<> (
  LEFTARG = pm.tiers, RIGHTARG = pm.tiers, FUNCTION = pm.tiers_ne,
  COMMUTATOR = OPERATOR(pm.<>), NEGATOR = OPERATOR(pm.=),
  RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);

CREATE OPERATOR pm.< (
  LEFTARG = pm.tiers, RIGHTARG = pm.tiers, FUNCTION = pm.tiers_lt,
  COMMUTATOR = OPERATOR(pm.>), NEGATOR = OPERATOR(pm.>=),
  RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);

CREATE OPERATOR pm.<= (
  LEFTARG = pm.tiers, RIGHTARG = pm.tiers, FUNCTION = pm.tiers_le,
  COMMUTATOR = OPERATOR(pm.>=), NEGATOR = OPERATOR(pm.>),
  RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);

CREATE OPERATOR pm.> (
  LEFTARG = pm.tiers, RIGHTARG = pm.tiers, FUNCTION = pm.tiers_gt,
  COMMUTATOR = OPERATOR(pm.<), NEGATOR = OPERATOR(pm.<=),
  RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);

CREATE OPERATOR pm.>= (
  LEFTARG = pm.tiers, RIGHTARG = pm.tiers, FUNCTION = pm.tiers_ge,
  COMMUTATOR = OPERATOR(pm.<=), NEGATOR = OPERATOR(pm.<),
  RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);

CREATE OPERATOR CLASS pm.tiers_btree_ops DEFAULT FOR TYPE pm.tiers USING btree AS
  OPERATOR 1 pm.< (pm.tiers, pm.tiers),
  OPERATOR 2 pm.<= (pm.tiers, pm.tiers),
  OPERATOR 3 pm.= (pm.tiers, pm.tiers),
  OPERATOR 4 pm.>= (pm.tiers, pm.tiers),
  OPERATOR 5 pm.> (pm.tiers, pm.tiers),
  FUNCTION 1 pm.tiers_cmp(pm.tiers, pm.tiers);

CREATE OPERATOR CLASS pm.tiers_hash_ops DEFAULT FOR TYPE pm.tiers USING hash AS
  OPERATOR 1 pm.= (pm.tiers, pm.tiers),
  FUNCTION 1 pm.tiers_hash(pm.tiers);

------------------------------------------------------------------------------
-- Scalar margin math (spec section 2)
------------------------------------------------------------------------------

CREATE FUNCTION pm.tiered(amount pg_catalog.numeric, schedule pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_tiered'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.tiered(pg_catalog.numeric, pm.tiers) IS
  'marginal sum of a schedule at amount >= 0, like tax brackets: sum of rate_k over each tier''s share of amount';

CREATE FUNCTION pm.collateral_value(value_usd pg_catalog.numeric, schedule pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_collateral_value'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.collateral_value(pg_catalog.numeric, pm.tiers) IS
  'collateral value in USD: a liability (value <= 0) in full, an asset weighed by its tiered collateral rates';

CREATE FUNCTION pm.um_unrealized_pnl(qty pg_catalog.numeric, entry_price pg_catalog.numeric,
                                     mark_price pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_um_unrealized_pnl'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.um_unrealized_pnl(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric) IS
  'USD-M (linear) unrealized PnL in the settle asset: qty * (mark - entry); qty is signed, long > 0';

CREATE FUNCTION pm.cm_unrealized_pnl(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                                     entry_price pg_catalog.numeric, mark_price pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_cm_unrealized_pnl'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_unrealized_pnl(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric) IS
  'COIN-M (inverse) unrealized PnL in coin: contracts * contract_size * (1/entry - 1/mark), '
  'rounded once to at least 20 significant digits';

CREATE FUNCTION pm.um_maint_margin(qty pg_catalog.numeric, mark_price pg_catalog.numeric,
                                   brackets pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_um_maint_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.um_maint_margin(pg_catalog.numeric, pg_catalog.numeric, pm.tiers) IS
  'USD-M maintenance margin in the settle asset: tiered(|qty| * mark, brackets)';

CREATE FUNCTION pm.cm_maint_margin(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                                   mark_price pg_catalog.numeric, brackets pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_cm_maint_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_maint_margin(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pm.tiers) IS
  'COIN-M maintenance margin in coin: tiered(|contracts| * contract_size / mark, brackets) with brackets in coin, '
  'bracket chosen exactly, rounded once to at least 20 significant digits';

CREATE FUNCTION pm.loan_maint_margin(borrowed pg_catalog.numeric, interest pg_catalog.numeric,
                                     loan_mmr pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_loan_maint_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.loan_maint_margin(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric) IS
  'cross-margin loan maintenance margin in the asset''s units: (borrowed + interest) * loan MMR of the chosen leverage';
