/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of the hrtimer bases (src/core/hrtimer.c): the
 * per-CPU base layout and the calls the tick layer, cpu.c and the system
 * make into it.
 */
#ifndef CLOCKWORK_SRC_CORE_HRTIMER_INTERNAL_H
#define CLOCKWORK_SRC_CORE_HRTIMER_INTERNAL_H

#include "compiler.h"
#include "lock.h"
#include "timerqueue.h"

#include <clockwork/driver/clockevent.h>
#include <clockwork/hrtimer.h>

struct cw_system;
struct cw_hrtimer_cpu_base;

/** Clock bases of a CPU: 4 clocks x {hard, soft}. */
enum cw_hrtimer_base_index {
	CW_HRTIMER_BASE_MONOTONIC = 0,
	CW_HRTIMER_BASE_REALTIME,
	CW_HRTIMER_BASE_BOOTTIME,
	CW_HRTIMER_BASE_TAI,
	CW_HRTIMER_BASE_MONOTONIC_SOFT,
	CW_HRTIMER_BASE_REALTIME_SOFT,
	CW_HRTIMER_BASE_BOOTTIME_SOFT,
	CW_HRTIMER_BASE_TAI_SOFT,
	CW_HRTIMER_MAX_CLOCK_BASES,
};

/** Bits of cw_hrtimer_cpu_base::active_bases for the hard and the soft half. */
#define CW_HRTIMER_ACTIVE_HARD 0x0fu
#define CW_HRTIMER_ACTIVE_SOFT 0xf0u

/** Longest forced gap after a detected hang, ns (Linux: 100 ms). */
#define CW_HRTIMER_HANG_MAX_NS (100 * CW_NSEC_PER_MSEC)
/** Attempts of the interrupt to catch up before declaring a hang. */
#define CW_HRTIMER_MAX_RETRIES 3

/** One clock base: a queue of timers of one clock and flavour. Under cpu_base->lock. */
struct cw_hrtimer_clock_base {
	/** The CPU base it belongs to. */
	struct cw_hrtimer_cpu_base *cpu_base;
	/** Index in cpu_base->clock_base. */
	unsigned index;
	/** Clock id (CW_CLOCK_MONOTONIC ...). */
	int clock_id;
	/** Timer whose callback runs now, or NULL (written under the lock, read locklessly). */
	struct cw_hrtimer *running;
	/** The queue, ordered by hard expiry. */
	struct cw_tq_head queue;
};

/** Per-CPU hrtimer state. One per CPU, cache-line aligned. */
struct cw_hrtimer_cpu_base {
	/** Protects everything below and all 8 queues. */
	struct cw_spinlock lock;
	/** Sequence for the lockless cw_hrtimer_active() (odd while a callback is switched). */
	_Atomic unsigned seq;
	/** The system and CPU. */
	struct cw_system *sys;
	unsigned cpu;
	/** Bases with queued timers (bit i = clock_base[i]). */
	unsigned active_bases;
	/** High-resolution mode: the tick device runs cw__hrtimer_interrupt. */
	bool hres_active;
	/** Inside the interrupt: enqueues leave programming to its end. */
	bool in_hrtirq;
	/** The last interrupt could not catch up: no reprogramming until the next one. */
	bool hang_detected;
	/** Soft expiry already raised and not yet run. */
	bool softirq_activated;
	/** Next hard expiry programmed (MONOTONIC), or CW_KTIME_MAX. */
	cw_ktime_t expires_next;
	/** Next soft expiry (MONOTONIC), or CW_KTIME_MAX. */
	cw_ktime_t softirq_expires_next;
	/** Statistics. */
	struct cw_hrtimer_cpu_stats stats;
	/** The clock bases. */
	struct cw_hrtimer_clock_base clock_base[CW_HRTIMER_MAX_CLOCK_BASES];
	/**
	 * Radix wheels the 8 queues borrow while they hold many timers
	 * (timerqueue.h); a queue without one is a pairing heap.
	 */
	struct cw_tq_pool wheel_pool;
#if CW_CONFIG_HRTIMER_QUEUE_WHEELS > 0
	/** The pool's wheels (CW_CONFIG_HRTIMER_QUEUE_WHEELS; none: every queue a pairing heap). */
	struct cw_tq_wheel wheels[CW_CONFIG_HRTIMER_QUEUE_WHEELS];
#endif
};

/** Set up the per-CPU bases (system creation). @return 0 or CW_ENOMEM. */
int cw__hrtimer_init(struct cw_system *sys);

/** Bytes of one CPU's hrtimer state (struct cw_hrtimer_cpu_base, padding included). */
size_t cw__hrtimer_cpu_bytes(void);

/** Free the bases (system destruction). */
void cw__hrtimer_fini(struct cw_system *sys);

/**
 * Low-resolution mode: run the hard timers of @p cpu that are due and
 * raise soft expiry for due soft timers (hrtimer_run_queues). Called by
 * the tick handler on @p cpu. Context: interrupt context on @p cpu.
 */
void cw__hrtimer_run_queues(struct cw_system *sys, unsigned cpu);

/**
 * High-resolution mode interrupt handler (hrtimer_interrupt): expire due
 * timers, reprogram the device for the next one with the retry and hang
 * logic. Installed by cw__hrtimer_switch_to_hres() as the tick device's
 * handler. Context: interrupt context on the device's CPU.
 */
void cw__hrtimer_interrupt(struct cw_clock_event_device *dev);

/** Soft context: run the due soft timers of @p cpu (from cw_irq_exit). */
void cw__hrtimer_run_softirq(struct cw_system *sys, unsigned cpu);

/**
 * Switch @p cpu to high-resolution mode: its tick device must be in
 * oneshot mode; from now on its handler is cw__hrtimer_interrupt and the
 * bases program it. Context: on @p cpu, interrupt context or cpu_call.
 */
void cw__hrtimer_switch_to_hres(struct cw_system *sys, unsigned cpu);

/** Whether @p cpu runs in high-resolution mode. */
bool cw__hrtimer_hres_active(struct cw_system *sys, unsigned cpu);

/**
 * Earliest hard expiry of @p cpu's bases (MONOTONIC), or CW_KTIME_MAX
 * (hrtimer_get_next_event, for NO_HZ in low-resolution mode).
 */
cw_ktime_t cw__hrtimer_next_event(struct cw_system *sys, unsigned cpu);

/**
 * Re-evaluate @p cpu's bases and reprogram its device (retrigger_next_event):
 * after a clock was set, or when another CPU queued a timer that became
 * first. Context: on @p cpu (IPI).
 */
void cw__hrtimer_retrigger(struct cw_system *sys, unsigned cpu);

/**
 * @p cpu goes offline (hrtimers_cpu_dying): move its queued timers to the
 * first other online CPU and leave high-resolution mode. The hrtimer row's
 * dying step of the component table, after the tick row's (which cancelled
 * the sched timer). Context: on @p cpu, no callback of it running.
 */
void cw__hrtimer_cpu_dying(struct cw_system *sys, unsigned cpu);

#endif /* CLOCKWORK_SRC_CORE_HRTIMER_INTERNAL_H */
