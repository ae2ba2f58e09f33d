-- Properties of pm.tiers over many generated schedules.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION portfolio_margin;
SELECT plan(10);

-- 500 random schedules of 1 to 15 tiers, floors and rates with mixed scales
SELECT setseed(0.42);
CREATE TEMP TABLE sched AS
SELECT g AS id,
       pm.tiers(array_agg(f ORDER BY k), array_agg(r ORDER BY k)) AS t
  FROM generate_series(1, 500) g,
       LATERAL (SELECT k,
                       CASE WHEN k = 1 THEN 0
                            ELSE round((sum(step) OVER (ORDER BY k))::numeric, (g % 5)) END AS f,
                       round((random() * 1.2)::numeric, 1 + g % 6) AS r
                  FROM (SELECT k, 1 + random() * 10 ^ (random() * 9) AS step
                          FROM generate_series(1, 1 + g % 15) k) s) tiers
 GROUP BY g;

SELECT is((SELECT count(*)::int FROM sched), 500, '500 schedules generated');
SELECT is_empty($$SELECT id FROM sched WHERE t::text::pm.tiers::text <> t::text$$,
                'text output reads back to the identical text');
SELECT is_empty($$SELECT id FROM sched
                  WHERE NOT pm.tiers(pm.floors(t), pm.rates(t)) OPERATOR(pm.=) t$$,
                'pm.tiers(pm.floors(t), pm.rates(t)) rebuilds t');
SELECT is_empty($$SELECT id FROM sched
                  WHERE pm.cum(t) <> ARRAY(SELECT cum FROM pm.tiers_table(t) ORDER BY tier)$$,
                'pm.tiers_table agrees with pm.cum');
-- the shortcut x * rate_j - cum_j equals the marginal sum, on and between floors
SELECT is_empty($$
  SELECT id, x FROM sched,
         LATERAL (SELECT floor AS x FROM pm.tiers_table(t)
                  UNION ALL SELECT floor + 0.5 FROM pm.tiers_table(t)) p
   WHERE pm.tiered(x, t) <>
         (SELECT sum(rate * greatest(least(x, coalesce(cap, x)) - floor, 0))
            FROM pm.tiers_table(t))$$,
  'pm.tiered equals the marginal sum on every floor and between floors');
-- continuity: at a floor, the tier below and the tier above give the same value
SELECT is_empty($$
  SELECT id, tier FROM sched, LATERAL pm.tiers_table(t) tt
   WHERE tier > 1
     AND floor * rate - cum <>
         floor * (SELECT rate FROM pm.tiers_table(t) b WHERE b.tier = tt.tier - 1)
               - (SELECT cum FROM pm.tiers_table(t) b WHERE b.tier = tt.tier - 1)$$,
  'the schedule is continuous at every floor');
-- monotone for non-negative rates
SELECT is_empty($$
  SELECT id FROM sched, LATERAL generate_series(0, 20) i
   WHERE pm.tiered((i + 1) * 1e8, t) < pm.tiered(i * 1e8, t)$$,
  'pm.tiered never decreases with the amount');
-- equality and hash agree when only the scale differs
SELECT is_empty($$
  SELECT id FROM sched,
         LATERAL (SELECT pm.tiers(ARRAY(SELECT f * 1.000 FROM unnest(pm.floors(t)) f),
                                  ARRAY(SELECT r * 1.00 FROM unnest(pm.rates(t)) r)) AS u) x
   WHERE NOT (u OPERATOR(pm.=) t) OR pm.tiers_hash(u) <> pm.tiers_hash(t)
      OR u::text = t::text$$,
  'a rescaled copy is equal with the same hash, and still prints its own scale');
-- the order is total and consistent with equality
SELECT is_empty($$
  SELECT a.id, b.id FROM sched a, sched b
   WHERE a.id < b.id AND a.id <= 60 AND b.id <= 60
     AND ((a.t OPERATOR(pm.<) b.t)::int + (a.t OPERATOR(pm.=) b.t)::int
          + (a.t OPERATOR(pm.>) b.t)::int) <> 1$$,
  'exactly one of <, =, > holds for every pair');
-- the collateral rules: V <= 0 unchanged, V > 0 tiered
SELECT is_empty($$
  SELECT id FROM (SELECT id, t FROM sched
                   WHERE (SELECT max(r) FROM unnest(pm.rates(t)) r) <= 1 OFFSET 0) s
   WHERE pm.collateral_value(-12345.678, t) <> -12345.678
      OR pm.collateral_value(12345.678, t) <> pm.tiered(12345.678, t)$$,
  'collateral value: liabilities in full, assets tiered');

SELECT * FROM finish();
ROLLBACK;
