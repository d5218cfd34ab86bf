/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: candidate queue "radix": a radix wheel of FIFO buckets
 * (6 bits a level, cascading towards a moving base key) with exact order,
 * plus a pairing heap for keys below the base. Prototype of
 * src/core/timerqueue.h's replacement.
 */
#include "core/compiler.h"

#include <clockwork/hrtimer.h>

#include "hrtimer_impl.h"

#include <stdlib.h>
#include <string.h>

/* Levels of the radix wheel: 6 bits of the key each, 11 levels cover 64 bits. */
#define CW_TQ_BITS      6
#define CW_TQ_SLOTS     (1u << CW_TQ_BITS)
#define CW_TQ_LEVELS    11
/* Rebuild when the early heap holds more than this and more than the wheel. */
#define CW_TQ_EARLY_MIN 64

/** A bucket of the wheel: a FIFO list through node next/prev. */
struct cw_tq_bucket {
	struct cw_hrtimer_node *first;
	struct cw_hrtimer_node *last;
};

/**
 * A queue. Zero-initialised is empty. About 11 KiB, fixed: nothing is
 * allocated when timers come and go.
 */
struct cw_tq_head {
	/** The first node (earliest expiry, oldest among equals), or NULL. */
	struct cw_hrtimer_node *first;
	/** Root of the early heap: the nodes whose key is below base. */
	struct cw_hrtimer_node *early;
	/** The wheel's reference key: early keys < base <= wheel keys. */
	uint64_t base;
	/** Sequence number of the next insertion (the tie-break). */
	uint64_t next_seq;
	/** Nodes queued. */
	size_t count;
	/** Nodes in the early heap. */
	size_t nr_early;
	/** Bit l set: level l has a non-empty slot. */
	uint32_t levels;
	/** Bit s of pending[l] set: slot[l][s] is non-empty. */
	uint64_t pending[CW_TQ_LEVELS];
	struct cw_tq_bucket slot[CW_TQ_LEVELS][CW_TQ_SLOTS];
};

/* Keys as unsigned numbers in the same order as the int64 expiries. */
static inline uint64_t cw_tq_key(const struct cw_hrtimer_node *n)
{
	return (uint64_t)n->expires ^ (1ull << 63);
}

