/*-------------------------------------------------------------------------
 *
 * ledger_merge.h
 *	  The ledger merge node: pm.account_risk's grouped aggregates computed
 *	  by one executor node that merges the ledger's sorted inputs by
 *	  account and calls the transition and the fields directly.  The
 *	  planner side is ledger_merge_plan.c, the executor side
 *	  ledger_merge_exec.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_LEDGER_MERGE_H
#define PM_LEDGER_MERGE_H

#include "nodes/extensible.h"

#define LEDGER_MERGE_NAME "PmLedgerMerge"

/*
 * The plan's custom_private: list_make2(fields, children).  fields is an
 * integer list, the RiskField of each column of custom_scan_tlist after the
 * key (LEDGER_MERGE_ROW: the whole pm.ledger_risk row); children has one
 * list per child plan of eleven nodes, the key and then the ledger row's
 * columns (kind, key, key2, a..f, n), each an Integer attribute number in
 * that child's rows or a Const -- or of two Integers, the key and a
 * pm.ledger_entry to take apart.
 */
#define LEDGER_MERGE_PRIVATE_FIELDS 0
#define LEDGER_MERGE_PRIVATE_CHILDREN 1

/* The field that is pm.account_ledger_risk's whole row. */
#define LEDGER_MERGE_ROW RISK_NFIELDS

extern bool pm_enable_ledger_merge;
extern CustomScanMethods ledger_merge_scan_methods;

extern void ledger_merge_init(void);

#endif							/* PM_LEDGER_MERGE_H */
