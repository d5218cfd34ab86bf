/* SPDX-License-Identifier: MIT */
/*
 * Sleeps are cancellation points (POSIX.1-2017 2.9.5: nanosleep,
 * clock_nanosleep and sleep "shall" be; glibc's usleep is one too): a
 * thread cancelled while sleeping ends at once with PTHREAD_CANCELED and
 * its cleanup handlers run; with cancellation disabled the sleep runs to
 * its end. Afterwards sleeps and timers of the process still work.
 */
#include "diffprog.h"

#include <stdatomic.h>

static atomic_int cleaned;
static atomic_int started;
static atomic_int rc_after;

static void cleanup(void *arg)
{
	(void)arg;
	atomic_store(&cleaned, 1);
}

static void *sleeper_fn(void *arg)
{
	enum how how = (enum how)(intptr_t)arg;
	struct timespec ts = ns_ts(5 * NSEC_PER_SEC);

	pthread_cleanup_push(cleanup, NULL);
	atomic_store(&started, 1);
	switch (how) {
	case NANOSLEEP:
		nanosleep(&ts, NULL);
		break;
	case CN_REL:
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		break;
	case CN_ABS:
		ts = ns_ts(clock_ns(CLOCK_REALTIME) + 5 * NSEC_PER_SEC);
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
		break;
	case SLEEP:
		sleep(5);
		break;
	case USLEEP:
		usleep(5000000);
		break;
	}
	pthread_cleanup_pop(0);
	return NULL;
}

/* Join with a bound on the host's clock (never the library under test). */
static int join_within(pthread_t th, int64_t ms, void **ret)
{
	struct timespec dl = ns_ts(host_ns(CLOCK_REALTIME) + ms * NSEC_PER_MSEC);

	return pthread_timedjoin_np(th, ret, &dl);
}

static void cancel_one(const char *what, enum how how)
{
	pthread_t th;
	void *ret = NULL;
	int rc;
	char line[160];

	atomic_store(&cleaned, 0);
	atomic_store(&started, 0);
	pthread_create(&th, NULL, sleeper_fn, (void *)(intptr_t)how);
	while (!atomic_load(&started)) {
		host_sleep_ms(1);
	}
	host_sleep_ms(100);
	say_err(what, pthread_cancel(th));
	rc = join_within(th, 2000, &ret);
	snprintf(line, sizeof(line), "  %s: joined within 2 s", what);
	check(line, rc == 0);
	if (rc != 0) {
		/* Still asleep: let it be (the process ends sooner). */
		pthread_detach(th);
		return;
	}
	snprintf(line, sizeof(line), "  %s: PTHREAD_CANCELED", what);
	check(line, ret == PTHREAD_CANCELED);
	snprintf(line, sizeof(line), "  %s: cleanup handler ran", what);
	check(line, atomic_load(&cleaned) == 1);
}

static void *disabled_fn(void *arg)
{
	struct timespec ts = ns_ts(300 * NSEC_PER_MSEC);

	(void)arg;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	atomic_store(&started, 1);
	atomic_store(&rc_after, nanosleep(&ts, NULL));
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_testcancel();
	return NULL;
}

static void cancel_disabled(void)
{
	pthread_t th;
	void *ret = NULL;
	int64_t h0 = host_mono_ns();

	atomic_store(&started, 0);
	atomic_store(&rc_after, 99);
	pthread_create(&th, NULL, disabled_fn, NULL);
	while (!atomic_load(&started)) {
		host_sleep_ms(1);
	}
	host_sleep_ms(50);
	say_err("pthread_cancel of a 300 ms nanosleep with cancellation disabled",
		pthread_cancel(th));
	check("  joined within 2 s", join_within(th, 2000, &ret) == 0);
	say("  the sleep returned %d", atomic_load(&rc_after));
	check("  it ran to its end (>= 300 ms)", host_mono_ns() - h0 >= 300 * NSEC_PER_MSEC);
	check("  cancelled at pthread_testcancel", ret == PTHREAD_CANCELED);
}

static void still_works(void)
{
	struct timespec ts = ns_ts(20 * NSEC_PER_MSEC);
	struct sigevent sev;
	struct itimerspec its = its_ns(10 * NSEC_PER_MSEC, 0);
	siginfo_t info;
	timer_t t;
	int64_t h0 = host_mono_ns();

	SAY_RC("afterwards: nanosleep 20 ms", nanosleep(&ts, NULL));
	check("  slept >= 20 ms, < 500 ms", host_mono_ns() - h0 >= 20 * NSEC_PER_MSEC &&
						    host_mono_ns() - h0 < 500 * NSEC_PER_MSEC);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sig_block(SIGRTMIN, true);
	SAY_RC("afterwards: timer_create", timer_create(CLOCK_MONOTONIC, &sev, &t));
	timer_settime(t, 0, &its, NULL);
	say("  its signal: %s", signame(wait_sig_ms(SIGRTMIN, &info, 2000)));
	timer_delete(t);
}

int main(void)
{
	transcript_start("cancel");
#ifdef CW_DIFF_TSAN_BUILD
	/*
	 * glibc runs a cancelled sleeper's cleanup from its SIGCANCEL handler
	 * (async cancellation is on only around the blocking syscall, so the
	 * thread holds no clockwork lock there), and ThreadSanitizer does not
	 * see the base lock the cleanup takes in that context: it reports a
	 * race that the ASan and plain builds do not have. Both builds skip
	 * the cancellations under TSan and say so; the rest still runs.
	 */
	say("cancellation of sleeping threads: not run in a ThreadSanitizer build");
	still_works();
	return 0;
#endif
	cancel_one("pthread_cancel of a thread in nanosleep(5 s)", NANOSLEEP);
	cancel_one("pthread_cancel of a thread in clock_nanosleep(MONOTONIC, 5 s)", CN_REL);
	cancel_one("pthread_cancel of a thread in clock_nanosleep(REALTIME, absolute +5 s)",
		   CN_ABS);
	cancel_one("pthread_cancel of a thread in sleep(5)", SLEEP);
	cancel_one("pthread_cancel of a thread in usleep(5000000)", USLEEP);
	cancel_disabled();
	still_works();
	return 0;
}
