/* SPDX-License-Identifier: MIT */
/*
 * The sim port's drivers (STYLE.md B8: explicit tables). Each modelled
 * device kind has one driver, matched by compatible string against the
 * devices of the machine file (the port's hw_match hook):
 *
 *   driver              compatible                   probed from
 *   sim-counter         sim,counter                  init_time (clocksources)
 *   i8253               intel,i8253                  init_time (hpet_time_init)
 *   hpet                intel,hpet                   init_time (hpet_time_init)
 *   arm-global-timer    arm,cortex-a9-global-timer   init_time (timer_probe)
 *   arm-arch-timer      arm,armv7-timer              init_time (timer_probe)
 *   lapic-timer         intel,lapic-timer            init_time (APIC timer setup)
 *   sh-tmu              renesas,tmu                  level "device" (platform driver)
 *
 * As in Linux, the system timers register from the machine's time_init
 * (the init_time hook, cw__sim_probe_time_drivers()), before any init
 * level: global devices first, so that CPU 0 ticks from the PIT or HPET
 * until the per-CPU timers register and replace it (the displaced global
 * device becomes the broadcast device). SH-TMU channels are spare platform
 * timers that a platform driver registers at the device level, long after
 * the tick runs. The table order is the probe order.
 *
 * The timer kinds come from their one list, src/port/sim/hw-kinds.def
 * (the rows above but sim-counter, in this order): a row marked TIME is
 * probed from init_time, one marked DEVICE is a platform driver of the
 * device level. The clock event drivers themselves are drv-*.c, their
 * models hw-*.c; the descriptors here only give them a place in the boot
 * order.
 */
#include <clockwork/clocksource.h>
#include <clockwork/driver/init.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/system.h>

#include "port/sim/hw-internal.h"
#include "port/sim/sim-internal.h"

static int sim_counter_probe(struct cw_system *sys, void *hw)
{
	struct cw__sim_counter_hw *c = hw;

	/* The core logs the registration the way the kernel does. */
	return cw_sim_counter_register(c->counter, sys, c->rating, c->flags);
}

static CW_DRIVER_DEFINE(sim_counter_driver, .name = "sim-counter",
			.compatible = CW__SIM_COUNTER_COMPATIBLE, .level = CW_INIT_EARLY,
			.probe = sim_counter_probe);

/* Kinds probed at the device level: platform drivers (the SH-TMU's spare channels). */
#define SIM_HW_KIND_TIME(model, drvname, compat)
#define SIM_HW_KIND_DEVICE(model, drvname, compat)                                                 \
	static CW_DRIVER_DEFINE(model##_port_driver, .name = drvname, .compatible = compat,        \
				.level = CW_INIT_DEVICE, .probe = cw__sim_hw_driver_probe);
#define SIM_HW_KIND(type, model, section, drvname, compat, when)                                   \
	SIM_HW_KIND_##when(model, drvname, compat)
#include "port/sim/hw-kinds.def"
#undef SIM_HW_KIND_DEVICE

const struct cw_driver *const cw__sim_port_drivers[] = {
#define SIM_HW_KIND_DEVICE(model, drvname, compat) &model##_port_driver,
#include "port/sim/hw-kinds.def"
#undef SIM_HW_KIND_DEVICE
};

const unsigned cw__sim_nr_port_drivers =
	sizeof(cw__sim_port_drivers) / sizeof(cw__sim_port_drivers[0]);

/* Probed by the machine's init_time hook, in this order: the counters, then the TIME kinds. */
#undef SIM_HW_KIND_TIME
#define SIM_HW_KIND_DEVICE(model, drvname, compat)
static const struct cw_driver *const time_drivers[] = {
	&sim_counter_driver,
#define SIM_HW_KIND_TIME(model, drvname, compat) &cw_sim_hw_##model##_driver,
#include "port/sim/hw-kinds.def"
};
#undef SIM_HW_KIND_TIME
#undef SIM_HW_KIND_DEVICE
#undef SIM_HW_KIND

void cw__sim_probe_time_drivers(struct cw_system *sys, struct cw_sim_machine *m)
{
	for (size_t i = 0; i < sizeof(time_drivers) / sizeof(time_drivers[0]); i++) {
		const struct cw_driver *drv = time_drivers[i];
		void *hw;
		int ret;

		for (unsigned n = 0; cw__sim_machine_hw_match(m, drv->compatible, n, &hw) == 0;
		     n++) {
			cw_log(sys, CW_LOG_INFO, "init: time_init: %s: probing \"%s\" #%u",
			       drv->name, drv->compatible, n);
			ret = drv->probe(sys, hw);
			if (ret) {
				cw_log(sys, CW_LOG_WARNING, "init: time_init: %s: probe failed: %s",
				       drv->name, cw_strerror(ret));
			}
		}
	}
}
