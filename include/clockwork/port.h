/* SPDX-License-Identifier: MIT */
/*
 * The platform interface: everything the portable core needs from its
 * surroundings. The core makes no operating-system call; a port (posix, sim,
 * and later bare metal) fills one struct cw_port_ops and hands it to
 * cw_system_create(). src/port/template/ is a commented, compiling example.
 *
 * Interrupt entry/exit, IPI handling and idle are calls the port makes into
 * the core (include/clockwork/cpu.h, tick.h); the hooks here are what the
 * core asks of the port. Every hook may be NULL unless it says otherwise;
 * the core then uses the documented fallback.
 *
 * Core policy stays in the core: a port schedules no periodic core work.
 * Jiffies advance in the tick layer from the tick devices the port's
 * drivers register, and the clocksource watchdog is the core's own timer.
 * Only a port whose machine has no clock event device at all may stand in
 * for the tick with cw_tick_port_do_timer() (tick.h) at HZ; the core
 * refuses it once a tick device holds the duty.
 */
#ifndef CLOCKWORK_INCLUDE_PORT_H
#define CLOCKWORK_INCLUDE_PORT_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels, kernel style: lower is more severe. */
enum cw_log_level {
	CW_LOG_ERR = 3,
	CW_LOG_WARNING = 4,
	CW_LOG_NOTICE = 5,
	CW_LOG_INFO = 6,
	CW_LOG_DEBUG = 7,
};

/**
 * Operations a port provides. The struct is caller-owned and must outlive
 * every system created with it; the core never writes to it.
 */
/** this_cpu's answer for a thread that is not one of the system's CPUs. */
#define CW_PORT_NO_CPU 0xffffffffu

/** The bit that marks a this_cpu answer as "not a CPU" (CW_PORT_NEAR_CPU()). */
#define CW_PORT_NOT_A_CPU 0x80000000u

/**
 * this_cpu's answer for a thread that is not one of the system's CPUs but
 * runs near CPU @p cpu (on the host core that CPU uses, or bound to it by
 * the application). The core treats the thread exactly as one answering
 * CW_PORT_NO_CPU (not in interrupt context, never programs a device, never
 * runs as the CPU), except that the timers it arms (wheel and hrtimers) go
 * to @p cpu's bases instead of CPU 0's: application threads spread over
 * the CPUs' bases instead of all sharing CPU 0's lock (docs/timers.md,
 * "Which base a timer lands on"). A @p cpu that is out of range means
 * CPU 0; an offline one, a live CPU (as for any arming CPU).
 */
#define CW_PORT_NEAR_CPU(cpu) (CW_PORT_NOT_A_CPU | (unsigned)(cpu))

