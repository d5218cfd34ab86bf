/* SPDX-License-Identifier: MIT */
/*
 * Shared harness of the clockwork benchmarks: a monotonic stopwatch, the
 * quick mode switch (CW_BENCH_QUICK=1, for callgrind and smoke runs), the
 * median of repetitions, and the JSON-lines results file that every suite
 * appends to (CW_BENCH_RESULTS, default build/bench/results.jsonl).
 */
#ifndef CLOCKWORK_BENCH_BENCH_H
#define CLOCKWORK_BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

/** One measured case, as written to the results file. */
struct bench_result {
	/** Suite name, "clocks". */
	const char *suite;
	/** What was measured, "monotonic". */
	const char *case_name;
	/** Who was measured, "clockwork-tsc". */
	const char *impl;
	/** Operations per repetition. */
	uint64_t n;
	/** Median ns per operation over the repetitions. */
	double ns_per_op;
};

/** Host CLOCK_MONOTONIC in ns (the stopwatch every suite uses). */
uint64_t bench_now_ns(void);

/** True when CW_BENCH_QUICK is set to a non-empty value other than "0". */
bool bench_quick(void);

/** Median of @p n values (sorts @p v in place); 0 when @p n is 0. */
double bench_median(double *v, unsigned n);

/** Path of the results file: $CW_BENCH_RESULTS or build/bench/results.jsonl. */
const char *bench_results_path(void);

/**
 * Append one JSON line for @p r to the results file, creating its parent
 * directories. @return 0, or -1 with a message on stderr.
 */
int bench_append_result(const struct bench_result *r);

#endif /* CLOCKWORK_BENCH_BENCH_H */
