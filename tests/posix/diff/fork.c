/* SPDX-License-Identifier: MIT */
/*
 * fork: the child starts with no timers and no alarm (POSIX.1-2017 fork(),
 * Linux fork(2)), keeps working clocks (MONOTONIC does not go back, REALTIME
 * continues) and sleeps, and gets working timers of every kind
 * (SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID, SIGEV_NONE, alarm,
 * setitimer), also in a grandchild; exit() in the child is clean; the
 * parent's timers keep running.
 */
#include "diffprog.h"

#include <stdatomic.h>
#include <sys/time.h>
#include <sys/wait.h>

#define SIG_P (SIGRTMIN + 3)
#define SIG_C (SIGRTMIN + 4)

static atomic_int thread_calls;
static volatile sig_atomic_t alarms;

static void on_thread(union sigval v)
{
	(void)v;
	atomic_fetch_add(&thread_calls, 1);
}

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static bool wait_thread_calls(int n, int64_t ms)
{
	int64_t h0 = host_mono_ns();

	while (atomic_load(&thread_calls) < n && host_mono_ns() - h0 < ms * NSEC_PER_MSEC) {
		host_sleep_ms(1);
	}
	return atomic_load(&thread_calls) >= n;
}

static struct sigevent sev_of(int notify, int sig)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = 5;
	if (notify == SIGEV_THREAD) {
		sev.sigev_notify_function = on_thread;
	}
	if (notify == SIGEV_THREAD_ID) {
		sev._sigev_un._tid = my_tid();
	}
	return sev;
}

