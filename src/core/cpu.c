/* SPDX-License-Identifier: MIT */
/*
 * CPUs as the core sees them: the per-CPU array, interrupt entry and exit
 * with the soft work run on exit, IPIs multiplexed on the port's single
 * send_ipi hook, cw_cpu_call() through the port's cpu_call hook, and CPU
 * hotplug (the core side: the tick layer's dying step on the outgoing CPU,
 * then the timer wheel's dead step moving its timers to a live CPU, and
 * device re-offering on the incoming one).
 *
 * The IPI protocol is described in cpus.c, which holds the leaf calls
 * (send an IPI, raise soft work, cw_cpu_call(), the per-CPU array).
 */
#include <clockwork/cpu.h>

#include "hrtimer-internal.h"
#include "system-internal.h"
#include "cpu-internal.h"
#include "clockevents-internal.h"
#include "tick-internal.h"
#include "timer-internal.h"

#include <stdlib.h>
#include <string.h>

static struct cw_cpu *this_cpu_ptr(struct cw_system *sys)
{
	unsigned cpu = cw__this_cpu(sys);

	CW_ASSERT(cpu < sys->nr_cpus);
	return &sys->cpus[cpu];
}

void cw_irq_enter(struct cw_system *sys)
{
	struct cw_cpu *c = this_cpu_ptr(sys);

	c->irq_depth++;
	cw__tick_stat_add(c, interrupts, 1);
}

/* Soft work runs once the outermost interrupt leaves, on the same CPU. */
static void run_softirqs(struct cw_system *sys, struct cw_cpu *c)
{
	unsigned pending;

	while ((pending = atomic_exchange_explicit(&c->softirq_pending, 0u,
						   memory_order_relaxed)) != 0) {
		if (pending & CW_SOFTIRQ_HRTIMER) {
			cw__hrtimer_run_softirq(sys, c->id);
		}
		if (pending & CW_SOFTIRQ_TIMER) {
			cw__timer_run_local(sys, c->id);
		}
	}
}

void cw_irq_exit(struct cw_system *sys)
{
	struct cw_cpu *c = this_cpu_ptr(sys);

	CW_ASSERT(c->irq_depth > 0);
	if (--c->irq_depth == 0) {
		run_softirqs(sys, c);
	}
}

void cw_cpu_handle_ipi(struct cw_system *sys)
{
	struct cw_cpu *c = this_cpu_ptr(sys);
	unsigned pending;

	/* Pairs with the release OR in cw__cpu_send_ipi(). */
	pending = atomic_exchange_explicit(&c->ipi_pending, 0u, memory_order_acquire);
	if (!pending) {
		return;
	}
	cw__tick_stat_add(c, ipis, 1);
	if (pending & CW_IPI_TICK_BROADCAST) {
		cw__tick_receive_broadcast(sys, c->id);
	}
	if (pending & CW_IPI_HRTIMER) {
		cw__hrtimer_retrigger(sys, c->id);
	}
	/* CW_IPI_KICK needs no work here: the interrupt itself ended the idle wait. */
}

static unsigned nr_online(struct cw_system *sys)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		n += cw_cpu_online(sys, i);
	}
	return n;
}

struct dying_args {
	struct cw_system *sys;
	unsigned cpu;
};

static void cpu_dying_fn(void *arg)
{
	struct dying_args *a = arg;
	struct cw_system *sys = a->sys;

	cw_spin_lock(&sys->ce.lock);
	cw__tick_cpu_dying(sys, a->cpu);
	cw_spin_unlock(&sys->ce.lock);
}

int cw_cpu_down(struct cw_system *sys, unsigned cpu)
{
	struct dying_args a = { sys, cpu };
	int ret;

	if (!sys || cpu >= sys->nr_cpus) {
		return CW_EINVAL;
	}
	if (!cw_cpu_online(sys, cpu)) {
		return CW_EPERM;
	}
	if (nr_online(sys) == 1) {
		return CW_EBUSY;
	}
	/* Offline first, so the duty handover and re-offering skip it. */
	cw_spin_lock(&sys->ce.lock);
	atomic_store_explicit(&sys->cpus[cpu].online, false, memory_order_release);
	cw_spin_unlock(&sys->ce.lock);
	/* The dying step runs on the CPU itself, while it can still run code. */
	ret = cw_cpu_call(sys, cpu, cpu_dying_fn, &a);
	if (ret) {
		atomic_store_explicit(&sys->cpus[cpu].online, true, memory_order_release);
		return ret;
	}
	/* The wheel's dead step (timers_dead_cpu): its timers go to a live CPU. */
	cw__timer_cpu_dead(sys, cpu);
	cw__log(sys, CW_LOG_INFO, "smpboot: CPU %u is now offline", cpu);
	/* Devices it released may serve other CPUs (or broadcast). */
	cw__clockevents_reoffer(sys);
	return 0;
}

int cw_cpu_up(struct cw_system *sys, unsigned cpu)
{
	if (!sys || cpu >= sys->nr_cpus) {
		return CW_EINVAL;
	}
	if (cw_cpu_online(sys, cpu)) {
		return CW_EPERM;
	}
	/* The wheel takes timers there again before anyone sees it online. */
	cw__timer_cpu_up(sys, cpu);
	cw_spin_lock(&sys->ce.lock);
	atomic_store_explicit(&sys->cpus[cpu].online, true, memory_order_release);
	cw_spin_unlock(&sys->ce.lock);
	cw__log(sys, CW_LOG_INFO, "smp: CPU %u is up", cpu);
	cw__clockevents_reoffer(sys);
	return 0;
}
