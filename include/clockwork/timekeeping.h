/* SPDX-License-Identifier: MIT */
/*
 * Timekeeping: the clock ids a system keeps from its current clocksource,
 * lockless readers, setting and steering REALTIME (an adjtimex-like NTP
 * interface with leap seconds), suspend/resume, and the calls a port makes
 * to advance time.
 *
 * Readers never take a lock and never see a clock go backwards, also while
 * another thread updates (see docs/timekeeping.md, "Readers").
 */
#ifndef CLOCKWORK_INCLUDE_TIMEKEEPING_H
#define CLOCKWORK_INCLUDE_TIMEKEEPING_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;

/**
 * Clock ids. The Linux values where Linux has the clock; the coarse
 * variants Linux lacks get clockwork's own ids from 32 up.
 */
enum cw_clockid {
	/** Wall clock, UTC, settable, NTP-steered; repeats/skips at leap seconds. */
	CW_CLOCK_REALTIME = 0,
	/** Since boot, NTP-steered, excludes suspend. */
	CW_CLOCK_MONOTONIC = 1,
	/** Since boot, the counter's nominal rate, no NTP. */
	CW_CLOCK_MONOTONIC_RAW = 4,
	/** REALTIME at the last update (no counter read). */
	CW_CLOCK_REALTIME_COARSE = 5,
	/** MONOTONIC at the last update (no counter read). */
	CW_CLOCK_MONOTONIC_COARSE = 6,
	/** MONOTONIC plus time spent suspended. */
	CW_CLOCK_BOOTTIME = 7,
	/** International Atomic Time: REALTIME + TAI offset, no leap steps. */
	CW_CLOCK_TAI = 11,
	/** MONOTONIC_RAW at the last update. */
	CW_CLOCK_MONOTONIC_RAW_COARSE = 32,
	/** BOOTTIME at the last update. */
	CW_CLOCK_BOOTTIME_COARSE = 33,
	/** TAI at the last update. */
	CW_CLOCK_TAI_COARSE = 34,
};

/** @name Lockless readers. Context: any thread, any context; never block.
 * @{ */
/** MONOTONIC in ns. */
CW_API cw_ktime_t cw_ktime_get(struct cw_system *sys);
/** MONOTONIC_RAW in ns. */
CW_API cw_ktime_t cw_ktime_get_raw(struct cw_system *sys);
/** REALTIME in ns since the epoch; saturates at CW_KTIME_MAX, never wraps negative. */
CW_API cw_ktime_t cw_ktime_get_real(struct cw_system *sys);
/** BOOTTIME in ns. */
CW_API cw_ktime_t cw_ktime_get_boottime(struct cw_system *sys);
/** TAI in ns since the epoch; saturates at CW_KTIME_MAX. */
CW_API cw_ktime_t cw_ktime_get_clocktai(struct cw_system *sys);
/** MONOTONIC_COARSE in ns (last update; no counter read). */
CW_API cw_ktime_t cw_ktime_get_coarse(struct cw_system *sys);
/**
 * Read any clock id.
 * @param sys  The system.
 * @param id   A enum cw_clockid value.
 * @param out  Receives the time in ns.
 * @return 0; CW_EINVAL for an unknown id.
 */
CW_API int cw_clock_get_ns(struct cw_system *sys, int id, cw_ktime_t *out);
/**
 * Resolution of a clock id in ns: 1 for the fine clocks, one tick for the
 * coarse ones.
 * @return 0; CW_EINVAL for an unknown id.
 */
CW_API int cw_clock_getres_ns(struct cw_system *sys, int id, cw_ktime_t *out);
/** Name of a clock id ("MONOTONIC"), or NULL if unknown. */
CW_API const char *cw_clock_name(int id);
/** @} */

/**
 * Set REALTIME (clock_settime). MONOTONIC does not move; BOOTTIME neither;
 * TAI moves with REALTIME. Clock-was-set notifiers run afterwards.
 * @param sys      The system.
 * @param real_ns  New REALTIME, ns since the epoch (>= 0).
 * Context: thread context.
 * @return 0; CW_EINVAL for a negative time.
 */
CW_API int cw_timekeeping_settime(struct cw_system *sys, int64_t real_ns);

