/* SPDX-License-Identifier: MIT */
/*
 * ACME timer driver: the worked example of docs/drivers.md.
 *
 * Hardware: a free-running 32-bit up-counter and, per CPU, a compare
 * register with an interrupt that fires when the counter EQUALS the compare
 * value. Equality matching is the hazard this driver exists to show: a
 * compare value the counter has already passed does not fire until the
 * counter wraps (2^32 cycles later, 3 minutes at 24 MHz). set_next_event()
 * therefore re-reads the counter after writing the compare register and
 * reports CW_ETIME when the target is no longer ahead; the core then
 * retries with its min-delta logic.
 *
 * The block cannot interrupt periodically by itself, so the driver offers
 * only FEAT_ONESHOT: the tick layer emulates the periodic tick on it.
 * The compare registers keep running in deep idle, so no C3STOP.
 */
#include "acme-timer.h"

#include <stdio.h>

#define ACME_RATING    300
#define ACME_MIN_TICKS 2u
#define ACME_MAX_TICKS 0x7fffffffu
#define ACME_CS_RATING 300

static struct acme_timer_cpu *to_acme(struct cw_clock_event_device *ced)
{
	return ced->driver_data;
}

static uint64_t acme_cs_read(struct cw_clocksource *cs)
{
	const struct acme_timer_regs *regs = cs->driver_data;

	return regs->read_counter(regs->hw);
}

static int acme_set_next_event(uint64_t cycles, struct cw_clock_event_device *ced)
{
	struct acme_timer_cpu *c = to_acme(ced);
	const struct acme_timer_regs *r = c->regs;
	uint32_t target = r->read_counter(r->hw) + (uint32_t)cycles;

	r->write_compare(r->hw, c->cpu, target);
	/*
	 * Equality match: if the counter reached the target while we were
	 * writing it, the interrupt would come only after a wrap. The signed
	 * distance tells "still ahead" from "already passed" for deltas below
	 * 2^31 cycles (max_delta_ticks guarantees that).
	 */
	if ((int32_t)(target - r->read_counter(r->hw)) <= 0) {
		return CW_ETIME;
	}
	return 0;
}

static int acme_shutdown(struct cw_clock_event_device *ced)
{
	struct acme_timer_cpu *c = to_acme(ced);

	c->regs->irq_enable(c->regs->hw, c->cpu, false);
	return 0;
}

static int acme_set_oneshot(struct cw_clock_event_device *ced)
{
	struct acme_timer_cpu *c = to_acme(ced);

	/* Unmask only; nothing fires until set_next_event() writes a compare value. */
	c->regs->irq_enable(c->regs->hw, c->cpu, true);
	return 0;
}

void acme_timer_isr(struct acme_timer *t, unsigned cpu)
{
	struct acme_timer_cpu *c = &t->cpus[cpu];

	/* Acknowledge first: the handler may program the next event at once. */
	c->regs->irq_ack(c->regs->hw, cpu);
	cw_clockevents_handle_event(&c->ced);
}

int acme_timer_probe(struct cw_system *sys, struct acme_timer *t,
		     const struct acme_timer_regs *regs)
{
	int ret;

	if (regs->nr_cpus == 0 || regs->nr_cpus > ACME_TIMER_MAX_CPUS || regs->freq_hz == 0) {
		return CW_EINVAL;
	}
	t->regs = regs;
	t->cs = (struct cw_clocksource){
		.name = "acme-counter",
		.read = acme_cs_read,
		.mask = CW_CLOCKSOURCE_MASK(32),
		.rating = ACME_CS_RATING,
		.flags = CW_CLOCKSOURCE_IS_CONTINUOUS,
		.driver_data = (void *)regs,
	};
	ret = cw_clocksource_register_hz(sys, &t->cs, regs->freq_hz);
	if (ret) {
		return ret;
	}
	for (unsigned cpu = 0; cpu < regs->nr_cpus; cpu++) {
		struct acme_timer_cpu *c = &t->cpus[cpu];

		c->regs = regs;
		c->cpu = cpu;
		snprintf(c->name, sizeof(c->name), "acme-timer/%u", cpu);
		c->ced = (struct cw_clock_event_device){
			.name = c->name,
			.features = CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_PERCPU,
			.rating = ACME_RATING,
			.irq = regs->irq_base + (int)cpu,
			.cpu = (int)cpu,
			.set_next_event = acme_set_next_event,
			.set_state_shutdown = acme_shutdown,
			.set_state_oneshot = acme_set_oneshot,
			.driver_data = c,
		};
		ret = cw_clockevents_config_and_register(sys, &c->ced, regs->freq_hz,
							 ACME_MIN_TICKS, ACME_MAX_TICKS);
		if (ret) {
			return ret;
		}
	}
	return 0;
}
