// SPDX-License-Identifier: MIT
/*
 * Clocksource framework tests on the sim port: conversion precision,
 * wrapping counters, selection, override, unregister, the watchdog's
 * verdicts (unstable, pass, retry, skip) and the negative-motion clamp.
 */
#include "cw_test.h"

#include <stdlib.h>

/* ---------------------------------------------------------------------- */

/*
 * The conversion error of one second's worth of cycles must stay below
 * 1 ns, and the error per second must stay below 1 ns over the whole span
 * the clocksource may go without an update (max_idle_ns).
 */
static void check_precision(uint64_t hz)
{
	struct cw_clocksource cs = { .mask = UINT64_MAX };
	double per_sec_err, span_s;
	uint64_t span_cycles, ns;

	cw_clocksource_calc_mult_shift(&cs.mult, &cs.shift, hz);
	assert_true((uint64_t)cs.mult + cs.mult * 11 / 100 <= UINT32_MAX);
	ns = cw_cycles_to_ns(hz, cs.mult, cs.shift);
	per_sec_err = (double)ns - 1e9;
	if (per_sec_err > 1.0 || per_sec_err < -1.0) {
		fail_msg("%llu Hz: mult %u shift %u gives %llu ns per second", (unsigned long long)hz,
			 cs.mult, cs.shift, (unsigned long long)ns);
	}
	/* Over 600 s (the longest max_idle_ns) the relative error is the same. */
	span_s = 600.0;
	span_cycles = hz * 600u;
	ns = cw_cycles_to_ns(span_cycles, cs.mult, cs.shift);
	per_sec_err = ((double)ns - span_s * 1e9) / span_s;
	if (per_sec_err > 1.0 || per_sec_err < -1.0) {
		fail_msg("%llu Hz: %.3f ns/s error over 600 s", (unsigned long long)hz, per_sec_err);
	}
}

static void test_mult_shift_error_below_1ns_per_second_32khz_to_10ghz(void **state)
{
	static const uint64_t fixed[] = {
		32768,     1000000,    1193182,    3579545,    14318180,   19200000,
		24000000,  25000000,   33333333,   100000000,  400000000,  1000000000,
		1843200000, 2400000000ULL, 2995200000ULL, 3300000000ULL, 5000000000ULL, 10000000000ULL,
	};
	uint64_t seed = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		check_precision(fixed[i]);
	}
	/* And 2000 log-uniform random frequencies across the range. */
	for (int i = 0; i < 2000; i++) {
		double lo = 15.0, hi = 33.22; /* log2(32768), log2(1e10) */
		double u;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		u = (double)(seed >> 11) / 9007199254740992.0;
		check_precision((uint64_t)__builtin_exp2(lo + u * (hi - lo)));
	}
}

static void test_linux_mult_shift_respects_maxsec(void **state)
{
	uint32_t mult, shift;

	(void)state;
	/* 1 GHz over 600 s: (600e9 * mult) must fit 64 bits. */
	cw_clocks_calc_mult_shift(&mult, &shift, 1000000000ULL, 1000000000ULL, 600);
	assert_true((unsigned __int128)600000000000ULL * mult <= UINT64_MAX);
	assert_int_equal(cw_cycles_to_ns(1000000000ULL, mult, shift), 1000000000ULL);
	/* 32768 Hz -> ns is exact with any shift >= 6. */
	cw_clocks_calc_mult_shift(&mult, &shift, 32768, 1000000000ULL, 4);
	assert_int_equal(cw_cycles_to_ns(32768, mult, shift), 1000000000ULL);
}

