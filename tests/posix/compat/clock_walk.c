/* SPDX-License-Identifier: MIT */
/*
 * The kernel timer selftests' inconsistency check, in miniature: every
 * clock id from CLOCK_REALTIME to 23 that clock_gettime() accepts is read
 * back to back until it has itself advanced by 300 ms, and must never go
 * backwards. Built natively and with the drop-in; both must finish (an
 * alarm ends a hang) with the same set of readable ids. With the drop-in it
 * used to hang on the COARSE clocks, which stood still while this program
 * was busy and clockwork's CPUs idle.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SPAN_NS 300000000LL

static long long ns(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

int main(void)
{
	int failures = 0;

	alarm(30);
	for (clockid_t id = CLOCK_REALTIME; id < 24; id++) {
		struct timespec start, prev, now;
		long long reads = 0;
		int back = 0;

		/*
		 * AUX ids (16..23): only clock_getres is asked (glibc 2.36's
		 * clock_gettime crashes in the vDSO for them on a 6.18 kernel
		 * without AUX clocks); the selftests' clock list ends at 11.
		 */
		if (id >= 16) {
			int r = clock_getres(id, &start);

			printf("clock %2d: clock_getres %s\n", (int)id, r ? strerror(errno) : "0");
			continue;
		}
		if (clock_gettime(id, &start) != 0) {
			printf("clock %2d: %s\n", (int)id, strerror(errno));
			continue;
		}
		prev = start;
		do {
			clock_gettime(id, &now);
			reads++;
			if (ns(&now) < ns(&prev)) {
				back++;
			}
			prev = now;
		} while (ns(&now) - ns(&start) < SPAN_NS);
		printf("clock %2d: advanced 300 ms in %lld reads, %d steps back\n", (int)id, reads,
		       back);
		if (back) {
			failures++;
		}
	}
	printf(failures ? "FAILED\n" : "PASSED\n");
	return failures ? 1 : 0;
}
