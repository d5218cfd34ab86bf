// SPDX-License-Identifier: MIT
/*
 * Which base a timer armed by a thread that is no CPU lands on (issue 15,
 * section 2), on the sim engine with the tick layer running
 * (tests/support/cwt_tick.h). The test port answers this_cpu for such a
 * thread as a port would: CW_PORT_NEAR_CPU(c) (the thread's home is CPU
 * c) or CW_PORT_NO_CPU (no home). Wheel timers and hrtimers then queue on
 * the home CPU's bases and fire there, on time: an idle home CPU is woken
 * (NO_HZ kick, hrtimer IPI), an offline one is replaced by a live CPU, a
 * running callback keeps its timer on its CPU, and a thread without a home
 * keeps the old rule (wheel: CPU 0; hrtimer: the timer stays where it is).
 * The thread is still no CPU: it is never in interrupt context.
 */
#include "cwt_tick.h"

#include "core/system-internal.h"
#include "core/cpu-internal.h"
#include "core/timer-internal.h"
#include "core/hrtimer-internal.h"

#include <clockwork/hrtimer.h>
#include <clockwork/timer.h>

#define TT_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define F_P    CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O    CW_CLOCKEVENT_FEAT_ONESHOT
#define F_PCPU CW_CLOCKEVENT_FEAT_PERCPU

#define NR_CPUS 4
#define HZ      1000
/* Level 0 of the wheel: a timer runs at the first tick after its expiry. */
#define DELTA_J 5

struct rec {
	struct cw_timer timer;
	struct cwt_tick *t;
	uint64_t expires;
	uint64_t fired_jiffies;
	unsigned fired_cpu;
	unsigned fires;
	bool in_irq_seen;
	/* First fire: act as a thread near CPU 3 and re-arm these. */
	struct rec *rearm_self;
	struct rec *rearm_other;
};

static void rec_fn(struct cw_timer *timer);

static void act_as_thread(struct cwt_tick *t, unsigned answer)
{
	t->forced_cpu = -1;
	t->thread_answer = answer;
}

