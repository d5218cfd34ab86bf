/* SPDX-License-Identifier: MIT */
/*
 * Start states placed next to a boundary, crossed in milliseconds of
 * virtual time: for every counter width the sim models (16, 24, 32, 56 and
 * 64 bits) a counter started just before its wrap keeps every clock
 * continuous and monotonic across the wrap (it wraps exactly when the model
 * says, and MONOTONIC stays within a few ns of virtual time); jiffies placed
 * just below the 32-bit wrap cross it; REALTIME placed just before 2038
 * (2^31 s) and 2106 (2^32 s) crosses them; the caller's configuration wins
 * over the machine file's [system] section; cwsim's --realtime and
 * --initial-jiffies place the same states and its report measures against
 * them.
 */
#include "cwsim.h"

#include <clockwork/clockwork.h>
#include <clockwork/sim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cwsim_test.h"

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull

/** Where the wrap is placed: this long after boot. */
#define WRAP_AFTER_NS (5 * NS_PER_MS)
/** How long each run lasts: the wrap, then 15 ms more. */
#define RUN_NS        (20 * NS_PER_MS)
/** Step between clock reads: 37 us, prime to the 1 ms tick so reads land anywhere in it. */
#define STEP_NS       (37 * NS_PER_US)

static const int watched[] = {
	CW_CLOCK_REALTIME, CW_CLOCK_MONOTONIC, CW_CLOCK_MONOTONIC_RAW,
	CW_CLOCK_BOOTTIME, CW_CLOCK_TAI,       CW_CLOCK_MONOTONIC_COARSE,
};
#define NR_WATCHED (sizeof(watched) / sizeof(watched[0]))

/** A machine built from text on a fresh engine. */
struct fixture {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
};

static void build(struct fixture *f, const char *text, const struct cw_system_config *cfg)
{
	struct cw_sim_machine_desc *d = NULL;
	char err[CW_SIM_ERR_MAX];

	if (cw_sim_machine_desc_parse_mem(text, strlen(text), "start.ini", &d, err, sizeof(err))) {
		fail_msg("machine does not parse: %s\n%s", err, text);
	}
	assert_int_equal(cw_sim_create(1, &f->sim), 0);
	assert_int_equal(cw_sim_machine_create(f->sim, d, cfg, NULL, NULL, &f->m), 0);
	cw_sim_machine_desc_free(d);
	f->sys = cw_sim_machine_system(f->m);
	assert_int_equal(cw_sim_machine_boot(f->m), 0);
}

static void teardown(struct fixture *f)
{
	cw_sim_machine_destroy(f->m);
	cw_sim_destroy(f->sim);
}

static int64_t clock_ns(struct fixture *f, int id)
{
	cw_ktime_t v = 0;

	assert_int_equal(cw_clock_get_ns(f->sys, id, &v), 0);
	return v;
}

/** One width: frequency, drift, and the error bound it allows. */
struct width_case {
	unsigned width;
	const char *freq;
	const char *drift;
	uint64_t freq_hz;
	int64_t drift_ppb;
};

/*
 * The frequencies keep each wrap period above two ticks (the timekeeper
 * must read the counter within half a wrap): 16 bits at 1 MHz wrap every
 * 65.5 ms, 24 bits at 100 MHz every 168 ms; the wider ones run at 1 GHz.
 * Two of them drift, so the start value must account for the drift.
 */
static const struct width_case width_cases[] = {
	{ 16, "1MHz", "0ppm", 1000000, 0 },    { 24, "100MHz", "+50ppm", 100000000, 50000 },
	{ 32, "1GHz", "0ppm", 1000000000, 0 }, { 56, "1GHz", "-20ppm", 1000000000, -20000 },
	{ 64, "1GHz", "0ppm", 1000000000, 0 },
};

/* Read every watched clock; none may be below its previous value. */
static void check_step(struct fixture *f, int64_t prev[NR_WATCHED], unsigned width)
{
	for (size_t i = 0; i < NR_WATCHED; i++) {
		int64_t v = clock_ns(f, watched[i]);

		if (v < prev[i]) {
			fail_msg("%u-bit counter: clock %s stepped back at %llu ns: %lld -> %lld",
				 width, cw_clock_name(watched[i]),
				 (unsigned long long)cw_sim_now_ns(f->sim), (long long)prev[i],
				 (long long)v);
		}
		prev[i] = v;
	}
}

/*
 * MONOTONIC follows the counter: virtual time scaled by its drift, within
 * one cycle plus the timekeeper's rounding (a few ns).
 */
