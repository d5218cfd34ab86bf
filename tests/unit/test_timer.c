// SPDX-License-Identifier: MIT
/*
 * Timer wheel behaviour on the sim port, driven at explicit jiffies through
 * the wheel's test clock: firing times per level, clamping, the re-arm fast
 * path, reduce, mod_pending, shutdown, deletes from callbacks, the per-CPU
 * bases (local, global, deferrable), NO_HZ next expiry and idle forwarding,
 * the kick hook, the cost of long idle gaps, and the checker itself.
 */
#include <clockwork/timer.h>

#include "cw_test.h"

#include "core/timer-internal.h"

#include <stdlib.h>

#define TT_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* A timer that records when it fired. */
struct rec {
	struct cw_timer timer;
	uint64_t *now;
	uint64_t fired_at;
	unsigned fires;
	/* Optional action in the callback. */
	void (*action)(struct rec *r);
	struct rec *other;
	uint64_t rearm_to;
};

struct tw {
	struct cwt t;
	struct cw_system *sys;
	uint64_t now;
	char report[256];
};

static void rec_fn(struct cw_timer *timer)
{
	struct rec *r = TT_CONTAINER(timer, struct rec, timer);

	r->fired_at = *r->now;
	r->fires++;
	if (r->action) {
		r->action(r);
	}
}

static void tw_init(struct tw *w, unsigned hz, unsigned cpus)
{
	struct cw_system_config cfg = { .nr_cpus = cpus, .hz = hz };

	cwt_init_cfg(&w->t, &cfg);
	w->sys = w->t.sys;
	w->now = 1000000;
	cw__timer_test_set_jiffies(w->sys, w->now);
	for (unsigned cpu = 0; cpu < cpus; cpu++) {
		cw__timer_forward(w->sys, cpu, w->now);
	}
}

static void tw_check(struct tw *w)
{
	if (cw_timer_check(w->sys, w->report, sizeof(w->report)) != 0) {
		fail_msg("checker: %s", w->report);
	}
}

/* Advance one jiffy at a time to @until, running every CPU's expiry. */
static void tw_tick_to(struct tw *w, uint64_t until)
{
	unsigned cpus = cw_system_nr_cpus(w->sys);

	while (w->now < until) {
		w->now++;
		cw__timer_test_set_jiffies(w->sys, w->now);
		for (unsigned cpu = 0; cpu < cpus; cpu++) {
			cw__timer_run_at(w->sys, cpu, w->now);
		}
		tw_check(w);
	}
}

static void rec_setup(struct tw *w, struct rec *r, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	r->now = &w->now;
	assert_int_equal(cw_timer_setup(&r->timer, w->sys, rec_fn, flags), 0);
}

static void tw_fini(struct tw *w)
{
	cwt_fini(&w->t);
}

/* ---------------------------------------------------------------------- */

static void test_timer_struct_is_at_most_48_bytes(void **state)
{
	(void)state;
	assert_true(sizeof(void *) != 8 || sizeof(struct cw_timer) <= 48);
}

static void test_level0_timer_fires_exactly_one_jiffy_after_its_expiry(void **state)
{
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 1000, 1);
	for (uint64_t d = 0; d < 63; d++) {
		rec_setup(&w, &r, 0);
		assert_int_equal(cw_timer_mod(&r.timer, w.now + d), 0);
		assert_true(cw_timer_pending(&r.timer));
		tw_check(&w);
		tw_tick_to(&w, w.now + d + 1);
		assert_int_equal(r.fires, 1);
		assert_int_equal(r.fired_at, cw_timer_expires(&r.timer) + 1);
		assert_false(cw_timer_pending(&r.timer));
	}
	tw_fini(&w);
}

