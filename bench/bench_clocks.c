/* SPDX-License-Identifier: MIT */
/*
 * bench_clocks: the cost of reading the time. Clockwork's MONOTONIC reader
 * (cw_ktime_get) on each posix clocksource (the TSC, then the
 * clock_gettime ones, chosen by cw_clocksource_override), its coarse reader,
 * and the C library's clock_gettime(CLOCK_MONOTONIC) and
 * clock_gettime(CLOCK_MONOTONIC_COARSE), all in one process and one run.
 * Extra rows show the raw counter reads (rdtsc, lfence;rdtsc, rdtscp) and the
 * TSC clocksource with its ordered read (CW_POSIX_TSC_ORDERED), which
 * explain where the time goes.
 *
 * Method: every case runs a loop of N calls whose results are summed into a
 * sink (so no call can be dropped), REPS times; the repetitions of all cases
 * are interleaved so a noisy moment hurts every case alike, and the median
 * is reported. The housekeeping thread runs as in real use, so readers see
 * the timekeeper's cache line change 1000 times a second.
 *
 * The TSC clocksource must be validated by the clocksource watchdog (a
 * core timer, every 500 ms) before clockwork lets a system in oneshot mode
 * switch to it. The suite waits for that, up to TSC_WAIT_MAX_NS, and fails
 * (exit status 1, "FAILED" rows) if the switch is still refused then or
 * any case cannot select its clocksource: no row is skipped silently. On a
 * machine without a usable TSC the TSC rows print "no TSC" and are not
 * written (they do not exist there).
 *
 * Environment: CW_BENCH_QUICK=1 runs 3 repetitions of 100k calls (for
 * callgrind), CW_BENCH_TINY=1 one of 10k; CW_BENCH_RESULTS names the
 * JSON-lines file.
 * Targets (docs/benchmarks.md): clockwork-tsc <= 0.8x libc-monotonic,
 * clockwork-coarse <= 1.2x libc-monotonic-coarse.
 */
#include <clockwork/clocksource.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>

#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define SUITE            "clocks"
#define REPS_FULL        7
#define REPS_QUICK       3
#define CALLS_FULL       10000000ull
#define CALLS_QUICK      100000ull
#define CALLS_TINY       10000ull
/* The watchdog validates the TSC within two of its 500 ms intervals. */
#define TSC_WAIT_MAX_NS  5000000000ull
#define TSC_WAIT_STEP_US 20000u
#define MAX_REPS         REPS_FULL
#define TARGET_TSC       0.8
#define TARGET_COARSE    1.2

struct clocks_bench {
	/** System with the default (plain rdtsc) TSC clocksource. */
	struct cw_system *sys;
	/** System whose TSC clocksource uses lfence;rdtsc, or NULL. */
	struct cw_system *sys_ordered;
	bool have_tsc;
};

typedef uint64_t (*clocks_loop_fn)(struct clocks_bench *b, uint64_t n);

struct clocks_case {
	const char *case_name;
	const char *impl;
	/** Clocksource to override to before each repetition, or NULL. */
	const char *source;
	clocks_loop_fn loop;
	/** impl of the row this one is compared with, or NULL. */
	const char *baseline;
	/** Largest allowed ratio to the baseline; 0 = informational. */
	double target;
	/** Needs the TSC (skipped without one). */
	bool needs_tsc;
	double samples[MAX_REPS];
	double median, min, max;
	struct bench_load load_start;
	/** Not run: this machine has no TSC. */
	bool skipped;
	/** Could not select its clocksource: reported as FAILED. */
	bool failed;
};

/* Every loop's result lands here, so the calls have an observable effect. */
static volatile uint64_t bench_sink;

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static uint64_t loop_cw_mono(struct clocks_bench *b, uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++) {
		s += (uint64_t)cw_ktime_get(b->sys);
	}
	return s;
}

static uint64_t loop_cw_mono_ordered(struct clocks_bench *b, uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++) {
		s += (uint64_t)cw_ktime_get(b->sys_ordered);
	}
	return s;
}

static uint64_t loop_cw_coarse(struct clocks_bench *b, uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++) {
		s += (uint64_t)cw_ktime_get_coarse(b->sys);
	}
	return s;
}

