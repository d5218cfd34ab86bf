/* SPDX-License-Identifier: MIT */
/*
 * The proxy tick device (include/clockwork/proxy.h; issue 12, seed 001,
 * reference section 8): a per-CPU synthetic clock event device that takes
 * the CPU's real tick device over for out-of-band timing, and the small
 * out-of-band timer layer that uses it.
 *
 * Install, per CPU of the mask (8.2):
 *
 *   1. prepare (on the CPU, ce.lock): the tick device must be PIPELINE and
 *      ONESHOT with a real irq (else CW_ENODEV); the proxy copies its
 *      settings (features minus PERIODIC, plus PERCPU and PROXY; irq,
 *      mult/shift, deltas), rating + 1, callbacks that forward to the real
 *      driver; then the user's setup runs (no lock).
 *   2. install (on the CPU, one ce.lock section): add the proxy to the
 *      device list, install it as the CPU's tick device (the tick layer's
 *      replacement path: the real device is exchanged out, the proxy
 *      continues its mode with the CPU's timers), then reserve the real
 *      device for the proxy (RESERVED, hardware left working, the proxy's
 *      trampoline as its handler). No offer can slip in between.
 *   3. enable (caller): FEAT_OOB on each real device, then the port moves
 *      each distinct real irq to the out-of-band stage.
 *   Any failure uninstalls the CPUs already done (rollback).
 *
 * Install and uninstall are one sequence of per-CPU steps (struct
 * proxy_op). The synchronous calls run it with cw_cpu_call(); the _async
 * calls with the port's cpu_call_async hook, so a step that has to wait
 * (in the sim, a CPU whose in-band stage is masked: the step waits in its
 * in-band log) suspends the sequence, and the step's completion, a later
 * event on the caller's CPU, resumes it; the user's completion runs at
 * the end. The proxy stays busy throughout.
 *
 * Runtime (8.3): an in-band request reaches the proxy's set_next_event /
 * set_next_ktime: the default forwards to the real driver; the oob timer
 * layer records it as its in-band deadline and programs the real device
 * for the earliest of that and its own timers. A real interrupt runs the
 * trampoline on the out-of-band stage, which runs handle_oob_event(); the
 * layer runs its due timers and, once the in-band deadline passed, calls
 * cw_tick_notify_proxy(): the port's synthetic in-band interrupt then runs
 * cw_tick_proxy_interrupt(), which runs the proxy's in-band handler (the
 * hrtimer interrupt or the tick) as soon as the in-band stage is unstalled.
 *
 * Uninstall (8.4), per CPU on the CPU under ce.lock: clear FEAT_OOB (a
 * late interrupt of the real device is relayed in-band), drop the CPU's
 * oob timers, unreserve the real device and install it as the tick device
 * (it continues the current mode; the hrtimer bases or the tick program it
 * for the queued timers), forget the proxy. Then the port moves each irq
 * no proxied CPU still uses back to the in-band stage. A CPU going offline
 * runs the same steps first (this row's dying step runs before the tick
 * row's, which then releases the real device as usual).
 *
 * Locking rules: struct cw_proxy.lock guards only the busy flag and the
 * installed count (the "proxy mutex": install and uninstall are refused,
 * or wait for nothing, while one runs; it is never held across a
 * cross-CPU call). A CPU's binding (struct cw_proxy_cpu.dev) is written on
 * that CPU under ce.lock. The oob timer layer's state and its programming
 * of the real device are under the CPU's struct cw_proxy_cpu.lock, taken
 * by the in-band side (inside an hrtimer base lock or ce.lock) and by the
 * oob stage (which may run on another host thread: the posix port's oob
 * threads); oob timer callbacks run with it dropped. Order: ce.lock or an
 * hrtimer base lock, then the CPU's proxy lock, then log_lock. The default
 * forwarders call the real driver from the in-band side only.
 *
 * Lifetime rules: the core allocates a CPU's struct cw_clock_proxy_device
 * at install and frees it after uninstall, once it is off the device list
 * and no longer the tick device; sys->proxy lives as long as the system.
 */
#include <clockwork/proxy.h>

#include <clockwork/cpu.h>
#include <clockwork/port.h>
#include <clockwork/timekeeping.h>

#include "system-internal.h"
#include "clockevents-internal.h"
#include "cpu-internal.h"
#include "proxy-internal.h"
#include "tick-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Holder name of a real device under a proxy (the RESERVED owner). */
static const char proxy_owner[] = "proxy";

/** One CPU's proxy state. */
struct cw_proxy_cpu {
	/** The installed proxy, or NULL. Written on the CPU under ce.lock. */
	struct cw_clock_proxy_device *dev;
	/**
	 * The oob timer layer's lock: the fields below and the real device's
	 * programming, shared by the in-band side (the proxy's callbacks, on
	 * the CPU) and the oob stage (on the CPU in the sim, on the CPU's oob
	 * thread on posix). Innermost but for log_lock.
	 */
	struct cw_spinlock lock;
	/** Oob timer layer: the setup was cw_tick_proxy_setup_oob_timers(). */
	bool oob_layer;
	/** The real hardware is shut down (nothing programmed) or its mode unknown. */
	bool hw_stopped;
	/** Oob timers, sorted by expiry (equal expiries in start order). */
	struct cw_oob_timer *timers;
	/** The in-band side's requested event, MONOTONIC ns (CW_KTIME_MAX: none). */
	cw_ktime_t inband_next_ns;
};

