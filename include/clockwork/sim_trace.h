/* SPDX-License-Identifier: MIT */
/*
 * Tracing the simulated hardware: an observer that the interrupt
 * controller, the CPU model and the clock event devices of a machine call
 * as things happen, so that a tool (cwsim --trace) can write a timeline.
 *
 * What is seen, from where:
 *
 *   - interrupt delivery entry and exit on the target CPU (irqc.c; the
 *     handler runs between them, inside cw_irq_enter()/cw_irq_exit(), so
 *     the soft work it raised is inside too), IPI delivery entry and exit,
 *     and an IPI being sent;
 *   - a CPU entering an idle state (after the core accepted it) and leaving
 *     it (cpu-model.c; reported after the core was told, cw_tick_idle_exit());
 *   - every programming of a clock event device's next event: the devices
 *     a model registers while tracing is on get their set_next_event /
 *     set_next_ktime wrapped by the tracer, which records and calls the
 *     model's own. Nothing in the models changes.
 *
 * Cost when off: one pointer test at each of those places in the sim
 * port, none in the core. Timer events (hrtimer and wheel start, cancel,
 * expiry) come from the invariant checker's hooks (cw_check_set_observer()).
 */
#ifndef CLOCKWORK_INCLUDE_SIM_TRACE_H
#define CLOCKWORK_INCLUDE_SIM_TRACE_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_sim_hw;
struct cw_clock_event_device;

/** Kinds of hardware trace record. */
enum cw_sim_trace_type {
	/** An IRQ line's handler is about to run on @cpu (@irq). */
	CW_SIM_TRACE_IRQ_ENTRY = 0,
	/** It returned (cw_irq_exit() and its soft work done). */
	CW_SIM_TRACE_IRQ_EXIT = 1,
	/** An IPI is about to be handled on @cpu. */
	CW_SIM_TRACE_IPI_ENTRY = 2,
	/** Handled. */
	CW_SIM_TRACE_IPI_EXIT = 3,
	/** The current CPU sends an IPI to @target (requests merged into one in flight are not sent
	 * again). */
	CW_SIM_TRACE_IPI_SEND = 4,
	/** @cpu entered idle state @state (@deep: a state that stops C3STOP timers). */
	CW_SIM_TRACE_IDLE_ENTER = 5,
	/** @cpu left idle state @state. */
	CW_SIM_TRACE_IDLE_EXIT = 6,
	/** @dev was programmed: next event in @delta cycles (set_next_event) or at @expires_ns
	 * (set_next_ktime). */
	CW_SIM_TRACE_CE_PROGRAM = 7,
};

/** One hardware trace record; valid during the call only. */
struct cw_sim_trace_rec {
	/** What happened. */
	enum cw_sim_trace_type type;
	/** The CPU it happened on (the current CPU for IPI_SEND and CE_PROGRAM). */
	unsigned cpu;
	/** IRQ_*: the line. */
	unsigned irq;
	/** IPI_SEND: the target CPU. */
	unsigned target;
	/** IDLE_*: the idle state's index. */
	unsigned state;
	/** IDLE_*: the idle state's name. */
	const char *state_name;
	/** IDLE_*: whether the state is deep (C3STOP timers stop). */
	bool deep;
	/** CE_PROGRAM: the device. */
	const struct cw_clock_event_device *dev;
	/** CE_PROGRAM: cycles ahead (set_next_event), else 0. */
	uint64_t delta_cycles;
	/** CE_PROGRAM: absolute expiry in ns (set_next_ktime), else -1. */
	int64_t expires_ns;
	/** CE_PROGRAM: what the device's op returned (0, or -CW_ETIME when already past). */
	int ret;
	/**
	 * The core counts @cpu idle (between cw_tick_idle_enter() and
	 * cw_tick_idle_exit()). Its statistics then include a clock read
	 * (cw_tick_get_cpu_stats()), which draws the counter's jitter from
	 * the engine's generator and so changes the run: an observer that
	 * must not perturb the run reads them only when this is false.
	 */
	bool core_idle;
};

/** The observer: @p now_ns is the engine's virtual time. */
typedef void (*cw_sim_trace_fn)(void *arg, uint64_t now_ns, const struct cw_sim_trace_rec *rec);

/**
 * Trace the hardware @p hw to @p fn. Devices registered from now on have
 * their programming ops wrapped; set it before the machine boots
 * (cw_sim_machine_boot()) to see every device.
 * @param hw   The hardware (cw_sim_machine_hw()).
 * @param fn   The observer (NULL: stop calling it; wrapped devices stay wrapped and cost a lookup).
 * @param arg  Its argument.
 * Context: setup or between engine steps.
 * @return 0; CW_EINVAL for a NULL @p hw; CW_ENOMEM.
 */
CW_API int cw_sim_hw_set_trace(struct cw_sim_hw *hw, cw_sim_trace_fn fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_SIM_TRACE_H */
