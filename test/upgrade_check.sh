#!/usr/bin/env bash
# Upgrade paths: install the oldest released version, update through every
# upgrade script to the current one -- with user data loaded along the way
# (test/upgrade/data-V.sql, run once version V is reached) -- and check the
# result has exactly the objects, definitions, privileges, policies,
# triggers and constraints of a fresh install given the same data, and
# answers test/upgrade/compare.sql the same.  Prints TAP lines.
# Needs a server (PG* environment) with the extension files installed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

current=$(sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" portfolio_margin.control)
versions=$(ls sql/portfolio_margin--*.sql | sed -nE 's#.*/portfolio_margin--([0-9.]+)\.sql$#\1#p' | sort -V)
oldest=$(echo "$versions" | head -n 1)
n=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }

# Every member object of the extension with its full definition, one per line.
describe() {
  psql -X -q -A -t -d "$1" -v ON_ERROR_STOP=1 <<'SQL'
SELECT pg_describe_object(d.classid, d.objid, 0) || ' | ' || coalesce(
         CASE d.classid
           WHEN 'pg_proc'::regclass THEN
             (SELECT pg_get_functiondef(p.oid) || p.provolatile::text || p.proparallel::text
                     || p.proisstrict::text || coalesce(array_to_string(p.proconfig, ','), '')
                     || coalesce(p.proacl::text, '')
                FROM pg_proc p WHERE p.oid = d.objid AND p.prokind <> 'a')
           WHEN 'pg_class'::regclass THEN
             (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                                || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''), ', '
                                ORDER BY a.attnum)
                FROM pg_attribute a
                LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
               WHERE a.attrelid = d.objid AND a.attnum > 0 AND NOT a.attisdropped)
             || coalesce(pg_get_viewdef(d.objid), '')
             || (SELECT ' acl ' || coalesce(c.relacl::text, '') || ' rls ' || c.relrowsecurity
                        || coalesce(' options ' || c.reloptions::text, '')
                   FROM pg_class c WHERE c.oid = d.objid)
             || coalesce((SELECT ' constraints ' || string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), '; ' ORDER BY co.conname)
                            FROM pg_constraint co WHERE co.conrelid = d.objid), '')
             || coalesce((SELECT ' indexes ' || string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY 1)
                            FROM pg_index i WHERE i.indrelid = d.objid), '')
             || coalesce((SELECT ' triggers ' || string_agg(pg_get_triggerdef(t.oid), '; ' ORDER BY t.tgname)
                            FROM pg_trigger t WHERE t.tgrelid = d.objid AND NOT t.tgisinternal), '')
             || coalesce((SELECT ' policies ' || string_agg(po.policyname || ' ' || po.cmd || ' ' || po.roles::text
                                                            || ' ' || coalesce(po.qual, '') || ' ' || coalesce(po.with_check, ''),
                                                            '; ' ORDER BY po.policyname)
                            FROM pg_policies po
                           WHERE (po.schemaname || '.' || po.tablename)::regclass = d.objid), '')
           WHEN 'pg_type'::regclass THEN
             (SELECT t.typinput || ' ' || t.typoutput || ' ' || t.typreceive || ' '
                     || t.typsend || ' ' || t.typalign::text || t.typstorage::text
                FROM pg_type t WHERE t.oid = d.objid)
           WHEN 'pg_namespace'::regclass THEN
             (SELECT coalesce(n.nspacl::text, '') FROM pg_namespace n WHERE n.oid = d.objid)
         END, '')
       || ' | ' || coalesce(obj_description(d.objid, d.classid::regclass::name), '')
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'portfolio_margin')
   AND d.deptype = 'e'
 ORDER BY 1;
SQL
}

dropdb --if-exists pm_up_fresh >/dev/null 2>&1
dropdb --if-exists pm_up_path >/dev/null 2>&1
createdb pm_up_fresh && createdb pm_up_path || { not_ok "create databases"; echo "1..$n"; exit 1; }

if psql -X -q -d pm_up_fresh -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION portfolio_margin' >/dev/null; then
  ok "fresh install of $current"
else
  not_ok "fresh install of $current"
fi

if psql -X -q -d pm_up_path -v ON_ERROR_STOP=1 \
     -c "CREATE EXTENSION portfolio_margin VERSION '$oldest'" >/dev/null; then
  ok "install of the oldest version, $oldest"
else
  not_ok "install of the oldest version, $oldest"
fi

# The user data written once version $1 is installed, if any.
load_data() {
  local f=test/upgrade/data-$2.sql
  [ -f "$f" ] || return 0
  if psql -X -q -d "$1" -v ON_ERROR_STOP=1 -f "$f" >/dev/null; then
    ok "user data of $2 loaded into $1"
  else
    not_ok "user data of $2 loaded into $1"
  fi
}
load_data pm_up_path "$oldest"

# Walk the chain of upgrade scripts one step at a time.
v=$oldest
path=$v
while next=$(ls sql/portfolio_margin--"$v"--*.sql 2>/dev/null |
             sed -nE 's#.*--([0-9.]+)\.sql$#\1#p' | sort -V | tail -n 1) && [ -n "$next" ]; do
  if psql -X -q -d pm_up_path -v ON_ERROR_STOP=1 \
       -c "ALTER EXTENSION portfolio_margin UPDATE TO '$next'" >/dev/null; then
    ok "update $v -> $next"
  else
    not_ok "update $v -> $next"
    break
  fi
  v=$next
  path="$path -> $v"
  load_data pm_up_path "$v"
done

# The fresh install gets the same data, in the same order.
for f in $(ls test/upgrade/data-*.sql | sort -V); do
  load_data pm_up_fresh "$(basename "$f" .sql | sed 's/^data-//')"
done

got=$(psql -X -A -t -d pm_up_path -c "SELECT extversion FROM pg_extension WHERE extname = 'portfolio_margin'")
if [ "$got" = "$current" ]; then
  ok "the update path $path reaches the current version $current"
else
  not_ok "the update path $path ends at $got, not at $current"
fi

# describe must work on both, and find something, for the comparison to mean anything
fresh_objects=$(describe pm_up_fresh) && path_objects=$(describe pm_up_path) && [ -n "$fresh_objects" ] ||
  not_ok "the catalog query describing the extension's objects failed"
if diff <(echo "$fresh_objects") <(echo "$path_objects") >/tmp/pm_upgrade.diff; then
  ok "updated and fresh installs have identical objects ($(echo "$fresh_objects" | wc -l) objects)"
else
  not_ok "updated and fresh installs differ"
  sed 's/^/#   /' /tmp/pm_upgrade.diff | head -n 40
fi
compare() { psql -X -A -d "$1" -v ON_ERROR_STOP=1 -f test/upgrade/compare.sql 2>&1; }
if diff <(compare pm_up_fresh) <(compare pm_up_path) >/tmp/pm_upgrade_data.diff; then
  ok "updated and fresh installs give the same answers on the same data ($(compare pm_up_fresh | wc -l) lines)"
else
  not_ok "updated and fresh installs answer differently"
  sed 's/^/#   /' /tmp/pm_upgrade_data.diff | head -n 40
fi
dropdb pm_up_fresh
dropdb pm_up_path

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