static void check_accuracy(struct fixture *f, const struct width_case *wc)
{
	uint64_t now = cw_sim_now_ns(f->sim);
	int64_t expect = (int64_t)now + (int64_t)((__int128)now * wc->drift_ppb / 1000000000);
	int64_t mono = clock_ns(f, CW_CLOCK_MONOTONIC);
	int64_t bound = (int64_t)(NS_PER_S / wc->freq_hz) + 10;

	if (mono - expect > bound || expect - mono > bound) {
		fail_msg("%u-bit counter at %llu ns: MONOTONIC %lld, expected %lld +- %lld",
			 wc->width, (unsigned long long)now, (long long)mono, (long long)expect,
			 (long long)bound);
	}
}

static void run_width_case(const struct width_case *wc)
{
	struct cw_system_config cfg = { .hz = 1000, .realtime_init_ns = 1000 * NS_PER_S };
	int64_t prev[NR_WATCHED];
	struct cw_sim_counter *c;
	char current[32] = "";
	struct fixture f = { 0 };
	uint64_t mask = wc->width == 64 ? UINT64_MAX : (UINT64_C(1) << wc->width) - 1;
	char text[512];

	snprintf(text, sizeof(text),
		 "[machine]\nname = wrap%u\ncpus = 1\n"
		 "[counter c%u]\nwidth = %u\nfreq = %s\ndrift = %s\nrating = 400\n"
		 "flags = continuous\nwraps_after = 5ms\n",
		 wc->width, wc->width, wc->width, wc->freq, wc->drift);
	build(&f, text, &cfg);
	c = cw_sim_machine_counter_at(f.m, 0);
	assert_int_equal(cw_clocksource_current(f.sys, current, sizeof(current)), 0);
	snprintf(text, sizeof(text), "c%u", wc->width);
	assert_string_equal(current, text);
	for (size_t i = 0; i < NR_WATCHED; i++) {
		prev[i] = clock_ns(&f, watched[i]);
	}
	/* Up to just before the wrap: no wrap yet, the value just below the mask. */
	while (cw_sim_now_ns(f.sim) + STEP_NS < WRAP_AFTER_NS) {
		cw_sim_run_for(f.sim, STEP_NS);
		check_step(&f, prev, wc->width);
		check_accuracy(&f, wc);
	}
	cw_sim_run_until(f.sim, WRAP_AFTER_NS - 1);
	assert_int_equal(cw_sim_counter_wraps(c), 0);
	assert_true(cw_sim_counter_value(c) > mask - (wc->freq_hz / 1000000 + 1));
	check_step(&f, prev, wc->width);
	/* 5 ms is a whole number of cycles at every rate here: the wrap is exact. */
	cw_sim_run_until(f.sim, WRAP_AFTER_NS);
	assert_int_equal(cw_sim_counter_wraps(c), 1);
	assert_int_equal(cw_sim_counter_value(c), 0);
	check_step(&f, prev, wc->width);
	check_accuracy(&f, wc);
	while (cw_sim_now_ns(f.sim) < RUN_NS) {
		cw_sim_run_for(f.sim, STEP_NS);
		check_step(&f, prev, wc->width);
		check_accuracy(&f, wc);
	}
	assert_int_equal(cw_sim_counter_wraps(c), 1);
	/* The clocks kept counting across the wrap: 20 ms, give or take the drift (1 us). */
	assert_in_range(clock_ns(&f, CW_CLOCK_BOOTTIME), cw_sim_now_ns(f.sim) - 2 * NS_PER_US,
			cw_sim_now_ns(f.sim) + 2 * NS_PER_US);
	printf("# %u-bit counter at %s %s: wrapped at 5 ms, MONOTONIC %lld ns at %llu ns\n",
	       wc->width, wc->freq, wc->drift, (long long)clock_ns(&f, CW_CLOCK_MONOTONIC),
	       (unsigned long long)cw_sim_now_ns(f.sim));
	teardown(&f);
}

static void test_counter_wrap_keeps_clocks_continuous_for_every_width(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(width_cases) / sizeof(width_cases[0]); i++) {
		run_width_case(&width_cases[i]);
	}
}

/* A counter machine with a [system] section, HZ=1000. */
#define SYSTEM_MACHINE(system)                                                                     \
	"[machine]\nname = sys\ncpus = 1\n[system]\n" system "[counter c]\nwidth = 64\n"           \
	"freq = 1GHz\nrating = 400\nflags = continuous\n"

