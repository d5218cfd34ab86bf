/* SPDX-License-Identifier: MIT */
/*
 * cwsim --report DIR: an HTML page of the run with SVG plots drawn by
 * gnuplot (docs/simulator.md, "Reports"):
 *
 *   - wakeups per CPU over time (idle exits per second, in 100 bins of the
 *     run; a heat map above 16 CPUs);
 *   - C-state residency per CPU (share of the run in each idle state, and
 *     awake);
 *   - hrtimer lateness (MONOTONIC-based hrtimers: expiry run minus hard
 *     expiry, ns, log2 buckets) and wheel timer lateness (jiffies, log2
 *     buckets);
 *   - interrupt rate per device (each clock event device: its IRQ line, or
 *     its CPU's share of a line of per-CPU devices; other lines by number;
 *     and IPIs), per second, in the same bins.
 *
 * The page links the run's --json report and --trace timeline; without
 * those options both are written into DIR (cwsim.json, trace.json).
 * DIR also keeps each plot's data (*.dat) and the gnuplot script
 * (plots.gp), so a plot can be redrawn or restyled by hand.
 *
 * Sources: the simulated hardware's tracer (include/clockwork/sim_trace.h:
 * interrupt entries, IPIs, idle entry and exit) and the invariant checker's
 * observer (cw_check_set_observer(): hrtimer and wheel expiries). Both only
 * record what they are told; nothing is read from the core, so a run with
 * --report prints what the same run prints without it (plus one "report:"
 * line). gnuplot must be on PATH: cwsim checks before it simulates and fails
 * with a message if it is not.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_HTML_REPORT_H
#define CLOCKWORK_TOOLS_CWSIM_HTML_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cw_check_event;
struct cw_sim_machine;
struct cw_sim_trace_rec;
struct cwsim_html;

/** Longest path cwsim_html_prepare() builds. */
#define CWSIM_HTML_PATH_MAX 4096

/** --report and the files it defaults. */
struct cwsim_html_opts {
	/** --report DIR (NULL: no report). */
	const char *dir;
	/** DIR/cwsim.json and DIR/trace.json, when --json / --trace were not given. */
	char json_buf[CWSIM_HTML_PATH_MAX];
	char trace_buf[CWSIM_HTML_PATH_MAX];
};

/** What the page says about the run (filled by the caller at the end). */
struct cwsim_html_run {
	const char *machine;
	const char *workload;
	uint64_t seed;
	unsigned hz;
	/** Virtual time at the end of the run, ns. */
	uint64_t end_ns;
	/** Engine events run. */
	uint64_t events;
	/** The run was stopped by SIGINT. */
	bool interrupted;
	/** The files the page links (paths as given to cwsim). */
	const char *json_path;
	const char *trace_path;
};

/**
 * Before the run: find gnuplot on PATH, create DIR (one level) and point
 * *@p json_path and *@p trace_path into DIR when they are NULL.
 * Nothing to do when @p h->dir is NULL.
 * @return 0, or -1 with a message on @p err (gnuplot missing, DIR not a
 *         directory or not writable, path too long).
 */
int cwsim_html_prepare(struct cwsim_html_opts *h, const char **json_path, const char **trace_path,
		       FILE *err);

/**
 * Start collecting for machine @p m, whose run lasts @p duration_ns (the
 * time axis of the plots). @return the collector, or NULL (out of memory,
 * message on @p err).
 */
struct cwsim_html *cwsim_html_start(const struct cwsim_html_opts *h, struct cw_sim_machine *m,
				    uint64_t duration_ns, FILE *err);

/** A hardware event (include/clockwork/sim_trace.h). */
void cwsim_html_hw_event(struct cwsim_html *c, uint64_t now, const struct cw_sim_trace_rec *rec);

/** A timer event from the checker (cw_check_set_observer()). */
void cwsim_html_check_event(struct cwsim_html *c, const struct cw_check_event *ev);

/**
 * Close idle periods still open at @p run->end_ns, write the data files,
 * the gnuplot script and index.html into DIR, run gnuplot, print
 * "report: DIR/index.html ..." on @p out, free the collector.
 * @return 0, or -1 with a message on @p err (a write error, gnuplot failed:
 *         its messages are in DIR/gnuplot.log).
 */
int cwsim_html_finish(struct cwsim_html *c, const struct cwsim_html_run *run, FILE *out, FILE *err);

/** Whether gnuplot is on PATH (other plots of cwsim use the same helpers). */
bool cwsim_gnuplot_found(void);

/**
 * Run `gnuplot @p script` in directory @p dir, its output to
 * @p dir/gnuplot.log, and wait for it.
 * @return 0, or -1 with a message on @p err (gnuplot could not start or failed).
 */
int cwsim_gnuplot_run(const char *dir, const char *script, FILE *err);

/** Free the collector without writing anything (a run that failed). NULL is fine. */
void cwsim_html_free(struct cwsim_html *c);

#endif /* CLOCKWORK_TOOLS_CWSIM_HTML_REPORT_H */
