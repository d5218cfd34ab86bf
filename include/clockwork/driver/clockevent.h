/* SPDX-License-Identifier: MIT */
/*
 * Clock event provider contract: what a driver fills in to offer a timer
 * that can interrupt a CPU (a comparator, a down-counter, a host timerfd),
 * and the calls it makes.
 *
 * A clock event device is a caller-owned struct. The driver sets the fields
 * above the "private" marker and registers it, usually with
 * cw_clockevents_config_and_register() (frequency and tick limits); the core
 * owns everything below the marker. From registration on, the core decides
 * what the device does: it binds it as a CPU's tick device or as the
 * broadcast device, or keeps it unused, and drives it only through the
 * state callbacks and set_next_event()/set_next_ktime(). When the device
 * interrupts, the driver's interrupt handler calls
 * cw_clockevents_handle_irq() on the CPU the interrupt was delivered to,
 * between the port's cw_irq_enter() and cw_irq_exit().
 *
 * Time is the system's MONOTONIC clock in ns (cw_ktime_t). A device that
 * counts in its own cycles gets deltas converted with its mult/shift
 * (cycles = ns * mult >> shift) and clamped to [min_delta_ns, max_delta_ns].
 *
 * The struct must stay valid and unmodified until cw_clockevents_unregister()
 * returned 0 or the system was destroyed. docs/drivers.md walks a complete
 * driver.
 */
#ifndef CLOCKWORK_INCLUDE_DRIVER_CLOCKEVENT_H
#define CLOCKWORK_INCLUDE_DRIVER_CLOCKEVENT_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct cw_clock_event_device;

/** @name Feature flags (struct cw_clock_event_device::features) @{ */
/** Can generate periodic interrupts by itself (set_state_periodic). */
#define CW_CLOCKEVENT_FEAT_PERIODIC 0x01u
/** Can be programmed for a single interrupt (set_next_event or set_next_ktime). */
#define CW_CLOCKEVENT_FEAT_ONESHOT  0x02u
/** Is programmed with an absolute MONOTONIC time (set_next_ktime), not cycles. */
#define CW_CLOCKEVENT_FEAT_KTIME    0x04u
/** Stops in deep idle states: a CPU using it there needs the broadcast device. */
#define CW_CLOCKEVENT_FEAT_C3STOP   0x08u
/** A placeholder that never interrupts; its CPU is driven by broadcast. */
#define CW_CLOCKEVENT_FEAT_DUMMY    0x10u
/** The broadcast interrupt may be moved to the CPU woken first. */
#define CW_CLOCKEVENT_FEAT_DYNIRQ   0x20u
/** Per-CPU device: only ever a tick device of its own CPU, never broadcast. */
#define CW_CLOCKEVENT_FEAT_PERCPU   0x40u
/** Emulated by an hrtimer (the broadcast hrtimer, later issue). */
#define CW_CLOCKEVENT_FEAT_HRTIMER  0x80u
/**
 * Adapted to the interrupt pipeline (docs/proxy-tick.md): the driver calls
 * cw_clockevents_handle_event() from its interrupt handler, sets irq to the
 * real interrupt line, and tests cw_clockevent_is_oob() wherever it tests
 * the device's state to acknowledge the hardware. With FEAT_ONESHOT, the
 * device can be taken over by a proxy tick device (cw_tick_install_proxy()).
 */
#define CW_CLOCKEVENT_FEAT_PIPELINE 0x100u
/**
 * Set by the core, never by a driver: a proxy tick device owns this device
 * and its interrupt is handled on the out-of-band stage
 * (cw_clockevent_is_oob()).
 */
#define CW_CLOCKEVENT_FEAT_OOB      0x200u
/** Set by the core on a proxy tick device (cw_tick_install_proxy()). */
#define CW_CLOCKEVENT_FEAT_PROXY    0x400u
/** @} */

/** The device serves any CPU (global device, struct cw_clock_event_device::cpu). */
#define CW_CLOCKEVENT_ANY_CPU (-1)

