/* SPDX-License-Identifier: MIT */
/*
 * Boot: the machine description's early hooks, then the init levels with
 * the core's own steps, the port's driver table and added drivers, each in
 * table order (STYLE.md B8: explicit tables, no linker sections).
 *
 * Sequence of cw_system_boot():
 *   machine init_early, init_irq, init_time        (each logged)
 *   for level in early, core, postcore, arch, subsys, fs, device, late:
 *       core steps of the level (core_steps[] below)
 *       port drivers of the level, then added drivers of the level
 *       at arch: the machine's init_machine
 * A driver with a compatible string is probed once per piece of hardware
 * the port's hw_match hook returns for it; a driver without one is probed
 * once with its context. A failing probe is logged and boot goes on, as
 * the kernel does with a failing initcall.
 *
 * Context: cw_system_boot() runs on the booting thread, before the port
 * runs CPU code (or, in the simulator, before the engine runs). Drivers
 * register clock event devices from their probe; the offering runs on the
 * devices' CPUs through cw_cpu_call().
 */
#include <clockwork/driver/init.h>

#include "system-internal.h"
#include "claim-internal.h"
#include "clockevents-internal.h"
#include "tick-internal.h"
#include "timekeeping-internal.h"

/** A core step run at a level. */
struct core_step {
	const char *name;
	enum cw_init_level level;
	void (*fn)(struct cw_system *sys);
};

/*
 * fs_initcall(clocksource_done_booting): the best clocksource is chosen once drivers had their
 * chance. The system counts as booted from here on (boot owns sys->booted; the clocksource code
 * only reads it, to select on registration from now on).
 */
static void step_clocksource_done_booting(struct cw_system *sys)
{
	atomic_store_explicit(&sys->booted, true, memory_order_release);
	cw__clocksource_done_booting(sys);
}

/*
 * Late: re-offer devices nobody took yet, give a CPU still without a tick
 * device its pool dummy (claim.c), and let CPUs check for oneshot mode.
 */
static void step_tick_late(struct cw_system *sys)
{
	cw__clockevents_reoffer_all(sys);
	cw__claim_boot_late(sys);
	cw__tick_clock_notify(sys);
}

static const struct core_step core_steps[] = {
	{ "clocksource_done_booting", CW_INIT_FS, step_clocksource_done_booting },
	{ "tick_late_init", CW_INIT_LATE, step_tick_late },
};

const char *cw_init_level_name(enum cw_init_level level)
{
	static const char *const names[CW_INIT_NR_LEVELS] = {
		[CW_INIT_EARLY] = "early",       [CW_INIT_CORE] = "core",
		[CW_INIT_POSTCORE] = "postcore", [CW_INIT_ARCH] = "arch",
		[CW_INIT_SUBSYS] = "subsys",     [CW_INIT_FS] = "fs",
		[CW_INIT_DEVICE] = "device",     [CW_INIT_LATE] = "late",
	};

	if ((unsigned)level >= CW_INIT_NR_LEVELS) {
		return "invalid";
	}
	return names[level];
}

static bool driver_valid(const struct cw_driver *drv)
{
	return drv && drv->name && drv->probe && (unsigned)drv->level < CW_INIT_NR_LEVELS;
}

int cw_system_add_driver(struct cw_system *sys, const struct cw_driver *drv, void *ctx)
{
	if (!sys || !driver_valid(drv)) {
		return CW_EINVAL;
	}
	if (sys->booted) {
		return CW_EBUSY;
	}
	if (sys->nr_added_drivers >= CW_MAX_ADDED_DRIVERS) {
		return CW_ENOMEM;
	}
	sys->added_drivers[sys->nr_added_drivers].drv = drv;
	sys->added_drivers[sys->nr_added_drivers].ctx = ctx;
	sys->nr_added_drivers++;
	return 0;
}

int cw_system_set_port_drivers(struct cw_system *sys, const struct cw_driver *const *drivers,
			       unsigned nr, void *ctx)
{
	if (!sys || (!drivers && nr > 0)) {
		return CW_EINVAL;
	}
	if (sys->booted) {
		return CW_EBUSY;
	}
	for (unsigned i = 0; i < nr; i++) {
		if (!driver_valid(drivers[i])) {
			return CW_EINVAL;
		}
	}
	sys->port_drivers = drivers;
	sys->nr_port_drivers = nr;
	sys->port_drivers_ctx = ctx;
	return 0;
}

