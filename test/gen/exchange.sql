-- test/gen/exchange.sql: a realistic demo exchange in the pm schema.
--
--   psql -v accounts=10000 -v seed=42 -f test/gen/exchange.sql
--
-- Fills pm.asset, pm.collateral, pm.symbol, pm.account, pm.balance,
-- pm.position and pm.open_order of a database where the extension is already
-- created.  It REPLACES what those tables hold (they are truncated first);
-- pm.loan_mmr and pm.status_threshold are left as they are.
--
-- Deterministic: every random number is a hash of (seed, stream, key) where
-- the key comes from generate_series (no setseed(), no random()), and sums
-- are taken in numeric, so the same seed gives the same rows whatever plan
-- or parallelism computes them.  (The shaping uses float8 exp/ln/cos from
-- the platform's C library; another platform could differ in a last digit.)
-- Each step is one INSERT ... SELECT over generate_series, plus one pass of
-- pm.account_margin at the end, so the cost is linear in the number of
-- accounts: about 5 balances and 3 positions per account, 10,000 accounts in
-- a few seconds, 200,000 in about half a minute.
--
-- Parameter data: BTCUSDT, ETHUSDT and XRPUSDT brackets, the PM Pro tier
-- shapes by rank and the flat PM rates are Binance's published numbers from
-- test/data/ (dated there); every other bracket ladder and schedule is
-- modelled on them and marked "modelled".  Prices are plausible, not quotes.

\if :{?accounts}
\else
  \set accounts 10000
\endif
\if :{?seed}
\else
  \set seed 42
\endif

-- Quiet while loading; the caller's QUIET setting is restored at the end.
\set gen_quiet :QUIET
\set QUIET on
BEGIN;
SET LOCAL client_min_messages = warning;

------------------------------------------------------------------------------
-- Pseudo-random numbers
------------------------------------------------------------------------------

-- Uniform in (0, 1), from 53 bits of a 64-bit hash: stream selects an
-- independent sequence, key the element.  Never 0 or 1, so ln() is safe.
CREATE OR REPLACE FUNCTION pg_temp.gen_u(seed int8, stream int8, key int8) RETURNS float8
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (((hashint8extended(key, seed * 1000 + stream) >> 11) & 9007199254740991)::float8 + 0.5)
               / 9007199254740992::float8 $$;

-- Standard normal (Box-Muller on two independent uniforms of the same key).
CREATE OR REPLACE FUNCTION pg_temp.gen_n(seed int8, stream int8, key int8) RETURNS float8
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT sqrt(-2 * ln(pg_temp.gen_u(seed, stream, key)))
               * cos(2 * pi() * pg_temp.gen_u(seed, stream + 500, key)) $$;

-- A positive amount rounded to a number of significant digits (prices).
CREATE OR REPLACE FUNCTION pg_temp.gen_sig(x float8, digits int4) RETURNS numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT trim_scale(round(x::numeric, digits - 1 - floor(log(x))::int4)) $$;

------------------------------------------------------------------------------
-- Start empty (children before parents; loan_mmr and the ladder stay)
------------------------------------------------------------------------------

-- pm.account_state is kept by triggers (0.4.0): a bulk load is faster with
-- them off and the state built once at the end; foreign keys stay checked.
-- ENABLE TRIGGER USER would enable every trigger for ordinary sessions
-- only, so each is put back as it was (some fire always, or only where
-- replication applies rows).
CREATE TEMP TABLE gen_trigger AS
SELECT t.tgrelid::regclass AS tab, t.tgname, t.tgenabled FROM pg_catalog.pg_trigger t
 WHERE t.tgrelid IN ('pm.balance'::regclass, 'pm.position'::regclass, 'pm.open_order'::regclass,
                     'pm.account'::regclass, 'pm.asset'::regclass, 'pm.symbol'::regclass,
                     'pm.collateral'::regclass)
   AND NOT t.tgisinternal;
ALTER TABLE pm.balance DISABLE TRIGGER USER;
ALTER TABLE pm.position DISABLE TRIGGER USER;
ALTER TABLE pm.open_order DISABLE TRIGGER USER;
ALTER TABLE pm.account DISABLE TRIGGER USER;
ALTER TABLE pm.asset DISABLE TRIGGER USER;
ALTER TABLE pm.symbol DISABLE TRIGGER USER;
ALTER TABLE pm.collateral DISABLE TRIGGER USER;
TRUNCATE pm.risk_event, pm.account_state, pm.open_order, pm.position, pm.balance, pm.account,
         pm.symbol, pm.collateral, pm.asset;

------------------------------------------------------------------------------
-- Assets: index prices in USD, popularity order, collateral class
------------------------------------------------------------------------------

-- idx orders assets by how often accounts hold them (1-3 stablecoins,
-- 4-5 BTC/ETH, then altcoins by size); pro_rank is the PM Pro collateral
-- rank whose tier shape the asset gets (test/data/collateral_tiers.csv),
-- pm_rate its flat PM rate: published where a comment gives the date
-- (test/data/collateral_rates.csv), modelled otherwise.  PNUT and MEME are
-- not collateral in either program; ZEC only in PM Pro.
CREATE TEMP TABLE gen_asset (
  idx int4 PRIMARY KEY,
  asset text NOT NULL,
  index_price numeric NOT NULL,
  pro_rank int4,
  pm_rate numeric
);
INSERT INTO gen_asset (idx, asset, index_price, pro_rank, pm_rate) VALUES
  ( 1, 'USDT',  1,          10, 1.00),
  ( 2, 'USDC',  1,          20, 1.00),
  ( 3, 'FDUSD', 1,          30, 0.99),
  ( 4, 'BTC',   95000,      15, 0.95),   -- PM 0.95 published 2022-04-18
  ( 5, 'ETH',   3500,       15, 0.95),
  ( 6, 'BNB',   650,        25, 0.95),
  ( 7, 'SOL',   200,        25, 0.90),
  ( 8, 'XRP',   2.30,       40, 0.90),
  ( 9, 'DOGE',  0.33,       40, 0.80),
  (10, 'ADA',   0.90,       50, 0.80),
  (11, 'TRX',   0.25,       60, 0.80),
  (12, 'TON',   5.50,       70, 0.60),   -- PM 0.60 published 2026-02-06
  (13, 'LINK',  22,         50, 0.80),
  (14, 'AVAX',  38,         50, 0.80),
  (15, 'DOT',   7,          60, 0.70),   -- PM 0.70 published 2026-02-06
  (16, 'LTC',   105,        50, 0.80),   -- PM 0.80 published 2026-02-06
  (17, 'BCH',   450,        50, 0.80),
  (18, 'UNI',   13,         70, 0.70),
  (19, 'NEAR',  5,          60, 0.70),   -- PM 0.70 published 2026-01-23
  (20, 'APT',   9,          70, 0.40),   -- PM 0.40 published 2026-01-23
  (21, 'ARB',   0.75,       70, 0.50),
  (22, 'OP',    1.90,       70, 0.50),   -- PM 0.50 published 2026-01-23
  (23, 'SUI',   4.20,       50, 0.70),
  (24, 'PEPE',  0.000018,   70, 0.50),
  (25, 'SHIB',  0.000022,   60, 0.80),   -- PM 0.80 published 2026-01-23
  (26, 'WIF',   2.10,       70, 0.10),   -- PM 0.10 published 2026-03-20
  (27, 'FIL',   5.20,       90, 0.50),   -- PM 0.50 published 2026-01-23
  (28, 'ATOM',  6.50,      100, 0.50),   -- PM 0.50 published 2026-01-23
  (29, 'ETC',   27,        100, 0.50),   -- PM 0.50 published 2026-01-23
  (30, 'TIA',   5.50,       90, 0.40),   -- PM 0.40 published 2026-01-23
  (31, 'ZEC',   55,        110, NULL),
  (32, 'PNUT',  0.60,       NULL, NULL),
  (33, 'MEME',  0.015,      NULL, NULL);

INSERT INTO pm.asset (asset, index_price)
SELECT asset, index_price FROM gen_asset ORDER BY idx;

------------------------------------------------------------------------------
-- Collateral: PM Pro tiered by rank, PM one flat rate
------------------------------------------------------------------------------

-- Ranks 30-110 are the published schedules of test/data/collateral_tiers.csv
-- (rank 30 is BFUSD's; FDUSD gets it here); ranks 10-25 (USDT, USDC, BTC and
-- ETH, BNB and SOL) are modelled: full or 0.95 value up to a high floor,
-- then falling.
CREATE TEMP TABLE gen_rank (rank int4 PRIMARY KEY, schedule pm.tiers NOT NULL);
INSERT INTO gen_rank (rank, schedule) VALUES
  ( 10, '0:1, 300000000:0.975'),                                          -- USDT (modelled)
  ( 15, '0:0.95, 50000000:0.9, 100000000:0.85, 200000000:0.8'),           -- BTC, ETH (modelled)
  ( 20, '0:1, 100000000:0.975, 200000000:0.95'),                          -- USDC (modelled)
  ( 25, '0:0.95, 5000000:0.9, 10000000:0.8, 20000000:0.7'),               -- BNB, SOL (modelled)
  ( 30, '0:1.00, 10000000:0.975, 30000000:0.95'),                         -- published 2025-09-23
  ( 40, '0:1.00, 3000000:0.95, 6000000:0.90'),                            -- published 2025-09-16
  ( 50, '0:1.00, 1000000:0.95, 2000000:0.75, 5000000:0.60'),              -- published 2025-09-16
  ( 60, '0:1.00, 800000:0.95, 1200000:0.75, 4000000:0.50'),               -- published 2025-09-23
  ( 70, '0:1.00, 800000:0.95, 1200000:0.75, 2000000:0.50'),               -- published 2025-11-07
  ( 90, '0:1.00, 100000:0.80, 250000:0.50, 500000:0.10'),                 -- published 2025-10-01
  (100, '0:1.00, 50000:0.80, 100000:0.50, 200000:0.20, 400000:0.10'),     -- published 2026-04-24
  (110, '0:1.00, 50000:0.10');                                            -- published 2025-10-31

INSERT INTO pm.collateral (program, asset, schedule)
SELECT 'PM_PRO', a.asset, r.schedule
  FROM gen_asset a JOIN gen_rank r ON r.rank = a.pro_rank
UNION ALL
SELECT 'PM', a.asset, pm.tiers(ARRAY[0::numeric], ARRAY[a.pm_rate])
  FROM gen_asset a WHERE a.pm_rate IS NOT NULL;

------------------------------------------------------------------------------
-- Symbols: USD-M (settle USDT) and COIN-M (settle the coin)
------------------------------------------------------------------------------

-- idx is popularity within the market (1 = most traded; 1 and 2 are BTC and
-- ETH in both markets).  UM brackets: BTCUSDT and ETHUSDT are the 2025-08-19
-- ladders and XRPUSDT the 2024-08-27 ladder of test/data/um_brackets.csv;
-- the "large", "mid" and "small" ladders are modelled on them (shorter,
-- higher MMRs for smaller caps).  CM floors are in coin and modelled:
-- BTCUSD_PERP and ETHUSD_PERP have their own, the altcoin CM ladders are
-- the "mid" USD floors divided by the index price.
CREATE TEMP TABLE gen_symbol (
  market text NOT NULL,
  idx int4 NOT NULL,
  symbol text NOT NULL,
  base_asset text NOT NULL,
  contract_size numeric,
  brackets pm.tiers NOT NULL,
  PRIMARY KEY (market, idx)
);
WITH ladder (name, brackets) AS (VALUES
  ('btc',   '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02, 70000000:0.025, '
            '100000000:0.05, 230000000:0.10, 480000000:0.125, 600000000:0.15, 800000000:0.25, 1200000000:0.50'),
  ('eth',   '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02, 50000000:0.025, '
            '65000000:0.05, 150000000:0.10, 320000000:0.125, 400000000:0.15, 530000000:0.25, 800000000:0.50'),
  ('xrp',   '0:0.005, 10000:0.0065, 20000:0.01, 160000:0.02, 800000:0.025, 1600000:0.05, 8000000:0.10'),
  ('large', '0:0.005, 50000:0.0065, 600000:0.01, 3000000:0.02, 12000000:0.05, 30000000:0.10, '
            '50000000:0.125, 80000000:0.15, 100000000:0.25, 150000000:0.50'),
  ('mid',   '0:0.0065, 10000:0.01, 50000:0.015, 250000:0.02, 1000000:0.025, 2500000:0.05, 5000000:0.10, '
            '10000000:0.125, 20000000:0.15, 30000000:0.25, 50000000:0.50'),
  ('small', '0:0.01, 5000:0.015, 25000:0.02, 100000:0.025, 250000:0.05, 1000000:0.10, 2500000:0.125, '
            '5000000:0.15, 10000000:0.25, 20000000:0.50'),
  ('cm_btc', '0:0.004, 5:0.005, 10:0.0065, 30:0.01, 100:0.02, 500:0.05, 1000:0.10, 2000:0.125, 3000:0.15, '
             '5000:0.25, 8000:0.50'),
  ('cm_eth', '0:0.005, 100:0.0065, 500:0.01, 2000:0.02, 10000:0.05, 30000:0.10, 60000:0.125, 100000:0.15, '
             '150000:0.25, 250000:0.50')
), um (idx, base, ladder) AS (VALUES
  ( 1, 'BTC', 'btc'),  ( 2, 'ETH', 'eth'),   ( 3, 'SOL', 'large'), ( 4, 'BNB', 'large'),
  ( 5, 'XRP', 'xrp'),  ( 6, 'DOGE', 'mid'),  ( 7, 'SUI', 'mid'),   ( 8, 'ADA', 'mid'),
  ( 9, 'LINK', 'mid'), (10, 'AVAX', 'mid'),  (11, 'TRX', 'mid'),   (12, 'LTC', 'mid'),
  (13, 'TON', 'mid'),  (14, 'BCH', 'mid'),   (15, 'DOT', 'mid'),   (16, 'WIF', 'small'),
  (17, 'NEAR', 'small'), (18, 'APT', 'small'), (19, 'ARB', 'small'), (20, 'OP', 'small'),
  (21, 'UNI', 'small'),  (22, 'FIL', 'small'), (23, 'ATOM', 'small'), (24, 'ETC', 'small'),
  (25, 'TIA', 'small'),  (26, 'PEPE', 'small'), (27, 'SHIB', 'small'), (28, 'ZEC', 'small'),
  (29, 'PNUT', 'small'), (30, 'MEME', 'small')
), cm (idx, base, contract_size, ladder) AS (VALUES
  (1, 'BTC', 100, 'cm_btc'), (2, 'ETH', 10, 'cm_eth'), (3, 'SOL', 10, NULL), (4, 'BNB', 10, NULL),
  (5, 'XRP', 10, NULL),      (6, 'DOGE', 10, NULL),    (7, 'ADA', 10, NULL), (8, 'LINK', 10, NULL),
  (9, 'LTC', 10, NULL),      (10, 'DOT', 10, NULL)
)
INSERT INTO gen_symbol (market, idx, symbol, base_asset, contract_size, brackets)
SELECT 'UM', um.idx, um.base || 'USDT', um.base, NULL, l.brackets::pm.tiers
  FROM um JOIN ladder l ON l.name = um.ladder
UNION ALL
-- Altcoin CM ladders: the "mid" USD floors in coin at the index price,
-- rounded to two significant digits (floors stay strictly increasing).
SELECT 'CM', cm.idx, cm.base || 'USD_PERP', cm.base, cm.contract_size,
       coalesce(l.brackets::pm.tiers,
                (SELECT pm.tiers(array_agg(CASE WHEN t.floor = 0 THEN 0
                                                ELSE pg_temp.gen_sig((t.floor / a.index_price)::float8, 2) END
                                           ORDER BY t.tier),
                                 array_agg(t.rate ORDER BY t.tier))
                   FROM pm.tiers_table((SELECT brackets::pm.tiers FROM ladder WHERE name = 'mid')) t))
  FROM cm
  JOIN gen_asset a ON a.asset = cm.base
  LEFT JOIN ladder l ON l.name = cm.ladder;

-- Mark prices within 0.1% of the index price of the base asset.
INSERT INTO pm.symbol (symbol, market, base_asset, settle_asset, contract_size, mark_price, brackets)
SELECT s.symbol, s.market, s.base_asset,
       CASE s.market WHEN 'UM' THEN 'USDT' ELSE s.base_asset END,
       s.contract_size,
       pg_temp.gen_sig((a.index_price
                        * (1 + 0.001 * (2 * pg_temp.gen_u(:seed, 1, s.idx + 100 * (s.market = 'CM')::int4) - 1))
                       )::float8, 6),
       s.brackets
  FROM gen_symbol s JOIN gen_asset a ON a.asset = s.base_asset
 ORDER BY s.market DESC, s.idx;

-- UM quantity step: a power of ten worth about 1-10 USD at the mark price
-- (BTCUSDT 0.00001, ETHUSDT 0.0001, DOGEUSDT 1).
ALTER TABLE gen_symbol ADD COLUMN qty_dp int4, ADD COLUMN qty_step numeric;
UPDATE gen_symbol y
   SET qty_dp = d.dp, qty_step = 1::numeric / (10::numeric ^ d.dp)
  FROM pm.symbol m
 CROSS JOIN LATERAL (SELECT greatest(ceil(log(m.mark_price)), 0)::int4 AS dp) d
 WHERE m.symbol = y.symbol AND y.market = 'UM';

------------------------------------------------------------------------------
-- Accounts and their traits
------------------------------------------------------------------------------

-- wealth:     USD deposited, log-normal (median 5,000; whales in the millions)
-- n_bal:      balance slots (1 + geometric), about 5 rows after merging
-- basis:      a basis trader (8%): long USD-M, short COIN-M on the same coin,
--             delta-neutral, large notionals for its equity, so a low uniMMR
--             (its COIN-M PnL is in the coin, though, and haircut)
-- n_pos:      directional position slots: none for basis traders and a
--             fifth of the rest (spot/loan only), else 1 + geometric
-- gross:      directional futures notional / wealth, log-normal (median 2.5,
--             a few percent above 15)
-- basis_gross: basis notional per leg / wealth (median 80)
-- cm_user:    trades COIN-M too;  hedge_mode: LONG/SHORT sides, else BOTH
-- borrow:     takes a cross-margin loan; borrow_u: how much of what it may
CREATE TEMP TABLE gen_account AS
SELECT t.*,
       CASE WHEN t.basis OR pg_temp.gen_u(:seed, 6, t.account_id) < 0.20 THEN 0
            ELSE least(1 + floor(-ln(pg_temp.gen_u(:seed, 7, t.account_id)) * 4.6)::int4, 12) END AS n_pos
  FROM (SELECT a AS account_id,
               CASE WHEN pg_temp.gen_u(:seed, 2, a) < 0.70 THEN 'PM_PRO' ELSE 'PM' END AS program,
               CASE WHEN pg_temp.gen_u(:seed, 3, a) < 0.60 THEN 3
                    WHEN pg_temp.gen_u(:seed, 3, a) < 0.85 THEN 5 ELSE 10 END AS loan_leverage,
               least(greatest(exp(ln(5000) + 1.9 * pg_temp.gen_n(:seed, 4, a)), 50), 300000000) AS wealth,
               least(1 + floor(-ln(pg_temp.gen_u(:seed, 5, a)) * 5.4)::int4, 12) AS n_bal,
               pg_temp.gen_u(:seed, 14, a) < 0.08 AS basis,
               least(exp(ln(2.5) + 1.1 * pg_temp.gen_n(:seed, 8, a)), 60) AS gross,
               least(greatest(exp(ln(80) + 0.3 * pg_temp.gen_n(:seed, 9, a)), 20), 160) AS basis_gross,
               pg_temp.gen_u(:seed, 10, a) < 0.20 AS cm_user,
               pg_temp.gen_u(:seed, 11, a) < 0.10 AS hedge_mode,
               pg_temp.gen_u(:seed, 12, a) < 0.12 AS borrow,
               pg_temp.gen_u(:seed, 13, a) AS borrow_u
          FROM generate_series(1, :accounts::int8) AS a) t;

INSERT INTO pm.account (account_id, program, loan_leverage)
SELECT account_id, program, loan_leverage FROM gen_account ORDER BY account_id;

------------------------------------------------------------------------------
-- Positions
------------------------------------------------------------------------------

-- Directional positions: one row per slot.  The symbol is drawn with a skew
-- towards the popular ones (u^2.2 over the popularity order); two slots on
-- the same symbol keep the first.  Notional = wealth x gross x Exp(1) /
-- n_pos, at most 50 million USD; the leverage setting is the next standard
-- one at or above gross x (1..3), so the margin fits the wallet.  The price
-- has since moved against the position by a fraction "loss" of its margin
-- (heavy-tailed: mostly small, a few more than all of it) or for it by
-- "gain"; entry = mark x (1 +- move), |move| < 30%.  Longs are 58%.
--
-- Basis positions: per basis trader one pair (BTC, or ETH for 30%; a third
-- also run the other coin at 60/40), long <coin>USDT and short
-- <coin>USD_PERP of the same USD notional (at most 30 million), both
-- entered at the same price within 2% of the mark, so their PnLs about
-- cancel.
CREATE TEMP TABLE gen_position AS
WITH slot AS (
  SELECT g.account_id, g.hedge_mode, j,
         g.account_id * 64 + j AS k,
         CASE WHEN g.cm_user AND pg_temp.gen_u(:seed, 60, g.account_id * 64 + j) < 0.5
              THEN 'CM' ELSE 'UM' END AS market,
         least(g.wealth * g.gross * -ln(pg_temp.gen_u(:seed, 61, g.account_id * 64 + j)) / g.n_pos, 50000000)
           AS notional_usd,
         g.gross * (1 + 2 * pg_temp.gen_u(:seed, 62, g.account_id * 64 + j)) AS lev_min
    FROM gen_account g
   CROSS JOIN LATERAL generate_series(1, g.n_pos) AS j
), pick AS (
  SELECT s.*, y.symbol, y.base_asset, y.contract_size, m.mark_price,
         CASE WHEN s.lev_min <= 1 THEN 1 WHEN s.lev_min <= 2 THEN 2 WHEN s.lev_min <= 3 THEN 3
              WHEN s.lev_min <= 5 THEN 5 WHEN s.lev_min <= 10 THEN 10 WHEN s.lev_min <= 20 THEN 20
              WHEN s.lev_min <= 25 THEN 25 ELSE 50 END AS leverage,
         pg_temp.gen_u(:seed, 64, s.k) < 0.58 AS long,
         pg_temp.gen_u(:seed, 65, s.k) < 0.55 AS losing,
         1.4 * power(pg_temp.gen_u(:seed, 66, s.k), 1.5) AS loss,
         0.6 * -ln(pg_temp.gen_u(:seed, 67, s.k)) AS gain
    FROM slot s
    JOIN gen_symbol y
      ON y.market = s.market
     AND y.idx = 1 + floor(CASE s.market WHEN 'UM' THEN 30 ELSE 10 END
                           * power(pg_temp.gen_u(:seed, 63, s.k), 2.2))::int4
    JOIN pm.symbol m ON m.symbol = y.symbol
), moved AS (
  SELECT p.*,
         -- fractional move of the mark since entry, against or for the position
         least(CASE WHEN p.losing THEN p.loss ELSE p.gain END / p.leverage, 0.2999) AS move
    FROM pick p
), directional AS (
  SELECT account_id, j, symbol, base_asset, contract_size, mark_price, leverage, hedge_mode, long,
         false AS basis, notional_usd,
         -- a long loses when entry > mark, a short when entry < mark
         mark_price * (1 + CASE WHEN long = losing THEN move ELSE -move END) AS entry_price
    FROM moved
), pair AS (
  SELECT g.account_id, g.hedge_mode, p,
         least(g.wealth * g.basis_gross * CASE WHEN two THEN (ARRAY[0.6, 0.4])[p] ELSE 1 END, 30000000)
           AS notional_usd,
         CASE WHEN (p = 1) = first_btc THEN 1 ELSE 2 END AS coin_idx,
         1 + 0.02 * (2 * pg_temp.gen_u(:seed, 72, g.account_id * 64 + p) - 1) AS entry_factor
    FROM gen_account g
   CROSS JOIN LATERAL (SELECT pg_temp.gen_u(:seed, 70, g.account_id) < 0.70 AS first_btc,
                              pg_temp.gen_u(:seed, 71, g.account_id) < 0.33 AS two) c
   CROSS JOIN LATERAL generate_series(1, CASE WHEN c.two THEN 2 ELSE 1 END) AS p
   WHERE g.basis
), basis AS (
  SELECT r.account_id, 32 + 2 * r.p + (y.market = 'CM')::int4 AS j, y.symbol, y.base_asset, y.contract_size,
         m.mark_price,
         50 AS leverage,
         r.hedge_mode, y.market = 'UM' AS long, true AS basis, r.notional_usd,
         m.mark_price * r.entry_factor AS entry_price
    FROM pair r
    JOIN gen_symbol y ON y.idx = r.coin_idx   -- idx 1 and 2 are BTC and ETH in both markets
    JOIN pm.symbol m ON m.symbol = y.symbol
)
SELECT DISTINCT ON (account_id, symbol)
       account_id, symbol, base_asset, contract_size, mark_price, leverage, hedge_mode, long, basis, notional_usd,
       pg_temp.gen_sig(entry_price::float8, 6) AS entry_price
  FROM (SELECT * FROM directional UNION ALL SELECT * FROM basis) x
 ORDER BY account_id, symbol, j;

-- The leverage setting is capped by the bracket the position falls in:
-- Binance allows about 1 / (2 x MMR) (BTCUSDT: 0.01 -> 50x, 0.05 -> 10x).
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage)
SELECT account_id, symbol,
       CASE WHEN NOT hedge_mode THEN 'BOTH' WHEN long THEN 'LONG' ELSE 'SHORT' END,
       CASE WHEN long THEN q ELSE -q END,
       entry_price,
       least(leverage,
             greatest(floor(0.5 / (pm.rates(brackets))[
                        CASE WHEN contract_size IS NULL THEN pm.tier_of(q * mark_price, brackets)
                             ELSE pm.cm_bracket(q, contract_size, mark_price, brackets) END])::int4, 1))
  FROM (SELECT p.*, y.brackets,
               CASE WHEN p.contract_size IS NULL
                    -- UM: base units on a step worth about 1-10 USD
                    THEN greatest(round((p.notional_usd / p.mark_price)::numeric, y.qty_dp), y.qty_step)
                    -- CM: whole contracts of contract_size USD
                    ELSE greatest(round((p.notional_usd / p.contract_size)::numeric), 1)
               END AS q
          FROM gen_position p
          JOIN gen_symbol y ON y.symbol = p.symbol) x
 ORDER BY account_id, symbol;

