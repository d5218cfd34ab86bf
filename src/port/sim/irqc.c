/* SPDX-License-Identifier: MIT */
/*
 * The machine's hardware object and its interrupt controller: IRQ lines
 * with a handler, per-CPU or global routing (affinity) and a delivery
 * latency; IPIs; the registry of timer models (the kinds of hw-kinds.def,
 * each a model and its driver), which builds a model's channels and its
 * driver's devices, runs an interrupt as the model's acknowledge, the
 * driver's isr and the model's end of interrupt, and serves the driver's
 * register accessors (hw-driver.h); the driver descriptors and the port's
 * hw_match; and the exact time base the models count with.
 *
 * Delivery: raising a line schedules an engine event on the target CPU
 * (.cpu = target, so cw_sim_current_cpu() is that CPU while it runs) after
 * the line's latency. When it fires: an offline target loses it; an idle
 * target is woken (after the idle state's exit latency, the event runs a
 * second time); then cw_irq_enter(), the handler, cw_irq_exit(). One
 * delivery per (line, CPU) is in flight at a time: a raise while one is in
 * flight merges into it, as a level or edge latch in a real controller
 * would. A handler that raises its own line again (the global timer's
 * erratum) schedules a new delivery, since its own is no longer queued.
 *
 * Interrupt pipeline (issue 12, Dovetail's two stages): a line is on the
 * out-of-band or the in-band stage (switchable at run time). An oob
 * delivery runs its handler at once between cw_irq_oob_enter() and
 * cw_irq_oob_exit(), whatever the in-band stall. An in-band delivery (a
 * line, an IPI, the synthetic interrupt) to a CPU whose in-band stage is
 * stalled is appended to that CPU's log (an intrusive FIFO of the
 * deliveries themselves: no allocation, and a delivery in the log merges
 * later raises as one in flight does); unstalling replays the log in
 * arrival order. A cross call (cw_sim_hw_run_on()) to a stalled CPU is
 * logged the same way (an entry on the waiting caller's stack) and runs in
 * its place in that order; an asynchronous one (cw_sim_hw_run_on_async(),
 * an allocated entry) too, and its caller's continuation then runs in an
 * event of its own on the caller's CPU. The synthetic interrupt posted from an oob
 * handler is logged and replayed as soon as that handler returns, if the
 * stage is not stalled: this is how the proxy tick device hands the
 * in-band tick over.
 */
#include <clockwork/sim_hw.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/system.h>

#include "port/sim/hw-internal.h"
#include "port/sim/sim-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Time base */

/** 10^18: rate is cycles per 10^18 ns (freq_hz * (10^9 + ppb)). */
#define SCALE ((unsigned __int128)1000000000000000000ull)

void cw__sim_hw_clock_init(struct sim_hw_clock *c, uint64_t now_ns, uint64_t cycles,
			   uint64_t freq_hz, int64_t drift_ppb)
{
	c->start_ns = now_ns;
	c->base_cycles = cycles;
	c->rate = (unsigned __int128)freq_hz * (uint64_t)(1000000000LL + drift_ppb);
}

uint64_t cw__sim_hw_clock_cycles(const struct sim_hw_clock *c, uint64_t now_ns)
{
	unsigned __int128 dt = now_ns > c->start_ns ? now_ns - c->start_ns : 0;

	return c->base_cycles + (uint64_t)(dt * c->rate / SCALE);
}

uint64_t cw__sim_hw_clock_time_of(const struct sim_hw_clock *c, uint64_t target_cycles)
{
	unsigned __int128 d = target_cycles - c->base_cycles;
	unsigned __int128 dt;

	if (target_cycles <= c->base_cycles) {
		return c->start_ns;
	}
	/* Round up: the first ns at which floor(dt * rate / SCALE) >= d. */
	dt = (d * SCALE + c->rate - 1) / c->rate;
	if (dt > UINT64_MAX - c->start_ns) {
		return UINT64_MAX;
	}
	return c->start_ns + (uint64_t)dt;
}

void cw__sim_hw_clock_set(struct sim_hw_clock *c, uint64_t now_ns, uint64_t cycles)
{
	c->start_ns = now_ns;
	c->base_cycles = cycles;
}

/* ---------------------------------------------------------------------- */
/* Hardware object */

/* Free a timer model: its IRQ lines, its devices' events, its counters, then the model itself. */
static void timer_free(struct cw_sim_hw_timer *t)
{
	for (unsigned i = 0; i < t->irqs_requested; i++) {
		cw_sim_hw_irq_free(t->hw, (unsigned)t->p.irq + i);
	}
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct cw_sim_event *ev;

		if (!t->chans) {
			break;
		}
		ev = &cw__sim_hw_chan(t, i)->ev;

		/* A zeroed event (init never reached it) is not "not queued": skip it. */
		if (ev->fn) {
			cw_sim_event_cancel(t->hw->sim, ev);
		}
	}
	free(t->devs);
	free(t->chans);
	free(t->stats);
	free(t);
}

/** Request line @p irq for model @p t (lines are requested in order from p.irq). */
int cw__sim_hw_timer_request_irq(struct cw_sim_hw_timer *t, unsigned flags, cw_sim_hw_irq_fn fn,
				 void *arg)
{
	int ret = cw_sim_hw_irq_request(t->hw, (unsigned)t->p.irq + t->irqs_requested, flags, fn,
					arg);

	if (ret == 0) {
		t->irqs_requested++;
	}
	return ret;
}

unsigned cw__sim_hw_hz(const struct cw_sim_hw *hw)
{
	return hw->sys ? cw_system_hz(hw->sys) : 100;
}

void cw__sim_hw_log(struct cw_sim_hw *hw, int level, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (!hw->sys) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cw_log(hw->sys, level, "%s", msg);
}

