/*-------------------------------------------------------------------------
 *
 * refcache.c
 *	  Session caches of the reference tables, checked at every use.
 *
 * What a cache was read from is recorded as marks: for each of its tables
 * the table's OID and relfilenode, and for each tuple the snapshot showed
 * the loader, its ctid and inserting transaction.  A later caller takes
 * the marks again under its own snapshot -- a heap scan of tables of a few
 * pages, no SPI, no executor -- and reuses the cache only if they are the
 * same.
 *
 * Why equal marks mean equal data: PostgreSQL never changes a user tuple
 * version in place; an UPDATE writes a new version at a new ctid and a
 * DELETE hides the old one, so every change visible to a snapshot --
 * committed by others, or made by this transaction, down to the command
 * -- shows up as a ctid or xmin that is new or gone.  A ctid is reused
 * only after VACUUM removed a version dead to every snapshot, and the
 * reusing version has another xmin.  The raw xmin is kept by freezing.
 * A table rewrite gets a new relfilenode.  Everything else about a table
 * that changes what its rows mean to a reader -- its columns, policies,
 * privileges -- changes its relcache entry, and a relcache invalidation of
 * one of the tables drops the caches.
 *
 * Reads keep the caller's rights: a table with row-level security, or that
 * the current user may not SELECT, is never cached -- the loader runs for
 * the query, through SPI, as if there were no cache, so the same rows and
 * the same errors come out.
 *
 * SET portfolio_margin.reference_cache = off reads the tables for every
 * query; results are identical either way.
 *
 * Lifetime: a query gets the cache pinned until its memory context goes
 * (reset or deleted, also on error).  A cache that stops being current
 * while pinned is freed when the last query using it ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "as_of.h"
#include "compat.h"
#include "refcache.h"

#define REFCACHE_MAX_TABLES 4

/* The tables of each kind, in schema pm. */
static const char *const kind_tables[REFCACHE_NKINDS][REFCACHE_MAX_TABLES + 1] = {
	[REFCACHE_REFDATA] = {"asset", "symbol", "collateral", "loan_mmr", NULL},
	[REFCACHE_LADDER] = {"status_threshold", NULL},
};

/*
 * Marks are uint32 triples: per table (relid, relfilenode, tuples), then
 * per tuple (block, offset, raw xmin).
 */
typedef struct Marks
{
	uint32	   *v;
	int			n;				/* uint32s used */
	int			cap;
} Marks;

typedef struct RefCacheEntry
{
	MemoryContext cxt;			/* holds this entry, its marks and payload */
	RefCacheKind kind;
	Marks		marks;
	uint64		invalidations;	/* invalidation_count when read */
	int			pins;			/* queries using it */
	void	   *payload;
} RefCacheEntry;

static bool refcache_enabled = true;
static RefCacheEntry *current[REFCACHE_NKINDS];
static uint64 invalidation_count = 0;
static bool callback_registered = false;

/* OIDs of every table we have read, for the invalidation callback. */
#define MAX_WATCHED 16
static Oid	watched[MAX_WATCHED];
static int	nwatched = 0;

