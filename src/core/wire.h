/*
 * wire.h
 *	  The one reader of every binary form the extension reads: pm.tiers and
 *	  pm.margin_summary (their public send/recv forms, also pm.margin's
 *	  partial states), the ledger accumulator's partial states and the
 *	  ledger totals pm.account_state keeps.
 *
 * Pure C (no PostgreSQL headers), so the code that first touches untrusted
 * bytes from a client (binary COPY, the extended protocol) or from a
 * parallel worker can be unit-tested and fuzzed on its own.  It checks the
 * framing: versions, counts, lengths against what remains, each numeric's
 * header and digits exactly as numeric_recv would, asset names (length, NUL
 * bytes, strict order).  It hands the caller views into the buffer; turning
 * them into numerics and checking values (finite, positive, sorted floors)
 * is the caller's job.
 *
 *	  pm.tiers:
 *		uint8	version (PM_WIRE_TIERS_VERSION)
 *		int32	number of tiers, then per tier: numeric floor, numeric rate
 *	  pm.margin_summary:
 *		uint8	version (PM_WIRE_MARGIN_VERSION)
 *		int32	number of assets, then per asset in name order:
 *		int32	name length, name bytes
 *		numeric index price, equity, maint_margin, initial_margin, open_loss
 *		uint8	1 if a collateral schedule (pm.tiers form) follows, else 0
 *	  numeric:
 *		int32	length, then numeric_send's bytes: uint16 ndigits,
 *				int16 weight, uint16 sign, uint16 dscale, ndigits x int16
 *
 * The ledger forms are made of three more pieces, the value codec:
 *
 *	  value:
 *		uint8	tag: 0 none, 1 dec, 2 numeric
 *		dec:	uint8 scale (0..38), uint8 length (0..16), then the
 *				coefficient's shortest little-endian two's complement
 *				(equal values written alike give equal bytes; any
				longer form is refused)
 *		numeric: a numeric as above, finite: what a dec cannot hold
 *	  short name:
 *		uint8	length (1..255), then the bytes (no NUL)
 *	  position (the ledger totals keep positions as they are):
 *		short name (the symbol), value qty, value entry price (> 0),
 *		uint8 leverage (1..125)
 *
 *	  ledger totals (pm.account_state.ledger_totals, stored: version 1):
 *		uint8	version (PM_WIRE_TOTALS_VERSION)
 *		uint8	program: 1 PM_PRO, 2 PM
 *		uint16	number of assets, then per asset in byte order of names:
 *				short name, values equity, maintenance margin, initial
 *				margin, open loss (each may be none; margins not negative)
 *		uint32	number of positions, then each, in byte order of their bytes
 *	  ledger accumulator (a partial state between the processes of one query):
 *		uint8	version (PM_WIRE_LEDGER_VERSION)
 *		uint8	1 when the account cannot be valued, then:
 *				int32 SQLSTATE, string message (not empty), and detail and
 *				hint, each a uint8 presence flag and a string
 *				(string: uint32 length, the bytes, no NUL)
 *		uint8	account: 0 none yet, 1 PM_PRO, 2 PM
 *		int32	loan leverage
 *		and, when the account can be valued:
 *		uint32	number of assets, each as in the totals (in name order)
 *		uint32	number of balances, then per balance: short name, values
 *				equity, borrowed, interest (none absent)
 *		uint32	number of orders, then per order: short names sell and
 *				buy, values sell qty and buy qty (none absent)
 *		uint8	1 when positions follow (pm.ledger_totals' accumulator):
 *		uint32	number of positions, then each (any order)
 *
 * All integers are big-endian (network order), as pq_sendint writes them.
 */
#ifndef PM_WIRE_H
#define PM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/dec128.h"

#define PM_WIRE_TIERS_VERSION	1
#define PM_WIRE_MARGIN_VERSION	1
#define PM_WIRE_TOTALS_VERSION	1
#define PM_WIRE_LEDGER_VERSION	3

/* Value tags. */
#define PM_WIRE_VALUE_NONE		0
#define PM_WIRE_VALUE_DEC		1
#define PM_WIRE_VALUE_NUMERIC	2

/* Program flags of the ledger forms. */
#define PM_WIRE_PM_PRO			1
#define PM_WIRE_PM				2

