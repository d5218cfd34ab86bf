/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of clockevents (clockevents.c), the tick layer
 * (tick-*.c), CPUs (cpu.c) and boot (init.c): the per-CPU structure, the
 * system-wide tick state, and the calls these files make into each other.
 *
 * Locking rules (the whole-system order is in system-internal.h):
 *   ce_lock -> bc_lock -> jiffies_lock -> log_lock   (tk_lock is taken after jiffies_lock is
 * dropped)
 * - ce_lock: the device list, binding (tick devices and the broadcast
 *   device); an unused or released device is simply DETACHED.
 *   Registration, unbind and hotplug take it.
 * - bc_lock: broadcast masks and programming of the broadcast device.
 * - jiffies_lock: tick_next_period / last_jiffies_update and the jiffies
 *   advance (the do_timer duty). The wall-time update that follows runs
 *   after it is dropped (it may call clock-was-set notifiers).
 * A CPU's tick device and its struct cw_cpu tick fields are changed only on
 * that CPU (interrupt context or cw_cpu_call()), with ce_lock held when the
 * binding changes. Statistics are written by their CPU with relaxed atomic
 * stores and read anywhere.
 */
#ifndef CLOCKWORK_SRC_CORE_TICK_INTERNAL_H
#define CLOCKWORK_SRC_CORE_TICK_INTERNAL_H

#include "compiler.h"
#include "cpumask.h"
#include "lock.h"

#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/hrtimer.h>
#include <clockwork/tick.h>

struct cw_system;

/** A CPU's tick device: the bound clock event device and its mode. */
struct cw_tick_device {
	/** The device, or NULL. Changed on the owning CPU under ce_lock. */
	struct cw_clock_event_device *evtdev;
	/** Periodic or oneshot. */
	enum cw_tick_mode mode;
};

/** IPI kinds multiplexed on the port's one send_ipi hook (bits of ipi_pending). */
enum cw_ipi_kind {
	/** The broadcast device expired this CPU's event: run its tick handler. */
	CW_IPI_TICK_BROADCAST = 1u << 0,
	/** Wake up and re-evaluate (timers changed remotely). */
	CW_IPI_KICK = 1u << 1,
	/** Re-evaluate the hrtimer bases and reprogram (remote first timer, clock was set). */
	CW_IPI_HRTIMER = 1u << 2,
};

/** Soft work raised in interrupt context and run in cw_irq_exit() (bits of softirq_pending). */
enum cw_softirq {
	/** Run expired timer-wheel timers. */
	CW_SOFTIRQ_TIMER = 1u << 0,
	/** Run expired soft hrtimers. */
	CW_SOFTIRQ_HRTIMER = 1u << 1,
};

/**
 * Per-CPU state. One per CPU in sys->cpus, each on its own cache lines.
 * Written by its CPU unless a field says otherwise.
 */
struct cw_cpu {
	/** CPU index. Set at creation. */
	unsigned id;
	/** Online (hotplug). Written by cw_cpu_up()/cw_cpu_down() under ce_lock. */
	_Atomic bool online;
	/** Interrupt nesting depth (cw_irq_enter/exit). */
	unsigned irq_depth;
	/** Pending IPI kinds; set by any CPU (atomic OR), cleared by this CPU. */
	_Atomic unsigned ipi_pending;
	/** Pending soft work (enum cw_softirq); set and cleared by this CPU. */
	_Atomic unsigned softirq_pending;

	/** The tick device. */
	struct cw_tick_device td;
	/** Idle: between cw_tick_idle_enter() and cw_tick_idle_exit(). */
	bool idle;
	/** In a deep idle state with the local device handed to broadcast. */
	bool idle_deep;
	/** MONOTONIC time of the current idle entry. */
	cw_ktime_t idle_entry_ns;
	/** This CPU dropped the do_timer duty when it went idle (TS_FLAG_DO_TIMER_LAST). */
	bool do_timer_last;
	/** jiffies seen at the last tick, for the stall guard. */
	uint64_t stall_last_jiffies;
	/** Ticks for which jiffies did not move while another CPU held the duty. */
	unsigned stall_ticks;
	/**
	 * Oneshot switch requested (tick_check_oneshot_change's check_clocks):
	 * set by any thread (cw__tick_clock_notify, a new oneshot device),
	 * consumed by this CPU's tick.
	 */
	_Atomic bool check_clocks;
	/** MONOTONIC time of the last tick this CPU ran (0: none yet). */
	cw_ktime_t last_tick_ns;
	/** The broadcast is running this CPU's tick handler (not the device's own expiry). */
	bool bc_delivering;
	/**
	 * Periodic mode, C3STOP device: the CPU used deep idle once, so the
	 * periodic broadcast ticks it from then on with its device shut down
	 * (Linux's BROADCAST_ON), until it switches to oneshot mode.
	 */
	bool bc_periodic_on;

	/* tick-sched.c: high-resolution tick emulation and NO_HZ idle. */
	/** High-resolution mode: the tick is sched_timer on the hrtimer bases. */
	bool highres;
	/** NO_HZ: the tick is stopped while this CPU idles. */
	bool tick_stopped;
	/** The tick as an hrtimer (MONOTONIC, pinned, hard) in high-resolution mode. */
	struct cw_hrtimer sched_timer;
	/** MONOTONIC time the tick was stopped at (ticks-skipped statistics). */
	cw_ktime_t tick_stopped_ns;
	/** Oneshot mode: MONOTONIC time of the next tick (the sched_timer expiry), a multiple of
	 * the tick period. */
	cw_ktime_t tick_next_ns;

