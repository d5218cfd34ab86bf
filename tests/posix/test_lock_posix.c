// SPDX-License-Identifier: MIT
/*
 * The contended path of the core spinlock on a host (src/core/lock.c), with
 * real threads and the real clock (label posix; make check also runs it
 * under ThreadSanitizer). A waiter at SCHED_FIFO and a holder at normal
 * priority share one host core: the holder cannot run while the waiter
 * does. A waiter that only spins keeps the core until the host's real-time
 * throttling gives the holder a slice (by default 50 ms of every second, so
 * about 1 s; forever where throttling is off). The contended path yields
 * and then naps, so the holder finishes its critical section and the
 * waiter takes the lock soon after. Without SCHED_FIFO (no CAP_SYS_NICE,
 * no RLIMIT_RTPRIO) the test says so and is skipped. The bound is loose for
 * a loaded 2-core machine; the test prints what it measured.
 *
 * The yield and the naps are the posix port's cw_port_lock_backoff(), which
 * replaces the core's pausing default in a program that uses the port: the
 * test creates a posix system (not started) to be such a program.
 */
#include "core/lock.h"

#include <clockwork/port_posix.h>
#include <clockwork/system.h>

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* The holder's critical section: this much CPU time of its own. */
#define HOLD_CPU_NS   (5ull * 1000000ull)
/* The waiter must have the lock within this (measured: a few ms). */
#define TAKE_LIMIT_NS (500ull * 1000000ull)
/* The main thread gives up on the waiter after this (before: ~1 s, or never). */
#define GIVE_UP_NS    (5ull * 1000000000ull)

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct shared {
	struct cw_spinlock lock;
	int core;
	atomic_int holder_state; /* 0 starting, 1 holding, 2 released */
	atomic_bool waiter_started;
	atomic_bool waiter_done;
	atomic_bool holder_pinned;
	uint64_t waited_ns;
	int waiter_err;
};

static int pin_to(int core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *holder_main(void *arg)
{
	struct shared *sh = arg;
	uint64_t t0;

	atomic_store(&sh->holder_pinned, pin_to(sh->core) == 0);
	cw_spin_lock(&sh->lock);
	atomic_store(&sh->holder_state, 1);
	/* The waiter takes the core from here on: the work below needs it back. */
	while (!atomic_load(&sh->waiter_started)) {
		sched_yield();
	}
	t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < HOLD_CPU_NS) {
	}
	atomic_store(&sh->holder_state, 2);
	cw_spin_unlock(&sh->lock);
	return NULL;
}

static void *waiter_main(void *arg)
{
	struct shared *sh = arg;
	struct sched_param sp = { .sched_priority = 10 };
	uint64_t t0;

	sh->waiter_err = pin_to(sh->core);
	if (!sh->waiter_err) {
		sh->waiter_err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	}
	if (sh->waiter_err) {
		atomic_store(&sh->waiter_done, true);
		return NULL;
	}
	t0 = clock_ns(CLOCK_MONOTONIC);
	atomic_store(&sh->waiter_started, true);
	cw_spin_lock(&sh->lock);
	sh->waited_ns = clock_ns(CLOCK_MONOTONIC) - t0;
	assert_int_equal(atomic_load(&sh->holder_state), 2);
	cw_spin_unlock(&sh->lock);
	atomic_store(&sh->waiter_done, true);
	return NULL;
}

static void test_fifo_waiter_lets_a_preempted_holder_on_its_core_finish(void **state)
{
	static struct shared sh;
	struct cw_system_config cfg = { .nr_cpus = 1, .hz = 100 };
	struct cw_posix_options opt = { .flags = CW_POSIX_NO_TSC | CW_POSIX_NO_START };
	struct cw_system *sys = NULL;
	pthread_t holder, waiter;
	uint64_t t0;

	(void)state;
	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	memset(&sh, 0, sizeof(sh));
	sh.core = sched_getcpu();
	assert_true(sh.core >= 0);
	assert_int_equal(pthread_create(&holder, NULL, holder_main, &sh), 0);
	while (atomic_load(&sh.holder_state) == 0) {
		usleep(100);
	}
	assert_true(atomic_load(&sh.holder_pinned));
	assert_int_equal(pthread_create(&waiter, NULL, waiter_main, &sh), 0);
	t0 = clock_ns(CLOCK_MONOTONIC);
	while (!atomic_load(&sh.waiter_done) && clock_ns(CLOCK_MONOTONIC) - t0 < GIVE_UP_NS) {
		usleep(1000);
	}
	if (!atomic_load(&sh.waiter_done)) {
		/* A waiter spinning at SCHED_FIFO cannot be joined: report and leave. */
		fail_msg("the SCHED_FIFO waiter still spins after %.1f s: the holder never ran",
			 (double)GIVE_UP_NS / 1e9);
	}
	pthread_join(waiter, NULL);
	pthread_join(holder, NULL);
	cw_posix_system_destroy(sys);
	if (sh.waiter_err) {
		print_message("SKIPPED: SCHED_FIFO on host core %d refused (%s): needs "
			      "CAP_SYS_NICE or RLIMIT_RTPRIO\n",
			      sh.core, strerror(sh.waiter_err));
		skip();
	}
	print_message("SCHED_FIFO waiter and normal holder (%.0f ms of CPU in its critical "
		      "section) on host core %d: the waiter had the lock after %.1f ms\n",
		      (double)HOLD_CPU_NS / 1e6, sh.core, (double)sh.waited_ns / 1e6);
	assert_true(sh.waited_ns < TAKE_LIMIT_NS);
	assert_false(cw_spin_is_locked(&sh.lock));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_waiter_lets_a_preempted_holder_on_its_core_finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
