/* SPDX-License-Identifier: MIT */
/*
 * A machine built from a description and running on the engine: a sim
 * system with the machine's CPUs, the modelled hardware (struct cw_sim_hw:
 * interrupt controller with the [irq] latencies and affinities, CPU model
 * with the [idle] states), one counter model per [counter] section and one
 * timer model per timer section.
 *
 * Boot order follows the kernel: the machine's hardware appears first (the
 * "sim:" lines say what it is); cw_sim_machine_boot() boots the system,
 * whose machine hooks are this file's: init_irq applies the interrupt
 * routing, init_time probes the system timer drivers (drivers.c), which
 * register the counters as clocksources and the timers as clock event
 * devices; the init levels follow (spare SH-TMU channels at "device", the
 * best clocksource at "fs"). Then the watchdog (and, on a machine without
 * clock event devices, the port's legacy do_timer tick) starts.
 *
 * Lifetime: the machine owns its system, its hardware, its counters and
 * its workload run; destroying it stops the workload, destroys the system
 * first (which unlinks the clocksources and clock event devices embedded
 * in the models), then the hardware, then the counters. The engine must
 * outlive the machine.
 */
#include <clockwork/sim.h>
#include <clockwork/check.h>
#include <clockwork/clocksource.h>
#include <clockwork/driver/init.h>
#include <clockwork/sim_hw.h>
#include <clockwork/system.h>

#include "port/sim/hw-internal.h"
#include "port/sim/sim-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** A machine instance (see the file comment for ownership). */
struct cw_sim_machine {
	/** The engine. */
	struct cw_sim *sim;
	/** The machine's system. */
	struct cw_system *sys;
	/** Counter models, in file order. */
	struct cw_sim_counter **counters;
	/** Number of entries in @counters that exist. */
	size_t nr_counters;
	/** Driver handles of the counters (rating and flags from the file). */
	struct cw__sim_counter_hw *counter_hw;
	/** The machine's hardware. */
	struct cw_sim_hw *hw;
	/** Timer models, one per timer section, in file order. */
	struct cw_sim_hw_timer **timers;
	/** Number of entries in @timers that exist. */
	size_t nr_timers;
	/** Compatible string of each timer section (the file may rename the hardware). */
	char (*compatible)[CW_SIM_COMPATIBLE_MAX];
	/** Boot-time interrupt routing. */
	struct cw_sim_irq_affinity_desc *affinity;
	size_t nr_affinity;
	/** Machine name for the boot log, and the machine hooks. */
	char name[CW_SIM_MACHINE_NAME_MAX];
	struct cw_machine_ops ops;
	/** Depth of each idle state ([idle] state lines; none: one shallow state). */
	bool idle_deep[CW_SIM_MAX_IDLE_STATES];
	unsigned nr_idle_states;
	/** The workload run, if one was started. */
	struct cw_sim_workload_run *workload;
};

static void log_machine(struct cw_system *sys, const struct cw_sim_machine_desc *d)
{
	char cpus[128];

	cw_sim_system_log(sys, CW_LOG_INFO,
			  "sim: machine '%s': %u CPU%s, %u NUMA node%s, %zu "
			  "counter%s",
			  d->name, d->nr_cpus, d->nr_cpus == 1 ? "" : "s", d->nr_nodes,
			  d->nr_nodes == 1 ? "" : "s", d->nr_counters,
			  d->nr_counters == 1 ? "" : "s");
	if (d->description[0]) {
		cw_sim_system_log(sys, CW_LOG_INFO, "sim: %s", d->description);
	}
	for (unsigned i = 0; i < d->nr_nodes; i++) {
		size_t n = cw__sim_format_cpulist(&d->nodes[i], cpus, sizeof(cpus));

		cw_sim_system_log(sys, CW_LOG_INFO, "sim: node %u: CPUs %s%s", d->nodes[i].id, cpus,
				  n >= sizeof(cpus) ? "..." : "");
	}
}

/* [system]: the caller's non-zero values win over the file's. */
static void apply_system_section(struct cw_system_config *c, const struct cw_sim_machine_desc *d)
{
	if (!c->hz) {
		c->hz = d->hz;
	}
	if (!c->initial_jiffies) {
		c->initial_jiffies = d->initial_jiffies;
	}
	if (!c->realtime_init_ns && d->realtime_set) {
		c->realtime_init_ns = d->realtime_init_ns;
	}
}

