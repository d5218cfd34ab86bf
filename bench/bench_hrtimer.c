/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: clockwork's hrtimers against a plain binary heap (key
 * inline in the array), an intrusive red-black tree with a cached leftmost
 * node (Linux's timerqueue) and libevent's timer heap, in one run (issue
 * 4). clockwork has two rows: clockwork (start-cancel only), the public
 * calls a user makes (cw_hrtimer_start/cw_hrtimer_try_to_cancel on a
 * running posix system, see hrtimer_api.c), and clockwork-bare, the same
 * queue code (src/core/timerqueue.h, the radix wheel every clock base
 * uses) called directly: no lock, no CPU lookup, no clock read. The
 * difference is the API's cost. The workloads are defined in
 * hrtimer_impl.h:
 *
 *   start-cancel  n pending; each op starts one timer with a random key and
 *                 cancels a random other pending one. ns per op (start+cancel).
 *   start-expire  n pending (the hold model); each op starts one timer at
 *                 now + random and pops the earliest. ns per op (start+pop).
 *
 * n = 1e3, 1e5, 1e6 pending timers; 2 M timed operations per repetition
 * after 1000 untimed ones; the median of 5 repetitions, interleaved across
 * implementations (repetition 1 of every implementation, then 2, ...) so
 * that a noisy moment on a shared machine hurts all alike. Every
 * implementation gets the same random sequence in a given repetition, and
 * the run checks that they agree: in start-expire the popped keys must be
 * the same sequence; in start-cancel (first repetition) the timers left
 * must drain in the same order.
 *
 * Targets: clockwork-bare at least as fast as the fastest of heap, rbtree
 * and libevent in every case and size (issue 4); clockwork, through the
 * API, at most 1.0x the heap (issue 15). Peak RSS is measured per
 * repetition (the process's high-water mark is reset before each).
 *
 * Environment: CW_BENCH_QUICK=1 (n up to 1e5, 200 k operations, 3 reps);
 * CW_BENCH_TINY=1 (n = 1e3, 2000 operations, 1 rep: the schema test);
 * CW_BENCH_STOPWATCH=thread (time by the thread's CPU time, bench.h);
 * CW_BENCH_HRTIMER_CASES=start-cancel, CW_BENCH_HRTIMER_IMPLS=clockwork,heap
 * and CW_BENCH_HRTIMER_MAXN=100000 pick subsets.
 */
#include "bench.h"
#include "hrtimer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE    "hrtimer"
#define OPS      2000000ull
#define MAX_REPS 5

/* The previous src/core/timerqueue.h, for reference (not a competitor). */
extern const struct hrq_impl hrq_pairing;

static const struct hrq_impl *const impls[] = {
	&hrq_clockwork,     &hrq_heap, &hrq_rbtree, &hrq_pairing,
#ifdef CW_BENCH_HAVE_LIBEVENT
	&hrq_libevent,
#endif
	&hrq_clockwork_api,
};
#define NR_IMPLS (sizeof(impls) / sizeof(impls[0]))

struct row {
	const struct hrq_impl *impl;
	double samples[MAX_REPS];
	unsigned nsamples;
	uint64_t ops_done;
	long rss_kib;
	bool failed;
};

static bool wanted(const char *env, const char *name)
{
	const char *list = getenv(env);
	size_t len = strlen(name);

	if (!list || !list[0]) {
		return true;
	}
	for (const char *p = list; (p = strstr(p, name)) != NULL; p += len) {
		if ((p == list || p[-1] == ',') && (p[len] == '\0' || p[len] == ',')) {
			return true;
		}
	}
	return false;
}

static bool is_competitor(const struct hrq_impl *impl)
{
	return impl != &hrq_clockwork && impl != &hrq_clockwork_api && impl != &hrq_pairing;
}

static uint64_t ops_per_rep(void)
{
	return bench_tiny() ? 2000ull : bench_quick() ? 200000ull : OPS;
}

static unsigned reps(void)
{
	return bench_tiny() ? 1 : bench_quick() ? 3 : MAX_REPS;
}

/* How each row's time advances (results.jsonl "clock"). */
static const char *clock_of(const struct hrq_impl *impl)
{
	if (impl == &hrq_clockwork_api) {
		return "host";
	}
#ifdef CW_BENCH_HAVE_LIBEVENT
	if (impl == &hrq_libevent) {
		return "host-cached";
	}
#endif
	return "none";
}

/* One case at one n over every wanted implementation; false if clockwork
 * missed the target or the implementations disagreed. */
static bool run_case(bool expire, size_t n)
{
	const char *cs = expire ? "start-expire" : "start-cancel";
	struct row rows[NR_IMPLS];
	unsigned nrows = 0;
	uint64_t ops = ops_per_rep();
	uint32_t *oracle = NULL;
	double best = 0, cw = 0, api = 0, heap = 0;
	const char *best_name = "-";
	bool ok = true, need_oracle = false;
	struct bench_load load;
	bool rss_ok = bench_rss_reset() == 0;

	memset(rows, 0, sizeof(rows));
	for (size_t i = 0; i < NR_IMPLS; i++) {
		if (!wanted("CW_BENCH_HRTIMER_IMPLS", impls[i]->impl) ||
		    (expire && !impls[i]->start_expire)) {
			continue;
		}
#ifdef CW_BENCH_HAVE_LIBEVENT
		need_oracle |= expire && impls[i] == &hrq_libevent;
#endif
		rows[nrows++].impl = impls[i];
	}
	bench_load_read(&load);
	if (need_oracle) {
		oracle = malloc((HRQ_WARM + ops) * sizeof(*oracle));
		if (!oracle) {
			fprintf(stderr, "bench_hrtimer: out of memory\n");
			return false;
		}
	}
	for (unsigned r = 0; r < reps(); r++) {
		struct hrq_params p = {
			.n = n,
			.ops = ops,
			.seed = (0x9e3779b97f4a7c15ull ^ (uint64_t)n) +
				0x632be59bd9b4e019ull * (r + 1),
			.check = !expire && r == 0,
		};
		uint64_t ref = 0;
		const char *ref_name = NULL;

		if (oracle) {
			/* The earliest timer of each op, for libevent (untimed). */
			struct hrq_result res = { 0 };
			struct hrq_params op = p;

			op.record = oracle;
			op.ops = ops;
			hrq_heap.start_expire(&op, &res);
			if (res.err || res.ops_done != ops) {
				fprintf(stderr, "bench_hrtimer: oracle run failed\n");
				free(oracle);
				return false;
			}
			p.oracle = oracle;
		}
		for (unsigned i = 0; i < nrows; i++) {
			struct row *row = &rows[i];
			struct hrq_result res = { 0 };

			if (row->failed) {
				continue;
			}
			bench_rss_reset();
			if (expire) {
				row->impl->start_expire(&p, &res);
			} else {
				row->impl->start_cancel(&p, &res);
			}
			if (rss_ok) {
				long kib = bench_rss_peak_kib();

				row->rss_kib = kib > row->rss_kib ? kib : row->rss_kib;
			} else {
				row->rss_kib = -1;
			}
			if (res.err) {
				fprintf(stderr, "bench_hrtimer: %s %s n=%zu: set-up failed\n",
					row->impl->impl, cs, n);
				row->failed = true;
				continue;
			}
			row->samples[row->nsamples++] = res.ns;
			row->ops_done = res.ops_done;
			/* A budget-truncated start-cancel left a different set. */
			if (res.check == 0 || (!expire && !row->impl->drains) ||
			    res.ops_done != ops) {
				continue;
			}
			if (!ref_name) {
				ref = res.check;
				ref_name = row->impl->impl;
			} else if (res.check != ref) {
				fprintf(stderr,
					"bench_hrtimer: %s n=%zu rep %u: %s and %s disagree on the "
					"expiry order\n",
					cs, n, r, ref_name, row->impl->impl);
				ok = false;
			}
		}
	}
	free(oracle);

	for (unsigned i = 0; i < nrows; i++) {
		struct row *row = &rows[i];

		double ns;

		if (row->failed || row->nsamples == 0) {
			continue;
		}
		ns = bench_median(row->samples, row->nsamples);
		if (is_competitor(row->impl) && (best == 0 || ns < best)) {
			best = ns;
			best_name = row->impl->impl;
		}
		if (row->impl == &hrq_clockwork) {
			cw = ns;
		} else if (row->impl == &hrq_clockwork_api) {
			api = ns;
		} else if (row->impl == &hrq_heap) {
			heap = ns;
		}
	}
	printf("\n%s n=%zu (ns per op), median of %u x %llu ops, stopwatch %s\n", cs, n, reps(),
	       (unsigned long long)ops, bench_stopwatch_name());
	printf("  %-14s %10s %14s %8s %12s\n", "impl", "ns/op", "vs fastest", "B/timer",
	       "peak RSS MB");
	for (unsigned i = 0; i < nrows; i++) {
		struct row *row = &rows[i];
		struct bench_row br = {
			.suite = SUITE,
			.case_name = cs,
			.impl = row->impl->impl,
			.clock = clock_of(row->impl),
			.stopwatch = bench_stopwatch_name(),
			.pending_timers = (int64_t)n,
			.ops_per_rep = row->ops_done,
			.peak_rss_kib = row->rss_kib,
			.bytes_per_timer = row->impl->timer_size,
			.load_start = load,
		};

		if (row->failed || row->nsamples == 0) {
			printf("  %-14s %10s   (failed)\n", row->impl->impl, "-");
			continue;
		}
		bench_row_stats(&br, row->samples, row->nsamples);
		bench_row_write(&br);
		printf("  %-14s %10.1f %13.2fx %8zu %12.1f%s\n", row->impl->impl, br.ns_per_op,
		       best > 0 ? br.ns_per_op / best : 0.0, row->impl->timer_size,
		       (double)row->rss_kib / 1024.0,
		       row->ops_done < ops ? "  (time budget: fewer ops)" : "");
	}
	if (cw > 0 && best > 0) {
		bool met = cw <= best;

		printf("  target: clockwork-bare <= fastest competitor (%s): %s (%.2fx)\n",
		       best_name, met ? "met" : "MISSED", cw / best);
		ok &= met;
	}
	if (api > 0 && heap > 0) {
		bool met = api <= heap;

		printf("  target: clockwork (API) <= 1.0x heap: %s (%.2fx); API cost over bare: "
		       "%.1f ns/op\n",
		       met ? "met" : "MISSED", api / heap, cw > 0 ? api - cw : 0.0);
		ok &= met;
	}
	fflush(stdout);
	return ok;
}

int main(void)
{
	static const size_t sizes[] = { 1000, 100000, 1000000 };
	const char *maxn_env = getenv("CW_BENCH_HRTIMER_MAXN");
	size_t maxn = maxn_env && maxn_env[0] ? (size_t)strtoull(maxn_env, NULL, 0) : SIZE_MAX;
	bool ok = true;

	if (bench_quick() && maxn > 100000) {
		maxn = 100000;
	}
	if (bench_tiny()) {
		maxn = 1000;
	}
	printf("bench_hrtimer: keys uniform in [1, 2^30] ns; results to %s\n",
	       bench_results_path());
#ifndef CW_BENCH_HAVE_LIBEVENT
	printf("bench_hrtimer: built without libevent (apt-get install libevent-dev)\n");
#endif
	for (int e = 0; e < 2; e++) {
		if (!wanted("CW_BENCH_HRTIMER_CASES", e ? "start-expire" : "start-cancel")) {
			continue;
		}
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && sizes[i] <= maxn; i++) {
			ok &= run_case(e != 0, sizes[i]);
		}
	}
	for (size_t i = 0; i < NR_IMPLS; i++) {
		if (impls[i]->shutdown) {
			impls[i]->shutdown();
		}
	}
	printf("\nbench_hrtimer: %s\n", ok ? "all targets met" : "a target was MISSED");
	return 0;
}
