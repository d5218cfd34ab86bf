/* SPDX-License-Identifier: MIT */
/*
 * Tick broadcast: one global clock event device that keeps ticking CPUs
 * whose own device does not work (DUMMY) or stops in deep idle (C3STOP).
 * Semantics follow Linux kernel/time/tick-broadcast.c (reference 4.4).
 *
 * The device. Any registered device that is not DUMMY, PERCPU or C3STOP
 * may become the broadcast device; a higher rating replaces the current
 * one (which is released and offered again), and once the broadcast runs
 * in oneshot mode only oneshot-capable devices qualify. A oneshot
 * broadcast device arriving while CPUs still tick periodically notifies
 * them (cw__tick_clock_notify), so C3STOP CPUs may now switch to oneshot.
 *
 * Masks (all under bc_lock):
 *   bc_mask          CPUs that need a periodic tick from the broadcast:
 *                    DUMMY tick devices always, and periodic-mode CPUs
 *                    with a C3STOP device while they are in deep idle.
 *   bc_oneshot_mask  oneshot-mode CPUs in deep idle: the broadcast device
 *                    is armed for the earliest of their next events.
 *   bc_pending_mask  CPUs the broadcast interrupt found expired and sent an
 *                    IPI; their idle exit must not re-arm the local device.
 *   bc_force_mask    CPUs that left idle after their event expired but
 *                    before the broadcast interrupt ran: that interrupt,
 *                    which is imminent, runs their tick.
 *
 * Modes. The broadcast device starts periodic: it ticks only while bc_mask
 * is not empty and IPIs those CPUs every period (the CPU taking the
 * interrupt runs its own tick directly). When the first CPU switches to
 * oneshot mode, a oneshot-capable broadcast device switches too; from then
 * on it is armed for the earliest of the oneshot-mask events and of
 * bc_periodic_next_ns, the common periodic tick it still gives bc_mask.
 *
 * Deep idle in periodic mode (decision). Linux covers a periodic-mode CPU
 * whose local timer stops in a C-state only through the periodic broadcast
 * (tick_broadcast_enable, TICK_BROADCAST_ON), and its ENTER returns 0
 * without doing anything there. We have no separate enable call, so deep
 * idle entry of a periodic-mode C3STOP CPU puts it into bc_mask and shuts
 * its local device down (what BROADCAST_ON does). It stays there, idle or
 * not, until it switches to oneshot mode: taking it out at idle exit and
 * restarting its device raced with the broadcast interrupt that woke it
 * (the exit runs before that interrupt's handler) and lost the tick; on the
 * CPU that takes the broadcast interrupt itself it lost most of them.
 * Without a
 * broadcast device, or with an hrtimer-emulated one, the entry is refused
 * with CW_EBUSY as in oneshot mode.
 *
 * Interrupt routing. The core routes the broadcast device's interrupt
 * (set_irq_affinity) only when it must: when the CPU it last routed it to,
 * or any CPU if it never routed it, goes offline, and when a device
 * becomes the broadcast device while some CPU is offline (its interrupt may
 * still go to the offline CPU it served as a tick device). Linux does the
 * same through its interrupt migration off a dying CPU. A broadcast whose
 * interrupt goes to an offline CPU is lost for good, and with it every
 * deep-idle CPU's timers. When the interrupt moves and its event has
 * already passed, the interrupt raised for the dying CPU is lost with it
 * (Linux retriggers a pending interrupt it migrates): the dying CPU runs
 * the broadcast handler itself, which IPIs the expired CPUs and arms the
 * next event; otherwise the broadcast stayed armed for the passed event
 * and was never armed again.
 *
 * Drift (decision; Linux has no counterpart). A device counts its own
 * time: an event programmed D ahead lands D x (rate mismatch) off in
 * MONOTONIC, e.g. 3 % late while a clocksource the watchdog has not caught
 * yet runs 3 % fast (default-soc from 2.3 s). A tick device is programmed
 * afresh for every event, so its error stays a fraction of its CPU's own
 * sleep. The broadcast is re-armed only for earlier events, so a CPU
 * entering deep idle with an event at or after the broadcast's was woken
 * by a programming made for another CPU long before (cwsim: 496 ms before,
 * 4-6 ms late, where the CPU's own device would have been us late); and a
 * CPU woken by something else with its event expired joined bc_force_mask
 * and waited for that late interrupt, "due as well" by Linux's reasoning.
 * bc_armed_at_ns records (a lower bound of) when the broadcast was
 * programmed, from times the callers already have: no extra clock read.
 *   - Deep idle entry (bc_check_stale_locked()): when the broadcast's
 *     programming is older than the entering CPU's own device would be
 *     (next - armed_at > t - now), it is re-programmed for its own event:
 *     same time, fresh delta; a device write, no interrupt. A CPU woken
 *     from deep idle is then no later than its own device would have woken
 *     it, plus the broadcast's interrupt path. Only while that event is
 *     ahead: once it passed, the device may have raised its interrupt,
 *     which is on its way (latency, the deep idle exit of the CPU taking
 *     it), and re-programming drops it (the SH-TMU driver clears UNF; its
 *     handler then finds none): an on-time broadcast came a min delta and
 *     a delivery later (test_horizon, 4 cases over their bound). Ahead of
 *     its event, only a device running early can have fired, at most the
 *     slack (below) before it, and the re-programmed event replaces that
 *     interrupt on time. A passed event is handled as at idle exit.
 *   - Idle exit into the force mask (bc_refire_if_late_locked()): when the
 *     broadcast's event passed longer ago than its slack (1/1024 of how far
 *     ahead it was programmed, a kept clocksource's mismatch and the
 *     checker's figure, plus its min delta) and half a tick (an on-time
 *     interrupt's delivery: latency and the deep idle exit of the CPU
 *     taking it, which runs this very exit before its handler; with no
 *     allowance 64 horizon cases failed), the device is late
 *     (bc_late_locked()): it is programmed to fire now, and its handler
 *     serves the force mask and every other expired CPU as usual.
 *     Programming the CPU's own device instead took it out of the
 *     protocol: broadcasts pending for it, or in flight to a CPU going
 *     down, were lost.
 * What remains: a programming made before the drift, with no deep idle
 * entry since and nothing waking a CPU, lands D x drift late, as a tick
 * device programmed that far ahead would.
 *
 * A port that delivers the broadcast IPI without leaving deep idle first
 * (cw_tick_idle_exit) is tolerated: cw__tick_receive_broadcast() takes the
 * CPU out of the oneshot mask around its handler and re-arms the broadcast
 * for its next event afterwards.
 *
 * Locking rules: bc_lock nests inside ce.lock (registration, hotplug) and
 * is taken alone from interrupt and idle paths. The broadcast device is
 * programmed only under bc_lock. The next_event_ns of a CPU in the oneshot
 * mask is read under bc_lock; that CPU does not touch it while it is in
 * the mask. IPIs are sent under bc_lock (the port's send_ipi must not
 * re-enter the core); the local CPU's handler runs after the unlock.
 */
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>

