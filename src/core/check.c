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
 *     Resolution: one tick in low resolution; in high resolution the CPU's
 *     tick device min_delta_ns plus one device cycle (rounding of ns to
 *     cycles), raised to the largest min_delta_ns of any device (the
 *     broadcast device may be the one waking the CPU).
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

#include "hrtimer-internal.h"
#include "timer-internal.h"

#include <clockwork/timekeeping.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ent_kind {
	ENT_FREE = 0,
	ENT_HRTIMER = 1,
	ENT_WHEEL = 2,
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
	/** hrtimer: soft and hard expiry in its clock. Wheel: expiry and arming jiffies. */
	int64_t soft, hard;
	/** MONOTONIC when armed (hrtimer), or when it last fired. */
	int64_t arm_mono;
	int64_t fire_mono;
	/** Sequence number of the arming (reports). */
	uint64_t arm_seq;
};

struct clk_state {
	bool seen;
	int64_t last;
	int64_t last_mono;
	uint64_t set_seq;
};

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
	/** Non-zero: a violation's log line is waiting to be written after unlock. */
	bool log_pending;
};

static const char *const clk_names[CW_CHECK_CLK_NR] = {
	"MONOTONIC", "REALTIME", "BOOTTIME", "TAI", "MONOTONIC_RAW",
};

static const char *const base_names[4] = { "MONOTONIC", "REALTIME", "BOOTTIME", "TAI" };

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

/* Resolution an hrtimer on @cpu can be late by, ns (see the file comment). */
static uint64_t hr_resolution_ns(struct cw_system *sys, unsigned cpu)
{
	struct cw_clock_event_device *dev;
	uint64_t res = 0;

	if (!CW_READ_ONCE(sys->hrtimer_bases[cpu].hres_active)) {
		/* Low resolution: timers run from the next tick. */
		return sys->tick_nsec;
	}
	for (dev = sys->tick.devices; dev; dev = dev->next) {
		uint64_t r = CW_READ_ONCE(dev->min_delta_ns) + 2u * dev_cycle_ns(dev);

		if (r > res) {
			res = r;
		}
	}
	return res ? res : sys->tick_nsec;
}

static uint64_t latency_jiffies(const struct cw_system *sys, const struct cw_check *c)
{
	return (c->latency_ns + sys->tick_nsec - 1) / sys->tick_nsec;
}

/* ---------------------------------------------------------------------- */
/* hrtimers */

void cw__check_hrtimer_arm_slow(struct cw_hrtimer *t, int64_t mono, int64_t offs)
{
	struct cw_system *sys = t->sys;
	struct cw_check *c = sys->check;
	struct ent *e;

	cw_spin_lock(&c->lock);
	e = c->broken ? NULL : lookup(c, t, ENT_HRTIMER, true);
	if (e) {
		if (c->fault == CW_CHECK_FAULT_HRTIMER_EARLY && mono + offs < t->softexpires) {
			/* Planted: the core now believes the timer is due at once. */
			c->fault = CW_CHECK_FAULT_NONE;
			e->soft = t->softexpires;
			t->softexpires = mono + offs;
		} else {
			e->soft = t->softexpires;
		}
		e->hard = t->node.expires;
		e->clk = (uint8_t)(t->base->index & 3u);
		e->armed = true;
		e->arm_mono = mono;
		e->arm_seq = ++c->arm_seq;
		c->stats.hrtimer_arms++;
		(void)offs;
	}
	cw_spin_unlock(&c->lock);
}

void cw__check_hrtimer_rearm_slow(struct cw_hrtimer *t)
{
	struct cw_check *c = t->sys->check;
	struct ent *e;

	cw_spin_lock(&c->lock);
	e = c->broken ? NULL : lookup(c, t, ENT_HRTIMER, true);
	if (e) {
		e->soft = t->softexpires;
		e->hard = t->node.expires;
		e->clk = (uint8_t)(t->base->index & 3u);
		e->armed = true;
		/* Requeued right after its expiry: armed when it last fired. */
		e->arm_mono = e->fire_mono;
		e->arm_seq = ++c->arm_seq;
		c->stats.hrtimer_arms++;
	}
	cw_spin_unlock(&c->lock);
}

