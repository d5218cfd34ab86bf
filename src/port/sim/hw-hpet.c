/* SPDX-License-Identifier: MIT */
/*
 * HPET model and its clock event driver.
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
 * Driver (Linux's hpet_clkevt_set_next_event shape): write counter + delta
 * to the comparator, then check that the counter has not reached it; one
 * global device per comparator (oneshot, and periodic on comparator 0),
 * never C3STOP, interrupt routable to any CPU: the broadcast device.
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-internal.h"

/** One comparator. */
struct hpet_cmp {
	/** Its clock event device. */
	struct cw_clock_event_device dev;
	/** "hpet.N". */
	char name[SIM_HW_DEV_NAME_MAX];
	/** Back pointer. */
	struct hpet *hpet;
	/** Comparator index. */
	unsigned index;
	/** Comparator value (counter width). */
	uint64_t cmp;
	/** Period added at each match in periodic mode. */
	uint64_t period;
	/** CW_SIM_HW_CTRL_*: ENABLE, IRQ (Tn_INT_ENB), PERIODIC (Tn_TYPE). */
	unsigned ctrl;
	/** Status bit. */
	bool flag;
	/** Unmasked count of the next match. */
	uint64_t target;
	/** The next match. */
	struct cw_sim_event ev;
};

/** The model. */
struct hpet {
	/** Base (first); base.clk is the main counter. */
	struct cw_sim_hw_timer base;
	/** Counter mask. */
	uint64_t mask;
	/** Comparators. */
	struct hpet_cmp c[];
};

static struct hpet *to_hpet(struct cw_sim_hw_timer *t)
{
	return (struct hpet *)t;
}

static void hpet_arm(struct hpet_cmp *c)
{
	struct hpet *h = c->hpet;
	uint64_t now = cw__sim_hw_count(&h->base);
	uint64_t target;

	cw_sim_event_cancel(h->base.hw->sim, &c->ev);
	if (!(c->ctrl & CW_SIM_HW_CTRL_ENABLE)) {
		return;
	}
	/* The next count whose low bits equal the comparator (equality match). */
	target = (now & ~h->mask) | (c->cmp & h->mask);
	if (target < now) {
		if (h->mask == UINT64_MAX) {
			return;
		}
		target += h->mask + 1;
	}
	c->target = target;
	cw_sim_event_schedule(h->base.hw->sim, &c->ev,
			      cw__sim_hw_clock_time_of(&h->base.clk, target));
}

static void hpet_match(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct hpet_cmp *c = ev->data;
	struct cw_sim_hw_timer *t = &c->hpet->base;

	(void)sim;
	c->flag = true;
	t->stats[c->index].interrupts++;
	if (c->ctrl & CW_SIM_HW_CTRL_IRQ) {
		cw_sim_hw_irq_raise(t->hw, (unsigned)t->p.irq + c->index, CW_SIM_HW_IRQ_AFFINITY);
	}
	if ((c->ctrl & CW_SIM_HW_CTRL_PERIODIC) && c->period) {
		/* The hardware accumulator: the next match is one period later, exactly. */
		c->cmp = (c->cmp + c->period) & c->hpet->mask;
		c->target += c->period;
		cw_sim_event_schedule(sim, &c->ev, cw__sim_hw_clock_time_of(&t->clk, c->target));
	} else {
		/* A oneshot match: the driver disarms nothing; the next wrap would match again. */
		c->ctrl &= ~CW_SIM_HW_CTRL_ENABLE;
	}
}

static struct hpet_cmp *dev_cmp(struct cw_clock_event_device *dev)
{
	return dev->driver_data;
}

static int hpet_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	struct hpet_cmp *c = dev_cmp(dev);
	struct hpet *h = c->hpet;
	uint64_t cnt = (cw__sim_hw_count(&h->base) + cycles) & h->mask;
	int64_t left;

	h->base.stats[c->index].programs++;
	c->ctrl = CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ;
	c->cmp = cnt;
	hpet_arm(c);
	/*
	 * The counter kept running while we wrote: if it is already at or
	 * past the comparator the match is a full wrap away. Say so.
	 */
	left = (int64_t)((cnt - cw__sim_hw_count(&h->base)) & h->mask);
	if (left < (int64_t)h->base.p.min_delta_ticks / 2) {
		h->base.stats[c->index].programmed_in_past++;
		return CW_ETIME;
	}
	return 0;
}

