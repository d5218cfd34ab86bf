// SPDX-License-Identifier: MIT
/*
 * Timekeeping tests on the sim port: clock ids, logarithmic accumulation,
 * NTP frequency and slew, leap second insert/delete sequences, settime and
 * offset steps with clock-was-set notification, suspend/resume injection,
 * coarse clocks and monotonicity under NTP changes.
 */
#include "cw_test.h"

#include <stdlib.h>

/* 2017-01-01 00:00:00 UTC: the day after the last inserted leap second. */
#define MIDNIGHT_S 1483228800LL

static int64_t mono(struct cwt *t)
{
	return cwt_clock(t, CW_CLOCK_MONOTONIC);
}

static int64_t raw(struct cwt *t)
{
	return cwt_clock(t, CW_CLOCK_MONOTONIC_RAW);
}

static int64_t real(struct cwt *t)
{
	return cwt_clock(t, CW_CLOCK_REALTIME);
}

static int64_t tai(struct cwt *t)
{
	return cwt_clock(t, CW_CLOCK_TAI);
}

static int adjtimex_freq(struct cw_system *sys, int64_t ppm_scaled)
{
	struct cw_timex tx = { .modes = CW_ADJ_FREQUENCY, .freq = ppm_scaled };

	return cw_adjtimex(sys, &tx);
}

/* ---------------------------------------------------------------------- */

/*
 * MONOTONIC, RAW and BOOTTIME can start where the host's MONOTONIC is (the
 * posix port does), with REALTIME still at its own start; out-of-range
 * starts are refused.
 */
