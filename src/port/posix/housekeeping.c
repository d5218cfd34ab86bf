/* SPDX-License-Identifier: MIT */
/*
 * The posix port's housekeeping thread. It stands in for the tick on a
 * system without clock event devices (CW_POSIX_NO_TIMERFD): there the
 * tick layer cannot run, so a timerfd on CLOCK_MONOTONIC expires every
 * 1/HZ s and the thread calls cw_tick_port_do_timer() with the number of
 * expirations (more than one when the thread was descheduled, so jiffies
 * never lose ticks). With tick devices bound (the default) the CPU holding
 * the do_timer duty advances jiffies from its tick; the core refuses the stand-in call once a tick
 * device holds the duty, so the two never advance jiffies side by side.
 * With tick devices bound at start the thread is not created at all.
 *
 * The clocksource watchdog is not the port's: it is a timer of the core's
 * clocksource framework, run by the CPU threads' ticks like any wheel timer.
 *
 * Stopping: cw__posix_housekeeping_stop() writes the thread's eventfd; the
 * thread polls both descriptors, so it leaves at once even between ticks.
 *
 * Signals: the thread is created with every signal blocked
 * (cw__posix_thread_create()), so a process-directed signal always lands on
 * an application thread.
 */
#include <clockwork/port_posix.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>

#include "port/posix/posix-internal.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* Longest name pthread_setname_np() takes, without the NUL. */
#define POSIX_THREAD_NAME_MAX 15

int cw__posix_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg, const char *name)
{
	char shortname[POSIX_THREAD_NAME_MAX + 1];
	sigset_t all, old;
	int err;

	/*
	 * The new thread inherits the creator's mask: block everything around
	 * pthread_create() and restore the caller's mask afterwards.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		return CW_EIO;
	}
	if (name) {
		strncpy(shortname, name, POSIX_THREAD_NAME_MAX);
		shortname[POSIX_THREAD_NAME_MAX] = '\0';
		pthread_setname_np(*thread, shortname);
	}
	return 0;
}

/* Consume the timerfd's expiration count and run that many ticks. */
static void housekeeping_tick(struct cw_posix_ctx *ctx)
{
	uint64_t expirations = 0;
	ssize_t n;

	n = read(ctx->hk_timer_fd, &expirations, sizeof(expirations));
	if (n != (ssize_t)sizeof(expirations) || expirations == 0) {
		return;
	}
	if (cw_tick_port_do_timer(ctx->sys, expirations) != 0) {
		/* A tick device took the duty: the tick layer owns jiffies now. */
		atomic_store_explicit(&ctx->hk_do_timer, false, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&ctx->stat_wakeups, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&ctx->stat_ticks, expirations, memory_order_relaxed);
}

static void *housekeeping_main(void *arg)
{
	struct cw_posix_ctx *ctx = arg;
	struct pollfd fds[2] = {
		{ .fd = ctx->hk_stop_fd, .events = POLLIN },
		{ .fd = ctx->hk_timer_fd, .events = POLLIN },
	};
	int ret;

	if (ctx->rt_priority > 0) {
		/*
		 * As the CPU threads: a real-time application thread must not
		 * preempt it for good while it holds a core lock.
		 */
		struct sched_param sp = { .sched_priority = ctx->rt_priority };

		pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	}
	atomic_store_explicit(&ctx->hk_running, true, memory_order_relaxed);
	for (;;) {
		bool do_timer = atomic_load_explicit(&ctx->hk_do_timer, memory_order_relaxed);

		ret = poll(fds, do_timer ? 2 : 1, -1);
		if (ret < 0) {
			if (errno == EINTR) {
				continue;
			}
			break;
		}
		if (fds[0].revents) {
			break;
		}
		if (do_timer && (fds[1].revents & POLLIN)) {
			housekeeping_tick(ctx);
		}
	}
	atomic_store_explicit(&ctx->hk_running, false, memory_order_relaxed);
	return NULL;
}

/* Whether the tick layer runs: some CPU has a tick device. */
static bool posix_tick_bound(struct cw_system *sys)
{
	for (unsigned i = 0; i < cw_system_nr_cpus(sys); i++) {
		if (cw_tick_device(sys, i)) {
			return true;
		}
	}
	return false;
}

/* Arm @fd to expire every 1/hz s, starting one period from now. */
static int housekeeping_arm(int fd, unsigned hz)
{
	struct itimerspec its;
	long period_ns = (long)(CW_NSEC_PER_SEC / hz);

	memset(&its, 0, sizeof(its));
	its.it_interval.tv_sec = period_ns / CW_NSEC_PER_SEC;
	its.it_interval.tv_nsec = period_ns % CW_NSEC_PER_SEC;
	its.it_value = its.it_interval;
	return timerfd_settime(fd, 0, &its, NULL);
}

static void housekeeping_close(struct cw_posix_ctx *ctx)
{
	if (ctx->hk_timer_fd >= 0) {
		close(ctx->hk_timer_fd);
		ctx->hk_timer_fd = -1;
	}
	if (ctx->hk_stop_fd >= 0) {
		close(ctx->hk_stop_fd);
		ctx->hk_stop_fd = -1;
	}
}

int cw__posix_housekeeping_start(struct cw_posix_ctx *ctx)
{
	bool do_timer = !posix_tick_bound(ctx->sys);
	unsigned hz = cw_system_hz(ctx->sys);

	atomic_store_explicit(&ctx->hk_do_timer, do_timer, memory_order_relaxed);
	if (!do_timer) {
		/* The tick layer owns jiffies and the core runs its watchdog: nothing to do. */
		return 0;
	}
	ctx->hk_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ctx->hk_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctx->hk_timer_fd < 0 || ctx->hk_stop_fd < 0 || hz == 0 ||
	    housekeeping_arm(ctx->hk_timer_fd, hz) < 0) {
		housekeeping_close(ctx);
		return CW_EIO;
	}
	if (cw__posix_thread_create(&ctx->hk_thread, housekeeping_main, ctx, "cw-housekeeping")) {
		housekeeping_close(ctx);
		return CW_EIO;
	}
	ctx->hk_started = true;
	return 0;
}

void cw__posix_housekeeping_stop(struct cw_posix_ctx *ctx)
{
	uint64_t one = 1;
	ssize_t n;

	if (ctx->hk_started) {
		/* One write cannot overflow the eventfd counter; only EINTR can fail it. */
		do {
			n = write(ctx->hk_stop_fd, &one, sizeof(one));
		} while (n < 0 && errno == EINTR);
		pthread_join(ctx->hk_thread, NULL);
		ctx->hk_started = false;
	}
	housekeeping_close(ctx);
}
