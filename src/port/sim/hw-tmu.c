/* SPDX-License-Identifier: MIT */
/*
 * SH-TMU timer unit model. Its driver: drv-tmu.c.
 *
 * Hardware: nr_channels 32-bit channels, each a down-counter TCNT with a
 * constant register TCOR, a start bit (TSTR) and a control register TCR
 * with the underflow flag UNF and its interrupt enable UNIE. A running
 * channel counts TCNT down; when it reaches 0 it underflows: UNF is set,
 * the channel's interrupt is raised if UNIE is set, and TCNT reloads from
 * TCOR, so the period is TCOR counts. Reloads are exact in counts.
 *
 * Registers (struct sim_hw_chan, down-counting, always reloading): COUNTER
 * = TCNT (a write loads it), COMPARE = TCOR, CONTROL: ENABLE = TSTR (a
 * write starts or stops the channel), IRQ = UNIE, PERIODIC always set;
 * STATUS = UNF (write 1 to clear).
 */
#include <clockwork/sim_hw.h>

#include "port/sim/hw-internal.h"

static uint64_t tmu_mask(const struct sim_hw_chan *ch)
{
	return cw__sim_hw_mask(ch->t->p.width_bits);
}

static void tmu_underflow(struct sim_hw_chan *ch)
{
	struct cw_sim_hw_timer *t = ch->t;

	t->stats[ch->index].wraps++;
	if (ch->ctrl & CW_SIM_HW_CTRL_IRQ) {
		t->stats[ch->index].interrupts++;
		cw__sim_hw_chan_raise(ch);
	}
}

static int tmu_setup(struct cw_sim_hw_timer *t)
{
	/* Every channel reloads from TCOR at underflow. */
	for (unsigned i = 0; i < t->nr_devs; i++) {
		cw__sim_hw_chan(t, i)->ctrl = CW_SIM_HW_CTRL_PERIODIC;
	}
	return 0;
}

static int tmu_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		    uint64_t *value)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_dc_count(ch);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = ch->compare;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = ch->ctrl;
		return 0;
	case CW_SIM_HW_REG_STATUS:
		*value = ch->flag;
		return 0;
	default:
		return CW_ENOSYS;
	}
}

static int tmu_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t value)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		cw__sim_hw_dc_load(ch, value & tmu_mask(ch));
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		ch->compare = value & tmu_mask(ch);
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		ch->ctrl =
			(ch->ctrl & ~CW_SIM_HW_CTRL_IRQ) | ((unsigned)value & CW_SIM_HW_CTRL_IRQ);
		if (value & CW_SIM_HW_CTRL_ENABLE) {
			cw__sim_hw_dc_start(ch);
		} else {
			cw__sim_hw_dc_stop(ch);
		}
		return 0;
	case CW_SIM_HW_REG_STATUS:
		if (value & 1) {
			ch->flag = false;
		}
		return 0;
	default:
		return CW_ENOSYS;
	}
}

const struct sim_hw_timer_ops cw__sim_hw_tmu_ops = {
	.name = "tmu",
	.freq_hz = 12500000,
	.width_bits = 32,
	.min_delta_ticks = 1, /* the machine files' value (Linux's sh_tmu: 0x300) */
	.max_delta_ticks = 0xffffffff,
	.rating = 200,
	.irq = 40,
	.nr_channels = 3,
	.cs_rating = 200,
	.percpu = false,
	.down_counter = true,
	.chan_size = sizeof(struct sim_hw_chan),
	.setup = tmu_setup,
	.fire = tmu_underflow,
	.read = tmu_read,
	.write = tmu_write,
};
