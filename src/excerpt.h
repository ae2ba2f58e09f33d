/*-------------------------------------------------------------------------
 *
 * excerpt.h
 *	  Values as error messages show them: never more than a short excerpt
 *	  (excerpt.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_EXCERPT_H
#define PM_EXCERPT_H

#include "utils/numeric.h"

/* The most characters of a value a message shows. */
#define PM_EXCERPT_CHARS 64

extern char *pm_excerpt(const char *s, int len);
extern char *pm_text_excerpt(const text *t);
extern char *pm_numeric_excerpt(Numeric n);

#endif							/* PM_EXCERPT_H */
