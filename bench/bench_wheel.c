/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: clockwork's timer wheel against libuv, libevent, DPDK's
 * rte_timer and a plain binary heap, through one table of operations
 * (wheel_impl.h), in one run. Cases (issue 5):
 *
 *   W1 arm+cancel  N pending timers with random expiries in [1 ms, 60 s] at
 *                  1 ms resolution; then 10 M operations, each cancelling a
 *                  random pending timer and re-arming it with a new random
 *                  expiry (the TCP retransmit pattern). ns per operation.
 *   W2 expire      N timers with random expiries in [1, 2^20] ticks; the
 *                  clock advances tick by tick until all fired. ns per fired
 *                  timer, empty ticks included. Only implementations whose
 *                  clock can be simulated take part (clockwork, libuv, heap):
 *                  libevent and DPDK read the host clock in their expiry.
 *   W3 server      1 M connections with a 30 s idle timeout re-armed on every
 *                  packet to a random connection, the clock advancing 1 ms
 *                  per 1000 operations, 20 M operations. ns per operation.
 *                  libevent uses a common-timeout queue (its O(1) structure
 *                  for equal timeouts); libevent and DPDK run their expiry
 *                  every 1000 operations against the host clock.
 *
 * N = 1e3, 1e5, 1e6, 1e7 for W1 and W2. Each (case, impl, N) runs in a
 * forked child so that its peak RSS (ru_maxrss) is its own; the child
 * reports the median of its repetitions (5, or 3 at N = 1e7 to keep the
 * suite within minutes) and appends it to the results file. The same seed
 * gives every implementation the same operation sequence.
 *
 * Environment: CW_BENCH_QUICK=1 runs N up to 1e5, 1 M operations, 3 reps;
 * CW_BENCH_WHEEL_CASES=W1,W3 and CW_BENCH_WHEEL_IMPLS=clockwork,libuv pick
 * subsets; CW_BENCH_WHEEL_MAXN caps N. Targets: W1 at N = 1e6 and 1e7 at
 * most 0.35x libuv and faster than every other implementation.
 */
#include <clockwork/timer.h>

#include "bench.h"
#include "wheel_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define SUITE         "wheel"
#define W1_OPS        10000000ull
#define W1_MAX_DELAY  60000u
#define W2_MAX_DELAY  (1u << 20)
#define W3_CONNS      1000000u
#define W3_OPS        20000000ull
#define W3_TIMEOUT    30000u
#define W3_OPS_PER_MS 1000u
#define TARGET_W1     0.35
#define MAX_REPS      5

uint64_t wheel_fired;

static const struct wheel_ops *const impls[] = {
	&wheel_clockwork_ops,
#ifdef CW_BENCH_HAVE_LIBUV
	&wheel_libuv_ops,
#endif
#ifdef CW_BENCH_HAVE_LIBEVENT
	&wheel_libevent_ops,
#endif
#ifdef CW_BENCH_HAVE_DPDK
	&wheel_dpdk_ops,
#endif
	&wheel_heap_ops,
};
#define NR_IMPLS (sizeof(impls) / sizeof(impls[0]))

static uint64_t rng_state;

