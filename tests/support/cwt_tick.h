/* SPDX-License-Identifier: MIT */
/*
 * Test port and fake clock event devices for the tick layer tests, on the
 * sim engine (virtual time; deterministic).
 *
 * The port: this_cpu is the engine's current CPU, or the target CPU while
 * cpu_call runs a function; send_ipi schedules an engine event on the
 * target CPU after ipi_latency_ns that runs cw_irq_enter /
 * cw_cpu_handle_ipi / cw_irq_exit; log stamps are virtual time.
 *
 * Idle model: cwt_tick_idle() gives a CPU an idle window [from, to). The
 * CPU enters idle (cw_tick_idle_enter, deep or not) at the start; every
 * interrupt delivered to it leaves idle first (cw_tick_idle_exit), is
 * handled, and the CPU re-enters idle while the window lasts. When deep
 * is refused (CW_EBUSY) the CPU stays shallow, unless force_deep is set:
 * then the port enters the timer-stopping state anyway (a broken port),
 * and C3STOP fakes of that CPU lose their interrupts while it is there.
 *
 * Fake devices count at 1 GHz (cycles == ns), are per-CPU or global,
 * PERIODIC and/or ONESHOT, optionally C3STOP or DUMMY, and can be told to
 * fail set_next_event with CW_ETIME a number of times.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_CWT_TICK_H
#define CLOCKWORK_TESTS_SUPPORT_CWT_TICK_H

#include "cw_test.h"

#include <clockwork/driver/clockevent.h>
#include <clockwork/port.h>
#include <clockwork/tick.h>

#define CWT_TICK_MAX_CPUS 8
#define CWT_TICK_MAX_DEVS 16
#define CWT_FAKE_FREQ_HZ  1000000000ULL

struct cwt_tick;

/** A fake clock event device driven by one engine event. */
struct cwt_ced {
	struct cw_clock_event_device dev;
	struct cwt_tick *t;
	struct cw_sim_event ev;
	char name[32];
	/** CPU its interrupt is delivered to. */
	unsigned target_cpu;
	/** Running periodically (set_state_periodic). */
	bool periodic;
	/** An event came due while its CPU was in a timer-stopping state. */
	bool frozen;
	/** set_next_event answers CW_ETIME this many more times. */
	unsigned etime_left;
	/** Interrupts delivered / lost in a timer-stopping state. */
	uint64_t fires;
	uint64_t lost;
	/** Events programmed (set_next_event calls that took). */
	uint64_t programs;
};

/** Port-side state of one CPU. */
struct cwt_cpu {
	struct cw_sim_event ipi_ev;
	struct cw_sim_event idle_start_ev;
	struct cw_sim_event idle_end_ev;
	/** Inside an idle window. */
	bool window;
	/** Between cw_tick_idle_enter and cw_tick_idle_exit. */
	bool in_idle;
	/** In a timer-stopping state (port view). */
	bool deep;
	/** The window wants deep idle. */
	bool want_deep;
	/** Enter the deep state even when the core refused it. */
	bool force_deep;
	/** End of the window, virtual ns. */
	uint64_t until_ns;
	/** Interrupts dropped because the CPU was offline. */
	uint64_t dropped;
};

struct cwt_tick {
	struct cw_sim *sim;
	struct cw_system *sys;
	struct cw_sim_counter *counter;
	struct cw_port_ops ops;
	/** CPU forced by cpu_call, or -1. */
	int forced_cpu;
	/**
	 * When forced_cpu is -1 and this is not 0: this_cpu's answer, to act
	 * as a thread that is no CPU (CW_PORT_NO_CPU, CW_PORT_NEAR_CPU(c)).
	 */
	unsigned thread_answer;
	/** cw_cpu_call()s the core made through the port. */
	uint64_t cpu_calls;
	uint64_t ipi_latency_ns;
	unsigned nr_cpus;
	struct cwt_cpu cpu[CWT_TICK_MAX_CPUS];
	struct cwt_ced *devs[CWT_TICK_MAX_DEVS];
	unsigned nr_devs;
	/** Print log lines (debugging). */
	bool echo;
};

/* ---- port hooks -------------------------------------------------------- */

static unsigned cwt_port_this_cpu(void *ctx)
{
	struct cwt_tick *t = ctx;

	if (t->forced_cpu >= 0) {
		return (unsigned)t->forced_cpu;
	}
	return t->thread_answer ? t->thread_answer : cw_sim_current_cpu(t->sim);
}

static uint64_t cwt_port_log_clock(void *ctx)
{
	struct cwt_tick *t = ctx;

	return cw_sim_now_ns(t->sim);
}

