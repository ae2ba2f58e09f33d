/*
 * tiers_lex.h
 *	  Lexer for the text form of a tier schedule, "floor:rate, floor:rate".
 *
 * Pure C (no PostgreSQL headers): it only finds and checks the tokens, so it
 * can be unit-tested and fuzzed on its own.  Turning the tokens into numbers
 * and checking the schedule's rules is the caller's job.
 */
#ifndef PM_TIERS_LEX_H
#define PM_TIERS_LEX_H

#include <stddef.h>

typedef enum pm_lex_status
{
	PM_LEX_OK = 0,
	PM_LEX_EMPTY,				/* nothing but white space */
	PM_LEX_EXPECTED_NUMBER,		/* a floor or rate is missing */
	PM_LEX_EXPECTED_COLON,		/* floor not followed by ':' */
	PM_LEX_EXPECTED_COMMA,		/* tier not followed by ',' or the end */
	PM_LEX_NOT_FINITE,			/* NaN, Infinity or another word */
	PM_LEX_BAD_NUMBER,			/* malformed digits, point or exponent */
	PM_LEX_NUL_BYTE,			/* an embedded NUL byte */
	PM_LEX_ABORTED				/* the callback asked to stop */
} pm_lex_status;

/* Where a lexing error was found: byte offset into the input. */
typedef struct pm_lex_error
{
	pm_lex_status status;
	size_t		offset;
	int			tier;			/* 1-based tier being read */
} pm_lex_error;

/*
 * Called once per tier with the floor and rate tokens (not NUL-terminated).
 * Return 0 to continue, anything else to stop with PM_LEX_ABORTED.
 */
typedef int (*pm_tier_emit) (void *ctx,
							 const char *floor, size_t floor_len,
							 const char *rate, size_t rate_len);

extern size_t pm_lex_number(const char *s, size_t len, pm_lex_status *status);
extern pm_lex_status pm_tiers_lex(const char *s, size_t len,
								  pm_tier_emit emit, void *ctx,
								  pm_lex_error *err);
extern const char *pm_lex_status_text(pm_lex_status status);

#endif							/* PM_TIERS_LEX_H */
