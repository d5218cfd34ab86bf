/* SPDX-License-Identifier: MIT */
/*
 * Driver of the SH-TMU model (hw-tmu.c), in the shape of Linux's sh_tmu.c:
 * each channel is a global device (cpu = CW_CLOCKEVENT_ANY_CPU), periodic
 * and oneshot, whose interrupt can be routed to any CPU (set_irq_affinity).
 * Programming stops the channel, writes TCR (UNF cleared, UNIE set), TCOR
 * (the period, or all ones for oneshot so a late acknowledge cannot cause
 * an early second interrupt), TCNT, then starts it. With the clocksource
 * option the last channel runs free (TCOR = TCNT = all ones) and is read
 * inverted as an up-counter. Registers only (hw-driver.h).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-driver.h"

static uint64_t tmu_mask(const struct sim_hw_drv_dev *d)
{
	return sim_drv_mask(cw__sim_hw_drv_params(d->t)->width_bits);
}

static void tmu_set_next(struct sim_hw_drv_dev *d, uint64_t delta, bool periodic)
{
	/* Stop first: TCNT and TCOR must not be written while the channel counts. */
	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, CW_SIM_HW_CTRL_IRQ);
	sim_drv_write(d, CW_SIM_HW_REG_STATUS, 1);
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, periodic ? delta : tmu_mask(d));
	sim_drv_write(d, CW_SIM_HW_REG_COUNTER, delta);
	cw__sim_hw_drv_note_program(d, false);
	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ);
}

static int tmu_set_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	tmu_set_next(sim_drv_dev(dev), cycles, false);
	return 0;
}

static int tmu_set_periodic(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	tmu_set_next(d, cw__sim_hw_drv_period_ticks(d->t), true);
	return 0;
}

static int tmu_shutdown(struct cw_clock_event_device *dev)
{
	struct sim_hw_drv_dev *d = sim_drv_dev(dev);

	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, 0);
	sim_drv_write(d, CW_SIM_HW_REG_STATUS, 1);
	return 0;
}

static int tmu_set_irq_affinity(struct cw_clock_event_device *dev, unsigned cpu)
{
	return cw_sim_hw_irq_set_affinity(cw__sim_hw_drv_hw(sim_drv_dev(dev)->t),
					  (unsigned)dev->irq, cpu);
}

static void tmu_isr(struct sim_hw_drv_dev *d)
{
	if (!sim_drv_read(d, CW_SIM_HW_REG_STATUS)) {
		return;
	}
	/*
	 * Acknowledge: clear UNF. A oneshot channel keeps counting from the
	 * all-ones reload; its interrupt is disabled so the next underflow,
	 * 2^32 counts later, stays silent (sh_tmu writes TCR without UNIE).
	 */
	sim_drv_write(d, CW_SIM_HW_REG_STATUS, 1);
	if (sim_drv_read(d, CW_SIM_HW_REG_COMPARE) == tmu_mask(d)) {
		sim_drv_write(d, CW_SIM_HW_REG_CONTROL,
			      sim_drv_read(d, CW_SIM_HW_REG_CONTROL) &
				      ~(uint64_t)CW_SIM_HW_CTRL_IRQ);
	}
	cw_clockevents_handle_event(&d->dev);
}

/* The last channel runs free as the clocksource: TCOR = TCNT = all ones, started. */
static void tmu_setup(struct sim_hw_drv_dev *d)
{
	const struct cw_sim_hw_timer_params *p = cw__sim_hw_drv_params(d->t);

	if (!p->clocksource || d->index != cw_sim_hw_timer_nr_devices(d->t) - 1) {
		return;
	}
	d->no_dev = true;
	sim_drv_write(d, CW_SIM_HW_REG_COMPARE, tmu_mask(d));
	sim_drv_write(d, CW_SIM_HW_REG_COUNTER, tmu_mask(d));
	sim_drv_write(d, CW_SIM_HW_REG_CONTROL, CW_SIM_HW_CTRL_ENABLE);
}

static uint64_t tmu_cs_read(struct cw_clocksource *cs)
{
	struct cw_sim_hw_timer *t = cs->driver_data;
	unsigned last = cw_sim_hw_timer_nr_devices(t) - 1;

	return sim_drv_mask(cw__sim_hw_drv_params(t)->width_bits) -
	       cw__sim_hw_reg_read(t, last, CW_SIM_HW_REG_COUNTER);
}

const struct sim_hw_driver cw__sim_drv_tmu = {
	.tmpl = {
		.features = CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_ONESHOT,
		.set_next_event = tmu_set_next_event,
		.set_state_shutdown = tmu_shutdown,
		.set_state_periodic = tmu_set_periodic,
		.set_state_oneshot = tmu_shutdown,
		.set_state_oneshot_stopped = tmu_shutdown,
		.set_irq_affinity = tmu_set_irq_affinity,
	},
	.setup = tmu_setup,
	.isr = tmu_isr,
	.cs_read = tmu_cs_read,
};
