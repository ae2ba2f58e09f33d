/*-------------------------------------------------------------------------
 *
 * tiers.h
 *	  pm.tiers: a marginal rate schedule, ordered (floor, rate) pairs.
 *
 * One type serves collateral tiers and futures maintenance-margin brackets
 * (docs/spec.md §2.4).  Tier k covers (floor_k, floor_k+1]; the last tier is
 * unbounded; the first floor is 0.  The stored value also carries each
 * tier's cum, the constant that turns the marginal sum into one product:
 *
 *	  tiered(x) = x * rate_j - cum_j	for x in tier j
 *
 * On-disk layout (one varlena, never relies on alignment of the caller):
 *
 *	  int32   vl_len_
 *	  uint8   version		  PM_TIERS_VERSION
 *	  uint8   flags			  PM_TIERS_* summary bits
 *	  uint16  reserved		  0
 *	  int32   ntiers
 *	  uint32  fast_off		  offset of the fast-path copies below
 *	  uint32  offsets[3 * ntiers]	 floor, rate, cum of each tier
 *	  ...     numerics, each with a 4-byte header, at int-aligned offsets
 *	  ...     at fast_off, 3 * ntiers PmTierFast: each value's scale and
 *			  128-bit coefficient, or scale -1 when it does not fit, so
 *			  evaluation never decodes a numeric
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_TIERS_H
#define PM_TIERS_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/numeric.h"

#include "core/wire.h"
#include "number.h"

#define PM_TIERS_VERSION		1

/* Largest schedule we accept (the binary reader's limit too). */
#define PM_TIERS_MAX			PM_WIRE_TIERS_MAX

/* flags */
#define PM_TIERS_RATE_ABOVE_ONE 0x01	/* some rate > 1: not a collateral schedule */

typedef struct PmTiers
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;
	uint16		reserved;
	int32		ntiers;
	uint32		fast_off;
	uint32		offsets[FLEXIBLE_ARRAY_MEMBER];
} PmTiers;

/* A value's fast-path form, unaligned-safe (read with memcpy). */
typedef struct PmTierFast
{
	int32		scale;			/* -1: use the numeric */
	char		coef[16];
} PmTierFast;

#define PM_TIERS_FAST(t, k)	((const PmTierFast *) ((const char *) (t) + (t)->fast_off) + (k))

#define PM_TIERS_FLOOR(t, i)	((Numeric) ((char *) (t) + (t)->offsets[3 * (i)]))
#define PM_TIERS_RATE(t, i)		((Numeric) ((char *) (t) + (t)->offsets[3 * (i) + 1]))
#define PM_TIERS_CUM(t, i)		((Numeric) ((char *) (t) + (t)->offsets[3 * (i) + 2]))

#define DatumGetPmTiers(d)		((PmTiers *) PG_DETOAST_DATUM(d))
#define PG_GETARG_PMTIERS(n)	DatumGetPmTiers(PG_GETARG_DATUM(n))
#define PG_RETURN_PMTIERS(t)	PG_RETURN_POINTER(t)

/* tiers_build.c */
extern PmTiers *pm_tiers_build(Numeric *floors, Numeric *rates, int ntiers);
extern void pm_tiers_check_count(int64 ntiers);

/* tiers_io.c */
extern PmTiers *pm_tiers_from_cstring(const char *str);
extern char *pm_tiers_to_cstring(PmTiers *t);
extern PmTiers *pm_tiers_recv_internal(StringInfo buf);

/* Collects a schedule from the binary reader (src/core/wire.h's visitor). */
typedef struct TiersRecv
{
	Numeric    *floors;
	Numeric    *rates;
	int			ntiers;
} TiersRecv;
extern int	pm_tiers_recv_begin(void *ctx, int32_t ntiers);
extern int	pm_tiers_recv_tier(void *ctx, int32_t i, const pm_wire_numeric *floor,
							   const pm_wire_numeric *rate);
extern void pm_tiers_send_internal(StringInfo buf, PmTiers *t);

/* tiers_sql.c */
extern int	pm_tiers_compare(PmTiers *a, PmTiers *b);

/* tiered.c */
extern void pm_check_collateral_schedule(PmTiers *t);

/* A schedule evaluated on values (tiers_eval.c). */
extern int	pmv_tiers_find(PmTiers *t, PmVal x, const PmVal *scale);
extern PmVal pmv_tiers_eval(PmTiers *t, PmVal x);
extern PmVal pmv_tier_floor(PmTiers *t, int i);
extern PmVal pmv_tier_rate(PmTiers *t, int i);
extern PmVal pmv_tier_cum(PmTiers *t, int i);

#endif							/* PM_TIERS_H */
