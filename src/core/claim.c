/* SPDX-License-Identifier: MIT */
/*
 * Claimed timer channels (include/clockwork/claim.h) and the per-CPU pool
 * of global channels.
 *
 * Matching. A request names capabilities; every registered clock event
 * device is judged against them (fits()) from what it declares: its modes
 * (a ONESHOT device also runs periodically, re-armed on a fixed grid from
 * its interrupt; a PERIODIC-only one runs at HZ, the rate its driver
 * programs), the rates its delta limits allow, its cycle (resolution),
 * accuracy_ppb, rating and whether it is per-CPU or a routable global
 * channel. Only unused (DETACHED) devices can be taken; the best fit among
 * them (fewest hardware modes beyond the request, lowest rating, earliest
 * registered) is reserved in the same ce.lock section that chose it, so
 * two concurrent claims can never get one device. Fitting devices that are
 * all in use make CW_EBUSY, none fitting CW_ENODEV, unless the request
 * allows the fallback.
 *
 * The fallback is a hard hrtimer pinned to the target CPU: the same calls,
 * with the resolution and latency of that CPU's hrtimers reported.
 *
 * The per-CPU pool (Paul Mundt's SH case: CPUs without a local timer, more
 * TMU channels than CPUs). Clockevents already offers every unused global
 * channel to a CPU that comes online, routing its interrupt there; what
 * the pool adds is the dry case and the way back. A CPU that comes online
 * and gets no channel (all taken by other CPUs, the broadcast device or
 * claims) is given its own DUMMY device, so the broadcast device drives
 * its tick. When a channel comes free (a CPU went down, a claim was
 * released), a CPU running on its dummy takes it: the dummy is
 * unregistered, which installs the best unused device in its place. A
 * CPU-local dummy would otherwise keep the channel out for ever (a global
 * device never replaces a CPU-local one).
 *
 * Locking rules: claim lock (st->lock) protects the list of claims and
 * every handle's fields; it nests outside nothing but the log lock and is
 * never held across cw_cpu_call() or a ce.lock section (claiming takes
 * ce.lock first, releases it, then the claim lock). The channel's
 * interrupt handler takes it to advance the grid and reprogram, and drops
 * it before the callback.
 *
 * Lifetime rules: a handle is valid from cw_claim_timer() until
 * cw_claim_release() returned. Release stops the channel, gives the device
 * back (its handler is removed under ce.lock), then waits for the CPU the
 * interrupt goes to (a cw_cpu_call() there runs after any handler in
 * progress), so no callback runs once it returned.
 */
#include <clockwork/claim.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/hrtimer.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>

#include "system-internal.h"
#include "claim-internal.h"
#include "clockevents-internal.h"
#include "cpu-internal.h"
#include "hrtimer-internal.h"
#include "lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Length of a pool dummy's name ("pool-dummy.4095"). */
#define CLAIM_DUMMY_NAME_MAX 24
/** Rating of a pool dummy: below any real device. */
#define CLAIM_DUMMY_RATING   1

/** One CPU's pool state. */
struct claim_cpu {
	/** Its DUMMY device (per-CPU), registered only while the CPU uses it. */
	struct cw_clock_event_device dummy;
	/** The dummy's name. */
	char name[CLAIM_DUMMY_NAME_MAX];
};

/** The component's state (sys->claim). */
struct cw_claim_state {
	/** Protects the list and every handle (see the file comment). */
	struct cw_spinlock lock;
	/** Claims in the order they were made. */
	struct cw_claim *claims;
	/** Per-CPU pool state, nr_cpus entries. */
	struct claim_cpu *cpus;
};

/** What a channel can do (hardware or fallback). */
struct caps {
	unsigned modes;
	uint64_t min_rate_hz;
	uint64_t max_rate_hz;
	uint64_t resolution_ns;
	uint64_t latency_ns;
};

