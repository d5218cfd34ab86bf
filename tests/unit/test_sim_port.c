/* SPDX-License-Identifier: MIT */
/*
 * Tests of the sim port's glue and of machines built from descriptions:
 * the periodic do_timer event advances jiffies once per tick, log lines are
 * stamped with virtual time and reach the sink from the first line on, the
 * watchdog event hops from CPU to CPU, suspend stops the counters that stop
 * in suspend and resume injects the sleep, and a machine instance creates,
 * registers and schedules what its description says.
 */
#include <clockwork/clockwork.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/sim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define NS_PER_S  UINT64_C(1000000000)
#define NS_PER_MS UINT64_C(1000000)

/** Collects log lines delivered to a sink. */
struct sink {
	unsigned lines;
	char first[256];
	char last[256];
};

static void sink_fn(void *arg, int level, const char *line)
{
	struct sink *s = arg;

	(void)level;
	if (s->lines++ == 0) {
		snprintf(s->first, sizeof(s->first), "%s", line);
	}
	snprintf(s->last, sizeof(s->last), "%s", line);
}

static struct cw_sim_machine *build(struct cw_sim *sim, const char *text, struct sink *s)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_machine *m = NULL;
	struct cw_system_config cfg = { .hz = 1000, .realtime_init_ns = 1000 * (int64_t)NS_PER_S };
	char err[CW_SIM_ERR_MAX];

	if (cw_sim_machine_desc_parse_mem(text, strlen(text), "t.ini", &d, err, sizeof(err))) {
		fail_msg("%s", err);
	}
	assert_int_equal(cw_sim_machine_create(sim, d, &cfg, s ? sink_fn : NULL, s, &m), 0);
	cw_sim_machine_desc_free(d);
	return m;
}

static int64_t clock_ns(struct cw_system *sys, int id)
{
	cw_ktime_t v = 0;

	assert_int_equal(cw_clock_get_ns(sys, id, &v), 0);
	return v;
}

static const char two_counters[] =
	"[machine]\nname = t\ncpus = 4\n"
	"[counter good]\nwidth = 64\nfreq = 10MHz\nrating = 300\nflags = continuous\n"
	"[counter sleepy]\nwidth = 32\nfreq = 1MHz\nrating = 100\nflags = continuous\n"
	"stops_in_suspend = yes\n";

static void test_port_tick_advances_jiffies_once_per_tick(void **state)
{
	struct cw_sim *sim = NULL;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	uint64_t j0;

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	m = build(sim, two_counters, NULL);
	sys = cw_sim_machine_system(m);
	j0 = cw_jiffies_get(sys);
	assert_int_equal(cw_sim_machine_boot(m), 0);
	cw_sim_run_until(sim, NS_PER_S);
	assert_int_equal(cw_jiffies_get(sys) - j0, 1000);
	/* The coarse clock moved with the ticks; the last tick was at 1 s. */
	assert_int_equal(clock_ns(sys, CW_CLOCK_MONOTONIC_COARSE), (int64_t)NS_PER_S);
	assert_int_equal(clock_ns(sys, CW_CLOCK_MONOTONIC), (int64_t)NS_PER_S);
	cw_sim_machine_destroy(m);
	assert_int_equal(cw_sim_nr_queued(sim), 0);
	cw_sim_destroy(sim);
}

static void test_port_log_lines_are_stamped_with_virtual_time(void **state)
{
	struct cw_sim *sim = NULL;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	struct sink s = { 0 };
	char line[256];

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	m = build(sim, two_counters, &s);
	sys = cw_sim_machine_system(m);
	/* The sink saw the core's first line, written during creation. */
	assert_int_equal(cw_log_get(sys, 0, line, sizeof(line)), 0);
	assert_string_equal(s.first, line);
	assert_true(cw_log_contains(sys, "sim: machine 't': 4 CPUs, 1 NUMA node, 2 counters"));
	assert_int_equal(s.lines, cw_log_count(sys));
	cw_sim_machine_boot(m);
	/* The "sim-counter" driver registers the counters at init_time. */
	assert_true(
		cw_log_contains(sys, "init: time_init: sim-counter: probing \"sim,counter\" #0"));
	assert_true(cw_log_contains(sys, "clocksource: good: mask: 0xffffffffffffffff"));
	cw_sim_run_until(sim, 2500 * NS_PER_MS + 1234);
	cw_sim_system_log(sys, CW_LOG_INFO, "test: hello %d", 42);
	assert_string_equal(s.last, "[    2.500001] test: hello 42");
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
}

