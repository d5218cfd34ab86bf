/* SPDX-License-Identifier: MIT */
/*
 * Driver of the HPET model (hw-hpet.c), in the shape of Linux's
 * hpet_clkevt_set_next_event: write counter + delta to the comparator, then
 * check that the counter has not reached it (an equality match behind the
 * counter is a full wrap away: CW_ETIME). One global device per comparator
 * (oneshot, and periodic on comparator 0), never C3STOP, interrupt
 * routable to any CPU: the broadcast device. Registers only (hw-driver.h).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-driver.h"

static uint64_t hpet_mask(const struct sim_hw_drv_dev *d)
{
	return sim_drv_mask(cw__sim_hw_drv_params(d->t)->width_bits);
}

static int hpet_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);
	uint64_t mask = hpet_mask(d);
	uint64_t cnt = (sim_drv_read(d, CW_SIM_HW_REG_COUNTER) + cycles) & mask;
	int64_t left;
	bool late;

	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ);
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, cnt);
	/*
	 * The counter kept running while we wrote: if it is already at or
	 * past the comparator the match is a full wrap away. Say so.
	 */
	left = (int64_t)((cnt - sim_drv_read(d, CW_SIM_HW_REG_COUNTER)) & mask);
	late = left < (int64_t)cw__sim_hw_drv_params(d->t)->min_delta_ticks / 2;
	cw__sim_hw_drv_note_program(d, late);
	return late ? CW_ETIME : 0;
}

static int hpet_set_periodic(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);
	uint64_t delta = cw__sim_hw_drv_period_ticks(d->t);

	cw__sim_hw_drv_note_program(d, false);
	sim_drv_write(d, CW_SIM_HW_REG_AUTOINC, delta);
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE,
		      (sim_drv_read(d, CW_SIM_HW_REG_COUNTER) + delta) & hpet_mask(d));
	sim_drv_write(d, CW_SIM_HW_REG_CONTROL,
		      CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ | CW_SIM_HW_CTRL_PERIODIC);
	return 0;
}

static int hpet_shutdown(struct cw_clock_event_device *dev)
{
	sim_drv_write(sim_drv_dev(dev), CW_SIM_HW_REG_CONTROL, 0);
	return 0;
}

static int hpet_set_irq_affinity(struct cw_clock_event_device *dev, unsigned cpu)
{
	return cw_sim_hw_irq_set_affinity(cw__sim_hw_drv_hw(sim_drv_dev(dev)->t),
					  (unsigned)dev->irq, cpu);
}

static void hpet_isr(struct sim_hw_drv_dev *d)
{
	sim_drv_write(d, CW_SIM_HW_REG_STATUS, 1);
	cw_clockevents_handle_event(&d->dev);
}

/* Only comparator 0 can run periodic. */
static void hpet_setup(struct sim_hw_drv_dev *d)
{
	if (d->index != 0) {
		d->dev.features &= ~CW_CLOCKEVENT_FEAT_PERIODIC;
		d->dev.set_state_periodic = NULL;
	}
}

static uint64_t hpet_cs_read(struct cw_clocksource *cs)
{
	return cw__sim_hw_reg_read(cs->driver_data, 0, CW_SIM_HW_REG_COUNTER);
}

const struct sim_hw_driver cw__sim_drv_hpet = {
	.tmpl = {
		/* Pipeline-ready: a channel routed to a CPU as its tick device can be proxied. */
		.features = CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_ONESHOT |
			    CW_CLOCKEVENT_FEAT_PIPELINE,
		.set_next_event = hpet_next_event,
		.set_state_periodic = hpet_set_periodic,
		.set_state_shutdown = hpet_shutdown,
		.set_state_oneshot = hpet_shutdown,
		.set_state_oneshot_stopped = hpet_shutdown,
		.set_irq_affinity = hpet_set_irq_affinity,
	},
	.setup = hpet_setup,
	.isr = hpet_isr,
	.cs_read = hpet_cs_read,
};
