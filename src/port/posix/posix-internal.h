/* SPDX-License-Identifier: MIT */
/*
 * Private state of the posix port, shared by its files: the per-system port
 * context (the clocksources it owns, the housekeeping thread and its file
 * descriptors, TSC calibration results, the CPU threads), host-clock helpers
 * and the prototypes of the port's non-static functions. Never installed.
 *
 * Lifetime rules: the context is allocated by cw_posix_system_create()
 * before the system exists and is freed by the release hook, which
 * cw_system_destroy() calls last. The clocksources and the clock event
 * devices live inside the context (the devices in its CPU array), so they
 * outlive their registration. The CPU threads and the housekeeping thread
 * are stopped and joined before cw_system_destroy() runs; the CPUs'
 * descriptors are closed by the release hook, so device callbacks the core
 * makes while it tears down still find them open.
 *
 * Locking rules (cpu-thread.c):
 *   exec_lock -> queue_lock
 * - exec_lock: held by whoever runs as the CPU: its thread for its whole
 *   life, or a caller running a cw_cpu_call() in its place while the thread
 *   does not run. It is what makes "on the CPU" exclusive.
 * - queue_lock: the CPU's work queue and its accepting flag. Held briefly,
 *   never while work runs.
 * No port lock is held while calling into the core.
 */
#ifndef CLOCKWORK_SRC_PORT_POSIX_POSIX_INTERNAL_H
#define CLOCKWORK_SRC_PORT_POSIX_POSIX_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "posix-internal.h is private to the clockwork library"
#endif

#include <clockwork/driver/clockevent.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/driver/init.h>
#include <clockwork/port.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/** "CWPX": marks a struct cw_posix_ctx, so API calls can reject other systems. */
#define CW_POSIX_CTX_MAGIC 0x43575058u

/** Defaults of struct cw_posix_options. */
#define CW_POSIX_TSC_CALIBRATE_MS_DEFAULT     50u
#define CW_POSIX_TSC_CALIBRATE_ROUNDS_DEFAULT 5u
/** Upper bounds that keep a create call from blocking for minutes. */
#define CW_POSIX_TSC_CALIBRATE_MS_MAX         2000u
#define CW_POSIX_TSC_CALIBRATE_ROUNDS_MAX     31u

/** Result of a TSC calibration (see clocksource-tsc.c). */
struct cw_posix_tsc_cal {
	/** Median frequency of the rounds, Hz. */
	uint64_t hz;
	/** Rounds taken. */
	unsigned rounds;
	/** Length of one round, ns. */
	uint64_t round_ns;
	/** (max - min) / median of the rounds, ppb. */
	uint64_t spread_ppb;
	/** Widest bracketing uncertainty of a round, ppb. */
	uint64_t uncertainty_ppb;
};

/** Host cores with an entry in cw_posix_ctx.near_cpu (glibc's CPU_SETSIZE). */
#define CW_POSIX_NEAR_MAP 1024

/**
 * Per-system state of the posix port. Written by cw_posix_system_create()
 * before any thread shares it; afterwards only the atomics change.
 */
struct cw_posix_ctx {
	/** CW_POSIX_CTX_MAGIC while the context is alive. */
	uint32_t magic;
	/** The system this context belongs to (set after cw_system_create()). */
	struct cw_system *sys;
	/** Copy of the caller's CW_POSIX_* flags. */
	unsigned flags;
	/** SCHED_FIFO priority asked for the CPU threads, 0 for none (cw_posix_options). */
	int rt_priority;
	/** The caller gave no REALTIME: follow the host's, re-read after boot. */
	bool realtime_from_host;
	/** Host CLOCK_MONOTONIC at creation: log stamps count from here. */
	uint64_t epoch_ns;
	/** Process that created the system: in a forked child its threads do not exist. */
	pid_t pid;

