/* SPDX-License-Identifier: MIT */
/*
 * Simulated timer hardware: the interrupt controller, the CPU model (run,
 * idle states, offline) and six timer models, each with the clock event
 * driver that programs it through its modelled registers. One struct
 * cw_sim_hw models the hardware of one machine on one engine, for one
 * struct cw_system.
 *
 * Interrupts: a model raises an IRQ line; the controller delivers it after
 * the line's latency as an engine event on the target CPU (the line's
 * affinity, or the given CPU for a per-CPU line). Delivery wakes the CPU if
 * it idles (cw_tick_idle_exit() first when it idled through the core), then
 * runs cw_irq_enter(), the handler and cw_irq_exit(). IPIs
 * (cw_sim_hw_send_ipi()) are delivered the same way and run
 * cw_cpu_handle_ipi(). Interrupts to an offline CPU are lost and counted.
 *
 * Port glue: the sim port's send_ipi hook calls cw_sim_hw_send_ipi(), its
 * cpu_call hook cw_sim_hw_run_on(), its hw_match hook cw_sim_hw_match();
 * its driver table lists the cw_sim_hw_*_driver descriptors below.
 *
 * Single-threaded like the engine: every function here must be called from
 * the thread that drives the engine. Nothing here reads a host clock.
 */
#ifndef CLOCKWORK_INCLUDE_SIM_HW_H
#define CLOCKWORK_INCLUDE_SIM_HW_H

#include <clockwork/driver/init.h>
#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_sim;
struct cw_system;
struct cw_clock_event_device;
struct cw_sim_hw;
struct cw_sim_hw_timer;

/** @name Machine hardware
 * @{ */

/** Most IRQ lines one controller may have. */
#define CW_SIM_HW_MAX_IRQS            1024u
/** IRQ lines a controller gets when its parameters say 0. */
#define CW_SIM_HW_DEFAULT_NR_IRQS     256u
/** Most idle states one CPU model may have. */
#define CW_SIM_HW_MAX_IDLE_STATES     8u
/** Longest idle state name, including the NUL. */
#define CW_SIM_HW_IDLE_NAME_MAX       16u
/** Back-to-back spurious interrupts after which a model stops a storm. */
#define CW_SIM_HW_DEFAULT_STORM_LIMIT 1000u

/** An idle state of the CPU model (a C-state). */
struct cw_sim_hw_idle_state {
	/** Name for logs and statistics ("wfi", "C1", "C3"); copied, at most 15 characters. */
	const char *name;
	/** Deep: local timers flagged C3STOP stop while the CPU is in this state. */
	bool deep;
	/** Time from the waking interrupt to the CPU running its handler, ns. */
	uint64_t exit_latency_ns;
};

/** Parameters of a machine's hardware. Zero-initialise; zero fields take the defaults. */
struct cw_sim_hw_params {
	/** Delay from raising a device IRQ to its handler running, ns (per-IRQ override:
	 * cw_sim_hw_irq_set_latency()). */
	uint64_t irq_latency_ns;
	/** Delay from cw_sim_hw_send_ipi() to cw_cpu_handle_ipi() running on the target, ns. */
	uint64_t ipi_latency_ns;
	/** Number of IRQ lines, 1..CW_SIM_HW_MAX_IRQS; 0 means CW_SIM_HW_DEFAULT_NR_IRQS. */
	unsigned nr_irqs;
	/** Idle states, shallowest first; NULL means one shallow state "wfi" with no exit latency.
	 */
	const struct cw_sim_hw_idle_state *idle_states;
	/** Number of entries in @p idle_states (at most CW_SIM_HW_MAX_IDLE_STATES). */
	unsigned nr_idle_states;
	/**
	 * Model a broken platform: enter a deep state even when the core
	 * refuses it (cw_tick_idle_enter() returns CW_EBUSY), so C3STOP local
	 * timers stop with nobody to wake the CPU.
	 */
	bool ignore_broadcast_busy;
};

/**
 * Create the hardware of a machine with @p nr_cpus CPUs, all running.
 *
 * @param sim      The engine.
 * @param sys      The system the hardware interrupts (may be NULL and set later with
 *                 cw_sim_hw_set_system(); without a system, handlers run without
 *                 cw_irq_enter()/cw_irq_exit() and idle does not involve the core).
 * @param nr_cpus  Number of CPUs, 1..CW_MAX_CPUS (the system's nr_cpus when @p sys is set).
 * @param p        Parameters; NULL means all defaults.
 * @param out      Receives the hardware.
 * Context: setup; allocates.
 * @return 0; CW_EINVAL (bad CPU count, too many IRQs or idle states, a
 *         nameless or too long idle state name, CPU count differing from
 *         the system's); CW_ENOMEM.
 */