/** Lowest programmable delta the core accepts, ns (deltas below 1 us are noise). */
#define CW_CLOCKEVENT_MIN_DELTA_FLOOR_NS 1000u

/**
 * Device states. Only the core changes them, through the driver's state
 * callbacks; read them with cw_clockevent_get_state().
 */
enum cw_clockevent_state {
	/** Registered, not used by the core (initial, and after a release). */
	CW_CLOCKEVENT_STATE_DETACHED = 0,
	/** Bound but stopped. */
	CW_CLOCKEVENT_STATE_SHUTDOWN,
	/** Interrupting every period by itself. */
	CW_CLOCKEVENT_STATE_PERIODIC,
	/** Interrupting once per programmed event. */
	CW_CLOCKEVENT_STATE_ONESHOT,
	/** Oneshot with nothing programmed (entered from ONESHOT only). */
	CW_CLOCKEVENT_STATE_ONESHOT_STOPPED,
	/**
	 * Taken out of the framework by a holder (a claimed channel, the real
	 * device under a proxy tick device): the tick and broadcast layers never
	 * use it, nobody else can reserve it, and the framework's operations on
	 * it (programming, unbind, unregister) fail with CW_EBUSY. The holder
	 * programs the hardware; when it releases the device, the device becomes
	 * DETACHED and is offered to the framework again (it may become a tick
	 * or the broadcast device).
	 */
	CW_CLOCKEVENT_STATE_RESERVED,
};

/** Interrupt handler the core installs; drivers call it via cw_clockevents_handle_irq(). */
typedef void (*cw_clockevent_handler_fn)(struct cw_clock_event_device *dev);

/**
 * A clock event device. Driver-owned fields first; the core owns the fields
 * after "private". Lock: the system's clockevents lock for registration and
 * binding; once bound as a CPU's tick device, the fields after "private"
 * are written only on that CPU (or under the broadcast lock for the
 * broadcast device).
 */
struct cw_clock_event_device {
	/** Name, unique within the system ("arm_global_timer", "lapic"). Driver. */
	const char *name;
	/** CW_CLOCKEVENT_FEAT_* flags. Driver. */
	unsigned features;
	/** Quality; higher wins (Linux uses 100..450). Driver. */
	int rating;
	/** Interrupt number, for logs and affinity (-1 if none). Driver. */
	int irq;
	/** CPU a per-CPU device belongs to, or CW_CLOCKEVENT_ANY_CPU for a global device. Driver.
	 */
	int cpu;
	/** ns -> cycles multiplier (cycles = ns * mult >> shift). Driver, or config_and_register.
	 */
	uint32_t mult;
	/** ns -> cycles shift. Driver, or config_and_register. */
	uint32_t shift;
	/** Shortest programmable delta, ns (>= 1 us). Driver, or config_and_register; grown by the
	 * min-delta retry. */
	uint64_t min_delta_ns;
	/** Longest programmable delta, ns. Driver, or config_and_register. */
	uint64_t max_delta_ns;
	/** Shortest programmable delta, device cycles. Driver, or config_and_register. */
	uint64_t min_delta_ticks;
	/** Longest programmable delta, device cycles. Driver, or config_and_register. */
	uint64_t max_delta_ticks;
	/**
	 * Worst frequency error of the device's clock, ppb (0: exact, or not
	 * stated). Driver. Only the claim API reads it (a request's
	 * max_error_ppb, include/clockwork/claim.h).
	 */
	uint32_t accuracy_ppb;

