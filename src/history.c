/*-------------------------------------------------------------------------
 *
 * history.c
 *	  The accounts whose rows changed since a moment: pm.changed_since(at)
 *	  and pm.unchanged_since(account_id, at); and pm.history_until(), the
 *	  moment a version being replaced is kept with.
 *
 * An account's rows as of a moment are its rows now unless one of them
 * was replaced, deleted or inserted since; its history then tells what
 * they were.  The as-of functions (pm.balance_at() and the others) split
 * the book on that: the rows of accounts unchanged since the moment are
 * read straight from the table, filtered by pm.unchanged_since() -- a
 * qual on a plain scan, so the planner keeps the primary-key order that
 * the ledger merge node reads, as it does for pm.account_risk -- and the
 * few changed accounts are read back from their history.
 *
 * The set is read once per query and moment (one SPI query over the four
 * account history tables, by their BRIN index on valid_until) under the
 * caller's snapshot and rights, and kept sorted in the function's
 * FmgrInfo; each row is then a binary search.  Row-level security applies
 * to the read: a caller who may not see an account does not get its id,
 * and the account's rows are filtered out by the same policy anyway.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "compat.h"

PG_FUNCTION_INFO_V1(pm_history_until);
PG_FUNCTION_INFO_V1(pm_changed_since);
PG_FUNCTION_INFO_V1(pm_unchanged_since);
PG_FUNCTION_INFO_V1(pm_unchanged_since_support);

/*
 * pm.history_until(previous) -> timestamptz: the valid_until of a version a
 * write replaces, given the key's last valid_until (NULL: none).  The
 * transaction's now(); NULL -- keep nothing -- when the last is now(): this
 * transaction kept the key already, and the versions in between were never
 * visible; a microsecond after the last when the last is later than now():
 * a transaction that began after this one changed the key and committed
 * first, and the key's history stays in commit order.  In C because the
 * history triggers call it for every row they keep: a SQL function in a
 * FROM clause is run by its own executor at every call (measured: a third
 * of the position-update rate).
 */
Datum
pm_history_until(PG_FUNCTION_ARGS)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	TimestampTz previous;

	if (PG_ARGISNULL(0))
		PG_RETURN_TIMESTAMPTZ(now);
	previous = PG_GETARG_TIMESTAMPTZ(0);
	if (previous < now)
		PG_RETURN_TIMESTAMPTZ(now);
	if (previous == now)
		PG_RETURN_NULL();
	if (previous == DT_NOEND)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a history row ends at infinity"),
				 errdetail("The history tables hold only finite moments.")));
	PG_RETURN_TIMESTAMPTZ(previous + 1);
}

/* The accounts changed since one moment, kept for a query. */
typedef struct ChangedSet
{
	TimestampTz at;				/* the moment */
	int			n;				/* accounts */
	int64	   *ids;			/* sorted, distinct */
} ChangedSet;

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Read the accounts changed since at into mcxt. */
static void
changed_load(ChangedSet *set, TimestampTz at, MemoryContext mcxt)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {TIMESTAMPTZOID};
	Datum		values[1];
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("SELECT h.account_id FROM pm.account_history h WHERE h.valid_until OPERATOR(pg_catalog.>) $1"
									" UNION ALL SELECT h.account_id FROM pm.balance_history h WHERE h.valid_until OPERATOR(pg_catalog.>) $1"
									" UNION ALL SELECT h.account_id FROM pm.position_history h WHERE h.valid_until OPERATOR(pg_catalog.>) $1"
									" UNION ALL SELECT h.account_id FROM pm.open_order_history h WHERE h.valid_until OPERATOR(pg_catalog.>) $1",
									1, argtypes);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the read of the accounts changed since a moment");
		plan = p;
	}
	values[0] = TimestampTzGetDatum(at);
	if (SPI_execute_plan(plan, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the accounts changed since a moment");

	set->at = at;
	set->n = 0;
	set->ids = MemoryContextAlloc(mcxt, sizeof(int64) * Max(SPI_processed, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			set->ids[set->n++] = DatumGetInt64(d);
	}
	SPI_finish();

	/* sort, then drop repeats */
	if (set->n > 1)
	{
		int			k = 1;

		qsort(set->ids, set->n, sizeof(int64), cmp_int64);
		for (i = 1; i < (uint64) set->n; i++)
			if (set->ids[i] != set->ids[k - 1])
				set->ids[k++] = set->ids[i];
		set->n = k;
	}
}

/* The set for at, read on first use in this query (and again for another moment). */
static ChangedSet *
changed_get(FunctionCallInfo fcinfo, TimestampTz at)
{
	ChangedSet *set = (ChangedSet *) fcinfo->flinfo->fn_extra;

	if (set == NULL)
	{
		set = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ChangedSet));
		changed_load(set, at, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = set;
	}
	else if (set->at != at)
	{
		pfree(set->ids);
		changed_load(set, at, fcinfo->flinfo->fn_mcxt);
	}
	return set;
}

/*
 * pm.changed_since(at) -> int8[]: the accounts (that the caller may see)
 * with a row replaced, deleted or inserted since the moment, ascending.
 */
Datum
pm_changed_since(PG_FUNCTION_ARGS)
{
	ChangedSet *set = changed_get(fcinfo, PG_GETARG_TIMESTAMPTZ(0));
	Datum	   *elems = palloc(sizeof(Datum) * Max(set->n, 1));
	int			i;

	for (i = 0; i < set->n; i++)
		elems[i] = Int64GetDatum(set->ids[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, set->n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

/*
 * pm.unchanged_since(account_id, at) -> bool: whether no row of the
 * account was replaced, deleted or inserted since the moment.
 */
Datum
pm_unchanged_since(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	ChangedSet *set = changed_get(fcinfo, PG_GETARG_TIMESTAMPTZ(1));

	PG_RETURN_BOOL(bsearch(&id, set->ids, set->n, sizeof(int64), cmp_int64) == NULL);
}

/*
 * Planner support of pm.unchanged_since: nearly every account is unchanged
 * since a recent moment, and the test is a binary search.  Without this
 * the planner takes a boolean function to pass a third of the rows and
 * groups the as-of book by hashing instead of the ledger merge node.
 */
Datum
pm_unchanged_since_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;

		req->selectivity = 0.99;
		PG_RETURN_POINTER(req);
	}
	if (IsA(rawreq, SupportRequestCost))
	{
		SupportRequestCost *req = (SupportRequestCost *) rawreq;

		req->startup = 0;
		req->per_tuple = cpu_operator_cost;
		PG_RETURN_POINTER(req);
	}
	PG_RETURN_POINTER(NULL);
}
