/*-------------------------------------------------------------------------
 *
 * ledger_codec.c
 *	  The ledger accumulator to bytes and back: the serialize and
 *	  deserialize functions of the ledger aggregates, for parallel plans.
 *
 * The bytes are the "ledger accumulator" form of src/core/wire.h, written
 * with the value codec's writers (wire_pg.c) and read by the pure-C
 * checked reader (src/core/wire.c), which the unit tests and the fuzzer
 * cover: every byte is checked there before this file sees a value.  What
 * needs the server is checked here: the assets and symbols must be in the
 * query's reference data, an asset with sums must have an index price, and
 * a kept error must be an account's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "fmgr.h"
#include "libpq/pqformat.h"

#include "compat.h"
#include "excerpt.h"
#include "ledger_accum.h"
#include "wire_pg.h"

PG_FUNCTION_INFO_V1(pm_ledger_serialize);
PG_FUNCTION_INFO_V1(pm_ledger_deserialize);
PG_FUNCTION_INFO_V1(pm_ledger_totals_deserialize);

#define LEDGER_STATE_TYPE "pm.account_ledger partial state"

/* The account flag of the form: none yet, PM_PRO or PM. */
static int
account_flag(const LedgerAccum *ls)
{
	if (!ls->has_account)
		return 0;
	return ls->is_pm ? PM_WIRE_PM : PM_WIRE_PM_PRO;
}

/* The positions' per-asset sums, in name order (prices come from the reference data). */
static void
send_assets(StringInfo buf, MarginAccum *ms)
{
	MarginAsset **sorted = margin_accum_sorted(ms);

	pq_sendint32(buf, ms->nassets);
	for (int i = 0; i < ms->nassets; i++)
	{
		MarginAsset *a = sorted[i];

		CHECK_FOR_INTERRUPTS();
		pm_wire_send_short_name(buf, a->name, a->name_len, LEDGER_STATE_TYPE);
		pm_wire_send_sum(buf, &a->equity);
		pm_wire_send_sum(buf, &a->maint_margin);
		pm_wire_send_sum(buf, &a->initial_margin);
		pm_wire_send_sum(buf, &a->open_loss);
	}
}

/*
 * Accumulator to bytes: whether the account can be valued (if not: why,
 * and its account row, nothing else), the account row, the positions'
 * per-asset sums, the balances and orders waiting to be completed, and the
 * positions pm.ledger_totals keeps.
 */
Datum
pm_ledger_serialize(PG_FUNCTION_ARGS)
{
	LedgerAccum *ls = (LedgerAccum *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	ledger_context(fcinfo);
	ledger_check_unshared(ls);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, PM_WIRE_LEDGER_VERSION);
	pq_sendbyte(&buf, ls->error != NULL);
	if (ls->error != NULL)
	{
		pq_sendint32(&buf, ls->error->code);
		pm_wire_send_string(&buf, ls->error->message);
		pq_sendbyte(&buf, ls->error->detail != NULL);
		if (ls->error->detail != NULL)
			pm_wire_send_string(&buf, ls->error->detail);
		pq_sendbyte(&buf, ls->error->hint != NULL);
		if (ls->error->hint != NULL)
			pm_wire_send_string(&buf, ls->error->hint);
	}
	pq_sendbyte(&buf, account_flag(ls));
	pq_sendint32(&buf, ls->leverage);
	if (ls->error != NULL)
		PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
	send_assets(&buf, ls->ms);
	pq_sendint32(&buf, ls->nbal);
	for (int i = 0; i < ls->nbal; i++)
	{
		LedgerBalance *b = &ls->bal[i];

		CHECK_FOR_INTERRUPTS();
		pm_wire_send_short_name(&buf, b->asset->name, b->asset->len, LEDGER_STATE_TYPE);
		pm_wire_send_value(&buf, b->equity);
		pm_wire_send_value(&buf, b->borrowed);
		pm_wire_send_value(&buf, b->interest);
	}
	pq_sendint32(&buf, ls->nord);
	for (int i = 0; i < ls->nord; i++)
	{
		LedgerOrder *o = &ls->ord[i];

		CHECK_FOR_INTERRUPTS();
		pm_wire_send_short_name(&buf, o->sell->name, o->sell->len, LEDGER_STATE_TYPE);
		pm_wire_send_short_name(&buf, o->buy->name, o->buy->len, LEDGER_STATE_TYPE);
		pm_wire_send_value(&buf, o->sell_qty);
		pm_wire_send_value(&buf, o->buy_qty);
	}
	pq_sendbyte(&buf, ls->keep);
	if (ls->keep)
		kept_positions_send(&buf, &ls->positions);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* What the reader's callbacks fill. */
typedef struct Receiving
{
	LedgerAccum *ls;
	RefData    *cache;
} Receiving;

/* Refuse the bytes as a partial state: detail says what is wrong with them. */
static void
bad_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external %s value", LEDGER_STATE_TYPE),
			 errdetail_internal("%s", detail)));
}