static void test_timer_never_fires_early_and_at_most_one_granularity_late(void **state)
{
	static const uint64_t deltas[] = { 63,    64,    100,   503,   504,    1000,   4031,  4032,
					   10000, 32255, 32256, 99999, 258047, 258048, 300001 };
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 1000, 1);
	for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		uint64_t d = deltas[i], e, gran = 1;
		unsigned lvl = 0;

		while (lvl + 1 < 9 && d >= (63ull << (3 * lvl))) {
			lvl++;
		}
		gran = cw__timer_level_gran(lvl);
		rec_setup(&w, &r, 0);
		/* Odd offsets so expiries are not aligned to the granularity. */
		w.now += 7 * i + 3;
		cw__timer_test_set_jiffies(w.sys, w.now);
		e = w.now + d;
		cw_timer_mod(&r.timer, e);
		tw_tick_to(&w, e + gran);
		assert_int_equal(r.fires, 1);
		if (r.fired_at <= e || r.fired_at > e + gran) {
			fail_msg("delta %llu (level %u): expiry %llu fired at %llu",
				 (unsigned long long)d, lvl, (unsigned long long)e,
				 (unsigned long long)r.fired_at);
		}
		/* About 12.5 %: 8/63 of the timeout at most. */
		assert_true((r.fired_at - e) * 63 <= d * 8 + 63);
	}
	tw_fini(&w);
}

static void test_timeout_beyond_range_is_clamped(void **state)
{
	struct tw w;
	struct rec r;
	uint64_t max, next;

	(void)state;
	tw_init(&w, 100, 1);
	max = cw__timer_max_timeout(100);
	assert_int_equal(cw__timer_levels(100), 8);
	assert_int_equal(cw__timer_levels(250), 9);
	rec_setup(&w, &r, CW_TIMER_PINNED);
	cw_timer_mod(&r.timer, w.now + max * 10);
	next = cw__timer_next_expiry(w.sys, 0, w.now, NULL);
	/* Fires at the end of the range, within its last granularity. */
	assert_true(next > w.now + max);
	assert_true(next <= w.now + max + cw__timer_level_gran(7));
	tw_check(&w);
	tw_fini(&w);
}

static void test_mod_fast_path_rearm_keeps_its_bucket(void **state)
{
	struct tw w;
	struct rec a, b;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &a, 0);
	rec_setup(&w, &b, 0);
	/* Level 2 (granularity 64): expiries 1000..1023 from an aligned clock
	 * share one bucket. */
	w.now = 1u << 20;
	cw__timer_test_set_jiffies(w.sys, w.now);
	cw__timer_forward(w.sys, 0, w.now);
	cw_timer_mod(&a.timer, w.now + 1000);
	cw_timer_mod(&b.timer, w.now + 1001);
	/* b was queued last: bucket order is b, a. */
	assert_ptr_equal(b.timer.next, &a.timer);
	assert_int_equal(cw_timer_mod(&a.timer, w.now + 1010), 1);
	/* Same bucket: a was not re-queued (it would be first otherwise). */
	assert_ptr_equal(b.timer.next, &a.timer);
	assert_int_equal(cw_timer_expires(&a.timer), w.now + 1010);
	tw_check(&w);
	/* A different bucket re-queues it. */
	assert_int_equal(cw_timer_mod(&a.timer, w.now + 2000), 1);
	assert_null(b.timer.next);
	tw_check(&w);
	tw_tick_to(&w, w.now + 2100);
	assert_int_equal(a.fires, 1);
	assert_int_equal(b.fires, 1);
	assert_true(a.fired_at > w.now - 2100 + 2000);
	tw_fini(&w);
}

static void test_reduce_never_moves_a_timer_later(void **state)
{
	struct tw w;
	struct rec r;
	uint64_t base;

	(void)state;
	tw_init(&w, 1000, 1);
	base = w.now;
	rec_setup(&w, &r, 0);
	/* Inactive: reduce arms. */
	assert_int_equal(cw_timer_reduce(&r.timer, base + 50), 0);
	assert_int_equal(cw_timer_expires(&r.timer), base + 50);
	assert_int_equal(cw_timer_reduce(&r.timer, base + 40), 1);
	assert_int_equal(cw_timer_expires(&r.timer), base + 40);
	assert_int_equal(cw_timer_reduce(&r.timer, base + 45), 1);
	assert_int_equal(cw_timer_reduce(&r.timer, base + 4000), 1);
	assert_int_equal(cw_timer_expires(&r.timer), base + 40);
	tw_check(&w);
	tw_tick_to(&w, base + 41);
	assert_int_equal(r.fires, 1);
	assert_int_equal(r.fired_at, base + 41);
	tw_fini(&w);
}

