/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer's implementation table and workload template.
 *
 * Every queue under test is one file, hrtimer_<name>.c, that defines a few
 * static inline operations and then includes this header with
 * HRQ_IMPL_SYM defined; the header expands the two workloads around those
 * operations, so each implementation's loop is compiled with its queue
 * inlined (no indirect call per operation) and every implementation runs
 * the very same loop. The operations an implementation file defines:
 *
 *   static int q_init(const struct hrq_params *p);   room for p->n + 1 timers
 *   static void q_start(size_t i, uint64_t key);     queue timer i (not queued)
 *   static void q_cancel(size_t i);                  dequeue timer i (queued)
 *   static size_t q_pop(uint64_t k, uint64_t *key);  dequeue the earliest timer
 *                                                    (op number k); its index
 *   static bool q_drain(uint64_t *key, size_t *i);   pop for the final check;
 *                                                    false when empty or unsupported
 *   static void q_fini(void);                        free everything
 *   static void q_run(void (*fn)(void *), void *a);  run fn(a) (libevent: in a callback)
 *
 * With HRQ_NO_EXPIRE defined, q_pop and q_drain are not needed and the
 * implementation only takes part in start-cancel.
 *
 * Workloads (keys are ns; timers 0..n-1 start pending, timer n is idle):
 *
 *   start-cancel  n pending timers with keys uniform in [1, 2^30]; each
 *                 operation starts the idle timer with a new random key,
 *                 then cancels one of the other n timers chosen uniformly
 *                 at random, which becomes the idle timer. n stays pending.
 *   start-expire  the hold model: n pending timers with keys in [1, 2^30];
 *                 each operation starts the idle timer at now + [1, 2^30]
 *                 and then pops the earliest timer, whose key becomes now.
 *
 * Before the clock starts, HRQ_WARM operations run after the initial
 * fill. Random numbers come from one xorshift64* stream per (n, repetition),
 * the same for every implementation.
 */
#ifndef CLOCKWORK_BENCH_HRTIMER_IMPL_H
#define CLOCKWORK_BENCH_HRTIMER_IMPL_H

#include "bench.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Keys are uniform in [1, HRQ_KEY_RANGE] ns (about 1.07 s). */
#define HRQ_KEY_RANGE    (1ull << 30)
/** Untimed operations after the fill. */
#define HRQ_WARM         1000u
/** A repetition stops measuring after this (slow implementations). */
#define HRQ_BUDGET_NS    4000000000ull
#define HRQ_BUDGET_CHUNK 65536u

/** One repetition of one workload. */
struct hrq_params {
	/** Pending timers. */
	size_t n;
	/** Timed operations (the measured phase may stop early, see ops_done). */
	uint64_t ops;
	/** Seed of the random stream. */
	uint64_t seed;
	/**
	 * start-expire: index popped by operation k (warm-up included), for
	 * implementations whose public API cannot pop (libevent); else NULL.
	 */
	const uint32_t *oracle;
	/** start-expire: record the index popped by each operation here (or NULL). */
	uint32_t *record;
	/** start-cancel: pop all timers after the run and hash them into check. */
	bool check;
};

/** What one repetition measured. */
struct hrq_result {
	/** ns per operation over the timed operations done. */
	double ns;
	/** Timed operations done (less than ops when the budget ran out). */
	uint64_t ops_done;
	/**
	 * start-expire: hash of the popped keys (0 after a budget-truncated run);
	 * start-cancel: hash of the keys left, drained in order (0 if unchecked).
	 */
	uint64_t check;
	/** 0, or -1 if set-up failed. */
	int err;
};

/** One queue under test. */
struct hrq_impl {
	/** impl name in results.jsonl. */
	const char *impl;
	/** Run start-cancel. */
	void (*start_cancel)(const struct hrq_params *p, struct hrq_result *r);
	/** Run start-expire (NULL: not supported). */
	void (*start_expire)(const struct hrq_params *p, struct hrq_result *r);
	/** q_drain works: start-cancel's check hash is meaningful. */
	bool drains;
	/** Called once at exit (may be NULL). */
	void (*shutdown)(void);
	/** Bytes per timer. */
	size_t timer_size;
};

extern const struct hrq_impl hrq_clockwork;
extern const struct hrq_impl hrq_heap;
extern const struct hrq_impl hrq_rbtree;
extern const struct hrq_impl hrq_clockwork_api;
#ifdef CW_BENCH_HAVE_LIBEVENT
extern const struct hrq_impl hrq_libevent;
#endif

