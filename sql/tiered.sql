-- pm.tiered and pm.collateral_value: marginal sums, tier boundaries, the
-- collateral rules for liabilities, and their errors.

-- A rising (bracket-like) schedule: 0.004 to 300000, 0.005 to 800000, then 0.0065
SELECT x, pm.tiered(x, '0:0.004, 300000:0.005, 800000:0.0065') AS tiered
  FROM unnest('{0, 0.00000001, 1, 299999.99, 300000, 300000.01, 800000, 800001, 1e12}'::numeric[]) x;

-- The marginal sum by hand agrees at every point, including on the floors
SELECT bool_and(pm.tiered(x, s) =
                least(x, 300000) * 0.004
                + greatest(least(x, 800000) - 300000, 0) * 0.005
                + greatest(x - 800000, 0) * 0.0065) AS matches_marginal_sum
  FROM (SELECT '0:0.004, 300000:0.005, 800000:0.0065'::pm.tiers) s(s),
       LATERAL (SELECT generate_series(0, 2000000, 12500)::numeric
                UNION ALL SELECT 300000 UNION ALL SELECT 800000) g(x);

-- One tier is a flat rate
SELECT pm.tiered(12345.678, '0:0.95') AS flat;

-- A falling (collateral) schedule gives a negative cum, Binance's
-- "quick addition number" with the opposite sign
SELECT pm.cum('0:1, 1000000:0.95, 2000000:0.75, 5000000:0.6') AS cum;
SELECT pm.tiered(3000000, '0:1, 1000000:0.95, 2000000:0.75, 5000000:0.6') AS tiered;

-- Collateral value: liabilities count in full, assets are weighed
SELECT v, pm.collateral_value(v, '0:1, 1000000:0.95, 2000000:0.75, 5000000:0.6') AS cv
  FROM unnest('{-5000000, -0.01, 0, 0.00, 999999.99, 1000000, 2500000, 10000000}'::numeric[]) v;
-- a rate of 0 makes an asset worthless as collateral, but a debt still counts
SELECT pm.collateral_value(100, '0:0') AS worthless, pm.collateral_value(-100, '0:0') AS debt;

-- Errors
SELECT pm.tiered(-1, '0:0.5'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiered('NaN', '0:0.5'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiered('Infinity', '0:0.5'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.collateral_value('-Infinity', '0:0.5'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.collateral_value('NaN', '0:0.5'); \echo :LAST_ERROR_SQLSTATE
-- a rate above 1 is a valid bracket schedule but not a collateral schedule
SELECT pm.tiered(100, '0:1.5') AS bracket_use_is_fine;
SELECT pm.collateral_value(100, '0:1, 50:1.01'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.collateral_value(-100, '0:1.5'); \echo :LAST_ERROR_SQLSTATE

-- Strict: NULL in, NULL out
SELECT pm.tiered(NULL, '0:1') IS NULL AS a, pm.collateral_value(1, NULL) IS NULL AS b;

-- Numerics built from the fast path are numeric's own canonical bytes (the
-- short cut for 64-bit magnitudes at scales that are multiples of 4, and
-- the general digit walk): pm.tiered at rate 1 returns its amount as read
-- and rebuilt, compared through numeric_send with numeric's own x * 1.
SELECT count(*) AS values_checked,
       count(*) FILTER (WHERE pg_catalog.numeric_send(pm.tiered(x, '0:1'))
                              IS DISTINCT FROM pg_catalog.numeric_send(x * 1)) AS differ
  FROM (SELECT round((random() * 10 ^ (g % 30))::numeric, (g * 7) % 40) AS x
          FROM generate_series(1, 20000) g
        UNION ALL
        SELECT v::numeric FROM unnest(ARRAY['0', '0.00000000', '1.00000000', '10000.0000',
               '99999999.99999999', '18446744073709551615', '0.0001', '123456789012.34560000',
               '184467440737.09551615', '1e-30', '100000000000000000000']) v) s;
