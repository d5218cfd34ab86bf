/* SPDX-License-Identifier: MIT */
/*
 * The posix port: a clockwork system that keeps time from this machine's real
 * clocks. cw_posix_system_create() creates a system with the posix platform
 * hooks, registers the host clocksources ("tsc" on x86-64 when invariant,
 * "clock_gettime_raw", "clock_gettime_mono"; the core adds "jiffies"), boots
 * it and starts a housekeeping thread that stands in for the tick: it calls
 * cw_timekeeping_do_timer() at HZ and runs the clocksource watchdog.
 * cw_posix_system_destroy() stops that thread and destroys the system.
 *
 * Threads started by the library block every signal, so a process-directed
 * signal is never delivered on them. See docs/posix-port.md.
 */
#ifndef CLOCKWORK_INCLUDE_PORT_POSIX_H
#define CLOCKWORK_INCLUDE_PORT_POSIX_H

#include <clockwork/clocksource.h>
#include <clockwork/system.h>
#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Clocksource names registered by the posix port
 * @{ */
/** The x86-64 time stamp counter (invariant TSC only), rating 300, must verify. */
#define CW_POSIX_CS_TSC        "tsc"
/** clock_gettime(CLOCK_MONOTONIC_RAW) as a 1 GHz counter, rating 250, trusted. */
#define CW_POSIX_CS_GETTIME_RAW  "clock_gettime_raw"
/** clock_gettime(CLOCK_MONOTONIC) as a 1 GHz counter, rating 200, trusted. */
#define CW_POSIX_CS_GETTIME_MONO "clock_gettime_mono"
/** @} */

/** @name Ratings of the posix clocksources
 * @{ */
#define CW_POSIX_RATING_TSC          300
#define CW_POSIX_RATING_GETTIME_RAW  250
#define CW_POSIX_RATING_GETTIME_MONO 200
/** @} */

/** @name cw_posix_options.flags
 * @{ */
/** Do not register the TSC even when it is invariant. */
#define CW_POSIX_NO_TSC          0x1u
/** Echo every log line to stderr as it is written. */
#define CW_POSIX_LOG_ECHO        0x2u
/**
 * Do not start the housekeeping thread: the caller drives
 * cw_timekeeping_do_timer() and cw_clocksource_watchdog_run() itself.
 */
#define CW_POSIX_NO_HOUSEKEEPING 0x4u
/**
 * Read the TSC with lfence;rdtsc instead of a plain rdtsc. A plain rdtsc may
 * execute before earlier loads complete, so a thread that reads a time
 * published by another thread and then reads the clock can get a value a
 * few tens of ns smaller (timekeeping itself stays monotonic thanks to the
 * negative-motion clamp). The ordered read closes that window for about
 * 7 ns more per read. See docs/posix-port.md, "Reading the TSC".
 */
#define CW_POSIX_TSC_ORDERED     0x8u
/** @} */

/**
 * Options of the posix port. Zero-initialise and set what you need; every
 * zero field takes the documented default. The caller owns the struct; it is
 * read only during cw_posix_system_create().
 */
struct cw_posix_options {
	/** CW_POSIX_* flags. Default 0: TSC if invariant, no echo, housekeeping on. */
	unsigned flags;
	/**
	 * TSC frequency in Hz to use instead of calibrating (for example a value
	 * a previous system measured). 0: calibrate against CLOCK_MONOTONIC_RAW.
	 */
	uint64_t tsc_hz;
	/** Length of one calibration round in ms. 0 means 50. */
	unsigned tsc_calibrate_ms;
	/** Number of calibration rounds; the median is used. 0 means 5. */
	unsigned tsc_calibrate_rounds;
	/**
	 * Watchdog tunables applied before boot, so the boot-time pass and the
	 * housekeeping thread use them from the start. NULL: the core's defaults.
	 */
	const struct cw_clocksource_watchdog_params *watchdog;
};

/**
 * Create, populate and boot a system running on this machine's clocks.
 *
 * The configuration is copied; its port and port_ctx fields are ignored (the
 * posix port supplies its own). The host clocksources are registered, the
 * system is booted (the best clocksource is selected) and, unless
 * CW_POSIX_NO_HOUSEKEEPING is set, the housekeeping thread starts.
 * Calibrating the TSC takes tsc_calibrate_rounds * tsc_calibrate_ms
 * (250 ms by default) unless @p opt gives tsc_hz.
 *
 * @param cfg  System configuration (nr_cpus, hz, realtime_init_ns, ...);
 *             NULL for defaults. REALTIME starts at cfg->realtime_init_ns,
 *             or at the host's CLOCK_REALTIME when that field is 0.
 * @param opt  Port options; NULL for defaults.
 * @param out  Receives the system.
 * Context: thread context; allocates, may block for the calibration.
 * @return 0; CW_EINVAL (bad @p cfg field, @p out NULL); CW_ENOMEM;
 *         CW_EIO (a host call failed: timerfd, eventfd, thread creation).
 */
CW_API int cw_posix_system_create(const struct cw_system_config *cfg,
				  const struct cw_posix_options *opt, struct cw_system **out);

/**
 * Stop the housekeeping thread, wait for it, and destroy the system.
 * Use this, not cw_system_destroy(), for systems made by
 * cw_posix_system_create().
 * @param sys  The system, or NULL.
 * Context: thread context; no other thread may use @p sys any more. Waits
 *          for the housekeeping thread to finish its current step.
 */
CW_API void cw_posix_system_destroy(struct cw_system *sys);

/** How the posix port found the TSC frequency. */
enum cw_posix_tsc_method {
	/** The TSC is not registered (absent, not invariant, or disabled). */
	CW_POSIX_TSC_NONE = 0,
	/** Calibrated against CLOCK_MONOTONIC_RAW. */
	CW_POSIX_TSC_CALIBRATED = 1,
	/** Given by the caller in cw_posix_options.tsc_hz. */
	CW_POSIX_TSC_GIVEN = 2,
};

/** What the posix port knows about the TSC of a system. */
struct cw_posix_tsc_info {
	/** The CPU has a TSC that the port can read (x86-64 build). */
	bool present;
	/** CPUID 0x80000007 EDX bit 8: the TSC ticks at a constant rate in all states. */
	bool invariant;
	/** The "tsc" clocksource is registered in this system. */
	bool registered;
	/** How @ref hz was obtained. */
	enum cw_posix_tsc_method method;
	/** Frequency used for registration, Hz (0 if not registered). */
	uint64_t hz;
	/**
	 * Frequency the CPU or hypervisor reports through CPUID (leaf 0x15 or
	 * 0x40000010), Hz; 0 when none reports it. Informational only.
	 */
	uint64_t cpuid_hz;
	/** Number of calibration rounds taken (0 unless calibrated). */
	unsigned rounds;
	/** Length of each round, ns. */
	uint64_t round_ns;
	/** Spread of the rounds' results, (max - min) / median, in parts per billion. */
	uint64_t spread_ppb;
	/**
	 * Worst bracketing uncertainty of one round in ppb: the widest
	 * CLOCK_MONOTONIC_RAW read pair around a TSC sample, relative to the
	 * round length.
	 */
	uint64_t uncertainty_ppb;
};

/**
 * Describe the TSC of a posix system.
 * @param sys  A system made by cw_posix_system_create().
 * @param out  Receives the description.
 * Context: any thread.
 * @return 0; CW_EINVAL if @p sys is not a posix system.
 */
CW_API int cw_posix_tsc_info(struct cw_system *sys, struct cw_posix_tsc_info *out);

/** Counters of the housekeeping thread (monotonically increasing). */
struct cw_posix_stats {
	/** Timer wakeups of the housekeeping thread. */
	uint64_t wakeups;
	/** Ticks passed to cw_timekeeping_do_timer() (wakeups plus missed expirations). */
	uint64_t ticks;
	/** Calls of cw_clocksource_watchdog_run() made by the thread. */
	uint64_t watchdog_runs;
	/** The thread is running. */
	bool running;
};

/**
 * Read the housekeeping thread's counters.
 * @param sys  A system made by cw_posix_system_create().
 * @param out  Receives the counters.
 * Context: any thread; lockless (each counter is read atomically).
 * @return 0; CW_EINVAL if @p sys is not a posix system.
 */
CW_API int cw_posix_stats(struct cw_system *sys, struct cw_posix_stats *out);

/**
 * Whether this CPU has an invariant TSC that the posix port can use
 * (x86-64, CPUID 0x80000007 EDX bit 8).
 * Context: any.
 */
CW_API bool cw_posix_tsc_usable(void);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_PORT_POSIX_H */
