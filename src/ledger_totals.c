/*-------------------------------------------------------------------------
 *
 * ledger_totals.c
 *	  The ledger totals pm.account_state keeps (see ledger_totals.h): their
 *	  bytes, and the summary they give at the current reference data.
 *
 *	  pm.ledger_totals_summary(totals bytea) -> pm.margin_summary
 *	  pm.ledger_totals_values(totals bytea) -> (uni_mmr, account_equity,
 *												adjusted_equity, maint_margin)
 *
 * The bytes are the "ledger totals" form of src/core/wire.h (version 1),
 * written with the value codec's writers (wire_pg.c) and read, every byte
 * checked, by the pure-C reader (src/core/wire.c) that the unit tests and
 * the fuzzer cover.  Equal totals have equal bytes (assets in name order,
 * positions in the order of their bytes, every number in its shortest
 * form), so a from-scratch recompute rewrites the stored totals only when
 * they were wrong.
 *
 * Prices, schedules and symbols are not stored: the summary is built at the
 * reference tables' current rows, as a from-scratch pass builds it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "excerpt.h"
#include "ledger_totals.h"
#include "line_math.h"
#include "margin_summary.h"
#include "number.h"
#include "wire_pg.h"

PG_FUNCTION_INFO_V1(pm_ledger_totals_summary);
PG_FUNCTION_INFO_V1(pm_ledger_totals_values);
PG_FUNCTION_INFO_V1(pm_ledger_totals_with_positions);

#define TOTALS_TYPE "ledger totals"
#define TOTALS_LEVERAGE_MAX PM_WIRE_LEVERAGE_MAX
#define TOTALS_NAME_MAX PM_WIRE_NAME_MAX

/* One asset's sums as the bytes hold them. */
typedef struct TotalsAsset
{
	char	   *name;
	int			len;
	PmSum		acc[4];			/* equity, maintenance, initial, open loss */
} TotalsAsset;

/* A position's bytes within totals, or as they would be written. */
typedef struct EncodedPosition
{
	char	   *data;
	int			len;
} EncodedPosition;

typedef struct LedgerTotals
{
	bool		is_pm;
	int			nassets;
	int			capassets;
	TotalsAsset *assets;
	KeptPositions positions;
	int			positions_at;	/* offset of the position count in the data */
	EncodedPosition *encoded;	/* each position's bytes, in the data */
} LedgerTotals;

/* A position to keep, checked as pm.position's constraints check it. */
void
kept_position_check(const char *symbol, PmVal qty, PmVal entry, int32 leverage)
{
	if (!qty.is_dec)
		pm_check_finite(qty.n, "qty");
	if (!entry.is_dec)
		pm_check_finite(entry.n, "entry_price");
	if (pmv_sign(entry) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entry_price of a %s position must be positive", pm_excerpt(symbol, strlen(symbol)))));
	if (leverage < 1 || leverage > TOTALS_LEVERAGE_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leverage of a %s position must be between 1 and %d", pm_excerpt(symbol, strlen(symbol)), TOTALS_LEVERAGE_MAX),
				 errdetail("The value given is %d.", leverage)));
}

/* Append a position, copied into mcxt, to kp. */
void
kept_positions_add(MemoryContext mcxt, KeptPositions *kp, const char *symbol, int len,
				   PmVal qty, PmVal entry, int32 leverage)
{
	KeptPosition *p;

	if (kp->n == kp->cap)
	{
		kp->cap = kp->cap ? kp->cap * 2 : 4;
		kp->items = kp->items
			? repalloc(kp->items, sizeof(KeptPosition) * kp->cap)
			: MemoryContextAlloc(mcxt, sizeof(KeptPosition) * kp->cap);
	}
	p = &kp->items[kp->n++];
	p->symbol = MemoryContextAlloc(mcxt, len + 1);
	memcpy(p->symbol, symbol, len);
	p->symbol[len] = '\0';
	p->len = len;
	p->qty = pmv_copy_in(mcxt, qty);
	p->entry = pmv_copy_in(mcxt, entry);
	p->leverage = leverage;
}

