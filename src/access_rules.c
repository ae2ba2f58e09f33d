/*-------------------------------------------------------------------------
 *
 * access_rules.c
 *	  pm.account_visible(account_id): which accounts the current role may
 *	  see, by the rules of pm.account_access.
 *
 * Who may see which accounts is data, not DDL: rows of the configuration
 * table pm.account_access (grantee regrole, accounts int8range), which
 * pg_dump carries like every other row of the extension.  Policies on an
 * extension's tables are not dumped, so the extension's own policies --
 * one per table that holds accounts' rows -- call this function, and
 * administrators write rules, not policies.
 *
 * A role is restricted when it has the privileges of a grantee of some
 * rule (it is that role, or a member that inherits it); it then sees the
 * union of the accounts those rules grant.  A role no rule names sees every
 * account, as before rules existed.  Superusers and roles with BYPASSRLS
 * are never restricted (PostgreSQL skips the policies for them anyway).
 *
 * The rules are read with a heap scan of their table under the active
 * snapshot -- no SPI, no rights needed: a desk need not read the rules to
 * be bound by them -- into a per-backend cache of sorted, merged ranges,
 * which is read again when the current user or the top transaction
 * changes, and when pm.account_access or a role membership changes
 * (invalidation callbacks: the statement trigger pm.account_access_changed
 * sends a relcache invalidation of the table, which reaches this backend
 * at its next query, when the function first runs in it, or at once for
 * its own changes).  So a query sees the rules as its transaction does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rangetypes.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "compat.h"

PG_FUNCTION_INFO_V1(pm_account_visible);
PG_FUNCTION_INFO_V1(pm_account_access_changed);

/* Accounts lo to hi, both included. */
typedef struct AccessRange
{
	int64		lo;
	int64		hi;
} AccessRange;

/* The current user's rules, as read; in TopMemoryContext. */
typedef struct AccessCache
{
	bool		valid;			/* false: read again at the next call */
	Oid			user;			/* read for this role ... */
	LocalTransactionId lxid;	/* ... in this transaction */
	bool		restricted;		/* some rule names a role whose rights it has */
	int			nranges;		/* sorted, disjoint, not adjacent */
	AccessRange *ranges;
} AccessCache;

static AccessCache access_cache = {false, InvalidOid, InvalidLocalTransactionId, false, 0, NULL};
static Oid	access_relid = InvalidOid;
static bool callbacks_registered = false;

/* A relcache invalidation of pm.account_access (or of everything). */
static void
access_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == access_relid)
	{
		access_cache.valid = false;
		access_relid = InvalidOid;	/* looked up again: it may be gone */
	}
}

/* A change of role membership or of a role. */
static void
access_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	access_cache.valid = false;
}

/*
 * Ask once per backend for the invalidations that make the cache stale: of
 * pm.account_access, of role memberships and of roles.
 */
static void
register_callbacks(void)
{
	if (callbacks_registered)
		return;
	CacheRegisterRelcacheCallback(access_relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, access_syscache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, access_syscache_callback, (Datum) 0);
	callbacks_registered = true;
}