static void test_limits_follow_the_documented_margins(void **state)
{
	struct cwt t;
	struct cw_clocksource_info info[8];
	size_t n;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "c32", 32, 24000000, 0, 200, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_counter(&t, "c64", 64, 1000000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	assert_int_equal(cw_clocksource_list(t.sys, info, 8, &n), 0);
	assert_int_equal(n, 3);
	/* Sorted by rating. */
	assert_string_equal(info[0].name, "c64");
	assert_string_equal(info[1].name, "c32");
	assert_string_equal(info[2].name, "jiffies");
	for (size_t i = 0; i < 2; i++) {
		uint64_t maxadj = (uint64_t)info[i].mult * 11 / 100;
		uint64_t wrap = cw_cycles_to_ns(info[i].mask, (uint32_t)(info[i].mult - maxadj),
						info[i].shift);
		uint64_t expect = wrap / 2 < SEC(600) ? wrap / 2 : SEC(600);

		assert_int_equal(info[i].max_idle_ns, expect);
		assert_true(info[i].max_cycles <= info[i].mask);
		/* Default margin: max(one period, 2 * 62 us). */
		assert_int_equal(info[i].uncertainty_margin_ns, 124000);
	}
	/* 32-bit at 24 MHz wraps in 178.9 s; at the slowest NTP mult (-11 %) that
	 * reads as 159.3 s, and max_idle is half of it. */
	assert_true(info[1].max_idle_ns > SEC(79) && info[1].max_idle_ns < SEC(80));
	assert_int_equal(info[2].rating, 1);
	assert_int_equal(info[2].uncertainty_margin_ns, 32000000);
	cwt_fini(&t);
}

/* ---------------------------------------------------------------------- */

/*
 * A counter of each width, started just below its wrap point and fast
 * enough to wrap many times, keeps MONOTONIC continuous and accurate.
 */
static void run_wrap(unsigned bits, uint64_t hz)
{
	struct cw_sim_counter_params p = {
		.name = "wrapper", .width_bits = bits, .freq_hz = hz,
	};
	struct cw_sim_counter *c;
	struct cwt t;
	int64_t prev = -1;

	cwt_init(&t, 1000);
	p.start_value = (bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1) - hz / 1000;
	assert_int_equal(cw_sim_counter_create(t.sim, &p, &c), 0);
	assert_int_equal(cw_sim_counter_register(c, t.sys, 300, CW_CLOCKSOURCE_IS_CONTINUOUS), 0);
	t.counters[t.nr_counters++] = c;
	cwt_boot(&t);
	cwt_assert_current(&t, "wrapper");
	/* Sample at an odd step so reads fall between ticks. */
	for (uint64_t now = 0; now < SEC(3); now += US(337)) {
		int64_t mono;

		cw_sim_run_until(t.sim, now);
		mono = cwt_clock(&t, CW_CLOCK_MONOTONIC);
		if (mono < prev) {
			fail_msg("%u-bit: MONOTONIC went back from %lld to %lld at %llu", bits,
				 (long long)prev, (long long)mono, (unsigned long long)now);
		}
		/* Boot happened at virtual 0 where MONOTONIC was 0: error tiny. */
		if (llabs(mono - (int64_t)now) > 2000) {
			fail_msg("%u-bit: MONOTONIC %lld vs true %llu", bits, (long long)mono,
				 (unsigned long long)now);
		}
		prev = mono;
	}
	cwt_fini(&t);
}

static void test_counters_of_16_24_32_56_64_bits_wrap_without_backward_step(void **state)
{
	(void)state;
	run_wrap(16, 1000000);      /* wraps every 65.5 ms */
	run_wrap(24, 100000000);    /* every 168 ms */
	run_wrap(32, 3000000000ULL); /* every 1.43 s */
	run_wrap(56, 1000000000);   /* starts just below the wrap */
	run_wrap(64, 2500000000ULL);
}

/* ---------------------------------------------------------------------- */

static void test_best_rating_is_selected_at_boot_not_before(void **state)
{
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "low", 32, 1000000, 0, 150, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_counter(&t, "high", 64, 100000000, 0, 350, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_assert_current(&t, "jiffies");
	cwt_boot(&t);
	cwt_assert_current(&t, "high");
	assert_true(cw_log_contains(t.sys, "clocksource: Switched to clocksource high"));
	cwt_fini(&t);
}

static void test_boot_override_by_name_wins_over_rating(void **state)
{
	struct cw_system_config cfg = { .hz = 250, .clocksource_override = "low" };
	struct cwt t;

	(void)state;
	cwt_init_cfg(&t, &cfg);
	cwt_counter(&t, "low", 32, 1000000, 0, 150, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_counter(&t, "high", 64, 100000000, 0, 350, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cwt_assert_current(&t, "low");
	cwt_fini(&t);
}

static void assert_continuous(const int64_t before[CWT_NR_CLOCKS], const int64_t after[CWT_NR_CLOCKS],
			      int64_t elapsed_ns, const char *what)
{
	for (size_t i = 0; i < CWT_NR_CLOCKS; i++) {
		int64_t d = after[i] - before[i];
		bool coarse = strstr(cw_clock_name(cwt_clock_ids[i]), "COARSE") != NULL;
		/* Fine clocks: advance by the elapsed time within 1 us; coarse
		 * ones by at most one tick more or less. */
		int64_t slack = coarse ? (int64_t)MS(1) : (int64_t)US(1);

		if (d < 0 || d > elapsed_ns + slack || d < elapsed_ns - slack) {
			fail_msg("%s: %s moved by %lld ns over %lld ns", what,
				 cw_clock_name(cwt_clock_ids[i]), (long long)d, (long long)elapsed_ns);
		}
	}
}

static void test_runtime_override_and_unregister_keep_every_clock_continuous(void **state)
{
	int64_t before[CWT_NR_CLOCKS], after[CWT_NR_CLOCKS];
	struct cw_sim_counter *a, *b;
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	a = cwt_counter(&t, "a", 64, 19200000, 3000, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	b = cwt_counter(&t, "b", 32, 33000000, -2000, 200, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cw_sim_run_until(t.sim, SEC(2) + US(450));
	cwt_assert_current(&t, "a");

	/* Override to b in the middle of a tick. */
	cwt_read_all(&t, before);
	assert_int_equal(cw_clocksource_override(t.sys, "b"), 0);
	cwt_assert_current(&t, "b");
	cwt_read_all(&t, after);
	assert_continuous(before, after, 0, "override");
	cw_sim_run_for(t.sim, MS(3) + US(123));
	cwt_read_all(&t, before);

	/* Unregister the current one: falls back to a. */
	assert_int_equal(cw_clocksource_unregister(t.sys, cw_sim_counter_clocksource(b)), 0);
	cwt_assert_current(&t, "a");
	cwt_read_all(&t, after);
	assert_continuous(before, after, 0, "unregister");

	/* Time keeps flowing at the right rate afterwards. */
	cw_sim_run_for(t.sim, MS(500));
	cwt_read_all(&t, before);
	cw_sim_run_for(t.sim, MS(250) + 17);
	cwt_read_all(&t, after);
	assert_continuous(before, after, (int64_t)(MS(250) + 17), "after");

	/* Errors: unknown name, unregister twice, jiffies is permanent. */
	assert_int_equal(cw_clocksource_override(t.sys, "nope"), CW_ENOENT);
	assert_int_equal(cw_clocksource_unregister(t.sys, cw_sim_counter_clocksource(b)), CW_EINVAL);
	assert_int_equal(cw_clocksource_unregister(t.sys, cw_sim_counter_clocksource(a)), 0);
	cwt_assert_current(&t, "jiffies");
	cwt_fini(&t);
}

static void test_register_rejects_bad_and_duplicate_clocksources(void **state)
{
	struct cw_clocksource bad = { 0 };
	struct cwt t;
	size_t n;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "dup", 32, 1000000, 0, 100, 0);
	assert_int_equal(cw_clocksource_register_hz(t.sys, &bad, 1000), CW_EINVAL);
	bad.name = "bad";
	assert_int_equal(cw_clocksource_register_hz(t.sys, &bad, 1000), CW_EINVAL);
	bad.read = cw_sim_counter_clocksource(t.counters[0])->read;
	assert_int_equal(cw_clocksource_register_hz(t.sys, &bad, 0), CW_EINVAL);
	bad.name = "dup";
	bad.mask = 0xffff;
	assert_int_equal(cw_clocksource_register_hz(t.sys, &bad, 1000), CW_EBUSY);
	assert_int_equal(cw_clocksource_register_hz(t.sys, cw_sim_counter_clocksource(t.counters[0]), 1000),
			 CW_EBUSY);
	assert_int_equal(cw_clocksource_list(t.sys, NULL, 0, &n), 0);
	assert_int_equal(n, 2);
	cwt_fini(&t);
}

/* ---------------------------------------------------------------------- */

static void test_watchdog_catches_1_percent_drift_within_two_intervals(void **state)
{
	int64_t before[CWT_NR_CLOCKS], after[CWT_NR_CLOCKS];
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "ref", 32, 14318180, 0, 250, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_counter(&t, "fast", 64, 2400000000ULL, 10000000, 400,
		    CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY);
	cwt_boot(&t);
	cwt_assert_current(&t, "fast");
	/* Boot took the baseline; the first check (0.5 s) must catch it. */
	cw_sim_run_until(t.sim, MS(499));
	assert_false(cwt_flags_of(&t, "fast") & CW_CLOCKSOURCE_UNSTABLE);
	cwt_read_all(&t, before);
	cw_sim_run_until(t.sim, MS(1000));
	cwt_read_all(&t, after);
	if (!(cwt_flags_of(&t, "fast") & CW_CLOCKSOURCE_UNSTABLE)) {
		cwt_dump_log(&t);
		fail_msg("1%% drift not caught within two intervals");
	}
	cwt_assert_current(&t, "ref");
	assert_true(cw_log_contains(t.sys, "timekeeping watchdog on CPU"));
	assert_true(cw_log_contains(t.sys, "Marking clocksource 'fast' as unstable"));
	assert_true(cw_log_contains(t.sys, "Switched to clocksource ref"));
	/* MONOTONIC ran 1 % fast until the switch, but never backwards. */
	for (size_t i = 0; i < CWT_NR_CLOCKS; i++) {
		assert_true(after[i] >= before[i]);
	}
	cwt_fini(&t);
}

static void test_watchdog_never_flags_100ppm_and_validates_for_hres(void **state)
{
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "ref", 24, 3579545, 0, 250, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_counter(&t, "slightly", 64, 1000000000, 100000, 300,
		    CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY);
	cwt_counter(&t, "slow", 64, 1000000000, -100000, 290,
		    CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY);
	cwt_boot(&t);
	assert_false(cwt_flags_of(&t, "slightly") & CW_CLOCKSOURCE_VALID_FOR_HRES);
	cw_sim_run_until(t.sim, SEC(120));
	assert_false(cwt_flags_of(&t, "slightly") & CW_CLOCKSOURCE_UNSTABLE);
	assert_false(cwt_flags_of(&t, "slow") & CW_CLOCKSOURCE_UNSTABLE);
	assert_true(cwt_flags_of(&t, "slightly") & CW_CLOCKSOURCE_VALID_FOR_HRES);
	assert_true(cwt_flags_of(&t, "slow") & CW_CLOCKSOURCE_VALID_FOR_HRES);
	assert_false(cw_log_contains(t.sys, "unstable"));
	cwt_assert_current(&t, "slightly");
	cwt_fini(&t);
}

static void test_watchdog_margins_are_tunable(void **state)
{
	struct cw_clocksource_watchdog_params p = { .max_skew_ns = US(10) };
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "ref", 32, 10000000, 0, 250, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_counter(&t, "c", 64, 1000000000, 100000, 300,
		    CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY);
	/* Margins 20 us + 20 us per 0.5 s = 80 ppm: a 100 ppm error now fails. */
	assert_int_equal(cw_clocksource_watchdog_set_params(t.sys, &p), 0);
	cwt_boot(&t);
	cw_sim_run_until(t.sim, SEC(2));
	assert_true(cwt_flags_of(&t, "c") & CW_CLOCKSOURCE_UNSTABLE);
	p.interval_ns = SEC(2);
	p.interval_max_ns = SEC(1);
	assert_int_equal(cw_clocksource_watchdog_set_params(t.sys, &p), CW_EINVAL);
	cwt_fini(&t);
}

/*
 * Fake counters for the read-sandwich paths: a watchdog whose consecutive
 * reads return scripted values, around a clocksource that reads exactly.
 */
struct fake_cs {
	struct cw_clocksource cs;
	uint64_t script[64];
	unsigned nr;
	unsigned pos;
	uint64_t value;
};

static uint64_t fake_read(struct cw_clocksource *cs)
{
	struct fake_cs *f = (struct fake_cs *)(void *)cs; /* cs is the first member */

	if (f->pos < f->nr) {
		return f->script[f->pos++];
	}
	return f->value;
}

static void fake_init(struct fake_cs *f, const char *name, int rating, unsigned flags)
{
	memset(f, 0, sizeof(*f));
	f->cs.name = name;
	f->cs.read = fake_read;
	f->cs.mask = UINT64_MAX;
	f->cs.rating = rating;
	f->cs.flags = flags;
}

/* A trusted watchdog "wd" and a must-verify "cs", both 1 GHz (1 cycle = 1 ns). */
static void fake_pair(struct cw_system *sys, struct fake_cs *wd, struct fake_cs *cs)
{
	fake_init(wd, "wd", 250, CW_CLOCKSOURCE_IS_CONTINUOUS);
	fake_init(cs, "cs", 300, CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY);
	assert_int_equal(cw_clocksource_register_hz(sys, &wd->cs, 1000000000), 0);
	assert_int_equal(cw_clocksource_register_hz(sys, &cs->cs, 1000000000), 0);
}

static void test_watchdog_skips_when_watchdog_reads_are_slow(void **state)
{
	struct fake_cs wd, cs;
	struct cw_system *sys;
	uint64_t next;

	(void)state;
	assert_int_equal(cw_system_create(NULL, &sys), 0);
	fake_pair(sys, &wd, &cs);
	/* Sandwich wd=0, cs, wd=1 ms (too slow), then wd-wd 1 ms more: busy. */
	wd.script[0] = 0;
	wd.script[1] = MS(1);
	wd.script[2] = MS(2);
	wd.nr = 3;
	next = cw_clocksource_watchdog_run(sys);
	assert_int_equal(next, SEC(300));
	assert_true(cw_log_contains(sys, "wd-wd read-back delay of 1000000ns"));
	assert_false(cs.cs.flags & (CW_CLOCKSOURCE_UNSTABLE | CW_CLOCKSOURCE_WATCHDOG));
	cw_system_destroy(sys);
}

static void test_watchdog_retries_then_marks_unstable_on_slow_sandwich(void **state)
{
	struct fake_cs wd, cs, cs2;
	struct cw_system_config cfg = { .nr_cpus = 16 };
	struct cw_system *sys;
	unsigned i;

	(void)state;
	assert_int_equal(cw_system_create(&cfg, &sys), 0);
	fake_pair(sys, &wd, &cs);
	/* 16 CPUs: ilog2(16)/2 + 1 = 3 retries, 4 attempts. Each attempt has a
	 * 1 ms sandwich but a fast wd-wd pair: not busy, just bad. */
	for (i = 0; i < 4; i++) {
		wd.script[3 * i + 0] = MS(10) * i;
		wd.script[3 * i + 1] = MS(10) * i + MS(1);
		wd.script[3 * i + 2] = MS(10) * i + MS(1) + 10;
	}
	wd.nr = 12;
	(void)cw_clocksource_watchdog_run(sys);
	assert_int_equal(wd.pos, 12);
	assert_true(cs.cs.flags & CW_CLOCKSOURCE_UNSTABLE);
	assert_int_equal(cs.cs.rating, 0);
	assert_true(cw_log_contains(sys, "excessive read-back delay"));

	/* A success after one retry is logged as such. */
	fake_init(&cs2, "cs2", 300, CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY);
	assert_int_equal(cw_clocksource_register_hz(sys, &cs2.cs, 1000000000), 0);
	wd.pos = 0;
	wd.nr = 6;
	wd.script[3] = MS(100);
	wd.script[4] = MS(100) + 5;
	wd.script[5] = MS(100) + 6;
	wd.script[2] = MS(1) + 10; /* first attempt slow, second fine */
	wd.value = MS(100) + 7;
	(void)cw_clocksource_watchdog_run(sys);
	assert_false(cs2.cs.flags & CW_CLOCKSOURCE_UNSTABLE);
	assert_true(cs2.cs.flags & CW_CLOCKSOURCE_WATCHDOG);
	assert_true(cw_log_contains(sys, "cs2 retried 1 times before success"));
	cw_system_destroy(sys);
}

static void test_negative_motion_is_clamped_not_a_backward_step(void **state)
{
	struct fake_cs c;
	struct cw_system *sys;
	cw_ktime_t a, b, d;

	(void)state;
	assert_int_equal(cw_system_create(NULL, &sys), 0);
	fake_init(&c, "wobbly", 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	c.cs.mask = CW_CLOCKSOURCE_MASK(32);
	c.value = 5000000;
	assert_int_equal(cw_clocksource_register_hz(sys, &c.cs, 1000000000), 0);
	assert_int_equal(cw_system_boot(sys), 0);
	c.value = 7000000;
	cw_timekeeping_update(sys); /* cycle_last = 7000000 */
	a = cw_ktime_get(sys);
	/* The counter reads 1000 cycles behind cycle_last (unsynchronised
	 * cores): without the clamp this is a 4.29 s jump forward. */
	c.value = 6999000;
	b = cw_ktime_get(sys);
	assert_int_equal(b, a);
	c.value = 7500000;
	d = cw_ktime_get(sys);
	assert_true(d > a);
	cw_system_destroy(sys);
}

static void test_mark_unstable_by_driver_reselects(void **state)
{
	struct cwt t;
	struct cw_sim_counter *c;

	(void)state;
	cwt_init(&t, 100);
	cwt_counter(&t, "good", 32, 1000000, 0, 200, CW_CLOCKSOURCE_IS_CONTINUOUS);
	c = cwt_counter(&t, "best", 64, 50000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cwt_assert_current(&t, "best");
	cw_clocksource_mark_unstable(cw_sim_counter_clocksource(c));
	cwt_assert_current(&t, "good");
	assert_int_equal(cw_clocksource_override(t.sys, "best"), CW_EINVAL);
	cwt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mult_shift_error_below_1ns_per_second_32khz_to_10ghz),
		cmocka_unit_test(test_linux_mult_shift_respects_maxsec),
		cmocka_unit_test(test_limits_follow_the_documented_margins),
		cmocka_unit_test(test_counters_of_16_24_32_56_64_bits_wrap_without_backward_step),
		cmocka_unit_test(test_best_rating_is_selected_at_boot_not_before),
		cmocka_unit_test(test_boot_override_by_name_wins_over_rating),
		cmocka_unit_test(test_runtime_override_and_unregister_keep_every_clock_continuous),
		cmocka_unit_test(test_register_rejects_bad_and_duplicate_clocksources),
		cmocka_unit_test(test_watchdog_catches_1_percent_drift_within_two_intervals),
		cmocka_unit_test(test_watchdog_never_flags_100ppm_and_validates_for_hres),
		cmocka_unit_test(test_watchdog_margins_are_tunable),
		cmocka_unit_test(test_watchdog_skips_when_watchdog_reads_are_slow),
		cmocka_unit_test(test_watchdog_retries_then_marks_unstable_on_slow_sandwich),
		cmocka_unit_test(test_negative_motion_is_clamped_not_a_backward_step),
		cmocka_unit_test(test_mark_unstable_by_driver_reselects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
