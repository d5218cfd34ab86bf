/* SPDX-License-Identifier: MIT */
/*
 * The tick layer: per-CPU tick devices, the periodic tick (on periodic
 * hardware or emulated on oneshot hardware), jiffies and the do_timer duty,
 * the switch to oneshot mode, idle entry/exit accounting and CPU hotplug.
 * The broadcast device lives in tick-broadcast.c. Semantics follow Linux
 * kernel/time/tick-common.c, tick-oneshot.c and the low-resolution part of
 * tick-sched.c (reference sections 3.7, 3.8, 4.1-4.3).
 *
 * Tick devices. clockevents.c offers every registered or released device
 * to a CPU by running cw__tick_try_device() on that CPU with ce.lock held.
 * The device is taken when it fits the CPU (tick_check_percpu: its own
 * per-CPU device always; a global device only if its interrupt can be
 * routed here and the CPU has no per-CPU device) and is preferred over the
 * current one (tick_check_preferred: oneshot capable beats periodic-only,
 * then a higher rating, or simply a different cpumask, which makes a
 * CPU-local device win over a better global one). The old device is
 * exchanged out (released, offered again) and the new one continues the
 * old one's mode: periodic from the next jiffy boundary, or oneshot from
 * the pending tick, so a swap neither loses nor doubles a tick.
 *
 * Time of a jiffy. next_period_ns is the MONOTONIC time at which the next
 * jiffy is due; the first CPU to get a device sets it to the next multiple
 * of the tick period, so jiffy boundaries are multiples of TICK_NSEC and a
 * oneshot tick programmed at such a multiple coincides with a jiffy. The
 * CPU holding the do_timer duty advances jiffies by 1 + (now - next) /
 * TICK_NSEC when now >= next (tick_do_update_jiffies64), then wall time
 * (cw_timekeeping_update()). Jiffies thus follow MONOTONIC time, whatever
 * the phase or the number of tick interrupts.
 *
 * One owner. The tick layer is the only writer of jiffies: every advance
 * goes through jiffies_advance_locked() with jiffies_lock held (asserted
 * in debug builds). Linux has no tick, hence no jiffies, on a machine
 * without a clock event device; clockwork keeps counters-only machines
 * (and bare test systems) keeping time by letting the port stand in for
 * the missing periodic tick with cw_tick_port_do_timer(), which is this
 * same advance under the same lock, refused (CW_EBUSY) as soon as a tick
 * device has taken the duty (do_timer_cpu left BOOT, a change made under
 * jiffies_lock), so the two never both advance jiffies. The stand-in
 * keeps no jiffy grid (next_period_ns stays 0); it expires the CPUs' due
 * global wheel timers remotely (the clocksource watchdog's among them),
 * but no hrtimer, pinned or deferrable timer runs without a tick device.
 *
 * The duty. do_timer_cpu starts as BOOT; the first CPU with a tick device
 * takes it. A CPU that goes idle drops it (NONE) and remembers that it did
 * (do_timer_last); the next CPU that ticks while not idle takes it over.
 * While nobody holds it (every CPU idle), any CPU whose tick still runs,
 * and every CPU leaving idle, updates jiffies itself, so jiffies stay exact
 * (Linux's tick_nohz_update_jiffies on idle interrupts). The stall guard
 * updates jiffies from any CPU whose last CW_TICK_MAX_STALLED_JIFFIES ticks
 * saw no jiffies advance (the owner stuck). Hotplug hands the duty to the
 * first online CPU.
 *
 * Oneshot mode. Each periodic tick polls check_clocks (set by a new
 * oneshot device or cw__tick_clock_notify(), in cpus.c); when oneshot is enabled, the
 * current clocksource is VALID_FOR_HRES and the device can do oneshot (a
 * C3STOP device also needs a oneshot broadcast device), the CPU switches
 * to CW_TICK_MODE_ONESHOT: high resolution (tick-sched.c: the tick is the
 * sched_timer hrtimer), or with highres off a handler that does the tick's
 * work and programs the next multiple of the tick period (Linux's
 * low-resolution NOHZ handler). tick-sched.c stops either in idle.
 * Everything that can make the switch possible sets check_clocks: a
 * clocksource switch or the watchdog's VALID_FOR_HRES verdict
 * (clocksource.c), a oneshot device, a oneshot broadcast device, late
 * boot. A tick that cannot act yet (oneshot off, deep idle) leaves it set.
 *
 * Early interrupts. A device converts a delta to whole cycles and may fire
 * up to a cycle early. A handler called before the expiry it was armed for
 * re-arms that expiry and does no tick work (as hrtimer_interrupt does
 * when no timer expired), so no tick is doubled.
 *
 * Locking rules:
 * - ce.lock (held by the callers of cw__tick_try_device(),
 *   cw__tick_install_replacement() and cw__tick_cpu_dying()) protects
 *   bindings; a CPU's struct cw_tick_device changes only on that CPU.
 * - jiffies_lock serialises every jiffies advance (the tick's and the
 *   port stand-in's) and the grid; wall time is updated after it is
 *   dropped. next_period_ns is also read locklessly (acquire, pairs with
 *   the release store after the advance).
 * - do_timer_cpu is an atomic; takeover and drop are compare-and-swap so
 *   two CPUs never both believe they hold the duty.
 * - cs_lock is taken alone to read the current clocksource's flags.
 * - Statistics are written by their CPU only (relaxed stores).
 */
