/* SPDX-License-Identifier: MIT */
/*
 * High-resolution timers: per-CPU queues of precise timers on the
 * MONOTONIC, REALTIME, BOOTTIME and TAI clocks, each in a hard flavour
 * (callback in the timer interrupt) and a soft one (callback in soft
 * context after the interrupt, on the same CPU).
 *
 * A timer is a caller-owned struct: set it up once with cw_hrtimer_setup(),
 * start and cancel it as often as needed (never allocates, never fails),
 * and keep it alive until it is neither queued nor running (after
 * cw_hrtimer_cancel() returned, or after its callback returned
 * CW_HRTIMER_NORESTART and nobody restarted it).
 *
 * Expiry with slack: cw_hrtimer_start_range_ns() gives a window
 * [expires, expires + delta]; the timer may run anywhere in it, which lets
 * the core serve several timers with one interrupt. The queue is ordered
 * by the end of the window; a timer runs once its start has passed.
 *
 * Absolute REALTIME and TAI timers follow clock changes (settime, leap
 * seconds, resume): they fire when their clock reads the expiry, not when
 * MONOTONIC reaches the value it had when they were started.
 *
 * docs/hrtimers.md describes the API and the expiry machinery.
 */
#ifndef CLOCKWORK_INCLUDE_HRTIMER_H
#define CLOCKWORK_INCLUDE_HRTIMER_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct cw_hrtimer;
struct cw_hrtimer_clock_base;

/** Modes for cw_hrtimer_setup() and cw_hrtimer_start(), OR-ed (Linux values). */
enum cw_hrtimer_mode {
	/** The expiry is an absolute time of the timer's clock. */
	CW_HRTIMER_MODE_ABS = 0x00,
	/** The expiry is relative to now. */
	CW_HRTIMER_MODE_REL = 0x01,
	/** Stay on the CPU that starts the timer (default: also the starting CPU). */
	CW_HRTIMER_MODE_PINNED = 0x02,
	/** Run the callback in soft context (after the interrupt). */
	CW_HRTIMER_MODE_SOFT = 0x04,
	/** Run the callback in the interrupt (default). */
	CW_HRTIMER_MODE_HARD = 0x08,
};

/** What a callback asks for. */
enum cw_hrtimer_restart {
	/** Done: the timer is inactive after the callback. */
	CW_HRTIMER_NORESTART = 0,
	/** Requeue at the expiry the callback set (e.g. with cw_hrtimer_forward_now()). */
	CW_HRTIMER_RESTART = 1,
};

/**
 * Timer callback. Runs on the CPU the timer is queued on, in interrupt
 * context (hard) or soft context (soft), with no core lock held. It may
 * restart, forward or free its own timer (free only when returning
 * NORESTART and nothing else can start it).
 */
typedef enum cw_hrtimer_restart (*cw_hrtimer_fn)(struct cw_hrtimer *timer);

/**
 * Node of the per-base queue (src/core/timerqueue.h). Every field is
 * private to the core: written only under the timer's base lock.
 */
struct cw_hrtimer_node {
	/* private: */
	/** First child while in the queue's early-key pairing heap. */
	struct cw_hrtimer_node *child;
	/** Next node in its wheel bucket, or next sibling in the early heap. */
	struct cw_hrtimer_node *next;
	/** Previous node in its bucket, or previous sibling / parent in the early heap. */
	struct cw_hrtimer_node *prev;
	/** Hard expiry in the timer's clock, ns: the sort key. */
	int64_t expires;
	/** Insertion sequence: equal expiries leave in insertion order. */
	uint64_t seq;
};

/**
 * A high-resolution timer. All fields are private; use the functions.
 * Protected by the lock of the CPU base it is queued on.
 */
struct cw_hrtimer {
	/* private: owned by the core */
	/** Queue node; node.expires is the hard expiry (end of the slack window). */
	struct cw_hrtimer_node node;
	/** Soft expiry (start of the slack window), in the base clock. */
	cw_ktime_t softexpires;
	/** Callback. */
	cw_hrtimer_fn function;
	/** Clock base it belongs to (changes when the timer moves CPU). */
	struct cw_hrtimer_clock_base *base;
	/** The system. */
	struct cw_system *sys;
	/** CW_HRTIMER_STATE_*: queued or not. */
	uint8_t state;
	/** Started relative (statistics, and the slack of relative timers). */
	bool is_rel;
	/** Soft timer (callback in soft context). */
	bool is_soft;
	/** Set up with cw_hrtimer_setup() (debug check). */
	bool is_init;
	/** Clock id given at setup. */
	int clock_id;
	/** Mode given at setup. */
	unsigned mode;
};

