/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: libuv's timers as a libuv program runs them: uv_timer_start
 * and uv_timer_stop on one loop, expiry by uv_run(loop, UV_RUN_NOWAIT),
 * which updates the loop's time (uv_update_time), runs the due timers'
 * callbacks and polls (no file descriptors here, so no system call). libuv
 * keeps its timers in a pointer-linked binary heap (72-byte uv_timer_t
 * here, measured below).
 *
 * Virtual time. libuv reads the host clock only through clock_gettime()
 * (CLOCK_MONOTONIC or CLOCK_MONOTONIC_COARSE) inside uv_update_time(), and
 * the benchmark must step its loop tick by tick like the others (W2 walks
 * 2^20 ms). This file therefore defines clock_gettime() in the benchmark
 * program: while this row runs (only in its own forked child) those two
 * clocks answer the benchmark's tick in ms; every other call, and every
 * call outside this row, goes to the C library's clock_gettime (found with
 * dlsym(RTLD_NEXT)). libuv's own code is untouched and none of its private
 * fields is read or written: arming reads the loop's cached time, as a
 * callback of a real loop would. The harness's stopwatch reads
 * CLOCK_MONOTONIC_RAW, which is never virtual.
 */
#include "wheel_impl.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>

static uv_loop_t uv_bench_loop;
static uv_timer_t *uv_timers;
static size_t uv_n;
/* Benchmark tick (ms) the monotonic clocks answer while uvb_virtual. */
static uint64_t uvb_now_ms;
static bool uvb_virtual;

static int (*uvb_real_clock_gettime)(clockid_t id, struct timespec *ts);

int clock_gettime(clockid_t id, struct timespec *ts)
{
	if (uvb_virtual && (id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_COARSE)) {
		ts->tv_sec = (time_t)(uvb_now_ms / 1000u);
		ts->tv_nsec = (long)(uvb_now_ms % 1000u) * 1000000l;
		return 0;
	}
	if (!uvb_real_clock_gettime) {
		*(void **)&uvb_real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
		if (!uvb_real_clock_gettime) {
			abort();
		}
	}
	return uvb_real_clock_gettime(id, ts);
}

static void uv_bench_cb(uv_timer_t *h)
{
	(void)h;
	wheel_fired++;
}

static int uvb_init(size_t n)
{
	uvb_now_ms = 0;
	uvb_virtual = true;
	if (uv_loop_init(&uv_bench_loop)) {
		return -1;
	}
	uv_timers = malloc(n * sizeof(*uv_timers));
	if (!uv_timers) {
		return -1;
	}
	uv_n = n;
	for (size_t i = 0; i < n; i++) {
		uv_timer_init(&uv_bench_loop, &uv_timers[i]);
	}
	return 0;
}

static void uvb_arm(size_t i, uint64_t delay)
{
	uv_timer_start(&uv_timers[i], uv_bench_cb, delay, 0);
}

static void uvb_cancel(size_t i)
{
	uv_timer_stop(&uv_timers[i]);
}

static void uvb_advance(uint64_t now)
{
	uvb_now_ms = now;
	uv_run(&uv_bench_loop, UV_RUN_NOWAIT);
}

static void uvb_fini(void)
{
	for (size_t i = 0; i < uv_n; i++) {
		uv_close((uv_handle_t *)&uv_timers[i], NULL);
	}
	uv_run(&uv_bench_loop, UV_RUN_NOWAIT);
	uv_loop_close(&uv_bench_loop);
	free(uv_timers);
	uvb_virtual = false;
}

const struct wheel_ops wheel_libuv_ops = {
	.impl = "libuv",
	.clock = "virtual",
	.virtual_time = true,
	.timer_bytes = sizeof(uv_timer_t),
	.init = uvb_init,
	.arm = uvb_arm,
	.cancel = uvb_cancel,
	.advance = uvb_advance,
	.fini = uvb_fini,
};