#include <clockwork/tick.h>

#include <clockwork/clocksource.h>
#include <clockwork/timekeeping.h>

#include "hrtimer-internal.h"
#include "system-internal.h"
#include "tick-internal.h"
#include "timekeeping-internal.h"
#include "timer-internal.h"
#include "tmigr-internal.h"

/* Attempts to find a future period boundary before forcing the program. */
#define TICK_PROGRAM_TRIES 16u

static void tick_handle_periodic(struct cw_clock_event_device *dev);
static void tick_handle_oneshot(struct cw_clock_event_device *dev);

static struct cw_cpu *this_cpu(struct cw_system *sys)
{
	unsigned cpu = cw__this_cpu(sys);

	CW_ASSERT(cpu < sys->nr_cpus);
	return &sys->cpus[cpu];
}

static int64_t tick_period(const struct cw_system *sys)
{
	return (int64_t)sys->tick_nsec;
}

/* The first multiple of the period after @next that is later than @now. */
static cw_ktime_t forward_past(cw_ktime_t next, cw_ktime_t now, int64_t period)
{
	if (next > now) {
		return next;
	}
	return next + ((now - next) / period + 1) * period;
}

/* ------------------------------------------------------------------------
 * jiffies and the do_timer duty
 */

/*
 * The one place jiffies64 moves (after creation): every advance, from the
 * tick or from a port standing in for a missing tick device, comes here
 * with jiffies_lock held, inside a jiffies_seq write section.
 */
static void jiffies_advance_locked(struct cw_system *sys, uint64_t ticks)
{
	cw_lockdep_assert_held(&sys->tick.jiffies_lock);
	atomic_fetch_add_explicit(&sys->jiffies64, ticks, memory_order_relaxed);
}

/* tick_do_update_jiffies64: advance jiffies for every period boundary up to @now. */
static uint64_t tick_do_update_jiffies64(struct cw_system *sys, cw_ktime_t now)
{
	struct cw_tick_global *tg = &sys->tick;
	int64_t period = tick_period(sys);
	cw_ktime_t next;
	uint64_t ticks;

	/* Pairs with the store-release below: a future next period implies its jiffies are visible.
	 */
	if (now < atomic_load_explicit(&tg->next_period_ns, memory_order_acquire)) {
		return 0;
	}
	cw_spin_lock(&tg->jiffies_lock);
	next = atomic_load_explicit(&tg->next_period_ns, memory_order_relaxed);
	if (now < next) {
		cw_spin_unlock(&tg->jiffies_lock);
		return 0;
	}
	ticks = 1 + (uint64_t)((now - next) / period);
	tg->last_jiffies_update_ns = next + (int64_t)(ticks - 1) * period;
	cw_write_seqbegin(&tg->jiffies_seq);
	jiffies_advance_locked(sys, ticks);
	/* Pairs with the acquire fast path above. */
	atomic_store_explicit(&tg->next_period_ns, tg->last_jiffies_update_ns + period,
			      memory_order_release);
	cw_write_seqend(&tg->jiffies_seq);
	cw_spin_unlock(&tg->jiffies_lock);
	/*
	 * Wall time outside jiffies_lock (as Linux's update_wall_time): it
	 * takes tk_lock itself and may run clock-was-set notifiers, which
	 * must see no core lock held.
	 */
	cw_timekeeping_update(sys);
	return ticks;
}

/* The first CPU with a tick device takes the duty and aligns the jiffy grid. ce.lock held. */
static void tick_take_boot_duty(struct cw_system *sys, unsigned cpu)
{
	struct cw_tick_global *tg = &sys->tick;
	int64_t period = tick_period(sys);
	cw_ktime_t now;

	if (atomic_load_explicit(&tg->do_timer_cpu, memory_order_relaxed) !=
	    CW_TICK_DO_TIMER_BOOT) {
		return;
	}
	now = cw_ktime_get(sys);
	cw_spin_lock(&tg->jiffies_lock);
	cw_write_seqbegin(&tg->jiffies_seq);
	tg->last_jiffies_update_ns = (now / period) * period;
	atomic_store_explicit(&tg->next_period_ns, tg->last_jiffies_update_ns + period,
			      memory_order_release);
	cw_write_seqend(&tg->jiffies_seq);
	/*
	 * Under jiffies_lock: cw_tick_port_do_timer() checks for BOOT under it,
	 * so no stand-in advance lands after the grid is set.
	 */
	atomic_store_explicit(&tg->do_timer_cpu, (int)cpu, memory_order_relaxed);
	cw_spin_unlock(&tg->jiffies_lock);
}