/* An asset the bytes name, which the query's reference data must have. */
static AssetInfo *
known_asset(Receiving *rc, const char *name, size_t len)
{
	AssetInfo  *a = refdata_asset(rc->cache, name, (int) len);

	if (a == NULL)
		bad_state(psprintf("It names asset %s, which is not in pm.asset.",
						   pm_excerpt(name, (int) len)));
	return a;
}

/* The account's kept error: it must be one that belongs to an account. */
static int
on_error(void *ctx, int32_t code, const char *message, size_t message_len,
		 const char *detail, size_t detail_len, const char *hint, size_t hint_len)
{
	Receiving  *rc = ctx;

	if (!ledger_is_account_error(code))
		bad_state("It holds an error that is not an account's.");
	ledger_set_error(rc->ls, code, pnstrdup(message, message_len),
					 detail ? pnstrdup(detail, detail_len) : NULL,
					 hint ? pnstrdup(hint, hint_len) : NULL);
	return 0;
}

/* The account row: whether there is one, its program and leverage. */
static int
on_account(void *ctx, int flag, int32_t leverage)
{
	Receiving  *rc = ctx;

	rc->ls->has_account = flag != 0;
	rc->ls->is_pm = flag == PM_WIRE_PM;
	rc->ls->leverage = leverage;
	return 0;
}

/*
 * One asset's sums of the positions, into the margin accumulator; the asset
 * must be in the query's reference data, with an index price.
 */
static int
on_asset(void *ctx, int32_t index, const char *name, size_t len, const pm_wire_value *sums)
{
	Receiving  *rc = ctx;
	AssetInfo  *info = known_asset(rc, name, len);
	MarginAccum *ms = rc->ls->ms;
	MarginAsset *a;

	CHECK_FOR_INTERRUPTS();
	if (info->price == NULL)
		bad_state(psprintf("Asset %s has no index price.", pm_excerpt(info->name, info->len)));
	a = margin_accum_asset(ms, info->name, info->len, info->price, NULL);
	for (int k = 0; k < PM_WIRE_ASSET_SUMS; k++)
	{
		PmSum	   *sum = k == PM_WIRE_SUM_EQUITY ? &a->equity
			: k == PM_WIRE_SUM_MAINT_MARGIN ? &a->maint_margin
			: k == PM_WIRE_SUM_INITIAL_MARGIN ? &a->initial_margin : &a->open_loss;

		if (sums[k].tag != PM_WIRE_VALUE_NONE)
		{
			PmVal		v = pm_wire_value_get(&sums[k]);

			pm_sum_add_val(ms->mcxt, sum, &v);
		}
	}
	return 0;
}

