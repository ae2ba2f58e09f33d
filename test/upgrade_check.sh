#!/usr/bin/env bash
# Upgrade paths.  A fresh install runs the current version's one script
# (sql/portfolio_margin.sql, built into portfolio_margin--VERSION.sql); an
# existing database runs the oldest version's script and then every upgrade
# script.  This checks the two ways end in the same place:
#
#   1. bare: a fresh install, and the oldest version updated step by step
#      to the current one, describe the same objects (test/upgrade/
#      describe.sql: every member with its whole definition, owner,
#      privileges, comment, triggers, policies, constraints, indexes,
#      options, what pg_dump carries; nothing left in the schema that is not
#      a member) and hold the same shipped rows;
#   2. with data: user data loaded along the way (test/upgrade/data-V.sql,
#      run once version V is reached) and loaded into a fresh install in
#      the same order give the same answers (test/upgrade/compare.sql).
#
# PM_UPGRADE_SCRIPTS names another directory of upgrade scripts to walk
# (the check's own check: a scratch copy with one statement taken out must
# fail).  Prints TAP lines.  Needs a server (PG* environment) with the
# extension files installed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

current=$(sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" portfolio_margin.control)
scripts=${PM_UPGRADE_SCRIPTS:-sql}
oldest=$(ls "$scripts"/portfolio_margin--*--*.sql | sed -nE 's#.*/portfolio_margin--([0-9.]+)--.*#\1#p' | sort -V | head -n 1)
extdir=$(${PM_PG_CONFIG:-pg_config} --sharedir)/extension
n=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }

# Every object of the extension in database $1, one line each.
describe() { psql -X -q -d "$1" -v ON_ERROR_STOP=1 -f test/upgrade/describe.sql; }
# The rows the extension ships in its tables.
shipped() {
  psql -X -q -A -t -d "$1" -v ON_ERROR_STOP=1 -c "
    SELECT c.oid::pg_catalog.regclass || ' ' || r
      FROM pg_catalog.pg_class c
      CROSS JOIN LATERAL pg_catalog.query_to_xml(
        -- when history starts is the moment of the install or the update
        CASE WHEN c.relname = 'history_start' THEN 'SELECT count(*) FROM pm.history_start'
             ELSE 'SELECT * FROM ' || c.oid::pg_catalog.regclass || ' ORDER BY 1, 2' END,
        false, false, '') AS x(r)
     WHERE c.relnamespace = 'pm'::pg_catalog.regnamespace AND c.relkind = 'r'
     ORDER BY 1"
}

# Update database $1 from $oldest to $current, one script at a time, with
# $2 = data to load the user data along the way.  Sets $path.
walk() {
  local db=$1 with_data=$2 v=$oldest next
  path=$v
  [ "$with_data" = data ] && load_data "$db" "$v"
  while next=$(ls "$scripts"/portfolio_margin--"$v"--*.sql 2>/dev/null |
               sed -nE 's#.*--([0-9.]+)\.sql$#\1#p' | sort -V | tail -n 1) && [ -n "$next" ]; do
    if ! update_step "$db" "$v" "$next"; then
      not_ok "update $v -> $next ($db)"
      return 1
    fi
    [ "$with_data" = data ] && ok "update $v -> $next"
    v=$next
    path="$path -> $v"
    [ "$with_data" = data ] && load_data "$db" "$v"
  done
  return 0
}

# One step of the path.  With PM_UPGRADE_SCRIPTS the step's script is
# installed under a scratch version name ("B-check") in the extension
# directory for the duration of the step.
update_step() {
  local db=$1 from=$2 to=$3
  if [ "$scripts" = sql ]; then
    psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "ALTER EXTENSION portfolio_margin UPDATE TO '$to'" >/dev/null
    return
  fi
  local f=$extdir/portfolio_margin--$from--$to-check.sql rc
  cp "$scripts/portfolio_margin--$from--$to.sql" "$f" || return 1
  psql -X -q -d "$db" -v ON_ERROR_STOP=1 \
    -c "ALTER EXTENSION portfolio_margin UPDATE TO '$to-check'" \
    -c "UPDATE pg_catalog.pg_extension SET extversion = '$to' WHERE extname = 'portfolio_margin'" >/dev/null
  rc=$?
  rm -f "$f"
  return $rc
}

# The user data written once version $2 is installed, if any.
load_data() {
  local f=test/upgrade/data-$2.sql
  [ -f "$f" ] || return 0
  if psql -X -q -d "$1" -v ON_ERROR_STOP=1 -f "$f" >/dev/null; then
    ok "user data of $2 loaded into $1"
  else
    not_ok "user data of $2 loaded into $1"
  fi
}

