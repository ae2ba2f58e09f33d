/*-------------------------------------------------------------------------
 *
 * margin_summary.c
 *	  pm.margin_summary: building it from an accumulator, its text and binary
 *	  forms, its accessors and pm.assets().
 *
 * Text form: a JSON array of the accumulated assets, in name order --
 *
 *	  [{"asset": "BTC", "index_price": 40000, "collateral": "0:0.95",
 *		"equity": 0.11, "maint_margin": 0.00525, "initial_margin": 0,
 *		"open_loss": 0}]
 *
 * -- which reads back to an identical value.  Derived values are not part
 * of either form; they are recomputed when a value is read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "compat.h"
#include "excerpt.h"
#include "json_keys.h"
#include "margin_summary.h"
#include "number.h"
#include "line_math.h"

PG_FUNCTION_INFO_V1(pm_margin_summary_in);
PG_FUNCTION_INFO_V1(pm_margin_summary_out);
PG_FUNCTION_INFO_V1(pm_margin_summary_recv);
PG_FUNCTION_INFO_V1(pm_margin_summary_send);
PG_FUNCTION_INFO_V1(pm_summary_uni_mmr);
PG_FUNCTION_INFO_V1(pm_summary_account_equity);
PG_FUNCTION_INFO_V1(pm_summary_actual_equity);
PG_FUNCTION_INFO_V1(pm_summary_adjusted_equity);
PG_FUNCTION_INFO_V1(pm_summary_maint_margin);
PG_FUNCTION_INFO_V1(pm_summary_initial_margin);
PG_FUNCTION_INFO_V1(pm_summary_open_loss);
PG_FUNCTION_INFO_V1(pm_summary_assets);

/* Values derived for one asset while building. */
typedef struct DerivedAsset
{
	MarginAsset *a;
	PmVal		v[PM_FIELD_COUNT];	/* the numeric fields, by PmSummaryField */
} DerivedAsset;

/* An accumulated sum as a value (0 when nothing was added). */
static PmVal
acc_val(const PmSum *acc)
{
	if (!acc->is_set)
		return pmv_zero();
	if (acc->is_numeric)
		return pmv_numeric(acc->num);
	return pmv_dec(acc->dec);
}

/*
 * Stored values: int32 scale and the 16-byte coefficient of a fast-path
 * number, or int32 -1 and a numeric (4-byte header).
 */
#define PM_STORED_DEC_SIZE (sizeof(int32) + sizeof(pm_i128))

/* The bytes stored_put writes for v. */
static inline Size
stored_size(const PmVal *v)
{
	if (v->is_dec)
		return PM_STORED_DEC_SIZE;
	return sizeof(int32) + VARSIZE_ANY_EXHDR(v->n) + VARHDRSZ;
}

/* Write a stored value; by pointer, as a summary writes about 50 of them. */
static inline Size
stored_put(char *dest, const PmVal *v)
{
	int32		tag = v->is_dec ? v->d.scale : -1;

	memcpy(dest, &tag, sizeof(int32));
	if (v->is_dec)
	{
		memcpy(dest + sizeof(int32), &v->d.coef, sizeof(pm_i128));
		return PM_STORED_DEC_SIZE;
	}
	SET_VARSIZE(dest + sizeof(int32), VARSIZE_ANY_EXHDR(v->n) + VARHDRSZ);
	memcpy(VARDATA(dest + sizeof(int32)), VARDATA_ANY(v->n), VARSIZE_ANY_EXHDR(v->n));
	return sizeof(int32) + VARSIZE_ANY_EXHDR(v->n) + VARHDRSZ;
}

/* A stored value, read in place (a numeric points into the summary). */
PmVal
summary_value(const void *stored)
{
	int32		tag;

	memcpy(&tag, stored, sizeof(int32));
	if (tag >= 0)
	{
		pm_dec		d;

		memcpy(&d.coef, (const char *) stored + sizeof(int32), sizeof(pm_i128));
		d.scale = tag;
		return pmv_dec(d);
	}
	{
		PmVal		v;

		v.is_dec = false;
		v.n = (Numeric) ((const char *) stored + sizeof(int32));
		return v;
	}
}