/* dst += src's positions. */
void
kept_positions_combine(MemoryContext mcxt, KeptPositions *dst, const KeptPositions *src)
{
	for (int i = 0; i < src->n; i++)
	{
		const KeptPosition *p = &src->items[i];

		CHECK_FOR_INTERRUPTS();
		kept_positions_add(mcxt, dst, p->symbol, p->len, p->qty, p->entry, p->leverage);
	}
}

/* A position in its bytes: symbol, quantity, entry price, leverage. */
static void
send_position(StringInfo buf, const KeptPosition *p)
{
	if (p->leverage < 1 || p->leverage > TOTALS_LEVERAGE_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("position leverage %d is out of range", p->leverage),
				 errdetail("Leverage runs from 1 to %d.", TOTALS_LEVERAGE_MAX)));
	pm_wire_send_short_name(buf, p->symbol, p->len, "pm.account_state ledger totals");
	pm_wire_send_value(buf, p->qty);
	pm_wire_send_value(buf, p->entry);
	pq_sendbyte(buf, p->leverage);
}

/* Positions for a partial aggregate's accumulator: a count, then each. */
void
kept_positions_send(StringInfo buf, const KeptPositions *kp)
{
	pq_sendint32(buf, kp->n);
	for (int i = 0; i < kp->n; i++)
		send_position(buf, &kp->items[i]);
}

/*
 * qsort order of encoded positions: by their bytes, a prefix first.  The
 * ledger totals keep positions in this order, so equal totals are equal bytes.
 */
static int
encoded_cmp(const void *x, const void *y)
{
	const EncodedPosition *a = x;
	const EncodedPosition *b = y;
	int			c = memcmp(a->data, b->data, Min(a->len, b->len));

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/*
 * The ledger totals of a completed ledger accumulator: base holds every
 * line but the positions' (balances, loans, orders); positions are kept as
 * they are.  Written in a canonical order, whatever order the rows came in.
 */
bytea *
ledger_totals_encode(bool is_pm, MarginAccum *base, const KeptPositions *kp)
{
	MarginAsset **sorted = margin_accum_sorted(base);
	EncodedPosition *enc = palloc(sizeof(EncodedPosition) * Max(kp->n, 1));
	StringInfoData buf;
	int			i;

	if (base->nassets > PM_WIRE_TOTALS_ASSETS_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("an account has too many assets for pm.account_state ledger totals")));
	for (i = 0; i < kp->n; i++)
	{
		StringInfoData one;

		initStringInfo(&one);
		send_position(&one, &kp->items[i]);
		enc[i].data = one.data;
		enc[i].len = one.len;
	}
	qsort(enc, kp->n, sizeof(EncodedPosition), encoded_cmp);

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, PM_WIRE_TOTALS_VERSION);
	pq_sendbyte(&buf, is_pm ? PM_WIRE_PM : PM_WIRE_PM_PRO);
	pq_sendint16(&buf, base->nassets);
	for (i = 0; i < base->nassets; i++)
	{
		MarginAsset *a = sorted[i];

		pm_wire_send_short_name(&buf, a->name, a->name_len, "pm.account_state ledger totals");
		pm_wire_send_sum(&buf, &a->equity);
		pm_wire_send_sum(&buf, &a->maint_margin);
		pm_wire_send_sum(&buf, &a->initial_margin);
		pm_wire_send_sum(&buf, &a->open_loss);
	}
	pq_sendint32(&buf, kp->n);
	for (i = 0; i < kp->n; i++)
		pq_sendbytes(&buf, enc[i].data, enc[i].len);
	return pq_endtypsend(&buf);
}

/* The program flag of the ledger totals. */
static int
on_program(void *ctx, int flag, int32_t leverage)
{
	((LedgerTotals *) ctx)->is_pm = flag == PM_WIRE_PM;
	return 0;
}

