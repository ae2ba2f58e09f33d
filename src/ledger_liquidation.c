/*-------------------------------------------------------------------------
 *
 * ledger_liquidation.c
 *	  pm.liquidation_price_of: an account's liquidation prices for one asset
 *	  from its ledger as the ledger aggregates keep it (pm.ledger_partial),
 *	  for the whole book at once (pm.liquidation_prices, pm.liquidation_ladder).
 *
 * The algorithm is pm.liquidation_price_at_or_now's, step for step, so the
 * digits are the same: let the asset's index price, and the marks based on
 * it, be multiplied by m.  Then g(m) = adjusted equity - L * maintenance
 * margin (L the program's liquidation threshold) is piecewise linear in m;
 * its kinks are where an asset's USD value crosses 0 or a collateral tier
 * floor, where a position on the asset crosses a bracket floor, where an
 * open order (PM) crosses a tier of the asset's schedule, and where an
 * order's two sides are worth the same.  From m = 1 the walk goes down,
 * then up, through the kinks to the first change of side, and the crossing
 * on that linear piece is exact up to pm.div's 20 significant digits.
 *
 * What differs is only where the work happens: the account's rows are read
 * once, by the aggregate; the account is valued once in full at m = 1 (as
 * pm.account_risk values it), and each other g(m) revalues only the terms
 * x touches -- x's own, those of the assets positions on x settle in, the
 * open loss of orders on x -- from those figures (ledger_moved.c), instead
 * of a query per point.  An asset's USD value, whose zeros and tier floors
 * are kinks, is read from the same terms at m = 1 and m = 2.  An account
 * that cannot be valued gets its error in the error column instead of
 * raising it, so one bad account does not stop a read of the book.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"

#include "compat.h"
#include "excerpt.h"
#include "ledger_accum.h"
#include "ledger_moved.h"
#include "line_math.h"
#include "margin_summary.h"
#include "refdata.h"
#include "risk_fields.h"

PG_FUNCTION_INFO_V1(pm_liquidation_price_of);

/* The result's columns. */
enum
{
	LIQ_PROGRAM,
	LIQ_UNI_MMR,
	LIQ_ACCOUNT_EQUITY,
	LIQ_MAINT_MARGIN,
	LIQ_BELOW,
	LIQ_ABOVE,
	LIQ_ERROR,
	LIQ_NCOLUMNS
};

/* What a call site keeps for the query (fn_extra). */
typedef struct LiqCache
{
	void	   *refdata;		/* the query's reference data */
	RiskFieldsCache *rc;		/* texts and the status ladder */
	TupleDesc	desc;			/* the result row */
	MemoryContext account;		/* one account's memory, reset for each */
	MemoryContext valuation;	/* one valuation's memory, reset for each */
	FmgrInfo	row_flinfo;		/* the shock row is read by argument number only */
	FunctionCallInfo row;		/* ('s', asset, NULL, m - 1) */
	text	   *asset;			/* the asset of the last call, as given */
	AssetInfo  *x;				/* ... in the reference data */
	Numeric		p0;				/* its index price */
	bool		have_thresholds;
	Numeric		threshold[2];	/* PM_PRO, PM: pm.liquidation_threshold, or NULL */
	Numeric		one,
				two,
				three;
} LiqCache;

/* One account's walk: the kept ledger, and what every valuation needs. */
typedef struct LiqAccount
{
	LiqCache   *lc;
	RefData    *ref;
	const LedgerAccum *st;
	Numeric		threshold;		/* NULL: the program has none */
	MovedBase  *moved;			/* its lines, for revaluing what x touches */
	PmVal		base[PM_FIGURE_COUNT];	/* its figures at m = 1 (a full pass) */
} LiqAccount;

/* g at one point: the gap (NULL when the account cannot be valued there) and the side. */
typedef struct LiqPoint
{
	Numeric		m;
	Numeric		gap;
	int			side;			/* -1 in liquidation, 1 not */
} LiqPoint;

