/* SPDX-License-Identifier: MIT */
/*
 * High-resolution tick emulation and NO_HZ idle (Linux tick-sched.c,
 * reference sections 4.3 and 4.5).
 *
 * High resolution. When a CPU may leave periodic mode (oneshot-capable
 * device, clocksource valid for high resolution) and high resolution is
 * enabled, cw__tick_switch_to_highres() hands the device to the hrtimer
 * bases (handler cw__hrtimer_interrupt) and makes the tick an hrtimer, the
 * sched_timer: MONOTONIC, pinned, hard, expiring on the jiffy grid (plus
 * the CPU's skew with skew_tick), forwarded by one period from its
 * callback. With high resolution disabled the CPU uses the low-resolution
 * oneshot tick of tick-common.c, which this file stops and restarts in the
 * same way through the device itself.
 *
 * NO_HZ idle. cw_tick_idle_enter() calls cw__tick_nohz_idle_stop() before
 * the broadcast entry:
 *   1. snapshot (jiffies, last jiffies update) under jiffies_lock;
 *   2. next event = the earliest of the hrtimers (without the sched_timer)
 *      and the wheel's next non-deferrable expiry;
 *   3. within one tick of the last jiffies update: keep ticking (the
 *      sched_timer keeps its expiry, even one already due whose interrupt
 *      was not handled yet when the CPU re-entered idle);
 *   4. otherwise stop: the CPU goes idle in the timer-migration hierarchy
 *      (tmigr.c: it hands its first global wheel timer up, or takes the
 *      system's first one as the last idle CPU); the CPU that dropped the do_timer duty (and nobody
 *      took it since) caps the sleep at the clocksource's max deferment,
 *      everyone else may sleep until the event; mark the wheel bases idle
 *      (arming on them then kicks the CPU); program the sched_timer (or the
 *      device in low resolution) for the event, or cancel it.
 * cw_tick_idle_exit() calls cw__tick_nohz_idle_restart(): jiffies are
 * brought up to date (exactly: they follow MONOTONIC time), the wheel bases
 * leave idle, and the tick restarts at the next boundary of its grid, so
 * its phase is kept. A sched_timer that expires while the tick is stopped
 * (the capped sleep, a wheel timer) does the tick's work and is not
 * restarted: the port's idle loop re-enters idle, which re-evaluates.
 *
 * Locking: runs on the CPU concerned, in its idle path or tick; takes
 * jiffies_lock for the snapshot, the hrtimer base lock through the hrtimer
 * API, and the wheel base locks through its hooks, never two at once.
 */
#include <clockwork/hrtimer.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>

#include "hrtimer-internal.h"
#include "system-internal.h"
#include "tick-internal.h"
#include "timer-internal.h"
#include "tmigr-internal.h"

static int64_t period_of(const struct cw_system *sys)
{
	return (int64_t)sys->tick_nsec;
}

static cw_ktime_t skew_of(const struct cw_system *sys, const struct cw_cpu *c)
{
	if (!sys->tick.skew_tick || sys->nr_cpus < 2) {
		return 0;
	}
	return (cw_ktime_t)((uint64_t)(period_of(sys) / 2) / sys->nr_cpus * c->id);
}

cw_ktime_t cw__tick_next_boundary(struct cw_system *sys, const struct cw_cpu *c, cw_ktime_t now)
{
	int64_t p = period_of(sys);
	cw_ktime_t skew = skew_of(sys, c);
	cw_ktime_t base = now - skew;

	/* The first grid point strictly after @now. */
	return (base >= 0 ? (base / p + 1) * p : 0) + skew;
}

static enum cw_hrtimer_restart sched_timer_fn(struct cw_hrtimer *t)
{
	struct cw_cpu *c = (struct cw_cpu *)((char *)t - offsetof(struct cw_cpu, sched_timer));
	struct cw_system *sys = t->sys;
	cw_ktime_t now = cw_ktime_get(sys);

	cw__tick_sched_work(sys, c, now);
	if (c->tick_stopped) {
		/* Idle: the idle loop decides when the tick runs again. */
		return CW_HRTIMER_NORESTART;
	}
	cw_hrtimer_forward(t, now, (uint64_t)period_of(sys));
	return CW_HRTIMER_RESTART;
}

