/* SPDX-License-Identifier: MIT */
/*
 * The hrtimer queue: a radix wheel with exact order, plus a pairing heap
 * for keys below the wheel's base. Ordered by (expiry, sequence).
 *
 * Why. The queue must give the first expiry in O(1), insert and remove
 * without allocating (arming never fails) in O(log n) or better, accept
 * any key (a new timer earlier than the first; REALTIME keys that jump
 * back after settime), keep equal expiries first in, first out, and scale
 * to millions of timers. bench/bench_hrtimer.c (docs/benchmarks.md)
 * measured on this machine (2 shared vCPUs, noisy), ns per operation,
 * median of 5 interleaved repetitions, run 1 / run 2:
 *
 *   case          n    radix wheel  pairing heap  array heap    rbtree
 *   start+cancel  1e3  18.8 / 18.2  18.5 / 13.5   31.4 / 25.0   125 / 86
 *                 1e5  19.1 / 11.1  54.7 / 31.9   70.0 / 45.3   487 / 252
 *                 1e6  147 / 79.8   590 / 231     345 / 179     2834 / 1405
 *   start+expire  1e3  35.7 / 36.0  88.3 / 85.6   60.3 / 60.3   77.8 / 79.9
 *                 1e5  482 / 186    763 / 305     269 / 179     775 / 276
 *                 1e6  460 / 680    1751 / 2244   790 / 1123    1720 / 1867
 *
 * libevent's heap was slower than the array heap in every row. The array
 * heap is not a candidate anyway: its array must hold every timer that
 * may ever be queued on a base (allocation on start). start+expire at 1e5
 * is a tie or a loss depending on the run (82-482 ns over three runs, the
 * array heap 163-269 in the same runs): every 2^30 ns the hold model's
 * base crosses a level-5 digit and one pop cascades every timer queued
 * past it (4 MB of cold nodes), a cost that lands in some measured
 * windows and not others.
 *
 * The previous queue, a pairing heap (bench row "pairing"), won start+cancel
 * but lost start+expire 1.3-2.8x to the array heap: each pop melded the
 * root's 15-25 children, a chain of dependent cache misses. Measured and
 * rejected: see docs/benchmarks.md.
 *
 * Shape. The wheel has 11 levels of 64 buckets; a node whose key u differs
 * from base first at bit d sits at level d / 6, in the bucket of u's 6-bit
 * digit at that level. All keys of a bucket are below all keys of the
 * buckets after it (by level, then slot), and a level-0 bucket holds one
 * key value. A bucket is a FIFO list through the nodes' next/prev; two
 * bitmaps find the lowest non-empty bucket. Insert and remove are O(1)
 * list operations. When the first node goes, the next one is the head of
 * the lowest level-0 bucket, or, if level 0 is empty, the lowest bucket of
 * the lowest level is cascaded: base moves up to that bucket's smallest
 * possible key and its nodes are redistributed to lower levels. A node
 * moves at most once per level (64-bit keys: 10 times; keys 1 s ahead at
 * 1 us spacing: 3 or 4 times), so pops are O(1) amortised, and a cascade
 * touches nodes just before they expire, when they are about to be needed
 * anyway. Worst case: one pop cascades a whole bucket (up to every timer
 * on the queue) under the base lock; amortised over the pops it feeds.
 *
 * Keys below base go to a small pairing heap (node child/next/prev), whose
 * keys are all below every wheel key, so the first node is its root when
 * it is not empty. base only rises while that heap is empty, and is set
 * to the smallest key when a wheel is attached (below). When the early
 * heap outgrows the wheel (keys in no order at start, a REALTIME clock set
 * back), everything is re-inserted into the wheel with base at the
 * smallest key: O(n + e log e), paid for by the e > n/2 early insertions
 * since the last rebuild.
 *
 * Ties. Each node carries a sequence number from the queue. Wheel buckets
 * are appended at the tail, and cascades and rebuilds move nodes in list
 * order into empty buckets, so equal keys (always in the same bucket) stay
 * in insertion order; the early heap compares the sequence after the
 * expiry.
 *
 * Wheels on loan. A wheel is about 11 KiB of buckets, and a CPU has 8
 * queues (4 clocks x hard/soft), most of them empty or holding a few
 * timers: 8 wheels per CPU made the per-CPU core state 104 KiB, 375 MB of
 * wheels on a 4096-CPU machine before any timer existed (issue 10). So a
 * queue head is 64 bytes and owns no wheel: the 8 queues of a CPU, under
 * its one base lock, share a pool of CW_CONFIG_HRTIMER_QUEUE_WHEELS
 * wheels (default 1). A queue without a wheel keeps every node in the
 * early heap, which is then all of it: still O(1) first, no allocation,
 * any key, FIFO ties (the heap compares the sequence), O(log n) amortised
 * insert/remove. When its heap grows past CW_TQ_EARLY_MIN nodes it takes
 * a wheel from the pool, if one is free, and the rebuild above moves
 * everything into it; when its first node leaves with CW_TQ_WHEEL_LOW
 * nodes or fewer left (so always by the time it empties; cancelling any
 * other node does not look) it melds the few left into the heap and gives
 * the wheel back, empty. A queue
 * that finds the pool empty stays a pairing heap, however large (the
 * hrtimer tests run 8 queues of 200 timers on one wheel). The gap between
 * the two thresholds makes every attach or detach cost O(1) amortised
 * over the 48 or more operations since the last. Measured against a
 * wheel per head (callgrind instructions, docs/benchmarks.md): within
 * +-2 % in every row (bench_hrtimer start+cancel 0.98x, start+expire
 * 1.01x, through the API 1.02x; bench_wheel per call W1 1.02x, W2 and W3
 * 0.98-1.02x), cache misses within 3 %. The head's wheel pointer is one
 * more load and test per operation; the rare paths (rebuild, attach,
 * detach, and the cascade when cw_tq_del() removes the first node) stay
 * out of line so that add and del inline small into their callers, while
 * cw_tq_pop(), which cascades often, keeps the cascade inline. Not taken (reasoned, not
 * measured): buckets of one pointer (first, with first->prev as the tail)
 * would halve a wheel and allow two per CPU in the same bytes, but
 * appending then writes the bucket's first node as well as its tail, a
 * second cache line per insert into a long bucket, on the hot path of
 * every start.
 *
 * Memory: 40 bytes per node (struct cw_hrtimer_node), 64 bytes per queue
 * head, about 11 KiB per wheel in the pool, all fixed: nothing is
 * allocated when timers come and go.
 *
 * Locking: none here; the hrtimer base lock protects a queue and its pool
 * (all queues sharing a pool must be under one lock).
 */