/* A growing list of multipliers. */
typedef struct MList
{
	int			n,
				cap;
	Numeric    *m;
} MList;

static void
mlist_add(MList *l, Numeric m)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? 2 * l->cap : 16;
		l->m = l->m ? repalloc(l->m, sizeof(Numeric) * l->cap) : palloc(sizeof(Numeric) * l->cap);
	}
	l->m[l->n++] = m;
}

static int
mcompare(const void *a, const void *b)
{
	return pm_cmp(*(const Numeric *) a, *(const Numeric *) b);
}

/* Sorted, equal values once, only m > 0 (array_agg(DISTINCT ...) WHERE m > 0). */
static void
mlist_normalize(MList *l)
{
	int			i,
				k = 0;

	if (l->n > 1)
		qsort(l->m, l->n, sizeof(Numeric), mcompare);
	for (i = 0; i < l->n; i++)
	{
		if (pm_sign(l->m[i]) <= 0)
			continue;
		if (k > 0 && pm_cmp(l->m[k - 1], l->m[i]) == 0)
			continue;
		l->m[k++] = l->m[i];
	}
	l->n = k;
}

/* The greater of two values (greatest()). */
static Numeric
nmax(Numeric a, Numeric b)
{
	return pm_cmp(a, b) >= 0 ? a : b;
}

/* The lesser of two values (least()). */
static Numeric
nmin(Numeric a, Numeric b)
{
	return pm_cmp(a, b) <= 0 ? a : b;
}

/* A numeric datum copied into the current memory context. */
static Numeric
ncopy(Numeric a)
{
	return DatumGetNumeric(datumCopy(NumericGetDatum(a), false, -1));
}

/* The programs' liquidation thresholds, read once per query. */
static void
read_thresholds(LiqCache *lc, MemoryContext mcxt)
{
	const char *query = "SELECT pm.liquidation_threshold('PM_PRO'), pm.liquidation_threshold('PM')";
	MemoryContext old;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(query, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "reading the liquidation thresholds failed");
	old = MemoryContextSwitchTo(mcxt);
	for (int i = 0; i < 2; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);

		lc->threshold[i] = isnull ? NULL : ncopy(DatumGetNumeric(d));
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	lc->have_thresholds = true;
}

/* The call site's cache, made at the first call. */
static LiqCache *
liq_cache(FunctionCallInfo fcinfo)
{
	LiqCache   *lc = (LiqCache *) fcinfo->flinfo->fn_extra;
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	MemoryContext old;
	TupleDesc	desc;

	if (lc != NULL)
		return lc;
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pm.liquidation_price_of must return a row");
	lc = MemoryContextAllocZero(mcxt, sizeof(LiqCache));
	lc->rc = risk_fields_cache_new(mcxt);
	lc->account = AllocSetContextCreate(mcxt, "pm.liquidation_price_of account",
										ALLOCSET_DEFAULT_SIZES);
	lc->valuation = AllocSetContextCreate(mcxt, "pm.liquidation_price_of valuation",
										  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(mcxt);
	lc->desc = BlessTupleDesc(CreateTupleDescCopy(desc));
	lc->row_flinfo.fn_nargs = LEDGER_NCOLUMNS + 1;
	lc->row_flinfo.fn_mcxt = mcxt;
	lc->row = palloc0(SizeForFunctionCallInfo(LEDGER_NCOLUMNS + 1));
	InitFunctionCallInfoData(*lc->row, &lc->row_flinfo, LEDGER_NCOLUMNS + 1, InvalidOid,
							 NULL, NULL);
	for (int c = 0; c <= LEDGER_NCOLUMNS; c++)
		lc->row->args[c].isnull = true;
	lc->row->args[1].value = CharGetDatum('s');
	lc->row->args[1].isnull = false;
	lc->one = pm_numeric_in("1");
	lc->two = pm_numeric_in("2");
	lc->three = pm_numeric_in("3");
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = lc;
	return lc;
}

/* The asset asked for: resolved, with its index price, when it changes. */
static void
liq_set_asset(LiqCache *lc, RefData *ref, text *asset, MemoryContext mcxt)
{
	MemoryContext old;

	if (lc->asset != NULL &&
		VARSIZE_ANY_EXHDR(lc->asset) == VARSIZE_ANY_EXHDR(asset) &&
		memcmp(VARDATA_ANY(lc->asset), VARDATA_ANY(asset), VARSIZE_ANY_EXHDR(asset)) == 0)
		return;
	lc->x = refdata_asset(ref, VARDATA_ANY(asset), VARSIZE_ANY_EXHDR(asset));
	if (lc->x == NULL || lc->x->price == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("asset %s has no index price in pm.asset", pm_text_excerpt(asset))));
	lc->p0 = lc->x->price;
	if (lc->asset != NULL)
		pfree(lc->asset);
	old = MemoryContextSwitchTo(mcxt);
	lc->asset = (text *) DatumGetPointer(datumCopy(PointerGetDatum(asset), false, -1));
	MemoryContextSwitchTo(old);
}

