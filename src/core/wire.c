/*
 * wire.c
 *	  The reader of every binary form the extension reads; see wire.h for
 *	  the layouts.  Nothing here trusts a length or a count: every read is
 *	  checked against what remains before it is made.
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

/* Bytes not read yet. */
static size_t
remaining(const Reader *r)
{
	return r->len - r->pos;
}

/* The big-endian uint16 at p (pq_sendint16's order). */
static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t) ((p[0] << 8) | p[1]);
}

/* The big-endian int32 at p. */
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
	{
		r->err->expected = expected;
		return fail(r, PM_WIRE_BAD_VERSION, field, r->data[r->pos]);
	}
	r->pos++;
	return PM_WIRE_OK;
}

/* An int32 of field; too few bytes left is PM_WIRE_TRUNCATED. */
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

/* A pm.tiers binary form: its tiers, checked, to the visitor. */
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

/* One framed numeric, on its own (pm_recv_numeric reads them). */
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

/*
 * A pm.margin_summary binary form (the margin accumulator's partial state):
 * its assets, checked and in strictly increasing name order, to the visitor.
 */
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

/* ------------------------------------------------------------------------
 * The value codec and the ledger forms
 * ------------------------------------------------------------------------
 */

/* One byte of field. */
static pm_wire_status
read_u8(Reader *r, pm_wire_field field, int *out)
{
	*out = 0;
	if (remaining(r) < 1)
		return fail(r, PM_WIRE_TRUNCATED, field, 0);
	*out = r->data[r->pos++];
	return PM_WIRE_OK;
}

/* A length word: an int32's four bytes, read unsigned. */
static pm_wire_status
read_u32(Reader *r, pm_wire_field field, uint32_t *out)
{
	int32_t		v = 0;

	if (read_i32(r, field, &v) != PM_WIRE_OK)
		return r->err->status;
	*out = (uint32_t) v;
	return PM_WIRE_OK;
}

/* A 0-or-1 flag byte. */
static pm_wire_status
read_flag(Reader *r, pm_wire_field field, int *out)
{
	if (read_u8(r, field, out) != PM_WIRE_OK)
		return r->err->status;
	if (*out != 0 && *out != 1)
		return fail(r, PM_WIRE_BAD_FLAG, field, *out);
	return PM_WIRE_OK;
}

/* A count of items that each take at least min_size bytes. */
static pm_wire_status
read_count(Reader *r, pm_wire_field field, size_t min_size, int32_t *out)
{
	uint32_t	n = 0;

	if (read_u32(r, field, &n) != PM_WIRE_OK)
		return r->err->status;
	if (n > 0x7FFFFFFF)
		return fail(r, PM_WIRE_BAD_COUNT, field, (int64_t) n);
	if ((uint64_t) n * min_size > remaining(r))
		return fail(r, PM_WIRE_COUNT_TOO_LARGE, field, (int64_t) n);
	*out = (int32_t) n;
	return PM_WIRE_OK;
}

/*
 * A value of the value codec.  A dec's coefficient is rebuilt from its
 * little-endian two's complement, sign-extended; a numeric must be finite.
 */
