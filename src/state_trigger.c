/*-------------------------------------------------------------------------
 *
 * state_trigger.c
 *	  pm.state_after_position_change(): the statement trigger that keeps
 *	  pm.account_state current after rows of pm.position are inserted,
 *	  updated or deleted.
 *
 * A position change does not read the account's rows again.  The ledger
 * totals keep positions as they are, so each account's new totals are its
 * stored ones with the rows the statement removed taken out and the rows it
 * added put in (pm.ledger_totals_with_positions), and its values follow from
 * them at the current reference data (pm.ledger_totals_values) -- the bytes
 * and the digits a from-scratch recompute gives.
 *
 * For each account the statement touched, in account order (as every writer
 * of pm.account_state locks), one UPDATE locks the state row in its latest
 * version, swaps the positions, values the totals and writes the row back
 * through its tid; a change of status is recorded in pm.risk_event when the
 * transaction commits (pm.state_at_commit).  What
 * that cannot serve is recomputed from scratch by pm.recompute_accounts:
 * statements over more than MAX_SWAP_ACCOUNTS accounts (bulk loads, read
 * once in one pass), accounts without totals, with an error, whose totals
 * lack a removed row or without a state row, and -- should valuing fail (a
 * missing price, say) -- every account touched, so that each keeps the
 * reason.  The failed attempt is rolled back as a subtransaction, as a
 * PL/pgSQL exception block would.  An UPDATE that wrote its rows back
 * unchanged revalues and rewrites nothing.
 *
 * Written in C rather than PL/pgSQL because a single-row position update is
 * the hottest write an exchange makes: the transition tables are read
 * directly, and the statements are prepared once per session.  They are
 * parsed under the function's own search_path (pg_catalog, pg_temp).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/tuplestore.h"

#include "compat.h"

PG_FUNCTION_INFO_V1(pm_state_after_position_change);

/* Statements over more accounts are recomputed from scratch in one pass. */
#define MAX_SWAP_ACCOUNTS 64

/*
 * Lock one account's state row, swap the positions in its totals, value
 * them and write the row back ($1 the account, $2 the rows removed, $3 the
 * rows added).  Returns nothing when the row cannot be so revalued.
 */
static const char *const swap_sql =
"UPDATE pm.account_state s\n"
"   SET uni_mmr = j.uni_mmr, account_equity = j.account_equity, adjusted_equity = j.adjusted_equity,\n"
"       maint_margin = j.maint_margin, status = j.status,\n"
"       updated_at = CASE WHEN j.is_changed OR j.totals IS DISTINCT FROM j.old_totals THEN now()\n"
"                         ELSE s.updated_at END,\n"
"       ledger_totals = j.totals\n"
"  FROM (SELECT c.*, c.old_values IS DISTINCT FROM\n"
"                    ROW(c.uni_mmr, c.account_equity, c.adjusted_equity, c.maint_margin, scale(c.uni_mmr),\n"
"                        scale(c.account_equity), scale(c.adjusted_equity), scale(c.maint_margin))\n"
"                    OR c.status IS DISTINCT FROM c.old_status AS is_changed\n"
"          FROM (SELECT r.tid, r.old_status, r.old_values, r.ledger_totals AS old_totals, t.totals,\n"
"                       (x.v).uni_mmr, (x.v).account_equity, (x.v).adjusted_equity, (x.v).maint_margin,\n"
"                       pm.status((x.v).uni_mmr, (x.v).adjusted_equity, r.program, r.committed_status) AS status\n"
"                  FROM (SELECT s.ctid AS tid, s.program, s.ledger_totals, s.error, s.committed_status,\n"
"                               NULLIF(s.status, '') AS old_status,\n"
"                               (s.uni_mmr, s.account_equity, s.adjusted_equity, s.maint_margin,\n"
"                                scale(s.uni_mmr), scale(s.account_equity), scale(s.adjusted_equity),\n"
"                                scale(s.maint_margin)) AS old_values\n"
"                          FROM pm.account_state s\n"
"                         WHERE s.account_id = $1\n"
"                        OFFSET 0\n"
"                           FOR UPDATE) r\n"
"                 CROSS JOIN LATERAL (\n"
"                       SELECT pm.ledger_totals_with_positions(r.ledger_totals, $1, $2, $3) AS totals\n"
"                       OFFSET 0) t\n"
"                 CROSS JOIN LATERAL (SELECT pm.ledger_totals_values(t.totals) AS v OFFSET 0) x\n"
"                 WHERE r.ledger_totals IS NOT NULL AND r.error IS NULL AND t.totals IS NOT NULL\n"
"                OFFSET 0) c\n"
"        OFFSET 0) j\n"
" WHERE s.ctid = j.tid";

