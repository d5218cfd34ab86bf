/* SPDX-License-Identifier: MIT */
/*
 * Driver of the ARM architected timer model (hw-arch-timer.c), in the shape
 * of Linux's arm_arch_timer.c and Zephyr's: oneshot only, per-CPU. Program
 * = write CVAL (counter + delta), then ENABLE with IMASK clear; the handler
 * masks first (IMASK) and then calls the core, which reprograms (clearing
 * IMASK again). Registers only (hw-driver.h).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-driver.h"

static int arch_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	cw__sim_hw_drv_note_program(d, false);
	/* CVAL first, then enable and unmask: never a window with a stale CVAL live. */
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, sim_drv_read(d, CW_SIM_HW_REG_COUNTER) + cycles);
	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ);
	return 0;
}

static int arch_shutdown(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	sim_drv_write(d, CW_SIM_HW_REG_CONTROL,
		      sim_drv_read(d, CW_SIM_HW_REG_CONTROL) & ~(uint64_t)CW_SIM_HW_CTRL_ENABLE);
	return 0;
}

static void arch_isr(struct sim_hw_drv_dev *d)
{
	uint64_t ctrl = sim_drv_read(d, CW_SIM_HW_REG_CONTROL);

	if (sim_drv_read(d, CW_SIM_HW_REG_STATUS) && (ctrl & CW_SIM_HW_CTRL_IRQ)) {
		/* Mask first: the level stays asserted until CVAL moves. */
		sim_drv_write(d, CW_SIM_HW_REG_CONTROL, ctrl & ~(uint64_t)CW_SIM_HW_CTRL_IRQ);
		cw_clockevents_handle_event(&d->dev);
	}
}

static uint64_t arch_cs_read(struct cw_clocksource *cs)
{
	return cw__sim_hw_reg_read(cs->driver_data, 0, CW_SIM_HW_REG_COUNTER);
}

const struct sim_hw_driver cw__sim_drv_arch_timer = {
	.tmpl = {
		.features = CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_PERCPU |
			    CW_CLOCKEVENT_FEAT_PIPELINE,
		.set_next_event = arch_next_event,
		.set_state_shutdown = arch_shutdown,
		.set_state_oneshot_stopped = arch_shutdown,
	},
	.isr = arch_isr,
	.cs_read = arch_cs_read,
};
