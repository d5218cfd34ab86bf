// SPDX-License-Identifier: MIT
/*
 * The per-CPU array and the leaf calls on it that every component may make:
 * which CPU runs the caller (and, for a thread that is not a CPU, whose
 * timer bases it uses: cw__home_cpu()), whether a CPU is online or in an interrupt,
 * raise soft work, send an IPI, run a function on a CPU. Nothing here calls
 * into a component, so a component calling these never closes a cycle
 * through cpu.c, which runs the components' soft work, IPI handlers and
 * hotplug steps (through the component table).
 *
 * IPI protocol: the sender ORs a kind into the target's ipi_pending
 * (release) and asks the port to interrupt the target; the target swaps
 * the set to 0 (acquire) in cw_cpu_handle_ipi() (cpu.c) and handles each
 * kind. A kind sent while the target handles an earlier one is either seen
 * by that swap or causes another send_ipi, so no request is lost; requests
 * merge.
 */
#include <clockwork/cpu.h>

#include "system-internal.h"
#include "cpu-internal.h"

#include <stdlib.h>
#include <string.h>

int cw__cpus_init(struct cw_system *sys)
{
	size_t bytes = sizeof(struct cw_cpu) * sys->nr_cpus;

	bytes = (bytes + CW_CACHELINE_BYTES - 1) & ~(size_t)(CW_CACHELINE_BYTES - 1);
	sys->cpus = aligned_alloc(CW_CACHELINE_BYTES, bytes);
	if (!sys->cpus) {
		return CW_ENOMEM;
	}
	memset(sys->cpus, 0, bytes);
	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		sys->cpus[i].id = i;
		atomic_store_explicit(&sys->cpus[i].online, true, memory_order_relaxed);
	}
	return 0;
}

void cw__cpus_fini(struct cw_system *sys)
{
	free(sys->cpus);
	sys->cpus = NULL;
}

unsigned cw__current_cpu(const struct cw_system *sys)
{
	unsigned cpu = sys->port->this_cpu ? sys->port->this_cpu(sys->port_ctx) : 0;

	cpu = cpu < sys->nr_cpus ? cpu : CW_PORT_NO_CPU;
	/* Debug builds: locks this thread takes name this CPU as their owner's. */
	CW_DEBUG_ONLY(cw__lock_note_cpu(cpu));
	return cpu;
}

unsigned cw__this_cpu(const struct cw_system *sys)
{
	unsigned cpu = cw__current_cpu(sys);

	/* A thread that is not a CPU acts for CPU 0 (its timers: cw__home_cpu()). */
	return cpu == CW_PORT_NO_CPU ? 0 : cpu;
}

unsigned cw__home_cpu(const struct cw_system *sys)
{
	unsigned cpu = sys->port->this_cpu ? sys->port->this_cpu(sys->port_ctx) : 0;

	if (cw_likely(cpu < sys->nr_cpus)) {
		CW_DEBUG_ONLY(cw__lock_note_cpu(cpu));
		return cpu;
	}
	CW_DEBUG_ONLY(cw__lock_note_cpu(CW_PORT_NO_CPU));
	/* Not a CPU: the port's CW_PORT_NEAR_CPU() choice, if it made one. */
	if ((cpu & CW_PORT_NOT_A_CPU) && (cpu & ~CW_PORT_NOT_A_CPU) < sys->nr_cpus) {
		return cpu & ~CW_PORT_NOT_A_CPU;
	}
	return CW_PORT_NO_CPU;
}

bool cw_in_irq(struct cw_system *sys)
{
	unsigned cpu = cw__current_cpu(sys);

	/* Only the CPU itself writes its depth; a thread that is not a CPU is never in one. */
	return cpu != CW_PORT_NO_CPU && sys->cpus[cpu].irq_depth > 0;
}

bool cw_on_oob_stage(struct cw_system *sys)
{
	unsigned cpu;

	if (sys->port->on_oob_stage) {
		return sys->port->on_oob_stage(sys->port_ctx);
	}
	cpu = cw__current_cpu(sys);

	return cpu != CW_PORT_NO_CPU && sys->cpus[cpu].oob_depth > 0;
}

void cw__cpu_raise_softirq(struct cw_system *sys, unsigned cpu, enum cw_softirq work)
{
	atomic_fetch_or_explicit(&sys->cpus[cpu].softirq_pending, (unsigned)work,
				 memory_order_relaxed);
}

void cw__cpu_send_ipi(struct cw_system *sys, unsigned cpu, enum cw_ipi_kind kind)
{
	CW_ASSERT(cpu < sys->nr_cpus);
	/* Pairs with the acquire exchange in cw_cpu_handle_ipi(). */
	atomic_fetch_or_explicit(&sys->cpus[cpu].ipi_pending, (unsigned)kind, memory_order_release);
	if (sys->port->send_ipi) {
		sys->port->send_ipi(sys->port_ctx, cpu);
	}
}

int cw_cpu_call(struct cw_system *sys, unsigned cpu, cw_cpu_call_fn fn, void *arg)
{
	if (!sys || cpu >= sys->nr_cpus || !fn) {
		return CW_EINVAL;
	}
	if (sys->port->cpu_call) {
		return sys->port->cpu_call(sys->port_ctx, cpu, fn, arg);
	}
	fn(arg);
	return 0;
}

int cw__cpu_call_async(struct cw_system *sys, unsigned cpu, cw_cpu_call_fn fn, void *arg,
		       void (*done)(void *done_arg, int ret), void *done_arg)
{
	if (sys->port->cpu_call_async) {
		return sys->port->cpu_call_async(sys->port_ctx, cpu, fn, arg, done, done_arg);
	}
	return cw_cpu_call(sys, cpu, fn, arg);
}

bool cw_cpu_online(struct cw_system *sys, unsigned cpu)
{
	return cpu < sys->nr_cpus &&
	       atomic_load_explicit(&sys->cpus[cpu].online, memory_order_acquire);
}

void cw__cpu_set_online(struct cw_system *sys, unsigned cpu, bool online)
{
	/* Under clockevents' lock: a binding decision sees a stable set of online CPUs. */
	cw_spin_lock(&sys->ce.lock);
	atomic_store_explicit(&sys->cpus[cpu].online, online, memory_order_release);
	cw_spin_unlock(&sys->ce.lock);
}

void cw__tick_clock_notify(struct cw_system *sys)
{
	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		atomic_store_explicit(&sys->cpus[i].check_clocks, true, memory_order_relaxed);
	}
}
