/*-------------------------------------------------------------------------
 *
 * wire_pg.h
 *	  The server side of src/core/wire.c: errors, numerics and values from
 *	  the checked views the reader hands back, and the value codec's writers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_WIRE_PG_H
#define PM_WIRE_PG_H

#include "lib/stringinfo.h"
#include "utils/numeric.h"

#include "core/wire.h"
#include "number.h"

extern void pm_wire_raise(const pm_wire_error *err, const char *type_name,
						  const char *what) pg_attribute_noreturn();
extern void pm_wire_raise_as(const pm_wire_error *err, const char *message, const char *hint,
							 const char *type_name, const char *what) pg_attribute_noreturn();
extern Numeric pm_wire_numeric_value(const pm_wire_numeric *n);
extern PmVal pm_wire_value_get(const pm_wire_value *v);

/* The writers of the value codec. */
extern void pm_wire_send_value(StringInfo buf, PmVal v);
extern void pm_wire_send_sum(StringInfo buf, const PmSum *sum);
extern void pm_wire_send_short_name(StringInfo buf, const char *name, int len, const char *what);
extern void pm_wire_send_string(StringInfo buf, const char *s);

/* The unread bytes of a StringInfo, for the reader. */
#define PM_WIRE_UNREAD(buf) ((const uint8_t *) (buf)->data + (buf)->cursor)
#define PM_WIRE_UNREAD_LEN(buf) ((size_t) ((buf)->len - (buf)->cursor))

#endif							/* PM_WIRE_PG_H */
