#!/usr/bin/env bash
# What keeping history costs and what reading the past costs, in one run:
#
#   bash test/bench/history.sh [N]         default N: 200000 accounts
#
# 1. pgbench, single-row position updates on random accounts (as in
#    triggers.sh: PM_BENCH_CLIENTS clients, default 2, PM_BENCH_SECONDS per
#    run, default 20), with pm.account_state's triggers in both: TPS with the
#    history triggers against TPS without them (ALTER TABLE ... DISABLE
#    TRIGGER history_*, i.e. 0.18.0's work), alternating three times each;
#    with fsync off (pg_virtualenv's default) and on.
# 2. A mark tick on a symbol 100,000 accounts hold and an index tick on BTC,
#    with and without the history triggers on pm.symbol / pm.asset,
#    alternating three times each.
# 3. pm.account_risk_at(at) over every account against pm.account_risk
#    (every column read, serially and with workers allowed), for a moment
#    with nothing changed since, one before seconds of market ticks (every
#    mark and index price once a second; PM_BENCH_TICKS seconds, default
#    10, as each revalues the whole book), and one before a pgbench run with
#    history (the runs of 1 without it left gaps), with the number of
#    accounts changed since; each checked equal to
#    what pm.account_risk printed then.
# 4. Storage: bytes per history row (table and indexes), and per day for
#    the demo exchange ticking every mark and index price once a second.
#
# Uses a throwaway cluster (pg_virtualenv) with default settings.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$PM_ROOT"

pm_in_cluster "$@" && shift
n=${1:-200000}
secs=${PM_BENCH_SECONDS:-20}
clients=${PM_BENCH_CLIENTS:-2}
holders=100000
[ "$holders" -le "$n" ] || holders=$n
pgbench=$(dirname "$PM_PG_CONFIG")/pgbench

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "# PostgreSQL $(psql -X -Atc 'show server_version'), default settings; $n accounts"

psql -X -q -c 'CREATE EXTENSION portfolio_margin'
psql -X -q -v accounts="$n" -f test/gen/exchange.sql
psql -X -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO pm.symbol VALUES ('TICKUSDT', 'UM', 'BTC', 'USDT', NULL, 95000,
  '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02');
ALTER TABLE pm.position DISABLE TRIGGER USER;
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage)
SELECT account_id, 'TICKUSDT', 'BOTH', ((account_id % 7) - 3) * 0.001 + 0.0005, 94000 + account_id % 2000, 10
  FROM pm.account ORDER BY account_id LIMIT $holders;
ALTER TABLE pm.position ENABLE TRIGGER USER;
SELECT pm.recompute_accounts(ARRAY(SELECT account_id FROM pm.position WHERE symbol = 'TICKUSDT')) \g /dev/null
-- the book as loaded is where history starts
TRUNCATE pm.symbol_history, pm.position_history;
DELETE FROM pm.history_start;
INSERT INTO pm.history_start VALUES (now());
SQL
psql -X -q -c 'VACUUM ANALYZE'

# What pm.account_risk prints now, kept with the moment, to compare later.
risk_cols="account_id, program, uni_mmr, account_equity, actual_equity, account_initial_margin,
  account_maint_margin, account_status, virtual_max_withdraw_amount, total_available_balance,
  total_margin_open_loss, error"
psql -X -q -c "CREATE TABLE bench_printed AS SELECT now() AS at, 'loaded'::text AS moment, r::text AS r FROM pm.account_risk r"
print() {
  sleep 0.01
  psql -X -q -c "INSERT INTO bench_printed SELECT now(), '$1', r::text FROM pm.account_risk r"
  sleep 0.01
}

history_triggers() {   # TABLE enable|disable
  local t
  for t in insert update delete truncate; do
    psql -X -q -c "ALTER TABLE $1 ${2^^} TRIGGER history_$t"
  done
}

# 1. pgbench
psql -X -q -c 'CREATE TABLE bench_pos AS SELECT row_number() OVER () AS n, account_id, symbol, side FROM pm.position' \
     -c 'CREATE UNIQUE INDEX ON bench_pos (n)' -c 'ANALYZE bench_pos'
npos=$(psql -X -Atc 'SELECT count(*) FROM bench_pos')
script=$(mktemp)
cat >"$script" <<'SQL'
\set i random(1, :npos)
UPDATE pm.position p SET entry_price = p.entry_price + 0.01
  FROM bench_pos b
 WHERE b.n = :i AND p.account_id = b.account_id AND p.symbol = b.symbol AND p.side = b.side;
