#!/usr/bin/env bash
# Shards: three shards behind one coordinator answer exactly as one node
# holding every account does (docs/sharding.md).  Reference data written
# once, on the coordinator, reaches the shards by PostgreSQL's logical
# replication and moves their accounts' state and events as on one node;
# the coordinator reads and writes the shards' accounts through postgres_fdw.
#
#   bash test/shard_test.sh        # as root or as a user who can run initdb
#   PM_SHARD_KEEP=1 bash test/shard_test.sh    # leave the servers running
#
# (The servers: test/shards_lib.sh.)
# Starts five throwaway servers on Unix sockets in a temporary directory:
# a coordinator (wal_level = logical), three shards and a single node for
# comparison, each with the extension.  The coordinator publishes the
# reference tables and their history; each shard subscribes, and the
# coordinator attaches it (pm.attach_shard, hash of account_id modulo 3), as
# docs/sharding.md says.  The demo exchange (test/gen/exchange.sql, the same
# seed everywhere) is loaded whole into the single node and, through the
# coordinator, which routes each row to its account's shard, into the
# shards.  Then the same transactions run on the coordinator and on the
# single node -- a market-wide tick, a crash of BTC with a collateral
# schedule, a loan rate and a ladder band edited, account rows written
# through the coordinator -- and after each the shards' state rows and
# events, together, must equal the single node's, digit for digit.  The
# coordinator's views must give the single node's rows; two roles whose
# rules split the accounts see their halves through it; risk as of a moment
# between two writes reads back the same on the shards; a dump of the
# coordinator restores to one that answers the same; with one shard down a
# query of the whole book is an error while one pruned to live shards
# answers, and the shard catches up with two ticks when it is back.  Prints
# TAP lines.
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

# The coordinator attaches each shard (docs/sharding.md, "One database to
# ask") and loads the accounts through its partitions of the shards' tables:
# each row reaches the shard of its account's hash, in one transaction per
# shard, where it fires the shard's own triggers as any local write does.
for k in 0 1 2; do shards_attach coord "shard$k" "$k" 3 >/dev/null || exit 1; done
shards_route_accounts single coord || exit 1
check "every shard holds some accounts, and together the single node's" \
  "$(for k in 0 1 2; do [ "$(on "shard$k" -c 'SELECT count(*) FROM pm.account')" -gt 0 ] && echo some; done | sort -u) $(for k in 0 1 2; do on "shard$k" -c 'SELECT account_id FROM pm.account'; done | sort -n | md5sum)" \
  "some $(on single -c 'SELECT account_id FROM pm.account' | sort -n | md5sum)"

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
# schedule, a loan rate, a ladder band, position limits -- one transaction.
CRASH="BEGIN;
UPDATE pm.asset SET index_price = round(index_price * 0.88, 8) WHERE asset = 'BTC';
UPDATE pm.symbol SET mark_price = round(mark_price * 0.88, 8) WHERE base_asset = 'BTC';
UPDATE pm.collateral SET schedule = '0:0.8' WHERE program = 'PM' AND asset = 'ETH';
UPDATE pm.loan_mmr SET mmr = 0.11 WHERE leverage = 3;
UPDATE pm.status_threshold SET uni_mmr_above = 1.25 WHERE program = 'PM' AND status = 'NORMAL';
UPDATE pm.symbol SET position_limit = 20000 WHERE symbol IN ('BTCUSDT', 'ETHUSDT');
COMMIT;"
mark_events
on coord -c "$CRASH" && on single -c "$CRASH" || exit 1
compare_all "a BTC crash with a schedule, a loan rate and a ladder band"

# One database to ask: the coordinator's views, which read the shards'
# through its foreign partitions, give the single node's rows; so do its
# partitions of the shards' state and events.
# (pm.binance_position_risk values a liquidation price per position, a few
# milliseconds each: every twentieth account's.)
rows() { on "$1" -c "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '-') FROM $2 t"; }
VIEWS=(pm.account_risk pm.account_margin pm.asset_equity pm.stress_result pm.position_risk
       pm.position_over_limit pm.margin_line
       "(SELECT * FROM pm.binance_position_risk WHERE account_id % 20 = 0)")
