/* SPDX-License-Identifier: MIT */
/*
 * Timers end to end on the posix port with NO_HZ idle on (the default):
 * an hrtimer and a wheel timer armed from the test's own thread (not a
 * clockwork CPU) wake a CPU whose tick is stopped and run their callbacks
 * on a CPU thread, on time. Real time: bounds tolerate a loaded two-core
 * machine, and the measured lateness is printed.
 */
#include <clockwork/clockwork.h>
#include <clockwork/port_posix.h>

#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#define MSEC 1000000ULL

struct fired {
	struct cw_hrtimer hr;
	struct cw_timer wheel;
	struct cw_system *sys;
	_Atomic int64_t at_ns;
	_Atomic int cpu;
};

static int64_t host_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0) {
	}
}

static enum cw_hrtimer_restart hr_fn(struct cw_hrtimer *t)
{
	struct fired *f = (struct fired *)((char *)t - offsetof(struct fired, hr));

	atomic_store(&f->cpu, cw_posix_this_cpu(f->sys));
	atomic_store(&f->at_ns, host_mono_ns());
	return CW_HRTIMER_NORESTART;
}

static void wheel_fn(struct cw_timer *t)
{
	struct fired *f = (struct fired *)((char *)t - offsetof(struct fired, wheel));

	atomic_store(&f->cpu, cw_posix_this_cpu(f->sys));
	atomic_store(&f->at_ns, host_mono_ns());
}

static struct cw_system *make_system(void)
{
	struct cw_system_config cfg = { .nr_cpus = 2, .hz = 250 };
	struct cw_posix_options opt = { .flags = CW_POSIX_NO_TSC };
	struct cw_system *sys = NULL;

	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	/* Let the CPUs switch to high resolution and go to sleep. */
	sleep_ms(100);
	return sys;
}

/* Wait up to @limit_ms for the callback; returns its lateness in ns (or -1). */
static int64_t wait_fired(struct fired *f, int64_t due_ns, unsigned limit_ms)
{
	for (unsigned i = 0; i < limit_ms && atomic_load(&f->at_ns) == 0; i++) {
		sleep_ms(1);
	}
	return atomic_load(&f->at_ns) ? atomic_load(&f->at_ns) - due_ns : -1;
}

static void test_posix_hrtimer_from_a_foreign_thread_wakes_a_sleeping_cpu(void **state)
{
	struct fired f = { 0 };
	struct cw_hrtimer_cpu_stats hs;
	int64_t due, late;

	(void)state;
	f.sys = make_system();
	assert_int_equal(cw_hrtimer_get_cpu_stats(f.sys, 0, &hs), 0);
	printf("# cpu0 high resolution: %s\n", hs.hres_active ? "yes" : "no");
	assert_true(hs.hres_active);
	assert_int_equal(
		cw_hrtimer_setup(f.sys, &f.hr, hr_fn, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD), 0);
	due = host_mono_ns() + 30 * (int64_t)MSEC;
	cw_hrtimer_start(&f.hr, 30 * (int64_t)MSEC, CW_HRTIMER_MODE_REL);
	late = wait_fired(&f, due, 2000);
	printf("# hrtimer 30 ms: ran on cpu %d, %.3f ms late\n", atomic_load(&f.cpu),
	       (double)late / 1e6);
	assert_true(late >= 0);
	assert_true(late < 20 * (int64_t)MSEC);
	assert_true(atomic_load(&f.cpu) >= 0);
	assert_int_equal(cw_hrtimer_cancel(&f.hr), 0);
	cw_posix_system_destroy(f.sys);
}

static void test_posix_wheel_timer_from_a_foreign_thread_fires_on_a_cpu_thread(void **state)
{
	struct fired f = { 0 };
	int64_t due, late;

	(void)state;
	f.sys = make_system();
	assert_int_equal(cw_timer_setup(&f.wheel, f.sys, wheel_fn, 0), 0);
	due = host_mono_ns() + 50 * (int64_t)MSEC;
	cw_timer_mod_ms(&f.wheel, 50);
	late = wait_fired(&f, due, 2000);
	printf("# wheel 50 ms at HZ=250: ran on cpu %d, %.3f ms late\n", atomic_load(&f.cpu),
	       (double)late / 1e6);
	/* Never early (beyond the jiffy the arming rounded from); at most a few ticks late. */
	assert_true(late >= -4 * (int64_t)MSEC);
	assert_true(late < 40 * (int64_t)MSEC);
	assert_true(atomic_load(&f.cpu) >= 0);
	cw_timer_del_sync(&f.wheel);
	cw_posix_system_destroy(f.sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posix_hrtimer_from_a_foreign_thread_wakes_a_sleeping_cpu),
		cmocka_unit_test(
			test_posix_wheel_timer_from_a_foreign_thread_fires_on_a_cpu_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
