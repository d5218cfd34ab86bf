/* SPDX-License-Identifier: MIT */
/*
 * nanosleep, clock_nanosleep, sleep and usleep: argument errors, every
 * clock id, relative and absolute, past absolute times, and sleeps
 * interrupted by a handler (with and without SA_RESTART, from another
 * thread, a timer, alarm and setitimer) with the time left; signals that
 * must not end a sleep (ignored, default-ignored, stop and continue); errno
 * after success (POSIX.1-2017 nanosleep(), clock_nanosleep(); Linux
 * nanosleep(2), clock_nanosleep(2), sleep(3), usleep(3)).
 */
#include "diffprog.h"

#include <sys/time.h>
#include <sys/wait.h>

static pthread_t main_thread;
static volatile sig_atomic_t handled;

static void on_signal(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	handled++;
}

struct kick {
	pthread_t thread;
	int64_t after_ms;
	int sig;
};

static void *kick_fn(void *arg)
{
	struct kick *k = arg;

	host_sleep_ms(k->after_ms);
	pthread_kill(main_thread, k->sig);
	return NULL;
}

/* Send @sig to the main thread @after_ms from now (host time). */
static void kick_start(struct kick *k, int64_t after_ms, int sig)
{
	k->after_ms = after_ms;
	k->sig = sig;
	pthread_create(&k->thread, NULL, kick_fn, k);
}

static void kick_join(struct kick *k)
{
	pthread_join(k->thread, NULL);
}

/* A relative sleep of @ms: "slept >= requested" and "late < 250 ms". */
static void bounds(const char *what, int64_t t0, int64_t h0, int64_t ms)
{
	int64_t d = mono_ns() - t0;
	int64_t hd = host_mono_ns() - h0;
	char line[160];

	snprintf(line, sizeof(line), "%s: slept >= requested (own clock, host clock)", what);
	say("%s: %s %s", line, d >= ms * NSEC_PER_MSEC ? "yes" : "no",
	    hd >= ms * NSEC_PER_MSEC ? "yes" : "no");
	snprintf(line, sizeof(line), "%s: late < 250 ms", what);
	check(line, hd < (ms + 250) * NSEC_PER_MSEC);
	if (d < ms * NSEC_PER_MSEC || hd < ms * NSEC_PER_MSEC || hd >= (ms + 250) * NSEC_PER_MSEC) {
		say("  (slept %lld us by its clock, %lld us by the host's)", (long long)(d / 1000),
		    (long long)(hd / 1000));
	}
}

static void nanosleep_args(void)
{
	struct timespec req, rem = { -7, -7 };
	int64_t t0, h0;

	req = (struct timespec){ 0, 1000000000L };
	SAY_RC("nanosleep tv_nsec=1e9", nanosleep(&req, &rem));
	req = (struct timespec){ 0, -1 };
	SAY_RC("nanosleep tv_nsec=-1", nanosleep(&req, &rem));
	req = (struct timespec){ -1, 0 };
	SAY_RC("nanosleep tv_sec=-1", nanosleep(&req, &rem));
	req = (struct timespec){ 0, 0 };
	SAY_RC("nanosleep 0", nanosleep(&req, &rem));
	check("  rem untouched", rem.tv_sec == -7 && rem.tv_nsec == -7);

	req = ns_ts(30 * NSEC_PER_MSEC);
	t0 = mono_ns();
	h0 = host_mono_ns();
	SAY_RC("nanosleep 30 ms", nanosleep(&req, &rem));
	bounds("  nanosleep 30 ms", t0, h0, 30);
	check("  rem untouched on success", rem.tv_sec == -7 && rem.tv_nsec == -7);

	req = ns_ts(20 * NSEC_PER_MSEC);
	t0 = mono_ns();
	h0 = host_mono_ns();
	SAY_RC("nanosleep 20 ms, rem NULL", nanosleep(&req, NULL));
	bounds("  nanosleep 20 ms", t0, h0, 20);
	req = ns_ts(20 * NSEC_PER_MSEC);
	SAY_RC("nanosleep 20 ms, rem == req", nanosleep(&req, &req));
	check("  req unchanged", req.tv_sec == 0 && req.tv_nsec == 20 * NSEC_PER_MSEC);
}

