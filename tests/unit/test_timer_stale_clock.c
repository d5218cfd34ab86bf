// SPDX-License-Identifier: MIT
/*
 * The wheel's arm path reads no clock (issue 15): it forwards the base to
 * the freshest jiffies value the system already knows, jiffies64 as the
 * tick left it or the value cw_jiffies_get() last counted past a stale
 * jiffies64 (timer.c, "The arm path's now"). These tests pin the edges
 * where jiffies64 is stale, on the sim engine with the tick layer
 * (tests/support/cwt_tick.h), two CPUs at HZ=1000, NO_HZ and high
 * resolution:
 *
 *  - every CPU idle with its tick stopped for 10 s, then timers armed from
 *    a thread that is no CPU with cw_timer_mod(t, cw_jiffies_get() + d),
 *    d at the level boundaries: each fires never early and at most its
 *    level's granularity late (level 0: exactly the tick after expiry);
 *  - the same at the instant jiffies cross 2^32, 2^63 and 2^64 (the
 *    "later of" jiffies64 and the published value must compare wrap-safe);
 *  - a deadline computed before the idle stretch from an older jiffies
 *    value: never early, late by at most the granularity of the timeout
 *    counted from that value (the documented bound for such expiries);
 *  - arms at a jiffy boundary before the tick's interrupt has advanced
 *    jiffies64 (the tick running): level 0 stays exact.
 *
 * A placement against the stale jiffies64 would put d = 62 (level 0) on
 * level 3 after 10 s of idle (up to 512 jiffies late), and d = 58..62 on
 * level 1 at a boundary before the tick (up to 8 late): every case below
 * would fail.
 */
#include "cwt_tick.h"

#include "core/system-internal.h"
#include "core/cpu-internal.h"
#include "core/timer-internal.h"

#include <clockwork/timer.h>

#define TT_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define F_P    CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O    CW_CLOCKEVENT_FEAT_ONESHOT
#define F_PCPU CW_CLOCKEVENT_FEAT_PERCPU

#define HZ       1000
#define MAX_RECS 16

struct rec {
	struct cw_timer timer;
	struct cw_system *sys;
	uint64_t expires;
	/** Timeout counted from the jiffies value the expiry was computed from. */
	uint64_t timeout;
	uint64_t fired_jiffies;
	unsigned fires;
};

static void rec_fn(struct cw_timer *timer)
{
	struct rec *r = TT_CONTAINER(timer, struct rec, timer);

	r->fires++;
	r->fired_jiffies = cw_jiffies_get(r->sys);
}

/* The wheel level a timeout of @d jiffies lands on (timer.c's table). */
static unsigned level_of(uint64_t d)
{
	unsigned lvl = 0;
	uint64_t start = 63;

	while (d >= start && lvl + 1 < cw__timer_levels(HZ)) {
		lvl++;
		start *= 8;
	}
	return lvl;
}

/* The expiry of the bucket @expires goes to on level @lvl (rounded up). */
static uint64_t bucket_expiry(uint64_t expires, unsigned lvl)
{
	unsigned shift = 3u * lvl;

	return ((expires >> shift) + 1u) << shift;
}

/* Two CPUs, NO_HZ, high resolution, jiffies from @initial; booted, ticking. */
static void sys_up(struct cwt_tick *t, uint64_t initial)
{
	cwt_tick_init_jiffies(t, 2, HZ, CW_CLOCKSOURCE_IS_CONTINUOUS, initial);
	t->sys->tick.highres_enabled = true;
	t->sys->tick.nohz_enabled = true;
	cwt_tick_boot(t);
	cwt_ced_add(t, "local0", 0, F_O | F_P | F_PCPU, 300);
	cwt_ced_add(t, "local1", 1, F_O | F_P | F_PCPU, 300);
	cw_sim_run_until(t->sim, MS(50));
}

/* Every CPU idle (shallow) from @from_ns on, for good. */
static void all_idle(struct cwt_tick *t, uint64_t from_ns)
{
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		cwt_tick_idle(t, cpu, from_ns, UINT64_C(1000000) * 1000000, false, false);
	}
}

