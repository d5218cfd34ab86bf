// SPDX-License-Identifier: MIT
/*
 * Time spans of jiffies and the timer wheel (issue 9, section 1): every
 * jiffies boundary crossed in milliseconds of CPU.
 *
 * 1. The wheel alone at explicit jiffies (its test clock): it starts a few
 *    jiffies to half a level before each boundary (the 32-bit wrap 2^32,
 *    the signed midpoint 2^63, the 64-bit wrap 2^64 = 0) with timers in
 *    every level of every base kind on two CPUs, beyond the wheel's range,
 *    and in the past; it then advances event by event (as a NO_HZ CPU
 *    does) and tick by tick around the boundary. Every timer fires exactly
 *    once, never early, at most one level granularity late; clamped ones
 *    at the end of the range, past ones at once.
 * 2. Whole systems on the sim port (fake tick devices, the tick layer,
 *    NO_HZ idle, high resolution) created with cfg.initial_jiffies a few
 *    ticks before each boundary: wheel timers of levels 0-3, armed through
 *    the API on a busy and on an idle CPU, fire on the right jiffy and not
 *    before its MONOTONIC time.
 * 3. The default start (CW_INITIAL_JIFFIES): a 290 s timeout armed 10 s
 *    after boot fires after 290 s, not at once, and wheel timers keep
 *    firing past 300 s of uptime (the posix-port symptoms, which
 *    came from the 64-bit counter starting at -300 * HZ).
 * 4. The wrap-safe comparison helpers themselves.
 */
#include "cwt_tick.h"

#include "core/system-internal.h"
#include "core/timer-internal.h"

#include <clockwork/timer.h>

#include <stdlib.h>

#define TT_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define F_P    CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O    CW_CLOCKEVENT_FEAT_ONESHOT
#define F_PCPU CW_CLOCKEVENT_FEAT_PERCPU

#define TWO_32 (UINT64_C(1) << 32)
#define TWO_63 (UINT64_C(1) << 63)

/* The boundaries: the value jiffies reach at the crossing. */
static const uint64_t boundaries[] = { TWO_32, TWO_63, 0 /* 2^64 */ };

static const char *boundary_name(uint64_t b)
{
	return b == TWO_32 ? "2^32" : b == TWO_63 ? "2^63" : "2^64";
}

/* ---- 4. the helpers ----------------------------------------------------- */

static void test_time_after64_compares_by_signed_distance(void **state)
{
	(void)state;
	assert_true(cw_time_after64(1, 0));
	assert_false(cw_time_after64(0, 0));
	assert_true(cw_time_after_eq64(0, 0));
	assert_true(cw_time_before_eq64(0, 0));
	/* Across the 64-bit wrap: 2 is after 2^64 - 3. */
	assert_true(cw_time_after64(2, UINT64_MAX - 2));
	assert_true(cw_time_before64(UINT64_MAX - 2, 2));
	assert_false(cw_time_after64(UINT64_MAX - 2, 2));
	/* Across the 32-bit and the signed boundaries. */
	assert_true(cw_time_after64(TWO_32 + 1, TWO_32 - 1));
	assert_true(cw_time_after64(TWO_63, TWO_63 - 1));
	assert_true(cw_time_before64(TWO_63 - 1, TWO_63));
	/* Up to 2^63 - 1 apart the answer is right ... */
	assert_true(cw_time_after64(TWO_63 - 1, 0));
	assert_true(cw_time_after_eq64(5 + TWO_63 - 1, 5));
	/* ... beyond that the order flips (documented). */
	assert_true(cw_time_before64(TWO_63 + 1, 0));
}

/* ---- 1. the wheel at explicit jiffies ------------------------------------ */

#define NR_CPUS_W 2
#define MAX_RECS  256

struct wrec {
	struct cw_timer timer;
	uint64_t *now;
	uint64_t armed_at;
	uint64_t expires;
	/* Allowed firing window [lo, hi], wrap-safe. */
	uint64_t lo, hi;
	uint64_t fired_at;
	unsigned fires;
	unsigned fired_cpu;
	unsigned want_cpu;
	struct cw_system *sys;
};

struct wheel_env {
	struct cwt t;
	struct cw_system *sys;
	uint64_t now;
	struct wrec recs[MAX_RECS];
	unsigned nr;
	char report[256];
};

