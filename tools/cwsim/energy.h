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

/**
 * Write the "energy" table and the "energy_total" summary (nothing when
 * the machine file gives no power figure).
 */
void cwsim_report_energy(struct cwsim_report *rep, struct cw_sim_machine *m,
			 const struct cw_sim_machine_desc *desc);

#endif /* CLOCKWORK_TOOLS_CWSIM_ENERGY_H */