void cw__check_hrtimer_cancel_slow(struct cw_hrtimer *t)
{
	struct cw_check *c = t->sys->check;
	struct ent *e;

	cw_spin_lock(&c->lock);
	e = c->broken ? NULL : lookup(c, t, ENT_HRTIMER, false);
	if (e) {
		e->armed = false;
		c->stats.hrtimer_cancels++;
	}
	cw_spin_unlock(&c->lock);
}

/* MONOTONIC instant the hard expiry of @e was reached (lock held). */
static int64_t hr_due_mono(const struct cw_check *c, const struct ent *e, const int64_t offs[4])
{
	int64_t due = e->hard - offs[e->clk];

	if (offs[e->clk] < 0 && e->hard > INT64_MAX + offs[e->clk]) {
		due = INT64_MAX;
	}
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
	cw_spin_lock(&c->lock);
	e = c->broken ? NULL : lookup(c, t, ENT_HRTIMER, false);
	c->stats.hrtimer_expiries++;
	if (!c->broken && (!e || !e->armed)) {
		violate(c,
			"hrtimer %p fired while not armed (twice, or after its cancel) on CPU%u at "
			"MONOTONIC %lld ns",
			(void *)t, cpu, (long long)mono);
	} else if (e) {
		int64_t basenow = mono + offs;

		/* The offset the core used is the one the expiry is judged in. */
		all_offs[e->clk] = offs;
		if (basenow < e->soft) {
			violate(c,
				"hrtimer %p (%s) fired early on CPU%u: clock %lld ns, soft expiry %lld "
				"ns (%lld ns early), armed at MONOTONIC %lld ns",
				(void *)t, base_names[e->clk], cpu, (long long)basenow,
				(long long)e->soft, (long long)(e->soft - basenow),
				(long long)e->arm_mono);
		} else {
			int64_t due = hr_due_mono(c, e, all_offs);
			uint64_t bound = hr_resolution_ns(sys, cpu) + c->latency_ns;

			if (mono > due) {
				uint64_t late = (uint64_t)mono - (uint64_t)due;

				if (late > c->stats.hrtimer_max_late_ns) {
					c->stats.hrtimer_max_late_ns = late;
				}
				if (late > bound) {
					violate(c,
						"hrtimer %p (%s) fired late on CPU%u: MONOTONIC %lld ns, due "
						"%lld ns (hard expiry %lld ns), %llu ns late, bound %llu "
						"ns",
						(void *)t, base_names[e->clk], cpu, (long long)mono,
						(long long)due, (long long)e->hard,
						(unsigned long long)late,
						(unsigned long long)bound);
				}
			}
		}
		e->armed = false;
		e->fire_mono = mono;
	}
	unlock_and_log(sys, c);
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

	cw_spin_lock(&c->lock);
	e = c->broken ? NULL : lookup(c, t, ENT_WHEEL, true);
	if (e) {
		e->soft = (int64_t)t->expires;
		e->hard = (int64_t)now_jiffies;
		e->deferrable = (t->flags & CW_TIMER_DEFERRABLE) != 0;
		e->armed = true;
		e->arm_seq = ++c->arm_seq;
		c->stats.wheel_arms++;
	}
	cw_spin_unlock(&c->lock);
}

void cw__check_wheel_cancel_slow(struct cw_timer *t)
{
	struct cw_check *c = t->sys->check;
	struct ent *e;

	cw_spin_lock(&c->lock);
	e = c->broken ? NULL : lookup(c, t, ENT_WHEEL, false);
	if (e) {
		e->armed = false;
		c->stats.wheel_cancels++;
	}
	cw_spin_unlock(&c->lock);
}