static pm_wire_status
read_value(Reader *r, pm_wire_field field, pm_wire_value *v)
{
	int			tag;

	memset(v, 0, sizeof(*v));
	if (read_u8(r, field, &tag) != PM_WIRE_OK)
		return r->err->status;
	v->tag = tag;
	if (tag == PM_WIRE_VALUE_NONE)
		return PM_WIRE_OK;
	if (tag == PM_WIRE_VALUE_DEC)
	{
		int			scale,
					n,
					i;
		pm_u128		u = 0;

		if (read_u8(r, field, &scale) != PM_WIRE_OK || read_u8(r, field, &n) != PM_WIRE_OK)
			return r->err->status;
		if (scale > PM_DEC_MAX_SCALE)
			return fail(r, PM_WIRE_DEC_SCALE, field, scale);
		if (n > 16)
			return fail(r, PM_WIRE_DEC_LENGTH, field, n);
		if ((size_t) n > remaining(r))
			return fail(r, PM_WIRE_TRUNCATED, field, 0);
		/*
		 * Only the shortest form: a top byte that merely extends the sign of
		 * the byte below (or a lone zero) would let one value have two
		 * encodings, and positions are matched by their bytes.
		 */
		if (n > 0)
		{
			uint8_t		top = r->data[r->pos + n - 1];
			int			below_negative = n > 1 && (r->data[r->pos + n - 2] & 0x80) != 0;

			if ((top == 0x00 && (n == 1 || !below_negative)) ||
				(top == 0xFF && n > 1 && below_negative))
				return fail(r, PM_WIRE_DEC_NOT_SHORTEST, field, n);
		}
		for (i = 0; i < n; i++)
			u |= (pm_u128) r->data[r->pos + i] << (8 * i);
		r->pos += (size_t) n;
		v->scale = scale;
		if (n == 0)
			v->coef = 0;
		else if (n == 16)
			v->coef = (pm_i128) u;
		else
			v->coef = (pm_i128) (u << (128 - 8 * n)) >> (128 - 8 * n);
		if (v->coef == (pm_i128) (((pm_u128) 1) << 127))
			return fail(r, PM_WIRE_DEC_RANGE, field, 0);
		return PM_WIRE_OK;
	}
	if (tag == PM_WIRE_VALUE_NUMERIC)
	{
		if (read_numeric(r, field, &v->numeric) != PM_WIRE_OK)
			return r->err->status;
		if (v->numeric.sign >= 0xC000)
			return fail(r, PM_WIRE_NOT_FINITE, field, v->numeric.sign);
		return PM_WIRE_OK;
	}
	return fail(r, PM_WIRE_BAD_TAG, field, tag);
}

/* A checked value's sign: -1, 0 or 1 (none is 0). */
int
pm_wire_value_sign(const pm_wire_value *v)
{
	if (v->tag == PM_WIRE_VALUE_DEC)
		return v->coef > 0 ? 1 : v->coef < 0 ? -1 : 0;
	if (v->tag == PM_WIRE_VALUE_NUMERIC && v->numeric.ndigits > 0)
	{
		int			i;

		/* numeric_send may carry zero digits; the value is zero if all are */
		for (i = 0; i < v->numeric.ndigits; i++)
			if (v->numeric.bytes[8 + 2 * i] != 0 || v->numeric.bytes[9 + 2 * i] != 0)
				return v->numeric.sign == 0x4000 ? -1 : 1;
	}
	return 0;
}

/* A value that must be there. */
static pm_wire_status
read_required(Reader *r, pm_wire_field field, pm_wire_value *v)
{
	if (read_value(r, field, v) != PM_WIRE_OK)
		return r->err->status;
	if (v->tag == PM_WIRE_VALUE_NONE)
		return fail(r, PM_WIRE_MISSING, field, 0);
	return PM_WIRE_OK;
}

/* A short name: a length byte, 1 to 255 bytes without NUL. */
static pm_wire_status
read_short_name(Reader *r, pm_wire_field field, const char **name, size_t *len)
{
	int			n;

	if (read_u8(r, field, &n) != PM_WIRE_OK)
		return r->err->status;
	if (n < 1 || (size_t) n > remaining(r))
		return fail(r, PM_WIRE_NAME_LENGTH, field, n);
	*name = (const char *) r->data + r->pos;
	*len = (size_t) n;
	r->err->name = *name;
	r->err->name_len = *len;
	if (memchr(*name, '\0', *len) != NULL)
		return fail(r, PM_WIRE_NAME_NUL, field, 0);
	r->pos += (size_t) n;
	return PM_WIRE_OK;
}

/* Smallest asset of the ledger forms: a 1-byte name and four nones. */
#define LEDGER_ASSET_MIN (1 + 1 + PM_WIRE_ASSET_SUMS)

