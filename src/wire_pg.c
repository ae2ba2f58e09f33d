/*-------------------------------------------------------------------------
 *
 * wire_pg.c
 *	  The server side of the binary forms (src/core/wire.h): what the
 *	  pure-C reader finds, in words and in numbers, and the writers of the
 *	  value codec.
 *
 * The pure-C reader checks every byte of every binary form we accept; this
 * file says in words where the bytes went wrong, builds a Numeric from
 * bytes the reader already checked (numeric_recv checks them again, and
 * still rejects a weight out of numeric's range) and a value from a checked
 * value.  The writers here are the only ones of the value codec, so what
 * is written is what the reader reads.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/fmgrprotos.h"

#include "excerpt.h"
#include "wire_pg.h"

/*
 * The asset an error is about: its name when that is valid text in the
 * database encoding (it has not been checked yet), else its position.
 */
static char *
asset_label(const pm_wire_error *err, const char *name, size_t len)
{
	if (name != NULL && len > 0 && memchr(name, '\0', len) == NULL &&
		pg_verifymbstr(name, (int) len, true))
		return pm_excerpt(name, (int) len);
	return psprintf("asset %d", err->asset);
}

/* " (BTC)" when the item's name is known and printable, else "". */
static char *
item_name(const pm_wire_error *err)
{
	if (err->name != NULL && err->name_len > 0 && memchr(err->name, '\0', err->name_len) == NULL &&
		pg_verifymbstr(err->name, (int) err->name_len, true))
		return psprintf(" (%s)", pm_excerpt(err->name, (int) err->name_len));
	return "";
}

/* "the floor of tier 2 of BTC's collateral schedule", "the equity of ETH" */
static char *
field_label(const pm_wire_error *err)
{
	const char *what = pm_wire_field_text(err->field);
	char	   *of = err->asset > 0 ? asset_label(err, err->name, err->name_len) : NULL;

	switch (err->field)
	{
		case PM_WIRE_FIELD_HEADER:
			return pstrdup("the header");
		case PM_WIRE_FIELD_FLOOR:
		case PM_WIRE_FIELD_RATE:
			if (of != NULL)
				return psprintf("the %s of tier %d of %s's collateral schedule",
								what, err->tier, of);
			return psprintf("the %s of tier %d", what, err->tier);
		case PM_WIRE_FIELD_TIERS_HEADER:
			return psprintf("the header of %s's collateral schedule", of);
		case PM_WIRE_FIELD_NAME:
			return psprintf("the name of asset %d", err->asset);
		case PM_WIRE_FIELD_PROGRAM:
			return pstrdup("the program flag");
		case PM_WIRE_FIELD_LEVERAGE:
			return pstrdup("the loan leverage");
		case PM_WIRE_FIELD_BALANCES:
		case PM_WIRE_FIELD_ORDERS:
			return psprintf("the %s", what);
		case PM_WIRE_FIELD_POSITIONS:
			return pstrdup(err->status == PM_WIRE_BAD_FLAG ? "the positions flag"
						   : "the number of positions");
		case PM_WIRE_FIELD_BALANCE:
		case PM_WIRE_FIELD_ORDER:
		case PM_WIRE_FIELD_POSITION:
			return psprintf("%s %d%s", what, err->item, item_name(err));
		case PM_WIRE_FIELD_BORROWED:
		case PM_WIRE_FIELD_INTEREST:
			return psprintf("the %s of balance %d%s", what, err->item, item_name(err));
		case PM_WIRE_FIELD_QTY:
		case PM_WIRE_FIELD_ENTRY:
		case PM_WIRE_FIELD_POSITION_LEVERAGE:
			return psprintf("the %s of position %d%s", what, err->item, item_name(err));
		case PM_WIRE_FIELD_ERROR:
			return pstrdup(err->status == PM_WIRE_BAD_FLAG ? "the error flag" : "the account's error");
		case PM_WIRE_FIELD_END:
			return pstrdup("the end");
		default:
			if (of == NULL)
				return psprintf("the %s", what);
			return psprintf("the %s of %s", what, of);
	}
}

