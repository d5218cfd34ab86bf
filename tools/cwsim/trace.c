/* SPDX-License-Identifier: MIT */
/*
 * cwsim --trace (trace.h): the Chrome/Perfetto trace-event JSON writer.
 *
 * Document: {"displayTimeUnit": "ns", "traceEvents": [ ...one event a
 * line... ]}. Times ("ts", "dur") are in microseconds with three decimals,
 * so every nanosecond of virtual time is exact. Process 1 is the machine;
 * thread N is CPU N and thread nr_cpus the "system" track (clocksource
 * switches). Instants ("ph": "i", "s": "t") are Linux tracepoints by name:
 *
 *   hrtimer_start, hrtimer_cancel, hrtimer_expire_entry        (hrtimer)
 *   timer_start, timer_cancel, timer_expire_entry              (timer)
 *   tick_stop                                                  (tick)
 *   ipi_raise                                                  (ipi)
 *
 * and, where Linux has no tracepoint, cwsim's own names: tick (a tick
 * handler ran), clockevent_program (a device was programmed: the function
 * clockevents_program_event() in Linux), clocksource_switch.
 *
 * Spans ("ph": "X", with "dur") are written when they end, named after the
 * tracepoint that opens them: irq_handler_entry (to irq_handler_exit),
 * ipi_entry (to ipi_exit), cpu_idle (state N to PWR_EVENT_EXIT). The
 * window clips spans and drops instants outside it.
 *
 * Timers are named by number in order of first appearance, hrtimers and
 * wheel timers each from 1, whatever the filters ("hrtimer": 3; the same
 * numbers as --dump-timers-at): addresses change from run to run, the
 * numbers do not, so a trace is as reproducible as the run. Callbacks are
 * named by their symbol (symbols.h), else by number ("fn2").
 */
#include "trace.h"
#include "jsonw.h"
#include "symbols.h"

#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/sim_trace.h>
#include <clockwork/tick.h>
#include <clockwork/tmigr.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_names[] = {
	"irq", "ipi", "idle", "tick", "clockevent", "hrtimer", "timer", "clocksource", "tmigr",
};

/** A pointer numbered by first appearance. */
struct ids {
	const void **keys;
	uint64_t *vals;
	size_t cap, used;
};

/** Per CPU: the open spans and the tick counters last seen. */
struct trace_cpu {
	uint64_t irq_since_ns;
	unsigned irq;
	bool in_irq;
	uint64_t ipi_since_ns;
	bool in_ipi;
	uint64_t idle_since_ns;
	unsigned idle_state;
	const char *idle_name;
	bool in_idle;
	uint64_t ticks, do_timer_ticks, idle_sleeps;
};

struct cwsim_trace {
	struct cwsim_trace_opts o;
	FILE *f;
	struct jsonw w;
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	unsigned nr_cpus;
	struct trace_cpu *cpus;
	/** IRQ line -> device name (NULL: unknown), built at the first interrupt. */
	const char **irq_names;
	/** IRQ line -> several devices share it (a per-CPU line: each CPU's own names it). */
	bool *irq_shared;
	size_t nr_irq_names;
	bool irq_names_built;
	/** Numbers of hrtimers and wheel timers (each kind from 1), and of unnamed callbacks. */
	struct ids hrtimers, timers, functions;
	/** Timer migration counters last seen (system-wide; see tmigr_events()). */
	struct cw_tmigr_stats tmigr;
	/** Callback names (NULL: numbers only). */
	const struct cwsim_symbols *syms;
	uint64_t events;
	bool oom;
};

bool cwsim_trace_parse_classes(const char *list, unsigned *classes, char *bad)
{
	*classes = 0;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		bool known = false;

		if (n == 3 && strncmp(p, "all", 3) == 0) {
			*classes |= CWSIM_TRACE_ALL;
			known = true;
		}
		for (unsigned i = 0; !known && i < sizeof(class_names) / sizeof(class_names[0]);
		     i++) {
			if (strlen(class_names[i]) == n && strncmp(p, class_names[i], n) == 0) {
				*classes |= 1u << i;
				known = true;
			}
		}
		if (!known) {
			snprintf(bad, 32, "%.*s", (int)(n < 31 ? n : 31), p);
			return false;
		}
		p += n + (p[n] == ',');
	}
	return *classes != 0;
}