/* One asset's sums, as the bytes hold them. */
static int
on_asset(void *ctx, int32_t index, const char *name, size_t len, const pm_wire_value *sums)
{
	LedgerTotals *t = ctx;
	TotalsAsset *a;

	CHECK_FOR_INTERRUPTS();
	if (t->nassets == t->capassets)
	{
		t->capassets = t->capassets ? t->capassets * 2 : 8;
		t->assets = t->assets ? repalloc(t->assets, sizeof(TotalsAsset) * t->capassets)
			: palloc(sizeof(TotalsAsset) * t->capassets);
	}
	a = &t->assets[t->nassets++];
	a->name = pnstrdup(name, len);
	a->len = (int) len;
	for (int k = 0; k < PM_WIRE_ASSET_SUMS; k++)
	{
		memset(&a->acc[k], 0, sizeof(PmSum));
		if (sums[k].tag != PM_WIRE_VALUE_NONE)
		{
			PmVal		v = pm_wire_value_get(&sums[k]);

			pm_sum_add_val(CurrentMemoryContext, &a->acc[k], &v);
		}
	}
	return 0;
}

/*
 * The position count: where it is in the bytes (the positions are rewritten
 * from there) and room for each position's bytes.
 */
static int
on_positions(void *ctx, int32_t count, size_t offset)
{
	LedgerTotals *t = ctx;

	t->positions_at = (int) offset;
	t->encoded = palloc(sizeof(EncodedPosition) * Max(count, 1));
	return 0;
}

/* One position, kept, and where its bytes are within the ledger totals. */
static int
on_position(void *ctx, int32_t index, const pm_wire_position *p)
{
	LedgerTotals *t = ctx;

	CHECK_FOR_INTERRUPTS();
	kept_positions_add(CurrentMemoryContext, &t->positions, p->symbol, (int) p->symbol_len,
					   pm_wire_value_get(&p->qty), pm_wire_value_get(&p->entry), p->leverage);
	t->encoded[index].data = (char *) p->bytes;
	t->encoded[index].len = (int) p->len;
	return 0;
}

/* Read totals: every byte and the canonical order checked by the reader. */
static void
decode(bytea *b, LedgerTotals *t)
{
	pm_wire_ledger_visitor v = {NULL, on_program, on_asset, NULL, NULL, on_positions, on_position, t};
	pm_wire_error err;
	size_t		len = VARSIZE_ANY_EXHDR(b);

	memset(t, 0, sizeof(LedgerTotals));
	if (pm_wire_read_totals((const uint8_t *) VARDATA_ANY(b), len, &v, &err) != PM_WIRE_OK)
		pm_wire_raise_as(&err, "invalid pm.account_state ledger totals",
						 "pm.refresh_account_state() rewrites every account's totals from its rows.",
						 TOTALS_TYPE, NULL);
}

/*
 * Asset a as the margin accumulator takes it: in place, at its current
 * index price.
 */
static MarginAssetRef
asset_ref(AssetInfo *a)
{
	MarginAssetRef ref;

	ref.name = a->name;
	ref.len = a->len;
	ref.hash = a->hash;
	ref.price = a->price;
	ref.price_val = a->price ? a->price_val : pmv_zero();
	ref.owner = a;
	return ref;
}

/*
 * The account's margin accumulator from its ledger totals at the current
 * prices, schedules, marks and brackets: the positions valued by the
 * ledger's line functions, the other sums added as they are.
 */
