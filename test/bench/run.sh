#!/usr/bin/env bash
# Account-risk benchmark, in one run on one machine (our machines are noisy,
# so compare the ratios, not the seconds):
#
#   bash test/bench/run.sh [N ...]        default N: 10000 100000 200000 1000000
#
#   (a) pm.account_risk over all accounts (the extension)
#   (b) the same fields by plain SQL (test/bench/plain_sql.sql): schedules as
#       rows, cum by window functions, range joins, numeric throughout
#   (c) the floor: the same balance and position rows read once and grouped
#       by account with a single sum()
#   (a') (a) with portfolio_margin.ledger_merge = off: the GroupAggregate plan
#       the ledger merge node replaces, for its share of (a)
#   (e) the same fields over the same book in tables of a desk's own shape
#       (test/bench/own_tables.sql: int4 keys, a wallet row per coin and
#       wallet, orders as pair and side), by pm.account_ledger_risk over
#       ledger entries, as the README's "Risk over your own tables" writes it
#
# each serial (max_parallel_workers_per_gather = 0) and parallel (2), the
# median of PM_BENCH_REPS runs (default 5, 3 for N >= 1,000,000), after one
# warm-up run.  Every query aggregates every output column, so nothing is
# skipped and nothing is sent to the client.  Peak memory is the backend's
# VmHWM after the query (private and touched shared pages), and temp_mb the
# bytes it spilled to disk.  The run first checks that (a) and (b) agree,
# and that (e) gives (a)'s rows.
#
# Uses a throwaway cluster (pg_virtualenv) with default settings; installs
# and builds like test/run.sh.  Data: test/gen/exchange.sql, seed 42.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$PM_ROOT"

pm_in_cluster "$@" && shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 200000 1000000)

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# PostgreSQL: $(psql -X -Atc 'show server_version'), shared_buffers $(psql -X -Atc 'show shared_buffers'), work_mem $(psql -X -Atc 'show work_mem'), jit $(psql -X -Atc 'show jit')"

Q_A="SELECT count(uni_mmr), sum(account_equity), sum(actual_equity), sum(account_initial_margin),
  sum(account_maint_margin), count(account_status), sum(virtual_max_withdraw_amount),
  sum(total_available_balance), sum(total_margin_open_loss) FROM pm.account_risk"
Q_B="${Q_A/pm.account_risk/bench_plain.account_risk}"
Q_G="SET portfolio_margin.ledger_merge = off; $Q_A"
Q_E="${Q_A/pm.account_risk/bench_desk.client_risk}"
Q_C="SELECT count(*), sum(s) FROM (SELECT account_id, sum(x) AS s FROM
  (SELECT account_id, cross_free AS x FROM pm.balance UNION ALL
   SELECT account_id, qty FROM pm.position) l GROUP BY account_id) g"