static void wrec_fn(struct cw_timer *timer)
{
	struct wrec *r = TT_CONTAINER(timer, struct wrec, timer);

	r->fired_at = *r->now;
	r->fires++;
}

static void wheel_check(struct wheel_env *e)
{
	if (cw_timer_check(e->sys, e->report, sizeof(e->report)) != 0) {
		fail_msg("checker at jiffy %#llx: %s", (unsigned long long)e->now, e->report);
	}
}

static void wheel_set_now(struct wheel_env *e, uint64_t now)
{
	e->now = now;
	cw__timer_test_set_jiffies(e->sys, now);
}

static void wheel_env_init(struct wheel_env *e, unsigned hz, uint64_t start)
{
	struct cw_system_config cfg = { .nr_cpus = NR_CPUS_W, .hz = hz, .initial_jiffies = start };

	memset(e, 0, sizeof(*e));
	cwt_init_cfg(&e->t, &cfg);
	e->sys = e->t.sys;
	assert_int_equal(cw_jiffies_get(e->sys), start);
	wheel_set_now(e, start);
}

/* Granularity of the level a timeout of @delta jiffies lands in. */
static uint64_t gran_of(unsigned hz, uint64_t delta)
{
	unsigned depth = cw__timer_levels(hz), lvl = 0;

	while (lvl + 1 < depth && delta >= (UINT64_C(63) << (3 * lvl))) {
		lvl++;
	}
	return cw__timer_level_gran(lvl);
}

/* Arm one timer of @kind (0 global, 1 pinned, 2 deferrable) on @cpu at now + @delta. */
static struct wrec *wheel_arm(struct wheel_env *e, unsigned kind, unsigned cpu, int64_t delta)
{
	static const unsigned kind_flags[] = { 0, CW_TIMER_PINNED, CW_TIMER_DEFERRABLE };
	unsigned hz = cw_system_hz(e->sys);
	uint64_t max = cw__timer_max_timeout(hz);
	struct wrec *r;

	assert_true(e->nr < MAX_RECS);
	r = &e->recs[e->nr++];
	r->now = &e->now;
	r->sys = e->sys;
	assert_int_equal(cw_timer_setup(&r->timer, e->sys, wrec_fn, kind_flags[kind]), 0);
	r->armed_at = e->now;
	r->expires = e->now + (uint64_t)delta;
	r->want_cpu = cpu;
	if (delta < 0) {
		/* Past: the next expiry run, which is now. */
		r->lo = e->now;
		r->hi = e->now + 1;
	} else if ((uint64_t)delta >= max + cw__timer_level_gran(cw__timer_levels(hz) - 1)) {
		/* Beyond the range: clamped to its end, never at once. */
		r->lo = e->now + max + 1;
		r->hi = e->now + max + cw__timer_level_gran(cw__timer_levels(hz) - 1);
	} else {
		r->lo = r->expires + 1;
		r->hi = r->expires + gran_of(hz, (uint64_t)delta);
	}
	assert_int_equal(cw_timer_add_on(&r->timer, r->expires, cpu), 0);
	return r;
}

static void wheel_run_at(struct wheel_env *e, uint64_t now)
{
	wheel_set_now(e, now);
	for (unsigned cpu = 0; cpu < NR_CPUS_W; cpu++) {
		cw__timer_run_at(e->sys, cpu, now);
	}
	wheel_check(e);
}

/* Earliest reported wheel event of any CPU, deferrable ones included. */
static bool wheel_next(struct wheel_env *e, uint64_t *next)
{
	bool any = false;

	for (unsigned cpu = 0; cpu < NR_CPUS_W; cpu++) {
		struct cw_timer_next n;

		cw__timer_next_expiry(e->sys, cpu, e->now, &n);
		for (int i = 0; i < 3; i++) {
			uint64_t v = i == 0 ? n.local : i == 1 ? n.global : n.deferrable;

			if (v != CW_TIMER_NEXT_NONE && (!any || cw_time_before64(v, *next))) {
				*next = v;
				any = true;
			}
		}
	}
	return any;
}

