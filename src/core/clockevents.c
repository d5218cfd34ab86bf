/* SPDX-License-Identifier: MIT */
/*
 * Clock event devices: registration and configuration, the state machine,
 * programming with the minimum-delta retry, and the device bookkeeping the
 * tick layer builds on (exchange, re-offering released devices, unbind and
 * unregister).
 *
 * Conversion. A device counts in its own cycles; the core thinks in
 * MONOTONIC ns. cw_clockevents_config_and_register() picks mult/shift so
 * that cycles = ns * mult >> shift is exact to the rounding of mult over
 * the longest programmable delta (max_ticks / freq, at least 1 s, at most
 * 600 s), and derives min/max_delta_ns from the tick limits: the minimum
 * rounded up (never program less than the hardware takes), the maximum
 * never above the hardware limit, both at least 1 us.
 *
 * Programming. cw_clockevents_program_event() clamps the delta to the
 * device's limits and converts it to cycles rounding up, plus one cycle for
 * the phase of the device's counter, so that no interrupt comes early. With @force, a time in the
 * past or a driver that says CW_ETIME leads to the min-delta path: program now + min_delta_ns;
 * after 3 consecutive failures raise min_delta_ns (below 5 us to 5 us, else by half) up to one
 * jiffy, and give up once it is already there. Systems can switch to the variant without adjustment
 * (10 tries, linearly growing delta) with sys->ce.min_adjust = false.
 *
 * Offering. A newly registered device is offered to the tick layer:
 *   - a per-CPU device (dev->cpu >= 0) to its CPU (run on that CPU with
 *     cw_cpu_call()), then as broadcast device;
 *   - a global device to the registering CPU, then every other online CPU
 *     in order, then as broadcast device. (Linux offers a global device to
 *     the registering CPU only; since all CPUs of a clockwork system are up
 *     when drivers probe, the extra rounds give CPUs without a local timer
 *     one of several global channels, as SH-TMU machines need.)
 * A device displaced by a better one is released (DETACHED) and offered
 * again after the registration: first as broadcast device, then to the
 * CPUs. "Unused" and "DETACHED" are the same thing: the tick layer moves
 * every device it uses (tick or broadcast) out of DETACHED.
 *
 * Reserved. A holder outside the tick layer (a claimed channel, the real
 * device under a proxy tick device) can take an unused device out of the
 * framework: cw__clockevents_reserve() moves it from DETACHED to RESERVED
 * under ce.lock. Every offer, re-offer and replacement search takes only
 * DETACHED devices, so the tick and broadcast layers never see it; the
 * framework's operations on it (programming, state switches, unbind,
 * unregister) are refused with CW_EBUSY and a log line naming the holder.
 * The holder drives the hardware through cw__clockevents_reserved_*();
 * cw__clockevents_unreserve() shuts it down and offers it again like any
 * released device.
 *
 * Locking rules: ce.lock (clockevents-types.h) protects the device list and
 * every device's binding. Offering a device to a CPU runs on that CPU
 * through cw_cpu_call() with no lock held by the caller; the called
 * function takes ce.lock. cw_clockevents_program_event() runs on the
 * device's CPU (or under bc_lock for the broadcast device) and takes no
 * lock.
 *
 * One owner of the state on programming: cw_clockevents_program_event() is
 * the only function that moves a device between ONESHOT and ONESHOT_STOPPED
 * when an event is programmed or cancelled, and the only one that decides
 * what a SHUTDOWN device (deep idle, the broadcast device covers it) does
 * with an event: it records it and touches no hardware. The tick layer,
 * the broadcast device and the hrtimer interrupt all program through it
 * (Linux splits this between tick_program_event() and
 * clockevents_program_event(); a second copy here had drifted, with plain
 * stores and no latch reset).
 */
#include <clockwork/driver/clockevent.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/cpu.h>
#include <clockwork/timekeeping.h>

#include "system-internal.h"
#include "clockevents-internal.h"
#include "cpu-internal.h"
#include "tick-internal.h"
#include "check-internal.h"

#include <stdio.h>
#include <string.h>

/** Longest delta the ns->cycles conversion is sized for, s (Linux caps at 600). */
#define CE_MAX_CONVERSION_S      600u
/** Consecutive min-delta failures before min_delta_ns is raised. */
#define CE_MIN_DELTA_TRIES       3
/** First raise of min_delta_ns, ns. */
#define CE_MIN_DELTA_RAISE_NS    5000u
/** Tries of the min-delta path without adjustment. */
#define CE_MIN_DELTA_TRIES_NOADJ 10

/* ---------------------------------------------------------------------- */
/* Conversion */

uint64_t cw_clockevent_delta_to_ns(uint64_t latch, const struct cw_clock_event_device *dev,
				   bool is_min)
{
	uint32_t mult = dev->mult ? dev->mult : 1;
	uint64_t round = 0, ns;

	/*
	 * A minimum rounds up so that converting back never gives fewer
	 * cycles than the hardware needs. A maximum rounds up only when a
	 * cycle is at least 1 ns (mult <= 2^shift): then the extra fraction
	 * of a ns converts back to less than one cycle; on faster devices it
	 * could exceed the hardware limit.
	 */
	if (is_min || (uint64_t)mult <= (UINT64_C(1) << dev->shift)) {
		round = mult - 1;
	}
	ns = cw_u128_to_u64_sat(cw_shl_add_div(latch, dev->shift, round, mult));
	if (ns > INT64_MAX) {
		ns = INT64_MAX;
	}
	return ns > CW_CLOCKEVENT_MIN_DELTA_FLOOR_NS ? ns : CW_CLOCKEVENT_MIN_DELTA_FLOOR_NS;
}