	/** Statistics (relaxed atomic stores by this CPU; read anywhere). */
	struct cw_tick_cpu_stats stats;
};

/** Ticks without a jiffies advance before a CPU updates jiffies itself (MAX_STALLED_JIFFIES). */
#define CW_TICK_MAX_STALLED_JIFFIES 5u

/** System-wide tick and clockevents state (embedded in struct cw_system). */
struct cw_tick_global {
	/** Protects the device list and bindings. */
	struct cw_spinlock ce_lock;
	/** All registered clock event devices, in registration order. */
	struct cw_clock_event_device *devices;

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

/* ---- clockevents.c: used by the tick layer ---------------------------- */

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
 * shut down, ready for the tick layer to set up. ce_lock held.
 */
void cw__clockevents_exchange_device(struct cw_system *sys, struct cw_clock_event_device *old,
				     struct cw_clock_event_device *new);

/**
 * Offer every released or unused device again (after a registration,
 * hotplug online, or a device swap). Context: no core lock held.
 */
void cw__clockevents_reoffer(struct cw_system *sys);

/* ---- tick-*.c: used by clockevents.c, cpu.c and init.c --------------- */

/** Set up the tick state at system creation (duty = BOOT, masks empty). */
void cw__tick_init(struct cw_system *sys);

/**
 * Try to make @p dev the tick device of @p cpu (tick_check_new_device
 * without the broadcast fallback): it must fit the CPU and be preferred
 * over the current device. On success the old device is exchanged out and
 * the new one set up (periodic or oneshot, taking the do_timer duty if it
 * is unassigned). Context: on @p cpu (cw_cpu_call), ce_lock held.
 * @return true if @p dev is now @p cpu's tick device.
 */
bool cw__tick_try_device(struct cw_system *sys, unsigned cpu, struct cw_clock_event_device *dev);

/**
 * Offer @p dev as the broadcast device (tick_install_broadcast_device).
 * Context: ce_lock held. @return true if it became the broadcast device.
 */
bool cw__tick_broadcast_offer(struct cw_system *sys, struct cw_clock_event_device *dev);

/**
 * Whether unused @p dev could replace @p cpu's current tick device
 * (tick_check_replacement). Context: ce_lock held.
 */
bool cw__tick_check_replacement(struct cw_system *sys, unsigned cpu,
				struct cw_clock_event_device *dev);

/** Install @p dev as @p cpu's tick device (tick_install_replacement). On @p cpu, ce_lock held. */
void cw__tick_install_replacement(struct cw_system *sys, unsigned cpu,
				  struct cw_clock_event_device *dev);

/**
 * The CPU is going offline (tick_cpu_dying + tick_shutdown): hand over the
 * do_timer duty, leave broadcast, shut the tick device down and release
 * it. Context: on @p cpu (cw_cpu_call), ce_lock held; @p cpu already
 * marked offline.
 */
void cw__tick_cpu_dying(struct cw_system *sys, unsigned cpu);

/** Handle a CW_IPI_TICK_BROADCAST on @p cpu (tick_receive_broadcast). Interrupt context. */
void cw__tick_receive_broadcast(struct cw_system *sys, unsigned cpu);

/**
 * The current clocksource changed or became valid for oneshot/high-res
 * (tick_clock_notify). Called with cs_lock (and possibly tk_lock) held:
 * must take no tick lock; it only sets per-CPU flags the tick polls.
 */
void cw__tick_clock_notify(struct cw_system *sys);

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
 * broadcast mask. On @p cpu, ce_lock held. @return true if the broadcast
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

/** Remove @p cpu from every broadcast mask (tick_broadcast_offline). ce_lock held. */
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

/** The CPU goes offline: stop its sched timer and leave high-resolution mode. */
void cw__tick_sched_cpu_dying(struct cw_system *sys, struct cw_cpu *c);

/** Set up NO_HZ defaults and the wheel's kick hook (system creation). */
void cw__tick_sched_init(struct cw_system *sys);

/* ---- cpu.c ------------------------------------------------------------ */

/** Set up sys->cpus (all online). @return 0 or CW_ENOMEM. */
int cw__cpus_init(struct cw_system *sys);

/** Free sys->cpus. */
void cw__cpus_fini(struct cw_system *sys);

/** Ask the port to interrupt @p cpu for @p kind (OR into its pending set). Context: any. */
void cw__cpu_send_ipi(struct cw_system *sys, unsigned cpu, enum cw_ipi_kind kind);

/** Raise soft work on the calling CPU, run at cw_irq_exit(). Context: interrupt context. */
void cw__cpu_raise_softirq(struct cw_system *sys, unsigned cpu, enum cw_softirq work);

/** Add @p n to a statistics counter of the calling CPU (relaxed). */
#define cw__tick_stat_add(c, field, n)                                                             \
	CW_WRITE_ONCE((c)->stats.field, CW_READ_ONCE((c)->stats.field) + (n))

/* ---- init.c ----------------------------------------------------------- */

/** Run the boot sequence (machine hooks, init levels). Called by cw_system_boot(). */
int cw__init_boot(struct cw_system *sys);

#endif /* CLOCKWORK_SRC_CORE_TICK_INTERNAL_H */
