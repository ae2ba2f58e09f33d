/*
 * test_wire_ledger.c
 *	  Unit tests of the value codec and the two ledger forms of the binary
 *	  reader (src/core/wire.c): the ledger totals pm.account_state keeps and
 *	  the ledger accumulator's partial states.  Valid forms are read whole
 *	  and reported to the visitor in order; each way the bytes can be wrong
 *	  gives its own status, field and item.
 */
#include <string.h>

#include "core/wire.h"
#include "bytes.h"
#include "unit.h"

/* A value that is none. */
static void
none(Bytes *x)
{
	u8(x, PM_WIRE_VALUE_NONE);
}

/* A dec with the given coefficient bytes, as they are (little-endian). */
static void
dec_raw(Bytes *x, int scale, int n, const uint8_t *bytes)
{
	u8(x, PM_WIRE_VALUE_DEC);
	u8(x, (uint8_t) scale);
	u8(x, (uint8_t) n);
	for (int i = 0; i < n; i++)
		u8(x, bytes[i]);
}

/* A dec in its shortest form, as the writer in wire_pg.c makes it. */
static void
dec(Bytes *x, int scale, int64_t coef)
{
	uint8_t		b[8];
	int			n = 0;

	if (coef != 0)
		for (n = 1; n < 8; n++)
		{
			int			shift = 64 - 8 * n;

			if ((int64_t) ((uint64_t) coef << shift) >> shift == coef)
				break;
		}
	for (int i = 0; i < n; i++)
		b[i] = (uint8_t) ((uint64_t) coef >> (8 * i));
	dec_raw(x, scale, n, b);
}

/* A numeric value: tag 2 and a framed numeric of one digit (none if special). */
static void
numeric(Bytes *x, uint16_t sign, uint16_t digit)
{
	int			special = sign >= 0xC000;

	u8(x, PM_WIRE_VALUE_NUMERIC);
	u32(x, special ? 8 : 10);
	u16(x, special ? 0 : 1);	/* ndigits */
	u16(x, 0);					/* weight */
	u16(x, sign);
	u16(x, 0);					/* dscale */
	if (!special)
		u16(x, digit);
}

static void
name(Bytes *x, const char *s)
{
	u8(x, (uint8_t) strlen(s));
	for (const char *p = s; *p; p++)
		u8(x, (uint8_t) *p);
}

/* A position: symbol, quantity (scale 3), entry price (scale 1), leverage. */
static void
position(Bytes *x, const char *symbol, int64_t qty, int64_t entry, int leverage)
{
	name(x, symbol);
	dec(x, 3, qty);
	dec(x, 1, entry);
	u8(x, (uint8_t) leverage);
}

/* An asset with its four sums; maint margin and open loss are none. */
static void
ledger_asset(Bytes *x, const char *asset, int64_t equity, int64_t initial)
{
	name(x, asset);
	dec(x, 8, equity);
	none(x);
	dec(x, 8, initial);
	none(x);
}

/* Totals: PM, two assets, two positions in byte order. */
static void
totals(Bytes *x)
{
	memset(x, 0, sizeof(*x));
	u8(x, PM_WIRE_TOTALS_VERSION);
	u8(x, PM_WIRE_PM);
	u16(x, 2);
	ledger_asset(x, "BTC", 150000000, 0);
	ledger_asset(x, "USDT", -250000000000, 1200);
	u32(x, 2);
	position(x, "BTCUSDT", 1500, 650000, 20);
	position(x, "ETHUSDT", -2000, 31000, 10);
}

/* An accumulator, no error: PM_PRO, leverage 3, one asset, two balances, an order. */
static void
ledger(Bytes *x, int with_positions)
{
	memset(x, 0, sizeof(*x));
	u8(x, PM_WIRE_LEDGER_VERSION);
	u8(x, 0);					/* no error */
	u8(x, PM_WIRE_PM_PRO);
	u32(x, 3);
	u32(x, 1);
	ledger_asset(x, "ETH", 2000000, 0);
	u32(x, 2);
	name(x, "BTC");
	dec(x, 8, 10000000);
	dec(x, 8, 0);
	dec(x, 8, 0);
	name(x, "USDT");
	dec(x, 2, -5000);
	dec(x, 2, 5000);
	dec(x, 4, 12);
	u32(x, 1);
	name(x, "BTC");
	name(x, "USDT");
	dec(x, 3, 500);
	dec(x, 0, 32000);
	u8(x, (uint8_t) with_positions);
	if (with_positions)
	{
		u32(x, 2);
		position(x, "ETHUSDT", -2000, 31000, 10);	/* any order here */
		position(x, "BTCUSDT", 1500, 650000, 20);
	}
}

