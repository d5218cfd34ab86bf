/* SPDX-License-Identifier: MIT */
/*
 * Driver of the i8253 PIT model (hw-pit.c): periodic only, one global
 * device. Periodic writes LATCH = DIV_ROUND_CLOSEST(PIT_TICK_RATE, HZ);
 * shutdown stops the counter. Registers only (hw-driver.h).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-driver.h"

static int pit_set_periodic(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	cw__sim_hw_drv_note_program(d, false);
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, cw__sim_hw_drv_period_ticks(d->t));
	return 0;
}

static int pit_shutdown(struct cw_clock_event_device *dev)
{
	sim_drv_write(sim_drv_dev(dev), CW_SIM_HW_REG_CONTROL, 0);
	return 0;
}

static int pit_set_irq_affinity(struct cw_clock_event_device *dev, unsigned cpu)
{
	return cw_sim_hw_irq_set_affinity(cw__sim_hw_drv_hw(sim_drv_dev(dev)->t),
					  (unsigned)dev->irq, cpu);
}

static void pit_isr(struct sim_hw_drv_dev *d)
{
	cw_clockevents_handle_event(&d->dev);
}

const struct sim_hw_driver cw__sim_drv_pit = {
	.tmpl = {
		.features = CW_CLOCKEVENT_FEAT_PERIODIC,
		.set_state_shutdown = pit_shutdown,
		.set_state_periodic = pit_set_periodic,
		.set_irq_affinity = pit_set_irq_affinity,
	},
	.isr = pit_isr,
};