/*
 * Cycles to program for a delta of @ns: never early. The device counts
 * whole cycles from wherever its counter stands, up to one cycle into the
 * current one, so the exact product (ns * mult >> shift, rounded up) gets
 * one more cycle. The interrupt then comes at or after the requested time,
 * at most two device cycles late (Linux truncates instead and lets an
 * early interrupt find nothing due, which costs a second interrupt on
 * slow devices: a 1 MHz tick device took two per tick).
 */
static uint64_t ns_to_cycles(const struct cw_clock_event_device *dev, uint64_t ns)
{
	uint64_t c = cw_mul_u64_u32_shr_ceil(ns, dev->mult, dev->shift);

	return c == UINT64_MAX ? UINT64_MAX : c + 1;
}

/*
 * Cycles to program for @ns, at most the hardware's max_delta_ticks: the
 * never-early cycles above would exceed it by up to two at max_delta_ns,
 * and a counter register of that width would take the excess as a tiny
 * delta (2^32 + 1 cycles into a 32-bit TMU is 1 cycle: an interrupt at
 * once instead of 343 s later). At the maximum an early interrupt is what
 * the clamp means anyway: the event is programmed again from there.
 */
static uint64_t program_cycles(const struct cw_clock_event_device *dev, uint64_t ns)
{
	uint64_t c = ns_to_cycles(dev, ns);

	return dev->max_delta_ticks && c > dev->max_delta_ticks ? dev->max_delta_ticks : c;
}

void cw__clockevents_config(struct cw_clock_event_device *dev, uint64_t freq_hz)
{
	uint64_t max_s = 1;

	if (dev->features & CW_CLOCKEVENT_FEAT_ONESHOT) {
		max_s = dev->max_delta_ticks / freq_hz;
		if (max_s < 1) {
			max_s = 1;
		} else if (max_s > CE_MAX_CONVERSION_S) {
			max_s = CE_MAX_CONVERSION_S;
		}
	}
	dev->freq_hz = freq_hz;
	/* ns -> cycles, sized so that max_s seconds of ns times mult fit 64 bits. */
	cw_clocks_calc_mult_shift(&dev->mult, &dev->shift, CW_NSEC_PER_SEC, freq_hz, max_s);
	dev->min_delta_ns = cw_clockevent_delta_to_ns(dev->min_delta_ticks, dev, true);
	dev->max_delta_ns = cw_clockevent_delta_to_ns(dev->max_delta_ticks, dev, false);
}

/* ---------------------------------------------------------------------- */
/* State machine */

const char *cw_clockevent_state_name(enum cw_clockevent_state state)
{
	switch (state) {
	case CW_CLOCKEVENT_STATE_DETACHED:
		return "detached";
	case CW_CLOCKEVENT_STATE_SHUTDOWN:
		return "shutdown";
	case CW_CLOCKEVENT_STATE_PERIODIC:
		return "periodic";
	case CW_CLOCKEVENT_STATE_ONESHOT:
		return "oneshot";
	case CW_CLOCKEVENT_STATE_ONESHOT_STOPPED:
		return "oneshot-stopped";
	case CW_CLOCKEVENT_STATE_RESERVED:
		return "reserved";
	}
	return "invalid";
}

enum cw_clockevent_state cw_clockevent_get_state(const struct cw_clock_event_device *dev)
{
	return CW_READ_ONCE(dev->state_use_accessors);
}

static void set_state(struct cw_clock_event_device *dev, enum cw_clockevent_state state)
{
	CW_WRITE_ONCE(dev->state_use_accessors, state);
}

/* Call the driver for @state. DUMMY devices have nothing to call. */
static int driver_switch(struct cw_clock_event_device *dev, enum cw_clockevent_state state)
{
	if (dev->features & CW_CLOCKEVENT_FEAT_DUMMY) {
		return 0;
	}
	switch (state) {
	case CW_CLOCKEVENT_STATE_DETACHED:
	case CW_CLOCKEVENT_STATE_SHUTDOWN:
		return dev->set_state_shutdown ? dev->set_state_shutdown(dev) : 0;
	case CW_CLOCKEVENT_STATE_PERIODIC:
		if (!(dev->features & CW_CLOCKEVENT_FEAT_PERIODIC)) {
			return CW_ENOSYS;
		}
		return dev->set_state_periodic ? dev->set_state_periodic(dev) : 0;
	case CW_CLOCKEVENT_STATE_ONESHOT:
		if (!(dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
			return CW_ENOSYS;
		}
		return dev->set_state_oneshot ? dev->set_state_oneshot(dev) : 0;
	case CW_CLOCKEVENT_STATE_ONESHOT_STOPPED:
		if (CW_WARN_ON_ONCE(dev->sys,
				    cw_clockevent_get_state(dev) != CW_CLOCKEVENT_STATE_ONESHOT)) {
			return CW_EINVAL;
		}
		return dev->set_state_oneshot_stopped ? dev->set_state_oneshot_stopped(dev)
						      : CW_ENOSYS;
	case CW_CLOCKEVENT_STATE_RESERVED:
		/* Only cw__clockevents_reserve_locked() enters it, with no driver call. */
		return CW_EINVAL;
	}
	return CW_EINVAL;
}

/* The framework tried to use a RESERVED device: refuse, and say who holds it. */
static int refuse_reserved(struct cw_clock_event_device *dev, const char *what)
{
	cw__log(dev->sys, CW_LOG_WARNING, "clockevents: %s refused: %s is reserved by %s", what,
		dev->name, dev->reserved_by ? dev->reserved_by : "?");
	return CW_EBUSY;
}

int cw__clockevents_switch_state(struct cw_clock_event_device *dev, enum cw_clockevent_state state)
{
	int ret;

	if (cw_clockevent_get_state(dev) == state) {
		return 0;
	}
	if (cw_clockevent_get_state(dev) == CW_CLOCKEVENT_STATE_RESERVED) {
		return refuse_reserved(dev, "state switch");
	}
	ret = driver_switch(dev, state);
	if (ret) {
		return ret;
	}
	set_state(dev, state);
	/*
	 * Every state change ends a forced event: shutdown and oneshot-stopped
	 * cancel it in the hardware, so a latch kept over them would make the
	 * next programming a no-op and the device never fire (Linux 7.0's
	 * first version locked up on exactly this).
	 */
	cw__clockevents_clear_forced(dev);
	/* A oneshot device converts ns to cycles: a zero mult would stall it. */
	if (state == CW_CLOCKEVENT_STATE_ONESHOT && !(dev->features & CW_CLOCKEVENT_FEAT_KTIME) &&
	    CW_WARN_ON_ONCE(dev->sys, dev->mult == 0)) {
		dev->mult = 1;
	}
	return 0;
}

void cw__clockevents_shutdown(struct cw_clock_event_device *dev)
{
	cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_SHUTDOWN);
	cw__clockevents_clear_forced(dev);
	CW_WRITE_ONCE(dev->next_event_ns, CW_KTIME_MAX);
}

