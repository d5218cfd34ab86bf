/* SPDX-License-Identifier: MIT */
/*
 * The tick layer (placeholder until it lands): the hooks clockevents.c,
 * cpu.c and init.c call, and the public tick.h queries.
 */
#include <clockwork/tick.h>

#include "system-internal.h"

void cw__tick_init(struct cw_system *sys)
{
	atomic_store(&sys->tick.do_timer_cpu, CW_TICK_DO_TIMER_BOOT);
}

bool cw__tick_try_device(struct cw_system *sys, unsigned cpu, struct cw_clock_event_device *dev)
{
	(void)sys;
	(void)cpu;
	(void)dev;
	return false;
}

bool cw__tick_broadcast_offer(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	(void)sys;
	(void)dev;
	return false;
}

bool cw__tick_check_replacement(struct cw_system *sys, unsigned cpu,
				struct cw_clock_event_device *dev)
{
	(void)sys;
	(void)cpu;
	(void)dev;
	return false;
}

void cw__tick_install_replacement(struct cw_system *sys, unsigned cpu,
				  struct cw_clock_event_device *dev)
{
	(void)sys;
	(void)cpu;
	(void)dev;
}

void cw__tick_cpu_dying(struct cw_system *sys, unsigned cpu)
{
	(void)sys;
	(void)cpu;
}

void cw__tick_receive_broadcast(struct cw_system *sys, unsigned cpu)
{
	(void)sys;
	(void)cpu;
}

void cw__tick_clock_notify(struct cw_system *sys)
{
	(void)sys;
}

int cw_tick_idle_enter(struct cw_system *sys, bool deep)
{
	(void)sys;
	return deep ? CW_EBUSY : 0;
}

void cw_tick_idle_exit(struct cw_system *sys)
{
	(void)sys;
}

int cw_tick_get_cpu_stats(struct cw_system *sys, unsigned cpu, struct cw_tick_cpu_stats *out)
{
	if (cpu >= sys->nr_cpus || !out) {
		return CW_EINVAL;
	}
	*out = sys->cpus[cpu].stats;
	return 0;
}

struct cw_clock_event_device *cw_tick_device(struct cw_system *sys, unsigned cpu)
{
	return cpu < sys->nr_cpus ? sys->cpus[cpu].td.evtdev : NULL;
}

enum cw_tick_mode cw_tick_mode(struct cw_system *sys, unsigned cpu)
{
	return cpu < sys->nr_cpus ? sys->cpus[cpu].td.mode : CW_TICK_MODE_NONE;
}

struct cw_clock_event_device *cw_tick_broadcast_device(struct cw_system *sys)
{
	return sys->tick.bc.evtdev;
}

int cw_tick_do_timer_cpu(struct cw_system *sys)
{
	return atomic_load(&sys->tick.do_timer_cpu);
}

const char *cw_tick_mode_name(enum cw_tick_mode mode)
{
	switch (mode) {
	case CW_TICK_MODE_PERIODIC:
		return "periodic";
	case CW_TICK_MODE_ONESHOT:
		return "oneshot";
	default:
		return "none";
	}
}