static void test_mod_pending_leaves_an_inactive_timer_alone(void **state)
{
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &r, 0);
	assert_int_equal(cw_timer_mod_pending(&r.timer, w.now + 5), 0);
	assert_false(cw_timer_pending(&r.timer));
	cw_timer_mod(&r.timer, w.now + 5);
	assert_int_equal(cw_timer_mod_pending(&r.timer, w.now + 9), 1);
	assert_int_equal(cw_timer_expires(&r.timer), w.now + 9);
	assert_int_equal(cw_timer_del(&r.timer), 1);
	assert_int_equal(cw_timer_del(&r.timer), 0);
	assert_int_equal(cw_timer_mod_pending(&r.timer, w.now + 9), 0);
	tw_tick_to(&w, w.now + 20);
	assert_int_equal(r.fires, 0);
	tw_fini(&w);
}

static void rearm_self(struct rec *r)
{
	cw_timer_mod(&r->timer, r->rearm_to);
}

static void test_shutdown_refuses_rearm_also_from_its_own_callback(void **state)
{
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &r, 0);
	cw_timer_mod(&r.timer, w.now + 3);
	assert_int_equal(cw_timer_shutdown(&r.timer), 1);
	assert_int_equal(cw_timer_mod(&r.timer, w.now + 3), 0);
	assert_int_equal(cw_timer_reduce(&r.timer, w.now + 3), 0);
	assert_int_equal(cw_timer_add_on(&r.timer, w.now + 3, 0), 0);
	assert_false(cw_timer_pending(&r.timer));
	tw_tick_to(&w, w.now + 10);
	assert_int_equal(r.fires, 0);

	/* Shut down while its callback runs: the callback's re-arm is ignored. */
	rec_setup(&w, &r, 0);
	r.action = rearm_self;
	r.rearm_to = w.now + 100;
	cw_timer_mod(&r.timer, w.now + 2);
	tw_tick_to(&w, w.now + 3);
	assert_int_equal(r.fires, 1);
	assert_true(cw_timer_pending(&r.timer));
	assert_int_equal(cw_timer_shutdown_sync(&r.timer), 1);
	r.rearm_to = w.now + 1;
	cw_timer_mod(&r.timer, w.now + 1);
	assert_false(cw_timer_pending(&r.timer));
	tw_tick_to(&w, w.now + 300);
	assert_int_equal(r.fires, 1);
	/* Setup revives it. */
	rec_setup(&w, &r, 0);
	assert_int_equal(cw_timer_mod(&r.timer, w.now + 1), 0);
	assert_true(cw_timer_pending(&r.timer));
	cw_timer_del(&r.timer);
	tw_fini(&w);
}

static void shutdown_self(struct rec *r)
{
	cw_timer_shutdown(&r->timer);
	cw_timer_mod(&r->timer, r->rearm_to);
}

static void test_callback_that_shuts_itself_down_cannot_rearm(void **state)
{
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &r, 0);
	r.action = shutdown_self;
	r.rearm_to = w.now + 5;
	cw_timer_mod(&r.timer, w.now + 1);
	tw_tick_to(&w, w.now + 20);
	assert_int_equal(r.fires, 1);
	assert_false(cw_timer_pending(&r.timer));
	tw_fini(&w);
}

static void rearm_self_periodic(struct rec *r)
{
	if (r->fires < 5) {
		cw_timer_mod(&r->timer, *r->now + 10);
	}
}

static void test_callback_rearming_itself_runs_periodically(void **state)
{
	struct tw w;
	struct rec r;
	uint64_t start;

	(void)state;
	tw_init(&w, 1000, 1);
	start = w.now;
	rec_setup(&w, &r, 0);
	r.action = rearm_self_periodic;
	cw_timer_mod(&r.timer, start + 10);
	tw_tick_to(&w, start + 200);
	assert_int_equal(r.fires, 5);
	/* Each period is exactly 11 jiffies: 10 plus the level 0 round-up. */
	assert_int_equal(r.fired_at, start + 5 * 11);
	tw_fini(&w);
}

static void delete_other(struct rec *r)
{
	assert_int_equal(cw_timer_del(&r->other->timer), 1);
}

static void test_delete_of_a_collected_timer_from_another_callback_cancels_it(void **state)
{
	struct tw w;
	struct rec a, b;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &a, 0);
	rec_setup(&w, &b, 0);
	/* Same bucket; b is at the head and runs first, deleting a, which is
	 * already on the expiry list. */
	cw_timer_mod(&a.timer, w.now + 5);
	cw_timer_mod(&b.timer, w.now + 5);
	b.action = delete_other;
	b.other = &a;
	tw_tick_to(&w, w.now + 10);
	assert_int_equal(b.fires, 1);
	assert_int_equal(a.fires, 0);
	assert_false(cw_timer_pending(&a.timer));
	tw_fini(&w);
}