/* What the visitor saw. */
typedef struct Seen
{
	int			errors,
				accounts,
				assets,
				balances,
				orders,
				positions;
	int			flag;
	int32_t		leverage,
				code;
	int32_t		position_count;
	size_t		positions_at;
	char		names[256];
	char		message[64];
	int			has_detail,
				has_hint;
	int64_t		coef_sum;		/* of every dec the visitor was handed */
	int			stop_at_balance;
} Seen;

static void
add_name(Seen *s, const char *n, size_t len)
{
	size_t		at = strlen(s->names);

	if (at + len + 2 < sizeof(s->names))
	{
		memcpy(s->names + at, n, len);
		s->names[at + len] = '|';
		s->names[at + len + 1] = '\0';
	}
}

static void
add_value(Seen *s, const pm_wire_value *v)
{
	if (v->tag == PM_WIRE_VALUE_DEC)
		s->coef_sum += (int64_t) v->coef;
}

static int
on_error(void *ctx, int32_t code, const char *message, size_t message_len,
		 const char *detail, size_t detail_len, const char *hint, size_t hint_len)
{
	Seen	   *s = ctx;

	(void) detail_len;
	(void) hint_len;
	s->errors++;
	s->code = code;
	if (message_len < sizeof(s->message))
	{
		memcpy(s->message, message, message_len);
		s->message[message_len] = '\0';
	}
	s->has_detail = detail != NULL;
	s->has_hint = hint != NULL;
	return 0;
}

static int
on_account(void *ctx, int flag, int32_t leverage)
{
	Seen	   *s = ctx;

	s->accounts++;
	s->flag = flag;
	s->leverage = leverage;
	return 0;
}

static int
on_asset(void *ctx, int32_t index, const char *n, size_t len, const pm_wire_value *sums)
{
	Seen	   *s = ctx;

	if (index != s->assets)
		return 1;
	s->assets++;
	add_name(s, n, len);
	for (int k = 0; k < PM_WIRE_ASSET_SUMS; k++)
		add_value(s, &sums[k]);
	return 0;
}

static int
on_balance(void *ctx, int32_t index, const char *n, size_t len, const pm_wire_value *equity,
		   const pm_wire_value *borrowed, const pm_wire_value *interest)
{
	Seen	   *s = ctx;

	if (index != s->balances)
		return 1;
	s->balances++;
	add_name(s, n, len);
	add_value(s, equity);
	add_value(s, borrowed);
	add_value(s, interest);
	return s->stop_at_balance == s->balances;
}

static int
on_order(void *ctx, int32_t index, const char *sell, size_t sell_len, const char *buy,
		 size_t buy_len, const pm_wire_value *sell_qty, const pm_wire_value *buy_qty)
{
	Seen	   *s = ctx;

	if (index != s->orders)
		return 1;
	s->orders++;
	add_name(s, sell, sell_len);
	add_name(s, buy, buy_len);
	add_value(s, sell_qty);
	add_value(s, buy_qty);
	return 0;
}

static int
on_positions(void *ctx, int32_t count, size_t offset)
{
	Seen	   *s = ctx;

	s->position_count = count;
	s->positions_at = offset;
	return 0;
}

static int
on_position(void *ctx, int32_t index, const pm_wire_position *p)
{
	Seen	   *s = ctx;

	if (index != s->positions)
		return 1;
	s->positions++;
	add_name(s, p->symbol, p->symbol_len);
	add_value(s, &p->qty);
	add_value(s, &p->entry);
	s->coef_sum += p->leverage;
	return 0;
}

static pm_wire_status
read_totals(const Bytes *x, Seen *s, pm_wire_error *err)
{
	pm_wire_ledger_visitor v = {on_error, on_account, on_asset, on_balance, on_order,
	on_positions, on_position, s};

	memset(s, 0, sizeof(*s));
	return pm_wire_read_totals(x->b, x->n, &v, err);
}

