/*-------------------------------------------------------------------------
 *
 * risk_split.c
 *	  pm.account_risk_split(): the account id at which pm.account_risk's
 *	  two ranges meet; pm.account_risk_range(): the ranges' quals.
 *
 * pm.account_risk is a UNION ALL of two account ranges, account_id below
 * the split and account_id from it on, each a GroupAggregate over the
 * primary keys of the ledger tables.  A parallel plan hands each range
 * whole to a worker (Parallel Append of non-partial children), which a
 * single GroupAggregate over a Merge Append cannot do.
 *
 * The two ranges are complementary whatever the split is, so the rows are
 * right for any value; the value only decides how evenly the work divides.
 * What must hold is that both ranges of one query use the same value, even
 * when they run in different processes.  So the split is the middle of
 * the smallest and the largest account id under the query's snapshot: the
 * same in every process that shares it.
 *
 * The support function folds the call into a constant when a query is
 * planned.  Both ranges are planned under one snapshot, so they get the
 * same constant, and workers read it from the plan.  A constant also lets
 * a query for one account exclude the other range at plan time
 * (constraint exclusion of UNION ALL members), and cached plans keep the
 * two ranges complementary.
 *
 * The caller needs SELECT on pm.account's account_id, as for the view
 * itself; without it, or with no snapshot, the split is the smallest int8
 * and the lower range is empty.  The ends are read past row-level
 * security, as the planner's own estimates read them
 * (get_actual_variable_range): what a caller can learn from the split, the
 * middle of the id range, EXPLAIN's row estimates already tell.  Applying
 * the policy instead would evaluate it row by row from each end at every
 * planning, for a caller who sees few accounts a walk of the whole index.
 *
 * Under SERIALIZABLE the split is the smallest int8 too: reading the ends
 * would take predicate locks on the first and last pages of pm.account's
 * key, where new accounts are added, so every query of the view (one
 * account's too) would conflict with every transaction adding an account.
 * Serializable transactions get the serial plan.
 *
 * The view does not compare with the split itself: each range's qual is
 * pm.account_risk_range(account_id, upper), which the planner turns into
 * account_id < split (the lower range) or account_id >= split (the upper).
 * When the query cannot have a parallel plan at all -- workers are off
 * (max_parallel_workers_per_gather = 0), a cursor, a statement that
 * writes -- it turns the lower range's qual into false and the upper
 * range's into true: the lower range is planned as empty (a Result with
 * One-Time Filter: false), and the accounts are one GroupAggregate over
 * the whole book with no per-row key test, as before there were ranges.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/stratnum.h"
#include "catalog/namespace.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "compat.h"

PG_FUNCTION_INFO_V1(pm_account_risk_split);
PG_FUNCTION_INFO_V1(pm_account_risk_split_support);
PG_FUNCTION_INFO_V1(pm_account_risk_range);
PG_FUNCTION_INFO_V1(pm_account_risk_range_support);

/*
 * One end of pm.account's primary key, under the snapshot: the first live
 * account_id in the direction given.  False if there is none.
 */
