/*-------------------------------------------------------------------------
 *
 * ledger_merge_plan.c
 *	  Planner side of the ledger merge node.
 *
 * pm.account_risk groups pm.ledger_row by account and asks eleven aggregates
 * (pm.ledger_risk_<field>) sharing one accumulator.  Run as a GroupAggregate
 * over a Merge Append of the four primary keys, a fifth of the time goes to
 * the machinery: the Merge Append's heap, eleven arguments copied per row,
 * the group's first row copied, eleven final calls per account.  When a query
 * has exactly that shape, a hook on the grouping stage offers one more
 * path: a custom node over the same sorted inputs, which merges them by
 * account itself and calls the transition and the fields directly
 * (ledger_merge_exec.c).  It is costed as a sorted aggregate over those
 * inputs, without the Merge Append, and the planner chooses.
 *
 * The shape, checked here:
 *	  - GROUP BY one integer column (int8, int4 or int2), no grouping sets,
 *		no HAVING;
 *	  - every aggregate is a pm.ledger_risk_<field> (known by its functions'
 *		addresses, not by name), plain (no DISTINCT, ORDER BY or FILTER),
 *		all over the same ten columns of the input;
 *	  - the target is built from the group column and those aggregates;
 *	  - the input's cheapest path sorted by the group column, and its
 *		cheapest parallel-safe one (sorted here if none is; any path when a
 *		constant fixes the column): a Merge Append gives its children, any
 *		other path is the one child.
 * Row-level security, pushed-down quals and the split of pm.account_risk
 * stay in the children, which are ordinary plans.
 *
 * portfolio_margin.ledger_merge = off keeps the path out (the aggregates then run
 * as before, with the same results).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/plancat.h"
#include "optimizer/planmain.h"
#include "optimizer/planner.h"
#include "optimizer/tlist.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "compat.h"
#include "ledger_accum.h"
#include "ledger_merge.h"

bool		pm_enable_ledger_merge = true;

static create_upper_paths_hook_type prev_upper_paths_hook = NULL;

/* The fields' final functions, in RiskField order. */
static const PGFunction field_finals[RISK_NFIELDS] = {
	pm_ledger_risk_program_final,
	pm_ledger_risk_uni_mmr_final,
	pm_ledger_risk_account_equity_final,
	pm_ledger_risk_actual_equity_final,
	pm_ledger_risk_initial_margin_final,
	pm_ledger_risk_maint_margin_final,
	pm_ledger_risk_status_final,
	pm_ledger_risk_withdraw_final,
	pm_ledger_risk_available_final,
	pm_ledger_risk_open_loss_final,
	pm_ledger_risk_error_final,
};

/* What the hook found, for the path and then the plan. */
typedef struct MergeShape
{
	Expr	   *key;			/* the group column */
	List	   *aggs;			/* distinct Aggrefs, in target order */
	List	   *fields;			/* their RiskFields */
	List	   *args;			/* the ledger columns (the Aggrefs' args), or
								 * the one pm.ledger_entry */
	bool		entries;		/* the aggregates take pm.ledger_entry values */
	Cost		trans_cost;		/* per input row */
	Cost		final_cost;		/* per account */
} MergeShape;

static Plan *plan_ledger_merge(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
							   List *tlist, List *clauses, List *custom_plans);

static const CustomPathMethods ledger_merge_path_methods = {
	.CustomName = LEDGER_MERGE_NAME,
	.PlanCustomPath = plan_ledger_merge,
};

/* The address of a C function by its OID (the library's own, when it is ours). */
static PGFunction
function_address(Oid fn)
{
	FmgrInfo	flinfo;

	if (!OidIsValid(fn))
		return NULL;
	fmgr_info(fn, &flinfo);
	return flinfo.fn_addr;
}

/*
 * The field an aggregate gives, or -1 when it is not a plain
 * pm.ledger_risk_<field>: its transition must be pm_ledger_sfunc and its
 * final function one of ours.  The per-row cost of the transition and the
 * final's are added to shape.
 */
