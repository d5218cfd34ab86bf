/* SPDX-License-Identifier: MIT */
/*
 * SH-TMU timer unit model and its clock event driver, plus the down-counter
 * every down-counting model uses (TMU channels, the LAPIC timer, the PIT).
 *
 * Hardware: nr_channels 32-bit channels, each a down-counter TCNT with a
 * constant register TCOR, a start bit (TSTR) and a control register TCR
 * with the underflow flag UNF and its interrupt enable UNIE. A running
 * channel counts TCNT down; when it reaches 0 it underflows: UNF is set,
 * the channel's interrupt is raised if UNIE is set, and TCNT reloads from
 * TCOR, so the period is TCOR counts. Reloads are exact in counts.
 *
 * Driver (the shape of Linux's sh_tmu.c): each channel is a global device
 * (cpu = CW_CLOCKEVENT_ANY_CPU), periodic and oneshot, whose interrupt can
 * be routed to any CPU (set_irq_affinity). Programming stops the channel,
 * writes TCR (UNF cleared, UNIE set), TCOR (the period, or all ones for
 * oneshot so a late acknowledge cannot cause an early second interrupt),
 * TCNT, then starts it. With the clocksource option the last channel runs
 * free (TCOR = TCNT = all ones) and is read inverted as an up-counter.
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-internal.h"

#include <string.h>

/* ---------------------------------------------------------------------- */
/* Down-counter */

static void dc_arm(struct sim_hw_dc *dc)
{
	struct cw_sim *sim = dc->hw->sim;

	cw_sim_event_cancel(sim, &dc->ev);
	if (!dc->running || dc->stopped || dc->load_val == 0) {
		return;
	}
	cw_sim_event_schedule(sim, &dc->ev,
			      cw__sim_hw_clock_time_of(&dc->clk, dc->load_cycle + dc->load_val));
}

static uint64_t dc_cycles(const struct sim_hw_dc *dc)
{
	return cw__sim_hw_clock_cycles(&dc->clk, cw__sim_hw_now(dc->hw));
}

static void dc_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct sim_hw_dc *dc = ev->data;

	(void)sim;
	dc->flag = true;
	if (dc->autoreload && dc->reload) {
		/* Reload at the exact underflow count, not at "now": no drift. */
		dc->load_cycle += dc->load_val;
		dc->load_val = dc->reload;
		dc_arm(dc);
	} else {
		dc->running = false;
		dc->load_val = 0;
	}
	dc->underflow(dc);
}

void cw__sim_hw_dc_init(struct sim_hw_dc *dc, struct cw_sim_hw *hw, uint64_t freq_hz,
			int64_t drift_ppb, sim_hw_dc_fn underflow, void *data)
{
	memset(dc, 0, sizeof(*dc));
	dc->hw = hw;
	cw__sim_hw_clock_init(&dc->clk, cw__sim_hw_now(hw), 0, freq_hz, drift_ppb);
	cw_sim_event_init(&dc->ev, dc_fire, dc);
	dc->underflow = underflow;
	dc->data = data;
}

uint64_t cw__sim_hw_dc_count(const struct sim_hw_dc *dc)
{
	uint64_t done;

	if (!dc->running || dc->stopped) {
		return dc->load_val;
	}
	done = dc_cycles(dc) - dc->load_cycle;
	return done >= dc->load_val ? 0 : dc->load_val - done;
}

void cw__sim_hw_dc_load(struct sim_hw_dc *dc, uint64_t value)
{
	dc->load_cycle = dc_cycles(dc);
	dc->load_val = value;
	dc_arm(dc);
}

void cw__sim_hw_dc_stop(struct sim_hw_dc *dc)
{
	if (!dc->running) {
		return;
	}
	dc->load_val = cw__sim_hw_dc_count(dc);
	dc->running = false;
	cw_sim_event_cancel(dc->hw->sim, &dc->ev);
}

void cw__sim_hw_dc_start(struct sim_hw_dc *dc)
{
	if (dc->running) {
		return;
	}
	dc->running = true;
	dc->load_cycle = dc_cycles(dc);
	dc_arm(dc);
}

