/*
 * fuzz_tiers_lex.c
 *	  Fuzz target: the pm.tiers text lexer (src/core/tiers_lex.c) on any
 *	  bytes.  Checks that every token lies inside the input, that tokens are
 *	  numbers by the lexer's own rule, and that an error points inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tiers_lex.h"

typedef struct
{
	const char *base;
	size_t		len;
	int			tiers;
} Ctx;

static int
check_token(const Ctx *c, const char *tok, size_t n)
{
	pm_lex_status st;

	if (n == 0 || tok < c->base || tok + n > c->base + c->len)
		abort();
	if (pm_lex_number(tok, n, &st) != n || st != PM_LEX_OK)
		abort();
	return 0;
}

static int
emit(void *ctx, const char *f, size_t fl, const char *r, size_t rl)
{
	Ctx		   *c = ctx;

	check_token(c, f, fl);
	check_token(c, r, rl);
	c->tiers++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ctx			c = {(const char *) data, size, 0};
	pm_lex_error err;
	pm_lex_status st = pm_tiers_lex((const char *) data, size, emit, &c, &err);

	if (st != err.status)
		abort();
	if (st == PM_LEX_OK && c.tiers == 0)
		abort();
	if (st != PM_LEX_OK && err.offset > size)
		abort();
	(void) pm_lex_status_text(st);
	return 0;
}