static int copy_idle_states(struct cw_sim_hw *hw, const struct cw_sim_hw_params *p)
{
	static const struct cw_sim_hw_idle_state wfi = { .name = "wfi" };
	const struct cw_sim_hw_idle_state *st = p->idle_states ? p->idle_states : &wfi;
	unsigned n = p->idle_states ? p->nr_idle_states : 1;

	if (n == 0 || n > CW_SIM_HW_MAX_IDLE_STATES) {
		return CW_EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!st[i].name || !st[i].name[0] ||
		    strlen(st[i].name) >= CW_SIM_HW_IDLE_NAME_MAX) {
			return CW_EINVAL;
		}
		strcpy(hw->idle_names[i], st[i].name);
		hw->idle[i] = st[i];
		hw->idle[i].name = hw->idle_names[i];
	}
	hw->p.idle_states = hw->idle;
	hw->p.nr_idle_states = n;
	return 0;
}

CW_API int cw_sim_hw_create(struct cw_sim *sim, struct cw_system *sys, unsigned nr_cpus,
			    const struct cw_sim_hw_params *p, struct cw_sim_hw **out)
{
	static const struct cw_sim_hw_params defaults;
	struct cw_sim_hw *hw;
	int ret;

	if (!p) {
		p = &defaults;
	}
	if (!sim || !out || nr_cpus == 0 || nr_cpus > CW_MAX_CPUS ||
	    p->nr_irqs > CW_SIM_HW_MAX_IRQS || (sys && cw_system_nr_cpus(sys) != nr_cpus)) {
		return CW_EINVAL;
	}
	hw = calloc(1, sizeof(*hw));
	if (!hw) {
		return CW_ENOMEM;
	}
	hw->sim = sim;
	hw->sys = sys;
	hw->nr_cpus = nr_cpus;
	hw->p = *p;
	if (!hw->p.nr_irqs) {
		hw->p.nr_irqs = CW_SIM_HW_DEFAULT_NR_IRQS;
	}
	ret = copy_idle_states(hw, p);
	if (ret) {
		goto err_free;
	}
	ret = CW_ENOMEM;
	hw->irqs = calloc(hw->p.nr_irqs, sizeof(*hw->irqs));
	if (!hw->irqs || cw__sim_hw_cpus_init(hw)) {
		goto err_free;
	}
	*out = hw;
	return 0;

err_free:
	free(hw->irqs);
	free(hw);
	return ret;
}

CW_API void cw_sim_hw_destroy(struct cw_sim_hw *hw)
{
	struct cw_sim_hw_timer *t, *next;

	if (!hw) {
		return;
	}
	cw__sim_hw_async_calls_free(hw);
	for (t = hw->timers; t; t = next) {
		next = t->next;
		timer_free(t);
	}
	for (unsigned i = 0; i < hw->p.nr_irqs; i++) {
		cw_sim_hw_irq_free(hw, i);
	}
	cw__sim_hw_cpus_fini(hw);
	cw__sim_trace_free(hw);
	free(hw->irqs);
	free(hw);
}

CW_API int cw_sim_hw_set_system(struct cw_sim_hw *hw, struct cw_system *sys)
{
	if (!hw || !sys || cw_system_nr_cpus(sys) != hw->nr_cpus) {
		return CW_EINVAL;
	}
	if (hw->sys && hw->sys != sys) {
		return CW_EBUSY;
	}
	hw->sys = sys;
	return 0;
}

CW_API struct cw_system *cw_sim_hw_system(const struct cw_sim_hw *hw)
{
	return hw->sys;
}

CW_API struct cw_sim *cw_sim_hw_engine(const struct cw_sim_hw *hw)
{
	return hw->sim;
}

CW_API unsigned cw_sim_hw_nr_cpus(const struct cw_sim_hw *hw)
{
	return hw->nr_cpus;
}

/* ---------------------------------------------------------------------- */
/* Interrupt controller */

static void log_remove(struct cw_sim_hw *hw, struct sim_hw_delivery *d);
static void delivery_init(struct sim_hw_delivery *d, struct cw_sim_hw *hw, unsigned irq,
			  unsigned cpu);

static bool cpu_gone(struct cw_sim_hw *hw, unsigned cpu)
{
	return hw->cpus[cpu].state == CW_SIM_HW_CPU_OFFLINE ||
	       (hw->sys && !cw_cpu_online(hw->sys, cpu));
}

/* Whether delivery @d runs on the out-of-band stage (IPIs and the synthetic interrupt never do). */
static bool delivery_oob(const struct cw_sim_hw *hw, const struct sim_hw_delivery *d)
{
	return d->irq != SIM_HW_IPI && d->irq != SIM_HW_SYNTH && hw->irqs[d->irq].oob;
}

/* Run delivery @d's handler on the in-band stage of @cpu (the current CPU). */
static void run_inband(struct cw_sim_hw *hw, unsigned cpu, struct sim_hw_delivery *d)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];
	struct sim_hw_irq_line *line = d->irq < hw->p.nr_irqs ? &hw->irqs[d->irq] : NULL;

	if (hw->trace) {
		cw__sim_trace_cpu(
			hw, d->irq == SIM_HW_IPI ? CW_SIM_TRACE_IPI_ENTRY : CW_SIM_TRACE_IRQ_ENTRY,
			cpu, d->irq);
	}
	if (hw->sys) {
		cw_irq_enter(hw->sys);
	}
	if (d->irq == SIM_HW_IPI) {
		c->stats.ipis++;
		if (hw->sys) {
			cw_cpu_handle_ipi(hw->sys);
		}
	} else if (d->irq == SIM_HW_SYNTH) {
		c->stats.synth++;
		if (hw->synth_fn) {
			hw->synth_fn(hw, cpu, hw->synth_arg);
		}
	} else if (line->fn) {
		c->stats.irqs++;
		line->stats.delivered++;
		line->fn(hw, d->irq, cpu, line->arg);
	} else {
		line->stats.lost++;
	}
	if (hw->sys) {
		cw_irq_exit(hw->sys);
	}
	if (hw->trace) {
		cw__sim_trace_cpu(
			hw, d->irq == SIM_HW_IPI ? CW_SIM_TRACE_IPI_EXIT : CW_SIM_TRACE_IRQ_EXIT,
			cpu, d->irq);
	}
}