int cw_tick_port_do_timer(struct cw_system *sys, uint64_t ticks)
{
	struct cw_tick_global *tg = &sys->tick;
	uint64_t now_j;

	cw_spin_lock(&tg->jiffies_lock);
	if (atomic_load_explicit(&tg->do_timer_cpu, memory_order_relaxed) !=
	    CW_TICK_DO_TIMER_BOOT) {
		/* A tick device took the duty: the tick layer owns jiffies now. */
		cw_spin_unlock(&tg->jiffies_lock);
		return CW_EBUSY;
	}
	cw_write_seqbegin(&tg->jiffies_seq);
	jiffies_advance_locked(sys, ticks);
	cw_write_seqend(&tg->jiffies_seq);
	cw_spin_unlock(&tg->jiffies_lock);
	/* Wall time outside jiffies_lock, as after every tick-driven advance. */
	cw_timekeeping_update(sys);
	/*
	 * No CPU ticks, so nobody runs the wheel: expire every online CPU's
	 * due global timers from here, as the migration hierarchy expires an
	 * idle CPU's (the clocksource watchdog is one). Pinned and deferrable
	 * timers and hrtimers need a tick device.
	 */
	now_j = cw__jiffies_raw(sys);
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		if (cw_cpu_online(sys, cpu) && cw__timer_pending_due(sys, cpu, now_j)) {
			cw__timer_expire_remote(sys, cpu, now_j);
		}
	}
	return 0;
}

/* tick_sched_do_timer: take over an unowned duty, advance jiffies, stall guard. */
static void tick_do_timer(struct cw_system *sys, struct cw_cpu *c, cw_ktime_t now)
{
	int duty = atomic_load_explicit(&sys->tick.do_timer_cpu, memory_order_relaxed);
	uint64_t j;

	if (duty == CW_TICK_DO_TIMER_NONE && !c->idle) {
		int expected = CW_TICK_DO_TIMER_NONE;

		if (atomic_compare_exchange_strong_explicit(&sys->tick.do_timer_cpu, &expected,
							    (int)c->id, memory_order_relaxed,
							    memory_order_relaxed)) {
			cw__tick_stat_add(c, do_timer_takeovers, 1);
			c->do_timer_last = false;
			duty = (int)c->id;
		} else {
			duty = expected;
		}
	}
	if (duty == (int)c->id) {
		if (tick_do_update_jiffies64(sys, now)) {
			cw__tick_stat_add(c, do_timer_ticks, 1);
		}
	} else if (duty == CW_TICK_DO_TIMER_NONE) {
		/* Every CPU idles: whoever ticks keeps jiffies current. */
		tick_do_update_jiffies64(sys, now);
	}

	j = cw__jiffies_raw(sys);
	if (j != c->stall_last_jiffies) {
		c->stall_last_jiffies = j;
		c->stall_ticks = 0;
	} else if (++c->stall_ticks >= CW_TICK_MAX_STALLED_JIFFIES) {
		tick_do_update_jiffies64(sys, now);
		c->stall_ticks = 0;
		c->stall_last_jiffies = cw__jiffies_raw(sys);
	}
}

/* One tick of @c's work (tick_periodic / tick_sched_handle + update_process_times). */
void cw__tick_sched_work(struct cw_system *sys, struct cw_cpu *c, cw_ktime_t now)
{
	tick_do_timer(sys, c, now);
	c->last_tick_ns = now;
	cw__tick_stat_add(c, ticks, 1);
	/* Low resolution: hrtimers run from the tick (a no-op in high resolution). */
	cw__hrtimer_run_queues(sys, c->id);
	/* One jiffies read serves both tests (each read may read the clock). */
	uint64_t j = cw_jiffies_get(sys);

	/* The timer wheel runs in cw_irq_exit(), when a bucket is due. */
	if (cw__timer_pending_due(sys, c->id, j)) {
		cw__cpu_raise_softirq(sys, c->id, CW_SOFTIRQ_TIMER);
	}
	/* Timer migration: an idle CPU's global timer is due in a group this one migrates. */
	if (cw__tmigr_requires_handle_remote(sys, c->id, j)) {
		cw__cpu_raise_softirq(sys, c->id, CW_SOFTIRQ_TMIGR);
	}
}