static void boot(struct cwt_tick *t, bool highres)
{
	cwt_tick_init(t, NR_CPUS, HZ, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t->sys->tick.highres_enabled = highres;
	t->sys->tick.nohz_enabled = true;
	cwt_tick_boot(t);
	cwt_ced_add_locals(t, F_O | F_P | F_PCPU, 300);
	cw_sim_run_until(t->sim, MS(100));
}

static void check(struct cwt_tick *t)
{
	char report[256];

	if (cw_timer_check(t->sys, report, sizeof(report)) != 0) {
		fail_msg("checker: %s", report);
	}
}

static void rec_fn(struct cw_timer *timer)
{
	struct rec *r = TT_CONTAINER(timer, struct rec, timer);
	struct cwt_tick *t = r->t;

	r->fires++;
	r->fired_jiffies = cw_jiffies_get(t->sys);
	r->fired_cpu = cw_sim_current_cpu(t->sim);
	if (r->fires == 1 && r->rearm_self) {
		/* Another thread (home CPU 3) re-arms while this callback runs. */
		int saved = t->forced_cpu;

		act_as_thread(t, CW_PORT_NEAR_CPU(3));
		r->rearm_self->expires = cw_jiffies_get(t->sys) + DELTA_J;
		cw_timer_mod(&r->rearm_self->timer, r->rearm_self->expires);
		r->rearm_other->expires = cw_jiffies_get(t->sys) + DELTA_J;
		cw_timer_mod(&r->rearm_other->timer, r->rearm_other->expires);
		t->thread_answer = 0;
		t->forced_cpu = saved;
	}
}

static void rec_setup(struct cwt_tick *t, struct rec *r, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	assert_int_equal(cw_timer_setup(&r->timer, t->sys, rec_fn, flags), 0);
}

/* Fired once, on @cpu, at the first tick after its expiry (never early, never later). */
static void assert_fired_on(const struct rec *r, unsigned cpu, const char *what)
{
	if (r->fires != 1 || r->fired_cpu != cpu || r->fired_jiffies != r->expires + 1) {
		fail_msg("%s: expiry %llu fired %u times, last at %llu on CPU%u (want once at %llu "
			 "on CPU%u)",
			 what, (unsigned long long)r->expires, r->fires,
			 (unsigned long long)r->fired_jiffies, r->fired_cpu,
			 (unsigned long long)(r->expires + 1), cpu);
	}
}

static const unsigned kinds[] = { 0, CW_TIMER_PINNED, CW_TIMER_DEFERRABLE };
static const char *const kind_names[] = { "global", "pinned", "deferrable" };

/* ---- the wheel ----------------------------------------------------------- */

static void test_wheel_timers_of_a_thread_near_cpu2_fire_on_cpu2(void **state)
{
	struct cwt_tick t;
	struct rec r[3];

	(void)state;
	boot(&t, false);
	act_as_thread(&t, CW_PORT_NEAR_CPU(2));
	assert_int_equal(cw__home_cpu(t.sys), 2);
	assert_int_equal(cw__current_cpu(t.sys), CW_PORT_NO_CPU);
	assert_false(cw_in_irq(t.sys));
	for (unsigned k = 0; k < 3; k++) {
		rec_setup(&t, &r[k], kinds[k]);
		r[k].expires = cw_jiffies_get(t.sys) + DELTA_J + k;
		assert_int_equal(cw_timer_mod(&r[k].timer, r[k].expires), 0);
	}
	act_as_thread(&t, 0);
	check(&t);
	cw_sim_run_for(t.sim, MS(20));
	for (unsigned k = 0; k < 3; k++) {
		assert_fired_on(&r[k], 2, kind_names[k]);
	}
	check(&t);
	cwt_tick_fini(&t);
}

static void test_wheel_thread_without_a_home_arms_on_cpu0(void **state)
{
	static const unsigned answers[] = { CW_PORT_NO_CPU, CW_PORT_NEAR_CPU(99) };
	struct cwt_tick t;
	struct rec r[2];

	(void)state;
	boot(&t, false);
	for (unsigned i = 0; i < 2; i++) {
		act_as_thread(&t, answers[i]);
		assert_int_equal(cw__home_cpu(t.sys), CW_PORT_NO_CPU);
		rec_setup(&t, &r[i], 0);
		r[i].expires = cw_jiffies_get(t.sys) + DELTA_J;
		assert_int_equal(cw_timer_mod(&r[i].timer, r[i].expires), 0);
	}
	act_as_thread(&t, 0);
	cw_sim_run_for(t.sim, MS(20));
	assert_fired_on(&r[0], 0, "CW_PORT_NO_CPU");
	assert_fired_on(&r[1], 0, "CW_PORT_NEAR_CPU(99) on 4 CPUs");
	check(&t);
	cwt_tick_fini(&t);
}

/*
 * The home CPU sleeps in NO_HZ idle. A pinned timer armed there kicks it
 * and runs on time there. A global one runs on time too: on CPU 2 or,
 * with timer migration, on the busy CPU that expires idle CPUs' global
 * timers.
 */
static void test_wheel_timer_armed_near_an_idle_cpu_wakes_it(void **state)
{
	struct cwt_tick t;
	struct rec pinned, global;
	struct cw_tick_cpu_stats s0;

	(void)state;
	boot(&t, false);
	cwt_tick_idle(&t, 2, MS(110), SEC(5), false, false);
	cw_sim_run_until(t.sim, MS(200));
	assert_true(CW_READ_ONCE(t.sys->cpus[2].tick_stopped));
	s0 = cwt_stats(&t, 2);
	act_as_thread(&t, CW_PORT_NEAR_CPU(2));
	rec_setup(&t, &pinned, CW_TIMER_PINNED);
	rec_setup(&t, &global, 0);
	pinned.expires = cw_jiffies_get(t.sys) + DELTA_J;
	global.expires = pinned.expires + 1;
	assert_int_equal(cw_timer_mod(&pinned.timer, pinned.expires), 0);
	assert_int_equal(cw_timer_mod(&global.timer, global.expires), 0);
	act_as_thread(&t, 0);
	cw_sim_run_for(t.sim, MS(20));
	assert_fired_on(&pinned, 2, "pinned timer on idle CPU2");
	assert_true(cwt_stats(&t, 2).ipis > s0.ipis);
	assert_int_equal(global.fires, 1);
	assert_int_equal(global.fired_jiffies, global.expires + 1);
	print_message("global timer armed on idle CPU2 ran on CPU%u\n", global.fired_cpu);
	check(&t);
	cwt_tick_fini(&t);
}

static void test_wheel_thread_near_an_offline_cpu_arms_on_a_live_one(void **state)
{
	struct cwt_tick t;
	struct rec r[3];

	(void)state;
	boot(&t, false);
	assert_int_equal(cw_cpu_down(t.sys, 2), 0);
	act_as_thread(&t, CW_PORT_NEAR_CPU(2));
	for (unsigned k = 0; k < 3; k++) {
		rec_setup(&t, &r[k], kinds[k]);
		r[k].expires = cw_jiffies_get(t.sys) + DELTA_J;
		assert_int_equal(cw_timer_mod(&r[k].timer, r[k].expires), 0);
	}
	act_as_thread(&t, 0);
	check(&t);
	cw_sim_run_for(t.sim, MS(20));
	for (unsigned k = 0; k < 3; k++) {
		assert_int_equal(r[k].fires, 1);
		assert_int_not_equal(r[k].fired_cpu, 2);
		assert_int_equal(r[k].fired_jiffies, r[k].expires + 1);
	}
	check(&t);
	cwt_tick_fini(&t);
}

/*
 * A thread near CPU 3 re-arms a timer whose callback runs on CPU 1: it
 * stays on CPU 1 (callbacks never overlap). Another timer of CPU 1 that
 * does not run moves to CPU 3, and runs once, there.
 */
static void test_wheel_rearm_from_a_thread_keeps_a_running_timer_on_its_cpu(void **state)
{
	struct cwt_tick t;
	struct rec self, other;

	(void)state;
	boot(&t, false);
	rec_setup(&t, &self, 0);
	rec_setup(&t, &other, 0);
	self.rearm_self = &self;
	self.rearm_other = &other;
	assert_int_equal(cw_timer_add_on(&other.timer, cw_jiffies_get(t.sys) + 1000, 1), 0);
	self.expires = cw_jiffies_get(t.sys) + DELTA_J;
	assert_int_equal(cw_timer_add_on(&self.timer, self.expires, 1), 0);
	cw_sim_run_for(t.sim, MS(30));
	/* The second fire: the expiry the thread set, on CPU 1 again. */
	assert_int_equal(self.fires, 2);
	assert_int_equal(self.fired_cpu, 1);
	assert_int_equal(self.fired_jiffies, self.expires + 1);
	assert_fired_on(&other, 3, "idle timer re-armed by the thread");
	check(&t);
	cwt_tick_fini(&t);
}

/* ---- hrtimers ------------------------------------------------------------- */

struct hrec {
	struct cw_hrtimer timer;
	struct cwt_tick *t;
	unsigned fires;
	unsigned fire_cpu;
	cw_ktime_t fired_mono;
	/* First fire: a thread near CPU 3 starts the timer again at this time. */
	cw_ktime_t restart_at;
};

static enum cw_hrtimer_restart hrec_fn(struct cw_hrtimer *timer)
{
	struct hrec *h = TT_CONTAINER(timer, struct hrec, timer);

	h->fires++;
	h->fire_cpu = cw_sim_current_cpu(h->t->sim);
	h->fired_mono = cw_ktime_get(h->t->sys);
	if (h->fires == 1 && h->restart_at) {
		int saved = h->t->forced_cpu;

		act_as_thread(h->t, CW_PORT_NEAR_CPU(3));
		cw_hrtimer_start(timer, h->restart_at, CW_HRTIMER_MODE_ABS);
		h->t->thread_answer = 0;
		h->t->forced_cpu = saved;
	}
	return CW_HRTIMER_NORESTART;
}

static void hrec_setup(struct cwt_tick *t, struct hrec *h)
{
	memset(h, 0, sizeof(*h));
	h->t = t;
	assert_int_equal(cw_hrtimer_setup(t->sys, &h->timer, hrec_fn, CW_CLOCK_MONOTONIC,
					  CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_HARD),
			 0);
}

/* High resolution: at its expiry plus the test port's 1 us IPI latency at most. */
static void assert_hr_fired_on(const struct hrec *h, unsigned cpu, cw_ktime_t target,
			       const char *what)
{
	if (h->fires != 1 || h->fire_cpu != cpu || h->fired_mono < target ||
	    h->fired_mono - target > (cw_ktime_t)US(2)) {
		fail_msg("%s: fired %u times on CPU%u, %lld ns after %lld (want once on CPU%u, "
			 "within 2 us)",
			 what, h->fires, h->fire_cpu, (long long)(h->fired_mono - target),
			 (long long)target, cpu);
	}
}

static void test_hrtimer_of_a_thread_near_cpu1_is_queued_and_fires_on_cpu1(void **state)
{
	struct cwt_tick t;
	struct hrec h;
	cw_ktime_t target;

	(void)state;
	boot(&t, true);
	act_as_thread(&t, CW_PORT_NEAR_CPU(1));
	hrec_setup(&t, &h);
	assert_ptr_equal(h.timer.base->cpu_base, &t.sys->hrtimer_bases[1]);
	target = cw_ktime_get(t.sys) + (cw_ktime_t)MS(3);
	cw_hrtimer_start(&h.timer, target, CW_HRTIMER_MODE_ABS);
	assert_ptr_equal(h.timer.base->cpu_base, &t.sys->hrtimer_bases[1]);
	act_as_thread(&t, 0);
	cw_sim_run_for(t.sim, MS(10));
	assert_hr_fired_on(&h, 1, target, "hrtimer near CPU1");
	cwt_tick_fini(&t);
}

/*
 * A timer set up on CPU 0, started by a thread near idle CPU 3: it moves
 * to CPU 3, which only its owner may program, so CPU 3 gets an IPI and
 * runs it on time.
 */
static void test_hrtimer_started_near_an_idle_cpu_moves_there_and_ipis_it(void **state)
{
	struct cwt_tick t;
	struct hrec h;
	struct cw_tick_cpu_stats s0;
	cw_ktime_t target;

	(void)state;
	boot(&t, true);
	cwt_tick_idle(&t, 3, MS(110), SEC(5), false, false);
	cw_sim_run_until(t.sim, MS(200) + US(10));
	act_as_thread(&t, CW_PORT_NO_CPU);
	hrec_setup(&t, &h);
	assert_ptr_equal(h.timer.base->cpu_base, &t.sys->hrtimer_bases[0]);
	s0 = cwt_stats(&t, 3);
	act_as_thread(&t, CW_PORT_NEAR_CPU(3));
	target = cw_ktime_get(t.sys) + (cw_ktime_t)MS(3);
	cw_hrtimer_start(&h.timer, target, CW_HRTIMER_MODE_ABS);
	assert_ptr_equal(h.timer.base->cpu_base, &t.sys->hrtimer_bases[3]);
	act_as_thread(&t, 0);
	cw_sim_run_for(t.sim, MS(10));
	assert_hr_fired_on(&h, 3, target, "hrtimer moved to idle CPU3");
	assert_true(cwt_stats(&t, 3).ipis > s0.ipis);
	cwt_tick_fini(&t);
}

static void test_hrtimer_thread_near_an_offline_cpu_starts_on_a_live_one(void **state)
{
	struct cwt_tick t;
	struct hrec h;
	cw_ktime_t target;

	(void)state;
	boot(&t, true);
	act_as_thread(&t, CW_PORT_NEAR_CPU(1));
	hrec_setup(&t, &h);
	act_as_thread(&t, 0);
	assert_int_equal(cw_cpu_down(t.sys, 1), 0);
	act_as_thread(&t, CW_PORT_NEAR_CPU(1));
	target = cw_ktime_get(t.sys) + (cw_ktime_t)MS(3);
	cw_hrtimer_start(&h.timer, target, CW_HRTIMER_MODE_ABS);
	assert_ptr_not_equal(h.timer.base->cpu_base, &t.sys->hrtimer_bases[1]);
	act_as_thread(&t, 0);
	cw_sim_run_for(t.sim, MS(10));
	assert_int_equal(h.fires, 1);
	assert_int_not_equal(h.fire_cpu, 1);
	assert_true(h.fired_mono >= target);
	cwt_tick_fini(&t);
}

/* A thread near CPU 3 starts a timer whose callback runs on CPU 1: it stays on CPU 1. */
static void test_hrtimer_started_by_a_thread_while_its_callback_runs_stays(void **state)
{
	struct cwt_tick t;
	struct hrec h;
	cw_ktime_t first;

	(void)state;
	boot(&t, true);
	t.forced_cpu = 1;
	hrec_setup(&t, &h);
	first = cw_ktime_get(t.sys) + (cw_ktime_t)MS(2);
	h.restart_at = first + (cw_ktime_t)MS(3);
	cw_hrtimer_start(&h.timer, first, CW_HRTIMER_MODE_ABS);
	t.forced_cpu = -1;
	cw_sim_run_for(t.sim, MS(10));
	assert_int_equal(h.fires, 2);
	assert_int_equal(h.fire_cpu, 1);
	assert_true(h.fired_mono >= h.restart_at);
	assert_true(h.fired_mono - h.restart_at <= (cw_ktime_t)US(2));
	cwt_tick_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wheel_timers_of_a_thread_near_cpu2_fire_on_cpu2),
		cmocka_unit_test(test_wheel_thread_without_a_home_arms_on_cpu0),
		cmocka_unit_test(test_wheel_timer_armed_near_an_idle_cpu_wakes_it),
		cmocka_unit_test(test_wheel_thread_near_an_offline_cpu_arms_on_a_live_one),
		cmocka_unit_test(test_wheel_rearm_from_a_thread_keeps_a_running_timer_on_its_cpu),
		cmocka_unit_test(test_hrtimer_of_a_thread_near_cpu1_is_queued_and_fires_on_cpu1),
		cmocka_unit_test(test_hrtimer_started_near_an_idle_cpu_moves_there_and_ipis_it),
		cmocka_unit_test(test_hrtimer_thread_near_an_offline_cpu_starts_on_a_live_one),
		cmocka_unit_test(test_hrtimer_started_by_a_thread_while_its_callback_runs_stays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
