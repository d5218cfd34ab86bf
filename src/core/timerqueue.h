/* SPDX-License-Identifier: MIT */
/*
 * The hrtimer queue: an intrusive pairing heap ordered by (expiry, sequence).
 *
 * Why a pairing heap. The queue must give the first expiry in O(1),
 * insert and remove without allocating (arming never fails), in O(log n).
 * That rules out the fastest structure measured, an array binary heap: its
 * array must hold every timer that may ever be queued on a base. Among
 * intrusive structures, bench/bench_hrtimer.c (docs/benchmarks.md) measured
 * on this machine, ns per operation, pairing heap vs the best competitor:
 *   start+cancel  1e3: 17 vs 30 (array heap)  1e5: 34 vs 46  1e6: 243 vs 234
 *                 and 3-8x faster than a red-black tree with cached leftmost
 *   start+expire  1e3: 137 vs 100             1e5: 683 vs 246 1e6: 1650 vs 833
 *                 and 1.1-1.5x slower than the red-black tree
 * An insert is one comparison and a link under the root, so start+cancel
 * (I/O timeouts, the common hrtimer pattern in servers) is the fastest of
 * all. A pop melds the root's children (15-25 of them at 1e3..1e5), each a
 * dependent cache miss on a timer somewhere in memory, so pop-heavy work
 * (sleeps, interval timers) pays 1.4-2.8x over the array heap. We keep the
 * pairing heap for the no-allocation rule and the cancel path; the missed
 * start+expire target is recorded in the closing note.
 *
 * Ties. Equal expiries come out in insertion order: each node carries a
 * sequence number from the queue, compared after the expiry.
 *
 * Shape. Each node (struct cw_hrtimer_node, embedded in struct cw_hrtimer) has its first child
 * (child), its next sibling (next) and a back link (prev): the previous sibling, or the parent for
 * a first child; the root's prev is NULL. Removing a node unlinks it in O(1) and melds its children
 * (two-pass pairing) back under the root.
 *
 * Locking: none here; the hrtimer base lock protects a queue.
 */
#ifndef CLOCKWORK_SRC_CORE_TIMERQUEUE_H
#define CLOCKWORK_SRC_CORE_TIMERQUEUE_H

#include "compiler.h"

#include <clockwork/hrtimer.h>

#include <stddef.h>

/** A queue. Zero-initialised is empty. */
struct cw_tq_head {
	struct cw_hrtimer_node *root;
	uint64_t next_seq;
	size_t count;
};

static inline bool cw_tq_before(const struct cw_hrtimer_node *a, const struct cw_hrtimer_node *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

/* Meld two roots; returns the new root (both have prev == next == NULL). */
static inline struct cw_hrtimer_node *cw_tq_meld(struct cw_hrtimer_node *a,
						 struct cw_hrtimer_node *b)
{
	if (cw_tq_before(b, a)) {
		struct cw_hrtimer_node *t = a;

		a = b;
		b = t;
	}
	/* b becomes a's first child. */
	b->prev = a;
	b->next = a->child;
	if (a->child) {
		a->child->prev = b;
	}
	a->child = b;
	return a;
}

/*
 * Two-pass pairing of a sibling list: meld pairs left to right, then meld
 * the results right to left. Returns the new root with prev == next == NULL.
 */
static inline struct cw_hrtimer_node *cw_tq_merge_pairs(struct cw_hrtimer_node *first)
{
	struct cw_hrtimer_node *stack = NULL, *root;

	if (!first) {
		return NULL;
	}
	/* Pass 1: pair up; push each pair's winner on a stack linked by next. */
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
	/* Pass 2: meld from the last pair back to the first. */
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

/** The first node (earliest expiry), or NULL. O(1). */
static inline struct cw_hrtimer_node *cw_tq_first(const struct cw_tq_head *h)
{
	return h->root;
}

/** Whether @p n is the first node. */
static inline bool cw_tq_is_first(const struct cw_tq_head *h, const struct cw_hrtimer_node *n)
{
	return h->root == n;
}

/** Insert @p n (its expires set). O(1). @return true if it is now the first node. */
static inline bool cw_tq_add(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	n->child = n->next = n->prev = NULL;
	n->seq = h->next_seq++;
	h->count++;
	h->root = h->root ? cw_tq_meld(h->root, n) : n;
	return h->root == n;
}

/** Remove queued @p n. Amortised O(log n). @return true if the queue is now empty. */
static inline bool cw_tq_del(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	struct cw_hrtimer_node *sub;

	if (h->root == n) {
		h->root = cw_tq_merge_pairs(n->child);
	} else {
		/* Unlink from the parent's child list (prev is parent or left sibling). */
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
			h->root = cw_tq_meld(h->root, sub);
		}
	}
	n->child = n->next = n->prev = NULL;
	h->count--;
	return h->root == NULL;
}

/** Remove and return the first node, or NULL. */
static inline struct cw_hrtimer_node *cw_tq_pop(struct cw_tq_head *h)
{
	struct cw_hrtimer_node *n = h->root;

	if (n) {
		cw_tq_del(h, n);
	}
	return n;
}

#endif /* CLOCKWORK_SRC_CORE_TIMERQUEUE_H */
