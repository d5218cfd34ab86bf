// SPDX-License-Identifier: MIT
/*
 * cwsim's report of claimed timer channels (include/clockwork/claim.h) and
 * of the workload's modelled NIC (docs/claim.md): one table each, after
 * the device table.
 */
#include "claim_report.h"

#include <clockwork/claim.h>
#include <clockwork/sim.h>
#include <clockwork/system.h>

#define CLAIMS_MAX 32

static const char *modes_text(unsigned modes)
{
	if ((modes & CW_CLAIM_PERIODIC) && (modes & CW_CLAIM_ONESHOT)) {
		return "periodic+oneshot";
	}
	return (modes & CW_CLAIM_PERIODIC) ? "periodic" : "oneshot";
}

static void report_claim_table(FILE *out, struct cw_system *sys)
{
	struct cw_claim_info info[CLAIMS_MAX];
	size_t n = cw_claim_list(sys, info, CLAIMS_MAX);

	if (!n) {
		return;
	}
	fprintf(out, "\nclaims:\n");
	fprintf(out, "  %-16s %-10s %-16s %4s %10s %10s %10s %10s\n", "owner", "device",
		"capability", "cpu", "res (ns)", "lat (ns)", "rate (Hz)", "callbacks");
	for (size_t i = 0; i < n && i < CLAIMS_MAX; i++) {
		fprintf(out, "  %-16s %-10s %-16s %4d %10llu %10llu %10llu %10llu\n", info[i].owner,
			info[i].device, modes_text(info[i].modes), info[i].cpu,
			(unsigned long long)info[i].resolution_ns,
			(unsigned long long)info[i].latency_ns, (unsigned long long)info[i].rate_hz,
			(unsigned long long)info[i].fires);
	}
	if (n > CLAIMS_MAX) {
		fprintf(out, "  ... %zu more\n", n - CLAIMS_MAX);
	}
}

/* @part / @whole in parts per @scale, rounded. */
static unsigned long long per(uint64_t part, uint64_t whole, uint64_t scale)
{
	return whole ? (unsigned long long)((part * scale + whole / 2) / whole) : 0;
}

static void report_nic(FILE *out, struct cw_sim_machine *m)
{
	struct cw_sim_nic_stats st;
	uint64_t s_ms;

	if (cw_sim_machine_nic_stats(m, &st) != 0 || !st.elapsed_ns) {
		return;
	}
	s_ms = st.elapsed_ns / 1000000u;
	fprintf(out, "\nnic: policy %s on %s, %llu.%03llu s\n", cw_sim_nic_policy_name(st.policy),
		st.channel, (unsigned long long)(s_ms / 1000), (unsigned long long)(s_ms % 1000));
	fprintf(out, "  %10s %10s %8s %10s %10s %10s %8s\n", "pkts/s", "irqs/s", "cpu %",
		"p50 (us)", "p99 (us)", "max (us)", "drop %");
	fprintf(out,
		"  %10llu %10llu %5llu.%llu %6llu.%03llu %6llu.%03llu %6llu.%03llu %5llu.%02llu\n",
		per(st.arrived, st.elapsed_ns, 1000000000u),
		per(st.interrupts, st.elapsed_ns, 1000000000u),
		per(st.busy_ns, st.elapsed_ns, 1000) / 10,
		per(st.busy_ns, st.elapsed_ns, 1000) % 10, (unsigned long long)(st.p50_ns / 1000),
		(unsigned long long)(st.p50_ns % 1000), (unsigned long long)(st.p99_ns / 1000),
		(unsigned long long)(st.p99_ns % 1000), (unsigned long long)(st.max_ns / 1000),
		(unsigned long long)(st.max_ns % 1000), per(st.dropped, st.arrived, 10000) / 100,
		per(st.dropped, st.arrived, 10000) % 100);
}

void cwsim_report_claims(FILE *out, struct cw_sim_machine *m)
{
	report_claim_table(out, cw_sim_machine_system(m));
	report_nic(out, m);
}
