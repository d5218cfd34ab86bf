/* SPDX-License-Identifier: MIT */
/* cwsim's timer-migration report (tmigr_report.c), on request (--tmigr-tree). */
#ifndef CLOCKWORK_TOOLS_CWSIM_TMIGR_REPORT_H
#define CLOCKWORK_TOOLS_CWSIM_TMIGR_REPORT_H

#include <stdbool.h>

struct cw_system;
struct cwsim_report;

/**
 * With @p wanted: write the hierarchy's shape and counters (table "tmigr":
 * levels, children per group, cross-node level, groups, nodes, isolated
 * CPUs, trees, deactivations, activations, remote runs, last-idle duties,
 * hook updates, kicks) and, in the text, the tree with each group's
 * migrator, active bits and first event (cw_tmigr_format_tree()). Writes
 * nothing without @p wanted, or when timer migration is off (a line says so).
 */
void cwsim_report_tmigr(struct cwsim_report *rep, struct cw_system *sys, bool wanted);

#endif /* CLOCKWORK_TOOLS_CWSIM_TMIGR_REPORT_H */
