/*
 * test_wire.c
 *	  Unit tests of the binary reader (src/core/wire.c): valid values of
 *	  both forms, and one test per way the bytes can be wrong.
 */
#include <string.h>

#include "core/wire.h"
#include "bytes.h"
#include "unit.h"

/* A framed numeric with the given header and digits. */
static void
num(Bytes *x, uint16_t sign, int16_t weight, uint16_t dscale, int ndigits, const uint16_t *digits)
{
	int			i;

	i32(x, 8 + 2 * ndigits);
	u16(x, (uint16_t) ndigits);
	u16(x, (uint16_t) weight);
	u16(x, sign);
	u16(x, dscale);
	for (i = 0; i < ndigits; i++)
		u16(x, digits[i]);
}

static const uint16_t one[] = {1};
static const uint16_t rate[] = {9500};	/* 0.95 */

/* The schedule "0:1, 1:0.95". */
static void
schedule(Bytes *x)
{
	u8(x, 1);
	i32(x, 2);
	num(x, 0, 0, 0, 0, NULL);
	num(x, 0, 0, 0, 1, one);
	num(x, 0, 0, 0, 1, one);
	num(x, 0, -1, 2, 1, rate);
}

/* One asset: name, five numerics (price 1, the rest 0), flag. */
static void
asset(Bytes *x, const char *name, int with_schedule)
{
	int			k;

	i32(x, (int32_t) strlen(name));
	memcpy(x->b + x->n, name, strlen(name));
	x->n += strlen(name);
	num(x, 0, 0, 0, 1, one);
	for (k = 1; k < PM_WIRE_ASSET_NUMERICS; k++)
		num(x, 0, 0, 0, 0, NULL);
	u8(x, (uint8_t) with_schedule);
	if (with_schedule)
		schedule(x);
}

typedef struct Seen
{
	int			tiers;
	int			assets;
	int			schedules;
	char		names[256];
} Seen;

static int
on_begin(void *ctx, int32_t n)
{
	((Seen *) ctx)->schedules++;
	(void) n;
	return 0;
}

static int
on_tier(void *ctx, int32_t i, const pm_wire_numeric *f, const pm_wire_numeric *r)
{
	((Seen *) ctx)->tiers++;
	(void) i;
	(void) f;
	(void) r;
	return 0;
}

static int
on_asset(void *ctx, int32_t i, const pm_wire_asset *a)
{
	Seen	   *s = ctx;

	s->assets++;
	strncat(s->names, a->name, a->name_len);
	strcat(s->names, "|");
	(void) i;
	return 0;
}

static int
on_asset_stop(void *ctx, int32_t i, const pm_wire_asset *a)
{
	(void) ctx;
	(void) a;
	return i == 1;
}

static pm_wire_status
read_margin(const Bytes *x, Seen *s, pm_wire_error *err, size_t *used)
{
	pm_wire_visitor v = {on_begin, on_tier, NULL, on_asset, s};

	memset(s, 0, sizeof(*s));
	return pm_wire_read_margin(x->b, x->n, used, &v, err);
}

static pm_wire_status
read_tiers(const Bytes *x, Seen *s, pm_wire_error *err, size_t *used)
{
	pm_wire_visitor v = {on_begin, on_tier, NULL, NULL, s};

	memset(s, 0, sizeof(*s));
	return pm_wire_read_tiers(x->b, x->n, used, &v, err);
}

