#!/usr/bin/env bash
# The whole book, many times over: the stress grid, in one run on one
# machine (compare the ratios, not the seconds):
#
#   bash test/bench/wholebook.sh [N ...]        default N: 20000 200000
#
#   (c) the floor: the balance and position rows read once and grouped by
#       account with a single sum() (as in test/bench/run.sh)
#   (a) pm.account_risk over all accounts
#   (s) pm.stress_result: every account under every scenario of pm.scenario
#       (the 52 built-in ones), one read of each account's rows
#       (pm.ledger_stress, 0.20.0)
#   (p) the same grid the way 0.19.0's view made it: every account's rows
#       once per scenario, grouped by account and scenario
#   browsing pm.stress_result: LIMIT 100; one account; one scenario
#   (q) pm.liquidation_prices('BTC'): every account's BTC liquidation prices,
#       one read of each account's rows (pm.ledger_partial, 0.21.0)
#   (d) pm.liquidation_ladder('BTC', 1000) over them (once)
#   (k) pm.liquidation_price called per account, the way before 0.21.0: timed
#       on the first PM_BENCH_LADDER_SAMPLE accounts (default 300), once, and
#       scaled to the whole book
#   then the balance, position and order rows are written again in random
#   order (as months of updates leave a heap; triggers off, so the state and
#   history stay as they were) and (c) and (a) measured again, with the plan
#   the planner chooses and with index scans off (sorted sequential scans)
#
# each serial (max_parallel_workers_per_gather = 0) and parallel (2), the
# median of PM_BENCH_REPS runs (default 3; (p) once, and only up to
# PM_BENCH_PER_SCENARIO_MAX accounts, default 20000: it is the slow way),
# after one warm-up run (none for (p)).  Every query aggregates every output
# column.  Peak memory is the backend's VmHWM.  Up to
# PM_BENCH_PER_SCENARIO_MAX accounts the run first checks that (s) and (p)
# give the same rows, and at every size that (q) gives the prices of
# pm.liquidation_price for the sampled accounts.
#
# Uses a throwaway cluster (pg_virtualenv) with default settings; installs
# and builds like test/run.sh.  Data: test/gen/exchange.sql, seed 42.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$PM_ROOT"

pm_in_cluster "$@" && shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000 200000)
per_scenario_max=${PM_BENCH_PER_SCENARIO_MAX:-20000}

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# PostgreSQL: $(psql -X -Atc 'show server_version'), shared_buffers $(psql -X -Atc 'show shared_buffers'), work_mem $(psql -X -Atc 'show work_mem'), jit $(psql -X -Atc 'show jit')"

FIELDS="count(uni_mmr), sum(account_equity), sum(actual_equity), sum(account_initial_margin),
  sum(account_maint_margin), count(account_status), sum(virtual_max_withdraw_amount),
  sum(total_available_balance), sum(total_margin_open_loss), count(error)"
Q_C="SELECT count(*), sum(s) FROM (SELECT account_id, sum(x) AS s FROM
  (SELECT account_id, cross_free AS x FROM pm.balance UNION ALL
   SELECT account_id, qty FROM pm.position) l GROUP BY account_id) g"
Q_A="SELECT $FIELDS FROM pm.account_risk"
# count(scenario), not count(DISTINCT scenario): the distinct count sorts
# every row of the grid (a quarter of (s) at 200,000 accounts), which is the
# query's cost, not the grid's (until 0.21.0 the table in docs/performance.md
# was measured with it)
Q_S="SELECT count(scenario), $FIELDS FROM pm.stress_result"
# 0.19.0's pm.stress_result, word for word but its error column (which read
# the account again through pm.stress for the rows without a summary)
PER_SCENARIO="SELECT q.account_id, q.scenario, q.program, r.uni_mmr, r.account_equity, r.actual_equity,
       r.account_initial_margin, r.account_maint_margin, r.account_status,
       r.virtual_max_withdraw_amount, r.total_available_balance, r.total_margin_open_loss,
       CASE WHEN q.summary IS NULL THEN (pm.stress(q.account_id, q.scenario)).error END AS error
  FROM (SELECT x.account_id, x.scenario,
               min(x.key) FILTER (WHERE x.kind = 'a') AS program,
               pm.account_ledger(x.kind, x.key, x.key2, x.a, x.b, x.c, x.d, x.e, x.f, x.n
                                 ORDER BY x.kind <> 's') AS summary
          FROM (SELECT l.account_id, n.scenario, l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n
                  FROM pm.ledger_row l
                 CROSS JOIN (SELECT DISTINCT s.scenario FROM pm.scenario s) n
                UNION ALL
                SELECT a.account_id, s.scenario, 's', s.asset, s.collateral::text,
                       s.price_shock, NULL, NULL, NULL, NULL, NULL, NULL
                  FROM pm.account a CROSS JOIN pm.scenario s) x
         GROUP BY x.account_id, x.scenario) q
 CROSS JOIN LATERAL pm.risk_of(q.program, q.summary) r"
