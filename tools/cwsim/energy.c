/* SPDX-License-Identifier: MIT */
/*
 * cwsim's energy table (energy.h). For each CPU, over the run:
 *
 *   idle energy   = sum over idle states of power(state) x time in it
 *   active energy = active_power x (elapsed - time idle)
 *   wakeup energy = wakeup_energy x wakeups (idle exits)
 *
 * in integer nanojoules (microwatts x nanoseconds / 10^6, in 128 bits).
 * Time suspended counts as neither (the machine draws nothing modelled);
 * time offline counts as active (the CPU model keeps no offline time).
 */
#include "energy.h"
#include "jsonw.h"
#include "report.h"

#include <clockwork/clockwork.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>

#include <stdio.h>

/* @power_uw x @ns in nanojoules. */
static uint64_t energy_nj(uint64_t power_uw, uint64_t ns)
{
	return (uint64_t)((unsigned __int128)power_uw * ns / 1000000u);
}

/* @nj as millijoules with 3 decimals ("12.345"). */
static const char *mj_text(uint64_t nj, char *buf, size_t len)
{
	snprintf(buf, len, "%llu.%03llu", (unsigned long long)(nj / 1000000u),
		 (unsigned long long)(nj / 1000u % 1000u));
	return buf;
}

static bool has_power(const struct cw_sim_machine_desc *d)
{
	bool any = d->active_power_uw || d->wakeup_energy_nj;

	for (unsigned i = 0; i < d->nr_idle_states; i++) {
		any |= d->idle_states[i].power_uw != 0;
	}
	return any;
}

bool cwsim_energy_known(const struct cw_sim_machine_desc *desc)
{
	return has_power(desc);
}

void cwsim_energy_of_cpu(struct cw_sim_machine *m, const struct cw_sim_machine_desc *desc,
			 unsigned cpu, struct cwsim_energy *out)
{
	struct cw_system *sys = cw_sim_machine_system(m);
	struct cw_sim_hw_cpu_stats hs = { 0 };
	uint64_t awake = cw_sim_now_ns(cw_sim_system_engine(sys)) - cw_sim_system_suspended_ns(sys);
	uint64_t idle_ns = 0, idle = 0;

	cw_sim_hw_cpu_get_stats(cw_sim_machine_hw(m), cpu, &hs);
	for (unsigned i = 0; i < CW_SIM_HW_MAX_IDLE_STATES; i++) {
		idle_ns += hs.idle_ns[i];
		if (i < desc->nr_idle_states) {
			idle += energy_nj(desc->idle_states[i].power_uw, hs.idle_ns[i]);
		}
	}
	out->wakeups = hs.wakeups;
	out->active_nj = energy_nj(desc->active_power_uw, awake > idle_ns ? awake - idle_ns : 0);
	out->idle_nj = idle;
	out->wakeup_nj = desc->wakeup_energy_nj * hs.wakeups;
}

void cwsim_report_energy(struct cwsim_report *rep, struct cw_sim_machine *m,
			 const struct cw_sim_machine_desc *desc)
{
	static const struct cwsim_col cols[] = {
		{ "energy", "cpu", -6, 0 },
		{ "wakeups", "wakeups", 9, 0 },
		{ "active (mJ)", "active_energy_nj", 12, 0 },
		{ "idle (mJ)", "idle_energy_nj", 12, 0 },
		{ "wakeup (mJ)", "wakeup_energy_nj", 12, 0 },
		{ "total (mJ)", "energy_nj", 12, 0 },
		{ "avg (mW)", "average_power_uw", 10, 0 },
	};
	struct cw_system *sys = cw_sim_machine_system(m);
	uint64_t awake = cw_sim_now_ns(cw_sim_system_engine(sys)) - cw_sim_system_suspended_ns(sys);
	uint64_t total = 0, wakeups = 0;
	unsigned nr = cw_system_nr_cpus(sys);
	char buf[40];

	if (!has_power(desc)) {
		return;
	}
	cwsim_table_begin(rep, "energy", cols, sizeof(cols) / sizeof(cols[0]));
	for (unsigned cpu = 0; cpu < nr; cpu++) {
		struct cwsim_energy e;
		uint64_t active, idle, wake, sum;

		cwsim_energy_of_cpu(m, desc, cpu, &e);
		active = e.active_nj;
		idle = e.idle_nj;
		wake = e.wakeup_nj;
		sum = active + idle + wake;
		total += sum;
		wakeups += e.wakeups;
		cwsim_cell_u64(rep, cpu);
		cwsim_cell_u64(rep, e.wakeups);
		cwsim_cell_fixed_as(rep, mj_text(active, buf, sizeof(buf)), (int64_t)active, 0);
		cwsim_cell_fixed_as(rep, mj_text(idle, buf, sizeof(buf)), (int64_t)idle, 0);
		cwsim_cell_fixed_as(rep, mj_text(wake, buf, sizeof(buf)), (int64_t)wake, 0);
		cwsim_cell_fixed_as(rep, mj_text(sum, buf, sizeof(buf)), (int64_t)sum, 0);
		/* nJ / ns = W; x 10^6 for microwatts; shown in mW. */
		uint64_t avg_uw = awake ? (uint64_t)((unsigned __int128)sum * 1000000u / awake) : 0;
		snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(avg_uw / 1000u),
			 (unsigned long long)(avg_uw % 1000u));
		cwsim_cell_fixed_as(rep, buf, (int64_t)avg_uw, 0);
	}
	cwsim_table_end(rep);
	fprintf(rep->out, "energy: %s mJ in total over %u CPUs for %llu wakeups\n",
		mj_text(total, buf, sizeof(buf)), nr, (unsigned long long)wakeups);
	if (rep->json) {
		jsonw_object_begin(rep->json, "energy_total");
		jsonw_u64(rep->json, "energy_nj", total);
		jsonw_u64(rep->json, "wakeups", wakeups);
		jsonw_u64(rep->json, "average_power_uw",
			  awake ? (uint64_t)((unsigned __int128)total * 1000000u / awake) : 0);
		jsonw_object_end(rep->json);
	}
}