static void test_port_watchdog_hops_from_cpu_to_cpu(void **state)
{
	/*
	 * Drift starts at 1.2 s: the checks at 0.5 (CPU0) and 1.0 s (CPU1)
	 * pass, the third one, at 1.5 s on CPU2, catches it. The watchdog is a
	 * wheel timer queued on each CPU in turn, so every CPU needs a tick
	 * (per-CPU arch timers); it runs up to one bucket (8 jiffies) after
	 * its 0.5 s steps.
	 */
	static const char fixed[] =
		"[machine]\nname = t\ncpus = 4\n"
		"[counter ref]\nwidth = 64\nfreq = 10MHz\nrating = 200\nflags = continuous\n"
		"[counter bad]\nwidth = 64\nfreq = 1GHz\nrating = 300\n"
		"flags = continuous, must_verify\ndrift_at = 1.2s 10000ppm\n"
		"[arch_timer local]\nfreq = 10MHz\nirq = 29\n";
	struct cw_sim *sim = NULL;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	char cur[CW_CLOCKSOURCE_NAME_MAX];

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	m = build(sim, fixed, NULL);
	sys = cw_sim_machine_system(m);
	cw_sim_machine_boot(m);
	cw_clocksource_current(sys, cur, sizeof(cur));
	assert_string_equal(cur, "bad");
	cw_sim_run_until(sim, 1499 * NS_PER_MS);
	assert_false(cw_log_contains(sys, "Marking clocksource 'bad' as unstable"));
	cw_sim_run_until(sim, 1508 * NS_PER_MS);
	assert_true(cw_log_contains(sys, "timekeeping watchdog on CPU2: Marking clocksource 'bad' "
					 "as unstable"));
	cw_clocksource_current(sys, cur, sizeof(cur));
	assert_string_equal(cur, "ref");
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
}

/*
 * The watchdog is the core's timer and runs only while there is something
 * to verify (Linux's clocksource_start/stop_watchdog): once the only
 * MUST_VERIFY clocksource is marked unstable it stops, and registering
 * another one starts it again. A counters-only machine: the port's stand-in
 * tick expires the timer.
 */
static void test_port_watchdog_timer_stops_when_nothing_is_left_and_restarts(void **state)
{
	static const char fixed[] =
		"[machine]\nname = t\ncpus = 2\n"
		"[counter ref]\nwidth = 64\nfreq = 10MHz\nrating = 200\nflags = continuous\n"
		"[counter bad]\nwidth = 64\nfreq = 1GHz\nrating = 300\n"
		"flags = continuous, must_verify\ndrift = 10000ppm\n";
	struct cw_sim_counter_params late_params = {
		.name = "late",
		.width_bits = 64,
		.freq_hz = 1000000000ULL,
	};
	struct cw_sim_counter *late = NULL;
	struct cw_sim *sim = NULL;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	uint64_t runs;

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	m = build(sim, fixed, NULL);
	sys = cw_sim_machine_system(m);
	cw_sim_machine_boot(m);
	assert_int_equal(cw_clocksource_watchdog_runs(sys), 0);
	cw_sim_run_until(sim, 3 * NS_PER_S);
	assert_true(cw_log_contains(sys, "Marking clocksource 'bad' as unstable"));
	runs = cw_clocksource_watchdog_runs(sys);
	print_message("watchdog timer runs until bad was marked: %llu\n", (unsigned long long)runs);
	assert_true(runs >= 1 && runs <= 2);
	/* Nothing left to verify: no further runs. */
	cw_sim_run_until(sim, 8 * NS_PER_S);
	assert_int_equal(cw_clocksource_watchdog_runs(sys), runs);
	/* A new clocksource to verify starts the timer again, 0.5 s steps. */
	assert_int_equal(cw_sim_counter_create(sim, &late_params, &late), 0);
	assert_int_equal(
		cw_sim_counter_register(late, sys, 100,
					CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY),
		0);
	cw_sim_run_until(sim, 9100 * NS_PER_MS);
	print_message("after registering late: %llu runs\n",
		      (unsigned long long)cw_clocksource_watchdog_runs(sys));
	assert_true(cw_clocksource_watchdog_runs(sys) >= runs + 2);
	assert_true(cw_log_contains(sys, "clocksource: late: verified against ref"));
	cw_sim_machine_destroy(m);
	cw_sim_counter_destroy(late);
	cw_sim_destroy(sim);
}

