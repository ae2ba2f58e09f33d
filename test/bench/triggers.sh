#!/usr/bin/env bash
# What keeping pm.account_state current costs, in one run:
#
#   bash test/bench/triggers.sh [N]        default N: 200000 accounts
#
# 1. pgbench, single-row position updates on random accounts, PM_BENCH_CLIENTS
#    clients (default 2),
#    PM_BENCH_SECONDS (default 20) per run: TPS with the triggers against
#    TPS without them (ALTER TABLE ... DISABLE TRIGGER USER), alternating
#    three times each so both see the same machine; medians and their ratio.
#    After each run without triggers the state is rebuilt (not timed); after
#    each run with them, pm.refresh_account_state() must find nothing to fix.
# 2. A mark-price tick on a symbol 100,000 accounts hold (since 0.10.0 the
#    holders are revalued from the totals their state rows keep): the time
#    until pm.account_state and the events are current, against a pm.account_risk
#    scan of the same accounts ("WHERE account_id IN (holders)": the planner
#    cannot push that into the grouped view, so it values every account and
#    keeps the holders; as the server runs it, and with jit = off, as
#    pm.recompute_batch runs), against pm.account_risk of only the holders
#    ("= ANY (ARRAY(holders))", pushed into the index scans: the cheapest way
#    to value exactly those accounts once), and against recomputing them from
#    scratch with pm.recompute_accounts() directly (what a tick did before).
# 3. An index-price tick on BTC (every account that holds, owes, settles in or
#    trades it; PM accounts with open orders in it are recomputed from
#    scratch), against pm.account_risk of only those accounts and against
#    recomputing them from scratch.
# 1b (between them). pgbench point reads of one account's pm.account_risk,
#    with the session's reference cache and without it; and (1c) through
#    pm.account_risk_of(id) against the view.
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
start=$(date +%s)
psql -X -q -v accounts="$n" -f test/gen/exchange.sql
echo "# exchange loaded and the state of $n accounts built in $(( $(date +%s) - start )) s"
# a symbol held by $holders accounts, for the tick
psql -X -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO pm.symbol VALUES ('TICKUSDT', 'UM', 'BTC', 'USDT', NULL, 95000,
  '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02');
ALTER TABLE pm.position DISABLE TRIGGER USER;
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage)
SELECT account_id, 'TICKUSDT', 'BOTH', ((account_id % 7) - 3) * 0.001 + 0.0005, 94000 + account_id % 2000, 10
  FROM pm.account ORDER BY account_id LIMIT $holders;
ALTER TABLE pm.position ENABLE TRIGGER USER;
SELECT pm.recompute_accounts(ARRAY(SELECT account_id FROM pm.position WHERE symbol = 'TICKUSDT')) \g /dev/null
SQL
psql -X -q -c 'VACUUM ANALYZE'

# 1. pgbench
psql -X -q -c 'DROP TABLE IF EXISTS bench_pos' \
     -c 'CREATE TABLE bench_pos AS SELECT row_number() OVER () AS n, account_id, symbol, side FROM pm.position' \
     -c 'CREATE UNIQUE INDEX ON bench_pos (n)' -c 'ANALYZE bench_pos'
npos=$(psql -X -Atc 'SELECT count(*) FROM bench_pos')
script=$(mktemp)
cat >"$script" <<'SQL'
\set i random(1, :npos)
UPDATE pm.position p SET entry_price = p.entry_price + 0.01
  FROM bench_pos b
 WHERE b.n = :i AND p.account_id = b.account_id AND p.symbol = b.symbol AND p.side = b.side;
SQL
# pgbench SCRIPT [pgbench options]: $clients clients for $secs seconds; prints TPS
run_pgbench() {
  local file=$1
  shift
  "$pgbench" -n -c "$clients" -j "$clients" -T "$secs" "$@" -f "$file" 2>/dev/null |
    awk '/^tps/ {printf "%.0f\n", $3}'
}
tps() { run_pgbench "$script" -D npos="$npos"; }
# Three rounds of pgbench with the triggers, then without them; after each
# run with them, what a full recomputation corrects (expected 0), after each
# run without them the state is rebuilt (not timed).
alternate() {
  with=(); without=(); corrected=()
  for _ in 1 2 3; do
    with+=("$(tps)")
    corrected+=("$(psql -X -q -At -c 'SELECT pm.refresh_account_state()')")
    psql -X -q -c 'ALTER TABLE pm.position DISABLE TRIGGER USER'
    without+=("$(tps)")
    psql -X -q -c 'ALTER TABLE pm.position ENABLE TRIGGER USER'
    psql -X -q -At -c 'SELECT pm.refresh_account_state()' >/dev/null
  done
}
alternate
echo
echo "## pgbench: single-row position updates on random accounts ($clients clients, ${secs} s runs)"
compare with without "with triggers:   " "without triggers:" tps "with / without" pct
echo "state rows pm.refresh_account_state() corrected after each run with triggers: ${corrected[*]}"

# The throwaway cluster runs with fsync = off (pg_virtualenv's default),
# where a commit costs almost nothing; a server keeps fsync on.  The same
# pair of runs with fsync on, in the same run:
psql -X -q -c 'ALTER SYSTEM SET fsync = on' -c 'SELECT pg_reload_conf()' >/dev/null
sleep 1
alternate
compare with without "fsync on, with triggers:   " "fsync on, without triggers:" tps \
  "fsync on, with / without" pct
echo "state rows corrected after each run with triggers: ${corrected[*]}"
psql -X -q -c 'ALTER SYSTEM RESET fsync' -c 'SELECT pg_reload_conf()' >/dev/null