static int
aggref_field(PlannerInfo *root, Aggref *aggref, MergeShape *shape, bool first)
{
	QualCost	cost = {0};
	HeapTuple	tuple;
	Form_pg_aggregate agg;
	Oid			transfn,
				finalfn;
	PGFunction	trans,
				final;
	bool		entries;
	int			f;

	if (aggref->aggkind != AGGKIND_NORMAL || aggref->agglevelsup != 0 ||
		aggref->aggdistinct != NIL || aggref->aggorder != NIL ||
		aggref->aggfilter != NULL || aggref->aggstar || aggref->aggvariadic ||
		aggref->aggsplit != AGGSPLIT_SIMPLE)
		return -1;
	tuple = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggref->aggfnoid));
	if (!HeapTupleIsValid(tuple))
		return -1;
	agg = (Form_pg_aggregate) GETSTRUCT(tuple);
	transfn = agg->aggtransfn;
	finalfn = agg->aggfinalfn;
	ReleaseSysCache(tuple);

	/* the ten columns of a ledger row, or one pm.ledger_entry */
	trans = function_address(transfn);
	if (trans == pm_ledger_sfunc && list_length(aggref->args) == LEDGER_NCOLUMNS)
		entries = false;
	else if (trans == pm_ledger_entry_sfunc && list_length(aggref->args) == 1)
		entries = true;
	else
		return -1;
	if (!first && entries != shape->entries)
		return -1;
	final = function_address(finalfn);
	if (final == pm_ledger_risk_final)
		f = LEDGER_MERGE_ROW;
	else
	{
		for (f = 0; f < RISK_NFIELDS; f++)
			if (field_finals[f] == final)
				break;
		if (f == RISK_NFIELDS)
			return -1;
	}
	if (first)
	{
		add_function_cost(root, transfn, NULL, &cost);
		shape->trans_cost = cost.per_tuple;
		shape->entries = entries;
	}
	cost.per_tuple = 0;
	add_function_cost(root, finalfn, NULL, &cost);
	shape->final_cost += cost.per_tuple;
	return f;
}

/*
 * Whether the grouping query is the shape the node computes; fills shape.
 * Every Var of the target outside an aggregate must be the group column,
 * every aggregate one of ours over the same ten plain columns, or over the
 * same plain column of ledger entries.
 */
static bool
query_shape(PlannerInfo *root, RelOptInfo *grouped_rel, MergeShape *shape)
{
	Query	   *parse = root->parse;
	SortGroupClause *sgc;
	List	   *vars;
	ListCell   *lc;

	if (parse->groupingSets != NIL || list_length(parse->groupClause) != 1 ||
		parse->havingQual != NULL || !parse->hasAggs || parse->hasTargetSRFs)
		return false;
	sgc = linitial_node(SortGroupClause, parse->groupClause);
	shape->key = (Expr *) get_sortgroupclause_expr(sgc, root->processed_tlist);
	/* an integer column of any width, compared as itself */
	if (!IsA(shape->key, Var))
		return false;
	switch (exprType((Node *) shape->key))
	{
		case INT8OID:
			if (get_opcode(sgc->eqop) != F_INT8EQ)
				return false;
			break;
		case INT4OID:
			if (get_opcode(sgc->eqop) != F_INT4EQ)
				return false;
			break;
		case INT2OID:
			if (get_opcode(sgc->eqop) != F_INT2EQ)
				return false;
			break;
		default:
			return false;
	}

	vars = pull_var_clause((Node *) grouped_rel->reltarget->exprs,
						   PVC_INCLUDE_AGGREGATES | PVC_INCLUDE_PLACEHOLDERS |
						   PVC_INCLUDE_WINDOWFUNCS);
	foreach(lc, vars)
	{
		Node	   *node = lfirst(lc);
		Aggref	   *aggref;
		ListCell   *ac;
		int			field;

		if (IsA(node, Var) && equal(node, shape->key))
			continue;
		if (!IsA(node, Aggref))
			return false;
		aggref = (Aggref *) node;
		if (list_member(shape->aggs, aggref))
			continue;
		field = aggref_field(root, aggref, shape, shape->aggs == NIL);
		if (field < 0)
			return false;
		if (shape->aggs == NIL)
		{
			/* the columns: plain Vars, the same for every aggregate */
			foreach(ac, aggref->args)
			{
				TargetEntry *tle = lfirst_node(TargetEntry, ac);

				if (!IsA(tle->expr, Var))
					return false;
				shape->args = lappend(shape->args, tle->expr);
			}
		}
		else if (!equal(aggref->args, ((Aggref *) linitial(shape->aggs))->args))
			return false;
		shape->aggs = lappend(shape->aggs, aggref);
		shape->fields = lappend_int(shape->fields, field);
	}
	return shape->aggs != NIL;
}

