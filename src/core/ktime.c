// SPDX-License-Identifier: MIT
/*
 * The lockless readers of time: every clock id from the timekeeper's
 * published copy (struct cw_tk_pub) under its sequence counter, the
 * offsets for the hrtimer bases, the NO_HZ deferment limit, and jiffies
 * (cw_jiffies_get()). How the copy is written and why a reader never sees
 * time go backwards: timekeeping.c.
 *
 * These are leaves of the core's dependency graph: they read the system
 * object and call the clocksource's read hook, nothing else, so the timer
 * wheel can read jiffies and the time while the clocksource code (its
 * watchdog is a wheel timer) and the timekeeper sit above the wheel
 * (docs/ARCHITECTURE.md, "Components and seams").
 */
#include <clockwork/timekeeping.h>

#include "system-internal.h"
#include "check-internal.h"
#include "timekeeping-internal.h"

/* ------------------------------------------------------------------------
 * Readers
 */

enum tk_offset {
	TK_OFFS_NONE,
	TK_OFFS_REAL,
	TK_OFFS_BOOT,
	TK_OFFS_TAI,
};

/* The clock's value now, from the published copy. Inside a read section. */
static inline __attribute__((always_inline)) int64_t pub_now(struct cw_tk_pub *p,
							     struct cw_tk_clock *c)
{
	struct cw_clocksource *cs = CW_READ_ONCE(p->cs);
	cw_clocksource_read_fn read = CW_READ_ONCE(p->read);
	/* The counter first, the rest after: nothing is held across the call. */
	uint64_t cycles = read(cs);
	uint64_t d = cw__tk_counter_delta(cycles, CW_READ_ONCE(p->cycle_last),
					  CW_READ_ONCE(p->mask), CW_READ_ONCE(p->max_raw_delta));
	uint32_t shift = CW_READ_ONCE(p->shift);
	uint64_t mult = CW_READ_ONCE(c->mult), frac = CW_READ_ONCE(c->frac);

	if (cw_likely(d <= CW_READ_ONCE(p->max_cycles))) {
		return CW_READ_ONCE(c->base_ns) + (int64_t)((d * mult + frac) >> shift);
	}
	return CW_READ_ONCE(c->base_ns) + (int64_t)cw_mul_add_shr(d, mult, frac, shift);
}

static inline __attribute__((always_inline)) int64_t pub_offset(struct cw_tk_pub *p,
								enum tk_offset o, int64_t mono)
{
	switch (o) {
	case TK_OFFS_REAL:
		/* Applies a pending leap exactly at its instant, before the
		 * next update folds it into offs_real. */
		return cw__tk_sat_add(
			CW_READ_ONCE(p->offs_real),
			mono >= CW_READ_ONCE(p->leap_mono) ? CW_READ_ONCE(p->leap_step_ns) : 0);
	case TK_OFFS_BOOT:
		return CW_READ_ONCE(p->offs_boot);
	case TK_OFFS_TAI:
		return CW_READ_ONCE(p->offs_tai);
	case TK_OFFS_NONE:
	default:
		return 0;
	}
}

static inline __attribute__((always_inline)) cw_ktime_t tk_get(struct cw_system *sys,
							       enum tk_offset o, bool coarse)
{
	struct cw_tk_pub *p = &sys->pub;
	int64_t mono, off;
	unsigned seq;

	do {
		seq = cw_read_seqbegin(&p->seq);
		/* No field address hoisted out of the loop and kept on the
		 * stack across the counter's call (25 instructions a read). */
		CW_OPTIMIZER_HIDE_VAR(p);
		mono = coarse ? CW_READ_ONCE(p->coarse_mono) : pub_now(p, &p->mono);
		off = pub_offset(p, o, mono);
	} while (cw_unlikely(cw_read_seqretry(&p->seq, seq)));
	return cw__check_tk_read(sys, (unsigned)o, coarse, mono, cw__tk_sat_add(mono, off));
}