static void test_monotonic_starts_at_config_value(void **state)
{
	const int64_t mono0 = 1000000LL * 1000000000LL + 123; /* 11.6 days of uptime */
	struct cw_system_config cfg = {
		.hz = 1000,
		.realtime_init_ns = 1700000000LL * 1000000000LL,
		.monotonic_init_ns = mono0,
	};
	struct cw_system_config bad = { .monotonic_init_ns = -1 };
	struct cw_system *sys;
	struct cwt t;

	(void)state;
	assert_int_equal(cw_system_create(&bad, &sys), CW_EINVAL);
	bad.monotonic_init_ns = ((int64_t)1 << 62) + 1;
	assert_int_equal(cw_system_create(&bad, &sys), CW_EINVAL);
	cwt_init_cfg(&t, &cfg);
	cwt_counter(&t, "c", 64, 19200000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cw_sim_run_until(t.sim, MS(1500));
	assert_true(llabs(mono(&t) - (mono0 + (int64_t)MS(1500))) < 53);
	assert_int_equal(raw(&t), mono(&t));
	assert_int_equal(cwt_clock(&t, CW_CLOCK_BOOTTIME), mono(&t));
	assert_true(llabs(real(&t) - (cfg.realtime_init_ns + (int64_t)MS(1500))) < 53);
	assert_int_equal(real(&t) - mono(&t), cfg.realtime_init_ns - mono0);
	cwt_fini(&t);
}

static void test_clock_ids_start_from_config_and_read_consistently(void **state)
{
	struct cw_system_config cfg = {
		.hz = 250,
		.realtime_init_ns = 1700000000LL * 1000000000LL,
		.tai_offset_s = 37,
	};
	struct cwt t;
	cw_ktime_t res;

	(void)state;
	cwt_init_cfg(&t, &cfg);
	cwt_counter(&t, "c", 64, 19200000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cw_sim_run_until(t.sim, MS(1500) + US(7));
	/* Within one 52 ns period of the 19.2 MHz counter. */
	assert_true(llabs(mono(&t) - (int64_t)(MS(1500) + US(7))) < 53);
	assert_int_equal(raw(&t), mono(&t));
	assert_int_equal(real(&t), cfg.realtime_init_ns + mono(&t));
	assert_int_equal(tai(&t) - real(&t), SEC(37));
	assert_int_equal(cwt_clock(&t, CW_CLOCK_BOOTTIME), mono(&t));
	/* Coarse: the last update, at most one tick (4 ms) behind. */
	assert_true(cwt_clock(&t, CW_CLOCK_MONOTONIC_COARSE) <= mono(&t));
	assert_true(mono(&t) - cwt_clock(&t, CW_CLOCK_MONOTONIC_COARSE) <= (int64_t)MS(4));
	assert_int_equal(cwt_clock(&t, CW_CLOCK_TAI_COARSE) -
				 cwt_clock(&t, CW_CLOCK_REALTIME_COARSE),
			 SEC(37));
	assert_int_equal(cw_clock_getres_ns(t.sys, CW_CLOCK_MONOTONIC, &res), 0);
	assert_int_equal(res, 1);
	assert_int_equal(cw_clock_getres_ns(t.sys, CW_CLOCK_REALTIME_COARSE, &res), 0);
	assert_int_equal(res, MS(4));
	assert_int_equal(cw_clock_get_ns(t.sys, 2, &res), CW_EINVAL);
	assert_int_equal(cw_clock_getres_ns(t.sys, 99, &res), CW_EINVAL);
	assert_null(cw_clock_name(3));
	cwt_fini(&t);
}

static void test_jiffies_start_at_initial_jiffies_and_tick(void **state)
{
	struct cwt t;

	(void)state;
	cwt_init(&t, 300);
	assert_int_equal(cw_jiffies_get(t.sys), CW_INITIAL_JIFFIES(300));
	cwt_boot(&t);
	cwt_assert_current(&t, "jiffies");
	cw_sim_run_until(t.sim, SEC(1));
	assert_int_equal(cw_jiffies_get(t.sys) - CW_INITIAL_JIFFIES(300), 300);
	/* On jiffies, MONOTONIC moves by TICK_NSEC (3333333 ns) per tick. */
	assert_int_equal(mono(&t), 300 * 3333333LL);
	cwt_fini(&t);
}

static void test_long_idle_costs_logarithmic_steps(void **state)
{
	struct cwt t;
	uint64_t before, steps;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "c", 64, 24000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	assert_int_equal(cw_system_boot(t.sys), 0); /* no tick events: we update by hand */
	before = cw_timekeeping_accumulation_steps(t.sys);
	cw_sim_run_until(t.sim, SEC(500) + 12345);
	cw_timekeeping_update(t.sys);
	steps = cw_timekeeping_accumulation_steps(t.sys) - before;
	print_message("500 s gap (500000 ticks) accumulated in %llu steps\n",
		      (unsigned long long)steps);
	/* log2(500000) ~ 19: at most one step per bit. */
	assert_true(steps <= 20);
	/* One 42 ns counter period plus the conversion's rounding (< 0.5 ns/s). */
	if (llabs(mono(&t) - (int64_t)(SEC(500) + 12345)) >= 42 + 250) {
		fail_msg("MONOTONIC %lld after the gap", (long long)mono(&t));
	}
	cwt_fini(&t);
}

/* ---------------------------------------------------------------------- */

/* +100 ppm changes MONOTONIC's rate against RAW by 100 ppm within 1 ppb. */
static void run_ntp_rate(uint64_t hz, unsigned tick_hz, unsigned bits, int64_t ppm)
{
	struct cwt t;
	int64_t m0, r0, m1, r1;
	double rate, err_ppb;

	cwt_init(&t, tick_hz);
	cwt_counter(&t, "c", bits, hz, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cw_sim_run_until(t.sim, SEC(5));
	assert_true(adjtimex_freq(t.sys, ppm * 65536) >= 0);
	/* Let the first second settle, then measure over 100 s. */
	cw_sim_run_until(t.sim, SEC(7) + US(1));
	m0 = mono(&t);
	r0 = raw(&t);
	cw_sim_run_until(t.sim, SEC(107) + US(1));
	m1 = mono(&t);
	r1 = raw(&t);
	rate = (double)((m1 - m0) - (r1 - r0)) / (double)(r1 - r0);
	err_ppb = (rate - (double)ppm * 1e-6) * 1e9;
	print_message("%12llu Hz, HZ=%4u, %+lld ppm: rate error %.4f ppb\n", (unsigned long long)hz,
		      tick_hz, (long long)ppm, err_ppb);
	if (err_ppb > 1.0 || err_ppb < -1.0) {
		fail_msg("rate error %.3f ppb", err_ppb);
	}
	cwt_fini(&t);
}

static void test_ntp_frequency_changes_mono_rate_against_raw_within_1ppb(void **state)
{
	(void)state;
	run_ntp_rate(24000000, 1000, 64, 100);
	run_ntp_rate(32768, 100, 32, 100);
	run_ntp_rate(1000000000, 250, 64, 100);
	run_ntp_rate(10000000000ULL, 300, 64, 100);
	run_ntp_rate(3579545, 1000, 24, -100);
	run_ntp_rate(2400000000ULL, 1000, 64, 500);
}

static void test_ntp_frequency_is_clamped_to_500ppm(void **state)
{
	struct cw_timex tx = { .modes = CW_ADJ_FREQUENCY, .freq = 600LL << 16 };
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	assert_int_equal(tx.freq, 500LL << 16);
	tx.modes = CW_ADJ_FREQUENCY;
	tx.freq = -(900LL << 16);
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	assert_int_equal(tx.freq, -(500LL << 16));
	cwt_fini(&t);
}

static void test_adjtime_singleshot_slews_at_500us_per_second(void **state)
{
	struct cw_timex tx = { .modes = CW_ADJ_OFFSET_SINGLESHOT, .offset = 1000 };
	struct cwt t;
	int64_t d0, d1, d2;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "c", 64, 100000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cw_sim_run_until(t.sim, MS(500));
	d0 = mono(&t) - raw(&t);
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	assert_int_equal(tx.adjtime_remaining_us, 1000);
	/* Seconds 1 and 2 each slew 500 us. */
	cw_sim_run_until(t.sim, MS(2000) + US(10));
	d1 = mono(&t) - raw(&t);
	cw_sim_run_until(t.sim, MS(4000) + US(10));
	d2 = mono(&t) - raw(&t);
	print_message("slewed %lld ns after 1.5 s, %lld ns after 3.5 s\n", (long long)(d1 - d0),
		      (long long)(d2 - d0));
	/* Exact but for the slew running on until the tick that sees the
	 * second end: at most one tick (1 ms) at 500 ppm = 500 ns. */
	assert_true(llabs((d1 - d0) - 500000) < 1000);
	assert_true(llabs((d2 - d0) - 1000000) <= 500);
	tx.modes = 0;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	assert_int_equal(tx.adjtime_remaining_us, 0);
	cwt_fini(&t);
}

static void test_pll_offset_slews_exponentially(void **state)
{
	struct cw_timex tx = { .modes = CW_ADJ_STATUS, .status = CW_STA_PLL };
	struct cwt t;
	int64_t d0, d1;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "c", 64, 100000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	tx.modes = CW_ADJ_OFFSET | CW_ADJ_TIMECONST;
	tx.offset = 100000; /* us: 100 ms */
	tx.constant = 0;    /* 1/4 of the remainder per second */
	cw_sim_run_until(t.sim, MS(300));
	d0 = mono(&t) - raw(&t);
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	cw_sim_run_until(t.sim, SEC(60) + MS(300));
	d1 = mono(&t) - raw(&t);
	tx.modes = 0;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	print_message("PLL slewed %lld ns of 100 ms in 60 s, %lld us left\n", (long long)(d1 - d0),
		      (long long)tx.offset);
	/* Each second's rate change lands on the next tick: up to 1 ms at the
	 * slew rate per second boundary (25 us for the first, 25 ms/s). */
	assert_true(llabs((d1 - d0) - 100000000) < 40000);
	assert_int_equal(tx.offset, 0);
	cwt_fini(&t);
}

static void test_adjtimex_rejects_bad_requests(void **state)
{
	struct cw_timex tx = { 0 };
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	tx.modes = 0x40000;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_EINVAL);
	tx.modes = CW_ADJ_SETOFFSET;
	tx.time_frac = 1000000;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_EINVAL);
	tx.time_frac = -1;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_EINVAL);
	tx.modes = CW_ADJ_TIMECONST;
	tx.constant = 11;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_EINVAL);
	tx.modes = CW_ADJ_TAI;
	tx.tai = -1;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_EINVAL);
	/* A step to before the epoch. */
	tx.modes = CW_ADJ_SETOFFSET;
	tx.time_sec = -10;
	tx.time_frac = 0;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_EINVAL);
	assert_int_equal(cw_timekeeping_settime(t.sys, -1), CW_EINVAL);
	cwt_fini(&t);
}

