-- Objects in a caller's search_path cannot change what pm's functions return.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION portfolio_margin;
SELECT plan(3);

CREATE TEMP TABLE want AS
  SELECT * FROM pm.tiers_table('0:0.004, 300000:0.005, 800000:0.0065');

-- A hostile schema first in the search_path shadows the built-ins the SQL
-- functions use (unnest, lead) and the numeric = operator.
CREATE SCHEMA evil;
CREATE FUNCTION evil.unnest(anyarray) RETURNS SETOF anyelement
  LANGUAGE sql AS $$ SELECT $1[1] $$;
CREATE FUNCTION evil.lead(numeric) RETURNS numeric
  LANGUAGE sql WINDOW AS $$ SELECT 42::numeric $$;
CREATE FUNCTION evil.numeric_eq_lie(numeric, numeric) RETURNS boolean
  LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = evil.numeric_eq_lie);
SET LOCAL search_path = evil, pg_catalog, public;

-- the trap is live: unqualified SQL would use it
SELECT ok(1::numeric = 2::numeric AND (SELECT count(*) FROM unnest(ARRAY[1, 2])) = 1,
          'the shadowing objects are in effect for unqualified SQL');
SELECT results_eq(
  $$SELECT * FROM pm.tiers_table('0:0.004, 300000:0.005, 800000:0.0065') ORDER BY tier$$,
  $$SELECT * FROM want ORDER BY tier$$,
  'pm.tiers_table ignores shadowing functions in the search_path');
SELECT is(pm.tiered(5000000, '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02'),
          38000.00, 'pm.tiered is unaffected');

SELECT * FROM finish();
ROLLBACK;
