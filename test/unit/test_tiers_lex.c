/*
 * test_tiers_lex.c
 *	  Unit tests of the pure-C schedule lexer (src/core/tiers_lex.c).
 */
#include <string.h>

#include "core/tiers_lex.h"
#include "unit.h"

/* What the lexer saw, joined as "floor:rate|floor:rate|". */
typedef struct Seen
{
	char		text[1024];
	int			tiers;
	int			stop_after;		/* abort after this many tiers, 0 = never */
} Seen;

static int
record(void *ctx, const char *f, size_t fl, const char *r, size_t rl)
{
	Seen	   *s = ctx;
	size_t		n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%.*s:%.*s|", (int) fl, f, (int) rl, r);
	s->tiers++;
	return s->stop_after > 0 && s->tiers >= s->stop_after;
}

/* Lex str; return the status and fill seen and err. */
static pm_lex_status
lex(const char *str, Seen *seen, pm_lex_error *err)
{
	memset(seen, 0, sizeof(*seen));
	return pm_tiers_lex(str, strlen(str), record, seen, err);
}

static void
expect_ok(const char *str, const char *want, const char *name)
{
	Seen		seen;
	pm_lex_error err;
	pm_lex_status st = lex(str, &seen, &err);

	CHECK(st == PM_LEX_OK && strcmp(seen.text, want) == 0, name);
	if (st != PM_LEX_OK || strcmp(seen.text, want) != 0)
		printf("#   status %d, saw \"%s\", wanted \"%s\"\n", (int) st, seen.text, want);
}

static void
expect_error(const char *str, pm_lex_status want, size_t offset, int tier,
			 const char *name)
{
	Seen		seen;
	pm_lex_error err;
	pm_lex_status st = lex(str, &seen, &err);
	int			good = st == want && err.status == want &&
		err.offset == offset && err.tier == tier;

	CHECK(good, name);
	if (!good)
		printf("#   status %d at %zu in tier %d; wanted %d at %zu in tier %d\n",
			   (int) st, err.offset, err.tier, (int) want, offset, tier);
}

static void
test_numbers(void)
{
	pm_lex_status st;

	CHECK(pm_lex_number("123", 3, &st) == 3 && st == PM_LEX_OK, "integer");
	CHECK(pm_lex_number("-0.5:", 5, &st) == 4 && st == PM_LEX_OK, "negative fraction stops at colon");
	CHECK(pm_lex_number(".5", 2, &st) == 2, "leading point");
	CHECK(pm_lex_number("5.", 2, &st) == 2, "trailing point");
	CHECK(pm_lex_number("1e5", 3, &st) == 3, "exponent");
	CHECK(pm_lex_number("1E-05 ", 6, &st) == 5, "negative exponent then space");
	CHECK(pm_lex_number("+7", 2, &st) == 2, "plus sign");
	CHECK(pm_lex_number("1e", 2, &st) == 0 && st == PM_LEX_BAD_NUMBER, "exponent without digits");
	CHECK(pm_lex_number("1e1234567890", 12, &st) == 0 && st == PM_LEX_BAD_NUMBER, "exponent too long");
	CHECK(pm_lex_number(".", 1, &st) == 0 && st == PM_LEX_BAD_NUMBER, "lone point");
	CHECK(pm_lex_number("-", 1, &st) == 0 && st == PM_LEX_EXPECTED_NUMBER, "lone sign");
	CHECK(pm_lex_number("NaN", 3, &st) == 0 && st == PM_LEX_NOT_FINITE, "NaN");
	CHECK(pm_lex_number("-Infinity", 9, &st) == 0 && st == PM_LEX_NOT_FINITE, "-Infinity");
	CHECK(pm_lex_number("1.2.3", 5, &st) == 0 && st == PM_LEX_BAD_NUMBER, "two points");
	CHECK(pm_lex_number("12abc", 5, &st) == 0 && st == PM_LEX_BAD_NUMBER, "trailing letters");
	CHECK(pm_lex_number("0x10", 4, &st) == 0 && st == PM_LEX_BAD_NUMBER, "hex");
	CHECK(pm_lex_number("1\0", 2, &st) == 0 && st == PM_LEX_NUL_BYTE, "NUL after digits");
	CHECK(pm_lex_number("", 0, &st) == 0 && st == PM_LEX_EXPECTED_NUMBER, "empty");
	CHECK(pm_lex_number("12345", 3, &st) == 3, "stops at the given length");
}

static void
test_schedules(void)
{
	expect_ok("0:0.004", "0:0.004|", "one tier");
	expect_ok("0:0.004, 300000:0.005, 800000:0.0065",
			  "0:0.004|300000:0.005|800000:0.0065|", "three tiers");
	expect_ok("  0 : 1 ,\n\t1e8:0.975  ", "0:1|1e8:0.975|", "white space everywhere");
	expect_ok("0:1,5:.5", "0:1|5:.5|", "no spaces");
	expect_ok("-1:-2", "-1:-2|", "signs are lexed, rules are checked later");
}

static void
test_errors(void)
{
	Seen		seen;
	pm_lex_error err;

	expect_error("", PM_LEX_EMPTY, 0, 0, "empty string");
	expect_error("   \t", PM_LEX_EMPTY, 0, 0, "only white space");
	expect_error("0", PM_LEX_EXPECTED_COLON, 1, 1, "missing colon");
	expect_error("0:", PM_LEX_EXPECTED_NUMBER, 2, 1, "missing rate");
	expect_error(":1", PM_LEX_EXPECTED_NUMBER, 0, 1, "missing floor");
	expect_error("0:1,", PM_LEX_EXPECTED_NUMBER, 4, 2, "trailing comma");
	expect_error("0:1 5:2", PM_LEX_EXPECTED_COMMA, 4, 1, "missing comma");
	expect_error("0:1;5:2", PM_LEX_BAD_NUMBER, 2, 1, "semicolon");
	expect_error("0:NaN", PM_LEX_NOT_FINITE, 2, 1, "NaN rate");
	expect_error("0:1, Infinity:2", PM_LEX_NOT_FINITE, 5, 2, "infinite floor");
	expect_error("0:1, 5:0.5.5", PM_LEX_BAD_NUMBER, 7, 2, "malformed rate");
	expect_error("0:1,,5:2", PM_LEX_EXPECTED_NUMBER, 4, 2, "double comma");
	expect_error("0::1", PM_LEX_EXPECTED_NUMBER, 2, 1, "double colon");
	expect_error("{0:1}", PM_LEX_BAD_NUMBER, 0, 1, "braces");

	{
		const char	s[] = "0:1\0, 5:2";

		CHECK(pm_tiers_lex(s, sizeof(s) - 1, record, &seen, &err) == PM_LEX_NUL_BYTE &&
			  err.offset == 3 && err.tier == 1, "embedded NUL byte");
	}
	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 1;
	CHECK(pm_tiers_lex("0:1, 5:2", 8, record, &seen, &err) == PM_LEX_ABORTED &&
		  seen.tiers == 1, "callback can stop the lexer");
	CHECK(pm_tiers_lex("0:1, 5:2", 8, NULL, NULL, &err) == PM_LEX_OK,
		  "no callback: syntax check only");
	CHECK(strlen(pm_lex_status_text(PM_LEX_BAD_NUMBER)) > 0, "every status has a text");
}

int
main(void)
{
	test_numbers();
	test_schedules();
	test_errors();
	return unit_done();
}