static void clock_nanosleep_ids(void)
{
	size_t i;

	for (i = next_clock_id(IDS_SLEEPS, 0); i < NR_CLOCK_IDS;
	     i = next_clock_id(IDS_SLEEPS, i + 1)) {
		clockid_t id = clock_ids[i].id;
		struct timespec req = ns_ts(20 * NSEC_PER_MSEC), now;
		char what[128];
		int64_t t0 = mono_ns(), h0 = host_mono_ns();
		int rc;

		errno = 12345;
		rc = clock_nanosleep(id, 0, &req, NULL);
		snprintf(what, sizeof(what), "clock_nanosleep %s relative 20 ms",
			 clock_ids[i].name);
		say("%s: %s (errno untouched: %s)", what, errname(rc),
		    errno == 12345 ? "yes" : "no");
		if (rc == 0) {
			snprintf(what, sizeof(what), "  %s relative 20 ms", clock_ids[i].name);
			bounds(what, t0, h0, 20);
		}

		/* Absolute: 20 ms after the clock's now; then one already past. */
		if (clock_gettime(id, &now) != 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
		}
		req = ns_ts(ts_ns(&now) + 20 * NSEC_PER_MSEC);
		t0 = mono_ns();
		h0 = host_mono_ns();
		rc = clock_nanosleep(id, TIMER_ABSTIME, &req, NULL);
		snprintf(what, sizeof(what), "clock_nanosleep %s absolute now+20 ms",
			 clock_ids[i].name);
		say_err(what, rc);
		if (rc == 0) {
			struct timespec after;

			clock_gettime(id, &after);
			snprintf(what, sizeof(what), "  %s absolute: clock >= target after",
				 clock_ids[i].name);
			check(what, ts_ns(&after) >= ts_ns(&req));
			snprintf(what, sizeof(what), "  %s absolute now+20 ms", clock_ids[i].name);
			bounds(what, t0, h0, 0);
		}
		req = ns_ts(ts_ns(&now) - 5 * NSEC_PER_SEC > 0 ? ts_ns(&now) - 5 * NSEC_PER_SEC
							       : 0);
		h0 = host_mono_ns();
		rc = clock_nanosleep(id, TIMER_ABSTIME, &req, NULL);
		snprintf(what, sizeof(what), "clock_nanosleep %s absolute 5 s ago",
			 clock_ids[i].name);
		say_err(what, rc);
		if (rc == 0) {
			snprintf(what, sizeof(what), "  %s absolute past returns within 100 ms",
				 clock_ids[i].name);
			check(what, host_mono_ns() - h0 < 100 * NSEC_PER_MSEC);
		}
		req = (struct timespec){ 0, 0 };
		rc = clock_nanosleep(id, TIMER_ABSTIME, &req, NULL);
		snprintf(what, sizeof(what), "clock_nanosleep %s absolute 0", clock_ids[i].name);
		say_err(what, rc);
	}
}

