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

/*
 * Reserved devices (CW_CLOCKEVENT_STATE_RESERVED). A holder (a claimed
 * channel, claim.c; the real device under a proxy tick device, proxy.c)
 * takes a registered, unused (DETACHED) device out of the framework: the
 * tick and broadcast layers only ever take DETACHED devices, so every
 * offer, re-offer and replacement search skips it; the framework's own
 * operations on it (cw_clockevents_program_event(), unbind, unregister,
 * state switches) fail with CW_EBUSY. The holder drives the hardware with
 * cw__clockevents_reserved_set_mode() and cw__clockevents_reserved_program(),
 * and its handler runs for the device's interrupts. Releasing it shuts the
 * hardware down, makes it DETACHED and offers it again (broadcast first,
 * then the CPUs), like any device the tick layer released.
 *
 * A holder that takes a device the tick layer is using (the proxy) first
 * exchanges it out under ce.lock (the device becomes DETACHED), then
 * reserves it with the _locked variant in the same critical section, so no
 * offer can slip in between.
 */

/**
 * Reserve @p dev for @p owner (see above). On success the device is
 * RESERVED, its handler is @p handler (NULL: its interrupts are ignored),
 * dev->reserved_by is @p owner and dev->reserved_data is @p data; the
 * hardware is left as it is (a released device was shut down when the
 * framework let it go; a new one as its driver left it).
 *
 * @param sys      The system @p dev is registered with.
 * @param dev      The device.
 * @param owner    The holder's name; the same pointer releases it (not NULL).
 * @param handler  Run for each interrupt of @p dev, in interrupt context of the
 *                 CPU the interrupt is delivered to.
 * @param data     The holder's pointer, read back from dev->reserved_data.
 * Context: ce.lock held.
 * @return 0; CW_EINVAL if @p dev is not registered with @p sys or @p owner is NULL;
 *         CW_EBUSY if the framework uses @p dev or somebody reserved it already (the
 *         log names whom).
 */
int cw__clockevents_reserve_locked(struct cw_system *sys, struct cw_clock_event_device *dev,
				   const char *owner, cw_clockevent_handler_fn handler, void *data);

/** cw__clockevents_reserve_locked() taking ce.lock. Context: no core lock held. */
int cw__clockevents_reserve(struct cw_system *sys, struct cw_clock_event_device *dev,
			    const char *owner, cw_clockevent_handler_fn handler, void *data);

/**
 * Give a RESERVED device back: the driver shuts it down, its handler is
 * removed, it becomes DETACHED and is marked for the next re-offer round.
 * The caller runs cw__clockevents_reoffer() once ce.lock is dropped (or
 * installs the device itself under the lock, as the proxy does).
 *
 * @param sys    The system.
 * @param dev    The device.
 * @param owner  The pointer it was reserved with.
 * Context: ce.lock held.
 * @return 0; CW_EINVAL if @p dev is not registered or not RESERVED; CW_EPERM if @p owner
 *         is not its holder.
 */
int cw__clockevents_unreserve_locked(struct cw_system *sys, struct cw_clock_event_device *dev,
				     const char *owner);

/**
 * cw__clockevents_unreserve_locked() taking ce.lock, then offering the
 * device to the framework again (it may become a tick or the broadcast
 * device). Context: no core lock held. @return As the _locked variant.
 */
int cw__clockevents_unreserve(struct cw_system *sys, struct cw_clock_event_device *dev,
			      const char *owner);

/** Whether @p dev is RESERVED. Context: any. */
bool cw__clockevents_is_reserved(const struct cw_clock_event_device *dev);

/**
 * The holder puts a RESERVED device's hardware in @p mode through the
 * driver: CW_CLOCKEVENT_STATE_PERIODIC (interrupts every tick_nsec, the
 * driver's period), CW_CLOCKEVENT_STATE_ONESHOT (ready for
 * cw__clockevents_reserved_program()) or CW_CLOCKEVENT_STATE_SHUTDOWN.
 * The device's state stays RESERVED.
 *
 * Context: the holder's serialisation (only the holder calls it).
 * @return 0; CW_EBUSY if @p dev is not RESERVED; CW_ENOSYS if the hardware lacks the mode;
 *         CW_EINVAL for another @p mode; the driver's error.
 */
int cw__clockevents_reserved_set_mode(struct cw_clock_event_device *dev,
				      enum cw_clockevent_state mode);

/**
 * The holder programs a RESERVED device (hardware in oneshot mode) to
 * interrupt at @p expires_ns, with the clamping, never-early conversion and
 * min-delta retry of cw_clockevents_program_event() (no forced-event latch:
 * the holder owns every programming). CW_KTIME_MAX shuts the hardware down.
 *
 * Context: the holder's serialisation.
 * @return 0; CW_ETIME (past and not @p force, or the retry gave up); CW_EBUSY if @p dev is
 *         not RESERVED.
 */
int cw__clockevents_reserved_program(struct cw_clock_event_device *dev, cw_ktime_t expires_ns,
				     bool force);

/**
 * Add @p dev to the device list, DETACHED, without offering it to anyone
 * (cw_clockevents_register() is this plus the offers). The proxy tick
 * device (proxy.c) installs its device itself, under the same lock.
 *
 * Context: ce.lock held.
 * @return As cw_clockevents_register().
 */
int cw__clockevents_add_locked(struct cw_system *sys, struct cw_clock_event_device *dev);

/**
 * Take a DETACHED @p dev off the device list without offering anything
 * (the proxy forgets its device on uninstall). Context: ce.lock held.
 */
void cw__clockevents_remove_locked(struct cw_system *sys, struct cw_clock_event_device *dev);

#endif /* CLOCKWORK_SRC_CORE_CLOCKEVENTS_INTERNAL_H */
