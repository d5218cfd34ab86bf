/* SPDX-License-Identifier: MIT */
/*
 * The simulator's discrete-event engine: a virtual clock in nanoseconds, a
 * queue of caller-owned events and a seeded random generator. Nothing here
 * reads a host clock, so a run depends only on its inputs and its seed.
 *
 * Queue: a binary min-heap of pointers to struct cw_sim_event, ordered by
 * (when_ns, seq). seq is a per-engine counter stamped at every schedule, so
 * events due at the same nanosecond run in the order they were scheduled,
 * and an event scheduled "in the past" (clamped to now) runs after every
 * event already due. Each event records its heap position, so cancel and
 * reschedule are O(log n) with no search. The heap array is the only
 * allocation: it starts at CW_SIM_INITIAL_EVENTS entries and doubles when
 * full; cw_sim_reserve() lets setup code grow it ahead of time so that the
 * run itself never allocates.
 *
 * Random numbers: xoshiro256** (Blackman and Vigna), its 256-bit state
 * filled from the 64-bit seed by splitmix64, as its authors recommend.
 * Bounded values use rejection sampling, so they carry no modulo bias.
 */
#include <clockwork/sim.h>

#include "port/sim/sim-internal.h"

#include <stdio.h>
#include <stdlib.h>

/** Heap capacity a new engine starts with. */
#define CW_SIM_INITIAL_EVENTS 64u

/** heap_index of an event that is not queued. */
#define NOT_QUEUED SIZE_MAX

_Noreturn void cw__sim_bug(const char *what)
{
	fprintf(stderr, "clockwork sim: BUG: %s\n", what);
	abort();
}

/* ---------------------------------------------------------------------- */
/* Random generator */

static uint64_t splitmix64_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rotl64(uint64_t x, unsigned k)
{
	return (x << k) | (x >> (64 - k));
}

CW_API uint64_t cw_sim_random(struct cw_sim *sim)
{
	uint64_t *s = sim->rng;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

CW_API uint64_t cw_sim_random_below(struct cw_sim *sim, uint64_t bound)
{
	uint64_t threshold, r;

	if (bound == 0) {
		return 0;
	}
	/*
	 * 2^64 mod bound values at the bottom of the range would be drawn once
	 * more often than the others; reject them. At most half the range is
	 * rejected, so the expected number of draws is below 2.
	 */
	threshold = (0 - bound) % bound;
	do {
		r = cw_sim_random(sim);
	} while (r < threshold);
	return r % bound;
}

CW_API uint64_t cw_sim_seed(const struct cw_sim *sim)
{
	return sim->seed;
}

/* ---------------------------------------------------------------------- */
/* Event queue */

static bool event_before(const struct cw_sim_event *a, const struct cw_sim_event *b)
{
	if (a->when_ns != b->when_ns) {
		return a->when_ns < b->when_ns;
	}
	return a->seq < b->seq;
}

static void heap_place(struct cw_sim *sim, size_t i, struct cw_sim_event *ev)
{
	sim->heap[i] = ev;
	ev->heap_index = i;
}

static void sift_up(struct cw_sim *sim, size_t i)
{
	struct cw_sim_event *ev = sim->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!event_before(ev, sim->heap[parent])) {
			break;
		}
		heap_place(sim, i, sim->heap[parent]);
		i = parent;
	}
	heap_place(sim, i, ev);
}

static void sift_down(struct cw_sim *sim, size_t i)
{
	struct cw_sim_event *ev = sim->heap[i];
	size_t n = sim->nr_queued;

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= n) {
			break;
		}
		if (child + 1 < n && event_before(sim->heap[child + 1], sim->heap[child])) {
			child++;
		}
		if (!event_before(sim->heap[child], ev)) {
			break;
		}
		heap_place(sim, i, sim->heap[child]);
		i = child;
	}
	heap_place(sim, i, ev);
}

static void heap_remove(struct cw_sim *sim, struct cw_sim_event *ev)
{
	size_t i = ev->heap_index;
	struct cw_sim_event *last;

	if (i >= sim->nr_queued || sim->heap[i] != ev) {
		cw__sim_bug("event queued on another engine or corrupt heap index");
	}
	ev->heap_index = NOT_QUEUED;
	last = sim->heap[--sim->nr_queued];
	if (last == ev) {
		return;
	}
	heap_place(sim, i, last);
	/* The moved entry may belong above or below its new slot. */
	if (i > 0 && event_before(last, sim->heap[(i - 1) / 2])) {
		sift_up(sim, i);
	} else {
		sift_down(sim, i);
	}
}