static inline uint64_t rng(void)
{
	/* xorshift64*: cheap next to the operations measured. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static inline uint64_t rng_below(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng() * n) >> 64);
}

/* One child's answer. */
struct run_result {
	double ns_per_op;
	int ok;
};

static unsigned reps_for(uint64_t n)
{
	if (bench_quick()) {
		return 3;
	}
	return n >= 10000000ull ? 3 : MAX_REPS;
}

static uint64_t ops_w1(void)
{
	return bench_quick() ? 1000000ull : W1_OPS;
}

static uint64_t ops_w3(void)
{
	return bench_quick() ? 1000000ull : W3_OPS;
}

static double run_w1(const struct wheel_ops *o, uint64_t n)
{
	double samples[MAX_REPS];
	unsigned reps = reps_for(n);
	uint64_t ops = ops_w1();

	for (size_t i = 0; i < n; i++) {
		o->arm(i, 1 + rng_below(W1_MAX_DELAY));
	}
	for (unsigned r = 0; r < reps; r++) {
		uint64_t t0 = bench_now_ns();

		for (uint64_t k = 0; k < ops; k++) {
			size_t i = (size_t)rng_below(n);

			o->cancel(i);
			o->arm(i, 1 + rng_below(W1_MAX_DELAY));
		}
		samples[r] = (double)(bench_now_ns() - t0) / (double)ops;
	}
	return bench_median(samples, reps);
}

static double run_w2(const struct wheel_ops *o, uint64_t n)
{
	double samples[MAX_REPS];
	unsigned reps = reps_for(n);
	uint64_t now = 0;

	for (unsigned r = 0; r < reps; r++) {
		uint64_t t0;

		wheel_fired = 0;
		for (size_t i = 0; i < n; i++) {
			o->arm(i, 1 + rng_below(W2_MAX_DELAY));
		}
		t0 = bench_now_ns();
		while (wheel_fired < n) {
			o->advance(++now);
		}
		samples[r] = (double)(bench_now_ns() - t0) / (double)n;
	}
	return bench_median(samples, reps);
}

static double run_w3(const struct wheel_ops *o, uint64_t n)
{
	double samples[MAX_REPS];
	unsigned reps = reps_for(W3_OPS);
	uint64_t ops = ops_w3(), now = 0;

	if (o->fixed_delay) {
		o->fixed_delay(W3_TIMEOUT);
	}
	for (size_t i = 0; i < n; i++) {
		o->arm(i, W3_TIMEOUT);
	}
	for (unsigned r = 0; r < reps; r++) {
		uint64_t t0 = bench_now_ns();

		for (uint64_t k = 0; k < ops; k++) {
			o->arm((size_t)rng_below(n), W3_TIMEOUT);
			if ((k + 1) % W3_OPS_PER_MS == 0) {
				o->advance(++now);
			}
		}
		samples[r] = (double)(bench_now_ns() - t0) / (double)ops;
	}
	return bench_median(samples, reps);
}

/* In the child: set up, measure, record. */
static int child_run(const char *cs, const struct wheel_ops *o, uint64_t n, int fd)
{
	struct run_result res = { 0 };
	struct bench_result br = { .suite = SUITE, .case_name = cs, .impl = o->impl };

	rng_state = 0x9e3779b97f4a7c15ull ^ n;
	if (o->init((size_t)n) == 0) {
		if (strcmp(cs, "W1") == 0) {
			res.ns_per_op = run_w1(o, n);
			br.n = ops_w1();
		} else if (strcmp(cs, "W2") == 0) {
			res.ns_per_op = run_w2(o, n);
			br.n = n;
		} else {
			res.ns_per_op = run_w3(o, n);
			br.n = ops_w3();
		}
		br.ns_per_op = res.ns_per_op;
		res.ok = bench_append_result(&br) == 0;
		o->fini();
	}
	if (write(fd, &res, sizeof(res)) != (ssize_t)sizeof(res)) {
		return 1;
	}
	return res.ok ? 0 : 1;
}

struct row {
	const char *impl;
	double ns;
	long rss_kb;
	bool ok;
};

static bool run_forked(const char *cs, const struct wheel_ops *o, uint64_t n, struct row *row)
{
	struct run_result res = { 0 };
	struct rusage ru;
	int fds[2], status;
	pid_t pid;

	row->impl = o->impl;
	row->ok = false;
	fflush(stdout);
	if (pipe(fds)) {
		return false;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(child_run(cs, o, n, fds[1]));
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &res, sizeof(res)) != (ssize_t)sizeof(res)) {
		res.ok = 0;
	}
	close(fds[0]);
	if (pid > 0 && wait4(pid, &status, 0, &ru) == pid) {
		row->rss_kb = ru.ru_maxrss;
		row->ok = res.ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	row->ns = res.ns_per_op;
	return row->ok;
}

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

/* Runs one case at one N over all implementations; returns false if a
 * target was missed. */
static bool run_case(const char *cs, uint64_t n, const char *unit)
{
	struct row rows[NR_IMPLS];
	unsigned nrows = 0;
	double uv = 0, cw = 0, best_other = 0;
	bool ok = true;

	printf("\n%s N=%llu (%s)\n", cs, (unsigned long long)n, unit);
	printf("  %-12s %12s %10s %12s\n", "impl", "ns/op", "vs libuv", "peak RSS MB");
	for (size_t i = 0; i < NR_IMPLS; i++) {
		const struct wheel_ops *o = impls[i];
		struct row *r = &rows[nrows];

		if (!wanted("CW_BENCH_WHEEL_IMPLS", o->impl)) {
			continue;
		}
		if (strcmp(cs, "W2") == 0 && !o->virtual_time) {
			printf("  %-12s %12s   (reads the host clock: cannot be stepped tick by tick)\n",
			       o->impl, "-");
			continue;
		}
		if (!run_forked(cs, o, n, r)) {
			printf("  %-12s %12s   (failed)\n", o->impl, "-");
			continue;
		}
		if (strcmp(o->impl, "libuv") == 0) {
			uv = r->ns;
		}
		nrows++;
		printf("  %-12s %12.1f %10s %12.1f\n", r->impl, r->ns, "",
		       (double)r->rss_kb / 1024.0);
		fflush(stdout);
	}
	for (unsigned i = 0; i < nrows; i++) {
		if (strcmp(rows[i].impl, "clockwork") == 0) {
			cw = rows[i].ns;
		} else if (best_other == 0 || rows[i].ns < best_other) {
			best_other = rows[i].ns;
		}
	}
	if (uv > 0) {
		printf("  ratios to libuv:");
		for (unsigned i = 0; i < nrows; i++) {
			printf(" %s %.3fx", rows[i].impl, rows[i].ns / uv);
		}
		printf("\n");
	}
	if (strcmp(cs, "W1") == 0 && n >= 1000000ull && cw > 0) {
		bool t_uv = uv > 0 && cw <= TARGET_W1 * uv;
		bool t_all = best_other == 0 || cw < best_other;

		printf("  target: clockwork <= %.2fx libuv: %s; faster than every other: %s\n",
		       TARGET_W1, uv > 0 ? (t_uv ? "met" : "MISSED") : "no libuv",
		       t_all ? "met" : "MISSED");
		ok = (uv == 0 || t_uv) && t_all;
	}
	return ok;
}

int main(void)
{
	static const uint64_t sizes[] = { 1000ull, 100000ull, 1000000ull, 10000000ull };
	const char *maxn_env = getenv("CW_BENCH_WHEEL_MAXN");
	uint64_t maxn = maxn_env && maxn_env[0] ? strtoull(maxn_env, NULL, 0) : UINT64_MAX;
	bool ok = true;

	if (bench_quick() && maxn > 100000ull) {
		maxn = 100000ull;
	}
	printf("bench_wheel: struct cw_timer is %zu bytes; results to %s\n",
	       sizeof(struct cw_timer), bench_results_path());
	if (wanted("CW_BENCH_WHEEL_CASES", "W1")) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && sizes[i] <= maxn; i++) {
			ok &= run_case("W1", sizes[i], "ns per cancel+re-arm");
		}
	}
	if (wanted("CW_BENCH_WHEEL_CASES", "W2")) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && sizes[i] <= maxn; i++) {
			ok &= run_case("W2", sizes[i], "ns per fired timer, empty ticks included");
		}
	}
	if (wanted("CW_BENCH_WHEEL_CASES", "W3")) {
		ok &= run_case("W3", W3_CONNS, "1 M connections, ns per re-arm");
	}
	printf("\nbench_wheel: %s\n", ok ? "all targets met" : "a target was MISSED");
	return 0;
}
