/* SPDX-License-Identifier: MIT */
/*
 * Waiting on the posix port: the caller blocks in FUTEX_WAIT on the
 * sleeper's word; the hrtimer callback (on a CPU thread, in interrupt
 * context) sets the word and does FUTEX_WAKE.
 *
 * Interruption. The wait always carries a timeout (one second, then it
 * loops). A futex wait with a timeout that is interrupted by a signal whose
 * handler runs returns EINTR whatever SA_RESTART says (the kernel's
 * -ERESTART_RESTARTBLOCK), which is what nanosleep does; without a timeout
 * an SA_RESTART handler would restart it silently. A stop/continue without
 * a handler restarts the wait transparently. Limit: a handler that runs
 * after the caller armed its timer but before it entered FUTEX_WAIT does
 * not interrupt the sleep (a window of a few instructions).
 */
#include <clockwork/port_posix.h>

#include "posixapi-internal.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Longest single futex wait; the loop re-checks the word after it. */
#define WAIT_SLICE_S 1

static int posix_wait(struct cw_system *sys, _Atomic uint32_t *word)
{
	/* A CPU thread would wait for an interrupt it is the one to take. */
	if (cw_posix_this_cpu(sys) >= 0) {
		return EDEADLK;
	}
	/* Pairs with the release store in posix_wake(). */
	while (!atomic_load_explicit(word, memory_order_acquire)) {
		struct timespec slice = { .tv_sec = WAIT_SLICE_S, .tv_nsec = 0 };
		long r = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, 0, &slice, NULL,
				 0);

		if (r == -1 && errno == EINTR) {
			return EINTR;
		}
	}
	return 0;
}

static void posix_wake(struct cw_system *sys, _Atomic uint32_t *word)
{
	(void)sys;
	/* Pairs with the acquire load in posix_wait(). */
	atomic_store_explicit(word, 1, memory_order_release);
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

const struct cw_pa_waiter_ops cw__pa_waiter_posix = {
	.port = "posix",
	.wait = posix_wait,
	.wake = posix_wake,
};
