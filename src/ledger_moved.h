/*-------------------------------------------------------------------------
 *
 * ledger_moved.h
 *	  Revaluing only what a move of prices touches (ledger_moved.c): the
 *	  stress grid and the whole book's liquidation prices value each move
 *	  from the account's figures without it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_LEDGER_MOVED_H
#define PM_LEDGER_MOVED_H

#include "ledger_accum.h"

typedef struct MovedBase MovedBase;

extern MovedBase *moved_base_build(const LedgerAccum *st, RefData *ref, MemoryContext mcxt);
extern void moved_terms(MovedBase *b, LedgerAccum *scn, PmVal *without, PmVal *under,
						AssetInfo **values_asset, PmVal *values1, PmVal *values2,
						int *nvalues);
extern bool moved_figures(const PmVal *base, const PmVal *without, const PmVal *under,
						  bool with_uni, PmVal *figures);

#endif							/* PM_LEDGER_MOVED_H */
