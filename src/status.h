/*-------------------------------------------------------------------------
 *
 * status.h
 *	  An account's status from its uniMMR, by the program's ladder of
 *	  pm.status_threshold (status.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_STATUS_H
#define PM_STATUS_H

#include "number.h"

extern const char *pm_status_of(void **slot, MemoryContext mcxt, const char *program,
								const PmVal *uni_mmr, PmVal adjusted_equity);

#endif							/* PM_STATUS_H */
