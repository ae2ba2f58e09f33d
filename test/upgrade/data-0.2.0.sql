-- Reference data and accounts, loaded once the 0.2.0 tables exist; and a
-- user's table of pm.margin_summary values.
INSERT INTO pm.asset (asset, index_price) VALUES ('USDT', 1), ('BTC', 40000), ('ETH', 3000);
INSERT INTO pm.collateral (program, asset, schedule) VALUES
  ('PM_PRO', 'USDT', '0:1'), ('PM_PRO', 'BTC', '0:1'), ('PM_PRO', 'ETH', '0:0.9'),
  ('PM', 'USDT', '0:1'), ('PM', 'BTC', '0:0.95');
INSERT INTO pm.symbol (symbol, market, base_asset, settle_asset, contract_size, mark_price, brackets) VALUES
  ('BTCUSDT', 'UM', 'BTC', 'USDT', NULL, 40000, '0:0.004, 300000:0.005'),
  ('ETHUSD_PERP', 'CM', 'ETH', 'ETH', 10, 3000, '0:0.01');
INSERT INTO pm.account (account_id, program, loan_leverage)
  SELECT i, CASE WHEN i % 2 = 0 THEN 'PM' ELSE 'PM_PRO' END, 3 FROM generate_series(1, 40) i;
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed, um_wallet)
  SELECT i, 'USDT', 1000 * (i % 7), 25000 + 300 * i, 50 * (i % 3) FROM generate_series(1, 40) i
  UNION ALL SELECT i, 'BTC', 1, 0, 0 FROM generate_series(1, 40) i;
INSERT INTO pm.position (account_id, symbol, qty, entry_price, leverage)
  SELECT i, 'BTCUSDT', (i % 5 - 2) * 0.1, 39000, 20 FROM generate_series(1, 40) i WHERE i % 5 <> 2
  UNION ALL SELECT i, 'ETHUSD_PERP', -(i % 4), 3100, 10 FROM generate_series(1, 40) i WHERE i % 4 <> 0;
CREATE TABLE public.my_summaries (account_id int8 PRIMARY KEY, s pm.margin_summary);
INSERT INTO public.my_summaries SELECT account_id, summary FROM pm.account_margin;
