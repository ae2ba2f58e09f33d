/*-------------------------------------------------------------------------
 *
 * ledger_totals.h
 *	  An account's ledger reduced to what a mark-price tick needs, as
 *	  pm.account_state keeps it: a tick revalues the account from it without
 *	  reading the account's rows again, and without rewriting it.
 *
 * The totals hold, per asset, the exact sums of every line that no mark
 * price moves -- balances, loans, open orders, as completion makes them
 * lines for the account's program and leverage -- and the account's
 * positions as they are (symbol, quantity, entry price, leverage).  The
 * account's values are derived from them at the current marks, brackets
 * and index prices, by the same line functions and the same additions as a
 * from-scratch pass, so both give the same values with the same display
 * scale.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_LEDGER_TOTALS_H
#define PM_LEDGER_TOTALS_H

#include "lib/stringinfo.h"

#include "refdata.h"
#include "margin_accum.h"
#include "number.h"

/* A position as the totals keep it. */
typedef struct KeptPosition
{
	char	   *symbol;			/* NUL-terminated, owned by the list */
	int			len;
	PmVal		qty;
	PmVal		entry;
	int32		leverage;
} KeptPosition;

typedef struct KeptPositions
{
	int			n;
	int			cap;
	KeptPosition *items;
} KeptPositions;

extern void kept_position_check(const char *symbol, PmVal qty, PmVal entry, int32 leverage);
extern void kept_positions_add(MemoryContext mcxt, KeptPositions *kp, const char *symbol,
							   int len, PmVal qty, PmVal entry, int32 leverage);
extern void kept_positions_combine(MemoryContext mcxt, KeptPositions *dst,
								 const KeptPositions *src);
extern void kept_positions_send(StringInfo buf, const KeptPositions *kp);
extern bytea *ledger_totals_encode(bool is_pm, MarginAccum *base, const KeptPositions *kp);

#endif							/* PM_LEDGER_TOTALS_H */