static pm_wire_status
read_ledger(const Bytes *x, int positions_expected, Seen *s, pm_wire_error *err)
{
	pm_wire_ledger_visitor v = {on_error, on_account, on_asset, on_balance, on_order,
	on_positions, on_position, s};
	int			stop = s->stop_at_balance;

	memset(s, 0, sizeof(*s));
	s->stop_at_balance = stop;
	return pm_wire_read_ledger(x->b, x->n, positions_expected, &v, err);
}

/* Read one position from x; its status. */
static pm_wire_status
read_one(const Bytes *x, pm_wire_position *p, pm_wire_error *err, size_t *used)
{
	memset(p, 0, sizeof(*p));
	return pm_wire_read_position(x->b, x->n, used, p, err);
}

/* A position whose quantity is the given coefficient bytes. */
static void
position_with_qty(Bytes *x, int n, const uint8_t *bytes)
{
	memset(x, 0, sizeof(*x));
	name(x, "BTCUSDT");
	dec_raw(x, 3, n, bytes);
	dec(x, 1, 650000);
	u8(x, 20);
}

/* Every proper prefix of x is refused by read, and never read past. */
static int
every_prefix_refused(Bytes *x, pm_wire_status (*read) (const Bytes *, Seen *, pm_wire_error *))
{
	size_t		full = x->n;
	Seen		s;
	pm_wire_error err;
	int			ok = 1;

	for (size_t i = 0; i < full; i++)
	{
		x->n = i;
		if (read(x, &s, &err) == PM_WIRE_OK || err.offset > i)
			ok = 0;
	}
	x->n = full;
	return ok;
}

static pm_wire_status
read_ledger_plain(const Bytes *x, Seen *s, pm_wire_error *err)
{
	s->stop_at_balance = 0;
	return read_ledger(x, 0, s, err);
}

static pm_wire_status
read_ledger_positions(const Bytes *x, Seen *s, pm_wire_error *err)
{
	s->stop_at_balance = 0;
	return read_ledger(x, 1, s, err);
}

