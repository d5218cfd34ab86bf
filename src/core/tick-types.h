/* SPDX-License-Identifier: MIT */
/*
 * The tick layer's state types (tick-*.c): a CPU's tick device and the
 * system-wide tick state that struct cw_system embeds as sys->tick. Types
 * only, no calls, so that system-internal.h can embed the state without
 * seeing the tick layer's interface (tick-internal.h); the split follows
 * Linux's hrtimer_types.h. The locks and what they protect are described
 * in tick-internal.h.
 */
#ifndef CLOCKWORK_SRC_CORE_TICK_TYPES_H
#define CLOCKWORK_SRC_CORE_TICK_TYPES_H

#include "compiler.h"
#include "cpumask.h"
#include "lock.h"

#include <clockwork/driver/clockevent.h>
#include <clockwork/tick.h>

/** A CPU's tick device: the bound clock event device and its mode. */
struct cw_tick_device {
	/** The device, or NULL. Changed on the owning CPU under ce.lock. */
	struct cw_clock_event_device *evtdev;
	/** Periodic or oneshot. */
	enum cw_tick_mode mode;
};

/** System-wide tick state (embedded in struct cw_system as sys->tick). */
struct cw_tick_global {
	/** CPU holding the do_timer duty, CW_TICK_DO_TIMER_NONE or _BOOT. */
	_Atomic int do_timer_cpu;
	/** Serialises the jiffies advance. */
	struct cw_spinlock jiffies_lock;
	/** Readers of (jiffies64, next_period_ns) as a pair (cw_jiffies_get()); written under
	 * jiffies_lock. */
	struct cw_seqcount jiffies_seq;
	/** MONOTONIC time of the next jiffy (tick_next_period); read locklessly with acquire. */
	_Atomic int64_t next_period_ns;
	/** MONOTONIC time of the last jiffies update (a multiple of the tick period). */
	cw_ktime_t last_jiffies_update_ns;

	/** Protects the broadcast state. */
	struct cw_spinlock bc_lock;
	/** The broadcast device (evtdev NULL: none) and its mode. */
	struct cw_tick_device bc;
	/** CPUs that need periodic broadcast (their device is DUMMY or stopped). */
	struct cw_cpumask bc_mask;
	/** CPUs in deep idle whose events the oneshot broadcast covers. */
	struct cw_cpumask bc_oneshot_mask;
	/** CPUs the broadcast interrupt expired and that an IPI will handle. */
	struct cw_cpumask bc_pending_mask;
	/** CPUs whose event expired before idle exit: woken at once. */
	struct cw_cpumask bc_force_mask;
	/**
	 * Broadcast in oneshot mode still serving CPUs of bc_mask (DUMMY
	 * devices, or periodic-mode CPUs in deep idle): their next common
	 * tick, MONOTONIC ns. Under bc_lock.
	 */
	cw_ktime_t bc_periodic_next_ns;
	/**
	 * Oneshot broadcast: MONOTONIC ns at or before which the device was
	 * last programmed for its next_event_ns (a lower bound: the time a
	 * caller already had). Under bc_lock. See "Drift" in tick-broadcast.c.
	 */
	cw_ktime_t bc_armed_at_ns;
	/**
	 * CPU the core last routed the broadcast device's interrupt to
	 * (set_irq_affinity), or -1 when the core never routed it (the
	 * port's routing stands). Under bc_lock.
	 */
	int bc_irq_cpu;

	/**
	 * Configuration: CPUs may switch their tick to oneshot mode when the
	 * clocksource and device allow it (Linux nohz=/highres= both off when
	 * false). Default true; set before the first device registers.
	 */
	bool oneshot_enabled;
	/** Switch oneshot-capable CPUs to high-resolution mode (highres=off clears it). */
	bool highres_enabled;
	/** Stop the tick in idle (nohz=off clears it). */
	bool nohz_enabled;
	/** Offset each CPU's tick by (period / 2) / nr_cpus * cpu (skew_tick=1). */
	bool skew_tick;
};

#endif /* CLOCKWORK_SRC_CORE_TICK_TYPES_H */