CW_API int cw_sim_hw_create(struct cw_sim *sim, struct cw_system *sys, unsigned nr_cpus,
			    const struct cw_sim_hw_params *p, struct cw_sim_hw **out);

/**
 * Destroy the hardware and every timer model created on it: pending
 * deliveries and model events are cancelled. Unregister the devices first
 * or destroy the system before (the devices are embedded in the models).
 *
 * @param hw  The hardware, or NULL.
 * Context: setup; the engine is not dispatching.
 */
CW_API void cw_sim_hw_destroy(struct cw_sim_hw *hw);

/**
 * Attach the system (when the hardware was created before it, so that the
 * port's hooks can find the hardware while the system is being created).
 *
 * @param hw   The hardware.
 * @param sys  The system; its CPU count must equal the hardware's.
 * Context: setup, before any timer registers.
 * @return 0; CW_EINVAL (CPU count differs); CW_EBUSY (a system is already attached).
 */
CW_API int cw_sim_hw_set_system(struct cw_sim_hw *hw, struct cw_system *sys);

/** The attached system, or NULL. */
CW_API struct cw_system *cw_sim_hw_system(const struct cw_sim_hw *hw);

/** The engine. */
CW_API struct cw_sim *cw_sim_hw_engine(const struct cw_sim_hw *hw);

/** Number of CPUs. */
CW_API unsigned cw_sim_hw_nr_cpus(const struct cw_sim_hw *hw);

/**
 * Deliver an IPI to @p cpu after the IPI latency: the CPU is woken if it
 * idles and runs cw_cpu_handle_ipi() between cw_irq_enter() and
 * cw_irq_exit(). Requests made while one is in flight merge into it. Meant
 * for the port's send_ipi hook: schedules an event and never re-enters the
 * core.
 *
 * @param hw   The hardware.
 * @param cpu  Target CPU (out of range: ignored).
 * Context: any engine context, core locks may be held.
 */
CW_API void cw_sim_hw_send_ipi(struct cw_sim_hw *hw, unsigned cpu);

/**
 * Run @p fn(@p arg) as CPU @p cpu (cw_sim_current_cpu() returns @p cpu
 * during it) and return when it has run, the way an SMP function call
 * would: an idle target is woken first (it goes back to its idle loop
 * state afterwards, if it has one). Meant for the port's cpu_call hook.
 *
 * A target whose in-band stage is stalled (cw_sim_hw_inband_stall()) takes
 * the call through its in-band log: it runs on unstall, after the
 * deliveries logged before it. Called from outside the engine, this
 * function waits for that by running the engine (virtual time passes); an
 * engine kept busy by periodic events with nothing to end the stall keeps
 * the caller waiting, as a real caller would spin. An engine event cannot
 * wait (the engine does not nest): from one, the call runs at once and is
 * counted in the target's calls_unlogged (the target's own event too); such
 * callers use cw_sim_hw_run_on_async() instead (the core's does through
 * the port's cpu_call_async hook).
 *
 * @param hw   The hardware.
 * @param cpu  Target CPU.
 * @param fn   Function to run.
 * @param arg  Its argument.
 * Context: engine context or setup; no core lock held.
 * @return 0; CW_EINVAL (bad CPU or NULL @p fn); CW_ENODEV (the CPU model is
 *         offline); CW_EBUSY (the target is stalled and the engine ran out of
 *         events before anything unstalled it: @p fn did not run).
 */
CW_API int cw_sim_hw_run_on(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg), void *arg);

/**
 * Completion of an asynchronous cross call (cw_sim_hw_run_on_async()).
 *
 * @param done_arg  The argument given with it.
 * @param ret       0: the function ran.
 * Context: an engine event of its own on the calling CPU, after the
 *          target's replay ran the function; no core lock held.
 */
typedef void (*cw_sim_hw_call_done_fn)(void *done_arg, int ret);

/**
 * Run @p fn(@p arg) as CPU @p cpu without waiting for it: the caller
 * continues in @p done (a continuation), which is how a caller that
 * cannot wait (an engine event: the engine does not nest) makes a cross
 * call to a CPU whose in-band stage is stalled.
 *
 * A target that is not stalled runs @p fn at once, as cw_sim_hw_run_on()
 * does, and @p done is not called (return 0). A stalled target (whoever
 * calls, the target itself included: in-band code cannot run on a CPU
 * whose in-band stage is masked) logs the call in its in-band log; the
 * unstall replays it in arrival order with the logged interrupts and
 * calls, then @p done(@p done_arg, 0) runs in an engine event of its own
 * at that instant, as the calling CPU (return 1). Counted in the
 * target's calls_logged; never in calls_unlogged. A stalled CPU cannot go
 * offline, so a logged call runs unless the hardware is destroyed first
 * (then neither @p fn nor @p done runs).
 *
 * @param hw        The hardware.
 * @param cpu       Target CPU.
 * @param fn        Function to run.
 * @param arg       Its argument (must live until @p fn ran).
 * @param done      Continuation, or NULL.
 * @param done_arg  Its argument.
 * Context: engine context or setup; no core lock held.
 * @return 0 (ran); 1 (logged: @p done follows); CW_EINVAL (bad CPU or NULL
 *         @p fn); CW_ENODEV (the CPU model is offline); CW_ENOMEM.
 */
