// SPDX-License-Identifier: MIT
/*
 * bench_tmigr (issue 11): what timer migration costs on the host.
 *
 *   T1  arm + delete of a global wheel timer by an idle CPU, a quarter of
 *       the CPUs busy (Linux's cover-letter micro-benchmark: 145 -> 109 ns):
 *       "pull" arms on the local base (what this issue does); "push" first
 *       runs the pre-6.9 target heuristic (get_nohz_timer_target: the first
 *       busy CPU of the node, then of the machine) and arms there.
 *   T2  idle entry + exit of one CPU through the hierarchy
 *       (cw__tmigr_cpu_deactivate + cw__tmigr_cpu_activate) at 8, 64, 512
 *       and 4096 CPUs, in two states: a sibling of its level-0 group busy
 *       (the walk stops at level 0) and every other CPU idle (the walk goes
 *       to the top and the CPU takes the last-idle duty).
 *
 * The core is driven directly (core-internal entry points, the wheel's test
 * clock), on one thread; results go to the JSON-lines file as every suite's.
 */
#include "bench.h"

#include <clockwork/system.h>
#include <clockwork/timer.h>
#include <clockwork/tmigr.h>

#include "core/system-internal.h"
#include "core/timer-internal.h"
#include "core/tmigr-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS_FULL  7u
#define REPS_QUICK 3u

struct port {
	unsigned cur;
};

static unsigned port_this_cpu(void *ctx)
{
	return ((struct port *)ctx)->cur;
}

static void port_send_ipi(void *ctx, unsigned cpu)
{
	(void)ctx;
	(void)cpu;
}

static int port_cpu_call(void *ctx, unsigned cpu, void (*fn)(void *), void *arg)
{
	struct port *p = ctx;
	unsigned saved = p->cur;

	p->cur = cpu;
	fn(arg);
	p->cur = saved;
	return 0;
}

static const struct cw_port_ops port_ops = {
	.name = "bench-tmigr",
	.this_cpu = port_this_cpu,
	.send_ipi = port_send_ipi,
	.cpu_call = port_cpu_call,
};

static struct cw_system *make(struct port *p, unsigned n, unsigned nodes, unsigned **node_out)
{
	struct cw_system_config cfg = { 0 };
	struct cw_system *sys;
	unsigned *node = calloc(n, sizeof(*node));

	for (unsigned c = 0; c < n; c++) {
		node[c] = c / (n / nodes);
	}
	cfg.nr_cpus = n;
	cfg.hz = 1000;
	cfg.port = &port_ops;
	cfg.port_ctx = p;
	cfg.log_lines = 64;
	cfg.cpu_node = node;
	if (cw_system_create(&cfg, &sys)) {
		fprintf(stderr, "bench_tmigr: cw_system_create failed\n");
		exit(1);
	}
	cw__timer_test_set_jiffies(sys, 1000000);
	*node_out = node;
	return sys;
}

static void go_idle(struct port *p, struct cw_system *sys, unsigned c)
{
	struct cw_timer_next nx;

	p->cur = c;
	cw__timer_idle_enter(sys, c, 1000000, &nx);
	cw__tmigr_cpu_deactivate(sys, c, nx.local, nx.global);
}

static void nop_fn(struct cw_timer *t)
{
	(void)t;
}

static void emit(const char *case_name, const char *impl, unsigned cpus, uint64_t ops,
		 unsigned reps, double *ns, const struct bench_load *l0)
{
	struct bench_row r = { 0 };
	char name[48];

	snprintf(name, sizeof(name), "%s/%u-cpus", case_name, cpus);
	r.suite = "tmigr";
	r.case_name = name;
	r.impl = impl;
	r.clock = "host";
	r.pending_timers = -1;
	r.ops_per_rep = ops;
	r.reps = reps;
	bench_row_stats(&r, ns, reps);
	r.peak_rss_kib = bench_rss_peak_kib();
	r.load_start = *l0;
	printf("%-28s %-22s %8.1f ns/op (min %.1f, max %.1f; %u reps of %llu)\n", name, impl,
	       r.ns_per_op, r.ns_per_op_min, r.ns_per_op_max, reps, (unsigned long long)ops);
	bench_row_write(&r);
}

