#!/usr/bin/env bash
# Shards: reference data written once, on a coordinator, reaches three
# shards by PostgreSQL's logical replication and moves their accounts' state
# and events exactly as the same writes move one node holding every account
# (docs/sharding.md).
#
#   bash test/shard_test.sh        # as root or as a user who can run initdb
#   PM_SHARD_KEEP=1 bash test/shard_test.sh    # leave the servers running
#
# (The servers: test/shards_lib.sh.)#
# Starts five throwaway servers on Unix sockets in a temporary directory:
# a coordinator (wal_level = logical), three shards and a single node for
# comparison, each with the extension.  The coordinator publishes the
# reference tables and their history; each shard subscribes as
# docs/sharding.md says.  The demo exchange (test/gen/exchange.sql, the same
# seed everywhere) is loaded whole into the single node and, by account_id
# modulo 3, into the shards.  Then the same transactions run on the
# coordinator and on the single node -- a market-wide tick, a crash of BTC
# with a collateral schedule, a loan rate and a ladder band edited -- and
# after each the shards' state rows and events, together, must equal the
# single node's, digit for digit, and risk as of a moment between the two
# must read back the same; then two ticks while one shard is down, which it
# catches up when it is back.  Prints TAP lines.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
. test/shards_lib.sh
accounts=${PM_SHARD_ACCOUNTS:-3000}
n=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
failed=0
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check()  { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   got: $2"; echo "#  want: $3"; fi; }

shards_start coord shard0 shard1 shard2 single || exit 1
ok "five servers with the extension: a coordinator, three shards, a single node"

# The same book on the coordinator and the single node; the coordinator
# keeps the reference data only.
for node in coord single; do
  on "$node" -v accounts="$accounts" -f test/gen/exchange.sql >/dev/null || exit 1
done
on coord -c 'TRUNCATE pm.risk_event, pm.account_state, pm.open_order, pm.position, pm.balance, pm.account' >/dev/null

shards_publish coord || exit 1
for k in 0 1 2; do shards_subscribe "shard$k" coord || exit 1; done

# Every shard caught up with the coordinator.
synced() {
  check "$1: every shard holds the coordinator's reference data and its price history" \
    "$(for k in 0 1 2; do shards_caught_up "shard$k" coord; done | sort -u)" "$(reference coord)"
}
synced "initial copy"
check "the single node's reference data is the coordinator's (one generator, one seed)" \
  "$(reference single)" "$(reference coord)"

# The accounts, split by account_id modulo 3, each shard's in one
# transaction as the generator loads the single node's (their rows fire the
# shards' own triggers, as any local write does).
for k in 0 1 2; do shards_copy_accounts single "shard$k" "account_id % 3 = $k" || exit 1; done

# The state rows (values as text: the same digits) and the events since
# event id $2 of each node; the shards' together.
STATE="SELECT account_id || ' ' || program || ' ' || coalesce(uni_mmr::text, '-') || ' ' || account_equity
          || ' ' || adjusted_equity || ' ' || maint_margin || ' ' || status || ' ' || coalesce(committed_status, '-')
          || ' ' || coalesce(error, '-') FROM pm.account_state"
state() { on "$1" -c "$STATE" | sort; }
shards_state() { for k in 0 1 2; do state "shard$k"; done | sort; }
events() { on "$1" -c "SELECT account_id || ' ' || coalesce(old_status, '-') || ' ' || new_status || ' '
                         || coalesce(uni_mmr::text, '-') || ' ' || program FROM pm.risk_event WHERE event_id > $2" | sort; }
last_event() { on "$1" -c 'SELECT coalesce(max(event_id), 0) FROM pm.risk_event'; }
compare_all() {
  local label=$1
  synced "$label"
  check "$label: the shards' state rows are the single node's, every digit ($(state single | wc -l) accounts)" \
    "$(shards_state | md5sum)" "$(state single | md5sum)"
  check "$label: the shards recorded the single node's events ($(events single "${e0[single]}" | wc -l))" \
    "$(for k in 0 1 2; do events "shard$k" "${e0[shard$k]}"; done | sort | md5sum)" \
    "$(events single "${e0[single]}" | md5sum)"
}
declare -A e0
mark_events() { for node in shard0 shard1 shard2 single; do e0[$node]=$(last_event "$node"); done; }

# the load's own events (first statuses other than NORMAL), every one
for node in shard0 shard1 shard2 single; do e0[$node]=0; done
compare_all "accounts loaded"

# A market-wide tick, as a feed writes it: every mark, then every index
# price, one transaction.
TICK="BEGIN;
UPDATE pm.symbol SET mark_price = round(mark_price * 0.97, 8);
UPDATE pm.asset SET index_price = round(index_price * 0.97, 8) WHERE asset NOT IN ('USDT', 'USDC', 'FDUSD');
COMMIT;"
mark_events
on coord -c "$TICK" && on single -c "$TICK" || exit 1
compare_all "a market-wide tick"

sleep 0.2
moment=$(on coord -c 'SELECT now()')
sleep 0.2

# BTC falls 12%, and the reference data moves around it: a collateral
# schedule, a loan rate, a ladder band -- one transaction.
CRASH="BEGIN;
UPDATE pm.asset SET index_price = round(index_price * 0.88, 8) WHERE asset = 'BTC';
UPDATE pm.symbol SET mark_price = round(mark_price * 0.88, 8) WHERE base_asset = 'BTC';
UPDATE pm.collateral SET schedule = '0:0.8' WHERE program = 'PM' AND asset = 'ETH';
UPDATE pm.loan_mmr SET mmr = 0.11 WHERE leverage = 3;
UPDATE pm.status_threshold SET uni_mmr_above = 1.25 WHERE program = 'PM' AND status = 'NORMAL';
COMMIT;"
mark_events
on coord -c "$CRASH" && on single -c "$CRASH" || exit 1
compare_all "a BTC crash with a schedule, a loan rate and a ladder band"

# Risk as of a moment between the two: the shards read the reference data
# of then from the history the coordinator replicated.
ASOF="SELECT account_id || ' ' || coalesce(uni_mmr::text, '-') || ' ' || account_status FROM pm.account_risk_at('$moment')"
check "risk as of a moment between the two, from the shards, is the single node's" \
  "$(for k in 0 1 2; do on "shard$k" -c "$ASOF"; done | sort | md5sum)" "$(on single -c "$ASOF" | sort | md5sum)"
check "the as-of answer is not today's" \
  "$( [ "$(on single -c "$ASOF" | sort | md5sum)" != "$(on single -c "SELECT account_id || ' ' || coalesce(uni_mmr::text, '-') || ' ' || account_status FROM pm.account_risk" | sort | md5sum)" ] && echo differs)" differs

# A shard that was down catches up: its slot on the coordinator keeps what
# it missed, and replication applies each transaction, in commit order, when
# it is back.
RALLY="BEGIN;
UPDATE pm.asset SET index_price = round(index_price * 1.05, 8) WHERE asset NOT IN ('USDT', 'USDC', 'FDUSD');
UPDATE pm.symbol SET mark_price = round(mark_price * 1.05, 8);
COMMIT;"
mark_events
shards_down shard2
on coord -c "$RALLY" && on coord -c "$TICK" && on single -c "$RALLY" && on single -c "$TICK" || exit 1
check "while shard2 is down, the others are current" \
  "$(shards_caught_up shard0 coord; shards_caught_up shard1 coord)" "$(reference coord; reference coord)"
shards_up shard2 || exit 1
compare_all "two ticks while shard2 was down, then it came back"

for k in 0 1 2; do
  check "shard$k: a recomputation from scratch corrects nothing" "$(on "shard$k" -c 'SELECT pm.refresh_account_state()')" 0
done
echo "1..$n"
[ "$failed" -eq 0 ]
