/* SPDX-License-Identifier: MIT */
/*
 * Fixed-size CPU masks (CW_MAX_CPUS bits) for the tick and broadcast code.
 * Plain bit operations: callers hold the lock that protects the mask.
 */
#ifndef CLOCKWORK_SRC_CORE_CPUMASK_H
#define CLOCKWORK_SRC_CORE_CPUMASK_H

#include "compiler.h"

#include <clockwork/system.h>

#include <string.h>

#define CW_CPUMASK_WORDS ((CW_MAX_CPUS + 63) / 64)

/** A set of CPUs. */
struct cw_cpumask {
	uint64_t bits[CW_CPUMASK_WORDS];
};

static inline void cw_cpumask_clear_all(struct cw_cpumask *m)
{
	memset(m, 0, sizeof(*m));
}

static inline void cw_cpumask_set(struct cw_cpumask *m, unsigned cpu)
{
	m->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static inline void cw_cpumask_clear(struct cw_cpumask *m, unsigned cpu)
{
	m->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

static inline bool cw_cpumask_test(const struct cw_cpumask *m, unsigned cpu)
{
	return (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/** Test and clear; returns the old bit. */
static inline bool cw_cpumask_test_and_clear(struct cw_cpumask *m, unsigned cpu)
{
	bool was = cw_cpumask_test(m, cpu);

	cw_cpumask_clear(m, cpu);
	return was;
}

/** First set CPU at or after @p from, below @p nr; @p nr if none. */
static inline unsigned cw_cpumask_next(const struct cw_cpumask *m, unsigned from, unsigned nr)
{
	for (unsigned c = from; c < nr;) {
		uint64_t w = m->bits[c / 64] >> (c % 64);

		if (w) {
			c += (unsigned)__builtin_ctzll(w);
			return c < nr ? c : nr;
		}
		c = (c / 64 + 1) * 64;
	}
	return nr;
}

static inline bool cw_cpumask_empty(const struct cw_cpumask *m, unsigned nr)
{
	return cw_cpumask_next(m, 0, nr) == nr;
}

/** dst = a | b */
static inline void cw_cpumask_or(struct cw_cpumask *dst, const struct cw_cpumask *a,
				 const struct cw_cpumask *b)
{
	for (unsigned i = 0; i < CW_CPUMASK_WORDS; i++) {
		dst->bits[i] = a->bits[i] | b->bits[i];
	}
}

/** dst = a & b */
static inline void cw_cpumask_and(struct cw_cpumask *dst, const struct cw_cpumask *a,
				  const struct cw_cpumask *b)
{
	for (unsigned i = 0; i < CW_CPUMASK_WORDS; i++) {
		dst->bits[i] = a->bits[i] & b->bits[i];
	}
}

/** dst = a & ~b */
static inline void cw_cpumask_andnot(struct cw_cpumask *dst, const struct cw_cpumask *a,
				     const struct cw_cpumask *b)
{
	for (unsigned i = 0; i < CW_CPUMASK_WORDS; i++) {
		dst->bits[i] = a->bits[i] & ~b->bits[i];
	}
}

#define cw_cpumask_for_each(cpu, mask, nr)                                                        \
	for ((cpu) = cw_cpumask_next((mask), 0, (nr)); (cpu) < (nr);                             \
	     (cpu) = cw_cpumask_next((mask), (cpu) + 1, (nr)))

#endif /* CLOCKWORK_SRC_CORE_CPUMASK_H */
