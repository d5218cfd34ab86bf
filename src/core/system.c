// SPDX-License-Identifier: MIT
/*
 * The system object: creation with validated configuration, the default
 * (silent) port, boot, teardown and the small accessors. Creation leaves a
 * working timekeeper on the jiffies clocksource, so clock ids read sensibly
 * even before any driver registers.
 */
#include <clockwork/system.h>

#include "system-internal.h"
#include "cpu-internal.h"
#include "ntp-internal.h"
#include "tick-internal.h"
#include "timekeeping-internal.h"
#include "check-internal.h"
#include "hrtimer-internal.h"
#include "timer-internal.h"

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
	cw__ntp_init(&sys->ntp, cfg->tai_offset_s);
	cw__clocksource_init(sys);
	cw__jiffies_init(sys);
	cw__timekeeping_init(sys, &sys->jiffies_cs, cfg->realtime_init_ns, cfg->monotonic_init_ns,
			     cfg->tai_offset_s);
	cw__tick_init(sys);
	sys->ce_min_adjust = true;
	if (cw__cpus_init(sys)) {
		free(sys->log_ring);
		free(sys);
		return CW_ENOMEM;
	}
	if (cw__hrtimer_init(sys)) {
		cw__cpus_fini(sys);
		free(sys->log_ring);
		free(sys);
		return CW_ENOMEM;
	}
	if (cw__timer_init(sys)) {
		cw__hrtimer_fini(sys);
		cw__cpus_fini(sys);
		free(sys->log_ring);
		free(sys);
		return CW_ENOMEM;
	}
	cw__tick_sched_init(sys);
	cw__check_init(sys, cfg);
	sys->tick.highres_enabled = !cfg->highres_off;
	sys->tick.nohz_enabled = !cfg->nohz_off;
	sys->tick.skew_tick = cfg->skew_tick;
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
	cw__check_fini(sys);
	cw__timer_fini(sys);
	cw__hrtimer_fini(sys);
	cw__clocksource_teardown(sys);
	cw__cpus_fini(sys);
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

size_t cw_system_cpu_state_bytes(const struct cw_system *sys)
{
	(void)sys;
	return sizeof(struct cw_cpu) + cw__hrtimer_cpu_bytes() + cw__timer_cpu_bytes();
}
