/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker (include/clockwork/check.h, docs/checker.md): an
 * oracle fed by one-line hooks in hrtimer.c, timer.c, timekeeping.c and
 * clockevents.c. It keeps its own record of every timer it saw armed (an
 * open-addressing table keyed by the timer's address, allocated here:
 * the checker is a debug facility, arming itself still never allocates
 * when it is off) and judges each expiry against that record, not against
 * the core's internal state.
 *
 * Bounds (docs/checker.md has the reasoning):
 *   hrtimer: it runs once its own clock reached the soft expiry recorded at
 *     arming; it runs no later than "due" + resolution + latency, where due
 *     is the MONOTONIC instant its hard expiry was reached: hard - offset of
 *     its clock now, but never before it was armed nor before the last
 *     explicit step of its clock (a step forward makes it due at the step).
 *     Resolution: one tick plus two cycles of the coarsest device in low
 *     resolution; in high resolution two rounds of the largest device
 *     min_delta_ns plus two of its cycles (the broadcast device may be the
 *     one waking the CPU); plus two clocksource steps. A rate term covers
 *     devices counting true ns while MONOTONIC is NTP-steered: 1/1024 of
 *     how far ahead the waking device may have been programmed
 *     (programmed_since()), or more for a clocksource the port says
 *     drifts more (cw_check_set_clocksource_rate_ppb()). A timer moved by hotplug also gets the old
 *     CPU's resolution + latency (it may have been overdue when moved).
 *   wheel: with E the expiry and A the jiffies when armed, a timeout of
 *     E - A >= the wheel's cutoff is clamped to A + max_timeout; it runs at
 *     jiffies > E (clamped: > A + max_timeout - 1 level granularity), and at
 *     most E + granularity(level of E - A) + 1 + latency in jiffies.
 *
 * Locking: one spinlock, innermost (only log_lock is taken after it, and
 * only once it is dropped). Slow paths run with core locks held; they only
 * read time locklessly (cw__ktime_get_with_offsets, never hooked).
 */
#include "check-internal.h"
#include "cpu-internal.h"
#include "timekeeping-internal.h"

#include "hrtimer-internal.h"
#include "timer-internal.h"

#include <clockwork/timekeeping.h>
#include <clockwork/tmigr.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ent_kind {
	ENT_FREE = 0,
	ENT_HRTIMER = 1,
	ENT_WHEEL = 2,
	/** A clock event device: soft = interrupts so far, fire_mono = last verify. */
	ENT_CE = 3,
};

/** What the checker remembers of one timer. */
struct ent {
	const void *key;
	uint8_t kind;
	/** Armed and not yet fired or cancelled. */
	bool armed;
	/** hrtimer: base clock index 0..3 (MONO, REAL, BOOT, TAI). */
	uint8_t clk;
	/** Wheel: deferrable (no upper bound). */
	bool deferrable;
	/** Wheel: pinned (listing only). */
	bool pinned;
	/** hrtimer: its CPU was in low resolution when it was armed (tick granularity). */
	bool lowres;
	/** hrtimer: the CPU it was armed on (hotplug may move it to another). */
	uint16_t cpu;
	/** hrtimer: soft and hard expiry in its clock. Wheel: expiry and arming jiffies. */
	int64_t soft, hard;
	/** MONOTONIC when armed (hrtimer), or when it last fired; a device's last interrupt. */
	int64_t arm_mono;
	/**
	 * Clock event device: MONOTONIC of the interrupt before the last one
	 * (INT64_MIN before the second), the earliest the device can have been
	 * programmed for the interrupt being handled.
	 */
	int64_t prev_mono;
	int64_t fire_mono;
	/** Sequence number of the arming (reports). */
	uint64_t arm_seq;
	/** Timers: the callback when armed (cw_check_armed_timers()). */
	uintptr_t fn;
};

struct clk_state {
	bool seen;
	int64_t last;
	int64_t last_mono;
	uint64_t set_seq;
};

/* Clocksources with a rate error of their own, and switches remembered. */
#define CHECK_CS_RATES         16
#define CHECK_CS_SWITCHES      4
/* The rate error every clocksource is allowed: 2^-10, about 977 ppm. */
#define CHECK_RATE_DEFAULT_PPB 976563u

struct cw_check {
	struct cw_spinlock lock;
	struct cw_system *sys;
	bool abort_on_violation;
	/** Allocation failed: nothing is checked any more. */
	bool broken;
	uint64_t seed;
	uint64_t latency_ns;
	struct ent *tab;
	size_t cap, used;
	uint64_t arm_seq;
	/** MONOTONIC of the last clock-was-set notification per base clock. */
	int64_t last_set_mono[4];
	struct clk_state clk[CW_CHECK_CLK_NR][2];
	struct cw_clock_was_set_notifier cws;
	struct cw_check_stats stats;
	int status;
	uint64_t violations;
	char report[320];
	int fault;
	/** MONOTONIC of the latest fine clock read (dates a clock-was-set). */
	int64_t last_read_mono;
	/** Non-zero: a violation's log line is waiting to be written after unlock. */
	bool log_pending;
	/** cw_check_set_observer(): told every timer event after it is recorded. */
	cw_check_observer_fn observer;
	void *observer_arg;
	/** cw_check_set_clocksource_rate_ppb(): a rate error per clocksource. */
	struct {
		const struct cw_clocksource *cs;
		uint32_t ppb;
	} cs_rate[CHECK_CS_RATES];
	unsigned nr_cs_rate;
	/** The clocksource MONOTONIC followed when the checker last looked. */
	const struct cw_clocksource *cs_seen;
	/**
	 * The last clocksource switches the checker noticed: the MONOTONIC
	 * instant it noticed each (at or after the switch) and the rate error
	 * of the clocksource that was current before it. A ring.
	 */
	struct {
		int64_t mono;
		uint32_t ppb;
	} cs_switch[CHECK_CS_SWITCHES];
	unsigned cs_switch_next;
};

static const char *const clk_names[CW_CHECK_CLK_NR] = {
	"MONOTONIC", "REALTIME", "BOOTTIME", "TAI", "MONOTONIC_RAW",
};

static const char *const base_names[4] = { "MONOTONIC", "REALTIME", "BOOTTIME", "TAI" };

static const char *cpu_state(struct cw_system *sys, unsigned cpu);