for db in pm_up_fresh pm_up_bare pm_up_path; do
  dropdb --if-exists "$db" >/dev/null 2>&1
  createdb "$db" || { not_ok "create database $db"; echo "1..$n"; exit 1; }
done

# 1. bare installs
if psql -X -q -d pm_up_fresh -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION portfolio_margin' >/dev/null &&
   [ "$(psql -X -A -t -d pm_up_fresh -c "SELECT extversion FROM pg_extension WHERE extname = 'portfolio_margin'")" = "$current" ]; then
  ok "fresh install of $current from its one script"
else
  not_ok "fresh install of $current"
fi
psql -X -q -d pm_up_bare -v ON_ERROR_STOP=1 \
  -c "CREATE EXTENSION portfolio_margin VERSION '$oldest'" >/dev/null &&
  walk pm_up_bare bare && ok "bare install of $oldest updated through every script: $path" ||
  not_ok "bare install of $oldest could not be updated to $current"
fresh_objects=$(describe pm_up_fresh) && bare_objects=$(describe pm_up_bare) &&
  [ "$(echo "$fresh_objects" | grep -c '^function ')" -gt 100 ] ||
  not_ok "the catalog query describing the extension's objects failed, or found too little"
if diff <(echo "$fresh_objects") <(echo "$bare_objects") >/tmp/pm_upgrade.diff; then
  ok "fresh and updated installs have identical objects ($(echo "$fresh_objects" | wc -l) lines of definitions)"
else
  not_ok "fresh (<) and updated (>) installs differ"
  sed 's/^/#   /' /tmp/pm_upgrade.diff | cut -c 1-400 | head -n 40
fi
if diff <(shipped pm_up_fresh) <(shipped pm_up_bare) >/tmp/pm_upgrade_rows.diff; then
  ok "fresh and updated installs ship the same rows ($(shipped pm_up_fresh | grep -c '<row>') rows)"
else
  not_ok "fresh (<) and updated (>) installs ship different rows"
  sed 's/^/#   /' /tmp/pm_upgrade_rows.diff | cut -c 1-400 | head -n 20
fi

# (a scratch set of scripts is only walked bare)
if [ "$scripts" != sql ]; then
  dropdb pm_up_fresh; dropdb pm_up_bare; dropdb pm_up_path
  echo "1..$n"
  exit 0
fi

# 2. with data
if psql -X -q -d pm_up_path -v ON_ERROR_STOP=1 \
     -c "CREATE EXTENSION portfolio_margin VERSION '$oldest'" >/dev/null; then
  ok "install of the oldest version, $oldest"
else
  not_ok "install of the oldest version, $oldest"
fi
walk pm_up_path data
got=$(psql -X -A -t -d pm_up_path -c "SELECT extversion FROM pg_extension WHERE extname = 'portfolio_margin'")
if [ "$got" = "$current" ]; then
  ok "the update path $path reaches the current version $current"
else
  not_ok "the update path $path ends at $got, not at $current"
fi

# The fresh install gets the same data, in the same order.
for f in $(ls test/upgrade/data-*.sql | sort -V); do
  load_data pm_up_fresh "$(basename "$f" .sql | sed 's/^data-//')"
done

compare() { psql -X -A -d "$1" -v ON_ERROR_STOP=1 -f test/upgrade/compare.sql 2>&1; }
if diff <(compare pm_up_fresh) <(compare pm_up_path) >/tmp/pm_upgrade_data.diff; then
  ok "updated and fresh installs give the same answers on the same data ($(compare pm_up_fresh | wc -l) lines)"
else
  not_ok "updated and fresh installs answer differently"
  sed 's/^/#   /' /tmp/pm_upgrade_data.diff | head -n 40
fi
dropdb pm_up_fresh
dropdb pm_up_bare
dropdb pm_up_path

# The check's own check: upgrade scripts that each forget one thing, in a
# scratch copy, must each make the comparison of bare installs fail.
mutant() {
  local what=$1 file=$2 expr=$3 dir out
  dir=$(mktemp -d /tmp/pm_upgrade_mutant.XXXXXX)
  cp sql/portfolio_margin--*--*.sql "$dir"/
  sed -i -e "$expr" "$dir/$file"
  if cmp -s "sql/$file" "$dir/$file"; then
    not_ok "mutant '$what': the edit did not apply to $file"
  else
    out=$(PM_UPGRADE_SCRIPTS=$dir bash "$0" 2>&1)
    if echo "$out" | grep -qE '^not ok .*(installs differ|ship different rows)'; then
      ok "the check catches an upgrade script that forgets $what"
    else
      not_ok "the check missed an upgrade script that forgets $what"
      echo "$out" | sed 's/^/#   /' | head -n 10
    fi
  fi
  rm -rf "$dir"
}
mutant "a REVOKE" portfolio_margin--0.15.0--0.16.0.sql \
  '/^REVOKE EXECUTE ON FUNCTION pm.restore_guard() FROM PUBLIC;$/d'
