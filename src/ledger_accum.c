/*-------------------------------------------------------------------------
 *
 * ledger_accum.c
 *	  The ledger accumulator (ledger_accum.h): making one, its lists of
 *	  balances and orders, the account row, and the error an account keeps.
 *
 * One account that cannot be valued must not stop a read of the others.
 * An error of the data -- a data exception, an integrity or cardinality
 * violation: a missing price, an asset or symbol that is not there, a
 * value out of range -- belongs to the account: it is kept in the
 * accumulator (the first one), the account's fields are NULL and its error
 * field says why, and the next account is valued.  Anything else (a
 * cancel, no memory, a broken accumulator) is thrown on.  Only computation
 * runs under the PG_TRYs that catch them -- reading values, the query's
 * reference data, arithmetic and palloc; no lock, buffer, SPI or file --
 * so nothing needs the cleanup a subtransaction would give, and the memory
 * the failed step allocated goes with the accumulator's context.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/memutils.h"

#include "compat.h"
#include "excerpt.h"
#include "ledger_accum.h"

/* pm.account_ledger's functions called outside an aggregate (ledger_context). */
void
ledger_not_aggregate(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("pm.account_ledger called in non-aggregate context")));
}

/* A new, empty ledger accumulator in mcxt, with its margin accumulator. */
LedgerAccum *
ledger_accum_create(MemoryContext mcxt)
{
	LedgerAccum *ls = MemoryContextAllocZero(mcxt, sizeof(LedgerAccum));

	ls->ms = margin_accum_create(mcxt);
	return ls;
}

/*
 * A ledger accumulator for one account outside an aggregate (the ledger
 * merge node, ledger_merge_exec.c): made in mcxt, which the caller resets
 * per account, reading the query's reference data through cache.
 */
LedgerAccum *
ledger_accum_begin(MemoryContext mcxt, RefData *cache)
{
	LedgerAccum *ls = ledger_accum_create(mcxt);

	ls->cache = cache;
	return ls;
}

/*
 * Whether an error of this SQLSTATE is the account's, kept in its
 * accumulator, rather than thrown on (see the top of this file): a data
 * exception, an integrity or a cardinality violation.
 */
bool
ledger_is_account_error(int code)
{
	int			category = ERRCODE_TO_CATEGORY(code);

	return category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
		category == ERRCODE_CARDINALITY_VIOLATION;
}

/* s copied into mcxt, or NULL. */
static char *
copy_or_null(MemoryContext mcxt, const char *s)
{
	return s ? MemoryContextStrdup(mcxt, s) : NULL;
}

/* Keep this error as the account's, unless it has one already. */
void
ledger_set_error(LedgerAccum *ls, int code, const char *message, const char *detail, const char *hint)
{
	MemoryContext mcxt = ls->ms->mcxt;
	LedgerError *e;

	if (ls->error != NULL)
		return;
	e = MemoryContextAlloc(mcxt, sizeof(LedgerError));
	e->code = code;
	e->message = copy_or_null(mcxt, message);
	e->detail = copy_or_null(mcxt, detail);
	e->hint = copy_or_null(mcxt, hint);
	ls->error = e;
}

/*
 * In a PG_CATCH: keep the error being thrown as the account's, or throw it
 * on.  cxt is the memory context the PG_TRY began in.
 */
void
ledger_catch_error(LedgerAccum *ls, MemoryContext cxt)
{
	ErrorData  *ed;

	MemoryContextSwitchTo(cxt);
	ed = CopyErrorData();
	if (!ledger_is_account_error(ed->sqlerrcode))
	{
		FreeErrorData(ed);
		PG_RE_THROW();
	}
	FlushErrorState();
	ledger_set_error(ls, ed->sqlerrcode, ed->message, ed->detail, ed->hint);
	FreeErrorData(ed);
}

/* Throw the account's error again (for pm.ledger_totals, which has no field for it). */
void
ledger_rethrow_error(const LedgerError *e)
{
	ereport(ERROR,
			(errcode(e->code),
			 errmsg_internal("%s", e->message),
			 e->detail ? errdetail_internal("%s", e->detail) : 0,
			 e->hint ? errhint("%s", e->hint) : 0));
}