static void wheel_assert_all_fired(struct wheel_env *e, const char *what)
{
	for (unsigned i = 0; i < e->nr; i++) {
		struct wrec *r = &e->recs[i];

		if (r->fires != 1 || cw_time_before64(r->fired_at, r->lo) ||
		    cw_time_after64(r->fired_at, r->hi)) {
			fail_msg(
				"%s: timer %u armed at %#llx for %#llx (delta %lld) fired %u times, "
				"at %#llx; allowed [%#llx, %#llx]",
				what, i, (unsigned long long)r->armed_at,
				(unsigned long long)r->expires,
				(long long)(r->expires - r->armed_at), r->fires,
				(unsigned long long)r->fired_at, (unsigned long long)r->lo,
				(unsigned long long)r->hi);
		}
	}
}

/*
 * Timers in every level (first, middle and last delta of each), beyond the
 * range and in the past, on both CPUs and all three kinds, armed @lead
 * jiffies before @boundary; then run event by event until all fired, tick
 * by tick through the 200 jiffies around the boundary.
 */
static void wheel_span_case(unsigned hz, uint64_t boundary, uint64_t lead)
{
	struct wheel_env e;
	unsigned depth = cw__timer_levels(hz);
	char what[96];
	uint64_t next = 0;
	unsigned steps = 0;

	wheel_env_init(&e, hz, boundary - lead);
	for (unsigned lvl = 0; lvl < depth; lvl++) {
		uint64_t first = lvl ? UINT64_C(63) << (3 * (lvl - 1)) : 0;
		uint64_t last = (UINT64_C(63) << (3 * lvl)) - 1;
		uint64_t deltas[3] = { first, first + (last - first) / 2 + 5, last };

		if (lvl == depth - 1) {
			deltas[2] = cw__timer_max_timeout(hz);
		}
		for (unsigned i = 0; i < 3; i++) {
			wheel_arm(&e, (lvl + i) % 3, (lvl + i) % NR_CPUS_W, (int64_t)deltas[i]);
		}
	}
	/* Beyond the range, far beyond it, and in the past. */
	wheel_arm(&e, 0, 0, (int64_t)cw__timer_max_timeout(hz) * 3);
	wheel_arm(&e, 1, 1, INT64_C(1) << 61);
	wheel_arm(&e, 2, 0, -5);
	wheel_arm(&e, 0, 1, -(INT64_C(1) << 40));
	wheel_check(&e);
	snprintf(what, sizeof(what), "HZ=%u, %llu jiffies before %s", hz, (unsigned long long)lead,
		 boundary_name(boundary));

	while (wheel_next(&e, &next)) {
		uint64_t prev = e.now;
		uint64_t to = cw_time_after64(next, e.now) ? next : e.now;

		/* Tick by tick around the boundary: every jiffy there is run. */
		if (cw_time_before64(e.now, boundary + 100) &&
		    cw_time_after64(e.now + 100, boundary)) {
			to = e.now + 1;
		}
		wheel_run_at(&e, to);
		if (to == prev) {
			/* Due at now: the run above expired it; step on. */
			wheel_set_now(&e, e.now + 1);
		}
		assert_true(++steps < 100000);
	}
	wheel_assert_all_fired(&e, what);
	print_message("%s: %u timers fired in %u steps, last at %s + %llu\n", what, e.nr, steps,
		      boundary_name(boundary), (unsigned long long)(e.now - boundary));
	cwt_fini(&e.t);
}

static void test_wheel_crosses_each_boundary_with_timers_in_every_level(void **state)
{
	static const unsigned hzs[] = { 100, 250, 1000 };

	(void)state;
	for (size_t h = 0; h < CW_ARRAY_SIZE(hzs); h++) {
		unsigned depth = cw__timer_levels(hzs[h]);

		for (size_t b = 0; b < CW_ARRAY_SIZE(boundaries); b++) {
			/* A few jiffies, then half of each level's first delta. */
			wheel_span_case(hzs[h], boundaries[b], 5);
			for (unsigned lvl = 1; lvl < depth; lvl++) {
				wheel_span_case(hzs[h], boundaries[b],
						(UINT64_C(63) << (3 * (lvl - 1))) / 2 + 3);
			}
		}
	}
}

/*
 * A timer armed just before a boundary and one armed just after it, each
 * in level 0, fire exactly on the jiffy after their expiry: the boundary
 * shows in no bucket.
 */
