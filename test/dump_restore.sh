#!/usr/bin/env bash
# pg_dump and restore of a database using the extension, with the stock
# tools and no options: pg_restore of the custom format, pg_restore --jobs 2
# of the directory format, and pg_dump | psql.  The source holds the demo
# exchange after position changes and a price move (state, events and
# history), user tables with
# pm.tiers and pm.margin_summary columns, access rules that
# restrict a desk, the owner's edit of a built-in scenario and a scenario of
# a writer's own.  Each restored database must answer as the source (the
# risk views, the state, the scenarios' results, risk as of a moment before
# the changes), keep every row of the extension's tables -- events, state,
# rules, scenarios, history and when it starts -- byte for byte, keep the desk restricted, and go
# on numbering events as the source does.  Restoring into a database where
# the extension exists already is an error on every table of the extension
# and changes none of them.  Prints TAP lines.  Needs a server (PG*
# environment) with the extension files installed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
n=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
check()  { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dbs="pm_dump_src pm_dump_fc pm_dump_fd pm_dump_sql pm_dump_again"
for db in $dbs; do dropdb --if-exists "$db" >/dev/null 2>&1; done
psql -X -q -d postgres -c "DROP ROLE IF EXISTS pm_dump_desk" >/dev/null 2>&1
for db in $dbs; do createdb "$db" || { not_ok "create database $db"; echo "1..$n"; exit 1; }; done

psql_src() { psql -X -q -d pm_dump_src -v ON_ERROR_STOP=1 "$@" >/dev/null; }
if psql_src -c 'CREATE EXTENSION portfolio_margin' -v accounts=600 -v seed=3 -f test/gen/exchange.sql \
     -c "CREATE TABLE public.before_move AS SELECT now() AS at" \
     -c "SELECT pm.sample_risk()" \
     -c "UPDATE pm.position SET qty = qty * 2 WHERE account_id % 9 = 0" \
     -c "UPDATE pm.asset SET index_price = index_price * 0.85 WHERE asset = 'BTC';
         CREATE ROLE pm_dump_desk IN ROLE pm_reader;
         INSERT INTO pm.account_access VALUES ('pm_dump_desk', '[1,50]'), ('pm_dump_desk', '[400,420]');
         UPDATE pm.scenario SET price_shock = -0.25 WHERE scenario = 'BTC -20%';
         INSERT INTO pm.scenario (scenario, asset, price_shock) VALUES ('desk view', 'ETH', -0.33);
         CREATE TABLE public.my_schedules (id int PRIMARY KEY, t pm.tiers);
         INSERT INTO public.my_schedules SELECT i, pm.tiers(ARRAY[0, 1000 * i], ARRAY[0.95, 0.9 - i / 1000.0])
           FROM generate_series(1, 20) i;
         CREATE TABLE public.my_summaries AS
           SELECT account_id, summary AS s FROM pm.account_margin WHERE account_id <= 40;
         SELECT pm.import_binance('/fapi/v1/premiumIndex', '{\"symbol\": \"WAITUSDT\", \"markPrice\": \"1.5\"}');
         SELECT pm.import_binance('/api/v3/exchangeInfo',
           '{\"symbols\": [{\"symbol\": \"ETHBTC\", \"baseAsset\": \"ETH\", \"quoteAsset\": \"BTC\", \"status\": \"TRADING\"}]}');" &&
   [ "$(psql -X -A -t -d pm_dump_src -c 'SELECT count(*) > 20 FROM pm.risk_event')" = t ]; then
  ok "the source: the demo exchange after position changes and a price move (events, history), rules, scenarios, user values, staged Binance answers"
else
  not_ok "the source could not be made"
  echo "1..$n"
  exit 1
fi

check "pg_dump -Fc" pg_dump -Fc -f "$work/db.dump" pm_dump_src
check "pg_dump -Fd" pg_dump -Fd -f "$work/db.dir" pm_dump_src
check "pg_restore of the custom format, no options" pg_restore --exit-on-error -d pm_dump_fc "$work/db.dump"
check "pg_restore --jobs 2 of the directory format, no other option" \
  pg_restore --exit-on-error --jobs 2 -d pm_dump_fd "$work/db.dir"
check "pg_dump | psql" \
  bash -c 'pg_dump pm_dump_src | psql -X -q -v ON_ERROR_STOP=1 -d pm_dump_sql >/dev/null'

answers() {
  psql -X -A -d "$1" -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SELECT * FROM pm.account_risk ORDER BY account_id;
SELECT * FROM pm.asset_equity WHERE account_id % 7 = 0 ORDER BY account_id, asset;
SELECT scenario, count(*), sum(uni_mmr), count(*) FILTER (WHERE account_status LIKE '%LIQUIDATION')
  FROM pm.stress_result GROUP BY scenario ORDER BY scenario;
SELECT 'as of', r.* FROM pm.account_risk_at((SELECT at FROM public.before_move)) r ORDER BY account_id;
SQL
}
rows() {
  psql -X -A -t -d "$1" -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'event', e.* FROM pm.risk_event e ORDER BY event_id;
SELECT 'next event', last_value, is_called FROM pm.risk_event_event_id_seq;
SELECT 'state', s.* FROM pm.account_state s ORDER BY account_id;
SELECT 'rule', r.grantee, r.accounts FROM pm.account_access r ORDER BY 2, 3;
SELECT 'staged', s.* FROM pm.binance_symbol s ORDER BY symbol;
SELECT 'spot', s.* FROM pm.binance_spot_symbol s ORDER BY symbol;
SELECT 'scenario', s.* FROM pm.scenario s ORDER BY scenario, asset;
SELECT 'threshold', t.* FROM pm.status_threshold t ORDER BY program, status;
SELECT 'loan', l.* FROM pm.loan_mmr l ORDER BY leverage;
SELECT 'history start', min(started_at) FROM pm.history_start;
SELECT 'position history', h.* FROM pm.position_history h ORDER BY account_id, symbol, side, valid_until;
SELECT 'asset history', h.* FROM pm.asset_history h ORDER BY asset, valid_until;
SELECT 'account history', h.* FROM pm.account_history h ORDER BY account_id, valid_until;
SELECT 'balance history', h.* FROM pm.balance_history h ORDER BY account_id, asset, valid_until;
SELECT 'mark history', h.* FROM pm.mark_price_history h ORDER BY symbol, valid_until;
SELECT 'sample', s.* FROM pm.risk_sample s ORDER BY account_id, sampled_at;
-- last: the user tables, which a database the dump was not restored into lacks
SELECT 'schedule', t::text, pm.tiered(1e6, t) FROM public.my_schedules ORDER BY id;
SELECT 'summary', account_id, pm.margin_summary_send(s) FROM public.my_summaries ORDER BY account_id;
SQL
}
desk() {
  psql -X -q -A -t -d "$1" -v ON_ERROR_STOP=1 -c "SET ROLE pm_dump_desk" \
    -c "SELECT count(*), min(account_id), max(account_id), count(*) FILTER (WHERE account_id BETWEEN 51 AND 399)
          FROM pm.account_risk" \
    -c "SELECT count(*) FROM pm.risk_event WHERE account_id NOT BETWEEN 1 AND 50 AND account_id NOT BETWEEN 400 AND 420"
}
rows pm_dump_src >"$work/src.rows"
answers pm_dump_src >"$work/src.answers"
desk pm_dump_src >"$work/src.desk"
check "the source's desk sees its 71 accounts and no other" \
  test "$(head -n 1 "$work/src.desk")" = "71|1|420|0"

for db in pm_dump_fc pm_dump_fd pm_dump_sql; do
  if diff "$work/src.answers" <(answers $db) >"$work/$db.answers.diff"; then
    ok "$db gives the same answers ($(wc -l <"$work/src.answers") lines)"
  else
    not_ok "$db answers differently"
    sed 's/^/#   /' "$work/$db.answers.diff" | head -n 20
  fi
  if diff "$work/src.rows" <(rows $db) >"$work/$db.rows.diff"; then
    ok "$db keeps events, their numbering, state, rules, scenarios, history and user values byte for byte ($(wc -l <"$work/src.rows") rows)"
  else
    not_ok "$db's rows differ"
    sed 's/^/#   /' "$work/$db.rows.diff" | head -n 20
  fi
  if diff "$work/src.desk" <(desk $db) >/dev/null; then
    ok "$db keeps the desk restricted to its accounts"
  else
    not_ok "$db does not keep the desk restricted: $(desk $db | tr '\n' ' ')"
  fi
  if [ "$(psql -X -A -t -d $db -c 'SELECT pm.refresh_account_state()')" = 0 ]; then
    ok "$db's restored state is what its rows give (pm.refresh_account_state corrects 0)"
  else
    not_ok "$db's restored state is not what its rows give"
  fi
done

# The engine goes on: a price move gives the same events, numbered on, in
# the source and in every restored database.
move="UPDATE pm.asset SET index_price = index_price * 0.7 WHERE asset = 'ETH';
      SELECT event_id, account_id, old_status, new_status, uni_mmr, program FROM pm.risk_event
       WHERE xact_id = (SELECT max(xact_id) FROM pm.risk_event) ORDER BY event_id;"
psql -X -A -d pm_dump_src -c "$move" >"$work/src.move" 2>&1
for db in pm_dump_fc pm_dump_fd pm_dump_sql; do
  if diff "$work/src.move" <(psql -X -A -d $db -c "$move" 2>&1) >"$work/$db.move.diff" &&
     [ "$(wc -l <"$work/src.move")" -gt 4 ]; then
    ok "after the restore, $db records a price move's events with the source's numbers ($(($(wc -l <"$work/src.move") - 3)) events)"
  else
    not_ok "after the restore, $db's events differ from the source's"
    sed 's/^/#   /' "$work/$db.move.diff" | head -n 10
  fi
done

# Restoring into a database that already has the extension (and its own
# book): an error on every table of the extension, and none of them changes.
psql -X -q -d pm_dump_again -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION portfolio_margin' \
  -v accounts=300 -v seed=9 -f test/gen/exchange.sql \
  -c "UPDATE pm.asset SET index_price = index_price * 0.8 WHERE asset = 'BTC'" >/dev/null
rows pm_dump_again 2>/dev/null | grep -v "^\(schedule\|summary\|next event\)" >"$work/again.before"
pg_restore -d pm_dump_again "$work/db.dump" >"$work/again.out" 2>&1
refused=$(grep -c 'cannot restore rows of pm\.[a-z_"]*: this database already had portfolio_margin' "$work/again.out")
tables=$(psql -X -A -t -d pm_dump_again -c "SELECT count(*) FROM pg_extension e, unnest(e.extconfig) c
                                              JOIN pg_class r ON r.oid = c AND r.relkind = 'r'
                                             WHERE e.extname = 'portfolio_margin'")
if [ "$refused" -eq "$tables" ] && [ "$tables" -gt 10 ]; then
  ok "a restore into a database that has the extension is refused on each of its $tables tables"
else
  not_ok "a restore into a database that has the extension: $refused of $tables tables refused"
  grep -i error "$work/again.out" | head -n 5 | sed 's/^/#   /'
fi
if diff "$work/again.before" <(rows pm_dump_again 2>/dev/null | grep -v "^\(schedule\|summary\|next event\)") >"$work/again.diff"; then
  ok "and it changes none of the extension's rows there"
else
  not_ok "a refused restore changed the extension's rows"
  sed 's/^/#   /' "$work/again.diff" | head -n 10
fi
# Only the event sequence took the dump's value (pg_restore sets it with a
# function call, past any trigger): events recorded next still number on
# from the database's own last one.
last=$(psql -X -A -t -d pm_dump_again -c "SELECT max(event_id) FROM pm.risk_event")
psql -X -q -d pm_dump_again -c "SELECT setval('pm.risk_event_event_id_seq', 1)
                                 WHERE (SELECT last_value FROM pm.risk_event_event_id_seq) > $last;
                                UPDATE pm.asset SET index_price = index_price * 0.6 WHERE asset = 'BTC'" >/dev/null
if [ "$(psql -X -A -t -d pm_dump_again -c "SELECT min(event_id) = $last + 1 AND count(*) > 0
                                            FROM pm.risk_event WHERE event_id > $last")" = t ]; then
  ok "and events recorded afterwards number on from the database's own last one, even behind a lowered sequence"
else
  not_ok "events after a refused restore do not number on from the database's last one"
fi

for db in $dbs; do dropdb "$db"; done
psql -X -q -d postgres -c "DROP ROLE IF EXISTS pm_dump_desk" >/dev/null
echo "1..$n"
