/* SPDX-License-Identifier: MIT */
/*
 * The hrtimer queue (src/core/timerqueue.h) against a model:
 * a sorted array of (expiry, insertion order). Seeded random sequences of
 * insert, delete of an arbitrary queued node and pop of the minimum; after
 * every operation the first node and the count must match the model, and
 * every so often the queue checks its own shape (cw_tq_check: links,
 * buckets, order, counts).
 * Equal expiries must come out first in, first out.
 *
 * The seed is printed on failure; CWT_TQ_SEED=<n> in the environment
 * replays one.
 */
#include "cw_test.h"

#include "core/timerqueue.h"

#include <stdlib.h>

/* Operations in the normal run (per expiry range). */
#define TQ_OPS   200000u
/* Nodes available to the test: the queue never holds more. */
#define TQ_NODES 4096u

struct tq_model_entry {
	int64_t expires;
	uint64_t order; /* insertion counter, the tie-break */
	unsigned node;  /* index into the node array */
};

struct tq_test {
	struct cw_tq_head head;
	struct cw_hrtimer_node nodes[TQ_NODES];
	bool queued[TQ_NODES];
	/* The model: sorted by (expires, order). */
	struct tq_model_entry model[TQ_NODES];
	unsigned nr;
	uint64_t order;
	uint64_t rng;
	uint64_t seed;
	uint64_t step;
};

static uint64_t tq_rand(struct tq_test *t)
{
	/* xorshift64*: small, seeded, reproducible. */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t tq_below(struct tq_test *t, uint64_t bound)
{
	return tq_rand(t) % bound;
}

#define tq_check(t, cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fail_msg("seed %llu step %llu: %s", (unsigned long long)(t)->seed,         \
				 (unsigned long long)(t)->step, #cond);                            \
		}                                                                                  \
	} while (0)

static bool model_before(const struct tq_model_entry *a, const struct tq_model_entry *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->order < b->order);
}

static void model_insert(struct tq_test *t, unsigned node, int64_t expires)
{
	struct tq_model_entry e = { .expires = expires, .order = t->order++, .node = node };
	unsigned i = t->nr;

	while (i > 0 && model_before(&e, &t->model[i - 1])) {
		t->model[i] = t->model[i - 1];
		i--;
	}
	t->model[i] = e;
	t->nr++;
}

static void model_remove_at(struct tq_test *t, unsigned i)
{
	memmove(&t->model[i], &t->model[i + 1], (t->nr - i - 1) * sizeof(t->model[0]));
	t->nr--;
}

/* The queue's own consistency check: links, buckets, order, counts. */
static void check_shape(struct tq_test *t)
{
	tq_check(t, cw_tq_check(&t->head));
}

static void check_first(struct tq_test *t)
{
	const struct cw_hrtimer_node *first = cw_tq_first(&t->head);

	tq_check(t, t->head.count == t->nr);
	if (t->nr == 0) {
		tq_check(t, first == NULL);
		return;
	}
	tq_check(t, first == &t->nodes[t->model[0].node]);
	tq_check(t, cw_tq_is_first(&t->head, first));
}

static void op_insert(struct tq_test *t, int64_t range)
{
	unsigned node = (unsigned)tq_below(t, TQ_NODES);
	int64_t expires = (int64_t)tq_below(t, (uint64_t)range);
	bool now_first;

	/* Find a free node from a random start. */
	for (unsigned k = 0; k < TQ_NODES && t->queued[node]; k++) {
		node = (node + 1) % TQ_NODES;
	}
	if (t->queued[node]) {
		return;
	}
	t->nodes[node].expires = expires;
	now_first = cw_tq_add(&t->head, &t->nodes[node]);
	t->queued[node] = true;
	model_insert(t, node, expires);
	tq_check(t, now_first == (t->model[0].node == node));
}

static void op_delete(struct tq_test *t)
{
	unsigned i, node;
	bool empty;

	if (t->nr == 0) {
		return;
	}
	i = (unsigned)tq_below(t, t->nr);
	node = t->model[i].node;
	empty = cw_tq_del(&t->head, &t->nodes[node]);
	t->queued[node] = false;
	model_remove_at(t, i);
	tq_check(t, empty == (t->nr == 0));
}

