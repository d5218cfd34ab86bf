/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of the timer wheel (src/core/timer.c): the calls
 * the system, the tick layer and the future NO_HZ / timer-migration code
 * make into it, and the entry points tests and benchmarks use to drive the
 * wheel at an explicit jiffies value without a running tick.
 */
#ifndef CLOCKWORK_SRC_CORE_TIMER_INTERNAL_H
#define CLOCKWORK_SRC_CORE_TIMER_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "timer-internal.h is private to the clockwork library"
#endif

#include <clockwork/types.h>

struct cw_system;
struct cw_timer;

/** "No timer pending" in struct cw_timer_next and cw__timer_next_expiry(). */
#define CW_TIMER_NEXT_NONE UINT64_MAX

/** Bases of one CPU, in the order the expiry runs them. */
enum cw_timer_base_kind {
	/** Pinned timers: always expired on their CPU. */
	CW_TIMER_BASE_LOCAL,
	/** Non-pinned timers: may later be pulled by the migration hierarchy. */
	CW_TIMER_BASE_GLOBAL,
	/** Deferrable timers: never a reason to wake an idle CPU. */
	CW_TIMER_BASE_DEF,
	CW_TIMER_NR_BASES,
};

/**
 * Next wheel events of one CPU for NO_HZ, in jiffies (bucket expiries, the
 * jiffy at which the expiry must run), or CW_TIMER_NEXT_NONE.
 */
struct cw_timer_next {
	/** First event of the local (pinned) base: the CPU must wake for it. */
	uint64_t local;
	/** First event of the global base: the migration hierarchy may take it. */
	uint64_t global;
	/** First event of the deferrable base (never a wakeup; informational). */
	uint64_t deferrable;
};

/** Set up the per-CPU wheel bases (cw_system_create()). @return 0 or CW_ENOMEM. */
int cw__timer_init(struct cw_system *sys);

/** Bytes of one CPU's wheel state (its three bases, padding included). */
size_t cw__timer_cpu_bytes(void);

/** Free what cw__timer_init() allocated (cw_system_destroy()). */
void cw__timer_fini(struct cw_system *sys);

/**
 * Soft expiry after a tick on @p cpu: run every wheel timer of that CPU's
 * bases that is due at the current jiffies. Called by the tick layer on
 * @p cpu after jiffies were updated. Cost: timers expired plus buckets
 * scanned; empty stretches (after a long idle) are skipped. Context: on
 * @p cpu, no core lock held.
 */
void cw__timer_run_local(struct cw_system *sys, unsigned cpu);

/**
 * cw__timer_run_local() at an explicit jiffies value @p now_jiffies (tests,
 * benchmarks, and a tick layer that already read jiffies).
 */
void cw__timer_run_at(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies);

/**
 * Expire only the global base of @p cpu at @p now_jiffies, from another CPU
 * (the migration hierarchy's remote expiry). Context: no core lock held.
 */
void cw__timer_expire_remote(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies);

/**
 * Cheap lockless test for the tick: is any base of @p cpu due at
 * @p now_jiffies (the condition to raise the soft expiry)? May answer true
 * spuriously after deletions, never false for a due timer.
 */
bool cw__timer_pending_due(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies);

/**
 * Next wheel event of @p cpu for the NO_HZ sleep-length decision.
 * Recomputes stale next expiries and fills @p out (may be NULL) with the
 * local, global and deferrable events. An event at or before @p basej is
 * reported as @p basej.
 * @return min(local, global), or CW_TIMER_NEXT_NONE: deferrable timers are
 *         never a reason to wake. Context: any; takes the CPU's base locks.
 */
uint64_t cw__timer_next_expiry(struct cw_system *sys, unsigned cpu, uint64_t basej,
			       struct cw_timer_next *out);

/**
 * Called when @p cpu stops its tick at @p basej: forward every base clock
 * across the idle gap (so the first arm after idle is exact and cheap),
 * mark the local and global bases idle (arming an earlier non-deferrable
 * timer there then calls the kick hook) and return cw__timer_next_expiry().
 */
uint64_t cw__timer_idle_enter(struct cw_system *sys, unsigned cpu, uint64_t basej,
			      struct cw_timer_next *out);

/** Called when @p cpu restarts its tick: clear the idle marks, forward the clocks. */
void cw__timer_idle_exit(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies);

