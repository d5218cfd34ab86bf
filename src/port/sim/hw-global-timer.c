/* SPDX-License-Identifier: MIT */
/*
 * ARM Cortex-A9 global timer model. Its driver: drv-global-timer.c.
 *
 * Hardware: one 64-bit up-counter shared by every CPU, and per CPU a banked
 * comparator with a control register (comparator enable, interrupt enable,
 * auto-increment) and an event flag. When the counter reaches the
 * comparator (counter >= compare, so a comparator written in the past
 * matches at once) the flag is set and the CPU's private interrupt (PPI)
 * raised; with auto-increment the comparator then advances by the
 * auto-increment value, which is how the timer runs periodically. Writing 1
 * to the status register clears the flag.
 *
 * Erratum 740657 (seed 001; Cortex-A9 r2p0 and later compare with >=):
 * with auto-increment off, clearing the flag while the comparator is
 * enabled and counter >= compare still holds sets it again, and the
 * interrupt fires again for the same event. The condition is re-evaluated
 * at every clear, so it is not "one extra interrupt": each acknowledge of
 * the re-asserted flag re-asserts it once more, for as long as the
 * comparator stays where it matched. Linux's driver sees two interrupts
 * per event only because its event handler moves the comparator (the next
 * set_next_event) right after the clear. The documented acknowledge
 * therefore moves (disables) the comparator before clearing the flag, "if
 * the device is oneshot"; with auto-increment the comparator has already
 * advanced at the match and nothing re-asserts.
 *
 * Under the proxy tick device the core sees the real device RESERVED,
 * never ONESHOT, while the proxy drives it in oneshot mode; the oob
 * handler relays the in-band tick and, with no oob timer queued, leaves
 * the hardware alone (as EVL does): only the in-band side, through the
 * proxy, moves the comparator, once its relayed interrupt runs. A driver
 * that tests "oneshot" without "or oob" (clear_order = oneshot_only)
 * therefore storms while the in-band stage is stalled (every re-assertion
 * is an oob interrupt, one interrupt latency after the last) and takes one
 * spurious interrupt per event otherwise; the adapted driver takes none
 * (scenarios proxy-erratum-*). On a board the re-assertion comes back as
 * soon as the handler returns and the in-band side never gets to move the
 * comparator: the lock-up seed 001 warns about.
 *
 * Counters: spurious (re-assertions), spurious_max (the most for one
 * event: the longest storm). The model bounds a storm at storm_limit
 * back-to-back re-assertions: it then stops re-asserting (the line is
 * treated as masked until the next real match), logs it and counts it
 * (storms); without an interrupt latency a storm would otherwise spin at
 * one instant of virtual time.
 *
 * Registers (struct sim_hw_chan, a bank per CPU): COUNTER the shared
 * counter (a write moves every bank's next match), COMPARE, CONTROL =
 * ENABLE (comparator) | IRQ | PERIODIC (auto-increment; unmasking with the
 * flag set raises the pending interrupt), STATUS the event flag (write 1
 * to clear, with the erratum), AUTOINC.
 */
#include <clockwork/sim_hw.h>

#include "port/sim/hw-internal.h"

/** One CPU's bank. */
struct gt_bank {
	/** The channel (first): comparator, control, flag, event. */
	struct sim_hw_chan ch;
	/** Re-assertions since the last real match (storm detection). */
	unsigned back_to_back;
	/** A storm was stopped: no re-assertion until the next real match. */
	bool storm_masked;
};

static struct gt_bank *gt_bank(struct cw_sim_hw_timer *t, unsigned cpu)
{
	return (struct gt_bank *)cw__sim_hw_chan(t, cpu);
}

static void gt_set_flag(struct gt_bank *b)
{
	b->ch.flag = true;
	if (b->ch.ctrl & CW_SIM_HW_CTRL_IRQ) {
		cw__sim_hw_chan_raise(&b->ch);
	}
}

/* Schedule the next match of @b from its registers. */
static void gt_arm(struct gt_bank *b)
{
	struct cw_sim *sim = b->ch.t->hw->sim;

	cw_sim_event_cancel(sim, &b->ch.ev);
	if (!(b->ch.ctrl & CW_SIM_HW_CTRL_ENABLE) || b->ch.stopped) {
		return;
	}
	/* counter >= compare: a comparator in the past matches at once. */
	cw_sim_event_schedule(sim, &b->ch.ev, cw__sim_hw_clock_time_of(b->ch.clk, b->ch.compare));
}

