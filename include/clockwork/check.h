/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker: an oracle that watches a system from the outside
 * and reports the first time it breaks a promise the documentation makes.
 * It is not a second implementation: it records what callers asked for
 * (every hrtimer and wheel timer arm, re-arm and cancel), what the core did
 * (every expiry, every clock read, every clock event interrupt) and checks
 * one against the other:
 *
 *   - every armed timer fires exactly once unless it is cancelled or
 *     re-armed first (a second expiry, or an expiry of a cancelled timer,
 *     is a violation; cw_check_verify() reports armed timers that are
 *     overdue beyond their bound and never fired);
 *   - never before its expiry (hrtimers: their soft expiry in their own
 *     clock; wheel timers: jiffies > expires, except timeouts beyond the
 *     wheel's range, which are clamped to it);
 *   - no later than the bound its kind documents (docs/checker.md):
 *     hrtimers: hard expiry (slack included) + resolution (the tick device's
 *     min_delta plus one device cycle in high resolution, one tick in low
 *     resolution) + the modelled latency (cw_check_set_latency_ns());
 *     wheel timers: one granularity of the level the timeout lands on
 *     (docs/timers.md) + 1 jiffy + the latency in jiffies; deferrable
 *     wheel timers have no upper bound (they never wake an idle CPU);
 *   - MONOTONIC, MONOTONIC_RAW and BOOTTIME (and their COARSE variants)
 *     never step back; REALTIME and TAI step back only across an explicit
 *     set (settime, adjtimex offset, resume, leap second), and their offset
 *     to MONOTONIC changes only there;
 *   - every armed clock event device in oneshot mode eventually interrupts
 *     (cw_check_verify()).
 *
 * On by default on the sim port (cw_system_config.check =
 * CW_CHECK_DEFAULT), off elsewhere; when off every hook costs one
 * predictable branch. The first violation is logged (CW_LOG_ERR, with the
 * timer, the times and the simulator seed) and kept for cw_check_status()
 * and cw_check_report(); later ones are counted.
 *
 * Threads: the checker takes its own lock (innermost, below every core
 * lock but log_lock), so it is memory-safe on any port, but judging the
 * order of clock reads needs one thread driving the system: the sim port.
 */
#ifndef CLOCKWORK_INCLUDE_CHECK_H
#define CLOCKWORK_INCLUDE_CHECK_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct cw_clocksource;

/** Values of cw_system_config.check. */
enum cw_check_mode {
	/** On for the sim port, off for every other port. */
	CW_CHECK_DEFAULT = 0,
	/** Off: every hook is one untaken branch. */
	CW_CHECK_OFF = 1,
	/** On: record and report violations. */
	CW_CHECK_ON = 2,
	/** On, and abort() the process at the first violation (after logging it). */
	CW_CHECK_ABORT = 3,
};

/** Counts of what the checker saw and asserted (cw_check_get_stats()). */
struct cw_check_stats {
	/** hrtimer arms (start, and requeue by a callback returning RESTART). */
	uint64_t hrtimer_arms;
	/** hrtimer cancels that dequeued a timer. */
	uint64_t hrtimer_cancels;
	/** hrtimer expiries checked (exactly once, not early, not late). */
	uint64_t hrtimer_expiries;
	/** Wheel timer arms and re-arms. */
	uint64_t wheel_arms;
	/** Wheel timer cancels that removed a pending timer. */
	uint64_t wheel_cancels;
	/** Wheel timer expiries checked. */
	uint64_t wheel_expiries;
	/** Clock reads checked for steps back. */
	uint64_t clock_reads;
	/** Clock-was-set notifications seen (explicit steps). */
	uint64_t clock_sets;
	/** Clock event interrupts seen. */
	uint64_t ce_irqs;
	/** cw_check_verify() calls. */
	uint64_t verifies;
	/** Armed timers and devices examined by cw_check_verify(). */
	uint64_t verified_items;
	/** Largest hrtimer lateness seen, ns after its hard expiry. */
	uint64_t hrtimer_max_late_ns;
	/** Largest wheel lateness seen, jiffies after its expiry. */
	uint64_t wheel_max_late_jiffies;
};

/** Test-only faults the checker plants in the core (cw_check_inject_fault()). */
enum cw_check_fault {
	/** No fault. */
	CW_CHECK_FAULT_NONE = 0,
	/** The next hrtimer armed gets its soft expiry moved to now: it fires early. */
	CW_CHECK_FAULT_HRTIMER_EARLY = 1,
	/** Clock event interrupts are dropped from now on (timers are late, devices stay armed). */
	CW_CHECK_FAULT_DROP_IRQS = 2,
	/** The next MONOTONIC read returns 1 ms less than the clock. */
	CW_CHECK_FAULT_MONO_BACK = 3,
};

/**
 * Whether the checker runs on @p sys.
 * @param sys  The system.
 * Context: any. @return true if on.
 */
CW_API bool cw_check_enabled(const struct cw_system *sys);

/**
 * The first violation found so far.
 * @param sys  The system.
 * Context: any; takes the checker lock.
 * @return 0 if none (or the checker is off); CW_ERANGE once a timer fired
 *         early, late, twice or never, or a clock stepped back; CW_ENOMEM if
 *         the checker could not allocate its records (nothing more is checked).
 */
CW_API int cw_check_status(struct cw_system *sys);

/**
 * Copy the description of the first violation: what, which timer or clock,
 * the times and the simulator seed.
 * @param sys  The system.
 * @param buf  Destination (NUL-terminated, truncated to fit); may be NULL if @p len is 0.
 * @param len  Size of @p buf.
 * Context: any; takes the checker lock.
 * @return The number of violations found (0: @p buf receives "").
 */
CW_API uint64_t cw_check_report(struct cw_system *sys, char *buf, size_t len);

/**
 * End-of-period checks: every armed timer whose expiry plus bound has
 * passed must have fired, and every clock event device in oneshot mode
 * whose programmed event plus the latency and one tick has passed must have
 * interrupted. Call it between engine steps (no core call in progress),
 * e.g. at the end of a run or once per simulated second.
 * @param sys  The system.
 * Context: the thread driving the system; takes the checker lock.
 * @return As cw_check_status() after the checks.
 */
CW_API int cw_check_verify(struct cw_system *sys);

/**
 * Copy the checker's counters.
 * @param sys  The system.
 * @param out  Receives the counts (all zero when the checker is off).
 * Context: any; takes the checker lock.
 * @return 0; CW_EINVAL for a NULL argument.
 */
CW_API int cw_check_get_stats(struct cw_system *sys, struct cw_check_stats *out);

/**
 * Set the modelled worst interrupt latency, added to every lateness bound:
 * interrupt delivery + IPI delivery + the deepest idle exit. The sim
 * machine sets it from its [irq] and [idle] sections.
 * @param sys         The system.
 * @param latency_ns  Latency in ns.
 * Context: setup, or between engine steps.
 */
CW_API void cw_check_set_latency_ns(struct cw_system *sys, uint64_t latency_ns);

/** The modelled latency cw_check_set_latency_ns() set, ns (0 with the checker off). */
CW_API uint64_t cw_check_latency_ns(struct cw_system *sys);

/**
 * Say how far the rate of clocksource @p cs may differ from the clock
 * event devices' (which count true time in their nominal ns) while
 * MONOTONIC follows it: a counter that drifts, plus NTP's 500 ppm. An
 * event programmed D ahead may land D x the difference late in MONOTONIC,
 * so the lateness bound of a timer served while @p cs was current (or
 * until the checker noticed a switch away from it) gets that share of how
 * far ahead its device may have been programmed. Every clocksource is
 * allowed at least 2^-10 (about 977 ppm); a smaller @p ppb changes
 * nothing. The sim machine sets each counter's largest drift (from boot
 * and every scheduled change) plus 500 ppm.
 * @param sys  The system.
 * @param cs   The clocksource (its address is the key).
 * @param ppb  Rate difference, parts per billion.
 * Context: setup, or between engine steps; takes the checker lock.
 * @return 0 (also with the checker off); CW_EINVAL for a NULL argument;
 *         CW_ENOMEM when 16 other clocksources already have a rate.
 */
CW_API int cw_check_set_clocksource_rate_ppb(struct cw_system *sys, const struct cw_clocksource *cs,
					     uint32_t ppb);

/**
 * Record the seed that reproduces the run (printed with every violation).
 * The sim port sets the engine's seed when it creates the system.
 * @param sys   The system.
 * @param seed  The seed.
 * Context: any.
 */
CW_API void cw_check_set_seed(struct cw_system *sys, uint64_t seed);

/**
 * Plant a fault in the core, for tests proving that the checker catches
 * it (docs/checker.md). Has no effect when the checker is off.
 * @param sys    The system.
 * @param fault  A enum cw_check_fault value.
 * Context: between engine steps.
 * @return 0; CW_EINVAL for an unknown fault; CW_EPERM if the checker is off.
 */
CW_API int cw_check_inject_fault(struct cw_system *sys, int fault);

/** What a checker observer is told (cw_check_set_observer()). */
enum cw_check_event_type {
	/** An hrtimer was started, or requeued by its callback returning RESTART. */
	CW_CHECK_EV_HRTIMER_START = 0,
	/** A queued hrtimer was cancelled. */
	CW_CHECK_EV_HRTIMER_CANCEL = 1,
	/** An hrtimer is about to run its callback. */
	CW_CHECK_EV_HRTIMER_EXPIRE = 2,
	/** A wheel timer was armed or re-armed. */
	CW_CHECK_EV_TIMER_START = 3,
	/** A pending wheel timer was removed. */
	CW_CHECK_EV_TIMER_CANCEL = 4,
	/** A wheel timer is about to run its callback. */
	CW_CHECK_EV_TIMER_EXPIRE = 5,
};

/**
 * One event seen by the checker's hooks, as a tracer needs it (the fields
 * of Linux's timer tracepoints). Valid during the observer call only.
 */
struct cw_check_event {
	/** What happened. */
	enum cw_check_event_type type;
	/** The timer (struct cw_hrtimer or struct cw_timer): an identity, not to be touched. */
	const void *timer;
	/** Its callback's address (compare, print; never call). */
	uintptr_t function;
	/** hrtimers: hard expiry, ns of the base clock; wheel: expiry in jiffies. */
	int64_t expires;
	/** hrtimers: soft expiry, ns of the base clock; wheel: 0. */
	int64_t softexpires;
	/** hrtimers: MONOTONIC now, ns (start, expire; 0 for cancel); wheel: jiffies now (0 for
	 * cancel). */
	int64_t now;
	/** hrtimers: CW_CLOCK_* id of the base; wheel: -1. */
	int clock_id;
	/** hrtimers: the hrtimer mode bits; wheel: the CW_TIMER_* flags. */
	unsigned flags;
	/** hrtimers: the CPU whose base holds it; wheel: -1. */
	int cpu;
};

/**
 * Observer of the checker's timer hooks: called after the checker has
 * recorded the event, with the timer's base lock held. It must not call
 * into the core (no arming, no clock reads); recording is what it is for.
 */
typedef void (*cw_check_observer_fn)(void *arg, const struct cw_check_event *ev);

/**
 * Set (or with NULL @p fn clear) the observer of the checker's timer hooks,
 * so that a tracer sees every hrtimer and wheel start, cancel and expiry
 * without a hook of its own on the arm and cancel paths: when the checker
 * is off those paths cost one untaken branch, as before; when it is on,
 * the observer adds one pointer test to its slow path.
 * @param sys  The system.
 * @param fn   The observer, or NULL.
 * @param arg  Its argument.
 * Context: setup, before other threads arm timers (the hooks read the
 * observer without the checker lock), or between engine steps on the sim port.
 * @return 0; CW_EPERM if the checker is off.
 */
CW_API int cw_check_set_observer(struct cw_system *sys, cw_check_observer_fn fn, void *arg);

/** One armed timer as the checker knows it (cw_check_armed_timers()). */
struct cw_check_timer {
	/** The timer (struct cw_hrtimer or struct cw_timer): an identity, not to be touched. */
	const void *timer;
	/** An hrtimer (else a wheel timer). */
	bool hrtimer;
	/**
	 * hrtimers: the CPU it was armed on (hotplug may have moved it since);
	 * wheel: the CPU whose wheel it was queued on when armed.
	 */
	int cpu;
	/** hrtimers: CW_CLOCK_* id of its base; wheel: -1. */
	int clock_id;
	/** hrtimers: hard expiry, ns of its clock; wheel: expiry, jiffies. */
	int64_t expires;
	/** hrtimers: soft expiry, ns of its clock; wheel: the jiffies it was armed at. */
	int64_t softexpires;
	/** Wheel: deferrable. */
	bool deferrable;
	/** Wheel: pinned (CW_TIMER_PINNED). */
	bool pinned;
	/** Order of arming (ascending = armed earlier). */
	uint64_t arm_seq;
	/** Its callback's address when armed (compare, print; never call). */
	uintptr_t function;
	/** hrtimers: MONOTONIC ns when armed; wheel: jiffies when armed. */
	int64_t armed_at;
};

/**
 * The timers armed now (started and neither expired nor cancelled), as the
 * checker recorded them: a /proc/timer_list for any port, with no walk of
 * the timer bases. The order is the checker's table's (sort by
 * expires or arm_seq as needed).
 * @param sys  The system.
 * @param out  Receives up to @p max timers (NULL with @p max 0: count only).
 * @param max  Room in @p out.
 * Context: any; takes the checker lock, never a base lock.
 * @return the number of armed timers (may exceed @p max); 0 with the checker off.
 */
CW_API size_t cw_check_armed_timers(struct cw_system *sys, struct cw_check_timer *out, size_t max);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_CHECK_H */
