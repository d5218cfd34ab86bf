// SPDX-License-Identifier: MIT
/*
 * The invariant checker (clockwork/check.h): it is on for sim machines and
 * off elsewhere; a good run of timers and clock reads passes it; each kind
 * of violation is caught when planted, both through the core (a fault the
 * checker injects: an hrtimer made to fire early, clock event interrupts
 * dropped, a MONOTONIC read made to step back) and at the oracle's own
 * inputs (a wheel expiry before its time, a second expiry, an expiry after
 * a cancel); explicit REALTIME steps are not violations; the report names
 * the timer, the times and the seed.
 */
#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/sim.h>

#include "core/check-internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MS 1000000ll

/* Two CPUs, a 64-bit counter, a per-CPU oneshot timer: high resolution. */
static const char machine[] = "[machine]\n"
			      "name = checkbox\n"
			      "cpus = 2\n"
			      "[counter cnt]\n"
			      "width = 64\n"
			      "freq = 100MHz\n"
			      "rating = 300\n"
			      "flags = continuous\n"
			      "[arch_timer local]\n"
			      "freq = 50MHz\n"
			      "irq = 29\n"
			      "[irq]\n"
			      "latency = 1us\n"
			      "ipi_latency = 1us\n";

struct fx {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
};

static void up(struct fx *f, uint64_t seed, int check_mode)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_system_config cfg;
	char err[CW_SIM_ERR_MAX];

	memset(&cfg, 0, sizeof(cfg));
	cfg.check = check_mode;
	cfg.realtime_init_ns = 1767225600ll * 1000 * MS;
	if (cw_sim_machine_desc_parse_mem(machine, strlen(machine), "check.ini", &d, err,
					  sizeof(err))) {
		fail_msg("machine: %s", err);
	}
	assert_int_equal(cw_sim_create(seed, &f->sim), 0);
	assert_int_equal(cw_sim_machine_create(f->sim, d, &cfg, NULL, NULL, &f->m), 0);
	cw_sim_machine_desc_free(d);
	f->sys = cw_sim_machine_system(f->m);
	assert_int_equal(cw_sim_machine_boot(f->m), 0);
	/* Let the tick devices switch to oneshot / high resolution. */
	cw_sim_run_for(f->sim, 20 * MS);
}

static void down(struct fx *f)
{
	cw_sim_machine_destroy(f->m);
	cw_sim_destroy(f->sim);
}

static unsigned hr_runs, wheel_runs;

static enum cw_hrtimer_restart hr_fn(struct cw_hrtimer *t)
{
	(void)t;
	hr_runs++;
	return CW_HRTIMER_NORESTART;
}

static void wheel_fn(struct cw_timer *t)
{
	(void)t;
	wheel_runs++;
}

static void test_on_for_machines_off_for_bare_systems(void **state)
{
	struct fx f;
	struct cw_sim *sim;
	struct cw_system *sys;
	struct cw_check_stats st;

	(void)state;
	up(&f, 1, CW_CHECK_DEFAULT);
	assert_true(cw_check_enabled(f.sys));
	down(&f);
	up(&f, 1, CW_CHECK_OFF);
	assert_false(cw_check_enabled(f.sys));
	assert_int_equal(cw_check_inject_fault(f.sys, CW_CHECK_FAULT_MONO_BACK), CW_EPERM);
	assert_int_equal(cw_check_get_stats(f.sys, &st), 0);
	assert_int_equal(st.clock_reads, 0);
	assert_int_equal(cw_check_verify(f.sys), 0);
	down(&f);
	/* A bare sim system (tests driving the core by hand): off unless asked. */
	assert_int_equal(cw_sim_create(1, &sim), 0);
	assert_int_equal(cw_sim_system_create(sim, NULL, false, &sys), 0);
	assert_false(cw_check_enabled(sys));
	cw_system_destroy(sys);
	cw_sim_destroy(sim);
}