#include "system-internal.h"
#include "tick-internal.h"

/*
 * An on-time broadcast interrupt may still be on its way this long after
 * its event, in ticks (1 / this): the interrupt latency and the deep idle
 * exit of the CPU taking it, which runs its own idle exit first, so its
 * event has expired and it joins the force mask; re-programming the device
 * then could drop the interrupt it raised.
 */
#define BC_DELIVERY_DIV 2u

static void bc_handle_periodic(struct cw_clock_event_device *dev);
static void bc_handle_oneshot(struct cw_clock_event_device *dev);

static unsigned nr_offline(struct cw_system *sys)
{
	unsigned n = 0;

	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		n += !cw_cpu_online(sys, cpu);
	}
	return n;
}

static cw_ktime_t bc_forward_past(cw_ktime_t next, cw_ktime_t now, int64_t period)
{
	if (next > now) {
		return next;
	}
	return next + ((now - next) / period + 1) * period;
}

static bool bc_running(const struct cw_clock_event_device *bc)
{
	enum cw_clockevent_state s = cw_clockevent_get_state(bc);

	return s == CW_CLOCKEVENT_STATE_PERIODIC || s == CW_CLOCKEVENT_STATE_ONESHOT;
}

/* Change a device's state without losing its recorded next event. */
static void switch_keep_next(struct cw_clock_event_device *dev, enum cw_clockevent_state state)
{
	cw_ktime_t next = dev->next_event_ns;

	cw__clockevents_switch_state(dev, state);
	dev->next_event_ns = next;
}