	/** Clocksource over clock_gettime(CLOCK_MONOTONIC_RAW). */
	struct cw_clocksource cs_raw;
	/** Clocksource over clock_gettime(CLOCK_MONOTONIC). */
	struct cw_clocksource cs_mono;
	/** The TSC clocksource (registered only if tsc_registered). */
	struct cw_clocksource cs_tsc;
	/** cs_tsc is registered with this system. */
	bool tsc_registered;
	/** How the TSC frequency was obtained. */
	enum cw_posix_tsc_method tsc_method;
	/** Calibration results (zero unless calibrated). */
	struct cw_posix_tsc_cal tsc_cal;
	/** Frequency the TSC was registered with, Hz. */
	uint64_t tsc_hz;

	/** Housekeeping thread; valid while hk_started. */
	pthread_t hk_thread;
	/** The housekeeping thread was created and not yet joined. */
	bool hk_started;
	/** Periodic timerfd at HZ on CLOCK_MONOTONIC, or -1. */
	int hk_timer_fd;
	/** eventfd written by destroy to stop the thread, or -1. */
	int hk_stop_fd;
	/** Statistics, written by the housekeeping thread, read by anyone. */
	_Atomic uint64_t stat_wakeups;
	/** Ticks passed to cw_tick_port_do_timer(). */
	_Atomic uint64_t stat_ticks;
	/** The thread is inside its loop. */
	_Atomic bool hk_running;
	/** The thread calls cw_tick_port_do_timer() (no tick device was bound). */
	_Atomic bool hk_do_timer;

	/** Number of CPUs (the system's). */
	unsigned nr_cpus;
	/** Per-CPU state, nr_cpus entries (cw__posix_cpus_init()). */
	struct cw_posix_cpu *cpus;
	/** The CPU threads run (between start and stop). Lifecycle calls only. */
	bool cpus_started;
	/**
	 * Host CLOCK_MONOTONIC minus clockwork MONOTONIC, ns: converts the
	 * devices' absolute expiries. Measured after boot and refreshed by the
	 * CPU threads (the two clocks may differ in rate by the host's NTP
	 * correction, tens of ppm).
	 */
	_Atomic int64_t mono_offset_ns;
	/**
	 * Home CPU of an application thread by the host core it runs on
	 * (sched_getcpu()): the first CPU pinned to that core, else the core
	 * number modulo nr_cpus. Host cores from CW_POSIX_NEAR_MAP on use the
	 * modulo. Written by cw__posix_cpus_init() before any thread starts.
	 */
	uint16_t near_cpu[CW_POSIX_NEAR_MAP];
};

/** Index of each descriptor a CPU thread waits on (epoll data). */
enum cw_posix_cpu_fd {
	CW_POSIX_FD_TIMER = 1,
	CW_POSIX_FD_IPI,
	CW_POSIX_FD_CALL,
	/** The synthetic in-band interrupt (pipeline.c). */
	CW_POSIX_FD_SYNTH,
	/** An oob thread's stop eventfd (pipeline.c). */
	CW_POSIX_FD_OOB_STOP,
};

/** The timerfd devices' interrupt line: one per-CPU line (the pipeline switches it). */
#define CW_POSIX_TIMERFD_IRQ 0

/** Longest clock event device name, with the NUL ("timerfd4095"). */
#define CW_POSIX_CED_NAME_MAX 16

struct cw_posix_ctx;

/**
 * One CPU of a posix system: its thread, the descriptors it waits on, its
 * work queue and its timerfd clock event device. Created with the context
 * (cw__posix_cpus_init()), before the system boots; each on its own cache
 * lines. Unless a field says otherwise it is written by whoever runs as
 * the CPU (holds exec_lock).
 */