/* xorshift64*: a few cycles, next to operations of tens of ns. */
static inline uint64_t hrq_rng(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ull;
}

/* Uniform in [0, n) by a 128-bit multiply (no division). */
static inline uint64_t hrq_below(uint64_t *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)hrq_rng(s) * n) >> 64);
}

static inline uint64_t hrq_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

#endif /* CLOCKWORK_BENCH_HRTIMER_IMPL_H */

/* ---------------------------------------------------------------------- */
/* The workload template, once per implementation file. */
#ifdef HRQ_IMPL_SYM

struct hrq_ctx {
	const struct hrq_params *p;
	struct hrq_result *r;
};

static void hrq_fill(const struct hrq_params *p, uint64_t *rng)
{
	for (size_t i = 0; i < p->n; i++) {
		q_start(i, 1 + hrq_below(rng, HRQ_KEY_RANGE));
	}
}

static uint64_t hrq_drain_check(uint64_t h)
{
	uint64_t key;
	size_t i;

	while (q_drain(&key, &i)) {
		h = hrq_mix(h, key);
	}
	return h;
}

static void hrq_sc_body(void *arg)
{
	struct hrq_ctx *c = arg;
	const struct hrq_params *p = c->p;
	uint64_t rng = p->seed, ops = p->ops, t0 = 0;
	size_t idle = p->n, n = p->n;

	hrq_fill(p, &rng);
	for (uint64_t k = 0; k < HRQ_WARM + ops; k++) {
		size_t r, victim;

		if (k == HRQ_WARM) {
			t0 = bench_stopwatch_ns();
		}
		q_start(idle, 1 + hrq_below(&rng, HRQ_KEY_RANGE));
		r = (size_t)hrq_below(&rng, n);
		victim = r < idle ? r : r + 1;
		q_cancel(victim);
		idle = victim;
		if (k >= HRQ_WARM && (k - HRQ_WARM + 1) % HRQ_BUDGET_CHUNK == 0 &&
		    bench_stopwatch_ns() - t0 > HRQ_BUDGET_NS) {
			ops = k - HRQ_WARM + 1;
		}
	}
	c->r->ns = (double)(bench_stopwatch_ns() - t0) / (double)ops;
	c->r->ops_done = ops;
	c->r->check = p->check ? hrq_drain_check(1) : 0;
}

static void hrq_start_cancel(const struct hrq_params *p, struct hrq_result *r)
{
	struct hrq_ctx c = { p, r };

	r->err = q_init(p);
	if (r->err == 0) {
		q_run(hrq_sc_body, &c);
		q_fini();
	}
}

#ifndef HRQ_NO_EXPIRE
static void hrq_se_body(void *arg)
{
	struct hrq_ctx *c = arg;
	const struct hrq_params *p = c->p;
	uint64_t rng = p->seed, ops = p->ops, now = 0, h = 1, t0 = 0;
	size_t idle = p->n;

	hrq_fill(p, &rng);
	for (uint64_t k = 0; k < HRQ_WARM + ops; k++) {
		if (k == HRQ_WARM) {
			t0 = bench_stopwatch_ns();
		}
		q_start(idle, now + 1 + hrq_below(&rng, HRQ_KEY_RANGE));
		idle = q_pop(k, &now);
		h = hrq_mix(h, now);
		if (p->record) {
			p->record[k] = (uint32_t)idle;
		}
		if (k >= HRQ_WARM && (k - HRQ_WARM + 1) % HRQ_BUDGET_CHUNK == 0 &&
		    bench_stopwatch_ns() - t0 > HRQ_BUDGET_NS) {
			ops = k - HRQ_WARM + 1;
		}
	}
	c->r->ns = (double)(bench_stopwatch_ns() - t0) / (double)ops;
	c->r->ops_done = ops;
	/* A budget-truncated run popped a prefix: its hash is not comparable. */
	c->r->check = ops == p->ops ? h : 0;
}

static void hrq_start_expire(const struct hrq_params *p, struct hrq_result *r)
{
	struct hrq_ctx c = { p, r };

	r->err = q_init(p);
	if (r->err == 0) {
		q_run(hrq_se_body, &c);
		q_fini();
	}
}
#endif /* HRQ_NO_EXPIRE */

#endif /* HRQ_IMPL_SYM */