static void test_initial_jiffies_cross_the_32_bit_wrap(void **state)
{
	struct cw_system_config cfg = { 0 };
	uint64_t last;
	struct fixture f = { 0 };

	(void)state;
	build(&f, SYSTEM_MACHINE("hz = 1000\ninitial_jiffies = 0xfffffffd\n"), &cfg);
	assert_int_equal(cw_system_hz(f.sys), 1000);
	last = cw_jiffies_get(f.sys);
	assert_int_equal(last, 0xfffffffdu);
	for (unsigned ms = 1; ms <= 6; ms++) {
		uint64_t j;

		cw_sim_run_until(f.sim, ms * NS_PER_MS + 1);
		j = cw_jiffies_get(f.sys);
		assert_true(j > last);
		last = j;
	}
	/* Six ticks: past 2^32 in 64 bits, the low 32 bits wrapped to 3. */
	assert_int_equal(last, 0x100000003u);
	assert_int_equal((uint32_t)last, 3);
	teardown(&f);
}

/* REALTIME placed @before_ns before @boundary_s crosses it continuously. */
static void cross_realtime(const char *when, int64_t boundary_s, int64_t before_ns)
{
	struct cw_system_config cfg = { 0 };
	int64_t boundary = boundary_s * (int64_t)NS_PER_S, prev;
	struct fixture f = { 0 };
	char text[256];

	snprintf(text, sizeof(text), SYSTEM_MACHINE("realtime = %s\n"), when);
	build(&f, text, &cfg);
	prev = clock_ns(&f, CW_CLOCK_REALTIME);
	assert_int_equal(prev, boundary - before_ns);
	while (cw_sim_now_ns(f.sim) < (uint64_t)(2 * before_ns)) {
		int64_t v;

		cw_sim_run_for(f.sim, STEP_NS);
		v = clock_ns(&f, CW_CLOCK_REALTIME);
		assert_true(v >= prev);
		assert_in_range(v - (boundary - before_ns), cw_sim_now_ns(f.sim) - 2,
				cw_sim_now_ns(f.sim) + 2);
		prev = v;
	}
	assert_true(prev > boundary);
	teardown(&f);
}

static void test_realtime_crosses_2038_and_2106(void **state)
{
	(void)state;
	/* 2^31 s = 2038-01-19T03:14:08Z; 2^32 s = 2106-02-07T06:28:16Z. */
	cross_realtime("2038-01-19T03:14:07.997Z", INT64_C(1) << 31, 3 * (int64_t)NS_PER_MS);
	cross_realtime("2106-02-07T06:28:15.996Z", INT64_C(1) << 32, 4 * (int64_t)NS_PER_MS);
	cross_realtime("4294967295.999s", INT64_C(1) << 32, 1 * (int64_t)NS_PER_MS);
}

/* cw_system_config's non-zero fields win over [system]; zero ones take it. */
static void test_caller_config_wins_over_system_section(void **state)
{
	struct cw_system_config cfg = { .hz = 250,
					.initial_jiffies = 42,
					.realtime_init_ns = 7 * (int64_t)NS_PER_S };
	struct fixture f = { 0 };
	const char *text = SYSTEM_MACHINE("hz = 100\ninitial_jiffies = 0xffffff00\n"
					  "realtime = 2038-01-19T03:14:08Z\n");

	(void)state;
	build(&f, text, &cfg);
	assert_int_equal(cw_system_hz(f.sys), 250);
	assert_int_equal(cw_jiffies_get(f.sys), 42);
	assert_int_equal(clock_ns(&f, CW_CLOCK_REALTIME), 7 * (int64_t)NS_PER_S);
	teardown(&f);
	memset(&cfg, 0, sizeof(cfg));
	build(&f, text, &cfg);
	assert_int_equal(cw_system_hz(f.sys), 100);
	assert_int_equal(cw_jiffies_get(f.sys), 0xffffff00u);
	assert_int_equal(clock_ns(&f, CW_CLOCK_REALTIME), (INT64_C(1) << 31) * (int64_t)NS_PER_S);
	teardown(&f);
}

/* ---------------------------------------------------------------------- */
/* cwsim */

static struct cwsim_run cwsim(char **args)
{
	return cwsim_run_argv(args);
}

