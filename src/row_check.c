/*-------------------------------------------------------------------------
 *
 * row_check.c
 *	  pm.check_row(table, row, what): a hypothetical row held to its table's
 *	  own rules.
 *
 * pm.whatif values rows that are never written -- positions, orders, the
 * balances transfers and loans would leave.  They must be refused exactly
 * when the table would refuse them, so they are checked against the
 * table's constraints themselves, read from its relcache entry: every NOT
 * NULL column and every CHECK constraint, evaluated by the executor on the
 * row as an INSERT would.  One set of rules: a constraint added to the
 * table binds pm.whatif at once.  (Foreign keys are lookups, which the
 * caller makes with its own message.)
 *
 * The error names the row (what) and the constraint, never the values:
 * they may be large or secret.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "compat.h"

PG_FUNCTION_INFO_V1(pm_check_row);

/*
 * pm.check_row(tab regclass, row anyelement, what text) -> void: an error
 * unless row, of tab's row type, satisfies tab's NOT NULL and CHECK
 * constraints.
 */
Datum
pm_check_row(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	HeapTupleHeader td = PG_GETARG_HEAPTUPLEHEADER(1);
	char	   *what = text_to_cstring(PG_GETARG_TEXT_PP(2));
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	HeapTupleData tuple;
	TupleTableSlot *slot;
	TupleConstr *constr = desc->constr;
	char	   *relname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													 RelationGetRelationName(rel));

	if (HeapTupleHeaderGetTypeId(td) != rel->rd_rel->reltype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("pm.check_row needs a row of %s's own type", relname)));
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = relid;
	tuple.t_data = td;
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	ExecStoreHeapTuple(&tuple, slot, false);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || !att->attnotnull)
			continue;
		if (slot_attisnull(slot, att->attnum))
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("%s has no %s", what, NameStr(att->attname)),
					 errdetail("Column %s of %s is NOT NULL.", NameStr(att->attname), relname)));
	}

	if (constr != NULL && constr->num_check > 0)
	{
		EState	   *estate = CreateExecutorState();
		ExprContext *econtext = GetPerTupleExprContext(estate);

		econtext->ecxt_scantuple = slot;
		for (int i = 0; i < constr->num_check; i++)
		{
			ConstrCheck *check = &constr->check[i];
			Expr	   *expr = (Expr *) stringToNode(check->ccbin);
			ExprState  *state = ExecPrepareExpr(expr, estate);

			CHECK_FOR_INTERRUPTS();
			/* NULL passes, as in an INSERT */
			if (!ExecCheck(state, econtext))
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("%s violates check constraint \"%s\" of %s", what, check->ccname, relname),
						 errdetail("%s would refuse such a row.", relname)));
			ResetExprContext(econtext);
		}
		FreeExecutorState(estate);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);
	PG_RETURN_VOID();
}
