/* SPDX-License-Identifier: MIT */
/*
 * Clockevents' state type (clockevents.c), embedded in struct cw_system as
 * sys->ce. Types only, no calls (clockevents-internal.h has those).
 *
 * Locking: ce.lock is the outermost tick-side lock (ce.lock -> bc_lock ->
 * jiffies_lock -> log_lock). It protects the device list and every binding
 * of a device (the CPUs' tick devices and the broadcast device), and the
 * CPUs' online flags are flipped under it (cpu.c), so a binding decision
 * sees a stable set of online CPUs.
 */
#ifndef CLOCKWORK_SRC_CORE_CLOCKEVENTS_TYPES_H
#define CLOCKWORK_SRC_CORE_CLOCKEVENTS_TYPES_H

#include "lock.h"

#include <clockwork/driver/clockevent.h>

/** System-wide clockevents state (embedded in struct cw_system as sys->ce). */
struct cw_clockevents {
	/** Protects the device list and bindings (the lock Linux calls clockevents_lock). */
	struct cw_spinlock lock;
	/** All registered clock event devices, in registration order. */
	struct cw_clock_event_device *devices;
	/**
	 * Min-delta retry raises min_delta_ns (CONFIG_GENERIC_CLOCKEVENTS_MIN_ADJUST); set true
	 * at creation (cw__clockevents_init()). Read-mostly configuration.
	 */
	bool min_adjust;
};

#endif /* CLOCKWORK_SRC_CORE_CLOCKEVENTS_TYPES_H */
