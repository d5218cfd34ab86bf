/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of the tick layer (tick-common.c,
 * tick-broadcast.c, tick-sched.c): the calls clockevents, hrtimers, boot
 * and the component table make into it, and the calls between the three
 * tick files. Its state types are in tick-types.h, the per-CPU structure in
 * cpu-internal.h, clockevents' interface in clockevents-internal.h (the
 * tick layer, clockevents and hrtimers call each other, as in Linux).
 *
 * Locking rules (the whole-system order is in system-internal.h):
 *   ce.lock -> bc_lock -> jiffies_lock -> log_lock   (tk_lock is taken after jiffies_lock is
 * dropped)
 * - ce.lock (clockevents-types.h): the device list, binding (tick devices
 *   and the broadcast device); an unused or released device is simply
 *   DETACHED. Registration, unbind and hotplug take it.
 * - bc_lock: broadcast masks and programming of the broadcast device.
 * - jiffies_lock: tick_next_period / last_jiffies_update and the jiffies
 *   advance (the do_timer duty). The wall-time update that follows runs
 *   after it is dropped (it may call clock-was-set notifiers).
 * A CPU's tick device and its struct cw_cpu tick fields are changed only on
 * that CPU (interrupt context or cw_cpu_call()), with ce.lock held when the
 * binding changes. Statistics are written by their CPU with relaxed atomic
 * stores and read anywhere.
 */
#ifndef CLOCKWORK_SRC_CORE_TICK_INTERNAL_H
#define CLOCKWORK_SRC_CORE_TICK_INTERNAL_H

#include "clockevents-internal.h"
#include "compiler.h"
#include "cpu-internal.h"
#include "tick-types.h"

#include <clockwork/driver/clockevent.h>
#include <clockwork/system.h>
#include <clockwork/tick.h>

struct cw_system;

/** Ticks without a jiffies advance before a CPU updates jiffies itself (MAX_STALLED_JIFFIES). */
#define CW_TICK_MAX_STALLED_JIFFIES 5u

/* ---- tick-*.c: used by clockevents.c, hrtimer.c, init.c and the table -- */

/** Set up the tick state at system creation (duty = BOOT, masks empty). */
void cw__tick_init(struct cw_system *sys);

/**
 * Try to make @p dev the tick device of @p cpu (tick_check_new_device
 * without the broadcast fallback): it must fit the CPU and be preferred
 * over the current device. On success the old device is exchanged out and
 * the new one set up (periodic or oneshot, taking the do_timer duty if it
 * is unassigned). Context: on @p cpu (cw_cpu_call), ce.lock held.
 * @return true if @p dev is now @p cpu's tick device.
 */
bool cw__tick_try_device(struct cw_system *sys, unsigned cpu, struct cw_clock_event_device *dev);

/**
 * Offer @p dev as the broadcast device (tick_install_broadcast_device).
 * Context: ce.lock held. @return true if it became the broadcast device.
 */
bool cw__tick_broadcast_offer(struct cw_system *sys, struct cw_clock_event_device *dev);

/**
 * Whether unused @p dev could replace @p cpu's current tick device
 * (tick_check_replacement). Context: ce.lock held.
 */
bool cw__tick_check_replacement(struct cw_system *sys, unsigned cpu,
				struct cw_clock_event_device *dev);

/** Install @p dev as @p cpu's tick device (tick_install_replacement). On @p cpu, ce.lock held. */
void cw__tick_install_replacement(struct cw_system *sys, unsigned cpu,
				  struct cw_clock_event_device *dev);

/**
 * The CPU is going offline (tick_cpu_dying + tick_shutdown): hand over the
 * do_timer duty, leave broadcast, cancel the sched timer, shut the tick
 * device down and release it. The tick row's dying step of the component
 * table (components.c); the hrtimer row's dying step follows it and moves
 * the CPU's hrtimers. Context: on @p cpu (cw_cpu_call), ce.lock held;
 * @p cpu already marked offline.
 */
void cw__tick_cpu_dying(struct cw_system *sys, unsigned cpu);

/** Handle a CW_IPI_TICK_BROADCAST on @p cpu (tick_receive_broadcast). Interrupt context. */
void cw__tick_receive_broadcast(struct cw_system *sys, unsigned cpu);

