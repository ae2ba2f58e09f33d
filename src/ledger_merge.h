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
 * The plan's custom_private: list_make2(columns, fields), both integer
 * lists.  columns[0] is the group key's attribute number in the children's
 * rows, columns[1..10] the ledger row's (kind, key, key2, a..f, n); fields
 * gives the RiskField of each column of custom_scan_tlist after the key.
 */
#define LEDGER_MERGE_PRIVATE_COLUMNS 0
#define LEDGER_MERGE_PRIVATE_FIELDS 1

extern bool pm_enable_ledger_merge;
extern CustomScanMethods ledger_merge_scan_methods;

extern void ledger_merge_init(void);

#endif							/* PM_LEDGER_MERGE_H */
