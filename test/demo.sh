#!/usr/bin/env bash
# The portfolio_margin demo, from a clean checkout on Debian 12 or 13:
#
#   bash test/demo.sh
#
# Installs what is missing, builds and installs the extension, starts a
# throwaway PostgreSQL cluster (pg_virtualenv), generates a demo exchange
# (test/gen/exchange.sql: assets, collateral and brackets modelled on
# Binance's published tables in test/data/, and random accounts), prints
# their risk, the riskiest accounts and why, then what a 15% fall of BTC does
# to them.  The cluster is removed when the demo ends.
#
#   PM_DEMO_ACCOUNTS=200000 bash test/demo.sh     # more accounts (default 10000)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PM_ROOT"
pm_install_packages
pm_build_install
pm_virtualenv \
  psql -X -q -v ON_ERROR_STOP=1 -v accounts="${PM_DEMO_ACCOUNTS:-10000}" -P pager=off -f test/demo.sql
