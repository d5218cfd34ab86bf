/* SPDX-License-Identifier: MIT */
/*
 * CPUs as the core sees them: interrupt entry and exit, inter-processor
 * interrupts (IPIs), running a function on a given CPU, and CPU hotplug.
 * Ports call cw_irq_enter()/cw_irq_exit() around every interrupt they
 * deliver to a CPU (device interrupts and IPIs); the core runs soft work
 * (wheel timers) in cw_irq_exit().
 */
#ifndef CLOCKWORK_INCLUDE_CPU_H
#define CLOCKWORK_INCLUDE_CPU_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;

/** Function run on a CPU by cw_cpu_call(). */
typedef void (*cw_cpu_call_fn)(void *arg);

/**
 * Enter interrupt context on the calling CPU. Counts the interrupt.
 * @param sys  The system.
 * Context: the port's interrupt delivery path, on the interrupted CPU.
 */
CW_API void cw_irq_enter(struct cw_system *sys);

/**
 * Leave interrupt context on the calling CPU and run the soft work the
 * interrupt raised (expired wheel timers) on that CPU.
 * @param sys  The system.
 * Context: as cw_irq_enter(); pairs with it.
 */
CW_API void cw_irq_exit(struct cw_system *sys);

/** Whether the calling CPU is inside cw_irq_enter()/cw_irq_exit(). Context: any. */
CW_API bool cw_in_irq(struct cw_system *sys);

/**
 * Enter the out-of-band stage of the interrupt pipeline on the calling CPU
 * (docs/proxy-tick.md): a port with a pipeline brackets every handler it
 * runs on that stage with cw_irq_oob_enter() and cw_irq_oob_exit(), instead
 * of cw_irq_enter()/cw_irq_exit(). No soft work runs on exit: the
 * out-of-band stage never runs in-band code; what it hands to the in-band
 * side goes through an in-band interrupt (cw_tick_notify_proxy()).
 *
 * @param sys  The system.
 * Context: the port's out-of-band interrupt path, on the CPU.
 */
CW_API void cw_irq_oob_enter(struct cw_system *sys);

/** Leave the out-of-band stage entered with cw_irq_oob_enter(). */
CW_API void cw_irq_oob_exit(struct cw_system *sys);

/** Whether the calling CPU runs on the out-of-band stage. Context: any. */
CW_API bool cw_on_oob_stage(struct cw_system *sys);

/**
 * Handle an IPI the port delivered (after the core asked for one through
 * the port's send_ipi hook): runs the work other CPUs queued for this CPU
 * (broadcast ticks, cw_cpu_call() functions).
 * @param sys  The system.
 * Context: interrupt context of the target CPU, between cw_irq_enter() and cw_irq_exit().
 */
CW_API void cw_cpu_handle_ipi(struct cw_system *sys);

/**
 * Run @p fn(@p arg) on @p cpu and wait for it to return. On the calling
 * CPU itself it runs at once. The function runs with the target's
 * interrupts held off (like an SMP function call): it must not wait for
 * other CPUs.
 *
 * @param sys  The system.
 * @param cpu  Target CPU.
 * @param fn   Function to run.
 * @param arg  Its argument.
 * Context: any thread; may wait. Must not be called with a core lock held.
 * @return 0; CW_EINVAL for a bad CPU; CW_ENODEV if @p cpu is offline.
 */
CW_API int cw_cpu_call(struct cw_system *sys, unsigned cpu, cw_cpu_call_fn fn, void *arg);

/**
 * Take @p cpu offline in the core: on that CPU, shut its tick device down
 * and release it, hand the do_timer duty to the first online CPU, and
 * remove the CPU from broadcast. The port stops delivering interrupts to
 * it afterwards. The last online CPU cannot go offline.
 *
 * @param sys  The system.
 * @param cpu  CPU to take down.
 * Context: any thread except @p cpu's interrupt context.
 * @return 0; CW_EBUSY for the last online CPU; CW_EINVAL for a bad CPU;
 *         CW_EPERM if already offline.
 */
CW_API int cw_cpu_down(struct cw_system *sys, unsigned cpu);

/**
 * Bring @p cpu back online: bind the best device that fits it (its own
 * per-CPU devices, or a free global one) and start its tick.
 *
 * @param sys  The system.
 * @param cpu  CPU to bring up.
 * Context: any thread.
 * @return 0; CW_EINVAL for a bad CPU; CW_EPERM if already online.
 */
CW_API int cw_cpu_up(struct cw_system *sys, unsigned cpu);

/** Whether @p cpu is online. Context: any. */
CW_API bool cw_cpu_online(struct cw_system *sys, unsigned cpu);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_CPU_H */