/*
 * Whether path can feed the node: unparameterized, and sorted by the group
 * column unless a constant fixes it (no group pathkeys).
 */
static bool
usable_input(Path *path, List *keys)
{
	return path->param_info == NULL && pathkeys_contained_in(keys, path->pathkeys);
}

/*
 * Whether path is a plain Append the node can take apart: serial, every
 * subpath whole (no partial ones).  Its children are then the node's, each
 * sorted when an order is needed.
 */
static bool
plain_append(Path *path)
{
	return IsA(path, AppendPath) && !path->parallel_aware &&
		((AppendPath *) path)->first_partial_path == list_length(((AppendPath *) path)->subpaths);
}

/*
 * The inputs the node may read: the cheapest usable path, and the cheapest
 * parallel-safe one when that is another (a Gather Merge may be cheapest,
 * but only a parallel-safe node can go under a Parallel Append).  The
 * cheapest path of all, when it is not sorted, too: sorted as a whole, or
 * child by child when it is a plain Append (cheaper sorts, and the
 * children's own rows, whose entries the node reads column by column) --
 * an Append of sequential scans may beat a Merge Append of index scans.
 */
static List *
candidate_inputs(PlannerInfo *root, RelOptInfo *input_rel, List *keys)
{
	Path	   *best = NULL,
			   *best_safe = NULL,
			   *cheapest = input_rel->cheapest_total_path;
	List	   *inputs = NIL;
	ListCell   *lc;

	foreach(lc, input_rel->pathlist)
	{
		Path	   *path = (Path *) lfirst(lc);

		if (!usable_input(path, keys))
			continue;
		if (best == NULL || path->total_cost < best->total_cost)
			best = path;
		if (path->parallel_safe &&
			(best_safe == NULL || path->total_cost < best_safe->total_cost))
			best_safe = path;
	}
	if (best != NULL)
		inputs = lappend(inputs, best);
	if (best_safe != NULL && best_safe != best)
		inputs = lappend(inputs, best_safe);
	if (cheapest != NULL && cheapest->param_info == NULL && !list_member_ptr(inputs, cheapest))
	{
		if (plain_append(cheapest))
			inputs = lappend(inputs, cheapest);
		else
			inputs = lappend(inputs, create_sort_path(root, input_rel, cheapest, keys, -1.0));
	}
	return inputs;
}

/*
 * The children of the node: a Merge Append's inputs or a plain Append's,
 * each sorted (by a Sort when it is not), or the path itself.
 */
static List *
input_children(PlannerInfo *root, Path *input, List *keys)
{
	List	   *children = NIL;
	List	   *subpaths;
	ListCell   *lc;

	if (IsA(input, MergeAppendPath))
		subpaths = ((MergeAppendPath *) input)->subpaths;
	else if (plain_append(input))
		subpaths = ((AppendPath *) input)->subpaths;
	else
		return list_make1(input);
	foreach(lc, subpaths)
	{
		Path	   *sub = (Path *) lfirst(lc);

		if (!pathkeys_contained_in(keys, sub->pathkeys))
			sub = (Path *) create_sort_path(root, sub->parent, sub, keys, -1.0);
		children = lappend(children, sub);
	}
	return children;
}

/* The 1-based position of expr in the input's row, or 0. */
static int
input_column(PathTarget *target, Expr *expr)
{
	ListCell   *lc;

	foreach(lc, target->exprs)
		if (equal(lfirst(lc), expr))
			return foreach_current_index(lc) + 1;
	return 0;
}

