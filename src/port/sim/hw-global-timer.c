/* SPDX-License-Identifier: MIT */
/*
 * ARM Cortex-A9 global timer model and its clock event driver.
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
 * Driver: per-CPU devices, oneshot and periodic (auto-increment), C3STOP as
 * configured, in the shape of Linux's arm_global_timer.c: program by
 * disabling the comparator, writing compare = counter + delta (and the
 * auto-increment), then enabling. Adapted to the interrupt pipeline
 * (FEAT_PIPELINE, cw_clockevents_handle_event()); the acknowledge tests
 * "oob or oneshot" before moving the comparator (seed 001).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-internal.h"

/** One CPU's bank. */
struct gt_bank {
	/** The CPU's clock event device. */
	struct cw_clock_event_device dev;
	/** Its name ("arm_global_timer.N"). */
	char name[SIM_HW_DEV_NAME_MAX];
	/** Back pointer. */
	struct gt *gt;
	/** CPU index. */
	unsigned cpu;
	/** Comparator (64 bits). */
	uint64_t compare;
	/** Auto-increment value. */
	uint64_t autoinc;
	/** CW_SIM_HW_CTRL_* bits: ENABLE = comparator enable, IRQ, PERIODIC = auto-increment. */
	unsigned ctrl;
	/** Event flag. */
	bool flag;
	/** Stopped by a deep idle state. */
	bool stopped;
	/** Re-assertions since the last real match (storm detection). */
	unsigned back_to_back;
	/** A storm was stopped: no re-assertion until the next real match. */
	bool storm_masked;
	/** The next match. */
	struct cw_sim_event ev;
};

/** The model. */
struct gt {
	/** Base (first); base.clk is the shared counter. */
	struct cw_sim_hw_timer base;
	/** Banks, one per CPU. */
	struct gt_bank banks[];
};

static struct gt *to_gt(struct cw_sim_hw_timer *t)
{
	return (struct gt *)t;
}

/* ---------------------------------------------------------------------- */
/* Hardware */

static void gt_set_flag(struct gt_bank *b)
{
	struct cw_sim_hw *hw = b->gt->base.hw;

	b->flag = true;
	if (b->ctrl & CW_SIM_HW_CTRL_IRQ) {
		cw_sim_hw_irq_raise(hw, (unsigned)b->gt->base.p.irq, (int)b->cpu);
	}
}

/* Schedule the next match of @b from its registers. */
static void gt_arm(struct gt_bank *b)
{
	struct gt *gt = b->gt;
	struct cw_sim *sim = gt->base.hw->sim;

	cw_sim_event_cancel(sim, &b->ev);
	if (!(b->ctrl & CW_SIM_HW_CTRL_ENABLE) || b->stopped) {
		return;
	}
	/* counter >= compare: a comparator in the past matches at once. */
	cw_sim_event_schedule(sim, &b->ev, cw__sim_hw_clock_time_of(&gt->base.clk, b->compare));
}

static void gt_match(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct gt_bank *b = ev->data;
	struct cw_sim_hw_timer_stats *st = &b->gt->base.stats[b->cpu];

	(void)sim;
	st->interrupts++;
	b->back_to_back = 0;
	b->storm_masked = false;
	if (b->ctrl & CW_SIM_HW_CTRL_PERIODIC) {
		b->compare += b->autoinc;
		gt_set_flag(b);
		if (b->autoinc) {
			gt_arm(b);
		}
		return;
	}
	gt_set_flag(b);
}

/* Write 1 to the status register: clear the event flag (with the erratum). */
static void gt_clear_flag(struct gt_bank *b)
{
	struct gt *gt = b->gt;
	struct cw_sim_hw_timer_stats *st = &gt->base.stats[b->cpu];

	b->flag = false;
	if (!gt->base.p.erratum || !(b->ctrl & CW_SIM_HW_CTRL_ENABLE) ||
	    cw__sim_hw_count(&gt->base) < b->compare || b->storm_masked || b->stopped) {
		return;
	}
	/* Erratum 740657: the flag comes back for the same event. */
	st->spurious++;
	if (++b->back_to_back > st->spurious_max) {
		st->spurious_max = b->back_to_back;
	}
	if (b->back_to_back >= gt->base.p.storm_limit) {
		b->storm_masked = true;
		st->storms++;
		cw__sim_hw_log(gt->base.hw, CW_LOG_WARNING,
			       "%s: interrupt storm on CPU %u (%u re-assertions), masked", b->name,
			       b->cpu, b->back_to_back);
		return;
	}
	gt_set_flag(b);
}

static void gt_write_ctrl(struct gt_bank *b, unsigned ctrl)
{
	bool irq_on = !(b->ctrl & CW_SIM_HW_CTRL_IRQ) && (ctrl & CW_SIM_HW_CTRL_IRQ);

	b->ctrl = ctrl;
	gt_arm(b);
	/* Unmasking with the flag set raises the pending interrupt. */
	if (irq_on && b->flag) {
		cw_sim_hw_irq_raise(b->gt->base.hw, (unsigned)b->gt->base.p.irq, (int)b->cpu);
	}
}

/* ---------------------------------------------------------------------- */
/* Driver */

static struct gt_bank *dev_bank(struct cw_clock_event_device *dev)
{
	return dev->driver_data;
}

/*
 * Program the comparator: disable it first so a half-written compare can
 * never match, then compare = counter + delta, then enable.
 */
static void gt_compare_set(struct gt_bank *b, uint64_t delta, bool periodic)
{
	unsigned ctrl =
		b->ctrl & ~(CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ | CW_SIM_HW_CTRL_PERIODIC);

	gt_write_ctrl(b, ctrl);
	b->compare = cw__sim_hw_count(&b->gt->base) + delta;
	if (periodic) {
		b->autoinc = delta;
		ctrl |= CW_SIM_HW_CTRL_PERIODIC;
	}
	b->gt->base.stats[b->cpu].programs++;
	gt_write_ctrl(b, ctrl | CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ);
}

