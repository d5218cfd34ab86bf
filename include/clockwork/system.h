/* SPDX-License-Identifier: MIT */
/*
 * The system object. A struct cw_system owns everything one time subsystem
 * has: the clocksource list, the timekeeper, jiffies, the log ring, the
 * clock event devices, and per-CPU tick, hrtimer and wheel state. There are no hidden
 * globals: several systems can live in one process, and tests create one
 * each.
 *
 * Lifetime: cw_system_create() allocates and sets up (jiffies is registered
 * and current); drivers register clocksources; cw_system_boot() marks the end
 * of booting and selects the best clocksource; cw_system_destroy() frees it
 * after the port has stopped calling into it.
 */
#ifndef CLOCKWORK_INCLUDE_SYSTEM_H
#define CLOCKWORK_INCLUDE_SYSTEM_H

#include <clockwork/port.h>
#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;

/** Largest number of CPUs a system may have. */
#define CW_MAX_CPUS 4096

/**
 * Parameters of a new system. Zero-initialise and set what you need; every
 * zero field takes the documented default.
 */
struct cw_system_config {
	/** Number of CPUs, 1..CW_MAX_CPUS. 0 means 1. */
	unsigned nr_cpus;
	/** Tick rate: 100, 250, 300 or 1000. 0 means CW_CONFIG_DEFAULT_HZ. */
	unsigned hz;
	/** REALTIME at creation, ns since the Unix epoch (UTC). 0 is allowed. */
	int64_t realtime_init_ns;
	/**
	 * MONOTONIC (and MONOTONIC_RAW, BOOTTIME) at creation, ns; 0..2^62.
	 * 0 (the default) starts them at zero, as a booting kernel does; the
	 * posix port starts them at the host's CLOCK_MONOTONIC, so deadlines a
	 * program computes from either clock agree and never lie before 0.
	 */
	int64_t monotonic_init_ns;
	/** TAI - UTC in seconds at creation (Linux starts at 0; today it is 37). */
	int32_t tai_offset_s;
	/** Name of a clocksource to prefer (the clocksource= boot option); may be NULL. */
	const char *clocksource_override;
	/** Platform hooks; NULL gives a silent single-CPU port with no log stamps. */
	const struct cw_port_ops *port;
	/** Opaque pointer passed to every port hook. */
	void *port_ctx;
	/** Number of log lines the ring keeps; 0 means CW_CONFIG_LOG_LINES (build knob, default
	 * 128). Each line costs CW_CONFIG_LOG_LINE_MAX bytes (default 256). */
	unsigned log_lines;
	/** Log lines above this level are dropped; 0 means CW_LOG_INFO. */
	int log_level;
	/** Keep CPUs in low-resolution mode (the highres=off boot option). */
	bool highres_off;
	/** Never stop the tick in idle (the nohz=off boot option). */
	bool nohz_off;
	/** Spread the CPUs' ticks over half a period (the skew_tick=1 boot option). */
	bool skew_tick;
	/**
	 * hrtimer rearm policy (docs/hrtimers.md, "Lazy rearm"). false (the
	 * default): lazy, as Linux 7.1's LAZY_REARM: when a CPU's first hrtimer
	 * is cancelled or re-armed later, its clock event device is not
	 * reprogrammed; the interrupt at the old, earlier time finds nothing due
	 * and programs the right time (fewer programmings per expiry; never a
	 * late callback). true: eager, as Linux before 7.1: the device follows
	 * every such change at once (hrtimer_force_reprogram). Either way a CPU
	 * stopping its tick in NO_HZ idle programs its true next expiry.
	 */
	bool hrtimer_eager_rearm;
	/**
	 * jiffies at creation. 0 means CW_INITIAL_JIFFIES(hz), Linux's
	 * INITIAL_JIFFIES: the low 32 bits wrap 300 s after boot. Tests place
	 * it next to a boundary (e.g. 0xfffffffe to cross the 32-bit wrap in
	 * two ticks). The 64-bit counter itself never wraps in practice
	 * (584 million years at HZ=1000 from any start below 2^63).
	 */
	uint64_t initial_jiffies;
	/**
	 * Invariant checker (clockwork/check.h): a enum cw_check_mode value.
	 * 0 (CW_CHECK_DEFAULT) turns it on for the sim port and off elsewhere.
	 */
	int check;
	/**
	 * NUMA node of each CPU (nr_cpus entries, any numbering), read at
	 * creation by timer migration to build its hierarchy per node up to
	 * the cross-node level (docs/timer-migration.md). NULL: one node.
	 */
	const unsigned *cpu_node;
	/**
	 * CPUs excluded from timer migration (nr_cpus entries; Linux's
	 * isolcpus domain isolation): their global timers run where they are
	 * queued and they never pull other CPUs' timers. NULL: none.
	 */
	const bool *cpu_isolated;
	/**
	 * Timer migration off: every CPU expires its own global timers and an
	 * idle CPU wakes for them (the "pinned" policy of the wakeup study).
	 * Also off on a one-CPU system.
	 */
	bool tmigr_off;
	/**
	 * CPU capacity class of each CPU (nr_cpus entries, small integers;
	 * e.g. 0 big, 1 little), read at creation. NULL: one class. Used only
	 * with @p tmigr_per_class.
	 */
	const unsigned *cpu_capacity_class;
	/**
	 * Timer migration builds one hierarchy per capacity class (Linux 7.2
	 * keeps this behind CONFIG_BROKEN): a CPU's global timers are pulled
	 * only by busy CPUs of its class, and each class has its own last idle
	 * CPU. Off by default; docs/timer-migration.md measures it.
	 */
	bool tmigr_per_class;
	/**
	 * Timer migration keeps one last-idle duty holder per hierarchy: a CPU
	 * going idle last takes the duty only for an event earlier than the one
	 * an idle holder already armed for (docs/timer-migration.md, "The last
	 * idle CPU's duty"; fewer wakeups). Off by default for now: it moves
	 * wakeups in time, and the drifting-counter scenario then catches a
	 * late hrtimer behind a long broadcast delta (not yet understood).
	 */
	bool tmigr_one_duty_holder;
};

