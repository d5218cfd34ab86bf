/* SPDX-License-Identifier: MIT */
/*
 * The posix port's system object: its platform hooks (log stamps from the
 * host's CLOCK_MONOTONIC, log echo to stderr, the pause instruction as
 * cpu_relax, the spinlock back-off cw_port_lock_backoff(); this_cpu, send_ipi, cpu_call in
 * cpu-thread.c; hw_match in clockevent-timerfd.c), the port's driver table, and the create/destroy
 * pair that wires a struct cw_system to this machine's clocks and threads.
 *
 * Creation order: context, TSC calibration (before the system exists: a
 * system ticking on jiffies with no tick yet would stand still for the
 * 250 ms it takes), cw_system_create(), the CPUs' descriptors, the driver
 * table, host clocksources (the clock_gettime pair, then the TSC), optional
 * watchdog tunables, cw_system_boot() (the timerfd driver registers one
 * device per CPU at the ARCH level; with the CPU threads not yet running,
 * the core's cw_cpu_call() to bind each runs on this thread as the target
 * CPU; clocksource selection follows at the FS level), the MONOTONIC
 * offset, the housekeeping thread (it drives do_timer only if no tick
 * device got bound), then the CPU threads. Destruction runs it backwards:
 * the CPU threads and the housekeeping thread are stopped and joined, then
 * cw_system_destroy() unlinks the clocksources and calls the release hook,
 * which closes the CPUs' descriptors and frees the context.
 */
#include <clockwork/port_posix.h>
#include <clockwork/timekeeping.h>
#include <clockwork/clocksource.h>
#include <clockwork/system.h>

#include "port/posix/posix-internal.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

static uint64_t posix_log_clock_ns(void *opaque)
{
	const struct cw_posix_ctx *ctx = opaque;

	return cw__posix_host_ns(CLOCK_MONOTONIC) - ctx->epoch_ns;
}

static void posix_log_write(void *opaque, int level, const char *line)
{
	const struct cw_posix_ctx *ctx = opaque;

	(void)level;
	if (ctx->flags & CW_POSIX_LOG_ECHO) {
		/* One call per line: stdio locks the stream, so lines never interleave. */
		fprintf(stderr, "%s\n", line);
	}
}

static void posix_cpu_relax(void *ctx)
{
	(void)ctx;
#if defined(__x86_64__) || defined(__i386__)
	_mm_pause();
#else
	sched_yield();
#endif
}

/*
 * The spinlock back-off (include/clockwork/port.h), for every system of the
 * program: lock holders here are host threads that the host may preempt.
 * Rounds 0-3 yield (a holder preempted on this core by a thread of the same
 * class runs again); later ones sleep 10 us, doubling to 200 us, so the core
 * is free for any holder, also one of a lower class than a SCHED_FIFO
 * waiter. Measured: test_lock_posix, docs/posix-port.md.
 */
#define BACKOFF_YIELDS     4u
#define BACKOFF_NAP_MIN_NS 10000L
#define BACKOFF_NAP_MAX_NS 200000L

void cw_port_lock_backoff(unsigned round)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = BACKOFF_NAP_MAX_NS };
	unsigned shift;

	if (round < BACKOFF_YIELDS) {
		sched_yield();
		return;
	}
	shift = round - BACKOFF_YIELDS;
	if (shift < 5u) {
		ts.tv_nsec = BACKOFF_NAP_MIN_NS << shift;
		if (ts.tv_nsec > BACKOFF_NAP_MAX_NS) {
			ts.tv_nsec = BACKOFF_NAP_MAX_NS;
		}
	}
	nanosleep(&ts, NULL);
}

static void posix_release(void *opaque)
{
	struct cw_posix_ctx *ctx = opaque;

	/* After cw_system_destroy() has made its last device callback. */
	cw__posix_cpus_fini(ctx);
	ctx->magic = 0;
	free(ctx);
}