/* One asset's four sums: margins and loss are never negative. */
static pm_wire_status
read_sums(Reader *r, pm_wire_value *sums)
{
	int			k;

	for (k = 0; k < PM_WIRE_ASSET_SUMS; k++)
	{
		if (read_value(r, PM_WIRE_FIELD_SUM_EQUITY + k, &sums[k]) != PM_WIRE_OK)
			return r->err->status;
		if (k > PM_WIRE_SUM_EQUITY && pm_wire_value_sign(&sums[k]) < 0)
			return fail(r, PM_WIRE_NEGATIVE, PM_WIRE_FIELD_SUM_EQUITY + k, 0);
	}
	return PM_WIRE_OK;
}

/* assets with their sums, names strictly increasing */
static pm_wire_status
read_assets(Reader *r, int32_t n, const pm_wire_ledger_visitor *v)
{
	const char *prev = NULL;
	size_t		prev_len = 0;
	int32_t		i;

	for (i = 0; i < n; i++)
	{
		const char *name;
		size_t		name_len;
		pm_wire_value sums[PM_WIRE_ASSET_SUMS];

		r->err->asset = i + 1;
		r->err->prev_name = prev;
		r->err->prev_name_len = prev_len;
		if (read_short_name(r, PM_WIRE_FIELD_NAME, &name, &name_len) != PM_WIRE_OK)
			return r->err->status;
		if (prev != NULL && !name_after(name, name_len, prev, prev_len))
			return fail(r, PM_WIRE_NAME_ORDER, PM_WIRE_FIELD_NAME, 0);
		if (read_sums(r, sums) != PM_WIRE_OK)
			return r->err->status;
		if (v && v->asset && v->asset(v->ctx, i, name, name_len, sums) != 0)
			return fail(r, PM_WIRE_ABORTED, PM_WIRE_FIELD_NAME, 0);
		prev = name;
		prev_len = name_len;
	}
	r->err->asset = 0;
	r->err->name = r->err->prev_name = NULL;
	r->err->name_len = r->err->prev_name_len = 0;
	return PM_WIRE_OK;
}

/* A position: symbol, quantity, entry price (> 0), leverage (1..125). */
static pm_wire_status
read_position(Reader *r, pm_wire_position *p)
{
	size_t		start = r->pos;

	if (read_short_name(r, PM_WIRE_FIELD_POSITION, &p->symbol, &p->symbol_len) != PM_WIRE_OK ||
		read_required(r, PM_WIRE_FIELD_QTY, &p->qty) != PM_WIRE_OK ||
		read_required(r, PM_WIRE_FIELD_ENTRY, &p->entry) != PM_WIRE_OK)
		return r->err->status;
	if (pm_wire_value_sign(&p->entry) <= 0)
		return fail(r, PM_WIRE_NOT_POSITIVE, PM_WIRE_FIELD_ENTRY, 0);
	if (read_u8(r, PM_WIRE_FIELD_POSITION_LEVERAGE, &p->leverage) != PM_WIRE_OK)
		return r->err->status;
	if (p->leverage < 1 || p->leverage > PM_WIRE_LEVERAGE_MAX)
		return fail(r, PM_WIRE_BAD_LEVERAGE, PM_WIRE_FIELD_POSITION_LEVERAGE, p->leverage);
	p->bytes = r->data + start;
	p->len = r->pos - start;
	return PM_WIRE_OK;
}

/* Fewest bytes a position can be read from: a 1-byte symbol, two tags, the leverage. */
#define POSITION_MIN (2 + 1 + 1 + 1)

/* Byte order of two positions' encodings, shorter first on a common prefix. */
static int
bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t		n = alen < blen ? alen : blen;
	int			c = memcmp(a, b, n);

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

/* positions, in byte order when ordered */
static pm_wire_status
read_positions(Reader *r, int ordered, const pm_wire_ledger_visitor *v)
{
	size_t		at = r->pos;
	int32_t		n,
				i;
	const uint8_t *prev = NULL;
	size_t		prev_len = 0;

	if (read_count(r, PM_WIRE_FIELD_POSITIONS, POSITION_MIN, &n) != PM_WIRE_OK)
		return r->err->status;
	if (v && v->positions && v->positions(v->ctx, n, at) != 0)
		return fail(r, PM_WIRE_ABORTED, PM_WIRE_FIELD_POSITIONS, 0);
	for (i = 0; i < n; i++)
	{
		pm_wire_position p;

		r->err->item = i + 1;
		if (read_position(r, &p) != PM_WIRE_OK)
			return r->err->status;
		if (ordered && prev != NULL && bytes_cmp(prev, prev_len, p.bytes, p.len) > 0)
			return fail(r, PM_WIRE_POSITION_ORDER, PM_WIRE_FIELD_POSITION, 0);
		if (v && v->position && v->position(v->ctx, i, &p) != 0)
			return fail(r, PM_WIRE_ABORTED, PM_WIRE_FIELD_POSITION, 0);
		prev = p.bytes;
		prev_len = p.len;
	}
	r->err->item = 0;
	r->err->name = NULL;
	r->err->name_len = 0;
	return PM_WIRE_OK;
}