/* IPI every online CPU of @mask but @self. @return whether @self must run its tick directly. */
static bool bc_send_ipis_locked(struct cw_system *sys, struct cw_cpumask *mask, unsigned self)
{
	bool local = cw_cpumask_test_and_clear(mask, self) && cw_cpu_online(sys, self);
	unsigned cpu;

	cw_lockdep_assert_held(&sys->tick.bc_lock);

	cw_cpumask_for_each(cpu, mask, sys->nr_cpus)
	{
		if (cw_cpu_online(sys, cpu)) {
			cw__cpu_send_ipi(sys, cpu, CW_IPI_TICK_BROADCAST);
		}
	}
	return local;
}

/* Program the oneshot broadcast for @t at @now or later (see "Drift"). bc_lock held. */
static void bc_program_locked(struct cw_clock_event_device *bc, cw_ktime_t t, cw_ktime_t now)
{
	cw_lockdep_assert_held(&bc->sys->tick.bc_lock);
	cw_clockevents_program_event(bc, t, true);
	bc->sys->tick.bc_armed_at_ns = now;
}

/*
 * Arm the oneshot broadcast for @t unless it fires earlier already; @now is
 * MONOTONIC now or earlier (a time the caller has: no extra clock read).
 * bc_lock held.
 */
static void bc_arm_locked(struct cw_clock_event_device *bc, cw_ktime_t t, cw_ktime_t now)
{
	if (t < bc->next_event_ns) {
		bc_program_locked(bc, t, now);
	}
}

/* How far ahead the broadcast was programmed for its event (0: unknown, or nothing armed). */
static uint64_t bc_ahead_locked(const struct cw_clock_event_device *bc)
{
	cw_ktime_t next = bc->next_event_ns, at = bc->sys->tick.bc_armed_at_ns;

	return next != CW_KTIME_MAX && next > at ? (uint64_t)(next - at) : 0;
}

/*
 * How much earlier or later than its event, in MONOTONIC, a broadcast
 * programmed @ahead ns before it may fire while the clocksource is one the
 * watchdog keeps (1/1024, ~1000 ppm, the checker's figure), plus its min
 * delta: a wider gap is drift.
 */
static uint64_t bc_slack_ns(const struct cw_clock_event_device *bc, uint64_t ahead)
{
	return (ahead >> 10) + bc->min_delta_ns;
}

/*
 * Is the broadcast's event, passed at @now, overdue by more than its slack
 * and an on-time interrupt's delivery (see "Drift")? bc_lock held.
 */
static bool bc_late_locked(struct cw_system *sys, const struct cw_clock_event_device *bc,
			   cw_ktime_t now)
{
	cw_ktime_t next = bc->next_event_ns;

	return next != CW_KTIME_MAX && next <= now &&
	       (uint64_t)(now - next) >
		       bc_slack_ns(bc, bc_ahead_locked(bc)) + sys->tick_nsec / BC_DELIVERY_DIV;
}

/*
 * A CPU enters deep idle at @now with its event at @t, not earlier than
 * the broadcast's (see "Drift"). @return the time to re-program the
 * broadcast for, or CW_KTIME_MAX to leave it: its own event when its
 * programming is staler than the CPU's own device would be; now when its
 * event passed longer ago than an on-time interrupt takes. bc_lock held.
 */
static cw_ktime_t bc_check_stale_locked(struct cw_system *sys, struct cw_clock_event_device *bc,
					cw_ktime_t t, cw_ktime_t now)
{
	cw_ktime_t next = bc->next_event_ns;
	uint64_t ahead = bc_ahead_locked(bc);

	if (t == CW_KTIME_MAX || next == CW_KTIME_MAX || t < next) {
		return CW_KTIME_MAX;
	}
	if (next > now) {
		return ahead > (uint64_t)(t - now) ? next : CW_KTIME_MAX;
	}
	return bc_late_locked(sys, bc, now) ? now : CW_KTIME_MAX;
}

/* Oneshot broadcast with CPUs in bc_mask: make sure their common tick is armed. */
static void bc_oneshot_periodic_arm_locked(struct cw_system *sys, struct cw_clock_event_device *bc,
					   cw_ktime_t now)
{
	struct cw_tick_global *tg = &sys->tick;

	cw_lockdep_assert_held(&sys->tick.bc_lock);

	if (cw_cpumask_empty(&tg->bc_mask, sys->nr_cpus)) {
		return;
	}
	if (tg->bc_periodic_next_ns == CW_KTIME_MAX) {
		/* Pairs with the release store of the jiffies update. */
		tg->bc_periodic_next_ns = bc_forward_past(
			atomic_load_explicit(&tg->next_period_ns, memory_order_acquire),
			cw_ktime_get(sys), (int64_t)sys->tick_nsec);
	}
	bc_arm_locked(bc, tg->bc_periodic_next_ns, now);
}