CW_API int cw_sim_hw_run_on_async(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg),
				  void *arg, cw_sim_hw_call_done_fn done, void *done_arg);

/**
 * Find the @p index-th timer model (creation order) whose compatible
 * string is @p compatible. Meant for the port's hw_match hook; @p out
 * receives a struct cw_sim_hw_timer pointer, the handle the
 * cw_sim_hw_*_driver probes expect.
 *
 * @param hw          The hardware.
 * @param compatible  Compatible string (cw_sim_hw_timer_compatible()).
 * @param index       Which match.
 * @param out         Receives the timer model.
 * @return 0, or CW_ENODEV when there are no more matches.
 */
CW_API int cw_sim_hw_match(struct cw_sim_hw *hw, const char *compatible, unsigned index,
			   void **out);
/** @} */

/** @name Interrupt controller
 * @{ */

/** Line flag: per-CPU interrupt (a PPI); each CPU has its own instance and no affinity. */
#define CW_SIM_HW_IRQ_PERCPU 0x1u

/** Target of cw_sim_hw_irq_raise() for a global line: the line's affinity. */
#define CW_SIM_HW_IRQ_AFFINITY (-1)

/** Handler of an IRQ line, run on @p cpu between cw_irq_enter() and cw_irq_exit(). */
typedef void (*cw_sim_hw_irq_fn)(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg);

/** Counters of one IRQ line (all CPUs). */
struct cw_sim_hw_irq_stats {
	/** cw_sim_hw_irq_raise() calls. */
	uint64_t raised;
	/** Handler runs. */
	uint64_t delivered;
	/** Raises merged into a delivery already in flight to the same CPU. */
	uint64_t merged;
	/** Deliveries dropped because the target CPU was offline or the line had no handler. */
	uint64_t lost;
	/** Affinity changes. */
	uint64_t affinity_changes;
	/** In-band deliveries logged because the target CPU's in-band stage was stalled. */
	uint64_t logged;
	/** Handler runs on the out-of-band stage. */
	uint64_t oob;
};

/**
 * Install the handler of IRQ line @p irq.
 *
 * @param hw     The hardware.
 * @param irq    Line number, below the controller's nr_irqs.
 * @param flags  0 or CW_SIM_HW_IRQ_PERCPU.
 * @param fn     Handler.
 * @param arg    Its argument.
 * Context: setup or engine context.
 * @return 0; CW_EINVAL (bad line or NULL @p fn); CW_EBUSY (the line has a handler).
 */
CW_API int cw_sim_hw_irq_request(struct cw_sim_hw *hw, unsigned irq, unsigned flags,
				 cw_sim_hw_irq_fn fn, void *arg);

/** Remove the handler of @p irq and cancel its deliveries in flight (a bad line is ignored). */
CW_API void cw_sim_hw_irq_free(struct cw_sim_hw *hw, unsigned irq);

/**
 * Route global line @p irq to @p cpu from now on (deliveries in flight keep
 * their target). The initial affinity of every line is CPU 0.
 *
 * @param hw   The hardware.
 * @param irq  A global (not per-CPU) line.
 * @param cpu  Target CPU.
 * @return 0; CW_EINVAL (bad line or CPU, or a per-CPU line).
 */
CW_API int cw_sim_hw_irq_set_affinity(struct cw_sim_hw *hw, unsigned irq, unsigned cpu);

/** The CPU global line @p irq is routed to, or CW_EINVAL for a bad or per-CPU line. */
CW_API int cw_sim_hw_irq_affinity(const struct cw_sim_hw *hw, unsigned irq);

/**
 * Set the delivery latency of one line (overrides the controller's).
 * @param hw          The hardware.
 * @param irq         Line.
 * @param latency_ns  Delay from raise to handler, ns.
 * @return 0, or CW_EINVAL for a bad line.
 */
CW_API int cw_sim_hw_irq_set_latency(struct cw_sim_hw *hw, unsigned irq, uint64_t latency_ns);