	/**
	 * Program an interrupt @p cycles device cycles from now (oneshot, not
	 * KTIME). Return 0, or CW_ETIME if the hardware says the time already
	 * passed (the core then retries with the min-delta logic).
	 */
	int (*set_next_event)(uint64_t cycles, struct cw_clock_event_device *dev);
	/** Program an interrupt at absolute MONOTONIC @p expires_ns (KTIME devices). Return 0 or
	 * CW_ETIME. */
	int (*set_next_ktime)(cw_ktime_t expires_ns, struct cw_clock_event_device *dev);
	/** Stop the device. Optional (NULL: nothing to do). Return 0 or a CW_E* code. */
	int (*set_state_shutdown)(struct cw_clock_event_device *dev);
	/** Start periodic interrupts at the system's HZ. Required with FEAT_PERIODIC. */
	int (*set_state_periodic)(struct cw_clock_event_device *dev);
	/** Enter oneshot mode (nothing armed yet). Optional. */
	int (*set_state_oneshot)(struct cw_clock_event_device *dev);
	/** Stop a oneshot device without leaving oneshot mode. Optional (CW_ENOSYS if NULL). */
	int (*set_state_oneshot_stopped)(struct cw_clock_event_device *dev);
	/** Re-enable after system resume. Optional. */
	int (*tick_resume)(struct cw_clock_event_device *dev);
	/**
	 * Route the interrupt of a global device to @p cpu. Optional: a global
	 * device without it can only serve the CPU its interrupt already goes
	 * to (it may still be the broadcast device).
	 */
	int (*set_irq_affinity)(struct cw_clock_event_device *dev, unsigned cpu);
	/** Opaque pointer for the driver. */
	void *driver_data;

	/* private: owned by the core */
	/** Installed by the core; the device's interrupt runs it. */
	cw_clockevent_handler_fn event_handler;
	/** Absolute MONOTONIC time of the programmed event, or CW_KTIME_MAX. */
	cw_ktime_t next_event_ns;
	/** Current state (use cw_clockevent_get_state()). */
	enum cw_clockevent_state state_use_accessors;
	/** Frequency given to config_and_register, Hz (0 if not configured by the core). */
	uint64_t freq_hz;
	/** Min-delta retries so far (statistics). */
	uint64_t retries;
	/** Number of times min_delta_ns was raised by the retry logic. */
	uint32_t min_delta_raises;
	/**
	 * A forced minimum-delta event is programmed and has not fired yet:
	 * further programming is a no-op until it fires (Linux 7.0's
	 * next_event_forced). Cleared when the device interrupts and on every
	 * state change, shutdown, exchange and registration.
	 */
	bool next_event_forced;
	/** Programmings skipped because a forced event was latched (statistics). */
	uint64_t forced_skips;
	/** CPU whose tick device this is, or -1. */
	int bound_cpu;
	/** This is the system's broadcast device. */
	bool is_broadcast;
	/**
	 * Released (detached from a CPU or the broadcast) since it was last
	 * offered: the next re-offer round offers it again. Core-private.
	 */
	bool reoffer_pending;
	/**
	 * Holder of a RESERVED device (its name, the pointer it reserved with),
	 * NULL otherwise. Written under the clockevents lock.
	 */
	const char *reserved_by;
	/** The holder's pointer for its interrupt handler (RESERVED only). */
	void *reserved_data;
	/** The system it is registered with (NULL when not registered). */
	struct cw_system *sys;
	/** Link in the system's device list. */
	struct cw_clock_event_device *next;
};

/**
 * Register a device whose mult/shift and min/max deltas the driver filled
 * in itself. The core offers it to the tick layer at once: it may become a
 * CPU's tick device (replacing a worse one, which is released and offered
 * again as a broadcast device) or the broadcast device.
 *
 * @param sys  The system.
 * @param dev  The device; name, features and the callbacks its features need must be set.
 * Context: any thread; takes the clockevents lock; may run code on the
 * device's CPU through cw_cpu_call().
 * @return 0; CW_EINVAL for a missing name or callback, a bad cpu, or a name
 *         already registered; CW_EBUSY if @p dev is already registered.
 */
CW_API int cw_clockevents_register(struct cw_system *sys, struct cw_clock_event_device *dev);

