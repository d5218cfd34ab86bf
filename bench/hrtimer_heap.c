/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: a plain binary min-heap, the baseline most event loops
 * use (libuv's timer heap is a pointer-linked binary heap; this one is
 * array-based): an array of pointers to the timers, each timer holding its
 * index in the array so that cancel is O(log n) without a search. Ties are
 * broken by a start sequence number, so equal keys expire in start order
 * like clockwork's queue.
 */
#include "hrtimer_impl.h"

#include <stdlib.h>

struct heap_timer {
	uint64_t key;
	uint64_t seq;
	size_t idx;
};

static struct heap_timer *hp_timers;
static struct heap_timer **hp_heap;
static size_t hp_len;
static uint64_t hp_seq;

static inline bool hp_less(const struct heap_timer *a, const struct heap_timer *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static inline void hp_sift_up(size_t i)
{
	struct heap_timer *t = hp_heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!hp_less(t, hp_heap[parent])) {
			break;
		}
		hp_heap[i] = hp_heap[parent];
		hp_heap[i]->idx = i;
		i = parent;
	}
	hp_heap[i] = t;
	t->idx = i;
}

static inline void hp_sift_down(size_t i)
{
	struct heap_timer *t = hp_heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= hp_len) {
			break;
		}
		if (c + 1 < hp_len && hp_less(hp_heap[c + 1], hp_heap[c])) {
			c++;
		}
		if (!hp_less(hp_heap[c], t)) {
			break;
		}
		hp_heap[i] = hp_heap[c];
		hp_heap[i]->idx = i;
		i = c;
	}
	hp_heap[i] = t;
	t->idx = i;
}

static inline void hp_remove_at(size_t i)
{
	struct heap_timer *last = hp_heap[--hp_len];

	if (i == hp_len) {
		return;
	}
	hp_heap[i] = last;
	last->idx = i;
	if (i > 0 && hp_less(last, hp_heap[(i - 1) / 2])) {
		hp_sift_up(i);
	} else {
		hp_sift_down(i);
	}
}

static int q_init(const struct hrq_params *p)
{
	hp_timers = calloc(p->n + 1, sizeof(*hp_timers));
	hp_heap = calloc(p->n + 1, sizeof(*hp_heap));
	hp_len = 0;
	hp_seq = 0;
	if (!hp_timers || !hp_heap) {
		free(hp_timers);
		free(hp_heap);
		return -1;
	}
	return 0;
}

static inline void q_start(size_t i, uint64_t key)
{
	struct heap_timer *t = &hp_timers[i];

	t->key = key;
	t->seq = hp_seq++;
	hp_heap[hp_len] = t;
	hp_len++;
	hp_sift_up(hp_len - 1);
}

static inline void q_cancel(size_t i)
{
	hp_remove_at(hp_timers[i].idx);
}

static inline size_t q_pop(uint64_t k, uint64_t *key)
{
	struct heap_timer *t = hp_heap[0];

	(void)k;
	hp_remove_at(0);
	*key = t->key;
	return (size_t)(t - hp_timers);
}

static bool q_drain(uint64_t *key, size_t *i)
{
	if (hp_len == 0) {
		return false;
	}
	*i = q_pop(0, key);
	return true;
}

static void q_fini(void)
{
	free(hp_timers);
	free(hp_heap);
	hp_timers = NULL;
	hp_heap = NULL;
}

static void q_run(void (*fn)(void *), void *arg)
{
	fn(arg);
}

#define HRQ_IMPL_SYM hrq_heap
#include "hrtimer_impl.h"

const struct hrq_impl hrq_heap = {
	.impl = "heap",
	.start_cancel = hrq_start_cancel,
	.start_expire = hrq_start_expire,
	.drains = true,
	.timer_size = sizeof(struct heap_timer) + sizeof(struct heap_timer *),
};
