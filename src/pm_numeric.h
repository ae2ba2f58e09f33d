/*-------------------------------------------------------------------------
 *
 * pm_numeric.h
 *	  Exact numeric arithmetic for margin math: thin wrappers over
 *	  PostgreSQL's numeric, plus the one rounding rule we use for division.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_NUMERIC_H
#define PM_NUMERIC_H

#include "lib/stringinfo.h"
#include "utils/numeric.h"

/*
 * Every quotient we compute carries at least this many significant digits
 * (spec section 4 asks for at least 20), rounded half away from zero, with
 * trailing zeros removed.
 */
#define PM_DIV_SIG_DIGITS	20

/*
 * The most digits an amount in the extension's tables has before, and
 * after, the decimal point (pm.in_range): enough for any asset's units and
 * prices, and far inside what exact products and quotients of two amounts
 * need of numeric.
 */
#define PM_AMOUNT_DIGITS	40

extern Numeric pm_add(Numeric a, Numeric b);
extern Numeric pm_sub(Numeric a, Numeric b);
extern Numeric pm_mul(Numeric a, Numeric b);
extern Numeric pm_div(Numeric a, Numeric b);
extern Numeric pm_abs(Numeric a);
extern Numeric pm_neg(Numeric a);
extern Numeric pm_trim_scale(Numeric a);
extern int	pm_cmp(Numeric a, Numeric b);
extern int	pm_sign(Numeric a);
extern Numeric pm_zero(void);
extern Numeric pm_const_zero(void);
extern Numeric pm_numeric_in(const char *str);
extern char *pm_numeric_out(Numeric a);
extern Numeric pm_numeric_copy_plain(Numeric a);
struct JsonbValue;
extern Numeric pm_numeric_from_json(const struct JsonbValue *v);

extern void pm_send_numeric(StringInfo buf, Numeric n);
extern Numeric pm_recv_numeric(StringInfo buf, const char *type_name, const char *what);

extern void pm_check_finite(Numeric a, const char *what);
extern void pm_check_positive(Numeric a, const char *what);

#endif							/* PM_NUMERIC_H */