static void rearm_other_far(struct rec *r)
{
	/* Same level-0 slot a rotation later: must not take the fast path. */
	cw_timer_mod(&r->other->timer, *r->now + 63);
}

static void test_rearm_of_a_collected_timer_moves_it_out_of_the_expiry_list(void **state)
{
	struct tw w;
	struct rec a, b;
	uint64_t t0;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &a, 0);
	rec_setup(&w, &b, 0);
	cw_timer_mod(&a.timer, w.now + 5);
	cw_timer_mod(&b.timer, w.now + 5);
	b.action = rearm_other_far;
	b.other = &a;
	tw_tick_to(&w, w.now + 6);
	t0 = w.now;
	assert_int_equal(b.fires, 1);
	assert_int_equal(a.fires, 0);
	assert_true(cw_timer_pending(&a.timer));
	tw_tick_to(&w, t0 + 70);
	assert_int_equal(a.fires, 1);
	assert_int_equal(a.fired_at, t0 + 64);
	tw_fini(&w);
}

static void free_self(struct rec *r)
{
	free(r);
}

static void test_callback_may_free_its_timer(void **state)
{
	struct tw w;
	struct rec *r = malloc(sizeof(*r));

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, r, 0);
	r->action = free_self;
	cw_timer_mod(&r->timer, w.now + 1);
	/* ASan reports any touch of the freed timer after the callback. */
	tw_tick_to(&w, w.now + 5);
	tw_fini(&w);
}

/* ---------------------------------------------------------------------- */

struct arm_ev {
	struct cw_sim_event ev;
	struct cw_timer *timer;
	uint64_t expires;
};

static void arm_event_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct arm_ev *a = ev->data;

	(void)sim;
	cw_timer_mod(a->timer, a->expires);
}

static void test_timer_goes_to_the_arming_cpus_base_of_its_kind(void **state)
{
	struct tw w;
	struct rec g, p, d;
	struct arm_ev ev[3];
	struct rec *recs[3] = { &g, &p, &d };
	struct cw_timer_next next;
	uint64_t n;

	(void)state;
	tw_init(&w, 1000, 4);
	rec_setup(&w, &g, 0);
	rec_setup(&w, &p, CW_TIMER_PINNED);
	rec_setup(&w, &d, CW_TIMER_DEFERRABLE);
	/* Arm each from a sim event running on CPU 2. */
	for (int i = 0; i < 3; i++) {
		ev[i].timer = &recs[i]->timer;
		ev[i].expires = w.now + 100 + 100 * (uint64_t)i;
		cw_sim_event_init(&ev[i].ev, arm_event_fn, &ev[i]);
		ev[i].ev.cpu = 2;
		cw_sim_event_schedule(w.t.sim, &ev[i].ev, cw_sim_now_ns(w.t.sim) + 1000);
	}
	cw_sim_run_for(w.t.sim, 2000);
	tw_check(&w);
	n = cw__timer_next_expiry(w.sys, 2, w.now, &next);
	/* Level 2 buckets: round up to 64. */
	assert_true(next.global > w.now + 100 && next.global <= w.now + 164);
	assert_true(next.local > w.now + 200 && next.local <= w.now + 264);
	assert_true(next.deferrable > w.now + 300 && next.deferrable <= w.now + 364);
	assert_int_equal(n, next.global);
	n = cw__timer_next_expiry(w.sys, 0, w.now, &next);
	assert_int_equal(n, CW_TIMER_NEXT_NONE);
	assert_int_equal(next.local, CW_TIMER_NEXT_NONE);
	/* They fire on CPU 2's expiry only. */
	w.now += 400;
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		if (cpu != 2) {
			cw__timer_run_at(w.sys, cpu, w.now);
		}
	}
	assert_int_equal(g.fires + p.fires + d.fires, 0);
	cw__timer_run_at(w.sys, 2, w.now);
	assert_int_equal(g.fires + p.fires + d.fires, 3);
	tw_fini(&w);
}

