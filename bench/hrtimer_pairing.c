/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: reference row "pairing", the intrusive two-pass pairing
 * heap that src/core/timerqueue.h used before the radix wheel (kept to
 * show what the change measured). Insert links under the root; a pop
 * melds the root's children in two passes. Not a competitor. The meld and
 * the two-pass merge are the queue's own (its early-key heap is the same
 * pairing heap); only the head and the add/remove bookkeeping are here.
 */
#include "core/compiler.h"
#include "core/timerqueue.h"

#include <clockwork/hrtimer.h>

#include "hrtimer_impl.h"

#include <stdlib.h>

/** A queue. Zero-initialised is empty. */
struct pq_head {
	struct cw_hrtimer_node *root;
	uint64_t next_seq;
	size_t count;
};

/** The first node (earliest expiry), or NULL. O(1). */
static inline struct cw_hrtimer_node *pq_first(const struct pq_head *h)
{
	return h->root;
}

/** Whether @p n is the first node. */
static inline bool pq_is_first(const struct pq_head *h, const struct cw_hrtimer_node *n)
{
	return h->root == n;
}

/** Insert @p n (its expires set). O(1). @return true if it is now the first node. */
static inline bool pq_add(struct pq_head *h, struct cw_hrtimer_node *n)
{
	n->child = n->next = n->prev = NULL;
	n->seq = h->next_seq++;
	h->count++;
	h->root = h->root ? cw_tq_meld(h->root, n) : n;
	return h->root == n;
}

/** Remove queued @p n. Amortised O(log n). @return true if the queue is now empty. */
static inline bool pq_del(struct pq_head *h, struct cw_hrtimer_node *n)
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
static inline struct cw_hrtimer_node *pq_pop(struct pq_head *h)
{
	struct cw_hrtimer_node *n = h->root;

	if (n) {
		pq_del(h, n);
	}
	return n;
}

static struct cw_hrtimer_node *cwq_nodes;
static struct pq_head cwq_head;

static int q_init(const struct hrq_params *p)
{
	cwq_nodes = calloc(p->n + 1, sizeof(*cwq_nodes));
	cwq_head = (struct pq_head){ 0 };
	return cwq_nodes ? 0 : -1;
}

static inline void q_start(size_t i, uint64_t key)
{
	cwq_nodes[i].expires = (int64_t)key;
	pq_add(&cwq_head, &cwq_nodes[i]);
}

static inline void q_cancel(size_t i)
{
	pq_del(&cwq_head, &cwq_nodes[i]);
}

static inline size_t q_pop(uint64_t k, uint64_t *key)
{
	struct cw_hrtimer_node *n = pq_pop(&cwq_head);

	(void)k;
	*key = (uint64_t)n->expires;
	return (size_t)(n - cwq_nodes);
}

static bool q_drain(uint64_t *key, size_t *i)
{
	if (!pq_first(&cwq_head)) {
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

#define HRQ_IMPL_SYM hrq_pairing
#include "hrtimer_impl.h"

const struct hrq_impl hrq_pairing = {
	.impl = "pairing",
	.start_cancel = hrq_start_cancel,
	.start_expire = hrq_start_expire,
	.drains = true,
	.timer_size = sizeof(struct cw_hrtimer_node),
};
