/* SPDX-License-Identifier: MIT */
/*
 * The proxy tick device (issue 12, seed 001: Dovetail's tick-proxy): a
 * synthetic clock event device that takes a CPU's real tick device over,
 * so that out-of-band code (a control loop, a co-kernel) owns the timer
 * hardware and in-band masking cannot delay it, while the in-band timer
 * layer (hrtimers, the tick, NO_HZ) keeps being served.
 *
 * cw_tick_install_proxy() registers one proxy per CPU of a mask, with the
 * real device's settings and a rating one higher, so the proxy wins the
 * tick device; the real device goes RESERVED (out of the framework, its
 * hardware left working, claimable by nobody) and its interrupt moves to
 * the out-of-band stage of the port's interrupt pipeline. From then on:
 *
 *   in-band request  proxy_device.set_next_event / set_next_ktime (the
 *                    user's override, or a forward to the real hardware)
 *   real interrupt   handle_oob_event(), on the out-of-band stage
 *   in-band tick     cw_tick_notify_proxy() posts the port's synthetic
 *                    in-band interrupt; its handler runs the proxy's
 *                    in-band handler (the hrtimer interrupt, the tick)
 *
 * cw_tick_uninstall_proxy() gives each CPU its real device back in the
 * current mode, with its timers still queued. A port without an interrupt
 * pipeline (irq_switch_oob / irq_post_inband hooks) cannot proxy.
 *
 * The small out-of-band timer layer below (cw_oob_timer_*) is the demo
 * user: its setup (cw_tick_proxy_setup_oob_timers()) programs the real
 * device for the earliest of its own timers and the in-band request, and
 * notifies the in-band side when that request is due.
 *
 * docs/proxy-tick.md has the contract for driver authors and the numbers.
 */
#ifndef CLOCKWORK_INCLUDE_PROXY_H
#define CLOCKWORK_INCLUDE_PROXY_H

#include <clockwork/driver/clockevent.h>
#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct cw_clock_proxy_device;

/** Out-of-band tick handler: each interrupt of the real device, on the out-of-band stage. */
typedef void (*cw_proxy_oob_handler_fn)(struct cw_clock_proxy_device *dev);

/**
 * A CPU's proxy tick device. The core allocates one per proxied CPU,
 * pre-initialises it from the real device and hands it to the user's
 * setup function; it lives until the proxy is uninstalled on that CPU.
 * Lock: written by setup (before registration), then read only, except
 * the private fields (the core, on the proxied CPU).
 */
struct cw_clock_proxy_device {
	/**
	 * The device handed to the in-band side. Pre-set: name "proxy.N",
	 * the real device's features (minus PERIODIC: the proxy drives the
	 * hardware in oneshot mode only) plus PERCPU and PROXY, its irq,
	 * mult/shift and deltas, rating + 1, and callbacks forwarding to the
	 * real hardware. Setup may override set_next_event, or set
	 * FEAT_KTIME with set_next_ktime, and set_state_oneshot_stopped.
	 */
	struct cw_clock_event_device proxy_device;
	/** The real device (this CPU's tick device at install). Core; read only. */
	struct cw_clock_event_device *real_device;
	/** Out-of-band tick handler. Setup must set it. */
	cw_proxy_oob_handler_fn handle_oob_event;
	/** The user's pointer (the setup's @p arg). Setup may change it. */
	void *data;

	/* private: owned by the core */
	/** CPU this proxy serves. */
	unsigned cpu;
	/** Its name. */
	char name[16];
	/** The out-of-band stage owns the real device's interrupt. */
	bool oob_on;
};

/** The user's setup of one CPU's proxy, run on that CPU before registration. */
typedef void (*cw_tick_proxy_setup_fn)(struct cw_clock_proxy_device *dev, void *arg);