/* ---------------------------------------------------------------------- */

struct leap_case {
	int64_t at_ns;   /* virtual time of the sample */
	int64_t real_ns; /* expected REALTIME */
	int state;       /* expected adjtimex state after the sample */
};

static void run_leap(unsigned status, int64_t start_ns, const struct leap_case *cases, size_t n,
		     int tai_before, int tai_after)
{
	struct cw_system_config cfg = {
		.hz = 1000,
		.realtime_init_ns = start_ns,
		.tai_offset_s = tai_before,
	};
	struct cw_timex tx = { .modes = CW_ADJ_STATUS, .status = status };
	struct cwt t;
	int64_t tai0;

	cwt_init_cfg(&t, &cfg);
	cwt_counter(&t, "c", 64, 50000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	assert_int_equal(cw_adjtimex(t.sys, &tx), status & CW_STA_INS ? CW_TIME_INS : CW_TIME_DEL);
	tai0 = tai(&t) - mono(&t);
	for (size_t i = 0; i < n; i++) {
		cw_sim_run_until(t.sim, (uint64_t)cases[i].at_ns);
		if (real(&t) != cases[i].real_ns) {
			fail_msg("case %zu at %lld ns: REALTIME %lld, expected %lld", i,
				 (long long)cases[i].at_ns, (long long)real(&t),
				 (long long)cases[i].real_ns);
		}
		/* TAI never steps. */
		assert_int_equal(tai(&t) - mono(&t), tai0);
		tx.modes = 0;
		assert_int_equal(cw_adjtimex(t.sys, &tx), cases[i].state);
	}
	assert_int_equal(tx.tai, tai_after);
	assert_int_equal(tai(&t) - real(&t), (int64_t)tai_after * 1000000000LL);
	/* Clearing the status returns to TIME_OK. */
	tx.modes = CW_ADJ_STATUS;
	tx.status = 0;
	cw_adjtimex(t.sys, &tx);
	cw_sim_run_for(t.sim, SEC(2));
	tx.modes = 0;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	cwt_fini(&t);
}

/*
 * Boot is 0.5 ms past a whole second, so each leap instant falls between two
 * ticks and the samples right after it are read before any update folded
 * the leap in: the readers apply it themselves. Sample times are multiples
 * of the 50 MHz counter's 20 ns period.
 */
#define LEAP_SKEW_NS 500000LL

/* The first midnight (UTC) at or after @sec. */
static int64_t midnight_after(int64_t sec)
{
	return (sec + 86399) / 86400 * 86400;
}

static void leap_insert_at(int64_t midnight_s)
{
	const int64_t M = midnight_s * 1000000000LL, K = LEAP_SKEW_NS;
	/* Boot at 23:59:58.0005; the leap instant is virtual 1.9995 s. */
	const struct leap_case cases[] = {
		{ (int64_t)MS(500) - K, M - SEC(2) + MS(500), CW_TIME_INS },  /* 23:59:58.5 */
		{ (int64_t)MS(1999) - K, M - SEC(1) + MS(999), CW_TIME_INS }, /* 23:59:59.999 */
		/* 200 us after the leap instant, before the 2.000 s tick. */
		{ (int64_t)MS(2000) - K + 200000, M - SEC(1) + 200000, CW_TIME_INS },
		{ (int64_t)MS(2250) - K, M - SEC(1) + MS(250), CW_TIME_OOP }, /* 23:59:60.25 */
		{ (int64_t)MS(2999) - K, M - SEC(1) + MS(999), CW_TIME_OOP }, /* 23:59:60.999 */
		{ (int64_t)MS(3000) - K + 100, M + 100, CW_TIME_OOP },        /* 00:00:00, early */
		{ (int64_t)MS(3100) - K, M + MS(100), CW_TIME_WAIT },
		{ (int64_t)MS(4500) - K, M + MS(1500), CW_TIME_WAIT },
	};

	run_leap(CW_STA_INS, (M - SEC(2) + K), cases, sizeof(cases) / sizeof(cases[0]), 36, 37);
}

static void test_leap_second_insert_repeats_23_59_59_and_tai_steps_not(void **state)
{
	(void)state;
	leap_insert_at(MIDNIGHT_S);
	/* The same past 2038 (2^31 s) and 2106 (2^32 s): NTP's leap logic in 64 bits. */
	leap_insert_at(midnight_after((int64_t)1 << 31));
	leap_insert_at(midnight_after((int64_t)1 << 32));
}

static void test_leap_second_delete_skips_23_59_59(void **state)
{
	const int64_t M = MIDNIGHT_S * 1000000000LL, K = LEAP_SKEW_NS;
	/* Boot at 23:59:57.0005; 23:59:59 would begin at virtual 1.9995 s. */
	const struct leap_case cases[] = {
		{ (int64_t)MS(1500) - K, M - SEC(2) + MS(500), CW_TIME_DEL }, /* 23:59:58.5 */
		{ (int64_t)MS(1999) - K, M - SEC(2) + MS(999), CW_TIME_DEL }, /* 23:59:58.999 */
		{ (int64_t)MS(2000) - K + 100, M + 100, CW_TIME_DEL },        /* 00:00:00, early */
		{ (int64_t)MS(2100) - K, M + MS(100), CW_TIME_WAIT },
		{ (int64_t)MS(4000) - K, M + MS(2000), CW_TIME_WAIT },
	};

	(void)state;
	run_leap(CW_STA_DEL, (M - SEC(3) + K), cases, sizeof(cases) / sizeof(cases[0]), 37, 36);
}

/* ---------------------------------------------------------------------- */

struct cws_probe {
	struct cw_clock_was_set_notifier nb;
	unsigned calls;
	unsigned bases;
};

static void cws_fn(struct cw_clock_was_set_notifier *nb, unsigned bases)
{
	struct cws_probe *p = (struct cws_probe *)(void *)nb;

	p->calls++;
	p->bases |= bases;
}

static void test_settime_and_offset_step_move_realtime_and_notify(void **state)
{
	struct cws_probe probe = { .nb.fn = cws_fn };
	struct cw_timex tx = { .modes = CW_ADJ_SETOFFSET | CW_ADJ_NANO,
			       .time_sec = 1,
			       .time_frac = 500000000 };
	struct cwt t;
	int64_t m0, seq0;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "c", 64, 25000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cw_timekeeping_notifier_register(t.sys, &probe.nb);
	cw_sim_run_until(t.sim, MS(10) + 400);
	m0 = mono(&t);
	seq0 = (int64_t)cw_timekeeping_clock_was_set_seq(t.sys);
	assert_int_equal(cw_timekeeping_settime(t.sys, 1000 * 1000000000LL), 0);
	assert_int_equal(real(&t), 1000 * 1000000000LL);
	assert_int_equal(mono(&t), m0);
	assert_int_equal(probe.calls, 1);
	assert_int_equal(probe.bases, CW_CLOCK_SET_WALL);
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	assert_int_equal(real(&t), 1001500000000LL);
	assert_int_equal(mono(&t), m0);
	assert_int_equal(probe.calls, 2);
	assert_int_equal((int64_t)cw_timekeeping_clock_was_set_seq(t.sys), seq0 + 2);
	/* The coarse REALTIME moved with it. */
	assert_true(llabs(cwt_clock(&t, CW_CLOCK_REALTIME_COARSE) - real(&t)) <= (int64_t)MS(1));
	assert_int_equal(cw_timekeeping_notifier_unregister(t.sys, &probe.nb), 0);
	assert_int_equal(cw_timekeeping_notifier_unregister(t.sys, &probe.nb), CW_ENOENT);
	assert_int_equal(cw_timekeeping_settime(t.sys, 5), 0);
	assert_int_equal(probe.calls, 2);
	cwt_fini(&t);
}

static void test_suspend_resume_injects_sleep_into_boottime_and_realtime(void **state)
{
	struct cws_probe probe = { .nb.fn = cws_fn };
	struct cw_sim_counter *main_c;
	int64_t m0, b0, r0, frozen;
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	main_c = cwt_counter(&t, "main", 64, 100000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_counter(&t, "rtc", 32, 32768, 0, 100,
		    CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_SUSPEND_NONSTOP);
	cwt_boot(&t);
	cw_timekeeping_notifier_register(t.sys, &probe.nb);
	cw_sim_run_until(t.sim, SEC(1));
	m0 = mono(&t);
	b0 = cwt_clock(&t, CW_CLOCK_BOOTTIME);
	r0 = real(&t);
	assert_int_equal(cw_timekeeping_suspend(t.sys), 0);
	assert_int_equal(cw_timekeeping_suspend(t.sys), CW_EBUSY);
	cw_sim_counter_set_stopped(main_c, true);
	frozen = mono(&t);
	cw_sim_run_until(t.sim, SEC(6));
	assert_int_equal(mono(&t), frozen);
	cw_sim_counter_set_stopped(main_c, false);
	assert_int_equal(cw_timekeeping_resume(t.sys, 0), 0);
	assert_int_equal(cw_timekeeping_resume(t.sys, 0), CW_EPERM);
	/* MONOTONIC did not see the 5 s; BOOTTIME and REALTIME did (the
	 * 32768 Hz counter measures to 1/32768 s). */
	assert_true(llabs(mono(&t) - m0) < 1000);
	assert_true(llabs(cwt_clock(&t, CW_CLOCK_BOOTTIME) - b0 - (int64_t)SEC(5)) < 40000);
	assert_true(llabs(real(&t) - r0 - (int64_t)SEC(5)) < 40000);
	assert_true(llabs((int64_t)cw_timekeeping_suspended_total_ns(t.sys) - (int64_t)SEC(5)) <
		    40000);
	assert_int_equal(probe.bases, CW_CLOCK_SET_WALL | CW_CLOCK_SET_BOOT);
	/* Injection without a measurement (an RTC driver). */
	b0 = cwt_clock(&t, CW_CLOCK_BOOTTIME) - mono(&t);
	assert_int_equal(cw_timekeeping_inject_sleeptime(t.sys, SEC(3)), 0);
	assert_int_equal(cwt_clock(&t, CW_CLOCK_BOOTTIME) - mono(&t) - b0, SEC(3));
	cwt_fini(&t);
}

static void test_resume_without_nonstop_clocksource_uses_given_sleep(void **state)
{
	struct cwt t;
	int64_t off0;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "main", 64, 100000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cw_sim_run_until(t.sim, SEC(1));
	off0 = cwt_clock(&t, CW_CLOCK_BOOTTIME) - mono(&t);
	assert_int_equal(cw_timekeeping_suspend(t.sys), 0);
	cw_sim_run_until(t.sim, SEC(3));
	assert_int_equal(cw_timekeeping_resume(t.sys, SEC(7)), 0);
	assert_int_equal(cwt_clock(&t, CW_CLOCK_BOOTTIME) - mono(&t) - off0, SEC(7));
	/* main kept counting in the sim, but MONOTONIC skips the suspend. */
	assert_true(llabs(mono(&t) - (int64_t)SEC(1)) < 2000);
	cwt_fini(&t);
}

/* ---------------------------------------------------------------------- */

static void test_clocks_never_go_back_under_ntp_frequency_flapping(void **state)
{
	int64_t prev[CWT_NR_CLOCKS], cur[CWT_NR_CLOCKS];
	struct cwt t;
	uint64_t now = 0;
	unsigned flips = 0;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "c", 64, 1000000007, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	cwt_read_all(&t, prev);
	for (int i = 0; i < 100000; i++) {
		now += 1 + cw_sim_random_below(t.sim, US(80));
		cw_sim_run_until(t.sim, now);
		if (cw_sim_random_below(t.sim, 64) == 0) {
			adjtimex_freq(t.sys, (flips++ & 1) ? 500LL << 16 : -(500LL << 16));
		}
		cwt_read_all(&t, cur);
		/* Coarse never runs ahead of its fine clock (same instant). */
		assert_true(cur[4] <= cur[1]); /* MONOTONIC_COARSE <= MONOTONIC */
		assert_true(cur[7] <= cur[2]); /* MONOTONIC_RAW_COARSE <= RAW */
		for (size_t k = 0; k < CWT_NR_CLOCKS; k++) {
			if (cur[k] < prev[k]) {
				fail_msg("%s went back by %lld ns at %llu",
					 cw_clock_name(cwt_clock_ids[k]),
					 (long long)(prev[k] - cur[k]), (unsigned long long)now);
			}
			prev[k] = cur[k];
		}
	}
	print_message("%u frequency flips over %.2f s of virtual time\n", flips, (double)now / 1e9);
	cwt_fini(&t);
}

/*
 * Offsets of any size: a PLL offset is clamped to 0.5 s, an adjtime slew
 * of INT64_MAX us saturates (it would take 584 000 years at 500 us/s);
 * nothing overflows and the clocks keep running forward.
 */
static void test_adjtimex_extreme_offsets_saturate(void **state)
{
	struct cw_timex pll = { .modes = CW_ADJ_STATUS, .status = CW_STA_PLL };
	struct cw_timex one = { .modes = CW_ADJ_OFFSET_SINGLESHOT, .offset = INT64_MAX };
	int64_t m0, r0;
	struct cwt t;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "c", 64, 25000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	assert_int_equal(cw_adjtimex(t.sys, &pll), CW_TIME_OK);
	pll.modes = CW_ADJ_OFFSET;
	pll.offset = INT64_MIN;
	assert_int_equal(cw_adjtimex(t.sys, &pll), CW_TIME_OK);
	/* Returned in us: the clamped 0.5 s. */
	assert_int_equal(pll.offset, -500000);
	assert_int_equal(cw_adjtimex(t.sys, &one), CW_TIME_OK);
	assert_int_equal(one.adjtime_remaining_us, INT64_MAX / 1000);
	m0 = mono(&t);
	r0 = raw(&t);
	cw_sim_run_for(t.sim, SEC(2));
	/* Slewed by both (+500 us/s and the PLL's share of -0.5 s), within 5 % of RAW, forward. */
	assert_true(mono(&t) > m0);
	print_message("2 s slewed: MONOTONIC - RAW = %lld ns\n",
		      (long long)((mono(&t) - m0) - (raw(&t) - r0)));
	assert_true(llabs((mono(&t) - m0) - (raw(&t) - r0)) < (int64_t)MS(100));
	one.offset = INT64_MIN;
	assert_int_equal(cw_adjtimex(t.sys, &one), CW_TIME_OK);
	one.modes = 0;
	assert_int_equal(cw_adjtimex(t.sys, &one), CW_TIME_OK);
	assert_int_equal(one.adjtime_remaining_us, INT64_MIN / 1000);
	cwt_fini(&t);
}

/* ---- REALTIME boundaries: 2038, 2106, KTIME_MAX ------------------------- */

#define Y2038_NS (((int64_t)1 << 31) * 1000000000LL)
#define Y2106_NS (((int64_t)1 << 32) * 1000000000LL)

/* Every clock id reads a value that never went back since *last (and is never negative). */
static void assert_clocks_sane(struct cwt *t, int64_t last[4])
{
	static const int ids[4] = { CW_CLOCK_REALTIME, CW_CLOCK_TAI, CW_CLOCK_REALTIME_COARSE,
				    CW_CLOCK_TAI_COARSE };

	for (unsigned i = 0; i < 4; i++) {
		int64_t v = cwt_clock(t, ids[i]);

		assert_true(v >= 0);
		assert_true(v >= last[i]);
		last[i] = v;
	}
}

/*
 * A system starting 5 ms before a REALTIME boundary crosses it with every
 * clock exact (REALTIME = MONOTONIC + the start value, TAI 37 s ahead),
 * NTP steering across it, and offset steps back and forth over it.
 */
static void boundary_case(int64_t boundary_ns)
{
	struct cw_system_config cfg = {
		.hz = 1000,
		.realtime_init_ns = boundary_ns - (int64_t)MS(5),
		.tai_offset_s = 37,
	};
	struct cw_timex tx = { .modes = CW_ADJ_SETOFFSET | CW_ADJ_NANO,
			       .time_sec = -1,
			       .time_frac = 990000000 };
	int64_t last[4] = { 0 };
	struct cwt t;

	cwt_init_cfg(&t, &cfg);
	cwt_counter(&t, "c", 64, 25000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	assert_true(real(&t) < boundary_ns);
	assert_int_equal(adjtimex_freq(t.sys, 100LL << 16), CW_TIME_OK);
	for (unsigned ms = 1; ms <= 20; ms++) {
		cw_sim_run_until(t.sim, MS(ms) + 300);
		assert_clocks_sane(&t, last);
		assert_int_equal(tai(&t) - real(&t), SEC(37));
	}
	assert_true(real(&t) > boundary_ns);
	/* 100 ppm for 20 ms: MONOTONIC (and REALTIME with it) 2 us ahead of RAW. */
	assert_true(llabs(real(&t) - (cfg.realtime_init_ns + raw(&t)) - 2000) <= 1000);
	/* Step back over the boundary (-10 ms) and forward again (+10 ms). */
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	assert_true(real(&t) < boundary_ns + (int64_t)MS(11));
	tx.time_sec = 0;
	tx.time_frac = 10000000;
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_OK);
	/* Back to exactly where it was before the steps (no time passed). */
	assert_true(real(&t) > boundary_ns);
	/* settime just before it, then cross by time passing. */
	assert_int_equal(cw_timekeeping_settime(t.sys, boundary_ns - 1000), 0);
	cw_sim_run_until(t.sim, MS(25));
	assert_true(real(&t) > boundary_ns);
	assert_true(real(&t) - boundary_ns < (int64_t)MS(6));
	print_message("crossed %lld s: REALTIME %lld ns, TAI %lld ns\n",
		      (long long)(boundary_ns / 1000000000LL), (long long)real(&t),
		      (long long)tai(&t));
	cwt_fini(&t);
}

static void test_realtime_crosses_2038_and_2106_with_ntp_and_steps(void **state)
{
	(void)state;
	boundary_case(Y2038_NS);
	boundary_case(Y2106_NS);
}

/*
 * REALTIME started 5 ms before KTIME_MAX: it, TAI (37 s beyond) and the
 * coarse clocks saturate at KTIME_MAX and never wrap negative, also over a
 * leap second scheduled for a midnight past the end of time and a sleep
 * injected after suspend. Steps that would reach 2^63 ns or overflow the
 * offset are refused.
 */
static void test_realtime_saturates_at_ktime_max_and_refuses_overflowing_steps(void **state)
{
	struct cw_system_config cfg = {
		.hz = 1000,
		.realtime_init_ns = CW_KTIME_MAX - (int64_t)MS(5),
		.tai_offset_s = 37,
	};
	struct cw_timex ins = { .modes = CW_ADJ_STATUS, .status = CW_STA_INS };
	struct cw_timex step = { .modes = CW_ADJ_SETOFFSET | CW_ADJ_NANO, .time_sec = 1 };
	int64_t last[4] = { 0 };
	struct cwt t;

	(void)state;
	cwt_init_cfg(&t, &cfg);
	cwt_counter(&t, "c", 64, 25000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	assert_int_equal(tai(&t), CW_KTIME_MAX);
	assert_true(cw_adjtimex(t.sys, &ins) >= 0);
	for (unsigned ms = 1; ms <= 20; ms++) {
		cw_sim_run_until(t.sim, MS(ms) + 300);
		assert_clocks_sane(&t, last);
	}
	assert_int_equal(real(&t), CW_KTIME_MAX);
	assert_int_equal(tai(&t), CW_KTIME_MAX);
	assert_int_equal(cwt_clock(&t, CW_CLOCK_REALTIME_COARSE), CW_KTIME_MAX);
	assert_true(mono(&t) > 0 && mono(&t) < (int64_t)MS(21));
	/* Steps beyond the end: refused, nothing changed. */
	assert_int_equal(cw_adjtimex(t.sys, &step), CW_EINVAL);
	step.time_sec = INT64_MAX / 1000000000LL + 1;
	step.time_frac = 0;
	assert_int_equal(cw_adjtimex(t.sys, &step), CW_EINVAL);
	step.time_sec = INT64_MIN / 1000000000LL - 1;
	assert_int_equal(cw_adjtimex(t.sys, &step), CW_EINVAL);
	assert_int_equal(cw_timekeeping_settime_ts(t.sys, INT64_MAX / 1000000000LL, 999999999),
			 CW_EINVAL);
	assert_int_equal(cw_timekeeping_settime_ts(t.sys, INT64_MAX / 1000000000LL + 1, 0),
			 CW_EINVAL);
	assert_int_equal(cw_timekeeping_settime_ts(t.sys, -1, 0), CW_EINVAL);
	assert_int_equal(cw_timekeeping_settime_ts(t.sys, 0, 1000000000), CW_EINVAL);
	assert_int_equal(real(&t), CW_KTIME_MAX);
	/* A step back into range works, and time runs on from there. */
	step.time_sec = -10;
	assert_int_equal(cw_adjtimex(t.sys, &step), CW_TIME_INS);
	assert_true(real(&t) < CW_KTIME_MAX - (int64_t)SEC(9));
	/* The largest representable time is accepted; then sleep injection saturates. */
	assert_int_equal(cw_timekeeping_settime_ts(t.sys, INT64_MAX / 1000000000LL,
						   (long)(INT64_MAX % 1000000000LL)),
			 0);
	assert_int_equal(cw_timekeeping_inject_sleeptime(t.sys, SEC(100)), 0);
	cw_sim_run_until(t.sim, MS(40));
	assert_int_equal(real(&t), CW_KTIME_MAX);
	assert_int_equal(cwt_clock(&t, CW_CLOCK_BOOTTIME), mono(&t) + (int64_t)SEC(100));
	memset(last, 0, sizeof(last));
	assert_clocks_sane(&t, last);
	cwt_fini(&t);
}

static void test_max_deferment_is_current_max_idle(void **state)
{
	struct cw_clocksource_info info[4];
	struct cwt t;
	size_t n;

	(void)state;
	cwt_init(&t, 1000);
	cwt_counter(&t, "c", 32, 24000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_boot(&t);
	assert_int_equal(cw_clocksource_list(t.sys, info, 4, &n), 0);
	assert_string_equal(info[0].name, "c");
	assert_int_equal(cw_timekeeping_max_deferment(t.sys), info[0].max_idle_ns);
	cwt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_ids_start_from_config_and_read_consistently),
		cmocka_unit_test(test_monotonic_starts_at_config_value),
		cmocka_unit_test(test_jiffies_start_at_initial_jiffies_and_tick),
		cmocka_unit_test(test_long_idle_costs_logarithmic_steps),
		cmocka_unit_test(test_ntp_frequency_changes_mono_rate_against_raw_within_1ppb),
		cmocka_unit_test(test_ntp_frequency_is_clamped_to_500ppm),
		cmocka_unit_test(test_adjtime_singleshot_slews_at_500us_per_second),
		cmocka_unit_test(test_pll_offset_slews_exponentially),
		cmocka_unit_test(test_adjtimex_rejects_bad_requests),
		cmocka_unit_test(test_leap_second_insert_repeats_23_59_59_and_tai_steps_not),
		cmocka_unit_test(test_leap_second_delete_skips_23_59_59),
		cmocka_unit_test(test_settime_and_offset_step_move_realtime_and_notify),
		cmocka_unit_test(test_suspend_resume_injects_sleep_into_boottime_and_realtime),
		cmocka_unit_test(test_resume_without_nonstop_clocksource_uses_given_sleep),
		cmocka_unit_test(test_clocks_never_go_back_under_ntp_frequency_flapping),
		cmocka_unit_test(test_max_deferment_is_current_max_idle),
		cmocka_unit_test(test_adjtimex_extreme_offsets_saturate),
		cmocka_unit_test(test_realtime_crosses_2038_and_2106_with_ntp_and_steps),
		cmocka_unit_test(
			test_realtime_saturates_at_ktime_max_and_refuses_overflowing_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