const char *cwsim_trace_class_names(void)
{
	return "irq, ipi, idle, tick, clockevent, hrtimer, timer, clocksource, tmigr or all";
}

/* The number of @key (1, 2, ... in order of first appearance); 0 when out of memory. */
static uint64_t id_of(struct cwsim_trace *t, struct ids *ids, const void *key)
{
	size_t i;

	if ((ids->used + 1) * 2 > ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 256;
		const void **keys = calloc(cap, sizeof(*keys));
		uint64_t *vals = calloc(cap, sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			t->oom = true;
			return 0;
		}
		for (size_t j = 0; j < ids->cap; j++) {
			if (ids->keys[j]) {
				size_t k = ((uintptr_t)ids->keys[j] >> 4) * 0x9e3779b97f4a7c15ull >>
					   20;

				for (k &= cap - 1; keys[k]; k = (k + 1) & (cap - 1)) {
				}
				keys[k] = ids->keys[j];
				vals[k] = ids->vals[j];
			}
		}
		free(ids->keys);
		free(ids->vals);
		ids->keys = keys;
		ids->vals = vals;
		ids->cap = cap;
	}
	i = ((uintptr_t)key >> 4) * 0x9e3779b97f4a7c15ull >> 20;
	for (i &= ids->cap - 1; ids->keys[i]; i = (i + 1) & (ids->cap - 1)) {
		if (ids->keys[i] == key) {
			return ids->vals[i];
		}
	}
	ids->keys[i] = key;
	ids->vals[i] = ++ids->used;
	return ids->vals[i];
}

static void ids_free(struct ids *ids)
{
	free(ids->keys);
	free(ids->vals);
}

static bool in_window(const struct cwsim_trace *t, uint64_t ns)
{
	return ns >= t->o.from_ns && ns <= t->o.to_ns;
}

/* Open an event object: name, category, phase, time, track. */
static void begin_event(struct cwsim_trace *t, const char *name, const char *cat, const char *ph,
			uint64_t ns, unsigned tid)
{
	jsonw_object_begin(&t->w, NULL);
	jsonw_string(&t->w, "name", name);
	jsonw_string(&t->w, "cat", cat);
	jsonw_string(&t->w, "ph", ph);
	jsonw_fixed(&t->w, "ts", (int64_t)ns, 3);
	jsonw_u64(&t->w, "pid", 1);
	jsonw_u64(&t->w, "tid", tid);
	if (ph[0] == 'i') {
		jsonw_string(&t->w, "s", "t");
	}
	t->events++;
}

/* An instant on @tid at @ns with its args object left open; false if filtered out. */
static bool instant(struct cwsim_trace *t, unsigned cls, const char *name, const char *cat,
		    uint64_t ns, unsigned tid)
{
	if (!(t->o.classes & cls) || !in_window(t, ns)) {
		return false;
	}
	begin_event(t, name, cat, "i", ns, tid);
	jsonw_object_begin(&t->w, "args");
	return true;
}

static void end_instant(struct cwsim_trace *t)
{
	jsonw_object_end(&t->w);
	jsonw_object_end(&t->w);
}

/* A span [from, to] on @tid, clipped to the window, its args object left open; false if outside. */
static bool span(struct cwsim_trace *t, unsigned cls, const char *name, const char *cat,
		 uint64_t from, uint64_t to, unsigned tid)
{
	if (!(t->o.classes & cls) || to < t->o.from_ns || from > t->o.to_ns) {
		return false;
	}
	from = from < t->o.from_ns ? t->o.from_ns : from;
	to = to > t->o.to_ns ? t->o.to_ns : to;
	begin_event(t, name, cat, "X", from, tid);
	jsonw_fixed(&t->w, "dur", (int64_t)(to - from), 3);
	jsonw_object_begin(&t->w, "args");
	return true;
}

static void function_arg(struct cwsim_trace *t, uintptr_t fn)
{
	const char *sym = cwsim_symbols_name(t->syms, fn);
	char name[32];

	if (sym) {
		jsonw_string(&t->w, "function", sym);
		return;
	}
	snprintf(name, sizeof(name), "fn%llu",
		 (unsigned long long)id_of(t, &t->functions, (const void *)fn));
	jsonw_string(&t->w, "function", name);
}

/* ---------------------------------------------------------------------- */
/* Timers (the checker's observer) */

static const char *clock_name(int id)
{
	return id >= 0 ? cw_clock_name(id) : "jiffies";
}