#ifndef CLOCKWORK_SRC_CORE_TIMERQUEUE_H
#define CLOCKWORK_SRC_CORE_TIMERQUEUE_H

#include "compiler.h"

#include <clockwork/hrtimer.h>

#include <stddef.h>
#include <stdint.h>

/* Levels of the radix wheel: 6 bits of the key each, 11 levels cover 64 bits. */
#define CW_TQ_BITS      6
#define CW_TQ_SLOTS     (1u << CW_TQ_BITS)
#define CW_TQ_LEVELS    11
/*
 * Rebuild when the early heap holds more than this and more than the
 * wheel; a queue without a wheel takes one from its pool when its heap
 * grows past it.
 */
#define CW_TQ_EARLY_MIN 64
/* A queue gives its wheel back to the pool when it holds this many nodes or fewer. */
#define CW_TQ_WHEEL_LOW 16

/*
 * Rare paths (rebuild, attach, detach) stay out of line, so that add and
 * del stay small enough to be inlined into their callers.
 */
#define CW_TQ_COLD __attribute__((noinline, unused))

/** A bucket of the wheel: a FIFO list through node next/prev. */
struct cw_tq_bucket {
	struct cw_hrtimer_node *first;
	struct cw_hrtimer_node *last;
};

/**
 * A radix wheel, lent by a pool to one queue at a time. About 11 KiB.
 * Empty (every bucket and bitmap zero) while it sits in its pool.
 */
struct cw_tq_wheel {
	/** Next free wheel while in the pool. */
	struct cw_tq_wheel *next_free;
	/** Bit l set: level l has a non-empty slot. */
	uint32_t levels;
	/** Bit s of pending[l] set: slot[l][s] is non-empty. */
	uint64_t pending[CW_TQ_LEVELS];
	struct cw_tq_bucket slot[CW_TQ_LEVELS][CW_TQ_SLOTS];
};

/**
 * The free wheels shared by a set of queues that one lock protects (the
 * 8 clock bases of a CPU). Zero-initialised is a pool without wheels.
 */
struct cw_tq_pool {
	struct cw_tq_wheel *free;
};

/**
 * A queue. cw_tq_init() it with its pool; zero-initialised is an empty
 * queue without a pool (a pairing heap only). 64 bytes: the wheel, when
 * it has one, is borrowed from the pool. Nothing is allocated when timers
 * come and go.
 */
