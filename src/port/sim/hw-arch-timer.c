/* SPDX-License-Identifier: MIT */
/*
 * ARM architected (generic) timer model and its clock event driver.
 *
 * Hardware: a system counter shared by every CPU (56 bits by default) and
 * per CPU a compare value CVAL with a control register: ENABLE, IMASK
 * (modelled as CW_SIM_HW_CTRL_IRQ = not masked) and the read-only ISTATUS
 * (ENABLE and counter >= CVAL). The interrupt is level-triggered: it is
 * asserted while ISTATUS is set and IMASK clear, so a handler that neither
 * masks nor moves CVAL is interrupted again at once. TVAL writes set
 * CVAL = counter + (signed 32-bit) value.
 *
 * Driver (the shape of Linux's arm_arch_timer.c and Zephyr's
 * arm_arch_timer.c): oneshot only, per-CPU; program = write CVAL, then
 * ENABLE with IMASK clear; the handler masks first (IMASK) and then calls
 * the core, which reprograms (clearing IMASK again).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-internal.h"

#include <stdlib.h>

/** One CPU's timer. */
struct arch_cpu {
	/** Its clock event device. */
	struct cw_clock_event_device dev;
	/** "arch_sys_timer.N". */
	char name[SIM_HW_DEV_NAME_MAX];
	/** Back pointer. */
	struct arch *arch;
	/** CPU index. */
	unsigned cpu;
	/** Compare value. */
	uint64_t cval;
	/** ENABLE, IRQ (= IMASK clear). */
	unsigned ctrl;
	/** Stopped by a deep idle state. */
	bool stopped;
	/** The time counter >= CVAL becomes true. */
	struct cw_sim_event ev;
};

/** The model. */
struct arch {
	/** Base (first). */
	struct cw_sim_hw_timer base;
	/** System counter. */
	struct sim_hw_clock clk;
	/** Per-CPU timers. */
	struct arch_cpu *cpus;
};

static struct arch *to_arch(struct cw_sim_hw_timer *t)
{
	return (struct arch *)t;
}

static uint64_t arch_count(const struct arch *a)
{
	return cw__sim_hw_clock_cycles(&a->clk, cw__sim_hw_now(a->base.hw));
}

static bool arch_istatus(const struct arch_cpu *ac)
{
	return (ac->ctrl & CW_SIM_HW_CTRL_ENABLE) && !ac->stopped &&
	       arch_count(ac->arch) >= ac->cval;
}

/* Re-evaluate the level: assert now, or schedule the time it will be. */
static void arch_eval(struct arch_cpu *ac)
{
	struct cw_sim_hw_timer *t = &ac->arch->base;

	cw_sim_event_cancel(t->hw->sim, &ac->ev);
	if (!(ac->ctrl & CW_SIM_HW_CTRL_ENABLE) || ac->stopped) {
		return;
	}
	if (!arch_istatus(ac)) {
		cw_sim_event_schedule(t->hw->sim, &ac->ev,
				      cw__sim_hw_clock_time_of(&ac->arch->clk, ac->cval));
		return;
	}
	if (ac->ctrl & CW_SIM_HW_CTRL_IRQ) {
		cw_sim_hw_irq_raise(t->hw, (unsigned)t->p.irq, (int)ac->cpu);
	}
}

static void arch_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct arch_cpu *ac = ev->data;

	(void)sim;
	ac->arch->base.stats[ac->cpu].interrupts++;
	arch_eval(ac);
}

static struct arch_cpu *dev_ac(struct cw_clock_event_device *dev)
{
	return dev->driver_data;
}

static int arch_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	struct arch_cpu *ac = dev_ac(dev);

	ac->arch->base.stats[ac->cpu].programs++;
	/* CVAL first, then enable and unmask: never a window with a stale CVAL live. */
	ac->cval = arch_count(ac->arch) + cycles;
	ac->ctrl = CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ;
	arch_eval(ac);
	return 0;
}

static int arch_shutdown(struct cw_clock_event_device *dev)
{
	struct arch_cpu *ac = dev_ac(dev);

	ac->ctrl &= ~CW_SIM_HW_CTRL_ENABLE;
	arch_eval(ac);
	return 0;
}

static void arch_irq(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	struct arch *a = arg;
	struct arch_cpu *ac = &a->cpus[cpu];

	(void)hw;
	(void)irq;
	if (arch_istatus(ac) && (ac->ctrl & CW_SIM_HW_CTRL_IRQ)) {
		/* Mask first: the level stays asserted until CVAL moves. */
		ac->ctrl &= ~CW_SIM_HW_CTRL_IRQ;
		cw_clockevents_handle_irq(&ac->dev);
	}
	/* The EOI: a line still asserted is taken again. */
	arch_eval(ac);
}