static void rec_setup(struct cwt_tick *t, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->sys = t->sys;
	assert_int_equal(cw_timer_setup(&r->timer, t->sys, rec_fn, 0), 0);
}

/*
 * Run until every record fired (at most @horizon_ns more) and check each:
 * once, never early, at most the granularity of its timeout's level late.
 */
static void check_fired(struct cwt_tick *t, struct rec *r, unsigned n, uint64_t horizon_ns,
			const char *what)
{
	cw_sim_run_until(t->sim, cw_sim_now_ns(t->sim) + horizon_ns);
	for (unsigned i = 0; i < n; i++) {
		unsigned lvl = level_of(r[i].timeout);
		uint64_t latest = bucket_expiry(r[i].expires, lvl);

		print_message("%s: timeout %llu (level %u): fired %u time(s), %lld jiffies after "
			      "expiry (bound %llu)\n",
			      what, (unsigned long long)r[i].timeout, lvl, r[i].fires,
			      (long long)(int64_t)(r[i].fired_jiffies - r[i].expires),
			      (unsigned long long)(latest - r[i].expires));
		assert_int_equal(r[i].fires, 1);
		/* Never early: the first tick after the expiry jiffy at the soonest. */
		assert_true(cw_time_after64(r[i].fired_jiffies, r[i].expires));
		assert_true(cw_time_before_eq64(r[i].fired_jiffies, latest));
		if (lvl == 0) {
			assert_true(r[i].fired_jiffies == r[i].expires + 1u);
		}
		assert_int_equal(cw_timer_del_sync(&r[i].timer), 0);
	}
}

static const uint64_t timeouts[] = { 1, 2, 62, 63, 100, 503, 504, 4031, 4032 };
#define NR_TIMEOUTS (sizeof(timeouts) / sizeof(timeouts[0]))

/*
 * Every CPU idle with its tick stopped until MONOTONIC reaches @arm_ns; then
 * the test (a thread that is no CPU) arms one timer per timeout with the
 * documented idiom, and they must fire within the wheel's bound.
 */
static void long_idle_case(uint64_t initial, uint64_t arm_ns, const uint64_t *arm_jiffies,
			   const char *what)
{
	struct cwt_tick t;
	struct rec r[NR_TIMEOUTS];
	uint64_t seen, now_j;

	sys_up(&t, initial);
	all_idle(&t, MS(60));
	cw_sim_run_until(t.sim, arm_ns - MS(2));
	/* Step to the arm instant (MONOTONIC, which the jiffies grid follows). */
	while ((uint64_t)cw_ktime_get(t.sys) < arm_ns) {
		cw_sim_run_until(t.sim, cw_sim_now_ns(t.sim) + US(10));
	}
	assert_true(t.sys->cpus[0].tick_stopped && t.sys->cpus[1].tick_stopped);
	seen = cw__jiffies_seen(t.sys);
	now_j = cw_jiffies_get(t.sys);
	print_message("%s: arm at jiffies %llu; jiffies64 %llu, seen before the read %llu\n", what,
		      (unsigned long long)now_j, (unsigned long long)cw__jiffies_raw(t.sys),
		      (unsigned long long)seen);
	/* The edge: nothing advanced jiffies64 while every CPU slept. */
	assert_true(now_j - seen > 1000u && now_j - seen < (uint64_t)INT64_MAX);
	if (arm_jiffies) {
		assert_true(now_j == *arm_jiffies);
	}
	for (unsigned i = 0; i < NR_TIMEOUTS; i++) {
		rec_setup(&t, &r[i]);
		r[i].timeout = timeouts[i];
		r[i].expires = cw_jiffies_get(t.sys) + timeouts[i];
		assert_int_equal(cw_timer_mod(&r[i].timer, r[i].expires), 0);
	}
	check_fired(&t, r, NR_TIMEOUTS, MS(5000), what);
	cwt_tick_fini(&t);
}

static void test_arm_after_a_long_all_idle_stretch_fires_within_the_bound(void **state)
{
	(void)state;
	long_idle_case(0, MS(10000), NULL, "10 s all idle");
}

