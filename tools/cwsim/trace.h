/* SPDX-License-Identifier: MIT */
/*
 * cwsim --trace: a timeline of the run in the Chrome/Perfetto trace-event
 * JSON format (docs/simulator.md, "Traces"), one track per CPU plus a
 * "system" track, events named after Linux's tracepoints.
 *
 * Sources, none of them a new hook in the core: the simulated hardware's
 * tracer (include/clockwork/sim_trace.h: interrupts, IPIs, idle states,
 * clock event programming), the invariant checker's observer
 * (cw_check_set_observer(): hrtimer and wheel start, cancel, expiry), the
 * tick statistics read at each interrupt exit and idle entry (ticks,
 * tick_stop) and the log (clocksource switches).
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_TRACE_H
#define CLOCKWORK_TOOLS_CWSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cw_check_event;
struct cw_sim;
struct cw_sim_machine;
struct cw_sim_trace_rec;
struct cwsim_symbols;
struct cwsim_trace;

/** Event classes (--trace-events). */
enum {
	CWSIM_TRACE_IRQ = 1u << 0,
	CWSIM_TRACE_IPI = 1u << 1,
	CWSIM_TRACE_IDLE = 1u << 2,
	CWSIM_TRACE_TICK = 1u << 3,
	CWSIM_TRACE_CLOCKEVENT = 1u << 4,
	CWSIM_TRACE_HRTIMER = 1u << 5,
	CWSIM_TRACE_TIMER = 1u << 6,
	CWSIM_TRACE_CLOCKSOURCE = 1u << 7,
	CWSIM_TRACE_TMIGR = 1u << 8,
	CWSIM_TRACE_ALL = (1u << 9) - 1,
};

/** What to trace. */
struct cwsim_trace_opts {
	/** Output file. */
	const char *path;
	/** CWSIM_TRACE_* classes. */
	unsigned classes;
	/** Window [from_ns, to_ns] of virtual time: events outside are not written; spans are
	 * clipped. */
	uint64_t from_ns;
	uint64_t to_ns;
};

/**
 * Parse a --trace-events list ("irq,idle,hrtimer" or "all") into @p classes.
 * @return true, or false for an unknown name (its text in @p bad, 32 bytes).
 */
bool cwsim_trace_parse_classes(const char *list, unsigned *classes, char *bad);

/** The class names, comma-separated, for messages. */
const char *cwsim_trace_class_names(void);

/**
 * Create the trace file for machine @p m (before it boots). The caller
 * feeds it the hardware's and the checker's events (cwsim_trace_hw_event(),
 * cwsim_trace_check_event()) and unhooks them before cwsim_trace_finish().
 * @param syms  Callback names (NULL: numbers).
 * @return the tracer, or NULL with a message on @p err.
 */
struct cwsim_trace *cwsim_trace_start(const struct cwsim_trace_opts *o, struct cw_sim *sim,
				      struct cw_sim_machine *m, const char *machine_name,
				      const struct cwsim_symbols *syms, FILE *err);

/** A hardware event (include/clockwork/sim_trace.h). */
void cwsim_trace_hw_event(struct cwsim_trace *t, uint64_t now, const struct cw_sim_trace_rec *rec);

/** A timer event from the checker (cw_check_set_observer()). */
void cwsim_trace_check_event(struct cwsim_trace *t, const struct cw_check_event *ev);

/** A log line (the tool's sink sees every line): clocksource switches. */
void cwsim_trace_log(struct cwsim_trace *t, const char *line);

/**
 * Close the spans still open (CPUs idle at the end), end the document,
 * close the file and free the tracer. Call it after the report: for a CPU
 * idle at the end it reads the tick statistics, which read the clock (and
 * draw its jitter). @return 0, or -1 on a write error (message on @p err).
 */
int cwsim_trace_finish(struct cwsim_trace *t, FILE *err);

/** Events written so far. */
uint64_t cwsim_trace_events(const struct cwsim_trace *t);

#endif /* CLOCKWORK_TOOLS_CWSIM_TRACE_H */