/* A balance waiting for completion, back into its list. */
static int
on_balance(void *ctx, int32_t index, const char *name, size_t len,
		   const pm_wire_value *equity, const pm_wire_value *borrowed,
		   const pm_wire_value *interest)
{
	Receiving  *rc = ctx;
	MemoryContext mcxt = rc->ls->ms->mcxt;
	LedgerBalance b;

	CHECK_FOR_INTERRUPTS();
	b.asset = known_asset(rc, name, len);
	b.equity = pmv_copy_in(mcxt, pm_wire_value_get(equity));
	b.borrowed = pmv_copy_in(mcxt, pm_wire_value_get(borrowed));
	b.interest = pmv_copy_in(mcxt, pm_wire_value_get(interest));
	ledger_add_balance(rc->ls, b);
	return 0;
}

/* An open order waiting for completion, back into its list. */
static int
on_order(void *ctx, int32_t index, const char *sell, size_t sell_len,
		 const char *buy, size_t buy_len,
		 const pm_wire_value *sell_qty, const pm_wire_value *buy_qty)
{
	Receiving  *rc = ctx;
	MemoryContext mcxt = rc->ls->ms->mcxt;
	LedgerOrder o;

	CHECK_FOR_INTERRUPTS();
	o.sell = known_asset(rc, sell, sell_len);
	o.buy = known_asset(rc, buy, buy_len);
	o.sell_qty = pmv_copy_in(mcxt, pm_wire_value_get(sell_qty));
	o.buy_qty = pmv_copy_in(mcxt, pm_wire_value_get(buy_qty));
	ledger_add_order(rc->ls, o);
	return 0;
}

/* A position pm.ledger_totals keeps as it is, back among the kept ones. */
static int
on_position(void *ctx, int32_t index, const pm_wire_position *p)
{
	Receiving  *rc = ctx;
	MemoryContext mcxt = rc->ls->ms->mcxt;

	CHECK_FOR_INTERRUPTS();
	kept_positions_add(mcxt, &rc->ls->positions, p->symbol, (int) p->symbol_len,
					   pm_wire_value_get(&p->qty), pm_wire_value_get(&p->entry), p->leverage);
	return 0;
}

/*
 * Bytes to a new accumulator in mcxt, against the reference data cache;
 * totals: pm.ledger_totals' form, which keeps positions.  Every byte is
 * checked by the reader before a callback sees a value (pm.ledger_deserialize
 * and pm.liquidation_price_of, which takes the bytes from its caller).
 */
LedgerAccum *
ledger_accum_decode(bytea *bytes, RefData *cache, MemoryContext mcxt, bool totals)
{
	Receiving	rc;
	pm_wire_ledger_visitor v = {on_error, on_account, on_asset, on_balance, on_order,
	NULL, on_position, &rc};
	pm_wire_error err;

	rc.cache = cache;
	rc.ls = ledger_accum_create(mcxt);
	rc.ls->cache = rc.cache;
	rc.ls->keep = totals;
	if (pm_wire_read_ledger((const uint8_t *) VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes),
							totals, &v, &err) != PM_WIRE_OK)
		pm_wire_raise(&err, LEDGER_STATE_TYPE, NULL);
	return rc.ls;
}

/* Bytes to accumulator, in the aggregate's call. */
static LedgerAccum *
ledger_deserialize(FunctionCallInfo fcinfo, bool totals)
{
	ledger_context(fcinfo);
	return ledger_accum_decode(PG_GETARG_BYTEA_PP(0), refdata_get(fcinfo->flinfo),
							   CurrentMemoryContext, totals);
}

/*
 * pm.ledger_deserialize(bytea, internal): the ledger aggregates' partial
 * state back to an accumulator.
 */
Datum
pm_ledger_deserialize(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(ledger_deserialize(fcinfo, false));
}

/*
 * pm.ledger_totals_deserialize(bytea, internal): the same for
 * pm.ledger_totals, whose accumulator carries positions.
 */
Datum
pm_ledger_totals_deserialize(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(ledger_deserialize(fcinfo, true));
}