ask_coordinator() {
  local v
  for v in "${VIEWS[@]}"; do
    check "$1: the coordinator's $v is the single node's ($(rows single "$v" | cut -d' ' -f1) rows)" \
      "$(rows coord "$v")" "$(rows single "$v")"
  done
  check "$1: the coordinator's pm.account_state_remote holds the single node's state rows" \
    "$(on coord -c "${STATE/pm.account_state/pm.account_state_remote}" | sort | md5sum)" "$(state single | md5sum)"
  check "$1: the coordinator's pm.risk_event_remote holds the single node's events ($(events single 0 | wc -l))" \
    "$(on coord -c "SELECT account_id || ' ' || coalesce(old_status, '-') || ' ' || new_status || ' '
                     || coalesce(uni_mmr::text, '-') || ' ' || program FROM pm.risk_event_remote" | sort | md5sum)" \
    "$(events single 0 | md5sum)"
}
ask_coordinator "after the crash"
check "no account is counted twice, and some positions are over their limits" \
  "$(on coord -c 'SELECT count(DISTINCT account_id) = count(*) FROM pm.account_risk') $(on coord -c 'SELECT count(*) > 0 FROM pm.position_over_limit')" "t t"
check "a query of one account reads only its shard" \
  "$(on coord -c 'EXPLAIN SELECT * FROM pm.account_risk WHERE account_id = 42' | grep -c 'Foreign Scan')" 1

# Account rows written through the coordinator reach the owning shard, whose
# triggers move its state and record its events as the single node's do.
borrowers=$(on single -c "SELECT string_agg(account_id::text, ',') FROM (SELECT account_id FROM pm.balance
                            WHERE asset = 'USDT' ORDER BY account_id LIMIT 40) q")
gone=$(on single -c "SELECT max(account_id) FROM pm.account")
WRITES="BEGIN;
UPDATE pm.balance_remote SET cross_borrowed = cross_borrowed + 20000 WHERE account_id IN ($borrowers) AND asset = 'USDT';
INSERT INTO pm.account_remote VALUES (900001, 'PM', 3), (900002, 'PM_PRO', 3);
INSERT INTO pm.balance_remote VALUES (900001, 'USDT', 10000, 0, 0, 0, 0, 0), (900002, 'BTC', 0.5, 0, 0, 0, 0, 0);
INSERT INTO pm.position_remote VALUES (900001, 'BTCUSDT', 'BOTH', 1.5, 60000, 10);
DELETE FROM pm.account_remote WHERE account_id = $gone;
COMMIT;"
mark_events
on coord -c "$WRITES" && on single -c "${WRITES//_remote/}" || exit 1
check "the writes moved accounts: a borrower's state changed, a new account is valued, the deleted one is gone" \
  "$(on coord -c "SELECT count(*) FROM pm.account_state_remote WHERE account_id IN (900001, 900002)") $(on coord -c "SELECT count(*) FROM pm.account_remote WHERE account_id = $gone")" "2 0"
compare_all "account rows written through the coordinator"
ask_coordinator "after the writes"

# The history views: a sample taken on the coordinator holds its shards'
# accounts, so its series are the whole book's.
for node in coord single; do on "$node" -c 'SELECT pm.sample_risk()' >/dev/null || exit 1; done
SERIES="SELECT 'book ' || accounts || ' ' || account_equity || ' ' || adjusted_equity || ' ' || maint_margin
               || ' ' || coalesce(uni_mmr_min::text, '-') || ' ' || coalesce(uni_mmr_p01::text, '-')
               || ' ' || coalesce(uni_mmr_p50::text, '-') || ' ' || at_risk || ' ' || not_valued FROM pm.book_series
        UNION ALL SELECT 'status ' || status || ' ' || accounts || ' ' || maint_margin || ' ' || account_equity
          FROM pm.status_series
        UNION ALL SELECT 'nearest ' || rank || ' ' || account_id || ' ' || uni_mmr FROM pm.nearest_liquidation_series"
check "a sample on the coordinator gives the single node's book, status and nearest-liquidation series ($(on single -c "$SERIES" | wc -l) rows)" \
  "$(on coord -c "$SERIES" | sort | md5sum)" "$(on single -c "$SERIES" | sort | md5sum)"

# Risk as of a moment between the two: the shards read the reference data
# of then from the history the coordinator replicated.
ASOF="SELECT account_id || ' ' || coalesce(uni_mmr::text, '-') || ' ' || account_status FROM pm.account_risk_at('$moment')"
check "risk as of a moment between the two, from the shards, is the single node's" \
  "$(for k in 0 1 2; do on "shard$k" -c "$ASOF"; done | sort | md5sum)" "$(on single -c "$ASOF" | sort | md5sum)"
check "the as-of answer is not today's" \
  "$( [ "$(on single -c "$ASOF" | sort | md5sum)" != "$(on single -c "SELECT account_id || ' ' || coalesce(uni_mmr::text, '-') || ' ' || account_status FROM pm.account_risk" | sort | md5sum)" ] && echo differs)" differs

