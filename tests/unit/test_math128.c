/* SPDX-License-Identifier: MIT */
/*
 * The core's 128-bit arithmetic (src/core/math128.h) against plain
 * unsigned __int128 expressions: every primitive, and every conversion the
 * core makes, written here the way the core wrote it before math128.h
 * existed. This file is built twice: test_math128 uses the native path
 * (unless the build forces CW_NO_INT128), test_math128_portable defines
 * CW_MATH128_FORCE_PORTABLE and so checks the 32-bit fallback on this
 * 64-bit host, where the reference still has __int128.
 *
 * Operands: edge values (0, 1, powers of two and their neighbours,
 * UINT32_MAX, UINT64_MAX, INT64_MIN/MAX, NSEC_PER_SEC) pairwise with every
 * shift 0..63, then random operands of random bit widths from a fixed seed
 * (printed; CW_TEST_SEED=<n> replays another).
 */
#include <clockwork/types.h>

#include "core/math128.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include "cw_rand.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

#define RANDOM_ROUNDS 200000

static uint64_t seed = UINT64_C(0x5eed0c10c4a0001);
static uint64_t rng_state;
static unsigned failures;

static uint64_t rnd(void)
{
	return cw_rand_next(&rng_state);
}

static uint64_t rnd_wide(void)
{
	return cw_rand_wide(&rng_state);
}

static unsigned rnd_shift(void)
{
	return (unsigned)(rnd() % 64);
}

static uint64_t edges[256];
static size_t n_edges;

static void init_edges(void)
{
	static const uint64_t fixed[] = {
		0,
		UINT32_MAX,
		UINT64_MAX,
		UINT64_MAX - 1,
		(uint64_t)INT64_MAX,
		(uint64_t)INT64_MIN,
		1000000000u,
		UINT64_C(1000000000) << 32,
		UINT64_C(0x123456789abcdef0),
	};

	n_edges = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		edges[n_edges++] = fixed[i];
	}
	for (unsigned k = 0; k < 64; k++) {
		edges[n_edges++] = UINT64_C(1) << k;
		if (k > 1) {
			edges[n_edges++] = (UINT64_C(1) << k) - 1;
			edges[n_edges++] = (UINT64_C(1) << k) + 1;
		}
	}
}

static u128 nat(cw_u128 a)
{
	return ((u128)cw_u128_hi(a) << 64) | cw_u128_lo(a);
}

static s128 snat(cw_s128 a)
{
	return (s128)nat(cw_u128_from_s128(a));
}

static cw_u128 mk(u128 v)
{
	return cw_u128_make((uint64_t)(v >> 64), (uint64_t)v);
}

static cw_s128 smk(s128 v)
{
	return cw_s128_from_u128(mk((u128)v));
}

static int setup(void **state)
{
	const char *env = getenv("CW_TEST_SEED");

	(void)state;
	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	}
	rng_state = seed;
	failures = 0;
	init_edges();
	return 0;
}

