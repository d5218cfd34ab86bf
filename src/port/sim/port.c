/* SPDX-License-Identifier: MIT */
/*
 * The sim port's glue: runs a struct cw_system on the discrete-event engine.
 * It fills the platform interface: this CPU = the CPU of the event being
 * run (cw_cpu_call() sets it through the CPU model), log stamps = virtual
 * time, log lines to a sink or stdout, IPIs through the modelled interrupt
 * controller, compatible strings matched against the machine's devices, and
 * the port's driver table (drivers.c).
 *
 * The do_timer duty belongs to the tick layer as soon as a CPU has a tick
 * device. A system without any clock event device (a machine file with
 * counters only, or a bare cw_sim_system_create()) has no tick; the port
 * stands in for it with cw_tick_port_do_timer() every tick period on CPU 0
 * (jiffies advanced by the tick layer under its lock, wall time kept, no
 * timers run), says so in the log, and stops when the core refuses
 * because a tick device took the duty. The clocksource watchdog is the
 * core's own timer (clocksource.c); the port schedules nothing for it.
 * It also models machine suspend: ticks stop, counters that stop in
 * suspend stop, and timekeeping is suspended and resumed around it.
 *
 * Lifetime: the port context is allocated by cw_sim_system_create() and
 * freed by the core through the release hook when the system is destroyed.
 * The engine must outlive the system; stop the system's events (or destroy
 * the system) before destroying the engine.
 */
#include <clockwork/sim.h>
#include <clockwork/check.h>
#include <clockwork/clocksource.h>
#include <clockwork/driver/init.h>
#include <clockwork/proxy.h>
#include <clockwork/sim_hw.h>
#include <clockwork/system.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>

#include "port/sim/sim-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Longest message cw_sim_system_log() formats (the ring keeps 256-byte lines). */
#define SIM_LOG_LINE_MAX 256

/** Tells a sim port context from another port's (cw_system_port_ctx()). */
#define SIM_PORT_MAGIC 0x73696d70u

/**
 * Per-system state of the sim port. Owned by the system (freed by the
 * release hook); single-threaded like the engine.
 */
struct sim_port {
	/** SIM_PORT_MAGIC. */
	uint32_t magic;
	/** The platform hooks handed to the core (must live as long as the system). */
	struct cw_port_ops ops;
	/** The engine. */
	struct cw_sim *sim;
	/** The system, once created. */
	struct cw_system *sys;
	/** Print log lines to stdout when no sink is set. */
	bool echo;
	/** Log sink (replaces the stdout echo) and its argument. */
	cw_sim_log_sink_fn sink;
	void *sink_arg;
	/** The machine's hardware (NULL: no machine, no interrupts). */
	struct cw_sim_hw *hw;
	/** The machine whose devices hw_match resolves (NULL: none). */
	struct cw_sim_machine *machine;
	/** The port drives do_timer (no tick device is bound). */
	bool legacy_tick;
	/** Periodic do_timer event (CPU 0), legacy mode only. */
	struct cw_sim_event tick_ev;
	/** cw_sim_system_start() was called and not stopped. */
	bool started;
	/** The machine is suspended (cw_sim_system_suspend()). */
	bool suspended;
	/** Virtual time the current suspend began. */
	uint64_t suspend_start_ns;
	/** Virtual time spent suspended so far, ns. */
	uint64_t suspended_total_ns;
};

static struct sim_port *port_of(const struct cw_system *sys)
{
	struct sim_port *p = cw_system_port_ctx(sys);

	if (!p || p->magic != SIM_PORT_MAGIC) {
		cw__sim_bug("system was not created by cw_sim_system_create()");
	}
	return p;
}

static unsigned sim_this_cpu(void *ctx)
{
	struct sim_port *p = ctx;

	return cw_sim_current_cpu(p->sim);
}

static uint64_t sim_log_clock_ns(void *ctx)
{
	struct sim_port *p = ctx;

	return cw_sim_now_ns(p->sim);
}