static MarginAccum *
totals_accum(RefData *cache, bytea *bytes, bool need_im)
{
	LedgerTotals t;
	MarginAccum *ms;
	PmVal		zero = pmv_zero();
	int			i;

	decode(bytes, &t);
	ms = margin_accum_create(CurrentMemoryContext);
	for (i = 0; i < t.positions.n; i++)
	{
		KeptPosition *p = &t.positions.items[i];
		SymbolInfo *s = refdata_symbol(cache, p->symbol, p->len);
		MarginAssetRef settle;
		PmVal		pnl,
					mm,
					im;

		CHECK_FOR_INTERRUPTS();
		if (s == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("symbol %s is not in pm.symbol", pm_excerpt(p->symbol, p->len))));
		settle = asset_ref(s->settle);
		if (need_im)
		{
			position_line(s, s->mark, p->qty, p->entry, p->leverage, &pnl, &mm, &im);
			margin_add_line_ref(ms, &settle, &pnl, &mm, &im, &zero);
			continue;
		}
		/*
		 * Values without initial margin: the line's margin is needed only to
		 * tell whether the line is all zeros, which margin_add_line skips.
		 */
		position_values(s, s->mark, p->qty, p->entry, &pnl, &mm);
		if (pmv_sign(pnl) == 0 && pmv_sign(mm) == 0)
		{
			position_line(s, s->mark, p->qty, p->entry, p->leverage, &pnl, &mm, &im);
			margin_add_line_ref(ms, &settle, &pnl, &mm, &im, &zero);
		}
		else
			margin_add_line_ref(ms, &settle, &pnl, &mm, NULL, &zero);
	}
	for (i = 0; i < t.nassets; i++)
	{
		TotalsAsset *ta = &t.assets[i];
		AssetInfo  *a = refdata_asset(cache, ta->name, ta->len);
		MarginAsset *m;

		CHECK_FOR_INTERRUPTS();
		if (a == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("asset %s is not in pm.asset", pm_excerpt(ta->name, ta->len))));
		if (a->price == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("missing index price for asset %s", pm_excerpt(a->name, a->len)),
					 errhint("Every asset an account holds, owes or settles in needs an index price.")));
		margin_check_price(a->name, a->len, a->price);
		m = margin_accum_asset(ms, a->name, a->len, a->price, NULL);
		for (int k = 0; k < 4; k++)
			pm_sum_combine(ms->mcxt, k == 0 ? &m->equity : k == 1 ? &m->maint_margin :
						 k == 2 ? &m->initial_margin : &m->open_loss, &ta->acc[k]);
	}
	for (i = 0; i < ms->nassets; i++)
	{
		AssetInfo  *a = refdata_asset(cache, ms->assets[i].name, ms->assets[i].name_len);

		ms->assets[i].collateral = a ? asset_collateral(a, t.is_pm) : NULL;
	}
	return ms;
}

/*
 * pm.ledger_totals_summary(totals): the account's summary -- what
 * pm.account_margin gives for the rows the totals were made from.
 */
Datum
pm_ledger_totals_summary(PG_FUNCTION_ARGS)
{
	RefData *cache = refdata_get(fcinfo->flinfo);

	PG_RETURN_POINTER(margin_summary_build(totals_accum(cache, PG_GETARG_BYTEA_PP(0), true)));
}

/* What pm.ledger_totals_values keeps per call site (fn_extra). */
typedef struct ValuesCache
{
	void	   *refdata;		/* the RefData, by refdata_get_in */
	TupleDesc	desc;			/* the result's row type, blessed */
} ValuesCache;

/*
 * pm.ledger_totals_values(totals) -> (uni_mmr, account_equity,
 * adjusted_equity, maint_margin): what pm.account_state stores, computed as
 * the summary computes it but without laying one out.
 */
Datum
pm_ledger_totals_values(PG_FUNCTION_ARGS)
{
	ValuesCache *vc = (ValuesCache *) fcinfo->flinfo->fn_extra;
	MarginAccum *ms;
	PmVal		figures[PM_FIGURE_COUNT];
	bool		has_uni;
	Datum		values[4];
	bool		nulls[4];

	if (vc == NULL)
	{
		TupleDesc	desc;
		MemoryContext old;

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("pm.ledger_totals_values must return a record")));
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		vc = palloc0(sizeof(ValuesCache));
		vc->desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = vc;
	}
	ms = totals_accum(refdata_get_in(&vc->refdata, fcinfo->flinfo->fn_mcxt),
					  PG_GETARG_BYTEA_PP(0), false);
	has_uni = margin_accum_figures(ms, figures, false, NULL);
	nulls[0] = !has_uni;
	nulls[1] = nulls[2] = nulls[3] = false;
	values[0] = has_uni ? NumericGetDatum(pmv_to_numeric(figures[PM_FIGURE_UNI_MMR])) : (Datum) 0;
	values[1] = NumericGetDatum(pmv_to_numeric(figures[PM_FIGURE_ACCOUNT_EQUITY]));
	values[2] = NumericGetDatum(pmv_to_numeric(figures[PM_FIGURE_ADJUSTED_EQUITY]));
	values[3] = NumericGetDatum(pmv_to_numeric(figures[PM_FIGURE_MAINT_MARGIN]));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(vc->desc, values, nulls)));
}