static void cwt_port_log_write(void *ctx, int level, const char *line)
{
	struct cwt_tick *t = ctx;

	(void)level;
	if (t->echo) {
		print_message("%s\n", line);
	}
}

static void cwt_idle_reenter(struct cwt_tick *t, unsigned cpu);
static void cwt_idle_leave(struct cwt_tick *t, unsigned cpu);

/* Deliver an interrupt (device @d, or an IPI when NULL) to @cpu; runs as @cpu. */
static void cwt_deliver(struct cwt_tick *t, unsigned cpu, struct cwt_ced *d)
{
	struct cwt_cpu *c = &t->cpu[cpu];

	if (!cw_cpu_online(t->sys, cpu)) {
		c->dropped++;
		return;
	}
	if (c->in_idle) {
		cwt_idle_leave(t, cpu);
	}
	cw_irq_enter(t->sys);
	if (d) {
		cw_clockevents_handle_irq(&d->dev);
	} else {
		cw_cpu_handle_ipi(t->sys);
	}
	cw_irq_exit(t->sys);
	if (c->window && cw_sim_now_ns(t->sim) < c->until_ns) {
		cwt_idle_reenter(t, cpu);
	}
}

static void cwt_ipi_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	(void)sim;
	cwt_deliver(ev->data, ev->cpu, NULL);
}

static void cwt_port_send_ipi(void *ctx, unsigned cpu)
{
	struct cwt_tick *t = ctx;
	struct cw_sim_event *ev = &t->cpu[cpu].ipi_ev;

	if (!cw_sim_event_pending(ev)) {
		ev->cpu = cpu;
		cw_sim_event_schedule(t->sim, ev, cw_sim_now_ns(t->sim) + t->ipi_latency_ns);
	}
}

static int cwt_port_cpu_call(void *ctx, unsigned cpu, void (*fn)(void *arg), void *arg)
{
	struct cwt_tick *t = ctx;
	int saved = t->forced_cpu;

	t->cpu_calls++;
	t->forced_cpu = (int)cpu;
	fn(arg);
	t->forced_cpu = saved;
	return 0;
}

/* ---- idle windows ------------------------------------------------------ */

static void cwt_unfreeze(struct cwt_tick *t, unsigned cpu)
{
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct cwt_ced *d = t->devs[i];

		if (d->frozen && d->target_cpu == cpu) {
			/* A stopped comparator resumes: the late event fires now. */
			d->frozen = false;
			d->ev.cpu = cpu;
			cw_sim_event_schedule(t->sim, &d->ev, cw_sim_now_ns(t->sim));
		}
	}
}

static void cwt_idle_leave(struct cwt_tick *t, unsigned cpu)
{
	struct cwt_cpu *c = &t->cpu[cpu];

	cw_tick_idle_exit(t->sys);
	c->in_idle = false;
	if (c->deep) {
		c->deep = false;
		cwt_unfreeze(t, cpu);
	}
}

static void cwt_idle_reenter(struct cwt_tick *t, unsigned cpu)
{
	struct cwt_cpu *c = &t->cpu[cpu];
	int ret = cw_tick_idle_enter(t->sys, c->want_deep);

	c->in_idle = true;
	c->deep = c->want_deep && (ret == 0 || c->force_deep);
}

static void cwt_idle_start_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cwt_tick *t = ev->data;

	(void)sim;
	if (!cw_cpu_online(t->sys, ev->cpu)) {
		return;
	}
	t->cpu[ev->cpu].window = true;
	cwt_idle_reenter(t, ev->cpu);
}

static void cwt_idle_end_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cwt_tick *t = ev->data;
	struct cwt_cpu *c = &t->cpu[ev->cpu];

	(void)sim;
	c->window = false;
	if (c->in_idle) {
		cwt_idle_leave(t, ev->cpu);
	}
}

/** Make @cpu idle over [from_ns, to_ns) (deep: wants a timer-stopping state). */
static inline void cwt_tick_idle(struct cwt_tick *t, unsigned cpu, uint64_t from_ns, uint64_t to_ns,
				 bool deep, bool force_deep)
{
	struct cwt_cpu *c = &t->cpu[cpu];

	c->want_deep = deep;
	c->force_deep = force_deep;
	c->until_ns = to_ns;
	c->idle_start_ev.cpu = cpu;
	c->idle_end_ev.cpu = cpu;
	cw_sim_event_schedule(t->sim, &c->idle_start_ev, from_ns);
	cw_sim_event_schedule(t->sim, &c->idle_end_ev, to_ns);
}

/* ---- fake devices ------------------------------------------------------ */

