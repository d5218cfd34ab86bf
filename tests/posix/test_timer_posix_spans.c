// SPDX-License-Identifier: MIT
/*
 * The timer wheel on the posix port with real CPU threads and the real
 * clock (label posix; make check also runs it under ThreadSanitizer):
 *
 * 1. Systems created with cfg.initial_jiffies 500 ticks before the 32-bit
 *    wrap and before the 64-bit wrap: wheel timers armed before the wrap
 *    (from a thread that is no CPU and on named CPUs) fire across it, each
 *    once, never before its expiry jiffy; a 3 s timeout armed before the
 *    wrap does not fire at once (the issue's "timeouts of about 290 s fire
 *    at once", which came from a 64-bit wrap 300 s after creation) and
 *    timers armed after the wrap keep firing (its "timers stop firing for
 *    good").
 * 2. CPU hotplug under load: three threads arm wheel timers of every kind
 *    on random CPUs while the main thread takes CPUs 1-3 down and up again;
 *    every arm fires exactly once, none early, none lost. At the end CPU3
 *    goes down for good with timers of every kind queued on it: they fire
 *    on the other CPUs (before the wheel's hotplug step they waited for
 *    the CPU to come back, forever here).
 *
 * Bounds are loose for a loaded two-core machine; every test prints what
 * it measured. Waits are bounded (and the program has an alarm).
 */
#include <clockwork/cpu.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/timer.h>

#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define CW_ARRAY_SIZE(a)                (sizeof(a) / sizeof((a)[0]))
#define TT_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define HZ      1000u
#define NR_CPUS 4u
#define MSEC    1000000ull

static uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) != 0) {
	}
}

/* @nohz_off: keep ticking in idle, so deferrable timers run on time. */
static struct cw_system *make_system(uint64_t initial_jiffies, bool nohz_off)
{
	struct cw_system_config cfg = {
		.nr_cpus = NR_CPUS,
		.hz = HZ,
		.nohz_off = nohz_off,
		.initial_jiffies = initial_jiffies,
	};
	struct cw_posix_options opt = { .flags = CW_POSIX_NO_TSC };
	struct cw_system *sys = NULL;

	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	assert_non_null(sys);
	return sys;
}

/* ---- 1. across the wraps ------------------------------------------------ */

struct wrap_timer {
	struct cw_timer timer;
	struct cw_system *sys;
	_Atomic uint64_t expires;
	_Atomic uint64_t fired_jiffies;
	_Atomic uint64_t fired_host_ns;
	atomic_uint fires;
};

static void wrap_fn(struct cw_timer *timer)
{
	struct wrap_timer *w = TT_CONTAINER(timer, struct wrap_timer, timer);

	atomic_store(&w->fired_jiffies, cw_jiffies_get(w->sys));
	atomic_store(&w->fired_host_ns, host_ns());
	atomic_fetch_add(&w->fires, 1);
}

static void wrap_arm(struct cw_system *sys, struct wrap_timer *w, unsigned flags, uint64_t delta,
		     int cpu)
{
	memset(w, 0, sizeof(*w));
	w->sys = sys;
	assert_int_equal(cw_timer_setup(&w->timer, sys, wrap_fn, flags), 0);
	atomic_store(&w->expires, cw_jiffies_get(sys) + delta);
	if (cpu < 0) {
		cw_timer_mod(&w->timer, atomic_load(&w->expires));
	} else {
		assert_int_equal(
			cw_timer_add_on(&w->timer, atomic_load(&w->expires), (unsigned)cpu), 0);
	}
}

/* Wait until @n timers fired or @limit_ms passed; returns how many fired. */
static unsigned wait_fired(struct wrap_timer *w, unsigned n, unsigned limit_ms)
{
	uint64_t end = host_ns() + (uint64_t)limit_ms * MSEC;
	unsigned done;

	do {
		done = 0;
		for (unsigned i = 0; i < n; i++) {
			done += atomic_load(&w[i].fires) != 0;
		}
		if (done == n) {
			break;
		}
		sleep_ms(2);
	} while (host_ns() < end);
	return done;
}

/* The system starts this many ticks (ms) before the wrap. */
#define LEAD 500u

