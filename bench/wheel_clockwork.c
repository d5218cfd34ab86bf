/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: clockwork's timer wheel, on a one-CPU system of the sim port
 * at HZ=1000 (one jiffy per 1 ms tick). The wheel is driven at explicit
 * jiffies through its test clock, as the tick layer will drive it; arming
 * and cancelling go through the public API.
 */
#include <clockwork/sim.h>
#include <clockwork/system.h>
#include <clockwork/timer.h>

#include "core/timer-internal.h"

#include "wheel_impl.h"

#include <stdlib.h>

static struct cw_sim *cw_sim;
static struct cw_system *cw_sys;
static struct cw_timer *cw_timers;
static uint64_t cw_now;
/* Last value given to the wheel's test clock. */
static uint64_t cw_clock_set;

static void cw_fn(struct cw_timer *t)
{
	(void)t;
	wheel_fired++;
}

static int cw_init(size_t n)
{
	struct cw_system_config cfg = { .nr_cpus = 1, .hz = 1000 };

	if (cw_sim_create(1, &cw_sim) || cw_sim_system_create(cw_sim, &cfg, false, &cw_sys)) {
		return -1;
	}
	cw_timers = calloc(n, sizeof(*cw_timers));
	if (!cw_timers) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (cw_timer_setup(&cw_timers[i], cw_sys, cw_fn, 0) != 0) {
			return -1;
		}
	}
	cw_now = 0;
	cw_clock_set = 0;
	cw__timer_test_set_jiffies(cw_sys, 0);
	return 0;
}

static void cw_arm(size_t i, uint64_t delay)
{
	/* The wheel's clock (jiffies) only matters to arming: set it lazily,
	 * as jiffies would simply be there in a real system. */
	if (cw_clock_set != cw_now) {
		cw_clock_set = cw_now;
		cw__timer_test_set_jiffies(cw_sys, cw_now);
	}
	cw_timer_mod(&cw_timers[i], cw_now + delay);
}

static void cw_cancel(size_t i)
{
	cw_timer_del(&cw_timers[i]);
}

static void cw_advance(uint64_t now)
{
	cw_now = now;
	cw__timer_run_at(cw_sys, 0, now);
}

static void cw_fini(void)
{
	cw_system_destroy(cw_sys);
	cw_sim_destroy(cw_sim);
	free(cw_timers);
}

const struct wheel_ops wheel_clockwork_ops = {
	.impl = "clockwork",
	.virtual_time = true,
	.init = cw_init,
	.arm = cw_arm,
	.cancel = cw_cancel,
	.advance = cw_advance,
	.fini = cw_fini,
};