SQL
tps() {
  "$pgbench" -n -c "$clients" -j "$clients" -T "$secs" -D npos="$npos" -f "$script" 2>/dev/null |
    awk '/^tps/ {printf "%.0f\n", $3}'
}
alternate() {
  with=(); without=()
  for _ in 1 2 3; do
    with+=("$(tps)")
    history_triggers pm.position disable
    without+=("$(tps)")
    history_triggers pm.position enable
  done
}
echo
echo "## pgbench: single-row position updates on random accounts ($clients clients, ${secs} s runs), state triggers on"
tps >/dev/null   # warm the cache first: the first run of a fresh cluster is slow
alternate
compare with without "with history:   " "without history:" tps "with / without" pct
psql -X -q -c 'ALTER SYSTEM SET fsync = on' -c 'SELECT pg_reload_conf()' >/dev/null
sleep 1
alternate
compare with without "fsync on, with history:   " "fsync on, without history:" tps "fsync on, with / without" pct
psql -X -q -c 'ALTER SYSTEM RESET fsync' -c 'SELECT pg_reload_conf()' >/dev/null
# The runs without history left gaps in it; one more run with it, on a
# moment that its history covers whole, is the churn the past is read across.
print 'before churn'
churn_tps=$(tps)
print 'after churn'
echo "one more run with history, to read the past across: $churn_tps tps;" \
     "history rows the position updates kept: $(psql -X -Atc 'SELECT count(*) FROM pm.position_history')"

# 2. ticks
ms() { psql -X -q -At -c "SET max_parallel_workers_per_gather = ${2:-0}" -c '\timing on' -c "$1" | awk '/^Time/ {print $2}'; }
echo
echo "## a mark tick on TICKUSDT ($holders holders) and an index tick on BTC, with and without history"
mark_with=(); mark_without=(); index_with=(); index_without=()
for i in 1 2 3; do
  mark_with+=("$(ms "UPDATE pm.symbol SET mark_price = mark_price - 10 WHERE symbol = 'TICKUSDT'")")
  index_with+=("$(ms "UPDATE pm.asset SET index_price = index_price * 0.999 WHERE asset = 'BTC'")")
  history_triggers pm.symbol disable
  history_triggers pm.asset disable
  mark_without+=("$(ms "UPDATE pm.symbol SET mark_price = mark_price + 10 WHERE symbol = 'TICKUSDT'")")
  index_without+=("$(ms "UPDATE pm.asset SET index_price = index_price / 0.999 WHERE asset = 'BTC'")")
  history_triggers pm.symbol enable
  history_triggers pm.asset enable
done
compare mark_with mark_without "mark tick, with history:    " "mark tick, without history: " ms "with / without" x
compare index_with index_without "index tick, with history:   " "index tick, without history:" ms "with / without" x
echo "state rows corrected after the ticks: $(psql -X -Atc 'SELECT pm.refresh_account_state()')"
print 'after ticks'

# seconds of market: every mark and every index price, once a second, one
# transaction each
ticks=${PM_BENCH_TICKS:-10}
minute=$(mktemp)
for s in $(seq 1 "$ticks"); do
  f=$(awk -v s="$s" 'BEGIN {printf "%.4f", 1 + 0.0004 * sin(s)}')
  echo "BEGIN; UPDATE pm.symbol SET mark_price = round(mark_price * $f, scale(mark_price)); UPDATE pm.asset SET index_price = round(index_price * $f, scale(index_price)) WHERE asset <> 'USDT'; COMMIT;"
done >"$minute"
start=$(date +%s.%N)
psql -X -q -f "$minute" >/dev/null
echo "$ticks seconds of ticks ($ticks transactions: $(psql -X -Atc 'SELECT count(*) FROM pm.symbol') marks and $(psql -X -Atc "SELECT count(*) - 1 FROM pm.asset") index prices each) took $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
print 'after the market ticks'

# 3. reading the past
Q="SELECT count(uni_mmr), sum(account_equity), sum(actual_equity), sum(account_initial_margin),
  sum(account_maint_margin), count(account_status), sum(virtual_max_withdraw_amount),
  sum(total_available_balance), sum(total_margin_open_loss), count(error) FROM"