static inline bool cw_tq_before(const struct cw_hrtimer_node *a, const struct cw_hrtimer_node *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
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

/* ---- the wheel ---- */

/* The bucket of key @p u (>= base): the level of the highest bit where it
 * differs from base, and the key's digit at that level. */
static inline struct cw_tq_bucket *cw_tq_bucket_of(struct cw_tq_head *h, uint64_t u, unsigned *lp,
						   unsigned *sp)
{
	uint64_t x = u ^ h->base;
	unsigned l = x ? (unsigned)(63 - __builtin_clzll(x)) / CW_TQ_BITS : 0;
	unsigned s = (unsigned)(u >> (l * CW_TQ_BITS)) & (CW_TQ_SLOTS - 1);

	*lp = l;
	*sp = s;
	return &h->slot[l][s];
}

/* Append @p n at the tail of its bucket (FIFO among equal keys). */
static inline void cw_tq_wheel_add(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	unsigned l, s;
	struct cw_tq_bucket *b = cw_tq_bucket_of(h, cw_tq_key(n), &l, &s);

	n->next = NULL;
	n->prev = b->last;
	if (b->last) {
		b->last->next = n;
	} else {
		b->first = n;
		h->pending[l] |= 1ull << s;
		h->levels |= 1u << l;
	}
	b->last = n;
}

static inline void cw_tq_wheel_del(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	unsigned l, s;
	struct cw_tq_bucket *b = cw_tq_bucket_of(h, cw_tq_key(n), &l, &s);

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
		h->pending[l] &= ~(1ull << s);
		if (!h->pending[l]) {
			h->levels &= ~(1u << l);
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
	struct cw_tq_bucket *b = &h->slot[l][s];
	struct cw_hrtimer_node *n = b->first;
	unsigned shift = (l + 1) * CW_TQ_BITS;
	uint64_t high = shift >= 64 ? 0 : h->base & (~0ull << shift);

	b->first = b->last = NULL;
	h->pending[l] &= ~(1ull << s);
	if (!h->pending[l]) {
		h->levels &= ~(1u << l);
	}
	h->base = high | ((uint64_t)s << (l * CW_TQ_BITS));
	while (n) {
		struct cw_hrtimer_node *next = n->next;

		cw_tq_wheel_add(h, n);
		n = next;
	}
}

/* The wheel's first node, cascading until it sits in level 0. */
static inline struct cw_hrtimer_node *cw_tq_wheel_first(struct cw_tq_head *h)
{
	while (h->levels) {
		unsigned l = (unsigned)__builtin_ctz(h->levels);
		unsigned s = (unsigned)__builtin_ctzll(h->pending[l]);

		if (l == 0) {
			return h->slot[0][s].first;
		}
		cw_tq_cascade(h, l, s);
	}
	return NULL;
}

/*
 * Too many keys below base (a REALTIME clock set back, or a start with
 * keys in no particular order): move base down to the smallest key and
 * put every node back in the wheel. Wheel nodes go back bucket by bucket
 * in list order and early nodes in (expiry, sequence) order, so equal
 * keys keep their order. O(n + e log e), paid for by the e > n/2 early
 * insertions since the last rebuild.
 */
static inline void cw_tq_rebuild(struct cw_tq_head *h)
{
	struct cw_hrtimer_node *list = NULL, **tail = &list;

	for (unsigned l = 0; l < CW_TQ_LEVELS; l++) {
		while (h->pending[l]) {
			unsigned s = (unsigned)__builtin_ctzll(h->pending[l]);
			struct cw_tq_bucket *b = &h->slot[l][s];

			*tail = b->first;
			tail = &b->last->next;
			b->first = b->last = NULL;
			h->pending[l] &= h->pending[l] - 1;
		}
	}
	h->levels = 0;
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
	if (h->count++ == 0) {
		h->base = u;
	}
	if (u < h->base) {
		h->early = h->early ? cw_tq_meld(h->early, n) : n;
		if (++h->nr_early > CW_TQ_EARLY_MIN && 2 * h->nr_early > h->count) {
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

/** Remove queued @p n. O(1) amortised. @return true if the queue is now empty. */
static inline bool cw_tq_del(struct cw_tq_head *h, struct cw_hrtimer_node *n)
{
	if (cw_tq_key(n) < h->base) {
		cw_tq_early_del(h, n);
	} else {
		cw_tq_wheel_del(h, n);
	}
	n->child = n->next = n->prev = NULL;
	h->count--;
	if (h->first == n) {
		h->first = h->early ? h->early : cw_tq_wheel_first(h);
	}
	return h->count == 0;
}

/** Remove and return the first node, or NULL. */
static inline struct cw_hrtimer_node *cw_tq_pop(struct cw_tq_head *h)
{
	struct cw_hrtimer_node *n = h->first;

	if (n) {
		cw_tq_del(h, n);
	}
	return n;
}
static struct cw_hrtimer_node *cwq_nodes;
static struct cw_tq_head cwq_head;

static int q_init(const struct hrq_params *p)
{
	cwq_nodes = calloc(p->n + 1, sizeof(*cwq_nodes));
	memset(&cwq_head, 0, sizeof(cwq_head));
	return cwq_nodes ? 0 : -1;
}

static inline void q_start(size_t i, uint64_t key)
{
	cwq_nodes[i].expires = (int64_t)key;
	cw_tq_add(&cwq_head, &cwq_nodes[i]);
}

static inline void q_cancel(size_t i)
{
	cw_tq_del(&cwq_head, &cwq_nodes[i]);
}

static inline size_t q_pop(uint64_t k, uint64_t *key)
{
	struct cw_hrtimer_node *n = cw_tq_pop(&cwq_head);

	(void)k;
	*key = (uint64_t)n->expires;
	return (size_t)(n - cwq_nodes);
}

static bool q_drain(uint64_t *key, size_t *i)
{
	if (!cw_tq_first(&cwq_head)) {
		return false;
	}
	*i = q_pop(0, key);
	return true;
}

static void q_fini(void)
{
	free(cwq_nodes);
	cwq_nodes = NULL;
}

static void q_run(void (*fn)(void *), void *arg)
{
	fn(arg);
}

#define HRQ_IMPL_SYM hrq_radix
#include "hrtimer_impl.h"

const struct hrq_impl hrq_radix = {
	.impl = "radix",
	.start_cancel = hrq_start_cancel,
	.start_expire = hrq_start_expire,
	.drains = true,
	.timer_size = sizeof(struct cw_hrtimer_node),
};
