/* SPDX-License-Identifier: MIT */
/*
 * 128-bit integer arithmetic for the core's conversions, with and without
 * the compiler's __int128.
 *
 * Every product of a 64-bit count with a multiplier, every shifted numerator
 * and every signed sum that may leave the int64 range goes through the
 * functions here. Two implementations share one interface:
 *
 * - native, where the compiler has __int128 (__SIZEOF_INT128__: x86-64,
 *   AArch64, RV64): each function is one __int128 operation and compiles
 *   to what the open-coded expression did before;
 * - portable, everywhere else (32-bit ARM, Cortex-M, RV32) or when forced
 *   with CW_CONFIG_NO_INT128 (CMake option CW_NO_INT128) or by defining
 *   CW_MATH128_FORCE_PORTABLE before including this header (the tests build
 *   both paths): two uint64_t halves, products from 32x32->64 multiplies,
 *   division by shift and subtract.
 *
 * Both give bit-identical results for every input (tests/unit/
 * test_math128.c compares them over edge values and random operands), so a
 * simulation is deterministic across the two. Signed values are two's
 * complement; sums and differences wrap modulo 2^128 on both paths (no
 * signed overflow, so UBSan stays quiet), and the core never relies on a
 * wrap.
 *
 * The types are structs on both paths, so code that does arithmetic on them
 * with operators fails to compile on a 64-bit host too, not only on the
 * 32-bit targets of `make cross`. The simulator and POSIX ports, which run
 * only on 64-bit Linux hosts, use unsigned __int128 directly.
 *
 * Costs on a 32-bit target: a 64x32 product is two 32x32->64 multiplies, a
 * 64x64 product four; a 128/64 division is a 64-step shift-subtract loop
 * (only on configuration and once-per-second paths, never when timers are
 * armed or time is read with a counter delta below max_cycles).
 */
#ifndef CLOCKWORK_SRC_CORE_MATH128_H
#define CLOCKWORK_SRC_CORE_MATH128_H

#ifndef CW_BUILDING_LIBRARY
#error "src/core headers are private to the clockwork library"
#endif

#include <clockwork/config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SIZEOF_INT128__) && !CW_CONFIG_NO_INT128 && !defined(CW_MATH128_FORCE_PORTABLE)
#define CW_MATH128_NATIVE 1
#else
#define CW_MATH128_NATIVE 0
#endif

#if CW_MATH128_NATIVE

/** Unsigned 128-bit integer. Use only through the cw_u128_* functions. */
typedef struct {
	unsigned __int128 v;
} cw_u128;

/** Signed 128-bit integer (two's complement). Use only through cw_s128_*. */
typedef struct {
	__int128 v;
} cw_s128;

static inline cw_u128 cw_u128_from_u64(uint64_t x)
{
	return (cw_u128){ x };
}

static inline cw_u128 cw_u128_make(uint64_t hi, uint64_t lo)
{
	return (cw_u128){ ((unsigned __int128)hi << 64) | lo };
}

static inline uint64_t cw_u128_lo(cw_u128 a)
{
	return (uint64_t)a.v;
}

static inline uint64_t cw_u128_hi(cw_u128 a)
{
	return (uint64_t)(a.v >> 64);
}

/** a * b, exact. */
static inline cw_u128 cw_mul_u64_u64(uint64_t a, uint64_t b)
{
	return (cw_u128){ (unsigned __int128)a * b };
}

/** a * b, exact; cheaper than cw_mul_u64_u64 on 32-bit targets. */
static inline cw_u128 cw_mul_u64_u32(uint64_t a, uint32_t b)
{
	return (cw_u128){ (unsigned __int128)a * b };
}

static inline cw_u128 cw_u128_add(cw_u128 a, cw_u128 b)
{
	return (cw_u128){ a.v + b.v };
}

static inline cw_u128 cw_u128_add_u64(cw_u128 a, uint64_t b)
{
	return (cw_u128){ a.v + b };
}