/* Close the descriptors of a context in a forked child (they are the child's copies). */
static void posix_close_child_copies(struct cw_posix_ctx *ctx)
{
	int *fds[] = { &ctx->hk_timer_fd, &ctx->hk_stop_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	}
	for (unsigned i = 0; ctx->cpus && i < ctx->nr_cpus; i++) {
		int *cfds[] = { &ctx->cpus[i].epoll_fd, &ctx->cpus[i].timer_fd,
				&ctx->cpus[i].ipi_fd, &ctx->cpus[i].call_fd };

		for (size_t j = 0; j < sizeof(cfds) / sizeof(cfds[0]); j++) {
			if (*cfds[j] >= 0) {
				close(*cfds[j]);
				*cfds[j] = -1;
			}
		}
	}
}

/*
 * cw_system_destroy()'s first step: stop the threads. Refused on one of
 * the system's CPU threads (it would join itself) and in a forked child
 * (the threads are the parent's; their locks may be held for good there):
 * the child only closes its copies of the descriptors and leaves the
 * memory, which goes with the process.
 */
static int posix_destroy(void *opaque)
{
	struct cw_posix_ctx *ctx = opaque;

	if (ctx->pid != getpid()) {
		if (ctx->magic == CW_POSIX_CTX_MAGIC) {
			posix_close_child_copies(ctx);
			ctx->magic = 0;
		}
		return CW_EPERM;
	}
	if (cw_posix_this_cpu(ctx->sys) >= 0) {
		return CW_EBUSY;
	}
	cw__posix_cpus_stop(ctx);
	cw__posix_housekeeping_stop(ctx);
	return 0;
}

static const struct cw_port_ops posix_port_ops = {
	.name = "posix",
	.this_cpu = cw__posix_this_cpu_hook,
	.log_clock_ns = posix_log_clock_ns,
	.log_write = posix_log_write,
	.send_ipi = cw__posix_send_ipi_hook,
	.cpu_call = cw__posix_cpu_call_hook,
	.hw_match = cw__posix_hw_match_hook,
	.cpu_relax = posix_cpu_relax,
	.irq_switch_oob = cw__posix_irq_switch_oob_hook,
	.irq_post_inband = cw__posix_irq_post_inband_hook,
	.on_oob_stage = cw__posix_on_oob_stage_hook,
	.destroy = posix_destroy,
	.release = posix_release,
};

struct cw_posix_ctx *cw__posix_ctx(struct cw_system *sys)
{
	struct cw_posix_ctx *ctx;

	if (!sys) {
		return NULL;
	}
	ctx = cw_system_port_ctx(sys);
	if (!ctx || ctx->magic != CW_POSIX_CTX_MAGIC || ctx->sys != sys) {
		return NULL;
	}
	return ctx;
}

static struct cw_posix_ctx *posix_ctx_alloc(const struct cw_posix_options *opt)
{
	struct cw_posix_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx) {
		return NULL;
	}
	ctx->magic = CW_POSIX_CTX_MAGIC;
	ctx->flags = opt ? opt->flags : 0;
	ctx->rt_priority = opt ? opt->rt_priority : 0;
	ctx->hk_timer_fd = -1;
	ctx->hk_stop_fd = -1;
	ctx->pid = getpid();
	return ctx;
}

static const struct cw_driver *const posix_drivers[] = {
	&cw__posix_timerfd_driver,
};

/* Hand the core the port's driver table; boot probes it. */
static int posix_install_drivers(struct cw_posix_ctx *ctx)
{
	return cw_system_set_port_drivers(ctx->sys, posix_drivers,
					  sizeof(posix_drivers) / sizeof(posix_drivers[0]), ctx);
}

/* Register the host clocksources, apply the tunables and boot. */
static int posix_system_populate(struct cw_posix_ctx *ctx, const struct cw_posix_options *opt)
{
	int err;

	err = cw__posix_gettime_register(ctx);
	if (err) {
		return err;
	}
	err = cw__posix_tsc_register(ctx);
	if (err) {
		return err;
	}
	if (opt && opt->watchdog) {
		err = cw_clocksource_watchdog_set_params(ctx->sys, opt->watchdog);
		if (err) {
			return err;
		}
	}
	err = cw_system_boot(ctx->sys);
	if (!err && ctx->realtime_from_host) {
		/*
		 * Until boot the system ran on jiffies, which do not tick yet,
		 * so REALTIME fell behind the host by the registration time
		 * (about 0.1 ms). Align it once more, before anyone can wait on it.
		 */
		err = cw_timekeeping_settime(ctx->sys, (int64_t)cw__posix_host_ns(CLOCK_REALTIME));
	}
	return err;
}