/**
 * Compute mult/shift and min/max_delta_ns from a frequency and the limits
 * in device cycles, then register (Linux clockevents_config_and_register).
 * For oneshot devices the conversion is sized for max_ticks / freq seconds
 * (at least 1 s, at most 600 s); min_delta_ns is rounded up and at least
 * CW_CLOCKEVENT_MIN_DELTA_FLOOR_NS; max_delta_ns never exceeds the hardware
 * limit.
 *
 * @param sys        The system.
 * @param dev        The device.
 * @param freq_hz    Device counting frequency, Hz (>= 1).
 * @param min_ticks  Shortest programmable delta, device cycles (>= 1).
 * @param max_ticks  Longest programmable delta, device cycles (>= min_ticks).
 * Context: as cw_clockevents_register().
 * @return As cw_clockevents_register(), plus CW_EINVAL for a zero frequency or bad limits.
 */
CW_API int cw_clockevents_config_and_register(struct cw_system *sys,
					      struct cw_clock_event_device *dev, uint64_t freq_hz,
					      uint64_t min_ticks, uint64_t max_ticks);

/**
 * Change the frequency of a registered device (a clock that was rescaled)
 * and reprogram its pending event with the new conversion.
 *
 * @param dev      A device registered with cw_clockevents_config_and_register().
 * @param freq_hz  New frequency, Hz (>= 1).
 * Context: on the device's CPU when it is a tick device, or any thread when unused.
 * @return 0, or CW_EINVAL for a zero frequency or an unregistered device.
 */
CW_API int cw_clockevents_update_freq(struct cw_clock_event_device *dev, uint64_t freq_hz);

/**
 * Stop using @p dev as the tick device of @p cpu, replacing it by the best
 * unused device that fits (sysfs unbind_device). An unused device is simply
 * removed from the system.
 *
 * @param sys  The system.
 * @param dev  A registered device.
 * @param cpu  The CPU it is bound to (ignored for an unused device).
 * Context: any thread; runs on @p cpu through cw_cpu_call().
 * @return 0; CW_EBUSY when the device is in use and nothing can replace it,
 *         or it is the broadcast device, or it is RESERVED (the log names the
 *         holder); CW_EINVAL if it is not registered.
 */
CW_API int cw_clockevents_unbind(struct cw_system *sys, struct cw_clock_event_device *dev,
				 unsigned cpu);

/**
 * Remove a device from the system: unbind it (with a replacement when it
 * is in use) and forget it. On success the driver owns the struct again.
 *
 * @param sys  The system.
 * @param dev  A registered device.
 * Context: as cw_clockevents_unbind().
 * @return 0, CW_EBUSY (in use, no replacement; or the broadcast device; or RESERVED),
 *         CW_EINVAL (not registered).
 */
CW_API int cw_clockevents_unregister(struct cw_system *sys, struct cw_clock_event_device *dev);

/**
 * Run the core's handler for an interrupt of @p dev (Dovetail's
 * clockevents_handle_event()). Drivers call this from their interrupt
 * handler instead of calling event_handler themselves, on the CPU the
 * interrupt was delivered to, between cw_irq_enter() and cw_irq_exit() (or
 * cw_irq_oob_enter() and cw_irq_oob_exit() on the out-of-band stage). It
 * clears the forced-event latch (see cw_clockevents_program_event()). A
 * device whose handler is not installed (unused, shut down) ignores the
 * call.
 *
 * Pipeline: a device owned by a proxy tick device (cw_clockevent_is_oob())
 * runs its out-of-band handler. Any other device whose interrupt arrives on
 * the out-of-band stage (a per-CPU line switched to that stage for another
 * CPU's proxy) is relayed: the port's synthetic in-band interrupt is posted
 * on this CPU, and its handler (cw_tick_proxy_interrupt()) runs this CPU's
 * tick device handler on the in-band stage.
 *
 * @param dev  The interrupting device.
 * Context: interrupt context of the delivering CPU (either stage).
 */
CW_API void cw_clockevents_handle_event(struct cw_clock_event_device *dev);

