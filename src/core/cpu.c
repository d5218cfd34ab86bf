/* SPDX-License-Identifier: MIT */
/*
 * CPUs as the core drives them: interrupt entry and exit with the soft work
 * run on exit, IPI entry, and CPU hotplug. Each walks the component table
 * (component.h) and names no component:
 *
 *   cw_irq_exit()        soft work, vector order (lowest enum cw_softirq bit
 *                        first), until none is pending
 *   cw_cpu_handle_ipi()  the pending IPI kinds, lowest bit first
 *   cw_cpu_down()        offline flag; cpu_dying steps on the CPU (reverse
 *                        table order); cpu_dead steps on the caller (reverse)
 *   cw_cpu_up()          cpu_prepare steps (table order); cpu_starting steps
 *                        on the CPU; online flag; cpu_online steps
 *
 * The leaf calls every component makes (send an IPI, raise soft work,
 * cw_cpu_call(), the per-CPU array) are in cpus.c, with the IPI protocol.
 */
#include <clockwork/cpu.h>

#include "system-internal.h"
#include "component.h"
#include "cpu-internal.h"

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

/* The row owning soft-work bit or IPI kind @p bit (@p ipi selects the column), or NULL. */
static const struct cw_component *vector_owner(unsigned bit, bool ipi)
{
	for (unsigned i = 0; i < cw__nr_components; i++) {
		const struct cw_component *co = &cw__components[i];

		if ((ipi ? co->ipi : co->softirq) == bit) {
			return co;
		}
	}
	return NULL;
}

/* Soft work runs once the outermost interrupt leaves, on the same CPU. */
static void run_softirqs(struct cw_system *sys, struct cw_cpu *c)
{
	unsigned pending;

	while ((pending = atomic_exchange_explicit(&c->softirq_pending, 0u,
						   memory_order_relaxed)) != 0) {
		while (pending) {
			unsigned bit = pending & (0u - pending);
			const struct cw_component *co = vector_owner(bit, false);

			pending &= ~bit;
			CW_ASSERT(co);
			co->softirq_fn(sys, c->id);
		}
	}
}

void cw_irq_oob_enter(struct cw_system *sys)
{
	struct cw_cpu *c = this_cpu_ptr(sys);

	c->oob_depth++;
	cw__tick_stat_add(c, interrupts, 1);
}

void cw_irq_oob_exit(struct cw_system *sys)
{
	struct cw_cpu *c = this_cpu_ptr(sys);

	CW_ASSERT(c->oob_depth > 0);
	c->oob_depth--;
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
	while (pending) {
		unsigned bit = pending & (0u - pending);
		const struct cw_component *co = vector_owner(bit, true);

		pending &= ~bit;
		/* A kind no row handles (CW_IPI_KICK): the interrupt itself ended the idle wait. */
		if (co) {
			co->ipi_fn(sys, c->id);
		}
	}
}

static unsigned nr_online(struct cw_system *sys)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		n += cw_cpu_online(sys, i);
	}
	return n;
}

struct step_args {
	struct cw_system *sys;
	unsigned cpu;
};

/* On the outgoing CPU: every cpu_dying step, in reverse table order. */
static void cpu_dying_fn(void *arg)
{
	struct step_args *a = arg;

	for (unsigned i = cw__nr_components; i-- > 0;) {
		if (cw__components[i].cpu_dying) {
			cw__components[i].cpu_dying(a->sys, a->cpu);
		}
	}
}

/* On the controlling thread: every cpu_dead step, in reverse table order. */
static void run_dead_steps(struct cw_system *sys, unsigned cpu)
{
	for (unsigned i = cw__nr_components; i-- > 0;) {
		if (cw__components[i].cpu_dead) {
			cw__components[i].cpu_dead(sys, cpu);
		}
	}
}

/* On the incoming CPU: every cpu_starting step, in table order. */
static void cpu_starting_fn(void *arg)
{
	struct step_args *a = arg;

	for (unsigned i = 0; i < cw__nr_components; i++) {
		if (cw__components[i].cpu_starting) {
			cw__components[i].cpu_starting(a->sys, a->cpu);
		}
	}
}

static bool have_starting_steps(void)
{
	for (unsigned i = 0; i < cw__nr_components; i++) {
		if (cw__components[i].cpu_starting) {
			return true;
		}
	}
	return false;
}

int cw_cpu_down(struct cw_system *sys, unsigned cpu)
{
	struct step_args a = { sys, cpu };
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
	cw__cpu_set_online(sys, cpu, false);
	/* The dying steps run on the CPU itself, while it can still run code. */
	ret = cw_cpu_call(sys, cpu, cpu_dying_fn, &a);
	if (ret) {
		cw__cpu_set_online(sys, cpu, true);
		return ret;
	}
	cw__log(sys, CW_LOG_INFO, "smpboot: CPU %u is now offline", cpu);
	/* The dead steps (timers_dead_cpu, ...) run here, on a survivor. */
	run_dead_steps(sys, cpu);
	return 0;
}

int cw_cpu_up(struct cw_system *sys, unsigned cpu)
{
	struct step_args a = { sys, cpu };

	if (!sys || cpu >= sys->nr_cpus) {
		return CW_EINVAL;
	}
	if (cw_cpu_online(sys, cpu)) {
		return CW_EPERM;
	}
	/* Prepare steps: e.g. the wheel takes timers there again before anyone sees it online. */
	for (unsigned i = 0; i < cw__nr_components; i++) {
		if (cw__components[i].cpu_prepare) {
			cw__components[i].cpu_prepare(sys, cpu);
		}
	}
	if (have_starting_steps()) {
		int ret = cw_cpu_call(sys, cpu, cpu_starting_fn, &a);

		if (ret) {
			/* Undo the prepare steps as for a CPU that died. */
			run_dead_steps(sys, cpu);
			return ret;
		}
	}
	cw__cpu_set_online(sys, cpu, true);
	cw__log(sys, CW_LOG_INFO, "smp: CPU %u is up", cpu);
	for (unsigned i = 0; i < cw__nr_components; i++) {
		if (cw__components[i].cpu_online) {
			cw__components[i].cpu_online(sys, cpu);
		}
	}
	return 0;
}