static void test_good_run_passes_and_counts(void **state)
{
	struct fx f;
	struct cw_hrtimer hr[8];
	struct cw_timer wt[8];
	struct cw_check_stats st;
	char report[256];

	(void)state;
	memset(hr, 0, sizeof(hr));
	memset(wt, 0, sizeof(wt));
	up(&f, 7, CW_CHECK_ON);
	hr_runs = wheel_runs = 0;
	for (unsigned i = 0; i < 8; i++) {
		static const int ids[4] = { CW_CLOCK_MONOTONIC, CW_CLOCK_REALTIME,
					    CW_CLOCK_BOOTTIME, CW_CLOCK_TAI };

		cw_hrtimer_setup(f.sys, &hr[i], hr_fn, ids[i & 3],
				 (i & 4) ? CW_HRTIMER_MODE_SOFT : 0);
		cw_hrtimer_start_range_ns(&hr[i], (cw_ktime_t)(i + 1) * MS, i * 1000,
					  CW_HRTIMER_MODE_REL);
		cw_timer_setup(&wt[i], f.sys, wheel_fn, 0);
		cw_timer_mod(&wt[i], cw_jiffies_get(f.sys) + 1 + i * 30);
	}
	/* A cancel, a re-arm and an absolute time already past (fires at once). */
	assert_int_equal(cw_hrtimer_cancel(&hr[7]), 1);
	cw_hrtimer_start(&hr[6], 3 * MS, CW_HRTIMER_MODE_REL);
	cw_hrtimer_start(&hr[5], cw_ktime_get_boottime(f.sys) - MS, CW_HRTIMER_MODE_ABS);
	assert_int_equal(cw_timer_del(&wt[7]), 1);
	cw_sim_run_for(f.sim, 500 * MS);
	assert_int_equal(hr_runs, 7);
	assert_int_equal(wheel_runs, 7);
	assert_int_equal(cw_check_verify(f.sys), 0);
	assert_int_equal(cw_check_report(f.sys, report, sizeof(report)), 0);
	assert_string_equal(report, "");
	assert_int_equal(cw_check_get_stats(f.sys, &st), 0);
	print_message("good run: %llu hrtimer and %llu wheel expiries, %llu clock reads, %llu "
		      "interrupts, worst hrtimer lateness %llu ns, wheel %llu jiffies\n",
		      (unsigned long long)st.hrtimer_expiries,
		      (unsigned long long)st.wheel_expiries, (unsigned long long)st.clock_reads,
		      (unsigned long long)st.ce_irqs, (unsigned long long)st.hrtimer_max_late_ns,
		      (unsigned long long)st.wheel_max_late_jiffies);
	assert_true(st.hrtimer_expiries >= 7);
	assert_true(st.wheel_expiries >= 7);
	assert_true(st.hrtimer_cancels >= 1);
	assert_true(st.wheel_cancels >= 1);
	assert_true(st.clock_reads > 100);
	assert_true(st.ce_irqs > 0);
	down(&f);
}

static void test_realtime_steps_are_not_violations(void **state)
{
	struct fx f;
	cw_ktime_t before, after;
	struct cw_timex tx;

	(void)state;
	up(&f, 3, CW_CHECK_ON);
	before = cw_ktime_get_real(f.sys);
	assert_int_equal(cw_timekeeping_settime(f.sys, before - 10 * 1000 * MS), 0);
	after = cw_ktime_get_real(f.sys);
	assert_true(after < before);
	memset(&tx, 0, sizeof(tx));
	tx.modes = CW_ADJ_SETOFFSET | CW_ADJ_NANO;
	tx.time_sec = -5;
	assert_int_equal(cw_adjtimex(f.sys, &tx) >= 0, 1);
	assert_true(cw_ktime_get_clocktai(f.sys) < after);
	cw_sim_run_for(f.sim, 50 * MS);
	assert_int_equal(cw_check_verify(f.sys), 0);
	down(&f);
}

static void expect_violation(struct cw_system *sys, const char *what, uint64_t seed)
{
	char report[400], seed_text[40];

	assert_int_equal(cw_check_status(sys), CW_ERANGE);
	assert_true(cw_check_report(sys, report, sizeof(report)) >= 1);
	print_message("caught: %s\n", report);
	if (!strstr(report, what)) {
		fail_msg("expected \"%s\" in \"%s\"", what, report);
	}
	snprintf(seed_text, sizeof(seed_text), "(seed %llu)", (unsigned long long)seed);
	assert_non_null(strstr(report, seed_text));
	/* The first violation is also in the log. */
	assert_true(cw_log_contains(sys, what));
}

