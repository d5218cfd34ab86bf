/* SPDX-License-Identifier: MIT */
/*
 * Timekeeper state types (timekeeping.c), embedded in struct cw_system as
 * sys->tk and sys->pub. Types only, no calls (timekeeping-internal.h has
 * those). Two layers, as in Linux's tk_core/shadow_timekeeper:
 *
 *  - struct cw_timekeeper: the writer's private state (accumulation, NTP
 *    steering, offsets), touched only under tk_lock.
 *  - struct cw_tk_pub: what readers see, published from the timekeeper in a
 *    short sequence-counter write section and read without locks.
 *
 * Representation: each clock keeps, at the accumulation point cycle_last,
 * an integer ns value (base_ns) and a sub-ns fraction in units of 2^-shift
 * ns (frac). A reader computes base_ns + ((delta * mult + frac) >> shift).
 * Keeping whole ns out of the shifted accumulator lets shift be as large as
 * 35 (mult near 2^32 for every frequency) without overflowing 64 bits.
 */
#ifndef CLOCKWORK_SRC_CORE_TIMEKEEPING_TYPES_H
#define CLOCKWORK_SRC_CORE_TIMEKEEPING_TYPES_H

#include "compiler.h"
#include "lock.h"

#include <clockwork/driver/clocksource.h>

/** One fine clock's reader parameters (MONOTONIC or RAW). */
struct cw_tk_clock {
	/** Multiplier in use (NTP-adjusted for MONOTONIC, nominal for RAW). */
	uint32_t mult;
	/** Sub-ns part at cycle_last, units of 2^-shift ns. */
	uint64_t frac;
	/** Whole ns at cycle_last. */
	int64_t base_ns;
};

/** Published reader state. Written only inside the seqcount write section. */
struct cw_tk_pub {
	struct cw_seqcount seq;
	/** Current clocksource and its read function. */
	struct cw_clocksource *cs;
	cw_clocksource_read_fn read;
	/** Counter mask; 0 while suspended (every delta reads as 0). */
	uint64_t mask;
	uint64_t cycle_last;
	uint64_t max_raw_delta;
	/** Deltas up to this multiply in 64 bits; larger ones in 128. */
	uint64_t max_cycles;
	uint32_t shift;
	struct cw_tk_clock mono;
	struct cw_tk_clock raw;
	/** REALTIME - MONOTONIC, ns (before a pending leap). */
	int64_t offs_real;
	/** BOOTTIME - MONOTONIC, ns. */
	int64_t offs_boot;
	/** TAI - MONOTONIC, ns. */
	int64_t offs_tai;
	/** MONOTONIC instant of a pending leap step, or CW_KTIME_MAX. */
	int64_t leap_mono;
	/** REALTIME step at leap_mono: -1e9 (insert) or +1e9 (delete). */
	int64_t leap_step_ns;
	/** MONOTONIC and RAW at the last update (coarse clocks). */
	int64_t coarse_mono;
	int64_t coarse_raw;
};

/** Writer-side timekeeper. Protected by tk_lock. */
struct cw_timekeeper {
	struct cw_clocksource *cs;
	uint64_t cycle_last;
	uint32_t shift;
	struct cw_tk_clock mono;
	struct cw_tk_clock raw;
	int64_t offs_real;
	int64_t offs_boot;
	/** REALTIME second last handed to NTP's second_overflow. */
	int64_t xtime_sec;
	/** Counter cycles per tick interval (1/HZ). */
	uint64_t cycle_interval;
	/** cycle_interval * mono.mult, units of 2^-shift ns. */
	uint64_t xtime_interval;
	/** cycle_interval * nominal mult: the interval's length at the nominal rate. */
	uint64_t raw_interval;
	/** What NTP wants one interval to last, units of 2^-shift ns. */
	uint64_t ideal_interval;
	/** ideal_interval the current mult was derived from. */
	uint64_t ideal_used;
	/** Accumulated (ideal - actual), units of 2^-shift ns. */
	int64_t ntp_error;
	/** +1 dither currently added to mult. */
	uint32_t err_mult;
	/** Suspended: readers frozen. */
	bool suspended;
	/** Suspend measurement: nonstop clocksource and its start value. */
	struct cw_clocksource *suspend_cs;
	uint64_t suspend_start;
	/** Sum of injected sleep, ns. */
	uint64_t slept_ns;
	/** Statistics: accumulation steps. */
	uint64_t steps;
	/** Bumped on every discontinuous change. */
	uint64_t clock_was_set_seq;
	/** CW_CLOCK_SET_* bits waiting for the notifiers (run after unlock). */
	unsigned cws_pending;
	/** MONOTONIC and RAW at the last update, for the coarse clocks. */
	int64_t coarse_mono;
	int64_t coarse_raw;
};

#endif /* CLOCKWORK_SRC_CORE_TIMEKEEPING_TYPES_H */
