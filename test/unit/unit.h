/*
 * unit.h
 *	  A minimal TAP producer for the C unit tests of src/core: each check
 *	  prints "ok N - name" or "not ok N - name"; the run ends with "1..N"
 *	  and exits non-zero when any check failed.
 */
#ifndef PM_UNIT_H
#define PM_UNIT_H

#include <stdio.h>
#include <stdlib.h>

static int	unit_run = 0;
static int	unit_failed = 0;

#define CHECK(cond, name) \
	do { \
		unit_run++; \
		if (cond) \
			printf("ok %d - %s\n", unit_run, (name)); \
		else \
		{ \
			unit_failed++; \
			printf("not ok %d - %s\n#   at %s:%d: %s\n", unit_run, (name), \
				   __FILE__, __LINE__, #cond); \
		} \
	} while (0)

static int
unit_done(void)
{
	printf("1..%d\n", unit_run);
	return unit_failed == 0 ? 0 : 1;
}

#endif							/* PM_UNIT_H */