static struct cw_sim_hw_timer *arch_alloc(struct cw_sim_hw *hw,
					  const struct cw_sim_hw_timer_params *p)
{
	struct arch *a = calloc(1, sizeof(*a));

	(void)p;
	if (!a) {
		return NULL;
	}
	a->cpus = calloc(hw->nr_cpus, sizeof(*a->cpus));
	if (!a->cpus) {
		free(a);
		return NULL;
	}
	return &a->base;
}

static int arch_init(struct cw_sim_hw_timer *t)
{
	struct arch *a = to_arch(t);
	unsigned features = CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_PERCPU;

	if (t->p.c3stop) {
		features |= CW_CLOCKEVENT_FEAT_C3STOP;
	}
	cw__sim_hw_clock_init(&a->clk, cw__sim_hw_now(t->hw), 0, t->p.freq_hz, t->p.drift_ppb);
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct arch_cpu *ac = &a->cpus[i];

		ac->arch = a;
		ac->cpu = i;
		cw_sim_event_init(&ac->ev, arch_fire, ac);
		ac->ev.cpu = i;
		cw__sim_hw_dev_name(t, i, ac->name, sizeof(ac->name));
		ac->dev.name = ac->name;
		ac->dev.features = features;
		ac->dev.rating = t->p.rating;
		ac->dev.irq = t->p.irq;
		ac->dev.cpu = (int)i;
		ac->dev.set_next_event = arch_next_event;
		ac->dev.set_state_shutdown = arch_shutdown;
		ac->dev.set_state_oneshot_stopped = arch_shutdown;
		ac->dev.driver_data = ac;
	}
	return cw__sim_hw_timer_request_irq(t, CW_SIM_HW_IRQ_PERCPU, arch_irq, a);
}

static void arch_destroy(struct cw_sim_hw_timer *t)
{
	struct arch *a = to_arch(t);

	if (a->cpus) {
		for (unsigned i = 0; i < t->hw->nr_cpus; i++) {
			cw_sim_event_cancel(t->hw->sim, &a->cpus[i].ev);
		}
	}
	free(a->cpus);
	free(a);
}

static struct cw_clock_event_device *arch_device(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_arch(t)->cpus[index].dev;
}

static uint64_t arch_cs_read(struct cw_clocksource *cs)
{
	struct arch *a = cs->driver_data;

	return arch_count(a) & cw__sim_hw_mask(a->base.p.width_bits);
}

static int arch_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t *value)
{
	struct arch_cpu *ac = &to_arch(t)->cpus[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = arch_count(ac->arch) & cw__sim_hw_mask(t->p.width_bits);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = ac->cval;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = ac->ctrl;
		return 0;
	case CW_SIM_HW_REG_STATUS:
		*value = arch_istatus(ac);
		return 0;
	default:
		return CW_ENOSYS;
	}
}

static int arch_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		      uint64_t value)
{
	struct arch_cpu *ac = &to_arch(t)->cpus[index];

	switch (reg) {
	case CW_SIM_HW_REG_COMPARE:
		ac->cval = value;
		break;
	case CW_SIM_HW_REG_CONTROL:
		ac->ctrl = (unsigned)value & (CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ);
		break;
	default:
		return CW_ENOSYS;
	}
	arch_eval(ac);
	return 0;
}

/* A deep state powers the CPU's timer logic down: a pending event is lost, and ENABLE with it. */
static void arch_deep_idle(struct cw_sim_hw_timer *t, unsigned cpu, bool stop)
{
	struct arch_cpu *ac = &to_arch(t)->cpus[cpu];

	ac->stopped = stop;
	if (stop) {
		if (cw_sim_event_cancel(t->hw->sim, &ac->ev)) {
			t->stats[cpu].lost_deep_idle++;
			t->hw->cpus[cpu].stats.timer_events_lost++;
		}
		return;
	}
	ac->ctrl = 0;
}

const struct sim_hw_timer_ops cw__sim_hw_arch_timer_ops = {
	.name = "arch_sys_timer",
	.compatible = "arm,armv7-timer",
	.freq_hz = 24000000,
	.width_bits = 56,
	.min_delta_ticks = 0xF,
	.rating = 450,
	.irq = 30,
	.nr_channels = 1,
	.cs_rating = 400,
	.percpu = true,
	.alloc = arch_alloc,
	.init = arch_init,
	.destroy = arch_destroy,
	.device = arch_device,
	.cs_read = arch_cs_read,
	.read = arch_read,
	.write = arch_write,
	.deep_idle = arch_deep_idle,
};