void cwsim_trace_check_event(struct cwsim_trace *t, const struct cw_check_event *ev)
{
	uint64_t now = cw_sim_now_ns(t->sim);
	unsigned cpu = cw_sim_current_cpu(t->sim);
	bool hr = ev->type <= CW_CHECK_EV_HRTIMER_EXPIRE;
	static const char *const names[] = {
		[CW_CHECK_EV_HRTIMER_START] = "hrtimer_start",
		[CW_CHECK_EV_HRTIMER_CANCEL] = "hrtimer_cancel",
		[CW_CHECK_EV_HRTIMER_EXPIRE] = "hrtimer_expire_entry",
		[CW_CHECK_EV_TIMER_START] = "timer_start",
		[CW_CHECK_EV_TIMER_CANCEL] = "timer_cancel",
		[CW_CHECK_EV_TIMER_EXPIRE] = "timer_expire_entry",
	};
	/* Numbered before any filter, per kind: the numbers do not depend on the filters. */
	uint64_t id = id_of(t, hr ? &t->hrtimers : &t->timers, ev->timer);

	if (!instant(t, hr ? CWSIM_TRACE_HRTIMER : CWSIM_TRACE_TIMER, names[ev->type],
		     hr ? "hrtimer" : "timer", now, cpu)) {
		return;
	}
	jsonw_u64(&t->w, hr ? "hrtimer" : "timer", id);
	if (ev->type == CW_CHECK_EV_HRTIMER_CANCEL || ev->type == CW_CHECK_EV_TIMER_CANCEL) {
		end_instant(t);
		return;
	}
	function_arg(t, ev->function);
	if (hr) {
		jsonw_i64(&t->w, "now_ns", ev->now);
		if (ev->type == CW_CHECK_EV_HRTIMER_START) {
			jsonw_i64(&t->w, "expires_ns", ev->expires);
			jsonw_i64(&t->w, "softexpires_ns", ev->softexpires);
			jsonw_string(&t->w, "clock", clock_name(ev->clock_id));
			jsonw_u64(&t->w, "mode", ev->flags);
			jsonw_i64(&t->w, "base_cpu", ev->cpu);
		}
	} else {
		jsonw_i64(&t->w, "now_jiffies", ev->now);
		if (ev->type == CW_CHECK_EV_TIMER_START) {
			jsonw_i64(&t->w, "expires_jiffies", ev->expires);
			jsonw_bool(&t->w, "deferrable", (ev->flags & CW_TIMER_DEFERRABLE) != 0);
			jsonw_bool(&t->w, "pinned", (ev->flags & CW_TIMER_PINNED) != 0);
		}
	}
	end_instant(t);
}

/* ---------------------------------------------------------------------- */
/* Hardware (the sim port's tracer) */

/* IRQ line -> device name, from the machine's clock event devices. */
static void build_irq_names(struct cwsim_trace *t)
{
	size_t nr = cw_sim_machine_nr_timers(t->m), max = 0;

	t->irq_names_built = true;
	for (size_t i = 0; i < nr; i++) {
		struct cw_sim_hw_timer *hw = cw_sim_machine_timer_at(t->m, i);

		for (unsigned d = 0; d < cw_sim_hw_timer_nr_devices(hw); d++) {
			struct cw_clock_event_device *dev = cw_sim_hw_timer_device(hw, d);

			if (dev && dev->irq >= 0 && (size_t)dev->irq + 1 > max) {
				max = (size_t)dev->irq + 1;
			}
		}
	}
	t->irq_names = calloc(max ? max : 1, sizeof(*t->irq_names));
	t->irq_shared = calloc(max ? max : 1, sizeof(*t->irq_shared));
	if (!t->irq_names || !t->irq_shared) {
		free(t->irq_names);
		free(t->irq_shared);
		t->irq_names = NULL;
		t->irq_shared = NULL;
		return;
	}
	t->nr_irq_names = max;
	for (size_t i = 0; i < nr; i++) {
		struct cw_sim_hw_timer *hw = cw_sim_machine_timer_at(t->m, i);

		for (unsigned d = 0; d < cw_sim_hw_timer_nr_devices(hw); d++) {
			struct cw_clock_event_device *dev = cw_sim_hw_timer_device(hw, d);

			if (dev && dev->irq >= 0) {
				t->irq_shared[dev->irq] = t->irq_names[dev->irq] != NULL;
				if (!t->irq_names[dev->irq]) {
					t->irq_names[dev->irq] = dev->name;
				}
			}
		}
	}
}

