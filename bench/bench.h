/* SPDX-License-Identifier: MIT */
/*
 * Shared harness of the clockwork benchmarks: a monotonic stopwatch, the
 * run modes (CW_BENCH_QUICK=1 for callgrind and smoke runs, CW_BENCH_TINY=1
 * for the schema test), the median of repetitions, the machine's load and
 * peak RSS, and the one writer of the JSON-lines results file that every
 * suite appends to (CW_BENCH_RESULTS, default build/bench/results.jsonl).
 *
 * Every line describes its case completely (docs/benchmarks.md, "Results
 * file"): what was measured and by whom, the case's parameters (pending
 * timers, operations per repetition, repetitions), the result (median,
 * minimum and maximum ns per operation), its memory (peak RSS, bytes per
 * timer), the build (commit, compiler, flags) and the machine's load at
 * the start and at the end of the case. Units are in the key names; a key
 * that does not apply to a case is present with the value null. Suites
 * fill a struct bench_row and call bench_row_write(): no suite prints
 * JSON itself.
 */
#ifndef CLOCKWORK_BENCH_BENCH_H
#define CLOCKWORK_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The machine's load averages (/proc/loadavg), or !ok if unreadable. */
struct bench_load {
	double avg_1min;
	double avg_5min;
	double avg_15min;
	bool ok;
};

/** One measured case, as written to the results file. */
struct bench_row {
	/** Suite name, "wheel". */
	const char *suite;
	/** What was measured, "W1". */
	const char *case_name;
	/** Who was measured, "clockwork". */
	const char *impl;
	/** How the implementation's time advances: "host", "sim-virtual", "none". */
	const char *clock;
	/**
	 * What timed the operations: "monotonic-raw" (wall time, bench_now_ns())
	 * or "thread-cputime" (bench_stopwatch_ns() with CW_BENCH_STOPWATCH=thread);
	 * NULL means "monotonic-raw".
	 */
	const char *stopwatch;
	/** Timers pending during the measured operations; -1: not a timer case (null). */
	int64_t pending_timers;
	/** Operations timed in one repetition (the last one's, if the budget cut it). */
	uint64_t ops_per_rep;
	/** Repetitions the median is over. */
	unsigned reps;
	/** Median, minimum and maximum ns per operation over the repetitions. */
	double ns_per_op;
	double ns_per_op_min;
	double ns_per_op_max;
	/** Peak resident set of the process that ran the case, KiB; -1: unknown (null). */
	long peak_rss_kib;
	/** Bytes of memory one timer costs the implementation; 0: not a timer case (null). */
	size_t bytes_per_timer;
	/** Load when the case started (bench_load_read()); the writer reads the end. */
	struct bench_load load_start;
};

/** Host CLOCK_MONOTONIC_RAW in ns (wall time: the default stopwatch). */
uint64_t bench_now_ns(void);

/**
 * The stopwatch of the single-threaded timed loops (bench_wheel's W1-W3,
 * bench_hrtimer): bench_now_ns(), or with CW_BENCH_STOPWATCH=thread the
 * calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which leaves out the
 * time the thread waited for a CPU on a shared machine (cache lines other
 * processes evicted still count). Rows timed with it name it in their
 * "stopwatch" key (bench_stopwatch_name()).
 */
uint64_t bench_stopwatch_ns(void);

/** "monotonic-raw" or "thread-cputime": what bench_stopwatch_ns() reads. */
const char *bench_stopwatch_name(void);

/**
 * True when CW_BENCH_QUICK is set to a non-empty value other than "0", or
 * in tiny mode (bench_tiny(), a smaller quick mode).
 */
bool bench_quick(void);

/**
 * True when CW_BENCH_TINY is set (not "0"): every suite runs its smallest
 * size with a few thousand operations and one repetition, only to produce
 * every row quickly (the schema test, `ctest -R bench.schema`); the numbers
 * mean nothing.
 */
bool bench_tiny(void);

/** Median of @p n values (sorts @p v in place); 0 when @p n is 0. */
double bench_median(double *v, unsigned n);

/** Fill @p row's median, min and max from @p n samples (sorts @p v). */
void bench_row_stats(struct bench_row *row, double *v, unsigned n);

/** Path of the results file: $CW_BENCH_RESULTS or build/bench/results.jsonl. */
const char *bench_results_path(void);

/** Read /proc/loadavg into @p l (l->ok false if it cannot be read). */
void bench_load_read(struct bench_load *l);

/**
 * Reset the process's peak RSS to its current RSS (Linux: "5" into
 * /proc/self/clear_refs). @return 0, or -1 if unsupported.
 */
int bench_rss_reset(void);

/** Peak RSS of this process in KiB (VmHWM), or -1. */
long bench_rss_peak_kib(void);

/**
 * Append one JSON line for @p row to the results file (creating its parent
 * directories), with the build description and the load at this moment as
 * the case's end. @return 0, or -1 with a message on stderr.
 */
int bench_row_write(const struct bench_row *row);

#endif /* CLOCKWORK_BENCH_BENCH_H */
