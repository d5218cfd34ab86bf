/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: the simulated machine clockwork's API rows run on, the way a
 * user of the sim port runs one (cwsim, cwlat and the tests do the same):
 * a one-CPU machine description, cw_sim_machine_create() with HZ=1000,
 * cw_sim_machine_boot(), 20 ms of virtual time to settle into
 * high-resolution mode, then cw_sim_run_until() to move virtual time. The
 * machine keeps clockwork's defaults, NO_HZ idle and high resolution, but
 * turns the invariant checker off (CW_CHECK_OFF, a public configuration
 * field): it is on by default only on the sim port, and the rows should
 * measure clockwork as it runs on a real port.
 * Benchmark tick k (1 ms) is virtual time t0 + k ms.
 */
#ifndef CLOCKWORK_BENCH_WHEEL_SIM_H
#define CLOCKWORK_BENCH_WHEEL_SIM_H

#include <stdint.h>

struct cw_sim;
struct cw_sim_machine;
struct cw_system;

struct wheel_sim {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	/** Virtual time of benchmark tick 0, ns (a whole ms). */
	uint64_t t0_ns;
};

/** Create, boot and settle the machine. @return 0, or -1 (printed). */
int wheel_sim_up(struct wheel_sim *ws);

/** Run the machine until benchmark tick @p tick (its timers fire on the way). */
void wheel_sim_run_to(struct wheel_sim *ws, uint64_t tick);

/** Destroy the machine and the engine. */
void wheel_sim_down(struct wheel_sim *ws);

#endif /* CLOCKWORK_BENCH_WHEEL_SIM_H */
