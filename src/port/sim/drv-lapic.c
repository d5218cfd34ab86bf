/* SPDX-License-Identifier: MIT */
/*
 * Driver of the local APIC timer model (hw-lapic.c), in the shape of
 * Linux's lapic_next_event / lapic_timer_set_periodic: oneshot writes the
 * initial count; periodic sets the LVT periodic bit and the initial count
 * to freq / HZ; shutdown masks the LVT entry and writes an initial count
 * of 0. The vector is edge-triggered: nothing to acknowledge. Registers
 * only (hw-driver.h).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-driver.h"

/* Program: LVT unmasked, oneshot or periodic, then the initial count. */
static void lapic_program(struct sim_hw_drv_dev *d, uint64_t count, bool periodic)
{
	cw__sim_hw_drv_note_program(d, false);
	sim_drv_write(d, CW_SIM_HW_REG_CONTROL,
		      CW_SIM_HW_CTRL_IRQ | (periodic ? CW_SIM_HW_CTRL_PERIODIC : 0));
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, count);
}

static int lapic_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	lapic_program(sim_drv_dev(dev), cycles, false);
	return 0;
}

static int lapic_set_periodic(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	lapic_program(d, cw__sim_hw_drv_period_ticks(d->t), true);
	return 0;
}

static int lapic_shutdown(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	/* Mask the LVT entry (keep its mode), then stop the count. */
	sim_drv_write(d, CW_SIM_HW_REG_CONTROL,
		      sim_drv_read(d, CW_SIM_HW_REG_CONTROL) & CW_SIM_HW_CTRL_PERIODIC);
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, 0);
	return 0;
}

static int lapic_oneshot(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, CW_SIM_HW_CTRL_IRQ);
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, 0);
	return 0;
}

static void lapic_isr(struct sim_hw_drv_dev *d)
{
	cw_clockevents_handle_event(&d->dev);
}

const struct sim_hw_driver cw__sim_drv_lapic = {
	.tmpl = {
		.features = CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_ONESHOT |
			    CW_CLOCKEVENT_FEAT_C3STOP | CW_CLOCKEVENT_FEAT_PERCPU |
			    CW_CLOCKEVENT_FEAT_PIPELINE,
		.set_next_event = lapic_next_event,
		.set_state_shutdown = lapic_shutdown,
		.set_state_periodic = lapic_set_periodic,
		.set_state_oneshot = lapic_oneshot,
		.set_state_oneshot_stopped = lapic_shutdown,
	},
	.isr = lapic_isr,
};
