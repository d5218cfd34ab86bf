/* SPDX-License-Identifier: MIT */
/*
 * Local APIC timer model and its clock event driver.
 *
 * Hardware: per CPU a 32-bit down-counter. Writing the initial-count
 * register loads the current count and starts it (0 stops it); at 0 the
 * LVT timer entry raises the CPU's timer vector unless masked; in periodic
 * mode the count reloads from the initial count. The timer sits in the
 * CPU's power domain: in a deep C-state it stops and its count is lost
 * (CW_CLOCKEVENT_FEAT_C3STOP, always on for this model), which is why x86
 * needs the HPET as broadcast device.
 *
 * Driver (Linux's lapic_next_event / lapic_timer_set_periodic shape):
 * oneshot writes the initial count; periodic sets the LVT periodic bit and
 * the initial count to freq / HZ; shutdown masks the LVT entry and writes
 * an initial count of 0.
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-internal.h"

/** One CPU's timer. */
struct lapic_cpu {
	/** Its clock event device. */
	struct cw_clock_event_device dev;
	/** "lapic.N". */
	char name[SIM_HW_DEV_NAME_MAX];
	/** Back pointer. */
	struct lapic *lapic;
	/** CPU index. */
	unsigned cpu;
	/** Current count, initial count (reload), periodic (autoreload). */
	struct sim_hw_dc dc;
	/** LVT timer entry not masked. */
	bool unmasked;
};

/** The model. */
struct lapic {
	/** Base (first). */
	struct cw_sim_hw_timer base;
	/** Per-CPU timers. */
	struct lapic_cpu cpus[];
};

static struct lapic *to_lapic(struct cw_sim_hw_timer *t)
{
	return (struct lapic *)t;
}

static void lapic_underflow(struct sim_hw_dc *dc)
{
	struct lapic_cpu *lc = dc->data;
	struct cw_sim_hw_timer *t = &lc->lapic->base;

	t->stats[lc->cpu].wraps++;
	if (lc->unmasked) {
		t->stats[lc->cpu].interrupts++;
		cw_sim_hw_irq_raise(t->hw, (unsigned)t->p.irq, (int)lc->cpu);
	}
}

/* Write the initial-count register: loads the count and starts (0 stops). */
static void lapic_write_tmict(struct lapic_cpu *lc, uint64_t count)
{
	lc->dc.reload = count;
	if (count == 0) {
		cw__sim_hw_dc_stop(&lc->dc);
		lc->dc.load_val = 0;
		return;
	}
	lc->dc.running = true;
	cw__sim_hw_dc_load(&lc->dc, count);
}

static struct lapic_cpu *dev_lc(struct cw_clock_event_device *dev)
{
	return dev->driver_data;
}

/* Program: LVT unmasked, oneshot or periodic, then the initial count. */
static void lapic_program(struct lapic_cpu *lc, uint64_t count, bool periodic)
{
	lc->lapic->base.stats[lc->cpu].programs++;
	lc->dc.autoreload = periodic;
	lc->unmasked = true;
	lapic_write_tmict(lc, count);
}

static int lapic_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	lapic_program(dev_lc(dev), cycles, false);
	return 0;
}

static int lapic_set_periodic(struct cw_clock_event_device *dev)
{
	struct lapic_cpu *lc = dev_lc(dev);

	lapic_program(lc, cw__sim_hw_period_ticks(&lc->lapic->base), true);
	return 0;
}

static int lapic_shutdown(struct cw_clock_event_device *dev)
{
	struct lapic_cpu *lc = dev_lc(dev);

	lc->unmasked = false;
	lapic_write_tmict(lc, 0);
	return 0;
}

static int lapic_oneshot(struct cw_clock_event_device *dev)
{
	struct lapic_cpu *lc = dev_lc(dev);

	lc->dc.autoreload = false;
	lc->unmasked = true;
	lapic_write_tmict(lc, 0);
	return 0;
}

static void lapic_irq(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	struct lapic *lapic = arg;

	(void)hw;
	(void)irq;
	/* Edge-triggered vector, acknowledged by the EOI: nothing to clear. */
	lapic->cpus[cpu].dc.flag = false;
	cw_clockevents_handle_event(&lapic->cpus[cpu].dev);
}