/* ---------------------------------------------------------------------- */
/* TMU model */

/** One channel. */
struct tmu_ch {
	/** Its clock event device. */
	struct cw_clock_event_device dev;
	/** "tmu.N". */
	char name[SIM_HW_DEV_NAME_MAX];
	/** Back pointer. */
	struct tmu *tmu;
	/** Channel index. */
	unsigned index;
	/** TCNT / TCOR / UNF / TSTR. */
	struct sim_hw_dc dc;
	/** TCR.UNIE. */
	bool unie;
	/** The free-running clocksource channel (no clock event device). */
	bool is_cs;
};

/** The model. */
struct tmu {
	/** Base (first). */
	struct cw_sim_hw_timer base;
	/** Channels. */
	struct tmu_ch ch[];
};

static struct tmu *to_tmu(struct cw_sim_hw_timer *t)
{
	return (struct tmu *)t;
}

static uint64_t tmu_mask(const struct tmu_ch *ch)
{
	return cw__sim_hw_mask(ch->tmu->base.p.width_bits);
}

static void tmu_underflow(struct sim_hw_dc *dc)
{
	struct tmu_ch *ch = dc->data;
	struct cw_sim_hw_timer *t = &ch->tmu->base;

	t->stats[ch->index].wraps++;
	if (ch->unie) {
		t->stats[ch->index].interrupts++;
		cw_sim_hw_irq_raise(t->hw, (unsigned)t->p.irq + ch->index, CW_SIM_HW_IRQ_AFFINITY);
	}
}

/* ---- driver ---- */

static struct tmu_ch *dev_ch(struct cw_clock_event_device *dev)
{
	return dev->driver_data;
}

static void tmu_set_next(struct tmu_ch *ch, uint64_t delta, bool periodic)
{
	/* Stop first: TCNT and TCOR must not be written while the channel counts. */
	cw__sim_hw_dc_stop(&ch->dc);
	ch->dc.flag = false;
	ch->unie = true;
	ch->dc.reload = periodic ? delta : tmu_mask(ch);
	ch->dc.load_val = delta;
	ch->tmu->base.stats[ch->index].programs++;
	cw__sim_hw_dc_start(&ch->dc);
}

static int tmu_set_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	tmu_set_next(dev_ch(dev), cycles, false);
	return 0;
}

static int tmu_set_periodic(struct cw_clock_event_device *dev)
{
	struct tmu_ch *ch = dev_ch(dev);

	tmu_set_next(ch, cw__sim_hw_period_ticks(&ch->tmu->base), true);
	return 0;
}

static int tmu_shutdown(struct cw_clock_event_device *dev)
{
	struct tmu_ch *ch = dev_ch(dev);

	cw__sim_hw_dc_stop(&ch->dc);
	ch->unie = false;
	ch->dc.flag = false;
	return 0;
}

static int tmu_set_irq_affinity(struct cw_clock_event_device *dev, unsigned cpu)
{
	struct tmu_ch *ch = dev_ch(dev);

	return cw_sim_hw_irq_set_affinity(ch->tmu->base.hw, (unsigned)dev->irq, cpu);
}

static void tmu_irq(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	struct tmu_ch *ch = arg;

	(void)hw;
	(void)irq;
	(void)cpu;
	if (!ch->dc.flag) {
		return;
	}
	/*
	 * Acknowledge: clear UNF. A oneshot channel keeps counting from the
	 * all-ones reload; its interrupt is disabled so the next underflow,
	 * 2^32 counts later, stays silent (sh_tmu writes TCR without UNIE).
	 */
	ch->dc.flag = false;
	if (ch->dc.reload == tmu_mask(ch)) {
		ch->unie = false;
	}
	cw_clockevents_handle_event(&ch->dev);
}

/* ---- model operations ---- */

static const struct cw_clock_event_device tmu_dev_tmpl = {
	.features = CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_ONESHOT,
	.set_next_event = tmu_set_next_event,
	.set_state_shutdown = tmu_shutdown,
	.set_state_periodic = tmu_set_periodic,
	.set_state_oneshot = tmu_shutdown,
	.set_state_oneshot_stopped = tmu_shutdown,
	.set_irq_affinity = tmu_set_irq_affinity,
};

