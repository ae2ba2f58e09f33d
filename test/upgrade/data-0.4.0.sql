-- Prices move once the state triggers exist: the event log gets rows.  (The
-- events before differ by design: a fresh install saw every account being
-- built row by row, an updated one computed them once; compare.sql reads
-- only the events from here on.)
CREATE TABLE public.events_before AS SELECT coalesce(max(event_id), 0) AS last FROM pm.risk_event;
UPDATE pm.asset SET index_price = 33000 WHERE asset = 'BTC';
UPDATE pm.symbol SET mark_price = 33000 WHERE symbol = 'BTCUSDT';
