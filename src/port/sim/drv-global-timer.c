/* SPDX-License-Identifier: MIT */
/*
 * Driver of the ARM Cortex-A9 global timer model (hw-global-timer.c):
 * per-CPU devices, oneshot and periodic (auto-increment), C3STOP as
 * configured, in the shape of Linux's arm_global_timer.c: program by
 * disabling the comparator, writing compare = counter + delta (and the
 * auto-increment), then enabling. Adapted to the interrupt pipeline
 * (FEAT_PIPELINE, cw_clockevents_handle_event()); the acknowledge tests
 * "oob or oneshot" before moving the comparator (seed 001, erratum
 * 740657). The board's acknowledge order (clear_order) selects the
 * documented, the buggy flag-first and the unadapted oneshot-only
 * acknowledge. Registers only (hw-driver.h).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-driver.h"

#define GT_CTRL_ALL (CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ | CW_SIM_HW_CTRL_PERIODIC)

/*
 * Program the comparator: disable it first so a half-written compare can
 * never match, then compare = counter + delta, then enable.
 */
static void gt_compare_set(struct sim_hw_drv_dev *d, uint64_t delta, bool periodic)
{
	uint64_t ctrl = sim_drv_read(d, CW_SIM_HW_REG_CONTROL) & ~(uint64_t)GT_CTRL_ALL;

	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, ctrl);
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, sim_drv_read(d, CW_SIM_HW_REG_COUNTER) + delta);
	if (periodic) {
		sim_drv_write(d, CW_SIM_HW_REG_AUTOINC, delta);
		ctrl |= CW_SIM_HW_CTRL_PERIODIC;
	}
	cw__sim_hw_drv_note_program(d, false);
	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, ctrl | CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ);
}

static int gt_set_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	gt_compare_set(sim_drv_dev(dev), cycles, false);
	return 0;
}

static int gt_set_periodic(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	gt_compare_set(d, cw__sim_hw_drv_period_ticks(d->t), true);
	return 0;
}

static int gt_shutdown(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	sim_drv_write(d, CW_SIM_HW_REG_CONTROL,
		      sim_drv_read(d, CW_SIM_HW_REG_CONTROL) & ~(uint64_t)GT_CTRL_ALL);
	return 0;
}

static void gt_isr(struct sim_hw_drv_dev *d)
{
	enum cw_sim_hw_clear_order order = cw__sim_hw_drv_params(d->t)->clear_order;

	if (!sim_drv_read(d, CW_SIM_HW_REG_STATUS)) {
		return;
	}
	if (order == CW_SIM_HW_CLEAR_FLAG_FIRST) {
		/*
		 * The buggy order: clear, and leave the comparator to the core.
		 * With erratum 740657 the flag is already back at this point.
		 */
		sim_drv_write(d, CW_SIM_HW_REG_STATUS, 1);
	} else {
		/*
		 * Documented order: a oneshot comparator still matches, so
		 * disable it before clearing the flag, or the flag comes back
		 * (erratum 740657). Seed 001's test is "oob or oneshot": a
		 * device a proxy owns is RESERVED for the core, never ONESHOT,
		 * while the proxy drives the hardware in oneshot mode. A device
		 * the core does not drive at all (DETACHED, programmed by hand)
		 * is acknowledged by its hardware mode (auto-increment off).
		 * The unadapted driver (ONESHOT_ONLY) forgets the oob case.
		 */
		enum cw_clockevent_state st = cw_clockevent_get_state(&d->dev);
		bool oob = order != CW_SIM_HW_CLEAR_ONESHOT_ONLY && cw_clockevent_is_oob(&d->dev);
		uint64_t ctrl = sim_drv_read(d, CW_SIM_HW_REG_CONTROL);
		bool hw_oneshot = !(ctrl & CW_SIM_HW_CTRL_PERIODIC);

		if (oob || st == CW_CLOCKEVENT_STATE_ONESHOT ||
		    (st == CW_CLOCKEVENT_STATE_DETACHED && hw_oneshot)) {
			sim_drv_write(d, CW_SIM_HW_REG_CONTROL,
				      ctrl & ~(uint64_t)CW_SIM_HW_CTRL_ENABLE);
		}
		sim_drv_write(d, CW_SIM_HW_REG_STATUS, 1);
	}
	cw_clockevents_handle_event(&d->dev);
}

static uint64_t gt_cs_read(struct cw_clocksource *cs)
{
	return cw__sim_hw_reg_read(cs->driver_data, 0, CW_SIM_HW_REG_COUNTER);
}

const struct sim_hw_driver cw__sim_drv_global_timer = {
	.tmpl = {
		.features = CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_ONESHOT |
			    CW_CLOCKEVENT_FEAT_PERCPU | CW_CLOCKEVENT_FEAT_PIPELINE,
		.set_next_event = gt_set_next_event,
		.set_state_shutdown = gt_shutdown,
		.set_state_periodic = gt_set_periodic,
		.set_state_oneshot = gt_shutdown,
		.set_state_oneshot_stopped = gt_shutdown,
		.tick_resume = gt_shutdown,
	},
	.isr = gt_isr,
	.cs_read = gt_cs_read,
};