static int tmu_init(struct cw_sim_hw_timer *t)
{
	struct tmu *tmu = to_tmu(t);
	int ret;

	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct tmu_ch *ch = &tmu->ch[i];

		ch->tmu = tmu;
		ch->index = i;
		cw__sim_hw_dc_init(&ch->dc, t->hw, t->p.freq_hz, t->p.drift_ppb, tmu_underflow, ch);
		ch->dc.autoreload = true;
		cw__sim_hw_dev_init(t, i, &ch->dev, ch->name, &tmu_dev_tmpl, ch);
		ret = cw__sim_hw_timer_request_irq(t, 0, tmu_irq, ch);
		if (ret) {
			return ret;
		}
	}
	if (t->p.clocksource) {
		/* The last channel runs free as the clocksource. */
		struct tmu_ch *ch = &tmu->ch[t->nr_devs - 1];

		ch->is_cs = true;
		ch->dc.reload = tmu_mask(ch);
		ch->dc.load_val = tmu_mask(ch);
		cw__sim_hw_dc_start(&ch->dc);
	}
	return 0;
}

static struct cw_sim_event *tmu_event(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_tmu(t)->ch[index].dc.ev;
}

static struct cw_clock_event_device *tmu_device(struct cw_sim_hw_timer *t, unsigned index)
{
	struct tmu_ch *ch = &to_tmu(t)->ch[index];

	return ch->is_cs ? NULL : &ch->dev;
}

static uint64_t tmu_cs_read(struct cw_clocksource *cs)
{
	struct cw_sim_hw_timer *t = cs->driver_data;
	struct tmu_ch *ch = &to_tmu(t)->ch[t->nr_devs - 1];

	return tmu_mask(ch) - cw__sim_hw_dc_count(&ch->dc);
}

static int tmu_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		    uint64_t *value)
{
	struct tmu_ch *ch = &to_tmu(t)->ch[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_dc_count(&ch->dc);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = ch->dc.reload;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = (ch->dc.running ? CW_SIM_HW_CTRL_ENABLE : 0) |
			 (ch->unie ? CW_SIM_HW_CTRL_IRQ : 0) | CW_SIM_HW_CTRL_PERIODIC;
		return 0;
	case CW_SIM_HW_REG_STATUS:
		*value = ch->dc.flag;
		return 0;
	default:
		return CW_ENOSYS;
	}
}

static int tmu_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t value)
{
	struct tmu_ch *ch = &to_tmu(t)->ch[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		cw__sim_hw_dc_load(&ch->dc, value & tmu_mask(ch));
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		ch->dc.reload = value & tmu_mask(ch);
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		ch->unie = value & CW_SIM_HW_CTRL_IRQ;
		if (value & CW_SIM_HW_CTRL_ENABLE) {
			cw__sim_hw_dc_start(&ch->dc);
		} else {
			cw__sim_hw_dc_stop(&ch->dc);
		}
		return 0;
	case CW_SIM_HW_REG_STATUS:
		if (value & 1) {
			ch->dc.flag = false;
		}
		return 0;
	default:
		return CW_ENOSYS;
	}
}

const struct sim_hw_timer_ops cw__sim_hw_tmu_ops = {
	.name = "tmu",
	.compatible = "renesas,tmu",
	.freq_hz = 12500000,
	.width_bits = 32,
	.min_delta_ticks = 1, /* the machine files' value (Linux's sh_tmu: 0x300) */
	.max_delta_ticks = 0xffffffff,
	.rating = 200,
	.irq = 40,
	.nr_channels = 3,
	.cs_rating = 200,
	.percpu = false,
	.size = sizeof(struct tmu),
	.dev_size = sizeof(struct tmu_ch),
	.init = tmu_init,
	.event = tmu_event,
	.device = tmu_device,
	.cs_read = tmu_cs_read,
	.read = tmu_read,
	.write = tmu_write,
	.deep_idle = NULL,
};
