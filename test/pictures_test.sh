#!/usr/bin/env bash
# The demo's pictures are drawn: test/demo_pictures.sh on the book the PG*
# environment names (the demo exchange), into a scratch directory; each of
# its four files must be a PNG of some size, and the data behind each must
# have rows.  (What they show was looked at; this checks they are made.)
# Prints TAP.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
if out=$(bash test/demo_pictures.sh "$dir" 2>&1); then
  ok "test/demo_pictures.sh ran"
else
  not_ok "test/demo_pictures.sh failed: $(echo "$out" | grep -v NOTICE | tail -n 3 | tr '\n' ' ')"
fi
for f in unimmr_now status_day stress_heatmap liquidation_ladder; do
  if [ "$(head -c 8 "$dir/$f.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
     [ "$(stat -c %s "$dir/$f.png")" -gt 10000 ] && [ -s "$dir/$f.dat" ] &&
     echo "$out" | grep -qx "$dir/$f.png"; then
    ok "$f.png drawn ($(stat -c %s "$dir/$f.png") bytes, $(wc -l <"$dir/$f.dat") data lines) and named"
  else
    not_ok "$f.png missing, not a PNG, too small, without data or not named"
  fi
done
echo "1..$n"