------------------------------------------------------------------------------
-- Balances
------------------------------------------------------------------------------

-- Contributions to balances, merged per (account, asset) at the end:
--  slots: slot 1 a stablecoin (USDT mostly), split between cross margin and
--         the USD-M wallet for futures traders; slots 2-3 BTC and ETH;
--         further slots altcoins drawn with a skew to the popular ones.
--         Wealth is split over the slots by weight (0.40, 0.30, 0.15, then
--         0.08 each) x Exp(1).
--  cm:    the COIN-M wallet holds margin in the coin of each CM position:
--         1-2x its initial margin, basis traders 0.1-0.4x (they keep
--         USDT rather than coin, which would undo the hedge).
--  loans: a borrower borrows USDT and holds what it bought (a leveraged
--         long), or borrows a coin and holds the USDT it sold it for (a
--         short); interest accrued on the loan.
--  debt:  a few futures traders have a negative USD-M wallet (realised
--         losses and funding not yet covered).
-- The columns are numeric (float8 values are converted on insert) so that
-- the sums are exact and do not depend on the order rows are added in.
CREATE TEMP TABLE gen_balance (
  account_id int8, asset text,
  cross_free numeric DEFAULT 0, cross_locked numeric DEFAULT 0,
  cross_borrowed numeric DEFAULT 0, cross_interest numeric DEFAULT 0,
  um_wallet numeric DEFAULT 0, cm_wallet numeric DEFAULT 0
);