static void test_add_on_queues_on_the_named_cpu(void **state)
{
	struct tw w;
	struct rec r;
	struct cw_timer_next next;

	(void)state;
	tw_init(&w, 1000, 4);
	rec_setup(&w, &r, CW_TIMER_PINNED);
	assert_int_equal(cw_timer_add_on(&r.timer, w.now + 10, 3), 0);
	assert_int_equal(cw__timer_next_expiry(w.sys, 3, w.now, &next), w.now + 11);
	assert_int_equal(next.local, w.now + 11);
	assert_int_equal(next.global, CW_TIMER_NEXT_NONE);
	/* Moving it to CPU 1. */
	assert_int_equal(cw_timer_add_on(&r.timer, w.now + 10, 1), 1);
	assert_int_equal(cw__timer_next_expiry(w.sys, 3, w.now, NULL), CW_TIMER_NEXT_NONE);
	assert_int_equal(cw__timer_next_expiry(w.sys, 1, w.now, NULL), w.now + 11);
	tw_check(&w);
	/* A plain mod from CPU 0 (outside sim events) moves a pinned timer to CPU 0. */
	assert_int_equal(cw_timer_mod(&r.timer, w.now + 20), 1);
	assert_int_equal(cw__timer_next_expiry(w.sys, 0, w.now, NULL), w.now + 21);
	tw_check(&w);
	tw_fini(&w);
}

static void test_deferrable_timers_do_not_wake_an_idle_cpu(void **state)
{
	struct tw w;
	struct rec d, g;
	struct cw_timer_next next;
	uint64_t first;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &d, CW_TIMER_DEFERRABLE);
	rec_setup(&w, &g, 0);
	cw_timer_mod(&d.timer, w.now + 10);
	cw_timer_mod(&g.timer, w.now + 40000);
	first = cw__timer_idle_enter(w.sys, 0, w.now, &next);
	/* The sleep length ignores the deferrable timer. */
	assert_int_equal(next.deferrable, w.now + 11);
	assert_true(first > w.now + 40000 && first <= w.now + 40000 + 4096);
	assert_int_equal(first, next.global);
	/* The CPU sleeps until the global timer; the deferrable one runs then. */
	w.now = first;
	cw__timer_test_set_jiffies(w.sys, w.now);
	cw__timer_idle_exit(w.sys, 0, w.now);
	cw__timer_run_at(w.sys, 0, w.now);
	assert_int_equal(d.fires, 1);
	assert_int_equal(g.fires, 1);
	assert_int_equal(d.fired_at, first);
	tw_check(&w);
	tw_fini(&w);
}

static void test_local_and_global_next_expiries_are_right_when_a_cpu_goes_idle(void **state)
{
	struct tw w;
	struct rec l, g1, g2;
	struct cw_timer_next next;
	uint64_t first;

	(void)state;
	tw_init(&w, 1000, 2);
	rec_setup(&w, &l, CW_TIMER_PINNED);
	rec_setup(&w, &g1, 0);
	rec_setup(&w, &g2, 0);
	cw_timer_mod(&l.timer, w.now + 30);
	cw_timer_mod(&g1.timer, w.now + 20);
	cw_timer_mod(&g2.timer, w.now + 10);
	first = cw__timer_idle_enter(w.sys, 0, w.now, &next);
	assert_int_equal(next.local, w.now + 31);
	assert_int_equal(next.global, w.now + 11);
	assert_int_equal(first, w.now + 11);
	/* Deleting the first global timer: the next one is found. */
	cw_timer_del(&g2.timer);
	cw__timer_next_expiry(w.sys, 0, w.now, &next);
	assert_int_equal(next.global, w.now + 21);
	/* Due timers report basej. */
	cw__timer_next_expiry(w.sys, 0, w.now + 25, &next);
	assert_int_equal(next.global, w.now + 25);
	tw_check(&w);
	tw_fini(&w);
}

static unsigned kicks;
static unsigned kicked_cpu;

static void kick_fn(struct cw_system *sys, unsigned cpu)
{
	(void)sys;
	kicks++;
	kicked_cpu = cpu;
}

