/* SPDX-License-Identifier: MIT */
/*
 * The hrtimer queue (src/core/timerqueue.h) against a model:
 * a sorted array of (expiry, insertion order). Seeded random sequences of
 * insert, delete of an arbitrary queued node and pop of the minimum; after
 * every operation the first node and the count must match the model, and
 * every so often the queue checks its own shape (cw_tq_check: links,
 * buckets, order, counts).
 * Equal expiries must come out first in, first out. The queue borrows its
 * radix wheel from a pool as it grows and gives it back as it shrinks; two
 * queues share a pool of one wheel, so one of them runs without a wheel
 * (a pairing heap) while the other holds it, and both must stay exact.
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
static struct tq_test *tq_new(uint64_t seed, struct cw_tq_pool *pool)
{
	struct tq_test *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	cw_tq_init(&t->head, pool);
	t->seed = seed;
	t->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	return t;
}

/* One random step of @t; its target size wanders with @phase_step. */
static void tq_step(struct tq_test *t, uint64_t phase_step, int64_t range)
{
	/* The target size wanders between 0 and the node count. */
	uint64_t phase = (phase_step / 20000) % 4;
	unsigned target = phase == 0 ? 16 : phase == 1 ? TQ_NODES - 8 : phase == 2 ? 256 : 1;
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
static void tq_drain(struct tq_test *t)
{
	while (t->nr) {
		op_pop(t);
		check_first(t);
	}
	check_shape(t);
	assert_null(cw_tq_first(&t->head));
	assert_null(t->head.wheel);
}

/*
 * One random run on a queue whose pool has @nr_wheels wheels (0: a
 * pairing heap throughout). @range bounds the expiries (a small range
 * makes ties common); the target size wanders so the run covers small
 * and large queues, and the wheel is attached and given back many times.
 */
static void tq_run(uint64_t seed, uint64_t ops, int64_t range, size_t nr_wheels)
{
	struct cw_tq_wheel *wheel = calloc(1, sizeof(*wheel));
	struct cw_tq_pool pool;
	struct tq_test *t;
	unsigned attached = 0;
	bool had_wheel = false;

	assert_non_null(wheel);
	cw_tq_pool_init(&pool, wheel, nr_wheels);
	t = tq_new(seed, &pool);
	for (t->step = 0; t->step < ops; t->step++) {
		tq_step(t, t->step, range);
		if (t->head.wheel && !had_wheel) {
			attached++;
		}
		had_wheel = t->head.wheel != NULL;
		tq_check(t, cw_tq_pool_check(&pool) == (long)nr_wheels - (t->head.wheel ? 1 : 0));
	}
	tq_drain(t);
	/* The run crossed the thresholds both ways: the wheel came and went. */
	if (nr_wheels) {
		tq_check(t, attached >= 2);
	}
	assert_int_equal(cw_tq_pool_check(&pool), (long)nr_wheels);
	free(t);
	free(wheel);
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
	tq_run(seed, TQ_OPS, INT64_MAX, 1);
	tq_run(seed + 1, TQ_OPS, 1000000, 1);
	tq_run(seed + 2, TQ_OPS, 8, 1);
	/* No wheel in the pool: the pairing heap alone, at every size. */
	tq_run(seed + 3, TQ_OPS / 4, INT64_MAX, 0);
	tq_run(seed + 4, TQ_OPS / 4, 8, 0);
}

/*
 * Two queues, one wheel (a CPU's 8 clock bases share its pool): whichever
 * grows first holds the wheel, the other stays a pairing heap even with
 * thousands of nodes, until the wheel comes back. Their sizes wander out
 * of phase, so the wheel changes hands; both match their models
 * throughout and the wheel is never held by two queues.
 */
static void test_two_queues_share_one_wheel(void **state)
{
	struct cw_tq_wheel *wheel = calloc(1, sizeof(*wheel));
	struct cw_tq_pool pool;
	struct tq_test *a, *b;
	unsigned a_held = 0, b_held = 0, both_big_one_heap = 0;
	uint64_t seed = tq_seed();

	(void)state;
	assert_non_null(wheel);
	cw_tq_pool_init(&pool, wheel, 1);
	a = tq_new(seed + 10, &pool);
	b = tq_new(seed + 11, &pool);
	for (uint64_t i = 0; i < TQ_OPS; i++) {
		a->step = b->step = i;
		tq_step(a, i, INT64_MAX);
		tq_step(b, i + 10000, 1000000);
		tq_check(a, !(a->head.wheel && b->head.wheel));
		tq_check(a, cw_tq_pool_check(&pool) == ((a->head.wheel || b->head.wheel) ? 0 : 1));
		a_held += a->head.wheel != NULL;
		b_held += b->head.wheel != NULL;
		both_big_one_heap += a->nr > 1000 && b->nr > 1000;
	}
	tq_drain(a);
	tq_drain(b);
	/* Each held the wheel at some time, and both were large at once. */
	assert_true(a_held > 0 && b_held > 0);
	assert_true(both_big_one_heap > 0);
	assert_int_equal(cw_tq_pool_check(&pool), 1);
	free(a);
	free(b);
	free(wheel);
}

/*
 * The head is small: the per-CPU cost of a clock base is its head, not a
 * wheel (issue 10: 8 heads of 11 KiB each per CPU before).
 */
static void test_queue_head_is_small(void **state)
{
	(void)state;
	assert_true(sizeof(struct cw_tq_head) <= 64);
	assert_true(sizeof(struct cw_tq_wheel) <= 12 * 1024);
}

static void test_equal_expiries_come_out_in_insertion_order(void **state)
{
	struct cw_tq_wheel *wheel = calloc(1, sizeof(*wheel));
	struct cw_tq_pool pool;
	struct cw_tq_head head;
	struct cw_hrtimer_node n[128];

	(void)state;
	assert_non_null(wheel);
	cw_tq_pool_init(&pool, wheel, 1);
	cw_tq_init(&head, &pool);
	/* 128 equal keys: the queue takes the wheel past 64 and gives it back at 16. */
	for (unsigned i = 0; i < 128; i++) {
		n[i].expires = 100;
		cw_tq_add(&head, &n[i]);
	}
	assert_non_null(head.wheel);
	/* Remove every third one, then the rest pop in insertion order. */
	for (unsigned i = 0; i < 128; i += 3) {
		cw_tq_del(&head, &n[i]);
	}
	for (unsigned i = 0; i < 128; i++) {
		if (i % 3 == 0) {
			continue;
		}
		assert_ptr_equal(cw_tq_pop(&head), &n[i]);
		assert_true(cw_tq_check(&head));
	}
	assert_null(cw_tq_pop(&head));
	assert_int_equal(head.count, 0);
	assert_null(head.wheel);
	assert_int_equal(cw_tq_pool_check(&pool), 1);
	free(wheel);
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
		cmocka_unit_test(test_two_queues_share_one_wheel),
		cmocka_unit_test(test_queue_head_is_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