INSERT INTO gen_balance (account_id, asset, cross_free, cross_locked, um_wallet)
SELECT s.account_id, a.asset,
       s.value_usd / a.index_price * (1 - s.um_share) * (1 - s.locked_share),
       s.value_usd / a.index_price * (1 - s.um_share) * s.locked_share,
       s.value_usd / a.index_price * s.um_share
  FROM (SELECT account_id, idx, um_share, locked_share,
               -- the slots of an account add up to its wealth
               wealth * weight / sum(weight::numeric) OVER (PARTITION BY account_id)::float8 AS value_usd
          FROM (SELECT g.account_id, g.wealth,
                       CASE
                         WHEN k = 1 THEN CASE WHEN pg_temp.gen_u(:seed, 30, g.account_id) < 0.85 THEN 1
                                              WHEN pg_temp.gen_u(:seed, 30, g.account_id) < 0.95 THEN 2
                                              ELSE 3 END
                         WHEN k = 2 THEN CASE WHEN pg_temp.gen_u(:seed, 31, g.account_id) < 0.65 THEN 4 ELSE 5 END
                         WHEN k = 3 THEN CASE WHEN pg_temp.gen_u(:seed, 31, g.account_id) < 0.65 THEN 5 ELSE 4 END
                         ELSE 6 + floor(28 * power(pg_temp.gen_u(:seed, 32, g.account_id * 64 + k), 2.5))::int4
                       END AS idx,
                       CASE k WHEN 1 THEN 0.40 WHEN 2 THEN 0.30 WHEN 3 THEN 0.15 ELSE 0.08 END
                         * -ln(pg_temp.gen_u(:seed, 33, g.account_id * 64 + k)) AS weight,
                       -- the stablecoin slot of a futures trader is partly in the USD-M wallet
                       CASE WHEN k = 1 AND (g.n_pos > 0 OR g.basis)
                            THEN pg_temp.gen_u(:seed, 34, g.account_id) ELSE 0 END AS um_share,
                       -- some holdings are partly locked in open spot orders
                       CASE WHEN pg_temp.gen_u(:seed, 35, g.account_id * 64 + k) < 0.08
                            THEN 0.5 * pg_temp.gen_u(:seed, 36, g.account_id * 64 + k) ELSE 0 END AS locked_share
                  FROM gen_account g
                 CROSS JOIN LATERAL generate_series(1, g.n_bal) AS k) w) s
  JOIN gen_asset a ON a.idx = s.idx;