static void test_level0_timers_fire_one_jiffy_late_on_both_sides_of_each_boundary(void **state)
{
	(void)state;
	for (size_t b = 0; b < CW_ARRAY_SIZE(boundaries); b++) {
		for (uint64_t lead = 1; lead < 61; lead += 3) {
			struct wheel_env e;
			struct wrec *r[4];

			wheel_env_init(&e, 1000, boundaries[b] - lead);
			r[0] = wheel_arm(&e, 0, 0, 0);
			r[1] = wheel_arm(&e, 1, 1, (int64_t)lead);
			r[2] = wheel_arm(&e, 2, 0, (int64_t)lead + 1);
			r[3] = wheel_arm(&e, 0, 1, 62);
			for (uint64_t j = 0; j < 64; j++) {
				wheel_run_at(&e, e.now + 1);
			}
			for (unsigned i = 0; i < 4; i++) {
				assert_int_equal(r[i]->fires, 1);
				assert_int_equal(r[i]->fired_at, r[i]->expires + 1);
			}
			cwt_fini(&e.t);
		}
	}
}

/* Re-arming (the same-bucket fast path, reduce) across the 64-bit wrap. */
static void test_rearm_and_reduce_across_the_64bit_wrap(void **state)
{
	struct wheel_env e;
	struct wrec *r;

	(void)state;
	wheel_env_init(&e, 1000, UINT64_MAX - 1000);
	r = wheel_arm(&e, 0, 0, 2000);
	/* Reduce to an expiry on the other side of the wrap but earlier. */
	assert_int_equal(cw_timer_reduce(&r->timer, UINT64_MAX - 10), 1);
	assert_int_equal(cw_timer_expires(&r->timer), UINT64_MAX - 10);
	/* A later expiry is no reduction. */
	assert_int_equal(cw_timer_reduce(&r->timer, 5), 1);
	assert_int_equal(cw_timer_expires(&r->timer), UINT64_MAX - 10);
	r->expires = UINT64_MAX - 10;
	r->lo = r->expires + 1;
	r->hi = r->expires + gran_of(1000, 990);
	while (r->fires == 0 && e.now != 100) {
		wheel_run_at(&e, e.now + 1);
	}
	wheel_assert_all_fired(&e, "reduce");
	/* mod_pending across the wrap. */
	r = wheel_arm(&e, 1, 1, 50);
	assert_int_equal(cw_timer_mod_pending(&r->timer, e.now + 40), 1);
	r->expires = e.now + 40;
	r->lo = r->expires + 1;
	r->hi = r->expires + 1;
	for (int i = 0; i < 60; i++) {
		wheel_run_at(&e, e.now + 1);
	}
	wheel_assert_all_fired(&e, "mod_pending");
	cwt_fini(&e.t);
}

/* Relative arming near the end of the counter: the sum wraps, the timer does not fire at once. */
static void test_relative_timeouts_wrap_the_sum_not_the_timer(void **state)
{
	struct wheel_env e;
	struct wrec r = { 0 };

	(void)state;
	wheel_env_init(&e, 1000, UINT64_MAX - 2);
	r.now = &e.now;
	assert_int_equal(cw_timer_setup(&r.timer, e.sys, wrec_fn, 0), 0);
	cw_timer_mod_ms(&r.timer, 10);
	assert_int_equal(cw_timer_expires(&r.timer), 7);
	/* A huge relative delay is clamped, never wrapped into the past. */
	cw_timer_mod_ns(&r.timer, UINT64_MAX);
	assert_true(cw_time_after64(cw_timer_expires(&r.timer), e.now));
	for (int i = 0; i < 100; i++) {
		wheel_run_at(&e, e.now + 1);
	}
	assert_int_equal(r.fires, 0);
	assert_true(cw_timer_pending(&r.timer));
	assert_int_equal(cw_timer_del(&r.timer), 1);
	cwt_fini(&e.t);
}

/* ---- 2. whole systems on the sim port ------------------------------------ */

struct srec {
	struct cw_timer timer;
	struct cwt_tick *t;
	uint64_t expires;
	uint64_t gran;
	uint64_t fired_jiffies;
	cw_ktime_t fired_mono;
	unsigned fired_cpu;
	unsigned fires;
};

static void srec_fn(struct cw_timer *timer)
{
	struct srec *r = TT_CONTAINER(timer, struct srec, timer);

	r->fires++;
	r->fired_jiffies = cw_jiffies_get(r->t->sys);
	r->fired_mono = cw_ktime_get(r->t->sys);
	r->fired_cpu = cw_sim_current_cpu(r->t->sim);
}