/* Nothing may follow a ledger form. */
static pm_wire_status
read_end(Reader *r)
{
	if (remaining(r) != 0)
		return fail(r, PM_WIRE_TRAILING, PM_WIRE_FIELD_END, (int64_t) remaining(r));
	return PM_WIRE_OK;
}

/*
 * The ledger totals form (version 1), read whole: the program flag, the
 * assets' sums, then the positions in their canonical (byte) order.
 */
pm_wire_status
pm_wire_read_totals(const uint8_t *data, size_t len,
					const pm_wire_ledger_visitor *v, pm_wire_error *err)
{
	Reader		r;
	int			program;
	int32_t		nassets;

	reader_init(&r, data, len, err);
	if (len < PM_WIRE_TOTALS_MIN)
		return fail(&r, PM_WIRE_TOO_SHORT, PM_WIRE_FIELD_HEADER, (int64_t) len);
	if (read_version(&r, PM_WIRE_TOTALS_VERSION, PM_WIRE_FIELD_HEADER) != PM_WIRE_OK ||
		read_u8(&r, PM_WIRE_FIELD_PROGRAM, &program) != PM_WIRE_OK)
		return err->status;
	if (program != PM_WIRE_PM_PRO && program != PM_WIRE_PM)
		return fail(&r, PM_WIRE_BAD_PROGRAM, PM_WIRE_FIELD_PROGRAM, program);
	if (v && v->account && v->account(v->ctx, program, 0) != 0)
		return fail(&r, PM_WIRE_ABORTED, PM_WIRE_FIELD_PROGRAM, 0);
	if (remaining(&r) < 2)
		return fail(&r, PM_WIRE_TRUNCATED, PM_WIRE_FIELD_HEADER, 0);
	nassets = get_u16(r.data + r.pos);
	r.pos += 2;
	if ((uint64_t) nassets * LEDGER_ASSET_MIN > remaining(&r))
		return fail(&r, PM_WIRE_COUNT_TOO_LARGE, PM_WIRE_FIELD_HEADER, nassets);
	if (read_assets(&r, nassets, v) != PM_WIRE_OK ||
		read_positions(&r, 1, v) != PM_WIRE_OK)
		return err->status;
	return read_end(&r);
}

/* A string of an error: a length word and bytes without NUL. */
static pm_wire_status
read_string(Reader *r, const char **s, size_t *len)
{
	uint32_t	n = 0;

	if (read_u32(r, PM_WIRE_FIELD_ERROR, &n) != PM_WIRE_OK)
		return r->err->status;
	if (n > remaining(r))
		return fail(r, PM_WIRE_COUNT_TOO_LARGE, PM_WIRE_FIELD_ERROR, (int64_t) n);
	*s = (const char *) r->data + r->pos;
	*len = n;
	if (memchr(*s, '\0', n) != NULL)
		return fail(r, PM_WIRE_STRING_NUL, PM_WIRE_FIELD_ERROR, 0);
	r->pos += n;
	return PM_WIRE_OK;
}

/* An optional string: a presence flag, then the string. */
static pm_wire_status
read_opt_string(Reader *r, const char **s, size_t *len)
{
	int			present;

	*s = NULL;
	*len = 0;
	if (read_flag(r, PM_WIRE_FIELD_ERROR, &present) != PM_WIRE_OK)
		return r->err->status;
	return present ? read_string(r, s, len) : PM_WIRE_OK;
}

