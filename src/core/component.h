/* SPDX-License-Identifier: MIT */
/*
 * The core's components as one table (components.c), after Linux's CPU
 * hotplug states and softirq vectors: what each component does when the
 * system is created and destroyed, when a CPU comes and goes, which soft
 * work it runs at interrupt exit and which IPI kind it handles. system.c
 * (creation, destruction) and cpu.c (cw_irq_exit(), cw_cpu_handle_ipi(),
 * cw_cpu_down(), cw_cpu_up()) walk the table and name no component, so a
 * component's missing step is an empty cell in one place, not a call that
 * is absent from some file.
 *
 * Order. Rows are in bring-up order:
 *   init                   table order; a failing init unwinds the rows
 *                          already set up, in reverse (their teardown)
 *   teardown               reverse table order (cw_system_destroy())
 *   cpu_prepare            table order, on the controlling thread, before
 *                          the CPU is marked online
 *   cpu_starting           table order, on the incoming CPU (cw_cpu_call()),
 *                          before it is marked online
 *   cpu_online             table order, on the controlling thread, once the
 *                          CPU is marked online
 *   cpu_dying              reverse table order, on the outgoing CPU
 *                          (cw_cpu_call()), already marked offline
 *   cpu_dead               reverse table order, on the controlling thread
 *                          (a survivor), with the dead CPU's id
 *   softirq_fn, ipi_fn     vector order: lowest bit first (enum cw_softirq,
 *                          enum cw_ipi_kind are numbered in run order)
 * Each column's order is the one the core had when the calls were named
 * (docs/ARCHITECTURE.md, "Components"); tests/unit/test_components.c checks
 * the table's shape.
 *
 * A NULL cell means the component has no such step; every row spells every
 * column, with a one-line reason for each NULL.
 */
#ifndef CLOCKWORK_SRC_CORE_COMPONENT_H
#define CLOCKWORK_SRC_CORE_COMPONENT_H

#include "compiler.h"

struct cw_system;
struct cw_system_config;

/** Row flags (struct cw_component.flags). */
enum cw_component_flags {
	/**
	 * The component queues timers per CPU: they must leave a CPU that
	 * goes offline, so the row needs a cpu_dead step (on a survivor) or a
	 * cpu_dying step (on the CPU itself, as Linux's hrtimers_cpu_dying).
	 */
	CW_COMPONENT_PERCPU_TIMERS = 1u << 0,
};

/** One component: a row of the table. */
struct cw_component {
	/** Short name (logs, tests, docs). */
	const char *name;
	/** enum cw_component_flags. */
	unsigned flags;

	/**
	 * Set up the component's state at system creation (the system object
	 * is zeroed and configured, the log ring exists). @return 0 or CW_E*.
	 */
	int (*init)(struct cw_system *sys, const struct cw_system_config *cfg);
	/** Release what init set up (system destruction, or creation unwinding). */
	void (*teardown)(struct cw_system *sys);
	/** Bytes of state the component keeps for each CPU (cw_system_cpu_state_bytes()). */
	size_t (*cpu_bytes)(void);

	/** @p cpu is about to come online: controlling thread, @p cpu still offline. */
	void (*cpu_prepare)(struct cw_system *sys, unsigned cpu);
	/** On the incoming @p cpu, before it is marked online. */
	void (*cpu_starting)(struct cw_system *sys, unsigned cpu);
	/** @p cpu is online: controlling thread. */
	void (*cpu_online)(struct cw_system *sys, unsigned cpu);
	/** On the outgoing @p cpu, already marked offline; it can still run code. */
	void (*cpu_dying)(struct cw_system *sys, unsigned cpu);
	/** @p cpu is dead: on a survivor (the controlling thread), with the dead CPU's id. */
	void (*cpu_dead)(struct cw_system *sys, unsigned cpu);

	/** Soft-work bit (enum cw_softirq) the row owns, or 0. */
	unsigned softirq;
	/** Run the soft work on @p cpu (interrupt exit, on @p cpu). NULL iff softirq is 0. */
	void (*softirq_fn)(struct cw_system *sys, unsigned cpu);
	/** IPI kind (enum cw_ipi_kind) the row handles, or 0. */
	unsigned ipi;
	/** Handle the IPI on @p cpu (interrupt context). NULL iff ipi is 0. */
	void (*ipi_fn)(struct cw_system *sys, unsigned cpu);
};

/** The table, in bring-up order (components.c). */
extern const struct cw_component cw__components[];
/** Number of rows of cw__components. */
extern const unsigned cw__nr_components;

#endif /* CLOCKWORK_SRC_CORE_COMPONENT_H */
