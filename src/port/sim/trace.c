/* SPDX-License-Identifier: MIT */
/*
 * Tracing the simulated hardware (include/clockwork/sim_trace.h): the
 * observer the interrupt controller and the CPU model call, and the
 * wrapping of clock event devices' programming ops.
 *
 * A wrapped device keeps its own ops in a table keyed by the device's
 * address (open addressing, linear probing, grown at half full), because
 * the op receives only the device and the device's driver_data belongs to
 * its model. The wrapper finds the hardware through the system's port
 * (cw__sim_port_hw()), looks the device up, calls the model's op and
 * reports what it was asked and what it answered.
 *
 * Lifetime: the table lives as long as the hardware (cw_sim_hw_destroy()
 * frees it); a device stays wrapped once wrapped.
 */
#include <clockwork/sim_trace.h>
#include <clockwork/driver/clockevent.h>

#include "port/sim/hw-internal.h"
#include "port/sim/sim-internal.h"

#include <stdlib.h>
#include <string.h>

/** A device's own programming ops. */
struct sim_trace_dev {
	struct cw_clock_event_device *dev;
	int (*set_next_event)(uint64_t cycles, struct cw_clock_event_device *dev);
	int (*set_next_ktime)(cw_ktime_t expires_ns, struct cw_clock_event_device *dev);
};

/** The tracer of one hardware object. */
struct sim_trace {
	cw_sim_trace_fn fn;
	void *arg;
	/** Wrapped devices; @cap is 0 or a power of two. */
	struct sim_trace_dev *tab;
	size_t cap;
	size_t used;
};

static size_t slot_of(const struct sim_trace *st, const void *dev)
{
	uintptr_t h = (uintptr_t)dev;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) & (st->cap - 1);
}

static struct sim_trace_dev *find(struct sim_trace *st, const struct cw_clock_event_device *dev)
{
	if (st->cap == 0) {
		return NULL;
	}
	for (size_t i = slot_of(st, dev);; i = (i + 1) & (st->cap - 1)) {
		if (st->tab[i].dev == dev) {
			return &st->tab[i];
		}
		if (!st->tab[i].dev) {
			return NULL;
		}
	}
}

static int grow(struct sim_trace *st)
{
	size_t cap = st->cap ? st->cap * 2 : 64;
	struct sim_trace_dev *old = st->tab, *tab = calloc(cap, sizeof(*tab));

	if (!tab) {
		return CW_ENOMEM;
	}
	st->tab = tab;
	for (size_t i = 0, n = st->cap; i < n; i++) {
		if (old[i].dev) {
			size_t j;

			st->cap = cap;
			for (j = slot_of(st, old[i].dev); tab[j].dev; j = (j + 1) & (cap - 1)) {
			}
			tab[j] = old[i];
		}
	}
	st->cap = cap;
	free(old);
	return 0;
}

/* The wrapped device @dev's entry (it was wrapped: it is in the table). */
static struct sim_trace_dev *lookup(struct cw_clock_event_device *dev, struct sim_trace **st)
{
	struct cw_sim_hw *hw = cw__sim_port_hw(dev->sys);

	*st = hw->trace;
	return find(*st, dev);
}

static void report_program(struct sim_trace *st, struct cw_clock_event_device *dev, uint64_t cycles,
			   int64_t expires_ns, int ret)
{
	struct cw_sim_hw *hw = cw__sim_port_hw(dev->sys);
	struct cw_sim_trace_rec rec = {
		.type = CW_SIM_TRACE_CE_PROGRAM,
		.cpu = cw_sim_current_cpu(hw->sim),
		.dev = dev,
		.delta_cycles = cycles,
		.expires_ns = expires_ns,
		.ret = ret,
	};

	rec.core_idle = rec.cpu < hw->nr_cpus && hw->cpus[rec.cpu].core_idle;

	st->fn(st->arg, cw__sim_hw_now(hw), &rec);
}

static int traced_next_event(uint64_t cycles, struct cw_clock_event_device *dev)
{
	struct sim_trace *st;
	struct sim_trace_dev *d = lookup(dev, &st);
	int ret = d->set_next_event(cycles, dev);

	if (st->fn) {
		report_program(st, dev, cycles, -1, ret);
	}
	return ret;
}

static int traced_next_ktime(cw_ktime_t expires_ns, struct cw_clock_event_device *dev)
{
	struct sim_trace *st;
	struct sim_trace_dev *d = lookup(dev, &st);
	int ret = d->set_next_ktime(expires_ns, dev);

	if (st->fn) {
		report_program(st, dev, 0, expires_ns, ret);
	}
	return ret;
}

void cw__sim_trace_wrap_dev(struct cw_sim_hw *hw, struct cw_clock_event_device *dev)
{
	struct sim_trace *st = hw->trace;
	size_t i;

	if (find(st, dev) || (!dev->set_next_event && !dev->set_next_ktime)) {
		return;
	}
	if ((st->used + 1) * 2 > st->cap && grow(st) != 0) {
		/* Out of memory: this device's programming goes untraced. */
		return;
	}
	for (i = slot_of(st, dev); st->tab[i].dev; i = (i + 1) & (st->cap - 1)) {
	}
	st->tab[i] = (struct sim_trace_dev){ dev, dev->set_next_event, dev->set_next_ktime };
	st->used++;
	if (dev->set_next_event) {
		dev->set_next_event = traced_next_event;
	}
	if (dev->set_next_ktime) {
		dev->set_next_ktime = traced_next_ktime;
	}
}

void cw__sim_trace_cpu(struct cw_sim_hw *hw, enum cw_sim_trace_type type, unsigned cpu,
		       unsigned what)
{
	struct sim_trace *st = hw->trace;
	struct cw_sim_trace_rec rec = { .type = type, .cpu = cpu, .expires_ns = -1 };

	if (!st->fn) {
		return;
	}
	rec.core_idle = cpu < hw->nr_cpus && hw->cpus[cpu].core_idle;
	switch (type) {
	case CW_SIM_TRACE_IRQ_ENTRY:
	case CW_SIM_TRACE_IRQ_EXIT:
		rec.irq = what;
		break;
	case CW_SIM_TRACE_IPI_SEND:
		rec.cpu = cw_sim_current_cpu(hw->sim);
		rec.target = what;
		break;
	case CW_SIM_TRACE_IDLE_ENTER:
	case CW_SIM_TRACE_IDLE_EXIT:
		rec.state = what;
		rec.state_name = hw->idle_names[what];
		rec.deep = hw->idle[what].deep;
		break;
	default:
		break;
	}
	st->fn(st->arg, cw__sim_hw_now(hw), &rec);
}

void cw__sim_trace_free(struct cw_sim_hw *hw)
{
	if (hw->trace) {
		free(hw->trace->tab);
		free(hw->trace);
		hw->trace = NULL;
	}
}

CW_API int cw_sim_hw_set_trace(struct cw_sim_hw *hw, cw_sim_trace_fn fn, void *arg)
{
	if (!hw) {
		return CW_EINVAL;
	}
	if (!hw->trace) {
		hw->trace = calloc(1, sizeof(*hw->trace));
		if (!hw->trace) {
			return CW_ENOMEM;
		}
	}
	hw->trace->fn = fn;
	hw->trace->arg = arg;
	return 0;
}