/* The shock row ('s', x, NULL, m - 1) into ls, as pm.summary_under feeds it. */
static void
feed_shock(LiqAccount *la, LedgerAccum *ls, Numeric m)
{
	LiqCache   *lc = la->lc;

	lc->row->args[2].value = PointerGetDatum(lc->asset);
	lc->row->args[2].isnull = false;
	lc->row->args[4].value = NumericGetDatum(pm_sub(m, lc->one));
	lc->row->args[4].isnull = false;
	ledger_accum_add_row(ls, lc->row);
}

/*
 * The account at m = 1, by a full pass over its kept ledger (as
 * pm.account_risk values it): its gap and side, its figures kept in la for
 * the moves, pm.account_risk's uni_mmr, account_equity and
 * account_maint_margin into fields, and *error why it cannot be valued (or
 * NULL).
 */
static void
point_full(LiqAccount *la, LiqPoint *pt, Datum *fields, bool *nulls, const char **error)
{
	static const RiskField which[3] = {RISK_UNI_MMR, RISK_ACCOUNT_EQUITY, RISK_MAINT_MARGIN};
	LiqCache   *lc = la->lc;
	LedgerAccum *ls;
	MemoryContext old;

	MemoryContextReset(lc->valuation);
	ls = ledger_accum_begin(lc->valuation, la->ref);
	old = MemoryContextSwitchTo(lc->valuation);
	PG_TRY();
	{
		ledger_accum_refeed(ls, la->st);
	}
	PG_CATCH();
	{
		ledger_catch_error(ls, lc->valuation);
	}
	PG_END_TRY();
	for (int i = 0; i < 3; i++)
		fields[i] = ledger_accum_field(ls, lc->rc, which[i], &nulls[i]);
	MemoryContextSwitchTo(lc->account);
	for (int i = 0; i < 3; i++)
		if (!nulls[i])
			fields[i] = datumCopy(fields[i], false, -1);
	pt->m = lc->one;
	pt->gap = NULL;
	pt->side = 1;
	*error = NULL;
	if (ls->error != NULL)
		*error = pstrdup(ls->error->message);
	else
	{
		Numeric		mm = pmv_to_numeric(ls->figures[PM_FIGURE_MAINT_MARGIN]);

		for (int f = 0; f < PM_FIGURE_COUNT; f++)
			la->base[f] = pmv_copy_in(lc->account, ls->figures[f]);
		if (la->threshold != NULL)
			pt->gap = pm_sub(pmv_to_numeric(ls->figures[PM_FIGURE_ADJUSTED_EQUITY]),
							 pm_mul(la->threshold, mm));
		if (pt->gap != NULL && pm_sign(pt->gap) != 0)
			pt->side = pm_sign(pt->gap) < 0 ? -1 : 1;
		else
			pt->side = pm_sign(mm) > 0 ? -1 : 1;
		pt->gap = pt->gap ? ncopy(pt->gap) : NULL;
	}
	MemoryContextSwitchTo(old);
}