/*
 * An asset's derived values (docs/spec.md §2.3): V = E * P; CV = V when V <= 0,
 * tiered(V) when the asset is collateral, else 0; margins times P.
 */
static void
derive_asset(MarginAsset *a, PmVal *v)
{
	v[PM_FIELD_PRICE] = a->price_val;
	v[PM_FIELD_EQUITY] = acc_val(&a->equity);
	v[PM_FIELD_MAINT_MARGIN] = acc_val(&a->maint_margin);
	v[PM_FIELD_INITIAL_MARGIN] = acc_val(&a->initial_margin);
	v[PM_FIELD_OPEN_LOSS] = acc_val(&a->open_loss);
	v[PM_FIELD_VALUE_USD] = pm_asset_value(v[PM_FIELD_EQUITY], v[PM_FIELD_PRICE], a->collateral,
										   &v[PM_FIELD_COLLATERAL_VALUE_USD]);
	v[PM_FIELD_MAINT_MARGIN_USD] = pmv_mul(v[PM_FIELD_MAINT_MARGIN], v[PM_FIELD_PRICE]);
	v[PM_FIELD_INITIAL_MARGIN_USD] = pmv_mul(v[PM_FIELD_INITIAL_MARGIN], v[PM_FIELD_PRICE]);
}

/* Add one asset's derived USD amounts (derive_asset) to the figures. */
static void
add_to_figures(PmVal *figures, const PmVal *v)
{
	figures[PM_FIGURE_ACCOUNT_EQUITY] = pmv_add(figures[PM_FIGURE_ACCOUNT_EQUITY], v[PM_FIELD_COLLATERAL_VALUE_USD]);
	figures[PM_FIGURE_ACTUAL_EQUITY] = pmv_add(figures[PM_FIGURE_ACTUAL_EQUITY], v[PM_FIELD_VALUE_USD]);
	figures[PM_FIGURE_MAINT_MARGIN] = pmv_add(figures[PM_FIGURE_MAINT_MARGIN], v[PM_FIELD_MAINT_MARGIN_USD]);
	figures[PM_FIGURE_INITIAL_MARGIN] = pmv_add(figures[PM_FIGURE_INITIAL_MARGIN], v[PM_FIELD_INITIAL_MARGIN_USD]);
	figures[PM_FIGURE_OPEN_LOSS] = pmv_add(figures[PM_FIGURE_OPEN_LOSS], v[PM_FIELD_OPEN_LOSS]);
}

/*
 * Adjusted equity and uniMMR = (sum CV - open loss) / sum MM, absent (false)
 * when sum MM is 0.  Exact but for the one division.
 */
bool
margin_finish_figures(PmVal *figures)
{
	bool		has_uni;

	figures[PM_FIGURE_ADJUSTED_EQUITY] = pmv_sub(figures[PM_FIGURE_ACCOUNT_EQUITY],
											   figures[PM_FIGURE_OPEN_LOSS]);
	has_uni = pmv_sign(figures[PM_FIGURE_MAINT_MARGIN]) > 0;
	if (has_uni)
		figures[PM_FIGURE_UNI_MMR] = pmv_div(figures[PM_FIGURE_ADJUSTED_EQUITY],
										   figures[PM_FIGURE_MAINT_MARGIN]);
	return has_uni;
}

/*
 * Every figure of an accumulator whose assets carry their schedules -- by
 * the formulas of derive_asset -- without laying out a summary or keeping
 * the per-asset values.  The sums are exact, so the order of the assets
 * does not matter.  values_only skips the terms of sums nothing was added
 * to: the values are the same, only the display scale of a zero term is
 * lost (for callers that round, as the risk fields do).  outside, when
 * given, holds the collateral value and USD value of assets the caller
 * summed outside the accumulator (PM_FIGURE_ACCOUNT_EQUITY and
 * PM_FIGURE_ACTUAL_EQUITY), added in.
 * Returns whether there is a uniMMR.
 */