static inline cw_u128 cw_u128_sub(cw_u128 a, cw_u128 b)
{
	return (cw_u128){ a.v - b.v };
}

/** a << s for s in [0, 127]. */
static inline cw_u128 cw_u128_shl(cw_u128 a, unsigned s)
{
	return (cw_u128){ a.v << s };
}

/** a >> s for s in [0, 127]. */
static inline cw_u128 cw_u128_shr(cw_u128 a, unsigned s)
{
	return (cw_u128){ a.v >> s };
}

static inline bool cw_u128_lt(cw_u128 a, cw_u128 b)
{
	return a.v < b.v;
}

static inline bool cw_u128_gt_u64(cw_u128 a, uint64_t b)
{
	return a.v > b;
}

/**
 * n / d and n % d for d != 0, exact (the quotient may need all 128 bits).
 * @rem may be NULL.
 */
static inline cw_u128 cw_u128_divmod_u64(cw_u128 n, uint64_t d, uint64_t *rem)
{
	if (rem) {
		*rem = (uint64_t)(n.v % d);
	}
	return (cw_u128){ n.v / d };
}

static inline cw_s128 cw_s128_from_s64(int64_t x)
{
	return (cw_s128){ x };
}

/** The same 128 bits read as signed (values >= 2^127 become negative). */
static inline cw_s128 cw_s128_from_u128(cw_u128 a)
{
	return (cw_s128){ (__int128)a.v };
}

/** The same 128 bits read as unsigned. */
static inline cw_u128 cw_u128_from_s128(cw_s128 a)
{
	return (cw_u128){ (unsigned __int128)a.v };
}

/** a * b, exact. */
static inline cw_s128 cw_mul_s64_s64(int64_t a, int64_t b)
{
	return (cw_s128){ (__int128)a * b };
}

/** a * b, exact. */
static inline cw_s128 cw_mul_u64_s64(uint64_t a, int64_t b)
{
	return (cw_s128){ (__int128)a * b };
}

/* Sums and differences wrap modulo 2^128, as on the portable path. */
static inline cw_s128 cw_s128_add(cw_s128 a, cw_s128 b)
{
	return (cw_s128){ (__int128)((unsigned __int128)a.v + (unsigned __int128)b.v) };
}

static inline cw_s128 cw_s128_sub(cw_s128 a, cw_s128 b)
{
	return (cw_s128){ (__int128)((unsigned __int128)a.v - (unsigned __int128)b.v) };
}

/** a >> s, rounding towards minus infinity, for s in [0, 127]. */
static inline cw_s128 cw_s128_asr(cw_s128 a, unsigned s)
{
	return (cw_s128){ a.v >> s };
}

static inline bool cw_s128_lt(cw_s128 a, cw_s128 b)
{
	return a.v < b.v;
}

/** n / d rounded towards zero (C division), d != 0, exact. */
static inline cw_s128 cw_s128_div_s64(cw_s128 n, int64_t d)
{
	return (cw_s128){ n.v / d };
}

#else /* !CW_MATH128_NATIVE */

typedef struct {
	uint64_t lo;
	uint64_t hi;
} cw_u128;

/* Bits as in cw_u128; hi's top bit is the sign. */
typedef struct {
	uint64_t lo;
	uint64_t hi;
} cw_s128;

static inline cw_u128 cw_u128_from_u64(uint64_t x)
{
	return (cw_u128){ x, 0 };
}

static inline cw_u128 cw_u128_make(uint64_t hi, uint64_t lo)
{
	return (cw_u128){ lo, hi };
}

static inline uint64_t cw_u128_lo(cw_u128 a)
{
	return a.lo;
}

static inline uint64_t cw_u128_hi(cw_u128 a)
{
	return a.hi;
}

/*
 * Schoolbook product on 32-bit digits: a = a1:a0, b = b1:b0. The middle
 * column collects the high half of a0*b0 and the low halves of the two
 * cross products (at most 3 * (2^32 - 1), no overflow); its carry and the
 * cross products' high halves go to the top word.
 */