/**
 * Raise line @p irq: schedule its delivery after the line's latency. A
 * raise while a delivery to the same CPU is in flight merges into it.
 *
 * @param hw   The hardware.
 * @param irq  Line.
 * @param cpu  Target for a per-CPU line; CW_SIM_HW_IRQ_AFFINITY (or any value) for a global line.
 * Context: engine context or setup.
 * @return 0; CW_EINVAL (bad line, or bad CPU for a per-CPU line).
 */
CW_API int cw_sim_hw_irq_raise(struct cw_sim_hw *hw, unsigned irq, int cpu);

/** Copy the counters of line @p irq. @return 0, or CW_EINVAL for a bad line. */
CW_API int cw_sim_hw_irq_get_stats(const struct cw_sim_hw *hw, unsigned irq,
				   struct cw_sim_hw_irq_stats *out);
/** @} */

/** @name Interrupt pipeline (issue 12, docs/proxy-tick.md)
 *
 * Each CPU has two stages. The out-of-band (oob) stage runs its handlers
 * the moment a delivery reaches the CPU, between cw_irq_oob_enter() and
 * cw_irq_oob_exit() (no soft work). The in-band stage can be virtually
 * masked (stalled): a delivery to it that arrives while the CPU's in-band
 * stage is stalled is logged, and the log is replayed in arrival order,
 * each entry between cw_irq_enter() and cw_irq_exit(), when the stage is
 * unstalled. IPIs and the synthetic interrupt are in-band. A line belongs
 * to one stage and can be switched at run time (for a per-CPU line, on
 * every CPU at once). A delivery already logged merges later raises, as
 * one in flight does.
 * @{ */

/**
 * Move line @p irq to the out-of-band stage (@p oob true) or back to the
 * in-band stage. Deliveries already logged on the in-band stage stay there.
 *
 * @return 0, or CW_EINVAL for a bad line.
 */
CW_API int cw_sim_hw_irq_set_oob(struct cw_sim_hw *hw, unsigned irq, bool oob);

/** Whether line @p irq is on the out-of-band stage (false for a bad line). */
CW_API bool cw_sim_hw_irq_is_oob(const struct cw_sim_hw *hw, unsigned irq);

/**
 * Stall (virtually mask) the in-band stage of @p cpu: the CPU runs in-band
 * code with interrupts masked. An idle CPU leaves idle first; the CPU does
 * not idle while stalled. Out-of-band handlers still run at once.
 *
 * Context: engine context or setup.
 * @return 0; CW_EINVAL (bad CPU); CW_EPERM (offline); CW_EBUSY (already stalled).
 */
CW_API int cw_sim_hw_inband_stall(struct cw_sim_hw *hw, unsigned cpu);

/**
 * Unstall the in-band stage of @p cpu and replay its log in arrival order
 * (on @p cpu, each entry between cw_irq_enter() and cw_irq_exit()), then
 * let the CPU idle again if its idle loop says so.
 *
 * Context: engine context or setup.
 * @return 0; CW_EINVAL (bad CPU); CW_EPERM (not stalled).
 */
CW_API int cw_sim_hw_inband_unstall(struct cw_sim_hw *hw, unsigned cpu);

/** Whether the in-band stage of @p cpu is stalled (false for a bad CPU). */
CW_API bool cw_sim_hw_inband_stalled(const struct cw_sim_hw *hw, unsigned cpu);

/** Handler of the synthetic per-CPU in-band interrupt, run on @p cpu. */
typedef void (*cw_sim_hw_synth_fn)(struct cw_sim_hw *hw, unsigned cpu, void *arg);

/**
 * Install (@p fn non-NULL) or remove the handler of the synthetic per-CPU
 * interrupt, a software interrupt of the in-band stage (Dovetail's
 * synthetic IRQ that tick_notify_proxy() posts).
 *
 * @return 0; CW_EBUSY when one is installed and @p fn is not NULL.
 */
CW_API int cw_sim_hw_synth_request(struct cw_sim_hw *hw, cw_sim_hw_synth_fn fn, void *arg);

/**
 * Post the synthetic interrupt to the in-band stage of @p cpu. From an
 * out-of-band handler on @p cpu it is logged and replayed when that
 * handler returns (at once if the stage is not stalled); otherwise it is
 * delivered as an interrupt with no latency. A post while one is pending
 * merges into it.
 *
 * @return 0; CW_EINVAL (bad CPU, or no handler installed).
 */
CW_API int cw_sim_hw_synth_post(struct cw_sim_hw *hw, unsigned cpu);
/** @} */

/** @name CPU model
 * @{ */