static const struct cw_clock_event_device lapic_dev_tmpl = {
	.features = CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_ONESHOT |
		    CW_CLOCKEVENT_FEAT_C3STOP | CW_CLOCKEVENT_FEAT_PERCPU |
		    CW_CLOCKEVENT_FEAT_PIPELINE,
	.set_next_event = lapic_next_event,
	.set_state_shutdown = lapic_shutdown,
	.set_state_periodic = lapic_set_periodic,
	.set_state_oneshot = lapic_oneshot,
	.set_state_oneshot_stopped = lapic_shutdown,
};

static int lapic_init(struct cw_sim_hw_timer *t)
{
	struct lapic *l = to_lapic(t);

	/* The LAPIC timer always stops in deep C-states. */
	t->p.c3stop = true;
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct lapic_cpu *lc = &l->cpus[i];

		lc->lapic = l;
		lc->cpu = i;
		cw__sim_hw_dc_init(&lc->dc, t->hw, t->p.freq_hz, t->p.drift_ppb, lapic_underflow,
				   lc);
		lc->dc.ev.cpu = i;
		cw__sim_hw_dev_init(t, i, &lc->dev, lc->name, &lapic_dev_tmpl, lc);
	}
	return cw__sim_hw_timer_request_irq(t, CW_SIM_HW_IRQ_PERCPU, lapic_irq, l);
}

static struct cw_sim_event *lapic_event(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_lapic(t)->cpus[index].dc.ev;
}

static struct cw_clock_event_device *lapic_device(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_lapic(t)->cpus[index].dev;
}

static int lapic_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		      uint64_t *value)
{
	struct lapic_cpu *lc = &to_lapic(t)->cpus[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_dc_count(&lc->dc);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = lc->dc.reload;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = (lc->dc.running ? CW_SIM_HW_CTRL_ENABLE : 0) |
			 (lc->unmasked ? CW_SIM_HW_CTRL_IRQ : 0) |
			 (lc->dc.autoreload ? CW_SIM_HW_CTRL_PERIODIC : 0);
		return 0;
	default:
		return CW_ENOSYS;
	}
}

static int lapic_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		       uint64_t value)
{
	struct lapic_cpu *lc = &to_lapic(t)->cpus[index];

	switch (reg) {
	case CW_SIM_HW_REG_COMPARE:
		lapic_write_tmict(lc, value & cw__sim_hw_mask(t->p.width_bits));
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		lc->unmasked = value & CW_SIM_HW_CTRL_IRQ;
		lc->dc.autoreload = value & CW_SIM_HW_CTRL_PERIODIC;
		return 0;
	default:
		return CW_ENOSYS;
	}
}

/* A deep C-state powers the timer down: the count and any pending interrupt are lost. */
static void lapic_deep_idle(struct cw_sim_hw_timer *t, unsigned cpu, bool stop)
{
	struct lapic_cpu *lc = &to_lapic(t)->cpus[cpu];

	if (!stop) {
		return;
	}
	if (lc->dc.running && lc->unmasked && lc->dc.load_val) {
		cw__sim_hw_lost_deep_idle(t, cpu);
	}
	cw__sim_hw_dc_stop(&lc->dc);
	lc->dc.load_val = 0;
}

const struct sim_hw_timer_ops cw__sim_hw_lapic_ops = {
	.name = "lapic",
	.compatible = "intel,lapic-timer",
	.freq_hz = 100000000,
	.width_bits = 32,
	.min_delta_ticks = 0xF,
	.max_delta_ticks = 0xffffffff,
	.rating = 100,
	.irq = 236,
	.nr_channels = 1,
	.percpu = true,
	.size = sizeof(struct lapic),
	.dev_size = sizeof(struct lapic_cpu),
	.init = lapic_init,
	.event = lapic_event,
	.device = lapic_device,
	.read = lapic_read,
	.write = lapic_write,
	.deep_idle = lapic_deep_idle,
};
