/* SPDX-License-Identifier: MIT */
/*
 * A digest of the core's 128-bit conversions (src/core/math128.h) over
 * 300,000 fixed pseudo-random operand sets, printed as 16 hex digits.
 * `make cross` builds it for the host (native __int128 path, and the
 * portable path forced), for 32-bit ARMv7 and for AArch64 (both linked
 * statically against Debian's cross C libraries), runs the foreign ones
 * under qemu-user and requires every digest to equal the host's: the
 * portable path compiled by a real 32-bit compiler gives the results the
 * __int128 path gives. tests/unit/test_math128.c checks each function
 * against __int128 expressions operand by operand on the host; this program
 * only needs a C library and no test framework, so it runs on any target.
 *
 * Operands come from splitmix64 with random bit widths (so small values
 * occur), the digest is FNV-1a over every result byte.
 */
#include "core/math128.h"

#include <inttypes.h>
#include <stdio.h>
#include "../support/cw_rand.h"

#define ROUNDS 300000

static uint64_t rng_state = UINT64_C(0x5eed0c10c4a0001);
static uint64_t digest = UINT64_C(0xcbf29ce484222325);

static uint64_t rnd(void)
{
	return cw_rand_next(&rng_state);
}

static uint64_t rnd_wide(void)
{
	return cw_rand_wide(&rng_state);
}

static void mix(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		digest ^= (v >> (8 * i)) & 0xff;
		digest *= UINT64_C(0x100000001b3);
	}
}

static void mix_u(cw_u128 v)
{
	mix(cw_u128_lo(v));
	mix(cw_u128_hi(v));
}

static void mix_s(cw_s128 v)
{
	mix_u(cw_u128_from_s128(v));
}

int main(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t a = rnd_wide(), b = rnd_wide(), c = rnd_wide(), rem = 0, frac = b;
		unsigned s = (unsigned)(rnd() % 64), s2 = (unsigned)(rnd() % 64);
		int64_t base = (int64_t)(c >> 1);

		/* The conversions, as the core calls them. */
		mix(cw_mul_u64_u32_shr(a, (uint32_t)b, s));
		mix(cw_mul_u64_u32_shr_ceil(a, (uint32_t)b, s));
		if (b != 0) {
			mix_u(cw_shl_add_div(a, s, c, b));
			mix_u(cw_shl_add_div(a, s, b / 2, b));
		}
		mix(cw_mul_add_shr(a, b, c, s));
		mix(cw_rescale_u64(a, s, s2));
		cw_accumulate_shifted(&base, &frac, cw_mul_u64_u32(a, (uint32_t)c), s);
		cw_accumulate_shifted(&base, &frac, cw_u128_shl(cw_u128_from_u64(a), s2), s);
		mix((uint64_t)base);
		mix(frac);
		mix((uint64_t)cw_sat_add_s64_u128((int64_t)c, cw_u128_shl(cw_u128_from_u64(a), s2),
						  s & 1));
		mix((uint64_t)cw_sat_add_s64_u128((int64_t)c, cw_mul_u64_u64(a, b), !(s & 1)));
		mix((uint64_t)cw_s128_clamp_s64(cw_s128_sub(cw_mul_s64_s64((int64_t)a, 1000000000),
							    cw_s128_from_s64((int64_t)b)),
						INT64_MIN, INT64_MAX));
		/* The signed primitives behind NTP steering and settime. */
		mix_s(cw_mul_s64_s64((int64_t)a, (int64_t)b));
		mix_s(cw_mul_u64_s64(a, (int64_t)b));
		if ((int64_t)b != 0 && (int64_t)b != -1) {
			mix_s(cw_s128_div_s64(cw_mul_s64_s64((int64_t)a, (int64_t)c), (int64_t)b));
		}
		mix_s(cw_s128_asr(cw_mul_s64_s64((int64_t)a, (int64_t)c), s + s2));
		if (b != 0) {
			mix_u(cw_u128_divmod_u64(cw_u128_make(a, c), b, &rem));
			mix(rem);
		}
	}
	printf("%016" PRIx64 "\n", digest);
	return 0;
}