/**
 * Forward the base clocks of @p cpu to @p now_jiffies when no timer is due
 * before it (never backwards, never past a pending bucket).
 */
void cw__timer_forward(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies);

/**
 * Hotplug, after @p cpu went offline (cw_cpu_down(), once the CPU's dying
 * step ran): move every timer of its local, global and deferrable bases to
 * the same kind of base of an online CPU, keeping each expiry (Linux's
 * timers_dead_cpu()), and mark the bases offline, so that arming there
 * goes to an online CPU from now on. Context: any thread but a wheel
 * callback; takes the target's and then the dead CPU's base locks.
 */
void cw__timer_cpu_dead(struct cw_system *sys, unsigned cpu);

/**
 * Hotplug, before @p cpu comes online (cw_cpu_up()): accept timers on its
 * bases again, their clocks forwarded to now (Linux's timers_prepare_cpu()).
 */
void cw__timer_cpu_up(struct cw_system *sys, unsigned cpu);

/** Hook the tick layer installs to wake an idle CPU (the kernel's wake_up_nohz_cpu). */
typedef void (*cw_timer_kick_fn)(struct cw_system *sys, unsigned cpu);

/**
 * Install @p kick (NULL: none). It is called, with that base's lock held
 * (it must not call into the wheel), when a timer armed on an idle CPU's
 * local or global base becomes that base's first event.
 */
void cw__timer_set_kick(struct cw_system *sys, cw_timer_kick_fn kick);

/**
 * Hook timer migration installs (NULL: none): called, with the base's lock
 * held (it must not call into the wheel), when a timer armed on an idle
 * CPU's global base becomes that base's first event, with its bucket
 * expiry, instead of the kick hook. It may take timer migration's locks
 * (they nest inside the base locks).
 */
typedef void (*cw_timer_global_hook_fn)(struct cw_system *sys, unsigned cpu, uint64_t expiry);

/** Install @p hook for global bases (see cw_timer_global_hook_fn). */
void cw__timer_set_global_hook(struct cw_system *sys, cw_timer_global_hook_fn hook);

/** Callback of cw__timer_next_remote(), run with the CPU's local and global base locks held. */
typedef void (*cw_timer_next_fn)(struct cw_system *sys, unsigned cpu,
				 const struct cw_timer_next *next, void *arg);

/**
 * Timer migration's requeue after a remote expiry: lock @p cpu's local and
 * global bases, compute their next events (at or after @p basej; the
 * deferrable one is left CW_TIMER_NEXT_NONE) and call @p fn with both
 * locks held, so no arming on that CPU can slip between the reading and
 * the hierarchy's update (the global hook takes the same lock).
 */
void cw__timer_next_remote(struct cw_system *sys, unsigned cpu, uint64_t basej, cw_timer_next_fn fn,
			   void *arg);

/**
 * Tests and benchmarks: make the wheel read @p now_jiffies instead of the
 * system's jiffies (arming, forwarding, cw__timer_run_local()), so it can be
 * driven without a tick. The tick layer never calls this.
 */
void cw__timer_test_set_jiffies(struct cw_system *sys, uint64_t now_jiffies);

/** Granularity in jiffies of wheel level @p lvl (8^lvl). */
uint64_t cw__timer_level_gran(unsigned lvl);
/** The CPU whose wheel @p t is queued on (or was last). Context: its base lock held. */
unsigned cw__timer_base_cpu(const struct cw_timer *t);

/** Number of wheel levels a system with @p hz uses (9 above HZ=100, else 8). */
unsigned cw__timer_levels(unsigned hz);

/** Largest timeout in jiffies that is not clamped, for @p hz. */
uint64_t cw__timer_max_timeout(unsigned hz);

/** The base clock of @p cpu's base @p kind (tests). */
uint64_t cw__timer_base_clk(struct cw_system *sys, unsigned cpu, enum cw_timer_base_kind kind);

/**
 * Slow checker of one base (cw_timer_check() runs it over all of them).
 * @return 0, or CW_EINVAL with @p report filled.
 */
int cw__timer_check_base(struct cw_system *sys, unsigned cpu, enum cw_timer_base_kind kind,
			 char *report, size_t len);

#endif /* CLOCKWORK_SRC_CORE_TIMER_INTERNAL_H */