/*
 * Ticks and tick stops since the last look, at an interrupt's exit or an
 * idle exit: the tick handler runs inside interrupts, and the tick stops in
 * cw_tick_idle_enter(), so a stop is dated @stop_ns (the idle entry).
 * Never while the core counts the CPU idle (@core_idle): the statistics
 * would read the clock, draw jitter and change the run.
 */
static void tick_events(struct cwsim_trace *t, unsigned cpu, uint64_t now, uint64_t stop_ns,
			bool core_idle)
{
	struct trace_cpu *c = &t->cpus[cpu];
	struct cw_tick_cpu_stats ts = { 0 };

	if (!(t->o.classes & CWSIM_TRACE_TICK) || core_idle) {
		return;
	}
	cw_tick_get_cpu_stats(t->sys, cpu, &ts);
	if (ts.ticks != c->ticks && instant(t, CWSIM_TRACE_TICK, "tick", "tick", now, cpu)) {
		jsonw_u64(&t->w, "ticks", ts.ticks - c->ticks);
		jsonw_bool(&t->w, "do_timer", ts.do_timer_ticks != c->do_timer_ticks);
		end_instant(t);
	}
	if (ts.idle_sleeps != c->idle_sleeps &&
	    instant(t, CWSIM_TRACE_TICK, "tick_stop", "tick", stop_ns, cpu)) {
		jsonw_u64(&t->w, "success", 1);
		jsonw_string(&t->w, "dependency", "NONE");
		end_instant(t);
	}
	c->ticks = ts.ticks;
	c->do_timer_ticks = ts.do_timer_ticks;
	c->idle_sleeps = ts.idle_sleeps;
}

/* The device on line @irq of @cpu: for a per-CPU line, that CPU's own device. */
static const char *irq_name(const struct cwsim_trace *t, unsigned irq, unsigned cpu)
{
	struct cw_clock_event_device *dev;

	if (irq >= t->nr_irq_names) {
		return NULL;
	}
	if (t->irq_shared[irq]) {
		dev = cw_tick_device(t->sys, cpu);
		if (dev && dev->irq == (int)irq) {
			return dev->name;
		}
	}
	return t->irq_names[irq];
}

/*
 * Timer migration since the last look (include/clockwork/tmigr.h), under
 * Linux's tracepoint names. The counters are system-wide, but each moves
 * on the CPU whose hook comes next: a deactivation inside the
 * cw_tick_idle_enter() right before that CPU's idle entry, an activation
 * inside the cw_tick_idle_exit() right before its idle exit, a remote
 * expiry in the soft work of the interrupt that just exited on it.
 */
static void tmigr_events(struct cwsim_trace *t, unsigned cpu, uint64_t now)
{
	struct cw_tmigr_stats s;
	static const struct {
		const char *name;
		size_t off;
	} evs[] = {
		{ "tmigr_cpu_idle", offsetof(struct cw_tmigr_stats, deactivations) },
		{ "tmigr_cpu_active", offsetof(struct cw_tmigr_stats, activations) },
		{ "tmigr_handle_remote", offsetof(struct cw_tmigr_stats, remote_runs) },
		{ "tmigr_cpu_new_timer", offsetof(struct cw_tmigr_stats, new_timer_updates) },
	};

	if (!(t->o.classes & CWSIM_TRACE_TMIGR) || cw_tmigr_get_stats(t->sys, &s) != 0) {
		return;
	}
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		uint64_t now_v, was;

		memcpy(&now_v, (const char *)&s + evs[i].off, sizeof(now_v));
		memcpy(&was, (const char *)&t->tmigr + evs[i].off, sizeof(was));
		if (now_v != was && instant(t, CWSIM_TRACE_TMIGR, evs[i].name, "tmigr", now, cpu)) {
			jsonw_u64(&t->w, "count", now_v - was);
			end_instant(t);
		}
	}
	t->tmigr = s;
}

static void end_irq(struct cwsim_trace *t, unsigned cpu, uint64_t now)
{
	struct trace_cpu *c = &t->cpus[cpu];

	c->in_irq = false;
	if (span(t, CWSIM_TRACE_IRQ, "irq_handler_entry", "irq", c->irq_since_ns, now, cpu)) {
		jsonw_u64(&t->w, "irq", c->irq);
		jsonw_string(&t->w, "name", irq_name(t, c->irq, cpu));
		jsonw_string(&t->w, "ret", "handled");
		end_instant(t);
	}
}

