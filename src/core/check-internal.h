/* SPDX-License-Identifier: MIT */
/*
 * Hooks of the invariant checker (src/core/check.c, include/clockwork/check.h).
 * Each is one line at its call site; when the checker is off (sys->check
 * is NULL) it costs one predictable branch and nothing else.
 *
 * Locking: the slow paths take the checker lock, innermost below every
 * core lock (base locks, tk_lock, ce.lock are held by callers); they never
 * call back into the core except lockless time reads, and they log only
 * after dropping their lock.
 */
#ifndef CLOCKWORK_SRC_CORE_CHECK_INTERNAL_H
#define CLOCKWORK_SRC_CORE_CHECK_INTERNAL_H

#include "compiler.h"
#include "system-internal.h"

#include <clockwork/check.h>
#include <clockwork/hrtimer.h>
#include <clockwork/timer.h>

struct cw_clock_event_device;
struct cw_system_config;

/** Kinds of clock read cw__check_tk_read() sees (the timekeeper's offsets, then RAW). */
enum cw_check_clk {
	CW_CHECK_CLK_MONO = 0,
	CW_CHECK_CLK_REAL = 1,
	CW_CHECK_CLK_BOOT = 2,
	CW_CHECK_CLK_TAI = 3,
	CW_CHECK_CLK_RAW = 4,
	CW_CHECK_CLK_NR = 5,
};

/** Set up the checker per cfg->check (creation). */
void cw__check_init(struct cw_system *sys, const struct cw_system_config *cfg);
/** Free it (destruction). */
void cw__check_fini(struct cw_system *sys);

void cw__check_hrtimer_arm_slow(struct cw_hrtimer *t, int64_t mono, int64_t offs);
void cw__check_hrtimer_rearm_slow(struct cw_hrtimer *t);
void cw__check_hrtimer_cancel_slow(struct cw_hrtimer *t);
void cw__check_hrtimer_expire_slow(struct cw_hrtimer *t, int64_t mono, int64_t offs);
void cw__check_wheel_arm_slow(struct cw_timer *t, uint64_t now_jiffies);
void cw__check_wheel_cancel_slow(struct cw_timer *t);
void cw__check_wheel_expire_slow(struct cw_timer *t, uint64_t now_jiffies);
int64_t cw__check_tk_read_slow(struct cw_system *sys, unsigned clk, bool coarse, int64_t mono,
			       int64_t value);
bool cw__check_ce_irq_slow(struct cw_clock_event_device *dev);

/**
 * An hrtimer was (re)started and is queued: @p mono is MONOTONIC now and
 * @p offs the offset of its base clock. Context: its base lock held.
 */
static inline void cw__check_hrtimer_arm(struct cw_hrtimer *t, int64_t mono, int64_t offs)
{
	if (cw_unlikely(t->sys->check != NULL)) {
		cw__check_hrtimer_arm_slow(t, mono, offs);
	}
}

/** A callback returned RESTART and its timer is queued again. Context: base lock held. */
static inline void cw__check_hrtimer_rearm(struct cw_hrtimer *t)
{
	if (cw_unlikely(t->sys->check != NULL)) {
		cw__check_hrtimer_rearm_slow(t);
	}
}

/** A queued hrtimer was cancelled. Context: base lock held. */
static inline void cw__check_hrtimer_cancel(struct cw_hrtimer *t)
{
	if (cw_unlikely(t->sys->check != NULL)) {
		cw__check_hrtimer_cancel_slow(t);
	}
}

/** An hrtimer is about to run (before its callback). Context: base lock held. */
static inline void cw__check_hrtimer_expire(struct cw_hrtimer *t, int64_t mono, int64_t offs)
{
	if (cw_unlikely(t->sys->check != NULL)) {
		cw__check_hrtimer_expire_slow(t, mono, offs);
	}
}

/** A wheel timer was armed or re-armed at jiffies @p now_jiffies. Context: base lock held. */
static inline void cw__check_wheel_arm(struct cw_timer *t, uint64_t now_jiffies)
{
	if (cw_unlikely(t->sys->check != NULL)) {
		cw__check_wheel_arm_slow(t, now_jiffies);
	}
}

/** A pending wheel timer was removed (delete, shutdown, or before a re-arm). */
static inline void cw__check_wheel_cancel(struct cw_timer *t)
{
	if (cw_unlikely(t->sys->check != NULL)) {
		cw__check_wheel_cancel_slow(t);
	}
}

/** A wheel timer is about to run at jiffies @p now_jiffies (before its callback). */
static inline void cw__check_wheel_expire(struct cw_timer *t, uint64_t now_jiffies)
{
	if (cw_unlikely(t->sys->check != NULL)) {
		cw__check_wheel_expire_slow(t, now_jiffies);
	}
}

/**
 * A clock read of kind @p clk (enum cw_check_clk) returned @p value at
 * MONOTONIC (or RAW) @p mono. @return the value to hand to the caller
 * (@p value, unless a planted fault changes it).
 */
static inline int64_t cw__check_tk_read(struct cw_system *sys, unsigned clk, bool coarse,
					int64_t mono, int64_t value)
{
	if (cw_unlikely(sys->check != NULL)) {
		return cw__check_tk_read_slow(sys, clk, coarse, mono, value);
	}
	return value;
}

/**
 * A clock event device interrupts (before its handler).
 * @return true if a planted fault drops the interrupt (the handler must not run).
 */
static inline bool cw__check_ce_irq(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	if (cw_unlikely(sys->check != NULL)) {
		return cw__check_ce_irq_slow(dev);
	}
	return false;
}

#endif /* CLOCKWORK_SRC_CORE_CHECK_INTERNAL_H */