void cw__clockevents_clear_forced(struct cw_clock_event_device *dev)
{
	CW_WRITE_ONCE(dev->next_event_forced, false);
}

void cw__clockevents_tick_resume(struct cw_clock_event_device *dev)
{
	cw__clockevents_clear_forced(dev);
	if (dev->tick_resume) {
		dev->tick_resume(dev);
	}
}

/* ---------------------------------------------------------------------- */
/* Programming */

/* Raise min_delta_ns after repeated failures. @return 0, or CW_ETIME to give up. */
static int increase_min_delta(struct cw_clock_event_device *dev)
{
	struct cw_system *sys = dev->sys;
	uint64_t limit = sys->tick_nsec;

	if (dev->min_delta_ns >= limit) {
		cw__log(sys, CW_LOG_WARNING,
			"CE: Reprogramming failure. Giving up (%s, min_delta_ns %llu)", dev->name,
			(unsigned long long)dev->min_delta_ns);
		CW_WRITE_ONCE(dev->next_event_ns, CW_KTIME_MAX);
		return CW_ETIME;
	}
	if (dev->min_delta_ns < CE_MIN_DELTA_RAISE_NS) {
		dev->min_delta_ns = CE_MIN_DELTA_RAISE_NS;
	} else {
		dev->min_delta_ns += dev->min_delta_ns >> 1;
	}
	if (dev->min_delta_ns > limit) {
		dev->min_delta_ns = limit;
	}
	dev->min_delta_raises++;
	cw__log(sys, CW_LOG_WARNING, "CE: %s increased min_delta_ns to %llu nsec", dev->name,
		(unsigned long long)dev->min_delta_ns);
	return 0;
}

/* Program now + @delta_ns; returns the driver's answer, 0 for a shut-down device. */
static int program_delta(struct cw_clock_event_device *dev, uint64_t delta_ns)
{
	CW_WRITE_ONCE(dev->next_event_ns, cw_ktime_get(dev->sys) + (cw_ktime_t)delta_ns);
	if (cw_clockevent_get_state(dev) == CW_CLOCKEVENT_STATE_SHUTDOWN) {
		return 0;
	}
	dev->retries++;
	return dev->set_next_event(program_cycles(dev, delta_ns), dev);
}

static int program_min_delta_adjust(struct cw_clock_event_device *dev)
{
	for (int fails = 0;;) {
		if (program_delta(dev, dev->min_delta_ns) == 0) {
			return 0;
		}
		if (++fails >= CE_MIN_DELTA_TRIES) {
			if (increase_min_delta(dev)) {
				return CW_ETIME;
			}
			fails = 0;
		}
	}
}

static int program_min_delta_linear(struct cw_clock_event_device *dev)
{
	uint64_t delta = 0;

	for (int i = 0; i < CE_MIN_DELTA_TRIES_NOADJ; i++) {
		delta += dev->min_delta_ns;
		if (program_delta(dev, delta) == 0) {
			return 0;
		}
	}
	return CW_ETIME;
}

/*
 * The forced path. Success latches the device (see
 * cw_clockevents_program_event()): until this event fires, programming
 * it again would only push it out.
 */
static int program_min_delta(struct cw_clock_event_device *dev)
{
	int ret = dev->sys->ce.min_adjust ? program_min_delta_adjust(dev)
					  : program_min_delta_linear(dev);

	if (ret == 0 && cw_clockevent_get_state(dev) == CW_CLOCKEVENT_STATE_ONESHOT) {
		CW_WRITE_ONCE(dev->next_event_forced, true);
	}
	return ret;
}

/*
 * Program the hardware of a device in oneshot mode for @expires_ns (not
 * CW_KTIME_MAX): absolute for KTIME devices, else the delta clamped to
 * the device's limits, with the min-delta path on failure when @force.
 */
static int program_hw(struct cw_clock_event_device *dev, cw_ktime_t expires_ns, bool force)
{
	int64_t delta;
	int ret;

	if (dev->features & CW_CLOCKEVENT_FEAT_KTIME) {
		return dev->set_next_ktime(expires_ns, dev);
	}
	delta = expires_ns - cw_ktime_get(dev->sys);
	if (delta <= 0) {
		return force ? program_min_delta(dev) : CW_ETIME;
	}
	if ((uint64_t)delta > dev->max_delta_ns) {
		delta = (int64_t)dev->max_delta_ns;
	}
	if ((uint64_t)delta < dev->min_delta_ns) {
		delta = (int64_t)dev->min_delta_ns;
	}
	ret = dev->set_next_event(program_cycles(dev, (uint64_t)delta), dev);
	if (ret && force) {
		ret = program_min_delta(dev);
	}
	return ret;
}

