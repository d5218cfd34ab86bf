/* SPDX-License-Identifier: MIT */
/*
 * The sim port's interrupt pipeline (issue 12, section 1): in-band
 * deliveries that arrive while a CPU's in-band stage is stalled are logged
 * and replayed in arrival order on unstall; out-of-band handlers run at
 * once whatever the stall; lines switch stages at run time; the synthetic
 * interrupt posted from an oob handler runs right after it, or after the
 * stall. Hardware without a system, virtual time only.
 */
#include <clockwork/sim_hw.h>

#include "cw_test.h"

#include <stdlib.h>

/** What ran, in order: line number (or 1000 + cpu for the synthetic one) and when. */
struct trace {
	unsigned n;
	unsigned what[32];
	uint64_t when[32];
	struct cw_sim_hw *hw;
	/** Line whose handler posts the synthetic interrupt (-1: none). */
	int post_from;
};

static void record(struct trace *t, unsigned what)
{
	assert_true(t->n < 32);
	t->what[t->n] = what;
	t->when[t->n] = cw_sim_now_ns(cw_sim_hw_engine(t->hw));
	t->n++;
}

static void line_fn(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	struct trace *t = arg;

	record(t, irq);
	if ((int)irq == t->post_from) {
		assert_int_equal(cw_sim_hw_synth_post(hw, cpu), 0);
	}
}

static void synth_fn(struct cw_sim_hw *hw, unsigned cpu, void *arg)
{
	(void)hw;
	record(arg, 1000 + cpu);
}

struct raise {
	struct cw_sim_event ev;
	struct cw_sim_hw *hw;
	unsigned irq;
};

static void raise_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct raise *r = ev->data;

	(void)sim;
	assert_int_equal(cw_sim_hw_irq_raise(r->hw, r->irq, 0), 0);
}

static void raise_at(struct cw_sim *sim, struct raise *r, struct cw_sim_hw *hw, unsigned irq,
		     uint64_t at)
{
	r->hw = hw;
	r->irq = irq;
	cw_sim_event_init(&r->ev, raise_fn, r);
	cw_sim_event_schedule(sim, &r->ev, at);
}

struct pipe {
	struct cw_sim *sim;
	struct cw_sim_hw *hw;
	struct trace t;
};

static struct pipe *pipe_create(void)
{
	struct pipe *p = calloc(1, sizeof(*p));
	struct cw_sim_hw_params hp = { .irq_latency_ns = US(1) };

	assert_non_null(p);
	assert_int_equal(cw_sim_create(1, &p->sim), 0);
	assert_int_equal(cw_sim_hw_create(p->sim, NULL, 2, &hp, &p->hw), 0);
	p->t.hw = p->hw;
	p->t.post_from = -1;
	for (unsigned irq = 10; irq <= 14; irq++) {
		assert_int_equal(
			cw_sim_hw_irq_request(p->hw, irq, CW_SIM_HW_IRQ_PERCPU, line_fn, &p->t), 0);
	}
	assert_int_equal(cw_sim_hw_synth_request(p->hw, synth_fn, &p->t), 0);
	return p;
}

static void pipe_destroy(struct pipe *p)
{
	cw_sim_hw_destroy(p->hw);
	cw_sim_destroy(p->sim);
	free(p);
}

