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
#include "excerpt.h"
#include "number.h"
#include "tiers.h"
#include "wire_pg.h"

PG_FUNCTION_INFO_V1(pm_tiers_in);
PG_FUNCTION_INFO_V1(pm_tiers_out);
PG_FUNCTION_INFO_V1(pm_tiers_recv);
PG_FUNCTION_INFO_V1(pm_tiers_send);

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

/* Parse and validate a schedule's text form. */
PmTiers *
pm_tiers_from_cstring(const char *str)
{
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
					 errmsg("invalid input syntax for type pm.tiers: \"%s\"", pm_excerpt(str, strlen(str))),
					 errdetail("A schedule needs at least one tier."),
					 errhint("Write tiers as floor:rate pairs separated by commas, for example '0:0.004, 300000:0.005'.")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type pm.tiers: \"%s\"", pm_excerpt(str, strlen(str))),
				 errdetail("Tier %d, character %d: %s.", err.tier,
						   (int) err.offset + 1, pm_lex_status_text(err.status)),
				 errhint("Write tiers as floor:rate pairs separated by commas, for example '0:0.004, 300000:0.005'.")));
	}

	return pm_tiers_build(tt.floors, tt.rates, tt.ntiers);
}

/* pm.tiers text input. */
Datum
pm_tiers_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_PMTIERS(pm_tiers_from_cstring(PG_GETARG_CSTRING(0)));
}

/* The canonical text of a schedule, every value's scale kept. */
char *
pm_tiers_to_cstring(PmTiers *t)
{
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
	return buf.data;
}

/* pm.tiers text output. */
Datum
pm_tiers_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(pm_tiers_to_cstring(PG_GETARG_PMTIERS(0)));
}

/*
 * Visitor callbacks that collect a schedule's floors and rates as the
 * binary reader reports them (also used for pm.margin_summary's schedules).
 */
int
pm_tiers_recv_begin(void *ctx, int32_t ntiers)
{
	TiersRecv  *tr = ctx;

	tr->floors = palloc(sizeof(Numeric) * ntiers);
	tr->rates = palloc(sizeof(Numeric) * ntiers);
	tr->ntiers = ntiers;
	return 0;
}

/* One tier's floor and rate as numerics, for pm_tiers_build to check. */
int
pm_tiers_recv_tier(void *ctx, int32_t i, const pm_wire_numeric *floor,
				   const pm_wire_numeric *rate)
{
	TiersRecv  *tr = ctx;

	tr->floors[i] = pm_wire_numeric_value(floor);
	tr->rates[i] = pm_wire_numeric_value(rate);
	return 0;
}

/*
 * Read a schedule in pm.tiers' binary form at buf's cursor and advance past
 * it: src/core/wire.c checks the framing, pm_tiers_build the values.
 */
PmTiers *
pm_tiers_recv_internal(StringInfo buf)
{
	TiersRecv	tr = {0};
	pm_wire_visitor v = {pm_tiers_recv_begin, pm_tiers_recv_tier, NULL, NULL, &tr};
	pm_wire_error err;
	size_t		used;

	if (pm_wire_read_tiers(PM_WIRE_UNREAD(buf), PM_WIRE_UNREAD_LEN(buf),
						   &used, &v, &err) != PM_WIRE_OK)
		pm_wire_raise(&err, "pm.tiers", NULL);
	buf->cursor += (int) used;
	return pm_tiers_build(tr.floors, tr.rates, tr.ntiers);
}

/* pm.tiers binary input. */
Datum
pm_tiers_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_PMTIERS(pm_tiers_recv_internal((StringInfo) PG_GETARG_POINTER(0)));
}

/* Append a schedule in pm.tiers' binary form. */
void
pm_tiers_send_internal(StringInfo buf, PmTiers *t)
{
	int			i;

	pq_sendbyte(buf, PM_WIRE_TIERS_VERSION);
	pq_sendint32(buf, t->ntiers);
	for (i = 0; i < t->ntiers; i++)
	{
		pm_send_numeric(buf, PM_TIERS_FLOOR(t, i));
		pm_send_numeric(buf, PM_TIERS_RATE(t, i));
	}
}

/* pm.tiers binary output. */
Datum
pm_tiers_send(PG_FUNCTION_ARGS)
{
	PmTiers    *t = PG_GETARG_PMTIERS(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pm_tiers_send_internal(&buf, t);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
