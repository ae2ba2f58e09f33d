#!/usr/bin/env bash
# One benchmark, before and after a change, in one run:
#
#   bash test/bench/compare_builds.sh BASE BENCH [ARGS...]
#
# BASE is a commit (e.g. the last one before the change); BENCH is a script
# of test/bench/ (e.g. triggers.sh).  Checks BASE out into a temporary work
# tree, runs ITS test/bench/BENCH (which builds and installs that version and
# measures it in a throwaway cluster), then this tree's, one right after the
# other on the same machine, and prints both outputs under headers.  The two
# extension versions share the install directory, so nothing else may use
# the extension while it runs; this tree's build is installed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
base=${1:?usage: compare_builds.sh BASE BENCH [ARGS...]}
bench=${2:?usage: compare_builds.sh BASE BENCH [ARGS...]}
shift 2
tree=$(mktemp -d)
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"' EXIT
git worktree add --detach "$tree" "$base" >/dev/null 2>&1
echo "### before: $(git log -1 --format='%h %s' "$base")"
bash "$tree/test/bench/$bench" "$@"
echo
echo "### after: $(git log -1 --format='%h %s' HEAD)$(git diff --quiet HEAD || echo ' (and uncommitted changes)')"
bash "test/bench/$bench" "$@"