int cw_clockevents_program_event(struct cw_clock_event_device *dev, cw_ktime_t expires_ns,
				 bool force)
{
	enum cw_clockevent_state state = cw_clockevent_get_state(dev);

	if (cw_unlikely(state == CW_CLOCKEVENT_STATE_RESERVED)) {
		/* Its holder programs it (cw__clockevents_reserved_program()). */
		return refuse_reserved(dev, "programming");
	}
	if (expires_ns < 0) {
		/*
		 * Before MONOTONIC 0: long past, so handled as any past time
		 * below (the min-delta path with @force). Linux warns and
		 * refuses; a refused hrtimer expiry left the device
		 * unprogrammed and the CPU's later timers waiting (issue 9).
		 */
		expires_ns = 0;
	}
	if (expires_ns == CW_KTIME_MAX) {
		/*
		 * Nothing to wait for: stop the device where it can be stopped.
		 * A latched forced event is dropped with it (where the device
		 * cannot stop, it still fires once, harmlessly).
		 */
		CW_WRITE_ONCE(dev->next_event_ns, CW_KTIME_MAX);
		cw__clockevents_clear_forced(dev);
		if (state == CW_CLOCKEVENT_STATE_ONESHOT) {
			/* CW_ENOSYS without the driver hook: the device stays ONESHOT. */
			(void)cw__clockevents_switch_state(dev,
							   CW_CLOCKEVENT_STATE_ONESHOT_STOPPED);
		}
		return 0;
	}
	if (state == CW_CLOCKEVENT_STATE_ONESHOT_STOPPED) {
		cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_ONESHOT);
		state = cw_clockevent_get_state(dev);
	}
	if (CW_READ_ONCE(dev->next_event_forced)) {
		/* A forced event is on its way: nothing can come earlier (see the header). */
		dev->forced_skips++;
		return 0;
	}
	CW_WRITE_ONCE(dev->next_event_ns, expires_ns);
	if (state == CW_CLOCKEVENT_STATE_SHUTDOWN) {
		return 0;
	}
	CW_WARN_ON_ONCE(dev->sys, state != CW_CLOCKEVENT_STATE_ONESHOT);
	return program_hw(dev, expires_ns, force);
}

bool cw_clockevent_is_oob(const struct cw_clock_event_device *dev)
{
	return (CW_READ_ONCE(dev->features) & CW_CLOCKEVENT_FEAT_OOB) != 0;
}

void cw_clockevents_handle_event(struct cw_clock_event_device *dev)
{
	cw_clockevent_handler_fn fn = CW_READ_ONCE(dev->event_handler);
	struct cw_system *sys = dev->sys;

	/* Only a port with a pipeline has an oob stage: the others skip the CPU lookup. */
	if (sys && sys->port->irq_post_inband && !cw_clockevent_is_oob(dev) &&
	    cw_on_oob_stage(sys)) {
		/*
		 * An in-band device's interrupt on the oob stage: its line was
		 * switched for another CPU's proxy. The in-band handler must not
		 * run here; the synthetic in-band interrupt runs this CPU's tick
		 * device handler once the in-band stage takes interrupts.
		 */
		sys->port->irq_post_inband(sys->port_ctx, cw__this_cpu(sys));
		return;
	}
	/* The forced event (if latched) has fired: programming works again. */
	cw__clockevents_clear_forced(dev);
	if (fn && !cw__check_ce_irq(dev->sys, dev)) {
		fn(dev);
	}
}

void cw_clockevents_handle_irq(struct cw_clock_event_device *dev)
{
	cw_clockevents_handle_event(dev);
}

/* ---------------------------------------------------------------------- */
/* Registration and offering */

static bool is_registered_locked(struct cw_system *sys, const struct cw_clock_event_device *dev)
{
	cw_lockdep_assert_held(&sys->ce.lock);
	for (struct cw_clock_event_device *d = sys->ce.devices; d; d = d->next) {
		if (d == dev) {
			return true;
		}
	}
	return false;
}

static struct cw_clock_event_device *find_by_name_locked(struct cw_system *sys, const char *name)
{
	cw_lockdep_assert_held(&sys->ce.lock);
	for (struct cw_clock_event_device *d = sys->ce.devices; d; d = d->next) {
		if (!strcmp(d->name, name)) {
			return d;
		}
	}
	return NULL;
}

static bool is_detached(const struct cw_clock_event_device *dev)
{
	return cw_clockevent_get_state(dev) == CW_CLOCKEVENT_STATE_DETACHED;
}