/**
 * Install the proxy tick device on every online CPU of @p cpumask (seed
 * 001's steps): for each CPU, check that its tick device is proxiable
 * (CW_CLOCKEVENT_FEAT_PIPELINE and ONESHOT), prepare the proxy from it and
 * run @p setup on that CPU; register the proxy, which becomes the tick
 * device while the real device goes RESERVED with the proxy as its
 * holder; finally move the real devices' interrupts to the out-of-band
 * stage. A failure on any CPU undoes the CPUs already done.
 *
 * @param sys      The system.
 * @param setup    Sets at least handle_oob_event (see struct cw_clock_proxy_device).
 * @param arg      Passed to @p setup (and stored in dev->data first).
 * @param cpumask  Bitmap of CPUs, bit i of word i / 64 = CPU i, nr_cpus bits.
 * Context: any thread that is not a CPU's interrupt context; no core lock
 * held; runs code on each CPU through cw_cpu_call().
 * @return 0; CW_EBUSY (a proxy is installed already, or an asynchronous
 *         install or uninstall is in progress); CW_ENODEV (a CPU's
 *         tick device cannot be proxied, or the CPU has none); CW_EINVAL
 *         (bad arguments, an empty mask, setup left handle_oob_event NULL
 *         or broke the device); CW_ENOSYS (the port has no interrupt
 *         pipeline); CW_ENOMEM.
 */
CW_API int cw_tick_install_proxy(struct cw_system *sys, cw_tick_proxy_setup_fn setup, void *arg,
				 const uint64_t *cpumask);

/**
 * Uninstall the proxy on the CPUs of @p cpumask that have one: the real
 * device's interrupt goes back to the in-band stage (once no proxied CPU
 * uses the line), the device leaves RESERVED and replaces the proxy as the
 * tick device, continuing the current mode with the CPU's timers still
 * queued; the proxy is forgotten. CPUs without a proxy are skipped.
 *
 * @param sys      The system.
 * @param cpumask  As for cw_tick_install_proxy().
 * Context: as cw_tick_install_proxy().
 * @return 0; CW_EINVAL (bad arguments); CW_EBUSY (another install or
 *         uninstall is in progress: an asynchronous one not yet done);
 *         CW_ENOMEM.
 */
CW_API int cw_tick_uninstall_proxy(struct cw_system *sys, const uint64_t *cpumask);

/**
 * Completion of cw_tick_install_proxy_async() or
 * cw_tick_uninstall_proxy_async().
 *
 * @param sys  The system.
 * @param ret  What the synchronous call would have returned.
 * @param arg  The argument given with it.
 * Context: the caller's context, or a later event of the port on the
 * calling CPU; no core lock held. It may start the next install or
 * uninstall.
 */
typedef void (*cw_tick_proxy_done_fn)(struct cw_system *sys, int ret, void *arg);

/**
 * cw_tick_install_proxy() for a caller that cannot wait for a CPU to run
 * its steps: in the simulator, an engine event (a workload's) while a
 * target CPU's in-band stage is stalled. Each per-CPU step goes through
 * the port's cpu_call_async hook: on a stalled CPU it waits in the CPU's
 * in-band log and runs at the unstall, in order with the interrupts
 * logged before it, and the sequence resumes from there (the steps still
 * run one CPU at a time, in the same order as the synchronous call's).
 * Without that hook it is the synchronous call followed by @p done.
 *
 * A proxy operation holds the proxy busy until @p done: any other install
 * or uninstall meanwhile fails with CW_EBUSY.
 *
 * @param sys       The system.
 * @param setup     As for cw_tick_install_proxy().
 * @param arg       Passed to @p setup.
 * @param cpumask   As for cw_tick_install_proxy() (copied).
 * @param done      Called once with the result, possibly before this call
 *                  returns (every step could run at once); may be NULL.
 * @param done_arg  Its argument.
 * Context: as cw_tick_install_proxy(), or an engine event of the sim port.
 * @return 0 (started: @p done follows); CW_EINVAL, CW_ENOSYS, CW_EBUSY
 *         or CW_ENOMEM as the synchronous call, without calling @p done.
 */
CW_API int cw_tick_install_proxy_async(struct cw_system *sys, cw_tick_proxy_setup_fn setup,
				       void *arg, const uint64_t *cpumask,
				       cw_tick_proxy_done_fn done, void *done_arg);

/**
 * cw_tick_uninstall_proxy() for a caller that cannot wait (see
 * cw_tick_install_proxy_async()).
 *
 * @param sys       The system.
 * @param cpumask   As for cw_tick_install_proxy() (copied).
 * @param done      Called once with the result, possibly before this call
 *                  returns; may be NULL.
 * @param done_arg  Its argument.
 * Context: as cw_tick_install_proxy_async().
 * @return 0 (started: @p done follows); CW_EINVAL, CW_EBUSY or CW_ENOMEM
 *         without calling @p done.
 */
CW_API int cw_tick_uninstall_proxy_async(struct cw_system *sys, const uint64_t *cpumask,
					 cw_tick_proxy_done_fn done, void *done_arg);