/* bc_mask lost a CPU: stop the periodic broadcast when nobody needs it. */
static void bc_mask_changed_locked(struct cw_system *sys)
{
	struct cw_tick_global *tg = &sys->tick;
	struct cw_clock_event_device *bc = tg->bc.evtdev;

	cw_lockdep_assert_held(&sys->tick.bc_lock);

	if (!cw_cpumask_empty(&tg->bc_mask, sys->nr_cpus)) {
		return;
	}
	tg->bc_periodic_next_ns = CW_KTIME_MAX;
	if (bc && tg->bc.mode == CW_TICK_MODE_PERIODIC && bc_running(bc)) {
		cw__clockevents_shutdown(bc);
	}
}

/*
 * Start the periodic broadcast (tick_broadcast_start_periodic). bc_lock
 * held. A oneshot-capable device emulates the period on the jiffy grid:
 * hardware periodic mode would tick from whenever it was started, up to a
 * period behind the grid, and the CPUs it ticks would lag their own phase
 * by that much (and gain a tick when they return to their own device).
 */
static void bc_start_periodic_locked(struct cw_system *sys, struct cw_clock_event_device *bc)
{
	cw_lockdep_assert_held(&sys->tick.bc_lock);
	bc->event_handler = bc_handle_periodic;
	if (bc_running(bc)) {
		return;
	}
	if (bc->features & CW_CLOCKEVENT_FEAT_ONESHOT) {
		/* Pairs with the release store of the jiffies update. */
		cw_ktime_t next = bc_forward_past(
			atomic_load_explicit(&sys->tick.next_period_ns, memory_order_acquire),
			cw_ktime_get(sys), (int64_t)sys->tick_nsec);

		cw__clockevents_switch_state(bc, CW_CLOCKEVENT_STATE_ONESHOT);
		cw_clockevents_program_event(bc, next, true);
		return;
	}
	cw__tick_start_periodic(sys, bc);
}

/* tick_broadcast_setup_oneshot: arm for the earliest sleeping CPU. bc_lock held. */
static void bc_setup_oneshot_locked(struct cw_system *sys, struct cw_clock_event_device *bc)
{
	struct cw_tick_global *tg = &sys->tick;
	cw_ktime_t next = CW_KTIME_MAX;
	unsigned cpu;

	cw_lockdep_assert_held(&sys->tick.bc_lock);

	bc->event_handler = bc_handle_oneshot;
	if (cw_clockevent_get_state(bc) != CW_CLOCKEVENT_STATE_ONESHOT) {
		cw__clockevents_switch_state(bc, CW_CLOCKEVENT_STATE_ONESHOT);
	}
	bc->next_event_ns = CW_KTIME_MAX;
	cw_cpumask_for_each(cpu, &tg->bc_oneshot_mask, sys->nr_cpus)
	{
		struct cw_clock_event_device *d = sys->cpus[cpu].td.evtdev;

		if (d && d->next_event_ns < next) {
			next = d->next_event_ns;
		}
	}
	if (next != CW_KTIME_MAX) {
		bc_arm_locked(bc, next, cw_ktime_get_coarse(sys));
	}
	bc_oneshot_periodic_arm_locked(sys, bc, cw_ktime_get_coarse(sys));
}

/* Periodic broadcast interrupt (tick_handle_periodic_broadcast). */
static void bc_handle_periodic(struct cw_clock_event_device *dev)
{
	struct cw_system *sys = dev->sys;
	struct cw_tick_global *tg = &sys->tick;
	unsigned self = cw__this_cpu(sys);
	struct cw_cpumask mask;
	bool local;

	cw_spin_lock(&tg->bc_lock);
	if (tg->bc.evtdev != dev || !bc_running(dev)) {
		/* Spurious: shut down or replaced meanwhile. */
		cw_spin_unlock(&tg->bc_lock);
		return;
	}
	mask = tg->bc_mask;
	local = bc_send_ipis_locked(sys, &mask, self);
	if (cw_clockevent_get_state(dev) == CW_CLOCKEVENT_STATE_ONESHOT) {
		/* Emulated: late periods fire at once and are caught up one by one. */
		cw_clockevents_program_event(dev, dev->next_event_ns + (int64_t)sys->tick_nsec,
					     true);
	}
	cw_spin_unlock(&tg->bc_lock);
	/* After the unlock: the handler may switch modes and take bc_lock. */
	if (local) {
		cw__tick_receive_broadcast(sys, self);
	}
}

