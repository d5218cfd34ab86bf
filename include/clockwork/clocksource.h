/* SPDX-License-Identifier: MIT */
/*
 * Clocksources, the user's view: list what a system has, see which one keeps
 * time, override the choice at run time (the kernel's current_clocksource
 * file), and tune the watchdog that cross-checks unverified counters.
 * Drivers use clockwork/driver/clocksource.h.
 */
#ifndef CLOCKWORK_INCLUDE_CLOCKSOURCE_H
#define CLOCKWORK_INCLUDE_CLOCKSOURCE_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;

/** @name Rating bands (higher is better)
 * 1-99 unfit for real use (jiffies is 1); 100-199 works but not desired;
 * 200-299 good; 300-399 desired; 400-499 perfect, must use if present.
 * @{ */
#define CW_CLOCKSOURCE_RATING_JIFFIES 1
#define CW_CLOCKSOURCE_RATING_BASIC   100
#define CW_CLOCKSOURCE_RATING_GOOD    200
#define CW_CLOCKSOURCE_RATING_DESIRED 300
#define CW_CLOCKSOURCE_RATING_PERFECT 400
/** @} */

/** @name Clocksource flags
 * @{ */
/** Counts continuously (required before it can be valid for high resolution). */
#define CW_CLOCKSOURCE_IS_CONTINUOUS   0x01u
/** Must be cross-checked by the watchdog before it is trusted for high resolution. */
#define CW_CLOCKSOURCE_MUST_VERIFY     0x02u
/** Core: the watchdog has taken a baseline for it. */
#define CW_CLOCKSOURCE_WATCHDOG        0x10u
/** Good enough for high-resolution timers and NO_HZ. */
#define CW_CLOCKSOURCE_VALID_FOR_HRES  0x20u
/** Core: declared unstable (rating dropped to 0). */
#define CW_CLOCKSOURCE_UNSTABLE        0x40u
/** Keeps counting during suspend, so it can measure suspend time. */
#define CW_CLOCKSOURCE_SUSPEND_NONSTOP 0x80u
/** Core: passed the watchdog while not current; selection re-runs. */
#define CW_CLOCKSOURCE_RESELECT        0x100u
/** @} */

/** Longest clocksource name, including the terminating NUL. */
#define CW_CLOCKSOURCE_NAME_MAX 32

/** A snapshot of one registered clocksource (cw_clocksource_list()). */
struct cw_clocksource_info {
	/** Name. */
	char name[CW_CLOCKSOURCE_NAME_MAX];
	/** Current rating (0 once unstable). */
	int rating;
	/** CW_CLOCKSOURCE_* flags. */
	unsigned flags;
	/** Frequency in Hz (0 when registered by mult/shift). */
	uint64_t freq_hz;
	/** Counter mask (2^bits - 1). */
	uint64_t mask;
	/** cycles -> ns multiplier. */
	uint32_t mult;
	/** cycles -> ns shift. */
	uint32_t shift;
	/** Largest delta converted with a 64-bit product. */
	uint64_t max_cycles;
	/** Longest time without a timekeeping update (the NO_HZ cap). */
	uint64_t max_idle_ns;
	/** Watchdog tolerance in ns. */
	uint32_t uncertainty_margin_ns;
	/** This clocksource keeps time now. */
	bool current;
	/** This clocksource is the watchdog's reference. */
	bool is_watchdog;
};

/**
 * List the registered clocksources, best rating first.
 * @param sys    The system.
 * @param out    Array to fill; may be NULL when @p max is 0.
 * @param max    Capacity of @p out.
 * @param count  Receives the total number registered (may exceed @p max).
 * Context: thread context; takes the clocksource lock.
 * @return 0.
 */
CW_API int cw_clocksource_list(struct cw_system *sys, struct cw_clocksource_info *out,
			       size_t max, size_t *count);

/**
 * Name of the clocksource that keeps time now.
 * @return 0; CW_ERANGE if @p len is too small (the name is truncated).
 */
CW_API int cw_clocksource_current(struct cw_system *sys, char *buf, size_t len);

/**
 * Prefer a clocksource by name at run time (writing current_clocksource).
 * The switch happens at once if the clocksource is usable; clock ids do not
 * jump. An empty string or NULL clears the override.
 * @return 0; CW_ENOENT (no such name: override not stored); CW_EINVAL
 *         (unstable, or not valid for high resolution while oneshot mode is
 *         active: override not stored).
 */
CW_API int cw_clocksource_override(struct cw_system *sys, const char *name);

/**
 * Watchdog tunables. Zero fields take the defaults given here (the kernel's
 * values); see docs/clocksources.md.
 */
struct cw_clocksource_watchdog_params {
	/** Time between checks. Default 500 ms. */
	uint64_t interval_ns;
	/** A check whose watchdog interval exceeds this is skipped (ran late). Default 1 s. */
	uint64_t interval_max_ns;
	/** Max skew per interval; default margins are 2x this. Default 62.5 us (rounded to 62 us as Linux). */
	uint64_t max_skew_ns;
	/** Watchdog-clocksource-watchdog read delay above this: retry. 0 = sum of the two margins. */
	uint64_t read_delay_max_ns;
	/** Back-to-back watchdog reads slower than this: system too busy, skip. 0 = watchdog margin. */
	uint64_t busy_delay_max_ns;
	/** Pause after a too-busy skip. Default 300 s. */
	uint64_t busy_pause_ns;
	/** Read retries before "unstable". 0 = ilog2(nr_cpus) / 2 + 1. */
	unsigned max_retries;
};

/** Read the watchdog tunables in effect (defaults resolved). */
CW_API void cw_clocksource_watchdog_get_params(struct cw_system *sys,
					       struct cw_clocksource_watchdog_params *out);

/**
 * Set the watchdog tunables (zero fields: defaults). Margins of already
 * registered clocksources that used the default are recomputed.
 * @return 0; CW_EINVAL if interval_max_ns < interval_ns.
 */
CW_API int cw_clocksource_watchdog_set_params(struct cw_system *sys,
					      const struct cw_clocksource_watchdog_params *p);

/**
 * Run one watchdog check now. A test hook: the core runs the watchdog by
 * itself, from a timer of the clocksource framework started at boot on
 * every port (a wheel timer every interval_ns, moving from CPU to CPU, while
 * a MUST_VERIFY clocksource and a reference exist); no port schedules it.
 * A machine without any clock event device has no tick and so no watchdog
 * unless a test calls this.
 * @param sys  The system.
 * Context: thread context, no core lock held.
 * @return Nanoseconds until the next check should run (interval_ns, or the
 *         busy pause after a skip).
 */
CW_API uint64_t cw_clocksource_watchdog_run(struct cw_system *sys);

/**
 * Number of runs of the core's watchdog timer so far (calls of
 * cw_clocksource_watchdog_run() are not counted).
 * @param sys  The system.
 * Context: any thread, no core lock held (takes the clocksource lock).
 * @return The count.
 */
CW_API uint64_t cw_clocksource_watchdog_runs(struct cw_system *sys);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_CLOCKSOURCE_H */
