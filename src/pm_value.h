/*-------------------------------------------------------------------------
 *
 * pm_value.h
 *	  A number that is a fast-path pm_dec while it fits and a numeric when it
 *	  does not, so each formula of the margin engine is written once.
 *
 * Every operation tries the scaled-int128 path first and, if an operand is
 * already numeric or the result would not fit, does the same operation in
 * numeric.  Both give the same value and display scale (core/dec128.h), so
 * where the fallback happens never changes an answer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_VALUE_H
#define PM_VALUE_H

#include "utils/numeric.h"

#include "core/dec128.h"
#include "tiers.h"

typedef struct PmVal
{
	bool		is_dec;
	pm_dec		d;
	Numeric		n;				/* when !is_dec: detoasted, 4-byte header */
} PmVal;

extern PmVal pmv_numeric(Numeric n);
extern PmVal pmv_dec(pm_dec d);
extern PmVal pmv_zero(void);
extern PmVal pmv_int(int64 i);
extern Numeric pmv_to_numeric(PmVal v);

extern PmVal pmv_add(PmVal a, PmVal b);
extern PmVal pmv_sub(PmVal a, PmVal b);
extern PmVal pmv_mul(PmVal a, PmVal b);
extern PmVal pmv_div(PmVal a, PmVal b);
extern PmVal pmv_abs(PmVal a);
extern PmVal pmv_neg(PmVal a);
extern int	pmv_cmp(PmVal a, PmVal b);
extern int	pmv_sign(PmVal a);

extern int	pmv_tiers_find(PmTiers *t, PmVal x, const PmVal *scale);
extern PmVal pmv_tiers_eval(PmTiers *t, PmVal x);
extern PmVal pmv_tier_floor(PmTiers *t, int i);
extern PmVal pmv_tier_rate(PmTiers *t, int i);
extern PmVal pmv_tier_cum(PmTiers *t, int i);

#endif							/* PM_VALUE_H */
