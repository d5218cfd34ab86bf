/* SPDX-License-Identifier: MIT */
/*
 * cwsim's long runs: the simulation loop with a progress line and SIGINT.
 *
 * The loop runs the engine in slices of CWSIM_SLICE_NS of virtual time
 * (cw_sim_run_until() to each slice's end: the same events run in the same
 * order as one call to the end, so the output does not change). Between
 * slices it
 *
 *   - stops if SIGINT arrived (the run ends at that instant, at most one
 *     slice after the signal; every report is still written);
 *   - on a terminal, once the run has taken more than a second of wall
 *     time, redraws at most 10 times a second on stderr a line such as
 *     "cwsim: 3.250 s of 10 s simulated (32.5%), 4.10 sim s per wall s,
 *     ETA 1.6 s", and erases it at the end.
 *
 * Only the progress line reads the host clock, and nothing simulated
 * depends on it.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_PROGRESS_H
#define CLOCKWORK_TOOLS_CWSIM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cw_sim;

/** Virtual time between two looks at SIGINT and the wall clock (1 ms). */
#define CWSIM_SLICE_NS 1000000u

/** When the progress line is drawn. */
enum cwsim_progress_mode {
	/** When @err is a terminal (isatty()). */
	CWSIM_PROGRESS_AUTO = 0,
	/** Always (tests; a log file). */
	CWSIM_PROGRESS_ON,
	/** Never. */
	CWSIM_PROGRESS_OFF,
};

/** Instants at which the loop stops to call @fn (--dump-timers-at), ascending. */
struct cwsim_stops {
	const uint64_t *at_ns;
	unsigned nr;
	void (*fn)(void *arg, uint64_t at_ns);
	void *arg;
};

/**
 * Run @p sim to @p end_ns, or until SIGINT. Installs a SIGINT handler for
 * the loop and restores the previous one after it. A slice ends at each
 * of @p stops (the events due then have run) and @p stops->fn is called.
 * @param err    Where the progress line goes.
 * @param stops  Stops, or NULL.
 * @return true if SIGINT stopped the run before @p end_ns.
 */
bool cwsim_simulate(struct cw_sim *sim, uint64_t end_ns, enum cwsim_progress_mode mode, FILE *err,
		    const struct cwsim_stops *stops);

#endif /* CLOCKWORK_TOOLS_CWSIM_PROGRESS_H */