bool
margin_accum_figures(MarginAccum *st, PmVal *figures, bool values_only, const PmVal *outside)
{
	int			i;

	for (i = 0; i < PM_FIGURE_COUNT; i++)
		figures[i] = pmv_zero();
	if (outside != NULL)
	{
		figures[PM_FIGURE_ACCOUNT_EQUITY] = outside[PM_FIGURE_ACCOUNT_EQUITY];
		figures[PM_FIGURE_ACTUAL_EQUITY] = outside[PM_FIGURE_ACTUAL_EQUITY];
	}
	for (i = 0; i < st->nassets; i++)
	{
		MarginAsset *a = &st->assets[i];

		CHECK_FOR_INTERRUPTS();
		if (!values_only || a->equity.is_set)
		{
			PmVal		collateral_value;
			PmVal		value = pm_asset_value(acc_val(&a->equity), a->price_val, a->collateral,
											   &collateral_value);

			figures[PM_FIGURE_ACCOUNT_EQUITY] = pmv_add(figures[PM_FIGURE_ACCOUNT_EQUITY],
													  collateral_value);
			figures[PM_FIGURE_ACTUAL_EQUITY] = pmv_add(figures[PM_FIGURE_ACTUAL_EQUITY], value);
		}
		if (!values_only || a->maint_margin.is_set)
			figures[PM_FIGURE_MAINT_MARGIN] = pmv_add(figures[PM_FIGURE_MAINT_MARGIN],
													pmv_mul(acc_val(&a->maint_margin), a->price_val));
		if (!values_only || a->initial_margin.is_set)
			figures[PM_FIGURE_INITIAL_MARGIN] = pmv_add(figures[PM_FIGURE_INITIAL_MARGIN],
													  pmv_mul(acc_val(&a->initial_margin), a->price_val));
		if (!values_only || a->open_loss.is_set)
			figures[PM_FIGURE_OPEN_LOSS] = pmv_add(figures[PM_FIGURE_OPEN_LOSS], acc_val(&a->open_loss));
	}
	return margin_finish_figures(figures);
}

