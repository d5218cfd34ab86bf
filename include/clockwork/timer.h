/* SPDX-License-Identifier: MIT */
/*
 * The timer wheel: millions of cheap, coarse timers with jiffy resolution
 * (Linux's timer_list). Arm and cancel are O(1) and never allocate; a timer
 * runs at most about 12.5 % of its timeout late (exactly one jiffy after its
 * expiry for timeouts below 63 jiffies), never early. Use it for timeouts
 * that are usually cancelled before they fire (network retransmits, idle
 * connections, watchdogs); precise wakeups belong to the hrtimers.
 * docs/timers.md explains the geometry, the lateness table and the locking.
 */
#ifndef CLOCKWORK_INCLUDE_TIMER_H
#define CLOCKWORK_INCLUDE_TIMER_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct cw_timer;

/**
 * Timer callback. Runs in the soft expiry of the CPU that owns the timer's
 * base, with no clockwork lock held. It may re-arm, delete or free its own
 * timer (recover the enclosing object with a container_of on @p timer),
 * but must not call cw_timer_del_sync() or cw_timer_shutdown_sync() on
 * it (that would wait for itself).
 * @param timer  The timer that expired.
 */
typedef void (*cw_timer_fn)(struct cw_timer *timer);

/** Setup flag: keep the timer on the CPU it is armed on (the local base). */
#define CW_TIMER_PINNED     0x00010000u
/** Setup flag: the timer never wakes an idle CPU; it runs at the next tick. */
#define CW_TIMER_DEFERRABLE 0x00020000u

/** Value of cw_timer_expires() for a timer that was never armed. */
#define CW_TIMER_NEVER UINT64_MAX

/**
 * @name Wrap-safe jiffies comparisons
 * Compare two jiffies values by their signed distance, as Linux's
 * time_after64() family does: @p a is after @p b when a - b, taken modulo
 * 2^64, is positive as a signed number. The answer is right whenever the
 * two values lie less than 2^63 jiffies apart, whatever their absolute
 * values, so code using them works across any wrap of the counter (the low
 * 32 bits wrap 300 s after boot; cw_system_config.initial_jiffies may place
 * the 64-bit value anywhere, also just below 2^64). Values 2^63 or more
 * apart compare the wrong way round. Use them, never plain < or >, for
 * every comparison of jiffies (cw_jiffies_get(), cw_timer_expires()).
 * Context: any; pure functions.
 * @{
 */

/** @return true if @p a is after @p b (b - a is negative). */
static inline bool cw_time_after64(uint64_t a, uint64_t b)
{
	return b - a > (uint64_t)INT64_MAX;
}

/** @return true if @p a is before @p b. */
static inline bool cw_time_before64(uint64_t a, uint64_t b)
{
	return cw_time_after64(b, a);
}

/** @return true if @p a is after @p b or equal to it. */
static inline bool cw_time_after_eq64(uint64_t a, uint64_t b)
{
	return a - b <= (uint64_t)INT64_MAX;
}

/** @return true if @p a is before @p b or equal to it. */
static inline bool cw_time_before_eq64(uint64_t a, uint64_t b)
{
	return cw_time_after_eq64(b, a);
}

/** @} */

/**
 * A wheel timer. Caller-owned storage (embed it in the object it times out),
 * set up once with cw_timer_setup(). All fields are private to the library:
 * they are written under the lock of the base the timer is queued on and
 * read locklessly only through the accessors below. Lifetime: do not free
 * or re-setup a timer while it is pending or its callback may run; use
 * cw_timer_shutdown_sync() first (or cw_timer_del_sync() when nothing can
 * re-arm it). 48 bytes on 64-bit targets.
 */
struct cw_timer {
	/* private: */
	/** Next timer in the same bucket (NULL at the end). */
	struct cw_timer *next;
	/** Link that points at this timer; NULL while not pending. */
	struct cw_timer **pprev;
	/** The system whose wheel the timer belongs to. */
	struct cw_system *sys;
	/** Owning CPU, setup flags, migration bit and bucket index. */
	uint32_t flags;
	/** Set-up marker (catches arming a timer that was never set up). */
	uint32_t magic;
	/** Expiry in jiffies, as last armed. */
	uint64_t expires;
	/** Callback; NULL after cw_timer_shutdown() (re-arms are ignored). */
	cw_timer_fn fn;
};

