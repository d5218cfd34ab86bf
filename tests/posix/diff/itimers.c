/* SPDX-License-Identifier: MIT */
/*
 * setitimer, getitimer and alarm (POSIX.1-2017 getitimer(), alarm(); Linux
 * getitimer(2), alarm(2)): argument errors, one-shot and periodic
 * ITIMER_REAL with the SIGALRM siginfo, old values, the rounding of
 * getitimer and alarm, alarm and ITIMER_REAL sharing one timer, the
 * default action, handlers installed with signal(), and the CPU-time
 * itimers.
 */
#include "diffprog.h"

#include <sys/time.h>
#include <sys/wait.h>

static volatile sig_atomic_t alarms, profs, vtalrms;
static volatile sig_atomic_t last_code, last_signo;

static void on_alarm(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	alarms++;
	last_signo = sig;
	last_code = info->si_code;
}

static void on_plain(int sig)
{
	if (sig == SIGALRM) {
		alarms++;
	} else if (sig == SIGPROF) {
		profs++;
	} else if (sig == SIGVTALRM) {
		vtalrms++;
	}
}

static int64_t tv_us(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

static struct itimerval itv_us(int64_t value_us, int64_t interval_us)
{
	struct itimerval v;

	v.it_value.tv_sec = (time_t)(value_us / 1000000);
	v.it_value.tv_usec = (suseconds_t)(value_us % 1000000);
	v.it_interval.tv_sec = (time_t)(interval_us / 1000000);
	v.it_interval.tv_usec = (suseconds_t)(interval_us % 1000000);
	return v;
}

/* Wait (host time) until @n alarms or @ms passed. */
static bool wait_alarms(int n, int64_t ms)
{
	int64_t h0 = host_mono_ns();

	while (alarms < n && host_mono_ns() - h0 < ms * NSEC_PER_MSEC) {
		host_sleep_ms(1);
	}
	return alarms >= n;
}

static void errors(void)
{
	struct itimerval v = itv_us(NSEC_PER_SEC / 1000, 0), old;

	SAY_RC("setitimer which=3", setitimer(3, &v, NULL));
	SAY_RC("setitimer which=-1", setitimer(-1, &v, NULL));
	SAY_RC("getitimer which=3", getitimer(3, &old));
	v = itv_us(0, 0);
	v.it_value.tv_usec = 1000000;
	SAY_RC("setitimer REAL tv_usec=1e6", setitimer(ITIMER_REAL, &v, NULL));
	v.it_value.tv_usec = -1;
	SAY_RC("setitimer REAL tv_usec=-1", setitimer(ITIMER_REAL, &v, NULL));
	v = itv_us(0, 0);
	v.it_value.tv_sec = -1;
	SAY_RC("setitimer REAL tv_sec=-1", setitimer(ITIMER_REAL, &v, NULL));
	v = itv_us(0, 0);
	v.it_interval.tv_usec = 1000000;
	SAY_RC("setitimer REAL value 0, interval tv_usec=1e6", setitimer(ITIMER_REAL, &v, NULL));
	SAY_RC("getitimer REAL NULL", getitimer(ITIMER_REAL, null_ptr));
	SAY_RC("getitimer REAL", getitimer(ITIMER_REAL, &old));
	check("  disarmed", tv_us(&old.it_value) == 0 && tv_us(&old.it_interval) == 0);

	/* Linux takes a NULL new value as zero (disarm) and warns once. */
	v = itv_us(10000000, 0);
	setitimer(ITIMER_REAL, &v, NULL);
	memset(&old, 0, sizeof(old));
	SAY_RC("setitimer REAL NULL new value on an armed 10 s timer",
	       setitimer(ITIMER_REAL, null_ptr, &old));
	check("  old value in (9 s, 10 s]",
	      tv_us(&old.it_value) > 9000000 && tv_us(&old.it_value) <= 10000000);
	getitimer(ITIMER_REAL, &old);
	say("  afterwards armed: %s", tv_us(&old.it_value) ? "yes" : "no");
	v = itv_us(0, 0);
	setitimer(ITIMER_REAL, &v, NULL);
}

static void real_timer(void)
{
	struct itimerval v, old, cur;
	int64_t h0;

	set_action(SIGALRM, on_alarm, 0);
	alarms = 0;
	v = itv_us(50000, 0);
	h0 = host_mono_ns();
	SAY_RC("setitimer REAL 50 ms", setitimer(ITIMER_REAL, &v, &old));
	check("  old value zero", tv_us(&old.it_value) == 0 && tv_us(&old.it_interval) == 0);
	getitimer(ITIMER_REAL, &cur);
	check("  getitimer in (0, 50 ms], interval 0", tv_us(&cur.it_value) > 0 &&
							       tv_us(&cur.it_value) <= 50000 &&
							       tv_us(&cur.it_interval) == 0);
	check("  SIGALRM within 2 s", wait_alarms(1, 2000));
	check("  not before 50 ms", host_mono_ns() - h0 >= 50 * NSEC_PER_MSEC);
	say("  si_signo %s, si_code %s", signame(last_signo), codename(last_code));
	host_sleep_ms(100);
	check("  exactly once", alarms == 1);
	getitimer(ITIMER_REAL, &cur);
	check("  disarmed afterwards", tv_us(&cur.it_value) == 0);

	/* Periodic. */
	alarms = 0;
	v = itv_us(20000, 20000);
	SAY_RC("setitimer REAL 20 ms, interval 20 ms", setitimer(ITIMER_REAL, &v, NULL));
	getitimer(ITIMER_REAL, &cur);
	check("  getitimer interval 20 ms", tv_us(&cur.it_interval) == 20000);
	host_sleep_ms(500);
	{
		int n = alarms;

		check("  10..26 SIGALRMs in 500 ms", n >= 10 && n <= 26);
		if (n < 10 || n > 26) {
			say("  (%d)", n);
		}
	}
	v = itv_us(0, 0);
	SAY_RC("  disarm", setitimer(ITIMER_REAL, &v, &old));
	check("  old interval 20 ms, value in (0, 20 ms]", tv_us(&old.it_interval) == 20000 &&
								   tv_us(&old.it_value) > 0 &&
								   tv_us(&old.it_value) <= 20000);
	alarms = 0;
	host_sleep_ms(100);
	check("  none after disarm", alarms == 0);

	/* Re-arm an armed itimer. */
	v = itv_us(1000000, 0);
	setitimer(ITIMER_REAL, &v, NULL);
	v = itv_us(30000, 0);
	alarms = 0;
	h0 = host_mono_ns();
	SAY_RC("re-arm a 1 s itimer to 30 ms", setitimer(ITIMER_REAL, &v, &old));
	check("  old value in (500 ms, 1 s]",
	      tv_us(&old.it_value) > 500000 && tv_us(&old.it_value) <= 1000000);
	check("  SIGALRM within 2 s", wait_alarms(1, 2000));
	check("  before 500 ms", host_mono_ns() - h0 < 500 * NSEC_PER_MSEC);

	/* Value 1 us: due at once. */
	alarms = 0;
	v = itv_us(1, 0);
	SAY_RC("setitimer REAL 1 us", setitimer(ITIMER_REAL, &v, NULL));
	check("  SIGALRM within 2 s", wait_alarms(1, 2000));

	/* An interval with a zero value does not arm. */
	alarms = 0;
	v = itv_us(0, 10000);
	SAY_RC("setitimer REAL value 0, interval 10 ms", setitimer(ITIMER_REAL, &v, NULL));
	host_sleep_ms(100);
	check("  no SIGALRM", alarms == 0);
	getitimer(ITIMER_REAL, &cur);
	check("  getitimer zero", tv_us(&cur.it_value) == 0 && tv_us(&cur.it_interval) == 0);
}

static void alarm_calls(void)
{
	struct itimerval v, cur;
	int64_t h0;

	set_action(SIGALRM, on_alarm, 0);
	say("alarm(0) with none: %u", alarm(0));
	say("alarm(5): %u", alarm(5));
	getitimer(ITIMER_REAL, &cur);
	check("  getitimer sees it: value in (4 s, 5 s], interval 0",
	      tv_us(&cur.it_value) > 4000000 && tv_us(&cur.it_value) <= 5000000 &&
		      tv_us(&cur.it_interval) == 0);
	say("alarm(3) after alarm(5): %u", alarm(3));
	say("alarm(0) after alarm(3): %u", alarm(0));
	v = itv_us(2700000, 0);
	setitimer(ITIMER_REAL, &v, NULL);
	say("alarm(0) after setitimer 2.7 s: %u", alarm(0));
	v = itv_us(300000, 0);
	setitimer(ITIMER_REAL, &v, NULL);
	say("alarm(0) after setitimer 0.3 s: %u", alarm(0));
	v = itv_us(1800000, 0);
	setitimer(ITIMER_REAL, &v, NULL);
	say("alarm(0) after setitimer 1.8 s: %u", alarm(0));
	getitimer(ITIMER_REAL, &cur);
	check("  disarmed by alarm(0)", tv_us(&cur.it_value) == 0);

	alarms = 0;
	h0 = host_mono_ns();
	say("alarm(1): %u", alarm(1));
	check("  SIGALRM within 3 s", wait_alarms(1, 3000));
	check("  not before 1 s", host_mono_ns() - h0 >= NSEC_PER_SEC);
	say("  si_code %s", codename(last_code));
	say("alarm(0) after it fired: %u", alarm(0));
}

/* The default action of SIGALRM ends the process; a signal() handler stays. */
static void in_children(void)
{
	pid_t child;
	int status = 0;

#ifdef CW_DIFF_TSAN_BUILD
	/* A forked child of the drop-in build starts threads: not under TSan. */
	say("children with alarms: not run in a ThreadSanitizer build");
	return;
#endif
	fflush(stdout);
	child = fork();
	if (child == 0) {
		signal(SIGALRM, SIG_DFL);
		alarm(1);
		host_sleep_ms(3000);
		_exit(0);
	}
	waitpid(child, &status, 0);
	say("child with alarm(1), no handler: %s %s", WIFSIGNALED(status) ? "killed by" : "exited",
	    WIFSIGNALED(status) ? signame(WTERMSIG(status)) : "normally");

	fflush(stdout);
	child = fork();
	if (child == 0) {
		struct itimerval v = itv_us(50000, 50000);

		alarms = 0;
		signal(SIGALRM, on_plain);
		setitimer(ITIMER_REAL, &v, NULL);
		while (alarms < 3) {
			pause();
		}
		v = itv_us(0, 0);
		setitimer(ITIMER_REAL, &v, NULL);
		_exit(alarms == 3 ? 0 : 1);
	}
	waitpid(child, &status, 0);
	say("child with a signal() handler and a 50 ms periodic itimer, 3 x pause(): %s %d",
	    WIFSIGNALED(status) ? "killed by" : "exit status",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static void cpu_itimers(void)
{
	struct itimerval v = itv_us(20000, 20000), cur;
	int64_t c0;
	volatile uint64_t x = 0;

	signal(SIGPROF, on_plain);
	signal(SIGVTALRM, on_plain);
	profs = 0;
	vtalrms = 0;
	SAY_RC("setitimer PROF 20 ms, interval 20 ms", setitimer(ITIMER_PROF, &v, NULL));
	SAY_RC("setitimer VIRTUAL 20 ms, interval 20 ms", setitimer(ITIMER_VIRTUAL, &v, NULL));
	SAY_RC("getitimer PROF", getitimer(ITIMER_PROF, &cur));
	check("  interval 20 ms", tv_us(&cur.it_interval) == 20000);
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	while (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0 < 300 * NSEC_PER_MSEC) {
		x++;
	}
	v = itv_us(0, 0);
	setitimer(ITIMER_PROF, &v, NULL);
	setitimer(ITIMER_VIRTUAL, &v, NULL);
	check("  SIGPROF 2..40 times over 300 ms of CPU", profs >= 2 && profs <= 40);
	check("  SIGVTALRM 1..40 times over 300 ms of CPU", vtalrms >= 1 && vtalrms <= 40);
	getitimer(ITIMER_PROF, &cur);
	check("  disarmed", tv_us(&cur.it_value) == 0);
}

int main(void)
{
	transcript_start("itimers");
	errors();
	real_timer();
	alarm_calls();
	in_children();
	cpu_itimers();
	return 0;
}