static void test_planted_early_hrtimer_is_caught(void **state)
{
	struct fx f;
	struct cw_hrtimer t;

	(void)state;
	memset(&t, 0, sizeof(t));
	up(&f, 11, CW_CHECK_ON);
	hr_runs = 0;
	cw_hrtimer_setup(f.sys, &t, hr_fn, CW_CLOCK_MONOTONIC, 0);
	assert_int_equal(cw_check_inject_fault(f.sys, CW_CHECK_FAULT_HRTIMER_EARLY), 0);
	cw_hrtimer_start(&t, 100 * MS, CW_HRTIMER_MODE_REL);
	cw_sim_run_for(f.sim, 200 * MS);
	assert_int_equal(hr_runs, 1);
	expect_violation(f.sys, "fired early", 11);
	down(&f);
}

static void test_dropped_interrupts_are_caught(void **state)
{
	struct fx f;
	struct cw_hrtimer t;

	(void)state;
	memset(&t, 0, sizeof(t));
	up(&f, 12, CW_CHECK_ON);
	hr_runs = 0;
	cw_hrtimer_setup(f.sys, &t, hr_fn, CW_CLOCK_MONOTONIC, 0);
	cw_hrtimer_start(&t, 5 * MS, CW_HRTIMER_MODE_REL);
	assert_int_equal(cw_check_inject_fault(f.sys, CW_CHECK_FAULT_DROP_IRQS), 0);
	cw_sim_run_for(f.sim, 50 * MS);
	assert_int_equal(hr_runs, 0);
	assert_int_equal(cw_check_verify(f.sys), CW_ERANGE);
	expect_violation(f.sys, "never fired", 12);
	cw_check_inject_fault(f.sys, CW_CHECK_FAULT_NONE);
	cw_hrtimer_cancel(&t);
	down(&f);
}

static void test_planted_monotonic_step_back_is_caught(void **state)
{
	struct fx f;

	(void)state;
	up(&f, 13, CW_CHECK_ON);
	(void)cw_ktime_get(f.sys);
	assert_int_equal(cw_check_inject_fault(f.sys, CW_CHECK_FAULT_MONO_BACK), 0);
	(void)cw_ktime_get(f.sys);
	expect_violation(f.sys, "MONOTONIC stepped back by", 13);
	down(&f);
}

/* The oracle's own inputs: expiries the core did not make, fed to the hooks. */
static void test_oracle_catches_early_double_and_cancelled_expiries(void **state)
{
	struct fx f;
	struct cw_timer wt;
	struct cw_hrtimer hr;
	uint64_t j;

	(void)state;
	memset(&hr, 0, sizeof(hr));
	up(&f, 14, CW_CHECK_ON);
	cw_timer_setup(&wt, f.sys, wheel_fn, 0);
	j = cw_jiffies_get(f.sys);
	cw_timer_mod(&wt, j + 100);
	cw__check_wheel_expire(&wt, j + 50);
	expect_violation(f.sys, "fired early at jiffies", 14);
	cw_timer_del(&wt);
	down(&f);

	up(&f, 15, CW_CHECK_ON);
	hr_runs = 0;
	cw_hrtimer_setup(f.sys, &hr, hr_fn, CW_CLOCK_MONOTONIC, 0);
	cw_hrtimer_start(&hr, MS, CW_HRTIMER_MODE_REL);
	cw_sim_run_for(f.sim, 5 * MS);
	assert_int_equal(hr_runs, 1);
	assert_int_equal(cw_check_status(f.sys), 0);
	/* A second expiry of a timer that already ran. */
	cw__check_hrtimer_expire(&hr, cw_ktime_get(f.sys), 0);
	expect_violation(f.sys, "fired while not armed", 15);
	down(&f);

	up(&f, 16, CW_CHECK_ON);
	cw_timer_setup(&wt, f.sys, wheel_fn, 0);
	cw_timer_mod(&wt, cw_jiffies_get(f.sys) + 10);
	assert_int_equal(cw_timer_del(&wt), 1);
	/* An expiry after the cancel. */
	cw__check_wheel_expire(&wt, cw_jiffies_get(f.sys) + 20);
	expect_violation(f.sys, "fired while not armed", 16);
	down(&f);

	up(&f, 17, CW_CHECK_ON);
	cw_timer_setup(&wt, f.sys, wheel_fn, 0);
	j = cw_jiffies_get(f.sys);
	cw_timer_mod(&wt, j + 10);
	/* Level 0: at most one jiffy (+1 +latency) late; 50 is far beyond. */
	cw__check_wheel_expire(&wt, j + 60);
	expect_violation(f.sys, "fired late at jiffies", 17);
	cw_timer_del(&wt);
	down(&f);
}