# 1b. One account's risk on demand (what an API or a dashboard asks): pgbench
#     point reads of pm.account_risk, with the session's reference cache
#     (src/refcache.c) and without it (portfolio_margin.reference_cache = off),
#     alternating three times each.
point=$(mktemp)
cat >"$point" <<'SQL'
\set a random(1, :accounts)
SELECT uni_mmr, account_status FROM pm.account_risk WHERE account_id = :a;
SQL
reads() { PGOPTIONS="-c portfolio_margin.reference_cache=$1" run_pgbench "$point" -D accounts="$n"; }
on=(); off=()
for _ in 1 2 3; do
  on+=("$(reads on)")
  off+=("$(reads off)")
done
echo
echo "## pgbench: one account's pm.account_risk by id ($clients clients, ${secs} s runs)"
compare on off "reference cache on: " "reference cache off:" reads/s "on / off" x

# 1c. The same reads through pm.account_risk_of(id), which keeps its plan for
#     the session, against the view (which plans both account ranges every
#     time in the simple protocol), alternating three times each.
point_of=$(mktemp)
cat >"$point_of" <<'SQL'
\set a random(1, :accounts)
SELECT uni_mmr, account_status FROM pm.account_risk_of(:a);
SQL
fn=(); view=()
for _ in 1 2 3; do
  fn+=("$(run_pgbench "$point_of" -D accounts="$n")")
  view+=("$(run_pgbench "$point" -D accounts="$n")")
done
echo
echo "## pgbench: one account by id, pm.account_risk_of against the view ($clients clients, ${secs} s runs)"
compare fn view "pm.account_risk_of(id):  " "pm.account_risk by id:   " reads/s "function / view" x
rm -f "$point" "$point_of"

# 2. the tick
ms() { psql -X -q -At -c "SET max_parallel_workers_per_gather = ${2:-0}" -c "SET jit = ${3:-default}" -c '\timing on' -c "$1" | awk '/^Time/ {print $2}'; }
ids="SELECT account_id FROM pm.position WHERE symbol = 'TICKUSDT'"
risk_of="SELECT count(uni_mmr), count(account_status), sum(account_equity) FROM pm.account_risk"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print a / b}'; }
echo
echo "## a mark-price tick on TICKUSDT, held by $(psql -X -Atc "SELECT count(DISTINCT account_id) FROM pm.position WHERE symbol = 'TICKUSDT'") accounts"
for price in 94900 94800 94700; do
  events0=$(psql -X -Atc 'SELECT count(*) FROM pm.risk_event')
  t_tick=$(ms "UPDATE pm.symbol SET mark_price = $price WHERE symbol = 'TICKUSDT'")
  events=$(( $(psql -X -Atc 'SELECT count(*) FROM pm.risk_event') - events0 ))
  t_scan=$(ms "$risk_of WHERE account_id IN ($ids)")
  t_scan_par=$(ms "$risk_of WHERE account_id IN ($ids)" 2)
  t_scan_nojit=$(ms "$risk_of WHERE account_id IN ($ids)" 0 off)
  t_only=$(ms "$risk_of WHERE account_id = ANY (ARRAY($ids))")
  t_recompute=$(ms "SELECT pm.recompute_accounts(ARRAY($ids))")
  printf 'tick to %s: %8.0f ms (%s events); account_risk scan of the holders %8.0f ms (parallel %6.0f, jit off %6.0f); account_risk of only the holders %6.0f ms; recompute_accounts (from scratch) %8.0f ms; tick / scan %.2f (jit off %.2f); tick / only the holders %.2f\n' \
    "$price" "$t_tick" "$events" "$t_scan" "$t_scan_par" "$t_scan_nojit" "$t_only" "$t_recompute" \
    "$(ratio "$t_tick" "$t_scan")" "$(ratio "$t_tick" "$t_scan_nojit")" "$(ratio "$t_tick" "$t_only")"
done

# 3. an index-price tick: every account that holds, owes, settles in or trades BTC
btc="SELECT b.account_id FROM pm.balance b WHERE b.asset = 'BTC'
     UNION SELECT p.account_id FROM pm.position p JOIN pm.symbol s ON s.symbol = p.symbol WHERE s.settle_asset = 'BTC'
     UNION SELECT o.account_id FROM pm.open_order o WHERE o.sell_asset = 'BTC'
     UNION SELECT o.account_id FROM pm.open_order o WHERE o.buy_asset = 'BTC'"
echo
echo "## an index-price tick on BTC, held by $(psql -X -Atc "SELECT count(*) FROM ($btc) h") accounts" \
     "($(psql -X -Atc "SELECT count(DISTINCT o.account_id) FROM pm.open_order o JOIN pm.account a USING (account_id)
                       WHERE a.program = 'PM' AND 'BTC' IN (o.sell_asset, o.buy_asset)") of them PM with BTC orders, recomputed from scratch)"
for factor in 1.001 0.999; do
  t_tick=$(ms "UPDATE pm.asset SET index_price = index_price * $factor WHERE asset = 'BTC'")
  t_only=$(ms "$risk_of WHERE account_id = ANY (ARRAY($btc))")
  t_recompute=$(ms "SELECT pm.recompute_accounts(ARRAY($btc))")
  printf 'tick x %s: %8.0f ms; account_risk of only the holders %6.0f ms; recompute_accounts (from scratch) %8.0f ms; tick / only the holders %.2f; tick / from scratch %.2f\n' \
    "$factor" "$t_tick" "$t_only" "$t_recompute" "$(ratio "$t_tick" "$t_only")" "$(ratio "$t_tick" "$t_recompute")"
done
psql -X -q -At -c 'SELECT pm.refresh_account_state()' | sed 's/^/state rows corrected after the ticks: /'
rm -f "$script"
