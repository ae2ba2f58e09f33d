/*-------------------------------------------------------------------------
 *
 * ledger_merge_exec.c
 *	  Executor side of the ledger merge node (see ledger_merge_plan.c).
 *
 * The children are ordinary plans, each sorted by account (the primary
 * keys of pm.account, pm.balance, pm.position and pm.open_order, for
 * pm.account_risk).  The node keeps each child's current row, takes the
 * smallest account among them, feeds every row of that account, child by
 * child, to the ledger accumulator (the transition the aggregates run),
 * and returns the account with the fields asked for (the aggregates'
 * finals).  Nothing is kept beyond one account: its accumulator lives in a
 * context reset for the next, rows' temporaries (none on the fast path) in
 * one reset every ROWS_PER_RESET rows.  A scan child of pm.ledger_row
 * returns its stored tuple unprojected; the node reads the columns there
 * and takes the branch's constants from the plan (child_columns in
 * ledger_merge_plan.c writes where each column is, load_child_columns here
 * reads it).
 *
 * The group key is an integer (int8, int4 or int2), ascending, NULLs last
 * (as the planner checked); a child whose keys go down is an error, not a
 * silently split account.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "utils/memutils.h"
#include "utils/ruleutils.h"

#include "compat.h"
#include "ledger_accum.h"
#include "ledger_merge.h"

/* One child: its plan, its current row and account, where its columns are. */
typedef struct LedgerChild
{
	PlanState  *ps;
	TupleTableSlot *head;		/* the current row; NULL when done */
	int64		key;			/* ... its account */
	bool		key_null;
	int			atts[LEDGER_NCOLUMNS + 1];	/* the key and the ten; 0: a constant */
	Datum		consts[LEDGER_NCOLUMNS + 1];
	bool		const_nulls[LEDGER_NCOLUMNS + 1];
	int			last_att;		/* the highest of atts */
	int			entry_att;		/* a pm.ledger_entry to take apart, or 0 */
	TupleDesc	entry_desc;		/* ... its row type, checked */
} LedgerChild;

typedef struct LedgerMergeState
{
	CustomScanState css;
	Oid			key_type;		/* int8, int4 or int2 */
	int			nchildren;
	LedgerChild *children;
	bool		started;
	int			nfields;
	int		   *fields;			/* the scan tuple's columns after the key: a
								 * RiskField or LEDGER_MERGE_ROW */
	MemoryContext account_cxt;	/* one account's accumulator */
	MemoryContext row_cxt;		/* rows' temporaries */
	int			rows_in_row_cxt;	/* rows since it was reset */
	MemoryContext query_cxt;
	void	   *refdata;		/* the query's reference data (refdata.c) */
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

/* The node's CustomScanState, a LedgerMergeState; begin_ledger_merge fills it. */
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
 * Where child reads its columns, from the plan's list for it (an Integer
 * attribute number or a Const per column; or the key and an entry), checked:
 * a plan is data a worker reads back.
 */
static void
load_child_columns(LedgerChild *child, List *map, int i)
{
	ListCell   *lc;

	child->last_att = 0;
	child->entry_att = 0;
	if (list_length(map) == 2)
	{
		/* the key and a pm.ledger_entry, both by attribute number */
		if (!IsA(linitial(map), Integer) || intVal(linitial(map)) <= 0 ||
			!IsA(lsecond(map), Integer) || intVal(lsecond(map)) <= 0)
			elog(ERROR, "ledger merge plan gives child %d an unknown entry", i + 1);
		child->atts[0] = intVal(linitial(map));
		child->entry_att = intVal(lsecond(map));
		child->last_att = Max(child->atts[0], child->entry_att);
		return;
	}
	if (list_length(map) != LEDGER_NCOLUMNS + 1)
		elog(ERROR, "ledger merge plan gives child %d %d columns", i + 1, list_length(map));
	foreach(lc, map)
	{
		Node	   *node = lfirst(lc);
		int			c = foreach_current_index(lc);

		if (IsA(node, Integer) && intVal(node) > 0)
		{
			child->atts[c] = intVal(node);
			child->last_att = Max(child->last_att, child->atts[c]);
		}
		else if (IsA(node, Const))
		{
			child->atts[c] = 0;
			child->consts[c] = ((Const *) node)->constvalue;
			child->const_nulls[c] = ((Const *) node)->constisnull;
		}
		else
			elog(ERROR, "ledger merge plan gives child %d an unknown column %d", i + 1, c);
	}
}

