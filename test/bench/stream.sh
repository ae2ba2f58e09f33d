#!/usr/bin/env bash
# A live mark stream: does pm.account_state keep up with the market?
#
#   bash test/bench/stream.sh [N ...]        default N: 20000 200000
#
# Replays PM_BENCH_TICKS seconds of market (default 60; 10 above 100,000
# accounts, as each costs seconds there): every second, one transaction
# moves every symbol's mark and every asset's index price (a random walk of
# up to 0.2% a step, seed 7, prices kept to 8 decimals) -- two statements,
# as a feed writes them.  Each transaction is timed until its commit, when
# the statuses, events and state values are current.  Reported: the median
# and worst tick, seconds of market per second of processing (1000 / median
# tick ms; >= 1 keeps up), against one pm.account_risk scan of the book
# (serial); the ticking backend's peak memory; and
# pm.refresh_account_state() afterwards, which must correct nothing.  Run
# twice per size: with portfolio_margin.revalue_at = 'statement' (each
# statement revalues the accounts it moved) and = 'commit' (each account
# once, at commit); each reports the state rows a tick wrote (counted
# inside the transaction, after firing the deferred revaluation with SET
# CONSTRAINTS, which a feed would not do).
#
# Uses a throwaway cluster (pg_virtualenv) with default settings; installs
# and builds like test/run.sh.  Data: test/gen/exchange.sql, seed 42.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$PM_ROOT"

pm_in_cluster "$@" && shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000 200000)

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# PostgreSQL: $(psql -X -Atc 'show server_version'), shared_buffers $(psql -X -Atc 'show shared_buffers'), default settings"

FIELDS="count(uni_mmr), sum(account_equity), sum(actual_equity), sum(account_initial_margin),
  sum(account_maint_margin), count(account_status), sum(virtual_max_withdraw_amount),
  sum(total_available_balance), sum(total_margin_open_loss), count(error)"

for n in "${sizes[@]}"; do
  ticks=${PM_BENCH_TICKS:-}
  if [ -z "$ticks" ]; then
    if [ "$n" -gt 100000 ]; then ticks=10; else ticks=60; fi
  fi
  psql -X -q -c 'DROP EXTENSION IF EXISTS portfolio_margin CASCADE' -c 'CREATE EXTENSION portfolio_margin'
  psql -X -q -v accounts="$n" -f test/gen/exchange.sql
  psql -X -q -c 'VACUUM ANALYZE'
  nsym=$(psql -X -At -c 'SELECT count(*) FROM pm.symbol')
  nasset=$(psql -X -At -c 'SELECT count(*) FROM pm.asset WHERE index_price IS NOT NULL')
  echo
  echo "## N = $n accounts; $ticks ticks of $nsym marks and $nasset index prices, one transaction a second"
  scans=()
  for _ in 1 2 3; do
    scans+=("$(psql -X -q -At -c 'SET max_parallel_workers_per_gather = 0' -c '\timing on' \
      -c "SELECT $FIELDS FROM pm.account_risk" | awk '/^Time/ {print $2}')")
  done
  scan=$(median "${scans[@]}")
  for mode in statement commit; do
    # the ticks, in one session (a feed's connection), each logged: ms, events
    script=$(mktemp)
    {
      echo "SET portfolio_margin.revalue_at = $mode;"
      echo "SELECT setseed(0.7);"
      echo "CREATE TEMP TABLE tick_log (tick int, ms numeric, events bigint, revalued bigint);"
      for t in $(seq "$ticks"); do
        cat <<SQL
SELECT count(*) AS e0 FROM pm.risk_event \gset
SELECT clock_timestamp() AS s \gset
BEGIN;
SELECT pg_stat_get_xact_tuples_updated('pm.account_state'::regclass) AS u0 \gset
UPDATE pm.symbol SET mark_price = round(mark_price * (1 + (random() - 0.5) * 0.004)::numeric, 8);
UPDATE pm.asset SET index_price = round(index_price * (1 + (random() - 0.5) * 0.004)::numeric, 8) WHERE index_price IS NOT NULL;
SET CONSTRAINTS pm.revalue_at_commit IMMEDIATE;
SELECT pg_stat_get_xact_tuples_updated('pm.account_state'::regclass) - :u0 AS u \gset
COMMIT;
INSERT INTO tick_log SELECT $t, round(extract(epoch FROM clock_timestamp() - :'s'::timestamptz) * 1000),
                            (SELECT count(*) FROM pm.risk_event) - :e0, :u;
SQL
      done
      echo "SELECT pg_backend_pid() AS pid \gset"
      echo "\setenv PM_PID :pid"
      echo "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) || ' ' || max(ms) || ' ' || sum(events) || ' ' || round(avg(revalued)) FROM tick_log;"
      echo "\echo \`awk '/VmHWM/ {print \$2}' /proc/\$PM_PID/status\`"
    } >"$script"
    mapfile -t last < <(psql -X -q -At -v ON_ERROR_STOP=1 -f "$script" | tail -n 2)
    rm -f "$script"
    read -r med worst events revalued <<<"${last[0]}"
    peak=${last[1]}
    fixed=$(psql -X -q -At -c 'SELECT pm.refresh_account_state()')
    echo "### portfolio_margin.revalue_at = $mode"
    printf 'tick (median of %d): %s ms, worst %s ms; %s events in all; state rows written a tick: %s\n' \
      "$ticks" "$med" "$worst" "$events" "$revalued"
    printf 'pm.account_risk scan (serial, median of 3): %s ms; tick / scan: %.2f\n' "$scan" "$(awk -v a="$med" -v b="$scan" 'BEGIN {print a / b}')"
    printf 'seconds of market per second of processing: %.2f (goal: at least 1)\n' "$(awk -v a="$med" 'BEGIN {print 1000 / a}')"
    printf 'peak memory of the ticking backend: %.0f MB\n' "$(awk -v k="$peak" 'BEGIN {print k / 1024}')"
    printf 'state rows pm.refresh_account_state() corrected afterwards: %s\n' "$fixed"
  done
done
