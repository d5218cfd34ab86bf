/* SPDX-License-Identifier: MIT */
/*
 * What a sim timer DRIVER sees of its model (drv-*.c): the registers and
 * nothing else. Never installed.
 *
 * The sim port keeps each modelled timer in two files, as a board keeps a
 * block and its driver apart (docs/drivers.md, the ACME example):
 *
 *   hw-X.c   the model: registers, their side effects, the interrupt line
 *            (hw-internal.h: the shared channel structure, the counter).
 *   drv-X.c  the driver: clock event (and clocksource) callbacks that
 *            program the model only through cw__sim_hw_reg_read()/write(),
 *            the same accessors as cw_sim_hw_timer_read()/write().
 *
 * This header is the seam between them: struct cw_sim_hw_timer is opaque
 * here, and a driver file includes this header and never hw-internal.h
 * (tests/seams/check_sim_drivers.sh fails otherwise). What a real driver
 * would learn from a device tree (frequency, width, the tick rate, the
 * acknowledge order a board configured) comes read-only through
 * cw__sim_hw_drv_params(); the per-device counters the model reports
 * (programs, programmed_in_past) are the driver's own bookkeeping,
 * reported through cw__sim_hw_drv_note_program().
 */
#ifndef CLOCKWORK_SRC_PORT_SIM_HW_DRIVER_H
#define CLOCKWORK_SRC_PORT_SIM_HW_DRIVER_H

#ifndef CW_BUILDING_LIBRARY
#error "hw-driver.h is private to the clockwork library"
#endif

#include <clockwork/clocksource.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/sim_hw.h>

/** Longest device name (model name + ".N"), including the NUL. */
#define SIM_HW_DEV_NAME_MAX 32u

/** One device of a model as its driver holds it (one per CPU bank or channel). */
struct sim_hw_drv_dev {
	/** The clock event device (driver_data points back here). */
	struct cw_clock_event_device dev;
	/** Its name ("model" or "model.N"). */
	char name[SIM_HW_DEV_NAME_MAX];
	/** The model (opaque: reach it through the register accessors). */
	struct cw_sim_hw_timer *t;
	/** Bank (CPU) or channel index: the index of every register access. */
	unsigned index;
	/** Not a clock event device (the TMU channel kept as the clocksource): never registered. */
	bool no_dev;
};

/**
 * A model's driver (one const table per drv-*.c). The generic code builds
 * each device from @p tmpl (name, rating, irq, cpu and C3STOP come from the
 * model's parameters), calls @p setup, and registers it at probe.
 */
struct sim_hw_driver {
	/** Device template: features and callbacks. */
	struct cw_clock_event_device tmpl;
	/**
	 * Per-device setup after the template is applied, at model creation
	 * (NULL: none): extra features of one channel, or a channel the driver
	 * programs for itself (set @c no_dev). Register writes are allowed.
	 */
	void (*setup)(struct sim_hw_drv_dev *d);
	/**
	 * The interrupt of device @p d, from the model's line handler (in
	 * cw_irq_enter/exit, or on the out-of-band stage): acknowledge through
	 * the registers, then cw_clockevents_handle_event(). The model applies
	 * its end-of-interrupt (a level still asserted is taken again) after it.
	 */
	void (*isr)(struct sim_hw_drv_dev *d);
	/** Clocksource read (cs->driver_data is the model); NULL: no clocksource. */
	cw_clocksource_read_fn cs_read;
};

/** Driver of each model (drv-*.c; the rows of hw-kinds.def). */
#define SIM_HW_KIND(type, model, section, drvname, compat, when)                                   \
	extern const struct sim_hw_driver cw__sim_drv_##model;
#include "port/sim/hw-kinds.def"
#undef SIM_HW_KIND

/** Read register @p reg of device @p index of @p t (cw_sim_hw_timer_read() without the checks). */
uint64_t cw__sim_hw_reg_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg);
/** Write register @p reg of device @p index of @p t (the model applies the side effects). */
void cw__sim_hw_reg_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
			  uint64_t value);

/** Read register @p reg of @p d's bank or channel. */
static inline uint64_t sim_drv_read(const struct sim_hw_drv_dev *d, enum cw_sim_hw_reg reg)
{
	return cw__sim_hw_reg_read(d->t, d->index, reg);
}

/** Write register @p reg of @p d's bank or channel. */
static inline void sim_drv_write(const struct sim_hw_drv_dev *d, enum cw_sim_hw_reg reg,
				 uint64_t value)
{
	cw__sim_hw_reg_write(d->t, d->index, reg, value);
}

/** The device of a callback. */
static inline struct sim_hw_drv_dev *sim_drv_dev(struct cw_clock_event_device *dev)
{
	return dev->driver_data;
}

/** The model's parameters, defaults filled in (read-only: the driver's device tree). */
const struct cw_sim_hw_timer_params *cw__sim_hw_drv_params(const struct cw_sim_hw_timer *t);

/** The hardware of @p t (for the interrupt controller: cw_sim_hw_irq_set_affinity()). */
struct cw_sim_hw *cw__sim_hw_drv_hw(const struct cw_sim_hw_timer *t);

/** The periodic reload at the system's HZ: DIV_ROUND_CLOSEST(freq, HZ) counts. */
uint64_t cw__sim_hw_drv_period_ticks(const struct cw_sim_hw_timer *t);

/** Count a programming of @p d in its statistics (and one programmed in the past). */
void cw__sim_hw_drv_note_program(const struct sim_hw_drv_dev *d, bool in_past);

/** Mask of a @p bits wide register. */
static inline uint64_t sim_drv_mask(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

#endif /* CLOCKWORK_SRC_PORT_SIM_HW_DRIVER_H */