/**
 * Prepare a timer for use.
 * @param timer  Caller-owned timer; any previous content is overwritten.
 * @param sys    The system whose wheel it will be queued on.
 * @param fn     Callback run at expiry.
 * @param flags  0, or CW_TIMER_PINNED and/or CW_TIMER_DEFERRABLE.
 * Context: any; the timer must not be pending, and its callback must not be
 * running except when the callback itself sets its timer up again.
 * @return 0 on success; CW_EINVAL if @p timer, @p sys or @p fn is NULL or
 *         @p flags holds other bits (nothing is written); CW_EBUSY if the
 *         timer is set up and pending, or its callback runs on another
 *         thread (the timer is left untouched: re-setting it up would unlink
 *         it from the wheel behind the wheel's back). Delete or shut the
 *         timer down (cw_timer_shutdown_sync()) before setting it up again.
 *         Memory that never held a timer can, with a chance of 2^-32, look
 *         like a pending one; zero it first to rule that out.
 */
CW_API int cw_timer_setup(struct cw_timer *timer, struct cw_system *sys, cw_timer_fn fn,
			  unsigned flags);

/**
 * Arm or re-arm a timer at an absolute expiry, on the calling CPU's base
 * (local base if pinned, deferrable base if deferrable, else global). The
 * callback runs at the first tick after @p expires_jiffies, at most one
 * bucket granularity later (about 12.5 % of the timeout). Timeouts beyond
 * the wheel's range (about 12 days at HZ=1000) are clamped to it: they fire
 * at the end of the range, never early and never at once. An expiry that
 * has already passed (up to 2^63 jiffies back, compared with
 * cw_time_before64()) runs at the next expiry of the base, that is at the
 * next tick. An expiry 2^63 jiffies or more ahead of now reads as passed
 * (the comparison cannot tell the two apart); pass real timeouts. A pending
 * timer whose new expiry lands in the same bucket only has its expiry
 * updated (the networking fast path). A timer whose callback is running is
 * not moved away from the CPU running it, so callbacks never overlap.
 * @param timer            A set-up timer.
 * @param expires_jiffies  Absolute expiry in jiffies (cw_jiffies_get() + timeout).
 * Context: any thread, including the timer's own callback; takes the
 * timer's base lock (and the new base's when it moves); never waits for a
 * running callback. Ignored after cw_timer_shutdown().
 * @return 1 if the timer was pending (it was re-armed), 0 if it was not
 *         (it is armed now, unless shut down).
 */
CW_API int cw_timer_mod(struct cw_timer *timer, uint64_t expires_jiffies);

/**
 * Re-arm a timer only if it is pending; an inactive timer stays inactive.
 * @param timer            A set-up timer.
 * @param expires_jiffies  New absolute expiry in jiffies.
 * Context: as cw_timer_mod().
 * @return 1 if the timer was pending and was re-armed, 0 if it was not
 *         pending (nothing done).
 */
CW_API int cw_timer_mod_pending(struct cw_timer *timer, uint64_t expires_jiffies);

/**
 * Arm a timer, or move a pending one earlier; never later. A pending timer
 * that already expires at or before @p expires_jiffies is left alone.
 * @param timer            A set-up timer.
 * @param expires_jiffies  Absolute expiry in jiffies.
 * Context: as cw_timer_mod().
 * @return 1 if the timer was pending, 0 if it was not (it is armed now).
 */
CW_API int cw_timer_reduce(struct cw_timer *timer, uint64_t expires_jiffies);

/**
 * Arm or re-arm a timer on a given CPU's base (of the timer's kind). The
 * callback runs on @p cpu. A later cw_timer_mod() of a timer that is not
 * pinned moves it to the CPU calling that.
 *
 * Unlike Linux's add_timer_on(), which queues on an offline CPU's base
 * (the timer then waits for the CPU to come back), an offline @p cpu is
 * refused, so no timer is stranded. If @p cpu goes offline while the call
 * runs, the timer is queued on a live CPU instead, as cw_cpu_down() does
 * with the timers it finds there.
 * @param timer            A set-up timer.
 * @param expires_jiffies  Absolute expiry in jiffies.
 * @param cpu              Target CPU: below cw_system_nr_cpus() and online.
 * Context: any thread; takes the old and the new base lock in turn.
 * Ignored after cw_timer_shutdown().
 * @return 1 if the timer was pending, 0 if it was not; CW_EINVAL if @p cpu
 *         is out of range or offline (the timer is left as it was).
 */