static void test_arming_an_earlier_timer_on_an_idle_cpu_kicks_it(void **state)
{
	struct tw w;
	struct rec a, b, d;

	(void)state;
	tw_init(&w, 1000, 2);
	cw__timer_set_kick(w.sys, kick_fn);
	kicks = 0;
	rec_setup(&w, &a, CW_TIMER_PINNED);
	rec_setup(&w, &b, CW_TIMER_PINNED);
	rec_setup(&w, &d, CW_TIMER_DEFERRABLE);
	cw_timer_add_on(&a.timer, w.now + 100, 1);
	assert_int_equal(kicks, 0);
	cw__timer_idle_enter(w.sys, 1, w.now, NULL);
	/* Later than the first: no kick. Earlier: kick CPU 1. */
	cw_timer_add_on(&b.timer, w.now + 200, 1);
	assert_int_equal(kicks, 0);
	cw_timer_add_on(&b.timer, w.now + 20, 1);
	assert_int_equal(kicks, 1);
	assert_int_equal(kicked_cpu, 1);
	/* Deferrable timers never kick. */
	cw_timer_add_on(&d.timer, w.now + 1, 1);
	assert_int_equal(kicks, 1);
	cw__timer_idle_exit(w.sys, 1, w.now);
	cw_timer_add_on(&a.timer, w.now + 2, 1);
	assert_int_equal(kicks, 1);
	tw_fini(&w);
}

static void test_first_arm_after_a_long_idle_is_exact(void **state)
{
	struct tw w;
	struct rec far, r;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &far, 0);
	rec_setup(&w, &r, 0);
	cw_timer_mod(&far.timer, w.now + 5000000);
	/* Idle for a million jiffies without ticks; the clock is forwarded. */
	cw__timer_idle_enter(w.sys, 0, w.now, NULL);
	w.now += 1000000;
	cw__timer_test_set_jiffies(w.sys, w.now);
	cw__timer_idle_exit(w.sys, 0, w.now);
	assert_int_equal(cw__timer_base_clk(w.sys, 0, CW_TIMER_BASE_GLOBAL), w.now);
	/* A 10-jiffy timeout lands on level 0: exact. */
	cw_timer_mod(&r.timer, w.now + 10);
	tw_tick_to(&w, w.now + 11);
	assert_int_equal(r.fires, 1);
	assert_int_equal(r.fired_at, w.now);
	assert_int_equal(far.fires, 0);
	tw_fini(&w);
}

static void test_expiry_cost_does_not_grow_with_elapsed_jiffies(void **state)
{
	struct tw w;
	struct rec r[64];

	(void)state;
	tw_init(&w, 1000, 1);
	/* Jumps of 2^40 jiffies each: a per-jiffy walk would never finish. */
	for (int i = 0; i < 64; i++) {
		rec_setup(&w, &r[i], 0);
		cw_timer_mod(&r[i].timer, w.now + (1ull << 20) * (uint64_t)(i + 1));
		w.now += 1ull << 40;
		cw__timer_test_set_jiffies(w.sys, w.now);
		cw__timer_run_at(w.sys, 0, w.now);
		assert_int_equal(r[i].fires, 1);
	}
	tw_check(&w);
	tw_fini(&w);
}

static void test_pending_due_answers_for_the_tick(void **state)
{
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &r, 0);
	assert_false(cw__timer_pending_due(w.sys, 0, w.now + 1000));
	cw_timer_mod(&r.timer, w.now + 3);
	assert_false(cw__timer_pending_due(w.sys, 0, w.now + 3));
	assert_true(cw__timer_pending_due(w.sys, 0, w.now + 4));
	/* The tick hook reads the wheel's clock and expires it. */
	w.now += 4;
	cw__timer_test_set_jiffies(w.sys, w.now);
	cw__timer_run_local(w.sys, 0);
	assert_int_equal(r.fires, 1);
	tw_fini(&w);
}

static void test_relative_helpers_round_up_to_whole_jiffies(void **state)
{
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 250, 1);
	rec_setup(&w, &r, 0);
	/* 4 ms ticks: 9 ms is 3 jiffies. */
	cw_timer_mod_ms(&r.timer, 9);
	assert_int_equal(cw_timer_expires(&r.timer), w.now + 3);
	cw_timer_mod_ns(&r.timer, 8000000);
	assert_int_equal(cw_timer_expires(&r.timer), w.now + 2);
	cw_timer_mod_ns(&r.timer, 0);
	assert_int_equal(cw_timer_expires(&r.timer), w.now);
	tw_fini(&w);
}

/* ---- misuse: errors instead of crashes, in release builds too ---------- */

static void noop_fn(struct cw_timer *timer)
{
	(void)timer;
}