/* Fewest bytes a balance or an order can be read from: names and tags. */
#define BALANCE_MIN (2 + 3)
#define ORDER_MIN (2 * 2 + 2)

/*
 * The ledger accumulator's partial state (version 3), read whole: a kept
 * error, the account row, the positions' sums, the balances and orders
 * waiting for completion, and the kept positions when positions_expected.
 */
pm_wire_status
pm_wire_read_ledger(const uint8_t *data, size_t len, int positions_expected,
					const pm_wire_ledger_visitor *v, pm_wire_error *err)
{
	Reader		r;
	int			failed,
				account,
				has_positions;
	int32_t		leverage,
				n,
				i;

	reader_init(&r, data, len, err);
	if (read_version(&r, PM_WIRE_LEDGER_VERSION, PM_WIRE_FIELD_HEADER) != PM_WIRE_OK ||
		read_flag(&r, PM_WIRE_FIELD_ERROR, &failed) != PM_WIRE_OK)
		return err->status;
	if (failed)
	{
		int32_t		code;
		const char *message,
				   *detail,
				   *hint;
		size_t		message_len,
					detail_len,
					hint_len;

		if (read_i32(&r, PM_WIRE_FIELD_ERROR, &code) != PM_WIRE_OK ||
			read_string(&r, &message, &message_len) != PM_WIRE_OK)
			return err->status;
		if (message_len == 0)
			return fail(&r, PM_WIRE_STRING_EMPTY, PM_WIRE_FIELD_ERROR, 0);
		if (read_opt_string(&r, &detail, &detail_len) != PM_WIRE_OK ||
			read_opt_string(&r, &hint, &hint_len) != PM_WIRE_OK)
			return err->status;
		if (v && v->error &&
			v->error(v->ctx, code, message, message_len, detail, detail_len, hint, hint_len) != 0)
			return fail(&r, PM_WIRE_ABORTED, PM_WIRE_FIELD_ERROR, 0);
	}
	if (read_u8(&r, PM_WIRE_FIELD_PROGRAM, &account) != PM_WIRE_OK)
		return err->status;
	if (account != 0 && account != PM_WIRE_PM_PRO && account != PM_WIRE_PM)
		return fail(&r, PM_WIRE_BAD_PROGRAM, PM_WIRE_FIELD_PROGRAM, account);
	if (read_i32(&r, PM_WIRE_FIELD_LEVERAGE, &leverage) != PM_WIRE_OK)
		return err->status;
	if (v && v->account && v->account(v->ctx, account, leverage) != 0)
		return fail(&r, PM_WIRE_ABORTED, PM_WIRE_FIELD_PROGRAM, 0);
	if (failed)
		return read_end(&r);

	if (read_count(&r, PM_WIRE_FIELD_HEADER, LEDGER_ASSET_MIN, &n) != PM_WIRE_OK ||
		read_assets(&r, n, v) != PM_WIRE_OK)
		return err->status;

	if (read_count(&r, PM_WIRE_FIELD_BALANCES, BALANCE_MIN, &n) != PM_WIRE_OK)
		return err->status;
	for (i = 0; i < n; i++)
	{
		const char *name;
		size_t		name_len;
		pm_wire_value equity,
					borrowed,
					interest;

		err->item = i + 1;
		if (read_short_name(&r, PM_WIRE_FIELD_BALANCE, &name, &name_len) != PM_WIRE_OK ||
			read_required(&r, PM_WIRE_FIELD_BALANCE, &equity) != PM_WIRE_OK ||
			read_required(&r, PM_WIRE_FIELD_BORROWED, &borrowed) != PM_WIRE_OK ||
			read_required(&r, PM_WIRE_FIELD_INTEREST, &interest) != PM_WIRE_OK)
			return err->status;
		if (pm_wire_value_sign(&borrowed) < 0)
			return fail(&r, PM_WIRE_NEGATIVE, PM_WIRE_FIELD_BORROWED, 0);
		if (pm_wire_value_sign(&interest) < 0)
			return fail(&r, PM_WIRE_NEGATIVE, PM_WIRE_FIELD_INTEREST, 0);
		if (v && v->balance &&
			v->balance(v->ctx, i, name, name_len, &equity, &borrowed, &interest) != 0)
			return fail(&r, PM_WIRE_ABORTED, PM_WIRE_FIELD_BALANCE, 0);
	}
	err->item = 0;

	if (read_count(&r, PM_WIRE_FIELD_ORDERS, ORDER_MIN, &n) != PM_WIRE_OK)
		return err->status;
	for (i = 0; i < n; i++)
	{
		const char *sell,
				   *buy;
		size_t		sell_len,
					buy_len;
		pm_wire_value sell_qty,
					buy_qty;

		err->item = i + 1;
		if (read_short_name(&r, PM_WIRE_FIELD_ORDER, &sell, &sell_len) != PM_WIRE_OK ||
			read_short_name(&r, PM_WIRE_FIELD_ORDER, &buy, &buy_len) != PM_WIRE_OK ||
			read_required(&r, PM_WIRE_FIELD_ORDER, &sell_qty) != PM_WIRE_OK ||
			read_required(&r, PM_WIRE_FIELD_ORDER, &buy_qty) != PM_WIRE_OK)
			return err->status;
		if (pm_wire_value_sign(&sell_qty) <= 0 || pm_wire_value_sign(&buy_qty) <= 0)
			return fail(&r, PM_WIRE_NOT_POSITIVE, PM_WIRE_FIELD_ORDER, 0);
		if (v && v->order &&
			v->order(v->ctx, i, sell, sell_len, buy, buy_len, &sell_qty, &buy_qty) != 0)
			return fail(&r, PM_WIRE_ABORTED, PM_WIRE_FIELD_ORDER, 0);
	}
	err->item = 0;
	err->name = NULL;
	err->name_len = 0;

	if (read_flag(&r, PM_WIRE_FIELD_POSITIONS, &has_positions) != PM_WIRE_OK)
		return err->status;
	if (has_positions != (positions_expected != 0))
		return fail(&r, PM_WIRE_BAD_FLAG, PM_WIRE_FIELD_POSITIONS, has_positions);
	if (has_positions && read_positions(&r, 0, v) != PM_WIRE_OK)
		return err->status;
	return read_end(&r);
}