INSERT INTO gen_balance (account_id, asset, cm_wallet)
SELECT p.account_id, p.base_asset,
       p.notional_usd / p.leverage / a.index_price
         * CASE WHEN p.basis THEN 0.1 + 0.3 * pg_temp.gen_u(:seed, 40, p.account_id * 64 + y.idx)
                ELSE 1 + pg_temp.gen_u(:seed, 40, p.account_id * 64 + y.idx) END
  FROM gen_position p
  JOIN gen_symbol y ON y.symbol = p.symbol
  JOIN gen_asset a ON a.asset = p.base_asset
 WHERE p.contract_size IS NOT NULL;

INSERT INTO gen_balance (account_id, asset, cross_free, cross_borrowed, cross_interest)
SELECT l.account_id, x.asset, x.free, x.borrowed, x.borrowed * l.interest_rate
  FROM (SELECT g.account_id,
               g.wealth * g.borrow_u * (g.loan_leverage - 1) * 0.8 AS loan_usd,
               pg_temp.gen_u(:seed, 41, g.account_id) < 0.7 AS borrows_usdt,
               CASE WHEN pg_temp.gen_u(:seed, 42, g.account_id) < 0.6 THEN 'BTC'
                    WHEN pg_temp.gen_u(:seed, 42, g.account_id) < 0.85 THEN 'ETH'
                    ELSE (ARRAY['SOL', 'XRP', 'DOGE', 'BNB'])
                           [1 + floor(4 * pg_temp.gen_u(:seed, 43, g.account_id))::int4]
               END AS coin,
               0.003 * pg_temp.gen_u(:seed, 44, g.account_id) AS interest_rate
          FROM gen_account g WHERE g.borrow) l
  JOIN gen_asset c ON c.asset = l.coin
 CROSS JOIN LATERAL (VALUES
   ('USDT', CASE WHEN l.borrows_usdt THEN 0 ELSE l.loan_usd END,
            CASE WHEN l.borrows_usdt THEN l.loan_usd ELSE 0 END),
   (l.coin, CASE WHEN l.borrows_usdt THEN l.loan_usd / c.index_price ELSE 0 END,
            CASE WHEN l.borrows_usdt THEN 0 ELSE l.loan_usd / c.index_price END)
 ) AS x (asset, free, borrowed);