static void test_setup_with_null_arguments_or_bad_flags_returns_einval(void **state)
{
	struct tw w;
	struct cw_timer t;
	const unsigned char *bytes = (const unsigned char *)&t;

	(void)state;
	tw_init(&w, 1000, 1);
	assert_int_equal(cw_timer_setup(NULL, w.sys, noop_fn, 0), CW_EINVAL);
	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(cw_timer_setup(&t, NULL, noop_fn, 0), CW_EINVAL);
	assert_int_equal(cw_timer_setup(&t, w.sys, NULL, 0), CW_EINVAL);
	assert_int_equal(cw_timer_setup(&t, w.sys, noop_fn, 0x1u), CW_EINVAL);
	assert_int_equal(cw_timer_setup(&t, w.sys, noop_fn, CW_TIMER_PINNED | 0x80000000u),
			 CW_EINVAL);
	/* Nothing was written. */
	for (size_t i = 0; i < sizeof(t); i++) {
		assert_int_equal(bytes[i], 0xa5);
	}
	assert_int_equal(cw_timer_setup(&t, w.sys, noop_fn, CW_TIMER_PINNED | CW_TIMER_DEFERRABLE),
			 0);
	tw_check(&w);
	tw_fini(&w);
}

/*
 * Re-setting up a pending timer used to zero its links while its bucket
 * still pointed at it: the timers queued behind it in the bucket were lost
 * and the checker found a corrupt wheel. It is refused now.
 */
static void test_setup_of_a_pending_timer_is_refused_and_the_wheel_stays_intact(void **state)
{
	struct tw w;
	struct rec a, b, c;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &a, 0);
	rec_setup(&w, &b, 0);
	rec_setup(&w, &c, 0);
	/* One level-2 bucket (granularity 64) holds c, b, a in that order. */
	w.now = 1u << 20;
	cw__timer_test_set_jiffies(w.sys, w.now);
	cw__timer_forward(w.sys, 0, w.now);
	cw_timer_mod(&a.timer, w.now + 1000);
	cw_timer_mod(&b.timer, w.now + 1001);
	cw_timer_mod(&c.timer, w.now + 1002);
	assert_ptr_equal(c.timer.next, &b.timer);
	assert_int_equal(cw_timer_setup(&b.timer, w.sys, noop_fn, CW_TIMER_PINNED), CW_EBUSY);
	assert_int_equal(cw_timer_setup(&c.timer, w.sys, noop_fn, 0), CW_EBUSY);
	assert_true(cw_timer_pending(&b.timer));
	assert_int_equal(cw_timer_expires(&b.timer), w.now + 1001);
	tw_check(&w);
	tw_tick_to(&w, w.now + 1002 + 64);
	assert_int_equal(a.fires, 1);
	assert_int_equal(b.fires, 1);
	assert_int_equal(c.fires, 1);
	/* Not pending any more: it may be set up again, and works. */
	assert_int_equal(cw_timer_setup(&b.timer, w.sys, rec_fn, 0), 0);
	cw_timer_mod(&b.timer, w.now + 5);
	tw_tick_to(&w, w.now + 6);
	assert_int_equal(b.fires, 2);
	/* A shut-down timer is revived by a new setup. */
	cw_timer_mod(&a.timer, w.now + 5);
	assert_int_equal(cw_timer_shutdown(&a.timer), 1);
	assert_int_equal(cw_timer_setup(&a.timer, w.sys, rec_fn, 0), 0);
	cw_timer_mod(&a.timer, w.now + 5);
	tw_tick_to(&w, w.now + 6);
	assert_int_equal(a.fires, 2);
	tw_fini(&w);
}

/* A callback may set its own timer up again (nothing touches it afterwards). */
static void setup_self(struct rec *r)
{
	assert_int_equal(cw_timer_setup(&r->timer, r->timer.sys, rec_fn, 0), 0);
}

static void test_callback_may_set_its_own_timer_up_again(void **state)
{
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &r, 0);
	r.action = setup_self;
	cw_timer_mod(&r.timer, w.now + 3);
	tw_tick_to(&w, w.now + 4);
	assert_int_equal(r.fires, 1);
	assert_false(cw_timer_pending(&r.timer));
	r.action = NULL;
	cw_timer_mod(&r.timer, w.now + 3);
	tw_tick_to(&w, w.now + 4);
	assert_int_equal(r.fires, 2);
	tw_fini(&w);
}