int
main(void)
{
	Bytes		x;
	Seen		s;
	pm_wire_error err;
	size_t		used;
	pm_wire_status st;
	size_t		i;
	uint16_t	big[] = {10000};

	/* valid values */
	memset(&x, 0, sizeof(x));
	schedule(&x);
	st = read_tiers(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_OK && used == x.n && s.tiers == 2 && s.schedules == 1,
		  "a two-tier schedule is read whole");
	x.b[x.n++] = 0xAB;
	st = read_tiers(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_OK && used == x.n - 1, "bytes after a schedule are left to the caller");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 3);
	asset(&x, "BTC", 1);
	asset(&x, "BTCDOM", 0);
	asset(&x, "ETH", 1);
	st = read_margin(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_OK && used == x.n && s.assets == 3 && s.schedules == 2 &&
		  s.tiers == 4 && strcmp(s.names, "BTC|BTCDOM|ETH|") == 0,
		  "three assets, two with schedules, in order");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 0);
	st = read_margin(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_OK && used == 5 && s.assets == 0, "an empty summary");

	/* every truncation of a valid summary is an error, never a read past the end */
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 2);
	asset(&x, "A", 1);
	asset(&x, "B", 0);
	{
		size_t		full = x.n;
		int			all_errors = 1;

		for (i = 0; i < full; i++)
		{
			x.n = i;
			st = read_margin(&x, &s, &err, &used);
			if (st == PM_WIRE_OK || used > i || err.offset > i)
				all_errors = 0;
		}
		x.n = full;
		CHECK(all_errors, "each of a summary's proper prefixes is rejected");
	}

	/* headers */
	memset(&x, 0, sizeof(x));
	u8(&x, 2);
	i32(&x, 1);
	st = read_tiers(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_BAD_VERSION && err.value == 2, "an unknown version");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 0);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_BAD_COUNT && err.value == 0,
		  "a schedule of no tiers");
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, PM_WIRE_TIERS_MAX + 1);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_BAD_COUNT, "a schedule of too many tiers");
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, -1);
	CHECK(read_margin(&x, &s, &err, &used) == PM_WIRE_BAD_COUNT && err.value == -1,
		  "a negative asset count");
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1000);
	CHECK(read_margin(&x, &s, &err, &used) == PM_WIRE_COUNT_TOO_LARGE && s.assets == 0,
		  "an asset count beyond the bytes present is refused before any is read");
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	u16(&x, 0);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_TRUNCATED, "a cut inside the count");

	/* numerics */
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	i32(&x, 4);
	for (i = 0; i < 20; i++)
		u8(&x, 0);
	st = read_tiers(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_NUMERIC_SHORT && err.value == 4 && err.field == PM_WIRE_FIELD_FLOOR &&
		  err.tier == 1, "a numeric frame shorter than a header");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	num(&x, 0, 0, 0, 0, NULL);
	i32(&x, 1000);
	for (i = 0; i < 8; i++)
		u8(&x, 0);
	st = read_tiers(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_NUMERIC_OVERRUN && err.field == PM_WIRE_FIELD_RATE && err.remaining == 8,
		  "a numeric frame longer than what remains");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	i32(&x, 10);				/* frame 10, header says 0 digits */
	u16(&x, 0);
	u16(&x, 0);
	u16(&x, 0);
	u16(&x, 0);
	u16(&x, 0);
	num(&x, 0, 0, 0, 0, NULL);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_NUMERIC_SIZE, "a frame that the digits do not fill");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	num(&x, 0x8000, 0, 0, 0, NULL);
	num(&x, 0, 0, 0, 0, NULL);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_NUMERIC_SIGN && err.value == 0x8000,
		  "an invalid sign word");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	num(&x, 0, 0, 0x4000, 0, NULL);
	num(&x, 0, 0, 0, 0, NULL);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_NUMERIC_DSCALE, "a display scale beyond 14 bits");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	num(&x, 0, 0, 0, 0, NULL);
	num(&x, 0, 0, 0, 1, big);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_NUMERIC_DIGIT && err.value == 10000,
		  "a digit of 10000");

	/* 0.0001 sent with display scale 3: numeric_recv would make it 0 */
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	num(&x, 0, 0, 0, 0, NULL);
	num(&x, 0, -1, 3, 1, one);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_NUMERIC_HIDDEN && err.value == 3,
		  "a nonzero figure past the display scale");
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	num(&x, 0, 0, 0, 0, NULL);
	num(&x, 0, -1, 2, 1, rate);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_OK,
		  "0.95 at display scale 2: the hidden figures are zeros");
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	num(&x, 0, 0, 0, 0, NULL);
	num(&x, 0xC000, 0, 0, 1, one);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_NUMERIC_SPECIAL_DIGITS,
		  "a NaN with digits");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	num(&x, 0xC000, 0, 0, 0, NULL);
	num(&x, 0xD000, 0, 0, 0, NULL);
	CHECK(read_tiers(&x, &s, &err, &used) == PM_WIRE_OK,
		  "NaN and infinity pass the framing (the caller rejects their values)");

	/* names */
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 2);
	asset(&x, "ETH", 0);
	asset(&x, "BTC", 0);
	st = read_margin(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_NAME_ORDER && err.asset == 2 && s.assets == 1 &&
		  err.prev_name_len == 3 && memcmp(err.prev_name, "ETH", 3) == 0,
		  "assets out of order");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 2);
	asset(&x, "ETH", 0);
	asset(&x, "ETH", 0);
	CHECK(read_margin(&x, &s, &err, &used) == PM_WIRE_NAME_ORDER, "an asset twice");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	asset(&x, "E\x01H", 0);
	x.b[10] = 0;
	CHECK(read_margin(&x, &s, &err, &used) == PM_WIRE_NAME_NUL, "a NUL byte in a name");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	asset(&x, "BTC", 0);
	x.b[5 + 3] = 0;				/* name length 3 -> 0 */
	CHECK(read_margin(&x, &s, &err, &used) == PM_WIRE_NAME_LENGTH && err.value == 0,
		  "an empty name");
	x.b[5 + 2] = 1;				/* name length 256 */
	CHECK(read_margin(&x, &s, &err, &used) == PM_WIRE_NAME_LENGTH && err.value == 256,
		  "a name longer than 255 bytes");

	/* the collateral flag */
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 1);
	asset(&x, "BTC", 0);
	x.b[x.n - 1] = 2;
	CHECK(read_margin(&x, &s, &err, &used) == PM_WIRE_BAD_FLAG && err.value == 2,
		  "a collateral flag of 2");
	x.b[x.n - 1] = 1;
	st = read_margin(&x, &s, &err, &used);
	CHECK(st == PM_WIRE_TRUNCATED && err.field == PM_WIRE_FIELD_TIERS_HEADER,
		  "a collateral flag with no schedule after it");

	/* a visitor can stop the read */
	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	i32(&x, 2);
	asset(&x, "A", 0);
	asset(&x, "B", 0);
	{
		pm_wire_visitor v = {NULL, NULL, NULL, on_asset_stop, NULL};

		CHECK(pm_wire_read_margin(x.b, x.n, &used, &v, &err) == PM_WIRE_ABORTED,
			  "a visitor that returns non-zero stops the read");
	}

	/* a standalone numeric */
	memset(&x, 0, sizeof(x));
	num(&x, 0x4000, 0, 0, 1, one);
	{
		pm_wire_numeric n;

		st = pm_wire_read_numeric(x.b, x.n, &used, &n, &err);
		CHECK(st == PM_WIRE_OK && used == 14 && n.sign == 0x4000 && n.ndigits == 1 &&
			  n.bytes == x.b + 4, "a standalone numeric");
	}
	return unit_done();
}
