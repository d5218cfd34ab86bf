/* SPDX-License-Identifier: MIT */
/*
 * Shared state of the POSIX API layer (src/posixapi): the implicit system,
 * the clock id and error tables, the waiter interface that hides how a
 * caller blocks on each port, and the timer table's fork hooks.
 *
 * Locking rules:
 *   pa_sys_lock (posixapi.c) -> pa_timers_lock (timers.c) -> timer->lock.
 *   timer->lock is also taken by the hrtimer callback on a CPU thread, so
 *   nobody holds it across cw_hrtimer_cancel(). The dispatcher lock of
 *   SIGEV_THREAD is innermost.
 */
#ifndef CLOCKWORK_SRC_POSIXAPI_POSIXAPI_INTERNAL_H
#define CLOCKWORK_SRC_POSIXAPI_POSIXAPI_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "posixapi-internal.h is private to the clockwork library"
#endif

#include <clockwork/hrtimer.h>
#include <clockwork/posix.h>
#include <clockwork/types.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/**
 * On every function between a sleep's entry point and its ppoll(): a
 * cancelled sleeper unwinds through these frames (glibc's cancellation
 * runs from a signal handler), skipping their epilogues. Under
 * AddressSanitizer an instrumented frame would leave its redzones
 * poisoned, and ASan's own no-return hook (its sigaltstack() check) then
 * trips over them on the reused stack. So these frames have none.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CW_PA_CANCEL_PATH __attribute__((no_sanitize_address))
#else
#define CW_PA_CANCEL_PATH
#endif

/** What the layer does with one Linux clock id. */
struct cw_pa_clock {
	/** Known clockwork clock. */
	bool valid;
	/** Can be slept on and used for timers (else ENOTSUP). */
	bool can_sleep;
	/** clock_settime accepts it. */
	bool settable;
	/** clockwork clock id read by clock_gettime. */
	int read_id;
	/** hrtimer clock for absolute sleeps and timers. */
	int abs_id;
	/** hrtimer clock for relative ones (an interval: MONOTONIC or BOOTTIME). */
	int rel_id;
	/**
	 * An ALARM clock: clockwork has no wakeup RTC, so it behaves as Linux
	 * without one (read: EINVAL; sleeps and timers: ENOTSUP).
	 */
	bool alarm;
};

/** The table entry for @p id, or NULL for an unknown or CPU-time id. */
const struct cw_pa_clock *cw__pa_clock(clockid_t id);

/** A CPU-time clock id (2, 3, or negative): the host serves it. */
bool cw__pa_is_cpu_clock(clockid_t id);

/** errno value for a CW_E* code (the one mapping table). */
int cw__pa_errno(int cw_err);

/** The current system, creating the default one; NULL if that failed. */
struct cw_system *cw__pa_system(void);

/** tv_sec >= 0 and 0 <= tv_nsec < 1e9. */
bool cw__pa_ts_valid(const struct timespec *ts);
/** Timespec to ns, saturating at CW_KTIME_MAX. */
int64_t cw__pa_ts_to_ns(const struct timespec *ts);
/** ns (>= 0; negative gives zero) to a timespec. */
void cw__pa_ns_to_ts(int64_t ns, struct timespec *ts);
/**
 * What the application sees minus clockwork's value for clockwork clock
 * @p id: on a posix-port system MONOTONIC, BOOTTIME and MONOTONIC_RAW (and
 * their COARSE ids) read as the host's (offsets measured when the system
 * became current); 0 for every other clock and on the sim port.
 */
int64_t cw__pa_user_offset(int id);
/** An absolute time the application gave on hrtimer clock @p id, in clockwork's terms. */
int64_t cw__pa_user_to_cw(int id, int64_t user_ns);
/** Now on clockwork clock @p id (0 on error). */
int64_t cw__pa_now(struct cw_system *sys, int id);
/** Saturating a + b for b >= 0. */
int64_t cw__pa_add(int64_t a, int64_t b);
/**
 * Block the caller for attempt @p attempt of a wait for another thread
 * (1 us growing to 200 us). Not a cancellation point; never spins.
 */
void cw__pa_backoff(unsigned attempt);

/**
 * One wait of a sleeper: the word the hrtimer callback sets, and what the
 * posix waiter needs to block without losing a signal (see waiter-posix.c).
 */
