/* SPDX-License-Identifier: MIT */
/*
 * The platform interface: everything the portable core needs from its
 * surroundings. The core makes no operating-system call; a port (posix, sim,
 * and later bare metal) fills one struct cw_port_ops and hands it to
 * cw_system_create(). src/port/template/ is a commented, compiling example.
 *
 * This interface grows with the project: later issues add IPIs, interrupt
 * entry/exit and idle. Every hook may be NULL unless it says otherwise; the
 * core then uses the documented fallback.
 */
#ifndef CLOCKWORK_INCLUDE_PORT_H
#define CLOCKWORK_INCLUDE_PORT_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels, kernel style: lower is more severe. */
enum cw_log_level {
	CW_LOG_ERR = 3,
	CW_LOG_WARNING = 4,
	CW_LOG_NOTICE = 5,
	CW_LOG_INFO = 6,
	CW_LOG_DEBUG = 7,
};

/**
 * Operations a port provides. The struct is caller-owned and must outlive
 * every system created with it; the core never writes to it.
 */
struct cw_port_ops {
	/** Port name for logs ("posix", "sim"). Required. */
	const char *name;
	/**
	 * Index of the CPU running the caller, in [0, nr_cpus). NULL means the
	 * system has one CPU, or the caller is not on a CPU: 0 is used.
	 * Context: any; must not take locks the core holds.
	 */
	unsigned (*this_cpu)(void *ctx);
	/**
	 * Timestamp for log lines in ns (the kernel's printk clock). NULL means
	 * no timestamp source: lines are stamped 0. Must not call back into
	 * the timekeeping readers of the same system (they may be mid-update).
	 */
	uint64_t (*log_clock_ns)(void *ctx);
	/**
	 * Receives each log line as it is written to the system's ring, with
	 * its "[    s.us] " stamp and without a trailing newline. NULL: lines
	 * only go to the ring. Called with core locks held: must not re-enter.
	 */
	void (*log_write)(void *ctx, int level, const char *line);
	/** Spin-wait hint used inside lock and retry loops (pause). May be NULL. */
	void (*cpu_relax)(void *ctx);
	/**
	 * Called last by cw_system_destroy() so the port can free its context.
	 * Never called when cw_system_create() fails: the port still owns the
	 * context then. May be NULL.
	 */
	void (*release)(void *ctx);
};

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_PORT_H */