Q_P="SELECT count(DISTINCT scenario), $FIELDS FROM ($PER_SCENARIO) p"
Q_L="SELECT count(*), sum(uni_mmr) FROM (SELECT * FROM pm.stress_result LIMIT 100) x"
Q_O="SELECT count(*), sum(uni_mmr) FROM pm.stress_result WHERE account_id = 4242"
Q_1="SELECT $FIELDS FROM pm.stress_result WHERE scenario = 'BTC -20%'"
sample=${PM_BENCH_LADDER_SAMPLE:-300}
Q_Q="SELECT count(below), count(above), sum(below), sum(above), sum(uni_mmr), sum(account_equity),
  sum(account_maint_margin), count(error) FROM pm.liquidation_prices('BTC')"
Q_D="SELECT count(*), sum(accounts), sum(account_equity), sum(account_maint_margin)
  FROM pm.liquidation_ladder('BTC', 1000)"
Q_K="SELECT count(l.below), count(l.above), sum(l.below), sum(l.above)
  FROM (SELECT account_id FROM pm.account ORDER BY account_id LIMIT $sample) a
 CROSS JOIN LATERAL pm.liquidation_price(a.account_id, 'BTC') l"

# One timed run in a fresh backend: "ms peak_kb".
measure() {
  local workers=$1 query=$2
  psql -X -q -At -v ON_ERROR_STOP=1 <<SQL
SET max_parallel_workers_per_gather = $workers;
SELECT pg_backend_pid() AS pid \gset
SELECT clock_timestamp() AS start \gset
$query \g /dev/null
SELECT round(extract(epoch FROM clock_timestamp() - :'start'::timestamptz) * 1000) AS ms \gset
\setenv PM_PID :pid
\echo :ms \`awk '/VmHWM/ {print \$2}' /proc/\$PM_PID/status\`
SQL
}
div() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%.6f", (y == 0 ? 0 : x / y)}'; }

for n in "${sizes[@]}"; do
  reps=${PM_BENCH_REPS:-3}
  psql -X -q -c 'DROP EXTENSION IF EXISTS portfolio_margin CASCADE' -c 'CREATE EXTENSION portfolio_margin'
  load_start=$(date +%s)
  psql -X -q -v accounts="$n" -f test/gen/exchange.sql
  psql -X -q -c 'VACUUM ANALYZE'
  counts=$(psql -X -At -c "SELECT (SELECT count(*) FROM pm.balance) || ' balances, ' ||
    (SELECT count(*) FROM pm.position) || ' positions, ' || (SELECT count(*) FROM pm.open_order) || ' orders, ' ||
    (SELECT count(DISTINCT scenario) FROM pm.scenario) || ' scenarios'")
  echo
  echo "## N = $n accounts ($counts; loaded in $(( $(date +%s) - load_start )) s, $reps runs each)"
  queries="c a s l o 1 q d k"
  ladder_agree=$(psql -X -At -c "
    SELECT count(*) || ' of the first $sample accounts compared, '
        || count(*) FILTER (WHERE q.below::text IS DISTINCT FROM l.below::text
                               OR q.above::text IS DISTINCT FROM l.above::text) || ' differ'
      FROM (SELECT account_id FROM pm.account ORDER BY account_id LIMIT $sample) a
     CROSS JOIN LATERAL pm.liquidation_price(a.account_id, 'BTC') l
      JOIN pm.liquidation_prices('BTC') q USING (account_id)")
  echo "(q) vs pm.liquidation_price: $ladder_agree"
  if [ "$n" -le "$per_scenario_max" ]; then
    agree=$(psql -X -At -c "SET work_mem = '1GB'" -c "
      SELECT (SELECT count(*) FROM (SELECT * FROM pm.stress_result EXCEPT ALL ($PER_SCENARIO)) d)
          || ' rows of (s) not in (p), '
          || (SELECT count(*) FROM (($PER_SCENARIO) EXCEPT ALL SELECT * FROM pm.stress_result) d)
          || ' rows of (p) not in (s), of ' || (SELECT count(*) FROM pm.stress_result)" | tail -n 1)
    echo "(s) vs (p): $agree"
    queries="c a s p l o 1 q d k"
  fi
  printf '%-34s %11s %11s %9s %9s %9s\n' query serial_ms parallel_ms ser/a par/a peak_MB
  declare -A ser par mem rser rpar
  for q in $queries; do
    case $q in c) query=$Q_C ;; a) query=$Q_A ;; s) query=$Q_S ;; p) query=$Q_P ;;
      l) query=$Q_L ;; o) query=$Q_O ;; 1) query=$Q_1 ;; q) query=$Q_Q ;; d) query=$Q_D ;;
      k) query=$Q_K ;; esac
    for w in 0 2; do
      if [ "$q" = p ] || [ "$q" = d ] || [ "$q" = k ]; then
        results=$(measure $w "$query")
      else
        measure $w "$query" >/dev/null            # warm-up
        results=$(for _ in $(seq "$reps"); do measure $w "$query"; done)
      fi
      ms=$(median $(echo "$results" | awk '{print $1}'))
      # (k) ran on a sample: scaled to the whole book
      [ "$q" = k ] && ms=$(awk -v m="$ms" -v n="$n" -v k="$sample" 'BEGIN {printf "%.0f", m * n / k}')
      if [ $w -eq 0 ]; then
        ser[$q]=$ms
        mem[$q]=$(echo "$results" | awk '{print $2}' | sort -n | tail -n 1)
      else
        par[$q]=$ms
      fi
    done
  done
  for q in $queries; do
    case $q in c) label='(c) floor: scan + sum()' ;; a) label='(a) pm.account_risk' ;;
      s) label='(s) pm.stress_result, one pass' ;; p) label='(p) per scenario (0.19.0)' ;;
      l) label='    LIMIT 100' ;; o) label='    one account' ;; 1) label='    one scenario' ;;
      q) label='(q) pm.liquidation_prices BTC' ;; d) label='(d) pm.liquidation_ladder BTC' ;;
      k) label='(k) per-account calls (scaled)' ;; esac
    printf '%-34s %11s %11s %9.2f %9.2f %9.0f\n' "$label" "${ser[$q]}" "${par[$q]}" \
      "$(div "${ser[$q]}" "${ser[a]}")" "$(div "${par[$q]}" "${par[a]}")" "$(div "${mem[$q]}" 1024)"
  done
  printf '(s) / (a): %.1fx serial, %.1fx parallel (goal: at most 12x serially); (a) / (c): %.2fx serial\n' \
    "$(div "${ser[s]}" "${ser[a]}")" "$(div "${par[s]}" "${par[a]}")" "$(div "${ser[a]}" "${ser[c]}")"
  # the same book in random physical order
  psql -X -q <<'SQL'
SET session_replication_role = replica;
BEGIN;
CREATE TEMP TABLE b AS SELECT * FROM pm.balance ORDER BY random();
CREATE TEMP TABLE p AS SELECT * FROM pm."position" ORDER BY random();
CREATE TEMP TABLE o AS SELECT * FROM pm.open_order ORDER BY random();
DELETE FROM pm.open_order; DELETE FROM pm."position"; DELETE FROM pm.balance;
INSERT INTO pm.balance SELECT * FROM b;
INSERT INTO pm."position" SELECT * FROM p;
INSERT INTO pm.open_order SELECT * FROM o;
COMMIT;
VACUUM FULL pm.balance;
VACUUM FULL pm."position";
VACUUM FULL pm.open_order;
ANALYZE;
SQL
  corr=$(psql -X -At -c "SELECT string_agg(tablename || ' ' || round(correlation::numeric, 3), ', ' ORDER BY tablename)
    FROM pg_stats WHERE schemaname = 'pm' AND attname = 'account_id' AND tablename IN ('balance', 'position', 'open_order')")
  echo "random order (account_id correlation: $corr):"
  for q in c a; do
    case $q in c) query=$Q_C ;; a) query=$Q_A ;; esac
    for w in 0 2; do
      measure $w "$query" >/dev/null
      ms=$(median $(for _ in $(seq "$reps"); do measure $w "$query"; done | awk '{print $1}'))
      if [ $w -eq 0 ]; then rser[$q]=$ms; else rpar[$q]=$ms; fi
    done
  done
  query="SET enable_indexscan = off; SET enable_bitmapscan = off; $Q_A"
  measure 0 "$query" >/dev/null
  rsort=$(median $(for _ in $(seq "$reps"); do measure 0 "$query"; done | awk '{print $1}'))
  printf '%-34s %11s %11s\n' '(c) floor, random order' "${rser[c]}" "${rpar[c]}"
  printf '%-34s %11s %11s\n' '(a) pm.account_risk, random order' "${rser[a]}" "${rpar[a]}"
  printf '%-34s %11s\n' '    with index scans off' "$rsort"
  printf '(a) / (c): %.2fx serial in account order, %.2fx in random order (%.2fx with index scans off; goal: at most 1.3x); with workers %.2fx and %.2fx\n' \
    "$(div "${ser[a]}" "${ser[c]}")" "$(div "${rser[a]}" "${rser[c]}")" "$(div "$rsort" "${rser[c]}")" \
    "$(div "${par[a]}" "${par[c]}")" "$(div "${rpar[a]}" "${rpar[c]}")"
  unset rser rpar
  printf '(q) / (a): %.1fx serial, %.1fx parallel (goal: at most 5x); (k) / (q): %.0fx serial (one read against a call per account)\n' \
    "$(div "${ser[q]}" "${ser[a]}")" "$(div "${par[q]}" "${par[a]}")" "$(div "${ser[k]}" "${ser[q]}")"
  if [ -n "${ser[p]:-}" ]; then
    printf '(p) / (s): %.1fx serial, %.1fx parallel (one pass against one pass per scenario)\n' \
      "$(div "${ser[p]}" "${ser[s]}")" "$(div "${par[p]}" "${par[s]}")"
  fi
  unset ser par mem
done
