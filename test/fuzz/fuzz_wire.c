/*
 * fuzz_wire.c
 *	  Fuzz target: the binary reader of pm.tiers and pm.margin_summary
 *	  (src/core/wire.c), the code that first touches bytes from binary COPY,
 *	  the extended protocol and parallel workers.
 *
 * The first input byte picks the form (modulo 3: pm.tiers,
 * pm.margin_summary, one framed numeric); the rest is the value.  Checks: the reader never
 * claims more bytes than it was given; an error points inside the input;
 * every view it hands out lies inside the input and holds valid digits;
 * names arrive strictly increasing; and an accepted value, written back from
 * the views alone, is byte-for-byte the bytes the reader took -- so nothing
 * was skipped, misread or read twice.
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
	form = data[0] % 3;
	data++;
	size--;
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