/* Report the first few mismatches with their operands, count all of them. */
static void mismatch(const char *what, const char *fmt, ...)
{
	va_list ap;

	if (failures++ < 10) {
		printf("MISMATCH %s: ", what);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

#define HEX(v) (unsigned long long)(uint64_t)((u128)(v) >> 64), (unsigned long long)(uint64_t)(v)

static void test_path_is_the_one_named(void **state)
{
	(void)state;
#ifdef CW_MATH128_FORCE_PORTABLE
	assert_int_equal(CW_MATH128_NATIVE, 0);
#else
	assert_int_equal(CW_MATH128_NATIVE, !CW_CONFIG_NO_INT128);
#endif
	printf("math128: %s path, seed 0x%016llx (CW_TEST_SEED to change)\n",
	       CW_MATH128_NATIVE ? "native __int128" : "portable", (unsigned long long)seed);
}

/* ------------------------------------------------------------------------
 * Primitives
 */

static void check_mul(uint64_t a, uint64_t b)
{
	if (nat(cw_mul_u64_u64(a, b)) != (u128)a * b) {
		mismatch("mul_u64_u64", "%#llx * %#llx", (unsigned long long)a,
			 (unsigned long long)b);
	}
	if (nat(cw_mul_u64_u32(a, (uint32_t)b)) != (u128)a * (uint32_t)b) {
		mismatch("mul_u64_u32", "%#llx * %#x", (unsigned long long)a, (uint32_t)b);
	}
	if (snat(cw_mul_s64_s64((int64_t)a, (int64_t)b)) != (s128)(int64_t)a * (int64_t)b) {
		mismatch("mul_s64_s64", "%lld * %lld", (long long)a, (long long)b);
	}
	if (snat(cw_mul_u64_s64(a, (int64_t)b)) != (s128)a * (int64_t)b) {
		mismatch("mul_u64_s64", "%llu * %lld", (unsigned long long)a, (long long)b);
	}
}

static void check_addsub(u128 a, u128 b)
{
	if (nat(cw_u128_add(mk(a), mk(b))) != a + b) {
		mismatch("u128_add", "%llx:%llx + %llx:%llx", HEX(a), HEX(b));
	}
	if (nat(cw_u128_add_u64(mk(a), (uint64_t)b)) != a + (uint64_t)b) {
		mismatch("u128_add_u64", "%llx:%llx", HEX(a));
	}
	if (nat(cw_u128_sub(mk(a), mk(b))) != a - b) {
		mismatch("u128_sub", "%llx:%llx - %llx:%llx", HEX(a), HEX(b));
	}
	if (cw_u128_lt(mk(a), mk(b)) != (a < b)) {
		mismatch("u128_lt", "%llx:%llx < %llx:%llx", HEX(a), HEX(b));
	}
	if (cw_u128_gt_u64(mk(a), (uint64_t)b) != (a > (uint64_t)b)) {
		mismatch("u128_gt_u64", "%llx:%llx", HEX(a));
	}
	if (cw_u128_to_u64_sat(mk(a)) != (a > UINT64_MAX ? UINT64_MAX : (uint64_t)a)) {
		mismatch("u128_to_u64_sat", "%llx:%llx", HEX(a));
	}
	if (snat(cw_s128_add(smk((s128)a), smk((s128)b))) != (s128)(a + b)) {
		mismatch("s128_add", "%llx:%llx", HEX(a));
	}
	if (snat(cw_s128_sub(smk((s128)a), smk((s128)b))) != (s128)(a - b)) {
		mismatch("s128_sub", "%llx:%llx", HEX(a));
	}
	if (cw_s128_lt(smk((s128)a), smk((s128)b)) != ((s128)a < (s128)b)) {
		mismatch("s128_lt", "%llx:%llx < %llx:%llx", HEX(a), HEX(b));
	}
}

static void check_shift(u128 a, unsigned s)
{
	if (nat(cw_u128_shl(mk(a), s)) != a << s) {
		mismatch("u128_shl", "%llx:%llx << %u", HEX(a), s);
	}
	if (nat(cw_u128_shr(mk(a), s)) != a >> s) {
		mismatch("u128_shr", "%llx:%llx >> %u", HEX(a), s);
	}
	if (snat(cw_s128_asr(smk((s128)a), s)) != (s128)a >> s) {
		mismatch("s128_asr", "%llx:%llx >> %u", HEX(a), s);
	}
}

static void check_div(u128 n, uint64_t d)
{
	uint64_t rem = 0;
	cw_u128 q;

	if (d == 0) {
		return;
	}
	q = cw_u128_divmod_u64(mk(n), d, &rem);
	if (nat(q) != n / d || rem != (uint64_t)(n % d)) {
		mismatch("u128_divmod_u64", "%llx:%llx / %#llx", HEX(n), (unsigned long long)d);
	}
	/* Signed: skip the one overflowing case, -2^127 / -1. */
	if (!((s128)n == (s128)((u128)1 << 127) && (int64_t)d == -1) &&
	    snat(cw_s128_div_s64(smk((s128)n), (int64_t)d)) != (s128)n / (int64_t)d) {
		mismatch("s128_div_s64", "%llx:%llx / %lld", HEX(n), (long long)d);
	}
}

static void check_clamp(s128 a)
{
	s128 want = a < INT64_MIN ? INT64_MIN : a > CW_KTIME_MAX ? CW_KTIME_MAX : a;

	if (cw_s128_clamp_s64(smk(a), INT64_MIN, CW_KTIME_MAX) != (int64_t)want) {
		mismatch("s128_clamp_s64", "%llx:%llx", HEX(a));
	}
	if (cw_s128_lt_s64(smk(a), 0) != (a < 0) || cw_s128_gt_s64(smk(a), 0) != (a > 0)) {
		mismatch("s128_lt/gt_s64", "%llx:%llx", HEX(a));
	}
	if (snat(cw_s128_from_s64((int64_t)a)) != (s128)(int64_t)a) {
		mismatch("s128_from_s64", "%lld", (long long)(int64_t)a);
	}
}

static u128 rnd_u128(void)
{
	u128 v = ((u128)rnd_wide() << 64) | rnd();

	/* Half of them fit 64 bits, where most of the core's values live. */
	return rnd() & 1 ? v >> 64 : v;
}

static void test_primitives_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_edges; i++) {
		for (size_t j = 0; j < n_edges; j++) {
			u128 a = ((u128)edges[j] << 64) | edges[i];

			check_mul(edges[i], edges[j]);
			check_addsub(edges[i], edges[j]);
			check_addsub(a, ((u128)edges[i] << 64) | edges[j]);
			check_div(edges[i], edges[j]);
			check_div(a, edges[j]);
			check_clamp((s128)a);
			check_clamp((s128)edges[i]);
		}
		for (unsigned s = 0; s < 128; s++) {
			check_shift(edges[i], s);
			check_shift((u128)edges[i] << 64, s);
			check_shift(((u128)edges[i] << 64) | edges[i], s);
		}
	}
	assert_int_equal(failures, 0);
}

