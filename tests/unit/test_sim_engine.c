/* SPDX-License-Identifier: MIT */
/*
 * Tests of the simulator's discrete-event engine: time order, ties in
 * scheduling order, cancel and reschedule, run_until semantics, events
 * scheduled from callbacks, the random generator's determinism and range,
 * and a seeded random model check of the heap against a sorted list.
 */
#include <clockwork/sim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_LOG 64

/** Records the order in which events ran. */
struct trace {
	int ids[MAX_LOG];
	uint64_t at_ns[MAX_LOG];
	unsigned cpus[MAX_LOG];
	size_t n;
};

struct tev {
	struct cw_sim_event ev;
	int id;
	struct trace *trace;
};

static void record(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct tev *t = ev->data;

	assert_true(t->trace->n < MAX_LOG);
	t->trace->ids[t->trace->n] = t->id;
	t->trace->at_ns[t->trace->n] = cw_sim_now_ns(sim);
	t->trace->cpus[t->trace->n] = cw_sim_current_cpu(sim);
	t->trace->n++;
}

static void tev_init(struct tev *t, int id, struct trace *tr)
{
	cw_sim_event_init(&t->ev, record, t);
	t->id = id;
	t->trace = tr;
}

static struct cw_sim *new_sim(uint64_t seed)
{
	struct cw_sim *sim = NULL;

	assert_int_equal(cw_sim_create(seed, &sim), 0);
	assert_non_null(sim);
	return sim;
}

static void test_engine_runs_events_in_time_order(void **state)
{
	static const uint64_t when[] = { 500, 100, 300, 200, 400 };
	struct cw_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tev ev[5];

	(void)state;
	for (int i = 0; i < 5; i++) {
		tev_init(&ev[i], i, &tr);
		cw_sim_event_schedule(sim, &ev[i].ev, when[i]);
	}
	assert_int_equal(cw_sim_nr_queued(sim), 5);
	assert_int_equal(cw_sim_next_event_ns(sim), 100);
	assert_int_equal(cw_sim_run_until(sim, 1000), 5);
	assert_int_equal(tr.n, 5);
	int expect[] = { 1, 3, 2, 4, 0 };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(tr.ids[i], expect[i]);
		assert_int_equal(tr.at_ns[i], when[expect[i]]);
	}
	assert_int_equal(cw_sim_now_ns(sim), 1000);
	assert_int_equal(cw_sim_next_event_ns(sim), UINT64_MAX);
	cw_sim_destroy(sim);
}

static void test_engine_ties_run_in_scheduling_order(void **state)
{
	struct cw_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tev ev[8];

	(void)state;
	for (int i = 0; i < 8; i++) {
		tev_init(&ev[i], i, &tr);
		ev[i].ev.cpu = (unsigned)i % 3;
		cw_sim_event_schedule(sim, &ev[i].ev, 777);
	}
	cw_sim_run_until(sim, 777);
	assert_int_equal(tr.n, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(tr.ids[i], i);
		assert_int_equal(tr.cpus[i], (unsigned)i % 3);
		assert_int_equal(tr.at_ns[i], 777);
	}
	/* Outside events the current CPU reads 0. */
	assert_int_equal(cw_sim_current_cpu(sim), 0);
	cw_sim_destroy(sim);
}

static void test_engine_cancel_removes_only_that_event(void **state)
{
	struct cw_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tev ev[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		tev_init(&ev[i], i, &tr);
		cw_sim_event_schedule(sim, &ev[i].ev, 10 * (uint64_t)(i + 1));
	}
	assert_true(cw_sim_event_pending(&ev[1].ev));
	assert_true(cw_sim_event_cancel(sim, &ev[1].ev));
	assert_false(cw_sim_event_pending(&ev[1].ev));
	assert_false(cw_sim_event_cancel(sim, &ev[1].ev));
	assert_true(cw_sim_event_cancel(sim, &ev[3].ev));
	assert_int_equal(cw_sim_run_until(sim, 100), 2);
	assert_int_equal(tr.n, 2);
	assert_int_equal(tr.ids[0], 0);
	assert_int_equal(tr.ids[1], 2);
	cw_sim_destroy(sim);
}

static void test_engine_reschedule_moves_event_and_requeues_ties_last(void **state)
{
	struct cw_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tev a, b, c;

	(void)state;
	tev_init(&a, 'a', &tr);
	tev_init(&b, 'b', &tr);
	tev_init(&c, 'c', &tr);
	cw_sim_event_schedule(sim, &a.ev, 50);
	cw_sim_event_schedule(sim, &b.ev, 50);
	cw_sim_event_schedule(sim, &c.ev, 10);
	/* Moving a queued event re-stamps it: it now ties after b. */
	cw_sim_event_schedule(sim, &a.ev, 50);
	/* And c moves later, past both. */
	cw_sim_event_schedule(sim, &c.ev, 60);
	assert_int_equal(cw_sim_nr_queued(sim), 3);
	cw_sim_run_until(sim, 100);
	assert_int_equal(tr.n, 3);
	assert_int_equal(tr.ids[0], 'b');
	assert_int_equal(tr.ids[1], 'a');
	assert_int_equal(tr.ids[2], 'c');
	assert_int_equal(tr.at_ns[2], 60);
	cw_sim_destroy(sim);
}