/**
 * The name drivers used before the interrupt pipeline: the same as
 * cw_clockevents_handle_event().
 *
 * @param dev  The interrupting device.
 * Context: as cw_clockevents_handle_event().
 */
CW_API void cw_clockevents_handle_irq(struct cw_clock_event_device *dev);

/**
 * Whether a proxy tick device owns @p dev and its interrupt is handled on
 * the out-of-band stage (Dovetail's clockevent_is_oob()). Its state is then
 * RESERVED from the framework's point of view, while the hardware runs in
 * oneshot mode under the proxy: a driver that acknowledges differently in
 * oneshot mode must test "oob or oneshot" (the ARM global timer, erratum
 * 740657).
 *
 * @param dev  A device.
 * Context: any; the device's interrupt handler in practice.
 */
CW_API bool cw_clockevent_is_oob(const struct cw_clock_event_device *dev);

/**
 * Program @p dev to interrupt at @p expires_ns (clockevents_program_event).
 * The delta to now is clamped to [min_delta_ns, max_delta_ns]. If the time
 * has passed (a negative time counts as long past), or the driver reports
 * CW_ETIME, and @p force is set, the core programs now + min_delta_ns,
 * raising min_delta_ns after 3 consecutive failures (to 5 us, then x1.5, at
 * most one jiffy) and giving up beyond it. CW_KTIME_MAX stops a oneshot
 * device (ONESHOT_STOPPED; a driver without set_state_oneshot_stopped stays
 * ONESHOT) and drops the latch below; the next event brings a stopped
 * device back to ONESHOT. A SHUTDOWN device (stopped in deep idle) only
 * records @p expires_ns in next_event_ns. This is the one function that
 * handles device state on programming: the tick layer, the broadcast
 * device and the hrtimer interrupt all program through it.
 *
 * Latch (Linux 7.0): after such a forced minimum-delta programming, every
 * further call is a no-op returning 0 until the device interrupts (nothing
 * can be programmed earlier anyway; the interrupt's handler programs the
 * right time). So a caller re-arming past expiries in a loop cannot push
 * the event out for ever and starve the interrupt. The latch is cleared
 * when the device interrupts (cw_clockevents_handle_irq()), on every state
 * change (shutdown, oneshot-stopped, periodic, detach), on exchange,
 * unbind, re-offering and registration, so no device is left waiting for
 * an event it no longer has.
 *
 * @param dev         A device in ONESHOT (or ONESHOT_STOPPED) state.
 * @param expires_ns  Absolute MONOTONIC time.
 * @param force       Retry with min_delta instead of failing.
 * Context: the device's CPU (tick device) or under the broadcast lock.
 * @return 0 (also when a latched forced event makes the call a no-op);
 *         CW_ETIME if @p expires_ns has passed and @p force is false, or
 *         the retry gave up; CW_EBUSY (and nothing programmed) if @p dev is
 *         RESERVED: its holder programs it.
 */
CW_API int cw_clockevents_program_event(struct cw_clock_event_device *dev, cw_ktime_t expires_ns,
					bool force);

/** The state of @p dev. Context: any. */
CW_API enum cw_clockevent_state cw_clockevent_get_state(const struct cw_clock_event_device *dev);

/**
 * Name of a state ("detached", "shutdown", "periodic", "oneshot", "oneshot-stopped",
 * "reserved").
 */
CW_API const char *cw_clockevent_state_name(enum cw_clockevent_state state);

/**
 * Convert a delta in device cycles to ns with the device's mult/shift
 * (cev_delta2ns): rounded up for a minimum, never above the hardware limit
 * for a maximum, saturating, with the 1 us floor.
 *
 * @param latch   Delta in device cycles.
 * @param dev     Device with mult/shift set.
 * @param is_min  Round for a minimum delta.
 * @return The delta in ns.
 */
CW_API uint64_t cw_clockevent_delta_to_ns(uint64_t latch, const struct cw_clock_event_device *dev,
					  bool is_min);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_DRIVER_CLOCKEVENT_H */
