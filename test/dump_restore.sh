#!/usr/bin/env bash
# pg_dump / pg_restore of a database using the extension: pm.tiers and
# pm.margin_summary values in user tables, rows in the extension's own
# tables (reference data, accounts, state, the event log) -- the restored
# database must answer test/upgrade/compare.sql exactly as the original,
# keep the event log row for row, and go on numbering events after it.
#
# The restore runs with session_replication_role = replica, PostgreSQL's
# switch for loading rows without firing their triggers (README: backups).
# Without it the state triggers would recompute accounts half-loaded; the
# restore then stops on a duplicate state row instead of keeping wrong
# state, which is checked too.
# Prints TAP lines.  Needs a server (PG* environment) with the extension
# files installed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
n=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
check()  { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
for db in pm_dump_src pm_dump_dst pm_dump_plain; do dropdb --if-exists "$db" >/dev/null 2>&1; done
createdb pm_dump_src && createdb pm_dump_dst && createdb pm_dump_plain || { not_ok "create databases"; echo "1..$n"; exit 1; }

psql_src() { psql -X -q -d pm_dump_src -v ON_ERROR_STOP=1 "$@" >/dev/null; }
check "extension and data in the source database" \
  psql_src -c 'CREATE EXTENSION portfolio_margin' \
    $(for f in $(ls test/upgrade/data-*.sql | sort -V); do echo "-f $f"; done)

check "pg_dump -Fc" pg_dump -Fc -f "$dump/db.dump" pm_dump_src
check "pg_restore with session_replication_role = replica into an empty database" \
  env PGOPTIONS='-c session_replication_role=replica' \
    pg_restore --exit-on-error -d pm_dump_dst "$dump/db.dump"
if pg_restore --exit-on-error -d pm_dump_plain "$dump/db.dump" 2>"$dump/plain.err"; then
  not_ok "a restore that fires the state triggers should stop, but it succeeded"
elif grep -q 'duplicate key value violates unique constraint "account_state_pkey"' "$dump/plain.err"; then
  ok "a restore that fires the state triggers stops on the first state row instead of keeping wrong state"
else
  not_ok "a restore that fires the state triggers failed in an unexpected way"
  sed 's/^/#   /' "$dump/plain.err" | head -n 10
fi

answers() { psql -X -A -d "$1" -v ON_ERROR_STOP=1 -f test/upgrade/compare.sql 2>&1; }
if diff <(answers pm_dump_src) <(answers pm_dump_dst) >"$dump/answers.diff"; then
  ok "the restored database gives the same answers ($(answers pm_dump_src | wc -l) lines)"
else
  not_ok "the restored database answers differently"
  sed 's/^/#   /' "$dump/answers.diff" | head -n 40
fi

rows() {
  psql -X -A -t -d "$1" -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'event', e.* FROM pm.risk_event e ORDER BY event_id;
SELECT 'state', s.* FROM pm.account_state s ORDER BY account_id;
SELECT 'schedule', t::text, pm.tiered(1e6, t) FROM public.my_schedules ORDER BY id;
SELECT 'summary', account_id, pm.margin_summary_send(s) FROM public.my_summaries ORDER BY account_id;
SQL
}
if diff <(rows pm_dump_src) <(rows pm_dump_dst) >"$dump/rows.diff"; then
  ok "events, states and user values are restored row for row, byte for byte ($(rows pm_dump_src | wc -l) rows)"
else
  not_ok "restored rows differ"
  sed 's/^/#   /' "$dump/rows.diff" | head -n 40
fi

# After the restore the engine keeps working: a price move is recorded with
# the next event number in both databases alike.
move="UPDATE pm.asset SET index_price = 20000 WHERE asset = 'BTC';
      SELECT event_id, account_id, old_status, new_status, uni_mmr FROM pm.risk_event
       WHERE event_id > (SELECT max(event_id) FROM pm.risk_event WHERE at < now()) ORDER BY event_id;"
if diff <(psql -X -A -d pm_dump_src -c "$move" 2>&1) <(psql -X -A -d pm_dump_dst -c "$move" 2>&1) \
     >"$dump/after.diff"; then
  ok "after the restore, new events continue the numbering as in the original"
else
  not_ok "after the restore, new events differ"
  sed 's/^/#   /' "$dump/after.diff" | head -n 20
fi

dropdb pm_dump_src
dropdb pm_dump_dst
dropdb pm_dump_plain
echo "1..$n"