/** What a modelled CPU is doing. */
enum cw_sim_hw_cpu_state {
	/** Running (handling interrupts or its workload). */
	CW_SIM_HW_CPU_RUNNING = 0,
	/** In an idle state until an interrupt (cw_sim_hw_cpu_idle_state() says which). */
	CW_SIM_HW_CPU_IDLE,
	/** Offline: interrupts to it are lost. */
	CW_SIM_HW_CPU_OFFLINE,
};

/** Counters of one modelled CPU. */
struct cw_sim_hw_cpu_stats {
	/** Device interrupts handled. */
	uint64_t irqs;
	/** IPIs handled. */
	uint64_t ipis;
	/** Interrupts (device or IPI) lost because the CPU was offline. */
	uint64_t lost_offline;
	/** Times an interrupt or cw_sim_hw_cpu_wake() ended idle. */
	uint64_t wakeups;
	/** Idle entries per state (the state actually entered). */
	uint64_t idle_entries[CW_SIM_HW_MAX_IDLE_STATES];
	/** Time spent per idle state, ns (including a stay in progress). */
	uint64_t idle_ns[CW_SIM_HW_MAX_IDLE_STATES];
	/** Deep entries the core refused (CW_EBUSY) that fell back to a shallow state. */
	uint64_t deep_fallbacks;
	/** Deep entries made although the core refused (ignore_broadcast_busy). */
	uint64_t deep_forced;
	/** Pending local timer interrupts lost because a deep state stopped the timer. */
	uint64_t timer_events_lost;
	/** Times the in-band stage was stalled (cw_sim_hw_inband_stall()). */
	uint64_t stalls;
	/** Time the in-band stage spent stalled, ns (including a stall in progress). */
	uint64_t stalled_ns;
	/** In-band deliveries (device, IPI, synthetic, cross call) logged while stalled. */
	uint64_t logged;
	/** Logged deliveries replayed on unstall. */
	uint64_t replayed;
	/** Handler runs on the out-of-band stage. */
	uint64_t oob_irqs;
	/** Synthetic interrupts handled. */
	uint64_t synth;
	/** Cross calls (cw_sim_hw_run_on(), cw_sim_hw_run_on_async()) logged while stalled, to run
	 * on replay. */
	uint64_t calls_logged;
	/**
	 * Cross calls (cw_sim_hw_run_on()) from inside an engine event, this
	 * CPU's own included, that ran at once on the stalled CPU (an event
	 * cannot wait for the unstall; a model simplification that
	 * cw_sim_hw_run_on_async() callers avoid).
	 */
	uint64_t calls_unlogged;
};

/**
 * Put @p cpu into idle state @p state: in that CPU's context, tell the core
 * (cw_tick_idle_enter(), deep for a deep state). If the core refuses a deep
 * state (CW_EBUSY) the CPU enters the deepest shallow state instead, unless
 * the machine ignores that answer. In a deep state every C3STOP timer of
 * the CPU stops (a pending interrupt is lost and counted). The CPU stays
 * idle until an interrupt or cw_sim_hw_cpu_wake().
 *
 * @param hw     The hardware.
 * @param cpu    CPU.
 * @param state  Index into the idle state table.
 * Context: engine context or setup, not from an interrupt handler of @p cpu.
 * @return The index of the state entered (>= 0); CW_EINVAL (bad CPU or
 *         state); CW_EPERM (the CPU is offline or already idle).
 */
CW_API int cw_sim_hw_cpu_idle(struct cw_sim_hw *hw, unsigned cpu, unsigned state);

/**
 * End the idle state of @p cpu now (its C3STOP timers restart, then the core
 * is told with cw_tick_idle_exit()). Also stops the CPU's idle loop.
 *
 * @return 0; CW_EINVAL (bad CPU); CW_EPERM (the CPU is not idle).
 */
CW_API int cw_sim_hw_cpu_wake(struct cw_sim_hw *hw, unsigned cpu);

/**
 * Give @p cpu an idle loop: after each interrupt (and now, if it runs) it
 * enters idle state @p state again, as an idle task would. A negative
 * @p state ends the loop (the CPU stays running after its next interrupt).
 *
 * @return 0 (or the first cw_sim_hw_cpu_idle() error); CW_EINVAL (bad CPU or state).
 */
CW_API int cw_sim_hw_cpu_idle_loop(struct cw_sim_hw *hw, unsigned cpu, int state);

/** The state of @p cpu (CW_SIM_HW_CPU_OFFLINE for a bad CPU). */
CW_API enum cw_sim_hw_cpu_state cw_sim_hw_cpu_state(const struct cw_sim_hw *hw, unsigned cpu);

