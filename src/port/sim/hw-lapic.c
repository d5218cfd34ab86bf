/* SPDX-License-Identifier: MIT */
/*
 * Local APIC timer model. Its driver: drv-lapic.c.
 *
 * Hardware: per CPU a 32-bit down-counter. Writing the initial-count
 * register loads the current count and starts it (0 stops it); at 0 the
 * LVT timer entry raises the CPU's timer vector unless masked; in periodic
 * mode the count reloads from the initial count. The vector is
 * edge-triggered: taking it acknowledges it. The timer sits in the CPU's
 * power domain: in a deep C-state it stops and its count is lost
 * (CW_CLOCKEVENT_FEAT_C3STOP, always on for this model), which is why x86
 * needs the HPET as broadcast device.
 *
 * Registers (struct sim_hw_chan, down-counting): COUNTER the current count
 * (read-only), COMPARE the initial count (a write loads and starts, 0
 * stops), CONTROL = the LVT entry: IRQ (not masked) and PERIODIC are
 * written, ENABLE (counting) is read-only.
 */
#include <clockwork/sim_hw.h>

#include "port/sim/hw-internal.h"

static void lapic_underflow(struct sim_hw_chan *ch)
{
	struct cw_sim_hw_timer *t = ch->t;

	t->stats[ch->index].wraps++;
	if (ch->ctrl & CW_SIM_HW_CTRL_IRQ) {
		t->stats[ch->index].interrupts++;
		cw__sim_hw_chan_raise(ch);
	}
}

/* Write the initial-count register: loads the count and starts (0 stops). */
static void lapic_write_tmict(struct sim_hw_chan *ch, uint64_t count)
{
	ch->compare = count;
	if (count == 0) {
		cw__sim_hw_dc_stop(ch);
		ch->load_val = 0;
		return;
	}
	ch->ctrl |= CW_SIM_HW_CTRL_ENABLE;
	cw__sim_hw_dc_load(ch, count);
}

static int lapic_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
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
	default:
		return CW_ENOSYS;
	}
}

static int lapic_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		       uint64_t value)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COMPARE:
		lapic_write_tmict(ch, value & cw__sim_hw_mask(t->p.width_bits));
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		ch->ctrl = (ch->ctrl & CW_SIM_HW_CTRL_ENABLE) |
			   ((unsigned)value & (CW_SIM_HW_CTRL_IRQ | CW_SIM_HW_CTRL_PERIODIC));
		return 0;
	default:
		return CW_ENOSYS;
	}
}

/* A deep C-state powers the timer down: the count and any pending interrupt are lost. */
static void lapic_deep_idle(struct cw_sim_hw_timer *t, unsigned cpu, bool stop)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, cpu);

	if (!stop) {
		return;
	}
	if ((ch->ctrl & CW_SIM_HW_CTRL_ENABLE) && (ch->ctrl & CW_SIM_HW_CTRL_IRQ) && ch->load_val) {
		cw__sim_hw_lost_deep_idle(t, cpu);
	}
	cw__sim_hw_dc_stop(ch);
	ch->load_val = 0;
}

const struct sim_hw_timer_ops cw__sim_hw_lapic_ops = {
	.name = "lapic",
	.freq_hz = 100000000,
	.width_bits = 32,
	.min_delta_ticks = 0xF,
	.max_delta_ticks = 0xffffffff,
	.rating = 100,
	.irq = 236,
	.nr_channels = 1,
	.percpu = true,
	/* In the CPU's power domain: it always stops in deep C-states. */
	.c3stop = true,
	.down_counter = true,
	.edge = true,
	.chan_size = sizeof(struct sim_hw_chan),
	.fire = lapic_underflow,
	.read = lapic_read,
	.write = lapic_write,
	.deep_idle = lapic_deep_idle,
};