/* Register portfolio_margin.reference_cache (called from _PG_init). */
void
refcache_define_guc(void)
{
	DefineCustomBoolVariable("portfolio_margin.reference_cache",
							 "Keeps the reference tables read for the session while they do not change.",
							 "Off reads them for every query; results are identical either way.",
							 &refcache_enabled,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* A relcache invalidation of one of our tables (or of all) retires the caches. */
static void
refcache_relcache_callback(Datum arg, Oid relid)
{
	int			i;

	if (!OidIsValid(relid))
	{
		invalidation_count++;
		return;
	}
	for (i = 0; i < nwatched; i++)
		if (watched[i] == relid)
		{
			invalidation_count++;
			return;
		}
}

/*
 * Have the invalidation callback watch table relid; past MAX_WATCHED tables
 * no reference cache is trusted again.
 */
static void
watch(Oid relid)
{
	int			i;

	for (i = 0; i < nwatched; i++)
		if (watched[i] == relid)
			return;
	if (nwatched < MAX_WATCHED)
		watched[nwatched++] = relid;
	else
		invalidation_count++;	/* cannot watch it: never trust a cache again */
}

/* Append one triple to the marks. */
static void
marks_push(Marks *m, uint32 a, uint32 b, uint32 c)
{
	if (m->n + 3 > m->cap)
	{
		m->cap = Max(m->cap * 2, 96);
		m->v = m->v ? repalloc(m->v, sizeof(uint32) * m->cap) : palloc(sizeof(uint32) * m->cap);
	}
	m->v[m->n++] = a;
	m->v[m->n++] = b;
	m->v[m->n++] = c;
}

/*
 * Take the marks of kind's tables under the active snapshot, in
 * CurrentMemoryContext.  False when the tables must not be cached (row-level
 * security, no SELECT right, not a heap, no snapshot, a table missing); the
 * caller then reads them as a query would.
 */
static bool
take_marks(RefCacheKind kind, Marks *m)
{
	Oid			nsp = get_namespace_oid("pm", true);
	Snapshot	snapshot;
	int			t;

	if (!OidIsValid(nsp) || !ActiveSnapshotSet())
		return false;
	snapshot = GetActiveSnapshot();
	for (t = 0; kind_tables[kind][t] != NULL; t++)
	{
		Oid			relid = get_relname_relid(kind_tables[kind][t], nsp);
		Relation	rel;
		TableScanDesc scan;
		HeapTuple	tuple;
		int			header;

		if (!OidIsValid(relid) ||
			pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			return false;
		rel = table_open(relid, AccessShareLock);
		watch(relid);
		if (rel->rd_rel->relrowsecurity || rel->rd_rel->relam != HEAP_TABLE_AM_OID)
		{
			table_close(rel, AccessShareLock);
			return false;
		}
		header = m->n;
		marks_push(m, relid, PM_REL_FILENUMBER(rel), 0);
		scan = table_beginscan(rel, snapshot, 0, NULL);
		while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			CHECK_FOR_INTERRUPTS();
			marks_push(m, ItemPointerGetBlockNumber(&tuple->t_self),
					   ItemPointerGetOffsetNumber(&tuple->t_self),
					   HeapTupleHeaderGetRawXmin(tuple->t_data));
			m->v[header + 2]++;
		}
		table_endscan(scan);
		/* keep the lock to the end of the transaction, as a query would */
		table_close(rel, NoLock);
	}
	return true;
}

/* A query is done with entry: free it if it is no longer current. */
static void
refcache_unpin(void *arg)
{
	RefCacheEntry *entry = (RefCacheEntry *) arg;

	Assert(entry->pins > 0);
	if (--entry->pins == 0 && current[entry->kind] != entry)
		MemoryContextDelete(entry->cxt);
}

/* Replace kind's current cache; the old one goes when no query uses it. */
static void
retire_current(RefCacheKind kind)
{
	RefCacheEntry *old = current[kind];

	current[kind] = NULL;
	if (old != NULL && old->pins == 0)
		MemoryContextDelete(old->cxt);
}

/*
 * What load() reads for kind, as of the active snapshot: the session's
 * cache when the tables still hold what it was read from, else a fresh read
 * that becomes the session's cache.  Valid while query_cxt lives.  When the
 * tables cannot be cached, load() reads them into query_cxt, as a query
 * without a cache would.
 */
void *
refcache_get(RefCacheKind kind, MemoryContext query_cxt, RefCacheLoader load)
{
	MemoryContext old;
	MemoryContext cxt;
	Marks		marks = {NULL, 0, 0};
	RefCacheEntry *entry;
	MemoryContextCallback *pin;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(refcache_relcache_callback, (Datum) 0);
		callback_registered = true;
	}

	if (!refcache_enabled || as_of_active() || !take_marks(kind, &marks))
		return load(query_cxt);

	entry = current[kind];
	if (entry == NULL || entry->invalidations != invalidation_count ||
		entry->marks.n != marks.n ||
		memcmp(entry->marks.v, marks.v, sizeof(uint32) * marks.n) != 0)
	{
		uint64		invalidations = invalidation_count;

		/*
		 * Read into a context of the query, so an error frees it; once read,
		 * it moves to the session.
		 */
		cxt = AllocSetContextCreate(CurrentMemoryContext, "pm reference cache",
									ALLOCSET_SMALL_SIZES);
		old = MemoryContextSwitchTo(cxt);
		entry = palloc0(sizeof(RefCacheEntry));
		entry->cxt = cxt;
		entry->kind = kind;
		entry->marks.v = palloc(sizeof(uint32) * Max(marks.n, 1));
		memcpy(entry->marks.v, marks.v, sizeof(uint32) * marks.n);
		entry->marks.n = entry->marks.cap = marks.n;
		entry->invalidations = invalidations;
		MemoryContextSwitchTo(old);
		entry->payload = load(cxt);
		MemoryContextSetParent(cxt, TopMemoryContext);
		retire_current(kind);
		current[kind] = entry;
	}
	if (marks.v != NULL)
		pfree(marks.v);

	pin = MemoryContextAlloc(query_cxt, sizeof(MemoryContextCallback));
	pin->func = refcache_unpin;
	pin->arg = entry;
	entry->pins++;
	MemoryContextRegisterResetCallback(query_cxt, pin);
	return entry->payload;
}
