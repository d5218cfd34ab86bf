/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel: a plain binary min-heap of timers, the textbook priority
 * queue many event loops use, written the textbook way: the array holds
 * each entry's key inline next to a pointer to its timer, so sifting
 * compares keys inside the array (one cache line per level, no pointer
 * chased), and each timer holds its index in the array (the back-pointer
 * that makes cancel O(log n) without a search). O(log n) arm and cancel,
 * O(log n) per expired timer, nothing per empty tick. A timer is what any
 * timer API needs: heap index, callback and its argument (24 bytes), plus
 * its 16-byte array slot: 40 bytes.
 */
#include "wheel_impl.h"

#include <stdlib.h>

struct heap_timer {
	/** Position in the heap, or SIZE_MAX when not armed. */
	size_t index;
	void (*fn)(struct heap_timer *t, void *arg);
	void *arg;
};

/* One array slot: the expiry inline, then its timer. */
struct heap_slot {
	uint64_t expires;
	struct heap_timer *t;
};

static void heap_cb(struct heap_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	wheel_fired++;
}

static struct heap_timer *heap_timers;
static struct heap_slot *heap;
static size_t heap_len;
static uint64_t heap_now;

static inline void heap_put(size_t i, struct heap_slot s)
{
	heap[i] = s;
	s.t->index = i;
}

static void sift_up(size_t i)
{
	struct heap_slot s = heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (heap[p].expires <= s.expires) {
			break;
		}
		heap_put(i, heap[p]);
		i = p;
	}
	heap_put(i, s);
}

static void sift_down(size_t i)
{
	struct heap_slot s = heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= heap_len) {
			break;
		}
		if (c + 1 < heap_len && heap[c + 1].expires < heap[c].expires) {
			c++;
		}
		if (s.expires <= heap[c].expires) {
			break;
		}
		heap_put(i, heap[c]);
		i = c;
	}
	heap_put(i, s);
}

static void heap_remove(struct heap_timer *t)
{
	size_t i = t->index;
	struct heap_slot last = heap[--heap_len];

	t->index = SIZE_MAX;
	if (last.t == t) {
		return;
	}
	heap_put(i, last);
	if (i > 0 && heap[(i - 1) / 2].expires > last.expires) {
		sift_up(i);
	} else {
		sift_down(i);
	}
}

static int hp_init(size_t n)
{
	heap_timers = malloc(n * sizeof(*heap_timers));
	heap = malloc(n * sizeof(*heap));
	if (!heap_timers || !heap) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		heap_timers[i].index = SIZE_MAX;
		heap_timers[i].fn = heap_cb;
		heap_timers[i].arg = NULL;
	}
	heap_len = 0;
	heap_now = 0;
	return 0;
}

static void hp_arm(size_t i, uint64_t delay)
{
	struct heap_timer *t = &heap_timers[i];
	uint64_t expires = heap_now + delay;
	size_t at = t->index;

	if (at != SIZE_MAX) {
		/* Re-arm in place: sift the slot whichever way its key moved. */
		uint64_t old = heap[at].expires;

		heap[at].expires = expires;
		if (expires < old) {
			sift_up(at);
		} else {
			sift_down(at);
		}
		return;
	}
	heap[heap_len] = (struct heap_slot){ expires, t };
	t->index = heap_len++;
	sift_up(t->index);
}

static void hp_cancel(size_t i)
{
	if (heap_timers[i].index != SIZE_MAX) {
		heap_remove(&heap_timers[i]);
	}
}

static void hp_advance(uint64_t now)
{
	heap_now = now;
	while (heap_len && heap[0].expires <= now) {
		struct heap_timer *t = heap[0].t;

		heap_remove(t);
		t->fn(t, t->arg);
	}
}

static void hp_fini(void)
{
	free(heap_timers);
	free(heap);
}

const struct wheel_ops wheel_heap_ops = {
	.impl = "heap",
	.clock = "virtual",
	.virtual_time = true,
	.timer_bytes = sizeof(struct heap_timer) + sizeof(struct heap_slot),
	.init = hp_init,
	.arm = hp_arm,
	.cancel = hp_cancel,
	.advance = hp_advance,
	.fini = hp_fini,
};
