/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: clockwork-hrtimer, clockwork's hrtimers through the public
 * API as a user of the sim port calls it, on the booted one-CPU machine of
 * wheel_sim.h (high resolution, virtual time): arm is
 * cw_hrtimer_start(t, delay, CW_HRTIMER_MODE_REL) (the call reads the
 * MONOTONIC clock itself, a read of the simulated counter), cancel is
 * cw_hrtimer_try_to_cancel(), and expiry happens when cw_sim_run_until()
 * reaches the device's programmed event, through the hrtimer interrupt,
 * as in any sim program. Delays are the benchmark's ticks (1 ms). The bare
 * queue is clockwork-hrtimer-bare (wheel_hrtimer_bare.c).
 */
#include <clockwork/hrtimer.h>
#include <clockwork/timekeeping.h>
#include <clockwork/system.h>

#include "wheel_impl.h"
#include "wheel_sim.h"

#include <stdlib.h>

#define HRA_NS_PER_TICK 1000000ll

static struct wheel_sim hra_ws;
static struct cw_hrtimer *hra_timers;
static size_t hra_n;

static enum cw_hrtimer_restart hra_fn(struct cw_hrtimer *t)
{
	(void)t;
	wheel_fired++;
	return CW_HRTIMER_NORESTART;
}

static int hra_init(size_t n)
{
	if (wheel_sim_up(&hra_ws) != 0) {
		return -1;
	}
	hra_timers = calloc(n, sizeof(*hra_timers));
	if (!hra_timers) {
		return -1;
	}
	hra_n = n;
	for (size_t i = 0; i < n; i++) {
		if (cw_hrtimer_setup(hra_ws.sys, &hra_timers[i], hra_fn, CW_CLOCK_MONOTONIC,
				     CW_HRTIMER_MODE_REL) != 0) {
			return -1;
		}
	}
	return 0;
}

static void hra_arm(size_t i, uint64_t delay)
{
	cw_hrtimer_start(&hra_timers[i], (cw_ktime_t)delay * HRA_NS_PER_TICK, CW_HRTIMER_MODE_REL);
}

static void hra_cancel(size_t i)
{
	cw_hrtimer_try_to_cancel(&hra_timers[i]);
}

static void hra_advance(uint64_t now)
{
	wheel_sim_run_to(&hra_ws, now);
}

static void hra_fini(void)
{
	for (size_t i = 0; hra_timers && i < hra_n; i++) {
		cw_hrtimer_try_to_cancel(&hra_timers[i]);
	}
	wheel_sim_down(&hra_ws);
	free(hra_timers);
	hra_timers = NULL;
}

const struct wheel_ops wheel_hrtimer_ops = {
	.impl = "clockwork-hrtimer",
	.clock = "sim-virtual",
	.virtual_time = true,
	.timer_bytes = sizeof(struct cw_hrtimer),
	.init = hra_init,
	.arm = hra_arm,
	.cancel = hra_cancel,
	.advance = hra_advance,
	.fini = hra_fini,
};