/** The component's state (sys->proxy). */
struct cw_proxy {
	/** Guards @p busy and @p nr_installed (see "Locking rules"). */
	struct cw_spinlock lock;
	/** An install or uninstall runs. */
	bool busy;
	/** CPUs with a proxy. */
	unsigned nr_installed;
	/** Per CPU, nr_cpus entries. */
	struct cw_proxy_cpu *cpus;
};

static bool mask_test(const uint64_t *mask, unsigned cpu)
{
	return (mask[cpu / 64] >> (cpu % 64)) & 1u;
}

static struct cw_clock_proxy_device *to_proxy(struct cw_clock_event_device *pd)
{
	return (struct cw_clock_proxy_device *)((char *)pd - offsetof(struct cw_clock_proxy_device,
								      proxy_device));
}

/* ---------------------------------------------------------------------- */
/* Forwarders: the proxy's default callbacks drive the real hardware */

static int fwd_next_event(uint64_t cycles, struct cw_clock_event_device *pd)
{
	struct cw_clock_event_device *real = to_proxy(pd)->real_device;

	return real->set_next_event(cycles, real);
}

static int fwd_next_ktime(cw_ktime_t expires_ns, struct cw_clock_event_device *pd)
{
	struct cw_clock_event_device *real = to_proxy(pd)->real_device;

	return real->set_next_ktime(expires_ns, real);
}

static int fwd_shutdown(struct cw_clock_event_device *pd)
{
	struct cw_clock_event_device *real = to_proxy(pd)->real_device;

	return real->set_state_shutdown ? real->set_state_shutdown(real) : 0;
}

static int fwd_oneshot(struct cw_clock_event_device *pd)
{
	struct cw_clock_event_device *real = to_proxy(pd)->real_device;

	return real->set_state_oneshot ? real->set_state_oneshot(real) : 0;
}

static int fwd_oneshot_stopped(struct cw_clock_event_device *pd)
{
	struct cw_clock_event_device *real = to_proxy(pd)->real_device;

	if (real->set_state_oneshot_stopped) {
		return real->set_state_oneshot_stopped(real);
	}
	return real->set_state_shutdown ? real->set_state_shutdown(real) : 0;
}

static int fwd_tick_resume(struct cw_clock_event_device *pd)
{
	struct cw_clock_event_device *real = to_proxy(pd)->real_device;

	return real->tick_resume ? real->tick_resume(real) : 0;
}

/*
 * The real device's handler while the proxy holds it. On the oob stage
 * (FEAT_OOB): the user's out-of-band handler. Otherwise (the transition
 * before enable or after disable, in-band): the proxy's in-band handler,
 * as Dovetail's proxy_event_handler.
 */
static void real_handler(struct cw_clock_event_device *real)
{
	struct cw_clock_proxy_device *dev = real->reserved_data;

	if (cw_clockevent_is_oob(real)) {
		dev->handle_oob_event(dev);
	} else {
		cw_clockevents_handle_event(&dev->proxy_device);
	}
}

/* ---------------------------------------------------------------------- */
/* Install and uninstall on one CPU */

static bool proxiable(const struct cw_clock_event_device *real)
{
	unsigned need = CW_CLOCKEVENT_FEAT_PIPELINE | CW_CLOCKEVENT_FEAT_ONESHOT;

	return real && (real->features & need) == need && real->irq >= 0 &&
	       !(real->features & (CW_CLOCKEVENT_FEAT_PROXY | CW_CLOCKEVENT_FEAT_DUMMY)) &&
	       cw_clockevent_get_state(real) != CW_CLOCKEVENT_STATE_RESERVED;
}

/* Pre-set @dev from @real (seed 001: "settings compatible with the real device's"). */
static void proxy_fill(struct cw_clock_proxy_device *dev, struct cw_clock_event_device *real,
		       unsigned cpu)
{
	struct cw_clock_event_device *pd = &dev->proxy_device;

	memset(pd, 0, sizeof(*pd));
	snprintf(dev->name, sizeof(dev->name), "proxy.%u", cpu);
	dev->cpu = cpu;
	dev->real_device = real;
	pd->name = dev->name;
	/* Oneshot only under the hood; C3STOP and KTIME carry over. */
	pd->features = (real->features & ~(CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_OOB |
					   CW_CLOCKEVENT_FEAT_PIPELINE)) |
		       CW_CLOCKEVENT_FEAT_PERCPU | CW_CLOCKEVENT_FEAT_PROXY;
	pd->rating = real->rating + 1;
	pd->irq = real->irq;
	pd->cpu = (int)cpu;
	pd->mult = real->mult;
	pd->shift = real->shift;
	pd->min_delta_ns = real->min_delta_ns;
	pd->max_delta_ns = real->max_delta_ns;
	pd->min_delta_ticks = real->min_delta_ticks;
	pd->max_delta_ticks = real->max_delta_ticks;
	pd->set_next_event = real->set_next_event ? fwd_next_event : NULL;
	pd->set_next_ktime = real->set_next_ktime ? fwd_next_ktime : NULL;
	pd->set_state_shutdown = fwd_shutdown;
	pd->set_state_oneshot = fwd_oneshot;
	pd->set_state_oneshot_stopped = fwd_oneshot_stopped;
	pd->tick_resume = fwd_tick_resume;
}