static int gt_set_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	gt_compare_set(dev_bank(dev), cycles, false);
	return 0;
}

static int gt_set_periodic(struct cw_clock_event_device *dev)
{
	struct gt_bank *b = dev_bank(dev);

	gt_compare_set(b, cw__sim_hw_period_ticks(&b->gt->base), true);
	return 0;
}

static int gt_shutdown(struct cw_clock_event_device *dev)
{
	struct gt_bank *b = dev_bank(dev);

	gt_write_ctrl(b, b->ctrl & ~(CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ |
				     CW_SIM_HW_CTRL_PERIODIC));
	return 0;
}

static void gt_irq(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	struct gt *gt = arg;
	struct gt_bank *b = &gt->banks[cpu];

	(void)hw;
	(void)irq;
	if (!b->flag) {
		return;
	}
	if (gt->base.p.clear_order == CW_SIM_HW_CLEAR_FLAG_FIRST) {
		/*
		 * The buggy order: clear, and leave the comparator to the core.
		 * With erratum 740657 the flag is already back at this point.
		 */
		gt_clear_flag(b);
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
		enum cw_clockevent_state st = cw_clockevent_get_state(&b->dev);
		bool oob = gt->base.p.clear_order != CW_SIM_HW_CLEAR_ONESHOT_ONLY &&
			   cw_clockevent_is_oob(&b->dev);
		bool hw_oneshot = !(b->ctrl & CW_SIM_HW_CTRL_PERIODIC);

		if (oob || st == CW_CLOCKEVENT_STATE_ONESHOT ||
		    (st == CW_CLOCKEVENT_STATE_DETACHED && hw_oneshot)) {
			gt_write_ctrl(b, b->ctrl & ~CW_SIM_HW_CTRL_ENABLE);
		}
		gt_clear_flag(b);
	}
	cw_clockevents_handle_event(&b->dev);
}

/* ---------------------------------------------------------------------- */
/* Model operations */

static const struct cw_clock_event_device gt_dev_tmpl = {
	.features = CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_ONESHOT |
		    CW_CLOCKEVENT_FEAT_PERCPU | CW_CLOCKEVENT_FEAT_PIPELINE,
	.set_next_event = gt_set_next_event,
	.set_state_shutdown = gt_shutdown,
	.set_state_periodic = gt_set_periodic,
	.set_state_oneshot = gt_shutdown,
	.set_state_oneshot_stopped = gt_shutdown,
	.tick_resume = gt_shutdown,
};

static int gt_init(struct cw_sim_hw_timer *t)
{
	struct gt *gt = to_gt(t);

	if (t->p.width_bits != 64) {
		return CW_EINVAL;
	}
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct gt_bank *b = &gt->banks[i];

		b->gt = gt;
		b->cpu = i;
		cw_sim_event_init(&b->ev, gt_match, b);
		b->ev.cpu = i;
		cw__sim_hw_dev_init(t, i, &b->dev, b->name, &gt_dev_tmpl, b);
	}
	return cw__sim_hw_timer_request_irq(t, CW_SIM_HW_IRQ_PERCPU, gt_irq, gt);
}

static struct cw_sim_event *gt_event(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_gt(t)->banks[index].ev;
}

static struct cw_clock_event_device *gt_device(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_gt(t)->banks[index].dev;
}

static int gt_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		   uint64_t *value)
{
	struct gt_bank *b = &to_gt(t)->banks[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_count(t);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = b->compare;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = b->ctrl;
		return 0;
	case CW_SIM_HW_REG_STATUS:
		*value = b->flag;
		return 0;
	case CW_SIM_HW_REG_AUTOINC:
		*value = b->autoinc;
		return 0;
	}
	return CW_ENOSYS;
}

static int gt_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		    uint64_t value)
{
	struct gt *gt = to_gt(t);
	struct gt_bank *b = &gt->banks[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		/* The counter is shared: writing it moves every bank's next match. */
		cw__sim_hw_clock_set(&t->clk, cw__sim_hw_now(t->hw), value);
		for (unsigned i = 0; i < t->nr_devs; i++) {
			gt_arm(&gt->banks[i]);
		}
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		b->compare = value;
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
		b->autoinc = value;
		return 0;
	}
	return CW_ENOSYS;
}

/* A deep state powers the bank down: a pending match is lost, the registers with it. */
static void gt_deep_idle(struct cw_sim_hw_timer *t, unsigned cpu, bool stop)
{
	struct gt_bank *b = &to_gt(t)->banks[cpu];

	b->stopped = stop;
	if (stop) {
		if (cw_sim_event_cancel(t->hw->sim, &b->ev)) {
			cw__sim_hw_lost_deep_idle(t, cpu);
		}
		return;
	}
	b->ctrl = 0;
	b->flag = false;
}

const struct sim_hw_timer_ops cw__sim_hw_global_timer_ops = {
	.name = "arm_global_timer",
	.compatible = "arm,cortex-a9-global-timer",
	.freq_hz = 100000000,
	.width_bits = 64,
	.min_delta_ticks = 1,
	.max_delta_ticks = 0xffffffff,
	.rating = 300,
	.irq = 27,
	.nr_channels = 1,
	.cs_rating = 300,
	.percpu = true,
	.size = sizeof(struct gt),
	.dev_size = sizeof(struct gt_bank),
	.init = gt_init,
	.event = gt_event,
	.device = gt_device,
	.cs_read = cw__sim_hw_count_cs_read,
	.read = gt_read,
	.write = gt_write,
	.deep_idle = gt_deep_idle,
};