struct cw_pa_wait {
	/** Set to 1 by wake(). */
	_Atomic uint32_t word;
	/** posix: eventfd that wake() writes after setting @ref word, or -1 (poll the word). */
	int fd;
	/** posix: every signal is blocked between prepare() and finish(). */
	bool masked;
	/** posix: the caller's signal mask, restored by finish() and used while waiting. */
	sigset_t saved;
};

/**
 * How a caller blocks until an hrtimer callback sets a word, per port.
 * prepare() before the timer is armed, wait(), then finish() after the
 * timer is stopped (always, also when prepare() failed). wait() returns 0
 * once the word is set, EINTR when a signal handler ran (posix; a signal
 * arriving after prepare() counts), EDEADLK when it can never be set (sim
 * engine empty).
 */
struct cw_pa_waiter_ops {
	/** Port name it serves ("posix", "sim"). */
	const char *port;
	/**
	 * Get ready to wait: 0, or EDEADLK (the caller is a CPU thread of the
	 * system: it would wait for an interrupt it is the one to take).
	 * Context: thread context.
	 */
	int (*prepare)(struct cw_system *sys, struct cw_pa_wait *w);
	/** Block until the word is set. Context: thread context; a cancellation point (posix). */
	int (*wait)(struct cw_system *sys, struct cw_pa_wait *w);
	/** Set the word and wake the waiter. Context: any, also interrupt context. */
	void (*wake)(struct cw_system *sys, struct cw_pa_wait *w);
	/**
	 * The word is set: return once wake() no longer uses @p w (blocks, never
	 * spins; not a cancellation point). Context: the waiting thread.
	 */
	void (*settle)(struct cw_system *sys, struct cw_pa_wait *w);
	/**
	 * The timer's callback may be running: block a little (attempt
	 * @p attempt of a retry loop; not a cancellation point).
	 */
	void (*pause)(struct cw_system *sys, struct cw_pa_wait *w, unsigned attempt);
	/** Undo prepare() (signal mask, descriptor). Context: the waiting thread. */
	void (*finish)(struct cw_system *sys, struct cw_pa_wait *w);
};

extern const struct cw_pa_waiter_ops cw__pa_waiter_posix;
extern const struct cw_pa_waiter_ops cw__pa_waiter_sim;

/** The waiter for @p sys's port, or NULL if the port has none. */
const struct cw_pa_waiter_ops *cw__pa_waiter_for(struct cw_system *sys);

/** Port name of @p sys ("posix", "sim", ...). */
const char *cw__pa_port_name(const struct cw_system *sys);

/**
 * Sleep until the hrtimer clock @p hr_clock reads @p expires_ns (a time
 * already passed returns 0 at once, nothing is programmed). A cancellation
 * point on the posix port: a cancelled sleeper leaves no timer behind.
 * @return 0, EINTR (remaining set to the time left), EDEADLK, ENOTSUP.
 */
int cw__pa_sleep_until(struct cw_system *sys, int hr_clock, int64_t expires_ns,
		       int64_t *remaining_ns);

/**
 * Stop @p timer and wait until its callback is not running, from a thread
 * that is not the callback's (cw_hrtimer_cancel() without its own-callback
 * shortcut, which misfires for threads that are not CPUs: see posixapi.c).
 * It blocks between attempts (short host sleeps), never spins: a
 * real-time caller must let the CPU thread running the callback finish.
 */
void cw__pa_hrtimer_cancel(struct cw_hrtimer *timer);

/** A new system: forget the adjtimex unit mode and tick length (adjtimex.c). */
void cw__pa_ntp_reset(void);

/** @name Timers (timers.c)
 * @{ */
/** Number of timers (table and the itimer) that exist on the current system. */
unsigned cw__pa_timers_count(void);
/** Delete every timer (system teardown at exit). */
void cw__pa_timers_shutdown(void);
/** fork hooks: lock, unlock in the parent, forget everything in the child. */
void cw__pa_timers_atfork_prepare(void);
void cw__pa_timers_atfork_parent(void);
/** @p drop_hrtimers: the system is gone in the child; do not touch its hrtimers. */
void cw__pa_timers_atfork_child(bool drop_hrtimers);
/** @} */

#endif /* CLOCKWORK_SRC_POSIXAPI_POSIXAPI_INTERNAL_H */