# One timed run in a fresh backend: "ms peak_kb temp_bytes".
measure() {
  local workers=$1 query=$2
  psql -X -q -At -v ON_ERROR_STOP=1 <<SQL
SET max_parallel_workers_per_gather = $workers;
SELECT pg_backend_pid() AS pid, temp_bytes AS t0 FROM pg_stat_database WHERE datname = current_database() \gset
SELECT clock_timestamp() AS start \gset
$query \g /dev/null
SELECT round(extract(epoch FROM clock_timestamp() - :'start'::timestamptz) * 1000) AS ms \gset
SELECT pg_stat_force_next_flush() \g /dev/null
\setenv PM_PID :pid
SELECT temp_bytes - :t0 AS tb FROM pg_stat_database WHERE datname = current_database() \gset
\echo :ms \`awk '/VmHWM/ {print \$2}' /proc/\$PM_PID/status\` :tb
SQL
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
div() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%.6f", (y == 0 ? 0 : x / y)}'; }

for n in "${sizes[@]}"; do
  reps=${PM_BENCH_REPS:-5}
  [ "$n" -ge 1000000 ] && reps=${PM_BENCH_REPS:-3}
  psql -X -q -c 'DROP EXTENSION IF EXISTS portfolio_margin CASCADE' -c 'CREATE EXTENSION portfolio_margin'
  load_start=$(date +%s)
  psql -X -q -v accounts="$n" -f test/gen/exchange.sql
  psql -X -q -f test/bench/plain_sql.sql 2>/dev/null
  psql -X -q -f test/bench/own_tables.sql
  psql -X -q -c 'VACUUM ANALYZE'
  counts=$(psql -X -At -c "SELECT (SELECT count(*) FROM pm.balance) || ' balances, ' ||
    (SELECT count(*) FROM pm.position) || ' positions, ' || (SELECT count(*) FROM pm.asset) || ' assets, ' ||
    (SELECT count(*) FROM pm.symbol) || ' symbols'")
  echo
  echo "## N = $n accounts ($counts; loaded in $(( $(date +%s) - load_start )) s, $reps runs each)"
  agree=$(psql -X -At -c "SET work_mem = '1GB'" -c "
    SELECT count(*) || ' accounts, ' || count(*) FILTER (WHERE a IS NOT DISTINCT FROM b) || ' identical rows, '
        || count(*) FILTER (WHERE (a).account_status IS DISTINCT FROM (b).account_status) || ' status differences, largest difference '
        || coalesce(greatest(max(abs((a).uni_mmr - (b).uni_mmr)), max(abs((a).account_equity - (b).account_equity)),
                    max(abs((a).account_maint_margin - (b).account_maint_margin)),
                    max(abs((a).account_initial_margin - (b).account_initial_margin)),
                    max(abs((a).total_available_balance - (b).total_available_balance)))::text, '0')
      FROM (SELECT r AS a FROM pm.account_risk r) x
      JOIN (SELECT r AS b FROM bench_plain.account_risk r) y ON (a).account_id = (b).account_id" | tail -n 1)
  echo "(a) vs (b): $agree"
  own=$(psql -X -At -c "SET work_mem = '1GB'" -c "
    SELECT (SELECT count(*) FROM (SELECT * FROM bench_desk.client_risk EXCEPT ALL SELECT * FROM pm.account_risk) d)
        || ' rows of (e) not in (a), '
        || (SELECT count(*) FROM (SELECT * FROM pm.account_risk EXCEPT ALL SELECT * FROM bench_desk.client_risk) d)
        || ' rows of (a) not in (e)'" | tail -n 1)
  echo "(a) vs (e): $own"
  printf '%-26s %11s %11s %9s %9s %11s %11s\n' query serial_ms parallel_ms ser/c par/c peak_MB temp_MB
  declare -A ser par mem tmp
  for q in c a g e b; do
    case $q in a) query=$Q_A ;; b) query=$Q_B ;; c) query=$Q_C ;; g) query=$Q_G ;; e) query=$Q_E ;; esac
    for w in 0 2; do
      measure $w "$query" >/dev/null            # warm-up
      results=$(for _ in $(seq "$reps"); do measure $w "$query"; done)
      ms=$(echo "$results" | awk '{print $1}' | median)
      if [ $w -eq 0 ]; then
        ser[$q]=$ms
        mem[$q]=$(echo "$results" | awk '{print $2}' | sort -n | tail -n 1)
        tmp[$q]=$(echo "$results" | awk '{print $3}' | sort -n | tail -n 1)
      else
        par[$q]=$ms
      fi
    done
  done
  for q in c a g e b; do
    case $q in a) label='(a) pm.account_risk' ;; b) label='(b) plain SQL' ;; c) label='(c) floor: scan + sum()' ;;
      g) label="(a') merge node off" ;; e) label='(e) own tables, entries' ;; esac
    printf '%-26s %11s %11s %9.2f %9.2f %11.0f %11.0f\n' "$label" "${ser[$q]}" "${par[$q]}" \
      "$(div "${ser[$q]}" "${ser[c]}")" "$(div "${par[$q]}" "${par[c]}")" \
      "$(div "${mem[$q]}" 1024)" "$(div "${tmp[$q]}" 1048576)"
  done
  printf '(b) / (a): %.1fx serial, %.1fx parallel; (a) parallel speed-up %.2fx\n' \
    "$(div "${ser[b]}" "${ser[a]}")" "$(div "${par[b]}" "${par[a]}")" "$(div "${ser[a]}" "${par[a]}")"
  printf "(a) / (a'): %.2f serial, %.2f parallel (the ledger merge node's share)\n" \
    "$(div "${ser[a]}" "${ser[g]}")" "$(div "${par[a]}" "${par[g]}")"
  printf '(e) / (a): %.2f serial, %.2f parallel (own tables against the view)\n' \
    "$(div "${ser[e]}" "${ser[a]}")" "$(div "${par[e]}" "${par[a]}")"
done
