/* SPDX-License-Identifier: MIT */
/*
 * i8253 PIT channel 0 model and its clock event driver.
 *
 * Hardware: a 16-bit down-counter at 1.193182 MHz in rate-generator mode:
 * it counts the latch down to 0, interrupts (IRQ 0) and reloads; a latch of
 * 0 means 65536. The tick period is therefore a whole number of PIT counts,
 * so it is not exactly 1/HZ: at HZ = 100 the latch is 11932 counts, a tick
 * of 10.000150 ms, and 100 ticks take 1.000015 s (the kernel's "LATCH"
 * rounding, corrected there by the clocksource, not by the tick).
 *
 * Driver: periodic only (a global device); shutdown stops the counter.
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-internal.h"

/** PIT input clock, Hz. */
#define PIT_TICK_RATE 1193182u
/** A latch of 0 counts 65536. */
#define PIT_LATCH_MAX 65536u

/** The model. */
struct pit {
	/** Base (first). */
	struct cw_sim_hw_timer base;
	/** The device. */
	struct cw_clock_event_device dev;
	/** Channel 0. */
	struct sim_hw_dc dc;
};

static struct pit *to_pit(struct cw_sim_hw_timer *t)
{
	return (struct pit *)t;
}

static void pit_underflow(struct sim_hw_dc *dc)
{
	struct pit *pit = dc->data;

	pit->base.stats[0].wraps++;
	pit->base.stats[0].interrupts++;
	cw_sim_hw_irq_raise(pit->base.hw, (unsigned)pit->base.p.irq, CW_SIM_HW_IRQ_AFFINITY);
}

/* Mode 2 with @latch (0 = 65536): the count restarts from the new latch. */
static void pit_write_latch(struct pit *pit, uint64_t latch)
{
	latch &= 0xffff;
	pit->dc.reload = latch ? latch : PIT_LATCH_MAX;
	pit->dc.running = true;
	cw__sim_hw_dc_load(&pit->dc, pit->dc.reload);
}

static int pit_set_periodic(struct cw_clock_event_device *dev)
{
	struct pit *pit = dev->driver_data;

	pit->base.stats[0].programs++;
	/* LATCH = DIV_ROUND_CLOSEST(PIT_TICK_RATE, HZ). */
	pit_write_latch(pit, cw__sim_hw_period_ticks(&pit->base));
	return 0;
}

static int pit_shutdown(struct cw_clock_event_device *dev)
{
	struct pit *pit = dev->driver_data;

	cw__sim_hw_dc_stop(&pit->dc);
	return 0;
}

static int pit_set_irq_affinity(struct cw_clock_event_device *dev, unsigned cpu)
{
	struct pit *pit = dev->driver_data;

	return cw_sim_hw_irq_set_affinity(pit->base.hw, (unsigned)dev->irq, cpu);
}

static void pit_irq(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	struct pit *pit = arg;

	(void)hw;
	(void)irq;
	(void)cpu;
	pit->dc.flag = false;
	cw_clockevents_handle_event(&pit->dev);
}

static const struct cw_clock_event_device pit_dev_tmpl = {
	.features = CW_CLOCKEVENT_FEAT_PERIODIC,
	.set_state_shutdown = pit_shutdown,
	.set_state_periodic = pit_set_periodic,
	.set_irq_affinity = pit_set_irq_affinity,
};

static int pit_init(struct cw_sim_hw_timer *t)
{
	struct pit *pit = to_pit(t);

	if (t->p.width_bits != 16) {
		return CW_EINVAL;
	}
	cw__sim_hw_dc_init(&pit->dc, t->hw, t->p.freq_hz, t->p.drift_ppb, pit_underflow, pit);
	pit->dc.autoreload = true;
	cw__sim_hw_dev_init(t, 0, &pit->dev, NULL, &pit_dev_tmpl, pit);
	return cw__sim_hw_timer_request_irq(t, 0, pit_irq, pit);
}

static struct cw_sim_event *pit_event(struct cw_sim_hw_timer *t, unsigned index)
{
	(void)index;
	return &to_pit(t)->dc.ev;
}

static struct cw_clock_event_device *pit_device(struct cw_sim_hw_timer *t, unsigned index)
{
	(void)index;
	return &to_pit(t)->dev;
}

static int pit_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		    uint64_t *value)
{
	struct pit *pit = to_pit(t);

	(void)index;
	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_dc_count(&pit->dc);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = pit->dc.reload;
		return 0;
	default:
		return CW_ENOSYS;
	}
}

static int pit_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t value)
{
	(void)index;
	if (reg != CW_SIM_HW_REG_COMPARE) {
		return CW_ENOSYS;
	}
	pit_write_latch(to_pit(t), value);
	return 0;
}

const struct sim_hw_timer_ops cw__sim_hw_pit_ops = {
	.name = "pit",
	.compatible = "intel,i8253",
	.freq_hz = PIT_TICK_RATE,
	.width_bits = 16,
	.min_delta_ticks = 1,
	.max_delta_ticks = 0xffff,
	/* Below the HPET (50) that displaces it, as in Linux (where the PIT is unrated). */
	.rating = 40,
	.irq = 0,
	.nr_channels = 1,
	.percpu = false,
	.size = sizeof(struct pit),
	.dev_size = 0,
	.init = pit_init,
	.event = pit_event,
	.device = pit_device,
	.read = pit_read,
	.write = pit_write,
};