static void end_ipi(struct cwsim_trace *t, unsigned cpu, uint64_t now)
{
	struct trace_cpu *c = &t->cpus[cpu];

	c->in_ipi = false;
	if (span(t, CWSIM_TRACE_IPI, "ipi_entry", "ipi", c->ipi_since_ns, now, cpu)) {
		jsonw_string(&t->w, "reason", "clockwork");
		end_instant(t);
	}
}

static void end_idle(struct cwsim_trace *t, unsigned cpu, uint64_t now)
{
	struct trace_cpu *c = &t->cpus[cpu];

	c->in_idle = false;
	if (span(t, CWSIM_TRACE_IDLE, "cpu_idle", "idle", c->idle_since_ns, now, cpu)) {
		jsonw_u64(&t->w, "state", c->idle_state);
		jsonw_string(&t->w, "name", c->idle_name);
		end_instant(t);
	}
}

void cwsim_trace_hw_event(struct cwsim_trace *t, uint64_t now, const struct cw_sim_trace_rec *rec)
{
	unsigned cpu = rec->cpu < t->nr_cpus ? rec->cpu : 0;
	struct trace_cpu *c = &t->cpus[cpu];

	switch (rec->type) {
	case CW_SIM_TRACE_IRQ_ENTRY:
		if (!t->irq_names_built) {
			build_irq_names(t);
		}
		c->in_irq = true;
		c->irq = rec->irq;
		c->irq_since_ns = now;
		break;
	case CW_SIM_TRACE_IRQ_EXIT:
		end_irq(t, cpu, now);
		tick_events(t, cpu, now, now, rec->core_idle);
		tmigr_events(t, cpu, now);
		break;
	case CW_SIM_TRACE_IPI_ENTRY:
		c->in_ipi = true;
		c->ipi_since_ns = now;
		break;
	case CW_SIM_TRACE_IPI_EXIT:
		end_ipi(t, cpu, now);
		tick_events(t, cpu, now, now, rec->core_idle);
		tmigr_events(t, cpu, now);
		break;
	case CW_SIM_TRACE_IPI_SEND:
		if (instant(t, CWSIM_TRACE_IPI, "ipi_raise", "ipi", now, cpu)) {
			jsonw_array_begin(&t->w, "target_cpus");
			jsonw_u64(&t->w, NULL, rec->target);
			jsonw_array_end(&t->w);
			end_instant(t);
		}
		break;
	case CW_SIM_TRACE_IDLE_ENTER:
		c->in_idle = true;
		c->idle_since_ns = now;
		c->idle_state = rec->state;
		c->idle_name = rec->state_name;
		tmigr_events(t, cpu, now);
		break;
	case CW_SIM_TRACE_IDLE_EXIT:
		end_idle(t, cpu, now);
		tick_events(t, cpu, now, c->idle_since_ns, rec->core_idle);
		tmigr_events(t, cpu, now);
		break;
	case CW_SIM_TRACE_CE_PROGRAM:
		if (instant(t, CWSIM_TRACE_CLOCKEVENT, "clockevent_program", "clockevent", now,
			    cpu)) {
			jsonw_string(&t->w, "device", rec->dev->name);
			if (rec->expires_ns >= 0) {
				jsonw_i64(&t->w, "expires_ns", rec->expires_ns);
			} else {
				jsonw_u64(&t->w, "delta_cycles", rec->delta_cycles);
			}
			jsonw_i64(&t->w, "ret", rec->ret);
			end_instant(t);
		}
		break;
	}
}

void cwsim_trace_log(struct cwsim_trace *t, const char *line)
{
	static const char key[] = "clocksource: Switched to clocksource ";
	const char *hit = t ? strstr(line, key) : NULL;
	uint64_t now;

	if (!hit) {
		return;
	}
	now = cw_sim_now_ns(t->sim);
	if (instant(t, CWSIM_TRACE_CLOCKSOURCE, "clocksource_switch", "clocksource", now,
		    t->nr_cpus)) {
		jsonw_string(&t->w, "clocksource", hit + sizeof(key) - 1);
		end_instant(t);
	}
}