struct cw_posix_cpu {
	/** The context. Set at creation. */
	_Alignas(64) struct cw_posix_ctx *ctx;
	/** CPU index. Set at creation. */
	unsigned id;
	/** Thread; valid while thread_started. */
	pthread_t thread;
	/** The thread was created and not yet joined. Lifecycle calls only. */
	bool thread_started;
	/** The thread runs its loop (set once it accepts work, cleared when it leaves). */
	_Atomic bool running;
	/** cw__posix_cpus_stop() asked the thread to leave. */
	_Atomic bool stop;
	/** epoll instance over the three descriptors below. */
	int epoll_fd;
	/** The clock event device's timerfd (CLOCK_MONOTONIC, non-blocking). */
	int timer_fd;
	/** IPI eventfd: send_ipi writes it. */
	int ipi_fd;
	/** Work eventfd: queued work, completions of this CPU's own calls, stop. */
	int call_fd;
	/** Held by whoever runs as this CPU (see "Locking rules"). */
	pthread_mutex_t exec_lock;
	/** Protects the queue and accepting. */
	pthread_mutex_t queue_lock;
	/** The thread takes work from the queue (else callers run it themselves). */
	bool accepting;
	/** Work queue, FIFO. */
	struct cw_posix_work *queue_head;
	/** Last item of the queue. */
	struct cw_posix_work *queue_tail;
	/** The device is in periodic mode (interval timerfd). */
	bool periodic;
	/** The timerfd clock event device of this CPU. */
	struct cw_clock_event_device ced;
	/** Its name. */
	char ced_name[CW_POSIX_CED_NAME_MAX];
	/** Host thread id of the current or last thread, 0 before the first start. */
	_Atomic uint64_t tid;
	/** Host CLOCK_MONOTONIC when this CPU last refreshed ctx->mono_offset_ns. */
	uint64_t offset_refreshed_ns;
	/** Host core the thread pins itself to, or -1. Set before the thread starts. */
	int host_core;
	/** SCHED_FIFO priority the thread got, 0 if none (written by the thread). */
	_Atomic int rt_priority;
	/** Synthetic in-band interrupt eventfd (cw_tick_notify_proxy(); pipeline.c). */
	int synth_fd;
	/**
	 * Out-of-band stage (pipeline.c): its thread, its epoll (the timerfd
	 * moves there while the line is oob) and stop eventfd, -1 when not
	 * started. Lifecycle: the caller switching the line.
	 */
	pthread_t oob_thread;
	bool oob_started;
	int oob_epoll_fd;
	int oob_stop_fd;
	/** SCHED_FIFO priority the oob thread got, 0 if the host refused (written by it). */
	_Atomic int oob_rt_priority;
	/** Timer interrupts handled on the oob stage. */
	_Atomic uint64_t stat_oob_irqs;
	/** Statistics (relaxed atomics): timer interrupts, IPIs, functions run, wakeups. */
	_Atomic uint64_t stat_timer_irqs;
	_Atomic uint64_t stat_ipis;
	_Atomic uint64_t stat_calls;
	_Atomic uint64_t stat_wakeups;
};

/** Read a host clock in ns (CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, ...). */
static inline uint64_t cw__posix_host_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)CW_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/** The posix context of @p sys, or NULL if @p sys is not a posix system. */
struct cw_posix_ctx *cw__posix_ctx(struct cw_system *sys);

/**
 * The this_cpu hook: the calling CPU thread's index; for any other thread
 * CW_PORT_NEAR_CPU() of its home CPU (cw_posix_thread_set_cpu(), or the
 * CPU of the host core it runs on), or CW_PORT_NO_CPU.
 */
unsigned cw__posix_this_cpu_hook(void *ctx);

/** The send_ipi hook: write @p cpu's IPI eventfd. */
void cw__posix_send_ipi_hook(void *ctx, unsigned cpu);

/** The cpu_call hook (see cpu-thread.c). @return 0 or CW_EINVAL. */
int cw__posix_cpu_call_hook(void *ctx, unsigned cpu, void (*fn)(void *arg), void *arg);

/** The hw_match hook: "posix,timerfd" matches once (the context). */
int cw__posix_hw_match_hook(void *ctx, const char *compatible, unsigned index, void **hw);

/**
 * Allocate the CPU array and create each CPU's descriptors and locks
 * (ctx->nr_cpus set). Pinning choices are made here. @return 0, CW_ENOMEM or CW_EIO.
 */
int cw__posix_cpus_init(struct cw_posix_ctx *ctx);

/** Close the CPUs' descriptors and free the array (threads stopped). Idempotent. */
void cw__posix_cpus_fini(struct cw_posix_ctx *ctx);

/** Start every CPU thread and wait until each runs its loop. @return 0, CW_EBUSY or CW_EIO. */
int cw__posix_cpus_start(struct cw_posix_ctx *ctx);