/* ---- between tick-common.c and tick-broadcast.c ----------------------- */

/**
 * Start @p dev ticking periodically from the next jiffy boundary: hardware
 * periodic mode, or oneshot programming of next_period_ns onwards
 * (tick_setup_periodic). The caller installed the handler.
 */
void cw__tick_start_periodic(struct cw_system *sys, struct cw_clock_event_device *dev);

/**
 * Whether the current clocksource is valid for high resolution (and thus
 * oneshot) use. Context: no core lock held (takes cs_lock).
 */
bool cw__tick_hres_valid(struct cw_system *sys);

/**
 * The tick device of @p cpu was just set up (tick_device_uses_broadcast):
 * a DUMMY device joins the periodic broadcast; a working one leaves every
 * broadcast mask. On @p cpu, ce.lock held. @return true if the broadcast
 * drives the CPU (the caller must not start the device).
 */
bool cw__tick_broadcast_setup_cpu(struct cw_system *sys, unsigned cpu,
				  struct cw_clock_event_device *dev);

/** Whether a oneshot broadcast device exists (tick_broadcast_oneshot_available). */
bool cw__tick_broadcast_oneshot_available(struct cw_system *sys);

/**
 * @p c leaves the periodic broadcast it joined in deep idle (before it
 * switches to oneshot mode). On @p c's CPU.
 */
void cw__tick_broadcast_periodic_off(struct cw_system *sys, struct cw_cpu *c);

/** A CPU switched to oneshot mode: switch the broadcast device too (when it can). */
void cw__tick_broadcast_switch_to_oneshot(struct cw_system *sys);

/** Remove @p cpu from every broadcast mask (tick_broadcast_offline). ce.lock held. */
void cw__tick_broadcast_cpu_offline(struct cw_system *sys, unsigned cpu);

/**
 * Deep idle entry of the calling CPU @p c (tick_broadcast_oneshot_control
 * ENTER). @return 0 (the local device may stop) or CW_EBUSY.
 */
int cw__tick_broadcast_idle_enter(struct cw_system *sys, struct cw_cpu *c);

/** Deep idle exit of @p c (tick_broadcast_oneshot_control EXIT). */
void cw__tick_broadcast_idle_exit(struct cw_system *sys, struct cw_cpu *c);

/* ---- tick-sched.c: high resolution and NO_HZ -------------------------- */

/** One tick's work on @p c (do_timer duty, statistics, timers). Tick context. */
void cw__tick_sched_work(struct cw_system *sys, struct cw_cpu *c, cw_ktime_t now);

/**
 * Switch @p c to high-resolution mode (tick_init_highres +
 * tick_setup_sched_timer): the device is oneshot, its handler the hrtimer
 * interrupt, and the tick an hrtimer. On @p c's CPU.
 */
void cw__tick_switch_to_highres(struct cw_system *sys, struct cw_cpu *c);

/** The next tick boundary after @p now for @p c (the jiffy grid, plus skew). */
cw_ktime_t cw__tick_next_boundary(struct cw_system *sys, const struct cw_cpu *c, cw_ktime_t now);

/**
 * NO_HZ idle entry (tick_nohz_idle_stop_tick): stop @p c's tick when its
 * next event is more than a tick away. On @p c's CPU, before the broadcast
 * entry.
 */
void cw__tick_nohz_idle_stop(struct cw_system *sys, struct cw_cpu *c);

/** NO_HZ idle exit (tick_nohz_idle_exit): restart a stopped tick on the grid. */
void cw__tick_nohz_idle_restart(struct cw_system *sys, struct cw_cpu *c, cw_ktime_t now);

/**
 * The CPU goes offline: stop its sched timer and leave high-resolution mode (before the
 * hrtimer row's dying step moves the CPU's other hrtimers away).
 */
void cw__tick_sched_cpu_dying(struct cw_cpu *c);

/**
 * Set up high resolution, NO_HZ and skew from @p cfg and the wheel's kick hook (system
 * creation, after the wheel).
 */
void cw__tick_sched_init(struct cw_system *sys, const struct cw_system_config *cfg);

#endif /* CLOCKWORK_SRC_CORE_TICK_INTERNAL_H */