/* Offer the node over one input path. */
static void
offer_node(PlannerInfo *root, RelOptInfo *grouped_rel, MergeShape *shape, Path *input,
		   List *keys, double groups)
{
	List	   *columns;
	List	   *children;
	CustomPath *cpath;
	Cost		startup,
				run = 0;
	double		in_rows = 0;
	bool		merged;
	ListCell   *lc;

	columns = list_make1_int(input_column(input->pathtarget, shape->key));
	foreach(lc, shape->args)
		columns = lappend_int(columns, input_column(input->pathtarget, lfirst(lc)));
	if (list_member_int(columns, 0))
		return;

	/*
	 * The start as the core costs the input we take apart (a Merge Append,
	 * or an Append whose children we merge, needs every child's first row;
	 * an Append read in turn, or a single path, its first); then every child
	 * read to its end.
	 */
	children = input_children(root, input, keys);
	merged = IsA(input, MergeAppendPath) || (plain_append(input) && keys != NIL);
	startup = merged ? 0 : input->startup_cost;
	foreach(lc, children)
	{
		Path	   *child = (Path *) lfirst(lc);

		if (merged)
			startup += child->startup_cost;
		run += child->total_cost;
		in_rows += child->rows;
	}

	cpath = makeNode(CustomPath);
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = grouped_rel;
	cpath->path.pathtarget = grouped_rel->reltarget;
	cpath->path.param_info = NULL;
	cpath->path.parallel_aware = false;
	cpath->path.parallel_safe = grouped_rel->consider_parallel && input->parallel_safe;
	cpath->path.parallel_workers = 0;
	cpath->path.rows = groups;
	cpath->path.pathkeys = keys;

	/*
	 * A sorted aggregate's cost (cost_agg) over the children themselves,
	 * without the Merge Append's heap or the Append's pass of each row; the
	 * account comparison is an inline int64 test, not an operator call, so
	 * a row costs only the transition.
	 */
	cpath->path.startup_cost = startup;
	cpath->path.total_cost = run + in_rows * shape->trans_cost +
		groups * (shape->final_cost + cpu_tuple_cost + grouped_rel->reltarget->cost.per_tuple);
	cpath->flags = PM_CUSTOMPATH_PROJECTS;
	cpath->custom_paths = children;
	/* the entry's row type, or 0: read back by plan_ledger_merge */
	cpath->custom_private = lappend(list_make4(shape->key, shape->aggs, columns, shape->fields),
									makeInteger(shape->entries ?
												(int) exprType(linitial(shape->args)) : 0));
	cpath->methods = &ledger_merge_path_methods;
	add_path(grouped_rel, (Path *) cpath);
}

/* Offer the node for this grouping, when the query has the shape. */
static void
add_ledger_merge_path(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *grouped_rel,
					  GroupPathExtraData *extra)
{
	MergeShape	shape = {0};
	List	   *keys = NIL;
	double		groups;
	ListCell   *lc;

	if (extra == NULL || extra->patype != PARTITIONWISE_AGGREGATE_NONE ||
		IS_DUMMY_REL(input_rel) || grouped_rel->pathlist == NIL ||
		!query_shape(root, grouped_rel, &shape))
		return;
	if (root->group_pathkeys != NIL)
	{
		PathKey    *pk = linitial(root->group_pathkeys);

		/* integers ascending, NULLs last: the order the executor merges in */
		if (pk->pk_opfamily != INTEGER_BTREE_FAM_OID || PM_PATHKEY_DESCENDING(pk) ||
			pk->pk_nulls_first)
			return;
		keys = list_make1(pk);
	}
	/* the core's estimate of the accounts, which its paths carry */
	groups = ((Path *) linitial(grouped_rel->pathlist))->rows;
	foreach(lc, candidate_inputs(root, input_rel, keys))
		offer_node(root, grouped_rel, &shape, lfirst(lc), keys, groups);
}

/*
 * The stored-tuple reading of a scan child: when plan scans a table and
 * every one of exprs (the key and the ten columns, as the child computes
 * them) is a column of that table or a constant, the scan returns its
 * stored tuple as it is (a physical target list, so no projection per row)
 * and the node reads the columns there and takes the constants from the
 * plan.  One node per column, an Integer attribute number or a Const; NIL
 * when the child is not such a scan.
 */