/* Lay out a summary of the accumulator, computing every derived value. */
PmMarginSummary *
margin_summary_build(MarginAccum *st)
{
	MarginAsset **sorted = margin_accum_sorted(st);
	DerivedAsset *d = palloc0(sizeof(DerivedAsset) * Max(st->nassets, 1));
	PmVal		figures[PM_FIGURE_COUNT];
	bool		has_uni;
	PmMarginSummary *s;
	Size		size,
				pos;
	int			i,
				t,
				f;

	for (t = 0; t < PM_FIGURE_COUNT; t++)
		figures[t] = pmv_zero();
	for (i = 0; i < st->nassets; i++)
	{
		CHECK_FOR_INTERRUPTS();
		d[i].a = sorted[i];
		derive_asset(sorted[i], d[i].v);
		add_to_figures(figures, d[i].v);
	}
	has_uni = margin_finish_figures(figures);

	/* size: header, offsets, then every value int-aligned */
	size = offsetof(PmMarginSummary, fields) +
		sizeof(uint32) * PM_FIELD_COUNT * (Size) st->nassets;
	for (t = 0; t < PM_FIGURE_COUNT; t++)
		if (t != PM_FIGURE_UNI_MMR || has_uni)
			size = INTALIGN(size) + stored_size(&figures[t]);
	for (i = 0; i < st->nassets; i++)
	{
		CHECK_FOR_INTERRUPTS();
		size = INTALIGN(size) + d[i].a->name_len + 1;
		if (d[i].a->collateral != NULL)
			size = INTALIGN(size) + VARSIZE(d[i].a->collateral);
		for (f = PM_FIELD_PRICE; f < PM_FIELD_COUNT; f++)
			if (f != PM_FIELD_COLLATERAL)
				size = INTALIGN(size) + stored_size(&d[i].v[f]);
	}

	s = palloc0(size);
	SET_VARSIZE(s, size);
	s->version = PM_SUMMARY_VERSION;
	s->nassets = st->nassets;
	if (has_uni)
		s->flags |= PM_SUMMARY_HAS_UNI_MMR;
	pos = offsetof(PmMarginSummary, fields) +
		sizeof(uint32) * PM_FIELD_COUNT * (Size) st->nassets;
	for (t = 0; t < PM_FIGURE_COUNT; t++)
	{
		if (t == PM_FIGURE_UNI_MMR && !has_uni)
			continue;
		pos = INTALIGN(pos);
		s->figures[t] = pos;
		pos += stored_put((char *) s + pos, &figures[t]);
	}
	for (i = 0; i < st->nassets; i++)
	{
		MarginAsset *a = d[i].a;

		CHECK_FOR_INTERRUPTS();
		pos = INTALIGN(pos);
		PM_SUMMARY_OFFSET(s, i, PM_FIELD_NAME) = pos;
		memcpy((char *) s + pos, a->name, a->name_len + 1);
		pos += a->name_len + 1;
		if (a->collateral != NULL)
		{
			pos = INTALIGN(pos);
			PM_SUMMARY_OFFSET(s, i, PM_FIELD_COLLATERAL) = pos;
			memcpy((char *) s + pos, a->collateral, VARSIZE(a->collateral));
			pos += VARSIZE(a->collateral);
		}
		for (f = PM_FIELD_PRICE; f < PM_FIELD_COUNT; f++)
		{
			if (f == PM_FIELD_COLLATERAL)
				continue;
			pos = INTALIGN(pos);
			PM_SUMMARY_OFFSET(s, i, f) = pos;
			pos += stored_put((char *) s + pos, &d[i].v[f]);
		}
	}
	Assert(pos == size);
	pfree(sorted);
	pfree(d);
	return s;
}

/* A stored value as a numeric of its own (for results and the accumulator). */
static Numeric
value_numeric(PmVal v)
{
	return v.is_dec ? pm_dec_to_numeric(v.d) : pm_numeric_copy_plain(v.n);
}

/* Add a summary's accumulated assets to an accumulator (pm.rollup, send). */
void
margin_summary_add_to_accum(MarginAccum *st, PmMarginSummary *s)
{
	int			i;

	for (i = 0; i < s->nassets; i++)
	{
		char	   *name = PM_SUMMARY_NAME(s, i);
		PmVal		v[4] = {
			PM_SUMMARY_VALUE(s, i, PM_FIELD_EQUITY),
			PM_SUMMARY_VALUE(s, i, PM_FIELD_MAINT_MARGIN),
			PM_SUMMARY_VALUE(s, i, PM_FIELD_INITIAL_MARGIN),
			PM_SUMMARY_VALUE(s, i, PM_FIELD_OPEN_LOSS),
		};

		margin_accum_add(st, name, strlen(name),
						 value_numeric(PM_SUMMARY_VALUE(s, i, PM_FIELD_PRICE)),
						 PM_SUMMARY_COLLATERAL(s, i),
						 &v[0], &v[1], &v[2], &v[3]);
	}
}

/* ---------------------------------------------------------------------
 * Text form
 * ---------------------------------------------------------------------
 */

/* Say which value was being read when the JSON parser complains. */
static void
summary_in_context(void *arg)
{
	errcontext("reading a pm.margin_summary value");
}