/*
 * g(m) and the side of the liquidation threshold the account is on there
 * (pm.liquidation_side): -1 in liquidation (g < 0, or g = 0 with
 * maintenance margin), 1 outside.  The figures at m are those at 1 with the
 * terms x touches valued again (ledger_moved.c); the gap is in the account
 * context.
 */
static void
point_at(LiqAccount *la, Numeric m, LiqPoint *pt)
{
	LiqCache   *lc = la->lc;
	LedgerAccum *scn;
	PmVal		without[PM_FIGURE_COUNT],
				under[PM_FIGURE_COUNT],
				figures[PM_FIGURE_COUNT];
	Numeric		mm;

	MemoryContextReset(lc->valuation);
	MemoryContextSwitchTo(lc->valuation);
	scn = ledger_accum_begin(lc->valuation, la->ref);
	feed_shock(la, scn, m);
	scn->is_pm = la->st->is_pm;
	moved_terms(la->moved, scn, without, under, NULL, NULL, NULL, NULL);
	moved_figures(la->base, without, under, false, figures);
	MemoryContextSwitchTo(lc->account);
	mm = pmv_to_numeric(figures[PM_FIGURE_MAINT_MARGIN]);
	pt->m = m;
	pt->gap = NULL;
	if (la->threshold != NULL)
		pt->gap = ncopy(pm_sub(pmv_to_numeric(figures[PM_FIGURE_ADJUSTED_EQUITY]),
							   pm_mul(la->threshold, mm)));
	if (pt->gap != NULL && pm_sign(pt->gap) != 0)
		pt->side = pm_sign(pt->gap) < 0 ? -1 : 1;
	else
		pt->side = pm_sign(mm) > 0 ? -1 : 1;
}

/*
 * The kinks of the account's collateral: each asset whose value moves with
 * m, V(m) = alpha + beta m, bends where V crosses 0 and each floor of its
 * schedule in the account's program.  Only the assets x touches can move:
 * their values at m = 1 and m = 2 come from the moved terms, computed with
 * the same touched set, so in the same order.
 */
static void
collateral_kinks(LiqAccount *la, MList *kinks)
{
	LiqCache   *lc = la->lc;
	/* at most one touched asset per balance and per position */
	int			n = la->st->nbal + la->st->positions.n + 1;
	AssetInfo **a1 = palloc(sizeof(AssetInfo *) * n);
	PmVal	   *v1 = palloc(sizeof(PmVal) * n),
			   *v2 = palloc(sizeof(PmVal) * n),
				at1[PM_FIGURE_COUNT],
				at2[PM_FIGURE_COUNT];
	int			n1;
	LedgerAccum *scn;
	MemoryContext old = MemoryContextSwitchTo(lc->account);

	scn = ledger_accum_begin(lc->account, la->ref);
	feed_shock(la, scn, lc->two);
	scn->is_pm = la->st->is_pm;
	moved_terms(la->moved, scn, at1, at2, a1, v1, v2, &n1);
	for (int i = 0; i < n1; i++)
	{
		Numeric		x1 = pmv_to_numeric(v1[i]),
					x2 = pmv_to_numeric(v2[i]),
					beta,
					alpha;
		PmTiers    *t;

		if (pm_cmp(x1, x2) == 0)
			continue;
		beta = pm_sub(x2, x1);
		alpha = pm_sub(x1, beta);
		mlist_add(kinks, pm_div(pm_neg(alpha), beta));
		t = asset_collateral(a1[i], la->st->is_pm);
		if (t != NULL)
			for (int k = 0; k < t->ntiers; k++)
				mlist_add(kinks, pm_div(pm_sub(PM_TIERS_FLOOR(t, k), alpha), beta));
	}
	MemoryContextSwitchTo(old);
}

/*
 * The kinks of the positions on symbols based on x: each bends at the
 * floors of its brackets (UM: notional = |qty| * mark * m; CM: notional in
 * the base asset = |qty| * contract size / (mark * m)).
 */
