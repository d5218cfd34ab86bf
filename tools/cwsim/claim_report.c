// SPDX-License-Identifier: MIT
/*
 * cwsim's report of claimed timer channels (include/clockwork/claim.h) and
 * of the workload's modelled NIC (docs/claim.md): one table each, after
 * the device table, in text and JSON (report.h).
 */
#include "claim_report.h"

#include "report.h"

#include <clockwork/claim.h>
#include <clockwork/sim.h>
#include <clockwork/system.h>

#include <stdio.h>

#define CLAIMS_MAX 32

static const char *modes_text(unsigned modes)
{
	if ((modes & CW_CLAIM_PERIODIC) && (modes & CW_CLAIM_ONESHOT)) {
		return "periodic+oneshot";
	}
	return (modes & CW_CLAIM_PERIODIC) ? "periodic" : "oneshot";
}

static void report_claim_table(struct cwsim_report *rep, struct cw_system *sys)
{
	static const struct cwsim_col cols[] = {
		{ "owner", "owner", -16, 0 },           { "device", "device", -10, 0 },
		{ "capability", "capability", -16, 0 }, { "cpu", "cpu", 4, 0 },
		{ "res (ns)", "resolution_ns", 10, 0 }, { "lat (ns)", "latency_ns", 10, 0 },
		{ "rate (Hz)", "rate_hz", 10, 0 },      { "callbacks", "callbacks", 10, 0 },
	};
	struct cw_claim_info info[CLAIMS_MAX];
	size_t n = cw_claim_list(sys, info, CLAIMS_MAX);

	if (!n) {
		return;
	}
	cwsim_table_begin(rep, "claims", cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n && i < CLAIMS_MAX; i++) {
		cwsim_cell_str(rep, info[i].owner);
		cwsim_cell_str(rep, info[i].device);
		cwsim_cell_str(rep, modes_text(info[i].modes));
		cwsim_cell_i64(rep, info[i].cpu);
		cwsim_cell_u64(rep, info[i].resolution_ns);
		cwsim_cell_u64(rep, info[i].latency_ns);
		cwsim_cell_u64(rep, info[i].rate_hz);
		cwsim_cell_u64(rep, info[i].fires);
	}
	cwsim_table_end(rep);
}

/* @part / @whole in parts per @scale, rounded. */
static uint64_t per(uint64_t part, uint64_t whole, uint64_t scale)
{
	return whole ? (part * scale + whole / 2) / whole : 0;
}

/* A cell of @v / 10^@decimals, printed with that many decimals. */
static void fixed_cell(struct cwsim_report *rep, uint64_t v, unsigned decimals)
{
	char buf[32];
	uint64_t div = decimals == 1 ? 10 : decimals == 2 ? 100 : 1000;

	snprintf(buf, sizeof(buf), "%llu.%0*llu", (unsigned long long)(v / div), (int)decimals,
		 (unsigned long long)(v % div));
	cwsim_cell_fixed_as(rep, buf, (int64_t)v, decimals);
}

static void report_nic(struct cwsim_report *rep, struct cw_sim_machine *m)
{
	static const struct cwsim_col cols[] = {
		{ "nic", "policy", -8, 0 },
		{ "channel", "channel", -10, 0 },
		{ "time (s)", "time_s", 9, 0 },
		{ "pkts/s", "packets_per_s", 10, 0 },
		{ "irqs/s", "interrupts_per_s", 10, 0 },
		{ "cpu %", "cpu_busy_pct", 7, 0 },
		{ "p50 (us)", "latency_p50_us", 10, 0 },
		{ "p99 (us)", "latency_p99_us", 10, 0 },
		{ "max (us)", "latency_max_us", 10, 0 },
		{ "drop %", "drops_pct", 7, 0 },
	};
	struct cw_sim_nic_stats st;

	if (cw_sim_machine_nic_stats(m, &st) != 0 || !st.elapsed_ns) {
		return;
	}
	cwsim_table_begin(rep, "nic", cols, sizeof(cols) / sizeof(cols[0]));
	cwsim_cell_str(rep, cw_sim_nic_policy_name(st.policy));
	cwsim_cell_str(rep, st.channel);
	fixed_cell(rep, st.elapsed_ns / 1000000u, 3);
	cwsim_cell_u64(rep, per(st.arrived, st.elapsed_ns, 1000000000u));
	cwsim_cell_u64(rep, per(st.interrupts, st.elapsed_ns, 1000000000u));
	fixed_cell(rep, per(st.busy_ns, st.elapsed_ns, 1000), 1);
	fixed_cell(rep, st.p50_ns, 3);
	fixed_cell(rep, st.p99_ns, 3);
	fixed_cell(rep, st.max_ns, 3);
	fixed_cell(rep, per(st.dropped, st.arrived, 10000), 2);
	cwsim_table_end(rep);
}

void cwsim_report_claims(struct cwsim_report *rep, struct cw_sim_machine *m)
{
	report_claim_table(rep, cw_sim_machine_system(m));
	report_nic(rep, m);
}
