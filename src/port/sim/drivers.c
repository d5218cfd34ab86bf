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
 *   arch-timer          arm,armv7-timer              init_time (timer_probe)
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
 * The clock event drivers themselves live with their models (hw-*.c,
 * include/clockwork/sim_hw.h); the descriptors here only give them a place
 * in the boot order.
 */
#include <clockwork/clocksource.h>
#include <clockwork/driver/init.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/system.h>

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

/* The SH-TMU as a platform driver: the model's own probe, at the device level. */
static int sh_tmu_probe(struct cw_system *sys, void *hw)
{
	return cw_sim_hw_tmu_driver.probe(sys, hw);
}

static CW_DRIVER_DEFINE(sh_tmu_driver, .name = "sh-tmu", .compatible = "renesas,tmu",
			.level = CW_INIT_DEVICE, .probe = sh_tmu_probe);

const struct cw_driver *const cw__sim_port_drivers[] = {
	&sh_tmu_driver,
};

const unsigned cw__sim_nr_port_drivers =
	sizeof(cw__sim_port_drivers) / sizeof(cw__sim_port_drivers[0]);

/* Probed by the machine's init_time hook, in this order. */
static const struct cw_driver *const time_drivers[] = {
	&sim_counter_driver,          &cw_sim_hw_pit_driver,
	&cw_sim_hw_hpet_driver,       &cw_sim_hw_global_timer_driver,
	&cw_sim_hw_arch_timer_driver, &cw_sim_hw_lapic_driver,
};

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