static uint64_t loop_libc(clockid_t id, uint64_t n)
{
	struct timespec ts;
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++) {
		clock_gettime(id, &ts);
		s += ts_ns(&ts);
	}
	return s;
}

static uint64_t loop_libc_mono(struct clocks_bench *b, uint64_t n)
{
	(void)b;
	return loop_libc(CLOCK_MONOTONIC, n);
}

static uint64_t loop_libc_coarse(struct clocks_bench *b, uint64_t n)
{
	(void)b;
	return loop_libc(CLOCK_MONOTONIC_COARSE, n);
}

#if defined(__x86_64__)
static uint64_t loop_rdtsc(struct clocks_bench *b, uint64_t n)
{
	uint64_t s = 0;

	(void)b;
	for (uint64_t i = 0; i < n; i++) {
		s += __rdtsc();
	}
	return s;
}

static uint64_t loop_lfence_rdtsc(struct clocks_bench *b, uint64_t n)
{
	uint64_t s = 0;

	(void)b;
	for (uint64_t i = 0; i < n; i++) {
		_mm_lfence();
		s += __rdtsc();
	}
	return s;
}

static uint64_t loop_rdtscp(struct clocks_bench *b, uint64_t n)
{
	unsigned aux;
	uint64_t s = 0;

	(void)b;
	for (uint64_t i = 0; i < n; i++) {
		s += __rdtscp(&aux);
	}
	return s;
}
#endif

/* One row: what, who, clocksource to select, loop, compared with, target, needs the TSC. */
#define CLOCKS_CASE(c, i, src, fn, base, tgt, tsc)                                                 \
	{                                                                                          \
		.case_name = (c), .impl = (i), .source = (src), .loop = (fn), .baseline = (base),  \
		.target = (tgt), .needs_tsc = (tsc),                                               \
	}

