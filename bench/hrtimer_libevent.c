/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: libevent's timer min-heap through its public API:
 * evtimer_add with a relative timeout queues a timer, evtimer_del cancels
 * it. Keys (ns in the workload) are passed as that many microseconds, so
 * every key is exact in a struct timeval.
 *
 * Time. libevent adds the timeout to its own clock. The whole workload
 * runs inside a libevent callback, where the base's time cache holds one
 * fixed time: every evtimer_add reads the cache instead of the host
 * clock (as in any libevent program that re-arms timers from callbacks),
 * and the keys keep exactly the order the workload gives them.
 *
 * start-expire. libevent expires timers only from its loop, once the host
 * clock has reached them; there is no call that pops the earliest timer.
 * The benchmark therefore knows which timer is earliest (from a run of the
 * same sequence on the binary heap, done before the clock starts: the
 * oracle) and removes it with evtimer_del. Removing the top of the heap is
 * what libevent's own expiry does for each expired timer (timeout_process
 * deletes it from the heap before activating it), so the heap work is the
 * same; what is left out is the loop around it: the backend call
 * (epoll_wait), the clock read and the callback dispatch.
 */
#include "hrtimer_impl.h"

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdlib.h>

static struct event_base *le_base;
static struct event *le_timers;
static size_t le_count;
static const uint32_t *le_oracle;
/* The cached time libevent adds timeouts to, in us (learnt on the first add). */
static int64_t le_now_us;
static bool le_have_now;

static void le_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static int q_init(const struct hrq_params *p)
{
	le_base = event_base_new();
	le_timers = calloc(p->n + 1, sizeof(*le_timers));
	if (!le_base || !le_timers) {
		if (le_base) {
			event_base_free(le_base);
		}
		free(le_timers);
		return -1;
	}
	le_count = p->n + 1;
	le_oracle = p->oracle;
	le_have_now = false;
	for (size_t i = 0; i < le_count; i++) {
		evtimer_assign(&le_timers[i], le_base, le_cb, NULL);
	}
	return 0;
}

static inline int64_t le_tv_us(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

static inline void q_start(size_t i, uint64_t key)
{
	struct timeval tv = { .tv_sec = (time_t)(key / 1000000u),
			      .tv_usec = (suseconds_t)(key % 1000000u) };

	evtimer_add(&le_timers[i], &tv);
	if (!le_have_now) {
		le_now_us = le_tv_us(&le_timers[i].ev_timeout) - (int64_t)key;
		le_have_now = true;
	}
}

static inline void q_cancel(size_t i)
{
	evtimer_del(&le_timers[i]);
}

static inline size_t q_pop(uint64_t k, uint64_t *key)
{
	size_t i = le_oracle[k];
	struct event *ev = &le_timers[i];

	evtimer_del(ev);
	*key = (uint64_t)(le_tv_us(&ev->ev_timeout) - le_now_us);
	return i;
}

/* No public pop: the final check covers the popped keys only. */
static bool q_drain(uint64_t *key, size_t *i)
{
	(void)key;
	(void)i;
	return false;
}

static void q_fini(void)
{
	/* Frees the pending timers too (deleting them from the heap). */
	event_base_free(le_base);
	free(le_timers);
	le_base = NULL;
	le_timers = NULL;
}

struct le_call {
	void (*fn)(void *);
	void *arg;
	bool ran;
};

static void le_trampoline(evutil_socket_t fd, short what, void *arg)
{
	struct le_call *c = arg;

	(void)fd;
	(void)what;
	c->ran = true;
	c->fn(c->arg);
}

/* Run @fn inside a callback of the loop, where the time cache is set. */
static void q_run(void (*fn)(void *), void *arg)
{
	struct le_call c = { fn, arg, false };
	struct timeval zero = { 0, 0 };

	if (event_base_once(le_base, -1, EV_TIMEOUT, le_trampoline, &c, &zero) == 0) {
		event_base_loop(le_base, EVLOOP_ONCE);
	}
	if (!c.ran) {
		fn(arg); /* not reached with a working libevent: measure it outside the loop */
	}
}

#define HRQ_IMPL_SYM hrq_libevent
#include "hrtimer_impl.h"

const struct hrq_impl hrq_libevent = {
	.impl = "libevent",
	.start_cancel = hrq_start_cancel,
	.start_expire = hrq_start_expire,
	.drains = false,
	.timer_size = sizeof(struct event) + sizeof(struct event *),
};
