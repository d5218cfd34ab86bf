/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: libevent's timers (evtimer_add/evtimer_del on one event_base;
 * a min-heap, or for W3's single 30 s timeout a "common timeout" queue, the
 * O(1) structure libevent offers for many equal timeouts). libevent reads
 * the host clock itself: advance() runs one non-blocking loop iteration.
 */
#include "wheel_impl.h"

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdlib.h>

static struct event_base *ev_base;
static struct event *ev_timers;
static size_t ev_n;
static const struct timeval *ev_common;

static void ev_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	wheel_fired++;
}

static int evb_init(size_t n)
{
	ev_base = event_base_new();
	if (!ev_base) {
		return -1;
	}
	ev_timers = calloc(n, sizeof(*ev_timers));
	if (!ev_timers) {
		return -1;
	}
	ev_n = n;
	ev_common = NULL;
	for (size_t i = 0; i < n; i++) {
		evtimer_assign(&ev_timers[i], ev_base, ev_cb, NULL);
	}
	return 0;
}

static void evb_arm(size_t i, uint64_t delay)
{
	struct timeval tv = { .tv_sec = (time_t)(delay / 1000),
			      .tv_usec = (suseconds_t)(delay % 1000) * 1000 };

	evtimer_add(&ev_timers[i], ev_common ? ev_common : &tv);
}

static void evb_cancel(size_t i)
{
	evtimer_del(&ev_timers[i]);
}

static void evb_advance(uint64_t now)
{
	(void)now;
	event_base_loop(ev_base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
}

static void evb_fixed_delay(uint64_t delay)
{
	struct timeval tv = { .tv_sec = (time_t)(delay / 1000),
			      .tv_usec = (suseconds_t)(delay % 1000) * 1000 };

	ev_common = event_base_init_common_timeout(ev_base, &tv);
}

static void evb_fini(void)
{
	for (size_t i = 0; i < ev_n; i++) {
		evtimer_del(&ev_timers[i]);
	}
	event_base_free(ev_base);
	free(ev_timers);
}

const struct wheel_ops wheel_libevent_ops = {
	.impl = "libevent",
	.clock = "host",
	.virtual_time = false,
	.timer_bytes = sizeof(struct event),
	.init = evb_init,
	.arm = evb_arm,
	.cancel = evb_cancel,
	.advance = evb_advance,
	.fixed_delay = evb_fixed_delay,
	.fini = evb_fini,
};