/* Run line @d's handler on the out-of-band stage of @cpu: at once, whatever the in-band stall. */
static void run_oob(struct cw_sim_hw *hw, unsigned cpu, struct sim_hw_delivery *d)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];
	struct sim_hw_irq_line *line = &hw->irqs[d->irq];

	if (!line->fn) {
		line->stats.lost++;
		return;
	}
	c->in_oob = true;
	if (hw->trace) {
		cw__sim_trace_cpu(hw, CW_SIM_TRACE_IRQ_ENTRY, cpu, d->irq);
	}
	if (hw->sys) {
		cw_irq_oob_enter(hw->sys);
	}
	c->stats.irqs++;
	c->stats.oob_irqs++;
	line->stats.delivered++;
	line->stats.oob++;
	line->fn(hw, d->irq, cpu, line->arg);
	if (hw->sys) {
		cw_irq_oob_exit(hw->sys);
	}
	if (hw->trace) {
		cw__sim_trace_cpu(hw, CW_SIM_TRACE_IRQ_EXIT, cpu, d->irq);
	}
	c->in_oob = false;
}

/* Append @d to the in-band log of @cpu (its stage is stalled, or an oob handler posted it). */
static void log_append(struct cw_sim_hw *hw, unsigned cpu, struct sim_hw_delivery *d)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];

	d->logged = true;
	d->log_next = NULL;
	*c->log_tail = d;
	c->log_tail = &d->log_next;
	c->stats.logged++;
	if (d->irq < hw->p.nr_irqs) {
		hw->irqs[d->irq].stats.logged++;
	}
}

void cw__sim_hw_inband_sync(struct cw_sim_hw *hw, unsigned cpu)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];
	unsigned saved = hw->sim->current_cpu;

	hw->sim->current_cpu = cpu;
	/* A handler may stall again (or post again): test the bit before each entry. */
	while (!c->stalled && c->log_head) {
		struct sim_hw_delivery *d = c->log_head;

		c->log_head = d->log_next;
		if (!c->log_head) {
			c->log_tail = &c->log_head;
		}
		d->logged = false;
		d->log_next = NULL;
		c->stats.replayed++;
		if (d->irq == SIM_HW_CALL) {
			/* A cross call runs as the at-once path runs it: no interrupt entry. */
			struct sim_hw_call *call = (struct sim_hw_call *)d;

			call->fn(call->arg);
			call->done = true;
			if (call->async) {
				/* Its caller continues in an event of its own, at this instant. */
				struct sim_hw_async_call *ac = (struct sim_hw_async_call *)call;

				cw_sim_event_schedule(hw->sim, &ac->done_ev,
						      cw_sim_now_ns(hw->sim));
			}
		} else {
			run_inband(hw, cpu, d);
		}
	}
	hw->sim->current_cpu = saved;
}

int cw__sim_hw_call_stalled(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg), void *arg)
{
	struct sim_hw_call call = { .fn = fn, .arg = arg };
	struct cw_sim *sim = hw->sim;
	unsigned saved = sim->current_cpu;

	if (sim->running) {
		/*
		 * Inside an engine event the caller cannot wait (the engine does
		 * not nest): the call runs at once, in-band code on a masked CPU,
		 * and is counted, whoever called (an event of the CPU itself
		 * included: its in-band code cannot run while the stage is masked;
		 * cw_sim_hw_run_on_async() logs such calls instead).
		 */
		hw->cpus[cpu].stats.calls_unlogged++;
		sim->current_cpu = cpu;
		hw->cpus[cpu].busy++;
		fn(arg);
		sim->current_cpu = saved;
		cw__sim_hw_cpu_busy(hw, cpu, false);
		return 0;
	}
	/*
	 * The caller waits for the call, as an SMP function call does: the
	 * engine runs on until the target unstalls and its replay reaches the
	 * call, after whatever was logged before it.
	 */
	delivery_init(&call.d, hw, SIM_HW_CALL, cpu);
	log_append(hw, cpu, &call.d);
	hw->cpus[cpu].stats.calls_logged++;
	while (!call.done && cw_sim_nr_queued(sim)) {
		cw_sim_run_until(sim, cw_sim_next_event_ns(sim));
	}
	sim->current_cpu = saved;
	if (!call.done) {
		/* Nothing left to run could end the stall: the call never runs. */
		log_remove(hw, &call.d);
		return CW_EBUSY;
	}
	return 0;
}

static void async_unlink(struct sim_hw_async_call *ac)
{
	*ac->pprev = ac->next;
	if (ac->next) {
		ac->next->pprev = ac->pprev;
	}
}

/* The replay ran an asynchronous call: its caller continues (as the calling CPU). */
static void async_done_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct sim_hw_async_call *ac = ev->data;
	cw_sim_hw_call_done_fn done = ac->done;
	void *done_arg = ac->done_arg;

	(void)sim;
	async_unlink(ac);
	free(ac);
	if (done) {
		done(done_arg, 0);
	}
}

int cw__sim_hw_call_async(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg), void *arg,
			  cw_sim_hw_call_done_fn done, void *done_arg)
{
	struct sim_hw_async_call *ac = calloc(1, sizeof(*ac));

	if (!ac) {
		return CW_ENOMEM;
	}
	ac->call.fn = fn;
	ac->call.arg = arg;
	ac->call.async = true;
	ac->done = done;
	ac->done_arg = done_arg;
	cw_sim_event_init(&ac->done_ev, async_done_fire, ac);
	ac->done_ev.cpu = hw->sim->current_cpu;
	ac->next = hw->async_calls;
	ac->pprev = &hw->async_calls;
	if (ac->next) {
		ac->next->pprev = &ac->next;
	}
	hw->async_calls = ac;
	delivery_init(&ac->call.d, hw, SIM_HW_CALL, cpu);
	log_append(hw, cpu, &ac->call.d);
	hw->cpus[cpu].stats.calls_logged++;
	return 1;
}

