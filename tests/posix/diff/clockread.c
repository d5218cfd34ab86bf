/* SPDX-License-Identifier: MIT */
/*
 * Reading the clocks: every clock id back to back many times (no hang, no
 * step back), COARSE clocks that keep advancing while the program is busy
 * and lag the fine clocks by at most about a tick, gettimeofday/time against
 * REALTIME, and clock values used where the host interprets them: absolute
 * deadlines for pthread_cond_timedwait (REALTIME and MONOTONIC condattr),
 * sem_clockwait, and timerfd (Linux clock_gettime(2): COARSE clocks are
 * "fast but less precise"; MONOTONIC is one clock for the whole system).
 */
#include "diffprog.h"

#include <semaphore.h>
#include <sys/time.h>
#include <sys/timerfd.h>

static void back_to_back(void)
{
	static const clockid_t mono_ids[] = { CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
					      CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
	int64_t last[4] = { 0, 0, 0, 0 };
	int backs = 0, coarse_ahead = 0, fails = 0, alarm_ok = 0, round, id, k;
	int64_t h0 = host_mono_ns();

	for (round = 0; round < 20000; round++) {
		struct timespec ts;
		int64_t c, f;

		for (id = 0; id < 12; id++) {
			int rc = clock_gettime(id, &ts);

			if (id == 8 || id == 9) {
				alarm_ok += rc == 0;
			} else {
				fails += (rc != 0) != (id == 10);
			}
		}
		for (k = 0; k < 4; k++) {
			int64_t v = clock_ns(mono_ids[k]);

			backs += v < last[k];
			last[k] = v;
		}
		c = clock_ns(CLOCK_REALTIME_COARSE);
		f = clock_ns(CLOCK_REALTIME);
		coarse_ahead += c > f;
		c = clock_ns(CLOCK_MONOTONIC_COARSE);
		f = clock_ns(CLOCK_MONOTONIC);
		coarse_ahead += c > f;
	}
	check("20000 rounds of clock_gettime on ids 0..11: done within 20 s",
	      host_mono_ns() - h0 < 20 * NSEC_PER_SEC);
	check("  ids 0-7 and 11 answer, 10 (unused) fails, every time", fails == 0);
	say("  REALTIME_ALARM, BOOTTIME_ALARM answer: %s", alarm_ok == 0       ? "never"
							   : alarm_ok == 40000 ? "always"
									       : "sometimes");
	check("  MONOTONIC, MONOTONIC_RAW, MONOTONIC_COARSE, BOOTTIME never went back", backs == 0);
	check("  a COARSE read is never ahead of the fine read after it", coarse_ahead == 0);
}

/* COARSE clocks while the program keeps a CPU busy. */
static void coarse_busy(void)
{
	int64_t h0 = host_mono_ns(), last = clock_ns(CLOCK_MONOTONIC_COARSE), last_change = h0;
	int64_t max_gap = 0, max_lag = 0;
	int changes = 0;

	while (host_mono_ns() - h0 < 300 * NSEC_PER_MSEC) {
		int64_t h1 = host_mono_ns();
		int64_t c = clock_ns(CLOCK_MONOTONIC_COARSE), f = clock_ns(CLOCK_MONOTONIC);
		int64_t now = host_mono_ns();

		if (c != last) {
			changes++;
			if (now - last_change > max_gap) {
				max_gap = now - last_change;
			}
			last_change = now;
			last = c;
		}
		/* A preemption between the two reads is no lag of the clock. */
		if (now - h1 < NSEC_PER_MSEC && f - c > max_lag) {
			max_lag = f - c;
		}
	}
	check("MONOTONIC_COARSE changed at least 10 times in 300 ms of busy reading",
	      changes >= 10);
	check("  never stood still for 100 ms", max_gap < 100 * NSEC_PER_MSEC);
	check("  lagged MONOTONIC by less than 100 ms", max_lag < 100 * NSEC_PER_MSEC);
	if (max_lag >= 100 * NSEC_PER_MSEC || max_gap >= 100 * NSEC_PER_MSEC || changes < 10) {
		say("  (%d changes, longest still %lld ms, largest lag %lld ms)", changes,
		    (long long)(max_gap / NSEC_PER_MSEC), (long long)(max_lag / NSEC_PER_MSEC));
	}

	/* After an idle pause (the host sleeps, not the library). */
	host_sleep_ms(200);
	check("after 200 ms idle: REALTIME_COARSE within 100 ms of REALTIME",
	      llabs(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_REALTIME_COARSE)) <
		      100 * NSEC_PER_MSEC);
	check("after 200 ms idle: MONOTONIC_COARSE within 100 ms of MONOTONIC",
	      llabs(clock_ns(CLOCK_MONOTONIC) - clock_ns(CLOCK_MONOTONIC_COARSE)) <
		      100 * NSEC_PER_MSEC);
}