/* ---------------------------------------------------------------------- */
/* Document */

static void track_names(struct cwsim_trace *t, const char *machine)
{
	char name[96];

	jsonw_object_begin(&t->w, NULL);
	jsonw_string(&t->w, "name", "process_name");
	jsonw_string(&t->w, "ph", "M");
	jsonw_u64(&t->w, "pid", 1);
	jsonw_object_begin(&t->w, "args");
	snprintf(name, sizeof(name), "cwsim %s", machine);
	jsonw_string(&t->w, "name", name);
	jsonw_object_end(&t->w);
	jsonw_object_end(&t->w);
	for (unsigned cpu = 0; cpu <= t->nr_cpus; cpu++) {
		for (int k = 0; k < 2; k++) {
			jsonw_object_begin(&t->w, NULL);
			jsonw_string(&t->w, "name", k ? "thread_sort_index" : "thread_name");
			jsonw_string(&t->w, "ph", "M");
			jsonw_u64(&t->w, "pid", 1);
			jsonw_u64(&t->w, "tid", cpu);
			jsonw_object_begin(&t->w, "args");
			if (k) {
				jsonw_u64(&t->w, "sort_index", cpu);
			} else {
				snprintf(name, sizeof(name), cpu < t->nr_cpus ? "CPU %u" : "system",
					 cpu);
				jsonw_string(&t->w, "name", name);
			}
			jsonw_object_end(&t->w);
			jsonw_object_end(&t->w);
		}
	}
}

struct cwsim_trace *cwsim_trace_start(const struct cwsim_trace_opts *o, struct cw_sim *sim,
				      struct cw_sim_machine *m, const char *machine_name,
				      const struct cwsim_symbols *syms, FILE *err)
{
	struct cwsim_trace *t = calloc(1, sizeof(*t));

	if (!t) {
		fprintf(err, "cwsim: --trace: out of memory\n");
		return NULL;
	}
	t->o = *o;
	t->syms = syms;
	t->sim = sim;
	t->m = m;
	t->sys = cw_sim_machine_system(m);
	t->nr_cpus = cw_system_nr_cpus(t->sys);
	cw_tmigr_get_stats(t->sys, &t->tmigr);
	t->cpus = calloc(t->nr_cpus, sizeof(*t->cpus));
	t->f = t->cpus ? fopen(o->path, "w") : NULL;
	if (!t->f) {
		fprintf(err, "cwsim: --trace: cannot create '%s': %s\n", o->path,
			t->cpus ? strerror(errno) : "out of memory");
		free(t->cpus);
		free(t);
		return NULL;
	}
	jsonw_init(&t->w, t->f, 2);
	jsonw_object_begin(&t->w, NULL);
	jsonw_string(&t->w, "displayTimeUnit", "ns");
	jsonw_array_begin(&t->w, "traceEvents");
	track_names(t, machine_name);
	return t;
}

int cwsim_trace_finish(struct cwsim_trace *t, FILE *err)
{
	uint64_t now;
	int bad;
	bool oom;

	if (!t) {
		return 0;
	}
	now = cw_sim_now_ns(t->sim);
	for (unsigned cpu = 0; cpu < t->nr_cpus; cpu++) {
		if (t->cpus[cpu].in_irq) {
			end_irq(t, cpu, now);
		}
		if (t->cpus[cpu].in_ipi) {
			end_ipi(t, cpu, now);
		}
		if (t->cpus[cpu].in_idle) {
			end_idle(t, cpu, now);
			/* After the report: this clock read changes nothing printed. */
			tick_events(t, cpu, now, t->cpus[cpu].idle_since_ns, false);
		}
	}
	jsonw_array_end(&t->w);
	jsonw_object_end(&t->w);
	bad = jsonw_finish(&t->w);
	bad |= fclose(t->f);
	oom = t->oom;
	if (bad || oom) {
		fprintf(err, "cwsim: --trace: cannot write '%s'%s\n", t->o.path,
			t->oom ? " (out of memory)" : "");
	}
	ids_free(&t->hrtimers);
	ids_free(&t->timers);
	ids_free(&t->functions);
	free(t->irq_names);
	free(t->irq_shared);
	free(t->cpus);
	free(t);
	return bad || oom ? -1 : 0;
}

uint64_t cwsim_trace_events(const struct cwsim_trace *t)
{
	return t ? t->events : 0;
}