void cw__check_wheel_expire_slow(struct cw_timer *t, uint64_t now_jiffies)
{
	struct cw_system *sys = t->sys;
	struct cw_check *c = sys->check;
	struct ent *e;

	cw_spin_lock(&c->lock);
	e = c->broken ? NULL : lookup(c, t, ENT_WHEEL, false);
	c->stats.wheel_expiries++;
	if (!c->broken && (!e || !e->armed)) {
		violate(c,
			"wheel timer %p fired while not armed (twice, or after its cancel) at "
			"jiffies %llu",
			(void *)t, (unsigned long long)now_jiffies);
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
				"wheel timer %p fired early at jiffies %llu: expires %llu (armed at "
				"%llu%s), earliest %llu",
				(void *)t, (unsigned long long)now_jiffies, (unsigned long long)exp,
				(unsigned long long)arm, clamped ? ", clamped" : "",
				(unsigned long long)earliest);
		} else {
			uint64_t late = now_jiffies > exp ? now_jiffies - exp : 0;

			if (!clamped && late > c->stats.wheel_max_late_jiffies) {
				c->stats.wheel_max_late_jiffies = late;
			}
			if (!e->deferrable && now_jiffies > latest) {
				violate(c,
					"wheel timer %p fired late at jiffies %llu: expires %llu (armed "
					"at %llu%s), latest %llu (granularity %llu)",
					(void *)t, (unsigned long long)now_jiffies,
					(unsigned long long)exp, (unsigned long long)arm,
					clamped ? ", clamped" : "", (unsigned long long)latest,
					(unsigned long long)gran);
			}
		}
		e->armed = false;
	}
	unlock_and_log(sys, c);
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
	/* The clock at the accumulation the set just made: no counter read
	 * (a read may draw random jitter and change the simulated run). */
	int64_t mono = CW_READ_ONCE(c->sys->pub.coarse_mono);

	(void)bases;
	cw_spin_lock(&c->lock);
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

int cw_check_verify(struct cw_system *sys)
{
	struct cw_check *c = sys ? sys->check : NULL;
	int64_t offs[4], mono;
	uint64_t jiffies;
	int st;

	if (!c) {
		return 0;
	}
	mono = mono_now(sys, offs);
	jiffies = cw_jiffies_get(sys);
	cw_spin_lock(&c->lock);
	c->stats.verifies++;
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
			uint64_t bound = hr_resolution_ns(sys, cpu) + c->latency_ns;

			if (mono > due && (uint64_t)mono - (uint64_t)due > bound) {
				violate(c,
					"hrtimer %p (%s) never fired: due at MONOTONIC %lld ns (hard "
					"expiry %lld ns), now %lld ns, bound %llu ns, queued on "
					"CPU%u",
					e->key, base_names[e->clk], (long long)due,
					(long long)e->hard, (long long)mono,
					(unsigned long long)bound, cpu);
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
					"wheel timer %p never fired: expires %llu (armed at %llu), "
					"latest %llu, now jiffies %llu",
					e->key, (unsigned long long)exp, (unsigned long long)arm,
					(unsigned long long)latest, (unsigned long long)jiffies);
			}
		}
	}
	for (struct cw_clock_event_device *dev = sys->tick.devices; dev; dev = dev->next) {
		int64_t next = CW_READ_ONCE(dev->next_event_ns);
		uint64_t bound =
			c->latency_ns + sys->tick_nsec + dev->min_delta_ns + dev_cycle_ns(dev);

		if (cw_clockevent_get_state(dev) != CW_CLOCKEVENT_STATE_ONESHOT ||
		    next == CW_KTIME_MAX) {
			continue;
		}
		c->stats.verified_items++;
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

void cw_check_set_latency_ns(struct cw_system *sys, uint64_t latency_ns)
{
	struct cw_check *c = sys ? sys->check : NULL;

	if (c) {
		cw_spin_lock(&c->lock);
		c->latency_ns = latency_ns;
		cw_spin_unlock(&c->lock);
	}
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