struct cw_tq_head {
	/** The first node (earliest expiry, oldest among equals), or NULL. */
	struct cw_hrtimer_node *first;
	/** Root of the early heap: every node without a wheel, else those below base. */
	struct cw_hrtimer_node *early;
	/** The wheel lent by the pool, or NULL. */
	struct cw_tq_wheel *wheel;
	/** Where wheels come from and go back to, or NULL. */
	struct cw_tq_pool *pool;
	/** The wheel's reference key: early keys < base <= wheel keys (with a wheel). */
	uint64_t base;
	/** Sequence number of the next insertion (the tie-break). */
	uint64_t next_seq;
	/** Nodes queued. */
	size_t count;
	/** Nodes in the early heap. */
	size_t nr_early;
};

/** Put @p nr wheels (@p wheels, any content) into @p pool, emptied. */
static inline void cw_tq_pool_init(struct cw_tq_pool *pool, struct cw_tq_wheel *wheels, size_t nr)
{
	pool->free = NULL;
	for (size_t i = 0; i < nr; i++) {
		__builtin_memset(&wheels[i], 0, sizeof(wheels[i]));
		wheels[i].next_free = pool->free;
		pool->free = &wheels[i];
	}
}

/** Make @p h an empty queue borrowing wheels from @p pool (NULL: none). */
static inline void cw_tq_init(struct cw_tq_head *h, struct cw_tq_pool *pool)
{
	*h = (struct cw_tq_head){ .pool = pool };
}

/* Keys as unsigned numbers in the same order as the int64 expiries. */
static inline uint64_t cw_tq_key(const struct cw_hrtimer_node *n)
{
	return (uint64_t)n->expires ^ (1ull << 63);
}

