#!/usr/bin/env bash
# Shards: reference data written once, on a coordinator, reaches three
# shards by PostgreSQL's logical replication and moves their accounts' state
# and events exactly as the same writes move one node holding every account
# (docs/sharding.md).
#
#   bash test/shard_test.sh        # as root or as a user who can run initdb
#
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
# must read back the same.  Prints TAP lines.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
bindir=$("$PM_PG_CONFIG" --bindir)
work=$(mktemp -d /tmp/pm_shards.XXXXXX)
chmod 777 "$work"
base=$(( 21000 + RANDOM % 20000 ))
accounts=${PM_SHARD_ACCOUNTS:-3000}
nodes=(coord shard0 shard1 shard2 single)
n=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
failed=0
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check()  { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   got: $2"; echo "#  want: $3"; fi; }
as_pg()  { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_of() { local i; for i in "${!nodes[@]}"; do [ "${nodes[$i]}" = "$1" ] && echo $((base + i)); done; }
# psql on node $1, database pm, the rest as psql's arguments
on() { local node=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "$work" -p "$(port_of "$node")" -U postgres -d pm "$@"; }
stop_all() {
  for node in "${nodes[@]}"; do
    [ -d "$work/$node" ] && as_pg "$bindir/pg_ctl" -D "$work/$node" -m immediate -w stop >/dev/null 2>&1
  done
}
trap stop_all EXIT

for node in "${nodes[@]}"; do
  as_pg "$bindir/initdb" -D "$work/$node" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null || exit 1
  as_pg "$bindir/pg_ctl" -D "$work/$node" -l "$work/$node.log" -w \
    -o "-p $(port_of "$node") -k $work -c listen_addresses='' -c wal_level=logical" start >/dev/null || exit 1
  psql -X -q -h "$work" -p "$(port_of "$node")" -U postgres -d postgres -c 'CREATE DATABASE pm' &&
    on "$node" -c 'CREATE EXTENSION portfolio_margin' || exit 1
done
ok "five servers with the extension: a coordinator, three shards, a single node"

# The same book on the coordinator and the single node; the coordinator
# keeps the reference data only.
for node in coord single; do
  on "$node" -v accounts="$accounts" -f test/gen/exchange.sql >/dev/null || exit 1
done
on coord -c 'TRUNCATE pm.risk_event, pm.account_state, pm.open_order, pm.position, pm.balance, pm.account' >/dev/null

# docs/sharding.md, "Adding a shard": the coordinator's publications ...
on coord -f - <<'SQL' || exit 1
CREATE PUBLICATION pm_reference
  FOR TABLE pm.asset, pm.symbol, pm.collateral, pm.loan_mmr, pm.status_threshold, pm.scenario;
CREATE PUBLICATION pm_reference_history
  FOR TABLE pm.asset_history, pm.symbol_history, pm.mark_price_history, pm.collateral_history,
            pm.loan_mmr_history, pm.status_threshold_history
  WITH (publish = 'insert');
SQL
# ... and each shard's subscription, before it holds accounts
for k in 0 1 2; do
  on "shard$k" -f - <<SQL || exit 1
DELETE FROM pm.scenario;
TRUNCATE pm.asset_history, pm.symbol_history, pm.mark_price_history, pm.collateral_history,
         pm.loan_mmr_history, pm.status_threshold_history;
CREATE SUBSCRIPTION pm_reference
  CONNECTION 'host=$work port=$(port_of coord) dbname=pm user=postgres'
  PUBLICATION pm_reference, pm_reference_history
  WITH (slot_name = 'pm_reference_shard$k');
SQL
done

# The reference rows a node holds, with the marks' history, as one digest.
# Replication applies a coordinator's transaction as one transaction: once a
# shard shows its rows, the revaluation at its commit is done too.
reference() {
  on "$1" -c "SELECT md5(string_agg(r, ',' ORDER BY r)) FROM (
      SELECT format('%s', a) r FROM pm.asset a UNION ALL SELECT format('%s', s) FROM pm.symbol s
      UNION ALL SELECT format('%s', c) FROM pm.collateral c UNION ALL SELECT format('%s', l) FROM pm.loan_mmr l
      UNION ALL SELECT format('%s', t) FROM pm.status_threshold t UNION ALL SELECT format('%s', x) FROM pm.scenario x
      UNION ALL SELECT format('%s', h) FROM pm.mark_price_history h) q"
}
# Wait (up to a minute) until every table is copied and every shard shows
# the coordinator's reference rows.
synced() {
  local want k i same=0
  want=$(reference coord)
  for i in $(seq 1 600); do
    same=1
    for k in 0 1 2; do
      [ "$(on "shard$k" -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ] &&
        [ "$(reference "shard$k")" = "$want" ] || { same=0; break; }
    done
    [ $same = 1 ] && break
    sleep 0.1
  done
  check "$1: every shard holds the coordinator's reference data and its price history" \
    "$(for k in 0 1 2; do reference "shard$k"; done | sort -u)" "$want"
}
synced "initial copy"
check "the single node's reference data is the coordinator's (one generator, one seed)" \
  "$(reference single)" "$(reference coord)"

# The accounts, split by account_id modulo 3, each shard's in one
# transaction as the generator loads the single node's (their rows fire the
# shards' own triggers, as any local write does).
for k in 0 1 2; do
  load="BEGIN;"
  for t in account balance position open_order; do
    on single -c "COPY (SELECT * FROM pm.$t WHERE account_id % 3 = $k) TO '$work/$t.$k'" || exit 1
    load="$load COPY pm.$t FROM '$work/$t.$k';"
  done
  on "shard$k" -c "$load COMMIT;" || exit 1
done

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

for k in 0 1 2; do
  check "shard$k: a recomputation from scratch corrects nothing" "$(on "shard$k" -c 'SELECT pm.refresh_account_state()')" 0
done
echo "1..$n"
[ "$failed" -eq 0 ]