/* Global and pinned timers (NO_HZ on: deferrable ones would wait for a wakeup). */
static void wrap_case(uint64_t boundary, const char *name)
{
	static const uint64_t deltas[] = { 5, 200, 480, 500, 520, 700, 1500 };
	static const unsigned kinds[] = { 0, CW_TIMER_PINNED };
	struct wrap_timer w[CW_ARRAY_SIZE(deltas) * 2], longt, after;
	const uint64_t initial = boundary - LEAD;
	struct cw_system *sys = make_system(initial, false);
	uint64_t j0 = cw_jiffies_get(sys), t0 = host_ns(), j_long;
	unsigned n = CW_ARRAY_SIZE(w);

	/* Creation to here took less than the LEAD ticks before the wrap. */
	printf("# %s: created at jiffy %#" PRIx64 ", %" PRIu64 " before the wrap\n", name, j0,
	       boundary - j0);
	assert_true(boundary - j0 <= LEAD && boundary - j0 > 0);
	for (size_t i = 0; i < CW_ARRAY_SIZE(deltas); i++) {
		wrap_arm(sys, &w[2 * i], kinds[i % 2], deltas[i], -1);
		wrap_arm(sys, &w[2 * i + 1], kinds[(i + 1) % 2], deltas[i], (int)(1 + i % 3));
	}
	/* Level 3 at HZ=1000 (512 ms granularity): 3 s from before the wrap. */
	wrap_arm(sys, &longt, 0, 3000, -1);
	j_long = atomic_load(&longt.expires);
	assert_int_equal(wait_fired(w, n, 5000), n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = atomic_load(&w[i].expires), f = atomic_load(&w[i].fired_jiffies);

		if (atomic_load(&w[i].fires) != 1 || !cw_time_after64(f, e)) {
			fail_msg("%s: timer %u for jiffy %#" PRIx64 " fired %u times at %#" PRIx64,
				 name, i, e, atomic_load(&w[i].fires), f);
		}
	}
	printf("# %s: %u timers across the wrap fired once each, after their expiry; jiffies "
	       "now %#" PRIx64 "\n",
	       name, n, cw_jiffies_get(sys));
	/* After the wrap: a new timer still fires. */
	wrap_arm(sys, &after, CW_TIMER_PINNED, 20, 2);
	assert_int_equal(wait_fired(&after, 1, 3000), 1);
	assert_true(
		cw_time_after64(atomic_load(&after.fired_jiffies), atomic_load(&after.expires)));
	/* The long timeout has not fired at once, and fires after its 3 s. */
	assert_int_equal(atomic_load(&longt.fires), 0);
	assert_int_equal(wait_fired(&longt, 1, 8000), 1);
	printf("# %s: 3 s timeout armed before the wrap fired after %.0f ms at jiffy +%" PRIu64
	       " past its expiry\n",
	       name, (double)(atomic_load(&longt.fired_host_ns) - t0) / 1e6,
	       atomic_load(&longt.fired_jiffies) - j_long);
	assert_true(cw_time_after64(atomic_load(&longt.fired_jiffies), j_long));
	/* Real time too (the jiffies follow the clock): at least 2.9 s. */
	assert_true(atomic_load(&longt.fired_host_ns) - t0 >= 2900 * MSEC);
	assert_int_equal(atomic_load(&longt.fires), 1);
	cw_posix_system_destroy(sys);
}

static void test_posix_wheel_timers_fire_across_the_32bit_wrap(void **state)
{
	(void)state;
	wrap_case(UINT64_C(1) << 32, "32-bit wrap");
}

static void test_posix_wheel_timers_fire_across_the_64bit_wrap(void **state)
{
	(void)state;
	wrap_case(0, "64-bit wrap");
}

/* ---- 2. hotplug while timers are armed concurrently --------------------- */

#define ARMERS           3u
#define TIMERS_PER_ARMER 24u

struct hp_timer {
	struct cw_timer timer;
	struct cw_system *sys;
	_Atomic uint64_t expires;
	atomic_uint arms;
	atomic_uint fires;
	atomic_uint early;
};

struct armer {
	pthread_t thread;
	struct cw_system *sys;
	struct hp_timer timers[TIMERS_PER_ARMER];
	uint64_t rng;
	atomic_bool stop;
	unsigned refused;
	unsigned arms;
};

static void hp_fn(struct cw_timer *timer)
{
	struct hp_timer *h = TT_CONTAINER(timer, struct hp_timer, timer);

	if (!cw_time_after64(cw_jiffies_get(h->sys), atomic_load(&h->expires))) {
		atomic_fetch_add(&h->early, 1);
	}
	/* Last: the armer re-arms once fires catches up with arms. */
	atomic_fetch_add(&h->fires, 1);
}

static uint64_t xrand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *armer_main(void *arg)
{
	static const unsigned kinds[] = { 0, CW_TIMER_PINNED, CW_TIMER_DEFERRABLE };
	struct armer *a = arg;

	for (unsigned i = 0; i < TIMERS_PER_ARMER; i++) {
		struct hp_timer *h = &a->timers[i];

		h->sys = a->sys;
		if (cw_timer_setup(&h->timer, a->sys, hp_fn, kinds[i % 3]) != 0) {
			abort();
		}
	}
	while (!atomic_load(&a->stop)) {
		for (unsigned i = 0; i < TIMERS_PER_ARMER; i++) {
			struct hp_timer *h = &a->timers[i];
			uint64_t r = xrand(&a->rng);
			uint64_t e;

			if (atomic_load(&h->fires) != atomic_load(&h->arms)) {
				continue;
			}
			/* Not pending (its callback may still be returning). */
			e = cw_jiffies_get(a->sys) + 1 + r % 20;
			atomic_store(&h->expires, e);
			atomic_fetch_add(&h->arms, 1);
			a->arms++;
			if ((r >> 8) % 2 == 0) {
				unsigned cpu = (unsigned)((r >> 16) % NR_CPUS);

				if (cw_timer_add_on(&h->timer, e, cpu) == CW_EINVAL) {
					/* Offline (hotplug raced): arm where we are. */
					a->refused++;
					cw_timer_mod(&h->timer, e);
				}
			} else {
				cw_timer_mod(&h->timer, e);
			}
		}
		sleep_ms(1);
	}
	return NULL;
}