static void boot_tick(struct cwt_tick *t, unsigned nr_cpus, unsigned hz, uint64_t initial,
		      bool highres, bool nohz)
{
	cwt_tick_init_jiffies(t, nr_cpus, hz, CW_CLOCKSOURCE_IS_CONTINUOUS, initial);
	t->sys->tick.highres_enabled = highres;
	t->sys->tick.nohz_enabled = nohz;
	cwt_tick_boot(t);
	cwt_ced_add_locals(t, F_O | F_P | F_PCPU, 300);
}

/* MONOTONIC time at which jiffies reach @j, for a system that started at @initial. */
static cw_ktime_t jiffy_mono(struct cwt_tick *t, uint64_t initial, uint64_t j)
{
	return (cw_ktime_t)((j - initial) * cw_system_tick_nsec(t->sys));
}

static void assert_srec(struct cwt_tick *t, uint64_t initial, const struct srec *r,
			const char *what)
{
	uint64_t late = r->fired_jiffies - r->expires;
	cw_ktime_t due = jiffy_mono(t, initial, r->expires + 1);

	if (r->fires != 1 || !cw_time_after64(r->fired_jiffies, r->expires) || late > r->gran ||
	    r->fired_mono < due) {
		fail_msg("%s: expiry %#llx (gran %llu) fired %u times at jiffy %#llx "
			 "(mono %lld, due %lld)",
			 what, (unsigned long long)r->expires, (unsigned long long)r->gran,
			 r->fires, (unsigned long long)r->fired_jiffies, (long long)r->fired_mono,
			 (long long)due);
	}
}

/*
 * Two CPUs; CPU1 idles (NO_HZ) from 50 ms to the end. Wheel timers of levels
 * 0-3 and every kind, armed 5 ticks before @boundary on both CPUs, and a
 * periodic one re-arming itself every 7 jiffies across the boundary.
 */
struct periodic {
	struct cw_timer timer;
	struct cwt_tick *t;
	uint64_t expires;
	unsigned fires;
	unsigned bad;
};

static void periodic_fn(struct cw_timer *timer)
{
	struct periodic *p = TT_CONTAINER(timer, struct periodic, timer);
	uint64_t now = cw_jiffies_get(p->t->sys);

	p->fires++;
	if (now != p->expires + 1) {
		p->bad++;
	}
	p->expires = now + 7;
	cw_timer_mod(timer, p->expires);
}

