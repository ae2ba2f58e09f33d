/*-------------------------------------------------------------------------
 *
 * excerpt.c
 *	  Values as error messages show them.
 *
 * A message names what is wrong, and may show the value -- but a value is
 * the user's: it may be megabytes long (an asset name in a ledger table of
 * one's own, a numeric with thousands of digits) and it goes to the client
 * and to the server log.  So a message shows at most PM_EXCERPT_CHARS
 * characters of it, cut on a character boundary, with "..." when there was
 * more; a long numeric is shown in scientific notation instead, which
 * keeps its magnitude.  pm.excerpt(text) is the same rule in SQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "compat.h"
#include "excerpt.h"


/* The first PM_EXCERPT_CHARS characters of s (len bytes), palloc'd. */
char *
pm_excerpt(const char *s, int len)
{
	int			cut;
	int			chars = 0;
	int			i = 0;

	while (i < len && chars < PM_EXCERPT_CHARS)
	{
		i += pg_mblen(s + i);
		chars++;
	}
	cut = Min(i, len);
	if (cut >= len)
		return pnstrdup(s, len);
	return psprintf("%.*s...", cut, s);
}

/* pm_excerpt of a text value. */
char *
pm_text_excerpt(const text *t)
{
	return pm_excerpt(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* A numeric as a message shows it: as written, or 15 digits and an exponent. */
char *
pm_numeric_excerpt(Numeric n)
{
	char	   *out = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));

	if (strlen(out) <= PM_EXCERPT_CHARS)
		return out;
	return numeric_out_sci(n, 14);
}
