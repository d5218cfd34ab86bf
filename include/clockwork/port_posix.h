/* SPDX-License-Identifier: MIT */
/*
 * The posix port: a clockwork system that keeps time from this machine's real
 * clocks and runs each of its CPUs as a host thread. cw_posix_system_create()
 * creates a system with the posix platform hooks, registers the host
 * clocksources ("tsc" on x86-64 when invariant, "clock_gettime_raw",
 * "clock_gettime_mono"; the core adds "jiffies"), boots it (the
 * "posix,timerfd" driver registers one timerfd clock event device per CPU),
 * starts the housekeeping thread (only when no tick device got bound: it
 * then stands in for the tick) and then one thread per CPU. Each CPU thread waits in epoll: its
 * timerfd expiring is the CPU's timer interrupt, its IPI eventfd an inter-processor interrupt, its
 * call eventfd work queued by cw_cpu_call() or cw_posix_cpu_call_async().
 * cw_posix_system_destroy() stops and joins every thread and destroys the
 * system.
 *
 * Threads started by the library block every signal, so a process-directed
 * signal is never delivered on them. See docs/posix-port.md.
 */
#ifndef CLOCKWORK_INCLUDE_PORT_POSIX_H
#define CLOCKWORK_INCLUDE_PORT_POSIX_H

