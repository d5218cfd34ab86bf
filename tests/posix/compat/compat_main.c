/* SPDX-License-Identifier: MIT */
/*
 * A plain POSIX program: it names no clockwork function. The build compiles
 * it with -include clockwork/posix_compat.h, which turns every clock, timer
 * and legacy time call below into clockwork's. It checks what it measures
 * and exits 0 when everything holds, printing each figure.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static volatile sig_atomic_t bad_info;

static void on_timer(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	if (sig != SIGRTMIN || info->si_code != SI_TIMER || info->si_value.sival_int != 77) {
		bad_info = 1;
	}
	hits++;
}

static long long ns(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns(&ts);
}

static int failures;

/* Threads of this process (clockwork's default system adds its CPU threads). */
static int nr_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL) {
		n += e->d_name[0] != '.';
	}
	if (d) {
		closedir(d);
	}
	return n;
}

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok) {
		failures++;
	}
}

/* Sleep @total_ns on MONOTONIC, resuming after signal handlers. */
static void sleep_through(long long total_ns)
{
	struct timespec req = { (time_t)(total_ns / 1000000000LL),
				(long)(total_ns % 1000000000LL) };

	while (nanosleep(&req, &req) == -1 && errno == EINTR) {
	}
}

int main(void)
{
	struct sigaction sa;
	struct sigevent ev;
	struct itimerspec its;
	struct timespec req, res;
	timer_t id;
	long long t0, t1;
	int ret;

	/* The header is in force (compile time) and clockwork runs (threads). */
#ifdef clock_gettime
	check(1, "clock_gettime is redirected by the included header");
#else
	check(0, "clock_gettime is redirected by the included header");
#endif
	check(nr_threads() == 1, "single-threaded before the first call");
	/* clock_gettime and clock_getres. */
	t0 = mono();
	printf("threads after the first clock_gettime: %d\n", nr_threads());
	check(nr_threads() > 1, "clockwork's CPU threads run");
	t1 = mono();
	check(t1 >= t0, "CLOCK_MONOTONIC does not go backwards");
	check(clock_getres(CLOCK_MONOTONIC, &res) == 0 && ns(&res) == 1, "resolution 1 ns");

	/* Relative clock_nanosleep. */
	req.tv_sec = 0;
	req.tv_nsec = 20000000;
	t0 = mono();
	ret = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
	t1 = mono();
	printf("relative 20 ms sleep: %lld us\n", (t1 - t0) / 1000);
	check(ret == 0 && t1 - t0 >= 20000000LL && t1 - t0 < 1000000000LL, "relative sleep");

	/* Absolute clock_nanosleep. */
	t0 = mono();
	req.tv_sec = (time_t)((t0 + 30000000LL) / 1000000000LL);
	req.tv_nsec = (long)((t0 + 30000000LL) % 1000000000LL);
	ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL);
	t1 = mono();
	printf("absolute sleep 30 ms ahead: woke %lld us after the target\n",
	       (t1 - ns(&req)) / 1000);
	check(ret == 0 && t1 >= ns(&req), "absolute sleep");
	/* Linux looks at TIMER_ABSTIME only and ignores the other flag bits. */
	req.tv_sec = 0;
	req.tv_nsec = 1000;
	check(clock_nanosleep(CLOCK_MONOTONIC, 2, &req, NULL) == 0, "other flag bits ignored");

	/* timer_create / timer_settime with a signal. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGRTMIN, &sa, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 77;
	check(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0, "timer_create");
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 10000000;
	its.it_interval = its.it_value;
	check(timer_settime(id, 0, &its, NULL) == 0, "timer_settime 10 ms interval");
	sleep_through(205000000LL);
	printf("signals in 205 ms of a 10 ms timer: %d (overrun of the last: %d)\n", (int)hits,
	       timer_getoverrun(id));
	check(hits >= 8 && hits <= 21, "timer signals arrive at about the period");
	check(!bad_info, "siginfo: SIGRTMIN, SI_TIMER, sival_int 77");
	check(timer_gettime(id, &its) == 0 && ns(&its.it_interval) == 10000000LL,
	      "timer_gettime interval");
	check(timer_delete(id) == 0, "timer_delete");
	check(timer_delete(id) == -1 && errno == EINVAL, "timer_delete twice: EINVAL");

	/*
	 * clockwork's REALTIME is settable without privilege and the host's
	 * is not: proof that the calls went to clockwork. Only unprivileged,
	 * so a broken redirection can never set the host clock.
	 */
	if (geteuid() != 0) {
		struct timespec y2001 = { 978307200, 0 };

		check(clock_settime(CLOCK_REALTIME, &y2001) == 0, "clock_settime (clockwork's)");
		check(time(NULL) - 978307200 < 5, "time() reads clockwork's REALTIME");
	} else {
		printf("skip: running as root, not setting REALTIME\n");
	}

	/* adjtimex reads clockwork's NTP state and steers it without privilege. */
	{
		struct timex tx;

		memset(&tx, 0, sizeof(tx));
		check(adjtimex(&tx) >= 0 && tx.tick == 10000, "adjtimex reads the state");
		if (geteuid() != 0) {
			tx.modes = ADJ_FREQUENCY;
			tx.freq = 10L << 16;
			check(ntp_adjtime(&tx) >= 0 && tx.freq == 10L << 16,
			      "ntp_adjtime steers clockwork's clock (the host's needs privilege)");
		} else {
			printf("skip: running as root, not steering with adjtimex\n");
		}
	}
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