void cw__tick_switch_to_highres(struct cw_system *sys, struct cw_cpu *c)
{
	struct cw_clock_event_device *dev = c->td.evtdev;
	cw_ktime_t now;

	if (cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_ONESHOT)) {
		return;
	}
	CW_WRITE_ONCE(c->td.mode, CW_TICK_MODE_ONESHOT);
	c->highres = true;
	cw__tick_broadcast_switch_to_oneshot(sys);
	cw_hrtimer_setup(sys, &c->sched_timer, sched_timer_fn, CW_CLOCK_MONOTONIC,
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
	now = cw_ktime_get(sys);
	/* The bases program the device from here on; the sched_timer is their first timer. */
	cw_hrtimer_start(&c->sched_timer, cw__tick_next_boundary(sys, c, now),
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
	cw__hrtimer_switch_to_hres(sys, c->id);
	/* clocksource.c reads it under cs_lock: only VALID_FOR_HRES clocksources stay usable. */
	cw_spin_lock(&sys->cs_lock);
	sys->tick_oneshot_active = true;
	cw_spin_unlock(&sys->cs_lock);
	cw__log(sys, CW_LOG_INFO, "tick: Switched to high resolution mode on CPU #%u", c->id);
}

/* Jiffy @nextj (at or after @basej, or CW_TIMER_NEXT_NONE) as MONOTONIC ns, capped at KTIME_MAX. */
static cw_ktime_t jiffies_to_mono(struct cw_system *sys, cw_ktime_t basemono, uint64_t basej,
				  uint64_t nextj)
{
	uint64_t dj;

	if (nextj == CW_TIMER_NEXT_NONE) {
		return CW_KTIME_MAX;
	}
	/* Wrap-safe: the wheel reports events at or after basej. */
	dj = cw_time_after64(nextj, basej) ? nextj - basej : 0;
	return dj > (uint64_t)(CW_KTIME_MAX - basemono) / sys->tick_nsec
		       ? CW_KTIME_MAX
		       : basemono + (cw_ktime_t)(dj * sys->tick_nsec);
}

/*
 * Earliest event of @c other than its own tick, MONOTONIC; the wheel's in
 * jiffies → ns. Also returns the hrtimers' next event and the wheel's
 * local and global events (@hr, @n) for the timer-migration step.
 */
static cw_ktime_t next_event(struct cw_system *sys, struct cw_cpu *c, cw_ktime_t basemono,
			     uint64_t basej, cw_ktime_t *hr, struct cw_timer_next *n)
{
	cw_ktime_t next = cw__hrtimer_next_event(sys, c->id);
	cw_ktime_t wheel =
		jiffies_to_mono(sys, basemono, basej, cw__timer_idle_enter(sys, c->id, basej, n));

	*hr = next;
	return wheel < next ? wheel : next;
}

/* Program the stopped tick for @expires (CW_KTIME_MAX: nothing to wait for). */
static void program_stopped(struct cw_cpu *c, cw_ktime_t expires)
{
	if (c->highres) {
		if (expires == CW_KTIME_MAX) {
			cw_hrtimer_try_to_cancel(&c->sched_timer);
		} else {
			cw_hrtimer_start(&c->sched_timer, expires,
					 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
		}
		return;
	}
	c->tick_next_ns = expires;
	cw_clockevents_program_event(c->td.evtdev, expires, true);
}

void cw__tick_nohz_idle_stop(struct cw_system *sys, struct cw_cpu *c)
{
	struct cw_tick_global *tg = &sys->tick;
	cw_ktime_t basemono, next, expires, hr, wheel, tick_expires = CW_KTIME_MAX;
	struct cw_timer_next n;
	bool tick_queued = false;
	uint64_t basej;
	int duty;

	if (!tg->nohz_enabled || c->td.mode != CW_TICK_MODE_ONESHOT || !c->td.evtdev) {
		return;
	}
	cw_spin_lock(&tg->jiffies_lock);
	basemono = tg->last_jiffies_update_ns;
	basej = cw__jiffies_raw(sys);
	cw_spin_unlock(&tg->jiffies_lock);

	/* The sched_timer is the tick itself: look past it. */
	if (c->highres) {
		tick_queued = cw_hrtimer_is_queued(&c->sched_timer);
		tick_expires = cw_hrtimer_get_expires(&c->sched_timer);
		cw_hrtimer_try_to_cancel(&c->sched_timer);
	}
	next = next_event(sys, c, basemono, basej, &hr, &n);
	if (!c->tick_stopped && next - basemono <= period_of(sys)) {
		/* Something is due within the next tick: keep ticking. */
		cw__timer_idle_exit(sys, c->id, basej);
		if (c->highres) {
			/*
			 * The tick goes on as it was: requeue it at its own
			 * expiry. One that is already due (its interrupt not yet
			 * handled when the CPU came back to idle) must not move to
			 * the next grid point: its tick's work (jiffies, the wheel)
			 * would be lost, again at every idle entry in that window.
			 */
			cw_ktime_t at = cw__tick_next_boundary(sys, c, cw_ktime_get(sys));

			if (tick_queued && tick_expires < at) {
				at = tick_expires;
			}
			cw_hrtimer_start(&c->sched_timer, at,
					 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
		}
		return;
	}
	/*
	 * Timer migration: the CPU is idle in the hierarchy; it wakes for its
	 * local event, for its global one only when that is not handed up, and
	 * for the system's first global event when it is the last idle CPU.
	 */
	wheel = jiffies_to_mono(sys, basemono, basej,
				cw__tmigr_cpu_deactivate(sys, c->id, n.local, n.global));
	next = wheel < hr ? wheel : hr;
	expires = next;
	duty = atomic_load_explicit(&tg->do_timer_cpu, memory_order_relaxed);
	if (duty >= 0 && duty != (int)c->id) {
		/* Another CPU keeps time now: this one is no longer the last timekeeper. */
		c->do_timer_last = false;
	}
	if (duty == (int)c->id || (duty == CW_TICK_DO_TIMER_NONE && c->do_timer_last)) {
		/* The last timekeeper must come back before the clocksource wraps. */
		uint64_t defer = cw_timekeeping_max_deferment(sys);
		cw_ktime_t cap = defer > (uint64_t)(CW_KTIME_MAX - basemono)
					 ? CW_KTIME_MAX
					 : basemono + (cw_ktime_t)defer;

		if (cap < expires) {
			expires = cap;
		}
	}
	if (!c->tick_stopped) {
		/* Time before the flag: cw_tick_get_cpu_stats() reads them the other way round. */
		CW_WRITE_ONCE(c->tick_stopped_ns, cw_ktime_get(sys));
		atomic_thread_fence(memory_order_release);
		CW_WRITE_ONCE(c->tick_stopped, true);
		cw__tick_stat_add(c, idle_sleeps, 1);
	}
	program_stopped(c, expires);
	/*
	 * The cancel above left the device at the old tick when the hrtimers
	 * rearm lazily (or a remote cancel left an earlier event): program the
	 * true first expiry, or the sleeping CPU wakes for nothing.
	 */
	if (c->highres) {
		cw__hrtimer_settle(sys, c->id);
	}
}

void cw__tick_nohz_idle_restart(struct cw_system *sys, struct cw_cpu *c, cw_ktime_t now)
{
	int64_t p = period_of(sys);
	cw_ktime_t next;

	/* Active again in the timer-migration hierarchy (lock-free; no-op if it was not idle). */
	cw__tmigr_cpu_activate(sys, c->id);
	if (!c->tick_stopped) {
		return;
	}
	if (now > c->tick_stopped_ns) {
		cw__tick_stat_add(c, ticks_stopped, (uint64_t)((now - c->tick_stopped_ns) / p));
	}
	CW_WRITE_ONCE(c->tick_stopped, false);
	cw__timer_idle_exit(sys, c->id, cw_jiffies_get(sys));
	next = cw__tick_next_boundary(sys, c, now);
	/*
	 * The port leaves idle before it handles the interrupt that woke the
	 * CPU. If that is the stopped tick's own expiry (a wheel timer, the
	 * capped sleep, an hrtimer in low resolution), it is due: keep it due,
	 * on the grid point just passed, so this interrupt does the tick's work
	 * now instead of a period later.
	 */
	if (c->highres) {
		if (cw_hrtimer_is_queued(&c->sched_timer) &&
		    cw_hrtimer_get_expires(&c->sched_timer) <= now) {
			next -= p;
		}
		cw_hrtimer_start(&c->sched_timer, next,
				 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
		return;
	}
	if (c->tick_next_ns <= now) {
		next -= p;
	}
	c->tick_next_ns = next;
	cw_clockevents_program_event(c->td.evtdev, next, true);
}

void cw__tick_sched_cpu_dying(struct cw_cpu *c)
{
	if (c->highres) {
		cw_hrtimer_try_to_cancel(&c->sched_timer);
	}
	c->highres = false;
	CW_WRITE_ONCE(c->tick_stopped, false);
}

/* The wheel armed a timer on an idle CPU's base: wake it to re-evaluate its sleep. */
static void wheel_kick(struct cw_system *sys, unsigned cpu)
{
	cw__cpu_send_ipi(sys, cpu, CW_IPI_KICK);
}

void cw__tick_sched_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	sys->tick.highres_enabled = !cfg->highres_off;
	sys->tick.nohz_enabled = !cfg->nohz_off;
	sys->tick.skew_tick = cfg->skew_tick;
	cw__timer_set_kick(sys, wheel_kick);
}