/* A number given as a JSON number or a string holding a decimal. */
static Numeric
json_numeric(JsonbValue *v, const char *str, const char *asset, const char *key)
{
	Numeric		n = pm_numeric_from_json(v);

	if (n != NULL)
		return n;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type pm.margin_summary: \"%s\"", pm_excerpt(str, strlen(str))),
			 errdetail("\"%s\" of asset %s must be a finite number.", key, pm_excerpt(asset, strlen(asset)))));
	return NULL;				/* keep compiler quiet */
}

/* pm.margin_summary text input: the JSON array described above. */
Datum
pm_margin_summary_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	ErrorContextCallback errcallback;
	Jsonb	   *jb;
	MarginAccum *st;
	int			n,
				i;

	errcallback.callback = summary_in_context;
	errcallback.arg = NULL;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
	error_context_stack = errcallback.previous;
	pm_json_check_unique_keys(str, strlen(str), "type pm.margin_summary");

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type pm.margin_summary: \"%s\"", pm_excerpt(str, strlen(str))),
				 errdetail("A summary is a JSON array of asset objects.")));

	st = margin_accum_create(CurrentMemoryContext);
	n = JsonContainerSize(&jb->root);
	for (i = 0; i < n; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(&jb->root, i);
		JsonbIterator *it;
		JsonbIteratorToken tok;
		JsonbValue	v;
		char	   *asset = NULL;
		Numeric		price = NULL,
					equity = NULL,
					mm = NULL,
					im = NULL,
					ol = NULL;
		PmTiers    *collateral = NULL;
		int			before;

		CHECK_FOR_INTERRUPTS();
		if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type pm.margin_summary: \"%s\"", pm_excerpt(str, strlen(str))),
					 errdetail("Element %d is not an object.", i + 1)));

		/* the asset's name first, for messages about the other keys */
		{
			JsonbValue	nv;

			if (getKeyJsonValueFromContainer(elem->val.binary.data, "asset", 5, &nv) == NULL ||
				nv.type != jbvString)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type pm.margin_summary: \"%s\"", pm_excerpt(str, strlen(str))),
						 errdetail("Element %d has no \"asset\" string.", i + 1)));
			asset = pnstrdup(nv.val.string.val, nv.val.string.len);
			margin_check_asset_name(asset, nv.val.string.len);
		}

		it = JsonbIteratorInit(elem->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			char	   *key;
			JsonbValue	val;

			if (tok != WJB_KEY)
				continue;
			key = pnstrdup(v.val.string.val, v.val.string.len);
			tok = JsonbIteratorNext(&it, &val, true);
			Assert(tok == WJB_VALUE);
			if (strcmp(key, "asset") == 0)
				continue;
			else if (strcmp(key, "index_price") == 0)
				price = json_numeric(&val, str, asset, key);
			else if (strcmp(key, "equity") == 0)
				equity = json_numeric(&val, str, asset, key);
			else if (strcmp(key, "maint_margin") == 0)
				mm = json_numeric(&val, str, asset, key);
			else if (strcmp(key, "initial_margin") == 0)
				im = json_numeric(&val, str, asset, key);
			else if (strcmp(key, "open_loss") == 0)
				ol = json_numeric(&val, str, asset, key);
			else if (strcmp(key, "collateral") == 0)
			{
				if (val.type == jbvString)
					collateral = pm_tiers_from_cstring(pnstrdup(val.val.string.val,
																val.val.string.len));
				else if (val.type != jbvNull)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid input syntax for type pm.margin_summary: \"%s\"", pm_excerpt(str, strlen(str))),
							 errdetail("\"collateral\" of asset %s must be a pm.tiers literal or null.", pm_excerpt(asset, strlen(asset)))));
			}
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type pm.margin_summary: \"%s\"", pm_excerpt(str, strlen(str))),
						 errdetail("Asset %s has an unknown key \"%s\".", pm_excerpt(asset, strlen(asset)), pm_excerpt(key, strlen(key))),
						 errhint("The keys are asset, index_price, collateral, equity, maint_margin, initial_margin and open_loss.")));
		}
		if (price == NULL || equity == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type pm.margin_summary: \"%s\"", pm_excerpt(str, strlen(str))),
					 errdetail("Asset %s needs \"index_price\" and \"equity\".", pm_excerpt(asset, strlen(asset)))));
		margin_check_price(asset, strlen(asset), price);
		margin_check_amounts(asset, strlen(asset), equity, mm, im, ol);
		before = st->nassets;
		{
			PmVal		v[4] = {
				pmv_numeric(equity),
				pmv_numeric(mm ? mm : pm_const_zero()),
				pmv_numeric(im ? im : pm_const_zero()),
				pmv_numeric(ol ? ol : pm_const_zero()),
			};

			margin_accum_add(st, asset, strlen(asset), price, collateral,
							 &v[0], &v[1], &v[2], &v[3]);
		}
		if (st->nassets == before)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type pm.margin_summary: \"%s\"", pm_excerpt(str, strlen(str))),
					 errdetail("Asset %s appears twice.", pm_excerpt(asset, strlen(asset)))));
	}
	PG_RETURN_POINTER(margin_summary_build(st));
}

