/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: libuv's timers (uv_timer_start/uv_timer_stop; a pointer-based
 * binary heap). libuv reads the host clock only in uv_update_time(), so the
 * benchmark sets the loop's clock (the public uv_loop_t.time field) itself,
 * and runs libuv's expiry loop the way uv__run_timers() does: while the
 * heap's minimum (uv_loop_t.timer_heap.min) is due, stop it and call it.
 */
#include "wheel_impl.h"

#include <stdlib.h>
#include <uv.h>

static uv_loop_t uv_bench_loop;
static uv_timer_t *uv_timers;
static size_t uv_n;

static void uv_bench_cb(uv_timer_t *h)
{
	(void)h;
	wheel_fired++;
}

static int uvb_init(size_t n)
{
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
	uv_bench_loop.time = 0;
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
	uv_bench_loop.time = now;
	for (;;) {
		void *min = uv_bench_loop.timer_heap.min;
		uv_timer_t *h;

		if (!min) {
			break;
		}
		h = (uv_timer_t *)(void *)((char *)min - offsetof(uv_timer_t, heap_node));
		if (h->timeout > now) {
			break;
		}
		uv_timer_stop(h);
		h->timer_cb(h);
	}
}

static void uvb_fini(void)
{
	for (size_t i = 0; i < uv_n; i++) {
		uv_close((uv_handle_t *)&uv_timers[i], NULL);
	}
	uv_run(&uv_bench_loop, UV_RUN_NOWAIT);
	uv_loop_close(&uv_bench_loop);
	free(uv_timers);
}

const struct wheel_ops wheel_libuv_ops = {
	.impl = "libuv",
	.virtual_time = true,
	.init = uvb_init,
	.arm = uvb_arm,
	.cancel = uvb_cancel,
	.advance = uvb_advance,
	.fini = uvb_fini,
};