static struct clocks_case cases[] = {
	CLOCKS_CASE("monotonic", "libc-monotonic", NULL, loop_libc_mono, NULL, 0, false),
	CLOCKS_CASE("monotonic", "clockwork-tsc", CW_POSIX_CS_TSC, loop_cw_mono, "libc-monotonic",
		    TARGET_TSC, true),
	CLOCKS_CASE("monotonic", "clockwork-clock_gettime", CW_POSIX_CS_GETTIME_RAW, loop_cw_mono,
		    "libc-monotonic", 0, false),
	CLOCKS_CASE("monotonic", "clockwork-clock_gettime_mono", CW_POSIX_CS_GETTIME_MONO,
		    loop_cw_mono, "libc-monotonic", 0, false),
	CLOCKS_CASE("monotonic", "clockwork-tsc-ordered", NULL, loop_cw_mono_ordered,
		    "libc-monotonic", 0, true),
	CLOCKS_CASE("monotonic-coarse", "libc-monotonic-coarse", NULL, loop_libc_coarse, NULL, 0,
		    false),
	CLOCKS_CASE("monotonic-coarse", "clockwork-coarse", NULL, loop_cw_coarse,
		    "libc-monotonic-coarse", TARGET_COARSE, false),
#if defined(__x86_64__)
	CLOCKS_CASE("counter-read", "rdtsc", NULL, loop_rdtsc, "libc-monotonic", 0, true),
	CLOCKS_CASE("counter-read", "lfence-rdtsc", NULL, loop_lfence_rdtsc, "libc-monotonic", 0,
		    true),
	CLOCKS_CASE("counter-read", "rdtscp", NULL, loop_rdtscp, "libc-monotonic", 0, true),
#endif
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static struct clocks_case *find_case(const char *impl)
{
	for (size_t i = 0; i < NR_CASES; i++) {
		if (!strcmp(cases[i].impl, impl)) {
			return &cases[i];
		}
	}
	return NULL;
}

/* Run one repetition of @c: @n calls, timed; returns ns per call. */
static double run_case(struct clocks_bench *b, struct clocks_case *c, uint64_t n)
{
	uint64_t t0, t1;

	int err;

	if (c->source && (err = cw_clocksource_override(b->sys, c->source)) != 0) {
		fprintf(stderr, "bench_clocks: FAILED: cannot switch to %s: %s\n", c->source,
			cw_strerror(err));
		c->failed = true;
		return 0.0;
	}
	t0 = bench_now_ns();
	bench_sink ^= c->loop(b, n);
	t1 = bench_now_ns();
	return (double)(t1 - t0) / (double)n;
}

static void run_all(struct clocks_bench *b, unsigned reps, uint64_t n)
{
	for (size_t i = 0; i < NR_CASES; i++) {
		cases[i].skipped = cases[i].needs_tsc && !b->have_tsc;
		bench_load_read(&cases[i].load_start);
		if (!cases[i].skipped) {
			run_case(b, &cases[i], n / 10); /* warm up */
		}
	}
	for (unsigned r = 0; r < reps; r++) {
		for (size_t i = 0; i < NR_CASES; i++) {
			if (!cases[i].skipped && !cases[i].failed) {
				cases[i].samples[r] = run_case(b, &cases[i], n);
			}
		}
	}
	for (size_t i = 0; i < NR_CASES; i++) {
		struct clocks_case *c = &cases[i];

		c->median = bench_median(c->samples, reps);
		c->min = c->samples[0];
		c->max = c->samples[reps - 1];
	}
}

/* The tsc clocksource's flags, or 0 if it is not registered. */
static unsigned tsc_flags(struct cw_system *sys)
{
	struct cw_clocksource_info info[16];
	size_t count = 0;

	cw_clocksource_list(sys, info, sizeof(info) / sizeof(info[0]), &count);
	for (size_t i = 0; i < count && i < sizeof(info) / sizeof(info[0]); i++) {
		if (strcmp(info[i].name, CW_POSIX_CS_TSC) == 0) {
			return info[i].flags;
		}
	}
	return 0;
}

/*
 * Wait until the watchdog has validated the TSC (CW_CLOCKSOURCE_VALID_FOR_HRES
 * set: from then on a system in oneshot mode accepts it, so every
 * repetition's switch back to it works), then select it; bounded.
 * @return 0, or -1 (printed) if it is still not validated, went unstable or
 *         is refused.
 */
static int wait_tsc_valid(struct cw_system *sys)
{
	uint64_t t0 = bench_now_ns();
	unsigned flags;
	int err;

	for (;;) {
		flags = tsc_flags(sys);
		if ((flags & CW_CLOCKSOURCE_UNSTABLE) || (flags & CW_CLOCKSOURCE_VALID_FOR_HRES) ||
		    !(flags & CW_CLOCKSOURCE_MUST_VERIFY) ||
		    bench_now_ns() - t0 > TSC_WAIT_MAX_NS) {
			break;
		}
		usleep(TSC_WAIT_STEP_US);
	}
	if (!(flags & CW_CLOCKSOURCE_UNSTABLE) &&
	    ((flags & CW_CLOCKSOURCE_VALID_FOR_HRES) || !(flags & CW_CLOCKSOURCE_MUST_VERIFY))) {
		err = cw_clocksource_override(sys, CW_POSIX_CS_TSC);
		if (err == 0) {
			printf("tsc: validated by the watchdog after %.0f ms\n",
			       (double)(bench_now_ns() - t0) / 1e6);
			return 0;
		}
		fprintf(stderr, "bench_clocks: FAILED: the validated tsc is refused: %s\n",
			cw_strerror(err));
		return -1;
	}
	fprintf(stderr,
		"bench_clocks: FAILED: the watchdog has not validated the tsc clocksource after "
		"%.1f s (flags 0x%x%s)\n",
		(double)(bench_now_ns() - t0) / 1e9, flags,
		(flags & CW_CLOCKSOURCE_UNSTABLE) ? ", unstable" : "");
	return -1;
}

/* Print the table and write the JSON lines; returns the number of missed targets. */
static int report(unsigned reps, uint64_t n, int *failed)
{
	int missed = 0;
	long rss = bench_rss_peak_kib();

	printf("bench_clocks: %u repetitions x %llu calls, median ns per call\n", reps,
	       (unsigned long long)n);
	printf("%-17s %-29s %8s %8s %8s  %s\n", "case", "impl", "ns/op", "min", "max",
	       "ratio (target)");
	for (size_t i = 0; i < NR_CASES; i++) {
		struct clocks_case *c = &cases[i];
		struct clocks_case *base = c->baseline ? find_case(c->baseline) : NULL;
		struct bench_row r = {
			.suite = SUITE,
			.case_name = c->case_name,
			.impl = c->impl,
			.clock = "host",
			.pending_timers = -1,
			.ops_per_rep = n,
			.reps = reps,
			.ns_per_op = c->median,
			.ns_per_op_min = c->min,
			.ns_per_op_max = c->max,
			.peak_rss_kib = rss,
			.load_start = c->load_start,
		};

		if (c->skipped) {
			printf("%-17s %-29s %8s\n", c->case_name, c->impl, "no TSC");
			continue;
		}
		if (c->failed) {
			printf("%-17s %-29s %8s\n", c->case_name, c->impl, "FAILED");
			(*failed)++;
			continue;
		}
		printf("%-17s %-29s %8.2f %8.2f %8.2f", c->case_name, c->impl, c->median, c->min,
		       c->max);
		if (base && !base->skipped && base->median > 0) {
			double ratio = c->median / base->median;

			printf("  %.2fx %s", ratio, base->impl);
			if (c->target > 0) {
				printf(" (<= %.2fx: %s)", c->target,
				       ratio <= c->target ? "met" : "MISSED");
				missed += ratio > c->target;
			}
		}
		printf("\n");
		bench_row_write(&r);
	}
	printf("results appended to %s\n", bench_results_path());
	return missed;
}

static int setup(struct clocks_bench *b)
{
	struct cw_posix_options opt = { 0 };
	struct cw_posix_tsc_info info;
	int err;

	memset(b, 0, sizeof(*b));
	err = cw_posix_system_create(NULL, &opt, &b->sys);
	if (err) {
		fprintf(stderr, "bench_clocks: cw_posix_system_create: %s\n", cw_strerror(err));
		return -1;
	}
	cw_posix_tsc_info(b->sys, &info);
	b->have_tsc = info.registered;
	if (info.present && !info.registered) {
		/* The headline row cannot run: say so and fail, do not skip. */
		fprintf(stderr,
			"bench_clocks: FAILED: the CPU has a TSC but the posix port did not "
			"register the tsc clocksource\n");
		return -1;
	}
	if (b->have_tsc && wait_tsc_valid(b->sys) != 0) {
		return -1;
	}
	if (b->have_tsc) {
		opt.flags = CW_POSIX_TSC_ORDERED;
		opt.tsc_hz = info.hz;
		err = cw_posix_system_create(NULL, &opt, &b->sys_ordered);
		if (err) {
			fprintf(stderr, "bench_clocks: ordered system: %s\n", cw_strerror(err));
			return -1;
		}
		if (wait_tsc_valid(b->sys_ordered) != 0) {
			return -1;
		}
		printf("tsc: %llu Hz, calibrated over %u x %llu ms (spread %.3f ppm)\n",
		       (unsigned long long)info.hz, info.rounds,
		       (unsigned long long)(info.round_ns / 1000000), info.spread_ppb / 1e3);
	}
	return 0;
}

int main(void)
{
	bool quick = bench_quick();
	unsigned reps = bench_tiny() ? 1 : quick ? REPS_QUICK : REPS_FULL;
	uint64_t n = bench_tiny() ? CALLS_TINY : quick ? CALLS_QUICK : CALLS_FULL;
	struct clocks_bench b;
	int missed, failed = 0;

	if (setup(&b) != 0) {
		return 1;
	}
	run_all(&b, reps, n);
	missed = report(reps, n, &failed);
	cw_posix_system_destroy(b.sys_ordered);
	cw_posix_system_destroy(b.sys);
	if (missed) {
		printf("%d target(s) missed\n", missed);
	}
	/* A missed target is a finding, not a crash: exit 0 so other suites
	 * run. A case that could not run is a failure. */
	if (failed) {
		fprintf(stderr, "bench_clocks: %d case(s) FAILED\n", failed);
		return 1;
	}
	return 0;
}
