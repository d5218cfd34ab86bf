/* SPDX-License-Identifier: MIT */
/*
 * The /proc/timer_list-like dump (include/clockwork/timer_list.h).
 *
 * A leaf of the core, not a component: it reads the checker's record of
 * armed timers (cw_check_armed_timers(), under the checker lock), the tick
 * devices and modes through their public getters, and the clockevents
 * device list under ce.lock, formatting as it goes into the caller's
 * buffer (snprintf semantics: the length is counted past the end of the
 * buffer). The timers are copied out first, then sorted, so no lock is
 * held while callbacks are named. A device's fields are read under
 * ce.lock (next_event_ns, which its CPU writes without it, once); its
 * retry count is not printed (its CPU counts it without a lock).
 */
#include <clockwork/timer_list.h>

#include <clockwork/check.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>

#include "system-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** The output: @c buf of @c len bytes, @c pos bytes wanted so far. */
struct tl_out {
	char *buf;
	size_t len;
	size_t pos;
};

static void put(struct tl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct tl_out *o, const char *fmt, ...)
{
	char *at = o->pos < o->len ? o->buf + o->pos : NULL;
	size_t room = o->pos < o->len ? o->len - o->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(at, room, fmt, ap);
	va_end(ap);
	if (n > 0) {
		o->pos += (size_t)n;
	}
}

/* Order: CPU, hrtimers before wheel timers, base clock, expiry, arming order. */
static int by_place(const void *a, const void *b)
{
	const struct cw_check_timer *x = a, *y = b;

	if (x->cpu != y->cpu) {
		return x->cpu < y->cpu ? -1 : 1;
	}
	if (x->hrtimer != y->hrtimer) {
		return x->hrtimer ? -1 : 1;
	}
	if (x->clock_id != y->clock_id) {
		return x->clock_id < y->clock_id ? -1 : 1;
	}
	if (x->expires != y->expires) {
		return x->expires < y->expires ? -1 : 1;
	}
	return x->arm_seq < y->arm_seq ? -1 : x->arm_seq > y->arm_seq;
}

static const char *fn_name(const struct cw_timer_list_options *opt, uintptr_t fn, char *buf,
			   size_t len)
{
	const char *name = opt->symbolize ? opt->symbolize(opt->symbolize_arg, fn, buf, len) : NULL;

	if (name) {
		return name;
	}
	snprintf(buf, len, "<0x%llx>", (unsigned long long)fn);
	return buf;
}

static unsigned long long timer_id(const struct cw_timer_list_options *opt,
				   const struct cw_check_timer *t)
{
	uint64_t id = opt->timer_id ? opt->timer_id(opt->timer_id_arg, t->timer, t->hrtimer) : 0;

	return (unsigned long long)(id ? id : t->arm_seq);
}

static void put_timer(struct tl_out *o, const struct cw_timer_list_options *opt,
		      const struct cw_check_timer *t)
{
	char buf[64];
	const char *fn = fn_name(opt, t->function, buf, sizeof(buf));

	if (t->hrtimer) {
		put(o,
		    "  hrtimer %llu, %s, clock %s: expires at %lld-%lld ns (armed at MONOTONIC "
		    "%lld ns)\n",
		    timer_id(opt, t), fn, cw_clock_name(t->clock_id), (long long)t->softexpires,
		    (long long)t->expires, (long long)t->armed_at);
	} else {
		put(o, "  timer %llu, %s: expires at jiffies %lld (armed at %lld%s%s)\n",
		    timer_id(opt, t), fn, (long long)t->expires, (long long)t->armed_at,
		    t->deferrable ? ", deferrable" : "", t->pinned ? ", pinned" : "");
	}
}

static void put_devices(struct tl_out *o, struct cw_system *sys)
{
	struct cw_clock_event_device *bc = cw_tick_broadcast_device(sys);

	put(o, "\nclock event devices\n");
	cw_spin_lock(&sys->ce.lock);
	for (struct cw_clock_event_device *dev = sys->ce.devices; dev; dev = dev->next) {
		put(o,
		    "  %s: %s%s, bound %d, rating %d, irq %d, next_event %lld ns, min_delta %llu ns, "
		    "max_delta %llu ns, mult %lu, shift %lu\n",
		    dev->name, cw_clockevent_state_name(cw_clockevent_get_state(dev)),
		    dev == bc ? " (broadcast)" : "", dev->bound_cpu, dev->rating, dev->irq,
		    (long long)CW_READ_ONCE(dev->next_event_ns),
		    (unsigned long long)dev->min_delta_ns, (unsigned long long)dev->max_delta_ns,
		    (unsigned long)dev->mult, (unsigned long)dev->shift);
	}
	cw_spin_unlock(&sys->ce.lock);
}

size_t cw_timer_list_format(struct cw_system *sys, const struct cw_timer_list_options *opt,
			    char *buf, size_t len)
{
	static const struct cw_timer_list_options defaults;
	struct tl_out o = { buf, buf ? len : 0, 0 };
	struct cw_check_timer *list = NULL;
	size_t n, k = 0;
	bool tracked;
	int64_t now;

	if (!sys) {
		return 0;
	}
	if (!opt) {
		opt = &defaults;
	}
	now = opt->now_given ? opt->now_ns : cw_ktime_get(sys);
	tracked = cw_check_enabled(sys);
	/* Copy the record out (it may grow in between: take what fits the second look). */
	n = tracked ? cw_check_armed_timers(sys, NULL, 0) : 0;
	if (n) {
		size_t cap = n + n / 4 + 8;

		list = calloc(cap, sizeof(*list));
		if (!list) {
			return 0;
		}
		n = cw_check_armed_timers(sys, list, cap);
		if (n > cap) {
			n = cap;
		}
		qsort(list, n, sizeof(*list), by_place);
	}
	if (len) {
		buf[0] = '\0';
	}
	put(&o, "timer list at %lld.%09lld s (%s): ", (long long)(now / 1000000000),
	    (long long)(now % 1000000000), opt->now_label ? opt->now_label : "MONOTONIC");
	if (tracked) {
		put(&o, "%zu timers armed\n", n);
	} else {
		put(&o, "timers not tracked (the checker is off)\n");
	}
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		struct cw_clock_event_device *dev = cw_tick_device(sys, cpu);

		put(&o, "cpu: %u (%s), tick device %s, tick mode %s\n", cpu,
		    cw_cpu_online(sys, cpu) ? "online" : "offline", dev ? dev->name : "-",
		    cw_tick_mode_name(cw_tick_mode(sys, cpu)));
		for (; k < n && list[k].cpu == (int)cpu; k++) {
			put_timer(&o, opt, &list[k]);
		}
	}
	/* A CPU index the system no longer has (cannot happen today): listed last. */
	for (; k < n; k++) {
		put_timer(&o, opt, &list[k]);
	}
	put_devices(&o, sys);
	free(list);
	return o.pos;
}
