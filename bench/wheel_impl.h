/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel's implementation table: every timer implementation the wheel
 * benchmark drives offers these operations (wahern's struct benchops). Time
 * is counted in ticks of 1 ms. Implementations with a virtual clock
 * (virtual_time) are driven by set_now/advance; the others read the host
 * clock themselves, so they only take part where time need not be
 * simulated (W1, W3).
 */
#ifndef CLOCKWORK_BENCH_WHEEL_IMPL_H
#define CLOCKWORK_BENCH_WHEEL_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One timer implementation under test. */
struct wheel_ops {
	/** impl name in results.jsonl. */
	const char *impl;
	/** results.jsonl "clock": "sim-virtual", "virtual" or "host". */
	const char *clock;
	/** Time is simulated (set_now/advance work); false: host clock. */
	bool virtual_time;
	/** Bytes one timer costs (the timer, plus its slot where a heap keeps one). */
	size_t timer_bytes;
	/** Set up @p n timers, none armed, at time 0. @return 0 or -1. */
	int (*init)(size_t n);
	/** Arm or re-arm timer @p i @p delay ticks from now. */
	void (*arm)(size_t i, uint64_t delay);
	/** Cancel timer @p i (pending). */
	void (*cancel)(size_t i);
	/** Move the clock to @p now and run what expired. */
	void (*advance)(uint64_t now);
	/** Set up for W3: re-arms all use one fixed @p delay (may be NULL). */
	void (*fixed_delay)(uint64_t delay);
	/** Free everything. */
	void (*fini)(void);
};

/** Incremented by every implementation's callback. */
extern uint64_t wheel_fired;

extern const struct wheel_ops wheel_clockwork_ops;
extern const struct wheel_ops wheel_clockwork_bare_ops;
extern const struct wheel_ops wheel_clockwork_posix_ops;
extern const struct wheel_ops wheel_hrtimer_ops;
extern const struct wheel_ops wheel_hrtimer_bare_ops;
extern const struct wheel_ops wheel_heap_ops;
#ifdef CW_BENCH_HAVE_LIBUV
extern const struct wheel_ops wheel_libuv_ops;
#endif
#ifdef CW_BENCH_HAVE_LIBEVENT
extern const struct wheel_ops wheel_libevent_ops;
#endif
#ifdef CW_BENCH_HAVE_DPDK
extern const struct wheel_ops wheel_dpdk_ops;
#endif

#endif /* CLOCKWORK_BENCH_WHEEL_IMPL_H */