/* Pre-6.9 push target: first busy CPU of the node, then of the machine, else CPU 0. */
static unsigned push_target(const bool *busy, unsigned n, unsigned per_node, unsigned c)
{
	unsigned base = c / per_node * per_node;

	for (unsigned i = base; i < base + per_node; i++) {
		if (busy[i]) {
			return i;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (busy[i]) {
			return i;
		}
	}
	return 0;
}

static void t1(unsigned n, unsigned nodes, unsigned reps, uint64_t ops)
{
	struct port p = { 0 };
	unsigned *node;
	struct cw_system *sys = make(&p, n, nodes, &node);
	bool *busy = calloc(n, sizeof(*busy));
	struct cw_timer t = { 0 };
	double ns[2][REPS_FULL];
	struct bench_load l0;
	unsigned me = n - 1; /* idle, in the last node: push scans its node first */
	volatile unsigned sink = 0;

	/* A quarter busy: the first CPUs of node 0; the rest idle. */
	for (unsigned c = 0; c < n; c++) {
		busy[c] = c < n / 4;
		if (!busy[c]) {
			go_idle(&p, sys, c);
		}
	}
	p.cur = me;
	if (cw_timer_setup(&t, sys, nop_fn, 0)) {
		fprintf(stderr, "bench_tmigr: cw_timer_setup failed\n");
		exit(1);
	}
	bench_load_read(&l0);
	for (unsigned r = 0; r < reps; r++) {
		uint64_t a = bench_now_ns();

		for (uint64_t i = 0; i < ops; i++) {
			cw_timer_mod(&t, 1000000 + 100 + (i & 7));
			cw_timer_del(&t);
		}
		ns[0][r] = (double)(bench_now_ns() - a) / (double)ops;
		a = bench_now_ns();
		for (uint64_t i = 0; i < ops; i++) {
			unsigned target = push_target(busy, n, n / nodes, me);

			sink += target;
			cw_timer_add_on(&t, 1000000 + 100 + (i & 7), target);
			cw_timer_del(&t);
		}
		ns[1][r] = (double)(bench_now_ns() - a) / (double)ops;
	}
	(void)sink;
	emit("T1-arm-del-global", "pull", n, ops, reps, ns[0], &l0);
	emit("T1-arm-del-global", "push", n, ops, reps, ns[1], &l0);
	cw_timer_shutdown_sync(&t);
	cw_system_destroy(sys);
	free(busy);
	free(node);
}

static void t2(unsigned n, unsigned nodes, unsigned reps, uint64_t ops)
{
	struct port p = { 0 };
	unsigned *node;
	struct cw_system *sys = make(&p, n, nodes, &node);
	double ns[REPS_FULL];
	struct bench_load l0;
	unsigned me = 0;

	/* Everyone idle but CPU 0 and its sibling CPU 1. */
	for (unsigned c = 2; c < n; c++) {
		go_idle(&p, sys, c);
	}
	p.cur = me;
	bench_load_read(&l0);
	for (unsigned r = 0; r < reps; r++) {
		uint64_t a = bench_now_ns();

		for (uint64_t i = 0; i < ops; i++) {
			cw__tmigr_cpu_deactivate(sys, me, CW_TIMER_NEXT_NONE, CW_TIMER_NEXT_NONE);
			cw__tmigr_cpu_activate(sys, me);
		}
		ns[r] = (double)(bench_now_ns() - a) / (double)ops;
	}
	emit("T2-idle-enter-exit", "sibling-busy", n, ops, reps, ns, &l0);
	/* Now CPU 1 sleeps too: CPU 0's walk goes to the top and back. */
	go_idle(&p, sys, 1);
	p.cur = me;
	for (unsigned r = 0; r < reps; r++) {
		uint64_t a = bench_now_ns();

		for (uint64_t i = 0; i < ops; i++) {
			cw__tmigr_cpu_deactivate(sys, me, CW_TIMER_NEXT_NONE, CW_TIMER_NEXT_NONE);
			cw__tmigr_cpu_activate(sys, me);
		}
		ns[r] = (double)(bench_now_ns() - a) / (double)ops;
	}
	emit("T2-idle-enter-exit", "all-idle", n, ops, reps, ns, &l0);
	cw_system_destroy(sys);
	free(node);
}

int main(void)
{
	static const unsigned machines[][2] = { { 8, 1 }, { 64, 2 }, { 512, 8 }, { 4096, 64 } };
	bool quick = bench_quick();
	unsigned reps = bench_tiny() ? 1 : quick ? REPS_QUICK : REPS_FULL;
	uint64_t ops = bench_tiny() ? 1000 : quick ? 20000 : 400000;

	printf("bench_tmigr: timer migration (issue 11), %u repetitions\n", reps);
	for (unsigned m = 0; m < sizeof(machines) / sizeof(machines[0]); m++) {
		t1(machines[m][0], machines[m][1], reps, ops);
	}
	for (unsigned m = 0; m < sizeof(machines) / sizeof(machines[0]); m++) {
		t2(machines[m][0], machines[m][1], reps, ops);
	}
	printf("results appended to %s\n", bench_results_path());
	return 0;
}
