// SPDX-License-Identifier: MIT
/*
 * The timer wheel with real threads on the posix port (label posix; also run
 * under ThreadSanitizer by make check): two threads act as CPUs 1 and 2 and
 * run their wheel expiry in a loop while the test thread arms, deletes and
 * shuts timers down. cw_timer_del_sync() must return only after a running
 * callback finished (the callback's plain writes are visible afterwards, and
 * TSan sees the happens-before); cw_timer_shutdown_sync() must stop a timer
 * that re-arms itself, also when it hops between CPUs, so that it can be
 * freed at once (ASan/TSan report any later touch).
 *
 * The wheel's clock is the test clock (cw__timer_test_set_jiffies), advanced
 * by the test thread; no tick runs. Bounds are loose for a loaded 2-core
 * machine; the test prints what it measured.
 */
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/timer.h>

#include "core/timer-internal.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define NR_CPUS 3u

struct env {
	struct cw_system *sys;
	pthread_t cpu_thread[NR_CPUS];
	atomic_bool stop;
	atomic_uint_fast64_t now;
};

static struct env E;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = mono_ns() + ns;

	while (mono_ns() < end) {
	}
}

static void *cpu_main(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	while (!atomic_load(&E.stop)) {
		cw__timer_run_at(E.sys, cpu, atomic_load(&E.now));
		sched_yield();
	}
	return NULL;
}

static void tick(void)
{
	uint64_t now = atomic_fetch_add(&E.now, 1) + 1;

	cw__timer_test_set_jiffies(E.sys, now);
}

