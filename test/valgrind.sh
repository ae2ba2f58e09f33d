#!/usr/bin/env bash
# The pg_regress suite (make installcheck: regress and isolation) against a
# throwaway server running under valgrind memcheck.  Reports every valgrind
# error whose stack passes through portfolio_margin.so; exits non-zero if
# there is any.  Slow (minutes): run it by hand, not in the test command:
#
#   bash test/valgrind.sh            # as root or as a user who can run initdb
#
# Debian's server is not built with USE_VALGRIND, so memory inside one
# palloc block is not tracked chunk by chunk; reads and writes outside the
# blocks, and decisions on uninitialised bytes, are.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bindir=$("$PG_CONFIG" --bindir)
port=${PM_VALGRIND_PORT:-5497}
work=$(mktemp -d /tmp/pm_valgrind.XXXXXX)
chmod 777 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

command -v valgrind >/dev/null || apt-get install -y -q valgrind >/dev/null
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null || exit 1
as_pg "$bindir/initdb" -D "$work/data" -A trust -U postgres >/dev/null || exit 1

as_pg valgrind --tool=memcheck --trace-children=yes --num-callers=40 \
  --log-file="$work/valgrind.%p.log" \
  "$bindir/postgres" -D "$work/data" -p "$port" -k "$work" -c listen_addresses='' \
  -c max_parallel_workers_per_gather=2 -c parallel_setup_cost=0 -c parallel_tuple_cost=0 \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  "$bindir/pg_isready" -q -h "$work" -p "$port" && break
  sleep 1
done

start=$(date +%s)
PGHOST=$work PGPORT=$port PGUSER=postgres make -s PG_CONFIG="$PG_CONFIG" installcheck \
  >"$work/installcheck.log" 2>&1
suite=$?
elapsed=$(( $(date +%s) - start ))
as_pg "$bindir/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null
wait "$server" 2>/dev/null

# One valgrind error per block of lines between blank "==pid== " lines; keep
# those whose stack shows our library: by its name, or (the library is built
# with -g, so valgrind names its frames by source file) by one of our files.
files=$(cd src && ls *.c core/*.c | sed 's|.*/||; s/\./\\./g' | paste -sd '|')
ours=$(awk -v ours="portfolio_margin|\\((${files}):[0-9]+\\)" '
  /^==[0-9]+== $/ { if (block ~ ours) { print block; print "" } block = ""; next }
  /^==[0-9]+== / { block = block $0 "\n" }
  END { if (block ~ ours) print block }' "$work"/valgrind.*.log)
errors=$(printf '%s' "$ours" | grep -cE '^==[0-9]+== (Invalid|Conditional|Use of uninitialised|Syscall param|Source and destination|Mismatched|Argument)' || true)
processes=$(ls "$work"/valgrind.*.log | wc -l)
echo "installcheck under valgrind: exit $suite in ${elapsed}s, $processes server processes traced"
grep -E '^(test|     |ok|not ok)|tests (passed|failed)' "$work/installcheck.log" | tail -n 20
echo "valgrind errors in portfolio_margin.so: $errors  (logs: $work)"
[ -n "$ours" ] && printf '%s\n' "$ours" | head -n 80
[ "$suite" -eq 0 ] && [ "$errors" -eq 0 ]
