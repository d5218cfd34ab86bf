/* SPDX-License-Identifier: MIT */
/*
 * A lateness probe: a wheel timer that re-arms itself 1..max_d jiffies
 * ahead on one CPU and records, per fire, how long after its expiry's
 * jiffy edge it ran (ns) and whether it ran at a later jiffy than the
 * documented bound (expires + 1). Shared by bench_wheel's W1-threads case
 * (bench/wheel_threads.c) and the posix lateness test
 * (tests/posix/test_timer_threads_posix.c), which measure the same thing.
 * Header only: every function is static.
 */
#ifndef CLOCKWORK_BENCH_LATE_PROBE_H
#define CLOCKWORK_BENCH_LATE_PROBE_H

#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/** Samples one probe keeps (later fires are not recorded). */
#define LATE_PROBE_SAMPLES 8192u

/** One probe; written by its callback, read after late_probe_stop(). */
struct late_probe {
	/** First member: the callback finds the probe from it. */
	struct cw_timer timer;
	struct cw_system *sys;
	unsigned cpu;
	/** Re-arm distances cycle through 1..max_d jiffies. */
	unsigned max_d;
	/** Length of a jiffy, ns. */
	int64_t tick_ns;
	/** Distance of the current arming, jiffies. */
	unsigned d;
	int64_t armed_ns;
	uint64_t expires;
	/** Cleared by late_probe_stop(): the callback stops re-arming. */
	atomic_bool active;
	/** Samples recorded. */
	unsigned n;
	/** Fires at a jiffy after expires + 1: beyond the bound counted in ticks. */
	unsigned over;
	/** Per fire: ns after the expiry's jiffy edge (negative: before it). */
	int64_t samples[LATE_PROBE_SAMPLES];
};

static void late_probe_fn(struct cw_timer *t)
{
	struct late_probe *p = (struct late_probe *)(void *)t;
	int64_t now = cw_ktime_get(p->sys);
	uint64_t j = cw_jiffies_get(p->sys);

	if (p->n < LATE_PROBE_SAMPLES) {
		p->samples[p->n++] = now - p->armed_ns - (int64_t)p->d * p->tick_ns;
		p->over += cw_time_after64(j, p->expires + 1);
	}
	if (!atomic_load_explicit(&p->active, memory_order_relaxed)) {
		return;
	}
	p->d = 1 + p->n % p->max_d;
	p->armed_ns = cw_ktime_get(p->sys);
	p->expires = j + p->d;
	cw_timer_add_on(t, p->expires, p->cpu);
}

/*
 * Set up @p on @cpu of @sys (@flags: CW_TIMER_PINNED or 0) and arm it one
 * jiffy ahead. @return 0 or a negative CW_E* code.
 */
static int late_probe_start(struct late_probe *p, struct cw_system *sys, unsigned cpu,
			    unsigned flags, int64_t tick_ns, unsigned max_d)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->sys = sys;
	p->cpu = cpu;
	p->tick_ns = tick_ns;
	p->max_d = max_d ? max_d : 1;
	p->d = 1;
	atomic_store(&p->active, true);
	err = cw_timer_setup(&p->timer, sys, late_probe_fn, flags);
	if (err) {
		return err;
	}
	p->armed_ns = cw_ktime_get(sys);
	p->expires = cw_jiffies_get(sys) + p->d;
	err = cw_timer_add_on(&p->timer, p->expires, cpu);
	return err < 0 ? err : 0;
}

/* Stop re-arming and wait for a running callback: @p may then be read. */
static void late_probe_stop(struct late_probe *p)
{
	atomic_store(&p->active, false);
	cw_timer_shutdown_sync(&p->timer);
}

static int late_probe_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The samples of @nr stopped probes, sorted into @all (room for
 * @nr * LATE_PROBE_SAMPLES); their fires over the bound are added to
 * *@over. @return the number of samples.
 */
static size_t late_probe_collect(const struct late_probe *probes, unsigned nr, int64_t *all,
				 unsigned *over)
{
	size_t n = 0;

	for (unsigned c = 0; c < nr; c++) {
		for (unsigned i = 0; i < probes[c].n; i++) {
			all[n++] = probes[c].samples[i];
		}
		*over += probes[c].over;
	}
	qsort(all, n, sizeof(all[0]), late_probe_cmp);
	return n;
}

#endif /* CLOCKWORK_BENCH_LATE_PROBE_H */
