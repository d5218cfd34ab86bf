/* SPDX-License-Identifier: MIT */
/*
 * Boot: init levels, drivers and the machine description's early hooks
 * (the ARM machine_desc model).
 *
 * cw_system_boot() runs, in order:
 *   1. the machine hooks init_early, init_irq and init_time (each optional);
 *   2. the init levels EARLY .. LATE. Within a level: the core's own steps
 *      (src/core/init.c), then the port's driver table, then drivers added
 *      with cw_system_add_driver(), each in table order. A driver with a
 *      compatible string is probed once for every piece of hardware the
 *      port matches to it; one without is probed once with its context.
 *      The machine hook init_machine runs at the ARCH level, after the
 *      drivers of that level.
 * The boot log shows each level, each probe and each device as it
 * registers and is bound. Tables are explicit arrays (no linker sections),
 * so static, shared and bare-metal builds behave alike and each system can
 * have its own drivers.
 */
#ifndef CLOCKWORK_INCLUDE_DRIVER_INIT_H
#define CLOCKWORK_INCLUDE_DRIVER_INIT_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;

/** Init levels, run in this order (the kernel's initcall levels). */
enum cw_init_level {
	CW_INIT_EARLY = 0,
	CW_INIT_CORE,
	CW_INIT_POSTCORE,
	CW_INIT_ARCH,
	CW_INIT_SUBSYS,
	CW_INIT_FS,
	CW_INIT_DEVICE,
	CW_INIT_LATE,
	/** Number of levels (not a level). */
	CW_INIT_NR_LEVELS,
};

/**
 * A driver: probed at its level during boot. Immutable; usually a const
 * object defined with CW_DRIVER_DEFINE().
 */
struct cw_driver {
	/** Name for the boot log ("arm-global-timer"). */
	const char *name;
	/** Matched against hardware by the port's hw_match hook; NULL: probe once. */
	const char *compatible;
	/** Level the driver probes at. */
	enum cw_init_level level;
	/**
	 * Probe: register the clocksources and clock event devices of @p hw
	 * (the port's handle of the matched hardware, or the context given to
	 * cw_system_add_driver() for a driver without compatible string).
	 * Return 0, CW_ENODEV (hardware absent or not usable: logged, boot
	 * goes on) or another CW_E* code (logged as a failure, boot goes on).
	 */
	int (*probe)(struct cw_system *sys, void *hw);
};

/** Define a driver descriptor: CW_DRIVER_DEFINE(my_drv, .name = "x", .level = CW_INIT_DEVICE, .probe = f). */
#define CW_DRIVER_DEFINE(var, ...) const struct cw_driver var = { __VA_ARGS__ }

/**
 * A machine description's early hooks, each optional, each given the
 * context passed to cw_system_set_machine().
 */
struct cw_machine_ops {
	/** Machine name for the boot log ("ARM-Versatile Express"). */
	const char *name;
	/** Earliest platform setup. */
	void (*init_early)(struct cw_system *sys, void *ctx);
	/** Interrupt controller setup. */
	void (*init_irq)(struct cw_system *sys, void *ctx);
	/** Timer setup: usually registers the system timers (time_init). */
	void (*init_time)(struct cw_system *sys, void *ctx);
	/** Board devices (runs at the ARCH level). */
	void (*init_machine)(struct cw_system *sys, void *ctx);
};

/**
 * Add a driver for the next cw_system_boot(), after the port's table.
 * @param sys  The system (not booted).
 * @param drv  Driver descriptor; must outlive the boot.
 * @param ctx  Passed to probe when @p drv has no compatible string.
 * Context: before cw_system_boot(), from the thread that boots.
 * @return 0; CW_EINVAL for a NULL or malformed driver; CW_EBUSY after boot;
 *         CW_ENOMEM when the table is full (64 added drivers).
 */
CW_API int cw_system_add_driver(struct cw_system *sys, const struct cw_driver *drv, void *ctx);

/**
 * Install the port's driver table (ports call this when they create a
 * system). Replaces any earlier table.
 * @param sys      The system (not booted).
 * @param drivers  Array of driver pointers; must outlive the boot.
 * @param nr       Number of entries.
 * @param ctx      Passed to probe for drivers without compatible string.
 * Context: before cw_system_boot().
 * @return 0; CW_EBUSY after boot; CW_EINVAL for a NULL array with nr > 0.
 */
CW_API int cw_system_set_port_drivers(struct cw_system *sys, const struct cw_driver *const *drivers,
				      unsigned nr, void *ctx);

/**
 * Set the machine description hooks for the next cw_system_boot().
 * @param sys  The system (not booted).
 * @param ops  Hooks; must outlive the boot. NULL removes them.
 * @param ctx  Passed to each hook.
 * Context: before cw_system_boot().
 * @return 0, or CW_EBUSY after boot.
 */
CW_API int cw_system_set_machine(struct cw_system *sys, const struct cw_machine_ops *ops,
				 void *ctx);

/** Name of an init level ("early", "core", ... "late"). */
CW_API const char *cw_init_level_name(enum cw_init_level level);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_DRIVER_INIT_H */