INSERT INTO gen_balance (account_id, asset, um_wallet)
SELECT g.account_id, 'USDT', -g.wealth * 0.3 * pg_temp.gen_u(:seed, 46, g.account_id)
  FROM gen_account g
 WHERE g.n_pos > 0 AND pg_temp.gen_u(:seed, 45, g.account_id) < 0.02;

-- Merge, rounding every amount to 8 decimals as Binance prints them.
INSERT INTO pm.balance (account_id, asset, cross_free, cross_locked, cross_borrowed, cross_interest,
                        um_wallet, cm_wallet)
SELECT account_id, asset,
       round(sum(cross_free), 8), round(sum(cross_locked), 8),
       round(sum(cross_borrowed), 8), round(sum(cross_interest), 8),
       round(sum(um_wallet), 8), round(sum(cm_wallet), 8)
  FROM gen_balance
 GROUP BY account_id, asset
 ORDER BY account_id, asset;

------------------------------------------------------------------------------
-- Open orders
------------------------------------------------------------------------------

-- A fifth of PM accounts (and a few PM Pro ones, where they do not count)
-- have open cross-margin orders: mostly buying a coin with a stablecoin,
-- else selling a coin for USDT, limit price within -3%..+1% of parity.
INSERT INTO pm.open_order (account_id, order_id, sell_asset, sell_qty, buy_asset, buy_qty)
SELECT o.account_id, o.order_id, sa.asset,
       greatest(round((o.value_usd / sa.index_price)::numeric, 8), 0.00000001),
       ba.asset,
       greatest(round((o.value_usd * o.parity / ba.index_price)::numeric, 8), 0.00000001)
  FROM (SELECT g.account_id, j AS order_id,
               g.wealth * 0.2 * pg_temp.gen_u(:seed, 91, g.account_id * 64 + j) AS value_usd,
               1 - 0.03 + 0.04 * pg_temp.gen_u(:seed, 92, g.account_id * 64 + j) AS parity,
               pg_temp.gen_u(:seed, 93, g.account_id * 64 + j) < 0.7 AS buys_coin,
               CASE WHEN pg_temp.gen_u(:seed, 94, g.account_id * 64 + j) < 0.85 THEN 1 ELSE 2 END AS stable_idx,
               4 + floor(27 * power(pg_temp.gen_u(:seed, 95, g.account_id * 64 + j), 2))::int4 AS coin_idx
          FROM gen_account g
         CROSS JOIN LATERAL generate_series(1, least(1 + floor(-ln(pg_temp.gen_u(:seed, 90, g.account_id)))::int4, 5))
                 AS j
         WHERE pg_temp.gen_u(:seed, 89, g.account_id) < CASE g.program WHEN 'PM' THEN 0.20 ELSE 0.05 END) o
  JOIN gen_asset sa ON sa.idx = CASE WHEN o.buys_coin THEN o.stable_idx ELSE o.coin_idx END
  JOIN gen_asset ba ON ba.idx = CASE WHEN o.buys_coin THEN o.coin_idx ELSE 1 END
 ORDER BY o.account_id, o.order_id;