CW_API int cw_sim_reserve(struct cw_sim *sim, size_t nr_events)
{
	struct cw_sim_event **heap;
	size_t cap = sim->capacity;

	if (nr_events <= cap) {
		return 0;
	}
	while (cap < nr_events) {
		if (cap > SIZE_MAX / 2 / sizeof(*heap)) {
			return CW_ENOMEM;
		}
		cap *= 2;
	}
	heap = realloc(sim->heap, cap * sizeof(*heap));
	if (!heap) {
		return CW_ENOMEM;
	}
	sim->heap = heap;
	sim->capacity = cap;
	return 0;
}

CW_API void cw_sim_event_init(struct cw_sim_event *ev, cw_sim_event_fn fn, void *data)
{
	ev->fn = fn;
	ev->cpu = 0;
	ev->data = data;
	ev->when_ns = 0;
	ev->seq = 0;
	ev->heap_index = NOT_QUEUED;
}

CW_API bool cw_sim_event_pending(const struct cw_sim_event *ev)
{
	return ev->heap_index != NOT_QUEUED;
}

CW_API void cw_sim_event_schedule(struct cw_sim *sim, struct cw_sim_event *ev, uint64_t when_ns)
{
	if (cw_sim_event_pending(ev)) {
		heap_remove(sim, ev);
	}
	if (sim->nr_queued == sim->capacity && cw_sim_reserve(sim, sim->capacity + 1) != 0) {
		cw__sim_bug("out of memory growing the event queue (use cw_sim_reserve)");
	}
	ev->when_ns = when_ns < sim->now_ns ? sim->now_ns : when_ns;
	ev->seq = sim->next_seq++;
	sim->heap[sim->nr_queued] = ev;
	ev->heap_index = sim->nr_queued++;
	sift_up(sim, ev->heap_index);
}

CW_API bool cw_sim_event_cancel(struct cw_sim *sim, struct cw_sim_event *ev)
{
	if (!cw_sim_event_pending(ev)) {
		return false;
	}
	heap_remove(sim, ev);
	return true;
}

CW_API uint64_t cw_sim_event_when_ns(const struct cw_sim_event *ev)
{
	return ev->when_ns;
}

/* ---------------------------------------------------------------------- */
/* Engine */

CW_API int cw_sim_create(uint64_t seed, struct cw_sim **out)
{
	struct cw_sim *sim = calloc(1, sizeof(*sim));
	uint64_t sm = seed;

	if (!sim) {
		return CW_ENOMEM;
	}
	sim->heap = calloc(CW_SIM_INITIAL_EVENTS, sizeof(*sim->heap));
	if (!sim->heap) {
		free(sim);
		return CW_ENOMEM;
	}
	sim->capacity = CW_SIM_INITIAL_EVENTS;
	sim->seed = seed;
	for (int i = 0; i < 4; i++) {
		sim->rng[i] = splitmix64_next(&sm);
	}
	*out = sim;
	return 0;
}

CW_API void cw_sim_destroy(struct cw_sim *sim)
{
	if (!sim) {
		return;
	}
	/* Leave dropped events in a state where they can be scheduled again. */
	for (size_t i = 0; i < sim->nr_queued; i++) {
		sim->heap[i]->heap_index = NOT_QUEUED;
	}
	free(sim->heap);
	free(sim);
}

CW_API uint64_t cw_sim_now_ns(const struct cw_sim *sim)
{
	return sim->now_ns;
}

CW_API unsigned cw_sim_current_cpu(const struct cw_sim *sim)
{
	return sim->current_cpu;
}

CW_API uint64_t cw_sim_next_event_ns(const struct cw_sim *sim)
{
	return sim->nr_queued ? sim->heap[0]->when_ns : UINT64_MAX;
}

CW_API size_t cw_sim_nr_queued(const struct cw_sim *sim)
{
	return sim->nr_queued;
}

CW_API uint64_t cw_sim_events_run(const struct cw_sim *sim)
{
	return sim->events_run;
}

CW_API uint64_t cw_sim_run_until(struct cw_sim *sim, uint64_t until_ns)
{
	uint64_t ran = 0;

	if (sim->running) {
		cw__sim_bug("cw_sim_run_until() called from inside an event");
	}
	sim->running = true;
	while (sim->nr_queued && sim->heap[0]->when_ns <= until_ns) {
		struct cw_sim_event *ev = sim->heap[0];

		heap_remove(sim, ev);
		sim->now_ns = ev->when_ns;
		sim->current_cpu = ev->cpu;
		ran++;
		sim->events_run++;
		/* The callback may reschedule @ev or any other event. */
		ev->fn(sim, ev);
	}
	sim->current_cpu = 0;
	sim->running = false;
	if (until_ns > sim->now_ns) {
		sim->now_ns = until_ns;
	}
	return ran;
}

CW_API uint64_t cw_sim_run_for(struct cw_sim *sim, uint64_t delta_ns)
{
	uint64_t until = sim->now_ns + delta_ns;

	/* Saturate: running "for ever" means up to the end of virtual time. */
	if (until < sim->now_ns) {
		until = UINT64_MAX;
	}
	return cw_sim_run_until(sim, until);
}
