# Throwaway servers for a sharded layout (docs/sharding.md): a coordinator,
# shards, a single node -- each its own cluster on a Unix socket in a
# temporary directory, with database pm and the extension.  Sourced by
# test/shard_test.sh and test/bench/shards.sh after test/lib.sh:
#
#   shards_start coord shard0 shard1 ...   # start them (names are free)
#   shards_down NODE / shards_up NODE      # stop one, start it again
#   on NODE [psql args]                    # psql -At on NODE's database pm
#   shards_publish NODE                    # NODE publishes its reference data
#   shards_subscribe NODE COORD            # NODE subscribes to COORD's
#   reference NODE                         # a digest of NODE's reference rows
#   shards_caught_up NODE COORD            # wait until NODE shows COORD's; its digest
#
# The servers stop when the calling script exits (PM_SHARD_KEEP=1 leaves
# them running and says where).
shards_bindir=$("$PM_PG_CONFIG" --bindir)
shards_work=$(mktemp -d /tmp/pm_shards.XXXXXX)
chmod 777 "$shards_work"
shards_base=$(( 21000 + RANDOM % 20000 ))
shards_nodes=()

shards_as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
shards_port() { local i; for i in "${!shards_nodes[@]}"; do [ "${shards_nodes[$i]}" = "$1" ] && echo $((shards_base + i)); done; }
on() { local node=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "$shards_work" -p "$(shards_port "$node")" -U postgres -d pm "$@"; }

shards_stop() {
  local node
  for node in "${shards_nodes[@]}"; do
    [ -d "$shards_work/$node" ] &&
      shards_as_pg "$shards_bindir/pg_ctl" -D "$shards_work/$node" -m immediate -w stop >/dev/null 2>&1
  done
}
if [ -n "${PM_SHARD_KEEP:-}" ]; then
  trap 'echo "# servers left running: sockets in $shards_work, ports from $shards_base"' EXIT
else
  trap shards_stop EXIT
fi

# Start (again) the server of node $1; stop it.
shards_up() {
  shards_as_pg "$shards_bindir/pg_ctl" -D "$shards_work/$1" -l "$shards_work/$1.log" -w \
    -o "-p $(shards_port "$1") -k $shards_work -c listen_addresses='' -c wal_level=logical" \
    start >/dev/null
}
shards_down() { shards_as_pg "$shards_bindir/pg_ctl" -D "$shards_work/$1" -m fast -w stop >/dev/null; }

# Start servers named "$@", wal_level = logical, each with database pm and
# the extension.
shards_start() {
  local node
  for node in "$@"; do
    shards_nodes+=("$node")
    shards_as_pg "$shards_bindir/initdb" -D "$shards_work/$node" -A trust -U postgres \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null || return 1
    shards_up "$node" || return 1
    psql -X -q -h "$shards_work" -p "$(shards_port "$node")" -U postgres -d postgres \
      -c 'CREATE DATABASE pm' && on "$node" -c 'CREATE EXTENSION portfolio_margin' || return 1
  done
}

# docs/sharding.md, "Adding a shard": the coordinator's publications ...
shards_publish() {
  on "$1" -f - <<'SQL'
CREATE PUBLICATION pm_reference
  FOR TABLE pm.asset, pm.symbol, pm.collateral, pm.loan_mmr, pm.status_threshold, pm.scenario;
CREATE PUBLICATION pm_reference_history
  FOR TABLE pm.asset_history, pm.symbol_history, pm.mark_price_history, pm.collateral_history,
            pm.loan_mmr_history, pm.status_threshold_history
  WITH (publish = 'insert');
SQL
}
# ... and a shard's subscription, before it holds accounts
shards_subscribe() {
  on "$1" -f - <<SQL
DELETE FROM pm.scenario;
TRUNCATE pm.asset_history, pm.symbol_history, pm.mark_price_history, pm.collateral_history,
         pm.loan_mmr_history, pm.status_threshold_history;
CREATE SUBSCRIPTION pm_reference
  CONNECTION 'host=$shards_work port=$(shards_port "$2") dbname=pm user=postgres'
  PUBLICATION pm_reference, pm_reference_history
  WITH (slot_name = 'pm_reference_$1');
SQL
}

# The reference rows NODE holds, with the marks' history, as one digest.
# Replication applies a coordinator's transaction as one transaction: once a
# shard shows its rows, the revaluation at its commit is done too.
reference() {
  on "$1" -c "SELECT md5(string_agg(r, ',' ORDER BY r)) FROM (
      SELECT format('%s', a) r FROM pm.asset a UNION ALL SELECT format('%s', s) FROM pm.symbol s
      UNION ALL SELECT format('%s', c) FROM pm.collateral c UNION ALL SELECT format('%s', l) FROM pm.loan_mmr l
      UNION ALL SELECT format('%s', t) FROM pm.status_threshold t UNION ALL SELECT format('%s', x) FROM pm.scenario x
      UNION ALL SELECT format('%s', h) FROM pm.mark_price_history h) q"
}

# Wait (a minute at most) until shard $1 has copied every subscribed table
# and shows the reference rows of coordinator $2; print its digest.
shards_caught_up() {
  local i want
  want=$(reference "$2")
  for i in $(seq 1 600); do
    [ "$(on "$1" -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ] &&
      [ "$(reference "$1")" = "$want" ] && break
    sleep 0.1
  done
  reference "$1"
}

# Copy the accounts of node FROM for which the SQL condition WHERE holds
# (on account_id) into node TO, in one transaction.
shards_copy_accounts() {
  local from=$1 to=$2 where=$3 load="BEGIN;" t
  for t in account balance position open_order; do
    on "$from" -c "COPY (SELECT * FROM pm.$t WHERE $where) TO '$shards_work/$t.$to'" || return 1
    load="$load COPY pm.$t FROM '$shards_work/$t.$to';"
  done
  on "$to" -c "$load COMMIT;"
}

# docs/sharding.md, "One database to ask": coordinator $1 reaches shard $2
# through postgres_fdw (as postgres, the servers' superuser, here) and makes
# it the shard of the accounts whose hash is remainder $3 modulo $4.
shards_attach() {
  on "$1" -f - <<SQL
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER $2 FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '$shards_work', port '$(shards_port "$2")', dbname 'pm',
           async_capable 'true', extensions 'portfolio_margin',
           fetch_size '10000', batch_size '1000');
CREATE USER MAPPING FOR postgres SERVER $2 OPTIONS (user 'postgres');
SELECT count(*) FROM pm.attach_shard('$2', $4, $3);
SQL
}

# Copy the accounts of node FROM into coordinator TO, which routes each row
# to the shard that owns its account, in one transaction.
shards_route_accounts() {
  local from=$1 to=$2 load="BEGIN;" t
  for t in account balance position open_order; do
    on "$from" -c "COPY pm.$t TO '$shards_work/$t.all'" || return 1
    load="$load CREATE TEMP TABLE load_$t (LIKE pm.$t) ON COMMIT DROP;
      COPY load_$t FROM '$shards_work/$t.all';
      INSERT INTO pm.${t}_remote SELECT * FROM load_$t;"
  done
  on "$to" -c "$load COMMIT;"
}