/**
 * Set REALTIME from seconds and nanoseconds (clock_settime with a
 * timespec), refusing what does not fit a cw_ktime_t: times at or beyond
 * 2^63 ns (about the year 2262) are not representable, so they are an
 * error rather than a wrap to 0 or a negative time. Otherwise as
 * cw_timekeeping_settime().
 *
 * Linux refuses a little earlier: settimeofday keeps 30 years of uptime
 * below KTIME_MAX (TIME_SETTOD_SEC_MAX); clockwork accepts up to the last
 * representable ns, after which REALTIME saturates at CW_KTIME_MAX.
 *
 * @param sys   The system.
 * @param sec   Seconds since the epoch (>= 0).
 * @param nsec  Nanoseconds, 0 <= @p nsec < 1e9.
 * Context: thread context.
 * @return 0; CW_EINVAL for a negative @p sec, @p nsec out of range, or
 *         @p sec * 1e9 + @p nsec >= 2^63.
 */
CW_API int cw_timekeeping_settime_ts(struct cw_system *sys, int64_t sec, long nsec);

/** @name Clock-was-set notification
 * @{ */
/** Bases affected by a discontinuous change (bitmask passed to notifiers). */
#define CW_CLOCK_SET_WALL 0x1u
#define CW_CLOCK_SET_BOOT 0x2u

/**
 * A caller-owned notifier, called after REALTIME/TAI (WALL) or BOOTTIME
 * (BOOT) stepped: settime, NTP offset step, leap second, TAI change, resume.
 * Called without core locks held, from the thread that made the change
 * (for a leap second: the updating thread).
 */
struct cw_clock_was_set_notifier {
	/** Callback; @p bases is a CW_CLOCK_SET_* mask. Set by the caller. */
	void (*fn)(struct cw_clock_was_set_notifier *nb, unsigned bases);
	/* private: */
	/** Next notifier (core). */
	struct cw_clock_was_set_notifier *next;
};

/** Add a notifier. Context: thread context. */
CW_API void cw_timekeeping_notifier_register(struct cw_system *sys,
					     struct cw_clock_was_set_notifier *nb);
/** Remove a notifier. @return 0, or CW_ENOENT if not registered. */
CW_API int cw_timekeeping_notifier_unregister(struct cw_system *sys,
					      struct cw_clock_was_set_notifier *nb);
/** Number of clock-was-set events so far (the kernel's clock_was_set_seq). */
CW_API uint64_t cw_timekeeping_clock_was_set_seq(struct cw_system *sys);
/** @} */

/** @name NTP interface in the spirit of adjtimex(2)
 * @{ */
/** cw_timex.modes bits (Linux ADJ_* values). */
#define CW_ADJ_OFFSET            0x0001u
#define CW_ADJ_FREQUENCY         0x0002u
#define CW_ADJ_MAXERROR          0x0004u
#define CW_ADJ_ESTERROR          0x0008u
#define CW_ADJ_STATUS            0x0010u
#define CW_ADJ_TIMECONST         0x0020u
#define CW_ADJ_TAI               0x0080u
#define CW_ADJ_SETOFFSET         0x0100u
#define CW_ADJ_NANO              0x2000u
/** adjtime(3) style: slew @p offset (us) at 500 us/s, independent of the PLL. */
#define CW_ADJ_OFFSET_SINGLESHOT 0x8001u

/** cw_timex.status bits (Linux STA_* values). */
#define CW_STA_PLL    0x0001u
#define CW_STA_INS    0x0010u
#define CW_STA_DEL    0x0020u
#define CW_STA_UNSYNC 0x0040u
#define CW_STA_NANO   0x2000u

/** Return values of cw_adjtimex(): the leap state (Linux TIME_* values). */
enum cw_time_state {
	CW_TIME_OK = 0,
	CW_TIME_INS = 1,
	CW_TIME_DEL = 2,
	CW_TIME_OOP = 3,
	CW_TIME_WAIT = 4,
	CW_TIME_ERROR = 5,
};

/** Largest frequency adjustment: 500 ppm, in scaled ppm (ppm << 16). */
#define CW_NTP_MAXFREQ_SCALED      (500LL << 16)
/** Largest adjtime slew rate in ns per second (500 us/s). */
#define CW_NTP_MAX_SLEW_NS_PER_SEC 500000LL

