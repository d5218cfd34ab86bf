/* SPDX-License-Identifier: MIT */
/*
 * The proxy tick device on the posix port (issue 12): the oob stage is a
 * thread per CPU (SCHED_FIFO when the host permits), the CPU thread is the
 * in-band stage, and a function the CPU thread runs is a masked section.
 * A 1 kHz oob timer runs on its own thread while CPU 1's thread spins in
 * masked sections of 400 us, next to an in-band hrtimer; a second install
 * is busy; uninstall leaves the CPU ticking on its real device. Real time
 * on a loaded machine: bounds are loose and the measured numbers (runs,
 * runs inside masked sections, worst latencies) are printed.
 *
 * Whether a run falls inside a fixed 400 us section depends on the host's
 * scheduler and load (46 of 266 in one run, 0 of 249 in another). What
 * does not: a section that lasts until the oob timer has run inside it
 * (a marker the oob callback sets for the section in progress) ends, on
 * any host that schedules the oob thread within the time limit (2 s; a
 * runnable thread waits milliseconds even at load 12), while the in-band
 * hrtimer of the same CPU never runs inside one (the CPU thread is the
 * section). Five such sections; at least one must see an oob run, and
 * the waits are printed.
 */
#include <clockwork/clockwork.h>
#include <clockwork/port_posix.h>
#include <clockwork/proxy.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define MSEC 1000000LL

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0) {
	}
}

static struct cw_system *g_sys;
static atomic_bool g_masked;
static atomic_uint_fast64_t oob_runs, oob_runs_masked, oob_max_ns, hr_runs, hr_max_ns;
/* The waiting section in progress (0: none) and the last one the oob timer ran inside. */
static atomic_uint_fast64_t g_section, g_section_seen, hr_runs_in_section;

static void note_max(atomic_uint_fast64_t *max, uint64_t v)
{
	uint64_t cur = atomic_load(max);

	while (v > cur && !atomic_compare_exchange_weak(max, &cur, v)) {
	}
}

static void oob_fn(struct cw_oob_timer *t, cw_ktime_t now)
{
	uint64_t section = atomic_load(&g_section);

	atomic_fetch_add(&oob_runs, 1);
	if (atomic_load(&g_masked)) {
		atomic_fetch_add(&oob_runs_masked, 1);
	}
	if (section) {
		atomic_store(&g_section_seen, section);
	}
	note_max(&oob_max_ns, (uint64_t)(now - t->expires_ns));
}

static enum cw_hrtimer_restart hr_fn(struct cw_hrtimer *t)
{
	cw_ktime_t now = cw_ktime_get(g_sys);

	atomic_fetch_add(&hr_runs, 1);
	if (atomic_load(&g_section)) {
		atomic_fetch_add(&hr_runs_in_section, 1);
	}
	note_max(&hr_max_ns, (uint64_t)(now - cw_hrtimer_get_expires(t)));
	cw_hrtimer_forward(t, now, MSEC);
	return CW_HRTIMER_RESTART;
}

static struct cw_oob_timer g_oob;
static struct cw_hrtimer g_hr;

static void start_on_cpu1(void *arg)
{
	cw_ktime_t first = cw_ktime_get(g_sys) + 2 * MSEC;

	(void)arg;
	assert_int_equal(cw_oob_timer_start(g_sys, 1, &g_oob, first, MSEC), 0);
	cw_hrtimer_start(&g_hr, first + MSEC / 2,
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

static void cancel_on_cpu1(void *arg)
{
	(void)arg;
	cw_oob_timer_cancel(g_sys, 1, &g_oob);
}

/* A masked section: the CPU thread (the in-band stage) runs 400 us of code. */
static void masked_section(void *arg)
{
	struct timespec a, b;

	(void)arg;
	atomic_store(&g_masked, true);
	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec) < 400000);
	atomic_store(&g_masked, false);
}

static int64_t elapsed_ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

/* A waiting section: its id, and how long it waited (-1: the time limit passed first). */
struct wait_section {
	uint64_t id;
	int64_t waited_ns;
};

