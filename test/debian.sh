#!/usr/bin/env bash
# Every test of portfolio_margin on Debian 13 "trixie" (PostgreSQL 17), from a
# Debian host, as root:
#
#   bash test/debian.sh             # trixie
#   bash test/debian.sh bookworm    # Debian 12 (PostgreSQL 15) the same way
#   bash test/debian.sh [RELEASE] --demo   # the README's demo instead
#
# 1. The tree.  A tree of that release made with debootstrap (minbase) is
#    kept in $PM_DEBIAN_CACHE/RELEASE (default /var/cache/portfolio_margin/
#    trixie) and reused when it is there; delete the directory to make it
#    anew.  Its apt sources are the release, its -updates and -security, as
#    on an installed system.  With the network, the packages the suite needs
#    (test/lib.sh's list, for the PostgreSQL that release offers) are
#    installed into it once, so they are cached too, and the tree is
#    upgraded when its package lists are a day old.  Setting the tree up is
#    serialised with a lock.
# 2. The run.  A clean copy of the checkout -- `git archive` of HEAD, or of
#    `git stash create` when tracked files have uncommitted changes, so never
#    a build artefact nor an untracked file -- goes into a throwaway overlay
#    of the tree (the cache itself is never written by a run), and
#    `bash test/run.sh` runs there as root under `env -i` with PATH only: no
#    locale, as on a bare machine.  It runs in a mount namespace of its own
#    (/proc, /dev and a fresh /dev/shm for dynamic shared memory, gone with the
#    namespace whatever happens), a network namespace with only loopback, so
#    its throwaway cluster (pg_virtualenv) cannot clash with clusters of the
#    host over ports, and the run cannot reach the network, and an IPC
#    namespace, so neither can their System V shared memory.
#
# Prints the inner suite's output, ending with its "N passed, N failed" line;
# exits non-zero when a test failed or the run did not get that far.
# PM_SEED, PM_CASES, PM_ACCOUNTS are passed on to test/run.sh.
#
# With --demo, the same run is `bash test/demo.sh` instead of test/run.sh
# (the README's quick start as a fresh machine with no locale sees it): its
# output, and its exit status.  PM_DEMO_ACCOUNTS is passed on to it.
set -uo pipefail

SUITE=trixie
MODE=suite
case ${1:-} in
  --inside-*) SUITE=$3 MODE=${4:-suite} ;;
  *)
    for arg in "$@"; do
      case $arg in
        --demo) MODE=demo ;;
        *) SUITE=$arg ;;
      esac
    done
    ;;
esac
CACHE=${PM_DEBIAN_CACHE:-/var/cache/portfolio_margin}
TREE=$CACHE/$SUITE
MIRROR=${PM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
INNER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SRC_IN_TREE=/usr/src/portfolio_margin
case $SUITE in
  ''|*[!a-z]*) echo "test/debian.sh: a Debian release is a name such as trixie or bookworm" >&2; exit 2 ;;
esac

# --- inside the namespaces (this script runs itself through unshare) -------

# Mount what PostgreSQL needs under root $1: /proc, /dev, and a /dev/shm of
# its own for dynamic shared memory.  Runs in a private mount namespace:
# nothing of it is seen by, or left on, the host.
mount_system() {
  local r=$1
  mount -t proc proc "$r/proc" &&
    mount --rbind /dev "$r/dev" &&
    mount -t tmpfs -o mode=1777,size=1g tmpfs "$r/dev/shm"
}

if [ "${1:-}" = --inside-setup ]; then
  # The tree itself, with the network: install the suite's packages.
  src=$2
  mount --make-rprivate / &&
    mount_system "$TREE" &&
    mkdir -p "$TREE/mnt/pm" && mount --bind -o ro "$src" "$TREE/mnt/pm" || exit 1
  cp /etc/resolv.conf "$TREE/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$(hostname)" >"$TREE/etc/hosts"
  # Debian's sources as an installed system has them, with its updates and
  # security fixes; the tree is brought up to date when its package lists
  # are a day old or the sources changed, as a fresh machine would be.
  sources="deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main"
  refresh=
  if [ "$(cat "$TREE/etc/apt/sources.list" 2>/dev/null)" != "$sources" ]; then
    printf '%s\n' "$sources" >"$TREE/etc/apt/sources.list"
    refresh=1
  elif [ -z "$(find "$TREE/var/lib/apt/lists" -maxdepth 1 -name '*Release' -mmin -1440)" ]; then
    refresh=1
  fi
  exec chroot "$TREE" /usr/bin/env -i PATH="$INNER_PATH" PM_REFRESH="$refresh" \
    bash -c 'if [ -n "$PM_REFRESH" ]; then
               echo "$(. /etc/os-release; echo "$VERSION_CODENAME"): updating the tree from Debian"
               apt-get update -qq &&
                 DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade >/dev/null || exit 1
             fi
             . /mnt/pm/test/lib.sh && pm_install_packages'
fi

