#!/usr/bin/env bash
# The book on one node, on one shard and on three: what the coordinator and
# replication cost (docs/sharding.md).
#
#   bash test/bench/shards.sh [N]        default N: 30000 accounts
#
# Seven throwaway servers (test/shards_lib.sh): a single node with every
# account; a coordinator with one shard holding every account; a
# coordinator with three shards holding a third each (by hash of
# account_id, as pm.attach_shard partitions them).  Reported, in one run:
#
# - a market-wide tick (every mark, then every index price, one
#   transaction; PM_BENCH_TICKS of them, default 10, median): on the single
#   node with portfolio_margin.revalue_at = commit, until its commit; on each
#   coordinator, from before its transaction until every shard has applied
#   it (the shards' revaluation runs in the applied transaction, so its
#   rows being visible means the state and events are current);
# - a whole-book read, count and sums of pm.account_risk (serial, median of
#   3): on the single node, and on each coordinator, whose pm.account_risk
#   reads the shards' through its foreign partitions (async, fetch_size
#   10000); the coordinator's cost per account over the single node;
# - one account at a time (PM_BENCH_ONE of them, default 300, one session):
#   its pm.account_risk row, and an UPDATE of one of its balances (on a
#   coordinator, pm.balance_remote, sent to the shard); the cost per
#   statement over the single node.
#
# On 2 cores three shards cannot run faster than one: the point is the
# overhead, and the arithmetic of N machines is in docs/sharding.md.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/lib.sh
pm_install_packages >/dev/null
pm_build_install || exit 1
. test/shards_lib.sh
n=${1:-30000}
ticks=${PM_BENCH_TICKS:-10}
ones=${PM_BENCH_ONE:-300}

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
shards_start single coord1 one coord3 s0 s1 s2 || exit 1
echo "# PostgreSQL $(on single -c 'SHOW server_version'), default settings but wal_level = logical; $n accounts"
for node in single coord1 coord3; do
  on "$node" -v accounts="$n" -f test/gen/exchange.sql >/dev/null || exit 1
  on "$node" -c 'VACUUM ANALYZE' >/dev/null
done
for c in coord1 coord3; do
  on "$c" -c 'TRUNCATE pm.risk_event, pm.account_state, pm.open_order, pm.position, pm.balance, pm.account' >/dev/null
  shards_publish "$c" >/dev/null || exit 1
done
shards_subscribe one coord1 >/dev/null 2>&1 || exit 1
for k in 0 1 2; do shards_subscribe "s$k" coord3 >/dev/null 2>&1 || exit 1; done
# the initial copies done
shards_caught_up one coord1 >/dev/null
for k in 0 1 2; do shards_caught_up "s$k" coord3 >/dev/null; done
shards_copy_accounts single one "true" || exit 1
for k in 0 1 2; do
  shards_copy_accounts single "s$k" "satisfies_hash_partition('pm.account_remote'::regclass, 3, $k, account_id)" || exit 1
done
for node in one s0 s1 s2; do on "$node" -c 'VACUUM ANALYZE' >/dev/null; done

# The coordinators make the shards theirs (docs/sharding.md).
shards_attach coord1 one 0 1 >/dev/null 2>&1 || exit 1
for k in 0 1 2; do shards_attach coord3 "s$k" "$k" 3 >/dev/null 2>&1 || exit 1; done

FIELDS="count(uni_mmr), sum(account_equity), sum(actual_equity), sum(account_initial_margin),
  sum(account_maint_margin), count(account_status), sum(virtual_max_withdraw_amount),
  sum(total_available_balance), sum(total_margin_open_loss), count(error)"
read_ms() {
  on "$1" -c 'SET max_parallel_workers_per_gather = 0' -c '\timing on' -c "SELECT $FIELDS FROM $2" |
    awk '/^Time/ {print $2}'
}
declare -A reads
for _ in 1 2 3; do
  reads[single]+="$(read_ms single pm.account_risk) "
  reads[coord1]+="$(read_ms coord1 pm.account_risk) "
  reads[coord3]+="$(read_ms coord3 pm.account_risk) "
done
same=$(for c in coord1 coord3; do on "$c" -c "SELECT $FIELDS FROM pm.account_risk"; done | sort -u)
[ "$same" = "$(on single -c "SELECT $FIELDS FROM pm.account_risk")" ] && same=yes || same=NO

