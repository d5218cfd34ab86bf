/* SPDX-License-Identifier: MIT */
/* bench_wheel: the simulated machine of clockwork's API rows (wheel_sim.h). */
#include "wheel_sim.h"

#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/sim.h>
#include <clockwork/system.h>

#include <stdio.h>
#include <string.h>

#define WS_MS        1000000ull
#define WS_SETTLE_NS (20 * WS_MS)

/* One CPU, a 64-bit counter, a per-CPU oneshot timer: high resolution. */
static const char ws_machine[] = "[machine]\n"
				 "name = bench\n"
				 "cpus = 1\n"
				 "[counter cnt]\n"
				 "width = 64\n"
				 "freq = 100MHz\n"
				 "rating = 300\n"
				 "flags = continuous\n"
				 "[arch_timer local]\n"
				 "freq = 50MHz\n"
				 "irq = 29\n"
				 "[irq]\n"
				 "latency = 1us\n"
				 "ipi_latency = 1us\n";

int wheel_sim_up(struct wheel_sim *ws)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_system_config cfg;
	char err[CW_SIM_ERR_MAX];
	int ret;

	memset(ws, 0, sizeof(*ws));
	memset(&cfg, 0, sizeof(cfg));
	cfg.hz = 1000;
	/* The invariant checker is on by default only on the sim port; every
	 * real port runs without it, so the rows measure clockwork as shipped. */
	cfg.check = CW_CHECK_OFF;
	if (cw_sim_machine_desc_parse_mem(ws_machine, strlen(ws_machine), "bench.ini", &d, err,
					  sizeof(err))) {
		fprintf(stderr, "bench_wheel: machine: %s\n", err);
		return -1;
	}
	ret = cw_sim_create(1, &ws->sim);
	if (!ret) {
		ret = cw_sim_machine_create(ws->sim, d, &cfg, NULL, NULL, &ws->m);
	}
	cw_sim_machine_desc_free(d);
	if (!ret) {
		ws->sys = cw_sim_machine_system(ws->m);
		ret = cw_sim_machine_boot(ws->m);
	}
	if (ret) {
		fprintf(stderr, "bench_wheel: sim machine: %s\n", cw_strerror(ret));
		return -1;
	}
	cw_sim_run_for(ws->sim, WS_SETTLE_NS);
	ws->t0_ns = (cw_sim_now_ns(ws->sim) / WS_MS + 1) * WS_MS;
	cw_sim_run_until(ws->sim, ws->t0_ns);
	return 0;
}

void wheel_sim_run_to(struct wheel_sim *ws, uint64_t tick)
{
	cw_sim_run_until(ws->sim, ws->t0_ns + tick * WS_MS);
}

void wheel_sim_down(struct wheel_sim *ws)
{
	if (ws->m) {
		cw_sim_machine_destroy(ws->m);
	}
	if (ws->sim) {
		cw_sim_destroy(ws->sim);
	}
	memset(ws, 0, sizeof(*ws));
}