CW_API int cw_timer_add_on(struct cw_timer *timer, uint64_t expires_jiffies, unsigned cpu);

/**
 * Arm or re-arm a timer @p delay_ns from now, rounded up to whole jiffies so
 * that at least @p delay_ns elapse before the callback runs.
 * @param timer     A set-up timer.
 * @param delay_ns  Relative timeout in ns.
 * Context: as cw_timer_mod().
 * @return As cw_timer_mod().
 */
CW_API int cw_timer_mod_ns(struct cw_timer *timer, uint64_t delay_ns);

/**
 * Arm or re-arm a timer @p delay_ms milliseconds from now (cw_timer_mod_ns()).
 * @param timer     A set-up timer.
 * @param delay_ms  Relative timeout in ms.
 * Context: as cw_timer_mod().
 * @return As cw_timer_mod().
 */
CW_API int cw_timer_mod_ms(struct cw_timer *timer, uint64_t delay_ms);

/**
 * Deactivate a timer. Does not wait for a callback that is already running
 * (it may still be running, or re-arm the timer, when this returns).
 * Named after Linux's del_timer(): cw_timer_delete() is POSIX timer_delete()
 * (clockwork/posix.h).
 * @param timer  A set-up timer.
 * Context: any thread, including callbacks; takes the timer's base lock.
 * @return 1 if the timer was pending, 0 if it was not.
 */
CW_API int cw_timer_del(struct cw_timer *timer);

/**
 * Deactivate a timer and wait until its callback is not running anywhere.
 * When it returns the timer is inactive and idle, unless something other
 * than its own callback re-armed it meanwhile (prevent that, or use
 * cw_timer_shutdown_sync()).
 *
 * Deadlock rule: the waiting spins until the callback returns, so never call
 * it from the timer's own callback (detected: it warns once and returns
 * without waiting), nor while holding a lock that the callback takes: the
 * callback would spin on that lock and this call on the callback.
 * @param timer  A set-up timer.
 * Context: any thread that may spin; not from the timer's own callback.
 * @return 1 if the timer was pending when it was deactivated, 0 if not.
 */
CW_API int cw_timer_del_sync(struct cw_timer *timer);

/**
 * Deactivate a timer for good: as cw_timer_del(), and every later arm
 * (cw_timer_mod() and friends, including from its own running callback) is
 * silently ignored until cw_timer_setup() is called again.
 * @param timer  A set-up timer.
 * Context: as cw_timer_del(); does not wait for a running callback.
 * @return 1 if the timer was pending, 0 if it was not.
 */
CW_API int cw_timer_shutdown(struct cw_timer *timer);

/**
 * Shut a timer down (cw_timer_shutdown()) and wait for its running callback,
 * as cw_timer_del_sync() does. Afterwards the timer can be freed: the
 * callback cannot re-arm it. Same deadlock rule as cw_timer_del_sync().
 * @param timer  A set-up timer.
 * Context: any thread that may spin; not from the timer's own callback.
 * @return 1 if the timer was pending, 0 if it was not.
 */
CW_API int cw_timer_shutdown_sync(struct cw_timer *timer);

/**
 * Whether a timer is queued (armed and not yet expired or deleted).
 * @param timer  A set-up timer.
 * Context: any; lockless, so the answer may be stale when another thread
 * or the expiry is working on the timer.
 * @return true if pending.
 */
CW_API bool cw_timer_pending(const struct cw_timer *timer);

/**
 * The expiry the timer was last armed with.
 * @param timer  A set-up timer.
 * Context: any; lockless.
 * @return Absolute expiry in jiffies, or CW_TIMER_NEVER if never armed.
 */
CW_API uint64_t cw_timer_expires(const struct cw_timer *timer);

/**
 * Consistency checker: recompute every base's cached state (pending bitmap,
 * next expiry, timer links, bucket indices and owners) by a slow scan and
 * compare. For tests and debugging; O(timers + buckets).
 * @param sys     The system.
 * @param report  Buffer for a description of the first problem; may be NULL.
 * @param len     Size of @p report.
 * Context: any thread; takes each base lock in turn.
 * @return 0 if consistent, CW_EINVAL (with @p report filled) if not.
 */
CW_API int cw_timer_check(struct cw_system *sys, char *report, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_TIMER_H */