/*
 * The balance array full: grow it, and give the next free slot (see
 * ledger_balance_slot, ledger_accum.h).
 */
LedgerBalance *
ledger_balance_grow(LedgerAccum *ls)
{
	ls->capbal = ls->capbal ? ls->capbal * 2 : 8;
	ls->bal = ls->bal
		? repalloc(ls->bal, sizeof(LedgerBalance) * ls->capbal)
		: MemoryContextAlloc(ls->ms->mcxt, sizeof(LedgerBalance) * ls->capbal);
	return &ls->bal[ls->nbal];
}

/* Append a balance to the list waiting for completion (ledger_complete.c). */
void
ledger_add_balance(LedgerAccum *ls, LedgerBalance b)
{
	*ledger_balance_slot(ls) = b;
	ls->nbal++;
}

/* Append an open order to the list that waits for completion. */
void
ledger_add_order(LedgerAccum *ls, LedgerOrder o)
{
	if (ls->nord == ls->capord)
	{
		ls->capord = ls->capord ? ls->capord * 2 : 4;
		ls->ord = ls->ord
			? repalloc(ls->ord, sizeof(LedgerOrder) * ls->capord)
			: MemoryContextAlloc(ls->ms->mcxt, sizeof(LedgerOrder) * ls->capord);
	}
	ls->ord[ls->nord++] = o;
}

/*
 * The account row: the program (PM or PM_PRO) and loan leverage that
 * completing the accumulator needs.  An account has one.
 */
void
ledger_set_account(LedgerAccum *ls, const char *program, int len, int32 leverage)
{
	if (ls->has_account)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("an account ledger has two account rows")));
	/* pm.account's CHECK, for the rows of one's own tables */
	if (!(len == 2 && memcmp(program, "PM", 2) == 0) &&
		!(len == 6 && memcmp(program, "PM_PRO", 6) == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("program %s is not PM or PM_PRO", pm_excerpt(program, len))));
	ls->has_account = true;
	ls->is_pm = len == 2;		/* "PM": the other is "PM_PRO" */
	ls->leverage = leverage;
}

/*
 * Whether two AssetInfos are one asset.  By name: the transition and final
 * functions each have their own reference data, so pointers may differ.
 */
bool
ledger_same_asset(const AssetInfo *a, const AssetInfo *b)
{
	return a == b || (a->hash == b->hash && a->len == b->len &&
					  memcmp(a->name, b->name, a->len) == 0);
}

/*
 * The assets the account meets: a balance's (held or owed), an order's two
 * (traded), a position's symbol's base (when it has one) and settle
 * assets -- what a move must touch to change any of its values.  Found
 * once per account, into *n of them; NULL when a position's symbol is
 * missing from the reference data (then the accumulator makes that the
 * account's error, and callers value every move).  For the stress grid and
 * the whole book's liquidation prices.
 */
AssetInfo **
ledger_assets_met(RefData *ref, const LedgerAccum *st, int *n)
{
	AssetInfo **met = palloc(sizeof(AssetInfo *) * (st->nbal + 2 * (st->nord + st->positions.n) + 1));
	int			i;

	*n = 0;
	for (i = 0; i < st->nbal; i++)
		met[(*n)++] = st->bal[i].asset;
	for (i = 0; i < st->nord; i++)
	{
		met[(*n)++] = st->ord[i].sell;
		met[(*n)++] = st->ord[i].buy;
	}
	for (i = 0; i < st->positions.n; i++)
	{
		const KeptPosition *p = &st->positions.items[i];
		SymbolInfo *si = refdata_symbol(ref, p->symbol, p->len);

		if (si == NULL)
			return NULL;
		if (si->base != NULL)
			met[(*n)++] = si->base;
		met[(*n)++] = si->settle;
	}
	return met;
}

/* Whether asset a (NULL: none) is one of met[0..n) (ledger_assets_met). */
bool
ledger_meets(AssetInfo *const *met, int n, const AssetInfo *a)
{
	if (a == NULL)
		return false;
	for (int i = 0; i < n; i++)
		if (ledger_same_asset(met[i], a))
			return true;
	return false;
}