/* Oneshot broadcast interrupt (tick_handle_oneshot_broadcast). */
static void bc_handle_oneshot(struct cw_clock_event_device *dev)
{
	struct cw_system *sys = dev->sys;
	struct cw_tick_global *tg = &sys->tick;
	unsigned self = cw__this_cpu(sys);
	cw_ktime_t now, next = CW_KTIME_MAX;
	struct cw_cpumask mask;
	unsigned cpu;
	bool local;

	cw_spin_lock(&tg->bc_lock);
	if (tg->bc.evtdev != dev) {
		cw_spin_unlock(&tg->bc_lock);
		return;
	}
	dev->next_event_ns = CW_KTIME_MAX;
	now = cw_ktime_get(sys);
	cw_cpumask_clear_all(&mask);
	cw_cpumask_for_each(cpu, &tg->bc_oneshot_mask, sys->nr_cpus)
	{
		struct cw_clock_event_device *d = sys->cpus[cpu].td.evtdev;

		if (!d) {
			continue;
		}
		if (d->next_event_ns <= now) {
			cw_cpumask_set(&mask, cpu);
			cw_cpumask_set(&tg->bc_pending_mask, cpu);
		} else if (d->next_event_ns < next) {
			next = d->next_event_ns;
		}
	}
	cw_cpumask_or(&mask, &mask, &tg->bc_force_mask);
	cw_cpumask_clear_all(&tg->bc_force_mask);
	if (!cw_cpumask_empty(&tg->bc_mask, sys->nr_cpus) && tg->bc_periodic_next_ns <= now) {
		cw_cpumask_or(&mask, &mask, &tg->bc_mask);
		tg->bc_periodic_next_ns =
			bc_forward_past(tg->bc_periodic_next_ns + (int64_t)sys->tick_nsec, now,
					(int64_t)sys->tick_nsec);
	}
	local = bc_send_ipis_locked(sys, &mask, self);
	if (next != CW_KTIME_MAX) {
		bc_arm_locked(dev, next, now);
	}
	bc_oneshot_periodic_arm_locked(sys, dev, now);
	cw_spin_unlock(&tg->bc_lock);
	if (local) {
		cw__tick_receive_broadcast(sys, self);
	}
}

/*
 * Route the broadcast interrupt to a live CPU other than @gone (Linux's
 * irq migration off a dying CPU, irq_migrate_all_off_this_cpu; DYNIRQ
 * devices are moved by the broadcast itself there). A device whose
 * interrupt the core cannot route keeps the port's routing. bc_lock held.
 */
static bool bc_route_irq_locked(struct cw_system *sys, struct cw_clock_event_device *bc, int gone)
{
	struct cw_tick_global *tg = &sys->tick;
	unsigned cpu;

	cw_lockdep_assert_held(&sys->tick.bc_lock);

	if (!bc || !bc->set_irq_affinity || bc->cpu != CW_CLOCKEVENT_ANY_CPU) {
		return false;
	}
	if (tg->bc_irq_cpu >= 0 && tg->bc_irq_cpu != gone &&
	    cw_cpu_online(sys, (unsigned)tg->bc_irq_cpu)) {
		return false;
	}
	for (cpu = 0; cpu < sys->nr_cpus; cpu++) {
		if ((int)cpu != gone && cw_cpu_online(sys, cpu) &&
		    bc->set_irq_affinity(bc, cpu) == 0) {
			tg->bc_irq_cpu = (int)cpu;
			return true;
		}
	}
	return false;
}

