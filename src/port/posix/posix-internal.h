/* SPDX-License-Identifier: MIT */
/*
 * Private state of the posix port, shared by its files: the per-system port
 * context (the clocksources it owns, the housekeeping thread and its file
 * descriptors, TSC calibration results), host-clock helpers and the
 * prototypes of the port's non-static functions. Never installed.
 *
 * Lifetime rules: the context is allocated by cw_posix_system_create()
 * before the system exists and is freed by the release hook, which
 * cw_system_destroy() calls last. The clocksources live inside the context,
 * so they outlive their registration. The housekeeping thread is stopped and
 * joined before cw_system_destroy() runs.
 */
#ifndef CLOCKWORK_SRC_PORT_POSIX_POSIX_INTERNAL_H
#define CLOCKWORK_SRC_PORT_POSIX_POSIX_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "posix-internal.h is private to the clockwork library"
#endif

#include <clockwork/driver/clocksource.h>
#include <clockwork/port.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/** "CWPX": marks a struct cw_posix_ctx, so API calls can reject other systems. */
#define CW_POSIX_CTX_MAGIC 0x43575058u

/** Defaults of struct cw_posix_options. */
#define CW_POSIX_TSC_CALIBRATE_MS_DEFAULT     50u
#define CW_POSIX_TSC_CALIBRATE_ROUNDS_DEFAULT 5u
/** Upper bounds that keep a create call from blocking for minutes. */
#define CW_POSIX_TSC_CALIBRATE_MS_MAX     2000u
#define CW_POSIX_TSC_CALIBRATE_ROUNDS_MAX 31u

/** Result of a TSC calibration (see clocksource-tsc.c). */
struct cw_posix_tsc_cal {
	/** Median frequency of the rounds, Hz. */
	uint64_t hz;
	/** Rounds taken. */
	unsigned rounds;
	/** Length of one round, ns. */
	uint64_t round_ns;
	/** (max - min) / median of the rounds, ppb. */
	uint64_t spread_ppb;
	/** Widest bracketing uncertainty of a round, ppb. */
	uint64_t uncertainty_ppb;
};

/**
 * Per-system state of the posix port. Written by cw_posix_system_create()
 * before any thread shares it; afterwards only the atomics change.
 */
struct cw_posix_ctx {
	/** CW_POSIX_CTX_MAGIC while the context is alive. */
	uint32_t magic;
	/** The system this context belongs to (set after cw_system_create()). */
	struct cw_system *sys;
	/** Copy of the caller's CW_POSIX_* flags. */
	unsigned flags;
	/** The caller gave no REALTIME: follow the host's, re-read after boot. */
	bool realtime_from_host;
	/** Host CLOCK_MONOTONIC at creation: log stamps count from here. */
	uint64_t epoch_ns;

	/** Clocksource over clock_gettime(CLOCK_MONOTONIC_RAW). */
	struct cw_clocksource cs_raw;
	/** Clocksource over clock_gettime(CLOCK_MONOTONIC). */
	struct cw_clocksource cs_mono;
	/** The TSC clocksource (registered only if tsc_registered). */
	struct cw_clocksource cs_tsc;
	/** cs_tsc is registered with this system. */
	bool tsc_registered;
	/** How the TSC frequency was obtained. */
	enum cw_posix_tsc_method tsc_method;
	/** Calibration results (zero unless calibrated). */
	struct cw_posix_tsc_cal tsc_cal;
	/** Frequency the TSC was registered with, Hz. */
	uint64_t tsc_hz;

	/** Housekeeping thread; valid while hk_started. */
	pthread_t hk_thread;
	/** The housekeeping thread was created and not yet joined. */
	bool hk_started;
	/** Periodic timerfd at HZ on CLOCK_MONOTONIC, or -1. */
	int hk_timer_fd;
	/** eventfd written by destroy to stop the thread, or -1. */
	int hk_stop_fd;
	/** Statistics, written by the housekeeping thread, read by anyone. */
	_Atomic uint64_t stat_wakeups;
	/** Ticks passed to cw_timekeeping_do_timer(). */
	_Atomic uint64_t stat_ticks;
	/** Watchdog runs made by the thread. */
	_Atomic uint64_t stat_watchdog_runs;
	/** The thread is inside its loop. */
	_Atomic bool hk_running;
};

/** Read a host clock in ns (CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, ...). */
static inline uint64_t cw__posix_host_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)CW_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/** The posix context of @p sys, or NULL if @p sys is not a posix system. */
struct cw_posix_ctx *cw__posix_ctx(struct cw_system *sys);

/** Set the CPU index this_cpu() reports for the calling thread. */
void cw__posix_set_this_cpu(unsigned cpu);

/** Fill in and register the two clock_gettime clocksources. @return 0 or CW_E*. */
int cw__posix_gettime_register(struct cw_posix_ctx *ctx);

/**
 * Detect the TSC and find its frequency (given in @p opt, or calibrated),
 * filling ctx->tsc_method and ctx->tsc_hz. Runs before the system exists, so
 * the calibration's sleep does not stall a system ticking on jiffies. Leaves
 * tsc_method at CW_POSIX_TSC_NONE, returning 0, when the TSC is absent or
 * not invariant. @return 0; CW_EINVAL for out-of-range calibration options.
 */
int cw__posix_tsc_prepare(struct cw_posix_ctx *ctx, const struct cw_posix_options *opt);

/**
 * Register the TSC prepared by cw__posix_tsc_prepare() (nothing to do if
 * none was). @return 0 or the registration's CW_E* code.
 */
int cw__posix_tsc_register(struct cw_posix_ctx *ctx);

/** The invariant-TSC check behind cw_posix_tsc_usable(). */
bool cw__posix_tsc_invariant(void);

/** TSC frequency reported by CPUID (leaf 0x15, or hypervisor leaf 0x40000010), or 0. */
uint64_t cw__posix_tsc_cpuid_hz(void);

/**
 * Measure the TSC frequency against CLOCK_MONOTONIC_RAW: @p rounds rounds of
 * @p round_ms each, median taken. @return 0; CW_ENOSYS without a TSC.
 */
int cw__posix_tsc_calibrate(unsigned rounds, unsigned round_ms, struct cw_posix_tsc_cal *out);

/** Create the timerfd and eventfd and start the housekeeping thread. @return 0 or CW_EIO. */
int cw__posix_housekeeping_start(struct cw_posix_ctx *ctx);

/** Stop and join the housekeeping thread, close its descriptors. Idempotent. */
void cw__posix_housekeeping_stop(struct cw_posix_ctx *ctx);

/**
 * Create a thread with every signal blocked (the library's threads never
 * take process-directed signals). @return 0 or CW_EIO.
 */
int cw__posix_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg, const char *name);

#endif /* CLOCKWORK_SRC_PORT_POSIX_POSIX_INTERNAL_H */