static List *
scan_columns(PlannerInfo *root, Plan *plan, Path *path, List *exprs)
{
	RelOptInfo *crel = path->parent;
	List	   *map = NIL;
	List	   *physical;
	ListCell   *lc;

	if (!(IsA(plan, SeqScan) || IsA(plan, IndexScan)) || crel->rtekind != RTE_RELATION ||
		crel->relid == 0 || (physical = build_physical_tlist(root, crel)) == NIL)
		return NIL;
	foreach(lc, exprs)
	{
		Expr	   *e = lfirst(lc);

		if (IsA(e, Var) && ((Var *) e)->varno == crel->relid &&
			((Var *) e)->varlevelsup == 0 && ((Var *) e)->varattno > 0)
			map = lappend(map, makeInteger(((Var *) e)->varattno));
		else if (IsA(e, Const))
			map = lappend(map, copyObject(e));
		else
		{
			list_free(map);
			return NIL;
		}
	}
	plan->targetlist = physical;
	return map;
}

/* Expression number pos (1-based) of a target list, placeholders seen through. */
static Expr *
tlist_expr(List *tlist, int pos)
{
	Expr	   *e = list_nth_node(TargetEntry, tlist, pos - 1)->expr;

	/* at scan level a placeholder is its expression (setrefs) */
	while (IsA(e, PlaceHolderVar))
		e = ((PlaceHolderVar *) e)->phexpr;
	return e;
}

/*
 * The ledger columns of an entries child, whose row has the key at
 * positions[0] and the pm.ledger_entry at positions[1].  When the child
 * builds the entry itself (the row constructor pm.balance_entry and its
 * siblings inline to), its ten columns are read without the entry ever
 * being formed: from the stored tuple (scan_columns), or computed in the
 * row of a plan that projects (or of the one under a Sort) in place of the
 * entry.  Otherwise the map is the key and the entry's position, two
 * Integers, and the executor takes each entry apart.
 */
static List *
entry_columns(PlannerInfo *root, Plan *plan, Path *path, List *positions, Oid entry_type)
{
	int			key_pos = linitial_int(positions),
				entry_pos = lsecond_int(positions);
	Expr	   *e = tlist_expr(plan->targetlist, entry_pos);
	RowExpr    *row;
	List	   *map;
	Plan	   *proj = plan;
	List	   *tlist = NIL;
	ListCell   *lc;

	if (!IsA(e, RowExpr) || ((RowExpr *) e)->row_typeid != entry_type ||
		list_length(((RowExpr *) e)->args) != LEDGER_NCOLUMNS)
		return list_make2(makeInteger(key_pos), makeInteger(entry_pos));
	row = (RowExpr *) e;

	map = scan_columns(root, plan, path,
					   lcons(tlist_expr(plan->targetlist, key_pos), list_copy(row->args)));
	if (map != NIL)
		return map;

	/* a Sort's row is its input's: the columns go into both */
	if (IsA(plan, Sort) && plan->lefttree != NULL &&
		plan->targetlist == plan->lefttree->targetlist)
		proj = plan->lefttree;
	if (!is_projection_capable_plan(proj))
		return list_make2(makeInteger(key_pos), makeInteger(entry_pos));

	map = list_make1(makeInteger(key_pos));
	foreach(lc, proj->targetlist)
	{
		TargetEntry *tle = flatCopyTargetEntry(lfirst_node(TargetEntry, lc));

		/* the entry itself is no longer needed: a NULL of its type */
		if (tle->resno == entry_pos)
			tle->expr = (Expr *) makeNullConst(entry_type, -1, InvalidOid);
		tlist = lappend(tlist, tle);
	}
	foreach(lc, row->args)
	{
		Expr	   *arg = lfirst(lc);

		if (IsA(arg, Const))
			map = lappend(map, copyObject(arg));
		else
		{
			tlist = lappend(tlist, makeTargetEntry(arg, list_length(tlist) + 1, NULL, false));
			map = lappend(map, makeInteger(list_length(tlist)));
		}
	}
	proj->targetlist = tlist;
	plan->targetlist = tlist;
	return map;
}

