/* SPDX-License-Identifier: MIT */
/*
 * cwsim's energy table: per CPU, the energy the machine file's power
 * figures give for the time it ran, the time it spent in each idle state
 * and its wakeups ([idle] active_power, state = ... POWER, wakeup_energy;
 * docs/simulator.md, "Energy"), beside the wakeups that cost it.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_ENERGY_H
#define CLOCKWORK_TOOLS_CWSIM_ENERGY_H

struct cw_sim_machine;
struct cw_sim_machine_desc;
struct cwsim_report;

#include <stdbool.h>
#include <stdint.h>

/** Energy of one CPU so far (nJ), from the machine file's power figures. */
struct cwsim_energy {
	/** Wakeups (idle exits) of the CPU. */
	uint64_t wakeups;
	/** Running (active_power x time not idle), in idle states, and wakeup_energy x wakeups. */
	uint64_t active_nj;
	uint64_t idle_nj;
	uint64_t wakeup_nj;
};

/** Whether the machine file gives any power figure. */
bool cwsim_energy_known(const struct cw_sim_machine_desc *desc);

/** The energy of @p cpu of @p m so far (the figures the "energy" table prints). */
void cwsim_energy_of_cpu(struct cw_sim_machine *m, const struct cw_sim_machine_desc *desc,
			 unsigned cpu, struct cwsim_energy *out);

/**
 * Write the "energy" table and the "energy_total" summary (nothing when
 * the machine file gives no power figure).
 */
void cwsim_report_energy(struct cwsim_report *rep, struct cw_sim_machine *m,
			 const struct cw_sim_machine_desc *desc);

#endif /* CLOCKWORK_TOOLS_CWSIM_ENERGY_H */