mutant "an index" portfolio_margin--0.15.0--0.16.0.sql \
  '/^CREATE INDEX risk_event_xact_idx ON pm.risk_event (xact_id);$/d'
mutant "that pg_dump carries a table" portfolio_margin--0.15.0--0.16.0.sql \
  "/^SELECT pg_catalog.pg_extension_config_dump('pm.account_access', '');\$/d"
mutant "a policy" portfolio_margin--0.15.0--0.16.0.sql \
  '/^CREATE POLICY account_access ON pm.position USING (pm.account_visible(account_id));$/d'
mutant "that a trigger fires in replica sessions too" portfolio_margin--0.15.0--0.16.0.sql \
  '/^ALTER TABLE pm.account ENABLE ALWAYS TRIGGER restore_guard_end;$/d'
mutant "a column comment" portfolio_margin--0.15.0--0.16.0.sql \
  '/^COMMENT ON COLUMN pm.risk_event.xact_id IS$/,/;$/d'
mutant "a shipped row's value" portfolio_margin--0.5.0--0.6.0.sql \
  "s/^VALUES ('USDT de-peg -10%', 'USDT', -0.1, true);\$/VALUES ('USDT de-peg -10%', 'USDT', -0.2, true);/"

# 0.16.0 keeps who sees which accounts as rows of pm.account_access, which a
# dump carries.  A database whose administrators put policies of their own
# on pm.balance or pm.position (as 0.15.0's README told them to) stops the
# update rather than keep policies a restore would lift; moving them to
# rules in one transaction keeps the desk restricted throughout.
dropdb --if-exists pm_up_rls >/dev/null 2>&1
createdb pm_up_rls
psql -X -q -d pm_up_rls -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION portfolio_margin VERSION '0.15.0';
INSERT INTO pm.asset VALUES ('USDT', 1);
INSERT INTO pm.collateral VALUES ('PM_PRO', 'USDT', '0:1');
INSERT INTO pm.account SELECT i, 'PM_PRO', 3 FROM generate_series(1, 4) i;
INSERT INTO pm.balance (account_id, asset, cross_free) SELECT i, 'USDT', 100 * i FROM generate_series(1, 4) i;
DROP ROLE IF EXISTS pm_up_desk;
CREATE ROLE pm_up_desk IN ROLE pm_reader;
ALTER TABLE pm.balance ENABLE ROW LEVEL SECURITY;
CREATE POLICY desk_low ON pm.balance TO pm_up_desk USING (account_id <= 2);
SQL
if psql -X -q -d pm_up_rls -c "ALTER EXTENSION portfolio_margin UPDATE TO '0.16.0'" 2>/tmp/pm_up_rls.err; then
  not_ok "an update over policies of one's own on pm.balance should stop, but went through"
elif grep -q 'pm.balance and pm.position have row-level security policies of your own: desk_low on pm.balance' \
       /tmp/pm_up_rls.err; then
  ok "an update over policies of one's own on pm.balance stops and names them"
else
  not_ok "an update over policies of one's own stopped in an unexpected way: $(head -n 1 /tmp/pm_up_rls.err)"
fi
desk_sees() {
  psql -X -q -A -t -d pm_up_rls -c "SET ROLE pm_up_desk" \
    -c "SELECT string_agg(account_id::text, ',' ORDER BY account_id) FROM pm.account_risk"
}
before=$(desk_sees)
if psql -X -q -d pm_up_rls -v ON_ERROR_STOP=1 -c "BEGIN;
      DROP POLICY desk_low ON pm.balance;
      ALTER EXTENSION portfolio_margin UPDATE TO '0.16.0';
      INSERT INTO pm.account_access VALUES ('pm_up_desk', '[1,2]');
      COMMIT;" >/dev/null && [ "$before" = "1,2" ] && [ "$(desk_sees)" = "1,2" ]; then
  ok "dropping them, updating and writing the rule in one transaction keeps the desk to accounts 1 and 2"
else
  not_ok "moving policies to rules: the desk saw '$before' before and '$(desk_sees)' after"
fi
dropdb pm_up_rls
psql -X -q -d postgres -c "DROP ROLE IF EXISTS pm_up_desk" >/dev/null
echo "1..$n"
