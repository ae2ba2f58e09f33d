/*-------------------------------------------------------------------------
 *
 * ledger_scenario.c
 *	  A scenario in the ledger accumulator: rows of kind 's' move one asset
 *	  (key = the asset, or '*' for every asset not listed; a = a relative
 *	  price shock above -1; key2 = a collateral schedule replacing the
 *	  asset's, or NULL), for pm.stress and its friends.
 *
 * A scenario multiplies the asset's index price, and the mark of every
 * symbol based on it, by 1 + shock; everything downstream (PnL, brackets,
 * collateral tiers, open loss) is evaluated at the moved prices, not
 * linearised.  Scenario rows must come before position rows (positions are
 * valued as they arrive): pm.stress orders them so, which also keeps such
 * aggregates serial -- an accumulator holding a scenario refuses to be
 * combined or serialized, so no plan can mix moved and unmoved prices.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"
#include "excerpt.h"
#include "ledger_accum.h"

/* The scenario's move of asset a, or NULL when it does not move. */
static LedgerShock *
shock_for(LedgerAccum *ls, AssetInfo *a)
{
	int			i;

	for (i = 0; i < ls->nshock; i++)
		if (ledger_same_asset(ls->shock[i].asset, a))
			return &ls->shock[i];
	return ls->has_default ? &ls->default_shock : NULL;
}

/*
 * Whether the scenario moves asset a: its price (and the marks based on
 * it) or its schedule.
 */
bool
ledger_moves(LedgerAccum *ls, AssetInfo *a)
{
	return ls->has_scenario && shock_for(ls, a) != NULL;
}

/* Asset a's index price under the scenario (NULL when it has none). */
static Numeric
ledger_price(LedgerAccum *ls, AssetInfo *a)
{
	LedgerShock *sh;
	Numeric		p;
	MemoryContext old;
	int			i;

	if (!ls->has_scenario || a->price == NULL)
		return a->price;
	for (i = 0; i < ls->nmoved; i++)
		if (ledger_same_asset(ls->moved_asset[i], a))
			return ls->moved_price[i];
	sh = shock_for(ls, a);
	if (sh == NULL)
		return a->price;
	old = MemoryContextSwitchTo(ls->ms->mcxt);
	p = pm_numeric_copy_plain(pmv_to_numeric(pmv_mul(pmv_numeric(a->price), sh->factor)));
	if (ls->nmoved == ls->capmoved)
	{
		ls->capmoved = ls->capmoved ? ls->capmoved * 2 : 8;
		ls->moved_asset = ls->moved_asset
			? repalloc(ls->moved_asset, sizeof(AssetInfo *) * ls->capmoved)
			: palloc(sizeof(AssetInfo *) * ls->capmoved);
		ls->moved_price = ls->moved_price
			? repalloc(ls->moved_price, sizeof(Numeric) * ls->capmoved)
			: palloc(sizeof(Numeric) * ls->capmoved);
	}
	ls->moved_asset[ls->nmoved] = a;
	ls->moved_price[ls->nmoved++] = p;
	MemoryContextSwitchTo(old);
	return p;
}

/*
 * Asset a as the margin accumulator takes it, at its price under the
 * scenario.
 */
MarginAssetRef
ledger_asset_ref(LedgerAccum *ls, AssetInfo *a)
{
	MarginAssetRef ref;

	ref.name = a->name;
	ref.len = a->len;
	ref.hash = a->hash;
	ref.price = ledger_price(ls, a);
	if (ref.price == a->price)
		ref.price_val = a->price_val;
	else
		ref.price_val = ref.price ? pmv_numeric(ref.price) : pmv_zero();
	ref.owner = a;
	return ref;
}

/* Under a scenario: symbol s's mark moved with its base asset (ledger_mark). */
PmVal
ledger_mark_shocked(LedgerAccum *ls, SymbolInfo *s)
{
	LedgerShock *sh = shock_for(ls, s->base);

	return sh ? pmv_mul(s->mark, sh->factor) : s->mark;
}

/* Asset a's collateral schedule in the account's program, or the scenario's. */
PmTiers *
ledger_collateral_shocked(LedgerAccum *ls, AssetInfo *a)
{
	LedgerShock *sh = shock_for(ls, a);

	if (sh != NULL && sh->collateral != NULL)
		return sh->collateral;
	return asset_collateral(a, ls->is_pm);
}

/* A row of kind 's': one move of the scenario. */
void
ledger_add_shock(LedgerAccum *ls, RefData *cache, FunctionCallInfo fcinfo)
{
	text	   *key = PG_GETARG_TEXT_PP(2);
	int			len = VARSIZE_ANY_EXHDR(key);
	bool		is_default = len == 1 && VARDATA_ANY(key)[0] == '*';
	AssetInfo  *a = is_default ? NULL : refdata_asset(cache, VARDATA_ANY(key), len);
	PmVal		shock = ledger_arg_value(fcinfo, 4);
	LedgerShock sh;
	MemoryContext old;

	if (ls->priced)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a scenario row of pm.account_ledger came after a position row"),
				 errdetail("Positions are valued as they arrive, so the scenario must be known first."),
				 errhint("Aggregate with ORDER BY so that rows of kind s come first, as pm.stress does.")));
	if (!shock.is_dec)
		pm_check_finite(shock.n, "price_shock");
	if (pmv_cmp(shock, pmv_int(-1)) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("price_shock of %s must be above -1", pm_text_excerpt(key)),
				 errdetail("The shock given is %s; a price cannot fall to zero or below.",
						   pm_numeric_excerpt(pmv_to_numeric(shock)))));
	ls->has_scenario = true;
	/* a move of an asset nobody prices changes nothing */
	if (!is_default && a == NULL)
		return;
	if (is_default ? ls->has_default
		: shock_for(ls, a) != NULL && shock_for(ls, a)->asset != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("a scenario moves %s twice", pm_text_excerpt(key))));

	old = MemoryContextSwitchTo(ls->ms->mcxt);
	sh.asset = a;
	sh.factor = pmv_add(pmv_int(1), shock);
	if (!sh.factor.is_dec)
		sh.factor.n = pm_numeric_copy_plain(sh.factor.n);
	sh.collateral = NULL;
	if (!PG_ARGISNULL(3))
	{
		sh.collateral = pm_tiers_from_cstring(text_to_cstring(PG_GETARG_TEXT_PP(3)));
		pm_check_collateral_schedule(sh.collateral);
	}
	if (is_default)
	{
		ls->default_shock = sh;
		ls->has_default = true;
	}
	else
	{
		if (ls->nshock == ls->capshock)
		{
			ls->capshock = ls->capshock ? ls->capshock * 2 : 8;
			ls->shock = ls->shock
				? repalloc(ls->shock, sizeof(LedgerShock) * ls->capshock)
				: palloc(sizeof(LedgerShock) * ls->capshock);
		}
		ls->shock[ls->nshock++] = sh;
	}
	MemoryContextSwitchTo(old);
}

/* Scenarios are valued in one pass only (see the header comment). */
void
ledger_check_unshared(LedgerAccum *ls)
{
	if (ls != NULL && ls->has_scenario)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pm.account_ledger with scenario rows cannot run in partial aggregation"),
				 errhint("Aggregate with ORDER BY so that rows of kind s come first, as pm.stress does.")));
}