static int hpet_set_periodic(struct cw_clock_event_device *dev)
{
	struct hpet_cmp *c = dev_cmp(dev);
	struct hpet *h = c->hpet;
	uint64_t delta = cw__sim_hw_period_ticks(&h->base);

	h->base.stats[c->index].programs++;
	c->period = delta;
	c->cmp = (cw__sim_hw_count(&h->base) + delta) & h->mask;
	c->ctrl = CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ | CW_SIM_HW_CTRL_PERIODIC;
	hpet_arm(c);
	return 0;
}

static int hpet_shutdown(struct cw_clock_event_device *dev)
{
	struct hpet_cmp *c = dev_cmp(dev);

	c->ctrl = 0;
	hpet_arm(c);
	return 0;
}

static int hpet_set_irq_affinity(struct cw_clock_event_device *dev, unsigned cpu)
{
	return cw_sim_hw_irq_set_affinity(dev_cmp(dev)->hpet->base.hw, (unsigned)dev->irq, cpu);
}

static void hpet_irq(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	struct hpet_cmp *c = arg;

	(void)hw;
	(void)irq;
	(void)cpu;
	c->flag = false;
	cw_clockevents_handle_event(&c->dev);
}

static const struct cw_clock_event_device hpet_dev_tmpl = {
	/* Pipeline-ready: a channel routed to a CPU as its tick device can be proxied. */
	.features = CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_PIPELINE,
	.set_next_event = hpet_next_event,
	.set_state_shutdown = hpet_shutdown,
	.set_state_oneshot = hpet_shutdown,
	.set_state_oneshot_stopped = hpet_shutdown,
	.set_irq_affinity = hpet_set_irq_affinity,
};

static int hpet_init(struct cw_sim_hw_timer *t)
{
	struct hpet *h = to_hpet(t);
	int ret;

	h->mask = cw__sim_hw_mask(t->p.width_bits);
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct hpet_cmp *c = &h->c[i];

		c->hpet = h;
		c->index = i;
		cw_sim_event_init(&c->ev, hpet_match, c);
		cw__sim_hw_dev_init(t, i, &c->dev, c->name, &hpet_dev_tmpl, c);
		if (i == 0) {
			c->dev.features |= CW_CLOCKEVENT_FEAT_PERIODIC;
			c->dev.set_state_periodic = hpet_set_periodic;
		}
		ret = cw__sim_hw_timer_request_irq(t, 0, hpet_irq, c);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

static struct cw_sim_event *hpet_event(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_hpet(t)->c[index].ev;
}

static struct cw_clock_event_device *hpet_device(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_hpet(t)->c[index].dev;
}

static int hpet_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t *value)
{
	struct hpet *h = to_hpet(t);
	struct hpet_cmp *c = &h->c[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_count_masked(t);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = c->cmp;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = c->ctrl;
		return 0;
	case CW_SIM_HW_REG_STATUS:
		*value = c->flag;
		return 0;
	case CW_SIM_HW_REG_AUTOINC:
		*value = c->period;
		return 0;
	}
	return CW_ENOSYS;
}

static int hpet_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		      uint64_t value)
{
	struct hpet *h = to_hpet(t);
	struct hpet_cmp *c = &h->c[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		cw__sim_hw_clock_set(&t->clk, cw__sim_hw_now(t->hw), value & h->mask);
		for (unsigned i = 0; i < t->nr_devs; i++) {
			hpet_arm(&h->c[i]);
		}
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		c->cmp = value & h->mask;
		hpet_arm(c);
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		if ((value & CW_SIM_HW_CTRL_PERIODIC) && index != 0) {
			return CW_ENOSYS;
		}
		c->ctrl = (unsigned)value &
			  (CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ | CW_SIM_HW_CTRL_PERIODIC);
		hpet_arm(c);
		return 0;
	case CW_SIM_HW_REG_STATUS:
		if (value & 1) {
			c->flag = false;
		}
		return 0;
	case CW_SIM_HW_REG_AUTOINC:
		c->period = value & h->mask;
		return 0;
	}
	return CW_ENOSYS;
}

const struct sim_hw_timer_ops cw__sim_hw_hpet_ops = {
	.name = "hpet",
	.compatible = "intel,hpet",
	.freq_hz = 14318180,
	.width_bits = 32,
	.min_delta_ticks = 32, /* the machine files' value (Linux's driver: 128) */
	.max_delta_ticks = 0x7fffffff,
	.rating = 50,
	.irq = 2,
	.nr_channels = 3,
	.cs_rating = 250,
	.percpu = false,
	.size = sizeof(struct hpet),
	.dev_size = sizeof(struct hpet_cmp),
	.init = hpet_init,
	.event = hpet_event,
	.device = hpet_device,
	.cs_read = cw__sim_hw_count_cs_read,
	.read = hpet_read,
	.write = hpet_write,
};