/* ---------------------------------------------------------------------- */
/* The record table */

static size_t hash_ptr(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static bool grow(struct cw_check *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 256;
	struct ent *n = calloc(ncap, sizeof(*n));

	if (!n) {
		return false;
	}
	for (size_t i = 0; i < c->cap; i++) {
		if (c->tab[i].kind != ENT_FREE) {
			size_t j = hash_ptr(c->tab[i].key, ncap);

			while (n[j].kind != ENT_FREE) {
				j = (j + 1) & (ncap - 1);
			}
			n[j] = c->tab[i];
		}
	}
	free(c->tab);
	c->tab = n;
	c->cap = ncap;
	return true;
}

/* The record of @key, created if @create; NULL if absent (or out of memory). */
static struct ent *lookup(struct cw_check *c, const void *key, uint8_t kind, bool create)
{
	size_t i;

	if (c->cap) {
		for (i = hash_ptr(key, c->cap); c->tab[i].kind != ENT_FREE;
		     i = (i + 1) & (c->cap - 1)) {
			if (c->tab[i].key == key && c->tab[i].kind == kind) {
				return &c->tab[i];
			}
		}
	}
	if (!create) {
		return NULL;
	}
	if ((c->used + 1) * 2 > c->cap && !grow(c)) {
		c->broken = true;
		c->status = CW_ENOMEM;
		return NULL;
	}
	for (i = hash_ptr(key, c->cap); c->tab[i].kind != ENT_FREE; i = (i + 1) & (c->cap - 1)) {
	}
	memset(&c->tab[i], 0, sizeof(c->tab[i]));
	c->tab[i].key = key;
	c->tab[i].kind = kind;
	c->used++;
	return &c->tab[i];
}

/* Take the lock, then lookup() @key; NULL once the checker is broken. */
static struct ent *lock_lookup(struct cw_check *c, const void *key, uint8_t kind, bool create)
{
	cw_spin_lock(&c->lock);
	return c->broken ? NULL : lookup(c, key, kind, create);
}

/* A cancel of @key: no longer armed, counted in @cancels. */
static void note_cancel(struct cw_check *c, const void *key, uint8_t kind, uint64_t *cancels)
{
	struct ent *e = lock_lookup(c, key, kind, false);

	if (e) {
		e->armed = false;
		(*cancels)++;
	}
	cw_spin_unlock(&c->lock);
}

/* ---------------------------------------------------------------------- */
/* Reporting */

/* Record a violation (lock held). The first one is kept and logged after unlock. */
static void violate(struct cw_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void violate(struct cw_check *c, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	c->violations++;
	if (c->violations > 1) {
		return;
	}
	c->status = CW_ERANGE;
	n = (size_t)snprintf(c->report, sizeof(c->report), "check: ");
	va_start(ap, fmt);
	vsnprintf(c->report + n, sizeof(c->report) - n, fmt, ap);
	va_end(ap);
	n = strlen(c->report);
	snprintf(c->report + n, sizeof(c->report) - n, " (seed %llu)", (unsigned long long)c->seed);
	c->log_pending = true;
}

/* Drop the lock; write the first violation's line if it is new. */
static void unlock_and_log(struct cw_system *sys, struct cw_check *c)
{
	bool log = c->log_pending;
	char line[sizeof(c->report)];

	if (log) {
		c->log_pending = false;
		memcpy(line, c->report, sizeof(line));
	}
	cw_spin_unlock(&c->lock);
	if (log) {
		cw__log(sys, CW_LOG_ERR, "%s", line);
		if (c->abort_on_violation) {
			fprintf(stderr, "%s\n", line);
			abort();
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Bounds */

static int64_t mono_now(struct cw_system *sys, int64_t offs[4])
{
	int64_t o[4];

	if (!offs) {
		offs = o;
	}
	offs[0] = 0;
	return cw__ktime_get_with_offsets(sys, &offs[1], &offs[2], &offs[3]);
}

/* ns of one cycle of @dev, rounded up (0 for ktime devices). */
static uint64_t dev_cycle_ns(const struct cw_clock_event_device *dev)
{
	if (!dev->freq_hz) {
		return 1000;
	}
	return (UINT64_C(1000000000) + dev->freq_hz - 1) / dev->freq_hz;
}

/*
 * Resolution an hrtimer on @cpu can be late by, ns (see the file comment).
 * @cpu_gone: @cpu is the CPU a migrated timer left, judged as it was when
 * the timer was armed there (it is offline now, in low resolution).
 * @floor: a lower bound in O(1), from @cpu's own tick device only, instead
 * of the coarsest device of the system (a walk over every device, O(CPUs)
 * per expiry: a machine with thousands of CPUs spent most of its run here).
 */
static uint64_t hr_resolution_ns(struct cw_system *sys, unsigned cpu, bool lowres_at_arm,
				 bool cpu_gone, bool floor)
{
	struct cw_clock_event_device *dev;
	uint64_t cycle = 0;
	/* MONOTONIC itself moves in steps of one clocksource cycle. */
	uint32_t shift = CW_READ_ONCE(sys->pub.shift);
	uint64_t res = 0,
		 cs_step = 2u *
			   ((shift < 64 ? (uint64_t)CW_READ_ONCE(sys->pub.mono.mult) >> shift : 0) +
			    1u);

	/* The coarsest clocksource, jiffies, moves a tick at a time. */
	if (cs_step > 2u * sys->tick_nsec) {
		cs_step = 2u * sys->tick_nsec;
	}
	/* Low resolution when armed or now: the switch happens at a tick, so
	 * a timer armed before it may wait for the next tick. */
	if (lowres_at_arm || (!cpu_gone && !CW_READ_ONCE(sys->hrtimer_bases[cpu].hres_active))) {
		/*
		 * Low resolution: timers run from the next tick. The tick comes
		 * from a periodic device (the CPU's own or the broadcast) whose
		 * period is a whole number of its cycles (round(freq / HZ): up to
		 * half a cycle off a tick) and whose first event is programmed in
		 * cycles (truncated: up to a cycle): two cycles of the coarsest
		 * device.
		 */
		for (dev = floor ? NULL : sys->ce.devices; dev; dev = dev->next) {
			if (dev_cycle_ns(dev) > cycle) {
				cycle = dev_cycle_ns(dev);
			}
		}
		return sys->tick_nsec + 2u * cycle + cs_step;
	}
	if (floor) {
		dev = cpu < sys->nr_cpus ? CW_READ_ONCE(sys->cpus[cpu].td.evtdev) : NULL;
		return (dev ? 2u * (CW_READ_ONCE(dev->min_delta_ns) + 2u * dev_cycle_ns(dev)) : 0) +
		       cs_step;
	}
	for (dev = sys->ce.devices; dev; dev = dev->next) {
		/*
		 * ns -> cycles truncates, so an event may come up to a cycle
		 * early with nothing due; the retry is programmed at least
		 * min_delta ahead and rounded again: two rounds of min_delta
		 * plus two cycles.
		 */
		uint64_t r = 2u * (CW_READ_ONCE(dev->min_delta_ns) + 2u * dev_cycle_ns(dev));

		if (r > res) {
			res = r;
		}
	}
	return res + cs_step;
}

static uint64_t latency_jiffies(const struct cw_system *sys, const struct cw_check *c)
{
	return (c->latency_ns + sys->tick_nsec - 1) / sys->tick_nsec;
}

/* ---------------------------------------------------------------------- */
/* hrtimers */

/* a + b saturated to the int64 range (clocks saturate at KTIME_MAX). */
static int64_t sat_add_s64(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b) {
		return INT64_MAX;
	}
	if (b < 0 && a < INT64_MIN - b) {
		return INT64_MIN;
	}
	return a + b;
}

/* Tell the observer about hrtimer @t (checker lock not held). */
static void observe_hrtimer(struct cw_check *c, enum cw_check_event_type type,
			    const struct cw_hrtimer *t, int64_t now)
{
	struct cw_check_event ev = {
		.type = type,
		.timer = t,
		.expires = t->node.expires,
		.softexpires = t->softexpires,
		.now = now,
		.clock_id = t->clock_id,
		.flags = t->mode,
		.cpu = (int)t->base->cpu_base->cpu,
		.function = (uintptr_t)t->function,
	};

	c->observer(c->observer_arg, &ev);
}

/* Tell the observer about wheel timer @t (checker lock not held). */
static void observe_wheel(struct cw_check *c, enum cw_check_event_type type,
			  const struct cw_timer *t, uint64_t now_jiffies)
{
	struct cw_check_event ev = {
		.type = type,
		.timer = t,
		.function = (uintptr_t)t->fn,
		.expires = (int64_t)t->expires,
		.now = (int64_t)now_jiffies,
		.clock_id = -1,
		.flags = t->flags,
		.cpu = -1,
	};

	c->observer(c->observer_arg, &ev);
}

/* What an arming of @t at MONOTONIC @arm_mono records, but its soft expiry (lock held). */
static void hr_note_arm(struct cw_check *c, struct ent *e, const struct cw_hrtimer *t,
			int64_t arm_mono)
{
	e->hard = t->node.expires;
	e->clk = (uint8_t)(t->base->index & 3u);
	e->lowres = !CW_READ_ONCE(t->base->cpu_base->hres_active);
	e->cpu = (uint16_t)t->base->cpu_base->cpu;
	e->fn = (uintptr_t)t->function;
	e->armed = true;
	e->arm_mono = arm_mono;
	e->arm_seq = ++c->arm_seq;
	c->stats.hrtimer_arms++;
}

void cw__check_hrtimer_arm_slow(struct cw_hrtimer *t, int64_t mono, int64_t offs)
{
	struct cw_system *sys = t->sys;
	struct cw_check *c = sys->check;
	struct ent *e;

	e = lock_lookup(c, t, ENT_HRTIMER, true);
	if (e) {
		if (c->fault == CW_CHECK_FAULT_HRTIMER_EARLY && mono + offs < t->softexpires) {
			/* Planted: the core now believes the timer is due at once. */
			c->fault = CW_CHECK_FAULT_NONE;
			e->soft = t->softexpires;
			t->softexpires = mono + offs;
		} else {
			e->soft = t->softexpires;
		}
		hr_note_arm(c, e, t, mono);
		(void)offs;
	}
	cw_spin_unlock(&c->lock);
	if (c->observer) {
		observe_hrtimer(c, CW_CHECK_EV_HRTIMER_START, t, mono);
	}
}

void cw__check_hrtimer_rearm_slow(struct cw_hrtimer *t)
{
	struct cw_check *c = t->sys->check;
	int64_t fired = 0;
	struct ent *e;

	e = lock_lookup(c, t, ENT_HRTIMER, true);
	if (e) {
		e->soft = t->softexpires;
		/* Requeued right after its expiry: armed when it last fired. */
		hr_note_arm(c, e, t, e->fire_mono);
		fired = e->fire_mono;
	}
	cw_spin_unlock(&c->lock);
	if (c->observer) {
		observe_hrtimer(c, CW_CHECK_EV_HRTIMER_START, t, fired);
	}
}

void cw__check_hrtimer_cancel_slow(struct cw_hrtimer *t)
{
	struct cw_check *c = t->sys->check;

	note_cancel(c, t, ENT_HRTIMER, &c->stats.hrtimer_cancels);
	if (c->observer) {
		observe_hrtimer(c, CW_CHECK_EV_HRTIMER_CANCEL, t, 0);
	}
}

/*
 * Lateness bound of @e due at @due (see the file comment), plus a rate
 * term: clock event devices count true time while MONOTONIC follows the
 * clocksource (NTP adjusted), so an event programmed D ahead lands up to
 * D x the rate mismatch late; 1/1024 (~1000 ppm) covers NTP's 500 ppm and
 * any counter the watchdog keeps. D runs from when the waking device may
 * have been programmed (programmed_since()). Lock held.
 */
static struct ent *lookup(struct cw_check *c, const void *key, uint8_t kind, bool create);

/*
 * Since when the device whose interrupt ran a timer on @cpu (armed on
 * @arm_cpu at @arm_mono, due at @due) may have been programmed. A device
 * is programmed for an event only after its previous interrupt, and the
 * checker dates an interrupt before the handler runs the timers, so the
 * interrupt being handled is the device's last one: its programming came
 * after the one before (prev_mono), or after the timer was armed if that
 * is earlier (a timer re-armed shortly before it is due may be served by
 * a programming made long before, for the same or an earlier event).
 * The devices: the tick devices of @cpu and @arm_cpu and the broadcast
 * device (which wakes CPUs in deep idle; it is re-armed only for earlier
 * events, so it may have been programmed for another CPU long before);
 * the oldest wins. A device is never programmed further ahead than its
 * max_delta. Lock held.
 */
static int64_t programmed_since(struct cw_system *sys, struct cw_check *c, unsigned cpu,
				unsigned arm_cpu, int64_t arm_mono, int64_t due)
{
	struct cw_clock_event_device *devs[3] = {
		sys->cpus[cpu].td.evtdev,
		sys->tick.bc.evtdev,
		arm_cpu < sys->nr_cpus && arm_cpu != cpu ? sys->cpus[arm_cpu].td.evtdev : NULL,
	};
	int64_t since = arm_mono;

	for (unsigned i = 0; i < 3; i++) {
		struct ent *d = devs[i] ? lookup(c, devs[i], ENT_CE, false) : NULL;
		uint64_t max = devs[i] ? devs[i]->max_delta_ns : 0;
		int64_t floor = due - (int64_t)(max < (uint64_t)INT64_MAX / 4 ? max : 0);

		if (d && d->soft && d->prev_mono < since) {
			since = d->prev_mono > floor ? d->prev_mono : floor;
			since = since < arm_mono ? since : arm_mono;
		}
	}
	return since;
}

/* The rate error allowed for @cs (lock held). */
static uint32_t cs_rate_ppb(const struct cw_check *c, const struct cw_clocksource *cs)
{
	uint32_t ppb = CHECK_RATE_DEFAULT_PPB;

	for (unsigned i = 0; i < c->nr_cs_rate; i++) {
		if (c->cs_rate[i].cs == cs && c->cs_rate[i].ppb > ppb) {
			ppb = c->cs_rate[i].ppb;
		}
	}
	return ppb;
}

/*
 * The rate term of a bound: how much later than programmed an event
 * programmed @ahead ns before it may land in MONOTONIC, for a device that
 * may have been programmed at @since. MONOTONIC follows the current
 * clocksource, or the one before a switch after @since: the largest rate
 * error among them counts (cw_check_set_clocksource_rate_ppb(); at least
 * 2^-10). A switch is noticed lazily, at the next bound computed after it,
 * so it is dated late, which only makes more timers count the old rate.
 * Lock held.
 */
static uint64_t rate_term_ns(struct cw_system *sys, struct cw_check *c, int64_t since,
			     uint64_t ahead)
{
	const struct cw_clocksource *cs = CW_READ_ONCE(sys->pub.cs);
	uint32_t ppb;

	if (cs != c->cs_seen) {
		if (c->cs_seen) {
			unsigned i = c->cs_switch_next++ % CHECK_CS_SWITCHES;

			c->cs_switch[i].mono = c->last_read_mono;
			c->cs_switch[i].ppb = cs_rate_ppb(c, c->cs_seen);
		}
		c->cs_seen = cs;
	}
	ppb = cs_rate_ppb(c, cs);
	for (unsigned i = 0; i < CHECK_CS_SWITCHES; i++) {
		if (c->cs_switch[i].ppb > ppb && since <= c->cs_switch[i].mono) {
			ppb = c->cs_switch[i].ppb;
		}
	}
	if (ppb == CHECK_RATE_DEFAULT_PPB) {
		return ahead >> 10;
	}
	/* In µs first: ahead (at most a device's max_delta) times ppb fits. */
	return (ahead / 1000u + 1u) * ppb / 1000000u;
}

/*
 * How late the expiry of @e on @cpu may be. With @floor, a lower bound of
 * it in O(1) (see hr_resolution_ns()): an expiry within the floor is
 * within the bound, and only a later one needs the exact figure.
 */
static uint64_t hr_bound_ns(struct cw_system *sys, struct cw_check *c, const struct ent *e,
			    unsigned cpu, int64_t due, bool floor)
{
	int64_t since = programmed_since(sys, c, cpu, e->cpu, e->arm_mono, due);
	uint64_t ahead = due > since ? (uint64_t)due - (uint64_t)since : 0;
	uint64_t bound = hr_resolution_ns(sys, cpu, e->lowres, false, floor) + c->latency_ns +
			 rate_term_ns(sys, c, since, ahead);

	if (e->cpu != cpu && e->cpu < sys->nr_cpus) {
		/*
		 * Moved by hotplug (armed on a CPU that went down): it may have
		 * been past due already, its interrupt chain on the old CPU in
		 * flight (at most that CPU's resolution + latency, which the
		 * checker holds the old CPU to), when the new CPU took it over
		 * and started a chain of its own (IPI, idle exits, interrupt).
		 */
		bound += hr_resolution_ns(sys, e->cpu, e->lowres, true, floor) + c->latency_ns;
	}
	return bound;
}

/* MONOTONIC instant the hard expiry of @e was reached (lock held). */
static int64_t hr_due_mono(const struct cw_check *c, const struct ent *e, const int64_t offs[4])
{
	int64_t due;

	if (e->hard == CW_KTIME_MAX) {
		/* KTIME_MAX is "never": it does not pass even when a clock saturates there. */
		return CW_KTIME_MAX;
	}
	due = sat_add_s64(e->hard, offs[e->clk] == INT64_MIN ? INT64_MAX : -offs[e->clk]);

	if (due < e->arm_mono) {
		due = e->arm_mono;
	}
	if (e->clk != 0 && due < c->last_set_mono[e->clk]) {
		due = c->last_set_mono[e->clk];
	}
	return due;
}

void cw__check_hrtimer_expire_slow(struct cw_hrtimer *t, int64_t mono, int64_t offs)
{
	struct cw_system *sys = t->sys;
	struct cw_check *c = sys->check;
	unsigned cpu = t->base->cpu_base->cpu;
	int64_t all_offs[4] = { 0, 0, 0, 0 };
	struct ent *e;

	/* No clock read of its own: a counter read may draw random jitter. */
	e = lock_lookup(c, t, ENT_HRTIMER, false);
	c->stats.hrtimer_expiries++;
	if (!c->broken && (!e || !e->armed)) {
		violate(c,
			"hrtimer #%llu fired while not armed (twice, or after its cancel) on CPU%u "
			"at MONOTONIC %lld ns",
			e ? (unsigned long long)e->arm_seq : 0ull, cpu, (long long)mono);
	} else if (e) {
		int64_t basenow = sat_add_s64(mono, offs);

		/* The offset the core used is the one the expiry is judged in. */
		all_offs[e->clk] = offs;
		if (basenow < e->soft) {
			violate(c,
				"hrtimer #%llu (%s) fired early on CPU%u: clock %lld ns, soft expiry "
				"%lld ns (%lld ns early), armed at MONOTONIC %lld ns",
				(unsigned long long)e->arm_seq, base_names[e->clk], cpu,
				(long long)basenow, (long long)e->soft,
				(long long)(e->soft - basenow), (long long)e->arm_mono);
		} else {
			int64_t due = hr_due_mono(c, e, all_offs);

			if (mono > due) {
				uint64_t late = (uint64_t)mono - (uint64_t)due;
				uint64_t bound = hr_bound_ns(sys, c, e, cpu, due, true);

				if (late > c->stats.hrtimer_max_late_ns) {
					c->stats.hrtimer_max_late_ns = late;
				}
				if (late > bound) {
					bound = hr_bound_ns(sys, c, e, cpu, due, false);
				}
				if (late > bound) {
					violate(c,
						"hrtimer #%llu (%s) fired late on CPU%u: MONOTONIC %lld ns, due "
						"%lld ns (hard expiry %lld ns, armed at %lld ns, clock last "
						"set at %lld ns), %llu ns late, bound %llu ns (%s)",
						(unsigned long long)e->arm_seq, base_names[e->clk],
						cpu, (long long)mono, (long long)due,
						(long long)e->hard, (long long)e->arm_mono,
						(long long)(e->clk ? c->last_set_mono[e->clk] : 0),
						(unsigned long long)late, (unsigned long long)bound,
						cpu_state(sys, cpu));
				}
			}
		}
		e->armed = false;
		e->fire_mono = mono;
	}
	unlock_and_log(sys, c);
	if (c->observer) {
		observe_hrtimer(c, CW_CHECK_EV_HRTIMER_EXPIRE, t, mono);
	}
}

/* ---------------------------------------------------------------------- */
/* Wheel timers */

/* The expiry a timeout armed at @arm really gets (clamped beyond the wheel's range). */
static uint64_t wheel_effective(const struct cw_system *sys, uint64_t expires, uint64_t arm,
				bool *clamped)
{
	unsigned depth = cw__timer_levels(sys->hz);
	uint64_t cutoff = (uint64_t)63 << ((depth - 1u) * 3u);

	*clamped = false;
	if (expires > arm && expires - arm >= cutoff) {
		*clamped = true;
		return arm + cw__timer_max_timeout(sys->hz);
	}
	return expires;
}

/* Granularity of the level a timeout of @delta jiffies lands on. */
static uint64_t wheel_gran(const struct cw_system *sys, uint64_t delta)
{
	unsigned depth = cw__timer_levels(sys->hz), lvl;

	if (delta < 63) {
		return 1;
	}
	lvl = 1u + cw_ilog2_u64(delta / 63u) / 3u;
	if (lvl > depth - 1u) {
		lvl = depth - 1u;
	}
	return cw__timer_level_gran(lvl);
}

void cw__check_wheel_arm_slow(struct cw_timer *t, uint64_t now_jiffies)
{
	struct cw_check *c = t->sys->check;
	struct ent *e;

	e = lock_lookup(c, t, ENT_WHEEL, true);
	if (e) {
		e->soft = (int64_t)t->expires;
		e->hard = (int64_t)now_jiffies;
		e->deferrable = (t->flags & CW_TIMER_DEFERRABLE) != 0;
		e->pinned = (t->flags & CW_TIMER_PINNED) != 0;
		e->cpu = (uint16_t)cw__timer_base_cpu(t);
		e->fn = (uintptr_t)t->fn;
		e->armed = true;
		e->arm_seq = ++c->arm_seq;
		c->stats.wheel_arms++;
	}
	cw_spin_unlock(&c->lock);
	if (c->observer) {
		observe_wheel(c, CW_CHECK_EV_TIMER_START, t, now_jiffies);
	}
}

void cw__check_wheel_cancel_slow(struct cw_timer *t)
{
	struct cw_check *c = t->sys->check;

	note_cancel(c, t, ENT_WHEEL, &c->stats.wheel_cancels);
	if (c->observer) {
		observe_wheel(c, CW_CHECK_EV_TIMER_CANCEL, t, 0);
	}
}

void cw__check_wheel_expire_slow(struct cw_timer *t, uint64_t now_jiffies)
{
	struct cw_system *sys = t->sys;
	struct cw_check *c = sys->check;
	struct ent *e;

	e = lock_lookup(c, t, ENT_WHEEL, false);
	c->stats.wheel_expiries++;
	if (!c->broken && (!e || !e->armed)) {
		violate(c,
			"wheel timer #%llu fired while not armed (twice, or after its cancel) at "
			"jiffies %llu",
			e ? (unsigned long long)e->arm_seq : 0ull, (unsigned long long)now_jiffies);
	} else if (e) {
		uint64_t arm = (uint64_t)e->hard, exp = (uint64_t)e->soft;
		bool clamped;
		uint64_t eff = wheel_effective(sys, exp, arm, &clamped);
		uint64_t gran = wheel_gran(sys, eff > arm ? eff - arm : 0);
		/* A clamped timeout lands in the last level's bucket rounded up. */
		uint64_t earliest = clamped ? eff - gran + 1 : (exp < arm ? arm : exp + 1);
		uint64_t latest = (eff < arm ? arm : eff) + gran + 1 + latency_jiffies(sys, c);

		if (now_jiffies < earliest) {
			violate(c,
				"wheel timer #%llu fired early at jiffies %llu: expires %llu (armed at "
				"%llu%s), earliest %llu",
				(unsigned long long)e->arm_seq, (unsigned long long)now_jiffies,
				(unsigned long long)exp, (unsigned long long)arm,
				clamped ? ", clamped" : "", (unsigned long long)earliest);
		} else {
			uint64_t late = now_jiffies > exp ? now_jiffies - exp : 0;

			if (!clamped && late > c->stats.wheel_max_late_jiffies) {
				c->stats.wheel_max_late_jiffies = late;
			}
			if (!e->deferrable && now_jiffies > latest) {
				violate(c,
					"wheel timer #%llu fired late at jiffies %llu: expires %llu (armed "
					"at %llu%s), latest %llu (granularity %llu)",
					(unsigned long long)e->arm_seq,
					(unsigned long long)now_jiffies, (unsigned long long)exp,
					(unsigned long long)arm, clamped ? ", clamped" : "",
					(unsigned long long)latest, (unsigned long long)gran);
			}
		}
		e->armed = false;
	}
	unlock_and_log(sys, c);
	if (c->observer) {
		observe_wheel(c, CW_CHECK_EV_TIMER_EXPIRE, t, now_jiffies);
	}
}

/* ---------------------------------------------------------------------- */
/* Clocks */

static uint64_t set_seq_now(struct cw_system *sys)
{
	/* Written under tk_lock; the checker judges one driving thread (sim port). */
	return __atomic_load_n(&sys->tk.clock_was_set_seq, __ATOMIC_RELAXED);
}

int64_t cw__check_tk_read_slow(struct cw_system *sys, unsigned clk, bool coarse, int64_t mono,
			       int64_t value)
{
	struct cw_check *c = sys->check;
	struct clk_state *s;
	uint64_t seq = set_seq_now(sys);

	if (clk >= CW_CHECK_CLK_NR) {
		return value;
	}
	cw_spin_lock(&c->lock);
	if (c->fault == CW_CHECK_FAULT_MONO_BACK && clk == CW_CHECK_CLK_MONO && !coarse) {
		c->fault = CW_CHECK_FAULT_NONE;
		value -= CW_NSEC_PER_MSEC;
		mono -= CW_NSEC_PER_MSEC;
	}
	c->stats.clock_reads++;
	if (!coarse && clk != CW_CHECK_CLK_RAW && mono > c->last_read_mono) {
		c->last_read_mono = mono;
	}
	s = &c->clk[clk][coarse];
	if (s->seen && value < s->last) {
		bool settable = clk == CW_CHECK_CLK_REAL || clk == CW_CHECK_CLK_TAI;
		int64_t leap_mono = CW_READ_ONCE(sys->pub.leap_mono);
		int64_t leap_step = CW_READ_ONCE(sys->pub.leap_step_ns);
		/* A leap second applies at its instant, before the update that
		 * announces it: one step back of its size is explicit too. */
		bool leap = clk == CW_CHECK_CLK_REAL && leap_step < 0 && s->last_mono < leap_mono &&
			    mono >= leap_mono && s->last - value <= -leap_step;

		if (!settable || (seq == s->set_seq && !leap)) {
			violate(c, "%s%s stepped back by %lld ns (from %lld to %lld ns)%s",
				clk_names[clk], coarse ? "_COARSE" : "",
				(long long)(s->last - value), (long long)s->last, (long long)value,
				settable ? " without a set, step or leap" : "");
		}
	}
	s->seen = true;
	s->last = value;
	s->last_mono = mono;
	s->set_seq = seq;
	unlock_and_log(sys, c);
	return value;
}

static void check_clock_was_set(struct cw_clock_was_set_notifier *nb, unsigned bases)
{
	struct cw_check *c = cw_container_of(nb, struct cw_check, cws);
	/*
	 * When the set happened, without a counter read of our own (a read
	 * may draw random jitter and change the simulated run): the latest
	 * of the timekeeper's base (a set accumulates up to now first), the
	 * coarse clock and the last clock read anyone made. Never later than
	 * the set, so a timer it made due is never judged early.
	 */
	int64_t mono = CW_READ_ONCE(c->sys->pub.coarse_mono);
	int64_t base = CW_READ_ONCE(c->sys->pub.mono.base_ns);

	(void)bases;
	cw_spin_lock(&c->lock);
	mono = base > mono ? base : mono;
	mono = c->last_read_mono > mono ? c->last_read_mono : mono;
	for (unsigned i = 1; i < 4; i++) {
		c->last_set_mono[i] = mono;
	}
	c->stats.clock_sets++;
	cw_spin_unlock(&c->lock);
}

/* ---------------------------------------------------------------------- */
/* Clock event devices */

bool cw__check_ce_irq_slow(struct cw_clock_event_device *dev)
{
	struct cw_check *c = dev->sys->check;
	bool drop;

	cw_spin_lock(&c->lock);
	c->stats.ce_irqs++;
	drop = c->fault == CW_CHECK_FAULT_DROP_IRQS;
	if (!drop && !c->broken) {
		struct ent *e = lookup(c, dev, ENT_CE, true);

		if (e) {
			/* The interrupt being handled was programmed after the previous one. */
			e->prev_mono = e->soft ? e->arm_mono : INT64_MIN;
			e->soft++;
			/* No counter read here: the clock at the last accumulation. */
			e->arm_mono = CW_READ_ONCE(dev->sys->pub.coarse_mono);
		}
	}
	cw_spin_unlock(&c->lock);
	return drop;
}

/* ---------------------------------------------------------------------- */
/* Public calls */

void cw__check_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	struct cw_check *c;
	int mode = cfg->check;

	if (mode != CW_CHECK_ON && mode != CW_CHECK_ABORT) {
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		cw__log(sys, CW_LOG_WARNING, "check: out of memory; the checker is off");
		return;
	}
	c->abort_on_violation = mode == CW_CHECK_ABORT;
	for (unsigned i = 0; i < 4; i++) {
		c->last_set_mono[i] = INT64_MIN;
	}
	c->cws.fn = check_clock_was_set;
	c->sys = sys;
	sys->check = c;
	cw_timekeeping_notifier_register(sys, &c->cws);
}

void cw__check_fini(struct cw_system *sys)
{
	struct cw_check *c = sys->check;

	if (!c) {
		return;
	}
	cw_timekeeping_notifier_unregister(sys, &c->cws);
	sys->check = NULL;
	free(c->tab);
	free(c);
}

size_t cw_check_armed_timers(struct cw_system *sys, struct cw_check_timer *out, size_t max)
{
	static const int clock_ids[4] = { CW_CLOCK_MONOTONIC, CW_CLOCK_REALTIME, CW_CLOCK_BOOTTIME,
					  CW_CLOCK_TAI };
	struct cw_check *c = sys ? sys->check : NULL;
	size_t n = 0;

	if (!c) {
		return 0;
	}
	cw_spin_lock(&c->lock);
	for (size_t i = 0; i < c->cap; i++) {
		const struct ent *e = &c->tab[i];
		bool hr = e->kind == ENT_HRTIMER;

		if (!e->armed || (!hr && e->kind != ENT_WHEEL)) {
			continue;
		}
		if (n < max) {
			out[n] = (struct cw_check_timer){
				.timer = e->key,
				.hrtimer = hr,
				.cpu = (int)e->cpu,
				.clock_id = hr ? clock_ids[e->clk & 3u] : -1,
				.expires = hr ? e->hard : e->soft,
				.softexpires = hr ? e->soft : e->hard,
				.deferrable = !hr && e->deferrable,
				.pinned = !hr && e->pinned,
				.arm_seq = e->arm_seq,
				.function = e->fn,
				.armed_at = hr ? e->arm_mono : e->hard,
			};
		}
		n++;
	}
	cw_spin_unlock(&c->lock);
	return n;
}

int cw_check_set_observer(struct cw_system *sys, cw_check_observer_fn fn, void *arg)
{
	struct cw_check *c = sys ? sys->check : NULL;

	if (!c) {
		return CW_EPERM;
	}
	cw_spin_lock(&c->lock);
	c->observer = fn;
	c->observer_arg = arg;
	cw_spin_unlock(&c->lock);
	return 0;
}

bool cw_check_enabled(const struct cw_system *sys)
{
	return sys && sys->check;
}

int cw_check_status(struct cw_system *sys)
{
	struct cw_check *c = sys ? sys->check : NULL;
	int st;

	if (!c) {
		return 0;
	}
	cw_spin_lock(&c->lock);
	st = c->status;
	cw_spin_unlock(&c->lock);
	return st;
}

uint64_t cw_check_report(struct cw_system *sys, char *buf, size_t len)
{
	struct cw_check *c = sys ? sys->check : NULL;
	uint64_t n;

	if (buf && len) {
		buf[0] = '\0';
	}
	if (!c) {
		return 0;
	}
	cw_spin_lock(&c->lock);
	n = c->violations;
	if (buf && len) {
		snprintf(buf, len, "%s", n ? c->report : (c->broken ? "check: out of memory" : ""));
	}
	cw_spin_unlock(&c->lock);
	return n;
}

/* "online, idle, low res": what a report says about a CPU. */
static const char *cpu_state(struct cw_system *sys, unsigned cpu)
{
	static const char *const names[8] = {
		"offline, busy, low res",  "online, busy, low res",   "offline, idle, low res",
		"online, idle, low res",   "offline, busy, high res", "online, busy, high res",
		"offline, idle, high res", "online, idle, high res",
	};

	if (cpu >= sys->nr_cpus) {
		return "no such CPU";
	}
	return names[(cw_cpu_online(sys, cpu) ? 1u : 0u) | (sys->cpus[cpu].idle ? 2u : 0u) |
		     (CW_READ_ONCE(sys->hrtimer_bases[cpu].hres_active) ? 4u : 0u)];
}

static unsigned wheel_cpu(const void *key)
{
	return ((const struct cw_timer *)key)->flags & 0xffffu;
}

static unsigned wheel_flags(const void *key)
{
	return ((const struct cw_timer *)key)->flags & (CW_TIMER_PINNED | CW_TIMER_DEFERRABLE);
}

/*
 * A device in periodic mode interrupts every tick: between two verifies
 * more than a tick (plus the bound) apart, its interrupt count must move.
 * Lock held.
 */
static void verify_periodic(struct cw_check *c, struct cw_system *sys,
			    struct cw_clock_event_device *dev, int64_t mono, uint64_t bound)
{
	struct ent *e = c->broken ? NULL : lookup(c, dev, ENT_CE, true);

	if (!e) {
		return;
	}
	if (e->soft && mono > e->arm_mono &&
	    (uint64_t)(mono - e->arm_mono) > 2 * sys->tick_nsec + bound) {
		/* The coarse clock of the last interrupt lags it by up to a tick. */
		violate(c,
			"periodic clock event device %s has not interrupted since MONOTONIC %lld ns "
			"(now %lld ns, %llu interrupts so far, period %llu ns)",
			dev->name, (long long)e->arm_mono, (long long)mono,
			(unsigned long long)e->soft, (unsigned long long)sys->tick_nsec);
	} else if (!e->soft && e->fire_mono && mono > e->fire_mono &&
		   (uint64_t)(mono - e->fire_mono) > sys->tick_nsec + bound) {
		violate(c,
			"periodic clock event device %s never interrupted between MONOTONIC %lld and "
			"%lld ns (period %llu ns)",
			dev->name, (long long)e->fire_mono, (long long)mono,
			(unsigned long long)sys->tick_nsec);
	}
	e->fire_mono = mono;
	e->hard = e->soft;
}

int cw_check_verify(struct cw_system *sys)
{
	struct cw_check *c = sys ? sys->check : NULL;
	char tmigr_report[256];
	bool tmigr_bad;
	int64_t offs[4], mono;
	uint64_t jiffies;
	int st;

	if (!c) {
		return 0;
	}
	/*
	 * Timer migration's own checker first (it takes the hierarchy's and
	 * the wheel's locks, which come before ours): every group's state and
	 * first event recomputed from the CPUs, every idle CPU's first global
	 * timer covered. A verify runs between engine steps, where it holds.
	 */
	tmigr_bad = cw_tmigr_check(sys, tmigr_report, sizeof(tmigr_report)) == CW_EINVAL;
	mono = mono_now(sys, offs);
	jiffies = cw_jiffies_get(sys);
	cw_spin_lock(&c->lock);
	c->stats.verifies++;
	if (tmigr_bad) {
		violate(c, "timer migration: %s", tmigr_report);
	}
	for (size_t i = 0; i < c->cap && !c->broken; i++) {
		struct ent *e = &c->tab[i];

		if (e->kind == ENT_FREE || !e->armed) {
			continue;
		}
		c->stats.verified_items++;
		if (e->kind == ENT_HRTIMER) {
			const struct cw_hrtimer *t = e->key;
			int64_t due = hr_due_mono(c, e, offs);
			unsigned cpu = t->base->cpu_base->cpu;
			uint64_t bound = 0;

			/* The exact bound only for a timer past its floor (O(CPUs) each). */
			if (mono > due &&
			    (uint64_t)mono - (uint64_t)due >
				    (bound = hr_bound_ns(sys, c, e, cpu, due, true))) {
				bound = hr_bound_ns(sys, c, e, cpu, due, false);
			}
			if (mono > due && (uint64_t)mono - (uint64_t)due > bound) {
				violate(c,
					"hrtimer #%llu (%s) never fired: due at MONOTONIC %lld ns (hard "
					"expiry %lld ns), now %lld ns, bound %llu ns, queued on "
					"CPU%u (%s)",
					(unsigned long long)e->arm_seq, base_names[e->clk],
					(long long)due, (long long)e->hard, (long long)mono,
					(unsigned long long)bound, cpu, cpu_state(sys, cpu));
			}
		} else if (!e->deferrable) {
			uint64_t arm = (uint64_t)e->hard, exp = (uint64_t)e->soft;
			bool clamped;
			uint64_t eff = wheel_effective(sys, exp, arm, &clamped);
			uint64_t latest = (eff < arm ? arm : eff) +
					  wheel_gran(sys, eff > arm ? eff - arm : 0) + 1 +
					  latency_jiffies(sys, c);

			if (jiffies > latest) {
				violate(c,
					"wheel timer #%llu never fired: expires %llu (armed at %llu), "
					"latest %llu, now jiffies %llu, on CPU%u (%s), flags %#x",
					(unsigned long long)e->arm_seq, (unsigned long long)exp,
					(unsigned long long)arm, (unsigned long long)latest,
					(unsigned long long)jiffies, wheel_cpu(e->key),
					cpu_state(sys, wheel_cpu(e->key)), wheel_flags(e->key));
			}
		}
	}
	for (struct cw_clock_event_device *dev = sys->ce.devices; dev; dev = dev->next) {
		int64_t next = CW_READ_ONCE(dev->next_event_ns);
		uint64_t bound =
			c->latency_ns + sys->tick_nsec + dev->min_delta_ns + dev_cycle_ns(dev);

		enum cw_clockevent_state state = cw_clockevent_get_state(dev);

		if (dev->features & CW_CLOCKEVENT_FEAT_DUMMY) {
			continue;
		}
		if (state != CW_CLOCKEVENT_STATE_PERIODIC) {
			/* Not periodic now: forget the last look (see verify_periodic()). */
			struct ent *e = c->broken ? NULL : lookup(c, dev, ENT_CE, false);

			if (e) {
				e->fire_mono = 0;
			}
		}
		if ((state != CW_CLOCKEVENT_STATE_ONESHOT || next == CW_KTIME_MAX) &&
		    state != CW_CLOCKEVENT_STATE_PERIODIC) {
			continue;
		}
		c->stats.verified_items++;
		if (state == CW_CLOCKEVENT_STATE_PERIODIC) {
			verify_periodic(c, sys, dev, mono, bound);
			continue;
		}
		if (mono > next && (uint64_t)mono - (uint64_t)next > bound) {
			violate(c,
				"clock event device %s armed for MONOTONIC %lld ns never fired (now "
				"%lld ns, bound %llu ns)",
				dev->name, (long long)next, (long long)mono,
				(unsigned long long)bound);
		}
	}
	st = c->status;
	unlock_and_log(sys, c);
	return st;
}

int cw_check_get_stats(struct cw_system *sys, struct cw_check_stats *out)
{
	struct cw_check *c;

	if (!sys || !out) {
		return CW_EINVAL;
	}
	c = sys->check;
	memset(out, 0, sizeof(*out));
	if (!c) {
		return 0;
	}
	cw_spin_lock(&c->lock);
	*out = c->stats;
	cw_spin_unlock(&c->lock);
	return 0;
}

uint64_t cw_check_latency_ns(struct cw_system *sys)
{
	struct cw_check *c = sys ? sys->check : NULL;
	uint64_t ns = 0;

	if (c) {
		cw_spin_lock(&c->lock);
		ns = c->latency_ns;
		cw_spin_unlock(&c->lock);
	}
	return ns;
}

void cw_check_set_latency_ns(struct cw_system *sys, uint64_t latency_ns)
{
	struct cw_check *c = sys ? sys->check : NULL;

	if (c) {
		cw_spin_lock(&c->lock);
		c->latency_ns = latency_ns;
		cw_spin_unlock(&c->lock);
	}
}

int cw_check_set_clocksource_rate_ppb(struct cw_system *sys, const struct cw_clocksource *cs,
				      uint32_t ppb)
{
	struct cw_check *c = sys ? sys->check : NULL;
	int ret = CW_ENOMEM;

	if (!sys || !cs) {
		return CW_EINVAL;
	}
	if (!c) {
		return 0;
	}
	cw_spin_lock(&c->lock);
	for (unsigned i = 0; i < c->nr_cs_rate; i++) {
		if (c->cs_rate[i].cs == cs) {
			c->cs_rate[i].ppb = ppb;
			ret = 0;
			goto out;
		}
	}
	if (c->nr_cs_rate < CHECK_CS_RATES) {
		c->cs_rate[c->nr_cs_rate].cs = cs;
		c->cs_rate[c->nr_cs_rate++].ppb = ppb;
		ret = 0;
	}
out:
	cw_spin_unlock(&c->lock);
	return ret;
}

void cw_check_set_seed(struct cw_system *sys, uint64_t seed)
{
	struct cw_check *c = sys ? sys->check : NULL;

	if (c) {
		cw_spin_lock(&c->lock);
		c->seed = seed;
		cw_spin_unlock(&c->lock);
	}
}

int cw_check_inject_fault(struct cw_system *sys, int fault)
{
	struct cw_check *c = sys ? sys->check : NULL;

	if (fault < CW_CHECK_FAULT_NONE || fault > CW_CHECK_FAULT_MONO_BACK) {
		return CW_EINVAL;
	}
	if (!c) {
		return CW_EPERM;
	}
	cw_spin_lock(&c->lock);
	c->fault = fault;
	cw_spin_unlock(&c->lock);
	return 0;
}
