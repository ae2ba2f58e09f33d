-- A node as a coordinator of shards (docs/sharding.md): what the extension
-- gives a node without shards (nothing to plan, nothing to pay), the
-- set-up functions' errors, and attaching and detaching a postgres_fdw
-- server (no connection is made: test/shard_test.sh runs real shards).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION portfolio_margin;
SELECT plan(15);
\ir plan_of.psql

-- This node's one account: one whose hash the shard attached below holds.
SELECT min(a) AS own FROM generate_series(1, 40) a
 WHERE satisfies_hash_partition('pm.account_remote'::regclass, 2, 1, a::int8) \gset
INSERT INTO pm.asset VALUES ('USDT', 1) ON CONFLICT DO NOTHING;
INSERT INTO pm.account VALUES (:own, 'PM', 3);
INSERT INTO pm.balance VALUES (:own, 'USDT', 1000, 0, 0, 0, 0, 0);

-- Without shards the remote tables are empty and planned away.
SELECT is((SELECT count(*)::int FROM pm.account_risk), 1, 'a node without shards answers for its own accounts');
SELECT unalike(pg_temp.plan_of('SELECT * FROM pm.account_risk'), '%remote%',
              'pm.account_risk''s plan has no branch for shards on a node without them');
SELECT ok(pm.shard_of(:own) IS NULL AND NOT pm.on_a_shard(:own) AND NOT pm.on_a_shard(:own + 1),
          'no account is on a shard of a node without shards');
SELECT throws_ok($$INSERT INTO pm.balance_remote VALUES (2, 'USDT', 1, 0, 0, 0, 0, 0)$$, '23514', NULL,
                 'a write to the shards of a node without shards is an error');
SELECT throws_ok($$SELECT pm.on_shard(1, 'stress', '{x}')$$, '22023',
                 'account 1 is on no shard of this node', 'pm.on_shard for an account on no shard is an error');
SELECT throws_ok($$SELECT pm.on_shard(1, 'pg_sleep', '{1}')$$, '22023',
                 'pm.on_shard runs pm.stress, pm.whatif, pm.liquidation_price, pm.max_withdraw or their as-of forms, not "pg_sleep"',
                 'pm.on_shard runs the functions for one account and nothing else');
SELECT throws_ok($$SELECT pm.attach_shard('nowhere', 3, 0)$$, '42704',
                 'server "nowhere" is not a postgres_fdw server', 'attaching a server that is not postgres_fdw''s is an error');

-- A postgres_fdw server made a shard: one foreign partition per table.
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER shard_x FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'nowhere');
SELECT is((SELECT count(*)::int FROM pm.attach_shard('shard_x', 2, 1)), 13,
          'pm.attach_shard gives each of the 13 remote tables a foreign partition');
SELECT is((SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.oid = 'pm."account_risk@shard_x"'::regclass),
          'FOR VALUES WITH (modulus 2, remainder 1)', 'the partition holds the hash it was given');
SELECT is(ARRAY(SELECT a FROM generate_series(1, 40) a WHERE pm.shard_of(a) IS NOT NULL),
          ARRAY(SELECT a FROM generate_series(1, 40) a WHERE satisfies_hash_partition('pm.account_remote'::regclass, 2, 1, a::int8)),
          'pm.shard_of names the server for exactly the accounts whose hash it holds');
SELECT ok((SELECT bool_and(pm.on_a_shard(a) = (pm.shard_of(a) IS NOT NULL AND a <> :own))
             FROM generate_series(1, 40) a) AND pm.shard_of(:own) IS NOT NULL,
          'a function for one account goes to a shard for the accounts it holds, never for this node''s own');
SELECT throws_ok($$SELECT pm.stress(a, 'x') FROM generate_series(1, 40) a WHERE pm.shard_of(a) IS NOT NULL AND a <> $$ || :own, '0A000', NULL,
                 'without dblink, a function for an account of a shard says it needs it');
SELECT throws_ok($$SELECT pm.attach_shard('shard_x', 2, 1)$$, NULL, NULL,
                 'the same hash cannot be attached twice');
SELECT is((SELECT count(*)::int FROM pm.detach_shard('shard_x')), 13, 'pm.detach_shard drops the 13 partitions');
SELECT ok(pm.shard_of(3) IS NULL AND pm.shard_of(4) IS NULL, 'after pm.detach_shard no account is on a shard');

SELECT * FROM finish();
ROLLBACK;
