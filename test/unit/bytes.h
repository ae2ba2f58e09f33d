/*
 * bytes.h
 *	  A byte buffer for the reader's unit tests: values are written in the
 *	  wire's big-endian order, as pq_sendint writes them.
 */
#ifndef PM_UNIT_BYTES_H
#define PM_UNIT_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct Bytes
{
	uint8_t		b[4096];
	size_t		n;
} Bytes;

static inline void
u8(Bytes *x, uint8_t v)
{
	x->b[x->n++] = v;
}

static inline void
u16(Bytes *x, uint16_t v)
{
	u8(x, (uint8_t) (v >> 8));
	u8(x, (uint8_t) v);
}

static inline void
u32(Bytes *x, uint32_t v)
{
	u16(x, (uint16_t) (v >> 16));
	u16(x, (uint16_t) v);
}

static inline void
i32(Bytes *x, int32_t v)
{
	u32(x, (uint32_t) v);
}

#endif							/* PM_UNIT_BYTES_H */
