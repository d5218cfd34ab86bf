/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: the row clockwork, start-cancel through the public
 * hrtimer API on a running posix system, as a program calls it:
 * cw_hrtimer_start (absolute MONOTONIC expiry) and
 * cw_hrtimer_try_to_cancel, called from the benchmark's thread (not a CPU
 * thread), so every call takes the CPU base's spinlock, reads the clock
 * where the call does and updates the timer's state, while CPU 0's thread
 * takes the same lock for its tick. Real host clock (the posix port's
 * clocksource), no internal hook. The timers sit on CPU 0's MONOTONIC
 * base, one hour past now plus the workload's key, so none expires during
 * the run and none becomes the base's first timer except by the
 * workload's own order (then the device's programming is checked).
 * clockwork-bare (hrtimer_clockwork.c) is the same queue without the API.
 */
#include <clockwork/hrtimer.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>

#include "hrtimer_impl.h"

#include <stdio.h>
#include <stdlib.h>

#define API_OFFSET_NS 3600000000000ll

static struct cw_system *api_sys;
static struct cw_hrtimer *api_timers;
static size_t api_count;
static cw_ktime_t api_base;

static enum cw_hrtimer_restart api_fn(struct cw_hrtimer *t)
{
	(void)t;
	return CW_HRTIMER_NORESTART;
}

static int q_init(const struct hrq_params *p)
{
	int err;

	if (!api_sys) {
		err = cw_posix_system_create(NULL, NULL, &api_sys);
		if (err) {
			fprintf(stderr, "bench_hrtimer: cw_posix_system_create: %s\n",
				cw_strerror(err));
			api_sys = NULL;
			return -1;
		}
	}
	/* The benchmark thread arms on CPU 0's bases (the placement this row
	 * has always measured; by default it would follow its host core). */
	if (cw_posix_thread_set_cpu(api_sys, 0) != 0) {
		fprintf(stderr, "bench_hrtimer: cw_posix_thread_set_cpu failed\n");
		return -1;
	}
	api_timers = calloc(p->n + 1, sizeof(*api_timers));
	if (!api_timers) {
		return -1;
	}
	api_count = p->n + 1;
	for (size_t i = 0; i < api_count; i++) {
		if (cw_hrtimer_setup(api_sys, &api_timers[i], api_fn, CW_CLOCK_MONOTONIC,
				     CW_HRTIMER_MODE_ABS) != 0) {
			free(api_timers);
			api_timers = NULL;
			return -1;
		}
	}
	api_base = cw_ktime_get(api_sys) + API_OFFSET_NS;
	return 0;
}

static inline void q_start(size_t i, uint64_t key)
{
	cw_hrtimer_start(&api_timers[i], api_base + (cw_ktime_t)key, CW_HRTIMER_MODE_ABS);
}

static inline void q_cancel(size_t i)
{
	cw_hrtimer_try_to_cancel(&api_timers[i]);
}

static bool q_drain(uint64_t *key, size_t *i)
{
	(void)key;
	(void)i;
	return false;
}

static void q_fini(void)
{
	for (size_t i = 0; i < api_count; i++) {
		cw_hrtimer_cancel(&api_timers[i]);
	}
	free(api_timers);
	api_timers = NULL;
}

static void q_run(void (*fn)(void *), void *arg)
{
	fn(arg);
}

static void api_shutdown(void)
{
	struct cw_hrtimer_cpu_stats st;

	if (api_sys && cw_hrtimer_get_cpu_stats(api_sys, 0, &st) == 0) {
		printf("bench_hrtimer: clockwork (API) ran on CPU 0 in %s mode (%llu hrtimer "
		       "interrupts, %llu callbacks)\n",
		       st.hres_active ? "high-resolution" : "low-resolution",
		       (unsigned long long)st.events, (unsigned long long)st.expired);
	}
	cw_posix_system_destroy(api_sys);
	api_sys = NULL;
}

#define HRQ_NO_EXPIRE
#define HRQ_IMPL_SYM hrq_clockwork_api
#include "hrtimer_impl.h"

const struct hrq_impl hrq_clockwork_api = {
	.impl = "clockwork",
	.start_cancel = hrq_start_cancel,
	.start_expire = NULL,
	.shutdown = api_shutdown,
	.timer_size = sizeof(struct cw_hrtimer),
};