/*
 * A planted late hrtimer expiry is caught, with the bound documented in
 * docs/checker.md: armed 100 ms ahead on a high-resolution CPU, its bound is
 * a few us of resolution and latency plus the rate term, at most (100 ms +
 * the 20 ms since the device's earlier interrupts) / 1024 < 120 us; 1 ms late
 * is far beyond, 0 ns late is within.
 */
static void test_planted_late_hrtimer_is_caught(void **state)
{
	struct fx f;
	struct cw_hrtimer hr;
	int64_t due;

	(void)state;
	memset(&hr, 0, sizeof(hr));
	up(&f, 19, CW_CHECK_ON);
	cw_hrtimer_setup(f.sys, &hr, hr_fn, CW_CLOCK_MONOTONIC, 0);
	due = cw_ktime_get(f.sys) + 100 * MS;
	cw_hrtimer_start(&hr, due, CW_HRTIMER_MODE_ABS);
	cw__check_hrtimer_expire(&hr, due + MS, 0);
	expect_violation(f.sys, "fired late on CPU", 19);
	cw_hrtimer_cancel(&hr);
	down(&f);

	up(&f, 20, CW_CHECK_ON);
	cw_hrtimer_setup(f.sys, &hr, hr_fn, CW_CLOCK_MONOTONIC, 0);
	due = cw_ktime_get(f.sys) + 100 * MS;
	cw_hrtimer_start(&hr, due, CW_HRTIMER_MODE_ABS);
	cw__check_hrtimer_expire(&hr, due, 0);
	assert_int_equal(cw_check_status(f.sys), 0);
	down(&f);
}

static int64_t drift_fired_mono;

static enum cw_hrtimer_restart drift_fn(struct cw_hrtimer *t)
{
	drift_fired_mono = cw_ktime_get(t->sys);
	return CW_HRTIMER_NORESTART;
}

/*
 * A counter that starts to run 3 % fast (as default-soc's cycle counter
 * does before the watchdog catches it): the device counts true time, so
 * an event programmed D ahead lands 3 % of D late in MONOTONIC. That
 * is the clocksource's fault, not a late timer: the sim tells the checker
 * the counter's drift and the bound widens by it (the CPU's tick keeps its
 * device programmed about a tick ahead: 3 % of 1 ms, some 30 us, where
 * 2^-10 allowed 1 us). A timer 10 ms late is still one. Before the rate
 * was told, the first half was a violation.
 */
static void test_drifting_clocksource_widens_its_bounds(void **state)
{
	struct fx f;
	struct cw_hrtimer hr;
	int64_t due;

	(void)state;
	memset(&hr, 0, sizeof(hr));
	up(&f, 21, CW_CHECK_ON);
	cw_sim_counter_set_drift(cw_sim_machine_counter(f.m, "cnt"), 30000000);
	cw_hrtimer_setup(f.sys, &hr, drift_fn, CW_CLOCK_MONOTONIC, 0);
	due = cw_ktime_get(f.sys) + 100 * MS;
	drift_fired_mono = 0;
	cw_hrtimer_start(&hr, due, CW_HRTIMER_MODE_ABS);
	cw_sim_run_for(f.sim, 150 * MS);
	print_message("3 %% fast counter: a timer due 100 ms ahead ran %lld ns late in "
		      "MONOTONIC\n",
		      (long long)(drift_fired_mono - due));
	assert_true(drift_fired_mono - due > 20000);
	assert_int_equal(cw_check_verify(f.sys), 0);

	due = cw_ktime_get(f.sys) + 100 * MS;
	cw_hrtimer_start(&hr, due, CW_HRTIMER_MODE_ABS);
	cw__check_hrtimer_expire(&hr, due + 10 * MS, 0);
	expect_violation(f.sys, "fired late on CPU", 21);
	cw_hrtimer_cancel(&hr);
	assert_int_equal(cw_check_set_clocksource_rate_ppb(f.sys, NULL, 1), CW_EINVAL);
	down(&f);
}

