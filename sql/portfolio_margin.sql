-- portfolio_margin: Binance-style portfolio-margin risk, computed exactly in
-- numeric inside PostgreSQL.
--
-- This is the whole SQL surface of the current version, one object after
-- another, grouped by concern.  The Makefile copies it to
-- portfolio_margin--VERSION.sql; existing databases move forward through the
-- upgrade scripts portfolio_margin--A--B.sql, and test/upgrade_check.sh
-- checks that both ways give the same objects.  Every reference is
-- schema-qualified, so that nothing in a caller's search_path can change
-- what these definitions mean.

\echo Use "CREATE EXTENSION portfolio_margin" to load this file. \quit


------------------------------------------------------------------------------
-- The schema and the roles
------------------------------------------------------------------------------

-- The extension owns its schema: DROP EXTENSION removes it, and an existing
-- schema of that name (possibly holding someone else's objects) is an error.
CREATE SCHEMA pm;
COMMENT ON SCHEMA pm IS
  'portfolio_margin: Binance-style portfolio-margin risk computed exactly in numeric';

-- The roles (cluster-wide: created once, kept when the extension is dropped)
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

-- What each role may read and write: see Privileges, below.
GRANT USAGE ON SCHEMA pm TO pm_reader;


------------------------------------------------------------------------------
-- Helpers: numbers, messages, JSON input
------------------------------------------------------------------------------

-- The one division rule: every quotient of the extension is rounded so.
CREATE FUNCTION pm.div(pg_catalog.numeric, pg_catalog.numeric) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_div_sql'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.div(numeric, numeric) IS
  'a / b rounded half away from zero to at least 20 significant digits: the extension''s one division rule';

-- For CHECK constraints: numeric NaN and infinities are refused everywhere.
CREATE FUNCTION pm.finite(pg_catalog.numeric) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_finite'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.finite(numeric) IS
  'true unless NaN or infinite; for CHECK constraints that must work on every PostgreSQL version';

-- Amounts the engine can value exactly, line by line: a table takes no value
-- (1e-15000, say) that would make a view of its rows fail for every reader
CREATE FUNCTION pm.in_range(VARIADIC amounts pg_catalog.numeric[]) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_in_range' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.in_range(VARIADIC amounts numeric[]) IS
  'true when every amount (NULLs aside) is finite, below 1e40 in magnitude and has at most 40 digits after the point (trailing zeros aside); for CHECK constraints';

-- A value as an error message may show it: at most 64 characters.
CREATE FUNCTION pm.excerpt(value pg_catalog.text) RETURNS pg_catalog.text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE WHEN pg_catalog.length($1) OPERATOR(pg_catalog.<=) 64 THEN $1
              ELSE pg_catalog.left($1, 64) OPERATOR(pg_catalog.||) '...' END
$$;
COMMENT ON FUNCTION pm.excerpt(value text) IS
  'the value as error messages show it: its first 64 characters, and ... when there are more';

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
COMMENT ON FUNCTION pm.json_numeric(value jsonb, what text) IS
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
COMMENT ON FUNCTION pm.json_text(value jsonb, what text) IS
  'a JSON string as text (NULL for null); an error naming what otherwise';


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
  'marginal rate schedule: floor:rate pairs, first floor 0, floors strictly increasing, last tier unbounded; tier k covers (floor_k, floor_k+1]; used for collateral tiers and futures maintenance-margin brackets';

CREATE FUNCTION pm.tiers(floors pg_catalog.numeric[], rates pg_catalog.numeric[])
  RETURNS pm.tiers
  AS 'MODULE_PATHNAME', 'pm_tiers_make'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.tiers(floors numeric[], rates numeric[]) IS
  'schedule from parallel arrays of floors and rates';

CREATE FUNCTION pm.tiers_from_binance(answer pg_catalog.jsonb) RETURNS pm.tiers
  AS 'MODULE_PATHNAME', 'pm_tiers_from_binance'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.tiers_from_binance(answer jsonb) IS
  'schedule from Binance''s answer for one symbol or asset: USD-M (notionalFloor) or COIN-M (qtyFloor) leverage brackets, or PM Pro tiered collateral (collateralInfo/tierFloor); checks Binance''s cum';

CREATE FUNCTION pm.floors(schedule pm.tiers) RETURNS pg_catalog.numeric[]
  AS 'MODULE_PATHNAME', 'pm_tiers_floors'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.floors(schedule pm.tiers) IS
  'floor of each tier, in order';

CREATE FUNCTION pm.rates(schedule pm.tiers) RETURNS pg_catalog.numeric[]
  AS 'MODULE_PATHNAME', 'pm_tiers_rates'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.rates(schedule pm.tiers) IS
  'rate of each tier, in order';

CREATE FUNCTION pm.cum(schedule pm.tiers) RETURNS pg_catalog.numeric[]
  AS 'MODULE_PATHNAME', 'pm_tiers_cum'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cum(schedule pm.tiers) IS
  'cum of each tier, so that tiered(x) = x * rate_j - cum_j: Binance''s cum for brackets, the negative of Binance''s cum for collateral tiers';

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
COMMENT ON FUNCTION pm.tiers_table(schedule pm.tiers, OUT tier integer, OUT floor numeric, OUT cap numeric, OUT rate numeric, OUT cum numeric) IS
  'one row per tier: number, floor, cap (NULL for the last, unbounded tier), rate and cum';

-- A schedule's marginal sum, its inverse, and the tier holding an amount.
CREATE FUNCTION pm.tiered(amount pg_catalog.numeric, schedule pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_tiered'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.tiered(amount numeric, schedule pm.tiers) IS
  'marginal sum of a schedule at amount >= 0, like tax brackets: sum of rate_k over each tier''s share of amount';

-- The inverse keeps its promise although its division rounds: it is the
-- quotient rounded to 20 significant digits, or one unit of that 20th digit
-- more when the rounded quotient falls short (tiered(x) below the target):
-- the smallest 20-digit value that reaches the target.  pm.max_withdraw
-- relies on it: it steps its answer down by units of the answer's own 20th
-- digit, far finer than such a shortfall when the asset's value is much
-- larger than the withdrawal (the randomized beyond-the-exchange test found
-- it, seed 10507065: 0.0009 ETH out of an account holding 0.39).
CREATE FUNCTION pm.tiered_inverse(target pg_catalog.numeric, schedule pm.tiers)
  RETURNS pg_catalog.numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE WHEN pm.tiered(q.x, $2) OPERATOR(pg_catalog.>=) $1 THEN q.x
              -- 1e(k - 19) for x = d.ddd...e(k): one unit of its 20th digit, exactly
              ELSE q.x OPERATOR(pg_catalog.+)
                   ('1e' OPERATOR(pg_catalog.||)
                    (pg_catalog.floor(pg_catalog.log(q.x)) OPERATOR(pg_catalog.-) 19)::pg_catalog.int4::pg_catalog.text
                   )::pg_catalog.numeric
         END
    FROM (SELECT pm.div($1 OPERATOR(pg_catalog.+) t.cum, t.rate) AS x
            FROM pm.tiers_table($2) t
           WHERE t.rate OPERATOR(pg_catalog.>) 0
             AND (t.cap IS NULL OR pm.tiered(t.cap, $2) OPERATOR(pg_catalog.>=) $1)
           ORDER BY t.tier
           LIMIT 1) q
$$;
COMMENT ON FUNCTION pm.tiered_inverse(target numeric, schedule pm.tiers) IS
  'smallest amount whose tiered value reaches target (> 0); NULL if none does';

CREATE FUNCTION pm.tier_of(amount pg_catalog.numeric, schedule pm.tiers)
  RETURNS pg_catalog.int4
  AS 'MODULE_PATHNAME', 'pm_tier_of'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.tier_of(amount numeric, schedule pm.tiers) IS
  'number (from 1) of the tier holding amount; tier k covers (floor_k, floor_k+1]';

CREATE FUNCTION pm.collateral_value(value_usd pg_catalog.numeric, schedule pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_collateral_value'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.collateral_value(value_usd numeric, schedule pm.tiers) IS
  'collateral value in USD: a liability (value <= 0) in full, an asset weighed by its tiered collateral rates';

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
-- Scalar margin formulas
------------------------------------------------------------------------------

CREATE FUNCTION pm.um_unrealized_pnl(qty pg_catalog.numeric, entry_price pg_catalog.numeric,
                                     mark_price pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_um_unrealized_pnl'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.um_unrealized_pnl(qty numeric, entry_price numeric, mark_price numeric) IS
  'USD-M (linear) unrealized PnL in the settle asset: qty * (mark - entry); qty is signed, long > 0';

CREATE FUNCTION pm.cm_unrealized_pnl(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                                     entry_price pg_catalog.numeric, mark_price pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_cm_unrealized_pnl'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_unrealized_pnl(contracts numeric, contract_size numeric, entry_price numeric, mark_price numeric) IS
  'COIN-M (inverse) unrealized PnL in coin: contracts * contract_size * (1/entry - 1/mark), rounded once to at least 20 significant digits';

CREATE FUNCTION pm.um_maint_margin(qty pg_catalog.numeric, mark_price pg_catalog.numeric,
                                   brackets pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_um_maint_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.um_maint_margin(qty numeric, mark_price numeric, brackets pm.tiers) IS
  'USD-M maintenance margin in the settle asset: tiered(|qty| * mark, brackets)';

CREATE FUNCTION pm.cm_maint_margin(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                                   mark_price pg_catalog.numeric, brackets pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_cm_maint_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_maint_margin(contracts numeric, contract_size numeric, mark_price numeric, brackets pm.tiers) IS
  'COIN-M maintenance margin in coin: tiered(|contracts| * contract_size / mark, brackets) with brackets in coin, bracket chosen exactly, rounded once to at least 20 significant digits';

CREATE FUNCTION pm.cm_notional(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                               mark_price pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_cm_notional'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_notional(contracts numeric, contract_size numeric, mark_price numeric) IS
  'COIN-M notional in coin: |contracts| * contract_size / mark';

CREATE FUNCTION pm.cm_bracket(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                              mark_price pg_catalog.numeric, brackets pm.tiers)
  RETURNS pg_catalog.int4
  AS 'MODULE_PATHNAME', 'pm_cm_bracket'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_bracket(contracts numeric, contract_size numeric, mark_price numeric, brackets pm.tiers) IS
  'number (from 1) of the COIN-M bracket holding the coin notional, chosen exactly';

CREATE FUNCTION pm.um_initial_margin(qty pg_catalog.numeric, mark_price pg_catalog.numeric,
                                     leverage pg_catalog.int4)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_um_initial_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.um_initial_margin(qty numeric, mark_price numeric, leverage integer) IS
  'USD-M initial margin in the settle asset: |qty| * mark / leverage';

CREATE FUNCTION pm.cm_initial_margin(contracts pg_catalog.numeric, contract_size pg_catalog.numeric,
                                     mark_price pg_catalog.numeric, leverage pg_catalog.int4)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_cm_initial_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.cm_initial_margin(contracts numeric, contract_size numeric, mark_price numeric, leverage integer) IS
  'COIN-M initial margin in coin: |contracts| * contract_size / mark / leverage';

CREATE FUNCTION pm.loan_maint_margin(borrowed pg_catalog.numeric, interest pg_catalog.numeric,
                                     loan_mmr pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_loan_maint_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.loan_maint_margin(borrowed numeric, interest numeric, loan_mmr numeric) IS
  'cross-margin loan maintenance margin in the asset''s units: (borrowed + interest) * loan MMR of the chosen leverage';

CREATE FUNCTION pm.loan_initial_margin(borrowed pg_catalog.numeric, leverage pg_catalog.int4)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_loan_initial_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.loan_initial_margin(borrowed numeric, leverage integer) IS
  'cross-margin loan initial margin in the asset''s units: borrowed / (leverage - 1)';

CREATE FUNCTION pm.order_open_loss(sell_asset pg_catalog.text, sell_qty pg_catalog.numeric,
                                   sell_price pg_catalog.numeric, sell_collateral pm.tiers,
                                   buy_asset pg_catalog.text, buy_qty pg_catalog.numeric,
                                   buy_price pg_catalog.numeric, buy_collateral pm.tiers)
  RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_order_open_loss'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.order_open_loss(sell_asset text, sell_qty numeric, sell_price numeric, sell_collateral pm.tiers, buy_asset text, buy_qty numeric, buy_price numeric, buy_collateral pm.tiers) IS
  'open loss of a PM margin order in USD: max(0, collateral value given up - collateral value received); a NULL collateral schedule counts 0; a missing price is an error, not NULL';


------------------------------------------------------------------------------
-- pm.margin_summary and the aggregates pm.margin and pm.rollup
------------------------------------------------------------------------------

-- pm.margin_summary: an account's risk picture, per asset; what pm.margin
-- gives and every accessor reads.
CREATE TYPE pm.margin_summary;

CREATE FUNCTION pm.margin_summary_in(pg_catalog.cstring) RETURNS pm.margin_summary
  AS 'MODULE_PATHNAME', 'pm_margin_summary_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_summary_out(pm.margin_summary) RETURNS pg_catalog.cstring
  AS 'MODULE_PATHNAME', 'pm_margin_summary_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_summary_recv(pg_catalog.internal) RETURNS pm.margin_summary
  AS 'MODULE_PATHNAME', 'pm_margin_summary_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_summary_send(pm.margin_summary) RETURNS pg_catalog.bytea
  AS 'MODULE_PATHNAME', 'pm_margin_summary_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE pm.margin_summary (
  INPUT = pm.margin_summary_in,
  OUTPUT = pm.margin_summary_out,
  RECEIVE = pm.margin_summary_recv,
  SEND = pm.margin_summary_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = extended
);
COMMENT ON TYPE pm.margin_summary IS
  'an account''s (or any portfolio''s) risk: per asset the netted equity, margins, open loss, index price and collateral schedule; text form is a JSON array; re-aggregate with pm.rollup';

-- Transitions cost what exact numeric sums, a hash lookup and checks cost:
-- about a hundred times an integer addition.  Saying so lets the planner
-- see that aggregating in parallel workers pays.
CREATE FUNCTION pm.margin_sfunc(pg_catalog.internal, pg_catalog.text, pg_catalog.numeric,
                                pg_catalog.numeric, pg_catalog.numeric, pm.tiers)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_margin_sfunc'
  LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;

CREATE FUNCTION pm.margin_sfunc(pg_catalog.internal, pg_catalog.text, pg_catalog.numeric,
                                pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                pg_catalog.numeric, pm.tiers)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_margin_sfunc'
  LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;

CREATE FUNCTION pm.rollup_sfunc(pg_catalog.internal, pm.margin_summary)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_rollup_sfunc'
  LANGUAGE C IMMUTABLE PARALLEL SAFE COST 200;

CREATE FUNCTION pm.margin_combine(pg_catalog.internal, pg_catalog.internal)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_margin_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION pm.margin_serialize(pg_catalog.internal) RETURNS pg_catalog.bytea
  AS 'MODULE_PATHNAME', 'pm_margin_serialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_deserialize(pg_catalog.bytea, pg_catalog.internal)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_margin_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.margin_final(pg_catalog.internal) RETURNS pm.margin_summary
  AS 'MODULE_PATHNAME', 'pm_margin_final'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.margin(asset pg_catalog.text, equity pg_catalog.numeric,
                           maint_margin pg_catalog.numeric, index_price pg_catalog.numeric,
                           collateral pm.tiers) (
  SFUNC = pm.margin_sfunc,
  STYPE = pg_catalog.internal,
  FINALFUNC = pm.margin_final,
  COMBINEFUNC = pm.margin_combine,
  SERIALFUNC = pm.margin_serialize,
  DESERIALFUNC = pm.margin_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.margin(asset text, equity numeric, maint_margin numeric, index_price numeric, collateral pm.tiers) IS
  'risk of a set of margin lines (one account): equity and maintenance margin in units of asset, netted per asset before the haircut; collateral NULL = not collateral';

CREATE AGGREGATE pm.margin(asset pg_catalog.text, equity pg_catalog.numeric,
                           maint_margin pg_catalog.numeric, initial_margin pg_catalog.numeric,
                           open_loss pg_catalog.numeric, index_price pg_catalog.numeric,
                           collateral pm.tiers) (
  SFUNC = pm.margin_sfunc,
  STYPE = pg_catalog.internal,
  FINALFUNC = pm.margin_final,
  COMBINEFUNC = pm.margin_combine,
  SERIALFUNC = pm.margin_serialize,
  DESERIALFUNC = pm.margin_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.margin(asset text, equity numeric, maint_margin numeric, initial_margin numeric, open_loss numeric, index_price numeric, collateral pm.tiers) IS
  'risk of a set of margin lines (one account): equity and margins in units of asset, open loss in USD, netted per asset before the haircut; collateral NULL = not collateral';

CREATE AGGREGATE pm.rollup(pm.margin_summary) (
  SFUNC = pm.rollup_sfunc,
  STYPE = pg_catalog.internal,
  FINALFUNC = pm.margin_final,
  COMBINEFUNC = pm.margin_combine,
  SERIALFUNC = pm.margin_serialize,
  DESERIALFUNC = pm.margin_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.rollup(pm.margin_summary) IS
  'merge summaries as if their lines were one portfolio (assets netted before the haircut)';

-- What a summary says, field by field.
CREATE FUNCTION pm.uni_mmr(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_uni_mmr'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.uni_mmr(summary pm.margin_summary) IS
  'unified maintenance margin ratio: adjusted equity / maintenance margin, at least 20 significant digits; NULL when there is no maintenance margin';

CREATE FUNCTION pm.account_equity(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_account_equity'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.account_equity(summary pm.margin_summary) IS
  'collateral-weighted equity in USD (Binance accountEquity): debts in full, assets after their tiered haircut';

CREATE FUNCTION pm.actual_equity(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_actual_equity'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.actual_equity(summary pm.margin_summary) IS
  'equity in USD without haircuts (Binance actualEquity)';

CREATE FUNCTION pm.adjusted_equity(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_adjusted_equity'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.adjusted_equity(summary pm.margin_summary) IS
  'account equity less open-order loss, USD: the numerator of uniMMR';

CREATE FUNCTION pm.maint_margin(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_maint_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.maint_margin(summary pm.margin_summary) IS
  'maintenance margin in USD (Binance accountMaintMargin)';

CREATE FUNCTION pm.initial_margin(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_initial_margin'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.initial_margin(summary pm.margin_summary) IS
  'initial margin in USD (Binance accountInitialMargin), reported, never enforced';

CREATE FUNCTION pm.open_loss(summary pm.margin_summary) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_summary_open_loss'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.open_loss(summary pm.margin_summary) IS
  'open-order loss in USD (Binance totalMarginOpenLoss)';

CREATE FUNCTION pm.assets(summary pm.margin_summary,
    OUT asset pg_catalog.text, OUT equity pg_catalog.numeric, OUT index_price pg_catalog.numeric,
    OUT value_usd pg_catalog.numeric, OUT collateral_value_usd pg_catalog.numeric,
    OUT maint_margin pg_catalog.numeric, OUT maint_margin_usd pg_catalog.numeric,
    OUT initial_margin_usd pg_catalog.numeric, OUT open_loss_usd pg_catalog.numeric)
  RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'pm_summary_assets'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION pm.assets(summary pm.margin_summary, OUT asset text, OUT equity numeric, OUT index_price numeric, OUT value_usd numeric, OUT collateral_value_usd numeric, OUT maint_margin numeric, OUT maint_margin_usd numeric, OUT initial_margin_usd numeric, OUT open_loss_usd numeric) IS
  'one row per asset, in name order, explaining a summary''s totals';


------------------------------------------------------------------------------
-- The reference schema: accounts, balances, positions, orders, prices
------------------------------------------------------------------------------

-- The tables hold what Binance's portfolio-margin API exposes, one row per
-- account, balance, position and open order, and the prices and terms they
-- are valued at.  Loan MMRs first: an account's leverage refers to them.
CREATE TABLE pm.loan_mmr (
  leverage pg_catalog.int4 PRIMARY KEY
    CONSTRAINT loan_leverage_at_least_2 CHECK (leverage >= 2),
  mmr pg_catalog.numeric NOT NULL
    CONSTRAINT loan_mmr_between_0_and_1 CHECK (pm.finite(mmr) AND mmr >= 0 AND mmr <= 1)
);
COMMENT ON TABLE pm.loan_mmr IS
  'maintenance margin rate of cross-margin loans by the account''s chosen leverage (classic table: 3x 0.10, 5x 0.08, 10x 0.05); inserting an existing leverage replaces its rate';
COMMENT ON COLUMN pm.loan_mmr.leverage IS 'cross-margin leverage an account can choose';
COMMENT ON COLUMN pm.loan_mmr.mmr IS 'maintenance margin rate on (borrowed + interest) at that leverage';

INSERT INTO pm.loan_mmr (leverage, mmr) VALUES (3, 0.10), (5, 0.08), (10, 0.05);

-- Shipped rows and pg_dump.  The dump holds every row of these tables and a
-- restore first runs this script, which inserts the shipped rows again; so
-- inserting a row whose key exists replaces it, and ladder rows are never
-- deleted.  That way a restore reproduces every edit exactly.
CREATE FUNCTION pm.loan_mmr_replace() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE pm.loan_mmr SET mmr = NEW.mmr WHERE leverage = NEW.leverage;
  IF FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.loan_mmr_replace() FROM PUBLIC;

CREATE TRIGGER loan_mmr_replace BEFORE INSERT ON pm.loan_mmr
  FOR EACH ROW EXECUTE FUNCTION pm.loan_mmr_replace();
ALTER TABLE pm.loan_mmr ENABLE ALWAYS TRIGGER loan_mmr_replace;

CREATE TABLE pm.account (
  account_id pg_catalog.int8 PRIMARY KEY,
  program pg_catalog.text NOT NULL
    CONSTRAINT account_program_pm_or_pm_pro CHECK (program IN ('PM', 'PM_PRO')),
  loan_leverage pg_catalog.int4 NOT NULL DEFAULT 3
    CONSTRAINT account_loan_leverage_in_loan_mmr REFERENCES pm.loan_mmr (leverage)
);
COMMENT ON TABLE pm.account IS
  'portfolio-margin accounts';
COMMENT ON COLUMN pm.account.account_id IS 'account identifier';
COMMENT ON COLUMN pm.account.program IS 'PM (portfolio margin, API PM_2) or PM_PRO (classic portfolio margin, API PM_1)';
COMMENT ON COLUMN pm.account.loan_leverage IS 'chosen cross-margin leverage; selects the loan MMR in pm.loan_mmr';
ALTER TABLE pm.account ENABLE ROW LEVEL SECURITY;

CREATE TABLE pm.asset (
  asset pg_catalog.text PRIMARY KEY
    CONSTRAINT asset_name_1_to_255_bytes CHECK (pg_catalog.octet_length(asset) BETWEEN 1 AND 255),
  index_price pg_catalog.numeric
    CONSTRAINT asset_index_price_positive_finite CHECK (pm.finite(index_price) AND index_price > 0),
  CONSTRAINT asset_index_price_in_range CHECK (pm.in_range(index_price))
);
COMMENT ON TABLE pm.asset IS
  'assets and their index prices in USD';
COMMENT ON COLUMN pm.asset.asset IS 'asset code, e.g. BTC, USDT';
COMMENT ON COLUMN pm.asset.index_price IS 'index price in USD; NULL while unknown (an account holding the asset then cannot be valued)';

CREATE TABLE pm.collateral (
  program pg_catalog.text NOT NULL
    CONSTRAINT collateral_program_pm_or_pm_pro CHECK (program IN ('PM', 'PM_PRO')),
  asset pg_catalog.text NOT NULL
    CONSTRAINT collateral_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE ON DELETE CASCADE,
  schedule pm.tiers NOT NULL
    CONSTRAINT collateral_rates_at_most_1 CHECK (pm.collateral_value(0, schedule) = 0),
  PRIMARY KEY (program, asset),
  CONSTRAINT collateral_pm_rate_is_flat
    CHECK (program = 'PM_PRO' OR pg_catalog.array_length(pm.floors(schedule), 1) = 1)
);
COMMENT ON TABLE pm.collateral IS
  'collateral schedules by program: PM_PRO tiered by USD value, PM one flat rate; an asset without a row is not collateral';
COMMENT ON COLUMN pm.collateral.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.collateral.asset IS 'asset the schedule weighs';
COMMENT ON COLUMN pm.collateral.schedule IS 'marginal collateral rates by USD value (floor:rate, rates at most 1)';

CREATE TABLE pm.symbol (
  symbol pg_catalog.text PRIMARY KEY,
  market pg_catalog.text NOT NULL
    CONSTRAINT symbol_market_um_or_cm CHECK (market IN ('UM', 'CM')),
  base_asset pg_catalog.text NOT NULL
    CONSTRAINT symbol_base_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  settle_asset pg_catalog.text NOT NULL
    CONSTRAINT symbol_settle_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  contract_size pg_catalog.numeric,
  mark_price pg_catalog.numeric NOT NULL
    CONSTRAINT symbol_mark_price_positive_finite CHECK (pm.finite(mark_price) AND mark_price > 0),
  brackets pm.tiers NOT NULL,
  position_limit pg_catalog.numeric
    CONSTRAINT symbol_position_limit_positive_finite
    CHECK (position_limit IS NULL OR (pm.finite(position_limit) AND position_limit > 0)),
  CONSTRAINT symbol_contract_size_only_for_cm
    CHECK ((market = 'UM' AND contract_size IS NULL)
           OR (market = 'CM' AND contract_size IS NOT NULL AND pm.finite(contract_size)
               AND contract_size > 0)),
  CONSTRAINT symbol_cm_settles_in_base_asset
    CHECK (market = 'UM' OR settle_asset = base_asset),
  CONSTRAINT symbol_prices_in_range CHECK (pm.in_range(mark_price, contract_size))
);
COMMENT ON TABLE pm.symbol IS
  'futures contracts: USD-M (UM, linear) and COIN-M (CM, inverse)';
COMMENT ON COLUMN pm.symbol.symbol IS 'contract symbol, e.g. BTCUSDT or BTCUSD_PERP';
COMMENT ON COLUMN pm.symbol.market IS 'UM (USD-M, linear, settled in the quote asset) or CM (COIN-M, inverse, settled in the base coin)';
COMMENT ON COLUMN pm.symbol.base_asset IS 'underlying asset; a price move of this asset moves the mark price';
COMMENT ON COLUMN pm.symbol.settle_asset IS 'asset PnL and margin are paid in (USDT for UM, the base coin for CM)';
COMMENT ON COLUMN pm.symbol.contract_size IS 'CM only: USD face value of one contract (100 for BTC, usually 10 for others)';
COMMENT ON COLUMN pm.symbol.mark_price IS 'mark price in the quote currency';
COMMENT ON COLUMN pm.symbol.brackets IS 'maintenance-margin brackets: floors in notional (UM: quote units, CM: coin) and MMRs';
COMMENT ON COLUMN pm.symbol.position_limit IS 'the largest notional a position may hold (UM: quote units, CM: coin), Binance''s last bracket cap; NULL for none (pm.position_over_limit)';

CREATE TABLE pm.balance (
  account_id pg_catalog.int8 NOT NULL
    CONSTRAINT balance_account_known REFERENCES pm.account (account_id) ON DELETE CASCADE,
  asset pg_catalog.text NOT NULL
    CONSTRAINT balance_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  cross_free pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cross_free_not_negative CHECK (pm.finite(cross_free) AND cross_free >= 0),
  cross_locked pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cross_locked_not_negative CHECK (pm.finite(cross_locked) AND cross_locked >= 0),
  cross_borrowed pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cross_borrowed_not_negative CHECK (pm.finite(cross_borrowed) AND cross_borrowed >= 0),
  cross_interest pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cross_interest_not_negative CHECK (pm.finite(cross_interest) AND cross_interest >= 0),
  um_wallet pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_um_wallet_finite CHECK (pm.finite(um_wallet)),
  cm_wallet pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT balance_cm_wallet_finite CHECK (pm.finite(cm_wallet)),
  PRIMARY KEY (account_id, asset),
  CONSTRAINT balance_amounts_in_range
    CHECK (pm.in_range(cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet))
);
COMMENT ON TABLE pm.balance IS
  'balances per account and asset, the fields of GET /papi/v1/balance, in units of the asset';
COMMENT ON COLUMN pm.balance.account_id IS 'account';
COMMENT ON COLUMN pm.balance.asset IS 'asset';
COMMENT ON COLUMN pm.balance.cross_free IS 'cross margin: free balance (crossMarginFree)';
COMMENT ON COLUMN pm.balance.cross_locked IS 'cross margin: balance locked in orders (crossMarginLocked)';
COMMENT ON COLUMN pm.balance.cross_borrowed IS 'cross margin: loan principal (crossMarginBorrowed)';
COMMENT ON COLUMN pm.balance.cross_interest IS 'cross margin: accrued loan interest (crossMarginInterest)';
COMMENT ON COLUMN pm.balance.um_wallet IS 'USD-M futures wallet balance (umWalletBalance), may be negative';
COMMENT ON COLUMN pm.balance.cm_wallet IS 'COIN-M futures wallet balance (cmWalletBalance), may be negative';
ALTER TABLE pm.balance ENABLE ROW LEVEL SECURITY;

CREATE TABLE pm.position (
  account_id pg_catalog.int8 NOT NULL
    CONSTRAINT position_account_known REFERENCES pm.account (account_id) ON DELETE CASCADE,
  symbol pg_catalog.text NOT NULL
    CONSTRAINT position_symbol_known REFERENCES pm.symbol (symbol) ON UPDATE CASCADE,
  side pg_catalog.text NOT NULL DEFAULT 'BOTH'
    CONSTRAINT position_side_both_long_short CHECK (side IN ('BOTH', 'LONG', 'SHORT')),
  qty pg_catalog.numeric NOT NULL
    CONSTRAINT position_qty_finite CHECK (pm.finite(qty)),
  entry_price pg_catalog.numeric NOT NULL
    CONSTRAINT position_entry_price_positive_finite CHECK (pm.finite(entry_price) AND entry_price > 0),
  leverage pg_catalog.int4 NOT NULL DEFAULT 20
    CONSTRAINT position_leverage_1_to_125 CHECK (leverage BETWEEN 1 AND 125),
  PRIMARY KEY (account_id, symbol, side),
  CONSTRAINT position_qty_sign_matches_side
    CHECK (side = 'BOTH' OR (side = 'LONG' AND qty >= 0) OR (side = 'SHORT' AND qty <= 0)),
  CONSTRAINT position_amounts_in_range CHECK (pm.in_range(qty, entry_price))
);
COMMENT ON TABLE pm.position IS
  'futures positions (GET /papi/v1/um/positionRisk and /cm/positionRisk)';
COMMENT ON COLUMN pm."position".account_id IS 'account';
COMMENT ON COLUMN pm."position".symbol IS 'contract';
COMMENT ON COLUMN pm."position".side IS 'BOTH in one-way mode; LONG or SHORT in hedge mode';
COMMENT ON COLUMN pm."position".qty IS 'signed size, long > 0: base units for UM, contracts for CM';
COMMENT ON COLUMN pm."position".entry_price IS 'average entry price';
COMMENT ON COLUMN pm."position".leverage IS 'position leverage, for the reported initial margin';
ALTER TABLE pm.position ENABLE ROW LEVEL SECURITY;

CREATE TABLE pm.open_order (
  account_id pg_catalog.int8 NOT NULL
    CONSTRAINT open_order_account_known REFERENCES pm.account (account_id) ON DELETE CASCADE,
  order_id pg_catalog.int8 NOT NULL,
  sell_asset pg_catalog.text NOT NULL
    CONSTRAINT open_order_sell_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  sell_qty pg_catalog.numeric NOT NULL
    CONSTRAINT open_order_sell_qty_positive_finite CHECK (pm.finite(sell_qty) AND sell_qty > 0),
  buy_asset pg_catalog.text NOT NULL
    CONSTRAINT open_order_buy_asset_known REFERENCES pm.asset (asset) ON UPDATE CASCADE,
  buy_qty pg_catalog.numeric NOT NULL
    CONSTRAINT open_order_buy_qty_positive_finite CHECK (pm.finite(buy_qty) AND buy_qty > 0),
  PRIMARY KEY (account_id, order_id),
  CONSTRAINT open_order_two_different_assets CHECK (sell_asset <> buy_asset),
  CONSTRAINT open_order_amounts_in_range CHECK (pm.in_range(sell_qty, buy_qty))
);
COMMENT ON TABLE pm.open_order IS
  'open cross-margin orders; their open loss counts for PM accounts only (PM_PRO has none)';
COMMENT ON COLUMN pm.open_order.account_id IS 'account';
COMMENT ON COLUMN pm.open_order.order_id IS 'order identifier, unique per account';
COMMENT ON COLUMN pm.open_order.sell_asset IS 'asset the order gives up';
COMMENT ON COLUMN pm.open_order.sell_qty IS 'quantity given up';
COMMENT ON COLUMN pm.open_order.buy_asset IS 'asset the order receives';
COMMENT ON COLUMN pm.open_order.buy_qty IS 'quantity received at the limit price';
ALTER TABLE pm.open_order ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('pm.account', '');
SELECT pg_catalog.pg_extension_config_dump('pm.asset', '');
SELECT pg_catalog.pg_extension_config_dump('pm.collateral', '');
SELECT pg_catalog.pg_extension_config_dump('pm.symbol', '');
SELECT pg_catalog.pg_extension_config_dump('pm.balance', '');
SELECT pg_catalog.pg_extension_config_dump('pm.position', '');
SELECT pg_catalog.pg_extension_config_dump('pm.open_order', '');

-- Lookups the views make by something other than a primary key.
CREATE INDEX position_symbol_idx ON pm.position (symbol);

CREATE INDEX open_order_sell_asset_idx ON pm.open_order (sell_asset);

-- Who holds what, for price changes
CREATE INDEX balance_asset_idx ON pm.balance (asset);

CREATE INDEX open_order_buy_asset_idx ON pm.open_order (buy_asset);


------------------------------------------------------------------------------
-- Statuses: the ladder of uniMMR bands
------------------------------------------------------------------------------

CREATE TABLE pm.status_threshold (
  program pg_catalog.text NOT NULL
    CONSTRAINT status_threshold_program_pm_or_pm_pro CHECK (program IN ('PM', 'PM_PRO')),
  status pg_catalog.text NOT NULL
    CONSTRAINT status_threshold_known_status
    CHECK (status IN ('NORMAL', 'MARGIN_CALL', 'SUPPLY_MARGIN', 'REDUCE_ONLY',
                      'ACTIVE_LIQUIDATION', 'FORCE_LIQUIDATION')),
  uni_mmr_above pg_catalog.numeric
    CONSTRAINT status_threshold_positive_finite CHECK (pm.finite(uni_mmr_above) AND uni_mmr_above > 0),
  enabled pg_catalog.bool NOT NULL DEFAULT true,
  exit_buffer pg_catalog.numeric NOT NULL DEFAULT 0
    CONSTRAINT status_threshold_exit_buffer_not_negative CHECK (pm.finite(exit_buffer) AND exit_buffer >= 0),
  PRIMARY KEY (program, status)
);
COMMENT ON TABLE pm.status_threshold IS
  'account status ladder per program (spec section 3), editable: a band holds uniMMR > uni_mmr_above, the riskiest band has no threshold; switch a band off with enabled = false (rows cannot be deleted, so pg_dump keeps every edit)';
COMMENT ON COLUMN pm.status_threshold.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.status_threshold.status IS 'status reported for the band (Binance accountStatus)';
COMMENT ON COLUMN pm.status_threshold.uni_mmr_above IS 'the band holds uniMMR strictly above this; NULL for the riskiest (bottom) band';
COMMENT ON COLUMN pm.status_threshold.enabled IS 'whether the band is part of the ladder';
COMMENT ON COLUMN pm.status_threshold.exit_buffer IS 'hysteresis: an account leaves this band for a safer one only when uniMMR clears the threshold by this much (default 0)';

INSERT INTO pm.status_threshold (program, status, uni_mmr_above, enabled) VALUES
  ('PM_PRO', 'NORMAL', 1.50, true),
  ('PM_PRO', 'MARGIN_CALL', 1.20, true),
  ('PM_PRO', 'SUPPLY_MARGIN', NULL, false),
  ('PM_PRO', 'REDUCE_ONLY', 1.05, true),
  ('PM_PRO', 'ACTIVE_LIQUIDATION', 1.00, true),
  ('PM_PRO', 'FORCE_LIQUIDATION', NULL, true),
  ('PM', 'NORMAL', 1.20, true),
  ('PM', 'MARGIN_CALL', NULL, false),
  ('PM', 'SUPPLY_MARGIN', NULL, false),
  ('PM', 'REDUCE_ONLY', 1.05, true),
  ('PM', 'ACTIVE_LIQUIDATION', NULL, true),
  ('PM', 'FORCE_LIQUIDATION', NULL, false);
SELECT pg_catalog.pg_extension_config_dump('pm.loan_mmr', '');
SELECT pg_catalog.pg_extension_config_dump('pm.status_threshold', '');

CREATE FUNCTION pm.status_threshold_replace() RETURNS trigger
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
REVOKE EXECUTE ON FUNCTION pm.status_threshold_replace() FROM PUBLIC;

CREATE TRIGGER status_threshold_replace BEFORE INSERT ON pm.status_threshold
  FOR EACH ROW EXECUTE FUNCTION pm.status_threshold_replace();
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER status_threshold_replace;

CREATE FUNCTION pm.status_threshold_keep() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'bands of the status ladder cannot be deleted'
    USING ERRCODE = 'restrict_violation',
          HINT = 'Set enabled = false to take a band out of the ladder.';
END
$$;
REVOKE EXECUTE ON FUNCTION pm.status_threshold_keep() FROM PUBLIC;

CREATE TRIGGER status_threshold_keep BEFORE DELETE ON pm.status_threshold
  FOR EACH ROW EXECUTE FUNCTION pm.status_threshold_keep();
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER status_threshold_keep;

CREATE TRIGGER status_threshold_keep_truncate BEFORE TRUNCATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.status_threshold_keep();
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER status_threshold_keep_truncate;

-- After any change, each program's ladder must still be a ladder.
CREATE FUNCTION pm.status_threshold_check() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p text;
  bottoms int;
  dup numeric;
  top text;
BEGIN
  FOR p IN SELECT DISTINCT t.program FROM pm.status_threshold t LOOP
    SELECT count(*) INTO bottoms FROM pm.status_threshold t
     WHERE t.program = p AND t.enabled AND t.uni_mmr_above IS NULL;
    IF bottoms <> 1 THEN
      RAISE EXCEPTION 'the status ladder of % needs exactly one enabled band without a threshold', p
        USING ERRCODE = 'check_violation',
              DETAIL = format('It has %s.', bottoms),
              HINT = 'The riskiest band has uni_mmr_above NULL; every other enabled band needs a threshold.';
    END IF;
    SELECT t.uni_mmr_above INTO dup FROM pm.status_threshold t
     WHERE t.program = p AND t.enabled AND t.uni_mmr_above IS NOT NULL
     GROUP BY t.uni_mmr_above HAVING count(*) > 1 LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'the status ladder of % has two bands above %', p, dup
        USING ERRCODE = 'check_violation';
    END IF;
    SELECT t.status INTO top FROM pm.status_threshold t
     WHERE t.program = p AND t.enabled
     ORDER BY t.uni_mmr_above DESC NULLS LAST LIMIT 1;
    IF top IS DISTINCT FROM 'NORMAL' THEN
      RAISE EXCEPTION 'the top band of the status ladder of % must be NORMAL', p
        USING ERRCODE = 'check_violation',
              DETAIL = format('It is %s.', coalesce(top, 'missing'));
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.status_threshold_check() FROM PUBLIC;

CREATE TRIGGER status_threshold_check AFTER INSERT OR UPDATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.status_threshold_check();
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER status_threshold_check;

CREATE FUNCTION pm.status(summary pm.margin_summary, program pg_catalog.text) RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_summary_status'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.status(summary pm.margin_summary, program text) IS
  'account status by the program''s ladder in pm.status_threshold (a ratio on a threshold is in the riskier band); without maintenance margin NORMAL, or ACTIVE_LIQUIDATION when adjusted equity is negative';

CREATE FUNCTION pm.status(summary pm.margin_summary, program pg_catalog.text, previous pg_catalog.text)
  RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_summary_status_from'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.status(summary pm.margin_summary, program text, previous text) IS
  'account status with hysteresis: leaving the previous status for a safer one needs uniMMR above the threshold by that band''s exit_buffer; NULL previous means none';

CREATE FUNCTION pm.status(uni_mmr pg_catalog.numeric, adjusted_equity pg_catalog.numeric,
                          program pg_catalog.text, previous pg_catalog.text)
  RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_value_status'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.status(uni_mmr numeric, adjusted_equity numeric, program text, previous text) IS
  'account status from stored values (uni_mmr NULL: no maintenance margin), with hysteresis against previous';

-- uniMMR at or below which an account of the program leaves NORMAL (the
-- margin-call threshold: 1.5 in PM_PRO, 1.2 in PM by default).
CREATE FUNCTION pm.margin_call_threshold(program pg_catalog.text) RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT t.uni_mmr_above FROM pm.status_threshold t
   WHERE t.program OPERATOR(pg_catalog.=) $1 AND t.status OPERATOR(pg_catalog.=) 'NORMAL'
$$;
COMMENT ON FUNCTION pm.margin_call_threshold(program text) IS
  'uniMMR at or below which an account of the program is no longer NORMAL (from pm.status_threshold)';

-- pm.account_risk's fields from a summary: NULL, not 0, for an account
-- that cannot be valued (whose summary is NULL).
CREATE FUNCTION pm.risk_of(program pg_catalog.text, summary pm.margin_summary)
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
COMMENT ON FUNCTION pm.risk_of(program text, summary pm.margin_summary) IS
  'the fields of pm.account_risk (rounded to 8 decimals) from a program and a summary';


------------------------------------------------------------------------------
-- Access rules: which accounts a role sees
------------------------------------------------------------------------------

CREATE TABLE pm.account_access (
  grantee pg_catalog.regrole NOT NULL,
  accounts pg_catalog.int8range NOT NULL DEFAULT '(,)',
  CONSTRAINT account_access_pkey PRIMARY KEY (grantee, accounts)
);
COMMENT ON TABLE pm.account_access IS
  'who may see which accounts: a role that has the rights of a grantee sees only the accounts its rules grant (the union); a role no rule names sees every account.  Read by the extension''s policies, kept by pg_dump';
COMMENT ON COLUMN pm.account_access.grantee IS 'a role; it and every role that inherits its rights are restricted to the accounts of its rules';
COMMENT ON COLUMN pm.account_access.accounts IS 'the account ids granted, e.g. ''[1,100]''; ''(,)'' for every account, ''empty'' for none';
ALTER TABLE pm.account_access ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('pm.account_access', '');

-- The visibility test, per row of every policy below: from a per-session
-- cache of the current role's rules, not a query.
CREATE FUNCTION pm.account_visible(account_id pg_catalog.int8) RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_account_visible' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.account_visible(account_id bigint) IS
  'whether the current role may see the account, by the rules of pm.account_access';

CREATE FUNCTION pm.account_access_changed() RETURNS trigger
  AS 'MODULE_PATHNAME', 'pm_account_access_changed' LANGUAGE C;
COMMENT ON FUNCTION pm.account_access_changed() IS
  'statement trigger on pm.account_access: every session reads the rules again';
REVOKE EXECUTE ON FUNCTION pm.account_access_changed() FROM PUBLIC;

CREATE TRIGGER account_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_access
  FOR EACH STATEMENT EXECUTE FUNCTION pm.account_access_changed();

CREATE POLICY own_rules ON pm.account_access FOR SELECT
  USING (pg_catalog.pg_has_role(grantee, 'USAGE'));

CREATE POLICY account_access ON pm.account USING (pm.account_visible(account_id));

CREATE POLICY account_access ON pm.balance USING (pm.account_visible(account_id));

CREATE POLICY account_access ON pm.position USING (pm.account_visible(account_id));

CREATE POLICY account_access ON pm.open_order USING (pm.account_visible(account_id));

-- An account that does not exist, or that the caller may not see, is an
-- error naming it -- the same error either way -- in every function that
-- takes an account id
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
COMMENT ON FUNCTION pm.check_account(account_id bigint) IS
  'the account''s program; an error (SQLSTATE 42704) when the account does not exist or the caller may not see it';

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
-- The book on shards: a coordinator's partitions of the shards' rows
------------------------------------------------------------------------------

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


------------------------------------------------------------------------------
-- Ledger rows and the aggregates over them
------------------------------------------------------------------------------

-- An account's raw rows as pm.account_ledger reads them (what
-- pm.account_margin aggregates; what stress and what-if add rows to).
CREATE VIEW pm.ledger_row AS
SELECT a.account_id, 'a'::pg_catalog."char" AS kind, a.program AS key, NULL::pg_catalog.text AS key2,
       NULL::pg_catalog.numeric AS a, NULL::pg_catalog.numeric AS b, NULL::pg_catalog.numeric AS c,
       NULL::pg_catalog.numeric AS d, NULL::pg_catalog.numeric AS e, NULL::pg_catalog.numeric AS f,
       a.loan_leverage AS n
  FROM pm.account a
UNION ALL
SELECT b.account_id, 'b', b.asset, NULL, b.cross_free, b.cross_locked, b.cross_borrowed,
       b.cross_interest, b.um_wallet, b.cm_wallet, NULL
  FROM pm.balance b
UNION ALL
SELECT p.account_id, 'p', p.symbol, p.side, p.qty, p.entry_price, NULL, NULL, NULL, NULL, p.leverage
  FROM pm.position p
UNION ALL
SELECT o.account_id, 'o', o.sell_asset, o.buy_asset, o.sell_qty, o.buy_qty, NULL, NULL, NULL, NULL, NULL
  FROM pm.open_order o;
COMMENT ON VIEW pm.ledger_row IS
  'every account''s raw rows in the form pm.account_ledger reads: a account, b balance, p position, o open order';
COMMENT ON COLUMN pm.ledger_row.account_id IS 'account';
COMMENT ON COLUMN pm.ledger_row.kind IS 'a account, b balance, p position, o open order';
COMMENT ON COLUMN pm.ledger_row.key IS 'program (a), asset (b), symbol (p), asset sold (o)';
COMMENT ON COLUMN pm.ledger_row.key2 IS 'side (p), asset bought (o)';
COMMENT ON COLUMN pm.ledger_row.a IS 'cross free (b), qty (p), quantity sold (o)';
COMMENT ON COLUMN pm.ledger_row.b IS 'cross locked (b), entry price (p), quantity bought (o)';
COMMENT ON COLUMN pm.ledger_row.c IS 'cross borrowed (b)';
COMMENT ON COLUMN pm.ledger_row.d IS 'cross interest (b)';
COMMENT ON COLUMN pm.ledger_row.e IS 'UM wallet (b)';
COMMENT ON COLUMN pm.ledger_row.f IS 'CM wallet (b)';
COMMENT ON COLUMN pm.ledger_row.n IS 'loan leverage (a), position leverage (p)';

CREATE TYPE pm.ledger_risk AS (
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
);
COMMENT ON TYPE pm.ledger_risk IS
  'an account''s program and the risk fields of pm.account_risk, as pm.account_ledger_risk returns them, and why it cannot be valued (then the fields are NULL)';

-- Answers the planner nothing, but loads the library while a query with a
-- ledger aggregate is planned, so the ledger merge node's planner hook is
-- there for a session's first such query (src/ledger_merge_plan.c).
CREATE FUNCTION pm.ledger_sfunc_support(pg_catalog.internal) RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_sfunc_support'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.ledger_sfunc_support(internal) IS
  'planner support of the ledger aggregates'' transitions: answers no request; calling it loads the library, and with it the ledger merge node, before the grouping is planned';

-- Transition, deserialize and final read the reference tables (STABLE).
CREATE FUNCTION pm.ledger_sfunc(pg_catalog.internal, pg_catalog."char", pg_catalog.text, pg_catalog.text,
                                pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                pg_catalog.int4)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_sfunc'
  LANGUAGE C STABLE PARALLEL SAFE COST 10
  SUPPORT pm.ledger_sfunc_support;

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

-- SSPACE is a planner hint, not a size (an account's state is about 4 kB):
-- pm.ledger_row is a UNION ALL view without statistics, so the planner
-- assumes 200 groups, and with the default state size it picks a hash
-- aggregate that spills nearly every row at 200,000 accounts.  Declared at
-- 1 MB, the hash table it expects exceeds any work_mem up to 64 MB and it
-- picks the sorted plan (GroupAggregate over a Merge Append of the tables'
-- primary keys), which keeps one account's state in memory at a time.
CREATE AGGREGATE pm.account_ledger(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                   a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                   d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                   n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s summary from its raw rows, by kind: ''a'' account (key program, n loan leverage), ''b'' balance (key asset, a..f the six balance fields), ''p'' position (key symbol, a qty, b entry, n leverage), ''o'' order (key sell asset, key2 buy asset, a sell qty, b buy qty); equal to pm.margin over pm.margin_line';

-- Reads the status ladder and, if the state has none, the reference tables.
CREATE FUNCTION pm.ledger_risk_final(pg_catalog.internal) RETURNS pm.ledger_risk
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_final'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- SSPACE as pm.account_ledger's, for the same reason: the sorted plan.
CREATE AGGREGATE pm.account_ledger_risk(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                        a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                        d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                        n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger_risk(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s program and pm.account_risk fields from its raw rows (the rows of pm.account_ledger); equal to pm.risk_of over pm.account_ledger''s summary';

CREATE FUNCTION pm.ledger_risk_program_final(pg_catalog.internal) RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_program_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_program(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_program_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_program(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s the account''s program, PM or PM_PRO, from its raw rows (the rows of pm.account_ledger): the program field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_uni_mmr_final(pg_catalog.internal) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_uni_mmr_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_uni_mmr(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_uni_mmr_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_uni_mmr(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s uniMMR rounded to 8 decimals, NULL without margin, from its raw rows (the rows of pm.account_ledger): the uni_mmr field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_account_equity_final(pg_catalog.internal) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_account_equity_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_account_equity(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_account_equity_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_account_equity(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s collateral-weighted equity rounded to 8 decimals, from its raw rows (the rows of pm.account_ledger): the account_equity field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_actual_equity_final(pg_catalog.internal) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_actual_equity_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_actual_equity(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_actual_equity_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_actual_equity(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s equity at full value rounded to 8 decimals, from its raw rows (the rows of pm.account_ledger): the actual_equity field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_account_initial_margin_final(pg_catalog.internal) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_initial_margin_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_account_initial_margin(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_account_initial_margin_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_account_initial_margin(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s initial margin rounded to 8 decimals, from its raw rows (the rows of pm.account_ledger): the account_initial_margin field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_account_maint_margin_final(pg_catalog.internal) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_maint_margin_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_account_maint_margin(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_account_maint_margin_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_account_maint_margin(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s maintenance margin rounded to 8 decimals, from its raw rows (the rows of pm.account_ledger): the account_maint_margin field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_account_status_final(pg_catalog.internal) RETURNS pg_catalog.text
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_status_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_account_status(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_account_status_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_account_status(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s the status pm.status gives, from its raw rows (the rows of pm.account_ledger): the account_status field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_virtual_max_withdraw_amount_final(pg_catalog.internal) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_withdraw_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_virtual_max_withdraw_amount(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_virtual_max_withdraw_amount_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_virtual_max_withdraw_amount(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s greatest(account equity - 1.2 maintenance margin, 0) rounded to 8 decimals, from its raw rows (the rows of pm.account_ledger): the virtual_max_withdraw_amount field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_total_available_balance_final(pg_catalog.internal) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_available_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_total_available_balance(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_total_available_balance_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_total_available_balance(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s account equity - initial margin rounded to 8 decimals, from its raw rows (the rows of pm.account_ledger): the total_available_balance field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

CREATE FUNCTION pm.ledger_risk_total_margin_open_loss_final(pg_catalog.internal) RETURNS pg_catalog.numeric
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_open_loss_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE pm.ledger_risk_total_margin_open_loss(
  kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
  n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_total_margin_open_loss_final,
  FINALFUNC_MODIFY = SHAREABLE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_risk_total_margin_open_loss(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s open-order loss rounded to 8 decimals, from its raw rows (the rows of pm.account_ledger): the total_margin_open_loss field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

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
COMMENT ON AGGREGATE pm.ledger_risk_error(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'why an account cannot be valued (a missing price, say), from its raw rows, or NULL: the error field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over the same rows in one query share one transition state';

-- Ledger entries: a ledger row without its account, built by constructors
-- whose arguments are named for what they are, so that risk over one's own
-- tables reads as it means.  The constructors are plain SQL (no SET, no
-- STRICT) so that the planner inlines them into a row expression, which
-- the ledger merge node reads column by column without forming the entry.
CREATE TYPE pm.ledger_entry AS (
  kind pg_catalog."char",
  key pg_catalog.text,
  key2 pg_catalog.text,
  a pg_catalog.numeric,
  b pg_catalog.numeric,
  c pg_catalog.numeric,
  d pg_catalog.numeric,
  e pg_catalog.numeric,
  f pg_catalog.numeric,
  n pg_catalog.int4
);
COMMENT ON TYPE pm.ledger_entry IS
  'one ledger row without its account (the columns of pm.ledger_row but account_id), as pm.account_entry, pm.balance_entry, pm.position_entry and pm.order_entry build it; pm.account_ledger_risk and pm.account_ledger take it';
COMMENT ON COLUMN pm.ledger_entry.kind IS 'a account, b balance, p position, o open order';
COMMENT ON COLUMN pm.ledger_entry.key IS 'program (a), asset (b), symbol (p), asset sold (o)';
COMMENT ON COLUMN pm.ledger_entry.key2 IS 'asset bought (o)';
COMMENT ON COLUMN pm.ledger_entry.a IS 'cross free (b), qty (p), quantity sold (o)';
COMMENT ON COLUMN pm.ledger_entry.b IS 'cross locked (b), entry price (p), quantity bought (o)';
COMMENT ON COLUMN pm.ledger_entry.c IS 'cross borrowed (b)';
COMMENT ON COLUMN pm.ledger_entry.d IS 'cross interest (b)';
COMMENT ON COLUMN pm.ledger_entry.e IS 'UM wallet (b)';
COMMENT ON COLUMN pm.ledger_entry.f IS 'CM wallet (b)';
COMMENT ON COLUMN pm.ledger_entry.n IS 'loan leverage (a), position leverage (p)';

CREATE FUNCTION pm.account_entry(program pg_catalog.text, loan_leverage pg_catalog.int4 DEFAULT 3)
  RETURNS pm.ledger_entry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW('a'::pg_catalog."char", $1, NULL::pg_catalog.text,
             NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
             NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
             $2)::pm.ledger_entry
$$;
COMMENT ON FUNCTION pm.account_entry(program text, loan_leverage integer) IS
  'the ledger entry of an account: its program (PM or PM_PRO) and loan leverage (a row of pm.loan_mmr), as pm.account holds them';

CREATE FUNCTION pm.balance_entry(asset pg_catalog.text,
                                 cross_free pg_catalog.numeric DEFAULT 0,
                                 cross_locked pg_catalog.numeric DEFAULT 0,
                                 cross_borrowed pg_catalog.numeric DEFAULT 0,
                                 cross_interest pg_catalog.numeric DEFAULT 0,
                                 um_wallet pg_catalog.numeric DEFAULT 0,
                                 cm_wallet pg_catalog.numeric DEFAULT 0)
  RETURNS pm.ledger_entry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW('b'::pg_catalog."char", $1, NULL::pg_catalog.text, $2, $3, $4, $5, $6, $7,
             NULL::pg_catalog.int4)::pm.ledger_entry
$$;
COMMENT ON FUNCTION pm.balance_entry(asset text, cross_free numeric, cross_locked numeric, cross_borrowed numeric, cross_interest numeric, um_wallet numeric, cm_wallet numeric) IS
  'the ledger entry of a balance: one asset''s six amounts, as pm.balance holds them (the four cross amounts zero or more; amounts left out are 0)';

CREATE FUNCTION pm.position_entry(symbol pg_catalog.text, qty pg_catalog.numeric,
                                  entry_price pg_catalog.numeric, leverage pg_catalog.int4 DEFAULT 20)
  RETURNS pm.ledger_entry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW('p'::pg_catalog."char", $1, NULL::pg_catalog.text, $2, $3,
             NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
             NULL::pg_catalog.numeric, $4)::pm.ledger_entry
$$;
COMMENT ON FUNCTION pm.position_entry(symbol text, qty numeric, entry_price numeric, leverage integer) IS
  'the ledger entry of a futures position: a symbol of pm.symbol, the signed quantity in contracts (negative short), the entry price (positive) and the leverage (1 to 125), as pm.position holds them';

CREATE FUNCTION pm.order_entry(sell_asset pg_catalog.text, sell_qty pg_catalog.numeric,
                               buy_asset pg_catalog.text, buy_qty pg_catalog.numeric)
  RETURNS pm.ledger_entry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW('o'::pg_catalog."char", $1, $3, $2, $4,
             NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
             NULL::pg_catalog.numeric, NULL::pg_catalog.int4)::pm.ledger_entry
$$;
COMMENT ON FUNCTION pm.order_entry(sell_asset text, sell_qty numeric, buy_asset text, buy_qty numeric) IS
  'the ledger entry of an open margin order: what it sells and what it buys, both quantities positive, as pm.open_order holds them (PM counts its open loss)';

-- Reads the reference tables, as pm.ledger_sfunc does.
CREATE FUNCTION pm.ledger_entry_sfunc(pg_catalog.internal, pm.ledger_entry)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_entry_sfunc'
  LANGUAGE C STABLE PARALLEL SAFE COST 10
  SUPPORT pm.ledger_sfunc_support;

-- SSPACE, a planner hint as pm.account_ledger's, is larger here: over
-- one's own tables (a UNION ALL without statistics, estimated at 200
-- accounts) the planner with workers allowed picked a partial hash
-- aggregate per worker, which spilled 321 batches and took 2,762 ms where
-- the serial plan took 1,873 ms at 200,000 accounts.  Declared at 64 MB,
-- the hash table it expects is far beyond memory, and it plans the sorted
-- paths: the ledger merge node, or a partial aggregate over sorted input.
CREATE AGGREGATE pm.account_ledger_risk(entry pm.ledger_entry) (
  SFUNC = pm.ledger_entry_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 67108864,
  FINALFUNC = pm.ledger_risk_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger_risk(entry pm.ledger_entry) IS
  'an account''s program and pm.account_risk fields from its ledger entries (group by account; a NULL entry is no row); what pm.account_ledger_risk gives over the same rows of pm.ledger_row';

-- SSPACE as pm.account_ledger_risk's over entries.
CREATE AGGREGATE pm.account_ledger(entry pm.ledger_entry) (
  SFUNC = pm.ledger_entry_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 67108864,
  FINALFUNC = pm.ledger_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger(entry pm.ledger_entry) IS
  'an account''s summary from its ledger entries (group by account; a NULL entry is no row); what pm.account_ledger gives over the same rows of pm.ledger_row';

-- The totals: an aggregate over pm.ledger_row, their summary, their revaluation
CREATE FUNCTION pm.ledger_totals_sfunc(pg_catalog.internal, pg_catalog."char", pg_catalog.text, pg_catalog.text,
                                       pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                       pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                       pg_catalog.int4)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_totals_sfunc'
  LANGUAGE C STABLE PARALLEL SAFE COST 100;

CREATE FUNCTION pm.ledger_totals_deserialize(pg_catalog.bytea, pg_catalog.internal)
  RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_ledger_totals_deserialize'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.ledger_totals_final(pg_catalog.internal) RETURNS pg_catalog.bytea
  AS 'MODULE_PATHNAME', 'pm_ledger_totals_final'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- Combine and serialize are pm.account_ledger's: the state is the same, with
-- the kept positions appended.
CREATE AGGREGATE pm.ledger_totals(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                  n pg_catalog.int4) (
  SFUNC = pm.ledger_totals_sfunc,
  STYPE = pg_catalog.internal,
  FINALFUNC = pm.ledger_totals_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_totals_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_totals(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s ledger totals from its pm.ledger_row rows: exact per-asset sums of balances, loans and open orders, and its positions as they are (what pm.account_state keeps so that ticks need not read the rows)';

CREATE FUNCTION pm.ledger_totals_summary(totals pg_catalog.bytea) RETURNS pm.margin_summary
  AS 'MODULE_PATHNAME', 'pm_ledger_totals_summary'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.ledger_totals_summary(totals bytea) IS
  'the account summary of ledger totals at the current prices, schedules and marks (equal to pm.account_margin''s)';

CREATE FUNCTION pm.ledger_totals_values(totals pg_catalog.bytea,
                                        OUT uni_mmr pg_catalog.numeric, OUT account_equity pg_catalog.numeric,
                                        OUT adjusted_equity pg_catalog.numeric, OUT maint_margin pg_catalog.numeric)
  AS 'MODULE_PATHNAME', 'pm_ledger_totals_values'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.ledger_totals_values(totals bytea, OUT uni_mmr numeric, OUT account_equity numeric, OUT adjusted_equity numeric, OUT maint_margin numeric) IS
  'what pm.account_state stores for ledger totals at the current reference data: the totals of pm.ledger_totals_summary, without laying out the summary';

-- Position changes: swap the positions in the totals
CREATE FUNCTION pm.ledger_totals_with_positions(totals pg_catalog.bytea, account_id pg_catalog.int8,
                                                removed pm.position[], added pm.position[])
  RETURNS pg_catalog.bytea
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pm_ledger_totals_with_positions';
COMMENT ON FUNCTION pm.ledger_totals_with_positions(totals bytea, account_id bigint, removed pm."position"[], added pm."position"[]) IS
  'an account''s ledger totals with its removed positions taken out and its added ones put in (what a from-scratch recompute writes after that change of pm.position; rows of other accounts are passed over); NULL when a removed position is not in the totals';

-- Functions about one account that cannot be valued say why, as an error
-- (pm.check_valued(account_id, at) with at NULL, in the history section).
CREATE FUNCTION pm.check_valued(account_id pg_catalog.int8) RETURNS pg_catalog.bool
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN pm.check_valued(check_valued.account_id, NULL);
END
$$;
COMMENT ON FUNCTION pm.check_valued(account_id bigint) IS
  'true, or an error (SQLSTATE 22000) saying why the account cannot be valued';


------------------------------------------------------------------------------
-- The risk views
------------------------------------------------------------------------------

-- Every margin line of every account, as pm.margin takes it.  Each branch
-- joins its own price and collateral schedule, so the view is one flat
-- UNION ALL of joins that the planner can run in parallel workers.
CREATE VIEW pm.margin_line AS
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
COMMENT ON VIEW pm.margin_line IS
  'every margin line of every account as pm.margin takes it: balances, positions and (PM) open orders';
COMMENT ON COLUMN pm.margin_line.account_id IS 'account';
COMMENT ON COLUMN pm.margin_line.program IS 'account''s program, PM or PM_PRO';
COMMENT ON COLUMN pm.margin_line.source IS 'balance, position or open_order';
COMMENT ON COLUMN pm.margin_line.asset IS 'asset the line is in: the balance''s asset, the position''s settle asset, the order''s sell asset';
COMMENT ON COLUMN pm.margin_line.symbol IS 'contract of a position line';
COMMENT ON COLUMN pm.margin_line.equity IS 'equity in units of asset: wallet balances less loans, or unrealized PnL';
COMMENT ON COLUMN pm.margin_line.maint_margin IS 'maintenance margin in units of asset';
COMMENT ON COLUMN pm.margin_line.initial_margin IS 'initial margin in units of asset';
COMMENT ON COLUMN pm.margin_line.open_loss IS 'open-order loss in USD';
COMMENT ON COLUMN pm.margin_line.index_price IS 'index price of asset in USD';
COMMENT ON COLUMN pm.margin_line.collateral IS 'collateral schedule of asset in the account''s program; NULL if not collateral';

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

CREATE VIEW pm.position_risk AS
SELECT l.account_id, l.symbol, l.market, l.side, l.qty, l.entry_price, l.mark_price, l.leverage,
       l.settle_asset, l.notional, l.unrealized_pnl, l.maint_margin, l.bracket, l.bracket_rate,
       l.initial_margin
  FROM pm.position_risk_local l
UNION ALL
SELECT r.account_id, r.symbol, r.market, r.side, r.qty, r.entry_price, r.mark_price, r.leverage,
       r.settle_asset, r.notional, r.unrealized_pnl, r.maint_margin, r.bracket, r.bracket_rate,
       r.initial_margin
  FROM pm.position_risk_remote r;
COMMENT ON VIEW pm.position_risk IS
  'per position: notional, unrealized PnL, maintenance margin with the bracket it fell in, and initial margin, all in the settle asset (exact)';
COMMENT ON COLUMN pm.position_risk.account_id IS 'account';
COMMENT ON COLUMN pm.position_risk.symbol IS 'contract';
COMMENT ON COLUMN pm.position_risk.market IS 'UM or CM';
COMMENT ON COLUMN pm.position_risk.side IS 'BOTH, LONG or SHORT';
COMMENT ON COLUMN pm.position_risk.qty IS 'signed size: base units (UM) or contracts (CM)';
COMMENT ON COLUMN pm.position_risk.entry_price IS 'average entry price';
COMMENT ON COLUMN pm.position_risk.mark_price IS 'mark price';
COMMENT ON COLUMN pm.position_risk.leverage IS 'position leverage';
COMMENT ON COLUMN pm.position_risk.settle_asset IS 'asset of notional, PnL and margins';
COMMENT ON COLUMN pm.position_risk.notional IS 'position notional in the settle asset: |qty| x mark (UM), |contracts| x size / mark (CM)';
COMMENT ON COLUMN pm.position_risk.unrealized_pnl IS 'unrealized PnL in the settle asset';
COMMENT ON COLUMN pm.position_risk.maint_margin IS 'maintenance margin in the settle asset';
COMMENT ON COLUMN pm.position_risk.bracket IS 'maintenance-margin bracket (from 1) the notional fell in';
COMMENT ON COLUMN pm.position_risk.bracket_rate IS 'maintenance margin rate of that bracket (marginal)';
COMMENT ON COLUMN pm.position_risk.initial_margin IS 'initial margin in the settle asset: notional / leverage';

-- pm.account_risk in two account ranges, so a parallel plan divides the
-- work.
--
-- One GroupAggregate over a Merge Append of the four ledger tables' primary
-- keys reads each account's rows together.  PostgreSQL has no ordered
-- partial append, so a parallel plan of it could only deal each table's
-- blocks to the workers: an account's balances and positions would land in
-- different workers, and the leader alone would combine and finalize the
-- partial states.  The view is therefore a UNION ALL of two such
-- GroupAggregates, one for the accounts below pm.account_risk_split() and
-- one for the rest.  The planner runs them as a Parallel Append of
-- non-partial children: each range goes whole to one process.  Measured on
-- 200,000 accounts (two cores), a whole-book query takes ~0.58x the serial
-- time with two workers allowed.
--
-- The ranges are complementary whatever the split is; the split only
-- balances them.  It is the middle of pm.account's smallest and largest id
-- under the query's snapshot, folded into a constant when the query is
-- planned (a planner support function), so every process of one query
-- uses the same value and a query for one account excludes the other
-- range at plan time.  See src/risk_split.c.
--
-- The price is in single-account reads through the view: the planner plans
-- both ranges (one of them empty).  pm.account_risk_of(account_id) reads one
-- account with a plan the session keeps.
CREATE FUNCTION pm.account_risk_split_support(pg_catalog.internal) RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_account_risk_split_support' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.account_risk_split() RETURNS pg_catalog.int8
  AS 'MODULE_PATHNAME', 'pm_account_risk_split' LANGUAGE C STABLE PARALLEL SAFE
  SUPPORT pm.account_risk_split_support;
COMMENT ON FUNCTION pm.account_risk_split() IS
  'the account id at which pm.account_risk''s two ranges meet: the middle of pm.account''s smallest and largest account_id under the query''s snapshot, folded into a constant when a query is planned; the smallest int8 (all accounts in the upper range) when the caller may not read account_id or the transaction is serializable';

-- No second range where no parallel plan can run.  A query that cannot run
-- in parallel -- workers off, a cursor, an INSERT ... SELECT -- would pay
-- for two ranges and gain nothing: two GroupAggregates, two JIT compiles,
-- and a key test on every index tuple (~3% of the whole-book time at
-- 200,000 accounts).  So each range's qual is pm.account_risk_range(
-- account_id, upper): its planner support function turns it into
-- account_id < split or account_id >= split when the query may run in
-- parallel, and into false (lower) and true (upper) when it may not; the
-- lower range is then an empty Result (One-Time Filter: false).  See
-- src/risk_split.c.
CREATE FUNCTION pm.account_risk_range_support(pg_catalog.internal) RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_account_risk_range_support' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.account_risk_range(account_id pg_catalog.int8, upper pg_catalog.bool)
  RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_account_risk_range' LANGUAGE C STABLE STRICT PARALLEL SAFE
  SUPPORT pm.account_risk_range_support;
COMMENT ON FUNCTION pm.account_risk_range(account_id bigint, upper boolean) IS
  'whether account_id is in pm.account_risk''s upper range (from pm.account_risk_split() on) or, upper false, in the lower; when a query is planned, the comparison with the split as a constant, or false and true (one range of every account) when the query cannot run in parallel';

CREATE VIEW pm.account_risk AS
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
COMMENT ON VIEW pm.account_risk IS
  'per account, what GET /papi/v1/account answers (amounts rounded to 8 decimals, as Binance prints them; pm.account_margin.summary has them exact), in two ranges of account ids that a parallel plan runs side by side: below pm.account_risk_split() and from it on; one range when the query cannot run in parallel (pm.account_risk_range)';
COMMENT ON COLUMN pm.account_risk.account_id IS 'account';
COMMENT ON COLUMN pm.account_risk.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.account_risk.uni_mmr IS 'unified maintenance margin ratio (uniMMR); NULL without maintenance margin';
COMMENT ON COLUMN pm.account_risk.account_equity IS 'collateral-weighted equity, USD (accountEquity)';
COMMENT ON COLUMN pm.account_risk.actual_equity IS 'equity without haircuts, USD (actualEquity)';
COMMENT ON COLUMN pm.account_risk.account_initial_margin IS 'initial margin, USD (accountInitialMargin)';
COMMENT ON COLUMN pm.account_risk.account_maint_margin IS 'maintenance margin, USD (accountMaintMargin)';
COMMENT ON COLUMN pm.account_risk.account_status IS 'NORMAL, MARGIN_CALL, REDUCE_ONLY, ACTIVE_LIQUIDATION or FORCE_LIQUIDATION (accountStatus)';
COMMENT ON COLUMN pm.account_risk.virtual_max_withdraw_amount IS 'max(account equity - 1.2 x maintenance margin, 0), USD (virtualMaxWithdrawAmount)';
COMMENT ON COLUMN pm.account_risk.total_available_balance IS 'account equity - initial margin, USD (totalAvailableBalance)';
COMMENT ON COLUMN pm.account_risk.total_margin_open_loss IS 'open-order loss, USD (totalMarginOpenLoss); 0 for PM_PRO';
COMMENT ON COLUMN pm.account_risk.error IS 'why the account cannot be valued (a missing price, a value out of range), or NULL; when set, every other column but account_id and program is NULL';

CREATE FUNCTION pm.account_risk_of(account_id pg_catalog.int8) RETURNS SETOF pm.account_risk
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

-- The summary of an account that cannot be valued is NULL; error says why
-- (read again for that account only).
CREATE VIEW pm.account_margin AS
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
COMMENT ON VIEW pm.account_margin IS
  'each account''s exact risk summary, from its rows in one pass (pm.account_ledger; equal to pm.margin over pm.margin_line); read it with pm.uni_mmr(summary), pm.assets(summary), ...';
COMMENT ON COLUMN pm.account_margin.account_id IS 'account';
COMMENT ON COLUMN pm.account_margin.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.account_margin.summary IS 'exact risk summary (pm.margin_summary)';
COMMENT ON COLUMN pm.account_margin.error IS 'why the account cannot be valued, or NULL; when set, summary is NULL';

-- An account that cannot be valued: one row, asset NULL, and why.
CREATE VIEW pm.asset_equity AS
SELECT m.account_id, a.asset, a.equity, a.index_price, a.value_usd, a.collateral_value_usd,
       a.maint_margin, a.maint_margin_usd, a.initial_margin_usd, a.open_loss_usd, m.error
  FROM pm.account_margin m
  LEFT JOIN LATERAL pm.assets(m.summary)
         AS a(asset, equity, index_price, value_usd, collateral_value_usd, maint_margin,
              maint_margin_usd, initial_margin_usd, open_loss_usd) ON true;
COMMENT ON VIEW pm.asset_equity IS
  'per account and asset, how the account''s totals arise: equity netted across wallets, its USD value, collateral value and margins (exact)';
COMMENT ON COLUMN pm.asset_equity.account_id IS 'account';
COMMENT ON COLUMN pm.asset_equity.asset IS 'asset';
COMMENT ON COLUMN pm.asset_equity.equity IS 'equity in units of asset, netted across cross margin, USD-M and COIN-M wallets and PnL';
COMMENT ON COLUMN pm.asset_equity.index_price IS 'index price, USD';
COMMENT ON COLUMN pm.asset_equity.value_usd IS 'equity x index price, USD';
COMMENT ON COLUMN pm.asset_equity.collateral_value_usd IS 'what the value counts for as collateral, USD (a debt in full)';
COMMENT ON COLUMN pm.asset_equity.maint_margin IS 'maintenance margin in units of asset';
COMMENT ON COLUMN pm.asset_equity.maint_margin_usd IS 'maintenance margin, USD';
COMMENT ON COLUMN pm.asset_equity.initial_margin_usd IS 'initial margin, USD';
COMMENT ON COLUMN pm.asset_equity.open_loss_usd IS 'open-order loss of orders selling this asset, USD';
COMMENT ON COLUMN pm.asset_equity.error IS 'why the account cannot be valued, or NULL; an account that cannot be valued has one row, its asset NULL';


------------------------------------------------------------------------------
-- Stress scenarios
------------------------------------------------------------------------------

CREATE TABLE pm.scenario (
  scenario pg_catalog.text NOT NULL
    CONSTRAINT scenario_name_1_to_255_bytes CHECK (pg_catalog.octet_length(scenario) BETWEEN 1 AND 255),
  asset pg_catalog.text NOT NULL
    CONSTRAINT scenario_asset_1_to_255_bytes CHECK (pg_catalog.octet_length(asset) BETWEEN 1 AND 255),
  price_shock pg_catalog.numeric NOT NULL
    CONSTRAINT scenario_price_shock_above_minus_1 CHECK (pm.finite(price_shock) AND price_shock > -1),
  collateral pm.tiers
    CONSTRAINT scenario_collateral_rates_at_most_1 CHECK (pm.collateral_value(0, collateral) = 0),
  builtin pg_catalog.bool NOT NULL DEFAULT false,
  PRIMARY KEY (scenario, asset),
  CONSTRAINT scenario_price_shock_in_range CHECK (pm.in_range(price_shock))
);
COMMENT ON TABLE pm.scenario IS
  'stress scenarios: each row moves one asset''s index price and the marks of symbols based on it by price_shock (relative: -0.2 is a 20% fall), optionally with another collateral schedule; asset * moves every asset the scenario does not list';
COMMENT ON COLUMN pm.scenario.scenario IS 'scenario name';
COMMENT ON COLUMN pm.scenario.asset IS 'asset moved, or * for every asset the scenario does not list';
COMMENT ON COLUMN pm.scenario.price_shock IS 'relative move of the index price and of the marks based on the asset, above -1';
COMMENT ON COLUMN pm.scenario.collateral IS 'collateral schedule replacing the asset''s in the scenario; NULL keeps it';
COMMENT ON COLUMN pm.scenario.builtin IS 'shipped with the extension: readable by all, changed only by its owner (pg_dump keeps the owner''s edits)';
ALTER TABLE pm.scenario ENABLE ROW LEVEL SECURITY;

-- Built in: +-5/10/20/30/50% on each major asset; all crypto down 30% with
-- stablecoins flat; a USDT de-peg.
INSERT INTO pm.scenario (scenario, asset, price_shock, builtin)
SELECT a.asset || ' ' || CASE WHEN s.shock > 0 THEN '+' ELSE '' END
       || (s.shock * 100)::pg_catalog.int4 || '%', a.asset, s.shock, true
  FROM (VALUES ('BTC'), ('ETH'), ('BNB'), ('SOL'), ('XRP')) a(asset),
       (VALUES (-0.5), (-0.3), (-0.2), (-0.1), (-0.05), (0.05), (0.1), (0.2), (0.3), (0.5)) s(shock);

INSERT INTO pm.scenario (scenario, asset, price_shock, builtin)
SELECT 'crypto -30%', a.asset, CASE WHEN a.asset = '*' THEN -0.3 ELSE 0 END, true
  FROM (VALUES ('*'), ('USDT'), ('USDC'), ('FDUSD'), ('TUSD'), ('DAI'), ('USDP')) a(asset);

INSERT INTO pm.scenario (scenario, asset, price_shock, builtin)
VALUES ('USDT de-peg -10%', 'USDT', -0.1, true);
SELECT pg_catalog.pg_extension_config_dump('pm.scenario', '');

CREATE POLICY every_scenario ON pm.scenario FOR SELECT USING (true);

CREATE POLICY writer_own_scenarios ON pm.scenario TO pm_writer
  USING (NOT builtin) WITH CHECK (NOT builtin);

-- pm.account_risk's row of an account under a scenario, from the same
-- aggregates as the view (scenario rows first), its error included: from
-- its rows at a moment (now when at is NULL), with the reference data as
-- of portfolio_margin.as_of.  pm.stress and pm.stress_at call it.
CREATE FUNCTION pm.stress_at_or_now(account_id pg_catalog.int8, scenario pg_catalog.text,
                                    at pg_catalog.timestamptz)
  RETURNS pm.account_risk
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  result pm.account_risk;
BEGIN
  IF NOT EXISTS (SELECT FROM pm.scenario s WHERE s.scenario = stress_at_or_now.scenario) THEN
    RAISE EXCEPTION 'scenario "%" does not exist', pm.excerpt(stress_at_or_now.scenario)
      USING ERRCODE = 'undefined_object', HINT = 'The scenarios are the rows of pm.scenario.';
  END IF;
  SELECT stress_at_or_now.account_id,
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
            FROM pm.ledger_row_of(stress_at_or_now.account_id, at) l
          UNION ALL
          SELECT 's', s.asset, s.collateral::text, s.price_shock, NULL, NULL, NULL, NULL, NULL, NULL
            FROM pm.scenario s WHERE s.scenario = stress_at_or_now.scenario) r;
  -- no account row: an account that does not exist (then), or that the
  -- caller may not see
  IF result.program IS NULL THEN
    PERFORM pm.check_account(stress_at_or_now.account_id, at);
  END IF;
  RETURN result;
END
$$;
COMMENT ON FUNCTION pm.stress_at_or_now(account_id bigint, scenario text, at timestamptz) IS
  'pm.stress from the account''s rows at a moment (now when at is NULL) and the reference data as of portfolio_margin.as_of (pm.stress and pm.stress_at call it)';

CREATE FUNCTION pm.stress(account_id pg_catalog.int8, scenario pg_catalog.text)
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

-- The whole grid from one read of each account's rows (src/ledger_stress.c):
-- pm.ledger_stress keeps an account's ledger as pm.ledger_totals does and
-- values it once per scenario, each time as pm.stress does, giving the
-- rows in the order of pm.stress_scenarios(); a scenario that moves none of
-- the account's assets gives its row without a scenario, valued once.
CREATE FUNCTION pm.stress_scenarios() RETURNS pg_catalog.text[]
  AS 'MODULE_PATHNAME', 'pm_stress_scenarios'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.stress_scenarios() IS
  'the names of the scenarios of pm.scenario in the order of pm.ledger_stress''s elements (by name, in the "C" collation)';

-- Reads pm.scenario and the reference tables (STABLE).
CREATE FUNCTION pm.ledger_stress_final(pg_catalog.internal) RETURNS pm.ledger_risk[]
  AS 'MODULE_PATHNAME', 'pm_ledger_stress_final'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.ledger_stress_final(internal) IS
  'final of pm.ledger_stress: the account''s pm.ledger_risk under each scenario, in the order of pm.stress_scenarios()';

-- The state, transition, combine and serialization are pm.ledger_totals':
-- balances and orders as parsed, positions kept as they are.  SSPACE as in
-- pm.account_ledger: a hint that keeps the grouping sorted.
CREATE AGGREGATE pm.ledger_stress(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                  a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                  d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                  n pg_catalog.int4) (
  SFUNC = pm.ledger_totals_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_stress_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_totals_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_stress(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s pm.ledger_risk under every scenario of pm.scenario, from one read of its ledger rows, in the order of pm.stress_scenarios()';

-- Every account under every scenario; an account that cannot be valued
-- under a scenario has NULL fields and error says why.  In the two ranges
-- of pm.account_risk, so that a parallel plan values each in a process of
-- its own.
CREATE VIEW pm.stress_result AS
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
COMMENT ON VIEW pm.stress_result IS
  'pm.account_risk of every account under every scenario of pm.scenario';
COMMENT ON COLUMN pm.stress_result.account_id IS 'account';
COMMENT ON COLUMN pm.stress_result.scenario IS 'scenario of pm.scenario';
COMMENT ON COLUMN pm.stress_result.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.stress_result.uni_mmr IS 'uniMMR under the scenario';
COMMENT ON COLUMN pm.stress_result.account_equity IS 'collateral-weighted equity under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.actual_equity IS 'equity without haircuts under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.account_initial_margin IS 'initial margin under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.account_maint_margin IS 'maintenance margin under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.account_status IS 'status under the scenario';
COMMENT ON COLUMN pm.stress_result.virtual_max_withdraw_amount IS 'virtualMaxWithdrawAmount under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.total_available_balance IS 'totalAvailableBalance under the scenario, USD';
COMMENT ON COLUMN pm.stress_result.total_margin_open_loss IS 'open-order loss under the scenario (PM), USD';
COMMENT ON COLUMN pm.stress_result.error IS 'why the account cannot be valued under the scenario, or NULL; when set, the other fields are NULL';


------------------------------------------------------------------------------
-- Account state and risk events
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
  error pg_catalog.text,
  ledger_totals pg_catalog.bytea,
  committed_status pg_catalog.text
) WITH (fillfactor = 70);
COMMENT ON TABLE pm.account_state IS
  'every account''s current risk, kept by triggers on the tables that move it (exact values)';
COMMENT ON COLUMN pm.account_state.account_id IS 'account';
COMMENT ON COLUMN pm.account_state.program IS 'PM or PM_PRO';
COMMENT ON COLUMN pm.account_state.uni_mmr IS 'uniMMR, exact to at least 20 significant digits; NULL without maintenance margin';
COMMENT ON COLUMN pm.account_state.account_equity IS 'collateral-weighted equity, USD';
COMMENT ON COLUMN pm.account_state.adjusted_equity IS 'account equity less open-order loss, USD';
COMMENT ON COLUMN pm.account_state.maint_margin IS 'maintenance margin, USD';
COMMENT ON COLUMN pm.account_state.status IS 'status, with the ladder''s hysteresis from committed_status; inside a writing transaction, as of its last statement';
COMMENT ON COLUMN pm.account_state.status_since IS 'when the account entered its committed status (the time of that transaction)';
COMMENT ON COLUMN pm.account_state.updated_at IS 'when these values last changed';
COMMENT ON COLUMN pm.account_state.error IS 'why the account could not be valued at its last change (a missing price, say); its other values are the last good ones';
COMMENT ON COLUMN pm.account_state.ledger_totals IS 'what the values are derived from (pm.ledger_totals): a tick revalues the account from it at the new marks';
COMMENT ON COLUMN pm.account_state.committed_status IS 'status at the last commit, the event log''s last word on the account (NULL before its first); status differs from it only inside a transaction that changed it; hysteresis starts from it';
ALTER TABLE pm.account_state ENABLE ROW LEVEL SECURITY;

CREATE INDEX account_state_error_idx ON pm.account_state (account_id) WHERE error IS NOT NULL;

CREATE POLICY account_access ON pm.account_state FOR SELECT USING (pm.account_visible(account_id));

CREATE TABLE pm.risk_event (
  event_id pg_catalog.int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id pg_catalog.int8 NOT NULL,
  old_status pg_catalog.text,
  new_status pg_catalog.text NOT NULL,
  uni_mmr pg_catalog.numeric,
  adjusted_equity pg_catalog.numeric NOT NULL,
  maint_margin pg_catalog.numeric NOT NULL,
  at pg_catalog.timestamptz NOT NULL,
  program pg_catalog.text,
  xact_id pg_catalog.xid8
);
COMMENT ON TABLE pm.risk_event IS
  'one row per account whose status a committed transaction changed, from its status before to its status at commit; event ids increase in commit order; channel pm_risk announces each such transaction';
COMMENT ON COLUMN pm.risk_event.event_id IS 'event, increasing in commit order';
COMMENT ON COLUMN pm.risk_event.account_id IS 'account';
COMMENT ON COLUMN pm.risk_event.old_status IS 'status before the transaction; NULL when the account was first seen (only risky first statuses are events)';
COMMENT ON COLUMN pm.risk_event.new_status IS 'status at commit';
COMMENT ON COLUMN pm.risk_event.uni_mmr IS 'uniMMR at commit';
COMMENT ON COLUMN pm.risk_event.adjusted_equity IS 'adjusted equity at commit, USD';
COMMENT ON COLUMN pm.risk_event.maint_margin IS 'maintenance margin at commit, USD';
COMMENT ON COLUMN pm.risk_event.at IS 'time of the committing transaction (its now())';
COMMENT ON COLUMN pm.risk_event.program IS 'the account''s program (PM or PM_PRO) then';
COMMENT ON COLUMN pm.risk_event.xact_id IS 'the committing transaction (pg_current_xact_id()), as channel pm_risk names it; NULL before 0.16.0';
ALTER TABLE pm.risk_event ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('pm.account_state', '');
SELECT pg_catalog.pg_extension_config_dump('pm.risk_event', '');
SELECT pg_catalog.pg_extension_config_dump('pm.risk_event_event_id_seq', '');

CREATE INDEX risk_event_account_idx ON pm.risk_event (account_id, event_id);

CREATE INDEX risk_event_xact_idx ON pm.risk_event (xact_id);

CREATE POLICY account_access ON pm.risk_event FOR SELECT USING (pm.account_visible(account_id));

-- Bringing accounts up to date: from scratch, by revaluation, by status

-- Statement by statement the state moves, with hysteresis from the
-- committed status; the events wait for the commit.
CREATE FUNCTION pm.recompute_batch(ids pg_catalog.int8[]) RETURNS pg_catalog.int4
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
COMMENT ON FUNCTION pm.recompute_batch(ids bigint[]) IS
  'recompute these already locked accounts; used by pm.recompute_accounts';
REVOKE EXECUTE ON FUNCTION pm.recompute_batch(ids bigint[]) FROM PUBLIC;

-- An account that cannot be valued keeps the reason; it counts as changed
-- only when the reason is new.
CREATE FUNCTION pm.recompute_accounts(ids pg_catalog.int8[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
  SET portfolio_margin.as_of = ''
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
COMMENT ON FUNCTION pm.recompute_accounts(ids bigint[]) IS
  'recompute these accounts'' pm.account_state, recording and announcing status changes; returns rows changed';
REVOKE EXECUTE ON FUNCTION pm.recompute_accounts(ids bigint[]) FROM PUBLIC;

CREATE FUNCTION pm.revalue_batch(ids pg_catalog.int8[], moved_assets pg_catalog.text[],
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

-- Revalue these accounts after a change of reference data: a symbol's mark,
-- brackets or terms (moved_assets NULL), or the index prices or collateral
-- schedules of moved_assets.  Those that cannot be revalued so are
-- recomputed from scratch.  Returns the number of rows changed.
CREATE FUNCTION pm.revalue_accounts(ids pg_catalog.int8[], moved_assets pg_catalog.text[] DEFAULT NULL)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
AS $$
DECLARE
  changed int4;
  rest int8[];
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN 0;
  END IF;
  BEGIN
    SELECT r.changed, r.rest INTO changed, rest FROM pm.revalue_batch(ids, moved_assets) r;
  EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
    -- from scratch, account by account, keeping the reason for those that fail
    RETURN pm.recompute_accounts(ids);
  END;
  -- no totals yet, an error or no state row: from scratch (the rows are locked)
  RETURN changed + pm.recompute_accounts(rest);
END
$$;
COMMENT ON FUNCTION pm.revalue_accounts(ids bigint[], moved_assets text[]) IS
  'revalue these accounts'' pm.account_state from their ledger totals after a symbol, or the prices or schedules of moved_assets, changed (from scratch where totals cannot serve), recording and announcing status changes; returns rows changed';
REVOKE EXECUTE ON FUNCTION pm.revalue_accounts(ids bigint[], moved_assets text[]) FROM PUBLIC;

-- Price changes waiting for their transaction's commit
--
-- With portfolio_margin.revalue_at = 'commit' a statement that moves marks
-- or index prices does not revalue: it adds the symbols and assets it moved
-- to its transaction's row here, whose insert queues one deferred trigger,
-- and the accounts they move are revalued once, at commit, at the prices
-- the transaction leaves -- however many rows and statements moved them.
-- The row is deleted when it is acted on, so the table is empty but for
-- transactions in progress (and is not dumped).
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

CREATE FUNCTION pm.restatus_accounts() RETURNS pg_catalog.int4
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
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
COMMENT ON FUNCTION pm.restatus_accounts() IS
  're-grade every account''s status against the current ladder from stored values; returns rows changed';
REVOKE EXECUTE ON FUNCTION pm.restatus_accounts() FROM PUBLIC;

-- Recompute every account from scratch, in batches, and report how many
-- rows of pm.account_state were wrong (0 when the triggers kept it right).
CREATE FUNCTION pm.refresh_account_state() RETURNS pg_catalog.int8
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET portfolio_margin.as_of = ''
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
REVOKE EXECUTE ON FUNCTION pm.refresh_account_state() FROM PUBLIC;

-- Which writes move which accounts

-- Rows with an account_id (balances, positions, orders, accounts)
CREATE FUNCTION pm.state_after_insert() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(SELECT DISTINCT n.account_id FROM new_rows n));
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_insert() FROM PUBLIC;

CREATE FUNCTION pm.state_after_update() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(SELECT n.account_id FROM new_rows n
                                      UNION SELECT o.account_id FROM old_rows o));
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_update() FROM PUBLIC;

CREATE FUNCTION pm.state_after_delete() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(SELECT DISTINCT o.account_id FROM old_rows o));
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_delete() FROM PUBLIC;

CREATE FUNCTION pm.state_after_truncate() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.refresh_account_state();
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_truncate() FROM PUBLIC;

CREATE TRIGGER state_balance_insert AFTER INSERT ON pm.balance
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_insert();

CREATE TRIGGER state_balance_update AFTER UPDATE ON pm.balance
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_update();

CREATE TRIGGER state_balance_delete AFTER DELETE ON pm.balance
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_delete();

CREATE TRIGGER state_balance_truncate AFTER TRUNCATE ON pm.balance
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

-- After rows of pm.position were inserted, updated or deleted: each account
-- touched is locked, its totals get the change and it is valued from them,
-- one statement per account (state_trigger.c, where the statements are).
-- What that cannot serve is recomputed from scratch by pm.recompute_accounts.
CREATE FUNCTION pm.state_after_position_change() RETURNS trigger
  LANGUAGE C SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
  AS 'MODULE_PATHNAME', 'pm_state_after_position_change';
COMMENT ON FUNCTION pm.state_after_position_change() IS
  'statement trigger on pm.position: swaps the changed positions in the touched accounts'' ledger totals and revalues them (from scratch where the totals cannot serve), recording and announcing status changes';
REVOKE EXECUTE ON FUNCTION pm.state_after_position_change() FROM PUBLIC;

CREATE TRIGGER state_position_insert AFTER INSERT ON pm.position
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_position_change();

CREATE TRIGGER state_position_update AFTER UPDATE ON pm.position
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_position_change();

CREATE TRIGGER state_position_delete AFTER DELETE ON pm.position
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_position_change();

CREATE TRIGGER state_position_truncate AFTER TRUNCATE ON pm.position
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_truncate();

-- An index price moves the accounts that hold, owe, settle in or trade the
-- asset: they are revalued from their totals, but for PM accounts with open
-- orders in it (recomputed from scratch) -- after the statement, or once at
-- commit with portfolio_margin.revalue_at = 'commit' (pm.revalue_pending).
CREATE FUNCTION pm.state_after_asset_update() RETURNS trigger
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

CREATE TRIGGER state_asset_update AFTER UPDATE ON pm.asset
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION pm.state_after_asset_update();

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

-- A mark price or bracket change moves the accounts with positions in the
-- symbol: they are revalued from their totals, after the statement or at
-- commit as an index price is.
CREATE FUNCTION pm.state_after_symbol_update() RETURNS trigger
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

CREATE TRIGGER state_symbol_update AFTER UPDATE ON pm.symbol
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION pm.state_after_symbol_update();

-- A collateral schedule moves the accounts of its program that hold the
-- asset: revalued the same way.
CREATE FUNCTION pm.state_collateral_changed(programs pg_catalog.text[], assets pg_catalog.text[])
  RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.revalue_accounts(ARRAY(
    SELECT a.account_id
      FROM pm.account a
      JOIN (SELECT b.account_id, b.asset FROM pm.balance b
            UNION ALL SELECT p.account_id, s.settle_asset FROM pm.position p JOIN pm.symbol s ON s.symbol = p.symbol
            UNION ALL SELECT o.account_id, o.sell_asset FROM pm.open_order o
            UNION ALL SELECT o.account_id, o.buy_asset FROM pm.open_order o) h ON h.account_id = a.account_id
     WHERE (a.program, h.asset) IN (SELECT * FROM unnest(programs, assets))
     GROUP BY a.account_id), assets);
END
$$;
COMMENT ON FUNCTION pm.state_collateral_changed(programs text[], assets text[]) IS
  'recompute the accounts that hold an asset whose collateral schedule changed in their program';
REVOKE EXECUTE ON FUNCTION pm.state_collateral_changed(programs text[], assets text[]) FROM PUBLIC;

CREATE FUNCTION pm.state_after_collateral_insert() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.state_collateral_changed(ARRAY(SELECT n.program FROM new_rows n ORDER BY n.program, n.asset),
                                      ARRAY(SELECT n.asset FROM new_rows n ORDER BY n.program, n.asset));
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_collateral_insert() FROM PUBLIC;

CREATE FUNCTION pm.state_after_collateral_update() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
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
REVOKE EXECUTE ON FUNCTION pm.state_after_collateral_update() FROM PUBLIC;

CREATE FUNCTION pm.state_after_collateral_delete() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.state_collateral_changed(ARRAY(SELECT o.program FROM old_rows o ORDER BY o.program, o.asset),
                                      ARRAY(SELECT o.asset FROM old_rows o ORDER BY o.program, o.asset));
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_collateral_delete() FROM PUBLIC;

CREATE TRIGGER state_collateral_insert AFTER INSERT ON pm.collateral
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_collateral_insert();

CREATE TRIGGER state_collateral_update AFTER UPDATE ON pm.collateral
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION pm.state_after_collateral_update();

CREATE TRIGGER state_collateral_delete AFTER DELETE ON pm.collateral
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_collateral_delete();

-- A loan MMR moves the accounts at that leverage.
CREATE FUNCTION pm.state_after_loan_mmr_change() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.recompute_accounts(ARRAY(
    SELECT a.account_id FROM pm.account a
     WHERE a.loan_leverage IN (SELECT n.leverage FROM new_rows n UNION SELECT o.leverage FROM old_rows o)));
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_loan_mmr_change() FROM PUBLIC;

CREATE TRIGGER state_loan_mmr_update AFTER UPDATE ON pm.loan_mmr
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION pm.state_after_loan_mmr_change();

-- A ladder edit re-grades statuses from stored values.
CREATE FUNCTION pm.state_after_ladder_change() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pm.restatus_accounts();
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION pm.state_after_ladder_change() FROM PUBLIC;

-- named to fire after status_threshold_check (same-event triggers fire by name)
CREATE TRIGGER status_threshold_regrade AFTER INSERT OR UPDATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_ladder_change();

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

-- Events, recorded at commit

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

CREATE CONSTRAINT TRIGGER state_at_commit AFTER INSERT OR UPDATE ON pm.account_state
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
  WHEN (NEW.status IS DISTINCT FROM NEW.committed_status AND NEW.status <> '')
  EXECUTE FUNCTION pm.state_at_commit();
-- also in replica sessions, where replication applied the prices (above)
ALTER TABLE pm.account_state ENABLE ALWAYS TRIGGER state_at_commit;


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

-- One account's raw rows at a moment (the as-of reads of one account): per
-- table, its current rows with no history row after the moment, and each
-- key's first history row after it.  Without the whole book's split on
-- pm.unchanged_since, which reads the set of changed accounts at each of
-- its call sites: for one account that cost 20-25 ms a call.
CREATE FUNCTION pm.ledger_row_at(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS SETOF pm.ledger_row
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 10
AS $$
SELECT r.account_id, 'a'::pg_catalog."char", r.program, NULL::pg_catalog.text,
       NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric,
       NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, NULL::pg_catalog.numeric, r.loan_leverage
  FROM pm.account r
 WHERE r.account_id OPERATOR(pg_catalog.=) $1
   AND NOT EXISTS (SELECT FROM pm.account_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id
                      AND h.valid_until OPERATOR(pg_catalog.>) $2)
   AND pm.history_covers($2)
UNION ALL
SELECT h.account_id, 'a', h.program, NULL, NULL, NULL, NULL, NULL, NULL, NULL, h.loan_leverage
  FROM (SELECT DISTINCT ON (h.account_id) h.*
          FROM pm.account_history h
         WHERE h.account_id OPERATOR(pg_catalog.=) $1 AND h.valid_until OPERATOR(pg_catalog.>) $2
         ORDER BY h.account_id, h.valid_until) h
 WHERE h.present AND pm.history_covers($2)
UNION ALL
SELECT r.account_id, 'b', r.asset, NULL, r.cross_free, r.cross_locked, r.cross_borrowed, r.cross_interest,
       r.um_wallet, r.cm_wallet, NULL
  FROM pm.balance r
 WHERE r.account_id OPERATOR(pg_catalog.=) $1
   AND NOT EXISTS (SELECT FROM pm.balance_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.asset OPERATOR(pg_catalog.=) r.asset
                      AND h.valid_until OPERATOR(pg_catalog.>) $2)
   AND pm.history_covers($2)
UNION ALL
SELECT h.account_id, 'b', h.asset, NULL, h.cross_free, h.cross_locked, h.cross_borrowed, h.cross_interest,
       h.um_wallet, h.cm_wallet, NULL
  FROM (SELECT DISTINCT ON (h.asset) h.*
          FROM pm.balance_history h
         WHERE h.account_id OPERATOR(pg_catalog.=) $1 AND h.valid_until OPERATOR(pg_catalog.>) $2
         ORDER BY h.asset, h.valid_until) h
 WHERE h.present AND pm.history_covers($2)
UNION ALL
SELECT r.account_id, 'p', r.symbol, r.side, r.qty, r.entry_price, NULL, NULL, NULL, NULL, r.leverage
  FROM pm."position" r
 WHERE r.account_id OPERATOR(pg_catalog.=) $1
   AND NOT EXISTS (SELECT FROM pm.position_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.symbol OPERATOR(pg_catalog.=) r.symbol
                      AND h.side OPERATOR(pg_catalog.=) r.side AND h.valid_until OPERATOR(pg_catalog.>) $2)
   AND pm.history_covers($2)
UNION ALL
SELECT h.account_id, 'p', h.symbol, h.side, h.qty, h.entry_price, NULL, NULL, NULL, NULL, h.leverage
  FROM (SELECT DISTINCT ON (h.symbol, h.side) h.*
          FROM pm.position_history h
         WHERE h.account_id OPERATOR(pg_catalog.=) $1 AND h.valid_until OPERATOR(pg_catalog.>) $2
         ORDER BY h.symbol, h.side, h.valid_until) h
 WHERE h.present AND pm.history_covers($2)
UNION ALL
SELECT r.account_id, 'o', r.sell_asset, r.buy_asset, r.sell_qty, r.buy_qty, NULL, NULL, NULL, NULL, NULL
  FROM pm.open_order r
 WHERE r.account_id OPERATOR(pg_catalog.=) $1
   AND NOT EXISTS (SELECT FROM pm.open_order_history h
                    WHERE h.account_id OPERATOR(pg_catalog.=) r.account_id AND h.order_id OPERATOR(pg_catalog.=) r.order_id
                      AND h.valid_until OPERATOR(pg_catalog.>) $2)
   AND pm.history_covers($2)
UNION ALL
SELECT h.account_id, 'o', h.sell_asset, h.buy_asset, h.sell_qty, h.buy_qty, NULL, NULL, NULL, NULL, NULL
  FROM (SELECT DISTINCT ON (h.order_id) h.*
          FROM pm.open_order_history h
         WHERE h.account_id OPERATOR(pg_catalog.=) $1 AND h.valid_until OPERATOR(pg_catalog.>) $2
         ORDER BY h.order_id, h.valid_until) h
 WHERE h.present AND pm.history_covers($2)
$$;
COMMENT ON FUNCTION pm.ledger_row_at(account_id bigint, at timestamptz) IS
  'one account''s raw rows at a moment, in the form of pm.ledger_row';

-- One account's raw rows now (at NULL) or at a moment: what the functions
-- about one account read, so that each has an as-of twin.  The as-of
-- branch is a function scan (WITH ORDINALITY keeps the planner from
-- inlining it), gated by at: a caller reading now plans and runs only the
-- view, as before.  The same in the four functions after pm.as_of().
CREATE FUNCTION pm.ledger_row_of(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS SETOF pm.ledger_row
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT l.account_id, l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
  FROM pm.ledger_row l
 WHERE l.account_id OPERATOR(pg_catalog.=) $1 AND $2 IS NULL
UNION ALL
SELECT l.account_id, l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
  FROM ROWS FROM (pm.ledger_row_at($1, $2)) WITH ORDINALITY l
 WHERE $2 IS NOT NULL
$$;
COMMENT ON FUNCTION pm.ledger_row_of(account_id bigint, at timestamptz) IS
  'one account''s rows of pm.ledger_row now (at NULL) or as they were at a moment';

-- The moment portfolio_margin.as_of names, NULL when it is empty.  The SQL
-- functions that read reference data themselves (pm.liquidation_price's
-- kinks, the liquidation threshold) read it through the four functions
-- below, and so see what the ledger aggregates see.
CREATE FUNCTION pm.as_of() RETURNS pg_catalog.timestamptz
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT NULLIF(pg_catalog.current_setting('portfolio_margin.as_of', true), '')::pg_catalog.timestamptz
$$;
COMMENT ON FUNCTION pm.as_of() IS
  'the moment portfolio_margin.as_of names, or NULL when it is empty (reference data read as it is now)';

CREATE FUNCTION pm.asset_as_of() RETURNS SETOF pm.asset
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.asset, r.index_price FROM pm.asset r WHERE pm.as_of() IS NULL
UNION ALL
SELECT r.asset, r.index_price FROM ROWS FROM (pm.asset_at(pm.as_of())) WITH ORDINALITY r WHERE pm.as_of() IS NOT NULL
$$;
COMMENT ON FUNCTION pm.asset_as_of() IS
  'the rows of pm.asset as of portfolio_margin.as_of (the table when it is empty)';

CREATE FUNCTION pm.collateral_as_of() RETURNS SETOF pm.collateral
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.program, r.asset, r.schedule FROM pm.collateral r WHERE pm.as_of() IS NULL
UNION ALL
SELECT r.program, r.asset, r.schedule FROM ROWS FROM (pm.collateral_at(pm.as_of())) WITH ORDINALITY r WHERE pm.as_of() IS NOT NULL
$$;
COMMENT ON FUNCTION pm.collateral_as_of() IS
  'the rows of pm.collateral as of portfolio_margin.as_of (the table when it is empty)';

CREATE FUNCTION pm.symbol_as_of() RETURNS SETOF pm.symbol
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.symbol, r.market, r.base_asset, r.settle_asset, r.contract_size, r.mark_price, r.brackets,
       r.position_limit
  FROM pm.symbol r WHERE pm.as_of() IS NULL
UNION ALL
SELECT r.symbol, r.market, r.base_asset, r.settle_asset, r.contract_size, r.mark_price, r.brackets,
       r.position_limit
  FROM ROWS FROM (pm.symbol_at(pm.as_of())) WITH ORDINALITY r WHERE pm.as_of() IS NOT NULL
$$;
COMMENT ON FUNCTION pm.symbol_as_of() IS
  'the rows of pm.symbol as of portfolio_margin.as_of (the table when it is empty)';

CREATE FUNCTION pm.status_threshold_as_of() RETURNS SETOF pm.status_threshold
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.program, r.status, r.uni_mmr_above, r.enabled, r.exit_buffer
  FROM pm.status_threshold r WHERE pm.as_of() IS NULL
UNION ALL
SELECT r.program, r.status, r.uni_mmr_above, r.enabled, r.exit_buffer
  FROM ROWS FROM (pm.status_threshold_at(pm.as_of())) WITH ORDINALITY r WHERE pm.as_of() IS NOT NULL
$$;
COMMENT ON FUNCTION pm.status_threshold_as_of() IS
  'the rows of pm.status_threshold as of portfolio_margin.as_of (the table when it is empty)';

-- pm.check_account for a moment (now when at is NULL): an account the
-- caller may see that did not exist then is an error naming the moment.
CREATE FUNCTION pm.check_account(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prog text;
BEGIN
  IF at IS NULL THEN
    RETURN pm.check_account(check_account.account_id);
  END IF;
  -- under the caller's row-level security, as pm.check_account
  SELECT a.program INTO prog FROM pm.account_at(at) a WHERE a.account_id = check_account.account_id;
  IF NOT FOUND THEN
    IF NOT EXISTS (SELECT FROM pm.account_history h WHERE h.account_id = check_account.account_id) THEN
      PERFORM pm.check_account(check_account.account_id);
    END IF;
    RAISE EXCEPTION 'account % did not exist at %', check_account.account_id, at
      USING ERRCODE = 'undefined_object',
            HINT = 'pm.account_history keeps the moments each account was opened and closed.';
  END IF;
  RETURN prog;
END
$$;
COMMENT ON FUNCTION pm.check_account(account_id bigint, at timestamptz) IS
  'the account''s program at a moment (now when at is NULL); an error (SQLSTATE 42704) when it did not exist then or the caller may not see it';

-- Functions about one account that cannot be valued say why, as an error;
-- for a moment, why it could not be valued then.
CREATE FUNCTION pm.check_valued(account_id pg_catalog.int8, at pg_catalog.timestamptz)
  RETURNS pg_catalog.bool
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  why text;
BEGIN
  IF at IS NULL THEN
    SELECT r.error INTO why FROM pm.account_risk_of(check_valued.account_id) r;
  ELSE
    SELECT r.error INTO why FROM pm.account_risk_at(check_valued.account_id, at) r;
  END IF;
  IF why IS NOT NULL THEN
    RAISE EXCEPTION 'account % cannot be valued', check_valued.account_id
      USING ERRCODE = 'data_exception', DETAIL = 'Its error: ' || why || '.',
            HINT = 'pm.account_risk''s error column names every account that cannot be valued.';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION pm.check_valued(account_id bigint, at timestamptz) IS
  'true, or an error (SQLSTATE 22000) saying why the account cannot be valued (at a moment, or now when at is NULL)';

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

-- A scenario's valuation of an account as it was at a moment: its rows and
-- the reference data then, moved by the scenario as pm.scenario defines it
-- now (scenarios are questions asked of the book, not inputs of its risk,
-- and keep no history).
CREATE FUNCTION pm.stress_at(account_id pg_catalog.int8, scenario pg_catalog.text, at pg_catalog.timestamptz)
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

-- The liquidation prices an account had at a moment: from its rows and the
-- prices, brackets, schedules and thresholds of then, the prices of then
-- moved.
CREATE FUNCTION pm.liquidation_price_at(account_id pg_catalog.int8, asset pg_catalog.text, at pg_catalog.timestamptz,
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

-- Every account, sampled now -- on a coordinator, its shards' too, so that
-- its series are the whole book's; partitions of days entirely older than
-- keep dropped.  Returns the rows sampled.  One sampler at a time.
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


------------------------------------------------------------------------------
-- What-if, liquidation prices, withdrawals
------------------------------------------------------------------------------

CREATE FUNCTION pm.check_row(tab pg_catalog.regclass, row_value anyelement, what pg_catalog.text)
  RETURNS pg_catalog.void
  AS 'MODULE_PATHNAME', 'pm_check_row' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.check_row(tab regclass, row_value anyelement, what text) IS
  'an error naming what and the constraint unless the row, of the table''s row type, satisfies the table''s NOT NULL and CHECK constraints, as an INSERT would';

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
CREATE FUNCTION pm.whatif(account_id pg_catalog.int8, changes pg_catalog.jsonb)
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

CREATE FUNCTION pm.position_impact(account_id pg_catalog.int8)
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
COMMENT ON FUNCTION pm.position_impact(account_id bigint) IS
  'per position of the account: maintenance margin it adds and collateral-weighted equity it adds (USD), the account''s uniMMR without it and with it; largest margin first';

-- An account's summary under moved prices, from its rows as the caller read
-- them (pm.ledger_row_of): pm.liquidation_price reads an account's rows
-- once, for every price it tries.
CREATE FUNCTION pm.summary_under(rows pm.ledger_row[], assets pg_catalog.text[],
                                 shocks pg_catalog.numeric[], schedules pg_catalog.text[],
                                 OUT program pg_catalog.text, OUT summary pm.margin_summary)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT pg_catalog.min(r.key) FILTER (WHERE r.kind OPERATOR(pg_catalog.=) 'a'),
         pm.account_ledger(r.kind, r.key, r.key2, r.a, r.b, r.c, r.d, r.e, r.f, r.n
                           ORDER BY r.kind OPERATOR(pg_catalog.<>) 's')
    FROM (SELECT l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
            FROM pg_catalog.unnest($1) l
          UNION ALL
          SELECT 's', m.asset, m.schedule, m.shock, NULL, NULL, NULL, NULL, NULL, NULL
            FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))
                 AS m(asset, shock, schedule)) r
$$;
COMMENT ON FUNCTION pm.summary_under(rows pm.ledger_row[], assets text[], shocks numeric[], schedules text[], OUT program text, OUT summary pm.margin_summary) IS
  'an account''s program and summary from its ledger rows (as pm.ledger_row_of gives them), with the given assets moved by the given relative price shocks (and collateral schedules replaced where given)';

-- The summary of an account under moved prices, from its rows (the form
-- taking rows, above); an account that does not exist, or that the
-- caller may not see, is pm.check_account's error.
CREATE FUNCTION pm.summary_under(account_id pg_catalog.int8, assets pg_catalog.text[],
                                            shocks pg_catalog.numeric[], schedules pg_catalog.text[],
                                            OUT program pg_catalog.text, OUT summary pm.margin_summary)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
  SELECT u.program, u.summary
    FROM pm.summary_under(ARRAY(SELECT l FROM pm.ledger_row l WHERE l.account_id OPERATOR(pg_catalog.=) $1),
                          $2, $3, $4) u
   WHERE pm.check_account($1) IS NOT NULL
$$;
COMMENT ON FUNCTION pm.summary_under(account_id bigint, assets text[], shocks numeric[], schedules text[], OUT program text, OUT summary pm.margin_summary) IS
  'an account''s program and summary with the given assets moved by the given relative price shocks (and collateral schedules replaced where given); SQLSTATE 42704 for an account that does not exist';


-- uniMMR at or below which an account of the program is in liquidation: the
-- lowest threshold of a band that is not a liquidation band (1.05 by
-- default), read as of portfolio_margin.as_of.
CREATE FUNCTION pm.liquidation_threshold(program pg_catalog.text) RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT pg_catalog.min(t.uni_mmr_above) FROM pm.status_threshold_as_of() t
   WHERE t.program OPERATOR(pg_catalog.=) $1 AND t.enabled
     AND t.status OPERATOR(pg_catalog.<>) ALL (ARRAY['ACTIVE_LIQUIDATION', 'FORCE_LIQUIDATION', 'BANKRUPTED'])
$$;
COMMENT ON FUNCTION pm.liquidation_threshold(program text) IS
  'uniMMR at or below which an account of the program is in liquidation (from pm.status_threshold, as of portfolio_margin.as_of)';


-- What an open order gives up minus what it gets, in PM collateral value,
-- with moved's index price multiplied by m: the open-order loss is this
-- when positive (the kinks of pm.liquidation_price).  Prices and schedules
-- as of portfolio_margin.as_of.
CREATE FUNCTION pm.order_side_gap(sell_asset pg_catalog.text, sell_qty pg_catalog.numeric,
                                  buy_asset pg_catalog.text, buy_qty pg_catalog.numeric,
                                  moved pg_catalog.text, m pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT COALESCE(pm.collateral_value(v.sell_usd, cs.schedule), 0)
         OPERATOR(pg_catalog.-) COALESCE(pm.collateral_value(v.buy_usd, cb.schedule), 0)
    FROM (SELECT $2 OPERATOR(pg_catalog.*) sa.index_price OPERATOR(pg_catalog.*)
                 CASE WHEN $1 OPERATOR(pg_catalog.=) $5 THEN $6 ELSE 1 END AS sell_usd,
                 $4 OPERATOR(pg_catalog.*) ba.index_price OPERATOR(pg_catalog.*)
                 CASE WHEN $3 OPERATOR(pg_catalog.=) $5 THEN $6 ELSE 1 END AS buy_usd
            FROM pm.asset_as_of() sa, pm.asset_as_of() ba
           WHERE sa.asset OPERATOR(pg_catalog.=) $1 AND ba.asset OPERATOR(pg_catalog.=) $3) v
    LEFT JOIN pm.collateral_as_of() cs ON cs.program OPERATOR(pg_catalog.=) 'PM' AND cs.asset OPERATOR(pg_catalog.=) $1
    LEFT JOIN pm.collateral_as_of() cb ON cb.program OPERATOR(pg_catalog.=) 'PM' AND cb.asset OPERATOR(pg_catalog.=) $3
$$;
COMMENT ON FUNCTION pm.order_side_gap(sell_asset text, sell_qty numeric, buy_asset text, buy_qty numeric, moved text, m numeric) IS
  'PM collateral value an open order gives up minus what it gets, USD, with one asset''s price multiplied by m (prices and schedules as of portfolio_margin.as_of)';

-- g(m) of pm.liquidation_gap and which side of the liquidation threshold the
-- account is on there: -1 in liquidation (g < 0, or g = 0 with maintenance
-- margin: uniMMR at the threshold), 1 outside it (g > 0, or g = 0 without
-- maintenance margin: uniMMR NULL and adjusted equity 0, which is NORMAL);
-- from the account's rows as the caller read them.  A set of one row, so
-- that pm.liquidation_price's statements inline it and keep their plans.
CREATE FUNCTION pm.liquidation_side(rows pm.ledger_row[], asset pg_catalog.text,
                                    m pg_catalog.numeric, threshold pg_catalog.numeric,
                                    OUT gap pg_catalog.numeric, OUT side pg_catalog.int4)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
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
COMMENT ON FUNCTION pm.liquidation_side(rows pm.ledger_row[], asset text, m numeric, threshold numeric, OUT gap numeric, OUT side integer) IS
  'pm.liquidation_side from an account''s ledger rows (as pm.ledger_row_of gives them)';

-- The same for an account, from its rows now; an account that does not
-- exist, or that the caller may not see, is pm.check_account's error.
CREATE FUNCTION pm.liquidation_side(account_id pg_catalog.int8, asset pg_catalog.text,
                                    m pg_catalog.numeric, threshold pg_catalog.numeric,
                                    OUT gap pg_catalog.numeric, OUT side pg_catalog.int4)
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT l.gap, l.side
    FROM pm.liquidation_side(ARRAY(SELECT r FROM pm.ledger_row r WHERE r.account_id OPERATOR(pg_catalog.=) $1),
                             $2, $3, $4) l
   WHERE pm.check_account($1) IS NOT NULL
$$;
COMMENT ON FUNCTION pm.liquidation_side(account_id bigint, asset text, m numeric, threshold numeric, OUT gap numeric, OUT side integer) IS
  'pm.liquidation_gap with asset''s prices multiplied by m, and -1 when the account is in liquidation there (gap < 0, or gap = 0 with maintenance margin), 1 when it is not';

-- g(m) = adjusted equity - L * maintenance margin when asset's index and the
-- marks based on it are multiplied by m (the account is in liquidation when
-- uniMMR <= L, i.e. g <= 0).
CREATE FUNCTION pm.liquidation_gap(account_id pg_catalog.int8, asset pg_catalog.text,
                                   m pg_catalog.numeric, threshold pg_catalog.numeric)
  RETURNS pg_catalog.numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT pm.adjusted_equity(u.summary) OPERATOR(pg_catalog.-)
         ($4 OPERATOR(pg_catalog.*) pm.maint_margin(u.summary))
    FROM pm.summary_under($1, ARRAY[$2], ARRAY[$3 OPERATOR(pg_catalog.-) 1], ARRAY[NULL::pg_catalog.text]) u
$$;
COMMENT ON FUNCTION pm.liquidation_gap(account_id bigint, asset text, m numeric, threshold numeric) IS
  'adjusted equity minus threshold times maintenance margin, USD, with asset''s prices multiplied by m';

-- pm.liquidation_price from the account's rows at a moment (now when at is
-- NULL), with the prices, brackets, schedules and thresholds as of
-- portfolio_margin.as_of (pm.liquidation_price and pm.liquidation_price_at
-- call it).
CREATE FUNCTION pm.liquidation_price_at_or_now(account_id pg_catalog.int8, asset pg_catalog.text,
                                               at pg_catalog.timestamptz,
                                               OUT below pg_catalog.numeric, OUT above pg_catalog.numeric)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  acct CONSTANT int8 := liquidation_price_at_or_now.account_id;
  x CONSTANT text := liquidation_price_at_or_now.asset;
  prog text;
  p0 numeric;
  thr numeric;
  s1 pm.margin_summary;
  s2 pm.margin_summary;
  orders pm.open_order[];
  rows pm.ledger_row[];
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
  PERFORM pm.check_account(acct, at);
  SELECT a.index_price INTO p0 FROM pm.asset_as_of() a WHERE a.asset = x;
  IF p0 IS NULL THEN
    RAISE EXCEPTION 'asset % has no index price in pm.asset', x USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- the account's rows, read once for every price tried
  rows := ARRAY(SELECT l FROM pm.ledger_row_of(acct, at) l);
  SELECT u.program, u.summary INTO prog, s1 FROM pm.summary_under(rows, '{}', '{}', '{}') u;
  IF s1 IS NULL THEN
    PERFORM pm.check_valued(acct, at);
  END IF;
  thr := pm.liquidation_threshold(prog);
  -- the account's open orders selling or buying the asset
  SELECT coalesce(array_agg(ROW(acct, NULL, l.key, l.a, l.key2, l.b)::pm.open_order), '{}') INTO orders
    FROM unnest(rows) l
   WHERE l.kind = 'o' AND x IN (l.key, l.key2);
  SELECT u.summary INTO s2 FROM pm.summary_under(rows, ARRAY[x], ARRAY[1::numeric], ARRAY[NULL::text]) u;

  -- the kinks of g, as multipliers m > 0
  SELECT array_agg(DISTINCT k.m ORDER BY k.m) INTO kinks
    FROM (
      -- each asset's value is linear in m: V(m) = alpha + beta m; its
      -- collateral value bends where V crosses 0 and each tier floor
      SELECT pm.div(fl.floor - (a1.value_usd - (a2.value_usd - a1.value_usd)), a2.value_usd - a1.value_usd) AS m
        FROM pm.assets(s1) a1
        JOIN pm.assets(s2) a2 ON a2.asset = a1.asset
        LEFT JOIN pm.collateral_as_of() c ON c.program = prog AND c.asset = a1.asset
       CROSS JOIN LATERAL (SELECT 0::numeric AS floor
                           UNION SELECT t.floor FROM pm.tiers_table(c.schedule) t) fl
       WHERE a2.value_usd <> a1.value_usd
      UNION ALL
      -- each position on a symbol based on the asset bends at its brackets
      SELECT CASE WHEN s.market = 'UM' THEN pm.div(t.floor, abs(p.qty) * s.mark_price)
                  ELSE pm.div(abs(p.qty) * s.contract_size, s.mark_price * t.floor) END
        FROM (SELECT l.key AS symbol, l.a AS qty FROM unnest(rows) l WHERE l.kind = 'p') p
        JOIN pm.symbol_as_of() s ON s.symbol = p.symbol
       CROSS JOIN LATERAL pm.tiers_table(s.brackets) t
       WHERE s.base_asset = x AND p.qty <> 0 AND t.floor > 0
      UNION ALL
      -- open orders (PM) selling or buying the asset bend at their tiers
      SELECT pm.div(t.floor, CASE WHEN o.sell_asset = x THEN o.sell_qty ELSE o.buy_qty END * p0)
        FROM unnest(orders) o
        JOIN pm.collateral_as_of() c ON c.program = 'PM' AND c.asset = x
       CROSS JOIN LATERAL pm.tiers_table(c.schedule) t
       WHERE prog = 'PM' AND t.floor > 0
    ) k
   WHERE k.m > 0;

  -- open-order loss bends where an order's two sides are worth the same:
  -- between consecutive kinks (and past the last one) each side is linear,
  -- so each such zero is found on its piece
  IF prog = 'PM' AND orders <> '{}' THEN
    pts := array_prepend(0::numeric, coalesce(kinks, '{}'));
    pts := array_append(pts, greatest(2 * pts[array_length(pts, 1)], 1));
    SELECT array_agg(DISTINCT z.m ORDER BY z.m) INTO kinks
      FROM (SELECT unnest(kinks) AS m
            UNION ALL
            SELECT d.m0 + pm.div((d.m1 - d.m0) * d.d0, d.d0 - d.d1)
              FROM (SELECT seg.m0, seg.m1, seg.last,
                           pm.order_side_gap(o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, x, seg.m0) AS d0,
                           pm.order_side_gap(o.sell_asset, o.sell_qty, o.buy_asset, o.buy_qty, x, seg.m1) AS d1
                      FROM unnest(orders) o,
                           LATERAL (SELECT pts[j] AS m0, pts[j + 1] AS m1,
                                           j = array_length(pts, 1) - 1 AS last
                                      FROM generate_series(1, array_length(pts, 1) - 1) j) seg) d
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
    SELECT l.gap, l.side INTO g0, side0 FROM pm.liquidation_side(rows, x, m0, thr) l;
    FOR i IN 2 .. array_length(pts, 1) LOOP
      m1 := pts[i];
      SELECT l.gap, l.side INTO g1, side1 FROM pm.liquidation_side(rows, x, m1, thr) l;
      IF side1 <> side0 THEN
        -- g is linear between two kinks, but a kink computed to 20 digits
        -- can land a hair past the true one, where g has already turned
        -- (from 0 to negative, say): the line through two points inside
        -- the piece is the true one
        ma := m0 + pm.div(m1 - m0, 3);
        mb := m1 - pm.div(m1 - m0, 3);
        SELECT l.gap, l.side INTO ga, sidea FROM pm.liquidation_side(rows, x, ma, thr) l;
        SELECT l.gap INTO gb FROM pm.liquidation_side(rows, x, mb, thr) l;
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
COMMENT ON FUNCTION pm.liquidation_price_at_or_now(account_id bigint, asset text, at timestamp with time zone, OUT below numeric, OUT above numeric) IS
  'pm.liquidation_price from the account''s rows at a moment (now when at is NULL) and the reference data as of portfolio_margin.as_of (pm.liquidation_price and pm.liquidation_price_at call it)';

CREATE FUNCTION pm.liquidation_price(account_id pg_catalog.int8, asset pg_catalog.text,
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

-- The liquidation prices of the whole book for one asset (src/ledger_liquidation.c):
-- pm.ledger_partial keeps each account's ledger as pm.ledger_stress does and
-- gives it as bytes, and pm.liquidation_price_of runs pm.liquidation_price's
-- algorithm over them, one valuation per point tried instead of a query.
CREATE AGGREGATE pm.ledger_partial(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                   a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                   d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                   n pg_catalog.int4) (
  SFUNC = pm.ledger_totals_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_serialize,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_totals_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.ledger_partial(kind "char", key text, key2 text, a numeric, b numeric, c numeric, d numeric, e numeric, f numeric, n integer) IS
  'an account''s ledger as the ledger aggregates keep it (account row, balances, orders, positions as they are), as the bytes of their partial state, for pm.liquidation_price_of';

-- Reads the reference tables and the thresholds (STABLE).
CREATE FUNCTION pm.liquidation_price_of(ledger pg_catalog.bytea, asset pg_catalog.text,
                                        OUT program pg_catalog.text, OUT uni_mmr pg_catalog.numeric,
                                        OUT account_equity pg_catalog.numeric,
                                        OUT account_maint_margin pg_catalog.numeric,
                                        OUT below pg_catalog.numeric, OUT above pg_catalog.numeric,
                                        OUT error pg_catalog.text)
  AS 'MODULE_PATHNAME', 'pm_liquidation_price_of'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pm.liquidation_price_of(ledger bytea, asset text, OUT program text, OUT uni_mmr numeric, OUT account_equity numeric, OUT account_maint_margin numeric, OUT below numeric, OUT above numeric, OUT error text) IS
  'from an account''s pm.ledger_partial: its program, uni_mmr, account_equity and account_maint_margin as pm.account_risk gives them and its liquidation prices of asset as pm.liquidation_price gives them; an account that cannot be valued has its program and error only';

-- Every account's liquidation prices for one asset, from one read of each
-- account's rows, in pm.account_risk's two account ranges (so that a
-- parallel plan values each in a process of its own).  Not STRICT, so that
-- the planner inlines it: LIMIT and a filter on account_id then read only
-- what they need (a NULL asset gives no rows).
CREATE FUNCTION pm.liquidation_prices(asset pg_catalog.text)
  RETURNS TABLE (account_id pg_catalog.int8, program pg_catalog.text, uni_mmr pg_catalog.numeric,
                 account_equity pg_catalog.numeric, account_maint_margin pg_catalog.numeric,
                 below pg_catalog.numeric, above pg_catalog.numeric, error pg_catalog.text)
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 10000
AS $$
  SELECT g.account_id, x.program, x.uni_mmr, x.account_equity, x.account_maint_margin,
         x.below, x.above, x.error
    FROM (SELECT l.account_id,
                 pm.ledger_partial(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS ledger
            FROM pm.ledger_row l
           WHERE pm.account_risk_range(l.account_id, false)
           GROUP BY l.account_id
          UNION ALL
          SELECT l.account_id,
                 pm.ledger_partial(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS ledger
            FROM pm.ledger_row l
           WHERE pm.account_risk_range(l.account_id, true)
           GROUP BY l.account_id) g
   CROSS JOIN LATERAL pm.liquidation_price_of(g.ledger, $1) x
   WHERE $1 IS NOT NULL
$$;
COMMENT ON FUNCTION pm.liquidation_prices(asset text) IS
  'every account''s pm.account_risk figures and its liquidation prices of asset below and above the current one, as pm.liquidation_price gives them, from one read of each account''s rows; an account that cannot be valued has NULL prices and error says why';

-- The ladder: how many accounts, how much equity and maintenance margin
-- liquidate in each price step of the asset, walking away from its index
-- price on each side.
CREATE FUNCTION pm.liquidation_ladder(asset pg_catalog.text, step pg_catalog.numeric)
  RETURNS TABLE (side pg_catalog.text, price_from pg_catalog.numeric, price_to pg_catalog.numeric,
                 accounts pg_catalog.int8, account_equity pg_catalog.numeric,
                 account_maint_margin pg_catalog.numeric, accounts_total pg_catalog.int8,
                 account_equity_total pg_catalog.numeric)
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT pm.finite(step) OR step <= 0 THEN
    RAISE EXCEPTION 'step must be a positive price'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The ladder groups liquidation prices in steps of this width.';
  END IF;
  RETURN QUERY
  WITH p AS (
    -- each account once on each side it has a price on
    SELECT l.account_equity, l.account_maint_margin, s.side,
           floor(s.price / step) * step AS price_from
      FROM pm.liquidation_prices(asset) l
     CROSS JOIN LATERAL (VALUES ('below', l.below), ('above', l.above)) s(side, price)
     WHERE s.price IS NOT NULL
  ), b AS (
    SELECT p.side, p.price_from, count(*) AS accounts, sum(p.account_equity) AS account_equity,
           sum(p.account_maint_margin) AS account_maint_margin
      FROM p GROUP BY p.side, p.price_from
  )
  SELECT b.side, b.price_from, b.price_from + step, b.accounts, b.account_equity,
         b.account_maint_margin,
         (sum(b.accounts) OVER w)::int8,
         sum(b.account_equity) OVER w
    FROM b
  WINDOW w AS (PARTITION BY b.side
               ORDER BY CASE WHEN b.side = 'below' THEN -b.price_from ELSE b.price_from END)
   ORDER BY b.side DESC, CASE WHEN b.side = 'below' THEN -b.price_from ELSE b.price_from END;
END
$$;
COMMENT ON FUNCTION pm.liquidation_ladder(asset text, step numeric) IS
  'where the book breaks: per step of asset''s price, below and above the current one, the accounts that enter liquidation there, their account equity and maintenance margin now, and the running totals walking away from the current price';

CREATE FUNCTION pm.max_withdraw(account_id pg_catalog.int8, asset pg_catalog.text,
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


------------------------------------------------------------------------------
-- Binance answers in
------------------------------------------------------------------------------

-- What Binance's reference answers say of each futures symbol, as they
-- arrive: its terms (exchangeInfo), its brackets (leverageBracket) and its
-- mark (premiumIndex) come from three endpoints, in any order.  A symbol
-- enters pm.symbol once it has all three, and follows every later answer.
CREATE TABLE pm.binance_symbol (
  symbol pg_catalog.text PRIMARY KEY
    CONSTRAINT binance_symbol_name_1_to_255_bytes CHECK (pg_catalog.octet_length(symbol) BETWEEN 1 AND 255),
  market pg_catalog.text
    CONSTRAINT binance_symbol_market_um_or_cm CHECK (market IN ('UM', 'CM')),
  base_asset pg_catalog.text,
  settle_asset pg_catalog.text,
  contract_size pg_catalog.numeric,
  status pg_catalog.text,
  brackets pm.tiers,
  brackets_market pg_catalog.text
    CONSTRAINT binance_symbol_brackets_market_um_or_cm CHECK (brackets_market IN ('UM', 'CM')),
  mark_price pg_catalog.numeric
    CONSTRAINT binance_symbol_mark_price_positive_finite CHECK (pm.finite(mark_price) AND mark_price > 0),
  position_limit pg_catalog.numeric
    CONSTRAINT binance_symbol_position_limit_positive_finite
    CHECK (position_limit IS NULL OR (pm.finite(position_limit) AND position_limit > 0)),
  CONSTRAINT binance_symbol_terms_whole
    CHECK ((market IS NULL) = (base_asset IS NULL) AND (market IS NULL) = (settle_asset IS NULL)),
  CONSTRAINT binance_symbol_brackets_with_market CHECK ((brackets IS NULL) = (brackets_market IS NULL))
);
COMMENT ON TABLE pm.binance_symbol IS
  'what Binance''s reference answers said of each futures symbol (pm.import_binance): terms, brackets and mark as they arrive; a symbol with all three is in pm.symbol';
COMMENT ON COLUMN pm.binance_symbol.symbol IS 'contract symbol, as Binance names it';
COMMENT ON COLUMN pm.binance_symbol.market IS 'UM (from /fapi/v1/exchangeInfo) or CM (from /dapi/v1/exchangeInfo); NULL until one of them named the symbol';
COMMENT ON COLUMN pm.binance_symbol.base_asset IS 'baseAsset';
COMMENT ON COLUMN pm.binance_symbol.settle_asset IS 'marginAsset: the asset PnL and margin are paid in';
COMMENT ON COLUMN pm.binance_symbol.contract_size IS 'contractSize (COIN-M only)';
COMMENT ON COLUMN pm.binance_symbol.status IS 'status (USD-M) or contractStatus (COIN-M), e.g. TRADING';
COMMENT ON COLUMN pm.binance_symbol.brackets IS 'maintenance-margin brackets from /papi/v1/um/leverageBracket or /papi/v1/cm/leverageBracket';
COMMENT ON COLUMN pm.binance_symbol.brackets_market IS 'UM or CM: which bracket endpoint gave them';
COMMENT ON COLUMN pm.binance_symbol.mark_price IS 'markPrice from /fapi/v1/premiumIndex or /dapi/v1/premiumIndex';
COMMENT ON COLUMN pm.binance_symbol.position_limit IS 'the last bracket''s cap (notionalCap, or qtyCap for COIN-M): the largest notional a position may hold';
SELECT pg_catalog.pg_extension_config_dump('pm.binance_symbol', '');

-- Spot symbols as /api/v3/exchangeInfo names them: an open order's two legs
-- are its symbol's base and quote assets.
CREATE TABLE pm.binance_spot_symbol (
  symbol pg_catalog.text PRIMARY KEY
    CONSTRAINT binance_spot_symbol_name_1_to_255_bytes CHECK (pg_catalog.octet_length(symbol) BETWEEN 1 AND 255),
  base_asset pg_catalog.text NOT NULL,
  quote_asset pg_catalog.text NOT NULL,
  status pg_catalog.text,
  CONSTRAINT binance_spot_symbol_two_assets CHECK (base_asset <> quote_asset)
);
COMMENT ON TABLE pm.binance_spot_symbol IS
  'spot symbols as Binance''s /api/v3/exchangeInfo names them (pm.import_binance): the two assets an open order of /papi/v1/margin/openOrders trades';
COMMENT ON COLUMN pm.binance_spot_symbol.symbol IS 'spot symbol, e.g. BNBBTC';
COMMENT ON COLUMN pm.binance_spot_symbol.base_asset IS 'baseAsset: what the symbol''s quantities count';
COMMENT ON COLUMN pm.binance_spot_symbol.quote_asset IS 'quoteAsset: what its prices are in';
COMMENT ON COLUMN pm.binance_spot_symbol.status IS 'status, e.g. TRADING';
SELECT pg_catalog.pg_extension_config_dump('pm.binance_spot_symbol', '');

-- The answer as an array of elements: an object is an array of one (Binance
-- answers some endpoints with an object when asked for one item).
CREATE FUNCTION pm.binance_elements(endpoint pg_catalog.text, answer pg_catalog.jsonb)
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad pg_catalog.int8;
BEGIN
  IF answer IS NULL OR jsonb_typeof(answer) NOT IN ('array', 'object') THEN
    RAISE EXCEPTION 'the answer of % is not a JSON array or object', endpoint
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', coalesce(pm.excerpt(answer::text), 'NULL')),
            HINT = 'Pass the answer exactly as Binance returned it.';
  END IF;
  IF jsonb_typeof(answer) = 'object' THEN
    answer := jsonb_build_array(answer);
  END IF;
  SELECT e.ord INTO bad
    FROM jsonb_array_elements(answer) WITH ORDINALITY AS e(el, ord)
   WHERE jsonb_typeof(e.el) <> 'object'
   ORDER BY e.ord LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'element % of the answer of % is not a JSON object', bad, endpoint
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', pm.excerpt((answer -> (bad - 1)::int)::text));
  END IF;
  RETURN answer;
END
$$;
COMMENT ON FUNCTION pm.binance_elements(endpoint text, answer jsonb) IS
  'a Binance answer as an array of JSON objects (an object is an array of one); an error naming the element otherwise';

-- The first missing or malformed field of the elements, as an error that
-- names element and field; nothing is written before every element passed.
-- kinds: 'text' a non-empty JSON string, 'number' a JSON number or a string
-- holding a finite one, 'int' the same holding an integer, 'id' one of up to
-- 18 digits (Binance's order ids); a kind ending in
-- '?' may be absent, null or "".
CREATE FUNCTION pm.binance_check(endpoint pg_catalog.text, elements pg_catalog.jsonb,
                                 fields pg_catalog.text[], kinds pg_catalog.text[])
  RETURNS pg_catalog.void
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad record;
BEGIN
  SELECT e.ord, f.field, f.kind, e.el -> f.field AS value INTO bad
    FROM jsonb_array_elements(elements) WITH ORDINALITY AS e(el, ord)
   CROSS JOIN unnest(fields, kinds) WITH ORDINALITY AS f(field, kind, pos)
   WHERE NOT CASE
           WHEN (e.el -> f.field) IS NULL OR jsonb_typeof(e.el -> f.field) = 'null'
                OR (e.el -> f.field) = '""'::jsonb
             THEN f.kind LIKE '%?'
           WHEN rtrim(f.kind, '?') = 'text'
             THEN jsonb_typeof(e.el -> f.field) = 'string'
           WHEN rtrim(f.kind, '?') = 'number'
             THEN jsonb_typeof(e.el -> f.field) IN ('number', 'string')
                  AND (e.el ->> f.field) ~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,4})?$'
           WHEN rtrim(f.kind, '?') = 'id'
             THEN jsonb_typeof(e.el -> f.field) IN ('number', 'string')
                  AND (e.el ->> f.field) ~ '^[0-9]{1,18}$'
           ELSE jsonb_typeof(e.el -> f.field) IN ('number', 'string')
                AND (e.el ->> f.field) ~ '^[-+]?[0-9]{1,9}(\.0*)?$'
         END
   ORDER BY e.ord, f.pos
   LIMIT 1;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF bad.value IS NULL OR jsonb_typeof(bad.value) = 'null' THEN
    RAISE EXCEPTION 'element % of the answer of % has no field %', bad.ord, endpoint, bad.field
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the answer exactly as Binance returned it.';
  ELSIF bad.value = '""'::jsonb THEN
    RAISE EXCEPTION 'field % of element % of the answer of % is empty', bad.field, bad.ord, endpoint
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RAISE EXCEPTION 'field % of element % of the answer of % is not %', bad.field, bad.ord, endpoint,
                  CASE rtrim(bad.kind, '?') WHEN 'text' THEN 'a string'
                                            WHEN 'number' THEN 'a number'
                                            WHEN 'id' THEN 'an identifier' ELSE 'an integer' END
    USING ERRCODE = CASE WHEN rtrim(bad.kind, '?') = 'text' THEN 'invalid_parameter_value'
                         ELSE 'invalid_text_representation' END,
          DETAIL = format('It is %s.', pm.excerpt(bad.value::text));
END
$$;
COMMENT ON FUNCTION pm.binance_check(endpoint text, elements jsonb, fields text[], kinds text[]) IS
  'an error naming the first element and field of a Binance answer that is missing or not of its kind (text, number, int, id; ? when optional)';

-- Symbols whose terms, brackets and mark are all known enter pm.symbol, or
-- follow the answers; their assets are created (without an index price)
-- when missing.  Returns the rows of pm.asset and pm.symbol it wrote.
CREATE FUNCTION pm.binance_symbols_publish(symbols pg_catalog.text[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql STRICT
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n pg_catalog.int4;
  written pg_catalog.int4 := 0;
  bad record;
BEGIN
  SELECT s.symbol, s.market, s.brackets_market INTO bad
    FROM pm.binance_symbol s
   WHERE s.symbol = ANY (symbols) AND s.market IS NOT NULL AND s.brackets_market IS NOT NULL
     AND s.market <> s.brackets_market
   ORDER BY s.symbol LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'symbol % is % by its exchangeInfo but has % brackets', pm.excerpt(bad.symbol),
                    bad.market, bad.brackets_market
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'USD-M symbols take /papi/v1/um/leverageBracket, COIN-M symbols /papi/v1/cm/leverageBracket.';
  END IF;
  INSERT INTO pm.asset (asset)
  SELECT DISTINCT a.asset
    FROM pm.binance_symbol s
   CROSS JOIN LATERAL (VALUES (s.base_asset), (s.settle_asset)) AS a(asset)
   WHERE s.symbol = ANY (symbols) AND s.market IS NOT NULL AND s.brackets IS NOT NULL
     AND s.mark_price IS NOT NULL
  ON CONFLICT (asset) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  written := written + n;
  INSERT INTO pm.symbol AS t (symbol, market, base_asset, settle_asset, contract_size, mark_price, brackets,
                              position_limit)
  SELECT s.symbol, s.market, s.base_asset, s.settle_asset,
         CASE WHEN s.market = 'CM' THEN s.contract_size END, s.mark_price, s.brackets, s.position_limit
    FROM pm.binance_symbol s
   WHERE s.symbol = ANY (symbols) AND s.market IS NOT NULL AND s.brackets IS NOT NULL
     AND s.mark_price IS NOT NULL
   ORDER BY s.symbol
  ON CONFLICT (symbol) DO UPDATE
    SET market = EXCLUDED.market, base_asset = EXCLUDED.base_asset,
        settle_asset = EXCLUDED.settle_asset, contract_size = EXCLUDED.contract_size,
        mark_price = EXCLUDED.mark_price, brackets = EXCLUDED.brackets,
        position_limit = EXCLUDED.position_limit
    WHERE (t.market, t.base_asset, t.settle_asset, t.contract_size, t.mark_price, t.position_limit)
            IS DISTINCT FROM
          (EXCLUDED.market, EXCLUDED.base_asset, EXCLUDED.settle_asset, EXCLUDED.contract_size,
           EXCLUDED.mark_price, EXCLUDED.position_limit)
       OR NOT (t.brackets OPERATOR(pm.=) EXCLUDED.brackets);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN written + n;
END
$$;
COMMENT ON FUNCTION pm.binance_symbols_publish(symbols text[]) IS
  'the symbols among these whose terms, brackets and mark pm.binance_symbol holds, into pm.symbol (and their assets into pm.asset); rows written';
REVOKE EXECUTE ON FUNCTION pm.binance_symbols_publish(symbols text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pm.binance_symbols_publish(symbols text[]) TO pm_writer;

-- Binance's answers, as the API returns them, into the tables.  Reference
-- answers (any order) upsert what they name; an account answer replaces
-- what the previous import of that endpoint wrote for the account.  Every
-- element is checked before anything is written; runs with the caller's
-- privileges and row-level security.
CREATE FUNCTION pm.import_binance(endpoint pg_catalog.text, answer pg_catalog.jsonb,
                                  account_id pg_catalog.int8 DEFAULT NULL)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ep pg_catalog.text := rtrim(endpoint, '/');
  el pg_catalog.jsonb;
  mkt pg_catalog.text;
  balances pm.balance[];
  positions pm."position"[];
  orders pm.open_order[];
  n pg_catalog.int4;
  written pg_catalog.int4 := 0;
  names pg_catalog.text[];
  bad record;
BEGIN
  IF ep IN ('/papi/v1/balance', '/papi/v1/um/positionRisk', '/papi/v1/cm/positionRisk',
            '/papi/v1/margin/openOrders') THEN
    IF account_id IS NULL THEN
      RAISE EXCEPTION 'the answer of % needs an account_id', ep
        USING ERRCODE = 'null_value_not_allowed',
              HINT = 'Create the account in pm.account (program, loan leverage), then pass its id.';
    END IF;
    PERFORM pm.check_account(account_id);
    -- One import of an account's answers at a time: a second waits here
    -- for the first to commit, and its statements then see what the first
    -- wrote.  Without it, its DELETE ran beside the first's uncommitted
    -- inserts, missed them, and both answers' rows survived (the isolation
    -- spec import_concurrency).  Under REPEATABLE READ and SERIALIZABLE the
    -- second fails to serialize instead.
    PERFORM 1 FROM pm.account a WHERE a.account_id = import_binance.account_id FOR NO KEY UPDATE;
  END IF;

  -- reference data ---------------------------------------------------------
  IF ep = '/sapi/v1/portfolio/asset-index-price' THEN
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{asset,assetIndexPrice}', '{text,number}');
    INSERT INTO pm.asset AS t (asset, index_price)
    SELECT e ->> 'asset', (e ->> 'assetIndexPrice')::numeric
      FROM jsonb_array_elements(el) AS e
     ORDER BY 1
    ON CONFLICT (asset) DO UPDATE SET index_price = EXCLUDED.index_price
      WHERE t.index_price IS DISTINCT FROM EXCLUDED.index_price;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;

  ELSIF ep IN ('/sapi/v1/portfolio/collateralRate', '/sapi/v2/portfolio/collateralRate') THEN
    el := pm.binance_elements(ep, answer);
    IF ep LIKE '/sapi/v1/%' THEN
      PERFORM pm.binance_check(ep, el, '{asset,collateralRate}', '{text,number}');
    ELSE
      PERFORM pm.binance_check(ep, el, '{asset}', '{text}');
      SELECT e.ord INTO bad
        FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
       WHERE jsonb_typeof(e.x -> 'collateralInfo') IS DISTINCT FROM 'array'
       ORDER BY e.ord LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'element % of the answer of % has no collateralInfo array', bad.ord, ep
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Pass the answer exactly as Binance returned it.';
      END IF;
    END IF;
    INSERT INTO pm.asset (asset)
    SELECT DISTINCT e ->> 'asset' FROM jsonb_array_elements(el) AS e ORDER BY 1
    ON CONFLICT (asset) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    written := n;
    INSERT INTO pm.collateral AS t (program, asset, schedule)
    SELECT CASE WHEN ep LIKE '/sapi/v1/%' THEN 'PM' ELSE 'PM_PRO' END, e ->> 'asset',
           CASE WHEN ep LIKE '/sapi/v1/%'
                THEN pm.tiers(ARRAY[0], ARRAY[(e ->> 'collateralRate')::numeric])
                ELSE pm.tiers_from_binance(e) END
      FROM jsonb_array_elements(el) AS e
     ORDER BY 2
    ON CONFLICT (program, asset) DO UPDATE SET schedule = EXCLUDED.schedule
      WHERE NOT (t.schedule OPERATOR(pm.=) EXCLUDED.schedule);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN written + n;

  ELSIF ep IN ('/fapi/v1/exchangeInfo', '/dapi/v1/exchangeInfo') THEN
    mkt := CASE WHEN ep LIKE '/fapi/%' THEN 'UM' ELSE 'CM' END;
    IF jsonb_typeof(answer) IS DISTINCT FROM 'object' OR jsonb_typeof(answer -> 'symbols') IS DISTINCT FROM 'array' THEN
      RAISE EXCEPTION 'the answer of % has no symbols array', ep
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass the answer exactly as Binance returned it: an object with "symbols".';
    END IF;
    el := pm.binance_elements(ep, answer -> 'symbols');
    IF mkt = 'UM' THEN
      PERFORM pm.binance_check(ep, el, '{symbol,baseAsset,marginAsset,status?}', '{text,text,text,text?}');
    ELSE
      PERFORM pm.binance_check(ep, el, '{symbol,baseAsset,marginAsset,contractSize,contractStatus?}',
                               '{text,text,text,number,text?}');
      SELECT e.ord, e.x ->> 'symbol' AS symbol INTO bad
        FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
       WHERE e.x ->> 'marginAsset' <> e.x ->> 'baseAsset' OR (e.x ->> 'contractSize')::numeric <= 0
       ORDER BY e.ord LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'symbol % (element % of the answer of %) is not an inverse contract on its base asset',
                        pm.excerpt(bad.symbol), bad.ord, ep
          USING ERRCODE = 'invalid_parameter_value',
                DETAIL = 'A COIN-M symbol settles in its base asset and has a positive contract size.';
      END IF;
    END IF;
    INSERT INTO pm.binance_symbol AS t (symbol, market, base_asset, settle_asset, contract_size, status)
    SELECT e ->> 'symbol', mkt, e ->> 'baseAsset', e ->> 'marginAsset',
           CASE WHEN mkt = 'CM' THEN (e ->> 'contractSize')::numeric END,
           nullif(coalesce(e ->> 'status', e ->> 'contractStatus'), '')
      FROM jsonb_array_elements(el) AS e
     ORDER BY 1
    ON CONFLICT (symbol) DO UPDATE
      SET market = EXCLUDED.market, base_asset = EXCLUDED.base_asset, settle_asset = EXCLUDED.settle_asset,
          contract_size = EXCLUDED.contract_size, status = EXCLUDED.status
      WHERE (t.market, t.base_asset, t.settle_asset, t.contract_size, t.status)
            IS DISTINCT FROM
            (EXCLUDED.market, EXCLUDED.base_asset, EXCLUDED.settle_asset, EXCLUDED.contract_size,
             EXCLUDED.status);
    GET DIAGNOSTICS written = ROW_COUNT;

  ELSIF ep IN ('/papi/v1/um/leverageBracket', '/papi/v1/cm/leverageBracket') THEN
    mkt := CASE WHEN ep LIKE '%/um/%' THEN 'UM' ELSE 'CM' END;
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{symbol,notionalCoef?}', '{text,number?}');
    SELECT e.ord, e.x ->> 'symbol' AS symbol, e.x -> 'notionalCoef' AS coef INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE nullif(e.x ->> 'notionalCoef', '')::numeric <> 1
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'symbol % (element % of the answer of %) has brackets adjusted for its user', pm.excerpt(bad.symbol), bad.ord, ep
        USING ERRCODE = 'feature_not_supported',
              DETAIL = format('Its notionalCoef is %s; brackets are kept per symbol, for every account alike.', pm.excerpt(bad.coef::text)),
              HINT = 'Import the brackets of a user whose brackets are not adjusted (no notionalCoef, or 1).';
    END IF;
    -- the limit: the last bracket's cap
    INSERT INTO pm.binance_symbol AS t (symbol, brackets, brackets_market, position_limit)
    SELECT e.x ->> 'symbol', pm.tiers_from_binance(e.x), mkt,
           (SELECT max(pm.json_numeric(b.y -> CASE mkt WHEN 'UM' THEN 'notionalCap' ELSE 'qtyCap' END,
                                       format('the %s of bracket %s of element %s of the answer of %s',
                                              CASE mkt WHEN 'UM' THEN 'notionalCap' ELSE 'qtyCap' END, b.k, e.ord, ep)))
              FROM jsonb_array_elements(e.x -> 'brackets') WITH ORDINALITY AS b(y, k))
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     ORDER BY 1
    ON CONFLICT (symbol) DO UPDATE
      SET brackets = EXCLUDED.brackets, brackets_market = EXCLUDED.brackets_market,
          position_limit = EXCLUDED.position_limit
      WHERE t.brackets IS NULL OR NOT (t.brackets OPERATOR(pm.=) EXCLUDED.brackets)
         OR (t.brackets_market, t.position_limit) IS DISTINCT FROM (EXCLUDED.brackets_market, EXCLUDED.position_limit);
    GET DIAGNOSTICS written = ROW_COUNT;

  ELSIF ep IN ('/fapi/v1/premiumIndex', '/dapi/v1/premiumIndex') THEN
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{symbol,markPrice}', '{text,number}');
    SELECT e.ord, e.x ->> 'symbol' AS symbol INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE (e.x ->> 'markPrice')::numeric <= 0
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'the mark price of symbol % (element % of the answer of %) is not positive',
                      pm.excerpt(bad.symbol), bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO pm.binance_symbol AS t (symbol, mark_price)
    SELECT e ->> 'symbol', (e ->> 'markPrice')::numeric
      FROM jsonb_array_elements(el) AS e
     ORDER BY 1
    ON CONFLICT (symbol) DO UPDATE SET mark_price = EXCLUDED.mark_price
      WHERE t.mark_price IS DISTINCT FROM EXCLUDED.mark_price;
    GET DIAGNOSTICS written = ROW_COUNT;

  ELSIF ep = '/api/v3/exchangeInfo' THEN
    IF jsonb_typeof(answer) IS DISTINCT FROM 'object' OR jsonb_typeof(answer -> 'symbols') IS DISTINCT FROM 'array' THEN
      RAISE EXCEPTION 'the answer of % has no symbols array', ep
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass the answer exactly as Binance returned it: an object with "symbols".';
    END IF;
    el := pm.binance_elements(ep, answer -> 'symbols');
    PERFORM pm.binance_check(ep, el, '{symbol,baseAsset,quoteAsset,status?}', '{text,text,text,text?}');
    INSERT INTO pm.binance_spot_symbol AS t (symbol, base_asset, quote_asset, status)
    SELECT e ->> 'symbol', e ->> 'baseAsset', e ->> 'quoteAsset', nullif(e ->> 'status', '')
      FROM jsonb_array_elements(el) AS e
     ORDER BY 1
    ON CONFLICT (symbol) DO UPDATE
      SET base_asset = EXCLUDED.base_asset, quote_asset = EXCLUDED.quote_asset, status = EXCLUDED.status
      WHERE (t.base_asset, t.quote_asset, t.status) IS DISTINCT FROM
            (EXCLUDED.base_asset, EXCLUDED.quote_asset, EXCLUDED.status);
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;

  -- an account's own answers ------------------------------------------------
  ELSIF ep = '/papi/v1/balance' THEN
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el,
      '{asset,crossMarginFree,crossMarginLocked,crossMarginBorrowed,crossMarginInterest,umWalletBalance,cmWalletBalance}',
      '{text,number,number,number,number,number,number}');
    SELECT d.ord, d.asset INTO bad
      FROM (SELECT e.ord, e.x ->> 'asset' AS asset,
                   row_number() OVER (PARTITION BY e.x ->> 'asset' ORDER BY e.ord) AS r
              FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)) d
     WHERE d.r = 2
     ORDER BY d.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'asset % appears twice in the answer of % (element %)', pm.excerpt(bad.asset), ep, bad.ord
        USING ERRCODE = 'unique_violation';
    END IF;
    -- an asset with nothing in any wallet is no balance
    balances := ARRAY(
      SELECT ROW(account_id, b.asset, b.f, b.l, b.bo, b.i, b.u, b.c)::pm.balance
        FROM jsonb_array_elements(el) AS e
       CROSS JOIN LATERAL (SELECT e ->> 'asset', (e ->> 'crossMarginFree')::numeric,
                                  (e ->> 'crossMarginLocked')::numeric, (e ->> 'crossMarginBorrowed')::numeric,
                                  (e ->> 'crossMarginInterest')::numeric, (e ->> 'umWalletBalance')::numeric,
                                  (e ->> 'cmWalletBalance')::numeric) AS b(asset, f, l, bo, i, u, c)
       WHERE (b.f, b.l, b.bo, b.i, b.u, b.c) IS DISTINCT FROM (0, 0, 0, 0, 0, 0)
       ORDER BY b.asset);
    INSERT INTO pm.asset (asset)
    SELECT b.asset FROM unnest(balances) AS b ORDER BY 1
    ON CONFLICT (asset) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    written := n;
    DELETE FROM pm.balance t
     WHERE t.account_id = import_binance.account_id
       AND NOT EXISTS (SELECT FROM unnest(balances) AS b WHERE b.asset = t.asset);
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
    INSERT INTO pm.balance AS t
    SELECT b.* FROM unnest(balances) AS b
    ON CONFLICT ON CONSTRAINT balance_pkey DO UPDATE
      SET cross_free = EXCLUDED.cross_free, cross_locked = EXCLUDED.cross_locked,
          cross_borrowed = EXCLUDED.cross_borrowed, cross_interest = EXCLUDED.cross_interest,
          um_wallet = EXCLUDED.um_wallet, cm_wallet = EXCLUDED.cm_wallet
      WHERE (t.cross_free, t.cross_locked, t.cross_borrowed, t.cross_interest, t.um_wallet, t.cm_wallet)
            IS DISTINCT FROM
            (EXCLUDED.cross_free, EXCLUDED.cross_locked, EXCLUDED.cross_borrowed,
             EXCLUDED.cross_interest, EXCLUDED.um_wallet, EXCLUDED.cm_wallet);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN written + n;

  ELSIF ep IN ('/papi/v1/um/positionRisk', '/papi/v1/cm/positionRisk') THEN
    mkt := CASE WHEN ep LIKE '%/um/%' THEN 'UM' ELSE 'CM' END;
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{symbol,positionAmt,entryPrice,leverage,positionSide}',
                             '{text,number,number,int,text}');
    SELECT e.ord, e.x ->> 'positionSide' AS side INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE e.x ->> 'positionSide' NOT IN ('BOTH', 'LONG', 'SHORT')
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'field positionSide of element % of the answer of % is not BOTH, LONG or SHORT', bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', pm.excerpt(bad.side));
    END IF;
    -- the positions the answer holds (not the zero ones), in answer order
    SELECT e.ord, e.x ->> 'symbol' AS symbol, s.market INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
      LEFT JOIN pm.symbol s ON s.symbol = e.x ->> 'symbol'
     WHERE (e.x ->> 'positionAmt')::numeric <> 0 AND s.market IS DISTINCT FROM mkt
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      IF bad.market IS NULL THEN
        RAISE EXCEPTION 'symbol % of element % of the answer of % is not in pm.symbol', pm.excerpt(bad.symbol), bad.ord, ep
          USING ERRCODE = 'foreign_key_violation',
                HINT = format('Import its terms (%s), brackets (%s) and mark (%s) first.',
                              CASE mkt WHEN 'UM' THEN '/fapi/v1/exchangeInfo' ELSE '/dapi/v1/exchangeInfo' END,
                              CASE mkt WHEN 'UM' THEN '/papi/v1/um/leverageBracket' ELSE '/papi/v1/cm/leverageBracket' END,
                              CASE mkt WHEN 'UM' THEN '/fapi/v1/premiumIndex' ELSE '/dapi/v1/premiumIndex' END);
      END IF;
      RAISE EXCEPTION 'symbol % of element % of the answer of % is a % symbol', pm.excerpt(bad.symbol), bad.ord, ep, bad.market
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT e.ord, e.x ->> 'symbol' AS symbol INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE (e.x ->> 'positionAmt')::numeric <> 0 AND (e.x ->> 'entryPrice')::numeric <= 0
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'field entryPrice of element % of the answer of % is not positive', bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('The position in %s is open, so it has an entry price.', pm.excerpt(bad.symbol));
    END IF;
    SELECT d.ord, d.symbol, d.side INTO bad
      FROM (SELECT e.ord, e.x ->> 'symbol' AS symbol, e.x ->> 'positionSide' AS side,
                   row_number() OVER (PARTITION BY e.x ->> 'symbol', e.x ->> 'positionSide' ORDER BY e.ord) AS r
              FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
             WHERE (e.x ->> 'positionAmt')::numeric <> 0) d
     WHERE d.r = 2
     ORDER BY d.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'position % % appears twice in the answer of % (element %)', pm.excerpt(bad.symbol), bad.side, ep, bad.ord
        USING ERRCODE = 'unique_violation';
    END IF;
    -- a hedge-mode leg takes its side's sign
    positions := ARRAY(
      SELECT ROW(account_id, e ->> 'symbol', e ->> 'positionSide',
                 CASE e ->> 'positionSide' WHEN 'LONG' THEN abs((e ->> 'positionAmt')::numeric)
                                           WHEN 'SHORT' THEN -abs((e ->> 'positionAmt')::numeric)
                                           ELSE (e ->> 'positionAmt')::numeric END,
                 (e ->> 'entryPrice')::numeric, (e ->> 'leverage')::numeric::int4)::pm.position
        FROM jsonb_array_elements(el) AS e
       WHERE (e ->> 'positionAmt')::numeric <> 0
       ORDER BY e ->> 'symbol', e ->> 'positionSide');
    DELETE FROM pm.position t
     USING pm.symbol s
     WHERE t.account_id = import_binance.account_id AND s.symbol = t.symbol AND s.market = mkt
       AND NOT EXISTS (SELECT FROM unnest(positions) AS p WHERE p.symbol = t.symbol AND p.side = t.side);
    GET DIAGNOSTICS written = ROW_COUNT;
    INSERT INTO pm.position AS t
    SELECT p.* FROM unnest(positions) AS p
    ON CONFLICT ON CONSTRAINT position_pkey DO UPDATE
      SET qty = EXCLUDED.qty, entry_price = EXCLUDED.entry_price, leverage = EXCLUDED.leverage
      WHERE (t.qty, t.entry_price, t.leverage) IS DISTINCT FROM
            (EXCLUDED.qty, EXCLUDED.entry_price, EXCLUDED.leverage);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN written + n;

  ELSIF ep = '/papi/v1/margin/openOrders' THEN
    el := pm.binance_elements(ep, answer);
    PERFORM pm.binance_check(ep, el, '{orderId,symbol,side,origQty,executedQty?,price,stopPrice?}',
                             '{id,text,text,number,number?,number,number?}');
    SELECT e.ord, e.x ->> 'side' AS side INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE e.x ->> 'side' NOT IN ('BUY', 'SELL')
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'field side of element % of the answer of % is not BUY or SELL', bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', pm.excerpt(bad.side));
    END IF;
    SELECT e.ord, e.x ->> 'symbol' AS symbol INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
      LEFT JOIN pm.binance_spot_symbol s ON s.symbol = e.x ->> 'symbol'
     WHERE s.symbol IS NULL
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'symbol % of element % of the answer of % is not in pm.binance_spot_symbol',
                      pm.excerpt(bad.symbol), bad.ord, ep
        USING ERRCODE = 'foreign_key_violation',
              HINT = 'Import /api/v3/exchangeInfo first: an order''s two assets are its symbol''s base and quote assets.';
    END IF;
    -- what is left of the order, at its limit price (a stop order's own
    -- price when it has none)
    SELECT e.ord INTO bad
      FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)
     WHERE (e.x ->> 'origQty')::numeric - coalesce(nullif(e.x ->> 'executedQty', '')::numeric, 0) > 0
       AND coalesce(nullif((e.x ->> 'price')::numeric, 0), nullif(e.x ->> 'stopPrice', '')::numeric, 0) <= 0
     ORDER BY e.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'element % of the answer of % has no price to value the order at', bad.ord, ep
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = 'Its price and stopPrice are both zero.';
    END IF;
    SELECT d.ord, d.id INTO bad
      FROM (SELECT e.ord, e.x ->> 'orderId' AS id,
                   row_number() OVER (PARTITION BY (e.x ->> 'orderId')::numeric ORDER BY e.ord) AS r
              FROM jsonb_array_elements(el) WITH ORDINALITY AS e(x, ord)) d
     WHERE d.r = 2
     ORDER BY d.ord LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'order % appears twice in the answer of % (element %)', pm.excerpt(bad.id), ep, bad.ord
        USING ERRCODE = 'unique_violation';
    END IF;
    orders := ARRAY(
      SELECT ROW(account_id, o.id,
                 CASE WHEN o.side = 'BUY' THEN s.quote_asset ELSE s.base_asset END,
                 CASE WHEN o.side = 'BUY' THEN o.qty * o.price ELSE o.qty END,
                 CASE WHEN o.side = 'BUY' THEN s.base_asset ELSE s.quote_asset END,
                 CASE WHEN o.side = 'BUY' THEN o.qty ELSE o.qty * o.price END)::pm.open_order
        FROM jsonb_array_elements(el) AS e
        JOIN pm.binance_spot_symbol s ON s.symbol = e ->> 'symbol'
       CROSS JOIN LATERAL (SELECT (e ->> 'orderId')::numeric::int8, e ->> 'side',
                                  (e ->> 'origQty')::numeric - coalesce(nullif(e ->> 'executedQty', '')::numeric, 0),
                                  coalesce(nullif((e ->> 'price')::numeric, 0), nullif(e ->> 'stopPrice', '')::numeric))
                          AS o(id, side, qty, price)
       WHERE o.qty > 0
       ORDER BY o.id);
    INSERT INTO pm.asset (asset)
    SELECT a.asset FROM unnest(orders) AS o CROSS JOIN LATERAL (VALUES (o.sell_asset), (o.buy_asset)) AS a(asset)
     GROUP BY a.asset ORDER BY 1
    ON CONFLICT (asset) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    written := n;
    DELETE FROM pm.open_order t
     WHERE t.account_id = import_binance.account_id
       AND NOT EXISTS (SELECT FROM unnest(orders) AS o WHERE o.order_id = t.order_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
    INSERT INTO pm.open_order AS t
    SELECT o.* FROM unnest(orders) AS o
    ON CONFLICT ON CONSTRAINT open_order_pkey DO UPDATE
      SET sell_asset = EXCLUDED.sell_asset, sell_qty = EXCLUDED.sell_qty,
          buy_asset = EXCLUDED.buy_asset, buy_qty = EXCLUDED.buy_qty
      WHERE (t.sell_asset, t.sell_qty, t.buy_asset, t.buy_qty) IS DISTINCT FROM
            (EXCLUDED.sell_asset, EXCLUDED.sell_qty, EXCLUDED.buy_asset, EXCLUDED.buy_qty);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN written + n;

  ELSE
    RAISE EXCEPTION 'pm.import_binance does not know the endpoint %', coalesce(pm.excerpt(endpoint), 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Known: /sapi/v1/portfolio/asset-index-price, /sapi/v1/portfolio/collateralRate, '
                   '/sapi/v2/portfolio/collateralRate, /fapi/v1/exchangeInfo, /dapi/v1/exchangeInfo, '
                   '/papi/v1/um/leverageBracket, /papi/v1/cm/leverageBracket, /fapi/v1/premiumIndex, '
                   '/dapi/v1/premiumIndex, /api/v3/exchangeInfo, /papi/v1/balance, /papi/v1/um/positionRisk, '
                   '/papi/v1/cm/positionRisk, /papi/v1/margin/openOrders.';
  END IF;

  -- a reference answer about symbols: publish those it made whole
  SELECT array_agg(e ->> 'symbol') INTO names FROM jsonb_array_elements(el) AS e;
  RETURN written + pm.binance_symbols_publish(names);
END
$$;
COMMENT ON FUNCTION pm.import_binance(endpoint text, answer jsonb, account_id bigint) IS
  'Binance''s answer of an endpoint, exactly as the API returns it, into the tables: reference data upserted, an account''s answer replacing what the previous import of that endpoint wrote for it; rows written';
REVOKE EXECUTE ON FUNCTION pm.import_binance(endpoint text, answer jsonb, account_id bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pm.import_binance(endpoint text, answer jsonb, account_id bigint) TO pm_writer;

-- The independent check a firm runs against the exchange: Binance's own
-- figures for an account (/papi/v1/account, or the classic
-- /sapi/v1/portfolio/account) beside ours, field by field, each judged at
-- the precision Binance printed it.
CREATE FUNCTION pm.reconcile_binance(account_id pg_catalog.int8, answer pg_catalog.jsonb,
  OUT field pg_catalog.text, OUT binance pg_catalog.text, OUT computed pg_catalog.text,
  OUT difference pg_catalog.numeric, OUT agrees pg_catalog.bool)
  RETURNS SETOF record
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 9
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r pm.account_risk;
  bad record;
BEGIN
  PERFORM pm.check_account(reconcile_binance.account_id);
  IF jsonb_typeof(answer) <> 'object' THEN
    RAISE EXCEPTION 'the account answer is not a JSON object'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', pm.excerpt(answer::text)),
            HINT = 'Pass the answer of /papi/v1/account (or /sapi/v1/portfolio/account) exactly as Binance returned it.';
  END IF;
  -- a number may come with thousands separators (Binance's own sample of
  -- /sapi/v1/portfolio/account does); "" or absent is a field Binance left out
  SELECT f.name, answer -> f.name AS value INTO bad
    FROM unnest(ARRAY['uniMMR', 'accountEquity', 'actualEquity', 'accountMaintMargin', 'accountInitialMargin',
                      'totalAvailableBalance', 'virtualMaxWithdrawAmount', 'totalMarginOpenLoss']) AS f(name)
   WHERE answer -> f.name IS NOT NULL AND answer -> f.name NOT IN ('null', '""')
     AND (jsonb_typeof(answer -> f.name) NOT IN ('string', 'number')
          OR replace(answer ->> f.name, ',', '') !~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,4})?$')
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'field % of the account answer is not a number', bad.name
      USING ERRCODE = 'invalid_text_representation', DETAIL = format('It is %s.', pm.excerpt(bad.value::text));
  END IF;
  IF answer -> 'accountStatus' IS NOT NULL AND jsonb_typeof(answer -> 'accountStatus') NOT IN ('string', 'null') THEN
    RAISE EXCEPTION 'field accountStatus of the account answer is not a string'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', pm.excerpt((answer -> 'accountStatus')::text));
  END IF;
  SELECT * INTO r FROM pm.account_risk_of(reconcile_binance.account_id);
  RETURN QUERY
  SELECT f.name, b.printed, f.value,
         CASE WHEN f.is_number THEN f.value::numeric - b.printed::numeric END,
         CASE WHEN b.printed IS NULL OR f.value IS NULL THEN NULL
              WHEN NOT f.is_number THEN b.printed = f.value
              ELSE round(f.value::numeric, scale(b.printed::numeric)) = b.printed::numeric END
    FROM (VALUES (1, 'uniMMR', true, r.uni_mmr::text),
                 (2, 'accountEquity', true, r.account_equity::text),
                 (3, 'actualEquity', true, r.actual_equity::text),
                 (4, 'accountMaintMargin', true, r.account_maint_margin::text),
                 (5, 'accountInitialMargin', true, r.account_initial_margin::text),
                 (6, 'totalAvailableBalance', true, r.total_available_balance::text),
                 (7, 'virtualMaxWithdrawAmount', true, r.virtual_max_withdraw_amount::text),
                 (8, 'totalMarginOpenLoss', true, r.total_margin_open_loss::text),
                 (9, 'accountStatus', false, r.account_status)) AS f(pos, name, is_number, value)
   CROSS JOIN LATERAL (SELECT nullif(CASE WHEN f.is_number THEN replace(answer ->> f.name, ',', '')
                                          ELSE answer ->> f.name END, '')) AS b(printed)
   ORDER BY f.pos;
END
$$;
COMMENT ON FUNCTION pm.reconcile_binance(account_id bigint, answer jsonb, OUT field text, OUT binance text, OUT computed text, OUT difference numeric, OUT agrees boolean) IS
  'Binance''s own figures for the account (the answer of /papi/v1/account or /sapi/v1/portfolio/account) beside ours, one row per field; agrees judged at the precision Binance printed (NULL where either side has no value)';


-- Positions over their symbol's limit: Binance caps a position's notional
-- at its last bracket's cap (UM in the quote asset, CM in the coin).  Exact:
-- a CM notional is compared as contracts x size against limit x mark, and
-- shown as pm.position_risk shows it (pm.cm_notional).
CREATE VIEW pm.position_over_limit AS
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
COMMENT ON VIEW pm.position_over_limit IS
  'positions whose notional is over their symbol''s limit (pm.symbol.position_limit), and by how much';
COMMENT ON COLUMN pm.position_over_limit.account_id IS 'account';
COMMENT ON COLUMN pm.position_over_limit.symbol IS 'contract';
COMMENT ON COLUMN pm.position_over_limit.side IS 'BOTH, LONG or SHORT: each leg is held to the limit on its own';
COMMENT ON COLUMN pm.position_over_limit.market IS 'UM or CM';
COMMENT ON COLUMN pm.position_over_limit.qty IS 'signed size: base units for UM, contracts for CM';
COMMENT ON COLUMN pm.position_over_limit.notional IS 'the position''s notional at the mark: UM in the quote asset, CM in the coin';
COMMENT ON COLUMN pm.position_over_limit.position_limit IS 'the symbol''s limit, in the same unit';
COMMENT ON COLUMN pm.position_over_limit.over_by IS 'notional less the limit';

-- pm.liquidation_price for a view over many accounts: an account that
-- cannot be valued gives its error instead of stopping the read.
CREATE FUNCTION pm.liquidation_price_or_error(account_id pg_catalog.int8, asset pg_catalog.text,
                                              OUT below pg_catalog.numeric, OUT above pg_catalog.numeric,
                                              OUT error pg_catalog.text)
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  why text;
BEGIN
  SELECT l.below, l.above INTO below, above
    FROM pm.liquidation_price(liquidation_price_or_error.account_id, liquidation_price_or_error.asset) l;
EXCEPTION WHEN data_exception THEN
  -- pm.check_valued's detail carries the account's error, as pm.account_risk shows it
  GET STACKED DIAGNOSTICS why = PG_EXCEPTION_DETAIL;
  error := coalesce(substring(why FROM '^Its error: (.*)\.$'), SQLERRM);
END
$$;
COMMENT ON FUNCTION pm.liquidation_price_or_error(account_id bigint, asset text, OUT below numeric, OUT above numeric, OUT error text) IS
  'pm.liquidation_price, or, for an account that cannot be valued, NULL prices and why (for views over many accounts, where one account must not stop the read)';

-- Positions as /papi/v1/um/positionRisk and /papi/v1/cm/positionRisk show
-- them, under Binance's field names, but with the liquidation price that
-- portfolio margin gives: the account's, for the symbol's base asset
-- (pm.liquidation_price), in the direction that hurts the position.
-- Binance's maxNotionalValue and maxQty depend on leverage limits per
-- bracket, which pm.tiers does not keep; they are left out rather than
-- shown wrong.  One pm.liquidation_price per row: ask for an account.
CREATE VIEW pm.binance_position_risk AS
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
COMMENT ON VIEW pm.binance_position_risk IS
  'each position as Binance''s positionRisk answers show it (UM and CM), with the portfolio-margin liquidation price of its account (pm.liquidation_price) in place of Binance''s; maxNotionalValue and maxQty left out (pm.tiers keeps no leverage limits)';
COMMENT ON COLUMN pm.binance_position_risk.account_id IS 'account';
COMMENT ON COLUMN pm.binance_position_risk.market IS 'UM (/papi/v1/um/positionRisk) or CM (/papi/v1/cm/positionRisk)';
COMMENT ON COLUMN pm.binance_position_risk.symbol IS 'contract';
COMMENT ON COLUMN pm.binance_position_risk."positionAmt" IS 'signed size: base units (UM) or contracts (CM)';
COMMENT ON COLUMN pm.binance_position_risk."entryPrice" IS 'average entry price';
COMMENT ON COLUMN pm.binance_position_risk."markPrice" IS 'mark price (pm.symbol)';
COMMENT ON COLUMN pm.binance_position_risk."unRealizedProfit" IS 'unrealized PnL in the settle asset, exact';
COMMENT ON COLUMN pm.binance_position_risk."liquidationPrice" IS 'the base asset''s price at which the account enters liquidation, below the current one for a long, above for a short (liquidation_below or liquidation_above); NULL for none, where Binance prints 0';
COMMENT ON COLUMN pm.binance_position_risk.leverage IS 'position leverage (a string in Binance''s answer)';
COMMENT ON COLUMN pm.binance_position_risk."positionSide" IS 'BOTH, LONG or SHORT';
COMMENT ON COLUMN pm.binance_position_risk.notional IS 'notional at the mark in the settle asset: UM notional, CM notionalValue';
COMMENT ON COLUMN pm.binance_position_risk.liquidation_below IS 'the account''s liquidation price of the base asset below the current one (pm.liquidation_price), or NULL';
COMMENT ON COLUMN pm.binance_position_risk.liquidation_above IS 'the account''s liquidation price of the base asset above the current one (pm.liquidation_price), or NULL';
COMMENT ON COLUMN pm.binance_position_risk.error IS 'why the account cannot be valued (then the liquidation prices are NULL), or NULL';

------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------

-- Every view runs with the rights of the role that reads it, so that
-- row-level security on the tables under it applies to that role.  The
-- option exists from PostgreSQL 15 on; before, the views run with the
-- owner's rights and row-level security does not split them.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.ledger_row SET (security_invoker = true);
    ALTER VIEW pm.margin_line SET (security_invoker = true);
    ALTER VIEW pm.position_risk_local SET (security_invoker = true);
    ALTER VIEW pm.position_risk SET (security_invoker = true);
    ALTER VIEW pm.account_risk SET (security_invoker = true);
    ALTER VIEW pm.account_margin SET (security_invoker = true);
    ALTER VIEW pm.asset_equity SET (security_invoker = true);
    ALTER VIEW pm.stress_result SET (security_invoker = true);
    ALTER VIEW pm.position_over_limit SET (security_invoker = true);
    ALTER VIEW pm.binance_position_risk SET (security_invoker = true);
    ALTER VIEW pm.status_series SET (security_invoker = true);
    ALTER VIEW pm.book_series SET (security_invoker = true);
    ALTER VIEW pm.nearest_liquidation_series SET (security_invoker = true);
  END IF;
END
$$;

GRANT SELECT ON pm."position", pm.account, pm.account_access, pm.account_margin, pm.account_risk, pm.account_state, pm.asset, pm.asset_equity, pm.balance, pm.binance_position_risk, pm.binance_spot_symbol, pm.binance_symbol, pm.collateral, pm.ledger_row, pm.loan_mmr, pm.margin_line, pm.open_order, pm.position_over_limit, pm.position_risk, pm.position_risk_local, pm.risk_event, pm.scenario, pm.status_threshold, pm.stress_result, pm.symbol, pm.account_history, pm.asset_history, pm.balance_history, pm.collateral_history, pm.history_start, pm.loan_mmr_history, pm.mark_price_history, pm.open_order_history, pm.position_history, pm.status_threshold_history, pm.symbol_history, pm.risk_sample, pm.status_series, pm.book_series, pm.nearest_liquidation_series TO pm_reader;

GRANT SELECT ON pm.account_remote, pm.balance_remote, pm.position_remote, pm.open_order_remote, pm.account_state_remote, pm.risk_event_remote, pm.account_risk_remote, pm.account_margin_remote, pm.stress_result_remote, pm.position_risk_remote, pm.position_over_limit_remote, pm.margin_line_remote, pm.binance_position_risk_remote TO pm_reader;

GRANT DELETE, INSERT, UPDATE ON pm."position", pm.account, pm.balance, pm.open_order, pm.scenario TO pm_writer;

GRANT DELETE, INSERT, UPDATE ON pm.account_remote, pm.balance_remote, pm.position_remote, pm.open_order_remote TO pm_writer;

GRANT INSERT, UPDATE ON pm.asset, pm.symbol TO pm_writer;

GRANT DELETE, INSERT, UPDATE ON pm.binance_spot_symbol, pm.binance_symbol TO pm_writer;


------------------------------------------------------------------------------
-- Dump and restore
------------------------------------------------------------------------------

-- A stock pg_dump / pg_restore must just work: see src/restore.c.
CREATE FUNCTION pm.restoring() RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_restoring' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION pm.restoring() IS
  'whether this session is loading a dump (check_function_bodies and row_security both off, as pg_dump''s scripts and pg_restore set them), outside CREATE or ALTER EXTENSION';

CREATE FUNCTION pm.restore_guard() RETURNS trigger
  AS 'MODULE_PATHNAME', 'pm_restore_guard' LANGUAGE C;
COMMENT ON FUNCTION pm.restore_guard() IS
  'statement triggers before and after every write to the extension''s tables: in a restoring session, a table may be loaded only by the restore that created the extension, with its triggers quiet';
REVOKE EXECUTE ON FUNCTION pm.restore_guard() FROM PUBLIC;

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
  'the extension''s tables a restore in progress loads, and which session loaded each (src/restore.c); empty unless the extension was created by a restore';
COMMENT ON COLUMN pm.restore_progress.tab IS 'a configuration table of the extension';
COMMENT ON COLUMN pm.restore_progress.loaded_at IS 'when the restore began loading it; NULL while it waits';
COMMENT ON COLUMN pm.restore_progress.loaded_by_pid IS 'the restoring session (process id) that loads it';
COMMENT ON COLUMN pm.restore_progress.loaded_by_start IS 'that session''s start, to tell it from a later one with the same pid';

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
ALTER TABLE pm.scenario ENABLE ALWAYS TRIGGER scenario_restore_replace;

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

-- The restore guard on every table of the extension (src/restore.c), a C
-- function that returns at once outside a restoring session (cheaper than a
-- WHEN clause, whose expression is read again for every statement): in a
-- restoring session, each statement on one of them runs with
-- session_replication_role = replica -- PostgreSQL's switch for loading
-- rows without firing their triggers, foreign-key checks included, which
-- pg_restore --disable-triggers sets too -- and only on a table that the
-- restore that created the extension has yet to load.
CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_access
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account_access ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_access
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account_access ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_state
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account_state ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.account_state
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.account_state ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.asset
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.asset ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.asset
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.asset ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.balance
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.balance ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.balance
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.balance ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.binance_spot_symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.binance_spot_symbol ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.binance_spot_symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.binance_spot_symbol ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.binance_symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.binance_symbol ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.binance_symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.binance_symbol ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.collateral
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.collateral ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.collateral
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.collateral ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.loan_mmr
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.loan_mmr ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.loan_mmr
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.loan_mmr ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.open_order
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.open_order ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.open_order
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.open_order ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.position
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.position ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.position
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.position ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.risk_event
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.risk_event ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.risk_event
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.risk_event ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.scenario
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.scenario ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.scenario
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.scenario ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.status_threshold
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.status_threshold ENABLE ALWAYS TRIGGER restore_guard_end;

CREATE TRIGGER restore_guard_begin BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.symbol ENABLE ALWAYS TRIGGER restore_guard_begin;

CREATE TRIGGER restore_guard_end AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pm.symbol
  FOR EACH STATEMENT EXECUTE FUNCTION pm.restore_guard();
ALTER TABLE pm.symbol ENABLE ALWAYS TRIGGER restore_guard_end;

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