/**
 * adjtimex-like control block. Fields are read when their mode bit is set
 * and all are written back on return.
 */
struct cw_timex {
	/** CW_ADJ_* bits selecting what to change. */
	unsigned modes;
	/** Offset: us, or ns with ADJ_NANO/STA_NANO; for SETOFFSET see time_sec and time_frac.
	 * Returned: remaining PLL offset. */
	int64_t offset;
	/** Frequency offset in scaled ppm (ppm * 65536), clamped to +-500 ppm. */
	int64_t freq;
	/** Maximum error, us. */
	int64_t maxerror;
	/** Estimated error, us. */
	int64_t esterror;
	/** CW_STA_* status bits. */
	unsigned status;
	/** PLL time constant, 0..10. */
	int64_t constant;
	/** Step for ADJ_SETOFFSET: seconds part. */
	int64_t time_sec;
	/** Step for ADJ_SETOFFSET: us (or ns with ADJ_NANO), 0 <= value < 1 s. */
	int64_t time_frac;
	/** TAI - UTC in seconds (set with ADJ_TAI). */
	int32_t tai;
	/** Returned: clock resolution in ns (1). */
	int64_t precision;
	/** Returned: remaining adjtime slew (ADJ_OFFSET_SINGLESHOT) in us. */
	int64_t adjtime_remaining_us;
};

/**
 * Read and steer the clock (adjtimex(2)).
 * @param sys  The system.
 * @param tx   Request; updated with the current state.
 * Context: thread context.
 * @return The leap state (CW_TIME_*) >= 0, or CW_EINVAL for a bad field
 *         (time_frac out of range, constant out of 0..10, unknown modes) or
 *         an ADJ_SETOFFSET step that would put REALTIME before the epoch
 *         or at or beyond 2^63 ns, or whose offset does not fit 64 bits
 *         (nothing is changed then).
 */
CW_API int cw_adjtimex(struct cw_system *sys, struct cw_timex *tx);
/** @} */

/** @name Suspend and resume
 * @{ */
/**
 * Suspend timekeeping: forward to now and freeze. Readers keep returning
 * the frozen time until resume. Clocksource suspend hooks run.
 * @return 0; CW_EBUSY if already suspended.
 */
CW_API int cw_timekeeping_suspend(struct cw_system *sys);
/**
 * Resume timekeeping. The time asleep comes from a SUSPEND_NONSTOP
 * clocksource if one is registered, else from @p sleep_ns (what an RTC says;
 * pass 0 if unknown). It is added to REALTIME, TAI and BOOTTIME; MONOTONIC
 * does not jump. Clock-was-set notifiers run (WALL | BOOT).
 * @return 0; CW_EPERM if not suspended.
 */
CW_API int cw_timekeeping_resume(struct cw_system *sys, uint64_t sleep_ns);
/**
 * Add @p sleep_ns to REALTIME, TAI and BOOTTIME after a resume whose sleep
 * was not measured (the RTC driver's timekeeping_inject_sleeptime).
 * @return 0; CW_EPERM while suspended.
 */
CW_API int cw_timekeeping_inject_sleeptime(struct cw_system *sys, uint64_t sleep_ns);
/** Time spent suspended so far (BOOTTIME - MONOTONIC), ns. */
CW_API uint64_t cw_timekeeping_suspended_total_ns(struct cw_system *sys);
/** @} */

/** @name For ports and the tick layer
 * @{ */
/**
 * Accumulate the time elapsed on the current clocksource (update_wall_time).
 * Cost is O(log n) in the elapsed ticks.
 */
CW_API void cw_timekeeping_update(struct cw_system *sys);
/**
 * Longest time the CPU holding the do_timer duty may sleep without an
 * update: the current clocksource's max_idle_ns.
 */
CW_API uint64_t cw_timekeeping_max_deferment(struct cw_system *sys);
/** Number of accumulation steps taken by updates so far (statistics). */
CW_API uint64_t cw_timekeeping_accumulation_steps(struct cw_system *sys);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_TIMEKEEPING_H */
