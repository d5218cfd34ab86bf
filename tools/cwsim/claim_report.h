/* SPDX-License-Identifier: MIT */
/* cwsim's claims table and the modelled NIC's results (claim_report.c). */
#ifndef CLOCKWORK_TOOLS_CWSIM_CLAIM_REPORT_H
#define CLOCKWORK_TOOLS_CWSIM_CLAIM_REPORT_H

struct cw_sim_machine;
struct cwsim_report;

/**
 * Write the system's claimed timer channels (table "claims": owner, device,
 * capability, CPU, resolution, latency, achieved rate, callbacks) and, when
 * the workload has a [nic] section, what the NIC measured (table "nic").
 * Writes nothing when there is neither, so runs without claims print what
 * they always printed.
 */
void cwsim_report_claims(struct cwsim_report *rep, struct cw_sim_machine *m);

#endif /* CLOCKWORK_TOOLS_CWSIM_CLAIM_REPORT_H */