static void gt_match(struct sim_hw_chan *ch)
{
	struct gt_bank *b = (struct gt_bank *)ch;

	ch->t->stats[ch->index].interrupts++;
	b->back_to_back = 0;
	b->storm_masked = false;
	if (ch->ctrl & CW_SIM_HW_CTRL_PERIODIC) {
		ch->compare += ch->autoinc;
		gt_set_flag(b);
		if (ch->autoinc) {
			gt_arm(b);
		}
		return;
	}
	gt_set_flag(b);
}

/* Write 1 to the status register: clear the event flag (with the erratum). */
static void gt_clear_flag(struct gt_bank *b)
{
	struct cw_sim_hw_timer *t = b->ch.t;
	struct cw_sim_hw_timer_stats *st = &t->stats[b->ch.index];
	char name[SIM_HW_DEV_NAME_MAX];

	b->ch.flag = false;
	if (!t->p.erratum || !(b->ch.ctrl & CW_SIM_HW_CTRL_ENABLE) ||
	    cw__sim_hw_chan_cycles(&b->ch) < b->ch.compare || b->storm_masked || b->ch.stopped) {
		return;
	}
	/* Erratum 740657: the flag comes back for the same event. */
	st->spurious++;
	if (++b->back_to_back > st->spurious_max) {
		st->spurious_max = b->back_to_back;
	}
	if (b->back_to_back >= t->p.storm_limit) {
		b->storm_masked = true;
		st->storms++;
		cw__sim_hw_dev_name(t, b->ch.index, name, sizeof(name));
		cw__sim_hw_log(t->hw, CW_LOG_WARNING,
			       "%s: interrupt storm on CPU %u (%u re-assertions), masked", name,
			       b->ch.index, b->back_to_back);
		return;
	}
	gt_set_flag(b);
}

static void gt_write_ctrl(struct gt_bank *b, unsigned ctrl)
{
	bool irq_on = !(b->ch.ctrl & CW_SIM_HW_CTRL_IRQ) && (ctrl & CW_SIM_HW_CTRL_IRQ);

	b->ch.ctrl = ctrl;
	gt_arm(b);
	/* Unmasking with the flag set raises the pending interrupt. */
	if (irq_on && b->ch.flag) {
		cw__sim_hw_chan_raise(&b->ch);
	}
}

static int gt_setup(struct cw_sim_hw_timer *t)
{
	return t->p.width_bits != 64 ? CW_EINVAL : 0;
}

static int gt_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		   uint64_t *value)
{
	struct gt_bank *b = gt_bank(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_count(t);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = b->ch.compare;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = b->ch.ctrl;
		return 0;
	case CW_SIM_HW_REG_STATUS:
		*value = b->ch.flag;
		return 0;
	case CW_SIM_HW_REG_AUTOINC:
		*value = b->ch.autoinc;
		return 0;
	}
	return CW_ENOSYS;
}

static int gt_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		    uint64_t value)
{
	struct gt_bank *b = gt_bank(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		/* The counter is shared: writing it moves every bank's next match. */
		cw__sim_hw_clock_set(&t->clk, cw__sim_hw_now(t->hw), value);
		for (unsigned i = 0; i < t->nr_devs; i++) {
			gt_arm(gt_bank(t, i));
		}
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		b->ch.compare = value;
		gt_arm(b);
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		gt_write_ctrl(b, (unsigned)value & (CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ |
						    CW_SIM_HW_CTRL_PERIODIC));
		return 0;
	case CW_SIM_HW_REG_STATUS:
		if (value & 1) {
			gt_clear_flag(b);
		}
		return 0;
	case CW_SIM_HW_REG_AUTOINC:
		b->ch.autoinc = value;
		return 0;
	}
	return CW_ENOSYS;
}

/* A deep state powers the bank down: a pending match is lost, the registers with it. */
static void gt_deep_idle(struct cw_sim_hw_timer *t, unsigned cpu, bool stop)
{
	struct gt_bank *b = gt_bank(t, cpu);

	b->ch.stopped = stop;
	if (stop) {
		if (cw_sim_event_cancel(t->hw->sim, &b->ch.ev)) {
			cw__sim_hw_lost_deep_idle(t, cpu);
		}
		return;
	}
	b->ch.ctrl = 0;
	b->ch.flag = false;
}

const struct sim_hw_timer_ops cw__sim_hw_global_timer_ops = {
	.name = "arm_global_timer",
	.freq_hz = 100000000,
	.width_bits = 64,
	.min_delta_ticks = 1,
	.max_delta_ticks = 0xffffffff,
	.rating = 300,
	.irq = 27,
	.nr_channels = 1,
	.cs_rating = 300,
	.percpu = true,
	.chan_size = sizeof(struct gt_bank),
	.setup = gt_setup,
	.fire = gt_match,
	.read = gt_read,
	.write = gt_write,
	.deep_idle = gt_deep_idle,
};
