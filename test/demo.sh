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
# to them; then replays a day of BTC and ETH moves and draws pictures with
# gnuplot (test/demo_pictures.sh), whose files it names at the end.  The
# cluster is removed when the demo ends; the pictures stay.
#
#   PM_DEMO_ACCOUNTS=200000 bash test/demo.sh     # more accounts (default 10000)
#   PM_DEMO_PICTURES=DIR bash test/demo.sh        # where (default /tmp/portfolio_margin_demo)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PM_ROOT"
pm_install_packages
pm_build_install
export PM_DEMO_ACCOUNTS=${PM_DEMO_ACCOUNTS:-10000}
export PM_DEMO_PICTURES=${PM_DEMO_PICTURES:-/tmp/portfolio_margin_demo}
pm_virtualenv bash -c '
  psql -X -q -v ON_ERROR_STOP=1 -v accounts="$PM_DEMO_ACCOUNTS" -P pager=off -f test/demo.sql &&
  echo &&
  echo "== 6. Pictures: a replayed day (24 hourly BTC and ETH moves, pm.sample_risk() after each), drawn by gnuplot ==" &&
  bash test/demo_pictures.sh "$PM_DEMO_PICTURES" 2>&1 | grep -v "^NOTICE"'