struct cpu_args {
	struct cw_system *sys;
	unsigned cpu;
	cw_tick_proxy_setup_fn setup;
	void *arg;
	struct cw_clock_proxy_device *dev;
	int ret;
};

/* Step 1, on the CPU: check the tick device, pre-set the proxy, run the user's setup. */
static void prepare_on_cpu(void *p)
{
	struct cpu_args *a = p;
	struct cw_system *sys = a->sys;
	struct cw_clock_event_device *real;

	cw_spin_lock(&sys->ce.lock);
	real = sys->cpus[a->cpu].td.evtdev;
	if (!proxiable(real)) {
		a->ret = CW_ENODEV;
	} else {
		proxy_fill(a->dev, real, a->cpu);
		a->ret = 0;
	}
	cw_spin_unlock(&sys->ce.lock);
	if (a->ret) {
		return;
	}
	a->dev->data = a->arg;
	a->setup(a->dev, a->arg);
	if (!a->dev->handle_oob_event || a->dev->real_device != real) {
		a->ret = CW_EINVAL;
	}
}

static void oobl_reprogram_locked(struct cw_system *sys, struct cw_proxy_cpu *pc);

/* Step 2, on the CPU, one ce.lock section: the proxy becomes the tick device, the real one
 * RESERVED. */
static void install_on_cpu(void *p)
{
	struct cpu_args *a = p;
	struct cw_system *sys = a->sys;
	struct cw_proxy_cpu *pc = &sys->proxy->cpus[a->cpu];
	struct cw_clock_proxy_device *dev = a->dev;
	struct cw_clock_event_device *pd = &dev->proxy_device;
	struct cw_clock_event_device *real = dev->real_device;

	cw_spin_lock(&sys->ce.lock);
	if (sys->cpus[a->cpu].td.evtdev != real || !proxiable(real)) {
		/* The tick device changed since step 1. */
		a->ret = CW_ENODEV;
		goto out_unlock;
	}
	a->ret = cw__clockevents_add_locked(sys, pd);
	if (a->ret) {
		goto out_unlock;
	}
	if (!cw__tick_check_replacement(sys, a->cpu, pd)) {
		cw__clockevents_remove_locked(sys, pd);
		a->ret = CW_EINVAL;
		goto out_unlock;
	}
	pc->dev = dev;
	cw__tick_install_replacement(sys, a->cpu, pd);
	a->ret = cw__clockevents_reserve_locked(sys, real, proxy_owner, real_handler, dev);
	CW_WARN_ON_ONCE(sys, a->ret != 0);
out_unlock:
	cw_spin_unlock(&sys->ce.lock);
	if (a->ret == 0) {
		cw__log(sys, CW_LOG_INFO, "proxy: CPU%u: %s takes over %s (now %s)", a->cpu,
			pd->name, real->name,
			cw_clockevent_state_name(cw_clockevent_get_state(real)));
		if (pc->oob_layer) {
			/* In-band requests made while the real device was not yet reserved. */
			cw_spin_lock(&pc->lock);
			oobl_reprogram_locked(sys, pc);
			cw_spin_unlock(&pc->lock);
		}
	}
}

/* Step 3, on the CPU: the real device's interrupt is the out-of-band side's. */
static void enable_oob_on_cpu(void *p)
{
	struct cpu_args *a = p;
	struct cw_clock_proxy_device *dev = a->sys->proxy->cpus[a->cpu].dev;

	if (dev) {
		CW_WRITE_ONCE(dev->real_device->features,
			      dev->real_device->features | CW_CLOCKEVENT_FEAT_OOB);
		dev->oob_on = true;
	}
}

/* Uninstall step 1, on the CPU: the oob side lets go of the real device. */
static void disable_oob_on_cpu(void *p)
{
	struct cpu_args *a = p;
	struct cw_clock_proxy_device *dev = a->sys->proxy->cpus[a->cpu].dev;

	if (dev) {
		CW_WRITE_ONCE(dev->real_device->features,
			      dev->real_device->features & ~CW_CLOCKEVENT_FEAT_OOB);
		dev->oob_on = false;
	}
}

/*
 * Give @cpu its real device back and forget the proxy (8.4). ce.lock held,
 * on @cpu. @return the proxy to free (after the lock is dropped), or NULL.
 */
static struct cw_clock_proxy_device *uninstall_locked(struct cw_system *sys, unsigned cpu)
{
	struct cw_proxy_cpu *pc = &sys->proxy->cpus[cpu];
	struct cw_clock_proxy_device *dev = pc->dev;
	struct cw_clock_event_device *real;