static void
test_values(void)
{
	Bytes		x;
	pm_wire_position p;
	pm_wire_error err;
	size_t		used;
	pm_wire_status st;

	memset(&x, 0, sizeof(x));
	position(&x, "BTCUSDT", 1500, 650000, 20);
	st = read_one(&x, &p, &err, &used);
	CHECK(st == PM_WIRE_OK && used == x.n && p.len == x.n && p.bytes == x.b &&
		  p.symbol_len == 7 && memcmp(p.symbol, "BTCUSDT", 7) == 0 &&
		  p.qty.tag == PM_WIRE_VALUE_DEC && p.qty.scale == 3 && p.qty.coef == 1500 &&
		  p.entry.scale == 1 && p.entry.coef == 650000 && p.leverage == 20,
		  "a position: symbol, two decs and the leverage, its bytes whole");

	{
		static const int64_t coefs[] = {-1, -128, 127, 128, -129, 255, 65535, -65536,
		INT64_MAX, INT64_MIN};
		int			all = 1;

		for (size_t i = 0; i < sizeof(coefs) / sizeof(coefs[0]); i++)
		{
			memset(&x, 0, sizeof(x));
			position(&x, "S", coefs[i], 1, 1);
			if (read_one(&x, &p, &err, &used) != PM_WIRE_OK || p.qty.coef != coefs[i])
				all = 0;
		}
		CHECK(all, "shortest decs of both signs and at the byte edges read back exactly");
	}

	memset(&x, 0, sizeof(x));
	position(&x, "S", 0, 1, 1);
	CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_OK && p.qty.coef == 0 && x.b[4] == 0,
		  "zero is a dec of no bytes");

	{
		static const uint8_t zero1[] = {0x00};
		static const uint8_t one2[] = {0x01, 0x00};
		static const uint8_t minus1_2[] = {0xFF, 0xFF};
		static const uint8_t p128[] = {0x80, 0x00};
		static const uint8_t m129[] = {0x7F, 0xFF};

		position_with_qty(&x, 1, zero1);
		st = read_one(&x, &p, &err, &used);
		CHECK(st == PM_WIRE_DEC_NOT_SHORTEST && err.field == PM_WIRE_FIELD_QTY && err.value == 1,
			  "zero written in one byte is refused");
		position_with_qty(&x, 2, one2);
		CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_DEC_NOT_SHORTEST,
			  "1 written in two bytes is refused");
		position_with_qty(&x, 2, minus1_2);
		CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_DEC_NOT_SHORTEST,
			  "-1 written in two bytes is refused");
		position_with_qty(&x, 2, p128);
		CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_OK && p.qty.coef == 128,
			  "128 needs its second byte");
		position_with_qty(&x, 2, m129);
		CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_OK && p.qty.coef == -129,
			  "-129 needs its second byte");
	}
	{
		uint8_t		b[17];

		memset(b, 0, sizeof(b));
		b[15] = 0x80;
		position_with_qty(&x, 16, b);
		CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_DEC_RANGE,
			  "-2^127 is out of a dec's range");
		memset(b, 0xFF, sizeof(b));
		b[15] = 0x7F;
		position_with_qty(&x, 16, b);
		CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_OK && p.qty.coef > 0,
			  "2^127 - 1 is the largest dec");
		b[16] = 0x01;
		position_with_qty(&x, 17, b);
		st = read_one(&x, &p, &err, &used);
		CHECK(st == PM_WIRE_DEC_LENGTH && err.value == 17, "a dec of 17 bytes is refused");
	}

	memset(&x, 0, sizeof(x));
	name(&x, "S");
	dec(&x, 39, 1);
	st = read_one(&x, &p, &err, &used);
	CHECK(st == PM_WIRE_DEC_SCALE && err.value == 39 && err.field == PM_WIRE_FIELD_QTY,
		  "a dec's scale above 38 is refused");

	memset(&x, 0, sizeof(x));
	name(&x, "S");
	u8(&x, 3);
	st = read_one(&x, &p, &err, &used);
	CHECK(st == PM_WIRE_BAD_TAG && err.value == 3, "a value tag of 3 is refused");

	memset(&x, 0, sizeof(x));
	name(&x, "S");
	numeric(&x, 0x4000, 7);
	dec(&x, 0, 1);
	u8(&x, 1);
	st = read_one(&x, &p, &err, &used);
	CHECK(st == PM_WIRE_OK && p.qty.tag == PM_WIRE_VALUE_NUMERIC && pm_wire_value_sign(&p.qty) < 0 &&
		  p.qty.numeric.ndigits == 1, "a numeric value: what a dec cannot hold");

	memset(&x, 0, sizeof(x));
	name(&x, "S");
	numeric(&x, 0xC000, 0);
	st = read_one(&x, &p, &err, &used);
	CHECK(st == PM_WIRE_NOT_FINITE && err.field == PM_WIRE_FIELD_QTY && err.value == 0xC000,
		  "a NaN numeric value is refused");
	memset(&x, 0, sizeof(x));
	name(&x, "S");
	numeric(&x, 0xD000, 0);
	CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_NOT_FINITE, "an infinite numeric value is refused");

	memset(&x, 0, sizeof(x));
	name(&x, "S");
	none(&x);
	st = read_one(&x, &p, &err, &used);
	CHECK(st == PM_WIRE_MISSING && err.field == PM_WIRE_FIELD_QTY,
		  "a position's quantity cannot be none");

	memset(&x, 0, sizeof(x));
	name(&x, "S");
	dec(&x, 0, 1);
	dec(&x, 0, 0);
	u8(&x, 1);
	st = read_one(&x, &p, &err, &used);
	CHECK(st == PM_WIRE_NOT_POSITIVE && err.field == PM_WIRE_FIELD_ENTRY,
		  "an entry price of zero is refused");

	memset(&x, 0, sizeof(x));
	position(&x, "S", 1, 1, 126);
	st = read_one(&x, &p, &err, &used);
	CHECK(st == PM_WIRE_BAD_LEVERAGE && err.value == 126, "a leverage of 126 is refused");
	memset(&x, 0, sizeof(x));
	position(&x, "S", 1, 1, 0);
	CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_BAD_LEVERAGE, "a leverage of 0 is refused");

	memset(&x, 0, sizeof(x));
	u8(&x, 0);
	CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_NAME_LENGTH, "an empty symbol is refused");
	memset(&x, 0, sizeof(x));
	u8(&x, 3);
	u8(&x, 'A');
	u8(&x, 0);
	u8(&x, 'B');
	CHECK(read_one(&x, &p, &err, &used) == PM_WIRE_NAME_NUL, "a NUL byte in a symbol is refused");

	{
		int			all = 1;
		size_t		full;

		memset(&x, 0, sizeof(x));
		position(&x, "BTCUSDT", -70000, 650000, 20);
		full = x.n;
		for (size_t i = 0; i < full; i++)
		{
			x.n = i;
			if (read_one(&x, &p, &err, &used) == PM_WIRE_OK || used > i || err.offset > i)
				all = 0;
		}
		CHECK(all, "every prefix of a position is an error, never a read past the end");
	}
}