int cw_system_set_machine(struct cw_system *sys, const struct cw_machine_ops *ops, void *ctx)
{
	if (!sys) {
		return CW_EINVAL;
	}
	if (sys->booted) {
		return CW_EBUSY;
	}
	sys->machine = ops;
	sys->machine_ctx = ctx;
	return 0;
}

static void log_probe_result(struct cw_system *sys, const struct cw_driver *drv, int ret)
{
	if (ret == 0) {
		return;
	}
	if (ret == CW_ENODEV) {
		cw__log(sys, CW_LOG_INFO, "init: %s: no usable device", drv->name);
	} else {
		cw__log(sys, CW_LOG_WARNING, "init: %s: probe failed: %s", drv->name,
			cw_strerror(ret));
	}
}

/* Probe @drv once per matching piece of hardware, or once with @ctx. */
static unsigned probe_driver(struct cw_system *sys, const struct cw_driver *drv, void *ctx)
{
	unsigned probed = 0;
	void *hw;

	if (!drv->compatible) {
		cw__log(sys, CW_LOG_DEBUG, "init: probing %s", drv->name);
		log_probe_result(sys, drv, drv->probe(sys, ctx));
		return 1;
	}
	if (!sys->port->hw_match) {
		return 0;
	}
	for (unsigned i = 0; sys->port->hw_match(sys->port_ctx, drv->compatible, i, &hw) == 0;
	     i++) {
		cw__log(sys, CW_LOG_INFO, "init: %s: probing \"%s\" #%u", drv->name,
			drv->compatible, i);
		log_probe_result(sys, drv, drv->probe(sys, hw));
		probed++;
	}
	return probed;
}

static void run_machine_hook(struct cw_system *sys, const char *what,
			     void (*hook)(struct cw_system *sys, void *ctx))
{
	if (hook) {
		cw__log(sys, CW_LOG_INFO, "init: machine %s: %s",
			sys->machine->name ? sys->machine->name : "(unnamed)", what);
		hook(sys, sys->machine_ctx);
	}
}

static void run_level(struct cw_system *sys, enum cw_init_level level)
{
	cw__log(sys, CW_LOG_INFO, "init: level %d (%s)", (int)level, cw_init_level_name(level));
	for (size_t i = 0; i < sizeof(core_steps) / sizeof(core_steps[0]); i++) {
		if (core_steps[i].level == level) {
			cw__log(sys, CW_LOG_DEBUG, "init: %s", core_steps[i].name);
			core_steps[i].fn(sys);
		}
	}
	for (unsigned i = 0; i < sys->nr_port_drivers; i++) {
		if (sys->port_drivers[i]->level == level) {
			probe_driver(sys, sys->port_drivers[i], sys->port_drivers_ctx);
		}
	}
	for (unsigned i = 0; i < sys->nr_added_drivers; i++) {
		if (sys->added_drivers[i].drv->level == level) {
			probe_driver(sys, sys->added_drivers[i].drv, sys->added_drivers[i].ctx);
		}
	}
	if (level == CW_INIT_ARCH && sys->machine && sys->machine->init_machine) {
		run_machine_hook(sys, "init_machine", sys->machine->init_machine);
	}
}

int cw__init_boot(struct cw_system *sys)
{
	const struct cw_machine_ops *m = sys->machine;

	if (m) {
		cw__log(sys, CW_LOG_INFO, "Machine model: %s", m->name ? m->name : "(unnamed)");
		run_machine_hook(sys, "init_early", m->init_early);
		run_machine_hook(sys, "init_irq", m->init_irq);
		run_machine_hook(sys, "init_time", m->init_time);
	}
	for (int level = CW_INIT_EARLY; level < CW_INIT_NR_LEVELS; level++) {
		run_level(sys, (enum cw_init_level)level);
	}
	cw__log(sys, CW_LOG_INFO, "init: boot complete");
	return 0;
}
