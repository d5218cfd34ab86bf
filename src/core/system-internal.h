/* SPDX-License-Identifier: MIT */
/*
 * struct cw_system, the one system object, and the few leaf helpers every
 * core file needs (current CPU, raw jiffies, logging). Nothing here calls
 * into a component: each component's interface is its own private header
 * (tick-internal.h, hrtimer-internal.h, timer-internal.h, ...), and the
 * component table (component.h) is how system.c and cpu.c reach them. The
 * system object embeds some components' state by value (no pointer chase
 * on the read paths); those types come from the components' *-types.h
 * headers, which hold types only. tests/seams checks this layout.
 *
 * Locking rules (the whole-system order is also in docs/ARCHITECTURE.md):
 *   ce.lock -> bc_lock -> jiffies_lock -> log_lock;  tk_lock -> log_lock
 *   cs_lock -> tk_lock
 *   notify_lock is taken alone (notifiers run with no other core lock).
 * ce.lock is described in clockevents-types.h, bc_lock and jiffies_lock in
 * tick-internal.h.
 * cs_lock protects the clocksource list, the watchdog and the override;
 * tk_lock serialises timekeeping writers (readers take no lock); log_lock
 * protects the log ring and is innermost, so any path may log.
 */
#ifndef CLOCKWORK_SRC_CORE_SYSTEM_INTERNAL_H
#define CLOCKWORK_SRC_CORE_SYSTEM_INTERNAL_H

#include "clockevents-types.h"
#include "compiler.h"
#include "lock.h"
#include "ntp-types.h"
#include "tick-types.h"
#include "timekeeping-types.h"

#include <clockwork/clocksource.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/driver/init.h>
#include <clockwork/port.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>

/** Most drivers cw_system_add_driver() accepts. */
#define CW_MAX_ADDED_DRIVERS 64

/** A driver added with cw_system_add_driver(), with its probe context. */
struct cw_added_driver {
	const struct cw_driver *drv;
	void *ctx;
};

/** Longest log line kept in the ring, including the NUL (knob CW_LOG_LINE_MAX). */
#define CW_LOG_LINE_MAX CW_CONFIG_LOG_LINE_MAX

struct cw_cpu;
struct cw_hrtimer_cpu_base;
struct cw_timer_wheel;
struct cw_check;
struct cw_tmigr;
struct cw_proxy;
struct cw_claim_state;

/**
 * Slots of a system's set of CW_WARN_ON_ONCE sites that warned (the core
 * has about ten sites; a full set logs further sites every time).
 */
#define CW_WARN_SITES 64

struct cw_system {
	/* Read-mostly configuration. */
	const struct cw_port_ops *port;
	void *port_ctx;
	unsigned nr_cpus;
	unsigned hz;
	uint64_t tick_nsec;
	/**
	 * Boot reached clocksource_done_booting (fs level): set once by the boot code (init.c),
	 * read by everyone (no more drivers; the clocksource code selects on registration).
	 */
	_Atomic bool booted;
	/** Some CPU runs its tick in oneshot mode (set by the tick layer). */
	bool tick_oneshot_active;
	/** Timer wheel per-CPU bases (src/core/timer.c owns it; set up by cw__timer_init()). */
	struct cw_timer_wheel *timer_wheel;

	/** jiffies_64; written by the do_timer duty, read anywhere. */
	_Atomic uint64_t jiffies64;
	/**
	 * The latest jiffies value cw_jiffies_get() counted past a stale
	 * jiffies64 (every CPU idle with its tick stopped, or a boundary whose
	 * tick has not run yet); only moves forward (CAS), at most once a
	 * jiffy. Never ahead of the true jiffies. See cw__jiffies_seen().
	 */
	_Atomic uint64_t jiffies_seen;

	/** Per-CPU state, nr_cpus entries, each cache-line aligned (cpu.c). */
	struct cw_cpu *cpus;
	/** Per-CPU hrtimer bases, nr_cpus entries (hrtimer.c). */
	struct cw_hrtimer_cpu_base *hrtimer_bases;
	/** hrtimer.c's clock-was-set notifier. */
	struct cw_clock_was_set_notifier hrtimer_cws;
	/** Clockevents state: the device list and its lock (clockevents-types.h). */
	struct cw_clockevents ce;
	/** Tick and broadcast state (tick-types.h). */
	struct cw_tick_global tick;

	/* Boot (init.c): machine hooks and driver tables, fixed before boot. */
	const struct cw_machine_ops *machine;
	void *machine_ctx;
	const struct cw_driver *const *port_drivers;
	unsigned nr_port_drivers;
	void *port_drivers_ctx;
	struct cw_added_driver added_drivers[CW_MAX_ADDED_DRIVERS];
	unsigned nr_added_drivers;

