/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of timekeeping (timekeeping.c), clocksources
 * (clocksource.c) and the jiffies clocksource (jiffies.c): the second of
 * the two tangles the core keeps on purpose (Linux has the same one): the
 * clocksource code changes the timekeeper's clocksource, the timekeeper
 * reads the clocksource list's current entry. The state types are in
 * timekeeping-types.h (embedded in struct cw_system); the clocksource list
 * fields live in struct cw_system itself, under cs_lock.
 */
#ifndef CLOCKWORK_SRC_CORE_TIMEKEEPING_INTERNAL_H
#define CLOCKWORK_SRC_CORE_TIMEKEEPING_INTERNAL_H

#include "compiler.h"
#include "timekeeping-types.h"

#include <clockwork/driver/clocksource.h>

struct cw_system;

/* ---- arithmetic shared by the writer (timekeeping.c) and the readers (ktime.c) */

/** Counter cycles from @p last to @p now under @p mask (see the comment inside). */
static inline uint64_t cw__tk_counter_delta(uint64_t now, uint64_t last, uint64_t mask,
					    uint64_t max_raw_delta)
{
	uint64_t d = (now - last) & mask;

	/* A huge delta is the counter stepping backwards: read it as 0. */
	return d > max_raw_delta ? 0 : d;
}

/**
 * a + b saturated to the int64 range. Clocks near KTIME_MAX (a REALTIME
 * started or set there, TAI 37 s beyond it) stop at KTIME_MAX instead of
 * wrapping negative.
 */
static inline int64_t cw__tk_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (cw_unlikely(__builtin_add_overflow(a, b, &r))) {
		return b > 0 ? INT64_MAX : INT64_MIN;
	}
	return r;
}

/* ---- timekeeping.c (writer) and ktime.c (readers) ---------------------- */

/**
 * MONOTONIC now and, from the same read section, the offsets of REALTIME
 * (with a pending leap applied at its instant), BOOTTIME and TAI to it.
 * Lockless, like the other readers.
 */
cw_ktime_t cw__ktime_get_with_offsets(struct cw_system *sys, int64_t *offs_real, int64_t *offs_boot,
				      int64_t *offs_tai);

/**
 * Set up the timekeeper on @cs (the jiffies clocksource at creation), with
 * REALTIME at @realtime_ns and MONOTONIC, RAW and BOOTTIME at @monotonic_ns.
 */
void cw__timekeeping_init(struct cw_system *sys, struct cw_clocksource *cs, int64_t realtime_ns,
			  int64_t monotonic_ns, int32_t tai_offset_s);

/**
 * Make @cs the timekeeping clocksource with no jump in any clock.
 * Context: cs_lock held (takes tk_lock).
 * @return 0, or the enable() hook's error (nothing changed).
 */
int cw__timekeeping_change_clocksource(struct cw_system *sys, struct cw_clocksource *cs);

/** Current timekeeping clocksource. Context: cs_lock or tk_lock held. */
struct cw_clocksource *cw__timekeeping_clocksource(struct cw_system *sys);

/** Run pending clock-was-set notifiers. Context: no core lock held. */
void cw__timekeeping_run_notifiers(struct cw_system *sys);

/* ---- clocksource.c and jiffies.c --------------------------------------- */

/** Register the jiffies clocksource and make it current (creation). */
void cw__jiffies_init(struct cw_system *sys);

/** Set up clocksource defaults (watchdog tunables). */
void cw__clocksource_init(struct cw_system *sys);

/** Boot-time selection (clocksource_done_booting). Context: no lock held. */
void cw__clocksource_done_booting(struct cw_system *sys);

/** Forget all clocksources (system teardown). */
void cw__clocksource_teardown(struct cw_system *sys);

#endif /* CLOCKWORK_SRC_CORE_TIMEKEEPING_INTERNAL_H */