/* Where pm.position's columns are in its row type (fn_extra). */
typedef struct PositionRowType
{
	Oid			typid;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	AttrNumber	account_id;
	AttrNumber	symbol;
	AttrNumber	qty;
	AttrNumber	entry;
	AttrNumber	leverage;
} PositionRowType;

/* The column of a position row type called name, of type want. */
static AttrNumber
position_column(TupleDesc desc, const char *name, Oid want)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0 && att->atttypid == want)
			return att->attnum;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("positions must be rows with a column %s of type %s", name, format_type_be(want)),
			 errhint("Pass arrays of pm.position.")));
	return InvalidAttrNumber;	/* keep compiler quiet */
}

/*
 * Where a position row type's columns are, looked up once per call site
 * and looked up again only when the row type changes (fn_extra).
 */
static PositionRowType *
position_row_type(FunctionCallInfo fcinfo, Oid typid)
{
	PositionRowType *rt = (PositionRowType *) fcinfo->flinfo->fn_extra;
	TupleDesc	desc;

	if (rt != NULL && rt->typid == typid)
		return rt;
	if (rt == NULL)
		rt = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PositionRowType));
	desc = lookup_rowtype_tupdesc(typid, -1);
	rt->account_id = position_column(desc, "account_id", INT8OID);
	rt->symbol = position_column(desc, "symbol", TEXTOID);
	rt->qty = position_column(desc, "qty", NUMERICOID);
	rt->entry = position_column(desc, "entry_price", NUMERICOID);
	rt->leverage = position_column(desc, "leverage", INT4OID);
	ReleaseTupleDesc(desc);
	get_typlenbyvalalign(typid, &rt->typlen, &rt->typbyval, &rt->typalign);
	rt->typid = typid;
	fcinfo->flinfo->fn_extra = rt;
	return rt;
}

/*
 * The positions of account's rows in an array of pm.position rows, as
 * totals keep them (a NULL row or column: false).
 */
static bool
positions_of(FunctionCallInfo fcinfo, int argno, int64 account, KeptPositions *kp)
{
	ArrayType  *arr;
	PositionRowType *rt;
	TupleDesc	desc;
	Datum	   *rows;
	bool	   *row_nulls;
	int			n,
				i;

	memset(kp, 0, sizeof(KeptPositions));
	if (PG_ARGISNULL(argno))
		return true;
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("positions must be a one-dimensional array")));
	if (!type_is_rowtype(ARR_ELEMTYPE(arr)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("positions must be an array of rows"),
				 errhint("Pass arrays of pm.position.")));
	rt = position_row_type(fcinfo, ARR_ELEMTYPE(arr));
	deconstruct_array(arr, rt->typid, rt->typlen, rt->typbyval, rt->typalign, &rows, &row_nulls, &n);
	desc = lookup_rowtype_tupdesc(rt->typid, -1);
	for (i = 0; i < n; i++)
	{
		HeapTupleHeader th;
		HeapTupleData tuple;
		Datum		id,
					symbol,
					qty,
					entry,
					leverage;
		bool		isnull[5];
		text	   *name;

		CHECK_FOR_INTERRUPTS();
		if (row_nulls[i])
			break;
		th = DatumGetHeapTupleHeader(rows[i]);
		tuple.t_len = HeapTupleHeaderGetDatumLength(th);
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuple.t_data = th;
		id = heap_getattr(&tuple, rt->account_id, desc, &isnull[4]);
		if (!isnull[4] && DatumGetInt64(id) != account)
			continue;
		symbol = heap_getattr(&tuple, rt->symbol, desc, &isnull[0]);
		qty = heap_getattr(&tuple, rt->qty, desc, &isnull[1]);
		entry = heap_getattr(&tuple, rt->entry, desc, &isnull[2]);
		leverage = heap_getattr(&tuple, rt->leverage, desc, &isnull[3]);
		if (isnull[0] || isnull[1] || isnull[2] || isnull[3] || isnull[4])
			break;
		name = DatumGetTextPP(symbol);
		if (VARSIZE_ANY_EXHDR(name) < 1 || VARSIZE_ANY_EXHDR(name) > TOTALS_NAME_MAX)
			break;
		kept_positions_add(CurrentMemoryContext, kp, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name),
						   pmv_numeric(DatumGetNumeric(qty)), pmv_numeric(DatumGetNumeric(entry)),
						   DatumGetInt32(leverage));
	}
	ReleaseTupleDesc(desc);
	return i == n;				/* stopped early: a NULL or a bad row */
}

