/* SPDX-License-Identifier: MIT */
/*
 * ARM architected (generic) timer model. Its driver: drv-arch-timer.c.
 *
 * Hardware: a system counter shared by every CPU (56 bits by default) and
 * per CPU a compare value CVAL with a control register: ENABLE, IMASK
 * (modelled as CW_SIM_HW_CTRL_IRQ = not masked) and the read-only ISTATUS
 * (ENABLE and counter >= CVAL). The interrupt is level-triggered: it is
 * asserted while ISTATUS is set and IMASK clear, so a handler that neither
 * masks nor moves CVAL is interrupted again at once (the end of interrupt
 * re-evaluates the level).
 *
 * Registers (struct sim_hw_chan): COUNTER the system counter (read-only,
 * masked to the width), COMPARE = CVAL, CONTROL = ENABLE | IRQ, STATUS =
 * ISTATUS (read-only). A deep idle state powers the CPU's timer down: a
 * pending event is lost, and ENABLE with it.
 */
#include <clockwork/sim_hw.h>

#include "port/sim/hw-internal.h"

static bool arch_istatus(const struct sim_hw_chan *ch)
{
	return (ch->ctrl & CW_SIM_HW_CTRL_ENABLE) && !ch->stopped &&
	       cw__sim_hw_chan_cycles(ch) >= ch->compare;
}

/* Re-evaluate the level: assert now, or schedule the time it will be. */
static void arch_eval(struct sim_hw_chan *ch)
{
	struct cw_sim_hw *hw = ch->t->hw;

	cw_sim_event_cancel(hw->sim, &ch->ev);
	if (!(ch->ctrl & CW_SIM_HW_CTRL_ENABLE) || ch->stopped) {
		return;
	}
	if (!arch_istatus(ch)) {
		cw_sim_event_schedule(hw->sim, &ch->ev,
				      cw__sim_hw_clock_time_of(ch->clk, ch->compare));
		return;
	}
	if (ch->ctrl & CW_SIM_HW_CTRL_IRQ) {
		cw__sim_hw_chan_raise(ch);
	}
}

static void arch_fire(struct sim_hw_chan *ch)
{
	ch->t->stats[ch->index].interrupts++;
	arch_eval(ch);
}

static int arch_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t *value)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_count_masked(t);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = ch->compare;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = ch->ctrl;
		return 0;
	case CW_SIM_HW_REG_STATUS:
		*value = arch_istatus(ch);
		return 0;
	default:
		return CW_ENOSYS;
	}
}

static int arch_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		      uint64_t value)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COMPARE:
		ch->compare = value;
		break;
	case CW_SIM_HW_REG_CONTROL:
		ch->ctrl = (unsigned)value & (CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ);
		break;
	default:
		return CW_ENOSYS;
	}
	arch_eval(ch);
	return 0;
}

static void arch_deep_idle(struct cw_sim_hw_timer *t, unsigned cpu, bool stop)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, cpu);

	ch->stopped = stop;
	if (stop) {
		if (cw_sim_event_cancel(t->hw->sim, &ch->ev)) {
			cw__sim_hw_lost_deep_idle(t, cpu);
		}
		return;
	}
	ch->ctrl = 0;
}

const struct sim_hw_timer_ops cw__sim_hw_arch_timer_ops = {
	.name = "arch_sys_timer",
	.freq_hz = 24000000,
	.width_bits = 56,
	.min_delta_ticks = 0xF,
	.max_delta_ticks = 0x7fffffff,
	.rating = 450,
	.irq = 30,
	.nr_channels = 1,
	.cs_rating = 400,
	.percpu = true,
	.chan_size = sizeof(struct sim_hw_chan),
	.fire = arch_fire,
	.eoi = arch_eval,
	.read = arch_read,
	.write = arch_write,
	.deep_idle = arch_deep_idle,
};