static void test_inband_irqs_logged_while_stalled_replay_in_arrival_order(void **state)
{
	struct pipe *p = pipe_create();
	struct raise r[4];
	struct cw_sim_hw_cpu_stats cs;
	struct cw_sim_hw_irq_stats is;

	(void)state;
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), 0);
	/* Arrival order 12, 10, 13, then 10 again (merged into its logged delivery). */
	raise_at(p->sim, &r[0], p->hw, 12, US(10));
	raise_at(p->sim, &r[1], p->hw, 10, US(20));
	raise_at(p->sim, &r[2], p->hw, 13, US(30));
	raise_at(p->sim, &r[3], p->hw, 10, US(40));
	cw_sim_run_until(p->sim, US(100));
	assert_int_equal(p->t.n, 0);
	assert_true(cw_sim_hw_inband_stalled(p->hw, 0));

	assert_int_equal(cw_sim_hw_inband_unstall(p->hw, 0), 0);
	assert_int_equal(p->t.n, 3);
	assert_int_equal(p->t.what[0], 12);
	assert_int_equal(p->t.what[1], 10);
	assert_int_equal(p->t.what[2], 13);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(p->t.when[i], US(100));
	}
	assert_int_equal(cw_sim_hw_cpu_get_stats(p->hw, 0, &cs), 0);
	assert_int_equal(cs.logged, 3);
	assert_int_equal(cs.replayed, 3);
	assert_int_equal(cs.stalls, 1);
	assert_int_equal(cs.stalled_ns, US(100));
	assert_int_equal(cw_sim_hw_irq_get_stats(p->hw, 10, &is), 0);
	assert_int_equal(is.merged, 1);
	assert_int_equal(is.logged, 1);
	assert_int_equal(is.delivered, 1);

	/* Unstalled: a raise runs after the line's latency, not logged. */
	raise_at(p->sim, &r[0], p->hw, 14, US(200));
	cw_sim_run_until(p->sim, US(300));
	assert_int_equal(p->t.n, 4);
	assert_int_equal(p->t.what[3], 14);
	assert_int_equal(p->t.when[3], US(201));
	pipe_destroy(p);
}

static void test_oob_handler_runs_at_once_while_inband_is_stalled(void **state)
{
	struct pipe *p = pipe_create();
	struct raise r[2];

	(void)state;
	assert_int_equal(cw_sim_hw_irq_set_oob(p->hw, 11, true), 0);
	assert_true(cw_sim_hw_irq_is_oob(p->hw, 11));
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), 0);
	raise_at(p->sim, &r[0], p->hw, 10, US(10));
	raise_at(p->sim, &r[1], p->hw, 11, US(20));
	cw_sim_run_until(p->sim, US(50));
	/* Only the oob line ran, at raise + latency. */
	assert_int_equal(p->t.n, 1);
	assert_int_equal(p->t.what[0], 11);
	assert_int_equal(p->t.when[0], US(21));
	assert_int_equal(cw_sim_hw_inband_unstall(p->hw, 0), 0);
	assert_int_equal(p->t.n, 2);
	assert_int_equal(p->t.what[1], 10);
	assert_int_equal(p->t.when[1], US(50));
	pipe_destroy(p);
}

static void test_line_switches_stage_at_run_time(void **state)
{
	struct pipe *p = pipe_create();
	struct raise r[3];

	(void)state;
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), 0);
	raise_at(p->sim, &r[0], p->hw, 12, US(10));
	cw_sim_run_until(p->sim, US(20));
	assert_int_equal(p->t.n, 0);
	/* Switched to oob: the logged delivery stays logged, a new raise merges into it. */
	assert_int_equal(cw_sim_hw_irq_set_oob(p->hw, 12, true), 0);
	raise_at(p->sim, &r[1], p->hw, 12, US(30));
	cw_sim_run_until(p->sim, US(40));
	assert_int_equal(p->t.n, 0);
	assert_int_equal(cw_sim_hw_inband_unstall(p->hw, 0), 0);
	assert_int_equal(p->t.n, 1);
	/* Now on the oob stage: runs at once under a new stall. */
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), 0);
	raise_at(p->sim, &r[2], p->hw, 12, US(50));
	cw_sim_run_until(p->sim, US(60));
	assert_int_equal(p->t.n, 2);
	assert_int_equal(p->t.when[1], US(51));
	/* And back: logged again. */
	assert_int_equal(cw_sim_hw_irq_set_oob(p->hw, 12, false), 0);
	raise_at(p->sim, &r[0], p->hw, 12, US(70));
	cw_sim_run_until(p->sim, US(80));
	assert_int_equal(p->t.n, 2);
	assert_int_equal(cw_sim_hw_inband_unstall(p->hw, 0), 0);
	assert_int_equal(p->t.n, 3);
	assert_int_equal(p->t.when[2], US(80));
	pipe_destroy(p);
}