#define PM_WIRE_LEVERAGE_MAX	125
#define PM_WIRE_TOTALS_ASSETS_MAX 65535
/* The shortest totals: version, program, no assets, no positions. */
#define PM_WIRE_TOTALS_MIN		8

/* The four sums the ledger forms keep per asset, in wire order. */
enum
{
	PM_WIRE_SUM_EQUITY = 0,
	PM_WIRE_SUM_MAINT_MARGIN,
	PM_WIRE_SUM_INITIAL_MARGIN,
	PM_WIRE_SUM_OPEN_LOSS,
	PM_WIRE_ASSET_SUMS
};

/* Largest schedule we accept; Binance's longest has about 20 tiers. */
#define PM_WIRE_TIERS_MAX		100000
#define PM_WIRE_ASSETS_MAX		1000000
#define PM_WIRE_NAME_MAX		255

/* The smallest framed numeric: a length word and an 8-byte header. */
#define PM_WIRE_NUMERIC_MIN		8

/* The five numerics of an asset, in wire order. */
enum
{
	PM_WIRE_PRICE = 0,
	PM_WIRE_EQUITY,
	PM_WIRE_MAINT_MARGIN,
	PM_WIRE_INITIAL_MARGIN,
	PM_WIRE_OPEN_LOSS,
	PM_WIRE_ASSET_NUMERICS
};

typedef enum pm_wire_status
{
	PM_WIRE_OK = 0,
	PM_WIRE_TRUNCATED,			/* a fixed-size field runs past the end */
	PM_WIRE_BAD_VERSION,		/* value: the version byte */
	PM_WIRE_BAD_COUNT,			/* value: the count (tiers < 1 or too many) */
	PM_WIRE_COUNT_TOO_LARGE,	/* value: the count, more than the bytes left hold */
	PM_WIRE_NUMERIC_SHORT,		/* value: the numeric's length, < 8 */
	PM_WIRE_NUMERIC_OVERRUN,	/* value: the numeric's length, > what remains */
	PM_WIRE_NUMERIC_SIZE,		/* value: the length; digits say otherwise */
	PM_WIRE_NUMERIC_SIGN,		/* value: the sign word */
	PM_WIRE_NUMERIC_DSCALE,		/* value: the display scale */
	PM_WIRE_NUMERIC_DIGIT,		/* value: the digit, outside 0..9999 */
	PM_WIRE_NUMERIC_HIDDEN,		/* value: the display scale; a nonzero figure lies past it */
	PM_WIRE_NUMERIC_SPECIAL_DIGITS, /* value: ndigits of a NaN or infinity */
	PM_WIRE_NAME_LENGTH,		/* value: the name's length */
	PM_WIRE_NAME_NUL,			/* a NUL byte inside a name */
	PM_WIRE_NAME_ORDER,			/* a name not after the one before */
	PM_WIRE_BAD_FLAG,			/* value: the flag byte (not 0 or 1) */
	PM_WIRE_ABORTED,			/* the visitor asked to stop */
	PM_WIRE_BAD_TAG,			/* value: a value's tag */
	PM_WIRE_DEC_SCALE,			/* value: a dec's scale, above 38 */
	PM_WIRE_DEC_LENGTH,			/* value: a dec's length, above 16 */
	PM_WIRE_DEC_RANGE,			/* a dec's coefficient is -2^127 */
	PM_WIRE_DEC_NOT_SHORTEST,	/* value: a dec's length; fewer bytes hold it */
	PM_WIRE_NOT_FINITE,			/* a value's numeric is NaN or infinite */
	PM_WIRE_MISSING,			/* a value that must be there is none */
	PM_WIRE_NEGATIVE,			/* a margin or loss below zero */
	PM_WIRE_NOT_POSITIVE,		/* an entry price not above zero */
	PM_WIRE_BAD_LEVERAGE,		/* value: the leverage */
	PM_WIRE_BAD_PROGRAM,		/* value: the program or account flag */
	PM_WIRE_POSITION_ORDER,		/* a position's bytes sort before the last's */
	PM_WIRE_STRING_NUL,			/* a NUL byte inside an error text */
	PM_WIRE_STRING_EMPTY,		/* an error without a message */
	PM_WIRE_TOO_SHORT,			/* value: the whole length, below the minimum */
	PM_WIRE_TRAILING			/* value: bytes left after the form */
} pm_wire_status;