/* What a count of field counts. */
static const char *
count_noun(const pm_wire_error *err, const char *type_name)
{
	switch (err->field)
	{
		case PM_WIRE_FIELD_BALANCES:
			return "balances";
		case PM_WIRE_FIELD_ORDERS:
			return "orders";
		case PM_WIRE_FIELD_POSITIONS:
			return "positions";
		case PM_WIRE_FIELD_ERROR:
			return "bytes of text";
		case PM_WIRE_FIELD_HEADER:
			return strcmp(type_name, "pm.tiers") != 0 ? "assets" : "tiers";
		default:
			return "tiers";
	}
}

/*
 * Report a reader error as invalid binary input of type_name.  what, when
 * given, names the value being read instead of the reader's own label.
 */
void
pm_wire_raise(const pm_wire_error *err, const char *type_name, const char *what)
{
	pm_wire_raise_as(err, psprintf("invalid external %s value", type_name), NULL,
					 type_name, what);
}

/*
 * The same with a message and hint of the caller's: the ledger totals a
 * table keeps are not external input, and their hint says how to mend them.
 */
void
pm_wire_raise_as(const pm_wire_error *err, const char *message, const char *hint,
				 const char *type_name, const char *what)
{
	const char *field = what ? what : field_label(err);
	int			count = (int) err->value;
	char	   *detail;

	switch (err->status)
	{
		case PM_WIRE_TRUNCATED:
			detail = psprintf("The value ends inside %s.", field);
			break;
		case PM_WIRE_BAD_VERSION:
			if (err->field == PM_WIRE_FIELD_HEADER)
				detail = psprintf("Format version %d is not supported; this build reads version %d.",
								  count, (int) err->expected);
			else
				detail = psprintf("%s has format version %d; this build reads version %d.",
								  field, count, (int) err->expected);
			break;
		case PM_WIRE_BAD_COUNT:
			if (err->field == PM_WIRE_FIELD_HEADER && strcmp(type_name, "pm.tiers") != 0)
				detail = psprintf("The header claims %lld assets; between 0 and %d are allowed.",
								  (long long) err->value, PM_WIRE_ASSETS_MAX);
			else if (err->field == PM_WIRE_FIELD_HEADER || err->field == PM_WIRE_FIELD_TIERS_HEADER)
				detail = psprintf("%s claims %d tiers; a schedule has between 1 and %d.",
								  field, count, PM_WIRE_TIERS_MAX);
			else
				detail = psprintf("%s is %lld, more than any value holds.",
								  field, (long long) err->value);
			break;
		case PM_WIRE_COUNT_TOO_LARGE:
			detail = psprintf("%s claims %lld %s but only %zu bytes follow.",
							  field, (long long) err->value, count_noun(err, type_name),
							  err->remaining);
			break;
		case PM_WIRE_NUMERIC_SHORT:
			detail = psprintf("The length of %s is %d bytes, too short for a numeric.",
							  field, count);
			break;
		case PM_WIRE_NUMERIC_OVERRUN:
			detail = psprintf("The length of %s is %d bytes, but only %zu remain.",
							  field, count, err->remaining);
			break;
		case PM_WIRE_NUMERIC_SIZE:
			detail = psprintf("The length of %s is %d bytes, which does not match the number of digits its header gives.",
							  field, count);
			break;
		case PM_WIRE_NUMERIC_SIGN:
			detail = psprintf("The sign word of %s is 0x%04X, which is not a numeric sign.",
							  field, count);
			break;
		case PM_WIRE_NUMERIC_DSCALE:
			detail = psprintf("The display scale of %s is %d; at most 16383 is allowed.",
							  field, count);
			break;
		case PM_WIRE_NUMERIC_DIGIT:
			detail = psprintf("A digit of %s is %d; base-10000 digits lie between 0 and 9999.",
							  field, count);
			break;
		case PM_WIRE_NUMERIC_HIDDEN:
			detail = psprintf("%s has nonzero digits past its display scale of %d.",
							  field, count);
			break;
		case PM_WIRE_NUMERIC_SPECIAL_DIGITS:
			detail = psprintf("%s is NaN or infinite but carries %d digits.",
							  field, count);
			break;
		case PM_WIRE_NAME_LENGTH:
			if (err->field == PM_WIRE_FIELD_NAME)
				detail = psprintf("Asset %d claims a name of %d bytes, but a name has 1 to %d bytes and %zu remain.",
								  err->asset, count, PM_WIRE_NAME_MAX, err->remaining);
			else
				detail = psprintf("The name of %s claims %d bytes, but a name has 1 to %d bytes and %zu remain.",
								  field, count, PM_WIRE_NAME_MAX, err->remaining);
			break;
		case PM_WIRE_NAME_NUL:
			if (err->field == PM_WIRE_FIELD_NAME)
				detail = psprintf("The name of asset %d contains a NUL byte.", err->asset);
			else
				detail = psprintf("The name of %s contains a NUL byte.", field);
			break;
		case PM_WIRE_NAME_ORDER:
			detail = psprintf("Asset \"%s\" follows \"%s\"; assets must be unique and in order.",
							  asset_label(err, err->name, err->name_len),
							  asset_label(err, err->prev_name, err->prev_name_len));
			break;
		case PM_WIRE_BAD_FLAG:
			detail = psprintf("%s is %d; it must be %s.", field, count,
							  err->field == PM_WIRE_FIELD_POSITIONS ? "1 in the accumulator of pm.ledger_totals, else 0" : "0 or 1");
			break;
		case PM_WIRE_BAD_TAG:
			detail = psprintf("The tag of %s is %d.", field, count);
			break;
		case PM_WIRE_DEC_SCALE:
			detail = psprintf("The scale of %s is %d; at most %d is allowed.", field, count, PM_DEC_MAX_SCALE);
			break;
		case PM_WIRE_DEC_LENGTH:
			detail = psprintf("The coefficient of %s claims %d bytes; at most 16 are allowed.", field, count);
			break;
		case PM_WIRE_DEC_NOT_SHORTEST:
			detail = psprintf("The coefficient of %s takes %d bytes; fewer hold it.", field, count);
			break;
		case PM_WIRE_DEC_RANGE:
			detail = psprintf("The coefficient of %s is out of range.", field);
			break;
		case PM_WIRE_NOT_FINITE:
			detail = psprintf("%s is NaN or infinite.", field);
			break;
		case PM_WIRE_MISSING:
			detail = psprintf("%s is missing.", field);
			break;
		case PM_WIRE_NEGATIVE:
			detail = psprintf("%s is negative.", field);
			break;
		case PM_WIRE_NOT_POSITIVE:
			detail = psprintf("%s is not positive.", field);
			break;
		case PM_WIRE_BAD_LEVERAGE:
			detail = psprintf("%s is %d; leverage runs from 1 to %d.", field, count, PM_WIRE_LEVERAGE_MAX);
			break;
		case PM_WIRE_BAD_PROGRAM:
			detail = psprintf("The program flag is %d.", count);
			break;
		case PM_WIRE_POSITION_ORDER:
			detail = pstrdup("The positions are out of order.");
			break;
		case PM_WIRE_STRING_NUL:
			detail = pstrdup("The text of the account's error holds a zero byte.");
			break;
		case PM_WIRE_STRING_EMPTY:
			detail = pstrdup("The account's error has no message.");
			break;
		case PM_WIRE_TOO_SHORT:
			detail = psprintf("The value is %d bytes long; the shortest takes %d.", count, PM_WIRE_TOTALS_MIN);
			break;
		case PM_WIRE_TRAILING:
			detail = psprintf("There are %d bytes left over.", count);
			break;
		default:
			elog(ERROR, "unexpected binary reader status %d", (int) err->status);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg_internal("%s", message),
			 errdetail_internal("%c%s", pg_toupper((unsigned char) detail[0]), detail + 1),
			 hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

/* A Numeric from a checked view. */
Numeric
pm_wire_numeric_value(const pm_wire_numeric *n)
{
	StringInfoData sub;

	/* numeric_recv only reads; the view's bytes are never written */
	sub.data = (char *) n->bytes;
	sub.len = (int) n->len;
	sub.maxlen = (int) n->len;
	sub.cursor = 0;
	return DatumGetNumeric(DirectFunctionCall3(numeric_recv,
											   PointerGetDatum(&sub),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/* A checked value as a value (none as zero). */
PmVal
pm_wire_value_get(const pm_wire_value *v)
{
	if (v->tag == PM_WIRE_VALUE_DEC)
	{
		pm_dec		d;

		d.coef = v->coef;
		d.scale = v->scale;
		if (pm_fast_path)
			return pmv_dec(d);
		return pmv_numeric(pm_dec_to_numeric(d));
	}
	if (v->tag == PM_WIRE_VALUE_NUMERIC)
		return pmv_numeric(pm_wire_numeric_value(&v->numeric));
	return pmv_zero();
}

/* A dec in the value codec: its shortest coefficient. */
static void
send_dec(StringInfo buf, pm_dec d)
{
	int			n = 0;

	/* the fewest bytes that sign-extend back to the coefficient */
	if (d.coef != 0)
		for (n = 1; n < 16; n++)
		{
			int			shift = 128 - 8 * n;

			if ((pm_i128) ((pm_u128) d.coef << shift) >> shift == d.coef)
				break;
		}
	pq_sendbyte(buf, PM_WIRE_VALUE_DEC);
	pq_sendbyte(buf, d.scale);
	pq_sendbyte(buf, n);
	for (int i = 0; i < n; i++)
		pq_sendbyte(buf, (uint8) ((pm_u128) d.coef >> (8 * i)));
}

/* A numeric in the value codec: a dec when it fits one, else framed. */
static void
send_numeric_value(StringInfo buf, Numeric num)
{
	pm_dec		d;

	if (pm_dec_from_numeric(num, &d))
		send_dec(buf, d);
	else
	{
		pq_sendbyte(buf, PM_WIRE_VALUE_NUMERIC);
		pm_send_numeric(buf, num);
	}
}

/* A value in the value codec. */
void
pm_wire_send_value(StringInfo buf, PmVal v)
{
	if (v.is_dec)
		send_dec(buf, v.d);
	else
		send_numeric_value(buf, v.n);
}

/* A sum in the value codec: none while nothing was added. */
void
pm_wire_send_sum(StringInfo buf, const PmSum *sum)
{
	if (!sum->is_set)
		pq_sendbyte(buf, PM_WIRE_VALUE_NONE);
	else if (!sum->is_numeric)
		send_dec(buf, sum->dec);
	else
		send_numeric_value(buf, sum->num);
}

/* A short name; what names the form, for the error when it is too long. */
void
pm_wire_send_short_name(StringInfo buf, const char *name, int len, const char *what)
{
	if (len < 1 || len > PM_WIRE_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("name %s is too long for %s", pm_excerpt(name, len), what),
				 errdetail("Asset and symbol names of up to %d bytes are kept.", PM_WIRE_NAME_MAX)));
	pq_sendbyte(buf, len);
	pq_sendbytes(buf, name, len);
}

/* A string of the ledger accumulator's error: its length, its bytes. */
void
pm_wire_send_string(StringInfo buf, const char *s)
{
	int			len = strlen(s);

	pq_sendint32(buf, len);
	pq_sendbytes(buf, s, len);
}
