/*-------------------------------------------------------------------------
 *
 * number_numeric.c
 *	  Exact numeric helpers shared by the margin functions.
 *
 * Sums, differences and products are exact (PostgreSQL's numeric).  The only
 * rounding in the whole extension happens in pm_div(), which fixes its
 * precision from the operands' magnitudes alone, so a quotient is the same
 * whichever plan, worker or version computes it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "compat.h"
#include "core/tiers_lex.h"
#include "excerpt.h"
#include "number.h"
#include "wire_pg.h"

PG_FUNCTION_INFO_V1(pm_finite);
PG_FUNCTION_INFO_V1(pm_in_range);
PG_FUNCTION_INFO_V1(pm_div_sql);

/* Largest display scale a numeric can carry (numeric.c's NUMERIC_DSCALE_MAX). */
#define PM_NUMERIC_DSCALE_MAX	0x3FFF

/* a + b (numeric_add). */
Numeric
pm_add(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_add,
											   NumericGetDatum(a),
											   NumericGetDatum(b)));
}

/* a - b (numeric_sub). */
Numeric
pm_sub(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_sub,
											   NumericGetDatum(a),
											   NumericGetDatum(b)));
}

/*
 * a * b, exactly.  numeric_mul rounds a product whose scale would pass
 * numeric's largest (16383 decimal places); that rounding would be a silent
 * wrong number, so it is an error here.  Only operands carrying thousands
 * of decimal places get past the first test.
 */
Numeric
pm_mul(Numeric a, Numeric b)
{
	if (pm_numeric_dscale(a) + pm_numeric_dscale(b) > PM_NUMERIC_DSCALE_MAX &&
		!pm_numeric_is_special(a) && !pm_numeric_is_special(b))
	{
		Numeric		ta = pm_trim_scale(a),
					tb = pm_trim_scale(b);

		if (pm_numeric_sign(ta) != 0 && pm_numeric_sign(tb) != 0 &&
			pm_numeric_dscale(ta) + pm_numeric_dscale(tb) > PM_NUMERIC_DSCALE_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("product has too many decimal places to represent exactly"),
					 errdetail("Its exact value needs %d decimal places; numeric holds at most %d.",
							   pm_numeric_dscale(ta) + pm_numeric_dscale(tb),
							   PM_NUMERIC_DSCALE_MAX)));
		a = ta;
		b = tb;
	}
	return DatumGetNumeric(DirectFunctionCall2(numeric_mul,
											   NumericGetDatum(a),
											   NumericGetDatum(b)));
}

/* |a| (numeric_abs). */
Numeric
pm_abs(Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_abs, NumericGetDatum(a)));
}

/* -a (numeric_uminus). */
Numeric
pm_neg(Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_uminus, NumericGetDatum(a)));
}

/* The same value with no trailing fractional zeros (numeric's trim_scale). */
Numeric
pm_trim_scale(Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_trim_scale, NumericGetDatum(a)));
}

/* -1, 0 or 1 as a is below, equal to or above b (numeric_cmp). */
int
pm_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
											 NumericGetDatum(a),
											 NumericGetDatum(b)));
}

/* Sign of a finite value, read from its header without any arithmetic. */
int
pm_sign(Numeric a)
{
	return pm_numeric_sign(a);
}

/* A new numeric zero, palloc'd (pm_const_zero shares one). */
Numeric
pm_zero(void)
{
	return pm_numeric_in("0");
}

/*
 * A shared zero for reading only (never modify or pfree it), made once per
 * backend so hot paths need not allocate one.
 */
Numeric
pm_const_zero(void)
{
	static Numeric zero = NULL;

	if (zero == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		zero = pm_numeric_in("0");
		MemoryContextSwitchTo(old);
	}
	return zero;
}

/* The numeric str spells (numeric_in, no typmod). */
Numeric
pm_numeric_in(const char *str)
{
	return DatumGetNumeric(DirectFunctionCall3(numeric_in,
											   CStringGetDatum(str),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/* a as text (numeric_out), palloc'd. */
char *
pm_numeric_out(Numeric a)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(a)));
}

/*
 * A palloc'd copy with a 4-byte varlena header, fit to be embedded in our
 * own varlena types and addressed in place later.
 */
