/*
 * wire.c
 *	  Reader for the binary forms of pm.tiers and pm.margin_summary; see
 *	  wire.h for the layout.  Nothing here trusts a length or a count: every
 *	  read is checked against what remains before it is made.
 */
#include <string.h>

#include "core/wire.h"

typedef struct Reader
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	pm_wire_error *err;
} Reader;

/* Record an error at the current position. */
static pm_wire_status
fail(Reader *r, pm_wire_status status, pm_wire_field field, int64_t value)
{
	r->err->status = status;
	r->err->field = field;
	r->err->offset = r->pos;
	r->err->value = value;
	r->err->remaining = r->len - r->pos;
	return status;
}

static size_t
remaining(const Reader *r)
{
	return r->len - r->pos;
}

static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t) ((p[0] << 8) | p[1]);
}

static int32_t
get_i32(const uint8_t *p)
{
	return (int32_t) (((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
					  ((uint32_t) p[2] << 8) | (uint32_t) p[3]);
}

/* A version byte that must equal expected. */
static pm_wire_status
read_version(Reader *r, int expected, pm_wire_field field)
{
	if (remaining(r) < 1)
		return fail(r, PM_WIRE_TRUNCATED, field, 0);
	if (r->data[r->pos] != expected)
		return fail(r, PM_WIRE_BAD_VERSION, field, r->data[r->pos]);
	r->pos++;
	return PM_WIRE_OK;
}

static pm_wire_status
read_i32(Reader *r, pm_wire_field field, int32_t *out)
{
	if (remaining(r) < 4)
		return fail(r, PM_WIRE_TRUNCATED, field, 0);
	*out = get_i32(r->data + r->pos);
	r->pos += 4;
	return PM_WIRE_OK;
}

/*
 * A framed numeric, checked as numeric_recv checks it (sign one of the five
 * codes, display scale within 14 bits, digits below 10000) and, unlike
 * numeric_recv, required to fill its frame exactly.
 */
static pm_wire_status
read_numeric(Reader *r, pm_wire_field field, pm_wire_numeric *n)
{
	int32_t		len;
	const uint8_t *p;
	int			i;

	if (read_i32(r, field, &len) != PM_WIRE_OK)
		return r->err->status;
	if (len < PM_WIRE_NUMERIC_MIN)
		return fail(r, PM_WIRE_NUMERIC_SHORT, field, len);
	if ((size_t) len > remaining(r))
		return fail(r, PM_WIRE_NUMERIC_OVERRUN, field, len);
	p = r->data + r->pos;
	n->bytes = p;
	n->len = (size_t) len;
	n->ndigits = get_u16(p);
	n->weight = (int16_t) get_u16(p + 2);
	n->sign = get_u16(p + 4);
	n->dscale = get_u16(p + 6);
	if ((size_t) len != 8 + 2 * (size_t) n->ndigits)
		return fail(r, PM_WIRE_NUMERIC_SIZE, field, len);
	if (n->sign != 0x0000 && n->sign != 0x4000 && n->sign != 0xC000 &&
		n->sign != 0xD000 && n->sign != 0xF000)
		return fail(r, PM_WIRE_NUMERIC_SIGN, field, n->sign);
	if ((n->dscale & 0x3FFF) != n->dscale)
		return fail(r, PM_WIRE_NUMERIC_DSCALE, field, n->dscale);
	if (n->sign >= 0xC000 && n->ndigits != 0)
		return fail(r, PM_WIRE_NUMERIC_SPECIAL_DIGITS, field, n->ndigits);
	for (i = 0; i < n->ndigits; i++)
	{
		int16_t		d = (int16_t) get_u16(p + 8 + 2 * i);
		int32_t		place = -4 * ((int32_t) n->weight - i);	/* decimal place of its last figure */
		int32_t		hidden = place - (int32_t) n->dscale;

		if (d < 0 || d >= 10000)
			return fail(r, PM_WIRE_NUMERIC_DIGIT, field, d);

		/*
		 * numeric_recv silently truncates figures past the display scale;
		 * a value that has any is not what its sender meant, so refuse it.
		 */
		if (hidden > 0 && d % (hidden >= 4 ? 10000 : hidden == 3 ? 1000 : hidden == 2 ? 100 : 10) != 0)
			return fail(r, PM_WIRE_NUMERIC_HIDDEN, field, n->dscale);
	}
	r->pos += (size_t) len;
	return PM_WIRE_OK;
}

/* A schedule, at the reader's position. */
static pm_wire_status
read_tiers(Reader *r, const pm_wire_visitor *v, pm_wire_field header)
{
	int32_t		ntiers;
	int32_t		i;

	if (read_version(r, PM_WIRE_TIERS_VERSION, header) != PM_WIRE_OK)
		return r->err->status;
	if (read_i32(r, header, &ntiers) != PM_WIRE_OK)
		return r->err->status;
	if (ntiers < 1 || ntiers > PM_WIRE_TIERS_MAX)
		return fail(r, PM_WIRE_BAD_COUNT, header, ntiers);
	/* each tier needs two framed numerics */
	if ((uint64_t) ntiers * 2 * (4 + PM_WIRE_NUMERIC_MIN) > remaining(r))
		return fail(r, PM_WIRE_COUNT_TOO_LARGE, header, ntiers);
	if (v && v->tiers_begin && v->tiers_begin(v->ctx, ntiers) != 0)
		return fail(r, PM_WIRE_ABORTED, header, 0);
	for (i = 0; i < ntiers; i++)
	{
		pm_wire_numeric floor,
					rate;

		r->err->tier = i + 1;
		if (read_numeric(r, PM_WIRE_FIELD_FLOOR, &floor) != PM_WIRE_OK ||
			read_numeric(r, PM_WIRE_FIELD_RATE, &rate) != PM_WIRE_OK)
			return r->err->status;
		if (v && v->tier && v->tier(v->ctx, i, &floor, &rate) != 0)
			return fail(r, PM_WIRE_ABORTED, PM_WIRE_FIELD_RATE, 0);
	}
	r->err->tier = 0;
	return PM_WIRE_OK;
}

/* Start a read: clear the error and the output. */
static void
reader_init(Reader *r, const uint8_t *data, size_t len, pm_wire_error *err)
{
	memset(err, 0, sizeof(*err));
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->err = err;
}

pm_wire_status
pm_wire_read_tiers(const uint8_t *data, size_t len, size_t *used,
				   const pm_wire_visitor *v, pm_wire_error *err)
{
	Reader		r;
	pm_wire_status st;

	reader_init(&r, data, len, err);
	st = read_tiers(&r, v, PM_WIRE_FIELD_HEADER);
	*used = r.pos;
	return st;
}

/* One framed numeric, on its own (the pm.account_ledger state's values). */
pm_wire_status
pm_wire_read_numeric(const uint8_t *data, size_t len, size_t *used,
					 pm_wire_numeric *n, pm_wire_error *err)
{
	Reader		r;
	pm_wire_status st;

	reader_init(&r, data, len, err);
	st = read_numeric(&r, PM_WIRE_FIELD_HEADER, n);
	*used = r.pos;
	return st;
}

/* Smallest asset: name length, 1-byte name, five numerics, flag. */
#define ASSET_MIN (4 + 1 + PM_WIRE_ASSET_NUMERICS * (4 + PM_WIRE_NUMERIC_MIN) + 1)

/* Is name a strictly after b (bytewise, shorter first on a common prefix)? */
static int
name_after(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		n = alen < blen ? alen : blen;
	int			c = memcmp(a, b, n);

	return c > 0 || (c == 0 && alen > blen);
}

pm_wire_status
pm_wire_read_margin(const uint8_t *data, size_t len, size_t *used,
					const pm_wire_visitor *v, pm_wire_error *err)
{
	Reader		r;
	int32_t		nassets;
	int32_t		i;
	const char *prev = NULL;
	size_t		prev_len = 0;

	reader_init(&r, data, len, err);
	*used = 0;
	if (read_version(&r, PM_WIRE_MARGIN_VERSION, PM_WIRE_FIELD_HEADER) != PM_WIRE_OK ||
		read_i32(&r, PM_WIRE_FIELD_HEADER, &nassets) != PM_WIRE_OK)
		goto done;
	if (nassets < 0 || nassets > PM_WIRE_ASSETS_MAX)
	{
		fail(&r, PM_WIRE_BAD_COUNT, PM_WIRE_FIELD_HEADER, nassets);
		goto done;
	}
	if ((uint64_t) nassets * ASSET_MIN > remaining(&r))
	{
		fail(&r, PM_WIRE_COUNT_TOO_LARGE, PM_WIRE_FIELD_HEADER, nassets);
		goto done;
	}
	if (v && v->margin_begin && v->margin_begin(v->ctx, nassets) != 0)
	{
		fail(&r, PM_WIRE_ABORTED, PM_WIRE_FIELD_HEADER, 0);
		goto done;
	}
	for (i = 0; i < nassets; i++)
	{
		pm_wire_asset a;
		int32_t		name_len;
		int			k;

		err->asset = i + 1;
		if (read_i32(&r, PM_WIRE_FIELD_NAME, &name_len) != PM_WIRE_OK)
			goto done;
		if (name_len < 1 || name_len > PM_WIRE_NAME_MAX ||
			(size_t) name_len > remaining(&r))
		{
			fail(&r, PM_WIRE_NAME_LENGTH, PM_WIRE_FIELD_NAME, name_len);
			goto done;
		}
		a.name = (const char *) r.data + r.pos;
		a.name_len = (size_t) name_len;
		err->name = a.name;
		err->name_len = a.name_len;
		err->prev_name = prev;
		err->prev_name_len = prev_len;
		if (memchr(a.name, '\0', a.name_len) != NULL)
		{
			fail(&r, PM_WIRE_NAME_NUL, PM_WIRE_FIELD_NAME, 0);
			goto done;
		}
		if (prev != NULL && !name_after(a.name, a.name_len, prev, prev_len))
		{
			fail(&r, PM_WIRE_NAME_ORDER, PM_WIRE_FIELD_NAME, 0);
			goto done;
		}
		r.pos += a.name_len;
		for (k = 0; k < PM_WIRE_ASSET_NUMERICS; k++)
			if (read_numeric(&r, PM_WIRE_FIELD_PRICE + k, &a.values[k]) != PM_WIRE_OK)
				goto done;
		if (remaining(&r) < 1)
		{
			fail(&r, PM_WIRE_TRUNCATED, PM_WIRE_FIELD_FLAG, 0);
			goto done;
		}
		a.has_collateral = r.data[r.pos];
		if (a.has_collateral != 0 && a.has_collateral != 1)
		{
			fail(&r, PM_WIRE_BAD_FLAG, PM_WIRE_FIELD_FLAG, a.has_collateral);
			goto done;
		}
		r.pos++;
		if (a.has_collateral &&
			read_tiers(&r, v, PM_WIRE_FIELD_TIERS_HEADER) != PM_WIRE_OK)
			goto done;
		if (v && v->asset && v->asset(v->ctx, i, &a) != 0)
		{
			fail(&r, PM_WIRE_ABORTED, PM_WIRE_FIELD_NAME, 0);
			goto done;
		}
		prev = a.name;
		prev_len = a.name_len;
	}
	err->asset = 0;
	err->name = err->prev_name = NULL;
	err->name_len = err->prev_name_len = 0;
done:
	*used = r.pos;
	return err->status;
}

/* What a field is called in messages ("the floor of tier 3"). */
const char *
pm_wire_field_text(pm_wire_field field)
{
	switch (field)
	{
		case PM_WIRE_FIELD_HEADER:
			return "value";
		case PM_WIRE_FIELD_FLOOR:
			return "floor";
		case PM_WIRE_FIELD_RATE:
			return "rate";
		case PM_WIRE_FIELD_NAME:
			return "name";
		case PM_WIRE_FIELD_PRICE:
			return "index price";
		case PM_WIRE_FIELD_EQUITY:
			return "equity";
		case PM_WIRE_FIELD_MAINT_MARGIN:
			return "maintenance margin";
		case PM_WIRE_FIELD_INITIAL_MARGIN:
			return "initial margin";
		case PM_WIRE_FIELD_OPEN_LOSS:
			return "open loss";
		case PM_WIRE_FIELD_FLAG:
			return "collateral flag";
		case PM_WIRE_FIELD_TIERS_HEADER:
			return "collateral schedule";
	}
	return "value";
}