struct cw_port_ops {
	/** Port name for logs ("posix", "sim"). Required. */
	const char *name;
	/**
	 * Index of the CPU running the caller, in [0, nr_cpus), or
	 * CW_PORT_NO_CPU for a thread that is not one of the system's CPUs
	 * (an application thread on the posix port), or CW_PORT_NEAR_CPU(c)
	 * for such a thread whose timers should go to CPU c's bases. The core
	 * uses CPU 0's bases for a thread answering CW_PORT_NO_CPU, and knows
	 * that neither kind is in interrupt context.
	 * NULL means the system has one CPU and every caller runs as it.
	 * Context: any; must not take locks the core holds.
	 */
	unsigned (*this_cpu)(void *ctx);
	/**
	 * Timestamp for log lines in ns (the kernel's printk clock). NULL means
	 * no timestamp source: lines are stamped 0. Must not call back into
	 * the timekeeping readers of the same system (they may be mid-update).
	 */
	uint64_t (*log_clock_ns)(void *ctx);
	/**
	 * Receives each log line as it is written to the system's ring, with
	 * its "[    s.us] " stamp and without a trailing newline. NULL: lines
	 * only go to the ring. Called with core locks held: must not re-enter.
	 */
	void (*log_write)(void *ctx, int level, const char *line);
	/**
	 * Interrupt @p cpu: the port must soon run cw_cpu_handle_ipi() on that
	 * CPU, between cw_irq_enter() and cw_irq_exit(), waking it from idle
	 * first. Several requests before the IPI is handled may be merged into
	 * one. May be NULL on a single-CPU system.
	 * Context: any; called with core locks held, so it must not re-enter
	 * the core.
	 */
	void (*send_ipi)(void *ctx, unsigned cpu);
	/**
	 * Run @p fn(@p arg) on @p cpu (this_cpu() returns @p cpu during it,
	 * with that CPU's interrupts held off) and return when it has run.
	 * NULL: the core calls @p fn directly on the caller, which is right
	 * only for a port whose callers always run as the target CPU (single
	 * CPU, or before any CPU runs). Called with no core lock held.
	 * @return 0, or CW_ENODEV if the CPU cannot run it (offline/stopped).
	 */
	int (*cpu_call)(void *ctx, unsigned cpu, void (*fn)(void *arg), void *arg);
	/**
	 * Optional: run @p fn(@p arg) on @p cpu as cpu_call() does, for a
	 * caller that cannot wait (a simulator's engine event calling a CPU
	 * whose in-band stage is stalled: cw_tick_install_proxy_async()).
	 * NULL: the core uses cpu_call() and the caller waits.
	 * @return 0 when @p fn has run (@p done is not called); 1 when it
	 *         will run later: then @p done(@p done_arg, 0) is called once
	 *         it ran, from a later event of the port on the calling CPU,
	 *         with no core lock held; or CW_ENODEV (the CPU cannot run it)
	 *         or CW_ENOMEM, and nothing runs.
	 */
	int (*cpu_call_async)(void *ctx, unsigned cpu, void (*fn)(void *arg), void *arg,
			      void (*done)(void *done_arg, int ret), void *done_arg);
	/**
	 * Resolve a driver's compatible string to the @p index-th matching
	 * piece of hardware (real or modelled): store the port's handle for it
	 * in @p hw and return 0, or return CW_ENODEV when there are no more.
	 * NULL: drivers with a compatible string are never probed.
	 */
	int (*hw_match)(void *ctx, const char *compatible, unsigned index, void **hw);
	/**
	 * Interrupt pipeline (docs/proxy-tick.md). Optional: a port without
	 * one leaves both NULL and cw_tick_install_proxy() fails with
	 * CW_ENOSYS. Move interrupt line @p irq (a clock event device's irq)
	 * to the out-of-band stage (@p oob true) or back to the in-band stage,
	 * on every CPU the line reaches. Called from any thread, no core lock
	 * held. @return 0, or a CW_E* code (the line cannot switch).
	 */
	int (*irq_switch_oob)(void *ctx, int irq, bool oob);
	/**
	 * Post the synthetic per-CPU in-band interrupt to CPU @p cpu (the
	 * calling CPU, usually from its out-of-band stage). The port runs
	 * cw_tick_proxy_interrupt() on that CPU's in-band stage, between
	 * cw_irq_enter() and cw_irq_exit(), as soon as the stage is not
	 * stalled; posts before it ran merge. Context: interrupt context of
	 * @p cpu, either stage; takes no core lock.
	 */
	void (*irq_post_inband)(void *ctx, unsigned cpu);
	/**
	 * Whether the calling thread runs on the out-of-band stage. Optional:
	 * a port that runs its oob stage on threads of its own (posix) says
	 * so here; without it the core counts cw_irq_oob_enter()/exit() per
	 * CPU, which is right when one thread runs both stages of a CPU (sim).
	 */
	bool (*on_oob_stage)(void *ctx);
	/**
	 * Every CPU of the system runs on one host thread, and no other thread
	 * ever calls into the system (the sim port: the engine's thread; a
	 * single-core bare-metal port whose interrupt handlers never return
	 * with a lock held). The core then takes its base locks with a plain
	 * load and store instead of an atomic exchange (Linux's spinlocks
	 * without CONFIG_SMP; src/core/lock.h). false (the default) for any
	 * port with real threads: posix.
	 */
	bool one_thread;
	/** Spin-wait hint used inside lock and retry loops (pause). May be NULL. */
	void (*cpu_relax)(void *ctx);
	/**
	 * Called first by cw_system_destroy(): the port stops whatever still
	 * runs on the system (its CPU threads, say), so destroying it directly
	 * is as safe as the port's own destroy call. Return 0 to go on, or a
	 * CW_E* code to refuse: the core logs it and leaves the system as it
	 * was (for example when called on one of the system's own CPU threads,
	 * or in a forked child where those threads do not exist). May be NULL.
	 */
	int (*destroy)(void *ctx);
	/**
	 * Called last by cw_system_destroy() so the port can free its context.
	 * Never called when cw_system_create() fails: the port still owns the
	 * context then. May be NULL.
	 */
	void (*release)(void *ctx);
	/**
	 * For a port that owns its time (the simulator, in libclockwork-sim):
	 * run the system up to and including its next pending event, so a
	 * thread waiting for a timer on it makes progress
	 * (cw_system_run_next_event()). Called by the thread that drives the
	 * port, no core lock held.
	 * @return 0, or CW_ENOENT when no event is pending (nothing can ever
	 * happen). NULL on ports whose time runs by itself (posix).
	 */
	int (*run_next_event)(void *ctx);
};

/**
 * Back off inside the contended wait of a core spinlock (src/core/lock.c),
 * the one link-time hook of the interface: a lock does not know its system,
 * so this is not a cw_port_ops member, and one definition serves the whole
 * program. The core's definition is weak and only pauses (cw_cpu_relax()),
 * right for a kernel or bare-metal port, whose lock holders are never
 * preempted by their waiters. A port whose CPUs and callers are host
 * threads, which the host may preempt while they hold a core lock, defines
 * it (the posix port does, in src/port/posix/system.c) to give the core
 * to a preempted holder: yield, then sleep.
 *
 * @param round how many times this wait backed off already (0 first). The
 *        lock spins about a microsecond between two calls. Rounds 0 to 3
 *        should be cheap (the holder is likely running, or shares the core
 *        with the waiter at the same priority); from round 4 on the holder
 *        has been off a core for a while: sleep, longer as rounds grow.
 *        cw__spin_lock_patient() (a CPU that would rather try again at its
 *        next tick) naps with round 5 between its tries.
 *
 * Context: any thread, possibly holding other core locks, possibly a CPU in
 * interrupt context. It must not take a core lock or call into the core.
 */
void cw_port_lock_backoff(unsigned round);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_PORT_H */