static void test_arm_exactly_at_a_jiffies_wrap_after_all_idle_fires_within_the_bound(void **state)
{
	/* jiffies = initial + MONOTONIC / 1 ms: 5000 before the wrap, armed at it. */
	static const struct {
		uint64_t wrap;
		const char *what;
	} wraps[] = {
		{ UINT64_C(1) << 32, "at 2^32" },
		{ UINT64_C(1) << 63, "at 2^63" },
		{ 0, "at 2^64 (0)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++) {
		/* Armed when cw_jiffies_get() returns the wrap value itself. */
		long_idle_case(wraps[i].wrap - 5000u, MS(5000), &wraps[i].wrap, wraps[i].what);
	}
}

/*
 * A deadline computed from jiffies read before the idle stretch, armed 10 s
 * later without a fresh read: never early, and late by at most the
 * granularity of the timeout counted from the value it was computed from.
 */
static void test_deadline_from_an_old_jiffies_value_is_never_early(void **state)
{
	struct cwt_tick t;
	struct rec r[3];
	static const uint64_t left[] = { 1, 62, 600 };
	uint64_t saved;

	(void)state;
	sys_up(&t, 0);
	saved = cw_jiffies_get(t.sys);
	all_idle(&t, MS(60));
	cw_sim_run_until(t.sim, MS(10050));
	for (unsigned i = 0; i < 3; i++) {
		rec_setup(&t, &r[i]);
		/* 10 s after the saved value, plus what is left of the deadline. */
		r[i].expires = saved + 10000u + left[i];
		r[i].timeout = r[i].expires - saved;
		assert_int_equal(cw_timer_mod(&r[i].timer, r[i].expires), 0);
	}
	check_fired(&t, r, 3, MS(5000), "old deadline");
	cwt_tick_fini(&t);
}

/* Arms at a jiffy boundary, run before the tick interrupt of that boundary. */
struct edge {
	struct cw_sim_event ev;
	struct cwt_tick *t;
	struct rec r[5];
	uint64_t raw, seen, now_j;
};

static void edge_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct edge *e = ev->data;

	(void)sim;
	e->raw = cw__jiffies_raw(e->t->sys);
	e->seen = cw__jiffies_seen(e->t->sys);
	e->now_j = cw_jiffies_get(e->t->sys);
	for (unsigned i = 0; i < 5; i++) {
		e->r[i].timeout = 58u + i;
		e->r[i].expires = e->now_j + e->r[i].timeout;
		assert_int_equal(cw_timer_mod(&e->r[i].timer, e->r[i].expires), 0);
	}
}

static void test_arm_right_before_the_tick_stays_exact_on_level_0(void **state)
{
	struct cwt_tick t;
	struct edge e;

	(void)state;
	memset(&e, 0, sizeof(e));
	sys_up(&t, 0);
	e.t = &t;
	for (unsigned i = 0; i < 5; i++) {
		rec_setup(&t, &e.r[i]);
	}
	cw_sim_event_init(&e.ev, edge_fn, &e);
	e.ev.cpu = 1;
	/* Scheduled long before the tick devices program their 501 ms events:
	 * at 501 ms it runs first. */
	cw_sim_event_schedule(t.sim, &e.ev, MS(501));
	cw_sim_run_until(t.sim, MS(501));
	print_message("before the tick: jiffies64 %llu, seen %llu, cw_jiffies_get %llu\n",
		      (unsigned long long)e.raw, (unsigned long long)e.seen,
		      (unsigned long long)e.now_j);
	/* The edge: the boundary passed, its tick has not advanced jiffies64. */
	assert_true(e.now_j == e.raw + 1u && e.seen == e.raw);
	check_fired(&t, e.r, 5, MS(200), "before the tick");
	cwt_tick_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arm_after_a_long_all_idle_stretch_fires_within_the_bound),
		cmocka_unit_test(
			test_arm_exactly_at_a_jiffies_wrap_after_all_idle_fires_within_the_bound),
		cmocka_unit_test(test_deadline_from_an_old_jiffies_value_is_never_early),
		cmocka_unit_test(test_arm_right_before_the_tick_stays_exact_on_level_0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