/*
 * The ledger columns as a child's plan gives them: one node per column (the
 * key, then the ten), the Integer attribute number in the child's row or a
 * Const.  A scan of a table whose exact target is its own columns and
 * constants -- each branch of pm.ledger_row -- returns its stored tuple
 * (scan_columns).  Any other child keeps its exact target list, read by
 * position.  Entries are entry_columns'.
 */
static List *
child_columns(PlannerInfo *root, Plan *plan, Path *path, List *positions, bool entries,
			  Oid entry_type)
{
	List	   *exprs = NIL;
	List	   *map;
	ListCell   *lc;

	if (entries)
		return entry_columns(root, plan, path, positions, entry_type);
	foreach(lc, positions)
		exprs = lappend(exprs, tlist_expr(plan->targetlist, lfirst_int(lc)));
	map = scan_columns(root, plan, path, exprs);
	if (map != NIL)
		return map;
	foreach(lc, positions)
		map = lappend(map, makeInteger(lfirst_int(lc)));
	return map;
}

/*
 * The plan: the scan tuple is the group column and the aggregates
 * (custom_scan_tlist), which setrefs turns the target's references into;
 * the children are the input's plans.
 */
static Plan *
plan_ledger_merge(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
				  List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	Expr	   *key = linitial(best_path->custom_private);
	List	   *aggs = lsecond(best_path->custom_private);
	List	   *positions = lthird(best_path->custom_private);
	Oid			entry_type = (Oid) intVal(list_nth(best_path->custom_private, 4));
	List	   *children = NIL;
	List	   *scan_tlist;
	ListCell   *lc,
			   *pc;

	Assert(clauses == NIL);
	scan_tlist = list_make1(makeTargetEntry(key, 1, NULL, false));
	foreach(lc, aggs)
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry(lfirst(lc), list_length(scan_tlist) + 1, NULL, false));
	forboth(lc, custom_plans, pc, best_path->custom_paths)
		children = lappend(children, child_columns(root, lfirst(lc), lfirst(pc), positions,
												   OidIsValid(entry_type), entry_type));

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = NIL;
	cscan->scan.scanrelid = 0;
	cscan->flags = best_path->flags;
	cscan->custom_plans = custom_plans;
	cscan->custom_exprs = NIL;
	cscan->custom_private = list_make2(lfourth(best_path->custom_private), children);
	cscan->custom_scan_tlist = scan_tlist;
	cscan->custom_relids = NULL;
	cscan->methods = &ledger_merge_scan_methods;
	return &cscan->scan.plan;
}

PG_FUNCTION_INFO_V1(pm_ledger_sfunc_support);

/*
 * pm.ledger_sfunc_support(internal), the planner support function of the
 * ledger aggregates' transitions.  It answers no request (for the cost the
 * planner then reads COST), but being called it loads this library while
 * the query is planned, and with it the hook above: the planner asks the
 * transitions' cost before it plans the grouping.  Without it, a session's
 * first query over its own tables (pm.account_risk has pm.account_risk_range
 * to do the same) would be planned before the hook existed.
 */
Datum
pm_ledger_sfunc_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(NULL);
}

/* The hook: at the grouping stage, after the core's paths. */
static void
ledger_merge_upper_paths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
						 RelOptInfo *output_rel, void *extra)
{
	if (prev_upper_paths_hook)
		prev_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage == UPPERREL_GROUP_AGG && pm_enable_ledger_merge)
		add_ledger_merge_path(root, input_rel, output_rel, (GroupPathExtraData *) extra);
}

/*
 * Module load: the setting, the hook, and the scan methods by name (a
 * parallel worker finds them so when it reads the plan).
 */
void
ledger_merge_init(void)
{
	DefineCustomBoolVariable("portfolio_margin.ledger_merge",
							 "Lets pm.account_risk's aggregates run in the ledger merge node.",
							 "Off plans them as an ordinary GroupAggregate; results are identical either way.",
							 &pm_enable_ledger_merge,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	RegisterCustomScanMethods(&ledger_merge_scan_methods);
	prev_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = ledger_merge_upper_paths;
}
