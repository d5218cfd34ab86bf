/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: DPDK's rte_timer (a per-lcore skip list), after an EAL init
 * without hugepages, PCI or shared config on lcore 0. rte_timer reads the
 * TSC itself: advance() calls rte_timer_manage() once.
 */
#include "wheel_impl.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_timer.h>
#include <stdlib.h>

static struct rte_timer *dp_timers;
static size_t dp_n;
static uint64_t dp_cycles_per_tick;
static bool dp_eal_up;

static void dp_cb(struct rte_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	wheel_fired++;
}

static int dp_init(size_t n)
{
	static char *argv[] = { "bench_wheel", "--no-huge", "--no-pci", "--no-shconf",       "-l",
				"0",           "-m",        "64",       "--log-level=error", NULL };

	if (!dp_eal_up) {
		if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
			return -1;
		}
		if (rte_timer_subsystem_init() < 0) {
			return -1;
		}
		dp_eal_up = true;
	}
	dp_timers = malloc(n * sizeof(*dp_timers));
	if (!dp_timers) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		rte_timer_init(&dp_timers[i]);
	}
	dp_n = n;
	dp_cycles_per_tick = rte_get_timer_hz() / 1000;
	return 0;
}

static void dp_arm(size_t i, uint64_t delay)
{
	rte_timer_reset(&dp_timers[i], delay * dp_cycles_per_tick, SINGLE, rte_lcore_id(), dp_cb,
			NULL);
}

static void dp_cancel(size_t i)
{
	rte_timer_stop(&dp_timers[i]);
}

static void dp_advance(uint64_t now)
{
	(void)now;
	rte_timer_manage();
}

static void dp_fini(void)
{
	for (size_t i = 0; i < dp_n; i++) {
		rte_timer_stop(&dp_timers[i]);
	}
	free(dp_timers);
}

const struct wheel_ops wheel_dpdk_ops = {
	.impl = "dpdk",
	.clock = "host",
	.virtual_time = false,
	.timer_bytes = sizeof(struct rte_timer),
	.init = dp_init,
	.arm = dp_arm,
	.cancel = dp_cancel,
	.advance = dp_advance,
	.fini = dp_fini,
};
