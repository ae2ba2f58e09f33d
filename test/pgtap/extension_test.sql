-- The extension as an object: what it creates, owns and promises.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION portfolio_margin;
SELECT plan(22);

SELECT has_schema('pm', 'CREATE EXTENSION creates schema pm');
SELECT is((SELECT count(*)::int FROM pg_depend
            WHERE classid = 'pg_namespace'::regclass
              AND objid = 'pm'::regnamespace
              AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'portfolio_margin')
              AND deptype = 'e'),
          1, 'the extension owns schema pm');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'portfolio_margin'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'portfolio_margin'),
          'installs the default version');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'portfolio_margin'),
          false, 'the extension is not relocatable');
SELECT has_type('pm', 'tiers', 'type pm.tiers exists');
SELECT isnt((SELECT typsend FROM pg_type WHERE oid = 'pm.tiers'::regtype), 0::regproc,
            'pm.tiers has binary send');
SELECT isnt((SELECT typreceive FROM pg_type WHERE oid = 'pm.tiers'::regtype), 0::regproc,
            'pm.tiers has binary receive');

-- Functions depend only on their arguments (IMMUTABLE), except those that
-- read tables (STABLE: pm.status, the account ledger's support functions,
-- pm.account_risk_split, pm.account_risk_range and their planner support,
-- the as-of reads) and those that keep pm.account_state or import Binance's
-- answers (VOLATILE: they write); all but the writers and the as-of
-- functions that set portfolio_margin.as_of may run in parallel workers;
-- all are STRICT but those that must see NULLs (aggregate transitions,
-- pm.order_open_loss, the status forms with a previous status,
-- pm.ledger_totals_with_positions's absent rows, the writers,
-- pm.account_risk_split and pm.restoring, which take no arguments, the JSON
-- readers, whose NULL is absent, and the importer and its reader of answers,
-- for which a NULL answer is an error).
SELECT is(ARRAY(
  SELECT p.proname::text FROM pg_proc p
   WHERE p.pronamespace = 'pm'::regnamespace AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
     AND p.proparallel <> 's' GROUP BY 1 ORDER BY 1),
  ARRAY['account_risk_at', 'asset_equity_at', 'attach_shard', 'binance_symbols_publish', 'detach_shard', 'import_binance',
        'liquidation_price_at', 'on_shard', 'recompute_accounts', 'recompute_batch', 'refresh_account_state', 'restatus_accounts',
        'revalue_accounts', 'revalue_batch', 'revalue_later', 'revalue_pending_now', 'sample_risk',
        'state_collateral_changed', 'stress_at'],
  'every pm function is PARALLEL SAFE but the writers of pm.account_state and of samples, the importer, the as-of functions that set portfolio_margin.as_of, a coordinator''s set-up of shards and its calls to them (dblink)');