static void
bracket_kinks(LiqAccount *la, MList *kinks)
{
	const KeptPositions *kp = &la->st->positions;

	for (int i = 0; i < kp->n; i++)
	{
		const KeptPosition *p = &kp->items[i];
		SymbolInfo *s = refdata_symbol(la->ref, p->symbol, p->len);
		Numeric		qty,
					mark;

		if (s == NULL || s->base == NULL || !ledger_same_asset(s->base, la->lc->x) ||
			s->brackets == NULL || pmv_sign(p->qty) == 0)
			continue;
		qty = pm_abs(pmv_to_numeric(p->qty));
		mark = pmv_to_numeric(s->mark);
		for (int k = 0; k < s->brackets->ntiers; k++)
		{
			Numeric		floor = PM_TIERS_FLOOR(s->brackets, k);

			if (pm_sign(floor) <= 0)
				continue;
			if (!s->is_cm)
				mlist_add(kinks, pm_div(floor, pm_mul(qty, mark)));
			else
				mlist_add(kinks, pm_div(pm_mul(qty, pmv_to_numeric(s->contract_size)),
										pm_mul(mark, floor)));
		}
	}
}

/*
 * Whether x's price moves any of the account's values (ledger_assets_met).
 * If not, g is the same at every m, and there is no liquidation price on
 * either side (the walk would find none).
 */
static bool
meets(LiqAccount *la)
{
	int			n;
	AssetInfo **met = ledger_assets_met(la->ref, la->st, &n);

	/* a symbol missing is the valuation's error: walk as the function does */
	return met == NULL || ledger_meets(met, n, la->lc->x);
}

/* Whether an order sells or buys x. */
static bool
order_on(const LedgerOrder *o, AssetInfo *x)
{
	return ledger_same_asset(o->sell, x) || ledger_same_asset(o->buy, x);
}

/*
 * The kinks of the PM open orders on x: each bends at the floors of x's PM
 * schedule (the order's quantity of x times its price crossing a floor).
 */
static void
order_tier_kinks(LiqAccount *la, MList *kinks)
{
	AssetInfo  *x = la->lc->x;
	PmTiers    *t = x->collateral_pm;

	if (!la->st->is_pm || t == NULL)
		return;
	for (int i = 0; i < la->st->nord; i++)
	{
		const LedgerOrder *o = &la->st->ord[i];
		Numeric		qty;

		if (!order_on(o, x))
			continue;
		qty = pmv_to_numeric(ledger_same_asset(o->sell, x) ? o->sell_qty : o->buy_qty);
		for (int k = 0; k < t->ntiers; k++)
		{
			Numeric		floor = PM_TIERS_FLOOR(t, k);

			if (pm_sign(floor) > 0)
				mlist_add(kinks, pm_div(floor, pm_mul(qty, la->lc->p0)));
		}
	}
}

/*
 * One side of an order in PM collateral value at multiplier m on x
 * (pm.order_side_gap's terms): qty * price * m, weighed by the asset's PM
 * schedule; 0 without a price or a schedule.
 */
static Numeric
order_side_value(LiqAccount *la, AssetInfo *a, PmVal qty, Numeric m)
{
	Numeric		usd;

	if (a->price == NULL || a->collateral_pm == NULL)
		return pm_const_zero();
	usd = pm_mul(pmv_to_numeric(qty), a->price);
	usd = pm_mul(usd, ledger_same_asset(a, la->lc->x) ? m : la->lc->one);
	return pmv_to_numeric(pm_collateral_of(pmv_numeric(usd), a->collateral_pm));
}

/* pm.order_side_gap: what an order gives up minus what it gets, at m. */
static Numeric
order_gap(LiqAccount *la, const LedgerOrder *o, Numeric m)
{
	return pm_sub(order_side_value(la, o->sell, o->sell_qty, m),
				  order_side_value(la, o->buy, o->buy_qty, m));
}