static inline bool cw_tq_before(const struct cw_hrtimer_node *a, const struct cw_hrtimer_node *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

/* Whether a queued key @p u sits in the early heap (else in the wheel). */
static inline bool cw_tq_is_early(const struct cw_tq_head *h, uint64_t u)
{
	return !h->wheel || u < h->base;
}

/* ---- the early heap: a two-pass pairing heap (child, next, prev) ---- */

static inline struct cw_hrtimer_node *cw_tq_meld(struct cw_hrtimer_node *a,
						 struct cw_hrtimer_node *b)
{
	if (cw_tq_before(b, a)) {
		struct cw_hrtimer_node *t = a;

		a = b;
		b = t;
	}
	b->prev = a;
	b->next = a->child;
	if (a->child) {
		a->child->prev = b;
	}
	a->child = b;
	return a;
}

static inline struct cw_hrtimer_node *cw_tq_merge_pairs(struct cw_hrtimer_node *first)
{
	struct cw_hrtimer_node *stack = NULL, *root;

	if (!first) {
		return NULL;
	}
	while (first) {
		struct cw_hrtimer_node *a = first, *b = first->next, *m;

		if (b) {
			first = b->next;
			a->prev = a->next = NULL;
			b->prev = b->next = NULL;
			m = cw_tq_meld(a, b);
		} else {
			first = NULL;
			a->prev = a->next = NULL;
			m = a;
		}
		m->next = stack;
		stack = m;
	}
	root = stack;
	stack = stack->next;
	root->next = NULL;
	while (stack) {
		struct cw_hrtimer_node *m = stack;

		stack = stack->next;
		m->next = NULL;
		root = cw_tq_meld(root, m);
	}
	return root;
}

static inline void cw_tq_early_del(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	if (h->early == n) {
		h->early = cw_tq_merge_pairs(n->child);
	} else {
		struct cw_hrtimer_node *sub;

		if (n->prev->child == n) {
			n->prev->child = n->next;
		} else {
			n->prev->next = n->next;
		}
		if (n->next) {
			n->next->prev = n->prev;
		}
		sub = cw_tq_merge_pairs(n->child);
		if (sub) {
			h->early = cw_tq_meld(h->early, sub);
		}
	}
	h->nr_early--;
}

/* ---- the wheel (h->wheel set) ---- */

/* The bucket of key @p u (>= base): the level of the highest bit where it
 * differs from base, and the key's digit at that level. */
static inline void cw_tq_slot_of(const struct cw_tq_head *h, uint64_t u, unsigned *lp, unsigned *sp)
{
	uint64_t x = u ^ h->base;
	unsigned l = x ? (unsigned)(63 - __builtin_clzll(x)) / CW_TQ_BITS : 0;

	*lp = l;
	*sp = (unsigned)(u >> (l * CW_TQ_BITS)) & (CW_TQ_SLOTS - 1);
}

/* Append @p n at the tail of its bucket (FIFO among equal keys). */
static inline void cw_tq_wheel_add(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	struct cw_tq_wheel *w = h->wheel;
	unsigned l, s;
	struct cw_tq_bucket *b;

	cw_tq_slot_of(h, cw_tq_key(n), &l, &s);
	b = &w->slot[l][s];

	n->next = NULL;
	n->prev = b->last;
	if (b->last) {
		b->last->next = n;
	} else {
		b->first = n;
		w->pending[l] |= 1ull << s;
		w->levels |= 1u << l;
	}
	b->last = n;
}

static inline void cw_tq_wheel_del(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	struct cw_tq_wheel *w = h->wheel;
	unsigned l, s;
	struct cw_tq_bucket *b;

	cw_tq_slot_of(h, cw_tq_key(n), &l, &s);
	b = &w->slot[l][s];

	if (n->prev) {
		n->prev->next = n->next;
	} else {
		b->first = n->next;
	}
	if (n->next) {
		n->next->prev = n->prev;
	} else {
		b->last = n->prev;
	}
	if (!b->first) {
		w->pending[l] &= ~(1ull << s);
		if (!w->pending[l]) {
			w->levels &= ~(1u << l);
		}
	}
}

/*
 * Empty slot s of level l > 0, the lowest non-empty slot of the lowest
 * non-empty level, into the levels below: base moves up to the slot's
 * smallest possible key, so its nodes now differ from base below level l.
 * Every level below is empty, so appending in list order keeps FIFO order.
 */
static inline void cw_tq_cascade(struct cw_tq_head *h, unsigned l, unsigned s)
{
	struct cw_tq_wheel *w = h->wheel;
	struct cw_tq_bucket *b = &w->slot[l][s];
	struct cw_hrtimer_node *n = b->first;
	unsigned shift = (l + 1) * CW_TQ_BITS;
	uint64_t high = shift >= 64 ? 0 : h->base & (~0ull << shift);

	b->first = b->last = NULL;
	w->pending[l] &= ~(1ull << s);
	if (!w->pending[l]) {
		w->levels &= ~(1u << l);
	}
	h->base = high | ((uint64_t)s << (l * CW_TQ_BITS));
	while (n) {
		struct cw_hrtimer_node *next = n->next;

		cw_tq_wheel_add(h, n);
		n = next;
	}
}

/* The wheel's first node (a wheel attached), cascading until it sits in level 0. */
static inline struct cw_hrtimer_node *cw_tq_wheel_first_loop(struct cw_tq_head *h)
{
	struct cw_tq_wheel *w = h->wheel;

	while (w->levels) {
		unsigned l = (unsigned)__builtin_ctz(w->levels);
		unsigned s = (unsigned)__builtin_ctzll(w->pending[l]);

		if (l == 0) {
			return w->slot[0][s].first;
		}
		cw_tq_cascade(h, l, s);
	}
	return NULL;
}

/* The same, out of line: cw_tq_del()'s cancel path stays small. */
CW_TQ_COLD static struct cw_hrtimer_node *cw_tq_wheel_first_cascade(struct cw_tq_head *h)
{
	return cw_tq_wheel_first_loop(h);
}

/*
 * The wheel's first node, cascading until it sits in level 0; NULL without
 * a wheel. @p inline_cascade: cascade here (the pop path, which cascades
 * often) rather than in an out-of-line call (cancel, where removing the
 * first node is rare and the inlined loop costs every cancel registers).
 */
static inline struct cw_hrtimer_node *cw_tq_wheel_first(struct cw_tq_head *h, bool inline_cascade)
{
	struct cw_tq_wheel *w = h->wheel;

	if (!w) {
		return NULL;
	}
	if (inline_cascade) {
		return cw_tq_wheel_first_loop(h);
	}
	if (cw_likely(w->levels & 1u)) {
		return w->slot[0][__builtin_ctzll(w->pending[0])].first;
	}
	return cw_tq_wheel_first_cascade(h);
}

/*
 * Unlink every wheel node, bucket by bucket (levels, then slots, each
 * bucket in list order), into one list through next; the wheel is left
 * empty.
 */
static inline struct cw_hrtimer_node *cw_tq_wheel_take_all(struct cw_tq_wheel *w)
{
	struct cw_hrtimer_node *list = NULL, **tail = &list;

	for (unsigned l = 0; l < CW_TQ_LEVELS; l++) {
		while (w->pending[l]) {
			unsigned s = (unsigned)__builtin_ctzll(w->pending[l]);
			struct cw_tq_bucket *b = &w->slot[l][s];

			*tail = b->first;
			tail = &b->last->next;
			b->first = b->last = NULL;
			w->pending[l] &= w->pending[l] - 1;
		}
	}
	w->levels = 0;
	return list;
}

/*
 * Too many keys below base (a REALTIME clock set back, or a start with
 * keys in no particular order), or a wheel just attached to a queue that
 * was all heap: move base down to the smallest key and put every node
 * back in the wheel. Wheel nodes go back bucket by bucket in list order
 * and early nodes in (expiry, sequence) order, so equal keys keep their
 * order. O(n + e log e), paid for by the e > n/2 early insertions since
 * the last rebuild.
 */
CW_TQ_COLD static void cw_tq_rebuild(struct cw_tq_head *h)
{
	struct cw_hrtimer_node *list = cw_tq_wheel_take_all(h->wheel);

	h->base = cw_tq_key(h->early);
	while (h->early) {
		struct cw_hrtimer_node *n = h->early;

		h->early = cw_tq_merge_pairs(n->child);
		n->child = NULL;
		cw_tq_wheel_add(h, n);
	}
	h->nr_early = 0;
	while (list) {
		struct cw_hrtimer_node *n = list;

		list = n->next;
		cw_tq_wheel_add(h, n);
	}
}

/* Borrow a wheel from the pool. @return false if none is free. */
CW_TQ_COLD static bool cw_tq_attach(struct cw_tq_head *h)
{
	struct cw_tq_wheel *w = h->pool ? h->pool->free : NULL;

	if (!w) {
		return false;
	}
	h->pool->free = w->next_free;
	w->next_free = NULL;
	h->wheel = w;
	return true;
}

/*
 * The queue shrank to CW_TQ_WHEEL_LOW nodes or fewer: move the wheel's nodes into
 * the early heap (which orders by expiry, then sequence, so ties keep
 * their order) and give the wheel back, empty, to the pool.
 */
CW_TQ_COLD static void cw_tq_detach(struct cw_tq_head *h)
{
	struct cw_tq_wheel *w = h->wheel;
	struct cw_hrtimer_node *list = cw_tq_wheel_take_all(w);

	while (list) {
		struct cw_hrtimer_node *n = list;

		list = n->next;
		n->next = n->prev = NULL;
		h->early = h->early ? cw_tq_meld(h->early, n) : n;
		h->nr_early++;
	}
	h->wheel = NULL;
	w->next_free = h->pool->free;
	h->pool->free = w;
}

/* ---- the queue ---- */

/** The first node (earliest expiry), or NULL. O(1). */
static inline struct cw_hrtimer_node *cw_tq_first(const struct cw_tq_head *h)
{
	return h->first;
}

/** Whether @p n is the first node. */
static inline bool cw_tq_is_first(const struct cw_tq_head *h, const struct cw_hrtimer_node *n)
{
	return h->first == n;
}

/** Insert @p n (its expires set). O(1) amortised. @return true if it is now the first node. */
static inline bool cw_tq_add(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	uint64_t u = cw_tq_key(n);

	n->child = n->next = n->prev = NULL;
	n->seq = h->next_seq++;
	h->count++;
	if (cw_tq_is_early(h, u)) {
		h->early = h->early ? cw_tq_meld(h->early, n) : n;
		/* Without a wheel, nr_early == count: take one once past the minimum. */
		if (++h->nr_early > CW_TQ_EARLY_MIN && 2 * h->nr_early > h->count &&
		    (h->wheel || cw_tq_attach(h))) {
			cw_tq_rebuild(h);
		}
	} else {
		cw_tq_wheel_add(h, n);
	}
	/* n is the newest: it goes first only when strictly earlier. */
	if (!h->first || n->expires < h->first->expires) {
		h->first = n;
		return true;
	}
	return false;
}

/* cw_tq_del(); @p popping: @p n is the first node, removed by cw_tq_pop(). */
static inline bool cw_tq_del_node(struct cw_tq_head *h, struct cw_hrtimer_node *n, bool popping)
{
	if (cw_tq_is_early(h, cw_tq_key(n))) {
		cw_tq_early_del(h, n);
	} else {
		cw_tq_wheel_del(h, n);
	}
	n->child = n->next = n->prev = NULL;
	h->count--;
	/*
	 * The wheel goes back when the first node leaves a queue of
	 * CW_TQ_WHEEL_LOW nodes or fewer (expiry takes first nodes; the last
	 * node is always first), which keeps the check off the hot path of
	 * cancelling any other node.
	 */
	if (popping || h->first == n) {
		if (cw_unlikely(h->count <= CW_TQ_WHEEL_LOW) && h->wheel) {
			cw_tq_detach(h);
		}
		h->first = h->early ? h->early : cw_tq_wheel_first(h, popping);
	}
	return h->count == 0;
}

/** Remove queued @p n. O(1) amortised. @return true if the queue is now empty. */
static inline bool cw_tq_del(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	return cw_tq_del_node(h, n, false);
}

/** Remove and return the first node, or NULL. */
static inline struct cw_hrtimer_node *cw_tq_pop(struct cw_tq_head *h)
{
	struct cw_hrtimer_node *n = h->first;

	if (n) {
		cw_tq_del_node(h, n, true);
	}
	return n;
}

/* ---- consistency check, for tests ---- */

static inline size_t cw_tq_check_early(const struct cw_tq_head *h, const struct cw_hrtimer_node *n,
				       bool *ok)
{
	size_t count = 1;

	*ok &= cw_tq_is_early(h, cw_tq_key(n));
	for (const struct cw_hrtimer_node *c = n->child, *prev = n; c; prev = c, c = c->next) {
		*ok &= c->prev == prev && !cw_tq_before(c, n);
		count += cw_tq_check_early(h, c, ok);
	}
	return count;
}

/**
 * Check every invariant of the queue: early heap links and order, every
 * wheel node in its bucket with consistent links and bitmaps, equal keys
 * in insertion order, counts, the cached first node, and a wheel only on
 * a non-empty queue. O(n + bucket sizes squared): for
 * tests. @return true if the queue is consistent.
 */
static inline bool cw_tq_check(const struct cw_tq_head *h)
{
	const struct cw_hrtimer_node *min = NULL;
	const struct cw_tq_wheel *w = h->wheel;
	size_t total = 0, early = 0;
	bool ok = true;

	if (h->early) {
		ok &= h->early->prev == NULL && h->early->next == NULL;
		early = cw_tq_check_early(h, h->early, &ok);
		min = h->early;
	}
	ok &= early == h->nr_early;
	ok &= !w || w->next_free == NULL;
	ok &= !w || h->count > 0;
	for (unsigned l = 0; w && l < CW_TQ_LEVELS; l++) {
		ok &= !!(w->levels & (1u << l)) == !!w->pending[l];
		for (unsigned s = 0; s < CW_TQ_SLOTS; s++) {
			const struct cw_tq_bucket *b = &w->slot[l][s];
			const struct cw_hrtimer_node *prev = NULL;

			ok &= !!(w->pending[l] & (1ull << s)) == !!b->first;
			for (const struct cw_hrtimer_node *n = b->first; n; prev = n, n = n->next) {
				unsigned nl, ns;

				ok &= n->prev == prev && n->child == NULL &&
				      cw_tq_key(n) >= h->base;
				cw_tq_slot_of(h, cw_tq_key(n), &nl, &ns);
				ok &= nl == l && ns == s;
				for (const struct cw_hrtimer_node *m = b->first; m != n;
				     m = m->next) {
					ok &= m->expires != n->expires || m->seq < n->seq;
				}
				if (!min || cw_tq_before(n, min)) {
					min = n;
				}
				total++;
			}
			ok &= b->last == prev;
		}
	}
	total += early;
	ok &= total == h->count && h->first == min;
	return ok;
}

/**
 * Check a pool: every free wheel empty (bitmaps and buckets zero).
 * @return the number of free wheels, or -1 if one is not empty. For tests.
 */
static inline long cw_tq_pool_check(const struct cw_tq_pool *pool)
{
	long nr = 0;

	for (const struct cw_tq_wheel *w = pool->free; w; w = w->next_free, nr++) {
		if (w->levels) {
			return -1;
		}
		for (unsigned l = 0; l < CW_TQ_LEVELS; l++) {
			if (w->pending[l]) {
				return -1;
			}
			for (unsigned s = 0; s < CW_TQ_SLOTS; s++) {
				if (w->slot[l][s].first || w->slot[l][s].last) {
					return -1;
				}
			}
		}
	}
	return nr;
}

#endif /* CLOCKWORK_SRC_CORE_TIMERQUEUE_H */