static void clock_nanosleep_args(void)
{
	struct timespec req = ns_ts(10 * NSEC_PER_MSEC);
	int64_t h0;

	say_err("clock_nanosleep MONOTONIC flags=2",
		clock_nanosleep(CLOCK_MONOTONIC, 2, &req, NULL));
	say_err("clock_nanosleep MONOTONIC flags=-1",
		clock_nanosleep(CLOCK_MONOTONIC, -1, &req, NULL));
	req = (struct timespec){ 0, 1000000000L };
	say_err("clock_nanosleep MONOTONIC tv_nsec=1e9",
		clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
	req = (struct timespec){ 0, -1 };
	say_err("clock_nanosleep MONOTONIC tv_nsec=-1",
		clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
	req = (struct timespec){ -1, 0 };
	say_err("clock_nanosleep MONOTONIC tv_sec=-1",
		clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
	say_err("clock_nanosleep MONOTONIC absolute tv_sec=-1",
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL));
	req = (struct timespec){ 0, 1000000000L };
	say_err("clock_nanosleep MONOTONIC absolute tv_nsec=1e9",
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL));
	req = (struct timespec){ 0, 0 };
	h0 = host_mono_ns();
	say_err("clock_nanosleep MONOTONIC relative 0",
		clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
	check("  returns within 100 ms", host_mono_ns() - h0 < 100 * NSEC_PER_MSEC);
	req = (struct timespec){ 0, 1 };
	say_err("clock_nanosleep MONOTONIC relative 1 ns",
		clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
}

/* CPU-time clocks: the process's advances while another thread works. */
static void cpu_clock_sleeps(void)
{
	pthread_t burner;
	struct timespec req = ns_ts(20 * NSEC_PER_MSEC), now;
	clockid_t cid;
	int64_t c0;
	int rc;

	pthread_create(&burner, NULL, burn_fn, NULL);
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	rc = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &req, NULL);
	say_err("clock_nanosleep PROCESS_CPUTIME_ID relative 20 ms (a thread burns CPU)", rc);
	check("  process CPU time advanced >= 20 ms",
	      clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0 >= 20 * NSEC_PER_MSEC);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	req = ns_ts(ts_ns(&now) + 20 * NSEC_PER_MSEC);
	rc = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &req, NULL);
	say_err("clock_nanosleep PROCESS_CPUTIME_ID absolute now+20 ms", rc);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	check("  process CPU time >= target", ts_ns(&now) >= ts_ns(&req));
	__atomic_store_n(&burn_stop, 1, __ATOMIC_RELAXED);
	pthread_join(burner, NULL);

	req = ns_ts(NSEC_PER_MSEC);
	say_err("clock_nanosleep THREAD_CPUTIME_ID relative 1 ms",
		clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL));
	pthread_getcpuclockid(pthread_self(), &cid);
	say_err("clock_nanosleep pthread_getcpuclockid(self) relative 1 ms",
		clock_nanosleep(cid, 0, &req, NULL));
	req = (struct timespec){ 0, 0 };
	say_err("clock_nanosleep PROCESS_CPUTIME_ID absolute 0",
		clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &req, NULL));
}

/* A 3 s sleep interrupted by a handler after 100 ms, each sleeping call. */
static void interrupted(const char *what, enum how how, clockid_t id, int sig)
{
	struct timespec req = ns_ts(3 * NSEC_PER_SEC), rem = { -7, -7 }, now;
	struct kick k;
	int64_t h0 = host_mono_ns();
	int rc = 0, err = 0;
	char line[160];

	handled = 0;
	kick_start(&k, 100, sig);
	switch (how) {
	case NANOSLEEP:
		errno = 0;
		rc = nanosleep(&req, &rem);
		err = errno;
		say_rc(what, rc, err);
		break;
	case CN_REL:
		rc = clock_nanosleep(id, 0, &req, &rem);
		say_err(what, rc);
		break;
	case CN_ABS:
		clock_gettime(id, &now);
		req = ns_ts(ts_ns(&now) + 3 * NSEC_PER_SEC);
		rc = clock_nanosleep(id, TIMER_ABSTIME, &req, &rem);
		say_err(what, rc);
		snprintf(line, sizeof(line), "  %s: rem untouched (absolute)", what);
		check(line, rem.tv_sec == -7 && rem.tv_nsec == -7);
		break;
	case SLEEP: {
		unsigned left;

		errno = 0;
		left = sleep(5);
		err = errno;
		say("%s: returns %u, errno %s", what, left, errname(err));
		break;
	}
	case USLEEP:
		errno = 0;
		rc = usleep(3000000);
		err = errno;
		say_rc(what, rc, err);
		break;
	}
	kick_join(&k);
	snprintf(line, sizeof(line), "  %s: handler ran once", what);
	check(line, handled == 1);
	snprintf(line, sizeof(line), "  %s: returned within 1 s", what);
	check(line, host_mono_ns() - h0 < NSEC_PER_SEC);
	if (how == NANOSLEEP || how == CN_REL) {
		int64_t r = ts_ns(&rem);

		snprintf(line, sizeof(line), "  %s: rem in [1.5 s, 2.95 s]", what);
		check(line, r >= 1500 * NSEC_PER_MSEC && r <= 2950 * NSEC_PER_MSEC);
	}
}