static int check_device(struct cw_system *sys, const struct cw_clock_event_device *dev)
{
	unsigned f = dev->features;

	if (!dev->name || !dev->name[0]) {
		return CW_EINVAL;
	}
	if (dev->cpu != CW_CLOCKEVENT_ANY_CPU &&
	    (dev->cpu < 0 || (unsigned)dev->cpu >= sys->nr_cpus)) {
		return CW_EINVAL;
	}
	if ((f & CW_CLOCKEVENT_FEAT_PERCPU) && dev->cpu == CW_CLOCKEVENT_ANY_CPU) {
		return CW_EINVAL;
	}
	if (f & CW_CLOCKEVENT_FEAT_DUMMY) {
		return 0;
	}
	if (!(f & (CW_CLOCKEVENT_FEAT_PERIODIC | CW_CLOCKEVENT_FEAT_ONESHOT))) {
		return CW_EINVAL;
	}
	if ((f & CW_CLOCKEVENT_FEAT_PERIODIC) && !dev->set_state_periodic) {
		return CW_EINVAL;
	}
	if (f & CW_CLOCKEVENT_FEAT_ONESHOT) {
		if ((f & CW_CLOCKEVENT_FEAT_KTIME) ? !dev->set_next_ktime : !dev->set_next_event) {
			return CW_EINVAL;
		}
		if (!(f & CW_CLOCKEVENT_FEAT_KTIME) &&
		    (dev->mult == 0 || dev->max_delta_ns < dev->min_delta_ns)) {
			return CW_EINVAL;
		}
	}
	return 0;
}

struct offer_args {
	struct cw_system *sys;
	struct cw_clock_event_device *dev;
	unsigned cpu;
	bool taken;
};

/* Runs on args->cpu: the tick layer decides whether the device fits. */
static void offer_on_cpu_fn(void *arg)
{
	struct offer_args *a = arg;
	struct cw_system *sys = a->sys;

	cw_spin_lock(&sys->ce.lock);
	if (is_registered_locked(sys, a->dev) && is_detached(a->dev) &&
	    cw_cpu_online(sys, a->cpu)) {
		/* Re-offered: whatever it was programmed for before is gone. */
		cw__clockevents_clear_forced(a->dev);
		a->taken = cw__tick_try_device(sys, a->cpu, a->dev);
	}
	cw_spin_unlock(&sys->ce.lock);
}

static bool offer_to_cpu(struct cw_system *sys, struct cw_clock_event_device *dev, unsigned cpu)
{
	struct offer_args a = { .sys = sys, .dev = dev, .cpu = cpu };

	if (!cw_cpu_online(sys, cpu)) {
		return false;
	}
	if (cw_cpu_call(sys, cpu, offer_on_cpu_fn, &a)) {
		return false;
	}
	return a.taken;
}

static bool offer_to_broadcast(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	bool taken = false;

	cw_spin_lock(&sys->ce.lock);
	if (is_registered_locked(sys, dev) && is_detached(dev)) {
		cw__clockevents_clear_forced(dev);
		taken = cw__tick_broadcast_offer(sys, dev);
	}
	cw_spin_unlock(&sys->ce.lock);
	return taken;
}

static bool offer_to_cpus(struct cw_system *sys, struct cw_clock_event_device *dev,
			  unsigned first_cpu)
{
	if (dev->cpu != CW_CLOCKEVENT_ANY_CPU) {
		return offer_to_cpu(sys, dev, (unsigned)dev->cpu);
	}
	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		if (offer_to_cpu(sys, dev, (first_cpu + i) % sys->nr_cpus)) {
			return true;
		}
	}
	return false;
}

/* A new device: its CPU(s) first, then broadcast. */
static void offer_new(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	if (!offer_to_cpus(sys, dev, cw__this_cpu(sys))) {
		offer_to_broadcast(sys, dev);
	}
}

/* A released device: broadcast first (the displaced one may become it), then CPUs. */
static bool offer_released(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	return offer_to_broadcast(sys, dev) || offer_to_cpus(sys, dev, 0);
}

/*
 * Snapshot into @out (at most @max) the detached devices released since
 * they were last offered, and take their mark: each is offered once per
 * release. A device released again while the round runs is marked again
 * and goes into the next pass.
 */
static unsigned collect_released(struct cw_system *sys, struct cw_clock_event_device **out,
				 unsigned max)
{
	unsigned n = 0;

	cw_spin_lock(&sys->ce.lock);
	for (struct cw_clock_event_device *d = sys->ce.devices; d && n < max; d = d->next) {
		if (d->reoffer_pending && is_detached(d)) {
			d->reoffer_pending = false;
			out[n++] = d;
		}
	}
	cw_spin_unlock(&sys->ce.lock);
	return n;
}

/** Devices one re-offer pass looks at; more wait for the next pass. */
#define CE_REOFFER_BATCH      64
/** Passes of cw__clockevents_reoffer() that found nothing left marked end it early. */
#define CE_REOFFER_MAX_PASSES 16

/*
 * Offer again the devices released since their last offer (Linux keeps
 * them on its clockevents_released list and offers them from
 * clockevents_notify_released()). Only those: offering every detached
 * device to every CPU on each registration made booting N CPUs with a
 * displaced global device cost O(N^2) cross-CPU calls (535,040 to boot
 * 1024 CPUs; one round per release now).
 */
void cw__clockevents_reoffer(struct cw_system *sys)
{
	struct cw_clock_event_device *batch[CE_REOFFER_BATCH];

	for (int pass = 0; pass < CE_REOFFER_MAX_PASSES; pass++) {
		unsigned n = collect_released(sys, batch, CE_REOFFER_BATCH);

		if (n == 0) {
			return;
		}
		for (unsigned i = 0; i < n; i++) {
			offer_released(sys, batch[i]);
		}
	}
}

/* Mark every detached device for the next re-offer round. */
static void mark_all_detached(struct cw_system *sys)
{
	cw_spin_lock(&sys->ce.lock);
	for (struct cw_clock_event_device *d = sys->ce.devices; d; d = d->next) {
		if (is_detached(d)) {
			d->reoffer_pending = true;
		}
	}
	cw_spin_unlock(&sys->ce.lock);
}

void cw__clockevents_reoffer_all(struct cw_system *sys)
{
	mark_all_detached(sys);
	cw__clockevents_reoffer(sys);
}

