/* SPDX-License-Identifier: MIT */
/*
 * A machine built from a description and running on the engine: a sim
 * system with the machine's CPUs, and one counter model per [counter]
 * section, registered as a clocksource with the rating and flags the file
 * gives and with its drift changes scheduled on the engine.
 *
 * Boot order follows the kernel: the machine's hardware appears first (the
 * "sim:" lines say what it is), drivers register their clocksources (the
 * core logs each with its mask, max_cycles and max_idle_ns), and
 * only then does cw_sim_machine_boot() finish booting, which selects the
 * best clocksource, and start the periodic tick and watchdog.
 *
 * Lifetime: the machine owns its system and its counters; destroying it
 * destroys the system first (which unlinks the clocksources embedded in the
 * counters), then the counters. The engine must outlive the machine.
 */
#include <clockwork/sim.h>
#include <clockwork/clocksource.h>
#include <clockwork/system.h>

#include "port/sim/sim-internal.h"

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
	m->counters[m->nr_counters++] = counter;
	log_counter_model(m->sys, c);
	for (size_t i = 0; i < c->nr_drift_changes; i++) {
		ret = cw_sim_counter_schedule_drift(counter, c->drift_changes[i].at_ns,
						    c->drift_changes[i].drift_ppb);
		if (ret) {
			return ret;
		}
	}
	/* The core logs the registration the way the kernel does. */
	return cw_sim_counter_register(counter, m->sys, c->rating, c->flags);
}

CW_API int cw_sim_machine_create(struct cw_sim *sim, const struct cw_sim_machine_desc *desc,
				 const struct cw_system_config *cfg, cw_sim_log_sink_fn sink,
				 void *arg, struct cw_sim_machine **out)
{
	struct cw_system_config c = { 0 };
	struct cw_sim_machine *m;
	int ret;

	if (!sim || !desc || !out || desc->nr_counters > CW_SIM_MAX_COUNTERS) {
		return CW_EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		return CW_ENOMEM;
	}
	m->sim = sim;
	m->counters = calloc(desc->nr_counters + 1, sizeof(*m->counters));
	if (cfg) {
		c = *cfg;
	}
	c.nr_cpus = desc->nr_cpus;
	ret = m->counters ? cw_sim_system_create_with_sink(sim, &c, sink, arg, &m->sys) : CW_ENOMEM;
	if (ret) {
		goto err_free;
	}
	log_machine(m->sys, desc);
	for (size_t i = 0; i < desc->nr_counters && !ret; i++) {
		ret = add_counter(m, &desc->counters[i]);
	}
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
	if (m->sys) {
		cw_sim_system_stop(m->sim, m->sys);
		cw_system_destroy(m->sys);
	}
	for (size_t i = 0; i < m->nr_counters; i++) {
		cw_sim_counter_destroy(m->counters[i]);
	}
	free(m->counters);
	free(m);
}

CW_API struct cw_system *cw_sim_machine_system(const struct cw_sim_machine *m)
{
	return m->sys;
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
	for (size_t i = 0; i < m->nr_counters; i++) {
		if (strcmp(cw_sim_counter_name(m->counters[i]), name) == 0) {
			return m->counters[i];
		}
	}
	return NULL;
}