Numeric
pm_numeric_copy_plain(Numeric a)
{
	Size		len = VARSIZE_ANY(a);
	Numeric		copy;

	if (VARATT_IS_EXTENDED(a))
		return DatumGetNumericCopy(NumericGetDatum(a));
	copy = (Numeric) palloc(len);
	memcpy(copy, a, len);
	return copy;
}

/*
 * 10^k as an exact numeric, for k in [-PM_NUMERIC_DSCALE_MAX, PM_NUMERIC_DSCALE_MAX].
 * Written out digit by digit so it does not depend on numeric_in's
 * exponent limits, which differ between versions.
 */
static Numeric
pm_pow10_make(int k)
{
	int			n = Abs(k);
	char	   *buf = palloc(n + 3);
	char	   *p = buf;

	if (k >= 0)
	{
		*p++ = '1';
		memset(p, '0', n);
		p += n;
	}
	else
	{
		*p++ = '0';
		*p++ = '.';
		memset(p, '0', n - 1);
		p += n - 1;
		*p++ = '1';
	}
	*p = '\0';
	return pm_numeric_in(buf);
}

/* Powers of ten pm_div uses most, made once per backend (read only). */
#define PM_POW10_CACHED 64

/*
 * 10^k for an integer k (negative: 10^-|k|), read only: from a per-backend
 * cache for |k| <= PM_POW10_CACHED, which every division uses twice.
 */
static Numeric
pm_pow10(int k)
{
	static Numeric cache[2 * PM_POW10_CACHED + 1];
	MemoryContext old;

	if (Abs(k) > PM_POW10_CACHED)
		return pm_pow10_make(k);
	if (cache[k + PM_POW10_CACHED] == NULL)
	{
		old = MemoryContextSwitchTo(TopMemoryContext);
		cache[k + PM_POW10_CACHED] = pm_pow10_make(k);
		MemoryContextSwitchTo(old);
	}
	return cache[k + PM_POW10_CACHED];
}

/* One, made once per backend (read only). */
static Numeric
pm_const_one(void)
{
	static Numeric one = NULL;

	if (one == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		one = pm_numeric_in("1");
		MemoryContextSwitchTo(old);
	}
	return one;
}

/*
 * a / b, rounded half away from zero to at least PM_DIV_SIG_DIGITS
 * significant digits, trailing zeros removed.
 *
 * The scale is chosen from the decimal exponents of a and b alone: the
 * quotient's leading digit sits at exponent e or e - 1 with e = exp(a) -
 * exp(b), so rounding at 10^-(PM_DIV_SIG_DIGITS - e) keeps at least
 * PM_DIV_SIG_DIGITS digits.  The rounding itself is exact integer division
 * with a remainder test, so the result is the correctly rounded value and
 * never depends on numeric_div's own scale heuristics.  A quotient whose
 * digits lie beyond numeric's largest scale is an error, unless exact.
 */
Numeric
pm_div(Numeric a, Numeric b)
{
	int			sa,
				sb,
				rscale;
	bool		clamped;
	Numeric		num,
				den,
				q,
				rem;

	sb = pm_numeric_sign(b);
	if (sb == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("division by zero")));
	sa = pm_numeric_sign(a);
	if (sa == 0)
		return pm_zero();

	rscale = PM_DIV_SIG_DIGITS - (pm_numeric_exponent10(a) - pm_numeric_exponent10(b));
	rscale = Max(rscale, 0);
	clamped = rscale > PM_NUMERIC_DSCALE_MAX;
	rscale = Min(rscale, PM_NUMERIC_DSCALE_MAX);

	num = pm_mul(pm_abs(a), pm_pow10(rscale));
	den = pm_abs(b);
	q = DatumGetNumeric(DirectFunctionCall2(numeric_div_trunc,
											NumericGetDatum(num),
											NumericGetDatum(den)));
	rem = pm_sub(num, pm_mul(q, den));

	/*
	 * A quotient so small that numeric's largest scale cannot hold 20 of its
	 * digits is an error unless it is exact there: rounding it would be a
	 * silent wrong number (often zero).
	 */
	if (clamped && pm_numeric_sign(rem) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("quotient is too small to represent"),
				 errdetail("Its first significant digit lies beyond numeric's largest scale of %d decimal places.",
						   PM_NUMERIC_DSCALE_MAX)));
	if (pm_cmp(pm_add(rem, rem), den) >= 0)
		q = pm_add(q, pm_const_one());
	if (sa != sb)
		q = pm_neg(q);
	return pm_trim_scale(pm_mul(q, pm_pow10(-rscale)));
}

