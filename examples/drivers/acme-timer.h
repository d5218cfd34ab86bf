/* SPDX-License-Identifier: MIT */
/*
 * The worked example of docs/drivers.md: a driver for the "ACME timer", a
 * made-up but typical SoC timer block with one free-running 32-bit
 * up-counter and one compare register per CPU that interrupts when the
 * counter EQUALS the compare value. The register accessors come from the
 * board (a struct of function pointers), so the driver runs on any port;
 * the test tests/unit/test_example_driver.c models the block on the
 * simulator.
 */
#ifndef CLOCKWORK_EXAMPLES_DRIVERS_ACME_TIMER_H
#define CLOCKWORK_EXAMPLES_DRIVERS_ACME_TIMER_H

#include <clockwork/driver/clockevent.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/driver/init.h>

/** Most CPUs the example block serves. */
#define ACME_TIMER_MAX_CPUS 8

/** Register access to one ACME timer block, provided by the board. */
struct acme_timer_regs {
	/** Read the free-running 32-bit counter. */
	uint32_t (*read_counter)(void *hw);
	/** Write CPU @p cpu's compare register. */
	void (*write_compare)(void *hw, unsigned cpu, uint32_t value);
	/** Enable or mask CPU @p cpu's compare interrupt. */
	void (*irq_enable)(void *hw, unsigned cpu, bool on);
	/** Acknowledge CPU @p cpu's compare interrupt. */
	void (*irq_ack)(void *hw, unsigned cpu);
	/** Board context passed to each accessor. */
	void *hw;
	/** Counter frequency, Hz. */
	uint64_t freq_hz;
	/** CPUs with a compare register (<= ACME_TIMER_MAX_CPUS). */
	unsigned nr_cpus;
	/** First interrupt number; CPU n uses irq_base + n. */
	int irq_base;
};

/** Per-CPU driver state: the clock event device and where it lives. */
struct acme_timer_cpu {
	struct cw_clock_event_device ced;
	const struct acme_timer_regs *regs;
	unsigned cpu;
	char name[24];
};

/** The driver's state for one block (the board allocates it). */
struct acme_timer {
	const struct acme_timer_regs *regs;
	struct cw_clocksource cs;
	struct acme_timer_cpu cpus[ACME_TIMER_MAX_CPUS];
};

/** Probe: register the counter as a clocksource and one clock event device per CPU. */
int acme_timer_probe(struct cw_system *sys, struct acme_timer *t,
		     const struct acme_timer_regs *regs);

/** The board calls this from CPU @p cpu's compare interrupt (inside cw_irq_enter/exit). */
void acme_timer_isr(struct acme_timer *t, unsigned cpu);

#endif /* CLOCKWORK_EXAMPLES_DRIVERS_ACME_TIMER_H */