static void test_synthetic_irq_from_oob_runs_after_handler_or_after_stall(void **state)
{
	struct pipe *p = pipe_create();
	struct raise r[2];

	(void)state;
	p->t.post_from = 11;
	assert_int_equal(cw_sim_hw_irq_set_oob(p->hw, 11, true), 0);
	raise_at(p->sim, &r[0], p->hw, 11, US(10));
	cw_sim_run_until(p->sim, US(20));
	/* Not stalled: the synthetic interrupt runs as the oob handler returns, same instant. */
	assert_int_equal(p->t.n, 2);
	assert_int_equal(p->t.what[0], 11);
	assert_int_equal(p->t.what[1], 1000);
	assert_int_equal(p->t.when[1], US(11));

	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), 0);
	raise_at(p->sim, &r[1], p->hw, 11, US(30));
	raise_at(p->sim, &r[0], p->hw, 10, US(40));
	cw_sim_run_until(p->sim, US(100));
	assert_int_equal(p->t.n, 3);
	assert_int_equal(cw_sim_hw_inband_unstall(p->hw, 0), 0);
	/* Replayed in arrival order: the synthetic one (posted at 31 us), then line 10. */
	assert_int_equal(p->t.n, 5);
	assert_int_equal(p->t.what[3], 1000);
	assert_int_equal(p->t.what[4], 10);
	assert_int_equal(p->t.when[3], US(100));

	/* A post outside oob context is an ordinary interrupt with no latency. */
	assert_int_equal(cw_sim_hw_synth_post(p->hw, 1), 0);
	cw_sim_run_until(p->sim, US(100));
	assert_int_equal(p->t.n, 6);
	assert_int_equal(p->t.what[5], 1001);
	pipe_destroy(p);
}

/* A cross call's function: records 2000 + the CPU it runs as. */
static void call_fn(void *arg)
{
	struct trace *t = arg;

	record(t, 2000 + cw_sim_current_cpu(cw_sim_hw_engine(t->hw)));
}

struct unstaller {
	struct cw_sim_event ev;
	struct cw_sim_hw *hw;
	unsigned cpu;
};

static void unstall_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct unstaller *u = ev->data;

	(void)sim;
	assert_int_equal(cw_sim_hw_inband_unstall(u->hw, u->cpu), 0);
}

/* An engine event on CPU 1 that makes a cross call to CPU 0. */
struct remote_call {
	struct cw_sim_event ev;
	struct trace *t;
	unsigned target;
	int ret;
};

static void remote_call_ev(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct remote_call *rc = ev->data;

	(void)sim;
	rc->ret = cw_sim_hw_run_on(rc->t->hw, rc->target, call_fn, rc->t);
}

