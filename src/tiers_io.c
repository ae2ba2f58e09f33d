/*-------------------------------------------------------------------------
 *
 * tiers_io.c
 *	  Text and binary input/output of pm.tiers.
 *
 * Text: "0:0.004, 300000:0.005" -- floor:rate pairs separated by commas.
 * Output is canonical (numeric_out of each value, ", " between tiers) and
 * keeps every value's scale, so it reads back to an identical value.
 *
 * Binary: uint8 format version, int32 tier count, then for each tier the
 * floor and the rate, each as an int32 length followed by numeric's own
 * binary form.  cum is derived, never sent.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "compat.h"
#include "core/tiers_lex.h"
#include "pm_numeric.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_tiers_in);
PG_FUNCTION_INFO_V1(pm_tiers_out);
PG_FUNCTION_INFO_V1(pm_tiers_recv);
PG_FUNCTION_INFO_V1(pm_tiers_send);

/* Smallest binary numeric: ndigits, weight, sign, dscale (int16 each). */
#define PM_NUMERIC_SEND_MIN		8

typedef struct TierTokens
{
	int			ntiers;
	int			capacity;
	Numeric    *floors;
	Numeric    *rates;
} TierTokens;

/* Lexer callback: convert one tier's tokens to numerics. */
static int
collect_tier(void *ctx, const char *floor, size_t floor_len,
			 const char *rate, size_t rate_len)
{
	TierTokens *tt = (TierTokens *) ctx;

	if (tt->ntiers >= PM_TIERS_MAX)
		pm_tiers_check_count((int64) tt->ntiers + 1);
	if (tt->ntiers == tt->capacity)
	{
		tt->capacity *= 2;
		tt->floors = repalloc(tt->floors, sizeof(Numeric) * tt->capacity);
		tt->rates = repalloc(tt->rates, sizeof(Numeric) * tt->capacity);
	}
	tt->floors[tt->ntiers] = pm_numeric_in(pnstrdup(floor, floor_len));
	tt->rates[tt->ntiers] = pm_numeric_in(pnstrdup(rate, rate_len));
	tt->ntiers++;
	return 0;
}

/* pm.tiers text input. */
Datum
pm_tiers_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	TierTokens	tt;
	pm_lex_error err;

	tt.ntiers = 0;
	tt.capacity = 8;
	tt.floors = palloc(sizeof(Numeric) * tt.capacity);
	tt.rates = palloc(sizeof(Numeric) * tt.capacity);

	if (pm_tiers_lex(str, strlen(str), collect_tier, &tt, &err) != PM_LEX_OK)
	{
		if (err.status == PM_LEX_EMPTY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type pm.tiers: \"%s\"", str),
					 errdetail("A schedule needs at least one tier."),
					 errhint("Write tiers as floor:rate pairs separated by commas, for example '0:0.004, 300000:0.005'.")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type pm.tiers: \"%s\"", str),
				 errdetail("Tier %d, character %d: %s.", err.tier,
						   (int) err.offset + 1, pm_lex_status_text(err.status)),
				 errhint("Write tiers as floor:rate pairs separated by commas, for example '0:0.004, 300000:0.005'.")));
	}

	PG_RETURN_PMTIERS(pm_tiers_build(tt.floors, tt.rates, tt.ntiers));
}

/* pm.tiers text output: canonical, every value's scale kept. */
Datum
pm_tiers_out(PG_FUNCTION_ARGS)
{
	PmTiers    *t = PG_GETARG_PMTIERS(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < t->ntiers; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, pm_numeric_out(PM_TIERS_FLOOR(t, i)));
		appendStringInfoChar(&buf, ':');
		appendStringInfoString(&buf, pm_numeric_out(PM_TIERS_RATE(t, i)));
	}
	PG_RETURN_CSTRING(buf.data);
}

/* Read one length-prefixed binary numeric, checking every byte is used. */
static Numeric
recv_numeric(StringInfo buf, int tier, const char *part)
{
	int			len = pq_getmsgint(buf, 4);
	StringInfoData sub;
	Numeric		result;

	if (len < PM_NUMERIC_SEND_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.tiers value"),
				 errdetail("Tier %d: the %s is %d bytes long, too short for a numeric.",
						   tier, part, len)));
	if (len > buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.tiers value"),
				 errdetail("Tier %d: the %s claims %d bytes, but %d remain.",
						   tier, part, len, buf->len - buf->cursor)));
	initStringInfo(&sub);
	appendBinaryStringInfo(&sub, pq_getmsgbytes(buf, len), len);
	result = DatumGetNumeric(DirectFunctionCall3(numeric_recv,
												 PointerGetDatum(&sub),
												 ObjectIdGetDatum(InvalidOid),
												 Int32GetDatum(-1)));
	if (sub.cursor != sub.len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.tiers value"),
				 errdetail("Tier %d: the %s has %d bytes left over.",
						   tier, part, sub.len - sub.cursor)));
	return result;
}

/* pm.tiers binary input: validated as strictly as text input. */
Datum
pm_tiers_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	int			ntiers;
	Numeric    *floors;
	Numeric    *rates;
	int			i;

	if (version != PM_TIERS_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.tiers value"),
				 errdetail("Format version %d is not supported; this build reads version %d.",
						   version, PM_TIERS_VERSION)));
	ntiers = pq_getmsgint(buf, 4);
	pm_tiers_check_count(ntiers);
	/* each tier needs two length words and two numerics */
	if ((int64) ntiers * 2 * (4 + PM_NUMERIC_SEND_MIN) > buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.tiers value"),
				 errdetail("It claims %d tiers but holds only %d bytes.",
						   ntiers, buf->len - buf->cursor)));

	floors = palloc(sizeof(Numeric) * ntiers);
	rates = palloc(sizeof(Numeric) * ntiers);
	for (i = 0; i < ntiers; i++)
	{
		floors[i] = recv_numeric(buf, i + 1, "floor");
		rates[i] = recv_numeric(buf, i + 1, "rate");
	}
	PG_RETURN_PMTIERS(pm_tiers_build(floors, rates, ntiers));
}

/* Append one numeric in its binary form, length first. */
static void
send_numeric(StringInfo buf, Numeric n)
{
	bytea	   *b = DatumGetByteaPP(DirectFunctionCall1(numeric_send,
														NumericGetDatum(n)));

	pq_sendint32(buf, VARSIZE_ANY_EXHDR(b));
	pq_sendbytes(buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
}

/* pm.tiers binary output. */
Datum
pm_tiers_send(PG_FUNCTION_ARGS)
{
	PmTiers    *t = PG_GETARG_PMTIERS(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, PM_TIERS_VERSION);
	pq_sendint32(&buf, t->ntiers);
	for (i = 0; i < t->ntiers; i++)
	{
		send_numeric(&buf, PM_TIERS_FLOOR(t, i));
		send_numeric(&buf, PM_TIERS_RATE(t, i));
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