/**
 * Signal the in-band tick on the calling CPU: post the port's synthetic
 * in-band interrupt, whose handler runs the proxy's in-band handler once
 * the in-band stage takes interrupts. Out-of-band code calls this when the
 * in-band request it relays is due.
 *
 * @param sys  The system.
 * Context: the out-of-band stage of a proxied CPU (any CPU context works).
 */
CW_API void cw_tick_notify_proxy(struct cw_system *sys);

/**
 * The handler of the synthetic in-band interrupt: run the calling CPU's
 * tick device handler (the proxy's, or the real device's for an interrupt
 * relayed from a CPU without a proxy) through cw_clockevents_handle_event().
 * Ports with a pipeline call it from their synthetic interrupt.
 *
 * @param sys  The system.
 * Context: in-band interrupt context (cw_irq_enter() done).
 */
CW_API void cw_tick_proxy_interrupt(struct cw_system *sys);

/**
 * Whether the calling CPU may enter an idle state that stops its local
 * timer (Dovetail's irq_cpuidle_control()): false while a proxy holds a
 * C3STOP real device and out-of-band timers are queued on it, since the
 * broadcast device covers only the in-band side's events. A port asks
 * before a deep state and takes a shallow one on false.
 *
 * @param sys  The system.
 * Context: the CPU about to idle.
 */
CW_API bool cw_tick_proxy_deep_idle_ok(struct cw_system *sys);

/** The proxy of @p cpu, or NULL. Context: any. */
CW_API struct cw_clock_proxy_device *cw_tick_proxy(struct cw_system *sys, unsigned cpu);

/** @name The out-of-band timer layer (the demo user of the proxy)
 * @{ */

struct cw_oob_timer;

/** Callback of an out-of-band timer, on the out-of-band stage; @p now_ns is MONOTONIC. */
typedef void (*cw_oob_timer_fn)(struct cw_oob_timer *t, cw_ktime_t now_ns);

/**
 * An out-of-band timer: caller-owned, queued on one CPU, run from the real
 * device's interrupt on the out-of-band stage. Lock: touched only on its
 * CPU (the out-of-band stage, or cw_cpu_call() on that CPU).
 */
struct cw_oob_timer {
	/** Callback. Caller, before starting. */
	cw_oob_timer_fn fn;
	/** The caller's pointer. */
	void *data;

	/* private: owned by the core */
	/** MONOTONIC expiry of the next run. */
	cw_ktime_t expires_ns;
	/** Period, ns (0: oneshot). */
	uint64_t period_ns;
	/** Periods skipped because the timer ran later than a whole period. */
	uint64_t overruns;
	/** Next timer of the CPU's queue (sorted by expiry). */
	struct cw_oob_timer *next;
	/** Queued. */
	bool queued;
};

/**
 * Proxy setup for the out-of-band timer layer (pass it to
 * cw_tick_install_proxy() with a NULL @p arg): the proxy's in-band requests
 * become the layer's "in-band tick" deadline, the real device is programmed
 * for the earliest of that and the CPU's out-of-band timers, and each real
 * interrupt runs the due timers, then notifies the in-band side when its
 * deadline passed.
 */
CW_API void cw_tick_proxy_setup_oob_timers(struct cw_clock_proxy_device *dev, void *arg);

/**
 * Start @p t on @p cpu at @p expires_ns, then every @p period_ns (0: once).
 * A timer already queued is moved. The CPU must have a proxy installed
 * with cw_tick_proxy_setup_oob_timers().
 *
 * @param sys         The system.
 * @param cpu         The proxied CPU.
 * @param t           The timer (fn set).
 * @param expires_ns  MONOTONIC first expiry.
 * @param period_ns   Period, or 0.
 * Context: on @p cpu (its out-of-band stage, or cw_cpu_call()).
 * @return 0; CW_ENODEV (no oob-timer proxy on @p cpu); CW_EINVAL.
 */
CW_API int cw_oob_timer_start(struct cw_system *sys, unsigned cpu, struct cw_oob_timer *t,
			      cw_ktime_t expires_ns, uint64_t period_ns);

/**
 * Stop @p t. @return 1 if it was queued, 0 if not.
 * Context: as cw_oob_timer_start().
 */
CW_API int cw_oob_timer_cancel(struct cw_system *sys, unsigned cpu, struct cw_oob_timer *t);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_PROXY_H */
