/*-------------------------------------------------------------------------
 *
 * dec_numeric.h
 *	  Between PostgreSQL numeric and the scaled-int128 fast path (core/dec128).
 *
 * pm_dec_from_numeric reads a numeric datum in place -- short or 4-byte
 * header, no detoasting, no allocation -- and fails (returns false) for
 * NaN, infinities, compressed or out-of-line values and anything that does
 * not fit; pm_dec_to_numeric builds the exact, canonical numeric that
 * numeric's own arithmetic would have produced.  Callers then fall back to
 * numeric, so the fast path changes speed, never results.
 *
 * The GUC portfolio_margin.fast_path (default on) switches the fast path
 * off, so tests can check that both paths give identical answers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_DEC_NUMERIC_H
#define PM_DEC_NUMERIC_H

#include "utils/numeric.h"

#include "core/dec128.h"

extern bool pm_fast_path;

extern bool pm_dec_from_numeric(Numeric num, pm_dec *out);
extern bool pm_dec_from_digits_of(Numeric num, pm_dec *out);
extern Numeric pm_dec_to_numeric(pm_dec d);
extern void pm_define_gucs(void);

/*
 * An exact sum that stays in the fast path while it can and moves to
 * numeric, for good, when it cannot.  Unset means no value was added yet.
 */
typedef struct PmAcc
{
	bool		is_set;
	bool		is_numeric;
	pm_dec		dec;
	Numeric		num;			/* when is_numeric; in the owner's context */
} PmAcc;

extern void pm_acc_add(MemoryContext mcxt, PmAcc *acc, Numeric x);
extern void pm_acc_add_dec(MemoryContext mcxt, PmAcc *acc, pm_dec x);
struct PmVal;
extern void pm_acc_add_val(MemoryContext mcxt, PmAcc *acc, const struct PmVal *x);
extern void pm_acc_merge(MemoryContext mcxt, PmAcc *acc, const PmAcc *other);
extern Numeric pm_acc_value(const PmAcc *acc);

#endif							/* PM_DEC_NUMERIC_H */
