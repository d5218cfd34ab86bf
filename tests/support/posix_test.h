/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the real-time POSIX API tests (tests/posix/): signal
 * masks, arming a timer from nanoseconds and sleeping on the host's clock.
 * Header-only; every helper is static.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_POSIX_TEST_H
#define CLOCKWORK_TESTS_SUPPORT_POSIX_TEST_H

#include <clockwork/posix.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Block (@on) or unblock @sig in the calling thread. */
static inline void block(int sig, bool on)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(on ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* cw_timer_settime(), relative, from nanoseconds; its return value. */
static inline int arm_ns(timer_t id, int64_t value_ns, int64_t interval_ns)
{
	struct itimerspec its = {
		.it_interval = { (time_t)(interval_ns / 1000000000LL),
				 (long)(interval_ns % 1000000000LL) },
		.it_value = { (time_t)(value_ns / 1000000000LL), (long)(value_ns % 1000000000LL) },
	};

	return cw_timer_settime(id, 0, &its, NULL);
}

/* Sleep on the host, resuming after handlers. */
static inline void host_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {
	}
}

#endif /* CLOCKWORK_TESTS_SUPPORT_POSIX_TEST_H */