static cw_ktime_t tk_get_raw(struct cw_system *sys, bool coarse)
{
	struct cw_tk_pub *p = &sys->pub;
	unsigned seq;
	int64_t raw;

	do {
		seq = cw_read_seqbegin(&p->seq);
		raw = coarse ? CW_READ_ONCE(p->coarse_raw) : pub_now(p, &p->raw);
	} while (cw_unlikely(cw_read_seqretry(&p->seq, seq)));
	return cw__check_tk_read(sys, CW_CHECK_CLK_RAW, coarse, raw, raw);
}

cw_ktime_t cw__ktime_get_with_offsets(struct cw_system *sys, int64_t *offs_real, int64_t *offs_boot,
				      int64_t *offs_tai)
{
	struct cw_tk_pub *p = &sys->pub;
	int64_t mono;
	unsigned seq;

	do {
		seq = cw_read_seqbegin(&p->seq);
		CW_OPTIMIZER_HIDE_VAR(p); /* as in tk_get() */
		mono = pub_now(p, &p->mono);
		*offs_real = pub_offset(p, TK_OFFS_REAL, mono);
		*offs_boot = pub_offset(p, TK_OFFS_BOOT, mono);
		*offs_tai = pub_offset(p, TK_OFFS_TAI, mono);
	} while (cw_unlikely(cw_read_seqretry(&p->seq, seq)));
	return mono;
}

cw_ktime_t cw_ktime_get(struct cw_system *sys)
{
	return tk_get(sys, TK_OFFS_NONE, false);
}

cw_ktime_t cw_ktime_get_raw(struct cw_system *sys)
{
	return tk_get_raw(sys, false);
}

cw_ktime_t cw_ktime_get_real(struct cw_system *sys)
{
	return tk_get(sys, TK_OFFS_REAL, false);
}

cw_ktime_t cw_ktime_get_boottime(struct cw_system *sys)
{
	return tk_get(sys, TK_OFFS_BOOT, false);
}

cw_ktime_t cw_ktime_get_clocktai(struct cw_system *sys)
{
	return tk_get(sys, TK_OFFS_TAI, false);
}

cw_ktime_t cw_ktime_get_coarse(struct cw_system *sys)
{
	return tk_get(sys, TK_OFFS_NONE, true);
}

int cw_clock_get_ns(struct cw_system *sys, int id, cw_ktime_t *out)
{
	switch (id) {
	case CW_CLOCK_REALTIME:
		*out = tk_get(sys, TK_OFFS_REAL, false);
		return 0;
	case CW_CLOCK_MONOTONIC:
		*out = tk_get(sys, TK_OFFS_NONE, false);
		return 0;
	case CW_CLOCK_MONOTONIC_RAW:
		*out = tk_get_raw(sys, false);
		return 0;
	case CW_CLOCK_REALTIME_COARSE:
		*out = tk_get(sys, TK_OFFS_REAL, true);
		return 0;
	case CW_CLOCK_MONOTONIC_COARSE:
		*out = tk_get(sys, TK_OFFS_NONE, true);
		return 0;
	case CW_CLOCK_BOOTTIME:
		*out = tk_get(sys, TK_OFFS_BOOT, false);
		return 0;
	case CW_CLOCK_TAI:
		*out = tk_get(sys, TK_OFFS_TAI, false);
		return 0;
	case CW_CLOCK_MONOTONIC_RAW_COARSE:
		*out = tk_get_raw(sys, true);
		return 0;
	case CW_CLOCK_BOOTTIME_COARSE:
		*out = tk_get(sys, TK_OFFS_BOOT, true);
		return 0;
	case CW_CLOCK_TAI_COARSE:
		*out = tk_get(sys, TK_OFFS_TAI, true);
		return 0;
	default:
		return CW_EINVAL;
	}
}