static inline cw_u128 cw_mul_u64_u64(uint64_t a, uint64_t b)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;

	return (cw_u128){ (mid << 32) | (uint32_t)p00,
			  p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32) };
}

static inline cw_u128 cw_mul_u64_u32(uint64_t a, uint32_t b)
{
	uint64_t p0 = (uint64_t)(uint32_t)a * b, p1 = (a >> 32) * b;
	uint64_t mid = (p0 >> 32) + (uint32_t)p1;

	return (cw_u128){ (mid << 32) | (uint32_t)p0, (p1 >> 32) + (mid >> 32) };
}

static inline cw_u128 cw_u128_add(cw_u128 a, cw_u128 b)
{
	uint64_t lo = a.lo + b.lo;

	return (cw_u128){ lo, a.hi + b.hi + (lo < a.lo) };
}

static inline cw_u128 cw_u128_add_u64(cw_u128 a, uint64_t b)
{
	uint64_t lo = a.lo + b;

	return (cw_u128){ lo, a.hi + (lo < b) };
}

static inline cw_u128 cw_u128_sub(cw_u128 a, cw_u128 b)
{
	return (cw_u128){ a.lo - b.lo, a.hi - b.hi - (a.lo < b.lo) };
}

static inline cw_u128 cw_u128_shl(cw_u128 a, unsigned s)
{
	if (s == 0) {
		return a;
	}
	if (s >= 64) {
		return (cw_u128){ 0, a.lo << (s - 64) };
	}
	return (cw_u128){ a.lo << s, (a.hi << s) | (a.lo >> (64 - s)) };
}

static inline cw_u128 cw_u128_shr(cw_u128 a, unsigned s)
{
	if (s == 0) {
		return a;
	}
	if (s >= 64) {
		return (cw_u128){ a.hi >> (s - 64), 0 };
	}
	return (cw_u128){ (a.lo >> s) | (a.hi << (64 - s)), a.hi >> s };
}

