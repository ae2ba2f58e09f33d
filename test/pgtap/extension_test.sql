-- The extension as an object: what it creates, owns and promises.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION portfolio_margin;
SELECT plan(14);

SELECT has_schema('pm', 'CREATE EXTENSION creates schema pm');
SELECT is((SELECT count(*)::int FROM pg_depend
            WHERE classid = 'pg_namespace'::regclass
              AND objid = 'pm'::regnamespace
              AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'portfolio_margin')
              AND deptype = 'e'),
          1, 'the extension owns schema pm');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'portfolio_margin'),
          '0.1.0', 'installed version is 0.1.0');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'portfolio_margin'),
          false, 'the extension is not relocatable');
SELECT has_type('pm', 'tiers', 'type pm.tiers exists');
SELECT isnt((SELECT typsend FROM pg_type WHERE oid = 'pm.tiers'::regtype), 0::regproc,
            'pm.tiers has binary send');
SELECT isnt((SELECT typreceive FROM pg_type WHERE oid = 'pm.tiers'::regtype), 0::regproc,
            'pm.tiers has binary receive');

-- Every function is IMMUTABLE, STRICT and PARALLEL SAFE: they depend only on
-- their arguments, so the planner may fold, cache and parallelize them.
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'pm'::regnamespace
     AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's')$$,
  'every pm function is IMMUTABLE STRICT PARALLEL SAFE');
-- No SECURITY DEFINER anywhere.
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_proc p
                   WHERE p.pronamespace = 'pm'::regnamespace AND p.prosecdef$$,
                'no SECURITY DEFINER function');
-- Every function users call has a comment (type support functions excepted).
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'pm'::regnamespace
     AND p.proname !~ '^tiers_(in|out|recv|send|cmp|eq|ne|lt|le|gt|ge|hash)$'
     AND obj_description(p.oid, 'pg_proc') IS NULL$$,
  'every user-facing function has a comment');
SELECT isnt(obj_description('pm.tiers'::regtype, 'pg_type'), NULL, 'pm.tiers has a comment');
SELECT is((SELECT count(*)::int FROM pg_opclass
            WHERE opcintype = 'pm.tiers'::regtype AND opcdefault),
          2, 'pm.tiers has default btree and hash operator classes');

-- DROP EXTENSION takes the schema and everything in it.
DROP EXTENSION portfolio_margin;
SELECT hasnt_schema('pm', 'DROP EXTENSION removes schema pm');
-- A schema pm that already exists is not adopted.
CREATE SCHEMA pm;
SELECT throws_ok('CREATE EXTENSION portfolio_margin', '42P06', NULL,
                 'an existing schema pm is an error, not silently adopted');

SELECT * FROM finish();
ROLLBACK;
