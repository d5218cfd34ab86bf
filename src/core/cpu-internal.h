/* SPDX-License-Identifier: MIT */
/*
 * The CPUs as the core sees them: the per-CPU structure (sys->cpus), the
 * IPI kinds and soft-work bits multiplexed on one word each, and the leaf
 * calls every component may make (cpus.c): raise soft work, send an IPI,
 * run code on a CPU. cpu.c (interrupt exit, IPI entry, hotplug) calls the
 * components only through the component table (component.h), so this
 * header declares nothing that calls back into a component.
 */
#ifndef CLOCKWORK_SRC_CORE_CPU_INTERNAL_H
#define CLOCKWORK_SRC_CORE_CPU_INTERNAL_H

#include "compiler.h"
#include "tick-types.h"

#include <clockwork/cpu.h>
#include <clockwork/hrtimer.h>
#include <clockwork/tick.h>

struct cw_system;

/**
 * IPI kinds multiplexed on the port's one send_ipi hook (bits of ipi_pending). A CPU handles
 * the kinds pending at once lowest bit first (cw_cpu_handle_ipi()).
 */
enum cw_ipi_kind {
	/** The broadcast device expired this CPU's event: run its tick handler. */
	CW_IPI_TICK_BROADCAST = 1u << 0,
	/**
	 * Wake up and re-evaluate (timers changed remotely). No component handles it:
	 * the interrupt itself ends the idle wait (cw_cpu_handle_ipi()).
	 */
	CW_IPI_KICK = 1u << 1,
	/** Re-evaluate the hrtimer bases and reprogram (remote first timer, clock was set). */
	CW_IPI_HRTIMER = 1u << 2,
};

/**
 * Soft work raised in interrupt context and run in cw_irq_exit() (bits of softirq_pending).
 * Like Linux's softirq vectors, the numbering is the run order: lowest bit first.
 */
enum cw_softirq {
	/** Run expired soft hrtimers (the hrtimer row of the component table). */
	CW_SOFTIRQ_HRTIMER = 1u << 0,
	/** Run expired timer-wheel timers (the timer row). */
	CW_SOFTIRQ_TIMER = 1u << 1,
	/** Pull idle CPUs' due global timers, after the local wheel (the tmigr row). */
	CW_SOFTIRQ_TMIGR = 1u << 2,
};

/**
 * Per-CPU state. One per CPU in sys->cpus, each on its own cache lines.
 * Written by its CPU unless a field says otherwise.
 */
struct cw_cpu {
	/** CPU index. Set at creation. */
	unsigned id;
	/** Online (hotplug). Written by cw__cpu_set_online() under ce.lock. */
	_Atomic bool online;
	/** Out-of-band stage nesting (cw_irq_oob_enter/exit); this CPU only. Fills padding. */
	uint8_t oob_depth;
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

/** Set up sys->cpus (all online). @return 0 or CW_ENOMEM. */
int cw__cpus_init(struct cw_system *sys);

/** Free sys->cpus. */
void cw__cpus_fini(struct cw_system *sys);

/**
 * Mark @p cpu online or offline (cw_cpu_up()/cw_cpu_down()). Takes ce.lock, under which
 * clockevents binds devices, so a binding sees a stable set of online CPUs.
 */
void cw__cpu_set_online(struct cw_system *sys, unsigned cpu, bool online);

/** Ask the port to interrupt @p cpu for @p kind (OR into its pending set). Context: any. */
void cw__cpu_send_ipi(struct cw_system *sys, unsigned cpu, enum cw_ipi_kind kind);
/**
 * cw_cpu_call() for a caller that cannot wait (the port's cpu_call_async
 * hook; without it, cw_cpu_call()). @return 0 (@p fn ran), 1 (it runs
 * later and @p done(@p done_arg, 0) follows, see struct cw_port_ops), or
 * a CW_E* code (nothing runs).
 */
int cw__cpu_call_async(struct cw_system *sys, unsigned cpu, cw_cpu_call_fn fn, void *arg,
		       void (*done)(void *done_arg, int ret), void *done_arg);

/** Raise soft work on the calling CPU, run at cw_irq_exit(). Context: interrupt context. */
void cw__cpu_raise_softirq(struct cw_system *sys, unsigned cpu, enum cw_softirq work);

/**
 * The current clocksource changed or became valid for oneshot/high-res
 * (tick_clock_notify): set every CPU's check_clocks flag, which the tick
 * polls. A leaf (cpus.c), so the clocksource code can call it without
 * depending on the tick layer. Called with cs_lock (and possibly tk_lock)
 * held: takes no lock.
 */
void cw__tick_clock_notify(struct cw_system *sys);

/** Add @p n to a statistics counter of the calling CPU (relaxed). */
#define cw__tick_stat_add(c, field, n)                                                             \
	CW_WRITE_ONCE((c)->stats.field, CW_READ_ONCE((c)->stats.field) + (n))

#endif /* CLOCKWORK_SRC_CORE_CPU_INTERNAL_H */