static const char *const recompute_sql = "SELECT pm.recompute_accounts($1)";

/* The prepared statements, for the pm.position row type they take. */
static Oid	plans_rowtype = InvalidOid;
static SPIPlanPtr swap_plan = NULL;
static SPIPlanPtr recompute_plan = NULL;

/* Prepare sql and keep the plan for the session. */
static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}

/* Prepare the statements once per session (again if the row type changed). */
static void
prepare_plans(Oid rowtype)
{
	Oid			arraytype = get_array_type(rowtype);
	Oid			swap_types[3] = {INT8OID, arraytype, arraytype};
	Oid			recompute_types[1] = {INT8ARRAYOID};

	if (plans_rowtype == rowtype && swap_plan != NULL)
		return;
	if (!OidIsValid(arraytype))
		elog(ERROR, "pm.position's row type has no array type");
	if (swap_plan != NULL)
		SPI_freeplan(swap_plan);
	if (recompute_plan != NULL)
		SPI_freeplan(recompute_plan);
	swap_plan = recompute_plan = NULL;
	swap_plan = prepare_kept(swap_sql, 3, swap_types);
	recompute_plan = prepare_kept(recompute_sql, 1, recompute_types);
	plans_rowtype = rowtype;
}

/* The account ids of the rows changed, as read. */
typedef struct ChangedIds
{
	int64	   *ids;
	int			n;
	int			cap;
} ChangedIds;

/*
 * Read a transition table through a read pointer of its own, as a query
 * over it would: its rows' account ids appended to ids (when given), or its
 * rows as pm.position datums (when rows is given).
 */
static void
collect_rows(Tuplestorestate *ts, TupleDesc desc, AttrNumber id_att, ChangedIds *ids,
			 Datum **rows, int *nrows)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	int			n = 0;
	int			cap = 8;
	Datum	   *out = rows ? palloc(sizeof(Datum) * cap) : NULL;

	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		CHECK_FOR_INTERRUPTS();
		if (ids)
		{
			bool		isnull;
			Datum		id = slot_getattr(slot, id_att, &isnull);

			if (isnull)
				continue;
			if (ids->n == ids->cap)
			{
				ids->cap = Max(ids->cap * 2, 8);
				ids->ids = ids->ids ? repalloc(ids->ids, sizeof(int64) * ids->cap)
					: palloc(sizeof(int64) * ids->cap);
			}
			ids->ids[ids->n++] = DatumGetInt64(id);
		}
		if (rows)
		{
			if (n == cap)
			{
				cap *= 2;
				out = repalloc(out, sizeof(Datum) * cap);
			}
			out[n++] = ExecFetchSlotHeapTupleDatum(slot);
		}
	}
	ExecDropSingleTupleTableSlot(slot);
	if (rows)
	{
		*rows = out;
		*nrows = n;
	}
}

/* qsort order of account ids: ascending. */
static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Sort and drop duplicates; returns the new count. */
static int
sort_unique(int64 *ids, int n)
{
	int			k = 0;

	if (n == 0)
		return 0;
	qsort(ids, n, sizeof(int64), int64_cmp);
	for (int i = 1; i < n; i++)
		if (ids[i] != ids[k])
			ids[++k] = ids[i];
	return k + 1;
}