# Two desks whose rules split the accounts, on every node; on the
# coordinator each is mapped to its own role on the shards, which the
# shards' rules restrict again.
# The desks log in to the shards with passwords, as postgres_fdw and dblink
# require of a role that is not a superuser.
for node in coord shard0 shard1 shard2 single; do
  sed -i '1i local all desk_a,desk_b scram-sha-256' "$shards_work/$node/pg_hba.conf"
  on "$node" -c "CREATE ROLE desk_a LOGIN PASSWORD 'desk-a-secret' IN ROLE pm_reader;
                 CREATE ROLE desk_b LOGIN PASSWORD 'desk-b-secret' IN ROLE pm_reader;
                 INSERT INTO pm.account_access VALUES ('desk_a', '[1,1500]'), ('desk_b', '[1501,)');
                 SELECT pg_reload_conf()" >/dev/null || exit 1
done
for k in 0 1 2; do
  on coord -c "CREATE USER MAPPING FOR desk_a SERVER shard$k OPTIONS (user 'desk_a', password 'desk-a-secret');
               CREATE USER MAPPING FOR desk_b SERVER shard$k OPTIONS (user 'desk_b', password 'desk-b-secret')" || exit 1
done
as_desk() { on "$1" -c "SET ROLE $2" -c "SELECT count(*) || ' ' || min(account_id) || ' ' || max(account_id) || ' '
                                           || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM pm.$3 t"; }
for desk in desk_a desk_b; do
  for v in account_risk position_risk; do
    check "$desk sees through the coordinator the rows of pm.$v it sees on the single node: $(as_desk single $desk $v | cut -d' ' -f1-3)" \
      "$(as_desk coord $desk $v)" "$(as_desk single $desk $v)"
  done
done
check "the two desks' rows are the book, split" \
  "$(( $(as_desk coord desk_a account_risk | cut -d' ' -f1) + $(as_desk coord desk_b account_risk | cut -d' ' -f1) ))" \
  "$(on single -c 'SELECT count(*) FROM pm.account_risk')"
# Each side's rules hold without the other's: a mapping to a shard role that
# sees every account, or no rule on the coordinator.
on coord -c "ALTER USER MAPPING FOR desk_b SERVER shard0 OPTIONS (SET user 'postgres', ADD password_required 'false')" >/dev/null
check "desk_b mapped to a shard role that sees every account still sees only its own (the coordinator's rules)" \
  "$(as_desk coord desk_b account_risk)" "$(as_desk single desk_b account_risk)"
on coord -c "ALTER USER MAPPING FOR desk_b SERVER shard0 OPTIONS (SET user 'desk_b', DROP password_required)" >/dev/null
on coord -c "DELETE FROM pm.account_access WHERE grantee = 'desk_a'::regrole" >/dev/null
check "desk_a without a rule on the coordinator still sees only its own (the shards' rules)" \
  "$(as_desk coord desk_a account_risk)" "$(as_desk single desk_a account_risk)"
on coord -c "INSERT INTO pm.account_access VALUES ('desk_a', '[1,1500]')" >/dev/null

# Functions for one account run on its shard: through dblink, over the same
# foreign servers and user mappings.  One account of each shard, holding
# USDT, and the account written through the coordinator.
picked=$(for k in 0 1 2; do on "shard$k" -c "SELECT min(account_id) FROM pm.balance WHERE asset = 'USDT'"; done | paste -sd, -),900001
ONE="SELECT a || ' ' || (SELECT pm.stress(a, min(x.scenario)) FROM pm.scenario x)::text
          || ' ' || pm.whatif(a, '{\"loans\": [{\"asset\": \"USDT\", \"amount\": 5000}]}')::text
          || ' ' || (SELECT l::text FROM pm.liquidation_price(a, 'BTC') l)
          || ' ' || coalesce(pm.max_withdraw(a, 'USDT')::text, '-')
          || ' ' || (SELECT r::text FROM pm.account_risk_of(a) r)
       FROM unnest(ARRAY[$picked]::int8[]) a ORDER BY a"
first=${picked%%,*}
check "without dblink on the coordinator, a function for an account of a shard says what it needs" \
  "$(on coord -c "SELECT pm.stress($first, 'x')" 2>&1 | grep -o 'calling a function there needs dblink')" \
  "calling a function there needs dblink"
on coord -c 'CREATE EXTENSION dblink; GRANT USAGE ON FOREIGN SERVER shard0, shard1, shard2 TO pm_reader' >/dev/null || exit 1
check "pm.stress, pm.whatif, pm.liquidation_price, pm.max_withdraw and pm.account_risk_of on the coordinator, for accounts of each shard, give the single node's values ($picked)" \
  "$(on coord -c "$ONE" | md5sum) $(on coord -c "SELECT count(DISTINCT pm.shard_of(a)) FROM unnest(ARRAY[$picked]::int8[]) a")" \
  "$(on single -c "$ONE" | md5sum) 3"
# ... and so do their as-of forms, at the moment between the tick and the
# crash (from the shard's history of its accounts and the replicated one of
# the reference data).
ASOF_ONE="SELECT a || ' ' || (SELECT string_agg(r::text, ';') FROM pm.account_risk_at(a, '$moment') r)
          || ' ' || (SELECT string_agg(e::text, ';' ORDER BY e.asset) FROM pm.asset_equity_at(a, '$moment') e)
          || ' ' || (SELECT pm.stress_at(a, min(x.scenario), '$moment') FROM pm.scenario x)::text
          || ' ' || (SELECT l::text FROM pm.liquidation_price_at(a, 'BTC', '$moment') l)
       FROM unnest(ARRAY[${picked%,900001}]::int8[]) a ORDER BY a"
check "pm.account_risk_at, pm.asset_equity_at, pm.stress_at and pm.liquidation_price_at for one account on the coordinator give the single node's values" \
  "$(on coord -c "$ASOF_ONE" | md5sum) $(on coord -c "$ASOF_ONE" | wc -l)" "$(on single -c "$ASOF_ONE" | md5sum) 3"
as_desk_one() { on "$1" -c "SET ROLE $2" -c "SELECT pm.whatif($3, '{}')::text" 2>&1 | grep -o '^[A-Z]*: *account [0-9]* does not exist\|^([0-9].*'; }
check "desk_a's own account is valued on its shard as on the single node" \
  "$(as_desk_one coord desk_a 7)" "$(as_desk_one single desk_a 7)"
check "desk_a asking for desk_b's account on the coordinator is the single node's error" \
  "$(as_desk_one coord desk_a 2001)" "$(as_desk_one single desk_a 2001)"
on coord -c "DELETE FROM pm.account_access WHERE grantee = 'desk_a'::regrole" >/dev/null
check "... and so it is when only the shard's rules stop desk_a" \
  "$(as_desk_one coord desk_a 2001)" "$(as_desk_one single desk_a 2001)"
on coord -c "INSERT INTO pm.account_access VALUES ('desk_a', '[1,1500]')" >/dev/null

# A coordinator dumped and restored by the stock tools is a coordinator: its
# servers, user mappings and foreign partitions come back.
pg_dump -h "$shards_work" -p "$(shards_port coord)" -U postgres -Fc -f "$shards_work/coord.dump" pm &&
  on coord -d postgres -c 'CREATE DATABASE pm_restored' &&
  pg_restore -h "$shards_work" -p "$(shards_port coord)" -U postgres -d pm_restored "$shards_work/coord.dump" || exit 1
check "a coordinator restored from pg_dump answers pm.account_risk for the whole book" \
  "$(psql -X -At -h "$shards_work" -p "$(shards_port coord)" -U postgres -d pm_restored \
       -c "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM pm.account_risk t")" \
  "$(rows single pm.account_risk)"

# A shard that was down catches up: its slot on the coordinator keeps what
# it missed, and replication applies each transaction, in commit order, when
# it is back.
RALLY="BEGIN;
UPDATE pm.asset SET index_price = round(index_price * 1.05, 8) WHERE asset NOT IN ('USDT', 'USDC', 'FDUSD');
UPDATE pm.symbol SET mark_price = round(mark_price * 1.05, 8);
COMMIT;"
mark_events
shards_down shard2
# ... and while it is down, the coordinator cannot answer for the whole book:
# a query that needs it is an error naming it, never part of the book; a
# query pruned to live shards answers.
whole=$(on coord -c 'SELECT count(*) FROM pm.account_risk' 2>&1)
check "with shard2 down, a whole-book query on the coordinator is an error naming it" \
  "$(echo "$whole" | grep -o 'could not connect to server "shard2"')" 'could not connect to server "shard2"'
live=$(on shard0 -c 'SELECT min(account_id) FROM pm.account')
check "with shard2 down, a query of an account on shard0 answers" \
  "$(on coord -c "SELECT account_id || ' ' || account_status FROM pm.account_risk WHERE account_id = $live")" \
  "$(on single -c "SELECT account_id || ' ' || account_status FROM pm.account_risk WHERE account_id = $live")"
on coord -c "$RALLY" && on coord -c "$TICK" && on single -c "$RALLY" && on single -c "$TICK" || exit 1
check "while shard2 is down, the others are current" \
  "$(shards_caught_up shard0 coord; shards_caught_up shard1 coord)" "$(reference coord; reference coord)"
shards_up shard2 || exit 1
compare_all "two ticks while shard2 was down, then it came back"

ask_coordinator "shard2 back"

for k in 0 1 2; do
  check "shard$k: a recomputation from scratch corrects nothing" "$(on "shard$k" -c 'SELECT pm.refresh_account_state()')" 0
done
echo "1..$n"
[ "$failed" -eq 0 ]
