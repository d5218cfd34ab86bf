/* SPDX-License-Identifier: MIT */
/*
 * cwsim --tmigr-policies: the timer-migration wakeup study on the machine
 * model (docs/timer-migration.md, "The wakeup study in cwsim").
 *
 * Instead of one run, cwsim builds and runs the machine once per policy,
 * with the same seed, duration and workload (an [idle-server] section:
 * include/clockwork/sim_idle_server.h), and writes one row per policy:
 *
 *   - pull:     timer migration on (this hierarchy);
 *   - push:     migration off; the workload places each timeout at enqueue
 *               by the pre-6.9 busy-CPU heuristic (placement = push);
 *   - pinned:   migration off; every timer stays where it was armed;
 *   - periodic: no NO_HZ (--nohz off): every CPU takes every tick.
 *
 * Wakeups of idle CPUs come from the hardware tracer (an idle exit is a
 * wakeup); the cause of each is what the CPU did before it went idle
 * again, read from the idle-server's counters: a burst starting on it, a
 * packet, a connection timeout of its own base (global), one of another
 * CPU's base (pulled global), its pinned housekeeping timer (local), an
 * IPI, else a tick or a timer interrupt with nothing due (tick/other).
 * Tables: "tmigr_policies" (one row per policy), "tmigr_policy_classes"
 * (per capacity class, when the machine has classes); with --tmigr-plot
 * DIR also DIR/tmigr-wakeups.{dat,gp,svg}: idle wakeups per CPU per second
 * over time per policy, drawn by gnuplot (log scale), and
 * DIR/tmigr-wakeups-nohz.svg: the NO_HZ policies alone, linear scale.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_TMIGR_POLICIES_H
#define CLOCKWORK_TOOLS_CWSIM_TMIGR_POLICIES_H

#include "progress.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cw_sim_machine_desc;
struct cw_sim_workload_desc;
struct cwsim_report;

/** The policies, a bit each in cwsim_tmigr_policies_opts.mask. */
enum cwsim_tmigr_policy {
	CWSIM_TMIGR_PULL = 0,
	CWSIM_TMIGR_PUSH,
	CWSIM_TMIGR_PINNED,
	CWSIM_TMIGR_PERIODIC,
	CWSIM_TMIGR_NR_POLICIES,
};

/** What the study runs with. */
struct cwsim_tmigr_policies_opts {
	/** Policies to run, a bit per enum cwsim_tmigr_policy (0: none asked). */
	unsigned mask;
	uint64_t seed;
	uint64_t duration_ns;
	/** --hz (0: the library default). */
	unsigned hz;
	/** --check off. */
	bool check_off;
	/** --tmigr-per-class and --tmigr-one-duty-holder for the pull policy. */
	bool per_class;
	bool one_holder;
	enum cwsim_progress_mode progress;
	/** --tmigr-plot DIR (NULL: no plot). */
	const char *plot_dir;
	/** Names for the text. */
	const char *machine_name;
};

/**
 * Parse "all" or a comma-separated list of pull, push, pinned, periodic
 * into a mask. @return 0, or -1 (not such a list).
 */
int cwsim_tmigr_policies_parse(const char *text, unsigned *mask);

/**
 * Run the study and write its tables to @p rep.
 * @return CWSIM_EXIT_OK, or CWSIM_EXIT_FAILURE with a message on @p err
 *         (no [idle-server] section, a machine that cannot be built, a
 *         checker violation in a run, gnuplot failed).
 */
int cwsim_tmigr_policies(struct cwsim_report *rep, const struct cw_sim_machine_desc *desc,
			 struct cw_sim_workload_desc *w, const struct cwsim_tmigr_policies_opts *o,
			 FILE *err);

#endif /* CLOCKWORK_TOOLS_CWSIM_TMIGR_POLICIES_H */