static struct cwt_ced *cwt_ced_of(struct cw_clock_event_device *dev)
{
	return (struct cwt_ced *)(void *)dev;
}

static void cwt_ced_arm(struct cwt_ced *d, uint64_t when_ns)
{
	d->frozen = false;
	d->ev.cpu = d->target_cpu;
	cw_sim_event_schedule(d->t->sim, &d->ev, when_ns);
}

static void cwt_ced_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cwt_ced *d = ev->data;
	struct cwt_tick *t = d->t;
	unsigned cpu = d->target_cpu;

	if (d->periodic) {
		cwt_ced_arm(d, cw_sim_now_ns(sim) + cw_system_tick_nsec(t->sys));
	}
	if ((d->dev.features & CW_CLOCKEVENT_FEAT_C3STOP) && t->cpu[cpu].deep) {
		d->lost++;
		d->frozen = !d->periodic;
		return;
	}
	d->fires++;
	cwt_deliver(t, cpu, d);
}

static int cwt_ced_set_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	struct cwt_ced *d = cwt_ced_of(dev);

	if (d->etime_left) {
		d->etime_left--;
		return CW_ETIME;
	}
	d->periodic = false;
	d->programs++;
	cwt_ced_arm(d, cw_sim_now_ns(d->t->sim) + cycles);
	return 0;
}

static int cwt_ced_shutdown(struct cw_clock_event_device *dev)
{
	struct cwt_ced *d = cwt_ced_of(dev);

	d->periodic = false;
	d->frozen = false;
	cw_sim_event_cancel(d->t->sim, &d->ev);
	return 0;
}

static int cwt_ced_set_periodic(struct cw_clock_event_device *dev)
{
	struct cwt_ced *d = cwt_ced_of(dev);

	d->periodic = true;
	cwt_ced_arm(d, cw_sim_now_ns(d->t->sim) + cw_system_tick_nsec(d->t->sys));
	return 0;
}

static int cwt_ced_set_oneshot(struct cw_clock_event_device *dev)
{
	return cwt_ced_shutdown(dev);
}

static int cwt_ced_set_irq_affinity(struct cw_clock_event_device *dev, unsigned cpu)
{
	struct cwt_ced *d = cwt_ced_of(dev);

	d->target_cpu = cpu;
	if (cw_sim_event_pending(&d->ev)) {
		uint64_t when = cw_sim_event_when_ns(&d->ev);

		cw_sim_event_cancel(d->t->sim, &d->ev);
		cwt_ced_arm(d, when);
	}
	return 0;
}

/**
 * Create and register a fake device. @p cpu is a CPU or CW_CLOCKEVENT_ANY_CPU;
 * @p features are CW_CLOCKEVENT_FEAT_*. Global devices get set_irq_affinity.
 */
static inline struct cwt_ced *cwt_ced_add(struct cwt_tick *t, const char *name, int cpu,
					  unsigned features, int rating)
{
	struct cwt_ced *d = test_calloc(1, sizeof(*d));

	assert_non_null(d);
	assert_true(t->nr_devs < CWT_TICK_MAX_DEVS);
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->t = t;
	d->target_cpu = cpu >= 0 ? (unsigned)cpu : 0;
	cw_sim_event_init(&d->ev, cwt_ced_fire, d);
	d->dev.name = d->name;
	d->dev.features = features;
	d->dev.rating = rating;
	d->dev.irq = 10 + (int)t->nr_devs;
	d->dev.cpu = cpu;
	d->dev.set_next_event = cwt_ced_set_next_event;
	d->dev.set_state_shutdown = cwt_ced_shutdown;
	d->dev.set_state_oneshot = cwt_ced_set_oneshot;
	d->dev.set_state_oneshot_stopped = cwt_ced_shutdown;
	if (features & CW_CLOCKEVENT_FEAT_PERIODIC) {
		d->dev.set_state_periodic = cwt_ced_set_periodic;
	}
	if (cpu == CW_CLOCKEVENT_ANY_CPU) {
		d->dev.set_irq_affinity = cwt_ced_set_irq_affinity;
	}
	t->devs[t->nr_devs++] = d;
	assert_int_equal(cw_clockevents_config_and_register(t->sys, &d->dev, CWT_FAKE_FREQ_HZ, 1000,
							    UINT64_C(1) << 40),
			 0);
	return d;
}

/**
 * One per-CPU device "local<N>" for each CPU, with @p features and @p rating
 * (the usual test machine: oneshot+periodic per-CPU timers at rating 300).
 */
