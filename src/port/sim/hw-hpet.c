/* SPDX-License-Identifier: MIT */
/*
 * HPET model. Its driver: drv-hpet.c.
 *
 * Hardware: one up-counter (32 bits by default) in an always-on domain and
 * nr_channels comparators. A comparator matches when the counter EQUALS it
 * (not ">="): a comparator written behind the counter matches only after
 * the counter wraps, 300 s later at 14.318 MHz. That is the HPET's classic
 * hazard, and why Linux's driver re-reads the counter after writing the
 * comparator and returns -ETIME when it is already too close. A match sets
 * the comparator's status bit and raises its interrupt. Comparator 0 can
 * run periodic: on each match the hardware adds the period to it.
 *
 * Registers (struct sim_hw_chan): COUNTER the main counter (a write moves
 * every comparator's next match), COMPARE the comparator, CONTROL = ENABLE
 * | IRQ (Tn_INT_ENB) | PERIODIC (Tn_TYPE, comparator 0 only), STATUS the
 * status bit (write 1 to clear), AUTOINC the period.
 */
#include <clockwork/sim_hw.h>

#include "port/sim/hw-internal.h"

/** One comparator. */
struct hpet_cmp {
	/** The channel (first). */
	struct sim_hw_chan ch;
	/** Unmasked count of the next match. */
	uint64_t target;
};

static uint64_t hpet_mask(const struct cw_sim_hw_timer *t)
{
	return cw__sim_hw_mask(t->p.width_bits);
}

static void hpet_arm(struct hpet_cmp *c)
{
	struct cw_sim_hw_timer *t = c->ch.t;
	uint64_t mask = hpet_mask(t);
	uint64_t now = cw__sim_hw_chan_cycles(&c->ch);
	uint64_t target;

	cw_sim_event_cancel(t->hw->sim, &c->ch.ev);
	if (!(c->ch.ctrl & CW_SIM_HW_CTRL_ENABLE)) {
		return;
	}
	/* The next count whose low bits equal the comparator (equality match). */
	target = (now & ~mask) | (c->ch.compare & mask);
	if (target < now) {
		if (mask == UINT64_MAX) {
			return;
		}
		target += mask + 1;
	}
	c->target = target;
	cw_sim_event_schedule(t->hw->sim, &c->ch.ev, cw__sim_hw_clock_time_of(c->ch.clk, target));
}

static void hpet_match(struct sim_hw_chan *ch)
{
	struct hpet_cmp *c = (struct hpet_cmp *)ch;
	struct cw_sim_hw_timer *t = ch->t;

	ch->flag = true;
	t->stats[ch->index].interrupts++;
	if (ch->ctrl & CW_SIM_HW_CTRL_IRQ) {
		cw__sim_hw_chan_raise(ch);
	}
	if ((ch->ctrl & CW_SIM_HW_CTRL_PERIODIC) && ch->autoinc) {
		/* The hardware accumulator: the next match is one period later, exactly. */
		ch->compare = (ch->compare + ch->autoinc) & hpet_mask(t);
		c->target += ch->autoinc;
		cw_sim_event_schedule(t->hw->sim, &ch->ev,
				      cw__sim_hw_clock_time_of(ch->clk, c->target));
	} else {
		/* A oneshot match: the driver disarms nothing; the next wrap would match again. */
		ch->ctrl &= ~CW_SIM_HW_CTRL_ENABLE;
	}
}

static int hpet_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
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
		*value = ch->flag;
		return 0;
	case CW_SIM_HW_REG_AUTOINC:
		*value = ch->autoinc;
		return 0;
	}
	return CW_ENOSYS;
}

static int hpet_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		      uint64_t value)
{
	struct hpet_cmp *c = (struct hpet_cmp *)cw__sim_hw_chan(t, index);
	uint64_t mask = hpet_mask(t);

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		cw__sim_hw_clock_set(&t->clk, cw__sim_hw_now(t->hw), value & mask);
		for (unsigned i = 0; i < t->nr_devs; i++) {
			hpet_arm((struct hpet_cmp *)cw__sim_hw_chan(t, i));
		}
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		c->ch.compare = value & mask;
		hpet_arm(c);
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		if ((value & CW_SIM_HW_CTRL_PERIODIC) && index != 0) {
			return CW_ENOSYS;
		}
		c->ch.ctrl = (unsigned)value &
			     (CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ | CW_SIM_HW_CTRL_PERIODIC);
		hpet_arm(c);
		return 0;
	case CW_SIM_HW_REG_STATUS:
		if (value & 1) {
			c->ch.flag = false;
		}
		return 0;
	case CW_SIM_HW_REG_AUTOINC:
		c->ch.autoinc = value & mask;
		return 0;
	}
	return CW_ENOSYS;
}

const struct sim_hw_timer_ops cw__sim_hw_hpet_ops = {
	.name = "hpet",
	.freq_hz = 14318180,
	.width_bits = 32,
	.min_delta_ticks = 32, /* the machine files' value (Linux's driver: 128) */
	.max_delta_ticks = 0x7fffffff,
	.rating = 50,
	.irq = 2,
	.nr_channels = 3,
	.cs_rating = 250,
	.percpu = false,
	.chan_size = sizeof(struct hpet_cmp),
	.fire = hpet_match,
	.read = hpet_read,
	.write = hpet_write,
};