/* Everything a process does with the API, in a child (@who names it). */
static void child_work(const char *who, int64_t parent_mono, int64_t parent_rt,
		       timer_t parent_timer)
{
	struct itimerspec its, cur;
	struct itimerval itv, icur;
	struct sigevent sev;
	siginfo_t info;
	timer_t t;
	int64_t t0, h0;
	char line[160];

#define L(fmt) (snprintf(line, sizeof(line), "%s: " fmt, who), line)
	check(L("MONOTONIC not behind the parent's last read"), mono_ns() >= parent_mono);
	check(L("REALTIME within 1 s of the parent's"),
	      llabs(clock_ns(CLOCK_REALTIME) - parent_rt) < NSEC_PER_SEC);
	say("%s: alarm(0): %u", who, alarm(0));
	getitimer(ITIMER_REAL, &icur);
	check(L("no itimer"), icur.it_value.tv_sec == 0 && icur.it_value.tv_usec == 0);
	SAY_RC(L("timer_gettime of the parent's timer"), timer_gettime(parent_timer, &cur));
	check(L("no signal of the parent's timers in 100 ms"), wait_sig_ms(SIG_P, &info, 100) == 0);

	its.it_value = ns_ts(20 * NSEC_PER_MSEC);
	t0 = mono_ns();
	h0 = host_mono_ns();
	SAY_RC(L("nanosleep 20 ms"), nanosleep(&its.it_value, NULL));
	check(L("  slept >= 20 ms, < 500 ms"),
	      mono_ns() - t0 >= 20 * NSEC_PER_MSEC && host_mono_ns() - h0 < 500 * NSEC_PER_MSEC);
	its.it_value = ns_ts(mono_ns() + 20 * NSEC_PER_MSEC);
	say("%s: clock_nanosleep absolute +20 ms: %s", who,
	    errname(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &its.it_value, NULL)));

	sev = sev_of(SIGEV_SIGNAL, SIG_C);
	SAY_RC(L("timer_create SIGEV_SIGNAL"), timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = its_ns(20 * NSEC_PER_MSEC, 0);
	timer_settime(t, 0, &its, NULL);
	memset(&info, 0, sizeof(info));
	{
		int got = wait_sig_ms(SIG_C, &info, 2000);

		say("%s:   signal %s, si_code %s, si_value %d", who, signame(got),
		    codename(info.si_code), info.si_value.sival_int);
	}
	timer_delete(t);

	sev = sev_of(SIGEV_THREAD_ID, SIG_C);
	SAY_RC(L("timer_create SIGEV_THREAD_ID to itself"),
	       timer_create(CLOCK_MONOTONIC, &sev, &t));
	timer_settime(t, 0, &its, NULL);
	say("%s:   signal %s", who, signame(wait_sig_ms(SIG_C, &info, 2000)));
	timer_delete(t);

	atomic_store(&thread_calls, 0);
	sev = sev_of(SIGEV_THREAD, 0);
	SAY_RC(L("timer_create SIGEV_THREAD"), timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = its_ns(20 * NSEC_PER_MSEC, 20 * NSEC_PER_MSEC);
	timer_settime(t, 0, &its, NULL);
	check(L("  3 calls within 3 s"), wait_thread_calls(3, 3000));
	timer_delete(t);

	sev = sev_of(SIGEV_NONE, 0);
	SAY_RC(L("timer_create SIGEV_NONE"), timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = its_ns(NSEC_PER_SEC, 0);
	timer_settime(t, 0, &its, NULL);
	timer_gettime(t, &cur);
	check(L("  gettime in (0.5 s, 1 s]"),
	      ts_ns(&cur.it_value) > NSEC_PER_SEC / 2 && ts_ns(&cur.it_value) <= NSEC_PER_SEC);
	timer_delete(t);

	alarms = 0;
	signal(SIGALRM, on_alarm);
	itv.it_value.tv_sec = 0;
	itv.it_value.tv_usec = 30000;
	itv.it_interval.tv_sec = 0;
	itv.it_interval.tv_usec = 0;
	SAY_RC(L("setitimer REAL 30 ms"), setitimer(ITIMER_REAL, &itv, NULL));
	h0 = host_mono_ns();
	while (alarms == 0 && host_mono_ns() - h0 < 2 * NSEC_PER_SEC) {
		host_sleep_ms(1);
	}
	check(L("  SIGALRM"), alarms == 1);
	say("%s: alarm(1): %u", who, alarm(1));
	while (alarms == 1 && host_mono_ns() - h0 < 4 * NSEC_PER_SEC) {
		host_sleep_ms(1);
	}
	check(L("  SIGALRM from alarm(1)"), alarms == 2);
#undef L
}

int main(void)
{
	struct sigevent sev;
	struct itimerspec its;
	timer_t tsig, tthr;
	pid_t child;
	int status;
	int64_t mono, rt;
	siginfo_t info;

	transcript_start("fork");
	sig_block(SIG_P, true);
	sig_block(SIG_C, true);

	/* The parent uses every kind before forking. */
	sev = sev_of(SIGEV_SIGNAL, SIG_P);
	SAY_RC("parent: timer_create SIGEV_SIGNAL", timer_create(CLOCK_MONOTONIC, &sev, &tsig));
	sev = sev_of(SIGEV_THREAD, 0);
	SAY_RC("parent: timer_create SIGEV_THREAD", timer_create(CLOCK_MONOTONIC, &sev, &tthr));
	its = its_ns(10 * NSEC_PER_MSEC, 10 * NSEC_PER_MSEC);
	timer_settime(tsig, 0, &its, NULL);
	timer_settime(tthr, 0, &its, NULL);
	check("parent: SIGEV_THREAD calls", wait_thread_calls(2, 2000));
	say("parent: alarm(100): %u", alarm(100));
	drain_sig(SIG_P);
	mono = mono_ns();
	rt = clock_ns(CLOCK_REALTIME);

	fflush(stdout);
	child = fork();
	if (child == 0) {
		child_work("child", mono, rt, tsig);
		mono = mono_ns();
		rt = clock_ns(CLOCK_REALTIME);
		fflush(stdout);
		child = fork();
		if (child == 0) {
			child_work("grandchild", mono, rt, tsig);
			exit(0);
		}
		waitpid(child, &status, 0);
		say("child: grandchild %s %d",
		    WIFEXITED(status) ? "exit status" : "killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		exit(0);
	}
	waitpid(child, &status, 0);
	say("parent: child %s %d", WIFEXITED(status) ? "exit status" : "killed by signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));

	/* The parent's timers ran on. */
	drain_sig(SIG_P);
	say("parent: SIGEV_SIGNAL timer after the fork: %s",
	    signame(wait_sig_ms(SIG_P, &info, 2000)));
	atomic_store(&thread_calls, 0);
	check("parent: SIGEV_THREAD timer after the fork: calls", wait_thread_calls(2, 2000));
	say("parent: alarm(0): %s", alarm(0) > 90 ? "> 90" : "<= 90");
	SAY_RC("parent: timer_delete SIGEV_SIGNAL", timer_delete(tsig));
	SAY_RC("parent: timer_delete SIGEV_THREAD", timer_delete(tthr));
	return 0;
}