/* Where the clocks start, so a run placed next to a boundary says so. */
static void log_start_state(struct cw_system *sys, const struct cw_system_config *c)
{
	char iso[48];

	cw__sim_format_iso_utc(c->realtime_init_ns, iso, sizeof(iso));
	cw_sim_system_log(sys, CW_LOG_INFO,
			  "sim: start: HZ=%u, jiffies 0x%llx%s, REALTIME %s (%lld ns)",
			  cw_system_hz(sys), (unsigned long long)cw_jiffies_get(sys),
			  c->initial_jiffies ? "" : " (INITIAL_JIFFIES)", iso,
			  (long long)c->realtime_init_ns);
}

/* A finding of cw_sim_machine_desc_check(), into the boot log. */
static void log_finding(void *arg, bool error, const char *msg)
{
	cw_sim_system_log(arg, error ? CW_LOG_ERR : CW_LOG_WARNING, "sim: %s", msg);
}

static void log_counter_model(struct cw_system *sys, const struct cw_sim_counter_desc *c)
{
	const struct cw_sim_counter_params *p = &c->params;

	cw_sim_system_log(sys, CW_LOG_INFO,
			  "sim: counter %s: %u bits, %llu Hz, drift %+lld ppb, "
			  "jitter %llu cycles, start 0x%llx%s%s",
			  c->name, p->width_bits, (unsigned long long)p->freq_hz,
			  (long long)p->drift_ppb, (unsigned long long)p->jitter_cycles,
			  (unsigned long long)p->start_value,
			  p->stops_in_suspend ? ", stops in suspend" : "",
			  p->stops_in_deep_idle ? ", stops in deep idle" : "");
	for (size_t i = 0; i < c->nr_drift_changes; i++) {
		const struct cw_sim_drift_change *dc = &c->drift_changes[i];

		cw_sim_system_log(sys, CW_LOG_INFO,
				  "sim: counter %s: drift becomes %+lld ppb at "
				  "%llu.%09llu s",
				  c->name, (long long)dc->drift_ppb,
				  (unsigned long long)(dc->at_ns / 1000000000u),
				  (unsigned long long)(dc->at_ns % 1000000000u));
	}
}