/** The idle state index @p cpu is in, or -1 when it is not idle. */
CW_API int cw_sim_hw_cpu_idle_state(const struct cw_sim_hw *hw, unsigned cpu);

/**
 * Take @p cpu offline: the core first (cw_cpu_down()), then the model stops
 * delivering interrupts to it.
 * @return 0; CW_EINVAL (bad CPU); or cw_cpu_down()'s error (CW_EBUSY for the last CPU, CW_EPERM).
 */
CW_API int cw_sim_hw_cpu_offline(struct cw_sim_hw *hw, unsigned cpu);

/**
 * Bring @p cpu online: the model runs it again, then the core binds a tick device (cw_cpu_up()).
 * @return 0; CW_EINVAL (bad CPU); CW_EPERM (not offline); or cw_cpu_up()'s error.
 */
CW_API int cw_sim_hw_cpu_online(struct cw_sim_hw *hw, unsigned cpu);

/** Copy the counters of @p cpu. @return 0, or CW_EINVAL for a bad CPU. */
CW_API int cw_sim_hw_cpu_get_stats(const struct cw_sim_hw *hw, unsigned cpu,
				   struct cw_sim_hw_cpu_stats *out);

/** Name of idle state @p state, or NULL for a bad index. */
CW_API const char *cw_sim_hw_idle_state_name(const struct cw_sim_hw *hw, unsigned state);

/** Number of idle states. */
CW_API unsigned cw_sim_hw_nr_idle_states(const struct cw_sim_hw *hw);
/** @} */

/** @name Timer models and their clock event drivers
 * @{ */

/** The modelled timer hardware kinds. */
enum cw_sim_hw_timer_type {
	/**
	 * ARM Cortex-A9 global timer: one 64-bit up-counter shared by all
	 * CPUs, a banked per-CPU comparator with enable, auto-increment and an
	 * event flag. Per-CPU devices, oneshot and periodic. Compatible
	 * "arm,cortex-a9-global-timer". Defaults: 100 MHz, rating 300, irq 27,
	 * min/max delta 1/0xffffffff cycles.
	 */
	CW_SIM_HW_GLOBAL_TIMER = 0,
	/**
	 * ARM architected (generic) timer: per-CPU compare value against a
	 * shared system counter (CVAL/TVAL), oneshot only. Compatible
	 * "arm,armv7-timer". Defaults: 24 MHz, 56 bits, rating 450, irq 30,
	 * min/max delta 0xf/0x7fffffff cycles (TVAL is signed 32-bit).
	 */
	CW_SIM_HW_ARCH_TIMER,
	/**
	 * SH-TMU: nr_channels 32-bit down-counters with a reload register
	 * (TCNT/TCOR/TCR): underflow interrupts and reloads. Global devices,
	 * periodic and oneshot, irq affinity settable; channel i uses irq + i.
	 * Compatible "renesas,tmu". Defaults: 3 channels, 12.5 MHz, rating 200, irq 40,
	 * min/max delta 1/0xffffffff cycles (Linux's sh_tmu driver uses a
	 * minimum of 0x300: give min_delta to model it).
	 */
	CW_SIM_HW_TMU,
	/**
	 * HPET: one up-counter and nr_channels comparators (oneshot; periodic
	 * on comparator 0), global, never stops in idle: the broadcast device.
	 * Comparator i uses irq + i. Compatible "intel,hpet". Defaults:
	 * 3 comparators, 14.318180 MHz, 32 bits, rating 50, irq 2, min/max delta
	 * 32/0x7fffffff cycles (Linux's driver uses a minimum of 128).
	 */
	CW_SIM_HW_HPET,
	/**
	 * Local APIC timer: per-CPU 32-bit down-counter, oneshot and periodic,
	 * stops in deep idle (C3STOP by default). Compatible "intel,lapic-timer".
	 * Defaults: 100 MHz, rating 100, irq 236, min/max delta 0xf/0xffffffff cycles.
	 */
	CW_SIM_HW_LAPIC,
	/**
	 * i8253 PIT channel 0: periodic only, 16-bit reload at 1.193182 MHz
	 * (the period is rounded to whole counts, like the real PIT).
	 * Compatible "intel,i8253". Defaults: rating 40 (below the HPET that
	 * displaces it), irq 0, min/max delta 1/0xffff cycles.
	 */
	CW_SIM_HW_PIT,
	/** Number of types (not a type). */
	CW_SIM_HW_NR_TIMER_TYPES,
};

