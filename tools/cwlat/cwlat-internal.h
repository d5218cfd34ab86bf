/* SPDX-License-Identifier: MIT */
/*
 * What the parts of cwlat share: the parsed options, the per-thread sample
 * buffers and the two measurement back ends (cwlat_posix.c on this
 * machine's clocks, cwlat_sim.c on the simulator). cwlat_run.c parses the
 * command line, allocates the buffers, calls one back end and reports.
 */
#ifndef CLOCKWORK_TOOLS_CWLAT_CWLAT_INTERNAL_H
#define CLOCKWORK_TOOLS_CWLAT_CWLAT_INTERNAL_H

#include "cwlat.h"

#include <clockwork/types.h>

#include <stddef.h>

/** Series indices. */
enum cwlat_series_id {
	/** Periodic clockwork hrtimers, measured in their hard callback. */
	CWLAT_SERIES_CLOCKWORK = 0,
	/** Raw clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) loops (--compare). */
	CWLAT_SERIES_NANOSLEEP = 1,
	/** Raw absolute CLOCK_MONOTONIC timerfd loops (--compare). */
	CWLAT_SERIES_TIMERFD = 2,
	/** Out-of-band timers under the proxy tick device (--oob; instead of the raw loops). */
	CWLAT_SERIES_OOB = 1,
};

struct cw_system;

/** Parsed command line. */
struct cwlat_opts {
	/** --threads: measurement threads per series. */
	unsigned threads;
	/** --interval, ns. */
	uint64_t interval_ns;
	/** --duration, ns. */
	uint64_t duration_ns;
	/** --priority: SCHED_FIFO priority, 0 for none. */
	int priority;
	/** --affinity: pin thread i of every series to the i-th allowed host core. */
	bool affinity;
	/** --compare: also run the raw nanosleep and timerfd series. */
	bool compare;
	/** --oob: also run out-of-band timers under the proxy tick device (posix). */
	bool oob;
	/** --masked TIME: in-band masked sections of this length on each CPU, 0: none. */
	uint64_t masked_ns;
	/** --histogram FILE, or NULL. */
	const char *histogram_path;
	/** --no-text-histogram. */
	bool no_text_histogram;
	/** --hz (0: the library default). */
	unsigned hz;
	/** --clocksource NAME (posix), or NULL: clockwork's choice. */
	const char *clocksource;
	/** --sim: run on the simulator. */
	bool sim;
	/** --machine FILE (sim), or NULL: the built-in default-soc. */
	const char *machine_path;
	/** --irq-latency was given (sim). */
	bool irq_latency_set;
	/** --irq-latency, ns (sim): replaces the machine's [irq] latency. */
	uint64_t irq_latency_ns;
	/** --seed (sim). */
	uint64_t seed;
};

/** The samples of one measurement thread. Written only by that thread (or callback). */
struct cwlat_thread {
	/** Latencies, ns, in the order taken. */
	int64_t *samples;
	/** Samples taken. */
	size_t n;
	/** Room in @p samples. */
	size_t cap;
	/** Periods skipped after late wakeups. */
	uint64_t overruns;
	/** Offset of this thread's first expiry from the common start, ns. */
	uint64_t phase_ns;
};

/** One series: its threads. */
struct cwlat_series {
	/** "clockwork", "nanosleep" or "timerfd". */
	const char *name;
	/** opts->threads entries. */
	struct cwlat_thread *thread;
};

/** What a back end reports about the run besides the samples (for the header). */
struct cwlat_env {
	/** Clocksource clockwork ran on when the timers started. */
	char clocksource[32];
	/** Clocksource at the end (differs after the watchdog replaced one). */
	char clocksource_end[32];
	/** SCHED_FIFO was applied to every measurement thread (--priority). */
	bool priority_applied;
	/** Timer slack of the raw threads, ns (posix; -1 unknown). */
	long raw_timer_slack_ns;
	/** --sim: machine name. */
	char machine[64];
	/** --sim: interrupt latency of the timer lines, ns. */
	uint64_t irq_latency_ns;
	/** Host cores available (posix). */
	unsigned host_cores;
	/** Every measured CPU was in high-resolution mode when the timers started. */
	bool hres;
	/** Time waited for the switch to high-resolution mode, ns (virtual on the simulator). */
	uint64_t hres_wait_ns;
};

/** Longest wait for the CPUs to switch to high-resolution mode, ns. */
#define CWLAT_HRES_WAIT_MAX_NS  (5 * (uint64_t)CW_NSEC_PER_SEC)
/** Step of that wait, ns. */
#define CWLAT_HRES_WAIT_STEP_NS (10 * (uint64_t)CW_NSEC_PER_MSEC)

/** Whether CPUs 0..@p nr_cpus-1 of @p sys are all in high-resolution mode. */
bool cwlat_all_hres(struct cw_system *sys, unsigned nr_cpus);

/** Record one latency (drops it when the buffer is full, which sizing prevents). */
static inline void cwlat_record(struct cwlat_thread *t, int64_t latency_ns)
{
	if (t->n < t->cap) {
		t->samples[t->n++] = latency_ns;
	}
}

/**
 * Periods skipped when a wakeup for @p expiry_ns happens at @p now_ns:
 * returns the number of whole periods to add so the next expiry is after
 * now (at least 1), the same count cw_hrtimer_forward() returns.
 */
static inline uint64_t cwlat_periods_to_next(int64_t expiry_ns, int64_t now_ns,
					     uint64_t interval_ns)
{
	if (now_ns < expiry_ns) {
		return 1;
	}
	return (uint64_t)(now_ns - expiry_ns) / interval_ns + 1;
}

/**
 * Measure on this machine's clocks: @p nr_series series of opts->threads
 * threads each, series 0 clockwork's hrtimers, 1 and 2 the raw loops.
 * Warnings go to @p err. @return CWLAT_EXIT_OK or CWLAT_EXIT_FAILURE.
 */
int cwlat_posix_measure(const struct cwlat_opts *o, struct cwlat_series *series, unsigned nr_series,
			struct cwlat_env *env, FILE *err);

/**
 * Measure clockwork's hrtimers on the simulator (one series).
 * @return CWLAT_EXIT_OK, CWLAT_EXIT_FAILURE, or CWLAT_EXIT_USAGE when
 *         opts->threads exceeds the machine's CPUs.
 */
int cwlat_sim_measure(const struct cwlat_opts *o, struct cwlat_series *series,
		      struct cwlat_env *env, FILE *err);

#endif /* CLOCKWORK_TOOLS_CWLAT_CWLAT_INTERNAL_H */