static void test_cross_call_to_stalled_cpu_waits_in_the_log(void **state)
{
	struct pipe *p = pipe_create();
	struct raise r[2];
	struct unstaller u = { .hw = p->hw, .cpu = 0 };
	struct remote_call rc = { .t = &p->t, .target = 0, .ret = -1 };
	struct cw_sim_hw_cpu_stats cs;
	unsigned n;

	(void)state;
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), 0);
	raise_at(p->sim, &r[0], p->hw, 12, US(10));
	raise_at(p->sim, &r[1], p->hw, 13, US(100));
	cw_sim_event_init(&u.ev, unstall_fn, &u);
	u.ev.cpu = 0;
	cw_sim_event_schedule(p->sim, &u.ev, US(300));
	cw_sim_run_until(p->sim, US(50));
	assert_int_equal(p->t.n, 0);

	/*
	 * The call waits in CPU 0's log behind line 12 (logged at 11 us) and
	 * ahead of line 13 (logged at 101 us): nothing runs before the unstall
	 * at 300 us, then all three in arrival order. The caller waited.
	 */
	assert_int_equal(cw_sim_hw_run_on(p->hw, 0, call_fn, &p->t), 0);
	assert_int_equal(cw_sim_now_ns(p->sim), US(300));
	assert_false(cw_sim_hw_inband_stalled(p->hw, 0));
	assert_int_equal(p->t.n, 3);
	assert_int_equal(p->t.what[0], 12);
	assert_int_equal(p->t.what[1], 2000);
	assert_int_equal(p->t.what[2], 13);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(p->t.when[i], US(300));
	}
	assert_int_equal(cw_sim_hw_cpu_get_stats(p->hw, 0, &cs), 0);
	assert_int_equal(cs.logged, 3);
	assert_int_equal(cs.replayed, 3);
	assert_int_equal(cs.calls_logged, 1);
	assert_int_equal(cs.calls_unlogged, 0);

	/* Not stalled: the call runs at once, as before. */
	assert_int_equal(cw_sim_hw_run_on(p->hw, 0, call_fn, &p->t), 0);
	assert_int_equal(p->t.n, 4);
	assert_int_equal(p->t.what[3], 2000);
	assert_int_equal(p->t.when[3], US(300));

	/*
	 * From inside another CPU's engine event the caller cannot wait (the
	 * engine does not nest): the call runs at once and is counted.
	 */
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), 0);
	cw_sim_event_init(&rc.ev, remote_call_ev, &rc);
	rc.ev.cpu = 1;
	cw_sim_event_schedule(p->sim, &rc.ev, US(400));
	cw_sim_run_until(p->sim, US(500));
	assert_int_equal(rc.ret, 0);
	assert_int_equal(p->t.n, 5);
	assert_int_equal(p->t.what[4], 2000);
	assert_int_equal(p->t.when[4], US(400));
	assert_int_equal(cw_sim_hw_cpu_get_stats(p->hw, 0, &cs), 0);
	assert_int_equal(cs.calls_unlogged, 1);

	/*
	 * From the masked CPU's own event too: its in-band code cannot run
	 * while the stage is masked, yet the call runs at once: counted.
	 */
	rc.ev.cpu = 0;
	cw_sim_event_schedule(p->sim, &rc.ev, US(600));
	cw_sim_run_until(p->sim, US(700));
	assert_int_equal(rc.ret, 0);
	assert_int_equal(p->t.n, 6);
	assert_int_equal(cw_sim_hw_cpu_get_stats(p->hw, 0, &cs), 0);
	assert_int_equal(cs.calls_unlogged, 2);

	/* Nothing queued could end the stall: the call never runs and leaves the log. */
	assert_int_equal(cw_sim_nr_queued(p->sim), 0);
	n = p->t.n;
	assert_int_equal(cw_sim_hw_run_on(p->hw, 0, call_fn, &p->t), CW_EBUSY);
	assert_int_equal(p->t.n, n);
	assert_int_equal(cw_sim_hw_inband_unstall(p->hw, 0), 0);
	assert_int_equal(p->t.n, n);
	assert_int_equal(cw_sim_hw_cpu_get_stats(p->hw, 0, &cs), 0);
	assert_int_equal(cs.calls_logged, 2);
	assert_int_equal(cs.replayed, 3);
	pipe_destroy(p);
}

static void test_stall_errors(void **state)
{
	struct pipe *p = pipe_create();

	(void)state;
	assert_int_equal(cw_sim_hw_inband_unstall(p->hw, 0), CW_EPERM);
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), 0);
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), CW_EBUSY);
	assert_int_equal(cw_sim_hw_cpu_offline(p->hw, 0), CW_EBUSY);
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 2), CW_EINVAL);
	assert_int_equal(cw_sim_hw_irq_set_oob(p->hw, 100000, true), CW_EINVAL);
	assert_int_equal(cw_sim_hw_synth_request(p->hw, synth_fn, NULL), CW_EBUSY);
	assert_int_equal(cw_sim_hw_inband_unstall(p->hw, 0), 0);
	assert_int_equal(cw_sim_hw_cpu_offline(p->hw, 0), 0);
	assert_int_equal(cw_sim_hw_inband_stall(p->hw, 0), CW_EPERM);
	pipe_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inband_irqs_logged_while_stalled_replay_in_arrival_order),
		cmocka_unit_test(test_oob_handler_runs_at_once_while_inband_is_stalled),
		cmocka_unit_test(test_line_switches_stage_at_run_time),
		cmocka_unit_test(test_synthetic_irq_from_oob_runs_after_handler_or_after_stall),
		cmocka_unit_test(test_cross_call_to_stalled_cpu_waits_in_the_log),
		cmocka_unit_test(test_stall_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