void cw__sim_hw_async_calls_free(struct cw_sim_hw *hw)
{
	while (hw->async_calls) {
		struct sim_hw_async_call *ac = hw->async_calls;

		async_unlink(ac);
		cw_sim_event_cancel(hw->sim, &ac->done_ev);
		log_remove(hw, &ac->call.d);
		free(ac);
	}
}

/*
 * An out-of-band delivery. An idle CPU pays its exit latency (the hardware
 * wakes), but its in-band side stays in idle: the oob handler runs first,
 * and only what it posted to the in-band stage brings the in-band side out
 * of idle (cw_tick_idle_exit()) to replay it. In-band code that ran before
 * the oob handler (an idle exit reprogramming the timer) would cancel the
 * very event the handler is about to take.
 */
static void deliver_oob(struct cw_sim_hw *hw, unsigned cpu, struct sim_hw_delivery *d)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];
	uint64_t lat = c->state == CW_SIM_HW_CPU_IDLE && !d->woken
			       ? hw->idle[c->idle_state].exit_latency_ns
			       : 0;

	if (lat) {
		d->woken = true;
		cw_sim_event_schedule(hw->sim, &d->ev, cw_sim_now_ns(hw->sim) + lat);
		return;
	}
	d->woken = false;
	run_oob(hw, cpu, d);
	if (c->log_head && !c->stalled) {
		/* The latency is paid: leave idle now, then replay in-band. */
		cw__sim_hw_cpu_wake_for_irq(hw, cpu, true);
		cw__sim_hw_cpu_busy(hw, cpu, true);
		cw__sim_hw_inband_sync(hw, cpu);
		cw__sim_hw_cpu_busy(hw, cpu, false);
	}
}

/* Run one delivery on its target CPU (the engine made it the current CPU). */
static void deliver_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct sim_hw_delivery *d = ev->data;
	struct cw_sim_hw *hw = d->hw;
	unsigned cpu = ev->cpu;
	struct sim_hw_cpu *c = &hw->cpus[cpu];
	struct sim_hw_irq_line *line = d->irq < hw->p.nr_irqs ? &hw->irqs[d->irq] : NULL;
	uint64_t lat;

	if (cpu_gone(hw, cpu)) {
		c->stats.lost_offline++;
		if (line) {
			line->stats.lost++;
		}
		return;
	}
	if (delivery_oob(hw, d)) {
		deliver_oob(hw, cpu, d);
		return;
	}
	lat = cw__sim_hw_cpu_wake_for_irq(hw, cpu, d->woken);
	if (lat) {
		/* The CPU leaves its idle state; the handler runs once it is up. */
		d->woken = true;
		cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + lat);
		return;
	}
	d->woken = false;
	cw__sim_hw_cpu_busy(hw, cpu, true);
	if (c->stalled) {
		log_append(hw, cpu, d);
	} else {
		run_inband(hw, cpu, d);
	}
	cw__sim_hw_cpu_busy(hw, cpu, false);
}

static void delivery_init(struct sim_hw_delivery *d, struct cw_sim_hw *hw, unsigned irq,
			  unsigned cpu)
{
	cw_sim_event_init(&d->ev, deliver_fire, d);
	d->ev.cpu = cpu;
	d->hw = hw;
	d->irq = irq;
	d->woken = false;
	d->logged = false;
	d->log_next = NULL;
}

CW_API int cw_sim_hw_irq_request(struct cw_sim_hw *hw, unsigned irq, unsigned flags,
				 cw_sim_hw_irq_fn fn, void *arg)
{
	struct sim_hw_irq_line *line;
	unsigned n;

	if (!hw || irq >= hw->p.nr_irqs || !fn || (flags & ~CW_SIM_HW_IRQ_PERCPU)) {
		return CW_EINVAL;
	}
	line = &hw->irqs[irq];
	if (line->fn) {
		return CW_EBUSY;
	}
	n = (flags & CW_SIM_HW_IRQ_PERCPU) ? hw->nr_cpus : 1;
	line->del = calloc(n, sizeof(*line->del));
	if (!line->del) {
		return CW_ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		delivery_init(&line->del[i], hw, irq, i);
	}
	line->fn = fn;
	line->arg = arg;
	line->flags = flags;
	return 0;
}

CW_API void cw_sim_hw_irq_free(struct cw_sim_hw *hw, unsigned irq)
{
	struct sim_hw_irq_line *line;
	unsigned n;

	if (!hw || irq >= hw->p.nr_irqs || !hw->irqs[irq].del) {
		return;
	}
	line = &hw->irqs[irq];
	n = (line->flags & CW_SIM_HW_IRQ_PERCPU) ? hw->nr_cpus : 1;
	for (unsigned i = 0; i < n; i++) {
		cw_sim_event_cancel(hw->sim, &line->del[i].ev);
		log_remove(hw, &line->del[i]);
	}
	free(line->del);
	line->del = NULL;
	line->fn = NULL;
	line->arg = NULL;
	line->flags = 0;
	line->oob = false;
}

CW_API int cw_sim_hw_irq_set_affinity(struct cw_sim_hw *hw, unsigned irq, unsigned cpu)
{
	struct sim_hw_irq_line *line;

	if (!hw || irq >= hw->p.nr_irqs || cpu >= hw->nr_cpus) {
		return CW_EINVAL;
	}
	line = &hw->irqs[irq];
	if (line->flags & CW_SIM_HW_IRQ_PERCPU) {
		return CW_EINVAL;
	}
	if (line->affinity != cpu) {
		line->stats.affinity_changes++;
		line->affinity = cpu;
	}
	return 0;
}