/** How the global timer driver acknowledges an interrupt (seed 001, erratum 740657). */
enum cw_sim_hw_clear_order {
	/** Move the comparator away / disable it first, then clear the event flag. */
	CW_SIM_HW_CLEAR_DOCUMENTED = 0,
	/** Clear the event flag first and let the core move the comparator (the buggy order). */
	CW_SIM_HW_CLEAR_FLAG_FIRST,
	/**
	 * Documented order, but the comparator is moved only when the core's
	 * state is ONESHOT, without the "or oob" test (seed 001): a device a
	 * proxy owns is RESERVED, so it storms on erratum hardware.
	 */
	CW_SIM_HW_CLEAR_ONESHOT_ONLY,
};

/** Parameters of a timer model. Zero-initialise; zero fields take the type's defaults. */
struct cw_sim_hw_timer_params {
	/** Which hardware. */
	enum cw_sim_hw_timer_type type;
	/** Device name (copied, at most 23 characters); multi-device models append ".N". NULL: the
	 * type's name. */
	const char *name;
	/** Counting frequency, Hz; 0: the type's default. */
	uint64_t freq_hz;
	/** Counter width, bits (16..64); 0: the type's default. */
	unsigned width_bits;
	/** Shortest programmable delta, cycles; 0: the type's default. */
	uint64_t min_delta_ticks;
	/** Longest programmable delta, cycles; 0: the counter's range. */
	uint64_t max_delta_ticks;
	/** Clock event rating; 0: the type's default. */
	int rating;
	/** First IRQ line; 0 or negative: the type's default (line 0 is the PIT's default). */
	int irq;
	/** Frequency error, ppb (|drift| <= 999999999). */
	int64_t drift_ppb;
	/** Per-CPU models: the timer stops in deep idle (CW_CLOCKEVENT_FEAT_C3STOP). LAPIC always
	 * stops. */
	bool c3stop;
	/** TMU channels or HPET comparators (1..32); 0: the type's default. */
	unsigned nr_channels;
	/** Global timer: model erratum 740657 (a flag cleared while counter >= compare re-asserts).
	 */
	bool erratum;
	/** Global timer driver: acknowledge order. */
	enum cw_sim_hw_clear_order clear_order;
	/** Back-to-back spurious interrupts after which the model stops a storm; 0:
	 * CW_SIM_HW_DEFAULT_STORM_LIMIT. */
	unsigned storm_limit;
	/** Also register the model's counter as a clocksource (global timer, arch timer, HPET; TMU:
	 * the last channel free-running). */
	bool clocksource;
	/** Clocksource rating; 0: the type's default. */
	int clocksource_rating;
};

/** Counters of one device of a timer model (one CPU's bank or one channel). */
struct cw_sim_hw_timer_stats {
	/** Interrupts the hardware raised (event flag set, underflow, match). */
	uint64_t interrupts;
	/** Interrupts the erratum raised again without a new compare event. */
	uint64_t spurious;
	/** Storms stopped at the storm limit. */
	uint64_t storms;
	/**
	 * Most erratum re-assertions for one compare event (the longest storm; 1: the erratum's
	 * doubled interrupt, the comparator moved right after the first).
	 */
	uint64_t spurious_max;
	/** Pending events lost because the timer stopped in deep idle. */
	uint64_t lost_deep_idle;
	/** Events programmed by the driver (oneshot and periodic starts). */
	uint64_t programs;
	/** Events programmed at or before the current count (fired at once). */
	uint64_t programmed_in_past;
	/** Times the counter wrapped (up-counters) or reloaded (down-counters). */
	uint64_t wraps;
};

/**
 * Register of a timer model, for cw_sim_hw_timer_read()/write(): the same
 * accessors the model's own driver uses (what each means per model:
 * docs/simulator.md, "Timer models and their drivers").
 */
enum cw_sim_hw_reg {
	/** Counter (global timer/arch/HPET: shared up-counter; TMU/LAPIC: down-counter TCNT/current
	 * count; PIT: current count). */
	CW_SIM_HW_REG_COUNTER = 0,
	/** Comparator (global/arch/HPET) or reload/constant register (TMU TCOR, LAPIC initial
	 * count, PIT reload). */
	CW_SIM_HW_REG_COMPARE,
	/** Control: CW_SIM_HW_CTRL_* bits (PIT: ENABLE stops and resumes the count). */
	CW_SIM_HW_REG_CONTROL,
	/** Status: event flag (bit 0). Writing 1 clears it. */
	CW_SIM_HW_REG_STATUS,
	/** Auto-increment value (global timer) or period (HPET comparator 0 periodic). */
	CW_SIM_HW_REG_AUTOINC,
};

/** Control bit: counting / comparator enabled. */
#define CW_SIM_HW_CTRL_ENABLE   0x1u
/** Control bit: interrupt enabled. */
#define CW_SIM_HW_CTRL_IRQ      0x2u
/** Control bit: periodic (auto-increment, reload, HPET periodic). */
#define CW_SIM_HW_CTRL_PERIODIC 0x4u