/* The caller's configuration with the posix hooks; REALTIME from the host by default. */
static void posix_config(const struct cw_system_config *cfg, struct cw_posix_ctx *ctx,
			 struct cw_system_config *out)
{
	if (cfg) {
		*out = *cfg;
	} else {
		memset(out, 0, sizeof(*out));
	}
	out->port = &posix_port_ops;
	out->port_ctx = ctx;
	if (out->monotonic_init_ns == 0) {
		/*
		 * MONOTONIC (RAW, BOOTTIME) start at the host's MONOTONIC: deadlines
		 * computed from either clock agree, also across fork and exec.
		 */
		out->monotonic_init_ns = (int64_t)cw__posix_host_ns(CLOCK_MONOTONIC);
	}
	if (out->realtime_init_ns == 0) {
		out->realtime_init_ns = (int64_t)cw__posix_host_ns(CLOCK_REALTIME);
		ctx->realtime_from_host = true;
	}
	/* Log stamps count from here, like a kernel's from its boot. */
	ctx->epoch_ns = cw__posix_host_ns(CLOCK_MONOTONIC);
}

int cw_posix_system_create(const struct cw_system_config *cfg, const struct cw_posix_options *opt,
			   struct cw_system **out)
{
	struct cw_system_config syscfg;
	struct cw_posix_ctx *ctx;
	struct cw_system *sys;
	int err;

	if (!out) {
		return CW_EINVAL;
	}
	*out = NULL;
	if (opt && (opt->rt_priority < 0 || opt->rt_priority > 99)) {
		return CW_EINVAL;
	}
	ctx = posix_ctx_alloc(opt);
	if (!ctx) {
		return CW_ENOMEM;
	}
	if (!(ctx->flags & CW_POSIX_NO_TSC)) {
		err = cw__posix_tsc_prepare(ctx, opt);
		if (err) {
			free(ctx);
			return err;
		}
	}
	posix_config(cfg, ctx, &syscfg);
	err = cw_system_create(&syscfg, &sys);
	if (err) {
		/* The release hook only runs for a created system. */
		free(ctx);
		return err;
	}
	ctx->sys = sys;
	ctx->nr_cpus = cw_system_nr_cpus(sys);
	err = cw__posix_cpus_init(ctx);
	if (!err) {
		err = posix_install_drivers(ctx);
	}
	if (!err) {
		err = posix_system_populate(ctx, opt);
	}
	if (!err) {
		/* Clockwork MONOTONIC runs on a host clock from here on. */
		cw__posix_mono_offset_refresh(ctx);
	}
	if (!err && !(ctx->flags & CW_POSIX_NO_HOUSEKEEPING)) {
		err = cw__posix_housekeeping_start(ctx);
	}
	if (!err && !(ctx->flags & CW_POSIX_NO_START)) {
		err = cw__posix_cpus_start(ctx);
	}
	if (err) {
		cw_posix_system_destroy(sys);
		return err;
	}
	*out = sys;
	return 0;
}

void cw_posix_system_destroy(struct cw_system *sys)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);

	if (!sys) {
		return;
	}
	if (ctx && ctx->pid != getpid()) {
		/* A forked child: the system is abandoned, never touched (posix_destroy()). */
		posix_destroy(ctx);
		return;
	}
	/*
	 * The destroy hook stops the CPU threads and the housekeeping thread
	 * (or refuses on a CPU thread); then the clocksources are unlinked and
	 * posix_release() frees ctx.
	 */
	cw_system_destroy(sys);
}

int cw_posix_stats(struct cw_system *sys, struct cw_posix_stats *out)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);

	if (!ctx || !out) {
		return CW_EINVAL;
	}
	out->wakeups = atomic_load_explicit(&ctx->stat_wakeups, memory_order_relaxed);
	out->ticks = atomic_load_explicit(&ctx->stat_ticks, memory_order_relaxed);
	out->watchdog_runs = cw_clocksource_watchdog_runs(sys);
	out->running = atomic_load_explicit(&ctx->hk_running, memory_order_relaxed);
	out->drives_do_timer = atomic_load_explicit(&ctx->hk_do_timer, memory_order_relaxed);
	return 0;
}