------------------------------------------------------------------------------
-- Survivorship: margin calls answered, liquidations done
------------------------------------------------------------------------------

-- Drawn as above, the accounts whose losses ate their margin are as many as
-- those merely close to the line.  A real exchange does not look like that:
-- it has already liquidated most accounts that crossed the line, and most
-- accounts that got a margin call deposited.  So every account at or below
-- the liquidation line (uniMMR <= 1.05 in both programs) deposits USDT (rate
-- 1 in both programs) up to a ratio just above the line, 1.06 to 1.86 with
-- most near 1.06 (the margin-call and reduce-only bands), except one in
-- ten: those stay where they are and are the handful being liquidated right
-- now.
INSERT INTO pm.balance AS b (account_id, asset, cross_free)
SELECT m.account_id, 'USDT',
       ceil(pm.maint_margin(m.summary) * (1.06 + 0.8 * power(pg_temp.gen_u(:seed, 98, m.account_id), 2))
            - pm.adjusted_equity(m.summary))
  FROM pm.account_margin m
 WHERE pm.uni_mmr(m.summary) <= 1.05
   AND pg_temp.gen_u(:seed, 97, m.account_id) >= 0.1
    ON CONFLICT (account_id, asset) DO UPDATE SET cross_free = b.cross_free + excluded.cross_free;

DROP TABLE gen_balance, gen_position, gen_account, gen_symbol, gen_rank, gen_asset;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM gen_trigger LOOP
    EXECUTE format('ALTER TABLE %s %s TRIGGER %I', t.tab,
                   CASE t.tgenabled WHEN 'O' THEN 'ENABLE' WHEN 'A' THEN 'ENABLE ALWAYS'
                                    WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'DISABLE' END, t.tgname);
  END LOOP;
END
$$;
DROP TABLE gen_trigger;
SELECT pm.refresh_account_state() \g /dev/null

-- The book is loaded whole, without its triggers: its history starts now
-- (the tables' histories held the book this load replaced).
TRUNCATE pm.account_history, pm.balance_history, pm.position_history, pm.open_order_history,
         pm.asset_history, pm.symbol_history, pm.mark_price_history, pm.collateral_history;
DELETE FROM pm.history_start;
INSERT INTO pm.history_start (started_at) VALUES (now());
COMMIT;

ANALYZE pm.asset, pm.collateral, pm.symbol, pm.account, pm.balance, pm.position, pm.open_order,
        pm.account_state;
\set QUIET :gen_quiet
\unset gen_quiet