SELECT is(ARRAY(
  SELECT p.proname || ' ' || p.provolatile::text FROM pg_proc p
   WHERE p.pronamespace = 'pm'::regnamespace AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
     AND p.provolatile <> 'i' GROUP BY 1 ORDER BY 1),
  ARRAY['account_at s', 'account_risk_at s', 'account_risk_of s', 'account_risk_range s', 'account_risk_range_support s',
        'account_risk_split s', 'account_risk_split_support s', 'account_visible s', 'accounts_moved_by s', 'as_of s', 'asset_as_of s', 'asset_at s',
        'asset_equity_at s', 'attach_shard v', 'balance_at s', 'binance_symbols_publish v', 'changed_since s', 'check_account s',
        'check_row s', 'check_valued s', 'collateral_as_of s', 'collateral_at s', 'detach_shard v', 'history_covers s', 'history_until s',
        'import_binance v',
        'ledger_deserialize s', 'ledger_entry_sfunc s', 'ledger_final s',
        'ledger_risk_account_equity_final s', 'ledger_risk_account_initial_margin_final s',
        'ledger_risk_account_maint_margin_final s', 'ledger_risk_account_status_final s',
        'ledger_risk_actual_equity_final s', 'ledger_risk_error_final s', 'ledger_risk_final s',
        'ledger_risk_program_final s',
        'ledger_risk_total_available_balance_final s', 'ledger_risk_total_margin_open_loss_final s',
        'ledger_risk_uni_mmr_final s', 'ledger_risk_virtual_max_withdraw_amount_final s', 'ledger_row_at s',
        'ledger_row_of s', 'ledger_sfunc s', 'ledger_stress_final s',
        'ledger_totals_deserialize s', 'ledger_totals_final s', 'ledger_totals_sfunc s',
        'ledger_totals_summary s', 'ledger_totals_values s', 'liquidation_gap s', 'liquidation_ladder s', 'liquidation_price s', 'liquidation_price_at s',
        'liquidation_price_at_or_now s', 'liquidation_price_of s', 'liquidation_price_or_error s', 'liquidation_prices s', 'liquidation_side s', 'liquidation_threshold s', 'loan_mmr_at s', 'margin_call_threshold s',
        'max_withdraw s', 'on_a_shard s', 'on_shard s', 'open_order_at s', 'order_side_gap s', 'position_at s', 'position_impact s',
        'position_risk_at s', 'recompute_accounts v',
        'recompute_batch v', 'reconcile_binance s', 'refresh_account_state v', 'restatus_accounts v', 'restoring s',
        'revalue_accounts v', 'revalue_batch v', 'revalue_later v', 'revalue_pending_now v', 'risk_of s', 'sample_risk v', 'shard_of s', 'state_collateral_changed v',
        'status s', 'status_threshold_as_of s', 'status_threshold_at s', 'stress s', 'stress_at s', 'stress_at_or_now s',
        'stress_scenarios s', 'summary_under s', 'symbol_as_of s', 'symbol_at s', 'unchanged_since s', 'whatif s'],
  'every pm function is IMMUTABLE but those that read tables (STABLE) or write them (VOLATILE)');
SELECT is(ARRAY(
  SELECT p.proname::text FROM pg_proc p
   WHERE p.pronamespace = 'pm'::regnamespace AND p.prokind = 'f'
     AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype) AND NOT p.proisstrict
   GROUP BY p.proname ORDER BY 1),
  ARRAY['account_at', 'account_entry', 'account_risk_split', 'accounts_moved_by', 'as_of', 'asset_as_of', 'asset_at', 'balance_at',
        'balance_entry', 'binance_elements', 'check_account', 'check_valued', 'collateral_as_of', 'collateral_at',
        'history_covers', 'history_until', 'import_binance', 'json_numeric',
        'json_text', 'ledger_combine', 'ledger_entry_sfunc', 'ledger_row_at', 'ledger_row_of', 'ledger_sfunc',
        'ledger_totals_sfunc', 'ledger_totals_with_positions', 'liquidation_price_at_or_now', 'liquidation_prices',
        'liquidation_side',
        'loan_mmr_at', 'margin_combine',
        'margin_sfunc', 'max_withdraw', 'open_order_at', 'order_entry', 'order_open_loss', 'position_at',
        'position_entry', 'position_risk_at', 'recompute_accounts', 'recompute_batch',
        'refresh_account_state', 'restatus_accounts', 'restoring', 'revalue_accounts', 'revalue_batch',
        'revalue_later', 'revalue_pending_now', 'risk_of',
        'rollup_sfunc', 'sample_risk', 'state_collateral_changed', 'status', 'status_threshold_as_of',
        'status_threshold_at', 'stress_at_or_now', 'summary_under', 'symbol_as_of', 'symbol_at', 'symbol_moved'],
  'every pm function is STRICT but those that must see NULLs (and the ledger entry constructors, the as-of reads of tables and pm.liquidation_prices, which must be inlined, and the bodies that take at NULL for now)');
-- Trigger functions pin their search_path, but the two in C that run no
-- query by a name the path could resolve (pm.restore_guard qualifies
-- every name of its one query; pm.account_access_changed runs none): they
-- fire on every statement, and a pinned path costs a setting change each.
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'pm'::regnamespace
     AND p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype)
     AND p.proname NOT IN ('restore_guard', 'account_access_changed')
     AND NOT coalesce(p.proconfig, '{}') @> '{"search_path=pg_catalog, pg_temp"}'$$,
  'trigger functions run with search_path pinned to pg_catalog, pg_temp');