/**
 * Set up @p timer: clock, callback and default mode. Must be called once
 * before any other call on @p timer, and not while it is queued.
 *
 * @param sys       The system.
 * @param timer     The timer (caller-owned).
 * @param fn        Callback (required).
 * @param clock_id  CW_CLOCK_MONOTONIC, CW_CLOCK_REALTIME, CW_CLOCK_BOOTTIME or CW_CLOCK_TAI.
 * @param mode      CW_HRTIMER_MODE_* bits; SOFT selects the soft bases. A
 *                  REALTIME timer set up with REL measures an interval and
 *                  lives on MONOTONIC (settime does not change it), as in Linux.
 * Context: any.
 * @return 0, or CW_EINVAL for another clock id or a NULL callback.
 */
CW_API int cw_hrtimer_setup(struct cw_system *sys, struct cw_hrtimer *timer, cw_hrtimer_fn fn,
			    int clock_id, unsigned mode);

/**
 * Start (or restart) @p timer to expire in [@p tim, @p tim + @p delta_ns].
 * A queued timer is moved. A non-pinned timer goes to the calling CPU's
 * base (from a thread that is not a CPU: CPU 0). If @p tim has passed
 * (also before MONOTONIC 0: a negative relative delta, an absolute
 * REALTIME time before boot), the timer runs at once: the device is
 * programmed its minimum delta from now (a low-resolution CPU runs it at
 * its next tick). If the callback is running on another CPU at this moment, the
 * timer stays on that CPU's base.
 *
 * @param timer     A set-up timer.
 * @param tim       Expiry: absolute in the timer's clock, or relative with CW_HRTIMER_MODE_REL.
 * @param delta_ns  Slack: how much later it may run (0: exactly at @p tim).
 * @param mode      CW_HRTIMER_MODE_ABS or _REL, optionally | _PINNED; SOFT/HARD must match setup.
 * Context: any thread or CPU, any context; takes the target CPU base lock.
 */
CW_API void cw_hrtimer_start_range_ns(struct cw_hrtimer *timer, cw_ktime_t tim, uint64_t delta_ns,
				      unsigned mode);

/** cw_hrtimer_start_range_ns() with no slack. */
CW_API void cw_hrtimer_start(struct cw_hrtimer *timer, cw_ktime_t tim, unsigned mode);

/**
 * Start @p timer for an expiry a user supplied (POSIX timers, sleeps,
 * alarms): Linux 7.1's start functions for user-supplied expiries, so a
 * caller re-arming with past times never makes the core program the past.
 *
 * If the expiry (@p tim, made absolute in the timer's clock) has already
 * passed and the timer would be the first (earliest) timer of the CPU it
 * goes to, it is not queued: a previous arming is cancelled as by
 * cw_hrtimer_try_to_cancel() and CW_ETIME tells the caller to deliver the
 * expiry itself (its callback does not run for this arming). A passed
 * expiry behind an earlier queued timer is queued: that timer is due too,
 * so the interrupt that runs it (already programmed) runs this one at
 * once. Otherwise it behaves as cw_hrtimer_start_range_ns(). A passed
 * time includes one before MONOTONIC 0 (an absolute REALTIME time before
 * boot, a negative relative delta).
 *
 * @param timer     A set-up timer.
 * @param tim       Expiry: absolute in the timer's clock, or relative with CW_HRTIMER_MODE_REL.
 * @param delta_ns  Slack, as for cw_hrtimer_start_range_ns().
 * @param mode      As for cw_hrtimer_start_range_ns().
 * Context: as cw_hrtimer_start_range_ns().
 * @return 0 if the timer is queued (its callback will run, at once if the
 *         expiry passed); CW_ETIME if its expiry has passed and it is not
 *         queued (the caller delivers this expiry).
 */
CW_API int cw_hrtimer_start_user(struct cw_hrtimer *timer, cw_ktime_t tim, uint64_t delta_ns,
				 unsigned mode);

