/* SPDX-License-Identifier: MIT */
/*
 * The tick layer's public face: which device ticks each CPU, how a port
 * tells the core that a CPU idles, and per-CPU tick statistics.
 *
 * Every CPU has a tick device (a clock event device bound to it). In
 * periodic mode it interrupts at HZ, by itself or emulated on oneshot
 * hardware; in oneshot mode each event is programmed. One CPU at a time
 * holds the do_timer duty (advances jiffies and updates wall time); it
 * hands the duty over when it goes idle or offline. A CPU whose device
 * stops in deep idle (CW_CLOCKEVENT_FEAT_C3STOP) is woken by the broadcast
 * device when it enters such a state through cw_tick_idle_enter().
 */
#ifndef CLOCKWORK_INCLUDE_TICK_H
#define CLOCKWORK_INCLUDE_TICK_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct cw_clock_event_device;

/** How a tick device runs. */
enum cw_tick_mode {
	/** No tick device bound. */
	CW_TICK_MODE_NONE = 0,
	/** Periodic ticks at HZ (hardware periodic or emulated on oneshot). */
	CW_TICK_MODE_PERIODIC,
	/** Each event programmed (oneshot). */
	CW_TICK_MODE_ONESHOT,
};

/** No CPU holds the do_timer duty (cw_tick_do_timer_cpu()). */
#define CW_TICK_DO_TIMER_NONE (-1)
/** The duty is not assigned yet: the first CPU with a tick device takes it. */
#define CW_TICK_DO_TIMER_BOOT (-2)

/** Per-CPU statistics, counted since the system was created. */
struct cw_tick_cpu_stats {
	/** Interrupts handled on the CPU (device interrupts and IPIs). */
	uint64_t interrupts;
	/** Tick handler runs (periodic work: accounting, timers). */
	uint64_t ticks;
	/** Ticks during which this CPU held the do_timer duty and advanced jiffies. */
	uint64_t do_timer_ticks;
	/** Times the broadcast device woke this CPU (IPI or direct). */
	uint64_t broadcast_wakeups;
	/** IPIs received. */
	uint64_t ipis;
	/** cw_tick_idle_enter() calls. */
	uint64_t idle_entries;
	/** Of those, entries into a deep state (local device handed to broadcast). */
	uint64_t deep_idle_entries;
	/** Deep entries refused (no broadcast device, or forced): the CPU stayed shallow. */
	uint64_t deep_idle_refused;
	/** Time spent idle (between idle enter and exit), MONOTONIC ns. */
	uint64_t idle_ns;
	/** Times this CPU took over the do_timer duty. */
	uint64_t do_timer_takeovers;
	/** Idle entries that stopped the tick (NO_HZ idle sleeps). */
	uint64_t idle_sleeps;
	/** Tick periods that passed while the tick was stopped (ticks saved). */
	uint64_t ticks_stopped;
	/** Idle exits (wakeups), cw_tick_idle_exit() calls that ended an idle period. */
	uint64_t idle_wakeups;
};

/**
 * Tell the core that the calling CPU goes idle until its next interrupt.
 * With @p deep, the CPU wants a state where C3STOP local timers stop: the
 * core hands its next event to the broadcast device and shuts the local
 * device down. Idle time accounting starts here.
 *
 * @param sys   The system.
 * @param deep  The CPU wants a state that stops its local timer.
 * Context: on the idling CPU, not in interrupt context.
 * @return 0; CW_EBUSY when @p deep was asked and the CPU must not enter a
 *         timer-stopping state (no broadcast device, or the CPU must be
 *         woken at once): the port then uses a shallow state.
 */
CW_API int cw_tick_idle_enter(struct cw_system *sys, bool deep);

/**
 * Tell the core that the calling CPU left idle (before it handles the
 * interrupt that woke it). Re-arms the local device after a deep state.
 *
 * @param sys  The system.
 * Context: on the CPU that called cw_tick_idle_enter().
 */
CW_API void cw_tick_idle_exit(struct cw_system *sys);

/**
 * Copy the statistics of @p cpu.
 * @param sys  The system.
 * @param cpu  CPU index.
 * @param out  Receives the counters.
 * Context: any; counters written by other CPUs may be a few events behind.
 * @return 0, or CW_EINVAL for a bad CPU.
 */
CW_API int cw_tick_get_cpu_stats(struct cw_system *sys, unsigned cpu,
				 struct cw_tick_cpu_stats *out);

/** The tick device bound to @p cpu, or NULL. Context: any (a snapshot). */
CW_API struct cw_clock_event_device *cw_tick_device(struct cw_system *sys, unsigned cpu);

/** The tick mode of @p cpu. Context: any (a snapshot). */
CW_API enum cw_tick_mode cw_tick_mode(struct cw_system *sys, unsigned cpu);

/** The broadcast device, or NULL. Context: any (a snapshot). */
CW_API struct cw_clock_event_device *cw_tick_broadcast_device(struct cw_system *sys);

/** CPU holding the do_timer duty, or CW_TICK_DO_TIMER_NONE / _BOOT. Context: any. */
CW_API int cw_tick_do_timer_cpu(struct cw_system *sys);

/**
 * Stand in for the periodic tick of a machine without any clock event
 * device: advance jiffies by @p ticks (under the tick layer's jiffies
 * lock, like every jiffies advance), then accumulate wall time. Linux has
 * no tick at all without a clock event device; clockwork lets a port call
 * this at HZ so that a counters-only machine still keeps time. It keeps
 * no jiffy grid. It then expires every online CPU's due wheel timers of
 * the global (not pinned, not deferrable) bases from the calling thread,
 * as a remote expiry (so the clocksource watchdog's timer runs); pinned and
 * deferrable wheel timers and hrtimers need a tick device.
 *
 * The tick layer owns jiffies: once a tick device has taken the do_timer
 * duty (cw_tick_do_timer_cpu() is no longer CW_TICK_DO_TIMER_BOOT) the call
 * is refused and changes nothing, so jiffies never have two writers. The
 * port then stops calling it.
 *
 * @param sys    The system.
 * @param ticks  Tick periods that passed since the last call (more than
 *               one when the caller was late).
 * Context: any thread, no core lock held; serialised internally. Timer
 * callbacks run on the calling thread.
 * @return 0; CW_EBUSY if the tick layer holds the duty.
 */
CW_API int cw_tick_port_do_timer(struct cw_system *sys, uint64_t ticks);

/** Name of a tick mode ("none", "periodic", "oneshot"). */
CW_API const char *cw_tick_mode_name(enum cw_tick_mode mode);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_TICK_H */
