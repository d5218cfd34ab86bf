/* SPDX-License-Identifier: MIT */
/* cwsim's table of a [proxy] workload (cwsim_proxy.c). */
#ifndef CLOCKWORK_TOOLS_CWSIM_CWSIM_PROXY_H
#define CLOCKWORK_TOOLS_CWSIM_CWSIM_PROXY_H

struct cw_sim_machine;
struct cwsim_report;

/**
 * Write the proxy table of @p m's [proxy] workload (text and JSON key
 * "proxy"): per CPU and phase (before / with / after the proxy), the
 * control loop's and the in-band probe's latency (min, p50, p99, max), the
 * in-band ticks missed, the real device's interrupts per second and the
 * masked sections. Nothing when the workload has no [proxy] section.
 */
void cwsim_report_proxy(struct cwsim_report *rep, const struct cw_sim_machine *m, unsigned nr_cpus);

#endif /* CLOCKWORK_TOOLS_CWSIM_CWSIM_PROXY_H */
