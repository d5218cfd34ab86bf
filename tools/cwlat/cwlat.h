/* SPDX-License-Identifier: MIT */
/*
 * cwlat, a cyclictest-like wakeup latency tool for clockwork's hrtimers,
 * as a function: tests run it in-process with an argument vector, capture
 * what it prints and read the summary it fills in. main.c is a wrapper.
 * docs/cwlat.md describes the tool, what it measures and how to read it.
 */
#ifndef CLOCKWORK_TOOLS_CWLAT_CWLAT_H
#define CLOCKWORK_TOOLS_CWLAT_CWLAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** Exit status: the run completed. */
#define CWLAT_EXIT_OK      0
/** Exit status: the run failed (message on @err). */
#define CWLAT_EXIT_FAILURE 1
/** Exit status: bad command-line arguments (message and usage on @err). */
#define CWLAT_EXIT_USAGE   2

/** Most series one run measures: clockwork, and with --compare nanosleep and timerfd. */
#define CWLAT_MAX_SERIES 3
/** Longest series name, including the NUL. */
#define CWLAT_NAME_MAX   16

/** Latency statistics of a set of samples, ns (all 0 when there are no samples). */
struct cwlat_stats {
	/** Samples taken (one per expiry measured). */
	uint64_t samples;
	/** Periods skipped because a wakeup came later than the next one was due. */
	uint64_t overruns;
	/** Smallest latency, ns. */
	int64_t min_ns;
	/** Mean latency, ns (rounded towards zero). */
	int64_t avg_ns;
	/** Median (nearest rank), ns. */
	int64_t p50_ns;
	/** 99th percentile (nearest rank), ns. */
	int64_t p99_ns;
	/** 99.9th percentile (nearest rank), ns. */
	int64_t p999_ns;
	/** Largest latency, ns. */
	int64_t max_ns;
};

/** What a run measured, all threads of each series together. */
struct cwlat_summary {
	/** Number of series measured (1, 3 with --compare, 2 with --oob). */
	unsigned nr_series;
	/** Series names: "clockwork", "nanosleep", "timerfd" (or "clockwork", "oob"). */
	char name[CWLAT_MAX_SERIES][CWLAT_NAME_MAX];
	/** Statistics of each series over all its threads. */
	struct cwlat_stats series[CWLAT_MAX_SERIES];
	/** Measurement threads per series. */
	unsigned threads;
	/** Interval, ns. */
	uint64_t interval_ns;
	/** Duration, ns. */
	uint64_t duration_ns;
	/** The run was on the simulator (virtual time). */
	bool sim;
	/** --sim: the modelled interrupt latency of the machine's timer lines, ns. */
	uint64_t irq_latency_ns;
	/** --priority was given and SCHED_FIFO was applied to every measurement thread. */
	bool priority_applied;
};

/**
 * Run cwlat.
 * @param argc     Argument count, argv[0] included.
 * @param argv     Arguments (not modified).
 * @param out      Receives the report and --help text.
 * @param err      Receives error messages, warnings and the usage after a bad argument.
 * @param summary  Receives what was measured when the run completes; may be NULL.
 * Context: thread context. The posix run starts a clockwork system and
 * host threads for the duration; a --sim run is single-threaded, reads no
 * host clock and prints the same bytes for the same arguments.
 * @return CWLAT_EXIT_OK, CWLAT_EXIT_FAILURE or CWLAT_EXIT_USAGE.
 */
int cwlat_run(int argc, char **argv, FILE *out, FILE *err, struct cwlat_summary *summary);

/** cwlat_run() without a summary: the command-line tool. */
int cwlat_main(int argc, char **argv, FILE *out, FILE *err);

#endif /* CLOCKWORK_TOOLS_CWLAT_CWLAT_H */