static void sim_log_write(void *ctx, int level, const char *line)
{
	struct sim_port *p = ctx;

	if (p->sink) {
		p->sink(p->sink_arg, level, line);
	} else if (p->echo) {
		printf("%s\n", line);
	}
}

/* IPIs go through the modelled interrupt controller; without one nobody can be interrupted. */
static void sim_send_ipi(void *ctx, unsigned cpu)
{
	struct sim_port *p = ctx;

	if (p->hw) {
		cw_sim_hw_send_ipi(p->hw, cpu);
	}
}

/*
 * Run @fn as @cpu: through the CPU model when the machine has one (it wakes
 * an idle target), else by switching the engine's current CPU around the
 * call, which is all a system without interrupts needs.
 */
static int sim_cpu_call(void *ctx, unsigned cpu, void (*fn)(void *arg), void *arg)
{
	struct sim_port *p = ctx;
	unsigned saved;

	if (p->hw) {
		return cw_sim_hw_run_on(p->hw, cpu, fn, arg);
	}
	saved = p->sim->current_cpu;
	p->sim->current_cpu = cpu;
	fn(arg);
	p->sim->current_cpu = saved;
	return 0;
}

/* A caller that cannot wait (an engine event): a stalled target logs the call (cpu-model.c). */
static int sim_cpu_call_async(void *ctx, unsigned cpu, void (*fn)(void *arg), void *arg,
			      void (*done)(void *done_arg, int ret), void *done_arg)
{
	struct sim_port *p = ctx;

	if (p->hw) {
		return cw_sim_hw_run_on_async(p->hw, cpu, fn, arg, done, done_arg);
	}
	return sim_cpu_call(ctx, cpu, fn, arg);
}

/* Interrupt pipeline: the machine's controller switches the line (every CPU of a per-CPU line). */
static int sim_irq_switch_oob(void *ctx, int irq, bool oob)
{
	struct sim_port *p = ctx;

	if (!p->hw || irq < 0) {
		return CW_ENOSYS;
	}
	return cw_sim_hw_irq_set_oob(p->hw, (unsigned)irq, oob);
}

static void sim_irq_post_inband(void *ctx, unsigned cpu)
{
	struct sim_port *p = ctx;

	if (p->hw) {
		cw_sim_hw_synth_post(p->hw, cpu);
	}
}

/* The synthetic in-band interrupt: the proxy's in-band tick (cw_tick_notify_proxy()). */
static void sim_synth_irq(struct cw_sim_hw *hw, unsigned cpu, void *arg)
{
	(void)hw;
	(void)cpu;
	cw_tick_proxy_interrupt(arg);
}

static int sim_hw_match(void *ctx, const char *compatible, unsigned index, void **hw)
{
	struct sim_port *p = ctx;

	if (!p->machine) {
		return CW_ENODEV;
	}
	return cw__sim_machine_hw_match(p->machine, compatible, index, hw);
}

static void tick_fire(struct cw_sim *sim, struct cw_sim_event *ev);

static void sim_release(void *ctx)
{
	struct sim_port *p = ctx;

	if (p->sim) {
		cw_sim_event_cancel(p->sim, &p->tick_ev);
	}
	p->magic = 0;
	free(p);
}

/* The POSIX layer's wait on a sim system (cw_system_run_next_event()): one engine event. */
static int sim_run_next_event(void *ctx)
{
	struct sim_port *p = ctx;
	uint64_t next = cw_sim_next_event_ns(p->sim);

	if (next == UINT64_MAX) {
		return CW_ENOENT;
	}
	cw_sim_run_until(p->sim, next);
	return 0;
}

