/* SPDX-License-Identifier: MIT */
/*
 * Reproducible random operands for tests (plain C11, no test framework:
 * the cross-compiled programs of tests/cross use it too). splitmix64: every
 * seed gives a full-period, well-mixed sequence; print the seed so a
 * failure can be replayed.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_CW_RAND_H
#define CLOCKWORK_TESTS_SUPPORT_CW_RAND_H

#include <stdint.h>

/** Next value of the splitmix64 sequence whose state is @p state. */
static inline uint64_t cw_rand_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/** A random value of a random width 1..64 bits, so small operands occur too. */
static inline uint64_t cw_rand_wide(uint64_t *state)
{
	unsigned bits = 1 + (unsigned)(cw_rand_next(state) % 64);
	uint64_t v = cw_rand_next(state);

	return bits == 64 ? v : v & ((UINT64_C(1) << bits) - 1);
}

#endif /* CLOCKWORK_TESTS_SUPPORT_CW_RAND_H */
