/* SPDX-License-Identifier: MIT */
/*
 * Waiting on the sim port: the caller is the thread that drives the engine
 * (the only thread allowed to touch it), so waiting means running the
 * engine in virtual time, event by event, until the hrtimer callback has
 * set the word. Nothing can interrupt it (no EINTR); an engine with no
 * event left while the word is still clear can never wake the caller
 * (EDEADLK), for example a system without a tick device. The engine is
 * run through the port's run_next_event hook (cw_system_run_next_event()),
 * so this library needs nothing of libclockwork-sim.
 */
#include <clockwork/system.h>

#include "posixapi-internal.h"

#include <errno.h>

static int sim_prepare(struct cw_system *sys, struct cw_pa_wait *w)
{
	(void)sys;
	w->fd = -1;
	w->masked = false;
	return 0;
}

static int sim_wait(struct cw_system *sys, struct cw_pa_wait *w)
{
	while (!atomic_load_explicit(&w->word, memory_order_relaxed)) {
		if (cw_system_run_next_event(sys) != 0) {
			return EDEADLK;
		}
	}
	return 0;
}

static void sim_wake(struct cw_system *sys, struct cw_pa_wait *w)
{
	(void)sys;
	atomic_store_explicit(&w->word, 1, memory_order_relaxed);
}

static void sim_settle(struct cw_system *sys, struct cw_pa_wait *w)
{
	/* The store was wake()'s last access. */
	(void)sys;
	(void)w;
}

static void sim_pause(struct cw_system *sys, struct cw_pa_wait *w, unsigned attempt)
{
	/* Callbacks run on this thread, inside sim_wait(): never concurrently. */
	(void)sys;
	(void)w;
	(void)attempt;
}

static void sim_finish(struct cw_system *sys, struct cw_pa_wait *w)
{
	(void)sys;
	(void)w;
}

const struct cw_pa_waiter_ops cw__pa_waiter_sim = {
	.port = "sim",
	.prepare = sim_prepare,
	.wait = sim_wait,
	.wake = sim_wake,
	.settle = sim_settle,
	.pause = sim_pause,
	.finish = sim_finish,
};