CW_API int cw_sim_hw_irq_affinity(const struct cw_sim_hw *hw, unsigned irq)
{
	if (!hw || irq >= hw->p.nr_irqs || (hw->irqs[irq].flags & CW_SIM_HW_IRQ_PERCPU)) {
		return CW_EINVAL;
	}
	return (int)hw->irqs[irq].affinity;
}

CW_API int cw_sim_hw_irq_set_latency(struct cw_sim_hw *hw, unsigned irq, uint64_t latency_ns)
{
	if (!hw || irq >= hw->p.nr_irqs) {
		return CW_EINVAL;
	}
	hw->irqs[irq].has_latency = true;
	hw->irqs[irq].latency_ns = latency_ns;
	return 0;
}

CW_API int cw_sim_hw_irq_raise(struct cw_sim_hw *hw, unsigned irq, int cpu)
{
	struct sim_hw_irq_line *line;
	struct sim_hw_delivery *d;
	uint64_t lat;

	if (!hw || irq >= hw->p.nr_irqs) {
		return CW_EINVAL;
	}
	line = &hw->irqs[irq];
	if (line->flags & CW_SIM_HW_IRQ_PERCPU) {
		if (cpu < 0 || (unsigned)cpu >= hw->nr_cpus) {
			return CW_EINVAL;
		}
	}
	line->stats.raised++;
	if (!line->del) {
		/* Nobody listens: the interrupt goes nowhere. */
		line->stats.lost++;
		return 0;
	}
	if (line->flags & CW_SIM_HW_IRQ_PERCPU) {
		d = &line->del[cpu];
	} else {
		d = &line->del[0];
	}
	if (cw_sim_event_pending(&d->ev) || d->logged) {
		line->stats.merged++;
		return 0;
	}
	if (!(line->flags & CW_SIM_HW_IRQ_PERCPU)) {
		/* The route is taken at raise time; a later affinity change moves later raises. */
		d->ev.cpu = line->affinity;
	}
	lat = line->has_latency ? line->latency_ns : hw->p.irq_latency_ns;
	d->woken = false;
	cw_sim_event_schedule(hw->sim, &d->ev, cw_sim_now_ns(hw->sim) + lat);
	return 0;
}

CW_API int cw_sim_hw_irq_get_stats(const struct cw_sim_hw *hw, unsigned irq,
				   struct cw_sim_hw_irq_stats *out)
{
	if (!hw || irq >= hw->p.nr_irqs || !out) {
		return CW_EINVAL;
	}
	*out = hw->irqs[irq].stats;
	return 0;
}

CW_API void cw_sim_hw_send_ipi(struct cw_sim_hw *hw, unsigned cpu)
{
	struct sim_hw_delivery *d;

	if (!hw || cpu >= hw->nr_cpus) {
		return;
	}
	d = &hw->cpus[cpu].ipi;
	if (cw_sim_event_pending(&d->ev) || d->logged) {
		return;
	}
	d->woken = false;
	if (hw->trace) {
		cw__sim_trace_cpu(hw, CW_SIM_TRACE_IPI_SEND, cpu, cpu);
	}
	cw_sim_event_schedule(hw->sim, &d->ev, cw_sim_now_ns(hw->sim) + hw->p.ipi_latency_ns);
}

void cw__sim_hw_ipi_init(struct cw_sim_hw *hw, unsigned cpu)
{
	delivery_init(&hw->cpus[cpu].ipi, hw, SIM_HW_IPI, cpu);
	delivery_init(&hw->cpus[cpu].synth, hw, SIM_HW_SYNTH, cpu);
	hw->cpus[cpu].log_head = NULL;
	hw->cpus[cpu].log_tail = &hw->cpus[cpu].log_head;
}

/* Take @d out of its CPU's in-band log (a line being freed). */
static void log_remove(struct cw_sim_hw *hw, struct sim_hw_delivery *d)
{
	struct sim_hw_cpu *c = &hw->cpus[d->ev.cpu];

	if (!d->logged) {
		return;
	}
	for (struct sim_hw_delivery **pp = &c->log_head; *pp; pp = &(*pp)->log_next) {
		if (*pp == d) {
			*pp = d->log_next;
			break;
		}
	}
	c->log_tail = &c->log_head;
	while (*c->log_tail) {
		c->log_tail = &(*c->log_tail)->log_next;
	}
	d->logged = false;
	d->log_next = NULL;
}

CW_API int cw_sim_hw_irq_set_oob(struct cw_sim_hw *hw, unsigned irq, bool oob)
{
	if (!hw || irq >= hw->p.nr_irqs) {
		return CW_EINVAL;
	}
	hw->irqs[irq].oob = oob;
	return 0;
}

CW_API bool cw_sim_hw_irq_is_oob(const struct cw_sim_hw *hw, unsigned irq)
{
	return hw && irq < hw->p.nr_irqs && hw->irqs[irq].oob;
}

CW_API int cw_sim_hw_synth_request(struct cw_sim_hw *hw, cw_sim_hw_synth_fn fn, void *arg)
{
	if (!hw) {
		return CW_EINVAL;
	}
	if (fn && hw->synth_fn) {
		return CW_EBUSY;
	}
	if (!fn) {
		for (unsigned i = 0; i < hw->nr_cpus; i++) {
			cw_sim_event_cancel(hw->sim, &hw->cpus[i].synth.ev);
			log_remove(hw, &hw->cpus[i].synth);
		}
	}
	hw->synth_fn = fn;
	hw->synth_arg = arg;
	return 0;
}