/**
 * Linux's INITIAL_JIFFIES for a tick rate: -300 s worth of ticks in the low
 * 32 bits only, so jiffies64 starts just below 2^32 and its low 32 bits
 * wrap five minutes after boot, while the 64-bit value never wraps.
 */
#define CW_INITIAL_JIFFIES(hz) ((uint64_t)(uint32_t)(-(int32_t)(300 * (int32_t)(hz))))

/**
 * Create a system.
 * @param cfg  Configuration (copied; may be freed afterwards). NULL = defaults.
 * @param out  Receives the new system.
 * Context: setup only; allocates.
 * @return 0; CW_EINVAL for a bad field (hz not in {100,250,300,1000}, too
 *         many CPUs); CW_ENOMEM.
 */
CW_API int cw_system_create(const struct cw_system_config *cfg, struct cw_system **out);

/**
 * Destroy a system. Registered clocksources are unlinked (their storage is
 * the caller's and is not touched afterwards). The port's destroy hook runs
 * first: a posix-port system has its threads stopped (as by
 * cw_posix_system_destroy()); a port may refuse (logged, nothing done),
 * as the posix port does on one of the system's own CPU threads.
 * @param sys  The system, or NULL.
 * Context: no other thread may use @p sys any more.
 */
CW_API void cw_system_destroy(struct cw_system *sys);

/**
 * Finish booting: from now on clocksources are selected (the kernel's
 * clocksource_done_booting, an fs-level init step). The watchdog pass runs
 * first so a clocksource already known bad is not selected.
 * @param sys  The system.
 * @return 0, or CW_EBUSY if already booted.
 */
CW_API int cw_system_boot(struct cw_system *sys);

/** Tick rate of @p sys in Hz. */
CW_API unsigned cw_system_hz(const struct cw_system *sys);

/** The port_ctx the system was created with (ports find their state here). */
CW_API void *cw_system_port_ctx(const struct cw_system *sys);

/**
 * The name of the port the system runs on (its cw_port_ops name: "posix",
 * "sim", ...). Context: any. @return a static string; "" if the port gave none.
 */
CW_API const char *cw_system_port_name(const struct cw_system *sys);

/** Number of CPUs of @p sys. */
CW_API unsigned cw_system_nr_cpus(const struct cw_system *sys);

/**
 * Run a system whose port owns its time (the simulator) up to and including
 * its next pending event: the port's run_next_event hook. The POSIX layer
 * waits on such a system this way without knowing the simulator.
 * Context: the thread that drives the port; no core lock held.
 * @return 0; CW_ENOENT when no event is pending; CW_ENOSYS on a port whose
 * time runs by itself (posix).
 */
CW_API int cw_system_run_next_event(struct cw_system *sys);

/**
 * Bytes of core state one CPU costs: its CPU and tick state, its hrtimer
 * bases (8 clock bases and the radix wheels they share) and its three
 * timer wheel bases, statistics and alignment padding included. The same
 * for every system of a build (a compile-time figure, see
 * CW_CONFIG_HRTIMER_QUEUE_WHEELS); the per-CPU arrays of @p sys take
 * nr_cpus times this. At most 32 KiB on 64-bit builds.
 * Context: any. @return the byte count.
 */
CW_API size_t cw_system_cpu_state_bytes(const struct cw_system *sys);

/** Length of one tick in ns: round(1e9 / HZ), the kernel's TICK_NSEC. */
CW_API uint64_t cw_system_tick_nsec(const struct cw_system *sys);

/**
 * The jiffies counter (64 bits). It starts at the kernel's INITIAL_JIFFIES
 * (CW_INITIAL_JIFFIES(hz), or cw_system_config.initial_jiffies), so its low
 * 32 bits wrap five minutes after boot; the 64-bit value does not wrap. Once a tick
 * device runs, it is current even while every CPU sleeps with its tick
 * stopped (NO_HZ): the jiffy boundaries passed since the last update are
 * counted from MONOTONIC time.
 * Context: any; lockless.
 */
CW_API uint64_t cw_jiffies_get(const struct cw_system *sys);

/**
 * Write a line to the system's log ring (and the port's log sink), stamped
 * with the port's log clock. Ports and drivers use it for boot messages.
 * @param sys    The system.
 * @param level  A enum cw_log_level value; lines above the configured level are dropped.
 * @param fmt    printf-style format; the line is truncated at 255 bytes.
 * Context: any; takes the log lock only.
 */
CW_API void cw_log(struct cw_system *sys, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Number of lines written to the log ring since creation (including lines
 * the ring no longer holds).
 */
CW_API uint64_t cw_log_count(const struct cw_system *sys);

/**
 * Copy one log line out of the ring.
 * @param sys    The system.
 * @param index  Line number, 0 being the first line ever written.
 * @param buf    Destination; the line is NUL-terminated and truncated to fit.
 * @param len    Size of @p buf.
 * @return 0; CW_ERANGE if the line was overwritten or not yet written.
 */
CW_API int cw_log_get(const struct cw_system *sys, uint64_t index, char *buf, size_t len);

/**
 * Whether any line still in the ring contains @p needle (a test and tool aid).
 */
CW_API bool cw_log_contains(const struct cw_system *sys, const char *needle);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_SYSTEM_H */