static void system_span_case(uint64_t boundary, bool highres)
{
	static const uint64_t deltas[] = { 0, 1, 5, 6, 62, 63, 100, 503, 504, 1000, 4031, 4032 };
	static const unsigned kinds[] = { 0, CW_TIMER_PINNED, CW_TIMER_DEFERRABLE };
	const unsigned hz = 1000;
	const uint64_t initial = boundary - 5;
	struct srec recs[CW_ARRAY_SIZE(deltas) * 2];
	struct periodic p = { 0 };
	struct cwt_tick t;
	char what[96];

	boot_tick(&t, 2, hz, initial, highres, true);
	cwt_tick_idle(&t, 1, MS(50), SEC(30), false, false);
	assert_int_equal(cw_jiffies_get(t.sys), initial);
	/* Timers are armed from CPU 0 (the test thread runs as CPU 0). */
	for (size_t i = 0; i < CW_ARRAY_SIZE(deltas); i++) {
		for (unsigned cpu = 0; cpu < 2; cpu++) {
			struct srec *r = &recs[i * 2 + cpu];

			memset(r, 0, sizeof(*r));
			r->t = &t;
			assert_int_equal(
				cw_timer_setup(&r->timer, t.sys, srec_fn, kinds[(i + cpu) % 3]), 0);
			r->expires = initial + deltas[i];
			r->gran = gran_of(hz, deltas[i]);
			assert_int_equal(cw_timer_add_on(&r->timer, r->expires, cpu), 0);
		}
	}
	p.t = &t;
	assert_int_equal(cw_timer_setup(&p.timer, t.sys, periodic_fn, 0), 0);
	p.expires = initial + 1;
	cw_timer_mod(&p.timer, p.expires);
	/* Level 3 at HZ=1000 rounds up to 512 jiffies: 4032 + 512 ms, and CPU1's
	 * deferrable timers wait for its idle window to end. */
	cw_sim_run_until(t.sim, SEC(5));
	for (size_t i = 0; i < CW_ARRAY_SIZE(recs); i++) {
		if (kinds[((i / 2) + (i % 2)) % 3] == CW_TIMER_DEFERRABLE && i % 2 == 1) {
			/* Deferrable on the idle CPU: never woken for, not run yet
			 * unless something else woke the CPU after its expiry. */
			continue;
		}
		snprintf(what, sizeof(what), "%s, %s, delta %llu on CPU%zu",
			 boundary_name(boundary), highres ? "highres" : "lowres",
			 (unsigned long long)deltas[i / 2], i % 2);
		assert_srec(&t, initial, &recs[i], what);
		if (kinds[((i / 2) + (i % 2)) % 3] == 0 && i % 2 == 1) {
			/* Global on the idle CPU: pulled by the busy one (timer migration),
			 * or run by the idle CPU itself when a pinned timer woke it first. */
			assert_true(recs[i].fired_cpu < 2);
		} else {
			assert_int_equal(recs[i].fired_cpu, i % 2);
		}
	}
	cw_sim_run_until(t.sim, SEC(30) + MS(100));
	for (size_t i = 0; i < CW_ARRAY_SIZE(recs); i++) {
		assert_int_equal(recs[i].fires, 1);
		assert_true(cw_time_after64(recs[i].fired_jiffies, recs[i].expires));
	}
	print_message("%s %s: jiffies %#llx -> %#llx, periodic fired %u (%u off its jiffy)\n",
		      boundary_name(boundary), highres ? "highres" : "lowres",
		      (unsigned long long)initial, (unsigned long long)cw_jiffies_get(t.sys),
		      p.fires, p.bad);
	/* 30.1 s at one fire per 8 jiffies. */
	assert_true(p.fires >= 30100 / 8 - 2);
	assert_int_equal(p.bad, 0);
	assert_int_equal(cw_timer_del_sync(&p.timer), 1);
	cwt_tick_fini(&t);
}

static void test_systems_created_before_each_boundary_fire_wheel_timers_on_time(void **state)
{
	(void)state;
	for (size_t b = 0; b < CW_ARRAY_SIZE(boundaries); b++) {
		system_span_case(boundaries[b], true);
		system_span_case(boundaries[b], false);
	}
}

/*
 * The jiffies clocksource reads the 64-bit counter as a 32-bit one: a
 * system timed by it alone, its jiffies advanced by the port standing in
 * for a missing tick device (cw_tick_port_do_timer()), keeps MONOTONIC at exactly
 * one tick per jiffy across each boundary (the timekeeper's masked delta
 * carries the wrap).
 */
static void test_jiffies_clocksource_keeps_time_across_each_boundary(void **state)
{
	(void)state;
	for (size_t b = 0; b < CW_ARRAY_SIZE(boundaries); b++) {
		struct cw_system_config cfg = { .nr_cpus = 1,
						.hz = 250,
						.initial_jiffies = boundaries[b] - 50 };
		char cur[CW_CLOCKSOURCE_NAME_MAX];
		struct cwt t;
		cw_ktime_t m0, m1;

		cwt_init_cfg(&t, &cfg);
		assert_int_equal(cw_clocksource_current(t.sys, cur, sizeof(cur)), 0);
		assert_string_equal(cur, "jiffies");
		m0 = cw_ktime_get(t.sys);
		for (int i = 0; i < 100; i++) {
			assert_int_equal(cw_tick_port_do_timer(t.sys, 1), 0);
		}
		/* A port that missed ticks hands several at once. */
		assert_int_equal(cw_tick_port_do_timer(t.sys, 7), 0);
		m1 = cw_ktime_get(t.sys);
		print_message("jiffies clocksource across %s: jiffies %#llx, MONOTONIC +%lld ns\n",
			      boundary_name(boundaries[b]),
			      (unsigned long long)cw_jiffies_get(t.sys), (long long)(m1 - m0));
		assert_int_equal(cw_jiffies_get(t.sys), boundaries[b] + 57);
		assert_int_equal(m1 - m0, 107 * (cw_ktime_t)cw_system_tick_nsec(t.sys));
		cwt_fini(&t);
	}
}