#include <clockwork/clocksource.h>
#include <clockwork/system.h>
#include <clockwork/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Clocksource names registered by the posix port
 * @{ */
/** The x86-64 time stamp counter (invariant TSC only), rating 300, must verify. */
#define CW_POSIX_CS_TSC          "tsc"
/** clock_gettime(CLOCK_MONOTONIC_RAW) as a 1 GHz counter, rating 250, trusted. */
#define CW_POSIX_CS_GETTIME_RAW  "clock_gettime_raw"
/** clock_gettime(CLOCK_MONOTONIC) as a 1 GHz counter, rating 200, trusted. */
#define CW_POSIX_CS_GETTIME_MONO "clock_gettime_mono"
/** @} */

/** @name Ratings of the posix clocksources
 * @{ */
#define CW_POSIX_RATING_TSC          300
#define CW_POSIX_RATING_GETTIME_RAW  250
#define CW_POSIX_RATING_GETTIME_MONO 200
/** @} */

/** @name cw_posix_options.flags
 * @{ */
/** Do not register the TSC even when it is invariant. */
#define CW_POSIX_NO_TSC           0x1u
/** Echo every log line to stderr as it is written. */
#define CW_POSIX_LOG_ECHO         0x2u
/**
 * Do not start the housekeeping thread: with CW_POSIX_NO_TIMERFD the caller
 * stands in for the tick itself with cw_tick_port_do_timer() (see
 * cw_posix_stats::drives_do_timer). Without it the flag changes nothing:
 * the tick devices own jiffies and the core runs the clocksource watchdog
 * from its own timer.
 */
#define CW_POSIX_NO_HOUSEKEEPING  0x4u
/**
 * Read the TSC with lfence;rdtsc instead of a plain rdtsc. A plain rdtsc may
 * execute before earlier loads complete, so a thread that reads a time
 * published by another thread and then reads the clock can get a value a
 * few tens of ns smaller (timekeeping itself stays monotonic thanks to the
 * negative-motion clamp). The ordered read closes that window for about
 * 7 ns more per read. See docs/posix-port.md, "Reading the TSC".
 */
#define CW_POSIX_TSC_ORDERED      0x8u
/**
 * Create and boot the system but do not start the CPU threads: call
 * cw_posix_system_start(). Until then cw_cpu_call() runs the function on
 * the calling thread as the target CPU, and no CPU takes interrupts.
 */
#define CW_POSIX_NO_START         0x10u
/**
 * Pin CPU thread i to the i-th host core the process may run on (modulo
 * their number; the log says so when CPUs have to share cores).
 */
#define CW_POSIX_PIN_CPUS         0x20u
/**
 * Offer the timerfd devices as periodic too (CW_CLOCKEVENT_FEAT_PERIODIC
 * through an interval timerfd). Default: oneshot only, the tick layer
 * emulates the periodic tick by programming each tick.
 */
#define CW_POSIX_TIMERFD_PERIODIC 0x40u
/**
 * Do not register the timerfd clock event devices: no CPU ticks, and the
 * housekeeping thread drives cw_tick_port_do_timer() at HZ instead.
 */
#define CW_POSIX_NO_TIMERFD       0x80u
/** @} */

/** @name Clock event devices of the posix port
 * @{ */
/** Compatible string of the per-CPU timerfd clock event driver. */
#define CW_POSIX_TIMERFD_COMPATIBLE "posix,timerfd"
/** Rating of the timerfd devices (named "timerfd<cpu>"). */
#define CW_POSIX_RATING_TIMERFD     300
/** @} */

/**
 * Options of the posix port. Zero-initialise and set what you need; every
 * zero field takes the documented default. The caller owns the struct; it is
 * read only during cw_posix_system_create().
 */
struct cw_posix_options {
	/** CW_POSIX_* flags. Default 0: TSC if invariant, no echo, housekeeping on. */
	unsigned flags;
	/**
	 * TSC frequency in Hz to use instead of calibrating (for example a value
	 * a previous system measured). 0: calibrate against CLOCK_MONOTONIC_RAW.
	 */
	uint64_t tsc_hz;
	/** Length of one calibration round in ms. 0 means 50. */
	unsigned tsc_calibrate_ms;
	/** Number of calibration rounds; the median is used. 0 means 5. */
	unsigned tsc_calibrate_rounds;
	/**
	 * Watchdog tunables applied before boot, so the boot-time pass and the
	 * core's watchdog timer use them from the start. NULL: the core's defaults.
	 */
	const struct cw_clocksource_watchdog_params *watchdog;
	/**
	 * Real-time priority of the CPU threads (and the housekeeping
	 * thread): 0 (default) leaves them at the creator's policy; 1..99
	 * runs each under SCHED_FIFO at that priority, so a real-time application thread sleeping
	 * on clockwork is woken by a CPU thread that its own priority cannot starve (give them a
	 * priority above the application's). Needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least
	 * this value; without permission the CPU threads stay at normal priority and the log says
	 * so (see cw_posix_cpu_info::rt_priority). The drop-in's default system takes it from the
	 * environment variable CW_POSIX_RT_PRIORITY.
	 */
	int rt_priority;
};

/**
 * Create, populate and boot a system running on this machine's clocks.
 *
 * The configuration is copied; its port and port_ctx fields are ignored (the
 * posix port supplies its own). The host clocksources are registered, the
 * system is booted (the best clocksource is selected, the timerfd clock
 * event devices are registered and bound as the CPUs' tick devices),
 * unless CW_POSIX_NO_HOUSEKEEPING is set the housekeeping thread starts
 * when no tick device got bound,
 * and unless CW_POSIX_NO_START is set one thread per CPU starts: on return
 * every CPU is ticking.
 * Calibrating the TSC takes tsc_calibrate_rounds * tsc_calibrate_ms
 * (250 ms by default) unless @p opt gives tsc_hz.
 *
 * @param cfg  System configuration (nr_cpus, hz, realtime_init_ns, ...);
 *             NULL for defaults. REALTIME starts at cfg->realtime_init_ns,
 *             or at the host's CLOCK_REALTIME when that field is 0;
 *             MONOTONIC (RAW, BOOTTIME) at cfg->monotonic_init_ns, or at
 *             the host's CLOCK_MONOTONIC when that field is 0.
 * @param opt  Port options; NULL for defaults.
 * @param out  Receives the system.
 * Context: thread context; allocates, may block for the calibration.
 * @return 0; CW_EINVAL (bad @p cfg field, @p out NULL, rt_priority
 *         outside 0..99); CW_ENOMEM;
 *         CW_EIO (a host call failed: timerfd, eventfd, epoll, thread creation).
 */
CW_API int cw_posix_system_create(const struct cw_system_config *cfg,
				  const struct cw_posix_options *opt, struct cw_system **out);

/**
 * Stop the CPU threads and the housekeeping thread, wait for them, and
 * destroy the system (descriptors closed, memory freed). cw_system_destroy()
 * on a posix system does the same (the port's destroy hook stops the
 * threads first). Work queued with cw_posix_cpu_call_async() that has not
 * started is dropped.
 *
 * Misuse is refused, never a crash: on one of the system's own CPU threads
 * (it would wait for itself) nothing happens and the system's log says so;
 * in a child process forked after the system was created (its threads are
 * the parent's) the system is abandoned: the child's copies of its
 * descriptors are closed, no thread is joined and no memory is freed (it
 * goes with the process); the parent's system is not affected.
 * @param sys  The system, or NULL.
 * Context: thread context, not a CPU thread of @p sys; no other thread may
 *          use @p sys any more. Waits for each thread to finish its
 *          current interrupt or work item.
 */
CW_API void cw_posix_system_destroy(struct cw_system *sys);

/**
 * Start the CPU threads (after CW_POSIX_NO_START, or after
 * cw_posix_system_stop()). Returns when every CPU thread runs its event
 * loop; interrupts that became due while the CPUs were stopped are taken
 * at once (a periodic tick catches up), queued work runs first.
 * @param sys  A system made by cw_posix_system_create().
 * Context: thread context, not a CPU thread of @p sys; not concurrently
 *          with cw_posix_system_stop() or destroy.
 * @return 0; CW_EINVAL if @p sys is not a posix system; CW_EBUSY if the
 *         CPUs already run; CW_EIO if a thread could not be created (the
 *         ones started are stopped again).
 */
CW_API int cw_posix_system_start(struct cw_system *sys);

/**
 * Stop the CPU threads and wait for them. Each finishes the interrupt or
 * work item it is running and the work already queued to it; timer
 * expiries and IPIs that arrive afterwards stay pending until the next
 * cw_posix_system_start(). While stopped, cw_cpu_call() runs on the
 * caller as the target CPU. The timekeeping readers keep working; jiffies
 * stand still (the tick does not run).
 * @param sys  A system made by cw_posix_system_create().
 * Context: as cw_posix_system_start().
 * @return 0 (also when already stopped); CW_EINVAL if @p sys is not a posix system.
 */
CW_API int cw_posix_system_stop(struct cw_system *sys);

/**
 * A work item for cw_posix_cpu_call_async(). Caller-owned: set fn and arg;
 * the fields after "private" belong to the port while the item is queued.
 */
struct cw_posix_work {
	/** Function run on the target CPU thread. Caller. */
	void (*fn)(void *arg);
	/** Its argument. Caller. */
	void *arg;

	/* private: owned by the port */
	/** Link in the CPU's work queue. */
	struct cw_posix_work *next;
	/** Called after fn for a synchronous call (NULL for async work). */
	void (*complete)(struct cw_posix_work *work);
	/** Queued and not yet started. */
	bool queued;
};

/**
 * Queue @p work to run on CPU @p cpu's thread and return at once. The item
 * runs in the CPU's task context (not inside an interrupt), in queue
 * order, once; from the moment @p work->fn starts, the item is the
 * caller's again (fn may free or requeue it). Work queued while the CPUs
 * are stopped runs when they start. Unlike cw_cpu_call() the function may
 * itself call cw_cpu_call() on other CPUs: a CPU thread waiting for
 * another CPU keeps running the work queued to it, so two CPUs calling
 * each other do not deadlock.
 *
 * @param sys   A system made by cw_posix_system_create().
 * @param cpu   Target CPU.
 * @param work  Item with fn set; not queued.
 * Context: any thread, including CPU threads and interrupt context; does
 *          not wait.
 * @return 0; CW_EINVAL for a non-posix system, a bad CPU or a NULL fn;
 *         CW_EBUSY if @p work is still queued.
 */
CW_API int cw_posix_cpu_call_async(struct cw_system *sys, unsigned cpu, struct cw_posix_work *work);

/**
 * The CPU the calling thread runs as: the index of a CPU thread of @p sys,
 * the target CPU inside a cw_cpu_call() run on the caller (CPUs stopped),
 * or -1 for any other thread (an application thread: never in interrupt
 * context; its timers go to its home CPU, cw_posix_thread_cpu()).
 * @param sys  A system made by cw_posix_system_create().
 * Context: any.
 * @return A CPU index, or -1.
 */
CW_API int cw_posix_this_cpu(struct cw_system *sys);

/**
 * Bind the calling application thread's timers to CPU @p cpu: the wheel
 * timers and hrtimers it sets up, arms and re-arms from now on are queued
 * on @p cpu's bases (cw_timer_add_on() still names its own CPU; a timer
 * whose callback runs stays where it runs). Without a binding, or after
 * @p cpu = -1, the thread's home is the CPU of the host core it runs on
 * at each call (with CW_POSIX_PIN_CPUS the first CPU pinned to that core,
 * else the core number modulo the number of CPUs), so threads running at
 * the same moment on different cores take different base locks. Bind
 * when the thread's timers should expire on a chosen CPU, or when more
 * application threads than cores arm timers (two threads sharing a core
 * would otherwise share that core's base; see docs/timers.md, "Which
 * base a timer lands on"). An offline home CPU is replaced by a live one
 * at each arm, as for a CPU's own arms. One binding per thread: binding
 * to another system's CPU replaces it.
 * @param sys  A system made by cw_posix_system_create().
 * @param cpu  CPU index, or -1 for the automatic choice.
 * Context: an application thread (not a CPU thread of @p sys); not
 *          async-signal-safe. Takes no lock.
 * @return 0; CW_EINVAL for a non-posix system, a CPU out of range, or a
 *         call from one of @p sys's CPU threads (they arm on themselves).
 */
CW_API int cw_posix_thread_set_cpu(struct cw_system *sys, int cpu);

/**
 * The CPU whose bases the calling thread's timers go to right now: its
 * own CPU on a CPU thread, else its binding (cw_posix_thread_set_cpu()) or
 * the CPU of the host core it runs on.
 * @param sys  A system made by cw_posix_system_create().
 * Context: any thread.
 * @return A CPU index, or -1 if @p sys is not a posix system.
 */
CW_API int cw_posix_thread_cpu(struct cw_system *sys);

/** What the posix port knows about one CPU thread. */
struct cw_posix_cpu_info {
	/** The thread runs its event loop. */
	bool running;
	/** Host thread id (gettid()) of the current or last CPU thread; 0 if never started. */
	uint64_t tid;
	/** Host core the thread is pinned to, or -1 (not pinned). */
	int host_core;
	/** Timer interrupts taken (timerfd expirations handled). */
	uint64_t timer_irqs;
	/** IPIs taken (eventfd wakeups that ran cw_cpu_handle_ipi()). */
	uint64_t ipis;
	/** Functions run as this CPU (cw_cpu_call(), async work), on the thread or on a caller. */
	uint64_t calls;
	/** Returns from the idle wait (epoll_wait). */
	uint64_t wakeups;
	/** SCHED_FIFO priority the thread runs at, or 0 (normal policy). */
	int rt_priority;
};

/**
 * Describe CPU @p cpu's thread.
 * @param sys  A system made by cw_posix_system_create().
 * @param cpu  CPU index.
 * @param out  Receives the description.
 * Context: any thread; the counters are read atomically one by one.
 * @return 0; CW_EINVAL for a non-posix system, a bad CPU or NULL @p out.
 */
CW_API int cw_posix_cpu_info(struct cw_system *sys, unsigned cpu, struct cw_posix_cpu_info *out);

/** How the posix port found the TSC frequency. */
enum cw_posix_tsc_method {
	/** The TSC is not registered (absent, not invariant, or disabled). */
	CW_POSIX_TSC_NONE = 0,
	/** Calibrated against CLOCK_MONOTONIC_RAW. */
	CW_POSIX_TSC_CALIBRATED = 1,
	/** Given by the caller in cw_posix_options.tsc_hz. */
	CW_POSIX_TSC_GIVEN = 2,
};

/** What the posix port knows about the TSC of a system. */
struct cw_posix_tsc_info {
	/** The CPU has a TSC that the port can read (x86-64 build). */
	bool present;
	/** CPUID 0x80000007 EDX bit 8: the TSC ticks at a constant rate in all states. */
	bool invariant;
	/** The "tsc" clocksource is registered in this system. */
	bool registered;
	/** How @ref hz was obtained. */
	enum cw_posix_tsc_method method;
	/** Frequency used for registration, Hz (0 if not registered). */
	uint64_t hz;
	/**
	 * Frequency the CPU or hypervisor reports through CPUID (leaf 0x15 or
	 * 0x40000010), Hz; 0 when none reports it. Informational only.
	 */
	uint64_t cpuid_hz;
	/** Number of calibration rounds taken (0 unless calibrated). */
	unsigned rounds;
	/** Length of each round, ns. */
	uint64_t round_ns;
	/** Spread of the rounds' results, (max - min) / median, in parts per billion. */
	uint64_t spread_ppb;
	/**
	 * Worst bracketing uncertainty of one round in ppb: the widest
	 * CLOCK_MONOTONIC_RAW read pair around a TSC sample, relative to the
	 * round length.
	 */
	uint64_t uncertainty_ppb;
};

/**
 * Describe the TSC of a posix system.
 * @param sys  A system made by cw_posix_system_create().
 * @param out  Receives the description.
 * Context: any thread.
 * @return 0; CW_EINVAL if @p sys is not a posix system.
 */
CW_API int cw_posix_tsc_info(struct cw_system *sys, struct cw_posix_tsc_info *out);

/** Counters of the housekeeping thread and the watchdog (monotonically increasing). */
struct cw_posix_stats {
	/**
	 * The housekeeping thread calls cw_tick_port_do_timer() at HZ,
	 * because no tick device was bound when it started (CW_POSIX_NO_TIMERFD).
	 * Otherwise the tick does it and the thread is not started.
	 */
	bool drives_do_timer;
	/** Timer wakeups of the housekeeping thread. */
	uint64_t wakeups;
	/** Ticks passed to cw_tick_port_do_timer() (wakeups plus missed expirations). */
	uint64_t ticks;
	/** Runs of the core's clocksource watchdog timer (cw_clocksource_watchdog_runs()). */
	uint64_t watchdog_runs;
	/** The thread is running. */
	bool running;
};

/**
 * Read the housekeeping thread's counters.
 * @param sys  A system made by cw_posix_system_create().
 * @param out  Receives the counters.
 * Context: any thread; lockless (each counter is read atomically).
 * @return 0; CW_EINVAL if @p sys is not a posix system.
 */
CW_API int cw_posix_stats(struct cw_system *sys, struct cw_posix_stats *out);

/**
 * Whether this CPU has an invariant TSC that the posix port can use
 * (x86-64, CPUID 0x80000007 EDX bit 8).
 * Context: any.
 */
CW_API bool cw_posix_tsc_usable(void);

/** @name Callback names and the timer list (include/clockwork/timer_list.h)
 * @{ */

/** The executable's function symbols (opaque; cw_posix_symbols_load()). */
struct cw_posix_symbols;

/**
 * Load the function symbols of the running executable (its ELF .symtab,
 * static functions included, from /proc/self/exe) to name callbacks.
 * Functions in shared libraries and a stripped executable give no names.
 * Context: any thread; reads the executable file (a few milliseconds).
 * @return the table (free with cw_posix_symbols_free()), or NULL when
 *         there is none to be had (callers print addresses then).
 */
CW_API struct cw_posix_symbols *cw_posix_symbols_load(void);

/**
 * The name of the function containing @p addr.
 * @param s     A table from cw_posix_symbols_load(), or NULL.
 * @param addr  A code address (a callback).
 * Context: any; the table is read only.
 * @return the name (valid until the table is freed), or NULL.
 */
CW_API const char *cw_posix_symbols_name(const struct cw_posix_symbols *s, uintptr_t addr);

/**
 * Free a table from cw_posix_symbols_load().
 * @param s  The table, or NULL.
 */
CW_API void cw_posix_symbols_free(struct cw_posix_symbols *s);

/**
 * A cw_timer_list_symbolize_fn for struct cw_timer_list_options: @p arg
 * is a table from cw_posix_symbols_load() (or NULL: no names).
 * @param arg  The table.
 * @param fn   The callback's address.
 * @param buf  Unused.
 * @param len  Unused.
 * @return the name, or NULL.
 */
CW_API const char *cw_posix_symbolize(void *arg, uintptr_t fn, char *buf, size_t len);

/**
 * Print the timer list of @p sys (cw_timer_list_format(): per CPU the
 * tick device and mode and each armed hrtimer and wheel timer with its
 * expiry and callback name; then the clock event devices) to @p out,
 * stamped with MONOTONIC now, callbacks named from the executable's
 * symbols. The timers are the checker's record: create the system with
 * cw_system_config.check on, else the dump lists no timers and says so.
 * @param sys  The system.
 * @param out  Where to print.
 * Context: any thread holding no core lock (an application thread; not a
 * timer callback).
 * @return 0; CW_EINVAL (NULL argument); CW_ENOMEM; CW_EIO (@p out failed).
 */
CW_API int cw_posix_timer_list_print(struct cw_system *sys, FILE *out);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_PORT_POSIX_H */