/* Snapshot into @out (at most @max) the devices that may serve @cpu, skipping the first @skip. */
static unsigned collect_for_cpu(struct cw_system *sys, unsigned cpu, unsigned skip,
				struct cw_clock_event_device **out, unsigned max)
{
	unsigned n = 0;

	cw_spin_lock(&sys->ce.lock);
	for (struct cw_clock_event_device *d = sys->ce.devices; d && n < max; d = d->next) {
		if (d->cpu != CW_CLOCKEVENT_ANY_CPU && (unsigned)d->cpu != cpu) {
			continue;
		}
		if (skip) {
			skip--;
			continue;
		}
		out[n++] = d;
	}
	cw_spin_unlock(&sys->ce.lock);
	return n;
}

void cw__clockevents_cpu_online(struct cw_system *sys, unsigned cpu)
{
	struct cw_clock_event_device *batch[CE_REOFFER_BATCH];
	unsigned n;

	cw__clockevents_reoffer(sys);
	/*
	 * The new CPU may use a device nobody took (its own, released when it
	 * went down, or a spare global one): offer each detached one to it,
	 * broadcast first as for any released device (both offers skip a
	 * device that is no longer detached). One walk over the devices that
	 * fit this CPU, one cross-CPU call per detached one.
	 */
	for (unsigned skip = 0; (n = collect_for_cpu(sys, cpu, skip, batch, CE_REOFFER_BATCH));
	     skip += n) {
		for (unsigned i = 0; i < n; i++) {
			if (is_detached(batch[i]) && !offer_to_broadcast(sys, batch[i])) {
				offer_to_cpu(sys, batch[i], cpu);
			}
		}
	}
	/* Bindings on the new CPU may have released devices: offer those. */
	cw__clockevents_reoffer(sys);
}

void cw__clockevents_exchange_device(struct cw_system *sys, struct cw_clock_event_device *old,
				     struct cw_clock_event_device *new)
{
	(void)sys;
	if (old) {
		cw__clockevents_switch_state(old, CW_CLOCKEVENT_STATE_DETACHED);
		/* Released: the next re-offer round offers it again. */
		old->reoffer_pending = true;
		/* Even if the driver refused the switch: the core stops using it. */
		cw__clockevents_clear_forced(old);
		CW_WRITE_ONCE(old->event_handler, NULL);
		CW_WRITE_ONCE(old->next_event_ns, CW_KTIME_MAX);
		old->bound_cpu = -1;
		old->is_broadcast = false;
	}
	if (new) {
		CW_ASSERT(is_detached(new));
		cw__clockevents_clear_forced(new);
		cw__clockevents_shutdown(new);
	}
}

static const char *feature_summary(unsigned f)
{
	if (f & CW_CLOCKEVENT_FEAT_DUMMY) {
		return "dummy";
	}
	if ((f & CW_CLOCKEVENT_FEAT_PERIODIC) && (f & CW_CLOCKEVENT_FEAT_ONESHOT)) {
		return "periodic+oneshot";
	}
	return (f & CW_CLOCKEVENT_FEAT_ONESHOT) ? "oneshot" : "periodic";
}

static void unlink_locked(struct cw_system *sys, struct cw_clock_event_device *dev);

int cw__clockevents_add_locked(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	struct cw_clock_event_device **pp = &sys->ce.devices;
	int ret;

	cw_lockdep_assert_held(&sys->ce.lock);
	ret = check_device(sys, dev);
	if (ret) {
		return ret;
	}
	if (dev->sys || is_registered_locked(sys, dev)) {
		return CW_EBUSY;
	}
	if (find_by_name_locked(sys, dev->name)) {
		return CW_EINVAL;
	}
	dev->sys = sys;
	dev->event_handler = NULL;
	dev->next_event_ns = CW_KTIME_MAX;
	dev->retries = 0;
	dev->min_delta_raises = 0;
	dev->next_event_forced = false;
	dev->forced_skips = 0;
	dev->bound_cpu = -1;
	dev->is_broadcast = false;
	dev->reoffer_pending = false;
	dev->reserved_by = NULL;
	dev->reserved_data = NULL;
	dev->next = NULL;
	set_state(dev, CW_CLOCKEVENT_STATE_DETACHED);
	/* Append: the list keeps registration order. */
	while (*pp) {
		pp = &(*pp)->next;
	}
	*pp = dev;
	return 0;
}

void cw__clockevents_remove_locked(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	cw_lockdep_assert_held(&sys->ce.lock);
	CW_ASSERT(is_detached(dev));
	cw__clockevents_clear_forced(dev);
	dev->reoffer_pending = false;
	unlink_locked(sys, dev);
}

int cw_clockevents_register(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	char where[24];
	int ret;

	if (!sys || !dev) {
		return CW_EINVAL;
	}
	cw_spin_lock(&sys->ce.lock);
	ret = cw__clockevents_add_locked(sys, dev);
	cw_spin_unlock(&sys->ce.lock);
	if (ret) {
		return ret;
	}

	if (dev->cpu == CW_CLOCKEVENT_ANY_CPU) {
		snprintf(where, sizeof(where), "global");
	} else {
		snprintf(where, sizeof(where), "CPU%d", dev->cpu);
	}
	cw__log(sys, CW_LOG_INFO, "clockevents: registered %s (%s, %s, rating %d, irq %d)",
		dev->name, where, feature_summary(dev->features), dev->rating, dev->irq);
	offer_new(sys, dev);
	cw__clockevents_reoffer(sys);
	return 0;
}