static void
test_totals(void)
{
	Bytes		x;
	Seen		s;
	pm_wire_error err;
	pm_wire_status st;

	totals(&x);
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_OK && s.accounts == 1 && s.flag == PM_WIRE_PM && s.leverage == 0 &&
		  s.assets == 2 && s.position_count == 2 && s.positions == 2 && s.balances == 0 &&
		  strcmp(s.names, "BTC|USDT|BTCUSDT|ETHUSDT|") == 0,
		  "totals: the program, two assets and two positions, in order");
	CHECK(s.coef_sum == 150000000 - 250000000000 + 1200 + 1500 + 650000 + 20 - 2000 + 31000 + 10,
		  "totals: every value reaches the visitor exactly");
	CHECK(x.b[s.positions_at] == 0 && x.b[s.positions_at + 3] == 2,
		  "totals: the visitor learns where the positions' count lies");

	x.n = 7;
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_TOO_SHORT && err.value == 7, "totals shorter than the shortest are refused");

	totals(&x);
	x.b[0] = 2;
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_BAD_VERSION && err.value == 2 && err.expected == PM_WIRE_TOTALS_VERSION,
		  "totals of another version are refused, naming both versions");

	totals(&x);
	x.b[1] = 3;
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_BAD_PROGRAM && err.value == 3, "totals of program 3 are refused");

	totals(&x);
	x.b[2] = 0xFF;
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_COUNT_TOO_LARGE && err.field == PM_WIRE_FIELD_HEADER,
		  "an asset count the bytes cannot hold is refused before reading");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	u8(&x, PM_WIRE_PM);
	u16(&x, 2);
	ledger_asset(&x, "USDT", 1, 0);
	ledger_asset(&x, "BTC", 1, 0);
	u32(&x, 0);
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_NAME_ORDER && err.asset == 2 && err.name_len == 3 && err.prev_name_len == 4,
		  "assets out of order are refused, naming both");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	u8(&x, PM_WIRE_PM);
	u16(&x, 2);
	ledger_asset(&x, "BTC", 1, 0);
	ledger_asset(&x, "BTC", 1, 0);
	u32(&x, 0);
	CHECK(read_totals(&x, &s, &err) == PM_WIRE_NAME_ORDER, "an asset twice is refused");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	u8(&x, PM_WIRE_PM);
	u16(&x, 1);
	name(&x, "BTC");
	none(&x);
	dec(&x, 0, -1);
	none(&x);
	none(&x);
	u32(&x, 0);
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_NEGATIVE && err.field == PM_WIRE_FIELD_SUM_MAINT_MARGIN && err.asset == 1,
		  "a negative maintenance margin is refused");

	memset(&x, 0, sizeof(x));
	u8(&x, 1);
	u8(&x, PM_WIRE_PM);
	u16(&x, 0);
	u32(&x, 2);
	position(&x, "ETHUSDT", 1, 1, 1);
	position(&x, "BTCUSDT", 1, 1, 1);
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_POSITION_ORDER && err.item == 2, "positions out of byte order are refused");

	totals(&x);
	u8(&x, 0);
	st = read_totals(&x, &s, &err);
	CHECK(st == PM_WIRE_TRAILING && err.value == 1, "a byte after the totals is refused");

	totals(&x);
	CHECK(every_prefix_refused(&x, read_totals), "every prefix of totals is an error, never a read past the end");
}