/** Stop and join every CPU thread. Idempotent. */
void cw__posix_cpus_stop(struct cw_posix_ctx *ctx);

/** Re-measure ctx->mono_offset_ns. Context: no core lock held (reads cw_ktime_get()). */
void cw__posix_mono_offset_refresh(struct cw_posix_ctx *ctx);

/** Refresh the offset if @p cpu has not done so for 100 ms. On the CPU, no core lock held. */
void cw__posix_mono_offset_refresh_maybe(struct cw_posix_cpu *cpu);

/** Handle an expiry of @p cpu's timerfd (on the CPU thread). */
void cw__posix_timerfd_irq(struct cw_posix_cpu *cpu);

/** Read @p cpu's timerfd: whether it expired (any thread; non-blocking). */
bool cw__posix_timerfd_read(struct cw_posix_cpu *cpu);

/** Make the calling thread run as @p cpu of @p ctx for this_cpu (the oob threads). */
void cw__posix_tls_set(struct cw_posix_ctx *ctx, unsigned cpu);

/** Write 1 to eventfd @p fd (cpu-thread.c). */
void cw__posix_eventfd_kick(int fd);

/** Pipeline hooks (pipeline.c): see struct cw_port_ops. */
int cw__posix_irq_switch_oob_hook(void *ctx, int irq, bool oob);
void cw__posix_irq_post_inband_hook(void *ctx, unsigned cpu);
bool cw__posix_on_oob_stage_hook(void *ctx);

/** Run the synthetic in-band interrupt on @p cpu (its CPU thread; pipeline.c). */
void cw__posix_synth_irq(struct cw_posix_cpu *cpu);

/** Stop and join every oob thread, timerfds back in-band (pipeline.c). Idempotent. */
void cw__posix_oob_stop_all(struct cw_posix_ctx *ctx);

/** The "posix,timerfd" clock event driver (one device per CPU). */
extern const struct cw_driver cw__posix_timerfd_driver;

/** Fill in and register the two clock_gettime clocksources. @return 0 or CW_E*. */
int cw__posix_gettime_register(struct cw_posix_ctx *ctx);

/**
 * Detect the TSC and find its frequency (given in @p opt, or calibrated),
 * filling ctx->tsc_method and ctx->tsc_hz. Runs before the system exists, so
 * the calibration's sleep does not stall a system ticking on jiffies. Leaves
 * tsc_method at CW_POSIX_TSC_NONE, returning 0, when the TSC is absent or
 * not invariant. @return 0; CW_EINVAL for out-of-range calibration options.
 */
int cw__posix_tsc_prepare(struct cw_posix_ctx *ctx, const struct cw_posix_options *opt);

/**
 * Register the TSC prepared by cw__posix_tsc_prepare() (nothing to do if
 * none was). @return 0 or the registration's CW_E* code.
 */
int cw__posix_tsc_register(struct cw_posix_ctx *ctx);

/** The invariant-TSC check behind cw_posix_tsc_usable(). */
bool cw__posix_tsc_invariant(void);

/** TSC frequency reported by CPUID (leaf 0x15, or hypervisor leaf 0x40000010), or 0. */
uint64_t cw__posix_tsc_cpuid_hz(void);

/**
 * Measure the TSC frequency against CLOCK_MONOTONIC_RAW: @p rounds rounds of
 * @p round_ms each, median taken. @return 0; CW_ENOSYS without a TSC.
 */
int cw__posix_tsc_calibrate(unsigned rounds, unsigned round_ms, struct cw_posix_tsc_cal *out);

/** Create the timerfd and eventfd and start the housekeeping thread. @return 0 or CW_EIO. */
int cw__posix_housekeeping_start(struct cw_posix_ctx *ctx);

/** Stop and join the housekeeping thread, close its descriptors. Idempotent. */
void cw__posix_housekeeping_stop(struct cw_posix_ctx *ctx);

/**
 * Create a thread with every signal blocked (the library's threads never
 * take process-directed signals). @return 0 or CW_EIO.
 */
int cw__posix_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg, const char *name);

#endif /* CLOCKWORK_SRC_PORT_POSIX_POSIX_INTERNAL_H */
