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
	/** Base (first); base.clk is the system counter. */
	struct cw_sim_hw_timer base;
	/** Per-CPU timers. */
	struct arch_cpu cpus[];
};

static struct arch *to_arch(struct cw_sim_hw_timer *t)
{
	return (struct arch *)t;
}

static bool arch_istatus(const struct arch_cpu *ac)
{
	return (ac->ctrl & CW_SIM_HW_CTRL_ENABLE) && !ac->stopped &&
	       cw__sim_hw_count(&ac->arch->base) >= ac->cval;
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
				      cw__sim_hw_clock_time_of(&t->clk, ac->cval));
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
	ac->cval = cw__sim_hw_count(&ac->arch->base) + cycles;
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
		cw_clockevents_handle_event(&ac->dev);
	}
	/* The EOI: a line still asserted is taken again. */
	arch_eval(ac);
}

static const struct cw_clock_event_device arch_dev_tmpl = {
	.features = CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_PERCPU |
		    CW_CLOCKEVENT_FEAT_PIPELINE,
	.set_next_event = arch_next_event,
	.set_state_shutdown = arch_shutdown,
	.set_state_oneshot_stopped = arch_shutdown,
};

static int arch_init(struct cw_sim_hw_timer *t)
{
	struct arch *a = to_arch(t);

	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct arch_cpu *ac = &a->cpus[i];

		ac->arch = a;
		ac->cpu = i;
		cw_sim_event_init(&ac->ev, arch_fire, ac);
		ac->ev.cpu = i;
		cw__sim_hw_dev_init(t, i, &ac->dev, ac->name, &arch_dev_tmpl, ac);
	}
	return cw__sim_hw_timer_request_irq(t, CW_SIM_HW_IRQ_PERCPU, arch_irq, a);
}

static struct cw_sim_event *arch_event(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_arch(t)->cpus[index].ev;
}

static struct cw_clock_event_device *arch_device(struct cw_sim_hw_timer *t, unsigned index)
{
	return &to_arch(t)->cpus[index].dev;
}

static int arch_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t *value)
{
	struct arch_cpu *ac = &to_arch(t)->cpus[index];

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_count_masked(t);
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
			cw__sim_hw_lost_deep_idle(t, cpu);
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
	.max_delta_ticks = 0x7fffffff,
	.rating = 450,
	.irq = 30,
	.nr_channels = 1,
	.cs_rating = 400,
	.percpu = true,
	.size = sizeof(struct arch),
	.dev_size = sizeof(struct arch_cpu),
	.init = arch_init,
	.event = arch_event,
	.device = arch_device,
	.cs_read = cw__sim_hw_count_cs_read,
	.read = arch_read,
	.write = arch_write,
	.deep_idle = arch_deep_idle,
};