/*
 * The drifting counter's allowance ends with its reign: after the system
 * switches to a good counter (and the checker has seen the switch), a
 * timer armed on the good one is held to the 2^-10 bound again, so 2 ms
 * late on a 100 ms timer is a violation (3 % would allow 3 ms).
 */
static void test_drift_allowance_ends_after_a_clocksource_switch(void **state)
{
	static const char two[] = "[machine]\n"
				  "name = checkbox2\n"
				  "cpus = 2\n"
				  "[counter cnt]\n"
				  "width = 64\n"
				  "freq = 100MHz\n"
				  "rating = 300\n"
				  "flags = continuous\n"
				  "[counter good]\n"
				  "width = 64\n"
				  "freq = 50MHz\n"
				  "rating = 200\n"
				  "flags = continuous\n"
				  "[arch_timer local]\n"
				  "freq = 50MHz\n"
				  "irq = 29\n"
				  "[irq]\n"
				  "latency = 1us\n"
				  "ipi_latency = 1us\n";
	struct cw_sim_machine_desc *d = NULL;
	struct cw_system_config cfg;
	char err[CW_SIM_ERR_MAX], cs[32];
	struct cw_hrtimer hr;
	struct fx f;
	int64_t due;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&hr, 0, sizeof(hr));
	cfg.check = CW_CHECK_ON;
	if (cw_sim_machine_desc_parse_mem(two, strlen(two), "check2.ini", &d, err, sizeof(err))) {
		fail_msg("machine: %s", err);
	}
	assert_int_equal(cw_sim_create(22, &f.sim), 0);
	assert_int_equal(cw_sim_machine_create(f.sim, d, &cfg, NULL, NULL, &f.m), 0);
	cw_sim_machine_desc_free(d);
	f.sys = cw_sim_machine_system(f.m);
	assert_int_equal(cw_sim_machine_boot(f.m), 0);
	cw_sim_run_for(f.sim, 20 * MS);
	cw_sim_counter_set_drift(cw_sim_machine_counter(f.m, "cnt"), 30000000);
	cw_sim_run_for(f.sim, 20 * MS);
	assert_int_equal(cw_clocksource_override(f.sys, "good"), 0);
	cw_sim_run_for(f.sim, 20 * MS);
	cw_clocksource_current(f.sys, cs, sizeof(cs));
	assert_string_equal(cs, "good");
	assert_int_equal(cw_check_verify(f.sys), 0);

	cw_hrtimer_setup(f.sys, &hr, hr_fn, CW_CLOCK_MONOTONIC, 0);
	due = cw_ktime_get(f.sys) + 100 * MS;
	cw_hrtimer_start(&hr, due, CW_HRTIMER_MODE_ABS);
	cw__check_hrtimer_expire(&hr, due + 2 * MS, 0);
	expect_violation(f.sys, "fired late on CPU", 22);
	cw_hrtimer_cancel(&hr);
	down(&f);
}

static void test_only_the_first_violation_is_kept(void **state)
{
	struct fx f;
	struct cw_timer wt;
	char report[400];
	uint64_t j;

	(void)state;
	up(&f, 18, CW_CHECK_ON);
	cw_timer_setup(&wt, f.sys, wheel_fn, 0);
	j = cw_jiffies_get(f.sys);
	cw_timer_mod(&wt, j + 100);
	cw__check_wheel_expire(&wt, j + 50);
	cw__check_wheel_expire(&wt, j + 51);
	assert_int_equal(cw_check_report(f.sys, report, sizeof(report)), 2);
	assert_non_null(strstr(report, "fired early"));
	down(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_for_machines_off_for_bare_systems),
		cmocka_unit_test(test_good_run_passes_and_counts),
		cmocka_unit_test(test_realtime_steps_are_not_violations),
		cmocka_unit_test(test_planted_early_hrtimer_is_caught),
		cmocka_unit_test(test_dropped_interrupts_are_caught),
		cmocka_unit_test(test_planted_monotonic_step_back_is_caught),
		cmocka_unit_test(test_oracle_catches_early_double_and_cancelled_expiries),
		cmocka_unit_test(test_planted_late_hrtimer_is_caught),
		cmocka_unit_test(test_only_the_first_violation_is_kept),
		cmocka_unit_test(test_drifting_clocksource_widens_its_bounds),
		cmocka_unit_test(test_drift_allowance_ends_after_a_clocksource_switch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
