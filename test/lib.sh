# Shared by test/run.sh and test/demo.sh: find PostgreSQL, install what is
# missing from Debian, build and install the extension.  Source it; do not run.

PM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The PostgreSQL major version to build and test against: $PM_PG_VERSION when
# set; else the one Debian's "postgresql" metapackage depends on (Debian 12:
# 15, Debian 13: 17); else, when apt has no package lists yet, the one
# server installed in /usr/lib/postgresql when there is exactly one; else the
# one the Debian release ships (/etc/os-release).
pm_debian_pg_version() {
  local v dirs release
  v=$(apt-cache depends postgresql 2>/dev/null |
    sed -nE 's/^ *Depends: postgresql-([0-9]+)$/\1/p' | head -n 1)
  if [ -z "$v" ]; then
    dirs=$(ls -d /usr/lib/postgresql/[0-9]*/bin/postgres 2>/dev/null)
    [ -n "$dirs" ] && [ "$(printf '%s\n' "$dirs" | wc -l)" -eq 1 ] &&
      v=$(printf '%s\n' "$dirs" | cut -d/ -f5)
  fi
  if [ -z "$v" ]; then
    release=$(. /etc/os-release 2>/dev/null && echo "${VERSION_ID:-}")
    case $release in
      11) v=13 ;;
      12) v=15 ;;
      13) v=17 ;;
    esac
  fi
  [ -n "$v" ] || { echo "lib.sh: which PostgreSQL? set PM_PG_VERSION" >&2; return 1; }
  echo "$v"
}
PM_PG_VERSION=${PM_PG_VERSION:-$(pm_debian_pg_version)}
export PM_PG_VERSION
export PM_PG_CONFIG=/usr/lib/postgresql/$PM_PG_VERSION/bin/pg_config
PM_PACKAGES=(
  "postgresql-$PM_PG_VERSION"
  "postgresql-server-dev-$PM_PG_VERSION"
  "postgresql-$PM_PG_VERSION-pgtap"
  libtap-parser-sourcehandler-pgtap-perl
  make gcc libc6-dev python3
  gnuplot-nox
)

# Run a command as root: directly when we are root, else through sudo.
pm_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages that are not installed yet.
pm_install_packages() {
  local missing=() p
  for p in "${PM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing from Debian: ${missing[*]}"
  pm_as_root apt-get update -qq &&
    pm_as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Build and install the extension into the PostgreSQL found above.
pm_build_install() {
  make -C "$PM_ROOT" -s PG_CONFIG="$PM_PG_CONFIG" &&
    pm_as_root make -C "$PM_ROOT" -s PG_CONFIG="$PM_PG_CONFIG" install
}

# A throwaway cluster for "$@": pg_virtualenv -t keeps it in a temporary
# directory even as root, so two runs at once (two checkouts, a benchmark
# beside the tests) do not clash over /etc/postgresql/VERSION/regress.  The
# cluster's encoding and locale are set, not inherited: a machine with no
# locale (a container, env -i) would otherwise make it SQL_ASCII.
pm_virtualenv() {
  LC_ALL=C.UTF-8 pg_virtualenv -t -v "$PM_PG_VERSION" \
    -i '--encoding=UTF8 --locale=C.UTF-8' "$@"
}

# Benchmarks: install and build, then run this script again, as
# "$0 --in-cluster ARGS", inside a throwaway cluster.  Call as
#   pm_in_cluster "$@" && shift
pm_in_cluster() {
  if [ "${1:-}" = --in-cluster ]; then
    return 0
  fi
  pm_install_packages
  pm_build_install
  pm_virtualenv bash "$0" --in-cluster "$@"
  exit $?
}

# Benchmarks: the median of the arguments; and compare ARRAY_A ARRAY_B
# LABEL_A LABEL_B UNIT RATIO_LABEL pct|x: both series with their medians,
# then the ratio of the medians.
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
compare() {
  local -n xs=$1 ys=$2
  local mx my
  mx=$(median "${xs[@]}"); my=$(median "${ys[@]}")
  echo "$3 ${xs[*]} $5 (median $mx)"
  echo "$4 ${ys[*]} $5 (median $my)"
  awk -v a="$mx" -v b="$my" -v l="$6" -v k="$7" \
    'BEGIN {if (k == "pct") printf "%s: %.0f%%\n", l, 100 * a / b; else printf "%s: %.2fx\n", l, a / b}'
}