/* Which field was being read when an error was found. */
typedef enum pm_wire_field
{
	PM_WIRE_FIELD_HEADER = 0,	/* version or count */
	PM_WIRE_FIELD_FLOOR,		/* of tier error.tier */
	PM_WIRE_FIELD_RATE,
	PM_WIRE_FIELD_NAME,			/* of asset error.asset */
	PM_WIRE_FIELD_PRICE,
	PM_WIRE_FIELD_EQUITY,
	PM_WIRE_FIELD_MAINT_MARGIN,
	PM_WIRE_FIELD_INITIAL_MARGIN,
	PM_WIRE_FIELD_OPEN_LOSS,
	PM_WIRE_FIELD_FLAG,
	PM_WIRE_FIELD_TIERS_HEADER, /* version or count of an asset's schedule */
	/* the ledger forms */
	PM_WIRE_FIELD_PROGRAM,		/* the program or account flag */
	PM_WIRE_FIELD_LEVERAGE,		/* the account's loan leverage */
	PM_WIRE_FIELD_SUM_EQUITY,	/* the sums of asset error.asset */
	PM_WIRE_FIELD_SUM_MAINT_MARGIN,
	PM_WIRE_FIELD_SUM_INITIAL_MARGIN,
	PM_WIRE_FIELD_SUM_OPEN_LOSS,
	PM_WIRE_FIELD_BALANCES,		/* the count of balances */
	PM_WIRE_FIELD_BALANCE,		/* balance error.item: its asset, equity, */
	PM_WIRE_FIELD_BORROWED,		/* loan or interest */
	PM_WIRE_FIELD_INTEREST,
	PM_WIRE_FIELD_ORDERS,		/* the count of orders */
	PM_WIRE_FIELD_ORDER,		/* order error.item: its assets or quantities */
	PM_WIRE_FIELD_POSITIONS,	/* the count of positions, or their flag */
	PM_WIRE_FIELD_POSITION,		/* position error.item: its symbol, */
	PM_WIRE_FIELD_QTY,			/* quantity, entry price or leverage */
	PM_WIRE_FIELD_ENTRY,
	PM_WIRE_FIELD_POSITION_LEVERAGE,
	PM_WIRE_FIELD_ERROR,		/* the account's error: flag, code, texts */
	PM_WIRE_FIELD_END			/* what follows the form */
} pm_wire_field;

typedef struct pm_wire_error
{
	pm_wire_status status;
	pm_wire_field field;
	size_t		offset;			/* where reading stopped */
	int32_t		asset;			/* 1-based asset, 0 if none */
	int32_t		tier;			/* 1-based tier, 0 if none */
	int32_t		item;			/* 1-based balance, order or position, 0 if none */
	int64_t		value;			/* the offending number, see the statuses */
	int64_t		expected;		/* PM_WIRE_BAD_VERSION: the version read */
	size_t		remaining;		/* bytes left where reading stopped */
	const char *name;			/* the asset being read, if any (not NUL-terminated) */
	size_t		name_len;
	const char *prev_name;		/* the asset before it, if any */
	size_t		prev_name_len;
} pm_wire_error;

/* A checked numeric: numeric_send's bytes, ready for numeric_recv. */
typedef struct pm_wire_numeric
{
	const uint8_t *bytes;
	size_t		len;			/* 8 + 2 * ndigits */
	uint16_t	ndigits;
	int16_t		weight;
	uint16_t	sign;			/* 0x0000 +, 0x4000 -, 0xC000 NaN, 0xD000 +Inf, 0xF000 -Inf */
	uint16_t	dscale;
} pm_wire_numeric;

typedef struct pm_wire_asset
{
	const char *name;			/* not NUL-terminated */
	size_t		name_len;
	pm_wire_numeric values[PM_WIRE_ASSET_NUMERICS];
	int			has_collateral;
} pm_wire_asset;