/**
 * Try to stop @p timer without waiting.
 * @param timer  A set-up timer.
 * Context: any; takes the timer's CPU base lock.
 * @return 0 if it was not queued, 1 if it was queued and is now stopped,
 *         -1 if its callback is running right now (nothing was done).
 */
CW_API int cw_hrtimer_try_to_cancel(struct cw_hrtimer *timer);

/**
 * Stop @p timer and wait until its callback is not running. After it
 * returns the timer is inactive (unless another thread restarts it) and
 * may be freed.
 *
 * Deadlock rule: do not call it from the timer's own callback, or while
 * holding anything that callback waits for.
 *
 * @param timer  A set-up timer.
 * Context: any thread; from a CPU's interrupt context only for a timer of
 * another CPU. May spin while the callback runs.
 * @return 0 if the timer was not queued, 1 if it was queued.
 */
CW_API int cw_hrtimer_cancel(struct cw_hrtimer *timer);

/**
 * Move the expiry of @p timer forward by whole @p interval_ns periods
 * until it is after @p now (hrtimer_forward). The timer must not be
 * queued (call it from the callback, or on a stopped timer).
 *
 * @param timer        The timer.
 * @param now          Current time of the timer's clock.
 * @param interval_ns  Period, ns (raised to 1 ns at least).
 * @return The number of periods added: 0 if @p now is before the expiry;
 *         otherwise >= 1 (more than 1 means expiries were missed: overruns).
 */
CW_API uint64_t cw_hrtimer_forward(struct cw_hrtimer *timer, cw_ktime_t now, uint64_t interval_ns);

/** cw_hrtimer_forward() with now = the timer's clock now. */
CW_API uint64_t cw_hrtimer_forward_now(struct cw_hrtimer *timer, uint64_t interval_ns);

/** Expiry (end of window) of @p timer in its clock. Context: any (a snapshot). */
CW_API cw_ktime_t cw_hrtimer_get_expires(const struct cw_hrtimer *timer);

/** Soft expiry (start of window) of @p timer in its clock. */
CW_API cw_ktime_t cw_hrtimer_get_softexpires(const struct cw_hrtimer *timer);

/**
 * Set the expiry window without starting the timer (for callbacks that
 * return CW_HRTIMER_RESTART).
 */
CW_API void cw_hrtimer_set_expires_range_ns(struct cw_hrtimer *timer, cw_ktime_t tim,
					    uint64_t delta_ns);

/** Time left until the expiry (negative if past). Context: any (a snapshot). */
CW_API cw_ktime_t cw_hrtimer_get_remaining(const struct cw_hrtimer *timer);

/** Whether @p timer is queued. Context: any (a snapshot). */
CW_API bool cw_hrtimer_is_queued(const struct cw_hrtimer *timer);

/** Whether the callback of @p timer runs right now on some CPU. Context: any (a snapshot). */
CW_API bool cw_hrtimer_callback_running(const struct cw_hrtimer *timer);

/** Queued or running (hrtimer_active). Context: any; consistent against a concurrent requeue. */
CW_API bool cw_hrtimer_active(const struct cw_hrtimer *timer);

/** Current time of the timer's clock (hrtimer_cb_get_time). */
CW_API cw_ktime_t cw_hrtimer_cb_get_time(const struct cw_hrtimer *timer);

/** Per-CPU hrtimer statistics. */
struct cw_hrtimer_cpu_stats {
	/** hrtimer interrupts handled (high-resolution mode). */
	uint64_t events;
	/** Interrupts that had to loop because time passed the next expiry. */
	uint64_t retries;
	/** Hangs detected (3 retries without catching up). */
	uint64_t hangs;
	/** Longest hang, ns. */
	uint64_t max_hang_ns;
	/** Callbacks run (hard and soft). */
	uint64_t expired;
	/** The CPU is in high-resolution mode. */
	bool hres_active;
};

/**
 * Copy the hrtimer statistics of @p cpu.
 * @return 0, or CW_EINVAL for a bad CPU.
 */
CW_API int cw_hrtimer_get_cpu_stats(struct cw_system *sys, unsigned cpu,
				    struct cw_hrtimer_cpu_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_HRTIMER_H */