/*
 * One jiffy for one periodic tick (Linux's tick_periodic: do_timer(1)). On a
 * clocksource that depends on the tick (jiffies), MONOTONIC moves only when
 * jiffies do, so deriving jiffies from MONOTONIC would stand still for ever.
 */
static void tick_do_timer_one(struct cw_system *sys)
{
	struct cw_tick_global *tg = &sys->tick;
	int64_t period = tick_period(sys);

	cw_spin_lock(&tg->jiffies_lock);
	cw_write_seqbegin(&tg->jiffies_seq);
	tg->last_jiffies_update_ns =
		atomic_load_explicit(&tg->next_period_ns, memory_order_relaxed);
	jiffies_advance_locked(sys, 1);
	/* Pairs with the acquire fast path of tick_do_update_jiffies64(). */
	atomic_store_explicit(&tg->next_period_ns, tg->last_jiffies_update_ns + period,
			      memory_order_release);
	cw_write_seqend(&tg->jiffies_seq);
	cw_spin_unlock(&tg->jiffies_lock);
	cw_timekeeping_update(sys);
}

/*
 * Whether time itself moves with the tick: the jiffies clocksource is the
 * timekeeper's. Lockless (the readers' published copy).
 */
static bool tick_moves_time(struct cw_system *sys)
{
	return CW_READ_ONCE(sys->pub.cs) == &sys->jiffies_cs;
}

static void tick_periodic(struct cw_system *sys, struct cw_cpu *c, cw_ktime_t now)
{
	if (tick_moves_time(sys) &&
	    atomic_load_explicit(&sys->tick.do_timer_cpu, memory_order_relaxed) == (int)c->id) {
		tick_do_timer_one(sys);
		now = cw_ktime_get(sys);
	}
	cw__tick_sched_work(sys, c, now);
}

/* ------------------------------------------------------------------------
 * Programming and the periodic tick
 */

bool cw__tick_hres_valid(struct cw_system *sys)
{
	struct cw_clocksource *cs;
	bool valid;

	cw_spin_lock(&sys->cs_lock);
	cs = cw__timekeeping_clocksource(sys);
	valid = cs && (cs->flags & CW_CLOCKSOURCE_VALID_FOR_HRES);
	cw_spin_unlock(&sys->cs_lock);
	return valid;
}

/* Program @dev at the first period boundary from @next on that is still ahead. */
static void program_periodic_from(struct cw_system *sys, struct cw_clock_event_device *dev,
				  cw_ktime_t next)
{
	int64_t period = tick_period(sys);

	next = forward_past(next, cw_ktime_get(sys), period);
	for (unsigned i = 0; i < TICK_PROGRAM_TRIES; i++, next += period) {
		if (cw_clockevents_program_event(dev, next, false) != CW_ETIME) {
			return;
		}
	}
	cw_clockevents_program_event(dev, next, true);
}

/*
 * A CPU's emulated periodic tick restarts (after the periodic broadcast
 * ticked it in deep idle, whose phase may lag the jiffy grid): if the
 * boundary right after its last tick already passed, run that tick now
 * rather than skip it. @return true if @dev was programmed.
 */
static bool tick_resume_missed_period(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	int64_t period = tick_period(sys);
	cw_ktime_t from, now;
	struct cw_cpu *c;

	if (dev->is_broadcast || dev->bound_cpu < 0 || (unsigned)dev->bound_cpu >= sys->nr_cpus) {
		return false;
	}
	c = &sys->cpus[dev->bound_cpu];
	if (c->last_tick_ns <= 0) {
		return false;
	}
	from = (c->last_tick_ns / period + 1) * period;
	now = cw_ktime_get(sys);
	if (from > now || now - from >= period) {
		return false;
	}
	cw_clockevents_program_event(dev, from, true);
	return true;
}

void cw__tick_start_periodic(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	if (dev->features & CW_CLOCKEVENT_FEAT_DUMMY) {
		/* Not functional: the periodic broadcast drives its CPU. */
		return;
	}
	if ((dev->features & CW_CLOCKEVENT_FEAT_PERIODIC) &&
	    cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_PERIODIC) == 0) {
		return;
	}
	cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_ONESHOT);
	if (tick_resume_missed_period(sys, dev)) {
		return;
	}
	/* Pairs with the release store in tick_do_update_jiffies64(). */
	program_periodic_from(
		sys, dev, atomic_load_explicit(&sys->tick.next_period_ns, memory_order_acquire));
}

