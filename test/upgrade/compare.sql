-- What must read the same after an update path as after a fresh install
-- with the same data (the event log's times and ids aside).
SELECT * FROM public.my_schedules ORDER BY id;
SELECT account_id, s::text FROM public.my_summaries ORDER BY account_id;
SELECT * FROM pm.account_risk ORDER BY account_id;
SELECT account_id, program, uni_mmr, account_equity, adjusted_equity, maint_margin, status, error
  FROM pm.account_state ORDER BY account_id;
SELECT account_id, old_status, new_status, uni_mmr FROM pm.risk_event
 WHERE event_id > (SELECT last FROM public.events_before)
 ORDER BY account_id, event_id;
SELECT pm.refresh_account_state() AS corrected;