static void interrupted_all(void)
{
	set_action(SIGUSR1, on_signal, 0);
	interrupted("nanosleep 3 s, SIGUSR1 handler after 100 ms", NANOSLEEP, 0, SIGUSR1);
	interrupted("clock_nanosleep REALTIME relative 3 s, interrupted", CN_REL, CLOCK_REALTIME,
		    SIGUSR1);
	interrupted("clock_nanosleep MONOTONIC relative 3 s, interrupted", CN_REL, CLOCK_MONOTONIC,
		    SIGUSR1);
	interrupted("clock_nanosleep BOOTTIME relative 3 s, interrupted", CN_REL, CLOCK_BOOTTIME,
		    SIGUSR1);
	interrupted("clock_nanosleep TAI relative 3 s, interrupted", CN_REL, CLOCK_TAI, SIGUSR1);
	interrupted("clock_nanosleep MONOTONIC absolute +3 s, interrupted", CN_ABS, CLOCK_MONOTONIC,
		    SIGUSR1);
	interrupted("clock_nanosleep REALTIME absolute +3 s, interrupted", CN_ABS, CLOCK_REALTIME,
		    SIGUSR1);
	interrupted("sleep(5), interrupted", SLEEP, 0, SIGUSR1);
	interrupted("usleep(3000000), interrupted", USLEEP, 0, SIGUSR1);
	/* SA_RESTART does not restart sleeps (signal(7)). */
	set_action(SIGUSR1, on_signal, SA_RESTART);
	interrupted("nanosleep 3 s, SA_RESTART handler", NANOSLEEP, 0, SIGUSR1);
	interrupted("clock_nanosleep MONOTONIC relative 3 s, SA_RESTART handler", CN_REL,
		    CLOCK_MONOTONIC, SIGUSR1);
	set_action(SIGUSR1, on_signal, 0);
}

