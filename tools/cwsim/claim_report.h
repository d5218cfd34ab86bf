/* SPDX-License-Identifier: MIT */
/* cwsim's claims table and the modelled NIC's results (claim_report.c). */
#ifndef CLOCKWORK_TOOLS_CWSIM_CLAIM_REPORT_H
#define CLOCKWORK_TOOLS_CWSIM_CLAIM_REPORT_H

#include <stdio.h>

struct cw_sim_machine;

/**
 * Print the system's claimed timer channels (owner, device, modes, CPU,
 * resolution, latency, achieved rate, callbacks) and, when the workload has
 * a [nic] section, what the NIC measured. Prints nothing when there is
 * neither, so runs without claims print what they always printed.
 */
void cwsim_report_claims(FILE *out, struct cw_sim_machine *m);

#endif /* CLOCKWORK_TOOLS_CWSIM_CLAIM_REPORT_H */