/* ---- 3. the default start: 300 s of uptime ------------------------------ */

static void test_290s_timeout_armed_10s_after_boot_fires_after_290s_not_at_once(void **state)
{
	const unsigned hz = 1000;
	const uint64_t initial = CW_INITIAL_JIFFIES(hz);
	struct cwt_tick t;
	struct srec r = { 0 };

	(void)state;
	boot_tick(&t, 2, hz, 0, true, true);
	cwt_tick_idle(&t, 1, MS(50), SEC(400), false, false);
	cw_sim_run_until(t.sim, SEC(10));
	assert_int_equal(cw_jiffies_get(t.sys), initial + 10 * hz);
	r.t = &t;
	assert_int_equal(cw_timer_setup(&r.timer, t.sys, srec_fn, 0), 0);
	r.expires = cw_jiffies_get(t.sys) + 290 * hz;
	r.gran = gran_of(hz, 290 * hz);
	cw_timer_mod(&r.timer, r.expires);
	cw_sim_run_until(t.sim, SEC(11));
	assert_int_equal(r.fires, 0);
	cw_sim_run_until(t.sim, SEC(299));
	assert_int_equal(r.fires, 0);
	cw_sim_run_until(t.sim, SEC(300) + MS(r.gran) + MS(10));
	print_message("290 s timeout armed at 10 s: fired %u times at %lld ms (level granularity "
		      "%llu ms)\n",
		      r.fires, (long long)(r.fired_mono / 1000000), (unsigned long long)r.gran);
	assert_srec(&t, initial, &r, "290 s timeout");
	cwt_tick_fini(&t);
}

static void test_wheel_timers_keep_firing_past_300s_of_uptime(void **state)
{
	const unsigned hz = 250;
	struct cwt_tick t;
	struct periodic p = { 0 };
	struct srec late = { 0 };
	unsigned at_300;

	(void)state;
	boot_tick(&t, 2, hz, 0, false, true);
	p.t = &t;
	assert_int_equal(cw_timer_setup(&p.timer, t.sys, periodic_fn, 0), 0);
	p.expires = cw_jiffies_get(t.sys) + 1;
	cw_timer_mod(&p.timer, p.expires);
	cw_sim_run_until(t.sim, SEC(300));
	at_300 = p.fires;
	/* The low 32 bits of jiffies wrapped at 300 s. */
	late.t = &t;
	assert_int_equal(cw_timer_setup(&late.timer, t.sys, srec_fn, CW_TIMER_PINNED), 0);
	late.expires = cw_jiffies_get(t.sys) + 10 * hz;
	late.gran = gran_of(hz, 10 * hz);
	cw_timer_mod(&late.timer, late.expires);
	cw_sim_run_until(t.sim, SEC(330));
	print_message("periodic wheel timer: %u fires by 300 s, %u by 330 s; jiffies %#llx\n",
		      at_300, p.fires, (unsigned long long)cw_jiffies_get(t.sys));
	assert_true((uint32_t)cw_jiffies_get(t.sys) < 30u * hz + 10u);
	assert_true(p.fires - at_300 >= (30u * hz) / 8u - 2u);
	assert_int_equal(p.bad, 0);
	assert_srec(&t, CW_INITIAL_JIFFIES(hz), &late, "timer armed at 300 s");
	assert_int_equal(cw_timer_del_sync(&p.timer), 1);
	cwt_tick_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_after64_compares_by_signed_distance),
		cmocka_unit_test(test_wheel_crosses_each_boundary_with_timers_in_every_level),
		cmocka_unit_test(
			test_level0_timers_fire_one_jiffy_late_on_both_sides_of_each_boundary),
		cmocka_unit_test(test_rearm_and_reduce_across_the_64bit_wrap),
		cmocka_unit_test(test_relative_timeouts_wrap_the_sum_not_the_timer),
		cmocka_unit_test(
			test_systems_created_before_each_boundary_fire_wheel_timers_on_time),
		cmocka_unit_test(test_jiffies_clocksource_keeps_time_across_each_boundary),
		cmocka_unit_test(
			test_290s_timeout_armed_10s_after_boot_fires_after_290s_not_at_once),
		cmocka_unit_test(test_wheel_timers_keep_firing_past_300s_of_uptime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
