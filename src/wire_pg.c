/*-------------------------------------------------------------------------
 *
 * wire_pg.c
 *	  Turns what src/core/wire.c finds into server errors and numerics.
 *
 * The pure-C reader checks the framing of every binary form we accept;
 * this file only says in words where the bytes went wrong, and builds a
 * Numeric from bytes the reader already checked (numeric_recv checks them
 * again, and still rejects a weight out of numeric's range).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/fmgrprotos.h"

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
		return psprintf("%.*s", (int) len, name);
	return psprintf("asset %d", err->asset);
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
		default:
			return psprintf("the %s of %s", what, of);
	}
}

/*
 * Report a reader error as invalid binary input of type_name.  what, when
 * given, names the value being read instead of the reader's own label.
 */
void
pm_wire_raise(const pm_wire_error *err, const char *type_name, const char *what)
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
				detail = psprintf("Format version %d is not supported; this build reads version 1.",
								  count);
			else
				detail = psprintf("%s has format version %d; this build reads version 1.",
								  field, count);
			break;
		case PM_WIRE_BAD_COUNT:
			if (err->field == PM_WIRE_FIELD_HEADER && strcmp(type_name, "pm.tiers") != 0)
				detail = psprintf("The header claims %d assets; between 0 and %d are allowed.",
								  count, PM_WIRE_ASSETS_MAX);
			else
				detail = psprintf("%s claims %d tiers; a schedule has between 1 and %d.",
								  field, count, PM_WIRE_TIERS_MAX);
			break;
		case PM_WIRE_COUNT_TOO_LARGE:
			detail = psprintf("%s claims %d %s but only %zu bytes follow.",
							  field, count,
							  err->field == PM_WIRE_FIELD_HEADER &&
							  strcmp(type_name, "pm.tiers") != 0 ? "assets" : "tiers",
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
			detail = psprintf("Asset %d claims a name of %d bytes, but a name has 1 to %d bytes and %zu remain.",
							  err->asset, count, PM_WIRE_NAME_MAX, err->remaining);
			break;
		case PM_WIRE_NAME_NUL:
			detail = psprintf("The name of asset %d contains a NUL byte.", err->asset);
			break;
		case PM_WIRE_NAME_ORDER:
			detail = psprintf("Asset \"%s\" follows \"%s\"; assets must be unique and in order.",
							  asset_label(err, err->name, err->name_len),
							  asset_label(err, err->prev_name, err->prev_name_len));
			break;
		case PM_WIRE_BAD_FLAG:
			detail = psprintf("%s is %d; it must be 0 or 1.", field, count);
			break;
		default:
			elog(ERROR, "unexpected binary reader status %d", (int) err->status);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external %s value", type_name),
			 errdetail_internal("%c%s", pg_toupper((unsigned char) detail[0]), detail + 1)));
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