/* Start the children and read what the plan says about the columns. */
static void
begin_ledger_merge(CustomScanState *node, EState *estate, int eflags)
{
	LedgerMergeState *lm = (LedgerMergeState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *fields = list_nth(cscan->custom_private, LEDGER_MERGE_PRIVATE_FIELDS);
	List	   *maps = list_nth(cscan->custom_private, LEDGER_MERGE_PRIVATE_CHILDREN);
	int			natts = node->ss.ss_ScanTupleSlot->tts_tupleDescriptor->natts;
	ListCell   *lc;

	if (list_length(fields) + 1 != natts || list_length(maps) != list_length(cscan->custom_plans))
		elog(ERROR, "ledger merge plan has %d fields for %d outputs and %d column lists for %d children",
			 list_length(fields), natts, list_length(maps), list_length(cscan->custom_plans));

	lm->key_type = TupleDescAttr(node->ss.ss_ScanTupleSlot->tts_tupleDescriptor, 0)->atttypid;
	if (lm->key_type != INT8OID && lm->key_type != INT4OID && lm->key_type != INT2OID)
		elog(ERROR, "ledger merge plan groups by type %u", lm->key_type);
	lm->nchildren = list_length(cscan->custom_plans);
	lm->children = palloc0(sizeof(LedgerChild) * Max(lm->nchildren, 1));
	foreach(lc, cscan->custom_plans)
	{
		int			i = foreach_current_index(lc);
		LedgerChild *child = &lm->children[i];

		load_child_columns(child, list_nth(maps, i), i);
		child->ps = ExecInitNode((Plan *) lfirst(lc), estate,
								 eflags & ~(EXEC_FLAG_BACKWARD | EXEC_FLAG_MARK));
		node->custom_ps = lappend(node->custom_ps, child->ps);
		if (child->entry_att > 0)
		{
			TupleDesc	out = ExecGetResultType(child->ps);

			if (child->entry_att > out->natts)
				elog(ERROR, "ledger merge plan reads column %d of child %d's %d",
					 child->entry_att, i + 1, out->natts);
			child->entry_desc = ledger_entry_desc(TupleDescAttr(out, child->entry_att - 1)->atttypid,
												  estate->es_query_cxt);
		}
	}

	lm->query_cxt = estate->es_query_cxt;
	lm->rc = risk_fields_cache_new(estate->es_query_cxt);
	lm->nfields = list_length(fields);
	lm->fields = palloc(sizeof(int) * Max(lm->nfields, 1));
	foreach(lc, fields)
	{
		int			f = lfirst_int(lc);

		if (f < 0 || f > LEDGER_MERGE_ROW)
			elog(ERROR, "ledger merge plan asks for unknown field %d", f);
		lm->fields[foreach_current_index(lc)] = f;
		/* the row's type is the scan tuple's column, checked */
		if (f == LEDGER_MERGE_ROW && lm->rc->desc == NULL)
			risk_fields_cache_set_row(lm->rc,
									  TupleDescAttr(node->ss.ss_ScanTupleSlot->tts_tupleDescriptor,
													foreach_current_index(lc) + 1)->atttypid);
	}

	lm->account_cxt = AllocSetContextCreate(estate->es_query_cxt, "ledger merge account",
											ALLOCSET_DEFAULT_SIZES);
	lm->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "ledger merge row",
										ALLOCSET_SMALL_SIZES);
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

/* An integer key of type typid as int64. */
static inline int64
key_value(Datum d, Oid typid)
{
	if (typid == INT8OID)
		return DatumGetInt64(d);
	if (typid == INT4OID)
		return DatumGetInt32(d);
	return DatumGetInt16(d);
}

/* The child's next row and its account; an account going down is an error. */
static void
advance(LedgerMergeState *lm, LedgerChild *child, int i)
{
	TupleTableSlot *slot = ExecProcNode(child->ps);
	bool		had = child->head != NULL;
	int64		key;
	bool		key_null;

	if (TupIsNull(slot))
	{
		child->head = NULL;
		return;
	}
	/* every column the node reads, at once: the row is fed from here too */
	slot_getsomeattrs(slot, child->last_att);
	if (child->atts[0] == 0)
	{
		key = key_value(child->consts[0], lm->key_type);
		key_null = child->const_nulls[0];
	}
	else
	{
		key = key_value(slot->tts_values[child->atts[0] - 1], lm->key_type);
		key_null = slot->tts_isnull[child->atts[0] - 1];
	}
	if (had && key_before(key, key_null, child->key, child->key_null))
		elog(ERROR, "ledger merge input %d is not sorted by its group key", i + 1);
	child->head = slot;
	child->key = key;
	child->key_null = key_null;
}

/* How many rows' temporaries row_cxt holds at most. */
#define ROWS_PER_RESET 256

/* The child's current row into the account's accumulator. */
static void
feed_row(LedgerMergeState *lm, LedgerAccum *ls, LedgerChild *child)
{
	TupleTableSlot *slot = child->head;
	FunctionCallInfo row = lm->row;
	MemoryContext old;
	int			c;

	if (child->entry_att > 0)
	{
		/* a NULL entry is no row, as to the aggregate */
		if (slot->tts_isnull[child->entry_att - 1])
			return;
		old = MemoryContextSwitchTo(lm->row_cxt);
		ledger_entry_to_row(slot->tts_values[child->entry_att - 1], child->entry_desc, row);
	}
	else
	{
		for (c = 1; c <= LEDGER_NCOLUMNS; c++)
		{
			int			att = child->atts[c];

			if (att > 0)
			{
				row->args[c].value = slot->tts_values[att - 1];
				row->args[c].isnull = slot->tts_isnull[att - 1];
			}
			else
			{
				row->args[c].value = child->consts[c];
				row->args[c].isnull = child->const_nulls[c];
			}
		}
		old = MemoryContextSwitchTo(lm->row_cxt);
	}
	ledger_accum_add_row(ls, row);
	MemoryContextSwitchTo(old);
	/* temporaries are few (none on the fast path): freed in batches */
	if (++lm->rows_in_row_cxt == ROWS_PER_RESET)
	{
		MemoryContextReset(lm->row_cxt);
		lm->rows_in_row_cxt = 0;
	}
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
	LedgerAccum *ls;
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
			advance(lm, &lm->children[i], i);
		lm->started = true;
	}
	for (i = 0; i < lm->nchildren; i++)
	{
		LedgerChild *child = &lm->children[i];

		if (child->head != NULL &&
			(!found || key_before(child->key, child->key_null, key, key_null)))
		{
			key = child->key;
			key_null = child->key_null;
			found = true;
		}
	}
	if (!found)
		return NULL;
	CHECK_FOR_INTERRUPTS();

	MemoryContextReset(lm->account_cxt);
	ls = ledger_accum_begin(lm->account_cxt, refdata_get_in(&lm->refdata, lm->query_cxt));
	for (i = 0; i < lm->nchildren; i++)
	{
		LedgerChild *child = &lm->children[i];

		while (child->head != NULL && child->key_null == key_null &&
			   (key_null || child->key == key))
		{
			feed_row(lm, ls, child);
			advance(lm, child, i);
		}
	}

	/*
	 * The tuple's values live in its memory until the next call (int8 too:
	 * it is passed by reference on 32-bit builds).
	 */
	ExecClearTuple(scan);
	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	scan->tts_values[0] = lm->key_type == INT8OID ? Int64GetDatum(key) :
		lm->key_type == INT4OID ? Int32GetDatum((int32) key) : Int16GetDatum((int16) key);
	scan->tts_isnull[0] = key_null;
	for (f = 0; f < lm->nfields; f++)
	{
		if (lm->fields[f] == LEDGER_MERGE_ROW)
		{
			scan->tts_values[f + 1] = ledger_accum_row(ls, lm->rc);
			scan->tts_isnull[f + 1] = false;
		}
		else
			scan->tts_values[f + 1] = ledger_accum_field(ls, lm->rc, (RiskField) lm->fields[f],
												   &scan->tts_isnull[f + 1]);
	}
	MemoryContextSwitchTo(old);
	ExecStoreVirtualTuple(scan);

	if (node->ss.ps.ps_ProjInfo == NULL)
		return scan;
	econtext->ecxt_scantuple = scan;
	return ExecProject(node->ss.ps.ps_ProjInfo);
}

/* End the children; free the account's and the rows' memory. */
static void
end_ledger_merge(CustomScanState *node)
{
	LedgerMergeState *lm = (LedgerMergeState *) node;
	int			i;

	for (i = 0; i < lm->nchildren; i++)
		ExecEndNode(lm->children[i].ps);
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
		PlanState  *child = lm->children[i].ps;

		if (node->ss.ps.chgParam != NULL)
			UpdateChangedParamSet(child, node->ss.ps.chgParam);
		if (child->chgParam == NULL)
			ExecReScan(child);
		lm->children[i].head = NULL;
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