	cw_lockdep_assert_held(&sys->ce.lock);
	if (!dev) {
		return NULL;
	}
	real = dev->real_device;
	/* The out-of-band side lets go first: a late interrupt is relayed in-band. */
	CW_WRITE_ONCE(real->features, real->features & ~CW_CLOCKEVENT_FEAT_OOB);
	dev->oob_on = false;
	cw_spin_lock(&pc->lock);
	for (struct cw_oob_timer *t = pc->timers; t; t = t->next) {
		t->queued = false;
	}
	pc->timers = NULL;
	pc->inband_next_ns = CW_KTIME_MAX;
	pc->oob_layer = false;
	cw_spin_unlock(&pc->lock);
	if (cw__clockevents_unreserve_locked(sys, real, proxy_owner) == 0 &&
	    sys->cpus[cpu].td.evtdev == &dev->proxy_device) {
		/* Continues the current mode: the CPU's timers program it (tick_install). */
		cw__tick_install_replacement(sys, cpu, real);
	}
	if (sys->cpus[cpu].td.evtdev == &dev->proxy_device) {
		/* The real device could not come back (it was not ours): no tick device. */
		CW_WARN_ON_ONCE(sys, true);
		return NULL;
	}
	cw__clockevents_remove_locked(sys, &dev->proxy_device);
	pc->dev = NULL;
	return dev;
}

static void uninstall_on_cpu(void *p)
{
	struct cpu_args *a = p;
	struct cw_system *sys = a->sys;

	cw_spin_lock(&sys->ce.lock);
	a->dev = uninstall_locked(sys, a->cpu);
	cw_spin_unlock(&sys->ce.lock);
	if (a->dev) {
		cw__log(sys, CW_LOG_INFO, "proxy: CPU%u: %s back as tick device", a->cpu,
			a->dev->real_device->name);
	}
}