CW_API int cw_sim_hw_synth_post(struct cw_sim_hw *hw, unsigned cpu)
{
	struct sim_hw_delivery *d;
	struct sim_hw_cpu *c;

	if (!hw || cpu >= hw->nr_cpus || !hw->synth_fn) {
		return CW_EINVAL;
	}
	c = &hw->cpus[cpu];
	d = &c->synth;
	if (d->logged || cw_sim_event_pending(&d->ev)) {
		return 0;
	}
	if (c->in_oob && hw->sim->current_cpu == cpu) {
		/* From the oob stage: logged, replayed when the oob handler returns (deliver_fire).
		 */
		log_append(hw, cpu, d);
		return 0;
	}
	d->woken = false;
	cw_sim_event_schedule(hw->sim, &d->ev, cw_sim_now_ns(hw->sim));
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Timer registry */

/**
 * One row per timer kind (hw-kinds.def): the compatible string, the model
 * (registers, defaults: hw-X.c) and its driver (drv-X.c).
 */
static const struct sim_hw_kind {
	const char *compatible;
	const struct sim_hw_timer_ops *ops;
	const struct sim_hw_driver *drv;
} timer_kinds[CW_SIM_HW_NR_TIMER_TYPES] = {
#define SIM_HW_KIND(type, model, section, drvname, compat, when)                                   \
	[CW_SIM_HW_##type] = { compat, &cw__sim_hw_##model##_ops, &cw__sim_drv_##model },
#include "port/sim/hw-kinds.def"
#undef SIM_HW_KIND
};

/* The zero fields of @p from the type's ops (the one table of defaults per kind). */
static void fill_type_defaults(const struct sim_hw_timer_ops *ops, struct cw_sim_hw_timer_params *p)
{
	if (!p->name) {
		p->name = ops->name;
	}
	p->c3stop = p->c3stop || ops->c3stop;
	p->freq_hz = p->freq_hz ? p->freq_hz : ops->freq_hz;
	p->width_bits = p->width_bits ? p->width_bits : ops->width_bits;
	p->min_delta_ticks = p->min_delta_ticks ? p->min_delta_ticks : ops->min_delta_ticks;
	p->rating = p->rating ? p->rating : ops->rating;
	p->irq = p->irq > 0 ? p->irq : ops->irq;
	p->nr_channels = p->nr_channels ? p->nr_channels : ops->nr_channels;
	p->storm_limit = p->storm_limit ? p->storm_limit : CW_SIM_HW_DEFAULT_STORM_LIMIT;
	p->clocksource_rating = p->clocksource_rating ? p->clocksource_rating : ops->cs_rating;
	if (!p->max_delta_ticks && p->width_bits >= 1 && p->width_bits <= 64) {
		/* The driver's limit, within the counter's width (a narrower counter caps it). */
		uint64_t mask = cw__sim_hw_mask(p->width_bits);

		p->max_delta_ticks = ops->max_delta_ticks && ops->max_delta_ticks < mask
					     ? ops->max_delta_ticks
					     : mask;
	}
}

int cw__sim_hw_type_defaults(struct cw_sim_hw_timer_params *p)
{
	if ((unsigned)p->type >= CW_SIM_HW_NR_TIMER_TYPES) {
		return CW_EINVAL;
	}
	fill_type_defaults(timer_kinds[p->type].ops, p);
	return 0;
}

bool cw__sim_hw_type_percpu(enum cw_sim_hw_timer_type type)
{
	return (unsigned)type < CW_SIM_HW_NR_TIMER_TYPES && timer_kinds[type].ops->percpu;
}

bool cw__sim_hw_type_periodic(enum cw_sim_hw_timer_type type)
{
	return (unsigned)type < CW_SIM_HW_NR_TIMER_TYPES &&
	       (timer_kinds[type].drv->tmpl.features & CW_CLOCKEVENT_FEAT_PERIODIC);
}

static int fill_defaults(struct cw_sim_hw *hw, const struct sim_hw_kind *kind,
			 struct cw_sim_hw_timer_params *p)
{
	const struct sim_hw_timer_ops *ops = kind->ops;

	fill_type_defaults(ops, p);
	if (!p->name[0] || strlen(p->name) >= SIM_HW_NAME_MAX) {
		return CW_EINVAL;
	}
	if (p->width_bits < 16 || p->width_bits > 64 || p->freq_hz == 0 ||
	    p->min_delta_ticks > p->max_delta_ticks || p->drift_ppb > CW_SIM_DRIFT_MAX_PPB ||
	    p->drift_ppb < -CW_SIM_DRIFT_MAX_PPB || p->nr_channels == 0 ||
	    p->nr_channels > SIM_HW_MAX_CHANNELS || (p->clocksource && !kind->drv->cs_read)) {
		return CW_EINVAL;
	}
	if ((unsigned)p->irq + (ops->percpu ? 1 : p->nr_channels) > hw->p.nr_irqs) {
		return CW_EINVAL;
	}
	return 0;
}

/* The line handler of a model's per-CPU line (@p arg: the model). */
static void chan_line_percpu(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg);
/* The line handler of a model's channel line (@p arg: the channel). */
static void chan_line(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg);

/*
 * Set up a model: its channels (counter reference, line, event),
 * the model's own set-up, its lines, then the driver's devices.
 */
static int chans_init(struct cw_sim_hw_timer *t)
{
	const struct sim_hw_timer_ops *ops = t->ops;
	int ret;

	t->chans = calloc(t->nr_devs, ops->chan_size);
	t->devs = calloc(t->nr_devs, sizeof(*t->devs));
	if (!t->chans || !t->devs) {
		return CW_ENOMEM;
	}
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct sim_hw_chan *ch = cw__sim_hw_chan(t, i);

		ch->t = t;
		ch->index = i;
		ch->irq = (unsigned)t->p.irq + (ops->percpu ? 0 : i);
		ch->irq_cpu = ops->percpu ? (int)i : CW_SIM_HW_IRQ_AFFINITY;
		if (ops->down_counter) {
			cw__sim_hw_clock_init(&ch->own, cw__sim_hw_now(t->hw), 0, t->p.freq_hz,
					      t->p.drift_ppb);
			ch->clk = &ch->own;
		} else {
			ch->clk = &t->clk;
		}
		cw_sim_event_init(&ch->ev, cw__sim_hw_chan_event, ch);
		if (ops->percpu) {
			ch->ev.cpu = i;
		}
	}
	ret = ops->setup ? ops->setup(t) : 0;
	if (ret) {
		return ret;
	}
	if (ops->percpu) {
		ret = cw__sim_hw_timer_request_irq(t, CW_SIM_HW_IRQ_PERCPU, chan_line_percpu, t);
	}
	for (unsigned i = 0; !ops->percpu && !ret && i < t->nr_devs; i++) {
		ret = cw__sim_hw_timer_request_irq(t, 0, chan_line, cw__sim_hw_chan(t, i));
	}
	if (ret) {
		return ret;
	}
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct sim_hw_drv_dev *d = &t->devs[i];

		d->t = t;
		d->index = i;
		cw__sim_hw_dev_init(t, i, &d->dev, d->name, &t->drv->tmpl, d);
		if (t->drv->setup) {
			t->drv->setup(d);
		}
	}
	return 0;
}