static void test_posix_cpu_hotplug_while_threads_arm_wheel_timers_loses_none(void **state)
{
	struct cw_system *sys = make_system(0, true);
	struct armer *armers = calloc(ARMERS, sizeof(*armers));
	unsigned cycles = 0, downs_failed = 0, lost = 0, early = 0, arms = 0, fires = 0,
		 refused = 0;
	struct wrap_timer last[6];
	uint64_t end, max_late = 0;

	(void)state;
	assert_non_null(armers);
	for (unsigned i = 0; i < ARMERS; i++) {
		armers[i].sys = sys;
		armers[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
		assert_int_equal(pthread_create(&armers[i].thread, NULL, armer_main, &armers[i]),
				 0);
	}
	end = host_ns() + 1500 * MSEC;
	while (host_ns() < end) {
		unsigned cpu = 1 + cycles % (NR_CPUS - 1);
		int ret = cw_cpu_down(sys, cpu);

		if (ret != 0) {
			downs_failed++;
		}
		sleep_ms(7);
		if (ret == 0) {
			assert_int_equal(cw_cpu_up(sys, cpu), 0);
		}
		sleep_ms(5);
		cycles++;
	}
	/* Last: timers of every kind queued on CPU3, which then stays down. */
	for (unsigned k = 0; k < 6; k++) {
		static const unsigned kinds[] = { 0, CW_TIMER_PINNED, CW_TIMER_DEFERRABLE };

		wrap_arm(sys, &last[k], kinds[k % 3], 30 + k, 3);
	}
	assert_int_equal(cw_cpu_down(sys, 3), 0);
	for (unsigned i = 0; i < ARMERS; i++) {
		atomic_store(&armers[i].stop, true);
		pthread_join(armers[i].thread, NULL);
	}
	assert_int_equal(wait_fired(last, 6, 5000), 6);
	for (unsigned k = 0; k < 6; k++) {
		uint64_t late = atomic_load(&last[k].fired_jiffies) - atomic_load(&last[k].expires);

		if (late > max_late) {
			max_late = late;
		}
		assert_int_equal(atomic_load(&last[k].fires), 1);
		assert_true(cw_time_after64(atomic_load(&last[k].fired_jiffies),
					    atomic_load(&last[k].expires)));
	}
	printf("# hotplug: 6 timers queued on CPU3 before it went down for good fired at most "
	       "%" PRIu64 " jiffies after their expiry\n",
	       max_late);
	/* Generous for a loaded machine; they wait for no CPU to come back. */
	assert_true(max_late <= 500);
	/* Every arm fires: up to 21 jiffies, plus a deferrable timer waits for
	 * its CPU's next tick. Wait up to 5 s on a loaded machine. */
	end = host_ns() + 5000 * MSEC;
	for (;;) {
		lost = 0;
		for (unsigned i = 0; i < ARMERS; i++) {
			for (unsigned k = 0; k < TIMERS_PER_ARMER; k++) {
				struct hp_timer *h = &armers[i].timers[k];

				lost += atomic_load(&h->arms) - atomic_load(&h->fires);
			}
		}
		if (lost == 0 || host_ns() > end) {
			break;
		}
		sleep_ms(5);
	}
	for (unsigned i = 0; i < ARMERS; i++) {
		refused += armers[i].refused;
		for (unsigned k = 0; k < TIMERS_PER_ARMER; k++) {
			struct hp_timer *h = &armers[i].timers[k];

			arms += atomic_load(&h->arms);
			fires += atomic_load(&h->fires);
			early += atomic_load(&h->early);
			assert_false(cw_timer_pending(&h->timer));
			assert_int_equal(cw_timer_del_sync(&h->timer), 0);
		}
	}
	printf("# hotplug: %u down/up cycles (%u downs refused), %u arms, %u fires, %u lost, %u "
	       "early, %u add_on refused by an offline CPU\n",
	       cycles, downs_failed, arms, fires, lost, early, refused);
	assert_true(cycles >= 10);
	assert_true(arms >= 100);
	assert_int_equal(downs_failed, 0);
	assert_int_equal(lost, 0);
	assert_int_equal(early, 0);
	assert_int_equal(arms, fires);
	{
		char report[256];

		assert_int_equal(cw_timer_check(sys, report, sizeof(report)), 0);
	}
	cw_posix_system_destroy(sys);
	free(armers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posix_wheel_timers_fire_across_the_32bit_wrap),
		cmocka_unit_test(test_posix_wheel_timers_fire_across_the_64bit_wrap),
		cmocka_unit_test(test_posix_cpu_hotplug_while_threads_arm_wheel_timers_loses_none),
	};

	/* No test may hang: the whole program has 100 s. */
	alarm(100);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
