/*
 * fuzz_wire.c
 *	  Fuzz target: the binary reader (src/core/wire.c), the code that first
 *	  touches bytes from binary COPY, the extended protocol, parallel workers
 *	  and the ledger totals stored in pm.account_state.
 *
 * The first input byte picks the form (modulo 7: pm.tiers,
 * pm.margin_summary, one framed numeric, ledger totals, a ledger
 * accumulator without and with positions, one position); the rest is the
 * value.  Checks: the reader never claims more bytes than it was given; an
 * error points inside the input; every view it hands out lies inside the
 * input and holds valid digits; names arrive strictly increasing; values
 * obey their form's rules (no negative margins, positive entry prices,
 * finite numbers); and an accepted value, written back from what the
 * visitor was handed alone, is byte-for-byte the bytes the reader took --
 * so nothing was skipped, misread or read twice, and every value has one
 * encoding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire.h"

typedef struct
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} Buf;

typedef struct
{
	const uint8_t *in;
	size_t		in_len;
	Buf			out;			/* the value written back */
	Buf			tiers;			/* the schedule read but not yet placed */
	int32_t		ntiers;
	int32_t		seen_tiers;
	const char *prev;
	size_t		prev_len;
} Ctx;

static void
put(Buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap)
	{
		b->cap = (b->len + n) * 2 + 64;
		b->data = realloc(b->data, b->cap);
		if (b->data == NULL)
			abort();
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
put_i32(Buf *b, int32_t v)
{
	uint8_t		w[4] = {(uint8_t) ((uint32_t) v >> 24), (uint8_t) ((uint32_t) v >> 16),
	(uint8_t) ((uint32_t) v >> 8), (uint8_t) v};

	put(b, w, 4);
}

static void
put_u8(Buf *b, uint8_t v)
{
	put(b, &v, 1);
}

/* A view must lie inside the input and agree with its own header. */
static void
check_view(const Ctx *c, const void *p, size_t n)
{
	const uint8_t *u = p;

	if (n == 0 || u < c->in || u + n > c->in + c->in_len)
		abort();
}

static void
put_numeric(Ctx *c, Buf *b, const pm_wire_numeric *n)
{
	int			i;

	check_view(c, n->bytes, n->len);
	if (n->len != 8 + 2 * (size_t) n->ndigits || n->dscale > 0x3FFF)
		abort();
	for (i = 0; i < n->ndigits; i++)
	{
		int			d = (n->bytes[8 + 2 * i] << 8) | n->bytes[9 + 2 * i];

		if (d >= 10000)
			abort();
	}
	put_i32(b, (int32_t) n->len);
	put(b, n->bytes, n->len);
}

static int
on_tiers_begin(void *ctx, int32_t ntiers)
{
	Ctx		   *c = ctx;

	if (ntiers < 1 || ntiers > PM_WIRE_TIERS_MAX)
		abort();
	c->tiers.len = 0;
	c->ntiers = ntiers;
	c->seen_tiers = 0;
	put_u8(&c->tiers, PM_WIRE_TIERS_VERSION);
	put_i32(&c->tiers, ntiers);
	return 0;
}

static int
on_tier(void *ctx, int32_t i, const pm_wire_numeric *floor, const pm_wire_numeric *rate)
{
	Ctx		   *c = ctx;

	if (i != c->seen_tiers++ || i >= c->ntiers)
		abort();
	put_numeric(c, &c->tiers, floor);
	put_numeric(c, &c->tiers, rate);
	return 0;
}

static int
on_margin_begin(void *ctx, int32_t nassets)
{
	Ctx		   *c = ctx;

	put_u8(&c->out, PM_WIRE_MARGIN_VERSION);
	put_i32(&c->out, nassets);
	return 0;
}

static int
on_asset(void *ctx, int32_t index, const pm_wire_asset *a)
{
	Ctx		   *c = ctx;
	size_t		n;
	int			k;

	(void) index;
	check_view(c, a->name, a->name_len);
	if (a->name_len > PM_WIRE_NAME_MAX || memchr(a->name, 0, a->name_len))
		abort();
	if (c->prev != NULL)
	{
		n = a->name_len < c->prev_len ? a->name_len : c->prev_len;
		k = memcmp(a->name, c->prev, n);
		if (k < 0 || (k == 0 && a->name_len <= c->prev_len))
			abort();
	}
	c->prev = a->name;
	c->prev_len = a->name_len;
	put_i32(&c->out, (int32_t) a->name_len);
	put(&c->out, a->name, a->name_len);
	for (k = 0; k < PM_WIRE_ASSET_NUMERICS; k++)
		put_numeric(c, &c->out, &a->values[k]);
	put_u8(&c->out, (uint8_t) a->has_collateral);
	if (a->has_collateral)
	{
		if (c->seen_tiers != c->ntiers || c->tiers.len == 0)
			abort();
		put(&c->out, c->tiers.data, c->tiers.len);
		c->tiers.len = 0;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * The ledger forms: each section is written back on its own, then joined
 * ------------------------------------------------------------------------
 */

typedef struct
{
	const uint8_t *in;
	size_t		in_len;
	Buf			error;			/* the account's error, as read */
	Buf			assets;
	Buf			balances;
	Buf			orders;
	Buf			positions;
	int32_t		nassets,
				nbalances,
				norders,
				npositions;
	int32_t		positions_count;	/* as the positions callback said */
	int			failed;
	int			flag;
	int32_t		leverage;
	int			accounts;
	const char *prev;
	size_t		prev_len;
} Ledger;

static void
ledger_view(const Ledger *l, const void *p, size_t n)
{
	const uint8_t *u = p;

	if (n == 0 || u < l->in || u + n > l->in + l->in_len)
		abort();
}

static void
put_u32(Buf *b, uint32_t v)
{
	put_i32(b, (int32_t) v);
}

static void
put_short_name(const Ledger *l, Buf *b, const char *name, size_t len)
{
	ledger_view(l, name, len);
	if (len > PM_WIRE_NAME_MAX || memchr(name, 0, len))
		abort();
	put_u8(b, (uint8_t) len);
	put(b, name, len);
}

/* A value written back: a dec in its shortest form, a numeric as it came. */
static void
put_value(const Ledger *l, Buf *b, const pm_wire_value *v)
{
	put_u8(b, (uint8_t) v->tag);
	if (v->tag == PM_WIRE_VALUE_DEC)
	{
		int			n = 0;

		if (v->scale < 0 || v->scale > PM_DEC_MAX_SCALE ||
			v->coef == (pm_i128) (((pm_u128) 1) << 127))
			abort();
		if (v->coef != 0)
			for (n = 1; n < 16; n++)
			{
				int			shift = 128 - 8 * n;

				if ((pm_i128) ((pm_u128) v->coef << shift) >> shift == v->coef)
					break;
			}
		put_u8(b, (uint8_t) v->scale);
		put_u8(b, (uint8_t) n);
		for (int i = 0; i < n; i++)
			put_u8(b, (uint8_t) ((pm_u128) v->coef >> (8 * i)));
	}
	else if (v->tag == PM_WIRE_VALUE_NUMERIC)
	{
		Ctx			c;

		if (v->numeric.sign != 0 && v->numeric.sign != 0x4000)
			abort();
		memset(&c, 0, sizeof(c));
		c.in = l->in;
		c.in_len = l->in_len;
		put_numeric(&c, b, &v->numeric);
	}
	else if (v->tag != PM_WIRE_VALUE_NONE)
		abort();
}

static void
put_position(const Ledger *l, Buf *b, const pm_wire_position *p)
{
	size_t		start = b->len;

	ledger_view(l, p->bytes, p->len);
	if (pm_wire_value_sign(&p->entry) <= 0 || p->qty.tag == PM_WIRE_VALUE_NONE ||
		p->leverage < 1 || p->leverage > PM_WIRE_LEVERAGE_MAX)
		abort();
	put_short_name(l, b, p->symbol, p->symbol_len);
	put_value(l, b, &p->qty);
	put_value(l, b, &p->entry);
	put_u8(b, (uint8_t) p->leverage);
	/* the position's own bytes are exactly what it is written back as */
	if (b->len - start != p->len || memcmp(b->data + start, p->bytes, p->len) != 0)
		abort();
}

static int
on_ledger_error(void *ctx, int32_t code, const char *message, size_t message_len,
				const char *detail, size_t detail_len, const char *hint, size_t hint_len)
{
	Ledger	   *l = ctx;

	if (l->failed++ || message_len == 0)
		abort();
	put_i32(&l->error, code);
	ledger_view(l, message, message_len);
	put_u32(&l->error, (uint32_t) message_len);
	put(&l->error, message, message_len);
	put_u8(&l->error, detail != NULL);
	if (detail)
	{
		if (detail_len > 0)
			ledger_view(l, detail, detail_len);
		put_u32(&l->error, (uint32_t) detail_len);
		put(&l->error, detail, detail_len);
	}
	put_u8(&l->error, hint != NULL);
	if (hint)
	{
		if (hint_len > 0)
			ledger_view(l, hint, hint_len);
		put_u32(&l->error, (uint32_t) hint_len);
		put(&l->error, hint, hint_len);
	}
	return 0;
}

static int
on_ledger_account(void *ctx, int flag, int32_t leverage)
{
	Ledger	   *l = ctx;

	if (l->accounts++)
		abort();
	l->flag = flag;
	l->leverage = leverage;
	return 0;
}

static int
on_ledger_asset(void *ctx, int32_t index, const char *name, size_t len, const pm_wire_value *sums)
{
	Ledger	   *l = ctx;

	if (index != l->nassets++)
		abort();
	if (l->prev != NULL)
	{
		size_t		n = len < l->prev_len ? len : l->prev_len;
		int			k = memcmp(name, l->prev, n);

		if (k < 0 || (k == 0 && len <= l->prev_len))
			abort();
	}
	l->prev = name;
	l->prev_len = len;
	put_short_name(l, &l->assets, name, len);
	for (int k = 0; k < PM_WIRE_ASSET_SUMS; k++)
	{
		if (k != PM_WIRE_SUM_EQUITY && pm_wire_value_sign(&sums[k]) < 0)
			abort();
		put_value(l, &l->assets, &sums[k]);
	}
	return 0;
}

static int
on_ledger_balance(void *ctx, int32_t index, const char *name, size_t len,
				  const pm_wire_value *equity, const pm_wire_value *borrowed,
				  const pm_wire_value *interest)
{
	Ledger	   *l = ctx;

	if (index != l->nbalances++ || equity->tag == PM_WIRE_VALUE_NONE ||
		pm_wire_value_sign(borrowed) < 0 || pm_wire_value_sign(interest) < 0 ||
		borrowed->tag == PM_WIRE_VALUE_NONE || interest->tag == PM_WIRE_VALUE_NONE)
		abort();
	put_short_name(l, &l->balances, name, len);
	put_value(l, &l->balances, equity);
	put_value(l, &l->balances, borrowed);
	put_value(l, &l->balances, interest);
	return 0;
}

static int
on_ledger_order(void *ctx, int32_t index, const char *sell, size_t sell_len,
				const char *buy, size_t buy_len,
				const pm_wire_value *sell_qty, const pm_wire_value *buy_qty)
{
	Ledger	   *l = ctx;

	if (index != l->norders++ || pm_wire_value_sign(sell_qty) <= 0 ||
		pm_wire_value_sign(buy_qty) <= 0)
		abort();
	put_short_name(l, &l->orders, sell, sell_len);
	put_short_name(l, &l->orders, buy, buy_len);
	put_value(l, &l->orders, sell_qty);
	put_value(l, &l->orders, buy_qty);
	return 0;
}

static int
on_ledger_positions(void *ctx, int32_t count, size_t offset)
{
	Ledger	   *l = ctx;

	if (count < 0 || offset + 4 > l->in_len ||
		(uint32_t) count != ((uint32_t) l->in[offset] << 24 | (uint32_t) l->in[offset + 1] << 16 |
							 (uint32_t) l->in[offset + 2] << 8 | l->in[offset + 3]))
		abort();
	l->positions_count = count;
	return 0;
}

static int
on_ledger_position(void *ctx, int32_t index, const pm_wire_position *p)
{
	Ledger	   *l = ctx;

	if (index != l->npositions++ || index >= l->positions_count)
		abort();
	put_position(l, &l->positions, p);
	return 0;
}

/* Read one ledger form (3 totals, 4 and 5 the accumulator, 6 a position). */
static void
fuzz_ledger(int form, const uint8_t *data, size_t size)
{
	Ledger		l;
	pm_wire_ledger_visitor v = {on_ledger_error, on_ledger_account, on_ledger_asset,
		on_ledger_balance, on_ledger_order, on_ledger_positions, on_ledger_position, &l};
	pm_wire_error err;
	pm_wire_status st;
	Buf			out = {0};
	size_t		used = size;

	memset(&l, 0, sizeof(l));
	l.in = data;
	l.in_len = size;
	if (form == 3)
	{
		st = pm_wire_read_totals(data, size, &v, &err);
		if (st == PM_WIRE_OK)
		{
			if (l.accounts != 1 || l.failed || l.nbalances || l.norders ||
				(l.flag != PM_WIRE_PM && l.flag != PM_WIRE_PM_PRO) || l.leverage != 0 ||
				l.nassets > PM_WIRE_TOTALS_ASSETS_MAX)
				abort();
			put_u8(&out, PM_WIRE_TOTALS_VERSION);
			put_u8(&out, (uint8_t) l.flag);
			put_u8(&out, (uint8_t) (l.nassets >> 8));
			put_u8(&out, (uint8_t) l.nassets);
			put(&out, l.assets.data, l.assets.len);
			put_u32(&out, (uint32_t) l.npositions);
			put(&out, l.positions.data, l.positions.len);
		}
	}
	else if (form == 4 || form == 5)
	{
		int			with_positions = form == 5;

		st = pm_wire_read_ledger(data, size, with_positions, &v, &err);
		if (st == PM_WIRE_OK)
		{
			if (l.accounts != 1 || (l.flag != 0 && l.flag != PM_WIRE_PM && l.flag != PM_WIRE_PM_PRO))
				abort();
			put_u8(&out, PM_WIRE_LEDGER_VERSION);
			put_u8(&out, (uint8_t) (l.failed != 0));
			put(&out, l.error.data, l.error.len);
			put_u8(&out, (uint8_t) l.flag);
			put_i32(&out, l.leverage);
			if (!l.failed)
			{
				put_u32(&out, (uint32_t) l.nassets);
				put(&out, l.assets.data, l.assets.len);
				put_u32(&out, (uint32_t) l.nbalances);
				put(&out, l.balances.data, l.balances.len);
				put_u32(&out, (uint32_t) l.norders);
				put(&out, l.orders.data, l.orders.len);
				put_u8(&out, (uint8_t) with_positions);
				if (with_positions)
				{
					put_u32(&out, (uint32_t) l.npositions);
					put(&out, l.positions.data, l.positions.len);
				}
			}
			else if (l.nassets || l.nbalances || l.norders || l.npositions)
				abort();
		}
	}
	else
	{
		pm_wire_position p;

		st = pm_wire_read_position(data, size, &used, &p, &err);
		if (used > size)
			abort();
		if (st == PM_WIRE_OK)
		{
			if (p.bytes != data || p.len != used)
				abort();
			put_position(&l, &out, &p);
		}
	}
	if (st != err.status)
		abort();
	if (st == PM_WIRE_OK)
	{
		/* the ledger forms are read whole; a position leaves the rest */
		if (out.len != used || (used > 0 && memcmp(out.data, data, used) != 0))
			abort();
	}
	else if (err.offset > size || err.remaining > size ||
			 pm_wire_field_text(err.field) == NULL ||
			 (err.name != NULL && (err.name_len == 0 ||
								   (const uint8_t *) err.name < data ||
								   (const uint8_t *) err.name + err.name_len > data + size)))
		abort();
	free(out.data);
	free(l.error.data);
	free(l.assets.data);
	free(l.balances.data);
	free(l.orders.data);
	free(l.positions.data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ctx			c;
	pm_wire_visitor v = {on_tiers_begin, on_tier, on_margin_begin, on_asset, &c};
	pm_wire_error err;
	pm_wire_status st;
	size_t		used;
	int			form;

	if (size < 1)
		return 0;
	form = data[0] % 7;
	data++;
	size--;
	if (form >= 3)
	{
		fuzz_ledger(form, data, size);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.in = data;
	c.in_len = size;
	if (form == 1)
		st = pm_wire_read_margin(data, size, &used, &v, &err);
	else if (form == 2)
	{
		pm_wire_numeric n;

		st = pm_wire_read_numeric(data, size, &used, &n, &err);
		if (st == PM_WIRE_OK)
			put_numeric(&c, &c.out, &n);
	}
	else
	{
		st = pm_wire_read_tiers(data, size, &used, &v, &err);
		if (st == PM_WIRE_OK)
		{
			if (c.seen_tiers != c.ntiers)
				abort();
			put(&c.out, c.tiers.data, c.tiers.len);
		}
	}
	if (used > size || st != err.status)
		abort();
	if (st == PM_WIRE_OK)
	{
		if (c.out.len != used || memcmp(c.out.data, data, used) != 0)
			abort();
	}
	else if (err.offset > size || err.remaining > size ||
			 pm_wire_field_text(err.field) == NULL)
		abort();
	free(c.out.data);
	free(c.tiers.data);
	return 0;
}