/* A stored value as text, as numeric_out would print it. */
static void
append_value(StringInfo buf, PmVal v)
{
	if (v.is_dec)
	{
		char		text[64];

		pm_dec_to_string(v.d, text, sizeof(text));
		appendStringInfoString(buf, text);
	}
	else
		appendStringInfoString(buf, pm_numeric_out(v.n));
}

/* pm.margin_summary text output: canonical JSON, assets in name order. */
Datum
pm_margin_summary_out(PG_FUNCTION_ARGS)
{
	PmMarginSummary *s = PG_GETARG_PMSUMMARY(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (i = 0; i < s->nassets; i++)
	{
		PmTiers    *collateral = PM_SUMMARY_COLLATERAL(s, i);

		CHECK_FOR_INTERRUPTS();
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, "{\"asset\": ");
		escape_json(&buf, PM_SUMMARY_NAME(s, i));
		appendStringInfoString(&buf, ", \"index_price\": ");
		append_value(&buf, PM_SUMMARY_VALUE(s, i, PM_FIELD_PRICE));
		appendStringInfoString(&buf, ", \"collateral\": ");
		if (collateral != NULL)
			escape_json(&buf, pm_tiers_to_cstring(collateral));
		else
			appendStringInfoString(&buf, "null");
		appendStringInfoString(&buf, ", \"equity\": ");
		append_value(&buf, PM_SUMMARY_VALUE(s, i, PM_FIELD_EQUITY));
		appendStringInfoString(&buf, ", \"maint_margin\": ");
		append_value(&buf, PM_SUMMARY_VALUE(s, i, PM_FIELD_MAINT_MARGIN));
		appendStringInfoString(&buf, ", \"initial_margin\": ");
		append_value(&buf, PM_SUMMARY_VALUE(s, i, PM_FIELD_INITIAL_MARGIN));
		appendStringInfoString(&buf, ", \"open_loss\": ");
		append_value(&buf, PM_SUMMARY_VALUE(s, i, PM_FIELD_OPEN_LOSS));
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_CSTRING(buf.data);
}

/* pm.margin_summary binary input: the accumulator's binary form, validated. */
Datum
pm_margin_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	MarginAccum *st = margin_accum_recv(buf, CurrentMemoryContext, "pm.margin_summary");

	PG_RETURN_POINTER(margin_summary_build(st));
}

