/*
 * tiers_lex.c
 *	  Lexer for the text form of a tier schedule (see tiers_lex.h).
 *
 * Grammar, white space allowed around every token:
 *
 *	  schedule := tier ( ',' tier )*
 *	  tier     := number ':' number
 *	  number   := [+-]? ( digits ( '.' digits? )? | '.' digits ) ( [eE] [+-]? digits )?
 *
 * Words such as NaN or Infinity are reported as PM_LEX_NOT_FINITE so the
 * caller can say "not a finite number" rather than "syntax error".
 */
#include "tiers_lex.h"

#include <string.h>

/* Exponents longer than this are certainly out of numeric's range. */
#define PM_LEX_MAX_EXPONENT_DIGITS 9

/* White space as isspace sees it in the C locale, whatever the locale. */
static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* An ASCII digit. */
static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* An ASCII letter. */
static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The index of the first character at or after i that is not white space. */
static size_t
skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && is_space(s[i]))
		i++;
	return i;
}

/*
 * Length of the number token at the start of s, or 0 with *status set when
 * there is none.  A number is followed by white space, ':', ',' or the end.
 */
size_t
pm_lex_number(const char *s, size_t len, pm_lex_status *status)
{
	size_t		i = 0;
	size_t		int_digits = 0;
	size_t		frac_digits = 0;

	*status = PM_LEX_OK;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < len && is_alpha(s[i]))
	{
		*status = PM_LEX_NOT_FINITE;
		return 0;
	}
	while (i < len && is_digit(s[i]))
		i++, int_digits++;
	if (i < len && s[i] == '.')
	{
		i++;
		while (i < len && is_digit(s[i]))
			i++, frac_digits++;
	}
	if (int_digits + frac_digits == 0)
	{
		*status = (i == 0 || (i == 1 && (s[0] == '+' || s[0] == '-')))
			? PM_LEX_EXPECTED_NUMBER : PM_LEX_BAD_NUMBER;
		if (i < len && s[i] != ':' && s[i] != ',' && !is_space(s[i]))
			*status = PM_LEX_BAD_NUMBER;
		return 0;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		size_t		exp_digits = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && is_digit(s[i]))
			i++, exp_digits++;
		if (exp_digits == 0 || exp_digits > PM_LEX_MAX_EXPONENT_DIGITS)
		{
			*status = PM_LEX_BAD_NUMBER;
			return 0;
		}
	}
	if (i < len && s[i] != ':' && s[i] != ',' && !is_space(s[i]))
	{
		*status = s[i] == '\0' ? PM_LEX_NUL_BYTE : PM_LEX_BAD_NUMBER;
		return 0;
	}
	return i;
}

/* Read one number at *pos, skipping white space before it. */
static pm_lex_status
read_number(const char *s, size_t len, size_t *pos,
			const char **tok, size_t *tok_len)
{
	pm_lex_status status;
	size_t		i = skip_space(s, len, *pos);
	size_t		n;

	*pos = i;
	if (i >= len)
		return PM_LEX_EXPECTED_NUMBER;
	n = pm_lex_number(s + i, len - i, &status);
	if (n == 0)
		return status;
	*tok = s + i;
	*tok_len = n;
	*pos = i + n;
	return PM_LEX_OK;
}

/* Expect the separator c at *pos, after optional white space. */
static int
expect_char(const char *s, size_t len, size_t *pos, char c)
{
	size_t		i = skip_space(s, len, *pos);

	*pos = i;
	if (i < len && s[i] == c)
	{
		*pos = i + 1;
		return 1;
	}
	return 0;
}

/*
 * Split a schedule literal into tiers, calling emit for each.  On failure
 * err says what was wrong, where, and in which tier.
 */
pm_lex_status
pm_tiers_lex(const char *s, size_t len, pm_tier_emit emit, void *ctx,
			 pm_lex_error *err)
{
	size_t		pos = 0;
	int			tier = 0;

	err->status = PM_LEX_OK;
	err->offset = 0;
	err->tier = 0;

	/* NUL bytes cannot come from SQL text, but binary callers may pass them */
	{
		const char *nul = memchr(s, '\0', len);

		if (nul != NULL)
		{
			err->status = PM_LEX_NUL_BYTE;
			err->offset = (size_t) (nul - s);
			err->tier = 1;
			for (pos = 0; pos < err->offset; pos++)
				err->tier += s[pos] == ',';
			return err->status;
		}
	}

	if (skip_space(s, len, 0) >= len)
	{
		err->status = PM_LEX_EMPTY;
		return err->status;
	}

	for (;;)
	{
		const char *floor_tok = NULL,
				   *rate_tok = NULL;
		size_t		floor_len = 0,
					rate_len = 0;
		pm_lex_status st;

		tier++;
		err->tier = tier;
		st = read_number(s, len, &pos, &floor_tok, &floor_len);
		if (st != PM_LEX_OK)
			goto fail;
		if (!expect_char(s, len, &pos, ':'))
		{
			st = PM_LEX_EXPECTED_COLON;
			goto fail;
		}
		st = read_number(s, len, &pos, &rate_tok, &rate_len);
		if (st != PM_LEX_OK)
			goto fail;
		if (emit != NULL && emit(ctx, floor_tok, floor_len, rate_tok, rate_len) != 0)
		{
			st = PM_LEX_ABORTED;
			goto fail;
		}
		pos = skip_space(s, len, pos);
		if (pos >= len)
			return PM_LEX_OK;
		if (s[pos] != ',')
		{
			st = PM_LEX_EXPECTED_COMMA;
			goto fail;
		}
		pos++;
		continue;

fail:
		err->status = st;
		err->offset = pos;
		return st;
	}
}

/* A lower-case phrase describing a lexing failure, for error details. */
const char *
pm_lex_status_text(pm_lex_status status)
{
	switch (status)
	{
		case PM_LEX_OK:
			return "no error";
		case PM_LEX_EMPTY:
			return "a schedule needs at least one tier";
		case PM_LEX_EXPECTED_NUMBER:
			return "a number was expected";
		case PM_LEX_EXPECTED_COLON:
			return "each tier is written floor:rate, and the \":\" is missing";
		case PM_LEX_EXPECTED_COMMA:
			return "tiers are separated by \",\"";
		case PM_LEX_NOT_FINITE:
			return "floors and rates must be finite decimal numbers";
		case PM_LEX_BAD_NUMBER:
			return "this is not a decimal number";
		case PM_LEX_NUL_BYTE:
			return "the text contains a NUL byte";
		case PM_LEX_ABORTED:
			return "reading stopped early";
	}
	return "unknown error";
}