psql -X -q -c 'VACUUM ANALYZE'
echo
echo "## pm.account_risk_at(at) over all $n accounts against pm.account_risk (ms, 3 runs each, median)"
for moment in 'after the market ticks' 'after ticks' 'after churn' 'before churn'; do
  at=$(psql -X -Atc "SELECT max(at) FROM bench_printed WHERE moment = '$moment'")
  changed=$(psql -X -Atc "SELECT cardinality(pm.changed_since('$at'))")
  differ=$(psql -X -Atc "SELECT count(*) FROM ((SELECT r FROM bench_printed WHERE at = '$at'
                                                EXCEPT ALL SELECT r::text FROM pm.account_risk_at('$at') r)
                                               UNION ALL
                                               (SELECT r::text FROM pm.account_risk_at('$at') r
                                                EXCEPT ALL SELECT r FROM bench_printed WHERE at = '$at')) d")
  for w in 0 2; do
    past=(); now_=()
    for _ in 1 2 3; do
      past+=("$(ms "$Q pm.account_risk_at('$at')" "$w")")
      now_+=("$(ms "$Q pm.account_risk" "$w")")
    done
    mp=$(median "${past[@]}"); mn=$(median "${now_[@]}")
    printf '%-26s workers %d: account_risk_at %7.0f ms, account_risk %7.0f ms, ratio %.2f; %d accounts changed since; %d rows differ from what was printed then\n' \
      "$moment" "$w" "$mp" "$mn" "$(awk -v a="$mp" -v b="$mn" 'BEGIN {print a / b}')" "$changed" "$differ"
  done
done

# 4. storage: what the run kept, and per tick at volume -- 100,000 ticks in
#    scratch copies of the two price histories, with their index (a few
#    hundred rows would measure a table's first pages)
echo
echo "## storage"
psql -X -q -At -F ' ' -c "
  SELECT c.relname, h.rows, pg_catalog.pg_total_relation_size(c.oid)
    FROM pg_catalog.pg_class c
   CROSS JOIN LATERAL (SELECT (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM pm.' || c.relname, false, true, '')))[1]::text::int8 AS rows) h
   WHERE c.relnamespace = 'pm'::regnamespace AND c.relkind = 'r' AND c.relname LIKE '%history' AND h.rows > 0
   ORDER BY 1" | awk '{printf "%-26s %9d rows %12d bytes, %d bytes/row\n", $1, $2, $3, $3 / $2}'
psql -X -q -At <<'SQL'
CREATE TABLE bench_marks (LIKE pm.mark_price_history INCLUDING INDEXES);
CREATE TABLE bench_index (LIKE pm.asset_history INCLUDING INDEXES);
INSERT INTO bench_marks
SELECT s.symbol, round(s.mark_price * (1 + 0.0004 * sin(g))::numeric, scale(s.mark_price)), now() + g * interval '1 second'
  FROM generate_series(1, 100000 / (SELECT count(*) FROM pm.symbol)) g, pm.symbol s ORDER BY g, s.symbol;
INSERT INTO bench_index
SELECT a.asset, round(a.index_price * (1 + 0.0004 * sin(g))::numeric, scale(a.index_price)), true, now() + g * interval '1 second'
  FROM generate_series(1, 100000 / (SELECT count(*) FROM pm.asset)) g, pm.asset a ORDER BY g, a.asset;
VACUUM ANALYZE bench_marks, bench_index;
SELECT format('per tick at volume: a mark %s bytes, an index price %s bytes (table and index)',
              round(pg_total_relation_size('bench_marks')::numeric / (SELECT count(*) FROM bench_marks)),
              round(pg_total_relation_size('bench_index')::numeric / (SELECT count(*) FROM bench_index)));
SELECT format('the demo exchange ticking every mark (%s) and index price (%s) once a second: %s rows, %s MB a day',
              s.n, a.n, (s.n + a.n) * 86400,
              round((s.n * pg_total_relation_size('bench_marks')::numeric / (SELECT count(*) FROM bench_marks)
                     + a.n * pg_total_relation_size('bench_index')::numeric / (SELECT count(*) FROM bench_index)) * 86400 / 1e6))
  FROM (SELECT count(*) AS n FROM pm.symbol) s, (SELECT count(*) - 1 AS n FROM pm.asset) a;
SELECT format('a position update: %s bytes of history (table and indexes, %s rows)',
              round(pg_total_relation_size('pm.position_history')::numeric / count(*)), count(*))
  FROM pm.position_history;
SQL
rm -f "$script" "$minute"
