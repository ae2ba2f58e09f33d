#!/usr/bin/env bash
# Upgrade paths: install the oldest released version, update through every
# upgrade script to the current one, and check the result has exactly the
# objects (and definitions) of a fresh install.  Prints TAP lines.
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
             (SELECT pg_get_functiondef(p.oid) || p.provolatile || p.proparallel
                     || p.proisstrict || coalesce(array_to_string(p.proconfig, ','), '')
                FROM pg_proc p WHERE p.oid = d.objid AND p.prokind <> 'a')
           WHEN 'pg_class'::regclass THEN
             (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, ', '
                                ORDER BY a.attnum)
                FROM pg_attribute a WHERE a.attrelid = d.objid AND a.attnum > 0
                 AND NOT a.attisdropped)
             || coalesce(pg_get_viewdef(d.objid), '')
           WHEN 'pg_type'::regclass THEN
             (SELECT t.typinput || ' ' || t.typoutput || ' ' || t.typreceive || ' '
                     || t.typsend || ' ' || t.typalign || t.typstorage
                FROM pg_type t WHERE t.oid = d.objid)
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
done

got=$(psql -X -A -t -d pm_up_path -c "SELECT extversion FROM pg_extension WHERE extname = 'portfolio_margin'")
if [ "$got" = "$current" ]; then
  ok "the update path $path reaches the current version $current"
else
  not_ok "the update path $path ends at $got, not at $current"
fi

if diff <(describe pm_up_fresh) <(describe pm_up_path) >/tmp/pm_upgrade.diff; then
  ok "updated and fresh installs have identical objects ($(describe pm_up_fresh | wc -l) objects)"
else
  not_ok "updated and fresh installs differ"
  sed 's/^/#   /' /tmp/pm_upgrade.diff | head -n 40
fi
dropdb pm_up_fresh
dropdb pm_up_path
echo "1..$n"
