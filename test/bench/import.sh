#!/usr/bin/env bash
# How fast Binance's answers come in, in one run:
#
#   bash test/bench/import.sh [SECONDS]        default 20 s per run
#
# One account of 5 assets and 20 USD-M positions (the issue's measure), on
# the demo exchange (1,000 accounts).  pgbench, one client, each transaction
# one answer whose amounts move by a random step, so every answer writes:
#   (1) pm.import_binance('/papi/v1/balance', ...)          5 assets
#   (2) pm.import_binance('/papi/v1/um/positionRisk', ...)  20 positions
# each against the plain-SQL way of writing the same rows from the same
# JSON (jsonb_to_recordset and an upsert, no checks, no removal of what the
# answer no longer holds), and a mark tick by '/fapi/v1/premiumIndex' for
# the 20 symbols against a plain UPDATE of pm.symbol.  Answers per second,
# the median of three runs each, alternating, and their ratios.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$PM_ROOT"

pm_in_cluster "$@" && shift
secs=${1:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql -X -q -c 'CREATE EXTENSION portfolio_margin'
psql -X -q -v accounts=1000 -f test/gen/exchange.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO pm.account VALUES (990001, 'PM', 3);
CREATE TABLE bench_um AS
SELECT symbol, row_number() OVER (ORDER BY symbol) AS k, mark_price
  FROM pm.symbol WHERE market = 'UM' ORDER BY symbol LIMIT 20;
CREATE TABLE bench_assets AS
SELECT asset, row_number() OVER (ORDER BY asset) AS k FROM pm.asset
 WHERE index_price IS NOT NULL ORDER BY asset LIMIT 5;
SQL
n_um=$(psql -X -Atc 'SELECT count(*) FROM bench_um')
echo "# machine: $(nproc) cores; PostgreSQL $(psql -X -Atc 'show server_version'); $n_um UM symbols, 5 assets, ${secs} s runs"

# The answers, built in SQL from a random step :r so that each one writes.
cat >"$work/balance.sql" <<'SQL'
\set r random(1, 100000)
SELECT pm.import_binance('/papi/v1/balance',
  (SELECT jsonb_agg(jsonb_build_object('asset', asset, 'crossMarginFree', (1000 + k + :r * 0.0001)::text,
     'crossMarginLocked', '0', 'crossMarginBorrowed', '0', 'crossMarginInterest', '0',
     'umWalletBalance', (500 + :r * 0.001)::text, 'umUnrealizedPNL', '0', 'cmWalletBalance', '0',
     'cmUnrealizedPNL', '', 'updateTime', 1617939110373, 'negativeBalance', '0')) FROM bench_assets), 990001);
SQL
cat >"$work/balance_plain.sql" <<'SQL'
\set r random(1, 100000)
INSERT INTO pm.balance AS t (account_id, asset, cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet)
SELECT 990001, j.asset, j."crossMarginFree", j."crossMarginLocked", j."crossMarginBorrowed", j."crossMarginInterest",
       j."umWalletBalance", j."cmWalletBalance"
  FROM jsonb_to_recordset((SELECT jsonb_agg(jsonb_build_object('asset', asset, 'crossMarginFree', (1000 + k + :r * 0.0001)::text,
     'crossMarginLocked', '0', 'crossMarginBorrowed', '0', 'crossMarginInterest', '0',
     'umWalletBalance', (500 + :r * 0.001)::text, 'umUnrealizedPNL', '0', 'cmWalletBalance', '0',
     'cmUnrealizedPNL', '', 'updateTime', 1617939110373, 'negativeBalance', '0')) FROM bench_assets))
       AS j(asset text, "crossMarginFree" numeric, "crossMarginLocked" numeric, "crossMarginBorrowed" numeric,
            "crossMarginInterest" numeric, "umWalletBalance" numeric, "cmWalletBalance" numeric)
ON CONFLICT (account_id, asset) DO UPDATE
  SET cross_free = EXCLUDED.cross_free, cross_locked = EXCLUDED.cross_locked, cross_borrowed = EXCLUDED.cross_borrowed,
      cross_interest = EXCLUDED.cross_interest, um_wallet = EXCLUDED.um_wallet, cm_wallet = EXCLUDED.cm_wallet;
SQL
cat >"$work/positions.sql" <<'SQL'
\set r random(1, 100000)
SELECT pm.import_binance('/papi/v1/um/positionRisk',
  (SELECT jsonb_agg(jsonb_build_object('symbol', symbol, 'positionAmt', ((k - 10.5) * 0.01 + :r * 0.000001)::text,
     'entryPrice', mark_price::text, 'markPrice', mark_price::text, 'unRealizedProfit', '0', 'liquidationPrice', '0',
     'leverage', '10', 'maxNotionalValue', '1000000', 'positionSide', 'BOTH', 'notional', '0',
     'updateTime', 1655217461579)) FROM bench_um), 990001);
SQL
cat >"$work/positions_plain.sql" <<'SQL'
\set r random(1, 100000)
INSERT INTO pm.position AS t (account_id, symbol, side, qty, entry_price, leverage)
SELECT 990001, j.symbol, j."positionSide", j."positionAmt", j."entryPrice", j.leverage
  FROM jsonb_to_recordset((SELECT jsonb_agg(jsonb_build_object('symbol', symbol, 'positionAmt', ((k - 10.5) * 0.01 + :r * 0.000001)::text,
     'entryPrice', mark_price::text, 'markPrice', mark_price::text, 'unRealizedProfit', '0', 'liquidationPrice', '0',
     'leverage', '10', 'maxNotionalValue', '1000000', 'positionSide', 'BOTH', 'notional', '0',
     'updateTime', 1655217461579)) FROM bench_um))
       AS j(symbol text, "positionAmt" numeric, "entryPrice" numeric, leverage int, "positionSide" text)
 WHERE j."positionAmt" <> 0
ON CONFLICT (account_id, symbol, side) DO UPDATE
  SET qty = EXCLUDED.qty, entry_price = EXCLUDED.entry_price, leverage = EXCLUDED.leverage;
SQL
cat >"$work/marks.sql" <<'SQL'
\set r random(1, 1000)
SELECT pm.import_binance('/fapi/v1/premiumIndex',
  (SELECT jsonb_agg(jsonb_build_object('symbol', symbol, 'markPrice', (mark_price * (1 + :r * 0.00001))::text,
     'indexPrice', mark_price::text, 'time', 1)) FROM bench_um));
SQL
cat >"$work/marks_plain.sql" <<'SQL'
\set r random(1, 1000)
UPDATE pm.symbol s SET mark_price = j."markPrice"
  FROM jsonb_to_recordset((SELECT jsonb_agg(jsonb_build_object('symbol', symbol, 'markPrice', (mark_price * (1 + :r * 0.00001))::text,
     'indexPrice', mark_price::text, 'time', 1)) FROM bench_um)) AS j(symbol text, "markPrice" numeric)
 WHERE s.symbol = j.symbol;
SQL
# the marks answer names symbols the importer has not seen: stage them once
psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO pm.binance_symbol (symbol, market, base_asset, settle_asset, contract_size, brackets, brackets_market, mark_price)
  SELECT s.symbol, s.market, s.base_asset, s.settle_asset, s.contract_size, s.brackets, s.market, s.mark_price
    FROM pm.symbol s JOIN bench_um USING (symbol)"

tps() { pgbench -n -c 1 -T "$secs" -f "$1" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}'; }
row() {
  local name=$1 a=() b=()
  for _ in 1 2 3; do a+=("$(tps "$work/$name.sql")"); b+=("$(tps "$work/${name}_plain.sql")"); done
  local ma mb
  ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
  printf '%-44s %8s %8s   %s\n' "$2" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a / b}')"
}
echo
printf '%-44s %8s %8s   %s\n' "answers per second (median of 3)" import plain "import/plain"
row balance "/papi/v1/balance, 5 assets"
row positions "/papi/v1/um/positionRisk, 20 positions"
row marks "/fapi/v1/premiumIndex, 20 symbols"
echo "state rows a full recomputation corrects: $(psql -X -Atc 'SELECT pm.refresh_account_state()')"