/* Whether a proxied CPU outside @mask (NULL: any) has its real device on @irq. */
static bool irq_proxied_outside(struct cw_system *sys, int irq, const uint64_t *mask)
{
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		struct cw_clock_proxy_device *dev = sys->proxy->cpus[cpu].dev;

		if (dev && dev->real_device->irq == irq && (!mask || !mask_test(mask, cpu))) {
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Install and uninstall: one sequence of per-CPU steps */

static int claim_busy(struct cw_proxy *px, bool install)
{
	int ret = 0;

	cw_spin_lock(&px->lock);
	if (px->busy || (install && px->nr_installed)) {
		ret = CW_EBUSY;
	} else {
		px->busy = true;
	}
	cw_spin_unlock(&px->lock);
	return ret;
}

static void release_busy(struct cw_proxy *px)
{
	cw_spin_lock(&px->lock);
	px->busy = false;
	cw_spin_unlock(&px->lock);
}

/** The steps of an install or uninstall, in order (install falls into uninstall to roll back). */
enum op_step {
	/** Install step 1 on the next online CPU of the mask. */
	OP_PREPARE,
	/** Install step 2 on the same CPU. */
	OP_INSTALL,
	/** Install step 3 on the next proxied CPU of the mask, then its line to the oob stage. */
	OP_ENABLE,
	/** Uninstall (or rollback) step 1 on the next proxied CPU of the mask. */
	OP_DISABLE,
	/** Uninstall step 3 on the next proxied CPU (step 2, the lines, ran before it). */
	OP_UNINSTALL,
	/** Release the busy flag and report. */
	OP_FINISH,
};

/**
 * One install or uninstall in progress. The synchronous calls run it to the
 * end with cw_cpu_call(); the asynchronous ones with cw__cpu_call_async(),
 * so a step on a CPU that cannot run it now (a stalled in-band stage in the
 * sim) suspends the sequence and its completion resumes it. Allocated by
 * the public call, freed at OP_FINISH; holds the busy flag throughout.
 */
struct proxy_op {
	struct cw_system *sys;
	/** Cross calls may complete later (the _async calls). */
	bool async;
	/** An install (else an uninstall). */
	bool install;
	enum op_step step;
	/** The CPU the step runs on, or where the search for the next one starts. */
	unsigned cpu;
	/** CPUs installed so far (install). */
	unsigned nr_done;
	/** Result: the first error. */
	int ret;
	/** The user's setup and its argument (install). */
	cw_tick_proxy_setup_fn setup;
	void *arg;
	/** Arguments of the step in flight. */
	struct cpu_args a;
	/** Distinct real irqs seen by OP_DISABLE (nr_cpus entries). */
	int *irqs;
	unsigned nr_irqs;
	/** CPUs given their real device back by OP_UNINSTALL. */
	unsigned nr_uninstalled;
	/** Completion (the _async calls). */
	cw_tick_proxy_done_fn done;
	void *done_arg;
	/** Copy of the mask ((nr_cpus + 63) / 64 words). */
	uint64_t mask[];
};

/* The next CPU >= op->cpu of the mask that is online (@proxied false) or has a proxy. */
static bool op_next_cpu(struct proxy_op *op, bool proxied)
{
	struct cw_system *sys = op->sys;

	for (; op->cpu < sys->nr_cpus; op->cpu++) {
		if (!mask_test(op->mask, op->cpu)) {
			continue;
		}
		if (proxied ? sys->proxy->cpus[op->cpu].dev != NULL : cw_cpu_online(sys, op->cpu)) {
			return true;
		}
	}
	return false;
}

/* An install step failed with @err: undo every CPU done so far (the uninstall steps). */
static void op_fail(struct proxy_op *op, int err)
{
	if (!op->ret) {
		op->ret = err;
	}
	op->step = OP_DISABLE;
	op->cpu = 0;
}

/* Lines no proxied CPU outside the mask still uses go back in-band (uninstall step 2). */
static void op_lines_inband(struct proxy_op *op)
{
	for (unsigned i = 0; i < op->nr_irqs; i++) {
		if (!irq_proxied_outside(op->sys, op->irqs[i], op->mask)) {
			op->sys->port->irq_switch_oob(op->sys->port_ctx, op->irqs[i], false);
		}
	}
}

/* Pick the next step's CPU and function; NULL: OP_FINISH reached. */
static cw_cpu_call_fn op_next_call(struct proxy_op *op)
{
	struct cw_system *sys = op->sys;

	for (;;) {
		switch (op->step) {
		case OP_PREPARE:
			if (!op_next_cpu(op, false)) {
				if (op->nr_done == 0) {
					op_fail(op, CW_EINVAL);
				} else {
					op->step = OP_ENABLE;
					op->cpu = 0;
				}
				continue;
			}
			memset(&op->a, 0, sizeof(op->a));
			op->a.sys = sys;
			op->a.cpu = op->cpu;
			op->a.setup = op->setup;
			op->a.arg = op->arg;
			op->a.ret = CW_ENODEV;
			op->a.dev = calloc(1, sizeof(*op->a.dev));
			if (!op->a.dev) {
				op_fail(op, CW_ENOMEM);
				continue;
			}
			return prepare_on_cpu;
		case OP_INSTALL:
			op->a.ret = CW_ENODEV;
			return install_on_cpu;
		case OP_ENABLE:
			if (!op_next_cpu(op, true)) {
				op->step = OP_FINISH;
				continue;
			}
			op->a.sys = sys;
			op->a.cpu = op->cpu;
			return enable_oob_on_cpu;
		case OP_DISABLE:
			if (!op_next_cpu(op, true)) {
				op_lines_inband(op);
				op->step = OP_UNINSTALL;
				op->cpu = 0;
				continue;
			} else {
				int irq = sys->proxy->cpus[op->cpu].dev->real_device->irq;
				bool seen = false;

				for (unsigned i = 0; i < op->nr_irqs; i++) {
					seen |= op->irqs[i] == irq;
				}
				if (!seen) {
					op->irqs[op->nr_irqs++] = irq;
				}
			}
			op->a.sys = sys;
			op->a.cpu = op->cpu;
			return disable_oob_on_cpu;
		case OP_UNINSTALL:
			if (!op_next_cpu(op, true)) {
				cw_spin_lock(&sys->proxy->lock);
				sys->proxy->nr_installed -= op->nr_uninstalled;
				cw_spin_unlock(&sys->proxy->lock);
				op->step = OP_FINISH;
				continue;
			}
			op->a.sys = sys;
			op->a.cpu = op->cpu;
			op->a.dev = NULL;
			return uninstall_on_cpu;
		case OP_FINISH:
			return NULL;
		}
	}
}

/* The step's cross call returned @call_ret (0: it ran): take its result, move on. */
static void op_after_call(struct proxy_op *op, int call_ret)
{
	struct cw_system *sys = op->sys;
	int ret;

	switch (op->step) {
	case OP_PREPARE:
		if (call_ret || op->a.ret) {
			goto install_failed;
		}
		op->step = OP_INSTALL;
		return;
	case OP_INSTALL:
		if (call_ret || op->a.ret) {
			goto install_failed;
		}
		cw_spin_lock(&sys->proxy->lock);
		sys->proxy->nr_installed++;
		cw_spin_unlock(&sys->proxy->lock);
		op->nr_done++;
		op->step = OP_PREPARE;
		op->cpu++;
		return;
	case OP_ENABLE:
		/* Switching a line twice is harmless: one per CPU keeps this simple. */
		ret = sys->port->irq_switch_oob(
			sys->port_ctx, sys->proxy->cpus[op->cpu].dev->real_device->irq, true);
		if (ret) {
			op_fail(op, ret);
			return;
		}
		op->cpu++;
		return;
	case OP_DISABLE:
		op->cpu++;
		return;
	case OP_UNINSTALL:
		if (call_ret == 0 && op->a.dev) {
			free(op->a.dev);
			op->nr_uninstalled++;
		}
		op->cpu++;
		return;
	case OP_FINISH:
		return;
	}
	return;
install_failed:
	/* The setup may have started the oob layer's bookkeeping: nothing of it stays. */
	sys->proxy->cpus[op->cpu].oob_layer = false;
	free(op->a.dev);
	op->a.dev = NULL;
	op_fail(op, call_ret ? call_ret : op->a.ret);
}

static void op_finish(struct proxy_op *op)
{
	struct cw_system *sys = op->sys;
	cw_tick_proxy_done_fn done = op->done;
	void *done_arg = op->done_arg;
	int ret = op->ret;

	if (ret && op->install) {
		cw__log(sys, CW_LOG_WARNING, "proxy: install failed (%s), rolled back",
			cw_strerror(ret));
	}
	release_busy(sys->proxy);
	free(op->irqs);
	free(op);
	if (done) {
		done(sys, ret, done_arg);
	}
}

static void op_resume(void *p, int call_ret);

/*
 * Run the sequence until a step has to wait (asynchronous: its completion
 * resumes here) or the end. @return true when it ended (@op is freed).
 */
static bool op_run(struct proxy_op *op)
{
	cw_cpu_call_fn fn;

	while ((fn = op_next_call(op)) != NULL) {
		int r;

		if (op->async) {
			r = cw__cpu_call_async(op->sys, op->cpu, fn, &op->a, op_resume, op);
			if (r == 1) {
				return false;
			}
		} else {
			r = cw_cpu_call(op->sys, op->cpu, fn, &op->a);
		}
		op_after_call(op, r);
	}
	op_finish(op);
	return true;
}

/* A step that had to wait ran (a later event of the port, on the caller's CPU). */
static void op_resume(void *p, int call_ret)
{
	struct proxy_op *op = p;

	op_after_call(op, call_ret);
	op_run(op);
}

/* Check, allocate and claim the busy flag. @return 0 and *@out, or CW_E*. */
static int op_start(struct cw_system *sys, bool install, cw_tick_proxy_setup_fn setup, void *arg,
		    const uint64_t *cpumask, struct proxy_op **out)
{
	size_t words;
	struct proxy_op *op;
	int ret;

	if (!sys || !cpumask || !sys->proxy || (install && !setup)) {
		return CW_EINVAL;
	}
	if (install && (!sys->port->irq_switch_oob || !sys->port->irq_post_inband)) {
		return CW_ENOSYS;
	}
	words = (sys->nr_cpus + 63) / 64;
	op = calloc(1, sizeof(*op) + words * sizeof(op->mask[0]));
	if (!op) {
		return CW_ENOMEM;
	}
	op->irqs = calloc(sys->nr_cpus, sizeof(*op->irqs));
	if (!op->irqs) {
		free(op);
		return CW_ENOMEM;
	}
	ret = claim_busy(sys->proxy, install);
	if (ret) {
		free(op->irqs);
		free(op);
		return ret;
	}
	op->sys = sys;
	op->install = install;
	op->setup = setup;
	op->arg = arg;
	op->step = install ? OP_PREPARE : OP_DISABLE;
	memcpy(op->mask, cpumask, words * sizeof(op->mask[0]));
	*out = op;
	return 0;
}

/* The synchronous calls: the sequence ends before they return. */
static void op_sync_done(struct cw_system *sys, int ret, void *arg)
{
	(void)sys;
	*(int *)arg = ret;
}

static int op_run_sync(struct proxy_op *op)
{
	int ret = 0;

	op->done = op_sync_done;
	op->done_arg = &ret;
	op_run(op);
	return ret;
}

int cw_tick_install_proxy(struct cw_system *sys, cw_tick_proxy_setup_fn setup, void *arg,
			  const uint64_t *cpumask)
{
	struct proxy_op *op;
	int ret = op_start(sys, true, setup, arg, cpumask, &op);

	return ret ? ret : op_run_sync(op);
}

int cw_tick_uninstall_proxy(struct cw_system *sys, const uint64_t *cpumask)
{
	struct proxy_op *op;
	int ret = op_start(sys, false, NULL, NULL, cpumask, &op);

	return ret ? ret : op_run_sync(op);
}

/* Start an install (@install) or uninstall that completes in @done. */
static int op_run_async(struct cw_system *sys, bool install, cw_tick_proxy_setup_fn setup,
			void *arg, const uint64_t *cpumask, cw_tick_proxy_done_fn done,
			void *done_arg)
{
	struct proxy_op *op;
	int ret = op_start(sys, install, setup, arg, cpumask, &op);

	if (ret) {
		return ret;
	}
	op->async = true;
	op->done = done;
	op->done_arg = done_arg;
	op_run(op);
	return 0;
}

int cw_tick_install_proxy_async(struct cw_system *sys, cw_tick_proxy_setup_fn setup, void *arg,
				const uint64_t *cpumask, cw_tick_proxy_done_fn done, void *done_arg)
{
	return op_run_async(sys, true, setup, arg, cpumask, done, done_arg);
}

int cw_tick_uninstall_proxy_async(struct cw_system *sys, const uint64_t *cpumask,
				  cw_tick_proxy_done_fn done, void *done_arg)
{
	return op_run_async(sys, false, NULL, NULL, cpumask, done, done_arg);
}

void cw_tick_notify_proxy(struct cw_system *sys)
{
	sys->port->irq_post_inband(sys->port_ctx, cw__this_cpu(sys));
}

void cw_tick_proxy_interrupt(struct cw_system *sys)
{
	struct cw_clock_event_device *dev = CW_READ_ONCE(sys->cpus[cw__this_cpu(sys)].td.evtdev);

	if (dev) {
		cw_clockevents_handle_event(dev);
	}
}

bool cw_tick_proxy_deep_idle_ok(struct cw_system *sys)
{
	struct cw_proxy_cpu *pc = &sys->proxy->cpus[cw__this_cpu(sys)];
	struct cw_clock_proxy_device *dev = pc->dev;
	bool queued;

	if (!dev || !(dev->real_device->features & CW_CLOCKEVENT_FEAT_C3STOP)) {
		return true;
	}
	cw_spin_lock(&pc->lock);
	queued = pc->timers != NULL;
	cw_spin_unlock(&pc->lock);
	return !queued;
}

struct cw_clock_proxy_device *cw_tick_proxy(struct cw_system *sys, unsigned cpu)
{
	if (!sys || !sys->proxy || cpu >= sys->nr_cpus) {
		return NULL;
	}
	return CW_READ_ONCE(sys->proxy->cpus[cpu].dev);
}

/* ---------------------------------------------------------------------- */
/* The out-of-band timer layer */

static struct cw_proxy_cpu *oobl_cpu(struct cw_clock_proxy_device *dev)
{
	return &dev->proxy_device.sys->proxy->cpus[dev->cpu];
}

/* Program the real device for the earliest oob timer or the in-band request. */
static void oobl_reprogram_locked(struct cw_system *sys, struct cw_proxy_cpu *pc)
{
	struct cw_clock_event_device *real = pc->dev->real_device;
	cw_ktime_t next = pc->inband_next_ns;

	(void)sys;
	cw_lockdep_assert_held(&pc->lock);
	if (pc->timers && pc->timers->expires_ns < next) {
		next = pc->timers->expires_ns;
	}
	if (next == CW_KTIME_MAX) {
		if (!pc->hw_stopped &&
		    cw__clockevents_reserved_program(real, CW_KTIME_MAX, true) == 0) {
			pc->hw_stopped = true;
		}
		return;
	}
	if (pc->hw_stopped) {
		if (cw__clockevents_reserved_set_mode(real, CW_CLOCKEVENT_STATE_ONESHOT)) {
			/* Not reserved yet (install step 2): programmed once it is. */
			return;
		}
		pc->hw_stopped = false;
	}
	cw__clockevents_reserved_program(real, next, true);
}

static void oobl_insert(struct cw_proxy_cpu *pc, struct cw_oob_timer *t)
{
	struct cw_oob_timer **pp = &pc->timers;

	while (*pp && (*pp)->expires_ns <= t->expires_ns) {
		pp = &(*pp)->next;
	}
	t->next = *pp;
	*pp = t;
	t->queued = true;
}

static bool oobl_remove(struct cw_proxy_cpu *pc, struct cw_oob_timer *t)
{
	if (!t->queued) {
		return false;
	}
	for (struct cw_oob_timer **pp = &pc->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->queued = false;
	return true;
}

/* The real device interrupted (oob stage): due timers, then the in-band tick if it is due. */
static void oobl_handle_oob_event(struct cw_clock_proxy_device *dev)
{
	struct cw_system *sys = dev->proxy_device.sys;
	struct cw_proxy_cpu *pc = oobl_cpu(dev);
	cw_ktime_t now = cw_ktime_get(sys);
	struct cw_oob_timer *t;
	bool notify = false;

	cw_spin_lock(&pc->lock);
	while ((t = pc->timers) && t->expires_ns <= now) {
		cw_ktime_t next = t->expires_ns + (cw_ktime_t)t->period_ns;

		oobl_remove(pc, t);
		/*
		 * The callback runs unlocked and sees the expiry it ran for;
		 * it may restart or cancel its timer.
		 */
		cw_spin_unlock(&pc->lock);
		t->fn(t, now);
		cw_spin_lock(&pc->lock);
		if (!t->queued && t->period_ns) {
			if (next <= now) {
				uint64_t skip = (uint64_t)(now - next) / t->period_ns + 1;

				t->overruns += skip;
				next += (cw_ktime_t)(skip * t->period_ns);
			}
			t->expires_ns = next;
			oobl_insert(pc, t);
		}
	}
	if (pc->inband_next_ns <= now) {
		pc->inband_next_ns = CW_KTIME_MAX;
		notify = true;
	}
	/*
	 * Nothing left to wait for: leave the hardware as it is, as EVL's
	 * proxy tick does (no write per relayed in-band tick). A oneshot
	 * event does not fire twice on hardware whose driver acknowledged it
	 * properly, and the in-band side reprograms or stops the device
	 * through the proxy once its interrupt ran. A driver that did not
	 * move the comparator ("oneshot" without "or oob" on the erratum
	 * 740657 global timer) storms until then (docs/proxy-tick.md).
	 */
	if (pc->timers || pc->inband_next_ns != CW_KTIME_MAX) {
		oobl_reprogram_locked(sys, pc);
	}
	cw_spin_unlock(&pc->lock);
	if (notify) {
		cw_tick_notify_proxy(sys);
	}
}

/* The in-band side's request (the proxy's set_next_ktime). */
static int oobl_inband_next(cw_ktime_t expires_ns, struct cw_clock_event_device *pd)
{
	struct cw_clock_proxy_device *dev = to_proxy(pd);
	struct cw_proxy_cpu *pc = oobl_cpu(dev);

	cw_spin_lock(&pc->lock);
	pc->inband_next_ns = expires_ns;
	oobl_reprogram_locked(pd->sys, pc);
	cw_spin_unlock(&pc->lock);
	return 0;
}

/* The in-band side stops (oneshot-stopped, shutdown): the oob timers keep the hardware. */
static int oobl_inband_stop(struct cw_clock_event_device *pd)
{
	struct cw_clock_proxy_device *dev = to_proxy(pd);
	struct cw_proxy_cpu *pc = oobl_cpu(dev);

	if (pc->dev != dev) {
		/* Being installed or removed: nothing of ours runs on the hardware. */
		return 0;
	}
	cw_spin_lock(&pc->lock);
	pc->inband_next_ns = CW_KTIME_MAX;
	oobl_reprogram_locked(pd->sys, pc);
	cw_spin_unlock(&pc->lock);
	return 0;
}

static int oobl_inband_oneshot(struct cw_clock_event_device *pd)
{
	(void)pd;
	return 0;
}

void cw_tick_proxy_setup_oob_timers(struct cw_clock_proxy_device *dev, void *arg)
{
	struct cw_clock_event_device *pd = &dev->proxy_device;
	struct cw_proxy_cpu *pc = &dev->real_device->sys->proxy->cpus[dev->cpu];

	(void)arg;
	dev->handle_oob_event = oobl_handle_oob_event;
	/* In-band requests arrive as absolute times; no ns<->cycles round trip. */
	pd->features |= CW_CLOCKEVENT_FEAT_KTIME;
	pd->set_next_ktime = oobl_inband_next;
	pd->set_state_oneshot = oobl_inband_oneshot;
	pd->set_state_oneshot_stopped = oobl_inband_stop;
	pd->set_state_shutdown = oobl_inband_stop;
	pc->oob_layer = true;
	pc->hw_stopped = true;
	pc->timers = NULL;
	pc->inband_next_ns = CW_KTIME_MAX;
}

int cw_oob_timer_start(struct cw_system *sys, unsigned cpu, struct cw_oob_timer *t,
		       cw_ktime_t expires_ns, uint64_t period_ns)
{
	struct cw_proxy_cpu *pc;

	if (!sys || !sys->proxy || cpu >= sys->nr_cpus || !t || !t->fn) {
		return CW_EINVAL;
	}
	pc = &sys->proxy->cpus[cpu];
	cw_spin_lock(&pc->lock);
	if (!pc->dev || !pc->oob_layer) {
		cw_spin_unlock(&pc->lock);
		return CW_ENODEV;
	}
	oobl_remove(pc, t);
	t->expires_ns = expires_ns;
	t->period_ns = period_ns;
	oobl_insert(pc, t);
	oobl_reprogram_locked(sys, pc);
	cw_spin_unlock(&pc->lock);
	return 0;
}

int cw_oob_timer_cancel(struct cw_system *sys, unsigned cpu, struct cw_oob_timer *t)
{
	struct cw_proxy_cpu *pc;
	bool was;

	if (!sys || !sys->proxy || cpu >= sys->nr_cpus || !t) {
		return 0;
	}
	pc = &sys->proxy->cpus[cpu];
	cw_spin_lock(&pc->lock);
	t->period_ns = 0;
	was = oobl_remove(pc, t);
	if (was && pc->dev && pc->oob_layer) {
		oobl_reprogram_locked(sys, pc);
	}
	cw_spin_unlock(&pc->lock);
	return was;
}

/* ---------------------------------------------------------------------- */
/* Component row */

int cw__proxy_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	struct cw_proxy *px;

	(void)cfg;
	px = calloc(1, sizeof(*px));
	if (!px) {
		return CW_ENOMEM;
	}
	px->cpus = calloc(sys->nr_cpus, sizeof(*px->cpus));
	if (!px->cpus) {
		free(px);
		return CW_ENOMEM;
	}
	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		px->cpus[i].inband_next_ns = CW_KTIME_MAX;
	}
	/* A zeroed spinlock is an unlocked one. */
	sys->proxy = px;
	return 0;
}

void cw__proxy_teardown(struct cw_system *sys)
{
	struct cw_proxy *px = sys->proxy;

	if (!px) {
		return;
	}
	/* The system goes away with its devices: no hardware to hand back. */
	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		free(px->cpus[i].dev);
	}
	free(px->cpus);
	free(px);
	sys->proxy = NULL;
}

size_t cw__proxy_cpu_bytes(void)
{
	return sizeof(struct cw_proxy_cpu);
}

void cw__proxy_cpu_dying(struct cw_system *sys, unsigned cpu)
{
	struct cw_clock_proxy_device *dev;
	int irq;

	cw_spin_lock(&sys->ce.lock);
	dev = uninstall_locked(sys, cpu);
	cw_spin_unlock(&sys->ce.lock);
	if (!dev) {
		return;
	}
	irq = dev->real_device->irq;
	free(dev);
	cw_spin_lock(&sys->proxy->lock);
	sys->proxy->nr_installed--;
	cw_spin_unlock(&sys->proxy->lock);
	if (!irq_proxied_outside(sys, irq, NULL)) {
		sys->port->irq_switch_oob(sys->port_ctx, irq, false);
	}
	cw__log(sys, CW_LOG_INFO, "proxy: CPU%u going down: proxy removed", cpu);
}