static void
test_ledger(void)
{
	Bytes		x;
	Seen		s;
	pm_wire_error err;
	pm_wire_status st;

	memset(&s, 0, sizeof(s));
	ledger(&x, 0);
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_OK && s.errors == 0 && s.flag == PM_WIRE_PM_PRO && s.leverage == 3 &&
		  s.assets == 1 && s.balances == 2 && s.orders == 1 && s.positions == 0 &&
		  strcmp(s.names, "ETH|BTC|USDT|BTC|USDT|") == 0,
		  "an accumulator: account, asset, balances and an order, in order");
	CHECK(s.coef_sum == 2000000 + 10000000 - 5000 + 5000 + 12 + 500 + 32000,
		  "an accumulator: every value reaches the visitor exactly");

	ledger(&x, 1);
	st = read_ledger(&x, 1, &s, &err);
	CHECK(st == PM_WIRE_OK && s.position_count == 2 && s.positions == 2 &&
		  strcmp(s.names, "ETH|BTC|USDT|BTC|USDT|ETHUSDT|BTCUSDT|") == 0,
		  "an accumulator with positions, in any order");
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_BAD_FLAG && err.field == PM_WIRE_FIELD_POSITIONS && err.value == 1,
		  "positions where none are expected are refused");
	ledger(&x, 0);
	st = read_ledger(&x, 1, &s, &err);
	CHECK(st == PM_WIRE_BAD_FLAG && err.field == PM_WIRE_FIELD_POSITIONS && err.value == 0,
		  "no positions where they are expected is refused");

	ledger(&x, 0);
	x.b[0] = 2;
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_BAD_VERSION && err.value == 2 && err.expected == PM_WIRE_LEDGER_VERSION,
		  "a partial state of format 2 is refused");

	ledger(&x, 0);
	x.b[2] = 3;
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_BAD_PROGRAM && err.value == 3, "an account flag of 3 is refused");

	/* an account that cannot be valued: the error, the account, nothing more */
	memset(&x, 0, sizeof(x));
	u8(&x, PM_WIRE_LEDGER_VERSION);
	u8(&x, 1);
	u32(&x, 0x01000000 | 42);
	u32(&x, 4);
	memcpy(x.b + x.n, "boom", 4);
	x.n += 4;
	u8(&x, 1);
	u32(&x, 2);
	memcpy(x.b + x.n, "Hi", 2);
	x.n += 2;
	u8(&x, 0);
	u8(&x, PM_WIRE_PM);
	u32(&x, 5);
	{
		Bytes		keep = x;

		st = read_ledger(&x, 0, &s, &err);
		CHECK(st == PM_WIRE_OK && s.errors == 1 && s.code == (0x01000000 | 42) &&
			  strcmp(s.message, "boom") == 0 && s.has_detail && !s.has_hint &&
			  s.flag == PM_WIRE_PM && s.leverage == 5 && s.assets == 0,
			  "an account's error: code, message, detail, no hint, then the account");
		CHECK(every_prefix_refused(&x, read_ledger_plain),
			  "every prefix of an error state is an error, never a read past the end");
		u32(&x, 0);
		st = read_ledger(&x, 0, &s, &err);
		CHECK(st == PM_WIRE_TRAILING, "nothing may follow an error state");

		x = keep;
		x.b[9] = 0;				/* the message's length word: 4 -> 0 */
		st = read_ledger(&x, 0, &s, &err);
		CHECK(st == PM_WIRE_STRING_EMPTY && err.field == PM_WIRE_FIELD_ERROR,
			  "an error without a message is refused");
		x = keep;
		x.b[11] = 0;			/* "boom" -> "b\0om" */
		st = read_ledger(&x, 0, &s, &err);
		CHECK(st == PM_WIRE_STRING_NUL && err.field == PM_WIRE_FIELD_ERROR,
			  "a NUL byte in an error's message is refused");
		x = keep;
		x.b[14] = 2;			/* the detail's presence flag */
		st = read_ledger(&x, 0, &s, &err);
		CHECK(st == PM_WIRE_BAD_FLAG && err.field == PM_WIRE_FIELD_ERROR,
			  "a detail flag of 2 is refused");
		x = keep;
		x.b[15] = 0x7F;			/* the detail's length */
		st = read_ledger(&x, 0, &s, &err);
		CHECK(st == PM_WIRE_COUNT_TOO_LARGE && err.field == PM_WIRE_FIELD_ERROR,
			  "a detail longer than the bytes left is refused");
		x = keep;
		x.b[1] = 2;
		st = read_ledger(&x, 0, &s, &err);
		CHECK(st == PM_WIRE_BAD_FLAG && err.field == PM_WIRE_FIELD_ERROR,
			  "an error flag of 2 is refused");
	}

	/* balances and orders */
	memset(&x, 0, sizeof(x));
	u8(&x, PM_WIRE_LEDGER_VERSION);
	u8(&x, 0);
	u8(&x, PM_WIRE_PM);
	u32(&x, 3);
	u32(&x, 0);
	u32(&x, 2);
	name(&x, "BTC");
	dec(&x, 0, 1);
	dec(&x, 0, 0);
	dec(&x, 0, 0);
	name(&x, "USDT");
	dec(&x, 0, 1);
	dec(&x, 0, -1);
	dec(&x, 0, 0);
	u32(&x, 0);
	u8(&x, 0);
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_NEGATIVE && err.field == PM_WIRE_FIELD_BORROWED && err.item == 2 &&
		  err.name_len == 4 && memcmp(err.name, "USDT", 4) == 0,
		  "a negative loan is refused, naming the balance");

	ledger(&x, 0);
	{
		/* the second balance's interest, dec(4, 12) = tag, scale, 1, 12 */
		size_t		at = 0;

		for (size_t i = 0; i + 3 < x.n; i++)
			if (x.b[i] == PM_WIRE_VALUE_DEC && x.b[i + 1] == 4 && x.b[i + 2] == 1 && x.b[i + 3] == 12)
				at = i;
		x.b[at + 3] = 0xF4;		/* -12 */
		st = read_ledger(&x, 0, &s, &err);
		CHECK(at > 0 && st == PM_WIRE_NEGATIVE && err.field == PM_WIRE_FIELD_INTEREST && err.item == 2,
			  "a negative interest is refused");
		x.b[at] = PM_WIRE_VALUE_NONE;
		st = read_ledger(&x, 0, &s, &err);
		CHECK(st == PM_WIRE_MISSING && err.field == PM_WIRE_FIELD_INTEREST,
			  "a balance's interest cannot be none");
	}

	memset(&x, 0, sizeof(x));
	u8(&x, PM_WIRE_LEDGER_VERSION);
	u8(&x, 0);
	u8(&x, PM_WIRE_PM);
	u32(&x, 3);
	u32(&x, 0);
	u32(&x, 0);
	u32(&x, 1);
	name(&x, "BTC");
	name(&x, "USDT");
	dec(&x, 0, 1);
	dec(&x, 0, 0);
	u8(&x, 0);
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_NOT_POSITIVE && err.field == PM_WIRE_FIELD_ORDER && err.item == 1,
		  "an order buying nothing is refused");

	memset(&x, 0, sizeof(x));
	u8(&x, PM_WIRE_LEDGER_VERSION);
	u8(&x, 0);
	u8(&x, PM_WIRE_PM);
	u32(&x, 3);
	u32(&x, 0x80000000u);
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_BAD_COUNT, "an asset count above 2^31 - 1 is refused");
	x.n -= 4;
	u32(&x, 1000);
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_COUNT_TOO_LARGE && err.value == 1000,
		  "an asset count the bytes cannot hold is refused before reading");

	ledger(&x, 0);
	s.stop_at_balance = 1;
	st = read_ledger(&x, 0, &s, &err);
	CHECK(st == PM_WIRE_ABORTED && s.balances == 1 && s.orders == 0,
		  "a visitor that returns non-zero stops the read");

	ledger(&x, 1);
	CHECK(every_prefix_refused(&x, read_ledger_positions),
		  "every prefix of an accumulator is an error, never a read past the end");
}

int
main(void)
{
	test_values();
	test_totals();
	test_ledger();
	return unit_done();
}