static void test_port_suspend_stops_counters_and_resume_injects_sleep(void **state)
{
	struct cw_sim *sim = NULL;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	struct cw_sim_counter *sleepy, *good;
	uint64_t sleepy_at_suspend;

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	m = build(sim, two_counters, NULL);
	sys = cw_sim_machine_system(m);
	sleepy = cw_sim_machine_counter(m, "sleepy");
	good = cw_sim_machine_counter(m, "good");
	assert_non_null(sleepy);
	assert_non_null(good);
	assert_null(cw_sim_machine_counter(m, "none"));
	assert_int_equal(cw_sim_machine_nr_counters(m), 2);
	assert_ptr_equal(cw_sim_machine_counter_at(m, 1), sleepy);
	cw_sim_machine_boot(m);
	cw_sim_run_until(sim, NS_PER_S);
	assert_int_equal(cw_sim_system_suspend(sys), 0);
	assert_int_equal(cw_sim_system_suspend(sys), CW_EBUSY);
	assert_true(cw_sim_system_is_suspended(sys));
	sleepy_at_suspend = cw_sim_counter_value(sleepy);
	/* While suspended no tick runs and the sleepy counter holds. */
	assert_int_equal(cw_sim_nr_queued(sim), 0);
	cw_sim_run_until(sim, 6 * NS_PER_S);
	assert_int_equal(cw_sim_counter_value(sleepy), sleepy_at_suspend);
	assert_int_equal(cw_sim_counter_value(good), 60000000);
	assert_int_equal(cw_sim_system_suspended_ns(sys), 5 * NS_PER_S);
	assert_int_equal(cw_sim_system_resume(sys, 5 * NS_PER_S), 0);
	assert_int_equal(cw_sim_system_resume(sys, 0), CW_EPERM);
	assert_true(cw_sim_counter_is_counting(sleepy));
	cw_sim_run_until(sim, 7 * NS_PER_S);
	/* MONOTONIC excludes the 5 s asleep; BOOTTIME and REALTIME include it. */
	assert_int_equal(clock_ns(sys, CW_CLOCK_MONOTONIC), 2 * (int64_t)NS_PER_S);
	assert_int_equal(clock_ns(sys, CW_CLOCK_BOOTTIME), 7 * (int64_t)NS_PER_S);
	assert_int_equal(clock_ns(sys, CW_CLOCK_REALTIME), 1007 * (int64_t)NS_PER_S);
	assert_int_equal(cw_sim_counter_value(sleepy), 2000000);
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
}

static void test_port_nonstop_counter_measures_the_sleep(void **state)
{
	static const char text[] = "[machine]\nname = t\ncpus = 1\n"
				   "[counter nonstop]\nwidth = 64\nfreq = 24MHz\nrating = 300\n"
				   "flags = continuous, suspend_nonstop\n";
	struct cw_sim *sim = NULL;
	struct cw_sim_machine *m;
	struct cw_system *sys;

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	m = build(sim, text, NULL);
	sys = cw_sim_machine_system(m);
	cw_sim_machine_boot(m);
	cw_sim_run_until(sim, NS_PER_S);
	assert_int_equal(cw_sim_system_suspend(sys), 0);
	cw_sim_run_until(sim, 4 * NS_PER_S);
	/* The RTC says nothing (0): the nonstop counter measured 3 s. */
	assert_int_equal(cw_sim_system_resume(sys, 0), 0);
	cw_sim_run_until(sim, 5 * NS_PER_S);
	assert_int_equal(clock_ns(sys, CW_CLOCK_MONOTONIC), 2 * (int64_t)NS_PER_S);
	assert_int_equal(clock_ns(sys, CW_CLOCK_BOOTTIME), 5 * (int64_t)NS_PER_S);
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
}

static void test_port_machine_schedules_drift_changes(void **state)
{
	static const char text[] =
		"[machine]\nname = t\ncpus = 2\n"
		"[counter c]\nwidth = 64\nfreq = 1MHz\nrating = 300\nflags = continuous\n"
		"drift_at = 1s 1000ppm\ndrift_at = 2s 0ppm\n";
	struct cw_sim *sim = NULL;
	struct cw_sim_machine *m;
	struct cw_sim_counter *c;

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	m = build(sim, text, NULL);
	c = cw_sim_machine_counter(m, "c");
	assert_int_equal(cw_sim_nr_queued(sim), 2);
	cw_sim_run_until(sim, 3 * NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 1000000 + 1001000 + 1000000);
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
}

static void test_port_create_rejects_bad_config_and_cleans_up(void **state)
{
	struct cw_sim *sim = NULL;
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_machine *m = NULL;
	struct cw_system_config cfg = { .hz = 123 };
	const char *text = cw_sim_machine_default_text();
	struct cw_system *sys = NULL;

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	assert_int_equal(cw_sim_machine_desc_parse_mem(text, strlen(text), NULL, &d, NULL, 0), 0);
	assert_int_equal(cw_sim_machine_create(sim, d, &cfg, NULL, NULL, &m), CW_EINVAL);
	assert_int_equal(cw_sim_system_create(sim, &cfg, false, &sys), CW_EINVAL);
	assert_int_equal(cw_sim_nr_queued(sim), 0);
	cw_sim_machine_desc_free(d);
	cw_sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_tick_advances_jiffies_once_per_tick),
		cmocka_unit_test(test_port_log_lines_are_stamped_with_virtual_time),
		cmocka_unit_test(test_port_watchdog_hops_from_cpu_to_cpu),
		cmocka_unit_test(test_port_watchdog_timer_stops_when_nothing_is_left_and_restarts),
		cmocka_unit_test(test_port_suspend_stops_counters_and_resume_injects_sleep),
		cmocka_unit_test(test_port_nonstop_counter_measures_the_sleep),
		cmocka_unit_test(test_port_machine_schedules_drift_changes),
		cmocka_unit_test(test_port_create_rejects_bad_config_and_cleans_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
