/*-------------------------------------------------------------------------
 *
 * ledger_merge_exec.c
 *	  Executor side of the ledger merge node (see ledger_merge_plan.c).
 *
 * The children are ordinary plans, each sorted by account (the primary
 * keys of pm.account, pm.balance, pm.position and pm.open_order, for
 * pm.account_risk).  The node keeps each child's current row, takes the
 * smallest account among them, feeds every row of that account, child by
 * child, to the ledger state (the transition the aggregates run), and
 * returns the account with the fields asked for (the aggregates' finals).
 * Nothing is kept beyond one account: its state lives in a context reset
 * for the next, a row's temporaries in one reset after each row.
 *
 * The group key is int8, ascending, NULLs last (as the planner checked); a
 * child whose keys go down is an error, not a silently split account.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "utils/memutils.h"
#include "utils/ruleutils.h"

#include "compat.h"
#include "ledger_agg.h"
#include "ledger_merge.h"

typedef struct LedgerMergeState
{
	CustomScanState css;
	int			nchildren;
	PlanState **children;
	TupleTableSlot **heads;		/* each child's current row; NULL when done */
	int64	   *keys;			/* ... its account */
	bool	   *key_nulls;
	bool		started;
	int			key_column;		/* attribute numbers in the children's rows */
	int			columns[LEDGER_NCOLUMNS];
	int			last_column;
	int			nfields;
	RiskField  *fields;			/* the scan tuple's columns after the key */
	MemoryContext account_cxt;	/* one account's state */
	MemoryContext row_cxt;		/* one row's temporaries */
	MemoryContext query_cxt;
	void	   *lookup;			/* lookup.c's cache for the query */
	RiskFieldsCache *rc;
	FmgrInfo	row_flinfo;
	FunctionCallInfo row;		/* arguments 1 to 10: the current row */
} LedgerMergeState;