/* A checked value: none, a dec, or a finite numeric. */
typedef struct pm_wire_value
{
	int			tag;			/* PM_WIRE_VALUE_* */
	int			scale;			/* a dec's */
	pm_i128		coef;			/* a dec's */
	pm_wire_numeric numeric;	/* a numeric's */
} pm_wire_value;

/* A position as the ledger forms keep it; bytes is its whole encoding. */
typedef struct pm_wire_position
{
	const char *symbol;			/* not NUL-terminated */
	size_t		symbol_len;
	pm_wire_value qty;
	pm_wire_value entry;
	int			leverage;
	const uint8_t *bytes;
	size_t		len;
} pm_wire_position;

/*
 * Callbacks, each may be NULL.  A schedule is reported as tiers_begin, then
 * every tier; an asset's schedule comes before the asset itself.  Return 0
 * to continue, anything else to stop with PM_WIRE_ABORTED.
 */
typedef struct pm_wire_visitor
{
	int			(*tiers_begin) (void *ctx, int32_t ntiers);
	int			(*tier) (void *ctx, int32_t index, const pm_wire_numeric *floor,
						 const pm_wire_numeric *rate);
	int			(*margin_begin) (void *ctx, int32_t nassets);
	int			(*asset) (void *ctx, int32_t index, const pm_wire_asset *asset);
	void	   *ctx;
} pm_wire_visitor;

/*
 * Read one value from data[0..len).  *used gets the bytes it took (also on
 * error: how far it got).  Bytes after the value are the caller's business.
 */
extern pm_wire_status pm_wire_read_tiers(const uint8_t *data, size_t len, size_t *used,
										 const pm_wire_visitor *v, pm_wire_error *err);
extern pm_wire_status pm_wire_read_margin(const uint8_t *data, size_t len, size_t *used,
										  const pm_wire_visitor *v, pm_wire_error *err);

extern pm_wire_status pm_wire_read_numeric(const uint8_t *data, size_t len, size_t *used,
										   pm_wire_numeric *n, pm_wire_error *err);

/*
 * Callbacks of the ledger forms, each may be NULL; names are not
 * NUL-terminated.  account reports the totals' program flag, or the
 * accumulator's account flag and leverage (0 for the totals).  positions
 * reports the count and the offset of the count in the data; an error's
 * detail and hint are NULL when absent.
 */
typedef struct pm_wire_ledger_visitor
{
	int			(*error) (void *ctx, int32_t code, const char *message, size_t message_len,
						  const char *detail, size_t detail_len,
						  const char *hint, size_t hint_len);
	int			(*account) (void *ctx, int flag, int32_t leverage);
	int			(*asset) (void *ctx, int32_t index, const char *name, size_t name_len,
						  const pm_wire_value *sums);
	int			(*balance) (void *ctx, int32_t index, const char *name, size_t name_len,
							const pm_wire_value *equity, const pm_wire_value *borrowed,
							const pm_wire_value *interest);
	int			(*order) (void *ctx, int32_t index, const char *sell, size_t sell_len,
						  const char *buy, size_t buy_len,
						  const pm_wire_value *sell_qty, const pm_wire_value *buy_qty);
	int			(*positions) (void *ctx, int32_t count, size_t offset);
	int			(*position) (void *ctx, int32_t index, const pm_wire_position *p);
	void	   *ctx;
} pm_wire_ledger_visitor;

/*
 * The ledger forms read whole: bytes after the form are an error
 * (PM_WIRE_TRAILING).  positions_expected: the accumulator must (1) or must
 * not (0) carry positions.
 */
extern pm_wire_status pm_wire_read_totals(const uint8_t *data, size_t len,
										  const pm_wire_ledger_visitor *v, pm_wire_error *err);
extern pm_wire_status pm_wire_read_ledger(const uint8_t *data, size_t len, int positions_expected,
										  const pm_wire_ledger_visitor *v, pm_wire_error *err);

/* One position on its own: the unit the totals order their positions by. */
extern pm_wire_status pm_wire_read_position(const uint8_t *data, size_t len, size_t *used,
											pm_wire_position *p, pm_wire_error *err);

/* A value's sign: -1, 0 or 1 (none is 0). */
extern int	pm_wire_value_sign(const pm_wire_value *v);

extern const char *pm_wire_field_text(pm_wire_field field);

#endif							/* PM_WIRE_H */