/* One position on its own, as the ledger forms encode it. */
pm_wire_status
pm_wire_read_position(const uint8_t *data, size_t len, size_t *used,
					  pm_wire_position *p, pm_wire_error *err)
{
	Reader		r;
	pm_wire_status st;

	reader_init(&r, data, len, err);
	st = read_position(&r, p);
	*used = r.pos;
	return st;
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
		case PM_WIRE_FIELD_PROGRAM:
			return "program";
		case PM_WIRE_FIELD_LEVERAGE:
			return "loan leverage";
		case PM_WIRE_FIELD_SUM_EQUITY:
			return "equity";
		case PM_WIRE_FIELD_SUM_MAINT_MARGIN:
			return "maintenance margin";
		case PM_WIRE_FIELD_SUM_INITIAL_MARGIN:
			return "initial margin";
		case PM_WIRE_FIELD_SUM_OPEN_LOSS:
			return "open loss";
		case PM_WIRE_FIELD_BALANCES:
			return "number of balances";
		case PM_WIRE_FIELD_BALANCE:
			return "balance";
		case PM_WIRE_FIELD_BORROWED:
			return "loan";
		case PM_WIRE_FIELD_INTEREST:
			return "interest";
		case PM_WIRE_FIELD_ORDERS:
			return "number of orders";
		case PM_WIRE_FIELD_ORDER:
			return "order";
		case PM_WIRE_FIELD_POSITIONS:
			return "positions";
		case PM_WIRE_FIELD_POSITION:
			return "position";
		case PM_WIRE_FIELD_QTY:
			return "quantity";
		case PM_WIRE_FIELD_ENTRY:
			return "entry price";
		case PM_WIRE_FIELD_POSITION_LEVERAGE:
			return "leverage";
		case PM_WIRE_FIELD_ERROR:
			return "error";
		case PM_WIRE_FIELD_END:
			return "end";
	}
	return "value";
}