int cw_clockevents_config_and_register(struct cw_system *sys, struct cw_clock_event_device *dev,
				       uint64_t freq_hz, uint64_t min_ticks, uint64_t max_ticks)
{
	if (!sys || !dev || freq_hz == 0 || min_ticks == 0 || max_ticks < min_ticks) {
		return CW_EINVAL;
	}
	dev->min_delta_ticks = min_ticks;
	dev->max_delta_ticks = max_ticks;
	cw__clockevents_config(dev, freq_hz);
	return cw_clockevents_register(sys, dev);
}

int cw_clockevents_update_freq(struct cw_clock_event_device *dev, uint64_t freq_hz)
{
	enum cw_clockevent_state state;

	if (!dev || !dev->sys || freq_hz == 0 || dev->freq_hz == 0) {
		return CW_EINVAL;
	}
	cw__clockevents_config(dev, freq_hz);
	/* A forced event was counted at the old rate: program again with the new one. */
	cw__clockevents_clear_forced(dev);
	state = cw_clockevent_get_state(dev);
	if (state == CW_CLOCKEVENT_STATE_ONESHOT && dev->next_event_ns != CW_KTIME_MAX) {
		return cw_clockevents_program_event(dev, dev->next_event_ns, true);
	}
	if (state == CW_CLOCKEVENT_STATE_PERIODIC) {
		/* Restart the period with the new conversion. */
		return driver_switch(dev, CW_CLOCKEVENT_STATE_PERIODIC);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Unbind and unregister */

static void unlink_locked(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	cw_lockdep_assert_held(&sys->ce.lock);
	for (struct cw_clock_event_device **pp = &sys->ce.devices; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			dev->next = NULL;
			dev->sys = NULL;
			return;
		}
	}
}

struct replace_args {
	struct cw_system *sys;
	struct cw_clock_event_device *dev;
	unsigned cpu;
	int ret;
};

/* Best detached device that can replace @cpu's tick device (clockevents_replace). */
static struct cw_clock_event_device *find_replacement_locked(struct cw_system *sys, unsigned cpu,
							     struct cw_clock_event_device *cur)
{
	struct cw_clock_event_device *best = NULL;

	cw_lockdep_assert_held(&sys->ce.lock);

	for (struct cw_clock_event_device *d = sys->ce.devices; d; d = d->next) {
		if (d == cur || !is_detached(d) || !cw__tick_check_replacement(sys, cpu, d)) {
			continue;
		}
		if (!best || d->rating > best->rating) {
			best = d;
		}
	}
	return best;
}

/* Runs on a->cpu (clockevents_unbind's SMP function call). */
static void unbind_on_cpu_fn(void *arg)
{
	struct replace_args *a = arg;
	struct cw_system *sys = a->sys;
	struct cw_clock_event_device *dev = a->dev;
	struct cw_clock_event_device *repl;

	cw_spin_lock(&sys->ce.lock);
	if (!is_registered_locked(sys, dev)) {
		a->ret = CW_EINVAL;
	} else if (is_detached(dev)) {
		cw__clockevents_clear_forced(dev);
		unlink_locked(sys, dev);
		a->ret = 0;
	} else if (dev->is_broadcast || sys->cpus[a->cpu].td.evtdev != dev) {
		a->ret = CW_EBUSY;
	} else if ((repl = find_replacement_locked(sys, a->cpu, dev)) == NULL) {
		a->ret = CW_EBUSY;
	} else {
		cw__tick_install_replacement(sys, a->cpu, repl);
		a->ret = is_detached(dev) ? 0 : CW_EBUSY;
	}
	cw_spin_unlock(&sys->ce.lock);
}

int cw_clockevents_unbind(struct cw_system *sys, struct cw_clock_event_device *dev, unsigned cpu)
{
	struct replace_args a = { .sys = sys, .dev = dev, .cpu = cpu, .ret = CW_EINVAL };
	int bound;

	if (!sys || !dev) {
		return CW_EINVAL;
	}
	cw_spin_lock(&sys->ce.lock);
	if (!is_registered_locked(sys, dev)) {
		cw_spin_unlock(&sys->ce.lock);
		return CW_EINVAL;
	}
	if (is_detached(dev)) {
		cw__clockevents_clear_forced(dev);
		unlink_locked(sys, dev);
		cw_spin_unlock(&sys->ce.lock);
		cw__log(sys, CW_LOG_INFO, "clockevents: removed unused device %s", dev->name);
		return 0;
	}
	if (cw__clockevents_is_reserved(dev)) {
		cw_spin_unlock(&sys->ce.lock);
		/* The holder gives it back first (cw__clockevents_unreserve()). */
		return refuse_reserved(dev, "unbind");
	}
	bound = dev->bound_cpu;
	cw_spin_unlock(&sys->ce.lock);
	if (dev->is_broadcast || bound < 0 || (unsigned)bound != cpu || cpu >= sys->nr_cpus) {
		return CW_EBUSY;
	}
	if (cw_cpu_call(sys, cpu, unbind_on_cpu_fn, &a)) {
		return CW_EBUSY;
	}
	if (a.ret == 0) {
		cw__log(sys, CW_LOG_INFO, "clockevents: unbound %s from CPU%u", dev->name, cpu);
	}
	return a.ret;
}

int cw_clockevents_unregister(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	int ret;

	if (!sys || !dev) {
		return CW_EINVAL;
	}
	if (!is_detached(dev)) {
		ret = cw_clockevents_unbind(sys, dev,
					    dev->bound_cpu < 0 ? 0u : (unsigned)dev->bound_cpu);
		if (ret) {
			return ret;
		}
	}
	/* Now detached (or it was): the second unbind removes it. */
	return cw_clockevents_unbind(sys, dev, 0);
}

/* ---------------------------------------------------------------------- */
/* Reserved devices (clockevents-internal.h) */

bool cw__clockevents_is_reserved(const struct cw_clock_event_device *dev)
{
	return cw_clockevent_get_state(dev) == CW_CLOCKEVENT_STATE_RESERVED;
}

int cw__clockevents_reserve_locked(struct cw_system *sys, struct cw_clock_event_device *dev,
				   const char *owner, cw_clockevent_handler_fn handler, void *data)
{
	cw_lockdep_assert_held(&sys->ce.lock);
	if (!owner || !is_registered_locked(sys, dev)) {
		return CW_EINVAL;
	}
	if (!is_detached(dev)) {
		if (cw__clockevents_is_reserved(dev)) {
			cw__log(sys, CW_LOG_INFO, "clockevents: %s wants %s: reserved by %s", owner,
				dev->name, dev->reserved_by);
		}
		return CW_EBUSY;
	}
	/*
	 * No driver call: a released device was shut down when the framework
	 * let it go, and the holder sets the hardware up itself. The state is
	 * written last under ce.lock, so an offer (which takes ce.lock and
	 * wants DETACHED) sees either an unused device or a reserved one.
	 */
	cw__clockevents_clear_forced(dev);
	dev->reoffer_pending = false;
	dev->reserved_by = owner;
	CW_WRITE_ONCE(dev->reserved_data, data);
	CW_WRITE_ONCE(dev->next_event_ns, CW_KTIME_MAX);
	CW_WRITE_ONCE(dev->event_handler, handler);
	set_state(dev, CW_CLOCKEVENT_STATE_RESERVED);
	return 0;
}

int cw__clockevents_reserve(struct cw_system *sys, struct cw_clock_event_device *dev,
			    const char *owner, cw_clockevent_handler_fn handler, void *data)
{
	int ret;

	if (!sys || !dev) {
		return CW_EINVAL;
	}
	cw_spin_lock(&sys->ce.lock);
	ret = cw__clockevents_reserve_locked(sys, dev, owner, handler, data);
	cw_spin_unlock(&sys->ce.lock);
	if (ret == 0) {
		cw__log(sys, CW_LOG_INFO, "clockevents: %s reserved by %s", dev->name, owner);
	}
	return ret;
}

int cw__clockevents_unreserve_locked(struct cw_system *sys, struct cw_clock_event_device *dev,
				     const char *owner)
{
	cw_lockdep_assert_held(&sys->ce.lock);
	if (!is_registered_locked(sys, dev) || !cw__clockevents_is_reserved(dev)) {
		return CW_EINVAL;
	}
	if (dev->reserved_by != owner) {
		return CW_EPERM;
	}
	/* Its interrupts are nobody's from here: a late one finds no handler. */
	CW_WRITE_ONCE(dev->event_handler, NULL);
	/* Leave the hardware quiet, whatever the holder left running. */
	if (!(dev->features & CW_CLOCKEVENT_FEAT_DUMMY) && dev->set_state_shutdown) {
		(void)dev->set_state_shutdown(dev);
	}
	cw__clockevents_clear_forced(dev);
	CW_WRITE_ONCE(dev->next_event_ns, CW_KTIME_MAX);
	dev->reserved_by = NULL;
	CW_WRITE_ONCE(dev->reserved_data, NULL);
	dev->bound_cpu = -1;
	dev->is_broadcast = false;
	set_state(dev, CW_CLOCKEVENT_STATE_DETACHED);
	/* Back in the framework: the next re-offer round offers it (broadcast first). */
	dev->reoffer_pending = true;
	return 0;
}

int cw__clockevents_unreserve(struct cw_system *sys, struct cw_clock_event_device *dev,
			      const char *owner)
{
	int ret;

	if (!sys || !dev) {
		return CW_EINVAL;
	}
	cw_spin_lock(&sys->ce.lock);
	ret = cw__clockevents_unreserve_locked(sys, dev, owner);
	cw_spin_unlock(&sys->ce.lock);
	if (ret == 0) {
		cw__log(sys, CW_LOG_INFO, "clockevents: %s released by %s", dev->name, owner);
		cw__clockevents_reoffer(sys);
	}
	return ret;
}

int cw__clockevents_reserved_set_mode(struct cw_clock_event_device *dev,
				      enum cw_clockevent_state mode)
{
	if (!cw__clockevents_is_reserved(dev)) {
		return CW_EBUSY;
	}
	switch (mode) {
	case CW_CLOCKEVENT_STATE_SHUTDOWN:
		CW_WRITE_ONCE(dev->next_event_ns, CW_KTIME_MAX);
		/* fall through */
	case CW_CLOCKEVENT_STATE_PERIODIC:
	case CW_CLOCKEVENT_STATE_ONESHOT:
		/* driver_switch() checks the feature bits; the state stays RESERVED. */
		return driver_switch(dev, mode);
	default:
		return CW_EINVAL;
	}
}

int cw__clockevents_reserved_program(struct cw_clock_event_device *dev, cw_ktime_t expires_ns,
				     bool force)
{
	if (!cw__clockevents_is_reserved(dev)) {
		return CW_EBUSY;
	}
	if (expires_ns == CW_KTIME_MAX) {
		return cw__clockevents_reserved_set_mode(dev, CW_CLOCKEVENT_STATE_SHUTDOWN);
	}
	if (!(dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
		return CW_ENOSYS;
	}
	if (expires_ns < 0) {
		expires_ns = 0;
	}
	CW_WRITE_ONCE(dev->next_event_ns, expires_ns);
	return program_hw(dev, expires_ns, force);
}

void cw__clockevents_init(struct cw_system *sys)
{
	sys->ce.min_adjust = true;
}