static Node *create_ledger_merge_state(CustomScan *cscan);
static void begin_ledger_merge(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *exec_ledger_merge(CustomScanState *node);
static void end_ledger_merge(CustomScanState *node);
static void rescan_ledger_merge(CustomScanState *node);
static void explain_ledger_merge(CustomScanState *node, List *ancestors, ExplainState *es);

CustomScanMethods ledger_merge_scan_methods = {
	.CustomName = LEDGER_MERGE_NAME,
	.CreateCustomScanState = create_ledger_merge_state,
};

static const CustomExecMethods ledger_merge_exec_methods = {
	.CustomName = LEDGER_MERGE_NAME,
	.BeginCustomScan = begin_ledger_merge,
	.ExecCustomScan = exec_ledger_merge,
	.EndCustomScan = end_ledger_merge,
	.ReScanCustomScan = rescan_ledger_merge,
	.ExplainCustomScan = explain_ledger_merge,
};

static Node *
create_ledger_merge_state(CustomScan *cscan)
{
	LedgerMergeState *lm = palloc0(sizeof(LedgerMergeState));

	NodeSetTag(lm, T_CustomScanState);
	lm->css.flags = cscan->flags;
	lm->css.methods = &ledger_merge_exec_methods;
	return (Node *) lm;
}

/*
 * Start the children and read what the plan says about the columns,
 * checking it against the scan tuple (a plan is data a worker reads back).
 */
static void
begin_ledger_merge(CustomScanState *node, EState *estate, int eflags)
{
	LedgerMergeState *lm = (LedgerMergeState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *columns = list_nth(cscan->custom_private, LEDGER_MERGE_PRIVATE_COLUMNS);
	List	   *fields = list_nth(cscan->custom_private, LEDGER_MERGE_PRIVATE_FIELDS);
	int			natts = node->ss.ss_ScanTupleSlot->tts_tupleDescriptor->natts;
	ListCell   *lc;
	int			i;

	if (list_length(columns) != LEDGER_NCOLUMNS + 1 || list_length(fields) + 1 != natts)
		elog(ERROR, "ledger merge plan has %d columns and %d fields for %d outputs",
			 list_length(columns), list_length(fields), natts);

	lm->nchildren = list_length(cscan->custom_plans);
	lm->children = palloc(sizeof(PlanState *) * lm->nchildren);
	lm->heads = palloc0(sizeof(TupleTableSlot *) * lm->nchildren);
	lm->keys = palloc0(sizeof(int64) * lm->nchildren);
	lm->key_nulls = palloc0(sizeof(bool) * lm->nchildren);
	foreach(lc, cscan->custom_plans)
	{
		PlanState  *child = ExecInitNode((Plan *) lfirst(lc), estate,
										 eflags & ~(EXEC_FLAG_BACKWARD | EXEC_FLAG_MARK));

		lm->children[foreach_current_index(lc)] = child;
		node->custom_ps = lappend(node->custom_ps, child);
	}

	lm->key_column = linitial_int(columns);
	lm->last_column = lm->key_column;
	for (i = 0; i < LEDGER_NCOLUMNS; i++)
	{
		lm->columns[i] = list_nth_int(columns, i + 1);
		lm->last_column = Max(lm->last_column, lm->columns[i]);
	}
	if (lm->key_column < 1)
		elog(ERROR, "ledger merge plan has no group key column");
	for (i = 0; i < LEDGER_NCOLUMNS; i++)
		if (lm->columns[i] < 1)
			elog(ERROR, "ledger merge plan has no column for argument %d", i + 1);

	lm->nfields = list_length(fields);
	lm->fields = palloc(sizeof(RiskField) * Max(lm->nfields, 1));
	foreach(lc, fields)
	{
		int			f = lfirst_int(lc);

		if (f < 0 || f >= RISK_NFIELDS)
			elog(ERROR, "ledger merge plan asks for unknown field %d", f);
		lm->fields[foreach_current_index(lc)] = (RiskField) f;
	}

	lm->query_cxt = estate->es_query_cxt;
	lm->account_cxt = AllocSetContextCreate(estate->es_query_cxt, "ledger merge account",
											ALLOCSET_DEFAULT_SIZES);
	lm->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "ledger merge row",
										ALLOCSET_SMALL_SIZES);
	lm->rc = risk_fields_cache_new(estate->es_query_cxt);
	/* the row is read by argument number only: no function behind it */
	lm->row_flinfo.fn_nargs = LEDGER_NCOLUMNS + 1;
	lm->row_flinfo.fn_mcxt = estate->es_query_cxt;
	lm->row = palloc0(SizeForFunctionCallInfo(LEDGER_NCOLUMNS + 1));
	InitFunctionCallInfoData(*lm->row, &lm->row_flinfo, LEDGER_NCOLUMNS + 1, InvalidOid,
							 NULL, NULL);
	lm->row->args[0].isnull = true;
}

/* Whether account (a, a_null) sorts before (b, b_null): ascending, NULLs last. */
static inline bool
key_before(int64 a, bool a_null, int64 b, bool b_null)
{
	if (a_null || b_null)
		return !a_null && b_null;
	return a < b;
}

/* The child's next row and its account; an account going down is an error. */
static void
advance(LedgerMergeState *lm, int i)
{
	TupleTableSlot *slot = ExecProcNode(lm->children[i]);
	bool		had = lm->heads[i] != NULL;
	int64		key;
	bool		key_null;

	if (TupIsNull(slot))
	{
		lm->heads[i] = NULL;
		return;
	}
	key = DatumGetInt64(slot_getattr(slot, lm->key_column, &key_null));
	if (had && key_before(key, key_null, lm->keys[i], lm->key_nulls[i]))
		elog(ERROR, "ledger merge input %d is not sorted by its group key", i + 1);
	lm->heads[i] = slot;
	lm->keys[i] = key;
	lm->key_nulls[i] = key_null;
}

/* One row of the account into its state, with the row's temporaries freed. */
static void
feed_row(LedgerMergeState *lm, LedgerState *ls, TupleTableSlot *slot)
{
	FunctionCallInfo row = lm->row;
	MemoryContext old;
	int			c;

	slot_getsomeattrs(slot, lm->last_column);
	for (c = 0; c < LEDGER_NCOLUMNS; c++)
	{
		row->args[c + 1].value = slot->tts_values[lm->columns[c] - 1];
		row->args[c + 1].isnull = slot->tts_isnull[lm->columns[c] - 1];
	}
	old = MemoryContextSwitchTo(lm->row_cxt);
	ledger_add_row(ls, row);
	MemoryContextSwitchTo(old);
	MemoryContextReset(lm->row_cxt);
}

/*
 * The next account: its rows from every child, then its fields as the scan
 * tuple, projected to the node's target.
 */
static TupleTableSlot *
exec_ledger_merge(CustomScanState *node)
{
	LedgerMergeState *lm = (LedgerMergeState *) node;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	TupleTableSlot *scan = node->ss.ss_ScanTupleSlot;
	LedgerState *ls;
	MemoryContext old;
	int64		key = 0;
	bool		key_null = false;
	bool		found = false;
	int			i,
				f;

	ResetExprContext(econtext);
	if (!lm->started)
	{
		for (i = 0; i < lm->nchildren; i++)
			advance(lm, i);
		lm->started = true;
	}
	for (i = 0; i < lm->nchildren; i++)
		if (lm->heads[i] != NULL &&
			(!found || key_before(lm->keys[i], lm->key_nulls[i], key, key_null)))
		{
			key = lm->keys[i];
			key_null = lm->key_nulls[i];
			found = true;
		}
	if (!found)
		return NULL;
	CHECK_FOR_INTERRUPTS();

	MemoryContextReset(lm->account_cxt);
	ls = ledger_begin(lm->account_cxt, lookup_cache_get_in(&lm->lookup, lm->query_cxt));
	for (i = 0; i < lm->nchildren; i++)
		while (lm->heads[i] != NULL && lm->key_nulls[i] == key_null &&
			   (key_null || lm->keys[i] == key))
		{
			feed_row(lm, ls, lm->heads[i]);
			advance(lm, i);
		}

	ExecClearTuple(scan);
	scan->tts_values[0] = Int64GetDatum(key);
	scan->tts_isnull[0] = key_null;
	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	for (f = 0; f < lm->nfields; f++)
		scan->tts_values[f + 1] = ledger_field(ls, lm->rc, lm->fields[f],
											   &scan->tts_isnull[f + 1]);
	MemoryContextSwitchTo(old);
	ExecStoreVirtualTuple(scan);

	if (node->ss.ps.ps_ProjInfo == NULL)
		return scan;
	econtext->ecxt_scantuple = scan;
	return ExecProject(node->ss.ps.ps_ProjInfo);
}

static void
end_ledger_merge(CustomScanState *node)
{
	LedgerMergeState *lm = (LedgerMergeState *) node;
	int			i;

	for (i = 0; i < lm->nchildren; i++)
		ExecEndNode(lm->children[i]);
	MemoryContextDelete(lm->account_cxt);
	MemoryContextDelete(lm->row_cxt);
}

/* From the first account again; children with changed parameters rescan themselves. */
static void
rescan_ledger_merge(CustomScanState *node)
{
	LedgerMergeState *lm = (LedgerMergeState *) node;
	int			i;

	for (i = 0; i < lm->nchildren; i++)
	{
		PlanState  *child = lm->children[i];

		if (node->ss.ps.chgParam != NULL)
			UpdateChangedParamSet(child, node->ss.ps.chgParam);
		if (child->chgParam == NULL)
			ExecReScan(child);
		lm->heads[i] = NULL;
	}
	lm->started = false;
	MemoryContextReset(lm->account_cxt);
}

/* EXPLAIN: the group key, as a GroupAggregate shows it. */
static void
explain_ledger_merge(CustomScanState *node, List *ancestors, ExplainState *es)
{
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	TargetEntry *key = linitial_node(TargetEntry, cscan->custom_scan_tlist);
	List	   *context = set_deparse_context_plan(es->deparse_cxt, (Plan *) cscan, ancestors);

	ExplainPropertyText("Group Key",
						deparse_expression((Node *) key->expr, context,
										   list_length(es->rtable) > 1 || es->verbose, false),
						es);
}
