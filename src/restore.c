/*-------------------------------------------------------------------------
 *
 * restore.c
 *	  A restore with the stock tools: pm.restoring() and the statement
 *	  trigger pm.restore_guard().
 *
 * pg_dump carries the extension's rows -- reference data, accounts and
 * their rows, pm.account_state, the event log and its sequence, access
 * rules -- as the data of configuration tables, loaded after CREATE
 * EXTENSION in whatever order pg_restore picks (several tables at once
 * with --jobs).  The state triggers must stay quiet meanwhile: a balance
 * loaded before its account's positions would be valued half-loaded,
 * writing state and events that never were; the dumped state and events
 * are the right ones, and they come too.
 *
 * What tells a restore: every session pg_dump's scripts and pg_restore
 * open starts with SET check_function_bodies = false and SET row_security
 * = off (pg_backup_archiver.c, _doSetFixedOutputState), a pair no
 * application sets.  pm.restoring() is true in such a session outside
 * CREATE/ALTER EXTENSION.
 *
 * What keeps the triggers quiet: in a restoring session, every statement on
 * one of the extension's tables runs with session_replication_role =
 * replica, PostgreSQL's own switch for loading rows without firing their
 * triggers (pg_restore --disable-triggers sets it too): the state triggers
 * and the foreign-key checks, which pg_restore --jobs would otherwise trip
 * by loading a table before the one it references.  The guard's BEFORE
 * statement trigger sets it, for the transaction, and its AFTER statement
 * trigger puts back what was there (both fire ALWAYS); an error ends the
 * transaction, which puts it back too.  Unique, check and not-null
 * constraints still hold every row.
 *
 * What keeps a restore whole: the install script, when it runs in such a
 * session on an empty book (the restore's own CREATE EXTENSION), lists
 * every configuration table in pm.restore_progress.  The guard, a BEFORE
 * ... FOR EACH STATEMENT trigger on each of them, lets a restoring session
 * write a table that is listed and not loaded yet (marking it loaded by
 * that session) or that this same session loaded (pg_dump --inserts
 * writes row by row); anything else is refused with an error -- a restore
 * into a database where the extension existed before, a second restore, a
 * data-only restore into a live book -- so no table is half-restored next
 * to live state.  Outside restoring sessions the guard returns at once.
 * (The install script sees only row_security: CREATE EXTENSION turns
 * check_function_bodies off for its scripts.)
 *
 * What no trigger sees: pg_restore sets the event sequence with setval(),
 * also in a restore the guard refuses.  pm.state_at_commit therefore never
 * gives an event an id below the last event there is.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/timestamp.h"

#include "compat.h"

PG_FUNCTION_INFO_V1(pm_restoring);
PG_FUNCTION_INFO_V1(pm_restore_guard);

/* Whether this session is loading a dump (see the header comment). */
static bool
pm_session_restoring(void)
{
	return !creating_extension && !row_security && !check_function_bodies;
}

/* pm.restoring() -> bool */
Datum
pm_restoring(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(pm_session_restoring());
}

/*
 * Mark the table loaded by this session, or find it already so; false
 * when a restoring session may not write it.
 */
static bool
claim_table(Oid relid)
{
	static const char *const sql =
		"UPDATE pm.restore_progress\n"
		"   SET loaded_by_pid = $2, loaded_by_start = $3, loaded_at = pg_catalog.now()\n"
		" WHERE tab OPERATOR(pg_catalog.=) $1\n"
		"   AND (loaded_at IS NULL\n"
		"        OR (loaded_by_pid OPERATOR(pg_catalog.=) $2\n"
		"            AND loaded_by_start OPERATOR(pg_catalog.=) $3))";
	Oid			types[3] = {REGCLASSOID, INT4OID, TIMESTAMPTZOID};
	Datum		args[3];
	int			rc;
	bool		claimed;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int32GetDatum(MyProcPid);
	args[2] = TimestampTzGetDatum(MyStartTimestamp);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(sql, 3, types, args, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "updating pm.restore_progress failed: %s", SPI_result_code_string(rc));
	claimed = SPI_processed > 0;
	SPI_finish();
	return claimed;
}

/*
 * The guard's statements in progress in this transaction -- its triggers
 * nest, as a statement one of them fires runs inside the outer one -- and
 * the session_replication_role the outermost found, to put back when it
 * ends (NULL: nothing to put back).  An error ends the transaction, which
 * puts the setting back itself; a new transaction starts from zero.
 */
static int	guard_depth = 0;
static LocalTransactionId guard_lxid = InvalidLocalTransactionId;
static char *saved_role = NULL;

/* Set session_replication_role for the rest of the transaction. */
static void
set_replication_role(const char *value)
{
	(void) set_config_option("session_replication_role", value, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

/* A statement of the guard begins: triggers quiet from here. */
static void
guard_enter(void)
{
	if (guard_lxid != PM_MY_LXID)
	{
		guard_lxid = PM_MY_LXID;
		guard_depth = 0;
		if (saved_role != NULL)
			pfree(saved_role);
		saved_role = NULL;
	}
	if (guard_depth++ == 0 && SessionReplicationRole != SESSION_REPLICATION_ROLE_REPLICA)
	{
		saved_role = MemoryContextStrdup(TopMemoryContext,
										 GetConfigOption("session_replication_role", false, false));
		set_replication_role("replica");
	}
}

/* A statement of the guard ends: the outermost puts the setting back. */
static void
guard_leave(void)
{
	if (guard_lxid != PM_MY_LXID || guard_depth == 0)
		return;
	if (--guard_depth == 0 && saved_role != NULL)
	{
		set_replication_role(saved_role);
		pfree(saved_role);
		saved_role = NULL;
	}
}

/*
 * pm.restore_guard(): BEFORE and AFTER INSERT OR UPDATE OR DELETE OR
 * TRUNCATE ... FOR EACH STATEMENT on the extension's tables, enabled
 * ALWAYS.
 */
Datum
pm_restore_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pm.restore_guard() must fire BEFORE or AFTER ... FOR EACH STATEMENT")));
	if (!pm_session_restoring())
		return PointerGetDatum(NULL);
	if (TRIGGER_FIRED_AFTER(trigdata->tg_event))
	{
		guard_leave();
		return PointerGetDatum(NULL);
	}
	rel = trigdata->tg_relation;
	if (!claim_table(RelationGetRelid(rel)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot restore rows of pm.%s: this database already had portfolio_margin's data",
						RelationGetRelationName(rel)),
				 errdetail("The extension's rows restore only together with the extension, into a database "
						   "where the restore itself creates it; restored next to a live book they would "
						   "clash with its state and event log."),
				 errhint("Restore into a new, empty database (createdb, then pg_restore -d, or pg_dump | psql). "
						 "This session counts as a restore because check_function_bodies and row_security "
						 "are both off.")));
	guard_enter();
	return PointerGetDatum(NULL);
}