/**
 * Create a timer model on @p hw (the hardware owns it; cw_sim_hw_destroy()
 * frees it). Its devices are set up but not registered: the driver's probe
 * (or cw_sim_hw_timer_register()) does that.
 *
 * @param hw   The hardware.
 * @param p    Parameters.
 * @param out  Receives the model (may be NULL).
 * Context: setup; allocates.
 * @return 0; CW_EINVAL (bad type, width, channel count, name, irq beyond
 *         the controller, min > max delta); CW_EBUSY (an IRQ line the model
 *         needs has a handler); CW_ENOMEM.
 */
CW_API int cw_sim_hw_timer_create(struct cw_sim_hw *hw, const struct cw_sim_hw_timer_params *p,
				  struct cw_sim_hw_timer **out);

/**
 * What the model's driver probe does: register every clock event device of
 * @p t with the hardware's system (cw_clockevents_config_and_register(),
 * per-CPU devices for each CPU, channels as global devices), and its
 * clocksource when asked.
 *
 * @param t  The model; its hardware must have a system.
 * Context: setup or engine context, no core lock held.
 * @return 0; CW_EINVAL (no system); CW_EBUSY (already registered); or the
 *         first registration error.
 */
CW_API int cw_sim_hw_timer_register(struct cw_sim_hw_timer *t);

/** The model's type. */
CW_API enum cw_sim_hw_timer_type cw_sim_hw_timer_type(const struct cw_sim_hw_timer *t);

/** The model's compatible string ("arm,cortex-a9-global-timer", ...). */
CW_API const char *cw_sim_hw_timer_compatible(const struct cw_sim_hw_timer *t);

/** Compatible string of a type, or NULL for a bad type. */
CW_API const char *cw_sim_hw_timer_type_compatible(enum cw_sim_hw_timer_type type);

/** Number of clock event devices of the model (CPUs for per-CPU models, channels otherwise). */
CW_API unsigned cw_sim_hw_timer_nr_devices(const struct cw_sim_hw_timer *t);

/** Clock event device @p index of the model (CPU or channel), or NULL. */
CW_API struct cw_clock_event_device *cw_sim_hw_timer_device(struct cw_sim_hw_timer *t,
							    unsigned index);

/** Copy the counters of device @p index. @return 0, or CW_EINVAL for a bad index. */
CW_API int cw_sim_hw_timer_get_stats(const struct cw_sim_hw_timer *t, unsigned index,
				     struct cw_sim_hw_timer_stats *out);

/**
 * Read a register of bank/channel @p index at the current virtual time, as
 * the driver would.
 * @return 0; CW_EINVAL (bad index); CW_ENOSYS (the model has no such register).
 */
CW_API int cw_sim_hw_timer_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
				uint64_t *value);

/**
 * Write a register of bank/channel @p index, as a driver would (tests and
 * fault injection: a comparator written in the past fires at once, writing
 * 1 to STATUS clears the flag, and so on).
 * @return 0; CW_EINVAL (bad index); CW_ENOSYS (the model has no such register or it is read-only).
 */
CW_API int cw_sim_hw_timer_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
				 uint64_t value);

/** Number of timer models created on @p hw. */
CW_API unsigned cw_sim_hw_nr_timers(const struct cw_sim_hw *hw);

/** Timer model @p index (creation order), or NULL. */
CW_API struct cw_sim_hw_timer *cw_sim_hw_timer_at(const struct cw_sim_hw *hw, unsigned index);

/**
 * Driver descriptors (level CW_INIT_EARLY, the kernel's time_init), one
 * per type, for the sim port's driver table. Each probe expects the
 * struct cw_sim_hw_timer the port's hw_match found (cw_sim_hw_match()) and
 * calls cw_sim_hw_timer_register().
 */
CW_API extern const struct cw_driver cw_sim_hw_global_timer_driver;
/** ARM architected timer driver ("arm,armv7-timer"). */
CW_API extern const struct cw_driver cw_sim_hw_arch_timer_driver;
/** SH-TMU driver ("renesas,tmu"). */
CW_API extern const struct cw_driver cw_sim_hw_tmu_driver;
/** HPET driver ("intel,hpet"). */
CW_API extern const struct cw_driver cw_sim_hw_hpet_driver;
/** Local APIC timer driver ("intel,lapic-timer"). */
CW_API extern const struct cw_driver cw_sim_hw_lapic_driver;
/** PIT driver ("intel,i8253"). */
CW_API extern const struct cw_driver cw_sim_hw_pit_driver;
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_SIM_HW_H */