static int sim_system_create(struct cw_sim *sim, const struct cw_system_config *cfg, bool echo,
			     cw_sim_log_sink_fn sink, void *arg, struct cw_system **out)
{
	struct cw_system_config c = { 0 };
	struct sim_port *p;
	int ret;

	if (!sim || !out) {
		return CW_EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		return CW_ENOMEM;
	}
	p->magic = SIM_PORT_MAGIC;
	p->ops.name = "sim";
	p->ops.this_cpu = sim_this_cpu;
	p->ops.log_clock_ns = sim_log_clock_ns;
	p->ops.log_write = sim_log_write;
	p->ops.send_ipi = sim_send_ipi;
	p->ops.cpu_call = sim_cpu_call;
	p->ops.cpu_call_async = sim_cpu_call_async;
	p->ops.hw_match = sim_hw_match;
	p->ops.release = sim_release;
	p->ops.run_next_event = sim_run_next_event;
	/* Every CPU runs on the engine's thread, the only one that may touch it. */
	p->ops.one_thread = true;
	p->sim = sim;
	cw_sim_event_init(&p->tick_ev, tick_fire, p);
	p->echo = echo;
	p->sink = sink;
	p->sink_arg = arg;
	if (cfg) {
		c = *cfg;
	}
	c.port = &p->ops;
	c.port_ctx = p;
	ret = cw_system_create(&c, out);
	if (ret) {
		/* The core calls release only from cw_system_destroy(). */
		free(p);
		return ret;
	}
	p->sys = *out;
	cw_check_set_seed(p->sys, cw_sim_seed(sim));
	ret = cw_system_set_port_drivers(p->sys, cw__sim_port_drivers, cw__sim_nr_port_drivers, p);
	if (ret) {
		cw_system_destroy(p->sys);
		*out = NULL;
		return ret;
	}
	return 0;
}

void cw__sim_port_attach(struct cw_system *sys, struct cw_sim_machine *m, struct cw_sim_hw *hw)
{
	struct sim_port *p = port_of(sys);

	p->machine = m;
	p->hw = hw;
	if (hw) {
		p->ops.irq_switch_oob = sim_irq_switch_oob;
		p->ops.irq_post_inband = sim_irq_post_inband;
		/* One port per hardware: the handler cannot be taken already. */
		(void)cw_sim_hw_synth_request(hw, sim_synth_irq, sys);
	}
}

struct cw_sim_hw *cw__sim_port_hw(const struct cw_system *sys)
{
	return port_of(sys)->hw;
}

CW_API int cw_sim_system_create(struct cw_sim *sim, const struct cw_system_config *cfg, bool echo,
				struct cw_system **out)
{
	return sim_system_create(sim, cfg, echo, NULL, NULL, out);
}

CW_API int cw_sim_system_create_with_sink(struct cw_sim *sim, const struct cw_system_config *cfg,
					  cw_sim_log_sink_fn sink, void *arg,
					  struct cw_system **out)
{
	return sim_system_create(sim, cfg, false, sink, arg, out);
}

CW_API void cw_sim_system_set_log_sink(struct cw_system *sys, cw_sim_log_sink_fn sink, void *arg)
{
	struct sim_port *p = port_of(sys);

	p->sink = sink;
	p->sink_arg = arg;
}

CW_API struct cw_sim *cw_sim_system_engine(const struct cw_system *sys)
{
	return port_of(sys)->sim;
}

CW_API void cw_sim_system_log(struct cw_system *sys, int level, const char *fmt, ...)
{
	char msg[SIM_LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cw_log(sys, level, "%s", msg);
}

/* ---------------------------------------------------------------------- */
/* Periodic work */

static void tick_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct sim_port *p = ev->data;
	uint64_t tick_ns = cw_system_tick_nsec(p->sys);

	if (cw_tick_port_do_timer(p->sys, 1) == CW_EBUSY) {
		/* A device registered later took the duty: the tick layer owns jiffies now. */
		p->legacy_tick = false;
		cw_log(p->sys, CW_LOG_INFO, "sim: a tick device took do_timer; the port stops");
		return;
	}
	/* Reschedule from the planned time so ticks never drift. */
	cw_sim_event_schedule(sim, ev, cw_sim_event_when_ns(ev) + tick_ns);
}

