/*-------------------------------------------------------------------------
 *
 * wire_pg.h
 *	  The server side of src/core/wire.c: errors and numerics from the
 *	  checked views the reader hands back.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_WIRE_PG_H
#define PM_WIRE_PG_H

#include "lib/stringinfo.h"
#include "utils/numeric.h"

#include "core/wire.h"

extern void pm_wire_raise(const pm_wire_error *err, const char *type_name,
						  const char *what) pg_attribute_noreturn();
extern Numeric pm_wire_numeric_value(const pm_wire_numeric *n);

/* The unread bytes of a StringInfo, for the reader. */
#define PM_WIRE_UNREAD(buf) ((const uint8_t *) (buf)->data + (buf)->cursor)
#define PM_WIRE_UNREAD_LEN(buf) ((size_t) ((buf)->len - (buf)->cursor))

#endif							/* PM_WIRE_PG_H */