/* A model's interrupt: the model's acknowledge (edge), the driver's isr, the model's EOI. */
static void chan_irq(struct sim_hw_chan *ch)
{
	struct cw_sim_hw_timer *t = ch->t;

	if (t->ops->edge) {
		ch->flag = false;
	}
	t->drv->isr(&t->devs[ch->index]);
	if (t->ops->eoi) {
		t->ops->eoi(ch);
	}
}

static void chan_line_percpu(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	(void)hw;
	(void)irq;
	chan_irq(cw__sim_hw_chan(arg, cpu));
}

static void chan_line(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	(void)hw;
	(void)irq;
	(void)cpu;
	chan_irq(arg);
}

CW_API int cw_sim_hw_timer_create(struct cw_sim_hw *hw, const struct cw_sim_hw_timer_params *p,
				  struct cw_sim_hw_timer **out)
{
	struct cw_sim_hw_timer_params q;
	const struct sim_hw_kind *kind;
	const struct sim_hw_timer_ops *ops;
	struct cw_sim_hw_timer *t, **tail;
	unsigned nr_devs;
	int ret;

	if (!hw || !p || (unsigned)p->type >= CW_SIM_HW_NR_TIMER_TYPES) {
		return CW_EINVAL;
	}
	kind = &timer_kinds[p->type];
	ops = kind->ops;
	q = *p;
	ret = fill_defaults(hw, kind, &q);
	if (ret) {
		return ret;
	}
	nr_devs = ops->percpu ? hw->nr_cpus : q.nr_channels;
	t = calloc(1, sizeof(*t));
	if (!t) {
		return CW_ENOMEM;
	}
	t->hw = hw;
	t->ops = ops;
	t->drv = kind->drv;
	t->p = q;
	strcpy(t->name, q.name);
	t->p.name = t->name;
	t->nr_devs = nr_devs;
	cw__sim_hw_clock_init(&t->clk, cw__sim_hw_now(hw), 0, q.freq_hz, q.drift_ppb);
	t->stats = calloc(t->nr_devs, sizeof(*t->stats));
	ret = t->stats ? chans_init(t) : CW_ENOMEM;
	if (ret) {
		timer_free(t);
		return ret;
	}
	for (tail = &hw->timers; *tail; tail = &(*tail)->next) {
	}
	*tail = t;
	hw->nr_timers++;
	if (out) {
		*out = t;
	}
	return 0;
}

void cw__sim_hw_dev_name(const struct cw_sim_hw_timer *t, unsigned index, char *buf, size_t len)
{
	if (t->nr_devs == 1) {
		snprintf(buf, len, "%s", t->name);
	} else {
		snprintf(buf, len, "%s.%u", t->name, index);
	}
}

void cw__sim_hw_dev_init(struct cw_sim_hw_timer *t, unsigned index,
			 struct cw_clock_event_device *dev, char *name,
			 const struct cw_clock_event_device *tmpl, void *driver_data)
{
	*dev = *tmpl;
	if (name) {
		cw__sim_hw_dev_name(t, index, name, SIM_HW_DEV_NAME_MAX);
		dev->name = name;
	} else {
		dev->name = t->name;
	}
	dev->rating = t->p.rating;
	if (t->ops->percpu) {
		dev->irq = t->p.irq;
		dev->cpu = (int)index;
		if (t->p.c3stop) {
			dev->features |= CW_CLOCKEVENT_FEAT_C3STOP;
		}
	} else {
		dev->irq = t->p.irq + (int)index;
		dev->cpu = CW_CLOCKEVENT_ANY_CPU;
	}
	dev->driver_data = driver_data;
}

int cw__sim_hw_register_dev(struct cw_sim_hw_timer *t, struct cw_clock_event_device *dev)
{
	if (t->hw->trace) {
		cw__sim_trace_wrap_dev(t->hw, dev);
	}
	/* The model knows its own frequency error: the claim API matches on it. */
	dev->accuracy_ppb = (uint32_t)(t->p.drift_ppb < 0 ? -t->p.drift_ppb : t->p.drift_ppb);
	return cw_clockevents_config_and_register(t->hw->sys, dev, t->p.freq_hz,
						  t->p.min_delta_ticks, t->p.max_delta_ticks);
}