bool cw__tick_broadcast_offer(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	struct cw_tick_global *tg = &sys->tick;
	struct cw_clock_event_device *cur;
	bool notify;

	cw_lockdep_assert_held(&sys->ce.lock);
	if ((dev->features &
	     (CW_CLOCKEVENT_FEAT_DUMMY | CW_CLOCKEVENT_FEAT_PERCPU | CW_CLOCKEVENT_FEAT_C3STOP)) ||
	    dev->is_broadcast || cw_clockevent_get_state(dev) != CW_CLOCKEVENT_STATE_DETACHED) {
		return false;
	}
	/* A CPU-bound device released by an offline CPU could not interrupt anyone. */
	if (dev->cpu != CW_CLOCKEVENT_ANY_CPU && !cw_cpu_online(sys, (unsigned)dev->cpu)) {
		return false;
	}
	cw_spin_lock(&tg->bc_lock);
	cur = tg->bc.evtdev;
	if ((tg->bc.mode == CW_TICK_MODE_ONESHOT &&
	     !(dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) ||
	    (cur && dev->rating <= cur->rating)) {
		cw_spin_unlock(&tg->bc_lock);
		return false;
	}
	if (cur) {
		cur->event_handler = NULL;
		cur->is_broadcast = false;
	}
	cw__clockevents_exchange_device(sys, cur, dev);
	dev->is_broadcast = true;
	dev->bound_cpu = -1;
	dev->next_event_ns = CW_KTIME_MAX;
	CW_WRITE_ONCE(tg->bc.evtdev, dev);
	/*
	 * Where its interrupt goes is unknown (the port's routing, or the last
	 * CPU it served as a tick device, which may be offline now): with any
	 * CPU offline, route it to a live one.
	 */
	tg->bc_irq_cpu = -1;
	if (nr_offline(sys)) {
		bc_route_irq_locked(sys, dev, -1);
	}
	if (tg->bc.mode == CW_TICK_MODE_ONESHOT) {
		bc_setup_oneshot_locked(sys, dev);
	} else {
		dev->event_handler = bc_handle_periodic;
		if (!cw_cpumask_empty(&tg->bc_mask, sys->nr_cpus)) {
			bc_start_periodic_locked(sys, dev);
		}
	}
	notify = tg->bc.mode == CW_TICK_MODE_PERIODIC &&
		 (dev->features & CW_CLOCKEVENT_FEAT_ONESHOT);
	cw_spin_unlock(&tg->bc_lock);
	cw__log(sys, CW_LOG_INFO, "tick: Broadcast device %s", dev->name);
	if (notify) {
		/* C3STOP CPUs stuck in periodic mode for want of a oneshot broadcast may switch
		 * now. */
		cw__tick_clock_notify(sys);
	}
	return true;
}

/* Take @cpu out of every broadcast mask (its device works, or it went offline). bc_lock held. */
static void bc_forget_cpu_locked(struct cw_system *sys, unsigned cpu)
{
	struct cw_tick_global *tg = &sys->tick;

	cw_lockdep_assert_held(&sys->tick.bc_lock);

	sys->cpus[cpu].bc_periodic_on = false;
	cw_cpumask_clear(&tg->bc_mask, cpu);
	cw_cpumask_clear(&tg->bc_oneshot_mask, cpu);
	cw_cpumask_clear(&tg->bc_pending_mask, cpu);
	cw_cpumask_clear(&tg->bc_force_mask, cpu);
	bc_mask_changed_locked(sys);
}

bool cw__tick_broadcast_setup_cpu(struct cw_system *sys, unsigned cpu,
				  struct cw_clock_event_device *dev)
{
	struct cw_tick_global *tg = &sys->tick;
	bool dummy = (dev->features & CW_CLOCKEVENT_FEAT_DUMMY) != 0;
	struct cw_clock_event_device *bc;

	cw_spin_lock(&tg->bc_lock);
	bc = tg->bc.evtdev;
	if (dummy) {
		cw_cpumask_set(&tg->bc_mask, cpu);
		if (bc && tg->bc.mode == CW_TICK_MODE_ONESHOT) {
			bc_oneshot_periodic_arm_locked(sys, bc, cw_ktime_get_coarse(sys));
		} else if (bc) {
			bc_start_periodic_locked(sys, bc);
		}
	} else {
		bc_forget_cpu_locked(sys, cpu);
	}
	cw_spin_unlock(&tg->bc_lock);
	return dummy;
}

void cw__tick_broadcast_periodic_off(struct cw_system *sys, struct cw_cpu *c)
{
	struct cw_tick_global *tg = &sys->tick;

	if (!c->bc_periodic_on) {
		return;
	}
	c->bc_periodic_on = false;
	cw_spin_lock(&tg->bc_lock);
	cw_cpumask_clear(&tg->bc_mask, c->id);
	bc_mask_changed_locked(sys);
	cw_spin_unlock(&tg->bc_lock);
}

bool cw__tick_broadcast_oneshot_available(struct cw_system *sys)
{
	struct cw_clock_event_device *bc = CW_READ_ONCE(sys->tick.bc.evtdev);

	return bc && (bc->features & CW_CLOCKEVENT_FEAT_ONESHOT);
}

void cw__tick_broadcast_switch_to_oneshot(struct cw_system *sys)
{
	struct cw_tick_global *tg = &sys->tick;
	struct cw_clock_event_device *bc;

	cw_spin_lock(&tg->bc_lock);
	bc = tg->bc.evtdev;
	if (tg->bc.mode != CW_TICK_MODE_ONESHOT &&
	    (!bc || (bc->features & CW_CLOCKEVENT_FEAT_ONESHOT))) {
		tg->bc.mode = CW_TICK_MODE_ONESHOT;
		if (bc) {
			bc_setup_oneshot_locked(sys, bc);
		}
	}
	cw_spin_unlock(&tg->bc_lock);
}

void cw__tick_broadcast_cpu_offline(struct cw_system *sys, unsigned cpu)
{
	struct cw_tick_global *tg = &sys->tick;
	struct cw_clock_event_device *bc;
	cw_clockevent_handler_fn lost = NULL;

	cw_spin_lock(&tg->bc_lock);
	bc_forget_cpu_locked(sys, cpu);
	bc = tg->bc.evtdev;
	/* Its interrupt may go to @cpu: then every broadcast would be lost from now on. */
	if (bc_route_irq_locked(sys, bc, (int)cpu) &&
	    cw_clockevent_get_state(bc) == CW_CLOCKEVENT_STATE_ONESHOT &&
	    bc->next_event_ns <= cw_ktime_get(sys)) {
		/*
		 * Its event passed: the interrupt raised for @cpu (in
		 * flight, or waiting for @cpu to leave deep idle) is lost
		 * with it, and the broadcast, still armed for that passed
		 * event, would never be armed again (only earlier events
		 * reprogram it), so its sleeping CPUs would wait for any
		 * other wake-up. Linux retriggers an interrupt pending on a
		 * CPU it migrates off; run its handler here instead (this
		 * CPU is offline, so every CPU it serves gets its IPI), which
		 * also arms the next event. A latched forced event is lost
		 * the same way.
		 */
		cw__clockevents_clear_forced(bc);
		lost = bc->event_handler;
	}
	cw_spin_unlock(&tg->bc_lock);
	if (lost) {
		/* After the unlock: the handler takes bc_lock. */
		lost(bc);
	}
}

int cw__tick_broadcast_idle_enter(struct cw_system *sys, struct cw_cpu *c)
{
	struct cw_tick_global *tg = &sys->tick;
	struct cw_clock_event_device *dev = c->td.evtdev;
	struct cw_clock_event_device *bc;
	int ret = 0;

	if (!dev || !(dev->features & CW_CLOCKEVENT_FEAT_C3STOP)) {
		/* The local device keeps running in deep idle. */
		return 0;
	}
	cw_spin_lock(&tg->bc_lock);
	bc = tg->bc.evtdev;
	if (!bc || (bc->features & CW_CLOCKEVENT_FEAT_HRTIMER)) {
		ret = CW_EBUSY;
		goto out;
	}
	if (c->td.mode == CW_TICK_MODE_PERIODIC) {
		/*
		 * From now on the periodic broadcast ticks the CPU, idle or
		 * not (BROADCAST_ON): restarting the local device at every
		 * idle exit would race with the broadcast that woke the CPU
		 * and lose that tick.
		 */
		c->bc_periodic_on = true;
		cw_cpumask_set(&tg->bc_mask, c->id);
		cw__clockevents_shutdown(dev);
		if (tg->bc.mode == CW_TICK_MODE_ONESHOT) {
			bc_oneshot_periodic_arm_locked(sys, bc, c->idle_entry_ns);
		} else {
			bc_start_periodic_locked(sys, bc);
		}
	} else if (tg->bc.mode != CW_TICK_MODE_ONESHOT ||
		   cw_cpumask_test(&tg->bc_force_mask, c->id)) {
		/* Forced: the broadcast interrupt wakes this CPU right away. */
		ret = CW_EBUSY;
		goto out;
	} else {
		cw_ktime_t redo =
			bc_check_stale_locked(sys, bc, dev->next_event_ns, c->idle_entry_ns);

		cw_cpumask_set(&tg->bc_oneshot_mask, c->id);
		switch_keep_next(dev, CW_CLOCKEVENT_STATE_SHUTDOWN);
		if (redo != CW_KTIME_MAX) {
			bc_program_locked(bc, redo, c->idle_entry_ns);
		} else {
			bc_arm_locked(bc, dev->next_event_ns, c->idle_entry_ns);
		}
	}
	c->idle_deep = true;
out:
	cw_spin_unlock(&tg->bc_lock);
	return ret;
}

/* A CPU joined the force mask at @now: re-fire a late broadcast (see "Drift"). bc_lock held. */
static void bc_refire_if_late_locked(struct cw_system *sys, cw_ktime_t now)
{
	struct cw_tick_global *tg = &sys->tick;
	struct cw_clock_event_device *bc = tg->bc.evtdev;

	cw_lockdep_assert_held(&tg->bc_lock);
	if (!bc || tg->bc.mode != CW_TICK_MODE_ONESHOT ||
	    cw_clockevent_get_state(bc) != CW_CLOCKEVENT_STATE_ONESHOT) {
		return;
	}
	if (bc_late_locked(sys, bc, now)) {
		bc_program_locked(bc, now, now);
	}
}

void cw__tick_broadcast_idle_exit(struct cw_system *sys, struct cw_cpu *c)
{
	struct cw_tick_global *tg = &sys->tick;
	struct cw_clock_event_device *dev = c->td.evtdev;

	/* In periodic mode the CPU stays on the periodic broadcast (see idle enter). */
	if (!dev || c->td.mode == CW_TICK_MODE_PERIODIC) {
		return;
	}
	cw_spin_lock(&tg->bc_lock);
	if (cw_cpumask_test_and_clear(&tg->bc_oneshot_mask, c->id)) {
		switch_keep_next(dev, CW_CLOCKEVENT_STATE_ONESHOT);
		/* Pending: the broadcast IPI on its way runs the expired tick. */
		if (!cw_cpumask_test_and_clear(&tg->bc_pending_mask, c->id) &&
		    dev->next_event_ns != CW_KTIME_MAX) {
			cw_ktime_t now = cw_ktime_get(sys);

			if (dev->next_event_ns <= now) {
				/*
				 * Expired, so the broadcast interrupt is due as
				 * well: let it run the tick instead of re-arming
				 * an expired event here (the min-delta ping-pong).
				 * Unless its device is late (see "Drift").
				 */
				cw_cpumask_set(&tg->bc_force_mask, c->id);
				bc_refire_if_late_locked(sys, now);
			} else {
				cw_clockevents_program_event(dev, dev->next_event_ns, true);
			}
		}
	}
	cw_spin_unlock(&tg->bc_lock);
}

void cw__tick_receive_broadcast(struct cw_system *sys, unsigned cpu)
{
	struct cw_tick_global *tg = &sys->tick;
	struct cw_cpu *c = &sys->cpus[cpu];
	struct cw_clock_event_device *dev = c->td.evtdev;
	struct cw_clock_event_device *bc;
	bool sleeping;

	cw__tick_stat_add(c, broadcast_wakeups, 1);
	if (!dev || !dev->event_handler) {
		return;
	}
	/*
	 * The broadcast runs the CPU's event instead of its device: a forced
	 * event latched on the device is served too (the handler may program
	 * it afresh).
	 */
	cw__clockevents_clear_forced(dev);
	if (!c->idle_deep || c->td.mode != CW_TICK_MODE_ONESHOT) {
		c->bc_delivering = true;
		dev->event_handler(dev);
		c->bc_delivering = false;
		return;
	}
	/* Still in deep idle: leave the oneshot mask while the handler moves next_event. */
	cw_spin_lock(&tg->bc_lock);
	sleeping = cw_cpumask_test_and_clear(&tg->bc_oneshot_mask, cpu);
	cw_cpumask_clear(&tg->bc_pending_mask, cpu);
	cw_spin_unlock(&tg->bc_lock);
	c->bc_delivering = true;
	dev->event_handler(dev);
	c->bc_delivering = false;
	if (!sleeping) {
		return;
	}
	cw_spin_lock(&tg->bc_lock);
	cw_cpumask_set(&tg->bc_oneshot_mask, cpu);
	bc = tg->bc.evtdev;
	if (bc) {
		bc_arm_locked(bc, dev->next_event_ns, cw_ktime_get_coarse(sys));
	}
	cw_spin_unlock(&tg->bc_lock);
}
