/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: the row clockwork-posix, the wheel's public API on a running
 * posix system (real threads), as a program calls it: arm is
 * cw_timer_mod(t, cw_jiffies_get(sys) + delay), cancel cw_timer_del(), from
 * the benchmark's thread (an application thread, not a CPU thread) bound
 * to CPU 0 with cw_posix_thread_set_cpu(), so the timers sit on CPU 0's
 * global base, whose tick and soft expiry take the same lock on CPU 0's
 * thread. Host clock (the posix port's clocksource). The posix port's CPUs
 * are real threads, so its base locks keep the atomic exchange (lock.h,
 * "One-thread locks"); this row is the API's cost there, next to the sim
 * port's clockwork row, which takes them with a plain load and store.
 *
 * Time is not simulated: only W1 and W3 run it. Timers whose expiry comes
 * during the run fire on CPU 0's thread (a W1 expiry is 1 ms to 60 s away)
 * and are re-armed by the next operation that picks them, as in a program.
 */
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>

#include "wheel_impl.h"

#include <stdio.h>
#include <stdlib.h>

static struct cw_system *px_sys;
static struct cw_timer *px_timers;
static size_t px_count;

static void px_fn(struct cw_timer *t)
{
	(void)t;
}

static int px_init(size_t n)
{
	int err = cw_posix_system_create(NULL, NULL, &px_sys);

	if (err) {
		fprintf(stderr, "bench_wheel: cw_posix_system_create: %s\n", cw_strerror(err));
		px_sys = NULL;
		return -1;
	}
	if (cw_posix_thread_set_cpu(px_sys, 0) != 0) {
		fprintf(stderr, "bench_wheel: cw_posix_thread_set_cpu failed\n");
		return -1;
	}
	px_timers = calloc(n, sizeof(*px_timers));
	if (!px_timers) {
		return -1;
	}
	px_count = n;
	for (size_t i = 0; i < n; i++) {
		if (cw_timer_setup(&px_timers[i], px_sys, px_fn, 0) != 0) {
			return -1;
		}
	}
	return 0;
}

static void px_arm(size_t i, uint64_t delay)
{
	cw_timer_mod(&px_timers[i], cw_jiffies_get(px_sys) + delay);
}

static void px_cancel(size_t i)
{
	cw_timer_del(&px_timers[i]);
}

static void px_advance(uint64_t now)
{
	/* The CPU threads run the expiry in real time. */
	(void)now;
}

static void px_fini(void)
{
	for (size_t i = 0; i < px_count; i++) {
		cw_timer_del_sync(&px_timers[i]);
	}
	cw_posix_system_destroy(px_sys);
	px_sys = NULL;
	free(px_timers);
	px_timers = NULL;
	px_count = 0;
}

const struct wheel_ops wheel_clockwork_posix_ops = {
	.impl = "clockwork-posix",
	.clock = "host",
	.virtual_time = false,
	.timer_bytes = sizeof(struct cw_timer),
	.init = px_init,
	.arm = px_arm,
	.cancel = px_cancel,
	.advance = px_advance,
	.fini = px_fini,
};