static inline void cwt_ced_add_locals(struct cwt_tick *t, unsigned features, int rating)
{
	char name[24];

	for (unsigned cpu = 0; cpu < t->nr_cpus; cpu++) {
		snprintf(name, sizeof(name), "local%u", cpu);
		cwt_ced_add(t, name, (int)cpu, features, rating);
	}
}

/* ---- system ------------------------------------------------------------ */

/**
 * Create a system of @p nr_cpus CPUs at @p hz on the test port with a 1 GHz counter,
 * jiffies starting at @p initial_jiffies (0: CW_INITIAL_JIFFIES(hz)).
 */
static inline void cwt_tick_init_jiffies(struct cwt_tick *t, unsigned nr_cpus, unsigned hz,
					 unsigned cs_flags, uint64_t initial_jiffies)
{
	struct cw_system_config cfg = { 0 };
	struct cw_sim_counter_params p = {
		.name = "fake-counter",
		.width_bits = 64,
		.freq_hz = 1000000000ULL,
	};

	memset(t, 0, sizeof(*t));
	assert_true(nr_cpus <= CWT_TICK_MAX_CPUS);
	t->forced_cpu = -1;
	t->ipi_latency_ns = US(1);
	t->nr_cpus = nr_cpus;
	t->ops.name = "tick-test";
	t->ops.this_cpu = cwt_port_this_cpu;
	t->ops.log_clock_ns = cwt_port_log_clock;
	t->ops.log_write = cwt_port_log_write;
	t->ops.send_ipi = cwt_port_send_ipi;
	t->ops.cpu_call = cwt_port_cpu_call;
	assert_int_equal(cw_sim_create(7, &t->sim), 0);
	for (unsigned i = 0; i < nr_cpus; i++) {
		cw_sim_event_init(&t->cpu[i].ipi_ev, cwt_ipi_fn, t);
		cw_sim_event_init(&t->cpu[i].idle_start_ev, cwt_idle_start_fn, t);
		cw_sim_event_init(&t->cpu[i].idle_end_ev, cwt_idle_end_fn, t);
	}
	cfg.nr_cpus = nr_cpus;
	cfg.hz = hz;
	cfg.port = &t->ops;
	cfg.port_ctx = t;
	cfg.log_lines = 4096;
	cfg.initial_jiffies = initial_jiffies;
	assert_int_equal(cw_system_create(&cfg, &t->sys), 0);
	assert_int_equal(cw_sim_counter_create(t->sim, &p, &t->counter), 0);
	assert_int_equal(cw_sim_counter_register(t->counter, t->sys, 300, cs_flags), 0);
}

/** Create a system of @p nr_cpus CPUs at @p hz on the test port with a 1 GHz counter. */
static inline void cwt_tick_init(struct cwt_tick *t, unsigned nr_cpus, unsigned hz,
				 unsigned cs_flags)
{
	cwt_tick_init_jiffies(t, nr_cpus, hz, cs_flags, 0);
}

static inline void cwt_tick_boot(struct cwt_tick *t)
{
	assert_int_equal(cw_system_boot(t->sys), 0);
}

static inline void cwt_tick_fini(struct cwt_tick *t)
{
	cw_system_destroy(t->sys);
	cw_sim_counter_destroy(t->counter);
	cw_sim_destroy(t->sim);
	for (unsigned i = 0; i < t->nr_devs; i++) {
		test_free(t->devs[i]);
	}
}

static inline struct cw_tick_cpu_stats cwt_stats(struct cwt_tick *t, unsigned cpu)
{
	struct cw_tick_cpu_stats s;

	assert_int_equal(cw_tick_get_cpu_stats(t->sys, cpu, &s), 0);
	return s;
}

/** Whether the log holds a line containing @p needle. */
static inline bool cwt_log_has(struct cwt_tick *t, const char *needle)
{
	char line[256];
	uint64_t n = cw_log_count(t->sys);

	for (uint64_t i = 0; i < n; i++) {
		if (cw_log_get(t->sys, i, line, sizeof(line)) == 0 && strstr(line, needle)) {
			return true;
		}
	}
	return false;
}

/** jiffies since creation minus the boundaries passed: 0 when jiffies are exact. */
static inline int64_t cwt_jiffies_error(struct cwt_tick *t)
{
	uint64_t hz = cw_system_hz(t->sys);
	uint64_t initial = CW_INITIAL_JIFFIES(hz);
	uint64_t elapsed = cw_jiffies_get(t->sys) - initial;
	uint64_t expect = (uint64_t)cw_ktime_get(t->sys) / cw_system_tick_nsec(t->sys);

	return (int64_t)elapsed - (int64_t)expect;
}

#endif /* CLOCKWORK_TESTS_SUPPORT_CWT_TICK_H */