static void test_add_on_a_cpu_out_of_range_returns_einval(void **state)
{
	struct tw w;
	struct rec r;

	(void)state;
	tw_init(&w, 1000, 2);
	rec_setup(&w, &r, 0);
	assert_int_equal(cw_timer_add_on(&r.timer, w.now + 5, 2), CW_EINVAL);
	assert_int_equal(cw_timer_add_on(&r.timer, w.now + 5, 1u << 20), CW_EINVAL);
	assert_int_equal(cw_timer_add_on(&r.timer, w.now + 5, ~0u), CW_EINVAL);
	assert_false(cw_timer_pending(&r.timer));
	/* A pending timer stays where it was, with its expiry. */
	assert_int_equal(cw_timer_add_on(&r.timer, w.now + 5, 1), 0);
	assert_int_equal(cw_timer_add_on(&r.timer, w.now + 50, 7), CW_EINVAL);
	assert_int_equal(cw_timer_expires(&r.timer), w.now + 5);
	tw_check(&w);
	tw_tick_to(&w, w.now + 6);
	assert_int_equal(r.fires, 1);
	tw_fini(&w);
}

static void test_checker_reports_a_corrupt_bucket_index(void **state)
{
	struct tw w;
	struct rec r;
	uint32_t saved;

	(void)state;
	tw_init(&w, 1000, 1);
	rec_setup(&w, &r, 0);
	cw_timer_mod(&r.timer, w.now + 5);
	tw_check(&w);
	saved = r.timer.flags;
	r.timer.flags ^= 1u << 21;
	assert_int_equal(cw_timer_check(w.sys, w.report, sizeof(w.report)), CW_EINVAL);
	assert_non_null(strstr(w.report, "flags"));
	r.timer.flags = saved;
	tw_check(&w);
	tw_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_struct_is_at_most_48_bytes),
		cmocka_unit_test(test_level0_timer_fires_exactly_one_jiffy_after_its_expiry),
		cmocka_unit_test(test_timer_never_fires_early_and_at_most_one_granularity_late),
		cmocka_unit_test(test_timeout_beyond_range_is_clamped),
		cmocka_unit_test(test_mod_fast_path_rearm_keeps_its_bucket),
		cmocka_unit_test(test_reduce_never_moves_a_timer_later),
		cmocka_unit_test(test_mod_pending_leaves_an_inactive_timer_alone),
		cmocka_unit_test(test_shutdown_refuses_rearm_also_from_its_own_callback),
		cmocka_unit_test(test_callback_that_shuts_itself_down_cannot_rearm),
		cmocka_unit_test(test_callback_rearming_itself_runs_periodically),
		cmocka_unit_test(test_delete_of_a_collected_timer_from_another_callback_cancels_it),
		cmocka_unit_test(test_rearm_of_a_collected_timer_moves_it_out_of_the_expiry_list),
		cmocka_unit_test(test_callback_may_free_its_timer),
		cmocka_unit_test(test_timer_goes_to_the_arming_cpus_base_of_its_kind),
		cmocka_unit_test(test_add_on_queues_on_the_named_cpu),
		cmocka_unit_test(test_deferrable_timers_do_not_wake_an_idle_cpu),
		cmocka_unit_test(
			test_local_and_global_next_expiries_are_right_when_a_cpu_goes_idle),
		cmocka_unit_test(test_arming_an_earlier_timer_on_an_idle_cpu_kicks_it),
		cmocka_unit_test(test_first_arm_after_a_long_idle_is_exact),
		cmocka_unit_test(test_expiry_cost_does_not_grow_with_elapsed_jiffies),
		cmocka_unit_test(test_pending_due_answers_for_the_tick),
		cmocka_unit_test(test_relative_helpers_round_up_to_whole_jiffies),
		cmocka_unit_test(test_setup_with_null_arguments_or_bad_flags_returns_einval),
		cmocka_unit_test(
			test_setup_of_a_pending_timer_is_refused_and_the_wheel_stays_intact),
		cmocka_unit_test(test_callback_may_set_its_own_timer_up_again),
		cmocka_unit_test(test_add_on_a_cpu_out_of_range_returns_einval),
		cmocka_unit_test(test_checker_reports_a_corrupt_bucket_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