/* Create the counter model; the "sim-counter" driver registers it at init_time. */
static int add_counter(struct cw_sim_machine *m, const struct cw_sim_counter_desc *c)
{
	struct cw_sim_counter_params p = c->params;
	struct cw_sim_counter *counter;
	int ret;

	p.name = c->name;
	ret = cw_sim_counter_create(m->sim, &p, &counter);
	if (ret) {
		return ret;
	}
	m->counter_hw[m->nr_counters].counter = counter;
	m->counter_hw[m->nr_counters].rating = c->rating;
	m->counter_hw[m->nr_counters].flags = c->flags;
	m->counters[m->nr_counters++] = counter;
	log_counter_model(m->sys, c);
	for (size_t i = 0; i < c->nr_drift_changes; i++) {
		ret = cw_sim_counter_schedule_drift(counter, c->drift_changes[i].at_ns,
						    c->drift_changes[i].drift_ppb);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

/*
 * A machine-file kind is the model's type: the two enums list the kinds in
 * the same order, checked here for every row of hw-kinds.def.
 */
#define SIM_HW_KIND(type, model, section, drvname, compat, when)                                   \
	_Static_assert((int)CW_SIM_TIMER_##type == (int)CW_SIM_HW_##type,                          \
		       "CW_SIM_TIMER_" #type " and CW_SIM_HW_" #type " differ");
#include "port/sim/hw-kinds.def"
#undef SIM_HW_KIND
_Static_assert((int)CW_SIM_TIMER_NR_KINDS == (int)CW_SIM_HW_NR_TIMER_TYPES,
	       "the machine-file kinds and the timer models differ");

static enum cw_sim_hw_timer_type hw_type_of(enum cw_sim_timer_kind kind)
{
	return (enum cw_sim_hw_timer_type)kind;
}

static bool kind_is_percpu(enum cw_sim_timer_kind kind)
{
	return cw__sim_hw_type_percpu(hw_type_of(kind));
}

static void log_timer_model(struct cw_system *sys, const struct cw_sim_timer_desc *t)
{
	char irqs[32];

	if (t->channels > 1) {
		snprintf(irqs, sizeof(irqs), "irqs %u-%u", t->irq, t->irq + t->channels - 1);
	} else {
		snprintf(irqs, sizeof(irqs), "irq %u", t->irq);
	}
	cw_sim_system_log(
		sys, CW_LOG_INFO,
		"sim: timer %s: %s \"%s\", %llu Hz, %u bits, %s, rating %d, %s%s%s%s", t->name,
		cw_sim_timer_kind_name(t->kind), t->compatible, (unsigned long long)t->freq_hz,
		t->width_bits, irqs, t->rating, kind_is_percpu(t->kind) ? "per-CPU" : "global",
		t->c3stop ? ", stops in deep idle" : "", t->erratum ? ", erratum 740657" : "",
		t->kind != CW_SIM_TIMER_GLOBAL_TIMER          ? ""
		: t->clear_order == CW_SIM_CLEAR_FLAG_FIRST   ? ", driver clears the flag first"
		: t->clear_order == CW_SIM_CLEAR_ONESHOT_ONLY ? ", driver tests oneshot only"
							      : "");
}

static int add_timer(struct cw_sim_machine *m, const struct cw_sim_timer_desc *t)
{
	struct cw_sim_hw_timer_params p = { 0 };
	struct cw_sim_hw_timer *model;
	int ret;

	p.type = hw_type_of(t->kind);
	p.name = t->name;
	p.freq_hz = t->freq_hz;
	p.width_bits = t->width_bits;
	p.min_delta_ticks = t->min_delta_ticks;
	p.max_delta_ticks = t->max_delta_ticks;
	p.rating = t->rating;
	p.irq = (int)t->irq;
	p.c3stop = t->c3stop;
	p.nr_channels = t->channels;
	p.erratum = t->erratum;
	p.clear_order = t->clear_order == CW_SIM_CLEAR_FLAG_FIRST     ? CW_SIM_HW_CLEAR_FLAG_FIRST
			: t->clear_order == CW_SIM_CLEAR_ONESHOT_ONLY ? CW_SIM_HW_CLEAR_ONESHOT_ONLY
								      : CW_SIM_HW_CLEAR_DOCUMENTED;
	ret = cw_sim_hw_timer_create(m->hw, &p, &model);
	if (ret) {
		cw_sim_system_log(m->sys, CW_LOG_ERR, "sim: timer %s: cannot model it: %s", t->name,
				  cw_strerror(ret));
		return ret;
	}
	memcpy(m->compatible[m->nr_timers], t->compatible, sizeof(m->compatible[0]));
	m->timers[m->nr_timers++] = model;
	log_timer_model(m->sys, t);
	return 0;
}

/* The interrupt controller needs a line for every timer interrupt the file names. */
static unsigned nr_irq_lines(const struct cw_sim_machine_desc *d)
{
	unsigned n = CW_SIM_HW_DEFAULT_NR_IRQS;

	for (size_t i = 0; i < d->nr_timers; i++) {
		if (d->timers[i].irq + d->timers[i].channels > n) {
			n = d->timers[i].irq + d->timers[i].channels;
		}
	}
	for (size_t i = 0; i < d->nr_irq_affinity; i++) {
		if (d->irq_affinity[i].irq + 1 > n) {
			n = d->irq_affinity[i].irq + 1;
		}
	}
	return n;
}

/*
 * The longest delay the machine adds between an event's time and its
 * handler, for the checker's lateness bounds. The worst chain is a
 * broadcast wakeup: the broadcast device's interrupt reaches a CPU (irq
 * latency) that is itself in the deepest state (exit latency), which sends
 * an IPI (IPI latency) to the sleeping target, which leaves the deepest
 * state too (exit latency again). Idle states are listed shallowest first.
 */
static uint64_t worst_latency_ns(const struct cw_sim_machine_desc *d)
{
	uint64_t exit_ns =
		d->nr_idle_states ? d->idle_states[d->nr_idle_states - 1].exit_latency_ns : 0;

	return d->irq_latency_ns + d->ipi_latency_ns + 2 * exit_ns;
}

static int create_hw(struct cw_sim_machine *m, const struct cw_sim_machine_desc *d)
{
	struct cw_sim_hw_idle_state states[CW_SIM_MAX_IDLE_STATES];
	struct cw_sim_hw_params p = { 0 };
	int ret;

	for (unsigned i = 0; i < d->nr_idle_states; i++) {
		states[i].name = d->idle_states[i].name;
		states[i].deep = d->idle_states[i].deep;
		states[i].exit_latency_ns = d->idle_states[i].exit_latency_ns;
		cw_sim_system_log(
			m->sys, CW_LOG_INFO, "sim: idle state %u: %s, %s, exit latency %llu ns", i,
			states[i].name, states[i].deep ? "deep (C3STOP timers stop)" : "shallow",
			(unsigned long long)states[i].exit_latency_ns);
	}
	for (unsigned i = 0; i < d->nr_idle_states; i++) {
		m->idle_deep[i] = d->idle_states[i].deep;
	}
	m->nr_idle_states = d->nr_idle_states;
	p.irq_latency_ns = d->irq_latency_ns;
	p.ipi_latency_ns = d->ipi_latency_ns;
	cw_check_set_latency_ns(m->sys, worst_latency_ns(d));
	p.nr_irqs = nr_irq_lines(d);
	p.idle_states = d->nr_idle_states ? states : NULL;
	p.nr_idle_states = d->nr_idle_states;
	p.ignore_broadcast_busy = d->ignore_broadcast_busy;
	ret = cw_sim_hw_create(m->sim, m->sys, d->nr_cpus, &p, &m->hw);
	if (ret) {
		return ret;
	}
	cw__sim_port_attach(m->sys, m, m->hw);
	if (d->ignore_broadcast_busy) {
		cw_sim_system_log(m->sys, CW_LOG_WARNING,
				  "sim: idle: CPUs enter deep states even when broadcast refuses "
				  "(ignore_broadcast_busy)");
	}
	return 0;
}

/* init_irq: the interrupt controller and the boot-time routing from [irq]. */
static void machine_init_irq(struct cw_system *sys, void *ctx)
{
	struct cw_sim_machine *m = ctx;

	for (size_t i = 0; i < m->nr_affinity; i++) {
		int ret = cw_sim_hw_irq_set_affinity(m->hw, m->affinity[i].irq, m->affinity[i].cpu);

		cw_sim_system_log(sys, ret ? CW_LOG_WARNING : CW_LOG_INFO,
				  "sim: irq %u routed to CPU%u%s%s", m->affinity[i].irq,
				  m->affinity[i].cpu, ret ? ": " : "", ret ? cw_strerror(ret) : "");
	}
}

/* init_time: time_init -> timer_probe. */
static void machine_init_time(struct cw_system *sys, void *ctx)
{
	cw__sim_probe_time_drivers(sys, ctx);
}

int cw__sim_machine_hw_match(struct cw_sim_machine *m, const char *compatible, unsigned index,
			     void **hw)
{
	unsigned seen = 0;

	if (strcmp(compatible, CW__SIM_COUNTER_COMPATIBLE) == 0) {
		if (index >= m->nr_counters) {
			return CW_ENODEV;
		}
		*hw = &m->counter_hw[index];
		return 0;
	}
	for (size_t i = 0; i < m->nr_timers; i++) {
		if (strcmp(m->compatible[i], compatible) == 0 && seen++ == index) {
			*hw = m->timers[i];
			return 0;
		}
	}
	return CW_ENODEV;
}

static int alloc_tables(struct cw_sim_machine *m, const struct cw_sim_machine_desc *d)
{
	m->counters = calloc(d->nr_counters + 1, sizeof(*m->counters));
	m->counter_hw = calloc(d->nr_counters + 1, sizeof(*m->counter_hw));
	m->timers = calloc(d->nr_timers + 1, sizeof(*m->timers));
	m->compatible = calloc(d->nr_timers + 1, sizeof(*m->compatible));
	m->affinity = calloc(d->nr_irq_affinity + 1, sizeof(*m->affinity));
	if (!m->counters || !m->counter_hw || !m->timers || !m->compatible || !m->affinity) {
		return CW_ENOMEM;
	}
	if (d->nr_irq_affinity) {
		memcpy(m->affinity, d->irq_affinity, d->nr_irq_affinity * sizeof(*m->affinity));
	}
	m->nr_affinity = d->nr_irq_affinity;
	snprintf(m->name, sizeof(m->name), "%s", d->name);
	m->ops.name = m->name;
	m->ops.init_irq = machine_init_irq;
	m->ops.init_time = machine_init_time;
	return 0;
}

CW_API int cw_sim_machine_create(struct cw_sim *sim, const struct cw_sim_machine_desc *desc,
				 const struct cw_system_config *cfg, cw_sim_log_sink_fn sink,
				 void *arg, struct cw_sim_machine **out)
{
	struct cw_system_config c = { 0 };
	struct cw_sim_machine *m;
	int ret;

	if (!sim || !desc || !out || desc->nr_counters > CW_SIM_MAX_COUNTERS ||
	    desc->nr_timers > CW_SIM_MAX_TIMERS) {
		return CW_EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		return CW_ENOMEM;
	}
	m->sim = sim;
	if (cfg) {
		c = *cfg;
	}
	c.nr_cpus = desc->nr_cpus;
	if (!c.cpu_node) {
		/* Timer migration builds its groups per NUMA node (node indexes suffice). */
		c.cpu_node = desc->cpu_node;
	}
	if (!c.cpu_isolated) {
		c.cpu_isolated = desc->cpu_isolated;
	}
	if (!c.cpu_capacity_class) {
		/* Used only with cw_system_config.tmigr_per_class (cwsim --tmigr-per-class). */
		c.cpu_capacity_class = desc->cpu_capacity_class;
	}
	c.check = c.check == CW_CHECK_DEFAULT ? CW_CHECK_ON : c.check;
	apply_system_section(&c, desc);
	ret = alloc_tables(m, desc);
	ret = ret ? ret : cw_sim_system_create_with_sink(sim, &c, sink, arg, &m->sys);
	if (ret) {
		goto err_free;
	}
	log_machine(m->sys, desc);
	log_start_state(m->sys, &c);
	/* Hardware outside physical sense for this HZ: logged, and errors refused. */
	if (cw_sim_machine_desc_check(desc, cw_system_hz(m->sys), 0, log_finding, m->sys)) {
		ret = CW_EINVAL;
		goto err_free;
	}
	ret = create_hw(m, desc);
	for (size_t i = 0; i < desc->nr_counters && !ret; i++) {
		ret = add_counter(m, &desc->counters[i]);
	}
	for (size_t i = 0; i < desc->nr_timers && !ret; i++) {
		ret = add_timer(m, &desc->timers[i]);
	}
	ret = ret ? ret : cw_system_set_machine(m->sys, &m->ops, m);
	if (ret) {
		goto err_free;
	}
	*out = m;
	return 0;

err_free:
	cw_sim_machine_destroy(m);
	return ret;
}

CW_API int cw_sim_machine_boot(struct cw_sim_machine *m)
{
	int ret = cw_system_boot(m->sys);

	if (ret) {
		return ret;
	}
	cw_sim_system_start(m->sim, m->sys);
	return 0;
}

CW_API void cw_sim_machine_destroy(struct cw_sim_machine *m)
{
	if (!m) {
		return;
	}
	cw_sim_workload_stop(m->workload);
	m->workload = NULL;
	if (m->sys) {
		cw_sim_system_stop(m->sim, m->sys);
		cw_system_destroy(m->sys);
	}
	/* The system is gone: nothing can call into the models any more. */
	cw_sim_hw_destroy(m->hw);
	for (size_t i = 0; i < m->nr_counters; i++) {
		cw_sim_counter_destroy(m->counters[i]);
	}
	free(m->counters);
	free(m->counter_hw);
	free(m->timers);
	free(m->compatible);
	free(m->affinity);
	free(m);
}

CW_API struct cw_system *cw_sim_machine_system(const struct cw_sim_machine *m)
{
	return m->sys;
}

CW_API struct cw_sim_hw *cw_sim_machine_hw(const struct cw_sim_machine *m)
{
	return m->hw;
}

CW_API size_t cw_sim_machine_nr_timers(const struct cw_sim_machine *m)
{
	return m->nr_timers;
}

CW_API struct cw_sim_hw_timer *cw_sim_machine_timer_at(const struct cw_sim_machine *m, size_t index)
{
	return index < m->nr_timers ? m->timers[index] : NULL;
}

void cw__sim_machine_set_workload(struct cw_sim_machine *m, struct cw_sim_workload_run *w)
{
	m->workload = w;
}

CW_API size_t cw_sim_machine_nr_counters(const struct cw_sim_machine *m)
{
	return m->nr_counters;
}

CW_API struct cw_sim_counter *cw_sim_machine_counter_at(const struct cw_sim_machine *m,
							size_t index)
{
	return index < m->nr_counters ? m->counters[index] : NULL;
}

CW_API struct cw_sim_counter *cw_sim_machine_counter(const struct cw_sim_machine *m,
						     const char *name)
{
	if (!m || !name) {
		return NULL;
	}
	for (size_t i = 0; i < m->nr_counters; i++) {
		if (strcmp(cw_sim_counter_name(m->counters[i]), name) == 0) {
			return m->counters[i];
		}
	}
	return NULL;
}

struct cw_sim_workload_run *cw__sim_machine_workload(const struct cw_sim_machine *m)
{
	return m->workload;
}

bool cw__sim_machine_idle_state_deep(const struct cw_sim_machine *m, unsigned state)
{
	return state < m->nr_idle_states && m->idle_deep[state];
}