/* pm.margin_summary binary output. */
Datum
pm_margin_summary_send(PG_FUNCTION_ARGS)
{
	PmMarginSummary *s = PG_GETARG_PMSUMMARY(0);
	MarginAccum *st = margin_accum_create(CurrentMemoryContext);
	StringInfoData buf;

	margin_summary_add_to_accum(st, s);
	pq_begintypsend(&buf);
	margin_accum_send(&buf, st);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------
 * Accessors
 * ---------------------------------------------------------------------
 */

/* A stored figure as a numeric of its own (never pointing into arguments). */
static Datum
total_datum(PmMarginSummary *s, PmSummaryFigure t)
{
	return NumericGetDatum(value_numeric(PM_SUMMARY_FIGURE(s, t)));
}

/* pm.uni_mmr(s): adjusted equity / maintenance margin; NULL without margin. */
Datum
pm_summary_uni_mmr(PG_FUNCTION_ARGS)
{
	PmMarginSummary *s = PG_GETARG_PMSUMMARY(0);

	if ((s->flags & PM_SUMMARY_HAS_UNI_MMR) == 0)
		PG_RETURN_NULL();
	return total_datum(s, PM_FIGURE_UNI_MMR);
}

/* pm.account_equity(s): collateral-weighted equity, USD. */
Datum
pm_summary_account_equity(PG_FUNCTION_ARGS)
{
	return total_datum(PG_GETARG_PMSUMMARY(0), PM_FIGURE_ACCOUNT_EQUITY);
}

/* pm.actual_equity(s): equity without haircuts, USD. */
Datum
pm_summary_actual_equity(PG_FUNCTION_ARGS)
{
	return total_datum(PG_GETARG_PMSUMMARY(0), PM_FIGURE_ACTUAL_EQUITY);
}

/* pm.adjusted_equity(s): account equity less open-order loss, USD. */
Datum
pm_summary_adjusted_equity(PG_FUNCTION_ARGS)
{
	return total_datum(PG_GETARG_PMSUMMARY(0), PM_FIGURE_ADJUSTED_EQUITY);
}

/* pm.maint_margin(s): maintenance margin, USD. */
Datum
pm_summary_maint_margin(PG_FUNCTION_ARGS)
{
	return total_datum(PG_GETARG_PMSUMMARY(0), PM_FIGURE_MAINT_MARGIN);
}

/* pm.initial_margin(s): initial margin, USD. */
Datum
pm_summary_initial_margin(PG_FUNCTION_ARGS)
{
	return total_datum(PG_GETARG_PMSUMMARY(0), PM_FIGURE_INITIAL_MARGIN);
}

/* pm.open_loss(s): open-order loss, USD. */
Datum
pm_summary_open_loss(PG_FUNCTION_ARGS)
{
	return total_datum(PG_GETARG_PMSUMMARY(0), PM_FIGURE_OPEN_LOSS);
}

/*
 * pm.assets(s): one row per asset, in name order, explaining the figures:
 * (asset, equity, index_price, value_usd, collateral_value_usd,
 *  maint_margin, maint_margin_usd, initial_margin_usd, open_loss_usd)
 */
Datum
pm_summary_assets(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	PmMarginSummary *s;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("pm.assets must be called where a record is expected")));
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		funcctx->user_fctx = PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
		funcctx->max_calls = ((PmMarginSummary *) funcctx->user_fctx)->nassets;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	s = (PmMarginSummary *) funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		int			i = funcctx->call_cntr;
		static const PmSummaryField cols[] = {
			PM_FIELD_EQUITY, PM_FIELD_PRICE, PM_FIELD_VALUE_USD,
			PM_FIELD_COLLATERAL_VALUE_USD, PM_FIELD_MAINT_MARGIN,
			PM_FIELD_MAINT_MARGIN_USD, PM_FIELD_INITIAL_MARGIN_USD, PM_FIELD_OPEN_LOSS
		};
		Datum		values[1 + lengthof(cols)];
		bool		nulls[1 + lengthof(cols)] = {0};
		int			k;

		values[0] = CStringGetTextDatum(PM_SUMMARY_NAME(s, i));
		for (k = 0; k < lengthof(cols); k++)
			values[1 + k] = NumericGetDatum(value_numeric(PM_SUMMARY_VALUE(s, i, cols[k])));
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc,
																	values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}