static bool
account_id_end(Relation rel, Relation index, Snapshot snapshot,
			   ScanDirection direction, int64 *id)
{
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		found = false;

	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, index, snapshot, 0, 0);
	index_rescan(scan, NULL, 0, NULL, 0);
	if (index_getnext_slot(scan, direction, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, index->rd_index->indkey.values[0], &isnull);

		if (!isnull)
		{
			*id = DatumGetInt64(d);
			found = true;
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	return found;
}

/*
 * The split: the middle of the smallest and largest account id under the
 * active snapshot, or PG_INT64_MIN when the caller may not read them, the
 * transaction is serializable, or there are none.
 */
static int64
account_risk_split(void)
{
	Oid			schema;
	Oid			relid;
	AttrNumber	attnum;
	Relation	rel;
	Relation	index;
	Oid			pkey;
	int64		lo = 0;
	int64		hi = 0;
	int64		split = PG_INT64_MIN;

	if (!ActiveSnapshotSet() || IsolationIsSerializable())
		return PG_INT64_MIN;
	schema = get_namespace_oid("pm", true);
	relid = OidIsValid(schema) ? get_relname_relid("account", schema) : InvalidOid;
	if (!OidIsValid(relid))
		return PG_INT64_MIN;
	attnum = get_attnum(relid, "account_id");
	if (attnum == InvalidAttrNumber ||
		get_atttype(relid, attnum) != INT8OID ||
		(pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		 pg_attribute_aclcheck(relid, attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK))
		return PG_INT64_MIN;

	rel = table_open(relid, AccessShareLock);
	list_free(RelationGetIndexList(rel));	/* sets rd_pkindex */
	pkey = rel->rd_pkindex;
	if (!OidIsValid(pkey))
	{
		table_close(rel, AccessShareLock);
		return PG_INT64_MIN;
	}
	index = index_open(pkey, AccessShareLock);
	if (index->rd_index->indnatts >= 1 &&
		index->rd_index->indkey.values[0] == attnum &&
		account_id_end(rel, index, GetActiveSnapshot(), ForwardScanDirection, &lo) &&
		account_id_end(rel, index, GetActiveSnapshot(), BackwardScanDirection, &hi))
	{
		/* lo + ceil((hi - lo) / 2), unsigned: hi - lo can overflow int64 */
		uint64		diff = (uint64) hi - (uint64) lo;

		split = (int64) ((uint64) lo + diff / 2 + (diff & 1));
	}
	index_close(index, AccessShareLock);
	table_close(rel, AccessShareLock);
	return split;
}

/*
 * pm.account_risk_split(): the split, when a call is not folded at plan
 * time (a direct call in an executor, say).  Under the same snapshot it
 * is the constant the planner would have folded.
 */
Datum
pm_account_risk_split(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(account_risk_split());
}

/*
 * The planner support function: replaces the call with its value as a
 * constant (SupportRequestSimplify).  Nothing else is answered.
 */
Datum
pm_account_risk_split_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(makeConst(INT8OID, -1, InvalidOid, sizeof(int64),
									Int64GetDatum(account_risk_split()),
									false, FLOAT8PASSBYVAL));
	PG_RETURN_POINTER(NULL);
}

/*
 * pm.account_risk_range(account_id, upper): whether account_id is in the
 * upper range (from the split on) or, upper false, in the lower one, when
 * a call is not simplified at plan time.  The split is read at each call:
 * two call sites must not keep values read under different snapshots.
 */
Datum
pm_account_risk_range(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	bool		upper = PG_GETARG_BOOL(1);
	int64		split = account_risk_split();

	PG_RETURN_BOOL(upper ? id >= split : id < split);
}

/*
 * The qual "account_id < split" (upper false) or "account_id >= split",
 * with the split as a constant, so that it is an index condition of the
 * primary keys and a query for one account excludes the other range.
 */
static Node *
range_qual(Node *id, bool upper, int64 split)
{
	Oid			opno = get_opfamily_member(INTEGER_BTREE_FAM_OID, INT8OID, INT8OID,
										   upper ? BTGreaterEqualStrategyNumber
										   : BTLessStrategyNumber);
	OpExpr	   *qual;

	if (!OidIsValid(opno))
		elog(ERROR, "int8 comparison operators are missing from the integer btree family");
	qual = (OpExpr *) make_opclause(opno, BOOLOID, false, (Expr *) id,
									(Expr *) makeConst(INT8OID, -1, InvalidOid, sizeof(int64),
													   Int64GetDatum(split), false,
													   FLOAT8PASSBYVAL),
									InvalidOid, InvalidOid);
	set_opfuncid(qual);
	return (Node *) qual;
}

/*
 * The planner support function of pm.account_risk_range: replaces a call
 * whose upper argument is a constant (SupportRequestSimplify).
 *
 * - A query that cannot run in parallel (PlannerGlobal.parallelModeOK,
 *   decided before any of its expressions is simplified) gets no split:
 *   the lower range becomes false and the upper true.
 * - So does a caller for whom the split is the smallest int8: no account
 *   is below it.
 * - Otherwise the range's comparison with the split as a constant.
 *
 * Both ranges of one query are simplified in one planning, so they make
 * the same choice.  "true" for the upper range also takes a NULL id, which
 * the function itself would not; the view's ids are primary keys.
 */
Datum
pm_account_risk_range_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSimplify *req;
	Node	   *upper_arg;
	bool		upper;
	int64		split;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSimplify *) rawreq;
	if (list_length(req->fcall->args) != 2)
		PG_RETURN_POINTER(NULL);
	upper_arg = lsecond(req->fcall->args);
	if (!IsA(upper_arg, Const) || ((Const *) upper_arg)->constisnull)
		PG_RETURN_POINTER(NULL);
	upper = DatumGetBool(((Const *) upper_arg)->constvalue);

	if (req->root != NULL && req->root->glob != NULL && !req->root->glob->parallelModeOK)
		PG_RETURN_POINTER(makeBoolConst(upper, false));
	split = account_risk_split();
	if (split == PG_INT64_MIN)
		PG_RETURN_POINTER(makeBoolConst(upper, false));
	PG_RETURN_POINTER(range_qual(linitial(req->fcall->args), upper, split));
}