static void arm_periodic(struct sim_port *p)
{
	uint64_t now = cw_sim_now_ns(p->sim);

	if (p->legacy_tick) {
		cw_sim_event_schedule(p->sim, &p->tick_ev, now + cw_system_tick_nsec(p->sys));
	}
}

/* Whether any CPU has a tick device: then the tick layer owns do_timer. */
static bool any_tick_device(struct cw_system *sys)
{
	for (unsigned cpu = 0; cpu < cw_system_nr_cpus(sys); cpu++) {
		if (cw_tick_device(sys, cpu)) {
			return true;
		}
	}
	return false;
}

CW_API void cw_sim_system_start(struct cw_sim *sim, struct cw_system *sys)
{
	struct sim_port *p = port_of(sys);

	if (p->sim != sim || p->started) {
		cw__sim_bug("cw_sim_system_start(): wrong engine or already started");
	}
	p->tick_ev.cpu = 0;
	p->started = true;
	p->legacy_tick = !any_tick_device(sys);
	if (p->legacy_tick) {
		cw_log(sys, CW_LOG_INFO,
		       "sim: no clock event device bound: the port drives do_timer every tick "
		       "on CPU0");
	} else {
		cw_log(sys, CW_LOG_INFO, "sim: tick devices bound: the tick layer owns do_timer");
	}
	if (!p->suspended) {
		arm_periodic(p);
	}
}

CW_API void cw_sim_system_stop(struct cw_sim *sim, struct cw_system *sys)
{
	struct sim_port *p = port_of(sys);

	cw_sim_event_cancel(sim, &p->tick_ev);
	p->started = false;
}

/* ---------------------------------------------------------------------- */
/* Suspend and resume */

CW_API int cw_sim_system_suspend(struct cw_system *sys)
{
	struct sim_port *p = port_of(sys);
	int ret;

	if (p->suspended) {
		return CW_EBUSY;
	}
	/* Timekeeping reads the clocksource one last time before it stops. */
	ret = cw_timekeeping_suspend(sys);
	if (ret) {
		return ret;
	}
	cw_sim_event_cancel(p->sim, &p->tick_ev);
	cw__sim_counters_set_suspended(p->sim, true);
	p->suspended = true;
	p->suspend_start_ns = cw_sim_now_ns(p->sim);
	cw_log(sys, CW_LOG_INFO, "sim: machine suspended");
	return 0;
}

CW_API int cw_sim_system_resume(struct cw_system *sys, uint64_t rtc_sleep_ns)
{
	struct sim_port *p = port_of(sys);
	uint64_t slept_ns;
	int ret;

	if (!p->suspended) {
		return CW_EPERM;
	}
	slept_ns = cw_sim_now_ns(p->sim) - p->suspend_start_ns;
	cw__sim_counters_set_suspended(p->sim, false);
	p->suspended = false;
	p->suspended_total_ns += slept_ns;
	cw_log(sys, CW_LOG_INFO, "sim: machine resumed after %llu.%09llu s",
	       (unsigned long long)(slept_ns / CW_NSEC_PER_SEC),
	       (unsigned long long)(slept_ns % CW_NSEC_PER_SEC));
	ret = cw_timekeeping_resume(sys, rtc_sleep_ns);
	if (p->started) {
		arm_periodic(p);
	}
	return ret;
}

CW_API bool cw_sim_system_is_suspended(const struct cw_system *sys)
{
	return port_of(sys)->suspended;
}

CW_API uint64_t cw_sim_system_suspended_ns(const struct cw_system *sys)
{
	const struct sim_port *p = port_of(sys);
	uint64_t total = p->suspended_total_ns;

	if (p->suspended) {
		total += cw_sim_now_ns(p->sim) - p->suspend_start_ns;
	}
	return total;
}
