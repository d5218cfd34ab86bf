/* SPDX-License-Identifier: MIT */
/*
 * Waiting on the posix port. The caller blocks in ppoll() on an eventfd
 * of its own; the hrtimer callback (on a CPU thread, in interrupt context)
 * sets the word, then writes the eventfd as its very last action.
 *
 * Interruption, as nanosleep(2): prepare() blocks every signal before the
 * timer is armed, and ppoll() waits with the caller's own mask, which it
 * installs atomically. A signal that arrives at any moment after prepare()
 * (before the wait, during it, as it ends) is delivered by ppoll() and
 * ends the sleep with EINTR, whatever SA_RESTART says (ppoll is never
 * restarted after a handler, nanosleep neither); none is lost to the
 * sleep. A stop/continue without a handler restarts ppoll transparently.
 * The wait has no timeout: it ends on the wake or a signal only, so it
 * never leaves a stale errno behind.
 *
 * Blocking, never spinning: ppoll() sleeps in the kernel, so a real-time
 * caller leaves its CPU to the clockwork CPU thread that will wake it. The
 * write that wakes the caller is the callback's last action, so a
 * real-time caller that preempts the CPU thread right there finds it
 * holding no lock: the caller's next call (arming the next sleep) never
 * spins on a lock the preempted CPU thread holds.
 *
 * Cancellation: ppoll() is a cancellation point; the sleeper's cleanup
 * handler (posixapi.c) stops the timer, then finish() restores the mask
 * and closes the descriptor.
 *
 * Lifetime: the eventfd is the sleeper's for one sleep. wake() reads the
 * descriptor, sets the word and then writes the descriptor, touching
 * nothing of the sleeper after the store; so once the word is set the
 * sleeper waits until the eventfd is readable (settle()) before it closes
 * it, and a timer stopped before its callback ran never writes. If no
 * descriptor can be had (EMFILE), the wait polls the word every
 * millisecond instead, signals still blocked outside ppoll(), and the
 * store is wake()'s last access.
 */
#include <clockwork/port_posix.h>

#include "posixapi-internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Poll period of the descriptor-less fallback. */
#define POLL_FALLBACK_NS 1000000L

static int posix_prepare(struct cw_system *sys, struct cw_pa_wait *w)
{
	sigset_t all;

	w->fd = -1;
	w->masked = false;
	/* A CPU thread would wait for an interrupt it is the one to take. */
	if (cw_posix_this_cpu(sys) >= 0) {
		return EDEADLK;
	}
	/* glibc never blocks its own cancellation and setxid signals. */
	sigfillset(&all);
	if (pthread_sigmask(SIG_BLOCK, &all, &w->saved) == 0) {
		w->masked = true;
	}
	w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return 0;
}

CW_PA_CANCEL_PATH
static int posix_wait(struct cw_system *sys, struct cw_pa_wait *w)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	struct timespec slice = { 0, POLL_FALLBACK_NS };

	(void)sys;
	/* Pairs with the release store in posix_wake(). */
	while (!atomic_load_explicit(&w->word, memory_order_acquire)) {
		int r = ppoll(w->fd >= 0 ? &pfd : NULL, w->fd >= 0 ? 1 : 0,
			      w->fd >= 0 ? NULL : &slice, w->masked ? &w->saved : NULL);

		if (r < 0 && errno == EINTR) {
			return EINTR;
		}
	}
	return 0;
}

static void posix_wake(struct cw_system *sys, struct cw_pa_wait *w)
{
	int fd = w->fd;
	uint64_t one = 1;
	ssize_t n;

	(void)sys;
	/* Pairs with the acquire loads of the waiter. Last access to *w. */
	atomic_store_explicit(&w->word, 1, memory_order_release);
	if (fd >= 0) {
		/* The sleeper keeps fd open until this lands (posix_settle()). */
		n = write(fd, &one, sizeof(one));
		(void)n;
	}
}

/* ppoll() on the eventfd as a raw system call: not a cancellation point. */
static int eventfd_poll(int fd, const struct timespec *timeout)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return (int)syscall(SYS_ppoll, &pfd, 1, timeout, NULL, (size_t)8);
}

static void posix_settle(struct cw_system *sys, struct cw_pa_wait *w)
{
	uint64_t count;

	(void)sys;
	/*
	 * Signals are blocked: only the write ends the poll. Reading the count
	 * (the caller keeps cancellation disabled here) also orders the
	 * callback's write before the close for ThreadSanitizer, which sees
	 * eventfd reads and writes but not the raw ppoll.
	 */
	while (w->fd >= 0 && read(w->fd, &count, sizeof(count)) != (ssize_t)sizeof(count)) {
		eventfd_poll(w->fd, NULL);
	}
}

static void posix_pause(struct cw_system *sys, struct cw_pa_wait *w, unsigned attempt)
{
	struct timespec ts = { 0, attempt >= 8 ? 200000L : 1000L << attempt };

	(void)sys;
	if (w->fd >= 0) {
		/* Ends early when the callback's write lands. */
		eventfd_poll(w->fd, &ts);
	} else {
		cw__pa_backoff(attempt);
	}
}

static void posix_finish(struct cw_system *sys, struct cw_pa_wait *w)
{
	int saved_errno = errno;

	(void)sys;
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (w->masked) {
		/* Signals that arrived since the wait ended are delivered here. */
		pthread_sigmask(SIG_SETMASK, &w->saved, NULL);
		w->masked = false;
	}
	errno = saved_errno;
}

const struct cw_pa_waiter_ops cw__pa_waiter_posix = {
	.port = "posix",
	.prepare = posix_prepare,
	.wait = posix_wait,
	.wake = posix_wake,
	.settle = posix_settle,
	.pause = posix_pause,
	.finish = posix_finish,
};