static inline bool cw_u128_lt(cw_u128 a, cw_u128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

static inline bool cw_u128_gt_u64(cw_u128 a, uint64_t b)
{
	return a.hi != 0 || a.lo > b;
}

/*
 * The high word divides with the target's 64-bit division; the remainder r
 * (< d) and the low word then give the low quotient word one bit at a
 * time: shift r:lo left by one, subtract d when it fits. r < d before each
 * step, so 2r + 1 < 2d and one subtraction suffices; when r's top bit
 * shifts out, the true value is at least 2^64 > d and the subtraction
 * wraps to the right remainder.
 */
static inline cw_u128 cw_u128_divmod_u64(cw_u128 n, uint64_t d, uint64_t *rem)
{
	uint64_t qhi = n.hi / d, r = n.hi % d, lo = n.lo, q = 0;

	if (r == 0) {
		q = lo / d;
		r = lo % d;
	} else {
		for (int i = 0; i < 64; i++) {
			uint64_t top = r >> 63;

			r = (r << 1) | (lo >> 63);
			lo <<= 1;
			q <<= 1;
			if (top || r >= d) {
				r -= d;
				q |= 1;
			}
		}
	}
	if (rem) {
		*rem = r;
	}
	return (cw_u128){ q, qhi };
}

static inline cw_s128 cw_s128_from_s64(int64_t x)
{
	return (cw_s128){ (uint64_t)x, x < 0 ? UINT64_MAX : 0 };
}

static inline cw_s128 cw_s128_from_u128(cw_u128 a)
{
	return (cw_s128){ a.lo, a.hi };
}

static inline cw_u128 cw_u128_from_s128(cw_s128 a)
{
	return (cw_u128){ a.lo, a.hi };
}

static inline bool cw__s128_neg(cw_s128 a)
{
	return (a.hi >> 63) != 0;
}

static inline cw_s128 cw__s128_negate(cw_s128 a)
{
	return (cw_s128){ 0 - a.lo, 0 - a.hi - (a.lo != 0) };
}

/* |x| as uint64_t; exact for INT64_MIN too. */
static inline uint64_t cw__abs_s64(int64_t x)
{
	return x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
}

static inline cw_s128 cw_mul_s64_s64(int64_t a, int64_t b)
{
	cw_s128 p = cw_s128_from_u128(cw_mul_u64_u64(cw__abs_s64(a), cw__abs_s64(b)));

	return (a < 0) != (b < 0) ? cw__s128_negate(p) : p;
}

static inline cw_s128 cw_mul_u64_s64(uint64_t a, int64_t b)
{
	cw_s128 p = cw_s128_from_u128(cw_mul_u64_u64(a, cw__abs_s64(b)));

	return b < 0 ? cw__s128_negate(p) : p;
}

static inline cw_s128 cw_s128_add(cw_s128 a, cw_s128 b)
{
	return cw_s128_from_u128(cw_u128_add(cw_u128_from_s128(a), cw_u128_from_s128(b)));
}

static inline cw_s128 cw_s128_sub(cw_s128 a, cw_s128 b)
{
	return cw_s128_from_u128(cw_u128_sub(cw_u128_from_s128(a), cw_u128_from_s128(b)));
}

/* Arithmetic shift without relying on >> of a negative value: ~(~a >> s). */
static inline cw_s128 cw_s128_asr(cw_s128 a, unsigned s)
{
	cw_u128 u = cw_u128_from_s128(a);

	if (cw__s128_neg(a)) {
		u = cw_u128_shr((cw_u128){ ~u.lo, ~u.hi }, s);
		return (cw_s128){ ~u.lo, ~u.hi };
	}
	return cw_s128_from_u128(cw_u128_shr(u, s));
}

/* Signed order is unsigned order with the sign bits flipped. */
static inline bool cw_s128_lt(cw_s128 a, cw_s128 b)
{
	const uint64_t sign = UINT64_C(1) << 63;

	return cw_u128_lt((cw_u128){ a.lo, a.hi ^ sign }, (cw_u128){ b.lo, b.hi ^ sign });
}

static inline cw_s128 cw_s128_div_s64(cw_s128 n, int64_t d)
{
	bool neg = cw__s128_neg(n);
	cw_u128 mag = cw_u128_from_s128(neg ? cw__s128_negate(n) : n);
	cw_s128 q = cw_s128_from_u128(cw_u128_divmod_u64(mag, cw__abs_s64(d), NULL));

	return neg != (d < 0) ? cw__s128_negate(q) : q;
}

#endif /* CW_MATH128_NATIVE */

/* ------------------------------------------------------------------------
 * Derived operations, the same on both paths.
 */

static inline cw_u128 cw_u128_div_u64(cw_u128 n, uint64_t d)
{
	return cw_u128_divmod_u64(n, d, NULL);
}

/** min(a, UINT64_MAX). */
static inline uint64_t cw_u128_to_u64_sat(cw_u128 a)
{
	return cw_u128_hi(a) ? UINT64_MAX : cw_u128_lo(a);
}

/** The low 64 bits of a (what a cast to uint64_t gives). */
static inline uint64_t cw_s128_lo(cw_s128 a)
{
	return cw_u128_lo(cw_u128_from_s128(a));
}

static inline bool cw_s128_lt_s64(cw_s128 a, int64_t b)
{
	return cw_s128_lt(a, cw_s128_from_s64(b));
}

static inline bool cw_s128_gt_s64(cw_s128 a, int64_t b)
{
	return cw_s128_lt(cw_s128_from_s64(b), a);
}

/** a clamped to [lo, hi] (lo <= hi). */
static inline int64_t cw_s128_clamp_s64(cw_s128 a, int64_t lo, int64_t hi)
{
	if (cw_s128_lt_s64(a, lo)) {
		return lo;
	}
	if (cw_s128_gt_s64(a, hi)) {
		return hi;
	}
	return (int64_t)cw_s128_lo(a);
}

/* ------------------------------------------------------------------------
 * The core's conversions. Each is one formula a core file uses, named
 * after what it computes; test_math128.c checks each against the __int128
 * expression it replaced.
 */

/**
 * (a * b) >> shift, saturated at UINT64_MAX: cycles to ns
 * (cw_cycles_to_ns). shift in [0, 63].
 */
static inline uint64_t cw_mul_u64_u32_shr(uint64_t a, uint32_t b, unsigned shift)
{
	return cw_u128_to_u64_sat(cw_u128_shr(cw_mul_u64_u32(a, b), shift));
}

/**
 * ceil((a * b) / 2^shift), saturated at UINT64_MAX: a clock event delta in
 * ns to device cycles, never short (clockevents.c). shift in [0, 63].
 */
static inline uint64_t cw_mul_u64_u32_shr_ceil(uint64_t a, uint32_t b, unsigned shift)
{
	cw_u128 p = cw_mul_u64_u32(a, b);
	uint64_t below = cw_u128_lo(p) & ((UINT64_C(1) << shift) - 1);

	return cw_u128_to_u64_sat(cw_u128_add_u64(cw_u128_shr(p, shift), below != 0));
}

/**
 * ((x << shift) + add) / d, all 128 bits of the quotient: a count in one
 * unit to another through a binary scale, with rounding folded into @add
 * (clock event latch to ns, tick length to cycles, mult/shift
 * computation). shift in [0, 63], d != 0.
 */
static inline cw_u128 cw_shl_add_div(uint64_t x, unsigned shift, uint64_t add, uint64_t d)
{
	return cw_u128_div_u64(cw_u128_add_u64(cw_u128_shl(cw_u128_from_u64(x), shift), add), d);
}

/**
 * The low 64 bits of (a * b + add) >> shift: a counter delta beyond
 * max_cycles times mult plus the clock's fraction, in ns (the reader's
 * slow path). shift in [0, 63].
 */
static inline uint64_t cw_mul_add_shr(uint64_t a, uint64_t b, uint64_t add, unsigned shift)
{
	return cw_u128_lo(cw_u128_shr(cw_u128_add_u64(cw_mul_u64_u64(a, b), add), shift));
}

/**
 * The low 64 bits of (x << to_shift) >> from_shift: a binary fraction
 * moved from one scale to another. Shifts in [0, 63].
 */
static inline uint64_t cw_rescale_u64(uint64_t x, unsigned from_shift, unsigned to_shift)
{
	return cw_u128_lo(cw_u128_shr(cw_u128_shl(cw_u128_from_u64(x), to_shift), from_shift));
}

/**
 * Split @acc + @frac at bit @shift: add the whole part (its low 64 bits,
 * as int64) to @base_ns and leave the remainder below 2^shift in @frac.
 * Timekeeping's accumulation step. shift in [0, 63].
 */
static inline void cw_accumulate_shifted(int64_t *base_ns, uint64_t *frac, cw_u128 acc,
					 unsigned shift)
{
	acc = cw_u128_add_u64(acc, *frac);
	/* Modulo 2^64 like every other sum here: a clock never gets near it. */
	*base_ns = (int64_t)((uint64_t)*base_ns + cw_u128_lo(cw_u128_shr(acc, shift)));
	*frac = cw_u128_lo(acc) & ((UINT64_C(1) << shift) - 1);
}

/** a + b or a - b (@negative), saturated to the int64 range. b's bits read as signed. */
static inline int64_t cw_sat_add_s64_u128(int64_t a, cw_u128 b, bool negative)
{
	cw_s128 sa = cw_s128_from_s64(a), sb = cw_s128_from_u128(b);

	return cw_s128_clamp_s64(negative ? cw_s128_sub(sa, sb) : cw_s128_add(sa, sb), INT64_MIN,
				 INT64_MAX);
}

#endif /* CLOCKWORK_SRC_CORE_MATH128_H */