CW_API int cw_sim_hw_timer_register(struct cw_sim_hw_timer *t)
{
	struct cw_clock_event_device *dev;
	int ret;

	if (!t || !t->hw->sys) {
		return CW_EINVAL;
	}
	if (t->registered) {
		return CW_EBUSY;
	}
	t->registered = true;
	if (t->p.clocksource) {
		t->cs.name = t->name;
		t->cs.read = t->drv->cs_read;
		t->cs.mask = cw__sim_hw_mask(t->p.width_bits);
		t->cs.rating = t->p.clocksource_rating;
		t->cs.flags = CW_CLOCKSOURCE_IS_CONTINUOUS;
		t->cs.driver_data = t;
		ret = cw_clocksource_register_hz(t->hw->sys, &t->cs, t->p.freq_hz);
		if (ret) {
			return ret;
		}
	}
	for (unsigned i = 0; i < t->nr_devs; i++) {
		dev = cw_sim_hw_timer_device(t, i);
		if (!dev) {
			continue;
		}
		ret = cw__sim_hw_register_dev(t, dev);
		if (ret) {
			cw__sim_hw_log(t->hw, CW_LOG_ERR, "%s: registering %s failed: %s", t->name,
				       dev->name, cw_strerror(ret));
			return ret;
		}
	}
	return 0;
}

CW_API enum cw_sim_hw_timer_type cw_sim_hw_timer_type(const struct cw_sim_hw_timer *t)
{
	return t->p.type;
}

CW_API const char *cw_sim_hw_timer_type_compatible(enum cw_sim_hw_timer_type type)
{
	if ((unsigned)type >= CW_SIM_HW_NR_TIMER_TYPES) {
		return NULL;
	}
	return timer_kinds[type].compatible;
}

CW_API const char *cw_sim_hw_timer_compatible(const struct cw_sim_hw_timer *t)
{
	return timer_kinds[t->p.type].compatible;
}

CW_API unsigned cw_sim_hw_timer_nr_devices(const struct cw_sim_hw_timer *t)
{
	return t->nr_devs;
}

CW_API struct cw_clock_event_device *cw_sim_hw_timer_device(struct cw_sim_hw_timer *t,
							    unsigned index)
{
	if (!t || index >= t->nr_devs) {
		return NULL;
	}
	return t->devs[index].no_dev ? NULL : &t->devs[index].dev;
}

CW_API int cw_sim_hw_timer_get_stats(const struct cw_sim_hw_timer *t, unsigned index,
				     struct cw_sim_hw_timer_stats *out)
{
	if (!t || index >= t->nr_devs || !out) {
		return CW_EINVAL;
	}
	*out = t->stats[index];
	return 0;
}

CW_API int cw_sim_hw_timer_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
				uint64_t *value)
{
	if (!t || index >= t->nr_devs || !value) {
		return CW_EINVAL;
	}
	return t->ops->read(t, index, reg, value);
}

CW_API int cw_sim_hw_timer_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
				 uint64_t value)
{
	if (!t || index >= t->nr_devs) {
		return CW_EINVAL;
	}
	return t->ops->write(t, index, reg, value);
}

/* ---- what a driver reaches (hw-driver.h) ---- */

uint64_t cw__sim_hw_reg_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg)
{
	uint64_t value = 0;

	/* A driver reads only registers its model has: a miss is a driver bug. */
	if (t->ops->read(t, index, reg, &value)) {
		cw__sim_hw_log(t->hw, CW_LOG_ERR, "%s: driver read of missing register %d", t->name,
			       (int)reg);
	}
	return value;
}

void cw__sim_hw_reg_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
			  uint64_t value)
{
	if (t->ops->write(t, index, reg, value)) {
		cw__sim_hw_log(t->hw, CW_LOG_ERR, "%s: driver write of missing register %d",
			       t->name, (int)reg);
	}
}

const struct cw_sim_hw_timer_params *cw__sim_hw_drv_params(const struct cw_sim_hw_timer *t)
{
	return &t->p;
}

struct cw_sim_hw *cw__sim_hw_drv_hw(const struct cw_sim_hw_timer *t)
{
	return t->hw;
}

uint64_t cw__sim_hw_drv_period_ticks(const struct cw_sim_hw_timer *t)
{
	return cw__sim_hw_period_ticks(t);
}

void cw__sim_hw_drv_note_program(const struct sim_hw_drv_dev *d, bool in_past)
{
	d->t->stats[d->index].programs++;
	if (in_past) {
		d->t->stats[d->index].programmed_in_past++;
	}
}

CW_API unsigned cw_sim_hw_nr_timers(const struct cw_sim_hw *hw)
{
	return hw->nr_timers;
}

CW_API struct cw_sim_hw_timer *cw_sim_hw_timer_at(const struct cw_sim_hw *hw, unsigned index)
{
	struct cw_sim_hw_timer *t = hw->timers;

	while (t && index--) {
		t = t->next;
	}
	return t;
}

CW_API int cw_sim_hw_match(struct cw_sim_hw *hw, const char *compatible, unsigned index, void **out)
{
	if (!hw || !compatible || !out) {
		return CW_ENODEV;
	}
	for (struct cw_sim_hw_timer *t = hw->timers; t; t = t->next) {
		if (strcmp(cw_sim_hw_timer_compatible(t), compatible) == 0 && index-- == 0) {
			*out = t;
			return 0;
		}
	}
	return CW_ENODEV;
}

/* ---------------------------------------------------------------------- */
/* Drivers */

int cw__sim_hw_driver_probe(struct cw_system *sys, void *hw)
{
	struct cw_sim_hw_timer *t = hw;

	if (!t || t->hw->sys != sys) {
		return CW_ENODEV;
	}
	return cw_sim_hw_timer_register(t);
}

#define SIM_HW_DRIVER(var, drvname, compat)                                                        \
	CW_API const struct cw_driver var = {                                                      \
		.name = drvname,                                                                   \
		.compatible = compat,                                                              \
		.level = CW_INIT_EARLY,                                                            \
		.probe = cw__sim_hw_driver_probe,                                                  \
	}

#define SIM_HW_KIND(type, model, section, drvname, compat, when)                                   \
	SIM_HW_DRIVER(cw_sim_hw_##model##_driver, drvname, compat);
#include "port/sim/hw-kinds.def"
#undef SIM_HW_KIND
