// SPDX-License-Identifier: MIT
/*
 * Wheel timers on a CPU that goes in and out of NO_HZ idle (issue 9: the
 * time-horizon suite's "level-0 wheel timer 4 jiffies late", default-soc,
 * default workload, wrap:sys_counter, seed 103), on the sim engine with the
 * tick layer (tests/support/cwt_tick.h).
 *
 * The CPU idles with a wheel timer due at the next tick, so the idle entry
 * keeps the tick going (it does not stop it). Another interrupt wakes the
 * CPU exactly at the tick's grid point, before the tick's own interrupt is
 * handled; the CPU goes back to idle and the idle entry re-evaluates the
 * tick. That re-evaluation must leave the due tick due: moved to the next
 * grid point, its jiffies update and its wheel expiry are lost, and lost
 * again at every grid point where such a wakeup comes first (the horizon
 * case: a workload waking the CPU every 200 us in phase with the tick).
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

#define HZ 1000

struct rec {
	struct cw_timer timer;
	struct cwt_tick *t;
	uint64_t fired_jiffies;
	cw_ktime_t fired_mono;
	unsigned fires;
};

static void rec_fn(struct cw_timer *timer)
{
	struct rec *r = TT_CONTAINER(timer, struct rec, timer);

	r->fires++;
	r->fired_jiffies = cw_jiffies_get(r->t->sys);
	r->fired_mono = cw_ktime_get(r->t->sys);
}

/* A device interrupt other than the tick, on CPU0, at each grid point of a window. */
struct waker {
	struct cw_sim_event ev;
	struct cwt_tick *t;
	uint64_t until_ns;
	unsigned wakeups;
};

static void waker_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct waker *w = ev->data;
	uint64_t now = cw_sim_now_ns(sim);

	/*
	 * Queue the next one first: it then runs before the tick device's
	 * event at the next grid point, which is programmed later.
	 */
	if (now + MS(1) <= w->until_ns) {
		cw_sim_event_schedule(sim, ev, now + MS(1));
	}
	w->wakeups++;
	/* Leave idle, an interrupt with nothing to do, back to idle. */
	cwt_deliver(w->t, ev->cpu, NULL);
}

/*
 * One CPU (high resolution @highres), idle from 500.4 ms on. A wheel timer
 * expires at the jiffy of 500.3 ms, so it is due at the 501 ms tick; a
 * wakeup comes at 501 ms, and at every grid point up to @last_wakeup_ms,
 * each before the tick's interrupt. The timer must still run at the
 * 501 ms tick, with jiffies exact all along.
 */
static void wakeup_at_grid_point_case(bool highres, unsigned last_wakeup_ms)
{
	struct cwt_tick t;
	struct rec r = { 0 };
	struct waker w = { 0 };
	uint64_t expires;
	cw_ktime_t due = (cw_ktime_t)MS(501);
	int64_t jerr_mid;

	cwt_tick_init(&t, 1, HZ, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.highres_enabled = highres;
	t.sys->tick.nohz_enabled = true;
	cwt_tick_boot(&t);
	cwt_ced_add(&t, "local0", 0, F_O | F_P | F_PCPU, 300);
	r.t = &t;
	w.t = &t;
	w.until_ns = MS(last_wakeup_ms);
	cw_sim_event_init(&w.ev, waker_fn, &w);
	w.ev.cpu = 0;
	/* Scheduled long before the tick device's event for 501 ms. */
	cw_sim_event_schedule(t.sim, &w.ev, MS(501));
	cw_sim_run_until(t.sim, MS(500) + US(300));

	assert_int_equal(cw_timer_setup(&r.timer, t.sys, rec_fn, 0), 0);
	expires = cw_jiffies_get(t.sys);
	assert_int_equal(cw_timer_add_on(&r.timer, expires, 0), 0);
	cwt_tick_idle(&t, 0, MS(500) + US(400), MS(600), false, false);

	cw_sim_run_until(t.sim, MS(500) + US(500));
	/* Idle, and the tick kept (a timer is due at the next one), not stopped. */
	assert_true(t.cpu[0].in_idle);
	assert_false(t.sys->cpus[0].tick_stopped);
	cw_sim_run_until(t.sim, MS(501) + US(500));
	jerr_mid = cwt_jiffies_error(&t);
	cw_sim_run_until(t.sim, MS(520));
	print_message("%s: %u wakeups at grid points; wheel timer (expires jiffy %+d) fired %u "
		      "times at jiffy %+lld, %lld ns after 501 ms; jiffies error at 501.5 ms: "
		      "%lld\n",
		      highres ? "high res" : "low res", w.wakeups, 0, r.fires,
		      (long long)(int64_t)(r.fired_jiffies - expires),
		      (long long)(r.fired_mono - due), (long long)jerr_mid);
	assert_int_equal(w.wakeups, last_wakeup_ms - 500);
	assert_int_equal(r.fires, 1);
	/* The first tick after the expiry jiffy: never early, not a tick late. */
	assert_int_equal(r.fired_jiffies, expires + 1);
	assert_true(r.fired_mono >= due);
	/* The tick interrupt right after the wakeup: within a few device minimum deltas. */
	assert_true(r.fired_mono - due <= (cw_ktime_t)US(10));
	assert_int_equal(jerr_mid, 0);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	assert_int_equal(cw_timer_del_sync(&r.timer), 0);
	cwt_tick_fini(&t);
}

static void test_wakeup_at_the_ticks_grid_point_loses_no_tick_and_no_wheel_expiry(void **state)
{
	(void)state;
	/* One wakeup, at 501 ms: the timer's own tick. */
	wakeup_at_grid_point_case(true, 501);
	wakeup_at_grid_point_case(false, 501);
	/* Wakeups at 501..505 ms (the horizon case ran 4 jiffies late). */
	wakeup_at_grid_point_case(true, 505);
	wakeup_at_grid_point_case(false, 505);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_wakeup_at_the_ticks_grid_point_loses_no_tick_and_no_wheel_expiry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
