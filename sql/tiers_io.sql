-- pm.tiers text and binary input/output: canonical output, exact round trips
-- (scale included), constructor, accessors, equality and hashing.

-- Canonical text: numeric_out of every value, ", " between tiers
SELECT '0:0.004, 300000:0.005, 800000:0.0065'::pm.tiers;
SELECT '  0 : 0.004 ,300000:0.005,   800000 :0.0065  '::pm.tiers;
SELECT E'0:1,\n\t1e8:0.975'::pm.tiers;
SELECT '+0:+.5, 5.:1E-1'::pm.tiers;
SELECT '0:0'::pm.tiers;

-- Scale is kept, so the output reads back to an identical value
SELECT '0.000:0.9500, 1000000.00:0.90'::pm.tiers;
SELECT t::text::pm.tiers::text = t::text AS round_trip
  FROM (VALUES ('0:0.004, 300000:0.005'::pm.tiers),
               ('0.000:0.9500, 1000000.00:0.90'),
               ('0:1, 0.00000001:0.99999999999999999999999999'),
               ('0:0.5, 123456789012345678901234567890.123456789:0.25')) v(t);

-- Constructor from arrays agrees with the literal
SELECT pm.tiers('{0,300000,800000}', '{0.004,0.005,0.0065}');
SELECT pm.tiers(ARRAY[0, 300000, 800000], ARRAY[0.004, 0.005, 0.0065])
       OPERATOR(pm.=) '0:0.004, 300000:0.005, 800000:0.0065'::pm.tiers AS same;
SELECT pm.tiers(ARRAY[0.00]::numeric[], ARRAY[1.000]::numeric[]);
-- arrays with non-default lower bounds are read in order
SELECT pm.tiers('[5:6]={0,10}'::numeric[], '[0:1]={0.5,0.4}'::numeric[]);

-- Accessors
SELECT pm.floors(t), pm.rates(t), pm.cum(t)
  FROM (SELECT '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02'::pm.tiers) s(t);
SELECT * FROM pm.tiers_table('0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02');
SELECT * FROM pm.tiers_table('0:0.95');

-- Equality by value, a total order consistent with it, and a hash that
-- agrees, so DISTINCT, GROUP BY (sorted or hashed) and ORDER BY work.  The
-- operators live in schema pm.
SELECT '0:0.95'::pm.tiers OPERATOR(pm.=) '0.0:0.950'::pm.tiers AS eq,
       '0:0.95'::pm.tiers OPERATOR(pm.<>) '0:0.9'::pm.tiers AS ne,
       '0:0.95'::pm.tiers OPERATOR(pm.=) '0:0.95, 10:0.9'::pm.tiers AS eq_longer,
       '0:0.9'::pm.tiers OPERATOR(pm.<) '0:0.95'::pm.tiers AS lt,
       '0:0.95'::pm.tiers OPERATOR(pm.<) '0:0.95, 10:0.9'::pm.tiers AS prefix_first,
       '0:1, 5:0.5'::pm.tiers OPERATOR(pm.>=) '0:1, 4:0.5'::pm.tiers AS ge;
SELECT pm.tiers_hash('0:0.95') = pm.tiers_hash('0.00:0.9500') AS hash_ignores_scale;
SELECT count(DISTINCT t) AS distinct_schedules
  FROM (VALUES ('0:0.95'::pm.tiers), ('0.0:0.950'), ('0:0.9'), ('0:0.95, 10:0.9')) v(t);
SET enable_hashagg = off;
SELECT t, count(*) FROM (VALUES ('0:0.95'::pm.tiers), ('0.0:0.950'), ('0:0.9')) v(t)
 GROUP BY t ORDER BY t;
RESET enable_hashagg;
SET enable_sort = off;
SELECT t, count(*) FROM (VALUES ('0:0.95'::pm.tiers), ('0.0:0.950'), ('0:0.9')) v(t)
 GROUP BY t ORDER BY count(*) DESC;
RESET enable_sort;

-- Stored values survive the table round trip, also when toasted
CREATE TABLE tiers_store (id int, t pm.tiers);
INSERT INTO tiers_store VALUES (1, '0:0.004, 300000:0.005'), (2, '0:1');
INSERT INTO tiers_store
  SELECT 3, pm.tiers(array_agg(f ORDER BY f), array_agg(0.5 ORDER BY f))
    FROM generate_series(0, 4999) AS f;