const char *cw_clock_name(int id)
{
	switch (id) {
	case CW_CLOCK_REALTIME:
		return "REALTIME";
	case CW_CLOCK_MONOTONIC:
		return "MONOTONIC";
	case CW_CLOCK_MONOTONIC_RAW:
		return "MONOTONIC_RAW";
	case CW_CLOCK_REALTIME_COARSE:
		return "REALTIME_COARSE";
	case CW_CLOCK_MONOTONIC_COARSE:
		return "MONOTONIC_COARSE";
	case CW_CLOCK_BOOTTIME:
		return "BOOTTIME";
	case CW_CLOCK_TAI:
		return "TAI";
	case CW_CLOCK_MONOTONIC_RAW_COARSE:
		return "MONOTONIC_RAW_COARSE";
	case CW_CLOCK_BOOTTIME_COARSE:
		return "BOOTTIME_COARSE";
	case CW_CLOCK_TAI_COARSE:
		return "TAI_COARSE";
	default:
		return NULL;
	}
}

int cw_clock_getres_ns(struct cw_system *sys, int id, cw_ktime_t *out)
{
	if (!cw_clock_name(id)) {
		return CW_EINVAL;
	}
	switch (id) {
	case CW_CLOCK_REALTIME_COARSE:
	case CW_CLOCK_MONOTONIC_COARSE:
	case CW_CLOCK_MONOTONIC_RAW_COARSE:
	case CW_CLOCK_BOOTTIME_COARSE:
	case CW_CLOCK_TAI_COARSE:
		*out = (cw_ktime_t)sys->tick_nsec;
		break;
	default:
		*out = 1;
		break;
	}
	return 0;
}

uint64_t cw_timekeeping_max_deferment(struct cw_system *sys)
{
	struct cw_tk_pub *p = &sys->pub;
	uint64_t ns;
	unsigned seq;

	do {
		seq = cw_read_seqbegin(&p->seq);
		ns = CW_READ_ONCE(CW_READ_ONCE(p->cs)->max_idle_ns);
	} while (cw_read_seqretry(&p->seq, seq));
	return ns;
}

/* ------------------------------------------------------------------------
 * Jiffies
 */

/*
 * Make @j, counted past a stale jiffies64, the system's jiffies_seen, so
 * the wheel's arm path, which reads no clock, places a timer armed at
 * cw_jiffies_get() + timeout against this value (cw__jiffies_seen()).
 * Only forward: a compare-exchange, and only when @j is newer, so at most
 * once a jiffy per thread that catches up; while jiffies64 is current
 * nothing is written. Relaxed: the calling thread's own later load sees
 * its own store (coherence); another thread sees it once it learned @j
 * through some synchronisation.
 */
static void jiffies_seen_publish(struct cw_system *s, uint64_t j)
{
	uint64_t seen = atomic_load_explicit(&s->jiffies_seen, memory_order_relaxed);

	while (seen - j > (uint64_t)INT64_MAX /* cw_time_before64(seen, j) */ &&
	       !atomic_compare_exchange_weak_explicit(&s->jiffies_seen, &seen, j,
						      memory_order_relaxed, memory_order_relaxed)) {
	}
}

uint64_t cw_jiffies_get(const struct cw_system *sys)
{
	struct cw_system *s = (struct cw_system *)sys;
	int64_t next;
	cw_ktime_t now;
	unsigned seq;
	uint64_t j;

	do {
		seq = cw_read_seqbegin(&s->tick.jiffies_seq);
		j = atomic_load_explicit(&s->jiffies64, memory_order_relaxed);
		next = atomic_load_explicit(&s->tick.next_period_ns, memory_order_relaxed);
	} while (cw_read_seqretry(&s->tick.jiffies_seq, seq));
	if (next == 0) {
		/* No tick layer runs the jiffy grid (legacy port-driven do_timer): the counter. */
		return j;
	}
	/*
	 * NO_HZ: with every CPU idle nobody advances jiffies64, but callers
	 * (a wheel timer armed from a thread that is not a CPU) need the
	 * current value: count the boundaries already passed on the grid.
	 */
	now = tk_get(s, TK_OFFS_NONE, false); /* cw_ktime_get(), inline */
	if (now >= next) {
		uint64_t past = (uint64_t)(now - next);

		/* Less than a jiffy past the boundary (the tick is due, or just
		 * idle): no 64-bit division. */
		j += 1 + (cw_likely(past < s->tick_nsec) ? 0 : past / s->tick_nsec);
		jiffies_seen_publish(s, j);
	}
	return j;
}