if [ "${1:-}" = --inside-run ]; then
  # A throwaway overlay of the tree, loopback only: the suite.
  run=$2
  r=$run/root
  mount --make-rprivate / || exit 1
  ip link set lo up || exit 1
  mkdir -p "$run/upper" "$run/work" "$r" &&
    mount -t overlay overlay \
      -o "lowerdir=$TREE,upperdir=$run/upper,workdir=$run/work" "$r" &&
    mount_system "$r" || exit 1
  mkdir -p "$r$SRC_IN_TREE" && tar -x -C "$r$SRC_IN_TREE" -f "$run/src.tar" || exit 1
  if [ "$MODE" = demo ]; then script=test/demo.sh; else script=test/run.sh; fi
  chroot "$r" /usr/bin/env -i PATH="$INNER_PATH" \
    ${PM_SEED:+PM_SEED=$PM_SEED} ${PM_CASES:+PM_CASES=$PM_CASES} \
    ${PM_ACCOUNTS:+PM_ACCOUNTS=$PM_ACCOUNTS} \
    ${PM_DEMO_ACCOUNTS:+PM_DEMO_ACCOUNTS=$PM_DEMO_ACCOUNTS} \
    bash -c "cd $SRC_IN_TREE && bash $script"
  status=$?
  # keep the inner logs, and pg_regress's results and diffs (they are in
  # the overlay, which goes away)
  for d in "$r"/tmp/pm_test.*; do
    [ -d "$d" ] && cp -a "$d" "$run/logs"
  done
  mkdir -p "$run/logs"
  [ -d "$r$SRC_IN_TREE/results" ] && cp -a "$r$SRC_IN_TREE/results" "$run/logs/regress_results"
  [ -f "$r$SRC_IN_TREE/regression.diffs" ] && cp "$r$SRC_IN_TREE/regression.diffs" "$run/logs/regress.diffs"
  [ -f "$r$SRC_IN_TREE/output_iso/regression.diffs" ] &&
    cp "$r$SRC_IN_TREE/output_iso/regression.diffs" "$run/logs/isolation.diffs"
  exit $status
fi

# --- on the host ------------------------------------------------------------

if [ "$(id -u)" -ne 0 ]; then
  echo "test/debian.sh: run as root (debootstrap, chroot, mount, namespaces)" >&2
  exit 1
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF=$ROOT/test/debian.sh

# Host tools: debootstrap and ip (iproute2) may be missing from a bare Debian.
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v ip >/dev/null || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing on the host: ${missing[*]}"
  apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || exit 1
fi

RUN=$(mktemp -d /var/tmp/pm_debian.XXXXXX) || exit 1
cleanup() {
  # the namespaces' mounts went with them; only files are left, of which the
  # logs are kept (as test/run.sh keeps its own)
  rm -rf "$RUN/upper" "$RUN/work" "$RUN/root" "$RUN/src" "$RUN/src.tar"
}
trap cleanup EXIT

# The clean copy of the checkout.
commit=$(git -C "$ROOT" stash create 2>/dev/null) || commit=
[ -n "$commit" ] || commit=HEAD
git -C "$ROOT" archive --format=tar -o "$RUN/src.tar" "$commit" || exit 1
mkdir -p "$RUN/src" && tar -x -C "$RUN/src" -f "$RUN/src.tar" || exit 1
echo "$SUITE: $([ "$MODE" = demo ] && echo 'the demo of' || echo testing) $(git -C "$ROOT" rev-parse --short HEAD)$([ "$commit" = HEAD ] || echo ' with uncommitted changes')"

# The tree: made once, then its packages kept current with the suite's list.
mkdir -p "$CACHE" || exit 1
exec 9>"$CACHE/$SUITE.lock"
flock 9
if [ ! -e "$TREE/.pm_tree_ready" ]; then
  start=$(date +%s)
  echo "$SUITE: making the tree in $TREE with debootstrap"
  rm -rf "$TREE.partial"
  debootstrap --variant=minbase "$SUITE" "$TREE.partial" "$MIRROR" \
    >"$RUN/debootstrap.log" 2>&1 || {
    tail -n 30 "$RUN/debootstrap.log"
    echo "$SUITE: debootstrap failed"
    exit 1
  }
  # no service starts inside the tree: installing PostgreSQL would start its
  # main cluster, on the host's network
  printf '#!/bin/sh\nexit 101\n' >"$TREE.partial/usr/sbin/policy-rc.d"
  chmod 755 "$TREE.partial/usr/sbin/policy-rc.d"
  touch "$TREE.partial/.pm_tree_ready"
  rm -rf "$TREE" && mv "$TREE.partial" "$TREE" || exit 1
  echo "$SUITE: tree made in $(($(date +%s) - start)) s"
fi
start=$(date +%s)
unshare --mount -- bash "$SELF" --inside-setup "$RUN/src" "$SUITE" || {
  echo "$SUITE: installing the suite's packages into the tree failed"
  exit 1
}
echo "$SUITE: packages ready in $(($(date +%s) - start)) s"
flock -u 9
exec 9>&-

# The run.  The last line of its output is the suite's summary; the logs it
# names are copied out of the overlay.
start=$(date +%s)
unshare --mount --net --ipc -- bash "$SELF" --inside-run "$RUN" "$SUITE" "$MODE" 2>&1 |
  sed -u -E "s|^logs: /tmp/pm_test\.[A-Za-z0-9]+\$|logs: $RUN/logs ($SUITE)|" |
  tee "$RUN/output"
status=${PIPESTATUS[0]}
if [ "$MODE" = demo ]; then
  # the demo has no summary line: its exit status says whether it got through
  echo "$SUITE: the demo $([ "$status" -eq 0 ] && echo ended || echo failed) in $(($(date +%s) - start)) s (exit status $status; output in $RUN/output)"
  exit "$status"
fi
if ! grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$RUN/output"; then
  echo "$SUITE: the suite did not print its summary line (exit status $status; output in $RUN/output)"
  exit 1
fi
exit "$status"
