-- Hostile input: every SQL-callable function, both types' text and binary
-- input, and the aggregates, fed values a careless or malicious client could
-- send.  Each outcome is a clear error with its SQLSTATE or a correct answer;
-- a crash would end the test, a silent wrong number would show in the
-- expected output.  (tiers_errors and margin_aggregate hold the ordinary
-- error cases; this is the catalogue of the extreme ones.)

-- try(q): run q, give "ok <result>" (long results shortened) or
-- "<SQLSTATE> <message>"
CREATE FUNCTION try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
  st text;
  msg text;
BEGIN
  EXECUTE q INTO r;
  RETURN 'ok ' || coalesce(CASE WHEN length(r) > 60
                                THEN left(r, 24) || '... (' || length(r) || ' chars)'
                                ELSE r END, 'NULL');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN st || ' ' || msg;
END $$;

-- Hostile numbers: NaN, infinities, zero, negative, a 1,000-digit scale, the
-- largest and smallest magnitudes numeric holds
CREATE TABLE hostile (label text, expr text);
INSERT INTO hostile VALUES
  ('nan', '''NaN''::numeric'),
  ('+inf', '''Infinity''::numeric'),
  ('-inf', '''-Infinity''::numeric'),
  ('zero', '0::numeric'),
  ('negative', '-1::numeric'),
  ('scale1000', '(''0.'' || repeat(''1'', 1000))::numeric'),
  ('huge', '(''9'' || repeat(''0'', 131071))::numeric'),
  ('tiny', '(''0.'' || repeat(''0'', 16382) || ''1'')::numeric');

-- Every numeric argument of every scalar function, in turn, gets each
-- hostile number while the others stay valid
CREATE TABLE calls (f text, args text[]);
INSERT INTO calls VALUES
  ('pm.tiered', ARRAY['100', '''0:0.1, 1000:0.2''::pm.tiers']),
  ('pm.collateral_value', ARRAY['100', '''0:1, 1000:0.5''::pm.tiers']),
  ('pm.tier_of', ARRAY['100', '''0:1, 1000:0.5''::pm.tiers']),
  ('pm.um_unrealized_pnl', ARRAY['2', '100', '110']),
  ('pm.cm_unrealized_pnl', ARRAY['2', '100', '40000', '41000']),
  ('pm.um_maint_margin', ARRAY['2', '40000', '''0:0.004, 50000:0.005''::pm.tiers']),
  ('pm.cm_maint_margin', ARRAY['2', '100', '40000', '''0:0.004, 50000:0.005''::pm.tiers']),
  ('pm.loan_maint_margin', ARRAY['10', '1.5', '0.05']),
  ('pm.um_initial_margin', ARRAY['2', '40000', '20']),
  ('pm.cm_initial_margin', ARRAY['2', '100', '40000', '20']),
  ('pm.cm_notional', ARRAY['2', '100', '40000']),
  ('pm.cm_bracket', ARRAY['2', '100', '40000', '''0:0.004, 50000:0.005''::pm.tiers']),
  ('pm.loan_initial_margin', ARRAY['10', '5']),
  ('pm.order_open_loss', ARRAY['''BTC''', '0.5', '40000', '''0:0.95''::pm.tiers',
                               '''USDT''', '20000', '1', '''0:1''::pm.tiers']),
  ('pm.status', ARRAY['1.5', '0.01', '''PM''', '''BTC''']);
SELECT c.f, i AS arg, h.label,
       try(format('SELECT %s(%s)::text', c.f,
                  array_to_string(c.args[1:i - 1] || h.expr || c.args[i + 1:], ', '))) AS outcome
  FROM calls c, generate_subscripts(c.args, 1) i, hostile h
 WHERE c.args[i] ~ '^[0-9.]+$'
   AND NOT (c.f LIKE '%initial_margin' AND i = array_length(c.args, 1))  -- leverage is an integer
 ORDER BY 1, 2, 3;

-- Leverage is an integer: out of range, zero, negative
SELECT try('SELECT pm.um_initial_margin(2, 40000, 0)'),
       try('SELECT pm.um_initial_margin(2, 40000, -5)'),
       try('SELECT pm.cm_initial_margin(2, 100, 40000, 2147483647)'),
       try('SELECT pm.loan_initial_margin(10, 0)');

-- Text arguments: unknown programs are errors; a NULL program gives NULL
-- (the function is strict); order asset names only label messages, so an
-- empty or repeated name changes nothing

SELECT try('SELECT pm.status(1.5, 0.01, ''XX'', ''BTC'')'),
       try('SELECT pm.status(1.5, 0.01, '''', ''BTC'')'),
       try('SELECT pm.status(1.5, 0.01, NULL, ''BTC'')'),
       try('SELECT pm.order_open_loss('''', 1, 1, NULL, ''USDT'', 1, 1, NULL)'),
       try('SELECT pm.order_open_loss(''BTC'', 1, 1, NULL, ''BTC'', 1, 1, NULL)');

-- Schedules at the limits: 10,000 tiers work and evaluate exactly, 100,001
-- do not; one tier; a floor with a 1,000-digit scale
CREATE TABLE big_schedule AS
  SELECT string_agg(i || ':' || (i::numeric / 1000000), ', ' ORDER BY i)::pm.tiers AS t
    FROM generate_series(0, 9999) i;
-- (tier i covers (i, i + 1] at rate i / 1e6; the last one is unbounded)
SELECT array_length(pm.floors(t), 1) AS tiers,
       pm.tiered(1000000, t) AS tiered_1m,
       pm.tiered(1000000, t) = (SELECT sum(i::numeric / 1000000) FROM generate_series(0, 9998) i)
                               + (1000000 - 9999) * 0.009999 AS exact,
       pm.tier_of(9999.5, t) AS tier_of
  FROM big_schedule;
SELECT try('SELECT (SELECT string_agg(i || '':0'', '','') FROM generate_series(0, 100000) i)::pm.tiers::text');
SELECT try('SELECT pm.tiers(array_agg(i::numeric), array_agg(0::numeric))::text FROM generate_series(0, 100000) i');
SELECT pm.tiered(5, '0:0.5');
SELECT try('SELECT pm.tiered(1, (''0:0.5, 0.'' || repeat(''0'', 999) || ''1:0.6'')::pm.tiers)');
-- arrays: empty, NULL elements, different lengths, two dimensions, NULL
SELECT try('SELECT pm.tiers(''{}'', ''{}'')::text'),
       try('SELECT pm.tiers(''{0,NULL}'', ''{0.1,0.2}'')::text'),
       try('SELECT pm.tiers(''{0,1}'', ''{0.1}'')::text'),
       try('SELECT pm.tiers(''{{0,1}}'', ''{{0.1,0.2}}'')::text'),
       try('SELECT pm.tiers(NULL, ''{0.1}'')::text');
-- text: empty, blanks, truncated, stray bytes, numbers without digits,
-- exponents numeric cannot hold
SELECT label, try(format('SELECT %L::pm.tiers::text', lit)) AS outcome
  FROM (VALUES ('empty', ''), ('blanks', '   '), ('no rate', '0:'), ('no colon', '0 0.1'),
               ('trailing comma', '0:0.1,'), ('double comma', '0:0.1,,1:0.2'),
               ('stray byte', E'0:0.1\x01'), ('sign only', '0:-'), ('point only', '0:.'),
               ('exponent only', '0:1e'), ('huge exponent', '0:1, 1e999999:0.1'),
               ('tiny exponent', '0:1e-999999'), ('word', '0:one'),
               ('nan word', '0:nan'), ('inf word', '0:inf')) v(label, lit);

-- pm.tiers_from_binance: not JSON, wrong shapes, wrong types, hostile numbers
SELECT label, try(format('SELECT pm.tiers_from_binance(%L::jsonb)::text', j)) AS outcome
  FROM (VALUES ('empty array', '[]'), ('object', '{}'), ('number', '1'),
               ('no brackets key', '[{"symbol": "BTCUSDT"}]'),
               ('brackets not array', '[{"brackets": 5}]'),
               ('floor missing', '[{"brackets": [{"maintMarginRatio": 0.004}]}]'),
               ('floor a word', '[{"brackets": [{"notionalFloor": "zero", "maintMarginRatio": 0.004}]}]'),
               ('floor bool', '[{"brackets": [{"notionalFloor": true, "maintMarginRatio": 0.004}]}]'),
               ('rate NaN', '[{"brackets": [{"notionalFloor": 0, "maintMarginRatio": "NaN"}]}]'),
               ('rate 1e999999', '[{"brackets": [{"notionalFloor": 0, "maintMarginRatio": "1e999999"}]}]'),
               ('unsorted', '[{"brackets": [{"notionalFloor": 5, "maintMarginRatio": 0.1}, {"notionalFloor": 0, "maintMarginRatio": 0.2}]}]')
       ) v(label, j);
SELECT try('SELECT pm.tiers_from_binance(''[{"brackets": [}'')::text');

-- pm.margin_summary text input: hostile JSON
SELECT label, try(format('SELECT %L::pm.margin_summary::text', j)) AS outcome
  FROM (VALUES ('not json', 'BTC'), ('truncated', '[{"asset": "BTC"'),
               ('null', 'null'), ('nested array', '[[{"asset": "BTC"}]]'),
               ('asset a number', '[{"asset": 1, "equity": 1, "index_price": 1}]'),
               ('asset null', '[{"asset": null, "equity": 1, "index_price": 1}]'),
               ('asset 256 bytes', '[{"asset": "' || repeat('A', 256) || '", "equity": 1, "index_price": 1}]'),
               ('asset with NUL escape', '[{"asset": "B\u0000C", "equity": 1, "index_price": 1}]'),
               ('key twice', '[{"asset": "BTC", "equity": 1, "equity": 2, "index_price": 1}]'),
               ('price negative', '[{"asset": "BTC", "equity": 1, "index_price": -1}]'),
               ('price infinite', '[{"asset": "BTC", "equity": 1, "index_price": "Infinity"}]'),
               ('price 1000-digit scale', '[{"asset": "BTC", "equity": 1, "index_price": 0.' || repeat('1', 1000) || '}]'),
               ('equity 1e131071', '[{"asset": "BTC", "equity": 1e131071, "index_price": 1}]'),
               ('equity 1e131072', '[{"asset": "BTC", "equity": 1e131072, "index_price": 1}]'),
               ('equity a string of words', '[{"asset": "BTC", "equity": "lots", "index_price": 1}]'),
               ('collateral unsorted', '[{"asset": "BTC", "equity": 1, "index_price": 1, "collateral": "0:1, 5:0.9, 2:0.8"}]'),
               ('key twice, escaped', '[{"asset": "BTC", "equity": 1, "equit\u0079": 2, "index_price": 1}]'),
               -- names are case-sensitive: btc and BTC are two assets
               ('duplicate asset, other case', '[{"asset": "btc", "equity": 1, "index_price": 1}, {"asset": "BTC", "equity": 1, "index_price": 1}]')
       ) v(label, j);
-- a 1,000-digit-scale price is kept exactly
SELECT pm.account_equity(('[{"asset": "X", "equity": 3, "collateral": "0:1", "index_price": 0.' || repeat('3', 1000) || '}]')::pm.margin_summary)
       = 3 * ('0.' || repeat('3', 1000))::numeric AS exact_equity;

-- The aggregate: hostile lines are errors naming the asset; a 1,000-digit
-- scale sums exactly; an asset priced twice in one account is refused
SELECT label, try(q) AS outcome
  FROM (VALUES
    ('nan equity', 'SELECT pm.margin(''BTC'', ''NaN'', 0, 1, NULL)::text'),
    ('inf maint', 'SELECT pm.margin(''BTC'', 1, ''Infinity'', 1, NULL)::text'),
    ('zero price', 'SELECT pm.margin(''BTC'', 1, 0, 0, NULL)::text'),
    ('negative price', 'SELECT pm.margin(''BTC'', 1, 0, -2, NULL)::text'),
    ('missing price', 'SELECT pm.margin(''BTC'', 1, 0, NULL, NULL)::text'),
    ('priced twice', 'SELECT pm.margin(a, 1, 0, p, NULL)::text FROM (VALUES (''BTC'', 40000), (''BTC'', 40001)) v(a, p)'),
    ('empty asset', 'SELECT pm.margin('''', 1, 0, 1, NULL)::text'),
    ('NUL-free long asset', 'SELECT pm.margin(repeat(''A'', 256), 1, 0, 1, NULL)::text'),
    ('negative open loss', 'SELECT pm.margin(''BTC'', 1, 0, 0, -1, 1, NULL)::text'),
    ('rate above one as collateral', 'SELECT pm.margin(''BTC'', 1, 0, 1, ''0:1.5'')::text'),
    ('huge times huge', 'SELECT pm.margin(''BTC'', (''9'' || repeat(''0'', 131071))::numeric, 0, (''9'' || repeat(''0'', 131071))::numeric, ''0:1'')::text')
  ) v(label, q);
-- pm.account_ledger, the raw-row aggregate behind the views: unknown row
-- kinds, assets and symbols it cannot price, hostile amounts: the account
-- cannot be valued (its summary is NULL) and its error says why
INSERT INTO pm.asset (asset, index_price) VALUES ('ZZT', 1);
SELECT label, try('SELECT coalesce(pm.ledger_risk_error(k, key, key2, a, b, c, d, e, f, n), '
                  || 'pm.account_ledger(k, key, key2, a, b, c, d, e, f, n)::text) FROM (VALUES '
                  || r || ') v(k, key, key2, a, b, c, d, e, f, n)') AS outcome
  FROM (VALUES
    ('kind z', $$('z'::"char", 'ZZT', NULL::text, 1::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, NULL::int)$$),
    ('asset without a price', $$('b'::"char", 'NOPE', NULL::text, 1::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, NULL::int)$$),
    ('symbol not listed', $$('p'::"char", 'NOPEUSDT', NULL::text, 1::numeric, 100::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, 10)$$),
    ('NaN balance', $$('b'::"char", 'ZZT', NULL::text, 'NaN'::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, NULL::int),
                                ('a', 'PM', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 5)$$),
    ('-Infinity wallet', $$('b'::"char", 'ZZT', NULL::text, 0::numeric, 0::numeric, 0::numeric, 0::numeric, '-Infinity'::numeric, 0::numeric, NULL::int),
                                ('a', 'PM', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 5)$$),
    ('negative loan', $$('b'::"char", 'ZZT', NULL::text, 0::numeric, 0::numeric, -5::numeric, 0::numeric, 0::numeric, 0::numeric, NULL::int),
                                ('a', 'PM', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 5)$$),
    ('one asset in two rows', $$('b'::"char", 'ZZT', NULL::text, 1::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, NULL::int),
                                ('b', 'ZZT', NULL, 2, 0, 0, 0, 0, 0, NULL),
                                ('a', 'PM', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 5)$$),
    ('no account row', $$('b'::"char", 'ZZT', NULL::text, 1::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, NULL::int)$$),
    ('NULL amount', $$('b'::"char", 'ZZT', NULL::text, NULL::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, NULL::int)$$),
    ('NULL kind', $$(NULL::"char", 'ZZT', NULL::text, 1::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, NULL::int)$$),
    ('unknown program', $$('a'::"char", 'XX', NULL::text, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, 5)$$)
  ) v(label, r);
-- two rows of one asset net, as two lines of pm.margin do
SELECT pm.account_ledger(k, key, NULL, a, 0, 0, 0, 0, 0, n)::text
  FROM (VALUES ('a'::"char", 'PM', NULL::numeric, 5), ('b', 'ZZT', 1, NULL), ('b', 'ZZT', 2, NULL)) v(k, key, a, n);
DELETE FROM pm.asset WHERE asset = 'ZZT';

SELECT pm.account_equity(pm.margin('X', e, 0, 1, '0:1')) = sum(e) AS exact_sum
  FROM (SELECT ('0.' || repeat(i::text, 1000))::numeric AS e FROM generate_series(1, 9) i) s;

-- Internal-state functions cannot be reached from SQL: no value of type
-- internal can be written, so forged states only come from our own
-- serialize functions (and are checked anyway, see below)
SELECT try('SELECT pm.margin_deserialize(''\x01'', NULL)');
SELECT try('SELECT pm.ledger_deserialize(''\x01'', NULL)');
SELECT try('SELECT pm.margin_final(NULL)');

-- Forged pm.margin_summary binary, through binary COPY: one case per way
-- the bytes can be wrong, then values the bytes frame correctly but the
-- rules refuse
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
-- nb: one numeric framed as our binary forms frame it; asset: one asset
-- (name, price, equity, zero margins, collateral flag and schedule)
CREATE FUNCTION nb(numeric) RETURNS bytea LANGUAGE sql
  AS $$ SELECT int4send(length(numeric_send($1))) || numeric_send($1) $$;
CREATE FUNCTION asset(name bytea, price numeric, equity numeric, coll bytea DEFAULT NULL)
  RETURNS bytea LANGUAGE sql
  AS $$ SELECT int4send(length(name)) || name || nb(price) || nb(equity) || nb(0) || nb(0) || nb(0)
               || CASE WHEN coll IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || coll END $$;
CREATE TABLE summary_in (s pm.margin_summary);
-- a file of this server process's own, for binary COPY
SELECT '/tmp/pm_regress_hostile_' || pg_backend_pid() || '.bin' AS copyfile \gset
CREATE FUNCTION copy_in(payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text;
  msg text;
  detail text;
BEGIN
  PERFORM binary_copy_file(payload, current_setting('pm_test.copyfile'));
  EXECUTE format('COPY summary_in FROM %L (FORMAT binary)', current_setting('pm_test.copyfile'));
  RETURN 'ok loaded';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  RETURN st || ' ' || msg || coalesce(E'\n      ' || nullif(detail, ''), '');
END $$;
SELECT set_config('pm_test.copyfile', :'copyfile', false) IS NOT NULL AS set;
SELECT label, copy_in(b) AS outcome
  FROM (VALUES
    ('valid, two assets', '\x0100000002'::bytea || asset('BTC', 40000, 1, pm.tiers_send('0:0.95'))
                                           || asset('USDT', 1, -100)),
    ('empty', '\x'::bytea),
    ('version 2', '\x0200000000'::bytea),
    ('negative count', '\x01ffffffff'::bytea),
    ('count past the end', '\x0100000100'::bytea || asset('BTC', 1, 1)),
    ('cut in the count', '\x010000'::bytea),
    ('name past the end', '\x0100000001'::bytea || int4send(200) || substr(asset('B', 1, 1), 5)),
    ('name length 0', '\x0100000001'::bytea || int4send(0) || substr(asset('B', 1, 1), 6)),
    ('name length 256', '\x0100000001'::bytea || int4send(256) || substr(asset('B', 1, 1), 5)),
    ('name length -1', '\x0100000001'::bytea || int4send(-1) || substr(asset('B', 1, 1), 5)),
    ('NUL in a name', '\x0100000001'::bytea || asset('\x420043', 1, 1)),
    ('invalid UTF-8 name', '\x0100000001'::bytea || asset('\xc328', 1, 1)),
    ('names out of order', '\x0100000002'::bytea || asset('ETH', 1, 1) || asset('BTC', 1, 1)),
    ('name twice', '\x0100000002'::bytea || asset('BTC', 1, 1) || asset('BTC', 1, 1)),
    ('numeric length 4', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(4) || '\x00000000'::bytea
                           || nb(1) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    ('numeric length past the end', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(2000000000)
                           || '\x0000000000000000'::bytea || nb(1) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    ('numeric digits past its frame', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(8)
                           || '\x00030000000000000001000100010001'::bytea || nb(0) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    ('numeric sign 0x8000', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(8)
                           || '\x0000000080000000'::bytea || nb(1) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    ('numeric dscale 0x4000', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(8)
                           || '\x0000000000004000'::bytea || nb(1) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    ('numeric digit 10000', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(10)
                           || '\x00010000000000002710'::bytea || nb(1) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    -- 1 at weight -32768 with display scale 0: numeric_recv alone would read 0
    ('figure past the display scale', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(10)
                           || '\x00018000000000000001'::bytea || nb(1) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    ('0.0001 sent with display scale 3', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(10)
                           || '\x0001ffff000000030001'::bytea || nb(1) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    ('NaN with a digit', '\x0100000001'::bytea || int4send(3) || 'BTC'::bytea || int4send(10)
                           || '\x00010000c00000000001'::bytea || nb(1) || nb(0) || nb(0) || nb(0) || '\x00'::bytea),
    ('collateral flag 2', '\x0100000001'::bytea || substr(asset('BTC', 1, 1), 1, length(asset('BTC', 1, 1)) - 1) || '\x02'::bytea),
    ('flag without schedule', '\x0100000001'::bytea || substr(asset('BTC', 1, 1), 1, length(asset('BTC', 1, 1)) - 1) || '\x01'::bytea),
    ('schedule of 0 tiers', '\x0100000001'::bytea || asset('BTC', 1, 1, '\x0100000000')),
    ('schedule version 9', '\x0100000001'::bytea || asset('BTC', 1, 1, '\x09' || substr(pm.tiers_send('0:1'), 2))),
    ('schedule cut short', '\x0100000001'::bytea || asset('BTC', 1, 1, substr(pm.tiers_send('0:1, 5:0.5'), 1, 20))),
    ('schedule unsorted', '\x0100000001'::bytea || asset('BTC', 1, 1, '\x0100000002'::bytea || nb(0) || nb(1) || nb(0) || nb(0.5))),
    ('schedule rate above one', '\x0100000001'::bytea || asset('BTC', 1, 1, pm.tiers_send('0:2'))),
    ('price zero', '\x0100000001'::bytea || asset('BTC', 0, 1)),
    ('price NaN', '\x0100000001'::bytea || asset('BTC', 'NaN', 1)),
    ('equity -Infinity', '\x0100000001'::bytea || asset('BTC', 1, '-Infinity')),
    ('bytes after the value', '\x0100000000ff'::bytea)
  ) v(label, b);
SELECT count(*) AS rows_loaded, min(s::text) AS loaded FROM summary_in;
-- what was loaded is what was sent
SELECT pm.margin_summary_send(s) = '\x0100000002'::bytea || asset('BTC', 40000, 1, pm.tiers_send('0:0.95'))
                                                     || asset('USDT', 1, -100) AS identical
  FROM summary_in;

DROP TABLE hostile, calls, big_schedule, summary_in;
DROP FUNCTION copy_in(bytea);
DROP FUNCTION asset(bytea, numeric, numeric, bytea);
DROP FUNCTION nb(numeric);
DROP FUNCTION binary_copy_file(bytea, text);
DROP FUNCTION try(text);

-- No message repeats more than a short excerpt of a value: each of these
-- errors is about a megabyte-long name or text, or a number of 131,072
-- digits; its message, detail and hint stay short (numbers in scientific
-- notation), and the error still says what is wrong
CREATE FUNCTION try_short(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text;
  msg text;
  det text;
  hin text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                          hin = PG_EXCEPTION_HINT;
  RETURN st || ' ' || greatest(length(msg), length(det), length(hin)) || ' ' || left(msg, 60);
END $$;
INSERT INTO pm.asset (asset, index_price) VALUES ('ZZT', 1);
SELECT label, try_short(q) AS outcome
  FROM (VALUES
    ('pm.tiers text', $$SELECT repeat('9', 1000000)::pm.tiers$$),
    ('pm.margin_summary text', $$SELECT ('[{"asset": "' || repeat('X', 1000000) || '"}]')::pm.margin_summary$$),
    ('pm.tiers_from_binance symbol', $$SELECT pm.tiers_from_binance(jsonb_build_object('symbol', repeat('X', 1000000),
                                         'brackets', '[{"bracket": 1, "notionalFloor": 0}]'::jsonb))$$),
    ('pm.status program', $$SELECT pm.status(1.5, 0.01, repeat('X', 1000000), NULL)$$),
    ('pm.order_open_loss asset', $$SELECT pm.order_open_loss(repeat('X', 1000000), 1, NULL, NULL, 'ZZT', 1, 1, NULL)$$),
    ('pm.tiered huge amount', $$SELECT pm.tiered(-('9' || repeat('0', 131071))::numeric, '0:0.5')$$),
    ('pm.tiers huge floor', $$SELECT pm.tiers(ARRAY[-('9' || repeat('0', 131071))::numeric], ARRAY[0.1])$$),
    ('ledger totals unknown asset', $$SELECT pm.ledger_totals('b', repeat('X', 1000000), NULL, 1, 0, 0, 0, 0, 0, NULL)$$),
    ('ledger totals unknown symbol', $$SELECT pm.ledger_totals(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n)
                                         FROM (VALUES ('a'::"char", 'PM', NULL::numeric, NULL::numeric, 3),
                                                      ('p', repeat('X', 1000000), 1, 1, 10)) v(k, key, a, b, n)$$)
  ) v(label, q);
-- the same rule for the error field of an account that cannot be valued
SELECT length(pm.ledger_risk_error('b', repeat('X', 1000000), NULL, 1, 0, 0, 0, 0, 0, NULL)) AS unknown_asset,
       length(pm.ledger_risk_error('s', repeat('X', 1000000), NULL, -2, NULL, NULL, NULL, NULL, NULL, NULL))
         AS scenario_shock;
SELECT pm.excerpt(repeat('é', 100)) = repeat('é', 64) || '...' AS excerpt_by_characters,
       pm.excerpt(repeat('x', 64)) = repeat('x', 64) AS short_values_whole;
DELETE FROM pm.asset WHERE asset = 'ZZT';
