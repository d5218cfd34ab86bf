/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: clockwork's timer wheel, two rows.
 *
 * clockwork       The public API as a user of the sim port calls it, on a
 *                 booted one-CPU machine at HZ=1000 (wheel_sim.h): arm is
 *                 cw_timer_mod(t, cw_jiffies_get(sys) + delay) (the idiom
 *                 timer.h documents; cw_jiffies_get() reads the clock when
 *                 the idle CPU's tick is stopped), cancel is cw_timer_del(),
 *                 and time moves by cw_sim_run_until(): the tick, NO_HZ and
 *                 the soft expiry run timers as in any sim program. Virtual
 *                 time, no internal hook.
 *
 * clockwork-bare  The same queue code without the API (wheel_bare_queue.c):
 *                 no lock per call, no CPU lookup, no clock read (now is the
 *                 benchmark's tick). Its expiry is the wheel's soft expiry
 *                 at an explicit jiffies value (cw__timer_run_at()), on a
 *                 system that is created but not booted (no tick). It
 *                 exists so that clockwork minus clockwork-bare, the API's
 *                 cost, is a number in every run.
 */
#include <clockwork/sim.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>

#include "core/timer-internal.h"

#include "wheel_impl.h"
#include "wheel_sim.h"

#include <stdlib.h>

static struct wheel_sim cw_ws;
static struct cw_timer *cw_timers;

static void cw_fn(struct cw_timer *t)
{
	(void)t;
	wheel_fired++;
}

static int setup_timers(struct cw_system *sys, size_t n)
{
	cw_timers = calloc(n, sizeof(*cw_timers));
	if (!cw_timers) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (cw_timer_setup(&cw_timers[i], sys, cw_fn, 0) != 0) {
			return -1;
		}
	}
	return 0;
}

static int cw_init(size_t n)
{
	if (wheel_sim_up(&cw_ws) != 0) {
		return -1;
	}
	return setup_timers(cw_ws.sys, n);
}

static void cw_arm(size_t i, uint64_t delay)
{
	cw_timer_mod(&cw_timers[i], cw_jiffies_get(cw_ws.sys) + delay);
}

static void cw_cancel(size_t i)
{
	cw_timer_del(&cw_timers[i]);
}

static void cw_advance(uint64_t now)
{
	wheel_sim_run_to(&cw_ws, now);
}

static void cw_fini(void)
{
	wheel_sim_down(&cw_ws);
	free(cw_timers);
	cw_timers = NULL;
}

const struct wheel_ops wheel_clockwork_ops = {
	.impl = "clockwork",
	.clock = "sim-virtual",
	.virtual_time = true,
	.timer_bytes = sizeof(struct cw_timer),
	.init = cw_init,
	.arm = cw_arm,
	.cancel = cw_cancel,
	.advance = cw_advance,
	.fini = cw_fini,
};

/* ------------------------------------------------------------------------
 * clockwork-bare
 */

struct cw_timer_base;
struct cw_timer_base *bench_wheel_bare_base(struct cw_system *sys);
void bench_wheel_bare_hold(struct cw_timer_base *b);
void bench_wheel_bare_release(struct cw_timer_base *b);
void bench_wheel_bare_arm(struct cw_system *sys, struct cw_timer_base *b, struct cw_timer *t,
			  uint64_t expires, uint64_t now);
void bench_wheel_bare_del(struct cw_timer_base *b, struct cw_timer *t);

static struct cw_sim *bare_sim;
static struct cw_system *bare_sys;
static struct cw_timer_base *bare_base;
static uint64_t bare_now;

static int bare_init(size_t n)
{
	struct cw_system_config cfg = { .nr_cpus = 1, .hz = 1000, .initial_jiffies = 1 };

	if (cw_sim_create(1, &bare_sim) || cw_sim_system_create(bare_sim, &cfg, false, &bare_sys)) {
		return -1;
	}
	if (setup_timers(bare_sys, n) != 0) {
		return -1;
	}
	/* Jiffy 1 is the benchmark's tick 0 ... */
	bare_now = 1;
	/* ... for the soft expiry as for the queue: both read this clock. */
	cw__timer_test_set_jiffies(bare_sys, bare_now);
	bare_base = bench_wheel_bare_base(bare_sys);
	bench_wheel_bare_hold(bare_base);
	return 0;
}

static void bare_arm(size_t i, uint64_t delay)
{
	bench_wheel_bare_arm(bare_sys, bare_base, &cw_timers[i], bare_now + delay, bare_now);
}

static void bare_cancel(size_t i)
{
	bench_wheel_bare_del(bare_base, &cw_timers[i]);
}

static void bare_advance(uint64_t now)
{
	bare_now = 1 + now;
	cw__timer_test_set_jiffies(bare_sys, bare_now);
	bench_wheel_bare_release(bare_base);
	cw__timer_run_at(bare_sys, 0, bare_now);
	bench_wheel_bare_hold(bare_base);
}

static void bare_fini(void)
{
	bench_wheel_bare_release(bare_base);
	cw_system_destroy(bare_sys);
	cw_sim_destroy(bare_sim);
	free(cw_timers);
	cw_timers = NULL;
}

const struct wheel_ops wheel_clockwork_bare_ops = {
	.impl = "clockwork-bare",
	.clock = "virtual",
	.virtual_time = true,
	.timer_bytes = sizeof(struct cw_timer),
	.init = bare_init,
	.arm = bare_arm,
	.cancel = bare_cancel,
	.advance = bare_advance,
	.fini = bare_fini,
};