/* tick_is_oneshot_available for @dev on the calling CPU. */
static bool tick_oneshot_available(struct cw_system *sys, const struct cw_clock_event_device *dev)
{
	if (!dev || !(dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
		return false;
	}
	if (!(dev->features & CW_CLOCKEVENT_FEAT_C3STOP)) {
		return true;
	}
	return cw__tick_broadcast_oneshot_available(sys);
}

/* tick_switch_to_oneshot + the low-res sched tick: program the next period boundary. */
static void tick_switch_to_oneshot(struct cw_system *sys, struct cw_cpu *c)
{
	struct cw_clock_event_device *dev = c->td.evtdev;
	cw_ktime_t last;

	if (cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_ONESHOT)) {
		return;
	}
	dev->event_handler = tick_handle_oneshot;
	CW_WRITE_ONCE(c->td.mode, CW_TICK_MODE_ONESHOT);
	cw__tick_broadcast_switch_to_oneshot(sys);

	cw_spin_lock(&sys->tick.jiffies_lock);
	last = sys->tick.last_jiffies_update_ns;
	cw_spin_unlock(&sys->tick.jiffies_lock);
	c->tick_next_ns =
		forward_past(last + tick_period(sys), cw_ktime_get(sys), tick_period(sys));
	cw_clockevents_program_event(dev, c->tick_next_ns, true);

	/* clocksource.c reads it under cs_lock: only VALID_FOR_HRES clocksources stay usable. */
	cw_spin_lock(&sys->cs_lock);
	sys->tick_oneshot_active = true;
	cw_spin_unlock(&sys->cs_lock);
	cw__log(sys, CW_LOG_INFO, "tick: CPU%u switched to oneshot mode", c->id);
}