static void legacy_agree(void)
{
	struct timeval tv;
	int64_t rt;

	gettimeofday(&tv, NULL);
	rt = clock_ns(CLOCK_REALTIME);
	check("gettimeofday within 10 ms of the REALTIME read after it",
	      llabs(rt - ((int64_t)tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000)) <
		      10 * NSEC_PER_MSEC);
	check("time(NULL) is REALTIME's seconds (or one less)",
	      (int64_t)time(NULL) <= clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC &&
		      (int64_t)time(NULL) >= clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC - 1);
}

/* Deadlines computed with clock_gettime and handed to the host. */
static void host_deadlines(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_condattr_t ca;
	pthread_cond_t cv;
	struct timespec dl;
	int64_t h0, waited;
	int rc;
	sem_t sem;

	pthread_cond_init(&cv, NULL);
	pthread_mutex_lock(&m);
	dl = ns_ts(clock_ns(CLOCK_REALTIME) + 100 * NSEC_PER_MSEC);
	h0 = host_mono_ns();
	rc = pthread_cond_timedwait(&cv, &m, &dl);
	waited = host_mono_ns() - h0;
	say_err("pthread_cond_timedwait, REALTIME deadline now+100 ms", rc);
	check("  cond REALTIME: waited 100 ms .. 2 s",
	      waited >= 100 * NSEC_PER_MSEC && waited < 2 * NSEC_PER_SEC);
	pthread_cond_destroy(&cv);

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	dl = ns_ts(clock_ns(CLOCK_MONOTONIC) + 100 * NSEC_PER_MSEC);
	h0 = host_mono_ns();
	rc = pthread_cond_timedwait(&cv, &m, &dl);
	waited = host_mono_ns() - h0;
	say_err("pthread_cond_timedwait, MONOTONIC condattr, deadline now+100 ms", rc);
	check("  cond MONOTONIC: waited 100 ms .. 2 s",
	      waited >= 100 * NSEC_PER_MSEC && waited < 2 * NSEC_PER_SEC);
	pthread_cond_destroy(&cv);
	pthread_condattr_destroy(&ca);
	pthread_mutex_unlock(&m);

	sem_init(&sem, 0, 0);
	dl = ns_ts(clock_ns(CLOCK_MONOTONIC) + 100 * NSEC_PER_MSEC);
	h0 = host_mono_ns();
	errno = 0;
	rc = sem_clockwait(&sem, CLOCK_MONOTONIC, &dl);
	waited = host_mono_ns() - h0;
	say_rc("sem_clockwait MONOTONIC, deadline now+100 ms", rc, errno);
	check("  sem MONOTONIC: waited 100 ms .. 2 s",
	      waited >= 100 * NSEC_PER_MSEC && waited < 2 * NSEC_PER_SEC);
	dl = ns_ts(clock_ns(CLOCK_REALTIME) + 100 * NSEC_PER_MSEC);
	h0 = host_mono_ns();
	errno = 0;
	rc = sem_timedwait(&sem, &dl);
	waited = host_mono_ns() - h0;
	say_rc("sem_timedwait, REALTIME deadline now+100 ms", rc, errno);
	check("  sem REALTIME: waited 100 ms .. 2 s",
	      waited >= 100 * NSEC_PER_MSEC && waited < 2 * NSEC_PER_SEC);
	sem_destroy(&sem);

	{
		int fd = timerfd_create(CLOCK_MONOTONIC, 0);
		struct itimerspec its = its_ns(clock_ns(CLOCK_MONOTONIC) + 100 * NSEC_PER_MSEC, 0);
		uint64_t n = 0;
		ssize_t r;

		h0 = host_mono_ns();
		SAY_RC("timerfd_settime MONOTONIC absolute now+100 ms",
		       timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
		r = read(fd, &n, sizeof(n));
		waited = host_mono_ns() - h0;
		say("  read: %d, expirations %llu", (int)r, (unsigned long long)n);
		check("  timerfd MONOTONIC: waited 100 ms .. 2 s",
		      waited >= 100 * NSEC_PER_MSEC && waited < 2 * NSEC_PER_SEC);
		close(fd);
	}
}

int main(void)
{
	transcript_start("clockread");
	back_to_back();
	coarse_busy();
	legacy_agree();
	host_deadlines();
	return 0;
}