-- SECURITY DEFINER only for the triggers that keep pm.account_state and the
-- history, each
-- with its search_path pinned, and none callable by PUBLIC.
SELECT is(ARRAY(SELECT p.proname::text FROM pg_proc p
                 WHERE p.pronamespace = 'pm'::regnamespace AND p.prosecdef ORDER BY 1),
          ARRAY['account_history_keep', 'asset_history_keep', 'balance_history_keep', 'collateral_history_keep',
                'loan_mmr_history_keep', 'open_order_history_keep', 'position_history_keep', 'revalue_at_commit', 'sample_risk',
                'state_after_asset_update', 'state_after_collateral_delete',
                'state_after_collateral_insert', 'state_after_collateral_update', 'state_after_delete',
                'state_after_insert', 'state_after_ladder_change', 'state_after_loan_mmr_change',
                'state_after_position_change', 'state_after_replicated_reference', 'state_after_symbol_update', 'state_after_truncate',
                'state_after_update', 'state_at_commit', 'status_threshold_history_keep', 'symbol_history_keep'],
          'SECURITY DEFINER only for the state and history triggers and the sampler');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_proc p
                   WHERE p.pronamespace = 'pm'::regnamespace AND p.prosecdef
                     AND (NOT coalesce(p.proconfig, '{}') @> '{"search_path=pg_catalog, pg_temp"}'
                          OR has_function_privilege('public', p.oid, 'EXECUTE'))$$,
                'every SECURITY DEFINER function pins its search_path and is not executable by PUBLIC');
-- Every function users call has a comment (type support functions excepted).
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'pm'::regnamespace
     AND p.proname !~ '^(tiers_(in|out|recv|send|cmp|eq|ne|lt|le|gt|ge|hash)|margin_summary_(in|out|recv|send))$'
     AND p.proname !~ '^((margin|ledger|ledger_entry|ledger_totals|ledger_risk)_(sfunc|combine|serialize|deserialize|final)|ledger_risk_[a-z_]+_final|rollup_sfunc|account_risk_(split|range)_support)$'
     AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
     AND obj_description(p.oid, 'pg_proc') IS NULL$$,
  'every user-facing function has a comment');
SELECT isnt(obj_description('pm.tiers'::regtype, 'pg_type'), NULL, 'pm.tiers has a comment');
SELECT isnt(obj_description('pm.margin_summary'::regtype, 'pg_type'), NULL, 'pm.margin_summary has a comment');
-- Every table and view, and every column of them, has a comment for BI users.
SELECT is_empty($$
  SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'pm'::regnamespace
     AND c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL$$,
  'every table and view has a comment');
SELECT is_empty($$
  SELECT c.relname || '.' || a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
   WHERE c.relnamespace = 'pm'::regnamespace AND c.relkind IN ('r', 'v')
     AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL$$,
  'every column of every table and view has a comment');
-- Aggregates are parallel safe with combine, serialize and deserialize.
SELECT is_empty($$
  SELECT a.aggfnoid::regprocedure::text FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
   WHERE p.pronamespace = 'pm'::regnamespace
     AND (a.aggcombinefn = 0 OR a.aggserialfn = 0 OR a.aggdeserialfn = 0 OR p.proparallel <> 's')$$,
  'every aggregate has combine, serialize and deserialize functions and is PARALLEL SAFE');
SELECT is((SELECT count(*)::int FROM pg_opclass
            WHERE opcintype = 'pm.tiers'::regtype AND opcdefault),
          2, 'pm.tiers has default btree and hash operator classes');

-- DROP EXTENSION takes the schema and everything in it.
DROP EXTENSION portfolio_margin;
SELECT hasnt_schema('pm', 'DROP EXTENSION removes schema pm');
-- A schema pm that already exists is not adopted.
CREATE SCHEMA pm;
SELECT throws_ok('CREATE EXTENSION portfolio_margin', '42P06', NULL,
                 'an existing schema pm is an error, not silently adopted');

SELECT * FROM finish();
ROLLBACK;
