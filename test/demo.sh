#!/usr/bin/env bash
# The portfolio_margin demo, from a clean checkout on Debian 12:
#
#   bash test/demo.sh
#
# Installs what is missing, builds and installs the extension, starts a
# throwaway PostgreSQL cluster (pg_virtualenv), loads Binance's published
# parameter tables (test/data/) and prints what the margin math makes of
# them.  The cluster is removed when the demo ends.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PM_ROOT"
pm_install_packages
pm_build_install
pg_virtualenv -v "$PM_PG_VERSION" \
  psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f test/demo.sql