/* Reject NaN and infinities with an error naming the argument. */
void
pm_check_finite(Numeric a, const char *what)
{
	if (pm_numeric_is_special(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", what),
				 errdetail("The value given is %s.", pm_numeric_excerpt(a))));
}

/* Reject anything but a finite value above zero (prices, contract sizes). */
void
pm_check_positive(Numeric a, const char *what)
{
	pm_check_finite(a, what);
	if (pm_numeric_sign(a) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive", what),
				 errdetail("The value given is %s.", pm_numeric_excerpt(a))));
}

/*
 * Binary framing of a numeric inside our types' binary forms: an int32
 * length, then numeric_send's bytes.
 */
void
pm_send_numeric(StringInfo buf, Numeric n)
{
	bytea	   *b = DatumGetByteaPP(DirectFunctionCall1(numeric_send,
														NumericGetDatum(n)));

	pq_sendint32(buf, VARSIZE_ANY_EXHDR(b));
	pq_sendbytes(buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
}

/*
 * Read a numeric framed by pm_send_numeric; the reader in src/core/wire.c
 * checks the frame and the digits.  type_name and what ("a balance's
 * equity") make the error say where the bad bytes were.
 */
Numeric
pm_recv_numeric(StringInfo buf, const char *type_name, const char *what)
{
	pm_wire_numeric n;
	pm_wire_error err;
	size_t		used;

	if (pm_wire_read_numeric(PM_WIRE_UNREAD(buf), PM_WIRE_UNREAD_LEN(buf),
							 &used, &n, &err) != PM_WIRE_OK)
		pm_wire_raise(&err, type_name, what);
	buf->cursor += (int) used;
	return pm_wire_numeric_value(&n);
}

/*
 * pm.div(a, b): a / b by the extension's one division rule (pm_div), so SQL
 * built on the extension (stress, liquidation prices) rounds as it does.
 */
Datum
pm_div_sql(PG_FUNCTION_ARGS)
{
	Numeric		a = PG_GETARG_NUMERIC(0);
	Numeric		b = PG_GETARG_NUMERIC(1);

	pm_check_finite(a, "dividend");
	pm_check_finite(b, "divisor");
	PG_RETURN_NUMERIC(pm_div(a, b));
}

/* pm.finite(numeric): neither NaN nor infinite; for CHECK constraints. */
Datum
pm_finite(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!pm_numeric_is_special(PG_GETARG_NUMERIC(0)));
}

/*
 * pm.in_range(VARIADIC numeric[]): every value is an amount the engine can
 * value exactly, line by line: finite, below 10^PM_AMOUNT_DIGITS in
 * magnitude, with at most PM_AMOUNT_DIGITS digits after the point (trailing
 * zeros aside).  Products of two such amounts, and the 20-digit quotients,
 * stay far inside numeric's range, so no row a table takes can make a view
 * of it fail.  NULLs pass, as in any CHECK.  For CHECK constraints.
 */
Datum
pm_in_range(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *values;
	bool	   *nulls;
	int			n;

	deconstruct_array(arr, NUMERICOID, -1, false, TYPALIGN_INT, &values, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		Numeric		v;

		if (nulls[i])
			continue;
		v = DatumGetNumeric(values[i]);
		if (pm_numeric_is_special(v))
			PG_RETURN_BOOL(false);
		if (pm_numeric_ndigits(v) == 0)
			continue;
		if (pm_numeric_exponent10(v) >= PM_AMOUNT_DIGITS ||
			DatumGetInt32(DirectFunctionCall1(numeric_min_scale, NumericGetDatum(v))) > PM_AMOUNT_DIGITS)
			PG_RETURN_BOOL(false);
	}
	PG_RETURN_BOOL(true);
}

/*
 * A number given in JSON as a number or as a string holding a plain decimal
 * (Binance writes both), or NULL when the value is neither.
 */
Numeric
pm_numeric_from_json(const JsonbValue *v)
{
	if (v->type == jbvNumeric)
		return pm_numeric_copy_plain(v->val.numeric);
	if (v->type == jbvString)
	{
		pm_lex_status st;
		size_t		n = pm_lex_number(v->val.string.val, v->val.string.len, &st);

		if (n > 0 && n == (size_t) v->val.string.len)
			return pm_numeric_in(pnstrdup(v->val.string.val, n));
	}
	return NULL;
}