/* On the CPU thread: masked until the oob timer has run inside this section, at most 2 s. */
static void masked_until_oob(void *arg)
{
	struct wait_section *w = arg;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	atomic_store(&g_section, w->id);
	w->waited_ns = -1;
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (atomic_load(&g_section_seen) == w->id) {
			w->waited_ns = elapsed_ns(&a, &b);
			break;
		}
	} while (elapsed_ns(&a, &b) < 2000 * MSEC);
	atomic_store(&g_section, 0);
}

static void test_posix_oob_timer_runs_through_masked_sections(void **state)
{
	struct cw_system_config cfg = { .nr_cpus = 2, .hz = 250 };
	struct cw_posix_options opt = { .flags = CW_POSIX_NO_TSC };
	uint64_t mask = 0x2;
	uint64_t j0;

	(void)state;
	assert_int_equal(cw_posix_system_create(&cfg, &opt, &g_sys), 0);
	sleep_ms(100);
	assert_int_equal(cw_tick_install_proxy(g_sys, cw_tick_proxy_setup_oob_timers, NULL, &mask),
			 0);
	assert_non_null(cw_tick_proxy(g_sys, 1));
	assert_int_equal(cw_tick_install_proxy(g_sys, cw_tick_proxy_setup_oob_timers, NULL, &mask),
			 CW_EBUSY);
	g_oob.fn = oob_fn;
	assert_int_equal(
		cw_hrtimer_setup(g_sys, &g_hr, hr_fn, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD), 0);
	assert_int_equal(cw_cpu_call(g_sys, 1, start_on_cpu1, NULL), 0);
	/* 100 masked sections of 400 us, 2 ms apart: about 200 ms. */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(cw_cpu_call(g_sys, 1, masked_section, NULL), 0);
		sleep_ms(2);
	}
	/* Sections that wait for an oob run inside them (see the top of the file). */
	{
		unsigned seen = 0;

		for (unsigned i = 0; i < 5; i++) {
			struct wait_section w = { .id = i + 1 };

			assert_int_equal(cw_cpu_call(g_sys, 1, masked_until_oob, &w), 0);
			printf("posix proxy: masked section %u: oob timer ran inside it after %lld us\n",
			       i + 1, w.waited_ns < 0 ? -1LL : (long long)(w.waited_ns / 1000));
			seen += w.waited_ns >= 0;
			sleep_ms(3);
		}
		assert_true(seen >= 1);
		/* The in-band hrtimer of the same CPU never runs inside a masked section. */
		assert_int_equal(atomic_load(&hr_runs_in_section), 0);
	}
	assert_int_equal(cw_cpu_call(g_sys, 1, cancel_on_cpu1, NULL), 0);
	cw_hrtimer_cancel(&g_hr);
	printf("posix proxy: oob timer %llu runs (%llu inside masked sections), max %llu ns; "
	       "in-band hrtimer %llu runs, max %llu ns\n",
	       (unsigned long long)atomic_load(&oob_runs),
	       (unsigned long long)atomic_load(&oob_runs_masked),
	       (unsigned long long)atomic_load(&oob_max_ns),
	       (unsigned long long)atomic_load(&hr_runs),
	       (unsigned long long)atomic_load(&hr_max_ns));
	/*
	 * Both kept running. How many oob runs fell inside masked sections
	 * (the oob thread preempting or running beside the busy CPU thread)
	 * depends on the host's scheduler and load, SCHED_FIFO or not: it is
	 * printed, not asserted (46 of 266 and 0 of 249 in two runs here
	 * at load 12, without SCHED_FIFO).
	 */
	assert_true(atomic_load(&oob_runs) >= 50);
	assert_true(atomic_load(&hr_runs) >= 50);
	assert_int_equal(cw_tick_uninstall_proxy(g_sys, &mask), 0);
	assert_null(cw_tick_proxy(g_sys, 1));
	/* The CPU ticks on its real device again. */
	j0 = cw_jiffies_get(g_sys);
	sleep_ms(100);
	assert_true(cw_jiffies_get(g_sys) > j0);
	cw_system_destroy(g_sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posix_oob_timer_runs_through_masked_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
