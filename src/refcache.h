/*-------------------------------------------------------------------------
 *
 * refcache.h
 *	  Session caches of the reference tables, checked at every use.
 *
 * A query that values accounts needs the reference tables (prices,
 * brackets, collateral schedules, loan rates, the status ladder) read and
 * decoded once.  Reading them costs a few SPI queries -- on a trigger that
 * recomputes one account, more than the account itself.  refcache_get()
 * keeps what a loader read for the session and hands it out again as long
 * as the tables hold, under the caller's snapshot, exactly the tuple
 * versions it was read from.  See refcache.c for why that is exact.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_REFCACHE_H
#define PM_REFCACHE_H

/* What a cache is built from; each kind names its tables in refcache.c. */
typedef enum RefCacheKind
{
	REFCACHE_REFDATA,			/* pm.asset, pm.symbol, pm.collateral, pm.loan_mmr */
	REFCACHE_LADDER,			/* pm.status_threshold */
	REFCACHE_NKINDS
} RefCacheKind;

/* Reads the tables into mcxt and returns what it built. */
typedef void *(*RefCacheLoader) (MemoryContext mcxt);

extern void refcache_define_guc(void);
extern void *refcache_get(RefCacheKind kind, MemoryContext query_cxt, RefCacheLoader load);

#endif							/* PM_REFCACHE_H */