static void op_pop(struct tq_test *t)
{
	struct cw_hrtimer_node *n = cw_tq_pop(&t->head);

	if (t->nr == 0) {
		tq_check(t, n == NULL);
		return;
	}
	/* The earliest expiry, and among equal ones the first inserted. */
	tq_check(t, n == &t->nodes[t->model[0].node]);
	t->queued[t->model[0].node] = false;
	model_remove_at(t, 0);
}

/*
 * One random run. @range bounds the expiries (a small range makes ties
 * common); @fill biases towards insertion until the queue holds about that
 * many nodes, so the run covers both small and large heaps.
 */
static void tq_run(uint64_t seed, uint64_t ops, int64_t range)
{
	struct tq_test *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->seed = seed;
	t->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (t->step = 0; t->step < ops; t->step++) {
		/* The target size wanders between 0 and the node count. */
		uint64_t phase = (t->step / 20000) % 4;
		unsigned target = phase == 0   ? 16
				  : phase == 1 ? TQ_NODES - 8
				  : phase == 2 ? 256
					       : 1;
		uint64_t r = tq_below(t, 100);

		if (t->nr < target ? r < 60 : r < 30) {
			op_insert(t, range);
		} else if (r < 80) {
			op_delete(t);
		} else {
			op_pop(t);
		}
		check_first(t);
		if ((t->step & 1023) == 0) {
			check_shape(t);
		}
	}
	/* Drain: everything comes out in model order. */
	while (t->nr) {
		op_pop(t);
		check_first(t);
	}
	check_shape(t);
	assert_null(cw_tq_first(&t->head));
	free(t);
}

static uint64_t tq_seed(void)
{
	const char *env = getenv("CWT_TQ_SEED");

	return env ? strtoull(env, NULL, 0) : 20240611u;
}

static void test_queue_matches_sorted_model_under_random_operations(void **state)
{
	uint64_t seed = tq_seed();

	(void)state;
	print_message("timerqueue model: seed %llu, %u ops per range\n", (unsigned long long)seed,
		      TQ_OPS);
	/* Wide range (few ties), then a narrow one (many ties: FIFO order matters). */
	tq_run(seed, TQ_OPS, INT64_MAX);
	tq_run(seed + 1, TQ_OPS, 1000000);
	tq_run(seed + 2, TQ_OPS, 8);
}

static void test_equal_expiries_come_out_in_insertion_order(void **state)
{
	struct cw_tq_head head = { 0 };
	struct cw_hrtimer_node n[64];

	(void)state;
	for (unsigned i = 0; i < 64; i++) {
		n[i].expires = 100;
		cw_tq_add(&head, &n[i]);
	}
	/* Remove every third one, then the rest pop in insertion order. */
	for (unsigned i = 0; i < 64; i += 3) {
		cw_tq_del(&head, &n[i]);
	}
	for (unsigned i = 0; i < 64; i++) {
		if (i % 3 == 0) {
			continue;
		}
		assert_ptr_equal(cw_tq_pop(&head), &n[i]);
	}
	assert_null(cw_tq_pop(&head));
	assert_int_equal(head.count, 0);
}

static void test_add_reports_new_first_and_del_reports_empty(void **state)
{
	struct cw_tq_head head = { 0 };
	struct cw_hrtimer_node a = { .expires = 50 }, b = { .expires = 40 }, c = { .expires = 60 },
			       d = { .expires = 40 };

	(void)state;
	assert_true(cw_tq_add(&head, &a));
	assert_true(cw_tq_add(&head, &b));
	assert_false(cw_tq_add(&head, &c));
	/* Equal to the first: queued after it, not first. */
	assert_false(cw_tq_add(&head, &d));
	assert_ptr_equal(cw_tq_first(&head), &b);
	assert_false(cw_tq_del(&head, &b));
	assert_ptr_equal(cw_tq_first(&head), &d);
	assert_false(cw_tq_del(&head, &c));
	assert_false(cw_tq_del(&head, &d));
	assert_true(cw_tq_del(&head, &a));
	assert_null(cw_tq_first(&head));
	assert_null(cw_tq_pop(&head));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_reports_new_first_and_del_reports_empty),
		cmocka_unit_test(test_equal_expiries_come_out_in_insertion_order),
		cmocka_unit_test(test_queue_matches_sorted_model_under_random_operations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
