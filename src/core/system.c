// SPDX-License-Identifier: MIT
/*
 * The system object: creation with validated configuration, the default
 * (silent) port, boot, teardown and the small accessors. Creation and
 * destruction walk the component table (component.h, components.c) and
 * name no component. Creation leaves a working timekeeper on the jiffies
 * clocksource, so clock ids read sensibly even before any driver registers.
 */
#include <clockwork/system.h>

#include "system-internal.h"
#include "component.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define CW_LOG_LINES_DEFAULT ((unsigned)CW_CONFIG_LOG_LINES)

static const struct cw_port_ops cw_null_port = {
	.name = "none",
};

static bool hz_is_valid(unsigned hz)
{
	return hz == 100 || hz == 250 || hz == 300 || hz == 1000;
}

static int check_config(const struct cw_system_config *cfg)
{
	if (cfg->hz != 0 && !hz_is_valid(cfg->hz)) {
		return CW_EINVAL;
	}
	if (cfg->nr_cpus > CW_MAX_CPUS) {
		return CW_EINVAL;
	}
	if (cfg->realtime_init_ns < 0) {
		return CW_EINVAL;
	}
	if (cfg->monotonic_init_ns < 0 || cfg->monotonic_init_ns > ((int64_t)1 << 62)) {
		return CW_EINVAL;
	}
	return 0;
}

static void apply_config(struct cw_system *sys, const struct cw_system_config *cfg)
{
	sys->port = cfg->port ? cfg->port : &cw_null_port;
	sys->port_ctx = cfg->port_ctx;
	sys->nr_cpus = cfg->nr_cpus ? cfg->nr_cpus : 1;
	sys->hz = cfg->hz ? cfg->hz : CW_CONFIG_DEFAULT_HZ;
	sys->tick_nsec = ((uint64_t)CW_NSEC_PER_SEC + sys->hz / 2) / sys->hz;
	sys->log_lines = cfg->log_lines ? cfg->log_lines : CW_LOG_LINES_DEFAULT;
	sys->log_level = cfg->log_level ? cfg->log_level : CW_LOG_INFO;
	if (cfg->clocksource_override) {
		snprintf(sys->override_name, sizeof(sys->override_name), "%s",
			 cfg->clocksource_override);
	}
	/*
	 * INITIAL_JIFFIES: -300 s worth of ticks in the low 32 bits only, so
	 * 32-bit jiffies wrap early while the 64-bit counter never wraps.
	 */
	atomic_store(&sys->jiffies64,
		     cfg->initial_jiffies ? cfg->initial_jiffies : CW_INITIAL_JIFFIES(sys->hz));
	atomic_store(&sys->jiffies_seen, atomic_load(&sys->jiffies64));
}

/* Tear down rows [0, @p n) in reverse table order. */
static void components_teardown(struct cw_system *sys, unsigned n)
{
	while (n-- > 0) {
		if (cw__components[n].teardown) {
			cw__components[n].teardown(sys);
		}
	}
}

/* Set up every row in table order; on a failure, unwind the rows already set up. */
static int components_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	for (unsigned i = 0; i < cw__nr_components; i++) {
		int ret = cw__components[i].init ? cw__components[i].init(sys, cfg) : 0;

		if (ret) {
			components_teardown(sys, i);
			return ret;
		}
	}
	return 0;
}

int cw_system_create(const struct cw_system_config *cfg, struct cw_system **out)
{
	static const struct cw_system_config defaults;
	struct cw_system *sys;
	int ret;

	if (!out) {
		return CW_EINVAL;
	}
	cfg = cfg ? cfg : &defaults;
	ret = check_config(cfg);
	if (ret) {
		return ret;
	}
	sys = aligned_alloc(CW_CACHELINE_BYTES, (sizeof(*sys) + CW_CACHELINE_BYTES - 1) &
							~(size_t)(CW_CACHELINE_BYTES - 1));
	if (!sys) {
		return CW_ENOMEM;
	}
	memset(sys, 0, sizeof(*sys));
	apply_config(sys, cfg);
	sys->log_ring = calloc(sys->log_lines, CW_LOG_LINE_MAX);
	if (!sys->log_ring) {
		free(sys);
		return CW_ENOMEM;
	}
	ret = components_init(sys, cfg);
	if (ret) {
		free(sys->log_ring);
		free(sys);
		return ret;
	}
	cw__log(sys, CW_LOG_INFO, "clockwork: system created: %u CPU%s, HZ=%u, port %s",
		sys->nr_cpus, sys->nr_cpus == 1 ? "" : "s", sys->hz, sys->port->name);
	*out = sys;
	return 0;
}

void cw_system_destroy(struct cw_system *sys)
{
	if (!sys) {
		return;
	}
	if (sys->port->destroy) {
		int err = sys->port->destroy(sys->port_ctx);

		if (err) {
			cw__log(sys, CW_LOG_ERR, "system: the %s port refused to be destroyed (%s)",
				sys->port->name, cw_strerror(err));
			return;
		}
	}
	components_teardown(sys, cw__nr_components);
	if (sys->port->release) {
		sys->port->release(sys->port_ctx);
	}
	free(sys->log_ring);
	free(sys);
}

int cw_system_boot(struct cw_system *sys)
{
	if (sys->booted) {
		return CW_EBUSY;
	}
	return cw__init_boot(sys);
}

unsigned cw_system_hz(const struct cw_system *sys)
{
	return sys->hz;
}

unsigned cw_system_nr_cpus(const struct cw_system *sys)
{
	return sys->nr_cpus;
}

uint64_t cw_system_tick_nsec(const struct cw_system *sys)
{
	return sys->tick_nsec;
}

void *cw_system_port_ctx(const struct cw_system *sys)
{
	return sys->port_ctx;
}

const char *cw_system_port_name(const struct cw_system *sys)
{
	return sys->port->name ? sys->port->name : "";
}

int cw_system_run_next_event(struct cw_system *sys)
{
	return sys->port->run_next_event ? sys->port->run_next_event(sys->port_ctx) : CW_ENOSYS;
}

size_t cw_system_cpu_state_bytes(const struct cw_system *sys)
{
	size_t bytes = 0;

	(void)sys;
	for (unsigned i = 0; i < cw__nr_components; i++) {
		if (cw__components[i].cpu_bytes) {
			bytes += cw__components[i].cpu_bytes();
		}
	}
	return bytes;
}
