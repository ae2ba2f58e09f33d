#!/usr/bin/env bash
# Every test of portfolio_margin, from a clean checkout on Debian 12 or 13:
#
#   bash test/run.sh
#
# Installs what is missing (the PostgreSQL that the machine's Debian offers --
# 15 on Debian 12, 17 on 13; see test/lib.sh -- its server headers, pgTAP,
# pg_prove, gcc, make, python3), builds and installs the extension, runs the
# C unit tests, then in a throwaway cluster (pg_virtualenv) pg_regress
# (sql/, expected/), pgTAP (test/pgtap/), the exact Python differential tests
# (scalar functions, whole accounts), events and notifications as listening
# desks see them, every SQL example of the README and docs/, that
# docs/reference.md lists the extension's objects exactly, the upgrade-path
# check and dump/restore.  Every check is one TAP line; the run ends with
# one line "N passed, N failed" and exits non-zero when anything failed.
#
# PM_SEED, PM_CASES and PM_ACCOUNTS steer the differential tests; PM_PG_VERSION picks
# another PostgreSQL (13 to 17).  test/debian.sh runs this script in a Debian
# 13 tree (PostgreSQL 17) from a Debian host.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PM_ROOT" || exit 1

# Run one suite: its output goes to RESULTS/NAME.log; its TAP lines (ok /
# not ok) to RESULTS/NAME.tap.  A suite that fails without saying which check
# failed gets one "not ok" line of its own, so no failure goes uncounted.
suite() {
  local name=$1 conv=$2
  shift 2
  local log=$RESULTS/$name.log tap=$RESULTS/$name.tap status
  "$@" >"$log" 2>&1
  status=$?
  SUITE_NAME=$name SUITE_STATUS=$status "$conv" <"$log" >"$tap"
  if [ $status -ne 0 ] && ! grep -q '^not ok' "$tap"; then
    echo "not ok - $name: exited with status $status" >>"$tap"
  elif [ ! -s "$tap" ]; then
    echo "not ok - $name: ran no checks" >>"$tap"
  fi
  if grep -q '^not ok' "$tap"; then
    echo "--- $name failed; its output:"
    tail -n 60 "$log"
    [ -f regression.diffs ] && [ "$name" = regress ] && head -n 200 regression.diffs
    [ -f output_iso/regression.diffs ] && [ "$name" = isolation ] && head -n 200 output_iso/regression.diffs
  fi
  printf '%-12s %3d passed, %d failed\n' "$name" \
    "$(grep -c '^ok' "$tap")" "$(grep -c '^not ok' "$tap")"
}

# Output converters to TAP lines.
tap_lines() { grep -E '^(not )?ok [0-9]+' || true; }
fuzz_lines() { grep -E '^(not )?ok - ' || true; }
regress_tap() {
  # PostgreSQL 13-15: "test name ... ok"; 16+: "ok 1 - name" / "not ok 1 - name"
  sed -nE \
    -e 's/^(test )? *([A-Za-z0-9_]+) +\.\.\. +ok.*/ok - regress: \2/p' \
    -e 's/^(test )? *([A-Za-z0-9_]+) +\.\.\. +(FAILED|failed).*/not ok - regress: \2/p' \
    -e 's/^ok [0-9]+ +[-+] +([A-Za-z0-9_]+).*/ok - regress: \1/p' \
    -e 's/^not ok [0-9]+ +[-+] +([A-Za-z0-9_]+).*/not ok - regress: \1/p'
}
# For suites that are one check: ok when the command succeeded (suite() adds
# the "not ok" line when it did not).
status_tap() { [ "${SUITE_STATUS:-1}" -eq 0 ] && echo "ok - $SUITE_NAME" || true; }

# The suites that need a server, run inside pg_virtualenv.
in_cluster() {
  # regress and isolation as two suites, so that a failure of one cannot
  # keep the other from running (make installcheck stops at the first)
  suite regress regress_tap make -s PG_CONFIG="$PM_PG_CONFIG" installcheck ISOLATION=
  suite isolation regress_tap make -s PG_CONFIG="$PM_PG_CONFIG" installcheck REGRESS=
  createdb pm_tap && suite pgtap tap_lines pg_prove -v -d pm_tap test/pgtap/*.sql
  createdb pm_diff && psql -X -q -d pm_diff -c 'CREATE EXTENSION portfolio_margin' &&
    PGDATABASE=pm_diff suite differential tap_lines python3 test/reference/differential.py
  createdb pm_accounts && psql -X -q -d pm_accounts -c 'CREATE EXTENSION portfolio_margin' &&
    PGDATABASE=pm_accounts suite accounts tap_lines python3 test/reference/account_differential.py
  createdb pm_beyond && psql -X -q -d pm_beyond -c 'CREATE EXTENSION portfolio_margin' &&
    PGDATABASE=pm_beyond suite beyond tap_lines python3 test/reference/beyond_differential.py
  createdb pm_events && psql -X -q -d pm_events -c 'CREATE EXTENSION portfolio_margin' &&
    PGDATABASE=pm_events suite events tap_lines python3 test/reference/events_test.py
  createdb pm_readme && psql -X -q -d pm_readme -c 'CREATE EXTENSION portfolio_margin' &&
    PGDATABASE=pm_readme suite readme tap_lines python3 test/reference/readme_test.py
  createdb pm_sqlref && psql -X -q -d pm_sqlref -c 'CREATE EXTENSION portfolio_margin' &&
    PGDATABASE=pm_sqlref suite sqlref tap_lines python3 test/reference/sql_reference_test.py
  createdb pm_grafana && psql -X -q -d pm_grafana -c 'CREATE EXTENSION portfolio_margin' &&
    PGDATABASE=pm_grafana suite grafana tap_lines python3 test/grafana_test.py
  createdb pm_pictures && psql -X -q -d pm_pictures -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION portfolio_margin' \
    -v accounts=2000 -f test/gen/exchange.sql >/dev/null &&
    PGDATABASE=pm_pictures suite pictures tap_lines bash test/pictures_test.sh
  suite upgrade tap_lines bash test/upgrade_check.sh
  suite dump tap_lines bash test/dump_restore.sh
}

if [ "${1:-}" = --in-cluster ]; then
  RESULTS=$2
  in_cluster
  exit 0
fi

RESULTS=$(mktemp -d /tmp/pm_test.XXXXXX)
chmod 755 "$RESULTS"
export RESULTS
rm -f regression.diffs regression.out output_iso/regression.diffs

suite packages status_tap pm_install_packages
suite build status_tap pm_build_install
if grep -q '^not ok' "$RESULTS/packages.tap" "$RESULTS/build.tap"; then
  :
else
  suite unit tap_lines make -s PG_CONFIG="$PM_PG_CONFIG" unitcheck
  suite fuzzcheck fuzz_lines make -s PG_CONFIG="$PM_PG_CONFIG" fuzzcheck
  # the cluster's own suites report as they go; this only catches a cluster
  # that could not start
  if ! pm_virtualenv bash "$0" --in-cluster "$RESULTS"; then
    echo "not ok - throwaway cluster (pg_virtualenv) failed" >"$RESULTS/cluster.tap"
  fi
  # five servers of its own: a coordinator, three shards, a single node
  suite shards tap_lines bash test/shard_test.sh
fi

passed=$(cat "$RESULTS"/*.tap | grep -c '^ok')
failed=$(cat "$RESULTS"/*.tap | grep -c '^not ok')
echo "logs: $RESULTS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
