/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: clockwork's hrtimer queue (the pairing heap of
 * src/core/timerqueue.h) against a plain binary heap, an intrusive
 * red-black tree with a cached leftmost node (Linux's timerqueue) and
 * libevent's timer heap, in one run (issue 4). The workloads are defined
 * in hrtimer_impl.h:
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
 * must drain in the same order. The extra row clockwork-api (start-cancel
 * only) goes through cw_hrtimer_start/cw_hrtimer_try_to_cancel on a posix
 * system: the queue plus locking, clock reads and state updates.
 *
 * Target: clockwork at least as fast as the fastest of heap, rbtree and
 * libevent in every case and size.
 *
 * Environment: CW_BENCH_QUICK=1 (n up to 1e5, 200 k operations, 3 reps);
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
	double ns;
	uint64_t ops_done;
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
	return bench_quick() ? 200000ull : OPS;
}

static unsigned reps(void)
{
	return bench_quick() ? 3 : MAX_REPS;
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
	double best = 0, cw = 0;
	const char *best_name = "-";
	bool ok = true, need_oracle = false;

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
			if (expire) {
				row->impl->start_expire(&p, &res);
			} else {
				row->impl->start_cancel(&p, &res);
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

		if (row->failed || row->nsamples == 0) {
			continue;
		}
		row->ns = bench_median(row->samples, row->nsamples);
		if (is_competitor(row->impl) && (best == 0 || row->ns < best)) {
			best = row->ns;
			best_name = row->impl->impl;
		}
		if (row->impl == &hrq_clockwork) {
			cw = row->ns;
		}
	}
	printf("\n%s n=%zu (ns per op), median of %u x %llu ops\n", cs, n, reps(),
	       (unsigned long long)ops);
	printf("  %-14s %10s %14s %8s\n", "impl", "ns/op", "vs fastest", "B/timer");
	for (unsigned i = 0; i < nrows; i++) {
		struct row *row = &rows[i];
		struct bench_result br = {
			.suite = SUITE,
			.case_name = cs,
			.impl = row->impl->impl,
			.n = ops,
			.ns_per_op = row->ns,
		};

		if (row->failed || row->nsamples == 0) {
			printf("  %-14s %10s   (failed)\n", row->impl->impl, "-");
			continue;
		}
		bench_append_result(&br);
		printf("  %-14s %10.1f %13.2fx %8zu%s\n", row->impl->impl, row->ns,
		       best > 0 ? row->ns / best : 0.0, row->impl->timer_size,
		       row->ops_done < ops ? "  (time budget: fewer ops)" : "");
	}
	if (cw > 0 && best > 0) {
		bool met = cw <= best;

		printf("  target: clockwork <= fastest competitor (%s): %s (%.2fx)\n", best_name,
		       met ? "met" : "MISSED", cw / best);
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