/* tick_check_oneshot_change, polled from the periodic tick. @return true if switched. */
static bool tick_check_oneshot_change(struct cw_system *sys, struct cw_cpu *c)
{
	struct cw_clock_event_device *dev = c->td.evtdev;

	if (!sys->tick.oneshot_enabled || c->td.mode != CW_TICK_MODE_PERIODIC || c->idle_deep ||
	    !dev || !(dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
		/* Not now: leave check_clocks set for a tick that can act on it. */
		return false;
	}
	if (!atomic_exchange_explicit(&c->check_clocks, false, memory_order_relaxed)) {
		return false;
	}
	if (!tick_oneshot_available(sys, dev) || !cw__tick_hres_valid(sys)) {
		return false;
	}
	/* Oneshot broadcast covers its deep idle from now on, per idle period. */
	cw__tick_broadcast_periodic_off(sys, c);
	if (sys->tick.highres_enabled) {
		cw__tick_switch_to_highres(sys, c);
	} else {
		tick_switch_to_oneshot(sys, c);
	}
	return true;
}

/* tick_handle_periodic: hardware periodic, or emulated on a oneshot device. */
static void tick_handle_periodic(struct cw_clock_event_device *dev)
{
	struct cw_system *sys = dev->sys;
	struct cw_cpu *c = this_cpu(sys);
	bool emulated = cw_clockevent_get_state(dev) == CW_CLOCKEVENT_STATE_ONESHOT;
	cw_ktime_t next = dev->next_event_ns;
	cw_ktime_t now = cw_ktime_get(sys);
	int ret;

	if (c->bc_delivering) {
		/*
		 * A tick from the broadcast (DUMMY device, or deep idle): the
		 * device's own programming, if any, is not ours to advance.
		 */
		tick_periodic(sys, c, now);
		tick_check_oneshot_change(sys, c);
		return;
	}
	if (emulated && now < next && !tick_moves_time(sys)) {
		/*
		 * Early by a rounded-down cycle, or spurious: re-arm, no tick.
		 * Not on a clocksource that moves with the tick (jiffies): there
		 * time lags the device by design, and only this tick moves it.
		 */
		cw_clockevents_program_event(dev, next, true);
		return;
	}
	tick_periodic(sys, c, now);
	if (tick_check_oneshot_change(sys, c) || !emulated) {
		return;
	}
	for (unsigned i = 0; i < TICK_PROGRAM_TRIES; i++) {
		next += tick_period(sys);
		ret = cw_clockevents_program_event(dev, next, false);
		if (ret != CW_ETIME) {
			return;
		}
		/*
		 * The period already passed. Run the missed tick only on a
		 * clocksource that does not depend on the tick: with jiffies
		 * as clocksource each tick moves time itself and this loop
		 * would never end (Linux: timekeeping_valid_for_hres()).
		 */
		if (cw__tick_hres_valid(sys)) {
			tick_periodic(sys, c, cw_ktime_get(sys));
		}
	}
	program_periodic_from(sys, dev, next);
}

/* Oneshot mode: the tick's work, then the next period boundary. */
static void tick_handle_oneshot(struct cw_clock_event_device *dev)
{
	struct cw_system *sys = dev->sys;
	struct cw_cpu *c = this_cpu(sys);
	cw_ktime_t now = cw_ktime_get(sys);

	if (now < c->tick_next_ns) {
		cw_clockevents_program_event(dev, c->tick_next_ns, true);
		return;
	}
	tick_periodic(sys, c, now);
	if (c->tick_stopped) {
		/* NO_HZ idle: the idle loop decides when the tick runs again. */
		c->tick_next_ns = CW_KTIME_MAX;
		return;
	}
	c->tick_next_ns = forward_past(c->tick_next_ns + tick_period(sys), now, tick_period(sys));
	cw_clockevents_program_event(dev, c->tick_next_ns, true);
}

/* ------------------------------------------------------------------------
 * Device selection and setup
 */

/* tick_check_percpu: can @dev serve @cpu at all, given the current device @cur? */
static bool tick_check_percpu(const struct cw_clock_event_device *cur,
			      const struct cw_clock_event_device *dev, unsigned cpu)
{
	if (dev->cpu != CW_CLOCKEVENT_ANY_CPU) {
		return dev->cpu == (int)cpu;
	}
	/* A global device's interrupt must be routable to this CPU. */
	if (dev->irq >= 0 && !dev->set_irq_affinity) {
		return false;
	}
	/* Never replace a CPU-local device by a global one. */
	return !cur || cur->cpu != (int)cpu;
}

/* tick_check_preferred: is @dev better than @cur for @c? */
static bool tick_check_preferred(const struct cw_cpu *c, const struct cw_clock_event_device *cur,
				 const struct cw_clock_event_device *dev)
{
	if (!(dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
		if (cur && (cur->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
			return false;
		}
		if (c->td.mode == CW_TICK_MODE_ONESHOT) {
			return false;
		}
	}
	/* A different cpumask wins too: it prefers a CPU-local device. */
	return !cur || dev->rating > cur->rating || dev->cpu != cur->cpu;
}

/* tick_setup_device: start @dev as @c's tick device, continuing the old device's mode. */
static void tick_setup_device(struct cw_system *sys, struct cw_cpu *c,
			      struct cw_clock_event_device *dev, bool had_device)
{
	if (!had_device) {
		tick_take_boot_duty(sys, c->id);
		CW_WRITE_ONCE(c->td.mode, CW_TICK_MODE_PERIODIC);
	}
	CW_WRITE_ONCE(c->td.evtdev, dev);
	dev->bound_cpu = (int)c->id;
	if (dev->cpu == CW_CLOCKEVENT_ANY_CPU && dev->set_irq_affinity) {
		dev->set_irq_affinity(dev, c->id);
	}
	c->idle_deep = false;
	if (c->td.mode == CW_TICK_MODE_PERIODIC) {
		dev->event_handler = tick_handle_periodic;
		if (!cw__tick_broadcast_setup_cpu(sys, c->id, dev)) {
			cw__tick_start_periodic(sys, dev);
		}
	} else if (c->highres) {
		/* The hrtimer bases program the new device for their first timer. */
		cw__tick_broadcast_setup_cpu(sys, c->id, dev);
		dev->event_handler = cw__hrtimer_interrupt;
		cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_ONESHOT);
		cw__hrtimer_retrigger(sys, c->id);
	} else {
		/* tick_setup_oneshot with the pending tick: nothing lost, nothing doubled. */
		cw__tick_broadcast_setup_cpu(sys, c->id, dev);
		dev->event_handler = tick_handle_oneshot;
		cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_ONESHOT);
		cw_clockevents_program_event(dev, c->tick_next_ns, true);
	}
	cw__log(sys, CW_LOG_INFO, "clockevents: CPU%u: tick device %s (rating %d, %s)", c->id,
		dev->name, dev->rating, cw_tick_mode_name(c->td.mode));
}

/* Exchange the current device for @dev and set it up (tick_install_replacement). */
static void tick_install(struct cw_system *sys, struct cw_cpu *c, struct cw_clock_event_device *dev)
{
	struct cw_clock_event_device *cur = c->td.evtdev;

	if (cur) {
		/* Stale interrupts of the old device are ignored from now on. */
		cur->event_handler = NULL;
		cur->bound_cpu = -1;
	}
	cw__clockevents_exchange_device(sys, cur, dev);
	tick_setup_device(sys, c, dev, cur != NULL);
	if (dev->features & CW_CLOCKEVENT_FEAT_ONESHOT) {
		/* tick_oneshot_notify */
		atomic_store_explicit(&c->check_clocks, true, memory_order_relaxed);
	}
}

bool cw__tick_try_device(struct cw_system *sys, unsigned cpu, struct cw_clock_event_device *dev)
{
	struct cw_cpu *c;

	cw_lockdep_assert_held(&sys->ce.lock);
	if (cpu >= sys->nr_cpus || !cw_cpu_online(sys, cpu) || dev->is_broadcast ||
	    cw_clockevent_get_state(dev) != CW_CLOCKEVENT_STATE_DETACHED) {
		return false;
	}
	c = &sys->cpus[cpu];
	if (!tick_check_percpu(c->td.evtdev, dev, cpu) ||
	    !tick_check_preferred(c, c->td.evtdev, dev)) {
		return false;
	}
	tick_install(sys, c, dev);
	return true;
}

bool cw__tick_check_replacement(struct cw_system *sys, unsigned cpu,
				struct cw_clock_event_device *dev)
{
	struct cw_cpu *c;

	cw_lockdep_assert_held(&sys->ce.lock);
	if (cpu >= sys->nr_cpus || dev->is_broadcast ||
	    cw_clockevent_get_state(dev) != CW_CLOCKEVENT_STATE_DETACHED) {
		return false;
	}
	/*
	 * As Linux's clockevents_replace() uses it: can @dev serve the CPU
	 * in its current mode? The caller ranks the candidates.
	 */
	c = &sys->cpus[cpu];
	return tick_check_percpu(NULL, dev, cpu) && tick_check_preferred(c, NULL, dev);
}

void cw__tick_install_replacement(struct cw_system *sys, unsigned cpu,
				  struct cw_clock_event_device *dev)
{
	cw_lockdep_assert_held(&sys->ce.lock);
	CW_ASSERT(cpu < sys->nr_cpus);
	tick_install(sys, &sys->cpus[cpu], dev);
}

/* ------------------------------------------------------------------------
 * Hotplug, notifications, idle
 */

void cw__tick_init(struct cw_system *sys)
{
	atomic_store(&sys->tick.do_timer_cpu, CW_TICK_DO_TIMER_BOOT);
	atomic_store(&sys->tick.next_period_ns, 0);
	sys->tick.bc.mode = CW_TICK_MODE_PERIODIC;
	sys->tick.bc_periodic_next_ns = CW_KTIME_MAX;
	sys->tick.bc_irq_cpu = -1;
	sys->tick.oneshot_enabled = true;
}

void cw__tick_cpu_dying(struct cw_system *sys, unsigned cpu)
{
	struct cw_cpu *c = &sys->cpus[cpu];
	struct cw_clock_event_device *dev = c->td.evtdev;

	cw_lockdep_assert_held(&sys->ce.lock);
	if (atomic_load_explicit(&sys->tick.do_timer_cpu, memory_order_relaxed) == (int)cpu) {
		unsigned first = 0;

		while (first < sys->nr_cpus && !cw_cpu_online(sys, first)) {
			first++;
		}
		atomic_store_explicit(&sys->tick.do_timer_cpu,
				      first < sys->nr_cpus ? (int)first : CW_TICK_DO_TIMER_NONE,
				      memory_order_relaxed);
	}
	cw__tick_broadcast_cpu_offline(sys, cpu);
	cw__tick_sched_cpu_dying(c);
	if (dev) {
		dev->event_handler = NULL;
		/* DETACHED calls the driver's shutdown; the device is offered again elsewhere. */
		cw__clockevents_exchange_device(sys, dev, NULL);
		dev->bound_cpu = -1;
		CW_WRITE_ONCE(c->td.evtdev, NULL);
	}
	CW_WRITE_ONCE(c->td.mode, CW_TICK_MODE_NONE);
	CW_WRITE_ONCE(c->idle, false);
	c->idle_deep = false;
	c->do_timer_last = false;
	c->stall_ticks = 0;
	atomic_store_explicit(&c->check_clocks, false, memory_order_relaxed);
}

int cw_tick_idle_enter(struct cw_system *sys, bool deep)
{
	struct cw_cpu *c = this_cpu(sys);
	int expected = (int)c->id;
	int ret = 0;

	if (CW_READ_ONCE(c->idle)) {
		cw_tick_idle_exit(sys);
	}
	/* Entry time before the flag: cw_tick_get_cpu_stats() reads them the other way round. */
	CW_WRITE_ONCE(c->idle_entry_ns, cw_ktime_get(sys));
	atomic_thread_fence(memory_order_release);
	CW_WRITE_ONCE(c->idle, true);
	cw__tick_stat_add(c, idle_entries, 1);
	/* Drop the duty: a CPU that keeps running takes it over at its next tick. */
	if (atomic_compare_exchange_strong_explicit(&sys->tick.do_timer_cpu, &expected,
						    CW_TICK_DO_TIMER_NONE, memory_order_relaxed,
						    memory_order_relaxed)) {
		c->do_timer_last = true;
	}
	/* NO_HZ first: the broadcast entry hands over the device's next event. */
	cw__tick_nohz_idle_stop(sys, c);
	if (deep) {
		ret = cw__tick_broadcast_idle_enter(sys, c);
		if (ret) {
			cw__tick_stat_add(c, deep_idle_refused, 1);
		} else {
			cw__tick_stat_add(c, deep_idle_entries, 1);
		}
	}
	return ret;
}

void cw_tick_idle_exit(struct cw_system *sys)
{
	struct cw_cpu *c = this_cpu(sys);
	cw_ktime_t now;

	if (!CW_READ_ONCE(c->idle)) {
		return;
	}
	if (c->idle_deep) {
		cw__tick_broadcast_idle_exit(sys, c);
		c->idle_deep = false;
	}
	now = cw_ktime_get(sys);
	if (now > c->idle_entry_ns) {
		cw__tick_stat_add(c, idle_ns, (uint64_t)(now - c->idle_entry_ns));
	}
	CW_WRITE_ONCE(c->idle, false);
	cw__tick_stat_add(c, idle_wakeups, 1);
	/* Nobody holds the duty: bring jiffies up to date before running (tick_nohz_idle_exit). */
	if (atomic_load_explicit(&sys->tick.do_timer_cpu, memory_order_relaxed) ==
	    CW_TICK_DO_TIMER_NONE) {
		tick_do_update_jiffies64(sys, now);
	}
	cw__tick_nohz_idle_restart(sys, c, now);
}

/* ------------------------------------------------------------------------
 * Queries
 */

int cw_tick_get_cpu_stats(struct cw_system *sys, unsigned cpu, struct cw_tick_cpu_stats *out)
{
	const struct cw_tick_cpu_stats *s;

	if (!sys || cpu >= sys->nr_cpus || !out) {
		return CW_EINVAL;
	}
	s = &sys->cpus[cpu].stats;
	out->interrupts = CW_READ_ONCE(s->interrupts);
	out->ticks = CW_READ_ONCE(s->ticks);
	out->do_timer_ticks = CW_READ_ONCE(s->do_timer_ticks);
	out->broadcast_wakeups = CW_READ_ONCE(s->broadcast_wakeups);
	out->ipis = CW_READ_ONCE(s->ipis);
	out->idle_entries = CW_READ_ONCE(s->idle_entries);
	out->deep_idle_entries = CW_READ_ONCE(s->deep_idle_entries);
	out->deep_idle_refused = CW_READ_ONCE(s->deep_idle_refused);
	out->idle_ns = CW_READ_ONCE(s->idle_ns);
	out->do_timer_takeovers = CW_READ_ONCE(s->do_timer_takeovers);
	out->idle_sleeps = CW_READ_ONCE(s->idle_sleeps);
	out->ticks_stopped = CW_READ_ONCE(s->ticks_stopped);
	out->idle_wakeups = CW_READ_ONCE(s->idle_wakeups);
	/*
	 * Include the idle period in progress (a NO_HZ CPU may sleep for the
	 * whole run). Read after idle_ns: an exit in between can only make
	 * the snapshot a period short, never count one twice.
	 */
	if (CW_READ_ONCE(sys->cpus[cpu].idle)) {
		cw_ktime_t since, now;

		atomic_thread_fence(memory_order_acquire);
		since = CW_READ_ONCE(sys->cpus[cpu].idle_entry_ns);
		now = cw_ktime_get(sys);
		if (now > since) {
			out->idle_ns += (uint64_t)(now - since);
		}
	}
	/* Likewise the stopped-tick period in progress. */
	if (CW_READ_ONCE(sys->cpus[cpu].tick_stopped)) {
		cw_ktime_t since, now;

		atomic_thread_fence(memory_order_acquire);
		since = CW_READ_ONCE(sys->cpus[cpu].tick_stopped_ns);
		now = cw_ktime_get(sys);
		if (now > since) {
			out->ticks_stopped += (uint64_t)(now - since) / sys->tick_nsec;
		}
	}
	return 0;
}

struct cw_clock_event_device *cw_tick_device(struct cw_system *sys, unsigned cpu)
{
	return cpu < sys->nr_cpus ? CW_READ_ONCE(sys->cpus[cpu].td.evtdev) : NULL;
}

enum cw_tick_mode cw_tick_mode(struct cw_system *sys, unsigned cpu)
{
	return cpu < sys->nr_cpus ? CW_READ_ONCE(sys->cpus[cpu].td.mode) : CW_TICK_MODE_NONE;
}

struct cw_clock_event_device *cw_tick_broadcast_device(struct cw_system *sys)
{
	return CW_READ_ONCE(sys->tick.bc.evtdev);
}

int cw_tick_do_timer_cpu(struct cw_system *sys)
{
	return atomic_load_explicit(&sys->tick.do_timer_cpu, memory_order_relaxed);
}

const char *cw_tick_mode_name(enum cw_tick_mode mode)
{
	switch (mode) {
	case CW_TICK_MODE_PERIODIC:
		return "periodic";
	case CW_TICK_MODE_ONESHOT:
		return "oneshot";
	default:
		return "none";
	}
}