/* The ids as an int8[] datum. */
static Datum
int8_array(int64 *ids, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(ids[i]);
	return PointerGetDatum(construct_array(d, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* Recompute the accounts from scratch (pm.recompute_accounts). */
static void
recompute(int64 *ids, int n)
{
	Datum		arg = int8_array(ids, n);
	char		null = ' ';

	if (SPI_execute_plan(recompute_plan, &arg, &null, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pm.recompute_accounts failed");
}

/*
 * Swap the positions of each account and value it; returns the accounts
 * that need a from-scratch recompute (their state rows, when they have
 * one, are locked).  A change of status is recorded at commit
 * (pm.state_at_commit).
 */
static int
swap_accounts(int64 *ids, int nids, Datum removed, bool removed_null, Datum added, bool added_null,
			  int64 *rest)
{
	int			nrest = 0;

	for (int i = 0; i < nids; i++)
	{
		Datum		args[3];
		char		nulls[3] = {' ', removed_null ? 'n' : ' ', added_null ? 'n' : ' '};
		int			rc;

		args[0] = Int64GetDatum(ids[i]);
		args[1] = removed;
		args[2] = added;
		rc = SPI_execute_plan(swap_plan, args, nulls, false, 0);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "updating pm.account_state failed: %s", SPI_result_code_string(rc));
		if (SPI_processed == 0)
			rest[nrest++] = ids[i];
	}
	return nrest;
}

/*
 * Whether an UPDATE wrote every row back as it was (an application saving
 * rows it did not change).  Equal bytes are equal values in equal display
 * scales; rows compared in the transition tables' order, so a difference
 * may also be a reordering -- then the rows are swapped as usual.  When
 * each old row equals its new one, no account's rows changed: nothing to
 * revalue or rewrite, as a from-scratch recompute would find.
 */
static bool
rows_unchanged(Datum *old_rows, Datum *new_rows, int n)
{
	for (int i = 0; i < n; i++)
	{
		HeapTupleHeader a = DatumGetHeapTupleHeader(old_rows[i]);
		HeapTupleHeader b = DatumGetHeapTupleHeader(new_rows[i]);
		uint32		len = HeapTupleHeaderGetDatumLength(a);
		Size		from = offsetof(HeapTupleHeaderData, t_bits);

		if (len != HeapTupleHeaderGetDatumLength(b) || a->t_hoff != b->t_hoff ||
			HeapTupleHeaderGetNatts(a) != HeapTupleHeaderGetNatts(b) ||
			(a->t_infomask & HEAP_HASNULL) != (b->t_infomask & HEAP_HASNULL) ||
			memcmp((char *) a + from, (char *) b + from, len - from) != 0)
			return false;
	}
	return true;
}

/*
 * swap_accounts in a subtransaction, as a PL/pgSQL exception block runs it:
 * false when it failed on bad data (a data exception or an integrity
 * constraint violation; anything else is thrown on), with its work rolled
 * back.
 */
static bool
try_swap(int64 *ids, int nids, Datum removed, bool removed_null, Datum added, bool added_null,
		 int64 *rest, int *nrest)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		*nrest = swap_accounts(ids, nids, removed, removed_null, added, added_null, rest);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION &&
			ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION)
			ReThrowError(edata);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * The trigger: AFTER INSERT, UPDATE or DELETE ... FOR EACH STATEMENT on
 * pm.position, with its transition tables.
 */
Datum
pm_state_after_position_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	AttrNumber	id_att = InvalidAttrNumber;
	Oid			rowtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	ChangedIds	changed = {NULL, 0, 0};
	Datum	   *old_rows = NULL,
			   *new_rows = NULL;
	int			n_old = 0,
				n_new = 0;
	int			nids;
	Datum		removed = (Datum) 0,
				added = (Datum) 0;
	int64	   *rest;
	int			nrest = 0;
	bool		failed;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pm.state_after_position_change() must fire AFTER ... FOR EACH STATEMENT")));
	rel = trigdata->tg_relation;
	if (strcmp(RelationGetRelationName(rel), "position") != 0 ||
		strcmp(get_namespace_name(RelationGetNamespace(rel)), "pm") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pm.state_after_position_change() fires only on pm.position")));
	desc = RelationGetDescr(rel);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), "account_id") == 0 &&
			att->atttypid == INT8OID)
			id_att = att->attnum;
	}
	if (id_att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pm.position has no bigint column account_id")));
	rowtype = rel->rd_rel->reltype;
	get_typlenbyvalalign(rowtype, &typlen, &typbyval, &typalign);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the accounts first: a bulk statement is recomputed without its rows */
	if (trigdata->tg_oldtable)
		collect_rows(trigdata->tg_oldtable, desc, id_att, &changed, NULL, NULL);
	if (trigdata->tg_newtable)
		collect_rows(trigdata->tg_newtable, desc, id_att, &changed, NULL, NULL);
	nids = sort_unique(changed.ids, changed.n);
	if (nids == 0)
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	prepare_plans(rowtype);
	if (nids > MAX_SWAP_ACCOUNTS)
	{
		recompute(changed.ids, nids);
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	if (trigdata->tg_oldtable)
		collect_rows(trigdata->tg_oldtable, desc, id_att, NULL, &old_rows, &n_old);
	if (trigdata->tg_newtable)
		collect_rows(trigdata->tg_newtable, desc, id_att, NULL, &new_rows, &n_new);
	if (n_old == n_new && rows_unchanged(old_rows, new_rows, n_old))
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	if (n_old > 0)
		removed = PointerGetDatum(construct_array(old_rows, n_old, rowtype, typlen, typbyval, typalign));
	if (n_new > 0)
		added = PointerGetDatum(construct_array(new_rows, n_new, rowtype, typlen, typbyval, typalign));
	rest = palloc(sizeof(int64) * nids);
	failed = !try_swap(changed.ids, nids, removed, n_old == 0, added, n_new == 0, rest, &nrest);
	if (failed)
		recompute(changed.ids, nids);
	else if (nrest > 0)
		recompute(rest, nrest);
	SPI_finish();
	return PointerGetDatum(NULL);
}
