/* SPDX-License-Identifier: MIT */
/*
 * cwsim's proxy table (issue 12, docs/proxy-tick.md): one row per CPU of
 * the [proxy] section and phase of the run, from
 * cw_sim_machine_proxy_stats(). Latencies are run time minus expiry in
 * MONOTONIC ns; "loop" is the control loop (an in-band hrtimer before and
 * after the proxy, an out-of-band timer with it), "ib" the probe hrtimer
 * that always runs in-band.
 */
#include "cwsim_proxy.h"
#include "report.h"

#include <clockwork/sim.h>

static const char *const phase_names[CW_SIM_PROXY_NR_PHASES] = { "before", "with", "after" };

static void cells_latency(struct cwsim_report *rep, const struct cw_sim_latency *l)
{
	cwsim_cell_u64(rep, l->n);
	cwsim_cell_u64(rep, l->min_ns);
	cwsim_cell_u64(rep, l->p50_ns);
	cwsim_cell_u64(rep, l->p99_ns);
	cwsim_cell_u64(rep, l->max_ns);
}

void cwsim_report_proxy(struct cwsim_report *rep, const struct cw_sim_machine *m, unsigned nr_cpus)
{
	static const struct cwsim_col cols[] = {
		{ "proxy", "cpu", -5, 0 },
		{ "phase", "phase", -6, 0 },
		{ "time_ms", "time_ms", 8, 0 },
		{ "loop_n", "loop_runs", 7, 0 },
		{ "loop_min", "loop_min_ns", 8, 0 },
		{ "loop_p50", "loop_p50_ns", 8, 0 },
		{ "loop_p99", "loop_p99_ns", 8, 0 },
		{ "loop_max", "loop_max_ns", 8, 0 },
		{ "ib_n", "inband_runs", 6, 0 },
		{ "ib_min", "inband_min_ns", 8, 0 },
		{ "ib_p50", "inband_p50_ns", 8, 0 },
		{ "ib_p99", "inband_p99_ns", 8, 0 },
		{ "ib_max", "inband_max_ns", 8, 0 },
		{ "missed", "inband_missed", 6, 0 },
		{ "real_irq/s", "real_irqs_hz", 10, 0 },
		{ "masked", "masked_sections", 6, 0 },
		{ "max_masked", "masked_max_ns", 10, 0 },
		{ "reinstalls", "reinstalls", 10, 0 },
		{ "calls_log", "calls_logged", 9, 0 },
		{ "calls_now", "calls_unlogged", 9, 0 },
	};
	bool begun = false;

	for (unsigned cpu = 0; cpu < nr_cpus; cpu++) {
		for (unsigned ph = 0; ph < CW_SIM_PROXY_NR_PHASES; ph++) {
			struct cw_sim_proxy_stats st;

			if (cw_sim_machine_proxy_stats(m, cpu, (enum cw_sim_proxy_phase)ph, &st) ||
			    !st.duration_ns) {
				continue;
			}
			if (!begun) {
				cwsim_table_begin(rep, "proxy", cols,
						  sizeof(cols) / sizeof(cols[0]));
				begun = true;
			}
			cwsim_cell_u64(rep, cpu);
			cwsim_cell_str(rep, phase_names[ph]);
			cwsim_cell_u64(rep, st.duration_ns / 1000000);
			cells_latency(rep, &st.loop);
			cells_latency(rep, &st.inband);
			cwsim_cell_u64(rep, st.inband_missed);
			cwsim_cell_u64(rep, st.real_irqs * 1000000000ull / st.duration_ns);
			cwsim_cell_u64(rep, st.masked);
			cwsim_cell_u64(rep, st.masked_max_ns);
			cwsim_cell_u64(rep, st.reinstalls);
			cwsim_cell_u64(rep, st.calls_logged);
			cwsim_cell_u64(rep, st.calls_unlogged);
		}
	}
	if (begun) {
		cwsim_table_end(rep);
	}
}