static void test_primitives_random(void **state)
{
	(void)state;
	for (unsigned i = 0; i < RANDOM_ROUNDS; i++) {
		u128 a = rnd_u128(), b = rnd_u128();
		uint64_t d = rnd_wide();

		check_mul(rnd_wide(), rnd_wide());
		check_addsub(a, b);
		check_shift(a, (unsigned)(rnd() % 128));
		check_div(a, d);
		/* Quotients just below and above 2^64. */
		check_div(((u128)(d - 1) << 64) | rnd(), d);
		check_clamp((s128)a);
		check_clamp((s128)(int64_t)rnd());
	}
	assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------------
 * The core's conversions, each against the expression the core used.
 */

/* cw_cycles_to_ns (clocksource.c). */
static void check_mul_shr(uint64_t a, uint32_t b, unsigned s)
{
	u128 p = ((u128)a * b) >> s;
	uint64_t want = p > UINT64_MAX ? UINT64_MAX : (uint64_t)p;

	if (cw_mul_u64_u32_shr(a, b, s) != want) {
		mismatch("mul_u64_u32_shr", "%#llx * %#x >> %u", (unsigned long long)a, b, s);
	}
}

/* ns_to_cycles (clockevents.c), before its "+ 1". */
static void check_mul_shr_ceil(uint64_t a, uint32_t b, unsigned s)
{
	u128 p = (u128)a * b;
	u128 c = (p >> s) + ((p & (((u128)1 << s) - 1)) != 0);
	uint64_t want = c > UINT64_MAX ? UINT64_MAX : (uint64_t)c;

	if (cw_mul_u64_u32_shr_ceil(a, b, s) != want) {
		mismatch("mul_u64_u32_shr_ceil", "%#llx * %#x >> %u", (unsigned long long)a, b, s);
	}
}

/*
 * cw_clockevent_delta_to_ns, tk_setup_internals' cycle_interval,
 * cw_clocks_calc_mult_shift and cw_clocksource_calc_mult_shift.
 */
static void check_shl_add_div(uint64_t x, unsigned s, uint64_t add, uint64_t d)
{
	if (d == 0) {
		return;
	}
	if (nat(cw_shl_add_div(x, s, add, d)) != (((u128)x << s) + add) / d) {
		mismatch("shl_add_div", "(%#llx << %u + %#llx) / %#llx", (unsigned long long)x, s,
			 (unsigned long long)add, (unsigned long long)d);
	}
}

/* pub_now's slow path (timekeeping.c). */
static void check_mul_add_shr(uint64_t a, uint64_t b, uint64_t add, unsigned s)
{
	if (cw_mul_add_shr(a, b, add, s) != (uint64_t)((((u128)a * b) + add) >> s)) {
		mismatch("mul_add_shr", "(%#llx * %#llx + %#llx) >> %u", (unsigned long long)a,
			 (unsigned long long)b, (unsigned long long)add, s);
	}
}

/* convert_frac (timekeeping.c). */
static void check_rescale(uint64_t x, unsigned from, unsigned to)
{
	if (cw_rescale_u64(x, from, to) != (uint64_t)(((u128)x << to) >> from)) {
		mismatch("rescale_u64", "%#llx %u -> %u", (unsigned long long)x, from, to);
	}
}

/* clock_advance (timekeeping.c) with both of its inputs: delta * mult and interval << k. */
static void check_accumulate(int64_t base, uint64_t frac, u128 acc, unsigned s)
{
	int64_t got_base = base, want_base = base;
	uint64_t got_frac = frac, want_frac;
	u128 sum = acc + frac;

	cw_accumulate_shifted(&got_base, &got_frac, mk(acc), s);
	want_base = (int64_t)((uint64_t)want_base + (uint64_t)(sum >> s));
	want_frac = (uint64_t)sum & ((UINT64_C(1) << s) - 1);
	if (got_base != want_base || got_frac != want_frac) {
		mismatch("accumulate_shifted", "%llx:%llx + %#llx >> %u", HEX(acc),
			 (unsigned long long)frac, s);
	}
}

/* sat_add_s64 (timekeeping.c). */
static void check_sat_add(int64_t a, u128 b, bool negative)
{
	/* Modulo 2^128 (b may read as a negative number near -2^127). */
	s128 r = (s128)(negative ? (u128)(s128)a - b : (u128)(s128)a + b);
	int64_t want = r > INT64_MAX ? INT64_MAX : r < INT64_MIN ? INT64_MIN : (int64_t)r;

	if (cw_sat_add_s64_u128(a, mk(b), negative) != want) {
		mismatch("sat_add_s64_u128", "%lld %c %llx:%llx", (long long)a,
			 negative ? '-' : '+', HEX(b));
	}
}

/* tk_publish_fields' leap instant: at_sec * 1e9 - offs_real, clamped. */
static void check_leap_mono(int64_t at_sec, int64_t offs_real)
{
	s128 at = (s128)at_sec * CW_NSEC_PER_SEC - offs_real;
	int64_t want = at > CW_KTIME_MAX ? CW_KTIME_MAX : at < INT64_MIN ? INT64_MIN : (int64_t)at;
	int64_t got = cw_s128_clamp_s64(
		cw_s128_sub(cw_mul_s64_s64(at_sec, CW_NSEC_PER_SEC), cw_s128_from_s64(offs_real)),
		INT64_MIN, CW_KTIME_MAX);

	if (got != want) {
		mismatch("leap_mono", "%lld, %lld", (long long)at_sec, (long long)offs_real);
	}
}

/* tk_update_ideal: raw + raw * adj / (1e9 << 32). */
static void check_ideal(uint64_t raw, int64_t adj)
{
	s128 corr = (s128)raw * adj / ((s128)CW_NSEC_PER_SEC << 32);
	uint64_t want = (uint64_t)((s128)raw + corr);
	uint64_t got = raw + cw_s128_lo(cw_s128_div_s64(cw_mul_u64_s64(raw, adj),
							(int64_t)CW_NSEC_PER_SEC << 32));

	if (got != want) {
		mismatch("ideal_interval", "%llu, %lld", (unsigned long long)raw, (long long)adj);
	}
}

/* tk_adjust: the fraction moved by -offset * adj, split at shift, and |offset * adj|. */
static void check_adjust(uint64_t frac, uint64_t offset, int64_t adj, unsigned s)
{
	if (adj == INT64_MIN) {
		return; /* -adj overflows; a mult step is at most 2^32. */
	}
	s128 t = (s128)frac - (s128)offset * adj;
	cw_s128 gt =
		cw_s128_sub(cw_s128_from_u128(cw_u128_from_u64(frac)), cw_mul_u64_s64(offset, adj));
	u128 mag = (u128)((s128)offset * (adj < 0 ? -adj : adj));

	if ((int64_t)cw_s128_lo(cw_s128_asr(gt, s)) != (int64_t)(t >> s) ||
	    (cw_s128_lo(gt) & ((UINT64_C(1) << s) - 1)) !=
		    ((uint64_t)t & ((UINT64_C(1) << s) - 1)) ||
	    nat(cw_u128_from_s128(cw_mul_u64_s64(offset, adj < 0 ? -adj : adj))) != mag) {
		mismatch("adjust", "frac %#llx offset %#llx adj %lld shift %u",
			 (unsigned long long)frac, (unsigned long long)offset, (long long)adj, s);
	}
}

/* tk_inject_offset_locked's validity checks and result. */
static void check_inject(int64_t sec, int64_t frac, int64_t unit, int64_t offs_real, int64_t base)
{
	s128 delta = (s128)sec * CW_NSEC_PER_SEC + (s128)frac * unit;
	s128 offs = (s128)offs_real + delta, real = (s128)base + offs;
	bool want_bad = real < 0 || real > CW_KTIME_MAX || offs > INT64_MAX || offs < INT64_MIN;
	cw_s128 gd = cw_s128_add(cw_mul_s64_s64(sec, CW_NSEC_PER_SEC), cw_mul_s64_s64(frac, unit));
	cw_s128 go = cw_s128_add(cw_s128_from_s64(offs_real), gd);
	cw_s128 gr = cw_s128_add(cw_s128_from_s64(base), go);
	bool got_bad = cw_s128_lt_s64(gr, 0) || cw_s128_gt_s64(gr, CW_KTIME_MAX) ||
		       cw_s128_gt_s64(go, INT64_MAX) || cw_s128_lt_s64(go, INT64_MIN);

	if (got_bad != want_bad || (!got_bad && (int64_t)cw_s128_lo(go) != (int64_t)offs)) {
		mismatch("inject_offset", "%lld s %lld frac", (long long)sec, (long long)frac);
	}
}

/* ntp.c pick_slew: s * 1e9 / (1e9 - s). */
static void check_slew(int64_t s)
{
	int64_t d, got, want;

	if (s <= INT64_MIN + CW_NSEC_PER_SEC || s == CW_NSEC_PER_SEC) {
		return; /* 1e9 - s overflows, or is 0 */
	}
	d = CW_NSEC_PER_SEC - s;
	want = (int64_t)((s128)s * CW_NSEC_PER_SEC / d);
	got = (int64_t)cw_s128_lo(cw_s128_div_s64(cw_mul_s64_s64(s, CW_NSEC_PER_SEC), d));
	if (got != want) {
		mismatch("ntp_slew", "%lld", (long long)s);
	}
}

/* cw_clocks_calc_mult_shift's headroom: maxsec * from >> 32. */
static void check_headroom(uint64_t maxsec, uint64_t from)
{
	if (cw_u128_lo(cw_u128_shr(cw_mul_u64_u64(maxsec, from), 32)) !=
	    (uint64_t)((u128)maxsec * from >> 32)) {
		mismatch("mult_shift_headroom", "%llu * %llu", (unsigned long long)maxsec,
			 (unsigned long long)from);
	}
}

static void check_conversions(uint64_t a, uint64_t b, uint64_t c, unsigned s, unsigned s2)
{
	check_mul_shr(a, (uint32_t)b, s);
	check_mul_shr_ceil(a, (uint32_t)b, s);
	check_shl_add_div(a, s, c, b);
	check_shl_add_div(a, s, b / 2, b);
	check_mul_add_shr(a, b, c, s);
	check_rescale(a, s, s2);
	check_accumulate((int64_t)c, b, (u128)a * (uint32_t)c, s);
	check_accumulate((int64_t)c, b, (u128)a << s2, s);
	check_sat_add((int64_t)c, (u128)a << s2, s & 1);
	check_sat_add((int64_t)c, (u128)a * b, !(s & 1));
	check_leap_mono((int64_t)a, (int64_t)b);
	check_ideal(a, (int64_t)b);
	check_adjust(c, a, (int64_t)b, s);
	check_inject((int64_t)a, (int64_t)b, s & 1 ? 1 : 1000, (int64_t)c, (int64_t)(c >> 1));
	check_slew((int64_t)a);
	check_headroom(a, b);
}

static void test_conversions_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_edges; i++) {
		for (size_t j = 0; j < n_edges; j++) {
			for (unsigned s = 0; s < 64; s++) {
				check_conversions(edges[i], edges[j], edges[(i + j + s) % n_edges],
						  s, 63 - s);
			}
		}
	}
	assert_int_equal(failures, 0);
}

static void test_conversions_random(void **state)
{
	(void)state;
	for (unsigned i = 0; i < RANDOM_ROUNDS; i++) {
		check_conversions(rnd_wide(), rnd_wide(), rnd_wide(), rnd_shift(), rnd_shift());
	}
	assert_int_equal(failures, 0);
}

/* The failure path itself: a wrong product is reported, not missed. */
static void test_mismatch_is_counted(void **state)
{
	(void)state;
	mismatch("self-test", "deliberate");
	assert_int_equal(failures, 1);
	failures = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_path_is_the_one_named, setup),
		cmocka_unit_test_setup(test_mismatch_is_counted, setup),
		cmocka_unit_test_setup(test_primitives_edges, setup),
		cmocka_unit_test_setup(test_primitives_random, setup),
		cmocka_unit_test_setup(test_conversions_edges, setup),
		cmocka_unit_test_setup(test_conversions_random, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