/* A position's bytes, as the ledger totals would hold them. */
static EncodedPosition
encode_position(const KeptPosition *p)
{
	StringInfoData one;
	EncodedPosition e;

	initStringInfo(&one);
	send_position(&one, p);
	e.data = one.data;
	e.len = one.len;
	return e;
}

/*
 * pm.ledger_totals_with_positions(totals, account_id, removed pm.position[],
 * added pm.position[]): the account's totals after its rows among removed
 * were deleted from pm.position and its rows among added inserted (rows of
 * other accounts are passed over) -- the bytes a from-scratch recompute would
 * write then, since totals keep positions as they are and nothing else in
 * them depends on positions.  A position change so costs no read of the
 * account's rows.  NULL when a removed row is not in the totals (they are
 * behind the rows: the caller recomputes from scratch).  An added row is
 * checked as pm.ledger_totals checks it.
 */
Datum
pm_ledger_totals_with_positions(PG_FUNCTION_ARGS)
{
	bytea	   *in;
	LedgerTotals t;
	KeptPositions removed,
				added;
	EncodedPosition *out;
	bool	   *gone;
	int			n = 0;
	StringInfoData buf;
	int64		account;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	in = PG_GETARG_BYTEA_PP(0);
	account = PG_GETARG_INT64(1);
	decode(in, &t);
	if (!positions_of(fcinfo, 2, account, &removed) || !positions_of(fcinfo, 3, account, &added))
		PG_RETURN_NULL();

	gone = palloc0(sizeof(bool) * Max(t.positions.n, 1));
	for (int i = 0; i < removed.n; i++)
	{
		KeptPosition *p = &removed.items[i];
		EncodedPosition e;
		int			j;

		if (p->leverage < 1 || p->leverage > TOTALS_LEVERAGE_MAX)
			PG_RETURN_NULL();
		e = encode_position(p);
		for (j = 0; j < t.positions.n; j++)
			if (!gone[j] && encoded_cmp(&e, &t.encoded[j]) == 0)
				break;
		if (j == t.positions.n)
			PG_RETURN_NULL();
		gone[j] = true;
	}

	out = palloc(sizeof(EncodedPosition) * Max(t.positions.n - removed.n + added.n, 1));
	for (int j = 0; j < t.positions.n; j++)
		if (!gone[j])
			out[n++] = t.encoded[j];
	for (int i = 0; i < added.n; i++)
	{
		KeptPosition *p = &added.items[i];

		kept_position_check(p->symbol, p->qty, p->entry, p->leverage);
		out[n++] = encode_position(p);
	}
	qsort(out, n, sizeof(EncodedPosition), encoded_cmp);

	/* the header and the assets as they were, then the positions */
	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(in), t.positions_at);
	pq_sendint32(&buf, n);
	for (int j = 0; j < n; j++)
		pq_sendbytes(&buf, out[j].data, out[j].len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