static void test_engine_run_until_is_inclusive_and_sets_time(void **state)
{
	struct cw_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tev a, b;

	(void)state;
	tev_init(&a, 1, &tr);
	tev_init(&b, 2, &tr);
	cw_sim_event_schedule(sim, &a.ev, 100);
	cw_sim_event_schedule(sim, &b.ev, 101);
	assert_int_equal(cw_sim_run_until(sim, 99), 0);
	assert_int_equal(cw_sim_now_ns(sim), 99);
	assert_int_equal(cw_sim_run_until(sim, 100), 1);
	assert_int_equal(cw_sim_now_ns(sim), 100);
	/* Time never goes backwards: an earlier target is a no-op. */
	assert_int_equal(cw_sim_run_until(sim, 50), 0);
	assert_int_equal(cw_sim_now_ns(sim), 100);
	assert_int_equal(cw_sim_run_for(sim, 1), 1);
	assert_int_equal(cw_sim_now_ns(sim), 101);
	assert_int_equal(cw_sim_events_run(sim), 2);
	cw_sim_destroy(sim);
}

static void test_engine_past_time_fires_now_after_due_events(void **state)
{
	struct cw_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tev a, late;

	(void)state;
	cw_sim_run_until(sim, 1000);
	tev_init(&a, 1, &tr);
	tev_init(&late, 2, &tr);
	cw_sim_event_schedule(sim, &a.ev, 1000);
	cw_sim_event_schedule(sim, &late.ev, 5);
	assert_int_equal(cw_sim_event_when_ns(&late.ev), 1000);
	cw_sim_run_until(sim, 1000);
	assert_int_equal(tr.n, 2);
	assert_int_equal(tr.ids[0], 1);
	assert_int_equal(tr.ids[1], 2);
	assert_int_equal(tr.at_ns[1], 1000);
	cw_sim_destroy(sim);
}

/* A periodic event that reschedules itself 5 times. */
struct periodic {
	struct cw_sim_event ev;
	uint64_t period_ns;
	unsigned runs;
	uint64_t last_ns;
};

static void periodic_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct periodic *p = ev->data;

	p->runs++;
	p->last_ns = cw_sim_now_ns(sim);
	if (p->runs < 5) {
		cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + p->period_ns);
	}
}

static void test_engine_callback_may_reschedule_itself(void **state)
{
	struct cw_sim *sim = new_sim(1);
	struct periodic p = { .period_ns = 250 };

	(void)state;
	cw_sim_event_init(&p.ev, periodic_fire, &p);
	cw_sim_event_schedule(sim, &p.ev, 250);
	assert_int_equal(cw_sim_run_until(sim, 1000), 4);
	assert_int_equal(p.runs, 4);
	assert_true(cw_sim_event_pending(&p.ev));
	assert_int_equal(cw_sim_run_until(sim, 10000), 1);
	assert_int_equal(p.runs, 5);
	assert_int_equal(p.last_ns, 1250);
	assert_false(cw_sim_event_pending(&p.ev));
	cw_sim_destroy(sim);
}

static void test_engine_queue_grows_past_initial_capacity(void **state)
{
	enum {
		N = 1000
	};
	struct cw_sim *sim = new_sim(1);
	struct periodic *p = calloc(N, sizeof(*p));

	(void)state;
	assert_non_null(p);
	assert_int_equal(cw_sim_reserve(sim, 16), 0);
	for (int i = 0; i < N; i++) {
		cw_sim_event_init(&p[i].ev, periodic_fire, &p[i]);
		p[i].runs = 4;
		cw_sim_event_schedule(sim, &p[i].ev, (uint64_t)(N - i));
	}
	assert_int_equal(cw_sim_nr_queued(sim), N);
	assert_int_equal(cw_sim_run_until(sim, N), N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(p[i].last_ns, (uint64_t)(N - i));
	}
	cw_sim_destroy(sim);
	free(p);
}

static void test_engine_random_same_seed_same_sequence(void **state)
{
	struct cw_sim *a = new_sim(12345), *b = new_sim(12345), *c = new_sim(12346);
	unsigned same_as_c = 0;

	(void)state;
	assert_int_equal(cw_sim_seed(a), 12345);
	for (int i = 0; i < 1000; i++) {
		uint64_t va = cw_sim_random(a), vb = cw_sim_random(b), vc = cw_sim_random(c);

		assert_int_equal(va, vb);
		same_as_c += va == vc;
	}
	assert_int_equal(same_as_c, 0);
	cw_sim_destroy(a);
	cw_sim_destroy(b);
	cw_sim_destroy(c);
}

