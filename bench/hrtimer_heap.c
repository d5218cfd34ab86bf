/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: a plain binary min-heap, the baseline most event loops
 * use, written the textbook way: the array holds each entry's key next to
 * the pointer to its timer (sifting compares keys inside the array, one
 * cache line per level, no pointer chased), and each timer holds its index
 * in the array so that cancel is O(log n) without a search. Ties are broken
 * by a start sequence number, so equal keys expire in start order like
 * clockwork's queue.
 */
#include "hrtimer_impl.h"

#include <stdlib.h>

struct heap_timer {
	size_t idx;
};

/* One array slot: the key inline, then its timer. */
struct heap_slot {
	uint64_t key;
	uint64_t seq;
	struct heap_timer *t;
};

static struct heap_timer *hp_timers;
static struct heap_slot *hp_heap;
static size_t hp_len;
static uint64_t hp_seq;

static inline bool hp_less(const struct heap_slot *a, const struct heap_slot *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static inline void hp_put(size_t i, struct heap_slot s)
{
	hp_heap[i] = s;
	s.t->idx = i;
}

static inline void hp_sift_up(size_t i)
{
	struct heap_slot s = hp_heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!hp_less(&s, &hp_heap[parent])) {
			break;
		}
		hp_put(i, hp_heap[parent]);
		i = parent;
	}
	hp_put(i, s);
}

static inline void hp_sift_down(size_t i)
{
	struct heap_slot s = hp_heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= hp_len) {
			break;
		}
		if (c + 1 < hp_len && hp_less(&hp_heap[c + 1], &hp_heap[c])) {
			c++;
		}
		if (!hp_less(&hp_heap[c], &s)) {
			break;
		}
		hp_put(i, hp_heap[c]);
		i = c;
	}
	hp_put(i, s);
}

static inline void hp_remove_at(size_t i)
{
	struct heap_slot last = hp_heap[--hp_len];

	if (i == hp_len) {
		return;
	}
	hp_put(i, last);
	if (i > 0 && hp_less(&last, &hp_heap[(i - 1) / 2])) {
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
	hp_heap[hp_len] = (struct heap_slot){ key, hp_seq++, &hp_timers[i] };
	hp_len++;
	hp_sift_up(hp_len - 1);
}

static inline void q_cancel(size_t i)
{
	hp_remove_at(hp_timers[i].idx);
}

static inline size_t q_pop(uint64_t k, uint64_t *key)
{
	struct heap_slot top = hp_heap[0];

	(void)k;
	hp_remove_at(0);
	*key = top.key;
	return (size_t)(top.t - hp_timers);
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
	.timer_size = sizeof(struct heap_timer) + sizeof(struct heap_slot),
};
