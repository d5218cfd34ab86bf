/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: clockwork-hrtimer-bare, clockwork's hrtimer queue
 * (src/core/timerqueue.h, the queue every hrtimer clock base uses), driven
 * directly: no base lock, no CPU lookup, no clock read, the data structure
 * alone, as bench_hrtimer's clockwork-bare drives it. clockwork-hrtimer
 * (wheel_hrtimer.c) is the same queue behind the public API. Keys are
 * nanoseconds, as hrtimer expiries are: a tick (1 ms) is 1e6 ns. A timer
 * is the queue node plus what any timer API needs on top of it: callback,
 * its argument and a queued flag (64 bytes; struct cw_hrtimer carries the
 * same and more). advance() pops the first node while it is due, as the
 * hrtimer expiry loop does.
 */
#include "core/timerqueue.h"

#include "wheel_impl.h"

#include <stdlib.h>

#define HR_NS_PER_TICK 1000000ull

struct hr_timer {
	struct cw_hrtimer_node node;
	void (*fn)(struct hr_timer *t, void *arg);
	void *arg;
	bool queued;
};

static void hr_cb(struct hr_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	wheel_fired++;
}

static struct hr_timer *hr_timers;
static struct cw_tq_head *hr_head;
static struct cw_tq_pool hr_pool;
static struct cw_tq_wheel *hr_wheel;
static uint64_t hr_now;

static int hr_init(size_t n)
{
	hr_timers = calloc(n, sizeof(*hr_timers));
	/* The queue head and the radix wheel its pool lends it (about 11 KiB). */
	hr_head = calloc(1, sizeof(*hr_head));
	hr_wheel = calloc(1, sizeof(*hr_wheel));
	if (!hr_timers || !hr_head || !hr_wheel) {
		return -1;
	}
	cw_tq_pool_init(&hr_pool, hr_wheel, 1);
	cw_tq_init(hr_head, &hr_pool);
	for (size_t i = 0; i < n; i++) {
		hr_timers[i].fn = hr_cb;
		hr_timers[i].arg = NULL;
		hr_timers[i].queued = false;
	}
	hr_now = 0;
	return 0;
}

static void hr_arm(size_t i, uint64_t delay)
{
	struct hr_timer *t = &hr_timers[i];

	if (t->queued) {
		cw_tq_del(hr_head, &t->node);
	}
	t->node.expires = (int64_t)((hr_now + delay) * HR_NS_PER_TICK);
	cw_tq_add(hr_head, &t->node);
	t->queued = true;
}

static void hr_cancel(size_t i)
{
	struct hr_timer *t = &hr_timers[i];

	if (t->queued) {
		cw_tq_del(hr_head, &t->node);
		t->queued = false;
	}
}

static void hr_advance(uint64_t now)
{
	int64_t limit = (int64_t)(now * HR_NS_PER_TICK);
	struct cw_hrtimer_node *n;

	hr_now = now;
	while ((n = cw_tq_first(hr_head)) != NULL && n->expires <= limit) {
		struct hr_timer *t = cw_container_of(n, struct hr_timer, node);

		cw_tq_pop(hr_head);
		t->queued = false;
		t->fn(t, t->arg);
	}
}

static void hr_fini(void)
{
	free(hr_timers);
	free(hr_head);
	free(hr_wheel);
	hr_timers = NULL;
	hr_head = NULL;
	hr_wheel = NULL;
}

const struct wheel_ops wheel_hrtimer_bare_ops = {
	.impl = "clockwork-hrtimer-bare",
	.clock = "virtual",
	.timer_bytes = sizeof(struct hr_timer),
	.virtual_time = true,
	.init = hr_init,
	.arm = hr_arm,
	.cancel = hr_cancel,
	.advance = hr_advance,
	.fini = hr_fini,
};