static void test_engine_random_known_first_values(void **state)
{
	struct cw_sim *a = new_sim(0);
	uint64_t first = cw_sim_random(a);
	struct cw_sim *b = new_sim(0);

	(void)state;
	/* Not all zero (splitmix64 seeding) and reproducible across engines. */
	assert_true(first != 0);
	assert_int_equal(cw_sim_random(b), first);
	cw_sim_destroy(a);
	cw_sim_destroy(b);
}

static void test_engine_random_below_stays_in_range_and_covers_it(void **state)
{
	struct cw_sim *sim = new_sim(7);
	unsigned hits[10] = { 0 };

	(void)state;
	assert_int_equal(cw_sim_random_below(sim, 0), 0);
	assert_int_equal(cw_sim_random_below(sim, 1), 0);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = cw_sim_random_below(sim, 10);

		assert_true(v < 10);
		hits[v]++;
	}
	/* Each bucket expects 1000; 800..1200 is over 6 sigma wide. */
	for (int i = 0; i < 10; i++) {
		assert_in_range(hits[i], 800, 1200);
	}
	for (int i = 0; i < 100; i++) {
		assert_true(cw_sim_random_below(sim, UINT64_MAX) < UINT64_MAX);
	}
	cw_sim_destroy(sim);
}

/* Model check: random schedule/cancel/run against a naive list. */
#define MODEL_EVENTS 64

struct model {
	struct tev ev[MODEL_EVENTS];
	bool queued[MODEL_EVENTS];
	uint64_t when[MODEL_EVENTS];
	uint64_t seq[MODEL_EVENTS];
	uint64_t next_seq;
	struct trace tr;
};

/* Id of the next event the model expects, or -1. */
static int model_next(const struct model *m)
{
	int best = -1;

	for (int i = 0; i < MODEL_EVENTS; i++) {
		if (!m->queued[i]) {
			continue;
		}
		if (best < 0 || m->when[i] < m->when[best] ||
		    (m->when[i] == m->when[best] && m->seq[i] < m->seq[best])) {
			best = i;
		}
	}
	return best;
}

static size_t model_queued(const struct model *m)
{
	size_t q = 0;

	for (int k = 0; k < MODEL_EVENTS; k++) {
		q += m->queued[k];
	}
	return q;
}

static void model_step(struct cw_sim *sim, struct model *m, struct cw_sim *rng)
{
	int i = (int)cw_sim_random_below(rng, MODEL_EVENTS);
	uint64_t op = cw_sim_random_below(rng, 10);

	if (op < 6) {
		uint64_t when = cw_sim_now_ns(sim) + cw_sim_random_below(rng, 20);

		cw_sim_event_schedule(sim, &m->ev[i].ev, when);
		m->queued[i] = true;
		m->when[i] = when;
		m->seq[i] = m->next_seq++;
	} else if (op < 8) {
		assert_int_equal(cw_sim_event_cancel(sim, &m->ev[i].ev), m->queued[i]);
		m->queued[i] = false;
	} else {
		int expect = model_next(m);

		m->tr.n = 0;
		if (expect >= 0) {
			cw_sim_run_until(sim, m->when[expect]);
			assert_true(m->tr.n >= 1);
			assert_int_equal(m->tr.ids[0], expect);
			/* Everything else due at that instant ran too, in order. */
			for (size_t k = 0; k < m->tr.n; k++) {
				assert_int_equal(m->tr.ids[k], model_next(m));
				m->queued[m->tr.ids[k]] = false;
			}
			assert_true(model_next(m) < 0 ||
				    m->when[model_next(m)] > cw_sim_now_ns(sim));
		}
	}
	assert_int_equal(cw_sim_nr_queued(sim), model_queued(m));
}

static void test_engine_matches_naive_model_under_random_operations(void **state)
{
	struct cw_sim *sim = new_sim(1), *rng = new_sim(2024);
	struct model *m = calloc(1, sizeof(*m));

	(void)state;
	assert_non_null(m);
	for (int i = 0; i < MODEL_EVENTS; i++) {
		tev_init(&m->ev[i], i, &m->tr);
	}
	for (int step = 0; step < 20000; step++) {
		model_step(sim, m, rng);
	}
	cw_sim_destroy(sim);
	cw_sim_destroy(rng);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_runs_events_in_time_order),
		cmocka_unit_test(test_engine_ties_run_in_scheduling_order),
		cmocka_unit_test(test_engine_cancel_removes_only_that_event),
		cmocka_unit_test(test_engine_reschedule_moves_event_and_requeues_ties_last),
		cmocka_unit_test(test_engine_run_until_is_inclusive_and_sets_time),
		cmocka_unit_test(test_engine_past_time_fires_now_after_due_events),
		cmocka_unit_test(test_engine_callback_may_reschedule_itself),
		cmocka_unit_test(test_engine_queue_grows_past_initial_capacity),
		cmocka_unit_test(test_engine_random_same_seed_same_sequence),
		cmocka_unit_test(test_engine_random_known_first_values),
		cmocka_unit_test(test_engine_random_below_stays_in_range_and_covers_it),
		cmocka_unit_test(test_engine_matches_naive_model_under_random_operations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