	/* Clocksources, under cs_lock. */
	struct cw_spinlock cs_lock;
	struct cw_clocksource *cs_list;
	struct cw_clocksource *watchdog;
	char override_name[CW_CLOCKSOURCE_NAME_MAX];
	struct cw_clocksource_watchdog_params wd_params;
	bool wd_reset_pending;
	/** The watchdog timer (clocksource.c): armed after boot while there is work. */
	struct cw_timer wd_timer;
	/** Jiffies of the timer's last expiry; each run adds one interval. */
	uint64_t wd_expires;
	/** The timer is armed or its callback will re-arm it. */
	bool wd_running;
	/** CPU the timer was last queued on (the hop goes on from there). */
	unsigned wd_cpu;
	/** Watchdog timer runs. */
	uint64_t wd_runs;
	struct cw_clocksource jiffies_cs;

	/* Clock-was-set notifiers, under notify_lock. */
	struct cw_spinlock notify_lock;
	struct cw_clock_was_set_notifier *notifiers;

	/* Log ring, under log_lock. */
	struct cw_spinlock log_lock;
	char (*log_ring)[CW_LOG_LINE_MAX];
	unsigned log_lines;
	int log_level;
	uint64_t log_count;
	/**
	 * CW_WARN_ON_ONCE sites that warned on this system: an open-addressed
	 * set keyed by the site's address, filled by compare-and-swap (log.c).
	 */
	_Atomic(const struct cw_warn_site *) warned[CW_WARN_SITES];

	/* Timekeeping: writer state under tk_lock; reader copy on its own lines. */
	struct cw_spinlock tk_lock;
	struct cw_timekeeper tk;
	struct cw_ntp ntp;
	_Alignas(CW_CACHELINE_BYTES) struct cw_tk_pub pub;
	/** Invariant checker (check.c), or NULL when it is off. */
	struct cw_check *check;
	/** Timer migration hierarchy (tmigr.c), or NULL when it is off. */
	struct cw_tmigr *tmigr;
	/** Proxy tick device state (proxy.c), allocated by its component row. */
	struct cw_proxy *proxy;
	/** Claimed timer channels and the per-CPU pool (claim.c), set up by its init. */
	struct cw_claim_state *claim;
};

/** Log a line: "subsystem: message" (the public cw_log()). Context: any; takes log_lock. */
#define cw__log cw_log

/** jiffies64 as the do_timer duty last advanced it (cw_jiffies_get() adds the boundaries passed
 * since). */
static inline uint64_t cw__jiffies_raw(const struct cw_system *sys)
{
	return atomic_load_explicit(&((struct cw_system *)sys)->jiffies64, memory_order_relaxed);
}

/**
 * The freshest jiffies value the system knows without reading a clock: the
 * later of jiffies64 and the last value cw_jiffies_get() returned past it.
 * Never ahead of the true jiffies; at or after every value cw_jiffies_get()
 * returned to this thread (or to one it synchronised with). The wheel's
 * arm path places timers against it (timer.c, "The arm path's now").
 */
static inline uint64_t cw__jiffies_seen(const struct cw_system *sys)
{
	struct cw_system *s = (struct cw_system *)sys;
	uint64_t j = atomic_load_explicit(&s->jiffies64, memory_order_relaxed);
	uint64_t seen = atomic_load_explicit(&s->jiffies_seen, memory_order_relaxed);

	/* Wrap-safe "later of" (cw_time_after64()). */
	return (j - seen > (uint64_t)INT64_MAX) ? seen : j;
}

/** CPU running the caller according to the port; 0 for a thread that is not a CPU. */
unsigned cw__this_cpu(const struct cw_system *sys);

/** CPU running the caller, or CW_PORT_NO_CPU for a thread that is not a CPU. */
unsigned cw__current_cpu(const struct cw_system *sys);

/**
 * The CPU whose timer bases the caller's arms use: the CPU running the
 * caller; for a thread that is not a CPU, the CPU the port names with
 * CW_PORT_NEAR_CPU(), or CW_PORT_NO_CPU if the port names none (the wheel
 * then uses CPU 0; an hrtimer stays on its base). Online is not checked.
 */
unsigned cw__home_cpu(const struct cw_system *sys);

/** Run the boot sequence (machine hooks, init levels). Called by cw_system_boot(). */
int cw__init_boot(struct cw_system *sys);

#endif /* CLOCKWORK_SRC_CORE_SYSTEM_INTERNAL_H */