/* A signal with no handler that does not terminate does not end a sleep. */
static void not_interrupted(void)
{
	struct timespec req = ns_ts(300 * NSEC_PER_MSEC), rem;
	struct kick k;
	int64_t t0 = mono_ns(), h0 = host_mono_ns();
	pid_t child;

	signal(SIGUSR2, SIG_IGN);
	kick_start(&k, 50, SIGUSR2);
	SAY_RC("nanosleep 300 ms, ignored SIGUSR2 after 50 ms", nanosleep(&req, &rem));
	kick_join(&k);
	bounds("  nanosleep with an ignored signal", t0, h0, 300);

	signal(SIGURG, SIG_DFL);
	t0 = mono_ns();
	h0 = host_mono_ns();
	kick_start(&k, 50, SIGURG);
	say_err("clock_nanosleep 300 ms, default-ignored SIGURG after 50 ms",
		clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
	kick_join(&k);
	bounds("  clock_nanosleep with a default-ignored signal", t0, h0, 300);

	/* Stopped for 100 ms by another process, then continued. */
	t0 = mono_ns();
	h0 = host_mono_ns();
	child = fork();
	if (child == 0) {
		host_sleep_ms(50);
		kill(getppid(), SIGSTOP);
		host_sleep_ms(100);
		kill(getppid(), SIGCONT);
		_exit(0);
	}
	SAY_RC("nanosleep 300 ms, stopped and continued", nanosleep(&req, &rem));
	waitpid(child, NULL, 0);
	bounds("  nanosleep across stop/continue", t0, h0, 300);
}

static void on_alarm(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	handled++;
}

/* Handlers of the library's own signals end a sleep too. */
static void interrupted_by_timers(void)
{
	struct sigevent sev;
	struct itimerspec its = its_ns(100 * NSEC_PER_MSEC, 0);
	struct itimerval itv = { { 0, 0 }, { 0, 100000 } };
	struct timespec req = ns_ts(3 * NSEC_PER_SEC), rem = { 0, 0 };
	timer_t t;
	int64_t h0;
	int rc;

	set_action(SIGRTMIN, on_signal, 0);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	SAY_RC("timer_create MONOTONIC SIGEV_SIGNAL SIGRTMIN",
	       timer_create(CLOCK_MONOTONIC, &sev, &t));
	handled = 0;
	h0 = host_mono_ns();
	timer_settime(t, 0, &its, NULL);
	SAY_RC("nanosleep 3 s, timer handler after 100 ms", nanosleep(&req, &rem));
	check("  handler ran once", handled == 1);
	check("  returned within 1 s", host_mono_ns() - h0 < NSEC_PER_SEC);
	check("  rem in [1.5 s, 2.95 s]",
	      ts_ns(&rem) >= 1500 * NSEC_PER_MSEC && ts_ns(&rem) <= 2950 * NSEC_PER_MSEC);
	handled = 0;
	h0 = host_mono_ns();
	timer_settime(t, 0, &its, NULL);
	rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
	say_err("clock_nanosleep 3 s, timer handler after 100 ms", rc);
	check("  handler ran once", handled == 1);
	check("  returned within 1 s", host_mono_ns() - h0 < NSEC_PER_SEC);
	SAY_RC("timer_delete", timer_delete(t));

	set_action(SIGALRM, on_alarm, 0);
	handled = 0;
	h0 = host_mono_ns();
	SAY_RC("setitimer ITIMER_REAL 100 ms", setitimer(ITIMER_REAL, &itv, NULL));
	SAY_RC("nanosleep 3 s, itimer SIGALRM handler", nanosleep(&req, &rem));
	check("  handler ran once", handled == 1);
	check("  returned within 1 s", host_mono_ns() - h0 < NSEC_PER_SEC);

	handled = 0;
	h0 = host_mono_ns();
	say("alarm(1): %u", alarm(1));
	{
		/* 4 s and a little left when SIGALRM comes: glibc gives 3 or 4. */
		unsigned left = sleep(5);

		say("sleep(5) with alarm(1): returns 3 or 4: %s",
		    left == 3 || left == 4 ? "yes" : "no");
		if (left != 3 && left != 4) {
			say("  (returned %u)", left);
		}
	}
	check("  handler ran once", handled == 1);
	check("  returned within 1.9 s", host_mono_ns() - h0 < 1900 * NSEC_PER_MSEC);
}

static void usleep_errno(void)
{
	int64_t t0 = mono_ns(), h0 = host_mono_ns();

	errno = EBADF;
	say("usleep(20000) with errno EBADF before: %d, errno %s", usleep(20000), errname(errno));
	bounds("  usleep 20 ms", t0, h0, 20);
	errno = 0;
	say("usleep(1000) with errno 0 before: %d, errno %s", usleep(1000), errname(errno));
	errno = 0;
	say("usleep(0): %d, errno %s", usleep(0), errname(errno));
	t0 = mono_ns();
	h0 = host_mono_ns();
	errno = 0;
	say("usleep(1000000): %d, errno %s", usleep(1000000), errname(errno));
	bounds("  usleep 1 s", t0, h0, 1000);
	errno = EBADF;
	say("sleep(0): %u, errno %s", sleep(0), errname(errno));
	t0 = mono_ns();
	h0 = host_mono_ns();
	errno = EBADF;
	say("sleep(1): %u, errno %s", sleep(1), errname(errno));
	bounds("  sleep 1 s", t0, h0, 1000);
}

int main(void)
{
	transcript_start("sleeps");
	main_thread = pthread_self();
	/* The first call sets the library up; sleeps are measured afterwards. */
	SAY_RC("clock_gettime MONOTONIC",
	       clock_gettime(CLOCK_MONOTONIC, &(struct timespec){ 0, 0 }));
	nanosleep_args();
	clock_nanosleep_args();
	clock_nanosleep_ids();
	cpu_clock_sleeps();
	usleep_errno();
	interrupted_all();
	not_interrupted();
	interrupted_by_timers();
	return 0;
}