/*
 * Where a PM order's two sides are worth the same: between consecutive
 * kinks (and past the last) each side is linear, so each zero of the
 * order's gap is found on its piece.
 */
static void
order_zero_kinks(LiqAccount *la, MList *kinks)
{
	MList		pts = {0};
	int			norders = 0;
	int			nkinks = kinks->n;

	if (!la->st->is_pm)
		return;
	for (int i = 0; i < la->st->nord; i++)
		if (order_on(&la->st->ord[i], la->lc->x))
			norders++;
	if (norders == 0)
		return;
	mlist_add(&pts, pm_zero());
	for (int i = 0; i < nkinks; i++)
		mlist_add(&pts, kinks->m[i]);
	mlist_add(&pts, nmax(pm_mul(la->lc->two, pts.m[pts.n - 1]), la->lc->one));
	for (int i = 0; i < la->st->nord; i++)
	{
		const LedgerOrder *o = &la->st->ord[i];

		if (!order_on(o, la->lc->x))
			continue;
		for (int j = 0; j + 1 < pts.n; j++)
		{
			Numeric		m0 = pts.m[j],
						m1 = pts.m[j + 1];
			Numeric		d0 = order_gap(la, o, m0),
						d1 = order_gap(la, o, m1);
			bool		last = j + 2 == pts.n;

			CHECK_FOR_INTERRUPTS();
			if (pm_sign(d0) * pm_sign(d1) < 0 ||
				(last && pm_cmp(d0, d1) != 0 && pm_sign(d0) == pm_sign(pm_sub(d0, d1))))
				mlist_add(kinks, pm_add(m0, pm_div(pm_mul(pm_sub(m1, m0), d0), pm_sub(d0, d1))));
		}
	}
	mlist_normalize(kinks);
}

/*
 * The first crossing from m = 1 in one direction (dir -1: down, 1: up)
 * through the kinks, as a multiplier, or NULL; at1 is g(1).
 */
static Numeric
walk(LiqAccount *la, const MList *kinks, int dir, const LiqPoint *at1)
{
	LiqCache   *lc = la->lc;
	MList		pts = {0};
	LiqPoint	p0 = *at1,
				p1;
	Numeric		root = NULL;

	mlist_add(&pts, lc->one);
	if (dir < 0)
	{
		for (int i = kinks->n - 1; i >= 0; i--)
			if (pm_cmp(kinks->m[i], lc->one) < 0)
				mlist_add(&pts, kinks->m[i]);
		mlist_add(&pts, pm_div(pts.m[pts.n - 1], lc->two));
	}
	else
	{
		for (int i = 0; i < kinks->n; i++)
			if (pm_cmp(kinks->m[i], lc->one) > 0)
				mlist_add(&pts, kinks->m[i]);
		mlist_add(&pts, pm_mul(lc->two, pts.m[pts.n - 1]));
	}
	for (int i = 1; i < pts.n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		point_at(la, pts.m[i], &p1);
		if (p1.side != p0.side)
		{
			/*
			 * The line through two points inside the piece is the true one
			 * (a kink computed to 20 digits can land a hair past the true
			 * one, where g has already turned).
			 */
			Numeric		third = pm_div(pm_sub(p1.m, p0.m), lc->three);
			LiqPoint	pa,
						pb;

			point_at(la, pm_add(p0.m, third), &pa);
			point_at(la, pm_sub(p1.m, third), &pb);
			if (pa.gap != NULL && pb.gap != NULL && pm_cmp(pa.gap, pb.gap) == 0)
				root = pa.side == p0.side ? p1.m : p0.m;
			else
			{
				/* greatest(least(root, hi), lo); a NULL root is ignored there */
				Numeric		hi = nmax(p0.m, p1.m),
							lo = nmin(p0.m, p1.m);

				if (pa.gap == NULL || pb.gap == NULL)
					root = hi;
				else
				{
					root = pm_add(pa.m, pm_div(pm_mul(pm_sub(pb.m, pa.m), pa.gap),
											   pm_sub(pa.gap, pb.gap)));
					root = nmax(nmin(root, hi), lo);
				}
			}
			break;
		}
		if (i == pts.n - 1 && p1.gap != NULL && p0.gap != NULL && pm_cmp(p1.gap, p0.gap) != 0)
		{
			/* past the last kink g stays linear: extend the line */
			root = pm_add(p1.m, pm_div(pm_mul(pm_sub(p1.m, p0.m), p1.gap),
									   pm_sub(p0.gap, p1.gap)));
			if (pm_sign(root) <= 0 ||
				(dir < 0 && pm_cmp(root, p1.m) >= 0) ||
				(dir > 0 && pm_cmp(root, p1.m) <= 0))
				root = NULL;
		}
		p0 = p1;
	}
	return root;
}

