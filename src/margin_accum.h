/*-------------------------------------------------------------------------
 *
 * margin_accum.h
 *	  The margin accumulator: the margin lines of one account (or any group
 *	  of lines) summed per asset -- netted equity, maintenance and initial
 *	  margin in the asset's units, open loss in USD -- with the asset's index
 *	  price and collateral schedule, which every line of the asset must
 *	  agree on.
 *
 * This is the pm.margin aggregate's transition state, what the ledger
 * accumulator completes into, and the content of a pm.margin_summary.
 * Accumulation is exact, and the accumulator's content does not depend on
 * the order lines arrive in (ties between equal values written with
 * different scales are broken canonically), so every plan -- serial,
 * parallel, partitionwise, re-aggregated summaries -- gives the same one.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_MARGIN_ACCUM_H
#define PM_MARGIN_ACCUM_H

#include "lib/stringinfo.h"
#include "utils/numeric.h"

#include "number.h"
#include "tiers.h"

/* Longest asset name accepted, in bytes (the binary reader's limit too). */
#define PM_ASSET_NAME_MAX	PM_WIRE_NAME_MAX

/* Most assets in one accumulator; far beyond any exchange's list. */
#define PM_MARGIN_MAX_ASSETS	PM_WIRE_ASSETS_MAX

typedef struct MarginAsset
{
	char	   *name;			/* NUL-terminated */
	int			name_len;
	uint32		hash;
	Numeric		price;			/* index price in USD, > 0 */
	PmVal		price_val;		/* the same as a value, decoded once */
	bool		price_borrowed; /* price belongs to the caller (MarginAssetRef) */
	const void *owner;			/* the caller's record of the asset, or NULL */
	PmTiers    *collateral;		/* NULL: not accepted as collateral */
	PmSum		equity;			/* asset units */
	PmSum		maint_margin;	/* asset units, >= 0 */
	PmSum		initial_margin; /* asset units, >= 0 */
	PmSum		open_loss;		/* USD, >= 0 */
} MarginAsset;

typedef struct MarginAccum
{
	MemoryContext mcxt;			/* everything the accumulator points to lives here */
	int			nassets;
	int			capacity;
	MarginAsset *assets;
	int		   *slots;			/* hash index: asset position + 1, 0 = empty */
	int			nslots;			/* power of two, 0 while there is no index */
} MarginAccum;

/*
 * An asset as a caller that outlives the accumulator knows it -- the
 * query's reference data of the ledger aggregates: its name, hash and price
 * are used in place, never copied or hashed again, and the price is decoded
 * once per query, not per account.
 */
typedef struct MarginAssetRef
{
	const char *name;			/* NUL-terminated */
	int			len;
	uint32		hash;			/* hash_any of the name, as the accumulator hashes */
	Numeric		price;			/* NULL: none */
	PmVal		price_val;		/* price as a value, when there is one */
	const void *owner;			/* the caller's record of the asset (kept), or NULL */
} MarginAssetRef;

extern MarginAccum *margin_accum_create(MemoryContext mcxt);
extern MarginAsset *margin_accum_asset(MarginAccum *st, const char *name, int name_len,
									   Numeric price, PmTiers *collateral);
struct PmVal;
extern void margin_accum_add(MarginAccum *st, const char *name, int name_len,
							 Numeric price, PmTiers *collateral,
							 const struct PmVal *equity, const struct PmVal *maint_margin,
							 const struct PmVal *initial_margin, const struct PmVal *open_loss);
extern void margin_add_line(MarginAccum *st, const char *name, int name_len,
							const struct PmVal *equity, const struct PmVal *maint_margin,
							const struct PmVal *initial_margin, const struct PmVal *open_loss,
							Numeric price, PmTiers *collateral);
extern bool margin_check_line(const char *name, int name_len,
							  const struct PmVal *equity, const struct PmVal *maint_margin,
							  const struct PmVal *initial_margin, const struct PmVal *open_loss,
							  Numeric price);
extern MarginAsset *margin_accum_find_ref(MarginAccum *st, const MarginAssetRef *ref);
extern void margin_add_line_ref(MarginAccum *st, const MarginAssetRef *ref,
								const struct PmVal *equity, const struct PmVal *maint_margin,
								const struct PmVal *initial_margin, const struct PmVal *open_loss);
extern void margin_accum_combine(MarginAccum *dst, MarginAccum *src);
extern MarginAsset **margin_accum_sorted(MarginAccum *st);
extern void margin_accum_send(StringInfo buf, MarginAccum *st);
extern MarginAccum *margin_accum_recv(StringInfo buf, MemoryContext mcxt,
									  const char *type_name);
extern void margin_check_asset_name(const char *name, int len);
extern void margin_check_amounts(const char *name, int name_len,
								 Numeric equity, Numeric maint_margin,
								 Numeric initial_margin, Numeric open_loss);
extern void margin_check_amount_values(const char *name, int name_len,
									   const struct PmVal *const values[4]);
extern void margin_check_price(const char *name, int name_len, Numeric price);

#endif							/* PM_MARGIN_ACCUM_H */
