/* SPDX-License-Identifier: MIT */
/*
 * A real-time caller: a SCHED_FIFO thread sleeping 1 ms at a time (a
 * cyclictest-style loop) wakes close to its deadline, natively within tens
 * of microseconds. Sleeps must block, never spin waiting for a thread of
 * lower priority (sched(7), clock_nanosleep(2)). Also a SCHED_FIFO thread's
 * timers. Without permission for SCHED_FIFO both builds print EPERM.
 */
#include "diffprog.h"

#include <sched.h>

static int64_t worst_ns, total_ns;
static int loops_done;

static void *rt_fn(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 500; i++) {
		struct timespec dl = ns_ts(clock_ns(CLOCK_MONOTONIC) + NSEC_PER_MSEC);
		int64_t late;

		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL) != 0) {
			break;
		}
		late = clock_ns(CLOCK_MONOTONIC) - ts_ns(&dl);
		total_ns += late;
		if (late > worst_ns) {
			worst_ns = late;
		}
		loops_done++;
	}
	return NULL;
}

int main(void)
{
	pthread_attr_t attr;
	struct sched_param sp = { .sched_priority = 50 };
	pthread_t th;
	int rc;

	transcript_start("rt");
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	rc = pthread_create(&th, &attr, rt_fn, NULL);
	say_err("pthread_create SCHED_FIFO 50", rc);
	if (rc == 0) {
		pthread_join(th, NULL);
		say("500 absolute 1 ms sleeps done: %s", loops_done == 500 ? "yes" : "no");
		check("  average lateness < 1 ms",
		      loops_done && total_ns / loops_done < NSEC_PER_MSEC);
		check("  worst lateness < 20 ms", worst_ns < 20 * NSEC_PER_MSEC);
		if (loops_done &&
		    (total_ns / loops_done >= NSEC_PER_MSEC || worst_ns >= 20 * NSEC_PER_MSEC)) {
			say("  (average %lld us, worst %lld us)",
			    (long long)(total_ns / loops_done / 1000),
			    (long long)(worst_ns / 1000));
		}
	}
	pthread_attr_destroy(&attr);
	return 0;
}
