/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of clockevents (clockevents.c): the calls the
 * tick layer, the hrtimer code and the component table make into it. Its
 * state is struct cw_clockevents (clockevents-types.h). Clockevents, the
 * tick layer and hrtimers form one of the two tangles the core keeps on
 * purpose (Linux has the same one): they call each other.
 */
#ifndef CLOCKWORK_SRC_CORE_CLOCKEVENTS_INTERNAL_H
#define CLOCKWORK_SRC_CORE_CLOCKEVENTS_INTERNAL_H

#include "clockevents-types.h"
#include "compiler.h"

#include <clockwork/driver/clockevent.h>

struct cw_system;

/** Set up clockevents' defaults at system creation (min_delta adjustment on). */
void cw__clockevents_init(struct cw_system *sys);

/** Change the state through the driver (only legal transitions). @return 0 or CW_E*. */
int cw__clockevents_switch_state(struct cw_clock_event_device *dev, enum cw_clockevent_state state);

/** Compute mult/shift and min/max_delta_ns from @p freq_hz and the tick limits in @p dev. */
void cw__clockevents_config(struct cw_clock_event_device *dev, uint64_t freq_hz);

/** Switch to SHUTDOWN and forget the programmed event. */
void cw__clockevents_shutdown(struct cw_clock_event_device *dev);

/**
 * Clear @p dev's forced-event latch (cw_clockevents_program_event()): its
 * forced event fired, or the device was stopped, exchanged or re-offered.
 */
void cw__clockevents_clear_forced(struct cw_clock_event_device *dev);

/** Resume hook after system resume. */
void cw__clockevents_tick_resume(struct cw_clock_event_device *dev);

/**
 * Replace @p old by @p new as a tick device: @p old (may be NULL) becomes
 * DETACHED and released (offered again after the registration), @p new is
 * shut down, ready for the tick layer to set up. ce.lock held.
 */
void cw__clockevents_exchange_device(struct cw_system *sys, struct cw_clock_event_device *old,
				     struct cw_clock_event_device *new);

/**
 * Offer again every device released since it was last offered (after a
 * registration, a hotplug step or a device swap); a device offered and not
 * taken is not offered again until it is released again or a CPU comes
 * online. Context: no core lock held.
 */
void cw__clockevents_reoffer(struct cw_system *sys);

/** Mark every detached device and re-offer them all (late boot: anything nobody took). */
void cw__clockevents_reoffer_all(struct cw_system *sys);

/**
 * @p cpu came online: re-offer released devices, then offer every detached
 * device that may serve @p cpu (broadcast first, then @p cpu).
 * Context: no core lock held.
 */
void cw__clockevents_cpu_online(struct cw_system *sys, unsigned cpu);

#endif /* CLOCKWORK_SRC_CORE_CLOCKEVENTS_INTERNAL_H */