static int setup(void **state)
{
	struct cw_system_config cfg = { .nr_cpus = NR_CPUS, .hz = 1000 };
	struct cw_posix_options opt = {
		.flags = CW_POSIX_NO_TSC | CW_POSIX_NO_HOUSEKEEPING | CW_POSIX_NO_START |
			 CW_POSIX_NO_TIMERFD,
	};

	(void)state;
	assert_int_equal(cw_posix_system_create(&cfg, &opt, &E.sys), 0);
	atomic_store(&E.stop, false);
	atomic_store(&E.now, 1000);
	cw__timer_test_set_jiffies(E.sys, 1000);
	for (unsigned cpu = 1; cpu < NR_CPUS; cpu++) {
		assert_int_equal(
			pthread_create(&E.cpu_thread[cpu], NULL, cpu_main, (void *)(uintptr_t)cpu),
			0);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	atomic_store(&E.stop, true);
	for (unsigned cpu = 1; cpu < NR_CPUS; cpu++) {
		pthread_join(E.cpu_thread[cpu], NULL);
	}
	cw_posix_system_destroy(E.sys);
	return 0;
}

/* ---------------------------------------------------------------------- */

struct slow {
	struct cw_timer timer;
	atomic_bool entered;
	/* Plain on purpose: delete_sync must order it before its return. */
	unsigned finished;
	uint64_t spin_ns;
};

static void slow_fn(struct cw_timer *t)
{
	struct slow *s = (struct slow *)(void *)((char *)t - offsetof(struct slow, timer));

	atomic_store(&s->entered, true);
	spin_ns(s->spin_ns);
	s->finished++;
}

static void test_delete_sync_waits_for_a_running_callback(void **state)
{
	uint64_t waited_min = UINT64_MAX, waited_max = 0;

	(void)state;
	for (int i = 0; i < 20; i++) {
		struct slow s = { .spin_ns = 2000000 };
		uint64_t t0, waited;

		assert_int_equal(cw_timer_setup(&s.timer, E.sys, slow_fn, 0), 0);
		cw_timer_add_on(&s.timer, atomic_load(&E.now), 1 + (unsigned)i % 2);
		tick();
		while (!atomic_load(&s.entered)) {
			sched_yield();
		}
		t0 = mono_ns();
		assert_int_equal(cw_timer_del_sync(&s.timer), 0);
		waited = mono_ns() - t0;
		/* The callback finished before delete_sync returned. */
		assert_int_equal(s.finished, 1);
		assert_false(cw_timer_pending(&s.timer));
		waited_min = waited < waited_min ? waited : waited_min;
		waited_max = waited > waited_max ? waited : waited_max;
	}
	print_message("delete_sync waited %.3f..%.3f ms for a 2 ms callback\n", waited_min / 1e6,
		      waited_max / 1e6);
}

/* A callback that holds until the test releases it. */
struct held {
	struct cw_timer timer;
	atomic_bool entered;
	atomic_bool release;
	atomic_uint runs;
};

static void held_fn(struct cw_timer *t)
{
	struct held *h = (struct held *)(void *)((char *)t - offsetof(struct held, timer));

	atomic_store(&h->entered, true);
	for (uint64_t end = mono_ns() + 10000000000ull; !atomic_load(&h->release);) {
		if (mono_ns() > end) {
			/* Never hang: the test fails on the count below. */
			break;
		}
		sched_yield();
	}
	atomic_fetch_add(&h->runs, 1);
}

/*
 * Setting a timer up again while its callback runs on a CPU thread would
 * zero it under the running expiry: refused (CW_EBUSY), in every build.
 */
static void test_setup_is_refused_while_the_callback_runs_on_another_thread(void **state)
{
	struct held h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(cw_timer_setup(&h.timer, E.sys, held_fn, 0), 0);
	assert_int_equal(cw_timer_add_on(&h.timer, atomic_load(&E.now), 2), 0);
	tick();
	while (!atomic_load(&h.entered)) {
		sched_yield();
	}
	assert_false(cw_timer_pending(&h.timer));
	assert_int_equal(cw_timer_setup(&h.timer, E.sys, held_fn, 0), CW_EBUSY);
	assert_int_equal(cw_timer_setup(&h.timer, E.sys, held_fn, CW_TIMER_PINNED), CW_EBUSY);
	atomic_store(&h.release, true);
	assert_int_equal(cw_timer_del_sync(&h.timer), 0);
	assert_int_equal(atomic_load(&h.runs), 1);
	/* Idle now: it may be set up again. */
	assert_int_equal(cw_timer_setup(&h.timer, E.sys, held_fn, 0), 0);
}

/* A timer that re-arms itself, alternating between CPUs 1 and 2. */
struct hopper {
	struct cw_timer timer;
	atomic_uint fires;
	unsigned scratch;
	bool hop;
};

static void hopper_fn(struct cw_timer *t)
{
	struct hopper *h = (struct hopper *)(void *)((char *)t - offsetof(struct hopper, timer));
	unsigned n = atomic_fetch_add(&h->fires, 1) + 1;

	h->scratch++;
	spin_ns(20000);
	if (h->hop) {
		cw_timer_add_on(t, atomic_load(&E.now), 1 + n % 2);
	} else {
		cw_timer_mod(t, atomic_load(&E.now));
	}
}

static void run_hopper(bool hop)
{
	uint64_t total = 0;

	for (int i = 0; i < 30; i++) {
		struct hopper *h = calloc(1, sizeof(*h));
		unsigned after;

		assert_non_null(h);
		h->hop = hop;
		assert_int_equal(cw_timer_setup(&h->timer, E.sys, hopper_fn, 0), 0);
		cw_timer_add_on(&h->timer, atomic_load(&E.now), 1);
		while (atomic_load(&h->fires) < 5) {
			tick();
			sched_yield();
		}
		cw_timer_shutdown_sync(&h->timer);
		after = atomic_load(&h->fires);
		assert_false(cw_timer_pending(&h->timer));
		/* Nothing runs any more: more ticks do not fire it. */
		for (int k = 0; k < 50; k++) {
			tick();
			sched_yield();
		}
		assert_int_equal(atomic_load(&h->fires), after);
		assert_int_equal(h->scratch, after);
		total += after;
		free(h);
	}
	print_message("shutdown_sync stopped 30 self-re-arming timers (%s) after %llu callbacks\n",
		      hop ? "hopping between CPUs" : "on one CPU", (unsigned long long)total);
}

static void test_shutdown_sync_stops_a_self_rearming_timer_so_it_can_be_freed(void **state)
{
	(void)state;
	run_hopper(false);
}

static void test_shutdown_sync_stops_a_timer_that_rearms_itself_on_another_cpu(void **state)
{
	(void)state;
	run_hopper(true);
}

/* Many timers armed, re-armed and deleted from this thread while two CPU
 * threads expire them: every callback runs at most once per arm and the
 * checker stays clean. */
struct counted {
	struct cw_timer timer;
	atomic_uint fires;
};

static void counted_fn(struct cw_timer *t)
{
	struct counted *c = (struct counted *)(void *)((char *)t - offsetof(struct counted, timer));

	atomic_fetch_add(&c->fires, 1);
}

static void test_remote_arm_and_cancel_race_with_expiry_on_cpu_threads(void **state)
{
	enum {
		NR = 256
	};
	static struct counted c[NR];
	char report[256];
	unsigned arms = 0, fires = 0;
	uint64_t rng = 7;

	(void)state;
	for (int i = 0; i < NR; i++) {
		assert_int_equal(cw_timer_setup(&c[i].timer, E.sys, counted_fn, 0), 0);
		atomic_store(&c[i].fires, 0);
	}
	for (int step = 0; step < 100000; step++) {
		struct counted *x;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		x = &c[(rng >> 33) % NR];
		switch ((rng >> 20) % 4) {
		case 0:
			if (!cw_timer_add_on(&x->timer, atomic_load(&E.now) + (rng >> 40) % 4,
					     1 + (unsigned)(rng >> 50) % 2)) {
				arms++;
			}
			break;
		case 1:
			cw_timer_del(&x->timer);
			break;
		case 2:
			cw_timer_del_sync(&x->timer);
			break;
		default:
			tick();
			sched_yield();
			break;
		}
	}
	for (int i = 0; i < NR; i++) {
		cw_timer_del_sync(&c[i].timer);
		fires += atomic_load(&c[i].fires);
	}
	assert_int_equal(cw_timer_check(E.sys, report, sizeof(report)), 0);
	/* A new arm only when not pending, so fires can never exceed arms. */
	assert_true(fires <= arms);
	print_message("%u arms of idle timers, %u callbacks\n", arms, fires);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_sync_waits_for_a_running_callback),
		cmocka_unit_test(test_setup_is_refused_while_the_callback_runs_on_another_thread),
		cmocka_unit_test(test_shutdown_sync_stops_a_self_rearming_timer_so_it_can_be_freed),
		cmocka_unit_test(
			test_shutdown_sync_stops_a_timer_that_rearms_itself_on_another_cpu),
		cmocka_unit_test(test_remote_arm_and_cancel_race_with_expiry_on_cpu_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