/* qsort order of ranges: by lo, then by hi. */
static int
range_cmp(const void *a, const void *b)
{
	const AccessRange *x = a;
	const AccessRange *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/*
 * One rule's accounts as an inclusive range; false when it grants none
 * (an empty range still restricts its grantee).
 */
static bool
rule_range(TypeCacheEntry *typcache, Datum value, AccessRange *out)
{
	RangeType  *r = DatumGetRangeTypeP(value);
	RangeBound	lower,
				upper;
	bool		empty;

	range_deserialize(typcache, r, &lower, &upper, &empty);
	if (empty)
		return false;
	out->lo = lower.infinite ? PG_INT64_MIN : DatumGetInt64(lower.val);
	out->hi = upper.infinite ? PG_INT64_MAX : DatumGetInt64(upper.val);
	/* int8range is canonical: [lo, hi) */
	if (!lower.infinite && !lower.inclusive)
	{
		if (out->lo == PG_INT64_MAX)
			return false;
		out->lo++;
	}
	if (!upper.infinite && !upper.inclusive)
	{
		if (out->hi == PG_INT64_MIN)
			return false;
		out->hi--;
	}
	return out->lo <= out->hi;
}

/* Read the current user's rules into the cache. */
static void
access_load(Oid user)
{
	Oid			nsp;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;
	TupleDesc	desc;
	TypeCacheEntry *typcache = lookup_type_cache(INT8RANGEOID, TYPECACHE_RANGE_INFO);
	Snapshot	snapshot;
	bool		pushed = false;
	int			n = 0,
				cap = 8;
	AccessRange *ranges = MemoryContextAlloc(TopMemoryContext, sizeof(AccessRange) * cap);
	bool		restricted = false;

	if (!OidIsValid(access_relid))
	{
		nsp = get_namespace_oid("pm", false);
		access_relid = get_relname_relid("account_access", nsp);
		if (!OidIsValid(access_relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("pm.account_access does not exist"),
					 errhint("Update the extension: ALTER EXTENSION portfolio_margin UPDATE.")));
	}
	/* an account's visibility is never decided by an older snapshot than the query's */
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}
	snapshot = GetActiveSnapshot();
	rel = table_open(access_relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	if (desc->natts < 2 || TupleDescAttr(desc, 0)->atttypid != REGROLEOID ||
		TupleDescAttr(desc, 1)->atttypid != INT8RANGEOID)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pm.account_access does not have the columns grantee regrole, accounts int8range")));
	/* PostgreSQL skips the policies for these roles; so does a direct call */
	if (!superuser_arg(user) && !has_bypassrls_privilege(user))
	{
		scan = table_beginscan(rel, snapshot, 0, NULL);
		while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			bool		isnull;
			Datum		grantee = heap_getattr(tuple, 1, desc, &isnull);
			Datum		accounts;

			CHECK_FOR_INTERRUPTS();
			if (isnull || !has_privs_of_role(user, DatumGetObjectId(grantee)))
				continue;
			restricted = true;
			accounts = heap_getattr(tuple, 2, desc, &isnull);
			if (isnull)
				continue;
			if (n == cap)
			{
				cap *= 2;
				ranges = repalloc(ranges, sizeof(AccessRange) * cap);
			}
			if (rule_range(typcache, accounts, &ranges[n]))
				n++;
		}
		table_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	if (pushed)
		PopActiveSnapshot();

	/* sorted, overlapping and adjacent ranges merged */
	if (n > 1)
	{
		int			k = 0;

		qsort(ranges, n, sizeof(AccessRange), range_cmp);
		for (int i = 1; i < n; i++)
		{
			if (ranges[k].hi == PG_INT64_MAX || ranges[i].lo <= ranges[k].hi + 1)
				ranges[k].hi = Max(ranges[k].hi, ranges[i].hi);
			else
				ranges[++k] = ranges[i];
		}
		n = k + 1;
	}
	if (access_cache.ranges)
		pfree(access_cache.ranges);
	access_cache.ranges = ranges;
	access_cache.nranges = n;
	access_cache.restricted = restricted;
	access_cache.user = user;
	access_cache.lxid = PM_MY_LXID;
	access_cache.valid = true;
}

/* Whether the ranges hold id (binary search). */
static bool
ranges_hold(const AccessRange *r, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (id < r[mid].lo)
			hi = mid - 1;
		else if (id > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * pm.account_visible(account_id int8) -> bool: whether the current role
 * may see the account.  Called per row by the extension's policies.  The
 * first call of a query takes the invalidations other sessions committed,
 * so a rule changed since the last query is read again.
 */
Datum
pm_account_visible(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	Oid			user = GetUserId();

	if (fcinfo->flinfo->fn_extra == NULL)
	{
		register_callbacks();
		AcceptInvalidationMessages();
		/* any non-NULL mark: this call site has taken them */
		fcinfo->flinfo->fn_extra = &access_cache;
	}
	if (!access_cache.valid || access_cache.user != user || access_cache.lxid != PM_MY_LXID)
		access_load(user);
	if (!access_cache.restricted)
		PG_RETURN_BOOL(true);
	PG_RETURN_BOOL(ranges_hold(access_cache.ranges, access_cache.nranges, id));
}

/*
 * Statement trigger on pm.account_access: every backend reads the rules
 * again (a relcache invalidation of the table, sent at commit, and at once
 * to this backend).
 */
Datum
pm_account_access_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pm.account_access_changed() must fire as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