/*
 * pm.liquidation_price_of(ledger bytea, asset text): the account's
 * program, uni_mmr, account_equity and account_maint_margin as
 * pm.account_risk gives them, and the nearest prices of asset below and
 * above the current one at which it enters or leaves liquidation, as
 * pm.liquidation_price gives them; an account that cannot be valued has
 * its program and error only.  ledger is pm.ledger_partial's result.
 */
Datum
pm_liquidation_price_of(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	text	   *asset = PG_GETARG_TEXT_PP(1);
	LiqCache   *lc = liq_cache(fcinfo);
	MemoryContext result_cxt = CurrentMemoryContext;
	MemoryContext old;
	RefData    *ref;
	LiqAccount	la;
	LedgerAccum *st;
	Datum		values[LIQ_NCOLUMNS];
	bool		nulls[LIQ_NCOLUMNS];
	const char *error = NULL;
	HeapTuple	tuple;

	memset(nulls, true, sizeof(nulls));
	ref = refdata_get_in(&lc->refdata, fcinfo->flinfo->fn_mcxt);
	liq_set_asset(lc, ref, asset, fcinfo->flinfo->fn_mcxt);
	if (!lc->have_thresholds)
		read_thresholds(lc, fcinfo->flinfo->fn_mcxt);

	MemoryContextReset(lc->account);
	old = MemoryContextSwitchTo(lc->account);
	st = ledger_accum_decode(bytes, ref, lc->account, true);
	la.lc = lc;
	la.ref = ref;
	la.st = st;
	la.threshold = lc->threshold[st->is_pm ? 1 : 0];
	if (st->has_account)
	{
		values[LIQ_PROGRAM] = CStringGetTextDatum(st->is_pm ? "PM" : "PM_PRO");
		nulls[LIQ_PROGRAM] = false;
	}
	la.moved = NULL;
	if (st->error != NULL)
		error = st->error->message;
	else
	{
		LiqPoint	at1;

		point_full(&la, &at1, &values[LIQ_UNI_MMR], &nulls[LIQ_UNI_MMR], &error);
		/* x moves nothing of an account that does not meet it: no price */
		if (error == NULL && meets(&la))
		{
			MList		kinks = {0};

			la.moved = moved_base_build(st, ref, lc->account);
			collateral_kinks(&la, &kinks);
			bracket_kinks(&la, &kinks);
			order_tier_kinks(&la, &kinks);
			mlist_normalize(&kinks);
			order_zero_kinks(&la, &kinks);
			for (int dir = -1; dir <= 1; dir += 2)
			{
				Numeric		root = walk(&la, &kinks, dir, &at1);
				int			col = dir < 0 ? LIQ_BELOW : LIQ_ABOVE;

				if (root != NULL)
				{
					values[col] = NumericGetDatum(pm_trim_scale(pm_mul(lc->p0, root)));
					nulls[col] = false;
				}
			}
		}
	}
	if (error != NULL)
	{
		values[LIQ_ERROR] = CStringGetTextDatum(error);
		nulls[LIQ_ERROR] = false;
	}
	MemoryContextSwitchTo(result_cxt);
	tuple = heap_form_tuple(lc->desc, values, nulls);
	MemoryContextSwitchTo(old);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
