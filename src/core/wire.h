/*
 * wire.h
 *	  Reader for the binary forms of pm.tiers and pm.margin_summary.
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
 * All integers are big-endian (network order), as pq_sendint writes them.
 */
#ifndef PM_WIRE_H
#define PM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define PM_WIRE_TIERS_VERSION	1
#define PM_WIRE_MARGIN_VERSION	1

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
	PM_WIRE_BAD_FLAG,			/* value: the collateral flag byte */
	PM_WIRE_ABORTED				/* the visitor asked to stop */
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
	PM_WIRE_FIELD_TIERS_HEADER	/* version or count of an asset's schedule */
} pm_wire_field;

typedef struct pm_wire_error
{
	pm_wire_status status;
	pm_wire_field field;
	size_t		offset;			/* where reading stopped */
	int32_t		asset;			/* 1-based asset, 0 if none */
	int32_t		tier;			/* 1-based tier, 0 if none */
	int64_t		value;			/* the offending number, see the statuses */
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

extern const char *pm_wire_field_text(pm_wire_field field);

#endif							/* PM_WIRE_H */