static void test_cwsim_places_realtime_and_jiffies(void **state)
{
	char *args[] = { "--realtime",
			 "2038-01-19T03:14:07Z",
			 "--initial-jiffies",
			 "0xfffffc18",
			 "--duration",
			 "2s",
			 "--nohz",
			 "off",
			 NULL };
	unsigned long long jiffies = 0, expected = 0;
	const char *line;
	char truth[64];
	long long err_ns;
	struct cwsim_run r;

	(void)state;
	r = cwsim(args);
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	assert_non_null(strstr(r.out, "sim: start: HZ=1000, jiffies 0xfffffc18, REALTIME "
				      "2038-01-19T03:14:07Z (2147483647000000000 ns)"));
	/* The report measures REALTIME against the placed start: 2^31 s + 1 s. */
	cwsim_table_row(&r, "REALTIME", truth, &err_ns);
	assert_string_equal(truth, "2147483649.000000000");
	assert_in_range(err_ns + 10000000, 0, 20000000);
	/*
	 * jiffies crossed the 32-bit wrap (1000 ticks after 0xfffffc18) and kept
	 * counting: 2000 in 2 s, less the last tick if it is still in flight.
	 */
	line = strstr(r.out, "\njiffies: ");
	assert_non_null(line);
	assert_int_equal(sscanf(line, "\njiffies: %llu expected: %llu", &jiffies, &expected), 2);
	assert_int_equal(expected, 2000);
	assert_in_range(jiffies, 1999, 2000);
	cwsim_run_free(&r);
}

/* --realtime wins over the machine's [system] realtime, even at the epoch itself. */
static void test_cwsim_realtime_option_wins_over_the_machine(void **state)
{
	char path[256];
	char *args[] = {
		"--machine", path, "--realtime", "0s", "--duration", "1s", "--quiet", NULL
	};
	char truth[64];
	long long err_ns;
	struct cwsim_run r;

	(void)state;
	cwsim_temp_file(path, sizeof(path), SYSTEM_MACHINE("realtime = 2106-02-07T06:28:16Z\n"));
	r = cwsim(args);
	unlink(path);
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	cwsim_table_row(&r, "REALTIME", truth, &err_ns);
	assert_string_equal(truth, "1.000000000");
	assert_in_range(err_ns + 1000, 0, 2000);
	cwsim_run_free(&r);
}

/*
 * REALTIME placed 20 s below KTIME_MAX: the true TAI (37 s above REALTIME)
 * lies beyond int64, and the report computes it in 128 bits (it overflowed
 * into a negative truth before). The core saturates REALTIME and TAI at
 * KTIME_MAX, so the report shows TAI's shortfall honestly.
 */
static void test_cwsim_report_truth_near_ktime_max(void **state)
{
	char *args[] = { "--realtime", "9223372016.854775807s", "--duration", "100ms", "--quiet",
			 NULL };
	char truth[64];
	long long err_ns;
	struct cwsim_run r;

	(void)state;
	r = cwsim(args);
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	cwsim_table_row(&r, "REALTIME", truth, &err_ns);
	assert_string_equal(truth, "9223372016.954775807");
	assert_in_range(err_ns + 1000, 0, 2000);
	/* KTIME_MAX - 20 s + 100 ms + 37 s; TAI itself stops at KTIME_MAX. */
	cwsim_table_row(&r, "TAI", truth, &err_ns);
	assert_string_equal(truth, "9223372053.954775807");
	assert_non_null(strstr(r.out, "\nTAI                      9223372036.854775807 "));
	assert_int_equal(err_ns, -17100000000LL);
	cwsim_run_free(&r);
}

static void test_cwsim_start_state_options_reject_bad_values(void **state)
{
	char *bad_rt[] = { "--realtime", "2262-04-12T00:00:00Z", NULL };
	char *bad_j[] = { "--initial-jiffies", "0", NULL };
	struct cwsim_run r;

	(void)state;
	r = cwsim(bad_rt);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	assert_non_null(strstr(r.err, "cwsim: --realtime: expected a UTC time such as "
				      "2038-01-19T03:14:07Z or 2147483647s, at most KTIME_MAX "
				      "(got '2262-04-12T00:00:00Z')"));
	cwsim_run_free(&r);
	r = cwsim(bad_j);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	assert_non_null(strstr(r.err, "cwsim: --initial-jiffies: expected a number above 0 "
				      "(got '0')"));
	cwsim_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_wrap_keeps_clocks_continuous_for_every_width),
		cmocka_unit_test(test_initial_jiffies_cross_the_32_bit_wrap),
		cmocka_unit_test(test_realtime_crosses_2038_and_2106),
		cmocka_unit_test(test_caller_config_wins_over_system_section),
		cmocka_unit_test(test_cwsim_places_realtime_and_jiffies),
		cmocka_unit_test(test_cwsim_realtime_option_wins_over_the_machine),
		cmocka_unit_test(test_cwsim_report_truth_near_ktime_max),
		cmocka_unit_test(test_cwsim_start_state_options_reject_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