static uint64_t div_round(uint64_t a, uint64_t b)
{
	return (a + b / 2) / b;
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* One device cycle, ns (at least 1). */
static uint64_t dev_cycle_ns(const struct cw_clock_event_device *dev)
{
	if (dev->features & CW_CLOCKEVENT_FEAT_KTIME) {
		return 1;
	}
	if (dev->freq_hz) {
		return div_ceil(CW_NSEC_PER_SEC, dev->freq_hz);
	}
	/* cycles = ns * mult >> shift: a cycle is 2^shift / mult ns. */
	if (dev->mult == 0 || dev->shift >= 64) {
		return 1;
	}
	return div_ceil(UINT64_C(1) << dev->shift, dev->mult);
}

static void dev_caps(const struct cw_system *sys, const struct cw_clock_event_device *dev,
		     struct caps *c)
{
	memset(c, 0, sizeof(*c));
	c->resolution_ns = dev_cycle_ns(dev);
	/* Programming rounds up and the counter may be a cycle into its count. */
	c->latency_ns = 2 * c->resolution_ns;
	if (dev->features & CW_CLOCKEVENT_FEAT_ONESHOT) {
		c->modes = CW_CLAIM_ONESHOT | CW_CLAIM_PERIODIC;
		c->min_rate_hz =
			dev->max_delta_ns ? div_ceil(CW_NSEC_PER_SEC, dev->max_delta_ns) : 1;
		c->max_rate_hz =
			dev->min_delta_ns ? CW_NSEC_PER_SEC / dev->min_delta_ns : CW_NSEC_PER_SEC;
	} else if (dev->features & CW_CLOCKEVENT_FEAT_PERIODIC) {
		c->modes = CW_CLAIM_PERIODIC;
		c->min_rate_hz = sys->hz;
		c->max_rate_hz = sys->hz;
	}
}

/* What the fallback can do on @cpu: its hrtimers' resolution and latency. */
static void fallback_caps(struct cw_system *sys, unsigned cpu, struct caps *c)
{
	struct cw_clock_event_device *td = CW_READ_ONCE(sys->cpus[cpu].td.evtdev);
	uint64_t step;

	memset(c, 0, sizeof(*c));
	c->modes = CW_CLAIM_ONESHOT | CW_CLAIM_PERIODIC;
	c->min_rate_hz = 1;
	if (cw__hrtimer_hres_active(sys, cpu) && td) {
		/* High resolution: the tick device is programmed per timer. */
		c->resolution_ns = 1;
		step = CW_READ_ONCE(td->min_delta_ns) + 2 * dev_cycle_ns(td);
		c->latency_ns = step;
		c->max_rate_hz = CW_NSEC_PER_SEC / step;
	} else {
		/* Low resolution: hrtimers run from the tick. */
		c->resolution_ns = sys->tick_nsec;
		c->latency_ns = sys->tick_nsec;
		c->max_rate_hz = sys->hz;
	}
}

static bool rates_fit(const struct cw_claim_request *req, const struct caps *c)
{
	if (req->min_rate_hz && req->min_rate_hz < c->min_rate_hz) {
		return false;
	}
	if (req->max_rate_hz && req->max_rate_hz > c->max_rate_hz) {
		return false;
	}
	return !req->max_resolution_ns || c->resolution_ns <= req->max_resolution_ns;
}

/* Whether @dev could serve @req at all (in use or not). */
static bool fits(const struct cw_system *sys, const struct cw_clock_event_device *dev,
		 const struct cw_claim_request *req)
{
	struct caps c;

	if (dev->features &
	    (CW_CLOCKEVENT_FEAT_DUMMY | CW_CLOCKEVENT_FEAT_HRTIMER | CW_CLOCKEVENT_FEAT_PIPELINE)) {
		return false;
	}
	dev_caps(sys, dev, &c);
	if ((req->modes & c.modes) != req->modes || !rates_fit(req, &c)) {
		return false;
	}
	if (req->max_error_ppb && dev->accuracy_ppb > req->max_error_ppb) {
		return false;
	}
	if (dev->rating < req->min_rating) {
		return false;
	}
	if (req->percpu) {
		return dev->cpu == req->target_cpu;
	}
	if (dev->cpu != CW_CLOCKEVENT_ANY_CPU) {
		return false;
	}
	/* A target CPU needs a routable interrupt. */
	return req->target_cpu == CW_CLAIM_ANY_CPU || dev->set_irq_affinity != NULL;
}

/* Hardware modes of @dev the request did not ask for (fewer is a better fit). */
static unsigned extra_modes(const struct cw_clock_event_device *dev,
			    const struct cw_claim_request *req)
{
	unsigned n = 0;

	if ((dev->features & CW_CLOCKEVENT_FEAT_PERIODIC) && !(req->modes & CW_CLAIM_PERIODIC)) {
		n++;
	}
	if ((dev->features & CW_CLOCKEVENT_FEAT_ONESHOT) && !(req->modes & CW_CLAIM_ONESHOT)) {
		n++;
	}
	return n;
}

/* Is @a a better fit than @b? (The list order breaks ties: the caller keeps the first.) */
static bool better_fit(const struct cw_clock_event_device *a, const struct cw_clock_event_device *b,
		       const struct cw_claim_request *req)
{
	unsigned ea = extra_modes(a, req), eb = extra_modes(b, req);

	if (ea != eb) {
		return ea < eb;
	}
	return a->rating < b->rating;
}

static int check_request(const struct cw_system *sys, const struct cw_claim_request *req)
{
	if (!req->owner || !req->modes || (req->modes & ~(CW_CLAIM_PERIODIC | CW_CLAIM_ONESHOT))) {
		return CW_EINVAL;
	}
	if (req->min_rate_hz && req->max_rate_hz && req->min_rate_hz > req->max_rate_hz) {
		return CW_EINVAL;
	}
	if (req->target_cpu != CW_CLAIM_ANY_CPU &&
	    (req->target_cpu < 0 || (unsigned)req->target_cpu >= sys->nr_cpus)) {
		return CW_EINVAL;
	}
	if (req->percpu && req->target_cpu == CW_CLAIM_ANY_CPU) {
		return CW_EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Hardware channels */

static void claim_irq(struct cw_clock_event_device *dev);

/*
 * Choose and reserve the best free device for @req under ce.lock.
 * @return 0 with *out set; CW_EBUSY (some fit, none free); CW_ENODEV.
 */
static int reserve_best(struct cw_system *sys, const struct cw_claim_request *req,
			struct cw_claim *claim, struct cw_clock_event_device **out)
{
	struct cw_clock_event_device *best = NULL;
	bool any = false;
	int ret;

	cw_spin_lock(&sys->ce.lock);
	for (struct cw_clock_event_device *d = sys->ce.devices; d; d = d->next) {
		if (!fits(sys, d, req)) {
			continue;
		}
		any = true;
		if (cw_clockevent_get_state(d) != CW_CLOCKEVENT_STATE_DETACHED) {
			continue;
		}
		if (!best || better_fit(d, best, req)) {
			best = d;
		}
	}
	ret = best ? cw__clockevents_reserve_locked(sys, best, req->owner, claim_irq, claim)
		   : (any ? CW_EBUSY : CW_ENODEV);
	cw_spin_unlock(&sys->ce.lock);
	*out = best;
	return ret;
}

/* Program the next grid point of a running periodic channel, skipping missed ones. */
static void hw_advance_locked(struct cw_claim *c, cw_ktime_t now)
{
	cw_ktime_t next = c->next_ns + (cw_ktime_t)c->period_ns;

	if (!(c->dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
		/* The hardware reloads by itself. */
		c->next_ns = next;
		return;
	}
	if (next <= now) {
		uint64_t skip = (uint64_t)(now - next) / c->period_ns + 1;

		c->overruns += skip;
		next += (cw_ktime_t)(skip * c->period_ns);
	}
	c->next_ns = next;
	cw__clockevents_reserved_program(c->dev, next, true);
}

static void claim_irq(struct cw_clock_event_device *dev)
{
	struct cw_claim *c = CW_READ_ONCE(dev->reserved_data);
	struct cw_claim_state *st;
	cw_claim_fn fn;
	void *arg;
	cw_ktime_t now;

	if (!c) {
		return;
	}
	st = c->sys->claim;
	now = cw_ktime_get(c->sys);
	cw_spin_lock(&st->lock);
	if (!c->running || c->dev != dev) {
		cw_spin_unlock(&st->lock);
		return;
	}
	if ((dev->features & CW_CLOCKEVENT_FEAT_ONESHOT) && now < c->next_ns) {
		/* Early (a device clock faster than MONOTONIC): wait for the due time. */
		cw__clockevents_reserved_program(dev, c->next_ns, true);
		cw_spin_unlock(&st->lock);
		return;
	}
	if (c->running == CW_CLAIM_ONESHOT) {
		c->running = 0;
		c->next_ns = CW_KTIME_MAX;
	} else {
		hw_advance_locked(c, now);
	}
	c->fires++;
	fn = c->fn;
	arg = c->arg;
	cw_spin_unlock(&st->lock);
	fn(c, arg);
}

/* ---------------------------------------------------------------------- */
/* Fallback: a hard hrtimer pinned to the claim's CPU */

static enum cw_hrtimer_restart claim_hrtimer_fn(struct cw_hrtimer *t)
{
	struct cw_claim *c = cw_container_of(t, struct cw_claim, timer);
	struct cw_claim_state *st = c->sys->claim;
	enum cw_hrtimer_restart restart = CW_HRTIMER_NORESTART;
	cw_claim_fn fn;
	void *arg;
	uint64_t gen;

	cw_spin_lock(&st->lock);
	if (!c->running) {
		cw_spin_unlock(&st->lock);
		return CW_HRTIMER_NORESTART;
	}
	if (c->running == CW_CLAIM_ONESHOT) {
		c->running = 0;
		c->next_ns = CW_KTIME_MAX;
	}
	c->fires++;
	fn = c->fn;
	arg = c->arg;
	gen = c->gen;
	cw_spin_unlock(&st->lock);
	fn(c, arg);
	cw_spin_lock(&st->lock);
	/* Unless the callback started or stopped the channel itself: the next period. */
	if (c->gen == gen && c->running == CW_CLAIM_PERIODIC) {
		uint64_t n = cw_hrtimer_forward(t, cw_hrtimer_cb_get_time(t), c->period_ns);

		c->overruns += n > 1 ? n - 1 : 0;
		c->next_ns = cw_hrtimer_get_expires(t);
		restart = CW_HRTIMER_RESTART;
	}
	cw_spin_unlock(&st->lock);
	return restart;
}

struct fb_start {
	struct cw_claim *c;
	cw_ktime_t at;
};

/* Runs on the claim's CPU: a pinned timer stays there. */
static void fb_start_on_cpu(void *arg)
{
	struct fb_start *s = arg;

	cw_hrtimer_start(&s->c->timer, s->at, CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
}

static void fb_start(struct cw_claim *c, cw_ktime_t at)
{
	struct fb_start s = { .c = c, .at = at };

	cw_cpu_call(c->sys, (unsigned)c->cpu, fb_start_on_cpu, &s);
}

/* ---------------------------------------------------------------------- */
/* Claim and release */

static int first_online_cpu(struct cw_system *sys)
{
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		if (cw_cpu_online(sys, cpu)) {
			return (int)cpu;
		}
	}
	return -1;
}

static void set_caps(struct cw_claim *c, const struct caps *k)
{
	c->modes = k->modes;
	c->min_rate_hz = k->min_rate_hz;
	c->max_rate_hz = k->max_rate_hz;
	c->resolution_ns = k->resolution_ns;
	c->latency_ns = k->latency_ns;
}

static void link_claim(struct cw_system *sys, struct cw_claim *c)
{
	struct cw_claim_state *st = sys->claim;
	struct cw_claim **pp;

	cw_spin_lock(&st->lock);
	for (pp = &st->claims; *pp; pp = &(*pp)->next) {
	}
	*pp = c;
	cw_spin_unlock(&st->lock);
}

static int claim_fallback(struct cw_system *sys, const struct cw_claim_request *req,
			  struct cw_claim *c)
{
	struct caps k;
	int cpu = req->target_cpu == CW_CLAIM_ANY_CPU ? first_online_cpu(sys) : req->target_cpu;

	if (cpu < 0 || !cw_cpu_online(sys, (unsigned)cpu)) {
		return CW_ENODEV;
	}
	fallback_caps(sys, (unsigned)cpu, &k);
	if ((req->modes & k.modes) != req->modes || !rates_fit(req, &k)) {
		return CW_ENODEV;
	}
	if (cw_hrtimer_setup(sys, &c->timer, claim_hrtimer_fn, CW_CLOCK_MONOTONIC,
			     CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD)) {
		return CW_ENODEV;
	}
	c->cpu = cpu;
	set_caps(c, &k);
	return 0;
}

int cw_claim_timer(struct cw_system *sys, const struct cw_claim_request *req,
		   struct cw_claim *claim)
{
	struct cw_clock_event_device *dev = NULL;
	struct caps k;
	int ret;

	if (!sys || !req || !claim || !sys->claim || check_request(sys, req)) {
		return CW_EINVAL;
	}
	/* A claimed handle stays claimed until released (sys is set while claimed). */
	if (CW_READ_ONCE(claim->sys)) {
		return CW_EINVAL;
	}
	memset(claim, 0, sizeof(*claim));
	claim->owner = req->owner;
	claim->next_ns = CW_KTIME_MAX;
	claim->cpu = req->target_cpu;
	ret = reserve_best(sys, req, claim, &dev);
	if (ret == 0) {
		claim->dev = dev;
		dev_caps(sys, dev, &k);
		set_caps(claim, &k);
		if (dev->cpu != CW_CLOCKEVENT_ANY_CPU) {
			claim->cpu = dev->cpu;
		} else if (req->target_cpu != CW_CLAIM_ANY_CPU && dev->set_irq_affinity) {
			dev->set_irq_affinity(dev, (unsigned)req->target_cpu);
		}
	} else if (req->allow_fallback) {
		int why = ret;

		ret = claim_fallback(sys, req, claim);
		if (ret) {
			ret = why;
		}
	}
	if (ret) {
		cw__log(sys, CW_LOG_INFO, "claim: %s: %s", req->owner,
			ret == CW_EBUSY ? "every fitting timer is in use" : "no timer fits");
		memset(claim, 0, sizeof(*claim));
		return ret;
	}
	claim->sys = sys;
	link_claim(sys, claim);
	cw__log(sys, CW_LOG_INFO, "claim: %s got %s (cpu %d, resolution %llu ns)", req->owner,
		dev ? dev->name : CW_CLAIM_FALLBACK_NAME, claim->cpu,
		(unsigned long long)claim->resolution_ns);
	return 0;
}

/* Stop the channel (claim lock held): nothing runs until the next start. */
static void stop_locked(struct cw_claim *c)
{
	c->running = 0;
	c->next_ns = CW_KTIME_MAX;
	c->gen++;
	if (c->dev) {
		cw__clockevents_reserved_set_mode(c->dev, CW_CLOCKEVENT_STATE_SHUTDOWN);
	} else {
		/* Not waiting: the callback itself may stop its channel. */
		cw_hrtimer_try_to_cancel(&c->timer);
	}
}

static void barrier_fn(void *arg)
{
	(void)arg;
}

/* Wait until no handler of the device runs: the CPUs its interrupt may go to. */
static void irq_barrier(struct cw_system *sys, int cpu)
{
	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		if ((cpu < 0 || (unsigned)cpu == i) && cw_cpu_online(sys, i)) {
			cw_cpu_call(sys, i, barrier_fn, NULL);
		}
	}
}

static void pool_refill(struct cw_system *sys);

int cw_claim_release(struct cw_claim *c)
{
	struct cw_system *sys;
	struct cw_claim_state *st;

	if (!c || !(sys = c->sys)) {
		return CW_EINVAL;
	}
	st = sys->claim;
	cw_spin_lock(&st->lock);
	stop_locked(c);
	for (struct cw_claim **pp = &st->claims; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	cw_spin_unlock(&st->lock);
	if (c->dev) {
		cw__clockevents_unreserve(sys, c->dev, c->owner);
		irq_barrier(sys, c->cpu);
	} else {
		cw_hrtimer_cancel(&c->timer);
	}
	cw__log(sys, CW_LOG_INFO, "claim: %s released %s", c->owner,
		c->dev ? c->dev->name : CW_CLAIM_FALLBACK_NAME);
	memset(c, 0, sizeof(*c));
	/* The channel may serve a CPU that runs on its pool dummy. */
	pool_refill(sys);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Operations */

/* Period for @rate_hz on @c, or 0 if the channel cannot run at it. */
static uint64_t period_for(const struct cw_claim *c, uint64_t rate_hz)
{
	uint64_t period = div_round(CW_NSEC_PER_SEC, rate_hz);

	if (period == 0) {
		return 0;
	}
	if (c->dev && !(c->dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
		/* The driver's periodic mode: HZ exactly. */
		return rate_hz == c->sys->hz ? c->sys->tick_nsec : 0;
	}
	if (rate_hz < c->min_rate_hz || rate_hz > c->max_rate_hz) {
		return 0;
	}
	if (c->dev && (period < c->dev->min_delta_ns || period > c->dev->max_delta_ns)) {
		return 0;
	}
	return period;
}

/* Arm the channel for its next_ns (claim lock held; the fallback is armed by the caller). */
static void hw_arm_locked(struct cw_claim *c, unsigned mode)
{
	if (mode == CW_CLAIM_PERIODIC && !(c->dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
		cw__clockevents_reserved_set_mode(c->dev, CW_CLOCKEVENT_STATE_PERIODIC);
		return;
	}
	cw__clockevents_reserved_set_mode(c->dev, CW_CLOCKEVENT_STATE_ONESHOT);
	cw__clockevents_reserved_program(c->dev, c->next_ns, true);
}

static int start(struct cw_claim *c, unsigned mode, uint64_t ns, cw_claim_fn fn, void *arg)
{
	struct cw_claim_state *st = c->sys->claim;
	cw_ktime_t at;

	cw_spin_lock(&st->lock);
	if (c->dev) {
		cw__clockevents_reserved_set_mode(c->dev, CW_CLOCKEVENT_STATE_SHUTDOWN);
	}
	at = cw_ktime_get(c->sys) + (cw_ktime_t)ns;
	c->fn = fn;
	c->arg = arg;
	c->running = mode;
	c->period_ns = mode == CW_CLAIM_PERIODIC ? ns : c->period_ns;
	c->next_ns = at;
	c->gen++;
	if (c->dev) {
		hw_arm_locked(c, mode);
	}
	cw_spin_unlock(&st->lock);
	if (!c->dev) {
		fb_start(c, at);
	}
	return 0;
}

/*
 * The fallback's properties follow its CPU: a CPU switches to high
 * resolution after boot (or falls back to low resolution without a
 * oneshot device), so they are read again before each use. Claim lock held.
 */
static void refresh_locked(struct cw_claim *c)
{
	struct caps k;

	if (!c->dev && c->cpu >= 0) {
		fallback_caps(c->sys, (unsigned)c->cpu, &k);
		set_caps(c, &k);
	}
}

/* period_for() with the fallback's current properties. */
static uint64_t period_now(struct cw_claim *c, uint64_t rate_hz)
{
	struct cw_claim_state *st = c->sys->claim;
	uint64_t period;

	cw_spin_lock(&st->lock);
	refresh_locked(c);
	period = period_for(c, rate_hz);
	cw_spin_unlock(&st->lock);
	return period;
}

/*
 * The checks shared by starting a periodic claim and changing its rate:
 * the period @c can run at @rate_hz into *@period. @return 0; CW_EINVAL,
 * CW_ENOSYS (no periodic mode), CW_ERANGE (the rate cannot be made).
 */
static int periodic_period(struct cw_claim *c, uint64_t rate_hz, uint64_t *period)
{
	if (!c || !c->sys || rate_hz == 0) {
		return CW_EINVAL;
	}
	if (!(c->modes & CW_CLAIM_PERIODIC)) {
		return CW_ENOSYS;
	}
	*period = period_now(c, rate_hz);
	return *period ? 0 : CW_ERANGE;
}

int cw_claim_start_periodic(struct cw_claim *c, uint64_t rate_hz, cw_claim_fn fn, void *arg)
{
	uint64_t period;
	int ret = fn ? periodic_period(c, rate_hz, &period) : CW_EINVAL;

	return ret ? ret : start(c, CW_CLAIM_PERIODIC, period, fn, arg);
}

int cw_claim_start_oneshot(struct cw_claim *c, uint64_t delay_ns, cw_claim_fn fn, void *arg)
{
	if (!c || !c->sys || !fn) {
		return CW_EINVAL;
	}
	if (!(c->modes & CW_CLAIM_ONESHOT)) {
		return CW_ENOSYS;
	}
	if (c->dev) {
		if (delay_ns > c->dev->max_delta_ns) {
			return CW_ERANGE;
		}
		if (delay_ns < c->dev->min_delta_ns) {
			delay_ns = c->dev->min_delta_ns;
		}
	}
	return start(c, CW_CLAIM_ONESHOT, delay_ns, fn, arg);
}

int cw_claim_set_rate(struct cw_claim *c, uint64_t rate_hz, uint64_t *achieved_hz)
{
	struct cw_claim_state *st;
	uint64_t period;
	cw_ktime_t at = 0;
	bool rearm_fb = false;
	int ret = periodic_period(c, rate_hz, &period);

	if (ret) {
		return ret;
	}
	st = c->sys->claim;
	cw_spin_lock(&st->lock);
	if (c->running == CW_CLAIM_PERIODIC && period != c->period_ns) {
		/* Continue from the last callback's due time at the new period. */
		cw_ktime_t now = cw_ktime_get(c->sys);

		at = c->next_ns - (cw_ktime_t)c->period_ns + (cw_ktime_t)period;
		c->next_ns = at > now ? at : now;
		at = c->next_ns;
		c->gen++;
		if (c->dev && (c->dev->features & CW_CLOCKEVENT_FEAT_ONESHOT)) {
			cw__clockevents_reserved_program(c->dev, c->next_ns, true);
		}
		rearm_fb = !c->dev;
	}
	c->period_ns = period;
	cw_spin_unlock(&st->lock);
	if (rearm_fb) {
		fb_start(c, at);
	}
	if (achieved_hz) {
		*achieved_hz = div_round(CW_NSEC_PER_SEC, period);
	}
	return 0;
}

int cw_claim_stop(struct cw_claim *c)
{
	struct cw_claim_state *st;

	if (!c || !c->sys) {
		return CW_EINVAL;
	}
	st = c->sys->claim;
	cw_spin_lock(&st->lock);
	stop_locked(c);
	cw_spin_unlock(&st->lock);
	return 0;
}

int cw_claim_get_remaining(struct cw_claim *c, uint64_t *remaining_ns)
{
	struct cw_claim_state *st;
	cw_ktime_t next, now;
	unsigned running;

	if (!c || !c->sys || !remaining_ns) {
		return CW_EINVAL;
	}
	st = c->sys->claim;
	cw_spin_lock(&st->lock);
	running = c->running;
	next = c->next_ns;
	cw_spin_unlock(&st->lock);
	if (!running || next == CW_KTIME_MAX) {
		return CW_ENOENT;
	}
	now = cw_ktime_get(c->sys);
	*remaining_ns = next > now ? (uint64_t)(next - now) : 0;
	return 0;
}

/* Fill @info from @c (claim lock held). */
static void info_locked(const struct cw_claim *c, struct cw_claim_info *info)
{
	memset(info, 0, sizeof(*info));
	info->owner = c->owner;
	info->device = c->dev ? c->dev->name : CW_CLAIM_FALLBACK_NAME;
	info->fallback = c->dev == NULL;
	info->cpu = c->cpu;
	info->modes = c->modes;
	info->resolution_ns = c->resolution_ns;
	info->latency_ns = c->latency_ns;
	info->min_rate_hz = c->min_rate_hz;
	info->max_rate_hz = c->max_rate_hz;
	info->running = c->running;
	if (c->running == CW_CLAIM_PERIODIC) {
		info->period_ns = c->period_ns;
		info->rate_hz = div_round(CW_NSEC_PER_SEC, c->period_ns);
	}
	info->fires = c->fires;
	info->overruns = c->overruns;
}

int cw_claim_get_info(struct cw_claim *c, struct cw_claim_info *info)
{
	struct cw_claim_state *st;

	if (!c || !c->sys || !info) {
		return CW_EINVAL;
	}
	st = c->sys->claim;
	cw_spin_lock(&st->lock);
	refresh_locked(c);
	info_locked(c, info);
	cw_spin_unlock(&st->lock);
	return 0;
}

size_t cw_claim_list(struct cw_system *sys, struct cw_claim_info *out, size_t max)
{
	struct cw_claim_state *st;
	size_t n = 0;

	if (!sys || !sys->claim) {
		return 0;
	}
	st = sys->claim;
	cw_spin_lock(&st->lock);
	for (const struct cw_claim *c = st->claims; c; c = c->next, n++) {
		if (n < max && out) {
			info_locked(c, &out[n]);
		}
	}
	cw_spin_unlock(&st->lock);
	return n;
}

/* ---------------------------------------------------------------------- */
/* The per-CPU pool */

/* Whether @cpu runs on its pool dummy. */
static bool on_dummy(struct cw_system *sys, unsigned cpu)
{
	return CW_READ_ONCE(sys->cpus[cpu].td.evtdev) == &sys->claim->cpus[cpu].dummy;
}

/*
 * Give a free channel to each CPU that runs on its dummy: unregistering
 * the dummy installs the best unused device that can serve the CPU
 * (clockevents' replacement search, which skips reserved devices), or
 * fails with CW_EBUSY and leaves the dummy where it is.
 */
static void pool_refill(struct cw_system *sys)
{
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		if (cw_cpu_online(sys, cpu) && on_dummy(sys, cpu) &&
		    cw_clockevents_unregister(sys, &sys->claim->cpus[cpu].dummy) == 0) {
			cw__log(sys, CW_LOG_INFO,
				"claim: CPU%u: pool channel %s replaces its dummy", cpu,
				cw_tick_device(sys, cpu) ? cw_tick_device(sys, cpu)->name : "?");
		}
	}
}

void cw__claim_cpu_online(struct cw_system *sys, unsigned cpu)
{
	struct claim_cpu *pc = &sys->claim->cpus[cpu];

	if (CW_READ_ONCE(sys->cpus[cpu].td.evtdev)) {
		return;
	}
	/*
	 * Without a broadcast device a dummy would tick nothing, and it would
	 * keep out a global channel registered later (a CPU-local device is
	 * never replaced by a global one): leave the CPU for the next offer.
	 */
	if (!cw_tick_broadcast_device(sys)) {
		cw__log(sys, CW_LOG_WARNING,
			"claim: CPU%u: no free channel and no broadcast device", cpu);
		return;
	}
	/* The pool is dry: a dummy, driven by the broadcast device. */
	memset(&pc->dummy, 0, sizeof(pc->dummy));
	pc->dummy.name = pc->name;
	pc->dummy.features = CW_CLOCKEVENT_FEAT_DUMMY | CW_CLOCKEVENT_FEAT_PERCPU;
	pc->dummy.rating = CLAIM_DUMMY_RATING;
	pc->dummy.irq = -1;
	pc->dummy.cpu = (int)cpu;
	if (cw_clockevents_register(sys, &pc->dummy) == 0) {
		cw__log(sys, CW_LOG_INFO, "claim: CPU%u: no free channel, dummy + broadcast", cpu);
	}
}

void cw__claim_boot_late(struct cw_system *sys)
{
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		if (cw_cpu_online(sys, cpu)) {
			cw__claim_cpu_online(sys, cpu);
		}
	}
}

void cw__claim_cpu_dead(struct cw_system *sys, unsigned cpu)
{
	struct claim_cpu *pc = &sys->claim->cpus[cpu];

	/* The dying step released it like any tick device: remove it. */
	if (pc->dummy.sys) {
		cw_clockevents_unregister(sys, &pc->dummy);
	}
	/* The channel the dead CPU released goes to a CPU on its dummy. */
	pool_refill(sys);
}

/* ---------------------------------------------------------------------- */
/* Setup */

size_t cw__claim_cpu_bytes(void)
{
	return sizeof(struct claim_cpu);
}

int cw__claim_init(struct cw_system *sys)
{
	struct cw_claim_state *st = calloc(1, sizeof(*st));

	if (!st) {
		return CW_ENOMEM;
	}
	st->cpus = calloc(sys->nr_cpus, sizeof(*st->cpus));
	if (!st->cpus) {
		free(st);
		return CW_ENOMEM;
	}
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		snprintf(st->cpus[cpu].name, sizeof(st->cpus[cpu].name), "pool-dummy.%u", cpu);
	}
	sys->claim = st;
	return 0;
}

void cw__claim_fini(struct cw_system *sys)
{
	struct cw_claim_state *st = sys->claim;

	if (!st) {
		return;
	}
	free(st->cpus);
	free(st);
	sys->claim = NULL;
}