SELECT id, pm.tiered(1000000, t), array_length(pm.floors(t), 1) AS tiers
  FROM tiers_store ORDER BY id;

-- Binary: COPY out and back in gives identical values
-- a file of this server process's own, for binary COPY
SELECT '/tmp/pm_regress_tiers_' || pg_backend_pid() || '.bin' AS copyfile \gset
COPY tiers_store TO :'copyfile' (FORMAT binary);
CREATE TABLE tiers_back (LIKE tiers_store);
COPY tiers_back FROM :'copyfile' (FORMAT binary);
SELECT a.id, a.t::text = b.t::text AS identical
  FROM tiers_store a JOIN tiers_back b USING (id) ORDER BY a.id;

-- The binary form as pm.tiers_send writes it: version 1, tier count, then
-- each floor and rate as length + numeric_send
SELECT pm.tiers_send('0:0.5');

-- Forged binary input is rejected with a clear error, never trusted.
-- binary_copy_file wraps one field's bytes in a binary COPY file;
-- nb() is one numeric as pm.tiers_send frames it.
CREATE FUNCTION binary_copy_file(payload bytea, path text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  lo oid;
BEGIN
  lo := lo_from_bytea(0,
          '\x5047434f50590aff0d0a00'::bytea              -- signature
          || '\x00000000'::bytea || '\x00000000'::bytea  -- flags, header extension
          || '\x0001'::bytea                             -- one field
          || int4send(length(payload)) || payload
          || '\xffff'::bytea);                           -- trailer
  PERFORM lo_export(lo, path);
  PERFORM lo_unlink(lo);
END $$;
CREATE FUNCTION nb(numeric) RETURNS bytea LANGUAGE sql
  AS $$ SELECT int4send(length(numeric_send($1))) || numeric_send($1) $$;
CREATE TABLE tiers_in (t pm.tiers);
-- a valid one first, to show the framing is right
SELECT binary_copy_file('\x0100000002' || nb(0) || nb(0.5) || nb(10) || nb(0.25), :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT t FROM tiers_in;
-- unknown format version
SELECT binary_copy_file('\x02' || substr(pm.tiers_send('0:0.5'), 2), :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- no tiers, a negative count, too many tiers
SELECT binary_copy_file('\x0100000000', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT binary_copy_file('\x01ffffffff', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT binary_copy_file('\x01000186a1', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- a count far beyond the bytes present
SELECT binary_copy_file('\x01000186a0', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- truncated: the header alone, and a cut inside the tier count
SELECT binary_copy_file('\x01', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT binary_copy_file('\x010000', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- a rate whose length runs past the end
SELECT binary_copy_file('\x0100000001' || nb(0) || int4send(10) || '\x0000000000000000', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- a length too short to hold any numeric
SELECT binary_copy_file('\x0100000001' || int4send(4) || '\x00000000' || nb(0) || '\x00000000', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- trailing garbage after the last tier
SELECT binary_copy_file(pm.tiers_send('0:0.5') || '\x00', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- a numeric with bytes left over inside its own length
SELECT binary_copy_file('\x0100000001' || int4send(10) || numeric_send(0) || '\x0000' || nb(0), :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- an invalid numeric digit (10000 is out of range for a base-10000 digit)
SELECT binary_copy_file('\x0100000001' || nb(0) || int4send(10) || '\x00010000000000002710', :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
-- the schedule rules hold for binary input too: NaN, infinity, order,
-- first floor, negative rate
SELECT binary_copy_file('\x0100000001' || nb(0) || nb('NaN'), :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT binary_copy_file('\x0100000002' || nb(0) || nb(1) || nb('Infinity') || nb(1), :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT binary_copy_file('\x0100000002' || nb(0) || nb(1) || nb(0) || nb(1), :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT binary_copy_file('\x0100000001' || nb(5) || nb(0), :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT binary_copy_file('\x0100000001' || nb(0) || nb(-0.1), :'copyfile');
COPY tiers_in FROM :'copyfile' (FORMAT binary);
SELECT count(*) AS rows_loaded FROM tiers_in;
SELECT lo_unlink(lo) FROM (SELECT lo_import(:'copyfile') AS lo) s;
DROP TABLE tiers_store, tiers_back, tiers_in;
DROP FUNCTION binary_copy_file(bytea, text);
DROP FUNCTION nb(numeric);