# One account at a time: its row, and a write of one of its balances, in
# one session; the same accounts everywhere.
ids=$(on single -c "SELECT account_id FROM pm.balance WHERE asset = 'USDT' ORDER BY md5(account_id::text) LIMIT $ones")
one_ms() {
  local node=$1 sql=$2 s e id
  for id in $ids; do echo "${sql//ACCOUNT/$id};"; done >"$shards_work/one.sql"
  s=$(now_ms)
  on "$node" -f "$shards_work/one.sql" >/dev/null || return 1
  e=$(now_ms)
  echo $((e - s))
}
now_ms() { date +%s%3N; }
declare -A oner onew
for node in single coord1 coord3; do
  oner[$node]=$(one_ms "$node" "SELECT * FROM pm.account_risk WHERE account_id = ACCOUNT")
  t=pm.balance; [ "$node" = single ] || t=pm.balance_remote
  onew[$node]=$(one_ms "$node" "UPDATE $t SET cross_free = cross_free + 1 WHERE account_id = ACCOUNT AND asset = 'USDT'")
done

# A tick, as a feed writes it; the price of BTC marks it.
tick_sql() {
  echo "SET portfolio_margin.revalue_at = commit; BEGIN;
UPDATE pm.symbol SET mark_price = round(mark_price * $1, 8);
UPDATE pm.asset SET index_price = round(index_price * $1, 8) WHERE asset NOT IN ('USDT', 'USDC', 'FDUSD');
COMMIT;"
}
# Wait on node $1 until BTC's index price is $2.
wait_btc() {
  on "$1" -c "DO \$\$ BEGIN
    WHILE (SELECT a.index_price FROM pm.asset a WHERE a.asset = 'BTC') IS DISTINCT FROM $2 LOOP
      PERFORM pg_sleep(0.002);
    END LOOP; END \$\$"
}
declare -A ticked
for t in $(seq "$ticks"); do
  m=$(awk -v t="$t" 'BEGIN {printf "%.4f", (t % 2) ? 0.997 : 1.003}')
  s=$(now_ms); on single -c "$(tick_sql "$m")" >/dev/null; e=$(now_ms)
  ticked[single]+="$((e - s)) "
  for layout in "coord1 one" "coord3 s0 s1 s2"; do
    set -- $layout
    c=$1; shift
    s=$(now_ms)
    on "$c" -c "$(tick_sql "$m")" >/dev/null
    btc=$(on "$c" -c "SELECT index_price FROM pm.asset WHERE asset = 'BTC'")
    for node in "$@"; do wait_btc "$node" "$btc" & done
    wait
    e=$(now_ms)
    ticked[$c]+="$((e - s)) "
  done
done
fixed=$(for node in one s0 s1 s2; do on "$node" -c 'SELECT pm.refresh_account_state()'; done | awk '{s += $1} END {print s}')
states=$( (on one -c "SELECT account_id, uni_mmr, status FROM pm.account_state" | sort | md5sum
           for k in 0 1 2; do on "s$k" -c "SELECT account_id, uni_mmr, status FROM pm.account_state"; done | sort | md5sum
           on single -c "SELECT account_id, uni_mmr, status FROM pm.account_state" | sort | md5sum) | sort -u | wc -l)

r_single=$(median ${reads[single]}); r1=$(median ${reads[coord1]}); r3=$(median ${reads[coord3]})
t_single=$(median ${ticked[single]}); t1=$(median ${ticked[coord1]}); t3=$(median ${ticked[coord3]})
printf '\n| N = %s | single node | coordinator + 1 shard | coordinator + 3 shards |\n|---|---:|---:|---:|\n' "$n"
printf '| whole-book read, ms (median of 3) | %s | %s | %s |\n' "$r_single" "$r1" "$r3"
calc() { awk "BEGIN {printf \"%.2f\", $1}"; }
printf '| read / single node | 1.00 | %s | %s |\n' "$(calc "$r1 / $r_single")" "$(calc "$r3 / $r_single")"
printf '| coordinator cost per account, µs | | %s | %s |\n' \
  "$(calc "($r1 - $r_single) * 1000 / $n")" "$(calc "($r3 - $r_single) * 1000 / $n")"
printf '| one account: its pm.account_risk row, ms each (%s) | %s | %s | %s |\n' "$ones" \
  "$(calc "${oner[single]} / $ones")" "$(calc "${oner[coord1]} / $ones")" "$(calc "${oner[coord3]} / $ones")"
printf '| one account: UPDATE of a balance, ms each (%s) | %s | %s | %s |\n' "$ones" \
  "$(calc "${onew[single]} / $ones")" "$(calc "${onew[coord1]} / $ones")" "$(calc "${onew[coord3]} / $ones")"
printf '| market-wide tick until current, ms (median of %s) | %s | %s | %s |\n' "$ticks" "$t_single" "$t1" "$t3"
printf '| tick / single node | 1.00 | %s | %s |\n' "$(calc "$t1 / $t_single")" "$(calc "$t3 / $t_single")"
echo
echo "reads equal the single node's: $same; state rows equal (one digest for all layouts): $([ "$states" = 1 ] && echo yes || echo NO)"
echo "rows pm.refresh_account_state() corrected on the shards afterwards: $fixed"
